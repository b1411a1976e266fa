"""The shape of the house (issue 10; ARCHITECTURE.md), checked on the source so that it stays:
a module owns its tables (only its own code writes them), a module reaches another through its
use cases and never calls another's repository nor imports its private names, and no file grows
past ~500 lines. Each test names what broke the rule, so the fix is where the message points."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ca_api"

# Issue 10 item 3: "No file over ~500 lines" (a file cut by use case when it outgrows it).
MOST_LINES = 510

# What naming another module's repository may take: its types, which call nothing.
REPOSITORY_TYPES = {"ClientFilter", "RowPredicate"}


def _modules() -> Iterator[tuple[str, Path]]:
    """(domain module, file) for every Python file below a domain module of ``ca_api``."""
    for path in sorted(SRC.glob("*/*.py")):
        yield path.parent.name, path


def _is_repository(path: Path) -> bool:
    return "repository" in path.stem


def _calls_of_other_repositories(module: str, path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        parts = node.module.split(".")
        if parts[0] != "ca_api" or len(parts) < 2 or parts[1] == module:
            continue
        names = {a.name for a in node.names}
        if len(parts) == 3 and "repository" in parts[2]:
            if names - REPOSITORY_TYPES:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} imports {node.module}")
        elif len(parts) == 2 and any("repository" in n for n in names):
            found.append(f"{path.relative_to(SRC)}:{node.lineno} imports {node.module}'s {names}")
    return found


def test_no_service_schema_or_rule_calls_another_modules_repository() -> None:
    """ARCHITECTURE: another module's rows are reached through its use cases (service.py, or the
    modules a long service is cut into), never its repository; repositories may join."""
    found = [
        hit
        for module, path in _modules()
        if not _is_repository(path)
        for hit in _calls_of_other_repositories(module, path)
    ]
    assert found == []


def test_no_module_imports_another_modules_private_name() -> None:
    """A name another module needs is public (named for what it is); an underscore name is its
    own module's business, so it can change without reading the whole tree."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        here = "ca_api." + ".".join(path.relative_to(SRC).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ca_api"):
                found += [
                    f"{path.relative_to(SRC)}:{node.lineno} imports {node.module}.{a.name}"
                    for a in node.names
                    if node.module != here and a.name.startswith("_") and a.name[1] != "_"
                ]
    assert found == []


def _owners() -> dict[str, str]:
    """Each mapped class and table of a models file, by name: the module that owns it."""
    owner: dict[str, str] = {}
    for path in sorted(SRC.glob("*/*models*.py")):
        text = path.read_text()
        for name in re.findall(r"^class (\w+)\(", text, re.M):
            owner.setdefault(name, path.parent.name)
        for name in re.findall(r"^(\w+) = Table\(", text, re.M):
            owner.setdefault(name, path.parent.name)
    return owner


def test_only_a_module_writes_its_own_tables() -> None:
    """A module owns its tables: no INSERT, UPDATE or DELETE of another module's model (what
    another module must change, it asks that module's use case to)."""
    owner = _owners()
    assert {"Transfer", "Client", "Payment"} <= owner.keys()  # the check reads the models
    writes = re.compile(r"\b(?:insert|pg_insert|update|delete)\((\w+)\)")
    found = [
        f"{path.relative_to(SRC)} writes {name} ({owner[name]}'s)"
        for module, path in _modules()
        for name in writes.findall(path.read_text())
        if owner.get(name, module) != module
    ]
    assert found == []


def test_no_file_over_about_five_hundred_lines() -> None:
    """Issue 10 item 3: a file that outgrows ~500 lines is cut by use case or by kind of thing
    (README, Layout: as deaths/, ledger/ and the others are)."""
    too_long = {
        str(path.relative_to(SRC)): n
        for path in sorted(SRC.rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MOST_LINES
    }
    assert too_long == {}

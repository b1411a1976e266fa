"""schema.graphql is the contract the SPA and the integrations code against: it must be exactly
what the code exports (regenerate with `.venv/bin/ca-api export-schema > schema.graphql`)."""

from __future__ import annotations

from pathlib import Path

from ca_api.contract import breaking_changes, undeclared
from ca_api.graphql import export_sdl

ROOT = Path(__file__).resolve().parents[1]


def test_checked_in_schema_matches_the_code() -> None:
    checked_in = (ROOT / "schema.graphql").read_text()
    assert checked_in == export_sdl(), (
        "schema.graphql is stale: run `.venv/bin/ca-api export-schema > schema.graphql` "
        "and say in your note what changed for clients"
    )


def test_money_is_a_string_scalar_never_a_float() -> None:
    sdl = export_sdl()
    assert "scalar Money" in sdl
    assert "Float" not in sdl


# --- breaking changes against the last release (issue 11 item 4) ------------------------------


def _declared() -> list[str]:
    """The lines under **Breaking** in CHANGELOG.md's Unreleased section, without the bullet."""
    text = (ROOT / "CHANGELOG.md").read_text()
    unreleased = text.split("## Unreleased", 1)[1].split("\n## ", 1)[0]
    breaking = unreleased.split("### Breaking", 1)[1] if "### Breaking" in unreleased else ""
    section = breaking.split("\n### ", 1)[0]
    return [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]


def test_every_breaking_change_since_the_release_is_declared() -> None:
    released = (ROOT / "schema.released.graphql").read_text()
    changes = breaking_changes(released, export_sdl())
    missing = undeclared(changes, _declared())
    assert not missing, (
        "breaking changes for clients since schema.released.graphql, not declared under "
        "'### Breaking' in CHANGELOG.md:\n" + "\n".join(missing)
    )


def test_a_deliberate_breaking_change_fails_the_check() -> None:
    """The check can fail: a field taken away and a nullable argument made required are
    caught, named, and not excused by the lines declared for other changes."""
    released = export_sdl()
    broken = released.replace("  hasNextPage: Boolean!", "  hasMore: Boolean!", 1)
    assert broken.count("filter: ClientFilter = null") == 1  # the clients list's filter
    broken = broken.replace("filter: ClientFilter = null", "filter: ClientFilter!")
    missing = undeclared(breaking_changes(released, broken), _declared())
    assert "Field PageInfo.hasNextPage was removed." in missing
    assert any("Query.clients" in m and "filter" in m for m in missing), missing


def test_a_declared_breaking_change_passes() -> None:
    released = export_sdl()
    broken = released.replace("  hasNextPage: Boolean!", "  hasMore: Boolean!", 1)
    changes = breaking_changes(released, broken)
    assert undeclared(changes, ["Field PageInfo.hasNextPage was removed."]) == []

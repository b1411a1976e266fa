"""schema.graphql is the contract the SPA and the integrations code against: it must be exactly
what the code exports (regenerate with `.venv/bin/ca-api export-schema > schema.graphql`)."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from ca_api.contract import breaking_changes, lint, undeclared
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


# --- the schema lint (issue 11 item 4): descriptions, naming, one input, Relay ------------------


def test_the_schema_keeps_its_conventions() -> None:
    """ca_api.contract.lint over the schema the service serves: every type, field, argument and
    enum value described; names cased; every mutation takes one input named after it; every
    problem a ...Problem; every object with a global id a Node; Relay connections whole."""
    problems = lint(build_schema(export_sdl()))
    assert problems == [], "\n".join(problems)


def test_the_lint_finds_a_breach_of_each_rule() -> None:
    """The lint can fail: each convention broken once in a copy of the schema is reported."""
    sdl = export_sdl()
    schema = build_schema(
        sdl
        + """
type Query2 { oddField(x: Int): Int }
type Thing { id: ID! }
type BadConnection { edges: [Thing!]! }
extend type Mutation { doIt(a: Int, b: Int): Boolean, doThat(input: WrongInput!): Boolean }
input WrongInput { a: Int }
enum Mood { happy }
"""
    )
    problems = lint(schema)
    assert "Query2: no description" in problems
    assert "Query2.oddField: no description" in problems
    assert "Query2.oddField(x): no description" in problems
    assert "Thing: has a global id but does not implement Node" in problems
    assert "BadConnection: a connection has pageInfo" in problems
    assert "Mutation.doIt: a mutation takes one argument, input" in problems
    assert "Mutation.doThat: its input type is DoThatInput" in problems
    assert "Mood.happy: an enum value is UPPER_SNAKE_CASE" in problems

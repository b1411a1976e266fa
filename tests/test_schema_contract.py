"""schema.graphql is the contract the SPA and the integrations code against: it must be exactly
what the code exports (regenerate with `.venv/bin/ca-api export-schema > schema.graphql`)."""

from __future__ import annotations

from pathlib import Path

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

"""Numbers in one format (issue 9 item 9): money is always ``Money`` (two places), a rate or
other percentage always ``Percent`` (exactly four places), a count always ``Int``. Policy figures
come back typed by their kind, never as exponent notation or pence strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphql
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ca_api.config import Settings
from ca_api.graphql import build_schema
from tests.conftest import Api, RolledBackDatabase, error_codes

FIGURES = """
query($name: String) {
  policyFigures(name: $name) {
    name effectiveFrom kind known money percent count source recordedBy
  }
}
"""


async def figures(api: Api, name: str) -> list[dict[str, Any]]:
    data = await api.data(FIGURES, {"name": name}, role="auditor", sub="aud.figures")
    return list(data["policyFigures"])


def shape(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (r["effectiveFrom"], r["kind"], r["known"], r["money"], r["percent"], r["count"])
        for r in rows
    ]


async def test_money_figures_come_back_as_money(api: Api) -> None:
    # issue 9 item 9: "70000" (pence) and "7E+4" were both seen for £700.00.
    assert shape(await figures(api, "deputy_fee_first_year")) == [
        ("2014-04-01", "MONEY", True, "700.00", None, None),
        ("2017-04-01", "MONEY", True, "775.00", None, None),
        ("2024-04-01", "MONEY", False, None, None, None),  # known to be unknown (R-DATA)
    ]
    assert shape(await figures(api, "amount_maximum")) == [
        ("2014-04-01", "MONEY", True, "10000000.00", None, None)
    ]


async def test_rates_come_back_with_four_places(api: Api) -> None:
    assert shape(await figures(api, "court_funds_office_rate")) == [
        ("2014-04-01", "PERCENT", True, None, "0.5000", None),
        ("2020-06-01", "PERCENT", True, None, "0.1000", None),
        ("2022-04-29", "PERCENT", False, None, None, None),
        ("2025-12-01", "PERCENT", True, None, "4.0000", None),
        ("2026-01-09", "PERCENT", True, None, "3.7500", None),
    ]
    assert shape(await figures(api, "deputy_fee_low_assets_percent")) == [
        ("2014-04-01", "PERCENT", True, None, "3.0000", None)
    ]


async def test_days_and_counts_come_back_as_int(api: Api) -> None:
    assert shape(await figures(api, "invoice_payment_working_days")) == [
        ("2014-04-01", "DAYS", True, None, None, 21)
    ]
    assert shape(await figures(api, "placement_max_term_months")) == [
        ("2014-04-01", "COUNT", True, None, None, 12)
    ]


@pytest.mark.parametrize(
    ("unit", "value"),
    [("PENCE", "1.5"), ("DAYS", "2.5"), ("COUNT", "0.1"), ("PERCENT", "0.12345")],
)
async def test_the_database_keeps_figures_to_their_shapes(
    db: RolledBackDatabase, unit: str, value: str
) -> None:
    # Migration 0012: a figure that Money, Int or Percent could not carry exactly is refused.
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(
                text(
                    "INSERT INTO policy_figure "
                    "(name, effective_from, value, unit, source, recorded_by) "
                    "VALUES ('shape_test', '2030-01-01', :v, :u, 'test', 'test')"
                ),
                {"v": Decimal(value), "u": unit},
            )


# --- the whole schema -------------------------------------------------------------------------

SCHEMA = build_schema(Settings(environment="test"))
RATE_WORDS = ("rate", "percent")
MONEY_WORDS = ("amount", "balance", "pence", "total", "limit", "threshold", "surplus", "money")
# Ints whose names have a money word but which count things (clients, accounts).
COUNTS = {("CaseloadSummary", "total"), ("LedgerCheck", "accountsOutOfBalance")}


def every_number_like(schema: Any) -> list[tuple[str, str, str]]:
    """(where, name, named type) of every field, input field and argument."""
    out = []
    for type_name, t in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(t, graphql.GraphQLObjectType | graphql.GraphQLInputObjectType):
            for name, f in t.fields.items():
                out.append((type_name, name, graphql.get_named_type(f.type).name))
                for arg_name, arg in getattr(f, "args", {}).items():
                    named = graphql.get_named_type(arg.type).name
                    out.append((f"{type_name}.{name}", arg_name, named))
    return out


def test_no_float_anywhere_and_every_rate_is_a_percent() -> None:
    # issue 9 item 9: a rate sent as "1.50" came back as "1.5"; rates were free strings.
    found = every_number_like(SCHEMA._schema)
    assert [f for f in found if f[2] == "Float"] == []
    # "generate" holds "rate" (generateOpgReport, OpgReportVersion.generatedAt, issue 15).
    rates = [f for f in found if any(w in f[1].lower().replace("generat", "") for w in RATE_WORDS)]
    assert rates, "the walk should find the rates"
    assert [f for f in rates if f[2] != "Percent"] == []


def test_no_amount_is_carried_as_a_string_or_an_int() -> None:
    # ApprovalLimit.upToPence was an Int of pence; FeeCharge.figureValue a string of pence.
    found = every_number_like(SCHEMA._schema)
    wrong = [
        f
        for f in found
        if f[2] in ("String", "Int")
        and any(w in f[1].lower() for w in MONEY_WORDS)
        and not f[1].lower().endswith(("name", "count", "effectivefrom", "id"))
        and (f[0], f[1]) not in COUNTS
    ]
    assert wrong == []
    assert [f for f in found if f[1].lower() in ("value", "figurevalue", "thresholdvalue")] == []


@pytest.mark.parametrize(
    "rate", ["1.5", "1.50", "1.50000", "1,5000", "1.5000%", "1.5e0", "+1.5000", "1000.0000", ""]
)
async def test_a_percent_in_any_other_shape_is_refused(api: Api, rate: str) -> None:
    body = await api.gql(
        """mutation($input: AddInstitutionProductInput!) { addInstitutionProduct(input: $input) {
             __typename } }""",
        {
            "input": {
                "institutionId": "SW5zdGl0dXRpb246MQ==",
                "name": "Cash ISA",
                "rate": rate,
                "notice": "Instant",
                "effectiveFrom": "2014-04-01",
            }
        },
        role="governance_manager",
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_percent_sent_as_a_number_is_refused(api: Api) -> None:
    body = await api.gql(
        """mutation { addInstitutionProduct(input: {institutionId: "x", name: "ISA",
             rate: 1.5, notice: "Instant", effectiveFrom: "2014-04-01"}) { __typename } }""",
        role="governance_manager",
    )
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"] or error_codes(body) == [
        "BAD_USER_INPUT"
    ]

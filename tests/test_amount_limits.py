"""The documented maximum for any one amount (issue 9 item 6, R-DATA): an effective-dated policy
figure, ``amount_maximum`` (£10,000,000.00 from 2014-04-01, migration 0012), checked once for
every Money argument of every mutation, however deep in its input, before the resolver runs.
Beyond it: the mutation's ``ValidationProblem`` with code ``AMOUNT_OVER_MAXIMUM`` naming each
amount, and nothing written. The Money scalar's own bound (twelve digits of pounds) still
refuses anything longer as BAD_USER_INPUT.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import graphql
import pytest
import strawberry
from sqlalchemy import text

from ca_api.auth.permissions import allowed_roles
from ca_api.config import Settings
from ca_api.graphql import build_schema
from ca_api.policy.amounts import EXEMPT, AmountCheck
from ca_api.policy.rules import MoneyAt, over_maximum
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    RECORD_RUN,
    SCALAR_PLACEHOLDERS,
    accounts,
    care_client_id,
    new_key,
    new_payer,
    placeholder,
    receipt_input,
    record_receipt,
)

TRILLION = "999999999999.99"  # the largest the Money scalar's syntax admits
MAXIMUM = "10000000.00"
PENNY_OVER = "10000000.01"


def over(result: dict[str, Any]) -> dict[str, str]:
    """The fields of an AMOUNT_OVER_MAXIMUM problem, by name."""
    assert result["__typename"] == "ValidationProblem", result
    assert result["code"] == "AMOUNT_OVER_MAXIMUM", result
    return {f["field"]: f["message"] for f in result["fields"]}


# --- through recordReceipt: the issue's own case ---------------------------------------------


async def test_a_receipt_of_a_trillion_pounds_is_refused_with_the_typed_code(api: Api) -> None:
    # issue 9 item 6: a single receipt of 999,999,999,999.99 was accepted.
    client_id, dwp = await care_client_id(api), await new_payer(api)
    result = await record_receipt(api, receipt_input(client_id, dwp, amount=TRILLION))
    fields = over(result)
    assert list(fields) == ["amount"]
    assert "10000000.00" in fields["amount"] and "amount_maximum" in fields["amount"]
    assert await accounts(api, client_id) == {}  # nothing written


async def test_the_maximum_is_accepted_and_a_penny_over_refused(api: Api) -> None:
    # issue 9 item 6: the boundary is inclusive, as every limit of R-DEC is.
    client_id, dwp = await care_client_id(api), await new_payer(api)
    refused = await record_receipt(api, receipt_input(client_id, dwp, amount=PENNY_OVER))
    assert list(over(refused)) == ["amount"]
    accepted = await record_receipt(api, receipt_input(client_id, dwp, amount=MAXIMUM))
    assert accepted["__typename"] == "ReceiptPayload", accepted
    assert (await accounts(api, client_id))["CLIENT_CMS"]["balance"] == MAXIMUM


async def test_a_later_dated_maximum_applies_from_its_date(
    api: Api, db: RolledBackDatabase, today: Any
) -> None:
    # issue 9 item 6, R-DATA: the figure in force on the day the amount is entered.
    await db.connection.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('amount_maximum', '2026-12-01', 500000000, 'PENCE', 'test', 'test')"
        )
    )
    client_id, dwp = await care_client_id(api), await new_payer(api)
    today.set(date(2026, 11, 30))
    before = await record_receipt(api, receipt_input(client_id, dwp, amount="6000000.00"))
    assert before["__typename"] == "ReceiptPayload", before
    today.set(date(2026, 12, 1))
    after = await record_receipt(api, receipt_input(client_id, dwp, amount="6000000.00"))
    assert "5000000.00" in over(after)["amount"]
    at = await record_receipt(api, receipt_input(client_id, dwp, amount="5000000.00"))
    assert at["__typename"] == "ReceiptPayload", at


async def test_the_syntactic_bound_still_refuses_thirteen_digits(api: Api) -> None:
    # The Money scalar's own bound: twelve digits of pounds. Longer is not an amount at all.
    client_id, dwp = await care_client_id(api), await new_payer(api)
    body = await api.gql(
        "mutation($input: RecordReceiptInput!) { recordReceipt(input: $input) { __typename } }",
        {
            "input": {
                **receipt_input(client_id, dwp, amount="1000000000000.00"),
                "idempotencyKey": new_key(),
            }
        },
        role="support_assistant",
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_benefit_run_names_each_line_over_the_maximum(api: Api) -> None:
    # issue 9 item 6: every amount of a list is checked; the run is all or nothing.
    client_id, dwp = await care_client_id(api), await new_payer(api)
    line = {
        "clientId": client_id,
        "payerId": dwp,
        "benefit": "ATTENDANCE_ALLOWANCE",
        "periodStart": "2025-02-03",
        "periodEnd": "2025-03-02",
    }
    variables = {
        "input": {
            "valueDate": "2025-03-03",
            "lines": [{**line, "amount": "434.20"}, {**line, "amount": TRILLION}],
            "idempotencyKey": new_key(),
        },
    }
    data = await api.data(RECORD_RUN, variables, role="support_assistant")
    assert list(over(data["recordBenefitRun"])) == ["lines.1.amount"]
    assert await accounts(api, client_id) == {}


async def test_a_caller_who_may_not_call_the_field_is_told_so_first(api: Api) -> None:
    # Deny by default (R-ROLE-1) comes before any look at the arguments.
    client_id, dwp = await care_client_id(api), await new_payer(api)
    body = await api.gql(
        "mutation($input: RecordReceiptInput!) { recordReceipt(input: $input) { __typename } }",
        {"input": {**receipt_input(client_id, dwp, amount=TRILLION), "idempotencyKey": new_key()}},
        role="auditor",
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_a_bank_statements_balances_are_the_whole_pooled_account_and_not_bounded(
    api: Api,
) -> None:
    # The exemption (ca_api.policy.amounts.EXEMPT): a statement's balances are the council's
    # whole Client Monies Service account, all clients together, as the bank reports it.
    body = await api.data(
        """mutation($input: ImportBankStatementInput!) { importBankStatement(input: $input) {
             __typename ... on ValidationProblem { code fields { field } } } }""",
        {
            "input": {
                "accountName": "Client Monies Service",
                "periodStart": "2025-10-01",
                "periodEnd": "2025-10-31",
                "openingBalance": "25000000.00",
                "closingBalance": "25000000.00",
                "csv": "date,description,reference,amount\n",
            }
        },
        role="senior_officer",
    )
    result = body["importBankStatement"]
    assert result.get("code") != "AMOUNT_OVER_MAXIMUM", result


# --- every entry point: a walk of the schema -------------------------------------------------


def money_leaves(t: Any, path: list[str | int]) -> Iterator[list[str | int]]:
    """The path to every Money an argument of type ``t`` can carry (one list item each)."""
    while graphql.is_wrapping_type(t):
        if graphql.is_list_type(t):
            path = [*path, 0]
        t = t.of_type
    if graphql.is_input_object_type(t):
        for name, f in t.fields.items():
            if (t.name, name) not in EXEMPT:
                yield from money_leaves(f.type, [*path, name])
    elif isinstance(t, graphql.GraphQLScalarType) and t.name == "Money":
        yield path


def with_value(t: Any, path: list[str | int], value: Any) -> Any:
    """Placeholders for ``t``'s required parts, with ``value`` at ``path`` (made if optional)."""
    if not path:
        return value
    while graphql.is_non_null_type(t):
        t = t.of_type
    if graphql.is_list_type(t):
        return [with_value(t.of_type, path[1:], value)]
    base = placeholder(t) if graphql.is_input_object_type(t) else {}
    name = path[0]
    assert isinstance(name, str)
    return {**base, name: with_value(t.fields[name].type, path[1:], value)}


def entry_points(schema: strawberry.Schema) -> list[tuple[str, str, str, list[str | int]]]:
    """(mutation, argument, a role that may call it, path) for every Money leaf."""
    gql = schema._schema
    assert gql.mutation_type is not None
    roles = {
        schema.config.name_converter.get_graphql_name(f): allowed_roles(f.extensions)
        for f in schema.mutation.__strawberry_definition__.fields  # type: ignore[union-attr]
    }
    out = []
    for name, field in gql.mutation_type.fields.items():
        may = sorted(r.value for r in roles[name] or ())
        role = "head_of_service" if "head_of_service" in may else may[0]
        for arg_name, arg in field.args.items():
            for path in money_leaves(arg.type, []):
                out.append((name, arg_name, role, path))
    return out


SCHEMA = build_schema(Settings(environment="test"))
ENTRY_POINTS = entry_points(SCHEMA)


def expected_field(arg_name: str, path: list[str | int]) -> str:
    """How the problem names it: from the argument, an `input` argument's fields directly."""
    parts = [str(p) for p in path]
    return ".".join(parts if arg_name == "input" else [arg_name, *parts])


def test_the_walk_finds_the_entry_points_the_issue_names() -> None:
    found = {(m, expected_field(a, p)) for m, a, _, p in ENTRY_POINTS}
    for expected in [
        ("recordReceipt", "amount"),
        ("recordBenefitRun", "lines.0.amount"),
        ("recordInvoice", "amount"),
        ("recordInvoice", "items.0.amount"),
        ("raisePayment", "amount"),
        ("raiseDecision", "amount"),
        ("supersedeDecision", "amount"),
        ("recordBudgetPlan", "income.0.amount"),
        ("recordBudgetPlan", "expenditure.0.annualAmount"),
        ("recordBudgetPlan", "openingBalance"),
        ("proposeLodgement", "amount"),
        ("withdrawFromCourtFunds", "amount"),
        ("placeFunds", "amount"),
        ("recordExistingInvestment", "valuation"),
        ("addInstitutionProduct", "maximum"),
        ("recordInvestmentStatement", "surplus"),
        ("recordDeputyship", "powers.giftYearlyLimit"),
        ("addApprovalLimitVersion", "limits.0.upTo"),
    ]:
        assert expected in found, expected
    assert not any(m == "importBankStatement" for m, *_ in ENTRY_POINTS)


@pytest.mark.parametrize(
    ("mutation", "arg_name", "role", "path"),
    ENTRY_POINTS,
    ids=[f"{m}.{expected_field(a, p)}" for m, a, _, p in ENTRY_POINTS],
)
async def test_every_amount_of_every_mutation_is_bounded(
    api: Api, mutation: str, arg_name: str, role: str, path: list[str | int]
) -> None:
    """issue 9 item 6: each Money an entry point takes, alone over the maximum, is refused by
    name before anything else is looked at (the other arguments are placeholders)."""
    field = SCHEMA._schema.mutation_type.fields[mutation]  # type: ignore[union-attr]
    definitions, arguments, variables = [], [], {}
    for i, (name, arg) in enumerate(field.args.items()):
        if name == arg_name or graphql.is_required_argument(arg):
            definitions.append(f"$v{i}: {arg.type}")
            arguments.append(f"{name}: $v{i}")
            variables[f"v{i}"] = (
                with_value(arg.type, path, PENNY_OVER)
                if name == arg_name
                else placeholder(arg.type)
            )
    document = (
        f"mutation({', '.join(definitions)}) {{ {mutation}({', '.join(arguments)}) {{ "
        "__typename ... on ValidationProblem { code fields { field message } } } }"
    )
    body = await api.gql(document, variables, role=role, sub=f"{role}.limits")
    assert "errors" not in body, body
    assert list(over(body["data"][mutation])) == [expected_field(arg_name, path)]


# --- the rule and the check, without the endpoint --------------------------------------------


def test_over_maximum_bounds_both_signs_inclusively() -> None:
    found = [MoneyAt("a", 100), MoneyAt("b", 101), MoneyAt("c", -101), MoneyAt("d", -100)]
    assert [m.path for m in over_maximum(found, 100)] == ["b", "c"]


def test_a_field_without_money_takes_no_part_in_resolving() -> None:
    for f in SCHEMA.query.__strawberry_definition__.fields:  # type: ignore[union-attr]
        checks = [e for e in f.extensions if isinstance(e, AmountCheck)]
        assert all(not c.has_resolver for c in checks), f.name


def test_the_placeholders_cover_every_scalar() -> None:
    named = {
        t.name for t in SCHEMA._schema.type_map.values() if isinstance(t, graphql.GraphQLScalarType)
    }
    assert named - {"__TypeKind"} <= set(SCALAR_PLACEHOLDERS)

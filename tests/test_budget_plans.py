"""Budget plans (R-BUD-1 to R-BUD-4, R-CARE-2): the pure rules without a database, then the
seed's three worked plans (seed 002 Appendix 4, ``shared/fixtures/budget_plans_2014.json``) line
by line through the real /graphql endpoint, to the penny. Plans are never edited: a revision
supersedes (R-AUD-2); the price rise is an effective-dated policy figure (R-DATA).

The helpers at the top are shared with ``test_threshold_flags``.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import decode_uuid, encode_id
from ca_api.money import parse_money
from ca_api.planning import rules
from ca_api.planning.rules import Frequency, PlanLine, PrintedTotals, Side
from tests.conftest import Api, error_codes
from tests.factories import (
    PLAN_FIELDS,
    PLAN_YEAR,
    RECORD_PLAN,
    client_with_orders,
    line_input,
    load_fixture,
    new_key,
    plan_input,
    record_budget_plan,
    record_plan,
    record_seed_plan,
)

# --- shared helpers -------------------------------------------------------------------------


PLAN = f"query($id: ID!) {{ budgetPlan(id: $id) {{ {PLAN_FIELDS} }} }}"
PLANS = """
query($client: ID!, $first: Int, $after: String) {
  budgetPlans(clientId: $client, first: $first, after: $after) {
    edges { node { id supersedesId supersededById surplus } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def count_plans(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT count(*) FROM budget_plan"))).scalar_one())


# --- pure rules (no database) ----------------------------------------------------------------


def test_times_a_year_are_the_seeds() -> None:
    assert {f.value: n for f, n in rules.TIMES_A_YEAR.items()} == {
        "WEEKLY": 52,
        "FORTNIGHTLY": 26,
        "FOUR_WEEKLY": 13,
        "MONTHLY": 12,
        "QUARTERLY": 4,
        "TWICE_A_YEAR": 2,
        "ANNUALLY": 1,
        "AD_HOC": 1,
    }


def test_annual_is_amount_times_frequency_exactly_unless_entered_directly() -> None:
    gas = PlanLine(Side.EXPENDITURE, "British Gas", 43058, Frequency.QUARTERLY)
    assert gas.computed_annual == gas.annual == 172232  # 430.58 x 4, no rounding
    entered = PlanLine(Side.EXPENDITURE, "British Gas", 43058, Frequency.QUARTERLY, 172230)
    assert entered.annual == 172230
    assert entered.computed_annual == 172232
    assert entered.entered_minus_computed == -2
    lino = PlanLine(Side.EXPENDITURE, "New lino", 9800, None, 9800)
    assert lino.annual == 9800 and lino.in_totals and lino.entered_minus_computed is None
    note = PlanLine(Side.EXPENDITURE, "Curry Hut", 19600)
    assert note.annual is None and not note.in_totals


def test_totals_leave_notes_out_and_can_be_a_shortfall() -> None:
    """R-BUD-2: available income = annual income - annual expenditure; negative: a shortfall."""
    lines = [
        PlanLine(Side.INCOME, "Pension", 10000, Frequency.MONTHLY),  # 1,200.00
        PlanLine(Side.INCOME, "Winter fuel", 20000),  # a note
        PlanLine(Side.EXPENDITURE, "Fees", 15000, Frequency.MONTHLY),  # 1,800.00
        PlanLine(Side.EXPENDITURE, "Fence", 26000),  # a note
    ]
    t = rules.totals(50000, lines)
    assert (t.income, t.expenditure, t.available, t.surplus) == (120000, 180000, -60000, -10000)
    assert t.shortfall


def _pure_line(side: Side, line: dict[str, Any]) -> PlanLine:
    inp = line_input(line)
    return PlanLine(
        side,
        inp["item"],
        parse_money(inp["amount"]),
        Frequency(inp["frequency"]) if "frequency" in inp else None,
        parse_money(inp["annualAmount"]) if "annualAmount" in inp else None,
    )


def _pure_totals(plan: dict[str, Any]) -> rules.PlanTotals:
    lines = [_pure_line(Side.INCOME, ln) for ln in plan["income"]] + [
        _pure_line(Side.EXPENDITURE, ln) for ln in plan["expenditure"]
    ]
    return rules.totals(parse_money(plan["opening_balance"]), lines)


@pytest.mark.parametrize(("plan", "expected"), [("a", "a"), ("b", "b_corrected"), ("c", "c")])
def test_the_seeds_plans_add_up_without_a_database(plan: str, expected: str) -> None:
    fixture = load_fixture()
    want = fixture["expected"][expected]
    t = _pure_totals(fixture["plans"][plan])
    assert (t.income, t.expenditure, t.available, t.surplus) == tuple(
        parse_money(want[k]) for k in ("income", "expenditure", "available", "surplus")
    )


def test_plan_b_differs_from_what_it_printed() -> None:
    fixture = load_fixture()
    printed = fixture["expected"]["b_as_printed"]
    t = _pure_totals(fixture["plans"]["b"])
    diffs = rules.differences(
        t,
        PrintedTotals(
            parse_money(printed["income"]),
            parse_money(printed["expenditure"]),
            parse_money(printed["available"]),
            parse_money(printed["surplus"]),
        ),
    )
    assert [(d.figure.value, d.computed, d.printed, d.difference) for d in diffs] == [
        ("EXPENDITURE", 2442609, 2364609, 78000),
        ("AVAILABLE_INCOME", -2225989, -2147989, -78000),
        ("SURPLUS", 2142575, 2220575, -78000),
    ]


def test_personal_allowance_is_last_year_plus_the_price_rise_rounded_half_up() -> None:
    pa = rules.personal_allowance(811008, Decimal(10))  # R-BUD-4, seed 002 Appendix 4
    assert (pa.uplift, pa.year_total, pa.weekly) == (81101, 892109, 17156)
    # halves go up: 5% of 0.10 is half a penny; 0.26 a year is half a penny a week
    assert rules.personal_allowance(10, Decimal(5)).uplift == 1
    assert rules.personal_allowance(26, Decimal(0)).weekly == 1
    assert rules.personal_allowance(25, Decimal(0)).weekly == 0


def test_line_validation_names_the_line() -> None:
    problems = rules.validate_lines(
        [
            PlanLine(Side.INCOME, "ok", 100, Frequency.WEEKLY),
            PlanLine(Side.INCOME, " "),
            PlanLine(Side.EXPENDITURE, "x", None, Frequency.WEEKLY),
            PlanLine(Side.EXPENDITURE, "y", -1),
        ]
    )
    assert set(problems) == {
        "income[1].item",
        "income[1]",
        "expenditure[0].amount",
        "expenditure[0]",
        "expenditure[1].amount",
    }
    assert rules.validate_lines([]) == {
        "lines": "a plan needs at least one income or expenditure line"
    }


# --- the seed's three plans through the endpoint ----------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [("a", "a"), ("c", "c")])
async def test_plans_a_and_c_give_the_seeds_totals_to_the_penny(
    api: Api, session: AsyncSession, name: str, expected: str
) -> None:
    fixture = load_fixture()
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, name)
    want = fixture["expected"][expected]
    assert plan["annualIncome"] == want["income"]
    assert plan["annualExpenditure"] == want["expenditure"]
    assert plan["availableIncome"] == want["available"]
    assert plan["surplus"] == want["surplus"]
    assert plan["shortfall"] is want["available"].startswith("-")
    assert plan["openingBalance"] == fixture["plans"][name]["opening_balance"]
    assert plan["differsFromPrinted"] is False
    # line by line, in the seed's order, each with the seed's own annual figure or none
    for side, lines in (("income", "incomeLines"), ("expenditure", "expenditureLines")):
        seed_lines = fixture["plans"][name][side]
        assert [ln["item"] for ln in plan[lines]] == [ln["item"] for ln in seed_lines]
        assert [ln["annualAmount"] for ln in plan[lines]] == [ln["annual"] for ln in seed_lines]
        assert [ln["inTotals"] for ln in plan[lines]] == [
            ln["annual"] is not None for ln in seed_lines
        ]


async def test_plan_a_personal_allowance_and_its_lines(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "a")
    assert plan["personalAllowance"] == {
        "lastYearActual": "8110.08",
        "priceRisePercent": "10.0000",
        "uplift": "811.01",
        "yearTotal": "8921.09",
        "weekly": "171.56",
    }
    lines = {ln["item"]: ln for ln in plan["expenditureLines"]}
    gas = lines["British Gas"]
    assert (gas["amount"], gas["frequency"], gas["timesPerYear"]) == ("430.58", "QUARTERLY", 4)
    assert (gas["annualAmount"], gas["computedAnnual"], gas["enteredMinusComputed"]) == (
        "1722.30",
        "1722.32",
        "-0.02",
    )
    assert gas["annualEnteredDirectly"] is True
    pa = lines["Personal allowance"]
    assert (pa["amount"], pa["annualAmount"], pa["computedAnnual"]) == (
        "171.56",
        "8921.09",
        "8921.12",
    )
    sky = lines["SKY DIGITAL"]
    assert (sky["annualAmount"], sky["annualEnteredDirectly"]) == ("1016.40", False)
    curry = lines["Curry Hut"]
    assert (curry["amount"], curry["annualAmount"], curry["inTotals"]) == ("196.00", None, False)
    fuel = {ln["item"]: ln for ln in plan["incomeLines"]}["DWP Winter fuel payment"]
    assert (fuel["amount"], fuel["annualAmount"], fuel["inTotals"]) == ("200.00", None, False)
    assert [ln["lineNo"] for ln in plan["incomeLines"] + plan["expenditureLines"]] == list(
        range(1, 28)
    )


async def test_plan_b_shows_its_corrected_totals_and_the_difference_from_its_print(
    api: Api, session: AsyncSession
) -> None:
    fixture = load_fixture()
    printed = fixture["expected"]["b_as_printed"]
    client = await client_with_orders(session, deputy_from=date(2012, 11, 5))
    variables = plan_input(
        client,
        fixture["plans"]["b"],
        printedIncome=printed["income"],
        printedExpenditure=printed["expenditure"],
        printedAvailableIncome=printed["available"],
        printedSurplus=printed["surplus"],
        notes="Printed expenditure 23,646.09 leaves out the ESCC charge line (780.00).",
    )
    plan = await record_plan(api, variables)
    corrected = fixture["expected"]["b_corrected"]
    assert (
        plan["annualIncome"],
        plan["annualExpenditure"],
        plan["availableIncome"],
        plan["surplus"],
    ) == (corrected["income"], "24426.09", "-22259.89", "21425.75")
    assert corrected["expenditure"] == "24426.09"
    assert plan["printed"] == {
        "income": "2166.20",
        "expenditure": "23646.09",
        "availableIncome": "-21479.89",
        "surplus": "22205.75",
    }
    assert plan["differsFromPrinted"] is True
    assert plan["differencesFromPrinted"] == [
        {
            "figure": "EXPENDITURE",
            "computed": "24426.09",
            "printed": "23646.09",
            "difference": "780.00",
        },
        {
            "figure": "AVAILABLE_INCOME",
            "computed": "-22259.89",
            "printed": "-21479.89",
            "difference": "-780.00",
        },
        {
            "figure": "SURPLUS",
            "computed": "21425.75",
            "printed": "22205.75",
            "difference": "-780.00",
        },
    ]
    assert plan["personalAllowance"] is None


async def test_a_plan_reads_back_by_id_and_in_the_clients_list(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")
    read = (await api.data(PLAN, {"id": plan["id"]}, role="auditor", sub="audrey"))["budgetPlan"]
    assert read == plan
    listed = await api.data(PLANS, {"client": client}, role="support_assistant", sub="sam")
    assert [e["node"]["id"] for e in listed["budgetPlans"]["edges"]] == [plan["id"]]


async def test_recording_is_idempotent_by_key(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    variables = plan_input(client, load_fixture()["plans"]["c"])
    k = new_key()
    first = await record_budget_plan(api, variables, idempotency_key=k)
    again = await record_budget_plan(api, variables, idempotency_key=k)
    assert first["__typename"] == again["__typename"] == "BudgetPlanPayload"
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["plan"]["id"] == first["plan"]["id"]
    assert await count_plans(session) == 1
    other = await record_budget_plan(api, variables | {"openingBalance": "1.00"}, idempotency_key=k)
    assert other["__typename"] == "IdempotencyKeyReusedProblem"
    assert other["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await count_plans(session) == 1


async def test_a_revision_supersedes_the_plan_which_stays_as_it_was(
    api: Api, session: AsyncSession
) -> None:
    fixture = load_fixture()
    client = await client_with_orders(session, deputy_from=date(2012, 11, 5))
    printed = await record_seed_plan(api, client, "b")
    revised = await record_plan(
        api,
        plan_input(
            client,
            fixture["plans"]["b"],
            supersedes=printed["id"],
            notes="Revised: nursing fees went up",
        ),
    )
    assert revised["supersedesId"] == printed["id"]
    old = (await api.data(PLAN, {"id": printed["id"]}))["budgetPlan"]
    assert old["supersededById"] == revised["id"]
    assert old["surplus"] == printed["surplus"] and old["notes"] is None
    # newest first; one at a time with cursors
    page1 = (await api.data(PLANS, {"client": client, "first": 1}))["budgetPlans"]
    assert [e["node"]["id"] for e in page1["edges"]] == [revised["id"]]
    assert page1["pageInfo"]["hasNextPage"] is True
    page2 = (
        await api.data(
            PLANS, {"client": client, "first": 1, "after": page1["pageInfo"]["endCursor"]}
        )
    )["budgetPlans"]
    assert [e["node"]["id"] for e in page2["edges"]] == [printed["id"]]
    assert page2["pageInfo"]["hasNextPage"] is False
    # a plan is superseded once: revise the newest
    again = await record_budget_plan(
        api, plan_input(client, fixture["plans"]["b"], supersedes=printed["id"])
    )
    assert again["__typename"] == "PlanAlreadySupersededProblem"
    assert (again["code"], again["supersededById"]) == ("INVALID_STATE", revised["id"])


async def test_a_revision_must_be_of_the_same_clients_plan(api: Api, session: AsyncSession) -> None:
    fixture = load_fixture()
    one = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    two = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, one, "c")
    result = await record_budget_plan(
        api, plan_input(two, fixture["plans"]["c"], supersedes=plan["id"])
    )
    assert result["__typename"] == "ValidationProblem"
    assert [f["field"] for f in result["fields"]] == ["supersedes"]
    missing = encode_id("BudgetPlan", uuid.uuid4())
    result = await record_budget_plan(
        api, plan_input(two, fixture["plans"]["c"], supersedes=missing)
    )
    assert (result["__typename"], result["id"]) == ("NotFoundProblem", missing)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"openingBalance": "-0.01"}, "openingBalance"),
        ({"income": [{"item": "Pension"}]}, "income[0]"),
        ({"income": [{"item": "Pension", "frequency": "WEEKLY"}]}, "income[0].amount"),
        ({"expenditure": [{"item": "", "amount": "1.00"}]}, "expenditure[0].item"),
        ({"income": [], "expenditure": []}, "lines"),
        ({"personalAllowanceLastYear": "-1.00"}, "personalAllowanceLastYear"),
    ],
)
async def test_a_plan_that_breaks_a_rule_writes_nothing(
    api: Api, session: AsyncSession, change: dict[str, Any], field: str
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    variables = plan_input(client, load_fixture()["plans"]["c"]) | change
    result = await record_budget_plan(api, variables)
    assert result["__typename"] == "ValidationProblem", result
    assert field in [f["field"] for f in result["fields"]]
    assert await count_plans(session) == 0


async def test_money_must_be_a_two_place_string(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    variables = plan_input(client, load_fixture()["plans"]["c"], openingBalance="12.5")
    body = await api.gql(
        RECORD_PLAN, {"input": {**variables, "idempotencyKey": new_key()}}, role="senior_officer"
    )
    assert "BAD_USER_INPUT" in error_codes(body) or "GRAPHQL_VALIDATION_FAILED" in error_codes(body)


async def test_a_plan_for_an_unknown_client_is_not_found(api: Api) -> None:
    unknown = encode_id("Client", uuid.uuid4())
    result = await record_budget_plan(api, plan_input(unknown, load_fixture()["plans"]["c"]))
    assert (result["__typename"], result["code"], result["id"]) == (
        "NotFoundProblem",
        "NOT_FOUND",
        unknown,
    )
    body = await api.gql(PLAN, {"id": encode_id("BudgetPlan", uuid.uuid4())})
    assert error_codes(body) == ["NOT_FOUND"]
    body = await api.gql(PLANS, {"client": unknown})
    assert error_codes(body) == ["NOT_FOUND"]


async def test_the_price_rise_is_the_figure_in_force_at_the_plans_start(
    api: Api, session: AsyncSession
) -> None:
    """R-DATA: a later figure applies from its date only; before the first, none is guessed."""
    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('personal_allowance_price_rise', '2015-04-01', 5, 'PERCENT', 'test', 't')"
        )
    )
    await session.commit()
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan_a = load_fixture()["plans"]["a"]
    y2014 = await record_plan(api, plan_input(client, plan_a, planYearStart="2015-03-31"))
    assert y2014["personalAllowance"]["yearTotal"] == "8921.09"
    y2015 = await record_plan(api, plan_input(client, plan_a, planYearStart="2015-04-01"))
    assert y2015["personalAllowance"] == {
        "lastYearActual": "8110.08",
        "priceRisePercent": "5.0000",
        "uplift": "405.50",  # 405.504
        "yearTotal": "8515.58",
        "weekly": "163.76",  # 163.7611..
    }
    before = await record_budget_plan(api, plan_input(client, plan_a, planYearStart="2014-03-31"))
    assert (before["__typename"], before["name"]) == (
        "PolicyMissingProblem",
        "personal_allowance_price_rise",
    )
    # without a personal allowance calculation no figure is needed
    assert await record_plan(
        api, plan_input(client, load_fixture()["plans"]["c"], planYearStart="2014-03-31")
    )


async def test_the_database_refuses_to_change_a_plan_or_its_lines(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")
    plan_id = decode_uuid("BudgetPlan", plan["id"])
    for sql in (
        "UPDATE budget_plan SET surplus = surplus + 1 WHERE id = :id",
        "UPDATE budget_plan SET notes = 'changed' WHERE id = :id",
        "DELETE FROM budget_plan WHERE id = :id",
        "UPDATE budget_plan_line SET amount = 1 WHERE plan_id = :id",
        "DELETE FROM budget_plan_line WHERE plan_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text(sql), {"id": plan_id})
    # the approving decision (R-DEC) may be linked once, later, and nothing else changes
    decision = uuid.uuid4()
    async with session.begin_nested():
        await session.execute(
            text("UPDATE budget_plan SET decision_id = :d WHERE id = :id"),
            {"d": decision, "id": plan_id},
        )
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(
                text("UPDATE budget_plan SET decision_id = :d WHERE id = :id"),
                {"d": uuid.uuid4(), "id": plan_id},
            )
    await session.commit()
    read = (await api.data(PLAN, {"id": plan["id"]}))["budgetPlan"]
    assert read["decisionId"] == encode_id("Decision", decision)
    assert read["surplus"] == plan["surplus"]


async def test_recording_a_plan_is_audited(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")
    row = (
        await session.execute(
            text(
                "SELECT principal, action, after FROM audit_log "
                "WHERE entity_type = 'budget_plan' AND entity_id = :id"
            ),
            {"id": str(decode_uuid("BudgetPlan", plan["id"]))},
        )
    ).one()
    assert (row.principal, row.action) == ("olu.scao", "record")
    assert row.after["surplus"] == 11116539 and row.after["lines"] == 7


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("support_assistant", False),
        ("assistant", True),
        ("senior_assistant", True),
        ("senior_officer", True),
        ("governance_manager", True),
        ("head_of_service", True),
        ("auditor", False),
        ("reporting", False),
        ("social_worker", False),
        ("integration_controcc", False),
        ("integration_sap", False),
    ],
)
async def test_who_may_record_a_plan(api: Api, session: AsyncSession, role: str, may: bool) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    variables = {
        "input": {**plan_input(client, load_fixture()["plans"]["c"]), "idempotencyKey": new_key()}
    }
    body = await api.gql(RECORD_PLAN, variables, role=role)
    if may:
        assert body["data"]["recordBudgetPlan"]["__typename"] == "BudgetPlanPayload"
        # issue 10 item 6: what the mutation recorded, not only that it answered (R-BUD-1)
        plan = body["data"]["recordBudgetPlan"]["plan"]
        assert (plan["clientId"], plan["planYearStart"], plan["recordedBy"]) == (
            client,
            PLAN_YEAR.isoformat(),
            "tester",
        )
        assert plan["openingBalance"] == load_fixture()["plans"]["c"]["opening_balance"]
        assert await count_plans(session) == 1
    else:
        assert error_codes(body) == ["FORBIDDEN"]
        assert await count_plans(session) == 0


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("support_assistant", True),
        ("auditor", True),
        ("reporting", False),
        ("social_worker", False),
        ("integration_sap", False),
    ],
)
async def test_who_may_read_plans(api: Api, session: AsyncSession, role: str, may: bool) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")
    for query, variables in ((PLAN, {"id": plan["id"]}), (PLANS, {"client": client})):
        body = await api.gql(query, variables, role=role)
        assert ("errors" not in body) is may, body
        if not may:
            assert error_codes(body) == ["FORBIDDEN"]

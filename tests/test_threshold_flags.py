"""Threshold flags (R-INV-1, R-INV-2) with thresholds as effective-dated data (R-DATA): an
appointee-only client whose assets reach £8,000 above twelve months' needs, or who holds capital,
property or a private pension, is flagged for a deputyship application; a deputy client whose
plan's surplus is £25,000 or more is flagged for lodgement. Only the seed's plan C is over.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.clients.rules import Situation
from ca_api.common.ids import encode_id
from ca_api.money import parse_money
from ca_api.planning import rules
from ca_api.planning.rules import AssetDeclaration, FlagReason
from tests.conftest import Api, error_codes
from tests.factories import (
    client_with_orders,
    fund_client,
    load_fixture,
    record_budget_plan,
    record_plan,
    record_seed_plan,
)

FLAGS = """
query($on: Date, $first: Int, $after: String) {
  thresholdFlags(on: $on, first: $first, after: $after) {
    edges { node {
      clientId clientReference clientName legalRole kind reasons
      thresholdName threshold thresholdEffectiveFrom
      assets twelveMonthsNeeds assetsAboveNeeds surplus planId planYearStart
      planReviewDueOn planStale
      declaration { capital property privatePension note declaredOn }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DECLARE = """
mutation($input: DeclareClientAssetsInput!) {
  declareClientAssets(input: $input) {
    __typename
    ... on ClientAssetDeclarationPayload { declaration { id clientId declaredOn property } }
    ... on ValidationProblem { code fields { field message } }
    ... on NotFoundProblem { code id }
  }
}
"""

ORDERED = date(2013, 5, 20)
ON = "2014-04-01"


async def flags(api: Api, on: str | None = ON, **kw: Any) -> list[dict[str, Any]]:
    kw.setdefault("role", "senior_officer")
    data = await api.data(FLAGS, {"on": on}, **kw)
    return [e["node"] for e in data["thresholdFlags"]["edges"]]


async def simple_plan(
    api: Api,
    client: str,
    *,
    opening: str = "0.00",
    needs: str = "1000.00",
    income: str = "1000.00",
    year: str = ON,
    **extra: Any,
) -> dict[str, Any]:
    """A plan whose twelve months' needs are ``needs``; surplus = opening + income - needs."""
    return await record_plan(
        api,
        {
            "clientId": client,
            "planYearStart": year,
            "openingBalance": opening,
            "income": [{"item": "DWP benefits", "annualAmount": income}],
            "expenditure": [{"item": "Care and living", "annualAmount": needs}],
        }
        | extra,
    )


async def set_figure(session: AsyncSession, name: str, effective_from: str, pence: int) -> None:
    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES (:n, :d, :v, 'PENCE', 'test: committee review', 'test')"
        ),
        {"n": name, "d": date.fromisoformat(effective_from), "v": pence},
    )
    await session.commit()


# --- pure rules ----------------------------------------------------------------------------


def test_assets_reaching_the_threshold_above_needs_flag_a_deputyship_application() -> None:
    needs, threshold = 500000, 800000
    assert rules.deputyship_reasons(1299999, needs, threshold, None) == []
    assert rules.deputyship_reasons(1300000, needs, threshold, None) == [
        FlagReason.ASSETS_ABOVE_NEEDS
    ]
    # no plan: the needs are unknown, only a declaration flags
    assert rules.deputyship_reasons(9999999, None, threshold, None) == []
    assert rules.deputyship_reasons(0, None, threshold, AssetDeclaration(private_pension=True)) == [
        FlagReason.HOLDS_PRIVATE_PENSION
    ]
    assert rules.deputyship_reasons(0, needs, threshold, AssetDeclaration()) == []


def test_a_surplus_of_the_threshold_or_more_flags_a_lodgement() -> None:
    assert rules.lodgement_reasons(2499999, 2500000) == []
    assert rules.lodgement_reasons(2500000, 2500000) == [FlagReason.SURPLUS_AT_OR_ABOVE_THRESHOLD]
    assert rules.lodgement_reasons(None, 2500000) == []


def test_pence_figures_are_whole_pence() -> None:
    assert rules.pence_of_figure(Decimal("2500000")) == 2500000
    with pytest.raises(ValueError):
        rules.pence_of_figure(Decimal("2500000.5"))


# --- through the endpoint --------------------------------------------------------------------


async def test_only_the_seeds_plan_c_is_over_the_lodgement_threshold(
    api: Api, session: AsyncSession
) -> None:
    fixture = load_fixture()
    clients = {name: await client_with_orders(session, deputy_from=ORDERED) for name in "abc"}
    plans = {name: await record_seed_plan(api, clients[name], name) for name in "abc"}
    for name, expected in (("a", "a"), ("b", "b_corrected"), ("c", "c")):
        assert plans[name]["surplus"] == fixture["expected"][expected]["surplus"]
        over = parse_money(plans[name]["surplus"]) >= parse_money("25000.00")
        assert over is fixture["expected"][expected]["over_lodgement_threshold"]
    flagged = await flags(api)
    assert len(flagged) == 1
    c = flagged[0]
    assert c["clientId"] == clients["c"]
    assert (c["kind"], c["reasons"], c["legalRole"]) == (
        "LODGEMENT",
        ["SURPLUS_AT_OR_ABOVE_THRESHOLD"],
        "DEPUTY",
    )
    assert (c["thresholdName"], c["threshold"], c["thresholdEffectiveFrom"]) == (
        "lodgement_surplus_threshold",
        "25000.00",
        "2014-04-01",
    )
    assert (c["surplus"], c["planId"], c["planYearStart"]) == (
        "111165.39",
        plans["c"]["id"],
        "2014-04-01",
    )
    assert c["assets"] is None and c["declaration"] is None
    # plan B as printed (22,205.75) is under the threshold too
    assert parse_money(fixture["expected"]["b_as_printed"]["surplus"]) < parse_money("25000.00")


@pytest.mark.parametrize(("surplus", "flagged"), [("24999.99", False), ("25000.00", True)])
async def test_lodgement_boundary(
    api: Api, session: AsyncSession, surplus: str, flagged: bool
) -> None:
    client = await client_with_orders(session, deputy_from=ORDERED)
    await simple_plan(api, client, opening=surplus)
    found = await flags(api)
    assert [f["clientId"] for f in found] == ([client] if flagged else [])
    if flagged:
        assert found[0]["surplus"] == surplus


async def test_a_client_with_both_roles_is_a_deputy_client_for_lodgement(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=ORDERED, appointee_from=date(2012, 1, 1))
    await fund_client(session, client, parse_money("90000.00"))  # not an appointee-only asset test
    await simple_plan(api, client, opening="25000.00")
    [flag] = await flags(api)
    assert (flag["clientId"], flag["legalRole"], flag["kind"]) == (client, "BOTH", "LODGEMENT")


@pytest.mark.parametrize(("assets", "flagged"), [("12999.99", False), ("13000.00", True)])
async def test_appointee_assets_boundary(
    api: Api, session: AsyncSession, assets: str, flagged: bool
) -> None:
    client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    await fund_client(session, client, parse_money(assets))
    await simple_plan(api, client, needs="5000.00", income="5200.00", opening="100.00")
    found = await flags(api)
    assert [f["clientId"] for f in found] == ([client] if flagged else [])
    if flagged:
        f = found[0]
        assert (f["kind"], f["reasons"], f["legalRole"]) == (
            "DEPUTYSHIP_APPLICATION",
            ["ASSETS_ABOVE_NEEDS"],
            "APPOINTEE",
        )
        assert (f["assets"], f["twelveMonthsNeeds"], f["assetsAboveNeeds"]) == (
            "13000.00",
            "5000.00",
            "8000.00",
        )
        assert (f["thresholdName"], f["threshold"]) == (
            "deputyship_flag_assets_above_needs",
            "8000.00",
        )
        assert f["surplus"] == "300.00"


async def test_a_deputy_clients_assets_do_not_flag_a_deputyship_application(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=ORDERED)
    await fund_client(session, client, parse_money("20000.00"))
    await simple_plan(api, client, needs="1000.00", opening="0.00")
    assert await flags(api) == []


async def test_holding_property_capital_or_a_pension_flags_an_appointee(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    assert await flags(api) == []  # no plan, no money, nothing declared
    vars_ = {
        "clientId": client,
        "capital": False,
        "property": True,
        "privatePension": False,
        "note": "Owns a flat found at the home visit",
        "declaredOn": "2014-05-01",
    }
    made = (await api.data(DECLARE, {"input": vars_}, role="assistant"))["declareClientAssets"]
    assert made["__typename"] == "ClientAssetDeclarationPayload", made
    assert made["declaration"]["property"] is True
    [flag] = await flags(api, "2014-05-01")
    assert (flag["kind"], flag["reasons"], flag["planId"], flag["assets"]) == (
        "DEPUTYSHIP_APPLICATION",
        ["HOLDS_PROPERTY"],
        None,
        "0.00",
    )
    assert flag["declaration"]["declaredOn"] == "2014-05-01"
    # before it was declared it does not flag; a later declaration clears it from its date
    assert await flags(api, "2014-04-30") == []
    cleared = vars_ | {
        "property": False,
        "note": "Flat sold; proceeds spent",
        "declaredOn": "2014-08-01",
    }
    made = (await api.data(DECLARE, {"input": cleared}, role="assistant"))["declareClientAssets"]
    assert made["__typename"] == "ClientAssetDeclarationPayload"
    assert [f["clientId"] for f in await flags(api, "2014-07-31")] == [client]
    assert await flags(api, "2014-08-01") == []


async def test_a_declaration_needs_a_note_a_past_date_and_a_client(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    base = {"clientId": client, "capital": True, "property": False, "privatePension": False}
    blank = (await api.data(DECLARE, {"input": base | {"note": " "}}))["declareClientAssets"]
    assert [f["field"] for f in blank["fields"]] == ["note"]
    future = (clock.today() + timedelta(days=1)).isoformat()
    late_input = base | {"note": "x", "declaredOn": future}
    late = (await api.data(DECLARE, {"input": late_input}))["declareClientAssets"]
    assert [f["field"] for f in late["fields"]] == ["declaredOn"]
    unknown = encode_id("Client", "00000000-0000-0000-0000-000000000000")
    missing = (await api.data(DECLARE, {"input": base | {"clientId": unknown, "note": "x"}}))[
        "declareClientAssets"
    ]
    assert (missing["__typename"], missing["id"]) == ("NotFoundProblem", unknown)
    count = await session.execute(text("SELECT count(*) FROM client_asset_declaration"))
    assert count.scalar_one() == 0


@pytest.mark.parametrize(
    ("figure", "kind"),
    [("lodgement_surplus_threshold", "deputy"), ("deputyship_flag_assets_above_needs", "app")],
)
async def test_a_changed_threshold_applies_from_its_date_only(
    api: Api, session: AsyncSession, figure: str, kind: str
) -> None:
    """R-DATA, R-INV-2: the threshold is reviewed and changes by date; before the change the old
    figure still applies."""
    if kind == "deputy":
        client = await client_with_orders(session, deputy_from=ORDERED)
        await simple_plan(api, client, opening="25000.00")
        await set_figure(session, figure, "2020-01-01", parse_money("30000.00"))
    else:
        client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
        await fund_client(session, client, parse_money("9000.00"))
        await simple_plan(api, client, needs="1000.00")
        await set_figure(session, figure, "2020-01-01", parse_money("10000.00"))
    assert [f["clientId"] for f in await flags(api, "2014-04-01")] == [client]
    [before] = await flags(api, "2019-12-31")
    assert (before["threshold"], before["thresholdEffectiveFrom"]) == (
        "25000.00" if kind == "deputy" else "8000.00",
        "2014-04-01",
    )
    assert await flags(api, "2020-01-01") == []
    assert await flags(api, None) == []  # today


async def test_the_plan_in_force_is_the_latest_not_superseded_one_started_by_the_date(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=ORDERED)
    first = await simple_plan(api, client, opening="30000.00")
    await simple_plan(api, client, opening="20000.00", supersedes=first["id"])
    assert await flags(api) == []  # the revision's surplus counts
    later = await simple_plan(api, client, opening="40000.00", year="2015-04-01")
    assert await flags(api, "2015-03-31") == []  # next year's plan has not started
    [flag] = await flags(api, "2015-04-01")
    assert (flag["planId"], flag["surplus"]) == (later["id"], "40000.00")


async def test_clients_not_in_role_on_the_date_or_wound_up_are_not_flagged(
    api: Api, session: AsyncSession
) -> None:
    later_deputy = await client_with_orders(session, deputy_from=date(2014, 6, 1))
    await simple_plan(api, later_deputy, opening="50000.00")
    wound_up = await client_with_orders(
        session, deputy_from=ORDERED, situation=Situation.DECEASED_WINDING_UP
    )
    await simple_plan(api, wound_up, opening="50000.00")
    assert await flags(api) == []
    assert [f["clientId"] for f in await flags(api, "2014-06-01")] == [later_deputy]


async def test_flags_come_a_page_at_a_time_in_reference_order(
    api: Api, session: AsyncSession
) -> None:
    clients = [await client_with_orders(session, deputy_from=ORDERED) for _ in range(3)]
    for c in clients:
        await simple_plan(api, c, opening="26000.00")
    page = (await api.data(FLAGS, {"on": ON, "first": 2}))["thresholdFlags"]
    assert [e["node"]["clientId"] for e in page["edges"]] == clients[:2]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    page = (await api.data(FLAGS, {"on": ON, "first": 2, "after": after}))["thresholdFlags"]
    assert [e["node"]["clientId"] for e in page["edges"]] == clients[2:]
    assert page["pageInfo"]["hasNextPage"] is False


async def test_no_threshold_in_force_is_an_error_not_a_guess(api: Api) -> None:
    body = await api.gql(FLAGS, {"on": "2014-03-31"}, role="senior_officer")
    assert error_codes(body) == ["POLICY_MISSING"]


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("support_assistant", True),
        ("assistant", True),
        ("senior_officer", True),
        ("governance_manager", True),
        ("head_of_service", True),
        ("auditor", True),
        ("reporting", False),
        ("social_worker", False),
        ("integration_controcc", False),
        ("integration_sap", False),
    ],
)
async def test_who_may_read_the_flags(api: Api, role: str, may: bool) -> None:
    body = await api.gql(FLAGS, {"on": ON}, role=role)
    assert ("errors" not in body) is may, body
    if not may:
        assert error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("role", "may"),
    [("support_assistant", False), ("assistant", True), ("auditor", False), ("reporting", False)],
)
async def test_who_may_declare_assets(
    api: Api, session: AsyncSession, role: str, may: bool
) -> None:
    client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    variables = {
        "input": {
            "clientId": client,
            "capital": True,
            "property": False,
            "privatePension": False,
            "note": "Premium bonds found",
        }
    }
    body = await api.gql(DECLARE, variables, role=role)
    if may:
        assert body["data"]["declareClientAssets"]["__typename"] == (
            "ClientAssetDeclarationPayload"
        )
        # issue 10 item 6: the declaration recorded for that client, dated today
        declaration = body["data"]["declareClientAssets"]["declaration"]
        assert (declaration["clientId"], declaration["property"]) == (client, False)
        assert declaration["declaredOn"] == clock.today().isoformat()
    else:
        assert error_codes(body) == ["FORBIDDEN"]


async def test_recording_a_plan_for_an_appointee_then_superseding_is_seen_by_the_flags(
    api: Api, session: AsyncSession
) -> None:
    """The appointee's needs are the plan in force: a revision with higher needs unflags."""
    client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    await fund_client(session, client, parse_money("10000.00"))
    first = await simple_plan(api, client, needs="2000.00")
    assert [f["twelveMonthsNeeds"] for f in await flags(api)] == ["2000.00"]
    result = await record_budget_plan(
        api,
        {
            "clientId": client,
            "planYearStart": ON,
            "openingBalance": "0.00",
            "income": [{"item": "DWP benefits", "annualAmount": "1000.00"}],
            "expenditure": [{"item": "Care", "amount": "50.00", "frequency": "WEEKLY"}],
            "supersedes": first["id"],
        },
    )
    assert result["__typename"] == "BudgetPlanPayload"
    assert await flags(api) == []  # 10,000.00 - 2,600.00 < 8,000.00


async def test_a_flag_resting_on_a_stale_plan_says_so(api: Api, session: AsyncSession) -> None:
    """issue 9 item 1, R-CARE-2: a plan is reviewed yearly; from its review date a flag resting
    on it is marked stale (nothing is lodged on it until it is reviewed), for either kind."""
    deputy = await client_with_orders(session, deputy_from=ORDERED)
    await record_seed_plan(api, deputy, "c")  # plan year from 2014-04-01
    appointee = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    await fund_client(session, appointee, parse_money("10000.00"))
    await simple_plan(api, appointee, needs="1000.00")

    def stale(found: list[dict[str, Any]]) -> dict[str, tuple[bool, str]]:
        return {f["clientId"]: (f["planStale"], f["planReviewDueOn"]) for f in found}

    before = stale(await flags(api, "2015-03-31"))
    assert before == {deputy: (False, "2015-04-01"), appointee: (False, "2015-04-01")}
    on_the_day = stale(await flags(api, "2015-04-01"))
    assert on_the_day == {deputy: (True, "2015-04-01"), appointee: (True, "2015-04-01")}
    no_plan = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    declared = {
        "clientId": no_plan,
        "capital": True,
        "property": False,
        "privatePension": False,
        "note": "Premium bonds found",
        "declaredOn": "2014-05-01",
    }
    made = (await api.data(DECLARE, {"input": declared}, role="assistant"))["declareClientAssets"]
    assert made["__typename"] == "ClientAssetDeclarationPayload", made
    [flag] = [f for f in await flags(api, "2015-04-01") if f["clientId"] == no_plan]
    assert (flag["planId"], flag["planStale"], flag["planReviewDueOn"]) == (None, False, None)

"""The fee run through the real /graphql endpoint (R-FEE-1 to R-FEE-4, R-FEE-6, R-DATA,
R-PAY-3, R-ROLE-1): deputy remuneration to the council and OPG supervision fees to the OPG, to the
penny, from the figures migration 0006 seeds; once per period and per idempotency key; clients
whose figure is unknown refused with the reason while the rest are charged.

Orders are recorded through the API with past order dates; clients are funded with
``ca_api.ledger.transfers.post`` in the test's own transaction (value-dated before the
anniversaries, so the 3% rule sees them as net assets).
"""

from __future__ import annotations

import importlib.util
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api import clock
from ca_api.common.ids import decode_uuid
from ca_api.ledger.models import Counterparty, LedgerAccount, Transfer
from tests.conftest import Api, error_codes
from tests.factories import (
    RUN_FEES,
    accounts,
    cms_balance,
    create_client,
    deputy,
    fee_fund,
    ledger_sound,
    record_appointeeship,
    run_fees,
)

ROOT = Path(__file__).resolve().parents[1]

FEE_CHARGES = """
query($id: ID!) {
  feeCharges(clientId: $id, first: 100) {
    edges {
      node {
        kind basis dueDate anniversary yearStart yearEnd valueDate amount figureName
        figureEffectiveFrom transferId
      }
    }
    pageInfo { hasNextPage }
  }
}
"""
FEE_RUNS = """
query($first: Int, $after: String) {
  feeRuns(first: $first, after: $after) {
    edges { cursor node { id periodStart periodEnd chargeCount total } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def by_client(run: dict[str, Any], client_id: str) -> list[tuple[str, str, str, str]]:
    return sorted(
        (c["kind"], c["basis"], c["dueDate"], c["amount"])
        for c in run["charges"]
        if c["clientId"] == client_id
    )


async def fee_charges(api: Api, client_id: str) -> list[dict[str, Any]]:
    data = await api.data(FEE_CHARGES, {"id": client_id}, role="auditor", sub="aud.fees")
    return [e["node"] for e in data["feeCharges"]["edges"]]


# --- Charging: the right fees to the penny ----------------------------------------------------


async def test_a_run_charges_each_deputy_the_fees_due_to_the_penny(
    api: Api, session: AsyncSession
) -> None:
    # Period 2016-04-01 to 2016-06-30: the 2014 seed figures (R-FEE-1, R-FEE-2).
    first_year = await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    later_year = await deputy(api, session, "2014-05-20", "TYPE_2A", 5_000_000)
    low_assets = await deputy(api, session, "2014-06-01", "TYPE_3", 1_000_000)  # £10,000.00
    type_2 = await deputy(api, session, "2015-04-15", "TYPE_2", 5_000_000)
    appointee = str((await create_client(api))["id"])
    assert (await record_appointeeship(api, appointee, startDate="2014-01-01"))[
        "__typename"
    ] == "AppointeeshipPayload"
    await fee_fund(session, appointee, 5_000_000, date(2014, 1, 1))

    result = await run_fees(api, "2016-04-01", "2016-06-30")
    assert result["__typename"] == "FeeRunPayload", result
    assert result["alreadyRun"] is False
    run = result["run"]

    assert by_client(run, first_year) == [
        ("DEPUTY_REMUNERATION", "FIRST_YEAR", "2016-05-10", "700.00"),
        ("OPG_SUPERVISION", "SUPERVISION_GENERAL", "2016-05-10", "320.00"),
    ]
    assert by_client(run, later_year) == [
        ("DEPUTY_REMUNERATION", "LATER_YEAR", "2016-05-20", "585.00"),
        ("OPG_SUPERVISION", "SUPERVISION_GENERAL", "2016-05-20", "320.00"),
    ]
    # Under £16,000 at the second anniversary: 3% of £10,000.00 (R-FEE-1); type 3: £35.
    assert by_client(run, low_assets) == [
        ("DEPUTY_REMUNERATION", "LOW_ASSETS_PERCENT", "2016-06-01", "300.00"),
        ("OPG_SUPERVISION", "SUPERVISION_MINIMAL", "2016-06-01", "35.00"),
    ]
    assert by_client(run, type_2) == [
        ("DEPUTY_REMUNERATION", "FIRST_YEAR", "2016-04-15", "700.00"),
        ("OPG_SUPERVISION", "SUPERVISION_GENERAL", "2016-04-15", "320.00"),
    ]
    assert by_client(run, appointee) == []  # R-FEE-4
    assert (run["chargeCount"], run["clientsCharged"], run["total"]) == (8, 4, "3280.00")
    assert run["notCharged"] == []

    low = next(
        c
        for c in run["charges"]
        if c["clientId"] == low_assets and c["basis"] == "LOW_ASSETS_PERCENT"
    )
    # issue 9 item 9: a percentage is a Percent, money is Money (not "3" and "1600000").
    assert (low["figureName"], low["figureEffectiveFrom"], low["figurePercent"]) == (
        "deputy_fee_low_assets_percent",
        "2014-04-01",
        "3.0000",
    )
    assert low["figureMoney"] is None
    assert (
        low["thresholdName"],
        low["thresholdEffectiveFrom"],
        low["thresholdMoney"],
        low["netAssets"],
    ) == ("deputy_fee_low_assets_threshold", "2014-04-01", "16000.00", "10000.00")
    fixed = next(
        c
        for c in run["charges"]
        if c["clientId"] == first_year and c["kind"] == "DEPUTY_REMUNERATION"
    )
    assert (fixed["figureMoney"], fixed["figurePercent"]) == ("700.00", None)

    assert await cms_balance(api, first_year) == "48980.00"
    assert await cms_balance(api, later_year) == "49095.00"
    assert await cms_balance(api, low_assets) == "9665.00"
    assert await cms_balance(api, appointee) == "50000.00"
    assert await ledger_sound(api)

    charges = await fee_charges(api, first_year)
    assert {(c["kind"], c["figureName"], c["figureEffectiveFrom"]) for c in charges} == {
        ("DEPUTY_REMUNERATION", "deputy_fee_first_year", "2014-04-01"),
        ("OPG_SUPERVISION", "opg_supervision_fee_general", "2014-04-01"),
    }
    assert await fee_charges(api, appointee) == []


async def test_a_charge_for_a_past_period_shows_the_year_it_pays_for_beside_the_day_it_moved(
    api: Api, session: AsyncSession
) -> None:
    # issue 9 item 10, R-FEE-1, R-FEE-6: a run made today for 2016-2018 charged today, and the
    # charge showed only that day. Each charge names the anniversary and the deputyship year it
    # pays for (from the anniversary before, to the day before its own), beside its value date.
    may = await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    leap = await deputy(api, session, "2016-02-29", "TYPE_2", 5_000_000)
    today = clock.today().isoformat()
    run = (await run_fees(api, "2016-04-01", "2018-03-31"))["run"]

    def years(client_id: str) -> list[tuple[Any, ...]]:
        return sorted(
            (c["anniversary"], c["dueDate"], c["yearStart"], c["yearEnd"], c["valueDate"])
            for c in run["charges"]
            if c["clientId"] == client_id and c["kind"] == "DEPUTY_REMUNERATION"
        )

    assert years(may) == [
        (1, "2016-05-10", "2015-05-10", "2016-05-09", today),
        (2, "2017-05-10", "2016-05-10", "2017-05-09", today),
    ]
    # An order of 29 February: its anniversary in a common year is 1 March (fees/rules.py).
    assert years(leap) == [
        (1, "2017-03-01", "2016-02-29", "2017-02-28", today),
        (2, "2018-03-01", "2017-03-01", "2018-02-28", today),
    ]
    # The client's own list says the same, and the statement line names the year too.
    listed = await fee_charges(api, may)
    assert {(c["kind"], c["yearStart"], c["yearEnd"], c["valueDate"]) for c in listed} >= {
        ("OPG_SUPERVISION", "2015-05-10", "2016-05-09", today),
        ("DEPUTY_REMUNERATION", "2016-05-10", "2017-05-09", today),
    }
    first = next(c for c in listed if c["anniversary"] == 1 and c["kind"] == "OPG_SUPERVISION")
    data = await api.data(
        """query($id: ID!) { clientAccounts(clientId: $id) { id kind } }""",
        {"id": may},
        role="auditor",
        sub="aud.fees",
    )
    cms = next(a["id"] for a in data["clientAccounts"] if a["kind"] == "CLIENT_CMS")
    statement = await api.data(
        """query($id: ID!) { accountStatement(accountId: $id, first: 100) {
             edges { node { transfer { id valueDate description } } } } }""",
        {"id": cms},
        role="auditor",
        sub="aud.fees",
    )
    line = next(
        e["node"]["transfer"]
        for e in statement["accountStatement"]["edges"]
        if e["node"]["transfer"]["id"] == first["transferId"]
    )
    assert line["valueDate"] == today
    assert line["description"] == (
        "OPG general supervision fee for 2015-05-10 to 2016-05-09 (anniversary 1, due 2016-05-10)"
    )


async def test_migration_0012_fills_in_the_year_of_earlier_charges_as_the_rules_do(
    api: Api, session: AsyncSession
) -> None:
    # issue 9 item 10: charges made before migration 0012 get their year from its SQL; it must
    # agree with fees/rules.py, leap-day orders included.
    spec = importlib.util.spec_from_file_location(
        "migration_0012", ROOT / "migrations" / "versions" / "0012_amount_limit_and_rates.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for made in ("2015-05-10", "2016-02-29", "2015-03-01", "2012-02-29"):
        await deputy(api, session, made, "TYPE_1", 5_000_000)
    await run_fees(api, "2016-01-01", "2021-12-31")
    stored = {
        r.transfer_id: (r.year_start, r.year_end)
        for r in await session.execute(
            text("SELECT transfer_id, year_start, year_end FROM fee_charge")
        )
    }
    derived = {
        r.transfer_id: (r.year_start, r.year_end)
        for r in await session.execute(text(migration.YEARS))
    }
    assert len(stored) >= 4 * 2 * 5
    assert derived == stored


async def test_fees_go_to_the_council_and_the_opg_with_their_opg_categories(
    api: Api, session: AsyncSession
) -> None:
    client_id = await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    await run_fees(api, "2016-04-01", "2016-06-30")
    to_acc = aliased(LedgerAccount)
    stmt = (
        select(Transfer.category, Counterparty.kind, Counterparty.name, Transfer.amount)
        .join(to_acc, to_acc.id == Transfer.to_account_id)
        .join(Counterparty, Counterparty.id == to_acc.counterparty_id)
        .where(Transfer.client_id == decode_uuid("Client", client_id))
    )
    rows = {tuple(r) for r in (await session.execute(stmt)).all() if r[0].startswith("OUT_")}
    assert rows == {
        ("OUT_DEPUTY_FEES", "COUNCIL", "Client Affairs deputy fees", 70000),
        ("OUT_OPG_FEES", "OPG", "Office of the Public Guardian", 32000),
    }


async def test_a_client_short_of_funds_is_listed_and_not_charged(
    api: Api, session: AsyncSession
) -> None:
    short = await deputy(api, session, "2015-05-10", "TYPE_2", 100_000)  # £1,000 < £1,020
    funded = await deputy(api, session, "2015-05-12", "TYPE_2", 5_000_000)
    run = (await run_fees(api, "2016-04-01", "2016-06-30"))["run"]
    assert by_client(run, short) == []
    assert len(by_client(run, funded)) == 2
    [listed] = run["notCharged"]
    assert (listed["clientId"], listed["code"]) == (short, "INSUFFICIENT_FUNDS")
    assert (listed["wanted"], listed["available"]) == ("1020.00", "1000.00")
    assert "R-PAY-3" in listed["reason"]
    assert await cms_balance(api, short) == "1000.00"  # never below zero
    assert run["clientsShort"] == 1


# --- Once per period, once per key ------------------------------------------------------------


async def test_the_same_period_run_twice_posts_once(api: Api, session: AsyncSession) -> None:
    client_id = await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    first = await run_fees(api, "2016-04-01", "2016-06-30", key="fees-2016-q1-first")
    again = await run_fees(api, "2016-04-01", "2016-06-30", key="fees-2016-q1-second")
    assert again["alreadyRun"] is True
    assert again["run"]["id"] == first["run"]["id"]
    replay = await run_fees(api, "2016-04-01", "2016-06-30", key="fees-2016-q1-first")
    assert replay == first  # the same key replays the first answer
    assert await cms_balance(api, client_id) == "48980.00"
    assert len(await fee_charges(api, client_id)) == 2

    # An overlapping period charges only what no run charged: nothing here.
    wider = await run_fees(api, "2016-01-01", "2016-12-31")
    assert wider["alreadyRun"] is False and wider["run"]["chargeCount"] == 0
    assert await cms_balance(api, client_id) == "48980.00"

    runs = await api.data(FEE_RUNS, {"first": 1}, role="auditor", sub="aud.fees")
    assert runs["feeRuns"]["pageInfo"]["hasNextPage"] is True
    after = runs["feeRuns"]["pageInfo"]["endCursor"]
    rest = await api.data(FEE_RUNS, {"first": 10, "after": after}, role="auditor", sub="aud")
    periods = [e["node"]["periodStart"] for e in runs["feeRuns"]["edges"]] + [
        e["node"]["periodStart"] for e in rest["feeRuns"]["edges"]
    ]
    assert periods == ["2016-04-01", "2016-01-01"]


async def test_a_repeated_fee_run_says_it_replayed(api: Api, session: AsyncSession) -> None:
    # issue 9 item 12: FeeRunPayload carries `replayed` like the other idempotent payloads:
    # true for a repeat of the key or of the period (nothing new done), false for the first.
    await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    query = RUN_FEES.replace("      alreadyRun\n", "      alreadyRun replayed\n")

    async def run(k: str) -> tuple[bool, bool]:
        variables = {
            "input": {"periodStart": "2016-04-01", "periodEnd": "2016-06-30", "idempotencyKey": k}
        }
        data = await api.data(query, variables, role="senior_officer", sub="olu.scao")
        return data["runFees"]["replayed"], data["runFees"]["alreadyRun"]

    assert await run("fees-replayed-first") == (False, False)
    assert await run("fees-replayed-first") == (True, False)  # the key replays the first answer
    assert await run("fees-replayed-other") == (True, True)  # the period was run: nothing new


async def test_a_key_reused_for_another_period_is_refused(api: Api, session: AsyncSession) -> None:
    await run_fees(api, "2016-04-01", "2016-06-30", key="fees-key-reused")
    other = await run_fees(api, "2016-07-01", "2016-09-30", key="fees-key-reused")
    assert other["__typename"] == "IdempotencyKeyReusedProblem", other


async def test_a_period_must_be_past_and_the_right_way_round(api: Api) -> None:
    backwards = await run_fees(api, "2016-06-30", "2016-04-01")
    assert backwards["__typename"] == "ValidationProblem"
    assert {f["field"] for f in backwards["fields"]} == {"periodEnd"}
    future = await run_fees(api, "2016-04-01", "2999-12-31")
    assert future["__typename"] == "ValidationProblem"


# --- Unknown figures: refused, never guessed (R-DATA) -------------------------------------------


async def test_unknown_2024_remuneration_refuses_those_clients_and_the_rest_are_charged(
    api: Api, session: AsyncSession
) -> None:
    fixed_rate = await deputy(api, session, "2020-06-10", "TYPE_2", 5_000_000)
    low_assets = await deputy(api, session, "2020-05-05", "TYPE_3", 500_000)  # £5,000.00
    result = await run_fees(api, "2024-04-01", "2024-06-30")
    run = result["run"]

    [refused] = run["notCharged"]
    assert (refused["clientId"], refused["code"]) == (fixed_rate, "POLICY_MISSING")
    assert (refused["figureName"], refused["figureDate"]) == ("deputy_fee_later_year", "2024-06-10")
    assert "unknown" in refused["reason"]
    assert by_client(run, fixed_rate) == []  # not even the known OPG fee: all or nothing
    assert await cms_balance(api, fixed_rate) == "50000.00"
    assert await fee_charges(api, fixed_rate) == []

    # Under the 2024 threshold (£20,300) the 3% rule needs no fixed rate: charged.
    assert by_client(run, low_assets) == [
        ("DEPUTY_REMUNERATION", "LOW_ASSETS_PERCENT", "2024-05-05", "150.00"),
        ("OPG_SUPERVISION", "SUPERVISION_MINIMAL", "2024-05-05", "35.00"),
    ]
    low = next(c for c in run["charges"] if c["basis"] == "LOW_ASSETS_PERCENT")
    assert (low["thresholdEffectiveFrom"], low["thresholdMoney"]) == ("2024-04-01", "20300.00")
    assert (run["clientsRefused"], run["clientsCharged"], run["total"]) == (1, 1, "185.00")


async def test_the_2024_threshold_boundary_through_the_run(api: Api, session: AsyncSession) -> None:
    under = await deputy(api, session, "2020-05-05", "TYPE_3", 2_029_999)  # £20,299.99
    at = await deputy(api, session, "2020-05-06", "TYPE_3", 2_030_000)  # £20,300.00
    run = (await run_fees(api, "2024-05-01", "2024-05-31"))["run"]
    assert by_client(run, under)[0] == (
        "DEPUTY_REMUNERATION",
        "LOW_ASSETS_PERCENT",
        "2024-05-05",
        "609.00",
    )
    assert [(r["clientId"], r["code"]) for r in run["notCharged"]] == [(at, "POLICY_MISSING")]


async def test_the_2014_threshold_boundary_through_the_run(api: Api, session: AsyncSession) -> None:
    under = await deputy(api, session, "2014-05-05", "TYPE_2", 1_599_999)  # £15,999.99
    at = await deputy(api, session, "2014-05-06", "TYPE_2", 1_600_000)  # £16,000.00
    run = (await run_fees(api, "2016-05-01", "2016-05-31"))["run"]
    assert by_client(run, under)[0][1:] == ("LOW_ASSETS_PERCENT", "2016-05-05", "480.00")
    assert by_client(run, at)[0][1:] == ("LATER_YEAR", "2016-05-06", "585.00")


# --- Who may (R-ROLE-1) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("support_assistant", False),
        ("assistant", False),
        ("senior_assistant", False),
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
async def test_who_may_run_fees(api: Api, role: str, allowed: bool) -> None:
    body = await api.gql(
        RUN_FEES,
        {
            "input": {
                "periodStart": "2016-04-01",
                "periodEnd": "2016-06-30",
                "idempotencyKey": str(uuid.uuid4()),
            }
        },
        role=role,
        sub=f"{role}.x",
    )
    if allowed:
        assert body["data"]["runFees"]["__typename"] == "FeeRunPayload"
        # issue 10 item 6: the run recorded, for that period, by that caller (R-FEE)
        run = body["data"]["runFees"]["run"]
        assert body["data"]["runFees"]["alreadyRun"] is False
        assert (run["periodStart"], run["periodEnd"], run["runBy"]) == (
            "2016-04-01",
            "2016-06-30",
            f"{role}.x",
        )
    else:
        assert error_codes(body) == ["FORBIDDEN"]
        assert body["data"] is None or body["data"]["runFees"] is None


@pytest.mark.parametrize("role", ["reporting", "social_worker", "integration_sap"])
async def test_who_may_not_read_fees(api: Api, role: str) -> None:
    body = await api.gql(FEE_RUNS, {"first": 1}, role=role, sub=f"{role}.x")
    assert error_codes(body) == ["FORBIDDEN"]


async def test_officers_and_audit_read_fees(api: Api, session: AsyncSession) -> None:
    client_id = await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    await run_fees(api, "2016-04-01", "2016-06-30")
    for role in ("support_assistant", "auditor"):
        data = await api.data(FEE_CHARGES, {"id": client_id}, role=role, sub=f"{role}.r")
        assert len(data["feeCharges"]["edges"]) == 2
    assert "CLIENT_CMS" in await accounts(api, client_id)

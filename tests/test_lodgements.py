"""Lodgements with the Court Funds Office through the real /graphql endpoint (R-INV-2, R-INV-6,
R-DEC, R-ROLE-1, R-ROLE-2, R-PAY-3, R-AUD-1, R-DATA).

A deputy client's surplus is proposed (an INVESTMENT_PLAN decision), approved by the governance
manager through approveDecision, then lodged: CMS -> Court Funds. Money comes back when needed.
Interest is credited per period at the special account rate in force each day (migration 0007).

Clients' CMS accounts are funded with ``ca_api.ledger.transfers.post`` from a DWP counterparty in
the test's own transaction, value-dated in the past; interest tests lodge back-dated the same
way (a CMS -> Court Funds transfer value-dated on the day the money reached the Court Funds
Office), since ``lodge`` itself value-dates today.

Only a surplus may be lodged (issue 9 item 1; R-INV-2, seed 002 B 7.7, 20.2-20.4): a deputy
client here has an approved budget plan for the plan year in force today (recorded by a senior
officer, submitted by an assistant, approved by the governance manager) whose surplus is
£200,000 unless a test says otherwise. The seed's plans A to C are recorded line by line from
``shared/fixtures/budget_plans_2014.json``, for the current plan year (their own, 2014/15, is
long past its yearly review: a test shows that is refused as stale, R-CARE-2).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import decode_uuid
from ca_api.db import unit_of_work
from ca_api.ledger import accounts as ledger
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import AccountKind, Category
from ca_api.lodgements import rules
from tests.conftest import Api, error_codes
from tests.factories import (
    GM,
    KEYED_PROBLEMS,
    LODGE,
    LODGEMENT_FIELDS,
    PROPOSE_LODGEMENT,
    PROPOSER,
    SUBMIT_PLAN,
    accounts,
    approve_as,
    approve_plan,
    audit_rows,
    create_client,
    deputy_client,
    ledger_sound,
    lodge,
    lodge_variables,
    moved_to_court_funds,
    new_key,
    plan_year_now,
    proposal,
    propose_lodgement,
    proposed_lodgement,
    record_appointeeship,
    record_plan,
    refused,
    submit_plan_variables,
    surplus_plan_input,
    with_seed_plan,
    with_surplus,
)
from tests.factories import LODGEMENT_FUNDER as FUNDER
from tests.factories import LODGING_OFFICER as OFFICER
from tests.factories import REFUSE_LODGEMENT_DECISION as REFUSE
from tests.factories import fund_for_lodgement as fund

WITHDRAW = f"""
mutation($input: WithdrawFromCourtFundsInput!) {{
  withdrawFromCourtFunds(input: $input) {{
    __typename
    ... on CourtFundsWithdrawalPayload {{
      withdrawal {{ id clientId transferId amount reason recordedBy }}
    }}
    ... on InsufficientFundsProblem {{ available wanted }}
    {KEYED_PROBLEMS}
  }}
}}
"""
LODGEMENTS = f"""
query($client: ID, $status: LodgementStatus, $first: Int, $after: String) {{
  lodgements(clientId: $client, status: $status, first: $first, after: $after) {{
    edges {{ cursor node {{ {LODGEMENT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
INTEREST = """
mutation($input: PostCourtFundsInterestInput!) {
  postCourtFundsInterest(input: $input) {
    __typename
    ... on CourtFundsInterestRunPayload {
      alreadyRun run { id periodStart periodEnd runBy accounts total }
    }
    ... on PolicyMissingProblem { name }
    ... on Problem { code message }
    ... on ValidationProblem { fields { field message } }
    ... on IdempotencyKeyReusedProblem { key }
  }
}
"""
INTEREST_RUNS = """
query($first: Int, $after: String) {
  courtFundsInterestRuns(first: $first, after: $after) {
    edges { node { id periodStart periodEnd accounts total } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

DECISIONS = """
query($client: ID!) {
  decisions(clientId: $client, kind: INVESTMENT_PLAN) { edges { node { id status } } }
}
"""
SURPLUS_CONTEXT = """
query($id: ID!) {
  decision(id: $id) {
    status
    surplusContext {
      on planId planYearStart planReviewDueOn planStale planApproved surplus
      thresholdName threshold thresholdEffectiveFrom committed remainingSurplus amount
      refusal refusalMessage
    }
  }
}
"""

RUNNER = {"role": "senior_officer", "sub": "olu.scao"}


def a_year_before(day: date) -> date:
    """The same day a year earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


async def lodged_on(session: AsyncSession, client_id: str, pence: int, value_date: date) -> None:
    """A lodgement back-dated to ``value_date``: funded, then CMS -> Court Funds that day."""
    await fund(session, client_id, pence, value_date)
    await moved_to_court_funds(session, client_id, pence, value_date)


def withdrawal_variables(client_id: str, amount: str, reason: str) -> dict[str, Any]:
    """WITHDRAW's variables, with a new idempotency key."""
    return {
        "input": {
            "clientId": client_id,
            "amount": amount,
            "reason": reason,
            "idempotencyKey": new_key(),
        }
    }


def interest_variables(start: str, end: str, k: str | None = None) -> dict[str, Any]:
    """INTEREST's variables: the period, and a new idempotency key unless one is given."""
    return {"input": {"periodStart": start, "periodEnd": end, "idempotencyKey": k or new_key()}}


async def withdraw(api: Api, client_id: str, amount: str, reason: str = "Care home fees") -> Any:
    variables = withdrawal_variables(client_id, amount, reason)
    data = await api.data(WITHDRAW, variables, **OFFICER)
    return data["withdrawFromCourtFunds"]


async def interest(api: Api, start: str, end: str, k: str | None = None) -> dict[str, Any]:
    variables = interest_variables(start, end, k)
    data = await api.data(INTEREST, variables, **RUNNER)
    result: dict[str, Any] = data["postCourtFundsInterest"]
    return result


async def balances(api: Api, client_id: str) -> tuple[str | None, str | None]:
    found = await accounts(api, client_id)
    cms, cfo = found.get("CLIENT_CMS"), found.get("CLIENT_COURT_FUNDS")
    return (cms["balance"] if cms else None, cfo["balance"] if cfo else None)


# --- propose, approve, lodge (R-INV-2, R-DEC) -------------------------------------------------


async def test_propose_approve_lodge_moves_the_money(api: Api, session: AsyncSession) -> None:
    client = await deputy_client(api)
    await fund(session, client, 4_000_000)
    lodgement = await proposed_lodgement(api, client)
    assert lodgement["status"] == "PROPOSED"
    assert lodgement["amount"] == "30000.00"
    assert lodgement["proposedBy"] == "ash.assistant"
    assert lodgement["transferId"] is None

    approved = await approve_as(api, lodgement["decisionId"])
    assert approved["__typename"] == "DecisionPayload", approved
    assert approved["decision"]["kind"] == "INVESTMENT_PLAN"
    assert approved["decision"]["amount"] == "30000.00"

    listed = await api.data(LODGEMENTS, {"client": client}, role="auditor", sub="aud")
    assert [e["node"]["status"] for e in listed["lodgements"]["edges"]] == ["APPROVED"]

    k = new_key()
    done = await lodge(api, lodgement["id"], k)
    assert done["__typename"] == "LodgementPayload", done
    assert done["lodgement"]["status"] == "LODGED"
    assert done["lodgement"]["lodgedBy"] == "sam.support"
    assert done["lodgement"]["transferId"] is not None
    assert await balances(api, client) == ("10000.00", "30000.00")

    again = await lodge(api, lodgement["id"], k)  # the same request again: replayed
    assert again["__typename"] == "LodgementPayload" and again["replayed"] is True
    twice = await lodge(api, lodgement["id"])  # a new request: lodged once only
    assert twice["__typename"] == "InvalidStateProblem", twice
    assert await balances(api, client) == ("10000.00", "30000.00")
    assert await ledger_sound(api)

    # R-AUD-1: each change in the client's chain
    actions = {(r["entityType"], r["action"]) for r in await audit_rows(api, clientId=client)}
    assert {("lodgement", "propose"), ("decision", "raise"), ("decision", "approve")} <= actions
    assert ("lodgement", "lodge") in actions


async def test_lodging_before_approval_is_refused(api: Api, session: AsyncSession) -> None:
    client = await deputy_client(api)
    await fund(session, client, 4_000_000)
    lodgement = await proposed_lodgement(api, client)
    done = await lodge(api, lodgement["id"])
    assert done["__typename"] == "InvalidStateProblem", done
    assert "PROPOSED" in done["message"]
    assert await balances(api, client) == ("40000.00", None)


async def test_a_refused_lodgement_is_never_lodged(api: Api, session: AsyncSession) -> None:
    client = await deputy_client(api)
    await fund(session, client, 4_000_000)
    lodgement = await proposed_lodgement(api, client)
    refusal = {
        "id": lodgement["decisionId"],
        "reason": "keep it at hand",
        "idempotencyKey": new_key(),
    }
    data = await api.data(REFUSE, {"input": refusal}, **GM)
    assert data["refuseDecision"]["__typename"] == "DecisionPayload"
    done = await lodge(api, lodgement["id"])
    assert done["__typename"] == "InvalidStateProblem", done
    listed = await api.data(LODGEMENTS, {"client": client, "status": "REFUSED"}, **OFFICER)
    assert [e["node"]["id"] for e in listed["lodgements"]["edges"]] == [lodgement["id"]]


async def test_the_proposer_may_not_approve_their_own(api: Api) -> None:
    """R-ROLE-2: four eyes, whatever the role (a governance manager proposing here)."""
    client = await deputy_client(api)
    lodgement = await proposed_lodgement(api, client, **GM)
    result = await approve_as(api, lodgement["decisionId"], **GM)
    assert result["__typename"] == "FourEyesProblem", result
    assert result["raisedBy"] == "grace.tgm"


async def test_a_senior_officer_may_not_approve_an_investment_plan(api: Api) -> None:
    """R-DEC: investment plan, any amount: TGM."""
    client = await deputy_client(api)
    lodgement = await proposed_lodgement(api, client, amount="25000.00")
    result = await approve_as(api, lodgement["decisionId"], role="senior_officer", sub="olu.scao")
    assert result["__typename"] == "OverApprovalLimitProblem", result
    assert result["lowestRoleThatMayApprove"] == "GOVERNANCE_MANAGER"


async def test_an_appointee_only_client_is_refused(api: Api) -> None:
    """R-INV-2 is for deputy clients; an appointee deals with benefits only."""
    client = str((await create_client(api))["id"])
    assert (await record_appointeeship(api, client))["__typename"] == "AppointeeshipPayload"
    result = await propose_lodgement(api, client)
    assert result["__typename"] == "ValidationProblem", result
    assert [f["field"] for f in result["fields"]] == ["clientId"]
    listed = await api.data(LODGEMENTS, {"client": client}, **OFFICER)
    assert listed["lodgements"]["edges"] == []


async def test_a_client_with_both_roles_may_lodge(api: Api) -> None:
    client = await deputy_client(api)
    assert (await record_appointeeship(api, client))["__typename"] == "AppointeeshipPayload"
    assert (await proposed_lodgement(api, client))["status"] == "PROPOSED"


async def test_a_proposal_repeated_with_its_key_is_recorded_once(api: Api) -> None:
    client = await deputy_client(api)
    k = new_key()
    variables = {"input": {**proposal(client), "idempotencyKey": k}}
    first = await api.data(PROPOSE_LODGEMENT, variables, **PROPOSER)
    again = await api.data(PROPOSE_LODGEMENT, variables, **PROPOSER)
    assert first["proposeLodgement"]["replayed"] is False
    assert again["proposeLodgement"]["replayed"] is True
    assert (
        again["proposeLodgement"]["lodgement"]["id"] == first["proposeLodgement"]["lodgement"]["id"]
    )
    other = await api.data(
        PROPOSE_LODGEMENT, {"input": {**proposal(client, "1.00"), "idempotencyKey": k}}, **PROPOSER
    )
    assert other["proposeLodgement"]["__typename"] == "IdempotencyKeyReusedProblem"


async def test_a_proposal_records_why_and_who_was_consulted(api: Api) -> None:
    """R-DEC-1, through the decisions module's own checks."""
    client = await deputy_client(api)
    data = await api.data(
        PROPOSE_LODGEMENT,
        {"input": {**proposal(client, consulted="  "), "idempotencyKey": new_key()}},
        **PROPOSER,
    )
    result = data["proposeLodgement"]
    assert result["__typename"] == "ValidationProblem"
    assert [f["field"] for f in result["fields"]] == ["consulted"]
    zero = await propose_lodgement(api, client, "0.00")
    assert zero["__typename"] == "ValidationProblem"


async def test_lodging_more_than_the_cms_balance_moves_nothing(
    api: Api, session: AsyncSession
) -> None:
    client = await deputy_client(api)
    await fund(session, client, 1_000_000)
    lodgement = await proposed_lodgement(api, client, "30000.00")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    done = await lodge(api, lodgement["id"])
    assert done["__typename"] == "InsufficientFundsProblem", done
    assert (done["available"], done["wanted"]) == ("10000.00", "30000.00")
    assert await balances(api, client) == ("10000.00", None)
    # once the money is there, a retry succeeds (a refusal stored nothing)
    await fund(session, client, 2_000_000)
    assert (await lodge(api, lodgement["id"]))["lodgement"]["status"] == "LODGED"
    assert await balances(api, client) == ("0.00", "30000.00")


# --- withdraw (R-INV-6) -----------------------------------------------------------------------


async def test_money_comes_back_when_needed_never_more_than_lodged(
    api: Api, session: AsyncSession
) -> None:
    client = await deputy_client(api)
    await fund(session, client, 4_000_000)
    lodgement = await proposed_lodgement(api, client)
    await approve_as(api, lodgement["decisionId"])
    await lodge(api, lodgement["id"])

    too_much = await withdraw(api, client, "30000.01")
    assert too_much["__typename"] == "InsufficientFundsProblem", too_much
    assert (too_much["available"], too_much["wanted"]) == ("30000.00", "30000.01")
    assert await balances(api, client) == ("10000.00", "30000.00")

    no_reason = await withdraw(api, client, "100.00", reason=" ")
    assert no_reason["__typename"] == "ValidationProblem"

    back = await withdraw(api, client, "12500.00", "Room adaptation for a wheelchair")
    assert back["__typename"] == "CourtFundsWithdrawalPayload", back
    assert back["withdrawal"]["reason"] == "Room adaptation for a wheelchair"
    assert await balances(api, client) == ("22500.00", "17500.00")
    rows = [
        r
        for r in await audit_rows(api, clientId=client)
        if r["entityType"] == "court_funds_withdrawal"
    ]
    assert [r["action"] for r in rows] == ["withdraw"]
    assert await ledger_sound(api)


async def test_nothing_lodged_nothing_to_withdraw(api: Api) -> None:
    client = await deputy_client(api)
    result = await withdraw(api, client, "1.00")
    assert result["__typename"] == "InsufficientFundsProblem"


async def test_a_repeated_withdrawal_or_interest_run_says_it_replayed(
    api: Api, session: AsyncSession
) -> None:
    # issue 9 item 12: every idempotent payload carries `replayed`.
    client = await deputy_client(api)
    await lodged_on(session, client, 5_000_000, date(2014, 4, 1))
    query = WITHDRAW.replace("withdrawal {", "replayed withdrawal {")
    variables = withdrawal_variables(client, "100.00", "Care home fees")
    first = (await api.data(query, variables, **OFFICER))["withdrawFromCourtFunds"]
    again = (await api.data(query, variables, **OFFICER))["withdrawFromCourtFunds"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["withdrawal"] == again["withdrawal"]
    assert await balances(api, client) == ("100.00", "49900.00")  # withdrawn once

    query = INTEREST.replace("      alreadyRun run", "      alreadyRun replayed run")
    variables = interest_variables("2014-04-01", "2014-04-30")
    first = (await api.data(query, variables, **RUNNER))["postCourtFundsInterest"]
    again = (await api.data(query, variables, **RUNNER))["postCourtFundsInterest"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["run"] == again["run"]


# --- interest at the rate in force each day (R-DATA) ------------------------------------------


def expected_pence(balance: int, days_at: list[tuple[int, str]]) -> int:
    exact = sum((Fraction(balance) * Fraction(Decimal(r)) * n for n, r in days_at), Fraction(0))
    exact /= 100 * 365
    return int(
        (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


async def test_interest_across_the_rate_change_of_9_january_2026(
    api: Api, session: AsyncSession
) -> None:
    """£100,000 lodged 2026-01-01: 8 days at 4.00% and 23 days at 3.75%, rounded once."""
    client = await deputy_client(api)
    await lodged_on(session, client, 10_000_000, date(2026, 1, 1))
    pence = expected_pence(10_000_000, [(8, "4.00"), (23, "3.75")])
    assert pence == 32397  # 10,000,000 x 118.25 / 36,500 = 32,397.26...
    run = await interest(api, "2026-01-01", "2026-01-31")
    assert run["__typename"] == "CourtFundsInterestRunPayload", run
    assert run["alreadyRun"] is False
    assert (run["run"]["accounts"], run["run"]["total"]) == (1, "323.97")
    assert await balances(api, client) == ("0.00", "100323.97")

    # once per period: a new key returns the first run, nothing credited again
    again = await interest(api, "2026-01-01", "2026-01-31")
    assert again["alreadyRun"] is True and again["run"]["id"] == run["run"]["id"]
    overlap = await interest(api, "2026-01-31", "2026-02-01")
    assert overlap["__typename"] == "ValidationProblem", overlap
    assert await balances(api, client) == ("0.00", "100323.97")

    credits = [r for r in await audit_rows(api, clientId=client) if r["entityType"] == "transfer"]
    assert [r["action"] for r in credits] == ["credit_court_funds_interest"]
    runs = await api.data(INTEREST_RUNS, {}, role="auditor", sub="aud")
    assert [e["node"]["total"] for e in runs["courtFundsInterestRuns"]["edges"]] == ["323.97"]
    assert await ledger_sound(api)


async def test_interest_in_2014_at_the_seeds_half_percent(api: Api, session: AsyncSession) -> None:
    client = await deputy_client(api)
    await lodged_on(session, client, 5_000_000, date(2014, 4, 1))
    # a withdrawal mid-period: end-of-day balances by value date
    cid = decode_uuid("Client", client)
    async with unit_of_work(session):
        cms = await ledger.client_account(session, cid)
        cfo = await ledger.client_account(session, cid, AccountKind.CLIENT_COURT_FUNDS)
        await ledger_transfers.post(
            session,
            FUNDER,
            ledger_transfers.Movement(
                cfo.id,
                cms.id,
                1_000_000,
                date(2014, 4, 21),
                Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
                "back for fees",
            ),
        )
    exact = (Fraction(5_000_000) * 20 + Fraction(4_000_000) * 10) * Fraction(1, 2) / 36500
    pence = int(exact + Fraction(1, 2))
    assert pence == 1918  # (100,000,000 + 40,000,000) x 0.5 / 36,500 = 1,917.81
    run = await interest(api, "2014-04-01", "2014-04-30")
    assert run["__typename"] == "CourtFundsInterestRunPayload", run
    assert run["run"]["total"] == "19.18"
    assert await balances(api, client) == ("10000.00", "40019.18")


async def test_a_day_without_a_rate_refuses_the_run(api: Api, session: AsyncSession) -> None:
    client = await deputy_client(api)
    await lodged_on(session, client, 1_000_000, date(2013, 1, 1))
    before = await interest(api, "2014-03-01", "2014-04-30")  # before the seed's figure
    assert before["__typename"] == "PolicyMissingProblem", before
    assert before["name"] == rules.COURT_FUNDS_RATE
    unknown = await interest(api, "2023-01-01", "2023-01-31")  # known to be unknown (R-DATA)
    assert unknown["__typename"] == "PolicyMissingProblem", unknown
    assert await balances(api, client) == ("0.00", "10000.00")
    runs = await api.data(INTEREST_RUNS, {}, **OFFICER)
    assert runs["courtFundsInterestRuns"]["edges"] == []


async def test_an_unfinished_period_is_refused(api: Api) -> None:
    result = await interest(api, "2026-01-01", "2099-01-31")
    assert result["__typename"] == "ValidationProblem"


# --- who may (R-ROLE-1) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["social_worker", "reporting", "auditor", "support_assistant", "integration_sap"]
)
async def test_who_may_not_propose(api: Api, role: str) -> None:
    client = await deputy_client(api)
    body = await api.gql(
        PROPOSE_LODGEMENT,
        {"input": {**proposal(client), "idempotencyKey": new_key()}},
        role=role,
        sub="x",
    )
    assert error_codes(body) == ["FORBIDDEN"], body


@pytest.mark.parametrize("role", ["social_worker", "reporting", "auditor", "integration_controcc"])
async def test_who_may_not_lodge_or_withdraw(api: Api, role: str) -> None:
    client = await deputy_client(api)
    lodgement = await proposed_lodgement(api, client)
    body = await api.gql(LODGE, lodge_variables(lodgement["id"]), role=role, sub="x")
    assert error_codes(body) == ["FORBIDDEN"], body
    variables = withdrawal_variables(client, "1.00", "x")
    body = await api.gql(WITHDRAW, variables, role=role, sub="x")
    assert error_codes(body) == ["FORBIDDEN"], body


@pytest.mark.parametrize("role", ["assistant", "support_assistant", "auditor", "reporting"])
async def test_who_may_not_run_court_funds_interest(api: Api, role: str) -> None:
    variables = interest_variables("2026-01-01", "2026-01-31")
    body = await api.gql(INTEREST, variables, role=role, sub="x")
    assert error_codes(body) == ["FORBIDDEN"], body


@pytest.mark.parametrize("role", ["reporting", "social_worker"])
async def test_who_may_not_read_lodgements(api: Api, role: str) -> None:
    for query in (LODGEMENTS, INTEREST_RUNS):
        body = await api.gql(query, {}, role=role, sub="x")
        assert error_codes(body) == ["FORBIDDEN"], body


async def test_lodgements_page_through_every_one(api: Api) -> None:
    client = await deputy_client(api)
    ids = [(await proposed_lodgement(api, client, f"{25000 + i}.00"))["id"] for i in range(3)]
    first = await api.data(LODGEMENTS, {"client": client, "first": 2}, **OFFICER)
    page = first["lodgements"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.data(
        LODGEMENTS,
        {"client": client, "first": 2, "after": page["pageInfo"]["endCursor"]},
        **OFFICER,
    )
    seen = [e["node"]["id"] for e in page["edges"] + rest["lodgements"]["edges"]]
    # every one once (in one test transaction now() is one instant: the id breaks the tie)
    assert sorted(seen) == sorted(ids)


# --- the surplus rule (issue 9 item 1; R-INV-2, seed 002 B 7.7, 20.2-20.4, R-CARE-2) ----------


async def investment_decisions(api: Api, client_id: str) -> list[dict[str, Any]]:
    data = await api.data(DECISIONS, {"client": client_id}, **GM)
    return [e["node"] for e in data["decisions"]["edges"]]


async def lodgement_statuses(api: Api, client_id: str) -> list[str]:
    listed = await api.data(LODGEMENTS, {"client": client_id}, **OFFICER)
    return [e["node"]["status"] for e in listed["lodgements"]["edges"]]


async def surplus_context(api: Api, decision_id: str) -> dict[str, Any]:
    data = await api.data(SURPLUS_CONTEXT, {"id": decision_id}, **GM)
    found: dict[str, Any] = data["decision"]
    return found


@pytest.mark.parametrize(("plan", "surplus"), [("a", "4295.15"), ("b", "21425.75")])
async def test_the_seeds_plans_a_and_b_are_under_the_threshold_and_refused(
    api: Api, session: AsyncSession, plan: str, surplus: str
) -> None:
    """issue 9 item 1, R-INV-2, seed 002 B 7.7 and R-BUD-3: plan A's surplus (4,295.15) and plan
    B's (21,425.75 corrected; 22,205.75 as printed) are under £25,000: not 10,000.00, nor the
    surplus itself, goes to the Court Funds Office; nothing is written."""
    client = await deputy_client(api, surplus=None)
    seed = await with_seed_plan(api, client, plan)
    assert seed["surplus"] == surplus
    await fund(session, client, 4_000_000)
    for amount in ("10000.00", surplus):
        p = refused(await propose_lodgement(api, client, amount), "SURPLUS_BELOW_THRESHOLD")
        assert (p["planId"], p["planYearStart"], p["surplus"], p["threshold"]) == (
            seed["id"],
            plan_year_now(),
            surplus,
            "25000.00",
        )
        assert (p["committed"], p["remainingSurplus"], p["wanted"]) == ("0.00", surplus, amount)
        assert "R-INV-2" in p["message"]
    assert await lodgement_statuses(api, client) == []
    assert await investment_decisions(api, client) == []  # no decision raised either


async def test_a_client_without_an_approved_plan_is_refused(api: Api) -> None:
    """issue 9 item 1, R-INV-2, R-CARE-2: no plan, or a plan not (yet) approved, gives no
    surplus to lodge."""
    client = await deputy_client(api, surplus=None)
    none = refused(await propose_lodgement(api, client), "NO_APPROVED_PLAN")
    assert (none["planId"], none["surplus"], none["remainingSurplus"], none["threshold"]) == (
        None,
        None,
        None,
        "25000.00",
    )
    plan = await record_plan(api, surplus_plan_input(client, "200000.00"))
    recorded = refused(await propose_lodgement(api, client), "NO_APPROVED_PLAN")
    assert (recorded["planId"], recorded["surplus"]) == (plan["id"], "200000.00")
    data = await api.data(SUBMIT_PLAN, submit_plan_variables(plan["id"]), **PROPOSER)
    assert data["submitBudgetPlan"]["plan"]["approvalStatus"] == "RAISED"
    refused(await propose_lodgement(api, client), "NO_APPROVED_PLAN")  # awaiting approval
    approved = await approve_as(api, data["submitBudgetPlan"]["plan"]["decisionId"])
    assert approved["__typename"] == "DecisionPayload", approved
    assert (await proposed_lodgement(api, client))["status"] == "PROPOSED"


async def test_the_seeds_plan_c_lodges_up_to_its_surplus_and_no_further(
    api: Api, session: AsyncSession
) -> None:
    """issue 9 item 1, R-INV-2, seed 002 B 20.4: plan C's surplus is 111,165.39: 120,000.00 and
    111,165.40 are refused, 111,165.39 is proposed, approved and lodged, leaving the year's
    shortfall (42,887.10) in the CMS account; then nothing more."""
    client = await deputy_client(api, surplus=None)
    seed = await with_seed_plan(api, client, "c")
    assert seed["surplus"] == "111165.39"
    await fund(session, client, 15_405_249)  # plan C's opening balance, 154,052.49
    for amount in ("120000.00", "111165.40"):
        p = refused(await propose_lodgement(api, client, amount), "OVER_SURPLUS")
        assert (p["surplus"], p["remainingSurplus"], p["wanted"]) == (
            "111165.39",
            "111165.39",
            amount,
        )
    lodgement = await proposed_lodgement(api, client, "111165.39")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    done = await lodge(api, lodgement["id"])
    assert done["__typename"] == "LodgementPayload", done
    assert await balances(api, client) == ("42887.10", "111165.39")
    more = refused(await propose_lodgement(api, client, "0.01"), "SURPLUS_BELOW_THRESHOLD")
    assert (more["committed"], more["remainingSurplus"]) == ("111165.39", "0.00")
    # R-AUD-1: the proposal and the lodging record the surplus they were judged under
    rows = [r for r in await audit_rows(api, clientId=client) if r["entityType"] == "lodgement"]
    assert [r["action"] for r in rows] == ["propose", "lodge"]
    assert await ledger_sound(api)


@pytest.mark.parametrize(("surplus", "allowed"), [("24999.99", False), ("25000.00", True)])
async def test_the_threshold_in_force_at_its_boundary(
    api: Api, surplus: str, allowed: bool
) -> None:
    """issue 9 item 1, seed 002 B 7.7: "only surplus funds of £25,000.00 and above"."""
    client = await deputy_client(api, surplus=surplus)
    result = await propose_lodgement(api, client, surplus)
    if allowed:
        assert result["__typename"] == "LodgementPayload", result
    else:
        refused(result, "SURPLUS_BELOW_THRESHOLD")


async def test_a_plan_past_its_yearly_review_is_stale_and_refused(api: Api) -> None:
    """issue 9 item 1, R-CARE-2, seed 002 B 7.7 ("reviewed at least annually"): plan C as the
    seed dated it (2014/15), though approved, is stale; so is a plan from a year ago today, while
    one from a day later is not."""
    client = await deputy_client(api, surplus=None)
    seed = await with_seed_plan(api, client, "c", year="2014-04-01")
    p = refused(await propose_lodgement(api, client, "30000.00"), "BUDGET_PLAN_STALE")
    assert (p["planId"], p["planYearStart"], p["planReviewDueOn"], p["surplus"]) == (
        seed["id"],
        "2014-04-01",
        "2015-04-01",
        "111165.39",
    )
    assert "stale" in p["message"]
    year_ago = a_year_before(clock.today())
    other = await deputy_client(api, surplus=None)
    await with_surplus(api, other, "50000.00", year=year_ago.isoformat())
    refused(await propose_lodgement(api, other, "30000.00"), "BUDGET_PLAN_STALE")
    later = await deputy_client(api, surplus=None)
    await with_surplus(api, later, "50000.00", year=(year_ago + timedelta(days=1)).isoformat())
    assert (await propose_lodgement(api, later, "30000.00"))["__typename"] == "LodgementPayload"


async def test_proposals_together_never_exceed_the_surplus(api: Api) -> None:
    """issue 9 item 1, R-INV-2: every lodgement proposed or approved counts against the plan's
    surplus; a refused one no longer does."""
    client = await deputy_client(api, surplus=None)
    await with_seed_plan(api, client, "c")
    first = await proposed_lodgement(api, client, "60000.00")
    over = refused(await propose_lodgement(api, client, "51165.40"), "OVER_SURPLUS")
    assert (over["committed"], over["remainingSurplus"]) == ("60000.00", "51165.39")
    await proposed_lodgement(api, client, "51165.39")
    refused(await propose_lodgement(api, client, "25000.00"), "SURPLUS_BELOW_THRESHOLD")
    refusal = {"id": first["decisionId"], "reason": "keep it at hand", "idempotencyKey": new_key()}
    data = await api.data(REFUSE, {"input": refusal}, **GM)
    assert data["refuseDecision"]["__typename"] == "DecisionPayload"
    assert (await propose_lodgement(api, client, "60000.00"))["__typename"] == "LodgementPayload"


async def test_approval_is_refused_when_the_surplus_has_shrunk_since_the_proposal(
    api: Api,
) -> None:
    """issue 9 item 1, R-INV-2: the governance manager's approval judges the plan in force now:
    after a revision leaves a surplus of 50,000.00, 100,000.00 is refused; the decision stays
    RAISED. The approver sees the surplus, the threshold and the plan (as giftContext)."""
    client = await deputy_client(api, surplus=None)
    seed = await with_seed_plan(api, client, "c")
    lodgement = await proposed_lodgement(api, client, "100000.00")
    seen = (await surplus_context(api, lodgement["decisionId"]))["surplusContext"]
    assert seen == {
        "on": clock.today().isoformat(),
        "planId": seed["id"],
        "planYearStart": plan_year_now(),
        "planReviewDueOn": f"{int(plan_year_now()[:4]) + 1}-04-01",
        "planStale": False,
        "planApproved": True,
        "surplus": "111165.39",
        "thresholdName": "lodgement_surplus_threshold",
        "threshold": "25000.00",
        "thresholdEffectiveFrom": "2014-04-01",
        "committed": "0.00",
        "remainingSurplus": "111165.39",
        "amount": "100000.00",
        "refusal": None,
        "refusalMessage": None,
    }
    revision = await with_surplus(api, client, "50000.00", supersedes=seed["id"])
    result = refused(await approve_as(api, lodgement["decisionId"]), "OVER_SURPLUS")
    assert (result["planId"], result["surplus"], result["wanted"]) == (
        revision["id"],
        "50000.00",
        "100000.00",
    )
    after = await surplus_context(api, lodgement["decisionId"])
    assert after["status"] == "RAISED"
    assert (after["surplusContext"]["planId"], after["surplusContext"]["refusal"]) == (
        revision["id"],
        "OVER_SURPLUS",
    )
    assert await lodgement_statuses(api, client) == ["PROPOSED"]


async def test_lodging_is_refused_when_the_plan_changed_after_approval(
    api: Api, session: AsyncSession
) -> None:
    """issue 9 item 1, R-INV-2: lodge judges the surplus again: a revision awaiting approval
    leaves no approved plan; approved with a smaller surplus, the amount is over it. Nothing
    moves either time."""
    client = await deputy_client(api, surplus=None)
    seed = await with_seed_plan(api, client, "c")
    await fund(session, client, 15_405_249)
    lodgement = await proposed_lodgement(api, client, "100000.00")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    revision = await record_plan(
        api, surplus_plan_input(client, "50000.00") | {"supersedes": seed["id"]}
    )
    refused(await lodge(api, lodgement["id"]), "NO_APPROVED_PLAN")
    await approve_plan(api, revision)
    over = refused(await lodge(api, lodgement["id"]), "OVER_SURPLUS")
    assert (over["surplus"], over["wanted"]) == ("50000.00", "100000.00")
    assert await balances(api, client) == ("154052.49", None)
    assert await lodgement_statuses(api, client) == ["APPROVED"]


async def test_an_investment_plan_decision_that_moves_no_money_is_not_judged(api: Api) -> None:
    """A free-standing INVESTMENT_PLAN decision (no lodgement or placement) has no
    surplusContext and its approval is not refused by the rule: it moves nothing."""
    client = await deputy_client(api, surplus=None)
    raise_ = """
    mutation($input: RaiseDecisionInput!) {
      raiseDecision(input: $input) {
        __typename ... on DecisionPayload { decision { id surplusContext { amount } } }
      }
    }"""
    decision_input = {
        "clientId": client,
        "kind": "INVESTMENT_PLAN",
        "amount": "50000.00",
        "whatWasDecided": "Keep the client's premium bonds",
        "bestInterestsReason": "Prudent to keep (R-INV-5)",
        "consulted": "The client's sister",
        "clientInvolved": True,
    }
    variables = {"input": {**decision_input, "idempotencyKey": new_key()}}
    data = await api.data(raise_, variables, **PROPOSER)
    decision = data["raiseDecision"]["decision"]
    assert decision["surplusContext"] is None
    assert (await approve_as(api, decision["id"]))["__typename"] == "DecisionPayload"


REVERSE = """
mutation($input: ReverseTransferInput!) {
  reverseTransfer(input: $input) {
    __typename ... on Problem { code message }
  }
}
"""


async def reverse(api: Api, transfer_id: str) -> dict[str, Any]:
    variables = {
        "input": {
            "transferId": transfer_id,
            "reason": "sent back by mistake",
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(REVERSE, variables, **RUNNER)
    result: dict[str, Any] = data["reverseTransfer"]
    return result


async def test_money_back_from_the_court_funds_office_is_not_sent_back_by_a_reversal(
    api: Api, session: AsyncSession
) -> None:
    """issue 9 item 1, R-INV-2: every way to the Court Funds Office is guarded: reversing a
    withdrawal would lodge again past the surplus rule, so it is refused."""
    client = await deputy_client(api)
    await lodged_on(session, client, 3_000_000, date(2026, 1, 2))
    back = await withdraw(api, client, "10000.00")
    assert back["__typename"] == "CourtFundsWithdrawalPayload", back
    result = await reverse(api, back["withdrawal"]["transferId"])
    assert (result["__typename"], result["code"]) == ("InvalidStateProblem", "INVALID_STATE")
    assert "R-INV-2" in result["message"]
    assert await balances(api, client) == ("10000.00", "20000.00")

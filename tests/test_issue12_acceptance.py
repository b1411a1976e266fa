"""Issue 12 accepted as a new user would: through the real /graphql endpoint, knowing only the
policy (domain.md R-REF-1..7, R-ORD, R-DEC, R-INV-1, R-ROLE; seed 002 A, B 1-4, B 17-18,
Appendices 2 and 4), schema.graphql, README.md and docs/import.md.

Each "What it must show" bullet of the issue is checked here, and beside it the other doors a
record or a pound might come in by: a held council invoice paid by another path, a caseload
import that skips a rule the mutations keep, a social worker or an integration reading beyond
their own, temporary assistance approved by its own author or beyond its band or repaid beyond
what is owed, and errors that come back untyped.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api, error_codes
from tests.factories import (
    APPROVE_ASSISTANCE,
    KEYED_PROBLEMS,
    PAY_ASSISTANCE,
    PROPOSER,
    REPAY_ASSISTANCE,
    SCAO,
    accepted_referral,
    approve_payment,
    assistance_call,
    assistance_input,
    assistance_step,
    check_all,
    council_invoice,
    days_ago,
    fund,
    invoice_hold_view,
    make_payment,
    new_client,
    new_counterparty,
    new_deputyship,
    new_key,
    outbox_messages,
    paid_assistance,
    raise_payment,
    raised_payment,
    record_appointeeship,
    recorded,
    refer_client,
    referral_accepted_on,
    referral_answers,
    requested_assistance,
    submitted_referral,
    team_messages,
)

SW = "sam.socialworker"
OTHER_SW = "olive.socialworker"
SENIOR = {"role": "senior_officer", "sub": "sol.senior"}
GM = {"role": "governance_manager", "sub": "grace.tgm"}

REFERRAL_FIELDS = """id status missingDocuments reasons clientId client { id } referredBy
  referredAt submissions { version } triages { outcome }"""
REFERRAL_PAYLOAD = f"""__typename ... on ReferralPayload {{ referral {{ {REFERRAL_FIELDS} }} }}
{KEYED_PROBLEMS}"""
SUBMIT = f"""mutation($input: SubmitReferralInput!) {{
  submitReferral(input: $input) {{ {REFERRAL_PAYLOAD} }} }}"""
TRIAGE = f"""mutation($input: TriageReferralInput!) {{
  triageReferral(input: $input) {{ {REFERRAL_PAYLOAD} }} }}"""
REFERRAL = f"query($id: ID!) {{ referral(id: $id) {{ {REFERRAL_FIELDS} }} }}"
REFERRALS = """query { referrals(first: 100) { nodes { id status } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Referral { status clientId referredBy submissions { version } }
  ... on OutboxMessage { recipient payload }
  ... on Invoice { amount }
  ... on Client { reference dateOfBirth appointeeships { id } financialAssessment { status } }
} }"""
CLIENT = """query($id: ID!) { client(id: $id) { id reference dateOfBirth niNumber address { town }
  referredBy appointeeships { id } deputyships { id } financialAssessment { status }
  history { version } } }"""
DEADLINES = """query($state: AppointeeApplicationDeadlineState) {
  appointeeApplicationDeadlines(state: $state, first: 100) {
    nodes { referralId validOn dueOn state } } }"""


async def submit(api: Api, client_id: str, sub: str = SW, **changes: Any) -> dict[str, Any]:
    variables = {
        "input": referral_answers(**changes) | {"clientId": client_id, "idempotencyKey": new_key()}
    }
    data = await api.data(SUBMIT, variables, role="social_worker", sub=sub)
    result: dict[str, Any] = data["submitReferral"]
    return result


async def triage(api: Api, referral_id: str, **who: Any) -> dict[str, Any]:
    variables = {"input": {"referralId": referral_id, "note": "read", "idempotencyKey": new_key()}}
    data = await api.data(TRIAGE, variables, **(who or SENIOR))
    result: dict[str, Any] = data["triageReferral"]
    return result


async def triaged(api: Api, sub: str = SW, **changes: Any) -> dict[str, Any]:
    """A new client referred by ``sub``, the referral submitted (``changes`` over a complete
    and eligible one) and triaged by a senior officer: the referral as the officer reads it."""
    client_id = await refer_client(api, sub)
    done = await submit(api, client_id, sub, **changes)
    assert done["__typename"] == "ReferralPayload", done
    result = await triage(api, done["referral"]["id"])
    assert result["__typename"] == "ReferralPayload", result
    referral: dict[str, Any] = result["referral"]
    return referral


def no_internal_error(body: dict[str, Any]) -> None:
    """Whatever went wrong came back typed: never INTERNAL_ERROR nor a trace."""
    codes = error_codes(body)
    assert "INTERNAL_ERROR" not in codes, body
    assert "Traceback" not in str(body), body


# --- item 1: referrals (R-REF-1..4) ------------------------------------------------------------


async def test_a_complete_and_eligible_referral_is_accepted(api: Api) -> None:
    """R-REF-1..3, seed B 1.7: all four criteria met and every document there."""
    referral = await triaged(api)
    assert (referral["status"], referral["missingDocuments"], referral["reasons"]) == (
        "ACCEPTED",
        [],
        [],
    )


async def test_a_referral_without_the_capacity_assessment_goes_back_saying_exactly_that(
    api: Api,
) -> None:
    """R-REF-3, R-REF-4, seed B 1.6: returned to the referrer listing what is missing, and the
    referrer reads exactly that."""
    docs = ["SS0003_SIGNED", "APPOINTEESHIP_CHECKLIST", "DWP_AWARD_LETTERS", "BANK_STATEMENTS"]
    referral = await triaged(api, documents=docs)
    assert referral["status"] == "RETURNED"
    assert referral["missingDocuments"] == ["MENTAL_CAPACITY_ASSESSMENT"]
    seen = (await api.data(REFERRAL, {"id": referral["id"]}, role="social_worker", sub=SW))[
        "referral"
    ]
    assert seen["status"] == "RETURNED"
    assert seen["missingDocuments"] == ["MENTAL_CAPACITY_ASSESSMENT"]


async def test_capital_at_the_threshold_is_refused_and_a_penny_under_accepted(api: Api) -> None:
    """R-REF-2, seed B 1.1: 'less than £16,000 capital at time of referral'."""
    at = await triaged(api, capitalAtReferral="16000.00")
    assert at["status"] == "REFUSED"
    assert at["reasons"] and any("16,000" in r or "16000" in r for r in at["reasons"]), at
    under = await triaged(api, capitalAtReferral="15999.99")
    assert under["status"] == "ACCEPTED", under


async def test_an_unmet_criterion_is_refused_with_its_reason(api: Api) -> None:
    """R-REF-1, seed B 1.8: refused when a criterion is not met, with the reasons."""
    unmet = {"met": False, "evidence": "daughter holds a lasting power of attorney"}
    referral = await triaged(api, noAppointeeOrPowerOfAttorney=unmet)
    assert referral["status"] == "REFUSED"
    assert referral["reasons"], referral


async def test_the_capital_threshold_is_policy_data_with_an_effective_date(api: Api) -> None:
    """R-REF-2 and R-DATA: the £16,000 is an effective-dated figure, not a literal."""
    data = await api.data(
        'query { policyFigures(name: "referral_capital_threshold") { effectiveFrom money } }',
        role="governance_manager",
    )
    assert {"effectiveFrom": "2014-04-01", "money": "16000.00"} in data["policyFigures"], data


async def test_capital_is_judged_by_the_threshold_in_force_when_it_was_stated(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-REF-2 ('capital at referral'), R-DATA ('keep using the old figure for periods before
    the change'): a referral submitted while £16,000 was in force, triaged after a committee
    raised the threshold, is judged by the £16,000 it was referred under."""
    submitted_on = clock.today()
    client_id = await refer_client(api, SW)
    done = await submit(api, client_id, capitalAtReferral="16000.00")
    assert done["__typename"] == "ReferralPayload", done
    raised_from = submitted_on + timedelta(days=1)
    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('referral_capital_threshold', :on, 2000000, 'PENCE', 'test', 'test')"
        ),
        {"on": raised_from},
    )
    await session.commit()
    today.set(raised_from)
    result = await triage(api, done["referral"]["id"])
    assert result["__typename"] == "ReferralPayload", result
    assert result["referral"]["status"] == "REFUSED", result


async def test_the_referrer_sees_only_their_own_referrals_status_missing_and_reasons(
    api: Api,
) -> None:
    """R-ROLE social_worker, R-REF-4: the referrer reads their own referral's status, what is
    missing and why, and nothing else; another social worker reads nothing of it by any door."""
    referral_id, client_id = await submitted_referral(api, SW)
    own = await api.gql(REFERRAL, {"id": referral_id}, role="social_worker", sub=SW)
    seen = own["data"]["referral"]
    assert seen["status"] == "SUBMITTED"
    for withheld in ("clientId", "client", "referredBy", "referredAt", "submissions", "triages"):
        assert seen[withheld] is None, (withheld, seen)
    # Their client's record: nothing beyond what the referral shows.
    mine = (await api.gql(CLIENT, {"id": client_id}, role="social_worker", sub=SW))["data"]
    if mine is not None and mine["client"] is not None:
        c = mine["client"]
        for withheld in (
            "dateOfBirth",
            "niNumber",
            "address",
            "referredBy",
            "appointeeships",
            "deputyships",
            "financialAssessment",
            "history",
        ):
            assert c[withheld] is None, (withheld, c)
    # Another social worker: not by referral(id:), node(id:), the list, or the client.
    other = await api.gql(REFERRAL, {"id": referral_id}, role="social_worker", sub=OTHER_SW)
    no_internal_error(other)
    assert other["data"] is None or other["data"]["referral"] is None, other
    by_node = await api.gql(NODE, {"id": referral_id}, role="social_worker", sub=OTHER_SW)
    assert by_node["data"]["node"] is None, by_node
    listed = await api.data(REFERRALS, role="social_worker", sub=OTHER_SW)
    assert referral_id not in {n["id"] for n in listed["referrals"]["nodes"]}
    theirs = await api.gql(CLIENT, {"id": client_id}, role="social_worker", sub=OTHER_SW)
    assert theirs["data"] is None or theirs["data"]["client"] is None, theirs
    node_client = await api.gql(NODE, {"id": client_id}, role="social_worker", sub=OTHER_SW)
    assert node_client["data"]["node"] is None, node_client
    # And by node(id:), the referrer's own referral shows no more than referral(id:) does.
    own_node = await api.gql(NODE, {"id": referral_id}, role="social_worker", sub=SW)
    n = own_node["data"]["node"]
    assert n["status"] == "SUBMITTED"
    assert (n["clientId"], n["referredBy"], n["submissions"]) == (None, None, None), n


@pytest.mark.parametrize(
    "query",
    [
        "query { outboxMessages(first: 5) { nodes { id payload } } }",
        "query { appointeeApplicationDeadlines(first: 5) { nodes { referralId } } }",
        "query { deputyshipApplicationDeadlines(first: 5) { nodes { referralId } } }",
        "query { outstandingTemporaryAssistance(first: 5) { nodes { id } } }",
        "query { invoices(first: 5) { nodes { id } } }",
        "query { auditLog(first: 5) { nodes { id } } }",
        "query { approvalQueue(first: 5) { nodes { __typename } } }",
        "query { caseloadSummary { __typename } }",
    ],
)
async def test_a_social_worker_reaches_no_casework_list(api: Api, query: str) -> None:
    """R-ROLE social_worker, R-ROLE-1: only their own referrals' status."""
    body = await api.gql(query, role="social_worker", sub=SW)
    assert error_codes(body) == ["FORBIDDEN"], body


async def test_a_social_worker_reads_no_casework_object_by_node_id(
    api: Api, session: AsyncSession
) -> None:
    """node(id:) is a door to every type: the referrer's own client's hand-off messages and
    council invoice are casework, not their referral's status."""
    _, client_id = await accepted_referral(api, SW)
    client = {"id": client_id}
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council)
    await record_appointeeship(api, client_id)
    messages = await outbox_messages(api, clientId=client_id)
    assert messages, "appointment tells the two teams"
    for object_id in (messages[0]["id"], invoice_id):
        body = await api.gql(NODE, {"id": object_id}, role="social_worker", sub=SW)
        no_internal_error(body)
        data = body.get("data") or {}
        assert data.get("node") is None, body


# --- item 2: the DWP clock across a bank holiday (R-REF-5) -------------------------------------


async def test_valid_on_the_friday_before_the_summer_bank_holiday_due_the_fifth_working_day(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-REF-5, seed B 2.1: valid Friday 28 August 2026; Monday 31 August is the Summer bank
    holiday: working days Tue 1, Wed 2, Thu 3, Fri 4, Mon 7 September; due Monday 7 September,
    still DUE that day and MISSED on Tuesday 8 September, the working day after."""
    referral_id, _ = await accepted_referral(api)
    await referral_accepted_on(session, referral_id, date(2026, 8, 28))
    today.set(date(2026, 9, 7))
    rows = await api.data(DEADLINES, {"state": None}, role="assistant", sub="ash")
    mine = [
        d for d in rows["appointeeApplicationDeadlines"]["nodes"] if d["referralId"] == referral_id
    ]
    assert mine and mine[0]["validOn"] == "2026-08-28"
    assert mine[0]["dueOn"] == "2026-09-07"
    assert mine[0]["state"] == "DUE"
    today.set(date(2026, 9, 8))
    missed = await api.data(DEADLINES, {"state": "MISSED"}, role="assistant", sub="ash")
    assert referral_id in {
        d["referralId"] for d in missed["appointeeApplicationDeadlines"]["nodes"]
    }
    due = await api.data(DEADLINES, {"state": "DUE"}, role="assistant", sub="ash")
    assert referral_id not in {
        d["referralId"] for d in due["appointeeApplicationDeadlines"]["nodes"]
    }


# --- item 3: on appointment (R-REF-7, seed B 4) ------------------------------------------------


async def test_appointment_tells_both_teams_and_holds_the_council_invoice(
    api: Api, today: Any
) -> None:
    """R-REF-7, seed B 4.1, 4.5: the appointeeship, the two hand-off messages and the hold come
    together."""
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council)
    today.set(clock.today() + timedelta(days=60))
    assert (await invoice_hold_view(api, invoice_id))["daysOverdue"] > 0
    first = await record_appointeeship(api, client["id"])
    assert first["__typename"] == "AppointeeshipPayload", first
    appointed = [
        m for m in await team_messages(api, clientId=client["id"]) if m["topic"] == "APPOINTED"
    ]
    assert sorted(m["recipient"] for m in appointed) == ["FINANCIAL_ASSESSMENT", "INCOME_RECOVERY"]
    assert len({m["createdAt"] for m in appointed}) == 1  # one transaction
    view = await invoice_hold_view(api, invoice_id)
    assert (view["onHold"], view["daysOverdue"]) == (True, 0), view


# --- doors to a held council invoice's money (R-REF-7) -----------------------------------------


async def test_a_held_council_invoice_cannot_be_paid_by_any_payment_door(
    api: Api, session: AsyncSession
) -> None:
    """R-REF-7, seed B 4.5: 'blocked pending payment': a payment raised before the hold can be
    neither approved nor made while it holds, and none can be raised."""
    client = await new_client(api)
    await fund(session, api, client, 500_000)
    council = await new_counterparty(api, "COUNCIL")
    early = await council_invoice(api, client, council)
    await check_all(api, early)
    raised_early = await raised_payment(api, early)
    approved_before = await council_invoice(api, client, council)
    await check_all(api, approved_before)
    payment = await raised_payment(api, approved_before)
    ok = await approve_payment(api, payment["id"])
    assert ok["__typename"] == "PaymentPayload", ok
    await record_appointeeship(api, client["id"])
    # Approve the one raised before: refused.
    approving = await approve_payment(api, raised_early["id"])
    assert approving["__typename"] != "PaymentPayload", approving
    # Make the one approved before: refused.
    making = await make_payment(api, payment["id"])
    assert making["__typename"] != "PaymentPayload", making
    # Raise a new one: refused.
    raising = await raise_payment(api, {"invoiceId": early})
    assert raising["__typename"] != "PaymentPayload", raising
    for invoice_id in (early, approved_before):
        assert (await invoice_hold_view(api, invoice_id))["status"] != "PAID"


def care_charge_standing(client: dict[str, str], council: str, category: str) -> dict[str, Any]:
    return {
        "clientId": client["id"],
        "payeeId": council,
        "amount": "100.00",
        "category": category,
        "description": "to the council",
        "standing": True,
    }


async def test_a_held_council_charge_is_not_paid_as_a_standing_payment_to_the_council(
    api: Api, session: AsyncSession
) -> None:
    """R-REF-7, seed B 4.5: while a client's council care charge is held, the same money does
    not leave by a standing payment of care charges to that council (no invoice to ask about
    the hold): neither raised after the hold nor made when raised before it. Another charge of
    the council's (council tax) is not held."""
    client = await new_client(api)
    await fund(session, api, client, 500_000)
    council = await new_counterparty(api, "COUNCIL")
    await council_invoice(api, client, council)
    before = await raise_payment(
        api, care_charge_standing(client, council, "OUT_LOCAL_AUTHORITY_CARE_CHARGES")
    )
    assert before["__typename"] == "PaymentPayload", before
    approved = await approve_payment(api, before["payment"]["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    await record_appointeeship(api, client["id"])
    result = await raise_payment(
        api, care_charge_standing(client, council, "OUT_LOCAL_AUTHORITY_CARE_CHARGES")
    )
    assert result["__typename"] != "PaymentPayload", result
    assert result.get("code") == "INVOICE_ON_HOLD", result
    made = await make_payment(api, before["payment"]["id"])
    assert made["__typename"] != "PaymentPayload", made
    assert made.get("code") == "INVOICE_ON_HOLD", made
    tax = await raise_payment(api, care_charge_standing(client, council, "OUT_COUNCIL_TAX"))
    assert tax["__typename"] == "PaymentPayload", tax


# --- item 4: temporary financial assistance (seed B 4.6-4.7, Appendix 2) ----------------------


async def test_whoever_raised_temporary_assistance_cannot_approve_it(api: Api) -> None:
    """R-ROLE-2: a senior officer who raised the request cannot approve it, nor reject it."""
    client = await new_client(api)
    payee = await new_counterparty(api)
    raised = await requested_assistance(api, client, payee, "50.00", **SCAO)
    result = await assistance_step(api, APPROVE_ASSISTANCE, raised["id"], who=SCAO)
    assert result["__typename"] == "FourEyesProblem", result


async def test_assistance_approval_stays_within_the_financial_plans_band(api: Api) -> None:
    """Appendix 2 (financial plans and budgets: up to £5,000 the SCAO, above the TGM)."""
    client = await new_client(api)
    payee = await new_counterparty(api)
    at = await requested_assistance(api, client, payee, "5000.00")
    ok = await assistance_step(api, APPROVE_ASSISTANCE, at["id"])
    assert ok["__typename"] == "TemporaryAssistancePayload", ok
    over = await requested_assistance(api, client, payee, "5000.01")
    refused = await assistance_step(api, APPROVE_ASSISTANCE, over["id"])
    assert refused["__typename"] == "OverApprovalLimitProblem", refused
    tgm = await assistance_step(api, APPROVE_ASSISTANCE, over["id"], who=GM)
    assert tgm["__typename"] == "TemporaryAssistancePayload", tgm
    forbidden = await api.gql(
        APPROVE_ASSISTANCE,
        {"input": {"id": over["id"], "idempotencyKey": new_key()}},
        **PROPOSER,
    )
    assert error_codes(forbidden) == ["FORBIDDEN"], forbidden


async def test_assistance_is_repaid_no_further_than_owed_nor_beyond_the_balance(
    api: Api, session: AsyncSession
) -> None:
    """B 4.6-4.7, R-PAY-3: repaid from the client's funds, never more than outstanding and
    never below zero."""
    client = await new_client(api)
    payee = await new_counterparty(api)
    assistance = await paid_assistance(api, client, payee, "300.00")
    await fund(session, api, client, 20_000)  # £200.00
    beyond_balance = await assistance_step(api, REPAY_ASSISTANCE, assistance["id"], amount="250.00")
    assert beyond_balance["__typename"] == "InsufficientFundsProblem", beyond_balance
    await fund(session, api, client, 100_000)
    beyond_owed = await assistance_step(api, REPAY_ASSISTANCE, assistance["id"], amount="300.01")
    assert beyond_owed["__typename"] in {"ValidationProblem", "InvalidStateProblem"}, beyond_owed
    whole = await assistance_step(api, REPAY_ASSISTANCE, assistance["id"], amount="300.00")
    assert whole["__typename"] == "TemporaryAssistancePayload", whole
    assert whole["temporaryAssistance"]["status"] == "REPAID"
    more = await assistance_step(api, REPAY_ASSISTANCE, assistance["id"], amount="0.01")
    assert more["__typename"] != "TemporaryAssistancePayload", more


async def test_assistance_not_yet_paid_is_not_repaid_and_not_paid_twice(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api)
    requested = await requested_assistance(api, client, payee, "40.00")
    early = await assistance_step(api, REPAY_ASSISTANCE, requested["id"], amount="10.00")
    assert early["__typename"] == "InvalidStateProblem", early
    unapproved = await assistance_step(
        api, PAY_ASSISTANCE, requested["id"], paidOn=days_ago(0), paymentReference="X"
    )
    assert unapproved["__typename"] == "InvalidStateProblem", unapproved
    paid = await paid_assistance(api, client, payee, "40.00")
    twice = await assistance_step(
        api, PAY_ASSISTANCE, paid["id"], paidOn=days_ago(0), paymentReference="X2"
    )
    assert twice["__typename"] == "InvalidStateProblem", twice


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "99999999999999.99"])
async def test_assistance_of_no_negative_or_huge_amount_is_a_typed_problem(
    api: Api, amount: str
) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api)
    body = await api.gql(
        REQUEST_ASSISTANCE_DOC,
        {"input": assistance_input(client, payee, amount)},
        **PROPOSER,
    )
    no_internal_error(body)
    if "errors" not in body:
        assert body["data"]["requestTemporaryAssistance"]["__typename"] == "ValidationProblem"


REQUEST_ASSISTANCE_DOC = """mutation($input: RequestTemporaryAssistanceInput!) {
  requestTemporaryAssistance(input: $input) { __typename } }"""


async def test_paid_on_in_the_future_is_refused(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api)
    requested = await requested_assistance(api, client, payee, "40.00")
    await assistance_step(api, APPROVE_ASSISTANCE, requested["id"])
    future = (clock.today() + timedelta(days=3)).isoformat()
    result = await assistance_call(
        api,
        PAY_ASSISTANCE,
        {
            "id": requested["id"],
            "paidOn": future,
            "paymentReference": "F",
            "idempotencyKey": new_key(),
        },
        **SCAO,
    )
    assert result["__typename"] == "ValidationProblem", result


# --- item 5: the caseload import keeps every rule the mutations keep -----------------------------

IMPORT = """mutation($input: ImportCaseloadInput!) { importCaseload(input: $input) {
  __typename
  ... on ImportCaseloadPayload { replayed openingTotal files { file created alreadyPresent } }
  ... on ImportRefusedProblem { code more rows { file row column reason } }
  ... on ValidationProblem { code fields { field message } }
  ... on IdempotencyKeyReusedProblem { code }
} }"""
LEDGER_CHECK = "query { ledgerCheck { sound sumOfAllBalances accountsOutOfBalance } }"
CLIENTS_HEADER = "reference,given_name,family_name,date_of_birth,situation\n"
ACCOUNTS_HEADER = "client_reference,account,opening_balance\n"
DEPUTY_HEADER = (
    "client_reference,case_number,order_date,supervision_type,receive_income,manage_accounts,"
    "manage_capital,sell_property,let_property,make_gifts,gift_yearly_limit\n"
)
INVOICE_HEADER = (
    "client_reference,supplier,supplier_kind,supplier_invoice_number,invoice_date,amount,kind,"
    "category,description\n"
)
APPOINTEE_HEADER = "client_reference,start_date,dwp_reference\n"


def ref(tag: str) -> str:
    """A reference of the old system's form, new in each test."""
    return f"OLD-{tag}-{new_key()[:8]}".upper()


def a_client(reference: str, given: str = "Agnes") -> str:
    return f"{reference},{given},Import{reference[-8:].lower()},1940-01-02,RESIDENTIAL_CARE\n"


async def run_import(api: Api, **files: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "cutOver": "2014-04-30",
            "counterparty": "Legacy caseload system (acceptance)",
            "idempotencyKey": new_key(),
        }
        | files
    }
    body = await api.gql(IMPORT, variables, **GM)
    no_internal_error(body)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importCaseload"]
    return result


def refused_rows(result: dict[str, Any]) -> set[tuple[str, int, str]]:
    assert result["__typename"] == "ImportRefusedProblem", result
    return {(r["file"], r["row"], r["column"]) for r in result["rows"]}


async def test_a_second_import_of_the_same_files_writes_nothing_and_the_ledger_sums_to_zero(
    api: Api,
) -> None:
    """Issue 12 item 5, R-ACC-2: once only; opening balances from a named counterparty."""
    r = ref("A")
    files = {
        "clients": CLIENTS_HEADER + a_client(r),
        "accounts": ACCOUNTS_HEADER + f"{r},CMS,1234.56\n{r},CASH,10.00\n",
    }
    first = await run_import(api, **files)
    assert first["__typename"] == "ImportCaseloadPayload", first
    assert first["openingTotal"] in {"1244.56", "1234.56"}
    again = await run_import(api, **files)
    assert again["__typename"] == "ImportCaseloadPayload", again
    assert all(f["created"] == 0 for f in again["files"]), again
    check = (await api.data(LEDGER_CHECK, role="auditor", sub="audrey"))["ledgerCheck"]
    assert check["sound"] is True and check["sumOfAllBalances"] == "0.00", check


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("{r},CMS,-5.00", "opening_balance"),  # R-PAY-3: never below zero
        ("{r},CMS,999999999999.99", "opening_balance"),  # beyond amount_maximum
        ("{r},CMS,12.5", "opening_balance"),  # two decimals
        ("{r},SAVINGS,10.00", "account"),  # CMS, CASH or COURT_FUNDS only (R-ACC-1)
    ],
)
async def test_an_opening_balance_the_ledger_would_refuse_is_a_bad_row(
    api: Api, line: str, column: str
) -> None:
    r = ref("B")
    result = await run_import(
        api, clients=CLIENTS_HEADER + a_client(r), accounts=ACCOUNTS_HEADER + line.format(r=r)
    )
    assert ("ACCOUNTS", 2, column) in refused_rows(result), result


async def test_a_client_twice_in_the_file_is_refused(api: Api) -> None:
    """Issue 9 item 7: the same name and date of birth under two references."""
    r1, r2 = ref("C"), ref("C")
    same = f"{r2},Agnes,Import{r1[-8:].lower()},1940-01-02,RESIDENTIAL_CARE\n"
    result = await run_import(api, clients=CLIENTS_HEADER + a_client(r1) + same)
    assert result["__typename"] == "ImportRefusedProblem", result
    assert any(row["file"] == "CLIENTS" for row in result["rows"])


@pytest.mark.parametrize(
    ("reference", "column"),
    [("X" * 41, "reference")],
)
async def test_a_reference_of_the_wrong_form_is_refused(
    api: Api, reference: str, column: str
) -> None:
    body = CLIENTS_HEADER + f"{reference},Agnes,Longref,1940-01-02,COMMUNITY\n"
    result = await run_import(api, clients=body)
    assert ("CLIENTS", 2, column) in refused_rows(result), result


async def test_a_client_born_in_the_future_is_refused(api: Api) -> None:
    r = ref("D")
    future = (clock.today() + timedelta(days=10)).isoformat()
    result = await run_import(
        api, clients=CLIENTS_HEADER + f"{r},Agnes,Future,{future},COMMUNITY\n"
    )
    assert ("CLIENTS", 2, "date_of_birth") in refused_rows(result), result


async def test_an_order_the_mutations_refuse_is_refused_by_the_import(api: Api) -> None:
    """R-ORD-1: a gift limit needs the power to make gifts; an order dated in the future is no
    order; R-ORD-3: the OPG's four supervision types."""
    r1, r2, r3 = ref("E"), ref("E"), ref("E")
    future = (clock.today() + timedelta(days=10)).isoformat()
    clients = CLIENTS_HEADER + a_client(r1, "Ann") + a_client(r2, "Bea") + a_client(r3, "Cat")
    deputyships = (
        DEPUTY_HEADER
        + f"{r1},11111111,2013-05-20,2,Y,Y,Y,N,N,N,250.00\n"
        + f"{r2},11111112,{future},2,Y,Y,Y,N,N,N,\n"
        + f"{r3},11111113,2013-05-20,4,Y,Y,Y,N,N,N,\n"
    )
    result = await run_import(api, clients=clients, deputyships=deputyships)
    rows = refused_rows(result)
    assert ("DEPUTYSHIPS", 2, "gift_yearly_limit") in rows, result
    assert ("DEPUTYSHIPS", 3, "order_date") in rows, result
    assert ("DEPUTYSHIPS", 4, "supervision_type") in rows, result


async def test_an_appointeeship_starting_in_the_future_is_refused(api: Api) -> None:
    r = ref("F")
    future = (clock.today() + timedelta(days=10)).isoformat()
    result = await run_import(
        api,
        clients=CLIENTS_HEADER + a_client(r),
        appointeeships=APPOINTEE_HEADER + f"{r},{future},DWP-1\n",
    )
    assert ("APPOINTEESHIPS", 2, "start_date") in refused_rows(result), result


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ("2014-04-01,0.00,SUPPLIER,OUT_GAS,Gas", "amount"),
        ("2014-04-01,-3.00,SUPPLIER,OUT_GAS,Gas", "amount"),
        ("2014-04-01,10.00,SUPPLIER,OUT_DEPUTY_FEES,Fees", "category"),
        ("2014-04-01,10.00,SUPPLIER,OUT_GIFTS,A gift", "category"),
        ("2014-04-01,10.00,SUPPLIER,OUT_GAS,", "description"),
        ("2099-04-01,10.00,SUPPLIER,OUT_GAS,Gas", "invoice_date"),
    ],
)
async def test_an_invoice_the_invoice_checks_refuse_is_refused(
    api: Api, cells: str, column: str
) -> None:
    """R-PAY-2 and the categories that have their own door (R-OPG-1, R-DEC-3, R-FEE)."""
    r = ref("G")
    result = await run_import(
        api,
        clients=CLIENTS_HEADER + a_client(r),
        invoices=INVOICE_HEADER + f"{r},British Gas,SUPPLIER,BG-{r},{cells}\n",
    )
    assert ("INVOICES", 2, column) in refused_rows(result), result


async def test_one_invoice_number_twice_in_the_file_is_refused(api: Api) -> None:
    """R-PAY-2: not a duplicate."""
    r = ref("H")
    line = f"{r},British Gas,SUPPLIER,BG-DUP-{r},2014-04-01,10.00,SUPPLIER,OUT_GAS,Gas\n"
    other = f"{r},British Gas,SUPPLIER,BG-DUP-{r},2014-04-02,11.00,SUPPLIER,OUT_GAS,Gas\n"
    result = await run_import(
        api, clients=CLIENTS_HEADER + a_client(r), invoices=INVOICE_HEADER + line + other
    )
    assert result["__typename"] == "ImportRefusedProblem", result


async def test_an_opening_balance_is_not_added_to_a_client_already_holding_money(
    api: Api, session: AsyncSession
) -> None:
    """R-ACC-2, R-ACC-7: a client already on the books with money in their CMS account is not
    given a second, opening balance by an import: that would be money the bank never had."""
    client = await new_client(api)
    await fund(session, api, client, 10_000)
    reference = (
        await api.data(
            "query($id: ID!) { client(id: $id) { reference givenName familyName dateOfBirth "
            "situation } }",
            {"id": client["id"]},
        )
    )["client"]
    line = (
        f"{reference['reference']},{reference['givenName']},{reference['familyName']},"
        f"{reference['dateOfBirth']},{reference['situation']}\n"
    )
    result = await run_import(
        api,
        clients=CLIENTS_HEADER + line,
        accounts=ACCOUNTS_HEADER + f"{reference['reference']},CMS,500.00\n",
    )
    assert result["__typename"] == "ImportRefusedProblem", result


@pytest.mark.parametrize(
    "role", ["senior_officer", "head_of_service", "integration_sap", "social_worker", "auditor"]
)
async def test_only_the_governance_manager_imports(api: Api, role: str) -> None:
    variables = {
        "input": {
            "cutOver": "2014-04-30",
            "counterparty": "x",
            "clients": CLIENTS_HEADER,
            "idempotencyKey": new_key(),
        }
    }
    body = await api.gql(IMPORT, variables, role=role, sub="someone")
    assert error_codes(body) == ["FORBIDDEN"], body


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"clients": ""}, True),
        ({"clients": "\x00\x01garbage"}, True),
        ({"clients": CLIENTS_HEADER + "A,B"}, True),
        ({"counterparty": ""}, True),
        ({"statementBalance": "99999999999999999.99"}, True),
        ({"cutOver": "1800-01-01"}, False),  # nothing to import: typed either way
        ({"statementBalance": "-1.00"}, False),  # no accounts file: nothing to check
    ],
)
async def test_a_malformed_import_is_a_typed_problem(
    api: Api, changes: dict[str, Any], refused: bool
) -> None:
    variables = {
        "input": {
            "cutOver": "2014-04-30",
            "counterparty": "Legacy",
            "clients": CLIENTS_HEADER,
            "idempotencyKey": new_key(),
        }
        | changes
    }
    body = await api.gql(IMPORT, variables, **GM)
    no_internal_error(body)
    if refused and "errors" not in body:
        assert body["data"]["importCaseload"]["__typename"] != "ImportCaseloadPayload", body


# --- the integrations see their own messages and nothing of casework (R-ROLE) -----------------


@pytest.mark.parametrize("role", ["integration_sap", "integration_controcc"])
async def test_an_integration_reads_no_team_message_and_no_casework(api: Api, role: str) -> None:
    client = await new_client(api)
    await record_appointeeship(api, client["id"])
    team_messages = await outbox_messages(api, clientId=client["id"])
    assert team_messages
    own = await api.data(
        "query { outboxMessages(first: 100) { nodes { id recipient } } }", role=role, sub="sys"
    )
    recipients = {m["recipient"] for m in own["outboxMessages"]["nodes"]}
    assert recipients <= {role.removeprefix("integration_").upper()}, recipients
    node = await api.gql(NODE, {"id": team_messages[0]["id"]}, role=role, sub="sys")
    no_internal_error(node)
    assert (node.get("data") or {}).get("node") is None, node
    deliver = await api.gql(
        """mutation($input: RecordOutboxMessageSentInput!) {
          recordOutboxMessageSent(input: $input) { __typename } }""",
        {"input": {"id": team_messages[0]["id"], "idempotencyKey": new_key()}},
        role=role,
        sub="sys",
    )
    no_internal_error(deliver)
    if "errors" not in deliver:
        assert deliver["data"]["recordOutboxMessageSent"]["__typename"] != "OutboxMessagePayload"
    for query in (
        "query { referrals(first: 5) { nodes { id } } }",
        "query { appointeeApplicationDeadlines(first: 5) { nodes { referralId } } }",
        "query { outstandingTemporaryAssistance(first: 5) { nodes { id } } }",
        "query { clients(first: 5) { nodes { id } } }",
    ):
        body = await api.gql(query, role=role, sub="sys")
        assert error_codes(body) == ["FORBIDDEN"], (query, body)
    body = await api.gql(CLIENT, {"id": client["id"]}, role=role, sub="sys")
    assert error_codes(body) == ["FORBIDDEN"], body


# --- errors come back typed, never INTERNAL_ERROR ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (REFERRAL, {"id": "nonsense"}),
        (REFERRAL, {"id": ""}),
        (NODE, {"id": "!!!"}),
        (
            "query($f: OutboxMessageFilter) { outboxMessages(filter: $f) { nodes { id } } }",
            {"f": {"clientId": "bad"}},
        ),
        (
            "query($id: ID!) { temporaryAssistance(id: $id) { id } }",
            {"id": "VGVtcG9yYXJ5QXNzaXN0YW5jZTpub3BlCg"},
        ),
        (
            "query($id: ID) { outstandingTemporaryAssistance(clientId: $id) { nodes { id } } }",
            {"id": "Q2xpZW50Ojk5"},
        ),
        (
            "query($id: ID!) { deputyshipNotices(deputyshipId: $id) { nodes { clientId } } }",
            {"id": "x"},
        ),
    ],
)
async def test_a_bad_id_is_a_typed_error(api: Api, query: str, variables: dict[str, Any]) -> None:
    body = await api.gql(query, variables, role="senior_officer", sub="olu")
    no_internal_error(body)
    assert "GRAPHQL_VALIDATION_FAILED" not in error_codes(body), body  # the test's own query


async def test_bad_referral_input_is_a_validation_problem(api: Api) -> None:
    client_id = await refer_client(api, SW)
    for changes in (
        {"capitalAtReferral": "-1.00"},
        {"capitalAtReferral": "99999999999999999.99"},
        {"docs": [{"kind": "SS0003_SIGNED", "reference": ""}]},
        {"socialCareEligible": {"met": True, "evidence": ""}},
    ):
        docs = changes.pop("docs", None)
        answers = referral_answers(**changes) | ({"documents": docs} if docs else {})
        variables = {"input": answers | {"clientId": client_id, "idempotencyKey": new_key()}}
        body = await api.gql(SUBMIT, variables, role="social_worker", sub=SW)
        no_internal_error(body)
        if "errors" not in body:
            kind = body["data"]["submitReferral"]["__typename"]
            assert kind == "ValidationProblem", (changes, body)


async def test_a_referral_for_another_social_workers_client_is_not_submitted(api: Api) -> None:
    """R-ROLE social_worker: only their own referrals."""
    client_id = await refer_client(api, SW)
    result = await submit(api, client_id, OTHER_SW)
    assert result["__typename"] != "ReferralPayload", result


async def test_the_referrer_does_not_triage_their_own_referral(api: Api) -> None:
    referral_id, _ = await submitted_referral(api, SW)
    body = await api.gql(
        TRIAGE,
        {"input": {"referralId": referral_id, "note": "mine", "idempotencyKey": new_key()}},
        role="social_worker",
        sub=SW,
    )
    assert error_codes(body) == ["FORBIDDEN"], body


SENT = """mutation($input: RecordAppointeeApplicationSentInput!) {
  recordAppointeeApplicationSent(input: $input) { __typename } }"""
DWP_DECISION = """mutation($input: RecordDwpDecisionInput!) {
  recordDwpDecision(input: $input) { __typename ... on Problem { code message } } }"""


async def test_an_application_sent_in_the_future_is_refused(api: Api) -> None:
    referral_id, _ = await accepted_referral(api)
    future = (clock.today() + timedelta(days=2)).isoformat()
    body = await api.gql(
        SENT,
        {"input": {"referralId": referral_id, "sentOn": future, "idempotencyKey": new_key()}},
        role="assistant",
        sub="ash",
    )
    no_internal_error(body)
    assert body["data"]["recordAppointeeApplicationSent"]["__typename"] == "ValidationProblem"


async def test_the_dwp_decision_does_not_link_another_clients_appointeeship(api: Api) -> None:
    """R-REF-5: the appointeeship the DWP's decision creates is the referred client's own."""
    referral_id, _ = await accepted_referral(api)
    await api.data(
        SENT,
        {
            "input": {
                "referralId": referral_id,
                "sentOn": clock.today().isoformat(),
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash",
    )
    stranger = await new_client(api)
    theirs = await record_appointeeship(api, stranger["id"])
    assert theirs["__typename"] == "AppointeeshipPayload", theirs
    body = await api.gql(
        DWP_DECISION,
        {
            "input": {
                "referralId": referral_id,
                "outcome": "APPOINTED",
                "decidedOn": clock.today().isoformat(),
                "appointeeshipId": theirs["appointeeship"]["id"],
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash",
    )
    no_internal_error(body)
    assert body["data"]["recordDwpDecision"]["__typename"] != "AppointeeApplicationPayload", body


# --- more doors of the referral -------------------------------------------------------------------

REFER = """mutation($input: ReferClientInput!) { referClient(input: $input) {
  __typename ... on ClientPayload { client { id reference } }
  ... on Problem { code message } ... on ValidationProblem { fields { field message } } } }"""
RESUBMIT = f"""mutation($input: ResubmitReferralInput!) {{
  resubmitReferral(input: $input) {{ {REFERRAL_PAYLOAD} }} }}"""


async def test_a_social_worker_does_not_refer_a_client_the_team_took_on_directly(
    api: Api,
) -> None:
    """R-ROLE social_worker: a referral is of a person they referred, not of any client."""
    client = await new_client(api)
    result = await submit(api, client["id"], SW)
    assert result["__typename"] != "ReferralPayload", result


async def test_referring_a_person_already_on_the_books_tells_the_social_worker_nothing_of_them(
    api: Api,
) -> None:
    """R-ROLE social_worker sees only their own referrals: a likely duplicate is refused without
    naming the other client's reference, name or date of birth."""
    person = {
        "givenName": "Winifred",
        "familyName": f"Wadhurst{new_key()[:6]}",
        "dateOfBirth": "1939-02-03",
        "situation": "COMMUNITY",
    }
    officer = await api.data(
        """mutation($input: CreateClientInput!) { createClient(input: $input) {
          __typename ... on ClientPayload { client { reference } } } }""",
        {"input": person | {"idempotencyKey": new_key()}},
        role="head_of_service",
        sub="setup",
    )
    reference = officer["createClient"]["client"]["reference"]
    body = await api.gql(
        REFER, {"input": person | {"idempotencyKey": new_key()}}, role="social_worker", sub=SW
    )
    no_internal_error(body)
    assert reference not in str(body), body


async def test_a_referral_is_resubmitted_only_by_its_referrer_and_only_when_returned(
    api: Api,
) -> None:
    """R-REF-4: a resubmission continues the same referral; nobody else's; not once accepted."""
    docs = ["SS0003_SIGNED", "APPOINTEESHIP_CHECKLIST", "DWP_AWARD_LETTERS", "BANK_STATEMENTS"]
    returned = await triaged(api, SW, documents=docs)
    assert returned["status"] == "RETURNED"
    variables = {
        "input": referral_answers() | {"referralId": returned["id"], "idempotencyKey": new_key()}
    }
    other = await api.gql(RESUBMIT, variables, role="social_worker", sub=OTHER_SW)
    no_internal_error(other)
    if "errors" not in other:
        assert other["data"]["resubmitReferral"]["__typename"] != "ReferralPayload", other
    variables["input"]["idempotencyKey"] = new_key()
    own = (await api.data(RESUBMIT, variables, role="social_worker", sub=SW))["resubmitReferral"]
    assert own["__typename"] == "ReferralPayload", own
    assert own["referral"]["id"] == returned["id"]
    accepted = await triage(api, returned["id"])
    assert accepted["referral"]["status"] == "ACCEPTED", accepted
    variables["input"]["idempotencyKey"] = new_key()
    again = (await api.data(RESUBMIT, variables, role="social_worker", sub=SW))["resubmitReferral"]
    assert again["__typename"] == "InvalidStateProblem", again


async def test_the_referrer_reads_none_of_their_clients_notices_or_deadlines(api: Api) -> None:
    _, client_id = await accepted_referral(api, SW)
    for query, variables in (
        (
            "query($id: ID!) { deputyshipNotices(deputyshipId: $id) { nodes { clientId } } }",
            {"id": client_id},
        ),
        ("query($id: ID!) { clientAccounts(clientId: $id) { balance } }", {"id": client_id}),
        (
            "query($id: ID) { outstandingTemporaryAssistance(clientId: $id) { nodes { id } } }",
            {"id": client_id},
        ),
        ("query($id: ID!) { budgetPlans(clientId: $id) { nodes { id } } }", {"id": client_id}),
        ("query($id: ID!) { investments(clientId: $id) { kind } }", {"id": client_id}),
    ):
        body = await api.gql(query, variables, role="social_worker", sub=SW)
        assert error_codes(body) == ["FORBIDDEN"], (query, body)


async def test_sap_cannot_pay_a_held_council_charge_either(api: Api, session: AsyncSession) -> None:
    """R-REF-7: SAP raises payments of its own invoices; not of one on hold."""
    client = await new_client(api)
    await fund(session, api, client, 500_000)
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council)
    await check_all(api, invoice_id)
    await record_appointeeship(api, client["id"])
    result = await raise_payment(api, {"invoiceId": invoice_id}, role="integration_sap", sub="sap")
    assert result["__typename"] != "PaymentPayload", result
    assert result.get("code") == "INVOICE_ON_HOLD", result


async def test_a_page_too_large_or_negative_is_a_typed_error(api: Api) -> None:
    for first in (100000, -1):
        body = await api.gql(
            "query($n: Int) { outboxMessages(first: $n) { nodes { id } } }",
            {"n": first},
            role="senior_officer",
            sub="olu",
        )
        no_internal_error(body)
        body = await api.gql(
            "query($n: Int) { referrals(first: $n) { nodes { id } } }",
            {"n": first},
            role="social_worker",
            sub=SW,
        )
        no_internal_error(body)


# --- the Court of Protection clock beside the DWP's (R-REF-6) ---------------------------------

DEPUTY_DEADLINES = """query { deputyshipApplicationDeadlines(first: 100) {
  nodes { referralId known startsOn dueOn state } } }"""


async def test_a_deputyship_application_is_due_with_the_dwp_one_where_accounts_are_known(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-REF-6, seed B 2.2, 3.1: bank accounts known at referral: the deputyship application is
    due at the same time as the appointeeship's, across the same bank holiday."""
    with_accounts, _ = await accepted_referral(api, bankAccountsKnown=True)
    without, _ = await accepted_referral(
        api, bankAccountsKnown=False, privateIncomeKnown=False, propertyKnown=False
    )
    for rid in (with_accounts, without):
        await referral_accepted_on(session, rid, date(2026, 8, 28))
    today.set(date(2026, 9, 7))
    nodes = (await api.data(DEPUTY_DEADLINES, role="assistant", sub="ash"))[
        "deputyshipApplicationDeadlines"
    ]["nodes"]
    mine = {d["referralId"]: d for d in nodes}
    assert without not in mine, mine.get(without)
    d = mine[with_accounts]
    assert (d["startsOn"], d["dueOn"], d["state"]) == ("2026-08-28", "2026-09-07", "DUE"), d
    assert "BANK_ACCOUNTS" in d["known"]


async def test_a_dwp_decision_dated_in_the_future_is_refused(api: Api) -> None:
    referral_id, _ = await accepted_referral(api)
    await api.data(
        SENT,
        {
            "input": {
                "referralId": referral_id,
                "sentOn": clock.today().isoformat(),
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash",
    )
    body = await api.gql(
        DWP_DECISION,
        {
            "input": {
                "referralId": referral_id,
                "outcome": "REFUSED",
                "decidedOn": (clock.today() + timedelta(days=5)).isoformat(),
                "reason": "not yet",
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash",
    )
    no_internal_error(body)
    assert body["data"]["recordDwpDecision"]["__typename"] == "ValidationProblem", body


async def test_a_message_is_not_acknowledged_before_it_is_sent(api: Api) -> None:
    """R-REF-7: each hand-off tracked as sent, then acknowledged."""
    client = await new_client(api)
    await record_appointeeship(api, client["id"])
    message = (await outbox_messages(api, clientId=client["id"]))[0]
    body = await api.gql(
        """mutation($input: RecordOutboxMessageAcknowledgedInput!) {
          recordOutboxMessageAcknowledged(input: $input) { __typename } }""",
        {"input": {"id": message["id"], "idempotencyKey": new_key()}},
        **SCAO,
    )
    no_internal_error(body)
    kind = body["data"]["recordOutboxMessageAcknowledged"]["__typename"]
    assert kind == "InvalidStateProblem", body


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("{r},SHARES,Lloyds,10,999999999999.99,2014-04-30,Safe 1,", "valuation"),
        ("{r},SHARES,Lloyds,10,10.00,2099-04-30,Safe 1,", "valued_on"),
        ("{r},SHARES,Lloyds,10,10.00,,Safe 1,", "valued_on"),
        ("{r},SHARES,Lloyds,10,,,,", "documents_held_at"),
    ],
)
async def test_an_investment_the_register_refuses_is_refused(
    api: Api, line: str, column: str
) -> None:
    """R-INV-5: documents held securely; a valuation needs its date, never in the future."""
    r = ref("I")
    header = "client_reference,kind,holder,units,valuation,valued_on,documents_held_at,note\n"
    result = await run_import(
        api, clients=CLIENTS_HEADER + a_client(r), investments=header + line.format(r=r)
    )
    rows = refused_rows(result)
    assert any(f == "INVESTMENTS" and n == 2 for f, n, _ in rows), result
    assert ("INVESTMENTS", 2, column) in rows or ("INVESTMENTS", 2, "valuation") in rows, result


# --- text that PostgreSQL cannot store, or too much of it ---------------------------------------


@pytest.mark.parametrize("text_value", ["nul\x00inside", "x" * 100_000])
async def test_text_postgres_cannot_store_or_too_long_is_a_typed_problem(
    api: Api, text_value: str
) -> None:
    """Bad input is a typed problem, nothing half-written (house rules): a NUL character (which
    PostgreSQL's text refuses) or a very long text in the referral, its triage note, temporary
    assistance and a hold's release reason."""
    client_id = await refer_client(api, SW)
    answers = referral_answers(socialCareEligible={"met": True, "evidence": text_value})
    body = await api.gql(
        SUBMIT,
        {"input": answers | {"clientId": client_id, "idempotencyKey": new_key()}},
        role="social_worker",
        sub=SW,
    )
    no_internal_error(body)
    referral_id, _ = await submitted_referral(api, SW)
    body = await api.gql(
        TRIAGE,
        {"input": {"referralId": referral_id, "note": text_value, "idempotencyKey": new_key()}},
        **SENIOR,
    )
    no_internal_error(body)
    client = await new_client(api)
    payee = await new_counterparty(api)
    body = await api.gql(
        REQUEST_ASSISTANCE_DOC,
        {"input": assistance_input(client, payee, "10.00", purpose=text_value)},
        **PROPOSER,
    )
    no_internal_error(body)
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council)
    await record_appointeeship(api, client["id"])
    body = await api.gql(
        """mutation($input: ReleaseInvoiceHoldInput!) {
          releaseInvoiceHold(input: $input) { __typename } }""",
        {"input": {"invoiceId": invoice_id, "reason": text_value, "idempotencyKey": new_key()}},
        **SCAO,
    )
    no_internal_error(body)
    body = await api.gql(
        REFER,
        {
            "input": {
                "givenName": text_value,
                "familyName": "N",
                "dateOfBirth": "1940-01-01",
                "situation": "COMMUNITY",
                "idempotencyKey": new_key(),
            }
        },
        role="social_worker",
        sub=SW,
    )
    no_internal_error(body)


async def test_money_with_the_court_funds_office_is_brought_in_only_for_a_deputy(api: Api) -> None:
    """R-INV-2, seed B 20: only a deputy lodges a client's money with the Court Funds Office
    (proposeLodgement refuses an appointee's); an import does not bring in Court Funds money for
    an appointee-only client, nor for one with no order; a deputy's comes in."""
    appointee, nobody, deputy = ref("J"), ref("J"), ref("J")
    clients = CLIENTS_HEADER + a_client(appointee, "Amy") + a_client(nobody, "Ned")
    clients += a_client(deputy, "Dot")
    appointeeships = APPOINTEE_HEADER + f"{appointee},2012-06-01,DWP-9\n"
    deputyships = DEPUTY_HEADER + f"{deputy},22222222,2013-05-20,2,Y,Y,Y,N,N,N,\n"
    accounts = ACCOUNTS_HEADER + (
        f"{appointee},COURT_FUNDS,1000.00\n{nobody},COURT_FUNDS,1000.00\n"
        f"{deputy},COURT_FUNDS,1000.00\n"
    )
    result = await run_import(
        api,
        clients=clients,
        appointeeships=appointeeships,
        deputyships=deputyships,
        accounts=accounts,
    )
    rows = refused_rows(result)
    assert ("ACCOUNTS", 2, "account") in rows, result
    assert ("ACCOUNTS", 3, "account") in rows, result
    assert not any(f == "ACCOUNTS" and n == 4 for f, n, _ in rows), result


# --- registering a deputy order with every organisation (R-ORD-2) --------------------------------

RECORD_INVESTMENT = """mutation($input: RecordExistingInvestmentInput!) {
  recordExistingInvestment(input: $input) { __typename } }"""
NOTICES = """query($id: ID!) { deputyshipNotices(deputyshipId: $id, first: 100) {
  nodes { name kind source } } }"""


async def test_a_deputy_order_lists_the_clients_suppliers_for_notice(api: Api) -> None:
    """R-ORD-2, seed B 3.4: every organisation the client deals with is told of the order; a
    supplier whose invoice is on the books is one."""
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER", name=f"Southern Water {new_key()[:6]}")
    await recorded_invoice(api, client, supplier)
    order = await new_deputyship_of(api, client["id"])
    names = {n["name"] for n in await notices_of(api, order)}
    assert any(n.startswith("Southern Water") for n in names), names


async def test_the_holder_of_an_existing_investment_is_told_of_the_deputy_order(
    api: Api,
) -> None:
    client = await new_client(api)
    holder = f"NS&I Premium Bonds {new_key()[:6]}"
    done = await api.data(
        RECORD_INVESTMENT,
        {
            "input": {
                "clientId": client["id"],
                "kind": "BONDS",
                "holder": holder,
                "documentsHeldAt": "Safe 3",
            }
        },
        **PROPOSER,
    )
    assert done["recordExistingInvestment"]["__typename"] == "ExistingInvestmentPayload", done
    order = await new_deputyship_of(api, client["id"])
    names = {n["name"] for n in await notices_of(api, order)}
    assert holder in names, names


async def recorded_invoice(api: Api, client: dict[str, str], supplier: str) -> None:
    await recorded(api, client, supplier)


async def new_deputyship_of(api: Api, client_id: str) -> str:
    return str((await new_deputyship(api, client_id))["id"])


async def notices_of(api: Api, deputyship_id: str) -> list[dict[str, Any]]:
    data = await api.data(NOTICES, {"id": deputyship_id}, role="assistant", sub="ash")
    nodes: list[dict[str, Any]] = data["deputyshipNotices"]["nodes"]
    return nodes


async def test_only_a_valid_referral_starts_the_dwp_clock(api: Api) -> None:
    """R-REF-5: 'from a valid referral': a returned or refused referral has no deadline."""
    docs = ["SS0003_SIGNED", "APPOINTEESHIP_CHECKLIST", "DWP_AWARD_LETTERS", "BANK_STATEMENTS"]
    returned = await triaged(api, documents=docs)
    refused = await triaged(api, capitalAtReferral="20000.00")
    accepted = await triaged(api)
    rows = await api.data(DEADLINES, {"state": None}, role="assistant", sub="ash")
    ids = {d["referralId"] for d in rows["appointeeApplicationDeadlines"]["nodes"]}
    assert accepted["id"] in ids
    assert returned["id"] not in ids and refused["id"] not in ids


async def test_temporary_assistance_for_a_client_whose_funds_have_arrived(
    api: Api, session: AsyncSession
) -> None:
    """Seed B 4.6: assistance is 'until such time as funds become available'. Probe: a client
    with money in their own account; what the service answers is recorded, not judged."""
    client = await new_client(api)
    await fund(session, api, client, 1_000_000)
    payee = await new_counterparty(api)
    body = await api.gql(
        REQUEST_ASSISTANCE_DOC, {"input": assistance_input(client, payee, "50.00")}, **PROPOSER
    )
    no_internal_error(body)


async def test_the_referrer_learns_the_outcome_of_their_referral_not_the_orders(
    api: Api,
) -> None:
    """R-ROLE social_worker, R-REF-4: the referrer sees their referral's status, and its outcome
    is the council's legal role for the person (APPOINTEE once the DWP appoints it): that much
    they need to arrange care; the orders behind it (dates, powers, case numbers) are withheld."""
    _, client_id = await accepted_referral(api, SW)
    await record_appointeeship(api, client_id)
    body = await api.gql(
        "query($id: ID!) { client(id: $id) { legalRole appointeeships { id } } }",
        {"id": client_id},
        role="social_worker",
        sub=SW,
    )
    client = (body.get("data") or {}).get("client") or {}
    assert client.get("appointeeships") is None
    assert client.get("legalRole") == "APPOINTEE", body

"""Acceptance tests for issue 13 (a client's death), written from the policy and the schema as
the council's testers would: R-DEATH-1..4, R-FEE-5, R-DEBT-1, the R-DATA bona vacantia row, seed
002 B 29.1-29.6 and the checked-in schema.graphql. Everything user-visible goes through /graphql;
only money that came in long before the death (a pension, a Court Funds lodgement) is put in place
through the shared builders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    APPROVE_ASSISTANCE,
    ESTATE_FIELDS,
    ESTATE_OFFICER,
    KEYED_PROBLEMS,
    RECORD_EVENT,
    REPAY_ASSISTANCE,
    REQUEST_ASSISTANCE,
    SCAO,
    WIND_UP_FEE_PENCE,
    accounts,
    add_institution,
    add_product,
    amend_client,
    approve_as,
    approve_payment,
    assistance_call,
    assistance_input,
    assistance_step,
    benefit_overpayments,
    check_all,
    confirm_death,
    confirmed_death,
    create_client,
    days_ago,
    decision_input,
    deputy_client,
    estate_ready,
    fund,
    fund_for_lodgement,
    ledger_sound,
    lodge,
    make,
    make_payment,
    moved_to_court_funds,
    new_client,
    new_counterparty,
    new_key,
    new_payer,
    notify_everyone,
    paid_assistance,
    placement_fund,
    placement_input,
    proposed,
    proposed_lodgement,
    raise_decision,
    raise_payment,
    record_appointeeship,
    record_death,
    record_deputyship,
    record_receipt,
    recorded,
    request_overpayment_repayment,
    requested_assistance,
    run_fees,
    scalar,
    standing,
)

SUPPORT = {"role": "support_assistant", "sub": "sam.support"}
OTHER_SCAO = {"role": "senior_officer", "sub": "sue.scao"}

# --- the mutations as a new user selects them from schema.graphql -----------------------------

CHARGE_FEE = f"""
mutation($input: ChargeWindUpFeeInput!) {{
  chargeWindUpFee(input: $input) {{
    __typename
    ... on WindUpFeePayload {{ replayed windUpFee {{ amount figureEffectiveFrom transferId }} }}
    ... on InsufficientFundsProblem {{ available wanted }}
    ... on PolicyMissingProblem {{ name }}
    {KEYED_PROBLEMS}
  }}
}}
"""
CLAIMANT = f"""
mutation($input: RecordEstateClaimantInput!) {{
  recordEstateClaimant(input: $input) {{
    __typename
    ... on EstatePayload {{ replayed estate {{ {ESTATE_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
REFERRAL = f"""
mutation($input: RecordTreasurySolicitorReferralInput!) {{
  recordTreasurySolicitorReferral(input: $input) {{
    __typename
    ... on EstatePayload {{ replayed estate {{ {ESTATE_FIELDS} }} }}
    ... on PolicyMissingProblem {{ name }}
    {KEYED_PROBLEMS}
  }}
}}
"""
RAISE_ESTATE = f"""
mutation($input: RaiseEstatePaymentInput!) {{
  raiseEstatePayment(input: $input) {{
    __typename
    ... on EstatePaymentPayload {{
      replayed estate {{ {ESTATE_FIELDS} }}
      payment {{ id status amount windingUpBasis payee {{ id name kind }} }}
    }}
    ... on PolicyMissingProblem {{ name }}
    {KEYED_PROBLEMS}
  }}
}}
"""
CLOSE_CASE = f"""
mutation($input: CloseWoundUpCaseInput!) {{
  closeWoundUpCase(input: $input) {{
    __typename
    ... on EstatePayload {{ replayed client {{ id status situation }} estate {{ stage closed }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
ESTATE = f"query($c: ID!) {{ estate(clientId: $c) {{ {ESTATE_FIELDS} }} }}"
WITHDRAW = f"""
mutation($input: WithdrawFromCourtFundsInput!) {{
  withdrawFromCourtFunds(input: $input) {{
    __typename
    {KEYED_PROBLEMS}
  }}
}}
"""
WOUND_UP_LIST = """
query($after: String) {
  clientsBeingWoundUp(first: 100, after: $after) {
    edges { node {
      client { id status situation }
      death { diedOn status }
      daysSinceDeath
      outstanding { step count amount detail }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
AUDIT = """
query($filter: AuditLogFilter, $after: String) {
  auditLog(filter: $filter, first: 100, after: $after) {
    edges { node { action entityType entityId principal after } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DEATH_OF = """query($id: ID!) { client(id: $id) { id status situation
  death { diedOn status windUpFee { amount figureEffectiveFrom } } } }"""


# --- small helpers (this file's own) ----------------------------------------------------------


def day(d: date, n: int = 0) -> str:
    return (d + timedelta(days=n)).isoformat()


async def call(api: Api, mutation: str, input: dict[str, Any], who: dict[str, str]) -> Any:
    """The one result of a mutation (payload or problem), with a fresh key unless given."""
    data = await api.data(mutation, {"input": {"idempotencyKey": new_key(), **input}}, **who)
    return next(iter(data.values()))


async def charge_fee(api: Api, client_id: str, key: str | None = None) -> Any:
    return await call(
        api, CHARGE_FEE, {"clientId": client_id, "idempotencyKey": key or new_key()}, SCAO
    )


async def raise_estate(
    api: Api, client_id: str, key: str | None = None, who: dict[str, str] = ESTATE_OFFICER
) -> Any:
    return await call(
        api, RAISE_ESTATE, {"clientId": client_id, "idempotencyKey": key or new_key()}, who
    )


async def close_case(api: Api, client_id: str, key: str | None = None) -> Any:
    return await call(
        api, CLOSE_CASE, {"clientId": client_id, "idempotencyKey": key or new_key()}, SCAO
    )


async def estate_of(api: Api, client_id: str) -> dict[str, Any]:
    data = await api.data(ESTATE, {"c": client_id}, role="auditor", sub="audrey")
    result: dict[str, Any] = data["estate"]
    return result


async def executor(api: Api, client_id: str, died_on: date, **kw: Any) -> Any:
    return await call(
        api,
        CLAIMANT,
        {
            "clientId": client_id,
            "kind": "EXECUTOR",
            "name": "Edith Executor",
            "willReference": "WILL/2019/77",
            "willDated": day(died_on, -2000),
            **kw,
        },
        ESTATE_OFFICER,
    )


async def refer_to_treasury_solicitor(api: Api, client_id: str, key: str | None = None) -> Any:
    return await call(
        api,
        REFERRAL,
        {
            "clientId": client_id,
            "referredOn": clock.today().isoformat(),
            "reference": "BV/2026/0042",
            "idempotencyKey": key or new_key(),
        },
        ESTATE_OFFICER,
    )


async def approve_and_make(api: Api, payment_id: str, who: dict[str, str] = SCAO) -> dict[str, Any]:
    approved = await approve_payment(api, payment_id, **who)
    assert approved["__typename"] == "PaymentPayload", approved
    made = await make_payment(api, payment_id)
    assert made["__typename"] == "PaymentPayload", made
    payment: dict[str, Any] = made["payment"]
    assert payment["status"] == "MADE", payment
    return payment


async def wound_up(api: Api, client_id: str) -> dict[str, Any] | None:
    """The client's entry in clientsBeingWoundUp, or None."""
    after = None
    while True:
        data = await api.data(WOUND_UP_LIST, {"after": after}, **SCAO)
        conn = data["clientsBeingWoundUp"]
        for edge in conn["edges"]:
            if edge["node"]["client"]["id"] == client_id:
                node: dict[str, Any] = edge["node"]
                return node
        if not conn["pageInfo"]["hasNextPage"]:
            return None
        after = conn["pageInfo"]["endCursor"]


async def steps(api: Api, client_id: str) -> dict[str, dict[str, Any]]:
    node = await wound_up(api, client_id)
    assert node is not None
    return {o["step"]: o for o in node["outstanding"]}


async def audit_of(api: Api, client_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        data = await api.data(
            AUDIT, {"filter": {"clientId": client_id}, "after": after}, role="auditor", sub="audrey"
        )
        conn = data["auditLog"]
        rows += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return rows
        after = conn["pageInfo"]["endCursor"]


async def money_rows(db: RolledBackDatabase) -> int:
    """Every row that records money moving or committed: transfers, payments, holds."""
    return int(
        await scalar(
            db,
            "SELECT (SELECT count(*) FROM transfer) + (SELECT count(*) FROM payment)",
        )
    )


# --- 1. the worked case of "What it must show" ------------------------------------------------


async def test_worked_case_from_death_to_closure(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """A deputy client with money in the CMS account and a Court Funds lodgement dies; a benefit
    paid two days past the death is held and repaid on the DWP's request; the invoice dated before
    the death is paid (R-DEATH-2, B 29.2), the one after it queried; the fee waits for the invoice
    (R-FEE-5, B 29.4); the Court Funds money comes home; the estate goes to the executor
    (R-DEATH-3, B 29.3); every balance ends at zero; every letter sent; the case closed;
    every step audited; the ledger sound."""
    today = clock.today()
    died = today - timedelta(days=10)
    client = await new_client(api)
    cid = client["id"]
    dep = await record_deputyship(api, cid, orderDate=day(died, -400))
    assert dep["__typename"] == "DeputyshipPayload", dep
    dwp = await new_payer(api, "DWP")
    # Money long before the death: a pension, and £2,000.00 lodged with the Court Funds Office.
    pension = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": dwp,
            "amount": "3000.00",
            "valueDate": day(died, -60),
            "method": "BANK_TRANSFER",
            "benefit": "STATE_PENSION",
            "periodStart": day(died, -87),
            "periodEnd": day(died, -60),
        },
    )
    assert pension["__typename"] == "ReceiptPayload", pension
    await moved_to_court_funds(session, cid, 200_000, died - timedelta(days=50))
    assert (await accounts(api, cid))["CLIENT_COURT_FUNDS"]["balance"] == "2000.00"

    # The death: recorded by one officer, confirmed by another (four eyes).
    recorded_death = await record_death(api, cid, died.isoformat(), **SCAO)
    assert recorded_death["__typename"] == "DeathPayload", recorded_death
    same = await confirm_death(api, cid, **SCAO)
    assert same["__typename"] == "FourEyesProblem", same
    done = await confirm_death(api, cid, **OTHER_SCAO)
    assert done["__typename"] == "DeathPayload", done
    assert done["client"]["situation"] == "DECEASED_WINDING_UP"
    assert done["death"]["status"] == "CONFIRMED"

    # A benefit received two days after the death, for 28 days of which two fall after it.
    benefit = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": dwp,
            "amount": "280.00",
            "valueDate": day(died, 2),
            "method": "BANK_TRANSFER",
            "benefit": "ATTENDANCE_ALLOWANCE",
            "periodStart": day(died, -25),
            "periodEnd": day(died, 2),
        },
    )
    assert benefit["__typename"] == "ReceiptPayload", benefit
    [overpayment] = await benefit_overpayments(api, cid)
    assert overpayment["receipt"]["id"] == benefit["receipt"]["id"]
    assert overpayment["daysAfterDeath"] == 2
    assert overpayment["amountFlagged"] == "20.00"
    assert overpayment["heldNow"] == "20.00"
    cms = (await accounts(api, cid))["CLIENT_CMS"]
    assert cms == {"balance": "1280.00", "available": "1260.00"}  # the 20.00 cannot be spent

    # Two invoices: one dated before the death, one after (queried by the service).
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await check_all(
        api,
        (await recorded(api, client, supplier, invoiceDate=day(died, -5), amount="120.00"))["id"],
    )
    after = await recorded(api, client, supplier, invoiceDate=day(died, 1), amount="45.00")
    after_view = await api.data(
        "query($id: ID!) { invoice(id: $id) { datedAfterDeath events { event } } }",
        {"id": after["id"]},
        **SCAO,
    )
    assert after_view["invoice"]["datedAfterDeath"] is True
    assert "QUERIED" in [e["event"] for e in after_view["invoice"]["events"]]
    await check_all(api, after["id"])
    as_debt = await raise_payment(
        api, {"invoiceId": after["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert as_debt["__typename"] != "PaymentPayload", as_debt  # after death: never a debt

    # The fee is refused while the earlier invoice is unpaid, with the reason; nothing taken.
    too_soon = await charge_fee(api, cid)
    assert too_soon["__typename"] == "InvalidStateProblem", too_soon
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "1280.00"
    # ... and the estate before the fee.
    estate_first = await raise_estate(api, cid)
    assert estate_first["__typename"] != "EstatePaymentPayload", estate_first

    # The earlier invoice paid as a debt to the date of death, approved by a second officer.
    paid = await raise_payment(
        api, {"invoiceId": before["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert paid["__typename"] == "PaymentPayload", paid
    await approve_and_make(api, paid["payment"]["id"])
    # The later one, queried, is cancelled: not the client's debt (R-DEATH-2).
    cancelled = await api.data(
        RECORD_EVENT,
        {"input": {"invoiceId": after["id"], "event": "CANCELLED", "note": "after the death"}},
        **ESTATE_OFFICER,
    )
    assert cancelled["recordInvoiceEvent"]["__typename"] == "InvoicePayload", cancelled

    # The fee now taken (the figure in force on the date of death), once.
    fee_key = new_key()
    fee = await charge_fee(api, cid, fee_key)
    assert fee["__typename"] == "WindUpFeePayload", fee
    assert fee["windUpFee"]["amount"] == "375.00"
    again = await charge_fee(api, cid, fee_key)
    assert again["__typename"] == "WindUpFeePayload" and again["replayed"] is True, again
    other_key = await charge_fee(api, cid)
    assert other_key["__typename"] != "WindUpFeePayload", other_key  # once per client
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "785.00"  # 1280-120-375

    # The DWP asks for the overpayment back: repaid, linked to the receipt it returns.
    request_key = new_key()
    asked = await request_overpayment_repayment(
        api, [overpayment["overpaymentId"]], "20.00", key=request_key
    )
    assert asked["__typename"] == "OverpaymentRepaymentPayload", asked
    assert asked["request"]["overpayments"][0]["receipt"]["id"] == benefit["receipt"]["id"]
    assert asked["payment"]["windingUpBasis"] == "REPAYMENT"
    assert asked["payment"]["payee"]["id"] == dwp
    asked_again = await request_overpayment_repayment(
        api, [overpayment["overpaymentId"]], "20.00", key=request_key
    )
    assert asked_again["replayed"] is True
    assert asked_again["payment"]["id"] == asked["payment"]["id"]
    await approve_and_make(api, asked["payment"]["id"])
    [repaid] = await benefit_overpayments(api, cid)
    assert repaid["outstanding"] is False
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "765.00"

    # The estate waits for the Court Funds money to come home (issue 13 item 5).
    claimant = await executor(api, cid, died)
    assert claimant["__typename"] == "EstatePayload", claimant
    away = await raise_estate(api, cid)
    assert away["__typename"] != "EstatePaymentPayload", away
    home = await call(
        api,
        WITHDRAW,
        {
            "clientId": cid,
            "amount": "2000.00",
            "reason": "the estate: money home before it is paid",
        },
        SCAO,
    )
    assert home["__typename"] == "CourtFundsWithdrawalPayload", home
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "2765.00"

    # The estate to the executor (route EXECUTOR), approved by a second officer, made.
    estate_key = new_key()
    raised = await raise_estate(api, cid, estate_key, OTHER_SCAO)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["estate"]["payment"]["route"] == "EXECUTOR"
    assert raised["payment"]["amount"] == "2765.00"
    assert raised["payment"]["windingUpBasis"] == "ESTATE"
    assert (await raise_estate(api, cid, estate_key, OTHER_SCAO))["replayed"] is True
    self_approved = await approve_payment(api, raised["payment"]["id"], **OTHER_SCAO)
    assert self_approved["__typename"] == "FourEyesProblem", self_approved
    await approve_and_make(api, raised["payment"]["id"])
    for kind, account in (await accounts(api, cid)).items():
        assert account["balance"] == "0.00", (kind, account)

    # The notification list (R-DEATH-1, B 29.1); the solicitor holding the will added by hand;
    # the council's teams told through the outbox.
    solicitor = await call(
        api,
        """mutation($input: AddDeathNotificationInput!) { addDeathNotification(input: $input) {
             __typename } }""",
        {"clientId": cid, "recipient": "WILL_SOLICITOR", "organisationName": "Wills & Co LLP"},
        ESTATE_OFFICER,
    )
    assert solicitor["__typename"] == "DeathNotificationPayload", solicitor
    listed = await api.data(
        """query($c: ID!) { deathNotifications(clientId: $c, first: 100) {
             edges { node { recipient organisationName channel outboxMessageId } } } }""",
        {"c": cid},
        **SCAO,
    )
    items = [e["node"] for e in listed["deathNotifications"]["edges"]]
    recipients = {n["recipient"] for n in items}
    assert {
        "COURT_OF_PROTECTION",  # the council is deputy
        "DWP",
        "CARE_MANAGEMENT",
        "SERVICE_AGREEMENT_TEAM",
        "INCOME_RECOVERY",
        "FINANCIAL_ASSESSMENT",
        "HOUSING_BENEFIT",
        "COMPANY",  # the supplier the ledger shows
        "COURT_FUNDS_OFFICE",  # money was lodged
        "SOCIAL_WORKER",
        "WILL_SOLICITOR",
    } <= recipients, recipients
    teams = [n for n in items if n["recipient"] in ("CARE_MANAGEMENT", "INCOME_RECOVERY")]
    assert all(n["channel"] == "COUNCIL_TEAM" and n["outboxMessageId"] for n in teams), teams

    # Not closed while a letter is outstanding; then every one sent, the case closed, once.
    early = await close_case(api, cid)
    assert early["__typename"] == "InvalidStateProblem", early
    await notify_everyone(api, cid)
    assert (await steps(api, cid)) == {}
    close_key = new_key()
    closed = await close_case(api, cid, close_key)
    assert closed["__typename"] == "EstatePayload", closed
    assert closed["client"]["status"] == "CLOSED"
    assert closed["estate"]["closed"] is True
    assert (await close_case(api, cid, close_key))["replayed"] is True
    assert await wound_up(api, cid) is None

    # Every step in the client's audit trail (R-AUD-1); the ledger sound throughout.
    trail = await audit_of(api, cid)
    actions = {row["action"] for row in trail}
    assert {
        "record",  # the death, the receipts
        "confirm",
        "flag",  # the overpayment
        "queried",  # the invoice after the death
        "raise",
        "approve",
        "make",
        "cancelled",
        "charge_wind_up_fee",
        "request_repayment",
        "withdraw",  # Court Funds home
        "record_claimant",
        "raise_estate_payment",
        "close",
    } <= actions, sorted(actions)
    assert all(row["principal"] for row in trail)
    assert await ledger_sound(api)


# --- 2. the estate threshold both ways (R-DEATH-4, B 29.5-29.6), and an executor (R-DEATH-3) ----


async def test_estate_of_exactly_500_with_no_claimant_is_kept_by_the_council_as_income(
    api: Api, session: AsyncSession
) -> None:
    """B 29.5: '£500 and below' with no next of kin or executor is kept by the council."""
    client = await estate_ready(api, session, 50_000)
    cid = client["id"]
    referral = await refer_to_treasury_solicitor(api, cid)
    assert referral["__typename"] != "EstatePayload", referral  # not over the limit: no referral
    key = new_key()
    raised = await raise_estate(api, cid, key)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    payment = raised["estate"]["payment"]
    assert payment["route"] == "KEPT_BY_COUNCIL"
    assert payment["amount"] == "500.00"
    assert payment["smallEstateLimit"] == "500.00"
    assert raised["payment"]["windingUpBasis"] == "ESTATE"
    assert raised["payment"]["payee"]["kind"] == "COUNCIL"  # booked as the service's income
    replay = await raise_estate(api, cid, key)
    assert replay["replayed"] is True and replay["payment"]["id"] == raised["payment"]["id"]
    await approve_and_make(api, raised["payment"]["id"])
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "0.00"
    assert (await estate_of(api, cid))["stage"] == "PAID"
    assert await ledger_sound(api)


async def test_estate_a_penny_over_500_with_no_claimant_goes_to_the_treasury_solicitor(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """B 29.6: over £500 with no next of kin or executor: referred (Bona Vacantia), then paid to
    the Treasury Solicitor; refused until the referral is recorded, with nothing written."""
    client = await estate_ready(api, session, 50_001)
    cid = client["id"]
    assert (await estate_of(api, cid))["stage"] == "AWAITING_REFERRAL"
    written = await money_rows(db)
    unreferred = await raise_estate(api, cid)
    assert unreferred["__typename"] == "InvalidStateProblem", unreferred
    assert await money_rows(db) == written
    ref_key = new_key()
    referral = await refer_to_treasury_solicitor(api, cid, ref_key)
    assert referral["__typename"] == "EstatePayload", referral
    assert referral["estate"]["referral"]["reference"] == "BV/2026/0042"
    assert (await refer_to_treasury_solicitor(api, cid, ref_key))["replayed"] is True
    twice = await refer_to_treasury_solicitor(api, cid)
    assert twice["__typename"] != "EstatePayload", twice  # once
    raised = await raise_estate(api, cid)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["estate"]["payment"]["route"] == "TREASURY_SOLICITOR"
    assert raised["payment"]["amount"] == "500.01"
    assert raised["payment"]["payee"]["kind"] != "COUNCIL"
    await approve_and_make(api, raised["payment"]["id"])
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "0.00"
    assert await ledger_sound(api)


@pytest.mark.parametrize("pence", [1, 50_000, 50_001, 12_345_678])
async def test_an_executor_takes_the_estate_whatever_its_size(
    api: Api, session: AsyncSession, pence: int
) -> None:
    """R-DEATH-3, B 29.3: with an executor (a valid will) the estate is theirs, small or large,
    never kept by the council nor referred."""
    client = await estate_ready(api, session, pence)
    cid = client["id"]
    died = clock.today() - timedelta(days=10)
    claimant = await executor(api, cid, died)
    assert claimant["__typename"] == "EstatePayload", claimant
    raised = await raise_estate(api, cid)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["estate"]["payment"]["route"] == "EXECUTOR"
    assert raised["payment"]["amount"] == (await accounts(api, cid))["CLIENT_CMS"]["balance"]
    payee = raised["payment"]["payee"]
    assert payee["name"] == "Edith Executor"
    await approve_and_make(
        api,
        raised["payment"]["id"],
        SCAO if pence < 500_000 else {"role": "head_of_service", "sub": "hari.head"},
    )
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "0.00"
    assert await ledger_sound(api)


async def test_next_of_kin_take_a_large_estate_and_no_referral_is_wanted(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 900_000)
    cid = client["id"]
    kin = await call(
        api,
        CLAIMANT,
        {
            "clientId": cid,
            "kind": "NEXT_OF_KIN",
            "name": "Nora Niece",
            "relationship": "niece",
            "evidence": "birth certificates seen",
        },
        ESTATE_OFFICER,
    )
    assert kin["__typename"] == "EstatePayload", kin
    assert (await refer_to_treasury_solicitor(api, cid))["__typename"] != "EstatePayload"
    raised = await raise_estate(api, cid)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["estate"]["payment"]["route"] == "NEXT_OF_KIN"
    assert raised["payment"]["amount"] == "9000.00"


async def test_an_executor_without_a_will_reference_is_refused(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 10_000)
    died = clock.today() - timedelta(days=10)
    no_will = await executor(api, client["id"], died, willReference=None)
    assert no_will["__typename"] == "ValidationProblem", no_will
    after_death = await executor(api, client["id"], died, willDated=day(died, 1))
    assert after_death["__typename"] == "ValidationProblem", after_death
    assert (await estate_of(api, client["id"]))["claimant"] is None


# --- 3. spending after death refused, typed, nothing written (B 29, issue 13 item 1) -----------

MONEY_TABLES = (
    "transfer",
    "payment",
    "payment_event",
    "decision",
    "decision_event",
    "lodgement_lodged",
    "placement_event",
    "temporary_assistance",
    "temporary_assistance_event",
    "temporary_assistance_repayment",
    "fee_charge",
    "wind_up_fee",
    "estate_payment",
    "receipt",
    "client_version",
)


async def written(db: RolledBackDatabase) -> dict[str, int]:
    return {t: int(await scalar(db, f"SELECT count(*) FROM {t}")) for t in MONEY_TABLES}


def is_problem(result: dict[str, Any]) -> bool:
    return str(result.get("__typename", "")).endswith("Problem")


async def deceased(api: Api, session: AsyncSession, pence: int = 500_000) -> dict[str, str]:
    """A client with money, whose death three days ago is confirmed."""
    client = await new_client(api)
    if pence:
        await fund(session, api, client, pence)
    await confirmed_death(api, client["id"], days_ago(3))
    return client


async def test_payments_of_every_kind_without_a_winding_up_basis_are_refused(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await deceased(api, session)
    cid = client["id"]
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await check_all(
        api, (await recorded(api, client, supplier, invoiceDate=days_ago(20)))["id"]
    )
    before = await written(db)
    attempts = [
        {"invoiceId": invoice["id"]},  # a debt, but no basis said
        standing(cid, supplier, "50.00"),  # a standing payment
        standing(cid, supplier, "50.00") | {"windingUpBasis": "ESTATE"},  # the estate by hand
        standing(cid, supplier, "375.00") | {"windingUpBasis": "WIND_UP_FEE"},  # the fee by hand
        standing(cid, supplier, "50.00") | {"windingUpBasis": "DEBT_BEFORE_DEATH"},  # no invoice
    ]
    for attempt in attempts:
        for method in (None, "BANK_TRANSFER", "CHEQUE"):
            result = await raise_payment(api, attempt, method=method)
            assert is_problem(result), (attempt, method, result)
    assert await written(db) == before


async def test_a_repayment_by_hand_to_a_supplier_is_refused(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """REPAYMENT is a benefit overpayment back to the paying agency or temporary assistance back
    to the council (schema: WindingUpBasis.REPAYMENT): not a way to pay anyone else."""
    client = await deceased(api, session)
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await written(db)
    result = await raise_payment(
        api, standing(client["id"], supplier, "250.00") | {"windingUpBasis": "REPAYMENT"}
    )
    assert is_problem(result), result
    assert await written(db) == before


async def test_an_invoice_before_death_is_paid_only_as_a_debt_not_as_funeral_costs(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await deceased(api, session)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await check_all(
        api, (await recorded(api, client, supplier, invoiceDate=days_ago(20)))["id"]
    )
    before = await written(db)
    for basis in ("FUNERAL", "REPAYMENT", "ESTATE", "WIND_UP_FEE"):
        result = await raise_payment(api, {"invoiceId": invoice["id"], "windingUpBasis": basis})
        assert is_problem(result), (basis, result)
    assert await written(db) == before


async def test_a_standing_payment_approved_in_life_is_not_made_after_death(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """Standing payments stop at death (issue 13 item 1)."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    raised = await raise_payment(api, standing(client["id"], supplier, "60.00"))
    assert raised["__typename"] == "PaymentPayload", raised
    pid = raised["payment"]["id"]
    assert (await approve_payment(api, pid))["__typename"] == "PaymentPayload"
    await confirmed_death(api, client["id"], days_ago(2))
    made = await make_payment(api, pid)
    assert made["__typename"] != "PaymentPayload" or made["payment"]["status"] != "MADE", made
    assert (await accounts(api, client["id"]))["CLIENT_CMS"]["balance"] == "1000.00"


async def test_a_payment_raised_in_life_is_not_approved_after_death_without_a_basis(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    raised = await raise_payment(api, standing(client["id"], supplier, "60.00"))
    assert raised["__typename"] == "PaymentPayload", raised
    await confirmed_death(api, client["id"], days_ago(2))
    approved = await approve_payment(api, raised["payment"]["id"])
    assert approved["__typename"] != "PaymentPayload", approved
    assert (await accounts(api, client["id"]))["CLIENT_CMS"]["available"] == "1000.00"


async def test_gifts_and_decisions_after_death_are_refused(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await deceased(api, session)
    before = await written(db)
    for kind, amount in (
        ("GIFT", "100.00"),
        ("BEST_INTEREST", "500.00"),
        ("FINANCIAL_PLAN", "500.00"),
    ):
        result = await raise_decision(api, decision_input(client, kind, amount))
        assert is_problem(result), (kind, result)
    assert await written(db) == before


async def test_a_gift_raised_in_life_is_not_approved_after_death(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await create_client(api)
    dep = await record_deputyship(
        api,
        client["id"],
        powers={
            "makeGifts": True,
            "receiveIncome": True,
            "manageAccounts": True,
            "manageCapital": True,
            "sellProperty": False,
            "letProperty": False,
        },
    )
    assert dep["__typename"] == "DeputyshipPayload", dep
    await fund(session, api, client, 100_000)
    gift = await raise_decision(api, decision_input(client, "GIFT", "50.00"))
    assert gift["__typename"] == "DecisionPayload", gift
    await confirmed_death(api, client["id"], days_ago(2))
    before = await written(db)
    approved = await approve_as(api, gift["decision"]["id"], role="senior_officer", sub="olu.scao")
    assert approved["__typename"] != "DecisionPayload", approved
    assert await written(db) == before


async def test_lodgements_and_placements_after_death_are_refused(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """Money does not go away after death: it comes home (issue 13 item 5)."""
    cid = await deputy_client(api, surplus="200000.00")
    client = {"id": cid}
    await fund_for_lodgement(session, cid, 6_000_000)
    lodgement = await proposed_lodgement(api, cid, "30000.00")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    institution = await add_institution(api)
    product = await add_product(api, institution["id"])
    placement = await proposed(
        api, placement_input(client, product, "10000.00", clock.today().isoformat())
    )
    assert (await approve_as(api, placement["decisionId"]))["__typename"] == "DecisionPayload"
    await confirmed_death(api, cid, days_ago(1))
    before = await written(db)
    lodged = await lodge(api, lodgement["id"])
    assert is_problem(lodged), lodged
    made = await make(api, placement["id"])
    assert is_problem(made), made
    new_lodgement = await call(
        api,
        """mutation($input: ProposeLodgementInput!) { proposeLodgement(input: $input) {
             __typename } }""",
        {
            "clientId": cid,
            "amount": "1000.00",
            "bestInterestsReason": "surplus",
            "consulted": "nobody",
            "clientInvolved": False,
            "whyClientNotInvolved": "deceased",
        },
        {"role": "assistant", "sub": "ash.assistant"},
    )
    assert is_problem(new_lodgement), new_lodgement
    assert await written(db) == before
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "60000.00"


async def test_temporary_assistance_is_not_requested_for_a_deceased_client(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await deceased(api, session)
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await written(db)
    result = await assistance_call(
        api,
        REQUEST_ASSISTANCE,
        assistance_input(client, supplier, "80.00"),
        role="assistant",
        sub="ash.assistant",
    )
    assert is_problem(result), result
    assert await written(db) == before


async def test_assistance_requested_in_life_is_not_approved_after_death(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    requested = await requested_assistance(api, client, supplier, "80.00")
    await confirmed_death(api, client["id"], days_ago(1))
    before = await written(db)
    approved = await assistance_step(api, APPROVE_ASSISTANCE, requested["id"])
    assert is_problem(approved), approved
    assert await written(db) == before


async def test_the_fee_run_charges_no_deputy_fee_for_an_anniversary_after_death(
    api: Api, session: AsyncSession
) -> None:
    """The order's authority ends at death (issue 13 item 1): no remuneration for a year begun
    after it."""
    today = clock.today()
    order = today.replace(year=today.year - 1) - timedelta(days=5)  # anniversary 5 days ago
    client = await create_client(api)
    cid = client["id"]
    dep = await record_deputyship(api, cid, orderDate=order.isoformat())
    assert dep["__typename"] == "DeputyshipPayload", dep
    await fund(session, api, client, 500_000)
    await confirmed_death(api, cid, days_ago(10))
    anniversary = order.replace(year=order.year + 1)
    run = await run_fees(api, day(anniversary, -1), day(anniversary, 1))
    assert run["__typename"] == "FeeRunPayload", run
    assert cid not in [c["clientId"] for c in run["run"]["charges"]], run
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "5000.00"


async def test_amend_client_cannot_close_a_wound_up_case(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """closeWoundUpCase is 'the one way a wound-up case closes' (schema)."""
    client = await deceased(api, session)
    before = await written(db)
    result = await amend_client(
        api, client["id"], {"status": "CLOSED"}, "tidy up", role="head_of_service", sub="hari.head"
    )
    assert is_problem(result), result
    assert await written(db) == before
    view = await api.data(DEATH_OF, {"id": client["id"]}, **SCAO)
    assert view["client"]["status"] == "ACTIVE"


async def test_amend_client_cannot_revive_a_client_whose_death_is_confirmed(
    api: Api, session: AsyncSession
) -> None:
    client = await deceased(api, session)
    result = await amend_client(
        api,
        client["id"],
        {"situation": "COMMUNITY"},
        "moved home",
        role="head_of_service",
        sub="hari.head",
    )
    assert is_problem(result), result


async def closed_case(api: Api, session: AsyncSession) -> dict[str, str]:
    """A wound-up case closed: the estate (£200) to the executor, every letter sent."""
    client = await estate_ready(api, session, 20_000)
    cid = client["id"]
    await executor(api, cid, clock.today() - timedelta(days=10))
    raised = await raise_estate(api, cid)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    await approve_and_make(api, raised["payment"]["id"])
    await notify_everyone(api, cid)
    closed = await close_case(api, cid)
    assert closed["__typename"] == "EstatePayload", closed
    return client


async def test_after_closure_no_money_comes_in_or_goes_out(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await closed_case(api, session)
    cid = client["id"]
    dwp = await new_payer(api, "DWP")
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await written(db)
    receipt = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": dwp,
            "amount": "10.00",
            "valueDate": clock.today().isoformat(),
            "method": "BANK_TRANSFER",
            "category": "IN_REFUNDS",
        },
    )
    assert is_problem(receipt), receipt
    run = await api.data(
        """mutation($input: RecordBenefitRunInput!) { recordBenefitRun(input: $input) {
             __typename } }""",
        {
            "input": {
                "lines": [
                    {
                        "clientId": cid,
                        "payerId": dwp,
                        "benefit": "STATE_PENSION",
                        "amount": "40.00",
                        "periodStart": days_ago(30),
                        "periodEnd": days_ago(3),
                    }
                ],
                "valueDate": clock.today().isoformat(),
                "idempotencyKey": new_key(),
            }
        },
        **SUPPORT,
    )
    assert is_problem(run["recordBenefitRun"]), run
    for attempt in (
        standing(cid, supplier, "1.00") | {"windingUpBasis": "FUNERAL"},
        standing(cid, supplier, "1.00"),
    ):
        assert is_problem(await raise_payment(api, attempt))
    assert await written(db) == before
    assert await close_case(api, cid) != {}


# --- 4. never below zero; retries do nothing twice ----------------------------------------------


async def test_the_fee_on_an_account_short_of_it_is_refused_never_below_zero(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await deceased(api, session, WIND_UP_FEE_PENCE - 1)
    before = await written(db)
    short = await charge_fee(api, client["id"])
    assert short["__typename"] == "InsufficientFundsProblem", short
    assert short["available"] == "374.99" and short["wanted"] == "375.00"
    assert await written(db) == before
    assert (await accounts(api, client["id"]))["CLIENT_CMS"]["balance"] == "374.99"
    assert await ledger_sound(api)


async def test_retries_of_the_fee_estate_and_closure_do_nothing_twice(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await deceased(api, session, 100_000)
    cid = client["id"]
    fee_key = new_key()
    first = await charge_fee(api, cid, fee_key)
    assert first["__typename"] == "WindUpFeePayload", first
    counts = await written(db)
    second = await charge_fee(api, cid, fee_key)
    assert second["replayed"] is True
    assert second["windUpFee"]["transferId"] == first["windUpFee"]["transferId"]
    assert await written(db) == counts
    await executor(api, cid, clock.today() - timedelta(days=3))
    estate_key = new_key()
    raised = await raise_estate(api, cid, estate_key)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    counts = await written(db)
    again = await raise_estate(api, cid, estate_key)
    assert again["replayed"] is True and again["payment"]["id"] == raised["payment"]["id"]
    other = await raise_estate(api, cid)  # a new key: the estate is raised already
    assert other["__typename"] != "EstatePaymentPayload", other
    assert await written(db) == counts
    await approve_and_make(api, raised["payment"]["id"])
    await notify_everyone(api, cid)
    close_key = new_key()
    assert (await close_case(api, cid, close_key))["__typename"] == "EstatePayload"
    counts = await written(db)
    assert (await close_case(api, cid, close_key))["replayed"] is True
    assert is_problem(await close_case(api, cid))
    assert await written(db) == counts
    assert await ledger_sound(api)


# --- 5. hunting for doors: where else can a record or a pound get in? ----------------------------

REVERSE = f"""
mutation($input: ReverseTransferInput!) {{
  reverseTransfer(input: $input) {{
    __typename
    ... on InsufficientFundsProblem {{ available wanted }}
    {KEYED_PROBLEMS}
  }}
}}
"""
HOLD_INVOICE = """
mutation($input: HoldInvoiceInput!) { holdInvoice(input: $input) { __typename } }
"""
PAYMENT_EVENTS = "query($id: ID!) { payment(id: $id) { status events { event transferId } } }"


async def made_transfer(api: Api, payment_id: str) -> str:
    data = await api.data(PAYMENT_EVENTS, {"id": payment_id}, **SCAO)
    [transfer] = [e["transferId"] for e in data["payment"]["events"] if e["event"] == "MADE"]
    return str(transfer)


async def test_a_held_invoice_dated_before_death_still_keeps_the_fee_waiting(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """R-FEE-5, B 29.4: the fee only after every due invoice is paid; a hold does not discharge
    one."""
    client = await deceased(api, session)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await recorded(api, client, supplier, invoiceDate=days_ago(20))
    held = await call(api, HOLD_INVOICE, {"invoiceId": invoice["id"], "reason": "disputed"}, SCAO)
    assert held["__typename"] == "InvoicePayload" or not is_problem(held), held
    before = await written(db)
    fee = await charge_fee(api, client["id"])
    assert fee["__typename"] == "InvalidStateProblem", fee
    assert await written(db) == before
    assert "DEBTS_BEFORE_DEATH" in await steps(api, client["id"])


async def test_an_open_funeral_payment_keeps_the_fee_waiting(
    api: Api, session: AsyncSession
) -> None:
    """The fee comes after every payment raised is made or cancelled (schema: chargeWindUpFee); a
    funeral's bill, dated after the death, is paid on the FUNERAL basis (schema: datedAfterDeath).
    """
    client = await deceased(api, session)
    undertaker = await new_counterparty(api, "SUPPLIER", "Co-op Funeralcare")
    bill = await check_all(
        api,
        (
            await recorded(
                api,
                client,
                undertaker,
                invoiceDate=days_ago(1),
                amount="1800.00",
                category="OUT_OTHER",
                description="Funeral",
            )
        )["id"],
    )
    funeral = await raise_payment(api, {"invoiceId": bill["id"], "windingUpBasis": "FUNERAL"})
    assert funeral["__typename"] == "PaymentPayload", funeral
    fee = await charge_fee(api, client["id"])
    assert fee["__typename"] == "InvalidStateProblem", fee
    assert "PAYMENTS_OPEN" in await steps(api, client["id"])
    await approve_and_make(api, funeral["payment"]["id"])
    assert (await charge_fee(api, client["id"]))["__typename"] == "WindUpFeePayload"
    assert (await accounts(api, client["id"]))["CLIENT_CMS"]["balance"] == "2825.00"


async def test_a_debt_invoice_arriving_after_the_fee_keeps_the_estate_waiting(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """R-DEATH-3: the estate after every debt to the date of death, even one that arrives late."""
    client = await estate_ready(api, session, 100_000)
    cid = client["id"]
    await executor(api, cid, clock.today() - timedelta(days=10))
    supplier = await new_counterparty(api, "SUPPLIER")
    late = await recorded(api, client, supplier, invoiceDate=days_ago(12), amount="80.00")
    before = await written(db)
    estate = await raise_estate(api, cid)
    assert estate["__typename"] == "InvalidStateProblem", estate
    assert await written(db) == before
    assert "DEBTS_BEFORE_DEATH" in await steps(api, cid)
    await check_all(api, late["id"])
    debt = await raise_payment(
        api, {"invoiceId": late["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert debt["__typename"] == "PaymentPayload", debt
    await approve_and_make(api, debt["payment"]["id"])
    raised = await raise_estate(api, cid)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["payment"]["amount"] == "920.00"


async def test_a_debt_invoice_arriving_after_the_estate_is_raised_stops_it_being_paid(
    api: Api, session: AsyncSession
) -> None:
    """Judged where the money moves: an estate raised, then a debt to the date of death found; the
    estate is not paid out ahead of the creditor (R-DEATH-2, R-DEATH-3)."""
    client = await estate_ready(api, session, 100_000)
    cid = client["id"]
    await executor(api, cid, clock.today() - timedelta(days=10))
    raised = await raise_estate(api, cid)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    supplier = await new_counterparty(api, "SUPPLIER")
    await check_all(
        api, (await recorded(api, client, supplier, invoiceDate=days_ago(12), amount="80.00"))["id"]
    )
    approved = await approve_payment(api, raised["payment"]["id"])
    if approved["__typename"] == "PaymentPayload":
        made = await make_payment(api, raised["payment"]["id"])
        assert is_problem(made), made
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "1000.00"


async def test_a_refund_after_a_kept_estate_makes_it_over_the_limit_and_it_still_closes(
    api: Api, session: AsyncSession
) -> None:
    """R-DEATH-4: £500.00 kept by the council; a penny refunded afterwards makes the estate
    £500.01, over the limit: the penny is the Treasury Solicitor's, never kept, and the case
    still reaches zero and closes."""
    client = await estate_ready(api, session, 50_000)
    cid = client["id"]
    kept = await raise_estate(api, cid)
    assert kept["__typename"] == "EstatePaymentPayload", kept
    assert kept["estate"]["payment"]["route"] == "KEPT_BY_COUNCIL"
    await approve_and_make(api, kept["payment"]["id"])
    refund = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": await new_payer(api, "OTHER", "Energy refund"),
            "amount": "0.01",
            "valueDate": clock.today().isoformat(),
            "method": "BANK_TRANSFER",
            "category": "IN_REFUNDS",
        },
    )
    assert refund["__typename"] == "ReceiptPayload", refund
    # The whole estate is now £500.01: the Treasury Solicitor's, not the council's to keep; the
    # kept £500.00 is brought back first, so the whole is paid over in one (B 29.6).
    refused = await raise_estate(api, cid)
    assert is_problem(refused) and "reverseTransfer" in refused["message"], refused
    kept_transfer = await made_transfer(api, kept["payment"]["id"])
    back = await call(
        api,
        REVERSE,
        {"transferId": kept_transfer, "reason": "the estate is over the limit after a refund"},
        {"role": "head_of_service", "sub": "hari.head"},
    )
    assert back["__typename"] == "TransferPayload", back
    await refer_to_treasury_solicitor(api, cid)
    again = await raise_estate(api, cid)
    assert again["__typename"] == "EstatePaymentPayload", again
    assert again["estate"]["payment"]["route"] == "TREASURY_SOLICITOR", again
    assert again["payment"]["amount"] == "500.01"
    await approve_and_make(api, again["payment"]["id"])
    await notify_everyone(api, cid)
    assert (await close_case(api, cid))["__typename"] == "EstatePayload"


async def test_a_benefit_run_after_death_is_flagged_and_held_like_a_receipt(
    api: Api, session: AsyncSession
) -> None:
    """R-DEATH-2 at the other door money comes in by: the four-weekly benefits run."""
    client = await deceased(api, session, 10_000)
    cid = client["id"]
    died = clock.today() - timedelta(days=3)
    dwp = await new_payer(api, "DWP")
    run = await api.data(
        """mutation($input: RecordBenefitRunInput!) { recordBenefitRun(input: $input) {
             __typename ... on BenefitRunPayload { count } } }""",
        {
            "input": {
                "lines": [
                    {
                        "clientId": cid,
                        "payerId": dwp,
                        "benefit": "STATE_PENSION",
                        "amount": "280.00",
                        "periodStart": day(died, -20),
                        "periodEnd": day(died, 7),
                    }
                ],
                "valueDate": clock.today().isoformat(),
                "idempotencyKey": new_key(),
            }
        },
        **SUPPORT,
    )
    assert run["recordBenefitRun"]["__typename"] == "BenefitRunPayload", run
    [flagged] = await benefit_overpayments(api, cid)
    assert flagged["daysAfterDeath"] == 7
    assert flagged["amountFlagged"] == "70.00"
    assert flagged["heldNow"] == "70.00"
    assert (await accounts(api, cid))["CLIENT_CMS"]["available"] == "310.00"


async def test_a_benefit_received_before_the_death_is_confirmed_is_flagged_on_confirmation(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    cid = client["id"]
    await fund(session, api, client, 100_000)
    died = clock.today() - timedelta(days=6)
    dwp = await new_payer(api, "DWP")
    received = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": dwp,
            "amount": "280.00",
            "valueDate": day(died, 2),
            "method": "BANK_TRANSFER",
            "benefit": "STATE_PENSION",
            "periodStart": day(died, -23),
            "periodEnd": day(died, 4),
        },
    )
    assert received["__typename"] == "ReceiptPayload", received
    await confirmed_death(api, cid, died.isoformat())
    [flagged] = await benefit_overpayments(api, cid)
    assert flagged["amountFlagged"] == "40.00"
    assert flagged["heldNow"] == "40.00"
    fee = await charge_fee(api, cid)
    assert fee["__typename"] == "WindUpFeePayload", fee
    await executor(api, cid, died)
    estate = await raise_estate(api, cid)
    assert estate["__typename"] == "InvalidStateProblem", estate  # waits for the overpayment
    assert "OVERPAYMENTS" in await steps(api, cid)


async def test_a_private_pension_paid_after_death_with_no_period_is_flagged_whole(
    api: Api, session: AsyncSession
) -> None:
    """Schema (BenefitOverpayment.daysAfterDeath): a receipt with no period is flagged whole when
    received after the death; R-DEATH-2 names pensions."""
    client = await deceased(api, session, 10_000)
    cid = client["id"]
    payer = await new_payer(api, "OTHER", "Acme Pensions")
    received = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": payer,
            "amount": "55.00",
            "valueDate": clock.today().isoformat(),
            "method": "BANK_TRANSFER",
            "category": "IN_PRIVATE_PENSION",
        },
    )
    assert received["__typename"] == "ReceiptPayload", received
    [flagged] = await benefit_overpayments(api, cid)
    assert flagged["amountFlagged"] == "55.00"
    assert flagged["daysAfterDeath"] is None


async def test_reversing_a_held_benefit_cannot_take_money_the_overpayment_holds(
    api: Api, session: AsyncSession
) -> None:
    client = await deceased(api, session, 0)
    cid = client["id"]
    dwp = await new_payer(api, "DWP")
    died = clock.today() - timedelta(days=3)
    received = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": dwp,
            "amount": "280.00",
            "valueDate": clock.today().isoformat(),
            "method": "BANK_TRANSFER",
            "benefit": "STATE_PENSION",
            "periodStart": day(died, -24),
            "periodEnd": day(died, 3),
        },
    )
    assert received["__typename"] == "ReceiptPayload", received
    reversal = await call(
        api,
        REVERSE,
        {"transferId": received["receipt"]["transfer"]["id"], "reason": "paid to the wrong client"},
        {"role": "head_of_service", "sub": "hari.head"},
    )
    assert is_problem(reversal), reversal
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "280.00"
    assert await ledger_sound(api)


async def test_a_closed_case_cannot_have_its_estate_payment_reversed_into_it(
    api: Api, session: AsyncSession
) -> None:
    """A closed case's accounts stay at zero (issue 13 item 5)."""
    client = await closed_case(api, session)
    cid = client["id"]
    estate = await estate_of(api, cid)
    transfer = await made_transfer(api, estate["payment"]["paymentId"])
    reversal = await call(
        api,
        REVERSE,
        {"transferId": transfer, "reason": "the executor's bank returned it"},
        {"role": "head_of_service", "sub": "hari.head"},
    )
    assert is_problem(reversal), reversal
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "0.00"


async def test_a_reversed_wind_up_fee_is_not_counted_as_taken(
    api: Api, session: AsyncSession
) -> None:
    """Charged once per client (R-FEE-5): either the fee's transfer is not reversed by hand, or,
    reversed, the fee is owed again; never the council's fee lost while the record says taken."""
    client = await deceased(api, session, 100_000)
    cid = client["id"]
    fee = await charge_fee(api, cid)
    assert fee["__typename"] == "WindUpFeePayload", fee
    reversal = await call(
        api,
        REVERSE,
        {"transferId": fee["windUpFee"]["transferId"], "reason": "charged in error"},
        {"role": "head_of_service", "sub": "hari.head"},
    )
    if reversal["__typename"] == "TransferPayload":
        assert "WIND_UP_FEE" in await steps(api, cid)
        again = await charge_fee(api, cid)
        assert again["__typename"] == "WindUpFeePayload", again
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "625.00"


async def test_placement_money_comes_home_before_the_estate(
    api: Api, session: AsyncSession
) -> None:
    cid = await deputy_client(api, surplus="200000.00")
    client = {"id": cid}
    await placement_fund(session, cid, "20000.00", clock.today() - timedelta(days=30))
    institution = await add_institution(api)
    product = await add_product(api, institution["id"])
    placement = await proposed(
        api, placement_input(client, product, "10000.00", clock.today().isoformat())
    )
    assert (await approve_as(api, placement["decisionId"]))["__typename"] == "DecisionPayload"
    made = await make(api, placement["id"])
    assert made["__typename"] == "PlacementPayload", made
    await confirmed_death(api, cid, clock.today().isoformat())
    fee = await charge_fee(api, cid)
    assert fee["__typename"] == "WindUpFeePayload", fee
    await executor(api, cid, clock.today())
    estate = await raise_estate(api, cid)
    assert estate["__typename"] == "InvalidStateProblem", estate
    assert "MONEY_AWAY" in await steps(api, cid)


async def test_debts_to_the_date_of_death_are_paid_in_r_debt_1_order(
    api: Api, session: AsyncSession
) -> None:
    """R-DEBT-1 (issue 13 item 3): the care home's advanced personal allowance first, then the
    council's care contributions, then unsecured creditors oldest first."""
    client = await deceased(api, session, 500_000)
    utility = await new_counterparty(api, "SUPPLIER")
    newer = await check_all(
        api, (await recorded(api, client, utility, invoiceDate=days_ago(5), amount="30.00"))["id"]
    )
    older = await check_all(
        api, (await recorded(api, client, utility, invoiceDate=days_ago(40), amount="20.00"))["id"]
    )
    newer_first = await raise_payment(
        api, {"invoiceId": newer["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert is_problem(newer_first), newer_first
    older_first = await raise_payment(
        api, {"invoiceId": older["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert older_first["__typename"] == "PaymentPayload", older_first


# --- 6. clientsBeingWoundUp --------------------------------------------------------------------


async def test_clients_being_wound_up_show_what_is_outstanding_and_days_since_death(
    api: Api, session: AsyncSession
) -> None:
    today = clock.today()
    alive = await new_client(api)
    longer = await new_client(api)
    await fund(session, api, longer, 100_000)
    await confirmed_death(api, longer["id"], day(today, -40))
    recent = await new_client(api)
    await fund(session, api, recent, 100_000)
    await confirmed_death(api, recent["id"], day(today, -4))
    dwp = await new_payer(api, "DWP")
    assert (
        await record_receipt(
            api,
            {
                "clientId": recent["id"],
                "payerId": dwp,
                "amount": "280.00",
                "valueDate": day(today, -1),
                "method": "BANK_TRANSFER",
                "benefit": "STATE_PENSION",
                "periodStart": day(today, -28),
                "periodEnd": day(today, -1),
            },
        )
    )["__typename"] == "ReceiptPayload"
    supplier = await new_counterparty(api, "SUPPLIER")
    await recorded(api, recent, supplier, invoiceDate=day(today, -10), amount="15.00")
    await recorded(api, recent, supplier, invoiceDate=day(today, -2), amount="9.00")

    assert await wound_up(api, alive["id"]) is None
    node = await wound_up(api, recent["id"])
    assert node is not None
    assert node["daysSinceDeath"] == 4
    assert node["death"]["diedOn"] == day(today, -4)
    got = {o["step"]: o for o in node["outstanding"]}
    assert set(got) >= {
        "NOTIFICATIONS",
        "DEBTS_BEFORE_DEATH",
        "INVOICES_AFTER_DEATH",
        "OVERPAYMENTS",
        "WIND_UP_FEE",
        "ESTATE",
    }, got
    assert got["DEBTS_BEFORE_DEATH"]["count"] == 1
    assert got["DEBTS_BEFORE_DEATH"]["amount"] == "15.00"
    assert got["INVOICES_AFTER_DEATH"]["count"] == 1
    assert got["OVERPAYMENTS"]["amount"] == "30.00"  # 3 of 28 days after the death
    assert got["WIND_UP_FEE"]["count"] == 1
    order = [o["step"] for o in node["outstanding"]]
    assert order.index("WIND_UP_FEE") < order.index("ESTATE")
    older = await wound_up(api, longer["id"])
    assert older is not None and older["daysSinceDeath"] == 40
    # the longest dead first
    data = await api.data(WOUND_UP_LIST, {"after": None}, **SCAO)
    ids = [e["node"]["client"]["id"] for e in data["clientsBeingWoundUp"]["edges"]]
    if longer["id"] in ids and recent["id"] in ids:
        assert ids.index(longer["id"]) < ids.index(recent["id"])


async def test_clients_being_wound_up_is_denied_to_a_social_worker(api: Api) -> None:
    body = await api.gql(WOUND_UP_LIST, {"after": None}, role="social_worker", sub="sw.one")
    assert body["data"] is None or body["data"].get("clientsBeingWoundUp") is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- who may do what (deny by default; a test for each denial) ----------------------------------

DENIALS = [
    ("chargeWindUpFee", "ChargeWindUpFeeInput", {}, "assistant"),
    ("closeWoundUpCase", "CloseWoundUpCaseInput", {}, "assistant"),
    ("raiseEstatePayment", "RaiseEstatePaymentInput", {}, "auditor"),
    (
        "recordTreasurySolicitorReferral",
        "RecordTreasurySolicitorReferralInput",
        {"referredOn": "2026-01-01", "reference": "BV/1"},
        "social_worker",
    ),
    (
        "recordEstateClaimant",
        "RecordEstateClaimantInput",
        {"kind": "NEXT_OF_KIN", "name": "N", "relationship": "son", "evidence": "seen"},
        "auditor",
    ),
    ("confirmDeath", "ConfirmDeathInput", {}, "assistant"),
]


@pytest.mark.parametrize(("field", "input_type", "extra", "role"), DENIALS)
async def test_winding_up_mutations_are_denied_to_roles_without_the_permission(
    api: Api, session: AsyncSession, field: str, input_type: str, extra: dict[str, Any], role: str
) -> None:
    client = await deceased(api, session, 100_000)
    body = await api.gql(
        f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ __typename }} }}",
        {"input": {"clientId": client["id"], "idempotencyKey": new_key(), **extra}},
        role=role,
        sub=f"{role}.denied",
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
    assert (await accounts(api, client["id"]))["CLIENT_CMS"]["balance"] == "1000.00"


async def test_a_death_in_the_future_is_refused(api: Api) -> None:
    client = await new_client(api)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    result = await record_death(api, client["id"], tomorrow)
    assert result["__typename"] == "ValidationProblem", result
    view = await api.data(DEATH_OF, {"id": client["id"]}, **SCAO)
    assert view["client"]["death"] is None


# --- more doors ------------------------------------------------------------------------------


async def test_the_estate_waits_for_temporary_assistance_owed_to_the_council(
    api: Api, session: AsyncSession
) -> None:
    """Assistance the council paid in life is a debt to the date of death (R-DEATH-2, B 29.2;
    WindingUpBasis.REPAYMENT names it): the estate is not paid out while it is owed."""
    client = await new_client(api)
    cid = client["id"]
    shop = await new_counterparty(api, "SUPPLIER")
    assistance = await paid_assistance(api, client, shop, "80.00")
    assert assistance["outstanding"] == "80.00"
    await fund(session, api, client, 100_000)
    await confirmed_death(api, cid, days_ago(3))
    fee = await charge_fee(api, cid)
    assert fee["__typename"] in ("WindUpFeePayload", "InvalidStateProblem"), fee
    await executor(api, cid, clock.today() - timedelta(days=3))
    estate = await raise_estate(api, cid)
    assert is_problem(estate), estate
    repaid = await assistance_step(
        api, REPAY_ASSISTANCE, assistance["id"], who=SCAO, amount="80.00"
    )
    assert repaid["__typename"] == "TemporaryAssistancePayload", repaid


async def test_the_agency_cannot_be_repaid_more_than_the_receipts_it_returns(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """A repayment is linked to the receipts it returns (issue 13 item 3): never more than
    them, so no estate money goes to the agency as a 'repayment'."""
    client = await deceased(api, session, 100_000)
    cid = client["id"]
    died = clock.today() - timedelta(days=3)
    dwp = await new_payer(api, "DWP")
    received = await record_receipt(
        api,
        {
            "clientId": cid,
            "payerId": dwp,
            "amount": "280.00",
            "valueDate": clock.today().isoformat(),
            "method": "BANK_TRANSFER",
            "benefit": "STATE_PENSION",
            "periodStart": day(died, -24),
            "periodEnd": day(died, 3),
        },
    )
    assert received["__typename"] == "ReceiptPayload", received
    [flagged] = await benefit_overpayments(api, cid)
    before = await written(db)
    too_much = await request_overpayment_repayment(api, [flagged["overpaymentId"]], "280.01")
    assert is_problem(too_much), too_much
    assert await written(db) == before


async def test_a_death_is_recorded_once(api: Api, session: AsyncSession) -> None:
    client = await deceased(api, session, 10_000)
    again = await record_death(api, client["id"], days_ago(1))
    assert is_problem(again), again
    view = await api.data(DEATH_OF, {"id": client["id"]}, **SCAO)
    assert view["client"]["death"]["diedOn"] == days_ago(3)


async def test_an_appointee_only_client_pays_the_wind_up_fee_too(
    api: Api, session: AsyncSession
) -> None:
    """R-FEE-5: 'from every client (deputy and appointee)', unlike R-FEE-4's ongoing charges."""
    client = await create_client(api)
    cid = client["id"]
    app = await record_appointeeship(api, cid)
    assert app["__typename"] == "AppointeeshipPayload", app
    await fund(session, api, client, 40_000)
    await confirmed_death(api, cid, days_ago(2))
    fee = await charge_fee(api, cid)
    assert fee["__typename"] == "WindUpFeePayload", fee
    assert fee["windUpFee"]["amount"] == "375.00"
    assert fee["windUpFee"]["figureEffectiveFrom"] <= days_ago(2)
    assert (await accounts(api, cid))["CLIENT_CMS"]["balance"] == "25.00"
    view = await api.data(DEATH_OF, {"id": cid}, **SCAO)
    assert view["client"]["death"]["windUpFee"]["amount"] == "375.00"


async def test_the_fee_is_refused_before_the_death_is_confirmed(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    recorded_only = await record_death(api, client["id"], days_ago(2))
    assert recorded_only["__typename"] == "DeathPayload", recorded_only
    before = await written(db)
    for attempt in (await charge_fee(api, client["id"]), await raise_estate(api, client["id"])):
        assert is_problem(attempt), attempt
    assert await written(db) == before

"""Temporary financial assistance (issue 12 item 4, seed 002 B 4.6-4.7), through /graphql.

Requested by casework before the client's funds arrive, approved within the Appendix 2 limits
(subject TEMPORARY_ASSISTANCE, the band of financial plans: SCAO up to and including £5,000.00,
TGM above; R-DEC-2, R-DEC-4), never by whoever requested it (R-ROLE-2), paid by the council
(no ledger transfer: R-ACC-2), repaid from the client's funds by ledger transfers to the council
(never below zero, R-PAY-3; never more than outstanding), REPAID when cleared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.db import Database, unit_of_work
from ca_api.errors import ErrorCode
from ca_api.ledger import accounts as ledger
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.ledger.transfers import InsufficientFunds, Movement
from ca_api.temporary_assistance import repayments, service
from tests.conftest import Api
from tests.factories import (
    APPROVE_ASSISTANCE,
    GM,
    PAY_ASSISTANCE,
    PROPOSER,
    REJECT_ASSISTANCE,
    REPAY_ASSISTANCE,
    REQUEST_ASSISTANCE,
    SCAO,
    assert_forbidden,
    assistance_call,
    assistance_input,
    assistance_step,
    at_once,
    audit_rows,
    cms_balance,
    cms_posted,
    committed_clients,
    committed_payer,
    days_ago,
    fund,
    ledger_sound,
    new_client,
    new_counterparty,
    new_key,
    outbox_messages,
    paid_assistance,
    problem_messages,
    requested_assistance,
)
from tests.support import fresh_database

OUTSTANDING = """
query($clientId: ID, $first: Int, $after: String) {
  outstandingTemporaryAssistance(clientId: $clientId, first: $first, after: $after) {
    edges { cursor node { id status amount outstanding } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ONE = "query($id: ID!) { temporaryAssistance(id: $id) { id status outstanding repaid } }"
QUEUE = """
{ approvalQueue(first: 100) { edges { node {
    kind itemId amount summary raisedBy
    subject { ... on TemporaryAssistance { id status canApprove } }
} } } }
"""
TRANSFER = """
query($id: ID!) { node(id: $id) { ... on Transfer {
  amount category reference fromAccount { kind } toAccount { kind } } } }
"""


async def _setup(api: Api) -> tuple[dict[str, str], str]:
    return await new_client(api), await new_counterparty(api, "SUPPLIER")


async def _queue(api: Api, who: dict[str, str]) -> list[dict[str, Any]]:
    data = await api.data(QUEUE, **who)
    return [
        e["node"]
        for e in data["approvalQueue"]["edges"]
        if e["node"]["kind"] == "TEMPORARY_ASSISTANCE"
    ]


async def _outstanding(api: Api, client_id: str | None = None, **page: Any) -> dict[str, Any]:
    data = await api.data(OUTSTANDING, {"clientId": client_id, **page}, **SCAO)
    result: dict[str, Any] = data["outstandingTemporaryAssistance"]
    return result


# --- requested, approved within the limits (R-DEC-2, R-DEC-4) -----------------------------------


async def test_the_approval_limits_give_temporary_assistance_the_financial_plans_band(
    api: Api,
) -> None:
    # seed 002 B 4.6 + Appendix 2: no row of its own; the financial plans band, as data (R-DEC-4)
    data = await api.data(
        "{ approvalLimits { limits { subject role upTo } } }", role="auditor", sub="audrey"
    )
    rows = {
        (r["role"], r["upTo"])
        for version in data["approvalLimits"]
        for r in version["limits"]
        if r["subject"] == "TEMPORARY_ASSISTANCE"
    }
    assert rows == {("SENIOR_OFFICER", "5000.00"), ("GOVERNANCE_MANAGER", None)}


async def test_requested_assistance_waits_in_the_queue_and_a_scao_approves_it(api: Api) -> None:
    # B 4.6-4.7, R-ROLE-2, R-DEC-4
    client, payee = await _setup(api)
    a = await requested_assistance(api, client, payee, "250.00")
    assert a["status"] == "REQUESTED"
    assert a["outstanding"] == "250.00" and a["repaid"] == "0.00"
    assert a["raisedBy"] == "ash.assistant" and a["payee"]["id"] == payee

    queued = [q for q in await _queue(api, SCAO) if q["itemId"] == a["id"]]
    assert len(queued) == 1, queued
    assert queued[0]["amount"] == "250.00"
    assert queued[0]["subject"] == {"id": a["id"], "status": "REQUESTED", "canApprove": True}
    assert "Temporary assistance" in queued[0]["summary"]
    # The requester never sees it to approve (R-ROLE-2).
    assert not [q for q in await _queue(api, PROPOSER) if q["itemId"] == a["id"]]

    approved = await assistance_step(api, APPROVE_ASSISTANCE, a["id"])
    assert approved["__typename"] == "TemporaryAssistancePayload", approved
    ta = approved["temporaryAssistance"]
    assert ta["status"] == "APPROVED" and ta["approvedBy"] == "olu.scao"
    assert ta["approvalLimitVersionId"] is not None  # R-DEC-4
    assert ta["events"][0]["limitVersionId"] == ta["approvalLimitVersionId"]
    assert not [q for q in await _queue(api, SCAO) if q["itemId"] == a["id"]]
    rows = await audit_rows(api, entityType="temporary_assistance")
    assert [r["action"] for r in rows] == ["request", "approve"]  # R-AUD-1
    assert rows[1]["after"]["limit_version_id"] == ta["approvalLimitVersionId"]


async def test_above_five_thousand_the_scao_is_refused_and_the_tgm_approves(api: Api) -> None:
    # R-DEC-2: SCAO up to £5,000.00, the governance manager above
    client, payee = await _setup(api)
    a = await requested_assistance(api, client, payee, "6000.00")
    assert not [q for q in await _queue(api, SCAO) if q["itemId"] == a["id"]]
    assert [q for q in await _queue(api, GM) if q["itemId"] == a["id"]]

    refused = await assistance_step(api, APPROVE_ASSISTANCE, a["id"])
    assert refused["__typename"] == "OverApprovalLimitProblem", refused
    assert refused["lowestRoleThatMayApprove"] == "GOVERNANCE_MANAGER"
    refused = await assistance_step(api, REJECT_ASSISTANCE, a["id"], reason="too much")
    assert refused["__typename"] == "OverApprovalLimitProblem", refused

    approved = await assistance_step(api, APPROVE_ASSISTANCE, a["id"], who=GM)
    assert approved["__typename"] == "TemporaryAssistancePayload", approved
    assert approved["temporaryAssistance"]["approvedBy"] == "grace.tgm"


async def test_the_scaos_limit_includes_five_thousand_pounds_exactly(api: Api) -> None:
    # R-DEC table: "up to and including £5,000"
    client, payee = await _setup(api)
    at = await requested_assistance(api, client, payee, "5000.00")
    over = await requested_assistance(api, client, payee, "5000.01")
    ok = await assistance_step(api, APPROVE_ASSISTANCE, at["id"])
    assert ok["__typename"] == "TemporaryAssistancePayload", ok
    refused = await assistance_step(api, APPROVE_ASSISTANCE, over["id"])
    assert refused["__typename"] == "OverApprovalLimitProblem", refused
    assert refused["amount"] == "5000.01"


async def test_whoever_requested_it_may_neither_approve_nor_reject_it(api: Api) -> None:
    # R-ROLE-2, whatever their role
    client, payee = await _setup(api)
    a = await requested_assistance(api, client, payee, "100.00", **GM)
    assert a["canApprove"] is False
    for mutation, extra in ((APPROVE_ASSISTANCE, {}), (REJECT_ASSISTANCE, {"reason": "no"})):
        refused = await assistance_step(api, mutation, a["id"], who=GM, **extra)
        assert refused["__typename"] == "FourEyesProblem", refused
        assert refused["raisedBy"] == "grace.tgm"
    again = await api.data(ONE, {"id": a["id"]}, **SCAO)
    assert again["temporaryAssistance"]["status"] == "REQUESTED"


async def test_rejected_assistance_keeps_the_reason_and_is_owed_nothing(api: Api) -> None:
    client, payee = await _setup(api)
    a = await requested_assistance(api, client, payee, "80.00")
    blank = await assistance_step(api, REJECT_ASSISTANCE, a["id"], reason="  ")
    assert "reason" in problem_messages(blank)
    done = await assistance_step(api, REJECT_ASSISTANCE, a["id"], reason="family will pay")
    ta = done["temporaryAssistance"]
    assert ta["status"] == "REJECTED" and ta["rejectReason"] == "family will pay"
    assert ta["outstanding"] == "0.00" and ta["events"][0]["limitVersionId"] is not None
    paid = await assistance_step(
        api, PAY_ASSISTANCE, a["id"], paidOn=days_ago(0), paymentReference="X-1"
    )
    assert paid["__typename"] == "InvalidStateProblem", paid


async def test_a_request_is_checked_before_anything_is_written(api: Api) -> None:
    client, payee = await _setup(api)
    bad = assistance_input(
        client, payee, "0.00", purpose=" ", whyFundsUnavailable="", category="IN_BENEFITS"
    )
    result = await assistance_call(api, REQUEST_ASSISTANCE, bad, **PROPOSER)
    assert set(problem_messages(result)) == {
        "amount",
        "purpose",
        "whyFundsUnavailable",
        "category",
    }
    assert (await _outstanding(api, client["id"]))["edges"] == []


# --- paid by the council, repaid from the client's funds ------------------------------------


async def test_paid_by_the_council_touches_no_client_account(
    api: Api, session: AsyncSession
) -> None:
    # B 4.7; R-ACC-2: the council's money is never in a client's account
    client, payee = await _setup(api)
    await fund(session, api, client, 10_000)
    a = await requested_assistance(api, client, payee, "300.00")
    early = await assistance_step(
        api, PAY_ASSISTANCE, a["id"], paidOn=days_ago(0), paymentReference="CC-1"
    )
    assert early["__typename"] == "InvalidStateProblem", early  # not approved yet
    await assistance_step(api, APPROVE_ASSISTANCE, a["id"])
    future = await assistance_step(
        api, PAY_ASSISTANCE, a["id"], paidOn=days_ago(-1), paymentReference="CC-1"
    )
    assert "paidOn" in problem_messages(future)
    paid = await assistance_step(
        api, PAY_ASSISTANCE, a["id"], paidOn=days_ago(2), paymentReference="CC-1"
    )
    ta = paid["temporaryAssistance"]
    assert ta["status"] == "PAID" and ta["paidOn"] == days_ago(2)
    assert ta["paymentReference"] == "CC-1" and ta["paidRecordedBy"] == "olu.scao"
    assert ta["outstanding"] == "300.00"
    assert await cms_balance(api, client["id"]) == "100.00"  # untouched
    assert await ledger_sound(api)


async def test_a_partial_repayment_is_a_ledger_transfer_to_the_council(
    api: Api, session: AsyncSession
) -> None:
    # B 4.6: repaid from the client's funds once they arrive; R-OPG-1 category of what it paid
    client, payee = await _setup(api)
    a = await paid_assistance(api, client, payee, "300.00")
    await fund(session, api, client, 50_000)  # the client's benefits arrive: £500.00
    done = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="120.00")
    assert done["__typename"] == "TemporaryAssistancePayload", done
    ta = done["temporaryAssistance"]
    assert ta["status"] == "PAID"
    assert (ta["repaid"], ta["outstanding"]) == ("120.00", "180.00")
    assert await cms_balance(api, client["id"]) == "380.00"
    [repayment] = ta["repayments"]
    assert repayment["transfer"]["id"] == repayment["transferId"]
    data = await api.data(TRANSFER, {"id": repayment["transferId"]}, **SCAO)
    assert (
        data["node"]
        == {
            "amount": "120.00",
            "category": "OUT_OTHER",
            "reference": "CC-PAY-1",
            "fromAccount": {"kind": "CLIENT_CMS"},
            "toAccount": None,  # the council's account is a counterparty's, not a client's
        }
        or data["node"]["toAccount"]["kind"] == "COUNTERPARTY"
    ), data
    assert await ledger_sound(api)


async def test_a_repayment_above_what_is_outstanding_is_refused(
    api: Api, session: AsyncSession
) -> None:
    client, payee = await _setup(api)
    a = await paid_assistance(api, client, payee, "100.00")
    await fund(session, api, client, 50_000)
    refused = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="100.01")
    assert "outstanding" in problem_messages(refused)["amount"]
    assert await cms_balance(api, client["id"]) == "500.00"  # nothing moved
    ok = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="60.00")
    assert ok["temporaryAssistance"]["outstanding"] == "40.00"
    refused = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="40.01")
    assert "40.00 outstanding" in problem_messages(refused)["amount"]


async def test_a_repayment_beyond_the_clients_balance_is_refused(
    api: Api, session: AsyncSession
) -> None:
    # R-PAY-3: never below zero; the ledger's own refusal
    client, payee = await _setup(api)
    a = await paid_assistance(api, client, payee, "300.00")
    await fund(session, api, client, 5_000)  # £50.00 so far
    refused = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="50.01")
    assert refused["__typename"] == "InsufficientFundsProblem", refused
    assert (refused["available"], refused["wanted"]) == ("50.00", "50.01")
    again = await api.data(ONE, {"id": a["id"]}, **SCAO)
    assert again["temporaryAssistance"]["outstanding"] == "300.00"
    assert await cms_balance(api, client["id"]) == "50.00"


async def test_a_replayed_repayment_moves_the_money_once(api: Api, session: AsyncSession) -> None:
    # idempotency: the same key, the same answer, nothing done twice
    client, payee = await _setup(api)
    a = await paid_assistance(api, client, payee, "300.00")
    await fund(session, api, client, 50_000)
    variables = {"id": a["id"], "amount": "100.00", "idempotencyKey": new_key()}
    first = await assistance_call(api, REPAY_ASSISTANCE, variables, **SCAO)
    second = await assistance_call(api, REPAY_ASSISTANCE, variables, **SCAO)
    assert first["replayed"] is False and second["replayed"] is True
    assert second["temporaryAssistance"]["outstanding"] == "200.00"
    assert len(second["temporaryAssistance"]["repayments"]) == 1
    assert await cms_balance(api, client["id"]) == "400.00"
    other = await assistance_call(api, REPAY_ASSISTANCE, {**variables, "amount": "1.00"}, **SCAO)
    assert other["__typename"] == "IdempotencyKeyReusedProblem", other


async def test_repaid_in_full_it_is_repaid_and_no_longer_outstanding(
    api: Api, session: AsyncSession
) -> None:
    client, payee = await _setup(api)
    a = await paid_assistance(api, client, payee, "300.00")
    await fund(session, api, client, 50_000)
    listed = await _outstanding(api, client["id"])
    assert [e["node"]["id"] for e in listed["edges"]] == [a["id"]]
    await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="100.00")
    done = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="200.00")
    ta = done["temporaryAssistance"]
    assert ta["status"] == "REPAID" and ta["outstanding"] == "0.00" and ta["repaid"] == "300.00"
    assert ta["repaidAt"] is not None
    assert [e["event"] for e in ta["events"]] == ["APPROVED", "PAID", "REPAID"]
    assert await cms_balance(api, client["id"]) == "200.00"
    more = await assistance_step(api, REPAY_ASSISTANCE, a["id"], amount="1.00")
    assert more["__typename"] == "InvalidStateProblem", more
    assert (await _outstanding(api, client["id"]))["edges"] == []
    assert await ledger_sound(api)


async def test_the_outstanding_list_is_paged_and_leaves_out_the_rejected(api: Api) -> None:
    client, payee = await _setup(api)
    made = [await requested_assistance(api, client, payee, f"{n}0.00") for n in (1, 2, 3)]
    await assistance_step(api, APPROVE_ASSISTANCE, made[1]["id"])
    await assistance_step(api, REJECT_ASSISTANCE, made[2]["id"], reason="not needed")
    first = await _outstanding(api, client["id"], first=1)
    assert first["pageInfo"]["hasNextPage"] is True
    second = await _outstanding(api, client["id"], first=1, after=first["pageInfo"]["endCursor"])
    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert ids == [made[0]["id"], made[1]["id"]]  # oldest first; the rejected left out
    assert second["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["status"] for e in second["edges"]] == ["APPROVED"]


async def test_assistance_is_refetched_by_node_as_by_its_lookup(api: Api) -> None:
    client, payee = await _setup(api)
    a = await requested_assistance(api, client, payee, "12.00")
    data = await api.data(
        """query($id: ID!) { node(id: $id) { __typename id
             ... on TemporaryAssistance { status outstanding client { id } } } }""",
        {"id": a["id"]},
        role="auditor",
        sub="audrey",
    )
    assert data["node"] == {
        "__typename": "TemporaryAssistance",
        "id": a["id"],
        "status": "REQUESTED",
        "outstanding": "12.00",
        "client": {"id": client["id"]},
    }


# --- who may do what (R-ROLE-1), each denial through /graphql ---------------------------------


async def test_each_operation_refuses_the_roles_it_does_not_name(api: Api) -> None:
    client, payee = await _setup(api)
    a = await requested_assistance(api, client, payee, "10.00")
    request = {"input": assistance_input(client, payee, "10.00")}
    step = {"id": a["id"], "idempotencyKey": new_key()}
    denials: list[tuple[str, str, dict[str, Any], str]] = [
        (REQUEST_ASSISTANCE, "requestTemporaryAssistance", request, "support_assistant"),
        (REQUEST_ASSISTANCE, "requestTemporaryAssistance", request, "auditor"),
        (APPROVE_ASSISTANCE, "approveTemporaryAssistance", {"input": step}, "senior_assistant"),
        (
            REJECT_ASSISTANCE,
            "rejectTemporaryAssistance",
            {"input": {**step, "reason": "no"}},
            "assistant",
        ),
        (
            PAY_ASSISTANCE,
            "recordTemporaryAssistancePaid",
            {"input": {**step, "paidOn": days_ago(0), "paymentReference": "R"}},
            "senior_assistant",
        ),
        (
            REPAY_ASSISTANCE,
            "recordTemporaryAssistanceRepayment",
            {"input": {**step, "amount": "1.00"}},
            "assistant",
        ),
        (ONE, "temporaryAssistance", {"id": a["id"]}, "reporting"),
        (ONE, "temporaryAssistance", {"id": a["id"]}, "social_worker"),
        (OUTSTANDING, "outstandingTemporaryAssistance", {}, "social_worker"),
        (OUTSTANDING, "outstandingTemporaryAssistance", {}, "integration_sap"),
    ]
    for query, field, variables, role in denials:
        body = await api.gql(query, variables, role=role, sub=f"x.{role}")
        assert_forbidden(body, [field])
    # The auditor reads it.
    data = await api.data(ONE, {"id": a["id"]}, role="auditor", sub="audrey")
    assert data["temporaryAssistance"]["status"] == "REQUESTED"


# --- repayments at once, committing for real (R-PAY-3) ----------------------------------------

ASH = Actor(Principal("ash.assistant", frozenset({Role.ASSISTANT})), "req-assistance")
OLU = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER})), "req-assistance")


@pytest.fixture(scope="module")
def assistance_db_url() -> Iterator[str]:
    with fresh_database("ca_api_assistance") as url:
        yield url


@pytest.fixture(scope="module")
async def assistance_db(assistance_db_url: str) -> AsyncIterator[Database]:
    database = Database(assistance_db_url, pool_size=10)
    yield database
    await database.dispose()


async def _committed_paid(db: Database, client_id: Any, payee: Any, amount: int) -> Any:
    """Assistance of ``amount`` pence requested, approved and paid, each step committed."""
    async with db.session() as s:
        req = service.AssistanceRequest(
            client_id=client_id,
            amount=amount,
            purpose="rent arrears",
            payee_id=payee,
            category=Category.OUT_ACCOMMODATION,
            why_funds_unavailable="deputyship applied for",
        )
        made = await service.request_assistance(s, ASH, req, idempotency_key=new_key())
        ident = made.view.assistance.id
        await service.approve_assistance(s, OLU, ident, idempotency_key=new_key())
        await service.record_paid(s, OLU, ident, clock.today(), "CC-9", idempotency_key=new_key())
        return ident


async def _benefits(db: Database, dwp: Any, client: Any, amount: int) -> None:
    """The client's benefits arrive: ``amount`` pence into their CMS account, committed."""
    async with db.session() as s, unit_of_work(s):
        source = await ledger_counterparties.counterparty_account(s, dwp)
        cms = await ledger.client_account(s, client)
        movement = Movement(source.id, cms.id, amount, clock.today(), Category.IN_BENEFITS, "DWP")
        await ledger_transfers.post(s, OLU, movement)


async def test_repayments_at_once_never_overdraw_the_client_nor_overpay_the_debt(
    assistance_db: Database,
) -> None:
    # R-PAY-3 under concurrency (the ledger's lock), and the assistance's own lock: never more
    # repaid than is outstanding
    db = assistance_db
    [client] = await committed_clients(db, 1)
    dwp, payee = await committed_payer(db), await committed_payer(db, CounterpartyKind.SUPPLIER)
    await _benefits(db, dwp, client, 10_000)
    one = await _committed_paid(db, client, payee, 8_000)
    two = await _committed_paid(db, client, payee, 8_000)

    # Two debts of 80.00 against 100.00: repaid in full at once, only one can be.
    results = await at_once(
        lambda s: repayments.record_repayment(s, OLU, one, 8_000, idempotency_key=new_key()),
        lambda s: repayments.record_repayment(s, OLU, two, 8_000, idempotency_key=new_key()),
        db=db,
    )
    assert sorted(type(r).__name__ for r in results) == ["AssistanceOutcome", "InsufficientFunds"]
    assert next(r for r in results if isinstance(r, InsufficientFunds)).available == 2_000
    assert await cms_posted(db, client) == 2_000

    # The other debt, 80.00 outstanding, the client's money ample: three repayments of 50.00 at
    # once; the assistance's lock lets one through, the others exceed what is left.
    left = next(r for r in results if not isinstance(r, InsufficientFunds))
    unpaid = two if left.view.assistance.id == one else one
    await _benefits(db, dwp, client, 20_000)
    results = await at_once(
        *(
            lambda s: repayments.record_repayment(s, OLU, unpaid, 5_000, idempotency_key=new_key())
            for _ in range(3)
        ),
        db=db,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 2, results
    assert all(r.code is ErrorCode.VALIDATION_FAILED for r in refused)
    assert await cms_posted(db, client) == 22_000 - 5_000
    async with db.session() as s:
        view = await service.get_assistance(s, OLU.principal, unpaid)
        assert view is not None and (view.repaid, view.outstanding) == (5_000, 3_000)
        assert await ledger.ledger_is_sound(s) == (0, 0)


async def test_sap_hears_a_repayment_to_the_council_once(api: Api, session: AsyncSession) -> None:
    """Issue 17 item 3: a repayment is money to the council that is no makePayment (so no
    PAYMENT_MADE_TO_COUNCIL); SAP hears it as TEMPORARY_ASSISTANCE_REPAID in the same
    transaction, and a replayed repayment tells nothing twice."""
    client, payee = await _setup(api)
    a = await paid_assistance(api, client, payee, "300.00")
    await fund(session, api, client, 50_000)
    variables = {"id": a["id"], "amount": "120.00", "idempotencyKey": new_key()}
    first = await assistance_call(api, REPAY_ASSISTANCE, variables, **SCAO)
    await assistance_call(api, REPAY_ASSISTANCE, variables, **SCAO)  # replayed
    [repayment] = first["temporaryAssistance"]["repayments"]
    told = [
        m
        for m in await outbox_messages(api, role="integration_sap", sub="sap")
        if m["topic"] == "TEMPORARY_ASSISTANCE_REPAID"
    ]
    assert len(told) == 1, told
    facts = told[0]["payload"]["facts"]
    assert (facts["assistance_id"], facts["amount"], facts["outstanding"]) == (
        a["id"],
        12000,
        18000,
    )
    assert facts["transfer_id"] == repayment["transferId"]
    assert told[0]["subjectId"] == repayment["transferId"]

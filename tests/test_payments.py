"""Payments through the real /graphql endpoint: raised against a checked invoice (R-PAY-2,
R-PAY-5) or standing, approved by someone else (R-ROLE-2) within the limits in force, recorded
with the version judged under (R-DEC-2, R-DEC-4), which holds the money; made (the hold posted)
or cancelled (voided). Funds short: refused, nothing moves, the invoice marked for the sender to
be contacted (R-PAY-3). Council charges by direct debit (R-PAY-4). Idempotency keys on every
money-moving mutation; every state change audited (R-AUD-1).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ca_api.auth.tokens import SigningKey
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.payments.rules import (
    PaymentEventKind,
    PaymentStatus,
    four_eyes,
    payment_status,
    transition_problem,
)
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    ALL_CHECKS,
    PAYMENT_FIELDS,
    RAISE_PAYMENT,
    RECORD_CHECKS,
    RECORD_EVENT,
    check_all,
    cms_account,
    fund,
    new_client,
    new_counterparty,
    new_key,
    raise_payment,
    record_check,
    record_invoice,
    recorded,
    scalar,
)
from tests.factories import APPROVE_PAYMENT as APPROVE
from tests.factories import CANCEL_PAYMENT as CANCEL
from tests.factories import MAKE_PAYMENT as MAKE
from tests.factories import approve_payment as approve
from tests.factories import cancel_payment as cancel
from tests.factories import make_payment as make
from tests.factories import payable_invoice as payable
from tests.factories import raised_payment as raised
from tests.support import app_on, fresh_database, statements

PAYMENT = f"query($id: ID!) {{ payment(id: $id) {{ {PAYMENT_FIELDS} }} }}"

INVOICE_STATUS = "query($id: ID!) { invoice(id: $id) { status events { event note } } }"

AWAITING = """
query($first: Int, $after: String) {
  paymentsAwaitingApproval(first: $first, after: $after) {
    edges { node { id amount clientReference raisedBy waitingSince canApprove status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PAYMENTS = """
query($clientId: ID, $status: PaymentStatus, $first: Int, $after: String) {
  payments(clientId: $clientId, status: $status, first: $first, after: $after) {
    edges { node { id amount status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


# --- helpers --------------------------------------------------------------------------------


async def invoice_status(api: Api, invoice_id: str) -> dict[str, Any]:
    data = await api.data(INVOICE_STATUS, {"id": invoice_id}, role="auditor", sub="audrey")
    invoice: dict[str, Any] = data["invoice"]
    return invoice


async def get_payment(api: Api, payment_id: str, **kw: Any) -> dict[str, Any]:
    payment: dict[str, Any] = (await api.data(PAYMENT, {"id": payment_id}, **kw))["payment"]
    return payment


async def transfer_kinds(db: RolledBackDatabase, client: dict[str, str]) -> list[str]:
    rows = await db.connection.execute(
        text("SELECT kind FROM transfer WHERE client_id = :c ORDER BY seq"),
        {"c": decode_uuid("Client", client["id"])},
    )
    return [r[0] for r in rows]


async def audit_of(db: RolledBackDatabase, payment_id: str) -> list[tuple[str, Any]]:
    rows = await db.connection.execute(
        text("SELECT action, client_id FROM audit_log WHERE entity_id = :id ORDER BY id"),
        {"id": str(decode_uuid("Payment", payment_id))},
    )
    return [(r[0], r[1]) for r in rows]


@pytest.fixture
async def setup(api: Api, session: Any) -> dict[str, Any]:
    """A client with £10,000.00 in their CMS account, and a supplier."""
    client = await new_client(api)
    await fund(session, api, client, 1_000_000)
    return {"client": client, "supplier": await new_counterparty(api, "SUPPLIER")}


# --- the whole path: hold, post, void -------------------------------------------------------


async def test_approve_holds_make_posts_and_the_balances_follow(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """R-PAY-3: approval holds the money (available falls, balance does not); making the payment
    posts the hold (the balance falls); every step is audited with the client (R-AUD-1)."""
    client = setup["client"]
    invoice = await payable(api, client, setup["supplier"], amount="250.00")
    payment = await raised(api, invoice["id"])
    assert payment["status"] == "RAISED"
    assert payment["amount"] == "250.00"
    assert payment["method"] == "BANK_TRANSFER"
    assert payment["category"] == "OUT_ELECTRICITY"
    assert payment["payee"]["id"] == setup["supplier"]
    assert payment["invoiceId"] == invoice["id"]
    assert payment["raisedBy"] == "ash.assistant"
    assert payment["waitingSince"] == payment["raisedAt"]
    assert payment["clientReference"] == client["reference"]
    assert (await invoice_status(api, invoice["id"]))["status"] == "PAYMENT_RAISED"
    assert await cms_account(api, client) == {
        "kind": "CLIENT_CMS",
        "balance": "10000.00",
        "held": "0.00",
        "available": "10000.00",
    }

    approved = await approve(api, payment["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    p = approved["payment"]
    assert p["status"] == "APPROVED"
    assert p["approvedBy"] == "olu.scao"
    assert p["approvalLimitVersionId"] == 1
    assert p["holdTransferId"]
    assert p["waitingSince"] is None
    assert (await invoice_status(api, invoice["id"]))["status"] == "APPROVED"
    account = await cms_account(api, client)
    assert (account["balance"], account["held"], account["available"]) == (
        "10000.00",
        "250.00",
        "9750.00",
    )

    made = await make(api, payment["id"])
    assert made["__typename"] == "PaymentPayload", made
    assert made["payment"]["status"] == "MADE"
    assert made["payment"]["madeBy"] == "sam.support"
    assert [e["event"] for e in made["payment"]["events"]] == ["APPROVED", "MADE"]
    assert (await invoice_status(api, invoice["id"]))["status"] == "PAID"
    account = await cms_account(api, client)
    assert (account["balance"], account["held"], account["available"]) == (
        "9750.00",
        "0.00",
        "9750.00",
    )
    assert await transfer_kinds(db, client) == ["POSTED", "PENDING", "POST_PENDING"]
    client_uuid = decode_uuid("Client", client["id"])
    assert await audit_of(db, payment["id"]) == [
        ("raise", client_uuid),
        ("approve", client_uuid),
        ("make", client_uuid),
    ]


async def test_paying_one_invoice_end_to_end_takes_five_calls(
    api: Api, setup: dict[str, Any]
) -> None:
    """issue 9 item 11: record, check (the seven R-PAY-2 checks in one call), raise, approve
    (someone else, R-ROLE-2), make: five calls where it took eleven."""
    calls = 0
    post = api.post

    async def counted(*args: Any, **kw: Any) -> httpx.Response:
        nonlocal calls
        calls += 1
        return await post(*args, **kw)

    api.post = counted  # type: ignore[method-assign]
    invoice = await recorded(api, setup["client"], setup["supplier"], amount="75.00")
    checks = [{"check": c, "passed": True} for c in ALL_CHECKS]
    checked = await api.data(
        RECORD_CHECKS,
        {"input": {"invoiceId": invoice["id"], "checks": checks}},
        role="senior_assistant",
        sub="sasha.senior",
    )
    assert checked["recordInvoiceChecks"]["invoice"]["status"] == "CHECKED"
    payment = await raised(api, invoice["id"])
    assert (await approve(api, payment["id"]))["__typename"] == "PaymentPayload"
    made = await make(api, payment["id"])
    assert made["payment"]["status"] == "MADE"
    assert calls == 5
    api.post = post  # type: ignore[method-assign]
    assert (await invoice_status(api, invoice["id"]))["status"] == "PAID"


async def test_cancelling_an_approved_payment_voids_the_hold_and_frees_the_invoice(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """RAISED | APPROVED -> CANCELLED: the hold is voided, nothing moves; the invoice can be paid
    by a new payment."""
    client = setup["client"]
    invoice = await payable(api, client, setup["supplier"], amount="100.00")
    payment = await raised(api, invoice["id"])
    await approve(api, payment["id"])
    assert (await cms_account(api, client))["held"] == "100.00"

    no_reason = await cancel(api, payment["id"], reason="  ")
    assert no_reason["__typename"] == "ValidationProblem"

    cancelled = await cancel(api, payment["id"], reason="paid by the family instead")
    assert cancelled["__typename"] == "PaymentPayload", cancelled
    p = cancelled["payment"]
    assert p["status"] == "CANCELLED"
    assert p["cancelledBy"] == "ash.assistant"
    assert p["cancelReason"] == "paid by the family instead"
    assert [(e["event"], bool(e["transferId"])) for e in p["events"]] == [
        ("APPROVED", True),
        ("CANCELLED", True),
    ]
    account = await cms_account(api, client)
    assert (account["balance"], account["held"], account["available"]) == (
        "10000.00",
        "0.00",
        "10000.00",
    )
    assert await transfer_kinds(db, client) == ["POSTED", "PENDING", "VOID_PENDING"]
    assert (await invoice_status(api, invoice["id"]))["status"] == "CHECKED"

    # A raised payment is cancelled without touching the ledger.
    again = await raised(api, invoice["id"])
    dropped = await cancel(api, again["id"])
    assert dropped["payment"]["events"][0]["transferId"] is None
    assert await transfer_kinds(db, client) == ["POSTED", "PENDING", "VOID_PENDING"]
    assert [a for a, _ in await audit_of(db, again["id"])] == ["raise", "cancel"]


@pytest.mark.parametrize(
    ("steps", "then", "status"),
    [
        ([], "make", "RAISED"),
        (["approve"], "approve", "APPROVED"),
        (["approve", "make"], "cancel", "MADE"),
        (["approve", "make"], "make", "MADE"),
        (["cancel"], "approve", "CANCELLED"),
        (["cancel"], "make", "CANCELLED"),
        (["cancel"], "cancel", "CANCELLED"),
    ],
)
async def test_the_state_machine_refuses_every_other_step(
    api: Api, setup: dict[str, Any], steps: list[str], then: str, status: str
) -> None:
    """RAISED -> APPROVED -> MADE, RAISED | APPROVED -> CANCELLED; anything else is
    INVALID_STATE and changes nothing."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    do = {"approve": approve, "make": make, "cancel": cancel}
    for step in steps:
        assert (await do[step](api, payment["id"]))["__typename"] == "PaymentPayload"
    account = await cms_account(api, setup["client"])
    result = await do[then](api, payment["id"])
    assert result["__typename"] == "InvalidStateProblem", result
    assert result["code"] == "INVALID_STATE"
    assert status in result["message"]
    assert (await get_payment(api, payment["id"]))["status"] == status
    assert await cms_account(api, setup["client"]) == account


async def test_the_database_refuses_a_second_approval_row(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """payment_event has a unique index per (payment, event): the backstop to the row lock."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    await approve(api, payment["id"])
    with pytest.raises(IntegrityError, match="uq_payment_event_once"):
        async with db.connection.begin_nested():
            await db.connection.execute(
                text(
                    "INSERT INTO payment_event (payment_id, event, recorded_by) "
                    "VALUES (:p, 'APPROVED', 'someone')"
                ),
                {"p": decode_uuid("Payment", payment["id"])},
            )


# --- R-PAY-3: funds short -------------------------------------------------------------------


async def test_funds_short_refuses_approval_marks_the_invoice_and_moves_nothing(
    api: Api, db: RolledBackDatabase, session: Any
) -> None:
    """R-PAY-3: a payment never takes the client below zero. The approval is refused
    (INSUFFICIENT_FUNDS), nothing is held or moved, and the invoice is marked FUNDS_SHORT (an
    event committed though the approval failed, and audited) so the sender is contacted."""
    client = await new_client(api)
    await fund(session, api, client, 10_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable(api, client, supplier, amount="150.00")
    payment = await raised(api, invoice["id"])

    refused = await approve(api, payment["id"])
    assert refused["__typename"] == "InsufficientFundsProblem", refused
    assert refused["code"] == "INSUFFICIENT_FUNDS"
    assert (refused["available"], refused["wanted"]) == ("100.00", "150.00")
    account = await cms_account(api, client)
    assert (account["balance"], account["held"]) == ("100.00", "0.00")
    assert await transfer_kinds(db, client) == ["POSTED"]

    marked = await invoice_status(api, invoice["id"])
    assert marked["status"] == "FUNDS_SHORT"
    assert [e["event"] for e in marked["events"]] == ["FUNDS_SHORT"]
    assert "R-PAY-3" in marked["events"][0]["note"]
    p = await get_payment(api, payment["id"])
    assert p["status"] == "RAISED"
    assert p["fundsShort"] is True
    assert [e["event"] for e in p["events"]] == ["REFUSED_FUNDS_SHORT"]
    assert [a for a, _ in await audit_of(db, payment["id"])] == [
        "raise",
        "approval_refused_funds_short",
    ]
    invoice_audit = await db.connection.execute(
        text("SELECT action FROM audit_log WHERE entity_id = :id ORDER BY id"),
        {"id": str(decode_uuid("Invoice", invoice["id"]))},
    )
    assert [r[0] for r in invoice_audit][-1] == "funds_short"

    # The officer contacts the sender (R-PAY-3); the invoice stays short of funds.
    contacted = (
        await api.data(
            RECORD_EVENT,
            {
                "input": {
                    "invoiceId": invoice["id"],
                    "event": "SENDER_CONTACTED",
                    "note": "rang the home",
                }
            },
            role="assistant",
            sub="ash.assistant",
        )
    )["recordInvoiceEvent"]
    assert [e["event"] for e in contacted["invoice"]["events"]] == [
        "FUNDS_SHORT",
        "SENDER_CONTACTED",
    ]
    assert contacted["invoice"]["status"] == "FUNDS_SHORT"

    # Money arrives; the same payment is approved.
    await fund(session, api, client, 5_000)
    approved = await approve(api, payment["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    assert approved["payment"]["fundsShort"] is False
    assert (await invoice_status(api, invoice["id"]))["status"] == "APPROVED"
    assert (await cms_account(api, client))["available"] == "0.00"


async def test_a_refused_approval_can_be_retried_with_the_same_key(api: Api, session: Any) -> None:
    """A refusal is not a result: nothing was done, so the same key may try again."""
    client = await new_client(api)
    await fund(session, api, client, 5_000)
    invoice = await payable(api, client, await new_counterparty(api), amount="60.00")
    payment = await raised(api, invoice["id"])
    key = new_key()
    assert (await approve(api, payment["id"], key=key))["__typename"] == (
        "InsufficientFundsProblem"
    )
    await fund(session, api, client, 1_000)
    retried = await approve(api, payment["id"], key=key)
    assert retried["__typename"] == "PaymentPayload"
    assert retried["replayed"] is False


# --- R-ROLE-2 and R-DEC: who may approve ----------------------------------------------------


async def test_whoever_raised_a_payment_cannot_approve_it_even_head_of_service(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """R-ROLE-2: four eyes, whatever the role."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"], role="head_of_service", sub="hari.head")
    own = await get_payment(api, payment["id"], role="head_of_service", sub="hari.head")
    assert own["canApprove"] is False
    refused = await approve(api, payment["id"], role="head_of_service", sub="hari.head")
    assert refused["__typename"] == "FourEyesProblem", refused
    assert refused["code"] == "FOUR_EYES"
    assert refused["raisedBy"] == "hari.head"
    assert "R-ROLE-2" in refused["message"]
    assert (await cms_account(api, setup["client"]))["held"] == "0.00"
    other = await approve(api, payment["id"], role="head_of_service", sub="hana.head")
    assert other["__typename"] == "PaymentPayload"
    assert other["payment"]["approvedBy"] == "hana.head"


async def test_whoever_recorded_the_invoice_cannot_approve_its_payment(
    api: Api, setup: dict[str, Any]
) -> None:
    """issue 9 item 8, R-ROLE-2: what a payment of an invoice pays (payee, amount, category) is
    the invoice as recorded, so whoever recorded it is an author of the payment: officer X
    records the invoice, colleague Y raises the payment, X may not approve it; a third may."""
    invoice = await recorded(
        api, setup["client"], setup["supplier"], role="senior_officer", sub="olu.scao"
    )
    await check_all(api, invoice["id"])
    payment = await raised(api, invoice["id"])  # by ash.assistant
    assert payment["raisedBy"] == "ash.assistant"
    seen = await get_payment(api, payment["id"], role="senior_officer", sub="olu.scao")
    assert seen["authors"] == ["ash.assistant", "olu.scao"]
    assert seen["canApprove"] is False
    awaiting = await api.data(AWAITING, {"first": 10}, role="senior_officer", sub="olu.scao")
    [node] = [
        e["node"]
        for e in awaiting["paymentsAwaitingApproval"]["edges"]
        if e["node"]["id"] == payment["id"]
    ]
    assert node["canApprove"] is False
    refused = await approve(api, payment["id"], role="senior_officer", sub="olu.scao")
    assert refused["__typename"] == "FourEyesProblem", refused
    assert refused["code"] == "FOUR_EYES" and "R-ROLE-2" in refused["message"]
    assert (await cms_account(api, setup["client"]))["held"] == "0.00"

    other = await approve(api, payment["id"], role="senior_officer", sub="oona.scao")
    assert other["__typename"] == "PaymentPayload", other
    assert other["payment"]["approvedBy"] == "oona.scao"


async def test_a_standing_payments_author_is_whoever_raised_it(
    api: Api, setup: dict[str, Any]
) -> None:
    """issue 9 item 8: a standing payment has no invoice: its raiser wrote all of it."""
    raised_standing = await raise_payment(api, standing_input(setup))
    payment = raised_standing["payment"]
    seen = await get_payment(api, payment["id"], role="auditor", sub="audrey")
    assert seen["authors"] == ["ash.assistant"]


async def test_approval_limit_boundary_for_a_senior_officer(
    api: Api, session: Any, setup: dict[str, Any]
) -> None:
    """R-DEC-2 (seed 002 Appendix 2 as applied to payments): a senior officer approves up to and
    including £5,000.00; £5,000.01 needs the governance manager, whom the refusal names."""
    client, supplier = setup["client"], setup["supplier"]
    await fund(session, api, client, 1)  # £10,000.01 in all
    at_limit = await raised(api, (await payable(api, client, supplier, amount="5000.00"))["id"])
    over = await raised(api, (await payable(api, client, supplier, amount="5000.01"))["id"])

    scao = {"role": "senior_officer", "sub": "olu.scao"}
    assert (await get_payment(api, at_limit["id"], **scao))["canApprove"] is True
    assert (await get_payment(api, over["id"], **scao))["canApprove"] is False
    tgm = {"role": "governance_manager", "sub": "grace.tgm"}
    assert (await get_payment(api, over["id"], **tgm))["canApprove"] is True

    ok = await approve(api, at_limit["id"], **scao)
    assert ok["__typename"] == "PaymentPayload", ok
    refused = await approve(api, over["id"], **scao)
    assert refused["__typename"] == "OverApprovalLimitProblem", refused
    assert refused["code"] == "OVER_APPROVAL_LIMIT"
    assert refused["amount"] == "5000.01"
    assert refused["lowestRoleThatMayApprove"] == "GOVERNANCE_MANAGER"
    assert (await get_payment(api, over["id"]))["status"] == "RAISED"

    approved = await approve(api, over["id"], **tgm)
    assert approved["__typename"] == "PaymentPayload", approved
    assert approved["payment"]["approvalLimitVersionId"] == 1
    assert (await cms_account(api, client))["available"] == "0.00"


async def test_each_approval_records_the_limits_in_force_that_day(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any], today: Any
) -> None:
    """R-DEC-4: limits change by committee decision, as data with an effective date; each
    approval records the version it was judged under, and later changes do not rewrite it."""
    client, supplier = setup["client"], setup["supplier"]
    today.set(date(2026, 6, 1))
    small = await raised(api, (await payable(api, client, supplier, amount="100.00"))["id"])
    big = await raised(api, (await payable(api, client, supplier, amount="5000.01"))["id"])
    first = await approve(api, small["id"])
    assert first["payment"]["approvalLimitVersionId"] == 1

    version = await scalar(
        db,
        "INSERT INTO approval_limit_version (effective_from, note, recorded_by) "
        "VALUES ('2026-06-02', 'Committee, June 2026: SCAO payments to £10,000', 'grace.tgm') "
        "RETURNING id",
    )
    await db.connection.execute(
        text(
            "INSERT INTO approval_limit (version_id, subject, role, up_to) VALUES "
            "(:v, 'PAYMENT', 'senior_officer', 1000000), "
            "(:v, 'PAYMENT', 'governance_manager', NULL)"
        ),
        {"v": version},
    )
    assert (await approve(api, big["id"]))["__typename"] == "OverApprovalLimitProblem"
    today.set(date(2026, 6, 2))
    second = await approve(api, big["id"])
    assert second["__typename"] == "PaymentPayload", second
    assert second["payment"]["approvalLimitVersionId"] == version
    assert second["payment"]["events"][0]["limitVersionId"] == version
    assert (await get_payment(api, small["id"]))["approvalLimitVersionId"] == 1


@pytest.mark.parametrize(
    "role",
    ["support_assistant", "assistant", "senior_assistant", "auditor", "integration_sap"],
)
async def test_only_approvers_approve(api: Api, setup: dict[str, Any], role: str) -> None:
    """R-ROLE-1: approval is for the senior officer and above (R-DEC-2)."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    body = await api.gql(
        APPROVE, {"input": {"id": payment["id"], "idempotencyKey": new_key()}}, role=role
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await get_payment(api, payment["id"]))["status"] == "RAISED"


@pytest.mark.parametrize(
    ("mutation", "role"),
    [
        ("raise", "auditor"),
        ("raise", "reporting"),
        ("raise", "social_worker"),
        ("raise", "integration_controcc"),
        ("make", "auditor"),
        ("make", "integration_sap"),
        ("cancel", "auditor"),
        ("cancel", "integration_sap"),
    ],
)
async def test_denials_by_role(api: Api, setup: dict[str, Any], mutation: str, role: str) -> None:
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    if mutation == "raise":
        body = await api.gql(
            RAISE_PAYMENT,
            {"input": {"invoiceId": invoice["id"], "idempotencyKey": new_key()}},
            role=role,
        )
    elif mutation == "make":
        body = await api.gql(
            MAKE, {"input": {"id": payment["id"], "idempotencyKey": new_key()}}, role=role
        )
    else:
        body = await api.gql(
            CANCEL,
            {"input": {"id": payment["id"], "reason": "x", "idempotencyKey": new_key()}},
            role=role,
        )
    assert error_codes(body) == ["FORBIDDEN"]


# --- R-PAY-2 and R-PAY-5: before payment ----------------------------------------------------


async def test_a_payment_needs_every_check_recorded_and_passed(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """R-PAY-2: the refusal lists the checks missing or failed; nothing is written."""
    invoice = await recorded(api, setup["client"], setup["supplier"])
    await check_all(api, invoice["id"], skip=("NOT_DUPLICATE",))
    await record_check(api, invoice["id"], "HEADED", passed=False, note="no VAT number")
    before = await scalar(db, "SELECT count(*) FROM payment")
    result = await raise_payment(api, {"invoiceId": invoice["id"]})
    assert result["__typename"] == "ChecksIncompleteProblem", result
    assert result["code"] == "CHECKS_INCOMPLETE"
    assert result["missing"] == ["HEADED", "NOT_DUPLICATE"]
    assert await scalar(db, "SELECT count(*) FROM payment") == before


async def test_approval_checks_again_and_refuses_after_a_failed_check(
    api: Api, setup: dict[str, Any]
) -> None:
    """R-PAY-2: a check failed after the payment was raised stops the approval."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    await record_check(api, invoice["id"], "ARITHMETIC", passed=False, note="wrong total")
    result = await approve(api, payment["id"])
    assert result["__typename"] == "ChecksIncompleteProblem", result
    assert result["missing"] == ["ARITHMETIC"]
    assert (await cms_account(api, setup["client"]))["held"] == "0.00"


async def test_a_reimbursement_needs_an_official_invoice_and_evidence_over_ten_pounds(
    api: Api, session: Any
) -> None:
    """R-PAY-5: a care provider is reimbursed only against an official invoice; items over
    £10.00 (the policy figure) only once the receipt was seen. £10.00 itself needs none."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    provider = await new_counterparty(api, "CARE_PROVIDER")
    reimbursement = {
        "kind": "CARE_PROVIDER_REIMBURSEMENT",
        "category": "OUT_OTHER",
        "amount": "20.01",
    }
    unseen = await payable(
        api,
        client,
        provider,
        items=[
            {"description": "Hairdresser", "amount": "10.00"},
            {"description": "Slippers", "amount": "10.01"},
        ],
        **reimbursement,
    )
    refused = await raise_payment(api, {"invoiceId": unseen["id"]})
    assert refused["__typename"] == "ValidationProblem", refused
    assert {f["field"] for f in refused["fields"]} == {"officialInvoice", "items"}
    assert "R-PAY-5" in refused["message"]
    assert "line 2" in refused["message"]

    seen = await payable(
        api,
        client,
        provider,
        officialInvoice=True,
        items=[
            {"description": "Hairdresser", "amount": "10.00"},
            {"description": "Slippers", "amount": "10.01", "evidenceSeen": True},
        ],
        **reimbursement,
    )
    payment = await raised(api, seen["id"])
    assert payment["payee"]["kind"] == "CARE_PROVIDER"
    assert (await approve(api, payment["id"]))["__typename"] == "PaymentPayload"


async def test_an_invoice_is_paid_once(api: Api, setup: dict[str, Any]) -> None:
    """One live payment per invoice; a paid or cancelled invoice takes none; an invoice with a
    payment in progress cannot be cancelled."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    second = await raise_payment(api, {"invoiceId": invoice["id"]})
    assert second["__typename"] == "InvalidStateProblem"
    assert "PAYMENT_RAISED" in second["message"]
    cancel_invoice = (
        await api.data(
            RECORD_EVENT, {"input": {"invoiceId": invoice["id"], "event": "CANCELLED", "note": "x"}}
        )
    )["recordInvoiceEvent"]
    assert cancel_invoice["__typename"] == "InvalidStateProblem"
    await approve(api, payment["id"])
    await make(api, payment["id"])
    third = await raise_payment(api, {"invoiceId": invoice["id"]})
    assert third["__typename"] == "InvalidStateProblem"
    assert "PAID" in third["message"]


# --- R-PAY-4: council charges, SAP ----------------------------------------------------------


async def test_sap_raises_its_council_invoices_by_direct_debit(
    api: Api, setup: dict[str, Any]
) -> None:
    """R-PAY-4: council care-contribution invoices from SAP carry directDebit; their payment is
    by DIRECT_DEBIT, and another method is refused."""
    council = await new_counterparty(api, "COUNCIL")
    invoice = await recorded(
        api,
        setup["client"],
        council,
        kind="COUNCIL_CARE_CONTRIBUTION",
        category="OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        directDebit=True,
        role="integration_sap",
        sub="sap",
    )
    await check_all(api, invoice["id"])
    wrong = await raise_payment(api, {"invoiceId": invoice["id"]}, method="BANK_TRANSFER")
    assert wrong["__typename"] == "ValidationProblem"
    assert {f["field"] for f in wrong["fields"]} == {"method"}
    assert "R-PAY-4" in wrong["message"]

    payment = await raised(api, invoice["id"], role="integration_sap", sub="sap")
    assert payment["method"] == "DIRECT_DEBIT"
    assert payment["raisedBy"] is None  # withheld from an integration (issue 17 item 2)
    assert payment["category"] == "OUT_LOCAL_AUTHORITY_CARE_CHARGES"
    assert (await approve(api, payment["id"]))["__typename"] == "PaymentPayload"


async def test_direct_debit_only_where_one_is_set_up(api: Api, setup: dict[str, Any]) -> None:
    invoice = await payable(api, setup["client"], setup["supplier"])
    refused = await raise_payment(api, {"invoiceId": invoice["id"]}, method="DIRECT_DEBIT")
    assert refused["__typename"] == "ValidationProblem"
    payment = await raised(api, invoice["id"], method="CHEQUE")
    assert payment["method"] == "CHEQUE"


async def test_sap_raises_payments_of_council_invoices_only(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """Integrations do only their integration's operations (R-ROLE): no standing payments, no
    other invoices (FORBIDDEN, nothing written)."""
    invoice = await payable(api, setup["client"], setup["supplier"])
    before = await scalar(db, "SELECT count(*) FROM payment")
    body = await api.gql(
        RAISE_PAYMENT,
        {"input": {"invoiceId": invoice["id"], "idempotencyKey": new_key()}},
        role="integration_sap",
    )
    assert error_codes(body) == ["FORBIDDEN"]
    standing = {
        "clientId": setup["client"]["id"],
        "payeeId": setup["supplier"],
        "amount": "10.00",
        "category": "OUT_OTHER",
        "description": "x",
        "standing": True,
    }
    body = await api.gql(
        RAISE_PAYMENT, {"input": {**standing, "idempotencyKey": new_key()}}, role="integration_sap"
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert await scalar(db, "SELECT count(*) FROM payment") == before


# --- standing payments ----------------------------------------------------------------------


def standing_input(setup: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": setup["client"]["id"],
        "payeeId": setup["supplier"],
        "amount": "45.00",
        "category": "OUT_TELEPHONE_AND_BROADBAND",
        "description": "Monthly telephone line rental",
        "standing": True,
    }
    return base | overrides


async def test_a_standing_payment_without_an_invoice(api: Api, setup: dict[str, Any]) -> None:
    payment_result = await raise_payment(api, standing_input(setup))
    assert payment_result["__typename"] == "PaymentPayload", payment_result
    payment = payment_result["payment"]
    assert (payment["standing"], payment["invoiceId"], payment["invoice"]) == (True, None, None)
    assert payment["amount"] == "45.00"
    assert (await approve(api, payment["id"]))["__typename"] == "PaymentPayload"
    assert (await make(api, payment["id"]))["payment"]["status"] == "MADE"
    assert (await cms_account(api, setup["client"]))["balance"] == "9955.00"


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"standing": False}, {"standing"}),
        ({"amount": "0.00"}, {"amount"}),
        ({"description": " "}, {"description"}),
        ({"category": "IN_BENEFITS"}, {"category"}),
        ({"category": "OUT_GIFTS"}, {"category"}),
        ({"amount": None}, {"amount"}),
    ],
)
async def test_invalid_standing_payments(
    api: Api, setup: dict[str, Any], overrides: dict[str, Any], fields: set[str]
) -> None:
    result = await raise_payment(api, standing_input(setup, **overrides))
    assert result["__typename"] == "ValidationProblem", result
    assert {f["field"] for f in result["fields"]} == fields


@pytest.mark.parametrize(
    ("category", "rule"),
    [("OUT_INVESTMENT_PURCHASES", "R-INV-2"), ("OUT_DEPUTY_FEES", "R-FEE-1")],
)
async def test_investments_and_deputy_fees_have_their_own_doors_not_a_payment(
    api: Api, setup: dict[str, Any], category: str, rule: str
) -> None:
    """issue 9 item 1 ("every entry point is guarded"): a client's surplus is invested only by
    a lodgement or placement within the surplus rule (R-INV-2, R-INV-4), and the council's own
    deputy fees are taken only by a fee run at the rates in force (R-FEE-1, R-FEE-3). A payment
    or an invoice under either category would go round them: refused, nothing written."""
    standing = await raise_payment(api, standing_input(setup, category=category))
    assert standing["__typename"] == "ValidationProblem", standing
    assert rule in {f["field"]: f["message"] for f in standing["fields"]}["category"]
    invoice = await record_invoice(api, setup["client"], setup["supplier"], category=category)
    assert invoice["__typename"] == "ValidationProblem", invoice
    assert rule in {f["field"]: f["message"] for f in invoice["fields"]}["category"]


async def test_personal_allowance_is_not_paid_ahead_to_a_care_provider(
    api: Api, setup: dict[str, Any]
) -> None:
    """R-PAY-6: a standing payment of personal allowance to a care provider would be an
    advance: refused (the provider is repaid against its invoice)."""
    provider = await new_counterparty(api, "CARE_PROVIDER")
    result = await raise_payment(
        api, standing_input(setup, payeeId=provider, category="OUT_PERSONAL_ALLOWANCE")
    )
    assert result["__typename"] == "ValidationProblem", result
    assert "R-PAY-6" in result["message"]
    # Personal allowance to the client's own card account provider is fine.
    ok = await raise_payment(api, standing_input(setup, category="OUT_PERSONAL_ALLOWANCE"))
    assert ok["__typename"] == "PaymentPayload"
    # issue 10 item 6: raised as asked, to the client's own payee, awaiting approval (R-PAY-6)
    payment = ok["payment"]
    assert (payment["category"], payment["standing"], payment["amount"]) == (
        "OUT_PERSONAL_ALLOWANCE",
        True,
        "45.00",
    )
    assert (payment["payee"]["id"], payment["status"]) == (setup["supplier"], "RAISED")


async def test_a_payment_is_of_an_invoice_or_standing_not_both(
    api: Api, setup: dict[str, Any]
) -> None:
    invoice = await payable(api, setup["client"], setup["supplier"])
    result = await raise_payment(api, {"invoiceId": invoice["id"], "amount": "1.00"})
    assert result["__typename"] == "ValidationProblem"
    assert {f["field"] for f in result["fields"]} == {"amount"}
    ghost = encode_id("Invoice", uuid.uuid4())
    missing = await raise_payment(api, {"invoiceId": ghost})
    assert missing["__typename"] == "NotFoundProblem"
    assert missing["id"] == ghost


# --- idempotency ----------------------------------------------------------------------------


async def test_money_moving_mutations_replay_with_the_same_key(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """The same key and input returns the first result and does nothing again; the same key
    with another input is IDEMPOTENCY_KEY_REUSED."""
    client = setup["client"]
    invoice = await payable(api, client, setup["supplier"], amount="300.00")
    raise_key = new_key()
    first = await raise_payment(api, {"invoiceId": invoice["id"]}, key=raise_key)
    again = await raise_payment(api, {"invoiceId": invoice["id"]}, key=raise_key)
    assert again["replayed"] is True and first["replayed"] is False
    assert again["payment"]["id"] == first["payment"]["id"]
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM payment WHERE invoice_id = :i",
            i=decode_uuid("Invoice", invoice["id"]),
        )
        == 1
    )
    reused = await raise_payment(api, {"invoiceId": invoice["id"]}, key=raise_key, method="CHEQUE")
    assert reused["__typename"] == "IdempotencyKeyReusedProblem"
    assert reused["key"] == raise_key
    payment_id = first["payment"]["id"]

    approve_key = new_key()
    assert (await approve(api, payment_id, key=approve_key))["replayed"] is False
    replay = await approve(api, payment_id, key=approve_key)
    assert replay["__typename"] == "PaymentPayload"
    assert replay["replayed"] is True
    assert (await cms_account(api, client))["held"] == "300.00"  # held once
    other = await raised(api, (await payable(api, client, setup["supplier"]))["id"])
    assert (await approve(api, other["id"], key=approve_key))["__typename"] == (
        "IdempotencyKeyReusedProblem"
    )

    make_key = new_key()
    assert (await make(api, payment_id, key=make_key))["replayed"] is False
    made_again = await make(api, payment_id, key=make_key)
    assert made_again["replayed"] is True
    assert made_again["payment"]["status"] == "MADE"
    assert (await cms_account(api, client))["balance"] == "9700.00"  # paid once
    assert await transfer_kinds(db, client) == ["POSTED", "PENDING", "POST_PENDING"]

    cancel_key = new_key()
    assert (await cancel(api, other["id"], "dup", key=cancel_key))["replayed"] is False
    assert (await cancel(api, other["id"], "dup", key=cancel_key))["replayed"] is True
    reasons = await cancel(api, other["id"], "another reason", key=cancel_key)
    assert reasons["__typename"] == "IdempotencyKeyReusedProblem"
    assert [a for a, _ in await audit_of(db, payment_id)] == ["raise", "approve", "make"]


# --- the SPA's queries ----------------------------------------------------------------------


async def test_payments_awaiting_approval_oldest_first_with_can_approve(
    api: Api, setup: dict[str, Any]
) -> None:
    """The approval queue: raised and not yet approved, oldest first, with the amount, client
    reference, who raised it and since when; canApprove is false for one's own payment
    (R-ROLE-2) and over one's limit (R-DEC-2)."""
    client, supplier = setup["client"], setup["supplier"]
    small = await raised(api, (await payable(api, client, supplier, amount="100.00"))["id"])
    large = await raised(api, (await payable(api, client, supplier, amount="6000.00"))["id"])
    own = await raised(
        api,
        (await payable(api, client, supplier, amount="50.00"))["id"],
        role="senior_officer",
        sub="olu.scao",
    )
    done = await raised(api, (await payable(api, client, supplier, amount="10.00"))["id"])
    await approve(api, done["id"], role="governance_manager", sub="grace.tgm")

    async def queue(role: str, sub: str) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            data = await api.data(AWAITING, {"first": 2, "after": after}, role=role, sub=sub)
            page = data["paymentsAwaitingApproval"]
            nodes += [e["node"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return [n for n in nodes if n["clientReference"] == client["reference"]]
            after = page["pageInfo"]["endCursor"]

    scao = await queue("senior_officer", "olu.scao")
    assert [n["id"] for n in scao] == [small["id"], large["id"], own["id"]]
    assert [n["canApprove"] for n in scao] == [True, False, False]
    assert scao[0] == {
        "id": small["id"],
        "amount": "100.00",
        "clientReference": client["reference"],
        "raisedBy": "ash.assistant",
        "waitingSince": small["raisedAt"],
        "canApprove": True,
        "status": "RAISED",
    }
    assert [n["canApprove"] for n in await queue("governance_manager", "grace.tgm")] == [
        True,
        True,
        True,
    ]
    assert [n["canApprove"] for n in await queue("auditor", "audrey")] == [False] * 3


async def test_payments_by_client_and_status_newest_first(api: Api, setup: dict[str, Any]) -> None:
    client, supplier = setup["client"], setup["supplier"]
    first = await raised(api, (await payable(api, client, supplier))["id"])
    second = await raised(api, (await payable(api, client, supplier))["id"])
    await approve(api, second["id"])
    other_client = await new_client(api)
    await raised(api, (await payable(api, other_client, supplier))["id"])

    async def ids(**variables: Any) -> list[str]:
        out: list[str] = []
        after = None
        while True:
            data = await api.data(
                PAYMENTS, {**variables, "first": 1, "after": after}, role="auditor"
            )
            page = data["payments"]
            out += [e["node"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return out
            after = page["pageInfo"]["endCursor"]

    assert await ids(clientId=client["id"]) == [second["id"], first["id"]]
    assert await ids(clientId=client["id"], status="APPROVED") == [second["id"]]
    assert await ids(clientId=client["id"], status="MADE") == []


@pytest.mark.parametrize(
    "role", ["reporting", "social_worker", "integration_sap", "integration_controcc"]
)
async def test_payments_are_read_by_officers_and_audit_only(
    api: Api, setup: dict[str, Any], role: str
) -> None:
    invoice = await payable(api, setup["client"], setup["supplier"])
    payment = await raised(api, invoice["id"])
    assert (await get_payment(api, payment["id"], role="auditor"))["id"] == payment["id"]
    for query, variables in (
        (PAYMENT, {"id": payment["id"]}),
        (PAYMENTS, {}),
        (AWAITING, {}),
    ):
        assert error_codes(await api.gql(query, variables, role=role)) == ["FORBIDDEN"]


async def test_an_unknown_payment_is_not_found(api: Api) -> None:
    ghost = encode_id("Payment", uuid.uuid4())
    assert error_codes(await api.gql(PAYMENT, {"id": ghost})) == ["NOT_FOUND"]
    result = await approve(api, ghost)
    assert result["__typename"] == "NotFoundProblem"
    assert result["id"] == ghost


QUEUE_SCREEN = """
query {
  paymentsAwaitingApproval(first: 50) {
    edges { node {
      id amount clientReference raisedBy waitingSince canApprove fundsShort approvedBy
      payee { name }
      invoice { id status dueOn supplier { name } checks { check passed } items { amount } }
    } }
  }
}
"""


async def test_the_approval_queue_takes_the_same_statements_for_2_or_8_payments(
    api: Api, db: RolledBackDatabase, setup: dict[str, Any]
) -> None:
    """N+1 is a bug: the SPA's approval screen loads payees, invoices, checks, items, events
    and the limits once per request, not once per row."""
    client, supplier = setup["client"], setup["supplier"]

    async def add(n: int) -> None:
        for _ in range(n):
            await raised(api, (await payable(api, client, supplier, amount="1.00"))["id"])

    await add(2)
    with statements(db) as few:
        data = await api.data(QUEUE_SCREEN, role="senior_officer", sub="olu.scao")
    assert len(data["paymentsAwaitingApproval"]["edges"]) == 2
    await add(6)
    with statements(db) as many:
        data = await api.data(QUEUE_SCREEN, role="senior_officer", sub="olu.scao")
    assert len(data["paymentsAwaitingApproval"]["edges"]) == 8
    assert len(many) == len(few), many


# --- concurrency, committing for real on a database of its own -----------------------------


@pytest.fixture(scope="module")
def concurrent_url() -> Iterator[str]:
    with fresh_database("ca_api_payments_conc") as url:
        yield url


@pytest.fixture
async def live_api(
    concurrent_url: str, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[tuple[Api, Database]]:
    """The real endpoint on a database that commits: each request its own connection."""
    async with app_on(concurrent_url, settings, signing_key, pool_size=12) as live:
        yield live


async def test_concurrent_approvals_hold_once_and_never_overdraw(
    live_api: tuple[Api, Database],
) -> None:
    """The payment row is locked before deciding: five approvers at once approve a payment once
    (one hold); payments approved at once hold no more than the client has (R-PAY-3), and each
    refusal is recorded."""
    api, database = live_api
    client = await new_client(api)
    session = database.session()
    try:
        await fund(session, api, client, 10_000)  # £100.00
    finally:
        await session.close()
    supplier = await new_counterparty(api, "SUPPLIER")

    one = await raised(api, (await payable(api, client, supplier, amount="10.00"))["id"])
    results = await asyncio.gather(*(approve(api, one["id"], sub=f"scao.{n}") for n in range(5)))
    assert Counter(r["__typename"] for r in results) == {
        "PaymentPayload": 1,
        "InvalidStateProblem": 4,
    }
    assert (await cms_account(api, client))["held"] == "10.00"

    many = [
        await raised(api, (await payable(api, client, supplier, amount="30.00"))["id"])
        for _ in range(4)
    ]
    results = await asyncio.gather(*(approve(api, p["id"]) for p in many))
    assert Counter(r["__typename"] for r in results) == {
        "PaymentPayload": 3,
        "InsufficientFundsProblem": 1,
    }
    account = await cms_account(api, client)
    assert (account["balance"], account["held"], account["available"]) == (
        "100.00",
        "100.00",
        "0.00",
    )
    refused = next(
        p for p, r in zip(many, results, strict=True) if r["__typename"] != "PaymentPayload"
    )
    assert (await get_payment(api, refused["id"]))["fundsShort"] is True

    # One request repeated at once with one key: approved once, the rest replay it.
    approved = next(
        p for p, r in zip(many, results, strict=True) if r["__typename"] == "PaymentPayload"
    )
    assert (await cancel(api, approved["id"]))["__typename"] == "PaymentPayload"
    last = await raised(api, (await payable(api, client, supplier, amount="1.00"))["id"])
    same_key = new_key()
    results = await asyncio.gather(*(approve(api, last["id"], key=same_key) for _ in range(4)))
    assert {r["__typename"] for r in results} == {"PaymentPayload"}
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    events = (await get_payment(api, last["id"]))["events"]
    assert [e["event"] for e in events] == ["APPROVED"]
    assert (await cms_account(api, client))["held"] == "71.00"


# --- the pure rules -------------------------------------------------------------------------


@given(st.lists(st.sampled_from(list(PaymentEventKind)), max_size=6))
def test_the_state_machine_only_moves_forward(events: list[PaymentEventKind]) -> None:
    """RAISED -> APPROVED -> MADE, RAISED | APPROVED -> CANCELLED: replaying any sequence of
    requested steps through the transition rule never reaches a state the machine forbids."""
    status = PaymentStatus.RAISED
    recorded_events: list[PaymentEventKind] = []
    for event_kind in events:
        if event_kind is PaymentEventKind.REFUSED_FUNDS_SHORT:
            recorded_events.append(event_kind)
            continue
        if transition_problem(status, event_kind) is None:
            recorded_events.append(event_kind)
            status = payment_status(recorded_events)
    assert Counter(recorded_events)[PaymentEventKind.APPROVED] <= 1
    assert not {PaymentEventKind.MADE, PaymentEventKind.CANCELLED} <= set(recorded_events)
    if PaymentEventKind.MADE in recorded_events:
        assert PaymentEventKind.APPROVED in recorded_events
        assert status is PaymentStatus.MADE


def test_four_eyes_is_about_the_person_not_the_role() -> None:
    """R-ROLE-2."""
    assert four_eyes("olu.scao", "grace.tgm")
    assert not four_eyes("hari.head", "hari.head")


def test_four_eyes_counts_every_author_not_only_the_raiser() -> None:
    # issue 9 item 8, R-ROLE-2: one rule for payments and decisions (approvals.rules).
    assert not four_eyes("ash.assistant", "olu.scao", ["ash.assistant", "olu.scao"])
    assert four_eyes("ash.assistant", "oona.scao", ["ash.assistant", "olu.scao"])
    assert not four_eyes("ash.assistant", "ash.assistant", [])

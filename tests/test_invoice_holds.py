"""Council invoices held on appointment through the real /graphql endpoint (issue 12 item 3;
R-REF-7, seed 002 B 4.5; R-PAY-4; R-ROLE-1; R-AUD-2).

When the council is appointed for a client (their first order of either kind), each of the
client's council care charges neither paid nor cancelled is held, in the order's transaction: it
is not overdue and no money moves for it (no payment raised, approved or made) until a senior
officer releases the hold with a reason. A council invoice recorded after the appointment is
not held. A senior officer may also hold an invoice by hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    RECORD_EVENT,
    approve_payment,
    assert_forbidden,
    audit_rows,
    check_all,
    council_invoice,
    fund,
    invoice_hold_view,
    make_payment,
    new_client,
    new_counterparty,
    new_deputyship,
    new_key,
    raise_payment,
    raised_payment,
    raw,
    record_appointeeship,
    recorded,
    team_messages,
)

PAYLOAD = f"""__typename ... on InvoiceHoldPayload {{ replayed invoice {{ id onHold
  hold {{ cause reason heldBy releasedBy releaseReason }} }} }}
{KEYED_PROBLEMS}"""
RELEASE = f"""mutation($input: ReleaseInvoiceHoldInput!) {{
  releaseInvoiceHold(input: $input) {{ {PAYLOAD} }} }}"""
HOLD = f"""mutation($input: HoldInvoiceInput!) {{ holdInvoice(input: $input) {{ {PAYLOAD} }} }}"""
OVERDUE = """query($filter: InvoiceFilter) {
  invoices(filter: $filter, first: 100) { nodes { id } } }"""
SCAO = {"role": "senior_officer", "sub": "olu.scao"}


@pytest.fixture
async def parties(api: Api) -> dict[str, Any]:
    return {
        "client": await new_client(api),
        "council": await new_counterparty(api, "COUNCIL"),
        "supplier": await new_counterparty(api, "SUPPLIER"),
    }


async def appoint(api: Api, client: dict[str, str]) -> None:
    result = await record_appointeeship(api, client["id"])
    assert result["__typename"] == "AppointeeshipPayload", result


async def change(
    api: Api, document: str, invoice_id: str, reason: str = "funds now available", **kw: Any
) -> dict[str, Any]:
    key = kw.pop("key", None) or new_key()
    variables = {"input": {"invoiceId": invoice_id, "reason": reason, "idempotencyKey": key}}
    data = await api.data(document, variables, **(kw or SCAO))
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def overdue_ids(api: Api, client: dict[str, str], overdue: bool = True) -> set[str]:
    flt = {"clientId": client["id"], "overdue": overdue}
    data = await api.data(OVERDUE, {"filter": flt}, role="assistant", sub="ash")
    return {n["id"] for n in data["invoices"]["nodes"]}


async def test_appointment_holds_the_outstanding_council_invoices_and_they_stop_being_overdue(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    """R-REF-7, seed B 4.5: a council invoice outstanding at appointment is held and is no
    longer overdue; another supplier's invoice is not held."""
    client = parties["client"]
    held = await council_invoice(api, client, parties["council"])
    bill = (await recorded(api, client, parties["supplier"]))["id"]
    today.set(clock.today() + timedelta(days=60))  # both past due
    assert await overdue_ids(api, client) == {held, bill}
    before = await invoice_hold_view(api, held)
    assert before["daysOverdue"] > 0 and before["onHold"] is False and before["hold"] is None
    await appoint(api, client)
    view = await invoice_hold_view(api, held)
    assert (view["onHold"], view["daysOverdue"], view["status"]) == (True, 0, "RECEIVED")
    hold = view["hold"]
    assert (hold["cause"], hold["heldBy"], hold["releasedAt"]) == (
        "ON_APPOINTMENT",
        "olu.scao",
        None,
    )
    assert "R-REF-7" in hold["reason"]
    assert await overdue_ids(api, client) == {bill}
    assert held in await overdue_ids(api, client, overdue=False)
    assert (await invoice_hold_view(api, bill))["onHold"] is False
    # Both teams were told, in the same transaction, how many invoices were held.
    messages = await team_messages(api, clientId=client["id"])
    assert {m["payload"]["invoices_held"] for m in messages} == {1}
    # The appointment's one audit row names the invoices it held (R-AUD-1).
    rows = await audit_rows(api, entityType="appointeeship")
    named = [r["after"]["on_appointment"]["invoices_held"] for r in rows if r["action"] == "record"]
    assert [raw(held)] in named


async def test_paid_cancelled_and_later_council_invoices_are_not_held(
    api: Api, parties: dict[str, Any]
) -> None:
    client = parties["client"]
    cancelled = await council_invoice(api, client, parties["council"])
    data = await api.data(
        RECORD_EVENT,
        {"input": {"invoiceId": cancelled, "event": "CANCELLED", "note": "sent in error"}},
        role="assistant",
        sub="ash",
    )
    assert data["recordInvoiceEvent"]["__typename"] == "InvoicePayload", data
    await appoint(api, client)
    later = await council_invoice(api, client, parties["council"])
    await new_deputyship(api, client["id"])  # a second order is no new appointment
    for invoice_id in (cancelled, later):
        view = await invoice_hold_view(api, invoice_id)
        assert (view["onHold"], view["hold"]) == (False, None), view


async def test_release_needs_a_reason_and_then_the_invoice_is_overdue_and_payable_again(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    client = parties["client"]
    invoice_id = await council_invoice(api, client, parties["council"])
    await appoint(api, client)
    no_reason = await change(api, RELEASE, invoice_id, reason="  ")
    assert no_reason["__typename"] == "ValidationProblem", no_reason
    assert (await invoice_hold_view(api, invoice_id))["onHold"] is True
    key = new_key()
    released = await change(api, RELEASE, invoice_id, key=key)
    assert released["__typename"] == "InvoiceHoldPayload", released
    hold = released["invoice"]["hold"]
    assert released["invoice"]["onHold"] is False
    assert (hold["releasedBy"], hold["releaseReason"]) == ("olu.scao", "funds now available")
    again = await change(api, RELEASE, invoice_id, key=key)
    assert again["replayed"] is True and again["invoice"] == released["invoice"]
    twice = await change(api, RELEASE, invoice_id)
    assert twice["__typename"] == "InvalidStateProblem", twice
    today.set(clock.today() + timedelta(days=60))
    assert invoice_id in await overdue_ids(api, client)
    view = await invoice_hold_view(api, invoice_id)
    assert view["daysOverdue"] > 0 and len(view["holds"]) == 1
    assert [r["action"] for r in await audit_rows(api, entityId=raw(invoice_id))][-1] == (
        "release_hold"
    )


def refused_on_hold(result: dict[str, Any]) -> None:
    assert result["__typename"] == "InvalidStateProblem", result
    assert result["code"] == "INVOICE_ON_HOLD", result
    assert "on hold" in result["message"]


OFFERED = """query($id: ID!) {
  approvalQueue(first: 100) { nodes { itemId } }
  node(id: $id) { ... on Payment { canApprove } } }"""


async def offered(api: Api, payment_id: str) -> bool:
    """Whether the SCAO is offered the payment to approve: in their queue and canApprove, both
    (they must agree)."""
    data = await api.data(OFFERED, {"id": payment_id}, **SCAO)
    queued = payment_id in {n["itemId"] for n in data["approvalQueue"]["nodes"]}
    assert queued is data["node"]["canApprove"], data
    return queued


async def test_no_money_moves_for_a_held_invoice_at_any_door(
    api: Api, session: AsyncSession, parties: dict[str, Any]
) -> None:
    """R-REF-7: a held invoice is not paid: raising, approving and making its payment are each
    refused (INVOICE_ON_HOLD) until the hold is released."""
    client = parties["client"]
    await fund(session, api, client, 1_000_00)
    to_raise = await council_invoice(api, client, parties["council"])
    to_approve = await council_invoice(api, client, parties["council"])
    to_make = await council_invoice(api, client, parties["council"])
    for invoice_id in (to_raise, to_approve, to_make):
        await check_all(api, invoice_id)
    awaiting = (await raised_payment(api, to_approve))["id"]
    approved = (await raised_payment(api, to_make))["id"]
    result = await approve_payment(api, approved)
    assert result["payment"]["status"] == "APPROVED", result
    await appoint(api, client)
    for invoice_id in (to_raise, to_approve, to_make):
        assert (await invoice_hold_view(api, invoice_id))["onHold"] is True

    refused_on_hold(await raise_payment(api, {"invoiceId": to_raise}))
    refused_on_hold(await approve_payment(api, awaiting))
    refused_on_hold(await make_payment(api, approved))
    statuses = [
        (await invoice_hold_view(api, i))["status"] for i in (to_raise, to_approve, to_make)
    ]
    assert statuses == ["CHECKED", "PAYMENT_RAISED", "APPROVED"]

    # Nor is it offered for approval while held: not in the queue, canApprove false (R-REF-7).
    assert not await offered(api, awaiting)
    await change(api, RELEASE, to_approve)
    assert await offered(api, awaiting)

    await change(api, RELEASE, to_make)
    made = await make_payment(api, approved)
    assert made["__typename"] == "PaymentPayload" and made["payment"]["status"] == "MADE", made


async def test_an_officer_holds_an_invoice_by_hand(api: Api, parties: dict[str, Any]) -> None:
    client = parties["client"]
    bill = (await recorded(api, client, parties["supplier"]))["id"]
    held = await change(api, HOLD, bill, reason="disputed with the supplier")
    assert held["__typename"] == "InvoiceHoldPayload", held
    assert held["invoice"]["hold"]["cause"] == "OFFICER"
    twice = await change(api, HOLD, bill, reason="again")
    assert twice["__typename"] == "InvalidStateProblem", twice
    await appoint(api, client)  # a supplier's bill is not a council invoice: untouched
    assert len((await invoice_hold_view(api, bill))["holds"]) == 1


@pytest.mark.parametrize(
    "role",
    [
        "support_assistant",
        "assistant",
        "senior_assistant",
        "auditor",
        "reporting",
        "social_worker",
        "integration_sap",
        "integration_controcc",
    ],
)
async def test_who_may_not_hold_or_release(api: Api, parties: dict[str, Any], role: str) -> None:
    client = parties["client"]
    invoice_id = await council_invoice(api, client, parties["council"])
    await appoint(api, client)
    for document, field in ((RELEASE, "releaseInvoiceHold"), (HOLD, "holdInvoice")):
        variables = {"input": {"invoiceId": invoice_id, "reason": "x", "idempotencyKey": new_key()}}
        body = await api.gql(document, variables, role=role, sub="nobody")
        assert_forbidden(body, [field])
    view = await invoice_hold_view(api, invoice_id)
    assert view["onHold"] is True and len(view["holds"]) == 1

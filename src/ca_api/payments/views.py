"""A payment as read: the view every use case returns, one payment, a page or a batch of them
(the GraphQL loaders), and the approval mechanism's view of a payment (issue 10 item 2).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import mechanism as approvals
from ca_api.approvals import rules as approval_rules
from ca_api.auth.principal import Principal
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.errors import RecordNotFound, existing
from ca_api.payments import repository, rules
from ca_api.payments.models import Payment, PaymentEvent
from ca_api.payments.repository import PaymentFilter, PaymentKey
from ca_api.payments.rules import PaymentEventKind, PaymentStatus
from ca_api.policy.rules import ApprovalSubject, LimitVersion

# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of


# --- what the use cases take and return ---------------------------------------------------


@dataclass(frozen=True)
class PaymentView:
    payment: Payment
    client_reference: str
    status: PaymentStatus
    authors: tuple[str, ...] = ()  # who wrote what it pays, the raiser included (R-ROLE-2)
    invoice_on_hold: bool = False  # what it pays is held (R-REF-7): not approved, not made


@dataclass(frozen=True)
class PaymentOutcome:
    payment: PaymentView
    replayed: bool = False


def _payment_view(row: Any) -> PaymentView:
    payment = row[0]
    authors = approval_rules.authors_of(payment.raised_by, [row.invoice_recorded_by])
    return PaymentView(
        payment=payment,
        client_reference=row.client_reference,
        status=PaymentStatus(row.status),
        authors=tuple(sorted(authors)),
        invoice_on_hold=bool(row.invoice_on_hold),
    )


async def _read_payment(session: AsyncSession, payment_id: uuid.UUID) -> PaymentView:
    row = existing(await repository.get_payment(session, payment_id, None), "Payment", payment_id)
    return _payment_view(row)


def claim(payment: Payment, authors: Collection[str]) -> approvals.Claim:
    """What approving the payment is judged on: its authors (R-ROLE-2), its amount (R-DEC-2)."""
    return approvals.Claim(payment.raised_by, authors, ApprovalSubject.PAYMENT, payment.amount)


# --- the approval mechanism's view of a payment (issue 10 item 2) ------------------------

PAYMENTS: approvals.Approvable[Payment, PaymentStatus, PaymentEventKind] = approvals.Approvable(
    type_name="Payment",
    owner_column="payment_id",
    lock=repository.lock_payment,
    events_of=repository.payment_events,
    status=rules.payment_status,
    transition_problem=rules.transition_problem,
    insert_event=repository.insert_payment_event,
    once_index="uq_payment_event_once",
    already=lambda event: f"the payment was {event.lower()} already",
    missing=Missing,
    queue_kind="PAYMENT",
    wording=approvals.Wording(
        raised="you raised this payment",
        authored="you recorded the invoice this payment pays (you are one of its authors)",
        must="approve it",
        may="approve under the limits",
    ),
)


async def outcome(
    session: AsyncSession, payment_id: uuid.UUID, *, replayed: bool = False
) -> PaymentOutcome:
    return PaymentOutcome(await _read_payment(session, payment_id), replayed)


PAYMENT_ONCE = approvals.Once(
    remember_as="payment_id",
    ident=lambda o: o.payment.payment.id,
    replay=partial(outcome, replayed=True),
)


# --- reads --------------------------------------------------------------------------------


async def get_payment(
    session: AsyncSession, principal: Principal, payment_id: uuid.UUID
) -> PaymentView | None:
    row = await repository.get_payment(session, payment_id, principal)
    return _payment_view(row) if row is not None else None


async def payments_by_id(
    session: AsyncSession, principal: Principal, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PaymentView]:
    """The payments with these ids that the caller may read, as ``get_payment`` scopes one, in
    one query: node(id:) and nodes(ids:)."""
    rows = await repository.get_payments(session, payment_ids, principal)
    return {row[0].id: _payment_view(row) for row in rows}


async def list_payments(
    session: AsyncSession, principal: Principal, flt: PaymentFilter, *, seek: Seek[PaymentKey]
) -> list[PaymentView]:
    rows = await repository.list_payments(session, principal, flt, seek=seek)
    return [_payment_view(r) for r in rows]


def _invoice_of(view: PaymentView) -> uuid.UUID:
    assert view.payment.invoice_id is not None  # read as a payment of an invoice
    return view.payment.invoice_id


async def payments_by_invoice(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentView]]:
    views = [_payment_view(row) for row in await repository.payments_of_invoices(session, ids)]
    return group_by(views, _invoice_of)


async def events_by_payment(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentEvent]]:
    return group_by(await repository.payment_events(session, ids), lambda e: e.payment_id)


def can_approve(principal: Principal, view: PaymentView, version: LimitVersion | None) -> bool:
    """Whether the caller could approve the payment now: it awaits approval, they neither raised
    it nor recorded its invoice (its authors, R-ROLE-2), and their role covers the amount under
    today's limits (R-DEC-2); and what it pays is not on hold (R-REF-7)."""
    if view.status is not PaymentStatus.RAISED or view.invoice_on_hold:
        return False
    return approvals.may_decide(principal, claim(view.payment, view.authors), version)

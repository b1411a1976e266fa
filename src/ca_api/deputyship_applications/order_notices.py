"""The notices of a deputy order (R-ORD-2, "registering" the deputyship): every organisation the
client deals with (the counterparties of its ledger and invoices, its investments' holders,
and those an officer adds), each tracked as sent, once per idempotency key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common import deadlines as deadline_clock
from ca_api.common.keyset import Seek, seek_rows
from ca_api.dealings import service as dealings
from ca_api.deputyship_applications import repository, rules
from ca_api.deputyship_applications.models import DeputyshipNoticeSent
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.ledger.rules import CounterpartyKind
from ca_api.orders import service as orders

NOTICE = "deputyship_notice"


COUNTERPARTY = "Counterparty"
ADDED = "DeputyshipNoticeOrganisation"
INVESTMENT = "ExistingInvestment"
SOURCE_OF_TYPE = {
    COUNTERPARTY: rules.NoticeSource.LEDGER,
    ADDED: rules.NoticeSource.OFFICER,
    INVESTMENT: rules.NoticeSource.INVESTMENT,
}
# The column of deputyship_notice_sent that names each kind of organisation told.
_SENT_COLUMN = {
    COUNTERPARTY: "counterparty_id",
    ADDED: "organisation_id",
    INVESTMENT: "investment_id",
}


@dataclass(frozen=True)
class Notice:
    """One organisation to tell of the deputy order, and the notice sent (if it is)."""

    deputyship_id: uuid.UUID
    client_id: uuid.UUID
    organisation_type: str  # COUNTERPARTY (ledger or invoices), INVESTMENT (holder) or ADDED
    organisation_id: uuid.UUID
    name: str
    kind: CounterpartyKind
    sent: DeputyshipNoticeSent | None = field(default=None)

    def sort_key(self) -> tuple[str, uuid.UUID]:
        return self.name, self.organisation_id


@dataclass(frozen=True)
class Order:
    id: uuid.UUID
    client_id: uuid.UUID
    order_date: date


async def _order(session: AsyncSession, principal: Principal, deputyship_id: uuid.UUID) -> Order:
    return existing(
        await readable_order(session, principal, deputyship_id), "Deputyship", deputyship_id
    )


async def _notices(session: AsyncSession, order: Order) -> list[Notice]:
    """Every organisation to tell of the order, by name (R-ORD-2): the counterparties of the
    client's transfers and invoices (not the council, the OPG or council employees,
    ``rules.told_of_order``), the holders of the client's existing investments (R-INV-5, seed
    002 B 3.4; a holder named like a counterparty already listed is told once), then those
    added by an officer. Transfers, invoices and investments are never removed, so an
    organisation once listed stays listed, with its notice."""
    dealt = await dealings.organisations_of_client(
        session,
        order.client_id,
        lambda c: rules.told_of_order(CounterpartyKind(c.kind), c.is_council_employee),
    )
    sent = await repository.sent_of(session, order.id)
    by_counterparty = {s.counterparty_id: s for s in sent if s.counterparty_id is not None}
    by_added = {s.organisation_id: s for s in sent if s.organisation_id is not None}
    by_investment = {s.investment_id: s for s in sent if s.investment_id is not None}
    out = [
        Notice(
            order.id,
            order.client_id,
            COUNTERPARTY,
            c.id,
            c.name,
            CounterpartyKind(c.kind),
            by_counterparty.get(c.id),
        )
        for c in dealt.counterparties
    ]
    out += [
        Notice(
            order.id,
            order.client_id,
            INVESTMENT,
            root,
            holder,
            CounterpartyKind.OTHER,
            by_investment.get(root),
        )
        for root, holder in dealt.holders
    ]
    out += [
        Notice(
            order.id,
            order.client_id,
            ADDED,
            o.id,
            o.name,
            CounterpartyKind(o.kind),
            by_added.get(o.id),
        )
        for o in await repository.organisations_of(session, order.id)
    ]
    out.sort(key=Notice.sort_key)
    return out


async def readable_order(
    session: AsyncSession, principal: Principal, deputyship_id: uuid.UUID
) -> Order | None:
    """The deputy order, if the principal may read it."""
    rec = (await orders.DEPUTYSHIP.by_id(session, principal, [deputyship_id])).get(deputyship_id)
    return Order(rec.id, rec.client_id, rec.details.order_date) if rec is not None else None


async def notices(
    session: AsyncSession,
    order: Order,
    *,
    outstanding: bool,
    seek: Seek[tuple[str, uuid.UUID]],
) -> Sequence[Notice]:
    """A page of the deputy order's notices by organisation name (only those not sent yet,
    ``outstanding``)."""
    every = await _notices(session, order)
    if outstanding:
        every = [n for n in every if n.sent is None]
    return seek_rows(every, seek, key=Notice.sort_key)


@dataclass(frozen=True)
class NoticeOutcome:
    notice: Notice
    written: uuid.UUID  # the row the request added: the organisation, or the notice sent
    replayed: bool = False


async def _notice(
    session: AsyncSession, order: Order, organisation_type: str, organisation_id: uuid.UUID
) -> Notice | None:
    return next(
        (
            n
            for n in await _notices(session, order)
            if (n.organisation_type, n.organisation_id) == (organisation_type, organisation_id)
        ),
        None,
    )


async def _replay_added(session: AsyncSession, organisation_id: uuid.UUID) -> NoticeOutcome:
    o = await repository.organisation(session, organisation_id)
    assert o is not None
    order = await _order_unscoped(session, o.deputyship_id)
    n = await _notice(session, order, ADDED, organisation_id)
    assert n is not None
    return NoticeOutcome(n, organisation_id, replayed=True)


async def _replay_sent(session: AsyncSession, sent_id: uuid.UUID) -> NoticeOutcome:
    s = await repository.sent(session, sent_id)
    assert s is not None
    order = await _order_unscoped(session, s.deputyship_id)
    [(kind, oid)] = [
        (kind, getattr(s, column))
        for kind, column in _SENT_COLUMN.items()
        if getattr(s, column) is not None
    ]
    n = await _notice(session, order, kind, oid)
    assert n is not None
    return NoticeOutcome(n, sent_id, replayed=True)


async def _order_unscoped(session: AsyncSession, deputyship_id: uuid.UUID) -> Order:
    """The deputy order as recorded (a replay's: the first request found it readable)."""
    row = existing(
        await orders.DEPUTYSHIP.current(session, deputyship_id), "Deputyship", deputyship_id
    )
    return Order(row.id, row.client_id, row.order_date)


ONCE_ADDED = approvals.Once(
    remember_as="organisation_id",
    ident=lambda o: o.written,
    replay=_replay_added,
)
ONCE_SENT = approvals.Once(
    remember_as="notice_sent_id",
    ident=lambda o: o.written,
    replay=_replay_sent,
)


async def add_organisation(
    session: AsyncSession,
    actor: Actor,
    deputyship_id: uuid.UUID,
    name: str,
    kind: CounterpartyKind,
    *,
    idempotency_key: str,
) -> NoticeOutcome:
    """An organisation the client deals with that the ledger does not show (a bank account
    found, a pension provider, the landlord), added to those told of the deputy order
    (R-ORD-2): once per name."""

    async def work() -> NoticeOutcome:
        order = await _order(session, actor.principal, deputyship_id)
        await clients.lock_client(session, order.client_id)
        problems = rules.validate_organisation(name)
        if problems:
            raise ValidationFailed(problems)
        text = name.strip()
        if any(n.name.lower() == text.lower() for n in await _notices(session, order)):
            raise InvalidState(f"{text} is told of the order already", name=text)
        organisation_id = uuid.uuid4()
        await repository.insert_organisation(
            session,
            {
                "id": organisation_id,
                "deputyship_id": deputyship_id,
                "client_id": order.client_id,
                "name": text,
                "kind": kind.value,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            NOTICE,
            organisation_id,
            "add_organisation",
            after={"deputyship_id": str(deputyship_id), "name": text, "kind": kind.value},
            client_id=order.client_id,
        )
        n = await _notice(session, order, ADDED, organisation_id)
        assert n is not None
        return NoticeOutcome(n, organisation_id)

    payload = {"deputyship_id": str(deputyship_id), "name": name, "kind": kind.value}
    return await approvals.run_once(
        ONCE_ADDED,
        session,
        actor,
        idempotency_key,
        "addDeputyshipNoticeOrganisation",
        payload,
        work,
    )


async def record_notice_sent(
    session: AsyncSession,
    actor: Actor,
    deputyship_id: uuid.UUID,
    organisation_type: str,
    organisation_id: uuid.UUID,
    sent_on: date,
    note: str,
    *,
    idempotency_key: str,
) -> NoticeOutcome:
    """The notice of the deputy order sent to one of the organisations to tell (R-ORD-2):
    once each, on or after the order's date."""

    async def work() -> NoticeOutcome:
        order = await _order(session, actor.principal, deputyship_id)
        await clients.lock_client(session, order.client_id)
        n = await _notice(session, order, organisation_type, organisation_id)
        if n is None:
            raise RecordNotFound.of(organisation_type, organisation_id)
        deadline_clock.recorded_once(
            n.sent.sent_on if n.sent is not None else None,
            f"the notice to {n.name} was recorded as sent",
            "sent_on",
        )
        problems = rules.validate_notice_sent(sent_on, order.order_date, note, clock.today())
        if problems:
            raise ValidationFailed(problems)
        sent_id = uuid.uuid4()
        await repository.insert_sent(
            session,
            {
                "id": sent_id,
                "deputyship_id": deputyship_id,
                "client_id": order.client_id,
                **{
                    column: organisation_id if kind == organisation_type else None
                    for kind, column in _SENT_COLUMN.items()
                },
                "sent_on": sent_on,
                "note": note.strip(),
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            NOTICE,
            sent_id,
            "sent",
            after={
                "deputyship_id": str(deputyship_id),
                "organisation": n.name,
                "sent_on": sent_on.isoformat(),
                "note": note.strip(),
            },
            client_id=order.client_id,
        )
        done = await _notice(session, order, organisation_type, organisation_id)
        assert done is not None
        return NoticeOutcome(done, sent_id)

    payload = {
        "deputyship_id": str(deputyship_id),
        "organisation": f"{organisation_type}:{organisation_id}",
        "sent_on": sent_on.isoformat(),
        "note": note,
    }
    return await approvals.run_once(
        ONCE_SENT, session, actor, idempotency_key, "recordDeputyshipNoticeSent", payload, work
    )

"""Use cases of the Court of Protection deputyship application (R-REF-6, R-INV-1, R-ORD-2).

- Due: an accepted referral that recorded private income, property or bank accounts is due on
  the DWP application's day (R-REF-6); an appointee-only client flagged by the threshold flags
  (R-INV-1, ``planning.thresholds``) is due once an officer records the need, 5 working days
  from that day. The deadline is read, never stored.
- The application made (COP1 and the other forms) and its stages in order, ORDER_MADE naming
  the client's deputyship recorded with recordDeputyship.
- The notices of a deputy order (R-ORD-2, "registering" the deputyship): every organisation the
  client deals with (the counterparties of the client's ledger and invoices, and those an officer
  adds), each tracked as sent.

Each change is one transaction under the client's lock, with its audit row in the client's
chain (R-AUD-1), once per idempotency key; rows are only ever added (R-AUD-2).
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
from ca_api.deputyship_applications.models import (
    CopApplication,
    CopApplicationStage,
    DeputyshipNoticeSent,
)
from ca_api.deputyship_applications.repository import Due
from ca_api.deputyship_applications.rules import Cause, DeadlineState, Stage
from ca_api.errors import (
    BusinessProblem,
    ErrorCode,
    InvalidState,
    RecordNotFound,
    ValidationFailed,
    existing,
)
from ca_api.ledger.rules import CounterpartyKind
from ca_api.orders import service as orders
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Topic
from ca_api.planning import thresholds
from ca_api.planning.rules import FlagKind

ENTITY = "deputyship_application"
TYPE_OF_CAUSE = {
    Cause.REFERRAL_ASSETS_KNOWN: "Referral",
    Cause.ASSETS_THRESHOLD_FLAG: "DeputyshipApplicationNeed",
}
NOTICE = "deputyship_notice"
EVERY_CLIENT = 1_000_000  # the whole caseload in one read of the threshold flags


class StageOutOfOrder(BusinessProblem):
    """The stage may not follow those recorded (``rules.allowed_next``)."""

    code = ErrorCode.INVALID_STATE

    def __init__(self, stage: Stage, last: Stage | None, allowed: frozenset[Stage]) -> None:
        after = f"after {last.value}" if last is not None else "straight after the application"
        may = ", ".join(s.value for s in Stage if s in allowed) or "nothing: it is over"
        super().__init__(f"{stage.value} cannot come {after}; next may come {may}")
        self.stage = stage
        self.allowed = [s for s in Stage if s in allowed]


@dataclass(frozen=True)
class Deadline(deadline_clock.Deadline):
    """A deputyship application deadline, as of ``today``, with the application's stages: its
    id is the referral's (R-REF-6) or the need's (R-INV-1)."""

    due: Due
    stages: tuple[CopApplicationStage, ...] = ()

    @property
    def application(self) -> CopApplication | None:
        return self.due.application

    @property
    def open(self) -> bool:
        """Not made yet, or made and neither refused nor withdrawn (an order made is a
        deputyship in force: the client is no longer appointee-only)."""
        return not any(s.stage in (Stage.REFUSED, Stage.WITHDRAWN) for s in self.stages)


async def _with_stages(session: AsyncSession, dues: Sequence[Due]) -> list[Deadline]:
    ids = [d.application.id for d in dues if d.application is not None]
    stages = await repository.stages_of(session, ids)
    today = clock.today()
    return [
        Deadline(
            d.source_id,
            rules.due_on(d.starts_on),
            rules.deadline_state(d.starts_on, d.made_on, today),
            d,
            tuple(stages[d.application.id]) if d.application is not None else (),
        )
        for d in dues
    ]


DeadlineOutcome = deadline_clock.Outcome[Deadline]


async def read(session: AsyncSession, source_id: uuid.UUID) -> Deadline:
    d = existing(
        await repository.due(session, source_id), "DeputyshipApplicationDeadline", source_id
    )
    [deadline] = await _with_stages(session, [d])
    return deadline


ONCE = deadline_clock.once("source_id", read)


async def _locked(session: AsyncSession, source_id: uuid.UUID, type_name: str) -> Deadline:
    """The deadline, its client locked (one change per client at a time), read again. The id
    is of the type its cause gives (a Referral's for R-REF-6, a need's for R-INV-1)."""
    d = await repository.due(session, source_id)
    if d is None or type_name != TYPE_OF_CAUSE[d.cause]:
        raise RecordNotFound.of(type_name, source_id)
    await clients.lock_client(session, d.client_id)
    return await read(session, source_id)


# --- R-INV-1: the need recorded from the threshold flag ----------------------------------------


async def record_need(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    note: str,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """R-INV-1: an officer records that a deputyship application is needed for an appointee-
    only client the threshold flags flag today (``planning.thresholds.threshold_flags``); the
    application is due 5 working days from today. Refused when the client is not flagged, or
    has a deputyship application due or in progress already."""

    async def work() -> DeadlineOutcome:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        today = clock.today()
        if len(note) > rules.MAX_NOTE:
            raise ValidationFailed({"note": f"is longer than {rules.MAX_NOTE} characters"})
        flags = await thresholds.threshold_flags(
            session, actor.principal, today, seek=Seek(None, EVERY_CLIENT)
        )
        flag = next(
            (
                f
                for f in flags
                if f.client_id == client_id and f.kind is FlagKind.DEPUTYSHIP_APPLICATION
            ),
            None,
        )
        if flag is None:
            raise InvalidState(
                "the client is not flagged for a deputyship application today: an appointee-"
                "only client whose assets reach the threshold above twelve months' needs, or "
                "found to hold capital, property or a private pension (R-INV-1)"
            )
        current = await _with_stages(session, await repository.every_due(session, client_id))
        already = next((d for d in current if d.open), None)
        if already is not None:
            raise InvalidState(
                "a deputyship application is due or in progress for the client already (due "
                f"{already.due_on.isoformat()})",
                due_on=already.due_on.isoformat(),
            )
        need_id = uuid.uuid4()
        reasons = [r.value for r in flag.reasons]
        await repository.insert_need(
            session,
            {
                "id": need_id,
                "client_id": client_id,
                "raised_on": today,
                "flag_reasons": reasons,
                "note": note.strip(),
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            need_id,
            "need",
            after={
                "raised_on": today.isoformat(),
                "flag_reasons": reasons,
                "due_on": rules.due_on(today).isoformat(),
                "note": note.strip(),
            },
            client_id=client_id,
        )
        return DeadlineOutcome(await read(session, need_id))

    payload = {"client_id": str(client_id), "note": note}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordDeputyshipApplicationNeeded", payload, work
    )


# --- the application made, and its stages ------------------------------------------------------


@dataclass(frozen=True)
class Made:
    made_on: date
    forms: list[str]
    court_reference: str = ""
    note: str = ""


async def record_made(
    session: AsyncSession,
    actor: Actor,
    source_id: uuid.UUID,
    type_name: str,
    m: Made,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """The application made to the Court of Protection (COP1 and the other forms sent) on
    ``made_on``, for the deadline ``source_id`` (the referral's, R-REF-6, or the need's,
    R-INV-1): once."""

    async def work() -> DeadlineOutcome:
        d = await _locked(session, source_id, type_name)
        deadline_clock.recorded_once(
            d.due.made_on, "the application was recorded as made", "made_on"
        )
        problems = rules.validate_made(
            d.due.starts_on, m.made_on, m.forms, m.court_reference, m.note, clock.today()
        )
        if problems:
            raise ValidationFailed(problems)
        application_id = uuid.uuid4()
        referral = d.due.cause is Cause.REFERRAL_ASSETS_KNOWN
        forms = rules.forms_of(m.forms)
        await repository.insert_application(
            session,
            {
                "id": application_id,
                "client_id": d.due.client_id,
                "referral_id": source_id if referral else None,
                "need_id": None if referral else source_id,
                "made_on": m.made_on,
                "forms": forms,
                "court_reference": m.court_reference.strip(),
                "note": m.note.strip(),
                "recorded_by": actor.principal.subject,
            },
        )
        # Seed 002 B 4.1: once Deputyship is applied for, the two teams are told (the outbox,
        # this transaction), as for the DWP application.
        told = await outbox.emit_handoff(
            session,
            actor,
            Topic.APPLICATION_MADE,
            client_id=d.due.client_id,
            subject_type="CourtOfProtectionApplication",
            subject_id=application_id,
            payload=await outbox.handoff_payload(
                session,
                actor,
                d.due.client_id,
                {"application": "COURT_OF_PROTECTION_DEPUTYSHIP", "made_on": m.made_on.isoformat()},
            ),
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            application_id,
            "made",
            after={
                "cause": d.due.cause.value,
                "source_id": str(source_id),
                "made_on": m.made_on.isoformat(),
                "forms": forms,
                "court_reference": m.court_reference.strip(),
                "due_on": d.due_on.isoformat(),
                "outbox_messages": [str(t) for t in told],
            },
            client_id=d.due.client_id,
        )
        return DeadlineOutcome(await read(session, source_id))

    payload = {
        "source_id": str(source_id),
        "made_on": m.made_on.isoformat(),
        "forms": list(m.forms),
        "court_reference": m.court_reference,
        "note": m.note,
    }
    return await approvals.run_once(
        ONCE,
        session,
        actor,
        idempotency_key,
        "recordCourtOfProtectionApplicationMade",
        payload,
        work,
    )


@dataclass(frozen=True)
class StageRecord:
    stage: Stage
    occurred_on: date
    note: str = ""
    deputyship_id: uuid.UUID | None = None


async def record_stage(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    s: StageRecord,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """The next stage of the application (``rules.allowed_next``; otherwise StageOutOfOrder),
    on or after the one before it. ORDER_MADE names the client's deputyship, recorded already
    with recordDeputyship (a deputyship of another client is not found)."""

    async def work() -> DeadlineOutcome:
        app = existing(
            await repository.application(session, application_id),
            "CourtOfProtectionApplication",
            application_id,
        )
        source_id = app.referral_id or app.need_id
        assert source_id is not None
        await clients.lock_client(session, app.client_id)
        d = await read(session, source_id)
        done = [Stage(x.stage) for x in d.stages]
        allowed = rules.allowed_next(done)
        if s.stage not in allowed:
            raise StageOutOfOrder(s.stage, done[-1] if done else None, allowed)
        since = d.stages[-1].occurred_on if d.stages else app.made_on
        problems = rules.validate_stage(
            s.stage, s.occurred_on, since, s.note, s.deputyship_id is not None, clock.today()
        )
        if problems:
            raise ValidationFailed(problems)
        if s.deputyship_id is not None:
            order = (
                await orders.DEPUTYSHIP.by_id(session, actor.principal, [s.deputyship_id])
            ).get(s.deputyship_id)
            if order is None or order.client_id != app.client_id:
                raise RecordNotFound.of("Deputyship", s.deputyship_id)
            other = await repository.application_of_deputyship(session, s.deputyship_id)
            if other is not None:
                raise InvalidState("the deputyship is the order of another application already")
        stage_id = uuid.uuid4()
        await repository.insert_stage(
            session,
            {
                "id": stage_id,
                "application_id": application_id,
                "seq": await repository.next_seq(session, application_id),
                "stage": s.stage.value,
                "occurred_on": s.occurred_on,
                "note": s.note.strip(),
                "deputyship_id": s.deputyship_id,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            application_id,
            "stage",
            after={
                "stage": s.stage.value,
                "occurred_on": s.occurred_on.isoformat(),
                "note": s.note.strip(),
                "deputyship_id": str(s.deputyship_id) if s.deputyship_id else None,
            },
            client_id=app.client_id,
        )
        return DeadlineOutcome(await read(session, source_id))

    payload = {
        "application_id": str(application_id),
        "stage": s.stage.value,
        "occurred_on": s.occurred_on.isoformat(),
        "note": s.note,
        "deputyship_id": str(s.deputyship_id) if s.deputyship_id else None,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordCourtOfProtectionStage", payload, work
    )


# --- reads -----------------------------------------------------------------------------------


async def deadlines(
    session: AsyncSession, *, state: DeadlineState | None, seek: Seek[tuple[date, uuid.UUID]]
) -> Sequence[Deadline]:
    """A page of every deputyship application deadline, by due date then the referral's or the
    need's id, as the DWP application's are (``common.deadlines.page``)."""
    every = await _with_stages(session, await repository.every_due(session))
    return deadline_clock.page(every, state=state, seek=seek)


# --- R-ORD-2: the notices of a deputy order ----------------------------------------------------

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

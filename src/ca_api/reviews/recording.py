"""A client's annual reviews, contacts and changes of circumstances as the council records them
(issue 14 item 1; R-CARE-1, R-ORD-4, R-AUD-2, seed 002 B 13.1-13.5, B 18.2): each one
transaction with its audit row (R-AUD-1), once per idempotency key; refused, nothing written,
with the reason.

- **A review** (``record_review``): of an ACTIVE client, not after a confirmed death (a review is
  of a living client's needs: a death is wound up, B 29). It restarts the annual clock.
- **A contact** (``record_contact``): with or about any client on the books, also after a death
  (the executor, the family, the funeral director are contacts too).
- **A change of circumstances** (``record_change``): of an ACTIVE client, not after a confirmed
  death (the death itself is ``recordDeath``, its notices ``deathNotifications``). One the OPG or
  the DWP must hear of (``rules.recipients_of``: the OPG if deputy; the DWP if appointee or a
  DWP counterparty pays the client, B 18.2) writes a message to each through the outbox
  (``outbox.service.emit``) in the same transaction: that message is the task, PENDING until an
  officer records it SENT (``recordOutboxMessageSent``), listed by ``outboxMessages(topic:
  CIRCUMSTANCES_CHANGED)``. A correction is told to whoever heard of what it corrects too.
- **A correction** of any of them is a new record that supersedes the one it corrects, with the
  reason (R-AUD-2); a record is corrected once (the correction is corrected next).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus, LegalRole
from ca_api.common import idempotency
from ca_api.common.rules import optional_text
from ca_api.deaths.reads import confirmed_death_date
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import CounterpartyKind
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Recipient, Topic
from ca_api.reviews import repository, rules
from ca_api.reviews.models import CircumstanceChange, ClientContact, ClientReview
from ca_api.reviews.reads import TYPE_NAME, M, RecordView, records_by_id
from ca_api.reviews.rules import CircumstanceKind, ContactKind, ReviewMethod

# Each kind of record's audit entity.
ENTITY = {
    ClientReview: "client_review",
    ClientContact: "client_contact",
    CircumstanceChange: "circumstance_change",
}


@dataclass(frozen=True)
class RecordOutcome(Generic[M]):
    view: RecordView[M]
    replayed: bool = False


@dataclass(frozen=True)
class _Client:
    id: uuid.UUID
    born_on: date
    legal_role: LegalRole


async def _client(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, living: str | None
) -> _Client:
    """The client locked (one change per client at a time), readable by the caller; with
    ``living`` (what is recorded), only an ACTIVE client whose death is not confirmed."""
    found = existing(
        await clients.get_client(session, actor.principal, client_id), "Client", client_id
    )
    await clients.lock_client(session, client_id)
    if living is not None:
        status = found.details.status
        if status is not ClientStatus.ACTIVE:
            raise InvalidState(
                f"the client is {status.value}: {living} for a client on the books (ACTIVE) only",
                status=status.value,
            )
        died_on = await confirmed_death_date(session, client_id)
        if died_on is not None:
            raise InvalidState(
                f"the client died on {died_on.isoformat()}: {living} for a living client only "
                "(after a death the case is wound up, seed 002 B 29)",
                died_on=died_on.isoformat(),
            )
    return _Client(client_id, found.details.date_of_birth, found.legal_role)


async def _corrected(
    session: AsyncSession, model: type[M], client_id: uuid.UUID, corrects: uuid.UUID | None
) -> M | None:
    """The record a correction corrects: the client's, of this kind, not corrected already
    (R-AUD-2: the correction that stands is corrected next)."""
    if corrects is None:
        return None
    row = await repository.get(session, model, corrects)
    if row is None or row.client_id != client_id:
        raise RecordNotFound.of(TYPE_NAME[model], corrects)
    later = (await repository.corrected_by(session, model, [corrects])).get(corrects)
    if later is not None:
        raise InvalidState(
            f"the {TYPE_NAME[model]} was corrected already: correct the record that corrects it",
            corrected_by=str(later),
        )
    return row


async def _record(
    session: AsyncSession,
    actor: Actor,
    model: type[M],
    client_id: uuid.UUID,
    *,
    operation: str,
    living: str | None,
    payload: dict[str, Any],
    corrects: uuid.UUID | None,
    reason: str | None,
    check: Callable[[_Client], dict[str, str]],
    values: dict[str, Any],
    tell: Callable[[_Client, M, M | None], Awaitable[list[uuid.UUID]]] | None = None,
    idempotency_key: str,
) -> RecordOutcome[M]:
    """The one shape of recording a review, a contact or a change: the client checked and
    locked, the record corrected (if any) checked, the values checked, one row written, who was
    told, one audit row; once per key."""

    async def work() -> dict[str, Any]:
        client = await _client(session, actor, client_id, living=living)
        problems = check(client) | rules.correction_problems(corrects, reason)
        if problems:
            raise ValidationFailed(problems)
        old = await _corrected(session, model, client_id, corrects)
        row_values = values | {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "supersedes_id": corrects,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert(session, model, row_values)
        told = await tell(client, row, old) if tell is not None else []
        after = audit.jsonable(
            {k: v for k, v in row_values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        if tell is not None:
            after["told"] = [str(m) for m in told]
        await audit.record(
            session,
            actor,
            ENTITY[model],
            row.id,
            "record" if old is None else "correct",
            before={"id": str(old.id)} if old is not None else None,
            after=after,
            reason=reason,
            client_id=client_id,
        )
        return {"id": str(row.id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, operation, payload, work
    )
    record_id = uuid.UUID(result["id"])
    views = await records_by_id(session, None, model, [record_id])
    return RecordOutcome(views[record_id], bool(result.get("replayed")))


def _payload(
    client_id: uuid.UUID, corrects: uuid.UUID | None, reason: str | None
) -> dict[str, Any]:
    return {
        "client_id": str(client_id),
        "corrects": str(corrects) if corrects is not None else None,
        "reason": reason,
    }


async def record_review(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    reviewed_on: date,
    methods: Sequence[ReviewMethod],
    needs: str,
    finances: str,
    client_involved: bool,
    not_involved_reason: str | None,
    actions: str | None,
    corrects: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> RecordOutcome[ClientReview]:
    """Record a review of the client (R-CARE-1, B 13.1-13.3): when, how (one way or a
    combination), the client's needs, their finances and investments, whether they were
    involved (why not, if not), the actions arising. It restarts the annual clock."""
    needs, finances = needs.strip(), finances.strip()
    not_involved_reason, actions, reason = (
        optional_text(not_involved_reason),
        optional_text(actions),
        optional_text(reason),
    )
    values = {
        "reviewed_on": reviewed_on,
        "methods": [m.value for m in methods],
        "needs": needs,
        "finances": finances,
        "client_involved": client_involved,
        "not_involved_reason": not_involved_reason,
        "actions": actions,
    }

    def check(client: _Client) -> dict[str, str]:
        return rules.review_problems(
            reviewed_on=reviewed_on,
            methods=list(methods),
            needs=needs,
            finances=finances,
            client_involved=client_involved,
            not_involved_reason=not_involved_reason,
            actions=actions,
            today=clock.today(),
            born_on=client.born_on,
        )

    return await _record(
        session,
        actor,
        ClientReview,
        client_id,
        operation="recordAnnualReview",
        living="a review is recorded",
        payload=_payload(client_id, corrects, reason) | audit.jsonable(values),
        corrects=corrects,
        reason=reason,
        check=check,
        values=values,
        idempotency_key=idempotency_key,
    )


async def record_contact(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    contacted_on: date,
    kind: ContactKind,
    with_whom: str,
    about: str,
    corrects: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> RecordOutcome[ClientContact]:
    """Record a contact with or about the client (B 13.4): when, how, with whom, what about."""
    with_whom, about, reason = with_whom.strip(), about.strip(), optional_text(reason)
    values = {
        "contacted_on": contacted_on,
        "kind": kind.value,
        "with_whom": with_whom,
        "about": about,
    }

    def check(client: _Client) -> dict[str, str]:
        return rules.contact_problems(
            contacted_on=contacted_on,
            with_whom=with_whom,
            about=about,
            today=clock.today(),
            born_on=client.born_on,
        )

    return await _record(
        session,
        actor,
        ClientContact,
        client_id,
        operation="recordClientContact",
        living=None,
        payload=_payload(client_id, corrects, reason) | audit.jsonable(values),
        corrects=corrects,
        reason=reason,
        check=check,
        values=values,
        idempotency_key=idempotency_key,
    )


async def _tell_of_change(
    session: AsyncSession,
    actor: Actor,
    client: _Client,
    row: CircumstanceChange,
    old: CircumstanceChange | None,
) -> list[uuid.UUID]:
    """Whoever must hear of the change (R-ORD-4, B 18.2: the OPG if deputy; the DWP if appointee
    or a DWP counterparty pays the client; whoever heard of what it corrects), one outbox message
    each in the caller's transaction: the task to tell them."""
    kind = CircumstanceKind(row.kind)
    role = client.legal_role
    paid_by_dwp = any(
        c.kind == CounterpartyKind.DWP.value
        for c in await ledger.counterparties_of_client(session, client.id)
    )
    recipients = list(
        rules.recipients_of(
            kind,
            deputy=role in (LegalRole.DEPUTY, LegalRole.BOTH),
            dwp=role in (LegalRole.APPOINTEE, LegalRole.BOTH) or paid_by_dwp,
        )
    )
    if old is not None:  # whoever heard of what this corrects hears of the correction
        for m in await outbox.messages_about(session, TYPE_NAME[CircumstanceChange], [old.id]):
            heard = Recipient(m.message.recipient)
            if heard not in recipients:
                recipients.append(heard)
    if not recipients:
        return []
    facts = {
        "change": kind.value,
        "occurred_on": row.occurred_on.isoformat(),
        "details": row.details,
        "corrects": str(old.id) if old is not None else None,
    }
    body = await outbox.handoff_payload(session, actor, client.id, facts)
    told = []
    for recipient in recipients:
        message_id = await outbox.emit(
            session,
            actor,
            topic=Topic.CIRCUMSTANCES_CHANGED,
            recipient=recipient,
            client_id=client.id,
            subject_type=TYPE_NAME[CircumstanceChange],
            subject_id=row.id,
            payload=body,
        )
        if message_id is not None:
            told.append(message_id)
    return told


async def record_change_in_callers_transaction(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    kind: CircumstanceKind,
    occurred_on: date,
    details: str,
) -> uuid.UUID:
    """A change of circumstances another record states (``amendClient`` moving the client into
    or out of residential care): recorded as if an officer had, in the caller's transaction, and
    told to whoever must hear of it (R-ORD-4, B 18.2); the change's id."""
    record = existing(await clients.client_as_it_stands(session, client_id), "Client", client_id)
    client = _Client(client_id, record.details.date_of_birth, record.legal_role)
    values = {
        "id": uuid.uuid4(),
        "client_id": client_id,
        "occurred_on": occurred_on,
        "kind": kind.value,
        "details": details,
        "supersedes_id": None,
        "reason": None,
        "recorded_by": actor.principal.subject,
    }
    row = await repository.insert(session, CircumstanceChange, values)
    told = await _tell_of_change(session, actor, client, row, None)
    after = audit.jsonable(
        {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
    )
    after["told"] = [str(m) for m in told]
    await audit.record(
        session,
        actor,
        ENTITY[CircumstanceChange],
        row.id,
        "record",
        after=after,
        client_id=client_id,
    )
    return row.id


async def record_change(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    occurred_on: date,
    kind: CircumstanceKind,
    details: str,
    corrects: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> RecordOutcome[CircumstanceChange]:
    """Record a change in the client's circumstances (B 13.5); one the OPG (the council is
    deputy) or the DWP (appointee) must hear of (R-ORD-4, B 18.2) is told through the outbox in
    the same transaction, one message each: the task to tell them."""
    details, reason = details.strip(), optional_text(reason)
    values = {"occurred_on": occurred_on, "kind": kind.value, "details": details}

    def check(client: _Client) -> dict[str, str]:
        return rules.change_problems(
            occurred_on=occurred_on, details=details, today=clock.today(), born_on=client.born_on
        )

    async def tell(
        client: _Client, row: CircumstanceChange, old: CircumstanceChange | None
    ) -> list[uuid.UUID]:
        return await _tell_of_change(session, actor, client, row, old)

    return await _record(
        session,
        actor,
        CircumstanceChange,
        client_id,
        operation="recordCircumstanceChange",
        living="a change of circumstances is recorded",
        payload=_payload(client_id, corrects, reason) | audit.jsonable(values),
        corrects=corrects,
        reason=reason,
        check=check,
        values=values,
        tell=tell,
        idempotency_key=idempotency_key,
    )

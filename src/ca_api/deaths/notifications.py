"""Whom a client's confirmed death is told to (issue 13 item 2, R-DEATH-1, seed 002 B 29.1):
the list of organisations from the records, what was sent, and the letters recorded sent
or added by an officer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import LegalRole
from ca_api.common import idempotency
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek, seek_rows
from ca_api.common.rules import text_problem
from ca_api.dealings import service as dealings
from ca_api.deaths import repository, rules
from ca_api.deaths.models import Death
from ca_api.deaths.recording import ENTITY, SUBJECT_TYPE
from ca_api.deaths.rules import NotificationChannel, NotificationRecipient
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import accounts as ledger
from ca_api.ledger.models import Counterparty, LedgerAccount
from ca_api.ledger.rules import AccountKind
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import MessageState

FIXED = "-"  # the organisation key of an item that is one per death (a team, the court)
_ORDER = {r: i for i, r in enumerate(NotificationRecipient)}


@dataclass(frozen=True)
class Notification:
    """One item of the death's notification list, and whether it was sent: a letter when an
    officer recorded it; a council team's when its outbox message was recorded SENT."""

    death_id: uuid.UUID
    client_id: uuid.UUID
    recipient: NotificationRecipient
    organisation_key: str  # a counterparty's id, an investment's, one added, or FIXED
    organisation_name: str
    sent_on: date | None = None
    sent_by: str | None = None
    outbox_message_id: uuid.UUID | None = None

    @property
    def channel(self) -> NotificationChannel:
        return rules.channel_of(self.recipient)

    @property
    def outstanding(self) -> bool:
        return self.sent_on is None

    def sort_key(self) -> tuple[int, str, str]:
        return _ORDER[self.recipient], self.organisation_name.lower(), self.organisation_key


def _told(c: Counterparty) -> bool:
    return rules.counterparty_recipient(c.kind, c.is_council_employee) is not None


async def _items_of(
    session: AsyncSession,
    deaths: Sequence[Death],
    dwp_told: set[uuid.UUID],
    *,
    records: Mapping[uuid.UUID, clients.ClientRecord] | None = None,
    accounts: Sequence[LedgerAccount] | None = None,
) -> dict[uuid.UUID, list[Notification]]:
    """Each death's items, unsent, by death id: the fixed ones for the case, each organisation
    the records show the client dealt with (``dealings``: counterparties of transfers and
    invoices, holders of investments), then those an officer added. A death in ``dwp_told``:
    the DWP was told as the department (the fixed item) before any DWP counterparty appeared
    in the records (a benefit received after the letter): that letter stands for it, so the
    list does not change under the officer who sent it. The clients, their dealings, accounts
    and wills and the items added are read once for all the deaths (a page of deceased
    clients); the clients (``records``: ``clients.as_they_stand``) and their accounts
    (``ledger.accounts_of_clients``) not at all when the caller hands them over."""
    client_ids = [d.client_id for d in deaths]
    if records is None:
        records = await clients.as_they_stand(session, client_ids)
    if accounts is None:
        accounts = await ledger.accounts_of_clients(session, client_ids)
    accounts_of = group_by(accounts, _client_of)
    added = group_by(
        await repository.added_of(session, [d.id for d in deaths]), lambda a: a.death_id
    )
    solicitors = await _will_solicitors(session, client_ids)
    dealt_with = await dealings.organisations_of_clients(session, client_ids, _told)
    out: dict[uuid.UUID, list[Notification]] = {}
    for death in deaths:
        client_id = death.client_id
        record = records[client_id]
        dealt = dealt_with[client_id]
        found: list[tuple[NotificationRecipient, str, str]] = []
        for c in dealt.counterparties:
            recipient = rules.counterparty_recipient(c.kind, c.is_council_employee)
            assert recipient is not None
            found.append((recipient, str(c.id), c.name))
        found += [(NotificationRecipient.COMPANY, str(root), h) for root, h in dealt.holders]
        if death.id in dwp_told:
            found = [f for f in found if f[0] is not NotificationRecipient.DWP]
        kinds = {r for r, _, _ in found}
        lodged = any(
            a.kind == AccountKind.CLIENT_COURT_FUNDS.value for a in accounts_of.get(client_id, [])
        )
        role = record.legal_role
        fixed = rules.fixed_recipients(
            deputy=role in (LegalRole.DEPUTY, LegalRole.BOTH),
            appointee=role in (LegalRole.APPOINTEE, LegalRole.BOTH),
            dwp_named=NotificationRecipient.DWP in kinds,
            court_funds=lodged and NotificationRecipient.COURT_FUNDS_OFFICE not in kinds,
        )
        items = [
            Notification(death.id, client_id, r, FIXED, _fixed_name(r, record.referred_by))
            for r in fixed
        ]
        items += [Notification(death.id, client_id, r, k, n) for r, k, n in found]
        items += [
            Notification(death.id, client_id, NotificationRecipient.WILL_SOLICITOR, key, name)
            for key, name in solicitors[client_id]
        ]
        items += [
            Notification(
                death.id,
                client_id,
                NotificationRecipient(a.recipient),
                str(a.id),
                a.organisation_name,
            )
            for a in added.get(death.id, [])
        ]
        out[death.id] = items
    return out


def _client_of(account: LedgerAccount) -> uuid.UUID | None:
    return account.client_id


async def _will_solicitors(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, str]]]:
    """B 29.1 "Solicitor holding the Will": each will recorded (issue 14, ``wills``) that a
    solicitor holds as it stands, by client. Imported when called, since wills builds on
    payments, which build on deaths."""
    from ca_api.wills import reads as wills

    return await wills.solicitors_holding_of(session, client_ids)


def _fixed_name(recipient: NotificationRecipient, referred_by: str | None) -> str:
    if recipient is NotificationRecipient.SOCIAL_WORKER and referred_by:
        return f"Social worker / care worker ({referred_by}, who referred the client)"
    return rules.TEAM_NAMES[recipient]


async def _notifications(session: AsyncSession, death: Death) -> list[Notification]:
    """The death's list, each item with what was sent, in recipient order then by name."""
    return (await _notifications_of(session, [death]))[death.id]


async def _notifications_of(
    session: AsyncSession,
    deaths: Sequence[Death],
    *,
    records: Mapping[uuid.UUID, clients.ClientRecord] | None = None,
    accounts: Sequence[LedgerAccount] | None = None,
) -> dict[uuid.UUID, list[Notification]]:
    """``_notifications`` of each of these deaths, by death id, what was sent read once for
    all of them (``records`` and ``accounts``: as ``_items_of``)."""
    ids = [d.id for d in deaths]
    letters_of = group_by(await repository.sent_of(session, ids), lambda s: s.death_id)
    told_of = group_by(
        await outbox.messages_about(session, SUBJECT_TYPE, ids), lambda m: m.message.subject_id
    )
    letters = {
        i: {(s.recipient, s.organisation_key): s for s in letters_of.get(i, [])} for i in ids
    }
    dwp_told = {i for i in ids if (NotificationRecipient.DWP.value, FIXED) in letters[i]}
    items = await _items_of(session, deaths, dwp_told, records=records, accounts=accounts)
    out: dict[uuid.UUID, list[Notification]] = {}
    for death in deaths:
        told = {m.message.recipient: m for m in told_of.get(death.id, [])}
        listed = []
        for n in items[death.id]:
            if n.channel is NotificationChannel.COUNCIL_TEAM:
                m = told.get(n.recipient.value)
                sent = m.step(MessageState.SENT) if m is not None else None
                listed.append(
                    replace(
                        n,
                        outbox_message_id=m.message.id if m is not None else None,
                        sent_on=sent.recorded_at.date() if sent is not None else None,
                        sent_by=sent.recorded_by if sent is not None else None,
                    )
                )
            else:
                s = letters[death.id].get((n.recipient.value, n.organisation_key))
                listed.append(
                    n if s is None else replace(n, sent_on=s.sent_on, sent_by=s.recorded_by)
                )
        listed.sort(key=Notification.sort_key)
        out[death.id] = listed
    return out


async def _confirmed_death(session: AsyncSession, client_id: uuid.UUID) -> Death:
    death = await repository.death_of_client(session, client_id)
    if death is None or await repository.confirmed_death_date(session, client_id) is None:
        raise InvalidState("the client's death is not confirmed: nobody is told of it yet")
    return death


async def notifications(
    session: AsyncSession, client_id: uuid.UUID, *, outstanding: bool, seek: Seek[Any]
) -> list[Notification]:
    """A page of the client's death notifications (only those not sent, ``outstanding``); none
    while no death is confirmed."""
    death = await repository.death_of_client(session, client_id)
    if death is None or await repository.confirmed_death_date(session, client_id) is None:
        return []
    every = await _notifications(session, death)
    if outstanding:
        every = [n for n in every if n.outstanding]
    return seek_rows(every, seek, key=Notification.sort_key)


async def outstanding_notifications(
    session: AsyncSession, client_id: uuid.UUID
) -> list[Notification]:
    """What is still to be sent of the death's notifications (R-DEATH-1). The case closure of
    issue 13 item 5 calls this: a case cannot close while an item is outstanding. (There is no
    case closure yet.) Empty when no death is confirmed."""
    return (await outstanding_notifications_of(session, [client_id])).get(client_id, [])


async def outstanding_notifications_of(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Notification]]:
    """``outstanding_notifications`` of each of these clients whose death is confirmed, by
    client id: the deaths, what was sent, the dealings and wills read once for all (a page of
    clients being wound up)."""
    confirmed = await repository.confirmed_death_dates(session, client_ids)
    standing = await repository.deaths_of_clients(session, client_ids)
    return await outstanding_notifications_of_deaths(
        session, [d for d in standing if d.client_id in confirmed]
    )


async def outstanding_notifications_of_deaths(
    session: AsyncSession,
    confirmed: Sequence[Death],
    *,
    records: Mapping[uuid.UUID, clients.ClientRecord] | None = None,
    accounts: Sequence[LedgerAccount] | None = None,
) -> dict[uuid.UUID, list[Notification]]:
    """``outstanding_notifications_of`` for deaths the caller has read and knows confirmed (the
    page of ``winding_up``), by client id: the deaths are not read again, nor the clients as
    they stand (``records``) and their accounts (``accounts``) when the caller hands them over
    (issue 18 item 1)."""
    if not confirmed:
        return {}
    every = await _notifications_of(session, confirmed, records=records, accounts=accounts)
    return {d.client_id: [n for n in every[d.id] if n.outstanding] for d in confirmed}


@dataclass(frozen=True)
class NotificationOutcome:
    notification: Notification
    replayed: bool = False


async def _find(
    session: AsyncSession, death: Death, recipient: NotificationRecipient, key: str
) -> Notification | None:
    return next(
        (
            n
            for n in await _notifications(session, death)
            if (n.recipient, n.organisation_key) == (recipient, key)
        ),
        None,
    )


async def record_notification_sent(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    recipient: NotificationRecipient,
    organisation_key: str,
    sent_on: date,
    *,
    idempotency_key: str,
) -> NotificationOutcome:
    """Record a letter of the death's list sent (R-DEATH-1): the date, by the caller; once.
    A council team's item is told through the outbox and recorded sent there."""

    async def work() -> dict[str, Any]:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        death = await _confirmed_death(session, client_id)
        n = await _find(session, death, recipient, organisation_key)
        if n is None:
            raise ValidationFailed({"organisation_key": "is not on the client's list"})
        if n.channel is NotificationChannel.COUNCIL_TEAM:
            raise InvalidState(
                f"{n.organisation_name} is told through the outbox: record its message sent "
                "there (recordOutboxMessageSent)"
            )
        if not n.outstanding:
            raise InvalidState(f"{n.organisation_name} was told on {n.sent_on}: once only")
        problem = rules.sent_on_problem(sent_on, death.died_on, clock.today())
        if problem is not None:
            raise ValidationFailed({"sent_on": problem})
        row = await repository.insert_sent(
            session,
            {
                "id": uuid.uuid4(),
                "death_id": death.id,
                "recipient": recipient.value,
                "organisation_key": organisation_key,
                "organisation_name": n.organisation_name,
                "sent_on": sent_on,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "recipient": recipient.value,
            "organisation": n.organisation_name,
            "sent_on": sent_on.isoformat(),
        }
        await audit.record(
            session, actor, ENTITY, death.id, "notify", after=after, client_id=client_id
        )
        return {"sent_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "recipient": recipient.value,
        "organisation_key": organisation_key,
        "sent_on": sent_on.isoformat(),
    }

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordDeathNotificationSent", payload, work
    )
    death = await _confirmed_death(session, client_id)
    n = await _find(session, death, recipient, organisation_key)
    assert n is not None
    return NotificationOutcome(n, bool(result.get("replayed")))


async def add_notification(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    recipient: NotificationRecipient,
    organisation_name: str,
    *,
    idempotency_key: str,
) -> NotificationOutcome:
    """Add someone to tell whom the records do not show (R-DEATH-1): the solicitor holding the
    will, or a company; it is then outstanding until sent."""
    name = organisation_name.strip()
    problems = text_problem(
        "organisation_name", name, required=True, maximum=rules.MAX_ORGANISATION
    )
    if recipient not in rules.ADDABLE:
        allowed = " or ".join(sorted(r.value for r in rules.ADDABLE))
        problems["recipient"] = (
            f"only {allowed} is added by an officer; the rest come from the records"
        )
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        death = await _confirmed_death(session, client_id)
        row = await repository.insert_added(
            session,
            {
                "id": uuid.uuid4(),
                "death_id": death.id,
                "recipient": recipient.value,
                "organisation_name": name,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {"recipient": recipient.value, "organisation": name}
        await audit.record(
            session, actor, ENTITY, death.id, "add_notification", after=after, client_id=client_id
        )
        return {"added_id": str(row.id)}

    payload = {"client_id": str(client_id), "recipient": recipient.value, "name": name}
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "addDeathNotification", payload, work
    )
    death = await _confirmed_death(session, client_id)
    n = await _find(session, death, recipient, str(result["added_id"]))
    assert n is not None
    return NotificationOutcome(n, bool(result.get("replayed")))

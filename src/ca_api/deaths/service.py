"""Use cases of a client's death (issue 13 items 1-2; R-DEATH-1..4, R-ROLE-2, seed 002 B 29):
each one transaction with its audit row (R-AUD-1), once per idempotency key.

- **Recorded** by casework: the date of death (not in the future, not before birth), how it was
  verified (the death certificate's reference). Nothing takes effect yet: PENDING_CONFIRMATION.
- **Confirmed** by a senior officer who did not record it (four eyes, R-ROLE-2, through the one
  approval mechanism, ``approvals.steps``). In that transaction the client's situation becomes
  DECEASED_WINDING_UP (a new version of their details, ``clients.service.record_deceased``), and
  from then on ``refuse_spending_after_death`` refuses money leaving the client's account except
  on a winding-up basis (``rules.spending_problem``): standing payments and the weekly personal
  allowance stop, nothing new is committed (decisions, lodgements, placements, assistance).

Every door where money leaves or is committed calls ``refuse_spending_after_death``: the rule
is ``rules.spending_problem``, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import LegalRole, Situation
from ca_api.common import idempotency
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek, seek_rows
from ca_api.common.rules import text_problem
from ca_api.dealings import service as dealings
from ca_api.deaths import repository, rules
from ca_api.deaths.models import Death, DeathEvent, WindUpFee
from ca_api.deaths.rules import (
    DeathEventKind,
    DeathStatus,
    NotificationChannel,
    NotificationRecipient,
    WindingUpBasis,
)
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, RecordNotFound, ValidationFailed
from ca_api.invoices import service as invoices
from ca_api.ledger import service as ledger
from ca_api.ledger.models import Counterparty, LedgerAccount
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.money import format_money
from ca_api.outbox import events
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import INTEGRATIONS, MessageState, Recipient, Topic
from ca_api.overpayments import holding as overpayment_holding
from ca_api.overpayments import reads as overpayment_reads
from ca_api.overpayments.rules import OverpaymentStatus
from ca_api.policy import service as policy

TYPE_NAME = "Death"
T = TypeVar("T")
ENTITY = "death"


class ClientDeceased(MoneyProblem):
    """The client's death is confirmed and what was asked is not something winding up allows
    (seed 002 B 29): an InvalidStateProblem with the code CLIENT_DECEASED. Nothing is written."""

    def __init__(self, message: str, died_on: date | None) -> None:
        super().__init__(
            ErrorCode.CLIENT_DECEASED,
            message,
            died_on=died_on.isoformat() if died_on is not None else None,
        )


@dataclass(frozen=True)
class DeathView:
    death: Death
    events: Sequence[DeathEvent]

    @property
    def status(self) -> DeathStatus:
        return rules.death_status(e.event for e in self.events)

    @property
    def confirmed(self) -> DeathEvent | None:
        return next((e for e in self.events if e.event == DeathEventKind.CONFIRMED), None)


@dataclass(frozen=True)
class DeathOutcome:
    view: DeathView
    replayed: bool = False


@dataclass(frozen=True)
class WindingUp:
    """A client being wound up: their confirmed death, and how long since (issue 13 item 6 adds
    what is outstanding)."""

    view: DeathView
    client_reference: str
    days_since_death: int


async def _read(session: AsyncSession, death_id: uuid.UUID) -> DeathView:
    death = await repository.lock(session, death_id)  # read afresh, in the transaction
    if death is None:
        raise RecordNotFound.of(TYPE_NAME, death_id)
    return DeathView(death, list(await repository.events_of(session, [death_id])))


async def _outcome(
    session: AsyncSession, death_id: uuid.UUID, *, replayed: bool = False
) -> DeathOutcome:
    return DeathOutcome(await _read(session, death_id), replayed)


ONCE = approvals.Once(
    remember_as="death_id",
    ident=lambda o: o.view.death.id,
    replay=partial(_outcome, replayed=True),
)

# The approval mechanism's view of a death: confirmed once, by someone who did not record it.
DEATHS: approvals.Approvable[Death, DeathStatus, DeathEventKind] = approvals.Approvable(
    type_name=TYPE_NAME,
    owner_column="death_id",
    lock=repository.lock,
    events_of=repository.events_of,
    status=rules.death_status,
    transition_problem=rules.transition_problem,
    insert_event=repository.insert_event,
    once_index="uq_death_event_once",
    already=lambda event: f"the death was {event.lower()} already",
    missing=RecordNotFound.of,
    wording=approvals.Wording(
        raised="you recorded this death",
        authored="you recorded this death",
        must="confirm it",
        may="confirm",
    ),
)


# --- recorded -------------------------------------------------------------------------------


async def record_death(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    died_on: date,
    certificate_reference: str,
    notes: str | None,
    *,
    idempotency_key: str,
) -> DeathOutcome:
    """Record a client's death; it waits for a second officer to confirm it (R-ROLE-2)."""
    problems = text_problem(
        "certificate_reference",
        certificate_reference,
        required=True,
        maximum=rules.MAX_CERTIFICATE,
    )
    problems |= text_problem("notes", notes, required=False, maximum=rules.MAX_NOTES)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> DeathOutcome:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        born_on = await clients.date_of_birth(session, client_id)
        assert born_on is not None
        problem = rules.death_date_problem(died_on, born_on, clock.today())
        if problem is not None:
            raise ValidationFailed({"died_on": problem})
        if await repository.death_of_client(session, client_id) is not None:
            raise InvalidState("the client's death is recorded already")
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "died_on": died_on,
            "certificate_reference": certificate_reference.strip(),
            "notes": notes.strip() if notes and notes.strip() else None,
            "recorded_by": actor.principal.subject,
        }
        death = await repository.insert_death(session, values)
        after = {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        after["status"] = DeathStatus.PENDING_CONFIRMATION.value
        await audit.record(
            session, actor, ENTITY, death.id, "record", after=after, client_id=client_id
        )
        return await _outcome(session, death.id)

    payload = {
        "client_id": str(client_id),
        "died_on": died_on.isoformat(),
        "certificate_reference": certificate_reference,
        "notes": notes,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordDeath", payload, work
    )


# --- confirmed ------------------------------------------------------------------------------

STEPS = steps.Steps(
    agg=DEATHS,
    once=ONCE,
    entity=ENTITY,
    awaiting=DeathStatus.PENDING_CONFIRMATION,
    actions={DeathEventKind.CONFIRMED: "confirm", DeathEventKind.WITHDRAWN: "withdraw"},
    operations={
        DeathEventKind.CONFIRMED: "confirmDeath",
        DeathEventKind.WITHDRAWN: "withdrawDeath",
    },
    read=_outcome,
)


async def confirm_death(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> DeathOutcome:
    """Confirm the client's recorded death: never by whoever recorded it (R-ROLE-2). It takes
    effect in this transaction: the client DECEASED_WINDING_UP, spending refused but for winding
    up (``refuse_spending_after_death``)."""
    death = await repository.death_of_client(session, client_id)
    if death is None:
        raise InvalidState("no death is recorded for the client: record it first")

    async def confirm(held: approvals.Held[Death, DeathStatus]) -> tuple[dict[str, Any], Any]:
        row = held.row
        approvals.require_four_eyes(actor, DEATHS, row.recorded_by, [row.recorded_by])
        await approvals.append_event(session, DEATHS, row.id, DeathEventKind.CONFIRMED, actor)
        reason = (
            f"death on {row.died_on.isoformat()} confirmed (certificate "
            f"{row.certificate_reference}; seed 002 B 29)"
        )
        await clients.record_deceased(session, actor, row.client_id, reason=reason)
        told = await _tell_council_teams(session, actor, row)  # R-DEATH-1, B 29.1
        # Invoices dated after the death are queried, not the client's debts (R-DEATH-2, B
        # 29.2); under the client's lock, as an invoice being recorded takes it.
        await clients.lock_client(session, row.client_id)
        queried = await invoices.query_dated_after_death(session, actor, row.client_id, row.died_on)
        # Benefits already received for days after the death are held back (R-DEATH-2, B 29.2).
        flagged = await overpayment_holding.flag_on_confirmation(session, actor, row)
        done: dict[str, Any] = {
            "died_on": row.died_on.isoformat(),
            "outbox_messages": told,
            "invoices_queried": [str(i) for i in queried],
            "benefit_overpayments": [str(o.id) for o in flagged],
        }
        return done, DeathStatus.CONFIRMED

    return await steps.run(
        STEPS,
        session,
        actor,
        death.id,
        DeathEventKind.CONFIRMED,
        confirm,
        idempotency_key=idempotency_key,
    )


async def withdraw_death(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> DeathOutcome:
    """Withdraw a death recorded in error (the wrong client, a mistaken report) before anyone
    confirms it, with the reason (R-AUD-2: the record stays, the event says it does not stand);
    nothing had taken effect, and the client's death may be recorded afresh. A confirmed death
    is not withdrawn here."""
    text = reason.strip()
    problems = text_problem("reason", text, required=True, maximum=rules.MAX_NOTES)
    if problems:
        raise ValidationFailed(problems)
    death = await repository.death_of_client(session, client_id)
    if death is None:
        raise InvalidState("no death is recorded for the client")

    async def withdraw(held: approvals.Held[Death, DeathStatus]) -> tuple[dict[str, Any], Any]:
        # the reason is the step's audit row's (``steps.run``)
        await approvals.append_event(session, DEATHS, held.row.id, DeathEventKind.WITHDRAWN, actor)
        return {"died_on": held.row.died_on.isoformat()}, DeathStatus.WITHDRAWN

    return await steps.run(
        STEPS,
        session,
        actor,
        death.id,
        DeathEventKind.WITHDRAWN,
        withdraw,
        idempotency_key=idempotency_key,
        payload={"reason": text},
        reason=text,
    )


# --- the one check every money door makes ---------------------------------------------------


async def confirmed_death_date(session: AsyncSession, client_id: uuid.UUID) -> date | None:
    """The date of the client's confirmed death, or None."""
    return await repository.confirmed_death_date(session, client_id)


@dataclass(frozen=True)
class DuesForLife(Generic[T]):
    """What the fee run may charge: each client's dues but those after their death, and the
    clients recorded deceased with no death confirmed (charged nothing: the date of death
    decides which dues they lived through, B 29.2), with why."""

    dues: dict[uuid.UUID, list[T]]
    unconfirmed: dict[uuid.UUID, str]


async def fee_dues_for_life(
    session: AsyncSession, dues: dict[uuid.UUID, list[T]], due_on: Callable[[T], date]
) -> DuesForLife[T]:
    """The fee run's door (R-FEE, seed 002 B 6.4): each client's dues but those falling due
    after their confirmed death (``rules.fee_due_for_life``); a client recorded
    DECEASED_WINDING_UP with no confirmed death is charged nothing, as every other door pays
    nothing for them (``refuse_spending_after_death``)."""
    died = await repository.confirmed_death_dates(session, list(dues))
    records = await clients.as_they_stand(session, [c for c in dues if c not in died])
    unconfirmed = {
        c: rules.UNRECORDED_DEATH
        for c, r in records.items()
        if r.details.situation is Situation.DECEASED_WINDING_UP
    }
    return DuesForLife(
        {
            c: [d for d in ds if rules.fee_due_for_life(due_on(d), died.get(c))]
            for c, ds in dues.items()
            if c not in unconfirmed
        },
        unconfirmed,
    )


def repayment_basis_if_deceased(died_on: date | None) -> WindingUpBasis | None:
    """A repayment the service makes itself (temporary assistance back to the council) names the
    REPAYMENT basis once the client's death is confirmed, none while they live."""
    return WindingUpBasis.REPAYMENT if died_on is not None else None


async def refuse_spending_after_death(
    session: AsyncSession,
    client_id: uuid.UUID,
    basis: WindingUpBasis | None = None,
    *,
    standing: bool = False,
    invoice_date: date | None = None,
    commits_new_money: bool = False,
) -> None:
    """ClientDeceased (CLIENT_DECEASED) when the client's death is confirmed and this money may
    not leave or be committed (``rules.spending_problem``); a winding-up basis given for a living
    client is a ValidationFailed on ``winding_up_basis``. The caller holds the client's or the
    aggregate's lock; the check reads the death in the caller's transaction."""
    died_on, situation = await repository.death_and_situation(session, client_id)
    if died_on is None and situation == Situation.DECEASED_WINDING_UP.value:
        # Recorded DECEASED_WINDING_UP (a caseload import, an amendment) with no confirmed
        # death: nothing leaves until the death is recorded and confirmed, whose date rules
        # what winding up pays (seed 002 B 29.2).
        raise ClientDeceased(rules.UNRECORDED_DEATH, None)
    problem = rules.spending_problem(
        died_on,
        basis,
        standing=standing,
        invoice_date=invoice_date,
        commits_new_money=commits_new_money,
    )
    if problem is None:
        if basis is WindingUpBasis.ESTATE:  # the fee first, at every step (R-FEE-5, R-DEATH-3)
            await refuse_estate_before_wind_up_fee(session, client_id)
        return
    if died_on is None:
        raise ValidationFailed({"winding_up_basis": problem})
    raise ClientDeceased(problem, died_on)


# --- reads ----------------------------------------------------------------------------------


async def deaths_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, DeathView]:
    deaths = await repository.deaths_of_clients(session, client_ids)
    events = await repository.events_of(session, [d.id for d in deaths])
    by_death: dict[uuid.UUID, list[DeathEvent]] = {}
    for e in events:
        by_death.setdefault(e.death_id, []).append(e)
    return {d.client_id: DeathView(d, by_death.get(d.id, [])) for d in deaths}


async def winding_up(session: AsyncSession, seek: Seek[Any]) -> list[WindingUp]:
    """Clients whose death is confirmed, the longest dead first (issue 13 item 6 will add what
    is outstanding for each)."""
    rows = await repository.winding_up(session, seek)
    events = group_by(
        await repository.events_of(session, [r[0].id for r in rows]), lambda e: e.death_id
    )
    today = clock.today()
    out = []
    for r in rows:
        death: Death = r[0]
        view = DeathView(death, events.get(death.id, []))
        out.append(WindingUp(view, r.client_reference, rules.days_since(death.died_on, today)))
    return out


# --- whom the death is told to (item 2, R-DEATH-1, seed 002 B 29.1) ---------------------------

SUBJECT_TYPE = "Death"  # the outbox messages' subject
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
    from ca_api.wills import service as wills

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


async def _tell_council_teams(session: AsyncSession, actor: Actor, death: Death) -> list[str]:
    """Seed 002 B 29.1: the council's teams told through the outbox, in the confirmation's
    transaction (a replay emits nothing twice); the ids of the messages written."""
    payload = await outbox.handoff_payload(
        session, actor, death.client_id, {"died_on": death.died_on.isoformat()}
    )
    written = []
    for recipient in rules.COUNCIL_TEAMS:
        message_id = await outbox.emit(
            session,
            actor,
            topic=Topic.DEATH_NOTIFIED,
            recipient=Recipient(recipient.value),
            client_id=death.client_id,
            subject_type=SUBJECT_TYPE,
            subject_id=death.id,
            payload=payload,
        )
        if message_id is not None:
            written.append(str(message_id))
    # R-DEATH-1: the systems of income recovery (SAP) and of care and assessment (Controcc)
    # hear it too, in their feeds' shape (issue 17 item 3).
    told = await events.tell(
        session,
        actor,
        [
            events.Event(
                Topic.DEATH_NOTIFIED,
                death.client_id,
                SUBJECT_TYPE,
                death.id,
                {"death_id": str(death.id), "died_on": death.died_on.isoformat()},
            )
        ],
        INTEGRATIONS,
    )
    return written + [str(m) for m in told]


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


# --- the wind-up fee (item 4, R-FEE-5, seed 002 B 29.4, B 6.4-6.5, Appendix 3) ---------------

WIND_UP_FEE_FIGURE = "wind_up_fee"  # policy data (migration 0006), effective-dated (R-FEE-6)
# The council's income line the fee is paid to: its own counterparty, apart from the deputy
# remuneration of the fee run, as the seed books it as the service's second income line.
COUNCIL_WIND_UP_FEES = "Client Affairs wind-up fees"


@dataclass(frozen=True)
class WindUpFeeOutcome:
    fee: WindUpFee
    replayed: bool = False


async def wind_up_fees_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, WindUpFee]:
    """Each client's wind-up fee, if charged."""
    return {f.client_id: f for f in await repository.wind_up_fees_of_clients(session, client_ids)}


async def outstanding_before_fee(
    session: AsyncSession, client_id: uuid.UUID, died_on: date, *, but_the_estate: bool = False
) -> list[str]:
    """What must be discharged before the wind-up fee is taken, and so before the estate
    (R-FEE-5, B 29.4): every invoice dated up to and including the date of death neither paid
    nor cancelled (the client's debts, B 29.2, R-DEBT), temporary assistance the council paid and
    not repaid in full (a debt to the council, B 4.6), and every payment raised or approved and
    not yet made (``but_the_estate``: other than an estate payment, for the estate's own check).
    An invoice dated after the death is queried (R-DEATH-2), not the client's debt: it does not
    hold the fee."""
    out = [
        f"invoice {r.supplier_invoice_number} of {r.invoice_date.isoformat()} for "
        f"{format_money(r.amount)} is {r.status}"
        for r in await repository.invoices_due_by(session, client_id, died_on)
    ]
    out += [
        f"temporary assistance the council paid ({r.purpose!r}): "
        f"{format_money(r.amount - int(r.repaid))} of {format_money(r.amount)} not repaid "
        "(recordTemporaryAssistanceRepayment)"
        for r in await repository.assistance_owed(session, client_id)
    ]
    out += [
        f"payment {r.description!r} for {format_money(r.amount)} is {r.status}, not yet made"
        for r in await repository.payments_open(session, client_id)
        if not (but_the_estate and r.winding_up_basis == WindingUpBasis.ESTATE.value)
    ]
    # A benefit overpayment whose repayment was cancelled is owed and no longer held
    # (R-DEATH-2): request it again or release it first. One still held is protected by its hold.
    out += [
        f"benefit overpayment of {format_money(v.row.amount_flagged)} is {v.status.value} "
        "and not held: request its repayment again or release it"
        for v in await overpayment_reads.outstanding(session, client_id)
        if v.held_now == 0 and v.status is OverpaymentStatus.REPAYMENT_CANCELLED
    ]
    return out


async def charge_wind_up_fee(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> WindUpFeeOutcome:
    """Take the council's wind-up fee from a deceased client's CMS account (R-FEE-5, B 29.4),
    appointee-only and deputy clients alike: once per client, only once the death is confirmed
    and every due invoice and payment is discharged (refused with what is outstanding). The
    figure is the one in force on the date of death (B 6.5: agreed yearly by Cabinet; the work
    the fee pays for begins with the death). One ledger transfer to the council, on the
    WIND_UP_FEE basis; too little in the account is InsufficientFunds and nothing is written."""

    async def work() -> dict[str, Any]:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        death = await repository.death_of_client(session, client_id)
        died_on = await repository.confirmed_death_date(session, client_id)
        if death is None or died_on is None:
            raise InvalidState(
                "the wind-up fee is taken only once the client's death is recorded and "
                "confirmed (R-FEE-5, seed 002 B 29.4)"
            )
        charged = await repository.wind_up_fees_of_clients(session, [client_id])
        if charged:
            raise InvalidState(
                f"the wind-up fee was charged on {charged[0].charged_on.isoformat()}: "
                "once per client (R-FEE-5)"
            )
        outstanding = await outstanding_before_fee(session, client_id, died_on)
        if outstanding:
            raise InvalidState(
                "the wind-up fee is taken only after every due invoice and payment is "
                "discharged (R-FEE-5, B 29.4); outstanding: " + "; ".join(outstanding)
            )
        await refuse_spending_after_death(session, client_id, WindingUpBasis.WIND_UP_FEE)
        figure = await policy.figure_on(session, WIND_UP_FEE_FIGURE, died_on)
        if figure is None or figure.value is None:
            raise policy.PolicyMissing(WIND_UP_FEE_FIGURE, died_on)
        amount = int(figure.value)
        today = clock.today()
        changes: list[audit.Change] = []
        payee = await ledger.named_counterparty_account(
            session,
            actor,
            CounterpartyKind.COUNCIL,
            COUNCIL_WIND_UP_FEES,
            why="needed to take the wind-up fee (R-FEE-5)",
            changes=changes,
        )
        cms = await ledger.client_account(session, client_id)
        transfer = await ledger.post(
            session,
            actor,
            ledger.Movement(
                from_account_id=cms.id,
                to_account_id=payee.id,
                amount=amount,
                value_date=today,
                category=Category.OUT_DEPUTY_FEES,
                description=(
                    f"Wind-up fee (death on {died_on.isoformat()}; figure in force from "
                    f"{figure.effective_from.isoformat()})"
                ),
                reference=f"wind-up-fee:{client_id}",
            ),
        )
        fee = await repository.insert_wind_up_fee(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "death_id": death.id,
                "transfer_id": transfer.id,
                "amount": amount,
                "figure_effective_from": figure.effective_from,
                "charged_on": today,
                "recorded_by": actor.principal.subject,
            },
        )
        told = await events.tell(
            session,
            actor,
            [
                events.Event(
                    Topic.WIND_UP_FEE_TAKEN,
                    client_id,
                    "WindUpFee",
                    fee.id,
                    {
                        "wind_up_fee_id": str(fee.id),
                        "amount": amount,
                        "value_date": today.isoformat(),
                        "died_on": died_on.isoformat(),
                        "figure_effective_from": figure.effective_from.isoformat(),
                        "payee_id": str(payee.counterparty_id),
                        "transfer_id": str(transfer.id),
                    },
                )
            ],
            [Recipient.SAP],
        )
        after = {
            "outbox_messages": [str(m) for m in told],
            "amount": amount,
            "figure": WIND_UP_FEE_FIGURE,
            "figure_effective_from": figure.effective_from.isoformat(),
            "died_on": died_on.isoformat(),
            "charged_on": today.isoformat(),
            "transfer_id": str(transfer.id),
            "winding_up_basis": WindingUpBasis.WIND_UP_FEE.value,
            "balance_after": transfer.from_balance_after,
        }
        changes.append(
            audit.Change(ENTITY, death.id, "charge_wind_up_fee", after=after, client_id=client_id)
        )
        await audit.record_many(session, actor, changes)
        return {"fee_id": str(fee.id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "chargeWindUpFee", {"client_id": str(client_id)}, work
    )
    fees = await repository.wind_up_fees_of_clients(session, [client_id])
    assert fees and str(fees[0].id) == result["fee_id"]
    return WindUpFeeOutcome(fees[0], bool(result.get("replayed")))


async def refuse_estate_before_wind_up_fee(session: AsyncSession, client_id: uuid.UUID) -> None:
    """The estate's door (asked by ``refuse_spending_after_death`` on the ESTATE basis, at the
    payment's raising, approval and making): nothing goes to an
    executor, next of kin or the Treasury Solicitor before the wind-up fee is taken (R-FEE-5,
    R-DEATH-3, B 29.4). InvalidState while the client's death is confirmed and no fee charged,
    or while a benefit overpayment is outstanding (R-DEATH-2: neither repaid nor released)."""
    if await repository.confirmed_death_date(session, client_id) is None:
        return
    if not await repository.wind_up_fees_of_clients(session, [client_id]):
        raise InvalidState(
            "the wind-up fee is taken before anything is paid to an executor, next of kin or "
            "the Treasury Solicitor (R-FEE-5, R-DEATH-3): charge it first (chargeWindUpFee)"
        )
    owed = await overpayment_reads.outstanding(session, client_id)
    if owed:  # benefits overpaid are repaid before the estate is paid (R-DEATH-2, B 29.2)
        raise InvalidState(
            f"{len(owed)} benefit overpayment(s) are outstanding (R-DEATH-2, B 29.2): have "
            "them repaid on the agency's request or released before the estate is paid"
        )
    # Every debt to the death, judged again where the money moves (approved, made): a debt
    # found after the estate was raised is paid first (R-DEATH-2, R-DEATH-3).
    died_on = await repository.confirmed_death_date(session, client_id)
    assert died_on is not None
    debts = await outstanding_before_fee(session, client_id, died_on, but_the_estate=True)
    if debts:
        raise InvalidState(
            "the estate is paid only after every debt to the death and every other payment "
            "(R-DEATH-2, R-DEATH-3, B 29.4); outstanding: " + "; ".join(debts)
        )

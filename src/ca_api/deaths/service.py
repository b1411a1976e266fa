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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common.keyset import Seek
from ca_api.common.rules import text_problem
from ca_api.deaths import repository, rules
from ca_api.deaths.models import Death, DeathEvent
from ca_api.deaths.rules import DeathEventKind, DeathStatus, WindingUpBasis
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, RecordNotFound, ValidationFailed

TYPE_NAME = "Death"
ENTITY = "death"


class ClientDeceased(MoneyProblem):
    """The client's death is confirmed and what was asked is not something winding up allows
    (seed 002 B 29): an InvalidStateProblem with the code CLIENT_DECEASED. Nothing is written."""

    def __init__(self, message: str, died_on: date) -> None:
        super().__init__(ErrorCode.CLIENT_DECEASED, message, died_on=died_on.isoformat())


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
    actions={DeathEventKind.CONFIRMED: "confirm"},
    operations={DeathEventKind.CONFIRMED: "confirmDeath"},
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
        done: dict[str, Any] = {"died_on": row.died_on.isoformat()}
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


# --- the one check every money door makes ---------------------------------------------------


async def confirmed_death_date(session: AsyncSession, client_id: uuid.UUID) -> date | None:
    """The date of the client's confirmed death, or None."""
    return await repository.confirmed_death_date(session, client_id)


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
    died_on = await repository.confirmed_death_date(session, client_id)
    problem = rules.spending_problem(
        died_on,
        basis,
        standing=standing,
        invoice_date=invoice_date,
        commits_new_money=commits_new_money,
    )
    if problem is None:
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
    events = await repository.events_of(session, [r[0].id for r in rows])
    today = clock.today()
    out = []
    for r in rows:
        death: Death = r[0]
        view = DeathView(death, [e for e in events if e.death_id == death.id])
        out.append(WindingUp(view, r.client_reference, rules.days_since(death.died_on, today)))
    return out

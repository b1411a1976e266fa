"""One mechanism for everything that gets approved (issue 10 item 2).

Payments and decisions use it, and on top of decisions lodgements, placements and investment
statements (an INVESTMENT_PLAN decision approves each); the referrals, debts and estates to come
will too. An approvable aggregate describes itself once, as an ``Approvable``: its repository's
lock, events and insert, its rules' status table and transition table, its queue kind and the
words its refusals use. A use case that moves it then reads the same everywhere:

1. ``locked``: the aggregate's row FOR UPDATE (one request decides its state at a time), its
   events, and its status computed from them (``approvals.rules.status_of``; the same table
   gives the SQL, ``approvals.repository.status_case``);
2. ``require``: the transition table allows the event from that status, else InvalidState
   (``locked_for``: steps 1 and 2 at once);
3. ``authorise`` (approving or refusing): four eyes over its authors (R-ROLE-2), then the
   approval limits in force today (R-DEC-2); the version judged under is returned, to be
   recorded on the event (R-DEC-4);
4. ``append_event``: the event, once;
5. ``notify``: the approval queue told inside the transaction (delivered on commit only);

all inside ``run_once``: one transaction per idempotency key (``common.idempotency``), a repeat
replays the first result.

Savepoints: none. An event is appended in the business transaction itself, as payments always
did (decisions and a placement's return used a savepoint). The lock of step 1 serialises every
change of the aggregate, so the unique index that keeps each event once is a backstop that fires
only if something bypassed the lock; then the use case fails with InvalidState, and since every
use case is one transaction (``run_once`` or ``db.unit_of_work``) that rolls back whole on any
business failure, nothing after the failed INSERT needs the transaction to stay usable. A
savepoint would add two round trips (SAVEPOINT, RELEASE) to every approval to recover from a
failure nobody recovers from. The caller sees the same InvalidState, and nothing is written.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import events as queue_events
from ca_api.approvals.problems import FourEyes, OverApprovalLimit
from ca_api.approvals.rules import four_eyes
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.common import idempotency
from ca_api.errors import InvalidState
from ca_api.money import Pence
from ca_api.policy import service as policy
from ca_api.policy.rules import ApprovalSubject, LimitVersion, lowest_approver, may_approve

R = TypeVar("R")  # the aggregate's row
S = TypeVar("S")  # its status enum
E = TypeVar("E")  # its event kind enum
T = TypeVar("T")  # what a use case returns


@dataclass(frozen=True)
class Wording:
    """How an aggregate's four-eyes and limit refusals read (``approvals.problems``)."""

    raised: str  # "you raised this payment"
    authored: str  # "you recorded the invoice this payment pays (you are one of its authors)"
    must: str  # what someone else must do: "approve it"
    may: str  # "approve under the limits": "... is above what your role may <may> in force"


@dataclass(frozen=True)
class EventLog:
    """Where an aggregate's events go: enough for ``append_event`` (a placement, whose status
    also stands on its decision's, has only this)."""

    owner_column: str  # the events' column naming the aggregate ("payment_id")
    events_of: Callable[[AsyncSession, Sequence[uuid.UUID]], Awaitable[Sequence[Any]]]
    insert_event: Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]]
    once_index: str  # (the start of) the unique index that keeps each event once
    already: Callable[[str], str]  # the refusal when that index finds the event (its kind)


@dataclass(frozen=True)
class Approvable(EventLog, Generic[R, S, E]):
    """One kind of thing that gets approved, as the mechanism needs to know it."""

    type_name: str  # its GraphQL type: names one that is not found
    lock: Callable[[AsyncSession, uuid.UUID], Awaitable[R | None]]
    status: Callable[[Iterable[str]], S]  # rules: its status from its events' kinds
    transition_problem: Callable[[S, E], str | None]  # rules: its transition table, worded
    missing: Callable[[str, uuid.UUID], Exception]  # the module's not-found failure
    queue_kind: str | None = None  # its kind in the approval queue, if it waits in one
    wording: Wording | None = None  # if it is approved by someone (four eyes, limits)


@dataclass(frozen=True)
class Held(Generic[R, S]):
    """An aggregate locked for this transaction, with its events and its status."""

    row: R
    events: list[Any]
    status: S


async def locked(session: AsyncSession, agg: Approvable[R, S, E], ident: uuid.UUID) -> Held[R, S]:
    """Lock the aggregate's row, then read its events and compute its status: nothing is
    decided before the lock is held."""
    row = await agg.lock(session, ident)
    if row is None:
        raise agg.missing(agg.type_name, ident)
    events = list(await agg.events_of(session, [ident]))
    return Held(row, events, agg.status(e.event for e in events))


def require(agg: Approvable[R, S, E], status: S, event: E) -> None:
    """The aggregate's transition table allows ``event`` from ``status``, else InvalidState."""
    problem = agg.transition_problem(status, event)
    if problem is not None:
        raise InvalidState(problem, status=str(status))


async def locked_for(
    session: AsyncSession, agg: Approvable[R, S, E], ident: uuid.UUID, event: E
) -> Held[R, S]:
    """``locked`` then ``require``: the aggregate held, in a status ``event`` may follow."""
    held = await locked(session, agg, ident)
    require(agg, held.status, event)
    return held


async def append_event(
    session: AsyncSession,
    agg: EventLog,
    ident: uuid.UUID,
    event: enum.StrEnum,
    actor: Actor,
    **fields: Any,
) -> Any:
    """Record the event once, by the actor, with its fields (e.g. ``limit_version_id``). No
    savepoint: see the module's docstring."""
    values = {agg.owner_column: ident, "event": str(event), **fields}
    values["recorded_by"] = actor.principal.subject
    try:
        return await agg.insert_event(session, values)
    except IntegrityError as exc:
        if agg.once_index in str(exc.orig):
            raise InvalidState(agg.already(str(event))) from exc
        raise


@dataclass(frozen=True)
class Claim:
    """What deciding one aggregate is judged on, whoever asks (the use case that approves or
    refuses it, its type's ``canApprove``, the approval queue): who raised it and who wrote it
    (R-ROLE-2), the subject and the amount the approval limits name (R-DEC-2)."""

    raised_by: str
    authors: Collection[str]
    subject: ApprovalSubject
    amount: Pence


def require_four_eyes(
    actor: Actor, agg: Approvable[R, S, E], raised_by: str, authors: Collection[str]
) -> None:
    """Four eyes (R-ROLE-2): not whoever raised it nor any of its authors, else FourEyes. The
    first half of ``authorise``; alone for what is confirmed without an amount (a death)."""
    assert agg.wording is not None
    who = actor.principal.subject
    if not four_eyes(raised_by, who, authors):
        did = agg.wording.authored if who != raised_by else agg.wording.raised
        raise FourEyes(raised_by, did, agg.wording.must)


async def authorise(
    session: AsyncSession,
    actor: Actor,
    agg: Approvable[R, S, E],
    claim: Claim,
    *,
    what: str,
    on: date,
) -> LimitVersion:
    """Four eyes (R-ROLE-2): not whoever raised it nor any of its authors; then the approval
    limits in force on ``on`` (R-DEC-2). Returns the version judged under (R-DEC-4). ``what``
    names the amount in the refusal ("£12.00", "a GIFT decision of £12.00")."""
    require_four_eyes(actor, agg, claim.raised_by, claim.authors)
    assert agg.wording is not None
    amount = claim.amount
    version = await policy.limits(session, on)
    if not may_approve(version, claim.subject, actor.principal.roles, amount):
        lowest = lowest_approver(version, claim.subject, amount)
        raise OverApprovalLimit(
            amount,
            lowest.value if lowest else None,
            f"{what} is above what your role may {agg.wording.may} in force",
        )
    return version


def may_decide(principal: Principal, claim: Claim, version: LimitVersion | None) -> bool:
    """Whether ``authorise`` would let the principal decide it now (the approval queue and a
    type's ``canApprove``): limits in force, four eyes, and their role covers the amount."""
    if version is None or not four_eyes(claim.raised_by, principal.subject, claim.authors):
        return False
    return may_approve(version, claim.subject, principal.roles, claim.amount)


async def limits_on(session: AsyncSession, on: date) -> LimitVersion | None:
    """The approval limits in force on a date; None when none are (nobody may approve)."""
    try:
        return await policy.limits(session, on)
    except policy.PolicyMissing:
        return None


async def notify(session: AsyncSession, agg: Approvable[R, S, E], ident: uuid.UUID) -> None:
    """Tell the approval queues it entered, changed or left them (sent on commit only)."""
    assert agg.queue_kind is not None
    await queue_events.notify(session, agg.queue_kind, ident)


@dataclass(frozen=True)
class Once(Generic[T]):
    """How an aggregate's use cases are remembered under an idempotency key and replayed: the
    result stored as ``{remember_as: ident(outcome)}``, a repeat answered by ``replay``."""

    remember_as: str  # "payment_id": the stored result's one key (stored keys never change)
    ident: Callable[[T], uuid.UUID]
    replay: Callable[[AsyncSession, uuid.UUID], Awaitable[T]]  # the outcome, marked replayed


async def run_once(
    once: Once[T],
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: Any,
    work: Callable[[], Awaitable[T]],
    *,
    ident: uuid.UUID | None = None,
) -> T:
    """``work`` once per idempotency key, in one transaction with the key's claim
    (``common.idempotency``); a repeat replays the first outcome. ``ident``: the aggregate the
    outcome is of, when it is known before the work (a step of its life names it; a payment
    raised chooses its id first), remembered with the claim."""

    async def replayed(result: dict[str, Any]) -> T:
        return await once.replay(session, uuid.UUID(str(result[once.remember_as])))

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        key,
        operation,
        payload,
        work,
        remember=lambda value: {once.remember_as: str(once.ident(value))},
        replay=replayed,
        known={once.remember_as: str(ident)} if ident is not None else None,
    )

"""A step of an approvable aggregate's life as one use case, written once (issue 10 item 2):
approve, refuse or reject, and the steps after (a payment made or cancelled, assistance paid or
repaid). Each module states only what its step does (``work``); the frame is the same for all:

1. once per idempotency key (``mechanism.run_once``), the request's payload naming the
   aggregate (``{"payment_id": ...}``) and what else the step takes;
2. the aggregate locked, in a status the step may follow (``mechanism.locked_for``);
3. ``work``: the module's own step (for an approval: ``mechanism.authorise`` over its
   ``Claim``, then whatever it moves), which appends the event and says what the audit row
   records beyond the status, and the status it leaves;
4. the approval queues told, when it awaited approval (it leaves them);
5. its audit row: the status before and after (R-AUD-1), in the same transaction;
6. the outcome, read as it now stands.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals.mechanism import Approvable, Held, Once, locked_for, notify, run_once
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor


class ClientOwned(Protocol):
    """An aggregate's row: its audit rows name the client it is for."""

    @property
    def client_id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=ClientOwned)  # the aggregate's row
S = TypeVar("S", bound=enum.Enum)  # its status
E = TypeVar("E", bound=enum.Enum)  # its event kind
T = TypeVar("T")  # what its use cases return

# A step's own work on the aggregate held: returns what the audit row records beyond the
# status, and the status it leaves.
Work = Callable[[Held[R, S]], Awaitable[tuple[dict[str, Any], S]]]


@dataclass(frozen=True)
class Steps(Generic[R, S, E, T]):
    """How one kind of aggregate's steps run (``run``)."""

    agg: Approvable[R, S, E]
    once: Once[T]  # remembered under its idempotency key; its ``remember_as`` names it
    entity: str  # its audit rows' entity type: "payment"
    awaiting: S  # the status it awaits approval in: a step from it leaves the queues
    actions: Mapping[E, str]  # each event's audit action: "approve"
    operations: Mapping[E, str]  # each event's idempotency operation: "approvePayment"
    read: Callable[[AsyncSession, uuid.UUID], Awaitable[T]]  # the outcome as it now stands


async def run(
    steps: Steps[R, S, E, T],
    session: AsyncSession,
    actor: Actor,
    ident: uuid.UUID,
    event: E,
    work: Work[R, S],
    *,
    idempotency_key: str,
    payload: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> T:
    """The step ``event`` of the aggregate ``ident``, once per idempotency key: locked, allowed
    from its status, ``work`` done, the queues told if it awaited approval, audited with
    ``reason`` (the module's docstring). ``payload``: what the request takes besides the
    aggregate's id, for the idempotency key's check."""

    async def once() -> T:
        held = await locked_for(session, steps.agg, ident, event)
        done, status = await work(held)
        if held.status is steps.awaiting and steps.agg.queue_kind is not None:
            await notify(session, steps.agg, ident)  # it leaves the queues
        await audit.record(
            session,
            actor,
            steps.entity,
            ident,
            steps.actions[event],
            before={"status": held.status.value},
            after={"status": status.value} | done,
            reason=reason,
            client_id=held.row.client_id,
        )
        return await steps.read(session, ident)

    body = {steps.once.remember_as: str(ident), **(payload or {})}
    operation = steps.operations[event]
    return await run_once(
        steps.once, session, actor, idempotency_key, operation, body, once, ident=ident
    )

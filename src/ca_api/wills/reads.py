"""A client's wills and funeral as they stand (issue 14 item 5; seed 002 B 21, B 28): each will's
records with its notice to the Court of Protection, the funeral wishes, the funeral plans with their
payments, and the wills a solicitor holds for the death's notification list (B 29.1); and the
outcome each use case returns them in, run under the client's lock once per idempotency key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import corrections, idempotency
from ca_api.common.deadlines import DeadlineState, state_on
from ca_api.decisions import service as decisions
from ca_api.errors import RecordNotFound
from ca_api.wills import repository, rules
from ca_api.wills.models import (
    FuneralPlan,
    FuneralPlanPayment,
    FuneralWishes,
    WillCourtNotice,
    WillRecord,
)
from ca_api.wills.rules import WillHolder


@dataclass(frozen=True)
class WillView:
    """A will as it stands: its records oldest first (the last is current), the notice to the
    Court of Protection if sent, and the notice's clock today."""

    records: Sequence[WillRecord]
    notice: WillCourtNotice | None
    today: date

    @property
    def first(self) -> WillRecord:
        return self.records[0]

    @property
    def current(self) -> WillRecord:
        return self.records[-1]

    @property
    def notice_due_on(self) -> date:
        return rules.notice_due_on(self.first.found_on)

    @property
    def notice_state(self) -> DeadlineState:
        sent = self.notice.sent_on if self.notice is not None else None
        return state_on(self.notice_due_on, sent, self.today)


@dataclass(frozen=True)
class PlanPaymentView:
    row: FuneralPlanPayment
    status: str  # the payment's: RAISED, APPROVED, MADE, CANCELLED


@dataclass(frozen=True)
class FuneralPlanView:
    plan: FuneralPlan
    decision_status: str
    payments: Sequence[PlanPaymentView]


@dataclass(frozen=True)
class WillsView:
    """A client's wills and funeral: each will, the funeral wishes (their chain), the plans."""

    client_id: uuid.UUID
    wills: Sequence[WillView]
    wishes: Sequence[FuneralWishes]
    plans: Sequence[FuneralPlanView]

    def will(self, will_id: uuid.UUID) -> WillView | None:
        return next((w for w in self.wills if any(r.id == will_id for r in w.records)), None)

    def plan(self, plan_id: uuid.UUID) -> FuneralPlanView | None:
        return next((p for p in self.plans if p.plan.id == plan_id), None)


@dataclass(frozen=True)
class WillsOutcome:
    view: WillsView
    replayed: bool = False


def _will_chains(records: Sequence[WillRecord]) -> list[list[WillRecord]]:
    """A client's wills (each its chain of records, oldest first), in the order found."""
    return sorted(
        corrections.chains(records),
        key=lambda ch: (ch[0].found_on, ch[0].recorded_at, str(ch[0].id)),
    )


async def wills_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, WillsView]:
    ids = list(dict.fromkeys(client_ids))
    today = clock.today()
    records: dict[uuid.UUID, list[WillRecord]] = {}
    for r in await repository.wills_of_clients(session, ids):
        records.setdefault(r.client_id, []).append(r)
    notices = {n.will_id: n for n in await repository.notices_of_clients(session, ids)}
    wishes: dict[uuid.UUID, list[FuneralWishes]] = {}
    for w in await repository.wishes_of_clients(session, ids):
        wishes.setdefault(w.client_id, []).append(w)
    plans = list(await repository.plans_of_clients(session, ids))
    decided = await decisions.decisions_by_id(session, [p.decision_id for p in plans])
    paid: dict[uuid.UUID, list[PlanPaymentView]] = {}
    for row in await repository.plan_payments_of_clients(session, ids):
        paid.setdefault(row[0].funeral_plan_id, []).append(PlanPaymentView(row[0], str(row.status)))
    by_client: dict[uuid.UUID, list[FuneralPlanView]] = {}
    for p in plans:
        status = decided[p.decision_id].status.value if p.decision_id in decided else "RAISED"
        by_client.setdefault(p.client_id, []).append(FuneralPlanView(p, status, paid.get(p.id, [])))
    out = {}
    for c in ids:
        chains = _will_chains(records.get(c, []))
        wish_chain = corrections.chains(wishes.get(c, []))
        out[c] = WillsView(
            client_id=c,
            wills=[WillView(ch, notices.get(ch[0].id), today) for ch in chains],
            wishes=wish_chain[0] if wish_chain else [],
            plans=by_client.get(c, []),
        )
    return out


async def wills_of(session: AsyncSession, client_id: uuid.UUID) -> WillsView:
    return (await wills_of_clients(session, [client_id]))[client_id]


async def solicitors_holding_of(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, str]]]:
    """Seed 002 B 29.1 ("Solicitor holding the Will"), R-DEATH-1: for each of these clients,
    each will that, as it stands, a solicitor holds: (its key, the solicitor's name) for the
    death's notification list; the key is the will's first record, stable through
    corrections. Only the wills' records are read, once for all the clients (a page of
    deceased clients), not their notices nor the funerals ``wills_of_clients`` reads too."""
    records: dict[uuid.UUID, list[WillRecord]] = {c: [] for c in client_ids}
    for r in await repository.wills_of_clients(session, list(records)):
        records[r.client_id].append(r)
    return {
        c: [
            (f"will:{ch[0].id}", ch[-1].holder or "")
            for ch in _will_chains(mine)
            if ch[-1].held_by == WillHolder.SOLICITOR.value
        ]
        for c, mine in records.items()
    }


async def run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Any,
) -> WillsOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await wills_of(session, uuid.UUID(str(result["client_id"])))
    return WillsOutcome(view, bool(result.get("replayed")))


async def lock(session: AsyncSession, client_id: uuid.UUID) -> None:
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)

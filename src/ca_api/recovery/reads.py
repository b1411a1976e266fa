"""A client's recovery of capacity as it stands (issue 14 item 7; R-ORD-5, seed 002 B 27): the
court's order (its records, the last stands), the payments handing money back, what is still held
by the team (``outstanding_of_clients``: every account not at zero, the items in the safe), and
whether the case is closed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common.corrections import chain
from ca_api.files import service as files
from ca_api.files.models import StoredFile
from ca_api.ledger import accounts as ledger
from ca_api.money import Pence
from ca_api.recovery import repository, rules
from ca_api.recovery.models import RecoveryHandover, RecoveryOrder
from ca_api.recovery.rules import AccountFacts, Outstanding
from ca_api.valuables import service as valuables


@dataclass(frozen=True)
class HandoverView:
    row: RecoveryHandover
    amount: Pence
    status: str
    evidence_file: StoredFile | None


@dataclass(frozen=True)
class RecoveryView:
    """A client's recovery as it stands: the court's order (its records, oldest first, the last
    stands), the payments handing money back, what is still held, whether the case is closed."""

    records: Sequence[RecoveryOrder]
    handovers: Sequence[HandoverView]
    outstanding: tuple[Outstanding, ...]
    closed: bool

    @property
    def record(self) -> RecoveryOrder:
        return self.records[-1]

    @property
    def first(self) -> RecoveryOrder:
        return self.records[0]


@dataclass(frozen=True)
class RecoveryOutcome:
    view: RecoveryView
    replayed: bool = False


async def outstanding_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Outstanding]]:
    """What each client still has held by the team: every account not at zero, the items in the
    safe (``rules.outstanding``). Empty: nothing keeps the case open."""
    ids = list(dict.fromkeys(client_ids))
    money: dict[uuid.UUID, list[AccountFacts]] = {c: [] for c in ids}
    for a in await ledger.accounts_of_clients(session, ids):
        assert a.client_id is not None
        money[a.client_id].append(AccountFacts(a.name, a.kind, a.posted, a.held))
    held = await valuables.held_of_clients(session, ids)
    return {c: rules.outstanding(money[c], held.get(c, 0)) for c in ids}


async def recoveries_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RecoveryView]:
    """Each client's recovery, for those with a court order recorded, in a few queries."""
    ids = list(dict.fromkeys(client_ids))
    records: dict[uuid.UUID, list[RecoveryOrder]] = {}
    for r in await repository.orders_of_clients(session, ids):
        records.setdefault(r.client_id, []).append(r)
    if not records:
        return {}
    found = list(records)
    rows = await repository.handovers_of_clients(session, found)
    evidence = await files.files_by_id(
        session, [r[0].evidence_file_id for r in rows if r[0].evidence_file_id is not None]
    )
    handovers: dict[uuid.UUID, list[HandoverView]] = {}
    for h, amount, status in rows:
        file = evidence.get(h.evidence_file_id) if h.evidence_file_id is not None else None
        handovers.setdefault(h.client_id, []).append(
            HandoverView(h, int(amount), str(status), file)
        )
    outstanding = await outstanding_of_clients(session, found)
    standing = await clients.as_they_stand(session, found)
    return {
        c: RecoveryView(
            chain(rs),
            handovers.get(c, []),
            tuple(outstanding[c]),
            c in standing and standing[c].details.status is ClientStatus.CLOSED,
        )
        for c, rs in records.items()
    }


async def recovery_of(session: AsyncSession, client_id: uuid.UUID) -> RecoveryView | None:
    return (await recoveries_of_clients(session, [client_id])).get(client_id)


async def outcome_of(session: AsyncSession, result: dict[str, Any]) -> RecoveryOutcome:
    view = await recovery_of(session, uuid.UUID(str(result["client_id"])))
    assert view is not None
    return RecoveryOutcome(view, bool(result.get("replayed")))

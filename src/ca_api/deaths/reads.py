"""The deaths as read: each client's death with its events, and the page of clients being
wound up (their death confirmed, the longest dead first)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.deaths import repository, rules
from ca_api.deaths.models import Death, DeathEvent
from ca_api.deaths.rules import DeathEventKind, DeathStatus


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
class WindingUp:
    """A client being wound up: their confirmed death, and how long since (issue 13 item 6 adds
    what is outstanding)."""

    view: DeathView
    client_reference: str
    days_since_death: int


async def confirmed_death_date(session: AsyncSession, client_id: uuid.UUID) -> date | None:
    """The date of the client's confirmed death, or None (alive, or a death not yet confirmed)."""
    return await repository.confirmed_death_date(session, client_id)


async def confirmed_death_dates(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, date]:
    """Each of these clients' date of confirmed death, for those whose death is confirmed."""
    return await repository.confirmed_death_dates(session, client_ids)


async def death_of_client(session: AsyncSession, client_id: uuid.UUID) -> Death | None:
    """The client's death as recorded (any status), or None."""
    return await repository.death_of_client(session, client_id)


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

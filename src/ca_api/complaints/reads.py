"""The register of complaints and appeals as read (issue 14 item 8; R-AUD-4, R-AUD-2): an entry as
it stands with every version of its details and every event, the outcome each use case returns,
one entry by id and a page of the register."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.keyset import Seek
from ca_api.complaints import repository, rules
from ca_api.complaints.models import EntryDetails, EntryEvent, RegisterEntry
from ca_api.complaints.rules import EventKind, RegisterKind


@dataclass(frozen=True)
class EntryView:
    """An entry of the register as it stands: every version of its details (the last stands)
    and every event (corrections included, oldest first)."""

    entry: RegisterEntry
    versions: Sequence[EntryDetails]
    events: Sequence[EntryEvent]

    @property
    def kind(self) -> RegisterKind:
        return RegisterKind(self.entry.kind)

    @property
    def details(self) -> EntryDetails:
        return self.versions[-1]

    @property
    def status(self) -> str:
        kinds = [e.event for e in self.events]
        if self.kind is RegisterKind.COMPLAINT:
            return rules.complaint_status(kinds).value
        return rules.appeal_status(kinds).value

    @property
    def open(self) -> bool:
        return rules.is_open(e.event for e in self.events)

    def latest(self, event: EventKind) -> EntryEvent | None:
        """The entry of that kind that stands: the last (a correction comes after what it
        corrects)."""
        found = [e for e in self.events if e.event == event.value]
        return found[-1] if found else None

    @property
    def authors(self) -> frozenset[str]:
        """Whoever prepared it or corrected its details: none of them approves it (R-ROLE-2)."""
        return frozenset({self.entry.recorded_by, *(v.recorded_by for v in self.versions)})


@dataclass(frozen=True)
class EntryOutcome:
    view: EntryView
    replayed: bool = False


async def views(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[EntryView]:
    """The entries as they stand, in the order of ``ids``."""
    rows = {r.id: r for r in await repository.entries(session, ids)}
    versions: dict[uuid.UUID, list[EntryDetails]] = {}
    for v in await repository.details_of(session, ids):
        versions.setdefault(v.entry_id, []).append(v)
    events: dict[uuid.UUID, list[EntryEvent]] = {}
    for e in await repository.events_of(session, ids):
        events.setdefault(e.entry_id, []).append(e)
    return [EntryView(rows[i], _chained(versions[i]), events.get(i, [])) for i in ids if i in rows]


def _chained(versions: Sequence[EntryDetails]) -> list[EntryDetails]:
    """The versions in the order of their chain: the first, then each one's correction (the
    last stands), whatever their clocks say."""
    next_of = {v.corrects_id: v for v in versions}
    out: list[EntryDetails] = []
    at = next_of.get(None)
    while at is not None:
        out.append(at)
        at = next_of.get(at.id)
    return out


async def by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID], *, kind: RegisterKind
) -> dict[uuid.UUID, EntryView]:
    """The entries of ``kind`` with these ids (node(id:)), as they stand."""
    return {v.entry.id: v for v in await views(session, ids) if v.kind is kind}


# --- the register ---------------------------------------------------------------------------


async def register(
    session: AsyncSession,
    kind: RegisterKind,
    seek: Seek[Any],
    *,
    client_id: uuid.UUID | None,
    open_: bool | None,
) -> list[EntryView]:
    """A page of the register of complaints or of appeals, oldest recorded first: of one
    client's, and only those open or only those closed, when asked."""
    rows = await repository.page(session, kind.value, seek, client_id=client_id, open_=open_)
    return await views(session, [r.id for r in rows])

"""The records of a client's annual reviews, contacts and changes of circumstances as read
(issue 14 item 1; R-AUD-2): each with the record that corrects it, and for a change of
circumstances the messages that tell the OPG and the DWP of it; by id (a node loader's fetch) or
a page of the client's."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.outbox import service as outbox
from ca_api.reviews import repository
from ca_api.reviews.models import CircumstanceChange, ClientContact, ClientReview

M = TypeVar("M", ClientReview, ClientContact, CircumstanceChange)

# Each kind of record: its GraphQL type (the outbox's subject type, a NotFound's type).
TYPE_NAME = {
    ClientReview: "AnnualReview",
    ClientContact: "ClientContact",
    CircumstanceChange: "CircumstanceChange",
}


@dataclass(frozen=True)
class RecordView(Generic[M]):
    """A record as it stands: the record that corrects it (None: it stands), and for a change
    of circumstances the messages that tell the OPG and the DWP of it."""

    row: M
    corrected_by: uuid.UUID | None = None
    notices: tuple[outbox.MessageView, ...] = ()


async def _views(session: AsyncSession, model: type[M], rows: Sequence[M]) -> list[RecordView[M]]:
    ids = [r.id for r in rows]
    corrected = await repository.corrected_by(session, model, ids)
    notices: dict[uuid.UUID, list[outbox.MessageView]] = {}
    if model is CircumstanceChange and ids:
        for m in await outbox.messages_about(session, TYPE_NAME[model], ids):
            notices.setdefault(m.message.subject_id, []).append(m)
    return [RecordView(r, corrected.get(r.id), tuple(notices.get(r.id, ()))) for r in rows]


async def records_by_id(
    session: AsyncSession, principal: Principal | None, model: type[M], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RecordView[M]]:
    """The records of one kind with these ids whose client the principal may read (None: the
    service), by id."""
    rows = await repository.by_id(session, principal, model, ids)
    return {v.row.id: v for v in await _views(session, model, rows)}


def by_id_of(
    model: type[M],
) -> Callable[
    [AsyncSession, Principal, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, RecordView[M]]]
]:
    """``records_by_id`` of one kind: a node loader's fetch."""

    async def fetch(
        session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, RecordView[M]]:
        return await records_by_id(session, principal, model, ids)

    return fetch


async def records_of_client(
    session: AsyncSession,
    model: type[M],
    client_id: uuid.UUID,
    seek: Seek[tuple[date, uuid.UUID]],
) -> list[RecordView[M]]:
    """A page of the client's records of one kind, newest first, corrections included (each
    says what corrects it)."""
    rows = await repository.page_of_client(session, model, client_id, seek)
    return await _views(session, model, rows)

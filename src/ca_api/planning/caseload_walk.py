"""The clients a list of threshold flags or plan reviews walks: the active clients the council
acts for on a date, read in reference order a batch at a time, each batch narrowed in SQL to
those the list could show (``repository.may_be_flagged``, ``may_need_review``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.clients.repository import RowPredicate
from ca_api.clients.rules import LegalRole, Situation, legal_role
from ca_api.common.keyset import Seek

T = TypeVar("T")

BATCH = 500

TakenOn = tuple[Row[Any], LegalRole]  # an active client's row, and what the council is for it


async def clients_taken_on(
    session: AsyncSession,
    principal: Principal,
    on: date,
    *,
    seek: Seek[str],
    pick: Callable[[list[TakenOn]], Awaitable[list[T]]],
    likely: RowPredicate,
) -> list[T]:
    """At most ``seek.limit`` of what ``pick`` makes of the active clients the council acts for
    on ``on`` (appointee, deputy or both; not those deceased and being wound up: nothing is
    applied for, lodged or planned for them), read in reference order from ``seek.key`` (or,
    ``seek.backward``, in reverse order before it) a batch at a time. ``pick`` keeps a batch's
    order, so what it makes comes nearest first, as ``keyset`` reads.

    ``likely`` (``repository.may_be_flagged``, ``may_need_review``) picks in SQL the clients
    ``pick`` could make something of (all of them, and few others): a batch is then about a
    page, and a page of a rare flag does not walk the whole caseload 500 clients at a time
    (thresholdFlags took 21 s at 50,000 clients). ``pick`` still judges each by the rules."""
    out: list[T] = []
    key = seek.key
    batch = max(1, min(BATCH, seek.limit))
    while len(out) < seek.limit:
        rows = await clients.active_rows(
            session, principal, on=on, seek=Seek(key, batch, seek.backward), where=likely
        )
        if not rows:
            break
        key = rows[-1].reference
        roles = [
            (r, legal_role(bool(r.is_appointee), bool(r.is_deputy)))
            for r in rows
            if r.situation != Situation.DECEASED_WINDING_UP.value
        ]
        out += await pick([(r, role) for r, role in roles if role is not LegalRole.NONE])
        if len(rows) < batch:
            break
    return out[: seek.limit]

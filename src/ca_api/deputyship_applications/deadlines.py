"""The deputyship application deadline as read, never stored, with the application's stages: an
accepted referral that recorded private income, property or bank accounts is due on the DWP
application's day (R-REF-6); an appointee-only client flagged by the threshold flags is due 5
working days from the day an officer records the need (R-INV-1). One deadline, or a page of them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common import deadlines as deadline_clock
from ca_api.common.keyset import Seek
from ca_api.deputyship_applications import repository, rules
from ca_api.deputyship_applications.models import CopApplication, CopApplicationStage
from ca_api.deputyship_applications.repository import Due
from ca_api.deputyship_applications.rules import Cause, DeadlineState, Stage
from ca_api.errors import existing

TYPE_OF_CAUSE = {
    Cause.REFERRAL_ASSETS_KNOWN: "Referral",
    Cause.ASSETS_THRESHOLD_FLAG: "DeputyshipApplicationNeed",
}


@dataclass(frozen=True)
class Deadline(deadline_clock.Deadline):
    """A deputyship application deadline, as of ``today``, with the application's stages: its
    id is the referral's (R-REF-6) or the need's (R-INV-1)."""

    due: Due
    stages: tuple[CopApplicationStage, ...] = ()

    @property
    def application(self) -> CopApplication | None:
        return self.due.application

    @property
    def open(self) -> bool:
        """Not made yet, or made and neither refused nor withdrawn (an order made is a
        deputyship in force: the client is no longer appointee-only)."""
        return not any(s.stage in (Stage.REFUSED, Stage.WITHDRAWN) for s in self.stages)


async def with_stages(session: AsyncSession, dues: Sequence[Due]) -> list[Deadline]:
    ids = [d.application.id for d in dues if d.application is not None]
    stages = await repository.stages_of(session, ids)
    today = clock.today()
    return [
        Deadline(
            d.source_id,
            rules.due_on(d.starts_on),
            rules.deadline_state(d.starts_on, d.made_on, today),
            d,
            tuple(stages[d.application.id]) if d.application is not None else (),
        )
        for d in dues
    ]


DeadlineOutcome = deadline_clock.Outcome[Deadline]


async def read(session: AsyncSession, source_id: uuid.UUID) -> Deadline:
    d = existing(
        await repository.due(session, source_id), "DeputyshipApplicationDeadline", source_id
    )
    [deadline] = await with_stages(session, [d])
    return deadline


ONCE = deadline_clock.once("source_id", read)


async def deadlines(
    session: AsyncSession, *, state: DeadlineState | None, seek: Seek[tuple[date, uuid.UUID]]
) -> Sequence[Deadline]:
    """A page of every deputyship application deadline, by due date then the referral's or the
    need's id, as the DWP application's are (``common.deadlines.page``)."""
    every = await with_stages(session, await repository.every_due(session))
    return deadline_clock.page(every, state=state, seek=seek)

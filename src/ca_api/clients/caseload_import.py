"""The clients of a caseload import (issue 12 item 5): the clients on the books a row of the
import is compared with, the likely duplicates among them (issue 9 item 7), and the new clients
written in bulk with the council's own references."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import repository, rules
from ca_api.clients.rules import ClientDetails, DuplicateMatch
from ca_api.clients.service import ENTITY


@dataclass(frozen=True)
class KnownClient:
    """A client on the books as the caseload import compares a row with it."""

    id: uuid.UUID
    reference: str
    details: ClientDetails


async def by_references(session: AsyncSession, references: Sequence[str]) -> dict[str, KnownClient]:
    """The clients on the books with these references, by reference (one query)."""
    rows = await repository.current_by_reference(session, references)
    return {r.reference: KnownClient(r.id, r.reference, repository.details_of(r)) for r in rows}


async def likely_duplicates(
    session: AsyncSession, new: Sequence[ClientDetails]
) -> list[list[tuple[KnownClient, list[DuplicateMatch]]]]:
    """For each new client (normalised), the clients on the books it likely duplicates (issue 9
    item 7: the same NI number, or the same name and date of birth), in one query."""
    ni = [d.ni_number for d in new if d.ni_number is not None]
    rows = await repository.current_with_ni_or_birth(session, ni, [d.date_of_birth for d in new])
    known = [KnownClient(r.id, r.reference, repository.details_of(r)) for r in rows]
    out: list[list[tuple[KnownClient, list[DuplicateMatch]]]] = []
    for details in new:
        found = [(k, rules.duplicate_matches(details, k.details)) for k in known]
        out.append([(k, m) for k, m in found if m])
    return out


async def import_clients(
    session: AsyncSession,
    actor: Actor,
    new: Sequence[tuple[str, ClientDetails]],
    *,
    why: str,
) -> dict[str, uuid.UUID]:
    """Clients of a caseload import with the council's own references, in the caller's
    transaction (the import checked them with ``rules.validate`` and ``likely_duplicates``):
    a few statements for the lot, an audit row each (R-AUD-1). Their ids by reference."""
    made = [(uuid.uuid4(), ref, details) for ref, details in new]
    await repository.insert_clients(session, made, actor.principal.subject)
    await repository.reference_sequence_past(session, [ref for _, ref, _ in made])
    await audit.record_many(
        session,
        actor,
        [
            audit.Change(
                entity_type=ENTITY,
                entity_id=i,
                action="import",
                after={"reference": ref, **repository.details_values(d)},
                reason=why,
                client_id=i,
            )
            for i, ref, d in made
        ],
    )
    return {ref: i for i, ref, _ in made}

"""Use cases of existing investments (R-INV-5): an investment the client already holds, kept
where prudent, with where its documents are held. Each change is one transaction with its audit
row; records are never changed (R-AUD-2): a revaluation is a new row naming the one it follows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common.rules import MAX_NAME, MAX_TEXT, text_problem
from ca_api.db import unit_of_work
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.investments import repository, rules
from ca_api.investments.models import ExistingInvestment
from ca_api.investments.rules import InvestmentKind
from ca_api.money import Pence

Missing = RecordNotFound.of


@dataclass(frozen=True)
class NewInvestment:
    client_id: uuid.UUID
    kind: InvestmentKind
    holder: str
    units: str | None
    valuation: Pence | None
    valued_on: date | None
    documents_held_at: str
    note: str | None
    revises_id: uuid.UUID | None = None


async def record_investment(
    session: AsyncSession, actor: Actor, new: NewInvestment
) -> ExistingInvestment:
    """An investment the client already holds, kept where prudent, with where its documents are
    held in safe keeping (R-INV-5). A revaluation is a new row naming the one it follows."""
    holder = new.holder.strip()
    documents = new.documents_held_at.strip()
    note = (new.note or "").strip() or None
    problems = text_problem("holder", holder, required=True, maximum=MAX_NAME)
    problems |= text_problem(
        "documents_held_at", documents, required=True, maximum=rules.MAX_LOCATION
    )
    if "documents_held_at" in problems and not documents:
        problems["documents_held_at"] = "is required: where the documents are kept (R-INV-5)"
    problems |= text_problem("note", note, required=False, maximum=MAX_TEXT)
    units: Decimal | None = None
    if new.units is not None:
        units = rules.parse_units(new.units)
        if units is None:
            problems["units"] = 'is a decimal number of units, e.g. "1500" or "12.5"'
    if new.valuation is not None and new.valuation < 0:
        problems["valuation"] = "cannot be negative"
    if (new.valuation is None) != (new.valued_on is None):
        problems["valued_on"] = "a valuation has the date it was valued, and a date a valuation"
    if new.valued_on is not None and new.valued_on > clock.today():
        problems["valued_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        existing(await clients.lock_client(session, new.client_id), "Client", new.client_id)
        if new.revises_id is not None:
            old = await repository.get_investment(session, new.revises_id)
            if old is None or old.client_id != new.client_id:
                raise Missing("ExistingInvestment", new.revises_id)
            current = {
                r.revises_id for r in await repository.investments_of(session, new.client_id)
            }
            if old.id in current:
                raise InvalidState("that record was revised already: revise the latest one")
        recorded = {
            "kind": new.kind.value,
            "holder": holder,
            "units": units,
            "valuation": new.valuation,
            "valued_on": new.valued_on,
            "documents_held_at": documents,
            "revises_id": new.revises_id,
        }
        row = await repository.insert_investment(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": new.client_id,
                **recorded,
                "note": note,
                "recorded_by": actor.principal.subject,
            },
        )
        after = recorded | {"units": str(units) if units is not None else None}
        action = "revalue" if new.revises_id else "record"
        await audit.record(
            session,
            actor,
            "existing_investment",
            row.id,
            action,
            after=after,
            reason=note,
            client_id=new.client_id,
        )
        return row


async def investments_of(
    session: AsyncSession, client_id: uuid.UUID, *, include_revised: bool
) -> list[ExistingInvestment]:
    rows = list(await repository.investments_of(session, client_id))
    if include_revised:
        return rows
    revised = {r.revises_id for r in rows if r.revises_id is not None}
    return [r for r in rows if r.id not in revised]


async def investments_by_id(
    session: AsyncSession, principal: Principal, investment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ExistingInvestment]:
    """The records with these ids (revised ones too) whose client the principal may read, as
    ``investments`` of a client is scoped; one missing or hidden is absent."""
    if not investment_ids:
        return {}
    rows = await repository.investments_by_id(session, principal, investment_ids)
    return {r.id: r for r in rows}


async def current_investments_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> list[ExistingInvestment]:
    """These clients' investments as they stand (revised records left out), in one query."""
    rows = list(await repository.investments_of_clients(session, client_ids))
    revised = {r.revises_id for r in rows if r.revises_id is not None}
    return [r for r in rows if r.id not in revised]


async def holders_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> list[tuple[uuid.UUID, str]]:
    """Each existing investment of the client's as it stands, named by its first record's id
    (stable across revisions), with its holder (R-INV-5; told of a deputy order, R-ORD-2)."""
    return (await holders_of_clients(session, [client_id])).get(client_id, [])


async def holders_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    """``holders_of_client`` of each of these clients, by client id, in one query."""
    every = await repository.investments_of_clients(session, client_ids)
    revises = {r.id: r.revises_id for r in every}
    revised = {r.revises_id for r in every if r.revises_id is not None}

    def first(i: uuid.UUID) -> uuid.UUID:
        while (up := revises.get(i)) is not None:
            i = up
        return i

    out: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for r in every:
        if r.id not in revised:
            out.setdefault(r.client_id, []).append((first(r.id), r.holder))
    return out


async def import_investments(
    session: AsyncSession, actor: Actor, new: Sequence[NewInvestment], *, why: str
) -> None:
    """Investments of a caseload import, in the caller's transaction: the import judged each
    as ``record_investment`` does (R-INV-5). One statement for the lot, an audit row each."""
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "client_id": n.client_id,
            "kind": n.kind.value,
            "holder": n.holder,
            "units": rules.parse_units(n.units) if n.units is not None else None,
            "valuation": n.valuation,
            "valued_on": n.valued_on,
            "documents_held_at": n.documents_held_at,
            "note": n.note,
            "revises_id": None,
            "recorded_by": actor.principal.subject,
        }
        for n in new
    ]
    await repository.insert_investments(session, rows)
    await audit.record_many(
        session,
        actor,
        [
            audit.Change(
                entity_type="existing_investment",
                entity_id=r["id"],
                action="import",
                after={k: r[k] for k in ("kind", "holder", "valuation", "valued_on")}
                | {"units": str(r["units"]) if r["units"] is not None else None},
                reason=why,
                client_id=r["client_id"],
            )
            for r in rows
        ],
    )

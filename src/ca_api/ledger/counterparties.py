"""Counterparties: whom a client's money comes from or goes to (the DWP, a supplier, a care
provider, an institution), each with its account, recorded as a use case of their own or in the
caller's transaction, found by kind and name, and read by the clients who dealt with them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.db import unit_of_work
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.ledger import repository
from ca_api.ledger.models import Counterparty, LedgerAccount
from ca_api.ledger.rules import CounterpartyKind


async def institution_counterparty(session: AsyncSession, actor: Actor, name: str) -> Counterparty:
    """The INSTITUTION counterparty of this name, with its account: recorded now, or as it was
    recorded before (a body recorded as a counterparty before it was approved is the same
    body). No audit of its own: the caller's use case records it."""
    kind = CounterpartyKind.INSTITUTION.value
    made = await repository.insert_counterparty(
        session, kind=kind, name=name, created_by=actor.principal.subject
    ) or await repository.find_counterparty(session, kind, name)
    assert made is not None
    await repository.counterparty_account(session, made)
    return made


async def counterparty_account(session: AsyncSession, counterparty_id: uuid.UUID) -> LedgerAccount:
    """The counterparty's account (one statement once it exists), made on first use."""
    existing = await repository.account_of_counterparty(session, counterparty_id)
    if existing is not None:
        return existing
    counterparty = await repository.get_counterparty(session, counterparty_id)
    if counterparty is None:
        raise RecordNotFound("counterparty", str(counterparty_id))
    return await repository.counterparty_account(session, counterparty)


async def create_counterparty(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: CounterpartyKind,
    name: str,
    reference: str | None,
    is_council_employee: bool = False,
) -> Counterparty:
    async with unit_of_work(session):
        changes: list[Change] = []
        made = await add_counterparty(
            session,
            actor,
            kind=kind,
            name=name,
            reference=reference,
            is_council_employee=is_council_employee,
            changes=changes,
        )
        await audit.record_many(session, actor, changes)
    return made


async def add_counterparty(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: CounterpartyKind,
    name: str,
    reference: str | None,
    changes: list[Change],
    is_council_employee: bool = False,
    why: str | None = None,
) -> Counterparty:
    """In the caller's transaction: a new counterparty with its account (``create_counterparty``
    without a transaction of its own: an executor recorded with the estate, issue 13); its
    creation is added to the caller's audited ``changes``. One of that kind and name already
    recorded is a ValidationFailed on ``name``."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": "is required"})
    if len(name) > 200:
        raise ValidationFailed({"name": "is longer than 200 characters"})
    made = await repository.insert_counterparty(
        session,
        kind=kind.value,
        name=name,
        reference=reference,
        is_council_employee=is_council_employee,
        created_by=actor.principal.subject,
    )
    if made is None:
        raise ValidationFailed({"name": f"a {kind.value} called {name!r} exists already"})
    await repository.counterparty_account(session, made)
    after = {"kind": kind.value, "name": name, "reference": reference}
    changes.append(
        Change(
            entity_type="counterparty", entity_id=made.id, action="create", after=after, reason=why
        )
    )
    return made


async def named_counterparty_account(
    session: AsyncSession,
    actor: Actor,
    kind: CounterpartyKind,
    name: str,
    *,
    why: str,
    changes: list[Change],
) -> LedgerAccount:
    """The account of a counterparty the service itself pays or is paid by (the bank for
    interest, the Court Funds Office, the council and the OPG for fees), the counterparty
    recorded first if it is missing; its creation is added to the caller's audited ``changes``."""
    found = await repository.find_counterparty(session, kind.value, name)
    if found is None:
        found = await repository.insert_counterparty(
            session, kind=kind.value, name=name, created_by=actor.principal.subject
        )
        if found is None:  # recorded meanwhile by another request
            found = await repository.find_counterparty(session, kind.value, name)
            assert found is not None
        else:
            changes.append(
                Change(
                    entity_type="counterparty",
                    entity_id=found.id,
                    action="create",
                    after={"kind": kind.value, "name": name, "reference": None},
                    reason=why,
                )
            )
    return await counterparty_account(session, found.id)


async def counterparties_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Counterparty]:
    """The counterparties the client's money came from or went to, by name (R-ORD-2)."""
    return [c for _, c in await repository.counterparties_of_clients(session, [client_id])]


async def counterparties_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Counterparty]]:
    """``counterparties_of_client`` of each of these clients, by client id, in one query."""
    out: dict[uuid.UUID, list[Counterparty]] = {}
    for client_id, c in await repository.counterparties_of_clients(session, client_ids):
        out.setdefault(client_id, []).append(c)
    return out


async def find_counterparties(
    session: AsyncSession, wanted: Sequence[tuple[CounterpartyKind, str]]
) -> dict[tuple[CounterpartyKind, str], Counterparty]:
    """The counterparties of these kinds and names that are recorded, by (kind, name)."""
    out: dict[tuple[CounterpartyKind, str], Counterparty] = {}
    for kind, name in sorted(set(wanted)):
        found = await repository.find_counterparty(session, kind.value, name)
        if found is not None:
            out[(kind, name)] = found
    return out


async def counterparties_named(
    session: AsyncSession,
    actor: Actor,
    wanted: Sequence[tuple[CounterpartyKind, str]],
    *,
    why: str,
) -> dict[tuple[CounterpartyKind, str], Counterparty]:
    """The counterparties of these kinds and names (a caseload import's suppliers), each with
    its account, the missing ones recorded now, each with its audit row (R-AUD-1). In the
    caller's transaction."""
    changes: list[Change] = []
    out: dict[tuple[CounterpartyKind, str], Counterparty] = {}
    for kind, name in sorted(set(wanted)):
        account = await named_counterparty_account(
            session, actor, kind, name, why=why, changes=changes
        )
        assert account.counterparty_id is not None
        found = await repository.get_counterparty(session, account.counterparty_id)
        assert found is not None
        out[(kind, name)] = found
    await audit.record_many(session, actor, changes)
    return out

"""Use cases of the financial assessment status (seed 002 B 4.2-4.4): an officer records where
the client's financial assessment stands; the latest entry counts, and a client with none is
NOT_ASSESSED (charged at their current rate, nothing if never assessed). One transaction with
its audit row, once per idempotency key; rows only added (R-AUD-2)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.financial_assessments import repository, rules
from ca_api.financial_assessments.models import FinancialAssessment
from ca_api.financial_assessments.rules import AssessmentEntry
from ca_api.ledger import accounts as ledger
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic


@dataclass(frozen=True)
class AssessmentOutcome:
    client_id: uuid.UUID
    current: FinancialAssessment | None
    replayed: bool = False


async def current_of(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FinancialAssessment]:
    """Each client's latest entry, by client (none for a client never recorded)."""
    return {r.client_id: r for r in await repository.latest_of(session, client_ids)}


async def _replayed(session: AsyncSession, client_id: uuid.UUID) -> AssessmentOutcome:
    found = await current_of(session, [client_id])
    return AssessmentOutcome(client_id, found.get(client_id), replayed=True)


ONCE = approvals.Once(remember_as="client_id", ident=lambda o: o.client_id, replay=_replayed)


async def _tell_controcc(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    entry_id: uuid.UUID,
    entry: AssessmentEntry,
) -> list[str]:
    """A client referred for a financial assessment (seed 002 B 4.2-4.4): Controcc, where the
    assessment is made, hears the financial information the council holds for it (issue 17 item
    3): the balance of each of the client's accounts with the council, in pence, today. Only on
    REFERRED: the other entries are the assessment's own outcome, not information for it."""
    if entry.status is not rules.AssessmentStatus.REFERRED:
        return []
    accounts = await ledger.accounts_of_client(session, client_id)
    facts = {
        "financial_assessment_id": str(entry_id),
        "status": entry.status.value,
        "referred_on": entry.referred_on.isoformat() if entry.referred_on else None,
        "as_at": clock.today().isoformat(),
        "accounts": [
            {"kind": a.kind, "balance": a.posted, "held": a.held}
            for a in sorted(accounts, key=lambda a: (a.kind, a.name))
        ],
        "total_balance": sum(a.posted for a in accounts),
    }
    event = events.Event(
        Topic.FINANCIAL_INFORMATION, client_id, "FinancialAssessment", entry_id, facts
    )
    return [str(m) for m in await events.tell(session, actor, [event], [Recipient.CONTROCC])]


async def record(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    entry: AssessmentEntry,
    *,
    idempotency_key: str,
) -> AssessmentOutcome:
    """Record the client's financial assessment status now (seed 002 B 4.2-4.4)."""
    entry = replace(entry, note=entry.note.strip())
    problems = rules.validate(entry, clock.today())
    if problems:
        raise ValidationFailed(problems)

    async def work() -> AssessmentOutcome:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        entry_id = uuid.uuid4()
        values = {
            "id": entry_id,
            "client_id": client_id,
            "status": entry.status.value,
            "referred_on": entry.referred_on,
            "assessed_on": entry.assessed_on,
            "weekly_charge": entry.weekly_charge,
            "note": entry.note,
            "recorded_by": actor.principal.subject,
        }
        await repository.insert_entry(session, values)
        told = await _tell_controcc(session, actor, client_id, entry_id, entry)
        after = audit.written(values)
        after["outbox_messages"] = told
        await audit.record(
            session,
            actor,
            "financial_assessment",
            entry_id,
            "record",
            after=after,
            client_id=client_id,
        )
        found = await current_of(session, [client_id])
        return AssessmentOutcome(client_id, found.get(client_id))

    payload = {
        "client_id": str(client_id),
        "status": entry.status.value,
        "referred_on": entry.referred_on.isoformat() if entry.referred_on else None,
        "assessed_on": entry.assessed_on.isoformat() if entry.assessed_on else None,
        "weekly_charge": entry.weekly_charge,
        "note": entry.note,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordFinancialAssessment", payload, work
    )

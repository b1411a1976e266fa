"""Who takes a deceased client's estate and the Treasury Solicitor referral, as the council
records them (issue 13 item 5; R-DEATH-3, R-DEATH-4, seed 002 B 29.3, B 29.6): each one
transaction with its audit rows (R-AUD-1), once per idempotency key; refused, nothing written,
with the reason.

- **Who takes the estate**: the executor of a valid will or the next of kin, and the
  counterparty they are paid through (recorded for them, kind OTHER, or one already recorded);
  one current claimant per client, a correction supersedes (R-AUD-2); only once the death is
  confirmed.
- **The Treasury Solicitor referral** (B 29.6): no claimant, an estate over the small-estate
  limit: the date and the Bona Vacantia reference, once.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.rules import optional_text, text_problem
from ca_api.deaths import reads as deaths
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.estates import repository, rules
from ca_api.estates.reads import (
    EstateOutcome,
    accounts_afresh,
    cms_account_in,
    estate_of,
    open_payment,
    paid_so_far,
    small_estate_limit,
)
from ca_api.estates.rules import ClaimantKind
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import CounterpartyKind

ENTITY = "estate"


async def confirmed_death_of(
    session: AsyncSession, client_id: uuid.UUID, what: str
) -> tuple[Any, date]:
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)
    death = (await deaths.deaths_of_clients(session, [client_id])).get(client_id)
    died_on = await deaths.confirmed_death_date(session, client_id)
    if death is None or died_on is None:
        raise InvalidState(
            f"{what} only once the client's death is recorded and confirmed (seed 002 B 29)"
        )
    return death.death, died_on


async def record_claimant(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    kind: ClaimantKind,
    *,
    name: str,
    will_reference: str | None,
    will_dated: date | None,
    probate_reference: str | None,
    probate_granted_on: date | None,
    relationship: str | None,
    evidence: str | None,
    counterparty_id: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> EstateOutcome:
    """Record who takes the estate: the executor of a valid will (B 29.3) or the next of kin
    (an entitled relative, with the relationship and its evidence), and how they are paid: a
    counterparty recorded for them now (kind OTHER, their name) or one already recorded
    (``counterparty_id``). A second record corrects the first (it supersedes it, with the
    reason, R-AUD-2); not once the estate payment is raised (cancel it first) or made."""

    will_reference, probate_reference = (
        optional_text(will_reference),
        optional_text(probate_reference),
    )
    relationship, evidence, reason = (
        optional_text(relationship),
        optional_text(evidence),
        optional_text(reason),
    )
    name = name.strip()

    async def work() -> dict[str, Any]:
        death, died_on = await confirmed_death_of(
            session, client_id, "who takes the estate is recorded"
        )
        problems = rules.claimant_problems(
            kind,
            name=name,
            will_reference=will_reference,
            will_dated=will_dated,
            probate_reference=probate_reference,
            probate_granted_on=probate_granted_on,
            relationship=relationship,
            evidence=evidence,
            died_on=died_on,
            today=clock.today(),
        )
        view = await estate_of(session, client_id)
        current = view.claimant
        if current is not None and reason is None:
            problems["reason"] = (
                f"is required: {current.name} is recorded already; say why this corrects it"
            )
        problems |= text_problem("reason", reason, required=False, maximum=rules.MAX_EVIDENCE)
        if problems:
            raise ValidationFailed(problems)
        raised = open_payment(view)
        if raised is not None:
            raise InvalidState(
                f"the estate payment is {raised.status} already: who takes the estate is not "
                "changed now (cancel the payment first if it is not made)"
            )
        changes: list[audit.Change] = []
        if counterparty_id is None:
            party = await ledger.add_counterparty(
                session,
                actor,
                kind=CounterpartyKind.OTHER,
                name=name,
                reference=None,
                changes=changes,
                why=f"the {kind.value.lower().replace('_', ' ')} of a deceased client's estate",
            )
            payee_id = party.id
        else:
            try:
                await ledger.counterparty_account(session, counterparty_id)
            except RecordNotFound:
                raise RecordNotFound.of("Counterparty", counterparty_id) from None
            payee_id = counterparty_id
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "death_id": death.id,
            "kind": kind.value,
            "name": name,
            "will_reference": will_reference,
            "will_dated": will_dated,
            "probate_reference": probate_reference,
            "probate_granted_on": probate_granted_on,
            "relationship": relationship,
            "evidence": evidence,
            "counterparty_id": payee_id,
            "supersedes_id": current.id if current is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_claimant(session, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        changes.append(
            audit.Change(
                ENTITY,
                row.id,
                "record_claimant" if current is None else "correct_claimant",
                before={"claimant_id": str(current.id), "name": current.name}
                if current is not None
                else None,
                after=after,
                reason=reason,
                client_id=client_id,
            )
        )
        await audit.record_many(session, actor, changes)
        return {"claimant_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "kind": kind.value,
        "name": name,
        "will_reference": will_reference,
        "will_dated": will_dated.isoformat() if will_dated else None,
        "probate_reference": probate_reference,
        "probate_granted_on": probate_granted_on.isoformat() if probate_granted_on else None,
        "relationship": relationship,
        "evidence": evidence,
        "counterparty_id": str(counterparty_id) if counterparty_id else None,
        "reason": reason,
    }
    return await _run(session, actor, idempotency_key, "recordEstateClaimant", payload, work)


async def _run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Any,
) -> EstateOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await estate_of(session, uuid.UUID(payload["client_id"]))
    return EstateOutcome(view, bool(result.get("replayed")))


# --- the Treasury Solicitor referral (B 29.6, R-DEATH-4) ---------------------------------------


async def record_referral(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    referred_on: date,
    reference: str,
    *,
    idempotency_key: str,
) -> EstateOutcome:
    """Record the estate referred to the Treasury Solicitor (Bona Vacantia): the date and their
    reference, once; only for an estate with no executor or next of kin over the small-estate
    limit in force on the date of death (the CMS account now: the net estate only falls as debts
    are paid)."""
    reference = reference.strip()
    problems = text_problem(
        "reference", reference, required=True, maximum=rules.MAX_REFERRAL_REFERENCE
    )
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        death, died_on = await confirmed_death_of(session, client_id, "the estate is referred")
        problem = rules.referral_date_problem(referred_on, died_on, clock.today())
        if problem is not None:
            raise ValidationFailed({"referred_on": problem})
        view = await estate_of(session, client_id)
        if view.referral is not None:
            raise InvalidState(
                f"the estate was referred on {view.referral.referred_on.isoformat()} "
                f"({view.referral.reference}): once (B 29.6)"
            )
        figure = await small_estate_limit(session, died_on)
        cms = cms_account_in(await accounts_afresh(session, client_id))
        available = (cms.posted - cms.held if cms is not None else 0) + paid_so_far(view)
        claimant = view.claimant
        why = rules.referral_problem(
            ClaimantKind(claimant.kind) if claimant is not None else None,
            available,
            int(figure.value or 0),
        )
        if why is not None:
            raise InvalidState(why)
        row = await repository.insert_referral(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "death_id": death.id,
                "referred_on": referred_on,
                "reference": reference,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "referred_on": referred_on.isoformat(),
            "reference": reference,
            "estate": available,
            "limit": int(figure.value or 0),
            "limit_effective_from": figure.effective_from.isoformat(),
        }
        await audit.record(
            session, actor, ENTITY, row.id, "refer", after=after, client_id=client_id
        )
        return {"referral_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "referred_on": referred_on.isoformat(),
        "reference": reference,
    }
    return await _run(
        session, actor, idempotency_key, "recordTreasurySolicitorReferral", payload, work
    )

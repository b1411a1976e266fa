"""Use cases of the service's cost and income (R-REP-3), workload (D 4) and the exceptions
register (D 1.3): each write one transaction with its audit row and its idempotency key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals.problems import FourEyes
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Role
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.money import Pence
from ca_api.policy import service as policy
from ca_api.policy.service import PolicyMissing
from ca_api.reports import caseload
from ca_api.service_costs import repository, rules
from ca_api.service_costs.models import (
    PolicyException,
    PolicyExceptionDecision,
    ServiceCostRole,
    ServiceCostVersion,
)
from ca_api.service_costs.rules import ExceptionBody, PolicyExceptionOutcome, RoleCost

MAXIMUM_FIGURE = "clients_per_fte_maximum"
REVIEW_EXCESS_FIGURE = "clients_per_fte_review_excess"
COST_TABLE = "service costs"  # what PolicyMissing names when no cost table is in force

# The roles in order of seniority: the one a caller acted as is their most senior.
_RANK = [
    Role.SUPPORT_ASSISTANT,
    Role.ASSISTANT,
    Role.SENIOR_ASSISTANT,
    Role.SENIOR_OFFICER,
    Role.GOVERNANCE_MANAGER,
    Role.HEAD_OF_SERVICE,
    Role.AUDITOR,
    Role.REPORTING,
    Role.SOCIAL_WORKER,
    Role.INTEGRATION_CONTROCC,
    Role.INTEGRATION_SAP,
]


def acting_role(actor: Actor) -> Role:
    """The most senior officer role the caller holds (the role the register shows)."""
    held = [r for r in _RANK[:6] if r in actor.principal.roles]
    if held:
        return held[-1]
    return next(r for r in _RANK if r in actor.principal.roles)


# --- the cost table (R-REP-3, R-DATA) ---------------------------------------------------------

CostTable = tuple[ServiceCostVersion, Sequence[ServiceCostRole]]


@dataclass(frozen=True)
class CostTableOutcome:
    version: ServiceCostVersion
    roles: Sequence[ServiceCostRole]
    replayed: bool


async def record_service_costs(
    session: AsyncSession,
    actor: Actor,
    *,
    effective_from: date,
    note: str,
    overhead_rate: Decimal,
    bank_charges: Pence,
    roles: Sequence[RoleCost],
    idempotency_key: str,
) -> CostTableOutcome:
    """A new version of the whole cost table from a date (it may be in the past: the figures of
    a year already begun or gone are recorded as they were). It supersedes the version in force
    from that date; nothing recorded is changed (R-AUD-2)."""
    problems = rules.validate_cost_table(note, overhead_rate, bank_charges, list(roles))
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        version_id = uuid.uuid4()
        values = {
            "id": version_id,
            "effective_from": effective_from,
            "overhead_rate": overhead_rate,
            "bank_charges": bank_charges,
            "note": note.strip(),
            "recorded_by": actor.principal.subject,
        }
        await repository.insert_version(session, values)
        rows = [
            {
                "version_id": version_id,
                "position": i + 1,
                "title": r.title.strip(),
                "fte": r.fte,
                "payroll": r.payroll,
                "overheads": r.overheads,
            }
            for i, r in enumerate(roles)
        ]
        await repository.insert_roles(session, rows)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "recorded_by")}
            | {"overhead_rate": str(overhead_rate)}
            | {
                "roles": [
                    {k: str(v) if k == "fte" else v for k, v in r.items() if k != "version_id"}
                    for r in rows
                ]
            }
        )
        await audit.record(
            session, actor, "service_cost_version", version_id, "record", after=after
        )
        return {"version_id": str(version_id)}

    payload = {
        "effective_from": effective_from.isoformat(),
        "note": note,
        "overhead_rate": str(overhead_rate),
        "bank_charges": bank_charges,
        "roles": [[r.title, str(r.fte), r.payroll, r.overheads] for r in roles],
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordServiceCosts", payload, work
    )
    table = await cost_table(session, uuid.UUID(result["version_id"]))
    assert table is not None
    return CostTableOutcome(table[0], table[1], bool(result.get("replayed")))


async def cost_table(session: AsyncSession, version_id: uuid.UUID) -> CostTable | None:
    found = await repository.version(session, version_id)
    if found is None:
        return None
    return found, await repository.roles_of(session, version_id)


async def cost_tables(session: AsyncSession) -> list[CostTable]:
    """Every version, by effective date then as recorded."""
    return [
        (v, await repository.roles_of(session, v.id)) for v in await repository.versions(session)
    ]


def _role_costs(roles: Sequence[ServiceCostRole]) -> list[RoleCost]:
    return [RoleCost(r.title, Decimal(r.fte), r.payroll, r.overheads) for r in roles]


@dataclass(frozen=True)
class CostAndIncomeReport:
    figures: rules.CostAndIncome
    start: date
    end: date
    version: ServiceCostVersion


async def cost_and_income(session: AsyncSession, year: int) -> CostAndIncomeReport:
    """The financial year's cost (the cost table in force on its first day, 1 April) and income
    (from the ledger, by value date in the year), and the shortfall (R-REP-3)."""
    start, end = rules.financial_year(year)
    version = await repository.version_on(session, start)
    if version is None:
        raise PolicyMissing(COST_TABLE, start)
    roles = await repository.roles_of(session, version.id)
    court, wind_up, estates = await repository.income(session, start, end)
    figures = rules.cost_and_income(
        year,
        _role_costs(roles),
        Decimal(version.overhead_rate),
        version.bank_charges,
        rules.Income(court, wind_up, estates),
    )
    return CostAndIncomeReport(figures, start, end, version)


# --- workload (D 4) ---------------------------------------------------------------------------


async def clients_in_caseload(session: AsyncSession, as_at: date) -> int:
    """The clients the service acts for on ``as_at``: the caseload report's total (R-REP-1;
    deputy or appointee, each once, as their records stood that day): one count, not two."""
    return (await caseload.counts_on(session, as_at))["TOTAL"]


@dataclass(frozen=True)
class OfficerItems:
    officer: str | None  # the subject; None when shown by role only
    role: str | None  # the officer directory's role; None when not in it
    payments: int = 0
    decisions: int = 0
    policy_exceptions: int = 0

    @property
    def total(self) -> int:
        return self.payments + self.decisions + self.policy_exceptions


@dataclass(frozen=True)
class WorkloadReport:
    as_at: date
    clients: int
    fte: Decimal | None
    clients_per_fte: Decimal | None
    maximum: Decimal | None
    maximum_effective_from: date | None
    excess_percent: Decimal | None
    review_excess: Decimal | None
    review_due: bool | None
    officers: list[OfficerItems] = field(default_factory=list)


async def _figure_or_none(
    session: AsyncSession, name: str, on: date
) -> tuple[Decimal | None, date | None]:
    row = await policy.figure_on(session, name, on)
    if row is None:
        return None, None
    return (Decimal(row.value) if row.value is not None else None), row.effective_from


async def workload(session: AsyncSession, as_at: date, *, by_name: bool) -> WorkloadReport:
    """Clients per FTE (the staff of the cost table in force on ``as_at``) against the maximum
    in force (D 4.1), the excess in percent and whether it calls for a review (D 4.2); and the
    open items per officer (``by_name`` False: summed by role, no names)."""
    clients = await clients_in_caseload(session, as_at)
    version = await repository.version_on(session, as_at)
    fte: Decimal | None = None
    if version is not None:
        fte = sum(
            (Decimal(r.fte) for r in await repository.roles_of(session, version.id)), Decimal(0)
        )
    per_fte = rules.clients_per_fte(clients, fte) if fte is not None else None
    maximum, maximum_from = await _figure_or_none(session, MAXIMUM_FIGURE, as_at)
    trigger, _ = await _figure_or_none(session, REVIEW_EXCESS_FIGURE, as_at)
    excess = rules.excess_percent(per_fte, maximum)
    items = await repository.open_items(session, as_at)
    roles = await repository.officer_roles(session, sorted({i[0] for i in items}))
    counts: dict[tuple[str | None, str | None], dict[str, int]] = {}
    for subject, kind, n in items:
        key = (subject if by_name else None, roles.get(subject))
        slot = counts.setdefault(key, {})
        slot[kind] = slot.get(kind, 0) + n
    officers = [
        OfficerItems(
            officer=key[0],
            role=key[1],
            payments=c.get("PAYMENT", 0),
            decisions=c.get("DECISION", 0),
            policy_exceptions=c.get("POLICY_EXCEPTION", 0),
        )
        for key, c in counts.items()
    ]
    officers.sort(key=lambda o: (o.role or "~", o.officer or ""))
    return WorkloadReport(
        as_at=as_at,
        clients=clients,
        fte=fte,
        clients_per_fte=per_fte,
        maximum=maximum,
        maximum_effective_from=maximum_from,
        excess_percent=excess,
        review_excess=trigger,
        review_due=rules.review_due(excess, trigger),
        officers=officers,
    )


# --- the exceptions register (D 1.3) ---------------------------------------------------------

ENTITY = "policy_exception"


@dataclass(frozen=True)
class ExceptionView:
    exception: PolicyException
    decision: PolicyExceptionDecision | None


@dataclass(frozen=True)
class ExceptionOutcome:
    view: ExceptionView
    replayed: bool


async def _view(session: AsyncSession, exception_id: uuid.UUID) -> ExceptionView:
    found = await session.get(PolicyException, exception_id, populate_existing=True)
    if found is None:
        raise RecordNotFound.of("PolicyException", exception_id)
    decisions = await repository.decisions_of(session, [exception_id])
    return ExceptionView(found, decisions.get(exception_id))


async def record_exception(
    session: AsyncSession,
    actor: Actor,
    *,
    summary: str,
    policy_reference: str,
    client_id: uuid.UUID | None,
    idempotency_key: str,
) -> ExceptionOutcome:
    """An exception to the policy submitted to the governance manager (D 1.3), today, by the
    caller."""
    problems = rules.validate_exception(summary, policy_reference)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        if client_id is not None and not await clients.exists(session, client_id):
            raise RecordNotFound.of("Client", client_id)
        exception_id = uuid.uuid4()
        values = {
            "id": exception_id,
            "summary": summary.strip(),
            "policy_reference": policy_reference.strip(),
            "client_id": client_id,
            "submitted_on": clock.today(),
            "submitted_by": actor.principal.subject,
            "submitted_by_role": acting_role(actor).value,
        }
        await repository.insert_exception(session, values)
        after = audit.jsonable({k: v for k, v in values.items() if k not in ("id", "client_id")})
        await audit.record(
            session, actor, ENTITY, exception_id, "submit", after=after, client_id=client_id
        )
        return {"id": str(exception_id)}

    payload = {
        "summary": summary,
        "policy_reference": policy_reference,
        "client_id": str(client_id) if client_id else None,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordPolicyException", payload, work
    )
    view = await _view(session, uuid.UUID(result["id"]))
    return ExceptionOutcome(view, bool(result.get("replayed")))


async def decide_exception(
    session: AsyncSession,
    actor: Actor,
    exception_id: uuid.UUID,
    *,
    outcome: PolicyExceptionOutcome,
    reason: str,
    referred_to: Sequence[ExceptionBody],
    idempotency_key: str,
) -> ExceptionOutcome:
    """The governance manager's decision (D 1.3), once: never by whoever submitted it
    (R-ROLE-2)."""
    problems = rules.validate_decision(reason)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        found = await repository.lock_exception(session, exception_id)
        if found is None:
            raise RecordNotFound.of("PolicyException", exception_id)
        if found.submitted_by == actor.principal.subject:
            raise FourEyes(found.submitted_by, "you submitted this exception", "decide it")
        decided = await repository.decisions_of(session, [exception_id])
        if exception_id in decided:
            raise InvalidState(
                f"the exception is {decided[exception_id].outcome} already: decided once"
            )
        values = {
            "exception_id": exception_id,
            "outcome": outcome.value,
            "reason": reason.strip(),
            "referred_to": sorted({b.value for b in referred_to}),
            "decided_on": clock.today(),
            "decided_by": actor.principal.subject,
            "decided_by_role": acting_role(actor).value,
        }
        await repository.insert_decision(session, values)
        after = audit.jsonable({k: v for k, v in values.items() if k != "exception_id"})
        await audit.record(
            session,
            actor,
            ENTITY,
            exception_id,
            "decide",
            after=after,
            reason=reason.strip(),
            client_id=found.client_id,
        )
        return {"id": str(exception_id)}

    payload = {
        "id": str(exception_id),
        "outcome": outcome.value,
        "reason": reason,
        "referred_to": sorted(b.value for b in referred_to),
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "decidePolicyException", payload, work
    )
    return ExceptionOutcome(await _view(session, exception_id), bool(result.get("replayed")))


async def exceptions(
    session: AsyncSession, start: date | None, end: date | None
) -> list[ExceptionView]:
    """The register, submitted between the dates (inclusive), oldest first."""
    found = await repository.exceptions_between(session, start, end)
    decisions = await repository.decisions_of(session, [e.id for e in found])
    return [ExceptionView(e, decisions.get(e.id)) for e in found]


async def exceptions_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ExceptionView]:
    found = [await session.get(PolicyException, i) for i in ids]
    rows = [e for e in found if e is not None]
    decisions = await repository.decisions_of(session, [e.id for e in rows])
    return {e.id: ExceptionView(e, decisions.get(e.id)) for e in rows}

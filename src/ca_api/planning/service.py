"""Use cases for budget plans: record, revise, read, and bring in with a caseload import. Each
mutation is one transaction with its audit row (R-AUD-1); a plan is never edited, a revision
supersedes it (R-AUD-2, R-CARE-2). Submitting a plan for approval is ``planning.approval``, the
yearly review ``planning.plan_reviews``; asset declarations and threshold flags are
``planning.thresholds``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.audit.service import jsonable
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.keyset import Seek
from ca_api.common.rules import optional_text
from ca_api.errors import ErrorCode, MoneyProblem, RecordNotFound, ValidationFailed
from ca_api.money import Pence
from ca_api.planning import repository, rules
from ca_api.planning.models import BudgetPlan, BudgetPlanLine
from ca_api.planning.rules import (
    Frequency,
    PersonalAllowance,
    PlanLine,
    PlanTotals,
    PrintedTotals,
    Side,
)
from ca_api.policy import service as policy
from ca_api.policy.service import PolicyMissing

PLAN = "budget_plan"

# Policy figures (R-DATA), seeded by migration 0005 from seed 002 (April 2014).
PA_PRICE_RISE = "personal_allowance_price_rise"  # PERCENT (R-BUD-4)
ASSETS_ABOVE_NEEDS = "deputyship_flag_assets_above_needs"  # PENCE (R-INV-1)
LODGEMENT_SURPLUS = "lodgement_surplus_threshold"  # PENCE (R-INV-2)


@dataclass(frozen=True)
class Threshold:
    """A threshold figure in force on a date (R-INV-1, R-INV-2), as the flags and the surplus
    rule judge against it."""

    name: str
    amount: Pence
    effective_from: date


async def threshold_on(session: AsyncSession, name: str, on: date) -> Threshold:
    row = await policy.figure_on(session, name, on)
    if row is None or row.value is None:
        raise PolicyMissing(name, on)
    return Threshold(name, rules.pence_of_figure(Decimal(row.value)), row.effective_from)


class PlanAlreadySuperseded(MoneyProblem):
    """A plan is superseded once; revise the newest plan instead."""

    def __init__(self, plan_id: uuid.UUID, superseded_by: uuid.UUID) -> None:
        super().__init__(
            ErrorCode.INVALID_STATE,
            "that plan has already been superseded: revise the plan that superseded it",
            plan_id=str(plan_id),
            superseded_by=str(superseded_by),
        )
        self.superseded_by = superseded_by


@dataclass(frozen=True)
class NewPlan:
    client_id: uuid.UUID
    plan_year_start: date
    opening_balance: Pence  # the account balance at the plan's start (R-BUD-3)
    lines: list[PlanLine]
    notes: str | None = None
    personal_allowance_last_year: Pence | None = None  # R-BUD-4
    printed: PrintedTotals = field(default_factory=PrintedTotals)
    supersedes_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PlanView:
    """A plan as recorded, with its lines (line number, line) and what supersedes it."""

    plan: BudgetPlan
    lines: list[tuple[int, PlanLine]]
    superseded_by: uuid.UUID | None

    @property
    def totals(self) -> PlanTotals:
        p = self.plan
        return PlanTotals(p.annual_income, p.annual_expenditure, p.available_income, p.surplus)

    @property
    def printed(self) -> PrintedTotals:
        p = self.plan
        return PrintedTotals(
            p.printed_income, p.printed_expenditure, p.printed_available_income, p.printed_surplus
        )

    @property
    def differences(self) -> list[rules.Difference]:
        return rules.differences(self.totals, self.printed)

    @property
    def personal_allowance(self) -> PersonalAllowance | None:
        p = self.plan
        if (
            p.pa_last_year_actual is None
            or p.pa_price_rise_percent is None
            or p.pa_uplift is None
            or p.pa_year_total is None
            or p.pa_weekly is None
        ):
            return None
        return PersonalAllowance(
            p.pa_last_year_actual,
            Decimal(p.pa_price_rise_percent),
            p.pa_uplift,
            p.pa_year_total,
            p.pa_weekly,
        )


@dataclass(frozen=True)
class RecordedPlan:
    view: PlanView
    replayed: bool = False


def _line_of(row: BudgetPlanLine) -> PlanLine:
    return PlanLine(
        side=Side(row.side),
        item=row.item,
        amount=row.amount,
        frequency=Frequency(row.frequency) if row.frequency else None,
        annual_entered=row.annual_entered,
        note=row.note,
    )


async def _views(session: AsyncSession, plans: list[BudgetPlan]) -> list[PlanView]:
    ids = [p.id for p in plans]
    if not ids:
        return []
    lines: dict[uuid.UUID, list[tuple[int, PlanLine]]] = {i: [] for i in ids}
    for row in await repository.lines_of(session, ids):
        lines[row.plan_id].append((row.line_no, _line_of(row)))
    superseders = await repository.superseders_of(session, ids)
    return [PlanView(p, lines[p.id], superseders.get(p.id)) for p in plans]


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> PlanView | None:
    plan = await repository.get_plan(session, plan_id)
    if plan is None:
        return None
    return (await _views(session, [plan]))[0]


async def plans_by_id(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PlanView]:
    """The plans with these ids, by id, with their lines, in a few queries whatever their number
    (node(id:) and every reference to a plan: a revision's, a review's, a threshold flag's)."""
    if not plan_ids:
        return {}
    plans = await repository.plans_by_id(session, plan_ids)
    return {v.plan.id: v for v in await _views(session, list(plans))}


async def recorded_plan(session: AsyncSession, plan_id: uuid.UUID) -> PlanView:
    """A plan this transaction (or an earlier one) recorded: it is there."""
    view = await get_plan(session, plan_id)
    assert view is not None
    return view


async def current_plans_on(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, BudgetPlan]:
    """Each client's plan in force on ``on`` (clients without one are left out)."""
    return await repository.current_plans_on(session, client_ids, on)


def _view_of(row: repository.PlanRow) -> PlanView:
    """A plan read with its lines and superseder in its own statement (repository.plan_rows)."""
    plan, superseded_by, lines = row
    return PlanView(
        plan,
        [
            (
                n,
                PlanLine(
                    side=Side(side),
                    item=item,
                    amount=amount,
                    frequency=Frequency(frequency) if frequency else None,
                    annual_entered=annual,
                    note=note,
                ),
            )
            for n, side, item, amount, frequency, annual, note in lines
        ],
        superseded_by,
    )


async def plans_of_client(
    session: AsyncSession, client_id: uuid.UUID, *, seek: Seek[tuple[date, datetime, uuid.UUID]]
) -> list[PlanView]:
    """A page of the client's plans with their lines, in one statement (the client page)."""
    return [_view_of(r) for r in await repository.plans_of_client(session, client_id, seek=seek)]


def _normalised(new: NewPlan) -> NewPlan:
    lines = [replace(ln, item=ln.item.strip(), note=optional_text(ln.note)) for ln in new.lines]
    return replace(new, lines=lines, notes=optional_text(new.notes))


def _check(new: NewPlan) -> None:
    problems = rules.validate_lines(new.lines)
    if new.opening_balance < 0:
        problems["opening_balance"] = "cannot be negative: a client's account never is (R-PAY-3)"
    if new.notes is not None and len(new.notes) > rules.MAX_NOTE:
        problems["notes"] = f"is longer than {rules.MAX_NOTE} characters"
    if new.personal_allowance_last_year is not None and new.personal_allowance_last_year < 0:
        problems["personal_allowance_last_year"] = "cannot be negative"
    if problems:
        raise ValidationFailed(problems)


async def record_plan(
    session: AsyncSession, actor: Actor, new: NewPlan, *, idempotency_key: str
) -> RecordedPlan:
    """Record a client's yearly plan (R-CARE-2) and its totals (R-BUD-1 to R-BUD-4). A revision
    names the plan it supersedes; the old plan stays as it was (R-AUD-2). Approval as a
    "financial plans and budgets" decision (R-DEC) is linked later by the decisions module."""
    new = _normalised(new)
    _check(new)

    async def work() -> RecordedPlan:
        if await clients.lock_client(session, new.client_id) is None:
            raise RecordNotFound("client", str(new.client_id))
        if new.supersedes_id is not None:
            old = await repository.get_plan(session, new.supersedes_id)
            if old is None:
                raise RecordNotFound("budget plan", str(new.supersedes_id))
            if old.client_id != new.client_id:
                raise ValidationFailed({"supersedes": "is another client's plan"})
            superseded = await repository.superseders_of(session, [old.id])
            if old.id in superseded:
                raise PlanAlreadySuperseded(old.id, superseded[old.id])
        pa: PersonalAllowance | None = None
        if new.personal_allowance_last_year is not None:
            rise = await policy.figure(session, PA_PRICE_RISE, new.plan_year_start)
            pa = rules.personal_allowance(new.personal_allowance_last_year, rise)
        plan_id = uuid.uuid4()
        values = _plan_values(plan_id, new, pa, actor)
        await repository.insert_plan(session, values)
        await repository.insert_lines(session, _line_values(plan_id, new.lines))
        after = {
            k: str(v) if isinstance(v, Decimal) else v
            for k, v in values.items()
            if k not in {"id", "recorded_by"}
        } | {"lines": len(new.lines)}
        action = "revise" if new.supersedes_id else "record"
        await audit.record(
            session, actor, PLAN, plan_id, action, after=after, client_id=new.client_id
        )
        return RecordedPlan(await recorded_plan(session, plan_id))

    async def replay(result: dict[str, Any]) -> RecordedPlan:
        return RecordedPlan(
            await recorded_plan(session, uuid.UUID(str(result["plan_id"]))), replayed=True
        )

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "recordBudgetPlan",
        jsonable(asdict(new)),
        work,
        remember=lambda r: {"plan_id": str(r.view.plan.id)},
        replay=replay,
    )


# --- A caseload import (issue 12 item 5) ------------------------------------------------------


async def plans_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> list[PlanView]:
    """Every plan of these clients, with its lines, in two queries."""
    return await _views(session, list(await repository.plans_of_clients(session, client_ids)))


def normalised_plan(new: NewPlan) -> NewPlan:
    """The plan as ``record_plan`` stores it (items and notes trimmed)."""
    return _normalised(new)


def plan_problems(new: NewPlan) -> dict[str, str]:
    """What ``record_plan`` would refuse in the plan itself (R-BUD-1 to R-BUD-3), by field."""
    try:
        _check(_normalised(new))
    except ValidationFailed as exc:
        return exc.fields
    return {}


def _plan_values(
    plan_id: uuid.UUID, new: NewPlan, pa: PersonalAllowance | None, actor: Actor
) -> dict[str, Any]:
    """The plan's row: its totals worked out (R-BUD-1 to R-BUD-3), its personal allowance
    (R-BUD-4) if any, the totals the paper printed."""
    t = rules.totals(new.opening_balance, new.lines)
    return {
        "id": plan_id,
        "client_id": new.client_id,
        "plan_year_start": new.plan_year_start,
        "opening_balance": new.opening_balance,
        "notes": new.notes,
        "annual_income": t.income,
        "annual_expenditure": t.expenditure,
        "available_income": t.available,
        "surplus": t.surplus,
        "pa_last_year_actual": pa.last_year_actual if pa else None,
        "pa_price_rise_percent": pa.price_rise_percent if pa else None,
        "pa_uplift": pa.uplift if pa else None,
        "pa_year_total": pa.year_total if pa else None,
        "pa_weekly": pa.weekly if pa else None,
        "printed_income": new.printed.income,
        "printed_expenditure": new.printed.expenditure,
        "printed_available_income": new.printed.available,
        "printed_surplus": new.printed.surplus,
        "supersedes_id": new.supersedes_id,
        "recorded_by": actor.principal.subject,
    }


def _line_values(plan_id: uuid.UUID, lines: Sequence[PlanLine]) -> list[dict[str, Any]]:
    """The plan's lines' rows, numbered from 1 in the order given."""
    return [
        {
            "plan_id": plan_id,
            "line_no": n,
            "side": ln.side.value,
            "item": ln.item,
            "amount": ln.amount,
            "frequency": ln.frequency.value if ln.frequency else None,
            "annual_entered": ln.annual_entered,
            "note": ln.note,
        }
        for n, ln in enumerate(lines, start=1)
    ]


async def import_plans(
    session: AsyncSession, actor: Actor, plans: Sequence[NewPlan], *, why: str
) -> list[uuid.UUID]:
    """The current budget plans of a caseload import (R-CARE-2), in the caller's transaction,
    each judged by ``plan_problems`` first and recorded as ``record_plan`` records one (its
    totals, R-BUD-1 to R-BUD-3; no personal allowance or printed totals): two statements for
    the lot, an audit row each. Their approval is a decision, as for any plan."""
    made: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for new in (_normalised(p) for p in plans):
        plan_id = uuid.uuid4()
        # No personal allowance or printed totals, and nothing superseded: a plan brought in.
        bare = replace(new, printed=PrintedTotals(), supersedes_id=None)
        made.append(_plan_values(plan_id, bare, None, actor))
        lines += _line_values(plan_id, new.lines)
    await repository.insert_plans(session, made)
    await repository.insert_lines(session, lines)
    await audit.record_many(
        session,
        actor,
        [
            audit.Change(
                entity_type=PLAN,
                entity_id=v["id"],
                action="import",
                after={
                    k: v[k]
                    for k in (
                        "plan_year_start",
                        "opening_balance",
                        "annual_income",
                        "annual_expenditure",
                        "available_income",
                        "surplus",
                    )
                },
                reason=why,
                client_id=v["client_id"],
            )
            for v in made
        ],
    )
    return [v["id"] for v in made]

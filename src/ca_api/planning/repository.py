"""Every SQL statement about budget plans and asset declarations."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.clients.repository import RowPredicate
from ca_api.clients.rules import Situation
from ca_api.common.keyset import PageShape, Seek, keyset_bound, page_shape, seek_values
from ca_api.db import get_by_id, rows_where_in
from ca_api.ledger.repository import posted_total_of
from ca_api.money import Pence
from ca_api.planning.models import BudgetPlan, BudgetPlanLine, ClientAssetDeclaration


async def insert_plan(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(BudgetPlan).values(values))


async def insert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(BudgetPlanLine), rows)


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> BudgetPlan | None:
    return await get_by_id(session, BudgetPlan, plan_id)


async def plans_by_id(session: AsyncSession, plan_ids: Sequence[uuid.UUID]) -> Sequence[BudgetPlan]:
    """The plans with these ids, in one query (node(id:) and references to a plan)."""
    return await rows_where_in(session, BudgetPlan, BudgetPlan.id, plan_ids, BudgetPlan.id)


async def lines_of(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID]
) -> Sequence[BudgetPlanLine]:
    line = BudgetPlanLine
    return await rows_where_in(session, line, line.plan_id, plan_ids, line.plan_id, line.line_no)


async def superseders_of(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """plan id -> the id of the plan that supersedes it."""
    stmt = select(BudgetPlan.supersedes_id, BudgetPlan.id).where(
        BudgetPlan.supersedes_id.in_(plan_ids)
    )
    return {old: new for old, new in (await session.execute(stmt)).all() if old is not None}


# A plan read with its lines and what supersedes it: (plan, superseder's id, lines), the lines as
# [line_no, side, item, amount, frequency, annual_entered, note] in line order (issue 18 item 2:
# a page of plans is one statement, not three).
PlanRow = tuple[BudgetPlan, uuid.UUID | None, list[list[Any]]]


@functools.cache
def _lines_and_superseder() -> tuple[ScalarSelect[uuid.UUID], ScalarSelect[list[list[Any]]]]:
    """The two correlated subqueries ``_with_lines_and_superseder`` adds, built once: the id of
    the plan superseding the plan (unique: uq_budget_plan_supersedes_id) and its lines
    aggregated by the primary key's index."""
    later = aliased(BudgetPlan)
    line = BudgetPlanLine
    superseder = select(later.id).where(later.supersedes_id == BudgetPlan.id).scalar_subquery()
    row = func.json_build_array(
        line.line_no,
        line.side,
        line.item,
        line.amount,
        line.frequency,
        line.annual_entered,
        line.note,
    )
    lines = (
        select(
            func.coalesce(
                func.json_agg(aggregate_order_by(row, line.line_no)),
                literal_column("'[]'::json"),
                type_=JSON,
            )
        )
        .where(line.plan_id == BudgetPlan.id)
        .scalar_subquery()
    )
    return superseder, lines


def _with_lines_and_superseder(
    stmt: Select[BudgetPlan],
) -> Select[BudgetPlan, uuid.UUID | None, list[list[Any]]]:
    """The plans ``stmt`` selects, each with what supersedes it and its lines."""
    return stmt.add_columns(*_lines_and_superseder())


async def plan_rows(session: AsyncSession, stmt: Select[BudgetPlan]) -> list[PlanRow]:
    """The plans ``stmt`` selects with their lines and superseders, in that one statement."""
    return await _read_plans(session, _with_lines_and_superseder(stmt))


async def _read_plans(
    session: AsyncSession, stmt: Any, values: dict[str, Any] | None = None
) -> list[PlanRow]:
    return [(p, s, ls) for p, s, ls in (await session.execute(stmt, values)).all()]


def _newest_first() -> tuple[Any, ...]:
    return (BudgetPlan.plan_year_start.desc(), BudgetPlan.recorded_at.desc(), BudgetPlan.id.desc())


async def plans_of_client(
    session: AsyncSession,
    client_id: uuid.UUID,
    *,
    seek: Seek[tuple[date, datetime, uuid.UUID]],
) -> list[PlanRow]:
    """A page of a client's plans, newest plan year first (then newest recorded)."""
    stmt = _plans_of_client_statement(page_shape(seek))
    return await _read_plans(session, stmt, {"client_id": client_id, **seek_values(seek)})


@functools.cache
def _plans_of_client_statement(page: PageShape) -> Any:
    """``plans_of_client``'s statement with the lines and superseders, built once for each
    shape of page (issue 18 item 3): the client, the cursor and the limit bound when run."""
    stmt = select(BudgetPlan).where(BudgetPlan.client_id == bindparam("client_id"))
    return _with_lines_and_superseder(keyset_bound(stmt, page, *_newest_first()))


async def current_plans_on(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, BudgetPlan]:
    """Each client's plan in force on ``on``: the newest plan year starting on or before it
    that no later plan supersedes (then the newest recorded)."""
    if not client_ids:
        return {}
    later = aliased(BudgetPlan)
    stmt = (
        select(BudgetPlan)
        .ext(distinct_on(BudgetPlan.client_id))
        .where(
            BudgetPlan.client_id.in_(client_ids),
            BudgetPlan.plan_year_start <= on,
            ~exists().where(later.supersedes_id == BudgetPlan.id),
        )
        .order_by(BudgetPlan.client_id, *_newest_first())
    )
    return {p.client_id: p for p in (await session.execute(stmt)).scalars().all()}


def _in_force_on(plan: type[BudgetPlan], on: date) -> ColumnElement[bool]:
    """A plan that could be in force on ``on``: its year started by then, no plan supersedes
    it (``current_plans_on`` takes the newest such plan of each client)."""
    later = aliased(BudgetPlan)
    return and_(plan.plan_year_start <= on, ~exists().where(later.supersedes_id == plan.id))


def taken_on(row: Any) -> ColumnElement[bool]:
    """A current client row (``clients.repository.list_current``'s columns) the council acts
    for (appointee, deputy or both) and not deceased and being wound up: what the flags and
    the plan reviews walk (``caseload_walk.clients_taken_on``)."""
    return and_(
        or_(row.is_appointee, row.is_deputy),
        row.situation != Situation.DECEASED_WINDING_UP.value,
    )


def may_be_flagged(on: date, lodgement: Pence, assets: Pence) -> RowPredicate:
    """The clients taken on whom a threshold flag could concern on ``on``: every client the
    rules would flag, and few others (``thresholds.threshold_flags`` judges each by the rules),
    so a page of flags reads about a page of clients, not the whole caseload:

    - deputy (R-INV-2): a plan that could be in force with a surplus of ``lodgement`` or more
      (the plan in force is one of them);
    - appointee only (R-INV-1): a declaration by then of capital, property or a private
      pension (the latest is one of them), or assets (every account's posted balance) of
      ``assets`` or more (the needs, an annual expenditure, are never negative).
    """

    def where(row: Any) -> ColumnElement[bool]:
        plan, d = aliased(BudgetPlan), ClientAssetDeclaration
        surplus = exists().where(
            plan.client_id == row.id, _in_force_on(plan, on), plan.surplus >= lodgement
        )
        declared = exists().where(
            d.client_id == row.id,
            d.declared_on <= on,
            or_(d.capital, d.property, d.private_pension),
        )
        rich = posted_total_of(row.id) >= assets
        deputy = and_(row.is_deputy, surplus)
        appointee = and_(row.is_appointee, ~row.is_deputy, or_(declared, rich))
        return and_(taken_on(row), or_(deputy, appointee))

    return where


def may_need_review(on: date, notice_days: int) -> RowPredicate:
    """The clients taken on whose plan needs attention on ``on`` (``rules.review_status`` not
    CURRENT): no plan that could be in force is reviewed (a year after its year starts; 29
    February on 28 February, as PostgreSQL adds a year) more than ``notice_days`` days after
    ``on``. The newest such plan is the one in force, so this is exactly those clients."""

    def where(row: Any) -> ColumnElement[bool]:
        plan = aliased(BudgetPlan)
        review = plan.plan_year_start + literal_column("INTERVAL '1 year'")
        current = exists().where(
            plan.client_id == row.id,
            _in_force_on(plan, on),
            review > on + timedelta(days=notice_days),
        )
        return and_(taken_on(row), ~current)

    return where


async def insert_declaration(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(ClientAssetDeclaration).values(values))


async def get_declaration(
    session: AsyncSession, declaration_id: uuid.UUID
) -> ClientAssetDeclaration | None:
    return await get_by_id(session, ClientAssetDeclaration, declaration_id)


async def declarations_by_id(
    session: AsyncSession, declaration_ids: Sequence[uuid.UUID]
) -> Sequence[ClientAssetDeclaration]:
    """The asset declarations with these ids, in one query (node(id:))."""
    d = ClientAssetDeclaration
    return await rows_where_in(session, d, d.id, declaration_ids, d.id)


async def declarations_on(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, ClientAssetDeclaration]:
    """Each client's latest asset declaration made on or before ``on``."""
    if not client_ids:
        return {}
    d = ClientAssetDeclaration
    stmt = (
        select(d)
        .ext(distinct_on(d.client_id))
        .where(d.client_id.in_(client_ids), d.declared_on <= on)
        .order_by(d.client_id, d.declared_on.desc(), d.recorded_at.desc(), d.id.desc())
    )
    return {r.client_id: r for r in (await session.execute(stmt)).scalars().all()}


async def link_decision(session: AsyncSession, plan_id: uuid.UUID, decision_id: uuid.UUID) -> None:
    """Set the plan's approving decision, once (the table's trigger allows nothing else)."""
    await session.execute(
        update(BudgetPlan)
        .where(BudgetPlan.id == plan_id, BudgetPlan.decision_id.is_(None))
        .values(decision_id=decision_id)
    )


async def plans_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[BudgetPlan]:
    """Every plan of these clients, in one query (a caseload import compares its plans)."""
    plan = BudgetPlan
    return await rows_where_in(session, plan, plan.client_id, client_ids, *_newest_first())


async def insert_plans(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(BudgetPlan), list(rows))

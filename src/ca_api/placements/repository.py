"""Every SQL statement of placements, existing investments and investment statements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients.models import Client
from ca_api.orders.models import deputyship_current
from ca_api.placements.models import (
    ApprovedInstitution,
    ExistingInvestment,
    InstitutionProduct,
    InstitutionReview,
    InvestmentStatement,
    Placement,
    PlacementEvent,
)


async def lock_client(session: AsyncSession, client_id: uuid.UUID) -> str | None:
    """Hold the client's identity row for the transaction (one placement decided at a time per
    client, so two cannot both fit under the protection limit); its reference, or None."""
    stmt = select(Client.reference).where(Client.id == client_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


# --- institutions -------------------------------------------------------------------------


async def insert_institution(session: AsyncSession, values: dict[str, Any]) -> ApprovedInstitution:
    stmt = insert(ApprovedInstitution).values(values).returning(ApprovedInstitution)
    return (await session.execute(stmt)).scalar_one()


async def institution_named(session: AsyncSession, name: str) -> ApprovedInstitution | None:
    stmt = select(ApprovedInstitution).where(ApprovedInstitution.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_institution(
    session: AsyncSession, institution_id: uuid.UUID, *, lock: bool = False
) -> ApprovedInstitution | None:
    stmt = select(ApprovedInstitution).where(ApprovedInstitution.id == institution_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def institutions(session: AsyncSession) -> Sequence[ApprovedInstitution]:
    stmt = select(ApprovedInstitution).order_by(ApprovedInstitution.name)
    return (await session.execute(stmt)).scalars().all()


async def insert_review(session: AsyncSession, values: dict[str, Any]) -> InstitutionReview:
    stmt = insert(InstitutionReview).values(values).returning(InstitutionReview)
    return (await session.execute(stmt)).scalar_one()


async def reviews_of(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> Sequence[InstitutionReview]:
    stmt = (
        select(InstitutionReview)
        .where(InstitutionReview.institution_id.in_(institution_ids))
        .order_by(InstitutionReview.reviewed_on, InstitutionReview.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_product(session: AsyncSession, values: dict[str, Any]) -> InstitutionProduct:
    stmt = insert(InstitutionProduct).values(values).returning(InstitutionProduct)
    return (await session.execute(stmt)).scalar_one()


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> InstitutionProduct | None:
    stmt = select(InstitutionProduct).where(InstitutionProduct.id == product_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def products_of(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> Sequence[InstitutionProduct]:
    stmt = (
        select(InstitutionProduct)
        .where(InstitutionProduct.institution_id.in_(institution_ids))
        .order_by(InstitutionProduct.name, InstitutionProduct.effective_from)
    )
    return (await session.execute(stmt)).scalars().all()


# --- placements ---------------------------------------------------------------------------


async def insert_placement(session: AsyncSession, values: dict[str, Any]) -> Placement:
    stmt = insert(Placement).values(values).returning(Placement)
    return (await session.execute(stmt)).scalar_one()


async def get_placement(
    session: AsyncSession, placement_id: uuid.UUID, *, lock: bool = False
) -> Placement | None:
    stmt = select(Placement).where(Placement.id == placement_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def placements_of_client(
    session: AsyncSession, client_id: uuid.UUID, institution_id: uuid.UUID | None = None
) -> Sequence[Placement]:
    stmt = select(Placement).where(Placement.client_id == client_id)
    if institution_id is not None:
        stmt = stmt.where(Placement.institution_id == institution_id)
    stmt = stmt.order_by(Placement.start_date.desc(), Placement.id.desc())
    return (await session.execute(stmt)).scalars().all()


async def placement_of_decision(session: AsyncSession, decision_id: uuid.UUID) -> Placement | None:
    """The placement its INVESTMENT_PLAN decision approves, if the decision is a placement's."""
    stmt = select(Placement).where(Placement.decision_id == decision_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of(
    session: AsyncSession, placement_ids: Sequence[uuid.UUID]
) -> Sequence[PlacementEvent]:
    stmt = (
        select(PlacementEvent)
        .where(PlacementEvent.placement_id.in_(placement_ids))
        .order_by(PlacementEvent.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> PlacementEvent:
    stmt = insert(PlacementEvent).values(values).returning(PlacementEvent)
    return (await session.execute(stmt)).scalar_one()


# --- existing investments -----------------------------------------------------------------


async def insert_investment(session: AsyncSession, values: dict[str, Any]) -> ExistingInvestment:
    stmt = insert(ExistingInvestment).values(values).returning(ExistingInvestment)
    return (await session.execute(stmt)).scalar_one()


async def get_investment(
    session: AsyncSession, investment_id: uuid.UUID
) -> ExistingInvestment | None:
    stmt = select(ExistingInvestment).where(ExistingInvestment.id == investment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def investments_of(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[ExistingInvestment]:
    stmt = (
        select(ExistingInvestment)
        .where(ExistingInvestment.client_id == client_id)
        .order_by(ExistingInvestment.recorded_at, ExistingInvestment.id)
    )
    return (await session.execute(stmt)).scalars().all()


# --- investment statements ----------------------------------------------------------------


async def insert_statement(session: AsyncSession, values: dict[str, Any]) -> InvestmentStatement:
    stmt = insert(InvestmentStatement).values(values).returning(InvestmentStatement)
    return (await session.execute(stmt)).scalar_one()


async def get_statement(
    session: AsyncSession, statement_id: uuid.UUID
) -> InvestmentStatement | None:
    stmt = select(InvestmentStatement).where(InvestmentStatement.id == statement_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def statements_of(
    session: AsyncSession, deputyship_ids: Sequence[uuid.UUID]
) -> Sequence[InvestmentStatement]:
    stmt = (
        select(InvestmentStatement)
        .where(InvestmentStatement.deputyship_id.in_(deputyship_ids))
        .order_by(InvestmentStatement.recorded_at, InvestmentStatement.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def deputyship(session: AsyncSession, deputyship_id: uuid.UUID) -> Row[Any] | None:
    d = deputyship_current
    return (await session.execute(select(d).where(d.c.id == deputyship_id))).one_or_none()


async def deputyships_in_force(
    session: AsyncSession,
    on: date,
    *,
    client_id: uuid.UUID | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Deputy orders in force on ``on``, oldest order first (so earliest due date first)."""
    d = deputyship_current
    stmt = (
        select(d, Client.reference.label("client_reference"))
        .join(Client, Client.id == d.c.client_id)
        .where(d.c.order_date <= on, or_(d.c.end_date.is_(None), d.c.end_date >= on))
    )
    if client_id is not None:
        stmt = stmt.where(d.c.client_id == client_id)
    if after is not None:
        stmt = stmt.where(
            or_(d.c.order_date > after[0], and_(d.c.order_date == after[0], d.c.id > after[1]))
        )
    stmt = stmt.order_by(d.c.order_date, d.c.id).limit(limit)
    return (await session.execute(stmt)).all()

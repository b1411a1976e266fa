"""Every SQL statement of the register of approved institutions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import rows_where_in
from ca_api.institutions.models import ApprovedInstitution, InstitutionProduct, InstitutionReview


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


async def institutions_by_id(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> Sequence[ApprovedInstitution]:
    """The institutions with these ids, in one query (node(id:) and every reference to one)."""
    i = ApprovedInstitution
    return await rows_where_in(session, i, i.id, institution_ids, i.name, i.id)


async def institutions(session: AsyncSession) -> Sequence[ApprovedInstitution]:
    stmt = select(ApprovedInstitution).order_by(ApprovedInstitution.name)
    return (await session.execute(stmt)).scalars().all()


async def insert_review(session: AsyncSession, values: dict[str, Any]) -> InstitutionReview:
    stmt = insert(InstitutionReview).values(values).returning(InstitutionReview)
    return (await session.execute(stmt)).scalar_one()


async def reviews_of(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> Sequence[InstitutionReview]:
    r = InstitutionReview
    return await rows_where_in(session, r, r.institution_id, institution_ids, r.reviewed_on, r.id)


async def insert_product(session: AsyncSession, values: dict[str, Any]) -> InstitutionProduct:
    stmt = insert(InstitutionProduct).values(values).returning(InstitutionProduct)
    return (await session.execute(stmt)).scalar_one()


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> InstitutionProduct | None:
    stmt = select(InstitutionProduct).where(InstitutionProduct.id == product_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def products_by_id(
    session: AsyncSession, product_ids: Sequence[uuid.UUID]
) -> Sequence[InstitutionProduct]:
    """The products with these ids, in one query (node(id:) and every reference to one)."""
    p = InstitutionProduct
    return await rows_where_in(session, p, p.id, product_ids, p.id)


async def products_of(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> Sequence[InstitutionProduct]:
    p = InstitutionProduct
    return await rows_where_in(
        session, p, p.institution_id, institution_ids, p.name, p.effective_from
    )

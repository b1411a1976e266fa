"""Every SQL statement of the register of approved institutions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import get_by_id, insert_returning, rows_where_in
from ca_api.institutions.models import ApprovedInstitution, InstitutionProduct, InstitutionReview


async def insert_institution(session: AsyncSession, values: dict[str, Any]) -> ApprovedInstitution:
    return await insert_returning(session, ApprovedInstitution, values)


async def institution_named(session: AsyncSession, name: str) -> ApprovedInstitution | None:
    stmt = select(ApprovedInstitution).where(ApprovedInstitution.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_institution(
    session: AsyncSession, institution_id: uuid.UUID, *, lock: bool = False
) -> ApprovedInstitution | None:
    return await get_by_id(session, ApprovedInstitution, institution_id, lock=lock)


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
    return await insert_returning(session, InstitutionReview, values)


async def reviews_of(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> Sequence[InstitutionReview]:
    r = InstitutionReview
    return await rows_where_in(session, r, r.institution_id, institution_ids, r.reviewed_on, r.id)


async def insert_product(session: AsyncSession, values: dict[str, Any]) -> InstitutionProduct:
    return await insert_returning(session, InstitutionProduct, values)


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> InstitutionProduct | None:
    return await get_by_id(session, InstitutionProduct, product_id)


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

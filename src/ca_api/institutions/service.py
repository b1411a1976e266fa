"""Use cases of the register of approved institutions (R-INV-4): institutions, their products
and reviews (seed 002 7.11). Each change is one transaction with its audit row; an institution
is a ledger counterparty (kind INSTITUTION) that a placement's interest comes from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common.grouping import group_by
from ca_api.common.rules import MAX_NAME, MAX_TEXT, text_problem
from ca_api.db import unit_of_work
from ca_api.errors import ValidationFailed, existing
from ca_api.institutions import repository, rules
from ca_api.institutions.models import ApprovedInstitution, InstitutionProduct, InstitutionReview
from ca_api.ledger import counterparties as ledger
from ca_api.money import Pence


@dataclass(frozen=True)
class InstitutionView:
    institution: ApprovedInstitution
    products: list[InstitutionProduct]
    reviews: list[InstitutionReview]

    def approved_on(self, on: date) -> bool:
        return rules.approved_on(
            self.institution.approved_on,
            [(r.reviewed_on, r.id, r.still_approved) for r in self.reviews],
            on,
        )

    @property
    def latest_review(self) -> InstitutionReview | None:
        return self.reviews[-1] if self.reviews else None


async def institution_views(
    session: AsyncSession, rows: Sequence[ApprovedInstitution]
) -> list[InstitutionView]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    products = group_by(await repository.products_of(session, ids), lambda p: p.institution_id)
    reviews = group_by(await repository.reviews_of(session, ids), lambda r: r.institution_id)
    return [InstitutionView(r, products[r.id], reviews[r.id]) for r in rows]


async def _view(session: AsyncSession, row: ApprovedInstitution) -> InstitutionView:
    return (await institution_views(session, [row]))[0]


async def _institution(
    session: AsyncSession, institution_id: uuid.UUID, *, lock: bool = False
) -> ApprovedInstitution:
    return existing(
        await repository.get_institution(session, institution_id, lock=lock),
        "ApprovedInstitution",
        institution_id,
    )


async def get_institution(session: AsyncSession, institution_id: uuid.UUID) -> InstitutionView:
    return await _view(session, await _institution(session, institution_id))


async def institutions_by_id(
    session: AsyncSession, institution_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InstitutionView]:
    """The institutions with these ids, with products and reviews, by id; one missing is absent.
    The register is read by everyone who reads investments: no row scoping."""
    if not institution_ids:
        return {}
    rows = await repository.institutions_by_id(session, institution_ids)
    return {v.institution.id: v for v in await institution_views(session, rows)}


async def list_institutions(session: AsyncSession) -> list[InstitutionView]:
    return await institution_views(session, await repository.institutions(session))


async def add_institution(
    session: AsyncSession, actor: Actor, *, name: str, approved_on: date, note: str | None
) -> InstitutionView:
    name = name.strip()
    note = (note or "").strip() or None
    problems = text_problem("name", name, required=True, maximum=MAX_NAME)
    problems |= text_problem("note", note, required=False, maximum=MAX_TEXT)
    if approved_on > clock.today():
        problems["approved_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        if await repository.institution_named(session, name) is not None:
            raise ValidationFailed({"name": f"{name!r} is on the register already"})
        counterparty = await ledger.institution_counterparty(session, actor, name)
        row = await repository.insert_institution(
            session,
            {
                "id": uuid.uuid4(),
                "name": name,
                "counterparty_id": counterparty.id,
                "approved_on": approved_on,
                "note": note,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {"name": name, "approved_on": approved_on, "counterparty_id": counterparty.id}
        await audit.record(
            session, actor, "approved_institution", row.id, "approve", after=after, reason=note
        )
        return await _view(session, row)


@dataclass(frozen=True)
class NewProduct:
    institution_id: uuid.UUID
    name: str
    rate: str
    notice: str
    minimum: Pence | None
    maximum: Pence | None
    effective_from: date


async def add_product(session: AsyncSession, actor: Actor, new: NewProduct) -> InstitutionProduct:
    name, notice = new.name.strip(), new.notice.strip()
    problems = text_problem("name", name, required=True, maximum=MAX_NAME)
    problems |= text_problem("notice", notice, required=True, maximum=MAX_NAME)
    rate = rules.parse_rate(new.rate)
    if rate is None:
        problems["rate"] = 'is a percentage as a decimal string from 0 to under 100, e.g. "1.49"'
    if new.minimum is not None and new.minimum < 0:
        problems["minimum"] = "cannot be negative"
    if new.maximum is not None and new.maximum <= 0:
        problems["maximum"] = "must be more than 0.00"
    if new.minimum is not None and new.maximum is not None and new.minimum > new.maximum:
        problems["maximum"] = "is below the minimum"
    if problems:
        raise ValidationFailed(problems)
    assert rate is not None
    async with unit_of_work(session):
        institution = await _institution(session, new.institution_id)
        values = {
            "institution_id": institution.id,
            "name": name,
            "rate_percent": rate,
            "notice": notice,
            "minimum": new.minimum,
            "maximum": new.maximum,
            "effective_from": new.effective_from,
        }
        row = await repository.insert_product(
            session, {"id": uuid.uuid4(), **values, "recorded_by": actor.principal.subject}
        )
        after = values | {"rate_percent": str(rate)}
        await audit.record(session, actor, "institution_product", row.id, "add", after=after)
        return row


async def review_institution(
    session: AsyncSession,
    actor: Actor,
    institution_id: uuid.UUID,
    *,
    reviewed_on: date,
    still_approved: bool,
    note: str,
) -> InstitutionView:
    """A review of an institution's standing (seed 002 7.11); one no longer approved takes no
    new placements from the review date (R-INV-4). Reviews are never changed: a later review
    may approve it again."""
    note = note.strip()
    problems = text_problem("note", note, required=True, maximum=MAX_TEXT)
    if reviewed_on > clock.today():
        problems["reviewed_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        institution = await _institution(session, institution_id, lock=True)
        if reviewed_on < institution.approved_on:
            raise ValidationFailed({"reviewed_on": "is before the institution was approved"})
        review = await repository.insert_review(
            session,
            {
                "institution_id": institution_id,
                "reviewed_on": reviewed_on,
                "still_approved": still_approved,
                "note": note,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "review_id": review.id,
            "reviewed_on": reviewed_on,
            "still_approved": still_approved,
        }
        await audit.record(
            session,
            actor,
            "approved_institution",
            institution_id,
            "review",
            after=after,
            reason=note,
        )
        return await _view(session, institution)


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> InstitutionProduct | None:
    return await repository.get_product(session, product_id)


async def products_by_id(
    session: AsyncSession, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InstitutionProduct]:
    """The products with these ids, by id; one missing is absent."""
    if not product_ids:
        return {}
    return {p.id: p for p in await repository.products_by_id(session, product_ids)}

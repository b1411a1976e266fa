"""Use cases for clients' asset declarations and the threshold flags read from them and from
budget plans (R-INV-1, R-INV-2), by the policy figures in force on a date (R-DATA)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.clients.rules import LegalRole
from ca_api.common.keyset import Seek
from ca_api.db import unit_of_work
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.ledger import accounts as ledger
from ca_api.money import Pence
from ca_api.planning import repository, rules
from ca_api.planning.caseload_walk import TakenOn, clients_taken_on
from ca_api.planning.models import BudgetPlan, ClientAssetDeclaration
from ca_api.planning.rules import AssetDeclaration, FlagKind, FlagReason
from ca_api.planning.service import (
    ASSETS_ABOVE_NEEDS,
    LODGEMENT_SURPLUS,
    Threshold,
    threshold_on,
)

DECLARATION = "client_asset_declaration"


async def declare_assets(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    declared: AssetDeclaration,
    *,
    note: str,
    declared_on: date | None = None,
) -> ClientAssetDeclaration:
    """Record that a client holds (or no longer holds) capital, property or a private pension
    (R-INV-1). Append-only: the latest declaration on or before a date stands."""
    text = note.strip()
    on = declared_on or clock.today()
    problems: dict[str, str] = {}
    if not text:
        problems["note"] = "is required: say how this was found"
    elif len(text) > rules.MAX_NOTE:
        problems["note"] = f"is longer than {rules.MAX_NOTE} characters"
    if on > clock.today():
        problems["declared_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    declaration_id = uuid.uuid4()
    values = {
        "id": declaration_id,
        "client_id": client_id,
        "declared_on": on,
        "capital": declared.capital,
        "property": declared.property,
        "private_pension": declared.private_pension,
        "note": text,
        "recorded_by": actor.principal.subject,
    }
    after = {k: v for k, v in values.items() if k not in {"id", "recorded_by"}}
    async with unit_of_work(session):
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound("client", str(client_id))
        await repository.insert_declaration(session, values)
        await audit.record(
            session, actor, DECLARATION, declaration_id, "declare", after=after, client_id=client_id
        )
        row = await repository.get_declaration(session, declaration_id)
    assert row is not None
    return row


async def declarations_by_id(
    session: AsyncSession, declaration_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ClientAssetDeclaration]:
    """The asset declarations with these ids, by id, in one query (node(id:))."""
    if not declaration_ids:
        return {}
    return {d.id: d for d in await repository.declarations_by_id(session, declaration_ids)}


@dataclass(frozen=True)
class ThresholdFlag:
    client_id: uuid.UUID
    reference: str
    given_name: str
    family_name: str
    legal_role: LegalRole
    kind: FlagKind
    reasons: list[FlagReason]
    threshold: Threshold
    plan: BudgetPlan | None
    plan_stale: bool = False  # the plan is past its yearly review on the date (R-CARE-2)
    assets: Pence | None = None  # appointee: the sum of the client's ledger accounts
    twelve_months_needs: Pence | None = None  # appointee: the plan's annual expenditure
    declaration: ClientAssetDeclaration | None = None

    @property
    def surplus(self) -> Pence | None:
        return self.plan.surplus if self.plan is not None else None

    @property
    def plan_review_due_on(self) -> date | None:
        return rules.review_due_on(self.plan.plan_year_start) if self.plan is not None else None

    @property
    def assets_above_needs(self) -> Pence | None:
        if self.assets is None or self.twelve_months_needs is None:
            return None
        return self.assets - self.twelve_months_needs


async def threshold_flags(
    session: AsyncSession,
    principal: Principal,
    on: date,
    *,
    seek: Seek[str],
) -> list[ThresholdFlag]:
    """Active clients flagged on ``on``, in reference order, the page ``seek`` asks for:

    - appointee only (R-INV-1): assets (the posted balances of all the client's ledger accounts
      now) at or above twelve months' needs (the annual expenditure of the plan in force on
      ``on``) plus the threshold, or declared as holding capital, property or a private pension;
    - deputy, or deputy and appointee (R-INV-2): the surplus of the plan in force on ``on`` at or
      above the lodgement threshold.

    Thresholds are the policy figures in force on ``on`` (R-DATA). Clients deceased and being
    wound up are not flagged: nothing is applied for or lodged for them. A flag resting on a
    plan past its yearly review on ``on`` is marked stale (R-CARE-2): nothing is lodged on it
    until the plan is reviewed.
    """
    assets_threshold = await threshold_on(session, ASSETS_ABOVE_NEEDS, on)
    lodgement_threshold = await threshold_on(session, LODGEMENT_SURPLUS, on)

    async def flagged(batch: list[TakenOn]) -> list[ThresholdFlag]:
        appointee_ids = [r.id for r, role in batch if role is LegalRole.APPOINTEE]
        plans = await repository.current_plans_on(session, [r.id for r, _ in batch], on)
        declarations = await repository.declarations_on(session, appointee_ids, on)
        assets: dict[uuid.UUID, Pence] = dict.fromkeys(appointee_ids, 0)
        if appointee_ids:
            for account in await ledger.accounts_of_clients(session, appointee_ids):
                if account.client_id is not None:
                    assets[account.client_id] += account.posted
        flags: list[ThresholdFlag] = []
        for r, role in batch:
            plan = plans.get(r.id)
            common: dict[str, Any] = {
                "client_id": r.id,
                "reference": r.reference,
                "given_name": r.given_name,
                "family_name": r.family_name,
                "legal_role": role,
                "plan": plan,
                "plan_stale": plan is not None and rules.plan_stale(plan.plan_year_start, on),
            }
            if role is LegalRole.APPOINTEE:
                d = declarations.get(r.id)
                declared = AssetDeclaration(d.capital, d.property, d.private_pension) if d else None
                needs = plan.annual_expenditure if plan is not None else None
                reasons = rules.deputyship_reasons(
                    assets[r.id], needs, assets_threshold.amount, declared
                )
                if reasons:
                    flags.append(
                        ThresholdFlag(
                            **common,
                            kind=FlagKind.DEPUTYSHIP_APPLICATION,
                            reasons=reasons,
                            threshold=assets_threshold,
                            assets=assets[r.id],
                            twelve_months_needs=needs,
                            declaration=d,
                        )
                    )
            else:
                surplus = plan.surplus if plan is not None else None
                reasons = rules.lodgement_reasons(surplus, lodgement_threshold.amount)
                if reasons:
                    flags.append(
                        ThresholdFlag(
                            **common,
                            kind=FlagKind.LODGEMENT,
                            reasons=reasons,
                            threshold=lodgement_threshold,
                        )
                    )
        return flags

    likely = repository.may_be_flagged(on, lodgement_threshold.amount, assets_threshold.amount)
    return await clients_taken_on(session, principal, on, seek=seek, pick=flagged, likely=likely)

"""SAP's reconciliation (issue 17 item 5): the council's invoices an integration sent, each with
where it stands, against the payments made to the council."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.errors import ValidationFailed
from ca_api.integrations import repository, rules
from ca_api.integrations.models import ExternalReference
from ca_api.integrations.references import forbidden_kind
from ca_api.integrations.rules import ExternalReferenceKind, SubjectType
from ca_api.invoices import reads as invoice_reads


@dataclass(frozen=True)
class SentInvoice:
    reference: ExternalReference
    view: invoice_reads.InvoiceView
    state: rules.CouncilInvoiceState


async def sent_invoices(
    session: AsyncSession, principal: Principal, kind: ExternalReferenceKind, values: Sequence[str]
) -> list[SentInvoice]:
    """The invoices these references of the caller's system name, each with where it stands:
    what an integration reads back of what it sent (never officers' casework)."""
    if kind.subject_type is not SubjectType.INVOICE:
        raise ValidationFailed({"kind": "name an invoice reference kind"})
    if kind.system not in rules.own_systems(principal.roles):
        raise forbidden_kind(kind)
    refs = await repository.in_force(session, {kind.value: [v.strip() for v in values]})
    views = await invoice_reads.invoices_by_id(session, [r.subject_id for r in refs.values()])
    out = []
    for r in sorted(refs.values(), key=lambda r: r.value):
        v = views.get(r.subject_id)
        if v is not None:
            out.append(SentInvoice(r, v, rules.council_state(v.status.value, v.on_hold)))
    return out


@dataclass(frozen=True)
class CouncilReconciliation:
    """SAP's invoices against the payments made to the council: counts and sums by state,
    and every invoice not yet paid nor cancelled."""

    totals: dict[rules.CouncilInvoiceState, tuple[int, int]]
    open: list[SentInvoice]


async def council_reconciliation(
    session: AsyncSession, principal: Principal
) -> CouncilReconciliation:
    """Every invoice SAP sent (named by an SAP_DOCUMENT reference), as it stands: SAP reads it
    to clear its invoices; officers and audit too."""
    kind = ExternalReferenceKind.SAP_DOCUMENT
    if kind.system not in rules.own_systems(principal.roles):
        raise forbidden_kind(kind)
    refs = await repository.all_in_force(session, kind.value)
    views = await invoice_reads.invoices_by_id(session, [r.subject_id for r in refs])
    totals = {s: (0, 0) for s in rules.CouncilInvoiceState}
    still_open = []
    for r in refs:
        v = views.get(r.subject_id)
        if v is None:
            continue
        state = rules.council_state(v.status.value, v.on_hold)
        n, amount = totals[state]
        totals[state] = (n + 1, amount + v.invoice.amount)
        if state not in (rules.CouncilInvoiceState.PAID, rules.CouncilInvoiceState.CANCELLED):
            still_open.append(SentInvoice(r, v, state))
    still_open.sort(key=lambda s: (s.view.invoice.due_on, s.reference.value))
    return CouncilReconciliation(totals, still_open)

"""An invoice's checks (R-PAY-2), recorded one or several at a time, and whether the invoice
is ready to pay (R-PAY-2, R-PAY-5, not on hold R-REF-7), which ``payments`` asks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.db import unit_of_work
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, ValidationFailed
from ca_api.invoices import repository, rules
from ca_api.invoices.events import locked
from ca_api.invoices.holds import refuse_if_held
from ca_api.invoices.models import Invoice
from ca_api.invoices.reads import InvoiceView, read_invoice
from ca_api.invoices.rules import InvoiceCheckName, InvoiceKind, InvoiceStatus
from ca_api.money import Pence
from ca_api.policy import service as policy

# Policy figures (R-DATA): effective-dated rows, never literals.
EVIDENCE_THRESHOLD_FIGURE = "reimbursement_evidence_threshold"  # R-PAY-5


class ChecksIncomplete(MoneyProblem):
    def __init__(self, missing: Sequence[InvoiceCheckName]) -> None:
        names = ", ".join(m.value for m in missing)
        super().__init__(
            ErrorCode.CHECKS_INCOMPLETE,
            f"the invoice must pass every check before payment (R-PAY-2); missing or failed: "
            f"{names}",
            missing=[m.value for m in missing],
        )


async def _pence_figure(session: AsyncSession, name: str, on: date) -> Pence:
    value: Decimal = await policy.figure(session, name, on)
    return int(value)


# Once a payment is approved the checks are settled; a cancelled invoice takes no more.
CHECKS_CLOSED = frozenset({InvoiceStatus.APPROVED, InvoiceStatus.PAID, InvoiceStatus.CANCELLED})


async def record_check(
    session: AsyncSession,
    actor: Actor,
    invoice_id: uuid.UUID,
    check: InvoiceCheckName,
    *,
    passed: bool,
    note: str | None,
) -> InvoiceView:
    """Record one of the R-PAY-2 checks, with who and when; append-only, the latest counts."""
    entry = rules.tidy_check(rules.CheckEntry(check, passed, note))
    if (problem := rules.check_problem(entry)) is not None:
        raise ValidationFailed({"note": problem})
    return await _record_checks(session, actor, invoice_id, [entry])


async def record_checks(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, checks: Sequence[rules.CheckEntry]
) -> InvoiceView:
    """Record several R-PAY-2 checks in one transaction, all or nothing: each is its own record
    with who and when, exactly as ``record_check`` writes it (issue 9 item 11)."""
    entries = [rules.tidy_check(c) for c in checks]
    problems = rules.checks_problems(entries)
    if problems:
        raise ValidationFailed(problems)
    return await _record_checks(session, actor, invoice_id, entries)


async def _record_checks(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, entries: Sequence[rules.CheckEntry]
) -> InvoiceView:
    async with unit_of_work(session):
        invoice, status = await locked(session, invoice_id)
        if status in CHECKS_CLOSED:
            raise InvalidState(
                f"the invoice is {status.value}: its checks can no longer change",
                status=status.value,
            )
        client_id = invoice.client_id
        for entry in entries:
            check_id = await repository.insert_check(
                session,
                {
                    "invoice_id": invoice_id,
                    "check_name": entry.check.value,
                    "passed": entry.passed,
                    "note": entry.note,
                    "checked_by": actor.principal.subject,
                },
            )
            after = {
                "check": entry.check.value,
                "passed": entry.passed,
                "note": entry.note,
                "check_id": check_id,
            }
            await audit.record(
                session, actor, "invoice", invoice_id, "check", after=after, client_id=client_id
            )
        return await read_invoice(session, invoice_id)


async def _items(session: AsyncSession, invoice_id: uuid.UUID) -> list[rules.Item]:
    rows = await repository.items_of(session, [invoice_id])
    return [rules.Item(r.description, r.amount, r.evidence_seen) for r in rows]


async def ready_to_pay(session: AsyncSession, invoice: Invoice) -> None:
    """Not on hold (R-REF-7); R-PAY-2: every check recorded and passed; R-PAY-5: a
    reimbursement is against an official invoice, with the evidence seen for every item over
    the threshold."""
    await refuse_if_held(session, invoice.id)
    missing = rules.missing_checks(await repository.latest_checks(session, invoice.id))
    if missing:
        raise ChecksIncomplete(missing)
    if invoice.kind == InvoiceKind.CARE_PROVIDER_REIMBURSEMENT:
        threshold = await _pence_figure(session, EVIDENCE_THRESHOLD_FIGURE, invoice.received_on)
        problems = rules.reimbursement_problems(
            invoice.official_invoice, await _items(session, invoice.id), threshold
        )
        if problems:
            raise ValidationFailed(problems)

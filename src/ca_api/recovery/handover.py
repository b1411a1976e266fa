"""Money handed back on recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27): one
transaction under the client's lock with its audit rows (R-AUD-1), once per idempotency key;
refused, nothing written, with the reason.

- **Money handed back** (``raise_handover``): a one-off payment from the client's CMS account to
  the client (their own account, a counterparty), with the evidence of where it goes, raised
  through ``payments.raise_for_decision`` and then approved (four eyes, the limits, the hold) and
  made as every payment. Every door of such a payment asks for the court's order: raised only
  after it is recorded, and ``refuse_unless_recovered`` at approvePayment and makePayment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.rules import optional_text
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.files import service as files
from ca_api.files.rules import MAX_PHOTO_BYTES, FileType
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import Category
from ca_api.money import Pence
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome
from ca_api.recovery import repository, rules
from ca_api.recovery.reads import RecoveryView, outcome_of, recovery_of
from ca_api.recovery.recording import not_recovered

HANDOVER = "recovery_handover"
EVIDENCE_TYPES = frozenset(FileType)


@dataclass(frozen=True)
class HandoverOutcome:
    view: RecoveryView
    payment: PaymentOutcome
    replayed: bool = False


async def raise_handover(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    payee_id: uuid.UUID,
    amount: Pence,
    evidence: str,
    evidence_file_base64: str | None,
    idempotency_key: str,
) -> HandoverOutcome:
    """Raise a payment handing the client's money back to them (R-ORD-5): from their CMS
    account to ``payee_id`` (the client's own account, a counterparty), with the evidence of
    where it goes (a text, and a PDF, JPEG or PNG if given). Refused unless the court's order
    is recorded; it then waits for approval (approvePayment: four eyes, the limits, the money
    held) and is made (makePayment), both of which ask for the order again."""
    text = optional_text(evidence)
    problems = rules.handover_problems(amount, text)
    checked = None
    if evidence_file_base64 is not None:
        try:
            checked = files.check(
                "evidence_file",
                evidence_file_base64,
                allowed=EVIDENCE_TYPES,
                maximum=MAX_PHOTO_BYTES,
            )
        except ValidationFailed as exc:
            problems |= exc.fields
    if problems:
        raise ValidationFailed(problems)
    assert text is not None

    async def work() -> dict[str, Any]:
        await clients.lock_open_client(session, client_id)
        view = await recovery_of(session, client_id)
        if view is None:
            raise not_recovered("money is handed back")
        try:
            await ledger.counterparty_account(session, payee_id)
        except RecordNotFound:
            raise RecordNotFound.of("Counterparty", payee_id) from None
        payment_id = await payments.raise_for_decision(
            session,
            actor,
            client_id=client_id,
            payee_id=payee_id,
            amount=amount,
            category=Category.OUT_OTHER,
            description=f"Money handed back on recovery: court order {view.record.court_reference}"
            " (R-ORD-5, seed 002 B 27)",
        )
        stored = (
            await files.store(
                session,
                actor,
                checked,
                why="the evidence of a handover payment (R-ORD-5)",
                client_id=client_id,
            )
            if checked is not None
            else None
        )
        row = await repository.insert_handover(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "recovery_order_id": view.first.id,
                "payment_id": payment_id,
                "evidence": text,
                "evidence_file_id": stored.id if stored is not None else None,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            HANDOVER,
            row.id,
            "raise",
            after={
                "payment_id": str(payment_id),
                "payee_id": str(payee_id),
                "amount": amount,
                "evidence": text,
                "evidence_sha256": checked.sha256.hex() if checked is not None else None,
            },
            client_id=client_id,
        )
        return {"client_id": str(client_id), "payment_id": str(payment_id)}

    payload = {
        "client_id": str(client_id),
        "payee_id": str(payee_id),
        "amount": amount,
        "evidence": text,
        "evidence_sha256": checked.sha256.hex() if checked is not None else None,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "raiseHandoverPayment", payload, work
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    outcome = await outcome_of(session, result)
    return HandoverOutcome(outcome.view, done, outcome.replayed)


async def refuse_unless_recovered(session: AsyncSession, payment_id: uuid.UUID) -> None:
    """Asked by ``payments`` at approvePayment and makePayment of every payment: a handover
    payment moves only while the court's order that the client can manage their affairs stands
    recorded (R-ORD-5). Other payments pass."""
    link = await repository.handover_of_payment(session, payment_id)
    if link is None:
        return
    if await recovery_of(session, link.client_id) is None:  # pragma: no cover - append-only
        raise not_recovered("a handover payment is approved or made")

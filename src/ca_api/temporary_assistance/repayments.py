"""Temporary financial assistance repaid from the client's funds once they arrive (seed 002 B
4.6): one transaction with its audit rows (R-AUD-1), once per idempotency key, a step of
``service.STEPS``.

Each repayment is a ledger transfer (``ledger.transfers.post``) from the client's Client Monies
Service account to the council (a COUNCIL counterparty, "Client Affairs temporary financial
assistance"), under the OPG category of what the assistance paid for. The ledger refuses a
transfer that would take the account below zero (under the account's lock, so concurrent
requests cannot both pass, R-PAY-3); the assistance's own lock serialises its repayments, so a
repayment above what is outstanding is refused. The repayment that clears it records REPAID.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.deaths import spending as deaths
from ca_api.deaths.reads import confirmed_death_date
from ca_api.errors import ValidationFailed
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.ledger.transfers import Movement
from ca_api.money import Pence
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic
from ca_api.temporary_assistance import repository, rules
from ca_api.temporary_assistance.models import TemporaryAssistanceEvent
from ca_api.temporary_assistance.rules import AssistanceEventKind, AssistanceStatus
from ca_api.temporary_assistance.service import ASSISTANCE, STEPS, AssistanceOutcome, Held, Moved

# Who the repayments go to: the council, as a counterparty of the ledger.
COUNCIL_NAME = "Client Affairs temporary financial assistance"


def _paid_reference(events: Sequence[TemporaryAssistanceEvent]) -> str | None:
    return next((e.payment_reference for e in events if e.event == AssistanceEventKind.PAID), None)


async def record_repayment(
    session: AsyncSession,
    actor: Actor,
    assistance_id: uuid.UUID,
    amount: Pence,
    *,
    idempotency_key: str,
) -> AssistanceOutcome:
    """A repayment from the client's funds (B 4.6 "until such time as funds become available"):
    a ledger transfer from the client's CMS account to the council, never above what is
    outstanding, never taking the account below zero (the ledger refuses it: InsufficientFunds,
    R-PAY-3); the one that clears the debt records REPAID."""
    if amount <= 0:
        raise ValidationFailed({"amount": "must be more than 0.00"})

    async def repay(held: Held) -> Moved:
        row = held.row
        # After a confirmed death: a debt to the council, repaid on that basis (seed 002 B 29.2).
        await deaths.refuse_spending_after_death(
            session,
            row.client_id,
            deaths.repayment_basis_if_deceased(await confirmed_death_date(session, row.client_id)),
        )
        left = row.amount - await repository.repaid(session, assistance_id)
        if (problem := rules.repayment_problem(amount, left)) is not None:
            raise ValidationFailed({"amount": problem})
        changes: list[Change] = []
        council = await ledger.named_counterparty_account(
            session,
            actor,
            CounterpartyKind.COUNCIL,
            COUNCIL_NAME,
            why="repayments of temporary financial assistance go to the council (seed 002 B 4.6)",
            changes=changes,
        )
        account = await ledger_accounts.client_account(session, row.client_id)
        transfer = await ledger_transfers.post(
            session,
            actor,
            Movement(
                from_account_id=account.id,
                to_account_id=council.id,
                amount=amount,
                value_date=clock.today(),
                category=Category(row.category),
                description=f"Repayment of temporary financial assistance: {row.purpose}"[:200],
                reference=_paid_reference(held.events),
            ),
        )
        repayment = await repository.insert_repayment(
            session,
            {
                "id": uuid.uuid4(),
                "assistance_id": assistance_id,
                "transfer_id": transfer.id,
                "amount": amount,
                "recorded_by": actor.principal.subject,
            },
        )
        # Money to the council that is no makePayment: SAP books it too (issue 17 item 3), in
        # this transaction, once (a retried repayment replays through ``steps``).
        council_id = council.counterparty_id
        assert council_id is not None
        told = await events.tell(
            session,
            actor,
            [
                events.Event(
                    Topic.TEMPORARY_ASSISTANCE_REPAID,
                    row.client_id,
                    "Transfer",
                    transfer.id,
                    {
                        "assistance_id": str(assistance_id),
                        "amount": amount,
                        "value_date": transfer.value_date.isoformat(),
                        "category": row.category,
                        "description": transfer.description,
                        "payee_id": str(council_id),
                        "payee_name": COUNCIL_NAME,
                        "payee_reference": None,
                        "outstanding": left - amount,
                        "transfer_id": str(transfer.id),
                    },
                    related=(council_id,),
                )
            ],
            [Recipient.SAP],
        )
        status = AssistanceStatus.PAID
        if amount == left:
            await approvals.append_event(
                session, ASSISTANCE, assistance_id, AssistanceEventKind.REPAID, actor
            )
            status = AssistanceStatus.REPAID
        await audit.record_many(session, actor, changes)
        done = {
            "repayment_id": str(repayment.id),
            "transfer_id": str(transfer.id),
            "amount": amount,
            "outstanding": left - amount,
            "outbox_messages": [str(m) for m in told],
        }
        return done, status

    return await steps.run(
        STEPS,
        session,
        actor,
        assistance_id,
        AssistanceEventKind.REPAID,
        repay,
        idempotency_key=idempotency_key,
        payload={"amount": amount},
    )

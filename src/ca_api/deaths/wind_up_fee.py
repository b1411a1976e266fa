"""The council's wind-up fee taken from a deceased client's account (issue 13 item 4, R-FEE-5,
seed 002 B 29.4, B 6.4-6.5, Appendix 3): once per client, once every due invoice and
payment is discharged."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.deaths import repository
from ca_api.deaths.models import WindUpFee
from ca_api.deaths.recording import ENTITY
from ca_api.deaths.rules import WindingUpBasis
from ca_api.deaths.spending import outstanding_before_fee, refuse_spending_after_death
from ca_api.errors import InvalidState, RecordNotFound
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import transfers as ledger
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic
from ca_api.policy import service as policy

WIND_UP_FEE_FIGURE = "wind_up_fee"  # policy data (migration 0006), effective-dated (R-FEE-6)
# The council's income line the fee is paid to: its own counterparty, apart from the deputy
# remuneration of the fee run, as the seed books it as the service's second income line.
COUNCIL_WIND_UP_FEES = "Client Affairs wind-up fees"


@dataclass(frozen=True)
class WindUpFeeOutcome:
    fee: WindUpFee
    replayed: bool = False


async def wind_up_fees_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, WindUpFee]:
    """Each client's wind-up fee, if charged."""
    return {f.client_id: f for f in await repository.wind_up_fees_of_clients(session, client_ids)}


async def charge_wind_up_fee(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> WindUpFeeOutcome:
    """Take the council's wind-up fee from a deceased client's CMS account (R-FEE-5, B 29.4),
    appointee-only and deputy clients alike: once per client, only once the death is confirmed
    and every due invoice and payment is discharged (refused with what is outstanding). The
    figure is the one in force on the date of death (B 6.5: agreed yearly by Cabinet; the work
    the fee pays for begins with the death). One ledger transfer to the council, on the
    WIND_UP_FEE basis; too little in the account is InsufficientFunds and nothing is written."""

    async def work() -> dict[str, Any]:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        death = await repository.death_of_client(session, client_id)
        died_on = await repository.confirmed_death_date(session, client_id)
        if death is None or died_on is None:
            raise InvalidState(
                "the wind-up fee is taken only once the client's death is recorded and "
                "confirmed (R-FEE-5, seed 002 B 29.4)"
            )
        charged = await repository.wind_up_fees_of_clients(session, [client_id])
        if charged:
            raise InvalidState(
                f"the wind-up fee was charged on {charged[0].charged_on.isoformat()}: "
                "once per client (R-FEE-5)"
            )
        outstanding = await outstanding_before_fee(session, client_id, died_on)
        if outstanding:
            raise InvalidState(
                "the wind-up fee is taken only after every due invoice and payment is "
                "discharged (R-FEE-5, B 29.4); outstanding: " + "; ".join(outstanding)
            )
        await refuse_spending_after_death(session, client_id, WindingUpBasis.WIND_UP_FEE)
        figure = await policy.figure_on(session, WIND_UP_FEE_FIGURE, died_on)
        if figure is None or figure.value is None:
            raise policy.PolicyMissing(WIND_UP_FEE_FIGURE, died_on)
        amount = int(figure.value)
        today = clock.today()
        changes: list[audit.Change] = []
        payee = await ledger_counterparties.named_counterparty_account(
            session,
            actor,
            CounterpartyKind.COUNCIL,
            COUNCIL_WIND_UP_FEES,
            why="needed to take the wind-up fee (R-FEE-5)",
            changes=changes,
        )
        cms = await ledger_accounts.client_account(session, client_id)
        transfer = await ledger.post(
            session,
            actor,
            ledger.Movement(
                from_account_id=cms.id,
                to_account_id=payee.id,
                amount=amount,
                value_date=today,
                category=Category.OUT_DEPUTY_FEES,
                description=(
                    f"Wind-up fee (death on {died_on.isoformat()}; figure in force from "
                    f"{figure.effective_from.isoformat()})"
                ),
                reference=f"wind-up-fee:{client_id}",
            ),
        )
        fee = await repository.insert_wind_up_fee(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "death_id": death.id,
                "transfer_id": transfer.id,
                "amount": amount,
                "figure_effective_from": figure.effective_from,
                "charged_on": today,
                "recorded_by": actor.principal.subject,
            },
        )
        told = await events.tell(
            session,
            actor,
            [
                events.Event(
                    Topic.WIND_UP_FEE_TAKEN,
                    client_id,
                    "WindUpFee",
                    fee.id,
                    {
                        "wind_up_fee_id": str(fee.id),
                        "amount": amount,
                        "value_date": today.isoformat(),
                        "died_on": died_on.isoformat(),
                        "figure_effective_from": figure.effective_from.isoformat(),
                        "payee_id": str(payee.counterparty_id),
                        "transfer_id": str(transfer.id),
                    },
                )
            ],
            [Recipient.SAP],
        )
        after = {
            "outbox_messages": [str(m) for m in told],
            "amount": amount,
            "figure": WIND_UP_FEE_FIGURE,
            "figure_effective_from": figure.effective_from.isoformat(),
            "died_on": died_on.isoformat(),
            "charged_on": today.isoformat(),
            "transfer_id": str(transfer.id),
            "winding_up_basis": WindingUpBasis.WIND_UP_FEE.value,
            "balance_after": transfer.from_balance_after,
        }
        changes.append(
            audit.Change(ENTITY, death.id, "charge_wind_up_fee", after=after, client_id=client_id)
        )
        await audit.record_many(session, actor, changes)
        return {"fee_id": str(fee.id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "chargeWindUpFee", {"client_id": str(client_id)}, work
    )
    fees = await repository.wind_up_fees_of_clients(session, [client_id])
    assert fees and str(fees[0].id) == result["fee_id"]
    return WindUpFeeOutcome(fees[0], bool(result.get("replayed")))

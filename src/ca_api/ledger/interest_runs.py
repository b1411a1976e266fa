"""An interest run, the use case written once: every client account of a kind credited with its
interest for a period, from the body that pays it. Interest on CMS accounts (R-ACC-1,
``receipts``) and on Court Funds Office accounts (R-DATA, ``lodgements``) are the one flow; an
``InterestScheme`` says what differs. The maths is ``ledger.interest`` (pure).

One run per period: running a period again returns the first run and does nothing; a period
that overlaps another run is refused (a day earns interest once); a day without a rate refuses
the run (``PolicyMissing``). The transfers, the run row and the audit rows (R-AUD-1) commit
together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.common.keyset import Seek
from ca_api.db import unit_of_work
from ca_api.errors import ValidationFailed
from ca_api.ledger import counterparties, interest, interest_runs_repository, repository, rules
from ca_api.ledger.interest_runs_repository import RunT
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind, TransferKind
from ca_api.money import Pence
from ca_api.policy import service as policy
from ca_api.policy.service import PolicyMissing


@dataclass(frozen=True)
class InterestScheme(Generic[RunT]):
    """What one kind of interest run is: whose accounts, at which rate, paid by whom, kept
    where, and how its transfers and audit rows are named."""

    table: type[RunT]  # the scheme's runs, one row per period
    # The run's audit entity type; also "<name>_id" on each credit's audit row, the transfers'
    # reference "<name, dashed>:<run id>" and the lock that serialises the scheme's runs.
    name: str
    credit_action: str  # the audit action of each credit
    account_kind: AccountKind  # the accounts credited
    rate: str  # the policy figure: the rate (percent a year) by the day it is in force from
    payer_kind: CounterpartyKind  # the counterparty the interest comes from
    payer_name: str
    payer_why: str  # the audited reason when the payer is recorded on first use
    narrative: str  # the transfers' description: "<narrative> <start> to <end>"
    operation: str  # the mutation, as an idempotency key's operation
    # The run's own audit row before the payer's (recorded on first use) rather than after.
    run_audited_first: bool = False


@dataclass(frozen=True)
class InterestOutcome(Generic[RunT]):
    run: RunT
    already_run: bool  # the period was run before: nothing was done again


async def rates(session: AsyncSession, scheme: InterestScheme[Any]) -> list[interest.RateFrom]:
    return interest.rates_from(await policy.figure_history(session, scheme.rate))


async def post_interest(
    session: AsyncSession,
    actor: Actor,
    scheme: InterestScheme[RunT],
    period_start: date,
    period_end: date,
    *,
    idempotency_key: str | None = None,
) -> InterestOutcome[RunT]:
    """Credit every account of the scheme's kind with its interest for the period: one
    IN_INTEREST transfer from the payer per account whose interest is a penny or more, value
    dated the period's last day. Without an idempotency key the period is the key."""
    problems = interest.validate_interest_period(period_start, period_end, clock.today())
    if problems:
        raise ValidationFailed(problems)

    async def work() -> InterestOutcome[RunT]:
        return await _run(session, actor, scheme, period_start, period_end)

    if idempotency_key is None:
        async with unit_of_work(session):
            return await work()

    async def replay(result: dict[str, Any]) -> InterestOutcome[RunT]:
        run_id = uuid.UUID(str(result["run_id"]))
        run = await interest_runs_repository.get_interest_run(session, scheme.table, run_id)
        assert run is not None
        return InterestOutcome(run=run, already_run=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        scheme.operation,
        {"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
        work,
        remember=lambda o: {"run_id": str(o.run.id)},
        replay=replay,
    )


async def _run(
    session: AsyncSession,
    actor: Actor,
    scheme: InterestScheme[RunT],
    period_start: date,
    period_end: date,
) -> InterestOutcome[RunT]:
    table = scheme.table
    await interest_runs_repository.lock_interest_runs(session, scheme.name)
    existing = await interest_runs_repository.interest_run_for(
        session, table, period_start, period_end
    )
    if existing is not None:
        return InterestOutcome(run=existing, already_run=True)
    overlap = await interest_runs_repository.overlapping_period(
        session, table, period_start, period_end
    )
    if overlap is not None:
        raise ValidationFailed(interest.overlap_problem(*overlap))
    daily = interest.daily_rates(await rates(session, scheme), period_start, period_end)
    if isinstance(daily, date):
        raise PolicyMissing(scheme.rate, daily)

    owners = await interest_runs_repository.lock_accounts_of_kind(session, scheme.account_kind)
    movements = await interest_runs_repository.daily_net_movements(
        session, scheme.account_kind, period_start, period_end
    )
    due = interest.interest_by_account(movements, owners, daily, period_start, period_end)

    payer_changes: list[Change] = []
    run_id = uuid.uuid4()
    transfers: list[dict[str, Any]] = []
    if due:
        payer = await counterparties.named_counterparty_account(
            session,
            actor,
            scheme.payer_kind,
            scheme.payer_name,
            why=scheme.payer_why,
            changes=payer_changes,
        )
        transfers = _credits(actor, scheme, run_id, payer.id, due, owners, period_start, period_end)
    inserted = await repository.insert_transfers(session, transfers)
    run = await interest_runs_repository.insert_interest_run(
        session,
        table,
        {
            "id": run_id,
            "period_start": period_start,
            "period_end": period_end,
            "run_by": actor.principal.subject,
            "accounts": len(due),
            "total": sum(due.values()),
        },
    )
    run_change = Change(
        entity_type=scheme.name,
        entity_id=run_id,
        action="post",
        after={
            "period_start": period_start,
            "period_end": period_end,
            "accounts": len(due),
            "total": sum(due.values()),
            "rates_percent": sorted({str(r) for r in daily}),
        },
    )
    ran = [run_change, *payer_changes] if scheme.run_audited_first else [*payer_changes, run_change]
    credits = [_credit_change(scheme, run_id, t) for t in inserted.values()]
    await audit.record_many(session, actor, ran + credits)
    return InterestOutcome(run=run, already_run=False)


def _credits(
    actor: Actor,
    scheme: InterestScheme[Any],
    run_id: uuid.UUID,
    payer_account_id: uuid.UUID,
    due: dict[uuid.UUID, Pence],
    owners: dict[uuid.UUID, uuid.UUID],
    period_start: date,
    period_end: date,
) -> list[dict[str, Any]]:
    """One IN_INTEREST transfer a credited account, as rows for ``insert_transfers``."""
    kinds = (AccountKind.COUNTERPARTY, scheme.account_kind)
    assert rules.direction_problem(Category.IN_INTEREST, *kinds) is None
    description = f"{scheme.narrative} {period_start.isoformat()} to {period_end.isoformat()}"
    reference = f"{scheme.name.replace('_', '-')}:{run_id}"
    return [
        {
            "id": uuid.uuid4(),
            "kind": TransferKind.POSTED.value,
            "from_account_id": payer_account_id,
            "to_account_id": account_id,
            "amount": amount,
            "pending_id": None,
            "reverses_id": None,
            "value_date": period_end,
            "category": Category.IN_INTEREST.value,
            "description": description,
            "reference": reference,
            "client_id": owners[account_id],
            "recorded_by": actor.principal.subject,
            "reason": None,
        }
        for account_id, amount in due.items()
    ]


def _credit_change(scheme: InterestScheme[Any], run_id: uuid.UUID, t: Transfer) -> Change:
    return Change(
        entity_type="transfer",
        entity_id=t.id,
        action=scheme.credit_action,
        after={
            f"{scheme.name}_id": run_id,
            "amount": t.amount,
            "to_account_id": t.to_account_id,
            "value_date": t.value_date,
            "balance_after": t.to_balance_after,
        },
        client_id=t.client_id,
    )


async def list_runs(
    session: AsyncSession,
    scheme: InterestScheme[RunT],
    seek: Seek[tuple[date, uuid.UUID]],
) -> Sequence[RunT]:
    """A page of the scheme's runs, newest period first."""
    return await interest_runs_repository.list_interest_runs(session, scheme.table, seek)


async def runs_by_id(
    session: AsyncSession, scheme: InterestScheme[RunT], run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RunT]:
    """The scheme's runs with these ids, by id, in one query (node(id:))."""
    return {
        r.id: r
        for r in await interest_runs_repository.interest_runs_by_id(session, scheme.table, run_ids)
    }

"""The fee run (R-FEE-1 to R-FEE-4, R-FEE-6): every deputy client's fees due in a period, taken
from their CMS account to the council (deputy remuneration) or the OPG (supervision), in one
transaction with the run's rows and audit rows (R-AUD-1).

- **Once per period.** A fee_run is unique per period: running a period again returns the first
  run and posts nothing. A fee_charge is unique per (client, fee kind, due date), so a run whose
  period overlaps an earlier one charges only what no earlier run charged: a catch-up run picks up
  the clients an earlier run refused or found short, once their figure is entered or their money
  is in. A repeat with the same idempotency key replays the first answer.
- **The rest of the run proceeds.** A client whose fee needs a figure that is missing or known to
  be unknown (R-DATA) is refused whole: nothing is charged for them, and the run lists them with
  the figure and the date (code POLICY_MISSING). A client whose CMS account has too little
  available for all their fees is not charged at all (R-PAY-3: never below zero), and listed
  with what was wanted and what was available (INSUFFICIENT_FUNDS). A client recorded
  deceased whose death is not confirmed is charged nothing and listed (CLIENT_DECEASED): the
  date of death decides the years they lived through (seed 002 B 29.2); a confirmed death ends
  the fees due after it (``deaths.spending.fee_dues_for_life``). Everyone else is charged.
- **Net assets** for the 3% rule (R-FEE-1): the sum of the client's ledger account balances (CMS,
  Court Funds Office, placements, cash held) at the end of the due date, by value date: money
  moved, holds not counted (held money is still the client's). Fees come from the CMS account
  only, so whether they can be paid is judged on its available balance (posted - held) now.
- **Value date.** A fee leaves the CMS account on the day the run posts it (what the bank
  statement will show, R-ACC-7). The charge keeps what it is for beside it: the anniversary, its
  due date and the deputyship year it pays for; the statement line's description names them too,
  so a run for a past period does not read as a fee for the day it was run (issue 9 item 10).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.deaths import spending as deaths
from ca_api.errors import ErrorCode, ValidationFailed
from ca_api.fees import repository, rules
from ca_api.fees.models import FeeCharge, FeeRun, FeeRunException
from ca_api.fees.rules import Charge, FeeKind, Missing
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger
from ca_api.ledger import rules as ledger_rules
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind, TransferKind
from ca_api.money import Pence, format_money
from ca_api.orders.rules import SupervisionType
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic

# Who the money goes to.
COUNCIL_FEES = "Client Affairs deputy fees"  # COUNCIL: deputy remuneration (R-FEE-1)
OPG_NAME = "Office of the Public Guardian"  # OPG: supervision fees passed on (R-FEE-2)
PAYEE = {
    FeeKind.DEPUTY_REMUNERATION: (CounterpartyKind.COUNCIL, COUNCIL_FEES),
    FeeKind.OPG_SUPERVISION: (CounterpartyKind.OPG, OPG_NAME),
}
CATEGORY = {
    FeeKind.DEPUTY_REMUNERATION: Category.OUT_DEPUTY_FEES,
    FeeKind.OPG_SUPERVISION: Category.OUT_OPG_FEES,
}
POLICY_MISSING = ErrorCode.POLICY_MISSING.value
INSUFFICIENT_FUNDS = ErrorCode.INSUFFICIENT_FUNDS.value
CLIENT_DECEASED = ErrorCode.CLIENT_DECEASED.value


@dataclass(frozen=True)
class FeeRunRecord:
    run: FeeRun
    charges: Sequence[FeeCharge]
    exceptions: Sequence[FeeRunException]


@dataclass(frozen=True)
class FeeRunOutcome:
    record: FeeRunRecord
    already_run: bool  # the period was run before: nothing was done again
    replayed: bool = False  # a repeat of the key or of the period: nothing new was done


def _year(due: rules.Due) -> str:
    """What a statement line says the fee is for (issue 9 item 10): the ledger's value date is
    the day the run moved the money, so the line names the year and anniversary itself."""
    return (
        f"for {due.year_start.isoformat()} to {due.year_end.isoformat()} "
        f"(anniversary {due.anniversary}, due {due.due_date.isoformat()})"
    )


def describe(charge: Charge) -> str:
    due = charge.due
    if due.kind is FeeKind.OPG_SUPERVISION:
        level = "minimal" if due.supervision_type is SupervisionType.TYPE_3 else "general"
        return f"OPG {level} supervision fee {_year(due)}"
    what = {
        rules.FeeBasis.FIRST_YEAR: "first anniversary fixed rate",
        rules.FeeBasis.LATER_YEAR: "annual fixed rate",
        rules.FeeBasis.LOW_ASSETS_PERCENT: "low-assets percentage",
    }[charge.basis]
    return f"Deputy remuneration ({what}) {_year(due)}"


def missing_reason(m: Missing) -> str:
    if m.known_unknown:
        return (
            f"the figure {m.name!r} in force on {m.on.isoformat()} is recorded as unknown: "
            "the governance manager must enter it before this fee is charged (R-DATA)"
        )
    return (
        f"no figure for {m.name!r} is in force on {m.on.isoformat()}: "
        "the governance manager must enter it first (R-DATA)"
    )


async def _payee_account(
    session: AsyncSession, actor: Actor, kind: FeeKind, changes: list[Change]
) -> LedgerAccount:
    """The council's or the OPG's counterparty account, the counterparty recorded if missing."""
    cp_kind, name = PAYEE[kind]
    return await ledger.named_counterparty_account(
        session, actor, cp_kind, name, why="needed to charge fees (R-FEE)", changes=changes
    )


async def fee_rates(session: AsyncSession) -> rules.Rates:
    rows = await repository.fee_figures(session, rules.FEE_FIGURES)
    return rules.Rates.of(rules.FigureFrom(r.name, r.effective_from, r.value) for r in rows)


def _orders_by_client(rows: Sequence[Any]) -> dict[uuid.UUID, list[rules.Order]]:
    out: dict[uuid.UUID, list[rules.Order]] = defaultdict(list)
    for r in rows:
        out[r.client_id].append(
            rules.Order(
                deputyship_id=r.id,
                order_date=r.order_date,
                end_date=r.end_date,
                supervision_type=SupervisionType(r.supervision_type),
            )
        )
    return out


def _not_charged(
    run_id: uuid.UUID,
    client_id: uuid.UUID,
    outcome: str,
    reason: str,
    *,
    figure_name: str | None = None,
    figure_date: date | None = None,
    wanted: Pence | None = None,
    available: Pence | None = None,
) -> dict[str, Any]:
    """A fee_run_exception row: a client the run did not charge, and why."""
    return {
        "run_id": run_id,
        "client_id": client_id,
        "outcome": outcome,
        "reason": reason,
        "figure_name": figure_name,
        "figure_date": figure_date,
        "wanted": wanted,
        "available": available,
    }


def _charge_audited(row: dict[str, Any], transfer: Transfer, today: date) -> dict[str, Any]:
    """What the audit trail keeps of a charge: its row, and the transfer that moved the money."""
    kept = {k: v for k, v in row.items() if k not in ("transfer_id", "client_id")}
    return {
        **{k: format(v, "f") if isinstance(v, Decimal) else v for k, v in kept.items()},
        "from_account_id": transfer.from_account_id,
        "balance_after": transfer.from_balance_after,
        "value_date": today,
    }


def _fees_charged(
    rows: Sequence[dict[str, Any]], payees: dict[FeeKind, LedgerAccount], today: date
) -> list[events.Event]:
    """SAP hears each fee taken for the council (deputy remuneration, R-FEE-1, R-FEE-3), in the
    run's transaction (issue 17 item 3); a supervision fee goes to the OPG, not the council."""
    council = FeeKind.DEPUTY_REMUNERATION
    return [
        events.Event(
            Topic.FEE_CHARGED,
            r["client_id"],
            "FeeCharge",
            r["transfer_id"],
            {
                "fee_run_id": str(r["run_id"]),
                "kind": r["kind"],
                "basis": r["basis"],
                "amount": r["amount"],
                "value_date": today.isoformat(),
                "due_date": r["due_date"].isoformat(),
                "year_start": r["year_start"].isoformat(),
                "year_end": r["year_end"].isoformat(),
                "payee_id": str(payees[council].counterparty_id),
                "transfer_id": str(r["transfer_id"]),
            },
            related=tuple(i for i in [payees[council].counterparty_id] if i is not None),
        )
        for r in rows
        if r["kind"] == council.value
    ]


async def _do_run(
    session: AsyncSession, actor: Actor, start: date, end: date
) -> tuple[uuid.UUID, bool]:
    await repository.lock_fee_runs(session)
    existing = await repository.fee_run_for(session, start, end)
    if existing is not None:
        return existing.id, True

    orders = _orders_by_client(await repository.deputyships_with_anniversaries(session, start, end))
    done = await repository.charged_already(session, sorted(orders), start, end)
    dues = {
        client_id: [
            d
            for d in rules.fees_due(client_orders, start, end)
            if (client_id, d.kind.value, d.due_date) not in done
        ]
        for client_id, client_orders in orders.items()
    }
    # None after the client's confirmed death (seed 002 B 6.4, B 29.4: the wind-up fee then);
    # nothing for a client recorded deceased whose death is not confirmed (listed, below).
    for_life = await deaths.fee_dues_for_life(session, dues, lambda d: d.due_date)
    dues = {c: d for c, d in for_life.dues.items() if d}
    clients = sorted(dues)
    rates = await fee_rates(session)
    accounts = await ledger_accounts.lock_cms_accounts(session, clients)
    movements: dict[uuid.UUID, dict[date, Pence]] = defaultdict(dict)
    for row in await repository.client_movements(session, clients, end):
        movements[row.client_id][row.value_date] = int(row.net)

    run_id = uuid.uuid4()
    today = clock.today()
    charged: dict[uuid.UUID, list[Charge]] = {}
    exceptions: list[dict[str, Any]] = [
        _not_charged(run_id, client_id, CLIENT_DECEASED, reason)
        for client_id, reason in sorted(for_life.unconfirmed.items())
    ]
    for client_id in clients:
        client_dues = dues[client_id]
        net = rules.net_assets_by_day(movements[client_id], {d.due_date for d in client_dues})
        assessed = rules.assess(client_dues, net, rates)
        if isinstance(assessed, Missing):
            exceptions.append(
                _not_charged(
                    run_id,
                    client_id,
                    POLICY_MISSING,
                    missing_reason(assessed),
                    figure_name=assessed.name,
                    figure_date=assessed.on,
                )
            )
            continue
        if not assessed:
            continue
        wanted = sum(c.amount for c in assessed)
        account = accounts.get(client_id)
        free = ledger_rules.available(account.posted, account.held) if account else 0
        if account is None or free < wanted:
            reason = (
                f"the client's CMS account has {format_money(free)} available, "
                f"{format_money(wanted)} is needed: nothing was charged (R-PAY-3)"
            )
            exceptions.append(
                _not_charged(
                    run_id, client_id, INSUFFICIENT_FUNDS, reason, wanted=wanted, available=free
                )
            )
            continue
        charged[client_id] = assessed

    changes: list[Change] = []
    payees: dict[FeeKind, LedgerAccount] = {}
    for kind in sorted({c.due.kind for cs in charged.values() for c in cs}):
        assert (
            ledger_rules.direction_problem(
                CATEGORY[kind], AccountKind.CLIENT_CMS, AccountKind.COUNTERPARTY
            )
            is None
        )
        payees[kind] = await _payee_account(session, actor, kind, changes)
    transfers: list[dict[str, Any]] = []
    charge_rows: list[dict[str, Any]] = []
    for client_id, client_charges in charged.items():
        for c in client_charges:
            transfer_id = uuid.uuid4()
            transfers.append(
                {
                    "id": transfer_id,
                    "kind": TransferKind.POSTED.value,
                    "from_account_id": accounts[client_id].id,
                    "to_account_id": payees[c.due.kind].id,
                    "amount": c.amount,
                    "pending_id": None,
                    "reverses_id": None,
                    "value_date": today,
                    "category": CATEGORY[c.due.kind].value,
                    "description": describe(c),
                    "reference": f"fee-run:{run_id}",
                    "client_id": client_id,
                    "recorded_by": actor.principal.subject,
                    "reason": None,
                }
            )
            charge_rows.append(
                {
                    "transfer_id": transfer_id,
                    "run_id": run_id,
                    "client_id": client_id,
                    "deputyship_id": c.due.deputyship_id,
                    "kind": c.due.kind.value,
                    "basis": c.basis.value,
                    "due_date": c.due.due_date,
                    "anniversary": c.due.anniversary,
                    "year_start": c.due.year_start,
                    "year_end": c.due.year_end,
                    "amount": c.amount,
                    "net_assets": c.net_assets,
                    "figure_name": c.figure.name,
                    "figure_effective_from": c.figure.effective_from,
                    "figure_value": c.figure.value,
                    "threshold_name": c.threshold.name if c.threshold else None,
                    "threshold_effective_from": c.threshold.effective_from if c.threshold else None,
                    "threshold_value": c.threshold.value if c.threshold else None,
                }
            )
    run = await repository.insert_fee_run(
        session,
        {
            "id": run_id,
            "period_start": start,
            "period_end": end,
            "run_by": actor.principal.subject,
            "charges": len(charge_rows),
            "clients_charged": len(charged),
            "total": sum(r["amount"] for r in charge_rows),
            "clients_refused": sum(
                1 for e in exceptions if e["outcome"] in (POLICY_MISSING, CLIENT_DECEASED)
            ),
            "clients_short": sum(1 for e in exceptions if e["outcome"] == INSUFFICIENT_FUNDS),
        },
    )
    inserted = await ledger_transfers.post_many(session, transfers)
    await repository.insert_charges(session, charge_rows)
    await repository.insert_exceptions(session, exceptions)
    await events.tell(session, actor, _fees_charged(charge_rows, payees, today), [Recipient.SAP])

    totals = {
        "period_start": start,
        "period_end": end,
        "charges": run.charges,
        "clients_charged": run.clients_charged,
        "total": run.total,
        "clients_refused": run.clients_refused,
        "clients_short": run.clients_short,
    }
    changes.append(Change("fee_run", run.id, "charge", after=totals))
    changes += [
        Change(
            "transfer",
            row["transfer_id"],
            "charge_fee",
            after=_charge_audited(row, inserted[row["transfer_id"]], today),
            client_id=row["client_id"],
        )
        for row in charge_rows
    ]
    changes += [
        Change(
            "fee_run",
            run.id,
            "not_charged",
            after={k: v for k, v in e.items() if k != "client_id"},
            reason=e["reason"],
            client_id=e["client_id"],
        )
        for e in exceptions
    ]
    await audit.record_many(session, actor, changes)
    return run.id, False


async def run_fees(
    session: AsyncSession,
    actor: Actor,
    period_start: date,
    period_end: date,
    *,
    idempotency_key: str,
) -> FeeRunOutcome:
    """Charge every deputy client the fees due in the period (R-FEE). Once per period, and once
    per idempotency key (a repeat replays the first answer)."""
    problems = rules.validate_period(period_start, period_end, clock.today())
    if problems:
        raise ValidationFailed(problems)

    async def work() -> tuple[uuid.UUID, bool, bool]:
        return (*await _do_run(session, actor, period_start, period_end), False)

    async def replay(result: dict[str, Any]) -> tuple[uuid.UUID, bool, bool]:
        return uuid.UUID(str(result["run_id"])), bool(result["already_run"]), True

    run_id, already, replayed = await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "runFees",
        {"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
        work,
        remember=lambda r: {"run_id": str(r[0]), "already_run": r[1]},
        replay=replay,
    )
    record = await get_fee_run(session, run_id)
    assert record is not None
    return FeeRunOutcome(record=record, already_run=already, replayed=replayed or already)


async def get_fee_run(session: AsyncSession, run_id: uuid.UUID) -> FeeRunRecord | None:
    run = await repository.get_fee_run(session, run_id)
    if run is None:
        return None
    return FeeRunRecord(
        run=run,
        charges=await repository.charges_of_runs(session, [run_id]),
        exceptions=await repository.exceptions_of_runs(session, [run_id]),
    )


async def list_fee_runs(
    session: AsyncSession, *, seek: Seek[tuple[date, uuid.UUID]]
) -> Sequence[FeeRun]:
    return await repository.list_fee_runs(session, seek=seek)


async def fee_runs_by_id(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FeeRun]:
    """The fee runs with these ids, by id, in one query (node(id:) and a charge's run)."""
    if not run_ids:
        return {}
    return {r.id: r for r in await repository.fee_runs_by_id(session, run_ids)}


async def charges_by_id(
    session: AsyncSession, charge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, FeeCharge]:
    """The fee charges with these ids (their ledger transfers'), by id, in one query."""
    if not charge_ids:
        return {}
    return {c.transfer_id: c for c in await repository.charges_by_id(session, charge_ids)}


R = TypeVar("R", FeeCharge, FeeRunException)


def _by_run(rows: Sequence[R]) -> dict[uuid.UUID, list[R]]:
    return group_by(rows, lambda row: row.run_id)


async def charges_of_runs(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FeeCharge]]:
    """Each run's charges (a run that charged none is left out)."""
    return _by_run(await repository.charges_of_runs(session, run_ids))


async def exceptions_of_runs(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[FeeRunException]]:
    """Each run's clients not charged (a run that left none out is left out)."""
    return _by_run(await repository.exceptions_of_runs(session, run_ids))


async def charges_of_client(
    session: AsyncSession,
    client_id: uuid.UUID,
    *,
    seek: Seek[repository.ChargeKey],
) -> Sequence[FeeCharge]:
    return await repository.charges_of_client(session, client_id, seek=seek)

"""The weekly run of personal allowance and weekly cash (``run_week``; issue 14 item 9, seed 002
B 22-23; R-PAY-3, R-PAY-6, B 29): one transaction with its audit rows (R-AUD-1), once per
idempotency key.

It pays every schedule in force for the week in one transaction and a few statements whatever
the caseload: what is due in one SELECT, the death dates in one, the CMS accounts locked in one,
then the transfers, the payments and the audit rows each in one INSERT. Once per client, kind
and week (a unique index): a second run for the same week finds nothing due and writes nothing.
Nothing is paid after the client's confirmed death (standing payments stop,
``deaths.rules.spending_problem``), nor for a closed case; a client short of funds is not paid
(R-PAY-3) and is picked up by a later run of the same week.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.allowances import repository, rules
from ca_api.allowances.rules import AllowanceKind, NotPaid
from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.clients.rules import ClientStatus, Situation
from ca_api.common import idempotency
from ca_api.deaths import reads as death_reads
from ca_api.errors import ValidationFailed
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger
from ca_api.ledger import rules as ledger_rules
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import Category, TransferKind
from ca_api.money import Pence, format_money

CATEGORY = Category.OUT_PERSONAL_ALLOWANCE  # R-OPG-1's money-out category, for both kinds
DESCRIPTION = {
    AllowanceKind.PERSONAL_ALLOWANCE: "Personal allowance",
    AllowanceKind.WEEKLY_CASH: "Weekly cash",
}


@dataclass(frozen=True)
class Unpaid:
    schedule_id: uuid.UUID
    client_id: uuid.UUID
    kind: AllowanceKind
    amount: Pence
    code: NotPaid
    reason: str


@dataclass(frozen=True)
class RunOutcome:
    week_starting: date
    paid: int  # paid by this run
    total: Pence
    paid_before: int  # paid for the week by earlier runs (a second run: all of them)
    not_paid: Sequence[Unpaid] = field(default_factory=list)
    run_id: uuid.UUID | None = None  # None: nothing was paid, nothing written
    replayed: bool = False


def _unpaid(row: Any, code: NotPaid, reason: str) -> Unpaid:
    return Unpaid(
        row.schedule_id, row.client_id, AllowanceKind(row.kind), int(row.amount), code, reason
    )


async def _run(session: AsyncSession, actor: Actor, week: date) -> RunOutcome:
    await repository.lock_runs(session)
    rows = await repository.due(session, week)
    client_ids = sorted({r.client_id for r in rows})
    died = await death_reads.confirmed_death_dates(session, client_ids)
    accounts = await ledger_accounts.lock_cms_accounts(session, client_ids)
    free = {c: ledger_rules.available(a.posted, a.held) for c, a in accounts.items()}
    paying: list[Any] = []
    unpaid: list[Unpaid] = []
    for r in rows:  # by client, PERSONAL_ALLOWANCE before WEEKLY_CASH
        due = rules.Due(
            r.schedule_id,
            r.client_id,
            AllowanceKind(r.kind),
            int(r.amount),
            r.payee_kind,
            ClientStatus(r.status),
            Situation(r.situation),
            died.get(r.client_id),
        )
        if (why := rules.not_paid(due)) is not None:
            unpaid.append(_unpaid(r, *why))
            continue
        available = free.get(r.client_id, 0)
        if r.client_id not in accounts or available < due.amount:
            unpaid.append(
                _unpaid(
                    r,
                    NotPaid.INSUFFICIENT_FUNDS,
                    f"the client's CMS account has {format_money(available)} available, "
                    f"{format_money(due.amount)} is needed: not paid (R-PAY-3)",
                )
            )
            continue
        free[r.client_id] = available - due.amount
        paying.append(r)
    paid_before = await repository.paid_count(session, week)
    if not paying:
        return RunOutcome(week, 0, 0, paid_before, unpaid)

    # The payee's account is made when the schedule is recorded; one made some other way is
    # opened here, once (``ledger.counterparty_account``).
    payee_accounts = {
        r.schedule_id: r.payee_account_id
        if r.payee_account_id is not None
        else (await ledger.counterparty_account(session, r.payee_id)).id
        for r in paying
    }
    run_id = uuid.uuid4()
    today = clock.today()
    transfers: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    for r in paying:
        transfer_id = uuid.uuid4()
        kind = AllowanceKind(r.kind)
        transfers.append(
            {
                "id": transfer_id,
                "kind": TransferKind.POSTED.value,
                "from_account_id": accounts[r.client_id].id,
                "to_account_id": payee_accounts[r.schedule_id],
                "amount": int(r.amount),
                "pending_id": None,
                "reverses_id": None,
                "value_date": today,
                "category": CATEGORY.value,
                "description": f"{DESCRIPTION[kind]}, week starting {week.isoformat()}",
                "reference": f"allowance-run:{run_id}",
                "client_id": r.client_id,
                "recorded_by": actor.principal.subject,
                "reason": None,
            }
        )
        payments.append(
            {
                "id": uuid.uuid4(),
                "run_id": run_id,
                "schedule_id": r.schedule_id,
                "client_id": r.client_id,
                "kind": kind.value,
                "week_starting": week,
                "amount": int(r.amount),
                "transfer_id": transfer_id,
            }
        )
    total = sum(p["amount"] for p in payments)
    await repository.insert_run(
        session,
        {
            "id": run_id,
            "week_starting": week,
            "payments": len(payments),
            "total": total,
            "run_by": actor.principal.subject,
        },
    )
    await ledger_transfers.post_many(session, transfers)
    await repository.insert_payments(session, payments)
    changes = [
        Change(
            "allowance_run",
            run_id,
            "pay",
            after={
                "week_starting": week.isoformat(),
                "payments": len(payments),
                "total": total,
                "not_paid": [
                    {"client_id": str(u.client_id), "kind": u.kind.value, "code": u.code.value}
                    for u in unpaid
                ],
            },
        )
    ]
    changes += [
        Change(
            "allowance_payment",
            p["id"],
            "pay",
            after={
                "kind": p["kind"],
                "week_starting": week.isoformat(),
                "amount": p["amount"],
                "schedule_id": str(p["schedule_id"]),
                "transfer_id": str(p["transfer_id"]),
            },
            client_id=p["client_id"],
        )
        for p in payments
    ]
    await audit.record_many(session, actor, changes)
    return RunOutcome(week, len(payments), total, paid_before, unpaid, run_id)


def _remember(o: RunOutcome) -> dict[str, Any]:
    return {
        "week_starting": o.week_starting.isoformat(),
        "paid": o.paid,
        "total": o.total,
        "paid_before": o.paid_before,
        "run_id": str(o.run_id) if o.run_id else None,
        "not_paid": [
            {
                "schedule_id": str(u.schedule_id),
                "client_id": str(u.client_id),
                "kind": u.kind.value,
                "amount": u.amount,
                "code": u.code.value,
                "reason": u.reason,
            }
            for u in o.not_paid
        ],
    }


async def _replay(stored: dict[str, Any]) -> RunOutcome:
    return RunOutcome(
        date.fromisoformat(stored["week_starting"]),
        int(stored["paid"]),
        int(stored["total"]),
        int(stored["paid_before"]),
        [
            Unpaid(
                uuid.UUID(u["schedule_id"]),
                uuid.UUID(u["client_id"]),
                AllowanceKind(u["kind"]),
                int(u["amount"]),
                NotPaid(u["code"]),
                u["reason"],
            )
            for u in stored["not_paid"]
        ],
        uuid.UUID(stored["run_id"]) if stored["run_id"] else None,
        replayed=True,
    )


async def run_week(
    session: AsyncSession, actor: Actor, week_starting: date, *, idempotency_key: str
) -> RunOutcome:
    """Pay every schedule in force for the week not yet paid for it, in one transaction (seed
    002 B 22-23); once per client, kind and week, and once per idempotency key."""
    if (problem := rules.week_problem(week_starting)) is not None:
        raise ValidationFailed({"week_starting": problem})
    if week_starting > clock.today():
        raise ValidationFailed({"week_starting": "is in the future: a week is paid once begun"})

    async def work() -> RunOutcome:
        return await _run(session, actor, week_starting)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "runWeeklyAllowances",
        {"week_starting": week_starting.isoformat()},
        work,
        remember=_remember,
        replay=_replay,
    )

"""Use cases for money in: a receipt (R-ACC-4, R-ACC-6), the four-weekly benefits run (R-ACC-6)
and interest on CMS accounts (R-ACC-1). Each is one transaction: the ledger transfers, the
receipt or run rows and the audit rows (R-AUD-1) commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.ids import node_id
from ca_api.common.keyset import Seek
from ca_api.deaths import reads as deaths
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.ledger import accounts as ledger
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import interest_runs
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger import rules as ledger_rules
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.interest_runs import InterestOutcome, InterestScheme
from ca_api.ledger.models import Counterparty, LedgerAccount, Transfer
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind, TransferKind
from ca_api.money import Pence
from ca_api.overpayments import holding as overpayment_holding
from ca_api.receipts import repository, rules
from ca_api.receipts.models import InterestRun, Receipt
from ca_api.receipts.rules import ReceiptDraft, RunLine

RECEIPT = "receipt"
BANK_NAME = "Client Monies Service bank"  # the counterparty interest comes from (R-ACC-1)
MAX_LISTED_PROBLEMS = 50  # a run with many bad lines names the first ones


@dataclass(frozen=True)
class ReceiptRecord:
    receipt: Receipt
    transfer: Transfer
    payer: Counterparty
    reversed: bool  # the transfer was corrected by a reversal (R-AUD-2)
    replayed: bool = False  # a repeat of an idempotency key: nothing new was recorded

    @property
    def banked_same_day(self) -> bool:
        return rules.banked_same_day(self.receipt.received_on, self.receipt.banked_on)


def _record(row: Any) -> ReceiptRecord:
    return ReceiptRecord(receipt=row[0], transfer=row[1], payer=row[2], reversed=bool(row[3]))


# --- Shared by a receipt and a run -----------------------------------------------------------


def _receipt_row(transfer_id: uuid.UUID, client_id: uuid.UUID, **values: Any) -> dict[str, Any]:
    return {"transfer_id": transfer_id, "client_id": client_id, **values}


# The days of a receipt row: written to the audit trail as ISO dates (``audit.jsonable``'s
# form), given so already, so a run's thousand rows pass ``jsonable`` by its fast path.
_DAYS = ("received_on", "banked_on", "period_start", "period_end")


def _audit_after(values: dict[str, Any], transfer: Transfer, payer: Counterparty) -> dict[str, Any]:
    after = {k: v for k, v in values.items() if k not in ("transfer_id", "client_id")}
    for day in _DAYS:
        if after.get(day) is not None:
            after[day] = after[day].isoformat()
    return after | {
        "amount": transfer.amount,
        "value_date": transfer.value_date.isoformat(),
        "category": transfer.category,
        "payer_id": str(payer.id),
        "payer": payer.name,
        "to_account_id": str(transfer.to_account_id),
        "balance_after": transfer.to_balance_after,
    }


# --- One receipt ------------------------------------------------------------------------------


async def record_receipt(
    session: AsyncSession, actor: Actor, draft: ReceiptDraft, *, idempotency_key: str
) -> ReceiptRecord:
    """Money into a client's CMS account from a counterparty: one transfer, one receipt row,
    one audit row, once per idempotency key."""
    problems = rules.validate_receipt(draft, clock.today())
    if problems:
        raise ValidationFailed(problems)
    facts = rules.facts(draft)

    async def work() -> uuid.UUID:
        statuses = await clients.statuses_held(session, [draft.client_id])
        if draft.client_id not in statuses:
            raise RecordNotFound("client", str(draft.client_id))
        if (problem := rules.client_problem(statuses[draft.client_id])) is not None:
            raise ValidationFailed({"client_id": problem})
        payer = await ledger_reads.counterparty(session, draft.payer_id)
        if payer is None:
            raise RecordNotFound("counterparty", str(draft.payer_id))
        if (
            problem := rules.payer_problem(draft.benefit, CounterpartyKind(payer.kind))
        ) is not None:
            raise ValidationFailed({"payer_id": problem})
        number = facts.receipt_number
        if number is not None and await repository.receipt_number_used(session, number):
            raise ValidationFailed({"receipt_number": f"{number} is on another receipt already"})
        source = await ledger_counterparties.counterparty_account(session, payer.id)
        target = await ledger.client_account(session, draft.client_id, AccountKind.CLIENT_CMS)
        transfer = await ledger_transfers.post(
            session,
            actor,
            ledger_transfers.Movement(
                from_account_id=source.id,
                to_account_id=target.id,
                amount=draft.amount,
                value_date=draft.value_date,
                category=facts.category,
                description=facts.description,
                reference=facts.reference,
            ),
        )
        values = {
            "method": draft.method.value,
            "benefit": draft.benefit.value if draft.benefit else None,
            "received_on": facts.received_on,
            "banked_on": facts.banked_on,
            "receipt_number": number,
            "period_start": draft.period_start,
            "period_end": draft.period_end,
        }
        try:
            async with session.begin_nested():
                await repository.insert_receipts(
                    session, [_receipt_row(transfer.id, draft.client_id, **values)]
                )
        except IntegrityError as exc:  # a concurrent receipt took the number first
            if "uq_receipt_number" in str(exc.orig):
                raise ValidationFailed(
                    {"receipt_number": f"{number} is on another receipt already"}
                ) from exc
            raise
        after = _audit_after(values, transfer, payer)
        await audit.record(
            session, actor, RECEIPT, transfer.id, "record", after=after, client_id=draft.client_id
        )
        # A benefit for a client whose death is confirmed is held back at once (R-DEATH-2).
        await overpayment_holding.flag_receipts(session, actor, [transfer.id])
        return transfer.id

    replayed = False

    async def replay(result: dict[str, Any]) -> uuid.UUID:
        nonlocal replayed
        replayed = True
        return uuid.UUID(str(result["transfer_id"]))

    transfer_id = await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "recordReceipt",
        audit.jsonable(draft),
        work,
        remember=lambda tid: {"transfer_id": str(tid)},
        replay=replay,
    )
    found = await get_receipt(session, transfer_id)
    assert found is not None
    return replace(found, replayed=replayed)


async def get_receipt(session: AsyncSession, transfer_id: uuid.UUID) -> ReceiptRecord | None:
    row = await repository.get_receipt(session, transfer_id)
    return _record(row) if row is not None else None


async def receipts_by_id(
    session: AsyncSession, principal: Principal, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ReceiptRecord]:
    """The receipts with these ids, by id, in one query: one of a client the principal may not
    read (row scoping, as ``receipts(clientId:)``) is absent."""
    found = await receipts_of(session, transfer_ids)
    return await ledger_reads.scoped(session, principal, found, lambda r: r.receipt.client_id)


async def receipts_of(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ReceiptRecord]:
    """The receipts with these ids, by id, unscoped: for a use case that checked its caller."""
    return {
        r[0].transfer_id: _record(r) for r in await repository.receipts_by_id(session, transfer_ids)
    }


async def interest_runs_by_id(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InterestRun]:
    return await interest_runs.runs_by_id(session, CMS_INTEREST, run_ids)


async def list_receipts(
    session: AsyncSession,
    flt: repository.ReceiptFilter,
    *,
    seek: Seek[tuple[date, int]],
) -> list[ReceiptRecord]:
    rows = await repository.list_receipts(session, flt, seek=seek)
    return [_record(r) for r in rows]


# --- The benefits run -------------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitRunSummary:
    count: int
    total: Pence
    clients: int
    value_date: date
    replayed: bool = False  # a repeat of an idempotency key: nothing new was recorded


def _money_in_problem(category: Category) -> str | None:
    return ledger_rules.direction_problem(
        category, AccountKind.COUNTERPARTY, AccountKind.CLIENT_CMS
    )


def _line_key(ln: RunLine) -> list[str | int]:
    """A line as the idempotency key's request hash sees it."""
    return [
        str(ln.client_id),
        str(ln.payer_id),
        ln.benefit.value,
        ln.amount,
        ln.period_start.isoformat(),
        ln.period_end.isoformat(),
    ]


async def record_benefit_run(
    session: AsyncSession,
    actor: Actor,
    lines: Sequence[RunLine],
    value_date: date,
    *,
    idempotency_key: str,
) -> BenefitRunSummary:
    """The four-weekly DWP benefits run (R-ACC-6): one receipt per line, each benefit recorded
    separately against its client, all lines in one transaction (all or nothing), once per key.

    The SQL is set-based: the number of statements does not grow with the number of lines.
    One audit row per line (each receipt is a financial transaction of its own, R-AUD-1), in
    its client's chain, written in one statement."""
    problems = rules.validate_run(lines, value_date, clock.today())
    if problems:
        raise ValidationFailed(problems)

    async def work() -> BenefitRunSummary:
        await post_benefit_lines(session, actor, lines, value_date, run=idempotency_key)
        return BenefitRunSummary(
            count=len(lines),
            total=sum(ln.amount for ln in lines),
            clients=len({ln.client_id for ln in lines}),
            value_date=value_date,
        )

    async def replay(result: dict[str, Any]) -> BenefitRunSummary:
        return BenefitRunSummary(
            count=int(result["count"]),
            total=int(result["total"]),
            clients=int(result["clients"]),
            value_date=date.fromisoformat(str(result["value_date"])),
            replayed=True,
        )

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "recordBenefitRun",
        {"value_date": value_date.isoformat(), "lines": [_line_key(ln) for ln in lines]},
        work,
        remember=lambda s: audit.jsonable(s),
        replay=replay,
    )


async def _line_problems(
    session: AsyncSession, lines: Sequence[RunLine]
) -> tuple[dict[int, dict[str, str]], dict[uuid.UUID, Counterparty]]:
    """``benefit_line_problems``, with the payers it read (by id)."""
    statuses = await clients.statuses_held(session, [ln.client_id for ln in lines])
    payers = await ledger_reads.counterparties_by_id(session, [ln.payer_id for ln in lines])
    bad: dict[int, dict[str, str]] = {}
    for i, ln in enumerate(lines):
        problems: dict[str, str] = {}
        if ln.client_id not in statuses:
            problems["client_id"] = "no such client"
        elif (problem := rules.client_problem(statuses[ln.client_id])) is not None:
            problems["client_id"] = problem
        payer = payers.get(ln.payer_id)
        if payer is None:
            problems["payer_id"] = "no such counterparty"
        elif (p := rules.payer_problem(ln.benefit, CounterpartyKind(payer.kind))) is not None:
            problems["payer_id"] = p
        if problems:
            bad[i] = problems
    return bad, payers


async def benefit_line_problems(
    session: AsyncSession, lines: Sequence[RunLine]
) -> dict[int, dict[str, str]]:
    """What the database says against each line of a run (by line index, then field): the
    client must exist and be one the council acts for (R-REF), the payer a counterparty that
    pays benefits (the DWP or the council). Takes the clients' KEY SHARE locks."""
    return (await _line_problems(session, lines))[0]


def already_recorded(receipt_id: uuid.UUID) -> str:
    """Why a line is refused whose benefit and period its client has a receipt of (R-ACC-6):
    the same words at every door."""
    return (
        f"receipt {node_id('Receipt', receipt_id)} already records this benefit for this client "
        "and period"
    )


async def benefits_already_recorded(
    session: AsyncSession, lines: Sequence[RunLine]
) -> dict[int, uuid.UUID]:
    """The lines (by index) whose client already has a receipt, not reversed, of the same
    benefit for the same period (R-ACC-6: each benefit recorded once per period): the
    receipt's transfer id."""
    keys = [(ln.client_id, ln.benefit.value, ln.period_start, ln.period_end) for ln in lines]
    found = await repository.benefits_recorded(session, keys)
    return {i: found[k] for i, k in enumerate(keys) if k in found}


async def lock_benefit_targets(session: AsyncSession, client_ids: Sequence[uuid.UUID]) -> None:
    """Lock (making any missing) these clients' CMS accounts in id order, before posting
    several runs in one transaction: each run's own locks then take nothing new, so two
    transactions posting to the same clients cannot lock them in opposite orders."""
    await ledger.lock_cms_accounts(session, client_ids, open_missing=True)


def _refusal(bad: dict[int, dict[str, str]]) -> ValidationFailed:
    """Every line's problems as one refusal (``lines.3.client_id``), the first ones when many."""
    listed: dict[str, str] = {}
    for i, problems in sorted(bad.items()):
        listed |= {f"lines.{i}.{k}": v for k, v in problems.items()}
        if len(listed) >= MAX_LISTED_PROBLEMS:
            listed["lines"] = f"more problems after line {i}: the first {len(listed)} are listed"
            break
    return ValidationFailed(listed)


async def post_benefit_lines(
    session: AsyncSession,
    actor: Actor,
    lines: Sequence[RunLine],
    value_date: date,
    *,
    run: str,
) -> list[uuid.UUID]:
    """The one way benefit receipts are posted (R-ACC-6), inside the caller's transaction and
    idempotency (recordBenefitRun's key, or an integration's batch): one receipt per line, each
    benefit recorded separately against its client, all lines or none. The lines have passed
    ``rules.validate_run``'s line rules; the database's are checked here and a problem refuses
    every line (ValidationFailed): the client and the payer (``benefit_line_problems``), then,
    under the clients' CMS account locks (so a concurrent run of the same lines waits and then
    sees the first one's receipts), a benefit and period the client already has a receipt of
    (``benefits_already_recorded``, recorded by any door and not reversed). Returns the
    receipts' transfer ids in line order. ``run`` names the run in each receipt's audit row.

    The SQL is set-based: the number of statements does not grow with the number of lines.
    One audit row per line (each receipt is a financial transaction of its own, R-AUD-1), in
    its client's chain, written in one statement."""
    bad, payers = await _line_problems(session, lines)
    if bad:
        raise _refusal(bad)
    for category in {rules.category_of(None, ln.benefit) for ln in lines}:
        assert category is not None and _money_in_problem(category) is None
    sources: dict[uuid.UUID, LedgerAccount] = {}
    for payer_id in sorted(payers):  # a run has one or two payers
        sources[payer_id] = await ledger_counterparties.counterparty_account(session, payer_id)
    client_ids = sorted({ln.client_id for ln in lines})
    targets = await ledger.lock_cms_accounts(session, client_ids, open_missing=True)
    recorded = await benefits_already_recorded(session, lines)
    if recorded:
        raise _refusal({i: {"benefit": already_recorded(r)} for i, r in recorded.items()})
    recorded_by = actor.principal.subject
    posted = TransferKind.POSTED.value
    method = rules.ReceiptMethod.BANK_TRANSFER.value
    transfers: list[dict[str, Any]] = []
    receipts: list[dict[str, Any]] = []
    for ln in lines:
        transfer_id = uuid.uuid4()
        transfers.append(
            {
                "id": transfer_id,
                "kind": posted,
                "from_account_id": sources[ln.payer_id].id,
                "to_account_id": targets[ln.client_id].id,
                "amount": ln.amount,
                "pending_id": None,
                "reverses_id": None,
                "value_date": value_date,
                "category": ledger_rules.category_for_benefit(ln.benefit).value,
                "description": rules.benefit_description(
                    ln.benefit, ln.period_start, ln.period_end
                ),
                "reference": ln.reference,
                "client_id": ln.client_id,
                "recorded_by": recorded_by,
                "reason": None,
            }
        )
        receipts.append(
            _receipt_row(
                transfer_id,
                ln.client_id,
                method=method,
                benefit=ln.benefit.value,
                received_on=value_date,
                banked_on=value_date,
                receipt_number=None,
                period_start=ln.period_start,
                period_end=ln.period_end,
            )
        )
    inserted = await ledger_transfers.post_many(session, transfers)
    await repository.insert_receipts(session, receipts)
    await audit.record_many(
        session,
        actor,
        [
            Change(
                entity_type=RECEIPT,
                entity_id=r["transfer_id"],
                action="record",
                after={
                    **_audit_after(r, inserted[r["transfer_id"]], payers[ln.payer_id]),
                    "benefit_run": run,
                },
                client_id=ln.client_id,
            )
            for r, ln in zip(receipts, lines, strict=True)
        ],
    )
    # Lines for a client whose death is confirmed are held back at once (R-DEATH-2): only those
    # are read back to be flagged.
    died = await deaths.confirmed_death_dates(session, client_ids)
    if died:
        await overpayment_holding.flag_receipts(
            session,
            actor,
            [r["transfer_id"] for r in receipts if r["client_id"] in died],
        )
    return [r["transfer_id"] for r in receipts]


# --- Interest on CMS accounts (R-ACC-1) -------------------------------------------------------

CMS_INTEREST = InterestScheme(
    table=InterestRun,
    name="interest_run",
    credit_action="credit_interest",
    account_kind=AccountKind.CLIENT_CMS,
    rate=rules.INTEREST_RATE,
    payer_kind=CounterpartyKind.BANK,
    payer_name=BANK_NAME,
    payer_why="needed to credit interest on CMS accounts (R-ACC-1)",
    narrative="Interest",
    operation="postInterest",
)


async def post_interest(
    session: AsyncSession, actor: Actor, period_start: date, period_end: date
) -> InterestOutcome[InterestRun]:
    """Credit every CMS account with its interest for the period (R-ACC-1): one transfer per
    account whose interest is a penny or more, from the bank, category IN_INTEREST. One run per
    period: running a period again returns the first run and does nothing."""
    return await interest_runs.post_interest(session, actor, CMS_INTEREST, period_start, period_end)

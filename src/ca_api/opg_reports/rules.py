"""Pure rules of the OPG annual report (issue 15; R-OPG, R-OPG-1, R-OPG-2). No I/O.

- Periods: the first starts on the deputyship's order date, each next one the day after the
  last one ended; a period ends one year less a day after it starts (a 29 February start's
  anniversary is 1 March, so it ends on 28 February); the report is due on the 56th day after
  the period's end.
- Type: assets at the period's end at or above the threshold in force -> 102, below -> 103; the
  -4 variants where the client also has a health and welfare order.
- Money: the ledger's entries touching the client's accounts, aggregated per account and per
  category, so that per account and in total opening + in - out = closing (R-OPG-2).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from ca_api.fees.rules import anniversary
from ca_api.money import Pence, format_money

DUE_AFTER_DAYS = 56
THRESHOLD_FIGURE = "opg_report_higher_assets_threshold"
OWN_ACCOUNTS = "TRANSFER_BETWEEN_OWN_ACCOUNTS"
SCHEMA_VERSION = 1


class OpgReportType(enum.StrEnum):
    """The OPG's report forms: 102 higher assets, 103 lower; -4 with health and welfare."""

    TYPE_102_6 = "102-6"
    TYPE_103_6 = "103-6"
    TYPE_102_4_6 = "102-4-6"
    TYPE_103_4_6 = "103-4-6"

    @property
    def code(self) -> str:
        return self.value


class OpgReportStatus(enum.StrEnum):
    OPEN = "OPEN"
    PREPARED = "PREPARED"
    APPROVED = "APPROVED"
    SUBMITTED = "SUBMITTED"


class OpgReportDueState(enum.StrEnum):
    NOT_DUE = "NOT_DUE"
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    SUBMITTED = "SUBMITTED"


class OpgReportEventKind(enum.StrEnum):
    PREPARED = "PREPARED"
    APPROVED = "APPROVED"
    RETURNED = "RETURNED"
    SUBMITTED = "SUBMITTED"
    CORRECTED = "CORRECTED"


class OpgFreeTextSection(enum.StrEnum):
    CLIENT_WISHES_AND_INVOLVEMENT = "CLIENT_WISHES_AND_INVOLVEMENT"
    CARE_AND_WELLBEING = "CARE_AND_WELLBEING"
    DECISIONS_SUMMARY = "DECISIONS_SUMMARY"
    ACTIONS_NEXT_YEAR = "ACTIONS_NEXT_YEAR"
    ANYTHING_ELSE = "ANYTHING_ELSE"


# --- periods and due dates ----------------------------------------------------------------


def period_end(start: date) -> date:
    """One year less a day (29 Feb 2024 -> 28 Feb 2025; 1 Mar 2023 -> 29 Feb 2024)."""
    return anniversary(start, 1) - timedelta(days=1)  # the fee rules' one anniversary


def next_period_start(last_end: date) -> date:
    return last_end + timedelta(days=1)


def due_on(end: date) -> date:
    """The 56th day after the period's end (R-OPG)."""
    return end + timedelta(days=DUE_AFTER_DAYS)


def next_start(first_order_date: date, last_end: date | None) -> date:
    """The next period's first day: the day after the last report's, else the earliest date
    of an order ever in force (R-OPG)."""
    return next_period_start(last_end) if last_end else first_order_date


@dataclass(frozen=True)
class LatestReport:
    """A client's latest report (by period) as the next report reads it."""

    period_start: date
    period_end: date
    due_on: date
    submitted: bool  # its status is SUBMITTED (its last event is the submission)


@dataclass(frozen=True)
class NextReport:
    period_start: date
    period_end: date
    due_on: date
    opened: bool  # the latest report, opened and not submitted yet


def next_report(first_start: date | None, latest: LatestReport | None) -> NextReport | None:
    """A deputy client's next report (R-OPG): their latest report while it is not submitted;
    else the period after it, or the first period from ``first_start`` (the earliest day a
    deputyship of theirs was in force) when there is none; None when no deputyship of theirs
    was ever in force. Migration 0054's ``opg_report_next_derived`` says the same in SQL (the
    kept list's rows; tests/test_opg_reports_due_kept.py holds them equal)."""
    if latest is not None and not latest.submitted:
        return NextReport(latest.period_start, latest.period_end, latest.due_on, opened=True)
    if first_start is None:
        return None
    start = next_start(first_start, latest.period_end if latest else None)
    end = period_end(start)
    return NextReport(start, end, due_on(end), opened=False)


def due_state(end: date, due: date, today: date, *, submitted: bool) -> OpgReportDueState:
    if submitted:
        return OpgReportDueState.SUBMITTED
    if today <= end:
        return OpgReportDueState.NOT_DUE
    if today <= due:
        return OpgReportDueState.DUE
    return OpgReportDueState.OVERDUE


def report_type(assets: Pence, threshold: Pence, *, health_and_welfare: bool) -> OpgReportType:
    """At or above the threshold -> 102 (higher assets); below -> 103 (R-OPG)."""
    higher = assets >= threshold
    if health_and_welfare:
        return OpgReportType.TYPE_102_4_6 if higher else OpgReportType.TYPE_103_4_6
    return OpgReportType.TYPE_102_6 if higher else OpgReportType.TYPE_103_6


# --- the money -----------------------------------------------------------------------------


class OpgCategoryLike(Protocol):
    """What the report reads of the OPG's category (``ledger.opg_categories.OpgCategory``)."""

    @property
    def id(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def section(self) -> str: ...


Classify = Callable[[str, str | None], OpgCategoryLike | None]


@dataclass(frozen=True)
class EntryFact:
    """One ledger entry (a transfer that moved money) touching the client's accounts."""

    transfer_id: uuid.UUID
    value_date: date
    amount: Pence  # > 0
    category: str
    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    description: str = ""
    benefit: str | None = None


@dataclass(frozen=True)
class AccountFact:
    id: uuid.UUID
    kind: str
    name: str
    opening: Pence


def direction(category: str) -> str:
    """ "in" or "out" by the category's name (IN_..., OUT_...); "own" for own accounts."""
    if category.startswith("IN_"):
        return "in"
    if category.startswith("OUT_"):
        return "out"
    return "own"


def _entry_json(e: EntryFact, amount: Pence, account: uuid.UUID) -> dict[str, Any]:
    return {
        "transferId": str(e.transfer_id),
        "valueDate": e.value_date.isoformat(),
        "amount": amount,
        "description": e.description,
        "accountId": str(account),
    }


@dataclass
class _Line:
    opening: Pence = 0
    money_in: Pence = 0
    money_out: Pence = 0
    transfers_in: Pence = 0
    transfers_out: Pence = 0

    @property
    def closing(self) -> Pence:
        return (
            self.opening + self.money_in - self.money_out + self.transfers_in - self.transfers_out
        )


@dataclass
class _CategoryTotal:
    category: str
    benefit: str | None
    amount: Pence = 0
    entries: list[dict[str, Any]] = field(default_factory=list)


def aggregate_money(
    accounts: Sequence[AccountFact], entries: Iterable[EntryFact], classify: Classify
) -> dict[str, Any]:
    """The money part of the report document (R-OPG-1, R-OPG-2).

    Signs: an entry moving money into a client account from outside is money in under an IN_
    category; under an OUT_ category it is a reversal or refund and reduces money out. An entry
    moving money out of a client account under an OUT_ category is money out; under an IN_
    category (a receipt reversed) it reduces money in. An entry between two of the client's own
    accounts (whatever its category) is a transfer: transfers out of one, in to the other, and
    nets to zero in the totals. TRANSFER_BETWEEN_OWN_ACCOUNTS touching one client account only
    counts as money in or out by its direction.
    """
    lines = {a.id: _Line(opening=a.opening) for a in accounts}
    money_in: dict[tuple[str, str | None], _CategoryTotal] = {}
    money_out: dict[tuple[str, str | None], _CategoryTotal] = {}
    own: list[dict[str, Any]] = []
    included: list[str] = []

    def add(
        book: dict[tuple[str, str | None], _CategoryTotal],
        e: EntryFact,
        signed: Pence,
        account: uuid.UUID,
    ) -> None:
        benefit = e.benefit if e.category == "IN_BENEFITS" else None
        total = book.setdefault((e.category, benefit), _CategoryTotal(e.category, benefit))
        total.amount += signed
        total.entries.append(_entry_json(e, signed, account))

    for e in sorted(entries, key=lambda x: (x.value_date, str(x.transfer_id))):
        into, out_of = e.to_account_id in lines, e.from_account_id in lines
        if not (into or out_of):
            continue
        included.append(str(e.transfer_id))
        if into and out_of:
            lines[e.from_account_id].transfers_out += e.amount
            lines[e.to_account_id].transfers_in += e.amount
            own.append(
                {
                    "transferId": str(e.transfer_id),
                    "valueDate": e.value_date.isoformat(),
                    "fromAccountId": str(e.from_account_id),
                    "toAccountId": str(e.to_account_id),
                    "amount": e.amount,
                    "description": e.description,
                }
            )
            continue
        way = direction(e.category)
        if way == "own":  # one-sided: money in or out by its direction
            way = "in" if into else "out"
        account = e.to_account_id if into else e.from_account_id
        line = lines[account]
        if way == "in":
            signed = e.amount if into else -e.amount
            line.money_in += signed
            add(money_in, e, signed, account)
        else:
            signed = e.amount if out_of else -e.amount
            line.money_out += signed
            add(money_out, e, signed, account)

    def listed(book: dict[tuple[str, str | None], _CategoryTotal], out: bool) -> list[Any]:
        rows = []
        for key in sorted(book, key=lambda k: (k[0], k[1] or "")):
            t = book[key]
            opg = classify(t.category, t.benefit)
            row: dict[str, Any] = {
                "category": t.category,
                "opgCategory": opg.id if opg else None,
                "opgGroup": opg.group if opg else None,
            }
            if out:
                row["opgSection"] = opg.section if opg else "money"
            else:
                row["benefit"] = t.benefit
            row |= {"amount": t.amount, "entries": t.entries}
            rows.append(row)
        return rows

    account_rows = [
        {
            "accountId": str(a.id),
            "kind": a.kind,
            "name": a.name,
            "opening": lines[a.id].opening,
            "moneyIn": lines[a.id].money_in,
            "moneyOut": lines[a.id].money_out,
            "transfersIn": lines[a.id].transfers_in,
            "transfersOut": lines[a.id].transfers_out,
            "closing": lines[a.id].closing,
        }
        for a in accounts
    ]
    totals = {
        "opening": sum(line.opening for line in lines.values()),
        "moneyIn": sum(line.money_in for line in lines.values()),
        "moneyOut": sum(line.money_out for line in lines.values()),
        "closing": sum(line.closing for line in lines.values()),
    }
    return {
        "accounts": account_rows,
        "moneyIn": listed(money_in, out=False),
        "moneyOut": listed(money_out, out=True),
        "transfersBetweenOwnAccounts": own,
        "totals": totals,
        "includedTransferIds": included,
    }


# --- the balance check (R-OPG-2) -----------------------------------------------------------


@dataclass(frozen=True)
class AccountCheck:
    account_id: uuid.UUID | None  # None: the totals
    opening: Pence
    money_in: Pence
    money_out: Pence
    transfers_in: Pence
    transfers_out: Pence
    closing: Pence
    ledger_closing: Pence

    @property
    def arithmetic_ok(self) -> bool:
        return (
            self.opening + self.money_in - self.money_out + self.transfers_in - self.transfers_out
            == self.closing
        )

    @property
    def difference(self) -> Pence:
        """The ledger's closing now less the report's closing."""
        return self.ledger_closing - self.closing

    @property
    def balanced(self) -> bool:
        return self.arithmetic_ok and self.difference == 0


@dataclass(frozen=True)
class BalanceCheck:
    accounts: list[AccountCheck]
    totals: AccountCheck
    opening_matches_last_report: bool | None  # None: no earlier report
    last_report_closing: Pence | None
    explaining_entries: list[EntryFact]

    @property
    def balanced(self) -> bool:
        return (
            all(a.balanced for a in self.accounts)
            and self.totals.balanced
            and self.opening_matches_last_report is not False
        )


def balance_check(
    money: Mapping[str, Any],
    ledger_closing: Mapping[uuid.UUID, Pence],
    *,
    late_entries: Sequence[EntryFact],
    last_report_closing: Pence | None,
    last_report_late_entries: Sequence[EntryFact] = (),
) -> BalanceCheck:
    """Per account and in total, opening + in - out (+ transfers in - out) = closing, and the
    closing = the ledger's closing now; the opening = the last report's closing (R-OPG-2).
    ``late_entries``: entries dated in (or before) this period the version did not include;
    ``last_report_late_entries``: those of the last report's period, which move this opening.
    The explaining entries are the late ones touching an account that differs, and the last
    report's when the opening does not match."""
    rows = {uuid.UUID(a["accountId"]): a for a in money.get("accounts", [])}
    checks: list[AccountCheck] = []
    for account_id in [*rows, *(k for k in ledger_closing if k not in rows)]:
        a = rows.get(account_id, {})
        checks.append(
            AccountCheck(
                account_id=account_id,
                opening=a.get("opening", 0),
                money_in=a.get("moneyIn", 0),
                money_out=a.get("moneyOut", 0),
                transfers_in=a.get("transfersIn", 0),
                transfers_out=a.get("transfersOut", 0),
                closing=a.get("closing", 0),
                ledger_closing=ledger_closing.get(account_id, 0),
            )
        )
    t = money.get("totals", {})
    totals = AccountCheck(
        account_id=None,
        opening=t.get("opening", 0),
        money_in=t.get("moneyIn", 0),
        money_out=t.get("moneyOut", 0),
        transfers_in=0,
        transfers_out=0,
        closing=t.get("closing", 0),
        ledger_closing=sum(c.ledger_closing for c in checks),
    )
    differing = {c.account_id for c in checks if not c.balanced}
    explaining = [
        e for e in late_entries if e.from_account_id in differing or e.to_account_id in differing
    ]
    matches = None if last_report_closing is None else last_report_closing == totals.opening
    if matches is False:
        explaining += [e for e in last_report_late_entries if e not in explaining]
    return BalanceCheck(
        accounts=checks,
        totals=totals,
        opening_matches_last_report=matches,
        last_report_closing=last_report_closing,
        explaining_entries=explaining,
    )


def describe_entries(entries: Sequence[EntryFact]) -> str:
    """For a refusal's message: each entry's id, date, amount (pounds) and description."""
    return "; ".join(
        f"{e.transfer_id} on {e.value_date.isoformat()} £{format_money(e.amount)} {e.description!r}"
        for e in entries
    )


# --- the report's status (R-AUD-2: derived from its events, never stored) --------------------

_STATUS_AFTER: dict[str, OpgReportStatus] = {
    OpgReportEventKind.PREPARED: OpgReportStatus.PREPARED,
    OpgReportEventKind.APPROVED: OpgReportStatus.APPROVED,
    OpgReportEventKind.RETURNED: OpgReportStatus.OPEN,
    OpgReportEventKind.SUBMITTED: OpgReportStatus.SUBMITTED,
    OpgReportEventKind.CORRECTED: OpgReportStatus.OPEN,
}

TRANSITIONS: dict[OpgReportEventKind, frozenset[OpgReportStatus]] = {
    OpgReportEventKind.PREPARED: frozenset({OpgReportStatus.OPEN}),
    OpgReportEventKind.APPROVED: frozenset({OpgReportStatus.PREPARED}),
    OpgReportEventKind.RETURNED: frozenset({OpgReportStatus.PREPARED, OpgReportStatus.APPROVED}),
    OpgReportEventKind.SUBMITTED: frozenset({OpgReportStatus.APPROVED}),
    OpgReportEventKind.CORRECTED: frozenset({OpgReportStatus.SUBMITTED}),
}


def report_status(kinds: Iterable[str]) -> OpgReportStatus:
    """The status the last event brings (a report goes round: RETURNED and CORRECTED open it
    again); OPEN before any."""
    last = None
    for kind in kinds:
        last = kind
    return OpgReportStatus.OPEN if last is None else _STATUS_AFTER[str(last)]


def transition_problem(status: OpgReportStatus, event: OpgReportEventKind) -> str | None:
    if status in TRANSITIONS[event]:
        return None
    allowed = " or ".join(sorted(s.value for s in TRANSITIONS[event]))
    return f"the report is {status.value}: it may be {event.value.lower()} only when {allowed}"


MAX_TEXT = 20000
MAX_REASON = 2000
MAX_OPG_REFERENCE = 100

"""Pure reconciliation rules (R-ACC-7): reading a bank statement's CSV, checking that it adds
up, and matching its lines to the ledger. No I/O.

The bank account is the council's Client Monies Service account (R-ACC-1): one account at the
bank, with a sub-account per client in the ledger (``CLIENT_CMS``). Its side of the ledger is
every transfer that moved money into or out of a CMS account from outside it; amounts are
signed from the bank account's point of view: money in is positive, money out negative.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import re
import uuid
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ca_api.money import MoneyFormatError, Pence, format_money, parse_money

HEADER = ("date", "description", "reference", "amount")
MAX_LINES = 5_000  # transaction lines, not counting the header
MAX_DESCRIPTION = 500
MAX_REFERENCE = 100
MAX_ACCOUNT_NAME = 200
# A line and a transfer may be this many days apart and still match automatically: the bank
# posts a payment a day or two after the ledger's value date (weekends, clearing).
SLACK_DAYS = 3
# A refused file reports at most this many lines' problems (and how many more there are).
MAX_REPORTED_PROBLEMS = 100

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MatchMethod(enum.StrEnum):
    AUTO = "AUTO"  # paired on import by ``auto_match``
    MANUAL = "MANUAL"  # paired by an officer (``matchBankLine``)


@dataclass(frozen=True)
class BankLine:
    """One transaction line of a statement. ``line_no`` is its line in the file (the header is
    line 1); ``amount`` is signed pence, money into the account positive."""

    line_no: int
    posted_on: date
    description: str
    reference: str | None
    amount: Pence


@dataclass(frozen=True)
class StatementHeading:
    """What a statement says of itself above its lines."""

    account_name: str
    period_start: date
    period_end: date  # inclusive
    opening_balance: Pence
    closing_balance: Pence


@dataclass(frozen=True)
class LineProblem:
    line: int  # the line in the file (the header is line 1); 0 for the file as a whole
    message: str


@dataclass(frozen=True)
class CsvRefused:
    """Why a file cannot be imported, line by line."""

    problems: tuple[LineProblem, ...]

    def as_fields(self) -> dict[str, str]:
        """The problems as a ValidationProblem's fields: ``csv line 7``, or ``csv``."""
        fields: dict[str, str] = {}
        for p in self.problems[:MAX_REPORTED_PROBLEMS]:
            key = f"csv line {p.line}" if p.line > 0 else "csv"
            fields[key] = f"{fields[key]}; {p.message}" if key in fields else p.message
        more = len(self.problems) - MAX_REPORTED_PROBLEMS
        if more > 0:
            fields["csv"] = f"and {more} more lines have problems"
        return fields


def normalised_text(text: str) -> str:
    """The file's text as its digest is taken: no byte-order mark, LF line endings, no blank
    lines at the end. The same file read on Windows or Unix gives the same digest."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def digest(text: str) -> bytes:
    """sha256 of the file (``normalised_text`` as UTF-8): the same file is imported once."""
    return hashlib.sha256(normalised_text(text).encode("utf-8")).digest()


def _parse_date(raw: str) -> date | None:
    if not _ISO_DATE.match(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _line(
    line_no: int, row: list[str], period_start: date, period_end: date
) -> BankLine | list[str]:
    """A typed line, or what is wrong with the row."""
    if len(row) != len(HEADER):
        return [
            f"has {len(row)} fields, not {len(HEADER)} ({','.join(HEADER)}); "
            "a description containing a comma must be in double quotes"
        ]
    raw_date, description, reference, raw_amount = (field.strip() for field in row)
    problems: list[str] = []
    posted_on = _parse_date(raw_date)
    if posted_on is None:
        problems.append(f"date {raw_date!r} is not a date written YYYY-MM-DD")
    elif not period_start <= posted_on <= period_end:
        problems.append(
            f"date {posted_on.isoformat()} is outside the statement period "
            f"{period_start.isoformat()} to {period_end.isoformat()}"
        )
    if not description:
        problems.append("description is empty")
    elif len(description) > MAX_DESCRIPTION:
        problems.append(f"description is longer than {MAX_DESCRIPTION} characters")
    if len(reference) > MAX_REFERENCE:
        problems.append(f"reference is longer than {MAX_REFERENCE} characters")
    amount: Pence | None = None
    try:
        amount = parse_money(raw_amount)
    except MoneyFormatError:
        problems.append(
            f"amount {raw_amount!r} is not pounds and pence with exactly two decimal places "
            '(e.g. "12.50", "-3.00"; no currency sign, no thousands separator)'
        )
    else:
        if amount == 0:
            problems.append("amount is 0.00: a statement line moves money")
    if problems or posted_on is None or amount is None:
        return problems
    return BankLine(
        line_no=line_no,
        posted_on=posted_on,
        description=description,
        reference=reference or None,
        amount=amount,
    )


def parse_statement_csv(
    text: str, period_start: date, period_end: date
) -> list[BankLine] | CsvRefused:
    """Read a statement's CSV: a header ``date,description,reference,amount`` then one line per
    transaction. Returns every line typed, or every problem found (a file is taken whole or not
    at all). Blank lines are skipped; line numbers count them, as an editor does."""
    source = normalised_text(text).split("\n")
    reader = csv.reader(source, strict=True)
    lines: list[BankLine] = []
    problems: list[LineProblem] = []
    header_seen = False
    rows = 0
    end_of_previous = 0
    try:
        for row in reader:
            line_no = end_of_previous + 1
            end_of_previous = reader.line_num
            if not row or all(not field.strip() for field in row):
                continue
            if not header_seen:
                header_seen = True
                names = tuple(field.strip().lower() for field in row)
                if names != HEADER:
                    return CsvRefused(
                        (
                            LineProblem(
                                line_no,
                                f"the header must be {','.join(HEADER)}, not {','.join(row)}",
                            ),
                        )
                    )
                continue
            rows += 1
            if rows > MAX_LINES:
                return CsvRefused(
                    (LineProblem(0, f"has more than {MAX_LINES:,} transaction lines"),)
                )
            if reader.line_num > line_no:  # a quoted field went on to the next line
                problems.append(LineProblem(line_no, "a field runs over more than one line"))
                continue
            parsed = _line(line_no, row, period_start, period_end)
            if isinstance(parsed, BankLine):
                lines.append(parsed)
            else:
                problems.append(LineProblem(line_no, "; ".join(parsed)))
    except csv.Error as exc:
        problems.append(LineProblem(reader.line_num, f"is not valid CSV: {exc}"))
    if not header_seen and not problems:
        return CsvRefused((LineProblem(1, f"the header {','.join(HEADER)} is missing"),))
    if problems:
        return CsvRefused(tuple(problems))
    return lines


def total(lines: Iterable[BankLine]) -> Pence:
    return sum(line.amount for line in lines)


def balance_problem(opening: Pence, closing: Pence, lines: Sequence[BankLine]) -> str | None:
    """Why the statement does not add up (None: opening + the lines == closing)."""
    moved = total(lines)
    if opening + moved == closing:
        return None
    return (
        f"the statement does not add up: opening balance {format_money(opening)} + lines "
        f"{format_money(moved)} = {format_money(opening + moved)}, not the closing balance "
        f"{format_money(closing)} (out by {format_money(closing - opening - moved)})"
    )


def statement_problems(
    account_name: str, period_start: date, period_end: date, today: date
) -> dict[str, str]:
    """Problems with a statement's heading, by field (empty when it is fine)."""
    problems: dict[str, str] = {}
    name = account_name.strip()
    if not name:
        problems["account_name"] = "is required"
    elif len(name) > MAX_ACCOUNT_NAME:
        problems["account_name"] = f"is longer than {MAX_ACCOUNT_NAME} characters"
    if period_end < period_start:
        problems["period_end"] = "is before the period start"
    elif period_end > today:
        problems["period_end"] = "is in the future: a statement covers days that have passed"
    return problems


# --- matching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerMove:
    """A transfer into or out of the bank account: ``amount`` signed as the bank sees it."""

    transfer_id: uuid.UUID
    value_date: date
    amount: Pence
    reference: str | None
    seq: int = 0  # posting order: the last tie-break


def _reference_key(reference: str | None) -> str | None:
    if reference is None:
        return None
    key = " ".join(reference.split()).casefold()
    return key or None


def same_reference(a: str | None, b: str | None) -> bool:
    """References are equal ignoring case and spacing; a missing reference equals nothing."""
    key = _reference_key(a)
    return key is not None and key == _reference_key(b)


def manual_match_problem(line_amount: Pence, move_amount: Pence) -> str | None:
    """A line and a transfer matched by hand still move the same money the same way."""
    if (line_amount > 0) != (move_amount > 0):
        way = "into" if line_amount > 0 else "out of"
        return f"the line is money {way} the account; the transfer moves money the other way"
    if line_amount != move_amount:
        return (
            f"the line is {format_money(abs(line_amount))}, the transfer "
            f"{format_money(abs(move_amount))}: a match is for the same amount"
        )
    return None


@dataclass(frozen=True)
class Match:
    line_no: int
    transfer_id: uuid.UUID


def auto_match(
    lines: Sequence[BankLine], moves: Sequence[LedgerMove], *, slack_days: int = SLACK_DAYS
) -> list[Match]:
    """Pair statement lines with ledger transfers, one to one.

    A line and a transfer can pair when they have the same signed amount (same money, same
    direction) and the transfer's value date is within ``slack_days`` of the line's date.
    Pairs are taken in order of preference: an equal reference first, then the nearest date,
    then the earlier line and the earlier transfer. Then, where a line is still unmatched but
    re-pairing already matched lines would give it a transfer, they are re-paired (the most
    lines matched wins over the nearest dates), never undoing a pair on equal references.
    """
    # Transfers by amount, in date order; a transfer is known by its index in ``ordered``,
    # which is also the last tie-break (earlier value date, then earlier posting).
    ordered = sorted(moves, key=lambda m: (m.value_date, m.seq, str(m.transfer_id)))
    by_amount: dict[Pence, list[int]] = {}
    for k, move in enumerate(ordered):
        by_amount.setdefault(move.amount, []).append(k)
    dates = {a: [ordered[k].value_date for k in ks] for a, ks in by_amount.items()}
    slack = timedelta(days=slack_days)

    # Each line's candidates, best first: (0 on an equal reference else 1, days apart, index).
    candidates: dict[int, list[tuple[int, int, int]]] = {}
    for line in lines:
        group = by_amount.get(line.amount, [])
        on = dates.get(line.amount, [])
        first = bisect_left(on, line.posted_on - slack)
        last = bisect_right(on, line.posted_on + slack)
        options = [
            (
                0 if same_reference(line.reference, ordered[k].reference) else 1,
                abs((ordered[k].value_date - line.posted_on).days),
                k,
            )
            for k in group[first:last]
        ]
        if options:
            options.sort()
            candidates[line.line_no] = options

    # 1. Greedy, best pairs first (then the earlier line, then the earlier transfer).
    pairs = sorted(
        (ref, gap, line_no, k) for line_no, options in candidates.items() for ref, gap, k in options
    )
    line_to: dict[int, int] = {}
    transfer_to: dict[int, int] = {}
    locked: set[int] = set()  # lines paired on an equal reference: never re-paired
    for ref, _, line_no, k in pairs:
        if line_no in line_to or k in transfer_to:
            continue
        line_to[line_no] = k
        transfer_to[k] = line_no
        if ref == 0:
            locked.add(line_no)

    # 2. Augmenting paths (breadth first: the fewest re-pairings) for lines left unmatched.
    # Transfers a failed search reached cannot lead to a free one until the pairs change.
    dead: set[int] = set()
    for start in sorted(candidates):
        if start in line_to:
            continue
        came_from: dict[int, int] = {}  # transfer -> the line that reached it
        queue = deque([start])
        free: int | None = None
        while queue and free is None:
            line_no = queue.popleft()
            for _, _, k in candidates[line_no]:
                if k in came_from or k in dead:
                    continue
                holder = transfer_to.get(k)
                if holder is not None and holder in locked:
                    continue
                came_from[k] = line_no
                if holder is None:
                    free = k
                    break
                queue.append(holder)
        if free is None:
            dead.update(came_from)
            continue
        dead.clear()
        # Walk back, moving each line on the path to the transfer that reached it.
        while free is not None:
            line_no = came_from[free]
            previous = line_to.get(line_no)
            line_to[line_no] = free
            transfer_to[free] = line_no
            free = previous if line_no != start else None

    return [Match(n, ordered[k].transfer_id) for n, k in sorted(line_to.items())]

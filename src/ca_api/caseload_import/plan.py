"""What a caseload import will write (the plan), the import being judged against the books that
makes it, and what every judging of a file uses: the clients the rows name, the words for a
record on the books with other details, a budget plan's rows as a new plan.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.caseload_import import file_records
from ca_api.caseload_import.files import ImportFile, Problems, RowProblem
from ca_api.money import Pence
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails
from ca_api.planning import service as planning


@dataclass
class Plan:
    """What the import will write, after every check."""

    new_clients: list[file_records.ClientRow] = field(default_factory=list)
    appointeeships: list[file_records.OrderRow[AppointeeshipDetails]] = field(default_factory=list)
    deputyships: list[file_records.OrderRow[DeputyshipDetails]] = field(default_factory=list)
    balances: list[file_records.AccountRow] = field(default_factory=list)
    investments: list[file_records.InvestmentRow] = field(default_factory=list)
    plans: list[file_records.PlanRows] = field(default_factory=list)
    invoices: list[file_records.InvoiceRow] = field(default_factory=list)
    present: dict[ImportFile, int] = field(default_factory=lambda: defaultdict(int))
    opening_total: Pence = 0

    def to_write(self) -> dict[ImportFile, Sequence[file_records.OfClient]]:
        """The records to write, by file (the clients' own: ``new_clients``)."""
        return {
            ImportFile.APPOINTEESHIPS: self.appointeeships,
            ImportFile.DEPUTYSHIPS: self.deputyships,
            ImportFile.ACCOUNTS: self.balances,
            ImportFile.INVESTMENTS: self.investments,
            ImportFile.BUDGET_PLANS: self.plans,
            ImportFile.INVOICES: self.invoices,
        }


@dataclass
class Judging:
    """An import being judged against the books: the plan taking shape, every problem found,
    and the clients it names that are on the books (locked), by reference."""

    session: AsyncSession
    plan: Plan = field(default_factory=Plan)
    problems: Problems = field(default_factory=Problems)
    on_books: dict[str, uuid.UUID] = field(default_factory=dict)
    ids: list[uuid.UUID] = field(default_factory=list)  # theirs, sorted

    def client_id(self, reference: str) -> uuid.UUID | None:
        """The client on the books with this reference (None: a new client, or none)."""
        return self.on_books.get(reference)

    def bad(self, file: ImportFile, row: int, column: str, reason: str) -> None:
        self.problems.add([RowProblem(file.value, row, column, reason)])

    def already(self, file: ImportFile, row: int, column: str, *, same: bool, other: str) -> None:
        """A row whose record is on the books already: present when the same, else a bad row
        saying why (``other``)."""
        if same:
            self.plan.present[file] += 1
        else:
            self.bad(file, row, column, other)


def references(of_clients: Mapping[ImportFile, Sequence[file_records.OfClient]]) -> set[str]:
    """The clients the rows name."""
    return {r.client_reference for rows in of_clients.values() for r in rows}


def _diff(old: Any, new: Any) -> str:
    before = asdict(old)
    return ", ".join(k for k, v in asdict(new).items() if before.get(k) != v)


def other_details(what: str, old: Any, new: Any) -> str:
    return (
        f"{what} is on the books already with other details ({_diff(old, new)}): change it "
        "there, not by an import"
    )


def new_plan(client_id: uuid.UUID, p: file_records.PlanRows) -> planning.NewPlan:
    return planning.NewPlan(
        client_id=client_id,
        plan_year_start=p.plan_year_start,
        opening_balance=p.opening_balance,
        lines=[ln.line for ln in p.lines],
    )

"""Use cases of a client's income tax (issue 14 item 6; R-CARE-6, seed 002 B 19).

- **A client's tax year** (``tax_year_of``): the taxable income of the year (6 April to
  5 April) summed from the ledger by OPG category (R-OPG-1), whether a return is needed (the
  policy figures in force on the year's first day, ``rules.return_reasons``), when it is due and
  whether it was filed in time (``common.deadlines.state_on``), and the tax paid (OUT_TAX) and
  refunded (IN_REFUNDS from the tax payee) through the ledger in the year. Read-only: money
  moves through payments and receipts, never here (B 19.1: tax due is taken from the client's
  income by a payment).
- **The caseload's returns** (``return_deadlines``): every client whose return for the year is
  needed or was filed, one set-based read of the ledger, soonest due first, by state.
- **A return recorded filed** (``record_filing``): when, the reference, the tax due it showed,
  who advised (B 19.2); once per client and year; a correction is a new record superseding the
  current one, with the reason (R-AUD-2); audited (R-AUD-1), once per idempotency key.
  Accepted after the client's death too: the final year's return is made for the estate.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import corrections, idempotency
from ca_api.common import deadlines as deadline_clock
from ca_api.common.deadlines import Deadline, DeadlineState, state_on
from ca_api.common.keyset import Seek
from ca_api.common.rules import optional_text, text_problem
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.income_tax import repository, rules
from ca_api.income_tax.models import TaxReturnFiling
from ca_api.income_tax.rules import ReturnReason, ReturnState
from ca_api.ledger.rules import Category
from ca_api.money import Pence
from ca_api.policy import service as policy

TAX_RETURN = "tax_return"


@dataclass(frozen=True)
class Figures:
    """The policy figures of a tax year, as in force on its first day."""

    personal_allowance: Pence
    property_allowance: Pence | None
    due_days: int


@dataclass(frozen=True)
class TaxYearView:
    """A client's tax year: its income by category, tax paid and refunded (the ledger's), the
    return's filings oldest first (the last is current), and its clock as of ``today``."""

    client_id: uuid.UUID
    tax_year: int
    figures: Figures
    income: dict[Category, Pence]
    tax_paid: Pence
    tax_refunded: Pence
    filings: Sequence[TaxReturnFiling]
    today: date

    @property
    def reasons(self) -> list[ReturnReason]:
        return rules.return_reasons(
            self.income, self.figures.personal_allowance, self.figures.property_allowance
        )

    @property
    def needed(self) -> bool:
        return bool(self.reasons)

    @property
    def total_taxable(self) -> Pence:
        return rules.total_taxable(self.income)

    @property
    def due_on(self) -> date:
        return rules.due_on(self.tax_year, self.figures.due_days)

    @property
    def current(self) -> TaxReturnFiling | None:
        return self.filings[-1] if self.filings else None

    @property
    def filed_on(self) -> date | None:
        return self.current.filed_on if self.current is not None else None

    @property
    def state(self) -> ReturnState:
        if not self.needed and self.current is None:
            return ReturnState.NOT_NEEDED
        return ReturnState(state_on(self.due_on, self.filed_on, self.today).value)


@dataclass(frozen=True)
class ReturnDeadline(Deadline):
    """A client's return for the year on the caseload's list: its clock (the client's id)."""

    view: TaxYearView = field(compare=False)


@dataclass(frozen=True)
class TaxOutcome:
    view: TaxYearView
    replayed: bool = False


# --- reads ------------------------------------------------------------------------------------


async def figures(session: AsyncSession, tax_year: int) -> Figures:
    """The year's figures in force on 6 April (a missing one is POLICY_MISSING, never a
    guess; the property allowance exists from 2017-18 only)."""
    first = rules.starts_on(tax_year)
    prop = await policy.figure_on(session, rules.PROPERTY_ALLOWANCE, first)
    return Figures(
        personal_allowance=int(await policy.figure(session, rules.PERSONAL_ALLOWANCE, first)),
        property_allowance=int(prop.value) if prop is not None and prop.value is not None else None,
        due_days=int(await policy.figure(session, rules.RETURN_DUE_DAYS, first)),
    )


def _check_year(tax_year: int) -> None:
    problem = rules.tax_year_problem(tax_year, clock.today())
    if problem is not None:
        raise ValidationFailed({"taxYear": problem})


async def tax_years_of(
    session: AsyncSession, tax_year: int, client_ids: Sequence[uuid.UUID] | None
) -> dict[uuid.UUID, TaxYearView]:
    """The tax year of these clients (None: every client with taxable income, tax or a filing
    in the year), from one read of the ledger and one of the filings."""
    _check_year(tax_year)
    return await _views(session, tax_year, await figures(session, tax_year), client_ids)


async def _views(
    session: AsyncSession,
    tax_year: int,
    fig: Figures,
    client_ids: Sequence[uuid.UUID] | None,
) -> dict[uuid.UUID, TaxYearView]:
    sums = await repository.ledger_sums(
        session, rules.starts_on(tax_year), rules.ends_on(tax_year), client_ids
    )
    filed: dict[uuid.UUID, list[TaxReturnFiling]] = {}
    for f in await repository.filings(session, tax_year, client_ids):
        filed.setdefault(f.client_id, []).append(f)
    income: dict[uuid.UUID, dict[Category, Pence]] = {}
    paid: dict[uuid.UUID, Pence] = {}
    refunded: dict[uuid.UUID, Pence] = {}
    for s in sums:
        category = Category(s.category)
        if category is rules.TAX_PAID:
            paid[s.client_id] = paid.get(s.client_id, 0) - s.net_in
        elif category is rules.TAX_REFUNDED:
            if s.from_tax_payee:
                refunded[s.client_id] = refunded.get(s.client_id, 0) + s.net_in
        else:
            income.setdefault(s.client_id, {})[category] = s.net_in
    ids = (
        list(dict.fromkeys(client_ids))
        if client_ids is not None
        else sorted({*income, *paid, *refunded, *filed})
    )
    today = clock.today()
    return {
        c: TaxYearView(
            client_id=c,
            tax_year=tax_year,
            figures=fig,
            income=income.get(c, {}),
            tax_paid=paid.get(c, 0),
            tax_refunded=refunded.get(c, 0),
            filings=corrections.chain(filed.get(c, [])),
            today=today,
        )
        for c in ids
    }


async def tax_year_of(session: AsyncSession, client_id: uuid.UUID, tax_year: int) -> TaxYearView:
    return (await tax_years_of(session, tax_year, [client_id]))[client_id]


def _listed(view: TaxYearView) -> ReturnDeadline | None:
    """The client's return on the caseload's list, or None when not needed and not filed."""
    if view.state is ReturnState.NOT_NEEDED:
        return None
    return ReturnDeadline(
        source_id=view.client_id,
        due_on=view.due_on,
        state=state_on(view.due_on, view.filed_on, view.today),
        view=view,
    )


async def every_return_deadline(
    session: AsyncSession, tax_year: int, *, state: DeadlineState | None
) -> list[ReturnDeadline]:
    """The whole list, worked out client by client from one read of the year (the reference
    a page must agree with), in list order."""
    views = await tax_years_of(session, tax_year, None)
    every = [d for d in map(_listed, views.values()) if d is not None]
    return deadline_clock.page(every, state=state, seek=Seek(None, len(every) + 1))


async def return_deadlines(
    session: AsyncSession,
    tax_year: int,
    *,
    state: DeadlineState | None,
    seek: Seek[deadline_clock.SortKey],
) -> list[ReturnDeadline]:
    """The caseload's returns for the year (R-CARE-6): each client's whose return is needed or
    was filed, soonest due first (one due date: then by client), only ``state`` if given.

    One due date for the year, so the list is in client order: SQL picks the page's clients
    by id from the cursor on (``repository.listed_client_ids``: a filing, or income over an
    allowance by ``rules.RETURN_TESTS``, from the sums the database keeps per client and year,
    ``client_tax_year``), then their sums and
    filings are read for those clients only and each judged by the same rules (``_listed``),
    until the page is full or the candidates run out (issue 18 item 1: not every client's
    year built for a page). A client without a filing is DUE or MISSED by today alone: when
    ``state`` is the other (or MET), only the clients with a filing for the year are read."""
    _check_year(tax_year)
    fig = await figures(session, tax_year)
    due = rules.due_on(tax_year, fig.due_days)
    past: uuid.UUID | None = None
    if seek.key is not None:
        key_due, key_id = seek.key
        if key_due == due:
            past = key_id
        elif (key_due > due) != seek.backward:
            return []  # every row of the list is on the cursor's near side
    only_filed = state is not None and state is not state_on(due, None, clock.today())
    found: list[ReturnDeadline] = []
    while len(found) < seek.limit:
        ids = await repository.listed_client_ids(
            session,
            tax_year,
            rules.allowances_of(fig.personal_allowance, fig.property_allowance),
            past,
            seek.limit,
            backward=seek.backward,
            only_filed=only_filed,
        )
        if not ids:
            break
        views = await _views(session, tax_year, fig, ids)
        for c in ids:
            d = _listed(views[c])
            if d is not None and (state is None or d.state is state):
                found.append(d)
        if len(ids) < seek.limit:
            break
        past = ids[-1]
    return found[: seek.limit]


# --- a return recorded filed (B 19.1) -----------------------------------------------------------


async def record_filing(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    tax_year: int,
    filed_on: date,
    reference: str | None,
    tax_due: Pence | None,
    advised_by: str | None,
    corrects_id: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> TaxOutcome:
    """Record the client's return for ``tax_year`` filed (R-CARE-6, seed 002 B 19.1): once per
    client and year (INVALID_STATE for a second); with ``corrects_id`` (any record of the
    year's filing) a correction of the filing as it stands, with the reason (R-AUD-2)."""
    reference, advised_by, reason = (
        optional_text(reference),
        optional_text(advised_by),
        optional_text(reason),
    )

    async def work() -> dict[str, Any]:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        problems = rules.filing_problems(tax_year, filed_on, tax_due, clock.today())
        problems |= text_problem(
            "reference", reference, required=False, maximum=rules.MAX_REFERENCE
        )
        problems |= text_problem("advisedBy", advised_by, required=False, maximum=rules.MAX_TEXT)
        problems |= text_problem(
            "reason", reason, required=corrects_id is not None, maximum=rules.MAX_TEXT
        )
        if corrects_id is None and reason is not None:
            problems["reason"] = "is for a correction (correctsTaxReturnId)"
        if problems:
            raise ValidationFailed(problems)
        chain = corrections.chain(await repository.filings(session, tax_year, [client_id]))
        current = chain[-1] if chain else None
        if corrects_id is not None and all(r.id != corrects_id for r in chain):
            raise RecordNotFound.of("TaxReturn", corrects_id)
        if corrects_id is None and current is not None:
            raise InvalidState(
                f"the return for {rules.label(tax_year)} was recorded filed already, on "
                f"{current.filed_on.isoformat()}: correct it instead",
                filed_on=current.filed_on.isoformat(),
            )
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "tax_year": tax_year,
            "filed_on": filed_on,
            "reference": reference,
            "tax_due": tax_due,
            "advised_by": advised_by,
            "supersedes_id": current.id if current is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_filing(session, values)
        await audit.record_version(
            session,
            actor,
            TAX_RETURN,
            row.id,
            superseded=None
            if current is None
            else {
                "tax_return_filing_id": current.id,
                "filed_on": current.filed_on,
                "reference": current.reference,
                "tax_due": current.tax_due,
            },
            after=audit.written(values),
            reason=reason,
            client_id=client_id,
        )
        return {"client_id": str(client_id), "tax_return_filing_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "tax_year": tax_year,
        "filed_on": filed_on.isoformat(),
        "reference": reference,
        "tax_due": tax_due,
        "advised_by": advised_by,
        "corrects_id": str(corrects_id) if corrects_id else None,
        "reason": reason,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordTaxReturnFiled", payload, work
    )
    view = await tax_year_of(session, client_id, tax_year)
    return TaxOutcome(view, bool(result.get("replayed")))

"""Every SQL statement of a client's income tax: the returns filed, the year's sums of the
ledger by OPG category (R-OPG-1), set-based for the whole caseload, and the clients over an
allowance from the sums the database keeps (``client_tax_year``, migration 0056)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, false, func, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import any_id, insert_recorded
from ca_api.income_tax import rules
from ca_api.income_tax.models import ClientTaxYear, TaxReturnFiling
from ca_api.income_tax.rules import TAX_PAID, TAX_REFUNDED, TAXABLE
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import MONEY_MOVED, AccountKind

_COUNTERPARTY = AccountKind.COUNTERPARTY.value


@dataclass(frozen=True)
class LedgerSum:
    """Money into the client's accounts of one category in the year, net of reversals (money
    out is negative); ``from_tax_payee``: from the counterparty the client's tax is paid to."""

    client_id: uuid.UUID
    category: str
    from_tax_payee: bool
    net_in: int


async def filings(
    session: AsyncSession, tax_year: int, client_ids: Sequence[uuid.UUID] | None
) -> Sequence[TaxReturnFiling]:
    """The year's filings (of these clients, or all), oldest first."""
    stmt = select(TaxReturnFiling).where(TaxReturnFiling.tax_year == tax_year)
    if client_ids is not None:
        stmt = stmt.where(TaxReturnFiling.client_id == any_id(list(set(client_ids))))
    stmt = stmt.order_by(TaxReturnFiling.recorded_at, TaxReturnFiling.id)
    return (await session.execute(stmt)).scalars().all()


def _to_party() -> Any:
    """Whether the transfer is paid to a counterparty (a few hundred accounts, one hashed
    look-up a row rather than a join of every row to its account)."""
    return Transfer.to_account_id.in_(
        select(LedgerAccount.id).where(LedgerAccount.kind == _COUNTERPARTY)
    )


def _net_in() -> Any:
    """Money into the client's accounts, money out (a reversal) negative."""
    return case((_to_party(), -Transfer.amount), else_=Transfer.amount)


def over_allowances(
    sum_of: Callable[[rules.ReturnTest], Any], allowances: Mapping[str, int | None]
) -> Any:
    """``rules.return_reasons`` is not empty, in SQL: ``sum_of(test)`` (the net income of the
    test's categories, never null: a kept column, or a sum with its 0) over its allowance, for
    any test of ``rules.RETURN_TESTS`` whose allowance is in force. Built from the rule's
    rows, so the list and the rule cannot drift (``tests/test_client_tax_year.py``)."""
    return or_(
        false(),
        *(
            sum_of(t) > limit
            for t in rules.RETURN_TESTS
            if (limit := allowances[t.allowance]) is not None
        ),
    )


async def listed_client_ids(
    session: AsyncSession,
    tax_year: int,
    allowances: Mapping[str, int | None],
    past: uuid.UUID | None,
    limit: int,
    *,
    backward: bool,
    only_filed: bool,
) -> list[uuid.UUID]:
    """The next ``limit`` clients in id order after ``past`` (before it, nearest first, when
    ``backward``) whose return for the year can be on the caseload's list: a filing for the
    year, or (unless ``only_filed``) income over an allowance (``allowances`` by figure name;
    ``over_allowances`` on the sums the database keeps per client and year, ``client_tax_year``
    of migration 0056: an index range each, not a sum of every client's transfers). The rules
    then judge each (``service._listed``)."""

    def after(column: Any) -> Any:
        return true() if past is None else (column < past if backward else column > past)

    def first(stmt: Any, column: Any) -> Any:
        return stmt.order_by(column.desc() if backward else column.asc()).limit(limit)

    f = TaxReturnFiling
    stmt: Any = first(
        select(f.client_id.label("client_id")).where(f.tax_year == tax_year, after(f.client_id)),
        f.client_id,
    )
    if not only_filed:
        k = ClientTaxYear
        income = select(k.client_id.label("client_id")).where(
            k.tax_year == tax_year,
            after(k.client_id),
            over_allowances(lambda t: getattr(k, t.column), allowances),
        )
        stmt = union(stmt.subquery().select(), income)
    sub = stmt.subquery()
    return list((await session.execute(first(select(sub.c.client_id), sub.c.client_id))).scalars())


async def insert_filing(session: AsyncSession, values: dict[str, Any]) -> TaxReturnFiling:
    return await insert_recorded(session, TaxReturnFiling, values)


async def ledger_sums(
    session: AsyncSession,
    first_day: date,
    last_day: date,
    client_ids: Sequence[uuid.UUID] | None,
) -> list[LedgerSum]:
    """Per client and category, the money that moved (posted, or a hold made good; never a
    hold) with a value date in ``first_day``..``last_day``: taxable income, tax paid (OUT_TAX)
    and refunds (IN_REFUNDS), each net of its reversals (a reversal moves the money back).

    A refund is the tax's when it comes from a counterparty that is paid tax (OUT_TAX) by any
    client: the ledger has no HMRC of its own, so the tax payee is known by what it is paid."""
    party_account = case((_to_party(), Transfer.to_account_id), else_=Transfer.from_account_id)
    tax_payees = (
        select(Transfer.to_account_id)
        .join(LedgerAccount, LedgerAccount.id == Transfer.to_account_id)
        .where(
            Transfer.category == TAX_PAID.value,
            Transfer.kind.in_(MONEY_MOVED),
            LedgerAccount.kind == _COUNTERPARTY,
        )
        .distinct()
    )
    from_tax_payee = (Transfer.category == TAX_REFUNDED.value) & party_account.in_(tax_payees)
    net_in = func.sum(_net_in())
    categories = [c.value for c in (*TAXABLE, TAX_PAID, TAX_REFUNDED)]
    stmt = (
        select(
            Transfer.client_id,
            Transfer.category,
            from_tax_payee.label("from_tax_payee"),
            net_in.label("net_in"),
        )
        .where(
            Transfer.kind.in_(MONEY_MOVED),
            Transfer.category.in_(categories),
            Transfer.value_date.between(first_day, last_day),
            Transfer.client_id.is_not(None),
        )
        .group_by(Transfer.client_id, Transfer.category, from_tax_payee)
    )
    if client_ids is not None:
        stmt = stmt.where(Transfer.client_id == any_id(list(set(client_ids))))
    rows = (await session.execute(stmt)).all()
    return [
        LedgerSum(r.client_id, r.category, bool(r.from_tax_payee), int(r.net_in or 0)) for r in rows
    ]

"""The accounts file judged against the books: an opening balance per account (one posted
already, an account kept already), Court Funds a deputy's (R-INV-2), and the CMS opening
balances against the bank's at the cut-over (R-ACC-1, R-ACC-7).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ca_api.caseload_import import file_records, rules
from ca_api.caseload_import.files import WHOLE, ImportFile
from ca_api.caseload_import.plan import Judging
from ca_api.caseload_import.request import ImportRequest
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import opening_balances as ledger
from ca_api.ledger.rules import AccountKind
from ca_api.money import format_money
from ca_api.orders import service as orders
from ca_api.orders.rules import DeputyshipDetails
from ca_api.reconciliation import service as reconciliation


async def plan_balances(
    j: Judging, request: ImportRequest, acc_rows: Sequence[file_records.AccountRow]
) -> None:
    """Opening balances: one per account; the same again is present, and a zero balance of an
    account already open."""
    opened = await ledger.opening_balances(j.session, j.ids)
    kept = {
        (a.client_id, a.kind): (a.posted, a.held)
        for a in await ledger_accounts.accounts_of_clients(j.session, j.ids)
    }
    for a in acc_rows:
        j.plan.opening_total += a.opening_balance
        cid = j.client_id(a.client_reference)
        before = opened.get((cid, a.kind)) if cid is not None else None
        if before is None and a.opening_balance == 0 and (cid, a.kind.value) in kept:
            j.plan.present[ImportFile.ACCOUNTS] += 1  # a zero balance: the account is open
        elif before is None and kept.get((cid, a.kind.value), (0, 0)) != (0, 0):
            # An account the service already keeps money in has no opening balance to bring:
            # it would be money the bank never had (R-ACC-2, R-ACC-7).
            posted, held = kept[(cid, a.kind.value)]
            j.bad(
                ImportFile.ACCOUNTS,
                a.row,
                "opening_balance",
                f"the account is kept on the books already (balance {format_money(posted)}, "
                f"held {format_money(held)}): an opening balance is brought only into an "
                "account the service has not kept yet",
            )
        elif before is None:
            j.plan.balances.append(a)
        else:
            j.already(
                ImportFile.ACCOUNTS,
                a.row,
                "opening_balance",
                same=before == ledger.OpeningBalance(a.opening_balance, request.cut_over),
                other=f"the account has an opening balance of {format_money(before.amount)} "
                f"at {before.value_date.isoformat()} already",
            )


async def court_funds_of_deputies(
    j: Judging,
    cut_over: date,
    acc_rows: Sequence[file_records.AccountRow],
    dep_rows: Sequence[file_records.OrderRow[DeputyshipDetails]],
    reported: set[str],
) -> None:
    """Money with the Court Funds Office is a deputy's (R-INV-2, seed 002 B 20: only a deputy
    lodges, as proposeLodgement judges): a COURT_FUNDS balance is brought in only for a client
    with a deputy order made by the cut-over, in the deputyships file or on the books."""
    court = [a for a in acc_rows if a.kind is AccountKind.CLIENT_COURT_FUNDS]
    if not court:
        return
    deputies = {d.client_reference for d in dep_rows if d.details.order_date <= cut_over}
    ids = [j.on_books[a.client_reference] for a in court if a.client_reference in j.on_books]
    for cid, records in (await orders.DEPUTYSHIP.by_client(j.session, ids)).items():
        if any(r.details.order_date <= cut_over for r in records):
            deputies |= {ref for ref, i in j.on_books.items() if i == cid}
    for a in court:
        if a.client_reference not in deputies and a.client_reference.upper() not in reported:
            j.bad(
                ImportFile.ACCOUNTS,
                a.row,
                "account",
                "money with the Court Funds Office is a deputy's (R-INV-2): the client has no "
                f"deputy order made by {cut_over.isoformat()} in the deputyships file or on the "
                "books",
            )


async def check_statement(
    j: Judging, request: ImportRequest, acc_rows: Sequence[file_records.AccountRow]
) -> None:
    """The CMS opening balances together against the bank's balance at the end of the
    cut-over date (R-ACC-1, R-ACC-7): the one given, else that of a bank statement imported
    whose period ends on the cut-over date; with neither, nothing to check against."""
    statement, source = request.statement_balance, "the statement balance given"
    if statement is None:
        statement = await reconciliation.closing_balance_on(j.session, request.cut_over)
        source = "the bank statement imported for the period ending on the cut-over date"
    if statement is None:
        return
    cms = sum(a.opening_balance for a in acc_rows if a.kind is AccountKind.CLIENT_CMS)
    unbalanced = rules.balance_problem(cms, statement, source)
    if unbalanced is not None:
        j.bad(ImportFile.ACCOUNTS, WHOLE, "opening_balance", unbalanced)

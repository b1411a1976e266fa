"""Bank reconciliation (R-ACC-7): the Client Monies Service bank statement, imported from CSV,
matched to the ledger and reconciled.

The pure rules (reading the CSV, the balance check, matching) are tested first without a
database; then everything through the real /graphql endpoint, with ledger transfers made by the
ledger's own service in the test's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientDetails, Situation
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import unit_of_work
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.ledger.transfers import Movement
from ca_api.reconciliation import rules
from ca_api.reconciliation.rules import (
    BankLine,
    CsvRefused,
    LedgerMove,
    Match,
    auto_match,
    parse_statement_csv,
)
from tests.conftest import Api, error_codes
from tests.factories import (
    END,
    HEADER,
    IMPORT_BANK_STATEMENT,
    START,
    bank_statement_input,
    import_statement,
)


def d(day: int, month: int = 10) -> date:
    return date(2026, month, day)


# --- the CSV, without a database ------------------------------------------------------------


def test_a_well_formed_file_is_read_into_typed_lines() -> None:
    text_ = (
        "\ufeffDate, Description ,Reference,AMOUNT\r\n"
        '2026-10-05,"DWP PIP, four weekly",PIP123,184.30\r\n'
        "\r\n"
        "2026-10-13,BRITISH GAS DD,,-45.00\r\n"
        "2026-10-31, Interest , INT ,0.05\r\n"
    )
    lines = parse_statement_csv(text_, START, END)
    assert lines == [
        BankLine(2, d(5), "DWP PIP, four weekly", "PIP123", 18430),
        # line 3 is blank: skipped, but counted, as an editor counts lines
        BankLine(4, d(13), "BRITISH GAS DD", None, -4500),
        BankLine(5, d(31), "Interest", "INT", 5),
    ]
    assert rules.total(lines) == 18430 - 4500 + 5


def test_a_file_with_only_its_header_has_no_lines() -> None:
    assert parse_statement_csv(HEADER, START, END) == []


def _problems(text_: str) -> dict[int, str]:
    result = parse_statement_csv(text_, START, END)
    assert isinstance(result, CsvRefused), result
    return {p.line: p.message for p in result.problems}


def test_every_bad_line_is_reported_with_its_line_number() -> None:
    problems = _problems(
        HEADER
        + "2026-10-05,ok,,10.00\n"
        + "05/10/2026,UK date,,10.00\n"
        + "2026-10-32,no such day,,10.00\n"
        + "2026-10-06,one place,,12.5\n"
        + "2026-10-06,three places,,12.500\n"
        + "2026-10-06,a float,,1e3\n"
        + '2026-10-06,thousands,,"1,234.50"\n'
        + "2026-10-06,pound sign,,£12.50\n"
        + "2026-10-06,plus sign,,+12.50\n"
        + "2026-10-06,zero,,0.00\n"
        + "2026-11-01,after the period,,10.00\n"
        + "2026-09-30,before the period,,10.00\n"
        + "2026-10-06,,no description,10.00\n"
        + "2026-10-06,a comma, unquoted,REF,10.00\n"
        + "2026-10-06,too few,10.00\n"
    )
    assert set(problems) == set(range(3, 17))
    assert "is not a date written YYYY-MM-DD" in problems[3]
    assert "is not a date written YYYY-MM-DD" in problems[4]
    for line in (5, 6, 7, 8, 9, 10):
        assert "exactly two decimal places" in problems[line], line
    assert "'12.5'" in problems[5]
    assert "0.00" in problems[11]
    assert "outside the statement period 2026-10-01 to 2026-10-31" in problems[12]
    assert "outside the statement period" in problems[13]
    assert problems[14] == "description is empty"
    assert "has 5 fields, not 4" in problems[15]
    assert "has 3 fields, not 4" in problems[16]


def test_one_line_with_two_problems_reports_both() -> None:
    problems = _problems(HEADER + "2026-13-01,,,12.5\n")
    assert "date" in problems[2] and "description is empty" in problems[2]
    assert "amount '12.5'" in problems[2]


def test_the_header_must_be_the_four_columns_in_order() -> None:
    assert (
        "header must be date,description,reference,amount"
        in _problems("date,amount,description,reference\n2026-10-05,1.00,x,\n")[1]
    )
    assert "header" in _problems("")[1]
    assert "header" in _problems("\n\n")[1]


def test_a_field_over_two_lines_is_refused() -> None:
    problems = _problems(HEADER + '2026-10-05,"two\nlines",,1.00\n2026-10-06,ok,,1.00\n')
    assert problems == {2: "a field runs over more than one line"}


def test_at_most_five_thousand_lines() -> None:
    line = "2026-10-05,x,,1.00\n"
    most = parse_statement_csv(HEADER + line * rules.MAX_LINES, START, END)
    assert isinstance(most, list) and len(most) == 5000
    assert _problems(HEADER + line * (rules.MAX_LINES + 1)) == {
        0: "has more than 5,000 transaction lines"
    }


def test_many_problems_are_reported_up_to_a_limit() -> None:
    refused = parse_statement_csv(HEADER + "bad,x,,1.00\n" * 150, START, END)
    assert isinstance(refused, CsvRefused)
    fields = refused.as_fields()
    assert len(fields) == rules.MAX_REPORTED_PROBLEMS + 1
    assert fields["csv"] == "and 50 more lines have problems"
    assert "csv line 2" in fields


def test_the_digest_ignores_line_endings_and_a_byte_order_mark() -> None:
    unix = HEADER + "2026-10-05,x,,1.00\n"
    assert rules.digest(unix) == rules.digest("\ufeff" + unix.replace("\n", "\r\n"))
    assert rules.digest(unix) == rules.digest(unix + "\n\n")
    assert rules.digest(unix) != rules.digest(unix.replace("1.00", "1.01"))


def test_a_statement_must_add_up() -> None:
    lines = [BankLine(2, d(5), "in", None, 1000), BankLine(3, d(6), "out", None, -250)]
    assert rules.balance_problem(10_000, 10_750, lines) is None
    problem = rules.balance_problem(10_000, 10_700, lines)
    assert problem is not None
    assert "100.00 + lines 7.50 = 107.50, not the closing balance 107.00" in problem
    assert "out by -0.50" in problem


def test_the_heading_is_checked() -> None:
    today = d(23, 11)
    assert rules.statement_problems("CMS", START, END, today) == {}
    assert rules.statement_problems(" ", START, END, today) == {"account_name": "is required"}
    assert "period_end" in rules.statement_problems("CMS", END, START, today)
    assert "future" in rules.statement_problems("CMS", START, d(24, 11), today)["period_end"]


# --- matching, without a database -----------------------------------------------------------


def _line(no: int, day: int, amount: int, ref: str | None = None) -> BankLine:
    return BankLine(no, d(day), f"line {no}", ref, amount)


def _move(n: int, day: int, amount: int, ref: str | None = None) -> LedgerMove:
    return LedgerMove(uuid.UUID(int=n), d(day), amount, ref, seq=n)


def _pairs(matches: list[Match]) -> dict[int, int]:
    return {m.line_no: m.transfer_id.int for m in matches}


def test_a_line_matches_the_same_money_moving_the_same_way_within_the_slack() -> None:
    lines = [_line(2, 10, 5000), _line(3, 10, -5000), _line(4, 10, 700)]
    moves = [_move(1, 13, 5000), _move(2, 7, -5000), _move(3, 14, 700)]  # 3, 3 and 4 days
    assert _pairs(auto_match(lines, moves)) == {2: 1, 3: 2}


def test_money_in_never_matches_money_out() -> None:
    assert auto_match([_line(2, 10, 5000)], [_move(1, 10, -5000)]) == []


def test_an_equal_reference_is_preferred_to_a_nearer_date() -> None:
    lines = [_line(2, 10, 5000, "pip 123")]
    moves = [_move(1, 10, 5000, "OTHER"), _move(2, 12, 5000, " PIP  123 ")]
    assert _pairs(auto_match(lines, moves)) == {2: 2}


def test_the_nearest_date_wins_and_each_is_matched_once() -> None:
    lines = [_line(2, 10, 5000), _line(3, 10, 5000)]
    moves = [_move(1, 8, 5000), _move(2, 10, 5000), _move(3, 11, 5000)]
    assert _pairs(auto_match(lines, moves)) == {2: 2, 3: 3}


def test_pairs_are_rearranged_so_that_more_lines_match() -> None:
    # Line 2 is nearest transfer 1, but only line 2 can take transfer 2 and only line 3
    # transfer 1: taking the nearest pair first would leave line 3 unmatched.
    lines = [_line(2, 10, 5000), _line(3, 13, 5000)]
    moves = [_move(1, 11, 5000), _move(2, 8, 5000)]
    assert _pairs(auto_match(lines, moves)) == {2: 2, 3: 1}


def test_a_pair_on_equal_references_is_never_rearranged() -> None:
    lines = [_line(2, 10, 5000, "R1"), _line(3, 13, 5000)]
    moves = [_move(1, 11, 5000, "R1"), _move(2, 8, 5000)]
    assert _pairs(auto_match(lines, moves)) == {2: 1}


def test_matching_many_lines_of_the_same_amount_is_quick() -> None:
    # A benefit run: hundreds of clients paid the same amount on the same day.
    lines = [_line(i, 10, 18430) for i in range(2, 402)]
    moves = [_move(i, 10 + i % 3, 18430) for i in range(1, 400)]
    assert len(auto_match(lines, moves)) == 399


def test_a_manual_match_needs_the_same_money_the_same_way() -> None:
    assert rules.manual_match_problem(5000, 5000) is None
    assert "other way" in (rules.manual_match_problem(5000, -5000) or "")
    assert "same amount" in (rules.manual_match_problem(-5000, -4999) or "")


# --- through the endpoint -------------------------------------------------------------------

LINE_FIELDS = """
  lineNo postedOn description reference amount
  transfer { id amount valueDate reference }
  match { method matchedBy matchedAt }
"""

RECONCILIATION = f"""
query Rec($id: ID!, $first: Int, $after: String) {{
  bankReconciliation(statementId: $id) {{
    statement {{ id lineCount matchedLineCount }}
    statementClosingBalance ledgerBalance difference reconciled slackDays
    unmatchedLineCount unmatchedTransferCount
    lines(first: $first, after: $after) {{
      edges {{ cursor node {{ {LINE_FIELDS} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
    unmatchedLines {{ nodes {{ lineNo amount description }} }}
    unmatchedTransfers {{ nodes {{ amount transfer {{ id amount valueDate description }} }} }}
  }}
}}
"""

MATCH = f"""
mutation Match($input: MatchBankLineInput!) {{
  matchBankLine(input: $input) {{
    __typename
    ... on BankStatementLinePayload {{ line {{ {LINE_FIELDS} }} }}
    ... on ValidationProblem {{ code message fields {{ field message }} }}
    ... on NotFoundProblem {{ code message id }}
    ... on InvalidStateProblem {{ code message }}
  }}
}}
"""

STATEMENTS = """
query List($first: Int, $after: String) {
  bankStatements(first: $first, after: $after) {
    edges { cursor node { id periodStart periodEnd lineCount matchedLineCount } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

OFFICER = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER})), "test-reconciliation")


@dataclass
class Books:
    """A client with a CMS account and cash held, the DWP and a gas supplier."""

    session: AsyncSession
    client_id: uuid.UUID
    cms: uuid.UUID
    cash: uuid.UUID
    dwp: uuid.UUID
    gas: uuid.UUID

    async def move(
        self,
        source: uuid.UUID,
        target: uuid.UUID,
        pence: int,
        on: date,
        category: Category,
        reference: str | None = None,
    ) -> Transfer:
        async with unit_of_work(self.session):
            return await ledger_transfers.post(
                self.session,
                OFFICER,
                Movement(
                    from_account_id=source,
                    to_account_id=target,
                    amount=pence,
                    value_date=on,
                    category=category,
                    description=f"{category.value} {pence}",
                    reference=reference,
                ),
            )

    async def benefit(self, pence: int, on: date, reference: str | None = None) -> Transfer:
        return await self.move(self.dwp, self.cms, pence, on, Category.IN_BENEFITS, reference)

    async def gas_bill(self, pence: int, on: date, reference: str | None = None) -> Transfer:
        return await self.move(self.cms, self.gas, pence, on, Category.OUT_GAS, reference)


@pytest.fixture
async def books(session: AsyncSession) -> Books:
    created = await clients.create_client(
        session,
        OFFICER,
        ClientDetails(
            given_name="Arthur",
            family_name="Ashdown",
            date_of_birth=date(1940, 3, 1),
            situation=Situation.RESIDENTIAL_CARE,
        ),
        idempotency_key="books-client-arthur",
    )
    client = created.client
    dwp = await ledger.create_counterparty(
        session, OFFICER, kind=CounterpartyKind.DWP, name="DWP", reference=None
    )
    gas = await ledger.create_counterparty(
        session, OFFICER, kind=CounterpartyKind.SUPPLIER, name="British Gas", reference=None
    )
    async with unit_of_work(session):
        cms = await ledger_accounts.client_account(session, client.id)
        cash = await ledger_accounts.client_account(session, client.id, AccountKind.CLIENT_CASH)
        dwp_account = await ledger.counterparty_account(session, dwp.id)
        gas_account = await ledger.counterparty_account(session, gas.id)
    return Books(session, client.id, cms.id, cash.id, dwp_account.id, gas_account.id)


def tid(transfer: Transfer) -> str:
    return encode_id("Transfer", transfer.id)


async def reconciliation(api: Api, statement_id: str, role: str = "auditor", **kw: Any) -> Any:
    data = await api.data(RECONCILIATION, {"id": statement_id, **kw}, role=role)
    return data["bankReconciliation"]


async def test_a_statement_that_agrees_with_the_ledger_reconciles(api: Api, books: Books) -> None:
    pip = await books.benefit(18430, d(5), "PIP123")
    bill = await books.gas_bill(4500, d(12))
    drawn = await books.move(
        books.cms, books.cash, 2000, d(20), Category.TRANSFER_BETWEEN_OWN_ACCOUNTS
    )
    csv = (
        HEADER
        + "2026-10-06,DWP PIP,PIP123,184.30\n"  # the bank a day after the ledger
        + "2026-10-13,BRITISH GAS,DD 4471,-45.00\n"
        + "2026-10-20,CASH WITHDRAWAL,,-20.00\n"  # cash drawn leaves the bank account too
    )
    result = await import_statement(api, csv, closing="119.30")
    assert result["__typename"] == "ImportBankStatementPayload", result
    assert result["autoMatched"] == 3
    statement = result["statement"]
    assert statement["lineCount"] == 3 and statement["matchedLineCount"] == 3
    assert statement["importedBy"] == "sasha"
    assert statement["openingBalance"] == "0.00" and statement["closingBalance"] == "119.30"
    assert len(statement["sha256"]) == 64

    rec = await reconciliation(api, statement["id"])
    assert rec["statementClosingBalance"] == "119.30"
    assert rec["ledgerBalance"] == "119.30"
    assert rec["difference"] == "0.00"
    assert rec["reconciled"] is True
    assert rec["slackDays"] == 3
    assert rec["unmatchedLineCount"] == 0 and rec["unmatchedTransferCount"] == 0
    assert rec["unmatchedLines"]["nodes"] == [] and rec["unmatchedTransfers"]["nodes"] == []
    lines = [e["node"] for e in rec["lines"]["edges"]]
    assert [(n["lineNo"], n["amount"], n["transfer"]["id"]) for n in lines] == [
        (2, "184.30", tid(pip)),
        (3, "-45.00", tid(bill)),
        (4, "-20.00", tid(drawn)),
    ]
    assert {n["match"]["method"] for n in lines} == {"AUTO"}
    assert lines[0]["reference"] == "PIP123" and lines[2]["reference"] is None

    audit = (
        await books.session.execute(
            text(
                "SELECT principal, action, after FROM audit_log "
                "WHERE entity_type = 'bank_statement'"
            )
        )
    ).all()
    assert len(audit) == 1
    assert audit[0].principal == "sasha" and audit[0].action == "import"
    assert audit[0].after["auto_matched"] == 3 and audit[0].after["lines"] == 3


async def test_a_bank_charge_and_an_unbanked_payment_are_left_unmatched(
    api: Api, books: Books
) -> None:
    await books.benefit(50000, d(1, 9))  # before the period: the opening balance
    pip = await books.benefit(18430, d(5), "PIP123")
    late = await books.gas_bill(3000, d(28))  # not through the bank by the 31st
    await books.gas_bill(1000, d(3, 11))  # after the period: not in the ledger balance
    csv = HEADER + "2026-10-05,DWP PIP,PIP123,184.30\n" + "2026-10-30,BANK CHARGE,,-5.00\n"
    result = await import_statement(api, csv, opening="500.00", closing="679.30")
    assert result["autoMatched"] == 1

    rec = await reconciliation(api, result["statement"]["id"], role="senior_officer")
    assert rec["statementClosingBalance"] == "679.30"
    assert rec["ledgerBalance"] == "654.30"  # 500.00 + 184.30 - 30.00
    assert rec["difference"] == "25.00"  # the unbanked 30.00 less the 5.00 charge
    assert rec["reconciled"] is False
    assert rec["unmatchedLineCount"] == 1 and rec["unmatchedTransferCount"] == 1
    assert rec["unmatchedLines"]["nodes"] == [
        {"lineNo": 3, "amount": "-5.00", "description": "BANK CHARGE"}
    ]
    [unbanked] = rec["unmatchedTransfers"]["nodes"]
    assert unbanked["amount"] == "-30.00"  # signed as the bank sees it
    assert unbanked["transfer"]["id"] == tid(late) and unbanked["transfer"]["amount"] == "30.00"
    lines = {e["node"]["lineNo"]: e["node"] for e in rec["lines"]["edges"]}
    assert lines[2]["transfer"]["id"] == tid(pip)
    assert lines[3]["transfer"] is None and lines[3]["match"] is None


async def test_an_officer_matches_a_line_by_hand(api: Api, books: Books) -> None:
    cheque = await books.benefit(6000, d(1))  # banked eight days later: beyond the slack
    other = await books.benefit(6100, d(9))
    refund = await books.gas_bill(6000, d(9))  # money out: the wrong way for the line
    csv = HEADER + "2026-10-09,CHEQUE 000123,,60.00\n"
    result = await import_statement(api, csv, closing="60.00")
    assert result["autoMatched"] == 0
    sid = result["statement"]["id"]

    async def match(transfer_id: str, line: int = 2, **kw: Any) -> Any:
        variables = {"input": {"statementId": sid, "lineNo": line, "transferId": transfer_id, **kw}}
        data = await api.data(MATCH, variables, role="assistant", sub="ash")
        return data["matchBankLine"]

    wrong_amount = await match(tid(other))
    assert wrong_amount["__typename"] == "ValidationProblem"
    assert "same amount" in wrong_amount["fields"][0]["message"]
    wrong_way = await match(tid(refund))
    assert wrong_way["__typename"] == "ValidationProblem"
    assert "other way" in wrong_way["fields"][0]["message"]
    no_line = await match(tid(cheque), line=9)
    assert no_line["__typename"] == "NotFoundProblem" and no_line["id"] == sid
    assert "line 9" in no_line["message"]
    unknown = encode_id("Transfer", uuid.uuid4())
    no_transfer = await match(unknown)
    assert no_transfer["__typename"] == "NotFoundProblem" and no_transfer["id"] == unknown

    done = await match(tid(cheque), reason="cheque banked late")
    assert done["__typename"] == "BankStatementLinePayload", done
    assert done["line"]["transfer"]["id"] == tid(cheque)
    assert done["line"]["match"]["method"] == "MANUAL"
    assert done["line"]["match"]["matchedBy"] == "ash"
    again = await match(tid(cheque))  # the same match again changes nothing
    assert again["__typename"] == "BankStatementLinePayload"
    assert again["line"] == done["line"]  # issue 10 item 6: the first match stands as it was
    taken = await match(tid(other))
    assert taken["__typename"] == "InvalidStateProblem"
    assert "already matched" in taken["message"]

    rec = await reconciliation(api, sid)
    assert rec["unmatchedLineCount"] == 0
    # The other two transfers of the period are not on this statement.
    assert rec["unmatchedTransferCount"] == 2

    audit = (
        await books.session.execute(
            text(
                "SELECT principal, reason, client_id, after FROM audit_log "
                "WHERE entity_type = 'bank_statement' AND action = 'match_line'"
            )
        )
    ).all()
    assert len(audit) == 1
    assert audit[0].principal == "ash" and audit[0].reason == "cheque banked late"
    assert audit[0].client_id == books.client_id
    assert audit[0].after["line_no"] == 2 and audit[0].after["method"] == "MANUAL"


async def test_a_transfer_is_matched_to_one_statement_only(api: Api, books: Books) -> None:
    pay = await books.benefit(7000, d(30))
    first = await import_statement(api, HEADER + "2026-10-30,DWP,,70.00\n", closing="70.00")
    assert first["autoMatched"] == 1
    # November's statement shows the same amount on the 1st, within the slack of the 30th.
    november = bank_statement_input(
        HEADER + "2026-11-01,DWP,,70.00\n",
        opening="70.00",
        closing="140.00",
        periodStart="2026-11-01",
        periodEnd="2026-11-22",
    )
    second = (await api.data(IMPORT_BANK_STATEMENT, {"input": november}, role="assistant"))[
        "importBankStatement"
    ]
    assert second["autoMatched"] == 0
    line = await api.data(
        MATCH,
        {"input": {"statementId": second["statement"]["id"], "lineNo": 2, "transferId": tid(pay)}},
        role="assistant",
    )
    assert line["matchBankLine"]["__typename"] == "InvalidStateProblem"
    assert "2026-10-01 to 2026-10-31" in line["matchBankLine"]["message"]

    page1 = (await api.data(STATEMENTS, {"first": 1}, role="auditor"))["bankStatements"]
    assert [e["node"]["periodStart"] for e in page1["edges"]] == ["2026-11-01"]
    assert page1["pageInfo"]["hasNextPage"] is True
    after = page1["pageInfo"]["endCursor"]
    page2 = (await api.data(STATEMENTS, {"first": 1, "after": after}, role="auditor"))[
        "bankStatements"
    ]
    assert [e["node"]["periodStart"] for e in page2["edges"]] == ["2026-10-01"]
    assert page2["edges"][0]["node"]["matchedLineCount"] == 1
    assert page2["pageInfo"]["hasNextPage"] is False


async def test_lines_come_a_page_at_a_time(api: Api, books: Books) -> None:
    csv = HEADER + "".join(f"2026-10-{day:02d},INTEREST,,0.01\n" for day in range(1, 6))
    result = await import_statement(api, csv, closing="0.05")
    sid = result["statement"]["id"]
    first = await reconciliation(api, sid, first=2)
    assert [e["node"]["lineNo"] for e in first["lines"]["edges"]] == [2, 3]
    rest = await reconciliation(api, sid, first=10, after=first["lines"]["pageInfo"]["endCursor"])
    assert [e["node"]["lineNo"] for e in rest["lines"]["edges"]] == [4, 5, 6]
    assert rest["lines"]["pageInfo"]["hasNextPage"] is False
    assert rest["unmatchedLineCount"] == 5 and rest["difference"] == "0.05"


async def test_a_malformed_file_is_refused_whole(api: Api) -> None:
    csv = (
        HEADER
        + "2026-10-05,fine,,10.00\n"
        + "2026-31-10,bad date,,10.00\n"
        + "2026-10-06,one decimal place,,10.0\n"
        + "2026-10-07,float looking,,12.5\n"
    )
    result = await import_statement(api, csv, closing="42.50")
    assert result["__typename"] == "ValidationProblem"
    assert result["code"] == "VALIDATION_FAILED"
    fields = {f["field"]: f["message"] for f in result["fields"]}
    assert set(fields) == {"csv line 3", "csv line 4", "csv line 5"}
    assert "'2026-31-10' is not a date written YYYY-MM-DD" in fields["csv line 3"]
    assert "'10.0' is not pounds and pence with exactly two decimal places" in fields["csv line 4"]
    assert "'12.5'" in fields["csv line 5"]
    listed = await api.data(STATEMENTS, role="auditor")
    assert listed["bankStatements"]["edges"] == []


async def test_a_statement_that_does_not_add_up_is_refused(api: Api) -> None:
    csv = HEADER + "2026-10-05,DWP,,184.30\n2026-10-06,GAS,,-45.00\n"
    result = await import_statement(api, csv, opening="100.00", closing="239.03")
    assert result["__typename"] == "ValidationProblem"
    [field] = result["fields"]
    assert field["field"] == "closingBalance"
    assert "100.00 + lines 139.30 = 239.30, not the closing balance 239.03" in field["message"]
    assert (await api.data(STATEMENTS, role="auditor"))["bankStatements"]["edges"] == []


async def test_a_heading_that_makes_no_sense_is_refused(api: Api) -> None:
    result = await import_statement(
        api, HEADER, accountName="  ", periodStart="2026-11-01", periodEnd="2026-10-31"
    )
    fields = {f["field"] for f in result["fields"]}
    assert fields == {"accountName", "periodEnd"}
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    result = await import_statement(api, HEADER, periodEnd=tomorrow)
    assert result["__typename"] == "ValidationProblem"


async def test_the_same_file_is_imported_once(api: Api) -> None:
    csv = HEADER + "2026-10-05,DWP,,184.30\n"
    first = await import_statement(api, csv, closing="184.30")
    assert first["__typename"] == "ImportBankStatementPayload"
    again = await import_statement(api, csv, closing="184.30")
    assert again["__typename"] == "DuplicateStatementProblem"
    assert again["code"] == "DUPLICATE"
    assert again["existingStatementId"] == first["statement"]["id"]
    assert "imported already" in again["message"] and "sasha" in again["message"]
    # The same file saved with Windows line endings is still the same file.
    windows = await import_statement(api, csv.replace("\n", "\r\n"), closing="184.30")
    assert windows["__typename"] == "DuplicateStatementProblem"
    listed = await api.data(STATEMENTS, role="auditor")
    assert len(listed["bankStatements"]["edges"]) == 1


async def test_money_must_be_a_two_place_string(api: Api) -> None:
    body = await api.gql(
        IMPORT_BANK_STATEMENT,
        {"input": bank_statement_input(HEADER, opening="12.5")},
        role="senior_officer",
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "role", ["reporting", "social_worker", "integration_controcc", "integration_sap", "auditor"]
)
async def test_only_officers_import_and_match(api: Api, role: str) -> None:
    body = await api.gql(IMPORT_BANK_STATEMENT, {"input": bank_statement_input(HEADER)}, role=role)
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"] is None
    sid, t = encode_id("BankStatement", uuid.uuid4()), encode_id("Transfer", uuid.uuid4())
    variables = {"input": {"statementId": sid, "lineNo": 2, "transferId": t}}
    body = await api.gql(MATCH, variables, role=role)
    assert error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "role", ["reporting", "social_worker", "integration_controcc", "integration_sap"]
)
async def test_only_officers_and_audit_read_reconciliations(api: Api, role: str) -> None:
    sid = encode_id("BankStatement", uuid.uuid4())
    body = await api.gql(RECONCILIATION, {"id": sid}, role=role)
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(STATEMENTS, role=role)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_the_auditor_reads_a_reconciliation(api: Api, books: Books) -> None:
    await books.benefit(1000, d(2))
    result = await import_statement(api, HEADER + "2026-10-02,DWP,,10.00\n", closing="10.00")
    rec = await reconciliation(api, result["statement"]["id"], role="auditor")
    assert rec["reconciled"] is True
    listed = await api.data(STATEMENTS, role="auditor")
    assert len(listed["bankStatements"]["edges"]) == 1


async def test_an_unknown_statement_is_not_found(api: Api) -> None:
    body = await api.gql(RECONCILIATION, {"id": encode_id("BankStatement", uuid.uuid4())})
    assert error_codes(body) == ["NOT_FOUND"]
    body = await api.gql(RECONCILIATION, {"id": encode_id("Transfer", uuid.uuid4())})
    assert error_codes(body) == ["BAD_ID"]
    body = await api.gql(STATEMENTS, {"after": "bm90IG91cnM="})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_the_database_refuses_a_match_of_different_money(api: Api, books: Books) -> None:
    """The trigger is the backstop if the service's check were ever wrong."""
    pay = await books.benefit(1000, d(2))
    result = await import_statement(api, HEADER + "2026-10-02,DWP,,-10.00\n", closing="-10.00")
    sid = decode_uuid("BankStatement", result["statement"]["id"])
    with pytest.raises(DBAPIError, match="is not the money transfer"):
        async with books.session.begin_nested():
            await books.session.execute(
                text(
                    "INSERT INTO bank_match (statement_id, line_no, transfer_id, method, "
                    "matched_by) VALUES (:s, 2, :t, 'MANUAL', 'x')"
                ),
                {"s": sid, "t": pay.id},
            )

"""The SPA's client page in one request and a pinned number of SQL statements (issue 18 item 2;
as Saleor's ``count_queries`` pins a page): the client, their orders, their accounts with the
latest twenty statement lines, open invoices, payments awaiting approval, pending decisions and
the current budget plan (``tests/client_page_document.CLIENT_PAGE``), through the real endpoint.
The client row is read once (every client-keyed field judges readability on the request's
loader), every list is one statement whatever its size, and the accounts' latest lines are one
statement whatever the number of accounts.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import unit_of_work
from ca_api.ledger import accounts as ledger
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import AccountKind, Category
from ca_api.ledger.transfers import Movement
from tests.client_page_document import CLIENT_PAGE
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    decision_input,
    fund,
    new_client,
    new_counterparty,
    raised,
    raised_payment,
    record_appointeeship,
    record_deputyship,
    record_plan,
    recorded,
    refer_client,
    surplus_plan_input,
)
from tests.factories import payable_invoice as payable
from tests.support import statements

MOVER = Actor(Principal("page.test", frozenset({Role.HEAD_OF_SERVICE})), "test-client-page")


async def busy_client(api: Api, session: AsyncSession, size: int) -> dict[str, Any]:
    """A client with ``size`` of everything the page lists: a deputyship and an appointeeship;
    ``size`` benefit receipts into the CMS account and ``size`` moves (of 1p more each time) on
    to Court Funds, so both accounts have lines and a move between them is a line of each;
    ``size`` open invoices, ``size`` payments awaiting approval (each of another checked invoice),
    ``size`` pending decisions, and a budget plan for this year."""
    client = await new_client(api)
    assert (await record_deputyship(api, client["id"]))["__typename"] == "DeputyshipPayload"
    made = await record_appointeeship(api, client["id"])
    assert made["__typename"] == "AppointeeshipPayload"
    cid = decode_uuid("Client", client["id"])
    for _ in range(size):
        await fund(session, api, client, 10_000)
    async with unit_of_work(session):
        cms = await ledger.client_account(session, cid)
        court = await ledger.client_account(session, cid, AccountKind.CLIENT_COURT_FUNDS)
        for n in range(size):
            await ledger_transfers.post(
                session,
                MOVER,
                Movement(
                    from_account_id=cms.id,
                    to_account_id=court.id,
                    amount=100 + n,
                    value_date=clock.today() - timedelta(days=1),
                    category=Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
                    description=f"Lodged {n}",
                ),
            )
    supplier = await new_counterparty(api, "SUPPLIER")
    for _ in range(size):
        await recorded(api, client, supplier)
        await raised_payment(api, (await payable(api, client, supplier, amount="1.00"))["id"])
        await raised(api, decision_input(client, "BEST_INTEREST", "10.00"))
    plan = await record_plan(api, surplus_plan_input(client["id"], "100.00"))
    return {**client, "plan": plan, "size": size}


# What each statement of the page is: a pattern on its start, and its name here. A statement
# matching none is named by its first words, so an extra one fails the count with its SQL. A
# list read from a subquery or straight from its table names its columns by another prefix
# (``anon_1.`` or ``invoice.``): the invoices and payments are known by their own first columns,
# whatever the prefix.
KINDS = (
    (r"SAVEPOINT", "the request's transaction (BEGIN in production)"),
    (r"ROLLBACK TO SAVEPOINT", "the request's transaction ended (ROLLBACK in production)"),
    (r"SELECT client_current\.", "the client, once (client and every client-keyed check)"),
    (
        r"SELECT (\w+)\.kind, \1\.starts, .* FROM deputyship_current .* UNION ALL .* "
        r"FROM appointeeship_current ",
        "the deputyships and appointeeships, together",
    ),
    (r"SELECT ledger_account\..* transfer\.id", "the client's accounts and their latest lines"),
    (r"SELECT ledger_account\.", "the client's accounts"),
    (r"SELECT acc\.id, transfer\.", "the lines of accounts read before"),
    (r"SELECT (\w+)\.id, \1\.client_id, \1\.supplier_id, ", "the invoices"),
    (r"SELECT (\w+)\.id, \1\.client_id, \1\.invoice_id, \1\.payee_id, ", "the payments"),
    (r"SELECT decision\.", "the decisions"),
    (r"SELECT counterparty\.", "the invoices' suppliers and the payments' payees"),
    (
        r"SELECT budget_plan\.id, .*json_agg\(.* FROM budget_plan_line .* FROM budget_plan ",
        "the budget plans, each with its lines and what supersedes it",
    ),
)

# The page, statement by statement: eight queries, and the transaction around them (issue 18
# item 2: at most ten statements).
PAGE_STATEMENTS = Counter(
    {
        "the request's transaction (BEGIN in production)": 1,
        "the client, once (client and every client-keyed check)": 1,
        "the deputyships and appointeeships, together": 1,
        "the client's accounts and their latest lines": 1,
        "the invoices": 1,
        "the payments": 1,
        "the decisions": 1,
        "the invoices' suppliers and the payments' payees": 1,
        "the budget plans, each with its lines and what supersedes it": 1,
        "the request's transaction ended (ROLLBACK in production)": 1,
    }
)


def kind_of(sql: str) -> str:
    text = " ".join(sql.split())
    for pattern, name in KINDS:
        if re.match(pattern, text):
            return name
    return text[:120]


async def page_of(
    api: Api, db: RolledBackDatabase, client: dict[str, Any]
) -> tuple[Any, Counter[str]]:
    with statements(db) as sent:
        data = await api.data(CLIENT_PAGE, {"id": client["id"]})
    return data, Counter(kind_of(s) for s in sent)


@pytest.fixture
async def small(api: Api, session: AsyncSession) -> dict[str, Any]:
    return await busy_client(api, session, 1)


@pytest.fixture
async def big(api: Api, session: AsyncSession) -> dict[str, Any]:
    return await busy_client(api, session, 25)


async def test_the_client_page_takes_the_same_ten_statements_whatever_its_size(
    api: Api, db: RolledBackDatabase, small: dict[str, Any], big: dict[str, Any]
) -> None:
    """N+1 is a bug, and so is reading the client four times: the page is the same statements
    for a client with one of everything and for one with 25 (50 lines in each account)."""
    for client in (small, big):
        _, sent = await page_of(api, db, client)
        assert sent == PAGE_STATEMENTS, sent
        assert sum(sent.values()) == 10


async def test_the_page_shows_the_busy_client(
    api: Api, db: RolledBackDatabase, big: dict[str, Any]
) -> None:
    data, _ = await page_of(api, db, big)
    client = data["client"]
    assert client["id"] == big["id"]
    assert client["reference"] == big["reference"]
    assert client["legalRole"] == "BOTH"
    assert len(client["deputyships"]) == 1
    assert len(client["appointeeships"]) == 1
    accounts = {a["kind"]: a for a in client["accounts"]}
    assert set(accounts) == {"CLIENT_CMS", "CLIENT_COURT_FUNDS"}
    # 25 receipts of 100.00, then 25 moves of 1.00, 1.01, ... 1.24 on to Court Funds.
    moved = sum(100 + n for n in range(25))
    assert accounts["CLIENT_CMS"]["balance"] == f"{(25 * 10_000 - moved) / 100:.2f}"
    assert accounts["CLIENT_COURT_FUNDS"]["balance"] == f"{moved / 100:.2f}"
    cms = accounts["CLIENT_CMS"]["statement"]
    lines = [e["node"] for e in cms["edges"]]
    # The latest twenty of its fifty lines, in posting order: the last twenty moves out.
    assert [ln["amount"] for ln in lines] == [f"-{(100 + n) / 100:.2f}" for n in range(5, 25)]
    assert lines[-1]["balanceAfter"] == accounts["CLIENT_CMS"]["balance"]
    assert cms["pageInfo"]["hasPreviousPage"] is True
    court = [e["node"] for e in accounts["CLIENT_COURT_FUNDS"]["statement"]["edges"]]
    # The same moves, seen from the account they went to: money in.
    assert [ln["amount"] for ln in court] == [f"{(100 + n) / 100:.2f}" for n in range(5, 25)]
    assert [ln["transfer"]["id"] for ln in court] == [ln["transfer"]["id"] for ln in lines]
    assert court[-1]["balanceAfter"] == accounts["CLIENT_COURT_FUNDS"]["balance"]
    assert len(data["invoices"]["edges"]) == 20  # 25 recorded, 25 more paid by payments
    payments = [e["node"] for e in data["payments"]["edges"]]
    assert len(payments) == 20 and {p["status"] for p in payments} == {"RAISED"}
    decisions = [e["node"] for e in data["decisions"]["edges"]]
    assert len(decisions) == 20 and {d["status"] for d in decisions} == {"RAISED"}
    [plan] = [e["node"] for e in data["budgetPlans"]["edges"]]
    assert plan["id"] == big["plan"]["id"]
    assert plan["approvalStatus"] == "NOT_SUBMITTED"


STATEMENTS = """
query($id: ID!, $account: ID!, $first: Int, $last: Int, $before: String) {
  client(id: $id) { accounts { id statement(first: $first, last: $last, before: $before) {
    edges { cursor node { amount balanceAfter transfer { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }
  accountStatement(accountId: $account, first: $first, last: $last, before: $before) {
    edges { cursor node { amount balanceAfter transfer { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
}
"""


@pytest.mark.parametrize(
    "page",
    [{"last": 20}, {"first": 7}, {"last": 3}, {"last": 80}],
    ids=["latest-20", "first-7", "latest-3", "more-than-there-are"],
)
async def test_a_statement_read_with_its_accounts_is_the_account_statement(
    api: Api, big: dict[str, Any], page: dict[str, int]
) -> None:
    """The lines read together from either end are the page accountStatement gives, cursors
    and all; and the page before them, from the cursor, follows on."""
    first = await api.gql(
        "query($id: ID!) { client(id: $id) { accounts { id kind } } }", {"id": big["id"]}
    )
    cms = next(a for a in first["data"]["client"]["accounts"] if a["kind"] == "CLIENT_CMS")
    data = await api.data(STATEMENTS, {"id": big["id"], "account": cms["id"], **page})
    together = next(a for a in data["client"]["accounts"] if a["id"] == cms["id"])["statement"]
    assert together == data["accountStatement"]
    assert len(together["edges"]) == min(50, page.get("last", page.get("first", 0)))
    if "last" in page and together["pageInfo"]["hasPreviousPage"]:
        before = together["pageInfo"]["startCursor"]
        earlier = await api.data(
            STATEMENTS, {"id": big["id"], "account": cms["id"], "last": 5, "before": before}
        )
        lines = earlier["accountStatement"]["edges"]
        assert len(lines) == 5
        assert lines[-1]["node"]["balanceAfter"] != together["edges"][0]["node"]["balanceAfter"]


@pytest.mark.parametrize("last", [0, -1, 1001])
async def test_how_many_lines_is_bounded(api: Api, small: dict[str, Any], last: int) -> None:
    body = await api.gql(
        "query($id: ID!, $last: Int) { client(id: $id) { accounts { statement(last: $last) {"
        " edges { cursor } } } } }",
        {"id": small["id"], "last": last},
    )
    assert "BAD_USER_INPUT" in error_codes(body), body


async def test_a_social_worker_sees_no_accounts_of_their_referral(api: Api) -> None:
    """R-ROLE: the ledger is officers' and auditors'; a social worker reading the client they
    referred gets null for its accounts, not an error."""
    client_id = await refer_client(api, "sam.socialworker")
    body = await api.gql(
        "query($id: ID!) { client(id: $id) { id accounts { id statement(last: 5) {"
        " edges { cursor } } } } }",
        {"id": client_id},
        role="social_worker",
        sub="sam.socialworker",
    )
    assert "errors" not in body, body
    assert body["data"]["client"] == {"id": client_id, "accounts": None}


async def test_a_client_not_found_answers_the_page_with_errors_not_a_crash(
    api: Api, small: dict[str, Any]
) -> None:
    """Every client-keyed field judges the client on the one read: an unknown client is
    NOT_FOUND. A field refused (a social worker may not read invoices) ends the response while
    a sibling's statement may be in flight: the request's session is closed after it, and the
    caller gets the GraphQL error, not a server error."""
    ghost = encode_id("Client", uuid.uuid4())
    body = await api.gql(CLIENT_PAGE, {"id": ghost})
    assert body["data"] is None
    assert "NOT_FOUND" in error_codes(body), body
    body = await api.gql(CLIENT_PAGE, {"id": small["id"]}, role="social_worker", sub="other.sw")
    assert body["data"] is None
    assert "FORBIDDEN" in error_codes(body), body


async def test_statements_asked_two_ways_are_each_read_as_asked(
    api: Api, db: RolledBackDatabase, big: dict[str, Any]
) -> None:
    """Two pages of the accounts' statements in one document (the latest three, the first two,
    through a fragment): the accounts are read, then each page of every account in one
    statement, and each is the page accountStatement gives."""
    query = """
    fragment Oldest on LedgerAccount { oldest: statement(first: 2) { edges { cursor } } }
    query($id: ID!) { client(id: $id) { accounts { id kind ...Oldest
      latest: statement(last: 3) { edges { cursor } } } } }
    """
    with statements(db) as sent:
        data = await api.data(query, {"id": big["id"]})
    kinds = Counter(kind_of(s) for s in sent)
    assert kinds["the client's accounts"] == 1
    assert kinds["the lines of accounts read before"] == 2
    single = """query($a: ID!, $f: Int, $l: Int) {
      accountStatement(accountId: $a, first: $f, last: $l) { edges { cursor } } }"""
    for account in data["client"]["accounts"]:
        for name, page in (("oldest", {"f": 2}), ("latest", {"l": 3})):
            alone = await api.data(single, {"a": account["id"], **page})
            assert account[name] == alone["accountStatement"], (account["kind"], name)

"""Acceptance of issue 18 (fast at the size of a shared service) as a client of the API would try
it, through the real /graphql endpoint with real tokens, written from the issue, the policy, the
published schema's descriptions and CHANGELOG "Unreleased", not from the code.

A test that finds the behaviour contradicting the contract is kept, marked xfail(strict) with the
bug.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import listener
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.auth.tokens import SigningKey
from ca_api.common.ids import decode_uuid
from ca_api.config import Settings
from tests.client_page_document import CLIENT_PAGE
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    INTAKE_BATCH_FIELDS,
    INTEGRATION_TOKENS,
    RECORD_RUN,
    amend_client,
    approve,
    approve_payment,
    cancel_payment,
    check_all,
    create_client,
    credit_benefits,
    decision_input,
    fund,
    gift_client,
    make_payment,
    new_client,
    new_counterparty,
    new_deputyship,
    new_key,
    payable_invoice,
    raise_payment,
    raised,
    raised_payment,
    receipt_input,
    record_receipt,
    record_reference,
    recorded,
    refer_client,
    refuse_decision,
)
from tests.support import app_on, fresh_database, statements

STATEMENT_LINE = "cursor node { amount balanceAfter transfer { id valueDate description } }"
PAGE_INFO = "pageInfo { hasPreviousPage hasNextPage startCursor endCursor }"
CLIENT_ACCOUNTS = f"""query($id: ID!, $last: Int, $before: String) {{
  client(id: $id) {{ id accounts {{ id kind balance
    statement(last: $last, before: $before) {{
      edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }} }} }}"""
ACCOUNT_STATEMENT = f"""query($a: ID!, $first: Int, $after: String, $last: Int, $before: String) {{
  accountStatement(accountId: $a, first: $first, after: $after, last: $last, before: $before) {{
    edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }}"""
FEED: Actor = Actor(Principal("dwp.feed", frozenset({Role.SUPPORT_ASSISTANT})), "issue18-acc")


async def busy_client(api: Api, session: AsyncSession, lines: int) -> dict[str, str]:
    """A client whose CMS account has ``lines`` credits, several on the same day."""
    client = await new_client(api)
    payer = decode_uuid("Counterparty", await new_counterparty(api, "DWP"))
    start = clock.today() - timedelta(days=lines)
    for n in range(lines):
        await credit_benefits(
            session,
            FEED,
            payer,
            client["id"],
            100 + n,  # each line's amount tells it apart
            value_date=start + timedelta(days=n // 3),
            description=f"credit {n}",
        )
    return client


async def cms_id(api: Api, client_id: str) -> str:
    data = await api.data(CLIENT_ACCOUNTS, {"id": client_id, "last": 1})
    accounts = [a for a in data["client"]["accounts"] if a["kind"] == "CLIENT_CMS"]
    assert len(accounts) == 1, data
    return str(accounts[0]["id"])


def amounts(connection: dict[str, Any]) -> list[str]:
    return [e["node"]["amount"] for e in connection["edges"]]


# --- Client.accounts and LedgerAccount.statement ----------------------------------------------


async def test_last_lines_are_the_newest_in_the_statements_order(
    api: Api, session: AsyncSession
) -> None:
    client = await busy_client(api, session, 30)
    account = await cms_id(api, client["id"])
    every = await api.data(ACCOUNT_STATEMENT, {"a": account, "first": 100})
    all_lines = every["accountStatement"]["edges"]
    assert len(all_lines) == 30
    data = await api.data(CLIENT_ACCOUNTS, {"id": client["id"], "last": 20})
    [cms] = [a for a in data["client"]["accounts"] if a["id"] == account]
    alone = await api.data(ACCOUNT_STATEMENT, {"a": account, "last": 20})
    assert cms["statement"] == alone["accountStatement"]
    # the newest 20, oldest of them first, as the whole statement orders them
    assert cms["statement"]["edges"] == all_lines[-20:]
    assert cms["statement"]["pageInfo"]["hasPreviousPage"] is True
    # the last line's running balance is the account's balance
    assert cms["statement"]["edges"][-1]["node"]["balanceAfter"] == cms["balance"]


async def test_paging_back_with_before_has_no_gap_or_overlap(
    api: Api, session: AsyncSession
) -> None:
    client = await busy_client(api, session, 23)
    account = await cms_id(api, client["id"])
    every = await api.data(ACCOUNT_STATEMENT, {"a": account, "first": 100})
    expected = [e["node"]["transfer"]["id"] for e in every["accountStatement"]["edges"]]
    got: list[str] = []
    before: str | None = None
    for _ in range(10):
        data = await api.data(CLIENT_ACCOUNTS, {"id": client["id"], "last": 5, "before": before})
        [cms] = [a for a in data["client"]["accounts"] if a["id"] == account]
        page = cms["statement"]
        got = [e["node"]["transfer"]["id"] for e in page["edges"]] + got
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert got == expected


@pytest.mark.parametrize("last", [0, -1, 100_000])
async def test_last_out_of_bounds_is_a_typed_error(
    api: Api, session: AsyncSession, last: int
) -> None:
    client = await busy_client(api, session, 2)
    body = await api.gql(CLIENT_ACCOUNTS, {"id": client["id"], "last": last})
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["path"][-1] == "statement", body
    assert body["errors"][0]["extensions"]["maximum"] >= 20, body
    assert all(a["statement"] is None for a in body["data"]["client"]["accounts"]), body


async def test_a_social_worker_gets_null_accounts_for_their_referral(api: Api) -> None:
    client_id = await refer_client(api, "sue.sw")
    # the referral itself is readable to its social worker ...
    body = await api.gql(
        "query($id: ID!) { client(id: $id) { id } }",
        {"id": client_id},
        role="social_worker",
        sub="sue.sw",
    )
    assert body["data"]["client"]["id"] == client_id, body
    # ... the ledger not
    body = await api.gql(
        "query($id: ID!) { client(id: $id) { id accounts { id balance } } }",
        {"id": client_id},
        role="social_worker",
        sub="sue.sw",
    )
    assert body["data"]["client"]["id"] == client_id, body
    assert body["data"]["client"]["accounts"] is None, body
    # an officer sees them (the denial is the role's, not an empty list)
    data = await api.data(
        "query($id: ID!) { client(id: $id) { accounts { kind } } }", {"id": client_id}
    )
    assert data["client"]["accounts"] is not None


async def test_a_social_worker_gets_null_statement_of_an_account(
    api: Api, session: AsyncSession
) -> None:
    client_id = await refer_client(api, "sue.sw")
    await fund(session, api, {"id": client_id}, 5_000)
    account = await cms_id(api, client_id)
    body = await api.gql(
        "query($a: ID!) { node(id: $a) { ... on LedgerAccount { id statement(last: 5) "
        "{ edges { cursor } } } } }",
        {"a": account},
        role="social_worker",
        sub="sue.sw",
    )
    node = (body.get("data") or {}).get("node")
    assert node is None or node.get("statement") is None, body
    body = await api.gql(
        ACCOUNT_STATEMENT, {"a": account, "last": 5}, role="social_worker", sub="sue.sw"
    )
    assert not (body.get("data") or {}).get("accountStatement"), body
    assert error_codes(body) == ["FORBIDDEN"], body
    # another social worker does not even find the client
    body = await api.gql(CLIENT_ACCOUNTS, {"id": client_id}, role="social_worker", sub="sam.sw")
    assert (body.get("data") or {}).get("client") is None, body
    assert error_codes(body) == ["NOT_FOUND"], body


@pytest.mark.parametrize("role", ["integration_controcc", "integration_sap"])
async def test_an_integration_cannot_reach_accounts_or_statement(
    api: Api, session: AsyncSession, role: str
) -> None:
    client = await busy_client(api, session, 3)
    body = await api.gql(CLIENT_ACCOUNTS, {"id": client["id"], "last": 3}, role=role, sub=role)
    client_data = (body.get("data") or {}).get("client")
    assert client_data is None or client_data.get("accounts") is None, body
    assert "balance" not in str(body.get("data")), body
    account = await cms_id(api, client["id"])
    body = await api.gql(ACCOUNT_STATEMENT, {"a": account, "last": 3}, role=role, sub=role)
    assert not (body.get("data") or {}).get("accountStatement"), body
    assert error_codes(body) == ["FORBIDDEN"], body


# --- the client page in at most 10 statements ------------------------------------------------


async def busy_more(api: Api, session: AsyncSession, client: dict[str, str]) -> None:
    payer = decode_uuid("Counterparty", await new_counterparty(api, "DWP"))
    for n in range(10):
        await credit_benefits(
            session, FEED, payer, client["id"], 7, value_date=clock.today(), description=f"m{n}"
        )


async def client_page_statements(api: Api, db: RolledBackDatabase, client_id: str) -> int:
    with statements(db) as sent:
        data = await api.data(CLIENT_PAGE, {"id": client_id})
    assert data["client"]["id"] == client_id
    return len(sent)


async def test_client_page_in_at_most_ten_statements_small_and_busy(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    small = await busy_client(api, session, 1)
    busy = await busy_client(api, session, 30)
    supplier = await new_counterparty(api, "SUPPLIER")
    for _ in range(4):
        invoice = await payable_invoice(api, busy, supplier, amount="1.00")
        await raised_payment(api, invoice["id"])
    await recorded(api, busy, supplier, amount="2.00")
    n_small = await client_page_statements(api, db, small["id"])
    n_busy = await client_page_statements(api, db, busy["id"])
    assert n_small <= 10, n_small
    assert n_busy <= 10, n_busy
    # busier still: the count does not grow with the lists
    for _ in range(4):
        invoice = await payable_invoice(api, busy, supplier, amount="1.00")
        await raised_payment(api, invoice["id"])
    await busy_more(api, session, busy)
    await new_deputyship(api, busy["id"])
    assert await client_page_statements(api, db, busy["id"]) == n_busy


# --- recordBenefitRun refuses a benefit and period already received ---------------------------


async def run(api: Api, lines: list[dict[str, Any]], value_date: str) -> dict[str, Any]:
    data = await api.data(
        RECORD_RUN,
        {"input": {"lines": lines, "valueDate": value_date, "idempotencyKey": new_key()}},
        role="support_assistant",
        sub="sam.support",
    )
    result: dict[str, Any] = data["recordBenefitRun"]
    return result


async def cms_balances(api: Api, *client_ids: str) -> list[str]:
    out = []
    for cid in client_ids:
        data = await api.data(CLIENT_ACCOUNTS, {"id": cid, "last": 1})
        out.append([a["balance"] for a in data["client"]["accounts"] if a["kind"] == "CLIENT_CMS"])
    return [str(b) for b in out]


async def test_benefit_run_refuses_a_period_already_received_by_record_receipt(
    api: Api,
) -> None:
    first, second = await new_client(api), await new_client(api)
    payer = await new_counterparty(api, "DWP")
    done = await record_receipt(api, receipt_input(first["id"], payer))
    assert done["__typename"] == "ReceiptPayload", done
    before = await cms_balances(api, first["id"], second["id"])
    line = {
        "payerId": payer,
        "benefit": "ATTENDANCE_ALLOWANCE",
        "amount": "434.20",
        "periodStart": "2025-02-03",
        "periodEnd": "2025-03-02",
    }
    result = await run(
        api, [{**line, "clientId": second["id"]}, {**line, "clientId": first["id"]}], "2025-03-03"
    )
    assert result["__typename"] == "ValidationProblem", result
    fields = {f["field"]: f["message"] for f in result["fields"]}
    assert "lines.1.benefit" in fields, result
    assert "lines.0.benefit" not in fields, result
    assert done["receipt"]["id"] in fields["lines.1.benefit"], result
    # nothing half-written: the good line for the other client was not credited either
    assert await cms_balances(api, first["id"], second["id"]) == before
    # a different period is still fine
    later = {**line, "periodStart": "2025-03-03", "periodEnd": "2025-03-30"}
    ok = await run(api, [{**later, "clientId": first["id"]}], "2025-03-31")
    assert ok["__typename"] == "BenefitRunPayload", ok


async def test_benefit_run_refuses_a_period_already_received_by_an_earlier_run(
    api: Api,
) -> None:
    client = await new_client(api)
    payer = await new_counterparty(api, "DWP")
    line = {
        "clientId": client["id"],
        "payerId": payer,
        "benefit": "PENSION_CREDIT",
        "amount": "50.00",
        "periodStart": "2025-02-03",
        "periodEnd": "2025-03-02",
    }
    ok = await run(api, [line], "2025-03-03")
    assert ok["__typename"] == "BenefitRunPayload", ok
    before = await cms_balances(api, client["id"])
    again = await run(api, [line], "2025-03-04")
    assert again["__typename"] == "ValidationProblem", again
    assert "lines.0.benefit" in {f["field"] for f in again["fields"]}, again
    assert await cms_balances(api, client["id"]) == before


# --- clients search ---------------------------------------------------------------------------

SEARCH = """query($s: String!) { clients(filter: {search: $s}, first: 100) {
  edges { node { id reference familyName } } } }"""


async def found(api: Api, term: str) -> set[str]:
    data = await api.data(SEARCH, {"s": term})
    return {e["node"]["id"] for e in data["clients"]["edges"]}


async def test_clients_search_contains_ignoring_case(api: Api) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    client = await create_client(api, familyName=f"Quxworth{tag}Vale")
    cid = client["id"]
    assert cid in await found(api, f"worth{tag}va")  # in the middle
    assert cid in await found(api, f"QUXWORTH{tag}".lower())  # another case
    assert cid in await found(api, f"xw{tag}"[0:2])  # under 3 characters
    assert cid in await found(api, client["reference"][2:])  # part of the reference
    assert cid in await found(api, client["reference"].lower())
    assert cid not in await found(api, f"Zzz{tag}qq")


async def test_clients_search_finds_a_renamed_client_by_the_new_name(api: Api) -> None:
    tag = uuid.uuid4().hex[:8]
    client = await create_client(api, familyName=f"Oldname{tag}")
    result = await amend_client(
        api,
        client["id"],
        {"familyName": f"Newname{tag}"},
        role="senior_officer",
        sub="olu.scao",
    )
    assert result["__typename"] == "ClientPayload", result
    assert client["id"] in await found(api, f"NEWNAME{tag}")
    assert client["id"] not in await found(api, f"oldname{tag}")


# --- statuses read from lists agree with each item's own status ------------------------------

PAYMENT_STATUSES = ["RAISED", "APPROVED", "MADE", "CANCELLED"]
INVOICE_STATUSES = ["RECEIVED", "CHECKED", "PAYMENT_RAISED", "APPROVED", "PAID"]
SCAO: dict[str, Any] = {"role": "senior_officer", "sub": "olu.scao"}
HOLD = """mutation($input: HoldInvoiceInput!) { holdInvoice(input: $input) {
  __typename ... on InvoiceHoldPayload { invoice { id onHold } } ... on Problem { code } } }"""
RELEASE = """mutation($input: ReleaseInvoiceHoldInput!) { releaseInvoiceHold(input: $input) {
  __typename ... on InvoiceHoldPayload { invoice { id onHold } } ... on Problem { code } } }"""


async def every_id(api: Api, field: str, args: str, variables: dict[str, Any]) -> set[str]:
    """Every id of a connection, read page by page forward."""
    ids: set[str] = set()
    after: str | None = None
    decl = "".join(f", ${k}: {t}" for k, t in variables.pop("_types", {}).items())
    query = f"""query($after: String{decl}) {{ {field}({args}first: 50, after: $after) {{
      edges {{ node {{ id }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    for _ in range(100):
        data = await api.data(query, {**variables, "after": after})
        page = data[field]
        ids |= {e["node"]["id"] for e in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("no end")


async def assert_lists_agree(
    api: Api, client_id: str, payments: list[str], invoices: list[str], step: str
) -> None:
    own_pay: dict[str, str] = {}
    for pid in payments:
        data = await api.data("query($id: ID!) { payment(id: $id) { status } }", {"id": pid})
        own_pay[pid] = data["payment"]["status"]
    own_inv: dict[str, tuple[str, int, bool]] = {}
    for iid in invoices:
        data = await api.data(
            "query($id: ID!) { invoice(id: $id) { status daysOverdue onHold } }", {"id": iid}
        )
        inv = data["invoice"]
        own_inv[iid] = (inv["status"], inv["daysOverdue"], inv["onHold"])
    ours_p, ours_i = set(payments), set(invoices)
    for status in PAYMENT_STATUSES:
        listed = await every_id(
            api,
            "payments",
            "clientId: $c, status: $s, ",
            {"c": client_id, "s": status, "_types": {"c": "ID", "s": "PaymentStatus"}},
        )
        assert listed & ours_p == {p for p, s in own_pay.items() if s == status}, (step, status)
    awaiting = await every_id(api, "paymentsAwaitingApproval", "", {})
    assert awaiting & ours_p == {p for p, s in own_pay.items() if s == "RAISED"}, step
    for status in INVOICE_STATUSES:
        listed = await every_id(
            api,
            "invoices",
            "filter: {clientId: $c, status: $s}, ",
            {"c": client_id, "s": status, "_types": {"c": "ID", "s": "InvoiceStatus"}},
        )
        assert listed & ours_i == {i for i, v in own_inv.items() if v[0] == status}, (step, status)
    for overdue in (True, False):
        listed = await every_id(
            api,
            "invoices",
            "filter: {clientId: $c, overdue: $o}, ",
            {"c": client_id, "o": overdue, "_types": {"c": "ID", "o": "Boolean"}},
        )
        expect = {i for i, v in own_inv.items() if (v[1] > 0) == overdue}
        assert listed & ours_i == expect, (step, overdue, own_inv)


async def test_lists_agree_with_each_items_status_through_payment_and_invoice_steps(
    api: Api, session: AsyncSession, today: Any
) -> None:
    start = clock.today()
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    cid = client["id"]
    pays: list[str] = []
    inv1 = (await recorded(api, client, supplier, amount="10.00"))["id"]
    inv2 = (await recorded(api, client, supplier, amount="20.00"))["id"]
    invs = [inv1, inv2]
    await assert_lists_agree(api, cid, pays, invs, "received")
    await payable_invoice_checks(api, inv1)
    await assert_lists_agree(api, cid, pays, invs, "checked")
    held = await api.data(
        HOLD, {"input": {"invoiceId": inv2, "reason": "query", "idempotencyKey": new_key()}}, **SCAO
    )
    assert held["holdInvoice"]["__typename"] == "InvoiceHoldPayload", held
    today.set(start + timedelta(days=60))  # both past due: one held
    await assert_lists_agree(api, cid, pays, invs, "held, past due")
    overdue = await every_id(
        api,
        "invoices",
        "filter: {clientId: $c, overdue: true}, ",
        {"c": cid, "_types": {"c": "ID"}},
    )
    assert overdue == {inv1}  # the held one is not overdue
    released = await api.data(
        RELEASE, {"input": {"invoiceId": inv2, "reason": "ok", "idempotencyKey": new_key()}}, **SCAO
    )
    assert released["releaseInvoiceHold"]["__typename"] == "InvoiceHoldPayload", released
    await assert_lists_agree(api, cid, pays, invs, "released")
    p1 = (await raised_payment(api, inv1))["id"]
    pays.append(p1)
    await assert_lists_agree(api, cid, pays, invs, "raised")
    # refused: approved by its own raiser (R-ROLE-2), nothing stale after
    refused = await approve_payment(api, p1, role="senior_officer", sub="ash.assistant")
    assert refused["__typename"] != "PaymentPayload", refused
    await assert_lists_agree(api, cid, pays, invs, "refused approval")
    # refused: made before approval
    early = await make_payment(api, p1)
    assert early["__typename"] != "PaymentPayload", early
    await assert_lists_agree(api, cid, pays, invs, "refused make")
    approved = await approve_payment(api, p1)
    assert approved["__typename"] == "PaymentPayload", approved
    await assert_lists_agree(api, cid, pays, invs, "approved")
    made = await make_payment(api, p1)
    assert made["__typename"] == "PaymentPayload", made
    await assert_lists_agree(api, cid, pays, invs, "made")
    await payable_invoice_checks(api, inv2)
    p2 = (await raised_payment(api, inv2))["id"]
    pays.append(p2)
    await assert_lists_agree(api, cid, pays, invs, "second raised")
    cancelled = await cancel_payment(api, p2)
    assert cancelled["__typename"] == "PaymentPayload", cancelled
    await assert_lists_agree(api, cid, pays, invs, "cancelled")
    again = await approve_payment(api, p2)
    assert again["__typename"] != "PaymentPayload", again
    await assert_lists_agree(api, cid, pays, invs, "refused approval of a cancelled payment")
    statuses = await api.data(
        "query($a: ID!, $b: ID!) { a: payment(id: $a) { status } b: payment(id: $b) { status } }",
        {"a": p1, "b": p2},
    )
    assert (statuses["a"]["status"], statuses["b"]["status"]) == ("MADE", "CANCELLED")


async def payable_invoice_checks(api: Api, invoice_id: str) -> None:
    invoice = await check_all(api, invoice_id)
    assert invoice["status"] == "CHECKED", invoice


# --- lists page forward and backward with several items on one day ---------------------------


async def both_ways(
    api: Api, field: str, args: str, types: dict[str, str], variables: dict[str, Any], key: str
) -> tuple[list[str], list[str]]:
    """The list's keys read forward (first: 2, after) and backward (last: 2, before)."""
    decl = "".join(f", ${k}: {t}" for k, t in types.items())
    fwd = f"""query($after: String{decl}) {{ {field}({args}first: 2, after: $after) {{
      edges {{ node {{ {key} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    back = f"""query($before: String{decl}) {{ {field}({args}last: 2, before: $before) {{
      edges {{ node {{ {key} }} }} pageInfo {{ hasPreviousPage startCursor }} }} }}"""
    forward: list[str] = []
    after: str | None = None
    for _ in range(100):
        page = (await api.data(fwd, {**variables, "after": after}))[field]
        forward += [e["node"][key] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[str] = []
    before: str | None = None
    for _ in range(100):
        page = (await api.data(back, {**variables, "before": before}))[field]
        backward = [e["node"][key] for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    return forward, backward


async def test_receipts_page_both_ways_with_several_on_one_day(api: Api) -> None:
    client = await new_client(api)
    payer = await new_counterparty(api, "DWP")
    made = []
    for n in range(7):
        start = date(2024, 1, 1) + timedelta(days=28 * n)
        result = await record_receipt(
            api,
            receipt_input(
                client["id"],
                payer,
                amount=f"{10 + n}.00",
                periodStart=start.isoformat(),
                periodEnd=(start + timedelta(days=27)).isoformat(),
                valueDate="2025-03-03",
            ),
        )
        assert result["__typename"] == "ReceiptPayload", result
        made.append(result["receipt"]["id"])
    forward, backward = await both_ways(
        api, "receipts", "clientId: $c, ", {"c": "ID"}, {"c": client["id"]}, "id"
    )
    assert sorted(forward) == sorted(made)
    assert len(set(forward)) == len(forward)
    assert backward == forward


async def test_invoices_page_both_ways_with_several_on_one_day(api: Api) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    made = [(await recorded(api, client, supplier, amount=f"{n + 1}.00"))["id"] for n in range(7)]
    forward, backward = await both_ways(
        api, "invoices", "filter: {clientId: $c}, ", {"c": "ID"}, {"c": client["id"]}, "id"
    )
    assert sorted(forward) == sorted(made)
    assert len(set(forward)) == len(forward)
    assert backward == forward


async def test_annual_reviews_due_page_both_ways_with_several_due_on_one_day(api: Api) -> None:
    order_date = (clock.today() - timedelta(days=300)).isoformat()
    made = []
    for _ in range(5):
        client = await new_client(api)
        await new_deputyship(api, client["id"], orderDate=order_date)
        made.append(client["id"])
    due_by = (clock.today() + timedelta(days=100)).isoformat()
    forward, backward = await both_ways(
        api, "annualReviewsDue", "dueBy: $d, ", {"d": "Date"}, {"d": due_by}, "clientId"
    )
    assert set(made) <= set(forward)
    assert len(set(forward)) == len(forward)
    assert backward == forward


async def assert_decisions_agree(api: Api, client_id: str, ids: list[str], step: str) -> None:
    own: dict[str, str] = {}
    for did in ids:
        data = await api.data("query($id: ID!) { decision(id: $id) { status } }", {"id": did})
        own[did] = data["decision"]["status"]
    for status in ["RAISED", "APPROVED", "REFUSED", "SUPERSEDED"]:
        listed = await every_id(
            api,
            "decisions",
            "clientId: $c, status: $s, ",
            {"c": client_id, "s": status, "_types": {"c": "ID", "s": "DecisionStatus"}},
        )
        assert listed & set(ids) == {d for d, s in own.items() if s == status}, (step, status)


async def test_decisions_by_status_agree_with_each_decisions_own(api: Api) -> None:
    client = await gift_client(api)
    ids: list[str] = []
    first = await raised(api, decision_input(client, "BEST_INTEREST", "10.00"))
    second = await raised(api, decision_input(client, "BEST_INTEREST", "20.00"))
    ids += [first["id"], second["id"]]
    await assert_decisions_agree(api, client["id"], ids, "raised")
    own = await approve(api, first["id"], "senior_officer", "ash.assistant")  # its raiser
    assert own["__typename"] != "DecisionPayload", own
    await assert_decisions_agree(api, client["id"], ids, "refused approval")
    done = await approve(api, first["id"], "senior_officer")
    assert done["__typename"] == "DecisionPayload", done
    await assert_decisions_agree(api, client["id"], ids, "approved")
    no = await refuse_decision(api, second["id"], "not in the client's interest", "senior_officer")
    assert no["__typename"] == "DecisionPayload", no
    await assert_decisions_agree(api, client["id"], ids, "refused")
    statuses = [
        (await api.data("query($id: ID!) { decision(id: $id) { status } }", {"id": d}))["decision"][
            "status"
        ]
        for d in ids
    ]
    assert statuses == ["APPROVED", "REFUSED"]


async def test_benefit_run_after_a_reversed_receipt_records_the_period(api: Api) -> None:
    client = await new_client(api)
    payer = await new_counterparty(api, "DWP")
    done = await record_receipt(api, receipt_input(client["id"], payer))
    assert done["__typename"] == "ReceiptPayload", done
    reversed_ = await api.data(
        """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
             __typename } }""",
        {
            "input": {
                "transferId": done["receipt"]["transfer"]["id"],
                "reason": "paid to the wrong client",
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert reversed_["reverseTransfer"]["__typename"] == "TransferPayload", reversed_
    line = {
        "clientId": client["id"],
        "payerId": payer,
        "benefit": "ATTENDANCE_ALLOWANCE",
        "amount": "434.20",
        "periodStart": "2025-02-03",
        "periodEnd": "2025-03-02",
    }
    ok = await run(api, [line], "2025-03-03")
    assert ok["__typename"] == "BenefitRunPayload", ok
    assert ok["count"] == 1


async def test_benefit_run_refuses_the_same_benefit_and_period_twice_in_one_run(
    api: Api,
) -> None:
    client = await new_client(api)
    payer = await new_counterparty(api, "DWP")
    before = await cms_balances(api, client["id"])
    line = {
        "clientId": client["id"],
        "payerId": payer,
        "benefit": "PENSION_CREDIT",
        "amount": "50.00",
        "periodStart": "2025-02-03",
        "periodEnd": "2025-03-02",
    }
    result = await run(api, [line, line], "2025-03-03")
    assert result["__typename"] == "ValidationProblem", result
    assert await cms_balances(api, client["id"]) == before


async def test_every_accounts_statement_from_the_client_is_its_own_statement(
    api: Api, session: AsyncSession
) -> None:
    client = await busy_client(api, session, 12)
    other = await busy_client(api, session, 4)  # read in between: no lines cross over
    query = f"""query($id: ID!, $o: ID!) {{
      client(id: $id) {{ accounts {{ id
        latest: statement(last: 5) {{ edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }}
        oldest: statement(first: 5) {{ edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }} }}
      other: client(id: $o) {{ accounts {{ id
        latest: statement(last: 5) {{ edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }} }} }}"""
    data = await api.data(query, {"id": client["id"], "o": other["id"]})
    assert len(data["client"]["accounts"]) >= 1
    for account in data["client"]["accounts"] + data["other"]["accounts"]:
        latest = await api.data(ACCOUNT_STATEMENT, {"a": account["id"], "last": 5})
        assert account["latest"] == latest["accountStatement"], account["id"]
        if "oldest" in account:
            oldest = await api.data(ACCOUNT_STATEMENT, {"a": account["id"], "first": 5})
            assert account["oldest"] == oldest["accountStatement"], account["id"]
    cms = [a for a in data["client"]["accounts"] if a["latest"]["edges"]]
    assert len(cms) == 1 and len(cms[0]["latest"]["edges"]) == 5
    after = cms[0]["oldest"]["pageInfo"]["endCursor"]
    q2 = f"""query($id: ID!, $after: String) {{ client(id: $id) {{ accounts {{ id
      statement(first: 5, after: $after) {{ edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }} }} }}"""
    nxt = await api.data(q2, {"id": client["id"], "after": after})
    [page] = [a for a in nxt["client"]["accounts"] if a["id"] == cms[0]["id"]]
    alone = await api.data(ACCOUNT_STATEMENT, {"a": cms[0]["id"], "first": 5, "after": after})
    assert page["statement"] == alone["accountStatement"]
    assert len(page["statement"]["edges"]) == 5


async def test_statement_with_first_and_last_together_is_a_typed_error(
    api: Api, session: AsyncSession
) -> None:
    client = await busy_client(api, session, 2)
    body = await api.gql(
        "query($id: ID!) { client(id: $id) { accounts { statement(first: 2, last: 2) "
        "{ edges { cursor } } } } }",
        {"id": client["id"]},
    )
    assert body.get("errors"), body
    assert all(error_codes(body)), body


async def test_statement_last_with_a_filter_is_accountstatements(
    api: Api, session: AsyncSession
) -> None:
    client = await busy_client(api, session, 15)  # 3 a day over 5 days
    account = await cms_id(api, client["id"])
    flt = {"valueFrom": (clock.today() - timedelta(days=14)).isoformat()}
    flt["valueTo"] = (clock.today() - timedelta(days=13)).isoformat()
    query = f"""query($id: ID!, $f: StatementFilter) {{ client(id: $id) {{ accounts {{ id
      statement(filter: $f, last: 4) {{ edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }} }} }}"""
    data = await api.data(query, {"id": client["id"], "f": flt})
    [cms] = [a for a in data["client"]["accounts"] if a["id"] == account]
    single = f"""query($a: ID!, $f: StatementFilter) {{
      accountStatement(accountId: $a, filter: $f, last: 4) {{
        edges {{ {STATEMENT_LINE} }} {PAGE_INFO} }} }}"""
    alone = await api.data(single, {"a": account, "f": flt})
    assert cms["statement"] == alone["accountStatement"]
    dates = {e["node"]["transfer"]["valueDate"] for e in cms["statement"]["edges"]}
    assert dates <= {flt["valueFrom"], flt["valueTo"]}
    assert len(cms["statement"]["edges"]) == 4  # 6 lines in the two days, the last 4


async def test_clients_search_treats_wildcards_as_characters(api: Api) -> None:
    tag = uuid.uuid4().hex[:8]
    client = await create_client(api, familyName=f"Plain{tag}")
    assert client["id"] in await found(api, tag)
    assert client["id"] not in await found(api, "%")
    assert client["id"] not in await found(api, f"Pla_n{tag}")
    assert client["id"] not in await found(api, "\\")


async def test_lists_agree_after_a_payment_refused_for_want_of_money(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 1_000)  # 10.00
    supplier = await new_counterparty(api, "SUPPLIER")
    inv1 = (await payable_invoice(api, client, supplier, amount="8.00"))["id"]
    inv2 = (await payable_invoice(api, client, supplier, amount="8.00"))["id"]
    p1 = (await raised_payment(api, inv1))["id"]
    p2 = (await raised_payment(api, inv2))["id"]
    ok = await approve_payment(api, p1)
    assert ok["__typename"] == "PaymentPayload", ok
    short = await approve_payment(api, p2)  # 2.00 left available
    assert short["__typename"] != "PaymentPayload", short
    await assert_lists_agree(api, client["id"], [p1, p2], [inv1, inv2], "approval refused")
    data = await api.data("query($id: ID!) { payment(id: $id) { status } }", {"id": p2})
    assert data["payment"]["status"] == "RAISED"


CONTROCC_BENEFITS = f"""mutation($input: RecordControccBenefitBatchInput!) {{
  recordControccBenefitBatch(input: $input) {{ __typename
    ... on RecordInvoiceBatchPayload {{ batch {{ {INTAKE_BATCH_FIELDS} }} }}
    ... on Problem {{ code message }} }} }}"""


async def controcc_benefit(
    api: Api, person: str, provider: str, start: date, end: date, amount: str
) -> dict[str, Any]:
    line = {
        "externalReference": f"R{uuid.uuid4().hex[:10]}",
        "clientReference": person,
        "payerReference": provider,
        "benefit": "ATTENDANCE_ALLOWANCE",
        "amount": amount,
        "valueDate": clock.today().isoformat(),
        "periodStart": start.isoformat(),
        "periodEnd": end.isoformat(),
    }
    variables = {
        "input": {
            "batchReference": f"BEN{uuid.uuid4().hex[:8]}",
            "lines": [line],
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(CONTROCC_BENEFITS, variables, **INTEGRATION_TOKENS["ctl"])
    result = data["recordControccBenefitBatch"]
    assert result["__typename"] == "RecordInvoiceBatchPayload", result
    batch: dict[str, Any] = result["batch"]
    return batch


async def test_benefit_run_and_controcc_refuse_each_others_period(api: Api) -> None:
    client = await new_client(api)
    person = f"P{uuid.uuid4().hex[:8]}"
    await record_reference(api, "ctl", "CONTROCC_PERSON", person, client["id"])
    payer = await new_counterparty(api, "DWP")
    provider = f"PR{uuid.uuid4().hex[:8]}"
    await record_reference(api, "ctl", "CONTROCC_PROVIDER", provider, payer)
    end = clock.today() - timedelta(days=1)
    start = end - timedelta(days=27)
    # Controcc's door first: the officers' run is refused naming that receipt
    batch = await controcc_benefit(api, person, provider, start, end, "100.00")
    [first] = batch["lines"]
    assert first["outcome"] == "CREATED", batch
    before = await cms_balances(api, client["id"])
    line = {
        "clientId": client["id"],
        "payerId": payer,
        "benefit": "ATTENDANCE_ALLOWANCE",
        "amount": "100.00",
        "periodStart": start.isoformat(),
        "periodEnd": end.isoformat(),
    }
    result = await run(api, [line], clock.today().isoformat())
    assert result["__typename"] == "ValidationProblem", result
    fields = {f["field"]: f["message"] for f in result["fields"]}
    assert first["recordId"] in fields.get("lines.0.benefit", ""), result
    assert await cms_balances(api, client["id"]) == before
    # the officers' run first (next period): Controcc's line is refused INVALID_LINE
    nxt = {
        **line,
        "periodStart": (end + timedelta(days=1)).isoformat(),
        "periodEnd": (end + timedelta(days=28)).isoformat(),
    }
    ok = await run(api, [nxt], clock.today().isoformat())
    assert ok["__typename"] == "BenefitRunPayload", ok
    after_run = await cms_balances(api, client["id"])
    batch = await controcc_benefit(
        api, person, provider, end + timedelta(days=1), end + timedelta(days=28), "100.00"
    )
    [second] = batch["lines"]
    assert (second["outcome"], second["code"]) == ("REFUSED", "INVALID_LINE"), batch
    assert await cms_balances(api, client["id"]) == after_run


async def test_payments_awaiting_approval_page_both_ways_and_a_replay_lists_once(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    made = []
    for n in range(5):
        invoice = await payable_invoice(api, client, supplier, amount=f"{n + 1}.00")
        key = new_key()
        first = await raise_payment(api, {"invoiceId": invoice["id"]}, key=key)
        again = await raise_payment(api, {"invoiceId": invoice["id"]}, key=key)
        assert first["__typename"] == again["__typename"] == "PaymentPayload", (first, again)
        assert again["replayed"] is True and again["payment"]["id"] == first["payment"]["id"]
        made.append(first["payment"]["id"])
    forward, backward = await both_ways(api, "paymentsAwaitingApproval", "", {}, {}, "id")
    assert set(made) <= set(forward)
    assert len(set(forward)) == len(forward)
    assert backward == forward
    mine, _ = await both_ways(
        api, "payments", "clientId: $c, status: RAISED, ", {"c": "ID"}, {"c": client["id"]}, "id"
    )
    assert sorted(mine) == sorted(made)


async def test_reporting_role_cannot_reach_accounts_but_the_auditor_can(
    api: Api, session: AsyncSession
) -> None:
    client = await busy_client(api, session, 3)
    account = await cms_id(api, client["id"])
    body = await api.gql(CLIENT_ACCOUNTS, {"id": client["id"], "last": 3}, role="reporting")
    got = (body.get("data") or {}).get("client")
    assert got is None or got.get("accounts") is None, body
    assert "balanceAfter" not in str(body.get("data")), body
    body = await api.gql(ACCOUNT_STATEMENT, {"a": account, "last": 3}, role="reporting")
    assert not (body.get("data") or {}).get("accountStatement"), body
    assert error_codes(body) == ["FORBIDDEN"], body
    seen = await api.data(CLIENT_ACCOUNTS, {"id": client["id"], "last": 3}, role="auditor")
    [cms] = [a for a in seen["client"]["accounts"] if a["id"] == account]
    assert len(cms["statement"]["edges"]) == 3


async def test_lists_agree_after_cancelling_an_approved_payment_and_refusing_a_made_ones(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 10_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    inv1 = (await payable_invoice(api, client, supplier, amount="3.00"))["id"]
    inv2 = (await payable_invoice(api, client, supplier, amount="4.00"))["id"]
    p1 = (await raised_payment(api, inv1))["id"]
    p2 = (await raised_payment(api, inv2))["id"]
    invs, pays = [inv1, inv2], [p1, p2]
    for p in pays:
        assert (await approve_payment(api, p))["__typename"] == "PaymentPayload"
    await assert_lists_agree(api, client["id"], pays, invs, "both approved")
    assert (await cancel_payment(api, p1))["__typename"] == "PaymentPayload"
    await assert_lists_agree(api, client["id"], pays, invs, "approved one cancelled")
    assert (await make_payment(api, p2))["__typename"] == "PaymentPayload"
    await assert_lists_agree(api, client["id"], pays, invs, "other made")
    late = await cancel_payment(api, p2)
    assert late["__typename"] != "PaymentPayload", late
    await assert_lists_agree(api, client["id"], pays, invs, "refused cancel of a made payment")
    again = await make_payment(api, p1)
    assert again["__typename"] != "PaymentPayload", again
    await assert_lists_agree(api, client["id"], pays, invs, "refused make of a cancelled one")
    # the invoice of the cancelled payment may be paid again: a new payment lists as raised
    p3 = (await raised_payment(api, inv1))["id"]
    await assert_lists_agree(api, client["id"], [*pays, p3], invs, "raised again")


# --- committed for real: two steps at once leave the lists in step ---------------------------


async def test_lists_agree_after_two_makes_and_two_approvals_at_once(
    settings: Settings, signing_key: SigningKey
) -> None:
    with fresh_database("ca_api_acc18_race") as url:
        async with app_on(url, settings, signing_key, pool_size=4) as (api, database):
            try:
                client = await new_client(api)
                session = database.session()
                try:
                    await fund(session, api, client, 10_000)
                finally:
                    await session.close()
                supplier = await new_counterparty(api, "SUPPLIER")
                inv1 = (await payable_invoice(api, client, supplier, amount="3.00"))["id"]
                inv2 = (await payable_invoice(api, client, supplier, amount="4.00"))["id"]
                p1 = (await raised_payment(api, inv1))["id"]
                p2 = (await raised_payment(api, inv2))["id"]
                assert (await approve_payment(api, p1))["__typename"] == "PaymentPayload"
                makes = await asyncio.gather(make_payment(api, p1), make_payment(api, p1))
                assert sorted(m["__typename"] == "PaymentPayload" for m in makes) == [False, True]
                approvals = await asyncio.gather(
                    approve_payment(api, p2, sub="olu.scao"),
                    approve_payment(api, p2, sub="another.scao"),
                )
                ok = [a["__typename"] == "PaymentPayload" for a in approvals]
                assert sorted(ok) == [False, True], approvals
                await assert_lists_agree(api, client["id"], [p1, p2], [inv1, inv2], "raced")
                data = await api.data(
                    "query($a: ID!, $b: ID!) { a: payment(id: $a) { status } "
                    "b: payment(id: $b) { status } }",
                    {"a": p1, "b": p2},
                )
                assert (data["a"]["status"], data["b"]["status"]) == ("MADE", "APPROVED")
            finally:
                await listener.stop_listener(database)

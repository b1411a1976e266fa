"""Backward pagination (issue 11 item 3, the Relay connection spec): every list takes last and
before, and walking it backward gives the forward walk reversed, page by page, with the
pageInfo the spec asks for. Through the real /graphql endpoint, on lists of different sort
kinds: clients by reference, payments by time, receipts newest first, counterparties by name,
the audit log by int id, the approval queue (paged in memory) and bank statement lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from graphql import build_schema, get_named_type, is_object_type
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.pagination import encode_cursor
from ca_api.graphql import export_sdl
from ca_api.planning import caseload_walk
from tests.conftest import Api, error_codes
from tests.factories import (
    HEADER,
    amend_client,
    client_with_orders,
    create_client,
    import_statement,
    new_client,
    new_counterparty,
    new_payer,
    raise_standing,
    receipt_input,
    record_receipt,
    unique,
)

VARS = "$first: Int, $after: String, $last: Int, $before: String"
ARGS = "first: $first, after: $after, last: $last, before: $before"
INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


@dataclass(frozen=True)
class Listing:
    """One list through the endpoint: the document (its connection at ``path``), who reads it,
    and the variables besides the page's."""

    document: str
    path: tuple[str, ...]
    role: str
    variables: dict[str, Any]
    sub: str = "tester"

    async def page(self, api: Api, **page: Any) -> dict[str, Any]:
        data = await api.data(self.document, self.variables | page, role=self.role, sub=self.sub)
        for step in self.path:
            data = data[step]
        return data

    async def body(self, api: Api, **page: Any) -> dict[str, Any]:
        return await api.gql(self.document, self.variables | page, role=self.role, sub=self.sub)


def entries(page: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(e["cursor"], e["node"]) for e in page["edges"]]


def check_info(page: dict[str, Any], *, has_next: bool, has_previous: bool) -> None:
    edges = page["edges"]
    assert page["pageInfo"] == {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": edges[0]["cursor"] if edges else None,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }


async def forward_walk(api: Api, listing: Listing, size: int) -> list[dict[str, Any]]:
    pages = [await listing.page(api, first=size)]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        pages.append(await listing.page(api, first=size, after=pages[-1]["pageInfo"]["endCursor"]))
    return pages


async def backward_walk(api: Api, listing: Listing, size: int) -> list[dict[str, Any]]:
    pages = [await listing.page(api, last=size)]
    while pages[-1]["pageInfo"]["hasPreviousPage"]:
        start = pages[-1]["pageInfo"]["startCursor"]
        pages.append(await listing.page(api, last=size, before=start))
    return pages


async def assert_walks_backward(api: Api, listing: Listing, *, size: int, at_least: int) -> None:
    """Backward from the end with last/before is the forward walk reversed, page by page; and
    from each forward page, last/before its startCursor is the page before it."""
    forward = await forward_walk(api, listing, size)
    whole = [x for p in forward for x in entries(p)]
    assert len(whole) >= at_least
    assert len({c for c, _ in whole}) == len(whole)  # no entry twice

    backward = await backward_walk(api, listing, size)
    assert [x for p in reversed(backward) for x in entries(p)] == whole
    end = len(whole)
    for i, page in enumerate(backward):
        got = entries(page)
        assert 0 < len(got) <= size
        assert got == whole[end - len(got) : end]
        end -= len(got)
        check_info(page, has_next=i > 0, has_previous=end > 0)
    if len(whole) % size == 0:
        assert [entries(p) for p in backward] == [entries(p) for p in reversed(forward)]

    for k in range(1, len(forward)):
        before = forward[k]["pageInfo"]["startCursor"]
        page = await listing.page(api, last=size, before=before)
        assert entries(page) == entries(forward[k - 1])
        check_info(page, has_next=True, has_previous=k > 1)
    # before the very first entry: nothing, and the list goes on after.
    first_cursor = whole[0][0]
    empty = await listing.page(api, last=size, before=first_cursor)
    assert empty["edges"] == []
    assert empty["pageInfo"]["hasNextPage"] is True
    assert empty["pageInfo"]["hasPreviousPage"] is False
    # last alone, larger than the list: all of it, in list order.
    if len(whole) <= 100:
        everything = await listing.page(api, last=100)
        assert entries(everything) == whole
        check_info(everything, has_next=False, has_previous=False)


async def test_clients_by_reference_page_backward(api: Api) -> None:
    tag = unique("Backward")
    for i in range(6):
        await create_client(api, familyName=f"{tag}x{i}")
    listing = Listing(
        f"""query({VARS}, $filter: ClientFilter) {{
          clients(filter: $filter, {ARGS}) {{ edges {{ cursor node {{ id reference }} }} {INFO} }}
        }}""",
        ("clients",),
        "senior_officer",
        {"filter": {"search": tag}},
    )
    await assert_walks_backward(api, listing, size=2, at_least=6)
    await assert_walks_backward(api, listing, size=4, at_least=6)  # an uneven last page


async def test_payments_by_time_page_backward(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api)
    for amount in ("11.00", "12.00", "13.00", "14.00", "15.00"):
        await raise_standing(api, client, payee, amount, role="assistant", sub="ash")
    for field, decl, args in (
        ("payments", ", $client: ID", f"clientId: $client, {ARGS}"),
        ("paymentsAwaitingApproval", "", ARGS),
    ):
        listing = Listing(
            f"""query({VARS}{decl}) {{
              {field}({args}) {{ edges {{ cursor node {{ id amount }} }} {INFO} }}
            }}""",
            (field,),
            "senior_officer",
            {"client": client["id"]} if field == "payments" else {},
        )
        await assert_walks_backward(api, listing, size=2, at_least=5)


async def test_receipts_newest_first_page_backward(api: Api) -> None:
    client = await new_client(api)
    payer = await new_payer(api)
    # Two on one day: within a day, posting order decides.
    for i, day in enumerate(["2025-03-03", "2025-03-05", "2025-03-05", "2025-03-07"]):
        result = await record_receipt(
            api, receipt_input(client["id"], payer, valueDate=day, amount=f"{100 + i}.00")
        )
        assert result["__typename"] == "ReceiptPayload", result
    listing = Listing(
        f"""query({VARS}, $client: ID) {{
          receipts(clientId: $client, {ARGS}) {{ edges {{ cursor node {{ id }} }} {INFO} }}
        }}""",
        ("receipts",),
        "senior_officer",
        {"client": client["id"]},
    )
    await assert_walks_backward(api, listing, size=2, at_least=4)
    await assert_walks_backward(api, listing, size=3, at_least=4)


async def test_counterparties_by_name_page_backward_and_share_a_name(api: Api) -> None:
    tag = unique("Backward")
    for name in ("A", "B", "C"):
        await new_counterparty(api, "SUPPLIER", f"{tag} {name}")
    await new_payer(api, "DWP", f"{tag} B")  # the same name, another kind
    listing = Listing(
        f"""query({VARS}, $search: String) {{
          counterparties(search: $search, {ARGS}) {{
            edges {{ cursor node {{ id name kind }} }} {INFO}
          }}
        }}""",
        ("counterparties",),
        "senior_officer",
        {"search": tag},
    )
    await assert_walks_backward(api, listing, size=2, at_least=4)
    forward = await forward_walk(api, listing, 2)
    names = [n["name"] for p in forward for _, n in entries(p)]
    assert names == [f"{tag} A", f"{tag} B", f"{tag} B", f"{tag} C"]  # neither B skipped


async def test_the_audit_log_by_id_pages_backward(api: Api) -> None:
    client = await create_client(api)
    for i in range(4):
        result = await amend_client(
            api, client["id"], {"givenName": f"Ada{i}"}, role="senior_officer", sub="olu.scao"
        )
        assert result["__typename"] == "ClientPayload", result
    listing = Listing(
        f"""query({VARS}, $filter: AuditLogFilter) {{
          auditLog(filter: $filter, {ARGS}) {{ edges {{ cursor node {{ id action }} }} {INFO} }}
        }}""",
        ("auditLog",),
        "auditor",
        {"filter": {"clientId": client["id"]}},
    )
    await assert_walks_backward(api, listing, size=2, at_least=5)


async def test_the_approval_queue_pages_backward(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api)
    for amount in ("21.00", "22.00", "23.00", "24.00"):
        await raise_standing(api, client, payee, amount, role="assistant", sub="ash")
    listing = Listing(
        f"""query({VARS}) {{
          approvalQueue({ARGS}) {{ edges {{ cursor node {{ kind itemId }} }} {INFO} }}
        }}""",
        ("approvalQueue",),
        "governance_manager",
        {},
        sub="grace.tgm",
    )
    await assert_walks_backward(api, listing, size=2, at_least=4)
    await assert_walks_backward(api, listing, size=3, at_least=4)


async def test_bank_statement_lines_page_backward(api: Api) -> None:
    rows = "".join(f"2026-10-{day:02d},Line {day},,1.00\n" for day in range(1, 7))
    result = await import_statement(api, HEADER + rows, closing="6.00")
    assert result["__typename"] == "ImportBankStatementPayload", result
    for field in ("lines", "unmatchedLines"):
        listing = Listing(
            f"""query({VARS}, $id: ID!) {{
              bankReconciliation(statementId: $id) {{
                {field}({ARGS}) {{ edges {{ cursor node {{ lineNo }} }} {INFO} }}
              }}
            }}""",
            ("bankReconciliation", field),
            "auditor",
            {"id": result["statement"]["id"]},
        )
        await assert_walks_backward(api, listing, size=2, at_least=6)
        lines = [n["lineNo"] for p in await backward_walk(api, listing, 4) for _, n in entries(p)]
        assert lines == [4, 5, 6, 7, 2, 3]  # line 1 is the header; each page in file order


async def test_plan_reviews_page_backward_across_batches(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read a batch of clients at a time and filtered in Python: backward too, batch by batch
    (batches of 2 here, so that pages cross them)."""
    monkeypatch.setattr(caseload_walk, "BATCH", 2)
    for _ in range(5):
        await client_with_orders(session, deputy_from=date(2013, 5, 20))
    listing = Listing(
        f"""query({VARS}, $on: Date) {{
          budgetPlanReviews(on: $on, {ARGS}) {{
            edges {{ cursor node {{ clientId status }} }} {INFO}
          }}
        }}""",
        ("budgetPlanReviews",),
        "auditor",
        {"on": "2014-06-01"},
    )
    await assert_walks_backward(api, listing, size=2, at_least=5)
    await assert_walks_backward(api, listing, size=3, at_least=5)


# --- what is refused ----------------------------------------------------------------------

CLIENTS = f"""query({VARS}) {{
  clients({ARGS}) {{ edges {{ cursor }} {INFO} }}
}}"""


async def refusal(api: Api, **page: Any) -> str:
    body = await api.gql(CLIENTS, page, role="senior_officer")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] is None
    return str(body["errors"][0]["message"])


async def test_first_and_last_together_are_refused(api: Api) -> None:
    assert "first and last" in await refusal(api, first=2, last=2)


async def test_after_and_before_together_are_refused(api: Api) -> None:
    cursor = encode_cursor(["ZZZ"])
    assert "after and before" in await refusal(api, after=cursor, before=cursor)


async def test_the_directions_are_not_mixed(api: Api) -> None:
    cursor = encode_cursor(["ZZZ"])
    await refusal(api, first=2, before=cursor)
    await refusal(api, last=2, after=cursor)


async def test_last_must_be_a_page_size(api: Api) -> None:
    assert "last must be between 1 and" in await refusal(api, last=0)
    assert "last must be between 1 and" in await refusal(api, last=-1)
    too_big = api.settings.max_page_size + 1
    assert "last must be between 1 and" in await refusal(api, last=too_big)
    body = await api.gql(CLIENTS, {"last": api.settings.max_page_size}, role="senior_officer")
    assert "errors" not in body, body


async def test_a_cursor_another_list_issued_is_refused_backward(api: Api) -> None:
    await create_client(api)
    cursor = (await api.data(CLIENTS, {"first": 1}, role="senior_officer"))["clients"]
    client_cursor = cursor["pageInfo"]["endCursor"]
    payments = f"""query({VARS}) {{ payments({ARGS}) {{ edges {{ cursor }} }} }}"""
    for before in (client_cursor, "not a cursor", encode_cursor(["2026-01-01", "no-uuid"])):
        body = await api.gql(payments, {"last": 2, "before": before}, role="senior_officer")
        assert error_codes(body) == ["BAD_USER_INPUT"], body
    await refusal(api, last=2, before="%%%")


def test_every_connection_field_takes_last_and_before() -> None:
    """Read from the schema itself: no list is left forward-only."""
    schema = build_schema(export_sdl())
    seen = []
    for t in schema.type_map.values():
        if not is_object_type(t) or t.name.startswith("__"):
            continue
        for name, field in t.fields.items():  # type: ignore[attr-defined]
            if not get_named_type(field.type).name.endswith("Connection"):
                continue
            seen.append(f"{t.name}.{name}")
            args = {a: str(v.type) for a, v in field.args.items()}
            assert args.get("first") == "Int" and args.get("after") == "String", name
            assert args.get("last") == "Int" and args.get("before") == "String", name
    assert len(seen) >= 26, seen

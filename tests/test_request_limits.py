"""Request limits, bad input and error handling through the real /graphql endpoint.

Limits (CA_API_MAX_QUERY_DEPTH 10, _MAX_ALIASES 15, _MAX_TOKENS 2000, _MAX_BODY_BYTES 1000000)
refuse the whole operation before anything runs; bad input is a GraphQL error with a stable
``extensions.code``; a refused mutation writes nothing, not even an audit row (R-AUD-1: every
change is audited, so an unchanged audit trail means no change). Unexpected errors are masked
as INTERNAL_ERROR with the request id.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ca_api.auth.tokens import SigningKey
from ca_api.common.ids import encode_id
from ca_api.config import Settings
from tests.conftest import Api, RolledBackDatabase, api_on, error_codes
from tests.support import FailingDatabase

AUDIT = "{ auditLog(first: 100) { edges { node { id action entityType } } } }"
CLIENTS = "{ clients(first: 100) { edges { node { id givenName } } } }"
CREATE_CLIENT = """
mutation Create($input: CreateClientInput!) {
  createClient(input: $input) {
    __typename
    ... on ClientPayload { client { id } }
    ... on ValidationProblem { code fields { field message } }
  }
}
"""
RECORD_DEPUTYSHIP = """
mutation Record($input: RecordDeputyshipInput!) {
  recordDeputyship(input: $input) {
    __typename
    ... on DeputyshipPayload { deputyship { id powers { giftYearlyLimit } } }
    ... on ValidationProblem { code fields { field message } }
  }
}
"""
DEPUTYSHIPS = "query($id: ID!) { client(id: $id) { deputyships { id } } }"


def client_input(**changes: Any) -> dict[str, Any]:
    return {
        "givenName": "Ada",
        "familyName": "Lovelace",
        "dateOfBirth": "1950-02-01",
        "situation": "COMMUNITY",
        **changes,
    }


def client_vars(**changes: Any) -> dict[str, Any]:
    """CREATE_CLIENT's variables: the input and a fresh idempotency key (issue 9 item 7)."""
    return {"input": client_input(**changes) | {"idempotencyKey": f"limits-{uuid.uuid4()}"}}


def deputyship_input(gift_limit: Any) -> dict[str, Any]:
    return {
        "caseNumber": "13579246",
        "orderDate": "2020-01-06",
        "supervisionType": "TYPE_2",
        "powers": {
            "receiveIncome": True,
            "manageAccounts": True,
            "manageCapital": True,
            "sellProperty": False,
            "letProperty": False,
            "makeGifts": True,
            "giftYearlyLimit": gift_limit,
        },
    }


async def audit_ids(api: Api) -> list[str]:
    data = await api.data(AUDIT, role="auditor")
    return [e["node"]["id"] for e in data["auditLog"]["edges"]]


async def client_count(api: Api) -> int:
    return len((await api.data(CLIENTS))["clients"]["edges"])


def assert_refused(body: dict[str, Any], code: str) -> None:
    """The operation as a whole was refused with ``code``: no data at all."""
    assert body.get("data") is None, body
    assert error_codes(body) == [code], body


@pytest.fixture
async def client_id(api: Api) -> str:
    data = await api.data(CREATE_CLIENT, client_vars(), role="senior_officer")
    assert data["createClient"]["__typename"] == "ClientPayload"
    return str(data["createClient"]["client"]["id"])


# -- depth, aliases, tokens -----------------------------------------------------------------


def of_depth(levels: int) -> str:
    """A query ``levels`` fields deep: real fields down to Deputyship.powers, then made-up ones
    (no real path in the schema is deeper than six, so a deeper query cannot also be valid)."""
    path = ["clients", "edges", "node", "deputyships", "powers"]
    path += [f"f{i}" for i in range(levels - len(path))]
    return "{ " + " { ".join(path[:levels]) + " }" * levels


async def test_a_query_deeper_than_10_is_refused(api: Api) -> None:
    """Depth counts from 0 at the root fields (strawberry's QueryDepthLimiter, as
    graphql-depth-limit): twelve nested levels of fields are depth 11."""
    for levels in (12, 40):
        body = await api.gql(of_depth(levels))
        assert body["data"] is None
        assert "QUERY_TOO_COMPLEX" in error_codes(body), body


async def test_a_query_of_depth_10_is_not_too_complex(api: Api) -> None:
    body = await api.gql(of_depth(11))
    assert body["data"] is None  # its made-up fields fail validation...
    assert "QUERY_TOO_COMPLEX" not in error_codes(body)  # ...but its depth is allowed
    assert "GRAPHQL_VALIDATION_FAILED" in error_codes(body)


async def test_depth_hidden_in_fragments_is_still_counted(api: Api) -> None:
    query = """
    query { clients { edges { node { ...C } } } }
    fragment C on Client { deputyships { ...D } }
    fragment D on Deputyship { powers { f5 { f6 { f7 { f8 { f9 { f10 { f11 } } } } } } } }
    """
    body = await api.gql(query)
    assert body["data"] is None
    assert "QUERY_TOO_COMPLEX" in error_codes(body), body


def aliased(count: int, field: str = "me { subject }") -> str:
    return "{ " + " ".join(f"a{i}: {field}" for i in range(count)) + " }"


async def test_more_than_15_aliases_are_refused(api: Api) -> None:
    assert_refused(await api.gql(aliased(16)), "QUERY_TOO_COMPLEX")


async def test_15_aliases_are_answered(api: Api) -> None:
    data = await api.data(aliased(15))
    assert len(data) == 15 and data["a14"] == {"subject": "tester"}


async def test_aliases_in_fragments_are_counted(api: Api) -> None:
    f = " ".join(f"f{i}: me {{ subject }}" for i in range(8))
    g = " ".join(f"g{i}: me {{ subject }}" for i in range(8))
    query = f"query {{ ...F ...G }} fragment F on Query {{ {f} }} fragment G on Query {{ {g} }}"
    assert_refused(await api.gql(query), "QUERY_TOO_COMPLEX")


def with_tokens(count: int) -> str:
    """A valid query of exactly ``count`` lexical tokens: 15 aliased ``me`` selections sharing
    the fields between them (graphql-core's overlap check gives up on a thousand repeats of one
    field, so they are not all put in one selection)."""
    fields = count - 2 - 15 * 5  # { } and, per alias, `aK : me { }`
    assert fields >= 15
    groups = [fields // 15 + (1 if i < fields % 15 else 0) for i in range(15)]
    names = ("subject", "name", "roles", "kind")
    selections = [
        f"a{i}: me {{ {' '.join(names[j % 4] for j in range(n))} }}" for i, n in enumerate(groups)
    ]
    return "{ " + " ".join(selections) + " }"


async def test_more_than_2000_tokens_are_refused(api: Api) -> None:
    assert_refused(await api.gql(with_tokens(2001)), "QUERY_TOO_COMPLEX")
    assert_refused(await api.gql("{ me { subject } }" * 400), "QUERY_TOO_COMPLEX")


async def test_2000_tokens_are_answered(api: Api) -> None:
    data = await api.data(with_tokens(2000))
    assert len(data) == 15 and data["a0"]["subject"] == "tester"


async def test_comments_count_as_tokens(api: Api) -> None:
    """Padding a query with comments does not get round the limit."""
    assert_refused(await api.gql("# padding\n" * 5000 + "{ me { subject } }"), "QUERY_TOO_COMPLEX")


async def test_too_complex_mutations_write_nothing(api: Api) -> None:
    before = await audit_ids(api)
    creates = " ".join(f"c{i}: createClient(input: $input) {{ __typename }}" for i in range(16))
    mutation = f"mutation($input: CreateClientInput!) {{ {creates} }}"
    body = await api.gql(mutation, client_vars())
    assert_refused(body, "QUERY_TOO_COMPLEX")
    padding = "__typename " * 2000
    padded = (
        f"mutation($i: CreateClientInput!) {{ createClient(input: $i) {{ __typename {padding} }} }}"
    )
    refused = await api.gql(padded, {"i": client_vars()["input"]})
    assert_refused(refused, "QUERY_TOO_COMPLEX")
    assert await audit_ids(api) == before
    assert await client_count(api) == 0


# -- the body --------------------------------------------------------------------------------


def body_of_size(size: int) -> bytes:
    """A valid GraphQL request of exactly ``size`` bytes (the query padded with spaces)."""
    empty = json.dumps({"query": "{ me { subject } }"}).encode()
    assert size >= len(empty)
    padded = json.dumps({"query": "{ me { subject } }" + " " * (size - len(empty))}).encode()
    assert len(padded) == size
    return padded


async def post_raw(api: Api, content: Any, **headers: str) -> httpx.Response:
    hdrs = {
        "Authorization": f"Bearer {api.token('auditor')}",
        "Content-Type": "application/json",
        **headers,
    }
    return await api.client.post("/graphql", content=content, headers=hdrs)


async def test_a_body_over_the_limit_is_refused_413(api: Api) -> None:
    resp = await post_raw(
        api, body_of_size(api.settings.max_body_bytes + 1), **{"X-Request-Id": "big-1"}
    )
    assert resp.status_code == 413, resp.text
    body = resp.json()
    assert_refused(body, "PAYLOAD_TOO_LARGE")
    assert body["errors"][0]["extensions"]["requestId"] == "big-1"
    assert resp.headers["x-request-id"] == "big-1"


async def test_a_body_at_the_limit_is_answered(api: Api) -> None:
    resp = await post_raw(api, body_of_size(api.settings.max_body_bytes))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"data": {"me": {"subject": "tester"}}}


async def _chunks(body: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_chunked_body_over_the_limit_is_refused_413(api: Api) -> None:
    """Without Content-Length the body is counted as it arrives: no way round the limit."""
    request = api.client.build_request(
        "POST",
        "/graphql",
        content=_chunks(body_of_size(api.settings.max_body_bytes + 50_000)),
        headers={"Authorization": f"Bearer {api.token('auditor')}"},
    )
    assert "content-length" not in request.headers
    resp = await api.client.send(request)
    assert resp.status_code == 413, resp.text
    assert_refused(resp.json(), "PAYLOAD_TOO_LARGE")


async def test_a_chunked_body_under_the_limit_is_answered(api: Api) -> None:
    resp = await post_raw(api, _chunks(body_of_size(api.settings.max_body_bytes - 10_000)))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"data": {"me": {"subject": "tester"}}}


async def test_an_oversized_mutation_writes_nothing(api: Api) -> None:
    query = CREATE_CLIENT + " " * api.settings.max_body_bytes
    payload = json.dumps({"query": query, "variables": client_vars()})
    resp = await post_raw(api, payload.encode())
    assert resp.status_code == 413
    assert await client_count(api) == 0
    assert await audit_ids(api) == []


# -- parse and validation errors -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["{ me { subject }", "{ me { subject } } }", "query { me(", "}"])
async def test_a_syntax_error_is_graphql_parse_failed(api: Api, query: str) -> None:
    assert_refused(await api.gql(query), "GRAPHQL_PARSE_FAILED")


@pytest.mark.parametrize(
    "query",
    [
        "{ me { subject password } }",
        "{ nobody { id } }",
        "{ aliases }",  # not QUERY_TOO_COMPLEX for having "aliases" in its message
        "{ clients(first: 1, sortBy: NAME) { edges { cursor } } }",
        "query($x: Int) { me { subject } }",  # an unused variable is a validation failure
        "query($x: String) { clients(first: $x) { edges { cursor } } }",
        "{ me }",
    ],
)
async def test_an_invalid_document_is_graphql_validation_failed(api: Api, query: str) -> None:
    assert_refused(
        await api.gql(query, {"x": "1"} if "$x" in query else None), "GRAPHQL_VALIDATION_FAILED"
    )


async def test_a_mutation_with_an_unknown_field_writes_nothing(api: Api) -> None:
    mutation = (
        "mutation($input: CreateClientInput!) { createClient(input: $input) { __typename } nuke }"
    )
    assert_refused(await api.gql(mutation, client_vars()), "GRAPHQL_VALIDATION_FAILED")
    assert await client_count(api) == 0
    assert await audit_ids(api) == []


# -- bad values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    ["12.5", "12.345", "1,000.00", 12.5, 12, "£12.50", "1.2e1", "12", ".50", "12.50p", "", True],
)
async def test_a_malformed_money_variable_is_bad_user_input(
    api: Api, client_id: str, amount: Any
) -> None:
    """Money is a string with exactly two places; anything else writes nothing."""
    before = await audit_ids(api)
    variables = {"input": {**deputyship_input(amount), "clientId": client_id}}
    assert_refused(await api.gql(RECORD_DEPUTYSHIP, variables), "BAD_USER_INPUT")
    assert await audit_ids(api) == before
    deputyships = await api.data(DEPUTYSHIPS, {"id": client_id})
    assert deputyships["client"]["deputyships"] == []


async def test_money_with_a_trailing_newline_is_bad_user_input(api: Api, client_id: str) -> None:
    variables = {"input": {**deputyship_input("12.50\n"), "clientId": client_id}}
    assert_refused(await api.gql(RECORD_DEPUTYSHIP, variables), "BAD_USER_INPUT")


async def test_a_malformed_money_literal_is_bad_user_input(api: Api, client_id: str) -> None:
    mutation = """
    mutation($id: ID!) {
      recordDeputyship(input: {
        clientId: $id, caseNumber: "13579246", orderDate: "2020-01-06", supervisionType: TYPE_2,
        powers: {receiveIncome: true, manageAccounts: true, manageCapital: true,
                 sellProperty: false, letProperty: false, makeGifts: true,
                 giftYearlyLimit: "12.5"}
      }) { __typename }
    }
    """
    before = await audit_ids(api)
    assert_refused(await api.gql(mutation, {"id": client_id}), "BAD_USER_INPUT")
    assert await audit_ids(api) == before


async def test_good_money_is_accepted(api: Api, client_id: str) -> None:
    """The counterpart of the refusals above: the same mutation writes with "1000.00"."""
    before = await audit_ids(api)
    variables = {"input": {**deputyship_input("1000.00"), "clientId": client_id}}
    data = await api.data(RECORD_DEPUTYSHIP, variables)
    payload = data["recordDeputyship"]
    assert payload["__typename"] == "DeputyshipPayload", payload
    assert payload["deputyship"]["powers"]["giftYearlyLimit"] == "1000.00"
    assert len(await audit_ids(api)) == len(before) + 1


@pytest.mark.parametrize(
    "dob", ["01/02/1950", "1950-13-01", "1950-02-30", "yesterday", "", 19500201]
)
async def test_a_malformed_date_is_bad_user_input(api: Api, dob: Any) -> None:
    body = await api.gql(CREATE_CLIENT, client_vars(dateOfBirth=dob))
    assert_refused(body, "BAD_USER_INPUT")
    assert await client_count(api) == 0
    assert await audit_ids(api) == []


async def test_a_missing_required_variable_is_bad_user_input(api: Api) -> None:
    body = await api.gql(CREATE_CLIENT, {})  # no $input
    assert_refused(body, "BAD_USER_INPUT")
    assert await audit_ids(api) == []


async def test_an_unknown_enum_value_is_bad_user_input(api: Api) -> None:
    body = await api.gql(CREATE_CLIENT, client_vars(situation="ON_THE_MOON"))
    assert_refused(body, "BAD_USER_INPUT")
    assert await audit_ids(api) == []


# -- ids and pages ---------------------------------------------------------------------------------


CLIENT = "query($id: ID!) { client(id: $id) { id reference } }"


async def test_a_well_formed_id_of_no_client_is_not_found(api: Api) -> None:
    missing = encode_id("Client", uuid.uuid4())
    body = await api.gql(CLIENT, {"id": missing})
    assert_refused(body, "NOT_FOUND")
    assert body["errors"][0]["path"] == ["client"]


async def test_an_existing_client_is_found(api: Api, client_id: str) -> None:
    data = await api.data(CLIENT, {"id": client_id})
    assert data["client"]["id"] == client_id


@pytest.mark.parametrize(
    "bad_id",
    [
        "garbage!!",
        "",
        "Q2xpZW50",  # "Client" with no separator
        encode_id("Client", "not-a-uuid"),
        encode_id("Deputyship", uuid.UUID(int=7)),  # another type's (fixed: workers collect alike)
        "\u00e9\u00e9\u00e9",
    ],
)
async def test_a_garbage_id_is_bad_id(api: Api, bad_id: str) -> None:
    assert_refused(await api.gql(CLIENT, {"id": bad_id}), "BAD_ID")


@pytest.mark.parametrize("first", [0, -1, 101, 1_000_000])
async def test_a_page_size_outside_1_to_100_is_bad_user_input(api: Api, first: int) -> None:
    query = "query($first: Int) { clients(first: $first) { edges { cursor } } }"
    assert_refused(await api.gql(query, {"first": first}), "BAD_USER_INPUT")


@pytest.mark.parametrize("first", [1, 100])
async def test_a_page_size_of_1_or_100_is_answered(api: Api, first: int) -> None:
    query = "query($first: Int) { clients(first: $first) { edges { cursor } } }"
    assert (await api.data(query, {"first": first}))["clients"]["edges"] == []


async def test_a_garbage_cursor_is_bad_user_input(api: Api) -> None:
    query = '{ clients(first: 5, after: "not a cursor") { edges { cursor } } }'
    assert_refused(await api.gql(query), "BAD_USER_INPUT")


# -- unexpected errors are masked -----------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("secret detail"),
        ValueError("secret detail"),
        TypeError("secret detail"),
        KeyError("secret detail"),
        # Messages that look like graphql-core's must not be taken for them.
        RuntimeError("Syntax Error: secret detail"),
        RuntimeError("3 aliases found. Allowed: 1 (secret detail)"),
        ValueError("Variable '$secret' has invalid value: secret detail"),
    ],
    ids=repr,
)
async def test_an_unexpected_error_is_masked(
    db: RolledBackDatabase,
    settings: Settings,
    signing_key: SigningKey,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    # issue 10 item 6: the error comes from the database the app is given (its every
    # statement fails), not from a patched service function.
    caplog.set_level(logging.ERROR, logger="ca_api.graphql")
    async with api_on(FailingDatabase(db, error), settings, signing_key) as api:
        resp = await api.post(
            "{ caseloadSummary { total } }", role="auditor", headers={"X-Request-Id": "trace-42"}
        )
    assert resp.status_code == 200
    assert "secret" not in resp.text
    body = resp.json()
    assert_refused(body, "INTERNAL_ERROR")
    (err,) = body["errors"]
    assert err["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "trace-42"}
    assert "trace-42" in err["message"]
    assert err["path"] == ["caseloadSummary"]
    # ...and logged in full, once, with the cause.
    logged = [r for r in caplog.records if r.name == "ca_api.graphql"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and logged[0].exc_info[1] is error


async def test_a_masked_error_gets_a_fresh_request_id_when_none_is_sent(
    db: RolledBackDatabase, settings: Settings, signing_key: SigningKey
) -> None:
    failing = FailingDatabase(db, RuntimeError("secret detail"))  # issue 10 item 6
    async with api_on(failing, settings, signing_key) as api:
        body = await api.gql("{ caseloadSummary { total } }", role="auditor")
    assert error_codes(body) == ["INTERNAL_ERROR"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["errors"][0]["extensions"]["requestId"])


# -- the request id ------------------------------------------------------------------------------


async def test_the_request_id_is_echoed_on_a_401(api: Api) -> None:
    resp = await api.post("{ me { subject } }", role=None, headers={"X-Request-Id": "abc-123.X_y"})
    assert resp.status_code == 401
    assert resp.headers["x-request-id"] == "abc-123.X_y"
    assert resp.json()["errors"][0]["extensions"]["requestId"] == "abc-123.X_y"


@pytest.mark.parametrize("given", ["a" * 65, "has space", "semi;colon", '{"json":1}'])
async def test_an_unsafe_request_id_is_replaced(api: Api, given: str) -> None:
    """The id goes into every log line: only a short, plain token is taken from the caller."""
    resp = await api.post("{ me { subject } }", role=None, headers={"X-Request-Id": given})
    assert resp.status_code == 401
    rid = resp.headers["x-request-id"]
    assert rid != given
    assert re.fullmatch(r"[0-9a-f]{32}", rid)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"not json", "application/json"),
        (b"{}", "application/json"),
        (b'{"query": 5}', "application/json"),
        (b"x", "text/plain"),
    ],
)
async def test_a_request_that_is_not_graphql_gets_a_json_bad_request(
    api: Api, content: bytes, content_type: str
) -> None:
    resp = await post_raw(api, content, **{"Content-Type": content_type, "X-Request-Id": "nq-1"})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST", "requestId": "nq-1"}
    assert resp.headers["x-request-id"] == "nq-1"


async def test_an_error_in_an_extensions_hook_is_masked_too(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception raised in a schema extension's hook (here validation) is answered by
    strawberry outside the operation, where ErrorPolicy does not see it: it leaves masked, with
    its code and the request id, and is logged once, never with its own message."""
    import ca_api.documents as documents_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals of validation")

    monkeypatch.setattr(documents_module, "_validate", broken)
    caplog.set_level(logging.ERROR, logger="ca_api.graphql")
    resp = await api.post("{ me { subject } }", role="auditor", headers={"X-Request-Id": "t-7"})
    assert "secret" not in resp.text
    (err,) = resp.json()["errors"]
    assert err["extensions"] == {"code": "INTERNAL_ERROR", "requestId": "t-7"}
    logged = [r for r in caplog.records if r.name == "ca_api.graphql"]
    assert len(logged) == 1


# -- a document parsed once per text (issue 18 item 3) ---------------------------------------------


async def test_a_document_is_parsed_once_and_its_limits_still_apply(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same text is parsed once (``documents.ParsedDocuments``); a document too deep is
    refused every time it is sent, and a syntax error is never kept: parsed, and refused with
    its code, every time."""
    import strawberry.schema.schema as strawberry_schema

    parsed: list[str] = []
    real_parse = strawberry_schema.parse

    def counting_parse(source: Any, **kw: Any) -> Any:
        parsed.append(str(source))
        return real_parse(source, **kw)

    monkeypatch.setattr(strawberry_schema, "parse", counting_parse)
    tag = uuid.uuid4().hex  # texts no other test sends
    query = f"{{ me {{ subject }} }} # {tag}"
    for _ in range(3):
        assert (await api.data(query))["me"]["subject"]
    assert parsed.count(query) == 1
    deep = f"{of_depth(12)} # {tag}"
    for _ in range(2):
        assert "QUERY_TOO_COMPLEX" in error_codes(await api.gql(deep))
    assert parsed.count(deep) == 1
    broken = f"{{ me {{ subject }} # {tag}"
    for _ in range(2):
        assert_refused(await api.gql(broken), "GRAPHQL_PARSE_FAILED")
    assert parsed.count(broken) == 2

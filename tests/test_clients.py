"""Clients through the real /graphql endpoint: create, amend (a new version, R-AUD-2), list,
and the caseload summary (R-REP-1).

The GraphQL helpers at the top are shared with ``test_orders`` and ``test_audit``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.tokens import SigningKey
from ca_api.clients import repository
from ca_api.clients.models import ClientVersion
from ca_api.clients.rules import ClientDetails, Situation
from ca_api.common import versioned
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.config import Settings
from ca_api.errors import StaleVersion
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    AMEND_CLIENT,
    CREATE_CLIENT,
    DUPLICATE_PROBLEM_FIELDS,
    amend_client,
    create_client,
    create_vars,
    days_ago,
    new_key,
    problem_fields,
    record_appointeeship,
    record_deputyship,
    scalar,
    serial,
)
from tests.support import app_on, fresh_database

# --- shared helpers -------------------------------------------------------------------------


REFER_CLIENT = f"""
mutation Refer($input: ReferClientInput!) {{
  referClient(input: $input) {{
    __typename
    ... on ClientPayload {{ replayed client {{ id reference version status }} }}
    ... on ValidationProblem {{ code message fields {{ field message }} }}
    {DUPLICATE_PROBLEM_FIELDS}
  }}
}}
"""


CLIENT_HISTORY = """
query History($id: ID!) {
  client(id: $id) {
    version
    history { version givenName familyName situation status recordedBy reason }
  }
}
"""

LIST_CLIENTS = """
query List($filter: ClientFilter, $first: Int, $after: String) {
  clients(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id reference givenName familyName situation status legalRole } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def counts(db: RolledBackDatabase) -> tuple[int, int, int]:
    """(clients, client versions, audit entries): what a refused change must leave alone."""
    return (
        await scalar(db, "SELECT count(*) FROM client"),
        await scalar(db, "SELECT count(*) FROM client_version"),
        await scalar(db, "SELECT count(*) FROM audit_log"),
    )


# --- create ---------------------------------------------------------------------------------


async def test_create_client_returns_reference_version_1_and_normalised_details(
    api: Api, db: RolledBackDatabase
) -> None:
    """A new client gets a CA reference and version 1; NI number and postcode are normalised."""
    client = await create_client(
        api, niNumber="ab 12 34 56 c", address={"line1": " 2 Mill Lane ", "postcode": "bn7 1uz"}
    )
    assert re.fullmatch(r"CA\d{6}", client["reference"])
    assert client["version"] == 1
    assert client["niNumber"] == "AB123456C"
    assert client["address"] == {
        "line1": "2 Mill Lane",
        "line2": None,
        "town": None,
        "postcode": "BN7 1UZ",
    }
    assert client["status"] == "ACTIVE"
    assert client["legalRole"] == "NONE"
    assert client["referredBy"] is None

    cid = decode_uuid("Client", client["id"])
    row = (
        await db.connection.execute(
            text(
                "SELECT c.reference, c.created_by, v.version, v.ni_number, v.postcode, v.reason "
                "FROM client c JOIN client_version v ON v.client_id = c.id WHERE c.id = :id"
            ),
            {"id": cid},
        )
    ).one()
    assert tuple(row) == (client["reference"], "olu.scao", 1, "AB123456C", "BN7 1UZ", None)

    again = await api.data(
        "query($id: ID!) { client(id: $id) { reference niNumber } }", {"id": client["id"]}
    )
    assert again["client"] == {"reference": client["reference"], "niNumber": "AB123456C"}


async def test_each_new_client_gets_a_new_reference(api: Api) -> None:
    first = await create_client(api)
    second = await create_client(api)
    assert first["reference"] != second["reference"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param(
            {"dateOfBirth": (clock.today() + timedelta(days=1)).isoformat()},
            "date_of_birth",
            id="date of birth in the future",
        ),
        pytest.param({"dateOfBirth": "1899-12-31"}, "date_of_birth", id="born before 1900"),
        pytest.param({"niNumber": "AB12345C"}, "ni_number", id="NI number too short"),
        pytest.param({"niNumber": "DA123456A"}, "ni_number", id="NI prefix never issued"),
        pytest.param({"niNumber": "QQ 12 34 56 C"}, "ni_number", id="NI specimen prefix QQ"),
        pytest.param({"address": {"postcode": "NOT A POSTCODE"}}, "postcode", id="bad postcode"),
        pytest.param({"address": {"postcode": "12345"}}, "postcode", id="numeric postcode"),
        pytest.param({"givenName": ""}, "given_name", id="empty given name"),
        pytest.param({"familyName": "   "}, "family_name", id="blank family name"),
        pytest.param({"familyName": "x" * 101}, "family_name", id="family name too long"),
    ],
)
async def test_invalid_client_is_a_validation_problem_and_nothing_is_written(
    api: Api, db: RolledBackDatabase, overrides: dict[str, Any], field: str
) -> None:
    """A refused client is a typed ValidationProblem naming the field; no client, version or
    audit row is written (R-AUD-1: only real changes are audited)."""
    before = await counts(db)
    data = await api.data(CREATE_CLIENT, create_vars(**overrides))
    problem = data["createClient"]
    assert problem["__typename"] == "ValidationProblem"
    assert problem["code"] == "VALIDATION_FAILED"
    assert problem_fields(problem) == {field.replace("_", "")}
    assert all(f["message"] for f in problem["fields"])
    assert await counts(db) == before


async def test_several_problems_are_reported_together(api: Api, db: RolledBackDatabase) -> None:
    before = await counts(db)
    data = await api.data(
        CREATE_CLIENT,
        create_vars(givenName=" ", niNumber="nope", address={"postcode": "??"}),
    )
    problem = data["createClient"]
    assert problem["__typename"] == "ValidationProblem"
    assert problem_fields(problem) == {"givenname", "ninumber", "postcode"}
    assert await counts(db) == before


async def test_an_unknown_situation_is_refused_before_any_write(
    api: Api, db: RolledBackDatabase
) -> None:
    """Input the schema itself refuses (an unknown situation) never reaches the service."""
    before = await counts(db)
    body = await api.gql(CREATE_CLIENT, create_vars(situation="AT_SEA"))
    assert body.get("data") is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert await counts(db) == before


# --- amend ----------------------------------------------------------------------------------


async def test_amend_client_makes_version_2_and_keeps_version_1(
    api: Api, db: RolledBackDatabase
) -> None:
    """R-AUD-2: an amendment is a new version with its reason and recorder; the old row stays."""
    client = await create_client(api, familyName="Ashdown", sub="sam.support")
    result = await amend_client(
        api,
        client["id"],
        {"familyName": "Ashdown-Smith", "situation": "RESIDENTIAL_CARE"},
        reason="  married; moved into Oak House  ",
        expected=1,
        role="senior_assistant",
        sub="sasha.senior",
    )
    assert result["__typename"] == "ClientPayload", result
    amended = result["client"]
    assert amended["version"] == 2
    assert amended["familyName"] == "Ashdown-Smith"
    assert amended["situation"] == "RESIDENTIAL_CARE"
    # Fields not named are kept.
    assert amended["givenName"] == client["givenName"]
    assert amended["niNumber"] == client["niNumber"]
    assert amended["address"] == client["address"]
    assert amended["reference"] == client["reference"]

    history = (await api.data(CLIENT_HISTORY, {"id": client["id"]}))["client"]
    assert history["version"] == 2
    assert history["history"] == [
        {
            "version": 1,
            "givenName": "Ada",
            "familyName": "Ashdown",
            "situation": "COMMUNITY",
            "status": "ACTIVE",
            "recordedBy": "sam.support",
            "reason": None,
        },
        {
            "version": 2,
            "givenName": "Ada",
            "familyName": "Ashdown-Smith",
            "situation": "RESIDENTIAL_CARE",
            "status": "ACTIVE",
            "recordedBy": "sasha.senior",
            "reason": "married; moved into Oak House",
        },
    ]

    rows = (
        await db.connection.execute(
            text(
                "SELECT version, family_name, situation, recorded_by FROM client_version "
                "WHERE client_id = :id ORDER BY version"
            ),
            {"id": decode_uuid("Client", client["id"])},
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (1, "Ashdown", "COMMUNITY", "sam.support"),
        (2, "Ashdown-Smith", "RESIDENTIAL_CARE", "sasha.senior"),
    ]


async def test_amendments_without_expected_version_still_append(api: Api) -> None:
    client = await create_client(api)
    for n, town in enumerate(["Hove", "Rye", "Battle"], start=2):
        result = await amend_client(api, client["id"], {"address": {"town": town}}, reason="moved")
        assert result["__typename"] == "ClientPayload"
        assert result["client"]["version"] == n
        assert result["client"]["address"]["town"] == town


@pytest.mark.parametrize("reason", ["", "   "])
async def test_amendment_needs_a_reason(api: Api, db: RolledBackDatabase, reason: str) -> None:
    """R-AUD-2 / R-AUD-1: a correction says why."""
    client = await create_client(api)
    before = await counts(db)
    result = await amend_client(api, client["id"], {"givenName": "Ida"}, reason=reason)
    assert result["__typename"] == "ValidationProblem"
    assert result["code"] == "VALIDATION_FAILED"
    assert problem_fields(result) == {"reason"}
    assert await counts(db) == before


@pytest.mark.parametrize(
    "amendment",
    [
        pytest.param({"givenName": "Ada"}, id="same name"),
        pytest.param({"givenName": "  Ada "}, id="same name once trimmed"),
        pytest.param({"niNumber": "AB 123456 c"}, id="same NI number once normalised"),
        pytest.param({}, id="nothing given"),
    ],
)
async def test_amendment_that_changes_nothing_is_refused(
    api: Api, db: RolledBackDatabase, amendment: dict[str, Any]
) -> None:
    client = await create_client(api, givenName="Ada", niNumber="AB123456C")
    before = await counts(db)
    result = await amend_client(api, client["id"], amendment, reason="checking")
    assert result["__typename"] == "ValidationProblem"
    assert problem_fields(result) == {"amendment"}
    assert await counts(db) == before


async def test_amendment_on_a_stale_version_is_a_version_conflict(
    api: Api, db: RolledBackDatabase
) -> None:
    """Two officers read version 1; the second to save gets a conflict, not a silent overwrite."""
    client = await create_client(api)
    first = await amend_client(api, client["id"], {"givenName": "Ida"}, "typo", expected=1)
    assert first["__typename"] == "ClientPayload"
    before = await counts(db)

    second = await amend_client(api, client["id"], {"familyName": "Byron"}, "typo", expected=1)
    assert second["__typename"] == "VersionConflictProblem"
    assert second["code"] == "VERSION_CONFLICT"
    assert second["currentVersion"] == 2
    assert await counts(db) == before

    ahead = await amend_client(api, client["id"], {"familyName": "Byron"}, "typo", expected=7)
    assert ahead["__typename"] == "VersionConflictProblem"
    assert ahead["currentVersion"] == 2

    retry = await amend_client(api, client["id"], {"familyName": "Byron"}, "typo", expected=2)
    assert retry["__typename"] == "ClientPayload"
    assert (retry["client"]["version"], retry["client"]["givenName"]) == (3, "Ida")


async def test_amending_an_unknown_client_is_not_found(api: Api, db: RolledBackDatabase) -> None:
    unknown = encode_id("Client", uuid.uuid4())
    before = await counts(db)
    result = await amend_client(api, unknown, {"givenName": "Ida"}, reason="typo")
    assert result["__typename"] == "NotFoundProblem"
    assert result["code"] == "NOT_FOUND"
    assert result["id"] == unknown
    assert await counts(db) == before


async def test_amending_with_an_id_of_another_type_is_a_bad_id(api: Api) -> None:
    body = await api.gql(
        AMEND_CLIENT,
        {
            "input": {
                "id": encode_id("Deputyship", uuid.uuid4()),
                "amendment": {"givenName": "I"},
                "reason": "r",
            }
        },
    )
    assert error_codes(body) == ["BAD_ID"]


@pytest.mark.parametrize(
    ("amendment", "field"),
    [
        pytest.param({"givenName": None}, "given_name", id="clear given name"),
        pytest.param({"familyName": None}, "family_name", id="clear family name"),
        pytest.param({"dateOfBirth": None}, "date_of_birth", id="clear date of birth"),
        pytest.param({"situation": None}, "situation", id="clear situation"),
        pytest.param({"givenName": " "}, "given_name", id="blank given name"),
        pytest.param({"niNumber": "12345678"}, "ni_number", id="bad NI number"),
        pytest.param({"address": {"postcode": "ZZZ"}}, "postcode", id="bad postcode"),
        pytest.param(
            {"dateOfBirth": (clock.today() + timedelta(days=3)).isoformat()},
            "date_of_birth",
            id="born in the future",
        ),
    ],
)
async def test_invalid_amendment_is_a_validation_problem(
    api: Api, db: RolledBackDatabase, amendment: dict[str, Any], field: str
) -> None:
    client = await create_client(api)
    before = await counts(db)
    result = await amend_client(api, client["id"], amendment, reason="correction")
    assert result["__typename"] == "ValidationProblem", result
    assert result["code"] == "VALIDATION_FAILED"
    assert problem_fields(result) == {field.replace("_", "")}
    assert await counts(db) == before


async def test_ni_number_can_be_cleared_with_null(api: Api) -> None:
    client = await create_client(api, niNumber="AB123456C")
    result = await amend_client(api, client["id"], {"niNumber": None}, reason="entered in error")
    assert result["__typename"] == "ClientPayload"
    assert result["client"]["niNumber"] is None
    assert result["client"]["version"] == 2


async def test_address_can_be_cleared_with_null(api: Api) -> None:
    client = await create_client(api)
    result = await amend_client(api, client["id"], {"address": None}, reason="no fixed abode")
    assert result["__typename"] == "ClientPayload"
    assert result["client"]["address"] == {
        "line1": None,
        "line2": None,
        "town": None,
        "postcode": None,
    }


async def test_client_version_rows_refuse_update_and_delete_in_sql(
    api: Api, db: RolledBackDatabase
) -> None:
    """R-AUD-2 in the database itself: client versions cannot be edited or removed."""
    client = await create_client(api)
    cid = decode_uuid("Client", client["id"])
    for sql in (
        "UPDATE client_version SET given_name = 'Eve' WHERE client_id = :id",
        "DELETE FROM client_version WHERE client_id = :id",
        "UPDATE client SET reference = 'CA999999' WHERE id = :id",
        "DELETE FROM client WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.connection.begin_nested():
                await db.connection.execute(text(sql), {"id": cid})
    name = await scalar(db, "SELECT given_name FROM client_version WHERE client_id = :id", id=cid)
    assert name == "Ada"


# --- list -----------------------------------------------------------------------------------


async def list_clients(api: Api, **variables: Any) -> dict[str, Any]:
    data = await api.data(LIST_CLIENTS, variables)
    result: dict[str, Any] = data["clients"]
    return result


async def walk(api: Api, *, first: int, filter: dict[str, Any] | None = None) -> list[str]:
    """Every reference the list yields, page by page; checks the page flags on the way."""
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = await list_clients(api, filter=filter, first=first, after=after)
        pages += 1
        assert len(page["edges"]) <= first
        seen += [e["node"]["reference"] for e in page["edges"]]
        info = page["pageInfo"]
        if page["edges"]:
            assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        assert len(page["edges"]) == first
        after = info["endCursor"]
        assert pages < 100, "pagination does not end"
    return seen


async def test_pagination_walks_every_client_once_in_reference_order(
    api: Api, db: RolledBackDatabase
) -> None:
    made = [(await create_client(api, familyName=f"Walker{n}"))["reference"] for n in range(7)]
    refs = await walk(api, first=3)
    assert refs == sorted(refs)
    assert len(refs) == len(set(refs)) == await scalar(db, "SELECT count(*) FROM client")
    assert set(made) <= set(refs)

    only_walkers = await walk(api, first=3, filter={"search": "walker"})
    assert only_walkers == sorted(made)

    pages = await list_clients(api, filter={"search": "walker"}, first=7)
    assert pages["pageInfo"]["hasNextPage"] is False
    assert len(pages["edges"]) == 7
    exactly_full = await list_clients(api, filter={"search": "walker"}, first=6)
    assert exactly_full["pageInfo"]["hasNextPage"] is True


async def test_an_empty_page_has_no_end_cursor(api: Api) -> None:
    page = await list_clients(api, filter={"search": f"nobody-{uuid.uuid4()}"}, first=5)
    assert page == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_page_size_out_of_range_is_bad_input(api: Api, first: int) -> None:
    body = await api.gql(LIST_CLIENTS, {"first": first})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_forged_cursor_is_bad_input(api: Api) -> None:
    body = await api.gql(LIST_CLIENTS, {"first": 5, "after": "not a cursor!"})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_search_matches_names_and_reference_case_insensitively(api: Api) -> None:
    beatrice = await create_client(api, givenName="Beatrice", familyName="Bexhillsearch")
    cyril = await create_client(api, givenName="Cyril", familyName="Crowboroughsearch")

    async def found(search: str) -> set[str]:
        page = await list_clients(api, filter={"search": search}, first=100)
        return {e["node"]["reference"] for e in page["edges"]}

    assert await found("bexhillSEARCH") == {beatrice["reference"]}
    assert await found("beatrice bex") == {beatrice["reference"]}  # given + family name
    assert await found(cyril["reference"].lower()) == {cyril["reference"]}
    assert await found("search") >= {beatrice["reference"], cyril["reference"]}
    assert await found(f"zz-{uuid.uuid4()}") == set()


async def test_the_search_index_leaves_out_no_match(api: Api, db: RolledBackDatabase) -> None:
    """Issue 18: the search reads migration 0051's three-character-piece indexes first; it
    finds exactly the clients whose current name or reference contains the search, ignoring
    case (the plain ILIKE over every current client, read here beside it): a name across given
    and family name, a changed name (the old one no longer found), letters beyond ASCII, pieces
    shorter than three characters, and pieces of the reference."""
    tag = f"Q{uuid.uuid4().hex[:6]}"
    await create_client(api, givenName="Zoë", familyName=f"Ångström{tag}")
    await create_client(api, givenName="Beatrix", familyName=f"Oldname{tag}")
    renamed = await create_client(api, givenName="Cyrus", familyName=f"Oldname{tag}")
    result = await amend_client(api, renamed["id"], {"familyName": f"Newname{tag}"}, expected=1)
    assert result["__typename"] == "ClientPayload", result

    async def found(search: str) -> set[str]:
        page = await list_clients(api, filter={"search": search}, first=100)
        return {e["node"]["reference"] for e in page["edges"]}

    async def matching(search: str) -> set[str]:
        literal = re.sub(r"([\\%_])", r"\\\1", search.strip())
        rows = await db.connection.execute(
            text(
                "SELECT reference FROM client_current WHERE given_name || ' ' || family_name"
                " ILIKE :p ESCAPE '\\' OR reference ILIKE :p ESCAPE '\\'"
            ),
            {"p": f"%{literal}%"},
        )
        return {r.reference for r in rows}

    searches = [
        tag,
        tag.lower(),
        f"ångström{tag}".upper(),
        f"zoë ångström{tag}",
        f"x Oldname{tag}",
        f"oldname{tag}",
        f"newname{tag}",
        f"  rus newname{tag.upper()} ",
        "ë Å",
        renamed["reference"][2:],
    ]
    for search in searches:
        assert await found(search) == await matching(search), search
    assert len(await found(f"oldname{tag}")) == 1  # Beatrix; Cyrus's old name is history
    assert len(await found(tag)) == 3


async def test_filter_by_situation_and_status(api: Api) -> None:
    tag = f"Sit{serial()}"
    home = await create_client(api, familyName=f"{tag}a", situation="COMMUNITY")
    care = await create_client(api, familyName=f"{tag}b", situation="RESIDENTIAL_CARE")
    gone = await create_client(api, familyName=f"{tag}c", situation="DECEASED_WINDING_UP")
    closed = await create_client(api, familyName=f"{tag}d", situation="COMMUNITY")
    result = await amend_client(api, closed["id"], {"status": "CLOSED"}, reason="case closed")
    assert result["__typename"] == "ClientPayload"

    async def refs(**flt: Any) -> set[str]:
        page = await list_clients(api, filter={"search": tag, **flt}, first=100)
        return {e["node"]["reference"] for e in page["edges"]}

    assert await refs(situation="COMMUNITY") == {home["reference"], closed["reference"]}
    assert await refs(situation="RESIDENTIAL_CARE") == {care["reference"]}
    assert await refs(situation="DECEASED_WINDING_UP") == {gone["reference"]}
    assert await refs(status="CLOSED") == {closed["reference"]}
    assert await refs(status="ACTIVE") == {home["reference"], care["reference"], gone["reference"]}
    assert await refs(status="ACTIVE", situation="COMMUNITY") == {home["reference"]}
    assert await refs(status="REFERRED") == set()


async def test_filter_by_legal_role(api: Api) -> None:
    """R-REF-6: appointee, deputy, both, or neither: each client in exactly one bucket."""
    tag = f"Role{serial()}"
    appointee = await create_client(api, familyName=f"{tag}a")
    deputy = await create_client(api, familyName=f"{tag}d")
    both = await create_client(api, familyName=f"{tag}b")
    neither = await create_client(api, familyName=f"{tag}n")
    ended = await create_client(api, familyName=f"{tag}e")  # an order that is over
    not_yet = await create_client(api, familyName=f"{tag}f")  # future end, still in force
    for c in (appointee, both):
        assert (await record_appointeeship(api, c["id"]))["__typename"] == "AppointeeshipPayload"
    for c in (deputy, both):
        assert (await record_deputyship(api, c["id"]))["__typename"] == "DeputyshipPayload"
    over = await record_deputyship(api, ended["id"], orderDate=days_ago(900), endDate=days_ago(1))
    assert over["__typename"] == "DeputyshipPayload"
    running = await record_appointeeship(
        api,
        not_yet["id"],
        startDate=days_ago(10),
        endDate=(clock.today() + timedelta(30)).isoformat(),
    )
    assert running["__typename"] == "AppointeeshipPayload"

    async def refs(role: str) -> set[str]:
        page = await list_clients(api, filter={"search": tag, "legalRole": role}, first=100)
        assert all(e["node"]["legalRole"] == role for e in page["edges"])
        return {e["node"]["reference"] for e in page["edges"]}

    assert await refs("APPOINTEE") == {appointee["reference"], not_yet["reference"]}
    assert await refs("DEPUTY") == {deputy["reference"]}
    assert await refs("BOTH") == {both["reference"]}
    assert await refs("NONE") == {neither["reference"], ended["reference"]}


# --- caseload summary -----------------------------------------------------------------------

CASELOAD = "{ caseloadSummary { total counts { legalRole situation clients } } }"


async def caseload(api: Api) -> tuple[int, dict[tuple[str, str], int]]:
    data = await api.data(CASELOAD, role="auditor", sub="aud.itor")
    summary = data["caseloadSummary"]
    table = {(c["legalRole"], c["situation"]): c["clients"] for c in summary["counts"]}
    assert summary["total"] == sum(table.values())
    assert all(n > 0 for n in table.values())
    return summary["total"], table


def delta(after: dict[tuple[str, str], int], before: dict[tuple[str, str], int]) -> dict[Any, int]:
    keys = set(after) | set(before)
    changes = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
    return {k: v for k, v in changes.items() if v}


async def test_caseload_summary_counts_by_legal_role_and_situation(api: Api) -> None:
    """R-REP-1: clients by role and situation; a deputyship moves a client between rows;
    closed clients are not in the caseload."""
    total0, table0 = await caseload(api)
    a = await create_client(api, situation="COMMUNITY")
    await create_client(api, situation="COMMUNITY")
    c = await create_client(api, situation="RESIDENTIAL_CARE")
    d = await create_client(api, situation="DECEASED_WINDING_UP")

    total1, table1 = await caseload(api)
    assert total1 == total0 + 4
    assert delta(table1, table0) == {
        ("NONE", "COMMUNITY"): 2,
        ("NONE", "RESIDENTIAL_CARE"): 1,
        ("NONE", "DECEASED_WINDING_UP"): 1,
    }

    assert (await record_deputyship(api, a["id"]))["__typename"] == "DeputyshipPayload"
    assert (await record_appointeeship(api, c["id"]))["__typename"] == "AppointeeshipPayload"
    assert (await record_deputyship(api, c["id"]))["__typename"] == "DeputyshipPayload"
    closed = await amend_client(api, d["id"], {"status": "CLOSED"}, reason="estate wound up")
    assert closed["__typename"] == "ClientPayload"

    total2, table2 = await caseload(api)
    assert total2 == total1 - 1
    assert delta(table2, table1) == {
        ("NONE", "COMMUNITY"): -1,
        ("DEPUTY", "COMMUNITY"): 1,
        ("NONE", "RESIDENTIAL_CARE"): -1,
        ("BOTH", "RESIDENTIAL_CARE"): 1,
        ("NONE", "DECEASED_WINDING_UP"): -1,
    }


async def test_the_dashboards_read_neither_the_client_list_nor_the_plain_summary(
    api: Api,
) -> None:
    """R-ROLE-1: the dashboard account sees aggregates only, no personal data; today's summary
    gives every cell plainly (a cell of one client identifies the client), so the reporting
    role reads the caseload through caseload(asAt:), small counts suppressed (issue 16 item 7)."""
    await create_client(api)
    body = await api.gql(LIST_CLIENTS, {"first": 5}, role="reporting")
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(CASELOAD, role="reporting")
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await caseload(api))[0] >= 1


# --- fixes pinned by these tests ------------------------------------------------------------


async def test_search_treats_wildcards_as_literal_text(api: Api) -> None:
    """A search for ``%`` or ``_`` finds names containing them, not every client."""
    await create_client(api, familyName="Plain")
    odd = await create_client(api, familyName="Per%cent_Under")

    async def found(search: str) -> set[str]:
        page = await list_clients(api, filter={"search": search}, first=100)
        return {e["node"]["reference"] for e in page["edges"]}

    assert await found("%") == {odd["reference"]}
    assert await found("_under") == {odd["reference"]}
    assert await found("r%c") == {odd["reference"]}
    assert await found("P_ain") == set()
    assert await found("\\") == set()


@pytest.mark.parametrize("key", [[None], [1], [], ["CA000001", "extra"]])
async def test_a_cursor_with_the_wrong_key_is_bad_input(api: Api, key: list[Any]) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    body = await api.gql(LIST_CLIENTS, {"first": 5, "after": cursor})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_concurrent_amendments_collide_on_the_version_key(
    settings: Settings, signing_key: SigningKey
) -> None:
    """Two amendments of one version: the second to insert hits the (client_id, version)
    primary key and gets a version conflict, never a silent overwrite (R-AUD-2). A real race
    on a database of its own (issue 10 item 6: nothing patched): the late writer reads
    version 1 before the first writer's version 2 is committed, and waits on the key."""
    with fresh_database("ca_api_clients_race") as url:
        async with app_on(url, settings, signing_key, pool_size=4) as (api, database):
            client = await create_client(api)
            cid = decode_uuid("Client", client["id"])

            async def amend(session: AsyncSession, given_name: str) -> int:
                details = ClientDetails(given_name, "Late", date(1950, 1, 1), Situation.COMMUNITY)
                values = repository.details_values(details) | {
                    "recorded_by": given_name.lower(),
                    "reason": given_name,
                }
                return await versioned.append_version(
                    session,
                    ClientVersion.__table__,  # type: ignore[arg-type]
                    "client_id",
                    cid,
                    values,
                    what="client",
                    expected_version=None,
                )

            async def waiting_on_a_lock(pid: int) -> None:
                sql = text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted")
                async with database.session() as watcher:
                    for _ in range(600):
                        if (await watcher.execute(sql, {"pid": pid})).scalar_one():
                            return
                        await asyncio.sleep(0.05)
                raise AssertionError("the late writer never waited on the version key")

            async with database.session() as first, database.session() as late:
                pid = (await late.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                assert await amend(first, "Ida") == 2  # written, not yet committed
                second = asyncio.create_task(amend(late, "Eve"))
                await waiting_on_a_lock(pid)  # the late writer read version 1 and waits
                await first.commit()
                with pytest.raises(StaleVersion) as caught:
                    await second
                assert caught.value.current == 2
            history = (await api.data(CLIENT_HISTORY, {"id": client["id"]}))["client"]["history"]
            assert [(v["version"], v["givenName"]) for v in history] == [(1, "Ada"), (2, "Ida")]


# --- one person, one client: idempotency keys and likely duplicates (issue 9 item 7) ---------


async def audit_actions(db: RolledBackDatabase, client_id: str) -> list[str]:
    rows = await db.connection.execute(
        text("SELECT action FROM audit_log WHERE client_id = :c ORDER BY id"),
        {"c": decode_uuid("Client", client_id)},
    )
    return [r[0] for r in rows]


async def test_the_same_create_sent_twice_makes_one_client(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 7, R-AUD-1: a repeat with the same key and input returns the first client,
    marked replayed, and writes nothing again."""
    variables = create_vars()
    before = await counts(db)
    first = (await api.data(CREATE_CLIENT, variables))["createClient"]
    second = (await api.data(CREATE_CLIENT, variables))["createClient"]
    assert (first["__typename"], second["__typename"]) == ("ClientPayload", "ClientPayload")
    assert (first["replayed"], second["replayed"]) == (False, True)
    assert second["client"] == first["client"]
    assert await counts(db) == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert await audit_actions(db, first["client"]["id"]) == ["create"]


async def test_the_same_referral_sent_twice_makes_one_client(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 7: the testers' case: one referral sent twice made two clients."""
    variables = create_vars(givenName="Maud", familyName="Twice")
    results = [
        (await api.data(REFER_CLIENT, variables, role="social_worker", sub="wendy.sw"))[
            "referClient"
        ]
        for _ in range(2)
    ]
    assert [(r["__typename"], r["replayed"]) for r in results] == [
        ("ClientPayload", False),
        ("ClientPayload", True),
    ]
    assert results[0]["client"] == results[1]["client"]
    assert results[0]["client"]["status"] == "REFERRED"
    family = "SELECT count(*) FROM client_version WHERE family_name = 'Twice'"
    assert await scalar(db, family) == 1
    assert await audit_actions(db, results[0]["client"]["id"]) == ["refer"]


async def test_one_key_for_a_different_client_is_refused(api: Api, db: RolledBackDatabase) -> None:
    """issue 9 item 7: as for money, the same key with different input is refused."""
    key = new_key()
    first = (await api.data(CREATE_CLIENT, create_vars(key)))["createClient"]
    assert first["__typename"] == "ClientPayload"
    before = await counts(db)
    other = (await api.data(CREATE_CLIENT, create_vars(key)))["createClient"]
    assert other["__typename"] == "IdempotencyKeyReusedProblem", other
    assert (other["code"], other["key"]) == ("IDEMPOTENCY_KEY_REUSED", key)
    # Creating and referring are different operations: a key used for one is refused for the
    # other, even by a caller who may do both.
    refer = await api.data(REFER_CLIENT, create_vars(key), role=["senior_officer", "social_worker"])
    assert refer["referClient"]["__typename"] == "IdempotencyKeyReusedProblem"
    assert await counts(db) == before


async def test_keys_are_the_callers_own(api: Api, db: RolledBackDatabase) -> None:
    """issue 9 item 7: two officers who happen to use one key each make their own client."""
    key = new_key()
    mine = await api.data(CREATE_CLIENT, create_vars(key), role="senior_officer", sub="olu.scao")
    theirs = await api.data(CREATE_CLIENT, create_vars(key), role="assistant", sub="ash.assistant")
    assert mine["createClient"]["client"]["id"] != theirs["createClient"]["client"]["id"]
    assert theirs["createClient"]["replayed"] is False


async def test_the_idempotency_key_is_required_and_checked(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 7: required, like the money mutations' keys (8 to 200 characters)."""
    before = await counts(db)
    body = await api.gql(
        'mutation { createClient(input: {givenName: "Ada", familyName: "Keyless",'
        ' dateOfBirth: "1950-03-14", situation: COMMUNITY}) { __typename } }'
    )
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    short = (await api.data(CREATE_CLIENT, create_vars("short")))["createClient"]
    assert short["__typename"] == "ValidationProblem"
    assert problem_fields(short) == {"idempotencykey"}
    assert await counts(db) == before


async def test_the_same_ni_number_is_the_same_person(api: Api, db: RolledBackDatabase) -> None:
    """issue 9 item 7: an NI number is one person's: a second client with it, however it is
    written and whatever the name, is refused with the existing client's id. No override: the
    record with the wrong number is corrected instead."""
    existing = await create_client(api, niNumber="AB123456C")
    before = await counts(db)
    for variables in (
        create_vars(niNumber="ab 12 34 56 c", givenName="Someone", familyName="Else"),
        {
            "input": create_vars(niNumber="AB123456C")["input"]
            | {"notDuplicateOf": [existing["id"]]}
        },
    ):
        result = (await api.data(CREATE_CLIENT, variables))["createClient"]
        assert result["__typename"] == "DuplicateClientProblem", result
        assert result["code"] == "DUPLICATE_CLIENT"
        assert result["existingClientId"] == existing["id"]
        assert result["matchedOn"] == ["NI_NUMBER"]
        assert result["canOverride"] is False
        assert existing["reference"] in result["message"]
    assert await counts(db) == before


async def test_the_same_name_and_birth_date_is_a_likely_duplicate(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 7: the same name (ignoring case and spacing) and date of birth is refused
    with the existing client's id; two people can share both, so naming that client in
    notDuplicateOf, having checked, records the new one."""
    existing = await create_client(
        api, givenName="Mary Ann", familyName="Smith", dateOfBirth="1944-02-29", niNumber=None
    )
    before = await counts(db)
    variables = create_vars(
        givenName="  mary   ANN", familyName="smith ", dateOfBirth="1944-02-29", niNumber=None
    )
    result = (await api.data(CREATE_CLIENT, variables))["createClient"]
    assert result["__typename"] == "DuplicateClientProblem", result
    assert result["existingClientId"] == existing["id"]
    assert result["matchedOn"] == ["NAME_AND_DATE_OF_BIRTH"]
    assert result["canOverride"] is True
    assert await counts(db) == before

    # A refused request stores nothing, so the same key may be used again with the override.
    variables["input"]["notDuplicateOf"] = [existing["id"]]
    second = (await api.data(CREATE_CLIENT, variables))["createClient"]
    assert second["__typename"] == "ClientPayload", second
    assert second["client"]["id"] != existing["id"]
    assert second["client"]["givenName"] == "mary   ANN"

    # Another date of birth, or another name, is another person.
    for overrides in (
        {"givenName": "Mary Ann", "familyName": "Smith", "dateOfBirth": "1944-03-01"},
        {"givenName": "Mary", "familyName": "Smith", "dateOfBirth": "1944-02-29"},
    ):
        other = await api.data(CREATE_CLIENT, create_vars(niNumber=None, **overrides))
        assert other["createClient"]["__typename"] == "ClientPayload", other


AMEND_IDENTITY = """
mutation Amend($input: AmendClientInput!) {
  amendClient(input: $input) {
    __typename
    ... on ClientPayload { client { id niNumber familyName } }
    ... on DuplicateClientProblem { code message existingClientId matchedOn canOverride }
  }
}
"""


def identity(given: dict[str, Any]) -> dict[str, Any]:
    """AMEND_IDENTITY's variables: the amendment given, with its reason."""
    return {"input": given | {"reason": "correcting the record"}}


async def test_an_amendment_cannot_make_a_client_a_duplicate_of_another(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 7: a duplicate gets in by amendment as easily as by creation, so amendClient
    is checked the same way: another client's NI number is refused outright; another client's
    name and date of birth unless the caller names that client in notDuplicateOf. Amending a
    client's own details, or anything else about them, is no duplicate of themselves."""
    first = await create_client(api, niNumber="AB123456C", familyName="Ashdown")
    second = await create_client(api, niNumber="JB654321A", familyName="Bexhill")
    before = await counts(db)

    taken = {"id": second["id"], "amendment": {"niNumber": "ab 12 34 56 c"}}
    result = (await api.data(AMEND_IDENTITY, identity(taken)))["amendClient"]
    assert result["__typename"] == "DuplicateClientProblem", result
    assert result["code"] == "DUPLICATE_CLIENT"
    assert result["existingClientId"] == first["id"]
    assert result["matchedOn"] == ["NI_NUMBER"]
    assert result["canOverride"] is False
    assert await counts(db) == before

    same_person = {
        "id": second["id"],
        "amendment": {"familyName": "ASHDOWN", "dateOfBirth": first["dateOfBirth"]},
    }
    result = (await api.data(AMEND_IDENTITY, identity(same_person)))["amendClient"]
    assert result["__typename"] == "DuplicateClientProblem", result
    assert result["matchedOn"] == ["NAME_AND_DATE_OF_BIRTH"]
    assert result["canOverride"] is True
    assert await counts(db) == before

    checked = same_person | {"notDuplicateOf": [first["id"]]}
    result = (await api.data(AMEND_IDENTITY, identity(checked)))["amendClient"]
    assert result["__typename"] == "ClientPayload", result
    assert result["client"]["familyName"] == "ASHDOWN"

    own = {"id": first["id"], "amendment": {"niNumber": "AB123456C", "familyName": "Ashdowne"}}
    result = (await api.data(AMEND_IDENTITY, identity(own)))["amendClient"]
    assert result["__typename"] == "ClientPayload", result


async def test_a_referral_of_a_known_person_is_refused_without_showing_their_record(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 7, R-ROLE: a social worker referring someone who is already a client is told
    so, with the id only when the client is one they may read (their own referral)."""
    officer_client = await create_client(api, givenName="Known", familyName="Person")
    before = await counts(db)
    variables = create_vars(givenName="Known", familyName="Person")
    result = (await api.data(REFER_CLIENT, variables, role="social_worker", sub="wendy.sw"))[
        "referClient"
    ]
    assert result["__typename"] == "DuplicateClientProblem", result
    assert result["existingClientId"] is None
    assert officer_client["reference"] not in result["message"]
    assert await counts(db) == before

    person = {"givenName": "Own", "familyName": "Referral", "dateOfBirth": "1960-01-01"}
    own = await api.data(REFER_CLIENT, create_vars(**person), role="social_worker", sub="wendy.sw")
    again = await api.data(
        REFER_CLIENT, create_vars(niNumber=None, **person), role="social_worker", sub="wendy.sw"
    )
    assert again["referClient"]["__typename"] == "DuplicateClientProblem"
    assert again["referClient"]["existingClientId"] == own["referClient"]["client"]["id"]

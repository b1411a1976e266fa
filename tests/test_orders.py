"""Court of Protection deputyships and DWP appointeeships through the real /graphql endpoint:
the powers an order grants (R-ORD-1), its supervision type (R-ORD-3), the council's legal role
for the client (R-REF-6), and amendments as new versions with a reason (R-AUD-2).

Legal role and ``inForce`` are judged for today in Europe/London, so dates here are relative to
``clock.today()`` and in the past unless a test says otherwise.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from ca_api import clock, migrate
from ca_api.audit import service as audit_service
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import async_url
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    AMEND_APPOINTEESHIP,
    APPOINTEESHIP_FIELDS,
    DEPUTYSHIP_FIELDS,
    PROBLEM_FIELDS,
    RECORD_DEPUTYSHIP,
    RECORD_PROBLEM_FIELDS,
    amend_deputyship,
    create_client,
    days_ago,
    deputyship_input,
    new_deputyship,
    powers,
    problem_fields,
    record_appointeeship,
    record_deputyship,
    scalar,
)
from tests.support import fresh_database

CLIENT_ORDERS = f"""
query($id: ID!) {{
  client(id: $id) {{
    legalRole
    deputyships {{ {DEPUTYSHIP_FIELDS} }}
    appointeeships {{ {APPOINTEESHIP_FIELDS} }}
  }}
}}
"""


def in_days(n: int) -> str:
    return (clock.today() + timedelta(days=n)).isoformat()


async def client_orders(api: Api, client_id: str) -> dict[str, Any]:
    data = await api.data(CLIENT_ORDERS, {"id": client_id})
    result: dict[str, Any] = data["client"]
    return result


async def amend_appointeeship(
    api: Api,
    appointeeship_id: str,
    amendment: dict[str, Any],
    reason: str = "DWP letter",
    expected: int | None = None,
    **kw: Any,
) -> dict[str, Any]:
    variables = {
        "input": {
            "id": appointeeship_id,
            "amendment": amendment,
            "reason": reason,
            "expectedVersion": expected,
        }
    }
    kw.setdefault("role", "senior_officer")
    kw.setdefault("sub", "olu.scao")
    data = await api.data(AMEND_APPOINTEESHIP, variables, **kw)
    result: dict[str, Any] = data["amendAppointeeship"]
    return result


async def new_appointeeship(api: Api, client_id: str, **overrides: Any) -> dict[str, Any]:
    result = await record_appointeeship(api, client_id, **overrides)
    assert result["__typename"] == "AppointeeshipPayload", result
    appointeeship: dict[str, Any] = result["appointeeship"]
    return appointeeship


async def order_counts(db: RolledBackDatabase) -> tuple[int, ...]:
    """Rows a refused order change must leave alone, audit included."""
    return tuple(
        [
            await scalar(db, f"SELECT count(*) FROM {table}")
            for table in (
                "deputyship",
                "deputyship_version",
                "appointeeship",
                "appointeeship_version",
                "audit_log",
            )
        ]
    )


# --- deputyships ----------------------------------------------------------------------------


async def test_record_deputyship_stores_the_powers_and_supervision_type(
    api: Api, db: RolledBackDatabase
) -> None:
    """R-ORD-1: the order's powers, with a yearly gift limit in exact Money; R-ORD-3: the OPG's
    supervision type."""
    client = await create_client(api)
    order_date = days_ago(200)
    granted = powers(sellProperty=True, letProperty=False, giftYearlyLimit="250.00")
    deputyship = await new_deputyship(
        api,
        client["id"],
        caseNumber="  13579246  ",
        orderDate=order_date,
        powers=granted,
        supervisionType="TYPE_2A",
    )
    assert deputyship["version"] == 1
    assert deputyship["caseNumber"] == "13579246"
    assert deputyship["orderDate"] == order_date
    assert deputyship["endDate"] is None
    assert deputyship["supervisionType"] == "TYPE_2A"
    assert deputyship["inForce"] is True
    assert deputyship["recordedBy"] == "olu.scao"
    assert deputyship["powers"] == granted

    # Read back on the client, and in the table as integer pence.
    on_client = await client_orders(api, client["id"])
    assert on_client["legalRole"] == "DEPUTY"
    assert on_client["deputyships"] == [deputyship]
    assert on_client["appointeeships"] == []
    did = decode_uuid("Deputyship", deputyship["id"])
    row = (
        await db.connection.execute(
            text(
                "SELECT gift_yearly_limit, supervision_type, power_sell_property, case_number "
                "FROM deputyship_version WHERE deputyship_id = :id"
            ),
            {"id": did},
        )
    ).one()
    assert tuple(row) == (25000, "TYPE_2A", True, "13579246")


@pytest.mark.parametrize("limit", ["0.00", "0.01", "99.99", "1234567.89"])
async def test_gift_limit_round_trips_to_the_penny(api: Api, limit: str) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], powers=powers(giftYearlyLimit=limit))
    assert deputyship["powers"]["giftYearlyLimit"] == limit


async def test_gift_power_without_a_limit_has_a_null_limit(api: Api) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], powers=powers(giftYearlyLimit=None))
    assert deputyship["powers"]["makeGifts"] is True
    assert deputyship["powers"]["giftYearlyLimit"] is None


@pytest.mark.parametrize("supervision", ["TYPE_1", "TYPE_2A", "TYPE_2", "TYPE_3"])
async def test_every_supervision_type_is_accepted(api: Api, supervision: str) -> None:
    """R-ORD-3: 1 (close), 2A (intermediate), 2 (low), 3 (minimal)."""
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], supervisionType=supervision)
    assert deputyship["supervisionType"] == supervision


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param(
            {"powers": powers(makeGifts=False, giftYearlyLimit="250.00")},
            "gift_yearly_limit",
            id="gift limit without the gift power",
        ),
        pytest.param(
            {"powers": powers(giftYearlyLimit="-1.00")}, "gift_yearly_limit", id="negative limit"
        ),
        pytest.param({"orderDate": in_days(1)}, "order_date", id="order date in the future"),
        pytest.param(
            {"orderDate": days_ago(10), "endDate": days_ago(11)},
            "end_date",
            id="end before order date",
        ),
        pytest.param({"caseNumber": "   "}, "case_number", id="blank case number"),
        pytest.param({"caseNumber": "9" * 41}, "case_number", id="case number too long"),
    ],
)
async def test_invalid_deputyship_is_a_validation_problem_and_nothing_is_written(
    api: Api, db: RolledBackDatabase, overrides: dict[str, Any], field: str
) -> None:
    client = await create_client(api)
    before = await order_counts(db)
    problem = await record_deputyship(api, client["id"], **overrides)
    assert problem["__typename"] == "ValidationProblem", problem
    assert problem["code"] == "VALIDATION_FAILED"
    assert problem_fields(problem) == {field.replace("_", "")}
    assert await order_counts(db) == before
    assert (await client_orders(api, client["id"]))["legalRole"] == "NONE"


@pytest.mark.parametrize("limit", [250, 250.0, "250", "250.0", "250.000", "£250.00", "1e2"])
async def test_gift_limit_must_be_a_two_place_money_string(
    api: Api, db: RolledBackDatabase, limit: object
) -> None:
    """Money is never a float and always has exactly two places."""
    client = await create_client(api)
    before = await order_counts(db)
    body = await api.gql(
        RECORD_DEPUTYSHIP,
        {
            "input": {
                **deputyship_input(powers=powers(giftYearlyLimit=limit)),
                "clientId": client["id"],
            }
        },
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert await order_counts(db) == before


async def test_recording_an_order_for_an_unknown_client_is_not_found(
    api: Api, db: RolledBackDatabase
) -> None:
    unknown = encode_id("Client", uuid.uuid4())
    before = await order_counts(db)
    for result in (
        await record_appointeeship(api, unknown),
        await record_deputyship(api, unknown),
    ):
        assert result["__typename"] == "NotFoundProblem", result
        assert result["code"] == "NOT_FOUND"
        assert result["id"] == unknown
    assert await order_counts(db) == before


async def test_recording_orders_needs_a_caseworker(api: Api, db: RolledBackDatabase) -> None:
    """R-ROLE-1: support assistants enter data but do not record court orders."""
    client = await create_client(api)
    before = await order_counts(db)
    body = await api.gql(
        RECORD_DEPUTYSHIP,
        {"input": {**deputyship_input(), "clientId": client["id"]}},
        role="support_assistant",
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert await order_counts(db) == before


async def test_amend_deputyship_makes_a_new_version_and_keeps_the_old(
    api: Api, db: RolledBackDatabase
) -> None:
    """R-AUD-2: the court varies the order: a new version with the reason; version 1 stays."""
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], supervisionType="TYPE_2")
    varied = powers(makeGifts=False, giftYearlyLimit=None, letProperty=True)
    result = await amend_deputyship(
        api,
        deputyship["id"],
        {"supervisionType": "TYPE_3", "powers": varied},
        reason="OPG reassessed; order varied 2024",
        expected=1,
        role="assistant",
        sub="ash.assistant",
    )
    assert result["__typename"] == "DeputyshipPayload", result
    amended = result["deputyship"]
    assert amended["id"] == deputyship["id"]
    assert amended["version"] == 2
    assert amended["supervisionType"] == "TYPE_3"
    assert amended["powers"] == varied
    assert amended["caseNumber"] == deputyship["caseNumber"]
    assert amended["recordedBy"] == "ash.assistant"

    rows = (
        await db.connection.execute(
            text(
                "SELECT version, supervision_type, power_make_gifts, gift_yearly_limit, reason "
                "FROM deputyship_version WHERE deputyship_id = :id ORDER BY version"
            ),
            {"id": decode_uuid("Deputyship", deputyship["id"])},
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (1, "TYPE_2", True, 25000, None),
        (2, "TYPE_3", False, None, "OPG reassessed; order varied 2024"),
    ]
    # The client still has one deputyship, now at version 2.
    assert [d["version"] for d in (await client_orders(api, client["id"]))["deputyships"]] == [2]


async def test_amend_deputyship_on_a_stale_version_is_a_version_conflict(
    api: Api, db: RolledBackDatabase
) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"])
    first = await amend_deputyship(api, deputyship["id"], {"supervisionType": "TYPE_1"}, expected=1)
    assert first["__typename"] == "DeputyshipPayload"
    before = await order_counts(db)

    stale = await amend_deputyship(api, deputyship["id"], {"supervisionType": "TYPE_3"}, expected=1)
    assert stale["__typename"] == "VersionConflictProblem"
    assert stale["code"] == "VERSION_CONFLICT"
    assert stale["currentVersion"] == 2
    assert await order_counts(db) == before
    current = (await client_orders(api, client["id"]))["deputyships"][0]
    assert (current["version"], current["supervisionType"]) == (2, "TYPE_1")


@pytest.mark.parametrize("reason", ["", "  \t "])
async def test_amend_deputyship_without_a_reason_is_refused(
    api: Api, db: RolledBackDatabase, reason: str
) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"])
    before = await order_counts(db)
    result = await amend_deputyship(api, deputyship["id"], {"supervisionType": "TYPE_1"}, reason)
    assert result["__typename"] == "ValidationProblem"
    assert problem_fields(result) == {"reason"}
    assert await order_counts(db) == before


@pytest.mark.parametrize(
    ("amendment", "field"),
    [
        pytest.param({"caseNumber": None}, "case_number", id="clear case number"),
        pytest.param({"orderDate": None}, "order_date", id="clear order date"),
        pytest.param({"supervisionType": None}, "supervision_type", id="clear supervision"),
        pytest.param({"powers": None}, "powers", id="clear powers"),
        pytest.param({"orderDate": in_days(2)}, "order_date", id="order date in the future"),
        pytest.param({"endDate": days_ago(401)}, "end_date", id="end before order date"),
        pytest.param(
            {"powers": powers(makeGifts=False)}, "gift_yearly_limit", id="limit without power"
        ),
        pytest.param({"supervisionType": "TYPE_2"}, "amendment", id="changes nothing"),
    ],
)
async def test_invalid_deputyship_amendment_is_a_validation_problem(
    api: Api, db: RolledBackDatabase, amendment: dict[str, Any], field: str
) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], orderDate=days_ago(400))
    before = await order_counts(db)
    result = await amend_deputyship(api, deputyship["id"], amendment)
    assert result["__typename"] == "ValidationProblem", result
    assert problem_fields(result) == {field.replace("_", "")}
    assert await order_counts(db) == before


async def test_amend_unknown_deputyship_is_not_found(api: Api) -> None:
    unknown = encode_id("Deputyship", uuid.uuid4())
    result = await amend_deputyship(api, unknown, {"supervisionType": "TYPE_1"})
    assert result["__typename"] == "NotFoundProblem"
    assert result["id"] == unknown


async def test_ending_a_deputyship_makes_it_not_in_force(api: Api) -> None:
    """R-ORD-5: the court discharges the order; the client is no longer a deputy client."""
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], orderDate=days_ago(400))
    result = await amend_deputyship(
        api, deputyship["id"], {"endDate": days_ago(2)}, reason="order discharged: capacity"
    )
    assert result["__typename"] == "DeputyshipPayload"
    assert result["deputyship"]["inForce"] is False
    assert (await client_orders(api, client["id"]))["legalRole"] == "NONE"


# --- appointeeships and the legal role ------------------------------------------------------


async def test_record_appointeeship(api: Api) -> None:
    client = await create_client(api)
    appointeeship = await new_appointeeship(
        api, client["id"], startDate=days_ago(30), appliedOn=days_ago(40), dwpReference="DWP-77"
    )
    assert appointeeship == {
        "id": appointeeship["id"],
        "version": 1,
        "dwpReference": "DWP-77",
        "appliedOn": days_ago(40),
        "startDate": days_ago(30),
        "endDate": None,
        "inForce": True,
        "recordedBy": "olu.scao",
    }
    assert (await client_orders(api, client["id"]))["legalRole"] == "APPOINTEE"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"startDate": in_days(1)}, "start_date", id="starts in the future"),
        pytest.param(
            {"startDate": days_ago(5), "appliedOn": days_ago(4)}, "applied_on", id="applied after"
        ),
        pytest.param(
            {"startDate": days_ago(5), "endDate": days_ago(6)}, "end_date", id="ends before start"
        ),
    ],
)
async def test_invalid_appointeeship_is_a_validation_problem(
    api: Api, db: RolledBackDatabase, overrides: dict[str, Any], field: str
) -> None:
    client = await create_client(api)
    before = await order_counts(db)
    result = await record_appointeeship(api, client["id"], **overrides)
    assert result["__typename"] == "ValidationProblem", result
    assert problem_fields(result) == {field.replace("_", "")}
    assert await order_counts(db) == before


async def test_a_client_with_both_orders_is_both(api: Api) -> None:
    """R-REF-6: a deputyship does not end the appointeeship; the client can have both."""
    client = await create_client(api)
    await new_appointeeship(api, client["id"])
    assert (await client_orders(api, client["id"]))["legalRole"] == "APPOINTEE"
    await new_deputyship(api, client["id"])
    orders = await client_orders(api, client["id"])
    assert orders["legalRole"] == "BOTH"
    assert len(orders["deputyships"]) == len(orders["appointeeships"]) == 1


async def test_ending_the_appointeeship_leaves_a_deputy_client(
    api: Api, db: RolledBackDatabase
) -> None:
    """R-REF-6 / R-AUD-2: the appointeeship ends by a new version with an end date and reason;
    the client, still under a deputyship, becomes DEPUTY."""
    client = await create_client(api)
    appointeeship = await new_appointeeship(api, client["id"], startDate=days_ago(300))
    await new_deputyship(api, client["id"], orderDate=days_ago(100))
    assert (await client_orders(api, client["id"]))["legalRole"] == "BOTH"

    result = await amend_appointeeship(
        api,
        appointeeship["id"],
        {"endDate": days_ago(1)},
        reason="DWP appointeeship relinquished after deputy order",
        expected=1,
    )
    assert result["__typename"] == "AppointeeshipPayload", result
    ended = result["appointeeship"]
    assert (ended["version"], ended["endDate"], ended["inForce"]) == (2, days_ago(1), False)

    orders = await client_orders(api, client["id"])
    assert orders["legalRole"] == "DEPUTY"
    assert orders["appointeeships"] == [ended]
    rows = (
        await db.connection.execute(
            text(
                "SELECT version, end_date IS NULL, reason FROM appointeeship_version "
                "WHERE appointeeship_id = :id ORDER BY version"
            ),
            {"id": decode_uuid("Appointeeship", appointeeship["id"])},
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (1, True, None),
        (2, False, "DWP appointeeship relinquished after deputy order"),
    ]


async def test_ending_the_only_appointeeship_leaves_no_legal_role(api: Api) -> None:
    client = await create_client(api)
    appointeeship = await new_appointeeship(api, client["id"], startDate=days_ago(300))
    result = await amend_appointeeship(
        api, appointeeship["id"], {"endDate": days_ago(3)}, reason="client died"
    )
    assert result["__typename"] == "AppointeeshipPayload"
    assert (await client_orders(api, client["id"]))["legalRole"] == "NONE"


async def test_an_appointeeship_ending_today_is_still_in_force(api: Api) -> None:
    """The end date is the last day in force (both ends inclusive)."""
    client = await create_client(api)
    appointeeship = await new_appointeeship(api, client["id"], startDate=days_ago(300))
    result = await amend_appointeeship(
        api, appointeeship["id"], {"endDate": days_ago(0)}, reason="DWP ends it today"
    )
    assert result["appointeeship"]["inForce"] is True
    assert (await client_orders(api, client["id"]))["legalRole"] == "APPOINTEE"


async def test_amend_appointeeship_problems(api: Api, db: RolledBackDatabase) -> None:
    client = await create_client(api)
    appointeeship = await new_appointeeship(api, client["id"], startDate=days_ago(300))
    before = await order_counts(db)

    no_reason = await amend_appointeeship(api, appointeeship["id"], {"endDate": days_ago(1)}, " ")
    assert no_reason["__typename"] == "ValidationProblem"
    assert problem_fields(no_reason) == {"reason"}

    cleared = await amend_appointeeship(api, appointeeship["id"], {"startDate": None})
    assert cleared["__typename"] == "ValidationProblem"
    assert problem_fields(cleared) == {"startdate"}

    backwards = await amend_appointeeship(api, appointeeship["id"], {"endDate": days_ago(301)})
    assert backwards["__typename"] == "ValidationProblem"
    assert problem_fields(backwards) == {"enddate"}

    stale = await amend_appointeeship(
        api, appointeeship["id"], {"endDate": days_ago(1)}, expected=2
    )
    assert stale["__typename"] == "VersionConflictProblem"
    assert stale["currentVersion"] == 1

    unknown = encode_id("Appointeeship", uuid.uuid4())
    missing = await amend_appointeeship(api, unknown, {"endDate": days_ago(1)})
    assert missing["__typename"] == "NotFoundProblem"
    assert missing["id"] == unknown

    assert await order_counts(db) == before


# --- the database refuses edits (R-AUD-2) ----------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE deputyship_version SET supervision_type = 'TYPE_3' WHERE deputyship_id = :id",
        "UPDATE deputyship_version SET gift_yearly_limit = 999999 WHERE deputyship_id = :id",
        "DELETE FROM deputyship_version WHERE deputyship_id = :id",
        "DELETE FROM deputyship WHERE id = :id",
        "TRUNCATE deputyship_version",
    ],
)
async def test_deputyship_versions_cannot_be_edited_in_sql(
    api: Api, db: RolledBackDatabase, sql: str
) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"])
    did = decode_uuid("Deputyship", deputyship["id"])
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql), {"id": did})
    limit = await scalar(
        db, "SELECT gift_yearly_limit FROM deputyship_version WHERE deputyship_id = :id", id=did
    )
    assert limit == 25000


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE appointeeship_version SET end_date = start_date WHERE appointeeship_id = :id",
        "DELETE FROM appointeeship_version WHERE appointeeship_id = :id",
    ],
)
async def test_appointeeship_versions_cannot_be_edited_in_sql(
    api: Api, db: RolledBackDatabase, sql: str
) -> None:
    client = await create_client(api)
    appointeeship = await new_appointeeship(api, client["id"])
    aid = decode_uuid("Appointeeship", appointeeship["id"])
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql), {"id": aid})
    assert (await client_orders(api, client["id"]))["legalRole"] == "APPOINTEE"


async def test_case_number_is_trimmed_on_amendment_as_on_recording(
    api: Api, db: RolledBackDatabase
) -> None:
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"], caseNumber="12345678")
    same = await amend_deputyship(api, deputyship["id"], {"caseNumber": " 12345678  "})
    assert same["__typename"] == "ValidationProblem"
    assert problem_fields(same) == {"amendment"}
    changed = await amend_deputyship(api, deputyship["id"], {"caseNumber": " 87654321 "})
    assert changed["__typename"] == "DeputyshipPayload"
    assert changed["deputyship"]["caseNumber"] == "87654321"


# --- one order of each kind in force at a time (issue 9 item 5, R-ORD) -----------------------

OVERLAP_FIELDS = """
  ... on OverlappingOrderProblem { code message existingOrderId existingFrom existingTo }
"""

SUPERSEDE_DEPUTYSHIP = f"""
mutation($input: RecordDeputyshipInput!) {{
  recordDeputyship(input: $input) {{
    __typename
    ... on DeputyshipPayload {{ deputyship {{ {DEPUTYSHIP_FIELDS} supersedes supersededBy }} }}
    {RECORD_PROBLEM_FIELDS} {OVERLAP_FIELDS}
  }}
}}
"""

SUPERSEDE_APPOINTEESHIP = f"""
mutation($input: RecordAppointeeshipInput!) {{
  recordAppointeeship(input: $input) {{
    __typename
    ... on AppointeeshipPayload {{
      appointeeship {{ {APPOINTEESHIP_FIELDS} supersedes supersededBy }}
    }}
    {RECORD_PROBLEM_FIELDS} {OVERLAP_FIELDS}
  }}
}}
"""

ORDER_HISTORY = f"""
query($id: ID!) {{
  client(id: $id) {{
    legalRole
    deputyships {{ {DEPUTYSHIP_FIELDS} supersedes supersededBy }}
    appointeeships {{ {APPOINTEESHIP_FIELDS} supersedes supersededBy }}
  }}
}}
"""

AMEND_DEPUTYSHIP_OVERLAP = f"""
mutation($input: AmendDeputyshipInput!) {{
  amendDeputyship(input: $input) {{
    __typename
    ... on DeputyshipPayload {{ deputyship {{ id endDate }} }}
    {PROBLEM_FIELDS} {OVERLAP_FIELDS}
  }}
}}
"""


async def deputyship_call(
    api: Api, client_id: str, supersedes: str | None = None, **overrides: Any
) -> dict[str, Any]:
    variables = {
        "input": {**deputyship_input(**overrides), "clientId": client_id, "supersedes": supersedes}
    }
    data = await api.data(SUPERSEDE_DEPUTYSHIP, variables, role="senior_officer", sub="olu.scao")
    result: dict[str, Any] = data["recordDeputyship"]
    return result


async def appointeeship_call(
    api: Api, client_id: str, supersedes: str | None = None, **overrides: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {"startDate": days_ago(300), "dwpReference": "DWP-1"} | overrides
    variables = {"input": {**values, "clientId": client_id, "supersedes": supersedes}}
    data = await api.data(SUPERSEDE_APPOINTEESHIP, variables, role="senior_officer", sub="olu.scao")
    result: dict[str, Any] = data["recordAppointeeship"]
    return result


async def order_history(api: Api, client_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await api.data(ORDER_HISTORY, {"id": client_id}))["client"]
    return result


async def test_a_second_deputyship_on_the_same_date_is_refused(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 5, R-ORD: the testers recorded a second deputyship with the same order date
    and both were in force. It is refused with a typed problem naming the order in force."""
    client = await create_client(api)
    first = await new_deputyship(api, client["id"], orderDate=days_ago(100))
    before = await order_counts(db)

    second = await deputyship_call(api, client["id"], orderDate=days_ago(100))
    assert second["__typename"] == "OverlappingOrderProblem", second
    assert second["code"] == "ORDER_OVERLAP"
    assert second["existingOrderId"] == first["id"]
    assert (second["existingFrom"], second["existingTo"]) == (days_ago(100), None)
    assert await order_counts(db) == before
    assert [d["id"] for d in (await order_history(api, client["id"]))["deputyships"]] == [
        first["id"]
    ]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param({"orderDate": days_ago(400)}, {"orderDate": days_ago(10)}, id="later order"),
        pytest.param(
            {"orderDate": days_ago(100)}, {"orderDate": days_ago(400)}, id="earlier open order"
        ),
        pytest.param(
            {"orderDate": days_ago(400), "endDate": days_ago(50)},
            {"orderDate": days_ago(50)},
            id="starts on the last day of the old one",
        ),
    ],
)
async def test_any_overlap_of_two_deputyships_is_refused(
    api: Api, db: RolledBackDatabase, first: dict[str, Any], second: dict[str, Any]
) -> None:
    """issue 9 item 5, R-ORD: one deputyship at a time, over the whole of each order's period
    (both ends inclusive), not only today."""
    client = await create_client(api)
    existing = await new_deputyship(api, client["id"], **first)
    before = await order_counts(db)
    result = await deputyship_call(api, client["id"], **second)
    assert result["__typename"] == "OverlappingOrderProblem", result
    assert result["existingOrderId"] == existing["id"]
    assert await order_counts(db) == before


async def test_orders_one_after_the_other_need_no_supersession(api: Api) -> None:
    """issue 9 item 5: an order that ended the day before the next starts is history, and the
    client may also hold an appointeeship beside the deputyship (R-REF-6)."""
    client = await create_client(api)
    await new_deputyship(api, client["id"], orderDate=days_ago(400), endDate=days_ago(51))
    later = await deputyship_call(api, client["id"], orderDate=days_ago(50))
    assert later["__typename"] == "DeputyshipPayload", later
    await new_appointeeship(api, client["id"], startDate=days_ago(300))
    orders = await order_history(api, client["id"])
    assert orders["legalRole"] == "BOTH"
    assert [d["inForce"] for d in orders["deputyships"]] == [True, False]


async def test_a_new_deputyship_supersedes_the_old_one_explicitly(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 5, R-ORD, R-AUD-2: the same-day case through the explicit path: the new order
    names the one it supersedes; the old one gets a new version that ends it (never in force:
    replaced on its own date) and names its successor; only one is in force."""
    client = await create_client(api)
    old = await new_deputyship(api, client["id"], orderDate=days_ago(100))
    result = await deputyship_call(
        api, client["id"], supersedes=old["id"], orderDate=days_ago(100), supervisionType="TYPE_1"
    )
    assert result["__typename"] == "DeputyshipPayload", result
    new = result["deputyship"]
    assert (new["inForce"], new["supersedes"], new["supersededBy"]) == (True, [old["id"]], None)

    orders = await order_history(api, client["id"])
    by_id = {d["id"]: d for d in orders["deputyships"]}
    assert [d["inForce"] for d in orders["deputyships"]].count(True) == 1
    replaced = by_id[old["id"]]
    assert replaced["version"] == 2
    assert replaced["inForce"] is False
    assert replaced["endDate"] == days_ago(101)  # the day before its own order date
    assert replaced["supersededBy"] == new["id"]
    assert orders["legalRole"] == "DEPUTY"

    old_id = decode_uuid("Deputyship", old["id"])
    reason = await scalar(
        db,
        "SELECT reason FROM deputyship_version WHERE deputyship_id = :id AND version = 2",
        id=old_id,
    )
    assert "superseded" in reason
    actions = (
        await db.connection.execute(
            text(
                "SELECT entity_id, action FROM audit_log WHERE client_id = :c "
                "AND entity_type = 'deputyship' ORDER BY id"
            ),
            {"c": decode_uuid("Client", client["id"])},
        )
    ).all()
    new_id = str(decode_uuid("Deputyship", new["id"]))
    assert [tuple(a) for a in actions] == [
        (str(old_id), "record"),
        (str(old_id), "supersede"),
        (new_id, "record"),
    ]


async def test_a_later_order_supersedes_and_ends_the_old_one_the_day_before(api: Api) -> None:
    """issue 9 item 5: a new order from a later date ends the old one the day before it."""
    client = await create_client(api)
    old = await new_deputyship(api, client["id"], orderDate=days_ago(400))
    result = await deputyship_call(api, client["id"], supersedes=old["id"], orderDate=days_ago(30))
    assert result["__typename"] == "DeputyshipPayload", result
    replaced = {d["id"]: d for d in (await order_history(api, client["id"]))["deputyships"]}[
        old["id"]
    ]
    assert (replaced["endDate"], replaced["inForce"]) == (days_ago(31), False)


async def test_an_appointeeship_supersedes_the_old_one_and_a_second_is_refused(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 5: one appointeeship in force at a time, the same way."""
    client = await create_client(api)
    old = await new_appointeeship(api, client["id"], startDate=days_ago(300))
    before = await order_counts(db)
    refused = await appointeeship_call(api, client["id"], startDate=days_ago(300))
    assert refused["__typename"] == "OverlappingOrderProblem", refused
    assert refused["existingOrderId"] == old["id"]
    assert await order_counts(db) == before

    result = await appointeeship_call(
        api, client["id"], supersedes=old["id"], startDate=days_ago(20)
    )
    assert result["__typename"] == "AppointeeshipPayload", result
    orders = await order_history(api, client["id"])
    assert [(a["inForce"], a["supersededBy"]) for a in orders["appointeeships"]] == [
        (True, None),
        (False, result["appointeeship"]["id"]),
    ]
    assert orders["appointeeships"][1]["endDate"] == days_ago(21)


async def test_superseding_names_an_earlier_order_of_the_same_client_and_kind(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 5: what ``supersedes`` may name; every refusal writes nothing."""
    client = await create_client(api)
    other = await create_client(api)
    theirs = await new_deputyship(api, other["id"], orderDate=days_ago(100))
    mine = await new_deputyship(api, client["id"], orderDate=days_ago(100))
    appointeeship = await new_appointeeship(api, client["id"])
    before = await order_counts(db)
    for supersedes, overrides in (
        (theirs["id"], {"orderDate": days_ago(10)}),  # another client's order
        (encode_id("Deputyship", uuid.uuid4()), {"orderDate": days_ago(10)}),  # no such order
        (mine["id"], {"orderDate": days_ago(101)}),  # dated before the order it replaces
    ):
        result = await deputyship_call(api, client["id"], supersedes=supersedes, **overrides)
        assert result["__typename"] == "ValidationProblem", result
        assert problem_fields(result) == {"supersedes"}
    body = await api.gql(
        SUPERSEDE_DEPUTYSHIP,
        {
            "input": {
                **deputyship_input(),
                "clientId": client["id"],
                "supersedes": appointeeship["id"],
            }
        },
    )
    assert error_codes(body) == ["BAD_ID"]  # an appointeeship is not a deputyship
    assert await order_counts(db) == before

    # Superseded once, it cannot be superseded again.
    first = await deputyship_call(api, client["id"], supersedes=mine["id"], orderDate=days_ago(5))
    assert first["__typename"] == "DeputyshipPayload", first
    again = await deputyship_call(api, client["id"], supersedes=mine["id"], orderDate=days_ago(1))
    assert again["__typename"] == "ValidationProblem", again
    assert problem_fields(again) == {"supersedes"}


async def test_an_amendment_cannot_stretch_an_order_over_another(
    api: Api, db: RolledBackDatabase
) -> None:
    """issue 9 item 5: the service checks amendments too: an ended order whose end moves past
    its successor's start, or a superseded order reopened, is refused."""
    client = await create_client(api)
    old = await new_deputyship(api, client["id"], orderDate=days_ago(400), endDate=days_ago(51))
    new = await new_deputyship(api, client["id"], orderDate=days_ago(50))
    before = await order_counts(db)
    data = await api.data(
        AMEND_DEPUTYSHIP_OVERLAP,
        {"input": {"id": old["id"], "amendment": {"endDate": None}, "reason": "reopened"}},
    )
    result = data["amendDeputyship"]
    assert result["__typename"] == "OverlappingOrderProblem", result
    assert result["existingOrderId"] == new["id"]
    assert await order_counts(db) == before

    superseded = await new_deputyship(api, (other := await create_client(api))["id"])
    successor = await deputyship_call(
        api, other["id"], supersedes=superseded["id"], orderDate=superseded["orderDate"]
    )
    assert successor["__typename"] == "DeputyshipPayload"
    data = await api.data(
        AMEND_DEPUTYSHIP_OVERLAP,
        {"input": {"id": superseded["id"], "amendment": {"endDate": None}, "reason": "undo"}},
    )
    assert data["amendDeputyship"]["__typename"] == "ValidationProblem"
    assert problem_fields(data["amendDeputyship"]) == {"enddate"}


@pytest.mark.parametrize("kind", ["deputyship", "appointeeship"])
async def test_the_database_refuses_a_second_order_in_force_written_in_sql(
    api: Api, db: RolledBackDatabase, kind: str
) -> None:
    """issue 9 item 5, R-ORD: an insert that bypasses the service is refused by the exclusion
    constraint over the orders' date ranges, and so is writing the ranges' table directly."""
    client = await create_client(api)
    cid = decode_uuid("Client", client["id"])
    if kind == "deputyship":
        await new_deputyship(api, client["id"], orderDate=days_ago(100))
        version_sql = (
            "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
            " power_receive_income, power_manage_accounts, power_manage_capital,"
            " power_sell_property, power_let_property, power_make_gifts, supervision_type,"
            " recorded_by) VALUES (:id, 1, 'COP-SQL', :start, true, true, true, false, false,"
            " false, 'TYPE_2', 'psql')"
        )
    else:
        await new_appointeeship(api, client["id"], startDate=days_ago(100))
        version_sql = (
            "INSERT INTO appointeeship_version (appointeeship_id, version, start_date,"
            " recorded_by) VALUES (:id, 1, :start, 'psql')"
        )
    order_id = uuid.uuid4()
    with pytest.raises(DBAPIError, match="ex_order_in_force_one_"):
        async with db.connection.begin_nested():
            await db.connection.execute(
                text(f"INSERT INTO {kind} (id, client_id) VALUES (:id, :c)"),
                {"id": order_id, "c": cid},
            )
            await db.connection.execute(
                text(version_sql), {"id": order_id, "start": clock.today() - timedelta(days=100)}
            )
    # The table of periods is written only by the orders' trigger: not by hand, not emptied.
    for sql in (
        "DELETE FROM order_in_force WHERE client_id = :c",
        "UPDATE order_in_force SET during = 'empty' WHERE client_id = :c",
        "INSERT INTO order_in_force (order_id, kind, client_id, during)"
        " VALUES (gen_random_uuid(), 'deputyship', :c, 'empty')",
        "TRUNCATE order_in_force",
    ):
        with pytest.raises(DBAPIError, match="order_in_force"):
            async with db.connection.begin_nested():
                await db.connection.execute(text(sql), {"c": cid})
    # One order of the kind, still in force.
    orders = await order_history(api, client["id"])
    assert [o["inForce"] for o in orders[f"{kind}s"]] == [True]


async def _on_database(url: str, statements: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Run statements on their own connection, committed; the rows of each."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            results = [await conn.execute(text(sql), params) for sql, params in statements]
            return [r.all() if r.returns_rows else [] for r in results]
    finally:
        await engine.dispose()


async def test_the_migration_supersedes_orders_that_overlap_already(database_url: str) -> None:
    """issue 9 item 5, R-AUD-2: a database holding the testers' two deputyships in force (and
    two appointeeships) is migrated: the earlier recorded is superseded by the later, by a new
    version with an audit entry, and the constraint then holds. The audit chain stays intact."""
    with fresh_database("ca_api_orders", revision="0008", admin_url=database_url) as url:
        client, dep_a, dep_b, app_a, app_b = (uuid.uuid4() for _ in range(5))
        dep_version = (
            "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
            " power_receive_income, power_manage_accounts, power_manage_capital,"
            " power_sell_property, power_let_property, power_make_gifts, supervision_type,"
            " recorded_by) VALUES (:id, 1, :case, '2024-03-01', true, true, true, false, false,"
            " false, 'TYPE_2', 'tester')"
        )
        app_version = (
            "INSERT INTO appointeeship_version (appointeeship_id, version, start_date,"
            " recorded_by) VALUES (:id, 1, :start, 'tester')"
        )
        await _on_database(
            url,
            [
                (
                    "INSERT INTO client (id, reference, created_by) VALUES (:c, 'CA900001', 't')",
                    {"c": client},
                ),
                (
                    "INSERT INTO client_version (client_id, version, given_name, family_name,"
                    " date_of_birth, situation, status, recorded_by) VALUES"
                    " (:c, 1, 'Ada', 'Twice', '1950-01-01', 'COMMUNITY', 'ACTIVE', 't')",
                    {"c": client},
                ),
                (
                    "INSERT INTO deputyship (id, client_id, created_at) VALUES"
                    " (:a, :c, '2024-03-02T10:00Z'), (:b, :c, '2024-03-02T11:00Z')",
                    {"a": dep_a, "b": dep_b, "c": client},
                ),
                (dep_version, {"id": dep_a, "case": "COP-A"}),
                (dep_version, {"id": dep_b, "case": "COP-B"}),
                (
                    "INSERT INTO appointeeship (id, client_id) VALUES (:a, :c), (:b, :c)",
                    {"a": app_a, "b": app_b, "c": client},
                ),
                (app_version, {"id": app_a, "start": date(2020, 1, 6)}),
                (app_version, {"id": app_b, "start": date(2023, 5, 1)}),
            ],
        )
        await asyncio.to_thread(migrate.upgrade, url, "head")
        deputyships, appointeeships, audit, periods = await _on_database(
            url,
            [
                (
                    "SELECT id, version, end_date, superseded_by, recorded_by FROM"
                    " deputyship_current ORDER BY created_at",
                    {},
                ),
                (
                    "SELECT id, version, end_date, superseded_by FROM appointeeship_current"
                    " ORDER BY start_date",
                    {},
                ),
                (
                    "SELECT entity_type, entity_id, action, principal FROM audit_log"
                    " WHERE client_id = :c ORDER BY id",
                    {"c": client},
                ),
                ("SELECT order_id, lower(during), upper(during) FROM order_in_force", {}),
            ],
        )
        assert [tuple(r) for r in deputyships] == [
            (dep_a, 2, date(2024, 2, 29), dep_b, "migration 0010"),  # never in force
            (dep_b, 1, None, None, "tester"),
        ]
        assert [tuple(r) for r in appointeeships] == [
            (app_a, 2, date(2023, 4, 30), app_b),
            (app_b, 1, None, None),
        ]
        assert [tuple(r) for r in audit] == [
            ("deputyship", str(dep_a), "supersede", "migration 0010"),
            ("appointeeship", str(app_a), "supersede", "migration 0010"),
        ]
        assert {r[0] for r in periods} == {dep_a, dep_b, app_a, app_b}
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as conn:
                session = AsyncSession(bind=conn)
                report = await audit_service.verify_chain(session)
                await session.close()
        finally:
            await engine.dispose()
        assert report.intact, report.breaks
        # From now on the database refuses a third deputyship over the same days.
        third = uuid.uuid4()
        with pytest.raises(DBAPIError, match="ex_order_in_force_one_deputyship"):
            await _on_database(
                url,
                [
                    (
                        "INSERT INTO deputyship (id, client_id) VALUES (:id, :c)",
                        {"id": third, "c": client},
                    ),
                    (dep_version, {"id": third, "case": "COP-C"}),
                ],
            )

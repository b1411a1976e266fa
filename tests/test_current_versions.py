"""The current versions of clients and orders (issue 18 item 1, migration 0049): each view reads
its record's newest version through a key the database keeps in step in the same transaction
(``client_current_version``; ``order_in_force`` for orders). The versions stay the truth
(R-AUD-2): these tests check that the kept key always names the newest version, that nothing
but the trigger writes it, and that a lookup by id or client id reads by index (no sort of
every version, as the DISTINCT ON views of 0001/0010/0039 did).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ca_api.common.ids import decode_uuid
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    amend_client,
    amend_deputyship,
    create_client,
    new_deputyship,
    record_appointeeship,
    scalar,
)

# Every client whose kept current version is not its newest version (or has none kept).
CLIENTS_OUT_OF_STEP = """
SELECT count(*) FROM (SELECT client_id, max(version) AS version FROM client_version
                       GROUP BY client_id) newest
  FULL JOIN client_current_version kept USING (client_id)
 WHERE kept.version IS DISTINCT FROM newest.version
"""

# Every order whose kept version (order_in_force) is not its newest version.
ORDERS_OUT_OF_STEP = """
SELECT count(*) FROM (
  SELECT deputyship_id AS order_id, max(version) AS version FROM deputyship_version
   GROUP BY deputyship_id
  UNION ALL
  SELECT appointeeship_id, max(version) FROM appointeeship_version GROUP BY appointeeship_id
) newest
  FULL JOIN order_in_force kept USING (order_id)
 WHERE kept.version IS DISTINCT FROM newest.version
"""


def _view_differs(view: str, columns: str, newest: str) -> str:
    """The rows of ``view`` not in ``newest`` (the newest versions picked from the version
    table) and the other way round."""
    return f"""(SELECT count(*) FROM (
      (SELECT {columns} FROM {view} EXCEPT SELECT {columns} FROM ({newest}) n)
      UNION ALL
      (SELECT {columns} FROM ({newest}) n EXCEPT SELECT {columns} FROM {view})) d)"""


# The views against the versions they are made of: any row that differs, either way.
VIEWS_DIFFER = "SELECT " + " + ".join(
    [
        _view_differs(
            "client_current",
            "id, version, family_name, town, status",
            "SELECT DISTINCT ON (v.client_id) c.id, v.version, v.family_name, v.town, v.status"
            " FROM client c JOIN client_version v ON v.client_id = c.id"
            " ORDER BY v.client_id, v.version DESC",
        ),
        _view_differs(
            "deputyship_current",
            "id, client_id, version, end_date, supervision_type",
            "SELECT DISTINCT ON (v.deputyship_id) d.id, d.client_id, v.version, v.end_date,"
            " v.supervision_type"
            " FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id"
            " ORDER BY v.deputyship_id, v.version DESC",
        ),
        _view_differs(
            "appointeeship_current",
            "id, client_id, version, end_date",
            "SELECT DISTINCT ON (v.appointeeship_id) a.id, a.client_id, v.version, v.end_date"
            " FROM appointeeship a JOIN appointeeship_version v ON v.appointeeship_id = a.id"
            " ORDER BY v.appointeeship_id, v.version DESC",
        ),
    ]
)


async def _in_step(db: RolledBackDatabase) -> None:
    assert await scalar(db, CLIENTS_OUT_OF_STEP) == 0
    assert await scalar(db, ORDERS_OUT_OF_STEP) == 0
    assert await scalar(db, VIEWS_DIFFER) == 0


async def test_the_kept_current_versions_follow_every_new_version(
    api: Api, db: RolledBackDatabase
) -> None:
    """A client created, amended twice; a deputyship recorded and varied; an appointeeship: after
    each step the kept current version is the newest version, and each view is what picking
    the newest version from the versions gives."""
    await _in_step(db)
    client = await create_client(api)
    cid = decode_uuid("Client", client["id"])
    await _in_step(db)
    for n, town in enumerate(["Leeds", "York"], start=1):
        result = await amend_client(api, client["id"], {"address": {"town": town}}, expected=n)
        assert result["__typename"] == "ClientPayload", result
        await _in_step(db)
    kept = "SELECT version FROM client_current_version WHERE client_id = :id"
    assert await scalar(db, kept, id=cid) == 3
    assert await scalar(db, "SELECT town FROM client_current WHERE id = :id", id=cid) == "York"

    deputyship = await new_deputyship(api, client["id"], supervisionType="TYPE_2")
    await _in_step(db)
    varied = await amend_deputyship(
        api, deputyship["id"], {"supervisionType": "TYPE_3"}, expected=1
    )
    assert varied["__typename"] == "DeputyshipPayload", varied
    await record_appointeeship(api, client["id"])
    await _in_step(db)
    did = decode_uuid("Deputyship", deputyship["id"])
    current = "SELECT version, supervision_type FROM deputyship_current WHERE id = :id"
    row = (await db.connection.execute(text(current), {"id": did})).one()
    assert tuple(row) == (2, "TYPE_3")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE client_current_version SET version = 1",
        "DELETE FROM client_current_version",
        "INSERT INTO client_current_version (client_id, version) "
        "SELECT client_id, version FROM client_version LIMIT 1",
        "TRUNCATE client_current_version",
    ],
)
async def test_only_the_version_trigger_writes_the_kept_current_version(
    api: Api, db: RolledBackDatabase, sql: str
) -> None:
    await create_client(api)
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql))


@pytest.mark.parametrize(
    ("view", "key"),
    [
        ("client_current", "id"),
        ("deputyship_current", "id"),
        ("deputyship_current", "client_id"),
        ("appointeeship_current", "id"),
        ("appointeeship_current", "client_id"),
    ],
)
async def test_a_current_version_is_found_by_key_not_by_sorting_every_version(
    db: RolledBackDatabase, view: str, key: str
) -> None:
    """The plan of a lookup by key, sequential scans discouraged (on a test database's few
    rows they would be cheapest): index reads joined, no sort or DISTINCT over the versions."""
    async with db.connection.begin_nested() as nested:
        await db.connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            r[0]
            for r in await db.connection.execute(
                text(f"EXPLAIN SELECT * FROM {view} WHERE {key} = gen_random_uuid()")
            )
        )
        await nested.rollback()
    assert "Sort" not in plan and "Unique" not in plan, plan
    assert "Seq Scan" not in plan, plan

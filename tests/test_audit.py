"""The audit trail (R-AUD): every change writes one entry in its own transaction (who, role,
what, before and after, when, why, request id); the auditor reads it by client, entity, officer
and date (R-AUD-3); the database refuses to edit it; and its hash chains show any entry that was
changed or removed by someone who got past the database's refusal (R-AUD-2)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit.service import verify_chain
from ca_api.common.ids import decode_uuid, encode_id
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    AMEND_APPOINTEESHIP,
    AMEND_CLIENT,
    AMEND_DEPUTYSHIP,
    CREATE_CLIENT,
    RECORD_APPOINTEESHIP,
    RECORD_DEPUTYSHIP,
    amend_client,
    amend_deputyship,
    create_client,
    create_vars,
    days_ago,
    deputyship_input,
    new_deputyship,
    raw,
    scalar,
    two_clients_with_history,
)

AUDIT_LOG = """
query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        id sequence occurredAt principal principalRoles entityType entityId action
        before after reason requestId clientId hash
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

REFER_CLIENT = """
mutation Refer($input: ReferClientInput!) {
  referClient(input: $input) {
    __typename
    ... on ClientPayload { client { id reference status } }
    ... on ValidationProblem { code fields { field message } }
  }
}
"""

VERIFY = "{ verifyAuditChain { intact entriesChecked breaks { stream sequence problem } } }"


async def audit_page(
    api: Api, filter: dict[str, Any] | None = None, first: int = 100, after: str | None = None
) -> dict[str, Any]:
    data = await api.data(
        AUDIT_LOG,
        {"filter": filter, "first": first, "after": after},
        role="auditor",
        sub="audrey.audit",
    )
    page: dict[str, Any] = data["auditLog"]
    return page


async def audit_entries(api: Api, **filter: Any) -> list[dict[str, Any]]:
    """Every entry matching the filter, oldest first, following the cursors."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = await audit_page(api, filter or None, first=100, after=after)
        found += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def audit_count(db: RolledBackDatabase) -> int:
    return int(await scalar(db, "SELECT count(*) FROM audit_log"))


async def verify_via_api(api: Api) -> dict[str, Any]:
    data = await api.data(VERIFY, role="auditor", sub="audrey.audit")
    report: dict[str, Any] = data["verifyAuditChain"]
    return report


# --- one entry per change -------------------------------------------------------------------


async def test_every_mutation_writes_exactly_one_entry_with_who_what_when_why(
    api: Api, db: RolledBackDatabase
) -> None:
    """R-AUD-1: who (token subject and roles), what (entity, action, before and after), when,
    why (the reason) and the request id, for each of the seven mutations."""
    steps: list[tuple[str, dict[str, Any]]] = []

    async def run(
        query: str,
        variables: dict[str, Any],
        *,
        role: str | list[str],
        sub: str,
        request_id: str,
    ) -> dict[str, Any]:
        before = await audit_count(db)
        data = await api.data(
            query, variables, role=role, sub=sub, headers={"X-Request-Id": request_id}
        )
        (result,) = data.values()
        assert result["__typename"].endswith("Payload"), result
        assert await audit_count(db) == before + 1, f"{request_id} wrote {before} -> ?"
        (entry,) = [e for e in await audit_entries(api) if e["requestId"] == request_id]
        steps.append((request_id, entry))
        return dict(result)

    created = await run(
        CREATE_CLIENT,
        create_vars(givenName="Ada", familyName="Audit", niNumber="ab123456c"),
        role=["senior_officer", "auditor"],
        sub="olu.scao",
        request_id="req-create-1",
    )
    client = created["client"]
    cid = raw(client["id"])

    await run(
        AMEND_CLIENT,
        {
            "input": {
                "id": client["id"],
                "amendment": {"familyName": "Audited"},
                "reason": "spelling",
                "expectedVersion": 1,
            }
        },
        role="assistant",
        sub="ash.assistant",
        request_id="req-amend-2",
    )
    referred = await run(
        REFER_CLIENT,
        create_vars(familyName="Referral"),
        role="social_worker",
        sub="wendy.sw",
        request_id="req-refer-3",
    )
    recorded = await run(
        RECORD_DEPUTYSHIP,
        {"input": {**deputyship_input(caseNumber="C-1"), "clientId": client["id"]}},
        role="senior_officer",
        sub="olu.scao",
        request_id="req-dep-4",
    )
    deputyship = recorded["deputyship"]
    await run(
        AMEND_DEPUTYSHIP,
        {
            "input": {
                "id": deputyship["id"],
                "amendment": {"supervisionType": "TYPE_1"},
                "reason": "OPG review",
                "expectedVersion": 1,
            }
        },
        role="senior_assistant",
        sub="sasha.senior",
        request_id="req-dep-amend-5",
    )
    appointed = await run(
        RECORD_APPOINTEESHIP,
        {"input": {"clientId": client["id"], "startDate": days_ago(50), "dwpReference": "D9"}},
        role="senior_officer",
        sub="olu.scao",
        request_id="req-app-6",
    )
    appointeeship = appointed["appointeeship"]
    await run(
        AMEND_APPOINTEESHIP,
        {
            "input": {
                "id": appointeeship["id"],
                "amendment": {"endDate": days_ago(1)},
                "reason": "relinquished",
                "expectedVersion": 1,
            }
        },
        role="governance_manager",
        sub="grace.tgm",
        request_id="req-app-end-7",
    )

    entries = dict(steps)
    create = entries["req-create-1"]
    assert create["principal"] == "olu.scao"
    assert create["principalRoles"] == ["AUDITOR", "SENIOR_OFFICER"]
    assert (create["entityType"], create["entityId"], create["action"]) == ("client", cid, "create")
    assert create["clientId"] == client["id"]
    assert create["before"] is None
    assert create["after"] == {
        "reference": client["reference"],
        "given_name": "Ada",
        "family_name": "Audit",
        "date_of_birth": "1950-03-14",
        "ni_number": "AB123456C",
        "address_line1": "1 High Street",
        "address_line2": None,
        "town": "Lewes",
        "postcode": "BN7 1UZ",
        "situation": "COMMUNITY",
        "status": "ACTIVE",
    }
    assert create["reason"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", create["hash"])

    amend = entries["req-amend-2"]
    assert (amend["principal"], amend["principalRoles"]) == ("ash.assistant", ["ASSISTANT"])
    assert (amend["entityType"], amend["entityId"], amend["action"]) == ("client", cid, "amend")
    assert amend["before"] == {"family_name": "Audit"}  # only what changed
    assert amend["after"] == {"family_name": "Audited"}
    assert amend["reason"] == "spelling"

    refer = entries["req-refer-3"]
    assert (refer["principal"], refer["principalRoles"]) == ("wendy.sw", ["SOCIAL_WORKER"])
    assert (refer["entityType"], refer["action"]) == ("client", "refer")
    assert refer["clientId"] == referred["client"]["id"]
    assert refer["after"]["status"] == "REFERRED"

    dep = entries["req-dep-4"]
    assert (dep["entityType"], dep["entityId"], dep["action"]) == (
        "deputyship",
        raw(deputyship["id"]),
        "record",
    )
    assert dep["clientId"] == client["id"]
    assert dep["before"] is None
    # The client's first order is the appointment: its row names the two hand-off messages
    # written in its transaction (issue 12 item 3, R-REF-7), and the two to SAP's and
    # Controcc's feeds (issue 17 item 3); the client had no invoices.
    on_appointment = dep["after"].pop("on_appointment")
    assert len(on_appointment["outbox_messages"]) == 4
    assert on_appointment["invoices_held"] == []
    assert dep["after"] == {
        "case_number": "C-1",
        "order_date": days_ago(400),
        "end_date": None,
        "power_receive_income": True,
        "power_manage_accounts": True,
        "power_manage_capital": True,
        "power_sell_property": False,
        "power_let_property": False,
        "power_make_gifts": True,
        "gift_yearly_limit": 25000,
        "supervision_type": "TYPE_2",
        "health_and_welfare_order": False,  # issue 15: the OPG report's -4 variants
    }

    dep_amend = entries["req-dep-amend-5"]
    assert (dep_amend["principal"], dep_amend["action"]) == ("sasha.senior", "amend")
    assert dep_amend["entityId"] == raw(deputyship["id"])
    assert dep_amend["before"] == {"supervision_type": "TYPE_2"}
    assert dep_amend["after"] == {"supervision_type": "TYPE_1"}
    assert dep_amend["reason"] == "OPG review"

    app = entries["req-app-6"]
    assert (app["entityType"], app["entityId"], app["action"]) == (
        "appointeeship",
        raw(appointeeship["id"]),
        "record",
    )
    assert app["after"] == {
        "dwp_reference": "D9",
        "applied_on": None,
        "start_date": days_ago(50),
        "end_date": None,
    }

    app_end = entries["req-app-end-7"]
    assert (app_end["principal"], app_end["principalRoles"]) == (
        "grace.tgm",
        ["GOVERNANCE_MANAGER"],
    )
    assert app_end["before"] == {"end_date": None}
    assert app_end["after"] == {"end_date": days_ago(1)}
    assert app_end["reason"] == "relinquished"

    # One chain per client: the first client's six entries are its sequence 1..6, in order.
    own = await audit_entries(api, clientId=client["id"])
    assert [e["requestId"] for e in own] == [
        "req-create-1",
        "req-amend-2",
        "req-dep-4",
        "req-dep-amend-5",
        "req-app-6",
        "req-app-end-7",
    ]
    assert [e["sequence"] for e in own] == [1, 2, 3, 4, 5, 6]
    assert refer["sequence"] == 1  # the referred client has a chain of its own
    assert all(datetime.fromisoformat(e["occurredAt"]).tzinfo for e in own)


async def test_a_request_without_a_usable_request_id_gets_one(
    api: Api, db: RolledBackDatabase
) -> None:
    bad = "not a valid id; drop table"
    await api.data(CREATE_CLIENT, create_vars(familyName="NoRid"), headers={"X-Request-Id": bad})
    await api.data(CREATE_CLIENT, create_vars(familyName="NoHeader"))
    entries = await audit_entries(api, entityType="client")
    rids = [e["requestId"] for e in entries[-2:]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", r) for r in rids), rids
    assert rids[0] != rids[1]


async def test_refused_changes_write_no_entry(api: Api, db: RolledBackDatabase) -> None:
    """Only what happened is recorded: a validation problem, a missing record, a version
    conflict or a forbidden call leaves the trail as it was."""
    client = await create_client(api)
    deputyship = await new_deputyship(api, client["id"])
    before = await audit_count(db)

    refused = [
        (await api.data(CREATE_CLIENT, create_vars(givenName="")))["createClient"],
        await amend_client(api, client["id"], {"givenName": "Ida"}, reason=""),
        await amend_client(api, client["id"], {"givenName": client["givenName"]}, reason="x"),
        await amend_client(api, client["id"], {"givenName": "Ida"}, reason="x", expected=5),
        await amend_client(api, encode_id("Client", uuid.uuid4()), {"givenName": "I"}, "x"),
        await amend_deputyship(api, deputyship["id"], {"supervisionType": "TYPE_1"}, expected=2),
    ]
    assert [r["__typename"] for r in refused] == [
        "ValidationProblem",
        "ValidationProblem",
        "ValidationProblem",
        "VersionConflictProblem",
        "NotFoundProblem",
        "VersionConflictProblem",
    ]
    forbidden = await api.gql(CREATE_CLIENT, create_vars(), role="auditor", sub="audrey.audit")
    assert error_codes(forbidden) == ["FORBIDDEN"]  # R-AUD-3: audit reads, changes nothing
    assert await audit_count(db) == before


async def test_the_change_and_its_entry_commit_together(api: Api, db: RolledBackDatabase) -> None:
    """R-AUD-1: when the audit row cannot be written, the change is not made either (one
    transaction). A trigger added for this test refuses audit rows from one officer."""
    await db.connection.execute(
        text(
            """
            CREATE FUNCTION test_refuse_saboteur() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.principal = 'saboteur' THEN RAISE EXCEPTION 'audit write failed'; END IF;
              RETURN NEW;
            END $$
            """
        )
    )
    await db.connection.execute(
        text(
            "CREATE TRIGGER zz_test_refuse_saboteur BEFORE INSERT ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_saboteur()"
        )
    )
    client = await create_client(api, familyName="Unchanged")
    counts_before = (
        await scalar(db, "SELECT count(*) FROM client"),
        await scalar(db, "SELECT count(*) FROM client_version"),
        await audit_count(db),
    )

    body = await api.gql(CREATE_CLIENT, create_vars(), role="senior_officer", sub="saboteur")
    assert error_codes(body) == ["INTERNAL_ERROR"]
    body = await api.gql(
        AMEND_CLIENT,
        {"input": {"id": client["id"], "amendment": {"familyName": "Changed"}, "reason": "r"}},
        role="senior_officer",
        sub="saboteur",
    )
    assert error_codes(body) == ["INTERNAL_ERROR"]
    body = await api.gql(
        RECORD_DEPUTYSHIP,
        {"input": {**deputyship_input(), "clientId": client["id"]}},
        role="senior_officer",
        sub="saboteur",
    )
    assert error_codes(body) == ["INTERNAL_ERROR"]

    assert (
        await scalar(db, "SELECT count(*) FROM client"),
        await scalar(db, "SELECT count(*) FROM client_version"),
        await audit_count(db),
    ) == counts_before
    assert await scalar(db, "SELECT count(*) FROM deputyship") == 0
    again = await api.data(
        "query($id: ID!) { client(id: $id) { version familyName } }", {"id": client["id"]}
    )
    assert again["client"] == {"version": 1, "familyName": "Unchanged"}
    assert (await verify_via_api(api))["intact"] is True


# --- the auditor's view (R-AUD-3) -----------------------------------------------------------


async def test_auditor_filters_by_client_entity_and_principal(api: Api) -> None:
    """R-AUD-3: any client's record is available to audit, by client, entity and officer."""
    a, b, deputyship_id = await two_clients_with_history(api)

    of_a = await audit_entries(api, clientId=a["id"])
    assert [(e["entityType"], e["action"]) for e in of_a] == [
        ("client", "create"),
        ("client", "amend"),
        ("deputyship", "record"),
        ("deputyship", "amend"),
    ]
    assert {e["clientId"] for e in of_a} == {a["id"]}
    of_b = await audit_entries(api, clientId=b["id"])
    assert [(e["entityType"], e["action"], e["principal"]) for e in of_b] == [
        ("client", "create", "sasha.senior")
    ]

    deputyship_entries = await audit_entries(api, entityType="deputyship")
    assert {e["entityType"] for e in deputyship_entries} == {"deputyship"}
    assert {e["entityId"] for e in deputyship_entries} >= {raw(deputyship_id)}

    one = await audit_entries(api, entityId=raw(deputyship_id))
    assert [e["action"] for e in one] == ["record", "amend"]
    assert await audit_entries(api, entityType="client", entityId=raw(deputyship_id)) == []
    assert [e["action"] for e in await audit_entries(api, entityId=raw(a["id"]))] == [
        "create",
        "amend",
    ]

    by_sasha = await audit_entries(api, principal="sasha.senior")
    assert {(e["clientId"], e["action"]) for e in by_sasha} >= {
        (b["id"], "create"),
        (a["id"], "amend"),
    }
    assert {e["principal"] for e in by_sasha} == {"sasha.senior"}
    by_sasha_on_a = await audit_entries(api, principal="sasha.senior", clientId=a["id"])
    assert [(e["entityType"], e["action"]) for e in by_sasha_on_a] == [("client", "amend")]
    assert await audit_entries(api, principal=f"nobody-{uuid.uuid4()}") == []


async def test_the_roles_recorded_read_as_a_list_of_roles(api: Api, db: RolledBackDatabase) -> None:
    """issue 11 item 4: principalRoles is a list of the Role enum, sorted by role id, read from
    the label the entry was written with; migration 0010 wrote ``system``, which is no role: its
    entries read as no roles (their principal names the migration), never as an error."""
    client = await create_client(api)
    cid = decode_uuid("Client", client["id"])
    for principal, label in (
        ("migration 0010", "system"),
        ("two.hats", "senior_officer,auditor"),
    ):
        await db.connection.execute(
            text(
                "INSERT INTO audit_log (stream, stream_seq, principal, principal_roles, "
                "entity_type, entity_id, action, request_id, client_id, prev_hash, hash) "
                "VALUES (:stream, 0, :principal, :label, 'client', :cid, 'note', 'legacy', "
                ":client_id, '', '')"
            ),
            {
                "stream": f"client:{cid}",
                "principal": principal,
                "label": label,
                "cid": str(cid),
                "client_id": cid,
            },
        )
    entries = await audit_entries(api, clientId=client["id"])
    assert [(e["principal"], e["principalRoles"]) for e in entries[1:]] == [
        ("migration 0010", []),
        ("two.hats", ["AUDITOR", "SENIOR_OFFICER"]),
    ]


async def test_auditor_filters_by_when_it_happened(api: Api, db: RolledBackDatabase) -> None:
    """occurredFrom is inclusive and occurredTo exclusive. Entries dated in the past are added
    in SQL (the trail is insert-only, and the chain trigger still links them)."""
    client = await create_client(api)
    cid = decode_uuid("Client", client["id"])
    now: datetime = await scalar(db, "SELECT now()")  # every entry of this test's transaction
    for stamp in ("2020-01-01T09:00:00+00:00", "2021-06-30T12:00:00+00:00"):
        await db.connection.execute(
            text(
                "INSERT INTO audit_log (stream, stream_seq, occurred_at, principal, "
                "principal_roles, entity_type, entity_id, action, request_id, client_id, "
                "prev_hash, hash) VALUES (:stream, 0, :at, 'old.officer', 'assistant', 'client', "
                ":cid, 'note', 'legacy', :client_id, '', '')"
            ),
            {
                "stream": f"client:{cid}",
                "at": datetime.fromisoformat(stamp),
                "cid": str(cid),
                "client_id": cid,
            },
        )

    async def actions(**window: str) -> list[str]:
        entries = await audit_entries(api, clientId=client["id"], **window)
        return [e["action"] for e in entries]

    assert await actions() == ["create", "note", "note"]
    assert await actions(occurredFrom="2020-01-01T09:00:00+00:00") == ["create", "note", "note"]
    assert await actions(occurredFrom="2020-01-01T09:00:00.000001+00:00") == ["create", "note"]
    assert await actions(occurredTo="2021-06-30T12:00:00+00:00") == ["note"]
    assert await actions(
        occurredFrom="2020-06-01T00:00:00+00:00", occurredTo="2022-01-01T00:00:00+00:00"
    ) == ["note"]
    # The same instant written in another zone is the same instant.
    assert await actions(occurredTo="2021-06-30T13:00:00+01:00") == ["note"]
    stamp = now.isoformat()
    assert await actions(occurredFrom=stamp) == ["create"]
    assert await actions(occurredTo=stamp) == ["note", "note"]
    just_after = (now + timedelta(microseconds=1)).isoformat()
    assert await actions(occurredTo=just_after) == ["create", "note", "note"]
    assert await actions(occurredFrom=just_after) == []
    # The chain is still intact: the trigger chained the back-dated rows as well.
    assert (await verify_via_api(api))["intact"] is True


async def test_audit_log_pages_walk_every_entry_once(api: Api) -> None:
    client = await create_client(api)
    for n in range(6):
        result = await amend_client(api, client["id"], {"familyName": f"Paged{n}"}, reason=f"{n}")
        assert result["__typename"] == "ClientPayload"
    everything = await audit_entries(api, clientId=client["id"])
    assert len(everything) == 7

    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = await audit_page(api, {"clientId": client["id"]}, first=3, after=after)
        pages += 1
        seen += [e["node"]["id"] for e in page["edges"]]
        info = page["pageInfo"]
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3
    assert seen == [e["id"] for e in everything]
    assert len(set(seen)) == 7
    assert [e["sequence"] for e in everything] == list(range(1, 8))
    assert [e["reason"] for e in everything] == [None, "0", "1", "2", "3", "4", "5"]


async def test_the_audit_log_is_for_audit_and_those_answerable(api: Api) -> None:
    """R-AUD-3 and R-ROLE-1: auditor, TGM and head of service read it; caseworkers do not."""
    await create_client(api)
    for role in ("auditor", "governance_manager", "head_of_service"):
        body = await api.gql(AUDIT_LOG, {"first": 1}, role=role)
        assert "errors" not in body, (role, body)
        assert len(body["data"]["auditLog"]["edges"]) == 1
    for role in ("senior_officer", "assistant", "reporting", "social_worker"):
        body = await api.gql(AUDIT_LOG, {"first": 1}, role=role)
        assert error_codes(body) == ["FORBIDDEN"], role
        body = await api.gql(VERIFY, role=role)
        assert error_codes(body) == ["FORBIDDEN"], role


# --- the database refuses edits -------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET reason = 'nothing to see' WHERE id = :id",
        "UPDATE audit_log SET after = '{}'::jsonb",
        "DELETE FROM audit_log WHERE id = :id",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_the_database_refuses_to_edit_the_audit_log(
    api: Api, db: RolledBackDatabase, session: AsyncSession, sql: str
) -> None:
    """R-AUD-2: even with the database's own credentials, the trail cannot be edited."""
    client = await create_client(api)
    entry_id = await scalar(db, "SELECT max(id) FROM audit_log")
    before = await audit_count(db)
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text(sql), {"id": entry_id})
    await session.commit()
    assert await audit_count(db) == before
    (entry,) = await audit_entries(api, clientId=client["id"])
    assert entry["reason"] is None
    assert entry["after"]["family_name"] == client["familyName"]
    assert (await verify_via_api(api))["intact"] is True


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_stream_head SET seq = seq - 1 WHERE stream = :stream",
        "UPDATE audit_stream_head SET hash = sha256('forged') WHERE stream = :stream",
        "UPDATE audit_stream_head SET stream = 'elsewhere' WHERE stream = :stream",
        "DELETE FROM audit_stream_head WHERE stream = :stream",
        "TRUNCATE audit_stream_head",
    ],
)
async def test_the_database_refuses_to_move_a_chain_head_back(
    api: Api, db: RolledBackDatabase, session: AsyncSession, sql: str
) -> None:
    """A chain's head (its last sequence and hash) only advances with a new entry: set back or
    removed, it would hide a removed tail, and the chain's next entry would collide."""
    client = await create_client(api)
    stream = f"client:{raw(client['id'])}"
    with pytest.raises(DBAPIError, match=r"only advances|append-only"):
        async with session.begin_nested():
            await session.execute(text(sql), {"stream": stream})
    await session.commit()
    result = await amend_client(api, client["id"], {"familyName": "Next"}, reason="still chains")
    assert result["__typename"] == "ClientPayload"
    assert [e["sequence"] for e in await audit_entries(api, clientId=client["id"])] == [1, 2]
    assert (await verify_via_api(api))["intact"] is True


@pytest.mark.parametrize("key", [["1"], [None], [], [1, 2], [True]])
async def test_a_forged_audit_cursor_is_bad_input(api: Api, key: list[Any]) -> None:
    await create_client(api)
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    body = await api.gql(AUDIT_LOG, {"first": 5, "after": cursor}, role="auditor")
    assert error_codes(body) == ["BAD_USER_INPUT"]


# --- the hash chain -------------------------------------------------------------------------


async def test_verify_reports_an_intact_chain(api: Api, db: RolledBackDatabase) -> None:
    await two_clients_with_history(api)
    report = await verify_via_api(api)
    assert report == {
        "intact": True,
        "entriesChecked": await audit_count(db),
        "breaks": [],
    }
    assert report["entriesChecked"] >= 5


async def _tamper(session: AsyncSession, sql: str, **params: Any) -> int:
    """Run ``sql`` with the triggers off, as only a superuser could, then turn them back on."""
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    result = await session.execute(text(sql), params)
    await session.execute(text("SET LOCAL session_replication_role = origin"))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


TAMPERING = {
    "after changed": (
        "UPDATE audit_log SET after = jsonb_set(after, '{situation}', '\"COMMUNITY\"') "
        "WHERE stream = :stream AND stream_seq = 2",
        2,
        "content changed",
    ),
    "reason changed": (
        "UPDATE audit_log SET reason = 'routine' WHERE stream = :stream AND stream_seq = 4",
        4,
        "content changed",
    ),
    "principal changed": (
        "UPDATE audit_log SET principal = 'someone.else' WHERE stream = :stream AND stream_seq = 1",
        1,
        "content changed",
    ),
    "time changed": (
        "UPDATE audit_log SET occurred_at = occurred_at - interval '1 day' "
        "WHERE stream = :stream AND stream_seq = 3",
        3,
        "content changed",
    ),
    "middle entry deleted": (
        "DELETE FROM audit_log WHERE stream = :stream AND stream_seq = 2",
        3,
        "entries missing before",
    ),
    "first entry deleted": (
        "DELETE FROM audit_log WHERE stream = :stream AND stream_seq = 1",
        2,
        "link to previous broken",
    ),
    "last entry deleted": (
        "DELETE FROM audit_log WHERE stream = :stream AND stream_seq = 4",
        4,
        "chain end does not match its head",
    ),
    "whole chain deleted": (
        "DELETE FROM audit_log WHERE stream = :stream",
        4,
        "chain end does not match its head",
    ),
    "chain head removed with its last entry": (
        "WITH gone AS (DELETE FROM audit_stream_head WHERE stream = :stream RETURNING stream) "
        "DELETE FROM audit_log WHERE stream IN (SELECT stream FROM gone) AND stream_seq = 4",
        None,
        "chain has no head",
    ),
    "hash recomputed for the changed row only": (
        "UPDATE audit_log a SET reason = 'routine', "
        "hash = audit_row_hash(a.prev_hash, (a.id, a.stream, a.stream_seq, a.occurred_at, "
        "a.principal, a.principal_roles, a.entity_type, a.entity_id, a.action, a.before, "
        "a.after, 'routine', a.request_id, a.client_id, a.prev_hash, a.hash)::audit_log) "
        "WHERE stream = :stream AND stream_seq = 2",
        3,
        "link to previous broken",
    ),
}


@pytest.mark.parametrize(("sql", "sequence", "problem"), TAMPERING.values(), ids=TAMPERING.keys())
async def test_tampering_breaks_the_chain_and_both_checks_see_it(
    api: Api,
    db: RolledBackDatabase,
    session: AsyncSession,
    sql: str,
    sequence: int,
    problem: str,
) -> None:
    """R-AUD-2: an entry changed or removed behind the database's back (triggers bypassed) is
    reported by verifyAuditChain and by ``ca-api verify-audit`` (``verify_chain``), naming the
    client's chain; the other client's chain is still intact."""
    a, b, _ = await two_clients_with_history(api)
    stream = f"client:{raw(a['id'])}"
    other = f"client:{raw(b['id'])}"
    assert (await verify_via_api(api))["intact"] is True
    seqs = await scalar(
        db, "SELECT array_agg(stream_seq) FROM audit_log WHERE stream = :s", s=stream
    )
    assert sorted(seqs) == [1, 2, 3, 4]

    assert await _tamper(session, sql, stream=stream) >= 1

    report = await verify_via_api(api)
    assert report["intact"] is False
    assert report["breaks"], report
    assert {br["stream"] for br in report["breaks"]} == {stream}
    assert other not in {br["stream"] for br in report["breaks"]}
    assert {"sequence": sequence, "problem": problem, "stream": stream} in report["breaks"]

    cli = await verify_chain(session)
    assert cli.intact is False
    assert cli.entries_checked == report["entriesChecked"] == await audit_count(db)
    assert [(br.stream, br.stream_seq, br.problem) for br in cli.breaks] == [
        (br["stream"], br["sequence"], br["problem"]) for br in report["breaks"]
    ]


async def test_the_triggers_are_back_after_tampering(
    api: Api, db: RolledBackDatabase, session: AsyncSession
) -> None:
    """The tamper helper restores the triggers: new changes are chained and edits refused."""
    client = await create_client(api)
    stream = f"client:{raw(client['id'])}"
    await _tamper(
        session, "UPDATE audit_log SET reason = 'x' WHERE stream = :stream", stream=stream
    )
    result = await amend_client(api, client["id"], {"familyName": "Later"}, reason="after")
    assert result["__typename"] == "ClientPayload"
    seqs = await scalar(
        db, "SELECT array_agg(stream_seq ORDER BY id) FROM audit_log WHERE stream = :s", s=stream
    )
    assert seqs == [1, 2]
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("DELETE FROM audit_log WHERE stream = :s"), {"s": stream})
    report = await verify_via_api(api)
    assert [(br["sequence"], br["problem"]) for br in report["breaks"]] == [(1, "content changed")]

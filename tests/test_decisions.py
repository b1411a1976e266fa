"""Decisions through the real /graphql endpoint: what each records (R-DEC-1), approval by
someone else (R-ROLE-2) whose role the limits in force name for the kind and amount (R-DEC-2),
recorded with the limit version judged under (R-DEC-4); refusal with a reason; a change is a new
decision that supersedes the old (R-AUD-2); every change audited and announced to the approval
queue in its transaction.

The helpers at the top are shared with ``test_gifts`` and ``test_approval_limits``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from ca_api.approvals import events, sources
from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import async_url
from ca_api.migrate import upgrade
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    APPROVE_DECISION,
    DECISION,
    PROPOSER,
    RAISE_DECISION,
    SUBS,
    approve,
    decision_input,
    gift_client,
    new_key,
    raise_decision,
    raised,
    scalar,
)
from tests.factories import REFUSE_DECISION as REFUSE
from tests.factories import SUPERSEDE_DECISION as SUPERSEDE
from tests.factories import refuse_decision as refuse
from tests.support import fresh_database

# --- shared helpers -------------------------------------------------------------------------


DECISIONS = """
query($clientId: ID, $kind: DecisionKind, $status: DecisionStatus, $first: Int, $after: String) {
  decisions(clientId: $clientId, kind: $kind, status: $status, first: $first, after: $after) {
    edges { node { id kind status amount } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
async def client(api: Api) -> dict[str, Any]:
    return await gift_client(api)


# --- limits: every band's boundary, per kind and approving role (R-DEC-2, seed 002 App. 2) ---

APPROVERS = ["senior_officer", "governance_manager", "head_of_service"]
CASES: list[tuple[str, str, str, bool]] = []
for _kind in ("GIFT", "CONFLICT_OF_INTEREST", "BEST_INTEREST"):
    for _amount, _sco in (("100.00", True), ("100.01", False)):
        CASES += [(_kind, _amount, "senior_officer", _sco)]
        CASES += [(_kind, _amount, r, True) for r in ("governance_manager", "head_of_service")]
for _kind in ("DEBT_STATEMENT", "FINANCIAL_PLAN"):
    for _amount, _sco in (("5000.00", True), ("5000.01", False)):
        CASES += [(_kind, _amount, "senior_officer", _sco)]
        CASES += [(_kind, _amount, r, True) for r in ("governance_manager", "head_of_service")]
for _amount in ("0.01", "250000.00"):  # investment plans: TGM at any amount
    CASES += [("INVESTMENT_PLAN", _amount, "senior_officer", False)]
    CASES += [
        ("INVESTMENT_PLAN", _amount, r, True) for r in ("governance_manager", "head_of_service")
    ]


@pytest.mark.parametrize(("kind", "amount", "role", "allowed"), CASES)
async def test_approval_limit_boundaries(
    api: Api, client: dict[str, Any], kind: str, amount: str, role: str, allowed: bool
) -> None:
    decision = await raised(api, decision_input(client, kind, amount))
    assert decision["status"] == "RAISED" and decision["amount"] == amount
    result = await approve(api, decision["id"], role)
    if allowed:
        assert result["__typename"] == "DecisionPayload", result
        d = result["decision"]
        assert d["status"] == "APPROVED" and d["approvedBy"] == SUBS[role]
        assert d["approvalLimitVersionId"] == 1  # the seed's limits (0002), R-DEC-4
        assert [e["event"] for e in d["events"]] == ["APPROVED"]
        assert d["events"][0]["limitVersionId"] == 1
    else:
        assert result["__typename"] == "OverApprovalLimitProblem", result
        assert result["code"] == "OVER_APPROVAL_LIMIT"
        assert result["amount"] == amount
        assert result["lowestRoleThatMayApprove"] == "GOVERNANCE_MANAGER"
        again = await api.data(DECISION, {"id": decision["id"]}, role="auditor")
        assert again["decision"]["status"] == "RAISED"
        assert again["decision"]["events"] == []


@pytest.mark.parametrize("role", ["support_assistant", "assistant", "senior_assistant", "auditor"])
async def test_roles_below_senior_officer_never_approve(
    api: Api, client: dict[str, Any], role: str
) -> None:
    decision = await raised(api, decision_input(client, "BEST_INTEREST", "0.00"))
    for query, variables, field in (
        (
            APPROVE_DECISION,
            {"input": {"id": decision["id"], "idempotencyKey": new_key()}},
            "approveDecision",
        ),
        (
            REFUSE,
            {"input": {"id": decision["id"], "reason": "no", "idempotencyKey": new_key()}},
            "refuseDecision",
        ),
    ):
        body = await api.gql(query, variables, role=role, sub=f"x.{role}")
        assert error_codes(body) == ["FORBIDDEN"], body
        assert body["data"] is None or body["data"][field] is None


# --- four eyes (R-ROLE-2) -------------------------------------------------------------------


@pytest.mark.parametrize("role", APPROVERS)
async def test_four_eyes_whatever_the_role(api: Api, client: dict[str, Any], role: str) -> None:
    sub = SUBS[role]
    decision = await raised(
        api, decision_input(client, "BEST_INTEREST", "10.00"), role=role, sub=sub
    )
    assert decision["raisedBy"] == sub
    assert decision["canApprove"] is False  # the raiser is reading it
    for result in (
        await approve(api, decision["id"], role, sub),
        await refuse(api, decision["id"], "my own", role, sub),
    ):
        assert result["__typename"] == "FourEyesProblem", result
        assert result["code"] == "FOUR_EYES" and result["raisedBy"] == sub
    # Someone else, even more junior in rank, may.
    done = await approve(api, decision["id"], "senior_officer", "another.scao")
    assert done["__typename"] == "DecisionPayload", done


async def test_whoever_wrote_a_superseded_decision_cannot_approve_its_successor(
    api: Api, client: dict[str, Any]
) -> None:
    """issue 9 item 8, R-ROLE-2: a change is the decision rewritten, so whoever raised (or
    wrote) the old one is an author of the new one too; none of them may approve it."""
    old = await raised(
        api, decision_input(client, "BEST_INTEREST", "10.00"), role="senior_officer", sub="olu.scao"
    )
    assert old["authors"] == ["olu.scao"]
    changed = decision_input(client, "BEST_INTEREST", "20.00")
    variables = {
        "input": {**changed, "id": old["id"], "reason": "costs rose", "idempotencyKey": new_key()}
    }
    new = (await api.data(SUPERSEDE, variables, **PROPOSER))["supersedeDecision"]["decision"]
    assert (new["raisedBy"], new["authors"]) == ("ash.assistant", ["ash.assistant", "olu.scao"])
    seen = (await api.data(DECISION, {"id": new["id"]}, role="senior_officer", sub="olu.scao"))[
        "decision"
    ]
    assert seen["canApprove"] is False
    for result in (
        await approve(api, new["id"], "senior_officer", "olu.scao"),
        await refuse(api, new["id"], "mine", "senior_officer", "olu.scao"),
    ):
        assert result["__typename"] == "FourEyesProblem", result
        assert result["code"] == "FOUR_EYES" and "R-ROLE-2" in result["message"]
    done = await approve(api, new["id"], "senior_officer", "another.scao")
    assert done["__typename"] == "DecisionPayload", done


async def _run_sql(url: str, *statements: str) -> list[tuple[Any, ...]]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            rows: list[tuple[Any, ...]] = []
            for sql in statements:
                result = await conn.execute(text(sql))
                if result.returns_rows:
                    rows = [tuple(r) for r in result]
            return rows
    finally:
        await engine.dispose()


def test_decisions_raised_before_the_migration_get_their_authors(database_url: str) -> None:
    """issue 9 item 8, migration 0011: decisions already raised get their authors from what is
    recorded (their raiser, the plan and same-year revisions linked to them, the authors of the
    decision they superseded), so a plan awaiting approval is not left open to its author."""
    with fresh_database("ca_api_authors", revision="0008", admin_url=database_url) as url:
        c, p0, p1, p2 = (uuid.uuid4() for _ in range(4))
        d1, d2, d3 = (uuid.uuid4() for _ in range(3))

        def plan(pid: uuid.UUID, year: str, by: str, supersedes: uuid.UUID | None) -> str:
            sup = f"'{supersedes}'" if supersedes else "NULL"
            return (
                "INSERT INTO budget_plan (id, client_id, plan_year_start, opening_balance, "
                "annual_income, annual_expenditure, available_income, surplus, supersedes_id, "
                f"recorded_by) VALUES ('{pid}', '{c}', '{year}', 0, 0, 0, 0, 0, {sup}, '{by}')"
            )

        def decision(did: uuid.UUID, kind: str, by: str, supersedes: uuid.UUID | None) -> str:
            sup, why = (f"'{supersedes}'", "'changed'") if supersedes else ("NULL", "NULL")
            return (
                "INSERT INTO decision (id, client_id, kind, amount, what_was_decided, "
                "best_interests_reason, consulted, client_involved, supersedes_id, "
                f"supersede_reason, raised_by, raised_on) VALUES ('{did}', '{c}', '{kind}', 1, "
                f"'w', 'b', 'c', true, {sup}, {why}, '{by}', '2014-04-01')"
            )

        asyncio.run(
            _run_sql(
                url,
                f"INSERT INTO client (id, reference, created_by) VALUES ('{c}', 'MIG1', 'x')",
                plan(p0, "2013-04-01", "last.year", None),  # another plan year: not an author
                plan(p1, "2014-04-01", "rec.one", p0),
                plan(p2, "2014-04-01", "rec.two", p1),
                decision(d1, "FINANCIAL_PLAN", "sub.mitter", None),
                f"UPDATE budget_plan SET decision_id = '{d1}' WHERE id = '{p2}'",
                decision(d2, "BEST_INTEREST", "raiser.a", None),
                decision(d3, "BEST_INTEREST", "raiser.b", d2),
            )
        )
        upgrade(url)
        rows = asyncio.run(
            _run_sql(url, "SELECT decision_id, author FROM decision_author ORDER BY 1, 2")
        )
        found: dict[uuid.UUID, list[str]] = {}
        for did, author in rows:
            found.setdefault(did, []).append(author)
        assert found == {
            d1: ["rec.one", "rec.two", "sub.mitter"],
            d2: ["raiser.a"],
            d3: ["raiser.a", "raiser.b"],
        }


# --- refusal, supersession ------------------------------------------------------------------


async def test_refusal_with_reason(
    api: Api, db: RolledBackDatabase, client: dict[str, Any]
) -> None:
    decision = await raised(api, decision_input(client, "DEBT_STATEMENT", "1200.00"))
    empty = await refuse(api, decision["id"], "   ", "senior_officer")
    assert empty["__typename"] == "ValidationProblem"
    assert [f["field"] for f in empty["fields"]] == ["reason"]
    result = await refuse(api, decision["id"], " Creditors not all listed ", "senior_officer")
    assert result["__typename"] == "DecisionPayload", result
    d = result["decision"]
    assert d["status"] == "REFUSED" and d["refusedBy"] == "olu.scao"
    assert d["refusalReason"] == "Creditors not all listed"
    assert d["approvalLimitVersionId"] == 1 and d["canApprove"] is False
    again = await approve(api, decision["id"], "governance_manager")
    assert again["__typename"] == "InvalidStateProblem", again
    # An over-limit refusal is refused too: refusing is deciding (R-DEC-2).
    big = await raised(api, decision_input(client, "DEBT_STATEMENT", "9000.00"))
    over = await refuse(api, big["id"], "too much", "senior_officer")
    assert over["__typename"] == "OverApprovalLimitProblem"
    actions = await audit_actions(db, decision["id"])
    assert actions == ["raise", "refuse"]


async def test_supersede(api: Api, db: RolledBackDatabase, client: dict[str, Any]) -> None:
    old = await raised(api, decision_input(client, "FINANCIAL_PLAN", "4000.00"))
    changed = decision_input(client, "FINANCIAL_PLAN", "4500.00", notes="heating costs up")
    supersede = {
        **changed,
        "id": old["id"],
        "reason": "Gas prices rose",
        "idempotencyKey": new_key(),
    }
    variables = {"input": supersede}
    data = await api.data(SUPERSEDE, variables, role="senior_assistant", sub="sasha.senior")
    result = data["supersedeDecision"]
    assert result["__typename"] == "DecisionPayload", result
    new = result["decision"]
    assert new["status"] == "RAISED" and new["amount"] == "4500.00"
    assert new["supersedesId"] == old["id"] and new["supersedeReason"] == "Gas prices rose"
    assert new["raisedBy"] == "sasha.senior"

    before = (await api.data(DECISION, {"id": old["id"]}, role="auditor"))["decision"]
    assert before["status"] == "SUPERSEDED"
    assert before["supersededBy"] == {"id": new["id"], "status": "RAISED"}
    assert before["events"][0]["event"] == "SUPERSEDED"
    assert before["events"][0]["supersededBy"] == new["id"]
    assert before["canApprove"] is False

    # The old can no longer be approved, refused or superseded again.
    assert (await approve(api, old["id"], "governance_manager"))["__typename"] == (
        "InvalidStateProblem"
    )
    assert (await refuse(api, old["id"], "x", "governance_manager"))["__typename"] == (
        "InvalidStateProblem"
    )
    supersede["idempotencyKey"] = new_key()
    twice = await api.data(SUPERSEDE, variables, role="senior_assistant", sub="sasha.senior")
    assert twice["supersedeDecision"]["__typename"] == "InvalidStateProblem"
    # The successor awaits approval afresh; its raiser cannot approve it.
    assert (await approve(api, new["id"], "senior_officer"))["__typename"] == "DecisionPayload"
    # A change keeps the client and the kind.
    other = decision_input(client, "BEST_INTEREST", "1.00")
    wrong = await api.data(
        SUPERSEDE,
        {"input": {**other, "id": new["id"], "reason": "r", "idempotencyKey": new_key()}},
        **PROPOSER,
    )
    assert wrong["supersedeDecision"]["__typename"] == "ValidationProblem"
    assert await audit_actions(db, old["id"]) == ["raise", "superseded"]
    assert await audit_actions(db, new["id"]) == ["supersede", "approve"]


# --- what a decision records (R-DEC-1) ------------------------------------------------------


async def test_what_a_decision_records(api: Api, client: dict[str, Any]) -> None:
    missing = await raise_decision(
        api,
        decision_input(
            client,
            "BEST_INTEREST",
            "5.00",
            whatWasDecided=" ",
            bestInterestsReason="",
            consulted="",
            clientInvolved=False,
        ),
    )
    assert missing["__typename"] == "ValidationProblem"
    assert {f["field"] for f in missing["fields"]} == {
        "whatWasDecided",
        "bestInterestsReason",
        "consulted",
        "whyClientNotInvolved",
    }
    not_a_gift = await raise_decision(
        api, decision_input(client, "BEST_INTEREST", "5.00", recipientName="Someone")
    )
    assert not_a_gift["__typename"] == "ValidationProblem"
    negative = await raise_decision(api, decision_input(client, "BEST_INTEREST", "-1.00"))
    assert negative["__typename"] == "ValidationProblem"
    d = await raised(
        api,
        decision_input(
            client,
            "BEST_INTEREST",
            "85.00",
            clientInvolved=False,
            whyClientNotInvolved="Too unwell to take part this week",
            notes="Funeral plan quotes attached",
        ),
    )
    assert d["clientInvolved"] is False
    assert d["whyClientNotInvolved"] == "Too unwell to take part this week"
    assert d["notes"] == "Funeral plan quotes attached" and d["recipient"] is None
    unknown = await raise_decision(
        api, decision_input({"id": encode_id("Client", uuid.uuid4())}, "BEST_INTEREST", "1.00")
    )
    assert unknown["__typename"] == "NotFoundProblem"


# --- idempotency ----------------------------------------------------------------------------


async def test_idempotent_replays(api: Api, db: RolledBackDatabase, client: dict[str, Any]) -> None:
    key = new_key()
    body = decision_input(client, "CONFLICT_OF_INTEREST", "40.00")
    first = await raise_decision(api, body, key=key)
    second = await raise_decision(api, body, key=key)
    assert first["__typename"] == second["__typename"] == "DecisionPayload"
    assert second["replayed"] is True and first["replayed"] is False
    assert second["decision"]["id"] == first["decision"]["id"]
    reused = await raise_decision(api, body | {"amount": "41.00"}, key=key)
    assert reused["__typename"] == "IdempotencyKeyReusedProblem" and reused["key"] == key
    count = await scalar(
        db,
        "SELECT count(*) FROM decision WHERE client_id = :c",
        c=decode_uuid("Client", client["id"]),
    )
    assert count == 1

    akey = new_key()
    variables = {"input": {"id": first["decision"]["id"], "idempotencyKey": akey}}
    a1 = await api.data(APPROVE_DECISION, variables, role="senior_officer", sub="olu.scao")
    a2 = await api.data(APPROVE_DECISION, variables, role="senior_officer", sub="olu.scao")
    assert a1["approveDecision"]["replayed"] is False
    assert a2["approveDecision"]["replayed"] is True
    assert a2["approveDecision"]["decision"]["status"] == "APPROVED"
    events_count = await scalar(
        db,
        "SELECT count(*) FROM decision_event WHERE decision_id = :d",
        d=decode_uuid("Decision", first["decision"]["id"]),
    )
    assert events_count == 1
    # A fresh key for a second approval is refused: decided once.
    assert (await approve(api, first["decision"]["id"], "governance_manager"))["__typename"] == (
        "InvalidStateProblem"
    )


# --- permissions ----------------------------------------------------------------------------

ALL_ROLES = [r.value for r in Role]
RAISE_ROLES = {"assistant", "senior_assistant", "senior_officer", "governance_manager",
               "head_of_service"}  # fmt: skip
APPROVE_ROLES = set(APPROVERS)
READ_ROLES = RAISE_ROLES | {"support_assistant", "auditor"}


@pytest.mark.parametrize("role", ALL_ROLES)
async def test_role_denials(api: Api, client: dict[str, Any], role: str) -> None:
    some_id = encode_id("Decision", uuid.uuid4())
    checks = [
        (RAISE_DECISION,
         {"input": decision_input(client, "BEST_INTEREST", "1.00") | {"idempotencyKey": new_key()}},
         RAISE_ROLES),
        (APPROVE_DECISION, {"input": {"id": some_id, "idempotencyKey": new_key()}}, APPROVE_ROLES),
        (REFUSE, {"input": {"id": some_id, "reason": "r", "idempotencyKey": new_key()}},
         APPROVE_ROLES),
        (SUPERSEDE, {"input": {**decision_input(client, "BEST_INTEREST", "1.00"), "id": some_id,
                               "reason": "r", "idempotencyKey": new_key()}}, RAISE_ROLES),
        (DECISION, {"id": some_id}, READ_ROLES),
        (DECISIONS, {}, READ_ROLES),
    ]  # fmt: skip
    for query, variables, allowed in checks:
        body = await api.gql(query, variables, role=role, sub=f"who.{role}")
        codes = error_codes(body)
        if role in allowed:
            assert "FORBIDDEN" not in codes, (query, body)
        else:
            assert codes == ["FORBIDDEN"], (query, body)


# --- reads ----------------------------------------------------------------------------------


async def test_decisions_list_filters_and_pages(api: Api, client: dict[str, Any]) -> None:
    a = await raised(api, decision_input(client, "BEST_INTEREST", "1.00"))
    b = await raised(api, decision_input(client, "DEBT_STATEMENT", "2.00"))
    c = await raised(api, decision_input(client, "BEST_INTEREST", "3.00"))
    await approve(api, a["id"], "senior_officer")
    base = {"clientId": client["id"]}
    page1 = (await api.data(DECISIONS, base | {"first": 2}, role="auditor"))["decisions"]
    assert [e["node"]["id"] for e in page1["edges"]] == [c["id"], b["id"]]  # newest first
    assert page1["pageInfo"]["hasNextPage"] is True
    after = {"first": 2, "after": page1["pageInfo"]["endCursor"]}
    page2 = (await api.data(DECISIONS, base | after, role="auditor"))["decisions"]
    assert [e["node"]["id"] for e in page2["edges"]] == [a["id"]]
    assert page2["pageInfo"]["hasNextPage"] is False
    kind = await api.data(DECISIONS, base | {"kind": "BEST_INTEREST"}, role="auditor")
    assert {e["node"]["id"] for e in kind["decisions"]["edges"]} == {a["id"], c["id"]}
    status = await api.data(DECISIONS, base | {"status": "APPROVED"}, role="auditor")
    assert [e["node"]["id"] for e in status["decisions"]["edges"]] == [a["id"]]
    bad = await api.gql(DECISIONS, {"after": "bm9wZQ=="}, role="auditor")
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    missing = await api.gql(DECISION, {"id": encode_id("Decision", uuid.uuid4())}, role="auditor")
    assert error_codes(missing) == ["NOT_FOUND"]


# --- audit, append-only, queue events and the queue source ----------------------------------


async def audit_actions(db: RolledBackDatabase, decision_id: str) -> list[str]:
    rows = await db.connection.execute(
        text(
            "SELECT action FROM audit_log WHERE entity_type = 'decision' AND entity_id = :id "
            "ORDER BY id"
        ),
        {"id": str(decode_uuid("Decision", decision_id))},
    )
    return [r[0] for r in rows]


async def test_audited_and_announced(
    api: Api, db: RolledBackDatabase, client: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, uuid.UUID]] = []
    real = events.notify

    async def spy(session: AsyncSession, kind: str, item_id: uuid.UUID) -> None:
        sent.append((kind, item_id))
        await real(session, kind, item_id)

    monkeypatch.setattr(events, "notify", spy)
    d = await raised(api, decision_input(client, "BEST_INTEREST", "20.00"))
    did = decode_uuid("Decision", d["id"])
    assert sent == [("DECISION", did)]
    await approve(api, d["id"], "senior_officer")
    assert sent == [("DECISION", did)] * 2
    refused = await approve(api, d["id"], "senior_officer")  # refused: nothing announced
    assert refused["__typename"] == "InvalidStateProblem" and len(sent) == 2
    stream = await scalar(
        db,
        "SELECT stream FROM audit_log WHERE entity_id = :id ORDER BY id LIMIT 1",
        id=str(did),
    )
    assert stream == f"client:{decode_uuid('Client', client['id'])}"
    assert await audit_actions(db, d["id"]) == ["raise", "approve"]


@pytest.mark.parametrize(
    "sql", ["UPDATE decision SET amount = 1", "DELETE FROM decision_event", "TRUNCATE decision"]
)
async def test_decisions_are_append_only(
    api: Api, db: RolledBackDatabase, client: dict[str, Any], sql: str
) -> None:
    d = await raised(api, decision_input(client, "BEST_INTEREST", "20.00"))
    await approve(api, d["id"], "senior_officer")
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql))


async def test_queue_source(api: Api, session: AsyncSession, client: dict[str, Any]) -> None:
    source = sources.SOURCES["DECISION"]
    small = await raised(api, decision_input(client, "BEST_INTEREST", "100.00"))
    big = await raised(api, decision_input(client, "BEST_INTEREST", "100.01"))
    own = await raised(
        api, decision_input(client, "BEST_INTEREST", "1.00"), role="senior_officer", sub="olu.scao"
    )
    done = await raised(api, decision_input(client, "BEST_INTEREST", "2.00"))
    await approve(api, done["id"], "governance_manager")
    ids = {k: decode_uuid("Decision", v["id"]) for k, v in
           {"small": small, "big": big, "own": own, "done": done}.items()}  # fmt: skip

    def who(role: Role, sub: str) -> Principal:
        return Principal(sub, frozenset({role}))

    scao = await source.awaiting(session, who(Role.SENIOR_OFFICER, "olu.scao"))
    mine = [i for i in scao if i.client_id == decode_uuid("Client", client["id"])]
    assert [i.id for i in mine] == [ids["small"]]  # not their own, not over their limit
    assert mine[0].kind == "DECISION" and mine[0].amount == 10000
    assert mine[0].summary.startswith("Best interest decision: ")
    assert mine[0].client_reference == client["reference"]
    tgm = await source.awaiting(session, who(Role.GOVERNANCE_MANAGER, "grace.tgm"))
    theirs = [i.id for i in tgm if i.client_id == decode_uuid("Client", client["id"])]
    assert theirs == [ids["small"], ids["big"], ids["own"]]  # oldest first
    assert await source.one(session, who(Role.SENIOR_OFFICER, "olu.scao"), ids["big"]) is None
    assert await source.one(session, who(Role.SENIOR_OFFICER, "olu.scao"), ids["own"]) is None
    assert await source.one(session, who(Role.GOVERNANCE_MANAGER, "g"), ids["done"]) is None
    one = await source.one(session, who(Role.HEAD_OF_SERVICE, "hari.head"), ids["big"])
    assert one is not None and one.id == ids["big"]
    assert await source.awaiting(session, who(Role.ASSISTANT, "ash.assistant")) == []

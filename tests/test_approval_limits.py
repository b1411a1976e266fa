"""Approval limits as effective-dated policy (R-DEC-4): the governance manager adds a new
version of the whole table from a future date; approvals made before it keep the version they
were judged under, and approvals on or after its date use it. History stays readable.

Seed 002 Appendix 2 is version 1 (migration 0002). Where the seed's last row reads "up to £5000"
for both officers, the second is taken as above £5,000 (domain.md R-DEC).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    DECISION,
    approve,
    decision_input,
    new_client,
    raised,
    scalar,
)

ADD = """
mutation($input: AddApprovalLimitVersionInput!) {
  addApprovalLimitVersion(input: $input) {
    __typename
    ... on ApprovalLimitVersionPayload {
      version { id effectiveFrom note recordedBy limits { subject role upTo } }
    }
    ... on ValidationProblem { code fields { field message } }
  }
}
"""
LIMITS = """
query($on: Date) { approvalLimits(on: $on) { id effectiveFrom limits { subject role upTo } } }
"""

SUBJECTS = ["PAYMENT", "GIFT", "CONFLICT_OF_INTEREST", "DEBT_STATEMENT", "INVESTMENT_PLAN",
            "BEST_INTEREST", "FINANCIAL_PLAN", "TEMPORARY_ASSISTANCE"]  # fmt: skip


def table(**sco: str | None) -> list[dict[str, Any]]:
    """Every subject: the governance manager for any amount, the SCAO up to ``sco[subject]``."""
    rows: list[dict[str, Any]] = [
        {"subject": s, "role": "GOVERNANCE_MANAGER", "upTo": None} for s in SUBJECTS
    ]
    rows += [{"subject": s, "role": "SENIOR_OFFICER", "upTo": v} for s, v in sco.items()]
    return rows


async def add(api: Api, effective_from: str, limits: list[dict[str, Any]], **who: Any) -> Any:
    who = who or {"role": "governance_manager", "sub": "grace.tgm"}
    variables = {
        "input": {"effectiveFrom": effective_from, "note": "Committee 2026-11", "limits": limits}
    }
    return (await api.data(ADD, variables, **who))["addApprovalLimitVersion"]


async def test_new_version_from_tomorrow(api: Api, db: RolledBackDatabase, today: Any) -> None:
    client = await new_client(api)
    tomorrow = (today.value + timedelta(days=1)).isoformat()
    result = await add(api, tomorrow, table(BEST_INTEREST="50.00", PAYMENT="5000.00"))
    assert result["__typename"] == "ApprovalLimitVersionPayload", result
    version = result["version"]
    assert version["effectiveFrom"] == tomorrow and version["recordedBy"] == "grace.tgm"
    # issue 9 item 9: a limit is Money, as it is sent ("50.00"), not an Int of pence (5000).
    assert {"subject": "BEST_INTEREST", "role": "SENIOR_OFFICER", "upTo": "50.00"} in version[
        "limits"
    ]
    assert {"subject": "GIFT", "role": "GOVERNANCE_MANAGER", "upTo": None} in version["limits"]

    # Today the seed's limits still apply: the SCAO approves £100.00.
    before = await raised(api, decision_input(client, "BEST_INTEREST", "100.00"))
    done = await approve(api, before["id"], "senior_officer")
    assert done["decision"]["approvalLimitVersionId"] == 1
    pending = await raised(api, decision_input(client, "BEST_INTEREST", "100.00"))

    today.set(today.value + timedelta(days=1))
    over = await approve(api, pending["id"], "senior_officer")
    assert over["__typename"] == "OverApprovalLimitProblem", over
    assert over["lowestRoleThatMayApprove"] == "GOVERNANCE_MANAGER"
    small = await raised(api, decision_input(client, "BEST_INTEREST", "50.00"))
    ok = await approve(api, small["id"], "senior_officer")
    assert ok["decision"]["approvalLimitVersionId"] == version["id"]
    # The earlier approval keeps the version it was judged under.
    again = (await api.data(DECISION, {"id": before["id"]}, role="auditor"))["decision"]
    assert again["approvalLimitVersionId"] == 1
    # History stays readable.
    history = (await api.data(LIMITS, {}, role="auditor"))["approvalLimits"]
    assert [v["id"] for v in history] == [1, version["id"]]
    on_today = await api.data(LIMITS, {"on": today.value.isoformat()}, role="auditor")
    assert [v["id"] for v in on_today["approvalLimits"]] == [version["id"]]
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'approval_limit_version' "
            "AND entity_id = :id AND action = 'add'",
            id=str(version["id"]),
        )
        == 1
    )


async def test_the_seed_limits_read_back_as_money(api: Api) -> None:
    # issue 9 item 9: seed 002 Appendix 2's £100 and £5,000 as Money, not Ints of pence.
    [seed] = (await api.data(LIMITS, {"on": "2014-04-01"}, role="auditor"))["approvalLimits"]
    limits = {(r["subject"], r["role"]): r["upTo"] for r in seed["limits"]}
    assert limits[("GIFT", "SENIOR_OFFICER")] == "100.00"
    assert limits[("FINANCIAL_PLAN", "SENIOR_OFFICER")] == "5000.00"
    assert limits[("INVESTMENT_PLAN", "GOVERNANCE_MANAGER")] is None


async def test_validation(api: Api, today: Any) -> None:
    yesterday = (today.value - timedelta(days=1)).isoformat()
    later = (today.value + timedelta(days=30)).isoformat()
    past = await add(api, yesterday, table())
    assert [f["field"] for f in past["fields"]] == ["effectiveFrom"]
    missing = await add(api, later, [r for r in table() if r["subject"] != "FINANCIAL_PLAN"])
    assert "FINANCIAL_PLAN" in {f["field"]: f["message"] for f in missing["fields"]}["limits"]
    extra = [
        {"subject": "GIFT", "role": "SENIOR_OFFICER", "upTo": "2.00"},
        {"subject": "PAYMENT", "role": "ASSISTANT", "upTo": "1.00"},
    ]
    bad = [*table(GIFT="1.00"), *extra]
    problem = await add(api, later, bad)
    message = {f["field"]: f["message"] for f in problem["fields"]}["limits"]
    assert "given twice" in message and "'assistant'" in message
    # issue 11 item 4: a subject or a role that is not one at all is not in the enum, refused
    # before anything runs, as any value that does not fit the schema is.
    for unknown in ({"subject": "LUNCH"}, {"role": "CHIEF_TASTER"}):
        row = {"subject": "GIFT", "role": "SENIOR_OFFICER", "upTo": "1.00"} | unknown
        variables = {"input": {"effectiveFrom": later, "note": "Committee", "limits": [row]}}
        body = await api.gql(ADD, variables, role="governance_manager", sub="grace.tgm")
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert "enum" in body["errors"][0]["message"]
    assert (await add(api, later, table()))["__typename"] == "ApprovalLimitVersionPayload"
    same_day = await add(api, later, table())
    assert [f["field"] for f in same_day["fields"]] == ["effectiveFrom"]  # after every version
    earlier = await add(api, (today.value + timedelta(days=2)).isoformat(), table())
    assert [f["field"] for f in earlier["fields"]] == ["effectiveFrom"]


@pytest.mark.parametrize(
    "role",
    ["support_assistant", "assistant", "senior_assistant", "senior_officer", "head_of_service",
     "auditor", "reporting", "social_worker", "integration_controcc", "integration_sap"],
)  # fmt: skip
async def test_only_the_governance_manager_adds(api: Api, role: str, today: Any) -> None:
    later = (today.value + timedelta(days=10)).isoformat()
    variables = {"input": {"effectiveFrom": later, "note": "n", "limits": table()}}
    body = await api.gql(ADD, variables, role=role, sub="x")
    assert error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "sql",
    ["UPDATE approval_limit SET up_to = 1", "DELETE FROM approval_limit_version WHERE id = 1"],
)
async def test_limits_are_append_only(db: RolledBackDatabase, sql: str) -> None:
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql))

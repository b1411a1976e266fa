"""The client's financial assessment status through the real /graphql endpoint (issue 12
item 3; seed 002 B 4.2-4.4; R-ROLE-1; R-AUD-1, R-AUD-2).

NOT_ASSESSED until recorded (charged at the current rate, nothing if never assessed, B 4.2);
REFERRED for assessment on a day (B 4.3); ASSESSED at a weekly charge from a day (B 4.4). Each
change is a new entry; the latest counts.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from ca_api import clock
from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    assert_forbidden,
    audit_rows,
    community_client_id,
    new_key,
    problem_messages,
)

FIELDS = "status referredOn assessedOn weeklyCharge note recordedBy recordedAt"
RECORD = f"""mutation($input: RecordFinancialAssessmentInput!) {{
  recordFinancialAssessment(input: $input) {{ __typename
    ... on FinancialAssessmentPayload {{ clientId replayed financialAssessment {{ {FIELDS} }} }}
    {KEYED_PROBLEMS} }} }}"""
CLIENT = f"query($id: ID!) {{ client(id: $id) {{ financialAssessment {{ {FIELDS} }} }} }}"
OFFICER = {"role": "assistant", "sub": "ash.assistant"}


async def record(api: Api, client_id: str, key: str | None = None, **fields: Any) -> Any:
    variables = {"input": {"clientId": client_id, "idempotencyKey": key or new_key(), **fields}}
    return (await api.data(RECORD, variables, **OFFICER))["recordFinancialAssessment"]


async def current(api: Api, client_id: str) -> dict[str, Any]:
    data = await api.data(CLIENT, {"id": client_id}, role="auditor", sub="audrey")
    status: dict[str, Any] = data["client"]["financialAssessment"]
    return status


async def test_a_client_is_not_assessed_until_recorded_then_referred_then_assessed(
    api: Api,
) -> None:
    client_id = await community_client_id(api)
    before = await current(api, client_id)
    assert (before["status"], before["recordedAt"], before["weeklyCharge"]) == (
        "NOT_ASSESSED",
        None,
        None,
    )
    day = clock.today() - timedelta(days=10)
    referred = await record(api, client_id, status="REFERRED", referredOn=day.isoformat())
    assert referred["__typename"] == "FinancialAssessmentPayload", referred
    assert referred["financialAssessment"]["status"] == "REFERRED"
    assert (await current(api, client_id))["referredOn"] == day.isoformat()
    assessed = await record(
        api,
        client_id,
        status="ASSESSED",
        referredOn=day.isoformat(),
        assessedOn=clock.today().isoformat(),
        weeklyCharge="123.45",
        note="from the visiting officer's assessment",
    )
    assert assessed["__typename"] == "FinancialAssessmentPayload", assessed
    now = await current(api, client_id)
    assert (now["status"], now["weeklyCharge"], now["recordedBy"]) == (
        "ASSESSED",
        "123.45",
        OFFICER["sub"],
    )
    rows = await audit_rows(api, entityType="financial_assessment")
    mine = [r for r in rows if r["after"].get("weekly_charge") == 12345]
    assert [r["action"] for r in mine] == ["record"]


async def test_each_status_with_its_own_facts(api: Api) -> None:
    client_id = await community_client_id(api)
    today = clock.today()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"status": "REFERRED"}, "referredOn"),
        ({"status": "ASSESSED", "assessedOn": today.isoformat()}, "weeklyCharge"),
        ({"status": "ASSESSED", "weeklyCharge": "10.00"}, "assessedOn"),
        ({"status": "NOT_ASSESSED", "weeklyCharge": "10.00"}, "weeklyCharge"),
        (
            {"status": "REFERRED", "referredOn": (today + timedelta(days=1)).isoformat()},
            "referredOn",
        ),
        (
            {
                "status": "ASSESSED",
                "referredOn": today.isoformat(),
                "assessedOn": (today - timedelta(days=3)).isoformat(),
                "weeklyCharge": "10.00",
            },
            "assessedOn",
        ),
    ]
    for fields, field in cases:
        result = await record(api, client_id, **fields)
        assert field in problem_messages(result), (fields, result)
    assert (await current(api, client_id))["recordedAt"] is None  # nothing written


async def test_a_replay_records_nothing_twice_and_an_unknown_client_is_not_found(
    api: Api,
) -> None:
    client_id = await community_client_id(api)
    key = new_key()
    first = await record(api, client_id, key, status="NOT_ASSESSED", note="no assessment yet")
    again = await record(api, client_id, key, status="NOT_ASSESSED", note="no assessment yet")
    assert again["replayed"] is True
    assert again["financialAssessment"] == first["financialAssessment"]
    rows = await audit_rows(api, entityType="financial_assessment")
    assert len([r for r in rows if r["after"].get("note") == "no assessment yet"]) == 1
    missing = await record(api, encode_id("Client", uuid.uuid4()), status="NOT_ASSESSED")
    assert missing["__typename"] == "NotFoundProblem", missing


@pytest.mark.parametrize(
    "role",
    ["support_assistant", "auditor", "reporting", "social_worker", "integration_sap"],
)
async def test_who_may_not_record_it(api: Api, role: str) -> None:
    client_id = await community_client_id(api)
    variables = {
        "input": {"clientId": client_id, "status": "NOT_ASSESSED", "idempotencyKey": new_key()}
    }
    body = await api.gql(RECORD, variables, role=role, sub="nobody")
    assert_forbidden(body, ["recordFinancialAssessment"])
    assert (await current(api, client_id))["recordedAt"] is None

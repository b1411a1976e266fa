"""The DWP appointeeship application clock through the real /graphql endpoint (R-REF-5,
R-ROLE-1, R-AUD-1, R-AUD-2).

A referral accepted by a senior officer is valid on the council's date of the acceptance; the
application to the DWP (BF56) is due on the 5th working day after it, England and Wales bank
holidays not counted. To put the acceptance on a given day, the tests move the triage row's time
as only a superuser could (triggers off), then set the council's date (the ``today`` fixture).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.permissions import APPOINTEE_APPLICATION_READ, APPOINTEE_APPLICATION_WRITE
from ca_api.auth.principal import Role
from ca_api.clock import today as real_today
from ca_api.common.ids import encode_id
from ca_api.workdays import add_working_days
from tests.conftest import Api
from tests.factories import (
    FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY,
    KEYED_PROBLEMS,
    accepted_referral,
    assert_forbidden,
    audit_rows,
    check_deadlines_paged_soonest_due_first,
    check_due_the_fifth_working_day_then_missed,
    new_key,
    raw,
    record_appointeeship,
    referral_valid_on,
    refused_for,
    submitted_referral,
)

OFFICER = {"role": "assistant", "sub": "ash.assistant"}
FIELDS = """referralId clientId validOn dueOn sentOn sentRecordedBy state
  dwpDecision { outcome decidedOn reason appointeeshipId recordedBy }"""
PAYLOAD = f"""__typename ... on AppointeeApplicationPayload {{ replayed deadline {{ {FIELDS} }} }}
{KEYED_PROBLEMS}"""
SENT = f"""mutation($input: RecordAppointeeApplicationSentInput!) {{
  recordAppointeeApplicationSent(input: $input) {{ {PAYLOAD} }} }}"""
DECISION = f"""mutation($input: RecordDwpDecisionInput!) {{
  recordDwpDecision(input: $input) {{ {PAYLOAD} }} }}"""
DEADLINES = f"""query($state: AppointeeApplicationDeadlineState) {{
  appointeeApplicationDeadlines(state: $state, first: 100) {{ nodes {{ {FIELDS} }} }} }}"""

FRIDAY = FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY


async def deadlines(api: Api, state: str | None = None) -> dict[str, dict[str, Any]]:
    data = await api.data(DEADLINES, {"state": state}, **OFFICER)
    return {d["referralId"]: d for d in data["appointeeApplicationDeadlines"]["nodes"]}


async def send(api: Api, referral_id: str, sent_on: date, key: str | None = None) -> Any:
    variables = {
        "input": {
            "referralId": referral_id,
            "sentOn": sent_on.isoformat(),
            "idempotencyKey": key or new_key(),
        }
    }
    return (await api.data(SENT, variables, **OFFICER))["recordAppointeeApplicationSent"]


async def decide(api: Api, referral_id: str, **fields: Any) -> Any:
    variables = {"input": {"referralId": referral_id, "idempotencyKey": new_key(), **fields}}
    return (await api.data(DECISION, variables, **OFFICER))["recordDwpDecision"]


async def test_the_deadline_appears_on_acceptance(api: Api) -> None:
    rid, cid = await accepted_referral(api)
    d = (await deadlines(api))[rid]
    today = real_today()
    assert d["clientId"] == cid
    assert d["validOn"] == today.isoformat()
    assert d["dueOn"] == add_working_days(today, 5).isoformat()
    assert (d["state"], d["sentOn"], d["dwpDecision"]) == ("DUE", None, None)


async def test_a_referral_not_accepted_has_no_deadline_and_is_refused(api: Api) -> None:
    rid, _ = await submitted_referral(api)
    assert rid not in await deadlines(api)
    result = await send(api, rid, real_today())
    assert result["__typename"] == "InvalidStateProblem", result
    assert "ACCEPTED referral only" in result["message"]
    result = await send(api, encode_id("Referral", uuid.uuid4()), real_today())
    assert result["__typename"] == "NotFoundProblem", result


async def test_valid_on_the_friday_before_a_bank_holiday_then_missed_the_day_after(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY)
    await check_due_the_fifth_working_day_then_missed(
        lambda state: deadlines(api, state), rid, today, "validOn"
    )


async def test_sent_in_time_is_met_and_a_replay_does_nothing_twice(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY)
    today.set(date(2026, 9, 20))
    key = new_key()
    first = await send(api, rid, date(2026, 9, 7), key)
    assert first["__typename"] == "AppointeeApplicationPayload", first
    d = first["deadline"]
    assert (d["sentOn"], d["state"], d["sentRecordedBy"]) == ("2026-09-07", "MET", OFFICER["sub"])
    again = await send(api, rid, date(2026, 9, 7), key)
    assert again["replayed"] is True and again["deadline"] == d
    assert rid in await deadlines(api, "MET")
    sends = await audit_rows(api, entityType="appointee_application")
    assert [r["action"] for r in sends if r["after"]["referral_id"] == raw(rid)] == ["send"]
    twice = await send(api, rid, date(2026, 9, 8))
    assert twice["__typename"] == "InvalidStateProblem", twice


async def test_sent_after_the_due_date_is_missed_and_never_before_validity(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY)
    today.set(date(2026, 9, 20))
    early = await send(api, rid, date(2026, 8, 27))
    assert "before the referral became valid" in refused_for(early, "sentOn")
    future = await send(api, rid, date(2026, 9, 21))
    assert refused_for(future, "sentOn") == "is in the future"
    late = await send(api, rid, date(2026, 9, 8))
    assert late["deadline"]["state"] == "MISSED"


async def test_the_dwp_decision_follows_the_application(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY)
    today.set(date(2026, 9, 30))
    before = await decide(api, rid, outcome="APPOINTED", decidedOn="2026-09-20")
    assert before["__typename"] == "InvalidStateProblem", before
    await send(api, rid, date(2026, 9, 2))
    no_reason = await decide(api, rid, outcome="REFUSED", decidedOn="2026-09-20")
    assert refused_for(no_reason, "reason").startswith("is required")
    unknown = await decide(
        api,
        rid,
        outcome="APPOINTED",
        decidedOn="2026-09-20",
        appointeeshipId=encode_id("Appointeeship", uuid.uuid4()),
    )
    assert unknown["__typename"] == "NotFoundProblem", unknown
    done = await decide(api, rid, outcome="REFUSED", decidedOn="2026-09-20", reason="capable")
    assert done["deadline"]["dwpDecision"] == {
        "outcome": "REFUSED",
        "decidedOn": "2026-09-20",
        "reason": "capable",
        "appointeeshipId": None,
        "recordedBy": OFFICER["sub"],
    }
    assert done["deadline"]["state"] == "MET"
    again = await decide(api, rid, outcome="APPOINTED", decidedOn="2026-09-21")
    assert again["__typename"] == "InvalidStateProblem", again


@pytest.mark.parametrize(
    "role", sorted(r.value for r in Role if r not in APPOINTEE_APPLICATION_WRITE)
)
async def test_a_role_that_may_not_record_orders_is_refused_both_mutations(
    api: Api, role: str
) -> None:
    rid = encode_id("Referral", uuid.uuid4())
    body = await api.gql(
        SENT,
        {"input": {"referralId": rid, "sentOn": "2026-09-01", "idempotencyKey": new_key()}},
        role=role,
    )
    assert_forbidden(body, ["recordAppointeeApplicationSent"])
    body = await api.gql(
        DECISION,
        {
            "input": {
                "referralId": rid,
                "outcome": "APPOINTED",
                "decidedOn": "2026-09-01",
                "idempotencyKey": new_key(),
            }
        },
        role=role,
    )
    assert_forbidden(body, ["recordDwpDecision"])


@pytest.mark.parametrize(
    "role", sorted(r.value for r in Role if r not in APPOINTEE_APPLICATION_READ)
)
async def test_a_role_that_may_not_read_deadlines_is_refused(api: Api, role: str) -> None:
    body = await api.gql(DEADLINES, {"state": None}, role=role)
    assert_forbidden(body, ["appointeeApplicationDeadlines"])


async def test_appointed_names_the_clients_appointeeship_recorded_already(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, cid = await referral_valid_on(api, session, FRIDAY)
    other_rid, other_cid = await accepted_referral(api)
    today.set(date(2026, 9, 30))
    await send(api, rid, date(2026, 9, 2))
    recorded = await record_appointeeship(api, cid, startDate="2026-09-25")
    assert recorded["__typename"] == "AppointeeshipPayload", recorded
    appointeeship = recorded["appointeeship"]["id"]
    others = await record_appointeeship(api, other_cid, startDate="2026-09-25")
    not_theirs = await decide(
        api,
        rid,
        outcome="APPOINTED",
        decidedOn="2026-09-25",
        appointeeshipId=others["appointeeship"]["id"],
    )
    assert not_theirs["__typename"] == "NotFoundProblem", not_theirs
    done = await decide(
        api, rid, outcome="APPOINTED", decidedOn="2026-09-25", appointeeshipId=appointeeship
    )
    decision = done["deadline"]["dwpDecision"]
    assert (decision["outcome"], decision["appointeeshipId"]) == ("APPOINTED", appointeeship)
    assert other_rid in await deadlines(api)


async def test_deadlines_are_listed_soonest_due_first_and_paged(
    api: Api, session: AsyncSession, today: Any
) -> None:
    await check_deadlines_paged_soonest_due_first(
        api, session, today, "appointeeApplicationDeadlines", "referralId", **OFFICER
    )

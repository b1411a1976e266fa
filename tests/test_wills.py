"""A client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28, B 29.1),
through /graphql.

A will or codicil found is recorded with where it is held, and the Court of Protection is told
immediately (B 21.1): the notice is due the day the will was found, DUE that day, MISSED the
next if not sent, MET if sent that day. Funeral wishes are recorded (B 28.1). A funeral plan is
bought from the client's funds only on an approved best interest decision (B 28.2, R-CARE-5):
its payment is refused while the decision is not approved, and again at approval if the
decision was superseded meanwhile. Records are corrected by new entries (R-AUD-2) and audited;
the social worker sees none of it, the auditor reads it all (R-ROLE). A will a solicitor holds
is an item of the death's notification list (B 29.1, R-DEATH-1).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api
from tests.factories import (
    GM,
    KEYED_PROBLEMS,
    PROPOSE_FUNERAL_PLAN,
    RECORD_FUNERAL_WISHES,
    SCAO,
    SUPERSEDE_DECISION,
    WILL_RECORDER,
    WILLS_AND_FUNERAL,
    approve_as,
    approve_payment,
    assert_forbidden,
    audit_rows,
    cms_balance,
    confirmed_death,
    days_ago,
    decision_input,
    fund,
    funeral_plan_input,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    problem_messages,
    propose_funeral_plan,
    raise_funeral_plan_payment,
    record_will,
    record_will_notice,
    refuse_decision,
)

NOTICES = """query($s: AppointeeApplicationDeadlineState) {
  willCourtNotices(state: $s, first: 100) {
    edges { node { clientId dueOn state will { willId courtNotifiedOn } } } } }"""


async def _wills(api: Api, client_id: str, **who: Any) -> dict[str, Any]:
    data = await api.data(WILLS_AND_FUNERAL, {"c": client_id}, **(who or WILL_RECORDER))
    result: dict[str, Any] = data["willsAndFuneral"]
    return result


async def _notices(api: Api, state: str | None) -> dict[str, str]:
    data = await api.data(NOTICES, {"s": state}, role="auditor", sub="audrey")
    return {
        e["node"]["will"]["willId"]: e["node"]["state"] for e in data["willCourtNotices"]["edges"]
    }


# --- a will found, and the Court told (B 21.1-21.2) -----------------------------------------------


async def test_a_will_found_is_recorded_where_held_and_the_court_notice_is_due_that_day(
    api: Api,
) -> None:
    """R-CARE-5, seed 002 B 21.1: a will found today, held by a solicitor: recorded with the
    firm and its reference; the notice to the Court of Protection is due today (DUE), listed
    among those outstanding; the record is audited (R-AUD-1)."""
    client = await new_client(api)
    today = clock.today().isoformat()
    done = await record_will(
        api,
        client["id"],
        dated="2011-06-01",
        heldBy="SOLICITOR",
        holder="Hart & Co Solicitors",
        reference="W/2011/44",
    )
    assert done["__typename"] == "WillsPayload", done
    (will,) = done["willsAndFuneral"]["wills"]
    assert will["current"] == {
        "kind": "WILL",
        "dated": "2011-06-01",
        "foundOn": today,
        "heldBy": "SOLICITOR",
        "holder": "Hart & Co Solicitors",
        "reference": "W/2011/44",
        "reason": None,
        "recordedBy": "ash.assistant",
    }
    assert (will["courtNoticeDueOn"], will["courtNoticeState"]) == (today, "DUE")
    assert will["courtNotifiedOn"] is None
    assert (await _notices(api, "DUE")).get(will["willId"]) == "DUE"
    rows = await audit_rows(api, entityType="will")
    assert [r["action"] for r in rows] == ["record"]
    assert rows[0]["after"]["court_notice_due_on"] == today


async def test_a_notice_not_sent_the_day_found_is_missed_and_one_sent_that_day_is_met(
    api: Api,
) -> None:
    """B 21.1 "notified immediately": found yesterday and not sent: MISSED (listed as such);
    a codicil found and the Court told the same day: MET, with who recorded it and when; the
    notice is recorded once, never before the will was found."""
    client = await new_client(api)
    late = await record_will(api, client["id"], foundOn=days_ago(1))
    (will,) = late["willsAndFuneral"]["wills"]
    assert will["courtNoticeState"] == "MISSED"
    assert (await _notices(api, "MISSED")).get(will["willId"]) == "MISSED"
    assert will["willId"] not in await _notices(api, "DUE")

    codicil = await record_will(api, client["id"], kind="CODICIL", foundOn=days_ago(3))
    cid = codicil["willsAndFuneral"]["wills"][0]["willId"]  # the earliest found first
    early = await record_will_notice(api, cid, days_ago(4))
    assert problem_messages(early) == {"sentOn": f"is before the will was found ({days_ago(3)})"}
    sent = await record_will_notice(api, cid, days_ago(3))
    assert sent["__typename"] == "WillsPayload", sent
    told = sent["willsAndFuneral"]["wills"][0]
    assert (told["courtNoticeState"], told["courtNotifiedOn"], told["courtNotifiedBy"]) == (
        "MET",
        days_ago(3),
        "ash.assistant",
    )
    again = await record_will_notice(api, cid, days_ago(2))
    assert (again["__typename"], again["code"]) == ("InvalidStateProblem", "INVALID_STATE")
    # Told late: the notice still counts as MISSED (it was due the day found).
    sent_late = await record_will_notice(api, will["willId"], clock.today().isoformat())
    assert sent_late["willsAndFuneral"]["wills"][1]["courtNoticeState"] == "MISSED"


async def test_a_will_is_refused_without_where_it_is_held_or_with_impossible_dates(
    api: Api,
) -> None:
    """B 21.2: a will held by a solicitor (or elsewhere) names who holds it; it is not found in
    the future, nor dated after it was found. Nothing is written."""
    client = await new_client(api)
    no_firm = await record_will(api, client["id"], heldBy="SOLICITOR")
    assert problem_messages(no_firm) == {"holder": "is required: the solicitor holding it"}
    future = await record_will(api, client["id"], foundOn=days_ago(-1))
    assert "foundOn" in problem_messages(future)
    dated = await record_will(api, client["id"], foundOn=days_ago(2), dated=days_ago(1))
    assert "dated" in problem_messages(dated)
    assert (await _wills(api, client["id"]))["wills"] == []


async def test_a_will_is_corrected_by_a_new_record_that_keeps_the_first_found_date(
    api: Api, session: AsyncSession
) -> None:
    """R-AUD-2: a correction (the will moved to the team's safe) is a new record with its
    reason; the history keeps both; the notice is still due the day first found. The table
    refuses an UPDATE."""
    client = await new_client(api)
    first = await record_will(
        api, client["id"], foundOn=days_ago(2), heldBy="CLIENT", reference="kept in a bureau"
    )
    will_id = first["willsAndFuneral"]["wills"][0]["willId"]
    no_reason = await record_will(api, client["id"], correctsWillId=will_id)
    assert problem_messages(no_reason) == {"reason": "is required"}
    fixed = await record_will(
        api,
        client["id"],
        foundOn=days_ago(1),
        correctsWillId=will_id,
        reason="taken into the team's safe for safe keeping (B 21.2)",
    )
    (will,) = fixed["willsAndFuneral"]["wills"]
    assert will["willId"] == will_id
    assert will["current"]["heldBy"] == "COUNCIL_SAFE"
    assert [h["heldBy"] for h in will["history"]] == ["CLIENT", "COUNCIL_SAFE"]
    assert will["courtNoticeDueOn"] == days_ago(2)
    actions = [r["action"] for r in await audit_rows(api, entityType="will")]
    assert actions == ["record", "correct"]
    with pytest.raises(DBAPIError):
        async with session.begin_nested():
            await session.execute(text("UPDATE will_record SET holder = 'x'"))


# --- funeral wishes (B 28.1) ---------------------------------------------------------------------


async def test_funeral_wishes_are_recorded_and_corrected_by_a_new_entry(api: Api) -> None:
    """B 28.1, R-AUD-2: the wishes sought with the client; a second record corrects the first
    only with the reason, and the history keeps both."""
    client = await new_client(api)

    async def wishes(**fields: Any) -> dict[str, Any]:
        variables = {"input": {"clientId": client["id"], "idempotencyKey": new_key(), **fields}}
        data = await api.data(RECORD_FUNERAL_WISHES, variables, **WILL_RECORDER)
        result: dict[str, Any] = data["recordFuneralWishes"]
        return result

    first = await wishes(wishes="Cremation; 'Abide with me'", clientInvolved=True)
    assert first["willsAndFuneral"]["funeralWishes"]["wishes"] == "Cremation; 'Abide with me'"
    nobody = await wishes(wishes="Burial", clientInvolved=False)
    assert set(problem_messages(nobody)) == {"source", "reason"}
    fixed = await wishes(
        wishes="Burial beside her husband at St Mary's",
        clientInvolved=False,
        source="her niece, Nora",
        reason="the niece found a letter of the client's wishes",
    )
    got = fixed["willsAndFuneral"]
    assert got["funeralWishes"]["source"] == "her niece, Nora"
    assert [h["wishes"] for h in got["funeralWishesHistory"]] == [
        "Cremation; 'Abide with me'",
        "Burial beside her husband at St Mary's",
    ]
    rows = await audit_rows(api, entityType="funeral")
    assert [r["action"] for r in rows] == ["record_wishes", "correct_wishes"]


# --- a funeral plan from the client's funds (B 28.2) --------------------------------------------


async def test_a_funeral_plan_is_paid_only_once_its_best_interest_decision_is_approved(
    api: Api, session: AsyncSession
) -> None:
    """B 28.2, R-CARE-5, R-DEC: the senior officer proposes the plan (a BEST_INTEREST decision
    of £3,450.00 raised); its payment is refused while the decision is RAISED; above £100 the
    governance manager approves (Appendix 2); the payment is then raised, approved by a second
    officer and made from the CMS account; a second payment is refused."""
    client = await new_client(api)
    await fund(session, api, client, 500_000)
    director = await new_counterparty(api, "SUPPLIER", "Golden Leaves Funeral Plans")
    proposed = await propose_funeral_plan(api, client["id"], director, "3450.00")
    assert proposed["__typename"] == "WillsPayload", proposed
    (plan,) = proposed["willsAndFuneral"]["funeralPlans"]
    assert (plan["decisionStatus"], plan["amount"], plan["proposedBy"]) == (
        "RAISED",
        "3450.00",
        "olu.scao",
    )
    early = await raise_funeral_plan_payment(api, plan["funeralPlanId"])
    assert (early["__typename"], early["code"]) == ("InvalidStateProblem", "INVALID_STATE")
    assert "B 28.2" in early["message"] and "RAISED" in early["message"]

    over = await approve_as(api, plan["decisionId"], role="senior_officer", sub="sam.scao2")
    assert over["__typename"] == "OverApprovalLimitProblem", over
    assert (await approve_as(api, plan["decisionId"], **GM))["__typename"] == "DecisionPayload"

    raised = await raise_funeral_plan_payment(api, plan["funeralPlanId"])
    assert raised["__typename"] == "FuneralPlanPaymentPayload", raised
    payment = raised["payment"]
    assert (payment["amount"], payment["status"], payment["payee"]["id"]) == (
        "3450.00",
        "RAISED",
        director,
    )
    assert raised["funeralPlan"]["decisionStatus"] == "APPROVED"
    own = await approve_payment(api, payment["id"])  # olu.scao raised it: four eyes
    assert own["__typename"] == "FourEyesProblem", own
    approved = await approve_payment(api, payment["id"], role="governance_manager", sub="grace.tgm")
    assert approved["__typename"] == "PaymentPayload", approved
    assert (await make_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    assert await cms_balance(api, client["id"]) == "1550.00"
    twice = await raise_funeral_plan_payment(api, plan["funeralPlanId"])
    assert twice["__typename"] == "InvalidStateProblem" and "once" in twice["message"]
    seen = await _wills(api, client["id"], role="auditor", sub="audrey")
    assert [p["status"] for p in seen["funeralPlans"][0]["payments"]] == ["MADE"]
    actions = [r["action"] for r in await audit_rows(api, entityType="funeral")]
    assert actions == ["propose_plan", "raise_plan_payment"]


async def test_a_funeral_plan_refused_or_superseded_is_not_paid(
    api: Api, session: AsyncSession
) -> None:
    """B 28.2: a refused decision pays nothing; a decision superseded after the payment was
    raised stops its approval (the decision no longer stands)."""
    client = await new_client(api)
    await fund(session, api, client, 500_000)
    director = await new_counterparty(api, "SUPPLIER")
    refused = await propose_funeral_plan(api, client["id"], director, "90.00")
    plan = refused["willsAndFuneral"]["funeralPlans"][0]
    await refuse_decision(api, plan["decisionId"], "a cheaper plan exists", "governance_manager")
    no = await raise_funeral_plan_payment(api, plan["funeralPlanId"])
    assert no["__typename"] == "InvalidStateProblem" and "REFUSED" in no["message"]

    second = await propose_funeral_plan(api, client["id"], director, "95.00")
    plan = second["willsAndFuneral"]["funeralPlans"][1]
    assert (await approve_as(api, plan["decisionId"], **GM))["__typename"] == "DecisionPayload"
    raised = await raise_funeral_plan_payment(api, plan["funeralPlanId"])
    assert raised["__typename"] == "FuneralPlanPaymentPayload", raised
    changed = decision_input(client, "BEST_INTEREST", "99.00")
    variables = {
        "input": {
            **changed,
            "id": plan["decisionId"],
            "reason": "the provider's price changed",
            "idempotencyKey": new_key(),
        }
    }
    done = await api.data(SUPERSEDE_DECISION, variables, **GM)
    assert done["supersedeDecision"]["__typename"] == "DecisionPayload", done
    stopped = await approve_payment(
        api, raised["payment"]["id"], role="governance_manager", sub="grace.tgm"
    )
    assert stopped["__typename"] == "InvalidStateProblem", stopped
    assert "SUPERSEDED" in stopped["message"]
    assert await cms_balance(api, client["id"]) == "5000.00"


# --- after the client's death ---------------------------------------------------------------------


async def test_after_death_a_will_is_still_recorded_and_its_solicitor_is_told_but_no_plan_bought(
    api: Api, session: AsyncSession
) -> None:
    """A will found after death still matters (the executor, B 29.3): recorded; held by a
    solicitor, it is an item of the death's notification list (B 29.1 "Solicitor holding the
    Will", R-DEATH-1), recorded sent like any letter. A funeral plan is not bought after the
    death (B 29: nothing new is committed): CLIENT_DECEASED."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    await confirmed_death(api, client["id"], days_ago(5))
    will = await record_will(
        api, client["id"], foundOn=days_ago(1), heldBy="SOLICITOR", holder="Hart & Co"
    )
    assert will["__typename"] == "WillsPayload", will
    listed = await api.data(
        """query($c: ID!) { deathNotifications(clientId: $c, first: 100) {
             edges { node { recipient organisationKey organisationName sentOn } } } }""",
        {"c": client["id"]},
        **SCAO,
    )
    items = [
        e["node"]
        for e in listed["deathNotifications"]["edges"]
        if e["node"]["recipient"] == "WILL_SOLICITOR"
    ]
    assert [(i["organisationName"], i["sentOn"]) for i in items] == [("Hart & Co", None)]
    sent = await api.data(
        f"""mutation($input: RecordDeathNotificationSentInput!) {{
              recordDeathNotificationSent(input: $input) {{ __typename {KEYED_PROBLEMS} }} }}""",
        {
            "input": {
                "clientId": client["id"],
                "recipient": "WILL_SOLICITOR",
                "organisationKey": items[0]["organisationKey"],
                "sentOn": days_ago(0),
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert sent["recordDeathNotificationSent"]["__typename"] == "DeathNotificationPayload", sent
    director = await new_counterparty(api, "SUPPLIER")
    late = await propose_funeral_plan(api, client["id"], director, "50.00")
    assert (late["__typename"], late["code"]) == ("InvalidStateProblem", "CLIENT_DECEASED")


# --- roles (R-ROLE) ------------------------------------------------------------------------------


async def test_who_may_read_record_propose_and_pay(api: Api) -> None:
    """R-ROLE: the social worker sees none of it; the auditor reads it all; a support
    assistant does not record a will; casework (an assistant) neither proposes a funeral plan
    nor raises its payment (B 28.2: the senior officer)."""
    client = await new_client(api)
    await record_will(api, client["id"])
    body = await api.gql(WILLS_AND_FUNERAL, {"c": client["id"]}, role="social_worker", sub="sw")
    assert_forbidden(body, ["willsAndFuneral"])
    body = await api.gql(
        "{ willCourtNotices(first: 5) { edges { node { dueOn } } } }",
        role="social_worker",
        sub="sw",
    )
    assert_forbidden(body, ["willCourtNotices"])
    seen = await _wills(api, client["id"], role="auditor", sub="audrey")
    assert len(seen["wills"]) == 1
    body = await api.gql(
        """mutation($input: RecordWillInput!) { recordWill(input: $input) { __typename } }""",
        {
            "input": {
                "clientId": client["id"],
                "kind": "WILL",
                "foundOn": days_ago(0),
                "heldBy": "CLIENT",
                "idempotencyKey": new_key(),
            }
        },
        role="support_assistant",
        sub="sam.support",
    )
    assert_forbidden(body, ["recordWill"])
    director = await new_counterparty(api, "SUPPLIER")
    body = await api.gql(
        PROPOSE_FUNERAL_PLAN,
        {"input": funeral_plan_input(client["id"], director, "10.00")},
        **WILL_RECORDER,
    )
    assert_forbidden(body, ["proposeFuneralPlan"])
    plan = (await propose_funeral_plan(api, client["id"], director, "10.00"))["willsAndFuneral"]
    body = await api.gql(
        """mutation($input: RaiseFuneralPlanPaymentInput!) {
             raiseFuneralPlanPayment(input: $input) { __typename } }""",
        {
            "input": {
                "funeralPlanId": plan["funeralPlans"][0]["funeralPlanId"],
                "idempotencyKey": new_key(),
            }
        },
        **WILL_RECORDER,
    )
    assert_forbidden(body, ["raiseFuneralPlanPayment"])


async def test_a_repeated_key_replays_the_first_answer_and_writes_nothing_twice(api: Api) -> None:
    """Once per idempotency key: the same recordWill sent twice records one will, the second
    answer replayed; the same key with another input is refused."""
    client = await new_client(api)
    key = new_key()
    first = await record_will(api, client["id"], key=key, reference="envelope 12")
    again = await record_will(api, client["id"], key=key, reference="envelope 12")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert len(again["willsAndFuneral"]["wills"]) == 1
    other = await record_will(api, client["id"], key=key, reference="envelope 13")
    assert other["__typename"] == "IdempotencyKeyReusedProblem", other
    assert len((await _wills(api, client["id"]))["wills"]) == 1

"""Annual reviews, contacts and changes of circumstances (issue 14 item 1), through /graphql.

R-CARE-1, seed 002 B 13.1: every deputyship client is reviewed at least once annually (a visit,
a call to the care home, or with Care Management, B 13.3), covering needs, finances and
investments; every contact is recorded (B 13.4); changes of circumstances are recorded (B 13.5)
and those the OPG (deputy) or the DWP (appointee) must hear of are told (R-ORD-4, B 18.2).
Records are never changed: corrections are new records (R-AUD-2); every change is audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api, error_codes
from tests.factories import (
    RECORD_REVIEW,
    SCAO,
    amend_client,
    assert_forbidden,
    audit_rows,
    confirmed_death,
    create_client,
    days_ago,
    fund,
    new_key,
    problem_messages,
    record_appointeeship,
    record_change,
    record_contact,
    record_deputyship,
    record_review,
    refer_client,
    review_input,
)

DUE = """
query($clientId: ID, $state: AnnualReviewState, $dueBy: Date) {
  annualReviewsDue(clientId: $clientId, state: $state, dueBy: $dueBy, first: 50) {
    nodes { clientId clientReference orderDate lastReviewedOn dueOn months state daysOverdue
            client { id } }
  }
}
"""
REVIEWS = """
query($clientId: ID!) { annualReviews(clientId: $clientId, first: 10) {
  nodes { id reviewedOn correctsId correctedById reason } } }
"""
CONTACTS = """
query($clientId: ID!, $first: Int, $after: String) {
  clientContacts(clientId: $clientId, first: $first, after: $after) {
    nodes { id contactedOn kind withWhom about } pageInfo { hasNextPage endCursor } } }
"""
CHANGES = """
query($clientId: ID!) { circumstanceChanges(clientId: $clientId, first: 10) {
  nodes { id kind reportable notices { recipient state } } } }
"""
OUTBOX = """
query($filter: OutboxMessageFilter) { outboxMessages(filter: $filter, first: 50) {
  nodes { id recipient topic state subjectType subjectId payload } } }
"""
OUTBOX_SENT = """mutation($input: RecordOutboxMessageSentInput!) {
  recordOutboxMessageSent(input: $input) { __typename } }"""
SOLD = "12 Elm Road sold for £210,000"
NODE = "query($id: ID!) { node(id: $id) { __typename id ... on AnnualReview { reviewedOn } } }"


async def _deputy(api: Api, order_date: str | None = None) -> str:
    client_id = str((await create_client(api))["id"])
    result = await record_deputyship(api, client_id, orderDate=order_date or days_ago(400))
    assert result["__typename"] == "DeputyshipPayload", result
    return client_id


async def _appointee(api: Api) -> str:
    client_id = str((await create_client(api))["id"])
    result = await record_appointeeship(api, client_id)
    assert result["__typename"] == "AppointeeshipPayload", result
    return client_id


async def _due(api: Api, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(DUE, variables, **SCAO)
    nodes: list[dict[str, Any]] = data["annualReviewsDue"]["nodes"]
    return nodes


async def _one_due(api: Api, client_id: str) -> dict[str, Any]:
    [row] = await _due(api, clientId=client_id)
    return row


def _ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    assert result["__typename"] == typename, result
    return result


# --- the annual clock (R-CARE-1, B 13.1) ---------------------------------------------------------


async def test_a_review_is_overdue_a_day_after_twelve_months(api: Api, today: Any) -> None:
    # R-CARE-1, seed 002 B 13.1: reviewed at least once annually; 12 months is policy data
    today.set(date(2025, 1, 20))
    client_id = await _deputy(api, "2024-03-10")
    _ok(await record_review(api, client_id, reviewedOn="2025-01-15"), "AnnualReviewPayload")

    today.set(date(2026, 1, 15))  # 12 months to the day: still due, not overdue
    row = await _one_due(api, client_id)
    assert (row["lastReviewedOn"], row["dueOn"], row["months"]) == ("2025-01-15", "2026-01-15", 12)
    assert (row["state"], row["daysOverdue"]) == ("DUE", 0)

    today.set(date(2026, 1, 16))  # the day after
    row = await _one_due(api, client_id)
    assert (row["state"], row["daysOverdue"]) == ("OVERDUE", 1)
    assert [r["clientId"] for r in await _due(api, state="OVERDUE")] == [client_id]
    assert await _due(api, state="DUE") == []


async def test_with_no_review_the_clock_runs_from_the_deputy_order(api: Api, today: Any) -> None:
    # R-CARE-1: a deputy client never reviewed is due 12 months after the order; only deputy
    # clients are on the list (B 13.1 "every Deputyship client"), not appointee-only ones
    today.set(date(2025, 6, 1))
    late = await _deputy(api, "2024-05-31")
    soon = await _deputy(api, "2024-07-01")
    appointee = await _appointee(api)

    rows = await _due(api)
    assert [r["clientId"] for r in rows] == [late, soon]  # soonest due (overdue) first
    assert (rows[0]["dueOn"], rows[0]["state"], rows[0]["daysOverdue"]) == (
        "2025-05-31",
        "OVERDUE",
        1,
    )
    assert (rows[0]["lastReviewedOn"], rows[0]["orderDate"]) == (None, "2024-05-31")
    assert rows[0]["client"]["id"] == late
    assert (rows[1]["dueOn"], rows[1]["state"]) == ("2025-07-01", "DUE")
    assert appointee not in {r["clientId"] for r in rows}
    assert [r["clientId"] for r in await _due(api, dueBy="2025-06-30")] == [late]

    # a review restarts the clock
    _ok(await record_review(api, late, reviewedOn="2025-06-01"), "AnnualReviewPayload")
    row = await _one_due(api, late)
    assert (row["dueOn"], row["state"]) == ("2026-06-01", "DUE")


async def test_a_client_who_died_leaves_the_list_and_is_not_reviewed(api: Api) -> None:
    # a review is of a living client's needs (R-CARE-1); after a confirmed death the case is
    # wound up (B 29); a contact (the family, the executor) is still recorded (B 13.4)
    client_id = await _deputy(api)
    assert await _due(api, clientId=client_id) != []
    await confirmed_death(api, client_id, days_ago(5))

    assert await _due(api, clientId=client_id) == []
    refused = await record_review(api, client_id)
    assert refused["code"] == "INVALID_STATE", refused
    assert "died" in refused["message"]
    refused = await record_change(api, client_id, "PROPERTY_SOLD")
    assert refused["code"] == "INVALID_STATE", refused
    _ok(
        await record_contact(api, client_id, withWhom="The client's niece", about="The funeral"),
        "ClientContactPayload",
    )


# --- what a review records (B 13.2-13.3) -------------------------------------------------------


async def test_a_review_records_how_needs_finances_and_whether_the_client_took_part(
    api: Api,
) -> None:
    client_id = await _deputy(api)
    done = _ok(
        await record_review(
            api,
            client_id,
            methods=["CARE_HOME_CALL", "CARE_MANAGEMENT_REVIEW"],
            clientInvolved=False,
            notInvolvedReason="Too unwell on the day; her views were sought through the home",
            actions="Buy a riser chair; ask the home about outings",
        ),
        "AnnualReviewPayload",
    )
    review = done["review"]
    assert review["methods"] == ["CARE_HOME_CALL", "CARE_MANAGEMENT_REVIEW"]
    assert review["clientInvolved"] is False
    assert review["notInvolvedReason"].startswith("Too unwell")
    assert review["actions"].startswith("Buy a riser chair")
    assert (review["recordedBy"], review["correctsId"], review["correctedById"]) == (
        "ash.assistant",
        None,
        None,
    )

    [row] = await audit_rows(api, entityType="client_review")
    assert (row["action"], row["principal"]) == ("record", "ash.assistant")
    assert row["after"]["methods"] == ["CARE_HOME_CALL", "CARE_MANAGEMENT_REVIEW"]

    # refetched by node(id:), for audit too (R-AUD-3)
    data = await api.data(NODE, {"id": review["id"]}, role="auditor", sub="check.auditor")
    assert data["node"] == {
        "__typename": "AnnualReview",
        "id": review["id"],
        "reviewedOn": review["reviewedOn"],
    }


async def test_a_review_missing_what_b13_asks_is_refused_with_each_reason(api: Api) -> None:
    client_id = await _deputy(api)
    refused = await record_review(
        api,
        client_id,
        reviewedOn=days_ago(-1),
        methods=[],
        needs=" ",
        finances="",
        clientInvolved=False,
    )
    assert refused["__typename"] == "ValidationProblem", refused
    messages = problem_messages(refused)
    assert set(messages) == {
        "reviewedOn",
        "methods",
        "needs",
        "finances",
        "notInvolvedReason",
    }, messages
    assert messages["reviewedOn"] == "is in the future"
    twice = await record_review(api, client_id, methods=["PERSONAL_VISIT", "PERSONAL_VISIT"])
    assert problem_messages(twice) == {"methods": "names a method twice"}
    assert await api.data(REVIEWS, {"clientId": client_id}, **SCAO) == {
        "annualReviews": {"nodes": []}
    }


async def test_a_review_of_a_client_not_on_the_books_is_refused(api: Api) -> None:
    # a referral not yet taken on (REFERRED) is not reviewed, nor its circumstances recorded
    referred = await refer_client(api, "sue.sw")
    refused = await record_review(api, referred)
    assert refused["code"] == "INVALID_STATE", refused
    assert "REFERRED" in refused["message"]
    refused = await record_change(api, referred, "MOVED_HOME")
    assert refused["code"] == "INVALID_STATE", refused


# --- corrections (R-AUD-2) ----------------------------------------------------------------------


async def test_a_review_is_corrected_by_a_new_one_that_the_clock_then_follows(
    api: Api, today: Any
) -> None:
    today.set(date(2025, 3, 1))
    client_id = await _deputy(api, "2024-01-10")
    first = _ok(await record_review(api, client_id, reviewedOn="2025-02-01"), "AnnualReviewPayload")
    first_id = first["review"]["id"]

    no_reason = await record_review(api, client_id, reviewedOn="2025-01-25", corrects=first_id)
    assert problem_messages(no_reason) == {"reason": "is required"}
    fixed = _ok(
        await record_review(
            api,
            client_id,
            reviewedOn="2025-01-25",
            corrects=first_id,
            reason="The visit was on the 25th; the 1st was when it was typed up",
        ),
        "AnnualReviewPayload",
    )["review"]
    assert fixed["correctsId"] == first_id
    assert (await _one_due(api, client_id))["dueOn"] == "2026-01-25"

    nodes = (await api.data(REVIEWS, {"clientId": client_id}, **SCAO))["annualReviews"]["nodes"]
    assert [(n["id"], n["correctedById"]) for n in nodes] == [
        (first_id, fixed["id"]),  # newest day first: 1 Feb, then 25 Jan
        (fixed["id"], None),
    ]
    again = await record_review(
        api, client_id, reviewedOn="2025-01-26", corrects=first_id, reason="again"
    )
    assert again["code"] == "INVALID_STATE", again
    actions = [r["action"] for r in await audit_rows(api, entityType="client_review")]
    assert sorted(actions) == ["correct", "record"]


async def test_a_correction_of_another_clients_record_is_not_found(api: Api) -> None:
    one, other = await _deputy(api), await _deputy(api)
    review = _ok(await record_review(api, one), "AnnualReviewPayload")["review"]
    refused = await record_review(api, other, corrects=review["id"], reason="wrong client")
    assert refused["__typename"] == "NotFoundProblem", refused
    assert refused["id"] == review["id"]


# --- contacts (B 13.4) -------------------------------------------------------------------------


async def test_every_contact_is_logged_and_listed_newest_first(api: Api) -> None:
    client_id = await _deputy(api)
    support = {"role": "support_assistant", "sub": "sam.support"}
    letter = _ok(
        await record_contact(
            api,
            client_id,
            who=support,
            contactedOn=days_ago(9),
            kind="LETTER",
            withWhom="Lewes Building Society",
            about="Closing the passbook account",
        ),
        "ClientContactPayload",
    )["contact"]
    key = new_key()
    visit = _ok(
        await record_contact(
            api,
            client_id,
            kind="VISIT",
            withWhom="The client",
            about="Birthday",
            idempotencyKey=key,
        ),
        "ClientContactPayload",
    )
    replay = await record_contact(
        api, client_id, kind="VISIT", withWhom="The client", about="Birthday", idempotencyKey=key
    )
    assert replay["replayed"] is True
    assert replay["contact"]["id"] == visit["contact"]["id"]

    data = await api.data(CONTACTS, {"clientId": client_id, "first": 1}, **SCAO)
    page = data["clientContacts"]
    assert [n["id"] for n in page["nodes"]] == [visit["contact"]["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    data = await api.data(CONTACTS, {"clientId": client_id, "first": 5, "after": after}, **SCAO)
    assert [n["id"] for n in data["clientContacts"]["nodes"]] == [letter["id"]]
    assert data["clientContacts"]["nodes"][0]["withWhom"] == "Lewes Building Society"
    assert len(await audit_rows(api, entityType="client_contact")) == 2


async def test_a_contact_needs_who_and_what_about(api: Api) -> None:
    client_id = await _deputy(api)
    refused = await record_contact(api, client_id, withWhom="", about="  ")
    assert set(problem_messages(refused)) == {"withWhom", "about"}


# --- changes of circumstances and the task to tell the OPG and the DWP (R-ORD-4, B 18.2) -------


async def _outbox(api: Api, client_id: str) -> list[dict[str, Any]]:
    data = await api.data(
        OUTBOX, {"filter": {"clientId": client_id, "topic": "CIRCUMSTANCES_CHANGED"}}, **SCAO
    )
    nodes: list[dict[str, Any]] = data["outboxMessages"]["nodes"]
    return nodes


async def test_a_property_sold_tells_the_opg_and_the_dwp_through_the_outbox(api: Api) -> None:
    # R-ORD-4: the OPG (the council is deputy) and, for appointees, the DWP; B 18.2: the sale
    # of a property, told immediately
    client_id = await _deputy(api)
    assert (await record_appointeeship(api, client_id))["__typename"] == "AppointeeshipPayload"
    key = new_key()
    done = _ok(
        await record_change(
            api,
            client_id,
            "PROPERTY_SOLD",
            details="12 Elm Road sold for £210,000",
            idempotencyKey=key,
        ),
        "CircumstanceChangePayload",
    )
    change = done["change"]
    assert change["reportable"] is True
    assert sorted((n["recipient"], n["state"]) for n in change["notices"]) == [
        ("DWP", "PENDING"),
        ("OPG", "PENDING"),
    ]
    messages = await _outbox(api, client_id)
    assert sorted(m["recipient"] for m in messages) == ["DWP", "OPG"]
    assert {m["subjectType"] for m in messages} == {"CircumstanceChange"}
    assert {m["subjectId"] for m in messages} == {change["id"]}
    assert messages[0]["payload"]["change"] == "PROPERTY_SOLD"
    assert "date_of_birth" not in messages[0]["payload"]

    # a repeat of the key writes nothing again
    replay = await record_change(api, client_id, "PROPERTY_SOLD", details=SOLD, idempotencyKey=key)
    assert replay["replayed"] is True
    assert len(await _outbox(api, client_id)) == 2

    # the task is done when a senior officer records the letter sent
    opg = next(m for m in messages if m["recipient"] == "OPG")
    sent = await api.data(
        OUTBOX_SENT, {"input": {"id": opg["id"], "idempotencyKey": new_key()}}, **SCAO
    )
    assert sent["recordOutboxMessageSent"]["__typename"] == "OutboxMessagePayload", sent
    nodes = (await api.data(CHANGES, {"clientId": client_id}, **SCAO))["circumstanceChanges"][
        "nodes"
    ]
    assert sorted((n["recipient"], n["state"]) for n in nodes[0]["notices"]) == [
        ("DWP", "PENDING"),
        ("OPG", "SENT"),
    ]
    [row] = await audit_rows(api, entityType="circumstance_change")
    assert (row["action"], len(row["after"]["told"])) == ("record", 2)


async def test_admission_to_care_of_an_appointee_client_tells_the_dwp_only(api: Api) -> None:
    # R-ORD-4: the DWP for appointees; the OPG supervises deputies only
    client_id = await _appointee(api)
    change = _ok(
        await record_change(api, client_id, "ADMITTED_TO_RESIDENTIAL_CARE"),
        "CircumstanceChangePayload",
    )["change"]
    assert [n["recipient"] for n in change["notices"]] == ["DWP"]


async def test_a_deputy_clients_dwp_benefits_bring_the_dwp_in(
    api: Api, session: AsyncSession
) -> None:
    # seed 002 B 18.2: major changes "must be provided to the Department of Work and Pensions
    # immediately", whoever the council is; R-ORD-4 names the DWP for appointees only: the seed
    # wins where the DWP pays the client (a DWP counterparty in the client's ledger)
    client_id = await _deputy(api)
    await fund(session, api, {"id": client_id}, 20_000)  # Pension Credit from the DWP
    change = _ok(
        await record_change(api, client_id, "CAPITAL_CHANGED", details="Inherited £30,000"),
        "CircumstanceChangePayload",
    )["change"]
    assert sorted(n["recipient"] for n in change["notices"]) == ["DWP", "OPG"]


async def test_a_personal_change_is_recorded_and_told_to_no_one(api: Api) -> None:
    # B 13.5: recorded and documented; not a change the OPG or the DWP must hear of
    client_id = await _deputy(api)
    change = _ok(
        await record_change(api, client_id, "HEALTH", details="A fall; now uses a frame"),
        "CircumstanceChangePayload",
    )["change"]
    assert (change["reportable"], change["notices"]) == (False, [])
    assert await _outbox(api, client_id) == []


async def test_a_correction_is_told_to_whoever_heard_of_what_it_corrects(api: Api) -> None:
    # R-AUD-2 with R-ORD-4: the OPG heard of a sale that was in fact only agreed; the correction
    # (another kind, not reportable on its own) is told to the OPG too
    client_id = await _deputy(api)
    first = _ok(await record_change(api, client_id, "PROPERTY_SOLD"), "CircumstanceChangePayload")
    fixed = _ok(
        await record_change(
            api,
            client_id,
            "OTHER",
            details="The sale was agreed, not completed",
            corrects=first["change"]["id"],
            reason="Recorded as sold in error",
        ),
        "CircumstanceChangePayload",
    )["change"]
    assert fixed["correctsId"] == first["change"]["id"]
    assert [n["recipient"] for n in fixed["notices"]] == ["OPG"]
    messages = await _outbox(api, client_id)
    assert len(messages) == 2
    corrected = next(m for m in messages if m["subjectId"] == fixed["id"])
    assert corrected["payload"]["corrects"] is not None


# --- who may (R-ROLE) ----------------------------------------------------------------------------


async def test_the_social_worker_sees_none_of_it_and_support_does_not_review(api: Api) -> None:
    client_id = await _deputy(api)
    body = await api.gql(REVIEWS, {"clientId": client_id}, role="social_worker", sub="sue.sw")
    assert_forbidden(body, ["annualReviews"])
    body = await api.gql(DUE, {}, role="social_worker", sub="sue.sw")
    assert_forbidden(body, ["annualReviewsDue"])
    body = await api.gql(CONTACTS, {"clientId": client_id}, role="reporting", sub="rita.rep")
    assert_forbidden(body, ["clientContacts"])
    support = {"role": "support_assistant", "sub": "sam.support"}
    body = await api.gql(RECORD_REVIEW, {"input": review_input(client_id)}, **support)
    assert_forbidden(body, ["recordAnnualReview"])
    body = await api.gql(CHANGES, {"clientId": client_id}, role="auditor", sub="check.auditor")
    assert error_codes(body) == []


async def test_amending_a_client_into_residential_care_is_a_change_told_to_the_opg(
    api: Api,
) -> None:
    """R-ORD-4, B 18.2 (issue 14 item 1): admission to residential care is a change the OPG must
    hear of, whichever door records it: amending the client's situation records the change and
    writes its task, as recordCircumstanceChange does; a move that is no such change (the same
    situation) records nothing."""
    client_id = await _deputy(api)
    situation = (await api.data(CLIENT_SITUATION, {"id": client_id}, **SCAO))["client"]
    start = "COMMUNITY" if situation["situation"] != "COMMUNITY" else "RESIDENTIAL_CARE"
    if start == "COMMUNITY":  # first bring the client home, which is itself a change
        moved = await amend_client(api, client_id, {"situation": "COMMUNITY"}, "went home")
        assert moved["__typename"] == "ClientPayload", moved
    before = len(
        (await api.data(CHANGES, {"clientId": client_id}, **SCAO))["circumstanceChanges"]["nodes"]
    )
    admitted = await amend_client(
        api, client_id, {"situation": "RESIDENTIAL_CARE"}, "admitted to Oak House"
    )
    assert admitted["__typename"] == "ClientPayload", admitted
    nodes = (await api.data(CHANGES, {"clientId": client_id}, **SCAO))["circumstanceChanges"][
        "nodes"
    ]
    assert len(nodes) == before + 1
    assert nodes[0]["kind"] == "ADMITTED_TO_RESIDENTIAL_CARE"
    assert [(n["recipient"], n["state"]) for n in nodes[0]["notices"]] == [("OPG", "PENDING")]


CLIENT_SITUATION = "query($id: ID!) { client(id: $id) { situation } }"


async def test_an_order_older_than_the_policy_figure_does_not_take_the_list_down(
    api: Api, today: Any
) -> None:
    """An order of 2012, before the review figure's first entry (2014, the seed's policy): its
    clock runs by that first figure (12 months) and the list answers for everyone, where one
    old order made the whole list POLICY_MISSING (found serving the demo)."""
    today.set(date(2025, 6, 1))
    old = await _deputy(api, "2012-11-05")
    recent = await _deputy(api, "2024-07-01")
    rows = {r["clientId"]: r for r in await _due(api)}
    assert (rows[old]["dueOn"], rows[old]["state"], rows[old]["months"]) == (
        "2013-11-05",
        "OVERDUE",
        12,
    )
    assert rows[recent]["state"] == "DUE"

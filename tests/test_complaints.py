"""The register of complaints and appeals (issue 14 item 8; R-AUD-4, R-AUD-2, R-ROLE-2, seed
002 B 30), through /graphql.

- B 30.4: a complaint about the way the client's affairs are handled, by the client or someone on
  their behalf, to the OPG (copied to the council as deputy), the DWP or the council; recorded
  with its dates and its outcome (R-AUD-4).
- B 30.1, 30.3, 30.5: an appeal against a decision of the OPG, the Court of Protection or the
  DWP, prepared by the Senior Client Affairs Officer and approved by the deputy before lodging
  (four eyes, R-ROLE-2), with its dates and its outcome.
- R-AUD-2: nothing is changed in place; corrections are new entries naming what they correct.
- R-ROLE: the social worker sees none of it; the auditor reads it all and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    APPEAL_FIELDS,
    COMPLAINT_FIELDS,
    DEPUTY,
    SCAO,
    appeal_call,
    appeal_details,
    assert_forbidden,
    audit_rows,
    complaint_call,
    complaint_details,
    confirmed_death,
    days_ago,
    lodged_appeal,
    new_client,
    new_key,
    prepared_appeal,
    raw,
    recorded_complaint,
    refused_for,
)

COMPLAINTS = f"""
query($clientId: ID, $open: Boolean, $first: Int, $after: String) {{
  complaints(clientId: $clientId, open: $open, first: $first, after: $after) {{
    nodes {{ {COMPLAINT_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
APPEALS = f"""
query($clientId: ID, $open: Boolean) {{
  appeals(clientId: $clientId, open: $open, first: 50) {{ nodes {{ {APPEAL_FIELDS} }} }}
}}
"""
OTHER_SCAO = {"role": "senior_officer", "sub": "sam.scao"}
OTHER_DEPUTY = {"role": "head_of_service", "sub": "hari.head"}


async def _complaints(api: Api, client_id: str, **kw: Any) -> list[dict[str, Any]]:
    data = await api.data(COMPLAINTS, {"clientId": client_id, "first": 50, **kw}, **SCAO)
    nodes: list[dict[str, Any]] = data["complaints"]["nodes"]
    return nodes


async def _appeals(api: Api, client_id: str, **kw: Any) -> list[dict[str, Any]]:
    data = await api.data(APPEALS, {"clientId": client_id, **kw}, **SCAO)
    nodes: list[dict[str, Any]] = data["appeals"]["nodes"]
    return nodes


# --- complaints (B 30.4) ----------------------------------------------------------------------


async def test_a_complaint_is_recorded_open_and_its_outcome_closes_it(api: Api) -> None:
    # R-AUD-4, B 30.4: recorded with its dates and its outcome; listed open, then closed
    client = await new_client(api)
    complaint = await recorded_complaint(api, client["id"])
    assert complaint["status"] == "OPEN" and complaint["open"] is True
    assert complaint["madeBy"] == "CLIENT" and complaint["madeTo"] == "OPG"
    assert complaint["receivedOn"] == days_ago(7)
    assert complaint["outcome"] is None
    assert complaint["recordedBy"] == "ash.assistant"

    assert [c["id"] for c in await _complaints(api, client["id"], open=True)] == [complaint["id"]]
    assert await _complaints(api, client["id"], open=False) == []

    done = await complaint_call(
        api,
        "recordComplaintOutcome",
        {
            "complaintId": complaint["id"],
            "outcome": "PARTLY_UPHELD",
            "decidedOn": days_ago(2),
            "summary": "One payment was late; an apology was sent",
        },
    )
    assert done["__typename"] == "ComplaintPayload", done
    closed = done["complaint"]
    assert closed["status"] == "CLOSED" and closed["open"] is False
    assert closed["outcome"] == "PARTLY_UPHELD" and closed["outcomeOn"] == days_ago(2)
    assert closed["outcomeSummary"] == "One payment was late; an apology was sent"
    assert await _complaints(api, client["id"], open=True) == []
    assert [c["id"] for c in await _complaints(api, client["id"], open=False)] == [closed["id"]]

    # R-AUD-1: each step audited, with the client
    rows = await audit_rows(api, entityType="complaint", entityId=raw(complaint["id"]))
    assert [r["action"] for r in rows] == ["record", "outcome"], rows


async def test_someone_complaining_for_the_client_is_named_with_their_relationship(
    api: Api,
) -> None:
    # B 30.4: "they (or someone on their behalf)"
    client = await new_client(api)
    missing = await complaint_call(
        api,
        "recordComplaint",
        {"clientId": client["id"], "details": complaint_details(madeBy="SOMEONE_FOR_CLIENT")},
    )
    assert refused_for(missing, "onBehalfName") == (
        "is required when someone complains for the client"
    )
    assert "onBehalfRelationship" in {f["field"] for f in missing["fields"]}
    named_for_client = await complaint_call(
        api,
        "recordComplaint",
        {"clientId": client["id"], "details": complaint_details(onBehalfOfName="Bea Smith")},
    )
    assert refused_for(named_for_client, "onBehalfName").startswith("is given only when")

    complaint = await recorded_complaint(
        api,
        client["id"],
        madeBy="SOMEONE_FOR_CLIENT",
        onBehalfOfName="Bea Smith",
        onBehalfOfRelationship="daughter",
        madeTo="COUNCIL",
    )
    assert complaint["onBehalfOfName"] == "Bea Smith"
    assert complaint["onBehalfOfRelationship"] == "daughter"
    assert complaint["madeTo"] == "COUNCIL"
    assert len(await _complaints(api, client["id"])) == 1  # nothing written when refused


async def test_a_complaints_dates_are_not_in_the_future_and_its_outcome_follows_receipt(
    api: Api,
) -> None:
    client = await new_client(api)
    future = await complaint_call(
        api,
        "recordComplaint",
        {"clientId": client["id"], "details": complaint_details(receivedOn=days_ago(-1))},
    )
    assert refused_for(future, "receivedOn") == "is in the future"
    complaint = await recorded_complaint(api, client["id"])
    early = await complaint_call(
        api,
        "recordComplaintOutcome",
        {"complaintId": complaint["id"], "outcome": "UPHELD", "decidedOn": days_ago(8)},
    )
    assert refused_for(early, "decidedOn") == f"is before {days_ago(7)}"


async def test_an_outcome_is_corrected_by_a_new_entry_with_the_reason(api: Api) -> None:
    # R-AUD-2: the outcome recorded stays; a later one names it and says why
    client = await new_client(api)
    complaint = await recorded_complaint(api, client["id"])
    first = {"complaintId": complaint["id"], "outcome": "UPHELD", "decidedOn": days_ago(3)}
    assert (await complaint_call(api, "recordComplaintOutcome", first))["__typename"] == (
        "ComplaintPayload"
    )
    again = await complaint_call(api, "recordComplaintOutcome", first | {"outcome": "NOT_UPHELD"})
    assert refused_for(again, "reason").startswith("an entry is recorded already")

    done = await complaint_call(
        api,
        "recordComplaintOutcome",
        first | {"outcome": "NOT_UPHELD", "reason": "the OPG letter was misread"},
    )
    assert done["__typename"] == "ComplaintPayload", done
    corrected = done["complaint"]
    assert corrected["outcome"] == "NOT_UPHELD" and corrected["status"] == "CLOSED"
    outcomes = [h for h in corrected["history"] if h["kind"] == "OUTCOME"]
    assert [(h["detail"], h["correctsEarlier"], h["reason"]) for h in outcomes] == [
        ("UPHELD", False, None),
        ("NOT_UPHELD", True, "the OPG letter was misread"),
    ]


async def test_an_outcome_given_with_a_reason_but_nothing_to_correct_is_refused(api: Api) -> None:
    client = await new_client(api)
    complaint = await recorded_complaint(api, client["id"])
    done = await complaint_call(
        api,
        "recordComplaintOutcome",
        {
            "complaintId": complaint["id"],
            "outcome": "WITHDRAWN",
            "decidedOn": days_ago(1),
            "reason": "a mistake",
        },
    )
    assert refused_for(done, "reason") == "is given only when correcting an entry"


async def test_a_complaints_details_are_corrected_by_a_new_version(api: Api) -> None:
    # R-AUD-2: the first version stays in the history
    client = await new_client(api)
    complaint = await recorded_complaint(api, client["id"])
    no_reason = await complaint_call(
        api,
        "correctComplaint",
        {
            "complaintId": complaint["id"],
            "details": complaint_details(madeTo="DWP"),
            "reason": " ",
        },
    )
    assert refused_for(no_reason, "reason") == "is required"
    done = await complaint_call(
        api,
        "correctComplaint",
        {
            "complaintId": complaint["id"],
            "details": complaint_details(madeTo="DWP", receivedOn=days_ago(6)),
            "reason": "it was the DWP's letter, received a day later",
        },
    )
    assert done["__typename"] == "ComplaintPayload", done
    fixed = done["complaint"]
    assert fixed["madeTo"] == "DWP" and fixed["receivedOn"] == days_ago(6)
    assert [(h["kind"], h["on"], h["correctsEarlier"]) for h in fixed["history"]] == [
        ("RECORDED", days_ago(7), False),
        ("DETAILS_CORRECTED", days_ago(6), True),
    ]
    rows = await audit_rows(api, entityType="complaint", entityId=raw(complaint["id"]))
    assert [r["action"] for r in rows] == ["record", "correct"]


async def test_a_complaint_is_recorded_once_per_idempotency_key(api: Api) -> None:
    client = await new_client(api)
    variables = {
        "clientId": client["id"],
        "details": complaint_details(),
        "idempotencyKey": new_key(),
    }
    first = await complaint_call(api, "recordComplaint", variables)
    second = await complaint_call(api, "recordComplaint", variables)
    assert first["replayed"] is False and second["replayed"] is True
    assert first["complaint"]["id"] == second["complaint"]["id"]
    assert len(await _complaints(api, client["id"])) == 1


async def test_complaints_are_still_recorded_after_the_clients_death(api: Api) -> None:
    # A complaint about how a deceased client's affairs were handled may come from the family
    # while the estate is wound up (B 29, B 30.4): the register takes it; nothing moves money.
    client = await new_client(api)
    await confirmed_death(api, client["id"], days_ago(20))
    complaint = await recorded_complaint(
        api,
        client["id"],
        madeBy="SOMEONE_FOR_CLIENT",
        onBehalfOfName="Cal Jones",
        onBehalfOfRelationship="son, executor",
    )
    assert complaint["status"] == "OPEN"


# --- appeals (B 30.1, 30.3, 30.5) -------------------------------------------------------------


async def test_an_appeal_is_prepared_approved_by_the_deputy_lodged_and_decided(api: Api) -> None:
    # B 30.3: prepared by the SCAO, approved by the deputy before lodging; R-AUD-4 its outcome
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    assert appeal["status"] == "AWAITING_APPROVAL" and appeal["open"] is True
    assert appeal["preparedBy"] == "olu.scao"

    early = await appeal_call(
        api,
        "recordAppealLodged",
        {"appealId": appeal["id"], "lodgedOn": days_ago(0), "reference": "OPG/1"},
    )
    assert early["__typename"] == "InvalidStateProblem", early
    assert "only once the deputy has approved it" in early["message"]

    approved = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    assert approved["__typename"] == "AppealPayload", approved
    assert approved["appeal"]["status"] == "APPROVED"
    assert approved["appeal"]["approvedBy"] == "hal.head"
    assert approved["appeal"]["approvedOn"] == days_ago(0)

    before_approval = await appeal_call(
        api,
        "recordAppealLodged",
        {"appealId": appeal["id"], "lodgedOn": days_ago(1), "reference": "OPG/1"},
    )
    assert refused_for(before_approval, "lodgedOn") == f"is before {days_ago(0)}"
    lodged = await appeal_call(
        api,
        "recordAppealLodged",
        {"appealId": appeal["id"], "lodgedOn": days_ago(0), "reference": "OPG/APP/77"},
    )
    assert lodged["__typename"] == "AppealPayload", lodged
    assert lodged["appeal"]["status"] == "LODGED"
    assert lodged["appeal"]["lodgedReference"] == "OPG/APP/77"

    decided = await appeal_call(
        api,
        "recordAppealOutcome",
        {
            "appealId": appeal["id"],
            "outcome": "ALLOWED",
            "decidedOn": days_ago(0),
            "summary": "Supervision back to type 3",
        },
    )
    assert decided["__typename"] == "AppealPayload", decided
    final = decided["appeal"]
    assert final["status"] == "CLOSED" and final["open"] is False
    assert final["outcome"] == "ALLOWED" and final["outcomeOn"] == days_ago(0)
    assert [h["kind"] for h in final["history"]] == ["RECORDED", "APPROVED", "LODGED", "OUTCOME"]
    assert await _appeals(api, client["id"], open=True) == []
    assert [a["id"] for a in await _appeals(api, client["id"], open=False)] == [appeal["id"]]
    rows = await audit_rows(api, entityType="appeal", entityId=raw(appeal["id"]))
    assert [r["action"] for r in rows] == ["record", "approve", "lodged", "outcome"]


async def test_whoever_prepared_an_appeal_may_not_approve_it(api: Api) -> None:
    # R-ROLE-2 (four eyes), B 30.3: the deputy approves (the head of service signs as the
    # corporate deputy, R-ROLE), never whoever prepared it, even holding the deputy's role
    client = await new_client(api)
    done = await appeal_call(
        api,
        "prepareAppeal",
        {"clientId": client["id"], "details": appeal_details()},
        **DEPUTY,
    )
    appeal = done["appeal"]
    refused = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    assert refused["__typename"] == "FourEyesProblem", refused
    assert refused["raisedBy"] == "hal.head"
    not_refusable = await appeal_call(
        api, "refuseAppeal", {"appealId": appeal["id"], "reason": "no"}, **DEPUTY
    )
    assert not_refusable["__typename"] == "FourEyesProblem", not_refusable
    (still,) = await _appeals(api, client["id"])
    assert still["status"] == "AWAITING_APPROVAL"
    approved = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **OTHER_DEPUTY)
    assert approved["__typename"] == "AppealPayload", approved


async def test_whoever_corrected_an_appeal_may_not_approve_it(api: Api) -> None:
    # R-ROLE-2: a correction makes its author one of the appeal's authors
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    fixed = await appeal_call(
        api,
        "correctAppeal",
        {
            "appealId": appeal["id"],
            "details": appeal_details(against="COURT_OF_PROTECTION"),
            "reason": "the decision was the court's, not the OPG's",
        },
        **DEPUTY,
    )
    assert fixed["__typename"] == "AppealPayload", fixed
    assert fixed["appeal"]["against"] == "COURT_OF_PROTECTION"
    refused = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    assert refused["__typename"] == "FourEyesProblem", refused
    approved = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **OTHER_DEPUTY)
    assert approved["__typename"] == "AppealPayload", approved


async def test_an_approved_appeal_is_not_corrected_before_lodging(api: Api) -> None:
    # B 30.3: the deputy approved those details; they are lodged as approved
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    refused = await appeal_call(
        api,
        "correctAppeal",
        {"appealId": appeal["id"], "details": appeal_details(grounds="new"), "reason": "x"},
    )
    assert refused["__typename"] == "InvalidStateProblem", refused


async def test_an_appeal_the_deputy_does_not_approve_is_closed_and_never_lodged(api: Api) -> None:
    # B 30.3: "approved by the Deputy before lodging"
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    no_reason = await appeal_call(
        api, "refuseAppeal", {"appealId": appeal["id"], "reason": ""}, **DEPUTY
    )
    assert refused_for(no_reason, "reason") == "is required"
    done = await appeal_call(
        api,
        "refuseAppeal",
        {"appealId": appeal["id"], "reason": "the decision is within the OPG's discretion"},
        **DEPUTY,
    )
    assert done["__typename"] == "AppealPayload", done
    assert done["appeal"]["status"] == "NOT_APPROVED" and done["appeal"]["open"] is False
    assert done["appeal"]["refusalReason"] == "the decision is within the OPG's discretion"
    lodged = await appeal_call(
        api,
        "recordAppealLodged",
        {"appealId": appeal["id"], "lodgedOn": days_ago(0), "reference": "OPG/1"},
    )
    assert lodged["__typename"] == "InvalidStateProblem", lodged
    approve = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    assert approve["__typename"] == "InvalidStateProblem", approve


async def test_an_appeals_outcome_follows_its_lodging_and_is_corrected_with_a_reason(
    api: Api,
) -> None:
    client = await new_client(api)
    appeal = await lodged_appeal(api, client["id"])
    early = await appeal_call(
        api,
        "recordAppealOutcome",
        {"appealId": appeal["id"], "outcome": "DISMISSED", "decidedOn": days_ago(1)},
    )
    assert refused_for(early, "decidedOn") == f"is before {days_ago(0)}"
    first = {"appealId": appeal["id"], "outcome": "DISMISSED", "decidedOn": days_ago(0)}
    assert (await appeal_call(api, "recordAppealOutcome", first))["__typename"] == "AppealPayload"
    done = await appeal_call(
        api,
        "recordAppealOutcome",
        first | {"outcome": "PARTLY_ALLOWED", "reason": "the order was read again"},
    )
    assert done["__typename"] == "AppealPayload", done
    assert done["appeal"]["outcome"] == "PARTLY_ALLOWED"
    kinds = [(h["kind"], h["correctsEarlier"]) for h in done["appeal"]["history"]]
    assert kinds[-2:] == [("OUTCOME", False), ("OUTCOME", True)]


async def test_an_outcome_before_lodging_is_refused(api: Api) -> None:
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    done = await appeal_call(
        api,
        "recordAppealOutcome",
        {"appealId": appeal["id"], "outcome": "ALLOWED", "decidedOn": days_ago(0)},
    )
    assert done["__typename"] == "InvalidStateProblem", done


async def test_a_dwp_appeal_follows_the_same_steps(api: Api) -> None:
    # B 30.5: appeals to the DWP follow the same steps
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"], against="DWP")
    approved = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    assert approved["appeal"]["status"] == "APPROVED"


# --- the register, and who may see or do what (R-ROLE) -----------------------------------------


async def test_the_register_lists_every_clients_entries_and_filters_by_client(api: Api) -> None:
    one, two = await new_client(api), await new_client(api)
    a = await recorded_complaint(api, one["id"])
    b = await recorded_complaint(api, two["id"])
    everyone = await api.data(
        "{ complaints(first: 100, open: true) { nodes { id } } }", role="auditor", sub="au"
    )
    ids = [n["id"] for n in everyone["complaints"]["nodes"]]
    assert a["id"] in ids and b["id"] in ids
    assert [c["id"] for c in await _complaints(api, one["id"])] == [a["id"]]
    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Complaint { summary status } } }",
        {"id": a["id"]},
        role="auditor",
        sub="au",
    )
    assert node["node"] == {"summary": a["summary"], "status": "OPEN"}


async def test_the_social_worker_sees_none_of_it(api: Api) -> None:
    # R-ROLE: the social worker sees none of the register
    client = await new_client(api)
    await recorded_complaint(api, client["id"])
    for query, field in (
        ("{ complaints(first: 5) { nodes { id } } }", "complaints"),
        ("{ appeals(first: 5) { nodes { id } } }", "appeals"),
    ):
        body = await api.gql(query, role="social_worker", sub="sw")
        assert_forbidden(body, [field])


async def test_the_auditor_reads_but_records_nothing(api: Api) -> None:
    # R-AUD-3, R-ROLE: audit reads every entry, changes nothing
    client = await new_client(api)
    body = await api.gql(
        """mutation($input: RecordComplaintInput!) {
          recordComplaint(input: $input) { __typename } }""",
        {
            "input": {
                "clientId": client["id"],
                "details": complaint_details(),
                "idempotencyKey": new_key(),
            }
        },
        role="auditor",
        sub="au",
    )
    assert_forbidden(body, ["recordComplaint"])


async def test_casework_neither_prepares_nor_approves_an_appeal(api: Api) -> None:
    # B 30.3: the SCAO prepares; the deputy approves: an assistant does neither
    client = await new_client(api)
    body = await api.gql(
        """mutation($input: PrepareAppealInput!) { prepareAppeal(input: $input) { __typename } }""",
        {
            "input": {
                "clientId": client["id"],
                "details": appeal_details(),
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash.assistant",
    )
    assert_forbidden(body, ["prepareAppeal"])
    appeal = await prepared_appeal(api, client["id"])
    body = await api.gql(
        """mutation($input: ApproveAppealInput!) { approveAppeal(input: $input) { __typename } }""",
        {"input": {"appealId": appeal["id"], "idempotencyKey": new_key()}},
        role="senior_assistant",
        sub="sen",
    )
    assert_forbidden(body, ["approveAppeal"])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE complaint_or_appeal_details SET summary = 'changed'",
        "DELETE FROM complaint_or_appeal_event",
        "UPDATE complaint_or_appeal SET kind = 'APPEAL'",
        "TRUNCATE complaint_or_appeal_details",
    ],
)
async def test_the_register_is_append_only(api: Api, db: RolledBackDatabase, sql: str) -> None:
    # R-AUD-2: the database itself refuses to change or remove an entry
    client = await new_client(api)
    await lodged_appeal(api, client["id"])
    await recorded_complaint(api, client["id"])
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql))

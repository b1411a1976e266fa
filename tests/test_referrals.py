"""Referrals through the real /graphql endpoint (R-REF-1..4, R-ROLE-1, R-AUD-1, R-AUD-2).

A social worker refers a client (referClient), then submits the referral: the four criteria of
R-REF-1 answered with evidence, capital at referral, what is known of income, property and bank
accounts, and the documents of R-REF-3 each with where it is held. A senior officer triages it:
the outcome is the rules' (RETURNED naming what is missing, REFUSED with reasons, ACCEPTED); a
returned referral is resubmitted by its referrer and triaged again. The capital threshold is
the policy figure of migration 0014, £16,000.00: capital at it is refused.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ca_api.auth.permissions import REFERRAL_READ, REFERRAL_SUBMIT, REFERRAL_TRIAGE
from ca_api.auth.principal import Role
from ca_api.common.ids import decode_uuid, encode_id
from tests.conftest import Api, error_codes
from tests.factories import (
    KEYED_PROBLEMS,
    REFERRAL_COMMUNITY_DOCS,
    assert_forbidden,
    audit_rows,
    new_key,
    refer_client,
    referral_answers,
)

SW = "sam.socialworker"
OTHER_SW = "olu.socialworker"
SO = "sol.senior"

FIELDS = """
  id status missingDocuments reasons clientId referredBy
  submissions { version capitalAtReferral privateIncomeKnown propertyKnown bankAccountsKnown
    hadPreviousAppointee criteria { criterion met evidence } documents { kind reference }
    submittedBy }
  triages { submissionVersion outcome missingDocuments reasons threshold note triagedBy }
"""
PAYLOAD = f"""__typename ... on ReferralPayload {{ replayed referral {{ {FIELDS} }} }}
{KEYED_PROBLEMS}"""
SUBMIT = f"""mutation($input: SubmitReferralInput!) {{
  submitReferral(input: $input) {{ {PAYLOAD} }} }}"""
RESUBMIT = f"""mutation($input: ResubmitReferralInput!) {{
  resubmitReferral(input: $input) {{ {PAYLOAD} }} }}"""
TRIAGE = f"""mutation($input: TriageReferralInput!) {{
  triageReferral(input: $input) {{ {PAYLOAD} }} }}"""
REFERRAL = f"query($id: ID!) {{ referral(id: $id) {{ {FIELDS} }} }}"
REFERRALS = """query($status: ReferralStatus) {
  referrals(status: $status, first: 100) { nodes { id status missingDocuments reasons } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename id ... on Referral { status } } }"


async def submit(api: Api, client_id: str, *, sub: str = SW, **changes: Any) -> dict[str, Any]:
    data = await api.data(
        SUBMIT,
        {
            "input": referral_answers(**changes)
            | {"clientId": client_id, "idempotencyKey": new_key()}
        },
        role="social_worker",
        sub=sub,
    )
    result: dict[str, Any] = data["submitReferral"]
    return result


async def submitted(api: Api, *, situation: str = "COMMUNITY", **changes: Any) -> str:
    """A client referred by SW and their referral submitted; the referral's id."""
    client_id = await refer_client(api, SW, situation=situation)
    result = await submit(api, client_id, **changes)
    assert result["__typename"] == "ReferralPayload", result
    assert result["referral"]["status"] == "SUBMITTED"
    return str(result["referral"]["id"])


async def triage(api: Api, referral_id: str, key: str | None = None) -> dict[str, Any]:
    data = await api.data(
        TRIAGE,
        {
            "input": {
                "referralId": referral_id,
                "note": "checked",
                "idempotencyKey": key or new_key(),
            }
        },
        role="senior_officer",
        sub=SO,
    )
    result: dict[str, Any] = data["triageReferral"]
    return result


async def triaged(api: Api, referral_id: str) -> dict[str, Any]:
    result = await triage(api, referral_id)
    assert result["__typename"] == "ReferralPayload", result
    referral: dict[str, Any] = result["referral"]
    return referral


async def test_complete_and_eligible_is_accepted_and_audited(api: Api) -> None:
    rid = await submitted(api)
    referral = await triaged(api, rid)
    assert referral["status"] == "ACCEPTED"
    assert referral["missingDocuments"] == [] and referral["reasons"] == []
    (t,) = referral["triages"]
    assert t["outcome"] == "ACCEPTED" and t["threshold"] == "16000.00" and t["triagedBy"] == SO
    (s,) = referral["submissions"]
    assert s["version"] == 1 and s["submittedBy"] == SW and s["bankAccountsKnown"] is True
    assert [c["criterion"] for c in s["criteria"]] == [
        "SOCIAL_CARE_ELIGIBLE",
        "NO_APPOINTEE_OR_LPA",
        "NO_ONE_TO_HELP",
        "LACKS_CAPACITY",
    ]
    assert s["documents"][0] == {"kind": "SS0003_SIGNED", "reference": "EDRM/ss0003_signed"}
    rows = await audit_rows(api, entityType="referral")
    mine = [r for r in rows if r["entityId"] == str(decode_uuid("Referral", rid))]
    assert [r["action"] for r in mine] == ["submit", "triage"]


async def test_missing_capacity_assessment_returned_then_resubmitted_and_accepted(
    api: Api,
) -> None:
    docs = [d for d in REFERRAL_COMMUNITY_DOCS if d != "MENTAL_CAPACITY_ASSESSMENT"]
    rid = await submitted(api, documents=docs)
    referral = await triaged(api, rid)
    assert referral["status"] == "RETURNED"
    assert referral["missingDocuments"] == ["MENTAL_CAPACITY_ASSESSMENT"]
    # The referrer sees exactly what is missing, and nothing beyond the status and reasons.
    seen = await api.data(REFERRAL, {"id": rid}, role="social_worker", sub=SW)
    assert seen["referral"] == {
        "id": rid,
        "status": "RETURNED",
        "missingDocuments": ["MENTAL_CAPACITY_ASSESSMENT"],
        "reasons": [],
        "clientId": None,
        "referredBy": None,
        "submissions": None,
        "triages": None,
    }
    # A triage of a returned referral waits for its resubmission.
    again = await triage(api, rid)
    assert again["__typename"] == "InvalidStateProblem", again
    data = await api.data(
        RESUBMIT,
        {"input": referral_answers() | {"referralId": rid, "idempotencyKey": new_key()}},
        role="social_worker",
        sub=SW,
    )
    assert data["resubmitReferral"]["referral"]["status"] == "SUBMITTED"
    referral = await triaged(api, rid)
    assert referral["status"] == "ACCEPTED" and referral["missingDocuments"] == []
    assert [s["version"] for s in referral["submissions"]] == [1, 2]
    assert [(t["submissionVersion"], t["outcome"]) for t in referral["triages"]] == [
        (1, "RETURNED"),
        (2, "ACCEPTED"),
    ]
    rows = await audit_rows(api, entityType="referral", entityId=str(decode_uuid("Referral", rid)))
    assert [r["action"] for r in rows] == ["submit", "triage", "resubmit", "triage"]


async def test_only_the_referrer_resubmits_and_only_a_returned_referral(api: Api) -> None:
    rid = await submitted(api)
    body = {"input": referral_answers() | {"referralId": rid, "idempotencyKey": new_key()}}
    data = await api.data(RESUBMIT, body, role="social_worker", sub=SW)
    assert data["resubmitReferral"]["__typename"] == "InvalidStateProblem"
    body["input"]["idempotencyKey"] = new_key()
    data = await api.data(RESUBMIT, body, role="social_worker", sub=OTHER_SW)
    assert data["resubmitReferral"]["__typename"] == "NotFoundProblem"


async def test_capital_at_the_threshold_is_refused_a_penny_under_accepted(api: Api) -> None:
    at = await triaged(api, await submitted(api, capitalAtReferral="16000.00"))
    assert at["status"] == "REFUSED"
    assert at["reasons"] == [
        "CAPITAL: capital at referral £16000.00 is not under the threshold of £16000.00 (R-REF-2)"
    ]
    under = await triaged(api, await submitted(api, capitalAtReferral="15999.99"))
    assert under["status"] == "ACCEPTED" and under["reasons"] == []


async def test_a_criterion_not_met_is_refused_with_the_reason(api: Api) -> None:
    no = {"met": False, "evidence": "daughter holds a registered LPA"}
    referral = await triaged(api, await submitted(api, noAppointeeOrPowerOfAttorney=no))
    assert referral["status"] == "REFUSED"
    assert [r.split(":")[0] for r in referral["reasons"]] == ["NO_APPOINTEE_OR_LPA"]
    seen = await api.data(REFERRAL, {"id": referral["id"]}, role="social_worker", sub=SW)
    assert seen["referral"]["reasons"] == referral["reasons"]


async def test_the_checklist_is_required_in_the_community_not_in_residential_care(
    api: Api,
) -> None:
    docs = [d for d in REFERRAL_COMMUNITY_DOCS if d != "APPOINTEESHIP_CHECKLIST"]
    community = await triaged(api, await submitted(api, documents=docs))
    assert community["status"] == "RETURNED"
    assert community["missingDocuments"] == ["APPOINTEESHIP_CHECKLIST"]
    care = await triaged(api, await submitted(api, situation="RESIDENTIAL_CARE", documents=docs))
    assert care["status"] == "ACCEPTED"


async def test_a_previous_appointee_needs_their_relinquishment_letter(api: Api) -> None:
    referral = await triaged(api, await submitted(api, hadPreviousAppointee=True))
    assert referral["missingDocuments"] == ["RELINQUISHMENT_LETTER"]


async def test_a_client_is_referred_once_and_only_by_their_referrer(api: Api) -> None:
    client_id = await refer_client(api, SW)
    assert (await submit(api, client_id))["__typename"] == "ReferralPayload"
    assert (await submit(api, client_id))["__typename"] == "InvalidStateProblem"
    other = await refer_client(api, SW)
    assert (await submit(api, other, sub=OTHER_SW))["__typename"] == "NotFoundProblem"


async def test_an_idempotency_key_replays_the_first_submission_and_triage(api: Api) -> None:
    client_id = await refer_client(api, SW)
    body = {"input": referral_answers() | {"clientId": client_id, "idempotencyKey": new_key()}}
    first = await api.data(SUBMIT, body, role="social_worker", sub=SW)
    again = await api.data(SUBMIT, body, role="social_worker", sub=SW)
    assert first["submitReferral"]["replayed"] is False
    assert again["submitReferral"]["replayed"] is True
    assert again["submitReferral"]["referral"]["id"] == first["submitReferral"]["referral"]["id"]
    body["input"]["capitalAtReferral"] = "1.00"
    reused = await api.data(SUBMIT, body, role="social_worker", sub=SW)
    assert reused["submitReferral"]["__typename"] == "IdempotencyKeyReusedProblem"
    rid = first["submitReferral"]["referral"]["id"]
    key = new_key()
    one, two = await triage(api, rid, key), await triage(api, rid, key)
    assert (one["replayed"], two["replayed"]) == (False, True)
    assert len(two["referral"]["triages"]) == 1


async def test_a_social_worker_reads_only_their_own_referrals(api: Api) -> None:
    rid = await submitted(api)
    body = await api.gql(REFERRAL, {"id": rid}, role="social_worker", sub=OTHER_SW)
    assert error_codes(body) == ["NOT_FOUND"]
    theirs = await api.data(REFERRALS, role="social_worker", sub=OTHER_SW)
    assert rid not in [n["id"] for n in theirs["referrals"]["nodes"]]
    mine = await api.data(REFERRALS, role="social_worker", sub=SW)
    assert rid in [n["id"] for n in mine["referrals"]["nodes"]]
    node = await api.data(NODE, {"id": rid}, role="social_worker", sub=OTHER_SW)
    assert node["node"] is None
    officers = await api.data(REFERRALS, {"status": "SUBMITTED"}, role="assistant")
    assert rid in [n["id"] for n in officers["referrals"]["nodes"]]
    accepted = await api.data(REFERRALS, {"status": "ACCEPTED"}, role="assistant")
    assert rid not in [n["id"] for n in accepted["referrals"]["nodes"]]


async def test_a_referral_is_refetched_by_node(api: Api) -> None:
    rid = await submitted(api)
    for role, sub in (("social_worker", SW), ("senior_officer", SO), ("auditor", "aud")):
        found = await api.data(NODE, {"id": rid}, role=role, sub=sub)
        assert found["node"] == {"__typename": "Referral", "id": rid, "status": "SUBMITTED"}
    missing = encode_id("Referral", uuid.uuid4())
    assert (await api.data(NODE, {"id": missing}, role="auditor"))["node"] is None


# --- every denial by role (R-ROLE-1) -----------------------------------------------------------


@pytest.mark.parametrize("role", sorted(r.value for r in Role if r not in REFERRAL_SUBMIT))
async def test_a_role_that_may_not_refer_is_refused_submit_and_resubmit(
    api: Api, role: str
) -> None:
    some = encode_id("Client", uuid.uuid4())
    body = await api.gql(
        SUBMIT,
        {"input": referral_answers() | {"clientId": some, "idempotencyKey": new_key()}},
        role=role,
    )
    assert_forbidden(body, ["submitReferral"])
    rid = encode_id("Referral", uuid.uuid4())
    body = await api.gql(
        RESUBMIT,
        {"input": referral_answers() | {"referralId": rid, "idempotencyKey": new_key()}},
        role=role,
    )
    assert_forbidden(body, ["resubmitReferral"])


@pytest.mark.parametrize("role", sorted(r.value for r in Role if r not in REFERRAL_TRIAGE))
async def test_a_role_below_senior_officer_is_refused_triage(api: Api, role: str) -> None:
    rid = encode_id("Referral", uuid.uuid4())
    body = await api.gql(
        TRIAGE, {"input": {"referralId": rid, "note": "x", "idempotencyKey": new_key()}}, role=role
    )
    assert_forbidden(body, ["triageReferral"])


@pytest.mark.parametrize("role", sorted(r.value for r in Role if r not in REFERRAL_READ))
async def test_a_role_that_may_not_read_referrals_is_refused(api: Api, role: str) -> None:
    body = await api.gql(REFERRAL, {"id": encode_id("Referral", uuid.uuid4())}, role=role)
    assert_forbidden(body, ["referral"])
    body = await api.gql(REFERRALS, role=role)
    assert_forbidden(body, ["referrals"])


async def test_evidence_and_a_note_are_required_and_nothing_is_written_without(api: Api) -> None:
    client_id = await refer_client(api, SW)
    blank = {"met": True, "evidence": " "}
    refused = await submit(api, client_id, lacksCapacity=blank, capitalAtReferral="-1.00")
    assert refused["__typename"] == "ValidationProblem", refused
    assert {f["field"] for f in refused["fields"]} == {
        "lacksCapacity.evidence",
        "capitalAtReferral",
    }
    rid = await submitted(api)
    data = await api.data(
        TRIAGE,
        {"input": {"referralId": rid, "note": "", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub=SO,
    )
    assert data["triageReferral"]["__typename"] == "ValidationProblem"
    seen = await api.data(REFERRAL, {"id": rid}, role="senior_officer", sub=SO)
    assert seen["referral"]["status"] == "SUBMITTED" and seen["referral"]["triages"] == []


async def test_whoever_referred_may_not_triage_their_own_referral(api: Api) -> None:
    """R-ROLE-2: a token holding both roles refers, submits, and is refused the triage."""
    sub = "two.hats"
    client_id = await refer_client(api, sub)
    rid = (await submit(api, client_id, sub=sub))["referral"]["id"]
    data = await api.data(
        TRIAGE,
        {"input": {"referralId": rid, "note": "mine", "idempotencyKey": new_key()}},
        role=["social_worker", "senior_officer"],
        sub=sub,
    )
    assert data["triageReferral"]["__typename"] == "FourEyesProblem", data
    assert (await triaged(api, rid))["status"] == "ACCEPTED"


async def test_an_officer_reads_the_referred_client_through_the_referral(api: Api) -> None:
    client_id = await refer_client(api, SW)
    rid = (await submit(api, client_id))["referral"]["id"]
    query = "query($id: ID!) { referral(id: $id) { clientId client { id status } } }"
    data = await api.data(query, {"id": rid}, role="auditor", sub="aud")
    assert data["referral"] == {
        "clientId": client_id,
        "client": {"id": client_id, "status": "REFERRED"},
    }
    theirs = await api.data(query, {"id": rid}, role="social_worker", sub=SW)
    assert theirs["referral"] == {"clientId": None, "client": None}

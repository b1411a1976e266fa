"""Valuables in the team's safe (issue 14 item 4; R-CARE-3, seed 002 B 24.1-24.2), through
/graphql.

B 24.1: valuables the client cannot keep securely (jewellery, wills) are stored in the team's
safe. B 24.2 / R-CARE-3: each is recorded with its monetary value and a photograph: an item with
no photograph is refused. The photograph is stored as a file with its SHA-256, a JPEG or PNG
within a size limit that fits the request body limit, and read back by officers and audit. Every
movement in and out of the safe is logged with who and why; corrections are new records
(R-AUD-2); every change is audited (R-AUD-1); social workers see none of it (R-ROLE).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ca_api.common.ids import encode_id
from ca_api.config import Settings
from ca_api.files.rules import MAX_PHOTO_BYTES, base64_length, fits_body
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    KEYED_PROBLEMS,
    REGISTER_VALUABLE,
    VALUABLE_FIELDS,
    VALUABLE_OFFICER,
    amend_client,
    assert_forbidden,
    audit_rows,
    b64,
    community_client_id,
    confirmed_death,
    days_ago,
    jpeg_bytes,
    new_key,
    png_bytes,
    raw,
    register_valuable,
    registered_valuable,
    valuable_input,
)

LIST = f"""query($c: ID!, $held: Boolean) {{
  valuables(clientId: $c, held: $held, first: 50) {{
    edges {{ node {{ {VALUABLE_FIELDS} photo {{ contentBase64 }} }} }} }} }}"""
RESULT = f"""__typename
  ... on ValuablePayload {{ replayed valuable {{ {VALUABLE_FIELDS} }} }}
  {KEYED_PROBLEMS}"""
CORRECT = f"""mutation($input: CorrectValuableInput!) {{
  correctValuable(input: $input) {{ {RESULT} }} }}"""
MOVES = {
    kind: f"""mutation($input: {kind[0].upper() + kind[1:]}Input!) {{
      {kind}(input: $input) {{ {RESULT} }} }}"""
    for kind in ("checkOutValuable", "checkInValuable", "returnValuable")
}


async def _list(api: Api, client_id: str, *, held: bool = False, **who: Any) -> list[Any]:
    data = await api.data(LIST, {"c": client_id, "held": held}, **(who or VALUABLE_OFFICER))
    return [e["node"] for e in data["valuables"]["edges"]]


async def _move(
    api: Api, mutation: str, valuable_id: str, person: str, reason: str, key: str | None = None
) -> dict[str, Any]:
    variables = {
        "input": {
            "valuableId": valuable_id,
            "person": person,
            "reason": reason,
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(MOVES[mutation], variables, **VALUABLE_OFFICER)
    result: dict[str, Any] = data[mutation]
    return result


async def _correct(api: Api, valuable_id: str, **kw: Any) -> dict[str, Any]:
    variables = {"input": {"valuableId": valuable_id, "idempotencyKey": new_key()} | kw}
    data = await api.data(CORRECT, variables, **VALUABLE_OFFICER)
    result: dict[str, Any] = data["correctValuable"]
    return result


def _fields(problem: dict[str, Any]) -> dict[str, str]:
    assert problem["__typename"] == "ValidationProblem", problem
    return {f["field"]: f["message"] for f in problem["fields"]}


# --- taken in with value and photograph (B 24.1-24.2, R-CARE-3) --------------------------------


async def test_a_valuable_is_recorded_with_value_photo_location_and_its_check_in(
    api: Api,
) -> None:
    client_id = await community_client_id(api)
    photo = png_bytes(b"ring")
    v = await registered_valuable(api, client_id, photo={"contentBase64": b64(photo)})
    assert v["clientId"] == client_id
    assert v["description"] == "Gold wedding ring, engraved 'A & J 1962'"
    assert v["monetaryValue"] == "350.00" and v["location"] == "Safe 1, envelope 14"
    assert v["status"] == "IN_SAFE" and v["held"] is True
    assert v["registeredBy"] == "ash.assistant"
    # the photograph stored as a file with its SHA-256 (type told from its bytes)
    assert v["photo"] == {
        "fileType": "PNG",
        "mediaType": "image/png",
        "size": len(photo),
        "sha256": hashlib.sha256(photo).hexdigest(),
    }
    # the first check-in: who handed it in and why
    assert v["movements"] == [
        {
            "number": 1,
            "kind": "CHECK_IN",
            "person": "Ann Lee (daughter)",
            "reason": "received for safe keeping (seed 002 B 24.1)",
            "recordedBy": "ash.assistant",
        }
    ]
    assert [h["correctsPrevious"] for h in v["history"]] == [False]


async def test_a_valuable_with_no_photograph_is_refused_and_nothing_written(api: Api) -> None:
    """R-CARE-3, seed 002 B 24.2: the record of a valuable includes a photograph."""
    client_id = await community_client_id(api)
    result = await register_valuable(api, client_id, photo=None)
    fields = _fields(result)
    assert set(fields) == {"photo"}
    assert "B 24.2" in fields["photo"] and "R-CARE-3" in fields["photo"]
    assert await _list(api, client_id) == []
    assert [
        r
        for r in await audit_rows(api, clientId=client_id)
        if r["entityType"] in ("valuable", "stored_file")
    ] == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b64(b"GIF89a" + b"\x00" * 40), "JPEG or PNG"),  # a GIF: not one of the types
        (b64(b"%PDF-1.4 not a photograph"), "JPEG or PNG"),  # a stored type, but no photograph
        (b64(b"just text, named photo.jpg"), "JPEG or PNG"),
        ("not base64 at all!", "base64"),
        ("", "empty"),
    ],
)
async def test_a_photograph_must_be_a_jpeg_or_png_told_from_its_bytes(
    api: Api, content: str, says: str
) -> None:
    client_id = await community_client_id(api)
    result = await register_valuable(api, client_id, photo={"contentBase64": content})
    assert says in _fields(result)["photo"]
    assert await _list(api, client_id) == []


async def test_the_photo_size_limit_fits_the_request_body_limit(api: Api) -> None:
    """A photograph at the limit goes through the 1 MB request (CA_API_MAX_BODY_BYTES) as base64;
    one byte more is refused as a typed problem, not by the gate."""
    assert fits_body(MAX_PHOTO_BYTES, Settings().max_body_bytes)
    assert base64_length(MAX_PHOTO_BYTES) < Settings().max_body_bytes
    client_id = await community_client_id(api)
    at_limit = jpeg_bytes(MAX_PHOTO_BYTES)
    v = await registered_valuable(api, client_id, photo={"contentBase64": b64(at_limit)})
    assert v["photo"]["fileType"] == "JPEG" and v["photo"]["size"] == MAX_PHOTO_BYTES
    over = await register_valuable(
        api, client_id, photo={"contentBase64": b64(jpeg_bytes(MAX_PHOTO_BYTES + 1))}
    )
    assert f"over the limit of {MAX_PHOTO_BYTES} bytes" in _fields(over)["photo"]


async def test_what_a_valuable_must_show(api: Api) -> None:
    client_id = await community_client_id(api)
    result = await register_valuable(
        api, client_id, description=" ", location="", receivedFrom="  ", monetaryValue="-1.00"
    )
    assert set(_fields(result)) == {"description", "location", "receivedFrom", "monetaryValue"}
    # a will is of no monetary value: 0.00 is allowed (B 24.1 names wills)
    will = await registered_valuable(
        api, client_id, description="Will dated 2011", monetaryValue="0.00"
    )
    assert will["monetaryValue"] == "0.00"


async def test_the_photograph_is_read_back_by_officers_and_audit(api: Api) -> None:
    client_id = await community_client_id(api)
    photo = jpeg_bytes(5_000)
    await registered_valuable(api, client_id, photo={"contentBase64": b64(photo)})
    for who in (
        {"role": "auditor", "sub": "audrey"},
        {"role": "senior_officer", "sub": "olu.scao"},
        {"role": "support_assistant", "sub": "sam.support"},
    ):
        [v] = await _list(api, client_id, **who)
        assert base64.b64decode(v["photo"]["contentBase64"]) == photo
        assert v["photo"]["sha256"] == hashlib.sha256(photo).hexdigest()


async def test_the_same_photograph_is_stored_once(api: Api, db: RolledBackDatabase) -> None:
    client_id = await community_client_id(api)
    photo = png_bytes(b"pair of earrings")
    for _ in range(2):
        await registered_valuable(api, client_id, photo={"contentBase64": b64(photo)})
    count = await db.connection.scalar(
        text("SELECT count(*) FROM stored_file WHERE sha256 = :h"),
        {"h": hashlib.sha256(photo).digest()},
    )
    assert count == 1
    assert len(await _list(api, client_id)) == 2


# --- the check-in / check-out log, who and why --------------------------------------------------


async def test_the_log_of_an_item_out_and_in_and_returned(api: Api) -> None:
    client_id = await community_client_id(api)
    v = await registered_valuable(api, client_id)
    out = await _move(
        api, "checkOutValuable", v["valuableId"], "Bo Jeweller Ltd", "valuation for insurance"
    )
    assert out["valuable"]["status"] == "CHECKED_OUT" and out["valuable"]["held"] is True
    again = await _move(api, "checkOutValuable", v["valuableId"], "Someone", "twice")
    assert again["__typename"] == "InvalidStateProblem", again
    back = await _move(api, "checkInValuable", v["valuableId"], "Bo Jeweller Ltd", "valued at £400")
    assert back["valuable"]["status"] == "IN_SAFE"
    in_twice = await _move(api, "checkInValuable", v["valuableId"], "Someone", "twice")
    assert in_twice["__typename"] == "InvalidStateProblem", in_twice
    done = await _move(
        api, "returnValuable", v["valuableId"], "Ann Lee (daughter)", "client recovered"
    )
    final = done["valuable"]
    assert final["status"] == "RETURNED" and final["held"] is False
    assert [(m["number"], m["kind"], m["person"], m["reason"]) for m in final["movements"]] == [
        (1, "CHECK_IN", "Ann Lee (daughter)", "received for safe keeping (seed 002 B 24.1)"),
        (2, "CHECK_OUT", "Bo Jeweller Ltd", "valuation for insurance"),
        (3, "CHECK_IN", "Bo Jeweller Ltd", "valued at £400"),
        (4, "RETURN", "Ann Lee (daughter)", "client recovered"),
    ]
    after_return = await _move(api, "checkOutValuable", v["valuableId"], "Someone", "gone already")
    assert after_return["__typename"] == "InvalidStateProblem", after_return
    # only those still held with held: true
    kept = await registered_valuable(api, client_id, description="Pearl necklace")
    assert [x["valuableId"] for x in await _list(api, client_id, held=True)] == [kept["valuableId"]]
    assert len(await _list(api, client_id)) == 2
    moves = [
        r["action"]
        for r in await audit_rows(api, clientId=client_id)
        if r["entityType"] == "valuable"
    ]
    assert moves == ["register", "check_out", "check_in", "return", "register"]


async def test_a_movement_needs_who_and_why(api: Api) -> None:
    client_id = await community_client_id(api)
    v = await registered_valuable(api, client_id)
    result = await _move(api, "checkOutValuable", v["valuableId"], " ", "")
    assert set(_fields(result)) == {"person", "reason"}
    [still] = await _list(api, client_id)
    assert len(still["movements"]) == 1


async def test_a_move_runs_once_per_key(api: Api) -> None:
    client_id = await community_client_id(api)
    v = await registered_valuable(api, client_id)
    key = new_key()
    first = await _move(api, "checkOutValuable", v["valuableId"], "Bo", "valuation", key)
    second = await _move(api, "checkOutValuable", v["valuableId"], "Bo", "valuation", key)
    assert first["replayed"] is False and second["replayed"] is True
    assert len(second["valuable"]["movements"]) == 2
    reused = await _move(api, "checkOutValuable", v["valuableId"], "Other", "valuation", key)
    assert reused["__typename"] == "IdempotencyKeyReusedProblem", reused


# --- corrections are new records (R-AUD-2) ------------------------------------------------------


async def test_a_correction_is_a_new_record_with_its_reason(api: Api) -> None:
    client_id = await community_client_id(api)
    v = await registered_valuable(api, client_id)
    no_reason = await _correct(api, v["valuableId"], monetaryValue="400.00", reason=" ")
    assert "reason" in _fields(no_reason)
    same = await _correct(api, v["valuableId"], monetaryValue="350.00", reason="no change really")
    assert "nothing would change" in _fields(same)["reason"]
    photo = png_bytes(b"a better photograph")
    done = await _correct(
        api,
        v["valuableId"],
        monetaryValue="400.00",
        photo={"contentBase64": b64(photo)},
        reason="valued by Bo Jeweller Ltd at £400",
    )
    now = done["valuable"]
    assert now["monetaryValue"] == "400.00" and now["location"] == "Safe 1, envelope 14"
    assert now["photo"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert [(h["monetaryValue"], h["correctsPrevious"], h["reason"]) for h in now["history"]] == [
        ("350.00", False, None),
        ("400.00", True, "valued by Bo Jeweller Ltd at £400"),
    ]
    assert now["history"][0]["photo"]["sha256"] == v["photo"]["sha256"]
    [row] = [r for r in await audit_rows(api, clientId=client_id) if r["action"] == "correct"]
    assert row["entityId"] == raw(v["valuableId"]) and row["after"]["value"] == 40_000


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE valuable_record SET value = 1",
        "DELETE FROM valuable_movement",
        "UPDATE stored_file SET size = 1",
        "TRUNCATE valuable",
    ],
)
async def test_valuables_are_append_only(api: Api, db: RolledBackDatabase, sql: str) -> None:
    await registered_valuable(api, await community_client_id(api))
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(text(sql))


# --- once per key, audited, after a death ------------------------------------------------------


async def test_registering_runs_once_per_key_and_is_audited(api: Api) -> None:
    client_id = await community_client_id(api)
    variables = {"input": valuable_input(client_id)}
    first = (await api.data(REGISTER_VALUABLE, variables, **VALUABLE_OFFICER))["registerValuable"]
    second = (await api.data(REGISTER_VALUABLE, variables, **VALUABLE_OFFICER))["registerValuable"]
    assert first["replayed"] is False and second["replayed"] is True
    assert first["valuable"]["valuableId"] == second["valuable"]["valuableId"]
    assert len(await _list(api, client_id)) == 1
    variables["input"]["monetaryValue"] = "1.00"
    reused = (await api.data(REGISTER_VALUABLE, variables, **VALUABLE_OFFICER))["registerValuable"]
    assert reused["__typename"] == "IdempotencyKeyReusedProblem", reused
    rows = await audit_rows(api, clientId=client_id)
    [register] = [r for r in rows if r["action"] == "register"]
    assert register["principal"] == "ash.assistant"
    assert register["after"]["photo_sha256"] == first["valuable"]["photo"]["sha256"]
    assert [r["action"] for r in rows if r["entityType"] == "stored_file"] == ["store"]


async def test_valuables_are_still_taken_in_and_returned_after_a_death(api: Api) -> None:
    """Items found after a death are taken in; they go back to the executor (seed 002 B 29)."""
    client_id = await community_client_id(api)
    await confirmed_death(api, client_id, days_ago(5))
    v = await registered_valuable(api, client_id, receivedFrom="care home manager")
    done = await _move(
        api, "returnValuable", v["valuableId"], "Ed Lee, executor", "the estate (B 29.3)"
    )
    assert done["valuable"]["status"] == "RETURNED"


async def test_a_closed_case_takes_no_new_entries(api: Api) -> None:
    client_id = await community_client_id(api)
    v = await registered_valuable(api, client_id)
    # not closed while the item is held (R-ORD-5, B 27, recovery/): returned first
    held = await amend_client(api, client_id, {"status": "CLOSED"}, reason="case closed")
    assert held["__typename"] == "ValidationProblem", held
    back = await _move(api, "returnValuable", v["valuableId"], "the client", "case closing")
    assert back["valuable"]["status"] == "RETURNED", back
    closed = await amend_client(api, client_id, {"status": "CLOSED"}, reason="case closed")
    assert closed["__typename"] == "ClientPayload", closed
    refused = await register_valuable(api, client_id)
    assert refused["__typename"] == "InvalidStateProblem" and "CLOSED" in refused["message"]
    out = await _move(api, "checkInValuable", v["valuableId"], "Bo", "brought back")
    assert out["__typename"] == "InvalidStateProblem" and "CLOSED" in out["message"], out
    [still] = await _list(api, client_id)
    assert len(still["movements"]) == 2


async def test_an_unknown_client_or_valuable_is_not_found(api: Api) -> None:
    client_id = await community_client_id(api)
    await registered_valuable(api, client_id)
    other = encode_id("Valuable", uuid.uuid4())
    result = await _move(api, "checkOutValuable", other, "Bo", "why")
    assert result["__typename"] == "NotFoundProblem" and result["id"] == other, result
    unknown = encode_id("Client", uuid.uuid4())
    missing = await register_valuable(api, unknown)
    assert missing["__typename"] == "NotFoundProblem", missing


# --- roles (R-ROLE): casework records, officers and audit read, social workers see none --------


async def test_who_may_not_touch_valuables(api: Api) -> None:
    client_id = await community_client_id(api)
    v = await registered_valuable(api, client_id)
    for role in ("social_worker", "reporting", "integration_sap"):
        body = await api.gql(LIST, {"c": client_id, "held": False}, role=role)
        assert_forbidden(body, ["valuables"])
    for role in ("support_assistant", "auditor", "social_worker", "reporting"):
        body = await api.gql(REGISTER_VALUABLE, {"input": valuable_input(client_id)}, role=role)
        assert_forbidden(body, ["registerValuable"])
        for mutation, query in MOVES.items():
            variables = {
                "input": {
                    "valuableId": v["valuableId"],
                    "person": "x",
                    "reason": "y",
                    "idempotencyKey": new_key(),
                }
            }
            assert_forbidden(await api.gql(query, variables, role=role), [mutation])
        variables = {
            "input": {
                "valuableId": v["valuableId"],
                "monetaryValue": "1.00",
                "reason": "r",
                "idempotencyKey": new_key(),
            }
        }
        assert_forbidden(await api.gql(CORRECT, variables, role=role), ["correctValuable"])
    [still] = await _list(api, client_id)
    assert still["monetaryValue"] == "350.00" and len(still["movements"]) == 1

"""The outbox and the hand-off on appointment through the real /graphql endpoint (issue 12
item 3; R-REF-7, seed 002 B 4.1 and 4.5; R-ROLE-1, R-AUD-1, R-AUD-2).

A client's first order of either kind is the council's appointment: in the same transaction as
the order, one APPOINTED message goes to the Financial Assessment team and one to the Income
Recovery team. The BF56 sent to the DWP tells both teams too (APPLICATION_MADE, seed B 4.1).
Officers record a team e-mail sent, then acknowledged; an integration its own system's messages.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import unit_of_work
from ca_api.errors import ValidationFailed
from ca_api.orders import service as orders_service
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Recipient, Topic
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    OUTBOX_FIELDS,
    OUTBOX_MESSAGES,
    accepted_referral,
    assert_forbidden,
    audit_rows,
    community_client_id,
    new_deputyship,
    new_key,
    outbox_messages,
    raw,
    record_appointeeship,
    team_messages,
)

SCAO = {"role": "senior_officer", "sub": "olu.scao"}
PAYLOAD = f"""__typename
  ... on OutboxMessagePayload {{ replayed outboxMessage {{ {OUTBOX_FIELDS} }} }}
  {KEYED_PROBLEMS}"""
SENT = f"""mutation($input: RecordOutboxMessageSentInput!) {{
  recordOutboxMessageSent(input: $input) {{ {PAYLOAD} }} }}"""
ACKNOWLEDGED = f"""mutation($input: RecordOutboxMessageAcknowledgedInput!) {{
  recordOutboxMessageAcknowledged(input: $input) {{ {PAYLOAD} }} }}"""
BF56_SENT = """mutation($input: RecordAppointeeApplicationSentInput!) {
  recordAppointeeApplicationSent(input: $input) { __typename } }"""
TEAMS = {"FINANCIAL_ASSESSMENT", "INCOME_RECOVERY"}


async def appointed(api: Api) -> tuple[str, str]:
    """A client and their first order (an appointeeship): (client id, appointeeship id)."""
    client_id = await community_client_id(api)
    result = await record_appointeeship(api, client_id)
    assert result["__typename"] == "AppointeeshipPayload", result
    return client_id, str(result["appointeeship"]["id"])


async def deliver(
    api: Api, document: str, message_id: str, key: str | None = None, **who: Any
) -> dict[str, Any]:
    variables = {
        "input": {"id": message_id, "note": "e-mailed", "idempotencyKey": key or new_key()}
    }
    data = await api.data(document, variables, **(who or SCAO))
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def test_a_first_appointeeship_tells_both_teams_once_each(api: Api) -> None:
    """R-REF-7: one APPOINTED message to each team, about the appointeeship, PENDING."""
    client_id, appointeeship_id = await appointed(api)
    messages = await team_messages(api, clientId=client_id)
    assert {m["recipient"] for m in messages} == TEAMS and len(messages) == 2
    for m in messages:
        assert (m["topic"], m["state"], m["subjectType"]) == (
            "APPOINTED",
            "PENDING",
            "Appointeeship",
        )
        assert m["subjectId"] == appointeeship_id
        assert m["createdBy"] == SCAO["sub"]
        assert (m["sentAt"], m["acknowledgedAt"], m["deliveries"]) == (None, None, [])
        # No more personal data than the team needs: the case reference and the name.
        assert set(m["payload"]) == {
            "client_reference",
            "client_name",
            "order",
            "order_id",
            "in_force_from",
            "invoices_held",
        }
        assert m["payload"]["order"] == "APPOINTEESHIP"
        assert m["payload"]["client_reference"].startswith("CA")
    first, second = messages
    assert first["sequence"] < second["sequence"]
    # The appointeeship's one audit row names the messages it emitted (R-AUD-1).
    [row] = await audit_rows(api, entityId=raw(appointeeship_id))
    assert row["action"] == "record"
    on_appointment = row["after"]["on_appointment"]
    # ... the teams' and SAP's and Controcc's feeds' (issue 17 item 3)
    everyone = await outbox_messages(api, clientId=client_id)
    assert {m["recipient"] for m in everyone} == TEAMS | {"SAP", "CONTROCC"}
    assert set(on_appointment["outbox_messages"]) == {raw(m["id"]) for m in everyone}
    assert on_appointment["invoices_held"] == []


async def test_a_later_order_or_an_amendment_is_no_new_appointment(api: Api) -> None:
    """Only the first order of either kind is the appointment: a deputyship after the
    appointeeship, or an amendment, emits nothing more."""
    client_id, _ = await appointed(api)
    await new_deputyship(api, client_id)
    messages = await team_messages(api, clientId=client_id)
    assert [m["topic"] for m in messages] == ["APPOINTED", "APPOINTED"]
    assert {m["subjectType"] for m in messages} == {"Appointeeship"}


async def test_a_first_deputyship_is_the_appointment(api: Api) -> None:
    """Seed B 4.5: "Appointeeship and/or Deputyship are granted"."""
    client_id = await community_client_id(api)
    deputyship = await new_deputyship(api, client_id)
    messages = await team_messages(api, clientId=client_id, topic="APPOINTED")
    assert {(m["recipient"], m["subjectType"]) for m in messages} == {
        ("FINANCIAL_ASSESSMENT", "Deputyship"),
        ("INCOME_RECOVERY", "Deputyship"),
    }
    assert {m["subjectId"] for m in messages} == {deputyship["id"]}
    assert {m["payload"]["order"] for m in messages} == {"DEPUTYSHIP"}


async def test_an_order_that_fails_after_the_hand_off_leaves_no_message(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The messages are written in the order's transaction: when the recording fails after
    them, neither the order nor any message is left."""

    async def fail(self: Any, session: AsyncSession, record_id: uuid.UUID) -> Any:
        raise ValidationFailed({"appointeeship": "failed after the hand-off (test)"})

    client_id = await community_client_id(api)
    monkeypatch.setattr(orders_service.OrderKind, "read", fail)
    result = await record_appointeeship(api, client_id)
    assert result["__typename"] == "ValidationProblem", result
    monkeypatch.undo()
    assert await team_messages(api, clientId=client_id) == []
    data = await api.data(
        "query($id: ID!) { client(id: $id) { appointeeships { id } } }", {"id": client_id}, **SCAO
    )
    assert data["client"]["appointeeships"] == []
    # And once it succeeds, both messages exist together with the appointeeship.
    result = await record_appointeeship(api, client_id)
    assert result["__typename"] == "AppointeeshipPayload", result
    assert len(await team_messages(api, clientId=client_id)) == 2


async def test_a_refused_order_emits_nothing(api: Api) -> None:
    client_id = await community_client_id(api)
    result = await record_appointeeship(api, client_id, startDate="2999-01-01")
    assert result["__typename"] == "ValidationProblem", result
    assert await team_messages(api, clientId=client_id) == []


async def test_the_bf56_sent_tells_both_teams_and_a_replay_tells_them_nothing_twice(
    api: Api,
) -> None:
    """Seed 002 B 4.1: once the team applied for appointeeship, both teams are told."""
    rid, client_id = await accepted_referral(api)
    variables = {
        "input": {
            "referralId": rid,
            "sentOn": clock.today().isoformat(),
            "idempotencyKey": new_key(),
        }
    }
    for _ in range(2):  # the same request twice: replayed, nothing emitted again
        data = await api.data(BF56_SENT, variables, role="assistant", sub="ash.assistant")
        assert data["recordAppointeeApplicationSent"]["__typename"] == "AppointeeApplicationPayload"
    messages = await team_messages(api, clientId=client_id)
    assert {(m["topic"], m["recipient"]) for m in messages} == {
        ("APPLICATION_MADE", "FINANCIAL_ASSESSMENT"),
        ("APPLICATION_MADE", "INCOME_RECOVERY"),
    }
    assert len(messages) == 2
    assert {m["subjectType"] for m in messages} == {"AppointeeApplication"}
    assert {m["payload"]["sent_on"] for m in messages} == {clock.today().isoformat()}


async def test_a_team_message_is_sent_then_acknowledged_each_once(api: Api) -> None:
    client_id, _ = await appointed(api)
    message = (await outbox_messages(api, clientId=client_id, recipient="INCOME_RECOVERY"))[0]
    early = await deliver(api, ACKNOWLEDGED, message["id"])
    assert early["__typename"] == "InvalidStateProblem", early
    assert "PENDING" in early["message"]
    key = new_key()
    sent = await deliver(api, SENT, message["id"], key)
    assert sent["__typename"] == "OutboxMessagePayload", sent
    m = sent["outboxMessage"]
    assert (m["state"], m["sentBy"], m["acknowledgedAt"]) == ("SENT", SCAO["sub"], None)
    again = await deliver(api, SENT, message["id"], key)
    assert again["replayed"] is True and again["outboxMessage"]["deliveries"] == m["deliveries"]
    twice = await deliver(api, SENT, message["id"])
    assert twice["__typename"] == "InvalidStateProblem", twice
    gm = {"role": "governance_manager", "sub": "grace.tgm"}
    acked = await deliver(api, ACKNOWLEDGED, message["id"], **gm)
    assert acked["__typename"] == "OutboxMessagePayload", acked
    m = acked["outboxMessage"]
    assert (m["state"], m["acknowledgedBy"]) == ("ACKNOWLEDGED", "grace.tgm")
    assert [d["state"] for d in m["deliveries"]] == ["SENT", "ACKNOWLEDGED"]
    # The state filter reads the same deliveries.
    by_state = {
        s: {x["id"] for x in await team_messages(api, clientId=client_id, state=s)}
        for s in ("PENDING", "SENT", "ACKNOWLEDGED")
    }
    assert by_state["ACKNOWLEDGED"] == {message["id"]}
    assert message["id"] not in by_state["PENDING"] | by_state["SENT"]
    assert len(by_state["PENDING"]) == 1
    actions = [r["action"] for r in await audit_rows(api, entityId=raw(message["id"]))]
    assert actions == ["sent", "acknowledged"]


async def test_an_unknown_message_is_not_found(api: Api) -> None:
    result = await deliver(api, SENT, encode_id("OutboxMessage", uuid.uuid4()))
    assert result["__typename"] == "NotFoundProblem", result


async def sap_message(session: AsyncSession, client_id: str) -> str:
    """A message to SAP, as a later integration will emit one (through the service)."""
    actor = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER})), "test-outbox")
    cid = decode_uuid("Client", client_id)
    async with unit_of_work(session):
        mid = await outbox.emit(
            session,
            actor,
            topic=Topic.APPOINTED,
            recipient=Recipient.SAP,
            client_id=cid,
            subject_type="Client",
            subject_id=cid,
            payload={"client_reference": "test"},
        )
    assert mid is not None
    return encode_id("OutboxMessage", mid)


async def test_an_integration_reads_and_delivers_its_own_systems_messages_only(
    api: Api, session: AsyncSession
) -> None:
    client_id, _ = await appointed(api)
    sap_id = await sap_message(session, client_id)
    sap = {"role": "integration_sap", "sub": "sap"}
    controcc = {"role": "integration_controcc", "sub": "controcc"}
    seen = await outbox_messages(api, clientId=client_id, **sap)
    # not the teams' messages: its own (the appointment, issue 17, and the one emitted here)
    assert {m["recipient"] for m in seen} == {"SAP"} and seen[-1]["id"] == sap_id
    theirs = await outbox_messages(api, clientId=client_id, **controcc)
    assert {m["recipient"] for m in theirs} == {"CONTROCC"} and sap_id not in str(theirs)
    team = (await outbox_messages(api, clientId=client_id, recipient="INCOME_RECOVERY"))[0]
    hidden = await deliver(api, SENT, team["id"], **sap)
    assert hidden["__typename"] == "NotFoundProblem", hidden
    hidden = await deliver(api, SENT, sap_id, **controcc)
    assert hidden["__typename"] == "NotFoundProblem", hidden
    # A senior officer reads the SAP message but does not record its delivery: SAP does.
    body = await api.gql(SENT, {"input": {"id": sap_id, "idempotencyKey": new_key()}}, **SCAO)
    assert_forbidden(body, ["recordOutboxMessageSent"])
    sent = await deliver(api, SENT, sap_id, **sap)
    assert sent["outboxMessage"]["state"] == "SENT" and sent["outboxMessage"]["sentBy"] == "sap"


async def test_a_message_is_a_node(api: Api) -> None:
    client_id, _ = await appointed(api)
    message = (await team_messages(api, clientId=client_id))[0]
    query = "query($id: ID!) { node(id: $id) { ... on OutboxMessage { id topic recipient } } }"
    data = await api.data(query, {"id": message["id"]}, role="auditor", sub="audrey")
    assert data["node"]["recipient"] == message["recipient"]
    body = await api.gql(query, {"id": message["id"]}, role="assistant", sub="ash")
    assert "errors" in body and body["data"]["node"] is None


@pytest.mark.parametrize(
    "role", ["support_assistant", "assistant", "senior_assistant", "reporting", "social_worker"]
)
async def test_who_may_not_read_the_outbox(api: Api, role: str) -> None:
    body = await api.gql(OUTBOX_MESSAGES, {"filter": None}, role=role, sub="nobody")
    assert_forbidden(body, ["outboxMessages"])


@pytest.mark.parametrize(
    "role",
    ["support_assistant", "assistant", "senior_assistant", "auditor", "reporting", "social_worker"],
)
async def test_who_may_not_record_a_delivery(api: Api, role: str) -> None:
    client_id, _ = await appointed(api)
    message = (await team_messages(api, clientId=client_id))[0]
    for document, field in (
        (SENT, "recordOutboxMessageSent"),
        (ACKNOWLEDGED, "recordOutboxMessageAcknowledged"),
    ):
        body = await api.gql(
            document,
            {"input": {"id": message["id"], "idempotencyKey": new_key()}},
            role=role,
            sub="nobody",
        )
        assert_forbidden(body, [field])
    after = (await team_messages(api, clientId=client_id))[0]
    assert after["state"] == "PENDING" and after["deliveries"] == []

"""The change feed of the council's systems through the real /graphql endpoint with real
integration tokens (issue 17 item 3; R-ROLE, R-PAY-3, R-PAY-4, R-AUD-1, R-AUD-2).

Each integration reads its own feed (``outboxMessages``) with a cursor, in sequence order, and
acknowledges what it has processed up to a cursor (``acknowledgeOutboxMessages``); reading again
from its cursor gives exactly the rest. SAP hears a payment made to the council once, whatever
retries; Controcc never reads SAP's events, nor SAP Controcc's.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid
from ca_api.db import unit_of_work
from ca_api.outbox import events, postings
from ca_api.outbox.rules import FACTS, Recipient, Topic
from tests.conftest import Api
from tests.factories import (
    approve_payment,
    audit_rows,
    check_all,
    council_invoice,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    raised_payment,
    raw,
)

SAP = {"role": "integration_sap", "sub": "sap"}
CONTROCC = {"role": "integration_controcc", "sub": "controcc"}
FEED = """query($first: Int, $after: String, $filter: OutboxMessageFilter) {
  outboxMessages(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id sequence topic recipient subjectType subjectId payload state
      acknowledgedBy } }
    pageInfo { hasNextPage endCursor } } }"""
ACK = """mutation($input: AcknowledgeOutboxMessagesInput!) {
  acknowledgeOutboxMessages(input: $input) { __typename
    ... on OutboxAcknowledgementPayload { replayed acknowledgement { recipient upToSequence
      cursor acknowledgedCount recordedBy recordedAt } }
    ... on ValidationProblem { code message fields { field message } }
    ... on IdempotencyKeyReusedProblem { key } } }"""
POSITION = "{ outboxFeedPosition { recipient upToSequence cursor acknowledgedCount recordedBy } }"


async def feed(
    api: Api, who: dict[str, str], *, after: str | None = None, first: int = 100, **flt: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    data = await api.data(FEED, {"first": first, "after": after, "filter": flt or None}, **who)
    conn = data["outboxMessages"]
    return conn["edges"], conn["pageInfo"]


async def acknowledge(
    api: Api, who: dict[str, str], up_to: str, key: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"upTo": up_to, "idempotencyKey": key or new_key()}}
    result: dict[str, Any] = (await api.data(ACK, variables, **who))["acknowledgeOutboxMessages"]
    return result


SYSTEM = Actor(Principal("feed.test", frozenset({Role.SENIOR_OFFICER})), "req-feed")


async def emitted(
    session: AsyncSession, client_id: str, recipient: Recipient, topic: Topic, count: int
) -> None:
    """``count`` events of ``topic`` for ``recipient`` about new subjects of the client."""
    cid = decode_uuid("Client", client_id)
    async with unit_of_work(session):
        batch = [
            events.Event(topic, cid, "Payment", uuid.uuid4(), dict.fromkeys(FACTS[topic], n))
            for n in range(count)
        ]
        await events.tell(session, SYSTEM, batch, [recipient])


async def paid_council_invoice(
    api: Api, session: AsyncSession, make_key: str | None = None
) -> tuple[dict[str, str], str, str]:
    """A council care charge sent by SAP, checked, paid and made: (client, invoice, payment)."""
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council, amount="250.00")
    await check_all(api, invoice_id)
    await fund(session, api, client, 100_000)
    payment = await raised_payment(api, invoice_id)
    assert (await approve_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    made = await make_payment(api, payment["id"], key=make_key)
    assert made["__typename"] == "PaymentPayload", made
    return client, invoice_id, str(payment["id"])


async def test_a_payment_made_to_the_council_is_in_sap_feed_once(
    api: Api, session: AsyncSession
) -> None:
    """R-PAY-4: SAP clears its invoice from the feed; a retried makePayment with the same key
    replays and tells nothing twice; Controcc never sees it."""
    key = new_key()
    client, invoice_id, payment_id = await paid_council_invoice(api, session, make_key=key)
    again = await make_payment(api, payment_id, key=key)
    assert again["__typename"] == "PaymentPayload" and again["replayed"] is True
    edges, _ = await feed(api, SAP, clientId=client["id"])
    made = [e["node"] for e in edges if e["node"]["topic"] == "PAYMENT_MADE_TO_COUNCIL"]
    assert len(made) == 1
    [m] = made
    assert (m["recipient"], m["subjectType"], m["subjectId"]) == ("SAP", "Payment", payment_id)
    body = m["payload"]
    assert (body["topic"], body["version"]) == ("PAYMENT_MADE_TO_COUNCIL", 1)
    assert body["client_reference"].startswith("CA")
    assert body["facts"]["amount"] == 25_000 and body["facts"]["invoice_kind"] == (
        "COUNCIL_CARE_CONTRIBUTION"
    )
    assert body["facts"]["invoice_id"] == invoice_id  # the API's own opaque id
    # no personal data beyond the council's reference (R-ROLE)
    assert "client_name" not in body and "client_name" not in body["facts"]
    controcc, _ = await feed(api, CONTROCC, clientId=client["id"])
    assert controcc == []
    # The payment's one audit row of its making names the message (R-AUD-1).
    rows = await audit_rows(api, entityId=raw(payment_id))
    [make_row] = [r for r in rows if r["action"] == "make"]
    assert make_row["after"]["outbox_messages"] == [raw(m["id"])]


async def test_sap_acknowledges_part_and_reads_exactly_the_rest(
    api: Api, session: AsyncSession
) -> None:
    """Read with a cursor, acknowledge up to the third message, read again from the cursor:
    exactly the rest, in sequence order; the acknowledgement recorded once, with who and when;
    its own messages only (Controcc's untouched)."""
    client = await new_client(api)
    await emitted(session, client["id"], Recipient.SAP, Topic.FEE_CHARGED, 5)
    await emitted(session, client["id"], Recipient.CONTROCC, Topic.BANK_BALANCE, 2)
    edges, page = await feed(api, SAP, first=3, clientId=client["id"])
    assert len(edges) == 3 and page["hasNextPage"] is True
    seqs = [e["node"]["sequence"] for e in edges]
    assert seqs == sorted(seqs)
    key = new_key()
    done = await acknowledge(api, SAP, page["endCursor"], key)
    assert done["__typename"] == "OutboxAcknowledgementPayload", done
    ack = done["acknowledgement"]
    assert (ack["recipient"], ack["upToSequence"], ack["recordedBy"]) == ("SAP", seqs[-1], "sap")
    assert ack["acknowledgedCount"] >= 3 and ack["cursor"] == page["endCursor"]
    # the same request again: replayed, nothing acknowledged twice
    again = await acknowledge(api, SAP, page["endCursor"], key)
    assert again["replayed"] is True and again["acknowledgement"] == ack
    # SAP picks up where it stands, and reads exactly the rest
    position = (await api.data(POSITION, **SAP))["outboxFeedPosition"]
    assert position["cursor"] == page["endCursor"]
    rest, page2 = await feed(api, SAP, after=position["cursor"], clientId=client["id"])
    assert [e["node"]["sequence"] for e in rest] == [
        e["node"]["sequence"] for e in (await feed(api, SAP, clientId=client["id"]))[0]
    ][3:]
    assert len(rest) == 2 and page2["hasNextPage"] is False
    assert all(e["node"]["state"] == "PENDING" for e in rest)
    first, _ = await feed(api, SAP, first=3, clientId=client["id"])
    assert {e["node"]["state"] for e in first} == {"ACKNOWLEDGED"}
    assert {e["node"]["acknowledgedBy"] for e in first} == {"sap"}
    # Controcc's own are untouched, and it cannot acknowledge up to SAP's cursor
    theirs, _ = await feed(api, CONTROCC, clientId=client["id"])
    assert [e["node"]["topic"] for e in theirs] == ["BANK_BALANCE", "BANK_BALANCE"]
    assert {e["node"]["state"] for e in theirs} == {"PENDING"}
    refused = await acknowledge(api, CONTROCC, rest[0]["cursor"])
    assert refused["__typename"] == "ValidationProblem", refused
    # Acknowledging everything: the rest, once
    last = await acknowledge(api, SAP, rest[-1]["cursor"])
    assert last["acknowledgement"]["upToSequence"] == rest[-1]["node"]["sequence"]
    rows = await audit_rows(api, entityType="outbox_acknowledgement")
    assert [r["action"] for r in rows] == ["acknowledge", "acknowledge"]
    assert {r["principal"] for r in rows} == {"sap"}


async def test_a_bad_cursor_is_refused(api: Api) -> None:
    result = await acknowledge(api, SAP, "bm90IGEgY3Vyc29y")
    assert result["__typename"] == "ValidationProblem", result


async def test_who_reads_and_acknowledges_the_feed(api: Api, session: AsyncSession) -> None:
    """R-ROLE-1: an assistant may not read the feed; an officer may not acknowledge a system's
    feed (that is the system's); neither reads where a system stands."""
    client = await new_client(api)
    await emitted(session, client["id"], Recipient.SAP, Topic.FEE_CHARGED, 1)
    for role in ("assistant", "social_worker", "reporting"):
        body = await api.gql(FEED, {"first": 10}, role=role, sub="x")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    edges, _ = await feed(api, SAP, clientId=client["id"])
    for role in ("senior_officer", "auditor"):
        variables = {"input": {"upTo": edges[0]["cursor"], "idempotencyKey": new_key()}}
        body = await api.gql(ACK, variables, role=role, sub="x")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        body = await api.gql(POSITION, role=role, sub="x")
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body


async def test_sap_postings_of_a_day_as_csv(api: Api, session: AsyncSession) -> None:
    """SAP's postings CSV (docs/integration_events.md): its header, and the payment made to the
    council today as a row with its amount; refused without a token and to other roles."""
    client, _, payment_id = await paid_council_invoice(api, session)
    today = clock.today().isoformat()
    url = f"/integrations/sap/postings.csv?date={today}"
    resp = await api.client.get(url, headers={"Authorization": f"Bearer {api.token(**SAP)}"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == postings.HEADER
    reference = (await feed(api, SAP, clientId=client["id"]))[0][0]["node"]["payload"][
        "client_reference"
    ]
    mine = [r for r in rows[1:] if r[3] == reference]
    assert len(mine) == 1
    row = dict(zip(postings.HEADER, mine[0], strict=True))
    assert (row["posting_date"], row["topic"], row["amount"]) == (
        today,
        "PAYMENT_MADE_TO_COUNCIL",
        "250.00",
    )
    assert row["subject_id"] == payment_id  # as the feed's subjectId
    # a senior officer reads it too
    officer = api.token("senior_officer", "olu.scao")
    resp = await api.client.get(url, headers={"Authorization": f"Bearer {officer}"})
    assert resp.status_code == 200
    assert (await api.client.get(url)).status_code == 401
    for role in ("integration_controcc", "assistant", "reporting"):
        other = {"Authorization": f"Bearer {api.token(role, 'x')}"}
        assert (await api.client.get(url, headers=other)).status_code == 403, role
    bad = await api.client.get(
        "/integrations/sap/postings.csv?date=yesterday",
        headers={"Authorization": f"Bearer {api.token(**SAP)}"},
    )
    assert bad.status_code == 400

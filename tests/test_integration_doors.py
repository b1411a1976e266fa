"""Doors the feed missed (issue 17 item 3: "for every event ask where else the same thing can
happen"): a reversal of a posting SAP already heard of is told to SAP as POSTING_REVERSED,
naming the original event; a reversal of anything SAP never heard of is not told."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import fund, new_key
from tests.test_integration_feed import CONTROCC, SAP, feed, paid_council_invoice

REVERSE = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
  __typename ... on TransferPayload { transfer { id } } ... on Problem { code message } } }"""
GOVERNANCE = {"role": "governance_manager", "sub": "gill.governance"}


async def _reverse(api: Api, transfer_id: str, key: str) -> dict[str, Any]:
    """Reverse the transfer of opaque id ``transfer_id`` (as events name it)."""
    variables = {
        "input": {
            "transferId": transfer_id,
            "reason": "paid to the wrong council account",
            "idempotencyKey": key,
        }
    }
    result: dict[str, Any] = (await api.data(REVERSE, variables, **GOVERNANCE))["reverseTransfer"]
    return result


async def test_sap_hears_a_reversal_of_a_payment_it_heard_of_once(
    api: Api, session: AsyncSession
) -> None:
    client, _invoice_id, payment_id = await paid_council_invoice(api, session)
    edges, _ = await feed(api, SAP, clientId=client["id"])
    [made] = [e["node"] for e in edges if e["node"]["topic"] == "PAYMENT_MADE_TO_COUNCIL"]
    transfer_id = made["payload"]["facts"]["transfer_id"]
    key = new_key()
    reversed_ = await _reverse(api, transfer_id, key)
    assert reversed_["__typename"] == "TransferPayload", reversed_
    again = await _reverse(api, transfer_id, key)  # a retry with the key: told once
    assert again["__typename"] == "TransferPayload", again
    edges, _ = await feed(api, SAP, clientId=client["id"])
    told = [e["node"] for e in edges if e["node"]["topic"] == "POSTING_REVERSED"]
    assert len(told) == 1
    [m] = told
    facts = m["payload"]["facts"]
    assert facts["reverses_transfer_id"] == transfer_id
    assert facts["reverses_topic"] == "PAYMENT_MADE_TO_COUNCIL"
    assert facts["reverses_subject_id"] == made["payload"]["facts"]["payment_id"]
    assert facts["reverses_sequence"] == made["sequence"]
    assert facts["amount"] == 25_000
    assert m["subjectType"] == "Transfer" and m["sequence"] > made["sequence"]
    assert "reason" not in facts  # the officer's reason is casework (R-ROLE)
    assert m["payload"]["external_references"] == made["payload"]["external_references"]
    assert payment_id
    edges, _ = await feed(api, CONTROCC, clientId=client["id"])
    assert not [e for e in edges if e["node"]["topic"] == "POSTING_REVERSED"]


async def test_a_reversal_sap_never_heard_of_is_not_told(api: Api, session: AsyncSession) -> None:
    """Money in from the DWP (fund, in paid_council_invoice) was never told to SAP: reversing
    it tells SAP nothing."""
    client, _invoice_id, _payment_id = await paid_council_invoice(api, session)
    await fund(session, api, client, 1_000)
    heard = {
        e["node"]["payload"]["facts"].get("transfer_id")
        for e in (await feed(api, SAP, clientId=client["id"]))[0]
    }
    transfers = await api.data(
        """query($id: ID!) { client(id: $id) { id } }""", {"id": client["id"]}, role="assistant"
    )
    assert transfers["client"]["id"] == client["id"]
    from sqlalchemy import select

    from ca_api.common.ids import decode_uuid
    from ca_api.ledger.models import Transfer

    stmt = (
        select(Transfer.id)
        .where(
            Transfer.client_id == decode_uuid("Client", client["id"]),
            Transfer.category.like("IN_%"),
            Transfer.amount == 1_000,
        )
        .limit(1)
    )
    row = (await session.execute(stmt)).one()
    assert encode_id("Transfer", row.id) not in heard
    done = await _reverse(api, encode_id("Transfer", row.id), new_key())
    assert done["__typename"] == "TransferPayload", done
    edges, _ = await feed(api, SAP, clientId=client["id"])
    assert not [e for e in edges if e["node"]["topic"] == "POSTING_REVERSED"]

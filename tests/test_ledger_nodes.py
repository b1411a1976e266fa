"""The ledger's node types (issue 11 item 3): a client's account, a transfer and a counterparty
refetched by node(id:) as their own lists show them; a transfer's accounts and the transfer it
reverses as object fields. Through the real endpoint; denials are tests/test_node.py's."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.factories import care_client_id, new_key, new_payer, receipt_input, record_receipt

NODE = "query ($id: ID!) { node(id: $id) { __typename id ...F } }"
ACCOUNT = "fragment F on LedgerAccount { kind name balance held available }"
TRANSFER = """fragment F on Transfer {
  kind amount fromAccountId toAccountId valueDate category description recordedBy
}"""
COUNTERPARTY = "fragment F on Counterparty { kind name reference isCouncilEmployee }"
ACCOUNTS = (
    "query ($id: ID!) { clientAccounts(clientId: $id) { id kind name balance held available } }"
)
STATEMENT = """query ($id: ID!) { accountStatement(accountId: $id) { edges { node { transfer {
  id kind amount fromAccountId toAccountId valueDate category description recordedBy
  fromAccount { id } toAccount { id kind } reverses { id } pending { id }
} } } } }"""
REVERSE = """mutation ($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
  __typename ... on TransferPayload { transfer { id reversesId reverses { id amount }
    fromAccount { id } toAccount { id } } } } }"""


async def _node(api: Api, fragment: str, global_id: str) -> dict[str, Any]:
    data = await api.data(f"{NODE}\n{fragment}", {"id": global_id}, role="auditor", sub="aud")
    node: dict[str, Any] = data["node"]
    return node


async def _money_in(api: Api) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A client with money received from the DWP: (client id, CMS account, receipt)."""
    client_id = await care_client_id(api)
    dwp = await new_payer(api, "DWP")
    receipt = (await record_receipt(api, receipt_input(client_id, dwp)))["receipt"]
    accounts = (await api.data(ACCOUNTS, {"id": client_id}, role="auditor"))["clientAccounts"]
    [cms] = [a for a in accounts if a["kind"] == "CLIENT_CMS"]
    return client_id, cms, receipt


async def test_a_client_account_is_refetched_by_node_as_clientaccounts_shows_it(api: Api) -> None:
    _, cms, _ = await _money_in(api)
    assert await _node(api, ACCOUNT, cms["id"]) == {"__typename": "LedgerAccount", **cms}


async def test_a_transfer_is_refetched_by_node_as_the_statement_shows_it(api: Api) -> None:
    _, cms, receipt = await _money_in(api)
    data = await api.data(STATEMENT, {"id": cms["id"]}, role="auditor")
    [edge] = data["accountStatement"]["edges"]
    line = edge["node"]["transfer"]
    assert line["id"] == receipt["transfer"]["id"]
    found = await _node(api, TRANSFER, line["id"])
    refs = ("fromAccount", "toAccount", "reverses", "pending")
    assert found == {"__typename": "Transfer"} | {k: v for k, v in line.items() if k not in refs}


async def test_a_transfer_refers_to_the_client_account_it_moved_money_to(api: Api) -> None:
    _, cms, _ = await _money_in(api)
    data = await api.data(STATEMENT, {"id": cms["id"]}, role="auditor")
    [edge] = data["accountStatement"]["edges"]
    transfer = edge["node"]["transfer"]
    assert transfer["toAccount"] == {"id": cms["id"], "kind": "CLIENT_CMS"}
    assert transfer["toAccountId"] == cms["id"]
    # the DWP's account is a counterparty's: no lookup shows it
    assert transfer["fromAccount"] is None
    assert transfer["reverses"] is None and transfer["pending"] is None


async def test_a_reversal_refers_to_the_transfer_it_corrects(api: Api) -> None:
    _, cms, receipt = await _money_in(api)
    original = receipt["transfer"]
    data = await api.data(
        REVERSE,
        {
            "input": {
                "transferId": original["id"],
                "reason": "paid to the wrong client",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_officer",
        sub="olu",
    )
    reversal = data["reverseTransfer"]["transfer"]
    assert reversal["reversesId"] == original["id"]
    assert reversal["reverses"] == {"id": original["id"], "amount": original["amount"]}
    assert reversal["fromAccount"] == {"id": cms["id"]}
    assert reversal["toAccount"] is None


async def test_a_counterparty_is_refetched_by_node_as_counterparties_lists_it(api: Api) -> None:
    dwp = await new_payer(api, "DWP")
    listed = await api.data(
        """query { counterparties(kind: DWP, first: 100) { edges { node {
             id kind name reference isCouncilEmployee } } } }""",
        role="auditor",
    )
    [mine] = [e["node"] for e in listed["counterparties"]["edges"] if e["node"]["id"] == dwp]
    assert await _node(api, COUNTERPARTY, dwp) == {"__typename": "Counterparty", **mine}

"""The lodgements' node types (issue 11 item 3): a lodgement, a Court Funds withdrawal and a
Court Funds interest run refetched by node(id:) as their own list or payload shows them; a
lodgement's client, decision and transfer and a withdrawal's client and transfer as object
fields. Through the real endpoint; denials are tests/test_node.py's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import (
    LODGEMENT_FIELDS,
    LODGING_OFFICER,
    approve_as,
    deputy_client,
    fund_for_lodgement,
    lodge,
    new_key,
    proposed_lodgement,
)

NODE = "query ($id: ID!) { node(id: $id) { __typename ...F } }"
LODGEMENT = f"""{LODGEMENT_FIELDS} client {{ id }} decision {{ id kind status amount }}
  transfer {{ id amount category fromAccountId toAccountId }}"""
LODGEMENTS = f"""query ($client: ID) {{ lodgements(clientId: $client) {{ edges {{ node {{
  {LODGEMENT} }} }} }} }}"""
WITHDRAWAL = """id clientId transferId amount reason recordedBy recordedAt
  client { id } transfer { id amount toAccountId }"""
WITHDRAW = f"""mutation ($input: WithdrawFromCourtFundsInput!) {{
  withdrawFromCourtFunds(input: $input) {{
  __typename ... on CourtFundsWithdrawalPayload {{ withdrawal {{ {WITHDRAWAL} }} }} }} }}"""
RUN_FIELDS = "id periodStart periodEnd accounts total runBy"


async def _node(api: Api, fragment: str, global_id: str, **who: Any) -> dict[str, Any]:
    data = await api.data(f"{NODE}\n{fragment}", {"id": global_id}, **(who or {"role": "auditor"}))
    node: dict[str, Any] = data["node"]
    return node


async def _lodged(api: Api, session: AsyncSession) -> tuple[str, dict[str, Any]]:
    """A deputy client with £30,000 lodged (of £40,000): (client id, the lodgement listed)."""
    client = await deputy_client(api)
    await fund_for_lodgement(session, client, 4_000_000)
    lodgement = await proposed_lodgement(api, client)
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    assert (await lodge(api, lodgement["id"]))["__typename"] == "LodgementPayload"
    listed = await api.data(LODGEMENTS, {"client": client}, role="auditor")
    [found] = [e["node"] for e in listed["lodgements"]["edges"]]
    return client, found


async def test_a_lodgement_is_refetched_by_node_as_lodgements_lists_it(
    api: Api, session: AsyncSession
) -> None:
    _, listed = await _lodged(api, session)
    fragment = f"fragment F on Lodgement {{ {LODGEMENT} }}"
    assert await _node(api, fragment, listed["id"]) == {"__typename": "Lodgement", **listed}


async def test_a_lodgement_refers_to_its_client_decision_and_transfer(
    api: Api, session: AsyncSession
) -> None:
    client, lodgement = await _lodged(api, session)
    assert lodgement["client"] == {"id": client}
    assert lodgement["decision"] == {
        "id": lodgement["decisionId"],
        "kind": "INVESTMENT_PLAN",
        "status": "APPROVED",
        "amount": "30000.00",
    }
    transfer = lodgement["transfer"]
    assert transfer["id"] == lodgement["transferId"]
    assert (transfer["amount"], transfer["category"]) == (
        "30000.00",
        "TRANSFER_BETWEEN_OWN_ACCOUNTS",
    )


async def test_a_proposed_lodgement_has_no_transfer(api: Api, session: AsyncSession) -> None:
    client = await deputy_client(api)
    await fund_for_lodgement(session, client, 4_000_000)
    await proposed_lodgement(api, client)
    listed = await api.data(LODGEMENTS, {"client": client}, role="auditor")
    [found] = [e["node"] for e in listed["lodgements"]["edges"]]
    assert found["transferId"] is None and found["transfer"] is None
    assert found["decision"]["status"] == "RAISED"


async def test_a_withdrawal_is_refetched_by_node_and_refers_to_its_client_and_transfer(
    api: Api, session: AsyncSession
) -> None:
    client, _ = await _lodged(api, session)
    variables = {
        "input": {
            "clientId": client,
            "amount": "2500.00",
            "reason": "Care home fees",
            "idempotencyKey": new_key(),
        }
    }
    made = await api.data(WITHDRAW, variables, **LODGING_OFFICER)
    withdrawal = made["withdrawFromCourtFunds"]["withdrawal"]
    assert withdrawal["client"] == {"id": client}
    assert withdrawal["transfer"]["id"] == withdrawal["transferId"]
    assert withdrawal["transfer"]["amount"] == "2500.00"
    fragment = f"fragment F on CourtFundsWithdrawal {{ {WITHDRAWAL} }}"
    found = await _node(api, fragment, withdrawal["id"], **LODGING_OFFICER)
    assert found == {"__typename": "CourtFundsWithdrawal", **withdrawal}


async def test_a_court_funds_interest_run_is_refetched_by_node_as_its_list_shows_it(
    api: Api,
) -> None:
    made = await api.data(
        f"""mutation ($input: PostCourtFundsInterestInput!) {{
             postCourtFundsInterest(input: $input) {{ __typename
             ... on CourtFundsInterestRunPayload {{ run {{ {RUN_FIELDS} }} }} }} }}""",
        {
            "input": {
                "periodStart": "2014-04-01",
                "periodEnd": "2014-04-30",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_officer",
        sub="olu.scao",
    )
    run = made["postCourtFundsInterest"]["run"]
    listed = await api.data(
        f"{{ courtFundsInterestRuns(first: 100) {{ edges {{ node {{ {RUN_FIELDS} }} }} }} }}",
        role="auditor",
    )
    assert run in [e["node"] for e in listed["courtFundsInterestRuns"]["edges"]]
    fragment = f"fragment F on CourtFundsInterestRun {{ {RUN_FIELDS} }}"
    assert await _node(api, fragment, run["id"]) == {"__typename": "CourtFundsInterestRun", **run}

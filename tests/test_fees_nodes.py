"""Fee runs and fee charges are Relay nodes (issue 11 item 3): node(id:) gives what feeRuns and
feeCharges list; a charge's run is an object, not only an id. Through the real endpoint."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import deputy, run_fees

RUN_FIELDS = "id periodStart periodEnd runBy chargeCount clientsCharged total"
CHARGE_FIELDS = "id clientId runId transferId kind basis dueDate amount figureName"
RUNS = f"query {{ feeRuns(first: 10) {{ nodes {{ {RUN_FIELDS} }} }} }}"
CHARGES = f"""
query ($id: ID!) {{
  feeCharges(clientId: $id, first: 10) {{ nodes {{ {CHARGE_FIELDS} run {{ {RUN_FIELDS} }} }} }}
}}
"""
NODES = f"""
query ($ids: [ID!]!) {{
  nodes(ids: $ids) {{
    __typename
    ... on FeeRun {{ {RUN_FIELDS} }}
    ... on FeeCharge {{ {CHARGE_FIELDS} }}
  }}
}}
"""


async def test_a_fee_run_and_its_charges_are_refetched_by_node_as_listed(
    api: Api, session: AsyncSession
) -> None:
    client_id = await deputy(api, session, "2015-05-10", "TYPE_1", 5_000_000)
    made = await run_fees(api, "2016-04-01", "2016-06-30")
    assert made["__typename"] == "FeeRunPayload", made
    run_id = made["run"]["id"]
    [run] = (await api.data(RUNS, role="auditor"))["feeRuns"]["nodes"]
    assert run["id"] == run_id
    listed = (await api.data(CHARGES, {"id": client_id}, role="auditor"))["feeCharges"]["nodes"]
    assert [(c["kind"], c["amount"]) for c in listed] == [
        ("OPG_SUPERVISION", "320.00"),
        ("DEPUTY_REMUNERATION", "700.00"),
    ]
    # a charge's run is the run that charged it (R-FEE-1, R-FEE-2)
    assert [c.pop("run") for c in listed] == [run, run]
    ids = [run_id] + [c["id"] for c in listed]
    found = (await api.data(NODES, {"ids": ids}, role="senior_officer"))["nodes"]
    assert found == [{"__typename": "FeeRun"} | run] + [
        {"__typename": "FeeCharge"} | c for c in listed
    ]

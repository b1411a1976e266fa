"""Approved institutions, placements and existing investments through the real /graphql
endpoint (R-INV-4, R-INV-5, R-INV-6): the register kept by the governance manager; placements
only with an institution and product approved on the start date, at most 12 months (the policy
figure), within the product's limits and within the deposit protection limit in force on the
start date (£85,000 to 2025-11-30, £120,000 from 2025-12-01, R-DATA); proposals are
INVESTMENT_PLAN decisions approved by the governance manager (never the proposer, R-ROLE-2);
money moves through the ledger; a placement comes back once, with simple interest.

Placements are for surplus funds (issue 9 item 1; R-INV-2, seed 002 B 7.9-7.10): a client
placing money here has an approved budget plan for the plan year in force today whose surplus
(£300,000 unless a test says otherwise) bounds its placements and lodgements together.

The builders (``add_institution``, ``placed``, ``give_back``, ...) live in ``tests/factories.py``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import decode_uuid
from ca_api.placements import rules
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    ADD_INSTITUTION,
    ADD_PRODUCT,
    GM,
    INSTITUTION_FIELDS,
    PLACE,
    PLACEMENTS,
    PROBLEMS,
    PROPOSER,
    add_institution,
    add_product,
    approve_as,
    create_client,
    deputy_client,
    give_back,
    make,
    new_counterparty,
    new_key,
    place,
    placed,
    placement_fund,
    placement_input,
    proposed,
    proposed_lodgement,
    raise_payment,
    record_appointeeship,
    refused,
    refused_for,
    unique,
    with_seed_plan,
    with_surplus,
)

REVIEW = f"""
mutation($input: ReviewInstitutionInput!) {{
  reviewInstitution(input: $input) {{
    __typename
    ... on ApprovedInstitutionPayload {{ institution {{ {INSTITUTION_FIELDS} }} }}
    {PROBLEMS}
  }}
}}
"""

# ADD_INSTITUTION's variables for an institution the roles tried may not add.
NEW_INSTITUTION = {"input": {"name": "X Bank", "approvedOn": "2025-01-01"}}


def review_variables(
    institution_id: str, reviewed_on: str, *, still_approved: bool, note: str
) -> dict[str, Any]:
    """REVIEW's variables."""
    return {
        "input": {
            "institutionId": institution_id,
            "reviewedOn": reviewed_on,
            "stillApproved": still_approved,
            "note": note,
        }
    }


REFUSE = f"""
mutation($input: RefuseDecisionInput!) {{
  refuseDecision(input: $input) {{
    __typename
    ... on DecisionPayload {{ decision {{ id status }} }}
    {PROBLEMS}
  }}
}}
"""

ACCOUNTS = "query($id: ID!) { clientAccounts(clientId: $id) { id kind name balance } }"


# --- shared helpers -------------------------------------------------------------------------


async def balances(api: Api, client_id: str) -> dict[str, str]:
    data = await api.data(ACCOUNTS, {"id": client_id}, role="senior_officer")
    out: dict[str, str] = {}
    for a in data["clientAccounts"]:
        key = a["kind"] if a["kind"] != "CLIENT_PLACEMENT" else a["id"]
        out[key] = a["balance"]
    return out


@pytest.fixture
async def bank(api: Api) -> dict[str, Any]:
    """An institution approved since 2014 with an unlimited product at 1.50%."""
    institution = await add_institution(api)
    product = await add_product(api, institution["id"], rate="1.5000")
    return {"institution": institution, "product": product}


@pytest.fixture
async def rich_client(api: Api, session: AsyncSession) -> dict[str, Any]:
    """A client with £300,000 in CMS since January 2025 and an approved plan in force whose
    surplus is £300,000 (R-INV-2)."""
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "300000.00")
    await with_surplus(api, client["id"], "300000.00")
    return client


# --- the register (R-INV-4) -----------------------------------------------------------------


async def test_the_governance_manager_keeps_the_register(api: Api, db: RolledBackDatabase) -> None:
    name = unique("NatWest")
    institution = await add_institution(api, name, approved_on="2014-04-01")
    assert (institution["name"], institution["approvedOn"], institution["approved"]) == (
        name,
        "2014-04-01",
        True,
    )
    # It is a ledger counterparty of kind INSTITUTION, with an account.
    kind = (
        await db.connection.execute(
            text("SELECT kind FROM counterparty WHERE id = :id"),
            {"id": decode_uuid("Counterparty", institution["counterpartyId"])},
        )
    ).scalar_one()
    assert kind == "INSTITUTION"
    await add_product(api, institution["id"], rate="1.5000", minimum="25000.00")
    await add_product(api, institution["id"], rate="1.0000", minimum="1.00", maximum="25000.00")

    data = await api.data(f"{{ approvedInstitutions {{ {INSTITUTION_FIELDS} }} }}", role="auditor")
    mine = next(i for i in data["approvedInstitutions"] if i["id"] == institution["id"])
    assert sorted((p["rate"], p["minimum"], p["maximum"]) for p in mine["products"]) == [
        ("1.0000", "1.00", "25000.00"),  # issue 9 item 9: sent "1.5000", read "1.5000"
        ("1.5000", "25000.00", None),
    ]
    assert mine["latestReview"] is None

    # The same name twice is refused.
    again = await api.data(
        ADD_INSTITUTION, {"input": {"name": name, "approvedOn": "2014-04-01"}}, **GM
    )
    assert refused_for(again["addApprovedInstitution"], "name")


async def test_product_input_is_checked(api: Api, bank: dict[str, Any]) -> None:
    iid = bank["institution"]["id"]
    bad = {
        "institutionId": iid,
        "name": "ISA",
        "rate": "100.0000",  # the Percent scalar refuses "1,5" before the service sees it
        "notice": "Instant",
        "minimum": "100.00",
        "maximum": "50.00",
        "effectiveFrom": "2014-04-01",
    }
    result = (await api.data(ADD_PRODUCT, {"input": bad}, **GM))["addInstitutionProduct"]
    assert result["__typename"] == "ValidationProblem"
    assert {f["field"] for f in result["fields"]} == {"rate", "maximum"}


async def test_an_institution_no_longer_approved_takes_no_new_placements(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    iid = bank["institution"]["id"]
    data = await api.data(
        REVIEW, review_variables(iid, "2025-06-01", still_approved=False, note="Downgraded"), **GM
    )
    reviewed = data["reviewInstitution"]["institution"]
    assert reviewed["latestReview"]["stillApproved"] is False
    assert reviewed["approved"] is False

    # A start date after the review is refused; so is one before it, made now (R-INV-4).
    for start in ("2025-07-01", "2025-05-01"):
        result = await place(api, placement_input(rich_client, bank["product"], "1000.00", start))
        assert "R-INV-4" in refused_for(result, "productId")

    # A later review may approve it again.
    restored = review_variables(iid, "2025-09-01", still_approved=True, note="Restored")
    await api.data(REVIEW, restored, **GM)
    ok = await place(api, placement_input(rich_client, bank["product"], "1000.00", "2025-09-01"))
    assert ok["__typename"] == "PlacementPayload", ok


async def test_not_approved_on_the_start_date(api: Api, rich_client: dict[str, Any]) -> None:
    institution = await add_institution(api, approved_on="2025-06-01")
    product = await add_product(api, institution["id"], effective_from="2025-07-01")
    before_approval = await place(
        api, placement_input(rich_client, product, "1000.00", "2025-05-31")
    )
    assert "R-INV-4" in refused_for(before_approval, "productId")
    before_product = await place(
        api, placement_input(rich_client, product, "1000.00", "2025-06-30")
    )
    assert "R-INV-4" in refused_for(before_product, "productId")
    on_the_day = await place(api, placement_input(rich_client, product, "1000.00", "2025-07-01"))
    assert on_the_day["__typename"] == "PlacementPayload", on_the_day


# --- placement rules (R-INV-4) --------------------------------------------------------------


async def test_twelve_months_exactly_allowed_a_day_more_refused(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    product = bank["product"]
    exact = await place(
        api,
        placement_input(rich_client, product, "100.00", "2025-11-30", maturityDate="2026-11-30"),
    )
    assert exact["__typename"] == "PlacementPayload", exact
    assert exact["placement"]["maturityDate"] == "2026-11-30"
    over = await place(
        api,
        placement_input(rich_client, product, "100.00", "2025-11-30", maturityDate="2026-12-01"),
    )
    assert "R-INV-4" in refused_for(over, "maturityDate")
    months = await place(
        api, placement_input(rich_client, product, "100.00", "2025-11-30", termMonths=12)
    )
    assert months["placement"]["maturityDate"] == "2026-11-30"
    thirteen = await place(
        api, placement_input(rich_client, product, "100.00", "2025-11-30", termMonths=13)
    )
    assert "R-INV-4" in refused_for(thirteen, "termMonths")
    both = await place(
        api,
        placement_input(
            rich_client, product, "100.00", "2025-11-30", termMonths=3, maturityDate="2026-01-01"
        ),
    )
    assert refused_for(both, "termMonths")


@pytest.mark.parametrize(
    ("start", "limit", "over"),
    [
        ("2025-11-30", "85000.00", "85000.01"),  # the seed's figure, the last day it applies
        ("2025-12-01", "120000.00", "120000.01"),  # PS24/25 from 2025-12-01 (R-DATA)
    ],
)
async def test_deposit_protection_limit_in_force_on_the_start_date(
    api: Api,
    bank: dict[str, Any],
    rich_client: dict[str, Any],
    start: str,
    limit: str,
    over: str,
) -> None:
    refused = await place(api, placement_input(rich_client, bank["product"], over, start))
    message = refused_for(refused, "amount")
    assert "R-INV-4" in message and f"limit of {limit} in force on {start}" in message
    at_limit = await proposed(api, placement_input(rich_client, bank["product"], limit, start))
    assert (at_limit["protectionLimit"], at_limit["protectionLimitEffectiveFrom"]) == (
        limit,
        "2014-04-01" if start == "2025-11-30" else "2025-12-01",
    )
    # A penny more with the same institution is over; with another it is fine.
    penny = await place(api, placement_input(rich_client, bank["product"], "0.01", start))
    assert "R-INV-4" in refused_for(penny, "amount")
    other = await add_institution(api)
    other_product = await add_product(api, other["id"])
    elsewhere = await place(api, placement_input(rich_client, other_product, "0.01", start))
    assert elsewhere["__typename"] == "PlacementPayload", elsewhere


async def test_open_placements_with_the_institution_count_towards_the_limit(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    first = await placed(
        api, placement_input(rich_client, bank["product"], "50000.00", "2025-11-01")
    )
    over = await place(api, placement_input(rich_client, bank["product"], "35000.01", "2025-11-02"))
    assert "50000.00 already" in refused_for(over, "amount")
    # Once the money is back, it no longer counts.
    back = await give_back(api, first["id"], "2025-11-10")
    assert back["placement"]["status"] == "WITHDRAWN"
    ok = await place(api, placement_input(rich_client, bank["product"], "85000.00", "2025-11-11"))
    assert ok["__typename"] == "PlacementPayload", ok


async def test_a_refused_proposal_no_longer_counts(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    p = await proposed(api, placement_input(rich_client, bank["product"], "85000.00", "2025-11-01"))
    blocked = await place(api, placement_input(rich_client, bank["product"], "1.00", "2025-11-01"))
    assert refused_for(blocked, "amount")
    refusal = {"id": p["decisionId"], "reason": "Not prudent", "idempotencyKey": new_key()}
    data = await api.data(REFUSE, {"input": refusal}, **GM)
    assert data["refuseDecision"]["decision"]["status"] == "REFUSED"
    made = await make(api, p["id"])
    assert made["__typename"] == "InvalidStateProblem", made
    ok = await place(api, placement_input(rich_client, bank["product"], "1.00", "2025-11-01"))
    assert ok["__typename"] == "PlacementPayload", ok


async def test_amount_within_the_products_limits(api: Api, rich_client: dict[str, Any]) -> None:
    institution = await add_institution(api)
    product = await add_product(api, institution["id"], minimum="25000.00", maximum="30000.00")
    for amount, ok in (
        ("24999.99", False),
        ("25000.00", True),
        ("30000.00", True),
        ("30000.01", False),
    ):
        result = await place(api, placement_input(rich_client, product, amount, "2025-06-01"))
        if ok:
            assert result["__typename"] == "PlacementPayload", result
        else:
            assert "R-INV-4" in refused_for(result, "amount")


# --- carrying it out, and the money back (R-INV-4, R-INV-6) ---------------------------------


async def test_placement_lifecycle_through_the_ledger(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any], db: RolledBackDatabase
) -> None:
    p = await proposed(api, placement_input(rich_client, bank["product"], "10000.00", "2025-01-15"))
    assert (p["maturityDate"], p["rate"], p["decisionStatus"]) == ("2026-01-15", "1.5000", "RAISED")
    # Nothing moves before approval.
    early = await make(api, p["id"])
    assert early["__typename"] == "InvalidStateProblem" and "approval" in early["message"]

    # The decision is an INVESTMENT_PLAN for the amount, approved by the governance manager.
    approved = await approve_as(api, p["decisionId"])
    assert approved["decision"]["kind"] == "INVESTMENT_PLAN"
    assert approved["decision"]["amount"] == "10000.00"

    made = await make(api, p["id"])
    assert made["__typename"] == "PlacementPayload", made
    pl = made["placement"]
    assert pl["status"] == "PLACED" and pl["accountId"] and pl["placedTransferId"]
    after = await balances(api, rich_client["id"])
    assert after["CLIENT_CMS"] == "290000.00"
    assert after[pl["accountId"]] == "10000.00"
    again = await make(api, p["id"])
    assert again["__typename"] == "InvalidStateProblem"

    # Back on the maturity date: 365 days at 1.50% on £10,000 is £150.00, from the institution.
    back = await give_back(api, p["id"], "2026-01-15")
    assert back["__typename"] == "PlacementPayload", back
    b = back["placement"]
    assert (b["status"], b["returnedOn"], b["daysHeld"], b["interest"]) == (
        "MATURED",
        "2026-01-15",
        365,
        "150.00",
    )
    after = await balances(api, rich_client["id"])
    assert after["CLIENT_CMS"] == "300150.00"
    assert after[pl["accountId"]] == "0.00"
    row = (
        await db.connection.execute(
            text(
                "SELECT t.category, a.counterparty_id FROM transfer t "
                "JOIN ledger_account a ON a.id = t.from_account_id WHERE t.id = :id"
            ),
            {"id": decode_uuid("Transfer", b["interestTransferId"])},
        )
    ).one()
    assert row.category == "IN_INTEREST"
    assert row.counterparty_id == decode_uuid("Counterparty", bank["institution"]["counterpartyId"])

    # A placement matures once.
    twice = await give_back(api, p["id"], "2026-01-16")
    assert twice["__typename"] == "InvalidStateProblem", twice


async def test_the_proposer_cannot_approve_four_eyes(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    result = await place(
        api, placement_input(rich_client, bank["product"], "100.00", "2025-03-01"), **GM
    )
    assert result["__typename"] == "PlacementPayload", result
    own = await approve_as(api, result["placement"]["decisionId"], **GM)
    assert own["__typename"] == "FourEyesProblem"
    # An officer below the governance manager may not approve an investment plan.
    senior = await approve_as(
        api, result["placement"]["decisionId"], role="senior_officer", sub="olu.scao"
    )
    assert senior["__typename"] == "OverApprovalLimitProblem"
    other = await approve_as(
        api, result["placement"]["decisionId"], role="head_of_service", sub="hari.head"
    )
    assert other["__typename"] == "DecisionPayload"


async def test_early_withdrawal_interest_is_rounded_half_up(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    # £365.00 at 1.50% for one day is 1.5p: 2p, half-up.
    p = await placed(api, placement_input(rich_client, bank["product"], "365.00", "2025-02-01"))
    back = await give_back(api, p["id"], "2025-02-02")
    b = back["placement"]
    assert (b["status"], b["daysHeld"], b["interest"]) == ("WITHDRAWN", 1, "0.02")
    # The day it started: no interest, no interest transfer.
    q = await placed(api, placement_input(rich_client, bank["product"], "365.00", "2025-02-01"))
    same_day = (await give_back(api, q["id"], "2025-02-01"))["placement"]
    assert (same_day["interest"], same_day["interestTransferId"]) == ("0.00", None)
    before = await give_back(
        api,
        (await placed(api, placement_input(rich_client, bank["product"], "1.00", "2025-02-01")))[
            "id"
        ],
        "2025-01-31",
    )
    assert refused_for(before, "onDate")


def test_interest_rule() -> None:
    from decimal import Decimal

    assert rules.interest(1_000_000, Decimal("1.5"), 365) == 15_000
    assert rules.interest(36_500, Decimal("1.5"), 1) == 2  # 1.5p half-up
    assert rules.interest(36_500, Decimal("1.4"), 1) == 1
    assert rules.interest(36_500, Decimal("1.5"), 0) == 0


async def test_short_of_funds_nothing_moves(
    api: Api, bank: dict[str, Any], session: AsyncSession
) -> None:
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "999.99")
    await with_surplus(api, client["id"], "300000.00")
    p = await proposed(api, placement_input(client, bank["product"], "1000.00", "2025-03-01"))
    await approve_as(api, p["decisionId"])
    result = await make(api, p["id"])
    assert result["__typename"] == "InsufficientFundsProblem", result
    assert (result["available"], result["wanted"]) == ("999.99", "1000.00")
    assert await balances(api, client["id"]) == {"CLIENT_CMS": "999.99"}  # no placement account
    # Topped up, the same placement can be made.
    await placement_fund(session, client["id"], "0.01")
    assert (await make(api, p["id"]))["__typename"] == "PlacementPayload"


async def test_a_placement_is_not_made_before_its_start_date(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    p = await proposed(api, placement_input(rich_client, bank["product"], "100.00", "2099-01-01"))
    await approve_as(api, p["decisionId"])
    result = await make(api, p["id"])
    assert result["__typename"] == "InvalidStateProblem" and "2099-01-01" in result["message"]


async def test_place_funds_is_idempotent(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    key = new_key()
    input = placement_input(rich_client, bank["product"], "100.00", "2025-03-01")
    first = await place(api, input, key=key)
    second = await place(api, input, key=key)
    assert first["placement"]["id"] == second["placement"]["id"]
    other = await place(api, input | {"amount": "200.00"}, key=key)
    assert other["__typename"] == "IdempotencyKeyReusedProblem"


async def test_a_repeated_proposal_says_it_replayed(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    # issue 9 item 12: PlacementPayload carries `replayed` like the other idempotent payloads.
    query = PLACE.replace("... on PlacementPayload {", "... on PlacementPayload { replayed")
    variables = {
        "input": {
            **placement_input(rich_client, bank["product"], "100.00", "2025-03-01"),
            "idempotencyKey": new_key(),
        }
    }
    first = (await api.data(query, variables, **PROPOSER))["placeFunds"]
    again = (await api.data(query, variables, **PROPOSER))["placeFunds"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["placement"] == again["placement"]


async def test_placements_query_filters_and_pages(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    a = await placed(api, placement_input(rich_client, bank["product"], "100.00", "2025-03-01"))
    b = await proposed(api, placement_input(rich_client, bank["product"], "200.00", "2025-04-01"))
    c = await proposed(api, placement_input(rich_client, bank["product"], "300.00", "2025-05-01"))
    page = (
        await api.data(PLACEMENTS, {"clientId": rich_client["id"], "first": 2}, role="auditor")
    )["placements"]
    assert [e["node"]["id"] for e in page["edges"]] == [c["id"], b["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (
        await api.data(
            PLACEMENTS,
            {"clientId": rich_client["id"], "first": 2, "after": page["pageInfo"]["endCursor"]},
            role="auditor",
        )
    )["placements"]
    assert [e["node"]["id"] for e in rest["edges"]] == [a["id"]]
    only = (
        await api.data(
            PLACEMENTS, {"clientId": rich_client["id"], "status": "PLACED"}, role="auditor"
        )
    )["placements"]
    assert [e["node"]["id"] for e in only["edges"]] == [a["id"]]


# --- who may (R-ROLE-1) ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["social_worker", "reporting", "auditor"])
async def test_roles_outside_casework_may_not_propose_or_register(
    api: Api, bank: dict[str, Any], role: str
) -> None:
    client_id = "Q2xpZW50OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"
    body = await api.gql(
        PLACE,
        {
            "input": {
                **placement_input({"id": client_id}, bank["product"], "1.00", "2025-01-01"),
                "idempotencyKey": new_key(),
            }
        },
        role=role,
    )
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(ADD_INSTITUTION, NEW_INSTITUTION, role=role)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_only_the_governance_manager_keeps_the_register(
    api: Api, bank: dict[str, Any]
) -> None:
    for role in ("senior_officer", "head_of_service", "assistant"):
        body = await api.gql(ADD_INSTITUTION, NEW_INSTITUTION, role=role)
        assert error_codes(body) == ["FORBIDDEN"], role
        body = await api.gql(
            REVIEW,
            review_variables(
                bank["institution"]["id"], "2025-01-01", still_approved=False, note="x"
            ),
            role=role,
        )
        assert error_codes(body) == ["FORBIDDEN"], role


# --- existing investments (R-INV-5) ---------------------------------------------------------

RECORD_INVESTMENT = f"""
mutation($input: RecordExistingInvestmentInput!) {{
  recordExistingInvestment(input: $input) {{
    __typename
    ... on ExistingInvestmentPayload {{
      investment {{
        id kind holder units valuation valuedOn documentsHeldAt note revisesId recordedBy
      }}
    }}
    {PROBLEMS}
  }}
}}
"""

INVESTMENTS = """
query($id: ID!, $all: Boolean) {
  investments(clientId: $id, includeRevised: $all) { id kind holder units valuation revisesId }
}
"""


async def test_existing_investments_are_kept_with_their_documents(api: Api) -> None:
    client = {"id": await deputy_client(api, surplus=None)}
    base = {
        "clientId": client["id"],
        "kind": "SHARES",
        "holder": "Computershare: BT Group plc",
        "units": "1500",
        "valuation": "2475.00",
        "valuedOn": "2025-03-31",
        "documentsHeldAt": "Safe 2, envelope CA-17",
    }
    first = (await api.data(RECORD_INVESTMENT, {"input": base}, **PROPOSER))[
        "recordExistingInvestment"
    ]
    assert first["__typename"] == "ExistingInvestmentPayload", first
    inv = first["investment"]
    assert (inv["units"], inv["valuation"], inv["documentsHeldAt"]) == (
        "1500",
        "2475.00",
        "Safe 2, envelope CA-17",
    )
    # A revaluation is a new row; the old is kept.
    reval = (
        await api.data(
            RECORD_INVESTMENT,
            {
                "input": base
                | {"valuation": "2610.50", "valuedOn": "2026-03-31", "revisesId": inv["id"]}
            },
            **PROPOSER,
        )
    )["recordExistingInvestment"]["investment"]
    current = (await api.data(INVESTMENTS, {"id": client["id"]}, role="auditor"))["investments"]
    assert [(i["id"], i["valuation"]) for i in current] == [(reval["id"], "2610.50")]
    every = (await api.data(INVESTMENTS, {"id": client["id"], "all": True}, role="auditor"))[
        "investments"
    ]
    assert len(every) == 2
    # The old record is revised once; where the documents are is required.
    twice = (
        await api.data(RECORD_INVESTMENT, {"input": base | {"revisesId": inv["id"]}}, **PROPOSER)
    )["recordExistingInvestment"]
    assert twice["__typename"] == "InvalidStateProblem"
    missing = (
        await api.data(RECORD_INVESTMENT, {"input": base | {"documentsHeldAt": " "}}, **PROPOSER)
    )["recordExistingInvestment"]
    assert "R-INV-5" in refused_for(missing, "documentsHeldAt")
    no_date = (await api.data(RECORD_INVESTMENT, {"input": base | {"valuedOn": None}}, **PROPOSER))[
        "recordExistingInvestment"
    ]
    assert refused_for(no_date, "valuedOn")


def test_placement_client_id_is_unknown_uuid() -> None:
    assert decode_uuid(
        "Client", "Q2xpZW50OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"
    ) == uuid.UUID(int=0)


# --- the surplus rule (issue 9 item 1; R-INV-2, seed 002 B 7.9-7.10, R-CARE-2) ---------------


def today() -> str:
    return clock.today().isoformat()


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        (None, "NO_APPROVED_PLAN"),
        ("a", "SURPLUS_BELOW_THRESHOLD"),  # 4,295.15
        ("b", "SURPLUS_BELOW_THRESHOLD"),  # 21,425.75
        ("stale c", "BUDGET_PLAN_STALE"),  # plan C as dated by the seed, 2014/15
    ],
)
async def test_placements_are_for_surplus_funds_only(
    api: Api, bank: dict[str, Any], session: AsyncSession, plan: str | None, code: str
) -> None:
    """issue 9 item 1, R-INV-2, seed 002 B 7.9: "where funds are considered to be surplus":
    the same rule as lodgements; nothing is written."""
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "300000.00")
    if plan == "stale c":
        await with_seed_plan(api, client["id"], "c", year="2014-04-01")
    elif plan is not None:
        await with_seed_plan(api, client["id"], plan)
    result = await place(api, placement_input(client, bank["product"], "10000.00", today()))
    refused(result, code)
    listed = await api.data(PLACEMENTS, {"clientId": client["id"]}, role="auditor")
    assert listed["placements"]["edges"] == []


async def test_only_a_deputy_places_a_clients_money(
    api: Api, bank: dict[str, Any], session: AsyncSession
) -> None:
    """issue 9 item 1, R-INV-2, R-INV-4: investing a client's surplus is a deputy's act, as a
    lodgement is; the council as appointee deals in benefits only, and with no order has no
    authority at all. Refused even with a plan whose surplus would allow it; nothing written."""
    appointee = await create_client(api)
    assert (await record_appointeeship(api, appointee["id"]))["__typename"] == (
        "AppointeeshipPayload"
    )
    no_order = await create_client(api)
    for client in (appointee, no_order):
        await placement_fund(session, client["id"], "300000.00")
        await with_surplus(api, client["id"], "200000.00")
        result = await place(api, placement_input(client, bank["product"], "30000.00", today()))
        assert result["__typename"] == "ValidationProblem", result
        fields = {f["field"]: f["message"] for f in result["fields"]}
        assert "only a deputy may place" in fields["clientId"], fields
        listed = await api.data(PLACEMENTS, {"clientId": client["id"]}, role="auditor")
        assert listed["placements"]["edges"] == []


async def test_plan_c_bounds_placements_up_to_its_surplus(
    api: Api, bank: dict[str, Any], session: AsyncSession
) -> None:
    """issue 9 item 1, R-INV-2: plan C's surplus of 111,165.39 bounds a placement as it does a
    lodgement (the protection limit in force is 120,000.00 on these dates)."""
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "154052.49")
    await with_seed_plan(api, client["id"], "c")
    for amount in ("120000.00", "111165.40"):
        result = await place(api, placement_input(client, bank["product"], amount, today()))
        over = refused(result, "OVER_SURPLUS")
        assert (over["remainingSurplus"], over["wanted"]) == ("111165.39", amount)
    p = await placed(api, placement_input(client, bank["product"], "111165.39", today()))
    assert (await balances(api, client["id"]))["CLIENT_CMS"] == "42887.10"
    # Once back (matured or withdrawn), the money is in the CMS account again and counts no
    # more: it may be placed again (R-INV-6).
    result = await place(api, placement_input(client, bank["product"], "1.00", today()))
    refused(result, "SURPLUS_BELOW_THRESHOLD")
    assert (await give_back(api, p["id"], today()))["placement"]["status"] == "WITHDRAWN"
    again = await place(api, placement_input(client, bank["product"], "111165.39", today()))
    assert again["__typename"] == "PlacementPayload", again


async def test_lodgements_and_placements_together_never_exceed_the_surplus(
    api: Api, bank: dict[str, Any]
) -> None:
    """issue 9 item 1, R-INV-2, seed 002 B 7.10: surplus goes either to the Court Funds Office
    or to an institution: one surplus for both."""
    client_id = await deputy_client(api, surplus=None)
    client = {"id": client_id}
    await with_seed_plan(api, client_id, "c")
    await proposed_lodgement(api, client_id, "60000.00")
    over = refused(
        await place(api, placement_input(client, bank["product"], "51165.40", today())),
        "OVER_SURPLUS",
    )
    assert (over["committed"], over["remainingSurplus"]) == ("60000.00", "51165.39")
    await proposed(api, placement_input(client, bank["product"], "26165.39", today()))
    # 25,000.00 left: a lodgement of it is allowed, then nothing more either way
    await proposed_lodgement(api, client_id, "25000.00")
    refused(
        await place(api, placement_input(client, bank["product"], "0.01", today())),
        "SURPLUS_BELOW_THRESHOLD",
    )


async def test_approving_and_making_a_placement_judge_the_surplus_again(
    api: Api, bank: dict[str, Any], session: AsyncSession
) -> None:
    """issue 9 item 1, R-INV-2: a revised plan with a smaller surplus refuses the approval of
    a placement proposed before it, and the making of one approved before it; nothing moves."""
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "154052.49")
    seed = await with_seed_plan(api, client["id"], "c")
    p = await proposed(api, placement_input(client, bank["product"], "80000.00", today()))
    smaller = await with_surplus(api, client["id"], "50000.00", supersedes=seed["id"])
    over = refused(await approve_as(api, p["decisionId"]), "OVER_SURPLUS")
    assert (over["planId"], over["surplus"], over["wanted"]) == (
        smaller["id"],
        "50000.00",
        "80000.00",
    )
    larger = await with_surplus(api, client["id"], "100000.00", supersedes=smaller["id"])
    assert (await approve_as(api, p["decisionId"]))["__typename"] == "DecisionPayload"
    await with_surplus(api, client["id"], "50000.00", supersedes=larger["id"])
    refused(await make(api, p["id"]), "OVER_SURPLUS")
    assert await balances(api, client["id"]) == {"CLIENT_CMS": "154052.49"}


async def test_no_other_way_to_an_institution_or_the_court_funds_office(
    api: Api, bank: dict[str, Any], rich_client: dict[str, Any]
) -> None:
    """issue 9 item 1, R-INV-2: a standing payment to an institution or the Court Funds Office
    is refused (money goes there only as a placement or a lodgement), and so is reversing a
    placement's return (it would place the money again past the surplus rule)."""
    cfo = await new_counterparty(api, "COURT_FUNDS_OFFICE")
    for payee in (bank["institution"]["counterpartyId"], cfo):
        standing = {
            "clientId": rich_client["id"],
            "payeeId": payee,
            "amount": "50000.00",
            "category": "OUT_OTHER",
            "description": "Savings",
            "standing": True,
        }
        result = await raise_payment(api, standing)
        assert "R-INV-2" in refused_for(result, "payeeId")
    p = await placed(api, placement_input(rich_client, bank["product"], "30000.00", today()))
    back = await give_back(api, p["id"], today())
    data = await api.data(
        """mutation($input: ReverseTransferInput!) {
             reverseTransfer(input: $input) {
               __typename ... on Problem { code message } } }""",
        {
            "input": {
                "transferId": back["placement"]["returnedTransferId"],
                "reason": "by mistake",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_officer",
        sub="olu.scao",
    )
    result = data["reverseTransfer"]
    assert (result["__typename"], result["code"]) == ("InvalidStateProblem", "INVALID_STATE")
    assert "R-INV-2" in result["message"]
    assert (await balances(api, rich_client["id"]))["CLIENT_CMS"] == "300000.00"

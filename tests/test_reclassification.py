"""Reclassifying a ledger entry's OPG category without editing it (issue 15; R-OPG-1, R-AUD-2):
glasses paid as OUT_OTHER before issue 15 reported as OUT_MEDICAL_EXPENSES from now on, the
transfer unchanged, its reversal reporting the new category too; each refusal, each denied
role, and a retried request. Through the real endpoint; the entries themselves are posted
straight to the ledger (as tests/factories.py's ``fund`` does)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import transfers as ledger
from ca_api.ledger.rules import AccountKind, Category
from ca_api.ledger.transfers import Movement
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    approve_payment,
    assert_forbidden,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    payable_invoice,
    raised_payment,
    receipt_input,
    record_receipt,
    refused_for,
)

ACTOR = Actor(Principal("ledger.setup", frozenset({Role.SENIOR_OFFICER})), "test-reclassify")
ENTRY = """id kind amount category reportedCategory description
  reclassifications { category reason recordedAt recordedBy }"""
RECLASSIFY = f"""
mutation($input: ReclassifyLedgerEntryInput!) {{
  reclassifyLedgerEntry(input: $input) {{
    __typename
    ... on ReclassifyLedgerEntryPayload {{
      transfer {{ {ENTRY} }}
      reclassification {{ category reason recordedBy }}
      replayed
    }}
    {KEYED_PROBLEMS}
  }}
}}
"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Transfer {{ {ENTRY} reversesId }} }} }}"
REVERSE = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
  __typename ... on TransferPayload { transfer { id } } } }"""


async def _paid_out(
    session: AsyncSession,
    api: Api,
    category: Category = Category.OUT_OTHER,
    description: str = "Glasses (Specsavers)",
) -> tuple[dict[str, str], uuid.UUID]:
    """A client with money, and an entry paying 125.00 out of the CMS account: (client, id)."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    cms = await ledger_accounts.client_account(session, decode_uuid("Client", client["id"]))
    party = await ledger_counterparties.counterparty_account(
        session, decode_uuid("Counterparty", supplier)
    )
    paid = await ledger.post(
        session,
        ACTOR,
        Movement(cms.id, party.id, 12_500, clock.today(), category, description),
    )
    return client, paid.id


def _tid(transfer_id: uuid.UUID) -> str:
    return encode_id("Transfer", transfer_id)


async def reclassify(
    api: Api,
    transfer_id: uuid.UUID | str,
    category: str,
    reason: str = "glasses are a medical expense",
    *,
    key: str | None = None,
    role: str = "senior_assistant",
) -> dict[str, Any]:
    tid = transfer_id if isinstance(transfer_id, str) else _tid(transfer_id)
    variables = {
        "input": {
            "transferId": tid,
            "category": category,
            "reason": reason,
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(RECLASSIFY, variables, role=role, sub=f"{role}.one")
    return dict(data["reclassifyLedgerEntry"])


async def _row(session: AsyncSession, transfer_id: uuid.UUID) -> tuple[Any, ...]:
    """The transfer's row as stored, every column."""
    found = await session.execute(
        text("SELECT t.*::text FROM transfer t WHERE id = :id"), {"id": transfer_id}
    )
    return tuple(found.one())


async def _node(api: Api, global_id: str) -> dict[str, Any]:
    data = await api.data(NODE, {"id": global_id}, role="auditor", sub="aud")
    node: dict[str, Any] = data["node"]
    return node


async def test_glasses_are_reported_as_medical_expenses_and_the_transfer_is_unchanged(
    api: Api, session: AsyncSession
) -> None:
    _, paid = await _paid_out(session, api)
    before = await _row(session, paid)
    done = await reclassify(api, paid, "OUT_MEDICAL_EXPENSES")
    assert done["__typename"] == "ReclassifyLedgerEntryPayload", done
    assert done["replayed"] is False
    assert done["reclassification"] == {
        "category": "OUT_MEDICAL_EXPENSES",
        "reason": "glasses are a medical expense",
        "recordedBy": "senior_assistant.one",
    }
    entry = done["transfer"]
    assert entry["category"] == "OUT_OTHER"  # as recorded: never changed (R-AUD-2)
    assert entry["reportedCategory"] == "OUT_MEDICAL_EXPENSES"  # R-OPG-1
    assert entry["amount"] == "125.00"
    assert [r["category"] for r in entry["reclassifications"]] == ["OUT_MEDICAL_EXPENSES"]
    assert await _node(api, _tid(paid)) == entry | {"reversesId": None}
    assert await _row(session, paid) == before
    view = await session.execute(
        text("SELECT reported_category FROM transfer_reported_category WHERE transfer_id = :id"),
        {"id": paid},
    )
    assert view.scalar_one() == "OUT_MEDICAL_EXPENSES"
    audit = await session.execute(
        text(
            "SELECT action, reason FROM audit_log WHERE entity_type = 'transfer' "
            "AND entity_id = :id"
        ),
        {"id": str(paid)},
    )
    assert audit.all() == [("reclassify", "glasses are a medical expense")]


async def test_the_latest_reclassification_is_reported_and_every_one_is_listed(
    api: Api, session: AsyncSession
) -> None:
    _, paid = await _paid_out(session, api, description="Vet: Rex's vaccinations")
    first = await reclassify(api, paid, "OUT_MEDICAL_EXPENSES", "I thought it was the client's")
    assert first["__typename"] == "ReclassifyLedgerEntryPayload", first
    second = await reclassify(api, paid, "OUT_PET_CARE", "the vet's bill, for the dog")
    entry = second["transfer"]
    assert entry["reportedCategory"] == "OUT_PET_CARE"
    assert [r["category"] for r in entry["reclassifications"]] == [
        "OUT_MEDICAL_EXPENSES",
        "OUT_PET_CARE",
    ]
    # back to what it was recorded as is a change of its reported category too
    third = await reclassify(api, paid, "OUT_OTHER", "neither: a gift card for the carer")
    assert third["transfer"]["reportedCategory"] == "OUT_OTHER"


async def test_a_reversal_reports_the_category_of_the_transfer_it_reverses(
    api: Api, session: AsyncSession
) -> None:
    _, paid = await _paid_out(session, api)
    reversed_ = await api.data(
        REVERSE,
        {"input": {"transferId": _tid(paid), "reason": "paid twice", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="olu",
    )
    reversal_id = reversed_["reverseTransfer"]["transfer"]["id"]
    assert (await _node(api, reversal_id))["reportedCategory"] == "OUT_OTHER"
    await reclassify(api, paid, "OUT_MEDICAL_EXPENSES")
    reversal = await _node(api, reversal_id)
    assert reversal["category"] == "OUT_OTHER"
    assert reversal["reportedCategory"] == "OUT_MEDICAL_EXPENSES"  # nets off in the report
    assert reversal["reclassifications"] == []
    # the reversal itself is not reclassified: the original is
    refused = await reclassify(api, reversal_id, "OUT_CLOTHES")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "reclassify that one" in refused["message"]


async def test_money_in_is_reclassified_as_money_in_only(api: Api, session: AsyncSession) -> None:
    client = await new_client(api)
    payer = await new_counterparty(api, "OTHER")
    cms = await ledger_accounts.client_account(session, decode_uuid("Client", client["id"]))
    party = await ledger_counterparties.counterparty_account(
        session, decode_uuid("Counterparty", payer)
    )
    wages = await ledger.post(
        session,
        ACTOR,
        Movement(party.id, cms.id, 40_000, clock.today(), Category.IN_OTHER, "Wages, Remploy"),
    )
    refused = await reclassify(api, wages.id, "OUT_OTHER", "money out?")
    assert "not a money-in category" in refused_for(refused, "category")
    done = await reclassify(api, wages.id, "IN_SALARY_OR_WAGES", "the client's wages")
    assert done["transfer"]["reportedCategory"] == "IN_SALARY_OR_WAGES"


@pytest.mark.parametrize(
    ("category", "says"),
    [
        ("IN_REFUNDS", "not a money-out category"),
        ("TRANSFER_BETWEEN_OWN_ACCOUNTS", "not a move between own accounts"),
        ("OUT_GIFTS", "its own door"),
        ("OUT_DEPUTY_FEES", "its own door"),
        ("OUT_INVESTMENT_PURCHASES", "its own door"),
        ("OUT_OPG_FEES", "its own door"),
        ("OUT_OTHER", "already reports OUT_OTHER"),
    ],
)
async def test_refused_categories(
    api: Api, session: AsyncSession, category: str, says: str
) -> None:
    _, paid = await _paid_out(session, api)
    refused = await reclassify(api, paid, category)
    assert says in refused_for(refused, "category")
    assert (await _node(api, _tid(paid)))["reclassifications"] == []


@pytest.mark.parametrize(
    "category",
    [
        Category.OUT_GIFTS,
        Category.OUT_DEPUTY_FEES,
        Category.OUT_INVESTMENT_PURCHASES,
        Category.OUT_OPG_FEES,
    ],
)
async def test_an_entry_of_a_category_with_its_own_door_keeps_it(
    api: Api, session: AsyncSession, category: Category
) -> None:
    _, paid = await _paid_out(session, api, category, "through its own door")
    refused = await reclassify(api, paid, "OUT_OTHER")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert refused["code"] == "INVALID_STATE"


async def test_a_hold_and_a_move_between_own_accounts_are_refused(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    client_id = decode_uuid("Client", client["id"])
    cms = await ledger_accounts.client_account(session, client_id)
    supplier = await new_counterparty(api, "SUPPLIER")
    party = await ledger_counterparties.counterparty_account(
        session, decode_uuid("Counterparty", supplier)
    )
    held = await ledger.hold(
        session,
        ACTOR,
        Movement(cms.id, party.id, 5_000, clock.today(), Category.OUT_OTHER, "Glasses"),
    )
    refused = await reclassify(api, held.id, "OUT_MEDICAL_EXPENSES")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "a hold" in refused["message"]
    voided = await ledger.void_pending(session, ACTOR, held.id, "not needed")
    refused = await reclassify(api, voided.id, "OUT_MEDICAL_EXPENSES")
    assert refused["__typename"] == "InvalidStateProblem", refused
    moved = await ledger.move_between_own_accounts(
        session,
        ACTOR,
        client_id,
        (AccountKind.CLIENT_CMS, AccountKind.CLIENT_CASH),
        2_000,
        "Cash for the week",
    )
    refused = await reclassify(api, moved.id, "OUT_CASH_WITHDRAWN")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "own accounts" in refused["message"]


async def test_a_reason_is_required_and_an_unknown_entry_is_not_found(
    api: Api, session: AsyncSession
) -> None:
    _, paid = await _paid_out(session, api)
    assert "required" in refused_for(await reclassify(api, paid, "OUT_CLOTHES", "  "), "reason")
    missing = await reclassify(api, uuid.uuid4(), "OUT_CLOTHES")
    assert missing["__typename"] == "NotFoundProblem", missing


async def test_a_retried_request_is_answered_once_and_a_changed_one_is_refused(
    api: Api, session: AsyncSession
) -> None:
    _, paid = await _paid_out(session, api)
    key = new_key()
    first = await reclassify(api, paid, "OUT_MEDICAL_EXPENSES", key=key)
    again = await reclassify(api, paid, "OUT_MEDICAL_EXPENSES", key=key)
    assert again["__typename"] == "ReclassifyLedgerEntryPayload", again
    assert again["replayed"] is True
    assert again["reclassification"] == first["reclassification"]
    assert len(again["transfer"]["reclassifications"]) == 1
    changed = await reclassify(api, paid, "OUT_CLOTHES", key=key)
    assert changed["__typename"] == "IdempotencyKeyReusedProblem", changed


@pytest.mark.parametrize(
    "role", ["senior_assistant", "senior_officer", "governance_manager", "head_of_service"]
)
async def test_allowed_roles_reclassify(api: Api, session: AsyncSession, role: str) -> None:
    _, paid = await _paid_out(session, api)
    done = await reclassify(api, paid, "OUT_MEDICAL_EXPENSES", role=role)
    assert done["__typename"] == "ReclassifyLedgerEntryPayload", done


@pytest.mark.parametrize(
    "role",
    [
        "support_assistant",
        "assistant",
        "auditor",
        "reporting",
        "social_worker",
        "integration_controcc",
        "integration_sap",
    ],
)
async def test_other_roles_are_forbidden(api: Api, session: AsyncSession, role: str) -> None:
    _, paid = await _paid_out(session, api)
    variables = {
        "input": {
            "transferId": _tid(paid),
            "category": "OUT_MEDICAL_EXPENSES",
            "reason": "glasses",
            "idempotencyKey": new_key(),
        }
    }
    body = await api.gql(RECLASSIFY, variables, role=role, sub=f"{role}.one")
    assert_forbidden(body, ["reclassifyLedgerEntry"])
    assert (await _node(api, _tid(paid)))["reportedCategory"] == "OUT_OTHER"


async def test_a_closed_case_entry_is_reclassified_though_no_money_moves(
    api: Api, session: AsyncSession
) -> None:
    client, paid = await _paid_out(session, api)
    # the case closed (issue 13 item 5): its latest version says so
    await session.execute(
        text(
            "INSERT INTO client_version (client_id, version, given_name, family_name, "
            "date_of_birth, ni_number, address_line1, address_line2, town, postcode, situation, "
            "status, referred_by, recorded_at, recorded_by, reason) "
            "SELECT client_id, version + 1, given_name, family_name, date_of_birth, ni_number, "
            "address_line1, address_line2, town, postcode, situation, 'CLOSED', referred_by, "
            "clock_timestamp(), 'test', 'wound up' FROM client_version WHERE client_id = :id "
            "ORDER BY version DESC LIMIT 1"
        ),
        {"id": decode_uuid("Client", client["id"])},
    )
    reversed_ = await api.data(
        REVERSE,
        {"input": {"transferId": _tid(paid), "reason": "paid twice", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="olu",
    )
    assert reversed_["reverseTransfer"]["__typename"] == "InvalidStateProblem"  # money: no
    done = await reclassify(api, paid, "OUT_MEDICAL_EXPENSES")  # the report: yes
    assert done["transfer"]["reportedCategory"] == "OUT_MEDICAL_EXPENSES"


# --- The new categories at the doors that record money (issue 15) ------------------------------

STATEMENT = """query($id: ID!, $categories: [Category!]) {
  accountStatement(accountId: $id, filter: {categories: $categories}) {
    edges { node { amount transfer { category reportedCategory description } } } } }"""


async def _cms_lines(api: Api, client_id: str, categories: list[str]) -> list[dict[str, Any]]:
    accounts = await api.data(
        "query($id: ID!) { clientAccounts(clientId: $id) { id kind } }",
        {"id": client_id},
        role="auditor",
    )
    [cms] = [a["id"] for a in accounts["clientAccounts"] if a["kind"] == "CLIENT_CMS"]
    data = await api.data(STATEMENT, {"id": cms, "categories": categories}, role="auditor")
    return [e["node"] for e in data["accountStatement"]["edges"]]


async def test_glasses_and_vet_fees_are_paid_under_their_own_categories(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    for category, description in (
        ("OUT_MEDICAL_EXPENSES", "Glasses (Specsavers)"),
        ("OUT_PET_CARE", "Vet fees: Rex"),
    ):
        invoice = await payable_invoice(
            api, client, supplier, category=category, description=description
        )
        payment = await raised_payment(api, invoice["id"])
        assert payment["category"] == category
        approved = await approve_payment(api, payment["id"])
        assert approved["__typename"] == "PaymentPayload", approved
        made = await make_payment(api, payment["id"])
        assert made["__typename"] == "PaymentPayload", made
    lines = await _cms_lines(api, client["id"], ["OUT_MEDICAL_EXPENSES", "OUT_PET_CARE"])
    assert sorted((line["transfer"]["reportedCategory"], line["amount"]) for line in lines) == [
        ("OUT_MEDICAL_EXPENSES", "-120.00"),
        ("OUT_PET_CARE", "-120.00"),
    ]


async def test_wages_are_received_as_salary(api: Api) -> None:
    client = await new_client(api)
    employer = await new_counterparty(api, "OTHER")
    result = await record_receipt(
        api,
        receipt_input(
            client["id"],
            employer,
            benefit=None,
            category="IN_SALARY_OR_WAGES",
            periodStart=None,
            periodEnd=None,
            amount="400.00",
        ),
    )
    assert result["__typename"] == "ReceiptPayload", result
    assert result["receipt"]["transfer"]["category"] == "IN_SALARY_OR_WAGES"


async def test_the_database_keeps_reclassifications_append_only_and_checked(
    api: Api, session: AsyncSession
) -> None:
    """R-AUD-2: never changed nor deleted; the database refuses what the service refuses (the
    other direction, a move between own accounts), should a check above it ever be passed."""
    _, paid = await _paid_out(session, api)
    assert (await reclassify(api, paid, "OUT_MEDICAL_EXPENSES"))["__typename"] == (
        "ReclassifyLedgerEntryPayload"
    )
    for sql in (
        "UPDATE transfer_reclassification SET category = 'OUT_CLOTHES'",
        "DELETE FROM transfer_reclassification",
    ):
        with pytest.raises(DBAPIError):
            async with session.begin_nested():
                await session.execute(text(sql))
    insert = (
        "INSERT INTO transfer_reclassification (id, transfer_id, category, reason, recorded_by) "
        "VALUES (gen_random_uuid(), :id, :category, 'wrong', 'test')"
    )
    for category in ("IN_OTHER", "TRANSFER_BETWEEN_OWN_ACCOUNTS"):
        with pytest.raises(DBAPIError, match=r"cannot be reported as"):
            async with session.begin_nested():
                await session.execute(text(insert), {"id": paid, "category": category})

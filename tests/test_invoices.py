"""Invoices through the real /graphql endpoint: date-stamped on receipt and due 21 working days
later (R-PAY-1) or 21 days for council charges (R-PAY-4), the checks before payment and
duplicates (R-PAY-2), reimbursements (R-PAY-5), personal allowance (R-PAY-6), what each
integration may record, and who may read them.

The helpers at the top are shared with ``test_payments``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from ca_api.auth.principal import Role
from ca_api.common.ids import decode_uuid
from ca_api.invoices.rules import (
    InvoiceKind,
    Item,
    due_date,
    invoice_kinds_allowed,
    personal_allowance_problem,
    reimbursement_problems,
)
from ca_api.ledger.rules import Category, CounterpartyKind
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    ALL_CHECKS,
    INVOICE_FIELDS,
    RECORD_CHECK,
    RECORD_CHECKS,
    RECORD_EVENT,
    RECORD_INVOICE,
    check_all,
    invoice_input,
    new_client,
    new_counterparty,
    new_key,
    record_check,
    record_invoice,
    recorded,
    scalar,
)

# --- shared helpers -------------------------------------------------------------------------


INVOICE = f"query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} }} }}"

INVOICES = """
query($filter: InvoiceFilter, $first: Int, $after: String) {
  invoices(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id supplierInvoiceNumber dueOn daysOverdue status clientReference } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def audit_actions(db: RolledBackDatabase, entity_id: str, type_name: str) -> list[str]:
    rows = await db.connection.execute(
        text("SELECT action FROM audit_log WHERE entity_id = :id ORDER BY id"),
        {"id": str(decode_uuid(type_name, entity_id))},
    )
    return [r[0] for r in rows]


def field_names(problem: dict[str, Any]) -> set[str]:
    return {f["field"] for f in problem["fields"]}


@pytest.fixture
async def parties(api: Api) -> dict[str, Any]:
    """A client, a supplier, a care provider and the council."""
    return {
        "client": await new_client(api),
        "supplier": await new_counterparty(api, "SUPPLIER"),
        "provider": await new_counterparty(api, "CARE_PROVIDER"),
        "council": await new_counterparty(api, "COUNCIL"),
    }


# --- R-PAY-1, R-PAY-4: stamped on receipt, due dates ----------------------------------------


async def test_an_invoice_is_stamped_today_and_due_21_working_days_later_over_christmas(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any], today: Any
) -> None:
    """R-PAY-1: received 10 December 2026, due 13 January 2027: Christmas Day, Boxing Day
    (observed Monday 28th) and New Year's Day are not working days."""
    today.set(date(2026, 12, 10))
    client = parties["client"]
    invoice = await recorded(api, client, parties["supplier"], invoiceDate="2026-12-01")
    assert invoice["receivedOn"] == "2026-12-10"
    assert invoice["dueOn"] == "2027-01-13"
    assert invoice["daysOverdue"] == 0
    assert invoice["status"] == "RECEIVED"
    assert invoice["missingChecks"] == ALL_CHECKS
    assert invoice["source"] == "OFFICER"
    assert invoice["recordedBy"] == "sam.support"
    assert invoice["clientReference"] == client["reference"]
    assert invoice["amount"] == "120.00"
    # R-AUD-1: audited, on the client's chain.
    assert await audit_actions(db, invoice["id"], "Invoice") == ["record"]
    client_of_entry = await scalar(
        db,
        "SELECT client_id FROM audit_log WHERE entity_id = :id",
        id=str(decode_uuid("Invoice", invoice["id"])),
    )
    assert client_of_entry == decode_uuid("Client", client["id"])
    # Fourteen days late, in calendar days, while unpaid.
    today.set(date(2027, 1, 27))
    data = await api.data(INVOICE, {"id": invoice["id"]}, role="auditor", sub="audrey")
    assert data["invoice"]["daysOverdue"] == 14


async def test_the_due_date_skips_the_easter_and_may_bank_holidays(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    """R-PAY-1: received Maundy Thursday 2026; Good Friday, Easter Monday and the early May
    bank holiday are skipped: due Wednesday 6 May, not Friday 1 May."""
    today.set(date(2026, 4, 2))
    invoice = await recorded(api, parties["client"], parties["supplier"])
    assert invoice["dueOn"] == "2026-05-06"


async def test_a_council_care_contribution_is_due_21_calendar_days_after_receipt(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    """R-PAY-4: the council's care charges are paid within 21 days (calendar, not working)."""
    today.set(date(2026, 12, 10))
    invoice = await recorded(
        api,
        parties["client"],
        parties["council"],
        kind="COUNCIL_CARE_CONTRIBUTION",
        category="OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        directDebit=True,
        role="integration_sap",
        sub="sap",
    )
    assert invoice["dueOn"] == "2026-12-31"
    assert invoice["source"] == "SAP"
    assert invoice["directDebit"] is True


async def test_the_day_counts_are_policy_figures_with_effective_dates(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any], today: Any
) -> None:
    """R-DATA, R-PAY-1: a new figure applies to invoices received from its date; invoices
    received before keep the old one."""
    await db.connection.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('invoice_payment_working_days', '2026-12-01', 10, 'DAYS', 'test', 'test')"
        )
    )
    today.set(date(2026, 11, 30))
    before = await recorded(api, parties["client"], parties["supplier"])
    today.set(date(2026, 12, 10))
    after = await recorded(api, parties["client"], parties["supplier"])
    assert before["dueOn"] == "2026-12-31"  # 21 working days, the 2014 figure
    assert after["dueOn"] == "2026-12-24"  # 10 working days


async def test_a_missing_figure_refuses_rather_than_guesses(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any], today: Any
) -> None:
    """R-DATA: a figure known to be unknown (NULL) is never guessed."""
    await db.connection.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('council_invoice_payment_days', '2026-12-01', NULL, 'DAYS', 'test', 'test')"
        )
    )
    today.set(date(2026, 12, 10))
    await recorded(api, parties["client"], parties["supplier"])  # working days: still known
    result = await record_invoice(
        api,
        parties["client"],
        parties["council"],
        kind="COUNCIL_CARE_CONTRIBUTION",
        category="OUT_LOCAL_AUTHORITY_CARE_CHARGES",
    )
    assert result["__typename"] == "PolicyMissingProblem", result
    assert result["code"] == "POLICY_MISSING"
    assert result["name"] == "council_invoice_payment_days"


async def test_the_caller_cannot_supply_the_received_date(
    api: Api, parties: dict[str, Any]
) -> None:
    """R-PAY-1: the server stamps receipt; the input has no such field."""
    variables = {
        "input": {
            **invoice_input(parties["client"], parties["supplier"], receivedOn="2020-01-01"),
            "idempotencyKey": new_key(),
        },
    }
    body = await api.gql(RECORD_INVOICE, variables, role="support_assistant")
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_an_invoice_dated_after_receipt_is_refused(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    today.set(date(2026, 12, 10))
    result = await record_invoice(
        api, parties["client"], parties["supplier"], invoiceDate="2026-12-11"
    )
    assert result["__typename"] == "ValidationProblem"
    assert field_names(result) == {"invoiceDate"}


# --- R-PAY-2: duplicates and checks ---------------------------------------------------------


async def test_the_same_suppliers_invoice_number_twice_is_a_duplicate(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """R-PAY-2: not a duplicate. The second is refused, naming the first; nothing is written."""
    first = await recorded(api, parties["client"], parties["supplier"], supplierInvoiceNumber="A1")
    count = await scalar(db, "SELECT count(*) FROM invoice")
    again = await record_invoice(
        api, parties["client"], parties["supplier"], supplierInvoiceNumber=" A1 ", amount="9.99"
    )
    assert again["__typename"] == "DuplicateInvoiceProblem", again
    assert again["code"] == "DUPLICATE_INVOICE"
    assert again["existingInvoiceId"] == first["id"]
    assert await scalar(db, "SELECT count(*) FROM invoice") == count
    # Another supplier may use the same number.
    other = await new_counterparty(api, "SUPPLIER")
    await recorded(api, parties["client"], other, supplierInvoiceNumber="A1")


async def test_same_supplier_amount_and_date_is_recorded_with_a_warning(
    api: Api, parties: dict[str, Any]
) -> None:
    """R-PAY-2: a possible duplicate (same supplier, amount and date, another number) is
    accepted, with a warning in the payload."""
    first = await record_invoice(
        api,
        parties["client"],
        parties["supplier"],
        invoiceDate="2026-01-05",
        supplierInvoiceNumber="B-100",
    )
    assert first["warnings"] == []
    second = await record_invoice(
        api,
        parties["client"],
        parties["supplier"],
        invoiceDate="2026-01-05",
        supplierInvoiceNumber="B-101",
    )
    assert second["__typename"] == "RecordInvoicePayload"
    assert len(second["warnings"]) == 1
    assert "B-100" in second["warnings"][0]
    assert "R-PAY-2" in second["warnings"][0]
    # A different amount is not flagged.
    third = await record_invoice(
        api,
        parties["client"],
        parties["supplier"],
        invoiceDate="2026-01-05",
        supplierInvoiceNumber="B-102",
        amount="120.01",
    )
    assert third["warnings"] == []


async def test_the_seven_checks_are_recorded_with_who_and_when_and_the_latest_counts(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """R-PAY-2: seven checks, each recorded by an officer, append-only; the latest per check
    counts, so a later failure reopens the invoice."""
    invoice = await recorded(api, parties["client"], parties["supplier"])
    checked = await check_all(api, invoice["id"])
    assert checked["status"] == "CHECKED"
    assert checked["missingChecks"] == []
    assert [c["check"] for c in checked["checks"]] == ALL_CHECKS
    assert {c["checkedBy"] for c in checked["checks"]} == {"sasha.senior"}
    assert all(c["checkedAt"] for c in checked["checks"])

    failed = await record_check(
        api,
        invoice["id"],
        "ARITHMETIC",
        passed=False,
        note="VAT added twice",
        role="assistant",
        sub="ash.assistant",
    )
    assert failed["__typename"] == "InvoicePayload"
    reopened = failed["invoice"]
    assert reopened["status"] == "RECEIVED"
    assert reopened["missingChecks"] == ["ARITHMETIC"]
    arithmetic = next(c for c in reopened["checks"] if c["check"] == "ARITHMETIC")
    assert arithmetic == {
        "check": "ARITHMETIC",
        "passed": False,
        "note": "VAT added twice",
        "checkedBy": "ash.assistant",
        "checkedAt": arithmetic["checkedAt"],
    }
    assert len(reopened["checkHistory"]) == 8  # nothing overwritten (R-AUD-2)
    assert (await audit_actions(db, invoice["id"], "Invoice")).count("check") == 8

    fixed = await record_check(api, invoice["id"], "ARITHMETIC", note="credit note received")
    assert fixed["invoice"]["status"] == "CHECKED"


async def record_checks(
    api: Api,
    invoice_id: str,
    checks: list[dict[str, Any]],
    *,
    role: str = "senior_assistant",
    sub: str = "sasha.senior",
) -> dict[str, Any]:
    data = await api.data(
        RECORD_CHECKS, {"input": {"invoiceId": invoice_id, "checks": checks}}, role=role, sub=sub
    )
    result: dict[str, Any] = data["recordInvoiceChecks"]
    return result


async def test_the_seven_checks_in_one_call_each_with_who_and_when(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """issue 9 item 11, R-PAY-2: several checks in one call, each its own record with who and
    when, as if recorded one by one; the latest per check counts."""
    invoice = await recorded(api, parties["client"], parties["supplier"])
    some = [{"check": c, "passed": True} for c in ALL_CHECKS[:3]]
    first = await record_checks(api, invoice["id"], some)
    assert first["__typename"] == "InvoicePayload", first
    assert first["invoice"]["status"] == "RECEIVED"
    assert first["invoice"]["missingChecks"] == ALL_CHECKS[3:]

    rest = [{"check": c, "passed": True} for c in ALL_CHECKS[3:]]
    rest[-1]["note"] = "  searched the supplier's other invoices  "
    done = await record_checks(api, invoice["id"], rest, role="assistant", sub="ash.assistant")
    checked = done["invoice"]
    assert checked["status"] == "CHECKED" and checked["missingChecks"] == []
    assert [c["check"] for c in checked["checks"]] == ALL_CHECKS
    by_check = {c["check"]: c for c in checked["checks"]}
    assert {by_check[c]["checkedBy"] for c in ALL_CHECKS[:3]} == {"sasha.senior"}
    assert {by_check[c]["checkedBy"] for c in ALL_CHECKS[3:]} == {"ash.assistant"}
    assert all(c["checkedAt"] for c in checked["checks"])
    assert by_check["NOT_DUPLICATE"]["note"] == "searched the supplier's other invoices"
    assert len(checked["checkHistory"]) == 7
    assert (await audit_actions(db, invoice["id"], "Invoice")).count("check") == 7

    # A failure in a batch reopens the invoice, as a single failed check does.
    failed = await record_checks(
        api, invoice["id"], [{"check": "ARITHMETIC", "passed": False, "note": "VAT twice"}]
    )
    assert failed["invoice"]["status"] == "RECEIVED"
    assert failed["invoice"]["missingChecks"] == ["ARITHMETIC"]


async def test_a_batch_of_checks_with_one_bad_check_writes_nothing(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """issue 9 item 11: all or nothing. One bad entry refuses the whole call, naming it."""
    invoice = await recorded(api, parties["client"], parties["supplier"])
    checks: list[dict[str, Any]] = [{"check": c, "passed": True} for c in ALL_CHECKS]
    checks[4] = {"check": "HOW_TO_PAY", "passed": False, "note": " "}  # a failure needs a note
    refused = await record_checks(api, invoice["id"], checks)
    assert refused["__typename"] == "ValidationProblem", refused
    assert {f["field"]: f["message"] for f in refused["fields"]} == {
        "checks.4.note": "say why the check failed"
    }
    twice = await record_checks(
        api, invoice["id"], [{"check": "DATED", "passed": True}, {"check": "DATED", "passed": True}]
    )
    assert twice["__typename"] == "ValidationProblem"
    assert field_names(twice) == {"checks.1.check"}
    empty = await record_checks(api, invoice["id"], [])
    assert empty["__typename"] == "ValidationProblem"
    assert field_names(empty) == {"checks"}

    now = (await api.data(INVOICE, {"id": invoice["id"]}, role="auditor"))["invoice"]
    assert now["checkHistory"] == [] and now["missingChecks"] == ALL_CHECKS
    assert "check" not in await audit_actions(db, invoice["id"], "Invoice")

    # The same rules as one check at a time: officers only, and not once a payment is approved.
    body = await api.gql(
        RECORD_CHECKS,
        {"input": {"invoiceId": invoice["id"], "checks": checks[:1]}},
        role="integration_controcc",
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_a_failed_check_needs_a_note(api: Api, parties: dict[str, Any]) -> None:
    invoice = await recorded(api, parties["client"], parties["supplier"])
    result = await record_check(api, invoice["id"], "HEADED", passed=False, note="  ")
    assert result["__typename"] == "ValidationProblem"
    assert field_names(result) == {"note"}


async def test_checks_are_for_officers_only(api: Api, parties: dict[str, Any]) -> None:
    """R-ROLE-1: audit reads, integrations record invoices; neither checks them."""
    invoice = await recorded(api, parties["client"], parties["supplier"])
    for role in ("auditor", "integration_controcc", "integration_sap", "reporting"):
        body = await api.gql(
            RECORD_CHECK,
            {"input": {"invoiceId": invoice["id"], "check": "HEADED", "passed": True}},
            role=role,
        )
        assert error_codes(body) == ["FORBIDDEN"], role


# --- validation, R-PAY-5, R-PAY-6 -----------------------------------------------------------


async def test_items_must_add_up_to_the_invoice(api: Api, parties: dict[str, Any]) -> None:
    items = [
        {"description": "Toiletries", "amount": "12.50", "evidenceSeen": True},
        {"description": "Hairdresser", "amount": "8.00"},
    ]
    result = await record_invoice(
        api,
        parties["client"],
        parties["provider"],
        kind="CARE_PROVIDER_REIMBURSEMENT",
        category="OUT_OTHER",
        amount="21.00",
        items=items,
        officialInvoice=True,
    )
    assert result["__typename"] == "ValidationProblem"
    assert field_names(result) == {"items"}
    assert "20.50" in result["message"]

    ok = await recorded(
        api,
        parties["client"],
        parties["provider"],
        kind="CARE_PROVIDER_REIMBURSEMENT",
        category="OUT_OTHER",
        amount="20.50",
        items=items,
        officialInvoice=True,
    )
    assert ok["items"] == [
        {"line": 1, "description": "Toiletries", "amount": "12.50", "evidenceSeen": True},
        {"line": 2, "description": "Hairdresser", "amount": "8.00", "evidenceSeen": False},
    ]


async def test_a_reimbursement_lists_its_items_and_comes_from_a_care_provider(
    api: Api, parties: dict[str, Any]
) -> None:
    """R-PAY-5: a care provider is reimbursed item by item."""
    result = await record_invoice(
        api,
        parties["client"],
        parties["provider"],
        kind="CARE_PROVIDER_REIMBURSEMENT",
        category="OUT_OTHER",
    )
    assert result["__typename"] == "ValidationProblem"
    assert field_names(result) == {"items"}
    assert "R-PAY-5" in result["message"]
    result = await record_invoice(
        api,
        parties["client"],
        parties["supplier"],
        kind="CARE_PROVIDER_REIMBURSEMENT",
        category="OUT_OTHER",
        items=[{"description": "Shoes", "amount": "120.00"}],
    )
    assert field_names(result) == {"supplierId"}


async def test_personal_allowance_is_never_advanced_to_a_care_provider(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    """R-PAY-6: a provider's claim for personal allowance whose period ends after the invoice
    was received (an advance) is refused; one for a past period is accepted."""
    today.set(date(2026, 12, 10))
    client, provider = parties["client"], parties["provider"]
    pa = {"category": "OUT_PERSONAL_ALLOWANCE", "invoiceDate": "2026-12-01"}
    advance = await record_invoice(
        api, client, provider, periodStart="2026-12-01", periodEnd="2026-12-31", **pa
    )
    assert advance["__typename"] == "ValidationProblem", advance
    assert "R-PAY-6" in advance["message"]
    assert field_names(advance) == {"periodEnd"}

    no_period = await record_invoice(api, client, provider, **pa)
    assert no_period["__typename"] == "ValidationProblem"
    assert "R-PAY-6" in no_period["message"]

    arrears = await recorded(
        api, client, provider, periodStart="2026-11-01", periodEnd="2026-11-30", **pa
    )
    assert arrears["category"] == "OUT_PERSONAL_ALLOWANCE"
    up_to_today = await recorded(
        api, client, provider, periodStart="2026-12-01", periodEnd="2026-12-10", **pa
    )
    assert up_to_today["periodEnd"] == "2026-12-10"


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"amount": "0.00"}, {"amount"}),
        ({"amount": "-5.00"}, {"amount"}),
        ({"supplierInvoiceNumber": "   "}, {"supplierInvoiceNumber"}),
        ({"supplierInvoiceNumber": "X" * 61}, {"supplierInvoiceNumber"}),
        ({"description": ""}, {"description"}),
        ({"category": "IN_BENEFITS"}, {"category"}),
        ({"category": "OUT_GIFTS"}, {"category"}),
        ({"periodStart": "2026-02-01", "periodEnd": "2026-01-31"}, {"periodEnd"}),
        ({"kind": "COUNCIL_CARE_CONTRIBUTION"}, {"supplierId", "category"}),
    ],
)
async def test_invalid_invoices_are_validation_problems_and_nothing_is_written(
    api: Api,
    db: RolledBackDatabase,
    parties: dict[str, Any],
    overrides: dict[str, Any],
    fields: set[str],
) -> None:
    before = await scalar(db, "SELECT count(*) FROM invoice")
    result = await record_invoice(api, parties["client"], parties["supplier"], **overrides)
    assert result["__typename"] == "ValidationProblem", result
    assert result["code"] == "VALIDATION_FAILED"
    assert field_names(result) == fields
    assert await scalar(db, "SELECT count(*) FROM invoice") == before


async def test_unknown_client_or_supplier_is_not_found(api: Api, parties: dict[str, Any]) -> None:
    from ca_api.common.ids import encode_id

    ghost_client = {"id": encode_id("Client", uuid.uuid4()), "reference": "CA999999"}
    result = await record_invoice(api, ghost_client, parties["supplier"])
    assert result["__typename"] == "NotFoundProblem"
    assert result["id"] == ghost_client["id"]
    ghost_supplier = encode_id("Counterparty", uuid.uuid4())
    result = await record_invoice(api, parties["client"], ghost_supplier)
    assert result["__typename"] == "NotFoundProblem"
    assert result["id"] == ghost_supplier


async def test_a_money_typo_is_refused_before_anything_runs(
    api: Api, parties: dict[str, Any]
) -> None:
    variables = {
        "input": {
            **invoice_input(parties["client"], parties["supplier"], amount="12.5"),
            "idempotencyKey": new_key(),
        },
    }
    body = await api.gql(RECORD_INVOICE, variables)
    assert error_codes(body) == ["BAD_USER_INPUT"]


# --- idempotency ----------------------------------------------------------------------------


async def test_recording_again_with_the_same_key_replays_the_first_result(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """Stripe-style keys: the same key and input returns the first invoice and records nothing
    more; the same key with other input is refused."""
    key = new_key()
    variables = {
        "input": invoice_input(parties["client"], parties["supplier"]) | {"idempotencyKey": key}
    }
    first = (await api.data(RECORD_INVOICE, variables, role="support_assistant"))["recordInvoice"]
    count = await scalar(db, "SELECT count(*) FROM invoice")
    again = (await api.data(RECORD_INVOICE, variables, role="support_assistant"))["recordInvoice"]
    assert again["__typename"] == "RecordInvoicePayload"
    assert again["replayed"] is True and first["replayed"] is False
    assert again["invoice"]["id"] == first["invoice"]["id"]
    assert await scalar(db, "SELECT count(*) FROM invoice") == count

    changed = dict(variables, input=variables["input"] | {"amount": "121.00"})
    reused = (await api.data(RECORD_INVOICE, changed, role="support_assistant"))["recordInvoice"]
    assert reused["__typename"] == "IdempotencyKeyReusedProblem"
    assert reused["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert reused["key"] == key
    assert await scalar(db, "SELECT count(*) FROM invoice") == count


async def test_a_too_short_key_is_a_validation_problem(api: Api, parties: dict[str, Any]) -> None:
    result = await record_invoice(api, parties["client"], parties["supplier"], key="short")
    assert result["__typename"] == "ValidationProblem"


# --- integrations and roles -----------------------------------------------------------------


async def test_controcc_records_suppliers_and_reimbursements_only(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """Integrations do only the operations of their integration (R-ROLE): Controcc may not
    record the council's care charges (FORBIDDEN, nothing written)."""
    client = parties["client"]
    supplier = await recorded(
        api,
        client,
        parties["provider"],
        role="integration_controcc",
        sub="controcc",
        category="OUT_CARE_FEES",
    )
    assert supplier["source"] == "CONTROCC"
    reimbursement = await recorded(
        api,
        client,
        parties["provider"],
        role="integration_controcc",
        sub="controcc",
        kind="CARE_PROVIDER_REIMBURSEMENT",
        category="OUT_OTHER",
        amount="5.00",
        items=[{"description": "Newspaper", "amount": "5.00"}],
    )
    assert reimbursement["kind"] == "CARE_PROVIDER_REIMBURSEMENT"
    before = await scalar(db, "SELECT count(*) FROM invoice")
    variables = {
        "input": {
            **invoice_input(
                client,
                parties["council"],
                kind="COUNCIL_CARE_CONTRIBUTION",
                category="OUT_LOCAL_AUTHORITY_CARE_CHARGES",
            ),
            "idempotencyKey": new_key(),
        },
    }
    body = await api.gql(RECORD_INVOICE, variables, role="integration_controcc", sub="controcc")
    assert error_codes(body) == ["FORBIDDEN"]
    assert await scalar(db, "SELECT count(*) FROM invoice") == before


@pytest.mark.parametrize("kind", ["SUPPLIER", "CARE_PROVIDER_REIMBURSEMENT"])
async def test_sap_records_council_care_contributions_only(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any], kind: str
) -> None:
    before = await scalar(db, "SELECT count(*) FROM invoice")
    variables = {
        "input": {
            **invoice_input(
                parties["client"],
                parties["provider"],
                kind=kind,
                category="OUT_OTHER",
                items=[{"description": "Shoes", "amount": "120.00"}],
            ),
            "idempotencyKey": new_key(),
        },
    }
    body = await api.gql(RECORD_INVOICE, variables, role="integration_sap", sub="sap")
    assert error_codes(body) == ["FORBIDDEN"]
    assert await scalar(db, "SELECT count(*) FROM invoice") == before


@pytest.mark.parametrize("role", ["auditor", "reporting", "social_worker"])
async def test_only_officers_and_integrations_record_invoices(
    api: Api, parties: dict[str, Any], role: str
) -> None:
    variables = {
        "input": invoice_input(parties["client"], parties["supplier"])
        | {"idempotencyKey": new_key()}
    }
    body = await api.gql(RECORD_INVOICE, variables, role=role)
    assert error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "role", ["reporting", "social_worker", "integration_controcc", "integration_sap"]
)
async def test_invoices_are_read_by_officers_and_audit_only(
    api: Api, parties: dict[str, Any], role: str
) -> None:
    """Row scoping: LEDGER_READ (officers and audit, R-AUD-3); integrations read nothing back."""
    invoice = await recorded(api, parties["client"], parties["supplier"])
    assert (await api.data(INVOICE, {"id": invoice["id"]}, role="auditor"))["invoice"]["id"]
    assert error_codes(await api.gql(INVOICE, {"id": invoice["id"]}, role=role)) == ["FORBIDDEN"]
    assert error_codes(await api.gql(INVOICES, {}, role=role)) == ["FORBIDDEN"]


async def test_an_unknown_invoice_is_not_found(api: Api) -> None:
    from ca_api.common.ids import encode_id

    body = await api.gql(INVOICE, {"id": encode_id("Invoice", uuid.uuid4())})
    assert error_codes(body) == ["NOT_FOUND"]
    body = await api.gql(INVOICE, {"id": encode_id("Client", uuid.uuid4())})
    assert error_codes(body) == ["BAD_ID"]


# --- the caseload's list --------------------------------------------------------------------


async def walk(api: Api, flt: dict[str, Any], first: int = 2) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        data = await api.data(
            INVOICES, {"filter": flt, "first": first, "after": after}, role="senior_officer"
        )
        page = data["invoices"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_invoices_list_oldest_due_first_with_filters(
    api: Api, parties: dict[str, Any], today: Any
) -> None:
    """The SPA's worklist: across the caseload, oldest due first; by client, supplier, status,
    due date and overdue; paged by cursor."""
    client, supplier = parties["client"], parties["supplier"]
    other_client = await new_client(api)
    today.set(date(2026, 3, 2))
    march = await recorded(api, client, supplier, invoiceDate="2026-03-01")  # due 2026-03-31
    today.set(date(2026, 1, 5))
    january = await recorded(api, client, supplier, invoiceDate="2026-01-01")  # due 2026-02-03
    today.set(date(2026, 2, 2))
    february = await recorded(api, client, supplier, invoiceDate="2026-02-01")  # due 2026-03-03
    elsewhere = await recorded(api, other_client, parties["provider"], category="OUT_CARE_FEES")
    await check_all(api, february["id"])

    assert [january["dueOn"], february["dueOn"], march["dueOn"]] == [
        "2026-02-03",
        "2026-03-03",
        "2026-03-31",
    ]
    mine = await walk(api, {"clientId": client["id"]}, first=1)
    assert [n["id"] for n in mine] == [january["id"], february["id"], march["id"]]

    everyone = await walk(api, {})
    ids = [n["id"] for n in everyone]
    assert ids.index(january["id"]) < ids.index(elsewhere["id"]) < ids.index(march["id"])
    assert [n["dueOn"] for n in everyone] == sorted(n["dueOn"] for n in everyone)

    by_supplier = await walk(api, {"supplierId": parties["provider"]})
    assert [n["id"] for n in by_supplier] == [elsewhere["id"]]

    checked = await walk(api, {"clientId": client["id"], "status": "CHECKED"})
    assert [n["id"] for n in checked] == [february["id"]]

    due_soon = await walk(api, {"clientId": client["id"], "dueBefore": "2026-03-03"})
    assert [n["id"] for n in due_soon] == [january["id"]]

    today.set(date(2026, 3, 10))
    overdue = await walk(api, {"clientId": client["id"], "overdue": True})
    assert [(n["id"], n["daysOverdue"]) for n in overdue] == [
        (january["id"], 35),
        (february["id"], 7),
    ]
    not_overdue = await walk(api, {"clientId": client["id"], "overdue": False})
    assert [n["id"] for n in not_overdue] == [march["id"]]


async def test_a_forged_cursor_is_bad_input(api: Api) -> None:
    body = await api.gql(INVOICES, {"after": "bm9wZQ=="})
    assert error_codes(body) == ["BAD_USER_INPUT"]


# --- events: sender contacted, queries, cancellation ----------------------------------------


async def test_an_officer_records_events_and_a_cancelled_invoice_is_closed(
    api: Api, db: RolledBackDatabase, parties: dict[str, Any]
) -> None:
    """R-PAY-7: a query is recorded; a cancelled invoice takes no more checks (R-AUD-2: the
    record stays, with its events)."""
    invoice = await recorded(api, parties["client"], parties["supplier"])
    queried = (
        await api.data(
            RECORD_EVENT,
            {
                "input": {
                    "invoiceId": invoice["id"],
                    "event": "QUERIED",
                    "note": "Is the VAT number right?",
                }
            },
            role="assistant",
            sub="ash.assistant",
        )
    )["recordInvoiceEvent"]
    assert queried["invoice"]["events"] == [
        {"event": "QUERIED", "note": "Is the VAT number right?", "recordedBy": "ash.assistant"}
    ]
    no_note = (
        await api.data(
            RECORD_EVENT, {"input": {"invoiceId": invoice["id"], "event": "CANCELLED", "note": " "}}
        )
    )["recordInvoiceEvent"]
    assert no_note["__typename"] == "ValidationProblem"

    cancelled = (
        await api.data(
            RECORD_EVENT,
            {"input": {"invoiceId": invoice["id"], "event": "CANCELLED", "note": "sent in error"}},
        )
    )["recordInvoiceEvent"]
    assert cancelled["invoice"]["status"] == "CANCELLED"
    late = await record_check(api, invoice["id"], "HEADED")
    assert late["__typename"] == "InvalidStateProblem"
    assert late["code"] == "INVALID_STATE"
    assert await audit_actions(db, invoice["id"], "Invoice") == ["record", "queried", "cancelled"]
    # FUNDS_SHORT is the service's to record, not an officer's.
    body = await api.gql(
        RECORD_EVENT, {"input": {"invoiceId": invoice["id"], "event": "FUNDS_SHORT", "note": "x"}}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


# --- the pure rules -------------------------------------------------------------------------


def test_evidence_is_needed_only_over_the_threshold() -> None:
    """R-PAY-5: items *over* £10.00 (the policy figure, in pence) need their receipt seen."""
    items = [Item("a", 1000, False), Item("b", 1001, True), Item("c", 1001, False)]
    problems = reimbursement_problems(True, items, 1000)
    assert set(problems) == {"items"}
    assert "line 3" in problems["items"]
    assert reimbursement_problems(True, items[:2], 1000) == {}
    assert set(reimbursement_problems(False, items[:2], 1000)) == {"official_invoice"}


@pytest.mark.parametrize(
    ("payee", "period_end", "refused"),
    [
        (CounterpartyKind.CARE_PROVIDER, date(2026, 12, 11), True),  # an advance
        (CounterpartyKind.CARE_PROVIDER, None, True),  # cannot tell
        (CounterpartyKind.CARE_PROVIDER, date(2026, 12, 10), False),  # arrears
        (CounterpartyKind.SUPPLIER, date(2027, 1, 31), False),  # not a care provider
    ],
)
def test_personal_allowance_rule(
    payee: CounterpartyKind, period_end: date | None, refused: bool
) -> None:
    """R-PAY-6, judged against the day the invoice was received (10 December 2026)."""
    problem = personal_allowance_problem(
        Category.OUT_PERSONAL_ALLOWANCE, payee, period_end, date(2026, 12, 10)
    )
    assert (problem is not None) is refused
    assert (
        personal_allowance_problem(Category.OUT_CARE_FEES, payee, None, date(2026, 12, 10)) is None
    )


def test_what_each_principal_may_record() -> None:
    """Integrations only their own kinds of invoice; officers any."""
    assert invoice_kinds_allowed(frozenset({Role.INTEGRATION_SAP})) == {
        InvoiceKind.COUNCIL_CARE_CONTRIBUTION
    }
    assert invoice_kinds_allowed(frozenset({Role.INTEGRATION_CONTROCC})) == {
        InvoiceKind.SUPPLIER,
        InvoiceKind.CARE_PROVIDER_REIMBURSEMENT,
    }
    assert invoice_kinds_allowed(frozenset({Role.SUPPORT_ASSISTANT})) == set(InvoiceKind)
    assert invoice_kinds_allowed(frozenset({Role.AUDITOR})) == set()


def test_due_dates_by_kind() -> None:
    """R-PAY-1 working days; R-PAY-4 calendar days."""
    received = date(2026, 12, 10)
    assert due_date(InvoiceKind.SUPPLIER, received, 21) == date(2027, 1, 13)
    assert due_date(InvoiceKind.COUNCIL_CARE_CONTRIBUTION, received, 21) == date(2026, 12, 31)

"""Debts to the date of death in R-DEBT-1's order; invoices dated after it queried (issue 13
item 3, second half; R-DEATH-2, R-DEBT-1, R-PAY-7, seed 002 B 29.2), through /graphql, and the
order itself as a pure rule.

R-DEBT-1: "care homes for personal allowance they advanced; the council for care contributions;
unsecured creditors, oldest first." After a confirmed death a payment of an invoice on the
DEBT_BEFORE_DEATH basis is refused (DEBT_OUT_OF_ORDER, naming the invoice first) while one
ranked before it, dated up to the death, is open: with no payment raised when it is raised,
with its payment not yet approved (the money not held) when it is approved. A queried invoice
does not hold the others back; the funeral (FUNERAL) is not in the order. An invoice dated
after the death is queried by the service: when the death is confirmed, or when it is recorded
afterwards, by every recording door.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid
from ca_api.debts.rules import (
    Debt,
    DebtStage,
    debt_ahead,
    in_order,
    out_of_order_message,
)
from ca_api.invoices import events as invoice_events
from ca_api.invoices import reads as invoice_reads
from ca_api.invoices import recording as invoices
from ca_api.invoices.rules import InvoiceDraft, InvoiceKind, InvoiceStatus
from ca_api.ledger.rules import Category
from tests.conftest import Api, dates_counted_from
from tests.factories import (
    SCAO,
    approve_payment,
    audit_rows,
    care_home_reimbursement,
    check_all,
    confirm_death,
    confirmed_death,
    council_invoice,
    days_ago,
    fund,
    ledger_sound,
    make_payment,
    new_client,
    new_counterparty,
    payable_invoice,
    query_invoice,
    raise_payment,
    record_death,
    record_invoice,
    recorded,
)

COUNTED_FROM = clock.today()  # the day this module's dates count from; its tests run on it
DIED = (COUNTED_FROM - timedelta(days=10)).isoformat()
_dates = dates_counted_from(COUNTED_FROM)
DEBT = "DEBT_BEFORE_DEATH"
INVOICE = """query($id: ID!) { invoice(id: $id) {
  status datedAfterDeath events { event note recordedBy } } }"""
CHARGE = """mutation($input: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $input) {
  __typename ... on Problem { code message } } }"""


# --- the order, pure (R-DEBT-1) -----------------------------------------------------------------

D = date(2026, 1, 31)


def _debt(kind: InvoiceKind, on: date, number: str, **kw: Any) -> Debt:
    return Debt(uuid.uuid4(), kind, on, kw.pop("received_on", on), number, **kw)


def test_the_order_is_care_home_then_council_then_creditors_oldest_first() -> None:
    old_bill = _debt(InvoiceKind.SUPPLIER, date(2025, 6, 1), "OLD-BILL")
    new_bill = _debt(InvoiceKind.SUPPLIER, date(2025, 12, 1), "NEW-BILL")
    same_day_later = _debt(
        InvoiceKind.SUPPLIER, date(2025, 6, 1), "LATER", received_on=date(2025, 6, 9)
    )
    council = _debt(InvoiceKind.COUNCIL_CARE_CONTRIBUTION, date(2026, 1, 5), "COUNCIL")
    home = _debt(InvoiceKind.CARE_PROVIDER_REIMBURSEMENT, date(2026, 1, 20), "HOME")
    ordered = in_order([new_bill, council, same_day_later, old_bill, home])
    numbers = [d.supplier_invoice_number for d in ordered]
    assert numbers == ["HOME", "COUNCIL", "OLD-BILL", "LATER", "NEW-BILL"]


def test_the_first_open_debt_ranked_before_holds_a_payment_back() -> None:
    bill = _debt(InvoiceKind.SUPPLIER, date(2025, 6, 1), "BILL")
    council = _debt(InvoiceKind.COUNCIL_CARE_CONTRIBUTION, date(2026, 1, 5), "COUNCIL")
    home = _debt(InvoiceKind.CARE_PROVIDER_REIMBURSEMENT, date(2026, 1, 20), "HOME")
    every = [bill, council, home]
    for stage in DebtStage:
        assert debt_ahead(bill, every, D, stage) == home  # the first of those before it
        assert debt_ahead(council, every, D, stage) == home
        assert debt_ahead(home, every, D, stage) is None  # nothing ranks before the home
    message = out_of_order_message(bill, home, D, DebtStage.RAISED)
    assert "HOME" in message and "BILL" in message and "R-DEBT-1" in message


def test_what_an_earlier_debt_must_have_come_to_at_each_stage() -> None:
    bill = _debt(InvoiceKind.SUPPLIER, date(2025, 6, 1), "BILL")

    def home(status: InvoiceStatus, **kw: Any) -> Debt:
        kind = InvoiceKind.CARE_PROVIDER_REIMBURSEMENT
        return _debt(kind, date(2026, 1, 20), "HOME", status=status, **kw)

    raised, approved = DebtStage.RAISED, DebtStage.APPROVED
    # Its payment raised: a later one may be raised, not approved (the money is held in order).
    assert debt_ahead(bill, [home(InvoiceStatus.PAYMENT_RAISED)], D, raised) is None
    assert debt_ahead(bill, [home(InvoiceStatus.PAYMENT_RAISED)], D, approved) is not None
    assert debt_ahead(bill, [home(InvoiceStatus.APPROVED)], D, approved) is None
    # Refused for want of funds (R-PAY-3): the later ones wait (R-DEBT-1, R-DEBT-2).
    assert debt_ahead(bill, [home(InvoiceStatus.FUNDS_SHORT)], D, raised) is not None
    for status in (InvoiceStatus.RECEIVED, InvoiceStatus.CHECKED):
        assert debt_ahead(bill, [home(status)], D, raised) is not None
        # Queried (R-PAY-7): the SCAO's, it holds nothing back.
        assert debt_ahead(bill, [home(status, queried=True)], D, approved) is None
    # Dated after the death: not a debt of the client (R-DEATH-2).
    late_home = _debt(InvoiceKind.CARE_PROVIDER_REIMBURSEMENT, date(2026, 2, 2), "LATE")
    assert debt_ahead(bill, [late_home], D, raised) is None


# --- through /graphql ---------------------------------------------------------------------------


async def _three_debts(api: Api, session: AsyncSession) -> dict[str, Any]:
    """A client with £1,000 and three open invoices dated before their death (a supplier's, the
    oldest; the council's care charge; the care home's personal allowance advanced), the death
    confirmed."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    council = await new_counterparty(api, "COUNCIL")
    home = await new_counterparty(api, "CARE_PROVIDER")
    bill = await payable_invoice(
        api, client, supplier, invoiceDate=days_ago(40), supplierInvoiceNumber="GAS-OLD"
    )
    charge = await council_invoice(
        api, client, council, invoiceDate=days_ago(20), supplierInvoiceNumber="SAP-CARE"
    )
    await check_all(api, charge)
    allowance = await care_home_reimbursement(
        api, client, home, invoiceDate=days_ago(12), supplierInvoiceNumber="HOME-PA"
    )
    await confirmed_death(api, client["id"], DIED)
    return {"client": client, "bill": bill["id"], "charge": charge, "home": allowance["id"]}


def _out_of_order(result: dict[str, Any], first: str) -> None:
    assert result["__typename"] == "InvalidStateProblem", result
    assert result["code"] == "DEBT_OUT_OF_ORDER", result
    assert first in result["message"] and "R-DEBT-1" in result["message"], result


async def _payment_rows(api: Api, client_id: str) -> list[dict[str, Any]]:
    return [r for r in await audit_rows(api, clientId=client_id) if r["entityType"] == "payment"]


async def _raised(api: Api, invoice_id: str, basis: str = DEBT) -> str:
    result = await raise_payment(api, {"invoiceId": invoice_id, "windingUpBasis": basis})
    assert result["__typename"] == "PaymentPayload", result
    return str(result["payment"]["id"])


async def test_debts_before_death_are_paid_in_the_order_of_r_debt_1(
    api: Api, session: AsyncSession
) -> None:
    s = await _three_debts(api, session)
    client_id = s["client"]["id"]

    # The supplier's is the oldest, but the care home comes first: refused, naming it, nothing
    # written; the council's waits for the care home too.
    refused = await raise_payment(api, {"invoiceId": s["bill"], "windingUpBasis": DEBT})
    _out_of_order(refused, "HOME-PA")
    assert "GAS-OLD" in refused["message"]
    _out_of_order(
        await raise_payment(api, {"invoiceId": s["charge"], "windingUpBasis": DEBT}), "HOME-PA"
    )
    assert await _payment_rows(api, client_id) == []

    # In order: the care home's raised, then the council's, then the supplier's may be raised
    # (each one before has a payment raised)...
    home = await _raised(api, s["home"])
    charge = await _raised(api, s["charge"])
    bill = await _raised(api, s["bill"])
    # ...but none approved before the money of those before it is held (R-PAY-3).
    _out_of_order(await approve_payment(api, charge), "HOME-PA")
    _out_of_order(await approve_payment(api, bill), "HOME-PA")
    assert (await approve_payment(api, home))["__typename"] == "PaymentPayload"
    _out_of_order(await approve_payment(api, bill), "SAP-CARE")
    assert (await approve_payment(api, charge))["__typename"] == "PaymentPayload"
    assert (await approve_payment(api, bill))["__typename"] == "PaymentPayload"
    for pid in (home, charge, bill):
        made = await make_payment(api, pid)
        assert made["__typename"] == "PaymentPayload" and made["payment"]["status"] == "MADE"
    assert await ledger_sound(api)


async def test_a_queried_invoice_does_not_hold_the_others_back(
    api: Api, session: AsyncSession
) -> None:
    """R-PAY-7: a query about the care home's invoice is the SCAO's; the rest are paid."""
    s = await _three_debts(api, session)
    await query_invoice(api, s["home"], "Was this allowance given?")
    charge = await _raised(api, s["charge"])
    assert (await approve_payment(api, charge))["__typename"] == "PaymentPayload"
    bill = await _raised(api, s["bill"])
    assert (await approve_payment(api, bill))["__typename"] == "PaymentPayload"


async def test_the_funeral_is_not_in_the_order(api: Api, session: AsyncSession) -> None:
    """The funeral's costs come first in law: a funeral director's bill dated after the death is
    queried (R-DEATH-2) but paid on the FUNERAL basis while the debts are still open."""
    s = await _three_debts(api, session)
    director = await new_counterparty(api, "SUPPLIER")
    funeral = await payable_invoice(
        api,
        s["client"],
        director,
        invoiceDate=days_ago(3),
        category="OUT_OTHER",
        supplierInvoiceNumber="FUNERAL-1",
    )
    assert [e["event"] for e in funeral["events"]] == ["QUERIED"]
    late = await raise_payment(api, {"invoiceId": funeral["id"], "windingUpBasis": DEBT})
    assert late["__typename"] == "InvalidStateProblem" and late["code"] == "CLIENT_DECEASED"
    pid = await _raised(api, funeral["id"], "FUNERAL")
    assert (await approve_payment(api, pid))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, pid))["payment"]["status"] == "MADE"
    shown = await api.data(INVOICE, {"id": funeral["id"]}, **SCAO)
    assert shown["invoice"]["status"] == "PAID" and shown["invoice"]["datedAfterDeath"] is True
    # Paid: no longer outstanding after the death.
    client_uuid = decode_uuid("Client", s["client"]["id"])
    assert await invoice_events.after_death_of_clients(session, [client_uuid]) == {}


async def test_the_wind_up_fee_still_waits_for_the_debts_before_death(
    api: Api, session: AsyncSession
) -> None:
    """R-FEE-5, B 29.4: the fee after every due invoice; the order does not change that."""
    s = await _three_debts(api, session)
    variables = {"input": {"clientId": s["client"]["id"], "idempotencyKey": "fee-waits"}}
    refused = (await api.data(CHARGE, variables, **SCAO))["chargeWindUpFee"]
    assert refused["__typename"] == "InvalidStateProblem", refused
    for number in ("GAS-OLD", "SAP-CARE", "HOME-PA"):
        assert number in refused["message"], refused


async def test_the_order_does_not_apply_to_a_living_client(api: Api, session: AsyncSession) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    home = await new_counterparty(api, "CARE_PROVIDER")
    await care_home_reimbursement(api, client, home, invoiceDate=days_ago(12))
    bill = await payable_invoice(api, client, supplier, invoiceDate=days_ago(40))
    result = await raise_payment(api, {"invoiceId": bill["id"]})
    assert result["__typename"] == "PaymentPayload", result
    assert (await approve_payment(api, result["payment"]["id"]))["__typename"] == "PaymentPayload"
    # Nor while the death awaits confirmation (nothing has taken effect).
    other = await payable_invoice(api, client, supplier, invoiceDate=days_ago(30))
    await record_death(api, client["id"], DIED)
    assert (await raise_payment(api, {"invoiceId": other["id"]}))["__typename"] == (
        "PaymentPayload"
    )


# --- after the death: queried (R-DEATH-2, B 29.2) -----------------------------------------------


def _after_death_query(invoice: dict[str, Any], recorded_by: str) -> None:
    events = invoice["events"]
    assert [(e["event"], e["recordedBy"]) for e in events] == [("QUERIED", recorded_by)], events
    assert DIED in events[0]["note"] and "R-DEATH-2" in events[0]["note"], events


async def test_an_invoice_dated_after_death_recorded_after_confirmation_is_queried_at_once(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    council = await new_counterparty(api, "COUNCIL")
    await confirmed_death(api, client["id"], DIED)

    # By an officer.
    result = await record_invoice(
        api, client, supplier, invoiceDate=days_ago(5), supplierInvoiceNumber="AFTER-1"
    )
    assert result["__typename"] == "RecordInvoicePayload", result
    assert any("R-DEATH-2" in w for w in result["warnings"]), result
    invoice = result["invoice"]
    _after_death_query(invoice, "sam.support")
    shown = await api.data(INVOICE, {"id": invoice["id"]}, **SCAO)
    assert shown["invoice"]["datedAfterDeath"] is True
    queried = [
        r
        for r in await audit_rows(api, clientId=client["id"])
        if r["action"] == "queried" and r["entityId"] == str(decode_uuid("Invoice", invoice["id"]))
    ]
    assert len(queried) == 1, queried
    # Never paid as a debt before death (the service refuses it, seed 002 B 29.2).
    await check_all(api, invoice["id"])
    late = await raise_payment(api, {"invoiceId": invoice["id"], "windingUpBasis": DEBT})
    assert late["__typename"] == "InvalidStateProblem" and late["code"] == "CLIENT_DECEASED"

    # By SAP, the council's integration: the same.
    sap = await recorded(
        api,
        client,
        council,
        kind="COUNCIL_CARE_CONTRIBUTION",
        category="OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        invoiceDate=days_ago(2),
        role="integration_sap",
        sub="sap",
    )
    assert sap["events"] is None  # casework: withheld from the integrations (issue 17, R-ROLE)
    _after_death_query((await api.data(INVOICE, {"id": sap["id"]}, **SCAO))["invoice"], "sap")

    # One dated up to the death is the client's debt: not queried.
    debt = await recorded(api, client, supplier, invoiceDate=DIED)
    assert debt["events"] == []
    shown = await api.data(INVOICE, {"id": debt["id"]}, **SCAO)
    assert shown["invoice"]["datedAfterDeath"] is False

    found = await invoice_events.after_death_of_clients(  # what the lead's item 6 lists
        session, [decode_uuid("Client", client["id"])]
    )
    assert sorted(str(v.invoice.supplier_invoice_number) for vs in found.values() for v in vs) == (
        sorted(["AFTER-1", sap["supplierInvoiceNumber"]])
    )


async def test_one_recorded_before_confirmation_is_queried_by_the_confirmation(
    api: Api,
) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    after = await recorded(api, client, supplier, invoiceDate=days_ago(5))
    cancelled = await recorded(api, client, supplier, invoiceDate=days_ago(4))
    await api.data(
        """mutation($input: RecordInvoiceEventInput!) { recordInvoiceEvent(input: $input) {
             __typename } }""",
        {"input": {"invoiceId": cancelled["id"], "event": "CANCELLED", "note": "sent in error"}},
        role="assistant",
        sub="ash.assistant",
    )
    before = await recorded(api, client, supplier, invoiceDate=days_ago(11))
    await record_death(api, client["id"], DIED)
    pending = await api.data(INVOICE, {"id": after["id"]}, **SCAO)
    assert pending["invoice"]["events"] == [] and pending["invoice"]["datedAfterDeath"] is False

    done = await confirm_death(api, client["id"])
    assert done["__typename"] == "DeathPayload", done
    shown = (await api.data(INVOICE, {"id": after["id"]}, **SCAO))["invoice"]
    _after_death_query(shown, "olu.scao")
    assert shown["datedAfterDeath"] is True
    untouched = (await api.data(INVOICE, {"id": cancelled["id"]}, **SCAO))["invoice"]
    assert [e["event"] for e in untouched["events"]] == ["CANCELLED"]
    assert (await api.data(INVOICE, {"id": before["id"]}, **SCAO))["invoice"]["events"] == []
    confirmed = [
        r for r in await audit_rows(api, clientId=client["id"]) if r["action"] == "confirm"
    ]
    assert confirmed[0]["after"]["invoices_queried"] == [str(decode_uuid("Invoice", after["id"]))]


async def test_a_caseload_import_queries_an_invoice_dated_after_death(
    api: Api, session: AsyncSession
) -> None:
    """Every recording door: the import's ``invoices.recording.import_invoices`` too."""
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    await confirmed_death(api, client["id"], DIED)
    actor = Actor(Principal("grace.tgm", frozenset({Role.GOVERNANCE_MANAGER})), "test-import")

    def imported(number: str, on: str) -> invoices.ImportedInvoice:
        draft = InvoiceDraft(
            supplier_invoice_number=number,
            invoice_date=date.fromisoformat(on),
            amount=12_000,
            kind=InvoiceKind.SUPPLIER,
            category=Category.OUT_ELECTRICITY,
            description="Electricity",
            period_start=None,
            period_end=None,
            items=(),
            official_invoice=False,
            direct_debit=False,
        )
        new = invoices.NewInvoice(
            decode_uuid("Client", client["id"]), decode_uuid("Counterparty", supplier), draft
        )
        return invoices.ImportedInvoice(new, date.fromisoformat(days_ago(1)))

    late, debt = await invoices.import_invoices(
        session,
        actor,
        [imported("IMP-LATE", days_ago(3)), imported("IMP-DEBT", days_ago(20))],
        why="test import",
    )
    views = await invoice_reads.invoices_by_id(session, [late, debt])
    events = await invoice_reads.events_by_invoice(session, [late, debt])
    assert [e.event for e in events.get(late, [])] == ["QUERIED"]
    assert events.get(debt, []) == []
    assert views[late].status is InvoiceStatus.RECEIVED  # queried, still recorded as it stands

"""Each business event at each of its doors, for the right system and not the wrong one
(issue 17 item 3), read through the real /graphql endpoint with real integration tokens.

SAP (the council's ledger, income recovery): payments made to the council, fees charged for
the council, the wind-up fee, a small estate kept (R-DEATH-4), what becomes of the invoices it
sent (held, released, funds short: R-REF-7, R-PAY-3), appointment and death (R-REF-7,
R-DEATH-1). Controcc (care and financial assessment): the same for its own invoices,
appointment and death, financial information for an assessment, a client's bank balance at a
statement's end (seed 002 1.6, R-ACC-7).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    WIND_UP_FEE_PENCE,
    approve_payment,
    check_all,
    council_invoice,
    deputy,
    estate_ready,
    fund,
    import_statement,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    raised_payment,
    record_appointeeship,
    recorded,
    run_fees,
)
from tests.test_integration_feed import CONTROCC, SAP, feed
from tests.test_reconciliation import HEADER, Books, books, d

__all__ = ["books"]  # the fixture, shared with the reconciliation tests

SCAO = {"role": "senior_officer", "sub": "olu.scao"}
HOLD_PAYLOAD = f"""__typename ... on InvoiceHoldPayload {{ replayed invoice {{ id onHold }} }}
{KEYED_PROBLEMS}"""
HOLD = (
    f"""mutation($input: HoldInvoiceInput!) {{ holdInvoice(input: $input) {{ {HOLD_PAYLOAD} }} }}"""
)
RELEASE = f"""mutation($input: ReleaseInvoiceHoldInput!) {{
  releaseInvoiceHold(input: $input) {{ {HOLD_PAYLOAD} }} }}"""
RAISE_ESTATE = f"""mutation($input: RaiseEstatePaymentInput!) {{
  raiseEstatePayment(input: $input) {{ __typename
    ... on EstatePaymentPayload {{ payment {{ id }} }} {KEYED_PROBLEMS} }} }}"""
ASSESS = """mutation($input: RecordFinancialAssessmentInput!) {
  recordFinancialAssessment(input: $input) { __typename } }"""


async def topics(api: Api, who: dict[str, str], client_id: str) -> list[tuple[str, Any]]:
    edges, _ = await feed(api, who, clientId=client_id)
    return [(e["node"]["topic"], e["node"]["payload"]) for e in edges]


async def officer_change(api: Api, document: str, invoice_id: str) -> None:
    variables = {
        "input": {"invoiceId": invoice_id, "reason": "queried", "idempotencyKey": new_key()}
    }
    result = next(iter((await api.data(document, variables, **SCAO)).values()))
    assert result["__typename"] == "InvoiceHoldPayload", result


async def test_holds_on_an_invoice_are_told_to_the_system_that_sent_it(api: Api) -> None:
    """R-REF-7: SAP hears of its council invoice held on appointment, held by hand and
    released; Controcc of its own supplier invoice; neither of the other's, and an invoice an
    officer recorded is told to no system."""
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    supplier = await new_counterparty(api, "SUPPLIER")
    sap_invoice = await council_invoice(api, client, council)
    controcc_invoice = (
        await recorded(api, client, supplier, role="integration_controcc", sub="controcc")
    )["id"]
    officer_invoice = (await recorded(api, client, supplier))["id"]
    # the appointment holds SAP's council invoice (R-REF-7) and tells both systems
    appointed = await record_appointeeship(api, client["id"])
    assert appointed["__typename"] == "AppointeeshipPayload", appointed
    sap = await topics(api, SAP, client["id"])
    assert [t for t, _ in sap] == ["INVOICE_HELD", "APPOINTED"]
    held = sap[0][1]
    assert held["facts"]["cause"] == "ON_APPOINTMENT" and held["facts"]["amount"] == 12_000
    assert sap[1][1]["facts"]["order"] == "APPOINTEESHIP"
    assert "client_name" not in sap[1][1]
    assert [t for t, _ in await topics(api, CONTROCC, client["id"])] == ["APPOINTED"]
    # released, then held again by hand: each told
    await officer_change(api, RELEASE, sap_invoice)
    await officer_change(api, HOLD, sap_invoice)
    await officer_change(api, HOLD, controcc_invoice)
    await officer_change(api, HOLD, officer_invoice)
    sap = await topics(api, SAP, client["id"])
    assert [t for t, _ in sap][2:] == ["INVOICE_HOLD_RELEASED", "INVOICE_HELD"]
    assert sap[3][1]["facts"]["cause"] == "OFFICER"
    controcc = await topics(api, CONTROCC, client["id"])
    assert [t for t, _ in controcc] == ["APPOINTED", "INVOICE_HELD"]
    assert controcc[1][1]["facts"]["invoice_kind"] == "SUPPLIER"


async def test_funds_short_is_told_to_the_invoice_sender(api: Api) -> None:
    """R-PAY-3: the approval refused for want of funds tells SAP, which sent the invoice, at
    once (in the refusal's own transaction); not Controcc."""
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council)
    await check_all(api, invoice_id)
    payment = await raised_payment(api, invoice_id)
    refused = await approve_payment(api, payment["id"])
    assert refused["__typename"] != "PaymentPayload", refused
    again = await approve_payment(api, payment["id"])  # still short: told once per payment
    assert again["__typename"] != "PaymentPayload", again
    sap = await topics(api, SAP, client["id"])
    assert [t for t, _ in sap] == ["INVOICE_FUNDS_SHORT"]
    assert "available" in sap[0][1]["facts"]["reason"]
    assert await topics(api, CONTROCC, client["id"]) == []


async def test_a_fee_run_tells_sap_of_each_fee_for_the_council(
    api: Api, session: AsyncSession
) -> None:
    """R-FEE-1, R-FEE-3: deputy remuneration is the council's income: SAP hears each; the OPG's
    supervision fee is not the council's; Controcc hears neither. A repeat of the run tells
    nothing twice."""
    client_id = await deputy(api, session, "2014-05-20", "TYPE_2A", 5_000_000)
    key = new_key()
    await run_fees(api, "2016-04-01", "2016-06-30", key=key)
    await run_fees(api, "2016-04-01", "2016-06-30", key=key)
    await run_fees(api, "2016-04-01", "2016-06-30")
    sap = await topics(api, SAP, client_id)
    assert [t for t, _ in sap] == ["APPOINTED", "FEE_CHARGED"]
    facts = sap[1][1]["facts"]
    assert facts["kind"] == "DEPUTY_REMUNERATION" and facts["amount"] > 0
    assert [t for t, _ in await topics(api, CONTROCC, client_id)] == ["APPOINTED"]


async def test_death_wind_up_fee_and_a_small_estate_kept(api: Api, session: AsyncSession) -> None:
    """R-DEATH-1: both systems hear of the death; R-FEE-5: SAP of the wind-up fee; R-DEATH-4:
    SAP of the small estate kept by the council, as ESTATE_KEPT and not also as a payment."""
    client = await estate_ready(api, session, 40_000)
    raised = await api.data(
        RAISE_ESTATE, {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}
    )
    raised = raised["raiseEstatePayment"]
    assert raised["__typename"] == "EstatePaymentPayload", raised
    payment_id = raised["payment"]["id"]
    assert (await approve_payment(api, payment_id))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, payment_id))["__typename"] == "PaymentPayload"
    sap = await topics(api, SAP, client["id"])
    assert [t for t, _ in sap] == ["DEATH_NOTIFIED", "WIND_UP_FEE_TAKEN", "ESTATE_KEPT"]
    assert sap[1][1]["facts"]["amount"] == WIND_UP_FEE_PENCE
    assert sap[2][1]["facts"]["amount"] == 40_000
    assert [t for t, _ in await topics(api, CONTROCC, client["id"])] == ["DEATH_NOTIFIED"]


async def test_financial_information_for_an_assessment_goes_to_controcc(
    api: Api, session: AsyncSession
) -> None:
    """Seed 002 B 4.2-4.4: a client referred for assessment: Controcc hears the balances the
    council holds for them; SAP does not; the assessment's outcome is not told back."""
    client = await new_client(api)
    await fund(session, api, client, 123_456)
    for status, extra in (
        ("REFERRED", {"referredOn": "2026-01-05"}),
        ("ASSESSED", {"assessedOn": "2026-01-06", "weeklyCharge": "10.00"}),
    ):
        variables = {
            "input": {
                "clientId": client["id"],
                "status": status,
                "idempotencyKey": new_key(),
                **extra,
            }
        }
        done = await api.data(ASSESS, variables, role="assistant", sub="ash")
        assert done["recordFinancialAssessment"]["__typename"] != "ValidationProblem", done
    controcc = await topics(api, CONTROCC, client["id"])
    assert [t for t, _ in controcc] == ["FINANCIAL_INFORMATION"]
    facts = controcc[0][1]["facts"]
    assert facts["total_balance"] == 123_456 and facts["referred_on"] == "2026-01-05"
    assert await topics(api, SAP, client["id"]) == []


async def test_a_bank_statement_tells_controcc_each_client_balance(api: Api, books: Books) -> None:
    """Seed 002 1.6, R-ACC-7: Controcc's financial protection module reconciles client
    balances to the bank: each client with money on the statement's matched lines hears their
    balance with the bank at its end; SAP does not."""
    await books.benefit(50000, d(1, 9))  # before the period
    await books.benefit(18430, d(5), "PIP123")
    await books.gas_bill(4500, d(12))
    csv = HEADER + "2026-10-05,DWP PIP,PIP123,184.30\n" + "2026-10-12,BRITISH GAS,,-45.00\n"
    result = await import_statement(api, csv, opening="500.00", closing="639.30")
    assert result["__typename"] == "ImportBankStatementPayload", result
    client_id = encode_id("Client", books.client_id)
    controcc = await topics(api, CONTROCC, client_id)
    assert [t for t, _ in controcc] == ["BANK_BALANCE"]
    facts = controcc[0][1]["facts"]
    assert facts["balance"] == 63_930 and facts["period_end"] == "2026-10-31"
    assert await topics(api, SAP, client_id) == []

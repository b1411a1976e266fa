"""Benefits received after a client's death (issue 13 item 3, R-DEATH-2, seed 002 B 29.2:
"Overpayments of benefits should be repaid upon request from the relevant agency"), through
/graphql.

A benefit or pension received for days after the date of death is flagged as a likely
overpayment and held back in the ledger (it counts as spent: the fee, the estate, a debt cannot
use it), when the death is confirmed or when the receipt is recorded after it. The paying
agency's request raises the repayment, approved and made as every payment (four eyes, limits);
a senior officer releases one the agency says is not owed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import decode_uuid
from ca_api.deaths.spending import refuse_estate_before_wind_up_fee
from ca_api.errors import InvalidState
from ca_api.overpayments import service as overpayments
from ca_api.overpayments.rules import OverpaymentStatus
from tests.conftest import Api, dates_counted_from
from tests.factories import (
    BENEFIT_OVERPAYMENTS,
    RECORD_RUN,
    SCAO,
    approve_payment,
    assert_forbidden,
    audit_rows,
    benefit_overpayments,
    cancel_payment,
    cms_account,
    confirmed_death,
    fund,
    ledger_sound,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    payable_invoice,
    raise_payment,
    record_receipt,
    release_benefit_overpayment,
    request_overpayment_repayment,
)

TODAY = clock.today()  # the day this module's dates count from; its tests run on it
DIED = TODAY - timedelta(days=20)
_dates = dates_counted_from(TODAY)


def day(offset_from_death: int) -> str:
    """A date counted from the date of death (negative: before it)."""
    return (DIED + timedelta(days=offset_from_death)).isoformat()


# A four-week Attendance Allowance period with 3 days after the death: 100.00 * 3 / 28 = 10.71
STRADDLING = {"periodStart": day(-24), "periodEnd": day(3), "valueDate": day(4)}


def benefit(client_id: str, payer: str, amount: str = "100.00", **kw: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "payerId": payer,
        "amount": amount,
        "method": "BANK_TRANSFER",
        "benefit": "ATTENDANCE_ALLOWANCE",
        **STRADDLING,
        **kw,
    }


async def _receipt(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    done = await record_receipt(api, input)
    assert done["__typename"] == "ReceiptPayload", done
    receipt: dict[str, Any] = done["receipt"]
    return receipt


async def _deceased_with_held_benefit(
    api: Api, session: AsyncSession, *, funds: int = 50_000
) -> tuple[dict[str, str], str, dict[str, Any]]:
    """A client with ``funds`` pence (not a benefit), a straddling benefit of 100.00 from the
    DWP recorded, then the death confirmed: (client, the DWP's id, the overpayment)."""
    client = await new_client(api)
    if funds:
        await fund(session, api, client, funds)
    dwp = await new_counterparty(api, "DWP")
    await _receipt(api, benefit(client["id"], dwp))
    await confirmed_death(api, client["id"], DIED.isoformat())
    [held] = await benefit_overpayments(api, client["id"])
    return client, dwp, held


async def test_a_period_straddling_the_death_is_held_pro_rata_when_it_is_confirmed(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 50_000)
    dwp = await new_counterparty(api, "DWP")
    straddling = await _receipt(api, benefit(client["id"], dwp))
    # ending on the date of death: the client lived that day, nothing overpaid
    await _receipt(
        api,
        benefit(client["id"], dwp, periodStart=day(-27), periodEnd=day(0), valueDate=day(1)),
    )
    # not a benefit nor a pension: not the agency's to ask back
    await _receipt(
        api,
        benefit(
            client["id"],
            dwp,
            benefit=None,
            category="IN_REFUNDS",
            periodStart=None,
            periodEnd=None,
            valueDate=day(5),
        ),
    )
    assert await benefit_overpayments(api, client["id"]) == []  # alive: nothing flagged

    await confirmed_death(api, client["id"], DIED.isoformat())

    [held] = await benefit_overpayments(api, client["id"])
    assert held["receipt"]["id"] == straddling["id"]
    assert (held["daysAfterDeath"], held["daysInPeriod"]) == (3, 28)
    assert held["amountFlagged"] == held["amountHeld"] == held["heldNow"] == "10.71"
    assert held["shortfall"] == "0.00"
    assert held["status"] == "HELD" and held["outstanding"] is True
    assert held["payer"]["id"] == dwp and held["flaggedBy"] == "olu.scao"
    assert held["holdTransferId"] is not None
    cms = await cms_account(api, client)
    assert cms["held"] == "10.71"
    assert cms["available"] == f"{500 + 100 + 100 + 100 - 10.71:.2f}"
    flags = [r for r in await audit_rows(api, clientId=client["id"]) if r["action"] == "flag"]
    assert len(flags) == 1 and flags[0]["entityType"] == "benefit_overpayment"
    assert await ledger_sound(api)


async def test_a_benefit_recorded_after_the_death_is_confirmed_is_held_at_once(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await confirmed_death(api, client["id"], DIED.isoformat())
    pensions = await new_counterparty(api, "PENSION_PAYER")
    # a private pension with no period received after the death: all of it (the agency
    # decides the real figure when it asks)
    pension = await _receipt(
        api,
        {
            "clientId": client["id"],
            "payerId": pensions,
            "amount": "250.00",
            "method": "BANK_TRANSFER",
            "category": "IN_PRIVATE_PENSION",
            "valueDate": day(2),
        },
    )
    [held] = await benefit_overpayments(api, client["id"])
    assert held["receipt"]["id"] == pension["id"]
    assert held["amountFlagged"] == held["heldNow"] == "250.00"
    assert (held["daysAfterDeath"], held["daysInPeriod"]) == (None, None)
    assert (await cms_account(api, client))["available"] == "0.00"


async def test_a_benefit_run_line_for_a_deceased_client_is_held(
    api: Api, session: AsyncSession
) -> None:
    alive, deceased = await new_client(api), await new_client(api)
    await confirmed_death(api, deceased["id"], DIED.isoformat())
    dwp = await new_counterparty(api, "DWP")

    def line(client_id: str) -> dict[str, Any]:
        # 28 days, 17 of them after the death: 280.00 * 17 / 28 = 170.00
        return {
            "clientId": client_id,
            "payerId": dwp,
            "benefit": "ATTENDANCE_ALLOWANCE",
            "amount": "280.00",
            "periodStart": day(-10),
            "periodEnd": day(17),
        }

    variables = {
        "input": {
            "lines": [line(alive["id"]), line(deceased["id"])],
            "valueDate": day(18),
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(RECORD_RUN, variables, role="support_assistant", sub="sam.support")
    assert data["recordBenefitRun"]["__typename"] == "BenefitRunPayload", data
    [held] = await benefit_overpayments(api, deceased["id"])
    assert held["amountFlagged"] == held["heldNow"] == "170.00"
    assert (held["daysAfterDeath"], held["daysInPeriod"]) == (17, 28)
    assert await benefit_overpayments(api, alive["id"]) == []
    assert (await cms_account(api, deceased))["available"] == "110.00"
    assert (await cms_account(api, alive))["available"] == "280.00"
    assert await ledger_sound(api)


async def test_money_spent_before_the_death_was_confirmed_is_a_recorded_shortfall(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    dwp = await new_counterparty(api, "DWP")
    # all after the death, but only 40.00 of it is left when the death is confirmed
    await _receipt(api, benefit(client["id"], dwp, periodStart=day(1), periodEnd=day(28)))
    # 60.00 of it paid out on an invoice dated before the death
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(
        api,
        client,
        supplier,
        invoiceDate=day(-5),
        supplierInvoiceNumber="INV-SPENT",
        amount="60.00",
    )
    raised = await raise_payment(api, {"invoiceId": invoice["id"]})
    pid = raised["payment"]["id"]
    assert (await approve_payment(api, pid))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, pid))["__typename"] == "PaymentPayload"

    await confirmed_death(api, client["id"], DIED.isoformat())
    [held] = await benefit_overpayments(api, client["id"])
    assert held["amountFlagged"] == "100.00"
    assert held["amountHeld"] == held["heldNow"] == "40.00"
    assert held["shortfall"] == "60.00"
    flag = [r for r in await audit_rows(api, clientId=client["id"]) if r["action"] == "flag"]
    assert flag[0]["after"]["shortfall"] == 6000


async def test_held_money_cannot_pay_the_wind_up_fee(api: Api, session: AsyncSession) -> None:
    """The hold counts as spent (R-PAY-3): 300.00 free and 100.00 held is too little for the
    375.00 fee."""
    client = await new_client(api)
    await fund(session, api, client, 30_000)
    dwp = await new_counterparty(api, "DWP")
    await _receipt(api, benefit(client["id"], dwp, periodStart=day(1), periodEnd=day(28)))
    await confirmed_death(api, client["id"], DIED.isoformat())
    charge = """mutation($input: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $input) {
                  __typename ... on InsufficientFundsProblem { available wanted } } }"""
    data = await api.data(
        charge, {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}, **SCAO
    )
    assert data["chargeWindUpFee"] == {
        "__typename": "InsufficientFundsProblem",
        "available": "300.00",
        "wanted": "375.00",
    }


async def test_repaid_on_request_through_the_one_approval_mechanism(
    api: Api, session: AsyncSession
) -> None:
    client, dwp, held = await _deceased_with_held_benefit(api, session)
    before = await cms_account(api, client)

    asked = await request_overpayment_repayment(
        api, [held["overpaymentId"]], "10.71", reference="DWP/OP/42", key="op-request", **SCAO
    )
    assert asked["__typename"] == "OverpaymentRepaymentPayload", asked
    assert asked["replayed"] is False
    payment = asked["payment"]
    assert payment["status"] == "RAISED" and payment["amount"] == "10.71"
    assert payment["windingUpBasis"] == "REPAYMENT" and payment["payee"]["id"] == dwp
    assert asked["request"]["overpayments"] == [
        {"overpaymentId": held["overpaymentId"], "receipt": {"id": held["receipt"]["id"]}}
    ]
    [requested] = asked["overpayments"]
    # Still held while the repayment awaits approval: nothing else can take the money (R-DEATH-2)
    assert requested["status"] == "REPAYMENT_REQUESTED" and requested["heldNow"] == "10.71"
    assert requested["request"]["agencyReference"] == "DWP/OP/42"
    assert (await cms_account(api, client))["available"] == before["available"]

    again = await request_overpayment_repayment(
        api, [held["overpaymentId"]], "10.71", reference="DWP/OP/42", key="op-request", **SCAO
    )
    assert again["__typename"] == "OverpaymentRepaymentPayload" and again["replayed"] is True
    assert again["payment"]["id"] == payment["id"]

    # four eyes (R-ROLE-2): whoever recorded the request raised the payment
    own = await approve_payment(api, payment["id"])
    assert own["__typename"] == "FourEyesProblem", own
    approved = await approve_payment(api, payment["id"], role="governance_manager", sub="grace.tgm")
    assert approved["__typename"] == "PaymentPayload", approved
    # The approval takes the share's hold over: held once, by the payment, never twice.
    [handed] = await benefit_overpayments(api, client["id"])
    assert handed["heldNow"] == "0.00"
    assert (await cms_account(api, client))["available"] == before["available"]
    made = await make_payment(api, payment["id"])
    assert made["__typename"] == "PaymentPayload", made

    [repaid] = await benefit_overpayments(api, client["id"])
    assert repaid["status"] == "REPAID" and repaid["outstanding"] is False
    assert repaid["request"]["payment"]["status"] == "MADE"
    assert await benefit_overpayments(api, client["id"], outstanding=True) == []
    after = await cms_account(api, client)
    assert after["held"] == "0.00"
    assert float(after["balance"]) == pytest.approx(float(before["balance"]) - 10.71)
    assert after["available"] == before["available"]
    actions = {r["action"] for r in await audit_rows(api, clientId=client["id"])}
    assert {"flag", "request_repayment", "record"} <= actions
    assert await ledger_sound(api)


async def test_a_remainder_not_asked_for_stays_held_until_released(
    api: Api, session: AsyncSession
) -> None:
    client, _, held = await _deceased_with_held_benefit(api, session)
    asked = await request_overpayment_repayment(api, [held["overpaymentId"]], "10.00")
    assert asked["__typename"] == "OverpaymentRepaymentPayload", asked
    [requested] = asked["overpayments"]
    assert requested["amountRequested"] == "10.00" and requested["heldNow"] == "10.71"
    pid = asked["payment"]["id"]
    assert (await approve_payment(api, pid))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, pid))["__typename"] == "PaymentPayload"
    [repaid] = await benefit_overpayments(api, client["id"])
    assert repaid["status"] == "REPAID" and repaid["heldNow"] == "0.71"
    assert repaid["outstanding"] is True  # money still held for it

    released = await release_benefit_overpayment(api, held["overpaymentId"])
    assert released["__typename"] == "BenefitOverpaymentPayload", released
    assert released["overpayment"]["status"] == "REPAID"
    assert released["overpayment"]["heldNow"] == "0.00"
    assert released["overpayment"]["outstanding"] is False
    assert (await cms_account(api, client))["held"] == "0.00"
    assert await ledger_sound(api)


async def test_more_than_is_flagged_is_refused_and_nothing_written(
    api: Api, session: AsyncSession
) -> None:
    client, _, held = await _deceased_with_held_benefit(api, session)
    refused = await request_overpayment_repayment(api, [held["overpaymentId"]], "10.72")
    assert refused["__typename"] == "ValidationProblem", refused
    assert [f["field"] for f in refused["fields"]] == ["amount"]
    [still] = await benefit_overpayments(api, client["id"])
    assert still["status"] == "HELD" and still["heldNow"] == "10.71"
    assert (await cms_account(api, client))["held"] == "10.71"
    rows = await audit_rows(api, clientId=client["id"])
    assert not [r for r in rows if r["action"] == "request_repayment"]


async def test_overpayments_of_two_payers_are_not_one_request(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    dwp, council = await new_counterparty(api, "DWP"), await new_counterparty(api, "COUNCIL")
    await _receipt(api, benefit(client["id"], dwp))
    await _receipt(api, benefit(client["id"], council, benefit="HOUSING_BENEFIT"))
    await confirmed_death(api, client["id"], DIED.isoformat())
    both = await benefit_overpayments(api, client["id"])
    assert len(both) == 2
    refused = await request_overpayment_repayment(api, [o["overpaymentId"] for o in both], "5.00")
    assert refused["__typename"] == "ValidationProblem", refused
    assert [f["field"] for f in refused["fields"]] == ["overpaymentIds"]
    assert {o["status"] for o in await benefit_overpayments(api, client["id"])} == {"HELD"}


async def test_a_cancelled_repayment_leaves_it_outstanding_and_the_fee_waits(
    api: Api, session: AsyncSession
) -> None:
    client, _, held = await _deceased_with_held_benefit(api, session)
    asked = await request_overpayment_repayment(api, [held["overpaymentId"]], "10.71")
    pid = asked["payment"]["id"]
    assert (await approve_payment(api, pid))["__typename"] == "PaymentPayload"
    cancelled = await cancel_payment(api, pid, "the DWP withdrew its letter")
    assert cancelled["__typename"] == "PaymentPayload", cancelled
    [open_] = await benefit_overpayments(api, client["id"], outstanding=True)
    assert open_["status"] == "REPAYMENT_CANCELLED" and open_["heldNow"] == "0.00"

    charge = """mutation($input: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $input) {
                  __typename ... on Problem { message } } }"""
    fee = await api.data(
        charge, {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}, **SCAO
    )
    assert fee["chargeWindUpFee"]["__typename"] == "InvalidStateProblem", fee
    assert "benefit overpayment" in fee["chargeWindUpFee"]["message"]

    fresh = await request_overpayment_repayment(
        api, [held["overpaymentId"]], "10.71", reference="DWP/OP/2"
    )
    assert fresh["__typename"] == "OverpaymentRepaymentPayload", fresh
    assert fresh["overpayments"][0]["status"] == "REPAYMENT_REQUESTED"
    assert fresh["payment"]["id"] != pid


async def test_released_by_a_senior_officer_the_money_joins_the_estate(
    api: Api, session: AsyncSession
) -> None:
    client, _, held = await _deceased_with_held_benefit(api, session)
    available = (await cms_account(api, client))["available"]
    no_reason = await release_benefit_overpayment(api, held["overpaymentId"], "  ")
    assert no_reason["__typename"] == "ValidationProblem", no_reason

    done = await release_benefit_overpayment(api, held["overpaymentId"], key="op-release")
    assert done["__typename"] == "BenefitOverpaymentPayload", done
    o = done["overpayment"]
    assert o["status"] == "RELEASED" and o["heldNow"] == "0.00" and o["outstanding"] is False
    assert o["releaseReason"] == "the DWP confirmed nothing is owed"
    assert o["releasedBy"] == "olu.scao"
    again = await release_benefit_overpayment(api, held["overpaymentId"], key="op-release")
    assert again["__typename"] == "BenefitOverpaymentPayload" and again["replayed"] is True
    twice = await release_benefit_overpayment(api, held["overpaymentId"])
    assert twice["__typename"] == "InvalidStateProblem", twice
    after = await cms_account(api, client)
    assert after["held"] == "0.00"
    assert float(after["available"]) == pytest.approx(float(available) + 10.71)
    refused = await request_overpayment_repayment(api, [held["overpaymentId"]], "1.00")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert await ledger_sound(api)


async def test_a_requested_repayment_is_not_released(api: Api, session: AsyncSession) -> None:
    _, _, held = await _deceased_with_held_benefit(api, session)
    asked = await request_overpayment_repayment(api, [held["overpaymentId"]], "10.71")
    assert asked["__typename"] == "OverpaymentRepaymentPayload"
    refused = await release_benefit_overpayment(api, held["overpaymentId"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "cancel" in refused["message"]


# --- who may (R-ROLE-1: each denial proved) ----------------------------------------------------


@pytest.mark.parametrize("role", ["support_assistant", "auditor", "social_worker", "reporting"])
async def test_who_may_not_record_the_agencys_request(
    api: Api, session: AsyncSession, role: str
) -> None:
    client, _, held = await _deceased_with_held_benefit(api, session)
    variables = {
        "input": {
            "overpaymentIds": [held["overpaymentId"]],
            "agencyReference": "DWP/OP/9",
            "requestedOn": TODAY.isoformat(),
            "amount": "10.71",
            "idempotencyKey": new_key(),
        }
    }
    body = await api.gql(
        "mutation($input: RequestOverpaymentRepaymentInput!) { requestOverpaymentRepayment("
        "input: $input) { __typename } }",
        variables,
        role=role,
        sub=f"{role}.one",
    )
    assert_forbidden(body, ["requestOverpaymentRepayment"])
    [still] = await benefit_overpayments(api, client["id"])
    assert still["status"] == "HELD"


@pytest.mark.parametrize("role", ["assistant", "senior_assistant", "auditor", "support_assistant"])
async def test_who_may_not_release(api: Api, session: AsyncSession, role: str) -> None:
    client, _, held = await _deceased_with_held_benefit(api, session)
    variables = {
        "input": {
            "overpaymentId": held["overpaymentId"],
            "reason": "nothing owed",
            "idempotencyKey": new_key(),
        }
    }
    body = await api.gql(
        "mutation($input: ReleaseBenefitOverpaymentInput!) { releaseBenefitOverpayment("
        "input: $input) { __typename } }",
        variables,
        role=role,
        sub=f"{role}.one",
    )
    assert_forbidden(body, ["releaseBenefitOverpayment"])
    [still] = await benefit_overpayments(api, client["id"])
    assert still["status"] == "HELD" and still["heldNow"] == "10.71"


@pytest.mark.parametrize("role", ["social_worker", "reporting", "integration_sap"])
async def test_who_may_not_read_them(api: Api, session: AsyncSession, role: str) -> None:
    client = await new_client(api)
    body = await api.gql(
        BENEFIT_OVERPAYMENTS, {"clientId": client["id"]}, role=role, sub=f"{role}.one"
    )
    assert_forbidden(body, ["benefitOverpayments"])


# --- what the estate and the queries of clients being wound up ask (items 5-6) ----------------


async def test_the_estate_door_waits_while_an_overpayment_is_outstanding(
    api: Api, session: AsyncSession
) -> None:
    """R-DEATH-2 before R-DEATH-3: the fee may be taken from money not held back, but nothing
    goes to the estate while an overpayment is neither repaid nor released."""
    client, _, held = await _deceased_with_held_benefit(api, session, funds=100_000)
    cid = decode_uuid("Client", client["id"])
    charge = """mutation($input: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $input) {
                  __typename } }"""
    fee = await api.data(
        charge, {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}, **SCAO
    )
    assert fee["chargeWindUpFee"]["__typename"] == "WindUpFeePayload", fee
    with pytest.raises(InvalidState, match="benefit overpayment"):
        await refuse_estate_before_wind_up_fee(session, cid)
    [owed] = (await overpayments.outstanding_of_clients(session, [cid]))[cid]
    assert owed.status is OverpaymentStatus.HELD and owed.held_now == 1071
    assert [v.row.id for v in await overpayments.outstanding(session, cid)] == [owed.row.id]

    released = await release_benefit_overpayment(api, held["overpaymentId"])
    assert released["__typename"] == "BenefitOverpaymentPayload", released
    await refuse_estate_before_wind_up_fee(session, cid)
    assert await overpayments.outstanding_of_clients(session, [cid]) == {}


async def test_the_money_stays_held_while_the_repayment_awaits_approval(
    api: Api, session: AsyncSession
) -> None:
    """R-DEATH-2: from the agency's request to the approval of its repayment the money asked for
    stays held: a debt approved meanwhile cannot take it (it finds funds short), and the
    repayment's approval takes the hold over without needing the money twice."""
    client, _, held = await _deceased_with_held_benefit(api, session, funds=0)
    supplier = await new_counterparty(api, "SUPPLIER")
    debt = await payable_invoice(
        api, client, supplier, invoiceDate=day(-5), amount="95.00", supplierInvoiceNumber="D-95"
    )
    asked = await request_overpayment_repayment(api, [held["overpaymentId"]], "10.71", **SCAO)
    assert asked["__typename"] == "OverpaymentRepaymentPayload", asked
    raised = await raise_payment(
        api, {"invoiceId": debt["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert raised["__typename"] == "PaymentPayload", raised
    short = await approve_payment(api, raised["payment"]["id"])
    assert short["__typename"] == "InsufficientFundsProblem", short
    assert short["available"] == "89.29"
    repay = await approve_payment(
        api, asked["payment"]["id"], role="governance_manager", sub="grace.tgm"
    )
    assert repay["__typename"] == "PaymentPayload", repay
    assert (await make_payment(api, asked["payment"]["id"]))["__typename"] == "PaymentPayload"
    assert (await cms_account(api, client))["balance"] == "89.29"
    assert await ledger_sound(api)

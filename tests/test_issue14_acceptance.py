"""Acceptance tests for issue 14 (care of the client's affairs), written from the policy and the
checked-in schema.graphql as the council's testers would: R-CARE-1..6, R-DEBT-1..3, R-AUD-4,
R-ORD-4, R-ORD-5, R-PAY-5..6, R-DEC, R-ROLE; seed 002 B 8-9, B 13-14, B 19, B 21-24, B 27-28,
B 30. Above all the doors: for each rule, where else a record or a pound can get in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.ledger.rules import Category
from tests.conftest import Api
from tests.factories import (
    APPEAL_PREPARER,
    DEPUTY,
    KEYED_PROBLEMS,
    OUTSTANDING_DEBTS,
    PROPERTY_DEPUTY,
    RECORD_REVIEW,
    SALE_CONDITIONS,
    SCAO,
    VALUABLE_FIELDS,
    WIND_UP_FEE_PENCE,
    amend_client,
    appeal_call,
    approve_as,
    approve_payment,
    approved_allowance,
    audit_rows,
    card_account,
    charged_wind_up_fee,
    close_recovered,
    complaint_call,
    complaint_details,
    confirmed_death,
    court_deputy_client,
    create_client,
    days_ago,
    deputy_client,
    fund,
    income_tax,
    ledger_income,
    ledger_tax_paid,
    new_client,
    new_counterparty,
    new_key,
    new_property,
    notify_everyone,
    prepared_appeal,
    produce_debt_statement,
    property_for_sale,
    property_mutation,
    propose_funeral_plan,
    raise_debt_repayment,
    raise_funeral_plan_payment,
    raise_handover,
    raise_payment,
    receipt_input,
    record_allowance,
    record_change,
    record_debt_letter_sent,
    record_deputyship,
    record_outstanding_debt,
    record_receipt,
    record_recovery,
    record_review,
    record_tax_return,
    record_will,
    recorded_complaint,
    recovered_client,
    register_valuable,
    registered_valuable,
    review_input,
    run_allowances,
    tax_payee,
    this_monday,
)

SOCIAL_WORKER = {"role": "social_worker", "sub": "sue.social"}
REPORTING = {"role": "reporting", "sub": "rep.dash"}
AUDITOR = {"role": "auditor", "sub": "audrey"}


def ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    assert result["__typename"] == typename, result
    return result


def refused(result: dict[str, Any]) -> dict[str, Any]:
    """Any typed problem (never the payload)."""
    assert result["__typename"].endswith("Problem"), result
    return result


# --- R-DEBT-1..3, B 14: the worked example and its doors ---------------------------------------


async def debts_found(api: Api) -> tuple[str, dict[str, str]]:
    """A deputy client with five debts found on appointment, each creditor a counterparty:
    care home £300 (2024), council £500 (2023), unsecured: catalogue £200 (2019), loan £400
    (2021), phone £150 (2023). The client id and the debt ids by creditor."""
    client_id = await deputy_client(api, surplus=None)
    rows = [
        (
            "Seaview Care Home",
            "CARE_PROVIDER",
            "CARE_HOME_PERSONAL_ALLOWANCE",
            "300.00",
            "2024-03-01",
        ),
        ("Kent County Council", "COUNCIL", "COUNCIL_CARE_CONTRIBUTION", "500.00", "2023-06-01"),
        ("Catalogue Co", "SUPPLIER", "OTHER_UNSECURED", "200.00", "2019-01-10"),
        ("Easy Loans", "SUPPLIER", "OTHER_UNSECURED", "400.00", "2021-05-05"),
        ("Phone Co", "SUPPLIER", "OTHER_UNSECURED", "150.00", "2023-02-02"),
    ]
    ids: dict[str, str] = {}
    for creditor, party_kind, kind, amount, on in rows:
        payee = await new_counterparty(api, party_kind, creditor + " " + new_suffix())
        done = ok(
            await record_outstanding_debt(
                api, client_id, creditor, kind, amount, on, payeeId=payee
            ),
            "OutstandingDebtsPayload",
        )
        debt = next(
            d for d in done["outstandingDebts"]["debts"] if d["current"]["creditor"] == creditor
        )
        ids[creditor] = debt["debtId"]
        ids[creditor + ":payee"] = payee
    return client_id, ids


def new_suffix() -> str:
    import uuid

    return uuid.uuid4().hex[:6]


async def test_debt_order_worked_example_r_debt_1_and_letters_r_debt_2(api: Api) -> None:
    """R-DEBT-1: care home first, then the council, then unsecured oldest first; £1,100 covers
    the care home (£300), the council (£500), the 2019 catalogue (£200) and £100 of the 2021
    loan; the 2023 phone debt gets nothing. R-DEBT-2: funds are short, so every creditor is
    written to (text and PDF)."""
    client_id, _ids = await debts_found(api)
    done = ok(await produce_debt_statement(api, client_id, "1100.00"), "OutstandingDebtsPayload")
    plan = done["outstandingDebts"]["repaymentPlans"][-1]
    assert plan["totalOwed"] == "1550.00"
    assert plan["fundsShort"] is True
    order = [(line["creditor"], line["allocated"]) for line in plan["lines"]]
    assert order == [
        ("Seaview Care Home", "300.00"),
        ("Kent County Council", "500.00"),
        ("Catalogue Co", "200.00"),
        ("Easy Loans", "100.00"),
        ("Phone Co", "0.00"),
    ]
    assert plan["totalAllocated"] == "1100.00"
    letters = {letter["creditor"] for letter in plan["letters"]}
    # R-DEBT-2: "every creditor is told in writing" where funds are short
    assert {"Easy Loans", "Phone Co"} <= letters
    for letter in plan["letters"]:
        assert "capacity" in letter["text"].lower()
        assert letter["pdf"]["fileType"] == "PDF" or letter["pdf"]["size"] > 0


async def test_debt_repayment_refused_before_the_statement_is_approved_r_debt_3(api: Api) -> None:
    client_id, ids = await debts_found(api)
    done = ok(await produce_debt_statement(api, client_id, "1100.00"), "OutstandingDebtsPayload")
    plan = done["outstandingDebts"]["repaymentPlans"][-1]
    refused(await raise_debt_repayment(api, plan["planId"], ids["Seaview Care Home"]))


async def approved_debt_plan(api: Api, session: AsyncSession) -> tuple[str, dict[str, str], str]:
    client_id, ids = await debts_found(api)
    await fund(session, api, {"id": client_id}, 110000)
    done = ok(await produce_debt_statement(api, client_id, "1100.00"), "OutstandingDebtsPayload")
    plan = done["outstandingDebts"]["repaymentPlans"][-1]
    ok(await approve_as(api, plan["decisionId"], **SCAO), "DecisionPayload")
    return client_id, ids, plan["planId"]


async def test_debt_nothing_allocated_cannot_be_repaid_through_the_plan(
    api: Api, session: AsyncSession
) -> None:
    """R-DEBT-1: the 2023 phone debt was allocated nothing; a repayment for it is refused."""
    _, ids, plan_id = await approved_debt_plan(api, session)
    refused(await raise_debt_repayment(api, plan_id, ids["Phone Co"]))


async def test_debt_allocated_repayment_goes_through_payments(
    api: Api, session: AsyncSession
) -> None:
    _, ids, plan_id = await approved_debt_plan(api, session)
    done = ok(
        await raise_debt_repayment(api, plan_id, ids["Seaview Care Home"]), "DebtRepaymentPayload"
    )
    assert done["payment"]["amount"] == "300.00"
    # the same allocation cannot be raised a second time (a pound in twice)
    refused(await raise_debt_repayment(api, plan_id, ids["Seaview Care Home"]))


async def test_debt_door_plain_payment_to_a_creditor_out_of_order_is_refused(
    api: Api, session: AsyncSession
) -> None:
    """R-DEBT-1 door: the phone company (last in order, allocated nothing) is paid its £150
    through an ordinary standing payment while the plan leaves it unpaid."""
    client_id, ids, _ = await approved_debt_plan(api, session)
    result = await raise_payment(
        api,
        {
            "clientId": client_id,
            "payeeId": ids["Phone Co:payee"],
            "amount": "150.00",
            "category": "OUT_OTHER_HOUSEHOLD_BILLS",
            "description": "Phone bill arrears",
            "standing": True,
        },
    )
    refused(result)


# --- R-CARE-4, B 8-9: the sale's conditions and its doors ---------------------------------------


@pytest.mark.parametrize("missing", SALE_CONDITIONS)
async def test_property_sale_refused_for_each_missing_condition(api: Api, missing: str) -> None:
    client_id, _pid, offer_id = await property_for_sale(api, without=missing)
    result = await property_mutation(
        api, "agreePropertySale", {"offerId": offer_id}, **PROPERTY_DEPUTY
    )
    refused(result)
    data = await api.data(
        "query($c: ID!) { properties(clientId: $c) { propertyId sale { offerId } } }",
        {"c": client_id},
        **AUDITOR,
    )
    assert all(p["sale"] is None for p in data["properties"])


async def test_property_sale_allowed_when_every_condition_holds(api: Api) -> None:
    _client_id, _pid, offer_id = await property_for_sale(api)
    done = ok(
        await property_mutation(api, "agreePropertySale", {"offerId": offer_id}, **PROPERTY_DEPUTY),
        "PropertyPayload",
    )
    prop = done["property"]
    assert all(c["met"] for c in prop["saleConditions"]), prop["saleConditions"]
    assert prop["sale"]["offerId"] == offer_id
    assert prop["sale"]["price"] == "185000.00"


async def test_property_sale_agreed_by_casework_is_refused_r_role(api: Api) -> None:
    """B 9.3: the deputy agrees; an assistant may not agree a sale."""
    _, _, offer_id = await property_for_sale(api)
    body = await api.gql(
        """mutation($input: AgreePropertySaleInput!) { agreePropertySale(input: $input) {
             __typename } }""",
        {"input": {"offerId": offer_id, "idempotencyKey": new_key()}},
        role="assistant",
        sub="ash.assistant",
    )
    assert body.get("errors") or body["data"]["agreePropertySale"]["__typename"].endswith(
        "Problem"
    ), body


async def test_property_sale_agreed_twice_is_one_sale(api: Api) -> None:
    """A second offer cannot also be agreed once a sale is agreed."""
    _client_id, pid, offer_id = await property_for_sale(api)
    ok(
        await property_mutation(api, "agreePropertySale", {"offerId": offer_id}, **PROPERTY_DEPUTY),
        "PropertyPayload",
    )
    second = await property_mutation(
        api,
        "recordPropertyOffer",
        {"propertyId": pid, "offeror": "Ms Jones", "amount": "190000.00", "madeOn": days_ago(0)},
    )
    if second["__typename"] != "PropertyPayload":
        return  # no offer is taken after a sale is agreed: the door is shut earlier
    other = second["property"]["offers"][-1]["offerId"]
    agreed = await property_mutation(
        api, "agreePropertyPrice", {"offerId": other}, **PROPERTY_DEPUTY
    )
    if agreed["__typename"] == "PropertyPayload":
        refused(
            await property_mutation(api, "agreePropertySale", {"offerId": other}, **PROPERTY_DEPUTY)
        )


# --- R-CARE-3, B 24: valuables --------------------------------------------------------------


async def test_valuable_refused_without_a_photograph(api: Api) -> None:
    client = await new_client(api)
    result = await register_valuable(api, client["id"], photo=None)
    refused(result)


async def test_valuable_refused_with_a_photograph_that_is_not_an_image(api: Api) -> None:
    import base64

    client = await new_client(api)
    text = base64.b64encode(b"just some text, not a picture").decode()
    refused(await register_valuable(api, client["id"], photo={"contentBase64": text}))


VALUABLE_MOVE = """mutation($input: %s!) { %s(input: $input) { __typename
  ... on ValuablePayload { valuable { %s } } %s } }"""


async def move_valuable(api: Api, name: str, valuable_id: str, **who: Any) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    data = await api.data(
        VALUABLE_MOVE % (input_type, name, VALUABLE_FIELDS, KEYED_PROBLEMS),
        {
            "input": {
                "valuableId": valuable_id,
                "person": "Ann Lee (daughter)",
                "reason": "To be valued by a jeweller",
                "idempotencyKey": new_key(),
            }
        },
        **(who or {"role": "assistant", "sub": "ash.assistant"}),
    )
    result: dict[str, Any] = data[name]
    return result


async def test_valuable_checked_out_twice_is_refused(api: Api) -> None:
    client = await new_client(api)
    valuable = await registered_valuable(api, client["id"])
    ok(await move_valuable(api, "checkOutValuable", valuable["valuableId"]), "ValuablePayload")
    refused(await move_valuable(api, "checkOutValuable", valuable["valuableId"]))


async def test_valuable_returned_cannot_be_checked_out_or_in(api: Api) -> None:
    client = await new_client(api)
    valuable = await registered_valuable(api, client["id"])
    done = ok(await move_valuable(api, "returnValuable", valuable["valuableId"]), "ValuablePayload")
    assert done["valuable"]["held"] is False
    refused(await move_valuable(api, "checkOutValuable", valuable["valuableId"]))


async def test_valuable_returned_cannot_be_checked_back_in(api: Api) -> None:
    """The schema: checkInValuable is 'only an item out of the safe' (out to come back);
    returnValuable hands it back for good, 'it is then no longer held'."""
    client = await new_client(api)
    valuable = await registered_valuable(api, client["id"])
    ok(await move_valuable(api, "returnValuable", valuable["valuableId"]), "ValuablePayload")
    refused(await move_valuable(api, "checkInValuable", valuable["valuableId"]))


async def test_recovered_closed_client_cannot_hold_a_valuable_again(api: Api) -> None:
    client = await court_deputy_client(api)
    valuable = await registered_valuable(api, client["id"])
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    ok(await move_valuable(api, "returnValuable", valuable["valuableId"]), "ValuablePayload")
    ok(await close_recovered(api, client["id"]), "RecoveryOfCapacityPayload")
    result = await move_valuable(api, "checkInValuable", valuable["valuableId"])
    assert result["__typename"] != "ValuablePayload" or result["valuable"]["held"] is False, result


# --- R-CARE-5, B 28: a funeral plan needs its decision ------------------------------------------


async def funeral_plan(api: Api, session: AsyncSession) -> tuple[str, str, dict[str, Any]]:
    client_id = await deputy_client(api, surplus=None)
    await fund(session, api, {"id": client_id}, 500000)
    payee = await new_counterparty(api, "SUPPLIER", "Golden Leaves " + new_suffix())
    done = ok(await propose_funeral_plan(api, client_id, payee, "3200.00"), "WillsPayload")
    plan = done["willsAndFuneral"]["funeralPlans"][-1]
    return client_id, payee, plan


async def test_funeral_plan_payment_refused_before_its_decision_is_approved(
    api: Api, session: AsyncSession
) -> None:
    _, _, plan = await funeral_plan(api, session)
    assert plan["decisionStatus"] != "APPROVED"
    refused(await raise_funeral_plan_payment(api, plan["funeralPlanId"]))


async def test_funeral_plan_decision_approved_by_its_proposer_is_refused_r_role_2(
    api: Api, session: AsyncSession
) -> None:
    _, _, plan = await funeral_plan(api, session)
    result = await approve_as(api, plan["decisionId"], **SCAO)
    assert result["__typename"] == "FourEyesProblem", result


async def test_funeral_plan_paid_once_after_approval(api: Api, session: AsyncSession) -> None:
    _, _, plan = await funeral_plan(api, session)
    ok(await approve_as(api, plan["decisionId"]), "DecisionPayload")
    done = ok(
        await raise_funeral_plan_payment(api, plan["funeralPlanId"]), "FuneralPlanPaymentPayload"
    )
    assert done["payment"]["amount"] == "3200.00"
    refused(await raise_funeral_plan_payment(api, plan["funeralPlanId"]))


async def test_funeral_plan_door_plain_payment_to_the_provider_is_refused(
    api: Api, session: AsyncSession
) -> None:
    """R-CARE-5 door: the plan's £3,200 paid to the plan's provider as a standing payment while
    the best interest decision is still pending."""
    client_id, payee, _plan = await funeral_plan(api, session)
    result = await raise_payment(
        api,
        {
            "clientId": client_id,
            "payeeId": payee,
            "amount": "3200.00",
            "category": "OUT_OTHER_HOUSEHOLD_BILLS",
            "description": "Funeral plan",
            "standing": True,
        },
    )
    refused(result)


# --- R-ORD-5, B 27: recovery refused while money or valuables are held -------------------------


async def test_recovery_close_refused_while_money_is_held(api: Api, session: AsyncSession) -> None:
    client = await court_deputy_client(api)
    await fund(session, api, client, 25000)
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    refused(await close_recovered(api, client["id"]))


async def test_recovery_close_refused_while_a_valuable_is_held(api: Api) -> None:
    client = await court_deputy_client(api)
    await registered_valuable(api, client["id"])
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    result = refused(await close_recovered(api, client["id"]))
    assert result["__typename"] != "NotFoundProblem", result


async def test_recovery_close_refused_while_a_valuable_is_checked_out(api: Api) -> None:
    """Checked out is not handed back: the item is still the team's to account for."""
    client = await court_deputy_client(api)
    valuable = await registered_valuable(api, client["id"])
    ok(await move_valuable(api, "checkOutValuable", valuable["valuableId"]), "ValuablePayload")
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    refused(await close_recovered(api, client["id"]))


async def test_recovery_close_allowed_when_nothing_is_held(api: Api) -> None:
    client = await court_deputy_client(api)
    valuable = await registered_valuable(api, client["id"])
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    ok(await move_valuable(api, "returnValuable", valuable["valuableId"]), "ValuablePayload")
    done = ok(await close_recovered(api, client["id"]), "RecoveryOfCapacityPayload")
    assert done["recovery"]["closed"] is True


async def test_recovery_close_by_casework_is_refused(api: Api) -> None:
    client = await court_deputy_client(api)
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    body = await api.gql(
        """mutation($input: CloseRecoveredCaseInput!) { closeRecoveredCase(input: $input) {
             __typename } }""",
        {"input": {"clientId": client["id"], "idempotencyKey": new_key()}},
        role="support_assistant",
        sub="sam.support",
    )
    assert body.get("errors") or body["data"]["closeRecoveredCase"]["__typename"].endswith(
        "Problem"
    ), body


async def test_recovered_closed_client_takes_no_new_valuable(api: Api) -> None:
    """After closing, a record cannot get in through another door."""
    client = await court_deputy_client(api)
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    ok(await close_recovered(api, client["id"]), "RecoveryOfCapacityPayload")
    refused(await register_valuable(api, client["id"]))


# --- R-AUD-4, B 30: an appeal is approved by the deputy before it is lodged ----------------------


async def test_appeal_lodged_without_the_deputys_approval_is_refused(api: Api) -> None:
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    refused(
        await appeal_call(
            api,
            "recordAppealLodged",
            {"appealId": appeal["id"], "lodgedOn": days_ago(0), "reference": "OPG/APP/9"},
        )
    )


async def test_appeal_approved_by_a_senior_officer_not_the_deputy_is_refused(api: Api) -> None:
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    body = await api.gql(
        """mutation($input: ApproveAppealInput!) { approveAppeal(input: $input) { __typename } }""",
        {"input": {"appealId": appeal["id"], "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="other.scao",
    )
    assert body.get("errors") or body["data"]["approveAppeal"]["__typename"].endswith("Problem"), (
        body
    )


async def test_appeal_approved_by_its_preparer_is_refused_r_role_2(api: Api) -> None:
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    # the preparer also holds the deputy's role: still four eyes
    result = await appeal_call(
        api,
        "approveAppeal",
        {"appealId": appeal["id"]},
        role=["senior_officer", "head_of_service"],
        sub=APPEAL_PREPARER["sub"],
    )
    assert result["__typename"] == "FourEyesProblem", result


async def test_appeal_refused_cannot_then_be_lodged(api: Api) -> None:
    client = await new_client(api)
    appeal = await prepared_appeal(api, client["id"])
    ok(
        await appeal_call(
            api, "refuseAppeal", {"appealId": appeal["id"], "reason": "No prospect"}, **DEPUTY
        ),
        "AppealPayload",
    )
    refused(
        await appeal_call(
            api,
            "recordAppealLodged",
            {"appealId": appeal["id"], "lodgedOn": days_ago(0), "reference": "OPG/APP/10"},
        )
    )


# --- R-CARE-1, B 13: reviews ----------------------------------------------------------------

DUE = """query($s: AnnualReviewState) { annualReviewsDue(state: $s, first: 100) {
  edges { node { clientId dueOn state daysOverdue lastReviewedOn } } } }"""


async def review_state(api: Api, client_id: str) -> dict[str, Any] | None:
    data = await api.data(DUE, {"s": None}, **AUDITOR)
    nodes = [e["node"] for e in data["annualReviewsDue"]["edges"]]
    return next((n for n in nodes if n["clientId"] == client_id), None)


async def test_review_overdue_a_day_after_twelve_months(api: Api, today: Any) -> None:
    client_id = await deputy_client(api, surplus=None)
    reviewed = clock.today() - timedelta(days=1)
    ok(await record_review(api, client_id, reviewedOn=reviewed.isoformat()), "AnnualReviewPayload")
    due = date(reviewed.year + 1, reviewed.month, reviewed.day)
    today.set(due)
    node = await review_state(api, client_id)
    assert node is not None and node["dueOn"] == due.isoformat()
    assert node["state"] != "OVERDUE"
    today.set(due + timedelta(days=1))
    node = await review_state(api, client_id)
    assert node is not None and node["state"] == "OVERDUE" and node["daysOverdue"] == 1


async def test_review_in_the_future_is_refused(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    future = (clock.today() + timedelta(days=3)).isoformat()
    refused(await record_review(api, client_id, reviewedOn=future))


async def test_review_for_a_client_who_has_died_is_refused(api: Api) -> None:
    """A review of needs cannot be held for a client whose death is confirmed (R-CARE-1 covers
    living deputy clients; the due list drops them)."""
    client_id = await deputy_client(api, surplus=None)
    await confirmed_death(api, client_id, days_ago(10))
    refused(await record_review(api, client_id, reviewedOn=days_ago(1)))


async def test_dead_client_leaves_the_reviews_due_list(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    assert await review_state(api, client_id) is not None
    await confirmed_death(api, client_id, days_ago(10))
    assert await review_state(api, client_id) is None


async def test_review_for_a_client_without_a_deputyship_is_not_listed(api: Api) -> None:
    client_id = str((await create_client(api))["id"])
    assert await review_state(api, client_id) is None


# --- R-PAY-5/6, B 22-23: the weekly allowance run -------------------------------------------


async def test_allowance_never_to_a_care_provider_r_pay_6(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    provider = await new_counterparty(api, "CARE_PROVIDER", "Seaview " + new_suffix())
    refused(await record_allowance(api, client_id, provider))


async def test_allowance_run_twice_in_a_week_pays_once(api: Api, session: AsyncSession) -> None:
    client_id = await deputy_client(api, surplus=None)
    await fund(session, api, {"id": client_id}, 100000)
    await approved_allowance(api, client_id)
    first = ok(await run_allowances(api), "WeeklyAllowanceRunPayload")
    assert first["paid"] == 1
    second = ok(await run_allowances(api), "WeeklyAllowanceRunPayload")
    assert second["paid"] == 0
    assert second["paidBefore"] == 1


async def test_allowance_run_skips_a_client_who_has_died(api: Api, session: AsyncSession) -> None:
    client_id = await deputy_client(api, surplus=None)
    await fund(session, api, {"id": client_id}, 100000)
    await approved_allowance(api, client_id)
    await confirmed_death(api, client_id, (this_monday() - timedelta(days=2)).isoformat())
    done = ok(await run_allowances(api), "WeeklyAllowanceRunPayload")
    assert done["paid"] == 0


async def test_allowance_run_skips_a_recovered_closed_client(
    api: Api, session: AsyncSession
) -> None:
    client = await court_deputy_client(api)
    await approved_allowance(api, client["id"])
    ok(await record_recovery(api, client["id"]), "RecoveryOfCapacityPayload")
    ok(await close_recovered(api, client["id"]), "RecoveryOfCapacityPayload")
    await fund(session, api, client, 100000)
    done = ok(await run_allowances(api), "WeeklyAllowanceRunPayload")
    assert done["paid"] == 0


async def test_allowance_approved_by_its_recorder_is_refused(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    payee = await card_account(api)
    rec = ok(await record_allowance(api, client_id, payee, who=SCAO), "AllowanceSchedulePayload")
    from tests.factories import approve_allowance

    result = await approve_allowance(api, rec["schedule"]["id"], who=SCAO)
    assert result["__typename"] == "FourEyesProblem", result


async def test_allowance_run_by_casework_is_refused(api: Api) -> None:
    body = await api.gql(
        """mutation($input: RunWeeklyAllowancesInput!) { runWeeklyAllowances(input: $input) {
             __typename } }""",
        {"input": {"weekStarting": this_monday().isoformat(), "idempotencyKey": new_key()}},
        role="support_assistant",
        sub="sam.support",
    )
    assert body.get("errors") or body["data"]["runWeeklyAllowances"]["__typename"].endswith(
        "Problem"
    ), body


# --- R-ROLE: the social worker and reporting see none of it; the auditor reads it all ---------


def paged(field: str, args: str, node: str, var: str = "ID!") -> str:
    return f"query($c: {var}) {{ {field}({args}, first: 5) {{ edges {{ node {{ {node} }} }} }} }}"


READS = {
    "annualReviews": paged("annualReviews", "clientId: $c", "id"),
    "clientContacts": paged("clientContacts", "clientId: $c", "id"),
    "circumstanceChanges": paged("circumstanceChanges", "clientId: $c", "id"),
    "outstandingDebts": "query($c: ID!) { outstandingDebts(clientId: $c) { debts { debtId } } }",
    "properties": "query($c: ID!) { properties(clientId: $c) { propertyId } }",
    "valuables": paged("valuables", "clientId: $c", "valuableId"),
    "willsAndFuneral": "query($c: ID!) { willsAndFuneral(clientId: $c) { wills { willId } } }",
    "incomeTax": "query($c: ID!) { incomeTax(clientId: $c, taxYear: 2024) { clientId } }",
    "recoveryOfCapacity": "query($c: ID!) { recoveryOfCapacity(clientId: $c) { recoveryId } }",
    "complaints": paged("complaints", "clientId: $c", "id", "ID"),
    "appeals": paged("appeals", "clientId: $c", "id", "ID"),
    "allowanceSchedules": paged("allowanceSchedules", "clientId: $c", "id", "ID"),
    "allowancePayments": paged("allowancePayments", "clientId: $c", "__typename", "ID"),
    "annualReviewsDue": "query { annualReviewsDue(first: 5) { edges { node { clientId } } } }",
}


def variables(field: str, client_id: str) -> dict[str, Any]:
    return {} if field == "annualReviewsDue" else {"c": client_id}


@pytest.mark.parametrize("who", [SOCIAL_WORKER, REPORTING], ids=["social_worker", "reporting"])
@pytest.mark.parametrize("field", sorted(READS))
async def test_reads_denied_to_social_worker_and_reporting(
    api: Api, field: str, who: dict[str, str]
) -> None:
    client = await new_client(api)
    await registered_valuable(api, client["id"])
    body = await api.gql(READS[field], variables(field, client["id"]), **who)
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert codes and set(codes) <= {"FORBIDDEN", "NOT_FOUND"}, body
    assert body.get("data") in (None, {}) or body["data"].get(field) in (None, [], {}), body


@pytest.mark.parametrize("field", sorted(READS))
async def test_reads_allowed_to_the_auditor(api: Api, field: str) -> None:
    client = await new_client(api)
    await record_deputyship(api, client["id"])
    body = await api.gql(READS[field], variables(field, client["id"]), **AUDITOR)
    assert "errors" not in body, body


@pytest.mark.parametrize(
    "mutation,input_type",
    [
        ("registerValuable", "RegisterValuableInput"),
        ("recordAnnualReview", "RecordAnnualReviewInput"),
    ],
)
async def test_auditor_changes_nothing(api: Api, mutation: str, input_type: str) -> None:
    client = await new_client(api)
    from tests.factories import review_input, valuable_input

    values = (
        valuable_input(client["id"])
        if mutation == "registerValuable"
        else review_input(client["id"])
    )
    body = await api.gql(
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ __typename }} }}",
        {"input": values},
        **AUDITOR,
    )
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert codes == ["FORBIDDEN"], body


async def test_debt_statement_over_the_scao_limit_needs_the_tgm_r_debt_3(api: Api) -> None:
    """Appendix 2: a financial statement of outstanding debts above £5,000 needs the TGM."""
    client_id = await deputy_client(api, surplus=None)
    await record_outstanding_debt(
        api, client_id, "Seaview Care Home", "CARE_HOME_PERSONAL_ALLOWANCE", "6000.00", "2024-01-01"
    )
    done = ok(await produce_debt_statement(api, client_id, "6000.00"), "OutstandingDebtsPayload")
    plan = done["outstandingDebts"]["repaymentPlans"][-1]
    result = await approve_as(api, plan["decisionId"], role="senior_officer", sub="other.scao")
    assert result["__typename"] == "OverApprovalLimitProblem", result
    ok(await approve_as(api, plan["decisionId"]), "DecisionPayload")
    data = await api.data(OUTSTANDING_DEBTS, {"c": client_id}, **AUDITOR)
    assert data["outstandingDebts"]["repaymentPlans"][-1]["decisionStatus"] == "APPROVED"


# --- more doors: personal allowance by a plain payment, proceeds by another route -----------


async def test_personal_allowance_door_plain_payment_to_a_provider_is_refused(
    api: Api, session: AsyncSession
) -> None:
    client_id = await deputy_client(api, surplus=None)
    await fund(session, api, {"id": client_id}, 100000)
    provider = await new_counterparty(api, "CARE_PROVIDER", "Seaview " + new_suffix())
    result = await raise_payment(
        api,
        {
            "clientId": client_id,
            "payeeId": provider,
            "amount": "30.00",
            "category": "OUT_PERSONAL_ALLOWANCE",
            "description": "Personal allowance, next four weeks",
            "standing": True,
        },
    )
    refused(result)


async def sale_proceeds_receipt(api: Api, client_id: str, amount: str) -> str:
    payer = await new_counterparty(api, "OTHER", "Solicitors " + new_suffix())
    result = await record_receipt(
        api,
        receipt_input(
            client_id,
            payer,
            amount=amount,
            valueDate=days_ago(0),
            category="IN_SALE_OF_ASSETS",
            benefit=None,
            periodStart=None,
            periodEnd=None,
            description="Sale of 14 Mill Lane",
        ),
    )
    assert result["__typename"] == "ReceiptPayload", result
    return str(result["receipt"]["id"])


async def test_sale_proceeds_refused_before_a_sale_is_agreed(api: Api) -> None:
    client_id, pid, _ = await property_for_sale(api)
    receipt = await sale_proceeds_receipt(api, client_id, "185000.00")
    refused(
        await property_mutation(
            api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt}
        )
    )


async def test_sale_proceeds_refused_from_another_clients_receipt(api: Api) -> None:
    """R-ACC-2: another client's money is never this property's proceeds."""
    _client_id, pid, offer_id = await property_for_sale(api)
    ok(
        await property_mutation(api, "agreePropertySale", {"offerId": offer_id}, **PROPERTY_DEPUTY),
        "PropertyPayload",
    )
    other = await new_client(api)
    receipt = await sale_proceeds_receipt(api, other["id"], "185000.00")
    refused(
        await property_mutation(
            api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt}
        )
    )


async def test_sale_proceeds_recorded_once_and_proposed_for_investment(api: Api) -> None:
    client_id, pid, offer_id = await property_for_sale(api)
    ok(
        await property_mutation(api, "agreePropertySale", {"offerId": offer_id}, **PROPERTY_DEPUTY),
        "PropertyPayload",
    )
    receipt = await sale_proceeds_receipt(api, client_id, "185000.00")
    done = ok(
        await property_mutation(
            api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt}
        ),
        "PropertyPayload",
    )
    assert done["property"]["proceeds"]["amount"] == "185000.00"
    assert done["property"]["availableToInvest"] == "185000.00"
    refused(
        await property_mutation(
            api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt}
        )
    )


# --- R-ORD-4, B 13.5 / 18.2: changes the OPG must hear of -----------------------------------


@pytest.mark.parametrize("kind", ["PROPERTY_SOLD", "ADMITTED_TO_RESIDENTIAL_CARE"])
async def test_reportable_change_creates_a_notice_to_the_opg(api: Api, kind: str) -> None:
    client_id = await deputy_client(api, surplus=None)
    done = ok(await record_change(api, client_id, kind), "CircumstanceChangePayload")
    change = done["change"]
    assert change["reportable"] is True
    assert "OPG" in {n["recipient"] for n in change["notices"]}, change


async def test_change_not_reportable_creates_no_notice(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    done = ok(await record_change(api, client_id, "HEALTH"), "CircumstanceChangePayload")
    assert done["change"]["reportable"] is False
    assert done["change"]["notices"] == []


# --- R-CARE-5, B 21: a will's notice to the court is due immediately ---------------------------


async def test_will_notice_to_the_court_due_the_day_it_is_found(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    done = ok(await record_will(api, client_id), "WillsPayload")
    will = done["willsAndFuneral"]["wills"][-1]
    assert will["courtNoticeDueOn"] == clock.today().isoformat()
    assert will["courtNoticeState"] == "DUE"


# --- R-AUD-2: a complaint is corrected by a new entry, the old kept ---------------------------


async def test_complaint_correction_keeps_the_original(api: Api) -> None:
    client = await new_client(api)
    complaint = await recorded_complaint(api, client["id"])
    done = ok(
        await complaint_call(
            api,
            "correctComplaint",
            {
                "complaintId": complaint["id"],
                "details": complaint_details(madeTo="COUNCIL"),
                "reason": "It was sent to the council, not the OPG",
            },
        ),
        "ComplaintPayload",
    )
    corrected = done["complaint"]
    assert corrected["madeTo"] == "COUNCIL"
    assert len(corrected["history"]) >= 2, corrected["history"]
    assert any(h["correctsEarlier"] for h in corrected["history"]), corrected["history"]


async def test_complaint_recorded_by_the_social_worker_is_forbidden(api: Api) -> None:
    client = await new_client(api)
    body = await api.gql(
        """mutation($input: RecordComplaintInput!) { recordComplaint(input: $input) {
             __typename } }""",
        {
            "input": {
                "clientId": client["id"],
                "details": complaint_details(),
                "idempotencyKey": new_key(),
            }
        },
        **SOCIAL_WORKER,
    )
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert codes == ["FORBIDDEN"], body


# --- R-DEBT-2: every creditor is written to, and each letter's sending recorded once ----------


async def test_debt_letters_to_every_creditor_when_funds_are_short(api: Api) -> None:
    """B 14.3: 'write to all creditors'."""
    client_id, _ = await debts_found(api)
    done = ok(await produce_debt_statement(api, client_id, "1100.00"), "OutstandingDebtsPayload")
    plan = done["outstandingDebts"]["repaymentPlans"][-1]
    creditors = {line["creditor"] for line in plan["lines"]}
    assert {letter["creditor"] for letter in plan["letters"]} == creditors


async def test_debt_no_letters_when_funds_cover_every_debt(api: Api) -> None:
    client_id, _ = await debts_found(api)
    done = ok(await produce_debt_statement(api, client_id, "2000.00"), "OutstandingDebtsPayload")
    plan = done["outstandingDebts"]["repaymentPlans"][-1]
    assert plan["fundsShort"] is False
    assert plan["letters"] == []


async def test_debt_letter_sent_refused_before_the_statement_is_approved(api: Api) -> None:
    client_id, _ = await debts_found(api)
    done = ok(await produce_debt_statement(api, client_id, "1100.00"), "OutstandingDebtsPayload")
    letter = done["outstandingDebts"]["repaymentPlans"][-1]["letters"][0]
    refused(await record_debt_letter_sent(api, letter["letterId"], days_ago(0)))


async def test_debt_letter_sent_recorded_once(api: Api, session: AsyncSession) -> None:
    client_id, _, _ = await approved_debt_plan(api, session)
    data = await api.data(OUTSTANDING_DEBTS, {"c": client_id}, **AUDITOR)
    letter = data["outstandingDebts"]["repaymentPlans"][-1]["letters"][0]
    sent = ok(
        await record_debt_letter_sent(api, letter["letterId"], days_ago(0)),
        "OutstandingDebtsPayload",
    )
    plan = sent["outstandingDebts"]["repaymentPlans"][-1]
    mine = next(x for x in plan["letters"] if x["letterId"] == letter["letterId"])
    assert mine["sentOn"] == days_ago(0)
    refused(await record_debt_letter_sent(api, letter["letterId"], days_ago(0)))


# --- more doors: weekly cash, handover before the order, tax year edges, roles, audit -------


async def test_weekly_cash_refused_for_a_client_in_residential_care(api: Api) -> None:
    """B 23: weekly cash on a card is for clients in the community."""
    client_id = str((await create_client(api, situation="RESIDENTIAL_CARE"))["id"])
    ok(await record_deputyship(api, client_id), "DeputyshipPayload")
    refused(await record_allowance(api, client_id, await card_account(api), kind="WEEKLY_CASH"))


async def test_handover_refused_before_the_courts_order(api: Api, session: AsyncSession) -> None:
    """R-ORD-5 door: no money is handed back to the client while the deputyship stands."""
    client = await court_deputy_client(api)
    await fund(session, api, client, 50000)
    payee = await new_counterparty(api, "BANK", "Client's own account " + new_suffix())
    refused(await raise_handover(api, client["id"], payee, "100.00"))


async def test_handover_more_than_the_balance_is_refused_r_pay_3(
    api: Api, session: AsyncSession
) -> None:
    client = await recovered_client(api)
    await fund(session, api, client, 50000)
    payee = await new_counterparty(api, "BANK", "Client's own account " + new_suffix())
    raised = await raise_handover(api, client["id"], payee, "600.00")
    if raised["__typename"] == "HandoverPaymentPayload":
        # raising moves nothing; approval holds the money and must refuse the overdraft
        refused(await approve_payment(api, raised["payment"]["id"]))
    else:
        refused(raised)


async def test_income_tax_year_runs_6_april_to_5_april_and_leaves_out_benefits(
    api: Api, session: AsyncSession
) -> None:
    """R-CARE-6, B 19: the year 2024 is 6 April 2024 to 5 April 2025; income on 5 April 2025
    counts in 2024, on 6 April 2025 in 2025; benefits are not taxable income here."""
    client = await court_deputy_client(api)
    await ledger_income(
        session, client["id"], Category.IN_PRIVATE_PENSION, 100000, date(2024, 4, 6)
    )
    await ledger_income(session, client["id"], Category.IN_INTEREST, 2500, date(2025, 4, 5))
    await ledger_income(session, client["id"], Category.IN_RENT, 40000, date(2025, 4, 6))
    await ledger_income(session, client["id"], Category.IN_BENEFITS, 70000, date(2024, 12, 1))
    hmrc = await tax_payee(session)
    await ledger_tax_paid(session, client["id"], hmrc, 1234, date(2025, 4, 5))
    year = await income_tax(api, client["id"], 2024)
    assert year["startsOn"] == "2024-04-06" and year["endsOn"] == "2025-04-05"
    assert year["totalTaxableIncome"] == "1025.00"
    assert {i["category"] for i in year["taxableIncome"]} == {"IN_PRIVATE_PENSION", "IN_INTEREST"}
    assert year["taxPaid"] == "12.34"
    later = await income_tax(api, client["id"], 2025)
    assert later["totalTaxableIncome"] == "400.00"
    assert later["taxPaid"] == "0.00"


async def test_tax_return_filed_twice_is_a_correction_not_an_overwrite(api: Api) -> None:
    client = await court_deputy_client(api)
    ok(await record_tax_return(api, client["id"], 2024, "2025-10-01"), "TaxReturnPayload")
    second = await record_tax_return(api, client["id"], 2024, "2025-10-03")
    if second["__typename"] == "TaxReturnPayload":
        history = second["incomeTax"]["filingHistory"]
        assert len(history) == 2, history
    else:
        refused(second)


@pytest.mark.parametrize("who", [SOCIAL_WORKER, REPORTING, AUDITOR], ids=lambda w: w["role"])
async def test_review_recorded_by_a_role_that_may_not_is_forbidden(
    api: Api, who: dict[str, str]
) -> None:
    client_id = await deputy_client(api, surplus=None)
    body = await api.gql(RECORD_REVIEW, {"input": review_input(client_id)}, **who)
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert codes == ["FORBIDDEN"], body


async def test_valuable_taken_in_is_audited_r_aud_1(api: Api) -> None:
    client = await new_client(api)
    valuable = await registered_valuable(api, client["id"])
    rows = await audit_rows(api, clientId=client["id"])
    assert any(r["principal"] == "ash.assistant" for r in rows), rows
    assert any(valuable["valuableId"] in str(r) or "aluable" in str(r["entityType"]) for r in rows)


# --- R-CARE-4: letting needs the court's authority and tenders -------------------------------


def letting(pid: str, **kw: Any) -> dict[str, Any]:
    return {
        "propertyId": pid,
        "tenders": ["Ashford Lettings", "Kent Lets"],
        "agent": "Ashford Lettings",
        "courtReference": "COP 1234567/L",
        "courtAuthorisedOn": days_ago(20),
    } | kw


async def test_letting_refused_without_the_courts_authority(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    prop = await new_property(api, client_id)
    result = refused(
        await property_mutation(
            api,
            "recordPropertyLetting",
            letting(prop["propertyId"], courtReference=None, courtAuthorisedOn=None),
        )
    )
    assert "court" in str(result).lower(), result


async def test_letting_refused_without_tenders(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    prop = await new_property(api, client_id)
    result = refused(
        await property_mutation(
            api, "recordPropertyLetting", letting(prop["propertyId"], tenders=[])
        )
    )
    assert "tender" in str(result).lower(), result


async def test_letting_recorded_with_authority_and_tenders(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    prop = await new_property(api, client_id)
    done = ok(
        await property_mutation(api, "recordPropertyLetting", letting(prop["propertyId"])),
        "PropertyPayload",
    )
    assert done["property"]["lettings"][-1]["courtReference"] == "COP 1234567/L"


# --- R-PAY-3 in the weekly run: a short account is not paid, never overdrawn ---------------


async def test_allowance_run_does_not_overdraw_a_short_account(
    api: Api, session: AsyncSession
) -> None:
    client_id = await deputy_client(api, surplus=None)
    await fund(session, api, {"id": client_id}, 1000)  # £10.00, the allowance is £30.00
    await approved_allowance(api, client_id)
    done = ok(await run_allowances(api), "WeeklyAllowanceRunPayload")
    assert done["paid"] == 0
    assert client_id in {n["clientId"] for n in done["notPaid"]}, done


# --- a client closed with valuables held, through any door (R-CARE-3, R-ORD-5, B 24) ----------

CLOSE_WOUND_UP = f"""
mutation($input: CloseWoundUpCaseInput!) {{
  closeWoundUpCase(input: $input) {{
    __typename
    ... on EstatePayload {{ estate {{ closed }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""


async def wound_up(api: Api, session: AsyncSession, *, valuable: bool) -> dict[str, Any]:
    """A deceased client, nothing left after the wind-up fee, every notification sent, with or
    without a valuable still in the safe: the closeWoundUpCase result."""
    client = await new_client(api)
    if valuable:
        await registered_valuable(api, client["id"])
    await fund(session, api, client, WIND_UP_FEE_PENCE)
    await confirmed_death(api, client["id"], days_ago(10))
    await charged_wind_up_fee(api, client["id"])
    await notify_everyone(api, client["id"])
    data = await api.data(
        CLOSE_WOUND_UP, {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}, **SCAO
    )
    result: dict[str, Any] = data["closeWoundUpCase"]
    return result


async def test_wound_up_case_with_nothing_held_closes(api: Api, session: AsyncSession) -> None:
    ok(await wound_up(api, session, valuable=False), "EstatePayload")


async def test_wound_up_case_refused_while_a_valuable_is_in_the_safe(
    api: Api, session: AsyncSession
) -> None:
    """The death route's door: the executor or next of kin gets the valuables back first."""
    refused(await wound_up(api, session, valuable=True))


async def test_amend_client_cannot_close_a_client_holding_a_valuable(api: Api) -> None:
    client = await new_client(api)
    await registered_valuable(api, client["id"])
    result = await amend_client(
        api, client["id"], {"status": "CLOSED"}, "tidy up", role="head_of_service", sub="hari.head"
    )
    assert result["__typename"] != "ClientPayload", result

"""A client's outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3, seed 002
B 14), through /graphql.

Debts found are recorded (creditor, amount, date incurred, kind). The financial statement
orders them as R-DEBT-1 requires (B 14.2: care homes for personal allowance advanced, then the
council for care contributions, then unsecured creditors oldest first), shares what the client
can afford in that order and is agreed as a DEBT_STATEMENT decision within the Appendix 2 limits
(R-DEBT-3, B 14.4: SCAO up to £5,000, TGM above). Where funds are short, each creditor left
unpaid gets a letter saying the client lacks capacity and cannot repay (R-DEBT-2, B 14.3), as
text and PDF, its sending recorded. Repayments go through payments with approval. Records are
append-only and corrected by new entries (R-AUD-2), audited; the social worker sees none of it.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.debts import rules as order
from tests.conftest import Api
from tests.factories import (
    DEBT_OFFICER,
    GM,
    OUTSTANDING_DEBTS,
    PRODUCE_DEBT_STATEMENT,
    RECORD_OUTSTANDING_DEBT,
    SCAO,
    SUPERSEDE_DECISION,
    approve_as,
    approve_payment,
    assert_forbidden,
    audit_rows,
    cms_balance,
    confirmed_death,
    days_ago,
    debt_statement_input,
    decision_input,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    problem_messages,
    produce_debt_statement,
    raise_debt_repayment,
    record_debt_letter_sent,
    record_outstanding_debt,
)

CARE_HOME = "CARE_HOME_PERSONAL_ALLOWANCE"
COUNCIL = "COUNCIL_CARE_CONTRIBUTION"
UNSECURED = "OTHER_UNSECURED"

# The worked example: two debts of each kind and a third unsecured one, entered out of order.
# Funds of £1,000.00 against £1,680.00 owed.
EXAMPLE = [
    ("Barclaycard", UNSECURED, "400.00", "2024-06-01"),
    ("Sunny Lodge care home", CARE_HOME, "300.00", "2025-03-01"),
    ("East Sussex County Council (Feb)", COUNCIL, "250.00", "2025-02-01"),
    ("Home Shopping catalogue", UNSECURED, "300.00", "2024-09-01"),
    ("Oak House care home", CARE_HOME, "200.00", "2025-01-15"),
    ("BT phone bill", UNSECURED, "80.00", "2023-11-01"),
    ("East Sussex County Council (Dec)", COUNCIL, "150.00", "2024-12-01"),
]


async def _debts(api: Api, client_id: str, **who: Any) -> dict[str, Any]:
    data = await api.data(OUTSTANDING_DEBTS, {"c": client_id}, **(who or DEBT_OFFICER))
    result: dict[str, Any] = data["outstandingDebts"]
    return result


async def _example(api: Api, client_id: str, payee: str | None = None) -> dict[str, str]:
    """Record the worked example's debts: their ids by creditor."""
    ids = {}
    for creditor, kind, amount, incurred in EXAMPLE:
        extra = {"payeeId": payee} if payee else {}
        done = await record_outstanding_debt(
            api,
            client_id,
            creditor,
            kind,
            amount,
            incurred,
            reference=f"REF-{creditor[:4]}",
            **extra,
        )
        assert done["__typename"] == "OutstandingDebtsPayload", done
        ids[creditor] = next(
            d["debtId"]
            for d in done["outstandingDebts"]["debts"]
            if d["current"]["creditor"] == creditor
        )
    return ids


# --- the worked example: who is paid what, and who gets a letter (R-DEBT-1, R-DEBT-2) -----------


async def test_the_debt_order_worked_example_pays_in_r_debt_1_order_and_writes_to_those_left_unpaid(
    api: Api,
) -> None:
    """R-DEBT-1 (B 14.2), R-DEBT-2 (B 14.3), R-DEBT-3 (B 14.4): seven debts, £1,680.00 owed,
    £1,000.00 the client can afford. The care homes come first (Oak House, older, before Sunny
    Lodge), then the council (December before February), then unsecured creditors oldest first
    (the BT bill of 2023 is the oldest debt of all, yet waits for the council). Paid in full:
    Oak House £200, Sunny Lodge £300, the council £150 and £250, BT £80 (£980 so far); Barclaycard
    gets the £20 left of its £400; the catalogue nothing. Funds are short, so Barclaycard and the
    catalogue are left owed; every creditor gets a letter (B 14.3), as text and PDF."""
    client = await new_client(api)
    await _example(api, client["id"])
    register = await _debts(api, client["id"])
    assert [d["current"]["creditor"] for d in register["debts"]] == [
        "Oak House care home",
        "Sunny Lodge care home",
        "East Sussex County Council (Dec)",
        "East Sussex County Council (Feb)",
        "BT phone bill",
        "Barclaycard",
        "Home Shopping catalogue",
    ]

    done = await produce_debt_statement(api, client["id"], "1000.00")
    assert done["__typename"] == "OutstandingDebtsPayload", done
    (plan,) = done["outstandingDebts"]["repaymentPlans"]
    assert [
        (ln["position"], ln["creditor"], ln["owed"], ln["allocated"]) for ln in plan["lines"]
    ] == [
        (1, "Oak House care home", "200.00", "200.00"),
        (2, "Sunny Lodge care home", "300.00", "300.00"),
        (3, "East Sussex County Council (Dec)", "150.00", "150.00"),
        (4, "East Sussex County Council (Feb)", "250.00", "250.00"),
        (5, "BT phone bill", "80.00", "80.00"),
        (6, "Barclaycard", "400.00", "20.00"),
        (7, "Home Shopping catalogue", "300.00", "0.00"),
    ]
    assert (plan["fundsAvailable"], plan["totalOwed"], plan["totalAllocated"]) == (
        "1000.00",
        "1680.00",
        "1000.00",
    )
    assert plan["fundsShort"] is True
    assert plan["decisionStatus"] == "RAISED" and plan["producedBy"] == "ash.assistant"
    assert "Funds are short by £680.00" in plan["statement"]

    # B 14.3 "write to all creditors": every one, each told what the plan pays it
    letters = {x["creditor"]: x for x in plan["letters"]}
    assert len(plan["letters"]) == 7 and "Barclaycard" in letters
    paid_in_full = letters["BT phone bill"]["text"]
    assert "lacks the mental capacity" in paid_in_full and "repaid in full" in paid_in_full
    card = letters["Barclaycard"]
    assert "lacks the mental capacity" in card["text"]
    assert (
        "pay you £20.00" in card["text"] and "unable to repay the remaining £380.00" in card["text"]
    )
    assert "unable to repay the remaining £300.00" in letters["Home Shopping catalogue"]["text"]
    pdf = base64.b64decode(card["pdf"]["contentBase64"])
    assert card["pdf"]["fileType"] == "PDF" and pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    # the PDF (ReportLab, ca_api.files.pdf) reads back as the letter's text
    read_back = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "unable to repay the remaining £380.00" in read_back
    assert card["sentOn"] is None


async def test_funds_that_cover_every_debt_write_no_letter(api: Api) -> None:
    """R-DEBT-2 applies only where funds are short: £1,680.00 covers the example in full."""
    client = await new_client(api)
    await _example(api, client["id"])
    done = await produce_debt_statement(api, client["id"], "2000.00")
    (plan,) = done["outstandingDebts"]["repaymentPlans"]
    assert plan["fundsShort"] is False and plan["letters"] == []
    assert all(ln["allocated"] == ln["owed"] for ln in plan["lines"])
    assert plan["totalAllocated"] == "1680.00"


# --- the statement agreed within the Appendix 2 limits (R-DEBT-3, R-DEC) ------------------------


async def test_the_statement_is_agreed_within_the_appendix_2_limits_and_never_by_its_producer(
    api: Api,
) -> None:
    """R-DEBT-3, B 14.4: the statement is agreed by the SCAO or the TGM within the Appendix 2
    limits (DEBT_STATEMENT: SCAO up to £5,000.00): a plan paying £6,000.00 is beyond the SCAO
    and the TGM agrees it; the officer who produced it cannot (R-ROLE-2)."""
    client = await new_client(api)
    done = await record_outstanding_debt(
        api, client["id"], "Lloyds loan", UNSECURED, "9000.00", "2024-01-10"
    )
    assert done["__typename"] == "OutstandingDebtsPayload", done
    made = await produce_debt_statement(api, client["id"], "6000.00", who=SCAO)
    (plan,) = made["outstandingDebts"]["repaymentPlans"]
    own = await approve_as(api, plan["decisionId"], **SCAO)
    assert own["__typename"] == "FourEyesProblem", own
    over = await approve_as(api, plan["decisionId"], role="senior_officer", sub="sam.scao2")
    assert over["__typename"] == "OverApprovalLimitProblem", over
    assert (await approve_as(api, plan["decisionId"], **GM))["__typename"] == "DecisionPayload"
    seen = await _debts(api, client["id"])
    assert seen["repaymentPlans"][0]["decisionStatus"] == "APPROVED"


async def test_a_statement_needs_a_debt_and_its_decision_particulars(api: Api) -> None:
    """R-DEBT-3 with R-DEC-1: nothing owed, nothing to plan; a statement without who was
    consulted is refused; nothing written."""
    client = await new_client(api)
    none = await produce_debt_statement(api, client["id"], "100.00")
    assert none["__typename"] == "InvalidStateProblem" and "no outstanding debt" in none["message"]
    await record_outstanding_debt(api, client["id"], "Npower", UNSECURED, "50.00", "2024-02-02")
    bad = await produce_debt_statement(api, client["id"], "100.00", consulted=" ")
    assert "consulted" in problem_messages(bad)
    assert (await _debts(api, client["id"]))["repaymentPlans"] == []


# --- letters sent, repayments through payments with approval ------------------------------------


async def test_letters_are_sent_once_the_statement_is_approved_and_debts_repaid_through_payments(
    api: Api, session: AsyncSession
) -> None:
    """R-DEBT-2, R-DEBT-3, B 14.4: a letter's sending is refused until the statement is agreed,
    then recorded once; a repayment is raised for a debt's share only under the agreed statement,
    approved by a second officer and made from the CMS account; a debt the funds do not reach is
    not paid."""
    client = await new_client(api)
    await fund(session, api, client, 150_000)
    payee = await new_counterparty(api, "SUPPLIER", "Creditors' payee")
    ids = await _example(api, client["id"], payee)
    plan = (await produce_debt_statement(api, client["id"], "1000.00"))["outstandingDebts"][
        "repaymentPlans"
    ][0]
    letter = plan["letters"][0]
    early = await record_debt_letter_sent(api, letter["letterId"], clock.today().isoformat())
    assert early["__typename"] == "InvalidStateProblem" and "RAISED" in early["message"]
    first = await raise_debt_repayment(api, plan["planId"], ids["Oak House care home"])
    assert first["__typename"] == "InvalidStateProblem" and "R-DEBT-3" in first["message"]

    assert (await approve_as(api, plan["decisionId"], **SCAO))["__typename"] == "DecisionPayload"
    future = await record_debt_letter_sent(api, letter["letterId"], days_ago(-1))
    assert "sentOn" in problem_messages(future)
    sent = await record_debt_letter_sent(api, letter["letterId"], clock.today().isoformat())
    assert sent["__typename"] == "OutstandingDebtsPayload", sent
    again = await record_debt_letter_sent(api, letter["letterId"], clock.today().isoformat())
    assert again["__typename"] == "InvalidStateProblem" and "once" in again["message"]
    (mine,) = [
        x
        for x in sent["outstandingDebts"]["repaymentPlans"][0]["letters"]
        if x["letterId"] == letter["letterId"]
    ]
    assert (mine["sentOn"], mine["sentBy"]) == (clock.today().isoformat(), "ash.assistant")

    raised = await raise_debt_repayment(api, plan["planId"], ids["Oak House care home"])
    assert raised["__typename"] == "DebtRepaymentPayload", raised
    payment = raised["payment"]
    assert (payment["amount"], payment["status"], payment["category"]) == (
        "200.00",
        "RAISED",
        "OUT_CARE_FEES",
    )
    twice = await raise_debt_repayment(api, plan["planId"], ids["Oak House care home"])
    assert twice["__typename"] == "InvalidStateProblem" and "already" in twice["message"]
    nothing = await raise_debt_repayment(api, plan["planId"], ids["Home Shopping catalogue"])
    assert nothing["__typename"] == "InvalidStateProblem" and "nothing" in nothing["message"]
    partly = await raise_debt_repayment(api, plan["planId"], ids["Barclaycard"])
    assert partly["payment"]["amount"] == "20.00"

    approved = await approve_payment(api, payment["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    assert (await make_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    assert await cms_balance(api, client["id"]) == "1300.00"
    seen = await _debts(api, client["id"], role="auditor", sub="audrey")
    oak = next(d for d in seen["debts"] if d["debtId"] == ids["Oak House care home"])
    assert (oak["owed"], oak["repaid"]) == ("0.00", "200.00")
    actions = [r["action"] for r in await audit_rows(api, entityType="outstanding_debt")]
    assert actions.count("record") == 7 and actions.count("raise_repayment") == 2
    assert [r["action"] for r in await audit_rows(api, entityType="debt_letter")] == ["sent"]
    assert [r["action"] for r in await audit_rows(api, entityType="debt_repayment_plan")] == [
        "produce_statement"
    ]


async def test_a_repayment_is_not_approved_once_its_statement_no_longer_stands(
    api: Api, session: AsyncSession
) -> None:
    """R-DEBT-3: the statement superseded after a repayment was raised stops the payment's
    approval (approvePayment asks again); nothing leaves the account."""
    client = await new_client(api)
    await fund(session, api, client, 50_000)
    payee = await new_counterparty(api, "COUNCIL", "East Sussex County Council")
    done = await record_outstanding_debt(
        api, client["id"], "ESCC", COUNCIL, "90.00", "2024-03-03", payeeId=payee
    )
    debt_id = done["outstandingDebts"]["debts"][0]["debtId"]
    plan = (await produce_debt_statement(api, client["id"], "90.00"))["outstandingDebts"][
        "repaymentPlans"
    ][0]
    assert (await approve_as(api, plan["decisionId"], **SCAO))["__typename"] == "DecisionPayload"
    raised = await raise_debt_repayment(api, plan["planId"], debt_id)
    assert raised["payment"]["category"] == "OUT_LOCAL_AUTHORITY_CARE_CHARGES", raised
    variables = {
        "input": {
            **decision_input(client, "DEBT_STATEMENT", "45.00"),
            "id": plan["decisionId"],
            "reason": "the council agreed to write off half",
            "idempotencyKey": new_key(),
        }
    }
    moved = await api.data(SUPERSEDE_DECISION, variables, **GM)
    assert moved["supersedeDecision"]["__typename"] == "DecisionPayload", moved
    stopped = await approve_payment(api, raised["payment"]["id"])
    assert stopped["__typename"] == "InvalidStateProblem" and "SUPERSEDED" in stopped["message"]
    assert await cms_balance(api, client["id"]) == "500.00"


def test_the_one_order_shares_funds_first_to_last_and_names_who_to_write_to() -> None:
    """R-DEBT-1, R-DEBT-2 (pure, ``debts.rules``): the found kinds rank as the invoice kinds of
    the debts after death; within a kind oldest first; the first debt the funds cannot clear
    gets what is left; where funds are short every creditor is written to (B 14.3 "all
    creditors"), and none when funds suffice."""

    def d(kind: order.FoundDebtKind, incurred: date) -> order.Debt:
        return order.found_debt(uuid4(), kind, incurred, date(2026, 1, 1), "ref")

    late_home = d(order.FoundDebtKind.CARE_HOME_PERSONAL_ALLOWANCE, date(2025, 6, 1))
    council = d(order.FoundDebtKind.COUNCIL_CARE_CONTRIBUTION, date(2025, 1, 1))
    oldest = d(order.FoundDebtKind.OTHER_UNSECURED, date(2020, 1, 1))
    newer = d(order.FoundDebtKind.OTHER_UNSECURED, date(2024, 1, 1))
    shares = order.allocate([(newer, 500), (oldest, 500), (council, 300), (late_home, 100)], 700)
    assert [(a.debt, a.allocated, a.short) for a in shares] == [
        (late_home, 100, 0),
        (council, 300, 0),
        (oldest, 300, 200),
        (newer, 0, 500),
    ]
    assert [a.debt for a in order.creditors_to_write_to(shares)] == [
        late_home,
        council,
        oldest,
        newer,
    ]
    enough = order.allocate([(oldest, 500), (newer, 500)], 1000)
    assert not order.funds_short(enough) and order.creditors_to_write_to(enough) == []


# --- corrections, validation, once per key, append-only (R-AUD-2) -------------------------------


async def test_a_debt_is_corrected_by_a_new_record_with_its_reason(api: Api) -> None:
    """R-AUD-2: a correction is a new record superseding the last, with the reason; the plan
    then reads the corrected amount."""
    client = await new_client(api)
    first = await record_outstanding_debt(
        api, client["id"], "Oak House", CARE_HOME, "120.00", "2025-01-01"
    )
    debt_id = first["outstandingDebts"]["debts"][0]["debtId"]
    no_reason = await record_outstanding_debt(
        api, client["id"], "Oak House", CARE_HOME, "180.00", "2025-01-01", correctsDebtId=debt_id
    )
    assert "reason" in problem_messages(no_reason)
    fixed = await record_outstanding_debt(
        api,
        client["id"],
        "Oak House",
        CARE_HOME,
        "180.00",
        "2025-01-01",
        correctsDebtId=debt_id,
        reason="the home's statement shows three months, not two",
    )
    (debt,) = fixed["outstandingDebts"]["debts"]
    assert [h["amount"] for h in debt["history"]] == ["120.00", "180.00"]
    assert debt["owed"] == "180.00" and debt["debtId"] == debt_id
    plan = (await produce_debt_statement(api, client["id"], "0.00"))["outstandingDebts"]
    assert plan["repaymentPlans"][0]["lines"][0]["owed"] == "180.00"


async def test_a_debt_found_is_validated_and_recorded_once_per_key(api: Api) -> None:
    """B 14.1: an amount above nothing, incurred no later than found; the same key replays."""
    client = await new_client(api)
    bad = await record_outstanding_debt(api, client["id"], " ", UNSECURED, "0.00", days_ago(-3))
    assert set(problem_messages(bad)) >= {"creditor", "amount", "incurredOn"}
    key = new_key()
    one = await record_outstanding_debt(
        api, client["id"], "EDF", UNSECURED, "60.00", "2024-05-05", key=key
    )
    two = await record_outstanding_debt(
        api, client["id"], "EDF", UNSECURED, "60.00", "2024-05-05", key=key
    )
    assert (one["replayed"], two["replayed"]) == (False, True)
    assert len(two["outstandingDebts"]["debts"]) == 1


async def test_debt_records_are_append_only(api: Api, session: AsyncSession) -> None:
    """R-AUD-2: no UPDATE or DELETE of a debt, a plan or a letter."""
    client = await new_client(api)
    await record_outstanding_debt(api, client["id"], "EDF", UNSECURED, "60.00", "2024-05-05")
    await produce_debt_statement(api, client["id"], "10.00")
    for table in ("outstanding_debt", "debt_repayment_plan", "debt_plan_line", "debt_letter"):
        with pytest.raises(DBAPIError):
            async with session.begin_nested():
                await session.execute(text(f"UPDATE {table} SET recorded_by = 'x'"))
        with pytest.raises(DBAPIError):
            async with session.begin_nested():
                await session.execute(text(f"DELETE FROM {table}"))


# --- roles (R-ROLE) and death -------------------------------------------------------------------


async def test_roles_the_social_worker_sees_none_and_data_entry_records_no_debt(api: Api) -> None:
    """R-ROLE: the social worker is refused the register; support assistants cannot record a
    debt or produce a statement (casework); the auditor reads it."""
    client = await new_client(api)
    body = await api.gql(OUTSTANDING_DEBTS, {"c": client["id"]}, role="social_worker", sub="sw")
    assert_forbidden(body, ["outstandingDebts"])
    variables = {
        "input": {
            "clientId": client["id"],
            "creditor": "EDF",
            "kind": UNSECURED,
            "amount": "1.00",
            "incurredOn": "2024-01-01",
            "foundOn": "2024-01-02",
            "idempotencyKey": new_key(),
        }
    }
    body = await api.gql(RECORD_OUTSTANDING_DEBT, variables, role="support_assistant", sub="s")
    assert_forbidden(body, ["recordOutstandingDebt"])
    body = await api.gql(
        PRODUCE_DEBT_STATEMENT,
        {"input": debt_statement_input(client["id"], "1.00")},
        role="support_assistant",
        sub="s",
    )
    assert_forbidden(body, ["produceDebtStatement"])
    seen = await _debts(api, client["id"], role="auditor", sub="audrey")
    assert seen == {"debts": [], "repaymentPlans": []}


async def test_after_death_a_debt_is_still_recorded_but_no_statement_is_agreed(api: Api) -> None:
    """A debt found after the client's confirmed death is still owed (recorded), but no plan is
    made: the estate pays debts to the date of death in the same order (R-DEATH-2, B 29.2)."""
    client = await new_client(api)
    await confirmed_death(api, client["id"], days_ago(2))
    done = await record_outstanding_debt(api, client["id"], "EDF", UNSECURED, "60.00", "2024-05-05")
    assert done["__typename"] == "OutstandingDebtsPayload", done
    refused = await produce_debt_statement(api, client["id"], "10.00")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert refused["code"] == "CLIENT_DECEASED"

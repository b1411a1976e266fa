"""Issue 10 item 2: an approvable aggregate's status is computed twice, once in Python (its
rules' status table, ``approvals.rules.status_of``) to decide a transition, and once in SQL
(its repository's expression, ``approvals.repository.status_case``) to list, filter and queue.
Each test drives one aggregate through the real endpoint into every reachable state and checks
that the two agree for every one of them, and that the approval queue's "still awaiting" SQL
agrees with the status being the first one (R-AUD-2: statuses are derived from the events).
Issue 18: the status the repository reads is the stored current row (kept by the database from
the events); it must equal the status derived from the events in SQL too.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import decode_uuid
from ca_api.common.keyset import Seek
from ca_api.decisions import repository as decisions_repository
from ca_api.decisions import rules as decisions_rules
from ca_api.decisions.rules import DecisionStatus
from ca_api.lodgements import repository as lodgements_repository
from ca_api.lodgements import rules as lodgements_rules
from ca_api.lodgements.rules import LodgementStatus
from ca_api.payments import repository as payments_repository
from ca_api.payments import rules as payments_rules
from ca_api.payments.rules import PaymentStatus
from ca_api.temporary_assistance import repository as assistance_repository
from ca_api.temporary_assistance import rules as assistance_rules
from ca_api.temporary_assistance.rules import AssistanceStatus
from tests import factories as assistance
from tests.conftest import Api
from tests.factories import REFUSE_LODGEMENT_DECISION as REFUSE
from tests.factories import SUPERSEDE_DECISION as SUPERSEDE
from tests.factories import approve as approve_decision
from tests.factories import approve_as as approve_lodgement
from tests.factories import approve_payment as approve
from tests.factories import cancel_payment as cancel
from tests.factories import (
    decision_input,
    deputy_client,
    fund,
    gift_client,
    lodge,
    new_client,
    new_counterparty,
    new_key,
)
from tests.factories import fund_for_lodgement as fund_deputy
from tests.factories import make_payment as make
from tests.factories import payable_invoice as payable
from tests.factories import proposed_lodgement as proposed
from tests.factories import raised as raised_decision
from tests.factories import raised_payment as raised
from tests.factories import refuse_decision as refuse


async def _scalar(session: AsyncSession, expression: Any) -> Any:
    return (await session.execute(select(expression))).scalar_one()


# --- payments -----------------------------------------------------------------------------


async def _payment_statuses(session: AsyncSession, payment_id: str) -> tuple[str, str, bool]:
    """(SQL status, Python status, the queue's SQL "still RAISED")."""
    ident = literal(decode_uuid("Payment", payment_id))
    events = await payments_repository.payment_events(session, [decode_uuid("Payment", payment_id)])
    python = payments_rules.payment_status(e.event for e in events)
    sql = await _scalar(session, payments_repository.payment_status_of(ident))
    assert sql == await _scalar(session, payments_repository.payment_status_derived(ident))
    waiting = await _scalar(session, payments_repository.payment_raised(ident))
    return sql, python.value, waiting


async def test_a_payments_status_in_sql_matches_python_in_every_state(
    api: Api, session: AsyncSession
) -> None:
    # issue 10 item 2, R-PAY-3, R-AUD-2
    client = await new_client(api)
    await fund(session, api, client, 100_000)  # 1,000.00
    supplier = await new_counterparty(api, "SUPPLIER")

    async def payment(amount: str = "10.00") -> str:
        invoice = await payable(api, client, supplier, amount=amount)
        return str((await raised(api, invoice["id"]))["id"])

    reached: dict[str, str] = {}
    reached["raised"] = await payment()
    reached["funds short"] = await payment("5000.00")
    short = await approve(api, reached["funds short"])
    assert short["__typename"] == "InsufficientFundsProblem", short
    reached["approved"] = await payment()
    assert (await approve(api, reached["approved"]))["__typename"] == "PaymentPayload"
    reached["made"] = await payment()
    assert (await approve(api, reached["made"]))["__typename"] == "PaymentPayload"
    assert (await make(api, reached["made"]))["__typename"] == "PaymentPayload"
    reached["cancelled raised"] = await payment()
    assert (await cancel(api, reached["cancelled raised"]))["__typename"] == "PaymentPayload"
    reached["cancelled approved"] = await payment()
    assert (await approve(api, reached["cancelled approved"]))["__typename"] == "PaymentPayload"
    assert (await cancel(api, reached["cancelled approved"]))["__typename"] == "PaymentPayload"

    seen = set()
    for state, payment_id in reached.items():
        sql, python, waiting = await _payment_statuses(session, payment_id)
        assert sql == python, state
        assert waiting is (python == PaymentStatus.RAISED), state
        seen.add(python)
    assert seen == set(PaymentStatus)


# --- decisions ----------------------------------------------------------------------------


async def _decision_statuses(session: AsyncSession, decision_id: str) -> tuple[str, str, bool]:
    ident = decode_uuid("Decision", decision_id)
    events = await decisions_repository.events_of(session, [ident])
    python = decisions_rules.decision_status(e.event for e in events)
    sql = await _scalar(session, decisions_repository.status_of(literal(ident)))
    assert sql == await _scalar(session, decisions_repository.status_derived(literal(ident)))
    waiting = await _scalar(session, decisions_repository.raised(literal(ident)))
    return sql, python.value, waiting


async def test_a_decisions_status_in_sql_matches_python_in_every_state(
    api: Api, session: AsyncSession
) -> None:
    # issue 10 item 2, R-DEC-1, R-AUD-2
    client = await gift_client(api)

    async def decision() -> str:
        return str(
            (await raised_decision(api, decision_input(client, "BEST_INTEREST", "5.00")))["id"]
        )

    async def supersede(decision_id: str) -> str:
        variables = {
            "input": {
                **decision_input(client, "BEST_INTEREST", "6.00"),
                "id": decision_id,
                "reason": "the cost changed",
                "idempotencyKey": new_key(),
            }
        }
        data = await api.data(SUPERSEDE, variables, role="assistant", sub="ash.assistant")
        assert data["supersedeDecision"]["__typename"] == "DecisionPayload", data
        return str(data["supersedeDecision"]["decision"]["id"])

    reached: dict[str, str] = {"raised": await decision()}
    reached["approved"] = await decision()
    assert (await approve_decision(api, reached["approved"], "senior_officer"))[
        "__typename"
    ] == "DecisionPayload"
    reached["refused"] = await decision()
    refused = await refuse(api, reached["refused"], "not needed", "senior_officer")
    assert refused["__typename"] == "DecisionPayload"
    reached["superseded raised"] = await decision()
    reached["its successor"] = await supersede(reached["superseded raised"])
    reached["superseded approved"] = await decision()
    await approve_decision(api, reached["superseded approved"], "senior_officer")
    await supersede(reached["superseded approved"])
    reached["superseded refused"] = await decision()
    await refuse(api, reached["superseded refused"], "not needed", "senior_officer")
    await supersede(reached["superseded refused"])

    seen = set()
    for state, decision_id in reached.items():
        sql, python, waiting = await _decision_statuses(session, decision_id)
        assert sql == python, state
        assert waiting is (python == DecisionStatus.RAISED), state
        seen.add(python)
    assert seen == set(DecisionStatus)


# --- lodgements (a state machine on top of their INVESTMENT_PLAN decision) ----------------


async def _lodgement_statuses(session: AsyncSession, lodgement_id: str) -> tuple[str, str]:
    """(the SQL status the repository reads, the Python status from ``rules.lodgement_status``);
    the repository's SQL filter finds it by the Python status too."""
    ident = uuid.UUID(str(decode_uuid("Lodgement", lodgement_id)))
    row = await lodgements_repository.get_lodgement(session, ident)
    assert row is not None
    events = await decisions_repository.events_of(session, [row.lodgement.decision_id])
    decision = decisions_rules.decision_status(e.event for e in events)
    python = lodgements_rules.lodgement_status(decision, lodged=row.lodged is not None)
    listed = await lodgements_repository.list_lodgements(
        session, client_id=row.lodgement.client_id, status=python, seek=Seek(None, 50)
    )
    assert ident in {r.lodgement.id for r in listed}  # the SQL filter finds it by that status
    return row.status.value, python.value


async def test_a_lodgements_status_in_sql_matches_python_in_every_state(
    api: Api, session: AsyncSession
) -> None:
    # issue 10 item 2, R-INV-2, R-DEC, R-AUD-2
    client = await deputy_client(api)
    await fund_deputy(session, client, 10_000_000)

    async def lodgement() -> dict[str, Any]:
        return await proposed(api, client, "1000.00")

    reached: dict[str, dict[str, Any]] = {"proposed": await lodgement()}
    reached["approved"] = await lodgement()
    approved = await approve_lodgement(api, reached["approved"]["decisionId"])
    assert approved["__typename"] == "DecisionPayload", approved
    reached["lodged"] = await lodgement()
    await approve_lodgement(api, reached["lodged"]["decisionId"])
    assert (await lodge(api, reached["lodged"]["id"]))["__typename"] == "LodgementPayload"
    reached["refused"] = await lodgement()
    refused = await api.data(
        REFUSE,
        {
            "input": {
                "id": reached["refused"]["decisionId"],
                "reason": "keep it at hand",
                "idempotencyKey": new_key(),
            }
        },
        role="governance_manager",
        sub="grace.tgm",
    )
    assert refused["refuseDecision"]["__typename"] == "DecisionPayload", refused
    reached["superseded"] = await lodgement()
    variables = {
        "input": {
            **decision_input({"id": client}, "INVESTMENT_PLAN", "900.00"),
            "id": reached["superseded"]["decisionId"],
            "reason": "a smaller sum",
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(SUPERSEDE, variables, role="assistant", sub="ash.assistant")
    assert data["supersedeDecision"]["__typename"] == "DecisionPayload", data

    seen = set()
    for state, found in reached.items():
        sql, python = await _lodgement_statuses(session, found["id"])
        assert sql == python, state
        seen.add(python)
    assert seen == set(LodgementStatus)


# --- temporary financial assistance (seed 002 B 4.6-4.7) ----------------------------------


async def _assistance_statuses(session: AsyncSession, assistance_id: str) -> tuple[str, str, bool]:
    ident = decode_uuid("TemporaryAssistance", assistance_id)
    events = await assistance_repository.events_of(session, [ident])
    python = assistance_rules.assistance_status(e.event for e in events)
    sql = await _scalar(session, assistance_repository.status_of(literal(ident)))
    assert sql == await _scalar(session, assistance_repository.status_derived(literal(ident)))
    waiting = await _scalar(session, assistance_repository.requested(literal(ident)))
    return sql, python.value, waiting


async def test_temporary_assistances_status_in_sql_matches_python_in_every_state(
    api: Api, session: AsyncSession
) -> None:
    # issue 10 item 2, seed 002 B 4.6-4.7, R-AUD-2
    client = await new_client(api)
    payee = await new_counterparty(api, "SUPPLIER")
    await fund(session, api, client, 100_000)
    reached: dict[str, str] = {
        "requested": (await assistance.requested_assistance(api, client, payee, "10.00"))["id"]
    }
    reached["approved"] = (await assistance.requested_assistance(api, client, payee, "10.00"))["id"]
    approved = await assistance.assistance_step(
        api, assistance.APPROVE_ASSISTANCE, reached["approved"]
    )
    assert approved["__typename"] == "TemporaryAssistancePayload", approved
    reached["rejected"] = (await assistance.requested_assistance(api, client, payee, "10.00"))["id"]
    rejected = await assistance.assistance_step(
        api, assistance.REJECT_ASSISTANCE, reached["rejected"], reason="no"
    )
    assert rejected["__typename"] == "TemporaryAssistancePayload", rejected
    reached["paid, part repaid"] = (await assistance.paid_assistance(api, client, payee, "10.00"))[
        "id"
    ]
    part = await assistance.assistance_step(
        api, assistance.REPAY_ASSISTANCE, reached["paid, part repaid"], amount="4.00"
    )
    assert part["temporaryAssistance"]["status"] == "PAID", part
    reached["repaid"] = (await assistance.paid_assistance(api, client, payee, "10.00"))["id"]
    whole = await assistance.assistance_step(
        api, assistance.REPAY_ASSISTANCE, reached["repaid"], amount="10.00"
    )
    assert whole["temporaryAssistance"]["status"] == "REPAID", whole

    seen = set()
    for state, assistance_id in reached.items():
        sql, python, waiting = await _assistance_statuses(session, assistance_id)
        assert sql == python, state
        assert waiting is (python == AssistanceStatus.REQUESTED), state
        seen.add(python)
    assert seen == set(AssistanceStatus)

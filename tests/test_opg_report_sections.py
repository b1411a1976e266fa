"""The OPG report's non-money sections (issue 15 item 3, R-OPG, R-DEC-1, R-CARE-1, R-FEE,
R-ACC-6, R-DEBT, R-CARE-3, R-CARE-4, R-INV-2, R-INV-4): a deputy client's year built through the
endpoint and the services, each section listing exactly what falls in the period (records just
before the start and just after the end left out)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.schema.config import StrawberryConfig

from ca_api.clock import LONDON
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.scalars import SCALAR_MAP
from ca_api.db import unit_of_work
from ca_api.investments import service as investments
from ca_api.investments.rules import InvestmentKind
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.ledger.transfers import Movement
from ca_api.opg_reports import fees_and_gifts, sections
from ca_api.opg_reports.section_types import OpgReportSections, sections_of
from tests.conftest import Api
from tests.factories import (
    LEDGER_ACTOR,
    PROPOSER,
    SCAO,
    SUPERSEDE_DECISION,
    add_institution,
    add_product,
    approve,
    approve_as,
    approve_payment,
    decision_input,
    deputy_client,
    fee_fund,
    give_back,
    lodge,
    make_payment,
    new_counterparty,
    new_key,
    new_payer,
    new_property,
    placed,
    placement_fund,
    placement_input,
    produce_debt_statement,
    property_for_sale,
    property_mutation,
    proposed_lodgement,
    raise_debt_repayment,
    raised,
    receipt_input,
    record_change,
    record_contact,
    record_debt_letter_sent,
    record_outstanding_debt,
    record_receipt,
    record_review,
    registered_valuable,
    run_fees,
    with_surplus,
)

START, END = date(2026, 3, 1), date(2026, 8, 31)
LATE = date(2026, 11, 20)  # "today" for records that carry their own dates


def _real_today() -> str:
    """The real day (the database stamps rows with its own clock)."""
    return datetime.now(LONDON).date().isoformat()


async def _decided(api: Api, today: Any, on: date, client: dict[str, Any], **kw: Any) -> str:
    """A decision raised and approved on ``on``; its opaque id."""
    today.set(on)
    d = await raised(api, decision_input(client, kw.pop("kind", "BEST_INTEREST"), **kw))
    done = await approve(api, d["id"], "senior_officer")
    assert done["__typename"] == "DecisionPayload", done
    return str(d["id"])


async def _post(
    session: AsyncSession,
    client_id: uuid.UUID,
    kind: CounterpartyKind,
    name: str,
    pence: int,
    on: date,
    category: Category,
) -> uuid.UUID:
    """Money out of the client's CMS account to a counterparty named ``name``: the transfer."""
    party = await ledger.create_counterparty(
        session, LEDGER_ACTOR, kind=kind, name=name, reference=None
    )
    async with unit_of_work(session):
        target = await ledger.counterparty_account(session, party.id)
        cms = await ledger_accounts.client_account(session, client_id)
        t = await ledger_transfers.post(
            session,
            LEDGER_ACTOR,
            Movement(
                from_account_id=cms.id,
                to_account_id=target.id,
                amount=pence,
                value_date=on,
                category=category,
                description=f"{category.value} {name}",
            ),
        )
    return t.id


async def _money_part(session: AsyncSession, client_id: uuid.UUID) -> dict[str, Any]:
    """The money part's money-out entries as the report's money aggregation shapes them (H2's):
    the client's money out with a value date in the period, by category."""
    rows = (
        await session.execute(
            text(
                "SELECT t.id, t.value_date, t.amount, t.description, t.category, t.from_account_id"
                " FROM transfer t JOIN ledger_account a ON a.id = t.from_account_id"
                " WHERE a.client_id = :c AND t.kind IN ('POSTED', 'POST_PENDING')"
                " AND t.value_date BETWEEN :s AND :e AND t.category LIKE 'OUT_%'"
                " ORDER BY t.seq"
            ),
            {"c": client_id, "s": START, "e": END},
        )
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.category, []).append(
            {
                "transferId": str(r.id),
                "valueDate": r.value_date.isoformat(),
                "amount": r.amount,
                "description": r.description,
                "accountId": str(r.from_account_id),
            }
        )
    return {
        "moneyOut": [
            {"category": c, "amount": sum(e["amount"] for e in es), "entries": es}
            for c, es in out.items()
        ]
    }


async def test_a_deputy_clients_year_lists_exactly_what_falls_in_the_period(
    api: Api, session: AsyncSession, today: Any
) -> None:
    # The client: a deputy since 2025-04-15 with a house for sale (its not-returning-home
    # decision approved 2026-05-20, valuations 2026-05-11), sold 2026-06-15 (R-CARE-4).
    today.set(date(2026, 5, 20))
    client_ref, sold_pid, offer_id = await property_for_sale(api)
    client = {"id": client_ref}
    cid = decode_uuid("Client", client_ref)
    today.set(date(2026, 6, 15))
    sale = await property_mutation(api, "agreePropertySale", {"offerId": offer_id}, **SCAO)
    assert sale["__typename"] == "PropertyPayload", sale

    # Decisions (R-DEC-1): before, in, superseded in the period, its successor, a gift, after.
    before = await _decided(api, today, date(2026, 2, 20), client, amount="10.00")
    in_period = await _decided(
        api,
        today,
        date(2026, 4, 10),
        client,
        amount="20.00",
        clientInvolved=False,
        whyClientNotInvolved="asleep after surgery",
    )
    old = await _decided(api, today, date(2026, 4, 12), client, amount="30.00")
    today.set(date(2026, 5, 1))
    changed = decision_input(client, "BEST_INTEREST", "35.00")
    new = (
        await api.data(
            SUPERSEDE_DECISION,
            {"input": {**changed, "id": old, "reason": "costs rose", "idempotencyKey": new_key()}},
            **PROPOSER,
        )
    )["supersedeDecision"]["decision"]
    today.set(date(2026, 5, 2))
    assert (await approve(api, new["id"], "senior_officer"))["__typename"] == "DecisionPayload"
    gift = await _decided(
        api,
        today,
        date(2026, 6, 1),
        client,
        kind="GIFT",
        amount="50.00",
        recipientName="Nora Niece",
    )
    after = await _decided(api, today, date(2026, 9, 10), client, amount="40.00")

    today.set(LATE)
    # Contacts (R-CARE-1): the day before, both ends, the day after; the last in the period
    # corrected (R-AUD-2: the correction stands).
    contact_ids = {}
    for on, about in (
        ("2026-02-28", "before"),
        ("2026-03-01", "first day"),
        ("2026-08-31", "last day"),
        ("2026-09-01", "after"),
    ):
        done = await record_contact(api, client_ref, contactedOn=on, about=about)
        assert done["__typename"] == "ClientContactPayload", done
        contact_ids[about] = done["contact"]["id"]
    corrected = await record_contact(
        api,
        client_ref,
        contactedOn="2026-08-30",
        about="last day, corrected",
        corrects=contact_ids["last day"],
        reason="the call was the day before",
    )
    assert corrected["__typename"] == "ClientContactPayload", corrected
    # Reviews: one in, one after; changes of circumstances: one in, one after (and the sale's).
    for on in ("2026-05-05", "2026-09-02"):
        done = await record_review(api, client_ref, reviewedOn=on)
        assert done["__typename"] == "AnnualReviewPayload", done
    for on in ("2026-05-06", "2026-09-03"):
        done = await record_change(api, client_ref, "HEALTH", occurredOn=on, details=f"fall {on}")
        assert done["__typename"] == "CircumstanceChangePayload", done

    # Benefits (R-ACC-6): Attendance Allowance before, twice in, after; the state pension in.
    dwp = await new_payer(api)
    for value_date, benefit, amount in (
        ("2026-02-27", "ATTENDANCE_ALLOWANCE", "434.20"),
        ("2026-03-02", "ATTENDANCE_ALLOWANCE", "434.20"),
        ("2026-08-31", "ATTENDANCE_ALLOWANCE", "434.20"),
        ("2026-09-01", "ATTENDANCE_ALLOWANCE", "434.20"),
        ("2026-04-06", "STATE_PENSION", "884.00"),
    ):
        done = await record_receipt(
            api,
            receipt_input(
                client_ref,
                dwp,
                valueDate=value_date,
                benefit=benefit,
                amount=amount,
                periodStart=None,
                periodEnd=None,
            ),
        )
        assert done["__typename"] == "ReceiptPayload", done

    # Money out: care fees before (Old Oaks) and in (Seaview), the gift decided, a gift not
    # decided, an expense, a gift after the end.
    await fee_fund(session, client_ref, 5_000_000, date(2026, 1, 5))
    care = CounterpartyKind.CARE_PROVIDER
    await _post(session, cid, care, "Old Oaks", 100_000, date(2026, 2, 15), Category.OUT_CARE_FEES)
    await _post(session, cid, care, "Seaview", 100_000, date(2026, 4, 1), Category.OUT_CARE_FEES)
    other = CounterpartyKind.OTHER
    gift_t = await _post(
        session, cid, other, "Nora Niece", 5000, date(2026, 6, 3), Category.OUT_GIFTS
    )
    loose_t = await _post(
        session, cid, other, "Ned Nephew", 3000, date(2026, 6, 20), Category.OUT_GIFTS
    )
    await _post(session, cid, other, "Ned Nephew 2", 3000, date(2026, 9, 5), Category.OUT_GIFTS)
    expense_t = await _post(
        session,
        cid,
        CounterpartyKind.SUPPLIER,
        "Taxi Co",
        1250,
        date(2026, 7, 1),
        Category.OUT_DEPUTY_EXPENSES,
    )

    # Fees (R-FEE): the first anniversary (2026-04-15) charged by a run on 2026-04-20 at a
    # first-year rate entered for the test; the OPG's supervision fee is no deputy fee.
    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by)"
            " VALUES ('deputy_fee_first_year', '2025-04-01', 94400, 'PENCE', 'test', 'test')"
        )
    )
    today.set(date(2026, 4, 20))
    run = await run_fees(api, "2026-04-01", "2026-04-20")
    assert run["__typename"] == "FeeRunPayload", run
    kinds = {c["kind"] for c in run["run"]["charges"] if c["clientId"] == client_ref}
    assert kinds == {"DEPUTY_REMUNERATION", "OPG_SUPERVISION"}, run

    # A second house, valued before, in and after the period.
    today.set(LATE)
    kept = await new_property(api, client_ref, address="2 Other Road, Ashford")
    for on, amount in (
        ("2026-02-10", "180000.00"),
        ("2026-08-20", "190000.00"),
        ("2026-09-10", "200000.00"),
    ):
        done = await property_mutation(
            api,
            "recordPropertyValuation",
            {
                "propertyId": kept["propertyId"],
                "agent": f"Agent {on}",
                "amount": amount,
                "valuedOn": on,
            },
        )
        assert done["__typename"] == "PropertyPayload", done

    # An ISA (R-INV-5) valued before the start, in the period and after the end.
    first = await investments.record_investment(
        session,
        LEDGER_ACTOR,
        investments.NewInvestment(
            cid,
            InvestmentKind.ISA,
            "Kent Building Society",
            None,
            1_000_000,
            date(2026, 2, 1),
            "Safe 2",
            None,
        ),
    )
    prev = first
    for pence, on in ((1_050_000, date(2026, 8, 15)), (1_100_000, date(2026, 9, 15))):
        prev = await investments.record_investment(
            session,
            LEDGER_ACTOR,
            investments.NewInvestment(
                cid,
                InvestmentKind.ISA,
                "Kent Building Society",
                None,
                pence,
                on,
                "Safe 2",
                None,
                revises_id=prev.id,
            ),
        )

    # Debts (R-DEBT): one incurred before the end, one incurred after it.
    today.set(date(2026, 3, 5))
    debt = await record_outstanding_debt(
        api, client_ref, "Old Oaks", "CARE_HOME_PERSONAL_ALLOWANCE", "400.00", "2026-01-10"
    )
    assert debt["__typename"] == "OutstandingDebtsPayload", debt
    today.set(date(2026, 9, 3))
    later = await record_outstanding_debt(
        api, client_ref, "Energy Co", "OTHER_UNSECURED", "90.00", "2026-09-02"
    )
    assert later["__typename"] == "OutstandingDebtsPayload", later

    # A valuable taken into the safe now (after the period: not held at its end).
    today.set(LATE)
    valuable = await registered_valuable(api, client_ref)

    money = await _money_part(session, cid)
    got = await sections.gather(
        session, client_id=cid, period_start=START, period_end=END, money=money
    )
    assert tuple(got) == sections.SECTION_KEYS

    # decisions: approved in the period, not superseded by its end, oldest first
    ids = [d["decisionId"] for d in got["decisions"]]
    home = [d for d in got["decisions"] if d["madeOn"] == "2026-05-20"]
    assert len(home) == 1 and home[0]["kind"] == "BEST_INTEREST"
    expected = [in_period, new["id"], node_id("Decision", uuid.UUID(home[0]["decisionId"])), gift]
    assert [node_id("Decision", uuid.UUID(i)) for i in ids] == expected
    for gone in (before, old, after):
        assert str(decode_uuid("Decision", gone)) not in ids
    first_d = got["decisions"][0]
    assert first_d == {
        "decisionId": str(decode_uuid("Decision", in_period)),
        "kind": "BEST_INTEREST",
        "madeOn": "2026-04-10",
        "whatWasDecided": "best interest for 20.00",
        "amount": 2000,
        "clientInvolved": False,
        "whyClientNotInvolved": "asleep after surgery",
        "consulted": "The client, their niece and the care home manager",
    }

    # contacts: both ends in, the day before and after out
    assert [(c["contactedOn"], c["about"]) for c in got["contacts"]] == [
        ("2026-03-01", "first day"),
        ("2026-08-30", "last day, corrected"),
    ]
    assert [v["reviewedOn"] for v in got["visits"]] == ["2026-05-05"]
    assert got["visits"][0]["methods"] == ["PERSONAL_VISIT"]

    # care: the situation, the provider paid in the period only, the changes in it
    assert got["care"]["situation"] == "COMMUNITY"
    assert "Seaview" in got["care"]["arrangement"]
    assert "Old Oaks" not in got["care"]["arrangement"]
    assert [(c["occurredOn"], c["kind"]) for c in got["care"]["changes"]] == [
        ("2026-05-06", "HEALTH"),
        ("2026-06-15", "PROPERTY_SOLD"),
    ]

    # benefits: per benefit, in the period only
    assert got["benefits"] == [
        {
            "benefit": "STATE_PENSION",
            "opgCategory": "state-pension",
            "received": 88400,
            "payments": 1,
        },
        {
            "benefit": "ATTENDANCE_ALLOWANCE",
            "opgCategory": "attendance-allowance",
            "received": 86840,
            "payments": 2,
        },
    ]

    # gifts: the decided one matched to its decision, the other not
    assert [
        (g["transferId"], g["amount"], g["recipient"], g["decisionId"]) for g in got["gifts"]
    ] == [
        (str(gift_t), 5000, "Nora Niece", str(decode_uuid("Decision", gift))),
        (str(loose_t), 3000, "Ned Nephew", None),
    ]

    # deputy fees: the seven OPG types in order, the remuneration as annual management
    assert [f["type"] for f in got["deputyFees"]] == [t.value for t in fees_and_gifts.OpgFeeType]
    fees = {f["type"]: f for f in got["deputyFees"]}
    assert fees["ANNUAL_MANAGEMENT"]["amount"] == 94400
    assert fees["ANNUAL_MANAGEMENT"]["opgFeeType"] == "annual-management-fee"
    assert [c["valueDate"] for c in fees["ANNUAL_MANAGEMENT"]["charges"]] == ["2026-04-20"]
    assert sum(f["amount"] for f in got["deputyFees"]) == 94400
    assert got["deputyExpenses"] == [
        {
            "transferId": str(expense_t),
            "valueDate": "2026-07-01",
            "amount": 1250,
            "description": "OUT_DEPUTY_EXPENSES Taxi Co",
        }
    ]

    # assets at the end: the sold house gone, the other at its valuation on or before the end
    assert [(p["id"], p["value"], p["valuedOn"]) for p in got["assets"]["property"]] == [
        (str(decode_uuid("Property", kept["propertyId"])), 19_000_000, "2026-08-20")
    ]
    assert str(decode_uuid("Property", sold_pid)) not in {
        p["id"] for p in got["assets"]["property"]
    }
    assert got["assets"]["investments"] == [
        {
            "id": str(first.id),
            "description": "ISA: Kent Building Society",
            "value": 1_050_000,
            "valuedOn": "2026-08-15",
        }
    ]
    assert got["assets"]["placements"] == []
    assert got["assets"]["valuables"] == []

    # debts at the end: the one incurred before it, unpaid
    assert [(d["creditor"], d["outstanding"]) for d in got["debts"]] == [("Old Oaks", 40000)]

    # actions: the sale
    assert [(a["kind"], a["on"], a["amount"]) for a in got["actions"]] == [
        ("PROPERTY_SOLD", "2026-06-15", 18_500_000)
    ]

    # The GraphQL types read only the document (a throwaway schema exposes them).
    @strawberry.type
    class Query:
        @strawberry.field
        def sections(self) -> OpgReportSections:
            return sections_of(got)

    schema = strawberry.Schema(query=Query, config=StrawberryConfig(scalar_map=SCALAR_MAP))
    result = await schema.execute(
        "{ sections { decisions { decisionId madeOn amount clientInvolved }"
        " benefits { benefit received payments } deputyFees { type amount }"
        " assets { property { description valueAtEnd valuedOn } } debts { creditor outstanding }"
        " actions { kind on amount } care { situation changes { kind } } } }"
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    s = result.data["sections"]
    assert s["decisions"][0] == {
        "decisionId": in_period,
        "madeOn": "2026-04-10",
        "amount": "20.00",
        "clientInvolved": False,
    }
    assert s["benefits"][1] == {
        "benefit": "ATTENDANCE_ALLOWANCE",
        "received": "868.40",
        "payments": 2,
    }
    assert s["deputyFees"][1] == {"type": "ANNUAL_MANAGEMENT", "amount": "944.00"}
    assert s["assets"]["property"][0]["valueAtEnd"] == "190000.00"
    assert s["actions"] == [{"kind": "PROPERTY_SOLD", "on": "2026-06-15", "amount": "185000.00"}]

    # The valuable, registered now, is held at the end of a period that ends today (R-CARE-3).
    now = await sections.gather(
        session,
        client_id=cid,
        period_start=START,
        period_end=date.fromisoformat(_real_today()),
        money=money,
    )
    assert [v["description"] for v in now["assets"]["valuables"]] == [valuable["description"]]


async def test_lodgements_and_placements_made_and_ended_fall_in_their_period(
    api: Api, session: AsyncSession
) -> None:
    """R-INV-2, R-INV-4, R-INV-6: a placement made and given back in one period is two actions
    and no asset at its end; one made in the next period is an action and an asset at its end,
    with the lodgement made today."""
    client = {"id": await deputy_client(api, surplus=None)}
    cid = decode_uuid("Client", client["id"])
    await placement_fund(session, client["id"], "300000.00")
    await with_surplus(api, client["id"], "300000.00")
    institution = await add_institution(api, name="Kent Savings")
    product = await add_product(api, institution["id"], rate="1.5000")
    early = await placed(api, placement_input(client, product, "1000.00", "2025-02-01"))
    back = await give_back(api, early["id"], "2025-03-01")
    assert back["__typename"] == "PlacementPayload", back
    live = await placed(api, placement_input(client, product, "2000.00", "2025-06-01"))
    lodgement = await proposed_lodgement(api, client["id"], "30000.00")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    assert (await lodge(api, lodgement["id"]))["__typename"] == "LodgementPayload"
    today = date.fromisoformat(_real_today())
    # A debt (R-DEBT) incurred early in 2025, half repaid today under an agreed statement.
    payee = await new_counterparty(api, "COUNCIL", "ESCC payee")
    found = await record_outstanding_debt(
        api,
        client["id"],
        "ESCC",
        "COUNCIL_CARE_CONTRIBUTION",
        "90.00",
        "2025-01-10",
        payeeId=payee,
    )
    debt_id = found["outstandingDebts"]["debts"][0]["debtId"]
    plan = (await produce_debt_statement(api, client["id"], "50.00"))["outstandingDebts"][
        "repaymentPlans"
    ][0]
    assert (await approve_as(api, plan["decisionId"], **SCAO))["__typename"] == "DecisionPayload"
    for letter in plan["letters"]:
        sent = await record_debt_letter_sent(api, letter["letterId"], today.isoformat())
        assert sent["__typename"] == "OutstandingDebtsPayload", sent
    repaid = await raise_debt_repayment(api, plan["planId"], debt_id)
    assert repaid["__typename"] == "DebtRepaymentPayload", repaid
    assert repaid["payment"]["amount"] == "50.00"
    payment_id = repaid["payment"]["id"]
    assert (await approve_payment(api, payment_id))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, payment_id))["__typename"] == "PaymentPayload"

    first = await sections.gather(
        session,
        client_id=cid,
        period_start=date(2025, 1, 15),
        period_end=date(2025, 4, 30),
        money={},
    )
    assert [(a["kind"], a["on"], a["amount"]) for a in first["actions"]] == [
        ("PLACEMENT", "2025-02-01", 100000),
        ("INVESTMENT_ENDED", "2025-03-01", 100000),
    ]
    assert "Kent Savings" in first["actions"][0]["description"]
    assert first["assets"]["placements"] == []
    assert first["gifts"] == [] and first["deputyExpenses"] == []
    assert [f["amount"] for f in first["deputyFees"]] == [0] * 7
    assert [(d["creditor"], d["outstanding"]) for d in first["debts"]] == [("ESCC", 9000)]

    second = await sections.gather(
        session, client_id=cid, period_start=date(2025, 5, 1), period_end=today, money={}
    )
    assert [(a["kind"], a["on"], a["amount"]) for a in second["actions"]] == sorted(
        [("PLACEMENT", "2025-06-01", 200000), ("LODGEMENT", today.isoformat(), 3_000_000)],
        key=lambda a: (a[1], a[0]),
    )
    assert second["assets"]["placements"] == [
        {
            "id": str(decode_uuid("Placement", live["id"])),
            "institution": "Kent Savings",
            "amount": 200000,
            "status": "PLACED",
        }
    ]
    assert [(d["creditor"], d["outstanding"]) for d in second["debts"]] == [("ESCC", 4000)]

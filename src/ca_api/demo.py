"""Demo data a new user can explore: an officer in every role, and a dozen clients across both
legal roles and all three situations, among them the three deputy clients whose 2014/15 budget
plans are the seed's worked examples (``shared/fixtures/budget_plans_2014.json``, plans A to C).

Loaded through the services, so the audit trail shows who recorded what. Loads once: a database
that already has clients is left alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.appointee_applications import demo as demo_appointee_applications
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import service as clients
from ca_api.clients.models import Client
from ca_api.clients.repository import ClientFilter
from ca_api.clients.rules import ClientDetails, ClientStatus, Situation
from ca_api.common.keyset import Seek
from ca_api.db import Database, unit_of_work
from ca_api.deaths import demo as demo_deaths
from ca_api.decisions import service as decisions
from ca_api.deputyship_applications import demo as demo_deputyship_applications
from ca_api.invoices import checks as invoice_checks
from ca_api.invoices import recording as invoices
from ca_api.invoices.rules import InvoiceCheckName, InvoiceDraft, InvoiceKind
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import Benefit, Category, CounterpartyKind
from ca_api.money import parse_money
from ca_api.officers import service as officers
from ca_api.opg_reports import demo as demo_opg_reports
from ca_api.orders import service as orders
from ca_api.orders.rules import (
    AppointeeshipDetails,
    DeputyPowers,
    DeputyshipDetails,
    SupervisionType,
)
from ca_api.outbox import demo as demo_outbox
from ca_api.payments import raising as payments
from ca_api.payments.particulars import PaymentRequest
from ca_api.planning import approval as plan_approval
from ca_api.planning import rules as planning_rules
from ca_api.planning import seed_plans
from ca_api.planning import service as planning
from ca_api.receipts import service as receipts
from ca_api.receipts.rules import ReceiptDraft, ReceiptMethod, RunLine
from ca_api.referrals import demo as demo_referrals
from ca_api.temporary_assistance import demo as demo_temporary_assistance

# subject, display name, role
OFFICERS: list[tuple[str, str, Role]] = [
    ("sam.support", "Sam Support", Role.SUPPORT_ASSISTANT),
    ("ash.assistant", "Ash Assistant", Role.ASSISTANT),
    ("sasha.senior", "Sasha Senior-Assistant", Role.SENIOR_ASSISTANT),
    ("olu.scao", "Olu Okafor (SCAO)", Role.SENIOR_OFFICER),
    ("grace.tgm", "Grace Tan (TGM)", Role.GOVERNANCE_MANAGER),
    ("hari.head", "Hari Head (Head of Financial Programmes)", Role.HEAD_OF_SERVICE),
    ("audrey.audit", "Audrey Audit (Internal Audit)", Role.AUDITOR),
    ("dash.board", "Reporting dashboards", Role.REPORTING),
    ("wendy.sw", "Wendy Walker (Social Worker)", Role.SOCIAL_WORKER),
    ("rita.sw", "Rita Rowe (Social Worker)", Role.SOCIAL_WORKER),
    ("controcc", "Controcc integration", Role.INTEGRATION_CONTROCC),
    ("sap", "SAP integration", Role.INTEGRATION_SAP),
]

LOADER = Principal(subject="demo-loader", roles=frozenset({Role.HEAD_OF_SERVICE}), name="Demo")

ALL_POWERS = DeputyPowers(
    receive_income=True,
    manage_accounts=True,
    manage_capital=True,
    sell_property=True,
    let_property=False,
    make_gifts=True,
    gift_yearly_limit=parse_money("250.00"),
)
NO_GIFTS = DeputyPowers(
    receive_income=True,
    manage_accounts=True,
    manage_capital=True,
    sell_property=False,
    let_property=False,
    make_gifts=False,
)


@dataclass(frozen=True)
class DemoClient:
    details: ClientDetails
    appointeeship: AppointeeshipDetails | None = None
    deputyship: DeputyshipDetails | None = None
    note: str = ""


def _c(
    given: str,
    family: str,
    born: date,
    situation: Situation,
    ni: str,
    postcode: str,
    town: str = "Lewes",
) -> ClientDetails:
    return ClientDetails(
        given_name=given,
        family_name=family,
        date_of_birth=born,
        situation=situation,
        status=ClientStatus.ACTIVE,
        ni_number=ni,
        address_line1="1 Demo Street",
        town=town,
        postcode=postcode,
    )


def _dep(
    case: str,
    ordered: date,
    powers: DeputyPowers = ALL_POWERS,
    supervision: SupervisionType = SupervisionType.TYPE_2,
) -> DeputyshipDetails:
    return DeputyshipDetails(
        case_number=case, order_date=ordered, powers=powers, supervision_type=supervision
    )


def _app(ref: str, start: date) -> AppointeeshipDetails:
    return AppointeeshipDetails(dwp_reference=ref, applied_on=start, start_date=start)


COM, RES, DEC = Situation.COMMUNITY, Situation.RESIDENTIAL_CARE, Situation.DECEASED_WINDING_UP

CLIENTS: list[DemoClient] = [
    # The seed's three worked budget plans (2014/15), all deputy clients.
    DemoClient(
        _c("Arthur", "Ashdown", date(1948, 3, 2), COM, "AB123456A", "BN7 1AA"),
        deputyship=_dep("1234567A", date(2013, 5, 20)),
        note="budget plan A",
    ),
    DemoClient(
        _c("Beatrice", "Bexhill", date(1939, 7, 14), RES, "AB123457B", "TN39 3AA", "Bexhill"),
        deputyship=_dep("1234568B", date(2012, 11, 5), NO_GIFTS),
        note="budget plan B",
    ),
    DemoClient(
        _c("Cyril", "Crowborough", date(1935, 1, 30), RES, "AB123458C", "TN6 1AA", "Crowborough"),
        deputyship=_dep("1234569C", date(2011, 2, 17), supervision=SupervisionType.TYPE_1),
        note="budget plan C",
    ),
    # Appointee only.
    DemoClient(
        _c("Dora", "Ditchling", date(1960, 9, 9), COM, "CE234567D", "BN6 8AA"),
        appointeeship=_app("DWP-A-1001", date(2020, 4, 6)),
    ),
    DemoClient(
        _c("Edwin", "Eastbourne", date(1952, 12, 1), RES, "CE234568A", "BN21 1AA", "Eastbourne"),
        appointeeship=_app("DWP-A-1002", date(2019, 1, 14)),
    ),
    DemoClient(
        _c("Flora", "Forest", date(1944, 4, 4), DEC, "CE234569B", "TN22 1AA", "Uckfield"),
        appointeeship=_app("DWP-A-1003", date(2016, 6, 1)),
    ),
    # Both appointee and deputy (R-REF-6).
    DemoClient(
        _c("Gordon", "Glynde", date(1957, 8, 23), COM, "HJ345678C", "BN8 6AA"),
        appointeeship=_app("DWP-A-1004", date(2021, 3, 1)),
        deputyship=_dep("2345678G", date(2021, 9, 30)),
    ),
    DemoClient(
        _c("Hilda", "Hailsham", date(1941, 2, 28), RES, "HJ345679D", "BN27 1AA", "Hailsham"),
        appointeeship=_app("DWP-A-1005", date(2018, 10, 1)),
        deputyship=_dep("2345679H", date(2019, 5, 2), supervision=SupervisionType.TYPE_3),
    ),
    # Deputy only, other situations.
    DemoClient(
        _c("Ivor", "Isfield", date(1950, 6, 17), COM, "HJ345680A", "TN22 5AA"),
        deputyship=_dep("3456789I", date(2024, 1, 15), supervision=SupervisionType.TYPE_2A),
    ),
    DemoClient(
        _c("Joan", "Jevington", date(1933, 10, 10), DEC, "KL456789B", "BN26 5AA"),
        deputyship=_dep("3456780J", date(2015, 7, 7)),
    ),
    DemoClient(
        _c("Keith", "Kingston", date(1962, 5, 5), RES, "KL456780C", "BN7 3AA"),
        deputyship=_dep("3456781K", date(2025, 11, 3), NO_GIFTS),
    ),
    DemoClient(
        _c("Lena", "Litlington", date(1938, 3, 3), DEC, "KL456781D", "BN26 5AB"),
        appointeeship=_app("DWP-A-1006", date(2017, 2, 2)),
        deputyship=_dep("3456782L", date(2017, 8, 8)),
    ),
]

REFERRAL = ClientDetails(
    given_name="Maud",
    family_name="Mayfield",
    date_of_birth=date(1955, 11, 11),
    situation=COM,
    ni_number="MN567890A",
    postcode="TN20 6AA",
    town="Mayfield",
)


# Plans A to C's opening balances (fixtures/budget_plans_2014.json), brought forward.
OPENING_BALANCES = [parse_money("2922.58"), parse_money("43685.64"), parse_money("154052.49")]
BENEFITS = [
    (Benefit.STATE_PENSION, parse_money("735.20")),
    (Benefit.PENSION_CREDIT, parse_money("261.96")),
    (Benefit.ATTENDANCE_ALLOWANCE, parse_money("290.40")),
]


async def _client_records(session: AsyncSession) -> list[clients.ClientRecord]:
    return await clients.list_clients(session, LOADER, ClientFilter(), seek=Seek(None, 100))


async def _load_money(session: AsyncSession, records: list[clients.ClientRecord]) -> uuid.UUID:
    """Counterparties, opening balances, a benefits run, an invoice checked and a payment
    raised and waiting for approval: enough to try every part of the money API. The council's
    counterparty id."""
    officer = Actor(Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash"), "demo-load")
    made = {}
    for kind, name in [
        (CounterpartyKind.DWP, "Department for Work and Pensions"),
        (CounterpartyKind.SUPPLIER, "British Gas"),
        (CounterpartyKind.CARE_PROVIDER, "Sunnyside Care Home"),
        (CounterpartyKind.COUNCIL, "East Sussex County Council"),
    ]:
        made[kind] = (
            await ledger.create_counterparty(session, officer, kind=kind, name=name, reference=None)
        ).id
    today = clock.today()
    taken_on = [r for r in records if r.details.status is ClientStatus.ACTIVE]
    active = [r.id for r in taken_on]
    living = [r.id for r in taken_on if r.details.situation is not DEC]
    for cid, opening in zip(active, OPENING_BALANCES, strict=False):
        await receipts.record_receipt(
            session,
            officer,
            ReceiptDraft(
                client_id=cid,
                payer_id=made[CounterpartyKind.DWP],
                amount=opening,
                value_date=today,
                method=ReceiptMethod.BANK_TRANSFER,
                category=Category.IN_OTHER,
                description="Balance brought forward",
            ),
            idempotency_key=f"demo-opening-{cid}",
        )
    start = today - timedelta(days=27)
    lines = [
        RunLine(cid, made[CounterpartyKind.DWP], benefit, amount, start, today)
        for cid in living
        for benefit, amount in BENEFITS
    ]
    await receipts.record_benefit_run(
        session, officer, lines, today, idempotency_key=f"demo-benefits-{today.isoformat()}"
    )
    invoice = await invoices.record_invoice(
        session,
        officer,
        invoices.NewInvoice(
            client_id=active[0],
            supplier_id=made[CounterpartyKind.SUPPLIER],
            draft=InvoiceDraft(
                supplier_invoice_number="BG-100234",
                invoice_date=today - timedelta(days=3),
                amount=parse_money("430.58"),
                kind=InvoiceKind.SUPPLIER,
                category=Category.OUT_GAS,
                description="Gas, quarter to date",
                period_start=None,
                period_end=None,
                items=(),
                official_invoice=True,
                direct_debit=False,
            ),
        ),
        idempotency_key="demo-invoice-bg-100234",
    )
    invoice_id = invoice.invoice.invoice.id
    for check in InvoiceCheckName:
        await invoice_checks.record_check(
            session, officer, invoice_id, check, passed=True, note=None
        )
    await payments.raise_payment(
        session,
        officer,
        PaymentRequest(invoice_id=invoice_id),
        idempotency_key="demo-payment-bg-100234",
    )
    # The seed's three budget plans, for the three clients they belong to (when ../shared is
    # beside the repository), as the seed dated them (2014/15, long past their yearly review),
    # then reviewed for this plan year with the same figures (R-CARE-2), submitted by a colleague
    # and approved by the governance manager (R-DEC, R-ROLE-2): plan C's surplus flags its client
    # for lodgement, and a lodgement of it can be tried (R-INV-2).
    submitter = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER}), "Olu"), "demo-load")
    approver = Actor(
        Principal("grace.tgm", frozenset({Role.GOVERNANCE_MANAGER}), "Grace"), "demo-load"
    )
    this_year = planning_rules.plan_year_of(today)
    for i, seed_plan in enumerate(seed_plans.load(active[:3])):
        first = await planning.record_plan(
            session, officer, seed_plan, idempotency_key=f"demo-plan-{i}"
        )
        reviewed = await planning.record_plan(
            session,
            officer,
            replace(seed_plan, plan_year_start=this_year, supersedes_id=first.view.plan.id),
            idempotency_key=f"demo-plan-{i}-reviewed",
        )
        submitted = await plan_approval.submit_plan(
            session,
            submitter,
            reviewed.view.plan.id,
            consulted="the client's care home manager and social worker",
            client_involved=False,
            why_client_not_involved="the client lacks capacity to take part in budgeting",
            idempotency_key=f"demo-plan-{i}-submitted",
        )
        decision_id = submitted.view.plan.decision_id
        assert decision_id is not None
        await decisions.approve_decision(
            session, approver, decision_id, idempotency_key=f"demo-plan-{i}-approved"
        )
    return made[CounterpartyKind.COUNCIL]


async def load(database: Database) -> bool:
    """Load the demo data unless the database already has clients. True when loaded."""
    session: AsyncSession = database.session()
    try:
        existing = (await session.execute(select(func.count()).select_from(Client))).scalar_one()
        if existing:
            return False
        async with unit_of_work(session):
            for subject, name, role in OFFICERS:
                await officers.add_if_missing(session, subject, name, role, None)
        actor = Actor(LOADER, "demo-load")
        for i, demo in enumerate(CLIENTS, start=1):
            created = await clients.create_client(
                session, actor, demo.details, idempotency_key=f"demo-client-{i}"
            )
            record = created.client
            if demo.appointeeship is not None:
                await orders.record_appointeeship(session, actor, record.id, demo.appointeeship)
            if demo.deputyship is not None:
                await orders.record_deputyship(session, actor, record.id, demo.deputyship)
        social_worker = Principal("wendy.sw", frozenset({Role.SOCIAL_WORKER}), "Wendy Walker")
        maud = await clients.refer_client(
            session, Actor(social_worker, "demo-load"), REFERRAL, idempotency_key="demo-referral"
        )
        await demo_referrals.load(session, maud.client.id)
        await demo_appointee_applications.load(session)
        records = await _client_records(session)
        council = await _load_money(session, records)
        await demo_deputyship_applications.load(session, [r.id for r in records])
        await demo_temporary_assistance.load(session)
        await demo_outbox.load(session, council)
        await demo_deaths.load(session)
        await demo_opg_reports.load(session)
        return True
    finally:
        await session.close()

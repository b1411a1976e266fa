"""The demo data: an officer in every role, a dozen clients across both legal roles and all
three situations, the seed's budget-plan clients among them; loaded once.

Loaded once for the module too (about 4 s a load): every test reads the same demo, each in a
savepoint rolled back after it, so what one test does is not seen by the next."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from ca_api import demo
from ca_api.auth.principal import Role
from ca_api.common.ids import encode_id
from ca_api.db import Database
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    audit_rows,
    propose_lodgement,
)


@pytest.fixture(scope="module")
async def demo_loaded(database: Database) -> AsyncIterator[AsyncConnection]:
    """The demo loaded into an empty database once, in a transaction rolled back at the end."""
    async with database.engine.connect() as conn:
        trans = await conn.begin()
        try:
            assert await demo.load(RolledBackDatabase(database, conn)) is True
            yield conn
        finally:
            await trans.rollback()


@pytest.fixture
async def db(database: Database, demo_loaded: AsyncConnection) -> AsyncIterator[RolledBackDatabase]:
    """This module's tests on the loaded demo, each inside a savepoint rolled back after it."""
    nested = await demo_loaded.begin_nested()
    try:
        yield RolledBackDatabase(database, demo_loaded)
    finally:
        await nested.rollback()


async def test_demo_loads_once_with_every_role_and_situation(
    api: Api, db: RolledBackDatabase
) -> None:
    # Loaded into the empty database by ``demo_loaded`` (load answered True there).
    assert await demo.load(db) is False  # a database with clients is left alone

    officers = await api.data("{ officers(first: 100) { nodes { subject role } } }")
    assert {o["role"] for o in officers["officers"]["nodes"]} == {r.name for r in Role}

    data = await api.data(
        "{ clients(first: 100) { nodes { reference givenName legalRole situation status } } }"
    )
    clients = data["clients"]["nodes"]
    assert len(clients) >= 12
    on_roles = [c for c in clients if c["status"] == "ACTIVE"]
    assert {c["legalRole"] for c in on_roles} == {"APPOINTEE", "DEPUTY", "BOTH"}
    assert {c["situation"] for c in on_roles} == {
        "COMMUNITY",
        "RESIDENTIAL_CARE",
        "DECEASED_WINDING_UP",
    }
    # The budget plans' clients (fixtures plans a, b, c) are deputy clients.
    first_three = {c["reference"]: c for c in clients[:3]}
    assert [c["givenName"] for c in first_three.values()] == ["Arthur", "Beatrice", "Cyril"]
    assert all(c["legalRole"] == "DEPUTY" for c in first_three.values())

    # Everything the loader did is in the audit trail, and the chain is intact.
    report = await api.data(
        "{ verifyAuditChain { intact entriesChecked } }", role="auditor", sub="audrey"
    )
    assert report["verifyAuditChain"]["intact"] is True
    assert report["verifyAuditChain"]["entriesChecked"] >= 12 + 15


async def test_the_social_worker_sees_only_her_demo_referral(
    api: Api, db: RolledBackDatabase
) -> None:
    await demo.load(db)
    data = await api.data(
        "{ clients(first: 100) { nodes { givenName familyName status } } }",
        role="social_worker",
        sub="wendy.sw",
    )
    assert data["clients"]["nodes"] == [
        {"givenName": "Maud", "familyName": "Mayfield", "status": "REFERRED"}
    ]


async def test_demo_money_is_there_to_explore(api: Api, db: RolledBackDatabase) -> None:
    """Plan A's client starts with the fixture's opening balance plus one benefits run, and a
    checked gas bill waits for a senior officer's approval."""
    await demo.load(db)
    first = await api.data('{ clients(filter: {search: "Arthur Ashdown"}) { nodes { id } } }')
    client = first["clients"]["nodes"][0]
    accounts = await api.data(
        "query($c: ID!) { clientAccounts(clientId: $c) { kind balance available } }",
        {"c": client["id"]},
    )
    # 2,922.58 brought forward + 735.20 + 261.96 + 290.40 of benefits
    assert accounts["clientAccounts"] == [
        {"kind": "CLIENT_CMS", "balance": "4210.14", "available": "4210.14"}
    ]
    queue = await api.data(
        "{ paymentsAwaitingApproval { nodes { amount canApprove } } }",
        role="senior_officer",
        sub="olu.scao",
    )
    assert queue["paymentsAwaitingApproval"]["nodes"] == [{"amount": "430.58", "canApprove": True}]
    check = await api.data("{ ledgerCheck { sound } }", role="auditor", sub="audrey")
    assert check["ledgerCheck"]["sound"] is True


async def test_demo_loads_the_seeds_plans_and_plan_c_is_flagged_for_lodgement(
    api: Api, db: RolledBackDatabase
) -> None:
    """Plans A to C belong to the demo's first three clients (when ../shared is beside the
    repository); only plan C's client is over the lodgement threshold (R-INV-2)."""
    from ca_api.planning import seed_plans

    if not seed_plans.FIXTURE.is_file():
        pytest.skip("the seed's fixture is not beside the repository")
    await demo.load(db)
    flags = await api.data(
        "{ thresholdFlags { nodes { clientReference kind } } }",
        role="senior_officer",
        sub="olu.scao",
    )
    names = await api.data('{ clients(filter: {search: "Cyril"}) { nodes { reference } } }')
    cyril = names["clients"]["nodes"][0]["reference"]
    assert [f["clientReference"] for f in flags["thresholdFlags"]["nodes"]] == [cyril]


async def test_the_demos_plans_are_reviewed_for_this_year_so_plan_c_can_be_lodged(
    api: Api, db: RolledBackDatabase
) -> None:
    """The demo reviews the seed's 2014/15 plans for this plan year (R-CARE-2), approved with
    four eyes (R-ROLE-2), so a new user can try the surplus rule (issue 9 item 1, R-INV-2):
    plan C's client lodges up to its surplus of 111,165.39 and no further; plan A's is under
    the threshold."""
    from ca_api.planning import seed_plans

    if not seed_plans.FIXTURE.is_file():
        pytest.skip("the seed's fixture is not beside the repository")
    await demo.load(db)
    flags = await api.data("{ thresholdFlags { nodes { clientId planStale } } }")
    [flag] = flags["thresholdFlags"]["nodes"]
    assert flag["planStale"] is False
    cyril = flag["clientId"]
    over = await propose_lodgement(api, cyril, "111165.40")
    assert (over["__typename"], over["code"]) == ("SurplusRuleProblem", "OVER_SURPLUS"), over
    done = await propose_lodgement(api, cyril, "111165.39")
    assert done["__typename"] == "LodgementPayload", done
    found = await api.data('{ clients(filter: {search: "Arthur"}) { nodes { id } } }')
    arthur = found["clients"]["nodes"][0]["id"]
    under = await propose_lodgement(api, arthur, "1000.00")
    assert under["code"] == "SURPLUS_BELOW_THRESHOLD", under


async def test_demo_has_a_referral_in_each_state(api: Api, db: RolledBackDatabase) -> None:
    """Issue 12: Maud's referral awaits triage; Rita's were returned, refused and accepted."""
    await demo.load(db)
    query = "{ referrals(first: 100) { nodes { status missingDocuments reasons referredBy } } }"
    data = await api.data(query, role="senior_officer", sub="olu.scao")
    by_status = {n["status"]: n for n in data["referrals"]["nodes"]}
    assert set(by_status) == {"SUBMITTED", "RETURNED", "REFUSED", "ACCEPTED"}
    assert by_status["SUBMITTED"]["referredBy"] == "wendy.sw"
    assert by_status["RETURNED"]["missingDocuments"] == ["MENTAL_CAPACITY_ASSESSMENT"]
    assert by_status["REFUSED"]["reasons"][0].startswith("CAPITAL:")
    wendys = await api.data(query, role="social_worker", sub="wendy.sw")
    assert [n["status"] for n in wendys["referrals"]["nodes"]] == ["SUBMITTED"]


async def test_the_demos_accepted_referral_has_its_dwp_application_sent_in_time(
    api: Api, db: RolledBackDatabase
) -> None:
    """Issue 12 item 2 (R-REF-5): the accepted referral's BF56 was sent the day it was valid."""
    await demo.load(db)
    query = """{ appointeeApplicationDeadlines(first: 100) {
      nodes { validOn sentOn state sentRecordedBy } } }"""
    data = await api.data(query, role="senior_officer", sub="olu.scao")
    [deadline] = data["appointeeApplicationDeadlines"]["nodes"]
    assert deadline["sentOn"] == deadline["validOn"]
    assert (deadline["state"], deadline["sentRecordedBy"]) == ("MET", "ash.assistant")


async def test_the_demos_accepted_referral_has_its_deputyship_application_in_progress(
    api: Api, db: RolledBackDatabase
) -> None:
    """Issue 12 item 2 (R-REF-6, R-ORD-2): the accepted referral recorded bank accounts, so its
    deputyship application was made with the DWP one and issued by the court; a deputy client's
    notices of the order are partly sent."""
    await demo.load(db)
    query = """{ deputyshipApplicationDeadlines(first: 100) {
      nodes { cause startsOn state application { madeOn currentStage } } } }"""
    data = await api.data(query, role="senior_officer", sub="olu.scao")
    [deadline] = data["deputyshipApplicationDeadlines"]["nodes"]
    assert (deadline["cause"], deadline["state"]) == ("REFERRAL_ASSETS_KNOWN", "MET")
    assert deadline["application"] == {"madeOn": deadline["startsOn"], "currentStage": "ISSUED"}
    rows = await audit_rows(api, entityType="deputyship_notice")
    [sent] = [r for r in rows if r["action"] == "sent"]
    order = encode_id("Deputyship", sent["after"]["deputyship_id"])
    notices = await api.data(
        """query($id: ID!) { deputyshipNotices(deputyshipId: $id) {
             nodes { name source sentOn } } }""",
        {"id": order},
        role="senior_officer",
        sub="olu.scao",
    )
    nodes = notices["deputyshipNotices"]["nodes"]
    told = {n["name"]: (n["source"], n["sentOn"] is not None) for n in nodes}
    assert told == {
        "British Gas": ("LEDGER", True),
        "Department for Work and Pensions": ("LEDGER", False),
        "Lloyds Bank": ("OFFICER", False),
    }


async def test_the_demo_has_temporary_assistance_outstanding(
    api: Api, db: RolledBackDatabase
) -> None:
    # issue 12 item 4, seed 002 B 4.6-4.7: Ray Ripe's assistance, paid by the council, not repaid
    await demo.load(db)
    data = await api.data(
        """{ outstandingTemporaryAssistance { nodes {
             client { givenName familyName } amount outstanding status raisedBy approvedBy
             paymentReference payee { name } } } }""",
        role="senior_officer",
        sub="olu.scao",
    )
    assert data["outstandingTemporaryAssistance"]["nodes"] == [
        {
            "client": {"givenName": "Ray", "familyName": "Ripe"},
            "amount": "150.00",
            "outstanding": "150.00",
            "status": "PAID",
            "raisedBy": "ash.assistant",
            "approvedBy": "olu.scao",
            "paymentReference": "ESCC-TFA-0001",
            "payee": {"name": "Uckfield Co-op"},
        }
    ]


async def test_the_demo_shows_the_hand_off_on_appointment(api: Api, db: RolledBackDatabase) -> None:
    """Issue 12 item 3 (R-REF-7, seed 002 B 4.1-4.5): the accepted referral's client was told
    to both teams on application and on appointment, and their council charge is held."""
    await demo.load(db)
    query = """{ outboxMessages(filter: {topic: APPLICATION_MADE}, first: 100) {
      nodes { clientId recipient state } } }"""
    data = await api.data(query, role="senior_officer", sub="olu.scao")
    applied = {n["recipient"]: n for n in data["outboxMessages"]["nodes"]}
    assert applied["FINANCIAL_ASSESSMENT"]["state"] == "ACKNOWLEDGED"
    assert applied["INCOME_RECOVERY"]["state"] == "SENT"
    client_id = applied["INCOME_RECOVERY"]["clientId"]
    query = """query($id: ID!) { outboxMessages(filter: {clientId: $id, topic: APPOINTED},
      first: 100) { nodes { recipient payload } } }"""
    data = await api.data(query, {"id": client_id}, role="auditor", sub="audrey")
    appointed = data["outboxMessages"]["nodes"]
    # the teams, and SAP's and Controcc's feeds in their own shape (issue 17 item 3)
    assert {n["recipient"] for n in appointed} == {
        "FINANCIAL_ASSESSMENT",
        "INCOME_RECOVERY",
        "SAP",
        "CONTROCC",
    }
    appointed = [n for n in appointed if n["recipient"] not in ("SAP", "CONTROCC")]
    assert {n["payload"]["invoices_held"] for n in appointed} == {1}
    query = """query($id: ID!) { invoices(filter: {clientId: $id}, first: 10) {
      nodes { kind onHold daysOverdue hold { cause } } }
      client(id: $id) { financialAssessment { status } } }"""
    data = await api.data(query, {"id": client_id}, role="senior_officer", sub="olu.scao")
    [invoice] = data["invoices"]["nodes"]
    assert (invoice["kind"], invoice["onHold"], invoice["hold"]["cause"]) == (
        "COUNCIL_CARE_CONTRIBUTION",
        True,
        "ON_APPOINTMENT",
    )
    assert data["client"]["financialAssessment"]["status"] == "REFERRED"


async def test_the_demo_has_a_confirmed_death_partly_notified(
    api: Api, db: RolledBackDatabase
) -> None:
    """Issue 13 items 1-2 (R-ROLE-2, R-DEATH-1): Flora Forest's death recorded by Ash, confirmed
    by Olu; the DWP's letter and the Income Recovery team's message sent, the rest outstanding."""
    await demo.load(db)
    data = await api.data(
        """{ clientsBeingWoundUp(first: 10) { nodes {
             client { id givenName familyName situation }
             death { status recordedBy confirmedBy } daysSinceDeath } } }""",
        role="senior_officer",
        sub="olu.scao",
    )
    (flora,) = data["clientsBeingWoundUp"]["nodes"]
    assert flora["client"]["givenName"] == "Flora"
    assert flora["client"]["situation"] == "DECEASED_WINDING_UP"
    assert flora["death"] == {
        "status": "CONFIRMED",
        "recordedBy": "ash.assistant",
        "confirmedBy": "olu.scao",
    }
    assert flora["daysSinceDeath"] == 21
    items = await api.data(
        """query($c: ID!) { deathNotifications(clientId: $c, first: 50) { nodes {
             recipient sentBy outstanding } } }""",
        {"c": flora["client"]["id"]},
        role="auditor",
        sub="audrey",
    )
    nodes = items["deathNotifications"]["nodes"]
    sent = {(n["recipient"], n["sentBy"]) for n in nodes if not n["outstanding"]}
    assert ("DWP", "ash.assistant") in sent and ("INCOME_RECOVERY", "olu.scao") in sent
    assert len(sent) == 2
    assert {n["recipient"] for n in nodes if n["outstanding"]} >= {
        "CARE_MANAGEMENT",
        "SOCIAL_WORKER",
    }
    # Her pension paid after the death is held back for 21 of its 28 days (B 29.2), the
    # wind-up fee taken (R-FEE-5); a small estate is left to pay out or keep.
    money = await api.data(
        """query($c: ID!) {
             benefitOverpayments(clientId: $c, first: 5) { nodes { amountFlagged status } }
             client(id: $c) { death { windUpFee { amount } } }
             clientsBeingWoundUp(first: 5) { nodes { outstanding { step amount } } } }""",
        {"c": flora["client"]["id"]},
        role="senior_officer",
        sub="olu.scao",
    )
    assert money["benefitOverpayments"]["nodes"] == [{"amountFlagged": "551.40", "status": "HELD"}]
    assert money["client"]["death"]["windUpFee"] == {"amount": "375.00"}
    steps = {
        o["step"]: o["amount"] for o in money["clientsBeingWoundUp"]["nodes"][0]["outstanding"]
    }
    assert steps["OVERPAYMENTS"] == "551.40" and steps["ESTATE"] == "408.80"
    assert "WIND_UP_FEE" not in steps


async def test_the_demo_has_an_opg_report_generated_and_balanced(
    api: Api, db: RolledBackDatabase
) -> None:
    """Issue 15 (R-OPG, R-OPG-1, R-OPG-2): Keith Kingston's first report, for the period that
    ended on 2 November 2026, opened and generated from a year in the ledger by Ash, with his
    wishes written; it balances to the penny, per account and in total, and waits to be
    prepared."""
    await demo.load(db)
    data = await api.data(
        """{ opgReports(first: 10) { nodes {
             client { givenName familyName } periodStart periodEnd dueOn status
             freeText { section recordedBy }
             currentVersion { version generatedBy reportType
               accounts { kind opening moneyIn moneyOut transfersIn transfersOut closing }
               moneyIn { category benefit amount entries { amount } }
               moneyOut { category amount entries { amount } }
               transfersBetweenOwnAccounts { amount }
               totals { opening moneyIn moneyOut closing } }
             balanceCheck { balanced totals { difference } } } } }""",
        role="senior_officer",
        sub="olu.scao",
    )
    (report,) = data["opgReports"]["nodes"]
    assert report["client"] == {"givenName": "Keith", "familyName": "Kingston"}
    assert (report["periodStart"], report["periodEnd"], report["dueOn"]) == (
        "2025-11-03",
        "2026-11-02",
        "2026-12-28",
    )
    assert report["status"] == "OPEN"
    assert report["freeText"] == [
        {"section": "CLIENT_WISHES_AND_INVOLVEMENT", "recordedBy": "ash.assistant"}
    ]
    version = report["currentVersion"]
    assert (version["version"], version["generatedBy"], version["reportType"]) == (
        1,
        "ash.assistant",
        "TYPE_103_6",
    )
    # 13 x 290.40 Attendance Allowance + 12 x 956.60 State Pension in; 12 x 1,000.00 care fees
    # and a 775.00 deputy fee out; 2,000.00 lodged into Court Funds.
    assert {
        (c["category"], c["benefit"], c["amount"], len(c["entries"])) for c in version["moneyIn"]
    } == {
        ("IN_BENEFITS", "ATTENDANCE_ALLOWANCE", "3775.20", 13),
        ("IN_STATE_PENSION", None, "11479.20", 12),
    }
    assert {(c["category"], c["amount"], len(c["entries"])) for c in version["moneyOut"]} == {
        ("OUT_CARE_FEES", "12000.00", 12),
        ("OUT_DEPUTY_FEES", "775.00", 1),
    }
    assert version["transfersBetweenOwnAccounts"] == [{"amount": "2000.00"}]
    assert version["totals"] == {
        "opening": "0.00",
        "moneyIn": "15254.40",
        "moneyOut": "12775.00",
        "closing": "2479.40",
    }
    by_kind = {a["kind"]: a for a in version["accounts"]}
    assert by_kind["CLIENT_CMS"] == {
        "kind": "CLIENT_CMS",
        "opening": "0.00",
        "moneyIn": "15254.40",
        "moneyOut": "12775.00",
        "transfersIn": "0.00",
        "transfersOut": "2000.00",
        "closing": "479.40",
    }
    assert by_kind["CLIENT_COURT_FUNDS"]["closing"] == "2000.00"
    assert report["balanceCheck"] == {"balanced": True, "totals": {"difference": "0.00"}}

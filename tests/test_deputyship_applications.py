"""The Court of Protection deputyship application through the real /graphql endpoint (R-REF-6,
R-INV-1, R-ORD-2, R-ROLE-1, R-AUD-1, R-AUD-2).

R-REF-6: an accepted referral that recorded private income, property or bank accounts has its
deputyship application due with the DWP application, the 5th working day after the referral
became valid (England and Wales bank holidays not counted). R-INV-1: an appointee-only client
flagged by the threshold flags is due once an officer records the need, 5 working days from that
day. The application then goes through the court's stages in order; the order made names the
client's deputyship, and every organisation the client deals with is told of it (R-ORD-2).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.permissions import DEPUTYSHIP_APPLICATION_READ, DEPUTYSHIP_APPLICATION_WRITE
from ca_api.auth.principal import Role
from ca_api.clock import today as real_today
from ca_api.common.ids import encode_id
from ca_api.deputyship_applications import rules
from ca_api.ledger.rules import CounterpartyKind
from ca_api.workdays import add_working_days
from tests.conftest import Api
from tests.factories import (
    FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY,
    KEYED_PROBLEMS,
    accepted_referral,
    assert_forbidden,
    audit_rows,
    check_deadlines_paged_soonest_due_first,
    check_due_the_fifth_working_day_then_missed,
    client_with_orders,
    days_ago,
    new_client,
    new_counterparty,
    new_deputyship,
    new_key,
    new_payer,
    outbox_messages,
    raw,
    receipt_input,
    record_deputyship,
    record_receipt,
    recorded,
    referral_valid_on,
    refused_for,
)

OFFICER = {"role": "assistant", "sub": "ash.assistant"}
APPLICATION = """applicationId madeOn forms courtReference recordedBy currentStage nextStages
  deputyshipId stages { stage occurredOn note deputyshipId recordedBy }"""
FIELDS = f"""deadlineId cause referralId known clientId startsOn dueOn state
  application {{ {APPLICATION} }}"""
PAYLOAD = f"""__typename ... on DeputyshipApplicationPayload {{ replayed deadline {{ {FIELDS} }} }}
{KEYED_PROBLEMS}"""
NEEDED = f"""mutation($input: RecordDeputyshipApplicationNeededInput!) {{
  recordDeputyshipApplicationNeeded(input: $input) {{ {PAYLOAD} }} }}"""
MADE = f"""mutation($input: RecordCourtOfProtectionApplicationMadeInput!) {{
  recordCourtOfProtectionApplicationMade(input: $input) {{ {PAYLOAD} }} }}"""
STAGE = f"""mutation($input: RecordCourtOfProtectionStageInput!) {{
  recordCourtOfProtectionStage(input: $input) {{ {PAYLOAD}
    ... on StageOutOfOrderProblem {{ stage allowedNext }} }} }}"""
DEADLINES = f"""query($state: AppointeeApplicationDeadlineState) {{
  deputyshipApplicationDeadlines(state: $state, first: 100) {{ nodes {{ {FIELDS} }} }} }}"""
NOTICE = "deputyshipId clientId organisationId name kind source sentOn sentBy sentNote"
NOTICE_PAYLOAD = f"""__typename ... on DeputyshipNoticePayload {{ replayed notice {{ {NOTICE} }} }}
{KEYED_PROBLEMS}"""
ADD = f"""mutation($input: AddDeputyshipNoticeOrganisationInput!) {{
  addDeputyshipNoticeOrganisation(input: $input) {{ {NOTICE_PAYLOAD} }} }}"""
SENT = f"""mutation($input: RecordDeputyshipNoticeSentInput!) {{
  recordDeputyshipNoticeSent(input: $input) {{ {NOTICE_PAYLOAD} }} }}"""
NOTICES = f"""query($deputyshipId: ID!, $outstanding: Boolean) {{
  deputyshipNotices(deputyshipId: $deputyshipId, outstanding: $outstanding, first: 100) {{
    nodes {{ {NOTICE} }} }} }}"""

FRIDAY = FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY


async def deadlines(api: Api, state: str | None = None) -> dict[str, dict[str, Any]]:
    data = await api.data(DEADLINES, {"state": state}, **OFFICER)
    return {d["deadlineId"]: d for d in data["deputyshipApplicationDeadlines"]["nodes"]}


async def call(api: Api, mutation: str, key: str | None = None, **fields: Any) -> Any:
    variables = {"input": {**fields, "idempotencyKey": key or new_key()}}
    data = await api.data(mutation, variables, **OFFICER)
    return next(iter(data.values()))


async def made(api: Api, deadline_id: str, made_on: date, key: str | None = None) -> Any:
    return await call(
        api,
        MADE,
        key,
        deadlineId=deadline_id,
        madeOn=made_on.isoformat(),
        forms=["COP1", "COP1A", "COP3", "COP4"],
        courtReference="",
    )


async def stage(api: Api, application_id: str, name: str, on: str, **fields: Any) -> Any:
    return await call(api, STAGE, applicationId=application_id, stage=name, occurredOn=on, **fields)


async def test_an_accepted_referral_with_bank_accounts_is_due_with_the_dwp_application(
    api: Api,
) -> None:
    """R-REF-6: bank accounts known at referral: due the day the DWP application is."""
    rid, cid = await accepted_referral(api, bankAccountsKnown=True, propertyKnown=True)
    d = (await deadlines(api))[rid]
    today = real_today()
    assert (d["cause"], d["referralId"], d["clientId"]) == ("REFERRAL_ASSETS_KNOWN", rid, cid)
    assert d["known"] == ["PROPERTY", "BANK_ACCOUNTS"]
    assert (d["startsOn"], d["dueOn"]) == (
        today.isoformat(),
        add_working_days(today, 5).isoformat(),
    )
    assert (d["state"], d["application"]) == ("DUE", None)
    dwp = await api.data(
        "{ appointeeApplicationDeadlines(first: 100) { nodes { referralId dueOn } } }", **OFFICER
    )
    [same] = [x for x in dwp["appointeeApplicationDeadlines"]["nodes"] if x["referralId"] == rid]
    assert same["dueOn"] == d["dueOn"]


async def test_an_accepted_referral_with_no_private_income_property_or_accounts_has_none(
    api: Api,
) -> None:
    """R-REF-6 only where private income, property or bank accounts are known."""
    rid, _ = await accepted_referral(
        api, bankAccountsKnown=False, propertyKnown=False, privateIncomeKnown=False
    )
    assert rid not in await deadlines(api)
    refused = await made(api, rid, real_today())
    assert refused["__typename"] == "NotFoundProblem", refused


async def test_valid_on_the_friday_before_a_bank_holiday_then_missed_the_day_after(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY, privateIncomeKnown=True)
    await check_due_the_fifth_working_day_then_missed(
        lambda state: deadlines(api, state), rid, today, "startsOn"
    )
    late = await made(api, rid, date(2026, 9, 8))
    assert late["deadline"]["state"] == "MISSED"


async def test_made_in_time_is_met_once_and_a_replay_does_nothing_twice(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY)
    today.set(date(2026, 9, 20))
    early = await made(api, rid, date(2026, 8, 27))
    assert "before the application became due" in refused_for(early, "madeOn")
    no_cop1 = await call(api, MADE, deadlineId=rid, madeOn="2026-09-07", forms=["COP3"])
    assert refused_for(no_cop1, "forms").startswith("must include COP1")
    key = new_key()
    first = await made(api, rid, date(2026, 9, 7), key)
    assert first["__typename"] == "DeputyshipApplicationPayload", first
    d = first["deadline"]
    assert (d["state"], d["application"]["madeOn"]) == ("MET", "2026-09-07")
    assert d["application"]["forms"] == ["COP1", "COP1A", "COP3", "COP4"]
    assert d["application"]["nextStages"] == [
        "ISSUED",
        "FURTHER_INFORMATION_REQUESTED",
        "WITHDRAWN",
    ]
    again = await made(api, rid, date(2026, 9, 7), key)
    assert again["replayed"] is True and again["deadline"] == d
    assert rid in await deadlines(api, "MET")
    rows = await audit_rows(api, entityType="deputyship_application")
    assert [r["action"] for r in rows if r["after"]["source_id"] == raw(rid)] == ["made"]
    twice = await made(api, rid, date(2026, 9, 8))
    assert twice["__typename"] == "InvalidStateProblem", twice


async def test_the_application_made_tells_both_teams_once(api: Api) -> None:
    """Seed 002 B 4.1: once Deputyship is applied for, the Financial Assessment and Income
    Recovery teams are told, through the outbox in the same transaction (R-REF-7)."""
    rid, cid = await accepted_referral(api, bankAccountsKnown=True)
    before = await outbox_messages(api, clientId=cid, topic="APPLICATION_MADE")
    key = new_key()
    for _ in range(2):  # the same request twice: replayed, nothing emitted again
        done = await made(api, rid, real_today(), key)
        assert done["__typename"] == "DeputyshipApplicationPayload", done
    told = [
        m
        for m in await outbox_messages(api, clientId=cid, topic="APPLICATION_MADE")
        if m not in before
    ]
    assert sorted(m["recipient"] for m in told) == ["FINANCIAL_ASSESSMENT", "INCOME_RECOVERY"]
    assert {m["subjectType"] for m in told} == {"CourtOfProtectionApplication"}
    assert {m["payload"]["application"] for m in told} == {"COURT_OF_PROTECTION_DEPUTYSHIP"}
    [row] = [
        r
        for r in await audit_rows(api, entityType="deputyship_application")
        if r["after"]["source_id"] == raw(rid)
    ]
    assert sorted(row["after"]["outbox_messages"]) == sorted(raw(m["id"]) for m in told)


async def test_stages_in_order_the_order_made_names_the_clients_deputyship(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, cid = await referral_valid_on(api, session, FRIDAY)
    _, other_cid = await accepted_referral(api)
    today.set(date(2026, 11, 20))
    app = (await made(api, rid, date(2026, 9, 2)))["deadline"]["application"]["applicationId"]

    skipped = await stage(api, app, "NOTIFIED", "2026-09-10")
    assert skipped["__typename"] == "StageOutOfOrderProblem", skipped
    assert (skipped["code"], skipped["stage"]) == ("INVALID_STATE", "NOTIFIED")
    assert skipped["allowedNext"] == ["ISSUED", "FURTHER_INFORMATION_REQUESTED", "WITHDRAWN"]

    issued = await stage(api, app, "ISSUED", "2026-09-09")
    assert issued["deadline"]["application"]["currentStage"] == "ISSUED"
    before = await stage(api, app, "NOTIFIED", "2026-09-08")
    assert "before the stage before it" in refused_for(before, "occurredOn")
    await stage(api, app, "NOTIFIED", "2026-09-14")
    asked = await stage(api, app, "FURTHER_INFORMATION_REQUESTED", "2026-09-30")
    assert asked["deadline"]["application"]["nextStages"] == [
        "FURTHER_INFORMATION_SENT",
        "WITHDRAWN",
    ]
    unanswered = await stage(
        api, app, "ORDER_MADE", "2026-10-01", deputyshipId=encode_id("Deputyship", uuid.uuid4())
    )
    assert unanswered["__typename"] == "StageOutOfOrderProblem", unanswered
    await stage(api, app, "FURTHER_INFORMATION_SENT", "2026-10-05")

    no_order = await stage(api, app, "ORDER_MADE", "2026-11-02")
    assert refused_for(no_order, "deputyshipId").startswith("is required")
    others = await new_deputyship(api, other_cid, orderDate="2026-11-02")
    not_theirs = await stage(api, app, "ORDER_MADE", "2026-11-02", deputyshipId=others["id"])
    assert not_theirs["__typename"] == "NotFoundProblem", not_theirs
    theirs = await new_deputyship(api, cid, orderDate="2026-11-02")
    key = new_key()
    order_made = {"stage": "ORDER_MADE", "occurredOn": "2026-11-02", "deputyshipId": theirs["id"]}
    done = await call(api, STAGE, key, applicationId=app, **order_made)
    a = done["deadline"]["application"]
    assert [s["stage"] for s in a["stages"]] == [
        "ISSUED",
        "NOTIFIED",
        "FURTHER_INFORMATION_REQUESTED",
        "FURTHER_INFORMATION_SENT",
        "ORDER_MADE",
    ]
    assert (a["currentStage"], a["deputyshipId"], a["nextStages"]) == (
        "ORDER_MADE",
        theirs["id"],
        [],
    )
    replay = await call(api, STAGE, key, applicationId=app, **order_made)
    assert replay["replayed"] is True and replay["deadline"] == done["deadline"]
    over = await stage(api, app, "WITHDRAWN", "2026-11-03", note="no longer needed")
    assert over["__typename"] == "StageOutOfOrderProblem" and over["allowedNext"] == []
    rows = await audit_rows(api, entityType="deputyship_application")
    stages = [r["after"]["stage"] for r in rows if r["action"] == "stage"]
    assert stages.count("ORDER_MADE") == 1


async def test_a_refusal_or_withdrawal_says_why(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rid, _ = await referral_valid_on(api, session, FRIDAY)
    today.set(date(2026, 9, 20))
    app = (await made(api, rid, date(2026, 9, 2)))["deadline"]["application"]["applicationId"]
    bare = await stage(api, app, "WITHDRAWN", "2026-09-03")
    assert refused_for(bare, "note") == "is required: why"
    future = await stage(api, app, "ISSUED", "2026-09-21")
    assert refused_for(future, "occurredOn") == "is in the future"
    done = await stage(api, app, "WITHDRAWN", "2026-09-03", note="a family member applies")
    assert done["deadline"]["application"]["currentStage"] == "WITHDRAWN"


async def flagged_appointee(api: Api, session: AsyncSession) -> str:
    """An appointee-only client found to own property (R-INV-1): flagged today."""
    client = await client_with_orders(session, appointee_from=date(2024, 1, 8))
    declared = await api.data(
        """mutation($input: DeclareClientAssetsInput!) { declareClientAssets(input: $input) {
             __typename } }""",
        {
            "input": {
                "clientId": client,
                "capital": False,
                "property": True,
                "privatePension": False,
                "note": "Owns a flat found at the home visit",
                "declaredOn": days_ago(3),
            }
        },
        role="assistant",
    )
    assert declared["declareClientAssets"]["__typename"] == "ClientAssetDeclarationPayload"
    return client


async def test_the_threshold_flag_makes_one_due_from_the_day_it_is_recorded(
    api: Api, session: AsyncSession
) -> None:
    """R-INV-1: the flag recorded as a need starts the clock that day."""
    client = await flagged_appointee(api, session)
    key = new_key()
    first = await call(api, NEEDED, key, clientId=client, note="flag checked")
    assert first["__typename"] == "DeputyshipApplicationPayload", first
    d = first["deadline"]
    today = real_today()
    assert (d["cause"], d["referralId"], d["clientId"], d["known"]) == (
        "ASSETS_THRESHOLD_FLAG",
        None,
        client,
        ["HOLDS_PROPERTY"],
    )
    assert (d["startsOn"], d["dueOn"], d["state"]) == (
        today.isoformat(),
        add_working_days(today, 5).isoformat(),
        "DUE",
    )
    assert d["deadlineId"] in await deadlines(api, "DUE")
    again = await call(api, NEEDED, key, clientId=client, note="flag checked")
    assert again["replayed"] is True and again["deadline"] == d
    twice = await call(api, NEEDED, clientId=client, note="flag checked")
    assert twice["__typename"] == "InvalidStateProblem", twice
    assert "in progress" in twice["message"]
    done = await made(api, d["deadlineId"], today)
    assert done["deadline"]["state"] == "MET"


async def test_a_client_not_flagged_is_refused(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, appointee_from=date(2024, 1, 8))
    refused = await call(api, NEEDED, clientId=client)
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "not flagged" in refused["message"]
    unknown = await call(api, NEEDED, clientId=encode_id("Client", uuid.uuid4()))
    assert unknown["__typename"] == "NotFoundProblem", unknown


async def notices(api: Api, deputyship: str, outstanding: bool = False) -> list[dict[str, Any]]:
    data = await api.data(
        NOTICES, {"deputyshipId": deputyship, "outstanding": outstanding}, **OFFICER
    )
    nodes: list[dict[str, Any]] = data["deputyshipNotices"]["nodes"]
    return nodes


async def test_every_organisation_the_client_deals_with_is_told_of_the_order(
    api: Api,
) -> None:
    """R-ORD-2: the counterparties of the client's ledger and invoices, and those an officer
    adds, each tracked as sent; the council and the OPG are not told."""
    client = await new_client(api)
    dwp = await new_payer(api, "DWP", "DWP Pension Service")
    receipt = await record_receipt(api, receipt_input(client["id"], dwp))
    assert receipt["__typename"] == "ReceiptPayload", receipt
    gas = await new_counterparty(api, "SUPPLIER", "British Gas")
    await recorded(api, client, gas)
    order = await new_deputyship(api, client["id"], orderDate=days_ago(10))
    listed = await notices(api, order["id"])
    assert [(n["name"], n["source"], n["sentOn"]) for n in listed] == [
        ("British Gas", "LEDGER", None),
        ("DWP Pension Service", "LEDGER", None),
    ]
    assert {n["organisationId"] for n in listed} == {gas, dwp}

    add = {"deputyshipId": order["id"], "name": "Lloyds Bank", "kind": "BANK"}
    added = await call(api, ADD, **add)
    assert added["__typename"] == "DeputyshipNoticePayload", added
    assert (added["notice"]["source"], added["notice"]["kind"]) == ("OFFICER", "BANK")
    dup = await call(api, ADD, **add | {"name": "lloyds bank"})
    assert dup["__typename"] == "InvalidStateProblem", dup

    key = new_key()
    sent = {"deputyshipId": order["id"], "organisationId": gas, "note": "letter and sealed copy"}
    early = await call(api, SENT, **sent, sentOn=days_ago(11))
    assert "before the order was made" in refused_for(early, "sentOn")
    done = await call(api, SENT, key, **sent, sentOn=days_ago(2))
    n = done["notice"]
    assert (n["name"], n["sentOn"], n["sentBy"]) == ("British Gas", days_ago(2), OFFICER["sub"])
    replay = await call(api, SENT, key, **sent, sentOn=days_ago(2))
    assert replay["replayed"] is True and replay["notice"] == n
    twice = await call(api, SENT, **sent, sentOn=days_ago(1))
    assert twice["__typename"] == "InvalidStateProblem", twice
    outstanding = await notices(api, order["id"], outstanding=True)
    assert [x["name"] for x in outstanding] == ["DWP Pension Service", "Lloyds Bank"]
    lloyds = added["notice"]["organisationId"]
    await call(api, SENT, deputyshipId=order["id"], organisationId=lloyds, sentOn=days_ago(1))
    assert [x["name"] for x in await notices(api, order["id"], outstanding=True)] == [
        "DWP Pension Service"
    ]
    stranger = await new_counterparty(api, "SUPPLIER")
    not_theirs = await call(
        api, SENT, deputyshipId=order["id"], organisationId=stranger, sentOn=days_ago(1)
    )
    assert not_theirs["__typename"] == "NotFoundProblem", not_theirs
    rows = await audit_rows(api, entityType="deputyship_notice")
    assert sorted(r["action"] for r in rows) == ["add_organisation", "sent", "sent"]


INVESTMENT = """mutation($input: RecordExistingInvestmentInput!) {
  recordExistingInvestment(input: $input) {
    __typename ... on ExistingInvestmentPayload { investment { id } } } }"""


async def investment(api: Api, client_id: str, holder: str, **fields: Any) -> str:
    data = await api.data(
        INVESTMENT,
        {
            "input": {
                "clientId": client_id,
                "kind": "BONDS",
                "holder": holder,
                "documentsHeldAt": "Safe 3",
                **fields,
            }
        },
        role="senior_officer",
        sub="olu.scao",
    )
    result = data["recordExistingInvestment"]
    assert result["__typename"] == "ExistingInvestmentPayload", result
    return str(result["investment"]["id"])


async def test_the_holders_of_the_clients_investments_are_told_of_the_order(api: Api) -> None:
    """R-ORD-2 with R-INV-5 (seed 002 B 3.4): the holder of an investment the client keeps is
    an organisation the client deals with; its notice is kept when the investment is revalued,
    and a holder that is a counterparty of the ledger already is told once."""
    client = await new_client(api)
    gas = await new_counterparty(api, "SUPPLIER", "British Gas")
    await recorded(api, client, gas)
    bonds = await investment(api, client["id"], "NS&I Premium Bonds")
    await investment(api, client["id"], "british gas")  # its shares: told once, as a supplier
    order = await new_deputyship(api, client["id"], orderDate=days_ago(10))
    listed = await notices(api, order["id"])
    assert [(n["name"], n["source"]) for n in listed] == [
        ("British Gas", "LEDGER"),
        ("NS&I Premium Bonds", "INVESTMENT"),
    ]
    assert listed[1]["organisationId"] == bonds
    done = await call(api, SENT, deputyshipId=order["id"], organisationId=bonds, sentOn=days_ago(1))
    assert done["__typename"] == "DeputyshipNoticePayload", done
    assert (done["notice"]["source"], done["notice"]["sentOn"]) == ("INVESTMENT", days_ago(1))
    await investment(
        api,
        client["id"],
        "NS&I Premium Bonds",
        revisesId=bonds,
        valuation="900.00",
        valuedOn=days_ago(1),
    )
    [still] = [n for n in await notices(api, order["id"]) if n["source"] == "INVESTMENT"]
    assert (still["organisationId"], still["sentOn"]) == (bonds, days_ago(1))
    assert [n["name"] for n in await notices(api, order["id"], outstanding=True)] == ["British Gas"]


async def test_an_unknown_deputyship_has_no_notices(api: Api) -> None:
    body = await api.gql(
        NOTICES, {"deputyshipId": encode_id("Deputyship", uuid.uuid4())}, **OFFICER
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body


@pytest.mark.parametrize(
    "role", sorted(r.value for r in Role if r not in DEPUTYSHIP_APPLICATION_WRITE)
)
async def test_a_role_that_may_not_record_orders_is_refused_every_mutation(
    api: Api, role: str
) -> None:
    any_id = str(uuid.uuid4())
    calls = [
        (NEEDED, {"clientId": encode_id("Client", any_id)}),
        (
            MADE,
            {
                "deadlineId": encode_id("Referral", any_id),
                "madeOn": "2026-09-01",
                "forms": ["COP1"],
            },
        ),
        (
            STAGE,
            {
                "applicationId": encode_id("CourtOfProtectionApplication", any_id),
                "stage": "ISSUED",
                "occurredOn": "2026-09-01",
            },
        ),
        (ADD, {"deputyshipId": encode_id("Deputyship", any_id), "name": "X", "kind": "BANK"}),
        (
            SENT,
            {
                "deputyshipId": encode_id("Deputyship", any_id),
                "organisationId": encode_id("Counterparty", any_id),
                "sentOn": "2026-09-01",
            },
        ),
    ]
    names = [
        "recordDeputyshipApplicationNeeded",
        "recordCourtOfProtectionApplicationMade",
        "recordCourtOfProtectionStage",
        "addDeputyshipNoticeOrganisation",
        "recordDeputyshipNoticeSent",
    ]
    for (mutation, fields), name in zip(calls, names, strict=True):
        body = await api.gql(mutation, {"input": fields | {"idempotencyKey": new_key()}}, role=role)
        assert_forbidden(body, [name])


@pytest.mark.parametrize(
    "role", sorted(r.value for r in Role if r not in DEPUTYSHIP_APPLICATION_READ)
)
async def test_a_role_that_may_not_read_is_refused_both_lists(api: Api, role: str) -> None:
    body = await api.gql(DEADLINES, {"state": None}, role=role)
    assert_forbidden(body, ["deputyshipApplicationDeadlines"])
    body = await api.gql(
        NOTICES, {"deputyshipId": encode_id("Deputyship", uuid.uuid4())}, role=role
    )
    assert_forbidden(body, ["deputyshipNotices"])


async def test_deadlines_are_listed_soonest_due_first_and_paged(
    api: Api, session: AsyncSession, today: Any
) -> None:
    await check_deadlines_paged_soonest_due_first(
        api, session, today, "deputyshipApplicationDeadlines", "deadlineId", **OFFICER
    )


async def test_record_deputyship_still_needs_no_application(api: Api) -> None:
    """A deputyship recorded without an application (the deputies of today) still has its
    notices (R-ORD-2: for any deputyship)."""
    client = await new_client(api)
    result = await record_deputyship(api, client["id"], orderDate=days_ago(5))
    assert result["__typename"] == "DeputyshipPayload", result
    assert await notices(api, result["deputyship"]["id"]) == []


def test_the_stages_come_in_the_courts_order() -> None:
    """Pure rule: ISSUED, NOTIFIED, then ORDER_MADE or REFUSED; an open request for further
    information is answered first; nothing after the end."""
    s = rules.Stage
    assert rules.allowed_next([]) == {s.ISSUED, s.FURTHER_INFORMATION_REQUESTED, s.WITHDRAWN}
    assert rules.allowed_next([s.ISSUED, s.NOTIFIED]) == {
        s.ORDER_MADE,
        s.REFUSED,
        s.FURTHER_INFORMATION_REQUESTED,
        s.WITHDRAWN,
    }
    asked = [s.ISSUED, s.FURTHER_INFORMATION_REQUESTED]
    assert rules.allowed_next(asked) == {s.FURTHER_INFORMATION_SENT, s.WITHDRAWN}
    assert s.NOTIFIED in rules.allowed_next([*asked, s.FURTHER_INFORMATION_SENT])
    for end in (s.ORDER_MADE, s.REFUSED, s.WITHDRAWN):
        assert rules.allowed_next([s.ISSUED, s.NOTIFIED, end]) == frozenset()


def test_the_council_the_opg_and_council_employees_are_not_told_of_the_order() -> None:
    """R-ORD-2: the council is the deputy, the OPG supervises the order; a council employee is
    a person, not an organisation the client deals with."""
    kind = CounterpartyKind
    assert not rules.told_of_order(kind.COUNCIL, False)
    assert not rules.told_of_order(kind.OPG, False)
    assert not rules.told_of_order(kind.SUPPLIER, True)
    told = {k for k in kind if rules.told_of_order(k, False)}
    assert {kind.DWP, kind.BANK, kind.PENSION_PAYER, kind.SUPPLIER, kind.CARE_PROVIDER} <= told


async def test_a_deadline_id_names_its_cause(api: Api, session: AsyncSession) -> None:
    """The need's id is not a referral's: a Referral id holding it is not found."""
    client = await flagged_appointee(api, session)
    need = (await call(api, NEEDED, clientId=client))["deadline"]["deadlineId"]
    as_referral = encode_id("Referral", raw(need))
    refused = await made(api, as_referral, real_today())
    assert refused["__typename"] == "NotFoundProblem", refused
    wrong_type = await api.gql(
        MADE,
        {
            "input": {
                "deadlineId": encode_id("Client", raw(need)),
                "madeOn": real_today().isoformat(),
                "forms": ["COP1"],
                "idempotencyKey": new_key(),
            }
        },
        **OFFICER,
    )
    assert wrong_type["errors"][0]["extensions"]["code"] == "BAD_ID", wrong_type

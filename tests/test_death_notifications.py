"""Whom a client's death is told to (issue 13 item 2, R-DEATH-1, seed 002 B 29.1), through
/graphql.

On confirmation the list is the client's: the Court of Protection if deputy, the DWP if
appointee or a DWP counterparty, the council's five teams (told through the outbox, in the
confirmation's transaction), every company the records show, the Court Funds Office if money
is lodged, the care provider, the social worker, and whoever an officer adds (the solicitor
holding the will). Each item is sent once, with the date and by whom.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api, dates_counted_from
from tests.factories import (
    KEYED_PROBLEMS,
    SCAO,
    assert_forbidden,
    confirm_death,
    confirmed_death,
    days_ago,
    deputy_client,
    fund,
    new_client,
    new_counterparty,
    new_key,
    record_appointeeship,
    record_death,
    recorded,
)

COUNTED_FROM = clock.today()  # the day this module's dates count from; its tests run on it
DIED = (COUNTED_FROM - timedelta(days=10)).isoformat()
_dates = dates_counted_from(COUNTED_FROM)
TEAMS = {
    "CARE_MANAGEMENT",
    "SERVICE_AGREEMENT_TEAM",
    "INCOME_RECOVERY",
    "FINANCIAL_ASSESSMENT",
    "HOUSING_BENEFIT",
}
LIST = """
query($clientId: ID!, $outstanding: Boolean, $first: Int, $after: String) {
  deathNotifications(clientId: $clientId, outstanding: $outstanding, first: $first, after: $after) {
    edges { node {
      recipient organisationKey organisationName channel sentOn sentBy outboxMessageId outstanding
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
NOTIFICATION = "recipient organisationKey organisationName sentOn sentBy outstanding"
SENT = f"""
mutation($input: RecordDeathNotificationSentInput!) {{
  recordDeathNotificationSent(input: $input) {{
    __typename
    ... on DeathNotificationPayload {{ replayed notification {{ {NOTIFICATION} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
ADD = f"""
mutation($input: AddDeathNotificationInput!) {{
  addDeathNotification(input: $input) {{
    __typename
    ... on DeathNotificationPayload {{ replayed notification {{ {NOTIFICATION} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
OUTBOX = """
query($filter: OutboxMessageFilter) { outboxMessages(filter: $filter, first: 50) {
  edges { node { id recipient topic state } } } }
"""
OUTBOX_SENT = """mutation($input: RecordOutboxMessageSentInput!) {
  recordOutboxMessageSent(input: $input) { __typename } }"""
CASEWORKER = {"role": "assistant", "sub": "ash.assistant"}


async def _list(api: Api, client_id: str, outstanding: bool = False) -> list[dict[str, Any]]:
    data = await api.data(
        LIST, {"clientId": client_id, "outstanding": outstanding, "first": 100}, **SCAO
    )
    return [e["node"] for e in data["deathNotifications"]["edges"]]


async def _sent(api: Api, client_id: str, item: dict[str, Any], **kw: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "clientId": client_id,
            "recipient": item["recipient"],
            "organisationKey": item["organisationKey"],
            "sentOn": kw.pop("sent_on", days_ago(1)),
            "idempotencyKey": kw.pop("key", new_key()),
        }
    }
    data = await api.data(SENT, variables, **(kw or CASEWORKER))
    result: dict[str, Any] = data["recordDeathNotificationSent"]
    return result


async def _deceased_deputy(api: Api, session: AsyncSession) -> tuple[str, dict[str, str]]:
    """A deputy client paid by the DWP, invoiced by a supplier and a care home, then dead."""
    client_id = await deputy_client(api)
    client = {"id": client_id}
    await fund(session, api, client, 50_000)  # a DWP counterparty pays the client
    names = {}
    for kind in ("SUPPLIER", "CARE_PROVIDER"):
        party = await new_counterparty(api, kind)
        names[kind] = party
        await recorded(api, client, party, invoiceDate=days_ago(20))
    await confirmed_death(api, client_id, DIED)
    return client_id, names


async def test_the_list_is_the_clients_and_the_council_teams_are_told_through_the_outbox(
    api: Api, session: AsyncSession
) -> None:
    # R-DEATH-1, seed 002 B 29.1
    client_id, _ = await _deceased_deputy(api, session)
    items = await _list(api, client_id)
    by_recipient: dict[str, list[dict[str, Any]]] = {}
    for n in items:
        by_recipient.setdefault(n["recipient"], []).append(n)
    assert set(by_recipient) == {
        "COURT_OF_PROTECTION",  # deputy
        "DWP",  # the DWP counterparty that paid the client
        *TEAMS,
        "COMPANY",
        "CARE_PROVIDER",
        "SOCIAL_WORKER",
    }, sorted(by_recipient)
    assert "COURT_FUNDS_OFFICE" not in by_recipient  # nothing lodged
    assert len(by_recipient["COMPANY"]) == 1  # the supplier that invoiced the client
    assert len(by_recipient["CARE_PROVIDER"]) == 1
    assert all(n["outstanding"] and n["sentOn"] is None for n in items)
    for team in TEAMS:
        (n,) = by_recipient[team]
        assert n["channel"] == "COUNCIL_TEAM" and n["outboxMessageId"] is not None
    assert by_recipient["COURT_OF_PROTECTION"][0]["channel"] == "LETTER"

    messages = await api.data(
        OUTBOX, {"filter": {"clientId": client_id, "topic": "DEATH_NOTIFIED"}}, **SCAO
    )
    told = [e["node"] for e in messages["outboxMessages"]["edges"]]
    # the teams, and SAP's and Controcc's feeds (issue 17 item 3, R-DEATH-1)
    assert {m["recipient"] for m in told} == TEAMS | {"SAP", "CONTROCC"} and len(told) == 7
    # A replayed confirmation tells nobody twice.
    again = await confirm_death(api, client_id)
    assert again["__typename"] == "InvalidStateProblem"
    messages = await api.data(
        OUTBOX, {"filter": {"clientId": client_id, "topic": "DEATH_NOTIFIED"}}, **SCAO
    )
    assert len(messages["outboxMessages"]["edges"]) == 7


async def test_each_item_is_sent_once_with_the_date_and_by_whom(
    api: Api, session: AsyncSession
) -> None:
    client_id, _ = await _deceased_deputy(api, session)
    items = await _list(api, client_id)
    court = next(n for n in items if n["recipient"] == "COURT_OF_PROTECTION")
    done = await _sent(api, client_id, court, sent_on=days_ago(2))
    assert done["__typename"] == "DeathNotificationPayload", done
    assert done["notification"]["sentOn"] == days_ago(2)
    assert done["notification"]["sentBy"] == "ash.assistant"
    assert not done["notification"]["outstanding"]
    outstanding = await _list(api, client_id, outstanding=True)
    assert court["organisationName"] not in [n["organisationName"] for n in outstanding]
    assert len(outstanding) == len(items) - 1
    twice = await _sent(api, client_id, court)
    assert twice["__typename"] == "InvalidStateProblem", twice
    # Not before the death, not in the future.
    company = next(n for n in items if n["recipient"] == "COMPANY")
    early = await _sent(api, client_id, company, sent_on=days_ago(11))
    assert early["__typename"] == "ValidationProblem", early
    late = await _sent(api, client_id, company, sent_on=days_ago(-1))
    assert late["__typename"] == "ValidationProblem", late

    # A council team's item is sent when its outbox message is.
    team = next(n for n in items if n["recipient"] == "INCOME_RECOVERY")
    refused = await _sent(api, client_id, team)
    assert refused["__typename"] == "InvalidStateProblem", refused
    sent = await api.data(
        OUTBOX_SENT, {"input": {"id": team["outboxMessageId"], "idempotencyKey": new_key()}}, **SCAO
    )
    assert sent["recordOutboxMessageSent"]["__typename"] == "OutboxMessagePayload", sent
    now = next(n for n in await _list(api, client_id) if n["recipient"] == "INCOME_RECOVERY")
    assert now["sentBy"] == "olu.scao" and not now["outstanding"]


async def test_an_officer_adds_the_solicitor_holding_the_will(
    api: Api, session: AsyncSession
) -> None:
    client_id, _ = await _deceased_deputy(api, session)
    variables = {
        "input": {
            "clientId": client_id,
            "recipient": "WILL_SOLICITOR",
            "organisationName": "Hart & Co Solicitors",
            "idempotencyKey": new_key(),
        }
    }
    added = (await api.data(ADD, variables, **CASEWORKER))["addDeathNotification"]
    assert added["__typename"] == "DeathNotificationPayload", added
    assert added["notification"]["outstanding"] is True
    outstanding = await _list(api, client_id, outstanding=True)
    assert "Hart & Co Solicitors" in [n["organisationName"] for n in outstanding]
    variables["input"] |= {"recipient": "DWP", "idempotencyKey": new_key()}
    wrong = (await api.data(ADD, variables, **CASEWORKER))["addDeathNotification"]
    assert wrong["__typename"] == "ValidationProblem", wrong


async def test_a_dwp_letter_sent_stands_when_the_dwp_pays_afterwards(
    api: Api, session: AsyncSession
) -> None:
    """An appointee client: the DWP is told as the department; a benefit the DWP pays after
    the letter (a DWP counterparty now in the records) does not put the DWP back on the list
    as outstanding, nor unsend the letter."""
    client = await new_client(api)
    await record_appointeeship(api, client["id"])
    await confirmed_death(api, client["id"], DIED)
    [dwp] = [n for n in await _list(api, client["id"]) if n["recipient"] == "DWP"]
    assert dwp["organisationKey"] == "-" and dwp["outstanding"] is True
    assert (await _sent(api, client["id"], dwp))["__typename"] == "DeathNotificationPayload"
    await fund(session, api, client, 10_000)  # the DWP pays after the letter went
    after = [n for n in await _list(api, client["id"]) if n["recipient"] == "DWP"]
    assert [(n["organisationKey"], n["outstanding"]) for n in after] == [("-", False)]


async def test_nobody_is_told_of_a_death_not_confirmed(api: Api) -> None:
    client_id = await deputy_client(api)
    await record_death(api, client_id, DIED)
    assert await _list(api, client_id) == []
    refused = await _sent(
        api, client_id, {"recipient": "COURT_OF_PROTECTION", "organisationKey": "-"}
    )
    assert refused["__typename"] == "InvalidStateProblem", refused
    messages = await api.data(
        OUTBOX, {"filter": {"clientId": client_id, "topic": "DEATH_NOTIFIED"}}, **SCAO
    )
    assert messages["outboxMessages"]["edges"] == []


async def test_who_may_read_and_record_death_notifications(api: Api) -> None:
    client_id = await deputy_client(api)
    for role in ("social_worker", "reporting", "integration_sap"):
        body = await api.gql(
            "query($c: ID!) { deathNotifications(clientId: $c) { edges { cursor } } }",
            {"c": client_id},
            role=role,
        )
        assert_forbidden(body, ["deathNotifications"])
    for role in ("support_assistant", "auditor", "social_worker"):
        body = await api.gql(
            "mutation($i: RecordDeathNotificationSentInput!) { "
            "recordDeathNotificationSent(input: $i) { __typename } }",
            {
                "i": {
                    "clientId": client_id,
                    "recipient": "DWP",
                    "organisationKey": "-",
                    "sentOn": DIED,
                    "idempotencyKey": new_key(),
                }
            },
            role=role,
        )
        assert_forbidden(body, ["recordDeathNotificationSent"])
        body = await api.gql(
            "mutation($i: AddDeathNotificationInput!) { "
            "addDeathNotification(input: $i) { __typename } }",
            {
                "i": {
                    "clientId": client_id,
                    "recipient": "WILL_SOLICITOR",
                    "organisationName": "X",
                    "idempotencyKey": new_key(),
                }
            },
            role=role,
        )
        assert_forbidden(body, ["addDeathNotification"])
    data = await api.data(
        "query($c: ID!) { deathNotifications(clientId: $c) { edges { cursor } } }",
        {"c": client_id},
        role="auditor",
        sub="audrey",
    )
    assert data["deathNotifications"]["edges"] == []

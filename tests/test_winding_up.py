"""Clients being wound up, with what is outstanding for each (issue 13 item 6; R-DEATH-1..4,
R-FEE-5, seed 002 B 29), through /graphql.

Each open step of B 29 is listed in the policy's order with its count and amount, and drops off
the list once done: letters to send, debts to the death, invoices dated after it (queried),
payments not made, money away in the Court Funds Office, the fee, and the estate.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.winding_up.rules import WindingUpFacts, WindingUpStep, outstanding
from tests.conftest import Api, RolledBackDatabase, dates_counted_from
from tests.factories import (
    SCAO,
    approve_payment,
    assert_forbidden,
    confirmed_death,
    days_ago,
    estate_ready,
    fund,
    make_payment,
    moved_to_court_funds,
    new_client,
    new_counterparty,
    new_key,
    notify_everyone,
    payable_invoice,
    raise_payment,
    record_will,
    registered_valuable,
)
from tests.support import statements

WOUND_UP = """
query($first: Int) { clientsBeingWoundUp(first: $first) { edges { node {
  client { id } daysSinceDeath outstanding { step count amount detail }
} } } }
"""
NOTIFICATIONS = """
query($id: ID!) { deathNotifications(clientId: $id, outstanding: true, first: 100) {
  edges { node { recipient } } } }
"""
COUNTED_FROM = clock.today()  # the day this module's dates count from; its tests run on it
DIED = (COUNTED_FROM - timedelta(days=20)).isoformat()
_dates = dates_counted_from(COUNTED_FROM)


async def _outstanding(
    api: Api, client_id: str, days: int = 20, **who: Any
) -> dict[str, dict[str, Any]]:
    data = await api.data(WOUND_UP, {"first": 100}, **(who or SCAO))
    [node] = [
        e["node"]
        for e in data["clientsBeingWoundUp"]["edges"]
        if e["node"]["client"]["id"] == client_id
    ]
    assert node["daysSinceDeath"] == days
    steps = [o["step"] for o in node["outstanding"]]
    assert steps == sorted(steps, key=list(WindingUpStep).index), "in the policy's order"
    return {o["step"]: o for o in node["outstanding"]}


def test_a_case_with_nothing_open_is_ready_to_close() -> None:
    assert outstanding(WindingUpFacts(wind_up_fee_charged=True)) == []
    steps = [o.step for o in outstanding(WindingUpFacts(money_at_home=1))]
    assert steps == [WindingUpStep.WIND_UP_FEE, WindingUpStep.ESTATE]
    debts = outstanding(WindingUpFacts(debts_before_death=(100, 250), wind_up_fee_charged=True))
    assert [(o.step, o.count, o.amount) for o in debts] == [
        (WindingUpStep.DEBTS_BEFORE_DEATH, 2, 350)
    ]


async def test_each_open_step_is_listed_and_drops_off_once_done(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 300_000)
    await moved_to_court_funds(session, client["id"], 100_000, clock.today())
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await payable_invoice(api, client, supplier, invoiceDate=days_ago(25), amount="40.00")
    await payable_invoice(api, client, supplier, invoiceDate=days_ago(5), amount="12.50")
    await confirmed_death(api, client["id"], DIED)

    open_ = await _outstanding(api, client["id"], role="auditor", sub="audrey")
    told = await api.data(NOTIFICATIONS, {"id": client["id"]}, **SCAO)
    letters = len(told["deathNotifications"]["edges"])
    assert letters > 0
    assert open_["NOTIFICATIONS"]["count"] == letters
    assert (open_["DEBTS_BEFORE_DEATH"]["count"], open_["DEBTS_BEFORE_DEATH"]["amount"]) == (
        1,
        "40.00",
    )
    assert open_["INVOICES_AFTER_DEATH"]["amount"] == "12.50"
    assert open_["MONEY_AWAY"]["amount"] == "1000.00"
    assert open_["WIND_UP_FEE"]["amount"] == "375.00" and "PAYMENTS_OPEN" not in open_
    assert open_["ESTATE"]["amount"] == "2000.00"

    paid = await raise_payment(
        api, {"invoiceId": before["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert paid["__typename"] == "PaymentPayload", paid
    assert (await _outstanding(api, client["id"]))["PAYMENTS_OPEN"]["amount"] == "40.00"
    await approve_payment(api, paid["payment"]["id"])
    await make_payment(api, paid["payment"]["id"])
    now = await _outstanding(api, client["id"])
    assert "DEBTS_BEFORE_DEATH" not in now and "PAYMENTS_OPEN" not in now
    assert now["ESTATE"]["amount"] == "1960.00"
    assert now["MONEY_AWAY"]["amount"] == "1000.00"


async def test_who_may_list_clients_being_wound_up(api: Api) -> None:
    """Officers and audit read it (DEATH_READ); a social worker, the integrations and reporting
    (aggregates only, R-ROLE) do not."""
    for role in ("social_worker", "integration_controcc", "integration_sap", "reporting"):
        body = await api.gql(WOUND_UP, {"first": 5}, role=role)
        assert_forbidden(body, ["clientsBeingWoundUp"])


RETURN_VALUABLE = """mutation($input: ReturnValuableInput!) {
  returnValuable(input: $input) { __typename } }"""
CLOSE = """mutation($input: CloseWoundUpCaseInput!) { closeWoundUpCase(input: $input) {
  __typename ... on Problem { message } } }"""


async def test_a_case_with_valuables_in_the_safe_does_not_close(
    api: Api, session: AsyncSession
) -> None:
    """B 24, B 29.3: the ring in the team's safe goes back (to the executor, with the estate)
    before the case closes; the list shows it as a step, and closing is refused until then."""
    client = await estate_ready(api, session, 0)
    await notify_everyone(api, client["id"])
    ring = await registered_valuable(api, client["id"])
    open_ = await _outstanding(api, client["id"], days=10)
    assert open_["VALUABLES"]["count"] == 1 and "ESTATE" not in open_
    close = {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}
    refused = (await api.data(CLOSE, close, **SCAO))["closeWoundUpCase"]
    assert refused["__typename"] == "InvalidStateProblem" and "VALUABLES" in refused["message"]
    back = {
        "input": {
            "valuableId": ring["valuableId"],
            "person": "Ed Lee, executor",
            "reason": "the estate (B 29.3)",
            "idempotencyKey": new_key(),
        }
    }
    assert (await api.data(RETURN_VALUABLE, back, **SCAO))["returnValuable"]["__typename"] == (
        "ValuablePayload"
    )
    close["input"]["idempotencyKey"] = new_key()
    closed = (await api.data(CLOSE, close, **SCAO))["closeWoundUpCase"]
    assert closed["__typename"] == "EstatePayload", closed


async def test_a_page_is_the_same_statements_whatever_its_size(
    api: Api, db: RolledBackDatabase
) -> None:
    """N+1 is a bug (issue 18): each kind of record of the page's clients (their dealings,
    wills, estates, notifications...) is read once for the page, not client by client, and
    the deaths the page read are not read again."""
    supplier = await new_counterparty(api, "SUPPLIER")

    async def deceased() -> None:
        client = await new_client(api)
        await payable_invoice(api, client, supplier, invoiceDate=days_ago(25), amount="40.00")
        will = await record_will(api, client["id"], heldBy="SOLICITOR", holder="Hart & Co")
        assert will["__typename"] == "WillsPayload", will
        await confirmed_death(api, client["id"], DIED)

    await deceased()
    with statements(db) as few:
        data = await api.data(WOUND_UP, {"first": 100}, **SCAO)
    assert len(data["clientsBeingWoundUp"]["edges"]) == 1
    for _ in range(3):
        await deceased()
    with statements(db) as many:
        data = await api.data(WOUND_UP, {"first": 100}, **SCAO)
    assert len(data["clientsBeingWoundUp"]["edges"]) == 4
    assert len(many) == len(few), many


# The bench's page (bench/scale.py): the nodes' main fields, the death's fee among them.
WOUND_UP_PAGE = """
query($first: Int) { clientsBeingWoundUp(first: $first) { edges { node {
  client { id reference givenName familyName situation }
  death { diedOn status confirmedAt windUpFee { amount chargedOn } }
  daysSinceDeath outstanding { step count amount detail }
} } pageInfo { hasNextPage } } }
"""

# What the page's statements are (issue 18 item 1): the open invoices, payments and assistance
# owed of the page in one statement, each death's fee read once (the page primes the death's
# windUpFee), whatever the page's size; the clients as they stand, their accounts and the policy
# figures read once and handed to the estates' and notification lists' reads. The rest are the
# modules' batch reads (deaths, estates, valuables, notifications), one each for the page.
PAGE_STATEMENTS = 21


async def test_the_page_takes_a_pinned_number_of_statements(
    api: Api, db: RolledBackDatabase, session: AsyncSession
) -> None:
    supplier = await new_counterparty(api, "SUPPLIER")

    async def deceased() -> str:
        client = await new_client(api)
        await fund(session, api, client, 30_000)
        await payable_invoice(api, client, supplier, invoiceDate=days_ago(25), amount="40.00")
        await confirmed_death(api, client["id"], DIED)
        return str(client["id"])

    for size in (1, 5):
        while len(await _page(api)) < size:
            await deceased()
        with statements(db) as sent:
            nodes = await _page(api)
        assert len(nodes) == size
        fees = [s for s in sent if s.lstrip().upper().startswith("SELECT WIND_UP_FEE.")]
        assert len(fees) == 1, fees
        reads = [s for s in sent if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert len(reads) == PAGE_STATEMENTS, "\n".join(s[:120] for s in reads)
        for n in nodes:
            assert n["death"]["windUpFee"] is None
            steps = {o["step"]: o for o in n["outstanding"]}
            assert steps["DEBTS_BEFORE_DEATH"]["amount"] == "40.00", steps
            assert steps["ESTATE"]["amount"] == "300.00", steps


async def _page(api: Api) -> list[dict[str, Any]]:
    data = await api.data(WOUND_UP_PAGE, {"first": 25}, **SCAO)
    return [e["node"] for e in data["clientsBeingWoundUp"]["edges"]]

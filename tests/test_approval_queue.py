"""The approval queue (approvals issue, items 5 and 6): ``approvalQueue`` lists what the caller
may approve now across every registered source, oldest first (not their own, R-ROLE-2; within
their limit in force, R-DEC-2, R-DEC-4); ``approvalQueueChanges`` streams what enters and
leaves it over graphql-transport-ws, each event re-checked for the subscriber. Events are
NOTIFYs sent inside the business transaction: a rolled-back change sends nothing.

The query tests run in a rolled-back transaction (the ``api`` fixture). Live events need commits,
so the subscription tests use a database of their own, with the demo data, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import StarletteDeprecationWarning

from ca_api.app import create_app
from ca_api.approvals import events, listener, sources
from ca_api.approvals.listener import Notice, Resync
from ca_api.approvals.sources import SOURCES, QueueItem, SortKey, sort_key
from ca_api.auth.principal import Principal, Role
from ca_api.auth.tokens import SigningKey, TokenVerifier, mint_token
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.keyset import Seek, seek_rows
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.payments import raising as payment_service
from tests.conftest import Api, error_codes
from tests.factories import (
    check_all,
    decision_input,
    fund,
    new_client,
    new_counterparty,
    new_key,
    raise_standing,
    raised,
    recorded,
    standing,
)
from tests.support import app_on, fresh_database

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

QUEUE = """
query($first: Int, $after: String) {
  approvalQueue(first: $first, after: $after) {
    edges { cursor node {
      kind itemId clientId clientReference amount summary raisedBy raisedAt waitingSeconds
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

RAISE = """
mutation($input: RaisePaymentInput!) {
  raisePayment(input: $input) {
    __typename
    ... on PaymentPayload { payment { id status } }
    ... on Problem { code message }
  }
}
"""

APPROVE = """
mutation($input: ApprovePaymentInput!) {
  approvePayment(input: $input) {
    __typename
    ... on PaymentPayload { payment { id status } }
    ... on Problem { code message }
  }
}
"""

CANCEL = """
mutation($input: CancelPaymentInput!) {
  cancelPayment(input: $input) {
    __typename
    ... on PaymentPayload { payment { id status } }
  }
}
"""

IDS = """{ clients(first: 1) { edges { node { id } } }
  counterparties(search: "British Gas") { nodes { id name } } }"""

CHANGES = """
subscription {
  approvalQueueChanges {
    type kind itemId
    item { kind itemId clientReference amount raisedBy waitingSeconds }
  }
}
"""


# --- the query (rolled back) -----------------------------------------------------------------


async def queue_of(api: Api, role: str, sub: str, first: int = 100) -> list[dict[str, Any]]:
    data = await api.data(QUEUE, {"first": first}, role=role, sub=sub)
    return [e["node"] for e in data["approvalQueue"]["edges"]]


@pytest.fixture
async def three_payments(api: Api) -> dict[str, Any]:
    """Raised in this order: £25 by an assistant, £30 by senior officer olu.scao, £6,000 by
    the assistant."""
    client = await new_client(api)
    supplier = await new_counterparty(api)
    small = await raise_standing(api, client, supplier, "25.00", role="assistant", sub="ash")
    own = await raise_standing(api, client, supplier, "30.00", role="senior_officer", sub="olu")
    large = await raise_standing(api, client, supplier, "6000.00", role="assistant", sub="ash")
    return {"client": client, "supplier": supplier, "small": small, "own": own, "large": large}


async def test_the_queue_is_what_the_caller_may_approve_now_oldest_first(
    api: Api, three_payments: dict[str, Any]
) -> None:
    p = three_payments
    mine = [i for i in await queue_of(api, "senior_officer", "olu") if i["raisedBy"] != "x"]
    ids = [i["itemId"] for i in mine]
    # R-ROLE-2: olu never sees the payment they raised; R-DEC: not the one over £5,000.
    assert p["small"] in ids
    assert p["own"] not in ids and p["large"] not in ids

    other = [i["itemId"] for i in await queue_of(api, "senior_officer", "sol")]
    assert p["small"] in other and p["own"] in other and p["large"] not in other
    assert other.index(p["small"]) < other.index(p["own"])  # oldest first

    tgm = [i["itemId"] for i in await queue_of(api, "governance_manager", "grace")]
    ordered = [tgm.index(p["small"]), tgm.index(p["own"]), tgm.index(p["large"])]
    assert ordered == sorted(ordered)

    item = next(
        i for i in await queue_of(api, "governance_manager", "grace") if i["itemId"] == p["large"]
    )
    assert item["kind"] == "PAYMENT"
    assert item["amount"] == "6000.00"
    assert item["clientReference"] == p["client"]["reference"]
    assert item["clientId"] == p["client"]["id"]
    assert item["raisedBy"] == "ash"
    assert item["waitingSeconds"] >= 0
    # The id is the Payment's own opaque id: approvePayment takes it as it is.
    assert decode_uuid("Payment", item["itemId"])


async def test_whoever_recorded_the_invoice_never_sees_its_payment_in_their_queue(
    api: Api, session: AsyncSession
) -> None:
    """issue 9 item 8, R-ROLE-2: the queue agrees with approvePayment: the invoice's recorder
    is an author of its payment, so it is not theirs to approve."""
    client = await new_client(api)
    supplier = await new_counterparty(api)
    invoice = await recorded(api, client, supplier, role="senior_officer", sub="olu.scao")
    await check_all(api, invoice["id"])
    variables = {"input": {**{"invoiceId": invoice["id"]}, "idempotencyKey": new_key()}}
    result = (await api.data(RAISE, variables, role="assistant", sub="ash"))["raisePayment"]
    payment = result["payment"]["id"]
    assert payment not in {i["itemId"] for i in await queue_of(api, "senior_officer", "olu.scao")}
    assert payment in {i["itemId"] for i in await queue_of(api, "senior_officer", "oona.scao")}
    source = SOURCES["PAYMENT"]
    author = Principal("olu.scao", frozenset({Role.SENIOR_OFFICER}))
    other = Principal("oona.scao", frozenset({Role.SENIOR_OFFICER}))
    pid = decode_uuid("Payment", payment)
    assert await source.one(session, author, pid) is None  # what the live stream re-reads
    assert await source.one(session, other, pid) is not None


async def test_officers_below_senior_officer_get_an_empty_queue(
    api: Api, three_payments: dict[str, Any]
) -> None:
    for role in ("support_assistant", "assistant", "senior_assistant"):
        assert await queue_of(api, role, "someone") == []


@pytest.mark.parametrize(
    "role",
    ["auditor", "reporting", "social_worker", "integration_controcc", "integration_sap"],
)
async def test_roles_outside_the_team_may_not_read_the_queue(api: Api, role: str) -> None:
    body = await api.gql(QUEUE, {"first": 5}, role=role)
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"] is None


async def test_approved_and_cancelled_payments_leave_a_funds_short_one_stays(
    api: Api, session: AsyncSession, three_payments: dict[str, Any]
) -> None:
    p = three_payments
    # Funds short: the approval is refused and the payment still waits (R-PAY-3).
    short = (
        await api.data(
            APPROVE,
            {"input": {"id": p["small"], "idempotencyKey": new_key()}},
            role="senior_officer",
            sub="sol",
        )
    )["approvePayment"]
    assert short["__typename"] == "InsufficientFundsProblem", short
    assert p["small"] in [i["itemId"] for i in await queue_of(api, "senior_officer", "sol")]

    await fund(session, api, p["client"], 10_000)
    done = (
        await api.data(
            APPROVE,
            {"input": {"id": p["small"], "idempotencyKey": new_key()}},
            role="senior_officer",
            sub="sol",
        )
    )["approvePayment"]
    assert done["__typename"] == "PaymentPayload", done
    cancelled = (
        await api.data(
            CANCEL,
            {"input": {"id": p["own"], "reason": "raised in error", "idempotencyKey": new_key()}},
            role="assistant",
            sub="ash",
        )
    )["cancelPayment"]
    assert cancelled["__typename"] == "PaymentPayload", cancelled
    left = [i["itemId"] for i in await queue_of(api, "governance_manager", "grace")]
    assert p["small"] not in left and p["own"] not in left and p["large"] in left


async def test_the_queue_pages_with_cursors(api: Api, three_payments: dict[str, Any]) -> None:
    everything = [i["itemId"] for i in await queue_of(api, "governance_manager", "grace")]
    seen: list[str] = []
    after = None
    while True:
        data = await api.data(
            QUEUE, {"first": 2, "after": after}, role="governance_manager", sub="grace"
        )
        conn = data["approvalQueue"]
        seen += [e["node"]["itemId"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == everything
    body = await api.gql(QUEUE, {"first": 2, "after": "bm90IG91cnM="}, role="senior_officer")
    assert error_codes(body) == ["BAD_USER_INPUT"]


@dataclass
class FakeSource:
    """Another source of a kind the queue knows (standing in for the decisions' own), registered
    through the same contract: approvable by governance managers only. A kind the queue does
    not know is refused when the sources are installed (issue 11 item 4)."""

    kind: str = "DECISION"
    items: dict[uuid.UUID, QueueItem] = field(default_factory=dict)

    def _may(self, principal: Principal, item: QueueItem) -> bool:
        return Role.GOVERNANCE_MANAGER in principal.roles and item.raised_by != principal.subject

    async def awaiting(self, session: AsyncSession, principal: Principal) -> list[QueueItem]:
        found = [i for i in self.items.values() if self._may(principal, i)]
        return sorted(found, key=lambda i: i.raised_at)

    async def page(
        self, session: AsyncSession, principal: Principal, seek: Seek[SortKey]
    ) -> list[QueueItem]:
        return seek_rows(await self.awaiting(session, principal), seek, key=sort_key)

    async def one(
        self, session: AsyncSession, principal: Principal, item_id: uuid.UUID
    ) -> QueueItem | None:
        item = self.items.get(item_id)
        return item if item is not None and self._may(principal, item) else None


def fake_item(raised_at: datetime, client_id: uuid.UUID | None = None) -> QueueItem:
    return QueueItem(
        kind="DECISION",
        id=uuid.uuid4(),
        client_id=client_id or uuid.uuid4(),
        client_reference="CA999999",
        amount=None,
        summary="A fake decision",
        raised_by="ash",
        raised_at=raised_at,
    )


async def test_the_queue_merges_every_registered_source(
    api: Api, three_payments: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSource()
    monkeypatch.setitem(SOURCES, "DECISION", fake)
    oldest = fake_item(datetime(2000, 1, 1, tzinfo=UTC))
    newest = fake_item(datetime.now(UTC) + timedelta(days=1))
    fake.items = {oldest.id: oldest, newest.id: newest}

    items = await queue_of(api, "governance_manager", "grace")
    assert items[0]["kind"] == "DECISION" and items[0]["itemId"] == encode_id("Decision", oldest.id)
    assert items[-1]["kind"] == "DECISION"
    assert items[-1]["itemId"] == encode_id("Decision", newest.id)
    assert three_payments["large"] in [i["itemId"] for i in items[1:-1]]
    assert items[0]["amount"] is None and items[0]["waitingSeconds"] > 0
    # A senior officer may not approve the fake items: only payments reach them.
    assert {i["kind"] for i in await queue_of(api, "senior_officer", "sol")} == {"PAYMENT"}


def test_a_source_of_a_kind_the_queue_does_not_know_is_refused_at_install() -> None:
    """issue 11 item 4: ApprovalQueueItem.kind is an enum; a kind outside it would fail to
    answer, so it is refused when the sources are installed, never when a queue is read."""
    with pytest.raises(ValueError):
        sources.install([FakeSource(kind="FAKE")])
    assert "FAKE" not in SOURCES


SUBJECTS = """
query { approvalQueue(first: 100) { nodes {
  kind itemId
  subject { __typename id ... on Payment { amount raisedBy } ... on Decision { kind status } }
} } }
"""


async def test_an_item_names_its_subject_and_has_no_id_of_its_own(
    api: Api, three_payments: dict[str, Any], session: AsyncSession
) -> None:
    """issue 11 item 3: a queue row is not an object a cache keeps (no id: ID!); what awaits
    approval is its subject, the Payment or Decision itself, by its own id."""
    client = three_payments["client"]
    decision = await raised(api, decision_input(client, "BEST_INTEREST", "20.00"))
    data = await api.data(SUBJECTS, role="governance_manager", sub="grace")
    items = {i["itemId"]: i for i in data["approvalQueue"]["nodes"]}
    large = items[three_payments["large"]]
    assert large["kind"] == "PAYMENT"
    assert large["subject"] == {
        "__typename": "Payment",
        "id": three_payments["large"],
        "amount": "6000.00",
        "raisedBy": "ash",
    }
    mine = items[decision["id"]]
    assert mine["kind"] == "DECISION"
    assert mine["subject"] == {
        "__typename": "Decision",
        "id": decision["id"],
        "kind": "BEST_INTEREST",
        "status": "RAISED",
    }


# --- live: a database of its own, committed for real -----------------------------------------


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    with fresh_database("ca_api_test_queue", with_demo=True) as url:  # clients with money, ...
        yield url


@dataclass
class Live:
    client: TestClient
    settings: Settings
    key: SigningKey
    client_id: str
    payee_id: str

    def token(self, role: str, sub: str) -> str:
        return mint_token(self.key, settings=self.settings, subject=sub, roles=[role])

    def gql(self, query: str, variables: dict[str, Any], role: str, sub: str) -> dict[str, Any]:
        resp = self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token(role, sub)}"},
        )
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def raise_payment(self, amount: str = "12.34", sub: str = "ash.assistant") -> str:
        variables = {
            "input": {
                **standing(self.client_id, self.payee_id, amount),
                "idempotencyKey": new_key(),
            }
        }
        body = self.gql(RAISE, variables, "assistant", sub)
        result = body["data"]["raisePayment"]
        assert result["__typename"] == "PaymentPayload", body
        return str(result["payment"]["id"])

    def subscribers(self) -> float:
        for line in self.client.get("/metrics").text.splitlines():
            if line.startswith("ca_api_approval_queue_subscribers "):
                return float(line.split()[1])
        return 0.0

    def wait_subscribers(self, n: int) -> None:
        deadline = time.monotonic() + 10
        while self.subscribers() != n:
            assert time.monotonic() < deadline, f"{self.subscribers()} live subscriptions, not {n}"
            time.sleep(0.02)


@pytest.fixture
def live(live_url: str, settings: Settings, signing_key: SigningKey) -> Iterator[Live]:
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    app = create_app(settings, live_url, verifier=verifier)  # its own engine, on its own loop
    with TestClient(app) as client:
        token = mint_token(signing_key, settings=settings, subject="audrey", roles=["auditor"])
        auth = {"Authorization": f"Bearer {token}"}
        q = IDS
        data = client.post("/graphql", json={"query": q}, headers=auth).json()["data"]
        payee = next(c["id"] for c in data["counterparties"]["nodes"] if c["name"] == "British Gas")
        live = Live(client, settings, signing_key, data["clients"]["edges"][0]["node"]["id"], payee)
        live.wait_subscribers(0)
        yield live


@contextlib.contextmanager
def subscriber(
    live: Live, role: str, sub: str, op_id: str = "1", query: str = CHANGES
) -> Iterator[Any]:
    with live.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        token = live.token(role, sub)
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query}})
        yield ws


def event_of(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    event: dict[str, Any] = message["payload"]["data"]["approvalQueueChanges"]
    return event


def test_a_raise_arrives_as_entered_and_an_approval_as_left(live: Live) -> None:
    with subscriber(live, "senior_officer", "olu.scao") as ws:
        live.wait_subscribers(1)
        payment = live.raise_payment("12.34")
        entered = event_of(ws.receive_json())
        assert entered["type"] == "ENTERED" and entered["kind"] == "PAYMENT"
        assert entered["itemId"] == payment
        assert entered["item"]["itemId"] == payment
        assert entered["item"]["amount"] == "12.34"
        assert entered["item"]["raisedBy"] == "ash.assistant"

        body = live.gql(
            APPROVE,
            {"input": {"id": payment, "idempotencyKey": new_key()}},
            "governance_manager",
            "grace",
        )
        assert body["data"]["approvePayment"]["__typename"] == "PaymentPayload", body
        left = event_of(ws.receive_json())
        assert left == {"type": "LEFT", "kind": "PAYMENT", "itemId": payment, "item": None}


SUBJECT_CHANGES = """
subscription { approvalQueueChanges { type item { itemId subject {
  __typename id ... on Payment { amount status }
} } } }
"""


def test_an_event_names_its_subject(live: Live) -> None:
    """issue 11 item 3: an event's item names its subject, the Payment itself, as a query's
    item does."""
    with subscriber(live, "governance_manager", "grace", query=SUBJECT_CHANGES) as ws:
        live.wait_subscribers(1)
        payment = live.raise_payment("5.67")
        entered = event_of(ws.receive_json())
        assert entered["type"] == "ENTERED"
        assert entered["item"]["subject"] == {
            "__typename": "Payment",
            "id": payment,
            "amount": "5.67",
            "status": "RAISED",
        }
        cancel = {"id": payment, "reason": "raised in error", "idempotencyKey": new_key()}
        body = live.gql(CANCEL, {"input": cancel}, "assistant", "ash.assistant")
        assert body["data"]["cancelPayment"]["__typename"] == "PaymentPayload", body
        assert event_of(ws.receive_json()) == {"type": "LEFT", "item": None}


def test_a_cancelled_payment_leaves_and_the_raisers_own_never_arrives(live: Live) -> None:
    with subscriber(live, "senior_officer", "olu.scao") as ws:
        live.wait_subscribers(1)
        own = live.raise_payment("1.00", sub="olu.scao")  # R-ROLE-2: not olu's to approve
        large = live.raise_payment("5000.01")  # over olu's limit (R-DEC)
        payment = live.raise_payment("2.00")
        entered = event_of(ws.receive_json())
        assert (entered["type"], entered["itemId"]) == ("ENTERED", payment)
        assert own != payment and large != payment
        body = live.gql(
            CANCEL,
            {"input": {"id": payment, "reason": "raised in error", "idempotencyKey": new_key()}},
            "assistant",
            "ash.assistant",
        )
        assert body["data"]["cancelPayment"]["__typename"] == "PaymentPayload", body
        assert event_of(ws.receive_json())["type"] == "LEFT"


@pytest.mark.parametrize("role", ["reporting", "social_worker", "auditor"])
def test_a_subscriber_without_the_role_is_refused_and_receives_nothing(
    live: Live, role: str
) -> None:
    with (
        subscriber(live, role, "nosy", op_id="1") as refused,
        subscriber(live, "senior_officer", "olu.scao", op_id="1") as approver,
    ):
        message = refused.receive_json()
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
        live.wait_subscribers(1)  # the approver only

        payment = live.raise_payment("3.00")
        assert event_of(approver.receive_json())["itemId"] == payment
        # Whatever the refused socket sends next comes after this query's answer: no event.
        refused.send_json(
            {"id": "2", "type": "subscribe", "payload": {"query": "{ me { subject } }"}}
        )
        nxt = refused.receive_json()
        assert nxt["id"] == "2" and nxt["payload"]["data"]["me"]["subject"] == "nosy", nxt


def test_a_fake_source_is_merged_into_the_live_stream(
    live: Live, live_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeSource()
    monkeypatch.setitem(SOURCES, "DECISION", fake)
    item = fake_item(datetime.now(UTC))

    async def notify() -> None:
        db = Database(live_url, pool_size=1)
        try:
            async with db.session() as session, session.begin():
                await events.notify(session, "DECISION", item.id)
        finally:
            await db.dispose()

    with (
        subscriber(live, "governance_manager", "grace") as tgm,
        subscriber(live, "senior_officer", "olu.scao") as sco,
    ):
        live.wait_subscribers(2)
        fake.items[item.id] = item
        asyncio.run(notify())
        entered = event_of(tgm.receive_json())
        assert (entered["type"], entered["kind"]) == ("ENTERED", "DECISION")
        del fake.items[item.id]
        asyncio.run(notify())
        assert event_of(tgm.receive_json())["type"] == "LEFT"
        # The senior officer may not approve these fake items: their next event is a payment's.
        payment = live.raise_payment("4.00")
        assert event_of(sco.receive_json())["itemId"] == payment


# --- NOTIFY only on commit; the listener reconnects ------------------------------------------


@pytest.fixture
async def committed(
    live_url: str, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[tuple[Api, Database]]:
    """The app in this test's loop on the live database (commits for real)."""
    async with app_on(live_url, settings, signing_key, pool_size=3) as (api, db):
        try:
            yield api, db
        finally:
            await listener.stop_listener(db)


async def _live_ids(api: Api) -> tuple[str, str]:
    q = IDS
    data = await api.data(q, role="auditor")
    payee = next(c["id"] for c in data["counterparties"]["nodes"] if c["name"] == "British Gas")
    return data["clients"]["edges"][0]["node"]["id"], payee


async def test_a_rolled_back_change_sends_nothing(
    committed: tuple[Api, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, db = committed
    client_id, payee = await _live_ids(api)
    raise_input = standing(client_id, payee, "7.00")
    async with listener.listener_for(db).subscribe() as inbox:
        # The raise fails after its NOTIFY (the audit row cannot be written): it rolls back.
        async def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the audit trail is unavailable")

        monkeypatch.setattr(payment_service.audit, "record", broken)
        body = await api.gql(
            RAISE,
            {"input": raise_input | {"idempotencyKey": new_key()}},
            role="assistant",
            sub="ash",
        )
        assert error_codes(body) == ["INTERNAL_ERROR"]
        monkeypatch.undo()

        # A funds-short refusal commits its mark but leaves the payment waiting: no event.
        big = await api.data(
            RAISE,
            {"input": {**standing(client_id, payee, "4999.00"), "idempotencyKey": new_key()}},
            role="assistant",
            sub="ash",
        )
        big_id = decode_uuid("Payment", big["raisePayment"]["payment"]["id"])
        assert (await asyncio.wait_for(inbox.get(), 5)) == Notice("PAYMENT", big_id)
        refused = await api.data(
            APPROVE,
            {"input": {"id": encode_id("Payment", big_id), "idempotencyKey": new_key()}},
            role="governance_manager",
            sub="grace",
        )
        assert refused["approvePayment"]["code"] == "INSUFFICIENT_FUNDS", refused

        # The next notice is the committed raise's: nothing came from the two above.
        ok = await api.data(
            RAISE,
            {"input": raise_input | {"idempotencyKey": new_key()}},
            role="assistant",
            sub="ash",
        )
        ok_id = decode_uuid("Payment", ok["raisePayment"]["payment"]["id"])
        assert (await asyncio.wait_for(inbox.get(), 5)) == Notice("PAYMENT", ok_id)
        assert inbox.empty()


async def test_the_listener_reconnects_and_asks_subscribers_to_resync(
    committed: tuple[Api, Database],
) -> None:
    api, db = committed
    client_id, payee = await _live_ids(api)
    queue_listener = listener.listener_for(db)
    async with queue_listener.subscribe() as inbox:
        name = make_url(db.url).database
        async with db.engine.connect() as conn:
            killed = (
                await conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = :app AND datname = :db"
                    ),
                    {"app": listener.APPLICATION_NAME, "db": name},
                )
            ).scalar_one()
        assert killed == 1
        assert isinstance(await asyncio.wait_for(inbox.get(), 10), Resync)
        assert queue_listener.connections == 2
        ok = await api.data(
            RAISE,
            {"input": {**standing(client_id, payee, "8.00"), "idempotencyKey": new_key()}},
            role="assistant",
            sub="ash",
        )
        ok_id = decode_uuid("Payment", ok["raisePayment"]["payment"]["id"])
        assert (await asyncio.wait_for(inbox.get(), 5)) == Notice("PAYMENT", ok_id)

"""Issue 18 item 1: the stored current statuses never disagree with the event rows (R-AUD-2).

Payments, decisions, temporary assistance and invoices keep their status in a current table
(``payment_current``, ``decision_current``, ``temporary_assistance_current``,
``invoice_current``, migration 0048), written by the database's triggers in the transaction
that records the event, and read by every list. The events stay the record. Here:

- the status tables the database holds (``lifecycle_status``) are the rules modules' tables;
- every reachable state of an invoice, through the endpoint, stores the status derived in SQL
  from its events, checks and payments, and the one a Python model of the rules gives
  (payments, decisions and assistance are walked through every state in
  ``test_status_sql_matches_python.py``, which checks the stored status too);
- random sequences of events, written straight into the event tables (no service: no code path
  can forget the current row), keep stored = derived in SQL = Python after every event;
- nobody writes a current row by hand.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, literal, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.common.ids import decode_uuid, encode_id
from ca_api.decisions import repository as decisions_repository
from ca_api.decisions import rules as decisions_rules
from ca_api.decisions.models import Decision
from ca_api.decisions.rules import DecisionEventKind, DecisionStatus
from ca_api.invoices import repository as invoices_repository
from ca_api.invoices.models import Invoice
from ca_api.invoices.rules import ALL_CHECKS, InvoiceStatus
from ca_api.payments import repository as payments_repository
from ca_api.payments import rules as payments_rules
from ca_api.payments.models import Payment
from ca_api.payments.rules import PaymentEventKind, PaymentStatus
from ca_api.temporary_assistance import rules as assistance_rules
from ca_api.temporary_assistance.rules import AssistanceStatus
from tests.conftest import Api
from tests.factories import (
    RECORD_EVENT,
    approve_payment,
    cancel_payment,
    decision_input,
    fund,
    gift_client,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    payable_invoice,
    raised,
    raised_payment,
    record_check,
    recorded,
)
from tests.support import fresh_database

HOLD_PAYLOAD = """__typename ... on InvoiceHoldPayload { invoice { id onHold } }"""
HOLD = (
    f"""mutation($input: HoldInvoiceInput!) {{ holdInvoice(input: $input) {{ {HOLD_PAYLOAD} }} }}"""
)
RELEASE = f"""mutation($input: ReleaseInvoiceHoldInput!) {{
  releaseInvoiceHold(input: $input) {{ {HOLD_PAYLOAD} }} }}"""
SCAO = {"role": "senior_officer", "sub": "olu.scao"}


# --- the status tables ----------------------------------------------------------------------


async def test_the_databases_status_tables_are_the_rules_tables(session: AsyncSession) -> None:
    # R-AUD-2, issue 18 item 1: the triggers derive statuses from the rules' own rows
    expected = {
        "payment": (payments_rules.PAYMENT_STATUSES, PaymentStatus.RAISED),
        "decision": (decisions_rules.DECISION_STATUSES, DecisionStatus.RAISED),
        "temporary_assistance": (
            assistance_rules.ASSISTANCE_STATUSES,
            AssistanceStatus.REQUESTED,
        ),
    }
    befores = dict((await session.execute(text("SELECT aggregate, before FROM lifecycle"))).all())
    rows = (
        await session.execute(
            text("SELECT aggregate, event, status FROM lifecycle_status ORDER BY aggregate, rank")
        )
    ).all()
    assert befores == {name: before.value for name, (_, before) in expected.items()}
    for name, (table, _) in expected.items():
        held = [(event, status) for aggregate, event, status in rows if aggregate == name]
        assert held == [(kind.value, status.value) for kind, status in table], name


# --- invoices through the endpoint ------------------------------------------------------------


async def _invoice(session: AsyncSession, invoice_id: str) -> tuple[str, bool, str, bool]:
    """(stored status, stored on hold, status derived in SQL, on hold derived in SQL)."""
    ident = decode_uuid("Invoice", invoice_id)
    stored = (
        await session.execute(
            text("SELECT status, on_hold FROM invoice_current WHERE invoice_id = :i"), {"i": ident}
        )
    ).one()
    derived = (
        await session.execute(
            select(
                invoices_repository.invoice_status_derived(literal(ident)),
                invoices_repository.on_hold_of(literal(ident)),
            )
        )
    ).one()
    return stored[0], stored[1], derived[0], derived[1]


async def test_an_invoices_stored_status_is_its_derived_status_in_every_state(
    api: Api, session: AsyncSession
) -> None:
    # issue 18 item 1, R-PAY-2, R-PAY-3, R-REF-7, R-AUD-2
    client = await new_client(api)
    await fund(session, api, client, 100_000)  # 1,000.00
    supplier = await new_counterparty(api, "SUPPLIER")

    async def payable(amount: str = "10.00") -> str:
        return str((await payable_invoice(api, client, supplier, amount=amount))["id"])

    async def payment_of(invoice_id: str) -> str:
        return str((await raised_payment(api, invoice_id))["id"])

    reached: dict[str, tuple[str, InvoiceStatus, bool]] = {}

    def at(state: str, invoice_id: str, status: InvoiceStatus, on_hold: bool = False) -> None:
        reached[state] = (invoice_id, status, on_hold)

    at("received", str((await recorded(api, client, supplier))["id"]), InvoiceStatus.RECEIVED)
    failed = await payable()
    assert (await record_check(api, failed, "ARITHMETIC", False, "the sum is wrong"))[
        "__typename"
    ] == "InvoicePayload"
    at("a check failed after passing", failed, InvoiceStatus.RECEIVED)
    at("checked", await payable(), InvoiceStatus.CHECKED)
    at("payment raised", raising := await payable(), InvoiceStatus.PAYMENT_RAISED)
    await payment_of(raising)
    at("funds short", short := await payable("5000.00"), InvoiceStatus.FUNDS_SHORT)
    refused = await approve_payment(api, await payment_of(short))
    assert refused["__typename"] == "InsufficientFundsProblem", refused
    at("approved", approved := await payable(), InvoiceStatus.APPROVED)
    assert (await approve_payment(api, await payment_of(approved)))[
        "__typename"
    ] == "PaymentPayload"
    at("paid", paid := await payable(), InvoiceStatus.PAID)
    payment = await payment_of(paid)
    assert (await approve_payment(api, payment))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, payment))["__typename"] == "PaymentPayload"
    at("its payment cancelled", back := await payable(), InvoiceStatus.CHECKED)
    assert (await cancel_payment(api, await payment_of(back)))["__typename"] == "PaymentPayload"
    at("cancelled", cancelled := await payable(), InvoiceStatus.CANCELLED)
    data = await api.data(
        RECORD_EVENT,
        {"input": {"invoiceId": cancelled, "event": "CANCELLED", "note": "sent in error"}},
        role="assistant",
        sub="ash",
    )
    assert data["recordInvoiceEvent"]["__typename"] == "InvoicePayload", data

    async def hold_change(document: str, invoice_id: str) -> None:
        variables = {
            "input": {"invoiceId": invoice_id, "reason": "a query", "idempotencyKey": new_key()}
        }
        result = next(iter((await api.data(document, variables, **SCAO)).values()))
        assert result["__typename"] == "InvoiceHoldPayload", result

    at("on hold", held := await payable(), InvoiceStatus.CHECKED, True)
    await hold_change(HOLD, held)
    at("released", released := await payable(), InvoiceStatus.CHECKED)
    await hold_change(HOLD, released)
    await hold_change(RELEASE, released)

    seen = set()
    for state, (invoice_id, status, on_hold) in reached.items():
        stored, stored_hold, derived, derived_hold = await _invoice(session, invoice_id)
        assert (stored, stored_hold) == (derived, derived_hold) == (status.value, on_hold), state
        seen.add(status)
    assert seen == set(InvoiceStatus)


# --- random event sequences straight into the tables -------------------------------------------


async def _clone(session: AsyncSession, model: Any, source: uuid.UUID, **values: Any) -> uuid.UUID:
    """A copy of the row ``source`` of ``model``'s table under a new id (and ``values``)."""
    new = uuid.uuid4()
    table = model.__table__
    columns = [c.name for c in table.columns]
    picked = [f":{c}" if c in values or c == "id" else c for c in columns]
    await session.execute(
        text(
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"SELECT {', '.join(picked)} FROM {table.name} WHERE id = :source"
        ),
        {"id": new, "source": source, **values},
    )
    return new


@dataclass
class InvoiceModel:
    """The invoice rules as a plain Python model (``invoices.repository.invoice_status_of``'s
    documentation): the test's own oracle."""

    cancelled: bool = False
    checks: dict[str, bool] = field(default_factory=dict)
    payments: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    holds: dict[uuid.UUID, bool] = field(default_factory=dict)  # hold -> released

    def status(self) -> InvoiceStatus:
        if self.cancelled:
            return InvoiceStatus.CANCELLED
        kinds = [set(events) for events in self.payments.values()]
        if any("MADE" in k for k in kinds):
            return InvoiceStatus.PAID
        if any("APPROVED" in k and not k & {"CANCELLED", "MADE"} for k in kinds):
            return InvoiceStatus.APPROVED
        live = [k for k in kinds if not k & {"APPROVED", "CANCELLED", "MADE"}]
        if any("REFUSED_FUNDS_SHORT" in k for k in live):
            return InvoiceStatus.FUNDS_SHORT
        if live:
            return InvoiceStatus.PAYMENT_RAISED
        if len(self.checks) == len(ALL_CHECKS) and all(self.checks.values()):
            return InvoiceStatus.CHECKED
        return InvoiceStatus.RECEIVED

    def on_hold(self) -> bool:
        return any(not released for released in self.holds.values())


async def _payment_agrees(session: AsyncSession, payment_id: uuid.UUID, events: list[str]) -> None:
    ident = literal(payment_id)
    stored, derived, raised_sql = (
        await session.execute(
            select(
                payments_repository.payment_status_of(ident),
                payments_repository.payment_status_derived(ident),
                payments_repository.payment_raised(ident),
            )
        )
    ).one()
    python = payments_rules.payment_status(events)
    assert stored == derived == python.value, events
    assert raised_sql is (python is PaymentStatus.RAISED), events


async def _invoice_agrees(
    session: AsyncSession, invoice_id: uuid.UUID, model: InvoiceModel
) -> None:
    stored, stored_hold, derived, derived_hold = await _invoice(
        session, _encoded("Invoice", invoice_id)
    )
    assert (stored, stored_hold) == (derived, derived_hold), model
    assert (stored, stored_hold) == (model.status().value, model.on_hold()), model


def _encoded(type_name: str, ident: uuid.UUID) -> str:
    return encode_id(type_name, ident)


# What a random step does, weighted: a check, a payment, a payment's event, an invoice's event,
# a hold put or released.
OPS = ["check", "check", "payment", "event", "event", "event", "invoice", "hold"]


async def test_random_event_sequences_keep_stored_derived_and_python_statuses_equal(
    api: Api, session: AsyncSession
) -> None:
    # issue 18 item 1, R-AUD-2: whatever events arrive, in whatever order, through any path
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    source_invoice = decode_uuid("Invoice", (await payable_invoice(api, client, supplier))["id"])
    source_payment = decode_uuid(
        "Payment", (await raised_payment(api, _encoded("Invoice", source_invoice)))["id"]
    )
    once = {e.value for e in PaymentEventKind} - {PaymentEventKind.REFUSED_FUNDS_SHORT.value}
    rng = random.Random(18)
    seen: set[tuple[InvoiceStatus, bool]] = set()
    for example in range(40):
        invoice = await _clone(
            session, Invoice, source_invoice, supplier_invoice_number=f"prop-{example}"
        )
        model = InvoiceModel()
        await _invoice_agrees(session, invoice, model)
        if rng.random() < 0.5:  # every check passed, in one statement (a batch's rows)
            await session.execute(
                text(
                    "INSERT INTO invoice_check (invoice_id, check_name, passed, checked_by)"
                    " SELECT :i, n, true, 'prop' FROM unnest(CAST(:names AS text[])) AS n"
                ),
                {"i": invoice, "names": [c.value for c in ALL_CHECKS]},
            )
            model.checks = {c.value: True for c in ALL_CHECKS}
            await _invoice_agrees(session, invoice, model)
        for _ in range(rng.randint(1, 12)):
            op = rng.choice(
                ["check", "check", "payment", "event", "event", "event", "invoice", "hold"]
            )
            if op == "check":
                name = rng.choice(ALL_CHECKS).value
                passed = rng.random() < 0.85
                await session.execute(
                    text(
                        "INSERT INTO invoice_check (invoice_id, check_name, passed, checked_by)"
                        " VALUES (:i, :n, :p, 'prop')"
                    ),
                    {"i": invoice, "n": name, "p": passed},
                )
                model.checks[name] = passed
            elif op == "payment" or (op == "event" and not model.payments):
                payment = await _clone(session, Payment, source_payment, invoice_id=invoice)
                model.payments[payment] = []
                await _payment_agrees(session, payment, [])
            elif op == "event":
                payment = rng.choice(list(model.payments))
                events = model.payments[payment]
                kinds = [*sorted(once - set(events)), PaymentEventKind.REFUSED_FUNDS_SHORT.value]
                kind = rng.choice(kinds)
                await session.execute(
                    text(
                        "INSERT INTO payment_event (payment_id, event, recorded_by)"
                        " VALUES (:p, :e, 'prop')"
                    ),
                    {"p": payment, "e": kind},
                )
                events.append(kind)
                await _payment_agrees(session, payment, events)
            elif op == "invoice":
                kind = rng.choice(["CANCELLED", "QUERIED", "SENDER_CONTACTED", "FUNDS_SHORT"])
                await session.execute(
                    text(
                        "INSERT INTO invoice_event (invoice_id, event, recorded_by)"
                        " VALUES (:i, :e, 'prop')"
                    ),
                    {"i": invoice, "e": kind},
                )
                model.cancelled = model.cancelled or kind == "CANCELLED"
            else:
                open_holds = [h for h, released in model.holds.items() if not released]
                if open_holds and rng.random() < 0.6:
                    hold = rng.choice(open_holds)
                    await session.execute(
                        text(
                            "INSERT INTO invoice_hold_release (hold_id, reason, recorded_by)"
                            " VALUES (:h, 'released', 'prop')"
                        ),
                        {"h": hold},
                    )
                    model.holds[hold] = True
                else:
                    hold = uuid.uuid4()
                    await session.execute(
                        text(
                            "INSERT INTO invoice_hold (id, invoice_id, cause, reason, recorded_by)"
                            " VALUES (:h, :i, 'OFFICER', 'held', 'prop')"
                        ),
                        {"h": hold, "i": invoice},
                    )
                    model.holds[hold] = False
            await _invoice_agrees(session, invoice, model)
            seen.add((model.status(), model.on_hold()))
    assert {status for status, _ in seen} == set(InvoiceStatus)  # every status was reached
    assert {on_hold for _, on_hold in seen} == {True, False}
    await _every_row_agrees(session)

    # A load with the triggers off (session_replication_role = replica, as bench/scale.py's)
    # rebuilds the current rows set-based: the same rows the triggers kept.
    kept = await _current_rows(session)
    async with session.begin_nested():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(text("SELECT current_status_rebuild()"))
        await session.execute(text("SET LOCAL session_replication_role = origin"))
    assert await _current_rows(session) == kept


CURRENT_TABLES = (
    "payment_current",
    "decision_current",
    "temporary_assistance_current",
    "invoice_current",
)


async def _current_rows(session: AsyncSession) -> dict[str, list[Any]]:
    return {
        table: [
            tuple(r) for r in (await session.execute(text(f"SELECT * FROM {table} ORDER BY 1")))
        ]
        for table in CURRENT_TABLES
    }


async def _every_row_agrees(session: AsyncSession) -> None:
    """Every payment's and invoice's stored status is the one its rows derive (SQL)."""
    pay = aliased(Payment)
    payments = (
        select(func.count())
        .select_from(pay)
        .where(
            payments_repository.payment_status_of(pay.id)
            != payments_repository.payment_status_derived(pay.id)
        )
    )
    inv = aliased(Invoice)
    invoices = (
        select(func.count())
        .select_from(inv)
        .where(
            or_(
                invoices_repository.invoice_status_of(inv.id)
                != invoices_repository.invoice_status_derived(inv.id),
                invoices_repository.held(inv.id) != invoices_repository.on_hold_of(inv.id),
            )
        )
    )
    assert (await session.execute(payments)).scalar_one() == 0
    assert (await session.execute(invoices)).scalar_one() == 0


async def test_the_rebuild_is_refused_while_the_triggers_keep_the_rows(
    session: AsyncSession,
) -> None:
    # R-AUD-2: only a load with the triggers off rebuilds
    with pytest.raises(DBAPIError, match="replica"):
        async with session.begin_nested():
            await session.execute(text("SELECT current_status_rebuild()"))


async def test_random_decision_events_keep_stored_derived_and_python_statuses_equal(
    api: Api, session: AsyncSession
) -> None:
    # issue 18 item 1, R-DEC-1, R-AUD-2: the generic trigger on another aggregate's events
    client = await gift_client(api)
    source = decode_uuid(
        "Decision", (await raised(api, decision_input(client, "BEST_INTEREST", "5.00")))["id"]
    )
    limits = (await session.execute(text("SELECT max(id) FROM approval_limit_version"))).scalar()
    rng = random.Random(1818)
    for _ in range(25):
        decision = await _clone(session, Decision, source)
        events: list[str] = []
        for _ in range(rng.randint(0, 3)):
            decided = {"APPROVED", "REFUSED"} & set(events)
            choices = ([] if decided else ["APPROVED", "REFUSED"]) + (
                [] if "SUPERSEDED" in events else ["SUPERSEDED"]
            )
            if not choices:
                break
            kind = rng.choice(choices)
            await session.execute(
                text(
                    "INSERT INTO decision_event (decision_id, event, on_date, limit_version_id,"
                    " superseded_by, reason, recorded_by) VALUES (:d, :e, current_date,"
                    " :l, :s, :r, 'prop')"
                ),
                {
                    "d": decision,
                    "e": kind,
                    "l": limits if kind == DecisionEventKind.APPROVED.value else None,
                    "s": source if kind == DecisionEventKind.SUPERSEDED.value else None,
                    "r": "no" if kind == DecisionEventKind.REFUSED.value else None,
                },
            )
            events.append(kind)
            ident = literal(decision)
            stored, derived, raised_sql = (
                await session.execute(
                    select(
                        decisions_repository.status_of(ident),
                        decisions_repository.status_derived(ident),
                        decisions_repository.raised(ident),
                    )
                )
            ).one()
            python = decisions_rules.decision_status(events)
            assert stored == derived == python.value, events
            assert raised_sql is (python is DecisionStatus.RAISED), events


# --- nobody writes a current row by hand -----------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payment_current SET status = 'MADE'",
        "DELETE FROM payment_current",
        "UPDATE invoice_current SET on_hold = NOT on_hold",
        "INSERT INTO invoice_current SELECT id, 'PAID', false, due_on FROM invoice",
        "TRUNCATE payment_current",
    ],
)
async def test_a_current_row_is_written_only_by_the_database(
    api: Api, session: AsyncSession, statement: str
) -> None:
    # R-AUD-2: derived from the events, never set
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(api, client, supplier)
    await raised_payment(api, invoice["id"])
    with pytest.raises(DBAPIError, match="R-AUD-2"):
        async with session.begin_nested():
            await session.execute(text(statement))


# --- two transactions touching one invoice ----------------------------------------------------


async def test_events_committed_at_once_on_one_invoice_leave_its_status_current() -> None:
    # issue 18 item 1, R-AUD-2: the refresh locks the invoice's current row, then reads the
    # events afresh; a transaction that waited for another sees what that one committed
    with fresh_database("ca_api_current_conc", with_demo=True) as url:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        setup, first, second = [await asyncpg.connect(dsn) for _ in range(3)]
        try:
            invoice = await setup.fetchval(
                "SELECT invoice_id FROM invoice_current WHERE status IN ('RECEIVED', 'CHECKED')"
                " LIMIT 1"
            )
            source = await setup.fetchval("SELECT id FROM payment LIMIT 1")
            assert invoice is not None and source is not None
            columns = [c.name for c in Payment.__table__.columns]
            picked = ", ".join({"id": "$1", "invoice_id": "$2"}.get(c, c) for c in columns)
            pair = [uuid.uuid4(), uuid.uuid4()]
            for payment in pair:
                await setup.execute(
                    f"INSERT INTO payment ({', '.join(columns)})"
                    f" SELECT {picked} FROM payment WHERE id = $3",
                    payment,
                    invoice,
                    source,
                )
            status = "SELECT status FROM invoice_current WHERE invoice_id = $1"
            assert await setup.fetchval(status, invoice) == InvoiceStatus.PAYMENT_RAISED.value
            event = (
                "INSERT INTO payment_event (payment_id, event, recorded_by) VALUES ($1, $2, 't')"
            )
            one, other = (c.transaction() for c in (first, second))
            await one.start()
            await other.start()
            await first.execute(event, pair[0], PaymentEventKind.APPROVED.value)
            # The other payment cancelled meanwhile: its transaction waits for the first one's
            # lock on the invoice's current row; alone it would see one payment still raised.
            waiting = asyncio.create_task(
                second.execute(event, pair[1], PaymentEventKind.CANCELLED.value)
            )
            await asyncio.sleep(0.3)
            assert not waiting.done()
            await one.commit()
            await waiting
            await other.commit()
            derived = "SELECT invoice_status_derived($1)"
            assert await setup.fetchval(status, invoice) == InvoiceStatus.APPROVED.value
            assert await setup.fetchval(derived, invoice) == InvoiceStatus.APPROVED.value
        finally:
            for c in (setup, first, second):
                await c.close()

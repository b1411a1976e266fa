"""Issue 18 item 1: the annual review clocks the database keeps never disagree with the rows
(R-CARE-1, R-AUD-2).

``annual_review_clock`` (migration 0055) holds each deputyship's clock: the order's dates, the
client's last review standing, whether the clock runs (the client ACTIVE, no confirmed death),
the months in force when it started and the day the next review is due; ``annualReviewsDue``
pages it in due order. It is written by triggers in the transaction that writes the orders,
reviews, client versions, deaths and figures of the months. Here:

- the months and the due date the database works out are ``reviews.reviews_due.months_on`` and
  ``reviews.rules.review_due_on`` for every day of four years, under a history of the months
  (a change, a figure with no value, one before the first);
- every reachable state through the services and the endpoint (an order, a review, its
  correction and the correction's, an order varied, a death recorded then confirmed, a new
  figure of the months) keeps stored = derived in SQL = worked out in Python from the raw rows;
- random sequences of rows written straight into the tables (no service: no code path can
  forget the clock), several clients in one statement among them, do too, and so does a
  statement naming more than 64 clients (one lock for all, not one each);
- an order and a review of one client written at once by two transactions, either first,
  leave the clock as the rows say (the lock per client);
- nobody writes a clock by hand; a load with the triggers off rebuilds the same rows.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from ca_api.auth.principal import Principal, Role
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.keyset import Seek
from ca_api.db import async_url
from ca_api.policy import service as policy
from ca_api.reviews import reviews_due as reviews
from ca_api.reviews import rules
from tests.conftest import Api
from tests.factories import (
    amend_deputyship,
    client_with_orders,
    confirm_death,
    record_death,
    record_review,
)
from tests.support import fresh_database

FIELDS = ("client_id", "order_date", "end_date", "last_reviewed_on", "live", "months", "due_on")
Clock = tuple[Any, ...]
SENIOR = {"role": "senior_officer", "sub": "olu.scao"}


async def _figure(session: AsyncSession, effective_from: date, months: int | None) -> None:
    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by)"
            " VALUES ('annual_review_months', :f, :v, 'COUNT', 'test', 't')"
        ),
        {"f": effective_from, "v": months},
    )


# --- the rule, in SQL and in Python ---------------------------------------------------------


async def test_the_databases_months_and_due_date_are_the_rules(session: AsyncSession) -> None:
    # R-CARE-1, R-REP-4: the due date the index is ordered by is the one the rules give, on
    # every day of four years (month ends, 29 February), across a history of the months: the
    # seed's 12 from 2014, 6 from 1 September 2024, a figure with no value (ignored), 18 from
    # 31 January 2026
    await _figure(session, date(2024, 9, 1), 6)
    await _figure(session, date(2025, 3, 31), None)
    await _figure(session, date(2026, 1, 31), 18)
    figures = await policy.figure_history(session, rules.REVIEW_MONTHS)
    start, days = date(2023, 1, 1), 4 * 366
    rows = (
        await session.execute(
            text(
                "SELECT d::date, annual_review_months_on(d::date), annual_review_due_on(d::date)"
                " FROM generate_series(CAST(:s AS date), CAST(:e AS date), '1 day') d"
            ),
            {"s": start, "e": start + timedelta(days=days)},
        )
    ).all()
    assert len(rows) == days + 1
    seen = set()
    for day, months, due_on in rows:
        python_months = reviews.months_on(figures, day)
        assert (months, due_on) == (python_months, rules.review_due_on(day, python_months)), day
        seen.add(months)
    assert seen == {12, 6, 18}  # every figure was in force on some day


# --- stored, derived in SQL, and worked out in Python from the raw rows -------------------


async def _stored(session: AsyncSession, clients: Iterable[uuid.UUID]) -> dict[uuid.UUID, Clock]:
    rows = await session.execute(
        text(
            f"SELECT deputyship_id, {', '.join(FIELDS)} FROM annual_review_clock"
            " WHERE client_id = ANY (:c)"
        ),
        {"c": list(clients)},
    )
    return {r[0]: tuple(r[1:]) for r in rows}


async def _derived(session: AsyncSession, clients: Iterable[uuid.UUID]) -> dict[uuid.UUID, Clock]:
    rows = await session.execute(
        text(
            f"SELECT deputyship_id, {', '.join(FIELDS)} FROM annual_review_clock_derived"
            " WHERE client_id = ANY (:c)"
        ),
        {"c": list(clients)},
    )
    return {r[0]: tuple(r[1:]) for r in rows}


async def _python(session: AsyncSession, clients: Iterable[uuid.UUID]) -> dict[uuid.UUID, Clock]:
    """Each deputyship's clock from the raw rows, by the rules: its newest version's dates; the
    newest client version's status; the latest review no other review corrects (R-AUD-2); a
    death with a CONFIRMED event; the months in force when the clock started."""
    ids = list(clients)

    async def rows(sql: str) -> list[Any]:
        return list((await session.execute(text(sql), {"c": ids})).all())

    orders: dict[uuid.UUID, tuple[int, uuid.UUID, date, date | None]] = {}
    for dep, client, version, order_date, end_date in await rows(
        "SELECT d.id, d.client_id, v.version, v.order_date, v.end_date FROM deputyship d"
        " JOIN deputyship_version v ON v.deputyship_id = d.id WHERE d.client_id = ANY (:c)"
    ):
        if dep not in orders or orders[dep][0] < version:
            orders[dep] = (version, client, order_date, end_date)
    status: dict[uuid.UUID, tuple[int, str]] = {}
    for client, version, st in await rows(
        "SELECT client_id, version, status FROM client_version WHERE client_id = ANY (:c)"
    ):
        if client not in status or status[client][0] < version:
            status[client] = (version, st)
    review_rows = await rows(
        "SELECT id, client_id, reviewed_on, supersedes_id FROM client_review"
        " WHERE client_id = ANY (:c)"
    )
    corrected = {r[3] for r in review_rows if r[3] is not None}
    last: dict[uuid.UUID, date] = {}
    for rid, client, reviewed_on, _ in review_rows:
        if rid not in corrected:
            last[client] = max(last.get(client, reviewed_on), reviewed_on)
    dead = {
        client
        for client, event in await rows(
            "SELECT x.client_id, e.event FROM death x JOIN death_event e ON e.death_id = x.id"
            " WHERE x.client_id = ANY (:c)"
        )
        if event == "CONFIRMED"
    }
    figures = await policy.figure_history(session, rules.REVIEW_MONTHS)
    out = {}
    for dep, (_, client, order_date, end_date) in orders.items():
        start = last.get(client) or order_date
        months = reviews.months_on(figures, start)
        live = status[client][1] == "ACTIVE" and client not in dead
        due = rules.review_due_on(start, months)
        out[dep] = (client, order_date, end_date, last.get(client), live, months, due)
    return out


async def _agree(session: AsyncSession, clients: Iterable[uuid.UUID]) -> dict[uuid.UUID, Clock]:
    """Stored = derived in SQL = Python for these clients, and no clock anywhere disagrees
    with its rows. Returns the clocks."""
    ids = list(clients)
    stored = await _stored(session, ids)
    assert stored == await _derived(session, ids)
    assert stored == await _python(session, ids)
    off = await session.execute(
        text(
            "SELECT count(*) FROM annual_review_clock k FULL JOIN annual_review_clock_derived d"
            " USING (deputyship_id) WHERE (k.client_id, k.order_date, k.end_date,"
            " k.last_reviewed_on, k.live, k.months, k.due_on) IS DISTINCT FROM (d.client_id,"
            " d.order_date, d.end_date, d.last_reviewed_on, d.live, d.months, d.due_on)"
        )
    )
    assert off.scalar_one() == 0
    return stored


def _one(clocks: dict[uuid.UUID, Clock]) -> dict[str, Any]:
    [clock] = clocks.values()
    return dict(zip(FIELDS, clock, strict=True))


# --- every reachable state through the services and the endpoint -------------------------


async def test_every_reachable_state_keeps_the_clock_equal_to_its_rows(
    api: Api, session: AsyncSession
) -> None:
    # R-CARE-1, R-AUD-2, issue 18 item 1
    deputy = await client_with_orders(session, deputy_from=date(2024, 1, 31))
    appointee = await client_with_orders(session, appointee_from=date(2024, 2, 1))
    dying = await client_with_orders(session, deputy_from=date(2023, 11, 30))
    a, b, c = (decode_uuid("Client", x) for x in (deputy, appointee, dying))
    every = (a, b, c)

    clocks = await _agree(session, every)
    assert len(clocks) == 2  # the appointee has no clock
    assert _one(await _stored(session, [a])) == {
        "client_id": a,
        "order_date": date(2024, 1, 31),
        "end_date": None,
        "last_reviewed_on": None,
        "live": True,
        "months": 12,
        "due_on": date(2025, 1, 31),
    }

    first = await record_review(api, deputy, reviewedOn="2025-01-31")
    assert first["__typename"] == "AnnualReviewPayload", first
    assert _one(await _agree(session, [a]))["due_on"] == date(2026, 1, 31)

    # a correction supersedes it (R-AUD-2): the clock follows the corrected day
    fixed = await record_review(
        api, deputy, reviewedOn="2025-01-29", corrects=first["review"]["id"], reason="typo"
    )
    assert fixed["__typename"] == "AnnualReviewPayload", fixed
    assert _one(await _agree(session, [a]))["last_reviewed_on"] == date(2025, 1, 29)
    again = await record_review(
        api, deputy, reviewedOn="2024-12-30", corrects=fixed["review"]["id"], reason="again"
    )
    assert again["__typename"] == "AnnualReviewPayload", again
    assert _one(await _agree(session, [a]))["due_on"] == date(2025, 12, 30)

    # the order varied (a new version): the stored dates follow it
    [dep] = (await _stored(session, [a])).keys()
    varied = await amend_deputyship(
        api, encode_id("Deputyship", dep), {"orderDate": "2024-02-29", "endDate": "2027-02-28"}
    )
    assert varied["__typename"] == "DeputyshipPayload", varied
    got = _one(await _agree(session, [a]))
    assert (got["order_date"], got["end_date"]) == (date(2024, 2, 29), date(2027, 2, 28))

    # a death recorded runs the clock still; confirmed, it stops it
    recorded_ = await record_death(api, dying, "2025-02-01")
    assert recorded_["__typename"] == "DeathPayload", recorded_
    assert _one(await _agree(session, [c]))["live"] is True
    confirmed = await confirm_death(api, dying)
    assert confirmed["__typename"] == "DeathPayload", confirmed
    assert _one(await _agree(session, [c]))["live"] is False

    # a new figure of the months moves every clock started since
    await _figure(session, date(2024, 12, 1), 6)
    await _agree(session, every)
    got = _one(await _stored(session, [a]))
    assert (got["months"], got["due_on"]) == (6, date(2025, 6, 30))
    assert _one(await _stored(session, [c]))["months"] == 12  # started before the change

    # the endpoint lists what the clocks say
    data = await api.data(
        """query($c: ID) { annualReviewsDue(clientId: $c, first: 5) {
             nodes { lastReviewedOn dueOn months } } }""",
        {"c": deputy},
        **SENIOR,
    )
    assert data["annualReviewsDue"]["nodes"] == [
        {"lastReviewedOn": "2024-12-30", "dueOn": "2025-06-30", "months": 6}
    ]


# --- random sequences of rows straight into the tables ------------------------------------


class _Rows:
    """Writes rows as a service would, but by hand (no service, no code path that could
    remember the clock)."""

    def __init__(self, session: AsyncSession, rng: random.Random) -> None:
        self.s = session
        self.rng = rng
        self.orders: dict[uuid.UUID, list[uuid.UUID]] = {}  # client -> deputyships, oldest first
        self.standing: dict[uuid.UUID, list[uuid.UUID]] = {}  # client -> reviews standing
        self.figure_days: set[date] = set()

    def day(self) -> date:
        return date(2022, 1, 1) + timedelta(days=self.rng.randrange(5 * 365))

    async def sql(self, statement: str, **values: Any) -> Any:
        return await self.s.execute(text(statement), values)

    async def latest_order(self, dep: uuid.UUID) -> tuple[int, date, date | None]:
        row = (
            await self.sql(
                "SELECT version, order_date, end_date FROM deputyship_version"
                " WHERE deputyship_id = :d ORDER BY version DESC LIMIT 1",
                d=dep,
            )
        ).one()
        return int(row[0]), row[1], row[2]

    async def order_version(
        self, dep: uuid.UUID, version: int, order_date: date, end_date: date | None
    ) -> None:
        await self.sql(
            "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
            " end_date, power_receive_income, power_manage_accounts, power_manage_capital,"
            " power_sell_property, power_let_property, power_make_gifts, supervision_type,"
            " recorded_by, reason) VALUES (:d, :v, 'COP-PROP', :o, :e, true, true, true, false,"
            " false, false, 'TYPE_2', 'prop', CASE WHEN :v > 1 THEN 'varied' END)",
            d=dep,
            v=version,
            o=order_date,
            e=end_date,
        )

    async def new_order(self, client: uuid.UUID, order_date: date) -> None:
        dep = uuid.uuid4()
        await self.sql("INSERT INTO deputyship (id, client_id) VALUES (:d, :c)", d=dep, c=client)
        await self.order_version(dep, 1, order_date, None)
        self.orders.setdefault(client, []).append(dep)

    async def order(self, client: uuid.UUID) -> None:
        """A first order; or the latest varied (new dates, never onto the one before it: R-ORD,
        one order in force); or it ends and another follows."""
        deps = self.orders.get(client)
        if not deps:
            await self.new_order(client, self.day())
            return
        version, order_date, end_date = await self.latest_order(deps[-1])
        if end_date is None and self.rng.random() < 0.3:
            ends = order_date + timedelta(days=self.rng.randrange(1, 400))
            await self.order_version(deps[-1], version + 1, order_date, ends)
            await self.new_order(client, ends + timedelta(days=self.rng.randrange(1, 60)))
            return
        floor = (await self.latest_order(deps[-2]))[2] if len(deps) > 1 else None
        moved = self.day() if floor is None else floor + timedelta(self.rng.randrange(1, 300))
        if end_date is not None:  # ended: it may move, not past its end
            moved = min(moved, end_date)
        elif self.rng.random() < 0.3:
            end_date = moved + timedelta(days=400)
        await self.order_version(deps[-1], version + 1, moved, end_date)

    async def review(self, clients: list[uuid.UUID]) -> None:
        """A review of each client, in one statement (a batch's rows)."""
        values = []
        params: dict[str, Any] = {}
        for i, client in enumerate(clients):
            rid = uuid.uuid4()
            params |= {f"i{i}": rid, f"c{i}": client, f"d{i}": self.day()}
            values.append(
                f"(:i{i}, :c{i}, :d{i}, ARRAY['PERSONAL_VISIT'], 'needs', 'finances', true, 'prop')"
            )
            self.standing.setdefault(client, []).append(rid)
        await self.s.execute(
            text(
                "INSERT INTO client_review (id, client_id, reviewed_on, methods, needs, finances,"
                " client_involved, recorded_by) VALUES " + ", ".join(values)
            ),
            params,
        )

    async def correction(self, client: uuid.UUID) -> None:
        standing = self.standing.get(client)
        if not standing:
            await self.review([client])
            return
        old = self.rng.choice(standing)
        rid = uuid.uuid4()
        await self.sql(
            "INSERT INTO client_review (id, client_id, reviewed_on, methods, needs, finances,"
            " client_involved, supersedes_id, reason, recorded_by) VALUES (:i, :c, :d,"
            " ARRAY['CARE_HOME_CALL'], 'needs', 'finances', true, :o, 'mistyped', 'prop')",
            i=rid,
            c=client,
            d=self.day(),
            o=old,
        )
        standing.remove(old)
        standing.append(rid)

    async def status(self, client: uuid.UUID) -> None:
        await self.sql(
            "INSERT INTO client_version (client_id, version, given_name, family_name,"
            " date_of_birth, situation, status, recorded_by, reason)"
            " SELECT client_id, version + 1, given_name, family_name, date_of_birth, situation,"
            " :s, 'prop', 'status' FROM client_version WHERE client_id = :c"
            " ORDER BY version DESC LIMIT 1",
            c=client,
            s=self.rng.choice(["ACTIVE", "ACTIVE", "CLOSED", "REFERRED"]),
        )

    async def death(self, client: uuid.UUID) -> None:
        """A death recorded, then (mostly) confirmed or withdrawn."""
        death = uuid.uuid4()
        await self.sql(
            "INSERT INTO death (id, client_id, died_on, certificate_reference, recorded_by)"
            " VALUES (:i, :c, :d, 'DC 1', 'prop')",
            i=death,
            c=client,
            d=self.day(),
        )
        roll = self.rng.random()
        if roll < 0.8:
            await self.sql(
                "INSERT INTO death_event (death_id, event, recorded_by) VALUES (:i, :e, 'prop')",
                i=death,
                e="CONFIRMED" if roll < 0.4 else "WITHDRAWN",
            )

    async def figure(self) -> None:
        day = self.day()
        if day in self.figure_days:
            return
        self.figure_days.add(day)
        await _figure(self.s, day, self.rng.choice([3, 6, 12, 18, 24, None]))


async def test_random_row_sequences_keep_stored_derived_and_python_clocks_equal(
    session: AsyncSession,
) -> None:
    # R-AUD-2, issue 18 item 1: whatever order the rows come in
    rng = random.Random(1855)
    clients = [
        decode_uuid("Client", await client_with_orders(session, deputy_from=d))
        for d in (date(2023, 1, 31), date(2024, 2, 29), None, None)
    ]
    rows = _Rows(session, rng)
    for client in clients[:2]:
        rows.orders[client] = list((await _stored(session, [client])).keys())
    steps = ["order", "review", "batch", "correction", "status", "death", "figure"]
    weights = [3, 4, 1, 3, 2, 1, 1]
    seen: set[tuple[bool, bool, bool]] = set()
    for _ in range(120):
        step = rng.choices(steps, weights)[0]
        client = rng.choice(clients)
        if step == "order":
            await rows.order(client)
        elif step == "review":
            await rows.review([client])
        elif step == "batch":
            await rows.review(rng.sample(clients, 3))
        elif step == "correction":
            await rows.correction(client)
        elif step == "status":
            await rows.status(client)
        elif step == "death":
            await rows.death(client)
        else:
            await rows.figure()
        for clock in (await _agree(session, clients)).values():
            seen.add((clock[3] is not None, clock[4], clock[2] is not None))
    # the walk reached clocks with and without a review, running and stopped, ended orders
    assert {s[0] for s in seen} == {True, False}
    assert {s[1] for s in seen} == {True, False}
    assert True in {s[2] for s in seen}

    # A load with the triggers off (session_replication_role = replica, as bench/scale.py's)
    # rebuilds the clocks set-based: the same rows the triggers kept.
    kept = (await session.execute(text("SELECT * FROM annual_review_clock ORDER BY 1"))).all()
    async with session.begin_nested():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(text("SELECT annual_review_clock_rebuild()"))
        await session.execute(text("SET LOCAL session_replication_role = origin"))
    assert (await session.execute(text("SELECT * FROM annual_review_clock ORDER BY 1"))).all() == (
        kept
    )


async def test_a_statement_naming_many_clients_keeps_their_clocks(session: AsyncSession) -> None:
    # A batch or a load with the triggers on: more than 64 clients in one statement take the
    # months' lock once (not a lock per client) and refresh them all in one statement
    clients = [uuid.uuid4() for _ in range(70)]
    ids = {"c": clients}
    await session.execute(
        text(
            "INSERT INTO client (id, reference, created_by)"
            " SELECT c, 'MANY' || n, 'prop' FROM unnest(CAST(:c AS uuid[])) WITH ORDINALITY u(c, n)"
        ),
        ids,
    )
    await session.execute(
        text(
            "INSERT INTO client_version (client_id, version, given_name, family_name,"
            " date_of_birth, situation, status, recorded_by) SELECT c, 1, 'Many', 'Clients',"
            " '1940-01-01', 'COMMUNITY', 'ACTIVE', 'prop' FROM unnest(CAST(:c AS uuid[])) c"
        ),
        ids,
    )
    await session.execute(
        text(
            "INSERT INTO deputyship (id, client_id) SELECT c, c FROM unnest(CAST(:c AS uuid[])) c"
        ),
        ids,
    )
    await session.execute(
        text(
            "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
            " power_receive_income, power_manage_accounts, power_manage_capital,"
            " power_sell_property, power_let_property, power_make_gifts, supervision_type,"
            " recorded_by) SELECT c, 1, 'COP-MANY', DATE '2024-01-31' + n::int, true, true,"
            " true, false, false, false, 'TYPE_2', 'prop'"
            " FROM unnest(CAST(:c AS uuid[])) WITH ORDINALITY u(c, n)"
        ),
        ids,
    )
    assert len(await _agree(session, clients)) == len(clients)
    await session.execute(
        text(
            "INSERT INTO client_review (id, client_id, reviewed_on, methods, needs, finances,"
            " client_involved, recorded_by) SELECT gen_random_uuid(), c,"
            " DATE '2025-02-28' - n::int, ARRAY['PERSONAL_VISIT'], 'needs', 'finances', true,"
            " 'prop'"
            " FROM unnest(CAST(:c AS uuid[])) WITH ORDINALITY u(c, n)"
        ),
        ids,
    )
    clocks = await _agree(session, clients)
    assert {clock[3] for clock in clocks.values()} == {
        date(2025, 2, 28) - timedelta(days=n) for n in range(1, 71)
    }


async def test_the_rebuild_is_refused_while_the_triggers_keep_the_clocks(
    session: AsyncSession,
) -> None:
    # R-AUD-2: only a load with the triggers off rebuilds
    with pytest.raises(DBAPIError, match="replica"):
        async with session.begin_nested():
            await session.execute(text("SELECT annual_review_clock_rebuild()"))


# --- nobody writes a clock by hand ----------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE annual_review_clock SET due_on = due_on + 365",
        "UPDATE annual_review_clock SET live = false",
        "DELETE FROM annual_review_clock",
        "INSERT INTO annual_review_clock (deputyship_id, client_id, order_date, live)"
        " SELECT id, client_id, current_date, true FROM deputyship",
        "TRUNCATE annual_review_clock",
    ],
)
async def test_a_clock_is_written_only_by_the_database(
    session: AsyncSession, statement: str
) -> None:
    # R-AUD-2: derived from the rows, never set
    await client_with_orders(session, deputy_from=date(2024, 5, 1))
    with pytest.raises(DBAPIError, match="R-AUD-2"):
        async with session.begin_nested():
            await session.execute(text(statement))


# --- two transactions on one client at once (real commits, their own database) -------------

CLIENT_SQL = (
    "INSERT INTO client (id, reference, created_by) VALUES (:c, :r, 'prop');"
    "INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,"
    " situation, status, recorded_by) VALUES (:c, 1, 'Ann', 'Race', '1940-01-01',"
    " 'RESIDENTIAL_CARE', 'ACTIVE', 'prop')"
)
ORDER_SQL = (
    "INSERT INTO deputyship (id, client_id) VALUES (:d, :c);"
    "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
    " power_receive_income, power_manage_accounts, power_manage_capital, power_sell_property,"
    " power_let_property, power_make_gifts, supervision_type, recorded_by)"
    " VALUES (:d, 1, 'COP-RACE', '2024-03-31', true, true, true, false, false, false,"
    " 'TYPE_2', 'prop')"
)
REVIEW_SQL = (
    "INSERT INTO client_review (id, client_id, reviewed_on, methods, needs, finances,"
    " client_involved, recorded_by) VALUES (:i, :c, '2025-02-28', ARRAY['PERSONAL_VISIT'],"
    " 'needs', 'finances', true, 'prop')"
)


async def _run(conn: AsyncConnection, script: str, **values: Any) -> None:
    for statement in script.split(";"):
        await conn.execute(text(statement), values)


async def _waiting(conn: AsyncConnection, pid: int) -> None:
    """Until backend ``pid`` waits on a lock (polled: the order of events, not a duration)."""
    for _ in range(3000):
        row = await conn.execute(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
        )
        if row.scalar_one_or_none() == "Lock":
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


@pytest.mark.parametrize("first", ["order", "review"])
async def test_an_order_and_a_review_written_at_once_leave_the_clock_right(
    database_url: str, first: str
) -> None:
    # Neither transaction sees the other's uncommitted rows: the second waits on the client's
    # lock, then reads afresh, so the clock has both the order and the review.
    with fresh_database("ca_api_clock", admin_url=database_url) as url:
        engine = create_async_engine(async_url(url), pool_size=3)
        try:
            client, dep = uuid.uuid4(), uuid.uuid4()
            async with engine.begin() as conn:
                await _run(conn, CLIENT_SQL, c=client, r=f"RC{client.hex[:6]}")
            scripts = {
                "order": (ORDER_SQL, {"d": dep, "c": client}),
                "review": (REVIEW_SQL, {"i": uuid.uuid4(), "c": client}),
            }
            second = "review" if first == "order" else "order"
            async with engine.connect() as one, engine.connect() as two, engine.connect() as look:
                await one.begin()
                await _run(one, scripts[first][0], **scripts[first][1])
                await two.begin()
                pid = (await two.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                late = asyncio.ensure_future(_run(two, scripts[second][0], **scripts[second][1]))
                await _waiting(look, pid)
                await one.commit()
                await late
                await two.commit()
                rows = (
                    await look.execute(
                        text(
                            "SELECT k.last_reviewed_on, k.due_on, d.last_reviewed_on, d.due_on"
                            " FROM annual_review_clock k"
                            " JOIN annual_review_clock_derived d USING (deputyship_id)"
                        )
                    )
                ).all()
            assert rows == [(date(2025, 2, 28), date(2026, 2, 28)) * 2]
        finally:
            await engine.dispose()


# --- row scoping ------------------------------------------------------------------------------


async def test_a_page_is_scoped_to_the_clients_the_caller_may_read(
    session: AsyncSession, today: Any
) -> None:
    # The officers' page reads the client row; anyone else's goes through the row scope
    # (clients.repository.readable: a social worker, the clients they referred)
    today.set(date(2025, 6, 1))
    mine = decode_uuid("Client", await client_with_orders(session, deputy_from=date(2024, 3, 1)))
    other = decode_uuid("Client", await client_with_orders(session, deputy_from=date(2024, 4, 1)))
    await session.execute(
        text(
            "INSERT INTO client_version (client_id, version, given_name, family_name,"
            " date_of_birth, situation, status, referred_by, recorded_by, reason)"
            " SELECT client_id, version + 1, given_name, family_name, date_of_birth, situation,"
            " status, 'sw.one', 'prop', 'referred' FROM client_version WHERE client_id = :c"
            " ORDER BY version DESC LIMIT 1"
        ),
        {"c": mine},
    )

    async def page(principal: Principal) -> list[uuid.UUID]:
        got = await reviews.reviews_due(
            session, principal, state=None, due_by=None, client_id=None, seek=Seek(None, 50)
        )
        return [d.client_id for d in got if d.client_id in (mine, other)]

    assert await page(Principal("o", frozenset({Role.SENIOR_OFFICER}))) == [mine, other]
    assert await page(Principal("sw.one", frozenset({Role.SOCIAL_WORKER}))) == [mine]
    assert await page(Principal("sw.two", frozenset({Role.SOCIAL_WORKER}))) == []

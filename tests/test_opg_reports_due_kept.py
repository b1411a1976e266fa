"""Issue 18 item 1: each deputy client's kept next OPG report never disagrees with the rows
(R-OPG, R-AUD-2).

``opg_report_next`` (migration 0054) holds each client's next report, written by the database's
triggers on the orders' periods (``order_in_force``), the reports and their events, in the
transaction that writes them; ``opgReportsComingDue`` and ``opgReportsDue`` read it. The orders,
reports and events stay the record. Here, for every client after every step:

    stored (opg_report_next) = derived in SQL (opg_report_next_derived) = Python
    (``rules.next_report`` over the client's deputyships and reports as the services read them)

- through the endpoint: a deputyship recorded, amended, superseded (the old order never in
  force); a report opened, generated, prepared, returned, approved, submitted, corrected, the
  next one opened;
- over random histories written straight into the tables (no service: no code path can forget
  the kept row): reports of any period, events of any kind at any recorded time, order dates
  amended, orders never in force;
- nobody writes a kept row by hand; the rebuild (for a load with the triggers off) is refused
  otherwise and gives the rows the triggers kept;
- two transactions committing at once on one client leave the row current.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import decode_uuid
from ca_api.opg_reports import report_views, repository, rules
from ca_api.opg_reports.rules import LatestReport, OpgReportStatus
from ca_api.orders import service as orders
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    amend_deputyship,
    new_client,
    new_deputyship,
    new_key,
)
from tests.support import fresh_database

CASEWORKER = {"role": "assistant", "sub": "ash.assistant"}
CHECKER = {"role": "senior_officer", "sub": "olu.scao"}
OTHER_CHECKER = {"role": "senior_officer", "sub": "sam.scao"}
Row = tuple[date | None, date | None, date | None, uuid.UUID | None]
NONE: Row = (None, None, None, None)


async def _ok(api: Api, name: str, who: dict[str, str], **input: Any) -> dict[str, Any]:
    query = f"""mutation($input: {name[0].upper() + name[1:]}Input!) {{ {name}(input: $input) {{
      __typename ... on OpgReportPayload {{ report {{ id status }} }} {KEYED_PROBLEMS} }} }}"""
    data = await api.data(query, {"input": input | {"idempotencyKey": new_key()}}, **who)
    result = data[name]
    assert result["__typename"] == "OpgReportPayload", result
    report: dict[str, Any] = result["report"]
    return report


async def _stored(session: AsyncSession, client_id: uuid.UUID) -> Row | None:
    row = (
        await session.execute(
            text(
                "SELECT period_start, period_end, due_on, report_id FROM opg_report_next"
                " WHERE client_id = :c"
            ),
            {"c": client_id},
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2], row[3])


async def _derived(session: AsyncSession, client_id: uuid.UUID) -> Row:
    row = (
        await session.execute(
            text(
                "SELECT period_start, period_end, due_on, report_id"
                " FROM opg_report_next_derived(ARRAY[CAST(:c AS uuid)])"
            ),
            {"c": client_id},
        )
    ).one()
    return (row[0], row[1], row[2], row[3])


async def _python(session: AsyncSession, client_id: uuid.UUID) -> Row:
    """``rules.next_report`` over the client's deputyships (their current versions) and reports
    (their status from their events) as the services read them."""
    deputyships = (await orders.DEPUTYSHIP.by_client(session, [client_id]))[client_id]
    live = [
        d.details.order_date
        for d in deputyships
        if d.details.end_date is None or d.details.end_date >= d.details.order_date
    ]
    reports = list(await repository.reports_of_client(session, client_id))
    latest = None
    if reports:
        (view,) = await report_views.views(session, [reports[-1].id])
        r = view.report
        submitted = view.status is OpgReportStatus.SUBMITTED
        latest = LatestReport(r.period_start, r.period_end, r.due_on, submitted=submitted)
    nxt = rules.next_report(min(live) if live else None, latest)
    if nxt is None:
        return NONE
    opened = reports[-1].id if nxt.opened else None
    return (nxt.period_start, nxt.period_end, nxt.due_on, opened)


async def _agrees(session: AsyncSession, client_id: uuid.UUID) -> Row:
    stored = await _stored(session, client_id)
    derived = await _derived(session, client_id)
    python = await _python(session, client_id)
    assert stored == derived == python, (stored, derived, python)
    return python


async def _every_row_agrees(session: AsyncSession) -> None:
    """Every client's stored row is the one its rows derive (SQL), and every client who ever had
    a deputyship has one."""
    differ = await session.scalar(
        text(
            "SELECT count(*) FROM (SELECT DISTINCT client_id FROM order_in_force"
            "  WHERE kind = 'deputyship') c"
            " CROSS JOIN LATERAL opg_report_next_derived(ARRAY[c.client_id]) d"
            " LEFT JOIN opg_report_next x ON x.client_id = c.client_id"
            " WHERE x.client_id IS NULL OR (x.period_start, x.period_end, x.due_on, x.report_id)"
            "   IS DISTINCT FROM (d.period_start, d.period_end, d.due_on, d.report_id)"
        )
    )
    assert differ == 0


def _period(start: date, report: uuid.UUID | None = None) -> Row:
    end = rules.period_end(start)
    return (start, end, rules.due_on(end), report)


# --- through the endpoint ----------------------------------------------------------------------


async def test_every_step_of_a_deputy_clients_reports_keeps_the_row_equal(
    api: Api, session: AsyncSession
) -> None:
    # issue 18 item 1, R-AUD-2: orders recorded, amended, superseded; a report round the loop
    client = await new_client(api)
    cid = decode_uuid("Client", client["id"])
    assert await _stored(session, cid) is None  # no deputyship: not on the list
    order = date(2024, 2, 29)
    first = await new_deputyship(api, client["id"], orderDate=order.isoformat())
    assert await _agrees(session, cid) == _period(order)
    amended = await amend_deputyship(api, first["id"], {"orderDate": "2024-03-04"})
    assert amended["__typename"] == "DeputyshipPayload", amended
    assert await _agrees(session, cid) == _period(date(2024, 3, 4))
    # Superseded by an order of the same day: the old one was never in force.
    await new_deputyship(api, client["id"], orderDate="2024-03-04", supersedes=first["id"])
    assert await _agrees(session, cid) == _period(date(2024, 3, 4))

    opened = await _ok(api, "openOpgReport", CASEWORKER, clientId=client["id"])
    rid = decode_uuid("OpgReport", opened["id"])
    assert await _agrees(session, cid) == _period(date(2024, 3, 4), rid)
    steps = [
        ("generateOpgReport", CASEWORKER, {}),
        ("prepareOpgReport", CASEWORKER, {}),
        ("returnOpgReport", CHECKER, {"reason": "Check the care fees"}),
        ("prepareOpgReport", CASEWORKER, {}),
        ("approveOpgReport", CHECKER, {}),
    ]
    for name, who, extra in steps:
        await _ok(api, name, who, reportId=opened["id"], **extra)
        assert await _agrees(session, cid) == _period(date(2024, 3, 4), rid), name
    submit = {"submittedOn": "2025-05-01", "opgReference": "OPG-9"}
    await _ok(api, "markOpgReportSubmitted", CHECKER, reportId=opened["id"], **submit)
    after = date(2025, 3, 4)  # the day after the first period's end
    assert await _agrees(session, cid) == _period(after)
    await _ok(api, "correctOpgReport", CHECKER, reportId=opened["id"], reason="Interest missed")
    assert await _agrees(session, cid) == _period(date(2024, 3, 4), rid)  # OPEN again
    # The correction's version is the corrector's: another senior officer approves it.
    await _ok(api, "prepareOpgReport", CASEWORKER, reportId=opened["id"])
    await _ok(api, "approveOpgReport", OTHER_CHECKER, reportId=opened["id"])
    await _ok(api, "markOpgReportSubmitted", OTHER_CHECKER, reportId=opened["id"], **submit)
    assert await _agrees(session, cid) == _period(after)
    second = await _ok(api, "openOpgReport", CASEWORKER, clientId=client["id"])
    assert await _agrees(session, cid) == _period(after, decode_uuid("OpgReport", second["id"]))
    await _every_row_agrees(session)


# --- random histories written straight into the tables -----------------------------------------

T0 = datetime(2025, 1, 1, tzinfo=UTC)


async def _report(session: AsyncSession, client_id: uuid.UUID, start: date) -> uuid.UUID:
    rid = uuid.uuid4()
    end = rules.period_end(start)
    await session.execute(
        text(
            "INSERT INTO opg_report"
            " (id, client_id, deputyship_id, period_start, period_end, due_on, opened_by)"
            " SELECT :r, :c, d.id, :s, :e, :due, 'prop' FROM deputyship d"
            " WHERE d.client_id = :c ORDER BY d.created_at LIMIT 1"
        ),
        {"r": rid, "c": client_id, "s": start, "e": end, "due": rules.due_on(end)},
    )
    await session.execute(
        text(
            "INSERT INTO opg_report_version"
            " (report_id, version, generated_by, report_type, assets_at_end, content)"
            " VALUES (:r, 1, 'prop', '103-6', 0, '{}')"
        ),
        {"r": rid},
    )
    return rid


async def _event(
    session: AsyncSession, report_id: uuid.UUID, kind: str, at: datetime | None
) -> None:
    submitted = kind == "SUBMITTED"
    await session.execute(
        text(
            "INSERT INTO opg_report_event (report_id, event, version, on_date, reason,"
            " submitted_on, opg_reference, recorded_by, recorded_at)"
            " VALUES (:r, :k, 1, DATE '2025-06-01', :why, :on, :ref, 'prop',"
            " coalesce(CAST(:at AS timestamptz), clock_timestamp()))"
        ),
        {
            "r": report_id,
            "k": kind,
            "why": "because" if kind in ("RETURNED", "CORRECTED") else None,
            "on": date(2025, 6, 1) if submitted else None,
            "ref": "OPG-P" if submitted else None,
            "at": at,
        },
    )


async def _amend(session: AsyncSession, deputyship_id: uuid.UUID, order: date, end: Any) -> None:
    """A new version of the order with another date and end (the version trigger moves its
    period in order_in_force: an UPDATE there)."""
    await session.execute(
        text(
            "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
            " end_date, power_receive_income, power_manage_accounts, power_manage_capital,"
            " power_sell_property, power_let_property, power_make_gifts, gift_yearly_limit,"
            " supervision_type, recorded_by, reason, superseded_by, health_and_welfare_order)"
            " SELECT deputyship_id, version + 1, case_number, :o, :e, power_receive_income,"
            " power_manage_accounts, power_manage_capital, power_sell_property,"
            " power_let_property, power_make_gifts, gift_yearly_limit, supervision_type,"
            " 'prop', 'varied', NULL, health_and_welfare_order"
            " FROM deputyship_version WHERE deputyship_id = :d ORDER BY version DESC LIMIT 1"
        ),
        {"d": deputyship_id, "o": order, "e": end},
    )


async def _never_in_force_pair(
    session: AsyncSession, client_id: uuid.UUID, like: uuid.UUID
) -> uuid.UUID:
    """Two more orders of the client, each superseded by the other on its own date (each ends
    the day before it starts): never in force, an empty period each."""
    pair = [uuid.uuid4(), uuid.uuid4()]
    for d in pair:
        await session.execute(
            text("INSERT INTO deputyship (id, client_id) VALUES (:d, :c)"), {"d": d, "c": client_id}
        )
    for d, other in (pair, pair[::-1]):
        await session.execute(
            text(
                "INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,"
                " end_date, power_receive_income, power_manage_accounts, power_manage_capital,"
                " power_sell_property, power_let_property, power_make_gifts, gift_yearly_limit,"
                " supervision_type, recorded_by, reason, superseded_by, health_and_welfare_order)"
                " SELECT :d, 1, 'NIF', DATE '2019-05-05', DATE '2019-05-04', power_receive_income,"
                " power_manage_accounts, power_manage_capital, power_sell_property,"
                " power_let_property, power_make_gifts, gift_yearly_limit, supervision_type,"
                " 'prop', NULL, :o, health_and_welfare_order"
                " FROM deputyship_version WHERE deputyship_id = :like ORDER BY version LIMIT 1"
            ),
            {"d": d, "o": other, "like": like},
        )
    return pair[0]


async def test_random_histories_keep_stored_derived_and_python_rows_equal(
    api: Api, session: AsyncSession
) -> None:
    # issue 18 item 1, R-AUD-2: whatever rows arrive, in whatever order, through any path
    rng = random.Random(54)
    kinds = ["PREPARED", "APPROVED", "RETURNED", "SUBMITTED", "SUBMITTED", "CORRECTED"]
    starts = [date(2020, 2, 29), date(2024, 2, 29), date(2023, 3, 1), date(2022, 12, 31)]
    clients: dict[uuid.UUID, dict[str, Any]] = {}
    for n in range(5):
        c = await new_client(api)
        order = rng.choice([*starts, date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))])
        d = await new_deputyship(api, c["id"], orderDate=order.isoformat())
        cid = decode_uuid("Client", c["id"])
        clients[cid] = {"deputyship": decode_uuid("Deputyship", d["id"]), "reports": []}
        if n == 0:  # amended at once (the period moved: an UPDATE of order_in_force)
            await _amend(session, clients[cid]["deputyship"], order, None)
        await _agrees(session, cid)
    # A client whose only orders were never in force: a row of nulls (not on the list).
    lonely = decode_uuid("Client", (await new_client(api))["id"])
    like = next(iter(clients.values()))["deputyship"]
    only = await _never_in_force_pair(session, lonely, like)
    assert await _agrees(session, lonely) == NONE
    clients[lonely] = {"deputyship": only, "reports": []}

    seen = {"opened": 0, "next": 0, "none": 1}
    for _ in range(70):
        cid = rng.choice(list(clients))
        c = clients[cid]
        op = rng.choice(["report", "event", "event", "event", "amend", "never"])
        if op == "amend":
            order = rng.choice([*starts, date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))])
            end = rng.choice([None, order + timedelta(days=rng.randint(0, 900))])
            await _amend(session, c["deputyship"], order, end)
        elif op == "never":
            await _never_in_force_pair(session, cid, c["deputyship"])
        elif op == "report" or (op == "event" and not c["reports"]):
            used = {s for _, s in c["reports"]}
            start = rng.choice(
                [s for s in [*starts, date(2025, 3, 1), date(2026, 1, 7)] if s not in used]
                or [date(2030, 1, 1) + timedelta(days=len(used))]
            )
            c["reports"].append((await _report(session, cid, start), start))
        else:
            rid, _ = rng.choice(c["reports"])
            at = rng.choice([None, None, T0, T0 + timedelta(minutes=rng.randint(-60, 60))])
            await _event(session, rid, rng.choice(kinds), at)
        row = await _agrees(session, cid)
        seen["none" if row == NONE else "opened" if row[3] else "next"] += 1
    assert all(seen.values()), seen  # each kind of row was reached
    await _every_row_agrees(session)

    # A load with the triggers off (session_replication_role = replica, as bench/scale.py's)
    # rebuilds the rows set-based: the same rows the triggers kept.
    kept = await _rows(session)
    async with session.begin_nested():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(text("SELECT opg_report_next_rebuild()"))
        await session.execute(text("SET LOCAL session_replication_role = origin"))
    assert await _rows(session) == kept


async def _rows(session: AsyncSession) -> list[tuple[Any, ...]]:
    result = await session.execute(text("SELECT * FROM opg_report_next ORDER BY client_id"))
    return [tuple(r) for r in result]


async def test_the_rebuild_is_refused_while_the_triggers_keep_the_rows(
    session: AsyncSession,
) -> None:
    # R-AUD-2: only a load with the triggers off rebuilds
    with pytest.raises(DBAPIError, match="replica"):
        async with session.begin_nested():
            await session.execute(text("SELECT opg_report_next_rebuild()"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE opg_report_next SET due_on = due_on + 1",
        "DELETE FROM opg_report_next",
        "INSERT INTO opg_report_next (client_id) SELECT id FROM client",
        "TRUNCATE opg_report_next",
    ],
)
async def test_a_kept_row_is_written_only_by_the_database(
    api: Api, session: AsyncSession, statement: str
) -> None:
    # R-AUD-2: derived from the orders, reports and events, never set
    client = await new_client(api)
    await new_deputyship(api, client["id"], orderDate="2024-05-01")
    await new_client(api)  # a client without a row
    with pytest.raises(DBAPIError, match="R-AUD-2"):
        async with session.begin_nested():
            await session.execute(text(statement))


# --- two transactions touching one client ------------------------------------------------------


async def test_rows_committed_at_once_for_one_client_leave_its_next_report_current() -> None:
    # issue 18 item 1, R-AUD-2: the refresh locks the client's row, then reads the reports and
    # events afresh; a transaction that waited for another sees what that one committed
    with fresh_database("ca_api_opg_next_conc", with_demo=True) as url:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        setup, first, second = [await asyncpg.connect(dsn) for _ in range(3)]
        try:
            client, deputyship, start = await setup.fetchrow(
                "SELECT o.client_id, o.order_id, lower(o.during) FROM order_in_force o"
                " WHERE o.kind = 'deputyship' AND NOT isempty(o.during)"
                "   AND NOT EXISTS (SELECT 1 FROM opg_report r WHERE r.client_id = o.client_id)"
                " LIMIT 1"
            )
            end = rules.period_end(start)
            report = uuid.uuid4()
            await setup.execute(
                "INSERT INTO opg_report (id, client_id, deputyship_id, period_start, period_end,"
                " due_on, opened_by) VALUES ($1, $2, $3, $4, $5, $6, 't')",
                report,
                client,
                deputyship,
                start,
                end,
                rules.due_on(end),
            )
            await setup.execute(
                "INSERT INTO opg_report_version (report_id, version, generated_by, report_type,"
                " assets_at_end, content) VALUES ($1, 1, 't', '103-6', 0, '{}')",
                report,
            )
            kept = "SELECT report_id FROM opg_report_next WHERE client_id = $1"
            assert await setup.fetchval(kept, client) == report
            # One transaction opens the next period's report (as if the first were submitted),
            # the other submits the first meanwhile: the second waits for the first's lock on
            # the client's row; alone it would see the first report as the latest, submitted.
            nxt_start = rules.next_period_start(end)
            nxt_end = rules.period_end(nxt_start)
            later = uuid.uuid4()
            one, other = first.transaction(), second.transaction()
            await one.start()
            await other.start()
            await first.execute(
                "INSERT INTO opg_report (id, client_id, deputyship_id, period_start, period_end,"
                " due_on, opened_by) VALUES ($1, $2, $3, $4, $5, $6, 't')",
                later,
                client,
                deputyship,
                nxt_start,
                nxt_end,
                rules.due_on(nxt_end),
            )
            waiting = asyncio.create_task(
                second.execute(
                    "INSERT INTO opg_report_event (report_id, event, version, on_date,"
                    " submitted_on, opg_reference, recorded_by)"
                    " VALUES ($1, 'SUBMITTED', 1, $2, $2, 'OPG-C', 't')",
                    report,
                    nxt_start,
                )
            )
            await asyncio.sleep(0.3)
            assert not waiting.done()  # queued on the client's row
            await one.commit()
            await waiting
            await other.commit()
            assert await setup.fetchval(kept, client) == later
            differ = await setup.fetchval(
                "SELECT count(*) FROM opg_report_next x"
                " CROSS JOIN LATERAL opg_report_next_derived(ARRAY[x.client_id]) d"
                " WHERE (x.period_start, x.period_end, x.due_on, x.report_id)"
                "   IS DISTINCT FROM (d.period_start, d.period_end, d.due_on, d.report_id)"
            )
            assert differ == 0
        finally:
            for conn in (setup, first, second):
                await conn.close()

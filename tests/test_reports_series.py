"""The month-end series of the committee's reports (issue 16 item 7; R-REP-1, R-REP-2) give, at
every month end, exactly what the single-date report gives for that day: every figure, the change
since the month end before, and what the reporting role sees suppressed. The series are counted
together (``reports.caseload_repository.caseload_changes`` and
``money_held_repository.money_series``: the first month end whole, then only what changed), so this
pins them to the single-date reports over a history with a change of each dated kind in different
months: orders starting and ending, deaths (confirmed, and one only recorded), moves into and out of
residential care, the details recorded again, posted money in and out in several months (one before
the cut-over's opening balances), and the lodgement threshold coming into force (2014-04-01,
R-INV-2) with deputy clients crossing it. The history comes through the API (importCaseload,
recordDeath/confirmDeath, recordCircumstanceChange, amendClient); the posted transfers go into the
ledger as its batch insert puts them (the ledger's own triggers apply them).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from ca_api import clock
from ca_api.reports import caseload_repository, money_held_repository, rules
from tests.conftest import Api, RolledBackDatabase
from tests.factories import amend_client, confirmed_death, raw, record_change, record_death
from tests.test_reports_caseload import (
    COUNTERPARTY,
    OFFICER,
    REPORTING,
    Caseload,
    client_ids,
    run_import,
)

COUNT = "{ count suppressed }"
ROLE = (
    f"{{ role community {COUNT} residentialCare {COUNT} deceasedWindingUp {COUNT} total {COUNT} }}"
)
CASELOAD_FIELDS = f"""asAt deputy {ROLE} appointee {ROLE} total {COUNT} deceasedWindingUp {COUNT}
  comparedWith totalThen {COUNT} change changePercent suppressedBelow"""
MONEY_FIELDS = f"""asAt total clients {COUNT}
  deputy {{ role clients {COUNT} held average }} appointee {{ role clients {COUNT} held average }}
  lodgementThreshold lodgementThresholdFrom deputyClientsOverThreshold {COUNT} suppressedBelow"""
CASELOAD = f"""query($asAt: Date!, $comparedWith: Date) {{
  caseload(asAt: $asAt, comparedWith: $comparedWith) {{ {CASELOAD_FIELDS} }} }}"""
MONEY = f"""query($asAt: Date!) {{ moneyHeld(asAt: $asAt) {{ {MONEY_FIELDS} }} }}"""
SERIES = f"""query($from: Date!, $to: Date!) {{
  caseloadSeries(from: $from, to: $to) {{ {CASELOAD_FIELDS} }}
  moneyHeldSeries(from: $from, to: $to) {{ {MONEY_FIELDS} }} }}"""


def history() -> Caseload:
    """Small groups (so some cells are under the suppression threshold some months), each
    with its orders' own dates."""
    c = Caseload("RS")
    c.add("dep", 9, "COMMUNITY", deputy="2012-05-01", balance="1000.00")
    c.add("dep_rich", 3, "RESIDENTIAL_CARE", deputy="2012-05-01", balance="24500.00")
    c.add("dep_new", 4, "COMMUNITY", deputy="2014-03-15", balance="300.00")
    c.add("dep_later", 2, "RESIDENTIAL_CARE", deputy="2014-09-10")
    c.add("both", 3, "COMMUNITY", deputy="2014-02-01", appointee="2011-01-01", balance="50.00")
    c.add("app", 7, "RESIDENTIAL_CARE", appointee="2011-01-01", balance="200.00")
    c.add("app_end", 3, "COMMUNITY", appointee="2011-01-01", appointee_end="2014-07-20")
    c.add("app_new", 2, "COMMUNITY", appointee="2014-11-01", balance="10.00")
    c.add("dead", 2, "DECEASED_WINDING_UP", appointee="2011-01-01")
    c.add("closed", 1, "COMMUNITY", deputy="2012-05-01", status="CLOSED", balance="75.00")
    return c


async def post(
    db: RolledBackDatabase, account_of: dict[str, Any], moves: list[tuple[str, str, int]]
) -> None:
    """(client reference, value date, pence: in if positive, out if negative) as posted
    transfers between the client's CMS account and the cut-over counterparty."""
    session = db.session()
    cp = (
        await session.execute(
            text(
                "SELECT a.id FROM ledger_account a JOIN counterparty c ON c.id = a.counterparty_id"
                " WHERE c.name = :n"
            ),
            {"n": COUNTERPARTY},
        )
    ).scalar_one()
    for ref, day, pence in moves:
        cms, client = account_of[ref]
        src, dst = (cp, cms) if pence > 0 else (cms, cp)
        await session.execute(
            text(
                "INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount,"
                " value_date, category, description, client_id, recorded_by) VALUES (:id, 'POSTED',"
                " :f, :t, :a, :d, 'OTHER_INCOME', 'series test', :c, 'test')"
            ),
            {
                "id": uuid.uuid4(),
                "f": src,
                "t": dst,
                "a": abs(pence),
                "d": date.fromisoformat(day),
                "c": client,
            },
        )
    await session.commit()
    await session.close()


async def accounts(db: RolledBackDatabase, ids: dict[str, str]) -> dict[str, Any]:
    """Each client's CMS account and the client, by reference."""
    session = db.session()
    rows = (
        await session.execute(
            text("SELECT client_id, id FROM ledger_account WHERE kind = 'CLIENT_CMS'")
        )
    ).all()
    await session.close()
    by_client = {str(r.client_id): (r.id, r.client_id) for r in rows}
    return {ref: by_client[raw(i)] for ref, i in ids.items() if raw(i) in by_client}


async def same_as_single_dates(api: Api, start: str, end: str, who: dict[str, str]) -> None:
    data = await api.data(SERIES, {"from": start, "to": end}, **who)
    ends = rules.month_ends(date.fromisoformat(start), date.fromisoformat(end))
    assert [s["asAt"] for s in data["caseloadSeries"]] == [d.isoformat() for d in ends]
    assert [s["asAt"] for s in data["moneyHeldSeries"]] == [d.isoformat() for d in ends]
    before = date.fromisoformat(start).replace(day=1) - timedelta(days=1)
    for day, caseload, money in zip(
        ends, data["caseloadSeries"], data["moneyHeldSeries"], strict=True
    ):
        single = await api.data(
            CASELOAD, {"asAt": day.isoformat(), "comparedWith": before.isoformat()}, **who
        )
        assert caseload == single["caseload"], day
        held = await api.data(MONEY, {"asAt": day.isoformat()}, **who)
        assert money == held["moneyHeld"], day
        before = day


async def test_each_month_of_a_series_is_the_single_date_report(
    api: Api, db: RolledBackDatabase
) -> None:
    c = history()
    await run_import(api, c)
    ids = await client_ids(api, "RS")
    g = c.groups
    # Deaths in two months (confirmed), and one recorded but never confirmed (not counted).
    await confirmed_death(api, ids[g["dep"][0]], "2014-06-03")
    await confirmed_death(api, ids[g["app"][0]], "2014-06-20")
    await confirmed_death(api, ids[g["dep_rich"][2]], "2015-01-31")
    assert (await record_death(api, ids[g["app"][1]], "2014-08-08"))["__typename"] == (
        "DeathPayload"
    )
    # Moves: into care in May, one home again in December.
    for ref in g["dep"][1:4]:
        moved = await record_change(
            api, ids[ref], "ADMITTED_TO_RESIDENTIAL_CARE", occurredOn="2014-05-12"
        )
        assert moved["__typename"] == "CircumstanceChangePayload", moved
    back = await record_change(
        api, ids[g["dep"][1]], "LEFT_RESIDENTIAL_CARE", occurredOn="2014-12-01"
    )
    assert back["__typename"] == "CircumstanceChangePayload", back
    # The details recorded again today: a new situation, and a name only.
    done = await amend_client(
        api, ids[g["app"][2]], {"situation": "COMMUNITY"}, reason="moved home"
    )
    assert done["__typename"] == "ClientPayload", done
    done = await amend_client(api, ids[g["dep"][5]], {"givenName": "Tess"}, reason="known as Tess")
    assert done["__typename"] == "ClientPayload", done
    # Posted money in several months, one before the cut-over's opening balances; two of the
    # rich deputies cross the lodgement threshold (25,000.00 from 2014-04-01) and one goes back.
    account_of = await accounts(db, ids)
    rich = g["dep_rich"]
    await post(
        db,
        account_of,
        [
            (g["dep"][0], "2014-02-10", 12_000),
            (rich[0], "2014-06-15", 60_000),
            (rich[1], "2014-11-03", 50_000),
            (rich[0], "2015-02-28", -20_000),
            (g["app"][3], "2014-06-30", -5_000),
            (g["both"][0], "2014-07-01", 99_999),
            (g["closed"][0], "2014-08-01", 1_000),
            (g["dep_new"][0], "2015-05-31", 1),
        ],
    )

    # The caseload import's versions were recorded today: a year to this month sees them.
    today = clock.today()
    for who in (OFFICER, REPORTING):
        await same_as_single_dates(api, "2014-01-01", "2015-06-30", who)
    await same_as_single_dates(
        api, (today - timedelta(days=330)).isoformat(), today.isoformat(), OFFICER
    )

    # Some figures differ month to month, and the reporting role saw some suppressed (else
    # this test pinned little).
    data = await api.data(SERIES, {"from": "2014-01-01", "to": "2015-06-30"}, **REPORTING)
    totals = {s["total"]["count"] for s in data["caseloadSeries"]}
    assert len(totals) > 3
    assert any(s["deputy"]["deceasedWindingUp"]["suppressed"] for s in data["caseloadSeries"])
    over = [s["deputyClientsOverThreshold"] for s in data["moneyHeldSeries"]]
    assert over[0] is None and over[-1] is not None  # no threshold before 2014-04-01
    officer = await api.data(SERIES, {"from": "2014-01-01", "to": "2015-06-30"}, **OFFICER)
    counts = [s["deputyClientsOverThreshold"] for s in officer["moneyHeldSeries"]]
    # 24,500.00 each at the cut-over; +600.00 in June 2014, +500.00 (at it) in November 2014,
    # -200.00 in February 2015; the rich deputy who died in January 2015 still counts.
    assert [x["count"] if x else None for x in counts] == (
        [None, None, None, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1]
    )


async def test_the_ledgers_month_rows_are_its_transfers_summed(
    api: Api, db: RolledBackDatabase
) -> None:
    """ledger_account_month (migration 0043) holds, per client account and month, the posted
    money value-dated in it, as the trigger keeps it on every insert (one transfer or a batch):
    the same as summing the transfers; holds (PENDING) and counterparty accounts not at all."""
    c = Caseload("RM")
    c.add("dep", 3, "COMMUNITY", deputy="2013-01-01", balance="100.00")
    await run_import(api, c)
    ids = await client_ids(api, "RM")
    account_of = await accounts(db, ids)
    refs = c.groups["dep"]
    await post(db, account_of, [(refs[0], "2014-05-31", 5), (refs[0], "2014-05-01", -7)])
    await post(db, account_of, [(refs[1], "2014-06-01", 11), (refs[2], "2013-12-31", 13)])
    session = db.session()
    month_rows = (
        await session.execute(
            text(
                "SELECT m.month_end, m.account_id, m.moved FROM ledger_account_month m"
                " JOIN ledger_account a ON a.id = m.account_id WHERE a.kind <> 'COUNTERPARTY'"
            )
        )
    ).all()
    summed = (
        await session.execute(
            text(
                """
        SELECT (date_trunc('month', t.value_date) + INTERVAL '1 month - 1 day')::date AS month_end,
               a.id AS account_id,
               sum(CASE WHEN a.id = t.to_account_id THEN t.amount ELSE -t.amount END) AS moved
        FROM transfer t JOIN ledger_account a ON a.id IN (t.from_account_id, t.to_account_id)
        WHERE t.kind IN ('POSTED', 'POST_PENDING') AND a.kind <> 'COUNTERPARTY'
        GROUP BY 1, 2"""
            )
        )
    ).all()
    cp_rows = (
        await session.execute(
            text(
                "SELECT count(*) FROM ledger_account_month m JOIN ledger_account a"
                " ON a.id = m.account_id WHERE a.kind = 'COUNTERPARTY'"
            )
        )
    ).scalar_one()
    await session.close()
    assert sorted(map(tuple, month_rows)) == sorted(map(tuple, summed))
    assert cp_rows == 0
    mine = {(r.month_end, r.account_id): r.moved for r in month_rows}
    assert mine[(date(2014, 5, 31), account_of[refs[0]][0])] == -2
    assert mine[(date(2013, 12, 31), account_of[refs[2]][0])] == 13


def test_a_series_is_of_consecutive_month_ends() -> None:
    assert rules.month_ends(date(2014, 1, 31), date(2014, 3, 1))[-1] == date(2014, 3, 31)
    for bad in ([date(2014, 1, 31), date(2014, 3, 31)], [date(2014, 1, 30), date(2014, 2, 28)]):
        try:
            caseload_repository.check_month_ends(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


async def test_both_sides_of_the_ledger_give_a_series_the_same_money(
    api: Api, db: RolledBackDatabase
) -> None:
    """``money_series`` reads the balances on its first day either from the month rows up to it
    or from the balance now less the money moved after it (a window over the points, with the
    months after the series' last day past its last step): the two agree, over a history with
    money moved before, inside and after the series and a threshold crossed and left."""
    c = history()
    await run_import(api, c)
    ids = await client_ids(api, "RS")
    g = c.groups
    rich = g["dep_rich"]
    await post(
        db,
        await accounts(db, ids),
        [
            (g["dep"][0], "2014-02-10", 12_000),
            (rich[0], "2014-06-15", 60_000),
            (rich[1], "2014-11-03", 50_000),
            (rich[0], "2015-02-28", -20_000),
            (g["app"][3], "2014-06-30", -5_000),
            (rich[1], "2015-09-01", -70_000),
            (g["both"][0], "2016-01-05", 99_999),
        ],
    )
    days = rules.month_ends(date(2014, 1, 1), date(2015, 6, 30))
    thresholds = [None, None, None] + [2_500_000] * 12 + [2_400_000] * 3
    figures = {}
    for up_to in (True, False):
        session = db.session()
        async with session.begin():
            rows = await money_held_repository.money_series(session, days, thresholds, up_to=up_to)
        await session.close()
        figures[up_to] = sorted(tuple(r) for r in rows)
    assert figures[True] == figures[False]
    assert any(r[4] for r in figures[True])  # some deputy over the threshold

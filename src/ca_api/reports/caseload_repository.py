"""Every SQL statement of the caseload report (issue 16, R-REP-1): aggregates only, no personal
data leaves here. The classification it counts by is also the money held report's
(``money_held_repository``: the clients the caseload counts).

The caseload on a day D (R-REP-1, seed 002 Appendix 1) reads the records with their dates, not
today's state, so any past day can be reported again:

- acting for the client: an order in force on D (``order_in_force``, each order's period from
  its versions, migration 0010); a deputyship makes a deputy client (a client holding both
  orders counts once, as a deputy client), else an appointeeship an appointee client;
- the client's details as they stood on D: the latest version recorded on or before D (London
  date), or, when none was recorded by then (a caseload brought in later with older orders), the
  first version; a client whose details then say CLOSED is not counted;
- deceased being wound up: a confirmed death (not withdrawn) on or before D, or details saying
  DECEASED_WINDING_UP (a caseload import brings such clients with no death recorded);
- else residential care or the community: the latest move into or out of residential care
  (a change of circumstances, ``circumstance_change``, not corrected by a later one) on or before
  D, unless the details in force recorded a change to their situation later (the day the
  situation they hold was recorded in place of another: an amendment of the name after a move
  does not undo the move, and the situation a client was first recorded with, by an import say,
  gives way to any dated move); else the details' situation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.reports import rules


def classification_ctes(roles: str) -> str:
    """The classification as CTEs ending in ``classified``: one row per row of ``roles`` (a query
    giving i, sign, client_id, on_, until and deputy: a client the council acts for on ``on_``,
    whether a deputyship is among their orders in force then, and a probe i/sign the caller
    counts by), with the client's situation on ``on_``. ``until`` is the first moment of the day
    after ``on_`` in London (a version recorded before it was recorded on or before ``on_``).
    Each row is known by one key, k, so every join is on one column (joined on i, sign and
    client_id PostgreSQL took each to match one row and chose nested loops that ran for
    minutes). One text for a single date and for the month ends of a series, so a series'
    figures are the single date's by construction. Set-wise, with hash joins: no sort or window
    over every client."""
    return _CLASSIFIED_TEMPLATE.replace("__ROLES__", roles)


_CLASSIFIED_TEMPLATE = """
roles AS (
  SELECT row_number() OVER () AS k, q.* FROM (__ROLES__) q
),
details AS (
  -- The latest version recorded by then, else (none recorded by then) the first.
  SELECT DISTINCT ON (r.k) r.k, v.client_id, v.version, v.situation, v.status,
         v.recorded_at < r.until AS in_force
  FROM client_version v
  JOIN roles r ON r.client_id = v.client_id
  ORDER BY r.k, v.recorded_at < r.until DESC,
           CASE WHEN v.recorded_at < r.until THEN -v.version ELSE v.version END
),
moves AS (
  SELECT DISTINCT ON (r.k) r.k, c.kind, c.occurred_on
  FROM circumstance_change c
  JOIN roles r ON r.client_id = c.client_id
  WHERE c.kind IN ('ADMITTED_TO_RESIDENTIAL_CARE', 'LEFT_RESIDENTIAL_CARE')
    AND c.occurred_on <= r.on_
    AND NOT EXISTS (SELECT 1 FROM circumstance_change s WHERE s.supersedes_id = c.id)
  ORDER BY r.k, c.occurred_on DESC, c.recorded_at DESC
),
dead AS (
  SELECT DISTINCT r.k
  FROM death x
  JOIN roles r ON r.client_id = x.client_id
  WHERE x.died_on <= r.on_
    AND EXISTS (SELECT 1 FROM death_event e WHERE e.death_id = x.id AND e.event = 'CONFIRMED')
    AND NOT EXISTS (SELECT 1 FROM death_event e WHERE e.death_id = x.id AND e.event = 'WITHDRAWN')
),
classified AS (
  SELECT r.i, r.sign, r.client_id, r.deputy,
    CASE
      WHEN d.situation = 'DECEASED_WINDING_UP' OR x.k IS NOT NULL
        THEN 'DECEASED_WINDING_UP'
      -- The move stands unless the details in force recorded a change of situation after
      -- it: the day of the first version holding the situation since it last differed (none
      -- when it never differed: the situation first recorded gives way to any dated move).
      WHEN mv.kind IS NOT NULL AND (NOT d.in_force OR mv.occurred_on >= coalesce((
          SELECT (w.recorded_at AT TIME ZONE 'Europe/London')::date
          FROM client_version w
          WHERE w.client_id = d.client_id AND w.version = 1 + (
            SELECT max(z.version) FROM client_version z
            WHERE z.client_id = d.client_id AND z.version < d.version
              AND z.situation <> d.situation)
        ), CAST('-infinity' AS date)))
        THEN CASE mv.kind WHEN 'ADMITTED_TO_RESIDENTIAL_CARE' THEN 'RESIDENTIAL_CARE'
                          ELSE 'COMMUNITY' END
      ELSE d.situation
    END AS situation
  FROM roles r
  JOIN details d ON d.k = r.k
  LEFT JOIN moves mv ON mv.k = r.k
  LEFT JOIN dead x ON x.k = r.k
  WHERE d.status <> 'CLOSED'
)
"""


# Every client the council acts for on :on (:until the first moment of the next day in London).
_ON_THE_DATE = """
  SELECT 0 AS i, 1 AS sign, o.client_id, CAST(:on AS date) AS on_,
         CAST(:until AS timestamptz) AS until, bool_or(o.kind = 'deputyship') AS deputy
  FROM order_in_force o
  WHERE o.during @> CAST(:on AS date)
  GROUP BY o.client_id
"""
CLASSIFIED = classification_ctes(_ON_THE_DATE)

# The month ends of a series as steps: i (0 the first day given), on_/until, and the day before
# (before/before_until; none for step 0).
STEPS = """
steps AS (
  SELECT s.i - 1 AS i, s.on_, s.until,
         lag(s.on_) OVER (ORDER BY s.i) AS before,
         lag(s.until) OVER (ORDER BY s.i) AS before_until
  FROM unnest(CAST(:days AS date[]), CAST(:untils AS timestamptz[]))
       WITH ORDINALITY AS s(on_, until, i)
)"""

# The clients whose classification may differ between the day before step i and step i's day:
# everything ``classification_ctes`` reads by date, dated inside the step. An order in force on
# one day and not the other (its first day or the day after its last inside the step), a
# version of the details recorded inside it (London date), a move into or out of residential care
# or a death dated inside it. Any other client is classified alike on both days (the rest of what it
# reads, a death confirmed or withdrawn, a move corrected, is not dated: the same on every day).
# The days are consecutive month ends, so a date's step is the one of its month end: each list
# is read once for the whole series (:first to :last) and joined to its step on that key.
CHANGED = """
dated AS (
  SELECT o.client_id, lower(o.during) AS day FROM order_in_force o
  WHERE lower(o.during) > CAST(:first AS date) AND lower(o.during) <= CAST(:last AS date)
  UNION ALL
  SELECT o.client_id, upper(o.during) FROM order_in_force o
  WHERE upper(o.during) > CAST(:first AS date) AND upper(o.during) <= CAST(:last AS date)
  UNION ALL
  SELECT v.client_id, (v.recorded_at AT TIME ZONE 'Europe/London')::date FROM client_version v
  WHERE v.recorded_at >= CAST(:first_until AS timestamptz)
    AND v.recorded_at < CAST(:last_until AS timestamptz)
  UNION ALL
  SELECT c.client_id, c.occurred_on FROM circumstance_change c
  WHERE c.kind IN ('ADMITTED_TO_RESIDENTIAL_CARE', 'LEFT_RESIDENTIAL_CARE')
    AND c.occurred_on > CAST(:first AS date) AND c.occurred_on <= CAST(:last AS date)
  UNION ALL
  SELECT x.client_id, x.died_on FROM death x
  WHERE x.died_on > CAST(:first AS date) AND x.died_on <= CAST(:last AS date)
),
changed AS (
  SELECT DISTINCT s.i, d.client_id
  FROM dated d
  JOIN steps s
    ON s.on_ = CAST(date_trunc('month', d.day) + INTERVAL '1 month - 1 day' AS date)
),
probes AS (
  SELECT c.i, -1 AS sign, c.client_id, s.before AS on_, s.before_until AS until
  FROM changed c JOIN steps s ON s.i = c.i
  UNION ALL
  SELECT c.i, 1, c.client_id, s.on_, s.until
  FROM changed c JOIN steps s ON s.i = c.i
)"""

# Each changed client classified on both days of its step: -1 the day before, +1 the day.
_PROBED = """
  SELECT p.i, p.sign, p.client_id, p.on_, p.until, bool_or(o.kind = 'deputyship') AS deputy
  FROM probes p
  JOIN order_in_force o ON o.client_id = p.client_id AND o.during @> p.on_
  GROUP BY p.i, p.sign, p.client_id, p.on_, p.until
"""

_CASELOAD_CHANGES = (
    "WITH "
    + STEPS
    + ","
    + CHANGED
    + ","
    + classification_ctes(_PROBED)
    + """
SELECT i, sign, deputy, situation, count(*) AS clients
FROM classified
GROUP BY i, sign, deputy, situation
"""
)

_COUNT = """
SELECT deputy, situation, count(*) AS clients
FROM classified
GROUP BY deputy, situation
"""

_CASELOAD = "WITH " + CLASSIFIED + _COUNT


def date_bound(on: date) -> dict[str, Any]:
    """The date, and the first moment of the next day in London."""
    until = datetime.combine(on + timedelta(days=1), time(0), tzinfo=clock.LONDON)
    return {"on": on, "until": until}


async def planned_for_the_date(session: AsyncSession) -> None:
    """For this transaction only: a plan made for the date given each time, and no JIT.

    The driver prepares each statement; after five runs PostgreSQL may switch a prepared
    statement to one generic plan for any date, and for these it chose one that ran for minutes
    (the sixth caseload at 50,000 clients). And it compiles a query it costs over
    ``jit_above_cost`` to machine code first: for these (costed high for their lookups per
    moved client) that took longer than the query (700 ms of a second at 50,000 clients)."""
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    await session.execute(text("SET LOCAL jit = off"))


@asynccontextmanager
async def series_settings(session: AsyncSession) -> AsyncIterator[None]:
    """For the statements inside only: hash joins where a join has a key, and room to hash and
    sort in memory. PostgreSQL cannot tell how many clients a series' steps list (CTEs over
    arrays and date ranges): it guessed one or two and joined them by nested loops, scanning
    the list once per client (two minutes at 50,000 clients, 0.3 s with hash joins); and,
    guessing 1,500 class segments for 50,000, it merge-joined the money series' 450,000 month
    rows to them, sorting the month rows by client first (the sort the hash join avoids; no
    change to the caseload's changes, which hash-join either way). And at the default 4 MB it
    spilled the classification's hash and the points' sort to disk (the deadline measures'
    setting, ``deadline_measures.repository``); at 32 MB the points' sort of a year's series at
    50,000 clients (530,000 points) still went to disk."""
    await session.execute(text("SET LOCAL enable_nestloop = off"))
    await session.execute(text("SET LOCAL enable_mergejoin = off"))
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    try:
        yield
    finally:
        await session.execute(text("SET LOCAL enable_nestloop TO DEFAULT"))
        await session.execute(text("SET LOCAL enable_mergejoin TO DEFAULT"))
        await session.execute(text("SET LOCAL work_mem TO DEFAULT"))


async def caseload_counts(session: AsyncSession, on: date) -> Sequence[Any]:
    """(deputy, situation, clients) for the clients the council acts for on ``on``."""
    await planned_for_the_date(session)
    return (await session.execute(text(_CASELOAD), date_bound(on))).all()


def check_month_ends(days: Sequence[date]) -> None:
    if list(days) != rules.month_ends(days[0], days[-1]) or days[0] != rules.month_end(days[0]):
        raise ValueError("the days of a series are consecutive month ends")


def days_bound(days: Sequence[date]) -> dict[str, Any]:
    """The days of a series (ascending) as arrays, with the ends of the whole range."""
    untils = [date_bound(d)["until"] for d in days]
    return {
        "days": list(days),
        "untils": untils,
        "first": days[0],
        "last": days[-1],
        "first_until": untils[0],
        "last_until": untils[-1],
    }


async def caseload_changes(session: AsyncSession, days: Sequence[date]) -> Sequence[Any]:
    """(i, sign, deputy, situation, clients) for each step i >= 1 of ``days`` (consecutive month
    ends, ascending; ``rules.month_ends``): the
    clients whose classification may change between ``days[i - 1]`` and ``days[i]``, counted as
    ``caseload_counts`` counts them on each day (sign -1 on ``days[i - 1]``, +1 on ``days[i]``).
    The caseload on ``days[i]`` is the caseload on ``days[i - 1]`` less the first and plus the
    second: the clients not listed are counted alike on both days (``CHANGED``)."""
    if len(days) < 2:
        return []
    check_month_ends(days)
    await planned_for_the_date(session)
    async with series_settings(session):
        return (await session.execute(text(_CASELOAD_CHANGES), days_bound(days))).all()

"""Every SQL statement of the reports (issue 16): aggregates only, no personal data leaves here.

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


def _classified(roles: str) -> str:
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
_CLASSIFIED = _classified(_ON_THE_DATE)

# The month ends of a series as steps: i (0 the first day given), on_/until, and the day before
# (before/before_until; none for step 0).
_STEPS = """
steps AS (
  SELECT s.i - 1 AS i, s.on_, s.until,
         lag(s.on_) OVER (ORDER BY s.i) AS before,
         lag(s.until) OVER (ORDER BY s.i) AS before_until
  FROM unnest(CAST(:days AS date[]), CAST(:untils AS timestamptz[]))
       WITH ORDINALITY AS s(on_, until, i)
)"""

# The clients whose classification may differ between the day before step i and step i's day:
# everything ``_classified`` reads by date, dated inside the step. An order in force on one day
# and not the other (its first day or the day after its last inside the step), a version of the
# details recorded inside it (London date), a move into or out of residential care or a death
# dated inside it. Any other client is classified alike on both days (the rest of what it
# reads, a death confirmed or withdrawn, a move corrected, is not dated: the same on every day).
# The days are consecutive month ends, so a date's step is the one of its month end: each list
# is read once for the whole series (:first to :last) and joined to its step on that key.
_CHANGED = """
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
    + _STEPS
    + ","
    + _CHANGED
    + ","
    + _classified(_PROBED)
    + """
SELECT i, sign, deputy, situation, count(*) AS clients
FROM classified
GROUP BY i, sign, deputy, situation
"""
)

# The money held at each of a series' month ends (steps i = 0.. of :days), by role. Every
# client the caseload counts on the first day (classified whole), and each client whose
# classification may change (``_CHANGED``) classified again on the day of that step: a class
# point (i, client, class: 2 deputy, 1 appointee, 0 not counted). Per client, in step order, a
# class holds from the point where it changes to the next change: a class segment (a client,
# deputy or not, steps i to next_i), counted +1 from its first step and -1 from its end.
#
# The money held is a sum, so it is not followed client by client. Each amount of a client's
# posted money (``__MONEY__``: the balance on one day, the cheaper side as ``money_by_role``,
# and each other month's movement from the ledger's month rows, ``ledger_account_month``,
# migration 0043) counts towards the money held over a stretch of each of the client's class
# segments: the month rows hash-joined to the segments (50,000 at 50,000 clients) and summed by
# segment stretch and month (a few thousand groups), then by step. No sort of the month rows:
# followed client by client (each client's month rows sorted and windowed into a segment per
# month: 530,000 points at 12 month ends and 50,000 clients) that took two of the series'
# three seconds.
#
# Only the deputy clients at or over the lodgement threshold (:thresholds, one per day) need a
# client's balance at each step. No client's balance at a step of the series exceeds a bound
# from one read of its month rows (``bounds``: the balance on the one day plus every movement
# towards it between), so only the clients whose bound reaches the lowest threshold of the
# series (10 of 50,000; every client if a threshold is nil or less) have their points windowed
# into segments of one class and balance (``__CANDIDATE_SEGMENTS__``), their month rows read
# by ``ix_ledger_account_month_client`` (migration 0057): a segment of a deputy's at or over
# the threshold in force in a run of steps with one threshold counts +1 from its first step
# and -1 from its end.
#
# ``money_series`` adds the steps up. A step and role where no figure changes gives no row, so
# both sides give the same rows.
# The clients counted on the first day, and each changed client on the day of its step.
_MONEY_ROLES = """
  SELECT 0 AS i, 1 AS sign, o.client_id, CAST(:first AS date) AS on_,
         CAST(:first_until AS timestamptz) AS until, bool_or(o.kind = 'deputyship') AS deputy
  FROM order_in_force o
  WHERE o.during @> CAST(:first AS date)
  GROUP BY o.client_id
  UNION ALL
  SELECT p.i, p.sign, p.client_id, p.on_, p.until, bool_or(o.kind = 'deputyship')
  FROM probes p
  JOIN order_in_force o ON o.client_id = p.client_id AND o.during @> p.on_
  WHERE p.sign = 1
  GROUP BY p.i, p.sign, p.client_id, p.on_, p.until
"""
_MONEY_SERIES_TAIL = """,
class_points AS (
  SELECT c.i, c.client_id, CASE WHEN c.deputy THEN 2 ELSE 1 END AS cls FROM classified c
  UNION ALL
  SELECT ch.i, ch.client_id, 0 FROM changed ch
),
class_changes AS (
  -- A changed client has two points at its step (0, and its class if counted): the class.
  SELECT client_id, i, cls
  FROM (SELECT client_id, i, cls, lag(cls) OVER (PARTITION BY client_id ORDER BY i) AS before
        FROM (SELECT client_id, i, max(cls) AS cls FROM class_points
              GROUP BY client_id, i) p) c
  WHERE before IS DISTINCT FROM cls
),
class_segments AS (
  SELECT client_id, i, next_i, cls = 2 AS deputy
  FROM (SELECT client_id, i, cls,
               lead(i, 1, CAST(:steps AS int)) OVER (PARTITION BY client_id ORDER BY i) AS next_i
        FROM class_changes) s
  WHERE cls > 0
),
thresholds AS (
  SELECT t.i - 1 AS i, t.threshold,
         t.threshold IS DISTINCT FROM lag(t.threshold) OVER (ORDER BY t.i) AS changes
  FROM unnest(CAST(:thresholds AS bigint[])) WITH ORDINALITY AS t(threshold, i)
),
__MONEY__,
candidates AS (
  SELECT client_id FROM bounds
  WHERE most >= (SELECT min(threshold) FROM thresholds)
  UNION
  SELECT client_id FROM class_segments
  WHERE deputy AND 0 >= (SELECT min(threshold) FROM thresholds)
),
points AS (
  SELECT i, client_id, cls, CAST(0 AS bigint) AS moved FROM class_points
  WHERE client_id IN (SELECT client_id FROM candidates)
  UNION ALL
  __CANDIDATE_MONEY__
),
__CANDIDATE_SEGMENTS__,
counted AS (
  SELECT g.i, g.next_i, g.cls = 2 AS deputy, g.balance
  FROM segments g
  WHERE g.cls > 0 AND g.next_i > g.i
),
runs AS (
  SELECT min(i) AS first_i, max(i) + 1 AS end_i, threshold
  FROM (SELECT i, threshold, count(*) FILTER (WHERE changes) OVER (ORDER BY i) AS run
        FROM thresholds) t
  WHERE threshold IS NOT NULL
  GROUP BY run, threshold
),
over AS (
  SELECT greatest(c.i, r.first_i) AS from_i, least(c.next_i, r.end_i) AS to_i
  FROM counted c
  JOIN runs r ON r.first_i < c.next_i AND r.end_i > c.i
  WHERE c.deputy AND c.balance >= r.threshold
)
SELECT i, deputy, sum(clients) AS clients, sum(held) AS held, sum(over) AS over_threshold
FROM (
  SELECT i, deputy, 1 AS clients, CAST(0 AS numeric) AS held, 0 AS over FROM class_segments
  UNION ALL
  SELECT next_i, deputy, -1, 0, 0 FROM class_segments WHERE next_i < CAST(:steps AS int)
  UNION ALL
  SELECT from_i, deputy, 0, held, 0 FROM held
  UNION ALL
  SELECT to_i, deputy, 0, -held, 0 FROM held WHERE to_i < CAST(:steps AS int)
  UNION ALL
  SELECT from_i, true, 0, 0, 1 FROM over
  UNION ALL
  SELECT to_i, true, 0, 0, -1 FROM over WHERE to_i < CAST(:steps AS int)
) d
GROUP BY i, deputy
HAVING sum(clients) <> 0 OR sum(held) <> 0 OR sum(over) <> 0
"""
_MONEY_SERIES_TEMPLATE = (
    "WITH " + _STEPS + "," + _CHANGED + "," + _classified(_MONEY_ROLES) + _MONEY_SERIES_TAIL
)
# One side: each client's balance on the first day from the month rows up to it (the other
# side, ``_SERIES_NOW_LESS_LATER``, from the balance now), an amount of step 0 (month_end
# :first), and each month's movement inside the series an amount of its step: each counts
# towards the money held from its step (or the segment's first, if later) to the segment's
# end. A client's balance at a step is at most the balance on the first day plus every rise
# inside the series (read with the balance: one grouping of the month rows). Pence as bigint
# (numeric sums are slower). ``_CANDIDATE_MONEY_UP_TO_FIRST``: the same amounts by step, for
# the candidates (their month rows by the index).
_SERIES_UP_TO_FIRST = """
base AS (
  SELECT m.client_id,
         coalesce(sum(m.moved) FILTER (WHERE m.month_end <= CAST(:first AS date)), 0) AS balance,
         coalesce(sum(m.moved) FILTER (WHERE m.month_end > CAST(:first AS date)
                                         AND m.moved > 0), 0) AS rose
  FROM ledger_account_month m
  WHERE m.month_end <= CAST(:last AS date)
  GROUP BY m.client_id
),
by_month AS (
  SELECT g.i, g.next_i, g.deputy, a.month_end, sum(a.amount) AS amount
  FROM class_segments g
  JOIN (SELECT client_id, month_end, moved AS amount FROM ledger_account_month
        WHERE month_end > CAST(:first AS date) AND month_end <= CAST(:last AS date)
        UNION ALL
        SELECT client_id, CAST(:first AS date), CAST(balance AS bigint) FROM base) a
    ON a.client_id = g.client_id
  GROUP BY 1, 2, 3, 4
),
held AS (
  SELECT greatest(b.i, s.i) AS from_i, b.next_i AS to_i, b.deputy, sum(b.amount) AS held
  FROM by_month b
  JOIN steps s ON s.on_ = b.month_end
  WHERE s.i < b.next_i
  GROUP BY 1, 2, 3
),
bounds AS (
  SELECT client_id, balance + rose AS most FROM base
)"""
_CANDIDATE_MONEY_UP_TO_FIRST = """
  SELECT s.i, m.client_id, NULL, m.moved
  FROM ledger_account_month m
  JOIN steps s ON s.on_ = m.month_end
  WHERE m.client_id = ANY (ARRAY(SELECT client_id FROM candidates))
    AND m.month_end > CAST(:first AS date) AND m.month_end <= CAST(:last AS date)
  UNION ALL
  SELECT 0, client_id, NULL, CAST(balance AS bigint) FROM base
  WHERE client_id IN (SELECT client_id FROM candidates)
"""
_SEGMENTS_UP_TO_FIRST = """
segments AS (
  SELECT p.i,
         (max(p.i * 4 + p.cls) OVER w) % 4 AS cls,
         sum(p.moved) OVER w AS balance,
         coalesce(lead(p.i) OVER w, CAST(:steps AS int)) AS next_i
  FROM points p
  WINDOW w AS (PARTITION BY p.client_id ORDER BY p.i)
)"""
# The other side: the posted balance now, an amount past every step (month_end infinity), and
# each month's movement after the first day, negated, an amount of its step (a month after
# the last day past every step): the balance at a step is the balance now less the money moved
# at later steps, so each counts towards the money held from the segment's first step to its
# own step (or the segment's end, if sooner). A client's balance at a step is at most the
# balance now plus every fall after the first day. ``_CANDIDATE_MONEY_NOW_LESS_LATER``: the
# movements by step and the balance now (step :steps + 1), for the candidates.
_SERIES_NOW_LESS_LATER = """
now AS (
  SELECT client_id, CAST(sum(posted) AS bigint) AS posted FROM ledger_account
  WHERE client_id IS NOT NULL GROUP BY client_id
),
by_month AS (
  SELECT g.i, g.next_i, g.deputy, a.month_end, sum(a.amount) AS amount
  FROM class_segments g
  JOIN (SELECT client_id, month_end, -moved AS amount FROM ledger_account_month
        WHERE month_end > CAST(:first AS date)
        UNION ALL
        SELECT client_id, CAST('infinity' AS date), posted FROM now) a
    ON a.client_id = g.client_id
  GROUP BY 1, 2, 3, 4
),
held AS (
  SELECT b.i AS from_i, least(b.next_i, coalesce(s.i, CAST(:steps AS int))) AS to_i, b.deputy,
         sum(b.amount) AS held
  FROM by_month b
  LEFT JOIN steps s ON s.on_ = b.month_end
  WHERE coalesce(s.i, CAST(:steps AS int)) > b.i
  GROUP BY 1, 2, 3
),
bounds AS (
  SELECT n.client_id, n.posted + coalesce(f.fell, 0) AS most
  FROM now n
  LEFT JOIN (SELECT client_id, -sum(moved) AS fell FROM ledger_account_month
             WHERE month_end > CAST(:first AS date) AND moved < 0
             GROUP BY client_id) f ON f.client_id = n.client_id
)"""
_CANDIDATE_MONEY_NOW_LESS_LATER = """
  SELECT coalesce(s.i, CAST(:steps AS int)), m.client_id, NULL, m.moved
  FROM ledger_account_month m
  LEFT JOIN steps s ON s.on_ = m.month_end
  WHERE m.client_id = ANY (ARRAY(SELECT client_id FROM candidates))
    AND m.month_end > CAST(:first AS date)
  UNION ALL
  SELECT CAST(:steps AS int) + 1, client_id, NULL, -posted FROM now
  WHERE client_id IN (SELECT client_id FROM candidates)
"""
_SEGMENTS_NOW_LESS_LATER = """
segments AS (
  SELECT p.i,
         (max(p.i * 4 + p.cls) OVER w) % 4 AS cls,
         -coalesce(sum(p.moved) OVER later, 0) AS balance,
         least(lead(p.i) OVER w, CAST(:steps AS int)) AS next_i
  FROM points p
  WINDOW w AS (PARTITION BY p.client_id ORDER BY p.i),
         later AS (w RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
)"""


def _money_series(money: str, candidate_money: str, candidate_segments: str) -> str:
    return (
        _MONEY_SERIES_TEMPLATE.replace("__MONEY__", money)
        .replace("__CANDIDATE_MONEY__", candidate_money)
        .replace("__CANDIDATE_SEGMENTS__", candidate_segments)
    )


_MONEY_SERIES_UP_TO = _money_series(
    _SERIES_UP_TO_FIRST, _CANDIDATE_MONEY_UP_TO_FIRST, _SEGMENTS_UP_TO_FIRST
)
_MONEY_SERIES_NOW_LESS_LATER = _money_series(
    _SERIES_NOW_LESS_LATER, _CANDIDATE_MONEY_NOW_LESS_LATER, _SEGMENTS_NOW_LESS_LATER
)

_COUNT = """
SELECT deputy, situation, count(*) AS clients
FROM classified
GROUP BY deputy, situation
"""

# Posted money (holds are not money moved) in client accounts value-dated on or before :on,
# per client. Two ways to the same figure, the cheaper read: the money moved up to :on (an old
# date: few transfers before it), or each account's posted balance now less the money moved
# after :on (a recent date: few transfers after it). ``money_by_role`` chooses.
_UP_TO = """
legs AS (
  SELECT a.client_id, t.amount AS signed
  FROM transfer t JOIN ledger_account a ON a.id = t.to_account_id
  WHERE a.client_id IS NOT NULL AND t.kind IN ('POSTED', 'POST_PENDING')
    AND t.value_date <= CAST(:on AS date)
  UNION ALL
  SELECT a.client_id, -t.amount
  FROM transfer t JOIN ledger_account a ON a.id = t.from_account_id
  WHERE a.client_id IS NOT NULL AND t.kind IN ('POSTED', 'POST_PENDING')
    AND t.value_date <= CAST(:on AS date)
),
balances AS (
  SELECT client_id, sum(signed) AS balance FROM legs GROUP BY client_id
)
"""
_NOW_LESS_LATER = """
later_legs AS (
  SELECT a.client_id, t.amount AS signed
  FROM transfer t JOIN ledger_account a ON a.id = t.to_account_id
  WHERE a.client_id IS NOT NULL AND t.kind IN ('POSTED', 'POST_PENDING')
    AND t.value_date > CAST(:on AS date)
  UNION ALL
  SELECT a.client_id, -t.amount
  FROM transfer t JOIN ledger_account a ON a.id = t.from_account_id
  WHERE a.client_id IS NOT NULL AND t.kind IN ('POSTED', 'POST_PENDING')
    AND t.value_date > CAST(:on AS date)
),
later AS (
  SELECT client_id, sum(signed) AS net FROM later_legs GROUP BY client_id
),
now AS (
  SELECT client_id, sum(posted) AS posted FROM ledger_account
  WHERE client_id IS NOT NULL GROUP BY client_id
),
balances AS (
  SELECT n.client_id, n.posted - coalesce(l.net, 0) AS balance
  FROM now n LEFT JOIN later l ON l.client_id = n.client_id
)
"""
_BY_ROLE = """
SELECT
  c.deputy,
  count(*) AS clients,
  coalesce(sum(b.balance), 0) AS held,
  count(*) FILTER (
    WHERE c.deputy AND CAST(:threshold AS bigint) IS NOT NULL
      AND b.balance >= CAST(:threshold AS bigint)
  ) AS over_threshold
FROM classified c
LEFT JOIN balances b ON b.client_id = c.client_id
GROUP BY c.deputy
"""
_MONEY_UP_TO = "WITH " + _CLASSIFIED + "," + _UP_TO + _BY_ROLE
_MONEY_NOW_LESS_LATER = "WITH " + _CLASSIFIED + "," + _NOW_LESS_LATER + _BY_ROLE
_CASELOAD = "WITH " + _CLASSIFIED + _COUNT


def _dated(on: date) -> dict[str, Any]:
    """The date, and the first moment of the next day in London."""
    until = datetime.combine(on + timedelta(days=1), time(0), tzinfo=clock.LONDON)
    return {"on": on, "until": until}


async def _planned_for_the_date(session: AsyncSession) -> None:
    """For this transaction only: a plan made for the date given each time, and no JIT.

    The driver prepares each statement; after five runs PostgreSQL may switch a prepared
    statement to one generic plan for any date, and for these it chose one that ran for minutes
    (the sixth caseload at 50,000 clients). And it compiles a query it costs over
    ``jit_above_cost`` to machine code first: for these (costed high for their lookups per
    moved client) that took longer than the query (700 ms of a second at 50,000 clients)."""
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    await session.execute(text("SET LOCAL jit = off"))


@asynccontextmanager
async def _series_settings(session: AsyncSession) -> AsyncIterator[None]:
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
    await _planned_for_the_date(session)
    return (await session.execute(text(_CASELOAD), _dated(on))).all()


def _check_month_ends(days: Sequence[date]) -> None:
    if list(days) != rules.month_ends(days[0], days[-1]) or days[0] != rules.month_end(days[0]):
        raise ValueError("the days of a series are consecutive month ends")


def _days(days: Sequence[date]) -> dict[str, Any]:
    """The days of a series (ascending) as arrays, with the ends of the whole range."""
    untils = [_dated(d)["until"] for d in days]
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
    second: the clients not listed are counted alike on both days (``_CHANGED``)."""
    if len(days) < 2:
        return []
    _check_month_ends(days)
    await _planned_for_the_date(session)
    async with _series_settings(session):
        return (await session.execute(text(_CASELOAD_CHANGES), _days(days))).all()


# The first and last value dates (the ends of an index: no scan).
_SPAN = "SELECT min(value_date) AS first, max(value_date) AS last FROM transfer"


async def money_by_role(
    session: AsyncSession, on: date, threshold: int | None, *, up_to: bool | None = None
) -> Sequence[Any]:
    """(deputy, clients, held, over_threshold) on ``on`` for the clients the caseload counts
    (``caseload_counts``), with or without money: the money of a client it does not count (closed,
    no order in force) is not held for the caseload. over_threshold: the deputy clients whose
    accounts together hold at least ``threshold`` (none when None). ``up_to``: sum the money
    moved up to ``on`` (True) or take the balances now less what moved after (False); None:
    whichever side of the middle of the ledger's value dates ``on`` falls on."""
    await _planned_for_the_date(session)
    params = _dated(on) | {"threshold": threshold}
    if up_to is None:
        span = (await session.execute(text(_SPAN))).one()
        up_to = span.first is None or on < span.first + (span.last - span.first) / 2
    sql = _MONEY_UP_TO if up_to else _MONEY_NOW_LESS_LATER
    return (await session.execute(text(sql), params)).all()


async def money_series(
    session: AsyncSession,
    days: Sequence[date],
    thresholds: Sequence[int | None],
    *,
    up_to: bool | None = None,
) -> Sequence[Any]:
    """(i, deputy, clients, held, over_threshold) changes at each step i of ``days``
    (consecutive month ends, ascending): each figure of ``money_by_role`` on ``days[i]`` (with
    ``thresholds[i]``) is the sum of its changes at steps 0 to i; no row for a step and role
    where none changes. One statement whatever the length. ``up_to`` as ``money_by_role`` (the
    balances on ``days[0]``)."""
    if not days:
        return []
    _check_month_ends(days)
    await _planned_for_the_date(session)
    if up_to is None:
        span = (await session.execute(text(_SPAN))).one()
        up_to = span.first is None or days[0] < span.first + (span.last - span.first) / 2
    sql = _MONEY_SERIES_UP_TO if up_to else _MONEY_SERIES_NOW_LESS_LATER
    params = _days(days) | {"thresholds": list(thresholds), "steps": len(days)}
    async with _series_settings(session):
        return (await session.execute(text(sql), params)).all()

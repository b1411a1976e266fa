"""Every SQL statement of the money held report (issue 16, R-REP-2): aggregates only, no personal
data leaves here. The money in the client accounts of the clients the caseload counts, on a date
or at each of a series' month ends, by ``caseload_repository``'s classification."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.reports.caseload_repository import (
    CHANGED,
    CLASSIFIED,
    STEPS,
    check_month_ends,
    classification_ctes,
    date_bound,
    days_bound,
    planned_for_the_date,
    series_settings,
)

# The money held at each of a series' month ends (steps i = 0.. of :days), by role. Every
# client the caseload counts on the first day (classified whole), and each client whose
# classification may change (``CHANGED``) classified again on the day of that step: a class
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
    "WITH " + STEPS + "," + CHANGED + "," + classification_ctes(_MONEY_ROLES) + _MONEY_SERIES_TAIL
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
_MONEY_UP_TO = "WITH " + CLASSIFIED + "," + _UP_TO + _BY_ROLE
_MONEY_NOW_LESS_LATER = "WITH " + CLASSIFIED + "," + _NOW_LESS_LATER + _BY_ROLE


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
    await planned_for_the_date(session)
    params = date_bound(on) | {"threshold": threshold}
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
    check_month_ends(days)
    await planned_for_the_date(session)
    if up_to is None:
        span = (await session.execute(text(_SPAN))).one()
        up_to = span.first is None or days[0] < span.first + (span.last - span.first) / 2
    sql = _MONEY_SERIES_UP_TO if up_to else _MONEY_SERIES_NOW_LESS_LATER
    params = days_bound(days) | {"thresholds": list(thresholds), "steps": len(days)}
    async with series_settings(session):
        return (await session.execute(text(sql), params)).all()

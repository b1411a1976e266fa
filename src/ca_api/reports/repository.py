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

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock

# One row per client the council acts for on :on: client_id, deputy (bool), situation.
# :until is the first moment of the day after :on in London (a version recorded before it was
# recorded on or before :on). Set-wise, with hash joins: no sort or window over every client.
_CLASSIFIED = """
roles AS (
  SELECT o.client_id, bool_or(o.kind = 'deputyship') AS deputy
  FROM order_in_force o
  WHERE o.during @> CAST(:on AS date)
  GROUP BY o.client_id
),
latest AS (
  SELECT v.client_id,
         max(v.version) FILTER (WHERE v.recorded_at < CAST(:until AS timestamptz)) AS recorded,
         min(v.version) AS first
  FROM client_version v
  JOIN roles r ON r.client_id = v.client_id
  GROUP BY v.client_id
),
details AS (
  SELECT l.client_id, v.version, v.situation, v.status, l.recorded IS NOT NULL AS in_force
  FROM latest l
  JOIN client_version v
    ON v.client_id = l.client_id AND v.version = coalesce(l.recorded, l.first)
),
moves AS (
  SELECT DISTINCT ON (c.client_id) c.client_id, c.kind, c.occurred_on
  FROM circumstance_change c
  WHERE c.kind IN ('ADMITTED_TO_RESIDENTIAL_CARE', 'LEFT_RESIDENTIAL_CARE')
    AND c.occurred_on <= CAST(:on AS date)
    AND NOT EXISTS (SELECT 1 FROM circumstance_change s WHERE s.supersedes_id = c.id)
  ORDER BY c.client_id, c.occurred_on DESC, c.recorded_at DESC
),
dead AS (
  SELECT DISTINCT x.client_id
  FROM death x
  WHERE x.died_on <= CAST(:on AS date)
    AND EXISTS (SELECT 1 FROM death_event e WHERE e.death_id = x.id AND e.event = 'CONFIRMED')
    AND NOT EXISTS (SELECT 1 FROM death_event e WHERE e.death_id = x.id AND e.event = 'WITHDRAWN')
),
classified AS (
  SELECT r.client_id, r.deputy,
    CASE
      WHEN d.situation = 'DECEASED_WINDING_UP' OR x.client_id IS NOT NULL
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
  JOIN details d ON d.client_id = r.client_id
  LEFT JOIN moves mv ON mv.client_id = r.client_id
  LEFT JOIN dead x ON x.client_id = r.client_id
  WHERE d.status <> 'CLOSED'
)
"""

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


async def caseload_counts(session: AsyncSession, on: date) -> Sequence[Any]:
    """(deputy, situation, clients) for the clients the council acts for on ``on``."""
    await _planned_for_the_date(session)
    return (await session.execute(text(_CASELOAD), _dated(on))).all()


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

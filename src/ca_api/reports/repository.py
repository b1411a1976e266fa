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
  D when it is no older than the details in force, else the details' situation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_LONDON_DAY = "(v.recorded_at AT TIME ZONE 'Europe/London')::date"

# One row per client the council acts for on :on: client_id, deputy (bool), situation.
_CLASSIFIED = f"""
roles AS (
  SELECT o.client_id, bool_or(o.kind = 'deputyship') AS deputy
  FROM order_in_force o
  WHERE o.during @> CAST(:on AS date)
  GROUP BY o.client_id
),
details AS (
  SELECT r.client_id, r.deputy, cv.situation, cv.status, cv.recorded_on, cv.in_force
  FROM roles r
  CROSS JOIN LATERAL (
    SELECT v.situation, v.status, {_LONDON_DAY} AS recorded_on,
           {_LONDON_DAY} <= CAST(:on AS date) AS in_force
    FROM client_version v
    WHERE v.client_id = r.client_id
    ORDER BY ({_LONDON_DAY} <= CAST(:on AS date)) DESC,
             CASE WHEN {_LONDON_DAY} <= CAST(:on AS date) THEN v.version ELSE -v.version END DESC
    LIMIT 1
  ) cv
),
classified AS (
  SELECT d.client_id, d.deputy,
    CASE
      WHEN d.situation = 'DECEASED_WINDING_UP' OR EXISTS (
        SELECT 1 FROM death x
        WHERE x.client_id = d.client_id AND x.died_on <= CAST(:on AS date)
          AND EXISTS (SELECT 1 FROM death_event e
                      WHERE e.death_id = x.id AND e.event = 'CONFIRMED')
          AND NOT EXISTS (SELECT 1 FROM death_event e
                          WHERE e.death_id = x.id AND e.event = 'WITHDRAWN'))
        THEN 'DECEASED_WINDING_UP'
      WHEN mv.kind IS NOT NULL AND (NOT d.in_force OR mv.occurred_on >= d.recorded_on)
        THEN CASE mv.kind WHEN 'ADMITTED_TO_RESIDENTIAL_CARE' THEN 'RESIDENTIAL_CARE'
                          ELSE 'COMMUNITY' END
      ELSE d.situation
    END AS situation
  FROM details d
  LEFT JOIN LATERAL (
    SELECT c.kind, c.occurred_on
    FROM circumstance_change c
    WHERE c.client_id = d.client_id
      AND c.kind IN ('ADMITTED_TO_RESIDENTIAL_CARE', 'LEFT_RESIDENTIAL_CARE')
      AND c.occurred_on <= CAST(:on AS date)
      AND NOT EXISTS (SELECT 1 FROM circumstance_change s WHERE s.supersedes_id = c.id)
    ORDER BY c.occurred_on DESC, c.recorded_at DESC
    LIMIT 1
  ) mv ON true
  WHERE d.status <> 'CLOSED'
)
"""  # noqa: S608 (constants only; the date is a bound parameter)

_CASELOAD = f"""
WITH {_CLASSIFIED}
SELECT deputy, situation, count(*) AS clients
FROM classified
GROUP BY deputy, situation
"""  # noqa: S608 (constants only)

# Posted money (holds are not money moved) in client accounts, value-dated on or before :on,
# per client: money in minus money out.
_MONEY = f"""
WITH {_CLASSIFIED},
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
"""  # noqa: S608 (constants only)


async def caseload_counts(session: AsyncSession, on: date) -> Sequence[Any]:
    """(deputy, situation, clients) for the clients the council acts for on ``on``."""
    return (await session.execute(text(_CASELOAD), {"on": on})).all()


async def money_by_role(session: AsyncSession, on: date, threshold: int | None) -> Sequence[Any]:
    """(deputy, clients, held, over_threshold) on ``on`` for the clients the caseload counts
    (``caseload_counts``), with or without money: the money of a client it does not count (closed,
    no order in force) is not held for the caseload. over_threshold: the deputy clients whose
    accounts together hold at least ``threshold`` (none when None)."""
    params = {"on": on, "threshold": threshold}
    return (await session.execute(text(_MONEY), params)).all()

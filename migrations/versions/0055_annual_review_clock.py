"""The annual review clock, kept by the database (issue 18 item 1): ``annualReviewsDue`` pages
an index in due order instead of working out every deputy client's due date first.

At 50,000 clients a page of 25 took 280 ms in SQL (315 ms through the API): each deputy
client's last review standing, the months in force when its clock started and the due date
were computed for all 32,000 of them, the dead and the closed left out by anti-joins, and then
sorted to cut the page.

- ``annual_review_months_on(start)``: the months between reviews in force on the day a clock
  started (policy ``annual_review_months``, effective-dated: the latest known figure effective
  on or before that day, else the first, as ``reviews.service._months_on``); NULL when no
  figure is known. ``annual_review_due_on(start)``: that many calendar months after ``start``
  (``date + interval 'n months'`` falls on the month's last day when it lacks the day, as
  ``common.rules.add_months``). ``tests/test_annual_reviews_due_kept.py`` holds both equal to
  the Python rules.
- ``annual_review_clock_derived``: each deputyship's clock as the rows say it - the order's
  current dates, the client's last review standing (not corrected by another, R-AUD-2), whether
  the clock runs at all (the client ACTIVE, no confirmed death), the months and the due date.
- ``annual_review_clock``: those rows kept, one per deputyship, written only by the triggers
  below, in the transaction that writes what they read: a statement of order versions, client
  versions (the status), reviews or their corrections, or death events refreshes the clients it
  names (after the row triggers that move ``order_in_force`` and ``client_current_version``);
  a new figure of the months works out every clock's months and due date again. Whether the
  order is in force today is left to the query (a date passing writes nothing): it reads the
  stored order dates. ``ix_annual_review_clock_due`` holds the running clocks in the list's
  order (due date, client), so a page is a range scan of it from the cursor; the dead and the
  closed are not in it, so they never pile up at the overdue end.

Concurrency: a refresh takes a lock per client (advisory, transaction-scoped, in one order),
then reads the rows afresh (each statement of a PL/pgSQL function a new snapshot in READ
COMMITTED), so an order and a review of one client written at once by two transactions cannot
leave the clock stale (``tests/test_annual_reviews_due_kept.py``, either first). It holds the
months' lock shared; a new figure takes it exclusively before it recomputes every clock, and so
does a statement naming more than 64 clients (a batch, a load with the triggers on: one lock,
not one per client in the finite lock table).

R-AUD-2: the orders, reviews, versions and deaths stay the record; a clock row is derived and
refused to anyone else (``current_status_guard``, migration 0048). A load with the triggers
off (``session_replication_role = replica``, as ``bench/scale_data.py``'s) calls
``annual_review_clock_rebuild()``.

Revision ID: 0055
Revises: 0054
"""

from ca_api.migrate import run_script

revision = "0055"
down_revision = "0054"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- reviews.service._months_on in the database: the latest known figure effective on or before
-- the day the clock started, else the first known (an order older than the written policy runs
-- by its first figure); NULL with none known.
CREATE FUNCTION annual_review_months_on(start date) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT f.value::integer FROM policy_figure f
      WHERE f.name = 'annual_review_months' AND f.value IS NOT NULL AND f.effective_from <= start
      ORDER BY f.effective_from DESC LIMIT 1),
    (SELECT f.value::integer FROM policy_figure f
      WHERE f.name = 'annual_review_months' AND f.value IS NOT NULL
      ORDER BY f.effective_from LIMIT 1))
$$;

-- reviews.rules.review_due_on with the months in force: the same day that many months on (the
-- month's last day when it lacks the day).
CREATE FUNCTION annual_review_due_on(start date) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT (start + make_interval(months => annual_review_months_on(start)))::date
$$;

-- Each deputyship's clock as the rows say it: what reviews.repository.deputy_clients reads
-- (the order's current version, the client's current status, the last review standing, a
-- confirmed death), for every deputyship whether in force today or not.
CREATE VIEW annual_review_clock_derived AS
  SELECT d.id AS deputyship_id, d.client_id, d.order_date, d.end_date, r.last_reviewed_on,
         (c.status = 'ACTIVE'
          AND NOT EXISTS (SELECT 1 FROM death x
                           WHERE x.client_id = d.client_id
                             AND EXISTS (SELECT 1 FROM death_event e
                                          WHERE e.death_id = x.id AND e.event = 'CONFIRMED')))
           AS live,
         annual_review_months_on(coalesce(r.last_reviewed_on, d.order_date)) AS months,
         annual_review_due_on(coalesce(r.last_reviewed_on, d.order_date)) AS due_on
    FROM deputyship_current d
    JOIN client_current c ON c.id = d.client_id
    CROSS JOIN LATERAL (
      SELECT max(v.reviewed_on) AS last_reviewed_on FROM client_review v
       WHERE v.client_id = d.client_id
         AND NOT EXISTS (SELECT 1 FROM client_review l WHERE l.supersedes_id = v.id)) r;

CREATE TABLE annual_review_clock (
  deputyship_id    uuid PRIMARY KEY REFERENCES deputyship (id),
  client_id        uuid NOT NULL REFERENCES client (id),
  order_date       date NOT NULL,
  end_date         date,
  last_reviewed_on date,
  live             boolean NOT NULL,
  months           integer,
  due_on           date
);

INSERT INTO annual_review_clock (deputyship_id, client_id, order_date, end_date,
                                 last_reviewed_on, live, months, due_on)
  SELECT deputyship_id, client_id, order_date, end_date, last_reviewed_on, live, months, due_on
    FROM annual_review_clock_derived;

-- The running clocks in the list's order (annualReviewsDue: soonest due first, then client),
-- with what the page reads and filters on (the order in force today): an index-only scan, so
-- an order ended while its client stays ACTIVE costs an index entry, not a row fetched;
-- a client's clocks (clientId, and the refresh).
CREATE INDEX ix_annual_review_clock_due ON annual_review_clock (due_on, client_id)
  INCLUDE (order_date, end_date, last_reviewed_on) WHERE live;
CREATE INDEX ix_annual_review_clock_client ON annual_review_clock (client_id);

-- The clients' clocks as the rows now say, after each client's lock (a fresh snapshot per
-- statement: what a transaction that held it committed is read). Many clients at once (a
-- batch, a load with the triggers on) take the months' lock exclusively instead: one lock, not
-- one per client (the lock table is finite), and still no refresh of theirs half way.
CREATE FUNCTION annual_review_clock_refresh(clients uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  slot integer;
BEGIN
  IF clients IS NULL OR cardinality(clients) = 0 THEN
    RETURN;
  END IF;
  IF cardinality(clients) > 64 THEN
    PERFORM pg_advisory_xact_lock(hashtext('ca_api.annual_review_months'));
  ELSE
    PERFORM pg_advisory_xact_lock_shared(hashtext('ca_api.annual_review_months'));
    FOR slot IN SELECT DISTINCT hashtext(c::text) FROM unnest(clients) AS c ORDER BY 1 LOOP
      PERFORM pg_advisory_xact_lock(hashtext('ca_api.annual_review_clock'), slot);
    END LOOP;
  END IF;
  INSERT INTO annual_review_clock AS k (deputyship_id, client_id, order_date, end_date,
                                        last_reviewed_on, live, months, due_on)
  SELECT d.deputyship_id, d.client_id, d.order_date, d.end_date, d.last_reviewed_on, d.live,
         d.months, d.due_on
    FROM annual_review_clock_derived d
   WHERE d.client_id = ANY (clients)
  ON CONFLICT (deputyship_id) DO UPDATE
     SET order_date = EXCLUDED.order_date, end_date = EXCLUDED.end_date,
         last_reviewed_on = EXCLUDED.last_reviewed_on, live = EXCLUDED.live,
         months = EXCLUDED.months, due_on = EXCLUDED.due_on
   WHERE (k.order_date, k.end_date, k.last_reviewed_on, k.live, k.months, k.due_on)
         IS DISTINCT FROM (EXCLUDED.order_date, EXCLUDED.end_date, EXCLUDED.last_reviewed_on,
                           EXCLUDED.live, EXCLUDED.months, EXCLUDED.due_on);
END
$$;

-- The clients a statement touched (TG_TABLE_NAME says how its rows name them), refreshed: a
-- new order or order version (its dates: statement-level, so after migration 0010's row
-- triggers moved order_in_force), a client version (the status: after migration 0049's row
-- trigger moved client_current_version), a review or its correction (R-AUD-2: the last review
-- standing), a death's event (a confirmed death stops the clock; a withdrawn one never was
-- confirmed).
CREATE FUNCTION annual_review_clock_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_TABLE_NAME = 'deputyship_version' THEN
    SELECT array_agg(DISTINCT d.client_id) INTO ids
      FROM added n JOIN deputyship d ON d.id = n.deputyship_id;
  ELSIF TG_TABLE_NAME = 'death_event' THEN
    SELECT array_agg(DISTINCT x.client_id) INTO ids
      FROM added n JOIN death x ON x.id = n.death_id;
  ELSE  -- client_version, client_review: each row names its client
    SELECT array_agg(DISTINCT n.client_id) INTO ids FROM added n;
  END IF;
  PERFORM annual_review_clock_refresh(ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER annual_review_clock_changed AFTER INSERT ON deputyship_version
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION annual_review_clock_changed();
CREATE TRIGGER annual_review_clock_changed AFTER INSERT ON client_version
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION annual_review_clock_changed();
CREATE TRIGGER annual_review_clock_changed AFTER INSERT ON client_review
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION annual_review_clock_changed();
CREATE TRIGGER annual_review_clock_changed AFTER INSERT ON death_event
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION annual_review_clock_changed();

-- A new figure of the months (effective-dated, append-only): every clock's months and due
-- date again, with the months' lock held exclusively (no refresh half way).
CREATE FUNCTION annual_review_clock_months() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM added n WHERE n.name = 'annual_review_months') THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ca_api.annual_review_months'));
  UPDATE annual_review_clock k
     SET months = annual_review_months_on(coalesce(k.last_reviewed_on, k.order_date)),
         due_on = annual_review_due_on(coalesce(k.last_reviewed_on, k.order_date))
   WHERE (k.months, k.due_on) IS DISTINCT FROM
         (annual_review_months_on(coalesce(k.last_reviewed_on, k.order_date)),
          annual_review_due_on(coalesce(k.last_reviewed_on, k.order_date)));
  RETURN NULL;
END
$$;
CREATE TRIGGER annual_review_clock_months AFTER INSERT ON policy_figure
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT
  EXECUTE FUNCTION annual_review_clock_months();

-- Written only by the triggers above (R-AUD-2: derived, never set by hand).
CREATE TRIGGER annual_review_clock_guard BEFORE INSERT OR UPDATE OR DELETE ON annual_review_clock
  FOR EACH ROW EXECUTE FUNCTION current_status_guard();
CREATE TRIGGER annual_review_clock_no_truncate BEFORE TRUNCATE ON annual_review_clock
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A load that wrote the orders, reviews, versions or deaths with the triggers off rebuilds
-- every clock in the same transaction; refused otherwise (the triggers keep them).
CREATE FUNCTION annual_review_clock_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('session_replication_role') <> 'replica' THEN
    RAISE EXCEPTION 'annual_review_clock_rebuild() is for a load with '
      'session_replication_role = replica (triggers off); otherwise the triggers keep the '
      'clocks (R-AUD-2)' USING ERRCODE = 'restrict_violation';
  END IF;
  DELETE FROM annual_review_clock;
  INSERT INTO annual_review_clock (deputyship_id, client_id, order_date, end_date,
                                   last_reviewed_on, live, months, due_on)
    SELECT deputyship_id, client_id, order_date, end_date, last_reviewed_on, live, months, due_on
      FROM annual_review_clock_derived;
END
$$;
"""

DOWNGRADE = """
DROP FUNCTION annual_review_clock_rebuild();
DROP TRIGGER annual_review_clock_months ON policy_figure;
DROP TRIGGER annual_review_clock_changed ON death_event;
DROP TRIGGER annual_review_clock_changed ON client_review;
DROP TRIGGER annual_review_clock_changed ON client_version;
DROP TRIGGER annual_review_clock_changed ON deputyship_version;
DROP FUNCTION annual_review_clock_months(), annual_review_clock_changed();
DROP FUNCTION annual_review_clock_refresh(uuid[]);
DROP TABLE annual_review_clock;
DROP VIEW annual_review_clock_derived;
DROP FUNCTION annual_review_due_on(date);
DROP FUNCTION annual_review_months_on(date);
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

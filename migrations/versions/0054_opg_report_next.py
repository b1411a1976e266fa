"""Each deputy client's next OPG report, kept by the database (issue 18 item 1): the list of
reports coming due (``opgReportsComingDue``) reads a page by an index on the due date instead
of judging every deputy client (35,000 at scale: 700 ms for the whole list, every time).

- ``opg_report_period_end`` and ``opg_report_due_on``: ``opg_reports.rules.period_end`` and
  ``due_on`` in SQL (a year less a day, a 29 February start ending on 28 February; due on the
  56th day after). ``tests/test_opg_reports_due_list.py`` holds them equal to the Python rules
  for every start day of twelve years.
- ``opg_report_next_derived(ids)``: each client's next report from the rows, the rule of
  ``opg_reports.rules.next_report``: the latest report (by period) while it is not submitted
  (its last event is not SUBMITTED, as ``repository.status_sql`` says it), else the period after
  it, else the first period from the earliest day a deputyship of theirs was in force
  (``order_in_force``; an order never in force has an empty period, so none). None of it
  depends on the day asked about: whether a deputyship is in force that day and the due state
  are judged when the list is read.
- ``opg_report_next``: one row per client who ever had a deputyship, their next report (nulls
  when no deputyship was ever in force), written only by the triggers below, in the transaction
  that writes the order's period, the report or its event (R-AUD-2: the reports and their
  events stay the record; this row is derived, and refused to anyone else by
  ``current_status_guard`` of migration 0048). The refresh makes each client's row first, then
  locks the rows it recomputes before reading the reports (a fresh snapshot), as
  ``invoice_current_refresh`` does, so two transactions cannot leave it stale.
- ``opg_report_next_rebuild()``: every row again from the rows, for a load that wrote with
  ``session_replication_role = replica`` (bench/scale_data.py); refused otherwise.

The agreement test (``tests/test_opg_reports_due_kept.py``): stored = derived in SQL = the
Python rules, through the endpoint and over random histories written straight into the tables.

Revision ID: 0054
Revises: 0053
"""

from ca_api.migrate import run_script

revision = "0054"
down_revision = "0053"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- opg_reports.rules.period_end: the first anniversary (fees.rules.anniversary: a 29 February's
-- falls on 1 March in a common year) less a day. IMMUTABLE and plain SQL: inlined.
CREATE FUNCTION opg_report_period_end(start date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN extract(month FROM start) = 2 AND extract(day FROM start) = 29
              THEN make_date(extract(year FROM start)::int + 1, 3, 1)
              ELSE (start + interval '1 year')::date END - 1
$$;

-- opg_reports.rules.due_on: the 56th day after the period's end (DUE_AFTER_DAYS).
CREATE FUNCTION opg_report_due_on(period_end date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT period_end + 56
$$;

-- opg_reports.rules.next_report for each client of ``ids`` (a row each, nulls when none): the
-- latest report while not submitted, else the period after it (only for a client with a
-- deputyship ever in force), else the first period from the earliest day one was in force.
CREATE FUNCTION opg_report_next_derived(ids uuid[])
RETURNS TABLE (client_id uuid, period_start date, period_end date, due_on date, report_id uuid)
LANGUAGE sql STABLE AS $$
  SELECT c.client_id,
         CASE WHEN l.open THEN l.period_start ELSE s.start END,
         CASE WHEN l.open THEN l.period_end ELSE opg_report_period_end(s.start) END,
         CASE WHEN l.open THEN l.due_on
              ELSE opg_report_due_on(opg_report_period_end(s.start)) END,
         CASE WHEN l.open THEN l.id END
    FROM unnest(ids) AS c (client_id)
    CROSS JOIN LATERAL (
      SELECT min(lower(o.during)) AS first_start
        FROM order_in_force o
       WHERE o.client_id = c.client_id AND o.kind = 'deputyship') d
    LEFT JOIN LATERAL (
      SELECT r.id, r.period_start, r.period_end, r.due_on,
             (SELECT e.event FROM opg_report_event e
               WHERE e.report_id = r.id
               ORDER BY e.recorded_at DESC, e.id DESC LIMIT 1) IS DISTINCT FROM 'SUBMITTED'
               AS open
        FROM opg_report r
       WHERE r.client_id = c.client_id
       ORDER BY r.period_start DESC LIMIT 1) l ON true
    CROSS JOIN LATERAL (
      SELECT CASE WHEN d.first_start IS NULL THEN NULL
                  WHEN l.id IS NOT NULL THEN l.period_end + 1
                  ELSE d.first_start END AS start) s
$$;

CREATE TABLE opg_report_next (
  client_id     uuid PRIMARY KEY REFERENCES client (id),
  period_start  date,
  period_end    date,
  due_on        date,
  report_id     uuid REFERENCES opg_report (id),
  CONSTRAINT ck_opg_report_next_period CHECK (
    (period_start IS NULL) = (period_end IS NULL) AND (period_start IS NULL) = (due_on IS NULL)
    AND (report_id IS NULL OR period_start IS NOT NULL)
    AND period_end >= period_start AND due_on > period_end)
);

-- The clients a statement touched (TG_TABLE_NAME says how the new rows name them): their rows
-- made if new, locked, then recomputed by the next statements (a fresh snapshot).
CREATE FUNCTION opg_report_next_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
BEGIN
  IF TG_TABLE_NAME = 'order_in_force' THEN
    SELECT array_agg(DISTINCT n.client_id) INTO ids FROM changed n WHERE n.kind = 'deputyship';
  ELSIF TG_TABLE_NAME = 'opg_report' THEN
    SELECT array_agg(DISTINCT n.client_id) INTO ids FROM changed n;
  ELSE  -- opg_report_event
    SELECT array_agg(DISTINCT r.client_id) INTO ids
      FROM changed n JOIN opg_report r ON r.id = n.report_id;
  END IF;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO opg_report_next (client_id) SELECT i FROM unnest(ids) AS i ORDER BY i
    ON CONFLICT (client_id) DO NOTHING;
  PERFORM 1 FROM opg_report_next x WHERE x.client_id = ANY (ids) ORDER BY x.client_id
    FOR UPDATE;
  UPDATE opg_report_next x
     SET period_start = d.period_start, period_end = d.period_end, due_on = d.due_on,
         report_id = d.report_id
    FROM opg_report_next_derived(ids) d
   WHERE x.client_id = d.client_id
     AND (x.period_start, x.period_end, x.due_on, x.report_id)
         IS DISTINCT FROM (d.period_start, d.period_end, d.due_on, d.report_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER opg_report_next_refresh_inserted AFTER INSERT ON order_in_force
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION opg_report_next_refresh();
CREATE TRIGGER opg_report_next_refresh_updated AFTER UPDATE ON order_in_force
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION opg_report_next_refresh();
CREATE TRIGGER opg_report_next_refresh AFTER INSERT ON opg_report
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION opg_report_next_refresh();
CREATE TRIGGER opg_report_next_refresh AFTER INSERT ON opg_report_event
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION opg_report_next_refresh();

@@BACKFILL@@

-- The list's order (due date, then client); only the clients with a next report.
CREATE INDEX ix_opg_report_next_due ON opg_report_next (due_on, client_id)
  WHERE due_on IS NOT NULL;
-- The deputyship in force on a day, per client (the list's filter): the client's few rows.
CREATE INDEX ix_order_in_force_deputyship ON order_in_force (client_id) INCLUDE (during)
  WHERE kind = 'deputyship';

-- Written only by the trigger above (R-AUD-2: derived, never set by hand).
CREATE TRIGGER opg_report_next_guard BEFORE INSERT OR UPDATE OR DELETE ON opg_report_next
  FOR EACH ROW EXECUTE FUNCTION current_status_guard();
CREATE TRIGGER opg_report_next_no_truncate BEFORE TRUNCATE ON opg_report_next
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A load with session_replication_role = replica (triggers off) rebuilds every row in the same
-- transaction; refused otherwise (the triggers keep the rows).
CREATE FUNCTION opg_report_next_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('session_replication_role') <> 'replica' THEN
    RAISE EXCEPTION 'opg_report_next_rebuild() is for a load with session_replication_role = '
      'replica (triggers off); otherwise the triggers keep the rows (R-AUD-2)'
      USING ERRCODE = 'restrict_violation';
  END IF;
  DELETE FROM opg_report_next;
  @@BACKFILL@@
END
$$;
"""

BACKFILL = """
INSERT INTO opg_report_next (client_id, period_start, period_end, due_on, report_id)
SELECT * FROM opg_report_next_derived(ARRAY(
  SELECT DISTINCT o.client_id FROM order_in_force o WHERE o.kind = 'deputyship'));
"""

DOWNGRADE = """
DROP FUNCTION opg_report_next_rebuild();
DROP TRIGGER opg_report_next_refresh ON opg_report_event;
DROP TRIGGER opg_report_next_refresh ON opg_report;
DROP TRIGGER opg_report_next_refresh_updated ON order_in_force;
DROP TRIGGER opg_report_next_refresh_inserted ON order_in_force;
DROP INDEX ix_order_in_force_deputyship;
DROP TABLE opg_report_next;
DROP FUNCTION opg_report_next_refresh();
DROP FUNCTION opg_report_next_derived(uuid[]);
DROP FUNCTION opg_report_due_on(date);
DROP FUNCTION opg_report_period_end(date);
"""


def upgrade() -> None:
    run_script(UPGRADE.replace("@@BACKFILL@@", BACKFILL))


def downgrade() -> None:
    run_script(DOWNGRADE)

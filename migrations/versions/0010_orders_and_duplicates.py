"""One deputyship and one appointeeship in force per client at a time; lookups for duplicate
clients (issue 9 items 5 and 7).

Orders are append-only versions (R-AUD-2), so "in force" cannot be a flag on a row. Each order's
current period (its order or start date to its end date, both inclusive) is kept in
``order_in_force`` by a trigger on the version tables, and an exclusion constraint there refuses
two periods of one kind for one client that share a day, however the version was written.
Client equality is the overlap of single-point ``uuid_range`` values, so the constraint needs only
the built-in GiST range operator class, not btree_gist (which the embedded PostgreSQL of
``scripts/serve`` does not ship).

A new order supersedes an old one explicitly: the old one gets a version that ends it the day
before the new order's date and names it in ``superseded_by``. Replaced on its own date, the old
order ends the day before it began: its period is empty, it was never in force. Orders that
already overlap when this migration runs are resolved the same way (the earlier order, or the
earlier recorded of two on one date, is superseded by the later), each with an audit entry.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-24
"""

from ca_api.migrate import run_script

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE deputyship_version ADD COLUMN superseded_by uuid REFERENCES deputyship (id);
ALTER TABLE appointeeship_version ADD COLUMN superseded_by uuid REFERENCES appointeeship (id);

-- An end date before the start is still refused, except the day before for an order replaced
-- on its own date (never in force); a superseded order always has an end.
ALTER TABLE deputyship_version DROP CONSTRAINT deputyship_version_check;
ALTER TABLE deputyship_version ADD CONSTRAINT ck_deputyship_version_end CHECK (
  end_date IS NULL OR end_date >= order_date
  OR (superseded_by IS NOT NULL AND end_date = order_date - 1));
ALTER TABLE deputyship_version ADD CONSTRAINT ck_deputyship_version_superseded_ends CHECK (
  superseded_by IS NULL OR (end_date IS NOT NULL AND superseded_by <> deputyship_id));
ALTER TABLE appointeeship_version DROP CONSTRAINT appointeeship_version_check;
ALTER TABLE appointeeship_version ADD CONSTRAINT ck_appointeeship_version_end CHECK (
  end_date IS NULL OR end_date >= start_date
  OR (superseded_by IS NOT NULL AND end_date = start_date - 1));
ALTER TABLE appointeeship_version ADD CONSTRAINT ck_appointeeship_version_superseded_ends CHECK (
  superseded_by IS NULL OR (end_date IS NOT NULL AND superseded_by <> appointeeship_id));
CREATE INDEX ix_deputyship_version_superseded_by ON deputyship_version (superseded_by)
  WHERE superseded_by IS NOT NULL;
CREATE INDEX ix_appointeeship_version_superseded_by ON appointeeship_version (superseded_by)
  WHERE superseded_by IS NOT NULL;

CREATE OR REPLACE VIEW appointeeship_current AS
  SELECT DISTINCT ON (v.appointeeship_id)
         a.id, a.client_id, a.created_at, v.version, v.dwp_reference, v.applied_on, v.start_date,
         v.end_date, v.recorded_at, v.recorded_by, v.reason, v.superseded_by
    FROM appointeeship a JOIN appointeeship_version v ON v.appointeeship_id = a.id
   ORDER BY v.appointeeship_id, v.version DESC;

CREATE OR REPLACE VIEW deputyship_current AS
  SELECT DISTINCT ON (v.deputyship_id)
         d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date, v.end_date,
         v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason, v.superseded_by
    FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
   ORDER BY v.deputyship_id, v.version DESC;

-- The days an order is in force: both ends inclusive, open without an end, empty when it ends
-- before it starts (replaced on its own date).
CREATE FUNCTION order_period(start date, finish date) RETURNS daterange
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN finish < start THEN 'empty'::daterange ELSE daterange(start, finish, '[]') END
$$;

-- Orders that overlap already: the earlier (or, on one date, the earlier recorded) is
-- superseded by the later, as the service now does, with its audit entry (R-AUD-1, R-AUD-2).
DO $$
DECLARE
  r record;
BEGIN
  LOOP
    SELECT a.id AS old_id, a.client_id, a.version, a.end_date AS old_end,
           b.id AS new_id, b.order_date AS new_start
      INTO r
      FROM deputyship_current a
      JOIN deputyship_current b ON b.client_id = a.client_id AND b.id <> a.id
     WHERE order_period(a.order_date, a.end_date) && order_period(b.order_date, b.end_date)
       AND (a.order_date, a.created_at, a.id) < (b.order_date, b.created_at, b.id)
     ORDER BY a.order_date, a.created_at, a.id, b.order_date, b.created_at, b.id
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    INSERT INTO deputyship_version (
      deputyship_id, version, case_number, order_date, end_date, power_receive_income,
      power_manage_accounts, power_manage_capital, power_sell_property, power_let_property,
      power_make_gifts, gift_yearly_limit, supervision_type, recorded_by, reason, superseded_by)
    SELECT deputyship_id, version + 1, case_number, order_date, r.new_start - 1,
           power_receive_income, power_manage_accounts, power_manage_capital,
           power_sell_property, power_let_property, power_make_gifts, gift_yearly_limit,
           supervision_type, 'migration 0010',
           'superseded by deputyship ' || r.new_id || ' of ' || r.new_start
             || ': two deputyships were in force at once (issue 9)',
           r.new_id
      FROM deputyship_version WHERE deputyship_id = r.old_id AND version = r.version;
    INSERT INTO audit_log (stream, principal, principal_roles, entity_type, entity_id, action,
                           before, after, reason, request_id, client_id)
    VALUES ('client:' || r.client_id, 'migration 0010', 'system', 'deputyship', r.old_id::text,
            'supersede', jsonb_build_object('end_date', r.old_end, 'superseded_by', NULL),
            jsonb_build_object('end_date', r.new_start - 1, 'superseded_by', r.new_id::text),
            'two deputyships were in force at once (issue 9): the later supersedes the earlier',
            'migration-0010', r.client_id);
  END LOOP;
  LOOP
    SELECT a.id AS old_id, a.client_id, a.version, a.end_date AS old_end,
           b.id AS new_id, b.start_date AS new_start
      INTO r
      FROM appointeeship_current a
      JOIN appointeeship_current b ON b.client_id = a.client_id AND b.id <> a.id
     WHERE order_period(a.start_date, a.end_date) && order_period(b.start_date, b.end_date)
       AND (a.start_date, a.created_at, a.id) < (b.start_date, b.created_at, b.id)
     ORDER BY a.start_date, a.created_at, a.id, b.start_date, b.created_at, b.id
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    INSERT INTO appointeeship_version (
      appointeeship_id, version, dwp_reference, applied_on, start_date, end_date, recorded_by,
      reason, superseded_by)
    SELECT appointeeship_id, version + 1, dwp_reference, applied_on, start_date,
           r.new_start - 1, 'migration 0010',
           'superseded by appointeeship ' || r.new_id || ' of ' || r.new_start
             || ': two appointeeships were in force at once (issue 9)',
           r.new_id
      FROM appointeeship_version WHERE appointeeship_id = r.old_id AND version = r.version;
    INSERT INTO audit_log (stream, principal, principal_roles, entity_type, entity_id, action,
                           before, after, reason, request_id, client_id)
    VALUES ('client:' || r.client_id, 'migration 0010', 'system', 'appointeeship',
            r.old_id::text, 'supersede',
            jsonb_build_object('end_date', r.old_end, 'superseded_by', NULL),
            jsonb_build_object('end_date', r.new_start - 1, 'superseded_by', r.new_id::text),
            'two appointeeships were in force at once (issue 9): the later supersedes the earlier',
            'migration-0010', r.client_id);
  END LOOP;
END $$;

-- Each order's current period, kept by the triggers below; two periods of one kind for one
-- client may not share a day (issue 9 item 5, R-ORD).
CREATE TYPE uuid_range AS RANGE (subtype = uuid);
CREATE TABLE order_in_force (
  order_id   uuid PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('deputyship', 'appointeeship')),
  client_id  uuid NOT NULL REFERENCES client (id),
  version    integer NOT NULL,
  during     daterange NOT NULL,
  CONSTRAINT ex_order_in_force_one_deputyship EXCLUDE USING gist (
    uuid_range(client_id, client_id, '[]') WITH &&, during WITH &&) WHERE (kind = 'deputyship'),
  CONSTRAINT ex_order_in_force_one_appointeeship EXCLUDE USING gist (
    uuid_range(client_id, client_id, '[]') WITH &&, during WITH &&) WHERE (kind = 'appointeeship')
);
CREATE INDEX ix_order_in_force_client ON order_in_force (client_id);

INSERT INTO order_in_force (order_id, kind, client_id, version, during)
  SELECT id, 'deputyship', client_id, version, order_period(order_date, end_date)
    FROM deputyship_current;
INSERT INTO order_in_force (order_id, kind, client_id, version, during)
  SELECT id, 'appointeeship', client_id, version, order_period(start_date, end_date)
    FROM appointeeship_current;

-- A new version moves its order's period; an order superseded by another client's order, or
-- by another kind of order, is refused.
CREATE FUNCTION order_in_force_put(
  p_kind text, p_order uuid, p_version integer, p_start date, p_finish date, p_superseded_by uuid
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  owner uuid;
  successor_owner uuid;
BEGIN
  EXECUTE format('SELECT client_id FROM %I WHERE id = $1', p_kind) INTO owner USING p_order;
  IF p_superseded_by IS NOT NULL THEN
    EXECUTE format('SELECT client_id FROM %I WHERE id = $1', p_kind)
      INTO successor_owner USING p_superseded_by;
    IF successor_owner IS DISTINCT FROM owner THEN
      RAISE EXCEPTION '% % cannot be superseded by an order of another client', p_kind, p_order
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  INSERT INTO order_in_force (order_id, kind, client_id, version, during)
  VALUES (p_order, p_kind, owner, p_version, order_period(p_start, p_finish))
  ON CONFLICT (order_id) DO UPDATE SET version = EXCLUDED.version, during = EXCLUDED.during
    WHERE order_in_force.version < EXCLUDED.version;
END $$;

CREATE FUNCTION deputyship_in_force_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM order_in_force_put('deputyship', NEW.deputyship_id, NEW.version, NEW.order_date,
                             NEW.end_date, NEW.superseded_by);
  RETURN NULL;
END $$;
CREATE TRIGGER deputyship_version_in_force AFTER INSERT ON deputyship_version
  FOR EACH ROW EXECUTE FUNCTION deputyship_in_force_sync();

CREATE FUNCTION appointeeship_in_force_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM order_in_force_put('appointeeship', NEW.appointeeship_id, NEW.version, NEW.start_date,
                             NEW.end_date, NEW.superseded_by);
  RETURN NULL;
END $$;
CREATE TRIGGER appointeeship_version_in_force AFTER INSERT ON appointeeship_version
  FOR EACH ROW EXECUTE FUNCTION appointeeship_in_force_sync();

-- Only those triggers write the table (they run one trigger level down): a row written, moved
-- or removed by hand would switch the constraint off for that client.
CREATE FUNCTION order_in_force_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'order_in_force is kept by the order version triggers: % refused', TG_OP
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER order_in_force_guard BEFORE INSERT OR UPDATE OR DELETE ON order_in_force
  FOR EACH ROW EXECUTE FUNCTION order_in_force_guard();
CREATE TRIGGER order_in_force_no_truncate BEFORE TRUNCATE ON order_in_force
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Likely duplicate clients (issue 9 item 7): by NI number, or by date of birth and then name.
CREATE INDEX ix_client_version_ni_number ON client_version (ni_number)
  WHERE ni_number IS NOT NULL;
CREATE INDEX ix_client_version_date_of_birth ON client_version (date_of_birth);
"""

DOWNGRADE = r"""
DROP INDEX ix_client_version_ni_number, ix_client_version_date_of_birth;
DROP TRIGGER deputyship_version_in_force ON deputyship_version;
DROP TRIGGER appointeeship_version_in_force ON appointeeship_version;
DROP TABLE order_in_force;
DROP FUNCTION deputyship_in_force_sync(), appointeeship_in_force_sync(), order_in_force_guard(),
  order_in_force_put(text, uuid, integer, date, date, uuid);
DROP TYPE uuid_range;
DROP VIEW appointeeship_current, deputyship_current;
CREATE VIEW appointeeship_current AS
  SELECT DISTINCT ON (v.appointeeship_id)
         a.id, a.client_id, a.created_at, v.version, v.dwp_reference, v.applied_on, v.start_date,
         v.end_date, v.recorded_at, v.recorded_by, v.reason
    FROM appointeeship a JOIN appointeeship_version v ON v.appointeeship_id = a.id
   ORDER BY v.appointeeship_id, v.version DESC;
CREATE VIEW deputyship_current AS
  SELECT DISTINCT ON (v.deputyship_id)
         d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date, v.end_date,
         v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason
    FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
   ORDER BY v.deputyship_id, v.version DESC;
DROP FUNCTION order_period(date, date);
ALTER TABLE deputyship_version DROP CONSTRAINT ck_deputyship_version_end,
  DROP CONSTRAINT ck_deputyship_version_superseded_ends, DROP COLUMN superseded_by;
ALTER TABLE appointeeship_version DROP CONSTRAINT ck_appointeeship_version_end,
  DROP CONSTRAINT ck_appointeeship_version_superseded_ends, DROP COLUMN superseded_by;
-- NOT VALID: a version that ended an order replaced on its own date stays as it was written.
ALTER TABLE deputyship_version ADD CONSTRAINT deputyship_version_check
  CHECK (end_date IS NULL OR end_date >= order_date) NOT VALID;
ALTER TABLE appointeeship_version ADD CONSTRAINT appointeeship_version_check
  CHECK (end_date IS NULL OR end_date >= start_date) NOT VALID;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Current versions found by key (issue 18 item 1): ``client_current``, ``deputyship_current``
and ``appointeeship_current`` read each record's newest version by its own primary key.

The views of 0001/0010/0039 picked the newest version with ``DISTINCT ON (v.client_id)`` (or
``v.deputyship_id``, ``v.appointeeship_id``): a column the view does not show, so a query's
``WHERE id = ...`` or ``WHERE client_id = ...`` could not be pushed into it, and every lookup
sorted every version of every client (50,000 clients: ``client(id)`` 0.85 s, of it 0.49 s of
JIT switched on by the inflated estimate). Each view now joins its record to its newest
version through a key kept in step by the database:

- ``client_current_version`` (new): each client's newest version number, written by a trigger
  on ``client_version`` in the transaction that appends the version, and by nothing else (a
  guard as ``order_in_force``'s); filled here from the versions.
- ``order_in_force`` (migration 0010) already holds each order's newest version, kept by the
  order version triggers: the order views join through it.

So each view is a plain join on primary keys: a lookup by id or by client id reads a few index
entries, a join from another table is a nested loop of such reads, a whole-caseload report is
hash joins, and the estimate is one current version per record. Same columns, same rows; the
versions are untouched (R-AUD-2) and stay the truth.

Revision ID: 0049
Revises: 0048 (written against 0047; the integrator re-chains it)
"""

from ca_api.migrate import run_script

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None

UPGRADE = """
-- Each client's newest version number, kept by the trigger below in the transaction that
-- appends the version (the versions stay the truth, R-AUD-2; tests/test_current_versions.py
-- checks the two agree).
CREATE TABLE client_current_version (
  client_id uuid PRIMARY KEY REFERENCES client (id),
  version   integer NOT NULL,
  FOREIGN KEY (client_id, version) REFERENCES client_version (client_id, version)
);
INSERT INTO client_current_version (client_id, version)
  SELECT client_id, max(version) FROM client_version GROUP BY client_id;

CREATE FUNCTION client_current_version_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO client_current_version (client_id, version) VALUES (NEW.client_id, NEW.version)
  ON CONFLICT (client_id) DO UPDATE SET version = EXCLUDED.version
    WHERE client_current_version.version < EXCLUDED.version;
  RETURN NULL;
END $$;
CREATE TRIGGER client_version_current AFTER INSERT ON client_version
  FOR EACH ROW EXECUTE FUNCTION client_current_version_sync();

-- Only that trigger writes the table (one trigger level down), as order_in_force's guard.
CREATE FUNCTION client_current_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'client_current_version is kept by the client version trigger: % refused',
      TG_OP USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER client_current_version_guard BEFORE INSERT OR UPDATE OR DELETE
  ON client_current_version FOR EACH ROW EXECUTE FUNCTION client_current_version_guard();
CREATE TRIGGER client_current_version_no_truncate BEFORE TRUNCATE ON client_current_version
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE OR REPLACE VIEW client_current AS
  SELECT c.id, c.reference, c.created_at, c.created_by, v.version, v.given_name,
         v.family_name, v.date_of_birth, v.ni_number, v.address_line1, v.address_line2, v.town,
         v.postcode, v.situation, v.status, v.referred_by, v.recorded_at, v.recorded_by,
         v.reason
    FROM client c
    JOIN client_current_version p ON p.client_id = c.id
    JOIN client_version v ON v.client_id = p.client_id AND v.version = p.version;

-- An order's newest version is the one order_in_force holds (migration 0010's triggers).
CREATE OR REPLACE VIEW deputyship_current AS
  SELECT d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date,
         v.end_date, v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason, v.superseded_by,
         v.health_and_welfare_order
    FROM deputyship d
    JOIN order_in_force o ON o.order_id = d.id
    JOIN deputyship_version v ON v.deputyship_id = o.order_id AND v.version = o.version;

CREATE OR REPLACE VIEW appointeeship_current AS
  SELECT a.id, a.client_id, a.created_at, v.version, v.dwp_reference,
         v.applied_on, v.start_date, v.end_date, v.recorded_at, v.recorded_by, v.reason,
         v.superseded_by
    FROM appointeeship a
    JOIN order_in_force o ON o.order_id = a.id
    JOIN appointeeship_version v ON v.appointeeship_id = o.order_id AND v.version = o.version;
"""

DOWNGRADE = """
CREATE OR REPLACE VIEW client_current AS
  SELECT DISTINCT ON (v.client_id) c.id, c.reference, c.created_at, c.created_by, v.version, v.given_name,
         v.family_name, v.date_of_birth, v.ni_number, v.address_line1, v.address_line2, v.town,
         v.postcode, v.situation, v.status, v.referred_by, v.recorded_at, v.recorded_by,
         v.reason
    FROM client c JOIN client_version v ON v.client_id = c.id
   ORDER BY v.client_id, v.version DESC;

CREATE OR REPLACE VIEW deputyship_current AS
  SELECT DISTINCT ON (v.deputyship_id) d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date,
         v.end_date, v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason, v.superseded_by,
         v.health_and_welfare_order
    FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
   ORDER BY v.deputyship_id, v.version DESC;

CREATE OR REPLACE VIEW appointeeship_current AS
  SELECT DISTINCT ON (v.appointeeship_id) a.id, a.client_id, a.created_at, v.version, v.dwp_reference,
         v.applied_on, v.start_date, v.end_date, v.recorded_at, v.recorded_by, v.reason,
         v.superseded_by
    FROM appointeeship a JOIN appointeeship_version v ON v.appointeeship_id = a.id
   ORDER BY v.appointeeship_id, v.version DESC;

DROP TRIGGER client_version_current ON client_version;
DROP TABLE client_current_version;
DROP FUNCTION client_current_version_sync(), client_current_version_guard();
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""The OPG annual report (issue 15; R-OPG, R-OPG-1, R-OPG-2). All append-only (R-AUD-2).

- ``deputyship_version.health_and_welfare_order``: the client also has a health and welfare
  order (the report's -4 variants); the ``deputyship_current`` view shows it.
- ``opg_report``: a deputy client's report for one period (unique per client and start); one
  unsubmitted report per client at a time is kept by the service under the client's lock (the
  status is derived from the events, so no index can say it).
- ``opg_report_version``: each generation from the ledger: the document (``content``, money in
  pence, with the transfers it included) and the type and assets it was decided on.
- ``opg_report_text``: the officer's free text per section; the latest per section wins.
- ``opg_report_event``: PREPARED, APPROVED, RETURNED, SUBMITTED (date, the OPG's reference, the
  PDF stored), CORRECTED (why), each naming the version it is about.
- The policy figure ``opg_report_higher_assets_threshold`` (£21,000, OPG102 / OPG103).

Revision ID: 0039
Revises: 0037 (the lead re-chains it to 0038)
"""

from ca_api.migrate import make_append_only, run_script

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

TABLES = ["opg_report", "opg_report_version", "opg_report_text", "opg_report_event"]

UPGRADE = r"""
ALTER TABLE deputyship_version
  ADD COLUMN health_and_welfare_order boolean NOT NULL DEFAULT false;

CREATE OR REPLACE VIEW deputyship_current AS
  SELECT DISTINCT ON (v.deputyship_id)
         d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date, v.end_date,
         v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason, v.superseded_by,
         v.health_and_welfare_order
    FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
   ORDER BY v.deputyship_id, v.version DESC;

CREATE TABLE opg_report (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  deputyship_id  uuid NOT NULL REFERENCES deputyship (id),
  period_start   date NOT NULL,
  period_end     date NOT NULL,
  due_on         date NOT NULL,
  opened_by      text NOT NULL,
  opened_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT uq_opg_report_period UNIQUE (client_id, period_start),
  CONSTRAINT ck_opg_report_period CHECK (period_end >= period_start AND due_on > period_end)
);
CREATE INDEX ix_opg_report_due ON opg_report (due_on, id);
CREATE INDEX ix_opg_report_client ON opg_report (client_id, period_start);

CREATE TABLE opg_report_version (
  report_id      uuid NOT NULL REFERENCES opg_report (id),
  version        integer NOT NULL CHECK (version > 0),
  generated_by   text NOT NULL,
  generated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  reason         text CHECK (length(reason) <= 2000),
  report_type    text NOT NULL CHECK (report_type IN ('102-6', '103-6', '102-4-6', '103-4-6')),
  assets_at_end  bigint NOT NULL,
  content        jsonb NOT NULL,
  PRIMARY KEY (report_id, version)
);

CREATE TABLE opg_report_text (
  id           bigserial PRIMARY KEY,
  report_id    uuid NOT NULL REFERENCES opg_report (id),
  section      text NOT NULL CHECK (section IN ('CLIENT_WISHES_AND_INVOLVEMENT',
                 'CARE_AND_WELLBEING', 'DECISIONS_SUMMARY', 'ACTIONS_NEXT_YEAR', 'ANYTHING_ELSE')),
  text         text NOT NULL CHECK (length(text) <= 20000),
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_opg_report_text ON opg_report_text (report_id, section, recorded_at, id);

CREATE TABLE opg_report_event (
  id                 bigserial PRIMARY KEY,
  report_id          uuid NOT NULL REFERENCES opg_report (id),
  event              text NOT NULL CHECK (event IN
                       ('PREPARED', 'APPROVED', 'RETURNED', 'SUBMITTED', 'CORRECTED')),
  version            integer NOT NULL,
  on_date            date NOT NULL,
  reason             text CHECK (length(reason) <= 2000),
  submitted_on       date,
  opg_reference      text CHECK (length(opg_reference) <= 100),
  submitted_file_id  uuid REFERENCES stored_file (id),
  recorded_by        text NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  FOREIGN KEY (report_id, version) REFERENCES opg_report_version (report_id, version),
  CONSTRAINT ck_opg_report_event_submitted CHECK (
    (event = 'SUBMITTED') = (submitted_on IS NOT NULL)
    AND (event = 'SUBMITTED') = (opg_reference IS NOT NULL)),
  CONSTRAINT ck_opg_report_event_reason CHECK (
    event NOT IN ('RETURNED', 'CORRECTED') OR length(btrim(reason)) > 0)
);
CREATE INDEX ix_opg_report_event ON opg_report_event (report_id, recorded_at, id);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('opg_report_higher_assets_threshold', '2007-10-01', 2100000, 'PENCE',
   'OPG: deputy report types (OPG102 / OPG103), £21,000', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE opg_report_event, opg_report_text, opg_report_version, opg_report;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'opg_report_higher_assets_threshold';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
DROP VIEW deputyship_current;
CREATE VIEW deputyship_current AS
  SELECT DISTINCT ON (v.deputyship_id)
         d.id, d.client_id, d.created_at, v.version, v.case_number, v.order_date, v.end_date,
         v.power_receive_income, v.power_manage_accounts, v.power_manage_capital,
         v.power_sell_property, v.power_let_property, v.power_make_gifts, v.gift_yearly_limit,
         v.supervision_type, v.recorded_at, v.recorded_by, v.reason, v.superseded_by
    FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
   ORDER BY v.deputyship_id, v.version DESC;
ALTER TABLE deputyship_version DROP COLUMN health_and_welfare_order;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Fee rates and fee runs (R-FEE, R-DATA).

The fee figures are effective-dated rows of policy_figure (R-FEE-6): seed 002 Appendix 3 (April
2014) and the later figures of domain.md R-DATA. A NULL value is known to be unknown (the 2024
PD19B management fees): the fee run refuses to charge with it rather than guess. A fee_run is one
per period; a fee_charge one per (client, fee kind, due date), naming the figures that priced it;
a fee_run_exception lists each deputy client a run did not charge and why. All append-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from ca_api.migrate import run_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE fee_run (
  id              uuid PRIMARY KEY,
  period_start    date NOT NULL,
  period_end      date NOT NULL,
  run_by          text NOT NULL,
  run_at          timestamptz NOT NULL DEFAULT now(),
  charges         integer NOT NULL CHECK (charges >= 0),
  clients_charged integer NOT NULL CHECK (clients_charged >= 0),
  total           bigint NOT NULL CHECK (total >= 0),
  clients_refused integer NOT NULL CHECK (clients_refused >= 0),
  clients_short   integer NOT NULL CHECK (clients_short >= 0),
  CONSTRAINT uq_fee_run_period UNIQUE (period_start, period_end),
  CONSTRAINT ck_fee_run_period CHECK (period_end >= period_start)
);

CREATE TABLE fee_charge (
  transfer_id              uuid PRIMARY KEY REFERENCES transfer (id),
  run_id                   uuid NOT NULL REFERENCES fee_run (id),
  client_id                uuid NOT NULL REFERENCES client (id),
  deputyship_id            uuid NOT NULL REFERENCES deputyship (id),
  kind                     text NOT NULL CHECK (kind IN ('DEPUTY_REMUNERATION', 'OPG_SUPERVISION')),
  basis                    text NOT NULL CHECK (basis IN ('FIRST_YEAR', 'LATER_YEAR',
                             'LOW_ASSETS_PERCENT', 'SUPERVISION_GENERAL', 'SUPERVISION_MINIMAL')),
  due_date                 date NOT NULL,
  anniversary              integer NOT NULL CHECK (anniversary >= 1),
  amount                   bigint NOT NULL CHECK (amount > 0),
  net_assets               bigint,
  figure_name              text NOT NULL,
  figure_effective_from    date NOT NULL,
  figure_value             numeric NOT NULL,
  threshold_name           text,
  threshold_effective_from date,
  threshold_value          numeric,
  CONSTRAINT uq_fee_charge_client_kind_due UNIQUE (client_id, kind, due_date),
  CONSTRAINT fk_fee_charge_figure FOREIGN KEY (figure_name, figure_effective_from)
    REFERENCES policy_figure (name, effective_from),
  CONSTRAINT fk_fee_charge_threshold FOREIGN KEY (threshold_name, threshold_effective_from)
    REFERENCES policy_figure (name, effective_from),
  CONSTRAINT ck_fee_charge_kind_basis CHECK (
    (kind = 'OPG_SUPERVISION') = (basis IN ('SUPERVISION_GENERAL', 'SUPERVISION_MINIMAL')))
);
CREATE INDEX ix_fee_charge_run ON fee_charge (run_id);

CREATE TABLE fee_run_exception (
  run_id      uuid NOT NULL REFERENCES fee_run (id),
  client_id   uuid NOT NULL REFERENCES client (id),
  outcome     text NOT NULL CHECK (outcome IN ('POLICY_MISSING', 'INSUFFICIENT_FUNDS')),
  reason      text NOT NULL,
  figure_name text,
  figure_date date,
  wanted      bigint,
  available   bigint,
  PRIMARY KEY (run_id, client_id)
);

CREATE TRIGGER fee_run_append_only BEFORE UPDATE OR DELETE ON fee_run
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_run_no_truncate BEFORE TRUNCATE ON fee_run
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_charge_append_only BEFORE UPDATE OR DELETE ON fee_charge
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_charge_no_truncate BEFORE TRUNCATE ON fee_charge
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_run_exception_append_only BEFORE UPDATE OR DELETE ON fee_run_exception
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_run_exception_no_truncate BEFORE TRUNCATE ON fee_run_exception
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Fee figures (R-FEE-6, R-DATA). Amounts in pence. A figure applies to a fee whose due date
-- (the end of the deputyship year it pays for) is on or after effective_from.
INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('deputy_fee_first_year', '2014-04-01', 70000, 'PENCE', 'seed 002 Appendix 3: CoP fixed rate, first anniversary (R-FEE-1)', 'migration'),
  ('deputy_fee_first_year', '2017-04-01', 77500, 'PENCE', 'PD19B (2017): PA annual management, first year (R-DATA)', 'migration'),
  ('deputy_fee_first_year', '2024-04-01', NULL, 'PENCE', 'PD19B (2024): 2024 figures to be entered from PD19B (R-DATA): unknown', 'migration'),
  ('deputy_fee_later_year', '2014-04-01', 58500, 'PENCE', 'seed 002 Appendix 3: CoP fixed rate, subsequent annual charge (R-FEE-1)', 'migration'),
  ('deputy_fee_later_year', '2017-04-01', 65000, 'PENCE', 'PD19B (2017): PA annual management, second and later years (R-DATA)', 'migration'),
  ('deputy_fee_later_year', '2024-04-01', NULL, 'PENCE', 'PD19B (2024): 2024 figures to be entered from PD19B (R-DATA): unknown', 'migration'),
  ('deputy_fee_low_assets_threshold', '2014-04-01', 1600000, 'PENCE', 'seed 002 Appendix 3: 3% where the client has less than £16k (R-FEE-1)', 'migration'),
  ('deputy_fee_low_assets_threshold', '2024-04-01', 2030000, 'PENCE', 'PD19B (2024): £20,300 for periods ending on or after 2024-04-01 (R-DATA)', 'migration'),
  ('deputy_fee_low_assets_percent', '2014-04-01', 3, 'PERCENT', 'seed 002 Appendix 3: 3% of net assets under the threshold (R-FEE-1)', 'migration'),
  ('opg_supervision_fee_general', '2014-04-01', 32000, 'PENCE', 'seed 002 Appendix 3: OPG supervision types 1, 2A and 2 (R-FEE-2); £320 still (gov.uk deputy fees, R-DATA)', 'migration'),
  ('opg_supervision_fee_minimal', '2014-04-01', 3500, 'PENCE', 'seed 002 Appendix 3: OPG supervision type 3 (R-FEE-2); £35 still (gov.uk deputy fees, R-DATA)', 'migration'),
  ('opg_minimal_supervision_assets_limit', '2014-04-01', 1950000, 'PENCE', 'seed 002: type 3 minimal supervision, assets less than £19,500 (R-ORD-3)', 'migration'),
  ('opg_minimal_supervision_assets_limit', '2015-09-07', 2100000, 'PENCE', 'OPG reclassification to general/minimal supervision from Monday 7 September 2015: minimal for assets below £21,000 (R-DATA)', 'migration'),
  ('wind_up_fee', '2014-04-01', 37500, 'PENCE', 'seed 002 Appendix 3: county council wind-up fee, all clients, on death (R-FEE-5)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE fee_run_exception, fee_charge, fee_run;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name IN ('deputy_fee_first_year', 'deputy_fee_later_year',
  'deputy_fee_low_assets_threshold', 'deputy_fee_low_assets_percent',
  'opg_supervision_fee_general', 'opg_supervision_fee_minimal',
  'opg_minimal_supervision_assets_limit', 'wind_up_fee');
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

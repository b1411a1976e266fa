"""Budget plans and threshold flags (R-BUD, R-CARE-2, R-INV-1, R-INV-2, R-DATA).

A budget plan is never edited: a revision is a new plan naming the one it supersedes (R-AUD-2).
Its computed totals are stored with CHECKs tying them together (R-BUD-2, R-BUD-3) so the threshold
query can read them in SQL. The one column that may be set later is ``decision_id``, the
"financial plans and budgets" approval (R-DEC), which the decisions module will fill in: once,
from NULL, and nothing else may change. Lines and asset declarations are append-only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from ca_api.migrate import make_append_only, run_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE budget_plan (
  id                  uuid PRIMARY KEY,
  client_id           uuid NOT NULL REFERENCES client (id),
  plan_year_start     date NOT NULL,
  opening_balance     bigint NOT NULL CHECK (opening_balance >= 0),  -- pence (R-PAY-3)
  notes               text CHECK (length(notes) <= 2000),
  annual_income       bigint NOT NULL CHECK (annual_income >= 0),
  annual_expenditure  bigint NOT NULL CHECK (annual_expenditure >= 0),
  available_income    bigint NOT NULL,
  surplus             bigint NOT NULL,
  -- R-BUD-4: the personal allowance calculation, with the price rise in force at the plan's start
  pa_last_year_actual bigint CHECK (pa_last_year_actual >= 0),
  pa_price_rise_percent numeric,
  pa_uplift           bigint,
  pa_year_total       bigint,
  pa_weekly           bigint,
  -- the totals a paper plan printed, where known
  printed_income      bigint,
  printed_expenditure bigint,
  printed_available_income bigint,
  printed_surplus     bigint,
  supersedes_id       uuid REFERENCES budget_plan (id),
  -- the "financial plans and budgets" decision approving it (R-DEC): set later, once
  decision_id         uuid,
  recorded_by         text NOT NULL,
  recorded_at         timestamptz NOT NULL DEFAULT clock_timestamp(),  -- orders revisions made in one transaction
  CONSTRAINT uq_budget_plan_supersedes_id UNIQUE (supersedes_id),
  CONSTRAINT ck_budget_plan_available CHECK (available_income = annual_income - annual_expenditure),
  CONSTRAINT ck_budget_plan_surplus CHECK (surplus = opening_balance + available_income),
  CONSTRAINT ck_budget_plan_pa CHECK (
    (pa_last_year_actual IS NULL AND pa_price_rise_percent IS NULL AND pa_uplift IS NULL
       AND pa_year_total IS NULL AND pa_weekly IS NULL)
    OR (pa_last_year_actual IS NOT NULL AND pa_price_rise_percent IS NOT NULL
       AND pa_uplift IS NOT NULL AND pa_year_total = pa_last_year_actual + pa_uplift
       AND pa_weekly IS NOT NULL)),
  CONSTRAINT ck_budget_plan_not_self CHECK (supersedes_id IS DISTINCT FROM id)
);
CREATE INDEX ix_budget_plan_client ON budget_plan (client_id, plan_year_start DESC, recorded_at DESC);

CREATE TABLE budget_plan_line (
  plan_id        uuid NOT NULL REFERENCES budget_plan (id),
  line_no        integer NOT NULL CHECK (line_no >= 1),
  side           text NOT NULL CHECK (side IN ('INCOME', 'EXPENDITURE')),
  item           text NOT NULL CHECK (length(item) BETWEEN 1 AND 200),
  amount         bigint CHECK (amount >= 0),
  frequency      text CHECK (frequency IN ('WEEKLY', 'FORTNIGHTLY', 'FOUR_WEEKLY', 'MONTHLY',
                   'QUARTERLY', 'TWICE_A_YEAR', 'ANNUALLY', 'AD_HOC')),
  annual_entered bigint CHECK (annual_entered >= 0),  -- an annual figure entered directly
  note           text CHECK (length(note) <= 2000),
  PRIMARY KEY (plan_id, line_no),
  CONSTRAINT ck_budget_plan_line_frequency_needs_amount CHECK (frequency IS NULL OR amount IS NOT NULL),
  CONSTRAINT ck_budget_plan_line_something CHECK (amount IS NOT NULL OR annual_entered IS NOT NULL)
);

-- R-INV-1: an appointee client found to hold capital, property or a private pension. The latest
-- declaration on or before a date stands; a later one with all false clears it.
CREATE TABLE client_asset_declaration (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  declared_on     date NOT NULL,
  capital         boolean NOT NULL,
  property        boolean NOT NULL,
  private_pension boolean NOT NULL,
  note            text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_client_asset_declaration_client
  ON client_asset_declaration (client_id, declared_on DESC, recorded_at DESC);

-- A plan is never changed (R-AUD-2) except for setting its approving decision once.
CREATE FUNCTION budget_plan_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.decision_id IS NULL AND NEW.decision_id IS NOT NULL
     AND (to_jsonb(NEW) - 'decision_id') = (to_jsonb(OLD) - 'decision_id') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'budget_plan is append-only: record a new plan that supersedes this one'
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER budget_plan_append_only BEFORE UPDATE OR DELETE ON budget_plan
  FOR EACH ROW EXECUTE FUNCTION budget_plan_guard();
CREATE TRIGGER budget_plan_no_truncate BEFORE TRUNCATE ON budget_plan
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Seed policy (seed 002, April 2014): thresholds and the price rise are data (R-DATA, R-INV-2).
INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('personal_allowance_price_rise', '2014-04-01', 10, 'PERCENT', 'seed 002 Appendix 4: personal allowance calculation, 10% for price rises (R-BUD-4)', 'migration'),
  ('deputyship_flag_assets_above_needs', '2014-04-01', 800000, 'PENCE', 'seed 002 B3.6: assets reach £8,000 above 12 months'' needs (R-INV-1)', 'migration'),
  ('lodgement_surplus_threshold', '2014-04-01', 2500000, 'PENCE', 'seed 002 7.7, 20.2-20.3: surplus of £25,000.00 and above (R-INV-2)', 'migration');
"""

APPEND_ONLY = ["budget_plan_line", "client_asset_declaration"]


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(APPEND_ONLY)


def downgrade() -> None:
    run_script(
        """
        DROP TABLE client_asset_declaration, budget_plan_line, budget_plan;
        DROP FUNCTION budget_plan_guard();
        ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
        DELETE FROM policy_figure WHERE recorded_by = 'migration' AND name IN
          ('personal_allowance_price_rise', 'deputyship_flag_assets_above_needs',
           'lodgement_surplus_threshold');
        ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
        """
    )

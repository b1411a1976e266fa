"""The maximum for any one amount; figures and rates kept to their typed shapes; the year a fee
charge pays for (issue 9 items 6, 9 and 10).

- ``amount_maximum`` (PENCE): £10,000,000.00 from 2014-04-01, the documented maximum for any one
  amount a caller enters (``ca_api.policy.amounts`` says why that figure).
- Every policy figure is stored in the shape GraphQL gives it: PENCE a whole number of pence
  within the Money scalar's bound, COUNT and DAYS whole numbers within GraphQL's Int, PERCENT at
  most four decimal places (the Percent scalar). So are the stored rates (institution products,
  placements) and a plan's price rise. Every existing row already is.
- ``fee_charge.year_start`` and ``year_end`` (inclusive): the deputyship year a fee pays for, from
  the anniversary before (the order date for the first) to the day before its due date. Charges
  made before this migration are filled in once from the order date of the deputyship version in
  force when their run was made, with the append-only trigger off for that one statement (the
  same pattern as the downgrades of 0005 to 0008); nothing they already held changes.

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-24
"""

from ca_api.migrate import run_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The year each charge pays for (fees/rules.py: from the anniversary before, the order date for
# the first, to the day before its due date), from the order date of the deputyship version in
# force when its run was made. tests/test_fee_runs.py checks it against the rules.
YEARS = r"""
SELECT fc.transfer_id,
  CASE
    WHEN fc.anniversary = 1 THEN v.order_date
    -- an order made on 29 February: its anniversary in a common year is 1 March
    WHEN to_char(v.order_date, 'MM-DD') = '02-29'
         AND NOT ((y.y % 4 = 0 AND y.y % 100 <> 0) OR y.y % 400 = 0) THEN make_date(y.y, 3, 1)
    ELSE make_date(y.y, extract(month FROM v.order_date)::int,
                   extract(day FROM v.order_date)::int)
  END AS year_start,
  fc.due_date - 1 AS year_end
FROM fee_charge fc
JOIN fee_run r ON r.id = fc.run_id
CROSS JOIN LATERAL (
  SELECT dv.order_date FROM deputyship_version dv
  WHERE dv.deputyship_id = fc.deputyship_id
  ORDER BY (dv.recorded_at <= r.run_at) DESC, dv.version DESC LIMIT 1) v
CROSS JOIN LATERAL (
  SELECT extract(year FROM v.order_date)::int + fc.anniversary - 1 AS y) y
"""

UPGRADE = r"""
INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('amount_maximum', '2014-04-01', 1000000000, 'PENCE', 'issue 9 item 6: the maximum for any one amount entered, £10,000,000.00 either side of zero; no client of the service comes near it (the seed''s largest surplus is £111,165.39) (R-DATA)', 'migration');

ALTER TABLE policy_figure ADD CONSTRAINT ck_policy_figure_value_shape CHECK (
  value IS NULL
  OR (unit = 'PENCE' AND value = trunc(value) AND abs(value) < 100000000000000)
  OR (unit IN ('COUNT', 'DAYS') AND value = trunc(value) AND abs(value) <= 2147483647)
  OR (unit = 'PERCENT' AND value = round(value, 4) AND abs(value) < 1000));
ALTER TABLE institution_product ADD CONSTRAINT ck_institution_product_rate_places
  CHECK (rate_percent = round(rate_percent, 4));
ALTER TABLE placement ADD CONSTRAINT ck_placement_rate_places
  CHECK (rate_percent = round(rate_percent, 4) AND rate_percent < 1000);
ALTER TABLE budget_plan ADD CONSTRAINT ck_budget_plan_price_rise_places
  CHECK (pa_price_rise_percent = round(pa_price_rise_percent, 4)
         AND abs(pa_price_rise_percent) < 1000);

ALTER TABLE fee_charge ADD COLUMN year_start date, ADD COLUMN year_end date;
ALTER TABLE fee_charge DISABLE TRIGGER fee_charge_append_only;
UPDATE fee_charge c SET year_start = years.year_start, year_end = years.year_end
  FROM ({YEARS}) years WHERE years.transfer_id = c.transfer_id;
ALTER TABLE fee_charge ENABLE TRIGGER fee_charge_append_only;
ALTER TABLE fee_charge
  ALTER COLUMN year_start SET NOT NULL,
  ALTER COLUMN year_end SET NOT NULL,
  ADD CONSTRAINT ck_fee_charge_year CHECK (year_start < due_date AND year_end = due_date - 1);
"""

DOWNGRADE = r"""
ALTER TABLE fee_charge DROP CONSTRAINT ck_fee_charge_year;
ALTER TABLE fee_charge DROP COLUMN year_end, DROP COLUMN year_start;
ALTER TABLE budget_plan DROP CONSTRAINT ck_budget_plan_price_rise_places;
ALTER TABLE placement DROP CONSTRAINT ck_placement_rate_places;
ALTER TABLE institution_product DROP CONSTRAINT ck_institution_product_rate_places;
ALTER TABLE policy_figure DROP CONSTRAINT ck_policy_figure_value_shape;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'amount_maximum' AND recorded_by = 'migration';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE.replace("{YEARS}", YEARS))


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Income tax (issue 14 item 6; R-CARE-6, seed 002 B 19). Append-only (R-AUD-2): a correction
is a new row that supersedes the one it corrects (``supersedes_id``, once each), with the reason.

- ``tax_return_filing``: a client's tax return for a tax year (named by the year it starts, 6
  April) recorded filed: when, HMRC's reference, the tax due it showed, the adviser consulted
  (B 19.2). One first record per client and year (a partial unique index). The year's income,
  tax paid and refunded are the ledger's (OPG categories, R-OPG-1), never copied here.
- ``policy_figure`` (seed 002 B 19.1 "where relevant" names no threshold; what we decided):
  ``income_tax_personal_allowance`` (a return is needed when the year's taxable income is over
  it), ``income_tax_property_allowance`` (or rent over it), ``tax_return_due_days_after_year_end``
  (301 days after 5 April: 31 January, the online return's deadline). Read on 6 April.

Revision ID: 0035
Revises: 0034
"""

from ca_api.migrate import make_append_only, run_script

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

TABLES = ["tax_return_filing"]

UPGRADE = r"""
CREATE TABLE tax_return_filing (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  tax_year             integer NOT NULL CHECK (tax_year BETWEEN 2015 AND 2100),
  filed_on             date NOT NULL CHECK (filed_on > make_date(tax_year + 1, 4, 5)),
  reference            text CHECK (reference IS NULL OR length(reference) <= 100),
  tax_due              bigint CHECK (tax_due IS NULL OR tax_due >= 0),
  advised_by           text CHECK (advised_by IS NULL OR length(advised_by) <= 2000),
  supersedes_id        uuid REFERENCES tax_return_filing (id),
  reason               text CHECK (reason IS NULL OR length(reason) <= 2000),
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_tax_return_filing_correction CHECK ((supersedes_id IS NULL) = (reason IS NULL)),
  CONSTRAINT uq_tax_return_filing_supersedes UNIQUE (supersedes_id)
);
CREATE UNIQUE INDEX uq_tax_return_filing_first ON tax_return_filing (client_id, tax_year)
  WHERE supersedes_id IS NULL;
CREATE INDEX ix_tax_return_filing_year ON tax_return_filing (tax_year, client_id);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('income_tax_personal_allowance', '2015-04-06', 1060000, 'PENCE', 'HMRC personal allowance 2015-16 (£10,600): a client''s tax return is needed where the year''s taxable income is over it (seed 002 B 19.1 "where relevant", R-CARE-6)', 'migration'),
  ('income_tax_personal_allowance', '2016-04-06', 1100000, 'PENCE', 'HMRC personal allowance 2016-17 (£11,000)', 'migration'),
  ('income_tax_personal_allowance', '2017-04-06', 1150000, 'PENCE', 'HMRC personal allowance 2017-18 (£11,500)', 'migration'),
  ('income_tax_personal_allowance', '2018-04-06', 1185000, 'PENCE', 'HMRC personal allowance 2018-19 (£11,850)', 'migration'),
  ('income_tax_personal_allowance', '2019-04-06', 1250000, 'PENCE', 'HMRC personal allowance 2019-20 and 2020-21 (£12,500)', 'migration'),
  ('income_tax_personal_allowance', '2021-04-06', 1257000, 'PENCE', 'HMRC personal allowance from 2021-22 (£12,570)', 'migration'),
  ('income_tax_property_allowance', '2017-04-06', 100000, 'PENCE', 'HMRC property allowance from 2017-18 (£1,000): rent over it is declared on a return (seed 002 B 19.1, R-CARE-6)', 'migration'),
  ('tax_return_due_days_after_year_end', '2015-04-06', 301, 'DAYS', 'an online tax return is due 31 January after the tax year ends on 5 April: 301 days (seed 002 B 19.1 "completed annually", R-CARE-6)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE tax_return_filing;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name IN ('income_tax_personal_allowance',
  'income_tax_property_allowance', 'tax_return_due_days_after_year_end');
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

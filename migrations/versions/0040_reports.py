"""Reports the committee and the dashboards run on (issue 16, R-REP, R-ROLE `reporting`).

- ``policy_figure`` ``report_small_count_suppression`` (COUNT, what we decided; seed 002 names
  none): a count a ``reporting`` caller reads that is at least 1 and under this figure is shown as
  null with ``suppressed: true`` (so a small cell cannot point at a person), and so is any money
  figure or average resting on such a count. 5: counts 1 to 4 are suppressed. Read on the day the
  report is asked for (the disclosure is made then), whatever date it reports on.

No table: the reports read the records every other module keeps.

Revision ID: 0040
Revises: 0037
"""

from ca_api.migrate import run_script

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

UPGRADE = r"""
INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('report_small_count_suppression', '2013-01-01', 5, 'COUNT', 'issue 16 item 7 (R-ROLE reporting: aggregates only, no personal data): counts 1 to 4 shown to the reporting role as suppressed; our choice, the usual small-cell rule of official statistics', 'migration');
"""

DOWNGRADE = r"""
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'report_small_count_suppression';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""The authors of a decision: everyone who wrote what it decides (issue 9 item 8, R-ROLE-2).

Four eyes: whoever raised a decision may not approve or refuse it, and neither may whoever wrote
any of what it approves. ``decision_author`` holds them, one row per person, written with the
decision and never changed (R-AUD-2): always whoever raised it; for a budget plan's
FINANCIAL_PLAN decision whoever recorded the plan and the revisions of the same plan year it
replaced; for a decision that supersedes another, every author of that one.

Decisions raised before this migration get the same authors from what is recorded: their raiser,
the plans linked to them (budget_plan.decision_id) and the revisions those replaced, and the
authors of the decisions they superseded. A payment's authors need no table: whoever raised it
and whoever recorded its invoice, both on rows that never change.

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-24
"""

from ca_api.migrate import make_append_only, run_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE decision_author (
  decision_id  uuid NOT NULL REFERENCES decision (id),
  author       text NOT NULL CHECK (length(author) >= 1),
  PRIMARY KEY (decision_id, author)
);
CREATE INDEX ix_decision_author_author ON decision_author (author, decision_id);

WITH RECURSIVE plan_chain AS (
  SELECT bp.decision_id, bp.supersedes_id, bp.plan_year_start, bp.recorded_by
  FROM budget_plan bp
  WHERE bp.decision_id IS NOT NULL
  UNION ALL
  SELECT c.decision_id, p.supersedes_id, c.plan_year_start, p.recorded_by
  FROM plan_chain c
  JOIN budget_plan p ON p.id = c.supersedes_id AND p.plan_year_start = c.plan_year_start
),
own AS (
  SELECT id AS decision_id, raised_by AS author FROM decision
  UNION
  SELECT pc.decision_id, pc.recorded_by FROM plan_chain pc
  JOIN decision d ON d.id = pc.decision_id
),
lineage AS (
  SELECT id AS decision_id, id AS ancestor, supersedes_id FROM decision
  UNION ALL
  SELECT l.decision_id, d.id, d.supersedes_id
  FROM lineage l JOIN decision d ON d.id = l.supersedes_id
)
INSERT INTO decision_author (decision_id, author)
SELECT DISTINCT l.decision_id, o.author
FROM lineage l JOIN own o ON o.decision_id = l.ancestor;
"""

DOWNGRADE = r"""
DROP TABLE decision_author;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(["decision_author"])


def downgrade() -> None:
    run_script(DOWNGRADE)

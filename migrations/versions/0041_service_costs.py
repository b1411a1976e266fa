"""The service's cost and income, its workload and the exceptions register (issue 16 items 3, 5
and 6; R-REP-3, R-DATA, seed 002 Appendix 5, D 1.3, D 4). All append-only (R-AUD-2).

- ``service_cost_version``: the whole cost table from an effective date, as the governance
  manager records it: the overhead rate (a percentage of payroll plus on-costs: 11.14% in the
  seed, BSD's overheads 1,783,700 over its salaries 16,012,526, rounded as the seed rounds it),
  the bank charges a year (pence). A new version supersedes (the latest effective date on or
  before the day, then the latest recorded); none is ever edited.
- ``service_cost_role``: a version's staff roles in order: title, FTE, payroll plus on-costs a
  year (pence), and ``overheads`` only where the source states a figure that the rate does not
  give to the penny (kept as stated, R-DATA; docs/service_costs.md).
- ``policy_exception``: an exception to the Client Affairs policy submitted to the governance
  manager (D 1.3): what, the rule or section, the client if any, who submitted it (subject and
  role) and when.
- ``policy_exception_decision``: the governance manager's decision, once: APPROVED or REFUSED
  with the reason, the groups it was then put to (D 1.3: BSD DMT, ASC DMT, CMT, the scrutiny
  committee), who decided (never the submitter, R-ROLE-2) and when.
- ``policy_figure`` ``clients_per_fte_maximum`` and ``clients_per_fte_review_excess``: D 4.1-4.2,
  "yet to be agreed" and "x% (to be agreed)": recorded as known to be unknown (NULL) from the
  seed's date, 2014-06-10.

Revision ID: 0041
Revises: 0037
"""

from ca_api.migrate import make_append_only, run_script

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

TABLES = [
    "service_cost_version",
    "service_cost_role",
    "policy_exception",
    "policy_exception_decision",
]

UPGRADE = r"""
CREATE TABLE service_cost_version (
  id              uuid PRIMARY KEY,
  effective_from  date NOT NULL,
  overhead_rate   numeric(7,4) NOT NULL CHECK (overhead_rate >= 0 AND overhead_rate < 100),
  bank_charges    bigint NOT NULL CHECK (bank_charges >= 0),
  note            text NOT NULL CHECK (length(btrim(note)) BETWEEN 1 AND 2000),
  recorded_by     text NOT NULL,
  -- clock_timestamp(): two versions of one date recorded in one transaction keep their order
  recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_service_cost_version_from
  ON service_cost_version (effective_from, recorded_at);

CREATE TABLE service_cost_role (
  version_id  uuid NOT NULL REFERENCES service_cost_version (id),
  position    integer NOT NULL CHECK (position >= 1),
  title       text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  fte         numeric(6,2) NOT NULL CHECK (fte > 0 AND fte <= 1000),
  payroll     bigint NOT NULL CHECK (payroll >= 0),
  overheads   bigint CHECK (overheads >= 0),
  PRIMARY KEY (version_id, position)
);

CREATE TABLE policy_exception (
  id                 uuid PRIMARY KEY,
  summary            text NOT NULL CHECK (length(btrim(summary)) BETWEEN 1 AND 2000),
  policy_reference   text NOT NULL CHECK (length(btrim(policy_reference)) BETWEEN 1 AND 200),
  client_id          uuid REFERENCES client (id),
  submitted_on       date NOT NULL,
  submitted_by       text NOT NULL,
  submitted_by_role  text NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_policy_exception_submitted ON policy_exception (submitted_on, recorded_at, id);

CREATE TABLE policy_exception_decision (
  id               bigserial PRIMARY KEY,
  exception_id     uuid NOT NULL REFERENCES policy_exception (id),
  outcome          text NOT NULL CHECK (outcome IN ('APPROVED', 'REFUSED')),
  reason           text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
  referred_to      text[] NOT NULL DEFAULT '{}'
                   CHECK (referred_to <@ ARRAY['BSD_DMT', 'ASC_DMT', 'CMT',
                                               'SCRUTINY_COMMITTEE']::text[]),
  decided_on       date NOT NULL,
  decided_by       text NOT NULL,
  decided_by_role  text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT uq_policy_exception_decision_once UNIQUE (exception_id)
);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('clients_per_fte_maximum', '2014-06-10', NULL, 'COUNT', 'seed 002 D 4.1: a maximum number of clients per full time equivalent is yet to be agreed: unknown (R-DATA)', 'migration'),
  ('clients_per_fte_review_excess', '2014-06-10', NULL, 'PERCENT', 'seed 002 D 4.2: the excess over the maximum (x%, to be agreed) at which the governance manager seeks a review of resources: unknown (R-DATA)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE policy_exception_decision, policy_exception, service_cost_role, service_cost_version;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure
  WHERE name IN ('clients_per_fte_maximum', 'clients_per_fte_review_excess');
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Approved institutions, placements, existing investments, investment statements.

R-INV-3 (investment statements, agreed as INVESTMENT_PLAN decisions), R-INV-4 (placements only
with approved institutions, at most ``placement_max_term_months``, within the FSCS deposit
protection limit per client per institution), R-INV-5 (existing investments kept, with where
their documents are held), R-INV-6 (money back from a placement). Every table is append-only
(R-AUD-2): a review, a revaluation, a placement's progress are new rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from ca_api.migrate import make_append_only, run_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The register of approved institutions (R-INV-4). Each is also a ledger counterparty of kind
-- INSTITUTION (interest comes from it).
CREATE TABLE approved_institution (
  id               uuid PRIMARY KEY,
  name             text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  counterparty_id  uuid NOT NULL UNIQUE REFERENCES counterparty (id),
  approved_on      date NOT NULL,
  note             text CHECK (length(note) <= 4000),
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);

-- Reviews of an institution (seed 002 7.11): the latest on or before a date says whether it is
-- still approved on that date.
CREATE TABLE institution_review (
  id              bigserial PRIMARY KEY,
  institution_id  uuid NOT NULL REFERENCES approved_institution (id),
  reviewed_on     date NOT NULL,
  still_approved  boolean NOT NULL,
  note            text NOT NULL CHECK (length(note) BETWEEN 1 AND 4000),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_institution_review_institution ON institution_review (institution_id, reviewed_on, id);

-- A product (account type) of an institution; a new rate is a new product row.
CREATE TABLE institution_product (
  id              uuid PRIMARY KEY,
  institution_id  uuid NOT NULL REFERENCES approved_institution (id),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  rate_percent    numeric NOT NULL CHECK (rate_percent >= 0 AND rate_percent < 100),
  notice          text NOT NULL CHECK (length(notice) BETWEEN 1 AND 200),
  minimum         bigint CHECK (minimum >= 0),   -- pence; NULL: no minimum
  maximum         bigint CHECK (maximum > 0),    -- pence; NULL: no limit
  effective_from  date NOT NULL,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_institution_product_limits CHECK (
    minimum IS NULL OR maximum IS NULL OR minimum <= maximum)
);
CREATE INDEX ix_institution_product_institution ON institution_product (institution_id);

-- A placement proposed (with its INVESTMENT_PLAN decision) and what was judged: the rate, and
-- the deposit protection figure in force on the start date.
CREATE TABLE placement (
  id                     uuid PRIMARY KEY,
  client_id              uuid NOT NULL REFERENCES client (id),
  institution_id         uuid NOT NULL REFERENCES approved_institution (id),
  product_id             uuid NOT NULL REFERENCES institution_product (id),
  amount                 bigint NOT NULL CHECK (amount > 0),
  start_date             date NOT NULL,
  maturity_date          date NOT NULL,
  rate_percent           numeric NOT NULL CHECK (rate_percent >= 0),
  decision_id            uuid NOT NULL UNIQUE REFERENCES decision (id),
  protection_limit       bigint NOT NULL,
  protection_limit_name  text NOT NULL DEFAULT 'fscs_deposit_protection_limit'
                           CHECK (protection_limit_name = 'fscs_deposit_protection_limit'),
  protection_limit_from  date NOT NULL,
  proposed_by            text NOT NULL,
  proposed_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_placement_term CHECK (maturity_date > start_date),
  CONSTRAINT fk_placement_protection_limit FOREIGN KEY (protection_limit_name, protection_limit_from)
    REFERENCES policy_figure (name, effective_from)
);
CREATE INDEX ix_placement_client ON placement (client_id, start_date, id);
CREATE INDEX ix_placement_institution ON placement (institution_id, client_id);

-- What happened to a placement: PLACED (money to its own ledger account), then once MATURED or
-- WITHDRAWN (principal back to CMS, interest from the institution).
CREATE TABLE placement_event (
  id                     bigserial PRIMARY KEY,
  placement_id           uuid NOT NULL REFERENCES placement (id),
  event                  text NOT NULL CHECK (event IN ('PLACED', 'MATURED', 'WITHDRAWN')),
  on_date                date NOT NULL,
  account_id             uuid NOT NULL REFERENCES ledger_account (id),
  principal_transfer_id  uuid NOT NULL REFERENCES transfer (id),
  interest_transfer_id   uuid REFERENCES transfer (id),
  interest               bigint CHECK (interest >= 0),
  days_held              integer CHECK (days_held >= 0),
  recorded_by            text NOT NULL,
  recorded_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_placement_event_placed ON placement_event (placement_id)
  WHERE event = 'PLACED';
CREATE UNIQUE INDEX uq_placement_event_closed ON placement_event (placement_id)
  WHERE event IN ('MATURED', 'WITHDRAWN');

-- Existing investments kept where prudent (R-INV-5); a revaluation is a new row naming the one
-- it follows.
CREATE TABLE existing_investment (
  id                 uuid PRIMARY KEY,
  client_id          uuid NOT NULL REFERENCES client (id),
  kind               text NOT NULL CHECK (kind IN ('SHARES', 'BONDS', 'ISA', 'OTHER')),
  holder             text NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
  units              numeric CHECK (units >= 0),
  valuation          bigint CHECK (valuation >= 0),
  valued_on          date,
  documents_held_at  text NOT NULL CHECK (length(documents_held_at) BETWEEN 1 AND 400),
  note               text CHECK (length(note) <= 4000),
  revises_id         uuid UNIQUE REFERENCES existing_investment (id),
  recorded_by        text NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_existing_investment_valued CHECK ((valuation IS NULL) = (valued_on IS NULL))
);
CREATE INDEX ix_existing_investment_client ON existing_investment (client_id);

-- Investment statements on a new deputy order (R-INV-3), each agreed as an INVESTMENT_PLAN
-- decision.
CREATE TABLE investment_statement (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  deputyship_id        uuid NOT NULL REFERENCES deputyship (id),
  summary              text NOT NULL CHECK (length(summary) BETWEEN 1 AND 4000),
  investments_summary  text NOT NULL CHECK (length(investments_summary) BETWEEN 1 AND 4000),
  surplus              bigint NOT NULL,
  decision_id          uuid NOT NULL UNIQUE REFERENCES decision (id),
  submitted_on         date NOT NULL,
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_investment_statement_deputyship ON investment_statement (deputyship_id);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('fscs_deposit_protection_limit', '2014-04-01', 8500000, 'PENCE', 'seed 002 7.11: FSCS deposit compensation limit £85,000 per person per institution (R-INV-4)', 'migration'),
  ('fscs_deposit_protection_limit', '2025-12-01', 12000000, 'PENCE', 'PRA policy statement PS24/25: £120,000 from 2025-12-01 (R-DATA)', 'migration'),
  ('placement_max_term_months', '2014-04-01', 12, 'COUNT', 'seed 002 7.10: placements up to a period of 12 months (R-INV-4); a count of calendar months', 'migration');
"""

APPEND_ONLY = [
    "approved_institution",
    "institution_review",
    "institution_product",
    "placement",
    "placement_event",
    "existing_investment",
    "investment_statement",
]

DOWNGRADE = r"""
DROP TABLE investment_statement, existing_investment, placement_event, placement,
  institution_product, institution_review, approved_institution;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE recorded_by = 'migration' AND name IN
  ('fscs_deposit_protection_limit', 'placement_max_term_months');
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(APPEND_ONLY)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Referrals (issue 12 item 1, R-REF-1..4): a referred client's referral, each submission of it
and each triage of a submission, all append-only (R-AUD-2: a resubmission is a new submission
row, never an edit); and the capital threshold for referral as an effective-dated policy figure.

- ``referral``: one per referred client, by the social worker who referred them.
- ``referral_submission``: the four eligibility criteria of R-REF-1 (each met or not, with its
  evidence), capital at referral (R-REF-2), what is known of private income, property and bank
  accounts (R-REF-6), whether there was a previous appointee, and the documents of R-REF-3
  received (kind -> where it is held). Numbered 1, 2, ... per referral.
- ``referral_triage``: at most one per submission: the outcome the rules give (ACCEPTED,
  RETURNED with the documents missing, REFUSED with the reasons), the threshold applied, and
  the officer's note.
- ``referral_capital_threshold`` (PENCE): £16,000.00 from 2014-04-01 (seed 002 section A 1.1 and
  1.3: "less than £16,000 capital at time of referral"); capital AT the figure is refused.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from ca_api.migrate import make_append_only, run_script

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ["referral", "referral_submission", "referral_triage"]

UPGRADE = r"""
CREATE TABLE referral (
  id          uuid PRIMARY KEY,
  client_id   uuid NOT NULL REFERENCES client (id),
  referred_by text NOT NULL,
  referred_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_referral_client_id UNIQUE (client_id)
);
CREATE INDEX ix_referral_referred ON referral (referred_at DESC, id DESC);

CREATE TABLE referral_submission (
  id                     uuid PRIMARY KEY,
  referral_id            uuid NOT NULL REFERENCES referral (id),
  version                integer NOT NULL CHECK (version >= 1),
  social_care_eligible   boolean NOT NULL,
  social_care_evidence   text NOT NULL,
  no_appointee_or_lpa    boolean NOT NULL,
  no_appointee_evidence  text NOT NULL,
  no_one_to_help         boolean NOT NULL,
  no_one_to_help_evidence text NOT NULL,
  lacks_capacity         boolean NOT NULL,
  lacks_capacity_evidence text NOT NULL,
  capital_at_referral    bigint NOT NULL CHECK (capital_at_referral >= 0),
  private_income_known   boolean NOT NULL,
  property_known         boolean NOT NULL,
  bank_accounts_known    boolean NOT NULL,
  had_previous_appointee boolean NOT NULL,
  documents              jsonb NOT NULL,
  submitted_by           text NOT NULL,
  submitted_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_referral_submission_version UNIQUE (referral_id, version)
);

CREATE TABLE referral_triage (
  id            uuid PRIMARY KEY,
  referral_id   uuid NOT NULL REFERENCES referral (id),
  submission_id uuid NOT NULL REFERENCES referral_submission (id),
  outcome       text NOT NULL CHECK (outcome IN ('ACCEPTED', 'RETURNED', 'REFUSED')),
  missing       text[] NOT NULL,
  reasons       text[] NOT NULL,
  threshold     bigint NOT NULL,
  note          text NOT NULL,
  triaged_by    text NOT NULL,
  triaged_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_referral_triage_submission_id UNIQUE (submission_id)
);
CREATE INDEX ix_referral_triage_referral ON referral_triage (referral_id);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('referral_capital_threshold', '2014-04-01', 1600000, 'PENCE', 'seed 002 section A 1.1, 1.3: appointee services only where capital at referral is under £16,000 (R-REF-2)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE referral_triage;
DROP TABLE referral_submission;
DROP TABLE referral;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'referral_capital_threshold' AND recorded_by = 'migration';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

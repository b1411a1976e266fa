"""The DWP appointeeship application (issue 12 item 2, R-REF-5): the application (form BF56)
sent for an accepted referral, and the DWP's decision on it (APPOINTED, BF57 received, naming
the appointeeship recorded if it is; or REFUSED with the reason). Both append-only (R-AUD-2).
The deadline itself is not stored: it is the 5th working day after the day the referral was
accepted (``appointee_applications.rules.due_on``).

- ``appointee_application``: at most one per referral; the day it was sent.
- ``dwp_decision``: at most one per application.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26
"""

from ca_api.migrate import make_append_only, run_script

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ["appointee_application", "dwp_decision"]

UPGRADE = r"""
CREATE TABLE appointee_application (
  id          uuid PRIMARY KEY,
  referral_id uuid NOT NULL REFERENCES referral (id),
  client_id   uuid NOT NULL REFERENCES client (id),
  sent_on     date NOT NULL,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_appointee_application_referral_id UNIQUE (referral_id)
);

CREATE TABLE dwp_decision (
  id               uuid PRIMARY KEY,
  application_id   uuid NOT NULL REFERENCES appointee_application (id),
  outcome          text NOT NULL CHECK (outcome IN ('APPOINTED', 'REFUSED')),
  decided_on       date NOT NULL,
  reason           text NOT NULL,
  appointeeship_id uuid REFERENCES appointeeship (id),
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_dwp_decision_application_id UNIQUE (application_id),
  CONSTRAINT ck_dwp_decision_reason CHECK (outcome = 'APPOINTED' OR reason <> ''),
  CONSTRAINT ck_dwp_decision_appointeeship CHECK (outcome = 'APPOINTED' OR appointeeship_id IS NULL)
);
"""

DOWNGRADE = r"""
DROP TABLE dwp_decision;
DROP TABLE appointee_application;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

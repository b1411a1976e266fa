"""Decisions, approval limit versions by the governance manager, the council employee register.

Decisions (R-DEC-1) and what happens to them (decision_event) are append-only (R-AUD-2): a
decision's status is derived from its events; a change is a new decision that supersedes the
old. An approval records the approval limit version it was judged under (R-DEC-4). The council
employee register (R-ROLE-3) is append-only too: a leaver is a new row, never an update.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from ca_api.migrate import make_append_only, run_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- The council employee register (R-ROLE-3): nobody on it receives a gift from a client.
CREATE TABLE council_employee (
  id              uuid PRIMARY KEY,
  employee_number text NOT NULL CHECK (length(employee_number) BETWEEN 1 AND 40),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  name_key        text NOT NULL CHECK (length(name_key) >= 1),  -- the normalised name
  date_of_birth   date,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_council_employee_employee_number UNIQUE (employee_number)
);
CREATE INDEX ix_council_employee_name_key ON council_employee (name_key);

-- A leaver: a new row, never an update of the employee's.
CREATE TABLE council_employee_leaver (
  employee_id  uuid PRIMARY KEY REFERENCES council_employee (id),
  left_on      date NOT NULL,
  reason       text,
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- A decision made for a client (R-DEC-1): what, why it is in their best interests, who was
-- consulted, whether the client was involved, the amount; a gift also its recipient (R-DEC-3).
CREATE TABLE decision (
  id                        uuid PRIMARY KEY,
  client_id                 uuid NOT NULL REFERENCES client (id),
  kind                      text NOT NULL CHECK (kind IN ('BEST_INTEREST', 'GIFT',
                              'CONFLICT_OF_INTEREST', 'DEBT_STATEMENT', 'INVESTMENT_PLAN',
                              'FINANCIAL_PLAN')),
  amount                    bigint NOT NULL CHECK (amount >= 0),
  what_was_decided          text NOT NULL CHECK (length(what_was_decided) >= 1),
  best_interests_reason     text NOT NULL CHECK (length(best_interests_reason) >= 1),
  consulted                 text NOT NULL CHECK (length(consulted) >= 1),
  client_involved           boolean NOT NULL,
  why_client_not_involved   text,
  notes                     text,
  recipient_name            text,
  recipient_name_key        text,
  recipient_date_of_birth   date,
  recipient_counterparty_id uuid REFERENCES counterparty (id),
  supersedes_id             uuid REFERENCES decision (id),
  supersede_reason          text,
  raised_by                 text NOT NULL,
  raised_at                 timestamptz NOT NULL DEFAULT clock_timestamp(),  -- orders the queue
  raised_on                 date NOT NULL,
  CONSTRAINT ck_decision_gift_recipient CHECK (
    (kind = 'GIFT') = (recipient_name IS NOT NULL AND recipient_name_key IS NOT NULL)),
  CONSTRAINT ck_decision_not_involved_why CHECK (client_involved OR why_client_not_involved IS NOT NULL),
  CONSTRAINT ck_decision_supersede_reason CHECK ((supersedes_id IS NULL) = (supersede_reason IS NULL)),
  CONSTRAINT uq_decision_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_decision_client ON decision (client_id, raised_at);
CREATE INDEX ix_decision_raised ON decision (raised_at, id);

-- What happened to a decision. Its status: SUPERSEDED if superseded, else APPROVED or REFUSED
-- if decided, else RAISED. Decided once; superseded once.
CREATE TABLE decision_event (
  id                bigserial PRIMARY KEY,
  decision_id       uuid NOT NULL REFERENCES decision (id),
  event             text NOT NULL CHECK (event IN ('APPROVED', 'REFUSED', 'SUPERSEDED')),
  on_date           date NOT NULL,  -- the council's date (Europe/London) of the event
  limit_version_id  integer REFERENCES approval_limit_version (id),
  superseded_by     uuid REFERENCES decision (id),
  reason            text,
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_decision_event_approval_limits CHECK (
    event <> 'APPROVED' OR limit_version_id IS NOT NULL),
  CONSTRAINT ck_decision_event_refusal_reason CHECK (event <> 'REFUSED' OR reason IS NOT NULL),
  CONSTRAINT ck_decision_event_superseded_by CHECK (
    (event = 'SUPERSEDED') = (superseded_by IS NOT NULL))
);
CREATE UNIQUE INDEX uq_decision_event_decided ON decision_event (decision_id)
  WHERE event IN ('APPROVED', 'REFUSED');
CREATE UNIQUE INDEX uq_decision_event_superseded ON decision_event (decision_id)
  WHERE event = 'SUPERSEDED';
CREATE INDEX ix_decision_event_approved_on ON decision_event (on_date) WHERE event = 'APPROVED';
"""

APPEND_ONLY = ["council_employee", "council_employee_leaver", "decision", "decision_event"]

DOWNGRADE = r"""
DROP TABLE decision_event, decision, council_employee_leaver, council_employee;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(APPEND_ONLY)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""On appointment (issue 12 item 3, R-REF-7; seed 002 section B 4.1-4.5): the one outbox of
everything another system or team must hear, the holds on a client's council invoices, and the
client's financial assessment status. Every table append-only (R-AUD-2).

- ``outbox_message``: one outbound message (a topic, to one recipient, about one record of one
  client), numbered by ``sequence`` in commit order (emitters take one advisory lock, so a feed
  reader past number n never later finds a smaller one). A message is written once per (topic,
  recipient, subject): a replay emits nothing twice.
- ``outbox_delivery``: SENT, then ACKNOWLEDGED, each at most once per message, with when and by
  whom. The message's state (PENDING/SENT/ACKNOWLEDGED) is read from these rows.
- ``invoice_hold``: an invoice held (no overdue chasing, not paid), on appointment or by an
  officer; ``invoice_hold_release``: its release, by an officer with a reason (at most one).
- ``financial_assessment``: the client's financial assessment status as recorded, the latest
  counting (NOT_ASSESSED, REFERRED with the day, ASSESSED with the weekly charge and the day).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26
"""

from ca_api.migrate import make_append_only, run_script

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = [
    "outbox_message",
    "outbox_delivery",
    "invoice_hold",
    "invoice_hold_release",
    "financial_assessment",
]

UPGRADE = r"""
CREATE TABLE outbox_message (
  id           uuid PRIMARY KEY,
  sequence     bigint GENERATED ALWAYS AS IDENTITY,
  topic        text NOT NULL,
  recipient    text NOT NULL CHECK (recipient IN
                 ('FINANCIAL_ASSESSMENT', 'INCOME_RECOVERY', 'SAP', 'CONTROCC', 'DWP', 'OPG')),
  client_id    uuid NOT NULL REFERENCES client (id),
  subject_type text NOT NULL,
  subject_id   uuid NOT NULL,
  payload      jsonb NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_outbox_message_sequence UNIQUE (sequence),
  CONSTRAINT uq_outbox_message_once UNIQUE (topic, recipient, subject_type, subject_id)
);
CREATE INDEX ix_outbox_message_client ON outbox_message (client_id, sequence);
CREATE INDEX ix_outbox_message_recipient ON outbox_message (recipient, sequence);

CREATE TABLE outbox_delivery (
  id          bigserial PRIMARY KEY,
  message_id  uuid NOT NULL REFERENCES outbox_message (id),
  state       text NOT NULL CHECK (state IN ('SENT', 'ACKNOWLEDGED')),
  note        text,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_outbox_delivery_state UNIQUE (message_id, state)
);

CREATE TABLE invoice_hold (
  id          uuid PRIMARY KEY,
  invoice_id  uuid NOT NULL REFERENCES invoice (id),
  cause       text NOT NULL CHECK (cause IN ('ON_APPOINTMENT', 'OFFICER')),
  reason      text NOT NULL CHECK (reason <> ''),
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_invoice_hold_invoice ON invoice_hold (invoice_id);

CREATE TABLE invoice_hold_release (
  hold_id     uuid PRIMARY KEY REFERENCES invoice_hold (id),
  reason      text NOT NULL CHECK (reason <> ''),
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE financial_assessment (
  id            uuid PRIMARY KEY,
  client_id     uuid NOT NULL REFERENCES client (id),
  status        text NOT NULL CHECK (status IN ('NOT_ASSESSED', 'REFERRED', 'ASSESSED')),
  referred_on   date,
  assessed_on   date,
  weekly_charge bigint CHECK (weekly_charge >= 0),
  note          text NOT NULL DEFAULT '',
  recorded_by   text NOT NULL,
  -- the latest counts: two entries of one transaction are still ordered
  recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT ck_financial_assessment_referred CHECK (status <> 'REFERRED' OR referred_on IS NOT NULL),
  CONSTRAINT ck_financial_assessment_assessed CHECK (
    status <> 'ASSESSED' OR (assessed_on IS NOT NULL AND weekly_charge IS NOT NULL)),
  CONSTRAINT ck_financial_assessment_charge CHECK (status = 'ASSESSED' OR weekly_charge IS NULL)
);
CREATE INDEX ix_financial_assessment_client ON financial_assessment (client_id, recorded_at);
"""

DOWNGRADE = r"""
DROP TABLE financial_assessment;
DROP TABLE invoice_hold_release;
DROP TABLE invoice_hold;
DROP TABLE outbox_delivery;
DROP TABLE outbox_message;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

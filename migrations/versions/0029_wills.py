"""A client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28, B 29.1). All
append-only (R-AUD-2).

- ``will_record``: a will or codicil found, its date, the day found, where it is held
  (COUNCIL_SAFE, SOLICITOR, CLIENT, OTHER) and by whom; a correction is a new row that
  supersedes the last (``supersedes_id``, once each).
- ``will_court_notice``: the Court of Protection told of the will (B 21.1, due immediately):
  the date sent and its reference, once per will (its first record).
- ``funeral_wishes``: the client's funeral wishes (B 28.1); one chain of corrections per client.
- ``funeral_plan``: a funeral plan proposed for purchase from the client's funds (B 28.2):
  provider, what, amount, the payee, and the BEST_INTEREST decision that approves it.
- ``funeral_plan_payment``: the payment raised for it (approved and made as every payment).

Revision ID: 0029
Revises: 0028
"""

from ca_api.migrate import make_append_only, run_script

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TABLES = [
    "will_record",
    "will_court_notice",
    "funeral_wishes",
    "funeral_plan",
    "funeral_plan_payment",
]

UPGRADE = r"""
CREATE TABLE will_record (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  kind           text NOT NULL CHECK (kind IN ('WILL', 'CODICIL')),
  dated          date,
  found_on       date NOT NULL,
  held_by        text NOT NULL CHECK (held_by IN ('COUNCIL_SAFE', 'SOLICITOR', 'CLIENT', 'OTHER')),
  holder         text CHECK (holder IS NULL OR length(holder) <= 200),
  reference      text CHECK (reference IS NULL OR length(reference) <= 200),
  supersedes_id  uuid REFERENCES will_record (id),
  reason         text,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_will_record_holder CHECK (
    held_by NOT IN ('SOLICITOR', 'OTHER') OR holder IS NOT NULL),
  CONSTRAINT ck_will_record_dated CHECK (dated IS NULL OR dated <= found_on),
  CONSTRAINT ck_will_record_reason CHECK (supersedes_id IS NULL OR reason IS NOT NULL),
  CONSTRAINT uq_will_record_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_will_record_client ON will_record (client_id);

CREATE TABLE will_court_notice (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  will_id        uuid NOT NULL REFERENCES will_record (id),
  sent_on        date NOT NULL,
  reference      text CHECK (reference IS NULL OR length(reference) <= 200),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_will_court_notice_will UNIQUE (will_id)
);
CREATE INDEX ix_will_court_notice_client ON will_court_notice (client_id);

CREATE TABLE funeral_wishes (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  wishes          text NOT NULL CHECK (length(btrim(wishes)) BETWEEN 1 AND 2000),
  client_involved boolean NOT NULL,
  source          text CHECK (source IS NULL OR length(source) <= 200),
  supersedes_id   uuid REFERENCES funeral_wishes (id),
  reason          text,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_funeral_wishes_reason CHECK (supersedes_id IS NULL OR reason IS NOT NULL),
  CONSTRAINT uq_funeral_wishes_supersedes UNIQUE (supersedes_id)
);
CREATE UNIQUE INDEX uq_funeral_wishes_first ON funeral_wishes (client_id)
  WHERE supersedes_id IS NULL;

CREATE TABLE funeral_plan (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  provider        text NOT NULL CHECK (length(btrim(provider)) BETWEEN 1 AND 200),
  description     text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 2000),
  amount          bigint NOT NULL CHECK (amount > 0),
  counterparty_id uuid NOT NULL REFERENCES counterparty (id),
  decision_id     uuid NOT NULL REFERENCES decision (id),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_funeral_plan_decision UNIQUE (decision_id)
);
CREATE INDEX ix_funeral_plan_client ON funeral_plan (client_id);

CREATE TABLE funeral_plan_payment (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  funeral_plan_id uuid NOT NULL REFERENCES funeral_plan (id),
  payment_id      uuid NOT NULL REFERENCES payment (id),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_funeral_plan_payment_payment UNIQUE (payment_id)
);
CREATE INDEX ix_funeral_plan_payment_plan ON funeral_plan_payment (funeral_plan_id);
"""

DOWNGRADE = r"""
DROP TABLE funeral_plan_payment, funeral_plan, funeral_wishes, will_court_notice, will_record;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

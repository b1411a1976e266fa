"""Recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27). All append-only (R-AUD-2).

- ``recovery_order``: the Court of Protection's order that the client can manage their own
  affairs (its date and reference, the medical evidence it rested on, B 27.2), naming the
  deputyship it ends. A correction is a new row that supersedes the last (``supersedes_id``, once
  each, with its reason); a client's first row once, so a client's rows form one chain whose end
  stands.
- ``recovery_handover``: a payment handing the client's money back to them (raised through
  payments, approved and made as every payment), with the evidence of where it goes.

Revision ID: 0036
Revises: 0035
"""

from ca_api.migrate import make_append_only, run_script

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

TABLES = ["recovery_order", "recovery_handover"]

UPGRADE = r"""
CREATE TABLE recovery_order (
  id               uuid PRIMARY KEY,
  client_id        uuid NOT NULL REFERENCES client (id),
  deputyship_id    uuid NOT NULL REFERENCES deputyship (id),
  order_date       date NOT NULL,
  court_reference  text NOT NULL CHECK (length(btrim(court_reference)) BETWEEN 1 AND 40),
  medical_evidence text CHECK (length(btrim(medical_evidence)) BETWEEN 1 AND 2000),
  supersedes_id    uuid REFERENCES recovery_order (id),
  reason           text CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT uq_recovery_order_supersedes UNIQUE (supersedes_id),
  CONSTRAINT ck_recovery_order_reason CHECK (supersedes_id IS NULL OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX uq_recovery_order_first ON recovery_order (client_id)
  WHERE supersedes_id IS NULL;
CREATE INDEX ix_recovery_order_client ON recovery_order (client_id);

CREATE TABLE recovery_handover (
  id                uuid PRIMARY KEY,
  client_id         uuid NOT NULL REFERENCES client (id),
  recovery_order_id uuid NOT NULL REFERENCES recovery_order (id),
  payment_id        uuid NOT NULL REFERENCES payment (id),
  evidence          text NOT NULL CHECK (length(btrim(evidence)) BETWEEN 1 AND 2000),
  evidence_file_id  uuid REFERENCES stored_file (id),
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT uq_recovery_handover_payment UNIQUE (payment_id)
);
CREATE INDEX ix_recovery_handover_client ON recovery_handover (client_id);
"""

DOWNGRADE = r"""
DROP TABLE recovery_handover, recovery_order;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

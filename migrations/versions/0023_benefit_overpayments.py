"""Benefit overpayments after a client's death (issue 13 item 3, R-DEATH-2, seed 002 B 29.2).
Append-only (R-AUD-2): an overpayment's status is derived from these rows and its repayment's
payment.

- ``benefit_overpayment``: a benefit or pension receipt's share for days after the date of death,
  flagged once per receipt (a unique index), and what of it was held back in the ledger (less
  than flagged when money was spent before the death was confirmed) by which hold.
- ``overpayment_repayment_request``: the paying agency's request (its reference, the date it
  asked, the amount) and the payment raised to repay it (one request per payment).
- ``overpayment_repayment_item``: which overpayments (receipts) a request covers, how much of
  the agency's figure falls on each, and any remainder re-held.
- ``benefit_overpayment_release``: an overpayment released (nothing owed), once, with why.

Revision ID: 0023
Revises: 0022
"""

from ca_api.migrate import make_append_only, run_script

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = [
    "benefit_overpayment",
    "overpayment_repayment_request",
    "overpayment_repayment_item",
    "benefit_overpayment_release",
]

UPGRADE = r"""
CREATE TABLE benefit_overpayment (
  id                  uuid PRIMARY KEY,
  receipt_transfer_id uuid NOT NULL REFERENCES receipt (transfer_id),
  client_id           uuid NOT NULL REFERENCES client (id),
  death_id            uuid NOT NULL REFERENCES death (id),
  payer_id            uuid NOT NULL REFERENCES counterparty (id),
  days_after_death    integer CHECK (days_after_death > 0),
  days_in_period      integer CHECK (days_in_period > 0),
  amount_flagged      bigint NOT NULL CHECK (amount_flagged > 0),
  amount_held         bigint NOT NULL CHECK (amount_held >= 0 AND amount_held <= amount_flagged),
  hold_transfer_id    uuid REFERENCES transfer (id),
  recorded_by         text NOT NULL,
  recorded_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_benefit_overpayment_receipt UNIQUE (receipt_transfer_id),
  CONSTRAINT ck_benefit_overpayment_hold CHECK ((amount_held > 0) = (hold_transfer_id IS NOT NULL))
);
CREATE INDEX ix_benefit_overpayment_client ON benefit_overpayment (client_id);

CREATE TABLE overpayment_repayment_request (
  id               uuid PRIMARY KEY,
  client_id        uuid NOT NULL REFERENCES client (id),
  payer_id         uuid NOT NULL REFERENCES counterparty (id),
  agency_reference text NOT NULL,
  requested_on     date NOT NULL,
  amount           bigint NOT NULL CHECK (amount > 0),
  payment_id       uuid NOT NULL REFERENCES payment (id),
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_overpayment_repayment_request_payment UNIQUE (payment_id)
);
CREATE INDEX ix_overpayment_repayment_request_client ON overpayment_repayment_request (client_id);

CREATE TABLE overpayment_repayment_item (
  request_id                 uuid NOT NULL REFERENCES overpayment_repayment_request (id),
  overpayment_id             uuid NOT NULL REFERENCES benefit_overpayment (id),
  amount                     bigint NOT NULL CHECK (amount >= 0),
  remainder_held             bigint NOT NULL CHECK (remainder_held >= 0),
  remainder_hold_transfer_id uuid REFERENCES transfer (id),
  PRIMARY KEY (request_id, overpayment_id),
  CONSTRAINT ck_overpayment_repayment_item_hold
    CHECK ((remainder_held > 0) = (remainder_hold_transfer_id IS NOT NULL))
);
CREATE INDEX ix_overpayment_repayment_item_overpayment
  ON overpayment_repayment_item (overpayment_id);

CREATE TABLE benefit_overpayment_release (
  overpayment_id uuid PRIMARY KEY REFERENCES benefit_overpayment (id),
  reason         text NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = r"""
DROP TABLE benefit_overpayment_release;
DROP TABLE overpayment_repayment_item;
DROP TABLE overpayment_repayment_request;
DROP TABLE benefit_overpayment;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

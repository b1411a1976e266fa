"""The holders of a client's existing investments are told of a deputy order (R-ORD-2, R-INV-5,
seed 002 B 3.4): a notice sent may name the investment (its first record) instead of a
counterparty or an organisation added. Exactly one of the three is named.

Revision ID: 0019
Revises: 0018

A downgrade fails while a notice names an investment: it would lose a recorded notice
(R-AUD-2).
"""

from __future__ import annotations

from ca_api.migrate import run_script

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE deputyship_notice_sent
  ADD COLUMN investment_id uuid REFERENCES existing_investment (id),
  DROP CONSTRAINT ck_deputyship_notice_sent_one,
  ADD CONSTRAINT ck_deputyship_notice_sent_one CHECK (
    num_nonnulls(counterparty_id, organisation_id, investment_id) = 1
  ),
  ADD CONSTRAINT uq_deputyship_notice_sent_investment UNIQUE (deputyship_id, investment_id);
"""

DOWNGRADE = r"""
ALTER TABLE deputyship_notice_sent
  DROP CONSTRAINT uq_deputyship_notice_sent_investment,
  DROP CONSTRAINT ck_deputyship_notice_sent_one;
ALTER TABLE deputyship_notice_sent
  DROP COLUMN investment_id,
  ADD CONSTRAINT ck_deputyship_notice_sent_one
    CHECK ((counterparty_id IS NULL) <> (organisation_id IS NULL));
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

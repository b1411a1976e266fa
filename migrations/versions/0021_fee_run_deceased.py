"""A fee run lists a client recorded deceased with no death confirmed as not charged
(CLIENT_DECEASED, seed 002 B 29.2): the date of death decides the fees of the years they lived
through, so nothing is charged until it is confirmed.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from ca_api.migrate import run_script

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE fee_run_exception
  DROP CONSTRAINT fee_run_exception_outcome_check,
  ADD CONSTRAINT fee_run_exception_outcome_check
    CHECK (outcome IN ('POLICY_MISSING', 'INSUFFICIENT_FUNDS', 'CLIENT_DECEASED'));
"""

DOWNGRADE = r"""
ALTER TABLE fee_run_exception
  DROP CONSTRAINT fee_run_exception_outcome_check,
  ADD CONSTRAINT fee_run_exception_outcome_check
    CHECK (outcome IN ('POLICY_MISSING', 'INSUFFICIENT_FUNDS'));
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

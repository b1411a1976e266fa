"""Approved institutions, placements, existing investments, investment statements.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from ca_api.migrate import run_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = r"""
SELECT 1;
"""

DOWNGRADE = r"""
SELECT 1;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

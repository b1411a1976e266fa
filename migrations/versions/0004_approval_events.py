"""Approval queue events carried by NOTIFY across server processes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from ca_api.migrate import run_script

revision = "0004"
down_revision = "0003"
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

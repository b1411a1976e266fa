"""Budget plans and threshold flags.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from ca_api.migrate import run_script

revision = "0005"
down_revision = "0004"
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

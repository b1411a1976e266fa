"""Court Funds Office lodgements and their interest.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from ca_api.migrate import run_script

revision = "0007"
down_revision = "0006"
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

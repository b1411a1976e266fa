"""Fee rates and fee runs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""


from ca_api.migrate import run_script

revision = "0006"
down_revision = "0005"
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

"""The counterparties the clients' tax is paid to (OUT_TAX), found from an index (issue 18): the
tax returns' sums tell a refund of tax (IN_REFUNDS from a tax payee) by reading the tax payees,
which without this index read every counterparty's incoming transfers (about 1 s at 2,000,000
transfers on the loaded 2-core machine, on every page of ``taxReturns``). Partial: only the
OUT_TAX transfers are in it.

Revision ID: 0050
Revises: 0049
"""

from ca_api.migrate import run_script

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX ix_transfer_tax_paid ON transfer (to_account_id) INCLUDE (kind)
  WHERE category = 'OUT_TAX';
"""

DOWNGRADE = """
DROP INDEX ix_transfer_tax_paid;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

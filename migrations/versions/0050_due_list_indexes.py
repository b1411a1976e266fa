"""Two indexes the due lists read by (issue 18).

1. The counterparties the clients' tax is paid to (OUT_TAX), found from an index (issue 18): the
tax returns' sums tell a refund of tax (IN_REFUNDS from a tax payee) by reading the tax payees,
which without this index read every counterparty's incoming transfers (about 1 s at 2,000,000
transfers on the loaded 2-core machine, on every page of ``taxReturns``). Partial: only the
OUT_TAX transfers are in it.

2. The deputy orders by order date (``investmentStatementsDue``, oldest order first, R-INV-3):
the page is read from the index of the versions' order dates, each joined to the order's
current version by key, instead of joining and sorting every deputy order (181 ms to 5.8 ms
for a page of 26 of the 35,000 orders in EXPLAIN ANALYZE at 50,000 clients). The key's
second column is the list's tie-break (the order's id, through ``deputyship_current``).

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
CREATE INDEX ix_deputyship_version_order_date ON deputyship_version (order_date, deputyship_id);
"""

DOWNGRADE = """
DROP INDEX ix_deputyship_version_order_date;
DROP INDEX ix_transfer_tax_paid;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

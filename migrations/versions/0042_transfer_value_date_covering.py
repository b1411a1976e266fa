"""The transfers' value-date index carries what the reports sum (issue 16 benchmark): the kind,
both accounts and the amount, so ``moneyHeld`` for a date reads the transfers up to (or after)
it from the index alone (an index-only scan over the date range) instead of scanning the whole
ledger once per side. It replaces ``ix_transfer_value_date`` (same key, so every query that
used it still can): one index on the table, as before, only wider.

At 50,000 clients and 2,000,000 transfers, moneyHeld as at 2012-12-31 (730,000 transfers before
it) took its query from about 1.1-1.5 s to 0.65-0.95 s on the loaded 2-core machine.

Revision ID: 0042
Revises: 0041
"""

from ca_api.migrate import run_script

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX ix_transfer_value_date_covering
  ON transfer (value_date) INCLUDE (kind, to_account_id, from_account_id, amount);
DROP INDEX ix_transfer_value_date;
"""

DOWNGRADE = """
CREATE INDEX ix_transfer_value_date ON transfer (value_date);
DROP INDEX ix_transfer_value_date_covering;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

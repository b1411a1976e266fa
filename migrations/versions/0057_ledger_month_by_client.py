"""A client's month rows found by client (issue 18 item 1): ``moneyHeldSeries``.

The money-held series sums every client's month rows (``ledger_account_month``, migration
0043) by role without following each client (``reports.repository``); only the deputy clients
who may be at or over the lodgement threshold at a month end of the series (a handful: 10 of
50,000) have their balance followed month by month, and their month rows are read from this
index instead of a third scan of the table (1.3 million rows at 50,000 clients and two million
transfers; 10-15% of the series' PostgreSQL time on the loaded 2-core machine).

An index only: nothing stored beside the records (R-AUD-2). Its columns never change once a
month row is written (the ledger's trigger adds to ``moved`` only), so the trigger's updates of
a month row stay heap-only; it gains one entry per account and month, not per transfer.

Revision ID: 0057
Revises: 0056
"""

from ca_api.migrate import run_script

revision = "0057"
down_revision = "0056"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX ix_ledger_account_month_client ON ledger_account_month (client_id, month_end);
"""

DOWNGRADE = """
DROP INDEX ix_ledger_account_month_client;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

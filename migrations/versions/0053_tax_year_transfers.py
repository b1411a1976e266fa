"""The caseload's tax returns paged by client, from the year's taxable transfers (issue 18 item 1).

``taxReturns(first: 25)`` built every client's tax year (one sum of the year's transfers by
client and category, 47,500 clients' years judged in Python) before it took a page: 962 ms at
50,000 clients. The page's clients are now picked in SQL (income over an allowance, or a
return filed, by client id from the cursor), and only their sums are read.
``ix_transfer_taxable_year`` holds the moved transfers of the categories a tax year sums
(taxable income, tax paid, refunds), by client and value date, with what the sums read: the
candidates are an index-only scan of the year's, and a page's clients' sums one of theirs
(``ix_transfer_client`` read every transfer of a client with thousands).

An index only: nothing stored beside the records (R-AUD-2).

Revision ID: 0053
Revises: 0052
"""

from ca_api.migrate import run_script

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX ix_transfer_taxable_year ON transfer (client_id, value_date)
    INCLUDE (category, amount, to_account_id, from_account_id)
    WHERE category IN ('IN_STATE_PENSION', 'IN_PRIVATE_PENSION', 'IN_INTEREST', 'IN_DIVIDENDS',
                       'IN_RENT', 'IN_SALARY_OR_WAGES', 'OUT_TAX', 'IN_REFUNDS')
      AND kind IN ('POSTED', 'POST_PENDING')
      AND client_id IS NOT NULL;
"""

DOWNGRADE = """
DROP INDEX ix_transfer_taxable_year;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

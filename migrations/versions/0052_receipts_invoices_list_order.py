"""The unfiltered ``receipts`` and ``invoices`` lists paged by index (issue 18 item 1).

``receipts(first: 25)`` lists the newest first (``ORDER BY receipt.received_on DESC,
transfer.seq DESC``). No index on ``receipt`` starts with ``received_on`` (``ix_receipt_client``
starts with the client), so every page joined all 156,000 receipts to their transfers, payers'
accounts and counterparties and sorted them: 3.5 s at 50,000 clients. ``ix_receipt_received``
walks the receipts a day at a time from the newest; the planner sorts one day's few by
posting order (an incremental sort) and stops at the page (1.3 ms).

``invoices(first: 25)`` lists the oldest due first (``ORDER BY invoice_current.due_on,
invoice_id``). The current rows had that order only among the chased ones
(``ix_invoice_current_chased``, partial) and per status (``ix_invoice_current_status``), so the
whole list hashed 200,000 invoices, current rows and clients together and sorted them: 400 ms.
``ix_invoice_current_due`` is that order over every current row (1.0 ms).

Indexes only: nothing stored beside the records (R-AUD-2), the same rows in the same order.

Revision ID: 0052
Revises: 0051
"""

from ca_api.migrate import run_script

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX ix_receipt_received ON receipt (received_on);
CREATE INDEX ix_invoice_current_due ON invoice_current (due_on, invoice_id);
"""

DOWNGRADE = """
DROP INDEX ix_invoice_current_due;
DROP INDEX ix_receipt_received;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

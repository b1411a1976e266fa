"""A benefit overpayment stays held until its repayment is approved (issue 13 item 3, R-DEATH-2,
seed 002 B 29.2).

The agency's request released the overpayment's hold and left the money free until the
repayment's payment was approved and held it again: a debt approved in between could take it.
Now the request holds the share the agency asked for apart (``share_hold_transfer_id``), next to
any remainder, and the repayment's approval hands that hold over to the payment's own in one
transaction (``overpayments.holding.hand_over_to_payment``). A new nullable column on an
append-only table: existing rows keep NULL (their request released the hold already).

Revision ID: 0031
Revises: 0030
"""

from ca_api.migrate import run_script

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE overpayment_repayment_item
  ADD COLUMN share_hold_transfer_id uuid REFERENCES transfer (id);
"""

DOWNGRADE = r"""
ALTER TABLE overpayment_repayment_item DROP COLUMN share_hold_transfer_id;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Controcc's benefit receipts in bulk (issue 17 item 2, seed 002 B 18.3, R-ACC-6).

- ``external_reference``: a new kind, CONTROCC_RECEIPT (Controcc's receipt id), naming a
  Receipt (by its transfer id): the CHECKs on kind and subject_type widened.
- ``intake_batch``: its flow constrained to the three flows (CONTROCC_INVOICES, SAP_INVOICES
  and the new CONTROCC_BENEFITS); 0044 left it free.

Nothing is rewritten: the new CHECKs admit every row the old ones did.

Revision ID: 0047
Revises: 0046
"""

from ca_api.migrate import run_script

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE external_reference DROP CONSTRAINT external_reference_kind_check;
ALTER TABLE external_reference ADD CONSTRAINT external_reference_kind_check
  CHECK (kind IN ('CONTROCC_PERSON', 'CONTROCC_PROVIDER', 'CONTROCC_INVOICE', 'CONTROCC_RECEIPT',
                  'SAP_CUSTOMER', 'SAP_VENDOR', 'SAP_DOCUMENT'));
ALTER TABLE external_reference DROP CONSTRAINT external_reference_subject_type_check;
ALTER TABLE external_reference ADD CONSTRAINT external_reference_subject_type_check
  CHECK (subject_type IN ('Client', 'Counterparty', 'Invoice', 'Receipt'));
ALTER TABLE intake_batch ADD CONSTRAINT intake_batch_flow_check
  CHECK (flow IN ('CONTROCC_INVOICES', 'SAP_INVOICES', 'CONTROCC_BENEFITS'));
"""

DOWNGRADE = r"""
ALTER TABLE intake_batch DROP CONSTRAINT intake_batch_flow_check;
ALTER TABLE external_reference DROP CONSTRAINT external_reference_subject_type_check;
ALTER TABLE external_reference ADD CONSTRAINT external_reference_subject_type_check
  CHECK (subject_type IN ('Client', 'Counterparty', 'Invoice'));
ALTER TABLE external_reference DROP CONSTRAINT external_reference_kind_check;
ALTER TABLE external_reference ADD CONSTRAINT external_reference_kind_check
  CHECK (kind IN ('CONTROCC_PERSON', 'CONTROCC_PROVIDER', 'CONTROCC_INVOICE',
                  'SAP_CUSTOMER', 'SAP_VENDOR', 'SAP_DOCUMENT'));
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

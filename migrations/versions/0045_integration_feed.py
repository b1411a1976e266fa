"""The change feed of the council's systems (issue 17 item 3): an integration acknowledges its
feed up to a cursor, once per request, with who and when. Append-only (R-AUD-2).

- ``outbox_acknowledgement``: one acknowledgement of a system's feed up to a sequence number;
  the messages it covers get their ACKNOWLEDGED delivery rows (``outbox_delivery``) in the same
  transaction. The latest is where the system stands.
- An index on (recipient, created_at): SAP's postings of a day (GET /integrations/sap/postings.csv).

Revision ID: 0045
Revises: 0042
"""

from ca_api.migrate import make_append_only, run_script

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

TABLES = ["outbox_acknowledgement"]

UPGRADE = r"""
CREATE TABLE outbox_acknowledgement (
  id            uuid PRIMARY KEY,
  recipient     text NOT NULL CHECK (recipient IN ('SAP', 'CONTROCC')),
  up_to         bigint NOT NULL CHECK (up_to > 0),
  messages      integer NOT NULL CHECK (messages >= 0),
  recorded_by   text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_outbox_acknowledgement_recipient
  ON outbox_acknowledgement (recipient, recorded_at);
CREATE INDEX ix_outbox_message_recipient_created ON outbox_message (recipient, created_at);
"""

DOWNGRADE = r"""
DROP INDEX ix_outbox_message_recipient_created;
DROP TABLE outbox_acknowledgement;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

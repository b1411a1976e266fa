"""The outbox relay's acknowledged offsets (issue 17 item 4): ``ca-api relay`` publishes the
outbox to NATS JetStream in ``sequence`` order and, once JetStream has acknowledged a batch,
appends a row here saying the stream holds every message up to ``through_sequence``. A
restarted relay resumes after the greatest one, so it repeats at most the batch it was
publishing when it stopped (and JetStream's de-duplication window hides those repeats).

Append-only (R-AUD-2), like every other table: a row per acknowledged batch, never a position
updated in place. The offset is the greatest ``through_sequence`` of the stream's rows (read
from the unique index); the rows are also the record of when each message reached the broker.
A batch is up to a few hundred messages and an idle relay writes nothing, so the table grows by
about one row per batch (tens a day at the council's volumes).

Revision ID: 0046
Revises: 0042
"""

from ca_api.migrate import make_append_only, run_script

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE outbox_relay_offset (
  id               bigserial PRIMARY KEY,
  stream           text NOT NULL CHECK (stream <> ''),
  through_sequence bigint NOT NULL CHECK (through_sequence > 0),
  message_count    integer NOT NULL CHECK (message_count > 0),
  duplicate_count  integer NOT NULL CHECK (duplicate_count BETWEEN 0 AND message_count),
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_outbox_relay_offset UNIQUE (stream, through_sequence)
);
"""

DOWNGRADE = "DROP TABLE outbox_relay_offset;"


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(["outbox_relay_offset"])


def downgrade() -> None:
    run_script(DOWNGRADE)

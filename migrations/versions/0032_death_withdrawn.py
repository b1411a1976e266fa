"""A death recorded in error is withdrawn before it is confirmed (issue 13 item 1, R-AUD-2).

A death was one per client (a unique index), so one recorded against the wrong client could
never be put right and blocked the right record. A death is now WITHDRAWN by an event (with the
reason, in the audit trail); the death that stands is the one not withdrawn, at most one per
client, judged under the client's lock (``deaths.service.record_death``).

Revision ID: 0032
Revises: 0031
"""

from ca_api.migrate import run_script

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE death DROP CONSTRAINT uq_death_client;
CREATE INDEX ix_death_client ON death (client_id);
ALTER TABLE death_event DROP CONSTRAINT death_event_event_check;
ALTER TABLE death_event ADD CONSTRAINT death_event_event_check
  CHECK (event IN ('CONFIRMED', 'WITHDRAWN'));
"""

DOWNGRADE = r"""
ALTER TABLE death_event DROP CONSTRAINT death_event_event_check;
ALTER TABLE death_event ADD CONSTRAINT death_event_event_check CHECK (event IN ('CONFIRMED'));
DROP INDEX ix_death_client;
ALTER TABLE death ADD CONSTRAINT uq_death_client UNIQUE (client_id);
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""An entry's OPG category corrected without editing it (issue 15; R-OPG-1, R-AUD-2).

Issue 15 adds ledger categories where the OPG distinguishes more (glasses and vet fees had
landed in OUT_OTHER). The categories are values of ``transfer.category`` (text, no list in SQL),
so nothing here changes a transfer: existing entries keep their category, none is guessed into
a new one. An officer moves one with ``reclassifyLedgerEntry``, which writes:

- ``transfer_reclassification``: the category an entry is reported under from now on, why, by
  whom and when; append-only. The database refuses what the service refuses (a hold, a
  reversal, a move between own accounts, the other direction), as a backstop.
- the view ``transfer_reported_category(transfer_id, reported_category)``: the latest
  reclassification of the transfer, else of the transfer it reverses (a reversal reports what
  it reverses), else ``transfer.category``. The OPG report reads categories through it.

Revision ID: 0038
Revises: 0037
"""

from ca_api.migrate import make_append_only, run_script

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

TABLES = ["transfer_reclassification"]

UPGRADE = r"""
CREATE TABLE transfer_reclassification (
  id           uuid PRIMARY KEY,
  transfer_id  uuid NOT NULL REFERENCES transfer (id),
  category     text NOT NULL CHECK (category LIKE 'IN\_%' OR category LIKE 'OUT\_%'),
  reason       text NOT NULL CHECK (length(btrim(reason)) > 0 AND length(reason) <= 2000),
  recorded_by  text NOT NULL,
  -- clock_timestamp(): two reclassifications in one transaction keep their order
  recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ix_transfer_reclassification_transfer
  ON transfer_reclassification (transfer_id, recorded_at DESC, id DESC);

-- The backstop of the service's checks: only money that moved, never a reversal (it reports
-- what it reverses), never a move between own accounts, money in stays money in and out out.
CREATE FUNCTION check_transfer_reclassification() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t transfer%ROWTYPE;
BEGIN
  SELECT * INTO t FROM transfer WHERE id = NEW.transfer_id;
  IF t.kind NOT IN ('POSTED', 'POST_PENDING') OR t.reverses_id IS NOT NULL
     OR t.category = 'TRANSFER_BETWEEN_OWN_ACCOUNTS'
     OR split_part(t.category, '_', 1) <> split_part(NEW.category, '_', 1) THEN
    RAISE EXCEPTION 'transfer % cannot be reported as % (R-OPG-1)', t.id, NEW.category
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER transfer_reclassification_checked BEFORE INSERT ON transfer_reclassification
  FOR EACH ROW EXECUTE FUNCTION check_transfer_reclassification();

CREATE VIEW transfer_reported_category AS
SELECT t.id AS transfer_id,
       coalesce(
         (SELECT r.category FROM transfer_reclassification r
           WHERE r.transfer_id = t.id
           ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1),
         (SELECT r.category FROM transfer_reclassification r
           WHERE r.transfer_id = t.reverses_id
           ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1),
         t.category) AS reported_category
  FROM transfer t;
"""

DOWNGRADE = r"""
DROP VIEW transfer_reported_category;
DROP TABLE transfer_reclassification;
DROP FUNCTION check_transfer_reclassification();
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

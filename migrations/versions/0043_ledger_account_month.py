"""Each client account's posted movement per month, kept by the ledger (issue 16 benchmark: the
money-held series). ``ledger_account_month``: for a client account (never a counterparty's) and
a calendar month, named by its last day, the account's client (read without a join) and the
net of the posted money (POSTED and POST_PENDING
transfers; holds are not money moved) value-dated in that month: money in less money out.

A derived figure, like ``ledger_account.posted``: kept in the same transaction as the transfers
by a statement trigger on ``transfer`` (one aggregated upsert per INSERT, so a batch of
hundreds costs one statement), never written otherwise; the ledger's transfers stay the record.
The rows it upserts belong to the accounts the transfers move, which the ledger has already
locked FOR UPDATE (``apply_transfer``): no new lock order, no contention on a counterparty.

With it the balance of every account at a month end is a sum over month rows, not over the
transfers, and a series of month ends reads the months once (``reports.repository``).

Revision ID: 0043
Revises: 0042
"""

from ca_api.migrate import run_script

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE ledger_account_month (
  month_end   date NOT NULL,
  account_id  uuid NOT NULL REFERENCES ledger_account (id),
  client_id   uuid NOT NULL REFERENCES client (id),
  moved       bigint NOT NULL,
  PRIMARY KEY (month_end, account_id),
  CHECK (month_end = (date_trunc('month', month_end) + INTERVAL '1 month - 1 day')::date)
);

CREATE FUNCTION ledger_account_month_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_account_month AS m (month_end, account_id, client_id, moved)
  SELECT l.month_end, l.account_id, a.client_id, sum(l.signed)
    FROM (
      SELECT (date_trunc('month', n.value_date) + INTERVAL '1 month - 1 day')::date AS month_end,
             n.to_account_id AS account_id, n.amount AS signed
        FROM transfer_inserted n WHERE n.kind IN ('POSTED', 'POST_PENDING')
      UNION ALL
      SELECT (date_trunc('month', n.value_date) + INTERVAL '1 month - 1 day')::date,
             n.from_account_id, -n.amount
        FROM transfer_inserted n WHERE n.kind IN ('POSTED', 'POST_PENDING')
    ) l
    JOIN ledger_account a ON a.id = l.account_id AND a.kind <> 'COUNTERPARTY'
   GROUP BY l.month_end, l.account_id, a.client_id
   ORDER BY l.account_id, l.month_end
  ON CONFLICT (month_end, account_id) DO UPDATE SET moved = m.moved + EXCLUDED.moved;
  RETURN NULL;
END
$$;

CREATE TRIGGER transfer_month AFTER INSERT ON transfer
  REFERENCING NEW TABLE AS transfer_inserted
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_account_month_apply();

INSERT INTO ledger_account_month (month_end, account_id, client_id, moved)
SELECT l.month_end, l.account_id, a.client_id, sum(l.signed)
  FROM (
    SELECT (date_trunc('month', t.value_date) + INTERVAL '1 month - 1 day')::date AS month_end,
           t.to_account_id AS account_id, t.amount AS signed
      FROM transfer t WHERE t.kind IN ('POSTED', 'POST_PENDING')
    UNION ALL
    SELECT (date_trunc('month', t.value_date) + INTERVAL '1 month - 1 day')::date,
           t.from_account_id, -t.amount
      FROM transfer t WHERE t.kind IN ('POSTED', 'POST_PENDING')
  ) l
  JOIN ledger_account a ON a.id = l.account_id AND a.kind <> 'COUNTERPARTY'
 GROUP BY l.month_end, l.account_id, a.client_id;
"""

DOWNGRADE = """
DROP TRIGGER transfer_month ON transfer;
DROP FUNCTION ledger_account_month_apply();
DROP TABLE ledger_account_month;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""Each client's income a tax year's return is judged by, kept by the database (issue 18 item 1).

``taxReturns(taxYear: 2025, first: 25)`` picked its page's clients by summing the year's
taxable transfers of every client (138,768 entries of ``ix_transfer_taxable_year`` at 50,000
clients, grouped by client and judged against the allowances: 155 ms of SQL a page; only 10
of the 47,501 clients with income are over an allowance, so no page stops early).

- ``client_tax_year``: per tax year (6 April to 5 April) and client, the sums
  ``income_tax.rules.return_reasons`` compares with the allowances, one column per test of
  ``rules.RETURN_TESTS``: ``taxable_income`` (the categories of ``rules.TAXABLE``) and ``rent``
  (IN_RENT); each the money that moved (``kind`` POSTED or POST_PENDING, never a hold) net of
  reversals, as ``income_tax.repository.ledger_sums`` sums it (money paid to a counterparty
  negative). A page's candidates are then a range of an index (``taxable_income > the personal
  allowance``), not a sum of every client's transfers. ``tests/test_client_tax_year.py`` holds
  the categories here equal to the rules' and the kept rows equal to the transfers' sums.
- Derived, written in the same transaction as the transfer by the statement trigger
  ``transfer_tax_year`` (as ``transfer_month`` keeps ``ledger_account_month``, migration 0043)
  and refused to anyone else (``current_status_guard`` of 0048: written only from a trigger).
  The transfers stay the record (R-AUD-2): they are never edited, so a row is only added to.
- ``client_tax_year_rebuild()``: every row again from the transfers, for a load made with
  ``session_replication_role = replica`` (triggers off, as bench/scale.py's); refused otherwise.
- ``ix_ledger_account_counterparty``: the few hundred counterparty accounts by id, so "paid to a
  counterparty" (``ledger_sums``) is a look-up of them, not a scan of 55,000 accounts.
- ``ix_transfer_client`` (client, seq) holds each transfer's two accounts as well
  (``INCLUDE``): whom a client dealt with (``ledger.repository.counterparties_of_clients``, read
  for each page of ``clientsBeingWoundUp`` by the deaths' notification lists) is an index-only
  scan, 116 buffers for a page of 26 deceased clients where it fetched each of their 1,040
  transfers from the heap (1,114). Rebuilt in place of the old: the same key, no index more to
  keep on each transfer (2 s at two million transfers).

Revision ID: 0056
Revises: 0055
"""

from ca_api.migrate import run_script

revision = "0056"
down_revision = "0055"
branch_labels = None
depends_on = None

# income_tax.rules.RETURN_TESTS: each column, the categories it sums (a test keeps them equal).
TAXABLE = (
    "'IN_STATE_PENSION', 'IN_PRIVATE_PENSION', 'IN_INTEREST', 'IN_DIVIDENDS', 'IN_RENT', "
    "'IN_SALARY_OR_WAGES'"
)
RENT = "'IN_RENT'"

# The tax year of a value date (income_tax.rules.tax_year_of), and each column's sum.
SUMS = f"""
SELECT date_part('year', t.value_date)::int
         - (t.value_date < make_date(date_part('year', t.value_date)::int, 4, 6))::int,
       t.client_id,
       coalesce(sum(s.net) FILTER (WHERE t.category IN ({TAXABLE})), 0),
       coalesce(sum(s.net) FILTER (WHERE t.category IN ({RENT})), 0)
  FROM {{source}} t
  JOIN ledger_account a ON a.id = t.to_account_id
 CROSS JOIN LATERAL (SELECT CASE WHEN a.kind = 'COUNTERPARTY' THEN -t.amount
                                 ELSE t.amount END AS net) s
 WHERE t.kind IN ('POSTED', 'POST_PENDING')
   AND t.category IN ({TAXABLE})
   AND t.client_id IS NOT NULL
 GROUP BY 1, 2
"""  # noqa: S608 (the module's own constants)

UPGRADE = f"""
CREATE INDEX ix_ledger_account_counterparty ON ledger_account (id) WHERE kind = 'COUNTERPARTY';

CREATE INDEX ix_transfer_client_accounts ON transfer (client_id, seq)
  INCLUDE (from_account_id, to_account_id);
DROP INDEX ix_transfer_client;
ALTER INDEX ix_transfer_client_accounts RENAME TO ix_transfer_client;

CREATE TABLE client_tax_year (
  tax_year       integer NOT NULL,
  client_id      uuid NOT NULL REFERENCES client (id),
  taxable_income bigint NOT NULL,
  rent           bigint NOT NULL,
  PRIMARY KEY (tax_year, client_id)
);
CREATE INDEX ix_client_tax_year_taxable ON client_tax_year (tax_year, taxable_income);
CREATE INDEX ix_client_tax_year_rent ON client_tax_year (tax_year, rent);

CREATE FUNCTION client_tax_year_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO client_tax_year AS k (tax_year, client_id, taxable_income, rent)
  {SUMS.format(source="transfer_inserted").strip()}
   ORDER BY 1, 2
  ON CONFLICT (tax_year, client_id) DO UPDATE
    SET taxable_income = k.taxable_income + EXCLUDED.taxable_income,
        rent = k.rent + EXCLUDED.rent;
  RETURN NULL;
END
$$;

CREATE TRIGGER transfer_tax_year AFTER INSERT ON transfer
  REFERENCING NEW TABLE AS transfer_inserted
  FOR EACH STATEMENT EXECUTE FUNCTION client_tax_year_apply();

CREATE FUNCTION client_tax_year_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('session_replication_role') <> 'replica' THEN
    RAISE EXCEPTION 'client_tax_year_rebuild() is for a load with session_replication_role = '
      'replica (triggers off); otherwise the trigger keeps the rows (R-AUD-2)'
      USING ERRCODE = 'restrict_violation';
  END IF;
  DELETE FROM client_tax_year;
  INSERT INTO client_tax_year (tax_year, client_id, taxable_income, rent)
  {SUMS.format(source="transfer").strip()};
END
$$;

-- The backfill, before the guard; the trigger above holds off every other insert of a
-- transfer until this commits, so none is missed.
INSERT INTO client_tax_year (tax_year, client_id, taxable_income, rent)
{SUMS.format(source="transfer").strip()};
ANALYZE client_tax_year;

CREATE TRIGGER client_tax_year_guard BEFORE INSERT OR UPDATE OR DELETE ON client_tax_year
  FOR EACH ROW EXECUTE FUNCTION current_status_guard();
CREATE TRIGGER client_tax_year_no_truncate BEFORE TRUNCATE ON client_tax_year
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
"""  # noqa: S608 (the module's own constants)

DOWNGRADE = """
DROP TRIGGER transfer_tax_year ON transfer;
DROP FUNCTION client_tax_year_rebuild();
DROP TABLE client_tax_year;
DROP FUNCTION client_tax_year_apply();
DROP INDEX ix_ledger_account_counterparty;
CREATE INDEX ix_transfer_client_seq ON transfer (client_id, seq);
DROP INDEX ix_transfer_client;
ALTER INDEX ix_transfer_client_seq RENAME TO ix_transfer_client;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

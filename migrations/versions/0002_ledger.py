"""Client money: effective-dated policy, counterparties, a double-entry ledger with holds,
idempotency keys, receipts, invoices, payments with approval, bank reconciliation.

Money is integer pence (bigint). Every transfer moves a positive amount from one account to
another, so all balances sum to zero. Transfers are never changed: a hold (PENDING) is resolved
by a second transfer that posts or voids it; a mistake by a reversing transfer that names the one
it corrects (R-AUD-2). Client accounts keep their posted and held balances on the account row,
maintained by a trigger under a row lock; a CHECK keeps posted - held >= 0 (R-PAY-3), so no code
path can take a client below zero. Counterparty accounts (DWP, suppliers, the bank) keep no
running balance: no row that every transfer must lock.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from ca_api.migrate import make_append_only, run_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- Policy figures with effective dates (R-DEC-4, R-FEE-6, R-DATA). value NULL: known to be unknown
-- (the service refuses to use it rather than guess).
CREATE TABLE policy_figure (
  name          text NOT NULL,
  effective_from date NOT NULL,
  value         numeric,
  unit          text NOT NULL CHECK (unit IN ('PERCENT', 'PENCE', 'COUNT', 'DAYS')),
  source        text NOT NULL,
  recorded_by   text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, effective_from)
);

-- Approval limits (R-DEC, seed 002 Appendix 2), one version per effective date.
CREATE TABLE approval_limit_version (
  id             serial PRIMARY KEY,
  effective_from date NOT NULL UNIQUE,
  note           text NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE approval_limit (
  version_id  integer NOT NULL REFERENCES approval_limit_version (id),
  subject     text NOT NULL,
  role        text NOT NULL,
  up_to       bigint CHECK (up_to >= 0),  -- pence, inclusive; NULL: any amount
  PRIMARY KEY (version_id, subject, role)
);

CREATE TABLE counterparty (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('DWP', 'PENSION_PAYER', 'SUPPLIER', 'CARE_PROVIDER',
                'COUNCIL', 'BANK', 'COURT_FUNDS_OFFICE', 'INSTITUTION', 'OPG', 'OTHER')),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  reference   text,
  is_council_employee boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  CONSTRAINT uq_counterparty_kind_name UNIQUE (kind, name)
);

CREATE TABLE ledger_account (
  id              uuid PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('CLIENT_CMS', 'CLIENT_COURT_FUNDS',
                    'CLIENT_PLACEMENT', 'CLIENT_CASH', 'COUNTERPARTY')),
  client_id       uuid REFERENCES client (id),
  counterparty_id uuid REFERENCES counterparty (id),
  name            text NOT NULL,
  posted          bigint NOT NULL DEFAULT 0,
  held            bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_ledger_account_owner CHECK (
    (kind = 'COUNTERPARTY' AND counterparty_id IS NOT NULL AND client_id IS NULL)
    OR (kind <> 'COUNTERPARTY' AND client_id IS NOT NULL AND counterparty_id IS NULL)),
  -- R-PAY-3, R-ACC-2: a client account never goes below zero, counting its holds as spent.
  CONSTRAINT ck_ledger_account_not_below_zero CHECK (
    kind = 'COUNTERPARTY' OR (held >= 0 AND posted - held >= 0)),
  CONSTRAINT ck_ledger_account_counterparty_no_balance CHECK (
    kind <> 'COUNTERPARTY' OR (posted = 0 AND held = 0))
);
CREATE UNIQUE INDEX uq_ledger_account_client_kind ON ledger_account (client_id, kind)
  WHERE kind IN ('CLIENT_CMS', 'CLIENT_COURT_FUNDS', 'CLIENT_CASH');
CREATE UNIQUE INDEX uq_ledger_account_counterparty ON ledger_account (counterparty_id)
  WHERE counterparty_id IS NOT NULL;
CREATE INDEX ix_ledger_account_client ON ledger_account (client_id);

CREATE TABLE transfer (
  id                 uuid PRIMARY KEY,
  seq                bigserial NOT NULL UNIQUE,
  kind               text NOT NULL CHECK (kind IN ('POSTED', 'PENDING', 'POST_PENDING', 'VOID_PENDING')),
  from_account_id    uuid NOT NULL REFERENCES ledger_account (id),
  to_account_id      uuid NOT NULL REFERENCES ledger_account (id),
  amount             bigint NOT NULL CHECK (amount > 0),
  pending_id         uuid REFERENCES transfer (id),
  reverses_id        uuid REFERENCES transfer (id),
  value_date         date NOT NULL,
  posted_at          timestamptz NOT NULL DEFAULT now(),
  category           text NOT NULL,
  description        text NOT NULL,
  reference          text,
  client_id          uuid REFERENCES client (id),
  recorded_by        text NOT NULL,
  reason             text,
  from_balance_after bigint,
  to_balance_after   bigint,
  CONSTRAINT ck_transfer_two_accounts CHECK (from_account_id <> to_account_id),
  CONSTRAINT ck_transfer_resolution CHECK (
    (kind IN ('POST_PENDING', 'VOID_PENDING')) = (pending_id IS NOT NULL)),
  CONSTRAINT ck_transfer_reversal_reason CHECK (reverses_id IS NULL OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX uq_transfer_one_resolution ON transfer (pending_id) WHERE pending_id IS NOT NULL;
CREATE UNIQUE INDEX uq_transfer_one_reversal ON transfer (reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX ix_transfer_from ON transfer (from_account_id, seq);
CREATE INDEX ix_transfer_to ON transfer (to_account_id, seq);
CREATE INDEX ix_transfer_client ON transfer (client_id, seq);
CREATE INDEX ix_transfer_value_date ON transfer (value_date);

-- Applies a transfer to its client accounts' balances, under row locks taken in id order (no
-- deadlocks); counterparty accounts are not locked. The account CHECKs refuse what would take
-- a client below zero.
CREATE FUNCTION apply_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p transfer%ROWTYPE;
  o transfer%ROWTYPE;
  owners uuid[];
BEGIN
  PERFORM 1 FROM ledger_account
   WHERE id IN (NEW.from_account_id, NEW.to_account_id) AND kind <> 'COUNTERPARTY'
   ORDER BY id FOR UPDATE;
  -- R-ACC-2, for every path that writes transfers (the service checks it first): money moves
  -- into, out of, or within one client's accounts, and the transfer names that client.
  SELECT array_agg(DISTINCT client_id) INTO owners FROM ledger_account
   WHERE id IN (NEW.from_account_id, NEW.to_account_id) AND client_id IS NOT NULL;
  IF coalesce(cardinality(owners), 0) <> 1 OR NEW.client_id IS DISTINCT FROM owners[1] THEN
    RAISE EXCEPTION 'a transfer moves money into, out of or within one client''s accounts and names that client (R-ACC-2)'
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.kind IN ('POST_PENDING', 'VOID_PENDING') THEN
    SELECT * INTO p FROM transfer WHERE id = NEW.pending_id;
    IF NOT FOUND OR p.kind <> 'PENDING' THEN
      RAISE EXCEPTION 'transfer % is not a pending transfer', NEW.pending_id
        USING ERRCODE = 'check_violation';
    END IF;
    IF p.from_account_id <> NEW.from_account_id OR p.to_account_id <> NEW.to_account_id
       OR p.amount <> NEW.amount THEN
      RAISE EXCEPTION 'a pending transfer is resolved whole, between the same accounts'
        USING ERRCODE = 'check_violation';
    END IF;
    -- Seen here, under the account locks, before any balance moves: otherwise a second
    -- resolution would first release the hold again and fail on the balance CHECK, reported
    -- as insufficient funds (the unique index below stays the last word).
    IF EXISTS (SELECT 1 FROM transfer WHERE pending_id = NEW.pending_id) THEN
      RAISE EXCEPTION 'transfer % was already posted or voided', NEW.pending_id
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'uq_transfer_one_resolution';
    END IF;
  END IF;
  IF NEW.reverses_id IS NOT NULL THEN
    SELECT * INTO o FROM transfer WHERE id = NEW.reverses_id;
    IF NOT FOUND OR o.kind NOT IN ('POSTED', 'POST_PENDING') OR NEW.kind <> 'POSTED'
       OR o.from_account_id <> NEW.to_account_id OR o.to_account_id <> NEW.from_account_id
       OR o.amount <> NEW.amount THEN
      RAISE EXCEPTION 'a reversal moves the same amount back between the same accounts'
        USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM transfer WHERE reverses_id = NEW.reverses_id) THEN
      RAISE EXCEPTION 'transfer % was already reversed', NEW.reverses_id
        USING ERRCODE = 'unique_violation', CONSTRAINT = 'uq_transfer_one_reversal';
    END IF;
  END IF;
  IF NEW.kind = 'POSTED' THEN
    UPDATE ledger_account SET posted = posted - NEW.amount
     WHERE id = NEW.from_account_id AND kind <> 'COUNTERPARTY' RETURNING posted INTO NEW.from_balance_after;
    UPDATE ledger_account SET posted = posted + NEW.amount
     WHERE id = NEW.to_account_id AND kind <> 'COUNTERPARTY' RETURNING posted INTO NEW.to_balance_after;
  ELSIF NEW.kind = 'PENDING' THEN
    UPDATE ledger_account SET held = held + NEW.amount
     WHERE id = NEW.from_account_id AND kind <> 'COUNTERPARTY';
  ELSIF NEW.kind = 'POST_PENDING' THEN
    UPDATE ledger_account SET held = held - NEW.amount, posted = posted - NEW.amount
     WHERE id = NEW.from_account_id AND kind <> 'COUNTERPARTY' RETURNING posted INTO NEW.from_balance_after;
    UPDATE ledger_account SET posted = posted + NEW.amount
     WHERE id = NEW.to_account_id AND kind <> 'COUNTERPARTY' RETURNING posted INTO NEW.to_balance_after;
  ELSE -- VOID_PENDING
    UPDATE ledger_account SET held = held - NEW.amount
     WHERE id = NEW.from_account_id AND kind <> 'COUNTERPARTY';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER transfer_apply BEFORE INSERT ON transfer
  FOR EACH ROW EXECUTE FUNCTION apply_transfer();

-- Idempotency keys (Stripe-style), per principal: the first request claims the key inside its
-- transaction; a concurrent repeat waits on the key and then replays the stored result.
CREATE TABLE idempotency_key (
  principal     text NOT NULL,
  key           text NOT NULL CHECK (length(key) BETWEEN 8 AND 200),
  operation     text NOT NULL,
  request_hash  bytea NOT NULL,
  result        jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key)
);

-- Receipts (R-ACC-4, R-ACC-6): what came in, how, and for which benefit.
CREATE TABLE receipt (
  transfer_id    uuid PRIMARY KEY REFERENCES transfer (id),
  client_id      uuid NOT NULL REFERENCES client (id),
  method         text NOT NULL CHECK (method IN ('BANK_TRANSFER', 'CASH', 'CHEQUE')),
  benefit        text,
  received_on    date NOT NULL,
  banked_on      date,
  receipt_number text,
  period_start   date,
  period_end     date,
  CONSTRAINT ck_receipt_number_for_cash CHECK (method = 'BANK_TRANSFER' OR receipt_number IS NOT NULL),
  CONSTRAINT ck_receipt_banked_after CHECK (banked_on IS NULL OR banked_on >= received_on)
);
CREATE UNIQUE INDEX uq_receipt_number ON receipt (receipt_number) WHERE receipt_number IS NOT NULL;
CREATE INDEX ix_receipt_client ON receipt (client_id, received_on);

-- Interest runs on CMS accounts (R-ACC-1): one per period.
CREATE TABLE interest_run (
  id            uuid PRIMARY KEY,
  period_start  date NOT NULL,
  period_end    date NOT NULL,
  run_by        text NOT NULL,
  run_at        timestamptz NOT NULL DEFAULT now(),
  accounts      integer NOT NULL,
  total         bigint NOT NULL,
  CONSTRAINT uq_interest_run_period UNIQUE (period_start, period_end),
  CHECK (period_end >= period_start)
);

-- Invoices (R-PAY-1, R-PAY-2, R-PAY-5, R-PAY-6).
CREATE TABLE invoice (
  id                      uuid PRIMARY KEY,
  client_id               uuid NOT NULL REFERENCES client (id),
  supplier_id             uuid NOT NULL REFERENCES counterparty (id),
  supplier_invoice_number text NOT NULL CHECK (length(supplier_invoice_number) BETWEEN 1 AND 60),
  invoice_date            date NOT NULL,
  amount                  bigint NOT NULL CHECK (amount > 0),
  kind                    text NOT NULL CHECK (kind IN ('SUPPLIER', 'CARE_PROVIDER_REIMBURSEMENT',
                            'COUNCIL_CARE_CONTRIBUTION')),
  category                text NOT NULL,
  description             text NOT NULL,
  period_start            date,
  period_end              date,
  received_on             date NOT NULL,
  due_on                  date NOT NULL,
  official_invoice        boolean NOT NULL DEFAULT false,
  direct_debit            boolean NOT NULL DEFAULT false,
  source                  text NOT NULL,
  recorded_by             text NOT NULL,
  recorded_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_invoice_supplier_number UNIQUE (supplier_id, supplier_invoice_number),
  CHECK (period_end IS NULL OR period_start IS NULL OR period_end >= period_start)
);
CREATE INDEX ix_invoice_client ON invoice (client_id);
CREATE INDEX ix_invoice_due ON invoice (due_on);
CREATE INDEX ix_invoice_supplier_amount_date ON invoice (supplier_id, amount, invoice_date);

CREATE TABLE invoice_item (
  invoice_id     uuid NOT NULL REFERENCES invoice (id),
  line           integer NOT NULL CHECK (line >= 1),
  description    text NOT NULL,
  amount         bigint NOT NULL CHECK (amount > 0),
  evidence_seen  boolean NOT NULL DEFAULT false,
  PRIMARY KEY (invoice_id, line)
);

CREATE TABLE invoice_check (
  id          bigserial PRIMARY KEY,
  invoice_id  uuid NOT NULL REFERENCES invoice (id),
  check_name  text NOT NULL CHECK (check_name IN ('HEADED', 'DATED', 'FOR_THIS_CLIENT',
                'GOODS_RECEIVED', 'HOW_TO_PAY', 'ARITHMETIC', 'NOT_DUPLICATE')),
  passed      boolean NOT NULL,
  note        text,
  checked_by  text NOT NULL,
  checked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_invoice_check_invoice ON invoice_check (invoice_id, id);

CREATE TABLE invoice_event (
  id          bigserial PRIMARY KEY,
  invoice_id  uuid NOT NULL REFERENCES invoice (id),
  event       text NOT NULL CHECK (event IN ('FUNDS_SHORT', 'SENDER_CONTACTED', 'QUERIED', 'CANCELLED')),
  note        text,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_invoice_event_invoice ON invoice_event (invoice_id, id);

-- Payments: raised, approved (a hold), made (the hold posted) or cancelled (the hold voided).
CREATE TABLE payment (
  id               uuid PRIMARY KEY,
  client_id        uuid NOT NULL REFERENCES client (id),
  invoice_id       uuid REFERENCES invoice (id),
  payee_id         uuid NOT NULL REFERENCES counterparty (id),
  from_account_id  uuid NOT NULL REFERENCES ledger_account (id),
  amount           bigint NOT NULL CHECK (amount > 0),
  category         text NOT NULL,
  method           text NOT NULL CHECK (method IN ('BANK_TRANSFER', 'DIRECT_DEBIT', 'CHEQUE', 'CASH')),
  description      text NOT NULL,
  standing         boolean NOT NULL DEFAULT false,
  raised_by        text NOT NULL,
  raised_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_payment_client ON payment (client_id);
CREATE INDEX ix_payment_invoice ON payment (invoice_id);

CREATE TABLE payment_event (
  id                  bigserial PRIMARY KEY,
  payment_id          uuid NOT NULL REFERENCES payment (id),
  event               text NOT NULL CHECK (event IN ('APPROVED', 'MADE', 'CANCELLED', 'REFUSED_FUNDS_SHORT')),
  transfer_id         uuid REFERENCES transfer (id),
  limit_version_id    integer REFERENCES approval_limit_version (id),
  reason              text,
  recorded_by         text NOT NULL,
  recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_payment_event_once ON payment_event (payment_id, event)
  WHERE event IN ('APPROVED', 'MADE', 'CANCELLED');
CREATE INDEX ix_payment_event_payment ON payment_event (payment_id, id);

-- Bank statements and their reconciliation to the ledger (R-ACC-7).
CREATE TABLE bank_statement (
  id              uuid PRIMARY KEY,
  account_name    text NOT NULL,
  period_start    date NOT NULL,
  period_end      date NOT NULL,
  opening_balance bigint NOT NULL,
  closing_balance bigint NOT NULL,
  source_sha256   bytea NOT NULL UNIQUE,
  imported_by     text NOT NULL,
  imported_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (period_end >= period_start)
);
CREATE TABLE bank_statement_line (
  statement_id  uuid NOT NULL REFERENCES bank_statement (id),
  line_no       integer NOT NULL CHECK (line_no >= 1),
  posted_on     date NOT NULL,
  description   text NOT NULL,
  reference     text,
  amount        bigint NOT NULL CHECK (amount <> 0),
  PRIMARY KEY (statement_id, line_no)
);
CREATE TABLE bank_match (
  statement_id  uuid NOT NULL,
  line_no       integer NOT NULL,
  transfer_id   uuid NOT NULL REFERENCES transfer (id),
  method        text NOT NULL CHECK (method IN ('AUTO', 'MANUAL')),
  matched_by    text NOT NULL,
  matched_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (statement_id, line_no),
  FOREIGN KEY (statement_id, line_no) REFERENCES bank_statement_line (statement_id, line_no),
  CONSTRAINT uq_bank_match_transfer UNIQUE (transfer_id)
);
CREATE INDEX ix_bank_statement_period ON bank_statement (period_start DESC, id DESC);

-- The backstop for matching: a line is matched only to a transfer that moved the same money the
-- same way through the Client Monies Service bank account (exactly one end a CLIENT_CMS account;
-- money into it is a positive line).
CREATE FUNCTION check_bank_match() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  line_amount bigint;
  moved bigint;
BEGIN
  SELECT amount INTO line_amount FROM bank_statement_line
   WHERE statement_id = NEW.statement_id AND line_no = NEW.line_no;
  SELECT CASE WHEN ta.kind = 'CLIENT_CMS' THEN t.amount ELSE -t.amount END INTO moved
    FROM transfer t
    JOIN ledger_account fa ON fa.id = t.from_account_id
    JOIN ledger_account ta ON ta.id = t.to_account_id
   WHERE t.id = NEW.transfer_id AND t.kind IN ('POSTED', 'POST_PENDING')
     AND (fa.kind = 'CLIENT_CMS') <> (ta.kind = 'CLIENT_CMS');
  IF moved IS NULL OR line_amount IS DISTINCT FROM moved THEN
    RAISE EXCEPTION 'line % of bank statement % is not the money transfer % moved',
      NEW.line_no, NEW.statement_id, NEW.transfer_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER bank_match_check BEFORE INSERT ON bank_match
  FOR EACH ROW EXECUTE FUNCTION check_bank_match();

-- Seed policy (seed 002, April 2014; later figures from domain.md R-DATA).
INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('cms_interest_rate', '2014-04-01', 0.1, 'PERCENT', 'seed 002: Client Monies Service account interest (R-ACC-1)', 'migration'),
  ('invoice_payment_working_days', '2014-04-01', 21, 'DAYS', 'seed 002 16.1 (R-PAY-1)', 'migration'),
  ('council_invoice_payment_days', '2014-04-01', 21, 'DAYS', 'seed 002 15.1 (R-PAY-4)', 'migration'),
  ('reimbursement_evidence_threshold', '2014-04-01', 1000, 'PENCE', 'seed 002 22.4: items above £10.00 (R-PAY-5)', 'migration');

INSERT INTO approval_limit_version (id, effective_from, note, recorded_by) VALUES
  (1, '2014-04-01', 'Seed 002 Appendix 2 (Client Affairs policy, April 2014). Payments of checked invoices: no figure in the seed; taken as the SCAO band of the financial statements row (up to £5,000), TGM above.', 'migration');
SELECT setval('approval_limit_version_id_seq', 1);
INSERT INTO approval_limit (version_id, subject, role, up_to) VALUES
  (1, 'GIFT', 'senior_officer', 10000),
  (1, 'GIFT', 'governance_manager', NULL),
  (1, 'CONFLICT_OF_INTEREST', 'senior_officer', 10000),
  (1, 'CONFLICT_OF_INTEREST', 'governance_manager', NULL),
  (1, 'DEBT_STATEMENT', 'senior_officer', 500000),
  (1, 'DEBT_STATEMENT', 'governance_manager', NULL),
  (1, 'INVESTMENT_PLAN', 'governance_manager', NULL),
  (1, 'BEST_INTEREST', 'senior_officer', 10000),
  (1, 'BEST_INTEREST', 'governance_manager', NULL),
  (1, 'FINANCIAL_PLAN', 'senior_officer', 500000),
  (1, 'FINANCIAL_PLAN', 'governance_manager', NULL),
  (1, 'PAYMENT', 'senior_officer', 500000),
  (1, 'PAYMENT', 'governance_manager', NULL);
"""

APPEND_ONLY = [
    "policy_figure",
    "approval_limit_version",
    "approval_limit",
    "counterparty",
    "transfer",
    "receipt",
    "interest_run",
    "invoice",
    "invoice_item",
    "invoice_check",
    "invoice_event",
    "payment",
    "payment_event",
    "bank_statement",
    "bank_statement_line",
    "bank_match",
]


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(APPEND_ONLY)


def downgrade() -> None:
    run_script(
        """
        DROP TABLE bank_match, bank_statement_line, bank_statement, payment_event, payment,
                   invoice_event, invoice_check, invoice_item, invoice, interest_run, receipt,
                   idempotency_key, transfer, ledger_account, counterparty, approval_limit,
                   approval_limit_version, policy_figure;
        DROP FUNCTION apply_transfer();
        DROP FUNCTION check_bank_match();
        """
    )

"""A client's outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3, seed 002
B 14). All append-only (R-AUD-2).

- ``outstanding_debt``: a debt found (creditor, kind, amount, the date incurred, the day found,
  the creditor's reference, the counterparty to pay); a correction is a new row superseding the
  last (``supersedes_id``, once each), with the reason.
- ``debt_repayment_plan``: a financial statement of outstanding debts with the plan to clear
  them (R-DEBT-3, B 14.4): what the client can afford, what is owed and allocated, the text of
  the statement, and its DEBT_STATEMENT decision (approved within the Appendix 2 limits).
- ``debt_plan_line``: each debt in R-DEBT-1's order (its position), owed and allocated.
- ``debt_letter``: where funds are short, the letter to a creditor (R-DEBT-2, B 14.3): its text
  and the PDF (a stored file).
- ``debt_letter_sent``: the letter's sending, once.
- ``debt_repayment``: a payment raised against a debt under an approved plan (approved and made
  as every payment).

Revision ID: 0033
Revises: 0032
"""

from ca_api.migrate import make_append_only, run_script

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

TABLES = [
    "outstanding_debt",
    "debt_repayment_plan",
    "debt_plan_line",
    "debt_letter",
    "debt_letter_sent",
    "debt_repayment",
]

UPGRADE = r"""
CREATE TABLE outstanding_debt (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  creditor        text NOT NULL CHECK (length(btrim(creditor)) BETWEEN 1 AND 200),
  kind            text NOT NULL CHECK (kind IN (
                    'CARE_HOME_PERSONAL_ALLOWANCE', 'COUNCIL_CARE_CONTRIBUTION', 'OTHER_UNSECURED')),
  amount          bigint NOT NULL CHECK (amount > 0),
  incurred_on     date NOT NULL,
  found_on        date NOT NULL,
  reference       text CHECK (reference IS NULL OR length(reference) <= 200),
  payee_id        uuid REFERENCES counterparty (id),
  supersedes_id   uuid REFERENCES outstanding_debt (id),
  reason          text,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_outstanding_debt_incurred CHECK (incurred_on <= found_on),
  CONSTRAINT ck_outstanding_debt_reason CHECK (supersedes_id IS NULL OR reason IS NOT NULL),
  CONSTRAINT uq_outstanding_debt_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_outstanding_debt_client ON outstanding_debt (client_id);

CREATE TABLE debt_repayment_plan (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  funds_available bigint NOT NULL CHECK (funds_available >= 0),
  total_owed      bigint NOT NULL CHECK (total_owed >= 0),
  total_allocated bigint NOT NULL CHECK (total_allocated >= 0 AND total_allocated <= total_owed),
  funds_short     boolean NOT NULL,
  statement       text NOT NULL,
  decision_id     uuid NOT NULL REFERENCES decision (id),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_debt_repayment_plan_decision UNIQUE (decision_id)
);
CREATE INDEX ix_debt_repayment_plan_client ON debt_repayment_plan (client_id);

CREATE TABLE debt_plan_line (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  plan_id         uuid NOT NULL REFERENCES debt_repayment_plan (id),
  debt_id         uuid NOT NULL REFERENCES outstanding_debt (id),
  record_id       uuid NOT NULL REFERENCES outstanding_debt (id),
  position        integer NOT NULL CHECK (position >= 1),
  owed            bigint NOT NULL CHECK (owed >= 0),
  allocated       bigint NOT NULL CHECK (allocated >= 0 AND allocated <= owed),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_debt_plan_line_debt UNIQUE (plan_id, debt_id),
  CONSTRAINT uq_debt_plan_line_position UNIQUE (plan_id, position)
);

CREATE TABLE debt_letter (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  plan_id         uuid NOT NULL REFERENCES debt_repayment_plan (id),
  debt_id         uuid NOT NULL REFERENCES outstanding_debt (id),
  creditor        text NOT NULL,
  body            text NOT NULL,
  file_id         uuid NOT NULL REFERENCES stored_file (id),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_debt_letter_debt UNIQUE (plan_id, debt_id)
);
CREATE INDEX ix_debt_letter_client ON debt_letter (client_id);

CREATE TABLE debt_letter_sent (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  letter_id       uuid NOT NULL REFERENCES debt_letter (id),
  sent_on         date NOT NULL,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_debt_letter_sent_letter UNIQUE (letter_id)
);
CREATE INDEX ix_debt_letter_sent_client ON debt_letter_sent (client_id);

CREATE TABLE debt_repayment (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  plan_id         uuid NOT NULL REFERENCES debt_repayment_plan (id),
  debt_id         uuid NOT NULL REFERENCES outstanding_debt (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  payment_id      uuid NOT NULL REFERENCES payment (id),
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_debt_repayment_payment UNIQUE (payment_id)
);
CREATE INDEX ix_debt_repayment_client ON debt_repayment (client_id);
"""

DOWNGRADE = r"""
DROP TABLE debt_repayment, debt_letter_sent, debt_letter, debt_plan_line, debt_repayment_plan,
  outstanding_debt;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

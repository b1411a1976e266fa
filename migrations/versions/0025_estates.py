"""The estate of a deceased client (issue 13 item 5; R-DEATH-3, R-DEATH-4, R-FEE-5, seed 002
B 29.3-29.6, the cost and income appendix "Income from Estates of £500.00 and less"). All
append-only (R-AUD-2).

- ``estate_claimant``: who takes the estate: an EXECUTOR (a valid will: its reference and date,
  the grant of probate if any) or the NEXT_OF_KIN (name, relationship and the evidence of it),
  with the counterparty they are paid through. One current claimant per client: a correction is
  a new row that supersedes the last (``supersedes_id``, once each; the first row of a client
  once), so the rows of a client form one chain whose end is the current claimant.
- ``estate_referral``: the referral to the Treasury Solicitor (Bona Vacantia) of an estate over
  the small-estate limit with no executor or next of kin: the date and the reference, once.
- ``estate_payment``: each estate payment raised: the route (EXECUTOR, NEXT_OF_KIN,
  KEPT_BY_COUNCIL, TREASURY_SOLICITOR), the amount, the small-estate limit used and its
  effective date, the claimant or the referral, and the payment (approved and made through the
  one approval mechanism). Whether it is raised, made or cancelled is the payment's.
- ``policy_figure`` ``small_estate_limit``: £500.00 from 2014-04-01 (seed 002 B 29.5-29.6),
  "£500 and below" kept by the council (inclusive), the net estate compared.

Revision ID: 0025
Revises: 0022
"""

from ca_api.migrate import make_append_only, run_script

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None

TABLES = ["estate_claimant", "estate_referral", "estate_payment"]

UPGRADE = r"""
CREATE TABLE estate_claimant (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  death_id             uuid NOT NULL REFERENCES death (id),
  kind                 text NOT NULL CHECK (kind IN ('EXECUTOR', 'NEXT_OF_KIN')),
  name                 text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  will_reference       text CHECK (will_reference IS NULL OR length(will_reference) <= 200),
  will_dated           date,
  probate_reference    text CHECK (probate_reference IS NULL OR length(probate_reference) <= 200),
  probate_granted_on   date,
  relationship         text CHECK (relationship IS NULL OR length(relationship) <= 200),
  evidence             text CHECK (evidence IS NULL OR length(evidence) <= 2000),
  counterparty_id      uuid NOT NULL REFERENCES counterparty (id),
  supersedes_id        uuid REFERENCES estate_claimant (id),
  reason               text,
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_estate_claimant_executor CHECK (
    kind <> 'EXECUTOR' OR (will_reference IS NOT NULL AND will_dated IS NOT NULL)),
  CONSTRAINT ck_estate_claimant_next_of_kin CHECK (
    kind <> 'NEXT_OF_KIN' OR (relationship IS NOT NULL AND evidence IS NOT NULL)),
  CONSTRAINT uq_estate_claimant_supersedes UNIQUE (supersedes_id)
);
CREATE UNIQUE INDEX uq_estate_claimant_first ON estate_claimant (client_id)
  WHERE supersedes_id IS NULL;

CREATE TABLE estate_referral (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  death_id             uuid NOT NULL REFERENCES death (id),
  referred_on          date NOT NULL,
  reference            text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_estate_referral_client UNIQUE (client_id)
);

CREATE TABLE estate_payment (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  death_id             uuid NOT NULL REFERENCES death (id),
  route                text NOT NULL
                       CHECK (route IN ('EXECUTOR', 'NEXT_OF_KIN', 'KEPT_BY_COUNCIL',
                                        'TREASURY_SOLICITOR')),
  amount               bigint NOT NULL CHECK (amount > 0),
  limit_amount         bigint NOT NULL CHECK (limit_amount >= 0),
  limit_effective_from date NOT NULL,
  claimant_id          uuid REFERENCES estate_claimant (id),
  referral_id          uuid REFERENCES estate_referral (id),
  payment_id           uuid NOT NULL REFERENCES payment (id),
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_estate_payment_payment UNIQUE (payment_id),
  CONSTRAINT ck_estate_payment_whom CHECK (
    (route IN ('EXECUTOR', 'NEXT_OF_KIN')) = (claimant_id IS NOT NULL)
    AND (route = 'TREASURY_SOLICITOR') = (referral_id IS NOT NULL))
);
CREATE INDEX ix_estate_payment_client ON estate_payment (client_id);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('small_estate_limit', '2014-04-01', 50000, 'PENCE', 'seed 002 B 29.5-29.6: an estate of £500 and below with no next of kin or executor is kept by the council, over it paid to the Treasury Solicitor (R-DEATH-4); the net estate after every debt, the funeral and the fee (GLD guidance, R-DATA)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE estate_payment, estate_referral, estate_claimant;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'small_estate_limit';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

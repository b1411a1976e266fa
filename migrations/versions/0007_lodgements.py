"""Court Funds Office lodgements and their interest (R-INV-2, R-INV-6, R-DATA).

A lodgement is proposed with an INVESTMENT_PLAN decision (the governance manager approves it,
R-DEC, R-ROLE-2) and lodged once (lodgement_lodged: one row per lodgement, naming the ledger
transfer CMS -> Court Funds). Money taken back (R-INV-6) is a court_funds_withdrawal naming its
transfer and reason. Interest on Court Funds accounts is credited by court_funds_interest_run,
one per period and no two overlapping. Status is derived (decision events + lodged), never
stored. All append-only (R-AUD-2).

The Court Funds Office special account rate is effective-dated policy (R-DATA), PERCENT a year:
- 0.5 from 2014-04-01: seed 002 (April 2014), domain.md R-INV-2.
- 0.1 from 2020-06-01: Ministry of Justice notice "Interest rate reductions on the Court Funds
  Office special and basic accounts" (special account 0.5% -> 0.1% from Monday 1 June 2020).
- NULL from 2022-04-29: the rate rose to 0.645% that day and changed many times after (MoJ
  notices of 2022-2025); those figures are not entered here, so the value is known to be
  unknown and an interest run over those days is refused (PolicyMissing), never guessed.
- 4.00 from 2025-12-01: ASSUMED start. The MoJ notice of 2026-01-09 says the special account
  "decreased from 4.00% to 3.75%"; the day 4.00% began is not in our sources (Bank Rate was
  4.00% from 2025-08-07 to 2025-12-18 and the CFO follows a base-rate change within about four
  weeks, so 4.00% was certainly in force on 2025-12-01; earlier days stay unknown).
- 3.75 from 2026-01-09: MoJ notice of 2026-01-09 (domain.md R-DATA).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from ca_api.migrate import make_append_only, run_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ["lodgement", "lodgement_lodged", "court_funds_withdrawal", "court_funds_interest_run"]

UPGRADE = r"""
CREATE TABLE lodgement (
  id          uuid PRIMARY KEY,
  client_id   uuid NOT NULL REFERENCES client (id),
  decision_id uuid NOT NULL REFERENCES decision (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  proposed_by text NOT NULL,
  proposed_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_lodgement_decision_id UNIQUE (decision_id)
);
CREATE INDEX ix_lodgement_client ON lodgement (client_id, proposed_at DESC, id DESC);
CREATE INDEX ix_lodgement_proposed ON lodgement (proposed_at DESC, id DESC);

CREATE TABLE lodgement_lodged (
  lodgement_id uuid PRIMARY KEY REFERENCES lodgement (id),
  transfer_id  uuid NOT NULL REFERENCES transfer (id),
  lodged_by    text NOT NULL,
  lodged_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_lodgement_lodged_transfer_id UNIQUE (transfer_id)
);

CREATE TABLE court_funds_withdrawal (
  transfer_id uuid PRIMARY KEY REFERENCES transfer (id),
  client_id   uuid NOT NULL REFERENCES client (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  reason      text NOT NULL CHECK (btrim(reason) <> ''),
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_court_funds_withdrawal_client ON court_funds_withdrawal (client_id);

CREATE TABLE court_funds_interest_run (
  id           uuid PRIMARY KEY,
  period_start date NOT NULL,
  period_end   date NOT NULL,
  run_by       text NOT NULL,
  run_at       timestamptz NOT NULL DEFAULT now(),
  accounts     integer NOT NULL CHECK (accounts >= 0),
  total        bigint NOT NULL CHECK (total >= 0),
  CONSTRAINT uq_court_funds_interest_run_period UNIQUE (period_start, period_end),
  CONSTRAINT ck_court_funds_interest_run_period CHECK (period_end >= period_start),
  -- a day earns interest once: no two runs overlap
  CONSTRAINT ex_court_funds_interest_run_overlap
    EXCLUDE USING gist (daterange(period_start, period_end, '[]') WITH &&)
);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('court_funds_office_rate', '2014-04-01', 0.5, 'PERCENT', 'seed 002 7.7: Court Funds Office special account, 0.5% (R-INV-2)', 'migration'),
  ('court_funds_office_rate', '2020-06-01', 0.1, 'PERCENT', 'MoJ notice: special account reduced from 0.5% to 0.1% from 1 June 2020 (R-DATA)', 'migration'),
  ('court_funds_office_rate', '2022-04-29', NULL, 'PERCENT', 'MoJ notices 2022-2025: rate changed from 29 April 2022 (0.645%) and often after; not entered: unknown (R-DATA)', 'migration'),
  ('court_funds_office_rate', '2025-12-01', 4.00, 'PERCENT', 'MoJ notice of 9 January 2026: "decreased from 4.00%"; start date assumed, 4.00% certainly in force by 1 December 2025 (R-DATA)', 'migration'),
  ('court_funds_office_rate', '2026-01-09', 3.75, 'PERCENT', 'MoJ notice: special account decreased from 4.00% to 3.75% from 9 January 2026 (R-DATA)', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE court_funds_interest_run, court_funds_withdrawal, lodgement_lodged, lodgement;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'court_funds_office_rate' AND recorded_by = 'migration';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

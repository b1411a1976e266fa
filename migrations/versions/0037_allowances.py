"""Personal allowance and weekly cash (issue 14 item 9; R-PAY-6, R-BUD-4, R-PAY-3, seed 002
B 5.3, B 22-23, B 29). All append-only (R-AUD-2).

- ``allowance_schedule``: a client's schedule of one kind (PERSONAL_ALLOWANCE, WEEKLY_CASH) as
  versions: the first, then each change or stop superseding the last (``supersedes_id``, once
  each, with the reason). A stop has no amount and no payee. Weeks start on a Monday.
- ``allowance_schedule_event``: a version APPROVED by a senior officer who did not record it
  (R-ROLE-2), with the approval limits judged under (R-DEC-4); once each.
- ``allowance_run``: a weekly run that paid something (the week, how many, the total).
- ``allowance_payment``: a schedule paid for a week, with the ledger transfer that moved it;
  once per client, kind and week (the unique index that makes the run idempotent).

Revision ID: 0037
Revises: 0036
"""

from ca_api.migrate import make_append_only, run_script

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

TABLES = ["allowance_schedule", "allowance_schedule_event", "allowance_run", "allowance_payment"]

UPGRADE = r"""
CREATE TABLE allowance_schedule (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  kind           text NOT NULL CHECK (kind IN ('PERSONAL_ALLOWANCE', 'WEEKLY_CASH')),
  weekly_amount  bigint CHECK (weekly_amount > 0),
  payee_id       uuid REFERENCES counterparty (id),
  starts_on      date NOT NULL CHECK (extract(isodow FROM starts_on) = 1),
  stops          boolean NOT NULL DEFAULT false,
  supersedes_id  uuid REFERENCES allowance_schedule (id),
  reason         text CHECK (length(reason) <= 2000),
  recorded_by    text NOT NULL,
  -- clock_timestamp(): versions recorded in one transaction keep their order
  recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT uq_allowance_schedule_supersedes UNIQUE (supersedes_id),
  CONSTRAINT ck_allowance_schedule_stop CHECK (
    stops = (weekly_amount IS NULL) AND stops = (payee_id IS NULL)),
  CONSTRAINT ck_allowance_schedule_reason CHECK (
    supersedes_id IS NULL OR length(btrim(reason)) > 0)
);
CREATE UNIQUE INDEX uq_allowance_schedule_first
  ON allowance_schedule (client_id, kind) WHERE supersedes_id IS NULL;
CREATE INDEX ix_allowance_schedule_client
  ON allowance_schedule (client_id, kind, recorded_at, id);
CREATE INDEX ix_allowance_schedule_list ON allowance_schedule (recorded_at, id);

CREATE TABLE allowance_schedule_event (
  id                bigserial PRIMARY KEY,
  schedule_id       uuid NOT NULL REFERENCES allowance_schedule (id),
  event             text NOT NULL CHECK (event IN ('APPROVED')),
  limit_version_id  integer REFERENCES approval_limit_version (id),
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_allowance_schedule_event_once
  ON allowance_schedule_event (schedule_id, event);

CREATE TABLE allowance_run (
  id             uuid PRIMARY KEY,
  week_starting  date NOT NULL CHECK (extract(isodow FROM week_starting) = 1),
  payments       integer NOT NULL CHECK (payments > 0),
  total          bigint NOT NULL CHECK (total > 0),
  run_by         text NOT NULL,
  run_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_allowance_run_week ON allowance_run (week_starting);

CREATE TABLE allowance_payment (
  id             uuid PRIMARY KEY,
  run_id         uuid NOT NULL REFERENCES allowance_run (id),
  schedule_id    uuid NOT NULL REFERENCES allowance_schedule (id),
  client_id      uuid NOT NULL REFERENCES client (id),
  kind           text NOT NULL CHECK (kind IN ('PERSONAL_ALLOWANCE', 'WEEKLY_CASH')),
  week_starting  date NOT NULL,
  amount         bigint NOT NULL CHECK (amount > 0),
  transfer_id    uuid NOT NULL REFERENCES transfer (id),
  CONSTRAINT uq_allowance_payment_week UNIQUE (client_id, kind, week_starting),
  CONSTRAINT uq_allowance_payment_transfer UNIQUE (transfer_id)
);
CREATE INDEX ix_allowance_payment_run ON allowance_payment (run_id);
"""

DOWNGRADE = r"""
DROP TABLE allowance_payment, allowance_run, allowance_schedule_event, allowance_schedule;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

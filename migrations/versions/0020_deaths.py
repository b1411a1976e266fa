"""A client's death (issue 13 items 1-2, R-DEATH-1, R-ROLE-2, seed 002 B 29). All append-only
(R-AUD-2).

- ``death``: the death as recorded (one per client): the date, the death certificate's
  reference, who recorded it.
- ``death_event``: CONFIRMED by a second officer (four eyes, enforced by the service; the
  database keeps it once).
- ``death_notification_added``, ``death_notification_sent``: R-DEATH-1's list, beyond what the
  records show (the solicitor holding the will), and each item sent once (date, by whom; a
  council team's through the outbox, whose recipients gain CARE_MANAGEMENT,
  SERVICE_AGREEMENT_TEAM and HOUSING_BENEFIT).
- ``payment.winding_up_basis``: on what basis a payment after a confirmed death is made (B 29:
  FUNERAL, DEBT_BEFORE_DEATH, WIND_UP_FEE, REPAYMENT, ESTATE); null for a living client's.

Revision ID: 0020
Revises: 0019
"""

from ca_api.migrate import make_append_only, run_script

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLES = ["death", "death_event", "death_notification_added", "death_notification_sent"]

UPGRADE = r"""
CREATE TABLE death (
  id                    uuid PRIMARY KEY,
  client_id             uuid NOT NULL REFERENCES client (id),
  died_on               date NOT NULL,
  certificate_reference text NOT NULL
                        CHECK (length(btrim(certificate_reference)) BETWEEN 1 AND 100),
  notes                 text CHECK (notes IS NULL OR length(notes) <= 2000),
  recorded_by           text NOT NULL,
  recorded_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_death_client UNIQUE (client_id)
);

CREATE TABLE death_event (
  id          bigserial PRIMARY KEY,
  death_id    uuid NOT NULL REFERENCES death (id),
  event       text NOT NULL CHECK (event IN ('CONFIRMED')),
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_death_event_once ON death_event (death_id, event);

-- R-DEATH-1: someone to tell whom the records do not show (the solicitor holding the will).
CREATE TABLE death_notification_added (
  id                uuid PRIMARY KEY,
  death_id          uuid NOT NULL REFERENCES death (id),
  recipient         text NOT NULL CHECK (recipient IN ('WILL_SOLICITOR', 'COMPANY')),
  organisation_name text NOT NULL CHECK (length(btrim(organisation_name)) BETWEEN 1 AND 200),
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_death_notification_added_death ON death_notification_added (death_id);

-- R-DEATH-1: each letter of the list sent once (a council team's is the outbox's).
CREATE TABLE death_notification_sent (
  id                uuid PRIMARY KEY,
  death_id          uuid NOT NULL REFERENCES death (id),
  recipient         text NOT NULL,
  organisation_key  text NOT NULL,
  organisation_name text NOT NULL,
  sent_on           date NOT NULL,
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_death_notification_sent_once UNIQUE (death_id, recipient, organisation_key)
);

-- The council's teams told of a death through the outbox (seed 002 B 29.1).
ALTER TABLE outbox_message DROP CONSTRAINT outbox_message_recipient_check;
ALTER TABLE outbox_message ADD CONSTRAINT outbox_message_recipient_check CHECK (recipient IN
  ('FINANCIAL_ASSESSMENT', 'INCOME_RECOVERY', 'SAP', 'CONTROCC', 'DWP', 'OPG',
   'CARE_MANAGEMENT', 'SERVICE_AGREEMENT_TEAM', 'HOUSING_BENEFIT'));

ALTER TABLE payment ADD COLUMN winding_up_basis text CHECK (winding_up_basis IN
  ('FUNERAL', 'DEBT_BEFORE_DEATH', 'WIND_UP_FEE', 'REPAYMENT', 'ESTATE'));
"""

DOWNGRADE = r"""
ALTER TABLE outbox_message DROP CONSTRAINT outbox_message_recipient_check;
ALTER TABLE outbox_message ADD CONSTRAINT outbox_message_recipient_check CHECK (recipient IN
  ('FINANCIAL_ASSESSMENT', 'INCOME_RECOVERY', 'SAP', 'CONTROCC', 'DWP', 'OPG'));
DROP TABLE death_notification_sent;
DROP TABLE death_notification_added;
ALTER TABLE payment DROP COLUMN winding_up_basis;
DROP TABLE death_event;
DROP TABLE death;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""The Court of Protection deputyship application (issue 12 item 2, R-REF-6, R-INV-1, R-ORD-2):
the need an officer records from a threshold flag (R-INV-1), the application made (COP1 and the
other forms), its stages in order (ORDER_MADE naming the deputyship recorded), and the notices
of the deputy order sent to the organisations the client deals with (R-ORD-2). All append-only
(R-AUD-2). The deadline itself is not stored: it is the 5th working day after the referral was
accepted (R-REF-6, with the DWP application) or after the need was recorded (R-INV-1).

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-26
"""

from ca_api.migrate import make_append_only, run_script

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLES = [
    "deputyship_application_need",
    "cop_application",
    "cop_application_stage",
    "deputyship_notice_organisation",
    "deputyship_notice_sent",
]

UPGRADE = r"""
CREATE TABLE deputyship_application_need (
  id           uuid PRIMARY KEY,
  client_id    uuid NOT NULL REFERENCES client (id),
  raised_on    date NOT NULL,
  flag_reasons text[] NOT NULL,
  note         text NOT NULL,
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_deputyship_application_need_client_id ON deputyship_application_need (client_id);

CREATE TABLE cop_application (
  id              uuid PRIMARY KEY,
  client_id       uuid NOT NULL REFERENCES client (id),
  referral_id     uuid REFERENCES referral (id),
  need_id         uuid REFERENCES deputyship_application_need (id),
  made_on         date NOT NULL,
  forms           text[] NOT NULL,
  court_reference text NOT NULL,
  note            text NOT NULL,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_cop_application_referral_id UNIQUE (referral_id),
  CONSTRAINT uq_cop_application_need_id UNIQUE (need_id),
  CONSTRAINT ck_cop_application_one_cause CHECK ((referral_id IS NULL) <> (need_id IS NULL))
);
CREATE INDEX ix_cop_application_client_id ON cop_application (client_id);

CREATE TABLE cop_application_stage (
  id             uuid PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES cop_application (id),
  seq            integer NOT NULL CHECK (seq > 0),
  stage          text NOT NULL CHECK (stage IN ('ISSUED', 'NOTIFIED',
                   'FURTHER_INFORMATION_REQUESTED', 'FURTHER_INFORMATION_SENT', 'ORDER_MADE',
                   'REFUSED', 'WITHDRAWN')),
  occurred_on    date NOT NULL,
  note           text NOT NULL,
  deputyship_id  uuid REFERENCES deputyship (id),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_cop_application_stage_seq UNIQUE (application_id, seq),
  CONSTRAINT ck_cop_application_stage_order CHECK ((stage = 'ORDER_MADE') = (deputyship_id IS NOT NULL))
);

CREATE TABLE deputyship_notice_organisation (
  id            uuid PRIMARY KEY,
  deputyship_id uuid NOT NULL REFERENCES deputyship (id),
  client_id     uuid NOT NULL REFERENCES client (id),
  name          text NOT NULL CHECK (name <> ''),
  kind          text NOT NULL,
  recorded_by   text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_deputyship_notice_organisation_name UNIQUE (deputyship_id, name)
);

CREATE TABLE deputyship_notice_sent (
  id              uuid PRIMARY KEY,
  deputyship_id   uuid NOT NULL REFERENCES deputyship (id),
  client_id       uuid NOT NULL REFERENCES client (id),
  counterparty_id uuid REFERENCES counterparty (id),
  organisation_id uuid REFERENCES deputyship_notice_organisation (id),
  sent_on         date NOT NULL,
  note            text NOT NULL,
  recorded_by     text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_deputyship_notice_sent_counterparty UNIQUE (deputyship_id, counterparty_id),
  CONSTRAINT uq_deputyship_notice_sent_organisation UNIQUE (organisation_id),
  CONSTRAINT ck_deputyship_notice_sent_one CHECK ((counterparty_id IS NULL) <> (organisation_id IS NULL))
);
"""

DOWNGRADE = r"""
DROP TABLE deputyship_notice_sent;
DROP TABLE deputyship_notice_organisation;
DROP TABLE cop_application_stage;
DROP TABLE cop_application;
DROP TABLE deputyship_application_need;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

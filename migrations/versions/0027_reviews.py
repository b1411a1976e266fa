"""Annual reviews, contacts and changes of circumstances (issue 14 item 1; R-CARE-1, R-ORD-4,
seed 002 B 13.1-13.5, B 18.2). All append-only (R-AUD-2): a correction is a new row that
supersedes the one it corrects (``supersedes_id``, once each), with the reason.

- ``client_review``: a review of the client (B 13.3: a personal visit, a call to the care home's
  manager, or with Care Management's own review; one or a combination), the client's needs (what
  would improve or enhance their life), their finances and investments (B 13.2), whether the
  client was involved (and why not), and the actions arising.
- ``client_contact``: every contact with or about the client (B 13.4): a visit, a call, a letter,
  a meeting or an e-mail; with whom; what about.
- ``circumstance_change``: a change in the client's financial or personal circumstances
  (B 13.5); one the OPG (the council is deputy) or the DWP (the council is appointee) must hear
  of (R-ORD-4, B 18.2) is told through the outbox, in the same transaction.
- ``policy_figure`` ``annual_review_months``: 12 from 2014-04-01 (seed 002 B 13.1 "at least
  once annually", R-REP-4 "annual reviews (12 months)").

Revision ID: 0027
Revises: 0026
"""

from ca_api.migrate import make_append_only, run_script

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLES = ["client_review", "client_contact", "circumstance_change"]

UPGRADE = r"""
CREATE TABLE client_review (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  reviewed_on          date NOT NULL,
  methods              text[] NOT NULL CHECK (
                         cardinality(methods) BETWEEN 1 AND 3
                         AND methods <@ ARRAY['PERSONAL_VISIT', 'CARE_HOME_CALL',
                                              'CARE_MANAGEMENT_REVIEW']::text[]),
  needs                text NOT NULL CHECK (length(btrim(needs)) BETWEEN 1 AND 4000),
  finances             text NOT NULL CHECK (length(btrim(finances)) BETWEEN 1 AND 4000),
  client_involved      boolean NOT NULL,
  not_involved_reason  text CHECK (not_involved_reason IS NULL
                                   OR length(not_involved_reason) <= 2000),
  actions              text CHECK (actions IS NULL OR length(actions) <= 4000),
  supersedes_id        uuid REFERENCES client_review (id),
  reason               text CHECK (reason IS NULL OR length(reason) <= 2000),
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_client_review_involved CHECK (
    client_involved OR not_involved_reason IS NOT NULL),
  CONSTRAINT ck_client_review_correction CHECK ((supersedes_id IS NULL) = (reason IS NULL)),
  CONSTRAINT uq_client_review_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_client_review_client ON client_review (client_id, reviewed_on);

CREATE TABLE client_contact (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  contacted_on         date NOT NULL,
  kind                 text NOT NULL
                       CHECK (kind IN ('VISIT', 'TELEPHONE_CALL', 'LETTER', 'MEETING', 'EMAIL')),
  with_whom            text NOT NULL CHECK (length(btrim(with_whom)) BETWEEN 1 AND 200),
  about                text NOT NULL CHECK (length(btrim(about)) BETWEEN 1 AND 4000),
  supersedes_id        uuid REFERENCES client_contact (id),
  reason               text CHECK (reason IS NULL OR length(reason) <= 2000),
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_client_contact_correction CHECK ((supersedes_id IS NULL) = (reason IS NULL)),
  CONSTRAINT uq_client_contact_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_client_contact_client ON client_contact (client_id, contacted_on);

CREATE TABLE circumstance_change (
  id                   uuid PRIMARY KEY,
  client_id            uuid NOT NULL REFERENCES client (id),
  occurred_on          date NOT NULL,
  kind                 text NOT NULL CHECK (kind IN (
                         'PROPERTY_SOLD', 'ADMITTED_TO_RESIDENTIAL_CARE',
                         'LEFT_RESIDENTIAL_CARE', 'MOVED_HOME', 'CAPITAL_CHANGED',
                         'INCOME_CHANGED', 'HEALTH', 'FAMILY', 'OTHER')),
  details              text NOT NULL CHECK (length(btrim(details)) BETWEEN 1 AND 4000),
  supersedes_id        uuid REFERENCES circumstance_change (id),
  reason               text CHECK (reason IS NULL OR length(reason) <= 2000),
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ck_circumstance_change_correction CHECK ((supersedes_id IS NULL) = (reason IS NULL)),
  CONSTRAINT uq_circumstance_change_supersedes UNIQUE (supersedes_id)
);
CREATE INDEX ix_circumstance_change_client ON circumstance_change (client_id, occurred_on);

INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) VALUES
  ('annual_review_months', '2014-04-01', 12, 'COUNT', 'seed 002 B 13.1: every deputyship client reviewed at least once annually (R-CARE-1); R-REP-4 "annual reviews (12 months)": the months from the last review (or the deputy order) to the next review due', 'migration');
"""

DOWNGRADE = r"""
DROP TABLE circumstance_change, client_contact, client_review;
ALTER TABLE policy_figure DISABLE TRIGGER policy_figure_append_only;
DELETE FROM policy_figure WHERE name = 'annual_review_months';
ALTER TABLE policy_figure ENABLE TRIGGER policy_figure_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

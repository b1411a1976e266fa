"""The register of complaints and appeals (issue 14 item 8; R-AUD-4, R-AUD-2, R-ROLE-2, seed 002
B 30). All append-only (R-AUD-2).

- ``complaint_or_appeal``: one entry of the register, a COMPLAINT (B 30.4: by the client or
  someone for them, to the OPG, the DWP or the council) or an APPEAL (B 30.1, 30.3, 30.5: against
  a decision of the OPG, the Court of Protection or the DWP, prepared by the SCAO).
- ``complaint_or_appeal_details``: its details as versions: the first, then each correction
  pointing at the version it corrects (``corrects_id``, once each, with the reason); the last
  stands.
- ``complaint_or_appeal_event``: its steps: an appeal APPROVED by the deputy (four eyes,
  enforced by the service) or REFUSED, LODGED (date, reference), and the OUTCOME of either (date,
  outcome). Each once (a unique index); a step recorded wrongly is corrected by another of the
  same kind pointing at it (``corrects_id``, once each, with the reason).

Revision ID: 0030
Revises: 0029
"""

from ca_api.migrate import make_append_only, run_script

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TABLES = ["complaint_or_appeal", "complaint_or_appeal_details", "complaint_or_appeal_event"]

UPGRADE = r"""
CREATE TABLE complaint_or_appeal (
  id           uuid PRIMARY KEY,
  client_id    uuid NOT NULL REFERENCES client (id),
  kind         text NOT NULL CHECK (kind IN ('COMPLAINT', 'APPEAL')),
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_complaint_or_appeal_client ON complaint_or_appeal (client_id, kind);
CREATE INDEX ix_complaint_or_appeal_list ON complaint_or_appeal (kind, recorded_at, id);

CREATE TABLE complaint_or_appeal_details (
  id                      uuid PRIMARY KEY,
  entry_id                uuid NOT NULL REFERENCES complaint_or_appeal (id),
  made_by                 text CHECK (made_by IN ('CLIENT', 'SOMEONE_FOR_CLIENT')),
  on_behalf_name          text CHECK (length(on_behalf_name) <= 200),
  on_behalf_relationship  text CHECK (length(on_behalf_relationship) <= 200),
  body                    text NOT NULL
                          CHECK (body IN ('OPG', 'DWP', 'COUNCIL', 'COURT_OF_PROTECTION')),
  dated                   date NOT NULL,
  summary                 text NOT NULL CHECK (length(btrim(summary)) BETWEEN 1 AND 4000),
  grounds                 text CHECK (length(grounds) <= 4000),
  corrects_id             uuid REFERENCES complaint_or_appeal_details (id),
  reason                  text CHECK (length(reason) <= 2000),
  recorded_by             text NOT NULL,
  recorded_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_complaint_or_appeal_details_corrects UNIQUE (corrects_id),
  CONSTRAINT ck_complaint_or_appeal_details_reason CHECK (
    corrects_id IS NULL OR length(btrim(reason)) > 0)
);
CREATE UNIQUE INDEX uq_complaint_or_appeal_details_first
  ON complaint_or_appeal_details (entry_id) WHERE corrects_id IS NULL;

CREATE TABLE complaint_or_appeal_event (
  id           bigserial PRIMARY KEY,
  entry_id     uuid NOT NULL REFERENCES complaint_or_appeal (id),
  event        text NOT NULL CHECK (event IN ('APPROVED', 'REFUSED', 'LODGED', 'OUTCOME')),
  on_date      date NOT NULL,
  outcome      text CHECK (outcome IN ('UPHELD', 'PARTLY_UPHELD', 'NOT_UPHELD', 'ALLOWED',
                                       'PARTLY_ALLOWED', 'DISMISSED', 'WITHDRAWN')),
  reference    text CHECK (length(reference) <= 100),
  note         text CHECK (length(note) <= 4000),
  corrects_id  bigint REFERENCES complaint_or_appeal_event (id),
  reason       text CHECK (length(reason) <= 2000),
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_complaint_or_appeal_event_corrects UNIQUE (corrects_id),
  CONSTRAINT ck_complaint_or_appeal_event_outcome CHECK ((event = 'OUTCOME') = (outcome IS NOT NULL)),
  CONSTRAINT ck_complaint_or_appeal_event_reason CHECK (
    corrects_id IS NULL OR length(btrim(reason)) > 0)
);
CREATE UNIQUE INDEX uq_complaint_or_appeal_event_once
  ON complaint_or_appeal_event (entry_id, event) WHERE corrects_id IS NULL;
"""

DOWNGRADE = r"""
DROP TABLE complaint_or_appeal_event, complaint_or_appeal_details, complaint_or_appeal;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

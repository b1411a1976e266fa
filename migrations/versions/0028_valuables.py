"""Valuables in the team's safe and the stored files their photographs are (issue 14 item 4;
R-CARE-3, seed 002 B 24.1-24.2). All append-only (R-AUD-2).

- ``stored_file``: a file's bytes, its type (JPEG, PNG, PDF: told from its contents), size and
  SHA-256 (unique: the same bytes are stored once). Reusable for letters as PDF.
- ``valuable``: an item taken into the safe for a client.
- ``valuable_record``: its details (description, monetary value, photograph, location); a
  correction is a new row that supersedes the last (``supersedes_id``, once each; the first row
  of an item once), so an item's rows form one chain whose end stands.
- ``valuable_movement``: its log in and out of the safe, numbered from 1 (the registration's
  CHECK_IN) per item: CHECK_IN, CHECK_OUT or RETURN, who and why.

Revision ID: 0028
Revises: 0027
"""

from ca_api.migrate import make_append_only, run_script

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLES = ["stored_file", "valuable", "valuable_record", "valuable_movement"]

UPGRADE = r"""
CREATE TABLE stored_file (
  id             uuid PRIMARY KEY,
  sha256         bytea NOT NULL CHECK (length(sha256) = 32),
  file_type      text NOT NULL CHECK (file_type IN ('JPEG', 'PNG', 'PDF')),
  size           bigint NOT NULL CHECK (size > 0),
  content        bytea NOT NULL,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_stored_file_sha256 UNIQUE (sha256),
  CONSTRAINT ck_stored_file_size CHECK (size = length(content))
);

CREATE TABLE valuable (
  id             uuid PRIMARY KEY,
  client_id      uuid NOT NULL REFERENCES client (id),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_valuable_client ON valuable (client_id);

CREATE TABLE valuable_record (
  id             uuid PRIMARY KEY,
  valuable_id    uuid NOT NULL REFERENCES valuable (id),
  client_id      uuid NOT NULL REFERENCES client (id),
  description    text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 2000),
  value          bigint NOT NULL CHECK (value >= 0),
  photo_file_id  uuid NOT NULL REFERENCES stored_file (id),
  location       text NOT NULL CHECK (length(btrim(location)) BETWEEN 1 AND 200),
  supersedes_id  uuid REFERENCES valuable_record (id),
  reason         text,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_valuable_record_supersedes UNIQUE (supersedes_id),
  CONSTRAINT ck_valuable_record_reason CHECK (supersedes_id IS NULL OR reason IS NOT NULL)
);
CREATE UNIQUE INDEX uq_valuable_record_first ON valuable_record (valuable_id)
  WHERE supersedes_id IS NULL;
CREATE INDEX ix_valuable_record_client ON valuable_record (client_id);

CREATE TABLE valuable_movement (
  id             uuid PRIMARY KEY,
  valuable_id    uuid NOT NULL REFERENCES valuable (id),
  client_id      uuid NOT NULL REFERENCES client (id),
  number         integer NOT NULL CHECK (number >= 1),
  kind           text NOT NULL CHECK (kind IN ('CHECK_IN', 'CHECK_OUT', 'RETURN')),
  person         text NOT NULL CHECK (length(btrim(person)) BETWEEN 1 AND 200),
  reason         text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_valuable_movement_number UNIQUE (valuable_id, number),
  CONSTRAINT ck_valuable_movement_first CHECK (number > 1 OR kind = 'CHECK_IN')
);
CREATE INDEX ix_valuable_movement_client ON valuable_movement (client_id);
"""

DOWNGRADE = r"""
DROP TABLE valuable_movement, valuable_record, valuable, stored_file;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

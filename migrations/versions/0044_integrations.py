"""External references and intake batches (issue 17 items 1, 2 and 5). Append-only (R-AUD-2).

- ``external_reference``: that (system, kind, value) names a client, a counterparty or an
  invoice of ours (Controcc person, provider and invoice ids; SAP customer, vendor and document
  numbers). A correction is a new row naming the one it corrects (``supersedes``, at most one
  successor); a row is in force while nothing supersedes it. At most one row in force per
  (kind, value): a statement trigger checks it after every insert, under one advisory lock that
  every writer of references takes first, so two transactions cannot both pass the check.
- ``intake_batch``: a batch an integration sent (Controcc's invoices, SAP's invoices), with
  counts and sums received, created, already had and refused, fixed when it was recorded.
- ``intake_line``: each line's outcome: CREATED, ALREADY_HAD or REFUSED with a stable code and
  the reason, the record it created or found.

Revision ID: 0044
Revises: 0042
"""

from ca_api.migrate import make_append_only, run_script

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

TABLES = ["external_reference", "intake_batch", "intake_line"]

UPGRADE = r"""
CREATE TABLE external_reference (
  id            uuid PRIMARY KEY,
  system        text NOT NULL CHECK (system IN ('CONTROCC', 'SAP')),
  kind          text NOT NULL CHECK (kind IN ('CONTROCC_PERSON', 'CONTROCC_PROVIDER',
                  'CONTROCC_INVOICE', 'SAP_CUSTOMER', 'SAP_VENDOR', 'SAP_DOCUMENT')),
  value         text NOT NULL CHECK (length(value) BETWEEN 1 AND 100 AND value = btrim(value)),
  subject_type  text NOT NULL CHECK (subject_type IN ('Client', 'Counterparty', 'Invoice')),
  subject_id    uuid NOT NULL,
  supersedes    uuid REFERENCES external_reference (id),
  reason        text CHECK (reason IS NULL OR length(btrim(reason)) BETWEEN 1 AND 2000),
  recorded_by   text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT uq_external_reference_supersedes UNIQUE (supersedes),
  CONSTRAINT ck_external_reference_kind_system CHECK (
    (system = 'CONTROCC' AND kind LIKE 'CONTROCC\_%') OR (system = 'SAP' AND kind LIKE 'SAP\_%')),
  CONSTRAINT ck_external_reference_correction_reason CHECK (supersedes IS NULL OR reason IS NOT NULL)
);
CREATE INDEX ix_external_reference_kind_value ON external_reference (kind, value);
CREATE INDEX ix_external_reference_subject ON external_reference (subject_id);

CREATE FUNCTION external_reference_one_in_force() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  dup record;
BEGIN
  -- every writer takes this lock before it reads what is in force (integrations.repository),
  -- so after it the check below sees every committed row
  PERFORM pg_advisory_xact_lock(hashtext('external_reference'));
  SELECT n.kind, n.value INTO dup
    FROM (SELECT DISTINCT kind, value FROM new_rows) n
   WHERE (SELECT count(*) FROM external_reference r
           WHERE r.kind = n.kind AND r.value = n.value
             AND NOT EXISTS (SELECT 1 FROM external_reference s WHERE s.supersedes = r.id)) > 1
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'external reference % % is in force already', dup.kind, dup.value
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'uq_external_reference_in_force';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows n JOIN external_reference o ON o.id = n.supersedes
              WHERE o.kind <> n.kind OR o.subject_type <> n.subject_type) THEN
    RAISE EXCEPTION 'a correction keeps the kind of the reference it corrects'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_external_reference_correction_kind';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER external_reference_one_in_force AFTER INSERT ON external_reference
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION external_reference_one_in_force();

CREATE TABLE intake_batch (
  id                   uuid PRIMARY KEY,
  system               text NOT NULL CHECK (system IN ('CONTROCC', 'SAP')),
  flow                 text NOT NULL,
  batch_reference      text NOT NULL CHECK (length(batch_reference) BETWEEN 1 AND 100),
  line_count           integer NOT NULL CHECK (line_count >= 0),
  created_count        integer NOT NULL CHECK (created_count >= 0),
  already_had_count    integer NOT NULL CHECK (already_had_count >= 0),
  refused_count        integer NOT NULL CHECK (refused_count >= 0),
  received_amount      bigint NOT NULL,
  created_amount       bigint NOT NULL,
  already_had_amount   bigint NOT NULL,
  refused_amount       bigint NOT NULL,
  recorded_by          text NOT NULL,
  recorded_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT ck_intake_batch_counts
    CHECK (line_count = created_count + already_had_count + refused_count),
  CONSTRAINT ck_intake_batch_amounts
    CHECK (received_amount = created_amount + already_had_amount + refused_amount)
);
CREATE INDEX ix_intake_batch_system ON intake_batch (system, recorded_at, id);
CREATE INDEX ix_intake_batch_reference ON intake_batch (system, batch_reference);

CREATE TABLE intake_line (
  batch_id            uuid NOT NULL REFERENCES intake_batch (id),
  line                integer NOT NULL CHECK (line >= 1),
  external_reference  text NOT NULL,
  outcome             text NOT NULL CHECK (outcome IN ('CREATED', 'ALREADY_HAD', 'REFUSED')),
  code                text,
  reason              text,
  amount              bigint NOT NULL,
  subject_id          uuid,
  PRIMARY KEY (batch_id, line),
  CONSTRAINT ck_intake_line_refused CHECK ((outcome = 'REFUSED') = (code IS NOT NULL))
);
"""

DOWNGRADE = r"""
DROP TABLE intake_line, intake_batch, external_reference;
DROP FUNCTION external_reference_one_in_force();
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

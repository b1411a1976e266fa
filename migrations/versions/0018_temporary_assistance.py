"""Temporary financial assistance (issue 12 item 4, seed 002 B 4.6-4.7): a request for the
council's money for a client whose own funds are not yet available, approved within the limits
of Appendix 2, paid by the council, and repaid from the client's funds. All append-only
(R-AUD-2).

- ``temporary_assistance``: the request (client, amount, what it pays for, payee, the OPG
  category each repayment leaves under, why the client's funds are not yet available).
- ``temporary_assistance_event``: APPROVED / REJECTED (with the approval limit version judged
  under, R-DEC-4), PAID (the date and the council's payment reference), REPAID; once each.
- ``temporary_assistance_repayment``: each repayment, the ledger transfer from the client's
  account to the council that made it.

The approval limit subject ``TEMPORARY_ASSISTANCE`` (data, R-DEC-4). The seed gives it no row of
its own: B 4.6 says the form "will be submitted for approval in accordance with the financial
limits and approvals levels detailed in Appendix 2", and the request is a short-term financial
plan for the client, so it takes the band of "Financial plans and budgets": the Senior Client
Affairs Officer up to and including £5,000.00, the Transformation and Governance Manager above.
Its rows are added to every version of the limits with that version's FINANCIAL_PLAN rows (on a
new database: version 1, effective 2014-04-01, the seed's own policy of April 2014, which is
where B 4.6 comes from). Nothing was ever judged under this subject before, so no recorded
approval changes meaning; later versions (``addApprovalLimitVersion``) give it rows of its own.

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-26
"""

from ca_api.migrate import make_append_only, run_script

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLES = ["temporary_assistance", "temporary_assistance_event", "temporary_assistance_repayment"]

UPGRADE = r"""
CREATE TABLE temporary_assistance (
  id                    uuid PRIMARY KEY,
  client_id             uuid NOT NULL REFERENCES client (id),
  amount                bigint NOT NULL CHECK (amount > 0),
  purpose               text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 2000),
  payee_id              uuid NOT NULL REFERENCES counterparty (id),
  category              text NOT NULL CHECK (category LIKE 'OUT\_%'),
  why_funds_unavailable text NOT NULL
                        CHECK (length(btrim(why_funds_unavailable)) BETWEEN 1 AND 2000),
  raised_by             text NOT NULL,
  raised_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_temporary_assistance_client ON temporary_assistance (client_id, raised_at);
CREATE INDEX ix_temporary_assistance_raised ON temporary_assistance (raised_at, id);

CREATE TABLE temporary_assistance_event (
  id                bigserial PRIMARY KEY,
  assistance_id     uuid NOT NULL REFERENCES temporary_assistance (id),
  event             text NOT NULL CHECK (event IN ('APPROVED', 'REJECTED', 'PAID', 'REPAID')),
  limit_version_id  integer REFERENCES approval_limit_version (id),
  paid_on           date,
  payment_reference text,
  reason            text,
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  -- R-DEC-4: an approval or a rejection records the limits it was judged under.
  CONSTRAINT ck_temporary_assistance_event_limits CHECK (
    (event IN ('APPROVED', 'REJECTED')) = (limit_version_id IS NOT NULL)),
  CONSTRAINT ck_temporary_assistance_event_paid CHECK (
    (event = 'PAID') = (paid_on IS NOT NULL AND payment_reference IS NOT NULL)),
  CONSTRAINT ck_temporary_assistance_event_reason CHECK (
    event <> 'REJECTED' OR length(btrim(reason)) > 0)
);
CREATE UNIQUE INDEX uq_temporary_assistance_event_once
  ON temporary_assistance_event (assistance_id, event);

CREATE TABLE temporary_assistance_repayment (
  id            uuid PRIMARY KEY,
  assistance_id uuid NOT NULL REFERENCES temporary_assistance (id),
  transfer_id   uuid NOT NULL REFERENCES transfer (id),
  amount        bigint NOT NULL CHECK (amount > 0),
  recorded_by   text NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_temporary_assistance_repayment_transfer UNIQUE (transfer_id)
);
CREATE INDEX ix_temporary_assistance_repayment_assistance
  ON temporary_assistance_repayment (assistance_id);

-- The approval limits of temporary assistance: the band of "Financial plans and budgets"
-- (seed 002 Appendix 2, B 4.6), in every version of the limits.
INSERT INTO approval_limit (version_id, subject, role, up_to)
SELECT version_id, 'TEMPORARY_ASSISTANCE', role, up_to
  FROM approval_limit WHERE subject = 'FINANCIAL_PLAN';
"""

DOWNGRADE = r"""
DROP TABLE temporary_assistance_repayment;
DROP TABLE temporary_assistance_event;
DROP TABLE temporary_assistance;
ALTER TABLE approval_limit DISABLE TRIGGER approval_limit_append_only;
DELETE FROM approval_limit WHERE subject = 'TEMPORARY_ASSISTANCE';
ALTER TABLE approval_limit ENABLE TRIGGER approval_limit_append_only;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

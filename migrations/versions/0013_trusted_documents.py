"""Trusted documents (issue 11 item 5): the GraphQL operations a client registered, by id.

A document is registered once, by the SHA-256 of its text (``sha256:<hex>``), and never changed
or removed (append-only, R-AUD-2): an id always means the same operation.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from ca_api.migrate import make_append_only, run_script

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE trusted_document (
    id text PRIMARY KEY CHECK (id ~ '^sha256:[0-9a-f]{64}$'),
    client_name text NOT NULL CHECK (client_name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    document text NOT NULL,
    operation_names text[] NOT NULL,
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(["trusted_document"])


def downgrade() -> None:
    run_script("DROP TABLE trusted_document;")

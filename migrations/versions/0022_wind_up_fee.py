"""The wind-up fee (issue 13 item 4, R-FEE-5, seed 002 B 29.4, B 6.4-6.5, Appendix 3).
Append-only (R-AUD-2).

- ``wind_up_fee``: the council's fee taken from a deceased client's CMS account, once per client
  (a unique index): the figure in force on the date of death (its effective date and value), the
  ledger transfer that moved it, who charged it and when.

Revision ID: 0022
Revises: 0021
"""

from ca_api.migrate import make_append_only, run_script

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TABLES = ["wind_up_fee"]

UPGRADE = r"""
CREATE TABLE wind_up_fee (
  id                    uuid PRIMARY KEY,
  client_id             uuid NOT NULL REFERENCES client (id),
  death_id              uuid NOT NULL REFERENCES death (id),
  transfer_id           uuid NOT NULL REFERENCES transfer (id),
  amount                bigint NOT NULL CHECK (amount > 0),
  figure_effective_from date NOT NULL,
  charged_on            date NOT NULL,
  recorded_by           text NOT NULL,
  recorded_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_wind_up_fee_client UNIQUE (client_id)
);
"""

DOWNGRADE = r"""
DROP TABLE wind_up_fee;
"""


def upgrade() -> None:
    run_script(UPGRADE)
    make_append_only(TABLES)


def downgrade() -> None:
    run_script(DOWNGRADE)

"""A wind-up fee reversed is owed again (issue 13, R-FEE-5, R-AUD-2).

The fee was once per client by a unique index on ``wind_up_fee.client_id``. A fee taken in
error is corrected as every transfer is, by a reversal (R-AUD-2); the fee in force is then the
one whose transfer is not reversed, and the fee is charged again. So the index moves to the
transfer (each fee its own transfer), and "once per client" is the rule of the fee in force,
judged under the client's lock (``deaths.service.charge_wind_up_fee``).

Revision ID: 0026
Revises: 0025
"""

from ca_api.migrate import run_script

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE wind_up_fee DROP CONSTRAINT uq_wind_up_fee_client;
ALTER TABLE wind_up_fee ADD CONSTRAINT uq_wind_up_fee_transfer UNIQUE (transfer_id);
CREATE INDEX ix_wind_up_fee_client ON wind_up_fee (client_id);
"""

DOWNGRADE = r"""
DROP INDEX ix_wind_up_fee_client;
ALTER TABLE wind_up_fee DROP CONSTRAINT uq_wind_up_fee_transfer;
ALTER TABLE wind_up_fee ADD CONSTRAINT uq_wind_up_fee_client UNIQUE (client_id);
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)

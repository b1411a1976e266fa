"""The table of a client's income tax returns filed (migration 0035). Append-only (R-AUD-2): a
year's filing as it stands is the end of its chain of corrections; what the year's income, tax
paid and refunded were is the ledger's, never copied here."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, uuid_pk
from ca_api.db import Base


class TaxReturnFiling(Recorded, Base):
    """A client's tax return for a tax year recorded filed (R-CARE-6, seed 002 B 19.1): when,
    HMRC's reference, the tax due it showed, who advised (B 19.2). A correction supersedes it,
    with the reason."""

    __tablename__ = "tax_return_filing"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    tax_year: Mapped[int]
    filed_on: Mapped[date]
    reference: Mapped[str | None]
    tax_due: Mapped[int | None]
    advised_by: Mapped[str | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tax_return_filing.id"))
    reason: Mapped[str | None]


class ClientTaxYear(Base):
    """A client's income of a tax year as the return's tests read it (migration 0056): one
    column per ``rules.RETURN_TESTS`` row, the net sum of its categories' moved transfers.
    Derived by the database in the same transaction as each transfer (the trigger
    ``transfer_tax_year``), never written otherwise; the transfers stay the record (R-AUD-2).
    What the caseload's list of returns picks its clients by."""

    __tablename__ = "client_tax_year"

    tax_year: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), primary_key=True)
    taxable_income: Mapped[int]
    rent: Mapped[int]

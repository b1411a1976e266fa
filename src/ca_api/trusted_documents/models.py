"""The table of migration 0013."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, Text
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class TrustedDocument(Base):
    """A GraphQL document a client registered; never changed or removed."""

    __tablename__ = "trusted_document"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    client_name: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    operation_names: Mapped[list[str]] = mapped_column(ARRAY(Text))
    registered_by: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column()

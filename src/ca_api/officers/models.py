from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Officer(Base):
    __tablename__ = "officer"

    subject: Mapped[str] = mapped_column(primary_key=True)
    display_name: Mapped[str]
    role: Mapped[str]
    email: Mapped[str | None]
    created_at: Mapped[datetime]

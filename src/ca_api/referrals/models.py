"""Tables of referrals (migration 0014). All append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Text

from ca_api.common.columns import client_fk, uuid_pk
from ca_api.db import Base


class Referral(Base):
    """A referred client's referral (R-REF-3): one per client, by the social worker."""

    __tablename__ = "referral"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    referred_by: Mapped[str]
    referred_at: Mapped[datetime]


class ReferralSubmission(Base):
    """One submission of a referral: numbered 1, 2, ... (a resubmission is a new row)."""

    __tablename__ = "referral_submission"

    id: Mapped[uuid_pk]
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    version: Mapped[int] = mapped_column(Integer)
    social_care_eligible: Mapped[bool]
    social_care_evidence: Mapped[str]
    no_appointee_or_lpa: Mapped[bool]
    no_appointee_evidence: Mapped[str]
    no_one_to_help: Mapped[bool]
    no_one_to_help_evidence: Mapped[str]
    lacks_capacity: Mapped[bool]
    lacks_capacity_evidence: Mapped[str]
    capital_at_referral: Mapped[int]
    private_income_known: Mapped[bool]
    property_known: Mapped[bool]
    bank_accounts_known: Mapped[bool]
    had_previous_appointee: Mapped[bool]
    documents: Mapped[dict[str, Any]] = mapped_column(JSONB)  # kind -> where it is held
    submitted_by: Mapped[str]
    submitted_at: Mapped[datetime]


class ReferralTriage(Base):
    """The triage of one submission (at most one): the outcome the rules gave (R-REF-4)."""

    __tablename__ = "referral_triage"

    id: Mapped[uuid_pk]
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral_submission.id"))
    outcome: Mapped[str]
    missing: Mapped[list[str]] = mapped_column(ARRAY(Text))
    reasons: Mapped[list[str]] = mapped_column(ARRAY(Text))
    threshold: Mapped[int]
    note: Mapped[str]
    triaged_by: Mapped[str]
    triaged_at: Mapped[datetime]

"""Use cases of referrals (R-REF-1..4): the referrer submits a referred client's referral and
resubmits it when it comes back; a senior officer triages each submission, recording the outcome
the rules give (``rules.triage``: RETURNED, REFUSED or ACCEPTED), never another.

Each change is one transaction with its audit row in the client's chain (R-AUD-1), once per
idempotency key. Nothing is edited in place (R-AUD-2): each submission and each triage is a new
row pointing at the referral.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals.problems import FourEyes
from ca_api.audit import service as audit
from ca_api.audit.service import jsonable
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common.keyset import Seek
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.money import Pence
from ca_api.policy import service as policy
from ca_api.referrals import repository, rules
from ca_api.referrals.models import ReferralSubmission, ReferralTriage
from ca_api.referrals.repository import ReferralRow
from ca_api.referrals.rules import Criterion, DocumentKind, ReferralStatus


@dataclass(frozen=True)
class Answers:
    """A submission as the referrer gives it."""

    criteria: dict[Criterion, tuple[bool, str]]  # met, evidence
    capital_at_referral: Pence
    private_income_known: bool
    property_known: bool
    bank_accounts_known: bool
    had_previous_appointee: bool
    documents: list[tuple[DocumentKind, str]]  # received, and where it is held

    def validate(self) -> None:
        evidence = {c: text for c, (_, text) in self.criteria.items()}
        problems = rules.validate_submission(evidence, self.capital_at_referral, self.documents)
        if problems:
            raise ValidationFailed(problems)

    def columns(self) -> dict[str, object]:
        c = self.criteria
        return {
            "social_care_eligible": c[Criterion.SOCIAL_CARE_ELIGIBLE][0],
            "social_care_evidence": c[Criterion.SOCIAL_CARE_ELIGIBLE][1].strip(),
            "no_appointee_or_lpa": c[Criterion.NO_APPOINTEE_OR_LPA][0],
            "no_appointee_evidence": c[Criterion.NO_APPOINTEE_OR_LPA][1].strip(),
            "no_one_to_help": c[Criterion.NO_ONE_TO_HELP][0],
            "no_one_to_help_evidence": c[Criterion.NO_ONE_TO_HELP][1].strip(),
            "lacks_capacity": c[Criterion.LACKS_CAPACITY][0],
            "lacks_capacity_evidence": c[Criterion.LACKS_CAPACITY][1].strip(),
            "capital_at_referral": self.capital_at_referral,
            "private_income_known": self.private_income_known,
            "property_known": self.property_known,
            "bank_accounts_known": self.bank_accounts_known,
            "had_previous_appointee": self.had_previous_appointee,
            "documents": {k.value: ref.strip() for k, ref in self.documents},
        }


def criteria_of(s: ReferralSubmission) -> dict[Criterion, tuple[bool, str]]:
    return {
        Criterion.SOCIAL_CARE_ELIGIBLE: (s.social_care_eligible, s.social_care_evidence),
        Criterion.NO_APPOINTEE_OR_LPA: (s.no_appointee_or_lpa, s.no_appointee_evidence),
        Criterion.NO_ONE_TO_HELP: (s.no_one_to_help, s.no_one_to_help_evidence),
        Criterion.LACKS_CAPACITY: (s.lacks_capacity, s.lacks_capacity_evidence),
    }


@dataclass(frozen=True)
class ReferralOutcome:
    referral: ReferralRow
    replayed: bool = False


async def _read(session: AsyncSession, referral_id: uuid.UUID) -> ReferralRow:
    return existing(await repository.get(session, referral_id, None), "Referral", referral_id)


async def locked_referral(session: AsyncSession, referral_id: uuid.UUID) -> ReferralRow:
    """The referral locked FOR UPDATE (one change of it at a time: a triage, an application),
    as it stands; NOT_FOUND if there is none. Unscoped: for a use case that checked its caller."""
    existing(await repository.lock(session, referral_id), "Referral", referral_id)
    return await _read(session, referral_id)


async def _replayed(session: AsyncSession, referral_id: uuid.UUID) -> ReferralOutcome:
    return ReferralOutcome(await _read(session, referral_id), replayed=True)


REFERRAL_ONCE = approvals.Once(
    remember_as="referral_id", ident=lambda o: o.referral.referral.id, replay=_replayed
)


async def _submission(
    session: AsyncSession, actor: Actor, referral_id: uuid.UUID, version: int, a: Answers
) -> None:
    values = {"id": uuid.uuid4(), "referral_id": referral_id, "version": version}
    values |= a.columns() | {"submitted_by": actor.principal.subject}
    await repository.insert_submission(session, values)


async def submit(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, a: Answers, *, idempotency_key: str
) -> ReferralOutcome:
    """The referral of a client the caller referred (R-REF-3): still REFERRED, and not referred
    already (a returned referral is resubmitted, not submitted again). Submission 1."""
    a.validate()

    async def work() -> ReferralOutcome:
        client = existing(
            await clients.get_client(session, actor.principal, client_id), "Client", client_id
        )
        if client.details.status is not ClientStatus.REFERRED:
            raise InvalidState(
                f"the client is {client.details.status.value}: only a referred client's "
                "referral is submitted (R-REF-3)",
                status=client.details.status.value,
            )
        referral_id = await repository.insert_referral(
            session,
            {"id": uuid.uuid4(), "client_id": client_id, "referred_by": actor.principal.subject},
        )
        if referral_id is None:
            raise InvalidState(
                "the client's referral was submitted already: a returned referral is "
                "resubmitted (resubmitReferral)"
            )
        await _submission(session, actor, referral_id, 1, a)
        await audit.record(
            session,
            actor,
            "referral",
            referral_id,
            "submit",
            after=jsonable(a.columns()) | {"version": 1},
            client_id=client_id,
        )
        return ReferralOutcome(await _read(session, referral_id))

    payload = jsonable({"client_id": client_id} | a.columns())
    return await approvals.run_once(
        REFERRAL_ONCE, session, actor, idempotency_key, "submitReferral", payload, work
    )


async def resubmit(
    session: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    a: Answers,
    *,
    idempotency_key: str,
) -> ReferralOutcome:
    """A returned referral, submitted again by its referrer (R-REF-4): a new submission of the
    same referral, the one before kept as it was (R-AUD-2)."""
    a.validate()

    async def work() -> ReferralOutcome:
        await repository.lock(session, referral_id)
        row = existing(
            await repository.get(session, referral_id, actor.principal), "Referral", referral_id
        )
        if row.referral.referred_by != actor.principal.subject:
            raise RecordNotFound.of("Referral", referral_id)  # only the referrer resubmits
        if row.status is not ReferralStatus.RETURNED:
            raise InvalidState(
                f"the referral is {row.status.value}: only a RETURNED referral is resubmitted "
                "(R-REF-4)",
                status=row.status.value,
            )
        version = row.latest.version + 1
        await _submission(session, actor, referral_id, version, a)
        await audit.record(
            session,
            actor,
            "referral",
            referral_id,
            "resubmit",
            after=jsonable(a.columns()) | {"version": version},
            client_id=row.referral.client_id,
        )
        return ReferralOutcome(await _read(session, referral_id))

    payload = jsonable({"referral_id": referral_id} | a.columns())
    return await approvals.run_once(
        REFERRAL_ONCE, session, actor, idempotency_key, "resubmitReferral", payload, work
    )


async def triage(
    session: AsyncSession, actor: Actor, referral_id: uuid.UUID, note: str, *, idempotency_key: str
) -> ReferralOutcome:
    """Triage the referral's latest submission (R-REF-4): the outcome is what ``rules.triage``
    gives against the capital threshold in force on the day the submission stated the capital
    (R-REF-2, a policy figure, R-DATA); the officer adds their note. Once per submission; never
    by whoever referred or submitted it (R-ROLE-2: a token holding both roles)."""
    problems = rules.validate_note(note)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> ReferralOutcome:
        row = await locked_referral(session, referral_id)
        if row.status is not ReferralStatus.SUBMITTED:
            raise InvalidState(
                f"the referral is {row.status.value}: only a submission not yet triaged is "
                "triaged (a returned referral is triaged again once resubmitted)",
                status=row.status.value,
            )
        s = row.latest
        if actor.principal.subject in (row.referral.referred_by, s.submitted_by):
            raise FourEyes(s.submitted_by, "you submitted this referral", "triage it")
        client_id = row.referral.client_id
        client = existing(
            await clients.get_client(session, actor.principal, client_id), "Client", client_id
        )
        # "Capital at referral" (R-REF-2): judged by the figure in force on the day the capital
        # was stated (the submission), not a later one (R-DATA).
        stated_on = s.submitted_at.astimezone(clock.LONDON).date()
        threshold = int(await policy.figure(session, rules.CAPITAL_THRESHOLD, stated_on))
        judged = rules.triage(
            rules.Submission(
                criteria={c: met for c, (met, _) in criteria_of(s).items()},
                capital_at_referral=s.capital_at_referral,
                situation=client.details.situation,
                had_previous_appointee=s.had_previous_appointee,
                documents=frozenset(DocumentKind(k) for k in s.documents),
            ),
            threshold,
        )
        values = {
            "id": uuid.uuid4(),
            "referral_id": referral_id,
            "submission_id": s.id,
            "outcome": judged.outcome.value,
            "missing": [k.value for k in judged.missing],
            "reasons": list(judged.reasons),
            "threshold": threshold,
            "note": note.strip(),
            "triaged_by": actor.principal.subject,
        }
        await repository.insert_triage(session, values)
        after = {k: v for k, v in values.items() if k not in ("id", "note", "triaged_by")}
        await audit.record(
            session,
            actor,
            "referral",
            referral_id,
            "triage",
            after=jsonable(after) | {"version": s.version},
            reason=note.strip(),
            client_id=client_id,
        )
        return ReferralOutcome(await _read(session, referral_id))

    payload = {"referral_id": str(referral_id), "note": note}
    return await approvals.run_once(
        REFERRAL_ONCE, session, actor, idempotency_key, "triageReferral", payload, work
    )


# --- reads -----------------------------------------------------------------------------------


async def get_referral(
    session: AsyncSession, principal: Principal, referral_id: uuid.UUID
) -> ReferralRow | None:
    return await repository.get(session, referral_id, principal)


async def referrals_by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ReferralRow]:
    """The referrals with these ids the principal may read, by id, in one query."""
    return {r.referral.id: r for r in await repository.by_id(session, principal, ids)}


async def list_referrals(
    session: AsyncSession,
    principal: Principal,
    *,
    status: ReferralStatus | None,
    seek: Seek[tuple[datetime, uuid.UUID]],
) -> list[ReferralRow]:
    return await repository.page(session, principal, status=status, seek=seek)


async def submissions(
    session: AsyncSession, referral_id: uuid.UUID
) -> Sequence[ReferralSubmission]:
    return await repository.submissions(session, referral_id)


async def triages(session: AsyncSession, referral_id: uuid.UUID) -> Sequence[ReferralTriage]:
    return await repository.triages(session, referral_id)

"""External references (issue 17 item 1): another system's reference of a client, counterparty,
invoice or receipt recorded, corrected and resolved to our record."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.errors import ApiError, ErrorCode, ValidationFailed, existing
from ca_api.integrations import repository, rules
from ca_api.integrations.models import ExternalReference
from ca_api.integrations.rules import ExternalReferenceKind, ExternalSystem, SubjectType
from ca_api.invoices import reads as invoice_reads
from ca_api.ledger import reads as ledger_reads
from ca_api.receipts import service as receipts

# --- business failures --------------------------------------------------------------------


class ReferenceInUse(ValidationFailed):
    """The (kind, value) names another record already: one in force per (kind, value)."""

    def __init__(self, kind: ExternalReferenceKind, value: str) -> None:
        super().__init__(
            {
                "value": f"{kind.value} {value!r} names another record already: correct that "
                "reference (supersedes) rather than add a second"
            }
        )


def forbidden_kind(kind: ExternalReferenceKind) -> ApiError:
    return ApiError(
        ErrorCode.FORBIDDEN, f"{kind.value} is another system's reference: your role may not use it"
    )


# --- external references ------------------------------------------------------------------


async def _subject_exists(session: AsyncSession, subject: SubjectType, sid: uuid.UUID) -> bool:
    if subject is SubjectType.CLIENT:
        return await clients.exists(session, sid)
    if subject is SubjectType.COUNTERPARTY:
        return sid in await ledger_reads.counterparties_by_id(session, [sid])
    if subject is SubjectType.RECEIPT:
        return await receipts.get_receipt(session, sid) is not None
    return sid in await invoice_reads.invoices_by_id(session, [sid])


def reference_values(
    kind: ExternalReferenceKind,
    value: str,
    subject_id: uuid.UUID,
    actor: Actor,
    *,
    supersedes: uuid.UUID | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "system": kind.system.value,
        "kind": kind.value,
        "value": value,
        "subject_type": kind.subject_type.value,
        "subject_id": subject_id,
        "supersedes": supersedes,
        "reason": reason,
        "recorded_by": actor.principal.subject,
    }


async def record_reference(
    session: AsyncSession,
    actor: Actor,
    kind: ExternalReferenceKind,
    value: str,
    subject_id: uuid.UUID,
    *,
    supersedes: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> tuple[ExternalReference, bool]:
    """Record that ``value`` of ``kind`` names the record ``subject_id`` (of the kind's type),
    or correct a reference in force (``supersedes``, with the reason; R-AUD-2). Senior
    assistants and above for any system; an integration its own system's kinds only. The
    reference and whether this was a replay."""
    if not rules.may_record_kind(actor.principal.roles, kind):
        raise forbidden_kind(kind)
    value = value.strip()
    why = (reason or "").strip() or None
    problems = rules.reference_problem("value", value)
    if why is not None and len(why) > rules.MAX_REASON:
        problems["reason"] = f"is longer than {rules.MAX_REASON} characters"
    if supersedes is not None and why is None:
        problems["reason"] = "is required for a correction: say what was wrong"
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        await repository.lock_references(session)
        subject = kind.subject_type
        if not await _subject_exists(session, subject, subject_id):
            raise existing(None, subject.value, subject_id)
        if supersedes is not None:
            old = next(iter(await repository.references_by_id(session, [supersedes])), None)
            if old is None or not rules.may_record_kind(
                actor.principal.roles, ExternalReferenceKind(old.kind)
            ):
                raise existing(None, "ExternalReference", supersedes)
            if old.kind != kind.value:
                raise ValidationFailed({"kind": f"a correction of a {old.kind} is a {old.kind}"})
            if await repository.is_superseded(session, supersedes):
                raise ValidationFailed({"supersedes": "that reference was corrected already"})
        in_force = (await repository.in_force(session, {kind.value: [value]})).get(
            (kind.value, value)
        )
        if in_force is not None and in_force.id != supersedes:
            raise ReferenceInUse(kind, value)
        row = reference_values(kind, value, subject_id, actor, supersedes=supersedes, reason=why)
        await repository.insert_references(session, [row])
        await audit.record(
            session,
            actor,
            "external_reference",
            row["id"],
            "correct" if supersedes else "record",
            after={k: v for k, v in row.items() if k not in ("id", "recorded_by")},
            reason=why,
            client_id=subject_id if subject is SubjectType.CLIENT else None,
        )
        return {"reference_id": str(row["id"])}

    payload = {
        "kind": kind.value,
        "value": value,
        "subject_id": str(subject_id),
        "supersedes": str(supersedes) if supersedes else None,
        "reason": why,
    }
    done = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordExternalReference", payload, work
    )
    ref_id = uuid.UUID(str(done["reference_id"]))
    row = (await repository.references_by_id(session, [ref_id]))[0]
    return row, bool(done.get("replayed"))


@dataclass(frozen=True)
class Resolved:
    """A reference of the caller's resolved to our record; a client's council reference."""

    value: str
    subject_type: SubjectType
    subject_id: uuid.UUID
    council_reference: str | None


@dataclass(frozen=True)
class Resolution:
    kind: ExternalReferenceKind
    found: list[Resolved]
    not_found: list[str]


async def resolve(
    session: AsyncSession, principal: Principal, kind: ExternalReferenceKind, values: Sequence[str]
) -> Resolution:
    """The records these references of ``kind`` name (one query), in the order asked, and the
    values that name none. An integration resolves its own system's kinds only."""
    if kind.system not in rules.own_systems(principal.roles):
        raise forbidden_kind(kind)
    if len(values) > rules.MAX_RESOLVE:
        raise ApiError(ErrorCode.BAD_USER_INPUT, f"at most {rules.MAX_RESOLVE} values at once")
    asked = list(dict.fromkeys(v.strip() for v in values))
    refs = await repository.in_force(session, {kind.value: asked})
    council: dict[uuid.UUID, str] = {}
    if kind.subject_type is SubjectType.CLIENT:
        ids = [r.subject_id for r in refs.values()]
        council = {c.id: c.reference for c in (await clients.as_they_stand(session, ids)).values()}
    found, missing = [], []
    for v in asked:
        ref = refs.get((kind.value, v))
        if ref is None:
            missing.append(v)
        else:
            found.append(
                Resolved(v, kind.subject_type, ref.subject_id, council.get(ref.subject_id))
            )
    return Resolution(kind, found, missing)


async def references_for(
    session: AsyncSession, system: ExternalSystem, subject_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[ExternalReferenceKind, str]]:
    """The references in force of ``system`` naming these records: {record: {kind: value}}
    (issue 17's feed puts them in its events for that system)."""
    out: dict[uuid.UUID, dict[ExternalReferenceKind, str]] = {}
    for r in await repository.of_subjects(session, [system.value], subject_ids):
        out.setdefault(r.subject_id, {})[ExternalReferenceKind(r.kind)] = r.value
    return out


async def references_of(
    session: AsyncSession, principal: Principal, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ExternalReference]]:
    """The references in force the caller may read naming these records: officers and audit
    every system's, an integration its own (for the ``externalReferences`` fields)."""
    systems = [s.value for s in rules.own_systems(principal.roles)]
    out: dict[uuid.UUID, list[ExternalReference]] = {i: [] for i in subject_ids}
    for r in await repository.of_subjects(session, systems, subject_ids):
        out[r.subject_id].append(r)
    return out


async def readable_references(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ExternalReference]:
    systems = {s.value for s in rules.own_systems(principal.roles)}
    rows = await repository.references_by_id(session, ids)
    return {r.id: r for r in rows if r.system in systems}

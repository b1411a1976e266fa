"""Use cases for clients: each mutation is one transaction with its audit row (R-AUD-1).

Creating and referring a client run once per idempotency key (as money does), and refuse a
likely duplicate of a client already on the books (issue 9 item 7). The details set at the end
of a case are written by ``end_of_case``, the clients of a caseload import by
``caseload_import``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import repository, rules
from ca_api.clients.models import ClientVersion
from ca_api.clients.rules import (
    ClientDetails,
    ClientStatus,
    DuplicateMatch,
    LegalRole,
    Situation,
)
from ca_api.common import idempotency
from ca_api.common.keyset import Seek
from ca_api.db import unit_of_work
from ca_api.errors import (
    BusinessProblem,
    ErrorCode,
    InvalidState,
    RecordNotFound,
    ValidationFailed,
)

ENTITY = "client"


@dataclass(frozen=True)
class ClientRecord:
    """A client as it stands now, with the council's legal role for them today."""

    id: uuid.UUID
    reference: str
    version: int
    details: ClientDetails
    referred_by: str | None
    legal_role: LegalRole
    created_at: datetime
    updated_at: datetime


def _record(row: Row[Any]) -> ClientRecord:
    return ClientRecord(
        id=row.id,
        reference=row.reference,
        version=row.version,
        details=repository.details_of(row),
        referred_by=row.referred_by,
        legal_role=rules.legal_role(bool(row.is_appointee), bool(row.is_deputy)),
        created_at=row.created_at,
        updated_at=row.recorded_at,
    )


def _checked(details: ClientDetails) -> ClientDetails:
    details = rules.normalise(details)
    problems = rules.validate(details, clock.today())
    if problems:
        raise ValidationFailed(problems)
    return details


@dataclass(frozen=True)
class CreatedClient:
    client: ClientRecord
    replayed: bool = False  # a repeat of an idempotency key: nothing new was written


_MATCH_WORDS = {
    DuplicateMatch.NI_NUMBER: "the same NI number",
    DuplicateMatch.NAME_AND_DATE_OF_BIRTH: "the same name and date of birth",
}


class DuplicateClient(BusinessProblem):
    """The new client is likely one already on the books (issue 9 item 7)."""

    code = ErrorCode.DUPLICATE_CLIENT

    def __init__(self, existing: ClientRecord | None, matches: list[DuplicateMatch]) -> None:
        what = " and ".join(_MATCH_WORDS[m] for m in matches)
        if existing is None:
            message = (
                f"a client with {what} is already known to Client Affairs: contact the team "
                "rather than referring them again"
            )
        else:
            d = existing.details
            message = f"client {existing.reference} ({d.given_name} {d.family_name}) has {what}"
        if rules.may_override(matches):
            message += "; if this is another person, name that client in notDuplicateOf"
        super().__init__(message)
        self.existing_id = existing.id if existing is not None else None
        self.matches = matches


async def _refuse_duplicate(
    session: AsyncSession,
    actor: Actor,
    details: ClientDetails,
    not_duplicate_of: set[uuid.UUID],
    *,
    itself: uuid.UUID | None = None,
) -> None:
    """A likely duplicate is refused with the existing client, shown only to a caller who may
    read it (a social worker: their own referrals); a name and birth date match the caller has
    named in ``not_duplicate_of`` is let through (issue 9 item 7). Under the identity locks.
    ``itself``: the client being amended, who is no duplicate of themselves."""
    await repository.lock_identities(session, rules.identity_locks(details))
    found: list[tuple[uuid.UUID, list[DuplicateMatch]]] = []
    for row in await repository.possible_duplicates(
        session, details.ni_number, details.date_of_birth
    ):
        if row.client_id == itself:
            continue
        matches = rules.duplicate_matches(details, repository.details_of(row))
        if matches and not (rules.may_override(matches) and row.client_id in not_duplicate_of):
            found.append((row.client_id, matches))
    if found:
        found.sort(key=lambda f: DuplicateMatch.NI_NUMBER not in f[1])  # NI matches first
        client_id, matches = found[0]
        raise DuplicateClient(await get_client(session, actor.principal, client_id), matches)


async def _made(session: AsyncSession, actor: Actor, client_id: uuid.UUID) -> ClientRecord:
    """The client the caller has just made or amended: theirs to read."""
    record = await get_client(session, actor.principal, client_id)
    assert record is not None
    return record


async def _create(
    session: AsyncSession,
    actor: Actor,
    details: ClientDetails,
    referred_by: str | None,
    idempotency_key: str,
    not_duplicate_of: Sequence[uuid.UUID],
) -> CreatedClient:
    details = _checked(details)
    operation = "referClient" if referred_by else "createClient"
    allowed = set(not_duplicate_of)
    payload = {
        "details": audit.jsonable(repository.details_values(details)),
        "not_duplicate_of": sorted(str(c) for c in allowed),
    }

    async def work() -> CreatedClient:
        await _refuse_duplicate(session, actor, details, allowed)
        client_id = uuid.uuid4()
        reference = await repository.next_reference(session)
        await repository.insert_client(session, client_id, reference, actor.principal.subject)
        await repository.append_client_version(
            session,
            client_id,
            details,
            recorded_by=actor.principal.subject,
            referred_by=referred_by,
            reason=None,
            expected_version=0,
        )
        action = "refer" if referred_by else "create"
        after = {"reference": reference, **repository.details_values(details)}
        await audit.record(
            session, actor, ENTITY, client_id, action, after=after, client_id=client_id
        )
        return CreatedClient(await _made(session, actor, client_id))

    async def replay(result: dict[str, Any]) -> CreatedClient:
        made = await _made(session, actor, uuid.UUID(str(result["client_id"])))
        return CreatedClient(made, replayed=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        operation,
        payload,
        work,
        remember=lambda c: {"client_id": str(c.client.id)},
        replay=replay,
    )


async def create_client(
    session: AsyncSession,
    actor: Actor,
    details: ClientDetails,
    *,
    idempotency_key: str,
    not_duplicate_of: Sequence[uuid.UUID] = (),
) -> CreatedClient:
    """An officer takes on a client: once per idempotency key, never a likely duplicate unless
    the caller says which client it is not (issue 9 item 7)."""
    return await _create(session, actor, details, None, idempotency_key, not_duplicate_of)


async def refer_client(
    session: AsyncSession,
    actor: Actor,
    details: ClientDetails,
    *,
    idempotency_key: str,
    not_duplicate_of: Sequence[uuid.UUID] = (),
) -> CreatedClient:
    """A social worker refers a client (R-REF-3); the referral is theirs to follow. Once per
    idempotency key, never a likely duplicate (issue 9 item 7)."""
    details = replace(details, status=ClientStatus.REFERRED)
    referred_by = actor.principal.subject
    return await _create(session, actor, details, referred_by, idempotency_key, not_duplicate_of)


async def amend_client(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None,
    not_duplicate_of: Sequence[uuid.UUID] = (),
) -> ClientRecord:
    """A new version of the client's details, with the reason (R-AUD-2); the old one stays.
    An amendment that makes the client a likely duplicate of another (their NI number, or their
    name and date of birth) is refused as a new client would be (issue 9 item 7)."""
    if not reason.strip():
        raise ValidationFailed({"reason": "is required: say why the record changes"})
    async with unit_of_work(session):
        row = await repository.get_current_for_update(session, client_id)
        if row is None:
            raise RecordNotFound("client", str(client_id))
        before = repository.details_of(row)
        after = _checked(replace(before, **changes))
        changed = rules.changed_fields(before, after)
        if not changed:
            raise ValidationFailed({"amendment": "changes nothing"})
        if after.status is ClientStatus.CLOSED and before.status is not ClientStatus.CLOSED:
            await _refuse_closing_a_deceased_client(session, client_id)
            await _refuse_closing_while_held(session, client_id)
        if (
            before.situation is Situation.DECEASED_WINDING_UP
            and after.situation is not Situation.DECEASED_WINDING_UP
        ):
            await _refuse_reviving_a_deceased_client(session, client_id)
        if rules.IDENTITY_FIELDS.intersection(changed):
            await _refuse_duplicate(session, actor, after, set(not_duplicate_of), itself=client_id)
        await repository.append_client_version(
            session,
            client_id,
            after,
            recorded_by=actor.principal.subject,
            referred_by=row.referred_by,
            reason=reason.strip(),
            expected_version=expected_version if expected_version is not None else row.version,
        )
        before_values = repository.details_values(before)
        after_values = repository.details_values(after)
        await audit.record(
            session,
            actor,
            ENTITY,
            client_id,
            "amend",
            before={k: before_values[k] for k in changed},
            after={k: after_values[k] for k in changed},
            reason=reason.strip(),
            client_id=client_id,
        )
        await _tell_of_a_move(session, actor, client_id, before, after, reason.strip())
    return await _made(session, actor, client_id)


# A move into or out of residential care is a change of circumstances the OPG and the DWP must
# hear of (R-ORD-4, seed 002 B 18.2): the amendment records it as one (issue 14 item 1).
MOVES: dict[tuple[Situation, Situation], str] = {
    (Situation.COMMUNITY, Situation.RESIDENTIAL_CARE): "ADMITTED_TO_RESIDENTIAL_CARE",
    (Situation.RESIDENTIAL_CARE, Situation.COMMUNITY): "LEFT_RESIDENTIAL_CARE",
}


async def _tell_of_a_move(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    before: ClientDetails,
    after: ClientDetails,
    reason: str,
) -> None:
    """In the amendment's transaction: a move into or out of residential care recorded as a
    change of circumstances and told to the OPG and the DWP as the client's are
    (``reviews.recording.record_change_in_callers_transaction``, imported when asked: reviews
    depends on this module)."""
    move = MOVES.get((before.situation, after.situation))
    if move is None:
        return
    record = await client_as_it_stands(session, client_id)
    if record is None or record.legal_role is LegalRole.NONE:
        return  # no order yet: nobody supervises the client's affairs to be told
    from ca_api.reviews import recording as reviews  # a cycle at import
    from ca_api.reviews.rules import CircumstanceKind

    await reviews.record_change_in_callers_transaction(
        session,
        actor,
        client_id,
        kind=CircumstanceKind(move),
        occurred_on=clock.today(),
        details=f"recorded by amending the client's situation: {reason}",
    )


async def _refuse_reviving_a_deceased_client(session: AsyncSession, client_id: uuid.UUID) -> None:
    """A client whose death is confirmed stays DECEASED_WINDING_UP (the situation the caseload
    counts, R-REP-1): ``winding_up.service.refuse_reviving``, imported when asked (a cycle)."""
    from ca_api.winding_up import service as winding_up  # a cycle at import

    await winding_up.refuse_reviving(session, client_id)


async def _refuse_closing_a_deceased_client(session: AsyncSession, client_id: uuid.UUID) -> None:
    """A client whose death is recorded is closed by closeWoundUpCase alone, once nothing of the
    winding up is outstanding (issue 13 item 5, seed 002 B 29): an amendment to CLOSED is refused
    with what is outstanding. ``winding_up`` depends on this module, so it is imported here,
    when asked (the one check is ``winding_up.service.closing_problems``)."""
    from ca_api.winding_up import service as winding_up  # a cycle at import

    await winding_up.refuse_closing_by_amendment(session, client_id)


async def _refuse_closing_while_held(session: AsyncSession, client_id: uuid.UUID) -> None:
    """A living client is not closed by amendment while money or valuables are held for them:
    every account at zero, nothing in the safe (R-ORD-5, seed 002 B 27, B 24; the one check is
    ``recovery.recording.refuse_closing_by_amendment``, imported when asked: a cycle)."""
    from ca_api.recovery import recording as recovery  # a cycle at import

    await recovery.refuse_closing_by_amendment(session, client_id)


async def client_as_it_stands(session: AsyncSession, client_id: uuid.UUID) -> ClientRecord | None:
    """The client today (legal role, referrer), whoever asks: for a use case that checked its
    own permission (whom a death is told to, ``deaths``)."""
    row = await repository.get_current_unscoped(session, client_id, clock.today())
    return _record(row) if row is not None else None


async def as_they_stand(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ClientRecord]:
    """These clients today, whoever asks, by id, in one query (``client_as_it_stands`` for a
    batch: the fee run's check of who is recorded deceased)."""
    if not client_ids:
        return {}
    rows = await repository.current_unscoped_by_id(session, client_ids, clock.today())
    return {r.id: _record(r) for r in rows}


async def date_of_birth(session: AsyncSession, client_id: uuid.UUID) -> date | None:
    """The client's date of birth as recorded now, whoever asks (None: no such client)."""
    row = await repository.get_current_for_update(session, client_id)
    return None if row is None else repository.details_of(row).date_of_birth


async def lock_client(session: AsyncSession, client_id: uuid.UUID) -> str | None:
    """Hold the client's identity row for the transaction; its reference, or None when there is
    no such client. The one client-row lock every module takes: one order change, plan
    revision, gift (so two cannot both fit the yearly limit), surplus judgement, placement,
    investment or statement decided at a time per client (so two placements cannot both fit
    under the protection limit, R-INV-4)."""
    return await repository.lock_client(session, client_id)


async def lock_open_client(
    session: AsyncSession, client_id: uuid.UUID, *, refused: str = ""
) -> None:
    """``lock_client``, for a use case that adds to a case on the books: NOT_FOUND for no such
    client, INVALID_STATE for a CLOSED case ("the client's case is CLOSED", then ``refused``:
    what it takes no more of)."""
    if await lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)
    record = await client_as_it_stands(session, client_id)
    if record is not None and record.details.status is ClientStatus.CLOSED:
        raise InvalidState(f"the client's case is CLOSED{refused}")


async def lock_clients(session: AsyncSession, client_ids: Sequence[uuid.UUID]) -> None:
    """``lock_client`` for many clients at once (a caseload import adding to clients on the
    books), in id order."""
    await repository.lock_clients(session, client_ids)


async def statuses_held(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each client's current status (those that exist), a KEY SHARE lock on each held to the
    end of the transaction: money recorded for a client (a receipt, a benefits run) waits for an
    amendment in flight and keeps one from starting, so a client is not closed meanwhile;
    recordings for the same client do not wait on each other."""
    return await repository.statuses_held(session, client_ids)


async def exists(session: AsyncSession, client_id: uuid.UUID) -> bool:
    """Whether there is such a client, whoever asks (a use case that then checks its own
    permission; a caller's read goes through ``readable``)."""
    return await repository.client_exists(session, client_id)


async def get_client(
    session: AsyncSession, principal: Principal, client_id: uuid.UUID
) -> ClientRecord | None:
    row = await repository.get_current(session, client_id, principal, clock.today())
    return _record(row) if row is not None else None


async def clients_by_id(
    session: AsyncSession, principal: Principal, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ClientRecord]:
    """The clients with these ids that the principal may read (row scoping, as ``get_client``),
    by id, in one query; an id missing or hidden from the caller is absent. For node(id:) and
    for any module's reference to a client (``clients.schema.load_client``)."""
    if not client_ids:
        return {}
    rows = await repository.current_by_id(session, client_ids, principal, clock.today())
    return {r.id: _record(r) for r in rows}


async def readable(session: AsyncSession, principal: Principal, client_id: uuid.UUID) -> bool:
    """Row scoping by caller: the client exists and the principal may read it
    (``repository.readable``, the predicate every repository's scoped read uses)."""
    return await get_client(session, principal, client_id) is not None


async def list_clients(
    session: AsyncSession,
    principal: Principal,
    flt: repository.ClientFilter,
    *,
    seek: Seek[str],
) -> list[ClientRecord]:
    rows = await repository.list_current(session, principal, flt, on=clock.today(), seek=seek)
    return [_record(r) for r in rows]


async def active_rows(
    session: AsyncSession,
    principal: Principal,
    *,
    on: date,
    seek: Seek[str],
    where: repository.RowPredicate | None = None,
) -> Sequence[Row[Any]]:
    """ACTIVE clients the principal may read, as current on ``on`` (with their legal roles and
    situation), in reference order: the page ``seek`` asks for (a reference, which way);
    ``where``, a further condition on a row's columns, if given."""
    flt = repository.ClientFilter(status="ACTIVE")
    return await repository.list_current(session, principal, flt, on=on, seek=seek, where=where)


async def client_history(session: AsyncSession, client_id: uuid.UUID) -> Sequence[ClientVersion]:
    return await repository.history(session, client_id)


@dataclass(frozen=True)
class CaseloadCount:
    legal_role: LegalRole
    situation: Situation
    clients: int


async def caseload(session: AsyncSession, on: date | None = None) -> list[CaseloadCount]:
    rows = await repository.caseload_counts(session, on or clock.today())
    counts: dict[tuple[LegalRole, Situation], int] = {}
    for row in rows:
        key = (rules.legal_role(row.is_appointee, row.is_deputy), Situation(row.situation))
        counts[key] = counts.get(key, 0) + int(row.clients)
    return [
        CaseloadCount(legal_role=r, situation=s, clients=n)
        for (r, s), n in sorted(counts.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value))
    ]

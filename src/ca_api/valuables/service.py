"""Use cases of valuables in the team's safe (issue 14 item 4; R-CARE-3, seed 002 B 24): each
one transaction under the client's lock with its audit rows (R-AUD-1), once per idempotency
key; refused, nothing written, with the reason.

- **Register** (``register``): an item taken into the safe with its description, monetary value,
  photograph (JPEG or PNG, stored with its SHA-256 by ``files.service``) and location, and its
  first CHECK_IN (who handed it in, why). No photograph, no item (B 24.2).
- **Correct** (``correct``): a new record of its details superseding the last (R-AUD-2).
- **Move** (``move``): CHECK_OUT, CHECK_IN or RETURN, with who and why.

A client's death does not stop any of these: valuables found after a death are taken in, and
items are returned to the executor or next of kin (B 29). A CLOSED client's record takes no
new entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.corrections import chain
from ca_api.common.keyset import Seek, seek_rows
from ca_api.common.rules import optional_text
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.files import service as files
from ca_api.files.models import StoredFile
from ca_api.valuables import repository, rules
from ca_api.valuables.models import Valuable, ValuableMovement, ValuableRecord
from ca_api.valuables.rules import MovementKind, ValuableStatus

ENTITY = "valuable"


@dataclass(frozen=True)
class ValuableView:
    """An item as it stands: its records (oldest first, the last stands), its movements in
    order, and the photograph of its current record."""

    valuable: Valuable
    records: Sequence[ValuableRecord]
    movements: Sequence[ValuableMovement]
    photo: StoredFile
    # The photographs of its earlier records, by file id (a corrected photograph).
    earlier_photos: dict[uuid.UUID, StoredFile]

    @property
    def record(self) -> ValuableRecord:
        return self.records[-1]

    @property
    def status(self) -> ValuableStatus:
        return rules.status_of([MovementKind(m.kind) for m in self.movements])

    def sort_key(self) -> tuple[str, str]:
        return self.valuable.recorded_at.isoformat(), str(self.valuable.id)


@dataclass(frozen=True)
class ValuableOutcome:
    view: ValuableView
    replayed: bool = False


# --- reads ------------------------------------------------------------------------------------


async def valuables_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ValuableView]]:
    """Each client's items, oldest registered first, in four queries."""
    ids = list(dict.fromkeys(client_ids))
    records: dict[uuid.UUID, list[ValuableRecord]] = {}
    for r in await repository.records_of_clients(session, ids):
        records.setdefault(r.valuable_id, []).append(r)
    if not records:
        # an item is registered with its first record: none recorded, none registered
        return {c: [] for c in ids}
    movements: dict[uuid.UUID, list[ValuableMovement]] = {}
    for m in await repository.movements_of_clients(session, ids):
        movements.setdefault(m.valuable_id, []).append(m)
    chains = {v: chain(rs) for v, rs in records.items()}
    photos = await files.files_by_id(
        session, list({r.photo_file_id for rs in chains.values() for r in rs})
    )
    out: dict[uuid.UUID, list[ValuableView]] = {c: [] for c in ids}
    for v in await repository.valuables_of_clients(session, ids):
        recs = chains[v.id]
        out[v.client_id].append(
            ValuableView(
                v,
                recs,
                movements.get(v.id, []),
                photos[recs[-1].photo_file_id],
                {r.photo_file_id: photos[r.photo_file_id] for r in recs},
            )
        )
    return out


async def of_client(
    session: AsyncSession, client_id: uuid.UUID, *, held: bool, seek: Seek[Any]
) -> list[ValuableView]:
    """A page of the client's items, oldest registered first (only those still held with
    ``held``)."""
    every = (await valuables_of_clients(session, [client_id]))[client_id]
    if held:
        every = [v for v in every if rules.held(v.status)]
    return seek_rows(every, seek, key=ValuableView.sort_key)


async def held_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many items the team holds for each client (in the safe or out to come back): the
    hook recovery of capacity (R-ORD-5, B 27) and the close of a case check for none."""
    views = await valuables_of_clients(session, client_ids)
    return {c: sum(1 for v in vs if rules.held(v.status)) for c, vs in views.items()}


async def _view(
    session: AsyncSession, client_id: uuid.UUID, valuable_id: uuid.UUID
) -> ValuableView:
    views = (await valuables_of_clients(session, [client_id]))[client_id]
    return next(v for v in views if v.valuable.id == valuable_id)


# --- writes -----------------------------------------------------------------------------------


async def _locked_view(session: AsyncSession, valuable_id: uuid.UUID) -> ValuableView:
    client_id = await repository.client_of_valuable(session, valuable_id)
    if client_id is None:
        raise RecordNotFound.of("Valuable", valuable_id)
    await clients.lock_open_client(
        session, client_id, refused=": its valuables take no new entries"
    )
    return await _view(session, client_id, valuable_id)


async def _run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> ValuableOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    valuable_id = uuid.UUID(str(result["valuable_id"]))
    client_id = await repository.client_of_valuable(session, valuable_id)
    assert client_id is not None
    return ValuableOutcome(
        await _view(session, client_id, valuable_id), bool(result.get("replayed"))
    )


def _photo(content_base64: str | None, problems: dict[str, str]) -> files.CheckedFile | None:
    if content_base64 is None:
        return None
    try:
        return files.check(
            "photo", content_base64, allowed=rules.PHOTO_TYPES, maximum=rules.MAX_PHOTO_BYTES
        )
    except ValidationFailed as exc:
        problems |= exc.fields
        return None


def _details(row: ValuableRecord, photo_sha256: str) -> dict[str, Any]:
    return {
        "description": row.description,
        "value": row.value,
        "location": row.location,
        "photo_file_id": str(row.photo_file_id),
        "photo_sha256": photo_sha256,
    }


async def register(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    description: str,
    value: int,
    location: str,
    photo_base64: str | None,
    received_from: str,
    reason: str | None,
    idempotency_key: str,
) -> ValuableOutcome:
    """Take an item into the safe (B 24.1) with its description, value, photograph and location
    (B 24.2, R-CARE-3), and log its first CHECK_IN: who handed it in and why. Refused without a
    photograph, with one that is not a JPEG or PNG or is over the size limit."""
    desc, loc, person = (
        optional_text(description),
        optional_text(location),
        optional_text(received_from),
    )
    why = optional_text(reason) or "received for safe keeping (seed 002 B 24.1)"
    problems = rules.text_problems(
        {
            "description": (desc, True, rules.MAX_DESCRIPTION),
            "location": (loc, True, rules.MAX_LOCATION),
            "received_from": (person, True, rules.MAX_PERSON),
            "reason": (why, False, rules.MAX_REASON),
        }
    )
    if (p := rules.value_problem(value)) is not None:
        problems["monetary_value"] = p
    if photo_base64 is None:
        problems["photo"] = rules.PHOTO_REQUIRED
    photo = _photo(photo_base64, problems)
    if problems:
        raise ValidationFailed(problems)
    assert photo is not None and desc and loc and person

    async def work() -> dict[str, Any]:
        await clients.lock_open_client(
            session, client_id, refused=": its valuables take no new entries"
        )
        stored = await files.store(
            session, actor, photo, why="the photograph of a valuable (B 24.2)", client_id=client_id
        )
        by = actor.principal.subject
        valuable = await repository.insert_valuable(
            session, {"id": uuid.uuid4(), "client_id": client_id, "recorded_by": by}
        )
        row = await repository.insert_record(
            session,
            {
                "id": uuid.uuid4(),
                "valuable_id": valuable.id,
                "client_id": client_id,
                "description": desc,
                "value": value,
                "photo_file_id": stored.id,
                "location": loc,
                "supersedes_id": None,
                "reason": None,
                "recorded_by": by,
            },
        )
        await repository.insert_movement(
            session,
            {
                "id": uuid.uuid4(),
                "valuable_id": valuable.id,
                "client_id": client_id,
                "number": 1,
                "kind": MovementKind.CHECK_IN.value,
                "person": person,
                "reason": why,
                "recorded_by": by,
            },
        )
        after = _details(row, photo.sha256.hex()) | {"received_from": person}
        await audit.record(
            session,
            actor,
            ENTITY,
            valuable.id,
            "register",
            after=after,
            reason=why,
            client_id=client_id,
        )
        return {"valuable_id": str(valuable.id)}

    payload = {
        "client_id": str(client_id),
        "description": desc,
        "value": value,
        "location": loc,
        "photo_sha256": photo.sha256.hex(),
        "received_from": person,
        "reason": why,
    }
    return await _run(session, actor, idempotency_key, "registerValuable", payload, work)


async def correct(
    session: AsyncSession,
    actor: Actor,
    valuable_id: uuid.UUID,
    *,
    description: str | None,
    value: int | None,
    location: str | None,
    photo_base64: str | None,
    reason: str,
    idempotency_key: str,
) -> ValuableOutcome:
    """Correct an item's details (R-AUD-2): a new record superseding the last, with the reason;
    what is not given stays as it was; at least one thing changes."""
    desc, loc, why = optional_text(description), optional_text(location), optional_text(reason)
    problems = rules.text_problems(
        {
            "description": (description, False, rules.MAX_DESCRIPTION),
            "location": (location, False, rules.MAX_LOCATION),
            "reason": (why, True, rules.MAX_REASON),
        }
    )
    if description is not None and desc is None:
        problems["description"] = "is blank: leave it out to keep the description"
    if location is not None and loc is None:
        problems["location"] = "is blank: leave it out to keep the location"
    if (p := rules.value_problem(value)) is not None:
        problems["monetary_value"] = p
    photo = _photo(photo_base64, problems)
    if problems:
        raise ValidationFailed(problems)
    assert why is not None

    async def work() -> dict[str, Any]:
        view = await _locked_view(session, valuable_id)
        last = view.record
        stored = (
            await files.store(
                session,
                actor,
                photo,
                why="a corrected photograph of a valuable (B 24.2)",
                client_id=last.client_id,
            )
            if photo is not None
            else None
        )
        new = {
            "description": desc if desc is not None else last.description,
            "value": value if value is not None else last.value,
            "location": loc if loc is not None else last.location,
            "photo_file_id": stored.id if stored is not None else last.photo_file_id,
        }
        if all(new[k] == getattr(last, k) for k in new):
            raise ValidationFailed(
                {
                    "reason": "nothing would change: give the description, value, location or "
                    "photograph as it should be"
                }
            )
        row = await repository.insert_record(
            session,
            new
            | {
                "id": uuid.uuid4(),
                "valuable_id": valuable_id,
                "client_id": last.client_id,
                "supersedes_id": last.id,
                "reason": why,
                "recorded_by": actor.principal.subject,
            },
        )
        photo_sha = stored.sha256.hex() if stored is not None else view.photo.sha256.hex()
        await audit.record(
            session,
            actor,
            ENTITY,
            valuable_id,
            "correct",
            before=_details(last, view.photo.sha256.hex()),
            after=_details(row, photo_sha),
            reason=why,
            client_id=last.client_id,
        )
        return {"valuable_id": str(valuable_id)}

    payload = {
        "valuable_id": str(valuable_id),
        "description": desc,
        "value": value,
        "location": loc,
        "photo_sha256": photo.sha256.hex() if photo is not None else None,
        "reason": why,
    }
    return await _run(session, actor, idempotency_key, "correctValuable", payload, work)


async def move(
    session: AsyncSession,
    actor: Actor,
    valuable_id: uuid.UUID,
    kind: MovementKind,
    *,
    person: str,
    reason: str,
    idempotency_key: str,
) -> ValuableOutcome:
    """Log an item taken out of the safe (CHECK_OUT, to come back), brought back (CHECK_IN) or
    handed back for good (RETURN): who (``person``) and why. Refused for an item not where the
    movement needs it."""
    who, why = optional_text(person), optional_text(reason)
    problems = rules.text_problems(
        {"person": (who, True, rules.MAX_PERSON), "reason": (why, True, rules.MAX_REASON)}
    )
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await _locked_view(session, valuable_id)
        status = view.status
        problem = rules.movement_problem(status, kind)
        if problem is not None:
            raise InvalidState(problem)
        number = (view.movements[-1].number if view.movements else 0) + 1
        await repository.insert_movement(
            session,
            {
                "id": uuid.uuid4(),
                "valuable_id": valuable_id,
                "client_id": view.valuable.client_id,
                "number": number,
                "kind": kind.value,
                "person": who,
                "reason": why,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            valuable_id,
            kind.value.lower(),
            before={"status": status.value},
            after={"status": rules.AFTER[kind].value, "person": who, "number": number},
            reason=why,
            client_id=view.valuable.client_id,
        )
        return {"valuable_id": str(valuable_id)}

    payload = {"valuable_id": str(valuable_id), "kind": kind.value, "person": who, "reason": why}
    return await _run(session, actor, idempotency_key, "moveValuable", payload, work)

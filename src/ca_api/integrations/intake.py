"""What every flow's batch goes through (issue 17 items 2 and 5): its sender and size checked
once per idempotency key, its lines' own references judged, and the batch recorded with its
lines' outcomes, counts and sums."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.errors import ApiError, ErrorCode, ValidationFailed
from ca_api.integrations import repository, rules
from ca_api.integrations.batches import BatchView
from ca_api.integrations.rules import IntakeFlow, LineOutcome, Refusal, RefusalCode

Outcomes = dict[int, tuple[LineOutcome, Refusal | None, uuid.UUID | None]]


async def by_own_reference(
    session: AsyncSession,
    kinds: rules.FlowKinds,
    own: Sequence[str],
    client_refs: Sequence[str],
    other_refs: Sequence[str],
) -> tuple[dict[tuple[str, str], uuid.UUID], Outcomes, list[int]]:
    """Every flow's first step, under the references' lock: the records the batch's references
    name (its lines' own, its clients' and its suppliers' or payers'), and what each line's own
    reference decides alone: refused when bad or on an earlier line of the batch, ALREADY_HAD
    when recorded before (nothing written). The lines left to judge, in order."""
    await repository.lock_references(session)
    refs = await repository.subjects_in_force(
        session,
        {
            kinds.line.value: list(own),
            kinds.client.value: list(client_refs),
            kinds.supplier.value: list(other_refs),
        },
    )
    outcomes: Outcomes = {}
    rest: list[int] = []
    seen: set[str] = set()
    for n, value in enumerate(own):
        if bad := rules.reference_problem("externalReference", value):
            said = "; ".join(f"{k} {v}" for k, v in bad.items())
            outcomes[n] = (LineOutcome.REFUSED, Refusal(RefusalCode.BAD_REFERENCE, said), None)
        elif value in seen:
            said = f"{value!r} is on an earlier line of this batch"
            outcomes[n] = (LineOutcome.REFUSED, Refusal(RefusalCode.REPEATED_IN_BATCH, said), None)
        elif (had := refs.get((kinds.line.value, value))) is not None:
            seen.add(value)
            outcomes[n] = (LineOutcome.ALREADY_HAD, None, had)
        else:
            seen.add(value)
            rest.append(n)
    return refs, outcomes, rest


async def run_batch(
    session: AsyncSession,
    actor: Actor,
    flow: IntakeFlow,
    batch_reference: str,
    line_count: int,
    operation: str,
    payload: Any,
    receive: Callable[[], Awaitable[uuid.UUID]],
    *,
    idempotency_key: str,
) -> BatchView:
    """A batch of ``flow`` from its own system only, once per idempotency key: its reference
    and size checked, ``receive`` recording it."""
    kinds = rules.FLOWS[flow]
    if kinds.system not in {
        rules.ROLE_SYSTEM[r] for r in actor.principal.roles if r in rules.ROLE_SYSTEM
    }:
        raise ApiError(ErrorCode.FORBIDDEN, f"only {kinds.system.value} sends {flow.value}")
    reference = batch_reference.strip()
    problems = rules.reference_problem("batch_reference", reference)
    if not line_count:
        problems["lines"] = "give at least one line"
    elif line_count > rules.MAX_BATCH_LINES:
        problems["lines"] = f"at most {rules.MAX_BATCH_LINES} lines in one batch"
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        return {"batch_id": str(await receive())}

    done = await idempotency.run_recorded(session, actor, idempotency_key, operation, payload, work)
    # the batch alone: its lines are read by the response only if it asks for them
    batch_id = uuid.UUID(str(done["batch_id"]))
    batch = (await repository.batches_by_id(session, [kinds.system.value], [batch_id]))[0]
    return BatchView(batch, replayed=bool(done.get("replayed")))


async def record_batch(
    session: AsyncSession,
    actor: Actor,
    flow: IntakeFlow,
    batch_reference: str,
    own: Sequence[str],
    amounts: Sequence[int],
    outcomes: Outcomes,
    subject_of: dict[int, uuid.UUID],
    *,
    after: dict[str, Any],
    why: str,
) -> uuid.UUID:
    """The batch, its lines with their outcomes and its counts and sums (item 5), and the
    batch's audit row: the same for every flow."""
    kinds = rules.FLOWS[flow]
    batch_id = uuid.uuid4()
    line_rows: list[dict[str, Any]] = []
    for n in range(len(own)):
        outcome, refusal, had = outcomes[n]
        line_rows.append(
            {
                "batch_id": batch_id,
                "line": n + 1,
                "external_reference": own[n][:200],
                "outcome": outcome.value,
                "code": refusal.code.value if refusal else None,
                "reason": refusal.reason if refusal else None,
                "amount": amounts[n],
                "subject_id": subject_of.get(n, had),
            }
        )
    t = rules.tally([(LineOutcome(r["outcome"]), r["amount"]) for r in line_rows])
    values = {
        "id": batch_id,
        "system": kinds.system.value,
        "flow": flow.value,
        "batch_reference": batch_reference,
        **t.__dict__,
        "recorded_by": actor.principal.subject,
    }
    await repository.insert_batch(session, values)
    await repository.insert_lines(session, line_rows)
    refused = [
        {"line": r["line"], "externalReference": r["external_reference"], "code": r["code"]}
        for r in line_rows
        if r["code"] is not None
    ]
    await audit.record(
        session,
        actor,
        "intake_batch",
        batch_id,
        "receive",
        after={k: v for k, v in values.items() if k not in ("id", "recorded_by")}
        | after
        | {"refused": refused},
        reason=why,
    )
    return batch_id

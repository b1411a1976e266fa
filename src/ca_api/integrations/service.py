"""Use cases of the integrations (issue 17 items 1, 2 and 5): external references recorded and
resolved, bulk intake of the integrations' invoices, and the reconciliation of what was sent.

A batch is one transaction: every line is judged by the pure rules recordInvoice applies
(``invoices.service.invoice_problems``: R-PAY-1, R-PAY-2, R-PAY-5, R-PAY-6, R-OPG-1), against
the invoices recorded (one number per supplier, R-PAY-2), and written through
``invoices.service.import_invoices`` (due dates by the figure in force, R-PAY-1 and R-PAY-4;
items; an audit row per invoice on its client's chain; a query at once for one dated after the
client's death, R-DEATH-2), under the clients' locks, as the single door takes one. A refused line
does not stop the rest: each invoice is a bill of its own, and the sender corrects and resends
only what was refused (each line is idempotent by its external reference).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common import idempotency
from ca_api.common.keyset import Seek
from ca_api.errors import ApiError, ErrorCode, InvalidState, ValidationFailed, existing
from ca_api.integrations import repository, rules
from ca_api.integrations.models import ExternalReference, IntakeBatch, IntakeLine
from ca_api.integrations.rules import (
    ExternalReferenceKind,
    ExternalSystem,
    IntakeFlow,
    LineOutcome,
    Refusal,
    RefusalCode,
    SubjectType,
)
from ca_api.invoices import reads as invoice_reads
from ca_api.invoices import rules as invoice_rules
from ca_api.invoices import service as invoices
from ca_api.invoices.rules import InvoiceDraft
from ca_api.ledger.rules import Benefit, CounterpartyKind
from ca_api.receipts import rules as receipt_rules
from ca_api.receipts import service as receipts
from ca_api.receipts.rules import RunLine

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


def _forbidden_kind(kind: ExternalReferenceKind) -> ApiError:
    return ApiError(
        ErrorCode.FORBIDDEN, f"{kind.value} is another system's reference: your role may not use it"
    )


# --- external references ------------------------------------------------------------------


async def _subject_exists(session: AsyncSession, subject: SubjectType, sid: uuid.UUID) -> bool:
    if subject is SubjectType.CLIENT:
        return await clients.exists(session, sid)
    if subject is SubjectType.COUNTERPARTY:
        return sid in await invoice_reads.counterparties_by_id(session, [sid])
    if subject is SubjectType.RECEIPT:
        return await receipts.get_receipt(session, sid) is not None
    return sid in await invoice_reads.invoices_by_id(session, [sid])


def _reference_values(
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
        raise _forbidden_kind(kind)
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
        row = _reference_values(kind, value, subject_id, actor, supersedes=supersedes, reason=why)
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
        raise _forbidden_kind(kind)
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


# --- bulk intake of invoices (item 2) -----------------------------------------------------


Outcomes = dict[int, tuple[LineOutcome, Refusal | None, uuid.UUID | None]]


async def _by_own_reference(
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


@dataclass(frozen=True)
class InvoiceLine:
    """A line of an invoice batch: its own reference, its client's and supplier's references
    in the sender's system, and the invoice as recordInvoice takes it."""

    external_reference: str
    client_reference: str
    supplier_reference: str
    draft: InvoiceDraft


@dataclass(frozen=True)
class BatchView:
    batch: IntakeBatch
    lines: list[IntakeLine] = field(default_factory=list)
    replayed: bool = False


def _payload(flow: IntakeFlow, batch_reference: str, lines: Sequence[InvoiceLine]) -> Any:
    return {
        "flow": flow.value,
        "batch_reference": batch_reference,
        "lines": [
            [
                ln.external_reference,
                ln.client_reference,
                ln.supplier_reference,
                invoices.draft_payload(ln.draft),
            ]
            for ln in lines
        ],
    }


async def receive_invoice_batch(
    session: AsyncSession,
    actor: Actor,
    flow: IntakeFlow,
    batch_reference: str,
    lines: Sequence[InvoiceLine],
    *,
    idempotency_key: str,
) -> BatchView:
    """An integration's batch of invoices, once per idempotency key: each line CREATED,
    ALREADY_HAD (its external reference is recorded: nothing written) or REFUSED with a code
    and the reason; the batch recorded with its counts and sums (item 5)."""

    async def work() -> uuid.UUID:
        return await _receive(session, actor, flow, batch_reference.strip(), lines)

    return await _run_batch(
        session,
        actor,
        flow,
        batch_reference,
        len(lines),
        "recordInvoiceBatch",
        _payload(flow, batch_reference.strip(), lines),
        work,
        idempotency_key=idempotency_key,
    )


async def _run_batch(
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


async def _receive(
    session: AsyncSession,
    actor: Actor,
    flow: IntakeFlow,
    batch_reference: str,
    lines: Sequence[InvoiceLine],
) -> uuid.UUID:
    kinds = rules.FLOWS[flow]
    today = clock.today()  # the server's date stamp, never the sender's (R-PAY-1)
    roles = actor.principal.roles
    client_refs = [ln.client_reference.strip() for ln in lines]
    supplier_refs = [ln.supplier_reference.strip() for ln in lines]
    own = [ln.external_reference.strip() for ln in lines]
    refs, outcomes, rest = await _by_own_reference(session, kinds, own, client_refs, supplier_refs)
    allowed = invoice_rules.invoice_kinds_allowed(roles)

    def refuse(n: int, code: RefusalCode, reason: str) -> None:
        outcomes[n] = (LineOutcome.REFUSED, Refusal(code, reason), None)

    # Only the lines left are recorded, so only their clients are locked and read, and only
    # their numbers checked (a batch sent again reads nothing more: every line is ALREADY_HAD).
    pending: list[int] = []
    for n in rest:
        line = lines[n]
        if line.draft.kind not in allowed:
            refuse(
                n,
                RefusalCode.KIND_NOT_ALLOWED,
                f"this integration does not record {line.draft.kind.value} invoices",
            )
            continue
        pending.append(n)

    client_of = {n: refs.get((kinds.client.value, client_refs[n])) for n in pending}
    supplier_of = {n: refs.get((kinds.supplier.value, supplier_refs[n])) for n in pending}
    client_ids = sorted({c for c in client_of.values() if c is not None})
    # As recordInvoice: the client's lock first (a death confirmed meanwhile queries it, and
    # a number recorded meanwhile by the single door is seen), in id order.
    await clients.lock_clients(session, client_ids)
    standing = await clients.as_they_stand(session, client_ids)
    suppliers = await invoice_reads.counterparties_by_id(
        session, sorted({s for s in supplier_of.values() if s is not None})
    )
    drafts = {n: invoices.normalise(lines[n].draft) for n in pending}
    numbers = await invoices.numbers_recorded(
        session,
        [
            (sid, drafts[n].supplier_invoice_number)
            for n, sid in supplier_of.items()
            if sid is not None
        ],
    )

    to_create: list[tuple[int, invoices.ImportedInvoice]] = []
    numbers_seen: set[tuple[uuid.UUID, str]] = set()
    for n in pending:
        draft, cref, sref = drafts[n], client_refs[n], supplier_refs[n]
        client_id = client_of[n]
        if client_id is None or client_id not in standing:
            refuse(n, RefusalCode.UNKNOWN_CLIENT, f"no client has {kinds.client.value} {cref!r}")
            continue
        if standing[client_id].details.status is ClientStatus.CLOSED:
            refuse(
                n,
                RefusalCode.CLIENT_NOT_ACTED_FOR,
                f"client {standing[client_id].reference} is closed: the council no longer acts "
                "for them",
            )
            continue
        supplier_id = supplier_of[n]
        if supplier_id is None or supplier_id not in suppliers:
            refuse(
                n,
                RefusalCode.UNKNOWN_SUPPLIER,
                f"no counterparty has {kinds.supplier.value} {sref!r}",
            )
            continue
        supplier_kind = CounterpartyKind(suppliers[supplier_id].kind)
        # the draft is normalised: recordInvoice's own rules (invoices.invoice_problems)
        problems = invoice_rules.validate_invoice(
            draft, received_on=today, supplier_kind=supplier_kind
        )
        if problems:
            r = rules.refusal_of_problems(problems)
            refuse(n, r.code, r.reason)
            continue
        key = (supplier_id, draft.supplier_invoice_number)
        if key in numbers or key in numbers_seen:
            refuse(
                n,
                RefusalCode.DUPLICATE_INVOICE,
                f"invoice {draft.supplier_invoice_number!r} from this supplier is recorded "
                "already (R-PAY-2)",
            )
            continue
        numbers_seen.add(key)
        new = invoices.NewInvoice(client_id, supplier_id, draft)
        to_create.append((n, invoices.ImportedInvoice(new, today)))
        outcomes[n] = (LineOutcome.CREATED, None, None)

    why = f"{flow.value} batch {batch_reference}"
    try:
        async with session.begin_nested():
            created = await invoices.import_invoices(
                session, actor, [imp for _, imp in to_create], why=why, action="record"
            )
    except IntegrityError as exc:  # the single door recorded one of these numbers meanwhile
        if "uq_invoice_supplier_number" not in str(exc.orig):
            raise
        raise InvalidState(
            "an invoice number of this batch was recorded meanwhile by another door: send the "
            "batch again (its lines will say which)"
        ) from exc
    subject_of: dict[int, uuid.UUID] = {}
    new_refs = []
    for (n, _), invoice_id in zip(to_create, created, strict=True):
        subject_of[n] = invoice_id
        new_refs.append(_reference_values(kinds.line, own[n], invoice_id, actor))
    await repository.insert_references(session, new_refs)

    return await _record_batch(
        session,
        actor,
        flow,
        batch_reference,
        own,
        [ln.draft.amount for ln in lines],
        outcomes,
        subject_of,
        after={"invoices_created": [str(i) for i in created]},
        why=why,
    )


async def _record_batch(
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


# --- Controcc's benefit receipts (seed 002 B 18.3, R-ACC-6) -----------------------------------


@dataclass(frozen=True)
class BenefitLine:
    """A benefit receipt Controcc recorded: its own reference, its client's and payer's
    references in Controcc, and the receipt as recordBenefitRun's lines take it."""

    external_reference: str
    client_reference: str
    payer_reference: str
    benefit: Benefit
    amount: int
    value_date: date
    period_start: date
    period_end: date


def _benefit_payload(batch_reference: str, lines: Sequence[BenefitLine]) -> Any:
    return {
        "flow": IntakeFlow.CONTROCC_BENEFITS.value,
        "batch_reference": batch_reference,
        "lines": [
            [
                ln.external_reference,
                ln.client_reference,
                ln.payer_reference,
                ln.benefit.value,
                ln.amount,
                ln.value_date.isoformat(),
                ln.period_start.isoformat(),
                ln.period_end.isoformat(),
            ]
            for ln in lines
        ],
    }


async def receive_benefit_batch(
    session: AsyncSession,
    actor: Actor,
    batch_reference: str,
    lines: Sequence[BenefitLine],
    *,
    idempotency_key: str,
) -> BatchView:
    """Controcc's benefit receipts (seed 002 B 18.3: benefits are paid to the client monies bank
    account and recorded in Controcc against the client, separately by benefit, R-ACC-6), once
    per idempotency key: each line CREATED (a receipt posted the one way recordBenefitRun posts
    it), ALREADY_HAD (its CONTROCC_RECEIPT is recorded) or REFUSED with a code. All or nothing
    per credit, a (client, value date): see ``rules.credit_groups_refused``."""
    flow = IntakeFlow.CONTROCC_BENEFITS

    async def work() -> uuid.UUID:
        return await _receive_benefits(session, actor, batch_reference.strip(), lines)

    return await _run_batch(
        session,
        actor,
        flow,
        batch_reference,
        len(lines),
        "recordControccBenefitBatch",
        _benefit_payload(batch_reference.strip(), lines),
        work,
        idempotency_key=idempotency_key,
    )


async def _receive_benefits(
    session: AsyncSession, actor: Actor, batch_reference: str, lines: Sequence[BenefitLine]
) -> uuid.UUID:
    flow = IntakeFlow.CONTROCC_BENEFITS
    kinds = rules.FLOWS[flow]
    today = clock.today()
    own = [ln.external_reference.strip() for ln in lines]
    client_refs = [ln.client_reference.strip() for ln in lines]
    payer_refs = [ln.payer_reference.strip() for ln in lines]
    refs, outcomes, rest = await _by_own_reference(session, kinds, own, client_refs, payer_refs)
    client_of = {
        n: c for n in range(len(lines)) if (c := refs.get((kinds.client.value, client_refs[n])))
    }

    def refuse(n: int, code: RefusalCode, reason: str) -> None:
        outcomes[n] = (LineOutcome.REFUSED, Refusal(code, reason), None)

    pending: dict[int, RunLine] = {}
    periods: dict[tuple[uuid.UUID, Benefit, date, date], int] = {}
    for n in rest:
        ln, value = lines[n], own[n]
        client_id = client_of.get(n)
        payer_id = refs.get((kinds.supplier.value, payer_refs[n]))
        run_line = RunLine(
            client_id or uuid.UUID(int=0),
            payer_id or uuid.UUID(int=0),
            ln.benefit,
            ln.amount,
            ln.period_start,
            ln.period_end,
            reference=value,
        )
        # recordBenefitRun's own line rules (R-ACC-6): amount, period, value date
        if problems := receipt_rules.validate_run([run_line], ln.value_date, today):
            said = "; ".join(f"{k.removeprefix('lines.0.')}: {v}" for k, v in problems.items())
            code = RefusalCode.BAD_AMOUNT if "lines.0.amount" in problems else None
            refuse(n, code or RefusalCode.INVALID_LINE, said)
            continue
        if client_id is None:
            refuse(
                n,
                RefusalCode.UNKNOWN_CLIENT,
                f"no client has {kinds.client.value} {client_refs[n]!r}",
            )
            continue
        if payer_id is None:
            refuse(
                n,
                RefusalCode.UNKNOWN_PAYER,
                f"no counterparty has {kinds.supplier.value} {payer_refs[n]!r}",
            )
            continue
        key = (client_id, ln.benefit, ln.period_start, ln.period_end)
        if key in periods:
            refuse(
                n,
                RefusalCode.INVALID_LINE,
                f"repeats line {periods[key] + 1}: the same benefit for the same client and period",
            )
            continue
        periods[key] = n
        pending[n] = run_line

    # a benefit and period the client's account already has a receipt of (recorded by any
    # door, not reversed): refused as a repeat of it, as a repeat within the batch is (R-ACC-6).
    # Controcc's batches take the references' lock first, so two cannot both pass this.
    order = sorted(pending)
    recorded = await receipts.benefits_already_recorded(session, [pending[n] for n in order])
    for i, receipt_id in recorded.items():
        n = order[i]
        refuse(n, RefusalCode.INVALID_LINE, receipts.already_recorded(receipt_id))
        del pending[n]
    # the database's say: the client one the council acts for, the payer one that pays benefits
    # (the clients' KEY SHARE locks taken, in id order)
    order = sorted(pending)
    found = await receipts.benefit_line_problems(session, [pending[n] for n in order])
    for i, problems in found.items():
        n = order[i]
        if "client_id" in problems:
            refuse(n, RefusalCode.CLIENT_NOT_ACTED_FOR, problems["client_id"])
        elif "payer_id" in problems:
            refuse(n, RefusalCode.NOT_A_BENEFIT_PAYER, problems["payer_id"])
    # all or nothing per credit (client, value date); a line repeated in the batch is not the
    # credit's fault (its first copy stands)
    refused = {
        n
        for n, (o, r, _) in outcomes.items()
        if o is LineOutcome.REFUSED
        and r is not None
        and r.code is not RefusalCode.REPEATED_IN_BATCH
    }
    credits = [(n, (c, lines[n].value_date)) for n, c in client_of.items()]
    for n in sorted(rules.credit_groups_refused(credits, refused)):
        if n in pending and n not in outcomes:
            refuse(
                n,
                RefusalCode.WITH_A_REFUSED_LINE,
                f"another line of this client's credit on {lines[n].value_date.isoformat()} was "
                "refused: a credit is recorded whole (correct that line and send them again)",
            )
    to_post = [n for n in order if n not in outcomes]

    why = f"{flow.value} batch {batch_reference}"
    subject_of: dict[int, uuid.UUID] = {}
    if to_post:
        await receipts.lock_benefit_targets(session, [pending[n].client_id for n in to_post])
        by_date: dict[date, list[int]] = {}
        for n in to_post:
            by_date.setdefault(lines[n].value_date, []).append(n)
        for value_date, group in sorted(by_date.items()):
            posted = await receipts.post_benefit_lines(
                session, actor, [pending[n] for n in group], value_date, run=why
            )
            subject_of |= dict(zip(group, posted, strict=True))
    for n in to_post:
        outcomes[n] = (LineOutcome.CREATED, None, None)
    await repository.insert_references(
        session,
        [_reference_values(kinds.line, own[n], subject_of[n], actor) for n in to_post],
    )
    return await _record_batch(
        session,
        actor,
        flow,
        batch_reference,
        own,
        [ln.amount for ln in lines],
        outcomes,
        subject_of,
        after={"receipts_created": [str(subject_of[n]) for n in to_post]},
        why=why,
    )


# --- batches read back (item 5) -------------------------------------------------------------


async def batch_view(session: AsyncSession, batch_id: uuid.UUID) -> BatchView:
    batch = (
        await repository.batches_by_id(session, [s.value for s in ExternalSystem], [batch_id])
    )[0]
    return BatchView(batch, list(await repository.lines_of(session, [batch_id])))


async def batches_by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, IntakeBatch]:
    """The batches with these ids the caller may read: officers and audit all, an integration
    its own system's."""
    systems = [s.value for s in rules.own_systems(principal.roles)]
    return {b.id: b for b in await repository.batches_by_id(session, systems, ids)}


async def list_batches(
    session: AsyncSession,
    principal: Principal,
    system: ExternalSystem | None,
    batch_reference: str | None,
    *,
    seek: Seek[Any],
) -> Sequence[IntakeBatch]:
    systems = {s.value for s in rules.own_systems(principal.roles)}
    if system is not None:
        systems &= {system.value}
    return await repository.list_batches(session, systems, batch_reference, seek=seek)


async def lines_by_batch(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID], outcome: LineOutcome | None = None
) -> dict[uuid.UUID, list[IntakeLine]]:
    out: dict[uuid.UUID, list[IntakeLine]] = {i: [] for i in batch_ids}
    for row in await repository.lines_of(
        session, batch_ids, outcome.value if outcome is not None else None
    ):
        out[row.batch_id].append(row)
    return out


async def refused_lines_by_batch(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[IntakeLine]]:
    """The refused lines of these batches (what a sender reads back after each batch)."""
    return await lines_by_batch(session, batch_ids, LineOutcome.REFUSED)


# --- SAP: the council's invoices against the payments made to it (item 5) -------------------


@dataclass(frozen=True)
class SentInvoice:
    reference: ExternalReference
    view: invoice_reads.InvoiceView
    state: rules.CouncilInvoiceState


async def sent_invoices(
    session: AsyncSession, principal: Principal, kind: ExternalReferenceKind, values: Sequence[str]
) -> list[SentInvoice]:
    """The invoices these references of the caller's system name, each with where it stands:
    what an integration reads back of what it sent (never officers' casework)."""
    if kind.subject_type is not SubjectType.INVOICE:
        raise ValidationFailed({"kind": "name an invoice reference kind"})
    if kind.system not in rules.own_systems(principal.roles):
        raise _forbidden_kind(kind)
    refs = await repository.in_force(session, {kind.value: [v.strip() for v in values]})
    views = await invoice_reads.invoices_by_id(session, [r.subject_id for r in refs.values()])
    out = []
    for r in sorted(refs.values(), key=lambda r: r.value):
        v = views.get(r.subject_id)
        if v is not None:
            out.append(SentInvoice(r, v, rules.council_state(v.status.value, v.on_hold)))
    return out


@dataclass(frozen=True)
class CouncilReconciliation:
    """SAP's invoices against the payments made to the council: counts and sums by state,
    and every invoice not yet paid nor cancelled."""

    totals: dict[rules.CouncilInvoiceState, tuple[int, int]]
    open: list[SentInvoice]


async def council_reconciliation(
    session: AsyncSession, principal: Principal
) -> CouncilReconciliation:
    """Every invoice SAP sent (named by an SAP_DOCUMENT reference), as it stands: SAP reads it
    to clear its invoices; officers and audit too."""
    kind = ExternalReferenceKind.SAP_DOCUMENT
    if kind.system not in rules.own_systems(principal.roles):
        raise _forbidden_kind(kind)
    refs = await repository.all_in_force(session, kind.value)
    views = await invoice_reads.invoices_by_id(session, [r.subject_id for r in refs])
    totals = {s: (0, 0) for s in rules.CouncilInvoiceState}
    still_open = []
    for r in refs:
        v = views.get(r.subject_id)
        if v is None:
            continue
        state = rules.council_state(v.status.value, v.on_hold)
        n, amount = totals[state]
        totals[state] = (n + 1, amount + v.invoice.amount)
        if state not in (rules.CouncilInvoiceState.PAID, rules.CouncilInvoiceState.CANCELLED):
            still_open.append(SentInvoice(r, v, state))
    still_open.sort(key=lambda s: (s.view.invoice.due_on, s.reference.value))
    return CouncilReconciliation(totals, still_open)

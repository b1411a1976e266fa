"""Bulk intake of the integrations' invoices (issue 17 item 2): Controcc's and SAP's batches of
invoices, each line recorded as recordInvoice records one.

A batch is one transaction: every line is judged by the pure rules recordInvoice applies
(``invoices.recording.invoice_problems``: R-PAY-1, R-PAY-2, R-PAY-5, R-PAY-6, R-OPG-1), against
the invoices recorded (one number per supplier, R-PAY-2), and written through
``invoices.recording.import_invoices`` (due dates by the figure in force, R-PAY-1 and R-PAY-4;
items; an audit row per invoice on its client's chain; a query at once for one dated after the
client's death, R-DEATH-2), under the clients' locks, as the single door takes one. A refused line
does not stop the rest: each invoice is a bill of its own, and the sender corrects and resends
only what was refused (each line is idempotent by its external reference).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.errors import InvalidState
from ca_api.integrations import repository, rules
from ca_api.integrations.batches import BatchView
from ca_api.integrations.intake import by_own_reference, record_batch, run_batch
from ca_api.integrations.references import reference_values
from ca_api.integrations.rules import IntakeFlow, LineOutcome, Refusal, RefusalCode
from ca_api.invoices import recording as invoices
from ca_api.invoices import rules as invoice_rules
from ca_api.invoices.rules import InvoiceDraft
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger.rules import CounterpartyKind


@dataclass(frozen=True)
class InvoiceLine:
    """A line of an invoice batch: its own reference, its client's and supplier's references
    in the sender's system, and the invoice as recordInvoice takes it."""

    external_reference: str
    client_reference: str
    supplier_reference: str
    draft: InvoiceDraft


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

    return await run_batch(
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
    refs, outcomes, rest = await by_own_reference(session, kinds, own, client_refs, supplier_refs)
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
    suppliers = await ledger_reads.counterparties_by_id(
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
        new_refs.append(reference_values(kinds.line, own[n], invoice_id, actor))
    await repository.insert_references(session, new_refs)

    return await record_batch(
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

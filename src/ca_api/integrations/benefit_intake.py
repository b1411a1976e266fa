"""Controcc's benefit receipts taken in by batch (seed 002 B 18.3, R-ACC-6): each line posted the
one way recordBenefitRun posts a receipt, all or nothing per credit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.integrations import repository, rules
from ca_api.integrations.batches import BatchView
from ca_api.integrations.intake import by_own_reference, record_batch, run_batch
from ca_api.integrations.references import reference_values
from ca_api.integrations.rules import IntakeFlow, LineOutcome, Refusal, RefusalCode
from ca_api.ledger.rules import Benefit
from ca_api.receipts import rules as receipt_rules
from ca_api.receipts import service as receipts
from ca_api.receipts.rules import RunLine


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

    return await run_batch(
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
    refs, outcomes, rest = await by_own_reference(session, kinds, own, client_refs, payer_refs)
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
        [reference_values(kinds.line, own[n], subject_of[n], actor) for n in to_post],
    )
    return await record_batch(
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

"""Use cases of recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27): each one
transaction under the client's lock with its audit rows (R-AUD-1), once per idempotency key;
refused, nothing written, with the reason.

- **The court's order recorded** (``record``): the Court of Protection ordered that the client
  can manage their own affairs (B 27.1, on medical evidence, B 27.2): its date and reference are
  recorded and the deputyship in force on that date ends on it (a new version of the order,
  ``orders.service.OrderKind.end_in_callers_transaction``, R-AUD-2). Corrected by a new record
  superseding the last (``correct``); a corrected date moves the deputyship's end with it.
- **Money handed back** (``raise_handover``): a one-off payment from the client's CMS account to
  the client (their own account, a counterparty), with the evidence of where it goes, raised
  through ``payments.raise_for_decision`` and then approved (four eyes, the limits, the hold) and
  made as every payment. Every door of such a payment asks for the court's order: raised only
  after it is recorded, and ``refuse_unless_recovered`` at approvePayment and makePayment.
- **Documents and valuables returned**: the valuables module's returnValuable (logged, B 24);
  ``valuables.service.held_of_clients`` counts what is still held.
- **Closed** (``close``): the client CLOSED only when every account is at zero and nothing is
  held in the safe (``outstanding_of_clients``, ``rules.outstanding``). The same list refuses
  ``amendClient`` to CLOSED of any living client (``refuse_closing_by_amendment``).

A client whose death is recorded is wound up instead (seed 002 B 29, ``winding_up``): no
recovery is recorded for them, and a handover payment is refused after a confirmed death
(``deaths.refuse_spending_after_death``, asked by ``payments``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import end_of_case
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common import idempotency
from ca_api.common.rules import text_problem
from ca_api.deaths import reads as deaths
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.estates.rules import chain
from ca_api.files import service as files
from ca_api.files.models import StoredFile
from ca_api.files.rules import MAX_PHOTO_BYTES, FileType
from ca_api.ledger import service as ledger
from ca_api.ledger.rules import Category
from ca_api.money import Pence
from ca_api.orders import rules as order_rules
from ca_api.orders import service as orders
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome
from ca_api.recovery import repository, rules
from ca_api.recovery.models import RecoveryHandover, RecoveryOrder
from ca_api.recovery.rules import AccountFacts, Outstanding
from ca_api.valuables import service as valuables

ENTITY = "recovery_order"
HANDOVER = "recovery_handover"
EVIDENCE_TYPES = frozenset(FileType)


@dataclass(frozen=True)
class HandoverView:
    row: RecoveryHandover
    amount: Pence
    status: str
    evidence_file: StoredFile | None


@dataclass(frozen=True)
class RecoveryView:
    """A client's recovery as it stands: the court's order (its records, oldest first, the last
    stands), the payments handing money back, what is still held, whether the case is closed."""

    records: Sequence[RecoveryOrder]
    handovers: Sequence[HandoverView]
    outstanding: tuple[Outstanding, ...]
    closed: bool

    @property
    def record(self) -> RecoveryOrder:
        return self.records[-1]

    @property
    def first(self) -> RecoveryOrder:
        return self.records[0]


@dataclass(frozen=True)
class RecoveryOutcome:
    view: RecoveryView
    replayed: bool = False


@dataclass(frozen=True)
class HandoverOutcome:
    view: RecoveryView
    payment: PaymentOutcome
    replayed: bool = False


# --- reads ------------------------------------------------------------------------------------


async def outstanding_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Outstanding]]:
    """What each client still has held by the team: every account not at zero, the items in the
    safe (``rules.outstanding``). Empty: nothing keeps the case open."""
    ids = list(dict.fromkeys(client_ids))
    money: dict[uuid.UUID, list[AccountFacts]] = {c: [] for c in ids}
    for a in await ledger.accounts_of_clients(session, ids):
        assert a.client_id is not None
        money[a.client_id].append(AccountFacts(a.name, a.kind, a.posted, a.held))
    held = await valuables.held_of_clients(session, ids)
    return {c: rules.outstanding(money[c], held.get(c, 0)) for c in ids}


async def recoveries_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RecoveryView]:
    """Each client's recovery, for those with a court order recorded, in a few queries."""
    ids = list(dict.fromkeys(client_ids))
    records: dict[uuid.UUID, list[RecoveryOrder]] = {}
    for r in await repository.orders_of_clients(session, ids):
        records.setdefault(r.client_id, []).append(r)
    if not records:
        return {}
    found = list(records)
    rows = await repository.handovers_of_clients(session, found)
    evidence = await files.files_by_id(
        session, [r[0].evidence_file_id for r in rows if r[0].evidence_file_id is not None]
    )
    handovers: dict[uuid.UUID, list[HandoverView]] = {}
    for h, amount, status in rows:
        file = evidence.get(h.evidence_file_id) if h.evidence_file_id is not None else None
        handovers.setdefault(h.client_id, []).append(
            HandoverView(h, int(amount), str(status), file)
        )
    outstanding = await outstanding_of_clients(session, found)
    standing = await clients.as_they_stand(session, found)
    return {
        c: RecoveryView(
            chain(rs),
            handovers.get(c, []),
            tuple(outstanding[c]),
            c in standing and standing[c].details.status is ClientStatus.CLOSED,
        )
        for c, rs in records.items()
    }


async def recovery_of(session: AsyncSession, client_id: uuid.UUID) -> RecoveryView | None:
    return (await recoveries_of_clients(session, [client_id])).get(client_id)


# --- writes -----------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


async def _open_client(session: AsyncSession, client_id: uuid.UUID) -> None:
    """Lock the client; NOT_FOUND for none, refused for a CLOSED client."""
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)
    record = (await clients.as_they_stand(session, [client_id])).get(client_id)
    if record is not None and record.details.status is ClientStatus.CLOSED:
        raise InvalidState("the client's case is CLOSED")


async def _deputyship_on(session: AsyncSession, client_id: uuid.UUID, on: date) -> Any:
    """The client's deputyship in force on ``on`` (as it stands), or None."""
    for row in await orders.deputyship_rows(session, [client_id]):
        if order_rules.is_in_force(row.order_date, row.end_date, on):
            return row
    return None


def _ending_reason(order_date: date, reference: str) -> str:
    return (
        f"the Court of Protection ordered on {order_date.isoformat()} ({reference}) that the "
        "client can manage their own affairs (R-ORD-5, seed 002 B 27)"
    )


def _values(row: RecoveryOrder) -> dict[str, Any]:
    return {
        "order_date": row.order_date.isoformat(),
        "court_reference": row.court_reference,
        "medical_evidence": row.medical_evidence,
        "deputyship_id": str(row.deputyship_id),
    }


async def _outcome(session: AsyncSession, result: dict[str, Any]) -> RecoveryOutcome:
    view = await recovery_of(session, uuid.UUID(str(result["client_id"])))
    assert view is not None
    return RecoveryOutcome(view, bool(result.get("replayed")))


async def record(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    order_date: date,
    court_reference: str,
    medical_evidence: str | None,
    idempotency_key: str,
) -> RecoveryOutcome:
    """Record the court's order that the client can manage their own affairs (R-ORD-5, seed 002
    B 27.1-27.2) and end the deputyship in force on its date on that date. Refused for a client
    with no deputyship in force then, one whose death is recorded (winding up, B 29), a CLOSED
    one, or one whose recovery is recorded already (correct it instead)."""
    ref, evidence = _clean(court_reference), _clean(medical_evidence)
    problems = rules.order_problems(
        order_date=order_date,
        court_reference=ref,
        medical_evidence=evidence,
        today=clock.today(),
        deputyship_from=None,
    )
    if problems:
        raise ValidationFailed(problems)
    assert ref is not None

    async def work() -> dict[str, Any]:
        await _open_client(session, client_id)
        if (await deaths.deaths_of_clients(session, [client_id])).get(client_id) is not None:
            raise InvalidState(
                "the client's death is recorded: their affairs are wound up (seed 002 B 29), "
                "not handed back to them"
            )
        if await recovery_of(session, client_id) is not None:
            raise InvalidState(
                "the court's order that the client can manage their affairs is recorded "
                "already: correct it with correctRecoveryOfCapacity"
            )
        deputyship = await _deputyship_on(session, client_id, order_date)
        if deputyship is None:
            raise InvalidState(
                f"the client has no deputyship in force on {order_date.isoformat()}: the "
                "court's order that they can manage their affairs ends the council's "
                "deputyship (R-ORD-5)"
            )
        late = rules.order_problems(
            order_date=order_date,
            court_reference=ref,
            medical_evidence=evidence,
            today=clock.today(),
            deputyship_from=deputyship.order_date,
        )
        if late:
            raise ValidationFailed(late)
        row = await repository.insert_order(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "deputyship_id": deputyship.id,
                "order_date": order_date,
                "court_reference": ref,
                "medical_evidence": evidence,
                "supersedes_id": None,
                "reason": None,
                "recorded_by": actor.principal.subject,
            },
        )
        why = _ending_reason(order_date, ref)
        await orders.DEPUTYSHIP.end_in_callers_transaction(
            session, actor, deputyship.id, order_date, reason=why
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            row.id,
            "record",
            after=_values(row) | {"deputyship_ends_on": order_date.isoformat()},
            reason=why,
            client_id=client_id,
        )
        return {"client_id": str(client_id)}

    payload = {
        "client_id": str(client_id),
        "order_date": order_date.isoformat(),
        "court_reference": ref,
        "medical_evidence": evidence,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordRecoveryOfCapacity", payload, work
    )
    return await _outcome(session, result)


async def correct(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    order_date: date | None,
    court_reference: str | None,
    medical_evidence: str | None,
    reason: str,
    idempotency_key: str,
) -> RecoveryOutcome:
    """Correct the recorded order (R-AUD-2): a new record superseding the last, with the reason;
    what is not given stays. A corrected date moves the deputyship's end to it (a new version
    of the deputyship)."""
    why = _clean(reason)
    problems = text_problem("reason", why, required=True, maximum=rules.MAX_TEXT)
    if court_reference is not None and _clean(court_reference) is None:
        problems["court_reference"] = "is blank: leave it out to keep the reference"
    if problems:
        raise ValidationFailed(problems)
    assert why is not None

    async def work() -> dict[str, Any]:
        await _open_client(session, client_id)
        view = await recovery_of(session, client_id)
        if view is None:
            raise InvalidState(
                "no court order that the client can manage their affairs is recorded "
                "(recordRecoveryOfCapacity)"
            )
        last = view.record
        new: dict[str, Any] = {
            "order_date": order_date if order_date is not None else last.order_date,
            "court_reference": _clean(court_reference) or last.court_reference,
            "medical_evidence": _clean(medical_evidence)
            if medical_evidence is not None
            else last.medical_evidence,
        }
        if all(new[k] == getattr(last, k) for k in new):
            raise ValidationFailed(
                {
                    "reason": "nothing would change: give the date, reference or evidence as it "
                    "should be"
                }
            )
        deputyship = await orders.DEPUTYSHIP.current(session, last.deputyship_id)
        assert deputyship is not None
        late = rules.order_problems(
            order_date=new["order_date"],
            court_reference=new["court_reference"],
            medical_evidence=new["medical_evidence"],
            today=clock.today(),
            deputyship_from=deputyship.order_date,
        )
        if late:
            raise ValidationFailed(late)
        row = await repository.insert_order(
            session,
            new
            | {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "deputyship_id": last.deputyship_id,
                "supersedes_id": last.id,
                "reason": why,
                "recorded_by": actor.principal.subject,
            },
        )
        if row.order_date != last.order_date:
            await orders.DEPUTYSHIP.end_in_callers_transaction(
                session,
                actor,
                last.deputyship_id,
                row.order_date,
                reason=_ending_reason(row.order_date, row.court_reference) + f"; {why}",
            )
        await audit.record(
            session,
            actor,
            ENTITY,
            view.first.id,
            "correct",
            before=_values(last),
            after=_values(row),
            reason=why,
            client_id=client_id,
        )
        return {"client_id": str(client_id)}

    payload = {
        "client_id": str(client_id),
        "order_date": order_date.isoformat() if order_date is not None else None,
        "court_reference": court_reference,
        "medical_evidence": medical_evidence,
        "reason": why,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "correctRecoveryOfCapacity", payload, work
    )
    return await _outcome(session, result)


def _not_recovered(what: str) -> InvalidState:
    return InvalidState(
        f"no court order that the client can manage their affairs is recorded: {what} only "
        "after it (R-ORD-5, seed 002 B 27; recordRecoveryOfCapacity)"
    )


async def raise_handover(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    payee_id: uuid.UUID,
    amount: Pence,
    evidence: str,
    evidence_file_base64: str | None,
    idempotency_key: str,
) -> HandoverOutcome:
    """Raise a payment handing the client's money back to them (R-ORD-5): from their CMS
    account to ``payee_id`` (the client's own account, a counterparty), with the evidence of
    where it goes (a text, and a PDF, JPEG or PNG if given). Refused unless the court's order
    is recorded; it then waits for approval (approvePayment: four eyes, the limits, the money
    held) and is made (makePayment), both of which ask for the order again."""
    text = _clean(evidence)
    problems = rules.handover_problems(amount, text)
    checked = None
    if evidence_file_base64 is not None:
        try:
            checked = files.check(
                "evidence_file",
                evidence_file_base64,
                allowed=EVIDENCE_TYPES,
                maximum=MAX_PHOTO_BYTES,
            )
        except ValidationFailed as exc:
            problems |= exc.fields
    if problems:
        raise ValidationFailed(problems)
    assert text is not None

    async def work() -> dict[str, Any]:
        await _open_client(session, client_id)
        view = await recovery_of(session, client_id)
        if view is None:
            raise _not_recovered("money is handed back")
        try:
            await ledger.counterparty_account(session, payee_id)
        except RecordNotFound:
            raise RecordNotFound.of("Counterparty", payee_id) from None
        payment_id = await payments.raise_for_decision(
            session,
            actor,
            client_id=client_id,
            payee_id=payee_id,
            amount=amount,
            category=Category.OUT_OTHER,
            description=f"Money handed back on recovery: court order {view.record.court_reference}"
            " (R-ORD-5, seed 002 B 27)",
        )
        stored = (
            await files.store(
                session,
                actor,
                checked,
                why="the evidence of a handover payment (R-ORD-5)",
                client_id=client_id,
            )
            if checked is not None
            else None
        )
        row = await repository.insert_handover(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "recovery_order_id": view.first.id,
                "payment_id": payment_id,
                "evidence": text,
                "evidence_file_id": stored.id if stored is not None else None,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            HANDOVER,
            row.id,
            "raise",
            after={
                "payment_id": str(payment_id),
                "payee_id": str(payee_id),
                "amount": amount,
                "evidence": text,
                "evidence_sha256": checked.sha256.hex() if checked is not None else None,
            },
            client_id=client_id,
        )
        return {"client_id": str(client_id), "payment_id": str(payment_id)}

    payload = {
        "client_id": str(client_id),
        "payee_id": str(payee_id),
        "amount": amount,
        "evidence": text,
        "evidence_sha256": checked.sha256.hex() if checked is not None else None,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "raiseHandoverPayment", payload, work
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    outcome = await _outcome(session, result)
    return HandoverOutcome(outcome.view, done, outcome.replayed)


async def refuse_unless_recovered(session: AsyncSession, payment_id: uuid.UUID) -> None:
    """Asked by ``payments`` at approvePayment and makePayment of every payment: a handover
    payment moves only while the court's order that the client can manage their affairs stands
    recorded (R-ORD-5). Other payments pass."""
    link = await repository.handover_of_payment(session, payment_id)
    if link is None:
        return
    if await recovery_of(session, link.client_id) is None:  # pragma: no cover - append-only
        raise _not_recovered("a handover payment is approved or made")


async def close(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> RecoveryOutcome:
    """Close the case of a client who recovered capacity (R-ORD-5, seed 002 B 27): the client
    CLOSED (a new version of their details, R-AUD-2, with its audit row), only once every
    account is at zero and nothing is held in the safe; refused with the full list of what is
    held, nothing written."""

    async def work() -> dict[str, Any]:
        await _open_client(session, client_id)
        view = await recovery_of(session, client_id)
        if view is None:
            raise _not_recovered("the case is closed as recovered")
        if view.outstanding:
            raise InvalidState(
                "the case closes only when every account is at zero and nothing is held in "
                "the safe (R-ORD-5, seed 002 B 27); outstanding: "
                + "; ".join(o.detail for o in view.outstanding)
            )
        r = view.record
        await end_of_case.record_closed(
            session,
            actor,
            client_id,
            reason=f"recovered capacity: {_ending_reason(r.order_date, r.court_reference)}; "
            "money handed back, documents and valuables returned",
        )
        return {"client_id": str(client_id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "closeRecoveredCase", {"client_id": str(client_id)}, work
    )
    return await _outcome(session, result)


async def refuse_closing_by_amendment(session: AsyncSession, client_id: uuid.UUID) -> None:
    """``amendClient`` to CLOSED of a living client (``clients.service``; a client whose death
    is recorded is ``winding_up``'s): refused while money or valuables are held for them, with
    what is held, as ``close`` refuses (R-ORD-5, seed 002 B 27, B 24)."""
    if (await deaths.deaths_of_clients(session, [client_id])).get(client_id) is not None:
        return
    held = (await outstanding_of_clients(session, [client_id]))[client_id]
    if held:
        raise ValidationFailed(
            {
                "status": "money or valuables are still held for the client: the case closes "
                "only when every account is at zero and nothing is held in the safe (R-ORD-5, "
                "seed 002 B 27); outstanding: " + "; ".join(o.detail for o in held)
            }
        )

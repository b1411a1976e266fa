"""Use cases for lodgements with the Court Funds Office (R-INV-2), money taken back (R-INV-6)
and interest on Court Funds accounts at the rate in force each day (R-DATA).

Each change is one transaction with its audit rows in the client's chain (R-AUD-1). Proposing
raises an INVESTMENT_PLAN decision through ``ca_api.decisions.service`` (approved by the
governance manager under the limits in force, never by its proposer: R-DEC, R-ROLE-2) and
records the lodgement linked to it; lodging moves the money only once that decision is approved.
Proposing, approving and lodging each apply the surplus rule (``lodgements.surplus``, R-INV-2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.audit.service import jsonable
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.deaths import spending as deaths
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import (
    DecisionDraft,
    DecisionKind,
    validate_decision,
)
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.ledger import interest_runs
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger import transfers as ledger
from ca_api.ledger.interest_runs import InterestOutcome, InterestScheme
from ca_api.ledger.rules import AccountKind, CounterpartyKind
from ca_api.lodgements import repository, rules, surplus
from ca_api.lodgements.models import CourtFundsInterestRun, CourtFundsWithdrawal
from ca_api.lodgements.repository import LodgementRow
from ca_api.lodgements.rules import LodgementStatus
from ca_api.money import Pence

# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of
CMS, COURT_FUNDS = AccountKind.CLIENT_CMS, AccountKind.CLIENT_COURT_FUNDS


@dataclass(frozen=True)
class Proposal:
    client_id: uuid.UUID
    amount: Pence
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class LodgementOutcome:
    lodgement: LodgementRow
    replayed: bool = False


async def _read(session: AsyncSession, lodgement_id: uuid.UUID) -> LodgementRow:
    return existing(
        await repository.get_lodgement(session, lodgement_id), "Lodgement", lodgement_id
    )


async def _replayed(session: AsyncSession, lodgement_id: uuid.UUID) -> LodgementOutcome:
    return LodgementOutcome(await _read(session, lodgement_id), replayed=True)


LODGEMENT_ONCE = approvals.Once(
    remember_as="lodgement_id", ident=lambda o: o.lodgement.lodgement.id, replay=_replayed
)


async def _deputy_client(session: AsyncSession, actor: Actor, client_id: uuid.UUID) -> None:
    client = existing(
        await clients.get_client(session, actor.principal, client_id), "Client", client_id
    )
    problem = rules.deputy_problem(
        client.legal_role, "lodge a client's money with the Court Funds Office"
    )
    if problem is not None:
        raise ValidationFailed({"client_id": problem})


# --- propose (R-INV-2, R-DEC) -----------------------------------------------------------------


async def propose(
    session: AsyncSession, actor: Actor, p: Proposal, *, idempotency_key: str
) -> LodgementOutcome:
    """Propose lodging ``amount`` of a deputy client's surplus (R-INV-2): only within the
    surplus rule (``surplus.check``: an approved plan in force, not stale, what is left of its
    surplus at least the threshold, the amount no more than that; seed 002 B 7.7, 20.2-20.4).
    An INVESTMENT_PLAN decision is raised (the governance manager approves it, R-DEC; never its
    proposer, R-ROLE-2) and the lodgement recorded linked to it, in one transaction: a refusal
    writes nothing. Once per key: a repeat replays the first."""
    problems = rules.validate_amount(p.amount)
    if problems:
        raise ValidationFailed(problems)
    new = decisions.tidy(
        NewDecision(
            client_id=p.client_id,
            draft=DecisionDraft(
                kind=DecisionKind.INVESTMENT_PLAN,
                amount=p.amount,
                what_was_decided=rules.what_was_decided(p.amount),
                best_interests_reason=p.best_interests_reason,
                consulted=p.consulted,
                client_involved=p.client_involved,
                why_client_not_involved=p.why_client_not_involved,
                notes=p.notes,
            ),
        )
    )
    today = clock.today()
    problems = validate_decision(new.draft, today)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> LodgementOutcome:
        await _deputy_client(session, actor, p.client_id)
        judged = await surplus.check(session, p.client_id, p.amount, today, excluding=None)
        decision_id = await decisions.raise_within(session, actor, new)
        lodgement_id = uuid.uuid4()
        await repository.insert_lodgement(
            session,
            {
                "id": lodgement_id,
                "client_id": p.client_id,
                "decision_id": decision_id,
                "amount": p.amount,
                "proposed_by": actor.principal.subject,
            },
        )
        status = LodgementStatus.PROPOSED.value
        after = {"amount": p.amount, "decision_id": decision_id, "status": status} | judged.audit()
        await audit.record(
            session,
            actor,
            "lodgement",
            lodgement_id,
            "propose",
            after=after,
            reason=new.draft.best_interests_reason,
            client_id=p.client_id,
        )
        return LodgementOutcome(await _read(session, lodgement_id))

    payload = jsonable(asdict(p))
    return await approvals.run_once(
        LODGEMENT_ONCE, session, actor, idempotency_key, "proposeLodgement", payload, work
    )


# --- lodge ------------------------------------------------------------------------------------


async def lodge(
    session: AsyncSession, actor: Actor, lodgement_id: uuid.UUID, *, idempotency_key: str
) -> LodgementOutcome:
    """Move the lodgement's money from the client's CMS account to their Court Funds account
    (TRANSFER_BETWEEN_OWN_ACCOUNTS, R-OPG-1), only once its decision is approved (R-DEC),
    only once, and only if the surplus rule still allows it today (R-INV-2). Short of funds,
    nothing moves (R-PAY-3)."""

    async def work() -> LodgementOutcome:
        lodgement = existing(
            await repository.lock_lodgement(session, lodgement_id), "Lodgement", lodgement_id
        )
        if await repository.lodged(session, lodgement_id) is not None:
            raise InvalidState("the lodgement was lodged already: a lodgement is lodged once")
        # Nothing is invested after the client's confirmed death (B 29); withdrawing is allowed.
        await deaths.refuse_spending_after_death(
            session, lodgement.client_id, commits_new_money=True
        )
        # Locked as approve, refuse and supersede lock it: its status cannot change under us.
        decision = await approvals.locked(session, decisions.DECISIONS, lodgement.decision_id)
        current = rules.lodgement_status(decision.status, lodged=False)
        if current is not LodgementStatus.APPROVED:
            raise InvalidState(
                f"the lodgement is {current.value}: it is lodged only once its investment plan "
                "decision is approved by the governance manager (R-DEC, R-INV-2)",
                status=current.value,
            )
        # The surplus rule again, today: the plan may have been revised or gone stale, or other
        # lodgements and placements approved, since the decision was (R-INV-2, R-CARE-2).
        judged = await surplus.check(
            session,
            lodgement.client_id,
            lodgement.amount,
            clock.today(),
            excluding=lodgement.decision_id,
        )
        transfer = await ledger.move_between_own_accounts(
            session,
            actor,
            lodgement.client_id,
            (CMS, COURT_FUNDS),
            lodgement.amount,
            "Lodgement with the Court Funds Office (R-INV-2)",
            reference=f"lodgement:{lodgement.id}",
        )
        await repository.insert_lodged(
            session,
            {
                "lodgement_id": lodgement.id,
                "transfer_id": transfer.id,
                "lodged_by": actor.principal.subject,
            },
        )
        after = {
            "status": LodgementStatus.LODGED.value,
            "transfer_id": transfer.id,
            "amount": transfer.amount,
            "value_date": transfer.value_date,
            "cms_balance_after": transfer.from_balance_after,
            "court_funds_balance_after": transfer.to_balance_after,
        } | judged.audit()
        await audit.record(
            session,
            actor,
            "lodgement",
            lodgement.id,
            "lodge",
            before={"status": current.value},
            after=after,
            client_id=lodgement.client_id,
        )
        return LodgementOutcome(await _read(session, lodgement.id))

    payload = {"lodgement_id": str(lodgement_id)}
    return await approvals.run_once(
        LODGEMENT_ONCE, session, actor, idempotency_key, "lodge", payload, work
    )


# --- withdraw (R-INV-6) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawn:
    withdrawal: CourtFundsWithdrawal
    replayed: bool  # a repeat of an idempotency key: nothing new was done


async def _withdrawal_replayed(session: AsyncSession, transfer_id: uuid.UUID) -> Withdrawn:
    found = await repository.get_withdrawal(session, transfer_id)
    assert found is not None
    return Withdrawn(found, replayed=True)


WITHDRAWAL_ONCE = approvals.Once(
    remember_as="transfer_id", ident=lambda w: w.withdrawal.transfer_id, replay=_withdrawal_replayed
)


async def withdraw(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    amount: Pence,
    reason: str,
    *,
    idempotency_key: str,
) -> Withdrawn:
    """Bring money back from the Court Funds Office to the client's CMS account when they need
    it (R-INV-6): never more than the Court Funds balance (InsufficientFunds, nothing moves),
    audited with the reason (R-AUD-1)."""
    problems = rules.validate_withdrawal(amount, reason)
    if problems:
        raise ValidationFailed(problems)
    text = reason.strip()

    async def work() -> Withdrawn:
        if not await clients.readable(session, actor.principal, client_id):
            raise Missing("Client", client_id)
        transfer = await ledger.move_between_own_accounts(
            session,
            actor,
            client_id,
            (COURT_FUNDS, CMS),
            amount,
            "Withdrawal from the Court Funds Office (R-INV-6)",
            reason=text,
        )
        withdrawal = await repository.insert_withdrawal(
            session,
            {
                "transfer_id": transfer.id,
                "client_id": client_id,
                "amount": amount,
                "reason": text,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "amount": amount,
            "value_date": transfer.value_date,
            "court_funds_balance_after": transfer.from_balance_after,
            "cms_balance_after": transfer.to_balance_after,
        }
        await audit.record(
            session,
            actor,
            "court_funds_withdrawal",
            transfer.id,
            "withdraw",
            after=after,
            reason=text,
            client_id=client_id,
        )
        return Withdrawn(withdrawal, replayed=False)

    payload = {"client_id": str(client_id), "amount": amount, "reason": text}
    return await approvals.run_once(
        WITHDRAWAL_ONCE, session, actor, idempotency_key, "withdrawFromCourtFunds", payload, work
    )


# --- interest (R-DATA) ------------------------------------------------------------------------

COURT_FUNDS_INTEREST = InterestScheme(
    table=CourtFundsInterestRun,
    name="court_funds_interest_run",
    credit_action="credit_court_funds_interest",
    account_kind=AccountKind.CLIENT_COURT_FUNDS,
    rate=rules.COURT_FUNDS_RATE,
    payer_kind=CounterpartyKind.COURT_FUNDS_OFFICE,
    payer_name=rules.COURT_FUNDS_OFFICE,
    payer_why="needed to credit interest on Court Funds Office accounts",
    narrative="Court Funds Office interest",
    operation="postCourtFundsInterest",
    run_audited_first=True,
)


async def post_interest(
    session: AsyncSession,
    actor: Actor,
    period_start: date,
    period_end: date,
    *,
    idempotency_key: str,
) -> InterestOutcome[CourtFundsInterestRun]:
    """Credit every Court Funds account with its interest for the period at the special account
    rate in force each day (R-DATA): one IN_INTEREST transfer per account whose interest is a
    penny or more, from the Court Funds Office. A day without a rate refuses the run
    (PolicyMissing). One run per period: running it again returns the first run."""
    return await interest_runs.post_interest(
        session,
        actor,
        COURT_FUNDS_INTEREST,
        period_start,
        period_end,
        idempotency_key=idempotency_key,
    )


# --- reads (the repository's, as they are) ----------------------------------------------------

get_lodgement = repository.get_lodgement
list_lodgements = repository.list_lodgements


async def lodgements_by_id(
    session: AsyncSession, principal: Principal, lodgement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, LodgementRow]:
    """The lodgements with these ids, by id, in one query: one of a client the principal may
    not read (row scoping, as ``lodgements(clientId:)``) is absent."""
    found = {r.lodgement.id: r for r in await repository.lodgements_by_id(session, lodgement_ids)}
    return await ledger_reads.scoped(session, principal, found, lambda r: r.lodgement.client_id)


async def withdrawals_by_id(
    session: AsyncSession, principal: Principal, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CourtFundsWithdrawal]:
    """The Court Funds withdrawals with these ids (their transfers'), scoped likewise."""
    found = {w.transfer_id: w for w in await repository.withdrawals_by_id(session, transfer_ids)}
    return await ledger_reads.scoped(session, principal, found, lambda w: w.client_id)


async def interest_runs_by_id(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CourtFundsInterestRun]:
    return await interest_runs.runs_by_id(session, COURT_FUNDS_INTEREST, run_ids)

"""The one check every door where money leaves or is committed makes after a client's death
(``refuse_spending_after_death``: the rule is ``rules.spending_problem``, once; seed 002 B 29),
the fee run's door, and the estate's door: nothing to the estate before the wind-up fee and
every debt to the death (R-FEE-5, R-DEATH-2, R-DEATH-3)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients import service as clients
from ca_api.clients.rules import Situation
from ca_api.deaths import repository, rules
from ca_api.deaths.rules import WindingUpBasis
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, ValidationFailed
from ca_api.money import format_money
from ca_api.overpayments import reads as overpayment_reads
from ca_api.overpayments.rules import OverpaymentStatus

T = TypeVar("T")


class ClientDeceased(MoneyProblem):
    """The client's death is confirmed and what was asked is not something winding up allows
    (seed 002 B 29): an InvalidStateProblem with the code CLIENT_DECEASED. Nothing is written."""

    def __init__(self, message: str, died_on: date | None) -> None:
        super().__init__(
            ErrorCode.CLIENT_DECEASED,
            message,
            died_on=died_on.isoformat() if died_on is not None else None,
        )


@dataclass(frozen=True)
class DuesForLife(Generic[T]):
    """What the fee run may charge: each client's dues but those after their death, and the
    clients recorded deceased with no death confirmed (charged nothing: the date of death
    decides which dues they lived through, B 29.2), with why."""

    dues: dict[uuid.UUID, list[T]]
    unconfirmed: dict[uuid.UUID, str]


async def fee_dues_for_life(
    session: AsyncSession, dues: dict[uuid.UUID, list[T]], due_on: Callable[[T], date]
) -> DuesForLife[T]:
    """The fee run's door (R-FEE, seed 002 B 6.4): each client's dues but those falling due
    after their confirmed death (``rules.fee_due_for_life``); a client recorded
    DECEASED_WINDING_UP with no confirmed death is charged nothing, as every other door pays
    nothing for them (``refuse_spending_after_death``)."""
    died = await repository.confirmed_death_dates(session, list(dues))
    records = await clients.as_they_stand(session, [c for c in dues if c not in died])
    unconfirmed = {
        c: rules.UNRECORDED_DEATH
        for c, r in records.items()
        if r.details.situation is Situation.DECEASED_WINDING_UP
    }
    return DuesForLife(
        {
            c: [d for d in ds if rules.fee_due_for_life(due_on(d), died.get(c))]
            for c, ds in dues.items()
            if c not in unconfirmed
        },
        unconfirmed,
    )


def repayment_basis_if_deceased(died_on: date | None) -> WindingUpBasis | None:
    """A repayment the service makes itself (temporary assistance back to the council) names the
    REPAYMENT basis once the client's death is confirmed, none while they live."""
    return WindingUpBasis.REPAYMENT if died_on is not None else None


async def refuse_spending_after_death(
    session: AsyncSession,
    client_id: uuid.UUID,
    basis: WindingUpBasis | None = None,
    *,
    standing: bool = False,
    invoice_date: date | None = None,
    commits_new_money: bool = False,
) -> None:
    """ClientDeceased (CLIENT_DECEASED) when the client's death is confirmed and this money may
    not leave or be committed (``rules.spending_problem``); a winding-up basis given for a living
    client is a ValidationFailed on ``winding_up_basis``. The caller holds the client's or the
    aggregate's lock; the check reads the death in the caller's transaction."""
    died_on, situation = await repository.death_and_situation(session, client_id)
    if died_on is None and situation == Situation.DECEASED_WINDING_UP.value:
        # Recorded DECEASED_WINDING_UP (a caseload import, an amendment) with no confirmed
        # death: nothing leaves until the death is recorded and confirmed, whose date rules
        # what winding up pays (seed 002 B 29.2).
        raise ClientDeceased(rules.UNRECORDED_DEATH, None)
    problem = rules.spending_problem(
        died_on,
        basis,
        standing=standing,
        invoice_date=invoice_date,
        commits_new_money=commits_new_money,
    )
    if problem is None:
        if basis is WindingUpBasis.ESTATE:  # the fee first, at every step (R-FEE-5, R-DEATH-3)
            await refuse_estate_before_wind_up_fee(session, client_id)
        return
    if died_on is None:
        raise ValidationFailed({"winding_up_basis": problem})
    raise ClientDeceased(problem, died_on)


async def outstanding_before_fee(
    session: AsyncSession, client_id: uuid.UUID, died_on: date, *, but_the_estate: bool = False
) -> list[str]:
    """What must be discharged before the wind-up fee is taken, and so before the estate
    (R-FEE-5, B 29.4): every invoice dated up to and including the date of death neither paid
    nor cancelled (the client's debts, B 29.2, R-DEBT), temporary assistance the council paid and
    not repaid in full (a debt to the council, B 4.6), and every payment raised or approved and
    not yet made (``but_the_estate``: other than an estate payment, for the estate's own check).
    An invoice dated after the death is queried (R-DEATH-2), not the client's debt: it does not
    hold the fee."""
    out = [
        f"invoice {r.supplier_invoice_number} of {r.invoice_date.isoformat()} for "
        f"{format_money(r.amount)} is {r.status}"
        for r in await repository.invoices_due_by(session, client_id, died_on)
    ]
    out += [
        f"temporary assistance the council paid ({r.purpose!r}): "
        f"{format_money(r.amount - int(r.repaid))} of {format_money(r.amount)} not repaid "
        "(recordTemporaryAssistanceRepayment)"
        for r in await repository.assistance_owed(session, client_id)
    ]
    out += [
        f"payment {r.description!r} for {format_money(r.amount)} is {r.status}, not yet made"
        for r in await repository.payments_open(session, client_id)
        if not (but_the_estate and r.winding_up_basis == WindingUpBasis.ESTATE.value)
    ]
    # A benefit overpayment whose repayment was cancelled is owed and no longer held
    # (R-DEATH-2): request it again or release it first. One still held is protected by its hold.
    out += [
        f"benefit overpayment of {format_money(v.row.amount_flagged)} is {v.status.value} "
        "and not held: request its repayment again or release it"
        for v in await overpayment_reads.outstanding(session, client_id)
        if v.held_now == 0 and v.status is OverpaymentStatus.REPAYMENT_CANCELLED
    ]
    return out


async def refuse_estate_before_wind_up_fee(session: AsyncSession, client_id: uuid.UUID) -> None:
    """The estate's door (asked by ``refuse_spending_after_death`` on the ESTATE basis, at the
    payment's raising, approval and making): nothing goes to an
    executor, next of kin or the Treasury Solicitor before the wind-up fee is taken (R-FEE-5,
    R-DEATH-3, B 29.4). InvalidState while the client's death is confirmed and no fee charged,
    or while a benefit overpayment is outstanding (R-DEATH-2: neither repaid nor released)."""
    if await repository.confirmed_death_date(session, client_id) is None:
        return
    if not await repository.wind_up_fees_of_clients(session, [client_id]):
        raise InvalidState(
            "the wind-up fee is taken before anything is paid to an executor, next of kin or "
            "the Treasury Solicitor (R-FEE-5, R-DEATH-3): charge it first (chargeWindUpFee)"
        )
    owed = await overpayment_reads.outstanding(session, client_id)
    if owed:  # benefits overpaid are repaid before the estate is paid (R-DEATH-2, B 29.2)
        raise InvalidState(
            f"{len(owed)} benefit overpayment(s) are outstanding (R-DEATH-2, B 29.2): have "
            "them repaid on the agency's request or released before the estate is paid"
        )
    # Every debt to the death, judged again where the money moves (approved, made): a debt
    # found after the estate was raised is paid first (R-DEATH-2, R-DEATH-3).
    died_on = await repository.confirmed_death_date(session, client_id)
    assert died_on is not None
    debts = await outstanding_before_fee(session, client_id, died_on, but_the_estate=True)
    if debts:
        raise InvalidState(
            "the estate is paid only after every debt to the death and every other payment "
            "(R-DEATH-2, R-DEATH-3, B 29.4); outstanding: " + "; ".join(debts)
        )

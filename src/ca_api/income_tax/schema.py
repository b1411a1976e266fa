"""GraphQL of a client's income tax (issue 14 item 6; R-CARE-6, seed 002 B 19): thin. Officers
and audit read a client's tax year and the caseload's returns; casework records a return
filed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.appointee_applications.inputs import DeadlineState, DeadlineStateFilter
from ca_api.auth.permissions import INCOME_TAX_READ, TAX_RETURN_RECORD, allow
from ca_api.clients.schema import readable_client_id
from ca_api.common import deadlines as deadline_clock
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.income_tax import service
from ca_api.income_tax.types import IncomeTaxYear

TaxYearArgument = Annotated[
    int,
    strawberry.argument(
        description="The tax year, named by the year it starts (2025: 6 April 2025 to 5 April "
        "2026); from 2015, not one yet to begin."
    ),
]


@strawberry.type(description="A client's tax year as the mutation left it.")
class TaxReturnPayload:
    income_tax: IncomeTaxYear = strawberry.field(description="The client's tax year.")
    replayed: bool = replayed_field()


@strawberry.input(
    description="A client's tax return recorded filed (seed 002 B 19.1, R-CARE-6), and the key."
)
class RecordTaxReturnFiledInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    tax_year: int = strawberry.field(
        description="The tax year, named by the year it starts; one that has ended."
    )
    filed_on: date = strawberry.field(
        description="The day filed with HMRC: after the tax year ended, not in the future."
    )
    reference: str | None = strawberry.field(
        default=None, description="HMRC's submission reference."
    )
    tax_due: Money | None = strawberry.field(
        default=None,
        description="The tax due the return showed (not negative; a repayment is a receipt).",
    )
    advised_by: str | None = strawberry.field(
        default=None, description="The professional tax adviser consulted, if any (B 19.2)."
    )
    corrects_tax_return_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A correction of the year's filing (a taxReturnId of it): a new record "
        "supersedes the current one (R-AUD-2); null: the return newly filed.",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why it corrects the record (required with a correction)."
    )
    idempotency_key: str = idempotency_key_field()


RecordTaxReturnFiledResult = Annotated[
    TaxReturnPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordTaxReturnFiledResult",
        description="The client's tax year with the return filed, or why not: a tax year not "
        "ended or before 2015, filed before the year ended or in the future, a negative tax "
        "due, a correction without its reason, the year's return recorded filed already "
        "(INVALID_STATE: correct it instead).",
    ),
]


@strawberry.type(
    description="A client's tax return for the year on the caseload's list: due on the day "
    "the year's return is due, and whether it was filed in time."
)
class TaxReturnDeadline:
    d: strawberry.Private[service.ReturnDeadline]

    @strawberry.field(description="The client's tax year.")
    def income_tax(self) -> IncomeTaxYear:
        return IncomeTaxYear.of(self.d.view)

    @strawberry.field(description="The day the return is due.")
    def due_on(self) -> date:
        return self.d.due_on

    @strawberry.field(description="DUE, MET or MISSED, as of today.")
    def state(self) -> DeadlineState:
        return self.d.state


@strawberry.type
class IncomeTaxQuery:
    @strawberry.field(
        extensions=allow(INCOME_TAX_READ),
        description="A client's income tax for a tax year (issue 14 item 6; R-CARE-6, seed 002 "
        "B 19): taxable income from the ledger by OPG category, whether a return is needed, "
        "when due and filed, tax paid and refunded. NOT_FOUND for a client the caller may not "
        "read.",
    )
    async def income_tax(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
        tax_year: TaxYearArgument,
    ) -> IncomeTaxYear:
        cid = await readable_client_id(info.context, client_id)
        return IncomeTaxYear.of(await service.tax_year_of(info.context.session, cid, tax_year))

    @strawberry.field(
        extensions=[Paged(25), *allow(INCOME_TAX_READ)],
        description="The caseload's tax returns for a year (R-CARE-6): every client whose "
        "return is needed or was filed, soonest due first; state DUE or MISSED lists those "
        "outstanding, MET those filed in time.",
    )
    async def tax_returns(
        self,
        info: Info[Context, None],
        page: Page,
        tax_year: TaxYearArgument,
        state: DeadlineStateFilter = None,
    ) -> Connection[TaxReturnDeadline]:
        return await deadline_clock.connection(
            page,
            lambda seek: service.return_deadlines(
                info.context.session, tax_year, state=state, seek=seek
            ),
            lambda d: TaxReturnDeadline(d=d),
        )


@strawberry.type
class IncomeTaxMutation:
    @strawberry.mutation(
        extensions=allow(TAX_RETURN_RECORD),
        description="Record a client's tax return filed for a tax year (seed 002 B 19.1, "
        "R-CARE-6): when, HMRC's reference, the tax due it showed, the adviser (B 19.2); once "
        "per client and year. With correctsTaxReturnId: a correction, a new record with the "
        "reason (R-AUD-2). Accepted after the client's death too (the final year's return). "
        "Tax due is paid through payments (OUT_TAX), a refund is a receipt (IN_REFUNDS).",
    )
    async def record_tax_return_filed(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordTaxReturnFiledInput, strawberry.argument(description="The return, the key.")
        ],
    ) -> RecordTaxReturnFiledResult:
        done = await as_caller(
            info,
            service.record_filing,
            decode_uuid("Client", input.client_id),
            tax_year=input.tax_year,
            filed_on=input.filed_on,
            reference=input.reference,
            tax_due=int(input.tax_due) if input.tax_due is not None else None,
            advised_by=input.advised_by,
            corrects_id=decode_uuid("TaxReturn", input.corrects_tax_return_id)
            if input.corrects_tax_return_id is not None
            else None,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return TaxReturnPayload(income_tax=IncomeTaxYear.of(done.view), replayed=done.replayed)

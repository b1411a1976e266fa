"""GraphQL types and enums of a client's income tax, without the queries
(``income_tax/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money, money_or_none
from ca_api.common.types import graphql_enum
from ca_api.income_tax import rules
from ca_api.income_tax.models import TaxReturnFiling as FilingRow
from ca_api.income_tax.service import TaxYearView
from ca_api.ledger.vocabulary import Category

TaxReturnReason = rules.ReturnReason
graphql_enum(
    TaxReturnReason,
    "Why a client's tax return is needed for the year (R-CARE-6, seed 002 B 19.1 'where "
    "relevant'; the figures are policy data in force on the year's first day).",
    {
        TaxReturnReason.INCOME_OVER_PERSONAL_ALLOWANCE: "The year's taxable income is over the "
        "personal allowance (policy figure income_tax_personal_allowance).",
        TaxReturnReason.RENT_OVER_PROPERTY_ALLOWANCE: "Rent received is over the property "
        "allowance (policy figure income_tax_property_allowance): untaxed income to declare.",
    },
)
TaxReturnState = rules.ReturnState
graphql_enum(
    TaxReturnState,
    "A client's tax return for a year, as of today.",
    {
        TaxReturnState.NOT_NEEDED: "No return is needed and none was filed.",
        TaxReturnState.DUE: "Needed, not filed, the due date today or later.",
        TaxReturnState.MET: "Filed on or before the due date.",
        TaxReturnState.MISSED: "Filed after the due date, or not filed and the due date passed.",
    },
)


@strawberry.type(description="Taxable income of one OPG category in the tax year (R-OPG-1).")
class TaxableIncome:
    category: Category = strawberry.field(
        description="IN_STATE_PENSION, IN_PRIVATE_PENSION, IN_INTEREST, IN_DIVIDENDS or IN_RENT."
    )
    amount: Money = strawberry.field(
        description="Received in the year (value date 6 April to 5 April), net of reversals."
    )


@strawberry.type(
    description="A record of a client's tax return filed (seed 002 B 19). Never changed: a "
    "correction is a new record that supersedes it (R-AUD-2)."
)
class TaxReturnFiling:
    tax_return_id: strawberry.ID = strawberry.field(
        description="This record's id (correctsTaxReturnId takes it)."
    )
    filed_on: date = strawberry.field(description="The day the return was filed with HMRC.")
    reference: str | None = strawberry.field(description="HMRC's submission reference.")
    tax_due: Money | None = strawberry.field(
        description="The tax due the return showed; null: not given. Paid by a payment "
        "(OUT_TAX), as B 19.1 says tax due is taken from the client's income."
    )
    advised_by: str | None = strawberry.field(
        description="The professional tax adviser consulted (B 19.2); null: none."
    )
    reason: str | None = strawberry.field(description="Why it corrects the one before; null.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: FilingRow) -> TaxReturnFiling:
        return cls(
            tax_return_id=node_id("TaxReturn", row.id),
            filed_on=row.filed_on,
            reference=row.reference,
            tax_due=money_or_none(row.tax_due),
            advised_by=row.advised_by,
            reason=row.reason,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="A client's income tax for one tax year, 6 April to 5 April (R-CARE-6, seed "
    "002 B 19): the taxable income from the ledger, whether a return is needed, when it is due "
    "and was filed, and the tax paid and refunded through the ledger. Read from the ledger as "
    "it stands: never stored."
)
class IncomeTaxYear:
    client_id: strawberry.ID = strawberry.field(description="The client's id.")
    tax_year: int = strawberry.field(
        description="The tax year, named by the year it starts (2025: 2025-26)."
    )
    label: str = strawberry.field(description="The tax year as HMRC names it: 2025-26.")
    starts_on: date = strawberry.field(description="Its first day: 6 April.")
    ends_on: date = strawberry.field(description="Its last day: 5 April.")
    taxable_income: list[TaxableIncome] = strawberry.field(
        description="The taxable income received, per OPG category (pensions, interest, "
        "dividends and investment income, rent); categories with none are left out. Benefits "
        "(IN_BENEFITS) are not counted."
    )
    total_taxable_income: Money = strawberry.field(description="The year's taxable income in all.")
    personal_allowance: Money = strawberry.field(
        description="The personal allowance in force on the year's first day."
    )
    property_allowance: Money | None = strawberry.field(
        description="The property allowance in force on the year's first day; null before "
        "there was one (2017-18)."
    )
    return_needed: bool = strawberry.field(
        description="Whether a return is needed for the year (B 19.1)."
    )
    return_needed_because: list[TaxReturnReason] = strawberry.field(
        description="Why it is needed; empty when it is not."
    )
    return_due_on: date = strawberry.field(
        description="The day the return is due (policy figure tax_return_due_days_after_year_"
        "end after 5 April: 31 January)."
    )
    return_state: TaxReturnState = strawberry.field(
        description="NOT_NEEDED, or the return's clock: DUE, MET, MISSED."
    )
    filed_on: date | None = strawberry.field(
        description="The day the return was filed, as its record stands; null."
    )
    filing: TaxReturnFiling | None = strawberry.field(
        description="The return's filing as it stands; null: not filed."
    )
    filing_history: list[TaxReturnFiling] = strawberry.field(
        description="Every record of the filing, oldest first (R-AUD-2)."
    )
    tax_paid: Money = strawberry.field(
        description="Tax paid through the ledger in the year (OUT_TAX payments with a value "
        "date in it, net of reversals); tax for the year may be paid in the next."
    )
    tax_refunded: Money = strawberry.field(
        description="Tax refunded through the ledger in the year: receipts of IN_REFUNDS from "
        "a counterparty the clients' tax is paid to (OUT_TAX), net of reversals."
    )

    @classmethod
    def of(cls, v: TaxYearView) -> IncomeTaxYear:
        current = v.current
        return cls(
            client_id=node_id("Client", v.client_id),
            tax_year=v.tax_year,
            label=rules.label(v.tax_year),
            starts_on=rules.starts_on(v.tax_year),
            ends_on=rules.ends_on(v.tax_year),
            taxable_income=[
                TaxableIncome(category=c, amount=Money(v.income[c]))
                for c in rules.TAXABLE
                if v.income.get(c, 0) != 0
            ],
            total_taxable_income=Money(v.total_taxable),
            personal_allowance=Money(v.figures.personal_allowance),
            property_allowance=money_or_none(v.figures.property_allowance),
            return_needed=v.needed,
            return_needed_because=v.reasons,
            return_due_on=v.due_on,
            return_state=v.state,
            filed_on=v.filed_on,
            filing=TaxReturnFiling.of(current) if current is not None else None,
            filing_history=[TaxReturnFiling.of(r) for r in v.filings],
            tax_paid=Money(v.tax_paid),
            tax_refunded=Money(v.tax_refunded),
        )

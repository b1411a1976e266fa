"""The ledger's GraphQL vocabulary, described once in the council's words: its enums, every
value described (``ledger.rules`` holds them as the rules use them; other modules describe the
enums of their rules with ``described_enum`` too), and the arguments every page and every
retried mutation of the money modules take."""

from __future__ import annotations

import enum
from typing import TypeVar

from ca_api.common.types import graphql_enum
from ca_api.ledger import rules

AccountKind = rules.AccountKind
TransferKind = rules.TransferKind
Category = rules.Category
CounterpartyKind = rules.CounterpartyKind
Benefit = rules.Benefit
E = TypeVar("E", bound=enum.Enum)


graphql_enum(
    AccountKind,
    "Which of a client's accounts, or a counterparty's (every pound of a client is in an "
    "account of their own, R-ACC-2).",
    {
        AccountKind.CLIENT_CMS: "The client's own account in the council's Client Monies "
        "Service (R-ACC-1): where benefits and other money come in and bills are paid from.",
        AccountKind.CLIENT_COURT_FUNDS: "The client's money lodged with the Court Funds Office "
        "special account (R-INV-2).",
        AccountKind.CLIENT_PLACEMENT: "The client's money placed with an approved institution "
        "(R-INV-4).",
        AccountKind.CLIENT_CASH: "Cash held for the client: the weekly cash card and "
        "emergency cash (R-ACC-3, R-ACC-5).",
        AccountKind.COUNTERPARTY: "A counterparty's account: the DWP, a supplier, a care "
        "provider, the council, the bank; money from or to outside the client's own accounts.",
    },
)
graphql_enum(
    TransferKind,
    "Posted money, a hold, or a hold posted or voided.",
    {
        TransferKind.POSTED: "Money moved.",
        TransferKind.PENDING: "A hold: money reserved for an approved payment, not yet moved "
        "(the available balance is lower, R-PAY-3).",
        TransferKind.POST_PENDING: "A hold made good: the reserved money moved.",
        TransferKind.VOID_PENDING: "A hold released: nothing moved.",
    },
)
_OPG_CATEGORY = {
    Category.IN_STATE_PENSION: "Money in: the state pension.",
    Category.IN_BENEFITS: "Money in: state benefits other than the state pension (R-ACC-6).",
    Category.IN_PRIVATE_PENSION: "Money in: a private or occupational pension.",
    Category.IN_INTEREST: "Money in: interest (the CMS account's, R-ACC-1, or the Court Funds "
    "Office's).",
    Category.IN_DIVIDENDS: "Money in: dividends.",
    Category.IN_RENT: "Money in: rent from the client's property.",
    Category.IN_SALE_OF_ASSETS: "Money in: the sale of the client's assets.",
    Category.IN_GIFTS_RECEIVED: "Money in: gifts to the client.",
    Category.IN_REFUNDS: "Money in: refunds.",
    Category.IN_SALARY_OR_WAGES: "Money in: the client's salary or wages.",
    Category.IN_COMPENSATION: "Money in: a compensation or damages award.",
    Category.IN_BEQUEST_OR_INHERITANCE: "Money in: a bequest or inheritance.",
    Category.IN_SALE_OF_INVESTMENTS: "Money in: the sale of the client's investments (stocks, "
    "shares, bonds, fund accounts).",
    Category.IN_SALE_OF_PROPERTY: "Money in: the sale of the client's property (a house or land).",
    Category.IN_OTHER: "Money in: anything else.",
    Category.OUT_CARE_FEES: "Money out: care fees paid to a care provider.",
    Category.OUT_LOCAL_AUTHORITY_CARE_CHARGES: "Money out: the council's own care charges.",
    Category.OUT_ELECTRICITY: "Money out: electricity.",
    Category.OUT_GAS: "Money out: gas.",
    Category.OUT_WATER: "Money out: water.",
    Category.OUT_TELEPHONE_AND_BROADBAND: "Money out: telephone and broadband.",
    Category.OUT_COUNCIL_TAX: "Money out: council tax.",
    Category.OUT_TV_LICENCE: "Money out: the TV licence.",
    Category.OUT_INSURANCE: "Money out: insurance.",
    Category.OUT_OTHER_HOUSEHOLD_BILLS: "Money out: other household bills.",
    Category.OUT_ACCOMMODATION: "Money out: rent, mortgage or other accommodation costs.",
    Category.OUT_PERSONAL_ALLOWANCE: "Money out: the client's personal allowance.",
    Category.OUT_OPG_FEES: "Money out: fees of the Office of the Public Guardian.",
    Category.OUT_DEPUTY_FEES: "Money out: the council's fees as deputy or appointee.",
    Category.OUT_DEPUTY_EXPENSES: "Money out: the deputy's expenses.",
    Category.OUT_INVESTMENT_PURCHASES: "Money out: investments bought.",
    Category.OUT_TAX: "Money out: tax.",
    Category.OUT_GIFTS: "Money out: gifts made for the client (never to a council employee, "
    "R-ROLE-3).",
    Category.OUT_MEDICAL_EXPENSES: "Money out: medical expenses (glasses, the dentist, chiropody).",
    Category.OUT_MEDICAL_INSURANCE: "Money out: medical insurance.",
    Category.OUT_FOOD: "Money out: food.",
    Category.OUT_PROPERTY_MAINTENANCE: "Money out: maintenance and improvement of the "
    "client's property.",
    Category.OUT_CLIENT_TRANSPORT: "Money out: the client's transport (bus, train and taxi fares).",
    Category.OUT_CLOTHES: "Money out: clothes.",
    Category.OUT_DAY_TRIPS: "Money out: day trips.",
    Category.OUT_HOLIDAYS: "Money out: holidays.",
    Category.OUT_TOILETRIES: "Money out: toiletries.",
    Category.OUT_PET_CARE: "Money out: the client's pets (vet fees, pet food); the OPG has no "
    "category of its own for it and reports it as anything else paid out.",
    Category.OUT_PROFESSIONAL_FEES: "Money out: professional fees (a solicitor, an "
    "accountant), never the council's own deputy fees.",
    Category.OUT_PURCHASE_OVER_1000: "Money out: another purchase over £1,000.",
    Category.OUT_BANK_CHARGES: "Money out: bank charges.",
    Category.OUT_LOAN_REPAYMENTS: "Money out: repayments of a loan.",
    Category.OUT_UNPAID_CARE_FEES: "Money out: care fees left unpaid from an earlier period, "
    "paid now.",
    Category.OUT_CASH_WITHDRAWN: "Money out: cash withdrawn for the client outside the "
    "council's own accounts.",
    Category.OUT_OTHER: "Money out: anything else.",
    Category.TRANSFER_BETWEEN_OWN_ACCOUNTS: "Between the client's own accounts (a lodgement, "
    "a placement, cash drawn): neither money in nor money out.",
}
graphql_enum(
    Category,
    "The OPG annual report's money-in and money-out categories: every ledger entry carries "
    "one (R-OPG-1).",
    _OPG_CATEGORY,
)
graphql_enum(
    CounterpartyKind,
    "Who a counterparty is: where money comes from or goes to outside the client's own accounts.",
    {
        CounterpartyKind.DWP: "The Department for Work and Pensions: benefits and the state "
        "pension (R-ACC-6).",
        CounterpartyKind.PENSION_PAYER: "A private or occupational pension payer.",
        CounterpartyKind.SUPPLIER: "A supplier of goods or services billed to the client.",
        CounterpartyKind.CARE_PROVIDER: "A care home or care provider.",
        CounterpartyKind.COUNCIL: "The council itself (its care charges and fees).",
        CounterpartyKind.BANK: "The bank of the Client Monies Service (interest, R-ACC-1).",
        CounterpartyKind.COURT_FUNDS_OFFICE: "The Court Funds Office (lodgements, R-INV-2).",
        CounterpartyKind.INSTITUTION: "An approved institution that takes placements (R-INV-4).",
        CounterpartyKind.OPG: "The Office of the Public Guardian.",
        CounterpartyKind.OTHER: "Anyone else.",
    },
)
graphql_enum(
    Benefit,
    "State benefits, each recorded separately against the client (R-ACC-6).",
    {
        Benefit.STATE_PENSION: "The state pension (money-in category IN_STATE_PENSION; every "
        "other benefit is IN_BENEFITS).",
        Benefit.PENSION_CREDIT: "Pension Credit, topping up a low state pension.",
        Benefit.ATTENDANCE_ALLOWANCE: "Attendance Allowance: care needs over state pension age.",
        Benefit.DISABILITY_LIVING_ALLOWANCE: "Disability Living Allowance (care and mobility).",
        Benefit.PERSONAL_INDEPENDENCE_PAYMENT: "Personal Independence Payment (daily living "
        "and mobility).",
        Benefit.EMPLOYMENT_AND_SUPPORT_ALLOWANCE: "Employment and Support Allowance.",
        Benefit.INCAPACITY_BENEFIT: "Incapacity Benefit (still paid to some older claimants).",
        Benefit.INCOME_SUPPORT: "Income Support.",
        Benefit.UNIVERSAL_CREDIT: "Universal Credit.",
        Benefit.HOUSING_BENEFIT: "Housing Benefit, towards the client's rent.",
        Benefit.CARERS_ALLOWANCE: "Carer's Allowance.",
        Benefit.WINTER_FUEL_PAYMENT: "The yearly Winter Fuel Payment.",
        Benefit.OTHER: "Another state benefit.",
    },
)

"""The ledger's categories mapped to the OPG's (issue 15, R-OPG-1). Pure: no I/O.

Every ledger entry carries a ``Category`` (R-OPG-1); the OPG's digital service (the deputy
report) has its own money-in and money-out categories, each in a group. ``OPG_CATEGORY`` maps
every ledger category but ``TRANSFER_BETWEEN_OWN_ACCOUNTS`` (its own section of the report) to
the OPG's; ``opg_category`` splits state benefits by benefit. The table, and why each line is
what it is, is written out in ``docs/opg_categories.md`` (a test keeps the two the same).

Where the OPG has no category of its own (pet care), the entry is reported as the OPG's
"anything else paid out". Deputy fees, deputy expenses and gifts have sections of their own in
the report (``section``): the OPG checks opening + in - out - deputy fees - expenses - gifts =
closing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ca_api.ledger.rules import Benefit, Category

Direction = Literal["in", "out"]
Section = Literal["money", "deputy_fees", "deputy_expenses", "gifts"]


@dataclass(frozen=True)
class OpgCategory:
    """One of the OPG digital service's money categories, and where its report puts it."""

    id: str  # the OPG digital service's category id, e.g. "care-fees"
    group: str  # its group, e.g. "care-and-medical", "household-bills", "moneyout-other"
    direction: Direction
    section: Section  # where the OPG report puts it


# The OPG digital service's categories: id -> (group, direction), in the service's own order.
OPG_IDS: Mapping[str, tuple[str, Direction]] = MappingProxyType(
    {
        "salary-or-wages": ("salary-or-wages", "in"),
        "account-interest": ("income-and-earnings", "in"),
        "dividends": ("income-and-earnings", "in"),
        "income-from-property-rental": ("income-and-earnings", "in"),
        "personal-pension": ("pensions", "in"),
        "state-pension": ("pensions", "in"),
        "attendance-allowance": ("state-benefits", "in"),
        "disability-living-allowance": ("state-benefits", "in"),
        "employment-support-allowance": ("state-benefits", "in"),
        "housing-benefit": ("state-benefits", "in"),
        "incapacity-benefit": ("state-benefits", "in"),
        "income-support": ("state-benefits", "in"),
        "pension-credit": ("state-benefits", "in"),
        "personal-independence-payment": ("state-benefits", "in"),
        "universal-credit": ("state-benefits", "in"),
        "winter-fuel-cold-weather-payment": ("state-benefits", "in"),
        "other-benefits": ("state-benefits", "in"),
        "compensation-or-damages-award": ("compensation-or-damages-award", "in"),
        "bequest-or-inheritance": ("one-off", "in"),
        "cash-gift-received": ("one-off", "in"),
        "refunds": ("one-off", "in"),
        "sale-of-asset": ("one-off", "in"),
        "sale-of-investment": ("one-off", "in"),
        "sale-of-property": ("one-off", "in"),
        "anything-else": ("moneyin-other", "in"),
        "care-fees": ("care-and-medical", "out"),
        "local-authority-charges-for-care": ("care-and-medical", "out"),
        "medical-expenses": ("care-and-medical", "out"),
        "medical-insurance": ("care-and-medical", "out"),
        "broadband": ("household-bills", "out"),
        "council-tax": ("household-bills", "out"),
        "telephone-and-broadband": ("household-bills", "out"),
        "dual-fuel": ("household-bills", "out"),
        "electricity": ("household-bills", "out"),
        "food": ("household-bills", "out"),
        "gas": ("household-bills", "out"),
        "insurance-eg-life-home-contents": ("household-bills", "out"),
        "property-maintenance-improvement": ("household-bills", "out"),
        "telephone": ("household-bills", "out"),
        "tv-services": ("household-bills", "out"),
        "water": ("household-bills", "out"),
        "households-bills-other": ("household-bills", "out"),
        "accommodation-service-charge": ("accommodation", "out"),
        "mortgage": ("accommodation", "out"),
        "rent": ("accommodation", "out"),
        "accommodation-other": ("accommodation", "out"),
        "client-transport-bus-train-taxi-fares": ("client-expenses", "out"),
        "clothes": ("client-expenses", "out"),
        "day-trips": ("client-expenses", "out"),
        "holidays": ("client-expenses", "out"),
        "personal-allowance-pocket-money": ("client-expenses", "out"),
        "toiletries": ("client-expenses", "out"),
        "deputy-security-bond": ("fees", "out"),
        "opg-fees": ("fees", "out"),
        "professional-fees-eg-solicitor-accountant": ("fees", "out"),
        "deputy-fees-and-expenses": ("fees", "out"),
        "investment-bonds-purchased": ("major-purchases", "out"),
        "investment-account-purchased": ("major-purchases", "out"),
        "stocks-and-shares-purchased": ("major-purchases", "out"),
        "purchase-over-1000": ("major-purchases", "out"),
        "bank-charges": ("debt-and-charges", "out"),
        "credit-cards-charges": ("debt-and-charges", "out"),
        "loans": ("debt-and-charges", "out"),
        "tax-payments-to-hmrc": ("debt-and-charges", "out"),
        "unpaid-care-fees": ("debt-and-charges", "out"),
        "cash-withdrawn": ("moving-money", "out"),
        "transfers-out-to-other-accounts": ("moving-money", "out"),
        "anything-else-paid-out": ("moneyout-other", "out"),
    }
)


def _opg(opg_id: str, section: Section = "money") -> OpgCategory:
    group, direction = OPG_IDS[opg_id]
    return OpgCategory(id=opg_id, group=group, direction=direction, section=section)


C = Category
OPG_CATEGORY: Mapping[Category, OpgCategory] = MappingProxyType(
    {
        # money in
        C.IN_STATE_PENSION: _opg("state-pension"),
        C.IN_BENEFITS: _opg("other-benefits"),  # split by benefit: opg_category
        C.IN_PRIVATE_PENSION: _opg("personal-pension"),
        C.IN_INTEREST: _opg("account-interest"),
        C.IN_DIVIDENDS: _opg("dividends"),
        C.IN_RENT: _opg("income-from-property-rental"),
        C.IN_SALE_OF_ASSETS: _opg("sale-of-asset"),
        C.IN_GIFTS_RECEIVED: _opg("cash-gift-received"),
        C.IN_REFUNDS: _opg("refunds"),
        C.IN_SALARY_OR_WAGES: _opg("salary-or-wages"),
        C.IN_COMPENSATION: _opg("compensation-or-damages-award"),
        C.IN_BEQUEST_OR_INHERITANCE: _opg("bequest-or-inheritance"),
        C.IN_SALE_OF_INVESTMENTS: _opg("sale-of-investment"),
        C.IN_SALE_OF_PROPERTY: _opg("sale-of-property"),
        C.IN_OTHER: _opg("anything-else"),
        # money out
        C.OUT_CARE_FEES: _opg("care-fees"),
        C.OUT_LOCAL_AUTHORITY_CARE_CHARGES: _opg("local-authority-charges-for-care"),
        C.OUT_ELECTRICITY: _opg("electricity"),
        C.OUT_GAS: _opg("gas"),
        C.OUT_WATER: _opg("water"),
        C.OUT_TELEPHONE_AND_BROADBAND: _opg("telephone-and-broadband"),
        C.OUT_COUNCIL_TAX: _opg("council-tax"),
        C.OUT_TV_LICENCE: _opg("tv-services"),
        C.OUT_INSURANCE: _opg("insurance-eg-life-home-contents"),
        C.OUT_OTHER_HOUSEHOLD_BILLS: _opg("households-bills-other"),
        C.OUT_ACCOMMODATION: _opg("accommodation-other"),
        C.OUT_PERSONAL_ALLOWANCE: _opg("personal-allowance-pocket-money"),
        C.OUT_OPG_FEES: _opg("opg-fees"),
        C.OUT_DEPUTY_FEES: _opg("deputy-fees-and-expenses", "deputy_fees"),
        C.OUT_DEPUTY_EXPENSES: _opg("deputy-fees-and-expenses", "deputy_expenses"),
        C.OUT_INVESTMENT_PURCHASES: _opg("investment-account-purchased"),
        C.OUT_TAX: _opg("tax-payments-to-hmrc"),
        # The OPG reports gifts in a section of their own, not as a money-out category: the id
        # is what a single money-out line would carry.
        C.OUT_GIFTS: _opg("anything-else-paid-out", "gifts"),
        C.OUT_MEDICAL_EXPENSES: _opg("medical-expenses"),
        C.OUT_MEDICAL_INSURANCE: _opg("medical-insurance"),
        C.OUT_FOOD: _opg("food"),
        C.OUT_PROPERTY_MAINTENANCE: _opg("property-maintenance-improvement"),
        C.OUT_CLIENT_TRANSPORT: _opg("client-transport-bus-train-taxi-fares"),
        C.OUT_CLOTHES: _opg("clothes"),
        C.OUT_DAY_TRIPS: _opg("day-trips"),
        C.OUT_HOLIDAYS: _opg("holidays"),
        C.OUT_TOILETRIES: _opg("toiletries"),
        C.OUT_PET_CARE: _opg("anything-else-paid-out"),  # the OPG has no category of its own
        C.OUT_PROFESSIONAL_FEES: _opg("professional-fees-eg-solicitor-accountant"),
        C.OUT_PURCHASE_OVER_1000: _opg("purchase-over-1000"),
        C.OUT_BANK_CHARGES: _opg("bank-charges"),
        C.OUT_LOAN_REPAYMENTS: _opg("loans"),
        C.OUT_UNPAID_CARE_FEES: _opg("unpaid-care-fees"),
        C.OUT_CASH_WITHDRAWN: _opg("cash-withdrawn"),
        C.OUT_OTHER: _opg("anything-else-paid-out"),
    }
)

# IN_BENEFITS by the benefit received (R-ACC-6: each benefit recorded separately); a benefit
# the OPG does not name (Carer's Allowance, another) is "other-benefits".
BENEFIT_OPG_CATEGORY: Mapping[Benefit, OpgCategory] = MappingProxyType(
    {
        Benefit.STATE_PENSION: _opg("state-pension"),
        Benefit.PENSION_CREDIT: _opg("pension-credit"),
        Benefit.ATTENDANCE_ALLOWANCE: _opg("attendance-allowance"),
        Benefit.DISABILITY_LIVING_ALLOWANCE: _opg("disability-living-allowance"),
        Benefit.PERSONAL_INDEPENDENCE_PAYMENT: _opg("personal-independence-payment"),
        Benefit.EMPLOYMENT_AND_SUPPORT_ALLOWANCE: _opg("employment-support-allowance"),
        Benefit.INCAPACITY_BENEFIT: _opg("incapacity-benefit"),
        Benefit.INCOME_SUPPORT: _opg("income-support"),
        Benefit.UNIVERSAL_CREDIT: _opg("universal-credit"),
        Benefit.HOUSING_BENEFIT: _opg("housing-benefit"),
        Benefit.CARERS_ALLOWANCE: _opg("other-benefits"),
        Benefit.WINTER_FUEL_PAYMENT: _opg("winter-fuel-cold-weather-payment"),
        Benefit.OTHER: _opg("other-benefits"),
    }
)


def opg_category(category: Category, benefit: Benefit | None = None) -> OpgCategory | None:
    """The OPG category an entry of ``category`` is reported under (R-OPG-1): IN_BENEFITS by
    the receipt's ``benefit`` (ignored for any other category); None for
    TRANSFER_BETWEEN_OWN_ACCOUNTS, which the report lists in a section of its own."""
    if category is Category.IN_BENEFITS and benefit is not None:
        return BENEFIT_OPG_CATEGORY[benefit]
    return OPG_CATEGORY.get(category)

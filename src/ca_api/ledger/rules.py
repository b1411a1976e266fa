"""Pure ledger rules: account kinds, transfer kinds, the OPG categories (R-OPG-1) and which
direction each may move money in. No I/O."""

from __future__ import annotations

import enum

from ca_api.money import Pence


class AccountKind(enum.StrEnum):
    CLIENT_CMS = "CLIENT_CMS"  # the client's Client Monies Service sub-account (R-ACC-1)
    CLIENT_COURT_FUNDS = "CLIENT_COURT_FUNDS"  # lodged with the Court Funds Office (R-INV-2)
    CLIENT_PLACEMENT = "CLIENT_PLACEMENT"  # placed with an approved institution (R-INV-4)
    CLIENT_CASH = "CLIENT_CASH"  # cash held for the client (R-ACC-3, R-ACC-5)
    COUNTERPARTY = "COUNTERPARTY"  # DWP, suppliers, care providers, the council, the bank


CLIENT_KINDS = frozenset(k for k in AccountKind if k is not AccountKind.COUNTERPARTY)


class TransferKind(enum.StrEnum):
    POSTED = "POSTED"  # money moved
    PENDING = "PENDING"  # a hold: reserved, not yet moved
    POST_PENDING = "POST_PENDING"  # the hold made good: money moved
    VOID_PENDING = "VOID_PENDING"  # the hold released: nothing moved


# The kinds of transfer that move money, so change a posted balance and make a statement line
# (holds, PENDING and VOID_PENDING, reserve and release without moving any), as the values the
# database holds.
MONEY_MOVED = (TransferKind.POSTED.value, TransferKind.POST_PENDING.value)


class CounterpartyKind(enum.StrEnum):
    DWP = "DWP"
    PENSION_PAYER = "PENSION_PAYER"
    SUPPLIER = "SUPPLIER"
    CARE_PROVIDER = "CARE_PROVIDER"
    COUNCIL = "COUNCIL"
    BANK = "BANK"
    COURT_FUNDS_OFFICE = "COURT_FUNDS_OFFICE"
    INSTITUTION = "INSTITUTION"
    OPG = "OPG"
    OTHER = "OTHER"


class Category(enum.StrEnum):
    """The OPG annual report's money-in and money-out categories (R-OPG-1)."""

    # money in
    IN_STATE_PENSION = "IN_STATE_PENSION"
    IN_BENEFITS = "IN_BENEFITS"
    IN_PRIVATE_PENSION = "IN_PRIVATE_PENSION"
    IN_INTEREST = "IN_INTEREST"
    IN_DIVIDENDS = "IN_DIVIDENDS"
    IN_RENT = "IN_RENT"
    IN_SALE_OF_ASSETS = "IN_SALE_OF_ASSETS"
    IN_GIFTS_RECEIVED = "IN_GIFTS_RECEIVED"
    IN_REFUNDS = "IN_REFUNDS"
    IN_SALARY_OR_WAGES = "IN_SALARY_OR_WAGES"
    IN_COMPENSATION = "IN_COMPENSATION"
    IN_BEQUEST_OR_INHERITANCE = "IN_BEQUEST_OR_INHERITANCE"
    IN_SALE_OF_INVESTMENTS = "IN_SALE_OF_INVESTMENTS"
    IN_SALE_OF_PROPERTY = "IN_SALE_OF_PROPERTY"
    IN_OTHER = "IN_OTHER"
    # money out
    OUT_CARE_FEES = "OUT_CARE_FEES"
    OUT_LOCAL_AUTHORITY_CARE_CHARGES = "OUT_LOCAL_AUTHORITY_CARE_CHARGES"
    OUT_ELECTRICITY = "OUT_ELECTRICITY"
    OUT_GAS = "OUT_GAS"
    OUT_WATER = "OUT_WATER"
    OUT_TELEPHONE_AND_BROADBAND = "OUT_TELEPHONE_AND_BROADBAND"
    OUT_COUNCIL_TAX = "OUT_COUNCIL_TAX"
    OUT_TV_LICENCE = "OUT_TV_LICENCE"
    OUT_INSURANCE = "OUT_INSURANCE"
    OUT_OTHER_HOUSEHOLD_BILLS = "OUT_OTHER_HOUSEHOLD_BILLS"
    OUT_ACCOMMODATION = "OUT_ACCOMMODATION"
    OUT_PERSONAL_ALLOWANCE = "OUT_PERSONAL_ALLOWANCE"
    OUT_OPG_FEES = "OUT_OPG_FEES"
    OUT_DEPUTY_FEES = "OUT_DEPUTY_FEES"
    OUT_DEPUTY_EXPENSES = "OUT_DEPUTY_EXPENSES"
    OUT_INVESTMENT_PURCHASES = "OUT_INVESTMENT_PURCHASES"
    OUT_TAX = "OUT_TAX"
    OUT_GIFTS = "OUT_GIFTS"
    # issue 15: where the OPG distinguishes more than the categories above did
    OUT_MEDICAL_EXPENSES = "OUT_MEDICAL_EXPENSES"
    OUT_MEDICAL_INSURANCE = "OUT_MEDICAL_INSURANCE"
    OUT_FOOD = "OUT_FOOD"
    OUT_PROPERTY_MAINTENANCE = "OUT_PROPERTY_MAINTENANCE"
    OUT_CLIENT_TRANSPORT = "OUT_CLIENT_TRANSPORT"
    OUT_CLOTHES = "OUT_CLOTHES"
    OUT_DAY_TRIPS = "OUT_DAY_TRIPS"
    OUT_HOLIDAYS = "OUT_HOLIDAYS"
    OUT_TOILETRIES = "OUT_TOILETRIES"
    OUT_PET_CARE = "OUT_PET_CARE"
    OUT_PROFESSIONAL_FEES = "OUT_PROFESSIONAL_FEES"
    OUT_PURCHASE_OVER_1000 = "OUT_PURCHASE_OVER_1000"
    OUT_BANK_CHARGES = "OUT_BANK_CHARGES"
    OUT_LOAN_REPAYMENTS = "OUT_LOAN_REPAYMENTS"
    OUT_UNPAID_CARE_FEES = "OUT_UNPAID_CARE_FEES"
    OUT_CASH_WITHDRAWN = "OUT_CASH_WITHDRAWN"
    OUT_OTHER = "OUT_OTHER"
    # between the client's own accounts (lodgements, placements, cash drawn)
    TRANSFER_BETWEEN_OWN_ACCOUNTS = "TRANSFER_BETWEEN_OWN_ACCOUNTS"

    @property
    def money_in(self) -> bool:
        return self.value.startswith("IN_")

    @property
    def money_out(self) -> bool:
        return self.value.startswith("OUT_")


class Benefit(enum.StrEnum):
    """State benefits, recorded separately per benefit (R-ACC-6)."""

    STATE_PENSION = "STATE_PENSION"
    PENSION_CREDIT = "PENSION_CREDIT"
    ATTENDANCE_ALLOWANCE = "ATTENDANCE_ALLOWANCE"
    DISABILITY_LIVING_ALLOWANCE = "DISABILITY_LIVING_ALLOWANCE"
    PERSONAL_INDEPENDENCE_PAYMENT = "PERSONAL_INDEPENDENCE_PAYMENT"
    EMPLOYMENT_AND_SUPPORT_ALLOWANCE = "EMPLOYMENT_AND_SUPPORT_ALLOWANCE"
    INCAPACITY_BENEFIT = "INCAPACITY_BENEFIT"
    INCOME_SUPPORT = "INCOME_SUPPORT"
    UNIVERSAL_CREDIT = "UNIVERSAL_CREDIT"
    HOUSING_BENEFIT = "HOUSING_BENEFIT"
    CARERS_ALLOWANCE = "CARERS_ALLOWANCE"
    WINTER_FUEL_PAYMENT = "WINTER_FUEL_PAYMENT"
    OTHER = "OTHER"


def category_for_benefit(benefit: Benefit) -> Category:
    return Category.IN_STATE_PENSION if benefit is Benefit.STATE_PENSION else Category.IN_BENEFITS


def direction_problem(
    category: Category, from_kind: AccountKind, to_kind: AccountKind
) -> str | None:
    """Why ``category`` cannot label money moving between these kinds of account (None: it can).

    Money into a client account from outside is money in; out of it to outside is money out;
    between two client accounts it is a transfer between own accounts. Every pound is in one
    client's account or has left the system (R-ACC-2), so counterparty-to-counterparty is refused.
    """
    from_client, to_client = from_kind in CLIENT_KINDS, to_kind in CLIENT_KINDS
    if not from_client and not to_client:
        return "money must move into or out of a client's account"
    if from_client and to_client:
        if category is not Category.TRANSFER_BETWEEN_OWN_ACCOUNTS:
            return "a move between client accounts is TRANSFER_BETWEEN_OWN_ACCOUNTS"
        return None
    if to_client and not category.money_in:
        return f"{category.value} is not a money-in category"
    if from_client and not category.money_out:
        return f"{category.value} is not a money-out category"
    return None


# Money-out categories with a door of their own (R-DEC-3 gifts, R-FEE deputy and OPG fees,
# R-INV-2 investments): an entry is never reclassified into or out of one (R-OPG-1).
OWN_DOORS = frozenset(
    {
        Category.OUT_GIFTS,
        Category.OUT_DEPUTY_FEES,
        Category.OUT_INVESTMENT_PURCHASES,
        Category.OUT_OPG_FEES,
    }
)


def reclassifiable_problem(kind: TransferKind, reverses: bool, reported: Category) -> str | None:
    """Why an entry cannot be given another reported category (R-OPG-1, R-AUD-2), whatever the
    category wanted (None: it can): a hold is not money moved; a reversal reports what the
    transfer it reverses reports; a move between own accounts and the categories with doors of
    their own keep their category."""
    if kind in (TransferKind.PENDING, TransferKind.VOID_PENDING):
        return "a hold is not money moved: reclassify the transfer that posts it"
    if reverses:
        return "a reversal reports the category of the transfer it reverses: reclassify that one"
    if reported is Category.TRANSFER_BETWEEN_OWN_ACCOUNTS:
        return "a move between the client's own accounts is neither money in nor money out"
    if reported in OWN_DOORS:
        return f"{reported.value} is recorded through its own door and keeps its category"
    return None


def reclassification_problem(
    reported: Category, wanted: Category, from_kind: AccountKind, to_kind: AccountKind
) -> str | None:
    """Why ``wanted`` cannot be an entry's reported category in place of ``reported`` (None: it
    can): money in stays money in, money out stays money out (``direction_problem``), never a
    move between own accounts or a category with a door of its own, never the same one."""
    if wanted is Category.TRANSFER_BETWEEN_OWN_ACCOUNTS:
        return "money in or out of the client's accounts is not a move between own accounts"
    if wanted in OWN_DOORS:
        return f"{wanted.value} is recorded only through its own door, never by reclassifying"
    if wanted is reported:
        return f"the entry already reports {wanted.value}"
    return direction_problem(wanted, from_kind, to_kind)


def available(posted: Pence, held: Pence) -> Pence:
    """What a client account can still spend: holds count as spent (R-PAY-3)."""
    return posted - held

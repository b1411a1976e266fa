"""The ledger's categories mapped to the OPG's (issue 15, R-OPG-1), and the OPG's deputy fee
types (R-OPG, R-FEE): pure, no database. The documented table (docs/opg_categories.md) is
checked against the code, so neither can go stale without the other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ca_api.fees.rules import OPG_FEE_TYPE_ID, FeeBasis, FeeKind, OpgFeeType, opg_fee_type
from ca_api.ledger.opg_categories import (
    BENEFIT_OPG_CATEGORY,
    OPG_CATEGORY,
    OPG_IDS,
    OpgCategory,
    opg_category,
)
from ca_api.ledger.rules import (
    OWN_DOORS,
    AccountKind,
    Benefit,
    Category,
    TransferKind,
    reclassifiable_problem,
    reclassification_problem,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "opg_categories.md"
OWN = Category.TRANSFER_BETWEEN_OWN_ACCOUNTS


def test_every_category_but_own_transfers_maps_to_an_opg_category() -> None:
    # R-OPG-1: every ledger entry's category is reported under one of the OPG's.
    assert set(OPG_CATEGORY) == set(Category) - {OWN}
    assert opg_category(OWN) is None


@pytest.mark.parametrize("category", sorted(set(Category) - {OWN}))
def test_each_mapping_is_an_opg_id_of_its_group_and_direction(category: Category) -> None:
    found = OPG_CATEGORY[category]
    assert found.id in OPG_IDS, found
    assert (found.group, found.direction) == OPG_IDS[found.id]
    assert found.direction == ("in" if category.money_in else "out")


def test_the_report_sections_of_fees_expenses_and_gifts() -> None:
    sections = {c: o.section for c, o in OPG_CATEGORY.items() if o.section != "money"}
    assert sections == {
        Category.OUT_DEPUTY_FEES: "deputy_fees",
        Category.OUT_DEPUTY_EXPENSES: "deputy_expenses",
        Category.OUT_GIFTS: "gifts",
    }


@pytest.mark.parametrize(
    ("category", "opg_id", "group"),
    [
        (Category.OUT_MEDICAL_EXPENSES, "medical-expenses", "care-and-medical"),  # glasses
        (Category.OUT_PET_CARE, "anything-else-paid-out", "moneyout-other"),  # no OPG one
        (Category.OUT_TV_LICENCE, "tv-services", "household-bills"),
        (Category.OUT_OTHER_HOUSEHOLD_BILLS, "households-bills-other", "household-bills"),
        (Category.OUT_ACCOMMODATION, "accommodation-other", "accommodation"),
        (Category.OUT_TAX, "tax-payments-to-hmrc", "debt-and-charges"),
        (Category.OUT_INVESTMENT_PURCHASES, "investment-account-purchased", "major-purchases"),
        (Category.OUT_CARE_FEES, "care-fees", "care-and-medical"),
        (Category.OUT_PERSONAL_ALLOWANCE, "personal-allowance-pocket-money", "client-expenses"),
        (Category.OUT_OTHER, "anything-else-paid-out", "moneyout-other"),
        (Category.IN_GIFTS_RECEIVED, "cash-gift-received", "one-off"),
        (Category.IN_SALE_OF_ASSETS, "sale-of-asset", "one-off"),
        (Category.IN_SALE_OF_PROPERTY, "sale-of-property", "one-off"),
        (Category.IN_SALARY_OR_WAGES, "salary-or-wages", "salary-or-wages"),
        (
            Category.IN_COMPENSATION,
            "compensation-or-damages-award",
            "compensation-or-damages-award",
        ),
        (Category.IN_STATE_PENSION, "state-pension", "pensions"),
        (Category.IN_INTEREST, "account-interest", "income-and-earnings"),
        (Category.IN_OTHER, "anything-else", "moneyin-other"),
    ],
)
def test_chosen_mappings(category: Category, opg_id: str, group: str) -> None:
    assert (OPG_CATEGORY[category].id, OPG_CATEGORY[category].group) == (opg_id, group)


@pytest.mark.parametrize(
    ("benefit", "opg_id"),
    [
        (Benefit.ATTENDANCE_ALLOWANCE, "attendance-allowance"),
        (Benefit.DISABILITY_LIVING_ALLOWANCE, "disability-living-allowance"),
        (Benefit.EMPLOYMENT_AND_SUPPORT_ALLOWANCE, "employment-support-allowance"),
        (Benefit.HOUSING_BENEFIT, "housing-benefit"),
        (Benefit.INCAPACITY_BENEFIT, "incapacity-benefit"),
        (Benefit.INCOME_SUPPORT, "income-support"),
        (Benefit.PENSION_CREDIT, "pension-credit"),
        (Benefit.PERSONAL_INDEPENDENCE_PAYMENT, "personal-independence-payment"),
        (Benefit.UNIVERSAL_CREDIT, "universal-credit"),
        (Benefit.WINTER_FUEL_PAYMENT, "winter-fuel-cold-weather-payment"),
        (Benefit.CARERS_ALLOWANCE, "other-benefits"),
        (Benefit.OTHER, "other-benefits"),
        (Benefit.STATE_PENSION, "state-pension"),
    ],
)
def test_benefits_are_split_by_benefit(benefit: Benefit, opg_id: str) -> None:
    # R-ACC-6: each benefit recorded separately, so reported separately.
    found = opg_category(Category.IN_BENEFITS, benefit)
    assert found is not None and found.id == opg_id
    assert found.direction == "in" and found.section == "money"


def test_every_benefit_has_an_opg_category_and_others_ignore_the_benefit() -> None:
    assert set(BENEFIT_OPG_CATEGORY) == set(Benefit)
    assert opg_category(Category.IN_BENEFITS) == OPG_CATEGORY[Category.IN_BENEFITS]
    assert opg_category(Category.IN_INTEREST, Benefit.ATTENDANCE_ALLOWANCE) == OpgCategory(
        "account-interest", "income-and-earnings", "in", "money"
    )


def _documented() -> dict[str, tuple[str, str, str]]:
    """docs/opg_categories.md's table: category -> (OPG id, group, section)."""
    rows: dict[str, tuple[str, str, str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(
            r"^\|\s*`([A-Z_0-9]+)`\s*\|\s*`?([^|`]*)`?\s*\|\s*`?([^|`]*)`?\s*\|"
            r"\s*`?([^|`]*)`?\s*\|",
            line,
        )
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3).strip(), m.group(4).strip())
    return rows


def test_the_documented_table_lists_every_category_as_the_code_maps_it() -> None:
    documented = _documented()
    assert set(documented) == {c.value for c in Category}
    for category, found in OPG_CATEGORY.items():
        assert documented[category.value] == (found.id, found.group, found.section), category
    assert documented[OWN.value][0] == "-"


def test_fee_types_have_the_opg_ids() -> None:
    assert list(OPG_FEE_TYPE_ID) == list(OpgFeeType)
    assert OPG_FEE_TYPE_ID == {
        OpgFeeType.WORK_UP_TO_ORDER: "work-up-to-and-including-cot-made",
        OpgFeeType.ANNUAL_MANAGEMENT: "annual-management-fee",
        OpgFeeType.ANNUAL_PROPERTY_MANAGEMENT: "annual-property-management-fee",
        OpgFeeType.REPORT_PREPARATION: "preparing-and-lodging-annual-report",
        OpgFeeType.TAX_RETURN: "completition-of-tax-return",
        OpgFeeType.TRAVEL: "travel-costs",
        OpgFeeType.SPECIALIST_SERVICES: "specialist-service",
    }


@pytest.mark.parametrize("basis", list(FeeBasis))
def test_fee_run_charges_map_to_opg_fee_types(basis: FeeBasis) -> None:
    # R-FEE-1: the council's remuneration, whatever priced it, is the annual management fee;
    # R-FEE-2: the OPG's supervision fee is not a deputy fee (money out, OPG fees).
    assert opg_fee_type(FeeKind.DEPUTY_REMUNERATION, basis) is OpgFeeType.ANNUAL_MANAGEMENT
    assert opg_fee_type(FeeKind.OPG_SUPERVISION, basis) is None


# --- reclassification rules (R-OPG-1, R-AUD-2) --------------------------------------------------

CMS, PARTY = AccountKind.CLIENT_CMS, AccountKind.COUNTERPARTY


def test_money_out_may_be_reported_as_another_money_out_category() -> None:
    assert (
        reclassification_problem(Category.OUT_OTHER, Category.OUT_MEDICAL_EXPENSES, CMS, PARTY)
        is None
    )
    assert (
        reclassification_problem(Category.IN_OTHER, Category.IN_SALARY_OR_WAGES, PARTY, CMS) is None
    )


@pytest.mark.parametrize(
    ("reported", "wanted", "kinds"),
    [
        (Category.OUT_OTHER, Category.IN_OTHER, (CMS, PARTY)),  # the other direction
        (Category.IN_OTHER, Category.OUT_OTHER, (PARTY, CMS)),
        (Category.OUT_OTHER, OWN, (CMS, PARTY)),
        (Category.OUT_OTHER, Category.OUT_OTHER, (CMS, PARTY)),  # the same
        *[(Category.OUT_OTHER, door, (CMS, PARTY)) for door in sorted(OWN_DOORS)],
    ],
)
def test_refused_categories(
    reported: Category, wanted: Category, kinds: tuple[AccountKind, AccountKind]
) -> None:
    assert reclassification_problem(reported, wanted, *kinds) is not None


@pytest.mark.parametrize(
    ("kind", "reverses", "reported"),
    [
        (TransferKind.PENDING, False, Category.OUT_OTHER),
        (TransferKind.VOID_PENDING, False, Category.OUT_OTHER),
        (TransferKind.POSTED, True, Category.OUT_OTHER),
        (TransferKind.POSTED, False, OWN),
        *[(TransferKind.POSTED, False, door) for door in sorted(OWN_DOORS)],
    ],
)
def test_refused_entries(kind: TransferKind, reverses: bool, reported: Category) -> None:
    assert reclassifiable_problem(kind, reverses, reported) is not None


def test_posted_money_may_be_reclassified() -> None:
    for kind in (TransferKind.POSTED, TransferKind.POST_PENDING):
        assert reclassifiable_problem(kind, False, Category.OUT_OTHER) is None

"""The orders' GraphQL enum and inputs, described in the council's words (issue 11 item 4):
what a caller sends to record or amend a deputyship or an appointeeship. The types and the
resolvers (written once for both kinds of order) are in ``schema.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum, own_fields
from ca_api.errors import ValidationFailed
from ca_api.orders import rules
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails

SupervisionType = rules.SupervisionType
strawberry.enum(SupervisionType, description="The OPG's supervision level (R-ORD-3).")
describe_enum(
    SupervisionType,
    {
        SupervisionType.TYPE_1: "Close supervision (type 1): the general yearly fee (R-FEE-2).",
        SupervisionType.TYPE_2A: "Intermediate supervision (type 2A): the general yearly fee.",
        SupervisionType.TYPE_2: "Low supervision (type 2): the general yearly fee.",
        SupervisionType.TYPE_3: "Minimal supervision (type 3), for small estates: the minimal "
        "yearly fee.",
    },
)

# What the court order lets the council do (R-ORD-1), for DeputyPowers and its input.
RECEIVE_INCOME = "The deputy may receive the client's income."
MANAGE_ACCOUNTS = "The deputy may manage the client's bank and building society accounts."
MANAGE_CAPITAL = "The deputy may manage the client's capital (savings, investments)."
SELL_PROPERTY = "The deputy may sell the client's property."
LET_PROPERTY = "The deputy may let the client's property."
MAKE_GIFTS = "The deputy may make gifts from the client's money (R-ROLE-3 still applies)."
CASE_NUMBER = "The Court of Protection case number."
ORDER_DATE = "The date of the court's order: the deputyship is in force from it."
DEPUTY_END = "The last day the order is in force (discharged, or superseded, R-ORD-5); null: none."
SUPERVISION = "The supervision type the OPG set (R-ORD-3)."
HEALTH_AND_WELFARE = (
    "The client also has a health and welfare order: the OPG report is a -4 variant "
    "(102-4-6 or 103-4-6, issue 15)."
)
DWP_REFERENCE = "The DWP's reference for the appointeeship."
APPLIED_ON = "When the council applied to the DWP (R-REF-5: within 5 working days)."
START_DATE = "The first day the DWP's appointment is in force."
APPOINTEE_END = "The last day the appointeeship is in force; null: none."


@strawberry.input(description="What the court order lets the council do (R-ORD-1).")
class DeputyPowersInput:
    receive_income: bool = strawberry.field(description=RECEIVE_INCOME)
    manage_accounts: bool = strawberry.field(description=MANAGE_ACCOUNTS)
    manage_capital: bool = strawberry.field(description=MANAGE_CAPITAL)
    sell_property: bool = strawberry.field(description=SELL_PROPERTY)
    let_property: bool = strawberry.field(description=LET_PROPERTY)
    make_gifts: bool = strawberry.field(description=MAKE_GIFTS)
    gift_yearly_limit: Money | None = strawberry.field(
        default=None, description="The order's yearly limit on gifts; omitted: it names none."
    )

    def to_powers(self) -> rules.DeputyPowers:
        return rules.DeputyPowers(**vars(self))


@strawberry.input(description="A Court of Protection order appointing the council deputy.")
class DeputyshipInput:
    case_number: str = strawberry.field(description=CASE_NUMBER)
    order_date: date = strawberry.field(description=ORDER_DATE)
    powers: DeputyPowersInput = strawberry.field(description="What the order grants (R-ORD-1).")
    supervision_type: SupervisionType = strawberry.field(description=SUPERVISION)
    end_date: date | None = strawberry.field(default=None, description=DEPUTY_END)
    health_and_welfare_order: bool = strawberry.field(
        default=False, description=HEALTH_AND_WELFARE + " Omitted: false."
    )

    def to_details(self) -> DeputyshipDetails:
        converted = {"case_number": self.case_number.strip(), "powers": self.powers.to_powers()}
        return DeputyshipDetails(**own_fields(self, DeputyshipInput) | converted)


def _changes(amendment: object, *required: str) -> dict[str, Any]:
    """The fields an amendment gives; a ``required`` one given as null is refused."""
    changes = {k: v for k, v in vars(amendment).items() if v is not strawberry.UNSET}
    cleared = [k for k in required if k in changes and changes[k] is None]
    if cleared:
        raise ValidationFailed({k: "cannot be cleared" for k in cleared})
    return changes


@strawberry.input(description="Only the fields given change.")
class DeputyshipAmendment:
    case_number: str | None = strawberry.field(default=strawberry.UNSET, description=CASE_NUMBER)
    order_date: date | None = strawberry.field(default=strawberry.UNSET, description=ORDER_DATE)
    end_date: date | None = strawberry.field(
        default=strawberry.UNSET, description=DEPUTY_END + " Set it to end the order."
    )
    supervision_type: SupervisionType | None = strawberry.field(
        default=strawberry.UNSET, description=SUPERVISION
    )
    powers: DeputyPowersInput | None = strawberry.field(
        default=strawberry.UNSET, description="The powers as the order now grants them, whole."
    )
    health_and_welfare_order: bool | None = strawberry.field(
        default=strawberry.UNSET, description=HEALTH_AND_WELFARE + " Omitted: unchanged."
    )

    def to_changes(self) -> dict[str, Any]:
        changes = _changes(
            self,
            "case_number",
            "order_date",
            "supervision_type",
            "powers",
            "health_and_welfare_order",
        )
        if "case_number" in changes:
            changes["case_number"] = changes["case_number"].strip()  # as when recorded
        if "powers" in changes:
            changes["powers"] = changes["powers"].to_powers()
        return changes


@strawberry.input(description="The DWP's appointment of the council as the client's appointee.")
class AppointeeshipInput:
    start_date: date = strawberry.field(description=START_DATE)
    dwp_reference: str | None = strawberry.field(default=None, description=DWP_REFERENCE)
    applied_on: date | None = strawberry.field(default=None, description=APPLIED_ON)
    end_date: date | None = strawberry.field(default=None, description=APPOINTEE_END)

    def to_details(self) -> AppointeeshipDetails:
        return AppointeeshipDetails(**own_fields(self, AppointeeshipInput))


@strawberry.input(description="Only the fields given change; set endDate to end it.")
class AppointeeshipAmendment:
    dwp_reference: str | None = strawberry.field(
        default=strawberry.UNSET, description=DWP_REFERENCE
    )
    applied_on: date | None = strawberry.field(default=strawberry.UNSET, description=APPLIED_ON)
    start_date: date | None = strawberry.field(default=strawberry.UNSET, description=START_DATE)
    end_date: date | None = strawberry.field(default=strawberry.UNSET, description=APPOINTEE_END)

    def to_changes(self) -> dict[str, Any]:
        return _changes(self, "start_date")


SUPERSEDES = (
    "The order of the same kind this one replaces, for the same client and from the same or an "
    "earlier date: it gets a new version ending it the day before this one starts (R-ORD). "
    "Without it, an order whose period shares a day with another is refused."
)
CLIENT = "The client the order is for."
ORDER_ID = "The order's global id."
REASON = "Why the order changes (R-AUD-2): required."
EXPECTED_VERSION = (
    "The version the change was made against: if the order has moved on since, VersionConflict. "
    "Omitted: no check."
)


@strawberry.input(
    description="A Court of Protection deputyship order to record for a client, and the order it "
    "replaces, if any."
)
class RecordDeputyshipInput(DeputyshipInput):
    client_id: strawberry.ID = strawberry.field(description=CLIENT)
    supersedes: strawberry.ID | None = strawberry.field(default=None, description=SUPERSEDES)


@strawberry.input(
    description="The DWP's appointment of the council as appointee to record for a client, and "
    "the appointeeship it replaces, if any."
)
class RecordAppointeeshipInput(AppointeeshipInput):
    client_id: strawberry.ID = strawberry.field(description=CLIENT)
    supersedes: strawberry.ID | None = strawberry.field(default=None, description=SUPERSEDES)


@strawberry.input(description="A new version of a deputyship, and why (R-AUD-2).")
class AmendDeputyshipInput:
    id: strawberry.ID = strawberry.field(description=ORDER_ID)
    amendment: DeputyshipAmendment = strawberry.field(description="The details that change.")
    reason: str = strawberry.field(description=REASON)
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)


@strawberry.input(description="A new version of an appointeeship, and why (R-AUD-2).")
class AmendAppointeeshipInput:
    id: strawberry.ID = strawberry.field(description=ORDER_ID)
    amendment: AppointeeshipAmendment = strawberry.field(description="The details that change.")
    reason: str = strawberry.field(description=REASON)
    expected_version: int | None = strawberry.field(default=None, description=EXPECTED_VERSION)

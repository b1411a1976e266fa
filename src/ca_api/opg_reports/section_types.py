"""GraphQL types of the OPG report's non-money sections (issue 15 item 3, R-OPG), read only from
a report version's document (``content``, the dict ``sections.gather`` built and the version
snapshotted): ``sections_of(content)`` builds them; no database, no ledger."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.fees.schema import OpgFeeType


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _id(type_name: str, value: Any) -> strawberry.ID | None:
    return node_id(type_name, uuid.UUID(str(value))) if value else None


def _money(value: Any) -> Money:
    return Money(int(value or 0))


@strawberry.type(description="A decision made for the client in the report's period (R-DEC-1).")
class OpgReportDecision:
    decision_id: strawberry.ID | None = strawberry.field(description="The decision.")
    kind: str = strawberry.field(description="Its kind (DecisionKind: GIFT, BEST_INTEREST, ...).")
    made_on: date | None = strawberry.field(description="The day it was approved.")
    what_was_decided: str = strawberry.field(description="What was decided.")
    amount: Money = strawberry.field(description="The amount it decided.")
    client_involved: bool = strawberry.field(description="Whether the client took part.")
    why_client_not_involved: str | None = strawberry.field(
        description="Why the client did not take part; null when they did."
    )
    consulted: str = strawberry.field(description="Who was consulted.")


@strawberry.type(description="A contact with or about the client in the period (R-CARE-1).")
class OpgReportContact:
    contacted_on: date | None = strawberry.field(description="When.")
    kind: str = strawberry.field(description="How (the contact's kind).")
    with_whom: str = strawberry.field(description="With whom.")
    about: str = strawberry.field(description="What it was about.")


@strawberry.type(description="A review (visit) of the client in the period (R-CARE-1).")
class OpgReportVisit:
    reviewed_on: date | None = strawberry.field(description="When the client was reviewed.")
    methods: list[str] = strawberry.field(
        description="How (ReviewMethod values: a visit, a call to the care home, ...)."
    )
    client_involved: bool = strawberry.field(description="Whether the client took part.")
    needs: str = strawberry.field(description="The client's needs, as reviewed.")
    finances: str = strawberry.field(description="Their finances and investments, as reviewed.")


@strawberry.type(description="A change in the client's circumstances in the period.")
class OpgReportCareChange:
    occurred_on: date | None = strawberry.field(description="When it happened.")
    kind: str = strawberry.field(description="Its kind.")
    details: str = strawberry.field(description="What changed.")


@strawberry.type(description="The client's care arrangements in the period.")
class OpgReportCare:
    situation: str = strawberry.field(
        description="Where the client lived at the period's end (Situation: COMMUNITY, "
        "RESIDENTIAL_CARE, DECEASED_WINDING_UP)."
    )
    arrangement: str = strawberry.field(
        description="The care arrangement in words: where the client lives and the care "
        "providers paid in the period."
    )
    changes: list[OpgReportCareChange] = strawberry.field(
        description="Changes in circumstances in the period, oldest first."
    )


@strawberry.type(description="One state benefit the client received in the period (R-ACC-6).")
class OpgReportBenefit:
    benefit: str = strawberry.field(description="The benefit (Benefit value).")
    opg_category: str = strawberry.field(description="The OPG's id for it.")
    received: Money = strawberry.field(description="What was received in the period.")
    payments: int = strawberry.field(description="How many payments.")


@strawberry.type(description="A gift made from the client's money in the period (R-DEC-3).")
class OpgReportGift:
    transfer_id: strawberry.ID | None = strawberry.field(description="The ledger transfer.")
    value_date: date | None = strawberry.field(description="When the money moved.")
    amount: Money = strawberry.field(description="How much.")
    recipient: str = strawberry.field(description="To whom.")
    description: str = strawberry.field(description="The entry's description.")
    decision_id: strawberry.ID | None = strawberry.field(
        description="The gift decision that authorised it; null: none matched."
    )


@strawberry.type(description="A deputy fee taken in the period.")
class OpgReportFeeCharge:
    transfer_id: strawberry.ID | None = strawberry.field(description="The ledger transfer.")
    value_date: date | None = strawberry.field(description="When the money moved.")
    amount: Money = strawberry.field(description="How much.")


@strawberry.type(description="The deputy's fees of one OPG type in the period (R-FEE).")
class OpgReportDeputyFee:
    type: OpgFeeType = strawberry.field(description="The OPG fee type.")
    opg_fee_type: str = strawberry.field(description="The OPG's id for the type.")
    amount: Money = strawberry.field(description="The total of the type in the period.")
    charges: list[OpgReportFeeCharge] = strawberry.field(description="The fees taken.")


@strawberry.type(description="An expense of the deputy paid from the client's money.")
class OpgReportDeputyExpense:
    transfer_id: strawberry.ID | None = strawberry.field(description="The ledger transfer.")
    value_date: date | None = strawberry.field(description="When the money moved.")
    amount: Money = strawberry.field(description="How much.")
    description: str = strawberry.field(description="The entry's description.")


@strawberry.type(description="A property of the client held at the period's end (R-CARE-4).")
class OpgReportProperty:
    id: strawberry.ID | None = strawberry.field(description="The property.")
    description: str = strawberry.field(description="Its address.")
    value_at_end: Money = strawberry.field(
        description="Its latest valuation on or before the end; 0.00 when none."
    )
    valued_on: date | None = strawberry.field(description="When valued; null: never.")
    status: str = strawberry.field(description="HELD.")


@strawberry.type(description="An existing investment held at the period's end (R-INV-5).")
class OpgReportInvestment:
    id: strawberry.ID | None = strawberry.field(description="The investment (its first record).")
    description: str = strawberry.field(description="Its kind and holder.")
    value_at_end: Money = strawberry.field(
        description="Its latest valuation on or before the end; 0.00 when none."
    )
    valued_on: date | None = strawberry.field(description="When valued; null: never.")


@strawberry.type(description="A placement live at the period's end (R-INV-4).")
class OpgReportPlacement:
    id: strawberry.ID | None = strawberry.field(description="The placement.")
    institution: str = strawberry.field(description="The approved institution.")
    amount: Money = strawberry.field(description="The amount placed.")
    status: str = strawberry.field(description="PLACED.")


@strawberry.type(description="A valuable held for the client at the period's end (R-CARE-3).")
class OpgReportValuable:
    id: strawberry.ID | None = strawberry.field(description="The item.")
    description: str = strawberry.field(description="What it is.")
    value_at_end: Money = strawberry.field(description="Its recorded value.")


@strawberry.type(description="The client's assets at the period's end, besides their accounts.")
class OpgReportAssets:
    property: list[OpgReportProperty] = strawberry.field(description="Property not sold.")
    investments: list[OpgReportInvestment] = strawberry.field(description="Investments.")
    placements: list[OpgReportPlacement] = strawberry.field(description="Placements.")
    valuables: list[OpgReportValuable] = strawberry.field(description="Valuables held.")


@strawberry.type(description="A debt the client still owed at the period's end (R-DEBT).")
class OpgReportDebt:
    id: strawberry.ID | None = strawberry.field(description="The outstanding debt.")
    creditor: str = strawberry.field(description="Who is owed.")
    kind: str = strawberry.field(description="Its kind (OutstandingDebtKind value).")
    outstanding: Money = strawberry.field(description="What was still owed at the end.")


@strawberry.type(description="Something done with the client's assets in the period.")
class OpgReportAction:
    kind: str = strawberry.field(
        description="PROPERTY_SOLD, LODGEMENT, PLACEMENT or INVESTMENT_ENDED."
    )
    on: date | None = strawberry.field(description="When.")
    description: str = strawberry.field(description="What was done.")
    amount: Money = strawberry.field(description="The amount.")


@strawberry.type(
    description="The report's sections besides money, generated from what the service records "
    "(issue 15 item 3), as snapshotted in the version."
)
class OpgReportSections:
    decisions: list[OpgReportDecision] = strawberry.field(
        description="Decisions approved in the period and not superseded by its end."
    )
    contacts: list[OpgReportContact] = strawberry.field(description="Contacts in the period.")
    visits: list[OpgReportVisit] = strawberry.field(description="Reviews in the period.")
    care: OpgReportCare = strawberry.field(description="Care arrangements.")
    benefits: list[OpgReportBenefit] = strawberry.field(description="Benefits received.")
    gifts: list[OpgReportGift] = strawberry.field(description="Gifts made.")
    deputy_fees: list[OpgReportDeputyFee] = strawberry.field(
        description="Deputy fees by the OPG's seven types, in its order (0.00 where none)."
    )
    deputy_expenses: list[OpgReportDeputyExpense] = strawberry.field(
        description="Deputy expenses paid."
    )
    assets: OpgReportAssets = strawberry.field(description="Assets at the period's end.")
    debts: list[OpgReportDebt] = strawberry.field(description="Debts at the period's end.")
    actions: list[OpgReportAction] = strawberry.field(
        description="Property sold and investments made or ended in the period."
    )


def _list(content: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return list(content.get(key) or [])


def sections_of(content: Mapping[str, Any]) -> OpgReportSections:
    """The sections of a report document, as GraphQL types (missing parts: empty)."""
    care = content.get("care") or {}
    assets = content.get("assets") or {}
    return OpgReportSections(
        decisions=[
            OpgReportDecision(
                decision_id=_id("Decision", d.get("decisionId")),
                kind=str(d.get("kind", "")),
                made_on=_day(d.get("madeOn")),
                what_was_decided=str(d.get("whatWasDecided", "")),
                amount=_money(d.get("amount")),
                client_involved=bool(d.get("clientInvolved")),
                why_client_not_involved=d.get("whyClientNotInvolved"),
                consulted=str(d.get("consulted", "")),
            )
            for d in _list(content, "decisions")
        ],
        contacts=[
            OpgReportContact(
                contacted_on=_day(c.get("contactedOn")),
                kind=str(c.get("kind", "")),
                with_whom=str(c.get("withWhom", "")),
                about=str(c.get("about", "")),
            )
            for c in _list(content, "contacts")
        ],
        visits=[
            OpgReportVisit(
                reviewed_on=_day(v.get("reviewedOn")),
                methods=[str(m) for m in v.get("methods") or []],
                client_involved=bool(v.get("clientInvolved")),
                needs=str(v.get("needs", "")),
                finances=str(v.get("finances", "")),
            )
            for v in _list(content, "visits")
        ],
        care=OpgReportCare(
            situation=str(care.get("situation", "")),
            arrangement=str(care.get("arrangement", "")),
            changes=[
                OpgReportCareChange(
                    occurred_on=_day(c.get("occurredOn")),
                    kind=str(c.get("kind", "")),
                    details=str(c.get("details", "")),
                )
                for c in care.get("changes") or []
            ],
        ),
        benefits=[
            OpgReportBenefit(
                benefit=str(b.get("benefit", "")),
                opg_category=str(b.get("opgCategory", "")),
                received=_money(b.get("received")),
                payments=int(b.get("payments") or 0),
            )
            for b in _list(content, "benefits")
        ],
        gifts=[
            OpgReportGift(
                transfer_id=_id("Transfer", g.get("transferId")),
                value_date=_day(g.get("valueDate")),
                amount=_money(g.get("amount")),
                recipient=str(g.get("recipient", "")),
                description=str(g.get("description", "")),
                decision_id=_id("Decision", g.get("decisionId")),
            )
            for g in _list(content, "gifts")
        ],
        deputy_fees=[
            OpgReportDeputyFee(
                type=OpgFeeType(f["type"]),
                opg_fee_type=str(f.get("opgFeeType", "")),
                amount=_money(f.get("amount")),
                charges=[
                    OpgReportFeeCharge(
                        transfer_id=_id("Transfer", c.get("transferId")),
                        value_date=_day(c.get("valueDate")),
                        amount=_money(c.get("amount")),
                    )
                    for c in f.get("charges") or []
                ],
            )
            for f in _list(content, "deputyFees")
        ],
        deputy_expenses=[
            OpgReportDeputyExpense(
                transfer_id=_id("Transfer", e.get("transferId")),
                value_date=_day(e.get("valueDate")),
                amount=_money(e.get("amount")),
                description=str(e.get("description", "")),
            )
            for e in _list(content, "deputyExpenses")
        ],
        assets=OpgReportAssets(
            property=[
                OpgReportProperty(
                    id=_id("Property", p.get("id")),
                    description=str(p.get("description", "")),
                    value_at_end=_money(p.get("value")),
                    valued_on=_day(p.get("valuedOn")),
                    status=str(p.get("status", "")),
                )
                for p in assets.get("property") or []
            ],
            investments=[
                OpgReportInvestment(
                    id=_id("ExistingInvestment", i.get("id")),
                    description=str(i.get("description", "")),
                    value_at_end=_money(i.get("value")),
                    valued_on=_day(i.get("valuedOn")),
                )
                for i in assets.get("investments") or []
            ],
            placements=[
                OpgReportPlacement(
                    id=_id("Placement", p.get("id")),
                    institution=str(p.get("institution", "")),
                    amount=_money(p.get("amount")),
                    status=str(p.get("status", "")),
                )
                for p in assets.get("placements") or []
            ],
            valuables=[
                OpgReportValuable(
                    id=_id("Valuable", v.get("id")),
                    description=str(v.get("description", "")),
                    value_at_end=_money(v.get("value")),
                )
                for v in assets.get("valuables") or []
            ],
        ),
        debts=[
            OpgReportDebt(
                id=_id("OutstandingDebt", d.get("id")),
                creditor=str(d.get("creditor", "")),
                kind=str(d.get("kind", "")),
                outstanding=_money(d.get("outstanding")),
            )
            for d in _list(content, "debts")
        ],
        actions=[
            OpgReportAction(
                kind=str(a.get("kind", "")),
                on=_day(a.get("on")),
                description=str(a.get("description", "")),
                amount=_money(a.get("amount")),
            )
            for a in _list(content, "actions")
        ],
    )

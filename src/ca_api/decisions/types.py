"""GraphQL enums, the event type and the input of decisions (``decisions.schema`` builds the
``Decision`` type and the root fields on them): each value and field described in the
council's words."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum, from_source
from ca_api.context import Context
from ca_api.decisions import models, rules, service
from ca_api.policy.schema import ApprovalLimitVersion, limit_version_of

if TYPE_CHECKING:
    from ca_api.decisions.schema import Decision

# An event names the decision that replaced its own: the Decision type is built on this module.
LazyDecision = Annotated["Decision", strawberry.lazy("ca_api.decisions.schema")]

DecisionKind = rules.DecisionKind
DecisionStatus = rules.DecisionStatus
DecisionEventKind = rules.DecisionEventKind


strawberry.enum(
    DecisionKind,
    description="The decisions of seed 002 Appendix 2 (R-DEC); each is approved under the "
    "approval limits' row of the same name.",
)
describe_enum(
    DecisionKind,
    {
        DecisionKind.BEST_INTEREST: "A best interest decision for the client (R-DEC-1): SCAO "
        "up to £100, TGM above.",
        DecisionKind.GIFT: "A gift from the client's money: needs the order's power, within "
        "its yearly limit, never to a council employee (R-DEC-3, R-ROLE-3); SCAO up to £100, "
        "TGM above.",
        DecisionKind.CONFLICT_OF_INTEREST: "A decision where the council has a conflict of "
        "interest: SCAO up to £100, TGM above.",
        DecisionKind.DEBT_STATEMENT: "A financial statement of outstanding debts, with the plan "
        "to clear them (R-DEBT-3): SCAO up to £5,000, TGM above.",
        DecisionKind.INVESTMENT_PLAN: "An investment plan: a lodgement or a placement of the "
        "client's surplus (R-INV-2, R-INV-3): TGM at any amount.",
        DecisionKind.FINANCIAL_PLAN: "A financial plan and budget (R-CARE-2): SCAO up to "
        "£5,000, TGM above.",
    },
)
strawberry.enum(
    DecisionStatus,
    description="RAISED -> APPROVED | REFUSED; any but SUPERSEDED -> SUPERSEDED (changed by a "
    "new decision, R-AUD-2).",
)
describe_enum(
    DecisionStatus,
    {
        DecisionStatus.RAISED: "Awaiting approval by someone other than its authors (R-ROLE-2).",
        DecisionStatus.APPROVED: "Approved within the approval limits then in force (R-DEC-2, "
        "R-DEC-4).",
        DecisionStatus.REFUSED: "Refused by an approver, with the reason.",
        DecisionStatus.SUPERSEDED: "Replaced by a new decision (R-AUD-2); it can no longer be "
        "approved.",
    },
)
strawberry.enum(DecisionEventKind, description="What happened to a decision after it was raised.")
describe_enum(
    DecisionEventKind,
    {
        DecisionEventKind.APPROVED: "An approver approved it, under the limits in force (R-DEC-4).",
        DecisionEventKind.REFUSED: "An approver refused it, with the reason.",
        DecisionEventKind.SUPERSEDED: "A new decision replaced it, with the reason (R-AUD-2).",
    },
)


@strawberry.type(
    description="Something that happened to a decision: its approval, refusal or replacement. "
    "Never edited (R-AUD-2)."
)
class DecisionEvent:
    event: DecisionEventKind = strawberry.field(description="What happened.")
    on: date = strawberry.field(description="The council's date of the event (Europe/London).")
    limit_version_id: int | None = strawberry.field(
        description="The approval limits it was judged under (R-DEC-4)."
    )

    async def _limit_version(self, info: Info[Context, None]) -> ApprovalLimitVersion | None:
        version_id = self.limit_version_id
        return await limit_version_of(info.context, version_id) if version_id else None

    limit_version: ApprovalLimitVersion | None = strawberry.field(
        resolver=_limit_version,
        description="The approval limits it was judged under, with their rows (R-DEC-4); "
        "null for a replacement.",
    )
    superseded_by: strawberry.ID | None = strawberry.field(
        description="For SUPERSEDED: the decision that replaced it (a Decision's id)."
    )
    successor_id: strawberry.Private[uuid.UUID | None]

    async def _successor(self, info: Info[Context, None]) -> LazyDecision | None:
        from ca_api.decisions.schema import load_decision  # the schema imports these types

        if self.successor_id is None:
            return None
        return await load_decision(info.context, self.successor_id)

    successor: LazyDecision | None = strawberry.field(
        resolver=_successor,
        description="For SUPERSEDED: the decision that replaced it, as supersededBy names it "
        "(R-AUD-2); null for other events.",
    )
    reason: str | None = strawberry.field(
        description="Why it was refused or replaced; null for an approval."
    )
    recorded_by: str = strawberry.field(description="Who approved, refused or replaced it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


def event(e: models.DecisionEvent) -> DecisionEvent:
    successor = e.superseded_by
    superseded_by = strawberry.ID(encode_id("Decision", successor)) if successor else None
    return from_source(
        DecisionEvent, e, on=e.on_date, superseded_by=superseded_by, successor_id=successor
    )


@strawberry.input(description="What a decision records (R-DEC-1); a gift also its recipient.")
class DecisionInput:
    client_id: strawberry.ID = strawberry.field(
        description="The client it is made for (a Client's id)."
    )
    kind: DecisionKind = strawberry.field(
        description="Which decision it is: the row of the approval limits it is judged under."
    )
    amount: Money = strawberry.field(
        description="The amount it is judged at under the approval limits (R-DEC-1); for a "
        "gift, its value."
    )
    what_was_decided: str = strawberry.field(description="What was decided, in plain words.")
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests."
    )
    consulted: str = strawberry.field(description="Who was consulted (the client where possible).")
    client_involved: bool = strawberry.field(
        description="Whether the client took part in the decision."
    )
    why_client_not_involved: str | None = strawberry.field(
        default=None, description="Required when clientInvolved is false."
    )
    notes: str | None = strawberry.field(default=None, description="Supporting notes.")
    recipient_name: str | None = strawberry.field(
        default=None, description="Gifts only, and required for one: who the gift is to (R-DEC-3)."
    )
    recipient_date_of_birth: date | None = strawberry.field(
        default=None,
        description="Gifts only; tells the recipient apart from a namesake on the employee "
        "register.",
    )
    recipient_counterparty_id: strawberry.ID | None = strawberry.field(
        default=None, description="Gifts only: the recipient as a counterparty."
    )

    def to_new(self) -> service.NewDecision:
        counterparty = self.recipient_counterparty_id
        # Every field of the draft is the input's of the same name.
        draft = {f.name: getattr(self, f.name) for f in fields(rules.DecisionDraft)}
        return service.NewDecision(
            client_id=decode_uuid("Client", self.client_id),
            recipient_counterparty_id=decode_uuid("Counterparty", counterparty)
            if counterparty
            else None,
            draft=rules.DecisionDraft(**draft),
        )

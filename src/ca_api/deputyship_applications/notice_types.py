"""GraphQL types of the notices of a deputy order (R-ORD-2, ``order_notices.py``): an organisation
to tell with the notice sent to it, and what the notices' mutations return; the queries and
mutations are in ``deputyship_applications/schema.py``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from ca_api.common.arguments import replayed_field
from ca_api.common.ids import node_id
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.types import from_source
from ca_api.deputyship_applications import order_notices
from ca_api.deputyship_applications.inputs import DeputyshipNoticeSource
from ca_api.ledger.vocabulary import CounterpartyKind


@strawberry.type(
    description='An organisation to tell of a deputy order (R-ORD-2, "registering" the '
    "deputyship), and the notice sent to it, if it is."
)
class DeputyshipNotice:
    deputyship_id: strawberry.ID = strawberry.field(description="The deputy order.")
    client_id: strawberry.ID = strawberry.field(description="The client's id.")
    organisation_id: strawberry.ID = strawberry.field(
        description="The organisation: a Counterparty's id, or an organisation added's "
        "(recordDeputyshipNoticeSent takes it)."
    )
    name: str = strawberry.field(description="The organisation's name.")
    kind: CounterpartyKind = strawberry.field(description="What kind of organisation it is.")
    source: DeputyshipNoticeSource = strawberry.field(
        description="Found in the client's ledger or invoices or investments, or added."
    )
    sent_on: date | None = strawberry.field(
        description="The day the notice was sent; null while outstanding."
    )
    sent_by: str | None = strawberry.field(
        description="The officer who recorded it sent; null while outstanding."
    )
    sent_note: str | None = strawberry.field(description="How it was sent; null while outstanding.")

    @classmethod
    def of(cls, n: order_notices.Notice) -> DeputyshipNotice:
        return from_source(
            cls,
            n,
            deputyship_id=node_id("Deputyship", n.deputyship_id),
            organisation_id=node_id(n.organisation_type, n.organisation_id),
            source=order_notices.SOURCE_OF_TYPE[n.organisation_type],
            sent_on=n.sent.sent_on if n.sent else None,
            sent_by=n.sent.recorded_by if n.sent else None,
            sent_note=n.sent.note if n.sent else None,
        )


@strawberry.type(description="The notice as the mutation left it.")
class DeputyshipNoticePayload:
    notice: DeputyshipNotice = strawberry.field(description="The notice as it now stands.")
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )

    @classmethod
    def of(cls, done: order_notices.NoticeOutcome) -> DeputyshipNoticePayload:
        return cls(notice=DeputyshipNotice.of(done.notice), replayed=done.replayed)


AddDeputyshipNoticeOrganisationResult = Annotated[
    DeputyshipNoticePayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "AddDeputyshipNoticeOrganisationResult",
        description="The organisation added to those told, or why not.",
    ),
]
RecordDeputyshipNoticeSentResult = Annotated[
    DeputyshipNoticePayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordDeputyshipNoticeSentResult",
        description="The notice recorded as sent, or why it was not.",
    ),
]

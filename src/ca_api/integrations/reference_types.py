"""GraphQL of the external references (issue 17 item 1): a reference as recorded, the
references naming a record, a resolution, and recordExternalReference's input and result."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.common import loaders
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.ids import node_id, node_id_or_none
from ca_api.common.node import Node
from ca_api.common.problems import IdempotencyKeyReusedProblem, NotFoundProblem, ValidationProblem
from ca_api.context import Context
from ca_api.integrations import references, rules
from ca_api.integrations.models import ExternalReference as ReferenceRow
from ca_api.integrations.vocabulary import (
    ExternalReferenceKind,
    ExternalReferenceSubject,
    ExternalSystem,
)


@strawberry.type(
    description="That another system's reference names one of our records. Corrected by a new "
    "reference naming this one (R-AUD-2); in force while none does."
)
class ExternalReference(Node):
    id: strawberry.ID = strawberry.field(description="The reference's global id.")
    system: ExternalSystem = strawberry.field(description="The system whose reference it is.")
    kind: ExternalReferenceKind = strawberry.field(description="What it is in that system.")
    reference: str = strawberry.field(description="The reference as that system writes it.")
    subject_type: ExternalReferenceSubject = strawberry.field(
        description="The kind of record it names."
    )
    subject_id: strawberry.ID = strawberry.field(description="The record it names.")
    supersedes_id: strawberry.ID | None = strawberry.field(
        description="The reference this one corrects, if it corrects one."
    )
    reason: str | None = strawberry.field(description="Why it was corrected, for a correction.")
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, r: ReferenceRow) -> ExternalReference:
        return cls(
            id=node_id("ExternalReference", r.id),
            system=rules.ExternalSystem(r.system),
            kind=rules.ExternalReferenceKind(r.kind),
            reference=r.value,
            subject_type=rules.SubjectType(r.subject_type),
            subject_id=node_id(r.subject_type, r.subject_id),
            supersedes_id=node_id_or_none("ExternalReference", r.supersedes),
            reason=r.reason,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


async def external_references_of(
    info: Info[Context, None], subject_id: uuid.UUID
) -> list[ExternalReference]:
    """The references in force naming the record that the caller may read: officers and audit
    every system's, an integration its own (the ``externalReferences`` of Client, Counterparty
    and Invoice)."""
    ctx = info.context

    async def fetch(session: Any, keys: Any) -> dict[uuid.UUID, list[ReferenceRow]]:
        return await references.references_of(session, ctx.principal, keys)

    rows = await loaders.many(ctx, "integrations.references", fetch).load(subject_id)
    return [ExternalReference.of(r) for r in rows]


EXTERNAL_REFERENCES_TEXT = (
    "Other systems' references naming it, in force (Controcc's and SAP's): an integration sees "
    "only its own system's."
)


@strawberry.type(description="A reference resolved to our record.")
class ResolvedExternalReference:
    reference: str = strawberry.field(description="The reference as asked.")
    subject_type: ExternalReferenceSubject = strawberry.field(description="What it names.")
    subject_id: strawberry.ID = strawberry.field(description="Our record's id.")
    council_reference: str | None = strawberry.field(
        description="A client's council reference (CA000123); null for other records."
    )


@strawberry.type(description="References of one kind resolved to our records.")
class ExternalReferenceResolution:
    kind: ExternalReferenceKind = strawberry.field(description="The kind asked for.")
    found: list[ResolvedExternalReference] = strawberry.field(
        description="Those that name a record, in the order asked."
    )
    not_found: list[str] = strawberry.field(
        description="Those that name none (in force), in the order asked."
    )


@strawberry.input(description="A reference of another system to record, or a correction.")
class RecordExternalReferenceInput:
    kind: ExternalReferenceKind = strawberry.field(
        description="What it is: an integration records its own system's kinds only."
    )
    reference: str = strawberry.field(description="The reference as that system writes it.")
    subject_id: strawberry.ID = strawberry.field(
        description="The record it names: a Client's, Counterparty's or Invoice's id, as the "
        "kind says."
    )
    supersedes: strawberry.ID | None = strawberry.field(
        default=None, description="The reference this corrects (an ExternalReference's id)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why: required for a correction."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.type(description="The reference recorded.")
class RecordExternalReferencePayload:
    external_reference: ExternalReference = strawberry.field(description="As recorded.")
    replayed: bool = replayed_field()


RecordExternalReferenceResult = Annotated[
    RecordExternalReferencePayload
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordExternalReferenceResult",
        description="The reference recorded, or why not (one in force per kind and value).",
    ),
]

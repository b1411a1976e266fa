"""GraphQL for referrals (R-REF-1..4): thin. Parse, call the service, map the result.

A social worker reads their own referrals only, and of them only the status, the documents
missing and the reasons; every other field is withheld (null, no error). Officers and audit read
every referral whole.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    REFERRAL_READ,
    REFERRAL_READ_ALL,
    REFERRAL_SUBMIT,
    REFERRAL_TRIAGE,
    allow,
    allow_or_withhold,
)
from ca_api.clients.schema import Client, client_of
from ca_api.common.arguments import REPEATED_REQUEST_TEXT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.errors import found
from ca_api.referrals import models, service
from ca_api.referrals.inputs import (
    ReferralStatus,
    ResubmitReferralInput,
    SubmitReferralInput,
    TriageReferralInput,
)
from ca_api.referrals.repository import ReferralRow
from ca_api.referrals.rules import Criterion, DocumentKind

# Officers' and audit's only: null, with no error, for the referrer (a social worker).
WHOLE = allow_or_withhold(REFERRAL_READ_ALL)
WITHHELD = " Null for a social worker, who sees only the status, what is missing and why."


@strawberry.type(description="An eligibility criterion as the referrer answered it (R-REF-1).")
class ReferralCriterionAnswer:
    criterion: Criterion = strawberry.field(description="Which criterion.")
    met: bool = strawberry.field(description="Whether it holds, as the referrer says.")
    evidence: str = strawberry.field(description="The evidence given.")


@strawberry.type(description="A document received with a referral (R-REF-3).")
class ReferralDocument:
    kind: DocumentKind = strawberry.field(description="Which document.")
    reference: str = strawberry.field(description="Where it is held.")


@strawberry.type(description="One submission of a referral, as made: never edited (R-AUD-2).")
class ReferralSubmission:
    row: strawberry.Private[models.ReferralSubmission]

    version: int = strawberry.field(description="Its number: the first submission is 1.")
    capital_at_referral: Money = strawberry.field(
        description="The person's capital at referral (R-REF-2)."
    )
    private_income_known: bool = strawberry.field(description="Private income known (R-REF-6).")
    property_known: bool = strawberry.field(description="Property known (R-REF-6).")
    bank_accounts_known: bool = strawberry.field(description="Bank accounts known (R-REF-6).")
    had_previous_appointee: bool = strawberry.field(
        description="Whether there was a previous appointee (R-REF-3)."
    )
    submitted_by: str = strawberry.field(description="Who submitted it.")
    submitted_at: datetime = strawberry.field(description="When it was submitted.")

    @classmethod
    def from_row(cls, s: models.ReferralSubmission) -> ReferralSubmission:
        return cls(
            row=s,
            version=s.version,
            capital_at_referral=Money(s.capital_at_referral),
            private_income_known=s.private_income_known,
            property_known=s.property_known,
            bank_accounts_known=s.bank_accounts_known,
            had_previous_appointee=s.had_previous_appointee,
            submitted_by=s.submitted_by,
            submitted_at=s.submitted_at,
        )

    @strawberry.field(description="The four criteria of R-REF-1 as answered, with evidence.")
    def criteria(self) -> list[ReferralCriterionAnswer]:
        return [
            ReferralCriterionAnswer(criterion=c, met=met, evidence=evidence)
            for c, (met, evidence) in service.criteria_of(self.row).items()
        ]

    @strawberry.field(description="The documents received, each with where it is held.")
    def documents(self) -> list[ReferralDocument]:
        held = self.row.documents
        return [
            ReferralDocument(kind=k, reference=held[k.value]) for k in DocumentKind if k in held
        ]


@strawberry.type(description="A triage of one submission: the outcome the rules gave (R-REF-4).")
class ReferralTriage:
    submission_version: int = strawberry.field(description="The submission triaged.")
    outcome: ReferralStatus = strawberry.field(description="ACCEPTED, RETURNED or REFUSED.")
    missing_documents: list[DocumentKind] = strawberry.field(
        description="The documents missing (RETURNED); empty otherwise."
    )
    reasons: list[str] = strawberry.field(description="Why it was refused (REFUSED).")
    threshold: Money = strawberry.field(
        description="The capital threshold in force that was applied (R-REF-2)."
    )
    note: str = strawberry.field(description="The officer's note.")
    triaged_by: str = strawberry.field(description="The officer who triaged it (R-AUD-1).")
    triaged_at: datetime = strawberry.field(description="When.")


@strawberry.type(
    description="A referred client's referral (R-REF-1..4): submitted by the referrer, triaged "
    "by a senior officer, resubmitted when returned."
)
class Referral(Node):
    row: strawberry.Private[ReferralRow]

    @classmethod
    def from_row(cls, row: ReferralRow) -> Referral:
        return cls(id=node_id("Referral", row.referral.id), row=row, status=row.status)

    id: strawberry.ID = strawberry.field(description="The referral's global id.")
    status: ReferralStatus = strawberry.field(description="Where it stands.")

    @strawberry.field(
        description="What is missing, exactly, when RETURNED (R-REF-4); empty otherwise."
    )
    def missing_documents(self) -> list[DocumentKind]:
        t = self.row.triage
        return [DocumentKind(k) for k in t.missing] if t is not None else []

    @strawberry.field(description="Why it was refused, when REFUSED (R-REF-4); empty otherwise.")
    def reasons(self) -> list[str]:
        t = self.row.triage
        return list(t.reasons) if t is not None else []

    @strawberry.field(extensions=WHOLE, description="The referred client's id." + WITHHELD)
    def client_id(self) -> strawberry.ID | None:
        return node_id("Client", self.row.referral.client_id)

    @strawberry.field(extensions=WHOLE, description="The referred client." + WITHHELD)
    async def client(self, info: Info[Context, None]) -> Client | None:
        return await client_of(info.context, self.row.referral.client_id)

    @strawberry.field(extensions=WHOLE, description="Who referred the client." + WITHHELD)
    def referred_by(self) -> str | None:
        return self.row.referral.referred_by

    @strawberry.field(extensions=WHOLE, description="When it was first submitted." + WITHHELD)
    def referred_at(self) -> datetime | None:
        return self.row.referral.referred_at

    @strawberry.field(extensions=WHOLE, description="Every submission, oldest first." + WITHHELD)
    async def submissions(self, info: Info[Context, None]) -> list[ReferralSubmission] | None:
        rows = await service.submissions(info.context.session, self.row.referral.id)
        return [ReferralSubmission.from_row(s) for s in rows]

    @strawberry.field(extensions=WHOLE, description="Every triage, oldest first." + WITHHELD)
    async def triages(self, info: Info[Context, None]) -> list[ReferralTriage] | None:
        ctx = info.context
        versions = {
            s.id: s.version for s in await service.submissions(ctx.session, self.row.referral.id)
        }
        return [
            ReferralTriage(
                submission_version=versions[t.submission_id],
                outcome=ReferralStatus(t.outcome),
                missing_documents=[DocumentKind(k) for k in t.missing],
                reasons=list(t.reasons),
                threshold=Money(t.threshold),
                note=t.note,
                triaged_by=t.triaged_by,
                triaged_at=t.triaged_at,
            )
            for t in await service.triages(ctx.session, self.row.referral.id)
        ]


@strawberry.type(description="The referral as the mutation left it.")
class ReferralPayload:
    referral: Referral = strawberry.field(description="The referral as it now stands.")
    replayed: bool = replayed_field(REPEATED_REQUEST_TEXT)

    @classmethod
    def of(cls, done: service.ReferralOutcome) -> ReferralPayload:
        return cls(referral=Referral.from_row(done.referral), replayed=done.replayed)


# What a referral's submission (first or again) answers.
_SUBMITTED = (
    ReferralPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem
)
SubmitReferralResult = Annotated[
    _SUBMITTED,
    strawberry.union(
        "SubmitReferralResult", description="The referral submitted, or why it was not."
    ),
]
ResubmitReferralResult = Annotated[
    _SUBMITTED,
    strawberry.union(
        "ResubmitReferralResult", description="The referral resubmitted, or why it was not."
    ),
]
TriageReferralResult = Annotated[
    ReferralPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | FourEyesProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "TriageReferralResult", description="The referral triaged, or why it was not."
    ),
]
ReferralId = Annotated[strawberry.ID, strawberry.argument(description="The referral's id.")]


@strawberry.type
class ReferralQuery:
    @strawberry.field(
        extensions=allow(REFERRAL_READ),
        description="One referral, by id: a social worker's own only (NOT_FOUND otherwise).",
    )
    async def referral(self, info: Info[Context, None], id: ReferralId) -> Referral:
        ctx = info.context
        row = await service.get_referral(ctx.session, ctx.principal, decode_uuid("Referral", id))
        return Referral.from_row(found(row, "referral", id))

    @strawberry.field(
        extensions=[Paged(25), *allow(REFERRAL_READ)],
        description="Referrals, newest first: a social worker's own only; officers' all.",
    )
    async def referrals(
        self,
        info: Info[Context, None],
        page: Page,
        status: Annotated[
            ReferralStatus | None, strawberry.argument(description="Only those in this status.")
        ] = None,
    ) -> Connection[Referral]:
        ctx = info.context

        async def fetch(seek: Seek[tuple[datetime, uuid.UUID]]) -> list[ReferralRow]:
            return await service.list_referrals(
                ctx.session, ctx.principal, status=status, seek=seek
            )

        return await page.connection(
            cursor=PageRequest.time_id,
            fetch=fetch,
            key=lambda r: [r.referral.referred_at.isoformat(), str(r.referral.id)],
            node=Referral.from_row,
        )


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(
        extensions=allow(REFERRAL_SUBMIT),
        description="Submit the referral of a client the caller referred (R-REF-3): the four "
        "criteria of R-REF-1 each answered with evidence, capital at referral (R-REF-2), what is "
        "known of private income, property and bank accounts (R-REF-6), and the documents "
        "received, each with where it is held. Once per client; a returned referral is "
        "resubmitted.",
    )
    async def submit_referral(
        self,
        info: Info[Context, None],
        input: Annotated[
            SubmitReferralInput,
            strawberry.argument(description="The referral, and the request's idempotency key."),
        ],
    ) -> SubmitReferralResult:
        cid = decode_uuid("Client", input.client_id)
        done = await as_caller(
            info, service.submit, cid, input.to_answers(), idempotency_key=input.idempotency_key
        )
        return ReferralPayload.of(done)

    @strawberry.mutation(
        extensions=allow(REFERRAL_SUBMIT),
        description="Submit a RETURNED referral again, whole, by its referrer (R-REF-4): a new "
        "submission of the same referral, the earlier one kept (R-AUD-2); it is triaged again.",
    )
    async def resubmit_referral(
        self,
        info: Info[Context, None],
        input: Annotated[
            ResubmitReferralInput,
            strawberry.argument(description="The referral, and the request's idempotency key."),
        ],
    ) -> ResubmitReferralResult:
        rid = decode_uuid("Referral", input.referral_id)
        done = await as_caller(
            info, service.resubmit, rid, input.to_answers(), idempotency_key=input.idempotency_key
        )
        return ReferralPayload.of(done)

    @strawberry.mutation(
        extensions=allow(REFERRAL_TRIAGE),
        description="Triage a referral's latest submission (senior officer or above): the "
        "outcome is the policy's, never chosen (R-REF-4): a required document missing -> "
        "RETURNED listing exactly which; complete but a criterion of R-REF-1 not met, or capital "
        "at referral not under the threshold in force (R-REF-2) -> REFUSED with the reasons; "
        "else ACCEPTED. The officer adds a note; never the referrer (FourEyesProblem, R-ROLE-2).",
    )
    async def triage_referral(
        self,
        info: Info[Context, None],
        input: Annotated[
            TriageReferralInput,
            strawberry.argument(
                description="The referral and the note, and the request's idempotency key."
            ),
        ],
    ) -> TriageReferralResult:
        rid = decode_uuid("Referral", input.referral_id)
        done = await as_caller(
            info, service.triage, rid, input.note, idempotency_key=input.idempotency_key
        )
        return ReferralPayload.of(done)


# The type node(id:) fetches: with the roles of referral(id:), in the caller's scope.
NODES: tuple[NodeType, ...] = (
    NodeType("Referral", REFERRAL_READ, in_scope(service.referrals_by_id, Referral.from_row)),
)

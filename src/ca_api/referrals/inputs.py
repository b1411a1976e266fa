"""GraphQL inputs and enums of referrals (the schema's own file is ``referrals/schema.py``):
what the referrer and the triaging officer send, in the council's words. Each mutation takes one
``input``, its idempotency key last."""

from __future__ import annotations

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.referrals import rules, service
from ca_api.referrals.rules import Criterion, DocumentKind

ReferralStatus = rules.ReferralStatus
graphql_enum(
    ReferralStatus,
    "Where a referral stands: the triage of its latest submission (R-REF-4).",
    {
        ReferralStatus.SUBMITTED: "Its latest submission awaits triage by a senior officer.",
        ReferralStatus.ACCEPTED: "Complete and eligible: the council takes it on (R-REF-1..3).",
        ReferralStatus.RETURNED: "Incomplete: back with the referrer, listing what is missing, "
        "to resubmit (R-REF-4).",
        ReferralStatus.REFUSED: "Not eligible: refused with the reasons (R-REF-1, R-REF-2, "
        "R-REF-4).",
    },
)
graphql_enum(
    DocumentKind,
    "A document a referral comes with (R-REF-3).",
    {
        DocumentKind.SS0003_SIGNED: "Form SS0003, signed by the care manager or social worker.",
        DocumentKind.MENTAL_CAPACITY_ASSESSMENT: "The mental capacity assessment.",
        DocumentKind.APPOINTEESHIP_CHECKLIST: "The appointeeship checklist: required for "
        "clients in the community only.",
        DocumentKind.RELINQUISHMENT_LETTER: "The previous appointee's letter of "
        "relinquishment: required only where there was a previous appointee.",
        DocumentKind.DWP_AWARD_LETTERS: "The DWP award letters.",
        DocumentKind.BANK_STATEMENTS: "The bank statements.",
    },
    name="ReferralDocumentKind",
)
graphql_enum(
    Criterion,
    "An eligibility criterion of R-REF-1: all four must hold.",
    {
        Criterion.SOCIAL_CARE_ELIGIBLE: "Eligible for a social care service.",
        Criterion.NO_APPOINTEE_OR_LPA: "No existing appointee, and no Lasting Power of "
        "Attorney made before capacity was lost.",
        Criterion.NO_ONE_TO_HELP: "No suitable family member, friend or organisation to help.",
        Criterion.LACKS_CAPACITY: "Lacks capacity to manage their finances (the mental "
        "capacity assessment).",
    },
    name="ReferralCriterion",
)


@strawberry.input(description="An eligibility criterion answered, with its evidence (R-REF-1).")
class ReferralCriterionInput:
    met: bool = strawberry.field(description="Whether the criterion holds.")
    evidence: str = strawberry.field(description="The evidence for the answer, in short.")


@strawberry.input(description="A document received with the referral (R-REF-3).")
class ReferralDocumentInput:
    kind: DocumentKind = strawberry.field(description="Which document.")
    reference: str = strawberry.field(
        description="Where it is held: the file, system or document reference."
    )


@strawberry.input(description="A referral's answers: the criteria, capital and documents.")
class ReferralAnswersInput:
    social_care_eligible: ReferralCriterionInput = strawberry.field(
        description="Eligible for a social care service (R-REF-1)."
    )
    no_appointee_or_power_of_attorney: ReferralCriterionInput = strawberry.field(
        description="No existing appointee and no Lasting Power of Attorney made before "
        "capacity was lost (R-REF-1)."
    )
    no_one_suitable_to_help: ReferralCriterionInput = strawberry.field(
        description="No suitable family member, friend or organisation to help (R-REF-1)."
    )
    lacks_capacity: ReferralCriterionInput = strawberry.field(
        description="Lacks capacity to manage their finances (R-REF-1)."
    )
    capital_at_referral: Money = strawberry.field(
        description="The person's capital at referral: under the threshold in force to be "
        "eligible (R-REF-2)."
    )
    private_income_known: bool = strawberry.field(
        description="Whether private income (other than DWP benefits) is known (R-REF-6)."
    )
    property_known: bool = strawberry.field(
        description="Whether the person is known to own property (R-REF-6)."
    )
    bank_accounts_known: bool = strawberry.field(
        description="Whether bank accounts are known (R-REF-6)."
    )
    had_previous_appointee: bool = strawberry.field(
        description="Whether there was a previous appointee: their letter of relinquishment is "
        "then required (R-REF-3)."
    )
    documents: list[ReferralDocumentInput] = strawberry.field(
        description="The documents received, each once, with where it is held (R-REF-3)."
    )

    def to_answers(self) -> service.Answers:
        def answer(c: ReferralCriterionInput) -> tuple[bool, str]:
            return (c.met, c.evidence)

        return service.Answers(
            criteria={
                Criterion.SOCIAL_CARE_ELIGIBLE: answer(self.social_care_eligible),
                Criterion.NO_APPOINTEE_OR_LPA: answer(self.no_appointee_or_power_of_attorney),
                Criterion.NO_ONE_TO_HELP: answer(self.no_one_suitable_to_help),
                Criterion.LACKS_CAPACITY: answer(self.lacks_capacity),
            },
            capital_at_referral=self.capital_at_referral,
            private_income_known=self.private_income_known,
            property_known=self.property_known,
            bank_accounts_known=self.bank_accounts_known,
            had_previous_appointee=self.had_previous_appointee,
            documents=[(d.kind, d.reference) for d in self.documents],
        )


@strawberry.input(
    description="The referral of a client the caller referred, and the request's idempotency key."
)
class SubmitReferralInput(ReferralAnswersInput):
    client_id: strawberry.ID = strawberry.field(
        description="The client: referred by the caller (referClient) and still REFERRED."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A returned referral submitted again, whole, and the request's idempotency key."
)
class ResubmitReferralInput(ReferralAnswersInput):
    referral_id: strawberry.ID = strawberry.field(
        description="The referral: RETURNED, and referred by the caller."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The referral to triage, and the request's idempotency key.")
class TriageReferralInput:
    referral_id: strawberry.ID = strawberry.field(
        description="The referral: its latest submission not yet triaged."
    )
    note: str = strawberry.field(description="The officer's note: what was checked.")
    idempotency_key: str = idempotency_key_field()

"""GraphQL inputs and enums of the outbox (the schema's own file is ``outbox/schema.py``). Each
mutation takes one ``input``, its idempotency key last."""

from __future__ import annotations

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.ids import decode_uuid
from ca_api.common.types import graphql_enum
from ca_api.outbox import repository, rules

Topic = rules.Topic
graphql_enum(
    Topic,
    "What an outbound message says.",
    {
        Topic.APPLICATION_MADE: "The council applied to be the client's appointee (BF56 sent "
        "to the DWP) or deputy (seed 002 B 4.1).",
        Topic.APPOINTED: "The council was appointed the client's appointee or deputy: its "
        "first order of either kind (R-REF-7, seed 002 B 4.5).",
        Topic.DEATH_NOTIFIED: "The client's death was confirmed (R-DEATH-1, seed 002 B 29.1).",
        Topic.CIRCUMSTANCES_CHANGED: "A change in the client's circumstances the OPG (the "
        "council is deputy) or the DWP (the council is appointee, or the DWP pays the client's "
        "benefits) must hear of: the sale of a "
        "property, admission to or leaving residential care, a move, capital or income changed "
        "(R-ORD-4, seed 002 B 18.2); or a correction of one they heard of. Its subject is the "
        "CircumstanceChange.",
        Topic.OPG_REPORT_PREPARED: "A deputy client's annual OPG report was prepared for review "
        "(issue 15, R-OPG). Its subject is the OpgReport.",
        Topic.OPG_REPORT_APPROVED: "A deputy client's annual OPG report was approved by a second "
        "officer (R-ROLE-2). Its subject is the OpgReport.",
        Topic.OPG_REPORT_SUBMITTED: "A deputy client's annual OPG report was marked submitted to "
        "the OPG, with the date and the OPG's reference. Its subject is the OpgReport.",
        Topic.OPG_REPORT_CORRECTED: "A submitted OPG report was corrected: a new version, to be "
        "reviewed and submitted again. Its subject is the OpgReport.",
        Topic.PAYMENT_MADE_TO_COUNCIL: "A payment from the client's account to the council was "
        "made (to SAP: it clears its invoice, R-PAY-4). Its subject is the Payment.",
        Topic.FEE_CHARGED: "Deputy remuneration was taken from the client's account for the "
        "council by a fee run (R-FEE-1, R-FEE-3). Its subject is the fee's ledger Transfer.",
        Topic.WIND_UP_FEE_TAKEN: "The council's wind-up fee was taken from a deceased client's "
        "account (R-FEE-5). Its subject is the WindUpFee.",
        Topic.ESTATE_KEPT: "A small estate with no claimant was paid to the council "
        "(R-DEATH-4). Its subject is the Payment.",
        Topic.INVOICE_HELD: "An invoice the system sent was put on hold, on appointment or by "
        "an officer (R-REF-7). Its subject is the hold.",
        Topic.INVOICE_HOLD_RELEASED: "The hold on an invoice the system sent was released. Its "
        "subject is the hold.",
        Topic.INVOICE_FUNDS_SHORT: "The payment of an invoice the system sent was refused: the "
        "client's funds are short (R-PAY-3). Its subject is the Payment.",
        Topic.FINANCIAL_INFORMATION: "The client's financial information for a financial "
        "assessment (seed 002 B 4.2-4.4). Its subject is the FinancialAssessment entry.",
        Topic.BANK_BALANCE: "A client's CMS balance at the end of a bank statement imported, for "
        "reconciliation (R-ACC-7, seed 002 1.6). Its subject is the statement and client.",
        Topic.POSTING_REVERSED: "A transfer SAP heard of (a payment to the council, a fee, a "
        "wind-up fee, an estate kept) was reversed: SAP reverses what it booked. Its subject is "
        "the reversal's Transfer.",
        Topic.TEMPORARY_ASSISTANCE_REPAID: "The client's money repaid the council's temporary "
        "financial assistance (seed 002 B 4.6): money to the council that is not a payment. Its "
        "subject is the repayment's Transfer.",
    },
    name="OutboxTopic",
)
Recipient = rules.Recipient
graphql_enum(
    Recipient,
    "Who an outbound message is for: a council team (told by e-mail by an officer) or a system.",
    {
        Recipient.FINANCIAL_ASSESSMENT: "The ASC Financial Assessment team.",
        Recipient.INCOME_RECOVERY: "The BSD Income Recovery team.",
        Recipient.SAP: "The council's finance system, SAP.",
        Recipient.CONTROCC: "The care-management payments system, Controcc.",
        Recipient.DWP: "The Department for Work and Pensions.",
        Recipient.OPG: "The Office of the Public Guardian.",
        Recipient.CARE_MANAGEMENT: "The ASC Care Management team.",
        Recipient.SERVICE_AGREEMENT_TEAM: "The ASC Service Agreement team.",
        Recipient.HOUSING_BENEFIT: "The council's Housing Benefit service.",
    },
    name="OutboxRecipient",
)
MessageState = rules.MessageState
graphql_enum(
    MessageState,
    "Where an outbound message stands.",
    {
        MessageState.PENDING: "Written; not yet recorded as sent.",
        MessageState.SENT: "Recorded as sent to its recipient.",
        MessageState.ACKNOWLEDGED: "Its recipient acknowledged it.",
    },
    name="OutboxMessageState",
)


@strawberry.input(description="Which outbound messages to list; every condition given must hold.")
class OutboxMessageFilter:
    recipient: Recipient | None = strawberry.field(default=None, description="Only to them.")
    topic: Topic | None = strawberry.field(default=None, description="Only of this topic.")
    state: MessageState | None = strawberry.field(
        default=None, description="Only those where they stand now."
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only about this client."
    )

    def to_filter(self) -> repository.MessageFilter:
        cid = self.client_id
        return repository.MessageFilter(
            recipient=self.recipient,
            topic=self.topic,
            state=self.state,
            client_id=decode_uuid("Client", cid) if cid is not None else None,
        )


@strawberry.input(
    description="An outbound message recorded as sent, and the request's idempotency key."
)
class RecordOutboxMessageSentInput:
    id: strawberry.ID = strawberry.field(description="The message: PENDING.")
    note: str | None = strawberry.field(
        default=None, description="How it was sent (the e-mail's reference), if worth saying."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="An outbound message recorded as acknowledged by its recipient, and the "
    "request's idempotency key."
)
class RecordOutboxMessageAcknowledgedInput:
    id: strawberry.ID = strawberry.field(description="The message: SENT.")
    note: str | None = strawberry.field(
        default=None,
        description="How it was acknowledged (the reply's reference), if worth saying.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="An integration acknowledges its own feed up to a cursor, and the request's "
    "idempotency key."
)
class AcknowledgeOutboxMessagesInput:
    up_to: str = strawberry.field(
        description="A cursor of outboxMessages (an edge's cursor or a page's endCursor) at one "
        "of the caller's own messages: every message of its own at or before it is "
        "acknowledged."
    )
    idempotency_key: str = idempotency_key_field()

"""The integrations' GraphQL vocabulary, described once in the council's words: the systems,
reference kinds, flows, line outcomes, refusal codes and SAP's invoice states (``rules`` holds
them as the rules use them)."""

from __future__ import annotations

from ca_api.common.types import graphql_enum
from ca_api.integrations import rules

ExternalSystem = rules.ExternalSystem
graphql_enum(
    ExternalSystem,
    "A council system that works beside this service.",
    CONTROCC="Controcc: social-care records, financial assessments, the provider side of care.",
    SAP="SAP: the council's ledger and clients' outstanding contributions.",
)
ExternalReferenceKind = rules.ExternalReferenceKind
graphql_enum(
    ExternalReferenceKind,
    "What another system's reference names, and in which system.",
    CONTROCC_PERSON="Controcc's person id: a client.",
    CONTROCC_PROVIDER="Controcc's provider id: a counterparty (a care provider or supplier).",
    CONTROCC_INVOICE="Controcc's invoice id: an invoice Controcc sent.",
    CONTROCC_RECEIPT="Controcc's receipt id: a benefit receipt Controcc recorded (B 18.3); "
    "written by recordControccBenefitBatch only.",
    SAP_CUSTOMER="SAP's customer number: a client.",
    SAP_VENDOR="SAP's vendor number: a counterparty (the council's own charging body).",
    SAP_DOCUMENT="SAP's document number: an invoice SAP sent.",
)
ExternalReferenceSubject = rules.SubjectType
graphql_enum(
    ExternalReferenceSubject,
    "The kind of record a reference names.",
    name="ExternalReferenceSubject",
    CLIENT="A client (its id is a Client's).",
    COUNTERPARTY="A counterparty (its id is a Counterparty's).",
    INVOICE="An invoice (its id is an Invoice's).",
    RECEIPT="A receipt (its id is a Receipt's).",
)
IntakeFlow = rules.IntakeFlow
graphql_enum(
    IntakeFlow,
    "A bulk flow of an integration.",
    CONTROCC_INVOICES="Controcc's providers' bills and reimbursements.",
    SAP_INVOICES="SAP's council care-contribution invoices (R-PAY-4).",
    CONTROCC_BENEFITS="Benefit receipts Controcc records against its clients (seed 002 B 18.3, "
    "R-ACC-6).",
)
IntakeLineOutcome = rules.LineOutcome
graphql_enum(
    IntakeLineOutcome,
    "What became of a line of a batch.",
    name="IntakeLineOutcome",
    CREATED="Recorded now.",
    ALREADY_HAD="Its external reference was recorded already: nothing was written.",
    REFUSED="Not recorded: see its code and reason; correct it and send it again.",
)
IntakeRefusalCode = rules.RefusalCode
graphql_enum(
    IntakeRefusalCode,
    "Why a line of a batch was refused: a stable code.",
    name="IntakeRefusalCode",
    BAD_REFERENCE="The line's own external reference is empty or longer than 100 characters.",
    REPEATED_IN_BATCH="The same external reference is on an earlier line of the batch.",
    UNKNOWN_CLIENT="No client has this reference of the sender's system.",
    UNKNOWN_SUPPLIER="No counterparty has this reference of the sender's system.",
    CLIENT_NOT_ACTED_FOR="The client's record is closed: the council no longer acts for them.",
    KIND_NOT_ALLOWED="Not a kind of invoice this integration records.",
    BAD_AMOUNT="The amount is not more than 0.00, or the items do not add up to it.",
    DUPLICATE_INVOICE="The supplier's invoice number is recorded already (R-PAY-2).",
    INVALID_LINE="Another rule of recordInvoice or recordBenefitRun refused it (R-PAY-1, "
    "R-PAY-5, R-PAY-6, R-OPG-1, R-ACC-6): the reason names each field.",
    UNKNOWN_PAYER="No counterparty has this payer reference of the sender's system.",
    NOT_A_BENEFIT_PAYER="The payer is not the DWP or the council: they alone pay benefits.",
    WITH_A_REFUSED_LINE="Another line of the same client and value date (one bank credit) was "
    "refused: a credit is recorded whole or not at all; correct that line and send them again.",
)
CouncilInvoiceState = rules.CouncilInvoiceState
graphql_enum(
    CouncilInvoiceState,
    "Where an invoice SAP sent stands, as SAP reconciles it.",
    OUTSTANDING="Not yet paid.",
    ON_HOLD="On hold (R-REF-7): not paid until an officer releases it.",
    FUNDS_SHORT="The client's funds were short when its payment came to approval (R-PAY-3).",
    PAID="Paid to the council.",
    CANCELLED="Cancelled by an officer: it will not be paid.",
)

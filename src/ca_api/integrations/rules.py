"""Pure rules of the integrations (issue 17): which system names what, who may record and read
which references, and how a line of a batch is judged. No I/O, no clock.

An integration speaks for one system (R-ROLE: "only the operations of their integration"): it
reads and writes its own system's references only, sends its own flows only, and reads back the
facts of its own flows, never officers' casework.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from ca_api.auth.permissions import EXTERNAL_REFERENCE_OFFICERS, OFFICERS
from ca_api.auth.principal import Role
from ca_api.common.rules import text_problem

MAX_REFERENCE = 100
MAX_REASON = 2000
# A batch fits the request limit (CA_API_MAX_BODY_BYTES, 1,000,000 bytes) with room to spare:
# a full Controcc line is about 370 bytes of JSON, so 2,000 lines about 740 KB.
MAX_BATCH_LINES = 2000
MAX_RESOLVE = 5000


class ExternalSystem(enum.StrEnum):
    CONTROCC = "CONTROCC"
    SAP = "SAP"


class SubjectType(enum.StrEnum):
    """What a reference names, by its GraphQL type (its opaque id's prefix)."""

    CLIENT = "Client"
    COUNTERPARTY = "Counterparty"
    INVOICE = "Invoice"
    RECEIPT = "Receipt"


class ExternalReferenceKind(enum.StrEnum):
    CONTROCC_PERSON = "CONTROCC_PERSON"  # a client, in Controcc
    CONTROCC_PROVIDER = "CONTROCC_PROVIDER"  # a counterparty: a care provider or supplier
    CONTROCC_INVOICE = "CONTROCC_INVOICE"  # an invoice Controcc sent
    CONTROCC_RECEIPT = "CONTROCC_RECEIPT"  # a benefit receipt Controcc recorded (B 18.3)
    SAP_CUSTOMER = "SAP_CUSTOMER"  # a client, as SAP's debtor for the care contribution
    SAP_VENDOR = "SAP_VENDOR"  # a counterparty (the council's own vendor record)
    SAP_DOCUMENT = "SAP_DOCUMENT"  # an invoice SAP sent (its document number)

    @property
    def system(self) -> ExternalSystem:
        return ExternalSystem.CONTROCC if self.value.startswith("CONTROCC_") else ExternalSystem.SAP

    @property
    def subject_type(self) -> SubjectType:
        return KIND_SUBJECT[self]


KIND_SUBJECT: dict[ExternalReferenceKind, SubjectType] = {
    ExternalReferenceKind.CONTROCC_PERSON: SubjectType.CLIENT,
    ExternalReferenceKind.CONTROCC_PROVIDER: SubjectType.COUNTERPARTY,
    ExternalReferenceKind.CONTROCC_INVOICE: SubjectType.INVOICE,
    ExternalReferenceKind.CONTROCC_RECEIPT: SubjectType.RECEIPT,
    ExternalReferenceKind.SAP_CUSTOMER: SubjectType.CLIENT,
    ExternalReferenceKind.SAP_VENDOR: SubjectType.COUNTERPARTY,
    ExternalReferenceKind.SAP_DOCUMENT: SubjectType.INVOICE,
}

# The system an integration role speaks for (as outbox.rules.INTEGRATION_RECIPIENT).
ROLE_SYSTEM: dict[Role, ExternalSystem] = {
    Role.INTEGRATION_CONTROCC: ExternalSystem.CONTROCC,
    Role.INTEGRATION_SAP: ExternalSystem.SAP,
}

# Officers who record or correct any system's reference by hand: first checks and above; who
# reads every system's references and batches: the caseload's officers and audit.
REFERENCE_OFFICERS = EXTERNAL_REFERENCE_OFFICERS
READ_ALL = OFFICERS | {Role.AUDITOR}


def own_systems(roles: Collection[Role]) -> frozenset[ExternalSystem]:
    """The systems whose references and batches the caller reads: every one for officers and
    audit; an integration its own."""
    if any(r in READ_ALL for r in roles):
        return frozenset(ExternalSystem)
    return frozenset(ROLE_SYSTEM[r] for r in roles if r in ROLE_SYSTEM)


def may_record_kind(roles: Collection[Role], kind: ExternalReferenceKind) -> bool:
    """Senior assistants and above record any system's references; an integration its own
    system's kinds only."""
    if any(r in REFERENCE_OFFICERS for r in roles):
        return True
    return kind.system in {ROLE_SYSTEM[r] for r in roles if r in ROLE_SYSTEM}


def reference_problem(field: str, value: str) -> dict[str, str]:
    """A reference's value: 1 to 100 characters, no spaces around (stripped by the caller)."""
    return text_problem(field, value, required=True, maximum=MAX_REFERENCE)


# --- batches ------------------------------------------------------------------------------


class IntakeFlow(enum.StrEnum):
    """A bulk flow: who sends it and what each line is."""

    CONTROCC_INVOICES = "CONTROCC_INVOICES"  # providers' bills and reimbursements
    SAP_INVOICES = "SAP_INVOICES"  # the council's care-contribution invoices (R-PAY-4)
    CONTROCC_BENEFITS = "CONTROCC_BENEFITS"  # benefit receipts Controcc records (B 18.3, R-ACC-6)


@dataclass(frozen=True)
class FlowKinds:
    """The reference kinds of a flow: the line's own, its client's and its supplier's."""

    system: ExternalSystem
    line: ExternalReferenceKind
    client: ExternalReferenceKind
    supplier: ExternalReferenceKind


FLOWS: dict[IntakeFlow, FlowKinds] = {
    IntakeFlow.CONTROCC_INVOICES: FlowKinds(
        ExternalSystem.CONTROCC,
        ExternalReferenceKind.CONTROCC_INVOICE,
        ExternalReferenceKind.CONTROCC_PERSON,
        ExternalReferenceKind.CONTROCC_PROVIDER,
    ),
    IntakeFlow.SAP_INVOICES: FlowKinds(
        ExternalSystem.SAP,
        ExternalReferenceKind.SAP_DOCUMENT,
        ExternalReferenceKind.SAP_CUSTOMER,
        ExternalReferenceKind.SAP_VENDOR,
    ),
    # the "supplier" of a benefit receipt is its payer: the DWP or the council (a counterparty)
    IntakeFlow.CONTROCC_BENEFITS: FlowKinds(
        ExternalSystem.CONTROCC,
        ExternalReferenceKind.CONTROCC_RECEIPT,
        ExternalReferenceKind.CONTROCC_PERSON,
        ExternalReferenceKind.CONTROCC_PROVIDER,
    ),
}


# What a line of each flow records: the subject type its record id is (IntakeLine.recordId).
FLOW_SUBJECT: dict[IntakeFlow, SubjectType] = {
    IntakeFlow.CONTROCC_INVOICES: SubjectType.INVOICE,
    IntakeFlow.SAP_INVOICES: SubjectType.INVOICE,
    IntakeFlow.CONTROCC_BENEFITS: SubjectType.RECEIPT,
}


class LineOutcome(enum.StrEnum):
    CREATED = "CREATED"
    ALREADY_HAD = "ALREADY_HAD"  # its external reference was recorded: nothing written
    REFUSED = "REFUSED"


class RefusalCode(enum.StrEnum):
    """Why a line was refused: stable codes an integration may act on."""

    BAD_REFERENCE = "BAD_REFERENCE"  # the line's own external reference is empty or too long
    REPEATED_IN_BATCH = "REPEATED_IN_BATCH"  # the same external reference twice in one batch
    UNKNOWN_CLIENT = "UNKNOWN_CLIENT"  # no client with that reference of the sender's
    UNKNOWN_SUPPLIER = "UNKNOWN_SUPPLIER"  # no counterparty with that reference of the sender's
    CLIENT_NOT_ACTED_FOR = "CLIENT_NOT_ACTED_FOR"  # the council no longer acts for the client
    KIND_NOT_ALLOWED = "KIND_NOT_ALLOWED"  # not a kind of invoice this integration records
    BAD_AMOUNT = "BAD_AMOUNT"  # not more than 0.00, or the items do not add up to it
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE"  # the supplier's number is recorded (R-PAY-2)
    INVALID_LINE = "INVALID_LINE"  # another of recordInvoice's rules (R-PAY-1, -5, -6, R-OPG-1)
    UNKNOWN_PAYER = "UNKNOWN_PAYER"  # no counterparty with that reference of the sender's
    NOT_A_BENEFIT_PAYER = "NOT_A_BENEFIT_PAYER"  # a benefit is paid by the DWP or the council
    WITH_A_REFUSED_LINE = "WITH_A_REFUSED_LINE"  # same client and value date as a refused line


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    reason: str


def refusal_of_problems(problems: dict[str, str]) -> Refusal:
    """The refusal of a line from recordInvoice's problems by field (invoices.rules): the amount
    named first, as BAD_AMOUNT; anything else INVALID_LINE, every field said."""
    said = "; ".join(f"{k}: {v}" for k, v in sorted(problems.items()))
    amount = any(k == "amount" or k == "items" or k.endswith(".amount") for k in problems)
    return Refusal(RefusalCode.BAD_AMOUNT if amount else RefusalCode.INVALID_LINE, said)


class CouncilInvoiceState(enum.StrEnum):
    """Where an invoice SAP sent stands, for SAP's reconciliation (item 5)."""

    OUTSTANDING = "OUTSTANDING"  # to be paid
    ON_HOLD = "ON_HOLD"  # held on appointment or by an officer (R-REF-7): not paid until released
    FUNDS_SHORT = "FUNDS_SHORT"  # the client's funds are short: the originator is told (R-PAY-3)
    PAID = "PAID"
    CANCELLED = "CANCELLED"


def council_state(status: str, on_hold: bool) -> CouncilInvoiceState:
    """An invoice's status (invoices.rules.InvoiceStatus) and hold as SAP reads it: a hold
    counts before funds short (nothing is paid while held)."""
    if status == "PAID":
        return CouncilInvoiceState.PAID
    if status == "CANCELLED":
        return CouncilInvoiceState.CANCELLED
    if on_hold:
        return CouncilInvoiceState.ON_HOLD
    if status == "FUNDS_SHORT":
        return CouncilInvoiceState.FUNDS_SHORT
    return CouncilInvoiceState.OUTSTANDING


@dataclass(frozen=True)
class Tally:
    """Counts and sums of a batch's lines by outcome (pence)."""

    line_count: int = 0
    created_count: int = 0
    already_had_count: int = 0
    refused_count: int = 0
    received_amount: int = 0
    created_amount: int = 0
    already_had_amount: int = 0
    refused_amount: int = 0


def tally(lines: Collection[tuple[LineOutcome, int]]) -> Tally:
    """The batch's counts and sums: received is every line; the three outcomes add up to it."""
    by: dict[LineOutcome, tuple[int, int]] = {o: (0, 0) for o in LineOutcome}
    for outcome, amount in lines:
        n, total = by[outcome]
        by[outcome] = (n + 1, total + amount)
    return Tally(
        line_count=len(lines),
        created_count=by[LineOutcome.CREATED][0],
        already_had_count=by[LineOutcome.ALREADY_HAD][0],
        refused_count=by[LineOutcome.REFUSED][0],
        received_amount=sum(a for _, a in lines),
        created_amount=by[LineOutcome.CREATED][1],
        already_had_amount=by[LineOutcome.ALREADY_HAD][1],
        refused_amount=by[LineOutcome.REFUSED][1],
    )


# --- Controcc's benefit receipts (seed 002 B 18.3, R-ACC-6) ---------------------------------


def credit_groups_refused(
    keys: Collection[tuple[int, object]], refused: Collection[int]
) -> set[int]:
    """The lines refused with a refused line of theirs: ``keys`` gives each line's (index,
    credit) where a credit is a (client, value date); a line shares the fate of every line of
    its credit. A client's benefits paid on one day reach the client monies bank account as one
    credit (B 18.3: paid directly to that account every four weeks), so the client's ledger
    matches the bank statement only if all of them are recorded or none: a credit recorded in
    part would leave the bank reconciliation short by the refused line until it is resent.
    Other clients' credits, and this client's on other days, are not held back."""
    bad = {credit for n, credit in keys if n in refused}
    return {n for n, credit in keys if credit in bad and n not in refused}

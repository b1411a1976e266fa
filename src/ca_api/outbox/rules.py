"""Pure rules of the outbox: what a message is about and for whom, its state from its
deliveries, and who may record a delivery for which recipient. No I/O.

R-REF-7 and seed 002 section B 4.1-4.5: the ASC Financial Assessment team and the BSD Income
Recovery team are told when the council applies for, and when it is granted, appointeeship or
deputyship. Later issues add topics (a death, a change for Controcc or SAP) and read the same
table as a feed.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from ca_api.auth.principal import Role

__all__ = [
    "DELIVERERS",
    "HANDOFF_RECIPIENTS",
    "INTEGRATION_RECIPIENT",
    "INTEGRATION_TOPICS",
    "MAX_NOTE",
    "MessageState",
    "Recipient",
    "Topic",
    "may_deliver",
    "originator_of",
    "state_of",
]

MAX_NOTE = 2000


class Topic(enum.StrEnum):
    """What a message says."""

    APPLICATION_MADE = "APPLICATION_MADE"  # seed B 4.1: appointeeship/deputyship applied for
    APPOINTED = "APPOINTED"  # R-REF-7, seed B 4.5: appointeeship/deputyship granted
    DEATH_NOTIFIED = "DEATH_NOTIFIED"  # R-DEATH-1, seed B 29.1: the client's death confirmed
    # R-ORD-4, seed B 18.2: a change of circumstances the OPG or the DWP must hear of
    CIRCUMSTANCES_CHANGED = "CIRCUMSTANCES_CHANGED"
    # Issue 15 (R-OPG): the annual report to the OPG through its review and submission.
    OPG_REPORT_PREPARED = "OPG_REPORT_PREPARED"
    OPG_REPORT_APPROVED = "OPG_REPORT_APPROVED"
    OPG_REPORT_SUBMITTED = "OPG_REPORT_SUBMITTED"
    OPG_REPORT_CORRECTED = "OPG_REPORT_CORRECTED"
    # Issue 17 item 3: the change feed of the council's systems (docs/integration_events.md).
    PAYMENT_MADE_TO_COUNCIL = "PAYMENT_MADE_TO_COUNCIL"  # SAP clears its invoice (R-PAY-4)
    FEE_CHARGED = "FEE_CHARGED"  # deputy remuneration taken for the council (R-FEE-1, R-FEE-3)
    WIND_UP_FEE_TAKEN = "WIND_UP_FEE_TAKEN"  # R-FEE-5, R-DEATH-3
    ESTATE_KEPT = "ESTATE_KEPT"  # a small estate kept by the council (R-DEATH-4)
    INVOICE_HELD = "INVOICE_HELD"  # R-REF-7: told to the system that sent the invoice
    INVOICE_HOLD_RELEASED = "INVOICE_HOLD_RELEASED"
    INVOICE_FUNDS_SHORT = "INVOICE_FUNDS_SHORT"  # R-PAY-3: the invoice's sender is told
    FINANCIAL_INFORMATION = "FINANCIAL_INFORMATION"  # for a financial assessment (B 4.2-4.4)
    BANK_BALANCE = "BANK_BALANCE"  # a client's balance on a bank statement (R-ACC-7, seed 1.6)
    POSTING_REVERSED = "POSTING_REVERSED"  # a transfer SAP heard of, reversed (reverseTransfer)
    # the client's money repaying the council's temporary financial assistance (seed 002 B 4.6)
    TEMPORARY_ASSISTANCE_REPAID = "TEMPORARY_ASSISTANCE_REPAID"


class Recipient(enum.StrEnum):
    """Who a message is for: a council team (told by an officer, by e-mail) or a system."""

    FINANCIAL_ASSESSMENT = "FINANCIAL_ASSESSMENT"  # the ASC Financial Assessment team
    INCOME_RECOVERY = "INCOME_RECOVERY"  # the BSD Income Recovery team
    SAP = "SAP"
    CONTROCC = "CONTROCC"
    DWP = "DWP"
    OPG = "OPG"
    CARE_MANAGEMENT = "CARE_MANAGEMENT"  # the ASC Care Management team (seed B 29.1)
    SERVICE_AGREEMENT_TEAM = "SERVICE_AGREEMENT_TEAM"  # the ASC Service Agreement team
    HOUSING_BENEFIT = "HOUSING_BENEFIT"  # the council's Housing Benefit service


class MessageState(enum.StrEnum):
    PENDING = "PENDING"  # nothing recorded yet
    SENT = "SENT"
    ACKNOWLEDGED = "ACKNOWLEDGED"


# The two teams told on application and on appointment (R-REF-7, seed B 4.1, 4.5).
HANDOFF_RECIPIENTS = (Recipient.FINANCIAL_ASSESSMENT, Recipient.INCOME_RECOVERY)

_TEAM_SENDERS = frozenset({Role.SENIOR_OFFICER, Role.GOVERNANCE_MANAGER, Role.HEAD_OF_SERVICE})
# Who records a message sent or acknowledged: a senior officer and above for what a person
# sends (an e-mail to a council team, a letter to the DWP or OPG); each integration for its own
# system's messages only.
DELIVERERS: dict[Recipient, frozenset[Role]] = {
    Recipient.FINANCIAL_ASSESSMENT: _TEAM_SENDERS,
    Recipient.INCOME_RECOVERY: _TEAM_SENDERS,
    Recipient.DWP: _TEAM_SENDERS,
    Recipient.OPG: _TEAM_SENDERS,
    Recipient.CARE_MANAGEMENT: _TEAM_SENDERS,
    Recipient.SERVICE_AGREEMENT_TEAM: _TEAM_SENDERS,
    Recipient.HOUSING_BENEFIT: _TEAM_SENDERS,
    Recipient.SAP: frozenset({Role.INTEGRATION_SAP}),
    Recipient.CONTROCC: frozenset({Role.INTEGRATION_CONTROCC}),
}
# The recipient an integration reads and delivers: its own system's messages only.
INTEGRATION_RECIPIENT: dict[Role, Recipient] = {
    Role.INTEGRATION_SAP: Recipient.SAP,
    Role.INTEGRATION_CONTROCC: Recipient.CONTROCC,
}


# What each system hears, and the version of each event's schema (docs/integration_events.md;
# tests/test_integration_events_doc.py keeps the two equal). A version goes up only when a field
# changes meaning or goes; a field added keeps it.
INTEGRATION_TOPICS: dict[Recipient, dict[Topic, int]] = {
    Recipient.SAP: {
        Topic.APPOINTED: 1,
        Topic.DEATH_NOTIFIED: 1,
        Topic.PAYMENT_MADE_TO_COUNCIL: 1,
        Topic.FEE_CHARGED: 1,
        Topic.WIND_UP_FEE_TAKEN: 1,
        Topic.ESTATE_KEPT: 1,
        Topic.INVOICE_HELD: 1,
        Topic.INVOICE_HOLD_RELEASED: 1,
        Topic.INVOICE_FUNDS_SHORT: 1,
        Topic.POSTING_REVERSED: 1,
        Topic.TEMPORARY_ASSISTANCE_REPAID: 1,
    },
    Recipient.CONTROCC: {
        Topic.APPOINTED: 1,
        Topic.DEATH_NOTIFIED: 1,
        Topic.INVOICE_HELD: 1,
        Topic.INVOICE_HOLD_RELEASED: 1,
        Topic.INVOICE_FUNDS_SHORT: 1,
        Topic.FINANCIAL_INFORMATION: 1,
        Topic.BANK_BALANCE: 1,
    },
}
_INVOICE = ("invoice_id", "supplier_id", "supplier_invoice_number", "invoice_kind", "amount")
# The facts each event carries (its ``facts`` object's keys), as documented: ``events.envelope``
# writes no other, so the document and the events cannot drift apart.
FACTS: dict[Topic, tuple[str, ...]] = {
    Topic.APPOINTED: ("order", "order_id", "in_force_from", "invoices_held"),
    Topic.DEATH_NOTIFIED: ("death_id", "died_on"),
    Topic.PAYMENT_MADE_TO_COUNCIL: (
        "payment_id",
        "amount",
        "value_date",
        "category",
        "method",
        "description",
        "payee_id",
        "payee_name",
        "payee_reference",
        "invoice_id",
        "supplier_invoice_number",
        "invoice_kind",
        "transfer_id",
    ),
    Topic.FEE_CHARGED: (
        "fee_run_id",
        "kind",
        "basis",
        "amount",
        "value_date",
        "due_date",
        "year_start",
        "year_end",
        "payee_id",
        "transfer_id",
    ),
    Topic.WIND_UP_FEE_TAKEN: (
        "wind_up_fee_id",
        "amount",
        "value_date",
        "died_on",
        "figure_effective_from",
        "payee_id",
        "transfer_id",
    ),
    Topic.INVOICE_HELD: (*_INVOICE, "hold_id", "cause"),
    Topic.INVOICE_HOLD_RELEASED: (*_INVOICE, "hold_id", "cause"),
    Topic.INVOICE_FUNDS_SHORT: (*_INVOICE, "payment_id", "reason"),
    Topic.FINANCIAL_INFORMATION: (
        "financial_assessment_id",
        "status",
        "referred_on",
        "as_at",
        "accounts",
        "total_balance",
    ),
    Topic.BANK_BALANCE: (
        "bank_statement_id",
        "account_name",
        "period_start",
        "period_end",
        "balance",
    ),
}
FACTS[Topic.ESTATE_KEPT] = FACTS[Topic.PAYMENT_MADE_TO_COUNCIL]
FACTS[Topic.TEMPORARY_ASSISTANCE_REPAID] = (
    "assistance_id",
    "amount",
    "value_date",
    "category",
    "description",
    "payee_id",
    "payee_name",
    "payee_reference",
    "outstanding",
    "transfer_id",
)
# The GraphQL type of each fact that names a record: an event gives the API's opaque id of it
# (what ``node(id:)``, the integration's own resolved references and its sent invoices show),
# never the database's key. ``order_id`` is of the type its ``order`` fact names.
ID_FACTS: dict[str, str] = {
    "payment_id": "Payment",
    "invoice_id": "Invoice",
    "supplier_id": "Counterparty",
    "payee_id": "Counterparty",
    "transfer_id": "Transfer",
    "assistance_id": "TemporaryAssistance",
    "fee_run_id": "FeeRun",
    "wind_up_fee_id": "WindUpFee",
    "hold_id": "InvoiceHold",
    "death_id": "Death",
    "financial_assessment_id": "FinancialAssessment",
    "bank_statement_id": "BankStatement",
    "reversal_transfer_id": "Transfer",
    "reverses_transfer_id": "Transfer",
}
ORDER_TYPES = {"DEPUTYSHIP": "Deputyship", "APPOINTEESHIP": "Appointeeship"}


def id_type(fact: str, facts: dict[str, object]) -> str | None:
    """The GraphQL type of the record ``fact`` names, or None when it names none."""
    if fact == "order_id":
        return ORDER_TYPES[str(facts["order"])]
    if fact == "reverses_subject_id":
        return str(facts["reverses_subject_type"])
    return ID_FACTS.get(fact)


FACTS[Topic.POSTING_REVERSED] = (
    "reversal_transfer_id",
    "reverses_transfer_id",
    "reverses_topic",
    "reverses_subject_type",
    "reverses_subject_id",
    "reverses_sequence",
    "amount",
    "value_date",
    "category",
)
# The keys of every event, around its facts (``events.envelope``).
ENVELOPE = (
    "topic",
    "version",
    "occurred_at",
    "occurred_on",
    "client_id",
    "client_reference",
    "external_references",
    "facts",
)

# The systems told of a client's appointment and death (R-REF-7, R-DEATH-1): SAP holds the
# client's contributions (income recovery's ledger), Controcc their care and assessment.
INTEGRATIONS: tuple[Recipient, ...] = (Recipient.SAP, Recipient.CONTROCC)


def originator_of(invoice_source: str) -> Recipient | None:
    """The system that sent an invoice (``invoices.rules.InvoiceSource``), told what becomes of
    it (R-PAY-3); None for one recorded by an officer."""
    return {"SAP": Recipient.SAP, "CONTROCC": Recipient.CONTROCC}.get(invoice_source)


def may_deliver(roles: Collection[Role], recipient: Recipient) -> bool:
    return any(r in DELIVERERS[recipient] for r in roles)


def state_of(states: Collection[str]) -> MessageState:
    """The message's state from the states of its delivery rows."""
    if MessageState.ACKNOWLEDGED.value in states:
        return MessageState.ACKNOWLEDGED
    if MessageState.SENT.value in states:
        return MessageState.SENT
    return MessageState.PENDING

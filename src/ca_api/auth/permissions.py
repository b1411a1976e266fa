"""The permission matrix (R-ROLE-1): deny by default; every root field names who may call it.

A field declares its audience with ``extensions=allow(CLIENT_READ)``; ``tests/test_permissions``
walks the schema and fails for any root field without an ``allow``. The groups below are the
only place roles are granted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.permission import BasePermission, PermissionExtension

from ca_api.auth.principal import Role
from ca_api.errors import ErrorCode
from ca_api.policy.amounts import AmountCheck

if TYPE_CHECKING:
    from strawberry.extensions import FieldExtension
    from strawberry.types import Info

R = Role

# Officers of the Client Affairs team, who work the caseload.
OFFICERS = frozenset(
    {
        R.SUPPORT_ASSISTANT,
        R.ASSISTANT,
        R.SENIOR_ASSISTANT,
        R.SENIOR_OFFICER,
        R.GOVERNANCE_MANAGER,
        R.HEAD_OF_SERVICE,
    }
)
# Casework beyond data entry: recording court orders and appointeeships.
CASEWORKERS = OFFICERS - {R.SUPPORT_ASSISTANT}
EVERYONE = frozenset(Role)

# Read a client's record. Social workers see only the clients they referred (row scoping in the
# repository) and not their personal details (CLIENT_DETAIL_READ: null for them, no error).
CLIENT_READ = OFFICERS | {R.AUDITOR, R.SOCIAL_WORKER}
CLIENT_DETAIL_READ = OFFICERS | {R.AUDITOR}
# Who reads every client's row; anyone else in CLIENT_READ is scoped (a social worker: their own).
CLIENT_READ_ALL = OFFICERS | {R.AUDITOR}
CLIENT_WRITE = OFFICERS
CLIENT_REFER = frozenset({R.SOCIAL_WORKER})
ORDER_WRITE = CASEWORKERS
# Aggregates only, no personal data: dashboards and the people who run the service.
AGGREGATE_READ = OFFICERS | {R.AUDITOR, R.REPORTING}
# Today's caseload by legal role and situation, every cell plainly: for those who read the
# clients themselves. The reporting role reads the caseload through ``caseload(asAt:)``, whose
# small counts are suppressed (issue 16 item 7): a cell of one client identifies the client.
CASELOAD_SUMMARY_READ = OFFICERS | {R.AUDITOR}
# The audit trail (R-AUD-3): audit, and those answerable for the service.
AUDIT_READ = frozenset({R.AUDITOR, R.GOVERNANCE_MANAGER, R.HEAD_OF_SERVICE})
OFFICER_DIRECTORY_READ = OFFICERS | {R.AUDITOR}


class RolesAllowed(BasePermission):
    """Passes when the caller holds any of ``roles``; a denial has ``extensions.code`` FORBIDDEN."""

    error_extensions = {"code": ErrorCode.FORBIDDEN.value}

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles
        self.message = "your role may not do this"

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
        principal = getattr(info.context, "principal", None)
        return principal is not None and principal.has_any(self.roles)


def allow(*groups: frozenset[Role]) -> list[FieldExtension]:
    """Field extensions granting the union of ``groups``; nobody else may call the field.

    Every root field has one, so it also carries the one check of the maximum for any one amount
    (``ca_api.policy.amounts``, issue 9 item 6), inside the permission check: strawberry runs a
    field's extensions last-listed first, so a caller who may not call the field is refused
    before its arguments are looked at."""
    roles: frozenset[Role] = frozenset().union(*groups)
    if not roles:
        raise ValueError("allow() needs at least one role")
    return [
        AmountCheck(),
        PermissionExtension(permissions=[RolesAllowed(roles)], use_directives=False),
    ]


class Withheld(PermissionExtension):
    """A nullable field that answers null, with no error, to anyone outside its roles."""

    def apply(self, field: Any) -> None:
        super().apply(field)
        self.return_empty_list = False  # null, not an empty list: "not shown", not "none"


def allow_or_withhold(*groups: frozenset[Role]) -> list[FieldExtension]:
    """Like ``allow``, for a nullable field below the root: a caller who may read the object but
    not this field gets null for it, not a FORBIDDEN error beside the data that would invite a
    retry (issue 9 item 7: a social worker reading their own referral)."""
    roles: frozenset[Role] = frozenset().union(*groups)
    if not roles:
        raise ValueError("allow_or_withhold() needs at least one role")
    return [Withheld(permissions=[RolesAllowed(roles)], use_directives=False, fail_silently=True)]


def withheld(field: Any, *groups: frozenset[Role]) -> Any:
    """``field`` (a nullable ``strawberry.field`` already made, e.g. by a shared helper) withheld,
    as ``allow_or_withhold`` does, from anyone outside ``groups``."""
    field.extensions = [*field.extensions, *allow_or_withhold(*groups)]
    return field


def allowed_roles(extensions: list[Any]) -> frozenset[Role] | None:
    """The roles an ``allow`` grants, read back from a field's extensions (for the schema walk)."""
    for ext in extensions:
        if isinstance(ext, PermissionExtension):
            for perm in ext.permissions:
                if isinstance(perm, RolesAllowed):
                    return perm.roles
    return None


# --- Client money (the ledger issue) ---
APPROVERS = frozenset({R.SENIOR_OFFICER, R.GOVERNANCE_MANAGER, R.HEAD_OF_SERVICE})
# Balances, statements, invoices, payments: the caseload's officers and audit.
LEDGER_READ = OFFICERS | {R.AUDITOR}
COUNTERPARTY_WRITE = OFFICERS
# Support assistants record receipts and prepare payments (domain.md R-ROLE).
RECEIPT_WRITE = OFFICERS
BENEFIT_RUN = OFFICERS
INTEREST_RUN = APPROVERS
# Invoices arrive by post (officers), from Controcc (care providers) and SAP (council charges);
# the service limits each integration to its own kind of invoice.
INVOICE_WRITE = OFFICERS | {R.INTEGRATION_CONTROCC, R.INTEGRATION_SAP}
INVOICE_CHECK = OFFICERS
PAYMENT_RAISE = OFFICERS | {R.INTEGRATION_SAP}
# Approval also needs the approval limit in force, and never one's own payment (R-ROLE-2).
PAYMENT_APPROVE = APPROVERS
PAYMENT_MAKE = OFFICERS
PAYMENT_CANCEL = OFFICERS
TRANSFER_REVERSE = APPROVERS
# Reclassifying an entry's OPG category (issue 15, R-OPG-1): a report-only correction, no money
# moves; a senior assistant and above (those who prepare and check the OPG report).
LEDGER_RECLASSIFY = APPROVERS | {R.SENIOR_ASSISTANT}
RECONCILE = OFFICERS
POLICY_READ = OFFICERS | {R.AUDITOR}
POLICY_WRITE = frozenset({R.GOVERNANCE_MANAGER})

# --- Decisions and approvals (the approvals issue) ---
# Casework raises decisions; approval also needs the limit in force and never one's own (R-DEC,
# R-ROLE-2). Officers see the queue; each item says whether the caller may approve it.
DECISION_RAISE = CASEWORKERS
DECISION_APPROVE = APPROVERS
DECISION_READ = OFFICERS | {R.AUDITOR}
EMPLOYEE_REGISTER_WRITE = frozenset({R.GOVERNANCE_MANAGER, R.HEAD_OF_SERVICE})
APPROVAL_QUEUE_READ = OFFICERS
# POLICY_WRITE (above): the governance manager adds a new version of the approval limits.

# --- Planning, investments and fees (the planning issue) ---
PLAN_WRITE = CASEWORKERS
PLAN_READ = OFFICERS | {R.AUDITOR}
THRESHOLD_FLAGS_READ = OFFICERS | {R.AUDITOR}
FEE_RUN = frozenset({R.SENIOR_OFFICER, R.GOVERNANCE_MANAGER, R.HEAD_OF_SERVICE})
FEE_READ = OFFICERS | {R.AUDITOR}
# Lodgements and placements: casework proposes (an investment plan decision the governance
# manager approves, R-INV-2, R-INV-3); officers carry out what was approved; the governance
# manager keeps the register of approved institutions (R-INV-4).
INVESTMENT_PROPOSE = CASEWORKERS
INVESTMENT_EXECUTE = OFFICERS
INSTITUTION_WRITE = frozenset({R.GOVERNANCE_MANAGER})
INVESTMENT_READ = OFFICERS | {R.AUDITOR}

# --- Referrals (issue 12 item 1, R-REF-1..4) ---
# The referrer submits and resubmits (the roles that refer a client); a senior officer or above
# triages. Officers and audit read every referral; a social worker only their own, and of it only
# its status, the documents missing and the reasons (the rest is withheld, null).
REFERRAL_SUBMIT = CLIENT_REFER
REFERRAL_TRIAGE = APPROVERS
REFERRAL_READ_ALL = OFFICERS | {R.AUDITOR}
REFERRAL_READ = REFERRAL_READ_ALL | {R.SOCIAL_WORKER}

# --- The DWP appointeeship application clock (issue 12 item 2, R-REF-5) ---
# The officers who record orders and appointeeships (recordAppointeeship) record the application
# sent and the DWP's decision; officers and audit read the deadlines.
APPOINTEE_APPLICATION_WRITE = ORDER_WRITE
APPOINTEE_APPLICATION_READ = OFFICERS | {R.AUDITOR}

# --- The Court of Protection deputyship application (issue 12 item 2, R-REF-6, R-INV-1,
# R-ORD-2) ---
# As the DWP application: those who record orders record the need, the application, its stages
# and the notices of the deputy order; officers and audit read the deadlines and the notices.
DEPUTYSHIP_APPLICATION_WRITE = APPOINTEE_APPLICATION_WRITE
DEPUTYSHIP_APPLICATION_READ = APPOINTEE_APPLICATION_READ
# --- Temporary financial assistance (issue 12 item 4, seed 002 B 4.6-4.7) ---
# Casework prepares the request form (B 4.6; data entry does not: the request is a decision to
# spend the council's money for the client); SCAO and above approve or reject within the limits
# (R-DEC) and never their own (R-ROLE-2); the SCAO implements it (B 4.7), records it paid and
# takes the repayments (a role above may too, R-DEC-2); officers and audit read.
ASSISTANCE_REQUEST = CASEWORKERS
ASSISTANCE_APPROVE = APPROVERS
ASSISTANCE_IMPLEMENT = APPROVERS
ASSISTANCE_READ = OFFICERS | {R.AUDITOR}
# A client's death (issue 13): casework records it, a senior officer who did not record it
# confirms it (R-ROLE-2), officers and audit read it (not social workers: personal details).
DEATH_RECORD = CASEWORKERS
DEATH_CONFIRM = APPROVERS
DEATH_READ = OFFICERS | {R.AUDITOR}
# The wind-up fee is taken by whoever runs the fees (R-FEE-5, seed 002 B 6.4: the SCAO).
WIND_UP_FEE_CHARGE = FEE_RUN
# The estate (issue 13 item 5, R-DEATH-3, R-DEATH-4): casework records who takes it (executor,
# next of kin) and the Treasury Solicitor referral, and raises the estate payment (a senior
# officer who did not raise it approves it, as every payment); a senior officer and above close
# the wound-up case (as they confirm the death); officers and audit read the estate.
ESTATE_RECORD = CASEWORKERS
ESTATE_PAY = CASEWORKERS
CASE_CLOSE = APPROVERS
ESTATE_READ = OFFICERS | {R.AUDITOR}
# Complaints and appeals (issue 14 item 8, R-AUD-4, seed 002 B 30): casework records a
# complaint (the client's, or someone's for them) and its outcome; the Senior Client Affairs
# Officer prepares an appeal (B 30.3; a role above may too, R-DEC-2), records it lodged and its
# outcome; the deputy approves it before lodging (the head of service signs as the corporate
# deputy), never whoever prepared or corrected it (R-ROLE-2). Officers and
# audit read the register; the social worker sees none of it.
COMPLAINT_RECORD = CASEWORKERS
APPEAL_PREPARE = APPROVERS
# B 30.3: "approved by the Deputy": the head of service signs as the corporate Deputy (R-ROLE),
# never whoever prepared the appeal (four eyes).
APPEAL_APPROVE = frozenset({R.HEAD_OF_SERVICE})
COMPLAINT_READ = OFFICERS | {R.AUDITOR}
# Wills and funeral (issue 14 item 5, R-CARE-5, seed 002 B 21, B 28): casework records a will
# or codicil found, the Court of Protection told of it, and funeral wishes; a senior officer and
# above propose a funeral plan bought from the client's funds (B 28.2: the SCAO completes the
# best interest decision form, approved within the limits by another, R-DEC, R-ROLE-2) and
# raise its payment (B 25.2: the SCAO implements the decision; a second officer approves the
# payment); officers and audit read them (not social workers).
WILL_RECORD = CASEWORKERS
FUNERAL_PLAN_PROPOSE = APPROVERS
FUNERAL_PLAN_PAY = APPROVERS
WILL_READ = OFFICERS | {R.AUDITOR}
# Outstanding debts found on appointment (issue 14 item 2, R-DEBT-1..3, seed 002 B 14): casework
# records a debt, records a letter to a creditor sent and raises a repayment under an approved
# statement (a second officer approves the payment, R-ROLE-2); the Client Affairs team produces
# the financial statement (B 14.4: "produced by the Client Affairs team"), agreed by the SCAO or
# the TGM within the Appendix 2 limits (approveDecision); officers and audit read them.
DEBT_RECORD = CASEWORKERS
DEBT_STATEMENT = CASEWORKERS
DEBT_REPAY = CASEWORKERS
DEBT_READ = OFFICERS | {R.AUDITOR}
# Income tax (issue 14 item 6, R-CARE-6, seed 002 B 19): casework records a client's return
# filed (B 19.1: the deputy ensures it is made; the team does it); officers and audit read the
# client's tax year and the caseload's returns; social workers see none of it (R-ROLE).
TAX_RETURN_RECORD = CASEWORKERS
INCOME_TAX_READ = OFFICERS | {R.AUDITOR}
# A client's property (issue 14 item 3, R-CARE-4, seed 002 B 8-9): casework records the
# property (insurance, keys), protection visits and the Protection of Property team's invoices,
# the parties consulted, valuations, offers, the sale's proceeds and a letting on the court's
# authority; a senior officer and above raise the best interest decision that the client is not
# likely to return home (B 9.1: approved by another, R-DEC, R-ROLE-2), agree the price as the
# deputy (B 9.3: the head of service signs as the corporate deputy; the SCAO acts for it) and
# agree the sale; officers and audit read it; social workers see none of it (R-ROLE).
PROPERTY_RECORD = CASEWORKERS
PROPERTY_DECIDE = APPROVERS
PROPERTY_PRICE_AGREE = APPROVERS
PROPERTY_READ = OFFICERS | {R.AUDITOR}
# Valuables in the team's safe (issue 14 item 4, R-CARE-3, seed 002 B 24): casework takes an
# item in (with its photograph), corrects it and logs it out and in; officers and audit read
# them, photographs included; social workers see none of it (R-ROLE).
VALUABLE_RECORD = CASEWORKERS
VALUABLE_READ = OFFICERS | {R.AUDITOR}
# Recovery of capacity (issue 14 item 7, R-ORD-5, seed 002 B 27): those who record court
# orders (ORDER_WRITE) record the court's order that the client can manage their affairs (it
# ends the deputyship) and correct it; casework raises the payments handing money back (a
# senior officer who did not raise one approves it, as every payment); a senior officer and
# above close the case (as they close a wound-up one); officers and audit read it (not social
# workers: personal details).
RECOVERY_RECORD = ORDER_WRITE
RECOVERY_HANDOVER = CASEWORKERS
RECOVERY_CLOSE = CASE_CLOSE
RECOVERY_READ = OFFICERS | {R.AUDITOR}
# Benefit overpayments after a death (issue 13 item 3, R-DEATH-2, seed 002 B 29.2): casework
# records the paying agency's request (the repayment it raises is approved by another officer,
# R-ROLE-2); a senior officer and above release one the agency says is not owed; officers and
# audit read them, as they read the death.
OVERPAYMENT_REPAYMENT_REQUEST = CASEWORKERS
OVERPAYMENT_RELEASE = APPROVERS
OVERPAYMENT_READ = DEATH_READ
# Annual reviews, contacts and changes of circumstances (issue 14 item 1, R-CARE-1, R-ORD-4):
# casework records a review and a change of circumstances (whose notice to the OPG or the DWP a
# senior officer records sent, as every outbox message to them); every officer logs a contact
# (data entry: a call, a letter, seed 002 B 13.4); officers and audit read them all (not social
# workers: personal details).
REVIEW_RECORD = CASEWORKERS
CONTACT_RECORD = OFFICERS
CIRCUMSTANCE_RECORD = CASEWORKERS
REVIEW_READ = OFFICERS | {R.AUDITOR}
# Personal allowance and weekly cash (issue 14 item 9, R-PAY-6, R-BUD-4, seed 002 B 22-23):
# casework records a client's schedule, a change or a stop; a senior officer and above who did
# not record it approves it (R-ROLE-2: the SCAO approves a financial plan and budget, B 10.2,
# within the limits); whoever runs the fees runs the week's payments for every client; officers
# and audit read them (not social workers).
ALLOWANCE_RECORD = CASEWORKERS
ALLOWANCE_APPROVE = APPROVERS
ALLOWANCE_RUN = FEE_RUN
ALLOWANCE_READ = OFFICERS | {R.AUDITOR}
# --- On appointment (issue 12 item 3, R-REF-7; seed 002 B 4.1-4.5) ---
# The outbox: senior officers and above, and audit, read every message; each integration only
# its own system's (row scoping in outbox.repository). A senior officer and above record a team
# e-mail sent and acknowledged; an integration its own system's messages
# (outbox.rules.DELIVERERS).
OUTBOX_READ_ALL = APPROVERS | {R.AUDITOR}
OUTBOX_READ = OUTBOX_READ_ALL | {R.INTEGRATION_SAP, R.INTEGRATION_CONTROCC}
OUTBOX_DELIVER = APPROVERS | {R.INTEGRATION_SAP, R.INTEGRATION_CONTROCC}
# Issue 17 item 3: each integration acknowledges its own feed up to a cursor and reads where it
# stands; SAP's postings of a day as CSV are read by SAP and by those who read every message.
OUTBOX_ACKNOWLEDGE = frozenset({R.INTEGRATION_SAP, R.INTEGRATION_CONTROCC})
SAP_POSTINGS_READ = OUTBOX_READ_ALL | {R.INTEGRATION_SAP}
# A council invoice held on appointment is released, with a reason, by a senior officer and
# above (those who approve payments); they may also hold an invoice by hand.
INVOICE_HOLD_WRITE = APPROVERS
# The client's financial assessment status is recorded by casework (seed B 4.2-4.4).
FINANCIAL_ASSESSMENT_WRITE = CASEWORKERS
# --- The caseload import (issue 12 item 5) ---
# Bringing in an existing caseload (clients, orders, opening balances, investments) at a
# cut-over is the governance manager's alone: it writes every module's records at once.
CASELOAD_IMPORT = frozenset({R.GOVERNANCE_MANAGER})
# --- The OPG annual report (issue 15, R-OPG, R-ROLE-2) ---
# Officers and audit read reports; casework opens, generates, writes and prepares them; a senior
# officer and above (never whoever generated, wrote or prepared it) approves, returns, marks
# submitted and corrects.
OPG_REPORT_READ = OFFICERS | {R.AUDITOR}
OPG_REPORT_WRITE = CASEWORKERS
OPG_REPORT_APPROVE = APPROVERS
# --- The service's cost and income, workload and exceptions register (issue 16 items 3, 5, 6) ---
# The cost table (staff roles, overheads, bank charges: R-REP-3, R-DATA) is the governance
# manager's to record; the reports are aggregates (officers, audit and dashboards read them;
# officers' names and free text only for officers and audit). Any officer submits an exception
# to the policy; the governance manager decides it (seed 002 D 1.3), never its submitter.
SERVICE_COSTS_WRITE = frozenset({R.GOVERNANCE_MANAGER})
SERVICE_REPORT_READ = AGGREGATE_READ
SERVICE_REPORT_DETAIL = OFFICERS | {R.AUDITOR}
POLICY_EXCEPTION_RECORD = OFFICERS
POLICY_EXCEPTION_DECIDE = frozenset({R.GOVERNANCE_MANAGER})
POLICY_EXCEPTION_READ = AGGREGATE_READ

# --- Reports the committee and the dashboards run on (issue 16) ---
# Aggregates only, no personal data; counts suppressed for the reporting role (reports.rules).
REPORT_READ = AGGREGATE_READ

# --- Controcc and SAP (issue 17 items 1, 2 and 5) ---
# External references: first checks and above record or correct any system's by hand; each
# integration its own system's kinds only (the service checks the kind). Resolving and reading
# batches: officers and audit all, each integration its own system's (the service scopes).
EXTERNAL_REFERENCE_OFFICERS = frozenset(
    {R.SENIOR_ASSISTANT, R.SENIOR_OFFICER, R.GOVERNANCE_MANAGER, R.HEAD_OF_SERVICE}
)
INTEGRATIONS = frozenset({R.INTEGRATION_CONTROCC, R.INTEGRATION_SAP})
EXTERNAL_REFERENCE_WRITE = EXTERNAL_REFERENCE_OFFICERS | INTEGRATIONS
INTEGRATION_READ = OFFICERS | {R.AUDITOR} | INTEGRATIONS
# Issue 17 item 2 (R-ROLE: "only the operations of their integration"): an integration reads the
# facts of its own flows (an invoice's state, amounts, due date, hold and its cause, references;
# a payment's state, amount and dates) and never officers' casework: their checks and notes, who
# held, approved, made or cancelled and why, a client's names, the ledger transfer behind a
# hold, a basis decided after a death. Such fields answer null to an integration, no error
# (allow_or_withhold); everyone else who reads the object reads them as before.
CASEWORK_DETAIL = EVERYONE - INTEGRATIONS
# The bulk flows: each sent by its own system only (officers record one invoice at a time).
CONTROCC_INTAKE = frozenset({R.INTEGRATION_CONTROCC})
SAP_INTAKE = frozenset({R.INTEGRATION_SAP})
# SAP's invoices against the payments made to the council (R-PAY-3, R-PAY-4, R-REF-7).
COUNCIL_INVOICE_RECONCILIATION_READ = OFFICERS | {R.AUDITOR, R.INTEGRATION_SAP}

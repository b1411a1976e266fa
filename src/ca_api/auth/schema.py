"""The roles (domain.md R-ROLE) and the kinds of caller as GraphQL enums (issue 11 item 4): every
field that names a role (Me.roles, Officer.role, ApprovalLimit.role, AuditEntry.principalRoles,
OverApprovalLimitProblem.lowestRoleThatMayApprove) uses ``Role``, not a string. A value is the
role id in UPPER_SNAKE_CASE (``senior_officer`` is ``SENIOR_OFFICER``); the enums stay the rules'
own (``auth.principal``), so what is stored and compared is unchanged."""

from __future__ import annotations

from ca_api.auth.principal import PrincipalKind, Role
from ca_api.common.types import graphql_enum

__all__ = ["PrincipalKind", "Role"]

graphql_enum(
    Role,
    "A role in the Client Affairs service (R-ROLE): what its holder may do follows from it, "
    "checked on the server for every operation (R-ROLE-1).",
    {
        Role.SUPPORT_ASSISTANT: "Client Affairs Support Assistant: data entry, records "
        "receipts, prepares payments.",
        Role.ASSISTANT: "Client Affairs Assistant: casework, prepares payments and decisions.",
        Role.SENIOR_ASSISTANT: "Senior Client Affairs Assistant: casework, first checks.",
        Role.SENIOR_OFFICER: "Senior Client Affairs Officer (SCAO): approves within the "
        "approval limits, records decisions (R-DEC).",
        Role.GOVERNANCE_MANAGER: "Transformation and Governance Manager (TGM): approves above "
        "the SCAO's limits; owns policy and exceptions.",
        Role.HEAD_OF_SERVICE: "Head of Financial Programmes or Chief Finance Officer: signs as "
        "the corporate deputy or appointee.",
        Role.AUDITOR: "Internal or external audit: reads every client record and the audit "
        "trail (R-AUD-3), changes nothing.",
        Role.REPORTING: "Dashboards: aggregates only, no personal data.",
        Role.SOCIAL_WORKER: "Care manager or social worker: submits referrals and sees only "
        "their own referrals' status.",
        Role.INTEGRATION_CONTROCC: "The Controcc system account: only the operations of its "
        "integration (supplier invoices and care providers' reimbursements).",
        Role.INTEGRATION_SAP: "The SAP system account: only the operations of its integration "
        "(the council's care contribution invoices, R-PAY-4).",
    },
)

graphql_enum(
    PrincipalKind,
    "Who a caller is: a person, or a system acting through an integration.",
    {
        PrincipalKind.OFFICER: "A person: an officer of the team, an auditor, a social worker.",
        PrincipalKind.SYSTEM: "An integration's system account (Controcc, SAP): every role it "
        "holds is a system role.",
    },
)

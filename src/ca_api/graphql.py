"""The schema: Query and Mutation composed from each domain module, and the extensions that
guard it (limits, error codes, masking)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    GraphQLError,
)
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig

from ca_api import observability
from ca_api.allowances import schema as allowances_schema
from ca_api.allowances.schema import AllowanceMutation, AllowanceQuery
from ca_api.appointee_applications.schema import (
    AppointeeApplicationMutation,
    AppointeeApplicationQuery,
)
from ca_api.approvals import schema as approvals_schema
from ca_api.approvals import sources
from ca_api.approvals.schema import ApprovalQuery, ApprovalSubscription
from ca_api.audit import schema as audit_schema
from ca_api.audit.schema import AuditQuery
from ca_api.caseload_import.schema import CaseloadImportMutation
from ca_api.clients import schema as clients_schema
from ca_api.clients.schema import ClientMutation, ClientQuery
from ca_api.common import node
from ca_api.common.node import NodeQuery
from ca_api.common.problems import ProblemResults, returns_problems
from ca_api.common.scalars import SCALAR_MAP
from ca_api.complaints import schema as complaints_schema
from ca_api.complaints.schema import ComplaintMutation, ComplaintQuery
from ca_api.config import Settings
from ca_api.deadline_measures.schema import DeadlineMeasureQuery
from ca_api.deaths.schema import (
    DeathMutation,
    DeathNotificationMutation,
    DeathNotificationQuery,
    WindUpFeeMutation,
)
from ca_api.decisions import queue as decisions_queue
from ca_api.decisions import schema as decisions_schema
from ca_api.decisions.schema import DecisionMutation, DecisionQuery
from ca_api.deputyship_applications.schema import (
    DeputyshipApplicationMutation,
    DeputyshipApplicationQuery,
)
from ca_api.documents import DocumentLimits, GuardedValidation, ParsedDocuments
from ca_api.employees import schema as employees_schema
from ca_api.employees.schema import EmployeeMutation, EmployeeQuery
from ca_api.error_policy import ErrorPolicy, shaped
from ca_api.estates.schema import EstateMutation, EstateQuery
from ca_api.fees import schema as fees_schema
from ca_api.fees.schema import FeeMutation, FeeQuery
from ca_api.financial_assessments.schema import FinancialAssessmentMutation
from ca_api.income_tax.schema import IncomeTaxMutation, IncomeTaxQuery
from ca_api.institutions import schema as institutions_schema
from ca_api.institutions.schema import InstitutionMutation, InstitutionQuery
from ca_api.integrations import schema as integrations_schema
from ca_api.integrations.schema import IntegrationsMutation, IntegrationsQuery
from ca_api.investment_statements import schema as investment_statements_schema
from ca_api.investment_statements.schema import (
    InvestmentStatementMutation,
    InvestmentStatementQuery,
)
from ca_api.investments import schema as investments_schema
from ca_api.investments.schema import InvestmentMutation, InvestmentQuery
from ca_api.invoices import schema as invoices_schema
from ca_api.invoices.schema import InvoiceMutation, InvoiceQuery
from ca_api.ledger import schema as ledger_schema
from ca_api.ledger.schema import LedgerMutation, LedgerQuery
from ca_api.lodgements import schema as lodgements_schema
from ca_api.lodgements.schema import LodgementMutation, LodgementQuery
from ca_api.observability import RecordProblem
from ca_api.officers import schema as officers_schema
from ca_api.officers.schema import OfficerQuery
from ca_api.opg_reports import schema as opg_reports_schema
from ca_api.opg_reports.schema import OpgReportMutation, OpgReportQuery
from ca_api.orders import schema as orders_schema
from ca_api.orders.schema import OrderMutation
from ca_api.outbox import schema as outbox_schema
from ca_api.outbox.schema import OutboxMutation, OutboxQuery
from ca_api.outstanding_debts.schema import OutstandingDebtMutation, OutstandingDebtQuery
from ca_api.overpayments.schema import BenefitOverpaymentMutation, BenefitOverpaymentQuery
from ca_api.payments import queue as payments_queue
from ca_api.payments import schema as payments_schema
from ca_api.payments.schema import PaymentMutation, PaymentQuery
from ca_api.placements import schema as placements_schema
from ca_api.placements.schema import PlacementMutation, PlacementQuery
from ca_api.planning import schema as planning_schema
from ca_api.planning.schema import PlanningMutation, PlanningQuery, PlanReviewQuery
from ca_api.policy import schema as policy_schema
from ca_api.policy.schema import PolicyMutation, PolicyQuery
from ca_api.property.schema import PropertyMutation, PropertyQuery
from ca_api.receipts import schema as receipts_schema
from ca_api.receipts.schema import ReceiptMutation, ReceiptQuery
from ca_api.reconciliation import schema as reconciliation_schema
from ca_api.reconciliation.schema import ReconciliationMutation, ReconciliationQuery
from ca_api.recovery.schema import RecoveryMutation, RecoveryQuery
from ca_api.referrals import schema as referrals_schema
from ca_api.referrals.schema import ReferralMutation, ReferralQuery
from ca_api.reports.schema import ReportQuery
from ca_api.reviews import schema as reviews_schema
from ca_api.reviews.schema import ReviewMutation, ReviewQuery
from ca_api.service_costs import schema as service_costs_schema
from ca_api.service_costs.schema import ServiceCostMutation, ServiceCostQuery
from ca_api.temporary_assistance import queue as temporary_assistance_queue
from ca_api.temporary_assistance import schema as temporary_assistance_schema
from ca_api.temporary_assistance.schema import (
    TemporaryAssistanceMutation,
    TemporaryAssistanceQuery,
)
from ca_api.valuables.schema import ValuableMutation, ValuableQuery
from ca_api.wills.schema import WillMutation, WillQuery
from ca_api.winding_up.schema import WindingUpMutation, WindingUpQuery


@strawberry.type(
    description="What may be read: each field checks the caller's role (R-ROLE-1) and, for a "
    "client's records, whether the caller may see that client."
)
class Query(
    NodeQuery,
    OfficerQuery,
    ClientQuery,
    AuditQuery,
    PolicyQuery,
    LedgerQuery,
    ReceiptQuery,
    InvoiceQuery,
    PaymentQuery,
    ReconciliationQuery,
    DecisionQuery,
    EmployeeQuery,
    ApprovalQuery,
    PlanningQuery,
    PlanReviewQuery,
    FeeQuery,
    LodgementQuery,
    InstitutionQuery,
    PlacementQuery,
    InvestmentQuery,
    InvestmentStatementQuery,
    ReferralQuery,
    AppointeeApplicationQuery,
    DeputyshipApplicationQuery,
    TemporaryAssistanceQuery,
    OutboxQuery,
    WindingUpQuery,
    DeathNotificationQuery,
    EstateQuery,
    BenefitOverpaymentQuery,
    ComplaintQuery,
    WillQuery,
    OutstandingDebtQuery,
    IncomeTaxQuery,
    ReviewQuery,
    ValuableQuery,
    RecoveryQuery,
    PropertyQuery,
    AllowanceQuery,
    OpgReportQuery,
    ServiceCostQuery,
    DeadlineMeasureQuery,
    ReportQuery,
    IntegrationsQuery,
):
    pass


@strawberry.type(
    description="What may be changed: each mutation checks the caller's role, approval limit "
    "and four-eyes (R-ROLE, R-DEC), writes all or nothing, and answers a business refusal as "
    "a typed Problem."
)
class Mutation(
    ClientMutation,
    OrderMutation,
    LedgerMutation,
    ReceiptMutation,
    InvoiceMutation,
    PaymentMutation,
    ReconciliationMutation,
    DecisionMutation,
    EmployeeMutation,
    PolicyMutation,
    PlanningMutation,
    FeeMutation,
    LodgementMutation,
    InstitutionMutation,
    PlacementMutation,
    InvestmentMutation,
    InvestmentStatementMutation,
    ReferralMutation,
    AppointeeApplicationMutation,
    DeputyshipApplicationMutation,
    TemporaryAssistanceMutation,
    DeathMutation,
    DeathNotificationMutation,
    WindUpFeeMutation,
    WindingUpMutation,
    EstateMutation,
    BenefitOverpaymentMutation,
    WillMutation,
    OutstandingDebtMutation,
    IncomeTaxMutation,
    OutboxMutation,
    FinancialAssessmentMutation,
    CaseloadImportMutation,
    ComplaintMutation,
    ReviewMutation,
    ValuableMutation,
    RecoveryMutation,
    PropertyMutation,
    AllowanceMutation,
    OpgReportMutation,
    ServiceCostMutation,
    IntegrationsMutation,
):
    pass


def _answer_problems(*roots: type) -> None:
    """The one error path (issue 10 item 1): every root field whose result union has Problem
    members answers a BusinessProblem its resolver raises as that member (``ProblemResults``,
    innermost of its extensions, so inside the permission and amount checks). A new mutation is
    covered without anyone remembering to catch anything."""
    for root in roots:
        for f in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if returns_problems(f) and not any(isinstance(e, ProblemResults) for e in f.extensions):
                f.extensions.insert(0, ProblemResults())
                f.extensions.append(RecordProblem())  # outermost: counts what it answered


_answer_problems(Query, Mutation)


class QuietSchema(strawberry.Schema):
    """Errors are logged once, by ErrorPolicy, not again by strawberry's default handler."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None

    async def _handle_execution_result(
        self, context: Any, result: Any, *args: Any, **kw: Any
    ) -> Any:
        """Strawberry answers an exception raised in an extension's hook (parsing, validation)
        outside the operation, where ErrorPolicy never sees it: shape those errors here too,
        so none leaves unmasked or without a code."""
        answer = await super()._handle_execution_result(context, result, *args, **kw)
        errors = getattr(answer, "errors", None)
        if errors:
            hide = self.config.disable_field_suggestions
            answer.errors = [shaped(e, hide_suggestions=hide) for e in errors]
        return answer


# Every kind of thing that waits in the approval queue, in one place (issue 10 item 5): a new
# approved aggregate adds its ``QueueSource`` here.
QUEUE_SOURCES: tuple[sources.QueueSource, ...] = (
    decisions_queue.SOURCE,
    payments_queue.SOURCE,
    temporary_assistance_queue.SOURCE,
)


# Every type node(id:) fetches, each module's own list, in one place (issue 11 item 3).
NODE_TYPES = (
    allowances_schema.NODES,
    approvals_schema.NODES,
    audit_schema.NODES,
    clients_schema.NODES,
    complaints_schema.NODES,
    decisions_schema.NODES,
    employees_schema.NODES,
    fees_schema.NODES,
    institutions_schema.NODES,
    investment_statements_schema.NODES,
    investments_schema.NODES,
    invoices_schema.NODES,
    ledger_schema.NODES,
    lodgements_schema.NODES,
    officers_schema.NODES,
    opg_reports_schema.NODES,
    orders_schema.NODES,
    outbox_schema.NODES,
    payments_schema.NODES,
    placements_schema.NODES,
    planning_schema.NODES,
    referrals_schema.NODES,
    reviews_schema.NODES,
    policy_schema.NODES,
    receipts_schema.NODES,
    reconciliation_schema.NODES,
    temporary_assistance_schema.NODES,
    service_costs_schema.NODES,
    integrations_schema.NODES,
)


def build_schema(settings: Settings) -> strawberry.Schema:
    sources.install(QUEUE_SOURCES)
    node.install(*NODE_TYPES)
    # Factories, so each request gets fresh extension instances.
    limits = DocumentLimits.of(settings)
    parsed = ParsedDocuments()  # this schema's parsed documents, by their text
    extensions: list[Any] = [
        # Metrics first: they see the errors' codes, which ErrorPolicy sets inside them.
        *observability.schema_extensions(settings),
        ErrorPolicy,
        # Parsing and validation, cached. (Not strawberry's ParserCache: a cached parse's
        # errors escape ErrorPolicy's codes; ParsedDocuments keeps only documents that parsed.)
        lambda: GuardedValidation(limits, parsed),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if settings.production:
        from graphql.validation import NoSchemaIntrospectionCustomRule

        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        # Every subscription field carries an allow(...) like Query's and Mutation's: the
        # permission walk (tests/test_permissions.py) covers Subscription too.
        subscription=ApprovalSubscription,
        extensions=extensions,
        config=StrawberryConfig(
            scalar_map=SCALAR_MAP, disable_field_suggestions=settings.production
        ),
    )


def export_sdl(settings: Settings | None = None) -> str:
    schema = build_schema(settings or Settings(environment="development"))
    return schema.as_str() + "\n"

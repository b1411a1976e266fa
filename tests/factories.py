"""Builders shared by the test modules (issue 10 item 6): clients, orders, counterparties,
money, invoices, payments, decisions, plans, lodgements, placements, fee runs and investment
statements, made the way a test needs them, mostly through the real /graphql endpoint (``api``),
a few straight through the services.

No test module imports another: what two modules share lives here (the database fixtures and
helpers live in ``tests/conftest.py`` and ``tests/support.py``). A builder that must succeed
asserts its payload's ``__typename``; one named after the mutation (``record_invoice``,
``raise_decision``) returns the result, payload or problem, for the test to judge.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import graphql
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import repository as clients_repository
from ca_api.clients import service as clients_service
from ca_api.clients.rules import ClientDetails, Situation
from ca_api.clock import LONDON
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import Database, unit_of_work
from ca_api.errors import BusinessProblem
from ca_api.ledger import accounts as ledger
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import opening_balances as ledger_opening_balances
from ca_api.ledger import repository as ledger_repository
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.ledger.transfers import Movement
from ca_api.money import parse_money
from ca_api.orders import service as orders_service
from ca_api.orders.rules import (
    AppointeeshipDetails,
    DeputyPowers,
    DeputyshipDetails,
    SupervisionType,
)
from ca_api.planning import rules as planning_rules
from ca_api.planning.rules import Frequency
from tests.conftest import Api, RolledBackDatabase, error_codes

T = TypeVar("T")

# --- names, keys, dates, SQL -----------------------------------------------------------------

_serial = itertools.count(1)


def serial() -> int:
    """The next number of the run's one counter (names, NI numbers, case numbers)."""
    return next(_serial)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}-{uuid.uuid4().hex[:6]}"


def new_key() -> str:
    """A fresh idempotency key."""
    return str(uuid.uuid4())


def days_ago(n: int) -> str:
    """A date n days before today in the council's calendar (legal role is judged for today)."""
    return (clock.today() - timedelta(days=n)).isoformat()


async def scalar(db: RolledBackDatabase, sql: str, **params: Any) -> Any:
    return (await db.connection.execute(text(sql), params)).scalar_one()


def raw(opaque: str) -> str:
    """The internal UUID inside an opaque id, as the audit trail's entityId holds it."""
    padded = opaque + "=" * (-len(opaque) % 4)
    type_name = base64.urlsafe_b64decode(padded).decode().partition(":")[0]
    return str(decode_uuid(type_name, opaque))


# Who does what, by default.
SETUP_SUB = "setup.head"
PROPOSER = {"role": "assistant", "sub": "ash.assistant"}  # casework: raises, never approves
GM = {"role": "governance_manager", "sub": "grace.tgm"}

# --- problems as the mutations select them ---------------------------------------------------

PROBLEMS = """
  ... on Problem { code message }
  ... on ValidationProblem { fields { field message } }
  ... on NotFoundProblem { id }
"""
KEYED_PROBLEMS = (
    PROBLEMS
    + """
  ... on IdempotencyKeyReusedProblem { key }
"""
)
SURPLUS_PROBLEM = """
  ... on SurplusRuleProblem {
    planId planYearStart planReviewDueOn surplus threshold committed remainingSurplus wanted
  }
"""


def problem_messages(result: dict[str, Any]) -> dict[str, str]:
    """A ValidationProblem's messages by field."""
    assert result["__typename"] == "ValidationProblem", result
    assert result["code"] == "VALIDATION_FAILED"
    return {f["field"]: f["message"] for f in result["fields"]}


def refused_for(result: dict[str, Any], field: str) -> str:
    """The message of a ValidationProblem naming ``field``."""
    assert result["__typename"] == "ValidationProblem", result
    messages = {f["field"]: f["message"] for f in result["fields"]}
    assert field in messages, messages
    return messages[field]


def assert_forbidden(body: dict[str, Any], path: list[str | int]) -> None:
    """One FORBIDDEN error at ``path``, and no value there."""
    assert error_codes(body) == ["FORBIDDEN"], body
    assert body["errors"][0]["path"] == path, body
    value: Any = body.get("data")
    for step in path:
        if value is None:
            break
        value = value[step]
    assert value is None, body


# --- clients and their orders, through the API (R-CLI, R-ORD) --------------------------------

CLIENT_FIELDS = """
  id reference version givenName familyName dateOfBirth niNumber situation status legalRole
  referredBy address { line1 line2 town postcode }
"""
RECORD_PROBLEM_FIELDS = """
  ... on ValidationProblem { code message fields { field message } }
  ... on NotFoundProblem { code message id }
"""
PROBLEM_FIELDS = (
    RECORD_PROBLEM_FIELDS
    + """
  ... on VersionConflictProblem { code message currentVersion }
"""
)
DUPLICATE_PROBLEM_FIELDS = """
  ... on IdempotencyKeyReusedProblem { code message key }
  ... on DuplicateClientProblem { code message existingClientId matchedOn canOverride }
"""
CREATE_CLIENT = f"""
mutation Create($input: CreateClientInput!) {{
  createClient(input: $input) {{
    __typename
    ... on ClientPayload {{ replayed client {{ {CLIENT_FIELDS} }} }}
    ... on ValidationProblem {{ code message fields {{ field message }} }}
    {DUPLICATE_PROBLEM_FIELDS}
  }}
}}
"""
AMEND_CLIENT = f"""
mutation Amend($input: AmendClientInput!) {{
  amendClient(input: $input) {{
    __typename
    ... on ClientPayload {{ client {{ {CLIENT_FIELDS} }} }}
    {PROBLEM_FIELDS}
  }}
}}
"""
DEPUTYSHIP_FIELDS = """
  id version caseNumber orderDate endDate supervisionType inForce recordedBy
  powers {
    receiveIncome manageAccounts manageCapital sellProperty letProperty makeGifts giftYearlyLimit
  }
"""
APPOINTEESHIP_FIELDS = "id version dwpReference appliedOn startDate endDate inForce recordedBy"
RECORD_DEPUTYSHIP = f"""
mutation RecordDeputyship($input: RecordDeputyshipInput!) {{
  recordDeputyship(input: $input) {{
    __typename
    ... on DeputyshipPayload {{ deputyship {{ {DEPUTYSHIP_FIELDS} }} }}
    {RECORD_PROBLEM_FIELDS}
  }}
}}
"""
RECORD_APPOINTEESHIP = f"""
mutation RecordAppointeeship($input: RecordAppointeeshipInput!) {{
  recordAppointeeship(input: $input) {{
    __typename
    ... on AppointeeshipPayload {{ appointeeship {{ {APPOINTEESHIP_FIELDS} }} }}
    {RECORD_PROBLEM_FIELDS}
  }}
}}
"""
AMEND_DEPUTYSHIP = f"""
mutation($input: AmendDeputyshipInput!) {{
  amendDeputyship(input: $input) {{
    __typename
    ... on DeputyshipPayload {{ deputyship {{ {DEPUTYSHIP_FIELDS} }} }}
    {PROBLEM_FIELDS}
  }}
}}
"""
AMEND_APPOINTEESHIP = f"""
mutation($input: AmendAppointeeshipInput!) {{
  amendAppointeeship(input: $input) {{
    __typename
    ... on AppointeeshipPayload {{ appointeeship {{ {APPOINTEESHIP_FIELDS} }} }}
    {PROBLEM_FIELDS}
  }}
}}
"""


def client_input(**overrides: Any) -> dict[str, Any]:
    """A valid client; each call a different person (name and NI number), so that a test's
    clients are not likely duplicates of each other (issue 9 item 7)."""
    n = next(_serial)
    base: dict[str, Any] = {
        "givenName": "Ada",
        "familyName": f"Lovelace{n}",
        "dateOfBirth": "1950-03-14",
        "situation": "COMMUNITY",
        "niNumber": f"ab {n:06d} c",
        "address": {"line1": "1 High Street", "town": "Lewes", "postcode": "bn7 1uz"},
    }
    return base | overrides


def create_vars(key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Variables for CREATE_CLIENT (and REFER_CLIENT): a client_input and a fresh key."""
    return {"input": client_input(**overrides) | {"idempotencyKey": key or new_key()}}


async def create_client(
    api: Api, *, role: str = "senior_officer", sub: str = "olu.scao", **overrides: Any
) -> dict[str, Any]:
    """Create a client through the API; returns the Client object."""
    data = await api.data(CREATE_CLIENT, create_vars(**overrides), role=role, sub=sub)
    result = data["createClient"]
    assert result["__typename"] == "ClientPayload", result
    client: dict[str, Any] = result["client"]
    return client


async def new_client(api: Api) -> dict[str, str]:
    """A client in residential care taken on by an officer: {id, reference}."""
    variables = {
        "input": {
            "givenName": "Ada",
            "familyName": unique("Payee"),
            "dateOfBirth": "1940-05-01",
            "situation": "RESIDENTIAL_CARE",
            "idempotencyKey": unique("client-key"),
        },
    }
    data = await api.data(
        """mutation($input: CreateClientInput!) {
             createClient(input: $input) {
               __typename ... on ClientPayload { client { id reference } } } }""",
        variables,
        role="senior_officer",
        sub="olu.scao",
    )
    result = data["createClient"]
    assert result["__typename"] == "ClientPayload", result
    client: dict[str, str] = result["client"]
    return client


CARE_CLIENT: dict[str, Any] = {
    "givenName": "Arthur",
    "familyName": "Ashdown",
    "dateOfBirth": "1938-05-04",
    "situation": "RESIDENTIAL_CARE",
}


def care_person(**changes: Any) -> dict[str, Any]:
    """CARE_CLIENT as another person each time: not a likely duplicate (issue 9 item 7)."""
    return {**CARE_CLIENT, "familyName": f"Ashdown-{uuid.uuid4().hex[:8]}", **changes}


async def care_client_id(api: Api, **changes: Any) -> str:
    """A client in residential care taken on by the head of service; its id."""
    data = await api.data(
        """mutation($input: CreateClientInput!) {
             createClient(input: $input) {
               __typename ... on ClientPayload { client { id } } } }""",
        {"input": care_person(**changes) | {"idempotencyKey": new_key()}},
        role="head_of_service",
        sub=SETUP_SUB,
    )
    assert data["createClient"]["__typename"] == "ClientPayload", data
    return str(data["createClient"]["client"]["id"])


COMMUNITY_CLIENT: dict[str, Any] = {
    "givenName": "Maud",
    "familyName": "Mayfield",
    "dateOfBirth": "1941-03-02",
    "situation": "COMMUNITY",
    "niNumber": "AB123456C",
    "address": {"line1": "1 High Street", "town": "Lewes", "postcode": "BN7 1AA"},
}


def community_person(**changes: Any) -> dict[str, Any]:
    """COMMUNITY_CLIENT as another person each time (family name and NI number), so that a
    test's clients are not likely duplicates of each other (issue 9 item 7)."""
    n = next(_serial)
    return {**COMMUNITY_CLIENT, "familyName": f"Mayfield{n}", "niNumber": f"AB{n:06d}D", **changes}


_CLIENT_ID_PROBLEM = "... on Problem { code message }"
CREATE_CLIENT_ID = f"""mutation($input: CreateClientInput!) {{
  createClient(input: $input) {{
    __typename ... on ClientPayload {{ client {{ id version }} }} {_CLIENT_ID_PROBLEM} }} }}"""
REFER_CLIENT_ID = f"""mutation($input: ReferClientInput!) {{
  referClient(input: $input) {{
    __typename ... on ClientPayload {{ client {{ id version }} }} {_CLIENT_ID_PROBLEM} }} }}"""


def payload(data: dict[str, Any], field_name: str, typename: str) -> dict[str, Any]:
    """``data[field_name]``, which must be a ``typename``."""
    result: dict[str, Any] = data[field_name]
    assert result["__typename"] == typename, result
    return result


async def community_client_id(api: Api, **changes: Any) -> str:
    """A client in the community taken on by the head of service; its id."""
    data = await api.data(
        CREATE_CLIENT_ID,
        {"input": community_person(**changes) | {"idempotencyKey": new_key()}},
        role="head_of_service",
        sub=SETUP_SUB,
    )
    return str(payload(data, "createClient", "ClientPayload")["client"]["id"])


async def refer_client(api: Api, social_worker: str, **changes: Any) -> str:
    """A client referred by the social worker ``social_worker``; its id."""
    data = await api.data(
        REFER_CLIENT_ID,
        {"input": community_person(**changes) | {"idempotencyKey": new_key()}},
        role="social_worker",
        sub=social_worker,
    )
    return str(payload(data, "referClient", "ClientPayload")["client"]["id"])


# --- an accepted referral (issue 12 item 1), for what follows acceptance ---------------------

ACCEPT_SUBMIT = """mutation($input: SubmitReferralInput!) {
  submitReferral(input: $input) { ... on ReferralPayload { referral { id } } } }"""
ACCEPT_TRIAGE = """mutation($input: TriageReferralInput!) {
  triageReferral(input: $input) { ... on ReferralPayload { referral { status } } } }"""


REFERRAL_COMMUNITY_DOCS = [
    "SS0003_SIGNED",
    "MENTAL_CAPACITY_ASSESSMENT",
    "APPOINTEESHIP_CHECKLIST",
    "DWP_AWARD_LETTERS",
    "BANK_STATEMENTS",
]


def referral_answers(**changes: Any) -> dict[str, Any]:
    """A referral's submission, complete and eligible for a community client (R-REF-1..3),
    with ``changes`` over it; ``documents`` is a list of document kinds, each given a place."""
    docs = changes.pop("documents", REFERRAL_COMMUNITY_DOCS)
    met = {"met": True, "evidence": "care assessment on file"}
    return {
        "socialCareEligible": met,
        "noAppointeeOrPowerOfAttorney": met,
        "noOneSuitableToHelp": met,
        "lacksCapacity": met,
        "capitalAtReferral": "2500.00",
        "privateIncomeKnown": False,
        "propertyKnown": False,
        "bankAccountsKnown": True,
        "hadPreviousAppointee": False,
        "documents": [{"kind": k, "reference": f"EDRM/{k.lower()}"} for k in docs],
        **changes,
    }


async def submitted_referral(
    api: Api, social_worker: str = "sam.socialworker", **changes: Any
) -> tuple[str, str]:
    """A community client referred by ``social_worker``, their referral submitted complete and
    eligible (``changes`` over ``referral_answers``), not yet triaged: (the referral's id, the
    client's id)."""
    client_id = await refer_client(api, social_worker)
    answers = referral_answers(**changes)
    data = await api.data(
        ACCEPT_SUBMIT,
        {"input": answers | {"clientId": client_id, "idempotencyKey": new_key()}},
        role="social_worker",
        sub=social_worker,
    )
    return str(data["submitReferral"]["referral"]["id"]), client_id


async def accepted_referral(
    api: Api, social_worker: str = "sam.socialworker", **changes: Any
) -> tuple[str, str]:
    """As ``submitted_referral``, then accepted by a senior officer."""
    referral_id, client_id = await submitted_referral(api, social_worker, **changes)
    data = await api.data(
        ACCEPT_TRIAGE,
        {"input": {"referralId": referral_id, "note": "checked", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="sol.senior",
    )
    assert data["triageReferral"]["referral"]["status"] == "ACCEPTED", data
    return referral_id, client_id


async def amend_client(
    api: Api,
    client_id: str,
    amendment: dict[str, Any],
    reason: str = "fix",
    expected: int | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """The amendClient result (payload or problem)."""
    variables = {
        "input": {
            "id": client_id,
            "amendment": amendment,
            "reason": reason,
            "expectedVersion": expected,
        }
    }
    data = await api.data(AMEND_CLIENT, variables, **kw)
    result: dict[str, Any] = data["amendClient"]
    return result


def problem_fields(problem: dict[str, Any]) -> set[str]:
    """The fields a ValidationProblem names, spelling-neutral (``date_of_birth`` and
    ``dateOfBirth`` both read ``dateofbirth``) so tests pin *which* field, not its casing."""
    return {f["field"].replace("_", "").replace(".", "").lower() for f in problem["fields"]}


def powers(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "receiveIncome": True,
        "manageAccounts": True,
        "manageCapital": True,
        "sellProperty": False,
        "letProperty": False,
        "makeGifts": True,
        "giftYearlyLimit": "250.00",
    }
    return base | overrides


def deputyship_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "caseNumber": f"COP{next(_serial):07d}",
        "orderDate": days_ago(400),
        "powers": powers(),
        "supervisionType": "TYPE_2",
    }
    return base | overrides


async def record_deputyship(api: Api, client_id: str, **overrides: Any) -> dict[str, Any]:
    """The recordDeputyship result (payload or problem)."""
    data = await api.data(
        RECORD_DEPUTYSHIP,
        {"input": deputyship_input(**overrides) | {"clientId": client_id}},
        role="senior_officer",
        sub="olu.scao",
    )
    result: dict[str, Any] = data["recordDeputyship"]
    return result


async def new_deputyship(api: Api, client_id: str, **overrides: Any) -> dict[str, Any]:
    result = await record_deputyship(api, client_id, **overrides)
    assert result["__typename"] == "DeputyshipPayload", result
    deputyship: dict[str, Any] = result["deputyship"]
    return deputyship


async def record_appointeeship(api: Api, client_id: str, **overrides: Any) -> dict[str, Any]:
    """The recordAppointeeship result (payload or problem)."""
    values: dict[str, Any] = {"startDate": days_ago(300), "dwpReference": "DWP-1"} | overrides
    data = await api.data(
        RECORD_APPOINTEESHIP,
        {"input": values | {"clientId": client_id}},
        role="senior_officer",
        sub="olu.scao",
    )
    result: dict[str, Any] = data["recordAppointeeship"]
    return result


async def amend_deputyship(
    api: Api,
    deputyship_id: str,
    amendment: dict[str, Any],
    reason: str = "court varied order",
    expected: int | None = None,
    **kw: Any,
) -> dict[str, Any]:
    variables = {
        "input": {
            "id": deputyship_id,
            "amendment": amendment,
            "reason": reason,
            "expectedVersion": expected,
        }
    }
    kw.setdefault("role", "senior_officer")
    kw.setdefault("sub", "olu.scao")
    data = await api.data(AMEND_DEPUTYSHIP, variables, **kw)
    result: dict[str, Any] = data["amendDeputyship"]
    return result


async def gift_client(api: Api, **gift_powers: Any) -> dict[str, Any]:
    """A client whose deputyship grants the power to make gifts (no yearly limit unless given)."""
    client = await new_client(api)
    p = {"makeGifts": True, "giftYearlyLimit": None} | gift_powers
    result = await record_deputyship(api, client["id"], powers=powers(**p))
    assert result["__typename"] == "DeputyshipPayload", result
    return client


async def two_clients_with_history(api: Api) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Client A: created by olu, amended by sasha, a deputyship recorded and amended by olu.
    Client B: created by sasha. Returns (A, B, A's deputyship id)."""
    a = await create_client(api, familyName="Alpha", sub="olu.scao")
    b = await create_client(api, familyName="Bravo", role="senior_assistant", sub="sasha.senior")
    amended = await amend_client(
        api,
        a["id"],
        {"situation": "RESIDENTIAL_CARE"},
        reason="moved into care",
        role="senior_assistant",
        sub="sasha.senior",
    )
    assert amended["__typename"] == "ClientPayload"
    deputyship = await new_deputyship(api, a["id"])
    changed = await amend_deputyship(api, deputyship["id"], {"supervisionType": "TYPE_3"})
    assert changed["__typename"] == "DeputyshipPayload"
    return a, b, deputyship["id"]


# --- clients, orders and money straight through the services --------------------------------

PLANNER = Actor(Principal("setup.head", frozenset({Role.HEAD_OF_SERVICE})), "test-planning")
POWERS = DeputyPowers(
    receive_income=True,
    manage_accounts=True,
    manage_capital=True,
    sell_property=False,
    let_property=False,
    make_gifts=False,
)


async def client_with_orders(
    session: AsyncSession,
    *,
    deputy_from: date | None = None,
    appointee_from: date | None = None,
    situation: Situation = Situation.RESIDENTIAL_CARE,
) -> str:
    """A client taken on, with a deputyship and/or an appointeeship; its opaque id."""
    record = (
        await clients_service.create_client(
            session,
            PLANNER,
            ClientDetails(
                given_name="Plan",
                family_name=unique("Client"),
                date_of_birth=date(1940, 1, 1),
                situation=situation,
            ),
            idempotency_key=unique("client-key"),
        )
    ).client
    if deputy_from is not None:
        await orders_service.record_deputyship(
            session,
            PLANNER,
            record.id,
            DeputyshipDetails(
                case_number=unique("CoP"),
                order_date=deputy_from,
                powers=POWERS,
                supervision_type=SupervisionType.TYPE_2,
            ),
        )
    if appointee_from is not None:
        await orders_service.record_appointeeship(
            session,
            PLANNER,
            record.id,
            AppointeeshipDetails(start_date=appointee_from, dwp_reference=unique("DWP")),
        )
    return encode_id("Client", record.id)


async def credit_benefits(
    session: AsyncSession,
    actor: Actor,
    payer_id: uuid.UUID,
    client_id: str,
    pence: int,
    *,
    value_date: date,
    description: str,
) -> None:
    """Benefits (IN_BENEFITS) from a payer counterparty into the client's CMS account, posted
    straight to the ledger in one transaction: how every area's test funds a client."""
    async with unit_of_work(session):
        account = await ledger.client_account(session, decode_uuid("Client", client_id))
        source = await ledger_counterparties.counterparty_account(session, payer_id)
        await ledger_transfers.post(
            session,
            actor,
            Movement(
                from_account_id=source.id,
                to_account_id=account.id,
                amount=pence,
                value_date=value_date,
                category=Category.IN_BENEFITS,
                description=description,
            ),
        )


async def fund_client(session: AsyncSession, client_id: str, pence: int) -> None:
    """Money into the client's CMS account, posted straight to the ledger."""
    dwp = await ledger_counterparties.create_counterparty(
        session, PLANNER, kind=CounterpartyKind.DWP, name=unique("DWP "), reference=None
    )
    await credit_benefits(
        session, PLANNER, dwp.id, client_id, pence, value_date=clock.today(), description="Benefits"
    )


# --- counterparties and money, through the API (R-LED) ---------------------------------------

CREATE_COUNTERPARTY = """
mutation($input: CreateCounterpartyInput!) {
  createCounterparty(input: $input) {
    __typename ... on CounterpartyPayload { counterparty { id name kind } }
  }
}
"""


async def new_counterparty(api: Api, kind: str = "SUPPLIER", name: str | None = None) -> str:
    variables = {"input": {"kind": kind, "name": name or unique(kind.title())}}
    data = await api.data(CREATE_COUNTERPARTY, variables, role="senior_officer", sub="olu.scao")
    result = data["createCounterparty"]
    assert result["__typename"] == "CounterpartyPayload", result
    return str(result["counterparty"]["id"])


async def new_payer(api: Api, kind: str = "DWP", name: str | None = None) -> str:
    data = await api.data(
        """mutation($input: CreateCounterpartyInput!) { createCounterparty(input: $input) {
             __typename ... on CounterpartyPayload { counterparty { id } } } }""",
        {"input": {"kind": kind, "name": name or f"{kind} {uuid.uuid4().hex[:8]}"}},
        role="head_of_service",
        sub=SETUP_SUB,
    )
    assert data["createCounterparty"]["__typename"] == "CounterpartyPayload", data
    return str(data["createCounterparty"]["counterparty"]["id"])


async def fund(session: AsyncSession, api: Api, client: dict[str, str], amount_pence: int) -> None:
    """Put money in the client's CMS account: a benefit receipt posted straight to the ledger
    (the receipts API is built elsewhere)."""
    dwp = await new_counterparty(api, "DWP")
    actor = Actor(Principal("dwp.feed", frozenset({Role.SUPPORT_ASSISTANT})), "test-funding")
    await credit_benefits(
        session,
        actor,
        decode_uuid("Counterparty", dwp),
        client["id"],
        amount_pence,
        value_date=clock.today(),
        description="Pension Credit",
    )


async def cms_account(api: Api, client: dict[str, str]) -> dict[str, str]:
    data = await api.data(
        "query($id: ID!) { clientAccounts(clientId: $id) { kind balance held available } }",
        {"id": client["id"]},
        role="auditor",
        sub="audrey",
    )
    accounts = [a for a in data["clientAccounts"] if a["kind"] == "CLIENT_CMS"]
    assert len(accounts) == 1, data
    account: dict[str, str] = accounts[0]
    return account


async def accounts(api: Api, client_id: str) -> dict[str, dict[str, str]]:
    """The client's accounts by kind: {kind: {balance, available}}."""
    data = await api.data(
        "query($id: ID!) { clientAccounts(clientId: $id) { kind balance available } }",
        {"id": client_id},
        role="auditor",
        sub="check.auditor",
    )
    return {
        a["kind"]: {"balance": a["balance"], "available": a["available"]}
        for a in data["clientAccounts"]
    }


async def cms_balance(api: Api, client_id: str) -> str | None:
    cms = (await accounts(api, client_id)).get("CLIENT_CMS")
    return cms["balance"] if cms else None


async def audit_rows(api: Api, **flt: Any) -> list[dict[str, Any]]:
    data = await api.data(
        """query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 100) {
             edges { node { action entityType entityId principal principalRoles after } }
             pageInfo { hasNextPage } } }""",
        {"filter": flt},
        role="auditor",
        sub="check.auditor",
    )
    assert not data["auditLog"]["pageInfo"]["hasNextPage"]
    return [e["node"] for e in data["auditLog"]["edges"]]


async def ledger_sound(api: Api) -> bool:
    data = await api.data("{ ledgerCheck { sound } }", role="auditor", sub="check.auditor")
    return bool(data["ledgerCheck"]["sound"])


# --- receipts (R-REC) ------------------------------------------------------------------------

RECEIPT_PROBLEMS = """
  ... on ValidationProblem { code message fields { field message } }
  ... on NotFoundProblem { code message id }
  ... on IdempotencyKeyReusedProblem { code message key }
"""
RECEIPT_FIELDS = """
  id clientId payer { id kind name } amount valueDate category benefit periodStart periodEnd
  method receiptNumber receivedOn bankedOn bankedSameDay description reference recordedBy
  reversed transfer { id kind amount category valueDate }
"""
RECORD_RECEIPT = f"""
mutation($input: RecordReceiptInput!) {{
  recordReceipt(input: $input) {{
    __typename
    ... on ReceiptPayload {{ receipt {{ {RECEIPT_FIELDS} }} }}
    {RECEIPT_PROBLEMS}
  }}
}}
"""
RECORD_RUN = """
mutation($input: RecordBenefitRunInput!) {
  recordBenefitRun(input: $input) {
    __typename
    ... on BenefitRunPayload { count total clients valueDate }
    ... on ValidationProblem { code message fields { field message } }
    ... on IdempotencyKeyReusedProblem { code message key }
  }
}
"""
# Attendance Allowance, higher rate, four weeks paid in arrears.
AA_PERIOD = ("2025-02-03", "2025-03-02")
VALUE_DATE = "2025-03-03"


def receipt_input(client_id: str, payer_id: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": client_id,
        "payerId": payer_id,
        "amount": "434.20",
        "valueDate": VALUE_DATE,
        "method": "BANK_TRANSFER",
        "benefit": "ATTENDANCE_ALLOWANCE",
        "periodStart": AA_PERIOD[0],
        "periodEnd": AA_PERIOD[1],
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


async def record_receipt(
    api: Api, input: dict[str, Any], *, idem: str | None = None, role: str = "support_assistant"
) -> dict[str, Any]:
    """The recordReceipt result (payload or problem)."""
    data = await api.data(
        RECORD_RECEIPT,
        {"input": {**input, "idempotencyKey": idem or new_key()}},
        role=role,
        sub=f"{role}.one",
    )
    return dict(data["recordReceipt"])


# --- committed for real, each call its own session (a database of the test's own) ------------

SUPPORT_ACTOR = Actor(
    Principal("sam.support", frozenset({Role.SUPPORT_ASSISTANT})), "req-concurrent"
)


async def committed_clients(db: Database, n: int) -> list[uuid.UUID]:
    details = ClientDetails(
        given_name="Concurrent",
        family_name="Client",
        date_of_birth=date(1940, 1, 1),
        situation=Situation.RESIDENTIAL_CARE,
    )
    async with db.session() as s:
        return [
            (
                await clients_service.create_client(
                    s,
                    SUPPORT_ACTOR,
                    replace(details, family_name=f"Client-{uuid.uuid4().hex[:8]}"),
                    idempotency_key=f"concurrent-client-{uuid.uuid4()}",
                )
            ).client.id
            for _ in range(n)
        ]


async def committed_payer(db: Database, kind: CounterpartyKind = CounterpartyKind.DWP) -> uuid.UUID:
    async with db.session() as s:
        made = await ledger_counterparties.create_counterparty(
            s, SUPPORT_ACTOR, kind=kind, name=f"{kind.value} {uuid.uuid4().hex[:8]}", reference=None
        )
        return made.id


async def at_once(*calls: Callable[[AsyncSession], Awaitable[T]], db: Database) -> list[Any]:
    """Each call in its own session (its own connection and transaction), all at once; a
    BusinessProblem is returned, not raised."""

    async def one(call: Callable[[AsyncSession], Awaitable[T]]) -> Any:
        async with db.session() as s:
            try:
                return await call(s)
            except BusinessProblem as exc:
                return exc

    async with asyncio.timeout(60):
        return list(await asyncio.gather(*(one(c) for c in calls)))


async def cms_posted(db: Database, client_id: uuid.UUID) -> int:
    async with db.session() as s:
        return (await ledger.client_account(s, client_id)).posted


# --- the ledger's own books, through its service (R-LED) -------------------------------------

LEDGER_ACTOR = Actor(
    Principal("ledger.tester", frozenset({Role.SENIOR_OFFICER})), "req-ledger-test"
)


async def bare_client(session: AsyncSession) -> uuid.UUID:
    """A bare client row (the ledger needs only its id)."""
    client_id = uuid.uuid4()
    await clients_repository.insert_client(
        session, client_id, f"LT{client_id.hex[:12]}", LEDGER_ACTOR.principal.subject
    )
    return client_id


async def party_account(session: AsyncSession, kind: CounterpartyKind, name: str) -> uuid.UUID:
    """A counterparty (unique name) and its ledger account's id."""
    made = await ledger_counterparties.create_counterparty(
        session, LEDGER_ACTOR, kind=kind, name=f"{name} {uuid.uuid4().hex[:8]}", reference=None
    )
    return (await ledger_counterparties.counterparty_account(session, made.id)).id


async def account_of(
    session: AsyncSession, client_id: uuid.UUID, kind: AccountKind = AccountKind.CLIENT_CMS
) -> uuid.UUID:
    return (await ledger.client_account(session, client_id, kind)).id


def movement(
    source: uuid.UUID,
    target: uuid.UUID,
    amount: int,
    category: Category,
    description: str = "test",
    reference: str | None = None,
) -> Movement:
    return Movement(
        from_account_id=source,
        to_account_id=target,
        amount=amount,
        value_date=clock.today(),
        category=category,
        description=description,
        reference=reference,
    )


async def balances(session: AsyncSession, account_id: uuid.UUID) -> tuple[int, int]:
    """(posted, held) as stored, read with SQL (not through the session's identity map)."""
    row = (
        await session.execute(
            text("SELECT posted, held FROM ledger_account WHERE id = :id"), {"id": account_id}
        )
    ).one()
    return int(row.posted), int(row.held)


async def count(session: AsyncSession, sql: str, **params: Any) -> int:
    return int((await session.execute(text(sql), params)).scalar_one())


@dataclass
class Books:
    """One client with a CMS and a cash account, a second client, DWP and two suppliers."""

    client: uuid.UUID
    cms: uuid.UUID
    cash: uuid.UUID
    other_client: uuid.UUID
    other_cms: uuid.UUID
    dwp: uuid.UUID
    supplier: uuid.UUID
    supplier2: uuid.UUID


async def open_books(session: AsyncSession) -> Books:
    client, other = await bare_client(session), await bare_client(session)
    return Books(
        client=client,
        cms=await account_of(session, client),
        cash=await account_of(session, client, AccountKind.CLIENT_CASH),
        other_client=other,
        other_cms=await account_of(session, other),
        dwp=await party_account(session, CounterpartyKind.DWP, "DWP"),
        supplier=await party_account(session, CounterpartyKind.CARE_PROVIDER, "Care home"),
        supplier2=await party_account(session, CounterpartyKind.SUPPLIER, "Energy"),
    )


# --- invoices and payments (R-PAY) -----------------------------------------------------------

INVOICE_FIELDS = """
  id clientId clientReference supplier { id name kind } supplierInvoiceNumber invoiceDate amount
  kind category description periodStart periodEnd receivedOn dueOn daysOverdue officialInvoice
  directDebit source recordedBy recordedAt status
  items { line description amount evidenceSeen }
  checks { check passed note checkedBy checkedAt }
  checkHistory { check passed note checkedBy }
  missingChecks
  events { event note recordedBy }
  payments { id status }
"""
RECORD_PROBLEMS = (
    PROBLEMS
    + """
  ... on DuplicateInvoiceProblem { existingInvoiceId }
  ... on IdempotencyKeyReusedProblem { key }
  ... on PolicyMissingProblem { name }
"""
)
RECORD_INVOICE = f"""
mutation($input: RecordInvoiceInput!) {{
  recordInvoice(input: $input) {{
    __typename
    ... on RecordInvoicePayload {{ warnings replayed invoice {{ {INVOICE_FIELDS} }} }}
    {RECORD_PROBLEMS}
  }}
}}
"""
RECORD_CHECK = f"""
mutation($input: RecordInvoiceCheckInput!) {{
  recordInvoiceCheck(input: $input) {{
    __typename
    ... on InvoicePayload {{ invoice {{ {INVOICE_FIELDS} }} }}
    {PROBLEMS}
  }}
}}
"""
RECORD_CHECKS = f"""
mutation($input: RecordInvoiceChecksInput!) {{
  recordInvoiceChecks(input: $input) {{
    __typename
    ... on InvoicePayload {{ invoice {{ {INVOICE_FIELDS} }} }}
    {PROBLEMS}
  }}
}}
"""
RECORD_EVENT = f"""
mutation($input: RecordInvoiceEventInput!) {{
  recordInvoiceEvent(input: $input) {{
    __typename
    ... on InvoicePayload {{ invoice {{ {INVOICE_FIELDS} }} }}
    {PROBLEMS}
  }}
}}
"""
ALL_CHECKS = [
    "HEADED",
    "DATED",
    "FOR_THIS_CLIENT",
    "GOODS_RECEIVED",
    "HOW_TO_PAY",
    "ARITHMETIC",
    "NOT_DUPLICATE",
]


def invoice_input(client: dict[str, str], supplier: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": client["id"],
        "supplierId": supplier,
        "supplierInvoiceNumber": unique("INV"),
        "invoiceDate": clock.today().isoformat(),
        "amount": "120.00",
        "kind": "SUPPLIER",
        "category": "OUT_ELECTRICITY",
        "description": "Electricity, winter quarter",
    }
    return base | overrides


async def record_invoice(
    api: Api,
    client: dict[str, str],
    supplier: str,
    *,
    role: str = "support_assistant",
    sub: str = "sam.support",
    key: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """The recordInvoice result (payload or problem)."""
    variables = {
        "input": invoice_input(client, supplier, **overrides) | {"idempotencyKey": key or new_key()}
    }
    data = await api.data(RECORD_INVOICE, variables, role=role, sub=sub)
    result: dict[str, Any] = data["recordInvoice"]
    return result


async def recorded(api: Api, client: dict[str, str], supplier: str, **kw: Any) -> dict[str, Any]:
    """Record an invoice that must be accepted; returns the Invoice."""
    result = await record_invoice(api, client, supplier, **kw)
    assert result["__typename"] == "RecordInvoicePayload", result
    invoice: dict[str, Any] = result["invoice"]
    return invoice


async def record_check(
    api: Api,
    invoice_id: str,
    check: str,
    passed: bool = True,
    note: str | None = None,
    *,
    role: str = "senior_assistant",
    sub: str = "sasha.senior",
) -> dict[str, Any]:
    variables = {"input": {"invoiceId": invoice_id, "check": check, "passed": passed, "note": note}}
    data = await api.data(RECORD_CHECK, variables, role=role, sub=sub)
    result: dict[str, Any] = data["recordInvoiceCheck"]
    return result


async def check_all(api: Api, invoice_id: str, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Record every R-PAY-2 check as passed (but those in ``skip``), in one recordInvoiceChecks
    (a check at a time is record_check); returns the Invoice."""
    checks = [{"check": c, "passed": True} for c in ALL_CHECKS if c not in skip]
    variables = {"input": {"invoiceId": invoice_id, "checks": checks}}
    data = await api.data(RECORD_CHECKS, variables, role="senior_assistant", sub="sasha.senior")
    result: dict[str, Any] = data["recordInvoiceChecks"]
    assert result["__typename"] == "InvoicePayload", result
    invoice: dict[str, Any] = result["invoice"]
    return invoice


PAYMENT_FIELDS = """
  id clientId clientReference invoiceId invoice { id status } payee { id name kind }
  amount category method description standing status raisedBy raisedAt waitingSince fundsShort
  approvedBy approvedAt approvalLimitVersionId holdTransferId madeBy madeAt cancelledBy
  cancelReason canApprove authors
  events { event transferId limitVersionId reason recordedBy }
"""
RAISE_PAYMENT = f"""
mutation($input: RaisePaymentInput!) {{
  raisePayment(input: $input) {{
    __typename
    ... on PaymentPayload {{ replayed payment {{ {PAYMENT_FIELDS} }} }}
    {PROBLEMS}
    ... on ChecksIncompleteProblem {{ missing }}
    ... on IdempotencyKeyReusedProblem {{ key }}
  }}
}}
"""


async def raise_payment(
    api: Api,
    payment_input: dict[str, Any],
    *,
    role: str = "assistant",
    sub: str = "ash.assistant",
    key: str | None = None,
    method: str | None = None,
) -> dict[str, Any]:
    """The raisePayment result (payload or problem)."""
    variables = {"input": {**payment_input, "idempotencyKey": key or new_key(), "method": method}}
    data = await api.data(RAISE_PAYMENT, variables, role=role, sub=sub)
    result: dict[str, Any] = data["raisePayment"]
    return result


def standing(client_id: str, payee_id: str, amount: str) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "payeeId": payee_id,
        "amount": amount,
        "category": "OUT_GAS",
        "description": "Gas, quarter to date",
        "standing": True,
    }


async def raise_standing(
    api: Api, client: dict[str, str], payee: str, amount: str, *, role: str, sub: str
) -> str:
    """A standing payment of ``amount`` to ``payee``, raised by ``role``: its id."""
    result = await raise_payment(api, standing(client["id"], payee, amount), role=role, sub=sub)
    assert result["__typename"] == "PaymentPayload", result
    return str(result["payment"]["id"])


# --- best-interest decisions (R-DEC) ---------------------------------------------------------

DECIDE_PROBLEMS = (
    KEYED_PROBLEMS
    + """
  ... on FourEyesProblem { raisedBy }
  ... on OverApprovalLimitProblem { amount lowestRoleThatMayApprove }
"""
)
DECISION_FIELDS = """
  id clientId clientReference kind status amount whatWasDecided bestInterestsReason consulted
  clientInvolved whyClientNotInvolved notes raisedBy authors supersedesId supersedeReason
  supersededBy { id status } approvedBy refusedBy refusalReason approvalLimitVersionId canApprove
  recipient { name dateOfBirth counterparty { id name } }
  events { event on limitVersionId supersededBy reason recordedBy }
"""
RAISE_DECISION = f"""
mutation($input: RaiseDecisionInput!) {{
  raiseDecision(input: $input) {{
    __typename
    ... on DecisionPayload {{ replayed decision {{ {DECISION_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
APPROVE_DECISION = f"""
mutation($input: ApproveDecisionInput!) {{
  approveDecision(input: $input) {{
    __typename
    ... on DecisionPayload {{ replayed decision {{ {DECISION_FIELDS} }} }}
    {DECIDE_PROBLEMS}
  }}
}}
"""
DECISION = f"query($id: ID!) {{ decision(id: $id) {{ {DECISION_FIELDS} }} }}"
SUBS = {
    "senior_officer": "olu.scao",
    "governance_manager": "grace.tgm",
    "head_of_service": "hari.head",
}


def decision_input(client: dict[str, Any], kind: str, amount: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": client["id"],
        "kind": kind,
        "amount": amount,
        "whatWasDecided": f"{kind.replace('_', ' ').lower()} for {amount}",
        "bestInterestsReason": "Keeps the client's home warm and their routine unchanged",
        "consulted": "The client, their niece and the care home manager",
        "clientInvolved": True,
    }
    if kind == "GIFT":
        base["recipientName"] = "Nora Niece"
    return base | kw


async def raise_decision(
    api: Api, input: dict[str, Any], *, key: str | None = None, **who: Any
) -> dict[str, Any]:
    """The raiseDecision result (payload or problem); raised by an assistant by default."""
    who = who or PROPOSER
    variables = {"input": {**input, "idempotencyKey": key or new_key()}}
    data = await api.data(RAISE_DECISION, variables, **who)
    result: dict[str, Any] = data["raiseDecision"]
    return result


async def raised(api: Api, input: dict[str, Any], **who: Any) -> dict[str, Any]:
    """A decision raised successfully."""
    result = await raise_decision(api, input, **who)
    assert result["__typename"] == "DecisionPayload", result
    decision: dict[str, Any] = result["decision"]
    return decision


async def approve(api: Api, decision_id: str, role: str, sub: str | None = None) -> dict[str, Any]:
    """The approveDecision result (payload or problem), all the decision's fields."""
    variables = {"input": {"id": decision_id, "idempotencyKey": new_key()}}
    data = await api.data(APPROVE_DECISION, variables, role=role, sub=sub or SUBS[role])
    result: dict[str, Any] = data["approveDecision"]
    return result


APPROVE_AS = f"""
mutation($input: ApproveDecisionInput!) {{
  approveDecision(input: $input) {{
    __typename
    ... on DecisionPayload {{ decision {{ id kind status amount }} }}
    ... on FourEyesProblem {{ raisedBy }}
    ... on OverApprovalLimitProblem {{ amount lowestRoleThatMayApprove }}
    {KEYED_PROBLEMS}
    {SURPLUS_PROBLEM}
  }}
}}
"""


async def approve_as(api: Api, decision_id: str, **who: Any) -> dict[str, Any]:
    """The approveDecision result, by the governance manager unless ``who`` says otherwise."""
    variables = {"input": {"id": decision_id, "idempotencyKey": new_key()}}
    data = await api.data(APPROVE_AS, variables, **(who or GM))
    result: dict[str, Any] = data["approveDecision"]
    return result


# --- budget plans (R-BUD, R-CARE-2) ----------------------------------------------------------

FIXTURE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "budget_plans_2014.json"
PLAN_YEAR = date(2014, 4, 1)  # "Balance in CMS account as at 01/04/2014"


def load_fixture() -> dict[str, Any]:
    if not FIXTURE.is_file():
        pytest.skip(f"the seed's budget plans are not beside the repository: {FIXTURE} is absent")
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data


def seed_frequency(name: str | None) -> Frequency | None:
    if name is None:
        return None
    return Frequency.ANNUALLY if name == "annual" else Frequency(name.upper())


def line_input(line: dict[str, Any]) -> dict[str, Any]:
    """A fixture line as the seed planned it. No annual figure: a note of past spending (the
    seed left it out of its total). An annual figure that amount x times gives: amount and
    frequency. Any other annual figure (pennies apart, or no frequency): entered directly."""
    out: dict[str, Any] = {"item": line["item"], "amount": line["amount"]}
    freq = seed_frequency(line["frequency"])
    if line["annual"] is None:
        if freq is not None:
            out["note"] = f"seed: {line['frequency']}, no annual figure planned"
        return out
    if freq is not None:
        out["frequency"] = freq.value
        times = planning_rules.TIMES_A_YEAR[freq]
        if parse_money(line["amount"]) * times == parse_money(line["annual"]):
            return out
    out["annualAmount"] = line["annual"]
    return out


def plan_input(client_id: str, plan: dict[str, Any], **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": client_id,
        "planYearStart": PLAN_YEAR.isoformat(),
        "openingBalance": plan["opening_balance"],
        "income": [line_input(ln) for ln in plan["income"]],
        "expenditure": [line_input(ln) for ln in plan["expenditure"]],
    }
    if "personal_allowance" in plan:
        base["personalAllowanceLastYear"] = plan["personal_allowance"]["last_year_actual"]
    return base | extra


PLAN_FIELDS = """
  id clientId planYearStart openingBalance notes
  annualIncome annualExpenditure availableIncome shortfall surplus
  personalAllowance { lastYearActual priceRisePercent uplift yearTotal weekly }
  printed { income expenditure availableIncome surplus }
  differsFromPrinted
  differencesFromPrinted { figure computed printed difference }
  incomeLines { lineNo item amount frequency timesPerYear annualAmount annualEnteredDirectly
                computedAnnual enteredMinusComputed inTotals note }
  expenditureLines { lineNo item amount frequency timesPerYear annualAmount annualEnteredDirectly
                     computedAnnual enteredMinusComputed inTotals note }
  supersedesId supersededById decisionId recordedBy
"""
RECORD_PLAN = f"""
mutation($input: RecordBudgetPlanInput!) {{
  recordBudgetPlan(input: $input) {{
    __typename
    ... on BudgetPlanPayload {{ replayed plan {{ {PLAN_FIELDS} }} }}
    ... on ValidationProblem {{ code message fields {{ field message }} }}
    ... on NotFoundProblem {{ code message id }}
    ... on PolicyMissingProblem {{ code message name }}
    ... on IdempotencyKeyReusedProblem {{ code message key }}
    ... on PlanAlreadySupersededProblem {{ code message supersededById }}
  }}
}}
"""
SUBMIT_PLAN = """
mutation($input: SubmitBudgetPlanInput!) {
  submitBudgetPlan(input: $input) {
    __typename
    ... on BudgetPlanPayload { plan { id decisionId approvalStatus } }
    ... on Problem { code message }
  }
}
"""


def submit_plan_variables(plan_id: str, key: str | None = None) -> dict[str, Any]:
    """SUBMIT_PLAN's variables: the plan, consulted the client's sister, the client involved."""
    return {
        "input": {
            "planId": plan_id,
            "consulted": "The client's sister",
            "clientInvolved": True,
            "idempotencyKey": key or new_key(),
        }
    }


async def record_budget_plan(
    api: Api, variables: dict[str, Any], *, idempotency_key: str | None = None, **kw: Any
) -> dict[str, Any]:
    """The recordBudgetPlan result (payload or problem)."""
    kw.setdefault("role", "senior_officer")
    kw.setdefault("sub", "olu.scao")
    data = await api.data(
        RECORD_PLAN,
        {"input": {**variables, "idempotencyKey": idempotency_key or new_key()}},
        **kw,
    )
    result: dict[str, Any] = data["recordBudgetPlan"]
    return result


async def record_plan(api: Api, variables: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = await record_budget_plan(api, variables, **kw)
    assert result["__typename"] == "BudgetPlanPayload", result
    plan: dict[str, Any] = result["plan"]
    return plan


async def record_seed_plan(api: Api, client_id: str, name: str) -> dict[str, Any]:
    plans = load_fixture()["plans"]
    return await record_plan(api, plan_input(client_id, plans[name]))


def plan_year_now() -> str:
    """The start (1 April) of the plan year in force today: a plan from then is within its
    yearly review (R-CARE-2)."""
    today = clock.today()
    year = today.year if (today.month, today.day) >= (4, 1) else today.year - 1
    return date(year, 4, 1).isoformat()


async def approve_plan(api: Api, plan: dict[str, Any]) -> dict[str, Any]:
    """Submit a recorded plan (an assistant) and approve its decision (the governance
    manager): it becomes the client's approved plan (R-CARE-2, R-DEC)."""
    data = await api.data(SUBMIT_PLAN, submit_plan_variables(plan["id"]), **PROPOSER)
    submitted = data["submitBudgetPlan"]
    assert submitted["__typename"] == "BudgetPlanPayload", submitted
    approved = await approve_as(api, submitted["plan"]["decisionId"])
    assert approved["__typename"] == "DecisionPayload", approved
    return plan


def surplus_plan_input(client_id: str, surplus: str, year: str | None = None) -> dict[str, Any]:
    """A plan whose surplus (R-BUD-3: opening balance + income - expenditure) is ``surplus``."""
    return {
        "clientId": client_id,
        "planYearStart": year or plan_year_now(),
        "openingBalance": surplus,
        "income": [{"item": "DWP benefits", "annualAmount": "9000.00"}],
        "expenditure": [{"item": "Care and living", "annualAmount": "9000.00"}],
    }


async def with_surplus(
    api: Api, client_id: str, surplus: str, year: str | None = None, **extra: Any
) -> dict[str, Any]:
    """An approved plan with that surplus (a revision when ``supersedes`` is given)."""
    plan = await record_plan(api, surplus_plan_input(client_id, surplus, year) | extra)
    assert plan["surplus"] == surplus
    return await approve_plan(api, plan)


async def with_seed_plan(
    api: Api, client_id: str, name: str, year: str | None = None
) -> dict[str, Any]:
    """The seed's plan ``name`` (a, b or c), line by line, approved, for the plan year from
    ``year`` (default: the plan year in force today)."""
    seed = load_fixture()["plans"][name]
    plan = await record_plan(
        api, plan_input(client_id, seed, planYearStart=year or plan_year_now())
    )
    return await approve_plan(api, plan)


async def deputy_client(api: Api, surplus: str | None = "200000.00") -> str:
    """A deputy client with an approved plan of that surplus in force (none when None)."""
    client_id = str((await create_client(api))["id"])
    result = await record_deputyship(api, client_id)
    assert result["__typename"] == "DeputyshipPayload", result
    if surplus is not None:
        await with_surplus(api, client_id, surplus)
    return client_id


# --- lodgements (R-INV-2) --------------------------------------------------------------------

LODGEMENT_PROBLEMS = KEYED_PROBLEMS + SURPLUS_PROBLEM
LODGEMENT_FIELDS = """
  id clientId decisionId amount status proposedBy proposedAt lodgedBy lodgedAt transferId
"""
PROPOSE_LODGEMENT = f"""
mutation($input: ProposeLodgementInput!) {{
  proposeLodgement(input: $input) {{
    __typename
    ... on LodgementPayload {{ replayed lodgement {{ {LODGEMENT_FIELDS} }} }}
    {LODGEMENT_PROBLEMS}
  }}
}}
"""


def proposal(client_id: str, amount: str = "30000.00", **kw: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "amount": amount,
        "bestInterestsReason": "A surplus over twelve months' needs earns more lodged (R-INV-2)",
        "consulted": "The client and their sister",
        "clientInvolved": True,
    } | kw


async def propose_lodgement(
    api: Api, client_id: str, amount: str = "30000.00", **who: Any
) -> dict[str, Any]:
    """The proposeLodgement result (payload or problem), by an assistant by default."""
    data = await api.data(
        PROPOSE_LODGEMENT,
        {"input": {**proposal(client_id, amount), "idempotencyKey": new_key()}},
        **(who or PROPOSER),
    )
    result: dict[str, Any] = data["proposeLodgement"]
    return result


async def proposed_lodgement(
    api: Api, client_id: str, amount: str = "30000.00", **who: Any
) -> dict[str, Any]:
    result = await propose_lodgement(api, client_id, amount, **who)
    assert result["__typename"] == "LodgementPayload", result
    lodgement: dict[str, Any] = result["lodgement"]
    return lodgement


def refused(result: dict[str, Any], code: str) -> dict[str, Any]:
    """A SurplusRuleProblem with that code (R-INV-2)."""
    assert (result["__typename"], result.get("code")) == ("SurplusRuleProblem", code), result
    return result


# --- the schema's fields, each with a value it accepts (R-ROLE) -------------------------------

# Fields below the root that carry their own guard: a client's personal details, which a
# social worker may not see even on the clients they referred (R-ROLE, social_worker).
CLIENT_DETAIL_READERS = frozenset(
    {
        "support_assistant",
        "assistant",
        "senior_assistant",
        "senior_officer",
        "governance_manager",
        "head_of_service",
        "auditor",
    }
)
SCALAR_PLACEHOLDERS: dict[str, Callable[[], Any]] = {
    "ID": lambda: encode_id("Placeholder", uuid.uuid4()),
    "String": lambda: "placeholder",
    "Int": lambda: 1,
    "Float": lambda: 1.0,
    "Boolean": lambda: False,
    "Date": lambda: "2020-01-02",
    "DateTime": lambda: "2020-01-02T00:00:00+00:00",
    "Money": lambda: "1.00",
    "Percent": lambda: "1.0000",
    "JSON": lambda: {},
    "UUID": lambda: str(uuid.uuid4()),
}


def placeholder(t: Any) -> Any:
    if graphql.is_non_null_type(t):
        return placeholder(t.of_type)
    if graphql.is_list_type(t):
        return [placeholder(t.of_type)]
    if graphql.is_enum_type(t):
        return next(iter(t.values))
    if graphql.is_input_object_type(t):
        return {
            name: placeholder(f.type)
            for name, f in t.fields.items()
            if graphql.is_required_input_field(f)
        }
    assert t.name in SCALAR_PLACEHOLDERS, f"no placeholder for the scalar {t.name}"
    return SCALAR_PLACEHOLDERS[t.name]()


# --- moved from test_payments.py (shared with test_status_sql_matches_python) ---


APPROVE_PAYMENT = f"""
mutation($input: ApprovePaymentInput!) {{
  approvePayment(input: $input) {{
    __typename
    ... on PaymentPayload {{ replayed payment {{ {PAYMENT_FIELDS} }} }}
    {PROBLEMS}
    ... on FourEyesProblem {{ raisedBy }}
    ... on OverApprovalLimitProblem {{ amount lowestRoleThatMayApprove }}
    ... on InsufficientFundsProblem {{ available wanted }}
    ... on ChecksIncompleteProblem {{ missing }}
    ... on IdempotencyKeyReusedProblem {{ key }}
  }}
}}
"""


MAKE_PAYMENT = f"""
mutation($input: MakePaymentInput!) {{
  makePayment(input: $input) {{
    __typename
    ... on PaymentPayload {{ replayed payment {{ {PAYMENT_FIELDS} }} }}
    {PROBLEMS}
    ... on IdempotencyKeyReusedProblem {{ key }}
  }}
}}
"""


CANCEL_PAYMENT = f"""
mutation($input: CancelPaymentInput!) {{
  cancelPayment(input: $input) {{
    __typename
    ... on PaymentPayload {{ replayed payment {{ {PAYMENT_FIELDS} }} }}
    {PROBLEMS}
    ... on IdempotencyKeyReusedProblem {{ key }}
  }}
}}
"""


async def raised_payment(api: Api, invoice_id: str, **kw: Any) -> dict[str, Any]:
    result = await raise_payment(api, {"invoiceId": invoice_id}, **kw)
    assert result["__typename"] == "PaymentPayload", result
    payment: dict[str, Any] = result["payment"]
    return payment


async def approve_payment(
    api: Api,
    payment_id: str,
    *,
    role: str = "senior_officer",
    sub: str = "olu.scao",
    key: str | None = None,
) -> dict[str, Any]:
    variables = {"input": {"id": payment_id, "idempotencyKey": key or new_key()}}
    data = await api.data(APPROVE_PAYMENT, variables, role=role, sub=sub)
    result: dict[str, Any] = data["approvePayment"]
    return result


async def make_payment(
    api: Api,
    payment_id: str,
    *,
    role: str = "support_assistant",
    sub: str = "sam.support",
    key: str | None = None,
) -> dict[str, Any]:
    variables = {"input": {"id": payment_id, "idempotencyKey": key or new_key()}}
    data = await api.data(MAKE_PAYMENT, variables, role=role, sub=sub)
    result: dict[str, Any] = data["makePayment"]
    return result


async def cancel_payment(
    api: Api,
    payment_id: str,
    reason: str = "supplier withdrew the invoice",
    *,
    role: str = "assistant",
    sub: str = "ash.assistant",
    key: str | None = None,
) -> dict[str, Any]:
    variables = {"input": {"id": payment_id, "reason": reason, "idempotencyKey": key or new_key()}}
    result: dict[str, Any] = (await api.data(CANCEL_PAYMENT, variables, role=role, sub=sub))[
        "cancelPayment"
    ]
    return result


async def payable_invoice(
    api: Api, client: dict[str, str], supplier: str, **kw: Any
) -> dict[str, Any]:
    """An invoice recorded and passed on every check (R-PAY-2)."""
    invoice = await recorded(api, client, supplier, **kw)
    return await check_all(api, invoice["id"])


# --- moved from test_decisions.py (shared with test_status_sql_matches_python) ---


REFUSE_DECISION = f"""
mutation($input: RefuseDecisionInput!) {{
  refuseDecision(input: $input) {{
    __typename
    ... on DecisionPayload {{ replayed decision {{ {DECISION_FIELDS} }} }}
    {DECIDE_PROBLEMS}
  }}
}}
"""


SUPERSEDE_DECISION = f"""
mutation($input: SupersedeDecisionInput!) {{
  supersedeDecision(input: $input) {{
    __typename
    ... on DecisionPayload {{ replayed decision {{ {DECISION_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""


async def refuse_decision(
    api: Api, decision_id: str, reason: str, role: str, sub: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"id": decision_id, "reason": reason, "idempotencyKey": new_key()}}
    data = await api.data(REFUSE_DECISION, variables, role=role, sub=sub or SUBS[role])
    result: dict[str, Any] = data["refuseDecision"]
    return result


# --- moved from test_lodgements.py (shared with test_status_sql_matches_python) ---


LODGEMENT_FUNDER = Actor(
    Principal("sam.support", frozenset({Role.SUPPORT_ASSISTANT})), "req-lodge-setup"
)


async def moved_to_court_funds(
    session: AsyncSession, client_id: str, pence: int, value_date: date
) -> None:
    """Money already with the Court Funds Office: CMS -> Court Funds on ``value_date`` through
    the ledger (the client's CMS account must hold it)."""
    cid = decode_uuid("Client", client_id)
    async with unit_of_work(session):
        cms = await ledger.client_account(session, cid)
        court_funds = await ledger.client_account(session, cid, AccountKind.CLIENT_COURT_FUNDS)
        await ledger_transfers.post(
            session,
            LODGEMENT_FUNDER,
            Movement(
                from_account_id=cms.id,
                to_account_id=court_funds.id,
                amount=pence,
                value_date=value_date,
                category=Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
                description="lodged with the Court Funds Office",
            ),
        )


LODGE = f"""
mutation($input: LodgeInput!) {{
  lodge(input: $input) {{
    __typename
    ... on LodgementPayload {{ replayed lodgement {{ {LODGEMENT_FIELDS} }} }}
    ... on InsufficientFundsProblem {{ available wanted }}
    {LODGEMENT_PROBLEMS}
  }}
}}
"""


REFUSE_LODGEMENT_DECISION = """
mutation($input: RefuseDecisionInput!) {
  refuseDecision(input: $input) {
    __typename
  }
}
"""


LODGING_OFFICER = {"role": "support_assistant", "sub": "sam.support"}


async def named_payer(session: AsyncSession, name: str) -> uuid.UUID:
    """A DWP counterparty of this name, made the first time it is asked for."""
    payer = await ledger_repository.find_counterparty(session, "DWP", name)
    if payer is None:
        payer = await ledger_repository.insert_counterparty(
            session,
            kind="DWP",
            name=name,
            reference=None,
            is_council_employee=False,
            created_by="test",
        )
        assert payer is not None
    return payer.id


async def lodgement_payer_account(session: AsyncSession) -> Any:
    return await ledger_counterparties.counterparty_account(
        session, await named_payer(session, "Lodgement test DWP")
    )


async def fund_for_lodgement(
    session: AsyncSession, client_id: str, pence: int, value_date: date = date(2025, 6, 1)
) -> None:
    """Money into the client's CMS account from the DWP (IN_BENEFITS), value-dated in the past."""
    payer = await named_payer(session, "Lodgement test DWP")
    await credit_benefits(
        session,
        LODGEMENT_FUNDER,
        payer,
        client_id,
        pence,
        value_date=value_date,
        description="funds for the lodgement tests",
    )


def lodge_variables(lodgement_id: str, k: str | None = None) -> dict[str, Any]:
    """LODGE's variables: the lodgement, and a new idempotency key unless one is given."""
    return {"input": {"lodgementId": lodgement_id, "idempotencyKey": k or new_key()}}


async def lodge(api: Api, lodgement_id: str, k: str | None = None) -> dict[str, Any]:
    data = await api.data(LODGE, lodge_variables(lodgement_id, k), **LODGING_OFFICER)
    result: dict[str, Any] = data["lodge"]
    return result


# --- placements and approved institutions (R-INV-4, R-INV-6) ---------------------------------

EXECUTOR = {"role": "senior_assistant", "sub": "sasha.senior"}
PLACEMENT_FUNDER = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER})), "test-placements")

MONEY_PROBLEMS = (
    PROBLEMS
    + """
  ... on InsufficientFundsProblem { available wanted }
  ... on IdempotencyKeyReusedProblem { key }
  ... on PolicyMissingProblem { name }
"""
    + SURPLUS_PROBLEM
)

INSTITUTION_FIELDS = """
  id name approvedOn note counterpartyId approved
  products { id name rate notice minimum maximum effectiveFrom }
  latestReview { reviewedOn stillApproved note recordedBy }
"""

ADD_INSTITUTION = f"""
mutation($input: AddApprovedInstitutionInput!) {{
  addApprovedInstitution(input: $input) {{
    __typename
    ... on ApprovedInstitutionPayload {{ institution {{ {INSTITUTION_FIELDS} }} }}
    {PROBLEMS}
  }}
}}
"""

ADD_PRODUCT = f"""
mutation($input: AddInstitutionProductInput!) {{
  addInstitutionProduct(input: $input) {{
    __typename
    ... on InstitutionProductPayload {{ product {{ id name rate notice minimum maximum }} }}
    {PROBLEMS}
  }}
}}
"""

PLACEMENT_FIELDS = """
  id clientId institutionId productId amount startDate maturityDate rate status decisionId
  decisionStatus protectionLimit protectionLimitEffectiveFrom proposedBy accountId
  placedTransferId returnedOn interest daysHeld returnedTransferId interestTransferId
"""

PLACE = f"""
mutation($input: PlaceFundsInput!) {{
  placeFunds(input: $input) {{
    __typename
    ... on PlacementPayload {{ placement {{ {PLACEMENT_FIELDS} }} }}
    {MONEY_PROBLEMS}
  }}
}}
"""

MAKE = f"""
mutation($input: MakePlacementInput!) {{
  makePlacement(input: $input) {{
    __typename
    ... on PlacementPayload {{ placement {{ {PLACEMENT_FIELDS} }} }}
    {MONEY_PROBLEMS}
  }}
}}
"""

RETURN = f"""
mutation($input: MatureOrWithdrawPlacementInput!) {{
  matureOrWithdrawPlacement(input: $input) {{
    __typename
    ... on PlacementPayload {{ placement {{ {PLACEMENT_FIELDS} }} }}
    {MONEY_PROBLEMS}
  }}
}}
"""

PLACEMENTS = f"""
query($clientId: ID!, $status: PlacementStatus, $first: Int, $after: String) {{
  placements(clientId: $clientId, status: $status, first: $first, after: $after) {{
    edges {{ node {{ {PLACEMENT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


async def add_institution(
    api: Api, name: str | None = None, approved_on: str = "2014-04-01", **who: Any
) -> dict[str, Any]:
    data = await api.data(
        ADD_INSTITUTION,
        {
            "input": {
                "name": name or unique("Bank"),
                "approvedOn": approved_on,
                "note": "Treasury strategy list",
            }
        },
        **(who or GM),
    )
    result: dict[str, Any] = data["addApprovedInstitution"]
    assert result["__typename"] == "ApprovedInstitutionPayload", result
    institution: dict[str, Any] = result["institution"]
    return institution


async def add_product(
    api: Api,
    institution_id: str,
    *,
    rate: str = "1.0000",
    minimum: str | None = None,
    maximum: str | None = None,
    effective_from: str = "2014-04-01",
) -> str:
    variables = {
        "input": {
            "institutionId": institution_id,
            "name": "Cash ISA",
            "rate": rate,
            "notice": "Instant",
            "minimum": minimum,
            "maximum": maximum,
            "effectiveFrom": effective_from,
        }
    }
    data = await api.data(ADD_PRODUCT, variables, **GM)
    result = data["addInstitutionProduct"]
    assert result["__typename"] == "InstitutionProductPayload", result
    return str(result["product"]["id"])


async def placement_fund(
    session: AsyncSession, client_id: str, amount: str, on: date = date(2025, 1, 2)
) -> None:
    """Benefits into the client's CMS account from a DWP counterparty, value-dated ``on``."""
    dwp = await ledger_counterparties.create_counterparty(
        session, PLACEMENT_FUNDER, kind=CounterpartyKind.DWP, name=unique("DWP"), reference=None
    )
    await credit_benefits(
        session,
        PLACEMENT_FUNDER,
        dwp.id,
        client_id,
        parse_money(amount),
        value_date=on,
        description="Attendance allowance",
    )


def placement_input(
    client: dict[str, Any], product_id: str, amount: str, start: str, **kw: Any
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": client["id"],
        "productId": product_id,
        "amount": amount,
        "startDate": start,
        "bestInterestsReason": "A better rate than CMS, the capital protected",
        "consulted": "The client's niece",
        "clientInvolved": False,
        "whyClientNotInvolved": "Advanced dementia",
    }
    if "maturityDate" not in kw and "termMonths" not in kw:
        base["termMonths"] = 12
    return base | kw


async def place(
    api: Api, input: dict[str, Any], *, key: str | None = None, **who: Any
) -> dict[str, Any]:
    variables = {"input": {**input, "idempotencyKey": key or new_key()}}
    data = await api.data(PLACE, variables, **(who or PROPOSER))
    result: dict[str, Any] = data["placeFunds"]
    return result


async def proposed(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    result = await place(api, input)
    assert result["__typename"] == "PlacementPayload", result
    placement: dict[str, Any] = result["placement"]
    assert placement["status"] == "PROPOSED"
    return placement


async def make(api: Api, placement_id: str, key: str | None = None) -> dict[str, Any]:
    variables = {"input": {"placementId": placement_id, "idempotencyKey": key or new_key()}}
    data = await api.data(MAKE, variables, **EXECUTOR)
    result: dict[str, Any] = data["makePlacement"]
    return result


async def placed(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    """Proposed, approved by the governance manager, and made."""
    p = await proposed(api, input)
    assert (await approve_as(api, p["decisionId"]))["__typename"] == "DecisionPayload"
    result = await make(api, p["id"])
    assert result["__typename"] == "PlacementPayload", result
    placement: dict[str, Any] = result["placement"]
    assert placement["status"] == "PLACED"
    return placement


async def give_back(api: Api, placement_id: str, on: str, key: str | None = None) -> dict[str, Any]:
    data = await api.data(
        RETURN,
        {
            "input": {
                "placementId": placement_id,
                "onDate": on,
                "idempotencyKey": key or new_key(),
            }
        },
        **EXECUTOR,
    )
    result: dict[str, Any] = data["matureOrWithdrawPlacement"]
    return result


# --- fee runs (R-FEE-1 to R-FEE-4) -----------------------------------------------------------

FEE_FUNDER = Actor(Principal("sam.support", frozenset({Role.SUPPORT_ASSISTANT})), "req-fees-setup")

RUN_FEES = """
mutation($input: RunFeesInput!) {
  runFees(input: $input) {
    __typename
    ... on FeeRunPayload {
      alreadyRun
      run {
        id periodStart periodEnd runBy chargeCount clientsCharged clientsRefused clientsShort total
        charges {
          clientId kind basis dueDate anniversary yearStart yearEnd valueDate amount netAssets
          figureName figureEffectiveFrom figureMoney figurePercent thresholdName
          thresholdEffectiveFrom thresholdMoney
        }
        notCharged { clientId code reason figureName figureDate wanted available }
      }
    }
    ... on ValidationProblem { code message fields { field message } }
    ... on IdempotencyKeyReusedProblem { code message key }
  }
}
"""


async def deputy(
    api: Api, session: AsyncSession, made: str, supervision: str, funds: int | None
) -> str:
    """A deputy client with an order made on ``made``, funded with ``funds`` pence on
    2014-01-01 (before any anniversary here)."""
    client_id = str((await create_client(api))["id"])
    result = await record_deputyship(api, client_id, orderDate=made, supervisionType=supervision)
    assert result["__typename"] == "DeputyshipPayload", result
    if funds:
        await fee_fund(session, client_id, funds, date(2014, 1, 1))
    return client_id


async def fee_fund(session: AsyncSession, client_id: str, pence: int, value_date: date) -> None:
    payer = await named_payer(session, "Fee test DWP")
    await credit_benefits(
        session,
        FEE_FUNDER,
        payer,
        client_id,
        pence,
        value_date=value_date,
        description="funds for the fee tests",
    )


async def run_fees(
    api: Api, start: str, end: str, key: str | None = None, role: str = "senior_officer"
) -> dict[str, Any]:
    data = await api.data(
        RUN_FEES,
        {
            "input": {
                "periodStart": start,
                "periodEnd": end,
                "idempotencyKey": key or str(uuid.uuid4()),
            }
        },
        role=role,
        sub=f"{role}.fees",
    )
    return dict(data["runFees"])


# --- investment statements (R-INV-3) ---------------------------------------------------------

STATEMENT_PROBLEMS = """
  ... on Problem { code message }
  ... on ValidationProblem { fields { field message } }
  ... on NotFoundProblem { id }
  ... on IdempotencyKeyReusedProblem { key }
"""

RECORD = f"""
mutation($input: RecordInvestmentStatementInput!) {{
  recordInvestmentStatement(input: $input) {{
    __typename
    ... on InvestmentStatementPayload {{
      statement {{
        id clientId deputyshipId summary investmentsSummary surplus submittedOn decisionId
        decisionStatus approvedOn recordedBy
      }}
    }}
    {STATEMENT_PROBLEMS}
  }}
}}
"""


async def statement_deputy_client(api: Api, order_date: str) -> tuple[dict[str, Any], str]:
    client = await new_client(api)
    result = await record_deputyship(api, client["id"], orderDate=order_date)
    assert result["__typename"] == "DeputyshipPayload", result
    return client, str(result["deputyship"]["id"])


def statement_input(client: dict[str, Any], deputyship_id: str, **kw: Any) -> dict[str, Any]:
    base = {
        "clientId": client["id"],
        "deputyshipId": deputyship_id,
        "summary": "Needs met from income; CMS balance above 12 months' needs",
        "investmentsSummary": "1,500 BT shares (Computershare), kept: prudent to hold",
        "surplus": "111165.39",
        "consulted": "The client's niece and the care home",
        "clientInvolved": True,
    }
    return base | kw


async def submit(api: Api, input: dict[str, Any], **who: Any) -> dict[str, Any]:
    variables = {"input": {**input, "idempotencyKey": new_key()}}
    data = await api.data(RECORD, variables, **(who or PROPOSER))
    result: dict[str, Any] = data["recordInvestmentStatement"]
    return result


# --- bank statements (R-REC) ------------------------------------------------------------------

HEADER = "date,description,reference,amount\n"
START, END = date(2026, 10, 1), date(2026, 10, 31)
IMPORT_BANK_STATEMENT = """
mutation Import($input: ImportBankStatementInput!) {
  importBankStatement(input: $input) {
    __typename
    ... on ImportBankStatementPayload {
      autoMatched
      statement {
        id accountName periodStart periodEnd openingBalance closingBalance sha256
        importedBy importedAt lineCount matchedLineCount
      }
    }
    ... on ValidationProblem { code message fields { field message } }
    ... on DuplicateStatementProblem { code message existingStatementId }
  }
}
"""


def bank_statement_input(csv: str, opening: str = "0.00", closing: str = "0.00", **kw: Any) -> Any:
    return {
        "accountName": "Client Monies Service",
        "periodStart": START.isoformat(),
        "periodEnd": END.isoformat(),
        "openingBalance": opening,
        "closingBalance": closing,
        "csv": csv,
    } | kw


async def import_statement(api: Api, csv: str, role: str = "senior_assistant", **kw: Any) -> Any:
    data = await api.data(
        IMPORT_BANK_STATEMENT, {"input": bank_statement_input(csv, **kw)}, role=role, sub="sasha"
    )
    return data["importBankStatement"]


async def referral_accepted_on(session: AsyncSession, referral_id: str, day: date) -> None:
    """Put the referral's acceptance at noon on ``day`` in London, as only a superuser could
    (triggers off): the day an application clock starts (R-REF-5, R-REF-6)."""
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    await session.execute(
        text("UPDATE referral_triage SET triaged_at = :at WHERE referral_id = :rid"),
        {"at": datetime(day.year, day.month, day.day, 12, tzinfo=LONDON), "rid": raw(referral_id)},
    )
    await session.execute(text("SET LOCAL session_replication_role = origin"))
    await session.commit()


# --- temporary financial assistance (issue 12 item 4, seed 002 B 4.6-4.7) ---------------------

ASSISTANCE_FIELDS = """
  id clientId clientReference amount purpose payee { id name } category whyFundsUnavailable
  status repaid outstanding raisedBy approvedBy approvalLimitVersionId rejectedBy rejectReason
  paidOn paymentReference paidRecordedBy repaidAt canApprove
  repayments { amount transferId transfer { id } recordedBy }
  events { event limitVersionId paidOn paymentReference reason recordedBy }
"""
DECIDE_ASSISTANCE_PROBLEMS = """
  ... on FourEyesProblem { raisedBy }
  ... on OverApprovalLimitProblem { amount lowestRoleThatMayApprove }
"""


def assistance_mutation(name: str, input_type: str, problems: str = "") -> str:
    """The mutation ``name`` of temporary assistance, selecting the payload and the problems
    (``problems``: the members of its own union beyond every mutation's)."""
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{
    __typename
    ... on TemporaryAssistancePayload {{ replayed temporaryAssistance {{ {ASSISTANCE_FIELDS} }} }}
    {KEYED_PROBLEMS}
    {problems}
  }}
}}
"""


REQUEST_ASSISTANCE = assistance_mutation(
    "requestTemporaryAssistance", "RequestTemporaryAssistanceInput"
)
APPROVE_ASSISTANCE = assistance_mutation(
    "approveTemporaryAssistance", "ApproveTemporaryAssistanceInput", DECIDE_ASSISTANCE_PROBLEMS
)
REJECT_ASSISTANCE = assistance_mutation(
    "rejectTemporaryAssistance", "RejectTemporaryAssistanceInput", DECIDE_ASSISTANCE_PROBLEMS
)
PAY_ASSISTANCE = assistance_mutation(
    "recordTemporaryAssistancePaid",
    "RecordTemporaryAssistancePaidInput",
)
REPAY_ASSISTANCE = assistance_mutation(
    "recordTemporaryAssistanceRepayment",
    "RecordTemporaryAssistanceRepaymentInput",
    "... on InsufficientFundsProblem { available wanted }",
)
SCAO = {"role": "senior_officer", "sub": "olu.scao"}


def assistance_input(client: dict[str, Any], payee: str, amount: str, **kw: Any) -> dict[str, Any]:
    return {
        "clientId": client["id"],
        "amount": amount,
        "purpose": "Two weeks' food and a winter coat",
        "payeeId": payee,
        "category": "OUT_OTHER",
        "whyFundsUnavailable": "the DWP appointeeship is applied for; no benefits received yet",
        "idempotencyKey": new_key(),
    } | kw


async def assistance_call(
    api: Api, mutation: str, input: dict[str, Any], *, role: str, sub: str
) -> dict[str, Any]:
    """The result (payload or problem) of one of temporary assistance's mutations."""
    data = await api.data(mutation, {"input": input}, role=role, sub=sub)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def requested_assistance(
    api: Api, client: dict[str, Any], payee: str, amount: str, **who: Any
) -> dict[str, Any]:
    """Assistance requested by casework (an assistant unless ``who`` says): the assistance."""
    who = who or PROPOSER
    done = await assistance_call(
        api, REQUEST_ASSISTANCE, assistance_input(client, payee, amount), **who
    )
    assert done["__typename"] == "TemporaryAssistancePayload", done
    result: dict[str, Any] = done["temporaryAssistance"]
    return result


async def assistance_step(
    api: Api, mutation: str, assistance_id: str, *, who: dict[str, str] = SCAO, **fields: Any
) -> dict[str, Any]:
    """approve / reject / paid / repayment of the assistance by ``who`` (the SCAO by default)."""
    variables = {"id": assistance_id, "idempotencyKey": new_key(), **fields}
    return await assistance_call(api, mutation, variables, **who)


async def paid_assistance(
    api: Api, client: dict[str, Any], payee: str, amount: str
) -> dict[str, Any]:
    """Assistance requested by an assistant, approved and recorded paid by the SCAO."""
    requested = await requested_assistance(api, client, payee, amount)
    approved = await assistance_step(api, APPROVE_ASSISTANCE, requested["id"])
    assert approved["__typename"] == "TemporaryAssistancePayload", approved
    paid = await assistance_step(
        api, PAY_ASSISTANCE, requested["id"], paidOn=days_ago(1), paymentReference="CC-PAY-1"
    )
    assert paid["__typename"] == "TemporaryAssistancePayload", paid
    result: dict[str, Any] = paid["temporaryAssistance"]
    return result


# --- on appointment: the outbox, invoice holds (issue 12 item 3, R-REF-7) --------------------

OUTBOX_FIELDS = """
  id sequence topic recipient clientId subjectType subjectId payload createdBy createdAt state
  sentAt sentBy acknowledgedAt acknowledgedBy deliveries { state note recordedBy recordedAt }
"""
OUTBOX_MESSAGES = f"""query($filter: OutboxMessageFilter) {{
  outboxMessages(filter: $filter, first: 100) {{ nodes {{ {OUTBOX_FIELDS} }} }} }}"""
HOLD_FIELDS = "cause reason since heldBy releasedAt releasedBy releaseReason"
INVOICE_HOLD_VIEW = f"""query($id: ID!) {{ invoice(id: $id) {{
  id status onHold daysOverdue hold {{ {HOLD_FIELDS} }} holds {{ {HOLD_FIELDS} }} }} }}"""


async def outbox_messages(
    api: Api, *, role: str = "senior_officer", sub: str = "olu.scao", **flt: Any
) -> list[dict[str, Any]]:
    """The outbound messages the caller reads, in sequence order, filtered by ``flt``."""
    data = await api.data(OUTBOX_MESSAGES, {"filter": flt}, role=role, sub=sub)
    nodes: list[dict[str, Any]] = data["outboxMessages"]["nodes"]
    return nodes


async def invoice_hold_view(api: Api, invoice_id: str) -> dict[str, Any]:
    """The invoice's status, hold and days overdue, as an officer reads them."""
    data = await api.data(INVOICE_HOLD_VIEW, {"id": invoice_id}, role="assistant", sub="ash")
    invoice: dict[str, Any] = data["invoice"]
    return invoice


async def council_invoice(api: Api, client: dict[str, str], council: str, **kw: Any) -> str:
    """A council care charge (R-PAY-4) sent by SAP for the client: its id."""
    invoice = await recorded(
        api,
        client,
        council,
        kind="COUNCIL_CARE_CONTRIBUTION",
        category="OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        role="integration_sap",
        sub="sap",
        **kw,
    )
    return str(invoice["id"])


# --- the application clocks (R-REF-5, R-REF-6): what their deadline lists share ---------------

FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY = date(2026, 8, 28)  # Monday 31 August 2026 is a bank holiday

Deadlines = Callable[[str | None], Awaitable[dict[str, dict[str, Any]]]]


async def referral_valid_on(
    api: Api, session: AsyncSession, day: date, **changes: Any
) -> tuple[str, str]:
    """``accepted_referral`` (``changes`` over its answers), its acceptance put on ``day``
    (``referral_accepted_on``): the day its application clocks start."""
    referral_id, client_id = await accepted_referral(api, **changes)
    await referral_accepted_on(session, referral_id, day)
    return referral_id, client_id


async def check_due_the_fifth_working_day_then_missed(
    deadlines: Deadlines, deadline_id: str, today: Any, starts_on: str
) -> None:
    """A clock started on the Friday before the Summer bank holiday is DUE on Monday 7
    September, its 5th working day after (R-REF-5), and MISSED the working day after with
    nothing recorded; ``deadlines(state)`` lists the deadlines by id, ``starts_on`` names the
    field of the day the clock started."""
    today.set(date(2026, 9, 7))
    d = (await deadlines(None))[deadline_id]
    assert (d[starts_on], d["dueOn"], d["state"]) == ("2026-08-28", "2026-09-07", "DUE")
    assert deadline_id in await deadlines("DUE")
    today.set(date(2026, 9, 8))
    assert (await deadlines(None))[deadline_id]["state"] == "MISSED"
    assert deadline_id in await deadlines("MISSED")
    assert deadline_id not in await deadlines("DUE")


async def check_deadlines_paged_soonest_due_first(
    api: Api, session: AsyncSession, today: Any, field: str, id_field: str, **who: Any
) -> None:
    """Two accepted referrals' deadlines in the list ``field`` (each node's id is ``id_field``):
    the sooner due first, one a page, the cursor going on to the later one."""
    later, _ = await referral_valid_on(api, session, date(2026, 12, 18))  # due Tue 29 December
    sooner, _ = await referral_valid_on(api, session, FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY)
    today.set(date(2026, 12, 30))
    query = f"""query($after: String) {{ {field}(first: 1, after: $after) {{
      nodes {{ {id_field} dueOn state }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    first = (await api.data(query, {"after": None}, **who))[field]
    assert first["nodes"] == [{id_field: sooner, "dueOn": "2026-09-07", "state": "MISSED"}]
    assert first["pageInfo"]["hasNextPage"] is True
    cursor = first["pageInfo"]["endCursor"]
    second = (await api.data(query, {"after": cursor}, **who))[field]
    assert second["nodes"] == [{id_field: later, "dueOn": "2026-12-29", "state": "MISSED"}]


# --- a client's death (issue 13) ---------------------------------------------------------------

DEATH_FIELDS = """
  diedOn certificateReference notes recordedBy recordedAt status confirmedBy confirmedAt
"""
RECORD_DEATH = f"""
mutation($input: RecordDeathInput!) {{
  recordDeath(input: $input) {{
    __typename
    ... on DeathPayload {{ replayed client {{ id situation }} death {{ {DEATH_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
CONFIRM_DEATH = f"""
mutation($input: ConfirmDeathInput!) {{
  confirmDeath(input: $input) {{
    __typename
    ... on DeathPayload {{ replayed client {{ id situation }} death {{ {DEATH_FIELDS} }} }}
    {KEYED_PROBLEMS}
    ... on FourEyesProblem {{ raisedBy }}
  }}
}}
"""
DEATH_RECORDER = {"role": "assistant", "sub": "ash.assistant"}
DEATH_CONFIRMER = {"role": "senior_officer", "sub": "olu.scao"}


async def record_death(
    api: Api, client_id: str, died_on: str, *, key: str | None = None, **who: Any
) -> dict[str, Any]:
    """The recordDeath result (payload or problem), by an assistant unless ``who`` says."""
    variables = {
        "input": {
            "clientId": client_id,
            "diedOn": died_on,
            "certificateReference": "DC 123456",
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(RECORD_DEATH, variables, **(who or DEATH_RECORDER))
    result: dict[str, Any] = data["recordDeath"]
    return result


async def confirm_death(
    api: Api, client_id: str, *, key: str | None = None, **who: Any
) -> dict[str, Any]:
    """The confirmDeath result (payload or problem), by a senior officer unless ``who`` says."""
    variables = {"input": {"clientId": client_id, "idempotencyKey": key or new_key()}}
    data = await api.data(CONFIRM_DEATH, variables, **(who or DEATH_CONFIRMER))
    result: dict[str, Any] = data["confirmDeath"]
    return result


async def confirmed_death(api: Api, client_id: str, died_on: str) -> dict[str, Any]:
    """A death recorded by an assistant and confirmed by a senior officer: the payload."""
    recorded_ = await record_death(api, client_id, died_on)
    assert recorded_["__typename"] == "DeathPayload", recorded_
    done = await confirm_death(api, client_id)
    assert done["__typename"] == "DeathPayload", done
    return done


# --- debts in R-DEBT-1's order, after death (issue 13 item 3) ----------------------------------


async def care_home_reimbursement(
    api: Api, client: dict[str, str], provider: str, **kw: Any
) -> dict[str, Any]:
    """A care home's invoice for the personal allowance it advanced the client (R-PAY-5, R-PAY-6:
    for a period ended by receipt), first in R-DEBT-1's order, passed on every check: the
    Invoice."""
    period_end = kw.pop("periodEnd", kw.get("invoiceDate", clock.today().isoformat()))
    invoice = await recorded(
        api,
        client,
        provider,
        kind="CARE_PROVIDER_REIMBURSEMENT",
        category="OUT_PERSONAL_ALLOWANCE",
        amount="40.00",
        description="Personal allowance advanced",
        periodStart=(date.fromisoformat(period_end) - timedelta(days=27)).isoformat(),
        periodEnd=period_end,
        items=[{"description": "Allowance, four weeks", "amount": "40.00", "evidenceSeen": True}],
        officialInvoice=True,
        **kw,
    )
    return await check_all(api, invoice["id"])


async def query_invoice(
    api: Api, invoice_id: str, note: str = "Is this invoice the client's?"
) -> dict[str, Any]:
    """An officer's QUERIED event on the invoice (R-PAY-7): the Invoice."""
    variables = {"input": {"invoiceId": invoice_id, "event": "QUERIED", "note": note}}
    data = await api.data(RECORD_EVENT, variables, role="assistant", sub="ash.assistant")
    result: dict[str, Any] = data["recordInvoiceEvent"]
    assert result["__typename"] == "InvoicePayload", result
    invoice: dict[str, Any] = result["invoice"]
    return invoice


# --- the estate and closing a wound-up case (issue 13 item 5) ------------------------------------

ESTATE_FIELDS = """
  claimant { kind name willReference willDated probateReference probateGrantedOn relationship
             evidence counterpartyId reason correctsPrevious recordedBy }
  claimantHistory { name correctsPrevious }
  referral { referredOn reference recordedBy }
  payment { route amount smallEstateLimit limitEffectiveFrom paymentId paymentStatus raisedBy }
  payments { route paymentStatus }
  stage closed
"""
ESTATE_OFFICER = {"role": "assistant", "sub": "ash.assistant"}  # casework: records and raises
WOUND_UP = 10  # days since the death in the estate tests
WIND_UP_FEE_PENCE = 37_500  # the figure in force from 2014-04-01 (migration 0006)


async def charged_wind_up_fee(api: Api, client_id: str) -> None:
    """The wind-up fee taken by a senior officer (R-FEE-5)."""
    data = await api.data(
        """mutation($input: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $input) {
             __typename ... on Problem { message } } }""",
        {"input": {"clientId": client_id, "idempotencyKey": new_key()}},
        **SCAO,
    )
    assert data["chargeWindUpFee"]["__typename"] == "WindUpFeePayload", data


async def estate_ready(
    api: Api, session: AsyncSession, pence: int, *, fee: bool = True
) -> dict[str, str]:
    """A client whose death (``WOUND_UP`` days ago) is confirmed with ``pence`` left in the CMS
    account once the wind-up fee is taken (unless ``fee`` is False: then ``pence`` + the fee is
    in the account and no fee is charged)."""
    client = await new_client(api)
    await fund(session, api, client, pence + WIND_UP_FEE_PENCE)
    await confirmed_death(api, client["id"], days_ago(WOUND_UP))
    if fee:
        await charged_wind_up_fee(api, client["id"])
    return client


async def notify_everyone(api: Api, client_id: str) -> None:
    """Every death notification of the client sent (R-DEATH-1): letters recorded sent, council
    teams' outbox messages recorded sent."""
    data = await api.data(
        """query($c: ID!) { deathNotifications(clientId: $c, outstanding: true, first: 100) {
             edges { node { recipient organisationKey channel outboxMessageId } } } }""",
        {"c": client_id},
        **SCAO,
    )
    for edge in data["deathNotifications"]["edges"]:
        n = edge["node"]
        if n["channel"] == "COUNCIL_TEAM":
            sent = await api.data(
                """mutation($input: RecordOutboxMessageSentInput!) {
                     recordOutboxMessageSent(input: $input) { __typename } }""",
                {"input": {"id": n["outboxMessageId"], "idempotencyKey": new_key()}},
                **SCAO,
            )
            assert sent["recordOutboxMessageSent"]["__typename"] == "OutboxMessagePayload", sent
        else:
            done = await api.data(
                """mutation($input: RecordDeathNotificationSentInput!) {
                     recordDeathNotificationSent(input: $input) { __typename } }""",
                {
                    "input": {
                        "clientId": client_id,
                        "recipient": n["recipient"],
                        "organisationKey": n["organisationKey"],
                        "sentOn": days_ago(1),
                        "idempotencyKey": new_key(),
                    }
                },
                **ESTATE_OFFICER,
            )
            assert done["recordDeathNotificationSent"]["__typename"] == (
                "DeathNotificationPayload"
            ), done


async def came_home_from_court_funds(session: AsyncSession, client_id: str, pence: int) -> None:
    """Money with the Court Funds Office paid back into the client's CMS account (it comes home
    before the estate is paid), through the ledger."""
    cid = decode_uuid("Client", client_id)
    async with unit_of_work(session):
        cms = await ledger.client_account(session, cid)
        court_funds = await ledger.client_account(session, cid, AccountKind.CLIENT_COURT_FUNDS)
        await ledger_transfers.post(
            session,
            LODGEMENT_FUNDER,
            Movement(
                from_account_id=court_funds.id,
                to_account_id=cms.id,
                amount=pence,
                value_date=clock.today(),
                category=Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
                description="paid out by the Court Funds Office: home to the CMS account",
            ),
        )


# --- benefit overpayments after a death (issue 13 item 3, R-DEATH-2, seed 002 B 29.2) ----------

OVERPAYMENT_FIELDS = """
  overpaymentId status outstanding amountFlagged amountHeld shortfall heldNow daysAfterDeath
  daysInPeriod flaggedBy holdTransferId amountRequested releaseReason releasedBy
  receipt { id amount } payer { id name }
  request { requestId agencyReference requestedOn amount agency { id }
            payment { id status amount windingUpBasis payee { id } } }
"""
BENEFIT_OVERPAYMENTS = f"""
query($clientId: ID!, $outstanding: Boolean) {{
  benefitOverpayments(clientId: $clientId, outstanding: $outstanding, first: 50) {{
    edges {{ node {{ {OVERPAYMENT_FIELDS} }} }}
  }}
}}
"""
REQUEST_OVERPAYMENT_REPAYMENT = f"""
mutation($input: RequestOverpaymentRepaymentInput!) {{
  requestOverpaymentRepayment(input: $input) {{
    __typename
    ... on OverpaymentRepaymentPayload {{
      replayed
      request {{
        requestId agencyReference amount overpayments {{ overpaymentId receipt {{ id }} }}
      }}
      overpayments {{ {OVERPAYMENT_FIELDS} }}
      payment {{ id status amount windingUpBasis category payee {{ id }} }}
    }}
    {KEYED_PROBLEMS}
    ... on InsufficientFundsProblem {{ available wanted }}
  }}
}}
"""
RELEASE_BENEFIT_OVERPAYMENT = f"""
mutation($input: ReleaseBenefitOverpaymentInput!) {{
  releaseBenefitOverpayment(input: $input) {{
    __typename
    ... on BenefitOverpaymentPayload {{ replayed overpayment {{ {OVERPAYMENT_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
OVERPAYMENT_REQUESTER = {"role": "assistant", "sub": "ash.assistant"}
OVERPAYMENT_READER = {"role": "auditor", "sub": "audrey"}


async def benefit_overpayments(
    api: Api, client_id: str, *, outstanding: bool = False, **who: Any
) -> list[dict[str, Any]]:
    """The client's benefit overpayments, oldest receipt first (read by an auditor)."""
    variables = {"clientId": client_id, "outstanding": outstanding}
    data = await api.data(BENEFIT_OVERPAYMENTS, variables, **(who or OVERPAYMENT_READER))
    return [e["node"] for e in data["benefitOverpayments"]["edges"]]


async def request_overpayment_repayment(
    api: Api,
    overpayment_ids: list[str],
    amount: str,
    *,
    reference: str = "DWP/OP/0001",
    requested_on: str | None = None,
    key: str | None = None,
    **who: Any,
) -> dict[str, Any]:
    """The requestOverpaymentRepayment result (payload or problem), by an assistant unless
    ``who`` says."""
    variables = {
        "input": {
            "overpaymentIds": overpayment_ids,
            "agencyReference": reference,
            "requestedOn": requested_on or clock.today().isoformat(),
            "amount": amount,
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(
        REQUEST_OVERPAYMENT_REPAYMENT, variables, **(who or OVERPAYMENT_REQUESTER)
    )
    result: dict[str, Any] = data["requestOverpaymentRepayment"]
    return result


async def release_benefit_overpayment(
    api: Api,
    overpayment_id: str,
    reason: str = "the DWP confirmed nothing is owed",
    *,
    key: str | None = None,
    **who: Any,
) -> dict[str, Any]:
    """The releaseBenefitOverpayment result, by a senior officer unless ``who`` says."""
    variables = {
        "input": {
            "overpaymentId": overpayment_id,
            "reason": reason,
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(RELEASE_BENEFIT_OVERPAYMENT, variables, **(who or SCAO))
    result: dict[str, Any] = data["releaseBenefitOverpayment"]
    return result


# --- complaints and appeals (issue 14 item 8, R-AUD-4, seed 002 B 30) --------------------------

HISTORY_FIELDS = "history { kind on detail correctsEarlier reason recordedBy }"
COMPLAINT_FIELDS = f"""
  id clientId madeBy onBehalfOfName onBehalfOfRelationship madeTo receivedOn summary status open
  outcome outcomeOn outcomeSummary recordedBy {HISTORY_FIELDS}
"""
APPEAL_FIELDS = f"""
  id clientId against decisionDated decisionSummary grounds status open preparedBy approvedBy
  approvedOn refusedBy refusalReason lodgedOn lodgedReference outcome outcomeOn outcomeSummary
  {HISTORY_FIELDS}
"""
COMPLAINT_RECORDER = {"role": "assistant", "sub": "ash.assistant"}  # casework
APPEAL_PREPARER = SCAO  # the Senior Client Affairs Officer prepares an appeal (B 30.3)
DEPUTY = {"role": "head_of_service", "sub": "hal.head"}  # signs as the corporate deputy


def _complaint_mutation(name: str, input_type: str, payload: str, fields: str) -> str:
    extra = (
        "... on FourEyesProblem { raisedBy }" if name in ("approveAppeal", "refuseAppeal") else ""
    )
    return f"""
mutation($input: {input_type}!) {{
  {name}(input: $input) {{
    __typename
    ... on {payload} {{ replayed {fields} }}
    {extra}
    {KEYED_PROBLEMS}
  }}
}}
"""


def complaint_details(**overrides: Any) -> dict[str, Any]:
    """A complaint by the client to the OPG, received a week ago (B 30.4)."""
    return {
        "madeBy": "CLIENT",
        "madeTo": "OPG",
        "receivedOn": days_ago(7),
        "summary": "My care home fees were paid late twice",
        **overrides,
    }


def appeal_details(**overrides: Any) -> dict[str, Any]:
    """An appeal against an OPG decision of a month ago (B 30.3)."""
    return {
        "against": "OPG",
        "decisionDated": days_ago(30),
        "decisionSummary": "The supervision level was raised to type 2",
        "grounds": "The client's affairs are simple and the account is reconciled monthly",
        **overrides,
    }


async def complaint_call(
    api: Api, mutation: str, variables: dict[str, Any], **who: Any
) -> dict[str, Any]:
    """A complaint mutation's result (payload or problem), by casework unless ``who`` says; the
    idempotency key filled in unless given."""
    names = {
        "recordComplaint": "RecordComplaintInput",
        "correctComplaint": "CorrectComplaintInput",
        "recordComplaintOutcome": "RecordComplaintOutcomeInput",
    }
    query = _complaint_mutation(
        mutation, names[mutation], "ComplaintPayload", f"complaint {{ {COMPLAINT_FIELDS} }}"
    )
    data = await api.data(
        query,
        {"input": {"idempotencyKey": new_key(), **variables}},
        **(who or COMPLAINT_RECORDER),
    )
    result: dict[str, Any] = data[mutation]
    return result


async def appeal_call(
    api: Api, mutation: str, variables: dict[str, Any], **who: Any
) -> dict[str, Any]:
    """An appeal mutation's result (payload or problem), by the SCAO unless ``who`` says (the
    deputy's approval: pass ``**DEPUTY``); the idempotency key filled in unless given."""
    query = _complaint_mutation(
        mutation,
        mutation[0].upper() + mutation[1:] + "Input",
        "AppealPayload",
        f"appeal {{ {APPEAL_FIELDS} }}",
    )
    data = await api.data(
        query, {"input": {"idempotencyKey": new_key(), **variables}}, **(who or APPEAL_PREPARER)
    )
    result: dict[str, Any] = data[mutation]
    return result


async def recorded_complaint(api: Api, client_id: str, **details: Any) -> dict[str, Any]:
    done = await complaint_call(
        api, "recordComplaint", {"clientId": client_id, "details": complaint_details(**details)}
    )
    assert done["__typename"] == "ComplaintPayload", done
    complaint: dict[str, Any] = done["complaint"]
    return complaint


async def prepared_appeal(api: Api, client_id: str, **details: Any) -> dict[str, Any]:
    done = await appeal_call(
        api, "prepareAppeal", {"clientId": client_id, "details": appeal_details(**details)}
    )
    assert done["__typename"] == "AppealPayload", done
    appeal: dict[str, Any] = done["appeal"]
    return appeal


async def lodged_appeal(api: Api, client_id: str) -> dict[str, Any]:
    """An appeal prepared by the SCAO, approved by the deputy, lodged today."""
    appeal = await prepared_appeal(api, client_id)
    approved = await appeal_call(api, "approveAppeal", {"appealId": appeal["id"]}, **DEPUTY)
    assert approved["__typename"] == "AppealPayload", approved
    done = await appeal_call(
        api,
        "recordAppealLodged",
        {"appealId": appeal["id"], "lodgedOn": days_ago(0), "reference": "OPG/APP/1"},
    )
    assert done["__typename"] == "AppealPayload", done
    lodged: dict[str, Any] = done["appeal"]
    return lodged


# --- wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28) --------------------------

WILLS_FIELDS = """
  wills {
    willId courtNoticeDueOn courtNoticeState courtNotifiedOn courtNotifiedBy courtNoticeReference
    current { kind dated foundOn heldBy holder reference reason recordedBy }
    history { kind heldBy holder reason recordedBy }
  }
  funeralWishes { wishes clientInvolved source reason recordedBy }
  funeralWishesHistory { wishes reason }
  funeralPlans {
    funeralPlanId provider description amount payeeId decisionId decisionStatus proposedBy
    payments { paymentId status raisedBy }
  }
"""
WILLS_PAYLOAD = f"""
  __typename
  ... on WillsPayload {{ replayed client {{ id }} willsAndFuneral {{ {WILLS_FIELDS} }} }}
  {KEYED_PROBLEMS}
"""
RECORD_WILL = f"""mutation($input: RecordWillInput!) {{ recordWill(input: $input) {{
  {WILLS_PAYLOAD} }} }}"""
RECORD_WILL_NOTICE = f"""mutation($input: RecordWillCourtNoticeInput!) {{
  recordWillCourtNotice(input: $input) {{ {WILLS_PAYLOAD} }} }}"""
RECORD_FUNERAL_WISHES = f"""mutation($input: RecordFuneralWishesInput!) {{
  recordFuneralWishes(input: $input) {{ {WILLS_PAYLOAD} }} }}"""
PROPOSE_FUNERAL_PLAN = f"""mutation($input: ProposeFuneralPlanInput!) {{
  proposeFuneralPlan(input: $input) {{ {WILLS_PAYLOAD} }} }}"""
RAISE_FUNERAL_PLAN_PAYMENT = f"""mutation($input: RaiseFuneralPlanPaymentInput!) {{
  raiseFuneralPlanPayment(input: $input) {{
    __typename
    ... on FuneralPlanPaymentPayload {{
      replayed funeralPlan {{ funeralPlanId decisionStatus payments {{ paymentId status }} }}
      payment {{ id amount status category description raisedBy payee {{ id name }} }}
    }}
    {KEYED_PROBLEMS}
  }} }}"""
WILLS_AND_FUNERAL = f"query($c: ID!) {{ willsAndFuneral(clientId: $c) {{ {WILLS_FIELDS} }} }}"
WILL_RECORDER = {"role": "assistant", "sub": "ash.assistant"}  # casework records wills


async def record_will(api: Api, client_id: str, **fields: Any) -> dict[str, Any]:
    """The recordWill result: a will found today, in the team's safe, unless ``fields`` say."""
    who = fields.pop("who", WILL_RECORDER)
    variables = {
        "input": {
            "clientId": client_id,
            "kind": "WILL",
            "foundOn": clock.today().isoformat(),
            "heldBy": "COUNCIL_SAFE",
            "idempotencyKey": fields.pop("key", None) or new_key(),
            **fields,
        }
    }
    result: dict[str, Any] = (await api.data(RECORD_WILL, variables, **who))["recordWill"]
    return result


async def record_will_notice(api: Api, will_id: str, sent_on: str, **who: Any) -> dict[str, Any]:
    variables = {"input": {"willId": will_id, "sentOn": sent_on, "idempotencyKey": new_key()}}
    data = await api.data(RECORD_WILL_NOTICE, variables, **(who or WILL_RECORDER))
    result: dict[str, Any] = data["recordWillCourtNotice"]
    return result


def funeral_plan_input(client_id: str, payee_id: str, amount: str, **kw: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "provider": "Golden Leaves",
        "description": "Pre-paid cremation plan, simple service",
        "amount": amount,
        "payeeId": payee_id,
        "bestInterestsReason": "The client asked for a simple cremation; prices rise yearly",
        "consulted": "The client and their niece",
        "clientInvolved": True,
        "idempotencyKey": new_key(),
    } | kw


async def propose_funeral_plan(
    api: Api, client_id: str, payee_id: str, amount: str, **who: Any
) -> dict[str, Any]:
    """The proposeFuneralPlan result, by a senior officer unless ``who`` says (B 28.2)."""
    variables = {"input": funeral_plan_input(client_id, payee_id, amount)}
    data = await api.data(PROPOSE_FUNERAL_PLAN, variables, **(who or SCAO))
    result: dict[str, Any] = data["proposeFuneralPlan"]
    return result


async def raise_funeral_plan_payment(api: Api, plan_id: str, **who: Any) -> dict[str, Any]:
    variables = {"input": {"funeralPlanId": plan_id, "idempotencyKey": new_key()}}
    data = await api.data(RAISE_FUNERAL_PLAN_PAYMENT, variables, **(who or SCAO))
    result: dict[str, Any] = data["raiseFuneralPlanPayment"]
    return result


# --- annual reviews, contacts and changes of circumstances (issue 14 item 1, reviews/) --------

CASEWORK = {"role": "assistant", "sub": "ash.assistant"}
REVIEW_FIELDS = """
  id clientId reviewedOn methods needs finances clientInvolved notInvolvedReason actions
  correctsId reason correctedById recordedBy
"""
CONTACT_FIELDS = "id clientId contactedOn kind withWhom about correctsId reason correctedById"
CHANGE_FIELDS = """
  id clientId occurredOn kind details reportable correctsId reason correctedById
  notices { recipient state outboxMessageId sentAt sentBy }
"""
RECORD_REVIEW = f"""
mutation($input: RecordAnnualReviewInput!) {{
  recordAnnualReview(input: $input) {{
    __typename
    ... on AnnualReviewPayload {{ replayed review {{ {REVIEW_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
RECORD_CONTACT = f"""
mutation($input: RecordClientContactInput!) {{
  recordClientContact(input: $input) {{
    __typename
    ... on ClientContactPayload {{ replayed contact {{ {CONTACT_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
RECORD_CHANGE = f"""
mutation($input: RecordCircumstanceChangeInput!) {{
  recordCircumstanceChange(input: $input) {{
    __typename
    ... on CircumstanceChangePayload {{ replayed change {{ {CHANGE_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""


def review_input(client_id: str, **kw: Any) -> dict[str, Any]:
    """A review by a personal visit, the client involved (R-CARE-1, B 13.3)."""
    return {
        "clientId": client_id,
        "reviewedOn": days_ago(1),
        "methods": ["PERSONAL_VISIT"],
        "needs": "Would enjoy a weekly outing to the garden centre; needs new glasses",
        "finances": "CMS balance reviewed; the ISA matures in June; no debts",
        "clientInvolved": True,
        "idempotencyKey": new_key(),
    } | kw


async def record_review(api: Api, client_id: str, *, who: Any = None, **kw: Any) -> Any:
    """The recordAnnualReview result (payload or problem), by casework unless ``who`` says."""
    data = await api.data(
        RECORD_REVIEW, {"input": review_input(client_id, **kw)}, **(who or CASEWORK)
    )
    return data["recordAnnualReview"]


async def record_contact(api: Api, client_id: str, *, who: Any = None, **kw: Any) -> Any:
    """The recordClientContact result, by casework unless ``who`` says."""
    values = {
        "clientId": client_id,
        "contactedOn": days_ago(2),
        "kind": "TELEPHONE_CALL",
        "withWhom": "Manager, Seaview care home",
        "about": "The client's new hearing aid",
        "idempotencyKey": new_key(),
    } | kw
    data = await api.data(RECORD_CONTACT, {"input": values}, **(who or CASEWORK))
    return data["recordClientContact"]


async def record_change(api: Api, client_id: str, kind: str, *, who: Any = None, **kw: Any) -> Any:
    """The recordCircumstanceChange result, by casework unless ``who`` says."""
    values = {
        "clientId": client_id,
        "occurredOn": days_ago(3),
        "kind": kind,
        "details": "As the officer found it",
        "idempotencyKey": new_key(),
    } | kw
    data = await api.data(RECORD_CHANGE, {"input": values}, **(who or CASEWORK))
    return data["recordCircumstanceChange"]


# --- valuables in the team's safe (issue 14 item 4, R-CARE-3, seed 002 B 24) -------------------


def png_bytes(tag: bytes = b"") -> bytes:
    """A real 1x1 PNG; ``tag`` (a text chunk) makes its bytes, and so its SHA-256, unique."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + (tag or uuid.uuid4().hex.encode()))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(size: int = 64) -> bytes:
    """Bytes of ``size`` that start as a JPEG does (its type is told from its signature)."""
    head = b"\xff\xd8\xff\xe0" + uuid.uuid4().bytes
    return (head + b"\x00" * size)[: size - 2] + b"\xff\xd9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


VALUABLE_OFFICER = {"role": "assistant", "sub": "ash.assistant"}  # casework takes items in
VALUABLE_FIELDS = """
  valuableId clientId description monetaryValue location status held registeredBy registeredAt
  photo { fileType mediaType size sha256 }
  history { description monetaryValue location reason correctsPrevious recordedBy
            photo { sha256 } }
  movements { number kind person reason recordedBy }
"""
VALUABLE_RESULT = f"""
  __typename
  ... on ValuablePayload {{ replayed valuable {{ {VALUABLE_FIELDS} }} }}
  {KEYED_PROBLEMS}
"""
REGISTER_VALUABLE = f"""mutation($input: RegisterValuableInput!) {{
  registerValuable(input: $input) {{ {VALUABLE_RESULT} }} }}"""


def valuable_input(client_id: str, **kw: Any) -> dict[str, Any]:
    """A gold ring worth £350.00 with a PNG photograph, handed in by the client's daughter."""
    return {
        "clientId": client_id,
        "description": "Gold wedding ring, engraved 'A & J 1962'",
        "monetaryValue": "350.00",
        "location": "Safe 1, envelope 14",
        "photo": {"contentBase64": b64(png_bytes())},
        "receivedFrom": "Ann Lee (daughter)",
        "idempotencyKey": new_key(),
    } | kw


async def register_valuable(
    api: Api, client_id: str, *, who: dict[str, str] | None = None, **kw: Any
) -> dict[str, Any]:
    """The registerValuable result, by an assistant unless ``who`` says."""
    data = await api.data(
        REGISTER_VALUABLE, {"input": valuable_input(client_id, **kw)}, **(who or VALUABLE_OFFICER)
    )
    result: dict[str, Any] = data["registerValuable"]
    return result


async def registered_valuable(api: Api, client_id: str, **kw: Any) -> dict[str, Any]:
    """A valuable taken into the safe: the Valuable."""
    result = await register_valuable(api, client_id, **kw)
    assert result["__typename"] == "ValuablePayload", result
    valuable: dict[str, Any] = result["valuable"]
    return valuable


# --- outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3, seed 002 B 14) --------

DEBTS_FIELDS = """
  debts {
    debtId owed repaid
    current { creditor kind amount incurredOn foundOn reference payeeId reason recordedBy }
    history { amount reason }
  }
  repaymentPlans {
    planId fundsAvailable totalOwed totalAllocated fundsShort statement decisionId decisionStatus
    producedBy
    lines { debtId position creditor kind incurredOn owed allocated unpaid }
    letters {
      letterId debtId creditor text sentOn sentBy pdf { fileType size sha256 contentBase64 }
    }
    repayments { debtId amount paymentId status raisedBy }
  }
"""
DEBTS_PAYLOAD = f"""
  __typename
  ... on OutstandingDebtsPayload {{
    replayed client {{ id }} outstandingDebts {{ {DEBTS_FIELDS} }}
  }}
  {KEYED_PROBLEMS}
"""
RECORD_OUTSTANDING_DEBT = f"""mutation($input: RecordOutstandingDebtInput!) {{
  recordOutstandingDebt(input: $input) {{ {DEBTS_PAYLOAD} }} }}"""
PRODUCE_DEBT_STATEMENT = f"""mutation($input: ProduceDebtStatementInput!) {{
  produceDebtStatement(input: $input) {{ {DEBTS_PAYLOAD} }} }}"""
RECORD_DEBT_LETTER_SENT = f"""mutation($input: RecordDebtLetterSentInput!) {{
  recordDebtLetterSent(input: $input) {{ {DEBTS_PAYLOAD} }} }}"""
RAISE_DEBT_REPAYMENT = f"""mutation($input: RaiseDebtRepaymentInput!) {{
  raiseDebtRepayment(input: $input) {{
    __typename
    ... on DebtRepaymentPayload {{
      replayed repaymentPlan {{ planId decisionStatus repayments {{ debtId amount status }} }}
      payment {{ id amount status category description raisedBy payee {{ id name }} }}
    }}
    {KEYED_PROBLEMS}
  }} }}"""
OUTSTANDING_DEBTS = f"query($c: ID!) {{ outstandingDebts(clientId: $c) {{ {DEBTS_FIELDS} }} }}"
DEBT_OFFICER = {"role": "assistant", "sub": "ash.assistant"}  # casework records debts


async def record_outstanding_debt(
    api: Api, client_id: str, creditor: str, kind: str, amount: str, incurred_on: str, **kw: Any
) -> dict[str, Any]:
    """The recordOutstandingDebt result, found today, by an assistant unless ``who`` says."""
    who = kw.pop("who", DEBT_OFFICER)
    variables = {
        "input": {
            "clientId": client_id,
            "creditor": creditor,
            "kind": kind,
            "amount": amount,
            "incurredOn": incurred_on,
            "foundOn": clock.today().isoformat(),
            "idempotencyKey": kw.pop("key", None) or new_key(),
            **kw,
        }
    }
    data = await api.data(RECORD_OUTSTANDING_DEBT, variables, **who)
    result: dict[str, Any] = data["recordOutstandingDebt"]
    return result


def debt_statement_input(client_id: str, funds: str, **kw: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "fundsAvailable": funds,
        "bestInterestsReason": "Clears the debts the client can afford, in the policy's order",
        "consulted": "The client's care home manager and their nephew",
        "clientInvolved": False,
        "whyClientNotInvolved": "The client cannot weigh the information (advanced dementia)",
        "idempotencyKey": new_key(),
    } | kw


async def produce_debt_statement(
    api: Api, client_id: str, funds: str, *, who: dict[str, str] | None = None, **kw: Any
) -> dict[str, Any]:
    """The produceDebtStatement result, by an assistant unless ``who`` says (B 14.4)."""
    variables = {"input": debt_statement_input(client_id, funds, **kw)}
    data = await api.data(PRODUCE_DEBT_STATEMENT, variables, **(who or DEBT_OFFICER))
    result: dict[str, Any] = data["produceDebtStatement"]
    return result


async def record_debt_letter_sent(
    api: Api, letter_id: str, sent_on: str, **who: Any
) -> dict[str, Any]:
    variables = {"input": {"letterId": letter_id, "sentOn": sent_on, "idempotencyKey": new_key()}}
    data = await api.data(RECORD_DEBT_LETTER_SENT, variables, **(who or DEBT_OFFICER))
    result: dict[str, Any] = data["recordDebtLetterSent"]
    return result


async def raise_debt_repayment(api: Api, plan_id: str, debt_id: str, **who: Any) -> dict[str, Any]:
    variables = {"input": {"planId": plan_id, "debtId": debt_id, "idempotencyKey": new_key()}}
    data = await api.data(RAISE_DEBT_REPAYMENT, variables, **(who or DEBT_OFFICER))
    result: dict[str, Any] = data["raiseDebtRepayment"]
    return result


# --- income tax (issue 14 item 6, R-CARE-6, seed 002 B 19) -----------------------------------

TAX_OFFICER = {"role": "assistant", "sub": "amy.assistant"}

INCOME_TAX_FIELDS = """clientId taxYear label startsOn endsOn
  taxableIncome { category amount } totalTaxableIncome personalAllowance propertyAllowance
  returnNeeded returnNeededBecause returnDueOn returnState filedOn
  filing { taxReturnId filedOn reference taxDue advisedBy reason recordedBy }
  filingHistory { taxReturnId filedOn reason } taxPaid taxRefunded"""

INCOME_TAX = (
    "query($c: ID!, $y: Int!) { incomeTax(clientId: $c, taxYear: $y) { "
    + INCOME_TAX_FIELDS
    + " } }"
)

TAX_RETURNS = (
    "query($y: Int!, $s: AppointeeApplicationDeadlineState) { taxReturns(taxYear: $y, state: $s,"
    " first: 100) { edges { node { dueOn state incomeTax { " + INCOME_TAX_FIELDS + " } } } } }"
)

RECORD_TAX_RETURN_FILED = (
    "mutation($input: RecordTaxReturnFiledInput!) { recordTaxReturnFiled(input: $input) {"
    " __typename ... on TaxReturnPayload { replayed incomeTax { "
    + INCOME_TAX_FIELDS
    + " } } ... on ValidationProblem { code message fields { field message } }"
    " ... on InvalidStateProblem { code message } ... on NotFoundProblem { code message }"
    " ... on IdempotencyKeyReusedProblem { code message } } }"
)


async def ledger_income(
    session: AsyncSession,
    client_id: str,
    category: Category,
    pence: int,
    value_date: date,
    *,
    party: uuid.UUID | None = None,
) -> uuid.UUID:
    """Money into the client's CMS account of ``category`` (a pension, interest, rent, a
    refund), posted straight to the ledger, from ``party`` (a counterparty's id) or a new
    payer: the transfer's id."""
    if party is None:
        party = await tax_payee(session, "Payer ")
    async with unit_of_work(session):
        source = await ledger_counterparties.counterparty_account(session, party)
        account = await ledger.client_account(session, decode_uuid("Client", client_id))
        t = await ledger_transfers.post(
            session,
            PLANNER,
            Movement(
                from_account_id=source.id,
                to_account_id=account.id,
                amount=pence,
                value_date=value_date,
                category=category,
                description=f"{category.value} for the tax test",
            ),
        )
        return t.id


async def tax_payee(session: AsyncSession, name: str = "HMRC ") -> uuid.UUID:
    """A counterparty standing for HMRC (the ledger has no HMRC of its own), or another."""
    party = await ledger_counterparties.create_counterparty(
        session, PLANNER, kind=CounterpartyKind.OTHER, name=unique(name), reference=None
    )
    return party.id


async def ledger_tax_paid(
    session: AsyncSession, client_id: str, payee: uuid.UUID, pence: int, value_date: date
) -> uuid.UUID:
    """Tax (OUT_TAX) from the client's CMS account to ``payee``, posted straight to the ledger
    (as makePayment would): the transfer's id."""
    async with unit_of_work(session):
        account = await ledger.client_account(session, decode_uuid("Client", client_id))
        target = await ledger_counterparties.counterparty_account(session, payee)
        t = await ledger_transfers.post(
            session,
            PLANNER,
            Movement(
                from_account_id=account.id,
                to_account_id=target.id,
                amount=pence,
                value_date=value_date,
                category=Category.OUT_TAX,
                description="Income tax",
            ),
        )
        return t.id


async def income_tax(api: Api, client_id: str, tax_year: int, **who: Any) -> dict[str, Any]:
    """The client's incomeTax for the year, read by the auditor unless ``who`` says."""
    data = await api.data(
        INCOME_TAX, {"c": client_id, "y": tax_year}, **(who or {"role": "auditor", "sub": "audrey"})
    )
    result: dict[str, Any] = data["incomeTax"]
    return result


async def record_tax_return(
    api: Api,
    client_id: str,
    tax_year: int,
    filed_on: str,
    *,
    who: dict[str, str] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """The recordTaxReturnFiled result, by an assistant unless ``who`` says."""
    variables = {
        "input": {
            "clientId": client_id,
            "taxYear": tax_year,
            "filedOn": filed_on,
            "idempotencyKey": new_key(),
        }
        | kw
    }
    data = await api.data(RECORD_TAX_RETURN_FILED, variables, **(who or TAX_OFFICER))
    result: dict[str, Any] = data["recordTaxReturnFiled"]
    return result


# --- recovery of capacity (issue 14 item 7, recovery/; R-ORD-5, seed 002 B 27) ------------------

RECOVERY_OFFICER = {"role": "assistant", "sub": "ash.assistant"}  # records orders, raises
RECOVERY_CLOSER = {"role": "senior_officer", "sub": "olu.scao"}  # closes the case
RECOVERY_FIELDS = """
  recoveryId clientId deputyshipId orderDate courtReference medicalEvidence closed
  history { orderDate courtReference medicalEvidence reason correctsPrevious recordedBy }
  handovers { paymentId amount status evidence raisedBy evidenceFile { fileType sha256 } }
  outstanding { step count amount detail }
"""
RECOVERY_RESULT = f"""
  __typename
  ... on RecoveryOfCapacityPayload {{ replayed recovery {{ {RECOVERY_FIELDS} }} }}
  {KEYED_PROBLEMS}
"""
RECORD_RECOVERY = f"""mutation($input: RecordRecoveryOfCapacityInput!) {{
  recordRecoveryOfCapacity(input: $input) {{ {RECOVERY_RESULT} }} }}"""
RAISE_HANDOVER = f"""mutation($input: RaiseHandoverPaymentInput!) {{
  raiseHandoverPayment(input: $input) {{
    __typename
    ... on HandoverPaymentPayload {{
      replayed recovery {{ {RECOVERY_FIELDS} }} payment {{ id status amount raisedBy }} }}
    {KEYED_PROBLEMS} }} }}"""
CLOSE_RECOVERED = f"""mutation($input: CloseRecoveredCaseInput!) {{
  closeRecoveredCase(input: $input) {{ {RECOVERY_RESULT} }} }}"""


async def record_recovery(
    api: Api, client_id: str, *, who: dict[str, str] | None = None, **kw: Any
) -> dict[str, Any]:
    """The recordRecoveryOfCapacity result: the court's order of five days ago unless ``kw``."""
    values = {
        "clientId": client_id,
        "orderDate": days_ago(5),
        "courtReference": "COP 1234567/R",
        "medicalEvidence": "Consultant psychiatrist's report, capacity regained",
        "idempotencyKey": new_key(),
    } | kw
    data = await api.data(RECORD_RECOVERY, {"input": values}, **(who or RECOVERY_OFFICER))
    result: dict[str, Any] = data["recordRecoveryOfCapacity"]
    return result


async def court_deputy_client(api: Api) -> dict[str, str]:
    """A client with a deputyship in force since 400 days ago: {id, reference, deputyshipId}."""
    client = await new_client(api)
    deputyship = await new_deputyship(api, client["id"])
    return client | {"deputyshipId": str(deputyship["id"])}


async def recovered_client(api: Api) -> dict[str, str]:
    """A deputy client whose recovery is recorded (court order of five days ago)."""
    client = await court_deputy_client(api)
    done = await record_recovery(api, client["id"])
    assert done["__typename"] == "RecoveryOfCapacityPayload", done
    return client


async def raise_handover(
    api: Api,
    client_id: str,
    payee_id: str,
    amount: str,
    *,
    who: dict[str, str] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """The raiseHandoverPayment result, by an assistant unless ``who`` says."""
    values = {
        "clientId": client_id,
        "payeeId": payee_id,
        "amount": amount,
        "evidence": "Bank statement: current account in the client's own name",
        "idempotencyKey": new_key(),
    } | kw
    data = await api.data(RAISE_HANDOVER, {"input": values}, **(who or RECOVERY_OFFICER))
    result: dict[str, Any] = data["raiseHandoverPayment"]
    return result


async def close_recovered(
    api: Api, client_id: str, *, who: dict[str, str] | None = None, key: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id, "idempotencyKey": key or new_key()}}
    data = await api.data(CLOSE_RECOVERED, variables, **(who or RECOVERY_CLOSER))
    result: dict[str, Any] = data["closeRecoveredCase"]
    return result


# --- property (issue 14 item 3, R-CARE-4, seed 002 B 8-9) ----------------------------------------

PROPERTY_RECORDER = {"role": "assistant", "sub": "ash.assistant"}  # casework records
PROPERTY_DEPUTY = {"role": "head_of_service", "sub": "hari.head"}  # the corporate deputy, B 9.3
PROPERTY_FIELDS = """
  propertyId clientId
  current { address ownership coOwners insured insurer policyNumber insuranceRenewsOn
            keysHeldBy reason recordedBy }
  history { ownership insurer insuranceRenewsOn keysHeldBy reason }
  insuranceLapsed
  visits { visitedOn visitedBy notes recordedBy }
  invoices { invoiceId amount receivedOn dueOn status }
  consultations { consulted consultedOn outcome }
  valuations { agent amount valuedOn }
  offers { offerId offeror amount madeOn priceAgreedBy }
  notReturningHomeDecisions { decisionId status }
  saleConditions { condition met description }
  sale { offerId price agreedOn agreedBy }
  lettings { courtReference courtAuthorisedOn tenders agent }
  proceeds { receiptId amount receivedOn }
  outstandingInvoices availableToInvest
"""
PROPERTIES = f"query($c: ID!) {{ properties(clientId: $c) {{ {PROPERTY_FIELDS} }} }}"


def property_mutation_doc(name: str, input_type: str) -> str:
    """The document of one property mutation, its payload's property and every problem."""
    return f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{
        __typename
        ... on PropertyPayload {{ replayed property {{ {PROPERTY_FIELDS} }} }}
        {KEYED_PROBLEMS}
      }} }}"""


async def property_mutation(
    api: Api, name: str, input: dict[str, Any], *, key: str | None = None, **who: Any
) -> dict[str, Any]:
    """A property mutation's result (payload or problem), by ``who`` (casework unless told);
    the input type is the mutation's name, capitalised, with Input."""
    input_type = name[0].upper() + name[1:] + "Input"
    data = await api.data(
        property_mutation_doc(name, input_type),
        {"input": {**input, "idempotencyKey": key or new_key()}},
        **(who or PROPERTY_RECORDER),
    )
    result: dict[str, Any] = data[name]
    return result


def property_input(client_id: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "clientId": client_id,
        "address": "14 Mill Lane, Ashford TN23 1AA",
        "ownership": "SOLE",
        "insured": True,
        "insurer": "Kent Mutual",
        "policyNumber": "KM-55120",
        "insuranceRenewsOn": (clock.today() + timedelta(days=200)).isoformat(),
        "keysHeldBy": "Protection of Property team",
    }
    return {k: v for k, v in (base | overrides).items() if v is not None}


async def new_property(api: Api, client_id: str, **overrides: Any) -> dict[str, Any]:
    """A property recorded (accepted): the Property."""
    done = await property_mutation(api, "recordProperty", property_input(client_id, **overrides))
    assert done["__typename"] == "PropertyPayload", done
    prop: dict[str, Any] = done["property"]
    return prop


SALE_CONDITIONS = (
    "DEPUTY",
    "SOLE_OWNER",
    "NOT_RETURNING_HOME",
    "PARTIES_CONSULTED",
    "THREE_VALUATIONS",
    "DEPUTY_AGREED_PRICE",
)


async def property_for_sale(
    api: Api, *, without: str | None = None, price: str = "185000.00"
) -> tuple[str, str, str]:
    """A client's property with every condition of a sale in place (B 9.1-9.3) but ``without``
    (one of SALE_CONDITIONS), and an offer: (client id, property id, offer id)."""
    if without == "DEPUTY":
        client_id = str((await create_client(api))["id"])
    else:
        client_id = await deputy_client(api, surplus=None)
    extra = {"ownership": "JOINT", "coOwners": "Brian Ashdown"} if without == "SOLE_OWNER" else {}
    prop = await new_property(api, client_id, **extra)
    pid = prop["propertyId"]
    if without != "PARTIES_CONSULTED":
        done = await property_mutation(
            api,
            "recordPropertyConsultation",
            {
                "propertyId": pid,
                "consulted": "Carol Ashdown (daughter)",
                "consultedOn": days_ago(10),
                "outcome": "agrees the house should be sold to pay for care",
            },
        )
        assert done["__typename"] == "PropertyPayload", done
    agents = ["Ashford Homes", "Kent Estates", "Weald Property"]
    for agent, amount in zip(
        agents[: 2 if without == "THREE_VALUATIONS" else 3],
        ("180000.00", "190000.00", "185000.00"),
        strict=False,
    ):
        done = await property_mutation(
            api,
            "recordPropertyValuation",
            {"propertyId": pid, "agent": agent, "amount": amount, "valuedOn": days_ago(9)},
        )
        assert done["__typename"] == "PropertyPayload", done
    if without != "NOT_RETURNING_HOME":
        done = await property_mutation(
            api,
            "proposeNotReturningHome",
            {
                "propertyId": pid,
                "bestInterestsReason": "needs 24-hour nursing care; will not return home",
                "consulted": "daughter, care manager, GP",
                "clientInvolved": False,
                "whyClientNotInvolved": "advanced dementia: cannot take part",
            },
            **SCAO,
        )
        assert done["__typename"] == "PropertyPayload", done
        decision_id = done["property"]["notReturningHomeDecisions"][0]["decisionId"]
        approved = await approve_as(api, decision_id)
        assert approved["__typename"] == "DecisionPayload", approved
    done = await property_mutation(
        api,
        "recordPropertyOffer",
        {"propertyId": pid, "offeror": "Mr and Mrs Patel", "amount": price, "madeOn": days_ago(2)},
    )
    assert done["__typename"] == "PropertyPayload", done
    offer_id = done["property"]["offers"][-1]["offerId"]
    if without != "DEPUTY_AGREED_PRICE":
        done = await property_mutation(
            api, "agreePropertyPrice", {"offerId": offer_id}, **PROPERTY_DEPUTY
        )
        assert done["__typename"] == "PropertyPayload", done
    return client_id, pid, offer_id


# --- allowances: personal allowance and weekly cash (issue 14 item 9) ----------------------

ALLOWANCE_RECORDER = {"role": "assistant", "sub": "ash.assistant"}  # casework
ALLOWANCE_APPROVER = {"role": "senior_officer", "sub": "olu.scao"}  # SCAO, not the recorder
ALLOWANCE_RUNNER = {"role": "senior_officer", "sub": "rita.scao"}
SCHEDULE_FIELDS = """
  id clientId kind weeklyAmount payeeId startsOn stops status superseded supersedesId reason
  recordedBy approvedBy
"""
ALLOWANCE_PROBLEMS = """
  ... on Problem { code message }
  ... on ValidationProblem { fields { field message } }
"""
RECORD_ALLOWANCE = f"""
mutation($input: RecordAllowanceScheduleInput!) {{ recordAllowanceSchedule(input: $input) {{
  __typename ... on AllowanceSchedulePayload {{ replayed schedule {{ {SCHEDULE_FIELDS} }} }}
  {ALLOWANCE_PROBLEMS} }} }}"""
STOP_ALLOWANCE = f"""
mutation($input: StopAllowanceScheduleInput!) {{ stopAllowanceSchedule(input: $input) {{
  __typename ... on AllowanceSchedulePayload {{ schedule {{ {SCHEDULE_FIELDS} }} }}
  {ALLOWANCE_PROBLEMS} }} }}"""
APPROVE_ALLOWANCE = f"""
mutation($input: ApproveAllowanceScheduleInput!) {{ approveAllowanceSchedule(input: $input) {{
  __typename ... on AllowanceSchedulePayload {{ schedule {{ {SCHEDULE_FIELDS} }} }}
  ... on OverApprovalLimitProblem {{ amount lowestRoleThatMayApprove }}
  ... on Problem {{ code message }} }} }}"""
RUN_ALLOWANCES = f"""
mutation($input: RunWeeklyAllowancesInput!) {{ runWeeklyAllowances(input: $input) {{
  __typename
  ... on WeeklyAllowanceRunPayload {{
    weekStarting paid total paidBefore replayed
    notPaid {{ clientId scheduleId kind amount code reason }}
  }}
  {ALLOWANCE_PROBLEMS} }} }}"""


def this_monday(weeks_back: int = 0) -> date:
    """The Monday of this week (London), or of a week before it."""
    today = clock.today()
    return today - timedelta(days=today.weekday(), weeks=weeks_back)


async def card_account(api: Api) -> str:
    """The client's own card account at the bank (seed 002 B 23.2): a BANK counterparty."""
    return await new_counterparty(api, "BANK", unique("Card account "))


async def record_allowance(
    api: Api,
    client_id: str,
    payee_id: str,
    weekly: str = "30.00",
    *,
    kind: str = "PERSONAL_ALLOWANCE",
    starts_on: date | None = None,
    who: dict[str, str] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """The recordAllowanceSchedule result, by an assistant unless ``who`` says."""
    variables = {
        "input": {
            "clientId": client_id,
            "kind": kind,
            "weeklyAmount": weekly,
            "payeeId": payee_id,
            "startsOn": (starts_on or this_monday(1)).isoformat(),
            "idempotencyKey": new_key(),
        }
        | kw
    }
    data = await api.data(RECORD_ALLOWANCE, variables, **(who or ALLOWANCE_RECORDER))
    result: dict[str, Any] = data["recordAllowanceSchedule"]
    return result


async def approve_allowance(
    api: Api, schedule_id: str, *, who: dict[str, str] | None = None
) -> dict[str, Any]:
    """The approveAllowanceSchedule result, by a senior officer unless ``who`` says."""
    variables = {"input": {"scheduleId": schedule_id, "idempotencyKey": new_key()}}
    data = await api.data(APPROVE_ALLOWANCE, variables, **(who or ALLOWANCE_APPROVER))
    result: dict[str, Any] = data["approveAllowanceSchedule"]
    return result


async def approved_allowance(api: Api, client_id: str, **kw: Any) -> dict[str, Any]:
    """A schedule recorded by an assistant and approved by a senior officer: the schedule."""
    payee = kw.pop("payee_id", None) or await card_account(api)
    recorded_ = await record_allowance(api, client_id, payee, **kw)
    assert recorded_["__typename"] == "AllowanceSchedulePayload", recorded_
    done = await approve_allowance(api, recorded_["schedule"]["id"])
    assert done["__typename"] == "AllowanceSchedulePayload", done
    schedule: dict[str, Any] = done["schedule"]
    return schedule


async def run_allowances(
    api: Api, week: date | None = None, *, key: str | None = None, **who: Any
) -> dict[str, Any]:
    """The runWeeklyAllowances result for a week (this week's unless given)."""
    variables = {
        "input": {
            "weekStarting": (week or this_monday()).isoformat(),
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(RUN_ALLOWANCES, variables, **(who or ALLOWANCE_RUNNER))
    result: dict[str, Any] = data["runWeeklyAllowances"]
    return result


ALLOWANCE_CASELOAD_SQL = text(
    """
    WITH c AS (
      INSERT INTO client (id, reference, created_by)
      SELECT gen_random_uuid(), :prefix || lpad(g::text, 6, '0'), 'setup'
        FROM generate_series(1, :n) g
      RETURNING id, reference
    ), v AS (
      INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                  situation, status, recorded_by)
      SELECT id, 1, 'Allowance', reference, DATE '1950-01-01', 'COMMUNITY', 'ACTIVE', 'setup'
        FROM c
      RETURNING client_id
    ), cp AS (
      INSERT INTO counterparty (id, kind, name, created_by)
      SELECT gen_random_uuid(), 'BANK', 'Card account ' || reference, 'setup' FROM c
      RETURNING id, name
    ), acc AS (
      INSERT INTO ledger_account (id, kind, counterparty_id, name)
      SELECT gen_random_uuid(), 'COUNTERPARTY', id, name FROM cp
      RETURNING id
    ), s AS (
      INSERT INTO allowance_schedule (id, client_id, kind, weekly_amount, payee_id, starts_on,
                                      recorded_by)
      SELECT gen_random_uuid(), c.id, 'PERSONAL_ALLOWANCE', :weekly, cp.id, :starts, 'setup.ast'
        FROM c JOIN cp ON cp.name = 'Card account ' || c.reference
      RETURNING id, client_id
    ), e AS (
      INSERT INTO allowance_schedule_event (schedule_id, event, recorded_by)
      SELECT id, 'APPROVED', 'setup.scao' FROM s
    )
    SELECT client_id FROM s
    """
)


async def allowance_caseload(
    session: AsyncSession, n: int, *, weekly: int, balance: int, starts_on: date
) -> list[uuid.UUID]:
    """``n`` clients in the community, each with an approved weekly personal allowance paid to
    their own card account and ``balance`` pence on their CMS account, set up straight in the
    database (what is measured is the run); their ids."""
    async with unit_of_work(session):
        rows = await session.execute(
            ALLOWANCE_CASELOAD_SQL,
            {"prefix": unique("AL"), "n": n, "weekly": weekly, "starts": starts_on},
        )
        ids = [r[0] for r in rows]
        await ledger_opening_balances.post_opening_balances(
            session,
            PLANNER,
            "Allowance set-up",
            [(c, AccountKind.CLIENT_CMS, balance) for c in ids],
            clock.today(),
            why="test set-up",
        )
    return ids


# --- OPG reports (issue 15) -------------------------------------------------------------------


async def opg_post(
    session: AsyncSession,
    client_id: uuid.UUID,
    category: str,
    pence: int,
    value_date: date,
    description: str,
    *,
    account: str = "CLIENT_CMS",
) -> uuid.UUID:
    """One entry of a deputy client's year, posted straight to the ledger on its value date:
    money in from the DWP, money out to a care provider, or (TRANSFER_BETWEEN_OWN_ACCOUNTS) a
    lodgement from CMS to Court Funds; ``account`` is the client's account it moves. Returns the
    transfer's id."""
    if category.startswith("IN_"):
        party = await party_account(session, CounterpartyKind.DWP, "DWP")
    else:
        party = await party_account(session, CounterpartyKind.CARE_PROVIDER, "Care home")
    async with unit_of_work(session):
        mine = (await ledger.client_account(session, client_id, AccountKind(account))).id
        if category == Category.TRANSFER_BETWEEN_OWN_ACCOUNTS:
            court = AccountKind.CLIENT_COURT_FUNDS
            source, target = mine, (await ledger.client_account(session, client_id, court)).id
        elif category.startswith("IN_"):
            source, target = party, mine
        else:
            source, target = mine, party
        moved = await ledger_transfers.post(
            session,
            LEDGER_ACTOR,
            Movement(
                from_account_id=source,
                to_account_id=target,
                amount=pence,
                value_date=value_date,
                category=Category(category),
                description=description,
            ),
        )
        return moved.id


async def opg_report_accounts(session: AsyncSession, client_id: uuid.UUID) -> dict[str, str]:
    """The client's ledger accounts by kind, as opaque ids."""
    rows = await ledger.accounts_of_client(session, client_id)
    return {a.kind: encode_id("LedgerAccount", a.id) for a in rows}


# --- Controcc and SAP (issue 17 items 1, 2 and 5) ---------------------------------------------

INTEGRATION_TOKENS: dict[str, dict[str, Any]] = {
    "ctl": {"role": "integration_controcc", "sub": "controcc"},
    "sap": {"role": "integration_sap", "sub": "sap"},
}

_RECORD_REFERENCE = """mutation($input: RecordExternalReferenceInput!) {
  recordExternalReference(input: $input) { __typename
    ... on RecordExternalReferencePayload {
      replayed externalReference { id kind reference subjectId } }
    ... on Problem { code message } } }"""

_RESOLVE = """query($kind: ExternalReferenceKind!, $values: [String!]!) {
  resolveExternalReferences(kind: $kind, values: $values) {
    kind found { reference subjectType subjectId councilReference } notFound } }"""

INTAKE_BATCH_FIELDS = """id system flow batchReference lineCount createdCount alreadyHadCount
  refusedCount receivedAmount createdAmount alreadyHadAmount refusedAmount recordedBy
  lines { line externalReference outcome code reason amount recordId }"""


def _who(who: str) -> dict[str, Any]:
    return INTEGRATION_TOKENS.get(who) or {"role": who, "sub": f"{who}.tester"}


async def record_reference(
    api: Api, who: str, kind: str, value: str, subject_id: str, **kw: Any
) -> dict[str, Any]:
    """recordExternalReference's result, as ``who`` (ctl, sap or a role)."""
    variables = {
        "input": {
            "kind": kind,
            "reference": value,
            "subjectId": subject_id,
            "idempotencyKey": new_key(),
        }
        | kw
    }
    data = await api.data(_RECORD_REFERENCE, variables, **_who(who))
    result: dict[str, Any] = data["recordExternalReference"]
    return result


async def resolve_references(api: Api, who: str, kind: str, values: list[str]) -> dict[str, Any]:
    data = await api.data(_RESOLVE, {"kind": kind, "values": values}, **_who(who))
    result: dict[str, Any] = data["resolveExternalReferences"]
    return result


async def integration_world(api: Api, *, clients: int, providers: int) -> dict[str, Any]:
    """Clients and care providers known to Controcc by its own ids (P-..., PR-...)."""
    world: dict[str, Any] = {"clients": [], "providers": []}
    for _ in range(clients):
        client = await new_client(api)
        ref = unique("P")
        await record_reference(api, "ctl", "CONTROCC_PERSON", ref, client["id"])
        world["clients"].append(client | {"controcc": ref})
    for _ in range(providers):
        provider = await new_counterparty(api, "CARE_PROVIDER")
        ref = unique("PR")
        await record_reference(api, "ctl", "CONTROCC_PROVIDER", ref, provider)
        world["providers"].append({"id": provider, "controcc": ref})
    return world


def batch_lines(world: dict[str, Any], n: int, *, prefix: str) -> list[dict[str, Any]]:
    """``n`` care invoices for Controcc's batch, spread over the world's clients and providers."""
    today = clock.today()
    tag = unique(prefix)
    clients, providers = world["clients"], world["providers"]
    return [
        {
            "externalReference": f"{tag}-{i}",
            "clientReference": clients[i % len(clients)]["controcc"],
            "supplierReference": providers[i % len(providers)]["controcc"],
            "supplierInvoiceNumber": f"{tag}-N{i}",
            "invoiceDate": today.isoformat(),
            "amount": f"{400 + i % 97}.{i % 100:02d}",
            "kind": "SUPPLIER",
            "category": "OUT_CARE_FEES",
            "description": "Residential care, four weeks",
        }
        for i in range(n)
    ]


async def _send_batch(
    api: Api,
    mutation: str,
    name: str,
    who: str,
    reference: str,
    lines: list[dict[str, Any]],
    key: str | None,
    replayed: bool,
) -> dict[str, Any]:
    query = f"""mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input) {{
      __typename ... on RecordInvoiceBatchPayload {{ replayed batch {{ {INTAKE_BATCH_FIELDS} }} }}
      ... on Problem {{ code message }} }} }}"""
    variables = {
        "input": {"batchReference": reference, "lines": lines, "idempotencyKey": key or new_key()}
    }
    data = await api.data(query, variables, **INTEGRATION_TOKENS[who])
    result = data[name]
    assert result["__typename"] == "RecordInvoiceBatchPayload", result
    assert result["replayed"] is replayed
    batch: dict[str, Any] = result["batch"]
    return batch


async def controcc_batch(
    api: Api,
    reference: str,
    lines: list[dict[str, Any]],
    *,
    key: str | None = None,
    replayed: bool = False,
) -> dict[str, Any]:
    """Controcc's batch as recorded (payload expected)."""
    return await _send_batch(
        api, "", "recordControccInvoiceBatch", "ctl", reference, lines, key, replayed
    )


async def sap_batch(
    api: Api,
    reference: str,
    lines: list[dict[str, Any]],
    *,
    key: str | None = None,
    replayed: bool = False,
) -> dict[str, Any]:
    """SAP's batch as recorded (payload expected)."""
    return await _send_batch(
        api, "", "recordSapInvoiceBatch", "sap", reference, lines, key, replayed
    )


# --- the council's teams' messages apart from SAP's and Controcc's feeds (issue 17 item 3) ----

INTEGRATION_RECIPIENTS = frozenset({"SAP", "CONTROCC"})


async def team_messages(api: Api, **flt: Any) -> list[dict[str, Any]]:
    """``outbox_messages`` but those to SAP and Controcc: what the council's teams are told
    (APPOINTED and DEATH_NOTIFIED go to both systems' feeds too)."""
    return [
        m for m in await outbox_messages(api, **flt) if m["recipient"] not in INTEGRATION_RECIPIENTS
    ]

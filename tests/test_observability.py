"""What operators see (issue 11 item 6): metrics per GraphQL operation with business refusals
counted as what they are, JSON log lines naming the operation and its codes, and traces with
resolver and SQL spans. Through the real endpoint."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator

import pytest

from ca_api.auth.tokens import SigningKey
from ca_api.common.ids import encode_id
from ca_api.config import Settings
from tests.conftest import Api, RolledBackDatabase, api_on
from tests.factories import new_key

APPROVE = """
mutation ApproveMissingPayment($input: ApprovePaymentInput!) {
  approvePayment(input: $input) { __typename }
}
"""
OFFICERS = "query OfficerList { officers(first: 1) { edges { node { subject } } } }"


def _count(metrics: str, operation: str, kind: str, result: str) -> float:
    pattern = re.compile(
        r"^ca_api_graphql_operations_total\{(?P<labels>[^}]*)\} (?P<value>[0-9.e+]+)$", re.M
    )
    for m in pattern.finditer(metrics):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m["labels"]))
        if labels == {"operation": operation, "type": kind, "result": result}:
            return float(m["value"])
    return 0.0


async def _metrics(api: Api) -> str:
    resp = await api.client.get("/metrics")
    assert resp.status_code == 200
    return resp.text


async def test_a_refused_mutation_is_counted_by_its_problem_code(api: Api) -> None:
    before = _count(await _metrics(api), "ApproveMissingPayment", "mutation", "problem:NOT_FOUND")
    missing = encode_id("Payment", uuid.uuid4())
    data = await api.data(
        APPROVE, {"input": {"id": missing, "idempotencyKey": new_key()}}, role="senior_officer"
    )
    assert data["approvePayment"]["__typename"] == "NotFoundProblem"
    metrics = await _metrics(api)
    after = _count(metrics, "ApproveMissingPayment", "mutation", "problem:NOT_FOUND")
    assert after == before + 1
    assert _count(metrics, "ApproveMissingPayment", "mutation", "ok") == 0  # never a success
    assert re.search(
        r'^ca_api_graphql_operation_seconds_count\{operation="ApproveMissingPayment",'
        r'type="mutation"\} [1-9]',
        metrics,
        re.M,
    )


async def test_an_error_is_counted_by_its_code_and_a_success_as_ok(api: Api) -> None:
    metrics = await _metrics(api)
    forbidden = _count(metrics, "OfficerList", "query", "error:FORBIDDEN")
    ok = _count(metrics, "OfficerList", "query", "ok")
    body = await api.gql(OFFICERS, role="reporting")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await api.data(OFFICERS, role="senior_officer")
    metrics = await _metrics(api)
    assert _count(metrics, "OfficerList", "query", "error:FORBIDDEN") == forbidden + 1
    assert _count(metrics, "OfficerList", "query", "ok") == ok + 1


async def test_the_log_line_names_the_operation_and_its_codes(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    missing = encode_id("Payment", uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="ca_api.graphql"):
        await api.data(
            APPROVE, {"input": {"id": missing, "idempotencyKey": new_key()}}, role="senior_officer"
        )
        await api.gql(OFFICERS, role="reporting")
    lines = [r.fields for r in caplog.records if r.getMessage() == "graphql operation"]  # type: ignore[attr-defined]
    assert {
        "operation": "ApproveMissingPayment",
        "operation_type": "mutation",
        "result": "problem:NOT_FOUND",
        "problem_codes": ["NOT_FOUND"],
        "error_codes": [],
    }.items() <= lines[0].items()
    assert lines[1]["operation"] == "OfficerList"
    assert lines[1]["error_codes"] == ["FORBIDDEN"]


# --- traces --------------------------------------------------------------------------------


@pytest.fixture
async def traced(
    db: RolledBackDatabase, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[tuple[Api, object]]:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from ca_api import observability

    exporter = InMemorySpanExporter()
    configured = settings.model_copy(update={"otlp_endpoint": "http://127.0.0.1:9/v1/traces"})
    observability.configure_tracing(configured, exporter=exporter)
    try:
        async with api_on(db, configured, signing_key) as endpoint:
            yield endpoint, exporter
    finally:
        AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
        SQLAlchemyInstrumentor().uninstrument()


async def test_a_trace_shows_the_resolver_and_its_sql(traced: tuple[Api, object]) -> None:
    api, exporter = traced
    await api.data(OFFICERS, role="senior_officer")
    spans = exporter.get_finished_spans()  # type: ignore[attr-defined]
    names = [s.name for s in spans]
    assert "GraphQL Query: OfficerList" in names
    assert "GraphQL Resolving: officers" in names
    sql = [s for s in spans if (s.attributes or {}).get("db.system") == "postgresql"]
    assert sql, names
    assert any("officer" in str((s.attributes or {}).get("db.statement", "")) for s in sql)
    # The SQL ran inside the operation: one trace from the request down.
    operation = next(s for s in spans if s.name == "GraphQL Query: OfficerList")
    assert all(s.context.trace_id == operation.context.trace_id for s in sql)

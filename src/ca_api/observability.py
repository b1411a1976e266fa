"""What operators see of GraphQL operations (issue 11 item 6): Prometheus metrics per operation,
one JSON log line per operation, and OpenTelemetry traces.

- ``ca_api_graphql_operation_seconds{operation,type}``: a latency histogram;
- ``ca_api_graphql_operations_total{operation,type,result}``: counts by result, where result is
  ``ok``, ``problem:<CODE>`` (a business refusal answered as a typed problem, e.g.
  ``problem:INSUFFICIENT_FUNDS``) or ``error:<CODE>`` (a GraphQL error, e.g. ``error:FORBIDDEN``).
  A refusal is not a success: HTTP 200 with a problem counts as its problem.
- the log line ``graphql operation`` carries the operation's name and type, its result, every
  error code and every problem code, beside the request id and principal (``ca_api.logs``).
- traces, when ``CA_API_OTLP_ENDPOINT`` is set (off otherwise): strawberry's span per operation
  and resolver, the ASGI request, and every SQL statement (SQLAlchemy and asyncpg), exported
  over OTLP/HTTP.

An operation's name is the client's (``operationName``); one the client did not name is
``anonymous``. Names are bounded in number only by the operations clients send: trusted
documents bound them in production.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Histogram
from strawberry.extensions import FieldExtension, SchemaExtension

from ca_api.common.problems import Problem

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter
    from starlette.types import ASGIApp

    from ca_api.config import Settings
    from ca_api.db import Database

log = logging.getLogger("ca_api.graphql")

OPERATION_SECONDS = Histogram(
    "ca_api_graphql_operation_seconds",
    "GraphQL operation latency, by operation name and type",
    ["operation", "type"],
)
OPERATIONS = Counter(
    "ca_api_graphql_operations_total",
    "GraphQL operations by name, type and result (ok, problem:<CODE>, error:<CODE>)",
    ["operation", "type", "result"],
)

# The problem codes the current operation's root fields answered with.
_problems: ContextVar[list[str] | None] = ContextVar("graphql_problems", default=None)


class RecordProblem(FieldExtension):
    """Outermost on a root field with Problem members: notes the code of a problem it answers
    (raised and turned into its type, or returned by an amount check) for the metrics."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return _noted(next_(source, info, **kwargs))

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return _noted(await next_(source, info, **kwargs))


def _noted(value: Any) -> Any:
    seen = _problems.get()
    if seen is not None and isinstance(value, Problem):
        seen.append(value.code.value)
    return value


def _error_codes(result: Any) -> list[str]:
    errors = getattr(result, "errors", None) or []
    return [str((e.extensions or {}).get("code", "INTERNAL_ERROR")) for e in errors]


class OperationMetrics(SchemaExtension):
    """First of the schema's extensions, so it sees the errors with their codes (ErrorPolicy
    sets them inside it)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        token = _problems.set([])
        try:
            yield
        finally:
            problems = _problems.get() or []
            _problems.reset(token)
            self._record(time.perf_counter() - started, problems)

    def _record(self, seconds: float, problems: list[str]) -> None:
        ctx = self.execution_context
        name = ctx.operation_name or "anonymous"
        try:
            kind = ctx.operation_type.value
        except (RuntimeError, AttributeError):  # a document that did not parse
            kind = "unknown"
        errors = _error_codes(ctx.result)
        if errors:
            result = f"error:{errors[0]}"
        elif problems:
            result = f"problem:{problems[0]}"
        else:
            result = "ok"
        OPERATION_SECONDS.labels(name, kind).observe(seconds)
        OPERATIONS.labels(name, kind, result).inc()
        log.info(
            "graphql operation",
            extra={
                "fields": {
                    "operation": name,
                    "operation_type": kind,
                    "result": result,
                    "error_codes": errors,
                    "problem_codes": problems,
                    "ms": round(seconds * 1000, 1),
                }
            },
        )


# --- traces ----------------------------------------------------------------------------------


def tracing_enabled(settings: Settings) -> bool:
    return settings.otlp_endpoint is not None


def configure_tracing(settings: Settings, exporter: SpanExporter | None = None) -> None:
    """The process's tracer provider, exporting over OTLP/HTTP to ``CA_API_OTLP_ENDPOINT`` (or
    to ``exporter``, as a test's in-process collector), and the asyncpg instrumentation. Once
    per process; nothing is traced unless it is called."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # configured already (a second app in the process, or a test's collector)
    provider = TracerProvider(resource=Resource.create({"service.name": "ca-api"}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint))
        )
    trace.set_tracer_provider(provider)
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def traced_app(app: ASGIApp, database: Database) -> ASGIApp:
    """The ASGI app with a span per request, and the database's SQL statements traced."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=database.engine.sync_engine)
    return OpenTelemetryMiddleware(app)


def schema_extensions(settings: Settings) -> list[Any]:
    """The schema extensions of this module: metrics always, strawberry's spans when traced."""
    extensions: list[Any] = [OperationMetrics]
    if tracing_enabled(settings):
        from strawberry.extensions.tracing import OpenTelemetryExtension

        extensions.append(OpenTelemetryExtension)
    return extensions

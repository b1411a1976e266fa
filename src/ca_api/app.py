"""The Starlette application: /graphql (HTTP and websocket), /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from ca_api import ide, observability
from ca_api.approvals.listener import stop_listener
from ca_api.auth.tokens import TokenError, TokenVerifier, bearer_token, build_keyset
from ca_api.config import Settings
from ca_api.context import Context, RequestScope
from ca_api.db import Database
from ca_api.errors import ErrorCode
from ca_api.gate import (
    SCOPE_KEY,
    GraphQLGate,
    error_body,
    masked,
    request_id_from,
    status_code,
)
from ca_api.graphql import build_schema
from ca_api.reports import csv_endpoint
from ca_api.trusted_documents.service import DocumentStore

log = logging.getLogger("ca_api.app")

REQUESTS = Counter("ca_api_http_requests_total", "HTTP requests", ["path", "status"])
LATENCY = Histogram("ca_api_http_request_seconds", "HTTP request latency", ["path"])


class _NotJson(json.JSONDecodeError):
    """A request body or websocket message that is not a JSON object. strawberry answers a
    JSONDecodeError with HTTP 400 (closing a websocket with 4400); the RecursionError of a body
    nested 1,000 levels deep, the UnicodeDecodeError of one not in UTF-8, and the
    AttributeError of a bare ``5`` or ``null`` it let through as HTTP 500."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)
        self.reason = reason


class _TransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, refusing a message of the wrong shape (close 4400) rather than
    failing on it (a TypeError when ``payload`` is a string, say)."""

    async def handle_message(self, message: Any) -> None:
        problem = _malformed_ws_message(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)


def _malformed_ws_message(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if not isinstance(kind, str):
        return "the message's type must be a string"
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return "the message's id must be a string"
    payload = message.get("payload")
    if kind != "subscribe":
        ok = payload is None or isinstance(payload, dict)
        return None if ok else "the message's payload must be an object"
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "a subscribe message's payload must be an object with a query string"
    if not all(isinstance(payload.get(k), dict | None) for k in ("variables", "extensions")):
        return "variables and extensions must be objects"
    if not isinstance(payload.get("operationName"), str | None):
        return "operationName must be a string"
    return None


class CaGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = _TransportWS

    def __init__(self, state: AppState, **kwargs: Any) -> None:
        super().__init__(state.schema, **kwargs)
        self.state = state

    def decode_json(self, data: str | bytes) -> object:
        """A JSON object, or _NotJson (issue 9 item 4)."""
        try:
            value = json.loads(data)
        except RecursionError as exc:
            raise _NotJson("it is nested too deeply") from exc
        except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError: not UTF-8
            raise _NotJson("it is not JSON in UTF-8") from exc
        if not isinstance(value, dict):
            raise _NotJson("it is not a JSON object")
        return value

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except _NotJson as exc:
            raise HTTPException(400, f"not a GraphQL request: {exc.reason}") from exc

    async def parse_http_body(self, request: Any) -> Any:
        data = await super().parse_http_body(request)
        if not isinstance(getattr(data, "operation_name", None), str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string.")
        return data

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        scope: RequestScope = request.scope["state"][SCOPE_KEY]
        return Context(
            scope=scope, settings=self.state.settings, request=request, response=response
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """The websocket carries the same token as HTTP, in connection_init's payload."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        if raw is None and isinstance(params.get("token"), str):
            raw = f"Bearer {params['token']}"
        try:
            principal = self.state.verifier.verify(
                bearer_token(raw if isinstance(raw, str) else None)
            )
        except TokenError as exc:
            raise ConnectionRejectionError({"code": ErrorCode.UNAUTHENTICATED.value}) from exc
        context.scope.principal = principal
        if principal.expires_at is not None:
            # Close the socket when its token expires (the context also refuses to answer).
            websocket = context.request
            delay = principal.expires_at + context.scope.leeway_seconds - time.time()
            timer = asyncio.get_running_loop().call_later(
                max(delay, 0.0), lambda: asyncio.ensure_future(_close_expired(websocket))
            )
            context.scope.on_close(timer.cancel)
        return None


async def _close_expired(websocket: WebSocket) -> None:
    with contextlib.suppress(RuntimeError):  # already closed
        await websocket.close(code=4401, reason="token expired")


class AppState:
    def __init__(self, settings: Settings, database: Database, verifier: TokenVerifier) -> None:
        self.settings = settings
        self.database = database
        self.verifier = verifier
        self.schema = build_schema(settings)
        self.graphiql_assets = settings.graphiql_assets_dir or ide.default_assets_dir()
        self.documents = DocumentStore()


def create_app(
    settings: Settings,
    database_url: str,
    *,
    verifier: TokenVerifier | None = None,
    database: Database | None = None,
) -> Starlette:
    db = database or Database(database_url)
    state = AppState(settings, db, verifier or TokenVerifier(build_keyset(settings), settings))
    graphql_app = CaGraphQL(
        state,
        graphql_ide=None,  # the gate serves GraphiQL's page from ca_api.ide, not a CDN
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )
    gated = GraphQLGate(graphql_app, state=state)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means not ready
            log.warning("readiness check failed", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(_metrics_registry()), media_type=CONTENT_TYPE_LATEST)

    async def http_error(request: Request, exc: Exception) -> Response:
        """Outside /graphql too (an unknown path, say): the JSON error shape."""
        rid = request_id_from(request.headers.get("x-request-id"))
        headers = {"x-request-id": rid}
        status, message = 500, masked(rid)  # an unexpected error (Starlette logs it)
        if isinstance(exc, StarletteHTTPException) and exc.status_code < 500:
            status, message = exc.status_code, exc.detail
            headers.update(exc.headers or {})
        return JSONResponse(error_body(status_code(status), message, rid), status, headers)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # What is built by now (modules, the schema, the models) lives as long as the process:
        # frozen out of the collector's sight, so a full collection walks only what requests
        # made. A benefits run's 1,000 lines set off several; each walked the whole app first.
        gc.freeze()
        yield
        await stop_listener(db)  # the approval queue's LISTEN connection, if one was opened
        if database is None:
            await db.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            # Each report as CSV (issue 16 item 7): the same token and roles as its field.
            *csv_endpoint.routes(),
            *([] if settings.production else ide.routes(state.graphiql_assets)),
            # Every method reaches the gate, so a PUT is refused in JSON too (strawberry: 405).
            Route("/graphql", gated),
            WebSocketRoute("/graphql", gated),
        ],
        lifespan=lifespan,
        exception_handlers={StarletteHTTPException: http_error, Exception: http_error},
    )
    app.state.ca = state
    served: ASGIApp = _cross_origin(app, settings)
    if observability.tracing_enabled(settings):
        observability.configure_tracing(settings)
        served = observability.traced_app(served, db)
    return _Instrumented(served, app.state)  # type: ignore[return-value]


def app_from_environment() -> Starlette:
    """The app as ``ca-api serve --workers N`` starts it in each worker: settings and the
    database URL from the environment."""
    from ca_api.config import get_settings
    from ca_api.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    if settings.database_url is None:
        raise RuntimeError("a worker needs CA_API_DATABASE_URL (ca-api serve sets it)")
    return create_app(settings, settings.database_url)


def _metrics_registry() -> CollectorRegistry:
    """This process's metrics, or every worker's when they share a multiprocess directory."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def _cross_origin(app: Starlette, settings: Settings) -> Starlette:
    """Browser apps on the configured origins may call /graphql (issue 11 item 1): a preflight
    is answered before the token check, and a response names the origin it allows. The token
    travels in the Authorization header, never a cookie, so credentials are not allowed; any
    other origin gets no CORS header, and its browser keeps the answer from it."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
            expose_headers=["X-Request-Id"],
            allow_credentials=False,
            max_age=settings.cors_max_age_seconds,
        )
    return app


class _Instrumented:
    """Request counts and latency for /metrics, and one structured log line per request."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = (
            scope["path"]
            if scope["path"] in ("/graphql", "/healthz", "/readyz", "/metrics")
            else "other"
        )
        status_holder = {"status": 500}
        start = time.perf_counter()

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)  # type: ignore[arg-type]
        finally:
            REQUESTS.labels(path, str(status_holder["status"])).inc()
            LATENCY.labels(path).observe(time.perf_counter() - start)

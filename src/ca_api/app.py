"""The Starlette application: /graphql (HTTP and websocket), /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
import uuid
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
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from ca_api import ide, observability
from ca_api.approvals.listener import stop_listener
from ca_api.auth.principal import SYSTEM_ROLES, Role
from ca_api.auth.tokens import TokenError, TokenVerifier, bearer_token, build_keyset
from ca_api.config import Settings
from ca_api.context import Context, RequestScope
from ca_api.db import Database
from ca_api.errors import ErrorCode
from ca_api.graphql import build_schema
from ca_api.logs import principal_var, request_id_var
from ca_api.trusted_documents.service import DocumentStore

log = logging.getLogger("ca_api.app")

REQUESTS = Counter("ca_api_http_requests_total", "HTTP requests", ["path", "status"])
LATENCY = Histogram("ca_api_http_request_seconds", "HTTP request latency", ["path"])
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SCOPE_KEY = "ca_api.scope"


def _error_body(code: ErrorCode, message: str, request_id: str) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {"message": message, "extensions": {"code": code.value, "requestId": request_id}}
        ],
    }


def _request_id(given: str | None) -> str:
    """The caller's X-Request-Id if it is a short, plain token (it goes into every log line),
    else a fresh one."""
    return given if given and _REQUEST_ID_RE.match(given) else uuid.uuid4().hex


# The code of an HTTP refusal, by status (issue 9 item 4: every refusal has a code).
_STATUS_CODES = {
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
}


def _status_code(status: int) -> ErrorCode:
    if status >= 500:
        return ErrorCode.INTERNAL_ERROR
    return _STATUS_CODES.get(status, ErrorCode.BAD_REQUEST)


def _masked(request_id: str) -> str:
    return f"Internal error. Quote request id {request_id} to support."


class GraphQLGate:
    """Runs before the GraphQL app on /graphql: gives the request an id, refuses oversized
    bodies, checks the bearer token (HTTP 401 and nothing runs when it fails), and closes the
    request's database session once the response is sent."""

    def __init__(self, app: ASGIApp, *, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = _request_id(headers.get("x-request-id"))
        req_scope = RequestScope(
            database=self.state.database,
            request_id=request_id,
            leeway_seconds=self.state.settings.token_leeway_seconds,
        )
        scope.setdefault("state", {})[SCOPE_KEY] = req_scope
        rid_token = request_id_var.set(request_id)
        start = time.perf_counter()
        try:
            if scope["type"] == "http":
                await self._http(scope, headers, req_scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            await req_scope.close()
            log.info(
                "request",
                extra={
                    "fields": {
                        "kind": scope["type"],
                        "ms": round((time.perf_counter() - start) * 1000, 1),
                    }
                },
            )
            request_id_var.reset(rid_token)
            principal_var.set(None)

    async def _http(
        self,
        scope: Scope,
        headers: dict[str, str],
        req_scope: RequestScope,
        receive: Receive,
        send: Send,
    ) -> None:
        """An HTTP request: every refusal, and anything that escapes the GraphQL app before it
        answers, leaves as JSON with a code and the request id, never a plain-text 500."""
        rid = req_scope.request_id
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        answer = _json_errors(_with_request_id(tracked, rid), rid)
        try:
            admitted = await self._admit(scope, headers, req_scope, receive, answer)
            if admitted is not None:
                await self.app(scope, admitted, answer)
        except Exception:
            log.exception("unexpected error before the response")
            if started:
                raise  # too late to answer: the server closes the connection
            await self._refuse(scope, answer, 500, ErrorCode.INTERNAL_ERROR, _masked(rid), rid)

    async def _admit(
        self,
        scope: Scope,
        headers: dict[str, str],
        req_scope: RequestScope,
        receive: Receive,
        send: Send,
    ) -> Receive | None:
        """The receive channel to run the request with, or None when it was refused."""
        settings = self.state.settings
        rid = req_scope.request_id
        if (
            scope["method"] == "GET"
            and "text/html" in headers.get("accept", "")
            and not settings.production
        ):
            # The GraphiQL page itself, from this service (ca_api.ide); its queries carry a token.
            await ide.page(self.state.graphiql_assets)(scope, _no_body, send)
            return None
        length = headers.get("content-length")
        if length is None:
            # A chunked body declares no length: read it now, up to the limit, and replay it.
            body: Receive | None = await _read_bounded(receive, settings.max_body_bytes)
        elif length.isdigit() and int(length) <= settings.max_body_bytes:
            body = receive
        else:
            body = None
        if body is None:
            await self._refuse(
                scope,
                send,
                413,
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"request body over {settings.max_body_bytes} bytes",
                rid,
            )
            return None
        try:
            principal = self.state.verifier.verify(bearer_token(headers.get("authorization")))
        except TokenError as exc:
            await self._refuse(scope, send, 401, ErrorCode.UNAUTHENTICATED, str(exc), rid)
            return None
        req_scope.principal = principal
        principal_var.set(principal.subject)
        if scope["method"] != "POST" or "json" not in headers.get("content-type", ""):
            return body
        return await self._trusted_document(scope, body, req_scope, send)

    async def _trusted_document(
        self, scope: Scope, body: Receive, req_scope: RequestScope, send: Send
    ) -> Receive | None:
        """A request naming a registered document by ``documentId`` runs that document (parsed
        already); a caller whose role may send only registered ids is refused a raw one
        (ca_api.trusted_documents). Anything not a JSON object goes on to be refused as now."""
        raw = await _read_all(body)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return _replay(raw)
        if not isinstance(data, dict):
            return _replay(raw)
        rid = req_scope.request_id
        ident = _document_id(data)
        if ident is None:
            if data.get("query") is not None and self._trusted_only(req_scope):
                await self._refuse(
                    scope,
                    send,
                    400,
                    ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
                    "send the documentId of a registered operation, not a document",
                    rid,
                )
                return None
            return _replay(raw)
        prepared = await self.state.documents.get(req_scope.session(), ident)
        if prepared is None or data.get("query") not in (None, prepared.text):
            await self._refuse(
                scope,
                send,
                400,
                ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND,
                f"no operation is registered as {ident!r}"
                if prepared is None
                else "send a documentId or a query, not both",
                rid,
            )
            return None
        req_scope.trusted_document = prepared
        data.pop("documentId", None)
        return _replay(json.dumps({**data, "query": prepared.text}).encode())

    def _trusted_only(self, req_scope: RequestScope) -> bool:
        roles = self.state.settings.trusted_documents_roles
        if roles is None:
            roles = tuple(TRUSTED_BY_DEFAULT) if self.state.settings.production else ()
        principal = req_scope.principal
        return principal is not None and any(r.value in roles for r in principal.roles)

    @staticmethod
    async def _refuse(
        scope: Scope, send: Send, status: int, code: ErrorCode, message: str, request_id: str
    ) -> None:
        headers = {"x-request-id": request_id}
        if status == 401:
            headers["www-authenticate"] = 'Bearer realm="ca-api"'
        response = JSONResponse(_error_body(code, message, request_id), status, headers)
        await response(scope, _no_body, send)


# In production, by default, every officer role may send only registered documents; the
# integrations (Controcc, SAP) keep sending theirs.
TRUSTED_BY_DEFAULT = frozenset(r.value for r in Role) - {r.value for r in SYSTEM_ROLES}


def _document_id(data: dict[str, Any]) -> str | None:
    """The registered document a request names: ``documentId`` (the trusted documents
    convention), or Apollo's ``extensions.persistedQuery.sha256Hash``."""
    ident = data.get("documentId")
    if isinstance(ident, str):
        return ident
    extensions = data.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return f"sha256:{digest}" if isinstance(digest, str) else None


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    """A receive channel that gives ``body`` once, then a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _no_body() -> dict[str, Any]:
    return {"type": "http.disconnect"}


async def _read_bounded(receive: Receive, limit: int) -> Receive | None:
    """Reads a body of undeclared length; None when it is over ``limit`` bytes, else a receive
    channel that gives the same messages again."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


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


def _json_errors(send: Send, request_id: str) -> Send:
    """A request that is not GraphQL at all (a body that is not JSON, no query, a PUT) gets
    strawberry's plain-text 4xx; callers get the same JSON error shape, with a code, as
    everywhere else (a 5xx's text is not shown)."""
    held: list[Message] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] >= 400 and not content_type.startswith(b"application/json"):
                held.append(message)
                return
        elif held and message["type"] == "http.response.body":
            held.append(message)
            if message.get("more_body"):
                return
            status = held[0]["status"]
            code = _status_code(status)
            text = b"".join(m.get("body", b"") for m in held[1:]).decode("utf-8", "replace")
            if code is ErrorCode.INTERNAL_ERROR:
                log.error("the GraphQL app answered %s: %s", status, text[:500])
                text = _masked(request_id)
            body = json.dumps(_error_body(code, text, request_id)).encode()
            start = held[0]
            headers = [
                (k, v)
                for k, v in start.get("headers", [])
                if k not in (b"content-type", b"content-length")
            ]
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return wrapped


def _with_request_id(send: Send, request_id: str) -> Send:
    """Every HTTP response names its request id, so a caller can quote it to support."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
            headers.append((b"x-request-id", request_id.encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


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
        rid = _request_id(request.headers.get("x-request-id"))
        headers = {"x-request-id": rid}
        status, message = 500, _masked(rid)  # an unexpected error (Starlette logs it)
        if isinstance(exc, StarletteHTTPException) and exc.status_code < 500:
            status, message = exc.status_code, exc.detail
            headers.update(exc.headers or {})
        return JSONResponse(_error_body(_status_code(status), message, rid), status, headers)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await stop_listener(db)  # the approval queue's LISTEN connection, if one was opened
        if database is None:
            await db.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
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

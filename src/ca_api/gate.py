"""The door of /graphql: every HTTP request and websocket passes here before GraphQL runs.

It gives the request an id, refuses an oversized body, checks the bearer token (HTTP 401 and
nothing runs when it fails), serves the development GraphiQL page, resolves a trusted
document's id (or refuses a raw document to a role that may send only ids), and closes the
request's database session once the response is sent. Every refusal, and anything that escapes
before GraphQL answers, leaves as JSON with a stable code and the request id.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ca_api import ide
from ca_api.auth.principal import SYSTEM_ROLES, Role
from ca_api.auth.tokens import TokenError, bearer_token
from ca_api.context import RequestScope
from ca_api.errors import ErrorCode
from ca_api.logs import principal_var, request_id_var

if TYPE_CHECKING:
    from ca_api.app import AppState

log = logging.getLogger("ca_api.app")


_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SCOPE_KEY = "ca_api.scope"


def error_body(code: ErrorCode, message: str, request_id: str) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {"message": message, "extensions": {"code": code.value, "requestId": request_id}}
        ],
    }


def request_id_from(given: str | None) -> str:
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


def status_code(status: int) -> ErrorCode:
    if status >= 500:
        return ErrorCode.INTERNAL_ERROR
    return _STATUS_CODES.get(status, ErrorCode.BAD_REQUEST)


def masked(request_id: str) -> str:
    return f"Internal error. Quote request id {request_id} to support."


@dataclass(frozen=True)
class _Refusal:
    """Why a request is answered with an HTTP error before the GraphQL app sees it."""

    status: int
    code: ErrorCode
    message: str


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
        request_id = request_id_from(headers.get("x-request-id"))
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
            admitted = await self._admit(scope, headers, req_scope, receive)
            if isinstance(admitted, _Refusal):
                await self._refuse(scope, answer, admitted, rid)
            elif isinstance(admitted, Response):
                await admitted(scope, _no_body, answer)
            else:
                await self.app(scope, admitted, answer)
        except Exception:
            log.exception("unexpected error before the response")
            if started:
                raise  # too late to answer: the server closes the connection
            internal = _Refusal(500, ErrorCode.INTERNAL_ERROR, masked(rid))
            await self._refuse(scope, answer, internal, rid)

    async def _admit(
        self, scope: Scope, headers: dict[str, str], req_scope: RequestScope, receive: Receive
    ) -> Receive | _Refusal | Response:
        """The receive channel to run the request with, why it is refused, or the response
        that answers it here (the GraphiQL page)."""
        settings = self.state.settings
        if (
            scope["method"] == "GET"
            and "text/html" in headers.get("accept", "")
            and not settings.production
        ):
            # The GraphiQL page itself, from this service (ca_api.ide); its queries carry a token.
            return ide.page(self.state.graphiql_assets)
        length = headers.get("content-length")
        if length is None:
            # A chunked body declares no length: read it now, up to the limit, and replay it.
            body: Receive | None = await _read_bounded(receive, settings.max_body_bytes)
        elif length.isdigit() and int(length) <= settings.max_body_bytes:
            body = receive
        else:
            body = None
        if body is None:
            too_large = f"request body over {settings.max_body_bytes} bytes"
            return _Refusal(413, ErrorCode.PAYLOAD_TOO_LARGE, too_large)
        try:
            principal = self.state.verifier.verify(bearer_token(headers.get("authorization")))
        except TokenError as exc:
            return _Refusal(401, ErrorCode.UNAUTHENTICATED, str(exc))
        req_scope.principal = principal
        principal_var.set(principal.subject)
        if scope["method"] != "POST" or "json" not in headers.get("content-type", ""):
            return body
        return await self._trusted_document(body, req_scope)

    async def _trusted_document(self, body: Receive, req_scope: RequestScope) -> Receive | _Refusal:
        """A request naming a registered document by ``documentId`` runs that document (parsed
        already); a caller whose role may send only registered ids is refused a raw one
        (ca_api.trusted_documents). Anything not a JSON object goes on to be refused as now."""
        raw = await _read_all(body)
        if not self._trusted_only(req_scope) and not any(m in raw for m in _MAY_NAME_A_DOCUMENT):
            return _replay(raw)  # the common case: GraphQL parses the body once, not twice
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return _replay(raw)
        if not isinstance(data, dict):
            return _replay(raw)
        ident = _document_id(data)
        if ident is None:
            if data.get("query") is not None and self._trusted_only(req_scope):
                required = "send the documentId of a registered operation, not a document"
                return _Refusal(400, ErrorCode.TRUSTED_DOCUMENT_REQUIRED, required)
            return _replay(raw)
        prepared = await self.state.documents.get(req_scope.session(), ident)
        if prepared is None:
            unknown = f"no operation is registered as {ident!r}"
            return _Refusal(400, ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND, unknown)
        if data.get("query") not in (None, prepared.text):
            both = "send a documentId or a query, not both"
            return _Refusal(400, ErrorCode.BAD_REQUEST, both)
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
    async def _refuse(scope: Scope, send: Send, refusal: _Refusal, request_id: str) -> None:
        headers = {"x-request-id": request_id}
        if refusal.status == 401:
            headers["www-authenticate"] = 'Bearer realm="ca-api"'
        body = error_body(refusal.code, refusal.message, request_id)
        await JSONResponse(body, refusal.status, headers)(scope, _no_body, send)


# In production, by default, every officer role may send only registered documents; the
# integrations (Controcc, SAP) keep sending theirs.
TRUSTED_BY_DEFAULT = frozenset(r.value for r in Role) - {r.value for r in SYSTEM_ROLES}


# A body without these bytes names no registered document (a key spelt with \u escapes
# is parsed to be sure).
_MAY_NAME_A_DOCUMENT = (b"documentId", b"persistedQuery", b"\\u")


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
            code = status_code(status)
            text = b"".join(m.get("body", b"") for m in held[1:]).decode("utf-8", "replace")
            if code is ErrorCode.INTERNAL_ERROR:
                log.error("the GraphQL app answered %s: %s", status, text[:500])
                text = masked(request_id)
            body = json.dumps(error_body(code, text, request_id)).encode()
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

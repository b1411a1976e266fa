"""Bearer tokens through the real /graphql endpoint (HTTP and websocket), and ``ca-api token``.

Every request needs a valid token (R-ROLE-1: the caller is checked on the server, the client is
never trusted). A refused token is HTTP 401 with ``extensions.code`` UNAUTHENTICATED, a
``WWW-Authenticate`` header, and nothing of the operation runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

from ca_api import cli
from ca_api.app import create_app
from ca_api.auth.principal import Role
from ca_api.auth.tokens import SigningKey, TokenVerifier, build_keyset, mint_token
from ca_api.config import Settings, get_settings
from ca_api.db import Database
from tests.conftest import Api, error_codes

with warnings.catch_warnings():
    # starlette's TestClient warns that it will move to httpx2; it works with httpx today.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

# -- building tokens ------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value).encode())


def _claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    """Good claims for ``settings``; a change to ``None`` removes the claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": "mallory",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        settings.roles_claim: ["head_of_service"],
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _rs256(key: RSAKey, kid: str, claims: dict[str, Any]) -> str:
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, key, algorithms=["RS256"])


def _unsigned(key: SigningKey, settings: Settings) -> str:
    """``alg: none``, built by hand: no library will make one."""
    header = {"alg": "none", "typ": "JWT", "kid": key.kid}
    return f"{_segment(header)}.{_segment(_claims(settings))}."


def _hs256(secret: bytes, key: SigningKey, settings: Settings) -> str:
    """HS256 with a secret anyone can know: the algorithm-confusion attack, built by hand."""
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_segment(header)}.{_segment(_claims(settings))}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _public_pem(key: SigningKey) -> bytes:
    pem = key.key.as_pem(private=False)
    return pem if isinstance(pem, bytes) else pem.encode()


def _public_json(key: SigningKey) -> bytes:
    public = key.key.as_dict(private=False)
    public["kid"] = key.kid
    return json.dumps(public).encode()


_FOREIGN_KEY = RSAKey.generate_key(2048, private=True)

TokenFactory = Callable[[SigningKey, Settings], str]

BAD_TOKENS: dict[str, TokenFactory] = {
    "not-a-jwt": lambda k, s: "not-a-jwt",
    "three-garbage-parts": lambda k, s: "a.b.c",
    "unsigned-alg-none": _unsigned,
    "expired": lambda k, s: mint_token(
        k, settings=s, subject="x", roles=["auditor"], expires_in=-120
    ),
    "not-yet-valid": lambda k, s: mint_token(
        k, settings=s, subject="x", roles=["auditor"], not_before=int(time.time()) + 120
    ),
    "another-issuer": lambda k, s: mint_token(
        k, settings=s, subject="x", roles=["auditor"], issuer="https://idp.example.org"
    ),
    "another-audience": lambda k, s: mint_token(
        k, settings=s, subject="x", roles=["auditor"], audience="someone-else"
    ),
    # Signed by another key under our key's kid, and under a kid we do not know.
    "foreign-key-our-kid": lambda k, s: _rs256(_FOREIGN_KEY, k.kid, _claims(s)),
    "foreign-key-own-kid": lambda k, s: _rs256(_FOREIGN_KEY, "attacker-1", _claims(s)),
    "hs256-public-key-pem": lambda k, s: _hs256(_public_pem(k), k, s),
    "hs256-public-key-json": lambda k, s: _hs256(_public_json(k), k, s),
    "no-sub": lambda k, s: _rs256(k.key, k.kid, _claims(s, sub=None)),
    "no-exp": lambda k, s: _rs256(k.key, k.kid, _claims(s, exp=None)),
    "sub-not-a-string": lambda k, s: _rs256(k.key, k.kid, _claims(s, sub=42)),
    # A good token with its payload swapped for one granting more: the signature no longer fits.
    "tampered-payload": lambda k, s: _tampered(k, s),
}


def _tampered(key: SigningKey, settings: Settings) -> str:
    token = mint_token(key, settings=settings, subject="x", roles=["reporting"])
    header, _, signature = token.split(".")
    return f"{header}.{_segment(_claims(settings))}.{signature}"


def assert_unauthenticated(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 401, resp.text
    body: dict[str, Any] = resp.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert resp.headers["www-authenticate"].startswith("Bearer")
    return body


CREATE_CLIENT = """
mutation Create($input: CreateClientInput!) {
  createClient(input: $input) {
    __typename
    ... on ClientPayload { client { id reference } }
  }
}
"""
NEW_CLIENT = {
    "givenName": "Mallory",
    "familyName": "Intruder",
    "dateOfBirth": "1950-02-01",
    "situation": "COMMUNITY",
}
NEW_CLIENT_VARS = {"input": {**NEW_CLIENT, "idempotencyKey": "token-test-key"}}  # issue 9 item 7
CLIENTS = "{ clients(first: 100) { edges { node { id givenName familyName } } } }"
AUDIT = "{ auditLog(first: 100) { edges { node { id action principal } } } }"


async def _client_names(api: Api) -> list[tuple[str, str]]:
    data = await api.data(CLIENTS, role="head_of_service")
    return [(e["node"]["givenName"], e["node"]["familyName"]) for e in data["clients"]["edges"]]


async def _audit_count(api: Api) -> int:
    data = await api.data(AUDIT, role="auditor")
    return len(data["auditLog"]["edges"])


# -- HTTP ------------------------------------------------------------------------------------


async def test_a_valid_token_is_accepted(api: Api) -> None:
    data = await api.data("{ me { subject roles kind } }", role="senior_officer", sub="olu.scao")
    assert data["me"] == {"subject": "olu.scao", "roles": ["SENIOR_OFFICER"], "kind": "OFFICER"}


async def test_a_request_without_a_token_is_refused(api: Api) -> None:
    assert_unauthenticated(await api.post("{ me { subject } }", role=None))


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer",
        "Bearer    ",
        "Token abc.def.ghi",
        "bearer-abc.def.ghi",
        "",
    ],
)
async def test_a_malformed_authorization_header_is_refused(api: Api, header: str) -> None:
    resp = await api.post("{ me { subject } }", role=None, headers={"Authorization": header})
    assert_unauthenticated(resp)


@pytest.mark.parametrize("name", sorted(BAD_TOKENS))
async def test_a_bad_token_is_refused(api: Api, name: str) -> None:
    token = BAD_TOKENS[name](api.key, api.settings)
    assert_unauthenticated(await api.post("{ me { subject } }", token=token))


@pytest.mark.parametrize("name", sorted(BAD_TOKENS))
async def test_nothing_runs_for_a_bad_token(api: Api, name: str) -> None:
    """A mutation sent with a refused token writes no client and no audit entry (R-ROLE-1)."""
    token = BAD_TOKENS[name](api.key, api.settings)
    resp = await api.post(CREATE_CLIENT, NEW_CLIENT_VARS, token=token)
    assert_unauthenticated(resp)
    assert ("Mallory", "Intruder") not in await _client_names(api)
    assert await _audit_count(api) == 0


async def test_the_same_mutation_with_a_good_token_does_write(api: Api) -> None:
    """The counterpart of the test above: the checks it makes would see a write."""
    data = await api.data(CREATE_CLIENT, NEW_CLIENT_VARS, role="senior_officer")
    assert data["createClient"]["__typename"] == "ClientPayload"
    assert ("Mallory", "Intruder") in await _client_names(api)
    assert await _audit_count(api) == 1


async def test_the_lowercase_bearer_scheme_is_accepted(api: Api) -> None:
    token = api.token("auditor", sub="audrey")
    resp = await api.post(
        "{ me { subject } }", role=None, headers={"Authorization": f"bearer {token}"}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["me"]["subject"] == "audrey"


async def test_clock_skew_within_the_leeway_is_tolerated(api: Api) -> None:
    """30 s of leeway: a token 10 s from valid, or 10 s expired, still passes; 120 s does not
    (see BAD_TOKENS)."""
    now = int(time.time())
    early = mint_token(
        api.key, settings=api.settings, subject="a", roles=["auditor"], not_before=now + 10
    )
    late = mint_token(
        api.key, settings=api.settings, subject="b", roles=["auditor"], expires_in=-10
    )
    for token, sub in ((early, "a"), (late, "b")):
        data = await api.data("{ me { subject } }", token=token)
        assert data["me"]["subject"] == sub


async def test_an_unknown_role_grants_nothing(api: Api) -> None:
    """Deny by default (R-ROLE-1): a role id we do not know is dropped from the principal."""
    mixed = api.token(["wizard", "auditor", "HEAD_OF_SERVICE"], sub="merlin")
    data = await api.data("{ me { subject roles } }", token=mixed)
    assert data["me"] == {"subject": "merlin", "roles": ["AUDITOR"]}

    only_unknown = api.token(["wizard"], sub="merlin")
    body = await api.gql("{ clients(first: 1) { edges { cursor } } }", token=only_unknown)
    assert body["data"] is None
    assert error_codes(body) == ["FORBIDDEN"]
    # With no known role at all the caller holds no role, so even `me` (any role) is denied.
    body = await api.gql("{ me { roles } }", token=only_unknown)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_a_forbidden_mutation_writes_nothing(api: Api) -> None:
    """An authenticated caller whose role may not create clients (R-ROLE-1)."""
    body = await api.gql(CREATE_CLIENT, NEW_CLIENT_VARS, role="reporting")
    assert error_codes(body) == ["FORBIDDEN"]
    assert ("Mallory", "Intruder") not in await _client_names(api)
    assert await _audit_count(api) == 0


async def test_a_refusal_does_not_echo_the_token(api: Api) -> None:
    token = BAD_TOKENS["foreign-key-our-kid"](api.key, api.settings)
    resp = await api.post("{ me { subject } }", token=token)
    assert_unauthenticated(resp)
    assert token not in resp.text
    assert token.split(".")[2] not in resp.text


# -- websocket (graphql-transport-ws) --------------------------------------------------------


@pytest.fixture
def ws_client(
    database: Database, settings: Settings, signing_key: SigningKey
) -> Iterator[TestClient]:
    """The app as the `api` fixture builds it, for starlette's TestClient. `me` reads no table,
    so the session-scoped database is never touched (nothing is written)."""
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    app = create_app(settings, database.url, verifier=verifier, database=database)
    with TestClient(app) as client:
        yield client


def _ws_token(
    settings: Settings, key: SigningKey, role: str = "auditor", sub: str = "audrey"
) -> str:
    return mint_token(key, settings=settings, subject=sub, roles=[role])


def test_a_websocket_with_a_good_token_runs_operations(
    ws_client: TestClient, settings: Settings, signing_key: SigningKey
) -> None:
    token = _ws_token(settings, signing_key)
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        assert ws.accepted_subprotocol == "graphql-transport-ws"
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": "{ me { subject roles } }"}}
        )
        message = ws.receive_json()
        assert message == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"me": {"subject": "audrey", "roles": ["AUDITOR"]}}},
        }
        assert ws.receive_json() == {"id": "1", "type": "complete"}


def test_a_websocket_checks_roles_like_http(
    ws_client: TestClient, settings: Settings, signing_key: SigningKey
) -> None:
    """R-ROLE-1 holds on the socket too: a reporting token may not list clients."""
    token = _ws_token(settings, signing_key, role="reporting")
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        query = "{ clients(first: 1) { edges { cursor } } }"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = ws.receive_json()
        assert message["type"] == "next"
        assert message["payload"]["data"] is None
        assert error_codes(message["payload"]) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "expired"},
        {"Authorization": "foreign"},
        {"Authorization": "none"},
        {"token": "expired"},
    ],
    ids=[
        "no-payload",
        "empty",
        "basic",
        "garbage",
        "expired",
        "foreign-key",
        "alg-none",
        "token-key",
    ],
)
def test_a_websocket_without_a_good_token_is_closed_4403(
    ws_client: TestClient,
    settings: Settings,
    signing_key: SigningKey,
    payload: dict[str, str] | None,
) -> None:
    bad = {
        "expired": BAD_TOKENS["expired"](signing_key, settings),
        "foreign": BAD_TOKENS["foreign-key-our-kid"](signing_key, settings),
        "none": BAD_TOKENS["unsigned-alg-none"](signing_key, settings),
    }
    if payload is not None:
        payload = {
            k: (f"Bearer {bad[v]}" if k == "Authorization" and v in bad else bad.get(v, v))
            for k, v in payload.items()
        }
    init: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        init["payload"] = payload
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json(init)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_a_websocket_may_not_run_anything_before_connection_init(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ me { subject } }"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_a_websocket_stops_answering_when_its_token_expires(
    database: Database, signing_key: SigningKey, tmp_path: Path
) -> None:
    settings = Settings(environment="test", data_dir=tmp_path, token_leeway_seconds=0)
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    app = create_app(settings, database.url, verifier=verifier, database=database)
    token = mint_token(signing_key, settings=settings, subject="a", roles=["auditor"], expires_in=2)
    expires_at = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["exp"]
    with (
        TestClient(app) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        time.sleep(max(0.0, expires_at + 0.5 - time.time()))
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ me { subject } }"}})
        try:
            message = ws.receive_json()
        except WebSocketDisconnect:
            return  # closed: good
        assert message["type"] in ("error", "next")
        assert not (message["payload"] or {}).get("data"), message


# -- the `ca-api token` command ----------------------------------------------------------------


@pytest.fixture
def cli_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CA_API_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CA_API_ENVIRONMENT", "development")
    for var in (
        "CA_API_JWKS_URL",
        "CA_API_JWKS_FILE",
        "CA_API_TOKEN_ISSUER",
        "CA_API_TOKEN_AUDIENCE",
        "CA_API_ROLES_CLAIM",
    ):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_token_command_prints_only_a_token(
    cli_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        ["token", "--role", "auditor,reporting", "--sub", "audrey.audit", "--name", "Audrey"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.endswith("\n") and out.count("\n") == 1
    token = out.strip()
    assert len(token.split(".")) == 3 and all(token.split("."))

    # It verifies against the development key the command made under the data folder (0600).
    key_file = cli_data_dir / "dev-signing-key.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    settings = Settings(environment="development", data_dir=cli_data_dir)
    principal = TokenVerifier(build_keyset(settings), settings).verify(token)
    assert principal.subject == "audrey.audit"
    assert principal.name == "Audrey"
    assert principal.roles == {Role.AUDITOR, Role.REPORTING}


@pytest.mark.parametrize("roles", [["wizard"], ["auditor,wizard"], ["auditor", "Auditor"]])
def test_the_token_command_refuses_an_unknown_role(
    cli_data_dir: Path, capsys: pytest.CaptureFixture[str], roles: list[str]
) -> None:
    argv = ["token", "--sub", "x"]
    for role in roles:
        argv += ["--role", role]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unknown role" in captured.err


def test_the_token_command_is_refused_in_production(
    cli_data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CA_API_ENVIRONMENT", "production")
    get_settings.cache_clear()
    assert cli.main(["token", "--role", "auditor", "--sub", "x"]) == 2
    assert capsys.readouterr().out == ""
    assert not (cli_data_dir / "dev-signing-key.json").exists()


def test_a_token_s_signature_is_checked_once_and_its_expiry_every_time(
    settings: Settings, signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TokenVerifier remembers the tokens whose signature it checked (issue 18 item 3: most of
    authenticating a request); their claims are judged again on every request, so a token
    verified once is refused once it expires."""
    import joserfc._rfc7519.claims as jwt_claims

    from ca_api.auth import tokens
    from ca_api.auth.tokens import TokenError

    decoded: list[str] = []
    real_decode = tokens.jwt.decode

    def counting_decode(token: str, *args: Any, **kw: Any) -> Any:
        decoded.append(token)
        return real_decode(token, *args, **kw)

    monkeypatch.setattr(tokens.jwt, "decode", counting_decode)
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    token = mint_token(signing_key, settings=settings, subject="ash", roles=["auditor"])
    for _ in range(3):
        assert verifier.verify(token).subject == "ash"
    assert decoded == [token]
    later = int(time.time()) + 24 * 3600  # long after it expired, beyond any leeway
    monkeypatch.setattr(jwt_claims, "_generate_now", lambda: later)
    with pytest.raises(TokenError):
        verifier.verify(token)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenError):  # a token not seen before has its signature checked
        verifier.verify(forged)

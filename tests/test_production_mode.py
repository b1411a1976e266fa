"""Production mode: keys only from a JWKS (never the development key), and no GraphiQL, no
introspection and no field suggestions to help a stranger map the schema."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from ca_api.app import create_app
from ca_api.auth.tokens import (
    ConfigurationError,
    SigningKey,
    TokenError,
    TokenVerifier,
    build_keyset,
    load_or_create_dev_key,
    mint_token,
)
from ca_api.config import Settings
from tests.conftest import Api, RolledBackDatabase, error_codes

PROD_KID = "idp-2024-1"


def write_jwks(path: Path, *keys: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"keys": list(keys)}))
    return path


def public_jwk(key: RSAKey | ECKey, kid: str | None) -> dict[str, Any]:
    data = dict(key.as_dict(private=False))
    data.pop("kid", None)
    if kid is not None:
        data["kid"] = kid
    return data


@pytest.fixture(scope="module")
def idp_key() -> RSAKey:
    """The identity provider's key: ours to sign with in these tests, foreign to the app."""
    return RSAKey.generate_key(2048, private=True)


# -- keys --------------------------------------------------------------------------------------


def test_production_without_a_jwks_is_refused(tmp_path: Path) -> None:
    settings = Settings(environment="production", data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="development signing key is refused"):
        build_keyset(settings)
    # ...even when a development key is lying in the data folder, ready to be used.
    load_or_create_dev_key(settings.dev_key_file)
    with pytest.raises(ConfigurationError):
        build_keyset(settings)
    # ...and so the app does not start.
    with pytest.raises(ConfigurationError):
        create_app(settings, "postgresql://postgres@127.0.0.1:1/x")


def test_development_without_a_jwks_makes_a_key(tmp_path: Path) -> None:
    """The counterpart: the same settings outside production work, with a new dev key."""
    settings = Settings(environment="development", data_dir=tmp_path)
    keyset = build_keyset(settings)
    assert [k.kid for k in keyset.keys] == ["ca-api-dev-1"]
    assert settings.dev_key_file.exists()


def test_production_with_a_jwks_of_a_foreign_key_works(tmp_path: Path, idp_key: RSAKey) -> None:
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID))
    settings = Settings(environment="production", data_dir=tmp_path, jwks_file=jwks)
    keyset = build_keyset(settings)
    assert [k.kid for k in keyset.keys] == [PROD_KID]
    assert not settings.dev_key_file.exists()  # no development key was made

    verifier = TokenVerifier(keyset, settings)
    token = mint_token(
        SigningKey(idp_key, PROD_KID), settings=settings, subject="olu", roles=["senior_officer"]
    )
    assert verifier.verify(token).subject == "olu"


def test_production_refuses_tokens_signed_by_the_development_key(
    tmp_path: Path, idp_key: RSAKey
) -> None:
    dev = load_or_create_dev_key(tmp_path / "dev-signing-key.json")
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID))
    settings = Settings(environment="production", data_dir=tmp_path, jwks_file=jwks)
    verifier = TokenVerifier(build_keyset(settings), settings)
    with pytest.raises(TokenError):
        verifier.verify(mint_token(dev, settings=settings, subject="x", roles=["auditor"]))


@pytest.mark.parametrize("kid", ["ca-api-dev-1", "renamed", None])
def test_production_refuses_a_jwks_holding_the_development_key(
    tmp_path: Path, idp_key: RSAKey, kid: str | None
) -> None:
    """Whatever kid it is given: the key material is compared, not just the name."""
    dev = load_or_create_dev_key(tmp_path / "dev-signing-key.json")
    jwks = write_jwks(
        tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID), public_jwk(dev.key, kid)
    )
    settings = Settings(environment="production", data_dir=tmp_path, jwks_file=jwks)
    with pytest.raises(ConfigurationError, match="development signing key"):
        build_keyset(settings)


def test_es256_keys_from_the_jwks_are_accepted(tmp_path: Path, idp_key: RSAKey) -> None:
    ec = ECKey.generate_key("P-256", private=True)
    jwks = write_jwks(
        tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID), public_jwk(ec, "idp-ec-1")
    )
    settings = Settings(environment="production", data_dir=tmp_path, jwks_file=jwks)
    verifier = TokenVerifier(build_keyset(settings), settings)
    now = int(time.time())
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": "controcc",
        "exp": now + 60,
        "roles": ["integration_controcc"],
    }
    token = jwt.encode({"alg": "ES256", "kid": "idp-ec-1"}, claims, ec, algorithms=["ES256"])
    principal = verifier.verify(token)
    assert principal.subject == "controcc"
    assert principal.kind.value == "system"
    # The EC key's signature under the RSA key's kid does not pass.
    forged = jwt.encode({"alg": "ES256", "kid": PROD_KID}, claims, ec, algorithms=["ES256"])
    with pytest.raises(TokenError):
        verifier.verify(forged)


def test_a_jwks_with_a_shared_secret_is_refused(tmp_path: Path) -> None:
    """An HMAC key in the JWKS would let whoever knows it mint tokens: refused at start-up."""
    secret = OctKey.generate_key(256).as_dict()
    jwks = write_jwks(tmp_path / "jwks.json", {**secret, "kid": "hmac"})
    settings = Settings(environment="production", data_dir=tmp_path, jwks_file=jwks)
    with pytest.raises(ConfigurationError):
        TokenVerifier(build_keyset(settings), settings)


def test_a_jwks_url_must_be_https(tmp_path: Path) -> None:
    settings = Settings(
        environment="production", data_dir=tmp_path, jwks_url="http://idp.example.org/jwks"
    )
    with pytest.raises(ConfigurationError, match="https"):
        build_keyset(settings)


def test_only_rs256_and_es256_can_be_configured(tmp_path: Path, idp_key: RSAKey) -> None:
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID))
    settings = Settings(
        environment="production",
        data_dir=tmp_path,
        jwks_file=jwks,
        token_algorithms=("HS256", "none"),
    )
    with pytest.raises(ConfigurationError):
        TokenVerifier(build_keyset(settings), settings)


# -- the production app --------------------------------------------------------------------------


@dataclass
class ProdApi:
    client: httpx.AsyncClient
    settings: Settings
    key: SigningKey

    def token(self, role: str = "head_of_service") -> str:
        return mint_token(self.key, settings=self.settings, subject="olu", roles=[role])

    async def post(
        self, query: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token or self.token()}"},
        )


@pytest.fixture
async def prod(db: RolledBackDatabase, tmp_path: Path, idp_key: RSAKey) -> AsyncIterator[ProdApi]:
    """An app built as production builds it: keys from the JWKS file (build_keyset), none given."""
    load_or_create_dev_key(tmp_path / "dev-signing-key.json")  # lying about, and not trusted
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID))
    # These tests send documents as an officer; production's default, officers sending only
    # registered documents, is tested below and in tests/test_trusted_documents.py.
    settings = Settings(
        environment="production", data_dir=tmp_path, jwks_file=jwks, trusted_documents_roles=()
    )
    app = create_app(settings, db.url, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield ProdApi(client, settings, SigningKey(idp_key, PROD_KID))


async def test_by_default_officers_send_only_registered_documents_in_production(
    db: RolledBackDatabase, tmp_path: Path, idp_key: RSAKey
) -> None:
    jwks = write_jwks(tmp_path / "jwks.json", public_jwk(idp_key, PROD_KID))
    settings = Settings(environment="production", data_dir=tmp_path, jwks_file=jwks)
    app = create_app(settings, db.url, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        api = ProdApi(client, settings, SigningKey(idp_key, PROD_KID))
        resp = await api.post("{ me { subject } }")
        assert resp.status_code == 400
        assert resp.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"


async def test_the_production_app_answers_a_token_from_the_identity_provider(
    prod: ProdApi,
) -> None:
    resp = await prod.post("{ me { subject roles } __typename }")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "data": {"me": {"subject": "olu", "roles": ["HEAD_OF_SERVICE"]}, "__typename": "Query"}
    }


async def test_the_production_app_refuses_the_development_key(
    prod: ProdApi, tmp_path: Path
) -> None:
    dev = load_or_create_dev_key(tmp_path / "dev-signing-key.json")
    token = mint_token(dev, settings=prod.settings, subject="x", roles=["head_of_service"])
    resp = await prod.post("{ me { subject } }", token=token)
    assert resp.status_code == 401
    assert error_codes(resp.json()) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "Client") { fields { name } } }',
        "query { me { subject } __schema { queryType { name } } }",
        "{ ...F } fragment F on Query { __schema { types { name } } }",
    ],
)
async def test_introspection_is_refused_in_production(prod: ProdApi, query: str) -> None:
    resp = await prod.post(query)
    assert resp.status_code == 200
    body = resp.json()
    assert body["data"] is None
    codes = error_codes(body)
    assert codes and set(codes) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert "Client" not in resp.text and "clients" not in resp.text


async def test_introspection_works_in_development(api: Api) -> None:
    """The counterpart: the same query outside production lists the types."""
    data = await api.data("{ __schema { types { name } } }")
    assert "Client" in {t["name"] for t in data["__schema"]["types"]}


@pytest.mark.parametrize(
    "query",
    [
        "{ clent }",  # close to client and clients
        "{ me { subjec } }",
        "{ clientz(first: 1) { edges { cursor } } }",
    ],
)
async def test_unknown_fields_get_no_suggestions_in_production(prod: ProdApi, query: str) -> None:
    resp = await prod.post(query)
    body = resp.json()
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    message = body["errors"][0]["message"]
    assert message.startswith("Cannot query field")
    assert "Did you mean" not in resp.text


@pytest.mark.parametrize(
    ("query", "variables", "hidden"),
    [
        ("{ clients(frist: 1) { edges { cursor } } }", None, ["first"]),
        ("{ ... on Querry { me { subject } } }", None, ["Query"]),
        (
            "query($f: ClientFiltr) { clients(filter: $f) { edges { cursor } } }",
            None,
            ["ClientFilter"],
        ),
        ("{ clients(filter: {situation: COMMUNIT}) { edges { cursor } } }", None, ["COMMUNITY"]),
        ('{ clients(filter: {serch: "a"}) { edges { cursor } } }', None, ["search"]),
        (
            "query($f: ClientFilter) { clients(filter: $f) { edges { cursor } } }",
            {"f": {"situation": "COMMUNIT", "serch": "x"}},
            ["COMMUNITY", "search"],
        ),
    ],
    ids=["argument", "type", "variable-type", "enum-value", "input-field", "variables"],
)
async def test_no_other_names_are_suggested_in_production(
    prod: ProdApi, query: str, variables: dict[str, Any] | None, hidden: list[str]
) -> None:
    """Arguments, types, enum values and input fields: a typo must not reveal the real name
    (graphql-core suggests all of them, not only fields)."""
    resp = await prod.post(query, variables=variables)
    body = resp.json()
    assert body["data"] is None and body["errors"]
    expected = "BAD_USER_INPUT" if variables else "GRAPHQL_VALIDATION_FAILED"
    assert set(error_codes(body)) == {expected}
    assert "Did you mean" not in resp.text
    for name in hidden:
        assert f"'{name}'" not in resp.text


async def test_unknown_fields_are_validation_failures_in_development(api: Api) -> None:
    """Development may suggest (graphql-core's default); it is not asserted here."""
    body = await api.gql("{ clent }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["message"].startswith("Cannot query field 'clent'")


async def test_no_graphiql_in_production(prod: ProdApi) -> None:
    for headers in (
        {"Accept": "text/html"},
        {"Accept": "text/html", "Authorization": f"Bearer {prod.token()}"},
    ):
        resp = await prod.client.get("/graphql", headers=headers)
        assert not (resp.status_code == 200 and "html" in resp.headers.get("content-type", ""))
        assert "graphiql" not in resp.text.lower()
    # Without a token the page is simply one more unauthenticated request.
    resp = await prod.client.get("/graphql", headers={"Accept": "text/html"})
    assert resp.status_code == 401


async def test_graphiql_is_served_in_development(api: Api) -> None:
    """The counterpart: development serves the page (without a token; its queries carry one)."""
    resp = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert "text/html" in resp.headers["content-type"]
    assert "graphiql" in resp.text.lower()

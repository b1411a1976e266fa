"""CORS (issue 11 item 1): the SPA on its own origin may call the API from a browser; no other
origin may, and none may unless configured. Through the real application."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError

from ca_api.auth.tokens import SigningKey
from ca_api.config import Settings
from tests.conftest import Api, RolledBackDatabase, api_on

SPA = "https://client-affairs.council.example"
FOREIGN = "https://evil.example"
QUERY = "{ officers(first: 1) { edges { node { subject } } } }"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.fixture
async def spa_api(
    db: RolledBackDatabase, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[Api]:
    configured = settings.model_copy(update={"cors_origins": (SPA,)})
    async with api_on(db, configured, signing_key) as endpoint:
        yield endpoint


async def test_the_spas_preflight_is_answered_before_any_token(spa_api: Api) -> None:
    resp = await spa_api.client.options("/graphql", headers=_preflight(SPA))
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == SPA
    allowed = resp.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in resp.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in resp.headers  # a bearer token, no cookie
    assert int(resp.headers["access-control-max-age"]) > 0


async def test_the_spas_request_is_answered_with_its_origin(spa_api: Api) -> None:
    resp = await spa_api.post(QUERY, role="senior_officer", headers={"Origin": SPA})
    assert resp.status_code == 200, resp.text
    assert resp.headers["access-control-allow-origin"] == SPA
    assert "x-request-id" in resp.headers["access-control-expose-headers"].lower()
    assert "errors" not in resp.json()


async def test_a_foreign_origins_preflight_is_refused(spa_api: Api) -> None:
    resp = await spa_api.client.options("/graphql", headers=_preflight(FOREIGN))
    assert resp.status_code == 400
    assert "access-control-allow-origin" not in resp.headers


async def test_a_foreign_origins_request_gets_no_cors_header(spa_api: Api) -> None:
    """The server answers (it cannot know a browser from a script), but names no origin: the
    browser keeps the answer from the foreign page."""
    resp = await spa_api.post(QUERY, role="senior_officer", headers={"Origin": FOREIGN})
    assert "access-control-allow-origin" not in resp.headers


async def test_no_origin_is_allowed_by_default(api: Api) -> None:
    resp = await api.client.options("/graphql", headers=_preflight(SPA))
    assert "access-control-allow-origin" not in resp.headers
    resp = await api.post(QUERY, role="senior_officer", headers={"Origin": SPA})
    assert "access-control-allow-origin" not in resp.headers


@pytest.mark.parametrize(
    "origins",
    ["*", "https://*.council.example", "https://spa.example/app", "spa.example", "ftp://x.example"],
)
def test_a_wildcard_or_a_non_origin_is_refused_in_configuration(origins: str) -> None:
    with pytest.raises(ValidationError):
        Settings(cors_origins=origins)


def test_origins_are_read_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CA_API_CORS_ORIGINS", f"{SPA}, http://localhost:5173")
    assert Settings().cors_origins == (SPA, "http://localhost:5173")

"""Bearer tokens: signed JWTs checked against the configured keys, issuer, audience and times.

Only RS256 and ES256 are accepted (an allow-list): ``alg: none`` and HMAC are refused, so a
public key can never be used as a shared secret. Keys come from a JWKS document (a URL or a file)
in production; in development a key pair is made on first run under the data folder, and the
``ca-api token`` command signs tokens with it. Production refuses to start with that key.

We use ``joserfc``, the JOSE library of the Authlib project, which Authlib itself now depends on
and recommends in place of its deprecated ``authlib.jose`` module.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from ca_api.auth.principal import Principal, parse_roles
from ca_api.common.recent import Recent
from ca_api.config import Settings

ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256"})
DEV_KEY_ID = "ca-api-dev-1"


class TokenError(Exception):
    """The token is missing, malformed, unsigned, badly signed, expired or not for us."""


class ConfigurationError(RuntimeError):
    """The service is configured in a way it refuses to run with."""


@dataclass(frozen=True)
class SigningKey:
    """The development key pair: signs tokens for ``ca-api token`` and tests."""

    key: RSAKey
    kid: str = DEV_KEY_ID

    def public_keyset(self) -> KeySet:
        public = RSAKey.import_key(self.key.as_dict(private=False))
        public_dict = public.as_dict(private=False)
        public_dict["kid"] = self.kid
        return KeySet.import_key_set({"keys": [public_dict]})


def load_or_create_dev_key(path: Path) -> SigningKey:
    """The development signing key, made on first use (mode 0600)."""
    if path.exists():
        data = json.loads(path.read_text())
        return SigningKey(RSAKey.import_key(data), data.get("kid", DEV_KEY_ID))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = RSAKey.generate_key(2048, private=True)
    data = key.as_dict(private=True)
    data["kid"] = DEV_KEY_ID
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    tmp.replace(path)
    return SigningKey(key, DEV_KEY_ID)


def mint_token(
    signing_key: SigningKey,
    *,
    settings: Settings,
    subject: str,
    roles: list[str],
    name: str | None = None,
    expires_in: int = 3600,
    not_before: int | None = None,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or settings.token_issuer,
        "aud": audience or settings.token_audience,
        "sub": subject,
        "iat": now,
        "nbf": not_before if not_before is not None else now,
        "exp": now + expires_in,
        settings.roles_claim: roles,
    }
    if name:
        claims["name"] = name
    header = {"alg": "RS256", "kid": signing_key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, signing_key.key, algorithms=["RS256"])


def _load_jwks(settings: Settings) -> KeySet:
    if settings.jwks_file is not None:
        return KeySet.import_key_set(json.loads(settings.jwks_file.read_text()))
    assert settings.jwks_url is not None
    if not settings.jwks_url.startswith("https://"):
        raise ConfigurationError("CA_API_JWKS_URL must be an https:// URL")
    with urllib.request.urlopen(settings.jwks_url, timeout=10) as resp:  # noqa: S310 (https only)
        return KeySet.import_key_set(json.loads(resp.read()))


def build_keyset(settings: Settings) -> KeySet:
    """The keys tokens are checked against. Production needs a JWKS; development makes a key."""
    if settings.jwks_file is not None or settings.jwks_url is not None:
        keyset = _load_jwks(settings)
        dev_path = settings.dev_key_file
        if settings.production and dev_path.exists():
            # Matched by key material too: the same key under another kid (or none) is still it.
            dev_data = json.loads(dev_path.read_text())
            dev_kid = dev_data.get("kid", DEV_KEY_ID)
            dev_thumbprint = RSAKey.import_key(dev_data).thumbprint()
            if any(k.kid == dev_kid or k.thumbprint() == dev_thumbprint for k in keyset.keys):
                raise ConfigurationError("the development signing key is in the production JWKS")
        return keyset
    if settings.production:
        raise ConfigurationError(
            "production needs CA_API_JWKS_URL or CA_API_JWKS_FILE: "
            "the development signing key is refused"
        )
    return load_or_create_dev_key(settings.dev_key_file).public_keyset()


# How many verified tokens a verifier remembers (their signatures checked once).
SIGNED_TOKENS = 1024


class TokenVerifier:
    def __init__(self, keyset: KeySet, settings: Settings) -> None:
        algorithms = set(settings.token_algorithms) & ALLOWED_ALGORITHMS
        if not algorithms:
            raise ConfigurationError("no allowed token algorithm configured (RS256 or ES256)")
        for key in keyset.keys:
            if not isinstance(key, RSAKey | ECKey):
                raise ConfigurationError("token keys must be RSA or EC public keys")
        self._keyset = keyset
        self._algorithms = sorted(algorithms)
        self._settings = settings
        # Tokens whose signature this verifier checked, with their claims (the most recent
        # SIGNED_TOKENS): an officer's token is sent with every request, and checking its
        # signature again was most of the cost of authenticating one. The claims (expiry,
        # not-before, issuer, audience) are still judged on every request.
        self._signed: Recent[str, dict[str, Any]] = Recent(SIGNED_TOKENS)

    def _claims(self, token: str) -> dict[str, Any]:
        """The token's claims, its signature checked once (``_signed``)."""
        claims = self._signed.get(token)
        if claims is None:
            claims = jwt.decode(token, self._keyset, algorithms=self._algorithms).claims
            self._signed.keep(token, claims)
        return claims

    def verify(self, token: str) -> Principal:
        settings = self._settings
        try:
            claims = self._claims(token)
            registry = jwt.JWTClaimsRegistry(
                leeway=settings.token_leeway_seconds,
                iss={"essential": True, "value": settings.token_issuer},
                aud={"essential": True, "value": settings.token_audience},
                sub={"essential": True},
                exp={"essential": True},
            )
            registry.validate(claims)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise TokenError(_describe(exc)) from exc
        roles = parse_roles(claims.get(settings.roles_claim))
        name = claims.get("name")
        return Principal(
            subject=str(claims["sub"]),
            roles=roles,
            name=name if isinstance(name, str) else None,
            expires_at=int(claims["exp"]),
        )


def _describe(exc: Exception) -> str:
    text = getattr(exc, "description", None) or str(exc) or type(exc).__name__
    return f"invalid token: {text}"


def bearer_token(header_value: str | None) -> str:
    if not header_value:
        raise TokenError("no bearer token: send 'Authorization: Bearer <token>'")
    scheme, _, token = header_value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("the Authorization header must be 'Bearer <token>'")
    return token.strip()

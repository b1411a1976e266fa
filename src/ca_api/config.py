"""Settings from the environment (prefix ``CA_API_``; ``DATABASE_URL`` is read as is)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A NATS stream name or subject token: no spaces, dots or wildcards.
_NATS_NAME = re.compile(r"[A-Za-z0-9_-]+")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CA_API_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Where no database URL is configured, a private PostgreSQL is started under data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CA_API_DATABASE_URL")
    )
    data_dir: Path = Path(".ca_api")

    token_issuer: str = "https://ca-api.local/dev"
    token_audience: str = "ca-api"
    # Production keys: a JWKS document at a URL or in a file. Development: a key pair made on
    # first run under data_dir (refused in production).
    jwks_url: str | None = None
    jwks_file: Path | None = None
    roles_claim: str = "roles"
    token_algorithms: tuple[str, ...] = ("RS256", "ES256")
    # Clock skew tolerated on exp, nbf and iat (and before a websocket's token closes it).
    token_leeway_seconds: int = Field(default=30, ge=0, le=300)

    # GraphQL limits (graphql-armor's defaults are the starting point).
    max_query_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    # What a document may expand to, counting a fragment's fields each time it is spread: the
    # token limit, so that only fragments multiplied (1 KB spreading 2^30 fields) are refused.
    max_fields: int = 2000
    # A 5,000-line bank statement CSV is about 250 kB; the token limit bounds the query itself.
    max_body_bytes: int = 1_000_000
    max_page_size: int = 100

    log_level: str = "INFO"

    # Browser apps on other origins that may call the API (CORS), e.g. the SPA's
    # "https://client-affairs.council.example"; comma-separated in CA_API_CORS_ORIGINS. None by
    # default (no cross-origin browser may call), never "*" (issue 11 item 1).
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    cors_max_age_seconds: int = Field(default=600, ge=0, le=86_400)
    # Roles whose callers may send only a registered document's id (trusted documents, issue 11
    # item 5), comma-separated; unset: every officer role in production (the integrations may
    # keep sending documents), none elsewhere. "none" turns it off.
    trusted_documents_roles: Annotated[tuple[str, ...] | None, NoDecode] = None
    # OpenTelemetry traces are exported over OTLP/HTTP to this URL (e.g.
    # http://collector:4318/v1/traces) when it is set; off otherwise (ca_api.observability).
    otlp_endpoint: str | None = None
    # GraphiQL's pinned files (ca_api.ide); default: <venv>/share/ca_api/graphiql.
    graphiql_assets_dir: Path | None = None

    # Audit checkpoints (issue 9 item 13): the Ed25519 key that signs them (private, PEM PKCS#8;
    # development: made on first use under data_dir), the public key(s) that verify them (PEM;
    # default: the signing key's own), and the append-only directory they are written to.
    audit_signing_key_file: Path | None = None
    audit_verify_key_file: Path | None = None
    audit_checkpoint_dir: Path | None = None

    # The outbox relay (issue 17 item 4, ``ca-api relay``): the NATS server with JetStream it
    # publishes the outbox to, e.g. nats://nats.internal:4222 (user and password may be in the
    # URL, or a .creds file below). None: nothing is published; the service runs as without it
    # (the integrations read their feeds over GraphQL) and ``ca-api relay`` refuses to start.
    nats_url: str | None = None
    nats_credentials_file: Path | None = None
    # The stream (created by the relay if missing, with this de-duplication window) and the
    # subjects' first tokens: a message goes to <prefix>.<recipient>.<topic>, lower case.
    nats_stream: str = "CA_API_OUTBOX"
    nats_subject_prefix: str = "ca_api.outbox"
    nats_duplicate_window_seconds: int = Field(default=3600, ge=1, le=7 * 86_400)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(o.strip() for o in value.split(",") if o.strip())
        if isinstance(value, list | tuple):
            for origin in value:
                _check_origin(str(origin))
        return value

    @field_validator("nats_stream")
    @classmethod
    def _stream(cls, value: str) -> str:
        if not _NATS_NAME.fullmatch(value):
            raise ValueError("a stream name is letters, digits, '_' and '-'")
        return value

    @field_validator("nats_subject_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not all(_NATS_NAME.fullmatch(token) for token in value.split(".")):
            raise ValueError(
                "a subject prefix is dot-separated tokens of letters, digits, '_', '-'"
            )
        return value

    @field_validator("trusted_documents_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(r.strip() for r in value.split(",") if r.strip() and r.strip() != "none")
        return value

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def dev_key_file(self) -> Path:
        return self.data_dir / "dev-signing-key.json"

    @property
    def dev_audit_key_file(self) -> Path:
        return self.data_dir / "dev-audit-signing-key.pem"

    @property
    def dev_audit_checkpoint_dir(self) -> Path:
        return self.data_dir / "audit-checkpoints"


def _check_origin(origin: str) -> None:
    """An origin is a scheme, a host and perhaps a port: nothing else, and never a wildcard."""
    if "*" in origin:
        raise ValueError("a CORS origin is named in full: never '*' or a wildcard")
    parts = urlsplit(origin)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or origin.endswith("/")
    ):
        raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path)")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

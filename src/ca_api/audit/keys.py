"""The Ed25519 keys of the audit checkpoints (issue 9 item 13), held outside the database.

The private key signs checkpoints (``ca-api audit-checkpoint``); the public key verifies them
(``ca-api verify-audit``, ``verifyAuditChain``). In production the private key is a file named by
``CA_API_AUDIT_SIGNING_KEY_FILE`` (better, a KMS or HSM behind the ``Signer`` protocol) and is
never made here; in development it is made on first use under the data folder, as the
development token key is (``ca_api.auth.tokens.load_or_create_dev_key``).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ca_api.auth.tokens import ConfigurationError
from ca_api.config import Settings

_PEM_PUBLIC = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A key's id in a checkpoint: the first 16 bytes of the SHA-256 of its raw public bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


class Signer(Protocol):
    """What signs a checkpoint: a key file here; a KMS or HSM signing with Ed25519 in its place."""

    @property
    def public_key(self) -> Ed25519PublicKey: ...

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class FileSigner:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


@dataclass(frozen=True)
class VerifyKeys:
    """The public keys checkpoints may be signed with, by key id (several after a rotation)."""

    by_id: dict[str, Ed25519PublicKey]

    @staticmethod
    def of(*keys: Ed25519PublicKey) -> VerifyKeys:
        return VerifyKeys({key_id(k): k for k in keys})

    def verify(self, kid: str, signature: bytes, message: bytes) -> bool | None:
        """True or False; None when ``kid`` is not one of these keys."""
        key = self.by_id.get(kid)
        if key is None:
            return None
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"audit signing key {path}: cannot be read ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"audit signing key {path}: not an Ed25519 private key")
    return key


def load_or_create_dev_audit_key(path: Path) -> FileSigner:
    """The development checkpoint key, made on first use (PEM PKCS#8, mode 0600)."""
    if path.exists():
        return FileSigner(_load_private(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    tmp.replace(path)
    return FileSigner(key)


def checkpoint_signer(settings: Settings) -> FileSigner:
    """The key ``ca-api audit-checkpoint`` signs with. Production refuses to run without a
    configured key file: a key made on the fly would prove nothing."""
    if settings.audit_signing_key_file is not None:
        return FileSigner(_load_private(settings.audit_signing_key_file))
    if settings.production:
        raise ConfigurationError(
            "production needs CA_API_AUDIT_SIGNING_KEY_FILE (an Ed25519 private key kept out of "
            "the database's reach): checkpoints are not signed with a development key"
        )
    return load_or_create_dev_audit_key(settings.dev_audit_key_file)


def _load_public_keys(path: Path) -> list[Ed25519PublicKey]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"audit verify key {path}: cannot be read ({exc})") from exc
    keys: list[Ed25519PublicKey] = []
    for block in _PEM_PUBLIC.findall(data):
        try:
            key = serialization.load_pem_public_key(block)
        except ValueError as exc:
            raise ConfigurationError(f"audit verify key {path}: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ConfigurationError(f"audit verify key {path}: not an Ed25519 public key")
        keys.append(key)
    if not keys:
        raise ConfigurationError(f"audit verify key {path}: no PEM public key in it")
    return keys


def verify_keys(settings: Settings, signer: Signer | None = None) -> VerifyKeys:
    """The keys checkpoints are checked with: every key of ``CA_API_AUDIT_VERIFY_KEY_FILE`` (one
    PEM block each, the old ones kept after a rotation), plus the signing key's own public key
    where it is at hand. Development reads the development key if it exists, never makes one."""
    keys: list[Ed25519PublicKey] = []
    if settings.audit_verify_key_file is not None:
        keys += _load_public_keys(settings.audit_verify_key_file)
    if signer is not None:
        keys.append(signer.public_key)
    elif settings.audit_signing_key_file is not None:
        keys.append(_load_private(settings.audit_signing_key_file).public_key())
    elif not settings.production and settings.dev_audit_key_file.exists():
        keys.append(_load_private(settings.dev_audit_key_file).public_key())
    return VerifyKeys.of(*keys)

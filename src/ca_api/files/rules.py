"""What a stored file may be, without I/O: its type told from its first bytes (never from what
the caller says it is), its size within a limit that fits the request body, its SHA-256.

A file comes in a GraphQL mutation as base64 text, so its size limit must leave room inside the
request body limit (``Settings.max_body_bytes``, 1 MB by default, CA_API_MAX_BODY_BYTES): base64
is 4/3 of the bytes, and the document and the other fields need some too. ``MAX_PHOTO_BYTES``
(600,000 bytes, 800,000 characters of base64) leaves about 200 kB of the 1 MB for the rest;
``fits_body`` says whether a limit fits a body limit (tests/test_valuables.py checks it)."""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib

MAX_PHOTO_BYTES = 600_000
# Room left in the request body for the document and the other fields of the input.
BODY_ROOM = 100_000


class FileType(enum.StrEnum):
    """The types of file stored, each told by its signature (its first bytes)."""

    JPEG = "JPEG"
    PNG = "PNG"
    PDF = "PDF"


MEDIA_TYPES: dict[FileType, str] = {
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.PDF: "application/pdf",
}
SIGNATURES: dict[FileType, bytes] = {
    FileType.JPEG: b"\xff\xd8\xff",
    FileType.PNG: b"\x89PNG\r\n\x1a\n",
    FileType.PDF: b"%PDF-",
}
PHOTO_TYPES = frozenset({FileType.JPEG, FileType.PNG})


def base64_length(size: int) -> int:
    """The length of ``size`` bytes as base64 text (padded)."""
    return 4 * ((size + 2) // 3)


def fits_body(maximum: int, body_limit: int) -> bool:
    """Whether a file of ``maximum`` bytes, as base64, fits in a request of ``body_limit`` bytes
    with ``BODY_ROOM`` to spare for the rest of the request."""
    return base64_length(maximum) + BODY_ROOM <= body_limit


def file_type_of(data: bytes) -> FileType | None:
    """The file's type by its signature; None for none of ours."""
    return next((t for t, sig in SIGNATURES.items() if data.startswith(sig)), None)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def decode_base64(text: str) -> bytes | None:
    """The bytes of standard base64 text (padding required, whitespace not allowed); None when it
    is not base64."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError, ValueError):
        return None


def file_problem(
    data: bytes | None, *, allowed: frozenset[FileType], maximum: int
) -> tuple[FileType | None, str | None]:
    """The file's type, or why it is refused: not base64, empty, over the limit, or not one of
    the types ``allowed`` (told from its bytes)."""
    if data is None:
        return None, "is not base64 text"
    if not data:
        return None, "is empty"
    if len(data) > maximum:
        return None, f"is {len(data)} bytes, over the limit of {maximum} bytes"
    kind = file_type_of(data)
    if kind is None or kind not in allowed:
        names = " or ".join(sorted(t.value for t in allowed))
        return None, f"is not a {names} file (told from its contents)"
    return kind, None

"""Trusted documents (issue 11 item 5; the GraphQL trusted documents practice, OWASP's
allow-list of operations).

A client registers the operations it ships (``ca-api register-documents``); each is parsed and
validated against the schema once, at registration, and stored under the SHA-256 of its text
(``sha256:<hex>``). A request then sends ``documentId`` instead of ``query``; the service finds
the document, parsed and validated, in its cache (one database read per document per process),
so a trusted operation is neither parsed nor validated again. Callers in the roles that must
(``CA_API_TRUSTED_DOCUMENTS_ROLES``; in production every officer role by default) may send only
registered ids; integrations may keep sending documents.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import unit_of_work
from ca_api.errors import ErrorCode, ValidationFailed
from ca_api.trusted_documents import repository

PREFIX = "sha256:"
CLIENT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
Validate = Callable[[DocumentNode], list[GraphQLError]]


def document_id(text: str) -> str:
    """The id of a document: the SHA-256 of its exact text (as graphql-codegen's persisted
    documents compute it)."""
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A registered document, parsed (validated when it was registered)."""

    id: str
    text: str
    document: DocumentNode


@dataclass(frozen=True)
class Registration:
    registered: list[str]
    already: list[str]


def _operation_names(document: DocumentNode) -> list[str]:
    names = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if definition.name is None:
                raise ValueError("every operation is named (metrics and logs name it)")
            names.append(definition.name.value)
    if not names:
        raise ValueError("the document has no operation")
    return names


def checked(text: str, given_id: str | None, validate: Validate) -> tuple[str, list[str]]:
    """The id and operation names of a document fit to register; ValueError says why not."""
    ident = document_id(text)
    if given_id is not None and given_id != ident:
        raise ValueError(f"its id {given_id} is not the SHA-256 of its text ({ident})")
    try:
        document = parse(text)
    except GraphQLError as exc:
        raise ValueError(exc.message) from exc
    names = _operation_names(document)
    errors = validate(document)
    if errors:
        raise ValueError("; ".join(e.message for e in errors))
    return ident, names


def read_documents(paths: Iterable[Path]) -> list[tuple[str | None, str, str]]:
    """(given id or None, text, where it came from) for each document in ``paths``: a
    ``.graphql`` file is one document; a ``.json`` file is a manifest ``{id: text}`` (as
    graphql-codegen's client preset writes with ``persistedDocuments``)."""
    found: list[tuple[str | None, str, str]] = []
    for path in paths:
        if path.suffix == ".json":
            manifest = json.loads(path.read_text())
            if not isinstance(manifest, dict):
                raise ValueError(f"{path}: a manifest is an object of id to document")
            for key, text in manifest.items():
                given = key if key.startswith(PREFIX) else PREFIX + key
                found.append((given, str(text), f"{path}:{key}"))
        else:
            found.append((None, path.read_text(), str(path)))
    return found


async def register(
    session: AsyncSession,
    client_name: str,
    documents: Sequence[tuple[str | None, str, str]],
    *,
    validate: Validate,
    registered_by: str,
) -> Registration:
    """Register ``documents`` for ``client_name`` in one transaction: all or none. Refused
    (ValidationFailed, naming each document) if any does not parse, is not valid against the
    schema, has an unnamed operation, or carries an id that is not its hash."""
    if not CLIENT_NAME.match(client_name):
        raise ValidationFailed({"client": "lower-case letters, digits, '.', '_' or '-'"})
    rows: list[dict[str, object]] = []
    problems: dict[str, str] = {}
    for given, text, where in documents:
        try:
            ident, names = checked(text, given, validate)
        except ValueError as exc:
            problems[where] = str(exc)
            continue
        rows.append(
            {
                "id": ident,
                "client_name": client_name,
                "document": text,
                "operation_names": names,
                "registered_by": registered_by,
            }
        )
    if problems:
        raise ValidationFailed(problems)
    unique = list({r["id"]: r for r in rows}.values())
    async with unit_of_work(session):
        inserted = await repository.insert_new(session, unique)
    return Registration(
        registered=inserted, already=[str(r["id"]) for r in unique if r["id"] not in inserted]
    )


class DocumentStore:
    """The registered documents this process has been asked for, parsed once each."""

    def __init__(self) -> None:
        self._prepared: dict[str, Prepared] = {}

    async def get(self, session: AsyncSession, ident: str) -> Prepared | None:
        prepared = self._prepared.get(ident)
        if prepared is not None:
            return prepared
        if not ident.startswith(PREFIX):
            return None
        row = await repository.get(session, ident)
        if row is None:
            return None
        prepared = Prepared(ident, row.document, parse(row.document))
        self._prepared[ident] = prepared
        return prepared


NOT_FOUND = ErrorCode.TRUSTED_DOCUMENT_NOT_FOUND
REQUIRED = ErrorCode.TRUSTED_DOCUMENT_REQUIRED

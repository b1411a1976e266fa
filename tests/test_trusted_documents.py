"""Trusted documents (issue 11 item 5): a client registers its operations; a request sends a
registered operation's id; callers in the roles that must may send nothing else; a trusted
operation is neither parsed nor validated again. Through the real endpoint."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ca_api import documents as ca_documents
from ca_api.auth.tokens import SigningKey
from ca_api.config import Settings
from ca_api.documents import registration_errors
from ca_api.errors import ValidationFailed
from ca_api.gate import TRUSTED_BY_DEFAULT
from ca_api.graphql import build_schema
from ca_api.trusted_documents import service
from tests.conftest import Api, RolledBackDatabase, api_on

OFFICERS = "query OfficerList($n: Int) { officers(first: $n) { edges { node { subject } } } }"
FIGURE = 'query AmountMaximum { policyFigures(name: "amount_maximum") { name money } }'


async def _register(
    db: RolledBackDatabase, settings: Settings, *texts: str, client: str = "spa"
) -> service.Registration:
    schema = build_schema(settings)
    return await service.register(
        db.session(),
        client,
        [(None, t, f"doc{i}") for i, t in enumerate(texts)],
        validate=lambda doc: registration_errors(schema, settings, doc),
        registered_by="test",
    )


async def _send(api: Api, body: dict[str, Any], role: str = "senior_officer") -> Any:
    token = api.token(role)
    return await api.client.post(
        "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture
async def strict(
    db: RolledBackDatabase, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[Api]:
    """Officers (here: senior officers) may send only registered documents."""
    configured = settings.model_copy(update={"trusted_documents_roles": ("senior_officer",)})
    async with api_on(db, configured, signing_key) as endpoint:
        yield endpoint


async def test_a_registered_operation_runs_by_its_id(
    api: Api, db: RolledBackDatabase, settings: Settings
) -> None:
    done = await _register(db, settings, OFFICERS, FIGURE)
    assert done.registered == [service.document_id(OFFICERS), service.document_id(FIGURE)]
    resp = await _send(api, {"documentId": service.document_id(FIGURE)})
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["policyFigures"][0]["money"] == "10000000.00"
    # With variables, and by Apollo's persisted-query extension too.
    digest = service.document_id(OFFICERS).removeprefix("sha256:")
    resp = await _send(
        api,
        {
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
            "variables": {"n": 1},
        },
    )
    assert resp.status_code == 200, resp.text
    assert "errors" not in resp.json()


async def test_registering_again_changes_nothing(
    db: RolledBackDatabase, settings: Settings
) -> None:
    await _register(db, settings, FIGURE)
    again = await _register(db, settings, FIGURE)
    assert again.registered == [] and again.already == [service.document_id(FIGURE)]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{ policyFigures { name } }", "named"),
        ("query Bad { noSuchField }", "Cannot query field"),
        ("query Broken {", "Syntax Error"),
        ("query Peek { __schema { types { name } } }", "introspection"),
    ],
)
async def test_a_document_unfit_to_trust_is_refused_and_nothing_registered(
    db: RolledBackDatabase, settings: Settings, text: str, why: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await _register(db, settings, FIGURE, text)
    assert why.lower() in refused.value.fields["doc1"].lower()
    assert await service.DocumentStore().get(db.session(), service.document_id(FIGURE)) is None


async def test_a_manifest_id_must_be_the_hash_of_its_document(tmp_path: Path) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({"sha256:" + "0" * 64: FIGURE}))
    ((given, text, _),) = service.read_documents([manifest])
    with pytest.raises(ValueError, match="not the SHA-256"):
        service.checked(text, given, lambda doc: [])


async def test_an_unknown_id_is_refused_with_its_code(api: Api) -> None:
    resp = await _send(api, {"documentId": "sha256:" + "ab" * 32})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_NOT_FOUND"


async def test_an_officer_who_must_send_ids_is_refused_a_raw_document(
    strict: Api, db: RolledBackDatabase, settings: Settings
) -> None:
    resp = await _send(strict, {"query": FIGURE})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    await _register(db, settings, FIGURE)
    resp = await _send(strict, {"documentId": service.document_id(FIGURE)})
    assert resp.status_code == 200 and "errors" not in resp.json()


async def test_an_integration_may_keep_sending_documents(strict: Api) -> None:
    resp = await _send(strict, {"query": FIGURE}, role="integration_controcc")
    assert resp.status_code == 200, resp.text
    assert resp.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # its role's answer


def test_in_production_every_officer_must_send_ids_by_default() -> None:
    assert "senior_officer" in TRUSTED_BY_DEFAULT and "auditor" in TRUSTED_BY_DEFAULT
    assert "integration_controcc" not in TRUSTED_BY_DEFAULT
    assert "integration_sap" not in TRUSTED_BY_DEFAULT


async def test_a_trusted_operation_is_not_validated_again(
    api: Api, db: RolledBackDatabase, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _register(db, settings, FIGURE)

    def no_validation(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("validated again")

    monkeypatch.setattr(ca_documents, "_validate", no_validation)
    resp = await _send(api, {"documentId": service.document_id(FIGURE)})
    assert resp.status_code == 200 and "errors" not in resp.json(), resp.text
    raw = await _send(api, {"query": FIGURE})  # a raw document still is (and here, fails)
    assert raw.json()["data"] is None and raw.json()["errors"]


async def test_an_id_whose_key_is_spelt_with_escapes_is_still_found(
    api: Api, db: RolledBackDatabase, settings: Settings
) -> None:
    """The gate parses a body only when it may name a document: a key written with JSON
    escapes is parsed, and runs the registered operation."""
    await _register(db, settings, FIGURE)
    body = '{"docum\\u0065ntId": "' + service.document_id(FIGURE) + '"}'
    resp = await api.client.post(
        "/graphql",
        content=body.encode(),
        headers={
            "Authorization": f"Bearer {api.token('senior_officer')}",
            "Content-Type": "application/json",
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["policyFigures"][0]["money"] == "10000000.00"

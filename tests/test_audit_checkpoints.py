"""Signed checkpoints of the audit chains, kept outside the database (issue 9 item 13, R-AUD-2).

A database superuser can get past the triggers (``session_replication_role = replica``): delete
a chain's last entries and set its head back, or edit an entry and recompute every hash after
it. The chains alone cannot see that (the chain is unkeyed and lives in the database); a
checkpoint signed with a key the database never holds can. The tests go through the command
bodies (``ca_api.audit.commands``, what ``ca-api audit-checkpoint`` and ``ca-api verify-audit``
run) with the test's rolled-back session, and through ``verifyAuditChain`` for the auditor.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import cli
from ca_api.app import create_app
from ca_api.audit import checkpoints, commands
from ca_api.audit.keys import FileSigner, VerifyKeys
from ca_api.audit.service import verify_chain
from ca_api.auth.tokens import SigningKey, TokenVerifier
from ca_api.config import Settings
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    amend_client,
    raw,
    scalar,
    two_clients_with_history,
)

VERIFY = """{ verifyAuditChain {
  intact entriesChecked breaks { stream sequence problem }
  anchored checkpointsChecked
  latestCheckpoint { sequence takenAt chains entries digest }
  checkpointProblems { file problem }
} }"""


def write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return key


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def anchored(tmp_path: Path) -> Settings:
    """This test's own key file and checkpoint directory (the suite's settings have neither,
    so other tests' rolled-back chains never meet these checkpoints)."""
    store = tmp_path / "checkpoints"
    store.mkdir()
    key_file = tmp_path / "audit-key.pem"
    write_key(key_file)
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        audit_signing_key_file=key_file,
        audit_checkpoint_dir=store,
    )


@pytest.fixture
async def anchored_api(
    db: RolledBackDatabase, anchored: Settings, signing_key: SigningKey
) -> AsyncIterator[Api]:
    verifier = TokenVerifier(signing_key.public_keyset(), anchored)
    app = create_app(anchored, db.url, verifier=verifier, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client=client, key=signing_key, settings=anchored)


async def checkpoint(session: AsyncSession, settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await commands.audit_checkpoint(session, settings, out)
    return code, out.getvalue()


async def verify(session: AsyncSession, settings: Settings) -> tuple[int, str]:
    out = io.StringIO()
    code = await commands.verify_audit(session, settings, out)
    return code, out.getvalue()


async def verify_via_api(api: Api) -> dict[str, Any]:
    data = await api.data(VERIFY, role="auditor", sub="audrey.audit")
    report: dict[str, Any] = data["verifyAuditChain"]
    return report


def files(settings: Settings) -> list[Path]:
    assert settings.audit_checkpoint_dir is not None
    return sorted(settings.audit_checkpoint_dir.glob("checkpoint-*.json"))


async def superuser(session: AsyncSession, *statements: str, **params: Any) -> None:
    """Run ``statements`` with every trigger off, as only a database superuser could."""
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    for sql in statements:
        await session.execute(text(sql), params)
    await session.execute(text("SET LOCAL session_replication_role = origin"))
    await session.commit()


# --- untampered ----------------------------------------------------------------------------


async def test_an_untampered_trail_passes_against_its_checkpoints(
    anchored_api: Api, db: RolledBackDatabase, session: AsyncSession, anchored: Settings
) -> None:
    """issue 9 item 13: a checkpoint names every chain, its entry count and head hash at a
    time, signed; the next names the previous one's digest; verify-audit passes, anchored."""
    code, out = await verify(session, anchored)
    assert code == 0, out
    assert "NOT ANCHORED" in out  # nothing to anchor to yet: said, not failed

    a, _, _ = await two_clients_with_history(anchored_api)
    code, out = await checkpoint(session, anchored)
    assert code == 0, out
    assert "checkpoint 1 written" in out
    (first,) = files(anchored)
    assert stat.S_IMODE(first.stat().st_mode) == 0o444
    doc = json.loads(first.read_bytes())
    heads = (
        await db.connection.execute(
            text("SELECT stream, seq, encode(hash, 'hex') FROM audit_stream_head ORDER BY stream")
        )
    ).all()
    assert [(c["stream"], c["seq"], c["hash"]) for c in doc["chains"]] == [tuple(h) for h in heads]
    assert doc["sequence"] == 1 and doc["previous"] is None
    assert {"stream": f"client:{raw(a['id'])}", "seq": 4} in [
        {k: c[k] for k in ("stream", "seq")} for c in doc["chains"]
    ]

    # Entries after the checkpoint are fine; the next checkpoint chains to the first.
    result = await amend_client(anchored_api, a["id"], {"familyName": "Later"}, reason="after")
    assert result["__typename"] == "ClientPayload"
    code, out = await verify(session, anchored)
    assert code == 0, out
    assert "checked against checkpoint 1" in out and out.endswith("intact\n")
    code, out = await checkpoint(session, anchored)
    assert code == 0, out
    first_digest = checkpoints.parse(first.read_bytes())[0].digest
    second = json.loads(files(anchored)[1].read_bytes())
    assert second["sequence"] == 2 and second["previous"] == first_digest

    code, out = await verify(session, anchored)
    assert code == 0, out
    assert "2 checkpoint(s) checked" in out and "checkpoint 2" in out
    report = await verify_via_api(anchored_api)
    entries = int(await scalar(db, "SELECT count(*) FROM audit_log"))
    assert report["intact"] is True and report["anchored"] is True, report
    assert report["breaks"] == [] and report["checkpointProblems"] == []
    assert report["checkpointsChecked"] == 2
    latest = report["latestCheckpoint"]
    assert latest["sequence"] == 2
    assert latest["chains"] == len(heads) and latest["entries"] == entries
    assert latest["digest"] == checkpoints.parse(files(anchored)[1].read_bytes())[0].digest


# --- a superuser's rewrite after a checkpoint -------------------------------------------------

REWRITES = {
    # Delete the last two entries and set the stored head back to the entry left last.
    "last entries deleted and head rewound": (
        (
            "DELETE FROM audit_log WHERE stream = :stream AND stream_seq > 2",
            "UPDATE audit_stream_head SET seq = 2, hash = (SELECT hash FROM audit_log "
            "WHERE stream = :stream AND stream_seq = 2) WHERE stream = :stream",
        ),
        "chain rewound: 2 entries, checkpoint 1 has 4",
    ),
    # Edit an entry, then recompute its hash and every one after it, and the head.
    "entry edited and chain recomputed": (
        (
            "UPDATE audit_log SET reason = 'nothing happened' "
            "WHERE stream = :stream AND stream_seq = 2",
            *(
                sql.replace(":seq", str(seq))
                for seq in (2, 3, 4)
                for sql in (
                    "UPDATE audit_log a SET prev_hash = p.hash FROM audit_log p "
                    "WHERE p.stream = a.stream AND p.stream_seq = a.stream_seq - 1 "
                    "AND a.stream = :stream AND a.stream_seq = :seq",
                    "UPDATE audit_log a SET hash = audit_row_hash(a.prev_hash, a) "
                    "WHERE a.stream = :stream AND a.stream_seq = :seq",
                )
            ),
            "UPDATE audit_stream_head SET hash = (SELECT hash FROM audit_log "
            "WHERE stream = :stream AND stream_seq = 4) WHERE stream = :stream",
        ),
        "chain rewritten: entry differs from checkpoint 1",
    ),
    # The whole chain and its head removed.
    "whole chain and head deleted": (
        (
            "DELETE FROM audit_log WHERE stream = :stream",
            "DELETE FROM audit_stream_head WHERE stream = :stream",
        ),
        "chain removed: checkpoint 1 has 4 entries",
    ),
}


@pytest.mark.parametrize(("statements", "problem"), REWRITES.values(), ids=REWRITES.keys())
async def test_a_superuser_rewrite_after_a_checkpoint_is_detected(
    anchored_api: Api,
    db: RolledBackDatabase,
    session: AsyncSession,
    anchored: Settings,
    statements: tuple[str, ...],
    problem: str,
) -> None:
    """issue 9 item 13, R-AUD-2: after a checkpoint, a superuser rewrites a client's chain and
    its head so that the chain still recomputes. The database alone cannot tell (the old
    verify-audit passed); against the checkpoint, verify-audit exits 1 naming the chain, and
    the next checkpoint refuses to bless it."""
    a, b, _ = await two_clients_with_history(anchored_api)
    stream = f"client:{raw(a['id'])}"
    assert (await checkpoint(session, anchored))[0] == 0

    await superuser(session, *statements, stream=stream)

    blind = await verify_chain(session)  # the chains alone: what verify-audit checked before
    assert blind.intact, blind.breaks
    code, out = await verify(session, anchored)
    assert code == 1, out
    assert f"BROKEN {stream} #4: {problem}\n" in out
    assert out.endswith("TAMPERED\n")
    assert f"client:{raw(b['id'])}" not in out

    report = await verify_via_api(anchored_api)
    assert report["intact"] is False and report["anchored"] is True
    assert report["breaks"] == [{"stream": stream, "sequence": 4, "problem": problem}]

    code, out = await checkpoint(session, anchored)
    assert code == 1, out
    assert "no checkpoint written" in out
    assert len(files(anchored)) == 1


async def test_a_rewrite_after_the_latest_checkpoint_is_not_seen(
    anchored_api: Api, db: RolledBackDatabase, session: AsyncSession, anchored: Settings
) -> None:
    """What a checkpoint does not prove: entries written after it can be rewound unseen (the
    README says so). The entries up to it stay fixed."""
    a, _, _ = await two_clients_with_history(anchored_api)
    stream = f"client:{raw(a['id'])}"
    assert (await checkpoint(session, anchored))[0] == 0
    result = await amend_client(anchored_api, a["id"], {"familyName": "Gone"}, reason="later")
    assert result["__typename"] == "ClientPayload"
    await superuser(
        session,
        "DELETE FROM audit_log WHERE stream = :stream AND stream_seq = 5",
        "UPDATE audit_stream_head SET seq = 4, hash = (SELECT hash FROM audit_log "
        "WHERE stream = :stream AND stream_seq = 4) WHERE stream = :stream",
        stream=stream,
    )
    assert await scalar(db, "SELECT seq FROM audit_stream_head WHERE stream = :s", s=stream) == 4
    assert (await verify(session, anchored))[0] == 0


# --- the checkpoint files ------------------------------------------------------------------


def _edit_chain(path: Path) -> None:
    """Put another hash in a checkpoint's first chain, keeping its signature."""
    doc = json.loads(path.read_bytes())
    doc["chains"][0]["hash"] = "00" * 32
    path.chmod(0o644)
    path.write_bytes(checkpoints.canonical(doc))


def _resign(path: Path) -> None:
    """The same content signed by a key that is not the configured one."""
    cp, _ = checkpoints.parse(path.read_bytes())
    forged = checkpoints.make_checkpoint(
        sequence=cp.sequence,
        previous=None,
        heads=cp.chains,
        taken_at=cp.taken_at,
        signer=FileSigner(Ed25519PrivateKey.generate()),
    )
    path.chmod(0o644)
    path.write_bytes(forged.to_bytes())


def _truncate(path: Path) -> None:
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:40])


FILE_TAMPERING = {
    "content edited, signature kept": (
        _edit_chain,
        "checkpoint-0000000002.json",
        "signature does not verify: the file was changed after it was signed",
    ),
    "signed by another key": (
        _resign,
        "checkpoint-0000000002.json",
        "which is not a configured verify key",
    ),
    "truncated": (_truncate, "checkpoint-0000000002.json", "unreadable: not JSON"),
    "an earlier checkpoint removed": (
        lambda p: p.with_name("checkpoint-0000000001.json").unlink(),
        "checkpoint-0000000002.json",
        "checkpoint 1 missing before it",
    ),
    "a checkpoint renamed": (
        lambda p: p.rename(p.with_name("checkpoint-0000000003.json")),
        "checkpoint-0000000003.json",
        "checkpoint 2 missing before it",
    ),
}


@pytest.mark.parametrize(("tamper", "name", "problem"), FILE_TAMPERING.values(), ids=FILE_TAMPERING)
async def test_a_tampered_checkpoint_file_is_detected(
    anchored_api: Api,
    session: AsyncSession,
    anchored: Settings,
    tamper: Any,
    name: str,
    problem: str,
) -> None:
    """issue 9 item 13: each checkpoint's signature verifies with the public key, and each
    names the one before; an altered, forged, broken or missing checkpoint file is reported."""
    await two_clients_with_history(anchored_api)
    assert (await checkpoint(session, anchored))[0] == 0
    assert (await checkpoint(session, anchored))[0] == 0
    tamper(files(anchored)[1])

    code, out = await verify(session, anchored)
    assert code == 1, out
    assert f"CHECKPOINT {name}: " in out and problem in out, out
    assert out.endswith("TAMPERED\n")
    report = await verify_via_api(anchored_api)
    assert report["intact"] is False and report["breaks"] == []
    assert {p["file"] for p in report["checkpointProblems"]} == {name}
    assert any(problem in p["problem"] for p in report["checkpointProblems"])
    # No checkpoint is written over a store that does not check out.
    before = [p.name for p in files(anchored)]
    assert (await checkpoint(session, anchored))[0] == 1
    assert [p.name for p in files(anchored)] == before


def test_a_checkpoint_may_not_go_back_on_the_one_before() -> None:
    """Even signed with the right key, a checkpoint that drops, shortens or changes a chain of
    the one before is reported (a checkpoint taken over a rewritten trail)."""
    signer = FileSigner(Ed25519PrivateKey.generate())
    h = bytes(range(32))
    first = checkpoints.make_checkpoint(
        sequence=1,
        previous=None,
        heads=[checkpoints.ChainHead("client:a", 4, h), checkpoints.ChainHead("system", 2, h)],
        taken_at=checkpoints.datetime.now(checkpoints.UTC),
        signer=signer,
    )
    second = checkpoints.make_checkpoint(
        sequence=2,
        previous=first,
        heads=[checkpoints.ChainHead("client:a", 3, h), checkpoints.ChainHead("client:b", 1, h)],
        taken_at=checkpoints.datetime.now(checkpoints.UTC),
        signer=signer,
    )
    trail = checkpoints.verify_trail(
        [(f"f{c.sequence}", c.sequence, c.to_bytes()) for c in (first, second)],
        VerifyKeys.of(signer.public_key),
    )
    assert trail.checked == 2 and trail.latest == second
    assert [(p.file, p.problem) for p in trail.problems] == [
        ("f2", "chain client:a went back from 4 entries (checkpoint 1) to 3"),
        ("f2", "chain system of checkpoint 1 is missing"),
    ]


# --- keys and configuration ----------------------------------------------------------------


async def test_an_old_key_still_verifies_its_checkpoints_after_a_rotation(
    anchored_api: Api, session: AsyncSession, anchored: Settings, tmp_path: Path
) -> None:
    """CA_API_AUDIT_VERIFY_KEY_FILE holds every public key checkpoints were signed with."""
    await two_clients_with_history(anchored_api)
    assert anchored.audit_signing_key_file is not None
    old = serialization.load_pem_private_key(
        anchored.audit_signing_key_file.read_bytes(), password=None
    )
    assert isinstance(old, Ed25519PrivateKey)
    assert (await checkpoint(session, anchored))[0] == 0
    new_file = tmp_path / "audit-key-2.pem"
    new = write_key(new_file)
    rotated = anchored.model_copy(update={"audit_signing_key_file": new_file})
    assert (await checkpoint(session, rotated))[0] == 1  # the old checkpoint's key is unknown
    both = tmp_path / "verify.pem"
    both.write_bytes(public_pem(old) + public_pem(new))
    rotated = rotated.model_copy(update={"audit_verify_key_file": both})
    assert (await checkpoint(session, rotated))[0] == 0
    code, out = await verify(session, rotated)
    assert code == 0, out
    only_new = tmp_path / "verify-new.pem"
    only_new.write_bytes(public_pem(new))
    auditor = Settings(
        environment="test",
        data_dir=tmp_path / "elsewhere",
        audit_verify_key_file=only_new,
        audit_checkpoint_dir=anchored.audit_checkpoint_dir,
    )
    code, out = await verify(session, auditor)  # an auditor with the public key only
    assert code == 1
    assert "CHECKPOINT checkpoint-0000000001.json: signed by key" in out


async def test_development_makes_its_key_and_store_under_the_data_dir(
    api: Api, session: AsyncSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like the development token key: made on first use, mode 0600, under CA_API_DATA_DIR."""
    await two_clients_with_history(api)
    dev = Settings(environment="development", data_dir=tmp_path / "data")
    code, out = await checkpoint(session, dev)
    assert code == 0, out
    assert stat.S_IMODE(dev.dev_audit_key_file.stat().st_mode) == 0o600
    assert (dev.dev_audit_checkpoint_dir / "checkpoint-0000000001.json").is_file()
    assert (await verify(session, dev))[0] == 0
    assert cli.cmd_audit_checkpoint(argparse.Namespace(public_key=True), dev) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("-----BEGIN PUBLIC KEY-----")
    key = serialization.load_pem_private_key(dev.dev_audit_key_file.read_bytes(), password=None)
    assert printed.encode() == key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def test_production_refuses_to_checkpoint_without_a_configured_key_and_store(
    session: AsyncSession, tmp_path: Path
) -> None:
    """issue 9 item 13: production never signs with a key it made itself, and never writes
    checkpoints to a default place; verify-audit says the trail is not anchored."""
    prod = Settings(environment="production", data_dir=tmp_path / "data")
    code, out = await checkpoint(session, prod)
    assert code == 2
    assert out.startswith("refused: production needs CA_API_AUDIT_SIGNING_KEY_FILE")
    assert not prod.dev_audit_key_file.exists()
    assert cli.cmd_audit_checkpoint(argparse.Namespace(public_key=True), prod) == 2
    assert cli.cmd_audit_checkpoint(argparse.Namespace(public_key=False), prod) == 2
    assert not prod.dev_audit_key_file.exists()

    key_file = tmp_path / "key.pem"
    write_key(key_file)
    prod = prod.model_copy(update={"audit_signing_key_file": key_file})
    code, out = await checkpoint(session, prod)
    assert code == 2
    assert out.startswith("refused: production needs CA_API_AUDIT_CHECKPOINT_DIR")
    # Refused before the database is opened (this test's settings name no database).
    assert cli.cmd_audit_checkpoint(argparse.Namespace(public_key=False), prod) == 2

    code, out = await verify(session, prod)
    assert code == 1
    assert "CHECKPOINT CA_API_AUDIT_CHECKPOINT_DIR: not configured" in out

    store = tmp_path / "store"
    store.mkdir()
    prod = prod.model_copy(update={"audit_checkpoint_dir": store})
    code, out = await checkpoint(session, prod)
    assert code == 0, out
    assert (await verify(session, prod))[0] == 0
    assert base64.b64decode(
        json.loads((store / "checkpoint-0000000001.json").read_bytes())["signature"]
    )

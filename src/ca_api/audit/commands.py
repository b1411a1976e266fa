"""The bodies of ``ca-api verify-audit`` and ``ca-api audit-checkpoint``: a session in, lines
out, an exit code back (0 intact or written, 1 tampered or refused, 2 misconfigured)."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service
from ca_api.audit.keys import Signer, checkpoint_signer
from ca_api.auth.tokens import ConfigurationError
from ca_api.config import Settings
from ca_api.db import Database


def snapshot_session(db: Database) -> AsyncSession:
    """A session on one REPEATABLE READ, read-only snapshot: the chains verified and the heads
    checkpointed are the same ones, however many entries others write meanwhile."""
    engine = db.engine.execution_options(
        isolation_level="REPEATABLE READ", postgresql_readonly=True
    )
    return AsyncSession(bind=engine, expire_on_commit=False)


def _print_report(report: service.ChainReport, out: TextIO) -> None:
    for b in report.breaks:
        print(f"BROKEN {b.stream} #{b.stream_seq}: {b.problem}", file=out)
    for p in report.checkpoint_problems:
        print(f"CHECKPOINT {p.file}: {p.problem}", file=out)
    latest = report.latest_checkpoint
    if latest is not None:
        print(
            f"{report.checkpoints_checked} checkpoint(s) checked; the chains checked against "
            f"checkpoint {latest.sequence} of {latest.taken_at.isoformat()} "
            f"({len(latest.chains)} chains, {latest.entries} entries)",
            file=out,
        )
    elif report.intact:
        print("NOT ANCHORED: no audit checkpoint yet (run `ca-api audit-checkpoint`)", file=out)


async def verify_audit(session: AsyncSession, settings: Settings, out: TextIO) -> int:
    report = await service.verify_chain(session, settings=settings)
    _print_report(report, out)
    print(
        f"{report.entries_checked} audit entries checked: "
        f"{'intact' if report.intact else 'TAMPERED'}",
        file=out,
    )
    return 0 if report.intact else 1


def checkpoint_preflight(settings: Settings) -> Signer:
    """The signing key, once the key and the store are configured (``ConfigurationError`` if
    not): checked before the database is opened."""
    signer = checkpoint_signer(settings)
    if service.checkpoint_dir(settings) is None:
        raise ConfigurationError(
            "production needs CA_API_AUDIT_CHECKPOINT_DIR: an append-only directory the "
            "database's owners cannot write"
        )
    return signer


async def audit_checkpoint(session: AsyncSession, settings: Settings, out: TextIO) -> int:
    try:
        signer = checkpoint_preflight(settings)
        result = await service.take_checkpoint(session, settings, signer)
    except ConfigurationError as exc:
        print(f"refused: {exc}", file=out)
        return 2
    except FileExistsError as exc:
        print(f"refused: {exc.filename} was written meanwhile; run again", file=out)
        return 1
    checkpoint = result.checkpoint
    if checkpoint is None:
        _print_report(result.report, out)
        print(
            f"{result.report.entries_checked} audit entries checked: TAMPERED; "
            "no checkpoint written (a checkpoint would bless the change)",
            file=out,
        )
        return 1
    print(
        f"checkpoint {checkpoint.sequence} written to {result.path}: "
        f"{len(checkpoint.chains)} chains, {checkpoint.entries} entries, "
        f"digest {checkpoint.digest}",
        file=out,
    )
    return 0

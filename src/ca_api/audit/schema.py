"""GraphQL for the audit trail: the auditor's query by client, entity, officer, date (R-AUD-3)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ca_api.audit import repository, service
from ca_api.audit.models import AuditEntry as AuditRow
from ca_api.auth.permissions import AUDIT_READ, allow
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.context import Context


@strawberry.type(description="One audited change: who, what, when, why (R-AUD-1).")
class AuditEntry:
    id: strawberry.ID
    sequence: int = strawberry.field(description="Position in its chain (per client, or system).")
    occurred_at: datetime
    principal: str
    principal_roles: str
    entity_type: str
    entity_id: str
    action: str
    before: JSON | None
    after: JSON | None
    reason: str | None
    request_id: str
    client_id: strawberry.ID | None
    hash: str = strawberry.field(description="SHA-256 over this entry and the previous hash, hex.")

    @staticmethod
    def from_row(row: AuditRow) -> AuditEntry:
        return AuditEntry(
            id=strawberry.ID(encode_id("AuditEntry", row.id)),
            sequence=row.stream_seq,
            occurred_at=row.occurred_at,
            principal=row.principal,
            principal_roles=row.principal_roles,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            action=row.action,
            before=cast(JSON, row.before),
            after=cast(JSON, row.after),
            reason=row.reason,
            request_id=row.request_id,
            client_id=strawberry.ID(encode_id("Client", row.client_id)) if row.client_id else None,
            hash=row.hash.hex(),
        )


@strawberry.input
class AuditLogFilter:
    client_id: strawberry.ID | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    principal: str | None = strawberry.field(default=None, description="An officer's subject.")
    occurred_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    occurred_to: datetime | None = strawberry.field(default=None, description="Exclusive.")


@strawberry.type
class AuditChainBreak:
    stream: str
    sequence: int | None
    problem: str


@strawberry.type(
    description="A signed checkpoint of every audit chain's head, kept outside the database."
)
class AuditCheckpoint:
    sequence: int = strawberry.field(description="Its number: checkpoints are a chain, from 1.")
    taken_at: datetime
    chains: int = strawberry.field(description="How many chains it names.")
    entries: int = strawberry.field(description="The entries of those chains it covers.")
    digest: str = strawberry.field(
        description="SHA-256 of its signed content, hex: the next checkpoint names it."
    )


@strawberry.type(description="A checkpoint file, or its configuration, that does not check out.")
class AuditCheckpointProblem:
    file: str = strawberry.field(description="The checkpoint file, or the setting, at fault.")
    problem: str


@strawberry.type(
    description=(
        "The result of recomputing every hash of the audit trail and checking it against the "
        "latest signed checkpoint: an entry changed or removed, or a chain rewound or "
        "recomputed since that checkpoint, is a break."
    )
)
class AuditChainReport:
    intact: bool = strawberry.field(description="No break and no checkpoint problem.")
    entries_checked: int
    breaks: list[AuditChainBreak]
    anchored: bool = strawberry.field(
        description="The chains were checked against a signed checkpoint (none taken yet: false)."
    )
    checkpoints_checked: int
    latest_checkpoint: AuditCheckpoint | None = strawberry.field(
        description="The latest checkpoint whose signature verifies: the one checked against."
    )
    checkpoint_problems: list[AuditCheckpointProblem]


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=allow(AUDIT_READ),
        description="The audit trail, oldest first, by client, entity, officer and date.",
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        f = filter or AuditLogFilter()
        flt = repository.AuditFilter(
            client_id=decode_uuid("Client", f.client_id) if f.client_id else None,
            entity_type=f.entity_type,
            entity_id=f.entity_id,
            principal=f.principal,
            occurred_from=f.occurred_from,
            occurred_to=f.occurred_to,
        )
        after_id = page.after_one(int)
        rows = await service.list_entries(ctx.session, flt, after_id=after_id, limit=page.first + 1)
        return connection_from_rows(rows, page, key=lambda r: [r.id], node=AuditEntry.from_row)

    @strawberry.field(
        extensions=allow(AUDIT_READ),
        description=(
            "Recompute the audit trail's hash chains and check them against the latest signed "
            "checkpoint; any edited or removed entry, or rewound chain, shows."
        ),
    )
    async def verify_audit_chain(self, info: Info[Context, None]) -> AuditChainReport:
        ctx = info.context
        report = await service.verify_chain(ctx.session, settings=ctx.settings)
        latest = report.latest_checkpoint
        return AuditChainReport(
            intact=report.intact,
            entries_checked=report.entries_checked,
            breaks=[
                AuditChainBreak(stream=b.stream, sequence=b.stream_seq, problem=b.problem)
                for b in report.breaks
            ],
            anchored=report.anchored,
            checkpoints_checked=report.checkpoints_checked,
            latest_checkpoint=AuditCheckpoint(
                sequence=latest.sequence,
                taken_at=latest.taken_at,
                chains=len(latest.chains),
                entries=latest.entries,
                digest=latest.digest,
            )
            if latest is not None
            else None,
            checkpoint_problems=[
                AuditCheckpointProblem(file=p.file, problem=p.problem)
                for p in report.checkpoint_problems
            ],
        )

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


@strawberry.type(description="The result of recomputing every hash of the audit trail.")
class AuditChainReport:
    intact: bool
    entries_checked: int
    breaks: list[AuditChainBreak]


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
        description="Recompute the audit trail's hash chains; any edited or removed entry shows.",
    )
    async def verify_audit_chain(self, info: Info[Context, None]) -> AuditChainReport:
        report = await service.verify_chain(info.context.session)
        return AuditChainReport(
            intact=report.intact,
            entries_checked=report.entries_checked,
            breaks=[
                AuditChainBreak(stream=b.stream, sequence=b.stream_seq, problem=b.problem)
                for b in report.breaks
            ],
        )

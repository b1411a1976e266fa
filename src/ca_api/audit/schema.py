"""GraphQL for the audit trail: the auditor's query by client, entity, officer, date (R-AUD-3)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ca_api.audit import repository, service
from ca_api.audit.models import AuditEntry as AuditRow
from ca_api.auth.permissions import AUDIT_READ, allow
from ca_api.auth.principal import parse_roles
from ca_api.auth.schema import Role
from ca_api.common.ids import decode_uuid
from ca_api.common.node import Node, NodeType, by_role
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.types import from_source
from ca_api.context import Context

if TYPE_CHECKING:
    from ca_api.clients.schema import Client

# The client an entry is about: named lazily, as clients (through its service) records audit.
LazyClient = Annotated["Client", strawberry.lazy("ca_api.clients.schema")]


def roles_recorded(label: str) -> list[Role]:
    """The roles an entry records (``Principal.role_label``: role ids, comma-separated), sorted
    by role id as recorded. A part that is not a role is left out, as a token's unknown role is:
    the only one ever written is migration 0010's ``system``, whose principal names it."""
    return sorted(parse_roles(label.split(",")), key=lambda r: r.value)


@strawberry.type(description="One audited change: who, what, when, why (R-AUD-1).")
class AuditEntry(Node):
    id: strawberry.ID = strawberry.field(
        description="The entry's opaque global id (it orders the whole trail): node(id:) "
        "fetches the entry again, for whoever may read the audit log."
    )
    sequence: int = strawberry.field(description="Position in its chain (per client, or system).")
    occurred_at: datetime = strawberry.field(description="When the change was made.")
    principal: str = strawberry.field(description="Who made it: the officer's or system's subject.")
    principal_roles: list[Role] = strawberry.field(
        description="The roles they acted in, as their token said, sorted by role id; empty "
        "for a change the service made itself (a migration: principal names it)."
    )
    entity_type: str = strawberry.field(
        description="What kind of record changed: client, deputyship, payment, decision... "
        "Open-ended text, not an enum: every module adds its own kinds, and an entry keeps "
        "the word it was written with for ever (R-AUD-2)."
    )
    entity_id: str = strawberry.field(description="The changed record's own id, as stored.")
    action: str = strawberry.field(
        description="What was done: create, amend, approve... Open-ended text, not an enum, "
        "for the same reason as entityType."
    )
    before: JSON | None = strawberry.field(
        description="The changed values before, by name; null when the record is new."
    )
    after: JSON | None = strawberry.field(description="The values after, by name.")
    reason: str | None = strawberry.field(
        description="Why, as the officer gave it (R-AUD-2); null where none is asked."
    )
    request_id: str = strawberry.field(
        description="The request that made the change: entries of one request share it."
    )
    client_id: strawberry.ID | None = strawberry.field(
        description="The client the change was about; null for none (policy, the register...)."
    )
    hash: str = strawberry.field(description="SHA-256 over this entry and the previous hash, hex.")

    row: strawberry.Private[AuditRow]

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEntry:
        return from_source(
            cls,
            row,
            row=row,
            sequence=row.stream_seq,
            hash=row.hash.hex(),
            principal_roles=roles_recorded(row.principal_roles),
        )

    @strawberry.field(description="The client the change was about (clientId); null for none.")
    async def client(self, info: Info[Context, None]) -> LazyClient | None:
        from ca_api.clients.schema import load_client

        if self.row.client_id is None:
            return None
        return await load_client(info.context, self.row.client_id)


@strawberry.input(description="Which audit entries to list; every condition given must hold.")
class AuditLogFilter:
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only entries about this client (R-AUD-3)."
    )
    entity_type: str | None = strawberry.field(
        default=None, description="Only changes to this kind of record (AuditEntry.entityType)."
    )
    entity_id: str | None = strawberry.field(
        default=None, description="Only changes to this record (AuditEntry.entityId)."
    )
    principal: str | None = strawberry.field(default=None, description="An officer's subject.")
    occurred_from: datetime | None = strawberry.field(default=None, description="Inclusive.")
    occurred_to: datetime | None = strawberry.field(default=None, description="Exclusive.")

    def to_filter(self) -> repository.AuditFilter:
        given = vars(self) | {
            "client_id": decode_uuid("Client", self.client_id) if self.client_id else None
        }
        return repository.AuditFilter(**given)


@strawberry.type(description="A place where an audit chain does not check out.")
class AuditChainBreak:
    stream: str = strawberry.field(description="The chain: a client's, or the system's.")
    sequence: int | None = strawberry.field(
        description="The entry at fault; null when the fault is the chain's, not an entry's."
    )
    problem: str = strawberry.field(description="What is wrong, in words.")


@strawberry.type(
    description="A signed checkpoint of every audit chain's head, kept outside the database."
)
class AuditCheckpoint:
    sequence: int = strawberry.field(description="Its number: checkpoints are a chain, from 1.")
    taken_at: datetime = strawberry.field(description="When the checkpoint was taken.")
    chains: int = strawberry.field(description="How many chains it names.")
    entries: int = strawberry.field(description="The entries of those chains it covers.")
    digest: str = strawberry.field(
        description="SHA-256 of its signed content, hex: the next checkpoint names it."
    )


@strawberry.type(description="A checkpoint file, or its configuration, that does not check out.")
class AuditCheckpointProblem:
    file: str = strawberry.field(description="The checkpoint file, or the setting, at fault.")
    problem: str = strawberry.field(description="What is wrong, in words.")


@strawberry.type(
    description=(
        "The result of recomputing every hash of the audit trail and checking it against the "
        "latest signed checkpoint: an entry changed or removed, or a chain rewound or "
        "recomputed since that checkpoint, is a break."
    )
)
class AuditChainReport:
    intact: bool = strawberry.field(description="No break and no checkpoint problem.")
    entries_checked: int = strawberry.field(description="How many entries were recomputed.")
    breaks: list[AuditChainBreak] = strawberry.field(
        description="Every entry or chain that does not check out; empty when intact."
    )
    anchored: bool = strawberry.field(
        description="The chains were checked against a signed checkpoint (none taken yet: false)."
    )
    checkpoints_checked: int = strawberry.field(
        description="How many checkpoint files were read and their signatures checked."
    )
    latest_checkpoint: AuditCheckpoint | None = strawberry.field(
        description="The latest checkpoint whose signature verifies: the one checked against."
    )
    checkpoint_problems: list[AuditCheckpointProblem] = strawberry.field(
        description="Checkpoint files, or settings, that do not check out; empty when none."
    )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=[
            Paged(
                50,
                first="How many to return: at most the largest page size; 50 if omitted.",
                after="The endCursor of the page before; omitted: from the start.",
            ),
            *allow(AUDIT_READ),
        ],
        description="The audit trail, oldest first, by client, entity, officer and date.",
    )
    async def audit_log(
        self,
        info: Info[Context, None],
        page: Page,
        filter: Annotated[
            AuditLogFilter | None, strawberry.argument(description="Omitted: every entry.")
        ] = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        f = filter or AuditLogFilter()
        return await page.connection(
            cursor=lambda req: req.one(int),
            fetch=lambda seek: service.list_entries(  # the filter checked after the page
                ctx.session, f.to_filter(), seek=seek
            ),
            key=lambda r: [r.id],
            node=AuditEntry.from_row,
        )

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
        return from_source(
            AuditChainReport,
            report,
            breaks=[from_source(AuditChainBreak, b, sequence=b.stream_seq) for b in report.breaks],
            latest_checkpoint=from_source(AuditCheckpoint, latest, chains=len(latest.chains))
            if latest is not None
            else None,
            checkpoint_problems=[
                from_source(AuditCheckpointProblem, p) for p in report.checkpoint_problems
            ],
        )


def _entry_number(raw: str) -> int:
    """An audit entry's key: its number in the trail (ValueError for anything else)."""
    if not re.fullmatch(r"[0-9]{1,18}", raw):
        raise ValueError(raw)
    return int(raw)


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = (
    NodeType(
        "AuditEntry",
        AUDIT_READ,
        by_role(service.entries_by_id, AuditEntry.from_row),
        key=_entry_number,
    ),
)

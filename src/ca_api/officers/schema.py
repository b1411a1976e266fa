"""GraphQL for the caller and the officer directory."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import EVERYONE, OFFICER_DIRECTORY_READ, allow
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, paginate
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.officers import repository


@strawberry.type(description="The caller, as their token says.")
class Me:
    subject: str
    name: str | None
    roles: list[str]
    kind: str = strawberry.field(description="officer (a person) or system (an integration).")


@strawberry.type
class Officer:
    subject: str
    display_name: str
    role: str
    email: str | None


@strawberry.type
class OfficerQuery:
    @strawberry.field(extensions=allow(EVERYONE), description="Who the token says you are.")
    def me(self, info: Info[Context, None]) -> Me:
        p = info.context.principal
        return Me(
            subject=p.subject,
            name=p.name,
            roles=sorted(r.value for r in p.roles),
            kind=p.kind.value,
        )

    @strawberry.field(extensions=allow(OFFICER_DIRECTORY_READ))
    async def officers(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[Officer]:
        ctx = info.context
        return await paginate(
            first,
            after,
            default=50,
            maximum=ctx.settings.max_page_size,
            cursor=lambda page: page.after_one(str),
            fetch=lambda key, limit: repository.list_officers(
                ctx.session, after_subject=key, limit=limit
            ),
            key=lambda o: [o.subject],
            node=lambda o: from_source(Officer, o),
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()

"""GraphQL for the caller and the officer directory."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import EVERYONE, OFFICER_DIRECTORY_READ, allow
from ca_api.auth.schema import PrincipalKind, Role
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.officers import service


@strawberry.type(description="The caller, as their token says.")
class Me:
    subject: str = strawberry.field(
        description="Who you are to the service: the subject the audit trail records you as."
    )
    name: str | None = strawberry.field(description="Your name, if the token gives one.")
    roles: list[Role] = strawberry.field(
        description="The roles you act in (R-ROLE), sorted by role id: what you may do follows "
        "from them."
    )
    kind: PrincipalKind = strawberry.field(
        description="OFFICER (a person) or SYSTEM (an integration)."
    )


@strawberry.type(description="A member of the Client Affairs team, or another user, as known.")
class Officer:
    subject: str = strawberry.field(
        description="Their subject: how tokens and the audit trail name them."
    )
    display_name: str = strawberry.field(description="Their name, for people to read.")
    role: Role = strawberry.field(description="Their role in the team (R-ROLE).")
    email: str | None = strawberry.field(description="Their email address; null if not known.")


@strawberry.type
class OfficerQuery:
    @strawberry.field(extensions=allow(EVERYONE), description="Who the token says you are.")
    def me(self, info: Info[Context, None]) -> Me:
        p = info.context.principal
        return Me(
            subject=p.subject,
            name=p.name,
            roles=sorted(p.roles, key=lambda r: r.value),
            kind=p.kind,
        )

    @strawberry.field(
        extensions=[
            Paged(
                50,
                first="How many to return: at most the largest page size; 50 if omitted.",
                after="The endCursor of the page before; omitted: from the start.",
            ),
            *allow(OFFICER_DIRECTORY_READ),
        ],
        description="The officer directory, by subject, a page at a time.",
    )
    async def officers(
        self,
        info: Info[Context, None],
        page: Page,
    ) -> Connection[Officer]:
        ctx = info.context
        return await page.connection(
            cursor=lambda req: req.one(str),
            fetch=lambda seek: service.list_officers(ctx.session, seek=seek),
            key=lambda o: [o.subject],
            node=lambda o: from_source(Officer, o),
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()

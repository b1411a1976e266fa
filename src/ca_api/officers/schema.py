"""GraphQL for the caller and the officer directory."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import EVERYONE, OFFICER_DIRECTORY_READ, allow
from ca_api.common.pagination import Connection, connection_from_rows, page_request
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
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        after_subject = page.after_one(str)
        rows = await repository.list_officers(
            ctx.session, after_subject=after_subject, limit=page.first + 1
        )
        return connection_from_rows(
            rows,
            page,
            key=lambda o: [o.subject],
            node=lambda o: Officer(
                subject=o.subject, display_name=o.display_name, role=o.role, email=o.email
            ),
        )

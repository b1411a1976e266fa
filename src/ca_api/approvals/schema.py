"""GraphQL for the approval queue: thin. Parse, call the service, map the result."""

from __future__ import annotations

import strawberry


@strawberry.type
class ApprovalQuery:
    pass

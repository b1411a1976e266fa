"""GraphQL for planning: thin. Parse, call the service, map the result."""

from __future__ import annotations

import strawberry


@strawberry.type
class PlanningQuery:
    pass


@strawberry.type
class PlanningMutation:
    pass

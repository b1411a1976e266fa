"""GraphQL for decisions: thin. Parse, call the service, map the result."""

from __future__ import annotations

import strawberry


@strawberry.type
class DecisionQuery:
    pass


@strawberry.type
class DecisionMutation:
    pass

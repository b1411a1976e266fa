"""GraphQL for placements: thin. Parse, call the service, map the result."""

from __future__ import annotations

import strawberry


@strawberry.type
class PlacementQuery:
    pass


@strawberry.type
class PlacementMutation:
    pass

"""GraphQL for lodgements: thin. Parse, call the service, map the result."""

from __future__ import annotations

import strawberry


@strawberry.type
class LodgementQuery:
    pass


@strawberry.type
class LodgementMutation:
    pass

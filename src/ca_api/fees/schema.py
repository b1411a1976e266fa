"""GraphQL for fees: thin. Parse, call the service, map the result."""

from __future__ import annotations

import strawberry


@strawberry.type
class FeeQuery:
    pass


@strawberry.type
class FeeMutation:
    pass

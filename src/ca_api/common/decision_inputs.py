"""The R-DEC-1 fields of an input that raises a decision (a lodgement, a placement, an
investment statement): who was consulted, whether the client took part, and why not. Each is
described once, in the words most inputs use; an input whose wording differs says so in its own
``description`` (``consulted: str = consulted_field("Who was consulted (R-DEC-1).")``), so the
schema reads as before."""

from __future__ import annotations

import strawberry

CONSULTED_TEXT = "Who was consulted, the client where possible (R-DEC-1)."
CLIENT_INVOLVED_TEXT = "Whether the client took part in the decision (R-DEC-1)."
WHY_CLIENT_NOT_INVOLVED_TEXT = "Why not, when the client did not take part."


def consulted_field(description: str = CONSULTED_TEXT) -> str:
    """``consulted: str = consulted_field()``: who was consulted (R-DEC-1), required."""
    consulted: str = strawberry.field(description=description)
    return consulted


def client_involved_field(description: str = CLIENT_INVOLVED_TEXT) -> bool:
    """``client_involved: bool = client_involved_field()``: whether the client took part
    (R-DEC-1), required."""
    involved: bool = strawberry.field(description=description)
    return involved


def why_client_not_involved_field(description: str = WHY_CLIENT_NOT_INVOLVED_TEXT) -> str | None:
    """``why_client_not_involved: str | None = why_client_not_involved_field()``: why the client
    did not take part (R-DEC-1), null by default; decisions.rules requires it when they did not."""
    why: str | None = strawberry.field(default=None, description=description)
    return why

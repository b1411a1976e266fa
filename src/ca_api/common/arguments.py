"""The arguments many root fields share, described once (issue 11 item 4)."""

from __future__ import annotations

from typing import Annotated

import strawberry

# The four arguments of a page of a list, which ``common.pagination.Paged`` adds to each list.
FIRST_TEXT = (
    "How many to return: at most the largest page size (CA_API_MAX_PAGE_SIZE); left out, the "
    "list's default page."
)
AFTER_TEXT = (
    "The endCursor of the page before (the cursor of the last one already read); left out, from "
    "the start."
)
LAST_TEXT = (
    "How many to return going backward, the entries just before `before` (or the list's last "
    "ones), still in list order: at most the largest page size (CA_API_MAX_PAGE_SIZE); left out "
    "with before, the list's default page. Not with first."
)
BEFORE_TEXT = (
    "The startCursor of the page after (the cursor of the first one already read), to go back "
    "from; left out with last, from the end. Not with after."
)
IDEMPOTENCY_KEY_TEXT = (
    "8 to 200 characters the caller makes up for this one intended action (a UUID is ideal), "
    "scoped to the caller: sent again with the same input, nothing is done again and the first "
    "answer comes back (replayed: true); sent with different input, IdempotencyKeyReusedProblem."
)
IDEMPOTENCY_KEY = Annotated[str, strawberry.argument(description=IDEMPOTENCY_KEY_TEXT)]


def idempotency_key_field() -> str:
    """The ``idempotencyKey`` field of a mutation's input (issue 11 item 4: one ``input:``
    argument per mutation), described once: ``idempotency_key: str = idempotency_key_field()``."""
    key: str = strawberry.field(description=IDEMPOTENCY_KEY_TEXT)
    return key


REPLAYED_TEXT = "A repeat of an idempotency key: nothing new."


def replayed_field(description: str = REPLAYED_TEXT, *, default: bool | None = None) -> bool:
    """The ``replayed`` field of a mutation's payload, the answer to its ``idempotencyKey``
    (``replayed: bool = replayed_field()``), described once; a payload whose key is more than the
    idempotency key (a period run once) says so in its own ``description``."""
    if default is None:
        replayed: bool = strawberry.field(description=description)
    else:
        replayed = strawberry.field(default=default, description=description)
    return replayed


# A list's filter by client, described once: ``client_id: ONLY_THIS_CLIENT = None``.
ONLY_THIS_CLIENT = Annotated[
    strawberry.ID | None, strawberry.argument(description="Only this client's.")
]

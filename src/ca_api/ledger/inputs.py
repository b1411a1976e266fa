"""The ledger's GraphQL inputs, described in the council's words (issue 11 item 4): what a
caller sends to record a counterparty, reverse or reclassify a transfer, or filter a statement.
The types are in ``types.py``, the queries and mutations in ``schema.py``."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.ledger.vocabulary import Category, CounterpartyKind


@strawberry.input(description="A counterparty to record.")
class CreateCounterpartyInput:
    kind: CounterpartyKind = strawberry.field(description="Who the counterparty is.")
    name: str = strawberry.field(description="Its name, unique for its kind.")
    reference: str | None = strawberry.field(
        default=None, description="The client's reference with it, if any."
    )
    is_council_employee: bool = strawberry.field(
        default=False,
        description="A council employee: never the recipient of a gift (R-ROLE-3).",
    )


@strawberry.input(
    description="A mistaken transfer to correct with one that moves the money back (R-AUD-2)."
)
class ReverseTransferInput:
    transfer_id: strawberry.ID = strawberry.field(description="The mistaken transfer.")
    reason: str = strawberry.field(description="Why it is reversed (R-AUD-1, R-AUD-2).")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A ledger entry to report under another OPG category from now on, why, and "
    "the key (R-OPG-1): the entry itself is never changed (R-AUD-2)."
)
class ReclassifyLedgerEntryInput:
    transfer_id: strawberry.ID = strawberry.field(
        description="The entry (a transfer that moved money; not a hold, not a reversal)."
    )
    category: Category = strawberry.field(
        description="The category it is reported under: of the same direction (money in stays "
        "money in, out stays out); never TRANSFER_BETWEEN_OWN_ACCOUNTS, OUT_GIFTS, "
        "OUT_DEPUTY_FEES, OUT_INVESTMENT_PURCHASES or OUT_OPG_FEES (each has its own door)."
    )
    reason: str = strawberry.field(description="Why the category was wrong (R-AUD-1).")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="Which lines of an account's statement: all when left out.")
class StatementFilter:
    value_from: date | None = strawberry.field(
        default=None, description="Only transfers with this value date or later."
    )
    value_to: date | None = strawberry.field(
        default=None, description="Only transfers with this value date or earlier (inclusive)."
    )
    categories: list[Category] | None = strawberry.field(
        default=None, description="Only transfers of these OPG categories (R-OPG-1)."
    )

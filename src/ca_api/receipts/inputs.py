"""The receipts' GraphQL enum and inputs, described in the council's words (issue 11 item 4):
what a caller sends to record money in, a benefits run or an interest run. The types and
resolvers are in ``schema.py``."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.fast_input import fast_input
from ca_api.common.ids import decode_uuid
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum, own_fields
from ca_api.ledger.types import Category
from ca_api.ledger.vocabulary import Benefit
from ca_api.receipts import rules

ReceiptMethod = rules.ReceiptMethod
graphql_enum(
    ReceiptMethod,
    "How money came in: cash and cheques are recorded on receipt and banked the same day "
    "(R-ACC-4).",
    {
        ReceiptMethod.BANK_TRANSFER: "Paid straight into the CMS account (benefits, "
        "pensions, most payers): received and banked on its value date.",
        ReceiptMethod.CASH: "Cash handed in: a numbered receipt, then banked (R-ACC-4).",
        ReceiptMethod.CHEQUE: "A cheque: a numbered receipt, then banked (R-ACC-4).",
    },
)


# The ids a receipt and a benefit run's line carry, and the types they are ids of.
_IDS = {"client_id": "Client", "payer_id": "Counterparty"}


@strawberry.input(description="Money received for a client (R-ACC-4, R-ACC-6).")
class ReceiptInput:
    client_id: strawberry.ID = strawberry.field(description="The client the money is for.")
    payer_id: strawberry.ID = strawberry.field(description="The counterparty that paid.")
    amount: Money = strawberry.field(description="The money received: more than zero.")
    value_date: date = strawberry.field(
        description="The day the money was in the CMS account: for cash and cheques, the day "
        "they were banked. Not in the future."
    )
    method: ReceiptMethod = strawberry.field(description="How the money came in.")
    category: Category | None = strawberry.field(
        default=None,
        description="The OPG money-in category; for a benefit, leave out (it follows from it).",
    )
    benefit: Benefit | None = strawberry.field(
        default=None, description="Benefits and state pension: which one (R-ACC-6)."
    )
    period_start: date | None = strawberry.field(
        default=None,
        description="A benefit or pension: the first day of the period it pays for (R-ACC-6).",
    )
    period_end: date | None = strawberry.field(
        default=None, description="The last day of the period it pays for (inclusive)."
    )
    received_on: date | None = strawberry.field(
        default=None,
        description="Cash and cheques: the day it came in (R-ACC-4). Bank transfers: leave out.",
    )
    receipt_number: str | None = strawberry.field(
        default=None, description="Cash and cheques: the receipt's number, unique (R-ACC-4)."
    )
    reference: str | None = strawberry.field(
        default=None, description="The payer's or the bank's reference, if any."
    )
    description: str | None = strawberry.field(
        default=None,
        description="What the money is; left out, it is said from the benefit or category.",
    )

    def to_draft(self) -> rules.ReceiptDraft:
        """The receipt as the rules take it: this input's fields, its ids decoded."""
        return rules.ReceiptDraft(**own_fields(self, ReceiptInput, ids=_IDS))


@fast_input  # sent by the thousand: built without strawberry's per-field conversion
@strawberry.input(description="One benefit paid to one client in a benefits run (R-ACC-6).")
class BenefitRunLineInput:
    client_id: strawberry.ID = strawberry.field(description="The client paid.")
    payer_id: strawberry.ID = strawberry.field(
        description="The counterparty that paid (the DWP, for most benefits)."
    )
    benefit: Benefit = strawberry.field(description="Which benefit (R-ACC-6).")
    amount: Money = strawberry.field(description="The money paid: more than zero.")
    period_start: date = strawberry.field(description="The first day of the period it pays for.")
    period_end: date = strawberry.field(
        description="The last day of the period it pays for (inclusive)."
    )


@strawberry.input(
    description=f"The four-weekly benefits run, at most {rules.MAX_RUN_LINES} lines a call "
    "(a bigger run is several calls, each with its own idempotency key)."
)
class BenefitRunInput:
    lines: list[BenefitRunLineInput] = strawberry.field(
        description="One line per benefit paid to a client."
    )
    value_date: date = strawberry.field(description="The day the money was in the CMS account.")

    def run_lines(self) -> list[rules.RunLine]:
        """The lines as the rules take them, their ids decoded (BAD_ID if one is not an id of
        its type): each distinct id once, as a run names its payer on every line and each
        client on each of their benefits' lines."""
        decoded: dict[tuple[str, str], uuid.UUID] = {}

        def id_of(type_name: str, given: str) -> uuid.UUID:
            found = decoded.get((type_name, given))
            if found is None:
                found = decoded[(type_name, given)] = decode_uuid(type_name, given)
            return found

        return [
            rules.RunLine(
                client_id=id_of(_IDS["client_id"], ln.client_id),
                payer_id=id_of(_IDS["payer_id"], ln.payer_id),
                benefit=ln.benefit,
                amount=ln.amount,
                period_start=ln.period_start,
                period_end=ln.period_end,
            )
            for ln in self.lines
        ]


@strawberry.input(
    description="Money received for a client (R-ACC-4, R-ACC-6), and the request's idempotency key."
)
class RecordReceiptInput(ReceiptInput):
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description=f"The four-weekly benefits run, at most {rules.MAX_RUN_LINES} lines a call "
    "(a bigger run is several calls, each with its own idempotency key), and the request's "
    "idempotency key."
)
class RecordBenefitRunInput(BenefitRunInput):
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The period to credit CMS interest for (R-ACC-1): the period is the run's key."
)
class PostInterestInput:
    period_start: date = strawberry.field(description="The first day of the period.")
    period_end: date = strawberry.field(description="The last day of the period (inclusive).")

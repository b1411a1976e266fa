"""The client module's GraphQL enums and inputs, described in the council's words (issue 11
item 4); the types and resolvers are in ``schema.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from ca_api.clients import rules
from ca_api.common.arguments import idempotency_key_field
from ca_api.common.types import describe_enum, own_fields
from ca_api.errors import ValidationFailed

Situation = rules.Situation
ClientStatus = rules.ClientStatus
LegalRole = rules.LegalRole
DuplicateMatch = rules.DuplicateMatch

strawberry.enum(Situation, description="Where the client lives (R-REP-1).")
describe_enum(
    Situation,
    {
        Situation.COMMUNITY: "In their own home in the community.",
        Situation.RESIDENTIAL_CARE: "In a residential or nursing care home.",
        Situation.DECEASED_WINDING_UP: "Has died; the council is winding up their affairs "
        "(R-DEATH).",
    },
)
strawberry.enum(ClientStatus, description="Where the client stands with Client Affairs.")
describe_enum(
    ClientStatus,
    {
        ClientStatus.REFERRED: "Referred by a social worker, not yet taken on (R-REF-3).",
        ClientStatus.ACTIVE: "Taken on: the council manages their money.",
        ClientStatus.CLOSED: "No longer managed: the record is kept (R-AUD-3).",
    },
)
strawberry.enum(LegalRole, description="What the council is for the client today (R-REF-6).")
describe_enum(
    LegalRole,
    {
        LegalRole.NONE: "Neither appointee nor deputy: no order in force today.",
        LegalRole.APPOINTEE: "The DWP's appointee only: state benefits and pension only.",
        LegalRole.DEPUTY: "Court of Protection deputy only, with the powers its order grants "
        "(R-ORD-1).",
        LegalRole.BOTH: "Both appointee and deputy: a deputyship does not end the appointeeship.",
    },
)
strawberry.enum(
    DuplicateMatch,
    description="Why a new client is likely one already known: the same NI number (one "
    "person's), or the same name (ignoring case and spacing) and date of birth.",
)
describe_enum(
    DuplicateMatch,
    {
        DuplicateMatch.NI_NUMBER: "The same National Insurance number: always one person.",
        DuplicateMatch.NAME_AND_DATE_OF_BIRTH: "The same name (ignoring case and spacing) and "
        "date of birth: perhaps another person (notDuplicateOf).",
    },
)

GIVEN_NAME = "The client's given (first) name."
FAMILY_NAME = "The client's family name (surname)."
DATE_OF_BIRTH = "The client's date of birth."
SITUATION = "Where the client lives."
NI_NUMBER = "The client's National Insurance number (spaces and case ignored)."
ADDRESS = "The client's postal address."


@strawberry.input(description="A postal address; every line is optional.")
class AddressInput:
    line1: str | None = strawberry.field(default=None, description="The first line.")
    line2: str | None = strawberry.field(default=None, description="The second line.")
    town: str | None = strawberry.field(default=None, description="The post town.")
    postcode: str | None = strawberry.field(
        default=None, description="A UK postcode (spaces and case ignored)."
    )

    def to_fields(self) -> dict[str, Any]:
        """The client's address fields, as the details name them."""
        return {
            "address_line1": self.line1,
            "address_line2": self.line2,
            "town": self.town,
            "postcode": self.postcode,
        }


@strawberry.input(description="A client to take on or refer, as their records name them.")
class ClientInput:
    given_name: str = strawberry.field(description=GIVEN_NAME)
    family_name: str = strawberry.field(description=FAMILY_NAME)
    date_of_birth: date = strawberry.field(description=DATE_OF_BIRTH)
    situation: Situation = strawberry.field(description=SITUATION)
    ni_number: str | None = strawberry.field(
        default=None, description=NI_NUMBER + " Omitted: not known."
    )
    address: AddressInput | None = strawberry.field(
        default=None, description=ADDRESS + " Omitted: not known."
    )

    def to_details(self) -> rules.ClientDetails:
        # ClientInput's own fields only: a mutation's input adds its own (notDuplicateOf, ...)
        given = own_fields(self, ClientInput, leave={"address"})
        return rules.ClientDetails(**given, **(self.address or AddressInput()).to_fields())


@strawberry.input(description="Only the fields given change; null clears an optional field.")
class ClientAmendment:
    given_name: str | None = strawberry.field(default=strawberry.UNSET, description=GIVEN_NAME)
    family_name: str | None = strawberry.field(default=strawberry.UNSET, description=FAMILY_NAME)
    date_of_birth: date | None = strawberry.field(
        default=strawberry.UNSET, description=DATE_OF_BIRTH
    )
    situation: Situation | None = strawberry.field(default=strawberry.UNSET, description=SITUATION)
    status: ClientStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Take a referral on, or close the client."
    )
    ni_number: str | None = strawberry.field(
        default=strawberry.UNSET, description=NI_NUMBER + " Null clears it."
    )
    address: AddressInput | None = strawberry.field(
        default=strawberry.UNSET, description=ADDRESS + " Replaced whole; null clears it."
    )

    def to_changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        required = {"given_name", "family_name", "date_of_birth", "situation", "status"}
        missing: dict[str, str] = {}
        for name in (*sorted(required), "ni_number"):
            value = getattr(self, name)
            if value is strawberry.UNSET:
                continue
            if value is None and name in required:
                missing[name] = "cannot be cleared"
            changes[name] = value
        if self.address is not strawberry.UNSET:
            changes |= (self.address or AddressInput()).to_fields()
        if missing:
            raise ValidationFailed(missing)
        return changes


NOT_DUPLICATE_OF = (
    "Clients the caller has checked and found to be other people with the same name and date "
    "of birth (see DuplicateClientProblem). No effect on an NI number match."
)
CLIENT_ID = "The client's global id."


@strawberry.input(
    description="A client to take on, the clients already checked as other people, and the "
    "request's idempotency key."
)
class CreateClientInput(ClientInput):
    not_duplicate_of: list[strawberry.ID] | None = strawberry.field(
        default=None, description=NOT_DUPLICATE_OF
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A client a social worker refers (R-REF-3), the clients already checked as "
    "other people, and the request's idempotency key."
)
class ReferClientInput(ClientInput):
    not_duplicate_of: list[strawberry.ID] | None = strawberry.field(
        default=None, description=NOT_DUPLICATE_OF
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A new version of a client's details, and why (R-AUD-2).")
class AmendClientInput:
    id: strawberry.ID = strawberry.field(description=CLIENT_ID)
    amendment: ClientAmendment = strawberry.field(description="The details that change.")
    reason: str = strawberry.field(description="Why the record changes (R-AUD-2): required.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version the change was made against (the client's version as read): "
        "if the record has moved on since, VersionConflict. Omitted: no check.",
    )
    not_duplicate_of: list[strawberry.ID] | None = strawberry.field(
        default=None, description=NOT_DUPLICATE_OF
    )


@strawberry.input(description="Which clients to list; every condition given must hold.")
class ClientFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name or reference, ignoring case."
    )
    situation: Situation | None = strawberry.field(
        default=None, description="Only clients living there."
    )
    status: ClientStatus | None = strawberry.field(
        default=None, description="Only clients with this status."
    )
    legal_role: LegalRole | None = strawberry.field(
        default=None, description="Only clients for whom the council is this today (R-REF-6)."
    )

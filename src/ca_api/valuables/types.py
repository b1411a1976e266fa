"""GraphQL types and enums of valuables in the team's safe, without the queries
(``valuables/schema.py``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.files.types import StoredFile
from ca_api.valuables import rules
from ca_api.valuables.models import ValuableMovement as MovementRow
from ca_api.valuables.models import ValuableRecord as RecordRow
from ca_api.valuables.service import ValuableView

TYPE_NAME = "Valuable"

ValuableStatus = rules.ValuableStatus
graphql_enum(
    ValuableStatus,
    "Where a valuable is (seed 002 B 24): in the team's safe, out to come back, or returned.",
    {
        ValuableStatus.IN_SAFE: "In the team's safe.",
        ValuableStatus.CHECKED_OUT: "Taken out of the safe, to come back (checkInValuable).",
        ValuableStatus.RETURNED: "Handed back for good (to the client who recovered capacity, "
        "to the executor or next of kin): no longer held.",
    },
)
ValuableMovementKind = rules.MovementKind
graphql_enum(
    ValuableMovementKind,
    "A movement of a valuable in or out of the team's safe.",
    {
        ValuableMovementKind.CHECK_IN: "Into the safe (the first is its registration).",
        ValuableMovementKind.CHECK_OUT: "Out of the safe, to come back.",
        ValuableMovementKind.RETURN: "Out of the safe for good: handed back.",
    },
)


@strawberry.type(
    description="A valuable's details as recorded (seed 002 B 24.2, R-CARE-3). Never changed: "
    "a correction is a new record that supersedes it (R-AUD-2)."
)
class ValuableRecord:
    description: str = strawberry.field(description="What the item is.")
    monetary_value: Money = strawberry.field(
        description="Its monetary value (0.00: none, e.g. a will)."
    )
    location: str = strawberry.field(description="Where in the safe it is kept.")
    photo: StoredFile = strawberry.field(description="Its photograph (JPEG or PNG).")
    reason: str | None = strawberry.field(
        description="Why it corrects the record before it; null for the first."
    )
    corrects_previous: bool = strawberry.field(
        description="Whether it supersedes an earlier record (R-AUD-2)."
    )
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(description="A movement of a valuable in or out of the safe: who and why.")
class ValuableMovement:
    number: int = strawberry.field(description="Its place in the item's log, from 1.")
    kind: ValuableMovementKind = strawberry.field(description="In, out, or returned.")
    person: str = strawberry.field(
        description="Who handed it in, took it out, or had it back (as the officer recorded)."
    )
    reason: str = strawberry.field(description="Why.")
    recorded_by: str = strawberry.field(description="The officer who logged it.")
    recorded_at: datetime = strawberry.field(description="When it was logged.")

    @classmethod
    def of(cls, row: MovementRow) -> ValuableMovement:
        return cls(
            number=row.number,
            kind=ValuableMovementKind(row.kind),
            person=row.person,
            reason=row.reason,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="A client's valuable held in the team's safe (issue 14 item 4; R-CARE-3, seed "
    "002 B 24): its details as they stand, its photograph, where it is, and its log."
)
class Valuable:
    valuable_id: strawberry.ID = strawberry.field(
        description="The valuable's id (correctValuable, checkOutValuable, ...)."
    )
    client_id: strawberry.ID = strawberry.field(description="Whose it is.")
    description: str = strawberry.field(description="What the item is, as it stands.")
    monetary_value: Money = strawberry.field(description="Its monetary value, as it stands.")
    location: str = strawberry.field(description="Where in the safe it is kept.")
    photo: StoredFile = strawberry.field(
        description="Its photograph as it stands (JPEG or PNG, with its SHA-256)."
    )
    status: ValuableStatus = strawberry.field(description="Where it is now.")
    held: bool = strawberry.field(
        description="Whether the team still holds it (in the safe or out to come back)."
    )
    registered_by: str = strawberry.field(description="Who took it in.")
    registered_at: datetime = strawberry.field(description="When it was taken in.")
    history: list[ValuableRecord] = strawberry.field(
        description="Every record of its details, oldest first (corrections included)."
    )
    movements: list[ValuableMovement] = strawberry.field(
        description="Its check-in / check-out log, oldest first."
    )

    @classmethod
    def of(cls, view: ValuableView) -> Valuable:
        current = view.record
        photo = StoredFile.of(view.photo)

        def record(row: RecordRow) -> ValuableRecord:
            same = row.photo_file_id == current.photo_file_id
            return ValuableRecord(
                description=row.description,
                monetary_value=Money(row.value),
                location=row.location,
                photo=photo if same else StoredFile.of(view.earlier_photos[row.photo_file_id]),
                reason=row.reason,
                corrects_previous=row.supersedes_id is not None,
                recorded_by=row.recorded_by,
                recorded_at=row.recorded_at,
            )

        status = view.status
        return cls(
            valuable_id=node_id(TYPE_NAME, view.valuable.id),
            client_id=node_id("Client", view.valuable.client_id),
            description=current.description,
            monetary_value=Money(current.value),
            location=current.location,
            photo=photo,
            status=status,
            held=rules.held(status),
            registered_by=view.valuable.recorded_by,
            registered_at=view.valuable.recorded_at,
            history=[record(r) for r in view.records],
            movements=[ValuableMovement.of(m) for m in view.movements],
        )

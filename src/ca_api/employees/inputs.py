"""The council employee register's GraphQL inputs, described in the council's words (issue 11
item 4); the types and resolvers are in ``schema.py``."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.employees import service


@strawberry.input(description="Someone to add to the council employee register (R-ROLE-3).")
class AddCouncilEmployeeInput:
    name: str = strawberry.field(description="Their full name, as HR records it.")
    employee_number: str = strawberry.field(
        description="The council's HR employee number; a number already registered is refused."
    )
    date_of_birth: date | None = strawberry.field(
        default=None,
        description="Their date of birth, if known: without it any gift recipient of the same "
        "name is barred (R-ROLE-3).",
    )

    def to_new(self) -> service.NewEmployee:
        return service.NewEmployee(self.name, self.employee_number, self.date_of_birth)


@strawberry.input(
    description="That an employee left (a new entry, never an edit): from the day after, the "
    "register no longer bars gifts to them (R-ROLE-3)."
)
class RecordCouncilEmployeeLeaverInput:
    id: strawberry.ID = strawberry.field(description="The CouncilEmployee who left.")
    left_on: date = strawberry.field(description="Their last day in post.")
    reason: str | None = strawberry.field(
        default=None, description="Why they left, if it is to be noted."
    )

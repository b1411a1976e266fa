"""GraphQL for the council employee register (R-ROLE-3): thin. Parse, call the service, map
the result."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import DECISION_READ, EMPLOYEE_REGISTER_WRITE, allow
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.node import Node, NodeType
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import InvalidStateProblem, NotFoundProblem, ValidationProblem
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.employees import service
from ca_api.employees.inputs import AddCouncilEmployeeInput, RecordCouncilEmployeeLeaverInput
from ca_api.employees.service import EmployeeView


@strawberry.type(description="An entry of the council employee register (R-ROLE-3).")
class CouncilEmployee(Node):
    view: strawberry.Private[EmployeeView]

    @classmethod
    def from_view(cls, view: EmployeeView) -> CouncilEmployee:
        return from_source(cls, view.employee, view=view, left_on=view.left_on)

    id: strawberry.ID = strawberry.field(description="The entry's global id.")
    name: str = strawberry.field(
        description="The employee's full name, as a gift's recipient is matched against it "
        "(R-ROLE-3)."
    )
    employee_number: str = strawberry.field(
        description="The council's HR employee number; one entry per number."
    )
    date_of_birth: date | None = strawberry.field(
        description="Tells the employee apart from a gift recipient of the same name; null: "
        "not recorded, so a namesake is barred."
    )
    left_on: date | None = strawberry.field(
        description="The last day in post; null: still employed."
    )
    recorded_by: str = strawberry.field(
        description="Who added the entry to the register (governance manager or head of service)."
    )
    recorded_at: datetime = strawberry.field(description="When the entry was added.")


@strawberry.type(description="The register entry as it stands after the change.")
class CouncilEmployeePayload:
    employee: CouncilEmployee = strawberry.field(description="The employee's register entry.")


CouncilEmployeeResult = Annotated[
    CouncilEmployeePayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union(
        "CouncilEmployeeResult",
        description="The entry, or why the change was refused (invalid input, no such "
        "employee, or one who has already left).",
    ),
]


@strawberry.type
class EmployeeQuery:
    @strawberry.field(
        extensions=[
            Paged(
                25,
                first="How many entries, at most (25 if unset).",
                after="The endCursor of the page before; null: the first.",
            ),
            *allow(DECISION_READ),
        ],
        description="The council employee register (R-ROLE-3), by name, leavers included.",
    )
    async def council_employees(
        self,
        info: Info[Context, None],
        page: Page,
    ) -> Connection[CouncilEmployee]:
        ctx = info.context
        return await page.connection(
            cursor=PageRequest.text_id,
            fetch=lambda seek: service.list_employees(ctx.session, seek=seek),
            key=lambda v: [v.employee.name_key, str(v.employee.id)],
            node=CouncilEmployee.from_view,
        )


@strawberry.type
class EmployeeMutation:
    @strawberry.mutation(
        extensions=allow(EMPLOYEE_REGISTER_WRITE),
        description="Add someone to the council employee register (R-ROLE-3).",
    )
    async def add_council_employee(
        self,
        info: Info[Context, None],
        input: Annotated[
            AddCouncilEmployeeInput, strawberry.argument(description="The person to register.")
        ],
    ) -> CouncilEmployeeResult:
        view = await as_caller(info, service.add_employee, input.to_new())
        return CouncilEmployeePayload(employee=CouncilEmployee.from_view(view))

    @strawberry.mutation(
        extensions=allow(EMPLOYEE_REGISTER_WRITE),
        description="Record that an employee left (a new entry, never an edit); from the day "
        "after, the register no longer bars gifts to them.",
    )
    async def record_council_employee_leaver(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordCouncilEmployeeLeaverInput,
            strawberry.argument(description="Who left, their last day in post, and why."),
        ],
    ) -> CouncilEmployeeResult:
        eid = decode_uuid("CouncilEmployee", input.id)
        view = await as_caller(
            info, service.record_leaver, eid, left_on=input.left_on, reason=input.reason
        )
        return CouncilEmployeePayload(employee=CouncilEmployee.from_view(view))


async def _employees(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, CouncilEmployee]:
    views = await service.employees_by_id(ctx.session, ids)
    return {v.employee.id: CouncilEmployee.from_view(v) for v in views}


# The types node(id:) fetches (common.node), with the roles of the register's own list.
NODES = (NodeType("CouncilEmployee", DECISION_READ, _employees),)

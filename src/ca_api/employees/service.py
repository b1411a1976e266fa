"""Use cases of the council employee register (R-ROLE-3), each one transaction with its audit
rows (R-AUD-1); and the question decisions ask of it: is a gift's recipient an employee?"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common.keyset import Seek
from ca_api.db import unit_of_work
from ca_api.employees import repository, rules
from ca_api.employees.models import CouncilEmployee
from ca_api.employees.rules import normalise_name as normalise_name
from ca_api.errors import InvalidState, ValidationFailed, existing


@dataclass(frozen=True)
class EmployeeView:
    employee: CouncilEmployee
    left_on: date | None


async def on_register(
    session: AsyncSession, name_keys: Iterable[str], date_of_birth: date | None, on: date
) -> bool:
    """R-ROLE-3: whether any of the (normalised) names is an employee's in post on ``on``; a
    known date of birth on both sides that differs tells two people apart."""
    for key in name_keys:
        rows = await repository.employees_named(session, key)
        employees = [rules.Employee(r[0].name_key, r[0].date_of_birth, r.left_on) for r in rows]
        if rules.matches_employee(key, date_of_birth, employees, on):
            return True
    return False


async def _read_employee(session: AsyncSession, employee_id: uuid.UUID) -> EmployeeView:
    row = existing(
        await repository.get_employee(session, employee_id), "CouncilEmployee", employee_id
    )
    return EmployeeView(row[0], row.left_on)


@dataclass(frozen=True)
class NewEmployee:
    name: str
    employee_number: str
    date_of_birth: date | None = None


async def add_employee(session: AsyncSession, actor: Actor, new: NewEmployee) -> EmployeeView:
    name, number = " ".join(new.name.split()), new.employee_number.strip()
    date_of_birth = new.date_of_birth
    problems: dict[str, str] = {}
    if not name or not rules.normalise_name(name):
        problems["name"] = "is required"
    elif len(name) > rules.MAX_NAME:
        problems["name"] = f"is longer than {rules.MAX_NAME} characters"
    if not number:
        problems["employee_number"] = "is required"
    elif len(number) > rules.MAX_EMPLOYEE_NUMBER:
        problems["employee_number"] = f"is longer than {rules.MAX_EMPLOYEE_NUMBER} characters"
    if date_of_birth is not None and date_of_birth > clock.today():
        problems["date_of_birth"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        employee_id = uuid.uuid4()
        values = {
            "id": employee_id,
            "employee_number": number,
            "name": name,
            "name_key": rules.normalise_name(name),
            "date_of_birth": date_of_birth,
            "recorded_by": actor.principal.subject,
        }
        if not await repository.insert_employee(session, values):
            raise ValidationFailed({"employee_number": "is on the register already"})
        after = {k: v for k, v in values.items() if k not in ("id", "name_key")}
        await audit.record(session, actor, "council_employee", employee_id, "add", after=after)
        return await _read_employee(session, employee_id)


async def record_leaver(
    session: AsyncSession,
    actor: Actor,
    employee_id: uuid.UUID,
    *,
    left_on: date,
    reason: str | None,
) -> EmployeeView:
    """A leaver is a new row (R-AUD-2); from the day after ``left_on`` they no longer count as
    a council employee for R-ROLE-3."""
    text = (reason or "").strip() or None
    if text is not None and len(text) > rules.MAX_REASON:
        raise ValidationFailed({"reason": f"is longer than {rules.MAX_REASON} characters"})
    async with unit_of_work(session):
        existing(
            await repository.lock_employee(session, employee_id), "CouncilEmployee", employee_id
        )
        current = await _read_employee(session, employee_id)
        if current.left_on is not None:
            raise InvalidState(f"recorded as leaving on {current.left_on.isoformat()} already")
        await repository.insert_leaver(
            session,
            {
                "employee_id": employee_id,
                "left_on": left_on,
                "reason": text,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {"left_on": left_on}
        await audit.record(
            session, actor, "council_employee", employee_id, "leaver", after=after, reason=text
        )
        return await _read_employee(session, employee_id)


async def employees_by_id(
    session: AsyncSession, employee_ids: Sequence[uuid.UUID]
) -> list[EmployeeView]:
    rows = await repository.employees_by_id(session, employee_ids)
    return [EmployeeView(r[0], r.left_on) for r in rows]


async def list_employees(
    session: AsyncSession, *, seek: Seek[tuple[str, uuid.UUID]]
) -> list[EmployeeView]:
    rows = await repository.list_employees(session, seek=seek)
    return [EmployeeView(r[0], r.left_on) for r in rows]

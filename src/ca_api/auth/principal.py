"""Roles (domain.md R-ROLE) and the principal a verified token stands for."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    SUPPORT_ASSISTANT = "support_assistant"
    ASSISTANT = "assistant"
    SENIOR_ASSISTANT = "senior_assistant"
    SENIOR_OFFICER = "senior_officer"
    GOVERNANCE_MANAGER = "governance_manager"
    HEAD_OF_SERVICE = "head_of_service"
    AUDITOR = "auditor"
    REPORTING = "reporting"
    SOCIAL_WORKER = "social_worker"
    INTEGRATION_CONTROCC = "integration_controcc"
    INTEGRATION_SAP = "integration_sap"


SYSTEM_ROLES = frozenset({Role.INTEGRATION_CONTROCC, Role.INTEGRATION_SAP})


class PrincipalKind(enum.StrEnum):
    OFFICER = "officer"  # a person
    SYSTEM = "system"  # an integration: Controcc, SAP


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, as its verified token says. ``subject`` is the token's ``sub``."""

    subject: str
    roles: frozenset[Role]
    name: str | None = None
    expires_at: int | None = None  # seconds since the epoch

    @property
    def kind(self) -> PrincipalKind:
        if self.roles and self.roles <= SYSTEM_ROLES:
            return PrincipalKind.SYSTEM
        return PrincipalKind.OFFICER

    def has_any(self, roles: frozenset[Role]) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def role_label(self) -> str:
        """The roles as recorded in the audit trail: sorted, comma separated."""
        return ",".join(sorted(r.value for r in self.roles))


def parse_roles(raw: object) -> frozenset[Role]:
    """Roles from a token claim: a list of role ids, or one space-separated string.

    Unknown role ids are ignored (deny by default): a token can only grant roles we know.
    """
    if isinstance(raw, str):
        items: list[object] = list(raw.split())
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        return frozenset()
    known = {r.value for r in Role}
    return frozenset(Role(item) for item in items if isinstance(item, str) and item in known)

"""Who is doing a thing and in which request: what services record in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from ca_api.auth.principal import Principal


@dataclass
class Actor:
    """Who is doing a thing and in which request: what services record in the audit trail."""

    principal: Principal
    request_id: str

"""Four eyes (R-ROLE-2), the one rule every approval applies, whatever is approved.

Whoever raised the thing being approved may not approve (or refuse) it, whatever their role, and
neither may whoever wrote any of it: its *authors*. Each kind says who its authors are when it
is raised (a budget plan's decision: whoever recorded the plan and the revisions it covers; a
payment of an invoice: whoever recorded the invoice; a superseding decision: whoever wrote the
one it replaced); the approval paths (``decisions.service``, ``payments.approving``) and the
approval queue's sources all judge with ``four_eyes`` below.

Each approvable aggregate keeps a status table and a transition table in its own module's rules
(pure data, together a ``Lifecycle``); ``status_of`` and ``transition_allowed`` below read them,
for ``approvals.mechanism``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar


def authors_of(raised_by: str, *others: Iterable[str | None]) -> frozenset[str]:
    """Everyone who wrote the thing: whoever raised it, and the others named (None skipped)."""
    return frozenset({raised_by, *(a for group in others for a in group if a)})


def four_eyes(raised_by: str, principal: str, authors: Iterable[str] = ()) -> bool:
    """R-ROLE-2: true when the principal neither raised the thing nor wrote any of it."""
    return principal != raised_by and principal not in set(authors)


# --- status from events (R-AUD-2: derived from the events; the database keeps a current row
# of it, migration 0048, which code never writes) -------------------------------------------

E = TypeVar("E", bound=enum.StrEnum)
S = TypeVar("S", bound=enum.StrEnum)

# An aggregate's status table: (event kind, the status it brings), the first present winning.
# The same table gives the status in Python (``status_of``) and in SQL
# (``approvals.repository.status_case``), so the two cannot drift apart.
StatusTable = tuple[tuple[E, S], ...]


def status_of(table: StatusTable[E, S], kinds: Iterable[str], otherwise: S) -> S:
    """The status the events' kinds bring (the first row of ``table`` present), else
    ``otherwise`` (the status before any such event)."""
    seen = {str(k) for k in kinds}
    return next((status for kind, status in table if kind.value in seen), otherwise)


def transition_allowed(table: Mapping[E, frozenset[S]], status: S, event: E) -> bool:
    """Whether ``event`` may be recorded from ``status``: the transition table says which
    statuses each event starts from."""
    return status in table[event]


@dataclass(frozen=True)
class Lifecycle(Generic[E, S]):
    """An aggregate's statuses as data: its status table (``statuses``; ``before``, the status
    before any of its events) and its transition table (the statuses each event may be recorded
    from)."""

    statuses: StatusTable[E, S]
    before: S
    transitions: Mapping[E, frozenset[S]]

    def status(self, kinds: Iterable[str]) -> S:
        """The status the events' kinds bring (``status_of``)."""
        return status_of(self.statuses, kinds, self.before)

    def allows(self, status: S, event: E) -> bool:
        """Whether ``event`` may be recorded from ``status`` (``transition_allowed``)."""
        return transition_allowed(self.transitions, status, event)

"""Four eyes (R-ROLE-2), the one rule every approval applies, whatever is approved.

Whoever raised the thing being approved may not approve (or refuse) it, whatever their role, and
neither may whoever wrote any of it: its *authors*. Each kind says who its authors are when it
is raised (a budget plan's decision: whoever recorded the plan and the revisions it covers; a
payment of an invoice: whoever recorded the invoice; a superseding decision: whoever wrote the
one it replaced); the approval paths (``decisions.service``, ``payments.service``) and the
approval queue's sources all judge with ``four_eyes`` below.
"""

from __future__ import annotations

from collections.abc import Iterable


def authors_of(raised_by: str, *others: Iterable[str | None]) -> frozenset[str]:
    """Everyone who wrote the thing: whoever raised it, and the others named (None skipped)."""
    return frozenset({raised_by, *(a for group in others for a in group if a)})


def four_eyes(raised_by: str, principal: str, authors: Iterable[str] = ()) -> bool:
    """R-ROLE-2: true when the principal neither raised the thing nor wrote any of it."""
    return principal != raised_by and principal not in set(authors)

"""The OPG report's balance check live (R-OPG-2): its current version against the ledger now and
its opening against the last report's closing, the entries late for it, and the refusal of a
report that does not balance (OPG_REPORT_UNBALANCED, naming the entries).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.errors import ErrorCode, InvalidState, MoneyProblem
from ca_api.money import format_money
from ca_api.opg_reports import repository, rules
from ca_api.opg_reports.models import OpgReport, OpgReportVersion
from ca_api.opg_reports.report_views import ReportView, views_of
from ca_api.opg_reports.rules import EntryFact

# --- the balance check (R-OPG-2), live ------------------------------------------------------


@dataclass(frozen=True)
class LiveCheck:
    check: rules.BalanceCheck
    late_entries: list[EntryFact] = field(default_factory=list)


async def _late(
    session: AsyncSession, r: OpgReport, v: OpgReportVersion, account_ids: Sequence[uuid.UUID]
) -> tuple[list[EntryFact], list[EntryFact]]:
    """Entries dated in the period the version did not include; and those dated before it
    posted after the version was generated (they move its opening): after the ledger's last
    entry it was generated over, or (a version without that mark) after its time."""
    included = set(v.content.get("includedTransferIds", []))
    during = await repository.entries_for_report(
        session, account_ids, since=r.period_start, until=r.period_end
    )
    late = [e for e in during if str(e.transfer_id) not in included]
    earlier = await repository.entries_for_report(
        session,
        account_ids,
        until=r.period_start - timedelta(days=1),
        posted_after=v.generated_at,
        after_seq=v.content.get("ledgerSeq"),
    )
    return late, earlier


async def balance_check(session: AsyncSession, v: ReportView) -> LiveCheck | None:
    """The current version against the ledger now, and its opening against the last report's
    closing; None before any version."""
    version = v.current
    if version is None:
        return None
    r = v.report
    accounts = await repository.client_accounts(session, r.client_id)
    ids = [a.id for a in accounts]
    closing_now = await repository.balances_on(session, ids, r.period_end)
    late, earlier = await _late(session, r, version, ids)
    last_closing: int | None = None
    last_late: list[EntryFact] = []
    previous = [
        p
        for p in await repository.reports_of_client(session, r.client_id)
        if p.period_end == r.period_start - timedelta(days=1)
    ]
    if previous:
        (pv,) = await views_of(session, previous)
        if pv.current is not None:
            last_closing = int(pv.current.content["totals"]["closing"])
            last_late, _ = await _late(session, pv.report, pv.current, ids)
    check = rules.balance_check(
        version.content,
        closing_now,
        late_entries=late + earlier,
        last_report_closing=last_closing,
        last_report_late_entries=last_late,
    )
    return LiveCheck(check, late)


async def late_entries(session: AsyncSession, v: ReportView) -> list[EntryFact]:
    """Entries dated in the period but not in the current version (none before a version)."""
    if v.current is None:
        return []
    accounts = await repository.client_accounts(session, v.report.client_id)
    late, _ = await _late(session, v.report, v.current, [a.id for a in accounts])
    return late


def _account_name(v: ReportView, account_id: uuid.UUID | None) -> str:
    """An account as an officer knows it: its kind and name (its id when the version lacks it)."""
    assert v.current is not None
    for a in v.current.content.get("accounts", []):
        if a.get("accountId") == str(account_id):
            return f"{a.get('kind')} '{a.get('name')}'"
    return str(account_id)


async def require_balanced(session: AsyncSession, v: ReportView) -> None:
    live = await balance_check(session, v)
    if live is None:
        raise InvalidState("no version of the report is generated yet: generate it first")
    c = live.check
    if c.balanced:
        return
    parts = []
    differing = [a for a in c.accounts if not a.balanced]
    if differing:
        parts.append(
            "accounts differ from the ledger: "
            + ", ".join(
                f"{_account_name(v, a.account_id)} by £{format_money(a.difference)}"
                for a in differing
            )
        )
    if c.opening_matches_last_report is False:
        parts.append(
            f"the opening £{format_money(c.totals.opening)} is not the last report's closing "
            f"£{format_money(c.last_report_closing or 0)}"
        )
    named = rules.describe_entries(c.explaining_entries) or "none found"
    raise MoneyProblem(
        ErrorCode.OPG_REPORT_UNBALANCED,
        "the report does not balance to the penny (R-OPG-2): "
        + "; ".join(parts)
        + f". Entries that explain it: {named}",
        entries=[str(e.transfer_id) for e in c.explaining_entries],
    )

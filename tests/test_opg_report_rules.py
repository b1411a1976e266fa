"""The OPG report's pure rules (issue 15; R-OPG, R-OPG-2), without a database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ca_api.opg_reports import rules
from ca_api.opg_reports.rules import (
    AccountFact,
    EntryFact,
    OpgReportDueState,
    OpgReportType,
)


@dataclass(frozen=True)
class _Opg:
    id: str
    group: str
    section: str


def classify(category: str, benefit: str | None) -> _Opg:
    return _Opg(id=(benefit or category).lower(), group="g", section="money")


CMS, COURT, OUTSIDE = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ACCOUNTS = [
    AccountFact(CMS, "CLIENT_CMS", "CMS", 100_00),
    AccountFact(COURT, "CLIENT_COURT_FUNDS", "Court Funds", 0),
]


def entry(amount: int, category: str, src: uuid.UUID, dst: uuid.UUID, **kw: object) -> EntryFact:
    return EntryFact(uuid.uuid4(), date(2025, 6, 1), amount, category, src, dst, **kw)  # type: ignore[arg-type]


def test_period_is_a_year_less_a_day_and_due_on_the_56th_day() -> None:
    assert rules.period_end(date(2024, 5, 10)) == date(2025, 5, 9)
    assert rules.period_end(date(2024, 1, 1)) == date(2024, 12, 31)
    # 29 February: its anniversary is 1 March, so the period ends on 28 February.
    assert rules.period_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.next_period_start(date(2025, 2, 28)) == date(2025, 3, 1)
    assert rules.period_end(date(2023, 3, 1)) == date(2024, 2, 29)
    assert rules.due_on(date(2025, 5, 9)) == date(2025, 7, 4)  # 56 days on (R-OPG)


def test_due_state() -> None:
    end, due = date(2025, 5, 9), date(2025, 7, 4)
    s = rules.due_state
    assert s(end, due, date(2025, 5, 9), submitted=False) == OpgReportDueState.NOT_DUE
    assert s(end, due, date(2025, 5, 10), submitted=False) == OpgReportDueState.DUE
    assert s(end, due, date(2025, 7, 4), submitted=False) == OpgReportDueState.DUE
    assert s(end, due, date(2025, 7, 5), submitted=False) == OpgReportDueState.OVERDUE
    assert s(end, due, date(2025, 7, 5), submitted=True) == OpgReportDueState.SUBMITTED


def test_report_type_at_the_threshold_both_ways() -> None:
    t = 2_100_000
    assert rules.report_type(t, t, health_and_welfare=False) == OpgReportType.TYPE_102_6
    assert rules.report_type(t - 1, t, health_and_welfare=False) == OpgReportType.TYPE_103_6
    assert rules.report_type(t, t, health_and_welfare=True) == OpgReportType.TYPE_102_4_6
    assert rules.report_type(t - 1, t, health_and_welfare=True) == OpgReportType.TYPE_103_4_6
    assert OpgReportType.TYPE_102_4_6.code == "102-4-6"


def test_money_signs_reversals_and_own_transfers() -> None:
    entries = [
        entry(500_00, "IN_BENEFITS", OUTSIDE, CMS, benefit="ATTENDANCE_ALLOWANCE"),
        entry(50_00, "IN_BENEFITS", CMS, OUTSIDE, benefit="ATTENDANCE_ALLOWANCE"),  # reversed
        entry(200_00, "OUT_CARE_FEES", CMS, OUTSIDE),
        entry(20_00, "OUT_CARE_FEES", OUTSIDE, CMS),  # refunded: reduces money out
        entry(300_00, "TRANSFER_BETWEEN_OWN_ACCOUNTS", CMS, COURT),  # a lodgement
        entry(1_23, "IN_INTEREST", OUTSIDE, COURT),
        entry(9_99, "OUT_OTHER", OUTSIDE, uuid.uuid4()),  # not the client's: ignored
    ]
    money = rules.aggregate_money(ACCOUNTS, entries, classify)
    cms, court = money["accounts"]
    assert (cms["opening"], cms["moneyIn"], cms["moneyOut"]) == (100_00, 450_00, 180_00)
    assert (cms["transfersIn"], cms["transfersOut"], cms["closing"]) == (0, 300_00, 70_00)
    assert (court["moneyIn"], court["transfersIn"], court["closing"]) == (1_23, 300_00, 301_23)
    assert money["totals"] == {
        "opening": 100_00,
        "moneyIn": 451_23,
        "moneyOut": 180_00,
        "closing": 371_23,
    }
    benefits = next(r for r in money["moneyIn"] if r["category"] == "IN_BENEFITS")
    assert benefits["benefit"] == "ATTENDANCE_ALLOWANCE"
    assert benefits["opgCategory"] == "attendance_allowance"
    assert sorted(e["amount"] for e in benefits["entries"]) == [-50_00, 500_00]
    assert [t["amount"] for t in money["transfersBetweenOwnAccounts"]] == [300_00]
    assert len(money["includedTransferIds"]) == 6


def test_balance_check_names_the_late_entry() -> None:
    money = rules.aggregate_money(ACCOUNTS, [entry(10_00, "IN_OTHER", OUTSIDE, CMS)], classify)
    ok = rules.balance_check(
        money, {CMS: 110_00, COURT: 0}, late_entries=[], last_report_closing=100_00
    )
    assert ok.balanced and ok.opening_matches_last_report
    late = entry(5_00, "OUT_OTHER", CMS, OUTSIDE, description="posted late")
    check = rules.balance_check(
        money, {CMS: 105_00, COURT: 0}, late_entries=[late], last_report_closing=100_00
    )
    assert not check.balanced
    assert [a.difference for a in check.accounts] == [-5_00, 0]
    assert check.explaining_entries == [late]
    assert "posted late" in rules.describe_entries(check.explaining_entries)
    earlier = entry(7_00, "IN_OTHER", OUTSIDE, CMS)
    moved = rules.balance_check(
        money,
        {CMS: 110_00, COURT: 0},
        late_entries=[],
        last_report_closing=93_00,
        last_report_late_entries=[earlier],
    )
    assert not moved.balanced and moved.opening_matches_last_report is False
    assert moved.explaining_entries == [earlier]


_account = st.sampled_from([CMS, COURT, OUTSIDE])
_category = st.sampled_from(
    ["IN_BENEFITS", "IN_INTEREST", "OUT_CARE_FEES", "OUT_OTHER", "TRANSFER_BETWEEN_OWN_ACCOUNTS"]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10**9), _category, _account, _account).filter(
            lambda t: t[2] != t[3]
        ),
        max_size=30,
    ),
    st.integers(0, 10**9),
)
def test_aggregation_identity(
    raw: list[tuple[int, str, uuid.UUID, uuid.UUID]], opening: int
) -> None:
    """R-OPG-2: per account and in total, opening + in - out (+ transfers) = closing, and the
    closing is what the entries actually moved."""
    accounts = [AccountFact(CMS, "CLIENT_CMS", "", opening), AccountFact(COURT, "X", "", 0)]
    entries = [entry(a, c, s, d) for a, c, s, d in raw]
    money = rules.aggregate_money(accounts, entries, classify)
    moved = {CMS: opening, COURT: 0}
    for e in entries:
        if e.to_account_id in moved:
            moved[e.to_account_id] += e.amount
        if e.from_account_id in moved:
            moved[e.from_account_id] -= e.amount
    for row in money["accounts"]:
        identity = (
            row["opening"]
            + row["moneyIn"]
            - row["moneyOut"]
            + row["transfersIn"]
            - row["transfersOut"]
        )
        assert identity == row["closing"] == moved[uuid.UUID(row["accountId"])]
    t = money["totals"]
    assert t["opening"] + t["moneyIn"] - t["moneyOut"] == t["closing"] == sum(moved.values())
    assert sum(r["amount"] for r in money["moneyIn"]) == t["moneyIn"]
    assert sum(r["amount"] for r in money["moneyOut"]) == t["moneyOut"]
    check = rules.balance_check(money, moved, late_entries=[], last_report_closing=None)
    assert check.balanced

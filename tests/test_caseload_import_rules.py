"""The caseload import's pure rules (issue 12 item 5): the text forms of its CSV files and the
row numbers a spreadsheet user sees (header = row 1). No database."""

from __future__ import annotations

from datetime import date

import pytest

from ca_api.caseload_import import file_records, files, rules
from ca_api.caseload_import.files import ImportFile, RowProblem
from ca_api.orders.rules import SupervisionType

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2014-04-30", date(2014, 4, 30)),
        ("30/04/2014", date(2014, 4, 30)),
        ("1/2/2014", date(2014, 2, 1)),  # day first, as the council writes it
        ("2014-02-30", None),
        ("31/02/2014", None),
        ("04/30/2014", None),  # month first is not a date here
        ("30 April 2014", None),
        ("", None),
    ],
)
def test_dates_are_iso_or_day_first(text: str, day: date | None) -> None:
    assert files.parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1", SupervisionType.TYPE_1),
        ("2a", SupervisionType.TYPE_2A),
        ("2A", SupervisionType.TYPE_2A),
        ("2", SupervisionType.TYPE_2),
        ("3", SupervisionType.TYPE_3),
        ("TYPE_2A", SupervisionType.TYPE_2A),
        ("4", None),
        ("close", None),
    ],
)
def test_supervision_types_are_the_opgs_four(text: str, kind: SupervisionType | None) -> None:
    """R-ORD-3: 1 (close), 2A (intermediate), 2 (low), 3 (minimal)."""
    assert files.parse_supervision(text) is kind


def test_yes_and_no() -> None:
    assert [files.parse_yes_no(t) for t in ("Y", "yes", "TRUE", "1", "n", "No", "0", "maybe")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        None,
    ]


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    """The header is row 1; a quoted cell spanning two lines is still one row; blank rows are
    skipped but counted."""
    text = (
        "client_reference,start_date,dwp_reference\n"
        'CA1,2012-01-01,"two\nlines"\n'
        "\n"
        "CA2,2013-01-01,\n"
    )
    rows, problems = files.read_rows(ImportFile.APPOINTEESHIPS, text)
    assert problems == []
    assert [(r.number, r.text("client_reference")) for r in rows] == [(2, "CA1"), (4, "CA2")]
    assert rows[1].text("dwp_reference") is None  # an empty cell is not given


def test_a_header_names_every_missing_unknown_and_repeated_column() -> None:
    text = "CLIENT_REFERENCE,colour,colour\nCA1,red,blue\n"
    rows, problems = files.read_rows(ImportFile.ACCOUNTS, text)
    assert rows == []
    assert {(p.row, p.column) for p in problems} == {
        (1, "account"),
        (1, "opening_balance"),
        (1, "colour"),
    }
    assert all(p.file == "accounts" for p in problems)


def test_money_is_pounds_and_pence_within_the_maximum() -> None:
    text = "client_reference,account,opening_balance\n" + "\n".join(
        [
            "CA1,CMS,12.5",
            'CA2,CMS,"£1,234.50"',
            "CA3,CMS,100.00",
            "CA4,CASH,100.01",
        ]
    )
    rows, _ = files.read_rows(ImportFile.ACCOUNTS, text)
    accounts, problems = file_records.parse_accounts(rows, maximum=10_000)
    assert {(p.row, p.column) for p in problems} == {
        (2, "opening_balance"),  # one decimal place
        (3, "opening_balance"),  # 1234.50 (a pound sign and a comma allowed): beyond 100.00
        (5, "opening_balance"),  # 100.01: beyond
    }
    assert [(a.client_reference, a.opening_balance) for a in accounts] == [("CA3", 10_000)]


def test_an_order_sharing_days_with_another_is_named_once() -> None:
    """R-ORD: one order of a kind in force at a time; the later row names the earlier."""
    periods = {
        "CA1": [
            rules.Period(2, date(2012, 1, 1), date(2012, 12, 31)),
            rules.Period(3, date(2013, 1, 1), None),
            rules.Period(4, date(2013, 6, 1), None),
        ],
        "CA2": [rules.Period(0, date(2010, 1, 1), None), rules.Period(5, date(2011, 1, 1), None)],
    }
    found = rules.overlapping_orders(ImportFile.DEPUTYSHIPS, "deputyship", periods)
    assert found == [
        RowProblem(
            "deputyships",
            4,
            "order_date",
            "shares days with row 3: one deputyship in force at a time",
        ),
        RowProblem(
            "deputyships",
            5,
            "order_date",
            "shares days with the deputyship already on the books: one deputyship in force at a "
            "time",
        ),
    ]


def test_the_statement_check_names_both_figures_and_the_difference() -> None:
    """R-ACC-7: the CMS balances together are the bank's balance at the cut-over."""
    assert rules.balance_problem(450_900_000, 450_900_000, "given") is None
    reason = rules.balance_problem(450_900_000, 450_899_900, "given")
    assert reason is not None
    assert "4509000.00" in reason and "4508999.00" in reason and "1.00" in reason

"""The OPG annual report as a PDF for the client's file (issue 15 item 5, R-OPG): every section
in the report's order, made from the report document alone, so the same document gives the same
bytes (``ca_api.files.pdf``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ca_api.files.pdf import Document
from ca_api.money import Pence, format_money
from ca_api.opg_reports.exports import (
    FREE_TEXT_SECTIONS,
    Doc,
    _account_names,
    _assets,
    _care,
    _list,
    _s,
    _sum,
    balance_check,
)

_REPORT_TYPE_TITLE: Mapping[str, str] = {
    "102-6": "higher assets",
    "103-6": "lower assets",
    "102-4-6": "higher assets, with health and welfare",
    "103-4-6": "lower assets, with health and welfare",
}


def pounds(pence: Pence | None) -> str:
    """Pence as pounds for people: ``£1234.50``, ``-£0.05``."""
    value = int(pence or 0)
    return ("-£" if value < 0 else "£") + format_money(abs(value))


def _client_name(doc: Doc) -> str:
    c = doc.get("client") or {}
    return " ".join(x for x in (_s(c.get("givenName")), _s(c.get("familyName"))) if x)


def _money_category_rows(categories: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    rows = [
        [
            _s(c.get("category")) + (f" ({c['benefit']})" if c.get("benefit") else ""),
            _s(c.get("opgCategory")),
            _s(c.get("opgGroup")),
            pounds(c.get("amount")),
        ]
        for c in categories
    ]
    return [*rows, ["Total", "", "", pounds(_sum(categories))]]


def report_pdf(document: Doc) -> bytes:
    """The report as a PDF for the client's file: deterministic bytes for the same document."""
    doc = document
    client = doc.get("client") or {}
    deputyship = doc.get("deputyship") or {}
    period = doc.get("period") or {}
    totals = doc.get("totals") or {}
    report_type = _s(doc.get("reportType"))
    names = _account_names(doc)
    reference = _s(client.get("reference"))
    start, end, due = _s(period.get("start")), _s(period.get("end")), _s(period.get("dueOn"))
    kind = _REPORT_TYPE_TITLE.get(report_type, "")

    pdf = Document(
        title=f"OPG annual report {report_type}" + (f" ({kind})" if kind else ""),
        subtitle=[
            f"Client {reference}: {_client_name(doc)}",
            f"Period {start} to {end}; due on {due}",
        ],
        author=_s(doc.get("generatedBy")) or "ca_api",
    )
    pdf.key_values(
        [
            ("Client reference", reference),
            ("Client", _client_name(doc)),
            ("Date of birth", _s(client.get("dateOfBirth"))),
            ("Court case number", _s(deputyship.get("caseNumber"))),
            ("Order date", _s(deputyship.get("orderDate"))),
            (
                "Health and welfare order",
                "yes" if deputyship.get("healthAndWelfareOrder") else "no",
            ),
            ("Report type", report_type),
            ("Report period", f"{start} to {end}"),
            ("Due on", due),
            ("Assets at the period's end", pounds(doc.get("assetsAtEnd"))),
            ("Higher assets threshold", pounds((doc.get("threshold") or {}).get("value"))),
            (
                "Version",
                f"{_s(doc.get('version'))}, generated {_s(doc.get('generatedAt'))} "
                f"by {_s(doc.get('generatedBy'))}",
            ),
        ]
    )

    accounts = _list(doc, "accounts")
    pdf.heading("Accounts")
    account_rows = [
        [
            _s(a.get("name")),
            _s(a.get("kind")),
            pounds(a.get("opening")),
            pounds(a.get("moneyIn")),
            pounds(a.get("moneyOut")),
            pounds(a.get("transfersIn")),
            pounds(a.get("transfersOut")),
            pounds(a.get("closing")),
        ]
        for a in accounts
    ]
    if account_rows:
        account_rows.append(
            [
                "Total",
                "",
                *(
                    pounds(_sum(accounts, k))
                    for k in (
                        "opening",
                        "moneyIn",
                        "moneyOut",
                        "transfersIn",
                        "transfersOut",
                        "closing",
                    )
                ),
            ]
        )
    pdf.table(
        [
            "Account",
            "Kind",
            "Opening",
            "Money in",
            "Money out",
            "Transfers in",
            "Transfers out",
            "Closing",
        ],
        account_rows,
        numeric=range(2, 8),
        widths=(2.4, 2.6, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3),
        total=True,
    )

    pdf.heading("Totals")
    opening, money_in = int(totals.get("opening") or 0), int(totals.get("moneyIn") or 0)
    money_out, closing = int(totals.get("moneyOut") or 0), int(totals.get("closing") or 0)
    difference = opening + money_in - money_out - closing
    balanced = difference == 0
    pdf.table(
        ["Opening", "Money in", "Money out", "Closing"],
        [[pounds(opening), pounds(money_in), pounds(money_out), pounds(closing)]],
        numeric=range(4),
    )
    pdf.paragraph(
        "Opening + money in - money out = closing: "
        + (
            "balances to the penny."
            if balanced
            else f"does NOT balance (difference {pounds(difference)})."
        )
    )

    header = ["Category", "OPG category", "OPG group", "Amount"]
    pdf.heading("Money in")
    money_in_categories = _list(doc, "moneyIn")
    pdf.table(
        header,
        _money_category_rows(money_in_categories) if money_in_categories else [],
        numeric=[3],
        widths=(2.6, 2, 2, 1.2),
        total=True,
    )
    pdf.heading("Money out")
    money_out_categories = _list(doc, "moneyOut")
    pdf.table(
        header,
        _money_category_rows(money_out_categories) if money_out_categories else [],
        numeric=[3],
        widths=(2.6, 2, 2, 1.2),
        total=True,
    )

    check = balance_check(doc)
    pdf.heading("The OPG's balance check", level=2)
    pdf.table(
        [
            "Opening",
            "Money in",
            "Money out",
            "Deputy fees",
            "Deputy expenses",
            "Gifts",
            "Closing",
            "Difference",
        ],
        [
            [
                pounds(check[k])
                for k in (
                    "opening",
                    "moneyIn",
                    "moneyOut",
                    "deputyFees",
                    "deputyExpenses",
                    "gifts",
                    "closing",
                    "difference",
                )
            ]
        ],
        numeric=range(8),
    )

    pdf.heading("Transfers between the client's own accounts")
    transfers = _list(doc, "transfersBetweenOwnAccounts")
    pdf.table(
        ["Date", "From", "To", "Description", "Amount"],
        [
            [
                _s(t.get("valueDate")),
                names.get(_s(t.get("fromAccountId")), ""),
                names.get(_s(t.get("toAccountId")), ""),
                _s(t.get("description")),
                pounds(t.get("amount")),
            ]
            for t in transfers
        ],
        numeric=[4],
        widths=(1.1, 1.8, 1.8, 3, 1.2),
    )

    pdf.heading("Deputy fees")
    fees = _list(doc, "deputyFees")
    pdf.table(
        ["Fee type", "OPG fee type", "Amount"],
        [[_s(f.get("type")), _s(f.get("opgFeeType")), pounds(f.get("amount"))] for f in fees]
        + ([["Total", "", pounds(_sum(fees))]] if fees else []),
        numeric=[2],
        widths=(2.2, 3, 1.2),
        total=True,
    )
    pdf.heading("Deputy expenses")
    expenses = _list(doc, "deputyExpenses")
    pdf.table(
        ["Date", "Description", "Amount"],
        [
            [_s(x.get("valueDate")), _s(x.get("description")), pounds(x.get("amount"))]
            for x in expenses
        ]
        + ([["Total", "", pounds(_sum(expenses))]] if expenses else []),
        numeric=[2],
        widths=(1.1, 4, 1.3),
        total=True,
    )
    pdf.heading("Gifts")
    gifts = _list(doc, "gifts")
    pdf.table(
        ["Date", "Recipient", "Description", "Amount"],
        [
            [
                _s(g.get("valueDate")),
                _s(g.get("recipient")),
                _s(g.get("description")),
                pounds(g.get("amount")),
            ]
            for g in gifts
        ]
        + ([["Total", "", "", pounds(_sum(gifts))]] if gifts else []),
        numeric=[3],
        widths=(1.1, 2, 3, 1.3),
        total=True,
    )

    pdf.heading("Benefits")
    pdf.table(
        ["Benefit", "OPG category", "Payments", "Received"],
        [
            [
                _s(b.get("benefit")),
                _s(b.get("opgCategory")),
                _s(b.get("payments")),
                pounds(b.get("received")),
            ]
            for b in _list(doc, "benefits")
        ],
        numeric=[2, 3],
        widths=(2.5, 2.5, 1, 1.3),
    )

    pdf.heading("Decisions")
    pdf.table(
        ["Date", "Decision", "Amount", "Client involved", "Consulted"],
        [
            [
                _s(d.get("madeOn")),
                f"{_s(d.get('kind'))}: {_s(d.get('whatWasDecided'))}",
                "" if d.get("amount") is None else pounds(d.get("amount")),
                "yes" if d.get("clientInvolved") else f"no: {_s(d.get('whyClientNotInvolved'))}",
                _s(d.get("consulted")),
            ]
            for d in _list(doc, "decisions")
        ],
        numeric=[2],
        widths=(1.1, 3.5, 1.2, 2, 2.2),
    )
    pdf.heading("Contacts")
    pdf.table(
        ["Date", "Kind", "With", "About"],
        [
            [_s(c.get("contactedOn")), _s(c.get("kind")), _s(c.get("withWhom")), _s(c.get("about"))]
            for c in _list(doc, "contacts")
        ],
        widths=(1.1, 1.2, 2, 3.5),
    )
    pdf.heading("Visits and care")
    pdf.table(
        ["Date", "How", "Client involved", "Needs", "Finances"],
        [
            [
                _s(v.get("reviewedOn")),
                ", ".join(str(m) for m in v.get("methods") or []),
                "yes" if v.get("clientInvolved") else "no",
                _s(v.get("needs")),
                _s(v.get("finances")),
            ]
            for v in _list(doc, "visits")
        ],
        empty="No visits recorded.",
        widths=(1.1, 1.5, 1.2, 2.5, 2.5),
    )
    care = _care(doc)
    pdf.key_values(
        [
            (k, v)
            for k, v in (
                ("Situation", _s(care.get("situation"))),
                ("Care arrangement", _s(care.get("arrangement"))),
            )
            if v
        ]
    )
    changes = list(care.get("changes") or [])
    if changes:
        pdf.table(
            ["Date", "Change", "Details"],
            [[_s(c.get("occurredOn")), _s(c.get("kind")), _s(c.get("details"))] for c in changes],
            widths=(1.1, 1.5, 4),
        )

    assets = _assets(doc)
    pdf.heading("Assets at the period's end")
    asset_rows = [
        *(
            ["Property", _s(p.get("description")), _s(p.get("valuedOn")), pounds(p.get("value"))]
            for p in assets["property"]
        ),
        *(
            ["Investment", _s(i.get("description")), _s(i.get("valuedOn")), pounds(i.get("value"))]
            for i in assets["investments"]
        ),
        *(
            ["Placement", _s(p.get("institution")), "", pounds(p.get("amount"))]
            for p in assets["placements"]
        ),
        *(
            ["Valuable", _s(v.get("description")), "", pounds(v.get("value"))]
            for v in assets["valuables"]
        ),
    ]
    pdf.table(
        ["Type", "Description", "Valued on", "Value"],
        asset_rows,
        numeric=[3],
        widths=(1.2, 4, 1.2, 1.4),
    )
    pdf.heading("Debts at the period's end")
    debts = _list(doc, "debts")
    pdf.table(
        ["Creditor", "Kind", "Outstanding"],
        [[_s(d.get("creditor")), _s(d.get("kind")), pounds(d.get("outstanding"))] for d in debts]
        + ([["Total", "", pounds(_sum(debts, "outstanding"))]] if debts else []),
        numeric=[2],
        widths=(3, 2.5, 1.5),
        total=True,
    )
    pdf.heading("Actions")
    pdf.table(
        ["Date", "Action", "Description", "Amount"],
        [
            [
                _s(a.get("on")),
                _s(a.get("kind")),
                _s(a.get("description")),
                "" if a.get("amount") is None else pounds(a.get("amount")),
            ]
            for a in _list(doc, "actions")
        ],
        numeric=[3],
        widths=(1.1, 1.6, 3.5, 1.3),
    )

    free = doc.get("freeText") or {}
    for key, heading in FREE_TEXT_SECTIONS:
        pdf.heading(heading)
        pdf.paragraph(_s(free.get(key)) or "Not written.")

    submission = doc.get("submission") or {}
    pdf.heading("Review and submission")
    pdf.key_values(
        [
            ("Status", _s(submission.get("status"))),
            ("Prepared by", _s(submission.get("preparedBy"))),
            ("Approved by", _s(submission.get("approvedBy"))),
            ("Approved on", _s(submission.get("approvedOn"))),
            ("Submitted to the OPG on", _s(submission.get("submittedOn"))),
            ("OPG reference", _s(submission.get("opgReference"))),
            ("Correction reason", _s(submission.get("correctionReason"))),
        ]
    )
    return pdf.to_pdf()

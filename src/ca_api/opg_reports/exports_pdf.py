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
    account_names,
    assets_of,
    balance_check,
    care_of,
    items_of,
    text_of,
    total_of,
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
    return " ".join(x for x in (text_of(c.get("givenName")), text_of(c.get("familyName"))) if x)


def _money_category_rows(categories: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    rows = [
        [
            text_of(c.get("category")) + (f" ({c['benefit']})" if c.get("benefit") else ""),
            text_of(c.get("opgCategory")),
            text_of(c.get("opgGroup")),
            pounds(c.get("amount")),
        ]
        for c in categories
    ]
    return [*rows, ["Total", "", "", pounds(total_of(categories))]]


def report_pdf(document: Doc) -> bytes:
    """The report as a PDF for the client's file: deterministic bytes for the same document."""
    doc = document
    client = doc.get("client") or {}
    deputyship = doc.get("deputyship") or {}
    period = doc.get("period") or {}
    totals = doc.get("totals") or {}
    report_type = text_of(doc.get("reportType"))
    names = account_names(doc)
    reference = text_of(client.get("reference"))
    start, end, due = (
        text_of(period.get("start")),
        text_of(period.get("end")),
        text_of(period.get("dueOn")),
    )
    kind = _REPORT_TYPE_TITLE.get(report_type, "")

    pdf = Document(
        title=f"OPG annual report {report_type}" + (f" ({kind})" if kind else ""),
        subtitle=[
            f"Client {reference}: {_client_name(doc)}",
            f"Period {start} to {end}; due on {due}",
        ],
        author=text_of(doc.get("generatedBy")) or "ca_api",
    )
    pdf.key_values(
        [
            ("Client reference", reference),
            ("Client", _client_name(doc)),
            ("Date of birth", text_of(client.get("dateOfBirth"))),
            ("Court case number", text_of(deputyship.get("caseNumber"))),
            ("Order date", text_of(deputyship.get("orderDate"))),
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
                f"{text_of(doc.get('version'))}, generated {text_of(doc.get('generatedAt'))} "
                f"by {text_of(doc.get('generatedBy'))}",
            ),
        ]
    )

    accounts = items_of(doc, "accounts")
    pdf.heading("Accounts")
    account_rows = [
        [
            text_of(a.get("name")),
            text_of(a.get("kind")),
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
                    pounds(total_of(accounts, k))
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
    money_in_categories = items_of(doc, "moneyIn")
    pdf.table(
        header,
        _money_category_rows(money_in_categories) if money_in_categories else [],
        numeric=[3],
        widths=(2.6, 2, 2, 1.2),
        total=True,
    )
    pdf.heading("Money out")
    money_out_categories = items_of(doc, "moneyOut")
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
    transfers = items_of(doc, "transfersBetweenOwnAccounts")
    pdf.table(
        ["Date", "From", "To", "Description", "Amount"],
        [
            [
                text_of(t.get("valueDate")),
                names.get(text_of(t.get("fromAccountId")), ""),
                names.get(text_of(t.get("toAccountId")), ""),
                text_of(t.get("description")),
                pounds(t.get("amount")),
            ]
            for t in transfers
        ],
        numeric=[4],
        widths=(1.1, 1.8, 1.8, 3, 1.2),
    )

    pdf.heading("Deputy fees")
    fees = items_of(doc, "deputyFees")
    pdf.table(
        ["Fee type", "OPG fee type", "Amount"],
        [
            [text_of(f.get("type")), text_of(f.get("opgFeeType")), pounds(f.get("amount"))]
            for f in fees
        ]
        + ([["Total", "", pounds(total_of(fees))]] if fees else []),
        numeric=[2],
        widths=(2.2, 3, 1.2),
        total=True,
    )
    pdf.heading("Deputy expenses")
    expenses = items_of(doc, "deputyExpenses")
    pdf.table(
        ["Date", "Description", "Amount"],
        [
            [text_of(x.get("valueDate")), text_of(x.get("description")), pounds(x.get("amount"))]
            for x in expenses
        ]
        + ([["Total", "", pounds(total_of(expenses))]] if expenses else []),
        numeric=[2],
        widths=(1.1, 4, 1.3),
        total=True,
    )
    pdf.heading("Gifts")
    gifts = items_of(doc, "gifts")
    pdf.table(
        ["Date", "Recipient", "Description", "Amount"],
        [
            [
                text_of(g.get("valueDate")),
                text_of(g.get("recipient")),
                text_of(g.get("description")),
                pounds(g.get("amount")),
            ]
            for g in gifts
        ]
        + ([["Total", "", "", pounds(total_of(gifts))]] if gifts else []),
        numeric=[3],
        widths=(1.1, 2, 3, 1.3),
        total=True,
    )

    pdf.heading("Benefits")
    pdf.table(
        ["Benefit", "OPG category", "Payments", "Received"],
        [
            [
                text_of(b.get("benefit")),
                text_of(b.get("opgCategory")),
                text_of(b.get("payments")),
                pounds(b.get("received")),
            ]
            for b in items_of(doc, "benefits")
        ],
        numeric=[2, 3],
        widths=(2.5, 2.5, 1, 1.3),
    )

    pdf.heading("Decisions")
    pdf.table(
        ["Date", "Decision", "Amount", "Client involved", "Consulted"],
        [
            [
                text_of(d.get("madeOn")),
                f"{text_of(d.get('kind'))}: {text_of(d.get('whatWasDecided'))}",
                "" if d.get("amount") is None else pounds(d.get("amount")),
                "yes"
                if d.get("clientInvolved")
                else f"no: {text_of(d.get('whyClientNotInvolved'))}",
                text_of(d.get("consulted")),
            ]
            for d in items_of(doc, "decisions")
        ],
        numeric=[2],
        widths=(1.1, 3.5, 1.2, 2, 2.2),
    )
    pdf.heading("Contacts")
    pdf.table(
        ["Date", "Kind", "With", "About"],
        [
            [
                text_of(c.get("contactedOn")),
                text_of(c.get("kind")),
                text_of(c.get("withWhom")),
                text_of(c.get("about")),
            ]
            for c in items_of(doc, "contacts")
        ],
        widths=(1.1, 1.2, 2, 3.5),
    )
    pdf.heading("Visits and care")
    pdf.table(
        ["Date", "How", "Client involved", "Needs", "Finances"],
        [
            [
                text_of(v.get("reviewedOn")),
                ", ".join(str(m) for m in v.get("methods") or []),
                "yes" if v.get("clientInvolved") else "no",
                text_of(v.get("needs")),
                text_of(v.get("finances")),
            ]
            for v in items_of(doc, "visits")
        ],
        empty="No visits recorded.",
        widths=(1.1, 1.5, 1.2, 2.5, 2.5),
    )
    care = care_of(doc)
    pdf.key_values(
        [
            (k, v)
            for k, v in (
                ("Situation", text_of(care.get("situation"))),
                ("Care arrangement", text_of(care.get("arrangement"))),
            )
            if v
        ]
    )
    changes = list(care.get("changes") or [])
    if changes:
        pdf.table(
            ["Date", "Change", "Details"],
            [
                [text_of(c.get("occurredOn")), text_of(c.get("kind")), text_of(c.get("details"))]
                for c in changes
            ],
            widths=(1.1, 1.5, 4),
        )

    assets = assets_of(doc)
    pdf.heading("Assets at the period's end")
    asset_rows = [
        *(
            [
                "Property",
                text_of(p.get("description")),
                text_of(p.get("valuedOn")),
                pounds(p.get("value")),
            ]
            for p in assets["property"]
        ),
        *(
            [
                "Investment",
                text_of(i.get("description")),
                text_of(i.get("valuedOn")),
                pounds(i.get("value")),
            ]
            for i in assets["investments"]
        ),
        *(
            ["Placement", text_of(p.get("institution")), "", pounds(p.get("amount"))]
            for p in assets["placements"]
        ),
        *(
            ["Valuable", text_of(v.get("description")), "", pounds(v.get("value"))]
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
    debts = items_of(doc, "debts")
    pdf.table(
        ["Creditor", "Kind", "Outstanding"],
        [
            [text_of(d.get("creditor")), text_of(d.get("kind")), pounds(d.get("outstanding"))]
            for d in debts
        ]
        + ([["Total", "", pounds(total_of(debts, "outstanding"))]] if debts else []),
        numeric=[2],
        widths=(3, 2.5, 1.5),
        total=True,
    )
    pdf.heading("Actions")
    pdf.table(
        ["Date", "Action", "Description", "Amount"],
        [
            [
                text_of(a.get("on")),
                text_of(a.get("kind")),
                text_of(a.get("description")),
                "" if a.get("amount") is None else pounds(a.get("amount")),
            ]
            for a in items_of(doc, "actions")
        ],
        numeric=[3],
        widths=(1.1, 1.6, 3.5, 1.3),
    )

    free = doc.get("freeText") or {}
    for key, heading in FREE_TEXT_SECTIONS:
        pdf.heading(heading)
        pdf.paragraph(text_of(free.get(key)) or "Not written.")

    submission = doc.get("submission") or {}
    pdf.heading("Review and submission")
    pdf.key_values(
        [
            ("Status", text_of(submission.get("status"))),
            ("Prepared by", text_of(submission.get("preparedBy"))),
            ("Approved by", text_of(submission.get("approvedBy"))),
            ("Approved on", text_of(submission.get("approvedOn"))),
            ("Submitted to the OPG on", text_of(submission.get("submittedOn"))),
            ("OPG reference", text_of(submission.get("opgReference"))),
            ("Correction reason", text_of(submission.get("correctionReason"))),
        ]
    )
    return pdf.to_pdf()

"""The OPG annual report as CSV, one per section, header row first (issue 15 item 5, R-OPG):
money as decimal strings with two places, dates ISO, made from the report document alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ca_api.opg_reports.exports import (
    FREE_TEXT_SECTIONS,
    OPG_ACCOUNT_TYPE,
    OPG_DEBT_TYPE,
    Doc,
    account_names,
    assets_of,
    care_of,
    itemised_entries,
    items_of,
    money_or_none,
    money_or_zero,
    opg_section_of,
    text_of,
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def _money_rows(categories: Iterable[Mapping[str, Any]], *, out: bool) -> list[list[Any]]:
    rows = []
    for c in categories:
        for e in itemised_entries(c):
            rows.append(
                [
                    text_of(c.get("category")),
                    text_of(c.get("opgCategory")),
                    text_of(c.get("opgGroup")),
                    opg_section_of(c) if out else text_of(c.get("benefit")),
                    text_of(e.get("valueDate")),
                    text_of(e.get("accountId")),
                    text_of(e.get("transferId")),
                    text_of(e.get("description")),
                    money_or_zero(e.get("amount")),
                ]
            )
    return rows


def csv_sections(document: Doc) -> list[tuple[str, str]]:
    """One CSV per section of the report, as (section name, CSV text), in the report's order.
    Money as decimal strings with two places, dates ISO, booleans ``true``/``false``; no totals
    row (a reader adds up). ``money_out`` has every entry out, with the OPG section it is reported
    in (``money``, ``deputy_fees``, ``deputy_expenses``, ``gifts``)."""
    doc = document
    names = account_names(doc)
    assets = assets_of(doc)
    care = care_of(doc)

    def yes(v: Any) -> str:
        return "true" if v else "false"

    free = doc.get("freeText") or {}
    known = [k for k, _ in FREE_TEXT_SECTIONS]
    return [
        (
            "accounts",
            _csv(
                [
                    "account_id",
                    "kind",
                    "opg_account_type",
                    "name",
                    "opening",
                    "money_in",
                    "money_out",
                    "transfers_in",
                    "transfers_out",
                    "closing",
                ],
                (
                    [
                        text_of(a.get("accountId")),
                        text_of(a.get("kind")),
                        OPG_ACCOUNT_TYPE.get(text_of(a.get("kind")), "other"),
                        text_of(a.get("name")),
                        money_or_zero(a.get("opening")),
                        money_or_zero(a.get("moneyIn")),
                        money_or_zero(a.get("moneyOut")),
                        money_or_zero(a.get("transfersIn")),
                        money_or_zero(a.get("transfersOut")),
                        money_or_zero(a.get("closing")),
                    ]
                    for a in items_of(doc, "accounts")
                ),
            ),
        ),
        (
            "money_in",
            _csv(
                [
                    "category",
                    "opg_category",
                    "opg_group",
                    "benefit",
                    "value_date",
                    "account_id",
                    "transfer_id",
                    "description",
                    "amount",
                ],
                _money_rows(items_of(doc, "moneyIn"), out=False),
            ),
        ),
        (
            "money_out",
            _csv(
                [
                    "category",
                    "opg_category",
                    "opg_group",
                    "opg_section",
                    "value_date",
                    "account_id",
                    "transfer_id",
                    "description",
                    "amount",
                ],
                _money_rows(items_of(doc, "moneyOut"), out=True),
            ),
        ),
        (
            "transfers",
            _csv(
                [
                    "transfer_id",
                    "value_date",
                    "from_account_id",
                    "from_account",
                    "to_account_id",
                    "to_account",
                    "description",
                    "amount",
                ],
                (
                    [
                        text_of(t.get("transferId")),
                        text_of(t.get("valueDate")),
                        text_of(t.get("fromAccountId")),
                        names.get(text_of(t.get("fromAccountId")), ""),
                        text_of(t.get("toAccountId")),
                        names.get(text_of(t.get("toAccountId")), ""),
                        text_of(t.get("description")),
                        money_or_zero(t.get("amount")),
                    ]
                    for t in items_of(doc, "transfersBetweenOwnAccounts")
                ),
            ),
        ),
        (
            "deputy_fees",
            _csv(
                ["type", "opg_fee_type", "amount", "charges"],
                (
                    [
                        text_of(f.get("type")),
                        text_of(f.get("opgFeeType")),
                        money_or_zero(f.get("amount")),
                        len(f.get("charges") or []),
                    ]
                    for f in items_of(doc, "deputyFees")
                ),
            ),
        ),
        (
            "deputy_expenses",
            _csv(
                ["transfer_id", "value_date", "description", "amount"],
                (
                    [
                        text_of(x.get("transferId")),
                        text_of(x.get("valueDate")),
                        text_of(x.get("description")),
                        money_or_zero(x.get("amount")),
                    ]
                    for x in items_of(doc, "deputyExpenses")
                ),
            ),
        ),
        (
            "gifts",
            _csv(
                ["transfer_id", "value_date", "recipient", "description", "decision_id", "amount"],
                (
                    [
                        text_of(g.get("transferId")),
                        text_of(g.get("valueDate")),
                        text_of(g.get("recipient")),
                        text_of(g.get("description")),
                        text_of(g.get("decisionId")),
                        money_or_zero(g.get("amount")),
                    ]
                    for g in items_of(doc, "gifts")
                ),
            ),
        ),
        (
            "decisions",
            _csv(
                [
                    "decision_id",
                    "made_on",
                    "kind",
                    "what_was_decided",
                    "amount",
                    "client_involved",
                    "why_client_not_involved",
                    "consulted",
                ],
                (
                    [
                        text_of(d.get("decisionId")),
                        text_of(d.get("madeOn")),
                        text_of(d.get("kind")),
                        text_of(d.get("whatWasDecided")),
                        text_of(money_or_none(d.get("amount"))),
                        yes(d.get("clientInvolved")),
                        text_of(d.get("whyClientNotInvolved")),
                        text_of(d.get("consulted")),
                    ]
                    for d in items_of(doc, "decisions")
                ),
            ),
        ),
        (
            "contacts",
            _csv(
                ["contacted_on", "kind", "with_whom", "about"],
                (
                    [
                        text_of(c.get("contactedOn")),
                        text_of(c.get("kind")),
                        text_of(c.get("withWhom")),
                        text_of(c.get("about")),
                    ]
                    for c in items_of(doc, "contacts")
                ),
            ),
        ),
        (
            "visits",
            _csv(
                ["reviewed_on", "methods", "client_involved", "needs", "finances"],
                (
                    [
                        text_of(v.get("reviewedOn")),
                        "; ".join(str(m) for m in v.get("methods") or []),
                        yes(v.get("clientInvolved")),
                        text_of(v.get("needs")),
                        text_of(v.get("finances")),
                    ]
                    for v in items_of(doc, "visits")
                ),
            ),
        ),
        (
            "care",
            _csv(
                ["item", "occurred_on", "kind", "details"],
                [
                    ["situation", "", "", text_of(care.get("situation"))],
                    ["arrangement", "", "", text_of(care.get("arrangement"))],
                    *(
                        [
                            "change",
                            text_of(c.get("occurredOn")),
                            text_of(c.get("kind")),
                            text_of(c.get("details")),
                        ]
                        for c in care.get("changes") or []
                    ),
                ],
            ),
        ),
        (
            "benefits",
            _csv(
                ["benefit", "opg_category", "payments", "received"],
                (
                    [
                        text_of(b.get("benefit")),
                        text_of(b.get("opgCategory")),
                        int(b.get("payments") or 0),
                        money_or_zero(b.get("received")),
                    ]
                    for b in items_of(doc, "benefits")
                ),
            ),
        ),
        (
            "assets",
            _csv(
                ["type", "id", "description", "valued_on", "status", "value"],
                [
                    *(
                        [
                            "property",
                            text_of(p.get("id")),
                            text_of(p.get("description")),
                            text_of(p.get("valuedOn")),
                            text_of(p.get("status")),
                            money_or_zero(p.get("value")),
                        ]
                        for p in assets["property"]
                    ),
                    *(
                        [
                            "investment",
                            text_of(i.get("id")),
                            text_of(i.get("description")),
                            text_of(i.get("valuedOn")),
                            "",
                            money_or_zero(i.get("value")),
                        ]
                        for i in assets["investments"]
                    ),
                    *(
                        [
                            "placement",
                            text_of(p.get("id")),
                            text_of(p.get("institution")),
                            "",
                            text_of(p.get("status")),
                            money_or_zero(p.get("amount")),
                        ]
                        for p in assets["placements"]
                    ),
                    *(
                        [
                            "valuable",
                            text_of(v.get("id")),
                            text_of(v.get("description")),
                            "",
                            "",
                            money_or_zero(v.get("value")),
                        ]
                        for v in assets["valuables"]
                    ),
                ],
            ),
        ),
        (
            "debts",
            _csv(
                ["id", "creditor", "kind", "opg_debt_type", "outstanding"],
                (
                    [
                        text_of(d.get("id")),
                        text_of(d.get("creditor")),
                        text_of(d.get("kind")),
                        OPG_DEBT_TYPE.get(text_of(d.get("kind")), "other"),
                        money_or_zero(d.get("outstanding")),
                    ]
                    for d in items_of(doc, "debts")
                ),
            ),
        ),
        (
            "actions",
            _csv(
                ["on", "kind", "description", "amount"],
                (
                    [
                        text_of(a.get("on")),
                        text_of(a.get("kind")),
                        text_of(a.get("description")),
                        text_of(money_or_none(a.get("amount"))),
                    ]
                    for a in items_of(doc, "actions")
                ),
            ),
        ),
        (
            "free_text",
            _csv(
                ["section", "text"],
                [
                    *([k, text_of(free.get(k))] for k in known),
                    *([str(k), text_of(v)] for k, v in sorted(free.items()) if k not in known),
                ],
            ),
        ),
    ]

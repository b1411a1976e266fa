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
    _account_names,
    _assets,
    _care,
    _itemised,
    _list,
    _m,
    _money,
    _opg_section,
    _s,
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
        for e in _itemised(c):
            rows.append(
                [
                    _s(c.get("category")),
                    _s(c.get("opgCategory")),
                    _s(c.get("opgGroup")),
                    _opg_section(c) if out else _s(c.get("benefit")),
                    _s(e.get("valueDate")),
                    _s(e.get("accountId")),
                    _s(e.get("transferId")),
                    _s(e.get("description")),
                    _m(e.get("amount")),
                ]
            )
    return rows


def csv_sections(document: Doc) -> list[tuple[str, str]]:
    """One CSV per section of the report, as (section name, CSV text), in the report's order.
    Money as decimal strings with two places, dates ISO, booleans ``true``/``false``; no totals
    row (a reader adds up). ``money_out`` has every entry out, with the OPG section it is reported
    in (``money``, ``deputy_fees``, ``deputy_expenses``, ``gifts``)."""
    doc = document
    names = _account_names(doc)
    assets = _assets(doc)
    care = _care(doc)

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
                        _s(a.get("accountId")),
                        _s(a.get("kind")),
                        OPG_ACCOUNT_TYPE.get(_s(a.get("kind")), "other"),
                        _s(a.get("name")),
                        _m(a.get("opening")),
                        _m(a.get("moneyIn")),
                        _m(a.get("moneyOut")),
                        _m(a.get("transfersIn")),
                        _m(a.get("transfersOut")),
                        _m(a.get("closing")),
                    ]
                    for a in _list(doc, "accounts")
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
                _money_rows(_list(doc, "moneyIn"), out=False),
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
                _money_rows(_list(doc, "moneyOut"), out=True),
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
                        _s(t.get("transferId")),
                        _s(t.get("valueDate")),
                        _s(t.get("fromAccountId")),
                        names.get(_s(t.get("fromAccountId")), ""),
                        _s(t.get("toAccountId")),
                        names.get(_s(t.get("toAccountId")), ""),
                        _s(t.get("description")),
                        _m(t.get("amount")),
                    ]
                    for t in _list(doc, "transfersBetweenOwnAccounts")
                ),
            ),
        ),
        (
            "deputy_fees",
            _csv(
                ["type", "opg_fee_type", "amount", "charges"],
                (
                    [
                        _s(f.get("type")),
                        _s(f.get("opgFeeType")),
                        _m(f.get("amount")),
                        len(f.get("charges") or []),
                    ]
                    for f in _list(doc, "deputyFees")
                ),
            ),
        ),
        (
            "deputy_expenses",
            _csv(
                ["transfer_id", "value_date", "description", "amount"],
                (
                    [
                        _s(x.get("transferId")),
                        _s(x.get("valueDate")),
                        _s(x.get("description")),
                        _m(x.get("amount")),
                    ]
                    for x in _list(doc, "deputyExpenses")
                ),
            ),
        ),
        (
            "gifts",
            _csv(
                ["transfer_id", "value_date", "recipient", "description", "decision_id", "amount"],
                (
                    [
                        _s(g.get("transferId")),
                        _s(g.get("valueDate")),
                        _s(g.get("recipient")),
                        _s(g.get("description")),
                        _s(g.get("decisionId")),
                        _m(g.get("amount")),
                    ]
                    for g in _list(doc, "gifts")
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
                        _s(d.get("decisionId")),
                        _s(d.get("madeOn")),
                        _s(d.get("kind")),
                        _s(d.get("whatWasDecided")),
                        _s(_money(d.get("amount"))),
                        yes(d.get("clientInvolved")),
                        _s(d.get("whyClientNotInvolved")),
                        _s(d.get("consulted")),
                    ]
                    for d in _list(doc, "decisions")
                ),
            ),
        ),
        (
            "contacts",
            _csv(
                ["contacted_on", "kind", "with_whom", "about"],
                (
                    [
                        _s(c.get("contactedOn")),
                        _s(c.get("kind")),
                        _s(c.get("withWhom")),
                        _s(c.get("about")),
                    ]
                    for c in _list(doc, "contacts")
                ),
            ),
        ),
        (
            "visits",
            _csv(
                ["reviewed_on", "methods", "client_involved", "needs", "finances"],
                (
                    [
                        _s(v.get("reviewedOn")),
                        "; ".join(str(m) for m in v.get("methods") or []),
                        yes(v.get("clientInvolved")),
                        _s(v.get("needs")),
                        _s(v.get("finances")),
                    ]
                    for v in _list(doc, "visits")
                ),
            ),
        ),
        (
            "care",
            _csv(
                ["item", "occurred_on", "kind", "details"],
                [
                    ["situation", "", "", _s(care.get("situation"))],
                    ["arrangement", "", "", _s(care.get("arrangement"))],
                    *(
                        ["change", _s(c.get("occurredOn")), _s(c.get("kind")), _s(c.get("details"))]
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
                        _s(b.get("benefit")),
                        _s(b.get("opgCategory")),
                        int(b.get("payments") or 0),
                        _m(b.get("received")),
                    ]
                    for b in _list(doc, "benefits")
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
                            _s(p.get("id")),
                            _s(p.get("description")),
                            _s(p.get("valuedOn")),
                            _s(p.get("status")),
                            _m(p.get("value")),
                        ]
                        for p in assets["property"]
                    ),
                    *(
                        [
                            "investment",
                            _s(i.get("id")),
                            _s(i.get("description")),
                            _s(i.get("valuedOn")),
                            "",
                            _m(i.get("value")),
                        ]
                        for i in assets["investments"]
                    ),
                    *(
                        [
                            "placement",
                            _s(p.get("id")),
                            _s(p.get("institution")),
                            "",
                            _s(p.get("status")),
                            _m(p.get("amount")),
                        ]
                        for p in assets["placements"]
                    ),
                    *(
                        [
                            "valuable",
                            _s(v.get("id")),
                            _s(v.get("description")),
                            "",
                            "",
                            _m(v.get("value")),
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
                        _s(d.get("id")),
                        _s(d.get("creditor")),
                        _s(d.get("kind")),
                        OPG_DEBT_TYPE.get(_s(d.get("kind")), "other"),
                        _m(d.get("outstanding")),
                    ]
                    for d in _list(doc, "debts")
                ),
            ),
        ),
        (
            "actions",
            _csv(
                ["on", "kind", "description", "amount"],
                (
                    [
                        _s(a.get("on")),
                        _s(a.get("kind")),
                        _s(a.get("description")),
                        _s(_money(a.get("amount"))),
                    ]
                    for a in _list(doc, "actions")
                ),
            ),
        ),
        (
            "free_text",
            _csv(
                ["section", "text"],
                [
                    *([k, _s(free.get(k))] for k in known),
                    *([str(k), _s(v)] for k, v in sorted(free.items()) if k not in known),
                ],
            ),
        ),
    ]

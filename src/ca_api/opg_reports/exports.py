"""The OPG annual report's exports (issue 15 item 5, R-OPG): pure functions of the report
document (``service.document``: one version's ``content`` with ``freeText`` and ``submission``
filled in). Nothing here reads the database: the same document gives the same exports, byte for
byte (the PDF too), so a submitted report's copy can be made again and compared.

- ``digital_service_json``: the report in the shape of the OPG's digital service ("Complete the
  deputy report"): its ids for account types, money categories and groups, deputy fee types and
  debt types; money as decimal strings with two places; dates ISO. Deputy fees, deputy expenses
  and gifts are their own sections (not in ``moneyOut``), as the OPG's balance check wants them:
  opening + money in - money out - deputy fees - deputy expenses - gifts = closing
  (``balanceCheck``, R-OPG-2). Validated by ``opg_report.schema.json`` (``json_schema()``).
- ``csv_sections``: one CSV per section, header row first.
- ``report_pdf``: the copy for the client's file (``ca_api.files.pdf``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from ca_api.files.pdf import Document
from ca_api.money import Pence, format_money

Doc = Mapping[str, Any]

# The free-text sections an officer writes (``OpgFreeTextSection``), in the report's order.
FREE_TEXT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("CLIENT_WISHES_AND_INVOLVEMENT", "The client's wishes and involvement"),
    ("CARE_AND_WELLBEING", "Care and wellbeing"),
    ("DECISIONS_SUMMARY", "Decisions made"),
    ("ACTIONS_NEXT_YEAR", "Actions for the next reporting year"),
    ("ANYTHING_ELSE", "Anything else the OPG should know"),
)

# The OPG digital service's bank account types (current, savings, isa, postoffice, cfo, other,
# other_no_sortcode) for the kinds of the client's accounts in the ledger.
OPG_ACCOUNT_TYPE: Mapping[str, str] = {
    "CLIENT_CMS": "other",  # the council's Client Monies Service sub-account (R-ACC-1)
    "CLIENT_COURT_FUNDS": "cfo",  # Court Funds Office (R-INV-2)
    "CLIENT_PLACEMENT": "savings",  # a placement with an approved institution (R-INV-4)
    "CLIENT_CASH": "other_no_sortcode",  # cash held for the client
}

# The OPG's debt types (care-fees, credit-cards, loans, other) for the kinds of debt recorded.
OPG_DEBT_TYPE: Mapping[str, str] = {
    "CARE_HOME_PERSONAL_ALLOWANCE": "care-fees",
    "COUNCIL_CARE_CONTRIBUTION": "care-fees",
    "CARE_FEES": "care-fees",
    "CREDIT_CARD": "credit-cards",
    "LOAN": "loans",
}

_REPORT_TYPE_TITLE: Mapping[str, str] = {
    "102-6": "higher assets",
    "103-6": "lower assets",
    "102-4-6": "higher assets, with health and welfare",
    "103-4-6": "lower assets, with health and welfare",
}

NOT_ITEMISED = "(not itemised)"


# --- small readers -------------------------------------------------------------------------


def _money(pence: Pence | None) -> str | None:
    return None if pence is None else format_money(int(pence))


def _m(pence: Pence | None) -> str:
    """Money that is always there (0 when the document leaves it out)."""
    return format_money(int(pence or 0))


def pounds(pence: Pence | None) -> str:
    """Pence as pounds for people: ``£1234.50``, ``-£0.05``."""
    value = int(pence or 0)
    return ("-£" if value < 0 else "£") + format_money(abs(value))


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _list(doc: Doc, key: str) -> list[Mapping[str, Any]]:
    return list(doc.get(key) or [])


def _assets(doc: Doc) -> Mapping[str, list[Mapping[str, Any]]]:
    a = doc.get("assets") or {}
    return {k: list(a.get(k) or []) for k in ("property", "investments", "placements", "valuables")}


def _care(doc: Doc) -> Mapping[str, Any]:
    return doc.get("care") or {}


def _opg_section(category: Mapping[str, Any]) -> str:
    return str(category.get("opgSection") or "money")


def _itemised(category: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A category's entries; where they do not add up to its amount (a document built without
    its entries), the remainder as one item, so that the sections always add up."""
    entries = list(category.get("entries") or [])
    rest = int(category.get("amount") or 0) - sum(int(e.get("amount") or 0) for e in entries)
    if rest:
        entries.append({"amount": rest, "description": NOT_ITEMISED})
    return entries


def _client_name(doc: Doc) -> str:
    c = doc.get("client") or {}
    return " ".join(x for x in (_s(c.get("givenName")), _s(c.get("familyName"))) if x)


def _account_names(doc: Doc) -> dict[str, str]:
    return {_s(a.get("accountId")): _s(a.get("name")) for a in _list(doc, "accounts")}


def _sum(items: Iterable[Mapping[str, Any]], key: str = "amount") -> Pence:
    return sum(int(x.get(key) or 0) for x in items)


# --- the OPG's balance check ---------------------------------------------------------------


def balance_check(doc: Doc) -> dict[str, Pence]:
    """The OPG's check of the exported sections, in pence (R-OPG-2): opening + money in - money
    out - deputy fees - deputy expenses - gifts = closing. ``moneyOut`` here is the money out the
    OPG lists as such (not fees, expenses or gifts); ``difference`` is 0 when the sections add up.
    """
    accounts = _list(doc, "accounts")
    opening = _sum(accounts, "opening")
    closing = _sum(accounts, "closing")
    money_in = _sum(_list(doc, "moneyIn"))
    money_out = _sum(c for c in _list(doc, "moneyOut") if _opg_section(c) == "money")
    fees = _sum(_list(doc, "deputyFees"))
    expenses = _sum(_list(doc, "deputyExpenses"))
    gifts = _sum(_list(doc, "gifts"))
    return {
        "opening": opening,
        "moneyIn": money_in,
        "moneyOut": money_out,
        "deputyFees": fees,
        "deputyExpenses": expenses,
        "gifts": gifts,
        "closing": closing,
        "difference": opening + money_in - money_out - fees - expenses - gifts - closing,
    }


# --- JSON in the shape of the OPG's digital service ----------------------------------------


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``digital_service_json``'s document."""
    text = (
        resources.files("ca_api.opg_reports")
        .joinpath("opg_report.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def _money_item(category: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "category": _s(category.get("opgCategory")),
        "group": _s(category.get("opgGroup")),
        "ledgerCategory": _s(category.get("category")),
        "benefit": category.get("benefit"),
        "amount": _m(entry.get("amount")),
        "description": _s(entry.get("description")),
        "date": entry.get("valueDate"),
        "bankAccountId": entry.get("accountId"),
    }


def _category_total(category: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "category": _s(category.get("opgCategory")),
        "group": _s(category.get("opgGroup")),
        "ledgerCategory": _s(category.get("category")),
        "benefit": category.get("benefit"),
        "amount": _m(category.get("amount")),
    }


def digital_service_json(document: Doc) -> dict[str, Any]:
    """The report as the OPG's digital service holds a deputy report (see the module's doc)."""
    doc = document
    client = doc.get("client") or {}
    deputyship = doc.get("deputyship") or {}
    period = doc.get("period") or {}
    threshold = doc.get("threshold") or {}
    money_out = [c for c in _list(doc, "moneyOut") if _opg_section(c) == "money"]
    assets = _assets(doc)
    care = _care(doc)
    free_text = {str(k): _s(v) for k, v in sorted((doc.get("freeText") or {}).items())}
    submission = doc.get("submission") or {}
    check = balance_check(doc)
    return {
        "schemaVersion": 1,
        "report": {
            "id": _s(doc.get("reportId")),
            "version": int(doc.get("version") or 1),
            "type": _s(doc.get("reportType")),
            "startDate": period.get("start"),
            "endDate": period.get("end"),
            "dueDate": period.get("dueOn"),
            "generatedAt": _s(doc.get("generatedAt")),
            "generatedBy": _s(doc.get("generatedBy")),
            "assetsAtEnd": _m(doc.get("assetsAtEnd")),
            "higherAssetsThreshold": {
                "name": _s(threshold.get("name")),
                "effectiveFrom": threshold.get("effectiveFrom"),
                "value": _m(threshold.get("value")),
            },
        },
        "client": {
            "id": _s(client.get("id")),
            "reference": _s(client.get("reference")),
            "caseNumber": _s(deputyship.get("caseNumber")),
            "firstName": _s(client.get("givenName")),
            "lastName": _s(client.get("familyName")),
            "dateOfBirth": client.get("dateOfBirth"),
        },
        "courtOrder": {
            "id": _s(deputyship.get("id")),
            "caseNumber": _s(deputyship.get("caseNumber")),
            "orderDate": deputyship.get("orderDate"),
            "supervisionType": _s(deputyship.get("supervisionType")),
            "healthAndWelfare": bool(deputyship.get("healthAndWelfareOrder")),
        },
        "bankAccounts": [
            {
                "id": _s(a.get("accountId")),
                "accountType": OPG_ACCOUNT_TYPE.get(_s(a.get("kind")), "other"),
                "kind": _s(a.get("kind")),
                "name": _s(a.get("name")),
                "openingBalance": _m(a.get("opening")),
                "moneyIn": _m(a.get("moneyIn")),
                "moneyOut": _m(a.get("moneyOut")),
                "transfersIn": _m(a.get("transfersIn")),
                "transfersOut": _m(a.get("transfersOut")),
                "closingBalance": _m(a.get("closing")),
            }
            for a in _list(doc, "accounts")
        ],
        "moneyIn": [_money_item(c, e) for c in _list(doc, "moneyIn") for e in _itemised(c)],
        "moneyOut": [_money_item(c, e) for c in money_out for e in _itemised(c)],
        "moneyInTotals": [_category_total(c) for c in _list(doc, "moneyIn")],
        "moneyOutTotals": [_category_total(c) for c in money_out],
        "deputyFees": [
            {
                "feeType": _s(f.get("opgFeeType")),
                "type": _s(f.get("type")),
                "amount": _m(f.get("amount")),
            }
            for f in _list(doc, "deputyFees")
        ],
        "deputyExpenses": [
            {
                "amount": _m(x.get("amount")),
                "description": _s(x.get("description")),
                "date": x.get("valueDate"),
            }
            for x in _list(doc, "deputyExpenses")
        ],
        "gifts": [
            {
                "amount": _m(g.get("amount")),
                "recipient": _s(g.get("recipient")),
                "description": _s(g.get("description")),
                "date": g.get("valueDate"),
                "decisionId": g.get("decisionId"),
            }
            for g in _list(doc, "gifts")
        ],
        "moneyTransfers": [
            {
                "accountFrom": _s(t.get("fromAccountId")),
                "accountTo": _s(t.get("toAccountId")),
                "amount": _m(t.get("amount")),
                "description": _s(t.get("description")),
                "date": t.get("valueDate"),
            }
            for t in _list(doc, "transfersBetweenOwnAccounts")
        ],
        "decisions": [
            {
                "id": _s(d.get("decisionId")),
                "kind": _s(d.get("kind")),
                "date": d.get("madeOn"),
                "description": _s(d.get("whatWasDecided")),
                "amount": _money(d.get("amount")),
                "clientInvolved": bool(d.get("clientInvolved")),
                "clientInvolvedDetails": d.get("whyClientNotInvolved"),
                "consulted": _s(d.get("consulted")),
            }
            for d in _list(doc, "decisions")
        ],
        "contacts": [
            {
                "date": c.get("contactedOn"),
                "kind": _s(c.get("kind")),
                "contactName": _s(c.get("withWhom")),
                "explanation": _s(c.get("about")),
            }
            for c in _list(doc, "contacts")
        ],
        "visitsCare": {
            "visits": [
                {
                    "date": v.get("reviewedOn"),
                    "methods": [str(m) for m in v.get("methods") or []],
                    "clientInvolved": bool(v.get("clientInvolved")),
                    "needs": _s(v.get("needs")),
                    "finances": _s(v.get("finances")),
                }
                for v in _list(doc, "visits")
            ],
            "situation": _s(care.get("situation")),
            "arrangement": _s(care.get("arrangement")),
            "changes": [
                {
                    "date": c.get("occurredOn"),
                    "kind": _s(c.get("kind")),
                    "details": _s(c.get("details")),
                }
                for c in care.get("changes") or []
            ],
        },
        "benefits": [
            {
                "benefit": _s(b.get("benefit")),
                "category": _s(b.get("opgCategory")),
                "received": _m(b.get("received")),
                "payments": int(b.get("payments") or 0),
            }
            for b in _list(doc, "benefits")
        ],
        "assets": {
            "property": [
                {
                    "id": _s(p.get("id")),
                    "description": _s(p.get("description")),
                    "value": _m(p.get("value")),
                    "valuationDate": p.get("valuedOn"),
                    "status": _s(p.get("status")),
                }
                for p in assets["property"]
            ],
            "investments": [
                {
                    "id": _s(i.get("id")),
                    "description": _s(i.get("description")),
                    "value": _m(i.get("value")),
                    "valuationDate": i.get("valuedOn"),
                }
                for i in assets["investments"]
            ],
            "other": [
                *(
                    {
                        "id": _s(p.get("id")),
                        "type": "placement",
                        "description": _s(p.get("institution")),
                        "value": _m(p.get("amount")),
                        "status": _s(p.get("status")),
                    }
                    for p in assets["placements"]
                ),
                *(
                    {
                        "id": _s(v.get("id")),
                        "type": "valuable",
                        "description": _s(v.get("description")),
                        "value": _m(v.get("value")),
                        "status": "",
                    }
                    for v in assets["valuables"]
                ),
            ],
        },
        "debts": [
            {
                "id": _s(d.get("id")),
                "debtType": OPG_DEBT_TYPE.get(_s(d.get("kind")), "other"),
                "kind": _s(d.get("kind")),
                "creditor": _s(d.get("creditor")),
                "amount": _m(d.get("outstanding")),
            }
            for d in _list(doc, "debts")
        ],
        "actions": [
            {
                "kind": _s(a.get("kind")),
                "date": a.get("on"),
                "description": _s(a.get("description")),
                "amount": _money(a.get("amount")),
            }
            for a in _list(doc, "actions")
        ],
        "freeText": free_text,
        "submission": {
            "status": _s(submission.get("status")),
            "preparedBy": submission.get("preparedBy"),
            "approvedBy": submission.get("approvedBy"),
            "approvedOn": submission.get("approvedOn"),
            "submittedOn": submission.get("submittedOn"),
            "opgReference": submission.get("opgReference"),
            "correctionReason": submission.get("correctionReason"),
        },
        "balanceCheck": {k: format_money(v) for k, v in check.items()},
    }


def digital_service_json_text(document: Doc) -> str:
    """``digital_service_json`` as text: sorted keys, two-space indent, UTF-8 (not escaped)."""
    return json.dumps(digital_service_json(document), sort_keys=True, indent=2, ensure_ascii=False)


# --- CSV, one per section -------------------------------------------------------------------


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


# --- the PDF for the client's file ----------------------------------------------------------


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

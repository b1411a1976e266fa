"""The OPG annual report as JSON in the shape of the OPG's digital service ("Complete the deputy
report", issue 15 item 5, R-OPG): its ids for account types, money categories and groups, deputy
fee types and debt types; money as decimal strings with two places; dates ISO. Deputy fees, deputy
expenses and gifts are their own sections (not in ``moneyOut``), as the OPG's balance check wants
them: opening + money in - money out - deputy fees - deputy expenses - gifts = closing
(``balanceCheck``, R-OPG-2). Validated by ``opg_report.schema.json`` (``json_schema()``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from ca_api.money import format_money
from ca_api.opg_reports.exports import (
    OPG_ACCOUNT_TYPE,
    OPG_DEBT_TYPE,
    Doc,
    _assets,
    _care,
    _itemised,
    _list,
    _m,
    _money,
    _opg_section,
    _s,
    balance_check,
)


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

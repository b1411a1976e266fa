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
    assets_of,
    balance_check,
    care_of,
    itemised_entries,
    items_of,
    money_or_none,
    money_or_zero,
    opg_section_of,
    text_of,
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
        "category": text_of(category.get("opgCategory")),
        "group": text_of(category.get("opgGroup")),
        "ledgerCategory": text_of(category.get("category")),
        "benefit": category.get("benefit"),
        "amount": money_or_zero(entry.get("amount")),
        "description": text_of(entry.get("description")),
        "date": entry.get("valueDate"),
        "bankAccountId": entry.get("accountId"),
    }


def _category_total(category: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "category": text_of(category.get("opgCategory")),
        "group": text_of(category.get("opgGroup")),
        "ledgerCategory": text_of(category.get("category")),
        "benefit": category.get("benefit"),
        "amount": money_or_zero(category.get("amount")),
    }


def digital_service_json(document: Doc) -> dict[str, Any]:
    """The report as the OPG's digital service holds a deputy report (see the module's doc)."""
    doc = document
    client = doc.get("client") or {}
    deputyship = doc.get("deputyship") or {}
    period = doc.get("period") or {}
    threshold = doc.get("threshold") or {}
    money_out = [c for c in items_of(doc, "moneyOut") if opg_section_of(c) == "money"]
    assets = assets_of(doc)
    care = care_of(doc)
    free_text = {str(k): text_of(v) for k, v in sorted((doc.get("freeText") or {}).items())}
    submission = doc.get("submission") or {}
    check = balance_check(doc)
    return {
        "schemaVersion": 1,
        "report": {
            "id": text_of(doc.get("reportId")),
            "version": int(doc.get("version") or 1),
            "type": text_of(doc.get("reportType")),
            "startDate": period.get("start"),
            "endDate": period.get("end"),
            "dueDate": period.get("dueOn"),
            "generatedAt": text_of(doc.get("generatedAt")),
            "generatedBy": text_of(doc.get("generatedBy")),
            "assetsAtEnd": money_or_zero(doc.get("assetsAtEnd")),
            "higherAssetsThreshold": {
                "name": text_of(threshold.get("name")),
                "effectiveFrom": threshold.get("effectiveFrom"),
                "value": money_or_zero(threshold.get("value")),
            },
        },
        "client": {
            "id": text_of(client.get("id")),
            "reference": text_of(client.get("reference")),
            "caseNumber": text_of(deputyship.get("caseNumber")),
            "firstName": text_of(client.get("givenName")),
            "lastName": text_of(client.get("familyName")),
            "dateOfBirth": client.get("dateOfBirth"),
        },
        "courtOrder": {
            "id": text_of(deputyship.get("id")),
            "caseNumber": text_of(deputyship.get("caseNumber")),
            "orderDate": deputyship.get("orderDate"),
            "supervisionType": text_of(deputyship.get("supervisionType")),
            "healthAndWelfare": bool(deputyship.get("healthAndWelfareOrder")),
        },
        "bankAccounts": [
            {
                "id": text_of(a.get("accountId")),
                "accountType": OPG_ACCOUNT_TYPE.get(text_of(a.get("kind")), "other"),
                "kind": text_of(a.get("kind")),
                "name": text_of(a.get("name")),
                "openingBalance": money_or_zero(a.get("opening")),
                "moneyIn": money_or_zero(a.get("moneyIn")),
                "moneyOut": money_or_zero(a.get("moneyOut")),
                "transfersIn": money_or_zero(a.get("transfersIn")),
                "transfersOut": money_or_zero(a.get("transfersOut")),
                "closingBalance": money_or_zero(a.get("closing")),
            }
            for a in items_of(doc, "accounts")
        ],
        "moneyIn": [
            _money_item(c, e) for c in items_of(doc, "moneyIn") for e in itemised_entries(c)
        ],
        "moneyOut": [_money_item(c, e) for c in money_out for e in itemised_entries(c)],
        "moneyInTotals": [_category_total(c) for c in items_of(doc, "moneyIn")],
        "moneyOutTotals": [_category_total(c) for c in money_out],
        "deputyFees": [
            {
                "feeType": text_of(f.get("opgFeeType")),
                "type": text_of(f.get("type")),
                "amount": money_or_zero(f.get("amount")),
            }
            for f in items_of(doc, "deputyFees")
        ],
        "deputyExpenses": [
            {
                "amount": money_or_zero(x.get("amount")),
                "description": text_of(x.get("description")),
                "date": x.get("valueDate"),
            }
            for x in items_of(doc, "deputyExpenses")
        ],
        "gifts": [
            {
                "amount": money_or_zero(g.get("amount")),
                "recipient": text_of(g.get("recipient")),
                "description": text_of(g.get("description")),
                "date": g.get("valueDate"),
                "decisionId": g.get("decisionId"),
            }
            for g in items_of(doc, "gifts")
        ],
        "moneyTransfers": [
            {
                "accountFrom": text_of(t.get("fromAccountId")),
                "accountTo": text_of(t.get("toAccountId")),
                "amount": money_or_zero(t.get("amount")),
                "description": text_of(t.get("description")),
                "date": t.get("valueDate"),
            }
            for t in items_of(doc, "transfersBetweenOwnAccounts")
        ],
        "decisions": [
            {
                "id": text_of(d.get("decisionId")),
                "kind": text_of(d.get("kind")),
                "date": d.get("madeOn"),
                "description": text_of(d.get("whatWasDecided")),
                "amount": money_or_none(d.get("amount")),
                "clientInvolved": bool(d.get("clientInvolved")),
                "clientInvolvedDetails": d.get("whyClientNotInvolved"),
                "consulted": text_of(d.get("consulted")),
            }
            for d in items_of(doc, "decisions")
        ],
        "contacts": [
            {
                "date": c.get("contactedOn"),
                "kind": text_of(c.get("kind")),
                "contactName": text_of(c.get("withWhom")),
                "explanation": text_of(c.get("about")),
            }
            for c in items_of(doc, "contacts")
        ],
        "visitsCare": {
            "visits": [
                {
                    "date": v.get("reviewedOn"),
                    "methods": [str(m) for m in v.get("methods") or []],
                    "clientInvolved": bool(v.get("clientInvolved")),
                    "needs": text_of(v.get("needs")),
                    "finances": text_of(v.get("finances")),
                }
                for v in items_of(doc, "visits")
            ],
            "situation": text_of(care.get("situation")),
            "arrangement": text_of(care.get("arrangement")),
            "changes": [
                {
                    "date": c.get("occurredOn"),
                    "kind": text_of(c.get("kind")),
                    "details": text_of(c.get("details")),
                }
                for c in care.get("changes") or []
            ],
        },
        "benefits": [
            {
                "benefit": text_of(b.get("benefit")),
                "category": text_of(b.get("opgCategory")),
                "received": money_or_zero(b.get("received")),
                "payments": int(b.get("payments") or 0),
            }
            for b in items_of(doc, "benefits")
        ],
        "assets": {
            "property": [
                {
                    "id": text_of(p.get("id")),
                    "description": text_of(p.get("description")),
                    "value": money_or_zero(p.get("value")),
                    "valuationDate": p.get("valuedOn"),
                    "status": text_of(p.get("status")),
                }
                for p in assets["property"]
            ],
            "investments": [
                {
                    "id": text_of(i.get("id")),
                    "description": text_of(i.get("description")),
                    "value": money_or_zero(i.get("value")),
                    "valuationDate": i.get("valuedOn"),
                }
                for i in assets["investments"]
            ],
            "other": [
                *(
                    {
                        "id": text_of(p.get("id")),
                        "type": "placement",
                        "description": text_of(p.get("institution")),
                        "value": money_or_zero(p.get("amount")),
                        "status": text_of(p.get("status")),
                    }
                    for p in assets["placements"]
                ),
                *(
                    {
                        "id": text_of(v.get("id")),
                        "type": "valuable",
                        "description": text_of(v.get("description")),
                        "value": money_or_zero(v.get("value")),
                        "status": "",
                    }
                    for v in assets["valuables"]
                ),
            ],
        },
        "debts": [
            {
                "id": text_of(d.get("id")),
                "debtType": OPG_DEBT_TYPE.get(text_of(d.get("kind")), "other"),
                "kind": text_of(d.get("kind")),
                "creditor": text_of(d.get("creditor")),
                "amount": money_or_zero(d.get("outstanding")),
            }
            for d in items_of(doc, "debts")
        ],
        "actions": [
            {
                "kind": text_of(a.get("kind")),
                "date": a.get("on"),
                "description": text_of(a.get("description")),
                "amount": money_or_none(a.get("amount")),
            }
            for a in items_of(doc, "actions")
        ],
        "freeText": free_text,
        "submission": {
            "status": text_of(submission.get("status")),
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

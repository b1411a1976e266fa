"""The OPG annual report's exports (issue 15 item 5, R-OPG, R-OPG-2): the JSON in the shape of
the OPG's digital service (validated by our JSON Schema), a CSV per section, the PDF for the
client's file (read back with pypdf), and the one PDF path of the service (``files.pdf``, which
the debt letters use too, R-DEBT-2). Pure: the exports read only the report document."""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
from typing import Any

import pytest
import strawberry
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from ca_api.files import pdf as files_pdf
from ca_api.money import format_money, parse_money
from ca_api.opg_reports import exports, exports_csv, exports_json, exports_pdf
from ca_api.opg_reports.export_types import OpgReportExport, export_of

ACC_CMS = "6f1f8b52-0000-4000-8000-000000000001"
ACC_CFO = "6f1f8b52-0000-4000-8000-000000000002"
DEC_GIFT = "6f1f8b52-0000-4000-8000-0000000000d1"


def _entry(
    n: int, on: str, amount: int, description: str, account: str = ACC_CMS
) -> dict[str, Any]:
    return {
        "transferId": f"7a000000-0000-4000-8000-{n:012d}",
        "valueDate": on,
        "amount": amount,
        "description": description,
        "accountId": account,
    }


def _category(
    category: str, opg: str, group: str, entries: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "category": category,
        "opgCategory": opg,
        "opgGroup": group,
        **extra,
        "amount": sum(e["amount"] for e in entries),
        "entries": entries,
    }


FEE_TYPES = [
    ("WORK_UP_TO_ORDER", "work-up-to-and-including-cot-made"),
    ("ANNUAL_MANAGEMENT", "annual-management-fee"),
    ("ANNUAL_PROPERTY_MANAGEMENT", "annual-property-management-fee"),
    ("REPORT_PREPARATION", "preparing-and-lodging-annual-report"),
    ("TAX_RETURN", "completition-of-tax-return"),
    ("TRAVEL", "travel-costs"),
    ("SPECIALIST_SERVICES", "specialist-service"),
]


def sample_document() -> dict[str, Any]:
    """A year of a deputy client's life, as the report document (the design's shape).

    CMS: 12,500.00 + 4,300.00 in - 4,317.29 out - 5,000.00 lodged = 7,482.71
    Court Funds: 10,000.00 + 23.45 interest + 5,000.00 lodged = 15,023.45
    Total: 22,500.00 + 4,323.45 - 4,317.29 = 22,506.16 (R-OPG-2)."""
    money_in = [
        _category(
            "IN_STATE_PENSION",
            "state-pension",
            "pensions",
            [
                _entry(1, "2025-04-07", 95000, "State pension, April"),
                _entry(2, "2025-10-06", 95000, "State pension, October"),
            ],
            benefit=None,
        ),
        _category(
            "IN_BENEFITS",
            "attendance-allowance",
            "state-benefits",
            [
                _entry(3, "2025-05-12", 45000, "Attendance allowance"),
                _entry(4, "2025-11-10", 45000, "Attendance allowance"),
            ],
            benefit="ATTENDANCE_ALLOWANCE",
        ),
        _category(
            "IN_BENEFITS",
            "pension-credit",
            "state-benefits",
            [_entry(5, "2025-06-02", 30000, "Pension credit")],
            benefit="PENSION_CREDIT",
        ),
        _category(
            "IN_PRIVATE_PENSION",
            "personal-pension",
            "pensions",
            [_entry(6, "2025-07-01", 120000, "Teachers' pension")],
            benefit=None,
        ),
        _category(
            "IN_INTEREST",
            "bank-interest",
            "income-from-investments",
            [_entry(7, "2026-03-31", 2345, "Court Funds interest on the lodgement", ACC_CFO)],
            benefit=None,
        ),
    ]
    money_out = [
        _category(
            "OUT_CARE_FEES",
            "care-fees",
            "care-and-medical",
            [
                _entry(10, "2025-04-30", 150000, "Seaview Care Home, April"),
                _entry(11, "2025-09-30", 150000, "Seaview Care Home, September"),
            ],
            opgSection="money",
        ),
        _category(
            "OUT_PERSONAL_ALLOWANCE",
            "personal-allowance",
            "personal-expenses",
            [
                _entry(12, "2025-04-14", 2590, "Personal allowance"),
                _entry(13, "2025-05-12", 2590, "Personal allowance"),
            ],
            opgSection="money",
        ),
        _category(
            "OUT_MEDICAL_EXPENSES",
            "medical-expenses",
            "care-and-medical",
            [_entry(14, "2025-08-19", 18999, 'Glasses, "Specsavers"')],
            opgSection="money",
        ),
        _category(
            "OUT_DEPUTY_FEES",
            "deputy-fees",
            "fees",
            [
                _entry(15, "2026-03-01", 77500, "Annual management fee"),
                _entry(16, "2026-03-01", 21600, "Preparing the annual report"),
            ],
            opgSection="deputy_fees",
        ),
        _category(
            "OUT_DEPUTY_EXPENSES",
            "deputy-expenses",
            "fees",
            [_entry(17, "2025-12-02", 3450, "Recorded delivery of the house keys")],
            opgSection="deputy_expenses",
        ),
        _category(
            "OUT_GIFTS",
            "gifts",
            "moneyout-other",
            [_entry(18, "2025-12-20", 5000, "Christmas present for her niece")],
            opgSection="gifts",
        ),
    ]
    fee_amounts = {"ANNUAL_MANAGEMENT": 77500, "REPORT_PREPARATION": 21600}
    return {
        "schemaVersion": 1,
        "reportId": "5e000000-0000-4000-8000-000000000015",
        "version": 1,
        "generatedAt": "2026-04-02T09:30:00+00:00",
        "generatedBy": "ash.assistant",
        "client": {
            "id": "c1000000-0000-4000-8000-000000000001",
            "reference": "CA-000123",
            "givenName": "Edith",
            "familyName": "O'Brien",
            "dateOfBirth": "1938-02-11",
        },
        "deputyship": {
            "id": "d1000000-0000-4000-8000-000000000001",
            "caseNumber": "13245768",
            "orderDate": "2024-04-01",
            "supervisionType": "2",
            "healthAndWelfareOrder": False,
        },
        "period": {"start": "2025-04-01", "end": "2026-03-31", "dueOn": "2026-05-26"},
        "reportType": "102-6",
        "assetsAtEnd": 21290616,
        "threshold": {
            "name": "opg_report_higher_assets_threshold",
            "effectiveFrom": "2007-10-01",
            "value": 2100000,
        },
        "accounts": [
            {
                "accountId": ACC_CMS,
                "kind": "CLIENT_CMS",
                "name": "Client Monies Service",
                "opening": 1250000,
                "moneyIn": 430000,
                "moneyOut": 431729,
                "transfersIn": 0,
                "transfersOut": 500000,
                "closing": 748271,
            },
            {
                "accountId": ACC_CFO,
                "kind": "CLIENT_COURT_FUNDS",
                "name": "Court Funds Office",
                "opening": 1000000,
                "moneyIn": 2345,
                "moneyOut": 0,
                "transfersIn": 500000,
                "transfersOut": 0,
                "closing": 1502345,
            },
        ],
        "moneyIn": money_in,
        "moneyOut": money_out,
        "transfersBetweenOwnAccounts": [
            {
                "transferId": "7a000000-0000-4000-8000-000000000020",
                "valueDate": "2025-06-16",
                "fromAccountId": ACC_CMS,
                "toAccountId": ACC_CFO,
                "amount": 500000,
                "description": "Lodgement with the Court Funds Office",
            }
        ],
        "totals": {"opening": 2250000, "moneyIn": 432345, "moneyOut": 431729, "closing": 2250616},
        "includedTransferIds": [f"7a000000-0000-4000-8000-{n:012d}" for n in range(1, 21)],
        "decisions": [
            {
                "decisionId": DEC_GIFT,
                "kind": "GIFT",
                "madeOn": "2025-12-01",
                "whatWasDecided": "A Christmas present of £50.00 for her niece",
                "amount": 5000,
                "clientInvolved": True,
                "whyClientNotInvolved": None,
                "consulted": "Her niece, the care home manager",
            },
            {
                "decisionId": "6f1f8b52-0000-4000-8000-0000000000d2",
                "kind": "LODGEMENT",
                "madeOn": "2025-06-10",
                "whatWasDecided": "Lodge £5,000.00 with the Court Funds Office",
                "amount": 500000,
                "clientInvolved": False,
                "whyClientNotInvolved": "Asleep at both visits that week",
                "consulted": "",
            },
        ],
        "contacts": [
            {
                "contactedOn": "2025-05-20",
                "kind": "PHONE",
                "withWhom": "Seaview Care Home",
                "about": "Her new room",
            },
            {
                "contactedOn": "2025-11-03",
                "kind": "LETTER",
                "withWhom": "DWP",
                "about": "Attendance allowance review",
            },
        ],
        "visits": [
            {
                "reviewedOn": "2025-10-14",
                "methods": ["VISIT", "PHONE"],
                "clientInvolved": True,
                "needs": "Settled; enjoys the garden",
                "finances": "No concerns",
            }
        ],
        "care": {
            "situation": "Lives in a residential care home",
            "arrangement": "Seaview Care Home, self-funded",
            "changes": [
                {"occurredOn": "2025-05-19", "kind": "ROOM_MOVE", "details": "Ground floor"}
            ],
        },
        "benefits": [
            {
                "benefit": "ATTENDANCE_ALLOWANCE",
                "opgCategory": "attendance-allowance",
                "received": 90000,
                "payments": 2,
            },
            {
                "benefit": "PENSION_CREDIT",
                "opgCategory": "pension-credit",
                "received": 30000,
                "payments": 1,
            },
        ],
        "gifts": [
            {
                "transferId": "7a000000-0000-4000-8000-000000000018",
                "valueDate": "2025-12-20",
                "amount": 5000,
                "recipient": "Her niece",
                "description": "Christmas present",
                "decisionId": DEC_GIFT,
            }
        ],
        "deputyFees": [
            {
                "type": t,
                "opgFeeType": opg,
                "amount": fee_amounts.get(t, 0),
                "charges": (
                    [
                        {
                            "transferId": "7a000000-0000-4000-8000-000000000015",
                            "valueDate": "2026-03-01",
                            "amount": fee_amounts[t],
                        }
                    ]
                    if t in fee_amounts
                    else []
                ),
            }
            for t, opg in FEE_TYPES
        ],
        "deputyExpenses": [
            {
                "transferId": "7a000000-0000-4000-8000-000000000017",
                "valueDate": "2025-12-02",
                "amount": 3450,
                "description": "Recorded delivery of the house keys",
            }
        ],
        "assets": {
            "property": [
                {
                    "id": "a1",
                    "description": "12 Elm Road, Margate",
                    "value": 18500000,
                    "valuedOn": "2025-01-10",
                    "status": "HELD",
                }
            ],
            "investments": [
                {"id": "a2", "description": "Premium bonds", "value": 500000, "valuedOn": None}
            ],
            "placements": [],
            "valuables": [{"id": "a3", "description": "Gold wedding ring", "value": 40000}],
        },
        "debts": [
            {
                "id": "b1",
                "creditor": "Kent County Council",
                "kind": "COUNCIL_CARE_CONTRIBUTION",
                "outstanding": 0,
            },
            {
                "id": "b2",
                "creditor": "Barclaycard",
                "kind": "OTHER_UNSECURED",
                "outstanding": 12000,
            },
        ],
        "actions": [
            {
                "kind": "LODGEMENT",
                "on": "2025-06-16",
                "description": "Lodged with the Court Funds Office",
                "amount": 500000,
            }
        ],
        "freeText": {
            "CLIENT_WISHES_AND_INVOLVEMENT": "Edith wants to stay at Seaview.",
            "ANYTHING_ELSE": "Nothing else.",
        },
        "submission": {
            "status": "SUBMITTED",
            "submittedOn": "2026-04-20",
            "opgReference": "OPG-2026-000777",
            "approvedBy": "sam.senior",
            "approvedOn": "2026-04-15",
            "preparedBy": "ash.assistant",
            "correctionReason": None,
        },
    }


def _validator() -> Draft202012Validator:
    schema = exports_json.json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(instance: Any) -> list[str]:
    return [e.message for e in _validator().iter_errors(instance)]


def _floats(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- JSON -----------------------------------------------------------------------------------


def test_the_digital_service_json_validates_against_our_schema() -> None:
    """Issue 15: 'the JSON validates against a JSON Schema we write' (draft 2020-12, formats
    checked); money as decimal strings, never floats."""
    document = exports_json.digital_service_json(sample_document())
    assert _errors(document) == []
    assert _floats(document) == []
    assert document["report"]["type"] == "102-6"
    assert document["report"]["startDate"] == "2025-04-01"
    assert document["report"]["dueDate"] == "2026-05-26"
    assert document["client"]["reference"] == "CA-000123"
    assert [a["accountType"] for a in document["bankAccounts"]] == ["other", "cfo"]
    assert document["bankAccounts"][1]["closingBalance"] == "15023.45"
    # money in, one item an entry, with the OPG's ids; benefits split per benefit
    assert len(document["moneyIn"]) == 7
    assert {x["category"] for x in document["moneyIn"]} >= {
        "attendance-allowance",
        "pension-credit",
    }
    # fees, expenses and gifts are their own sections, not in money out (as the OPG has them)
    assert {x["category"] for x in document["moneyOut"]} == {
        "care-fees",
        "personal-allowance",
        "medical-expenses",
    }
    assert [f["feeType"] for f in document["deputyFees"]] == [opg for _, opg in FEE_TYPES]
    assert document["deputyFees"][1]["amount"] == "775.00"
    assert document["gifts"][0]["decisionId"] == DEC_GIFT
    assert document["moneyTransfers"][0]["amount"] == "5000.00"
    assert [d["debtType"] for d in document["debts"]] == ["care-fees", "other"]
    # the JSON text is the same document, keys sorted
    text = exports_json.digital_service_json_text(sample_document())
    assert json.loads(text) == document
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)


def test_the_json_balance_check_adds_up_as_the_opg_checks_it_r_opg_2() -> None:
    """Opening + money in - money out - deputy fees - expenses - gifts = closing, to the penny,
    and each figure is the sum of its own section of the JSON."""
    document = exports_json.digital_service_json(sample_document())
    check = {k: parse_money(v) for k, v in document["balanceCheck"].items()}
    assert check == {
        "opening": 2250000,
        "moneyIn": 432345,
        "moneyOut": 324179,
        "deputyFees": 99100,
        "deputyExpenses": 3450,
        "gifts": 5000,
        "closing": 2250616,
        "difference": 0,
    }

    def total(items: list[dict[str, Any]], key: str = "amount") -> int:
        return sum(parse_money(x[key]) for x in items)

    assert total(document["bankAccounts"], "openingBalance") == check["opening"]
    assert total(document["bankAccounts"], "closingBalance") == check["closing"]
    assert total(document["moneyIn"]) == total(document["moneyInTotals"]) == check["moneyIn"]
    assert total(document["moneyOut"]) == total(document["moneyOutTotals"]) == check["moneyOut"]
    assert total(document["deputyFees"]) == check["deputyFees"]
    assert total(document["deputyExpenses"]) == check["deputyExpenses"]
    assert total(document["gifts"]) == check["gifts"]
    # every money section together is the ledger's money out
    assert (
        check["moneyOut"] + check["deputyFees"] + check["deputyExpenses"] + check["gifts"]
        == (sample_document()["totals"]["moneyOut"])
    )


def test_a_document_out_by_a_penny_shows_the_difference() -> None:
    doc = sample_document()
    doc["accounts"][1]["closing"] += 1
    check = exports_json.digital_service_json(doc)["balanceCheck"]
    assert check["closing"] == "22506.17" and check["difference"] == "-0.01"


def test_a_category_without_its_entries_is_still_reported_in_full() -> None:
    doc = sample_document()
    doc["moneyIn"][3]["entries"] = []  # the private pension's entries left out
    document = exports_json.digital_service_json(doc)
    assert {"category": "personal-pension", "amount": "1200.00"}.items() <= next(
        x for x in document["moneyIn"] if x["description"] == exports.NOT_ITEMISED
    ).items()
    assert document["balanceCheck"]["difference"] == "0.00" and _errors(document) == []


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: d.pop("client"), "'client' is a required property"),
        (lambda d: d["client"].pop("reference"), "'reference' is a required property"),
        (lambda d: d["moneyIn"][0].__setitem__("amount", 950.0), "is not of type 'string'"),
        (lambda d: d["moneyIn"][0].__setitem__("amount", "950.5"), "does not match"),
        (lambda d: d["balanceCheck"].__setitem__("opening", 2250000), "is not of type 'string'"),
        (lambda d: d["report"].__setitem__("endDate", "2026-02-30"), "is not a 'date'"),
        (lambda d: d["report"].__setitem__("endDate", "31/03/2026"), "does not match"),
        (lambda d: d["report"].__setitem__("type", "104"), "is not one of"),
        (lambda d: d["bankAccounts"][0].__setitem__("iban", "GB00"), "Additional properties"),
        (lambda d: d["freeText"].__setitem__("NOT_A_SECTION", "x"), "is not one of"),
    ],
)
def test_a_broken_json_does_not_validate(breakage: Any, message: str) -> None:
    document = copy.deepcopy(exports_json.digital_service_json(sample_document()))
    breakage(document)
    errors = _errors(document)
    assert errors and any(message in e for e in errors), errors


# --- CSV ------------------------------------------------------------------------------------


def _rows(sections: dict[str, str], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sections[name], newline="")))


def _total(rows: list[dict[str, str]], key: str = "amount") -> int:
    return sum(parse_money(r[key]) for r in rows)


def test_each_csv_section_parses_back_with_its_rows_and_totals() -> None:
    named = exports_csv.csv_sections(sample_document())
    assert [name for name, _ in named] == [
        "accounts",
        "money_in",
        "money_out",
        "transfers",
        "deputy_fees",
        "deputy_expenses",
        "gifts",
        "decisions",
        "contacts",
        "visits",
        "care",
        "benefits",
        "assets",
        "debts",
        "actions",
        "free_text",
    ]
    sections = dict(named)
    for name, text in named:
        assert text.startswith(next(csv.reader(io.StringIO(text)))[0]), name  # a header row

    accounts = _rows(sections, "accounts")
    assert [a["name"] for a in accounts] == ["Client Monies Service", "Court Funds Office"]
    assert _total(accounts, "opening") == 2250000 and _total(accounts, "closing") == 2250616
    for a in accounts:  # each account balances (R-OPG-2)
        assert parse_money(a["opening"]) + parse_money(a["money_in"]) - parse_money(
            a["money_out"]
        ) + parse_money(a["transfers_in"]) - parse_money(a["transfers_out"]) == parse_money(
            a["closing"]
        )

    money_in = _rows(sections, "money_in")
    assert len(money_in) == 7 and _total(money_in) == 432345
    assert [r["benefit"] for r in money_in if r["category"] == "IN_BENEFITS"] == [
        "ATTENDANCE_ALLOWANCE",
        "ATTENDANCE_ALLOWANCE",
        "PENSION_CREDIT",
    ]
    money_out = _rows(sections, "money_out")
    assert len(money_out) == 9 and _total(money_out) == 431729
    glasses = next(r for r in money_out if r["category"] == "OUT_MEDICAL_EXPENSES")
    assert glasses["description"] == 'Glasses, "Specsavers"' and glasses["amount"] == "189.99"
    by_section: dict[str, int] = {}
    for r in money_out:
        by_section[r["opg_section"]] = by_section.get(r["opg_section"], 0) + parse_money(
            r["amount"]
        )
    assert by_section == {
        "money": 324179,
        "deputy_fees": 99100,
        "deputy_expenses": 3450,
        "gifts": 5000,
    }

    transfers = _rows(sections, "transfers")
    assert [(t["from_account"], t["to_account"], t["amount"]) for t in transfers] == [
        ("Client Monies Service", "Court Funds Office", "5000.00")
    ]
    fees = _rows(sections, "deputy_fees")
    assert [f["type"] for f in fees] == [t for t, _ in FEE_TYPES] and _total(fees) == 99100
    assert _total(_rows(sections, "deputy_expenses")) == 3450
    gifts = _rows(sections, "gifts")
    assert _total(gifts) == 5000 and gifts[0]["decision_id"] == DEC_GIFT
    decisions = _rows(sections, "decisions")
    assert [d["client_involved"] for d in decisions] == ["true", "false"]
    assert decisions[1]["why_client_not_involved"] == "Asleep at both visits that week"
    assert [c["with_whom"] for c in _rows(sections, "contacts")] == ["Seaview Care Home", "DWP"]
    assert _rows(sections, "visits")[0]["methods"] == "VISIT; PHONE"
    assert [b["received"] for b in _rows(sections, "benefits")] == ["900.00", "300.00"]
    assets = _rows(sections, "assets")
    assert [a["type"] for a in assets] == ["property", "investment", "valuable"]
    assert _total(assets, "value") == 19040000
    assert _total(_rows(sections, "debts"), "outstanding") == 12000
    assert _rows(sections, "actions")[0]["amount"] == "5000.00"
    free = {r["section"]: r["text"] for r in _rows(sections, "free_text")}
    assert len(free) == 5 and free["CLIENT_WISHES_AND_INVOLVEMENT"].startswith("Edith")
    assert free["DECISIONS_SUMMARY"] == ""


# --- PDF ------------------------------------------------------------------------------------


def test_the_report_pdf_reads_back_with_the_reference_the_period_and_the_totals() -> None:
    """Issue 15: 'The PDF's text contains the client's reference, the period and the totals'."""
    data = exports_pdf.report_pdf(sample_document())
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    assert "CA-000123" in text and "Edith O'Brien" in text
    assert "2025-04-01 to 2026-03-31" in text and "2026-05-26" in text
    assert "102-6" in text
    for pence in (2250000, 432345, 431729, 2250616):  # opening, in, out, closing
        assert f"£{format_money(pence)}" in text
    assert "balances to the penny" in text
    assert "£189.99" in text and "care-fees" in text and "£775.00" in text
    assert "Edith wants to stay at Seaview." in text
    assert "OPG-2026-000777" in text and "sam.senior" in text


def test_the_same_document_gives_the_same_pdf_bytes() -> None:
    """Files are stored by SHA-256 and deduplicated: the copy must be made again byte for byte."""
    first = exports_pdf.report_pdf(sample_document())
    assert exports_pdf.report_pdf(sample_document()) == first
    changed = sample_document()
    changed["submission"]["opgReference"] = "OPG-2026-000778"
    assert exports_pdf.report_pdf(changed) != first


def test_an_unbalanced_document_says_so_in_its_pdf() -> None:
    doc = sample_document()
    doc["totals"]["closing"] += 1
    text = _pdf_text(exports_pdf.report_pdf(doc))
    assert "does NOT balance (difference -£0.01)" in text


def test_a_minimal_document_exports_without_its_sections() -> None:
    """A report generated before H3's sections exist, or a client with nothing to report."""
    doc = sample_document()
    for key in ("decisions", "contacts", "visits", "care", "benefits", "gifts", "deputyFees",
                "deputyExpenses", "assets", "debts", "actions", "freeText"):  # fmt: skip
        doc.pop(key)
    doc["moneyOut"] = [c for c in doc["moneyOut"] if c["opgSection"] == "money"]
    doc["accounts"][0]["moneyOut"] = doc["accounts"][0]["closing"] = 0
    document = exports_json.digital_service_json(doc)
    assert document["freeText"] == {} and document["assets"]["other"] == []
    assert "Not written." in _pdf_text(exports_pdf.report_pdf(doc))
    assert all(text.count("\r\n") >= 1 for _, text in exports_csv.csv_sections(doc))


# --- GraphQL type ---------------------------------------------------------------------------


def test_the_export_type_carries_the_three_exports() -> None:
    """``OpgReportExport`` as GraphQL (the lead wires it onto ``OpgReportVersion``): a schema of
    its own here, so that the field names and the values are what a caller reads."""
    doc = sample_document()

    @strawberry.type
    class Query:
        @strawberry.field
        def export(self) -> OpgReportExport:
            return export_of(doc)

    result = strawberry.Schema(query=Query).execute_sync(
        "{ export { digitalServiceJson csvSections { section csv } pdfBase64 } }"
    )
    assert result.errors is None and result.data is not None
    export = result.data["export"]
    assert export["digitalServiceJson"] == exports_json.digital_service_json_text(doc)
    assert json.loads(export["digitalServiceJson"]) == exports_json.digital_service_json(doc)
    assert [(s["section"], s["csv"]) for s in export["csvSections"]] == exports_csv.csv_sections(
        doc
    )
    assert base64.b64decode(export["pdfBase64"]) == exports_pdf.report_pdf(doc)


# --- the one PDF path (files.pdf), the debt letters' too ------------------------------------


def test_a_letter_pdf_reads_back_and_is_the_same_bytes_each_time_r_debt_2() -> None:
    letter = (
        "Dear Sir or Madam\n\nOur client lacks the mental capacity to manage their affairs.\n"
        "Under the financial plan we are able to pay you £20.00. We confirm that our\n"
        "client is unable to repay the remaining £380.00.\n(Reference: CA-000123) \\ end"
    )
    data = files_pdf.text_pdf(letter)
    assert data == files_pdf.text_pdf(letter) and data.startswith(b"%PDF-")
    text = _pdf_text(data)
    assert "client is unable to repay the remaining £380.00." in text
    assert "(Reference: CA-000123) \\ end" in text
    assert files_pdf.text_pdf(letter + "\nP.S.") != data


def test_a_long_letter_runs_onto_more_pages_and_odd_characters_do_not_break_it() -> None:
    lines = [f"line {n}" for n in range(1, 131)] + ["Zoë paid €5 ✓"]
    reader = PdfReader(io.BytesIO(files_pdf.text_pdf("\n".join(lines))))
    assert len(reader.pages) == 3  # 60 lines a page
    assert "line 61" in reader.pages[1].extract_text()
    assert "Zoë paid €5 ?" in reader.pages[2].extract_text()  # outside Windows-1252: "?"

"""The OPG annual report's exports (issue 15 item 5, R-OPG): what the JSON, CSV and PDF exports
share. The OPG's codes for account and debt types, the free-text sections in order, the readers
of the report document (``report_views.document``: one version's ``content`` with ``freeText`` and
``submission`` filled in) and the OPG's balance check. Nothing here or in the exports reads the
database: the same document gives the same exports, byte for byte (the PDF too), so a submitted
report's copy can be made again and compared.

- ``exports_json``: the report in the shape of the OPG's digital service.
- ``exports_csv``: one CSV per section, header row first.
- ``exports_pdf``: the copy for the client's file (``ca_api.files.pdf``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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

NOT_ITEMISED = "(not itemised)"


# --- small readers -------------------------------------------------------------------------


def money_or_none(pence: Pence | None) -> str | None:
    return None if pence is None else format_money(int(pence))


def money_or_zero(pence: Pence | None) -> str:
    """Money that is always there (0 when the document leaves it out)."""
    return format_money(int(pence or 0))


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


def items_of(doc: Doc, key: str) -> list[Mapping[str, Any]]:
    return list(doc.get(key) or [])


def assets_of(doc: Doc) -> Mapping[str, list[Mapping[str, Any]]]:
    a = doc.get("assets") or {}
    return {k: list(a.get(k) or []) for k in ("property", "investments", "placements", "valuables")}


def care_of(doc: Doc) -> Mapping[str, Any]:
    return doc.get("care") or {}


def opg_section_of(category: Mapping[str, Any]) -> str:
    return str(category.get("opgSection") or "money")


def itemised_entries(category: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A category's entries; where they do not add up to its amount (a document built without
    its entries), the remainder as one item, so that the sections always add up."""
    entries = list(category.get("entries") or [])
    rest = int(category.get("amount") or 0) - sum(int(e.get("amount") or 0) for e in entries)
    if rest:
        entries.append({"amount": rest, "description": NOT_ITEMISED})
    return entries


def account_names(doc: Doc) -> dict[str, str]:
    return {text_of(a.get("accountId")): text_of(a.get("name")) for a in items_of(doc, "accounts")}


def total_of(items: Iterable[Mapping[str, Any]], key: str = "amount") -> Pence:
    return sum(int(x.get(key) or 0) for x in items)


# --- the OPG's balance check ---------------------------------------------------------------


def balance_check(doc: Doc) -> dict[str, Pence]:
    """The OPG's check of the exported sections, in pence (R-OPG-2): opening + money in - money
    out - deputy fees - deputy expenses - gifts = closing. ``moneyOut`` here is the money out the
    OPG lists as such (not fees, expenses or gifts); ``difference`` is 0 when the sections add up.
    """
    accounts = items_of(doc, "accounts")
    opening = total_of(accounts, "opening")
    closing = total_of(accounts, "closing")
    money_in = total_of(items_of(doc, "moneyIn"))
    money_out = total_of(c for c in items_of(doc, "moneyOut") if opg_section_of(c) == "money")
    fees = total_of(items_of(doc, "deputyFees"))
    expenses = total_of(items_of(doc, "deputyExpenses"))
    gifts = total_of(items_of(doc, "gifts"))
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

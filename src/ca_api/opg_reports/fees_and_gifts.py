"""The OPG report's sections read from its money part's money out (issue 15 item 3, R-OPG): gifts
with their decisions (R-DEC-3), deputy fees by the OPG's fee types (R-FEE-1) and deputy
expenses; ``sections.gather`` puts them in the report document."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.decisions.rules import normalise_name
from ca_api.fees.rules import OPG_FEE_TYPE_ID, FeeBasis, FeeKind, OpgFeeType, opg_fee_type
from ca_api.ledger.rules import Category
from ca_api.opg_reports import sections_repository as repository


def _entries(money: Mapping[str, Any], category: Category) -> list[Mapping[str, Any]]:
    """The money part's money-out entries of one (reported) category, in date order."""
    out: list[Mapping[str, Any]] = []
    for group in money.get("moneyOut", []):
        if group.get("category") == category.value:
            out.extend(group.get("entries", []))
    return sorted(out, key=lambda e: (str(e["valueDate"]), str(e["transferId"])))


def _same_recipient(decision: Any, payee_id: uuid.UUID | None, payee_name: str | None) -> bool:
    """Whether a gift decision names the counterparty paid: by its id, else by its name as the
    employee register compares names (R-DEC-3)."""
    if payee_id is None:
        return False
    if decision.recipient_counterparty_id is not None:
        return bool(decision.recipient_counterparty_id == payee_id)
    return payee_name is not None and decision.recipient_name_key == normalise_name(payee_name)


async def gifts(
    session: AsyncSession, client_id: uuid.UUID, money: Mapping[str, Any]
) -> list[dict[str, Any]]:
    entries = _entries(money, Category.OUT_GIFTS)
    if not entries:
        return []
    payees = await repository.payees_of(session, [uuid.UUID(str(e["transferId"])) for e in entries])
    decisions = list(await repository.gift_decisions(session, client_id))
    used: set[uuid.UUID] = set()
    out = []
    for e in entries:
        tid = uuid.UUID(str(e["transferId"]))
        payee_id, payee_name = payees.get(tid, (None, None))
        on = date.fromisoformat(str(e["valueDate"]))
        match = [
            d
            for d, approved_on in decisions
            if d.id not in used
            and _same_recipient(d, payee_id, payee_name)
            and d.amount == int(e["amount"])
            and approved_on <= on
        ]
        decision = match[-1] if match else None
        if decision is not None:
            used.add(decision.id)
        out.append(
            {
                "transferId": str(tid),
                "valueDate": on.isoformat(),
                "amount": int(e["amount"]),
                "recipient": payee_name
                or (decision.recipient_name if decision is not None else None)
                or "",
                "description": str(e.get("description", "")),
                "decisionId": str(decision.id) if decision is not None else None,
            }
        )
    return out


async def deputy_fees(
    session: AsyncSession,
    client_id: uuid.UUID,
    start: date,
    end: date,
    money: Mapping[str, Any],
) -> list[dict[str, Any]]:
    charges: dict[OpgFeeType, list[dict[str, Any]]] = {t: [] for t in OpgFeeType}
    charged: set[str] = set()
    for charge, value_date in await repository.fee_charges(session, client_id, start, end):
        charged.add(str(charge.transfer_id))
        kind = opg_fee_type(FeeKind(charge.kind), FeeBasis(charge.basis))
        if kind is None:
            continue  # the OPG's supervision fee: money out, not a deputy fee
        charges[kind].append(
            {
                "transferId": str(charge.transfer_id),
                "valueDate": value_date.isoformat(),
                "amount": charge.amount,
            }
        )
    for e in _entries(money, Category.OUT_DEPUTY_FEES):
        if str(e["transferId"]) not in charged:
            charges[OpgFeeType.ANNUAL_MANAGEMENT].append(
                {
                    "transferId": str(e["transferId"]),
                    "valueDate": str(e["valueDate"]),
                    "amount": int(e["amount"]),
                }
            )
    return [
        {
            "type": t.value,
            "opgFeeType": OPG_FEE_TYPE_ID[t],
            "amount": sum(c["amount"] for c in charges[t]),
            "charges": sorted(charges[t], key=lambda c: (c["valueDate"], c["transferId"])),
        }
        for t in OpgFeeType
    ]


def deputy_expenses(money: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "transferId": str(e["transferId"]),
            "valueDate": str(e["valueDate"]),
            "amount": int(e["amount"]),
            "description": str(e.get("description", "")),
        }
        for e in _entries(money, Category.OUT_DEPUTY_EXPENSES)
    ]

"""The wind-up fee (issue 13 item 4; R-FEE-5, R-FEE-6, seed 002 B 29.4, B 6.4-6.5, Appendix 3),
through /graphql.

Taken once per client, from appointee-only and deputy clients alike, only once the death is
confirmed and every due invoice (dated up to the death) and payment is discharged; the figure in
force on the date of death; one ledger transfer to the council, nothing written when refused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import decode_uuid
from ca_api.deaths.spending import refuse_estate_before_wind_up_fee
from ca_api.errors import InvalidState
from tests.conftest import Api, RolledBackDatabase, dates_counted_from
from tests.factories import (
    SCAO,
    approve_payment,
    assert_forbidden,
    audit_rows,
    cms_balance,
    confirmed_death,
    days_ago,
    fund,
    ledger_sound,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    payable_invoice,
    raise_payment,
    record_appointeeship,
    record_death,
)

CHARGE = """
mutation($input: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $input) {
  __typename
  ... on WindUpFeePayload {
    replayed client { id }
    windUpFee { amount figureEffectiveFrom chargedOn chargedBy transferId }
  }
  ... on Problem { code message }
  ... on InsufficientFundsProblem { available wanted }
} }
"""
FEE = "query($id: ID!) { client(id: $id) { death { windUpFee { amount chargedBy } } } }"
COUNTED_FROM = clock.today()  # the day this module's dates count from; its tests run on it
DIED = (COUNTED_FROM - timedelta(days=10)).isoformat()
_dates = dates_counted_from(COUNTED_FROM)


async def _charge(api: Api, client_id: str, key: str | None = None, **who: Any) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id, "idempotencyKey": key or new_key()}}
    data = await api.data(CHARGE, variables, **(who or SCAO))
    result: dict[str, Any] = data["chargeWindUpFee"]
    return result


async def _fee_rows(api: Api, client_id: str) -> list[dict[str, Any]]:
    return [
        r for r in await audit_rows(api, clientId=client_id) if r["action"] == "charge_wind_up_fee"
    ]


async def test_refused_for_a_living_client_and_a_death_not_yet_confirmed(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    alive = await _charge(api, client["id"])
    assert alive["__typename"] == "InvalidStateProblem" and "confirmed" in alive["message"], alive
    await record_death(api, client["id"], DIED)
    pending = await _charge(api, client["id"])
    assert pending["__typename"] == "InvalidStateProblem", pending
    assert await cms_balance(api, client["id"]) == "1000.00"
    assert await _fee_rows(api, client["id"]) == []


async def test_refused_while_a_debt_to_the_death_is_unpaid_then_taken_once(
    api: Api, session: AsyncSession
) -> None:
    """R-FEE-5, B 29.4: after every due invoice; an invoice dated after the death is queried
    (R-DEATH-2), not the client's debt, and does not hold the fee."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await payable_invoice(
        api, client, supplier, invoiceDate=days_ago(12), supplierInvoiceNumber="INV-BEFORE"
    )
    await payable_invoice(
        api, client, supplier, invoiceDate=days_ago(5), supplierInvoiceNumber="INV-AFTER"
    )
    await confirmed_death(api, client["id"], DIED)

    refused = await _charge(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "INV-BEFORE" in refused["message"] and "INV-AFTER" not in refused["message"]

    # The payment raised is outstanding too until it is made.
    debt = await raise_payment(
        api, {"invoiceId": before["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert debt["__typename"] == "PaymentPayload", debt
    pid = debt["payment"]["id"]
    assert (await approve_payment(api, pid))["__typename"] == "PaymentPayload"
    still = await _charge(api, client["id"])
    assert still["__typename"] == "InvalidStateProblem" and "not yet made" in still["message"]
    assert (await make_payment(api, pid))["__typename"] == "PaymentPayload"
    balance = await cms_balance(api, client["id"])
    assert balance is not None

    first = await _charge(api, client["id"], key="wind-up-once")
    assert first["__typename"] == "WindUpFeePayload", first
    fee = first["windUpFee"]
    assert fee["amount"] == "375.00" and fee["figureEffectiveFrom"] == "2014-04-01"
    assert fee["chargedBy"] == "olu.scao" and first["replayed"] is False
    assert await cms_balance(api, client["id"]) == f"{float(balance) - 375:.2f}"

    replay = await _charge(api, client["id"], key="wind-up-once")
    assert replay["__typename"] == "WindUpFeePayload" and replay["replayed"] is True
    assert replay["windUpFee"] == fee
    second = await _charge(api, client["id"], role="governance_manager", sub="grace.tgm")
    assert second["__typename"] == "InvalidStateProblem" and "once" in second["message"]
    assert len(await _fee_rows(api, client["id"])) == 1

    shown = await api.data(FEE, {"id": client["id"]}, role="auditor", sub="audrey")
    assert shown["client"]["death"]["windUpFee"] == {"amount": "375.00", "chargedBy": "olu.scao"}
    assert await ledger_sound(api)


async def test_the_figure_in_force_on_the_date_of_death(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """R-FEE-6, B 6.5: the figure agreed by Cabinet in force on the date of death, not a later
    one in force on the day it is taken."""
    await db.connection.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            f"VALUES ('wind_up_fee', '{days_ago(5)}', 40000, 'PENCE', 'test', 'test')"
        )
    )
    older = await new_client(api)
    later = await new_client(api)
    for c in (older, later):
        await fund(session, api, c, 100_000)
    await confirmed_death(api, older["id"], DIED)
    await confirmed_death(api, later["id"], days_ago(2))
    old = await _charge(api, older["id"])
    new = await _charge(api, later["id"])
    assert old["windUpFee"]["amount"] == "375.00", old
    assert old["windUpFee"]["figureEffectiveFrom"] == "2014-04-01"
    assert new["windUpFee"]["amount"] == "400.00", new
    assert new["windUpFee"]["figureEffectiveFrom"] == days_ago(5)


async def test_too_little_in_the_account_is_refused_with_nothing_written(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 10_000)
    await confirmed_death(api, client["id"], DIED)
    short = await _charge(api, client["id"])
    assert short["__typename"] == "InsufficientFundsProblem", short
    assert short["available"] == "100.00" and short["wanted"] == "375.00"
    assert await cms_balance(api, client["id"]) == "100.00"
    assert await _fee_rows(api, client["id"]) == []
    shown = await api.data(FEE, {"id": client["id"]}, **SCAO)
    assert shown["client"]["death"]["windUpFee"] is None
    assert await ledger_sound(api)


async def test_an_appointee_only_client_is_charged_too(api: Api, session: AsyncSession) -> None:
    client = await new_client(api)
    assert (await record_appointeeship(api, client["id"]))["__typename"] == "AppointeeshipPayload"
    await fund(session, api, client, 50_000)
    await confirmed_death(api, client["id"], DIED)
    done = await _charge(api, client["id"])
    assert done["__typename"] == "WindUpFeePayload", done
    assert await cms_balance(api, client["id"]) == "125.00"


async def test_who_may_take_the_wind_up_fee(api: Api, session: AsyncSession) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    await confirmed_death(api, client["id"], DIED)
    for role in (
        "assistant",
        "senior_assistant",
        "support_assistant",
        "social_worker",
        "auditor",
        "reporting",
    ):
        body = await api.gql(
            "mutation($i: ChargeWindUpFeeInput!) { chargeWindUpFee(input: $i) { __typename } }",
            {"i": {"clientId": client["id"], "idempotencyKey": f"w-{role}"}},
            role=role,
        )
        assert_forbidden(body, ["chargeWindUpFee"])
    assert await cms_balance(api, client["id"]) == "1000.00"
    done = await _charge(api, client["id"], role="head_of_service", sub="hari.head")
    assert done["__typename"] == "WindUpFeePayload", done


async def test_the_estate_door_waits_for_the_fee(api: Api, session: AsyncSession) -> None:
    """R-FEE-5, R-DEATH-3: nothing to an executor, next of kin or the Treasury Solicitor before
    the fee; the estate payment (issue 13 item 5) calls this check."""
    client = await new_client(api)
    cid = decode_uuid("Client", client["id"])
    await refuse_estate_before_wind_up_fee(session, cid)  # alive: not this door's concern
    await fund(session, api, client, 100_000)
    await confirmed_death(api, client["id"], DIED)
    with pytest.raises(InvalidState, match="wind-up fee"):
        await refuse_estate_before_wind_up_fee(session, cid)
    assert (await _charge(api, client["id"]))["__typename"] == "WindUpFeePayload"
    await refuse_estate_before_wind_up_fee(session, cid)


async def test_the_estate_is_never_raised_by_hand(api: Api, session: AsyncSession) -> None:
    """R-DEATH-3, R-DEATH-4: the estate goes where the rules route it (raiseEstatePayment),
    after the fee; raisePayment on the ESTATE basis, even against an invoice and even after the
    fee, is refused with nothing written."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(api, client, supplier, invoiceDate=days_ago(12))
    await confirmed_death(api, client["id"], DIED)
    for _ in range(2):
        refused = await raise_payment(
            api, {"invoiceId": invoice["id"], "windingUpBasis": "ESTATE"}, role="senior_officer"
        )
        assert refused["__typename"] == "ValidationProblem", refused
        assert "raiseEstatePayment" in str(refused)
        paid = await raise_payment(
            api, {"invoiceId": invoice["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
        )
        if paid["__typename"] == "PaymentPayload":
            await approve_payment(api, paid["payment"]["id"])
            await make_payment(api, paid["payment"]["id"])
            assert (await _charge(api, client["id"]))["__typename"] == "WindUpFeePayload"
    payments = [r for r in await audit_rows(api, clientId=client["id"]) if r["action"] == "raise"]
    assert len(payments) == 1  # only the debt's
    assert await ledger_sound(api)

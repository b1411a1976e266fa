"""A client's death (issue 13 item 1; R-DEATH, R-ROLE-2, seed 002 B 29), through /graphql.

Recorded by casework, confirmed by a senior officer who did not record it (four eyes); only
once confirmed does it take effect: the client DECEASED_WINDING_UP (a new version), standing
payments and the personal allowance stopped, and money leaving only on a winding-up basis. Each
door where money leaves or is committed is tried here: refused with CLIENT_DECEASED and nothing
written, or let through on the basis winding up allows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api, dates_counted_from
from tests.factories import (
    APPROVE_ASSISTANCE,
    DEATH_CONFIRMER,
    DEATH_FIELDS,
    KEYED_PROBLEMS,
    PROPOSER,
    REJECT_ASSISTANCE,
    REQUEST_ASSISTANCE,
    SCAO,
    add_institution,
    add_product,
    amend_client,
    approve,
    approve_as,
    approve_payment,
    assert_forbidden,
    assistance_call,
    assistance_input,
    assistance_step,
    audit_rows,
    confirm_death,
    confirmed_death,
    create_client,
    days_ago,
    decision_input,
    deputy,
    deputy_client,
    fund,
    fund_for_lodgement,
    give_back,
    ledger_sound,
    lodge,
    make,
    make_payment,
    moved_to_court_funds,
    new_client,
    new_counterparty,
    new_key,
    payable_invoice,
    place,
    placed,
    placement_fund,
    placement_input,
    propose_lodgement,
    proposed,
    proposed_lodgement,
    raise_decision,
    raise_payment,
    raised,
    raised_payment,
    record_death,
    requested_assistance,
    run_fees,
    standing,
    with_surplus,
)

CLIENT = """
query($id: ID!) { client(id: $id) {
  situation version
  death { diedOn certificateReference recordedBy status confirmedBy confirmedAt }
  history { situation reason }
} }
"""
WOUND_UP = """
query($first: Int, $after: String) { clientsBeingWoundUp(first: $first, after: $after) {
  edges { node { client { id reference } death { diedOn status } daysSinceDeath } }
  pageInfo { hasNextPage endCursor }
} }
"""
COUNTED_FROM = clock.today()  # the day this module's dates count from; its tests run on it
DIED = (COUNTED_FROM - timedelta(days=10)).isoformat()
_dates = dates_counted_from(COUNTED_FROM)


def _deceased(result: dict[str, Any]) -> None:
    assert result["__typename"] == "InvalidStateProblem", result
    assert result["code"] == "CLIENT_DECEASED", result


async def _payment_rows(api: Api, client_id: str) -> list[dict[str, Any]]:
    return [r for r in await audit_rows(api, clientId=client_id) if r["entityType"] == "payment"]


# --- recorded, then confirmed by someone else (R-ROLE-2) ---------------------------------------


async def test_a_death_takes_effect_only_once_a_second_officer_confirms_it(api: Api) -> None:
    client = await new_client(api)
    done = await record_death(api, client["id"], DIED)
    assert done["__typename"] == "DeathPayload", done
    assert done["death"]["status"] == "PENDING_CONFIRMATION"
    assert done["death"]["recordedBy"] == "ash.assistant" and done["death"]["confirmedBy"] is None
    # Nothing has taken effect yet: the client lives on in the records.
    assert done["client"]["situation"] == "RESIDENTIAL_CARE"
    listed = await api.data(WOUND_UP, {"first": 100}, **SCAO)
    ids = [e["node"]["client"]["id"] for e in listed["clientsBeingWoundUp"]["edges"]]
    assert client["id"] not in ids

    confirmed = await confirm_death(api, client["id"])
    assert confirmed["__typename"] == "DeathPayload", confirmed
    assert confirmed["death"]["status"] == "CONFIRMED"
    assert confirmed["death"]["confirmedBy"] == "olu.scao"
    assert confirmed["client"]["situation"] == "DECEASED_WINDING_UP"

    data = (await api.data(CLIENT, {"id": client["id"]}, role="auditor", sub="audrey"))["client"]
    assert data["death"]["diedOn"] == DIED and data["death"]["certificateReference"] == "DC 123456"
    # A new version of the client's details, the old one kept (R-AUD-2).
    assert [v["situation"] for v in data["history"]] == ["RESIDENTIAL_CARE", "DECEASED_WINDING_UP"]
    assert "confirmed" in data["history"][-1]["reason"]

    listed = await api.data(WOUND_UP, {"first": 100}, **SCAO)
    mine = [
        e["node"]
        for e in listed["clientsBeingWoundUp"]["edges"]
        if e["node"]["client"]["id"] == client["id"]
    ]
    assert mine == [
        {
            "client": {"id": client["id"], "reference": client["reference"]},
            "death": {"diedOn": DIED, "status": "CONFIRMED"},
            "daysSinceDeath": 10,
        }
    ]
    actions = {(r["entityType"], r["action"]) for r in await audit_rows(api, clientId=client["id"])}
    assert {("death", "record"), ("death", "confirm"), ("client", "amend")} <= actions


async def test_whoever_recorded_a_death_never_confirms_it(api: Api) -> None:
    # R-ROLE-2: even a senior officer who recorded it
    client = await new_client(api)
    assert (await record_death(api, client["id"], DIED, **SCAO))["__typename"] == "DeathPayload"
    refused = await confirm_death(api, client["id"], **SCAO)
    assert refused["__typename"] == "FourEyesProblem", refused
    assert refused["raisedBy"] == "olu.scao"
    data = (await api.data(CLIENT, {"id": client["id"]}, **SCAO))["client"]
    assert data["death"]["status"] == "PENDING_CONFIRMATION"
    assert data["situation"] == "RESIDENTIAL_CARE"
    other = await confirm_death(api, client["id"], role="governance_manager", sub="grace.tgm")
    assert other["__typename"] == "DeathPayload", other
    again = await confirm_death(api, client["id"], role="head_of_service", sub="hari.head")
    assert again["__typename"] == "InvalidStateProblem", again


async def test_a_replayed_confirmation_does_nothing_twice(api: Api) -> None:
    client = await new_client(api)
    await record_death(api, client["id"], DIED)
    first = await confirm_death(api, client["id"], key="confirm-once")
    second = await confirm_death(api, client["id"], key="confirm-once")
    assert first["__typename"] == second["__typename"] == "DeathPayload"
    assert second["replayed"] is True and second["death"] == first["death"]
    data = (await api.data(CLIENT, {"id": client["id"]}, **SCAO))["client"]
    assert len(data["history"]) == 2


async def test_a_date_of_death_is_not_in_the_future_nor_before_birth(api: Api) -> None:
    client = await new_client(api)  # born 1940-05-01
    future = await record_death(api, client["id"], days_ago(-1))
    assert future["__typename"] == "ValidationProblem", future
    assert future["fields"] == [{"field": "diedOn", "message": "is in the future"}]
    unborn = await record_death(api, client["id"], "1940-04-30")
    assert unborn["__typename"] == "ValidationProblem", unborn
    assert "date of birth" in unborn["fields"][0]["message"]
    assert (await record_death(api, client["id"], "1940-05-01"))["__typename"] == "DeathPayload"
    twice = await record_death(api, client["id"], DIED)
    assert twice["__typename"] == "InvalidStateProblem", twice


async def test_confirming_with_no_death_recorded_is_refused(api: Api) -> None:
    client = await new_client(api)
    refused = await confirm_death(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused


# --- who may (R-ROLE) -------------------------------------------------------------------------


async def test_who_may_record_confirm_and_read_a_death(api: Api) -> None:
    client = await new_client(api)
    for role in ("support_assistant", "social_worker", "auditor", "reporting"):
        body = await api.gql(
            "mutation($i: RecordDeathInput!) { recordDeath(input: $i) { __typename } }",
            {
                "i": {
                    "clientId": client["id"],
                    "diedOn": DIED,
                    "certificateReference": "DC 1",
                    "idempotencyKey": f"k-{role}",
                }
            },
            role=role,
        )
        assert_forbidden(body, ["recordDeath"])
    assert (await record_death(api, client["id"], DIED))["__typename"] == "DeathPayload"
    for role in ("assistant", "senior_assistant", "support_assistant", "auditor"):
        body = await api.gql(
            "mutation($i: ConfirmDeathInput!) { confirmDeath(input: $i) { __typename } }",
            {"i": {"clientId": client["id"], "idempotencyKey": f"c-{role}"}},
            role=role,
        )
        assert_forbidden(body, ["confirmDeath"])
    for role in ("social_worker", "reporting", "integration_sap"):
        body = await api.gql("{ clientsBeingWoundUp(first: 5) { edges { cursor } } }", role=role)
        assert_forbidden(body, ["clientsBeingWoundUp"])
    data = await api.data(
        "{ clientsBeingWoundUp(first: 5) { edges { cursor } } }", role="auditor", sub="a"
    )
    assert "edges" in data["clientsBeingWoundUp"]


# --- the money doors after a confirmed death (seed 002 B 29) -----------------------------------


async def test_an_invoice_payment_after_death_names_its_basis_or_is_refused_writing_nothing(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await payable_invoice(api, client, supplier, invoiceDate=days_ago(12))
    after = await payable_invoice(api, client, supplier, invoiceDate=days_ago(5))
    funeral = await payable_invoice(
        api, client, supplier, invoiceDate=days_ago(3), category="OUT_OTHER"
    )
    await confirmed_death(api, client["id"], DIED)
    rows = len(await _payment_rows(api, client["id"]))

    # No basis: refused, nothing written.
    _deceased(await raise_payment(api, {"invoiceId": before["id"]}))
    # A debt invoiced after the date of death is queried, never paid as a debt (B 29.2).
    debt_after = {"invoiceId": after["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    late = await raise_payment(api, debt_after)
    _deceased(late)
    assert "queried" in late["message"]
    assert len(await _payment_rows(api, client["id"])) == rows

    # A debt up to the date of death is paid, its basis recorded; approved and made.
    debt = await raise_payment(
        api, {"invoiceId": before["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert debt["__typename"] == "PaymentPayload", debt
    payment_id = debt["payment"]["id"]
    assert (await approve_payment(api, payment_id))["__typename"] == "PaymentPayload"
    made = await make_payment(api, payment_id)
    assert made["__typename"] == "PaymentPayload" and made["payment"]["status"] == "MADE", made
    basis = await api.data(
        "query($id: ID!) { payment(id: $id) { windingUpBasis } }", {"id": payment_id}, **SCAO
    )
    assert basis["payment"]["windingUpBasis"] == "DEBT_BEFORE_DEATH"
    # The funeral, invoiced after the death, is paid on its own basis.
    fun = await raise_payment(api, {"invoiceId": funeral["id"], "windingUpBasis": "FUNERAL"})
    assert fun["__typename"] == "PaymentPayload", fun
    assert await ledger_sound(api)


async def test_a_debt_to_the_death_is_paid_only_as_one(api: Api, session: AsyncSession) -> None:
    """B 29.2, R-DEBT-1: an invoice dated up to the death is the client's debt: no other basis
    (the funeral, a repayment) lets it skip the order of debts; the wind-up fee and the estate
    are never raised by hand (chargeWindUpFee, raiseEstatePayment). Nothing written."""
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    before = await payable_invoice(api, client, supplier, invoiceDate=DIED)
    await confirmed_death(api, client["id"], DIED)
    rows = len(await _payment_rows(api, client["id"]))
    for basis in ("FUNERAL", "REPAYMENT"):
        refused = await raise_payment(api, {"invoiceId": before["id"], "windingUpBasis": basis})
        _deceased(refused)
        assert "DEBT_BEFORE_DEATH" in refused["message"]
    for basis in ("WIND_UP_FEE", "ESTATE"):
        refused = await raise_payment(api, {"invoiceId": before["id"], "windingUpBasis": basis})
        assert refused["__typename"] == "ValidationProblem", refused
    assert len(await _payment_rows(api, client["id"])) == rows
    paid = await raise_payment(
        api, {"invoiceId": before["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert paid["__typename"] == "PaymentPayload", paid


async def test_a_basis_is_refused_for_a_living_client(api: Api) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(api, client, supplier)
    result = await raise_payment(api, {"invoiceId": invoice["id"], "windingUpBasis": "FUNERAL"})
    assert result["__typename"] == "ValidationProblem", result
    assert result["fields"][0]["field"] == "windingUpBasis"


async def test_a_pending_death_stops_nothing(api: Api) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(api, client, supplier)
    await record_death(api, client["id"], DIED)
    assert (await raise_payment(api, {"invoiceId": invoice["id"]}))["__typename"] == (
        "PaymentPayload"
    )


async def test_a_payment_raised_before_death_is_not_approved_or_made_after_it(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    one = await raised_payment(api, (await payable_invoice(api, client, supplier))["id"])
    two = await raised_payment(api, (await payable_invoice(api, client, supplier))["id"])
    assert (await approve_payment(api, two["id"]))["__typename"] == "PaymentPayload"
    await confirmed_death(api, client["id"], DIED)
    # approvePayment: no basis was recorded, so no approval after death.
    _deceased(await approve_payment(api, one["id"]))
    # makePayment: approved before death, not made after it; the money stays held, not paid.
    _deceased(await make_payment(api, two["id"]))
    data = await api.data(
        "query($id: ID!) { payment(id: $id) { status } }", {"id": two["id"]}, **SCAO
    )
    assert data["payment"]["status"] == "APPROVED"


async def test_standing_payments_and_the_personal_allowance_stop(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api, "SUPPLIER")
    home = await new_counterparty(api, "SUPPLIER")
    await confirmed_death(api, client["id"], DIED)
    gas = standing(client["id"], payee, "30.00") | {"windingUpBasis": "DEBT_BEFORE_DEATH"}
    _deceased(await raise_payment(api, gas, role="senior_officer", sub="olu.scao"))
    allowance = standing(client["id"], home, "25.00") | {
        "category": "OUT_PERSONAL_ALLOWANCE",
        "description": "Weekly personal allowance",
    }
    refused = await raise_payment(api, allowance, role="senior_officer", sub="olu.scao")
    _deceased(refused)
    assert "personal allowance" in refused["message"]
    assert await _payment_rows(api, client["id"]) == []


async def test_a_standing_payment_raised_before_death_is_not_approved_after_it(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 10_000)
    payee = await new_counterparty(api, "SUPPLIER")
    raised_ = await raise_payment(
        api, standing(client["id"], payee, "30.00"), role="senior_officer", sub="olu.scao"
    )
    assert raised_["__typename"] == "PaymentPayload", raised_
    await confirmed_death(api, client["id"], DIED)
    payment_id = raised_["payment"]["id"]
    _deceased(await approve_payment(api, payment_id, role="head_of_service", sub="hari.head"))


async def test_no_gift_or_other_decision_after_death(api: Api) -> None:
    client = await new_client(api)
    pending = await raised(api, decision_input(client, "BEST_INTEREST", "200.00"))
    await confirmed_death(api, client["id"], DIED)
    _deceased(await raise_decision(api, decision_input(client, "GIFT", "50.00")))
    _deceased(await raise_decision(api, decision_input(client, "BEST_INTEREST", "80.00")))
    # One raised before death is not approved after it (it may still be refused).
    _deceased(await approve(api, pending["id"], "governance_manager"))


async def test_no_temporary_assistance_is_requested_after_death(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api, "SUPPLIER")
    await confirmed_death(api, client["id"], DIED)
    refused = await assistance_call(
        api, REQUEST_ASSISTANCE, assistance_input(client, payee, "100.00"), **PROPOSER
    )
    _deceased(refused)


async def test_no_lodgement_is_proposed_after_death(api: Api) -> None:
    client_id = await deputy_client(api)
    await confirmed_death(api, client_id, DIED)
    _deceased(await propose_lodgement(api, client_id))


async def test_the_confirmer_role_is_a_senior_officer_or_above(api: Api) -> None:
    client = await new_client(api)
    await record_death(api, client["id"], DIED)
    assert DEATH_CONFIRMER["role"] == "senior_officer"
    ok = await confirm_death(api, client["id"], role="head_of_service", sub="hari.head")
    assert ok["__typename"] == "DeathPayload", ok


WITHDRAW = """
mutation($input: WithdrawFromCourtFundsInput!) {
  withdrawFromCourtFunds(input: $input) {
    __typename
    ... on CourtFundsWithdrawalPayload { withdrawal { amount } }
    ... on Problem { code message }
  }
}
"""


async def test_the_deputy_fees_are_charged_for_the_years_lived_and_none_after_death(
    api: Api, session: AsyncSession
) -> None:
    # seed 002 B 6.4, B 29.4, R-FEE-5: the fee run's door
    died_early = await deputy(api, session, "2014-05-20", "TYPE_2A", 5_000_000)
    died_later = await deputy(api, session, "2014-05-20", "TYPE_2A", 5_000_000)
    await confirmed_death(api, died_early, "2015-05-01")  # before the first anniversary
    await confirmed_death(api, died_later, "2015-06-01")  # after it, before the second
    result = await run_fees(api, "2015-04-01", "2016-06-30")
    assert result["__typename"] == "FeeRunPayload", result
    charges = result["run"]["charges"]
    assert not [c for c in charges if c["clientId"] == died_early]
    later = {c["dueDate"] for c in charges if c["clientId"] == died_later}
    assert later == {"2015-05-20"}  # the year lived through; not the 2016 anniversary


async def test_a_deputy_recorded_deceased_without_a_confirmed_death_is_charged_no_fee(
    api: Api, session: AsyncSession
) -> None:
    # The fee run is a door too (seed 002 B 29.2): with no date of death it cannot tell the
    # years lived through, so it charges nothing and lists why; a later run picks them up.
    lived = await deputy(api, session, "2014-05-20", "TYPE_2A", 5_000_000)
    unconfirmed = await deputy(api, session, "2014-05-20", "TYPE_2A", 5_000_000)
    amended = await amend_client(
        api, unconfirmed, {"situation": "DECEASED_WINDING_UP"}, "reported dead", **SCAO
    )
    assert amended["__typename"] == "ClientPayload", amended
    run = (await run_fees(api, "2015-04-01", "2015-06-30"))["run"]
    assert {c["clientId"] for c in run["charges"]} == {lived}
    [listed] = [n for n in run["notCharged"] if n["clientId"] == unconfirmed]
    assert listed["code"] == "CLIENT_DECEASED" and "no death is confirmed" in listed["reason"]
    assert run["clientsRefused"] == 1
    await confirmed_death(api, unconfirmed, "2015-06-01")  # after the first anniversary
    later = (await run_fees(api, "2015-05-01", "2015-07-31"))["run"]
    assert {c["dueDate"] for c in later["charges"] if c["clientId"] == unconfirmed} == {
        "2015-05-20"
    }


async def test_assistance_requested_before_death_is_not_approved_after_it(api: Api) -> None:
    client = await new_client(api)
    payee = await new_counterparty(api, "SUPPLIER")
    requested = await requested_assistance(api, client, payee, "100.00")
    await confirmed_death(api, client["id"], DIED)
    _deceased(await assistance_step(api, APPROVE_ASSISTANCE, requested["id"]))
    # It may still be rejected.
    rejected = await assistance_step(
        api, REJECT_ASSISTANCE, requested["id"], reason="the client died"
    )
    assert rejected["__typename"] == "TemporaryAssistancePayload", rejected


async def test_an_approved_lodgement_is_not_lodged_after_death_and_court_funds_come_home(
    api: Api, session: AsyncSession
) -> None:
    client_id = await deputy_client(api)
    lodgement = await proposed_lodgement(api, client_id, "30000.00")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    await fund_for_lodgement(session, client_id, 5_000_000)
    # Earlier money already lodged with the Court Funds Office (the ledger, as a lodgement).
    await moved_to_court_funds(session, client_id, 1_000_000, date(2025, 6, 2))
    await confirmed_death(api, client_id, DIED)
    _deceased(await lodge(api, lodgement["id"]))  # no new investment after death
    # Bringing Court Funds money home is winding up: allowed.
    variables = {
        "input": {
            "clientId": client_id,
            "amount": "10000.00",
            "reason": "Winding up: the estate comes home (seed 002 B 29)",
            "idempotencyKey": new_key(),
        }
    }
    home = (await api.data(WITHDRAW, variables, **SCAO))["withdrawFromCourtFunds"]
    assert home["__typename"] == "CourtFundsWithdrawalPayload", home
    assert await ledger_sound(api)


async def test_a_client_recorded_deceased_without_a_confirmed_death_pays_nothing(
    api: Api, session: AsyncSession
) -> None:
    # A caseload import or an amendment may say DECEASED_WINDING_UP; the date of death rules
    # what winding up pays (B 29.2), so nothing leaves until the death is recorded and confirmed.
    made = await create_client(api, situation="DECEASED_WINDING_UP")
    client = {"id": str(made["id"])}
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(api, client, supplier, invoiceDate=days_ago(12))
    refused = await raise_payment(api, {"invoiceId": invoice["id"]})
    _deceased(refused)
    assert "no death is confirmed" in refused["message"]
    await confirmed_death(api, client["id"], DIED)
    debt = await raise_payment(
        api, {"invoiceId": invoice["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert debt["__typename"] == "PaymentPayload", debt
    data = (await api.data(CLIENT, {"id": client["id"]}, **SCAO))["client"]
    assert len(data["history"]) == 1  # already DECEASED_WINDING_UP: no new version


async def test_no_placement_is_proposed_or_made_after_death_but_one_comes_home(
    api: Api, session: AsyncSession
) -> None:
    # R-INV-4 with seed 002 B 29: no new investment after death; money placed comes home
    institution = await add_institution(api)
    product = await add_product(api, institution["id"], rate="1.5000")
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "300000.00")
    await with_surplus(api, client["id"], "300000.00")
    made = await placed(api, placement_input(client, product, "50000.00", "2025-11-01"))
    waiting = await proposed(api, placement_input(client, product, "20000.00", "2025-11-02"))
    assert (await approve_as(api, waiting["decisionId"]))["__typename"] == "DecisionPayload"
    await confirmed_death(api, client["id"], DIED)

    _deceased(await make(api, waiting["id"]))  # approved before death, not made after it
    _deceased(await place(api, placement_input(client, product, "1000.00", days_ago(1))))
    back = await give_back(api, made["id"], days_ago(2))
    assert back["__typename"] == "PlacementPayload", back
    assert back["placement"]["status"] in {"MATURED", "WITHDRAWN"}  # home either way
    assert await ledger_sound(api)


WITHDRAW_DEATH = f"""
mutation($input: WithdrawDeathInput!) {{
  withdrawDeath(input: $input) {{
    __typename
    ... on DeathPayload {{ replayed client {{ id situation }} death {{ {DEATH_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""


async def _withdraw(
    api: Api, client_id: str, reason: str = "recorded against the wrong client", **who: Any
) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id, "reason": reason, "idempotencyKey": new_key()}}
    data = await api.data(WITHDRAW_DEATH, variables, **(who or SCAO))
    result: dict[str, Any] = data["withdrawDeath"]
    return result


async def test_a_death_recorded_in_error_is_withdrawn_before_confirmation(
    api: Api, session: AsyncSession
) -> None:
    """R-AUD-2: a death recorded against the wrong client is withdrawn with the reason (the
    record stays, WITHDRAWN), nothing having taken effect; the right death is recorded afresh.
    A confirmed death stands."""
    client = await new_client(api)
    recorded_ = await record_death(api, client["id"], DIED)
    assert recorded_["__typename"] == "DeathPayload", recorded_
    no_reason = await _withdraw(api, client["id"], reason="  ")
    assert no_reason["__typename"] == "ValidationProblem", no_reason
    done = await _withdraw(api, client["id"])
    assert done["__typename"] == "DeathPayload", done
    assert done["death"]["status"] == "WITHDRAWN"
    assert done["client"]["situation"] == "RESIDENTIAL_CARE"
    view = await api.data(CLIENT, {"id": client["id"]}, role="auditor", sub="audrey")
    assert view["client"]["death"] is None
    refused = await confirm_death(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    reasons = await api.data(
        """query($f: AuditLogFilter) { auditLog(filter: $f, first: 50) {
             nodes { action reason after } } }""",
        {"f": {"clientId": client["id"]}},
        role="auditor",
        sub="audrey",
    )
    withdrawals = [r for r in reasons["auditLog"]["nodes"] if r["action"] == "withdraw"]
    assert len(withdrawals) == 1 and "wrong client" in withdrawals[0]["reason"]
    assert withdrawals[0]["after"]["status"] == "WITHDRAWN"

    again = await record_death(api, client["id"], days_ago(4))
    assert again["__typename"] == "DeathPayload", again
    confirmed = await confirm_death(api, client["id"])
    assert confirmed["__typename"] == "DeathPayload", confirmed
    assert confirmed["death"]["diedOn"] == days_ago(4)
    stands = await _withdraw(api, client["id"])
    assert stands["__typename"] == "InvalidStateProblem", stands
    assert "CONFIRMED" in stands["message"]
    body = await api.gql(
        WITHDRAW_DEATH,
        {"input": {"clientId": client["id"], "reason": "x", "idempotencyKey": new_key()}},
        role="assistant",
    )
    assert_forbidden(body, ["withdrawDeath"])

"""The estate of a deceased client and closing the wound-up case (issue 13 item 5; R-DEATH-3,
R-DEATH-4, R-FEE-5, seed 002 B 29.3-29.6), through /graphql.

With an executor or next of kin the estate is paid to them whatever its size; with neither, an
estate of £500.00 and below (the figure in force on the date of death) is kept by the council
as its income, a penny more goes to the Treasury Solicitor once the referral is recorded. The
estate is the whole available CMS balance, paid only after the wind-up fee, every debt to the
death and every payment, with Court Funds money come home; approved by a second officer. The
case closes only when nothing is outstanding and every balance is zero.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.estates import rules
from ca_api.estates.rules import ClaimantKind, EstateRoute, EstateStage
from tests.conftest import Api, RolledBackDatabase, dates_counted_from
from tests.factories import (
    ESTATE_FIELDS,
    ESTATE_OFFICER,
    GM,
    KEYED_PROBLEMS,
    SCAO,
    WOUND_UP,
    amend_client,
    approve_payment,
    assert_forbidden,
    audit_rows,
    came_home_from_court_funds,
    charged_wind_up_fee,
    cms_balance,
    days_ago,
    estate_ready,
    fund,
    ledger_sound,
    make_payment,
    moved_to_court_funds,
    new_client,
    new_counterparty,
    new_key,
    notify_everyone,
    payable_invoice,
    raise_payment,
    record_death,
    scalar,
)

COUNTED_FROM = clock.today()  # the day this module's dates count from; its tests run on it
DIED = (COUNTED_FROM - timedelta(days=WOUND_UP)).isoformat()
_dates = dates_counted_from(COUNTED_FROM)
CLAIMANT = f"""
mutation($input: RecordEstateClaimantInput!) {{ recordEstateClaimant(input: $input) {{
  __typename
  ... on EstatePayload {{ replayed client {{ id }} estate {{ {ESTATE_FIELDS} }} }}
  {KEYED_PROBLEMS}
}} }}
"""
REFERRAL = f"""
mutation($input: RecordTreasurySolicitorReferralInput!) {{
  recordTreasurySolicitorReferral(input: $input) {{
    __typename
    ... on EstatePayload {{ replayed estate {{ {ESTATE_FIELDS} }} }}
    {KEYED_PROBLEMS}
  }}
}}
"""
RAISE = f"""
mutation($input: RaiseEstatePaymentInput!) {{ raiseEstatePayment(input: $input) {{
  __typename
  ... on EstatePaymentPayload {{
    replayed estate {{ {ESTATE_FIELDS} }}
    payment {{ id amount status windingUpBasis raisedBy payee {{ name kind }} }}
  }}
  {KEYED_PROBLEMS}
}} }}
"""
CLOSE = f"""
mutation($input: CloseWoundUpCaseInput!) {{ closeWoundUpCase(input: $input) {{
  __typename
  ... on EstatePayload {{ replayed client {{ id status }} estate {{ closed stage }} }}
  {KEYED_PROBLEMS}
}} }}
"""
ESTATE = f"query($c: ID!) {{ estate(clientId: $c) {{ {ESTATE_FIELDS} }} }}"


async def _claimant(api: Api, client_id: str, **fields: Any) -> dict[str, Any]:
    who = fields.pop("who", ESTATE_OFFICER)
    key = fields.pop("key", None) or new_key()
    variables = {"input": {"clientId": client_id, "idempotencyKey": key, **fields}}
    result: dict[str, Any] = (await api.data(CLAIMANT, variables, **who))["recordEstateClaimant"]
    return result


def _executor(name: str = "Edith Executor", **more: Any) -> dict[str, Any]:
    return {
        "kind": "EXECUTOR",
        "name": name,
        "willReference": "Will held by Hart & Co, ref W/2019/44",
        "willDated": "2019-03-01",
        **more,
    }


def _kin(name: str = "Norman Nephew", **more: Any) -> dict[str, Any]:
    return {
        "kind": "NEXT_OF_KIN",
        "name": name,
        "relationship": "nephew (son of the client's late sister)",
        "evidence": "birth certificates of the nephew and the sister seen 2026-01-05",
        **more,
    }


async def _refer(api: Api, client_id: str, key: str | None = None, **who: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "clientId": client_id,
            "referredOn": days_ago(2),
            "reference": "BV 2026/0412",
            "idempotencyKey": key or new_key(),
        }
    }
    data = await api.data(REFERRAL, variables, **(who or ESTATE_OFFICER))
    result: dict[str, Any] = data["recordTreasurySolicitorReferral"]
    return result


async def _raise(api: Api, client_id: str, key: str | None = None, **who: Any) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id, "idempotencyKey": key or new_key()}}
    result: dict[str, Any] = (await api.data(RAISE, variables, **(who or ESTATE_OFFICER)))[
        "raiseEstatePayment"
    ]
    return result


async def _close(api: Api, client_id: str, key: str | None = None, **who: Any) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id, "idempotencyKey": key or new_key()}}
    result: dict[str, Any] = (await api.data(CLOSE, variables, **(who or SCAO)))["closeWoundUpCase"]
    return result


async def _estate(api: Api, client_id: str) -> dict[str, Any]:
    data = await api.data(ESTATE, {"c": client_id}, role="auditor", sub="audrey")
    estate: dict[str, Any] = data["estate"]
    return estate


async def _paid_out(api: Api, payment_id: str, *, approver: dict[str, str] = SCAO) -> None:
    approved = await approve_payment(api, payment_id, **approver)
    assert approved["__typename"] == "PaymentPayload", approved
    made = await make_payment(api, payment_id)
    assert made["__typename"] == "PaymentPayload", made


async def _party_posted(db: RolledBackDatabase, kind: str, name: str) -> int:
    """What the counterparty was paid (a counterparty's balance is its transfers)."""
    return int(
        await scalar(
            db,
            "SELECT coalesce(sum(t.amount), 0) FROM transfer t "
            "JOIN ledger_account a ON a.id = t.to_account_id "
            "JOIN counterparty c ON c.id = a.counterparty_id "
            "WHERE c.kind = :kind AND c.name = :name "
            "AND t.kind IN ('POSTED', 'POST_PENDING')",
            kind=kind,
            name=name,
        )
    )


def _estate_rows(rows: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["entityType"] == "estate" and r["action"] == action]


# --- the route, pure (R-DEATH-3, R-DEATH-4, B 29.3-29.6) -----------------------------------------


def test_the_route_at_the_limit_both_ways_and_a_claimant_whatever_the_size() -> None:
    limit = 50_000
    # B 29.5: "£500 and below" kept; a penny more to the Treasury Solicitor (B 29.6)
    assert rules.estate_route(None, 50_000, limit) is EstateRoute.KEPT_BY_COUNCIL
    assert rules.estate_route(None, 1, limit) is EstateRoute.KEPT_BY_COUNCIL
    assert rules.estate_route(None, 50_001, limit) is EstateRoute.TREASURY_SOLICITOR
    for amount in (300, 50_000, 50_001, 5_000_000):  # R-DEATH-3: whatever the size
        assert rules.estate_route(ClaimantKind.EXECUTOR, amount, limit) is EstateRoute.EXECUTOR
        kin = rules.estate_route(ClaimantKind.NEXT_OF_KIN, amount, limit)
        assert kin is EstateRoute.NEXT_OF_KIN
    assert rules.route_problem(EstateRoute.TREASURY_SOLICITOR, referred=False) is not None
    assert rules.route_problem(EstateRoute.TREASURY_SOLICITOR, referred=True) is None
    assert rules.route_problem(EstateRoute.KEPT_BY_COUNCIL, referred=False) is None
    assert rules.referral_problem(None, 50_000, limit) is not None  # within the limit
    assert rules.referral_problem(None, 50_001, limit) is None
    assert rules.referral_problem(ClaimantKind.EXECUTOR, 90_000, limit) is not None


def test_the_stage_of_an_estate() -> None:
    def stage(**kw: Any) -> EstateStage:
        given: dict[str, Any] = {
            "claimant": None,
            "referred": False,
            "available": 60_000,
            "limit": 50_000,
            "payment_statuses": [],
        }
        return rules.estate_stage(**(given | kw))

    assert stage() is EstateStage.AWAITING_REFERRAL
    assert stage(referred=True) is EstateStage.NOT_RAISED
    assert stage(available=50_000) is EstateStage.NOT_RAISED
    assert stage(claimant=ClaimantKind.NEXT_OF_KIN) is EstateStage.NOT_RAISED
    assert stage(payment_statuses=["CANCELLED"]) is EstateStage.AWAITING_REFERRAL
    assert stage(payment_statuses=["CANCELLED", "APPROVED"]) is EstateStage.RAISED
    assert stage(payment_statuses=["MADE"], available=0) is EstateStage.PAID
    assert stage(available=0) is EstateStage.NIL


# --- no executor, no next of kin (R-DEATH-4) ---------------------------------------------------


async def test_exactly_the_limit_is_kept_by_the_council_as_its_income(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """B 29.5: £500.00 and below kept, booked as the service's income (its own counterparty)."""
    client = await estate_ready(api, session, 50_000)
    assert await cms_balance(api, client["id"]) == "500.00"
    income_before = await _party_posted(db, "COUNCIL", "Client Affairs small estates")
    raised = await _raise(api, client["id"], key="estate-once")
    assert raised["__typename"] == "EstatePaymentPayload", raised
    payment = raised["payment"]
    assert payment["amount"] == "500.00" and payment["status"] == "RAISED"
    assert payment["windingUpBasis"] == "ESTATE" and payment["raisedBy"] == "ash.assistant"
    assert payment["payee"] == {"name": "Client Affairs small estates", "kind": "COUNCIL"}
    stood = raised["estate"]["payment"]
    assert stood["route"] == "KEPT_BY_COUNCIL" and stood["amount"] == "500.00"
    assert stood["smallEstateLimit"] == "500.00" and stood["limitEffectiveFrom"] == "2014-04-01"
    assert raised["estate"]["stage"] == "RAISED"

    # idempotent: the same key replays, a new key is refused (raised already)
    replay = await _raise(api, client["id"], key="estate-once")
    assert replay["__typename"] == "EstatePaymentPayload" and replay["replayed"] is True
    assert replay["payment"]["id"] == payment["id"]
    again = await _raise(api, client["id"])
    assert again["__typename"] == "InvalidStateProblem" and "already" in again["message"]

    # four eyes: the raiser cannot approve, even a senior officer who raised it
    await _paid_out(api, payment["id"])
    assert await cms_balance(api, client["id"]) == "0.00"
    income_after = await _party_posted(db, "COUNCIL", "Client Affairs small estates")
    assert income_after - income_before == 50_000
    estate = await _estate(api, client["id"])
    assert estate["stage"] == "PAID" and estate["payment"]["paymentStatus"] == "MADE"
    rows = await audit_rows(api, clientId=client["id"])
    raised_rows = _estate_rows(rows, "raise_estate_payment")
    assert len(raised_rows) == 1
    assert raised_rows[0]["after"]["route"] == "KEPT_BY_COUNCIL"
    assert raised_rows[0]["after"]["limit_amount"] == 50_000
    assert await ledger_sound(api)


async def test_a_penny_over_waits_for_the_referral_then_goes_to_the_treasury_solicitor(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """B 29.6: over £500 with no executor or next of kin: the Treasury Solicitor, once the
    referral (Bona Vacantia) is recorded; nothing written when refused."""
    client = await estate_ready(api, session, 50_001)
    assert (await _estate(api, client["id"]))["stage"] == "AWAITING_REFERRAL"
    refused = await _raise(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "Treasury Solicitor" in refused["message"]
    assert "recordTreasurySolicitorReferral" in refused["message"]
    assert await cms_balance(api, client["id"]) == "500.01"
    assert (await _estate(api, client["id"]))["payments"] == []

    referred = await _refer(api, client["id"], key="refer-once")
    assert referred["__typename"] == "EstatePayload", referred
    assert referred["estate"]["referral"] == {
        "referredOn": days_ago(2),
        "reference": "BV 2026/0412",
        "recordedBy": "ash.assistant",
    }
    assert referred["estate"]["stage"] == "NOT_RAISED"
    replay = await _refer(api, client["id"], key="refer-once")
    assert replay["__typename"] == "EstatePayload" and replay["replayed"] is True
    twice = await _refer(api, client["id"])
    assert twice["__typename"] == "InvalidStateProblem" and "once" in twice["message"]

    before = await _party_posted(db, "OTHER", "Treasury Solicitor (Bona Vacantia)")
    raised = await _raise(api, client["id"])
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["estate"]["payment"]["route"] == "TREASURY_SOLICITOR"
    assert raised["payment"]["payee"] == {
        "name": "Treasury Solicitor (Bona Vacantia)",
        "kind": "OTHER",
    }
    await _paid_out(api, raised["payment"]["id"])
    assert await cms_balance(api, client["id"]) == "0.00"
    after = await _party_posted(db, "OTHER", "Treasury Solicitor (Bona Vacantia)")
    assert after - before == 50_001
    assert len(_estate_rows(await audit_rows(api, clientId=client["id"]), "refer")) == 1
    assert await ledger_sound(api)


async def test_no_referral_for_an_estate_within_the_limit_or_with_a_claimant(
    api: Api, session: AsyncSession
) -> None:
    small = await estate_ready(api, session, 50_000)
    within = await _refer(api, small["id"])
    assert within["__typename"] == "InvalidStateProblem" and "B 29.5" in within["message"]
    large = await estate_ready(api, session, 90_000)
    assert (await _claimant(api, large["id"], **_kin()))["__typename"] == "EstatePayload"
    kin = await _refer(api, large["id"])
    assert kin["__typename"] == "InvalidStateProblem" and "next of kin" in kin["message"]


# --- an executor or next of kin (R-DEATH-3, B 29.3) --------------------------------------------


async def test_an_executor_is_paid_whatever_the_size(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    for pence, approver in ((300, SCAO), (5_000_000, GM)):
        client = await estate_ready(api, session, pence)
        name = f"Edith Executor {pence}"
        recorded = await _claimant(
            api,
            client["id"],
            **_executor(name, probateReference="PRB-7781", probateGrantedOn=days_ago(3)),
        )
        assert recorded["__typename"] == "EstatePayload", recorded
        claimant = recorded["estate"]["claimant"]
        assert claimant["kind"] == "EXECUTOR" and claimant["name"] == name
        assert claimant["willDated"] == "2019-03-01" and claimant["probateReference"] == "PRB-7781"
        assert claimant["correctsPrevious"] is False and claimant["recordedBy"] == "ash.assistant"
        raised = await _raise(api, client["id"])
        assert raised["__typename"] == "EstatePaymentPayload", raised
        assert raised["estate"]["payment"]["route"] == "EXECUTOR"
        assert raised["payment"]["payee"] == {"name": name, "kind": "OTHER"}
        amount = f"{pence // 100:,}.{pence % 100:02d}".replace(",", "")
        assert raised["payment"]["amount"] == amount
        await _paid_out(api, raised["payment"]["id"], approver=approver)
        assert await cms_balance(api, client["id"]) == "0.00"
        assert await _party_posted(db, "OTHER", name) == pence
    assert await ledger_sound(api)


async def test_next_of_kin_paid_through_an_existing_counterparty_and_a_correction_supersedes(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 120_000)
    first = await _claimant(api, client["id"], **_kin("Norman Nephew"), key="kin-once")
    assert first["__typename"] == "EstatePayload", first
    replay = await _claimant(api, client["id"], **_kin("Norman Nephew"), key="kin-once")
    assert replay["__typename"] == "EstatePayload" and replay["replayed"] is True
    # a correction needs its reason (R-AUD-2)
    bank = await new_counterparty(api, "OTHER", "Nina Niece (client account at Hart & Co)")
    no_reason = await _claimant(api, client["id"], **_kin("Nina Niece", counterpartyId=bank))
    assert no_reason["__typename"] == "ValidationProblem", no_reason
    corrected = await _claimant(
        api,
        client["id"],
        **_kin("Nina Niece", counterpartyId=bank, reason="the nephew predeceased the client"),
    )
    assert corrected["__typename"] == "EstatePayload", corrected
    estate = corrected["estate"]
    assert estate["claimant"]["name"] == "Nina Niece" and estate["claimant"]["counterpartyId"] == (
        bank
    )
    assert estate["claimant"]["correctsPrevious"] is True
    assert [c["name"] for c in estate["claimantHistory"]] == ["Norman Nephew", "Nina Niece"]
    raised = await _raise(api, client["id"])
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["estate"]["payment"]["route"] == "NEXT_OF_KIN"
    assert raised["payment"]["payee"]["name"] == "Nina Niece (client account at Hart & Co)"
    # once raised, who takes it is not changed
    late = await _claimant(api, client["id"], **_executor(reason="a will found"))
    assert late["__typename"] == "InvalidStateProblem", late
    rows = await audit_rows(api, clientId=client["id"])
    assert len(_estate_rows(rows, "record_claimant")) == 1
    assert len(_estate_rows(rows, "correct_claimant")) == 1


async def test_what_a_claimant_must_show(api: Api, session: AsyncSession) -> None:
    client = await estate_ready(api, session, 1_000)
    no_will = await _claimant(api, client["id"], kind="EXECUTOR", name="Ed")
    assert no_will["__typename"] == "ValidationProblem", no_will
    fields = {f["field"] for f in no_will["fields"]}
    assert {"willReference", "willDated"} <= fields
    no_evidence = await _claimant(api, client["id"], kind="NEXT_OF_KIN", name="Ned")
    assert {f["field"] for f in no_evidence["fields"]} >= {"relationship", "evidence"}
    after_death = await _claimant(api, client["id"], **_executor(willDated=days_ago(1)))
    assert after_death["__typename"] == "ValidationProblem", after_death
    assert (await _estate(api, client["id"]))["claimantHistory"] == []


async def test_nothing_of_the_estate_before_the_death_is_confirmed(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(api)
    await fund(session, api, client, 90_000)
    for _ in ("alive", "recorded, not confirmed"):
        kin = await _claimant(api, client["id"], **_kin())
        assert kin["__typename"] == "InvalidStateProblem" and "confirmed" in kin["message"]
        referred = await _refer(api, client["id"])
        assert referred["__typename"] == "InvalidStateProblem", referred
        paid = await _raise(api, client["id"])
        assert paid["__typename"] == "InvalidStateProblem", paid
        closed = await _close(api, client["id"])
        assert closed["__typename"] == "InvalidStateProblem", closed
        if _ == "alive":
            await record_death(api, client["id"], DIED)
    assert await cms_balance(api, client["id"]) == "900.00"
    assert (await _estate(api, client["id"]))["stage"] is None


# --- what comes first (R-FEE-5, B 29.2, B 29.4) ------------------------------------------------


async def test_refused_before_the_fee(api: Api, session: AsyncSession) -> None:
    client = await estate_ready(api, session, 10_000, fee=False)
    assert (await _claimant(api, client["id"], **_kin()))["__typename"] == "EstatePayload"
    refused = await _raise(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "wind-up fee" in refused["message"] and "chargeWindUpFee" in refused["message"]
    assert await cms_balance(api, client["id"]) == "475.00"
    assert (await _estate(api, client["id"]))["payments"] == []


async def test_refused_while_money_is_with_the_court_funds_office_until_it_comes_home(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 40_000)
    await moved_to_court_funds(session, client["id"], 30_000, clock.today())
    refused = await _raise(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "CLIENT_COURT_FUNDS" in refused["message"] and "comes home" in refused["message"]
    await came_home_from_court_funds(session, client["id"], 30_000)
    raised = await _raise(api, client["id"])
    assert raised["__typename"] == "EstatePaymentPayload", raised
    assert raised["payment"]["amount"] == "400.00"


async def test_refused_while_an_invoice_dated_before_death_is_open(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 60_000, fee=False)
    supplier = await new_counterparty(api, "SUPPLIER")
    invoice = await payable_invoice(
        api, client, supplier, invoiceDate=days_ago(12), supplierInvoiceNumber="INV-OPEN"
    )
    await payable_invoice(
        api, client, supplier, invoiceDate=days_ago(5), supplierInvoiceNumber="INV-LATER"
    )
    refused = await _raise(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "INV-OPEN" in refused["message"] and "INV-LATER" not in refused["message"]
    assert "wind-up fee" in refused["message"]  # every reason, listed
    debt = await raise_payment(
        api, {"invoiceId": invoice["id"], "windingUpBasis": "DEBT_BEFORE_DEATH"}
    )
    assert debt["__typename"] == "PaymentPayload", debt
    await _paid_out(api, debt["payment"]["id"])
    await charged_wind_up_fee(api, client["id"])
    raised = await _raise(api, client["id"])
    assert raised["__typename"] == "EstatePaymentPayload", raised


async def test_nothing_left_is_a_nil_estate(api: Api, session: AsyncSession) -> None:
    client = await estate_ready(api, session, 0)
    assert await cms_balance(api, client["id"]) == "0.00"
    assert (await _estate(api, client["id"]))["stage"] == "NIL"
    nil = await _raise(api, client["id"])
    assert nil["__typename"] == "InvalidStateProblem" and "nil" in nil["message"]


async def test_the_raiser_may_not_approve_the_estate_payment(
    api: Api, session: AsyncSession
) -> None:
    """R-ROLE-2: four eyes, through the one approval mechanism."""
    client = await estate_ready(api, session, 20_000)
    raised = await _raise(api, client["id"], **SCAO)
    assert raised["__typename"] == "EstatePaymentPayload", raised
    own = await approve_payment(api, raised["payment"]["id"])
    assert own["__typename"] == "FourEyesProblem", own
    other = await approve_payment(api, raised["payment"]["id"], role="governance_manager", sub="g")
    assert other["__typename"] == "PaymentPayload", other


# --- closing the case ------------------------------------------------------------------------


async def test_the_case_closes_only_when_nothing_is_outstanding(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 40_000)
    refused = await _close(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    message = refused["message"]
    assert "not yet told of the death" in message  # a notification outstanding (R-DEATH-1)
    assert "400.00 free in the client's accounts" in message  # the balance not zero
    await notify_everyone(api, client["id"])
    still = await _close(api, client["id"])
    assert still["__typename"] == "InvalidStateProblem", still
    assert "not yet told" not in still["message"] and "400.00" in still["message"]
    raised = await _raise(api, client["id"])
    approved = await approve_payment(api, raised["payment"]["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    held = await _close(api, client["id"])
    assert held["__typename"] == "InvalidStateProblem", held
    assert "held" in held["message"] and "not yet made" in held["message"]
    assert (await make_payment(api, raised["payment"]["id"]))["__typename"] == "PaymentPayload"

    closed = await _close(api, client["id"], key="close-once")
    assert closed["__typename"] == "EstatePayload", closed
    assert closed["client"]["status"] == "CLOSED" and closed["estate"]["closed"] is True
    replay = await _close(api, client["id"], key="close-once")
    assert replay["__typename"] == "EstatePayload" and replay["replayed"] is True
    twice = await _close(api, client["id"])
    assert twice["__typename"] == "InvalidStateProblem" and "closed already" in twice["message"]
    listed = await api.data(
        "{ clientsBeingWoundUp(first: 100) { edges { node { client { id } } } } }", {}, **SCAO
    )
    ids = [e["node"]["client"]["id"] for e in listed["clientsBeingWoundUp"]["edges"]]
    assert client["id"] not in ids  # wound up: off the list
    closes = [r for r in await audit_rows(api, clientId=client["id"]) if r["action"] == "close"]
    assert len(closes) == 1 and closes[0]["after"] == {"status": "CLOSED"}
    assert await ledger_sound(api)


async def test_amend_client_to_closed_is_refused_for_a_deceased_client(
    api: Api, session: AsyncSession
) -> None:
    client = await estate_ready(api, session, 10_000)
    result = await amend_client(api, client["id"], {"status": "CLOSED"}, reason="died")
    assert result["__typename"] == "ValidationProblem", result
    message = {f["field"]: f["message"] for f in result["fields"]}["status"]
    assert "closeWoundUpCase" in message and "not yet told" in message
    assert (await _estate(api, client["id"]))["closed"] is False
    # a living client is still closed by amendment
    living = await new_client(api)
    closed = await amend_client(api, living["id"], {"status": "CLOSED"}, reason="moved away")
    assert closed["__typename"] == "ClientPayload", closed


# --- who may -----------------------------------------------------------------------------------


async def test_who_may_do_what_with_the_estate(api: Api, session: AsyncSession) -> None:
    client = await estate_ready(api, session, 10_000)
    cid = client["id"]
    for role in ("support_assistant", "auditor", "reporting", "social_worker"):
        for name, query in (
            ("recordEstateClaimant", CLAIMANT),
            ("recordTreasurySolicitorReferral", REFERRAL),
            ("raiseEstatePayment", RAISE),
        ):
            fields: dict[str, Any] = {"clientId": cid, "idempotencyKey": f"{name}-{role}"}
            if name == "recordEstateClaimant":
                fields |= _kin()
            if name == "recordTreasurySolicitorReferral":
                fields |= {"referredOn": days_ago(1), "reference": "BV 1"}
            body = await api.gql(query, {"input": fields}, role=role)
            assert_forbidden(body, [name])
    for role in ("assistant", "senior_assistant", "support_assistant", "auditor", "reporting"):
        body = await api.gql(CLOSE, {"input": {"clientId": cid, "idempotencyKey": role}}, role=role)
        assert_forbidden(body, ["closeWoundUpCase"])
    for role in ("reporting", "social_worker"):
        assert_forbidden(await api.gql(ESTATE, {"c": cid}, role=role), ["estate"])
    assert await cms_balance(api, cid) == "100.00"
    assert (await _estate(api, cid))["claimantHistory"] == []

"""The service's cost and income (issue 16 item 3; R-REP-3, R-DATA, seed 002's cost and income
appendix), its workload (item 5; D 4) and the exceptions register (item 6; D 1.3), through
/graphql; and the same reports as CSV tables (item 7).

The appendix is reproduced from its own inputs: the governance manager records the seed's cost
table (seven roles, FTE and payroll plus on-costs, the overhead rate 11.14%, bank charges
3,000.00), and the ledger is given the year's income through the services that record it:
deputies whose fee run charges the Court of Protection's fixed costs (66 first-anniversary fees
of 700.00 and 80 later ones of 585.00: 93,000.00), 32 deceased clients' wind-up fees of 375.00
(12,000.00; one of them the small estate's), and one estate of 303.09 kept by the council
(B 29.5): cost 133,281.26, income 105,303.09, shortfall 27,978.17.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.principal import Role
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.officers import service as officers
from ca_api.service_costs import csv, rules, service
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    approve_payment,
    charged_wind_up_fee,
    client_with_orders,
    confirmed_death,
    days_ago,
    decision_input,
    estate_ready,
    fee_fund,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    payable_invoice,
    raised,
    raised_payment,
    run_fees,
)

TGM = {"role": "governance_manager", "sub": "grace.tgm"}
TGM2 = {"role": "governance_manager", "sub": "gina.tgm"}
REPORTING = {"role": "reporting", "sub": "dash.board"}
ASSISTANT = {"role": "assistant", "sub": "ash.assistant"}
AUDITOR = {"role": "auditor", "sub": "audrey.audit"}

# The seed's cost table: role, FTE, payroll plus on-costs, and the overheads where the rate of
# 11.14% does not give the seed's figure to the penny (docs/service_costs.md).
SEED_ROLES: list[tuple[str, str, str, str | None]] = [
    ("Chief Finance Officer", "0.01", "1296.46", None),
    # the seed's overheads column says 233.89 (the rate's), its total 2,333.41: 233.88
    ("Head of Financial Programmes and Projects", "0.03", "2099.53", "233.88"),
    ("Transformation and Governance Manager", "0.20", "10973.51", None),
    # 11.14% of 35,902.28 is 3,999.51; the seed says 3,999.63
    ("Senior Client Affairs Officer", "1.00", "35902.28", "3999.63"),
    ("Senior Client Affairs Assistant", "1.00", "24179.09", None),
    ("Client Affairs Assistant", "1.00", "21694.94", None),
    ("Client Affairs Support Assistant", "1.00", "21076.74", None),
]
SEED_LINES = [
    ("1296.46", "144.43", "1440.89"),
    ("2099.53", "233.88", "2333.41"),
    ("10973.51", "1222.45", "12195.96"),
    ("35902.28", "3999.63", "39901.91"),
    ("24179.09", "2693.55", "26872.64"),
    ("21694.94", "2416.82", "24111.76"),
    ("21076.74", "2347.95", "23424.69"),
]

RECORD_COSTS = """
mutation($input: RecordServiceCostsInput!) { recordServiceCosts(input: $input) {
  __typename
  ... on ServiceCostsPayload { replayed table { id effectiveFrom overheadRate bankCharges note
      roles { title fte payrollAndOnCosts overheads } recordedBy } }
  ... on ValidationProblem { code fields { field message } }
  ... on Problem { code message }
} }
"""
COST_AND_INCOME = """
query($y: Int!) { serviceCostAndIncome(financialYear: $y) {
  __typename
  ... on ServiceCostAndIncome {
    financialYear startsOn endsOn costsEffectiveFrom
    lines { role fte payrollAndOnCosts overheads overheadsAsStated total }
    fte payrollAndOnCosts overheads staffCost bankCharges totalCost
    income { courtFixedCosts windUpFees smallEstatesKept total }
    shortfall
  }
  ... on PolicyMissingProblem { code name }
  ... on Problem { code message }
} }
"""
WORKLOAD = """
query($d: Date!) { workload(asAt: $d) {
  asAt clients fte clientsPerFte maximumClientsPerFte maximumEffectiveFrom excessPercent
  reviewExcessPercent reviewDue
  officers { officer role payments decisions policyExceptions openItems }
} }
"""
EXCEPTION_FIELDS = """
  id policyReference summary clientId submittedOn submittedBy submittedByRole submittedTo
  outcome reason referredTo decidedOn decidedBy decidedByRole
"""
RECORD_EXCEPTION = f"""
mutation($input: RecordPolicyExceptionInput!) {{ recordPolicyException(input: $input) {{
  __typename
  ... on PolicyExceptionPayload {{ replayed exception {{ {EXCEPTION_FIELDS} }} }}
  ... on ValidationProblem {{ fields {{ field message }} }}
  ... on NotFoundProblem {{ id }}
  ... on Problem {{ code message }}
}} }}
"""
DECIDE_EXCEPTION = f"""
mutation($input: DecidePolicyExceptionInput!) {{ decidePolicyException(input: $input) {{
  __typename
  ... on PolicyExceptionPayload {{ replayed exception {{ {EXCEPTION_FIELDS} }} }}
  ... on FourEyesProblem {{ raisedBy }}
  ... on ValidationProblem {{ fields {{ field message }} }}
  ... on Problem {{ code message }}
}} }}
"""
EXCEPTIONS = f"""
query($from: Date, $to: Date) {{ policyExceptions(from: $from, to: $to) {{ {EXCEPTION_FIELDS} }} }}
"""


def seed_table(**changes: Any) -> dict[str, Any]:
    roles = [
        {"title": t, "fte": f, "payrollAndOnCosts": p} | ({"overheads": o} if o is not None else {})
        for t, f, p, o in SEED_ROLES
    ]
    return {
        "effectiveFrom": "2014-04-01",
        "note": "seed 002, the cost and income appendix (2014/15)",
        "overheadRate": "11.1400",
        "bankCharges": "3000.00",
        "roles": roles,
        "idempotencyKey": new_key(),
    } | changes


async def record_costs(api: Api, table: dict[str, Any], **who: Any) -> dict[str, Any]:
    data = await api.data(RECORD_COSTS, {"input": table}, **(who or TGM))
    result: dict[str, Any] = data["recordServiceCosts"]
    return result


async def cost_and_income(api: Api, year: int, **who: Any) -> dict[str, Any]:
    data = await api.data(COST_AND_INCOME, {"y": year}, **(who or REPORTING))
    result: dict[str, Any] = data["serviceCostAndIncome"]
    return result


# --- the cost table (R-REP-3, R-DATA) ----------------------------------------------------------


def test_the_seed_lines_follow_from_payroll_and_one_rate_but_two() -> None:
    """R-REP-3: 11.14% of payroll, half-up to the penny, gives five of the seven overheads;
    the two the seed states otherwise are recorded as stated (docs/service_costs.md)."""
    rate = Decimal("11.14")
    given = [
        rules.cost_line(rules.RoleCost(t, Decimal(f), int(Decimal(p) * 100), None), rate).overheads
        for t, f, p, _ in SEED_ROLES
    ]
    seed = [int(Decimal(o) * 100) for _, o, _ in SEED_LINES]
    differ = [i for i, (a, b) in enumerate(zip(given, seed, strict=True)) if a != b]
    assert differ == [1, 3]  # 233.89 (seed total implies 233.88) and 3,999.51 (seed 3,999.63)
    # the overheads workings: 1,783,700 of 16,012,526 is 11.1394%, 11.14% as the seed rounds it
    assert (Decimal(1_783_700) * 100 / Decimal(16_012_526)).quantize(Decimal("0.01")) == rate


async def test_the_governance_manager_records_the_cost_table_once_per_key(api: Api) -> None:
    table = seed_table(idempotencyKey="costs-2014")
    first = await record_costs(api, table)
    assert first["__typename"] == "ServiceCostsPayload", first
    recorded = first["table"]
    assert recorded["effectiveFrom"] == "2014-04-01" and recorded["overheadRate"] == "11.1400"
    assert recorded["bankCharges"] == "3000.00" and recorded["recordedBy"] == "grace.tgm"
    assert [r["title"] for r in recorded["roles"]] == [r[0] for r in SEED_ROLES]
    assert recorded["roles"][3] == {
        "title": "Senior Client Affairs Officer",
        "fte": "1.00",
        "payrollAndOnCosts": "35902.28",
        "overheads": "3999.63",
    }
    assert recorded["roles"][0]["overheads"] is None
    again = await record_costs(api, table)
    assert again["replayed"] is True and again["table"]["id"] == recorded["id"]
    tables = await api.data("{ serviceCostTables { id recordedBy } }", **REPORTING)
    assert tables["serviceCostTables"] == [{"id": recorded["id"], "recordedBy": None}]
    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ServiceCostTable { bankCharges } } }",
        {"id": recorded["id"]},
        **REPORTING,
    )
    assert node["node"] == {"bankCharges": "3000.00"}


async def test_a_wrong_cost_table_is_refused_field_by_field(api: Api) -> None:
    bad = seed_table(overheadRate="100.0000", note=" ", roles=[])
    result = await record_costs(api, bad)
    assert result["__typename"] == "ValidationProblem"
    assert {f["field"] for f in result["fields"]} == {"overheadRate", "note", "roles"}
    roles = [{"title": "Officer", "fte": "1.005", "payrollAndOnCosts": "100.00"}]
    result = await record_costs(api, seed_table(roles=roles))
    assert result["__typename"] == "ValidationProblem"
    assert [f["field"] for f in result["fields"]] == ["roles.0.fte"]
    before = await api.data("{ serviceCostTables { id } }", **TGM)
    assert before["serviceCostTables"] == []


async def test_a_year_takes_the_table_in_force_on_its_first_of_april(api: Api) -> None:
    """R-DATA: a later version supersedes from its date; one recorded later for the same date
    supersedes the first (a correction), nothing is edited; before any, POLICY_MISSING."""
    missing = await cost_and_income(api, 2013)
    assert missing == {
        "__typename": "PolicyMissingProblem",
        "code": "POLICY_MISSING",
        "name": "service costs",
        "message": missing["message"],
    }
    await record_costs(api, seed_table())
    await record_costs(api, seed_table(effectiveFrom="2015-04-01", bankCharges="3100.00"))
    corrected = await record_costs(
        api, seed_table(effectiveFrom="2015-04-01", bankCharges="3200.00", note="corrected")
    )
    assert corrected["__typename"] == "ServiceCostsPayload"
    assert (await cost_and_income(api, 2014))["bankCharges"] == "3000.00"
    later = await cost_and_income(api, 2015)
    assert later["bankCharges"] == "3200.00" and later["costsEffectiveFrom"] == "2015-04-01"
    assert later["startsOn"] == "2015-04-01" and later["endsOn"] == "2016-03-31"
    assert (await cost_and_income(api, 2013))["__typename"] == "PolicyMissingProblem"
    tables = await api.data("{ serviceCostTables { bankCharges } }", **TGM)
    assert [t["bankCharges"] for t in tables["serviceCostTables"]] == [
        "3000.00",
        "3100.00",
        "3200.00",
    ]


# --- the appendix reproduced (R-REP-3) ----------------------------------------------------------


async def _wind_up_fee_paid(api: Api, session: AsyncSession) -> dict[str, str]:
    client = await new_client(api)
    await fund(session, api, client, 50_000)
    await confirmed_death(api, client["id"], days_ago(10))
    await charged_wind_up_fee(api, client["id"])
    return client


async def _small_estate_kept(api: Api, session: AsyncSession, pence: int) -> None:
    """B 29.5: no executor, no next of kin, the limit and below: kept by the council (its
    wind-up fee taken first)."""
    client = await estate_ready(api, session, pence)
    data = await api.data(
        """mutation($input: RaiseEstatePaymentInput!) { raiseEstatePayment(input: $input) {
             __typename ... on EstatePaymentPayload { payment { id } } } }""",
        {"input": {"clientId": client["id"], "idempotencyKey": new_key()}},
        **ASSISTANT,
    )
    payment_id = data["raiseEstatePayment"]["payment"]["id"]
    assert (await approve_payment(api, payment_id))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, payment_id))["__typename"] == "PaymentPayload"


async def _deputies(session: AsyncSession, made: date, n: int) -> None:
    for _ in range(n):
        client_id = await client_with_orders(session, deputy_from=made)
        await fee_fund(session, client_id, 2_000_000, date(2012, 4, 2))


async def test_the_appendix_is_reproduced_from_its_own_inputs(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """Seed 002, the cost and income appendix: total cost 133,281.26, income 105,303.09
    (93,000.00 + 12,000.00 + 303.09), shortfall 27,978.17; read by the reporting role."""
    assert (await record_costs(api, seed_table()))["__typename"] == "ServiceCostsPayload"
    today.set(date(2014, 6, 2))
    for _ in range(31):
        await _wind_up_fee_paid(api, session)
    await _small_estate_kept(api, session, 30_309)  # the 32nd wind-up fee, and the estate
    await _deputies(session, date(2013, 6, 1), 66)  # first anniversary in 2014/15: 700.00
    await _deputies(session, date(2012, 6, 1), 80)  # second anniversary: 585.00
    today.set(date(2015, 3, 31))
    run = await run_fees(api, "2014-04-01", "2015-03-31")
    assert run["__typename"] == "FeeRunPayload", run

    report = await cost_and_income(api, 2014)
    assert report["__typename"] == "ServiceCostAndIncome", report
    lines = [(r["payrollAndOnCosts"], r["overheads"], r["total"]) for r in report["lines"]]
    assert lines == SEED_LINES
    assert [r["overheadsAsStated"] for r in report["lines"]] == [
        False,
        True,
        False,
        True,
        False,
        False,
        False,
    ]
    assert report["fte"] == "4.24"
    assert report["staffCost"] == "130281.26"
    assert report["bankCharges"] == "3000.00"
    assert report["totalCost"] == "133281.26"
    assert report["income"] == {
        "courtFixedCosts": "93000.00",
        "windUpFees": "12000.00",
        "smallEstatesKept": "303.09",
        "total": "105303.09",
    }
    assert report["shortfall"] == "27978.17"
    # the seed's column totals (102,853.05 and 11,457.95) are not the sums of its lines
    assert report["payrollAndOnCosts"] == "117222.55" and report["overheads"] == "13058.71"
    # the year before and after have none of this income
    other = await cost_and_income(api, 2015)
    assert other["income"]["total"] == "0.00" and other["shortfall"] == "133281.26"


async def test_a_reversed_wind_up_fee_is_not_income(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """R-AUD-2, migration 0026: a fee taken in error and reversed earns nothing."""
    await record_costs(api, seed_table())
    year = clock.today().year if clock.today().month >= 4 else clock.today().year - 1
    kept = await _wind_up_fee_paid(api, session)
    wrong = await _wind_up_fee_paid(api, session)
    assert (await cost_and_income(api, year))["income"]["windUpFees"] == "750.00"
    transfer_id = (
        await session.execute(
            text("SELECT transfer_id FROM wind_up_fee WHERE client_id = :c"),
            {"c": decode_uuid("Client", wrong["id"])},
        )
    ).scalar_one()
    reversed_ = await api.data(
        """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
             __typename } }""",
        {
            "input": {
                "transferId": encode_id("Transfer", transfer_id),
                "reason": "charged to the wrong client",
                "idempotencyKey": new_key(),
            }
        },
        role="head_of_service",
        sub="hari.head",
    )
    assert reversed_["reverseTransfer"]["__typename"] == "TransferPayload", reversed_
    assert (await cost_and_income(api, year))["income"]["windUpFees"] == "375.00"
    assert kept["id"] != wrong["id"]


# --- workload (D 4) --------------------------------------------------------------------------


async def test_clients_per_fte_against_the_maximum_in_force(
    api: Api, session: AsyncSession
) -> None:
    """D 4.1-4.2: the maximum and the review excess are 'to be agreed': unknown, so no excess
    is worked out; once figures are in force, the excess in percent, half-up."""
    as_at = date(2014, 9, 1)
    roles = [{"title": "Client Affairs Officer", "fte": "2.00", "payrollAndOnCosts": "50000.00"}]
    await record_costs(api, seed_table(roles=roles))
    for made in (date(2014, 1, 6), date(2014, 2, 3), date(2014, 3, 3)):
        await client_with_orders(session, deputy_from=made)
    await client_with_orders(session, appointee_from=date(2014, 5, 1), deputy_from=date(2014, 6, 2))
    await client_with_orders(session, appointee_from=date(2014, 10, 1))  # after the day
    await _officers_directory(session)

    data = (await api.data(WORKLOAD, {"d": as_at.isoformat()}, **REPORTING))["workload"]
    assert data["clients"] == 4  # one holding both orders counts once
    assert data["fte"] == "2.00" and data["clientsPerFte"] == "2.00"
    assert data["maximumClientsPerFte"] is None and data["maximumEffectiveFrom"] == "2014-06-10"
    assert data["excessPercent"] is None and data["reviewDue"] is None

    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('clients_per_fte_maximum', '2014-07-01', 3, 'COUNT', 'test', 'test'), "
            "('clients_per_fte_review_excess', '2014-07-01', 10, 'PERCENT', 'test', 'test')"
        )
    )
    data = (await api.data(WORKLOAD, {"d": as_at.isoformat()}, **REPORTING))["workload"]
    assert data["maximumClientsPerFte"] == 3
    assert data["excessPercent"] == "-33.3300"  # (2.00 - 3) / 3, half-up to two places
    assert data["reviewDue"] is False
    assert service.rules.excess_percent(Decimal("3.50"), Decimal(3)) == Decimal("16.67")
    before = (await api.data(WORKLOAD, {"d": "2014-06-30"}, **REPORTING))["workload"]
    assert before["maximumClientsPerFte"] is None and before["clients"] == 4
    assert (await api.data(WORKLOAD, {"d": "2014-01-31"}, **REPORTING))["workload"]["clients"] == 1


async def _officers_directory(session: AsyncSession) -> None:
    await officers.add_if_missing(session, "ash.assistant", "Ash Assistant", Role.ASSISTANT, None)
    await officers.add_if_missing(
        session, "sasha.senior", "Sasha Senior", Role.SENIOR_ASSISTANT, None
    )


async def test_open_items_per_officer_by_name_for_officers_by_role_for_reporting(
    api: Api, session: AsyncSession
) -> None:
    await _officers_directory(session)
    client = await new_client(api)
    await raised(api, decision_input(client, "BEST_INTEREST", "10.00"))
    await raised(api, decision_input(client, "BEST_INTEREST", "20.00"))
    await raised(
        api,
        decision_input(client, "BEST_INTEREST", "30.00"),
        role="senior_assistant",
        sub="sasha.senior",
    )
    await _exception(api, **ASSISTANT)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api)
    await raised_payment(api, (await payable_invoice(api, client, supplier))["id"])
    done = await raised_payment(api, (await payable_invoice(api, client, supplier))["id"])
    assert (await approve_payment(api, done["id"]))["__typename"] == "PaymentPayload"
    assert (await make_payment(api, done["id"]))["__typename"] == "PaymentPayload"
    day = clock.today().isoformat()
    officers_view = (await api.data(WORKLOAD, {"d": day}, **TGM))["workload"]["officers"]
    assert officers_view == [
        {
            "officer": "ash.assistant",
            "role": "ASSISTANT",
            "payments": 1,
            "decisions": 2,
            "policyExceptions": 1,
            "openItems": 4,
        },
        {
            "officer": "sasha.senior",
            "role": "SENIOR_ASSISTANT",
            "payments": 0,
            "decisions": 1,
            "policyExceptions": 0,
            "openItems": 1,
        },
    ]
    reporting_view = (await api.data(WORKLOAD, {"d": day}, **REPORTING))["workload"]["officers"]
    assert [o["officer"] for o in reporting_view] == [None, None]
    assert [(o["role"], o["openItems"]) for o in reporting_view] == [
        ("ASSISTANT", 4),
        ("SENIOR_ASSISTANT", 1),
    ]
    yesterday = (await api.data(WORKLOAD, {"d": "2014-01-01"}, **TGM))["workload"]
    assert yesterday["officers"] == []


# --- the exceptions register (D 1.3) ---------------------------------------------------------


async def _exception(api: Api, client_id: str | None = None, **who: Any) -> dict[str, Any]:
    variables = {
        "input": {
            "summary": "Pay the weekly allowance to the care home's petty cash for Mrs A.",
            "policyReference": "B 22.1",
            "clientId": client_id,
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(RECORD_EXCEPTION, variables, **(who or ASSISTANT))
    result: dict[str, Any] = data["recordPolicyException"]
    return result


async def _decide(api: Api, exception_id: str, **kw: Any) -> dict[str, Any]:
    who = kw.pop("who", TGM)
    variables = {
        "input": {
            "exceptionId": exception_id,
            "outcome": "APPROVED",
            "reason": "The care home holds no cash for residents otherwise.",
            "referredTo": ["BSD_DMT", "ASC_DMT"],
            "idempotencyKey": new_key(),
        }
        | kw
    }
    data = await api.data(DECIDE_EXCEPTION, variables, **who)
    result: dict[str, Any] = data["decidePolicyException"]
    return result


async def test_an_exception_goes_to_the_governance_manager_who_decides_it_once(
    api: Api,
) -> None:
    """D 1.3: submitted to the Transformation and Governance Manager, who decides and puts it
    to the groups; never the submitter (R-ROLE-2); once."""
    client = await new_client(api)
    submitted = await _exception(api, client["id"])
    assert submitted["__typename"] == "PolicyExceptionPayload", submitted
    x = submitted["exception"]
    assert x["clientId"] == client["id"] and x["submittedBy"] == "ash.assistant"
    assert x["submittedByRole"] == "ASSISTANT" and x["submittedTo"] == "GOVERNANCE_MANAGER"
    assert x["outcome"] is None and x["referredTo"] == []

    decided = await _decide(api, x["id"])
    assert decided["__typename"] == "PolicyExceptionPayload", decided
    d = decided["exception"]
    assert d["outcome"] == "APPROVED" and d["decidedBy"] == "grace.tgm"
    assert d["decidedByRole"] == "GOVERNANCE_MANAGER" and d["referredTo"] == ["ASC_DMT", "BSD_DMT"]
    assert d["decidedOn"] == clock.today().isoformat()

    again = await _decide(api, x["id"], outcome="REFUSED")
    assert again["__typename"] == "InvalidStateProblem" and "already" in again["message"]

    own = await _exception(api, **TGM)
    refused = await _decide(api, own["exception"]["id"])
    assert refused["__typename"] == "FourEyesProblem" and refused["raisedBy"] == "grace.tgm"
    other = await _decide(api, own["exception"]["id"], who=TGM2, outcome="REFUSED", referredTo=[])
    assert other["exception"]["outcome"] == "REFUSED"

    missing = await _decide(api, encode_id("PolicyException", uuid.uuid4()))
    assert missing["__typename"] == "NotFoundProblem"
    blank = await _decide(api, x["id"], reason="  ")
    assert blank["__typename"] == "ValidationProblem"
    assert [f["field"] for f in blank["fields"]] == ["reason"]


async def test_a_wrong_exception_is_refused(api: Api) -> None:
    data = await api.data(
        RECORD_EXCEPTION,
        {"input": {"summary": "", "policyReference": " ", "idempotencyKey": new_key()}},
        **ASSISTANT,
    )
    result = data["recordPolicyException"]
    assert {f["field"] for f in result["fields"]} == {"summary", "policyReference"}
    nobody = await _exception(api, encode_id("Client", uuid.uuid4()))
    assert nobody["__typename"] == "NotFoundProblem"


async def test_the_register_by_dates_and_what_reporting_sees(api: Api, today: Any) -> None:
    """R-ROLE: the reporting role reads the register without the client, the officers' names
    or the free text (which may name a person); officers and audit read it whole."""
    client = await new_client(api)
    today.set(date(2014, 7, 1))
    first = (await _exception(api, client["id"]))["exception"]
    await _decide(api, first["id"])
    today.set(date(2014, 8, 1))
    second = (await _exception(api))["exception"]

    july = await api.data(EXCEPTIONS, {"from": "2014-07-01", "to": "2014-07-31"}, **AUDITOR)
    assert [x["id"] for x in july["policyExceptions"]] == [first["id"]]
    assert july["policyExceptions"][0]["summary"].startswith("Pay the weekly")
    every = await api.data(EXCEPTIONS, {}, **REPORTING)
    rows = every["policyExceptions"]
    assert [x["id"] for x in rows] == [first["id"], second["id"]]
    for x in rows:
        assert x["summary"] is None and x["clientId"] is None and x["reason"] is None
        assert x["submittedBy"] is None and x["decidedBy"] is None
    assert rows[0]["submittedByRole"] == "ASSISTANT" and rows[0]["outcome"] == "APPROVED"
    assert rows[0]["decidedByRole"] == "GOVERNANCE_MANAGER"
    node = await api.data(
        "query($id: ID!) { node(id: $id) { ... on PolicyException { summary policyReference } } }",
        {"id": first["id"]},
        **REPORTING,
    )
    assert node["node"] == {"summary": None, "policyReference": "B 22.1"}


# --- the reports as CSV tables (item 7) --------------------------------------------------------


async def test_each_report_is_a_csv_table_without_names(api: Api, session: AsyncSession) -> None:
    await record_costs(api, seed_table())
    await _officers_directory(session)
    x = (await _exception(api))["exception"]
    await _decide(api, x["id"])
    await _exception(api)  # still open: the assistant's one open item
    report = await service.cost_and_income(session, 2014)
    table = csv.cost_and_income_rows(report)
    assert table[0] == [
        "financial_year",
        "section",
        "item",
        "fte",
        "payroll_and_on_costs",
        "overheads",
        "amount",
    ]
    assert table[1] == [
        "2014/15",
        "cost",
        "Chief Finance Officer",
        "0.01",
        "1296.46",
        "144.43",
        "1440.89",
    ]
    assert ["2014/15", "cost", "total cost", "", "", "", "133281.26"] in table
    assert table[-1] == ["2014/15", "result", "shortfall", "", "", "", "133281.26"]
    assert all(len(r) == len(table[0]) for r in table)

    work = csv.workload_rows(await service.workload(session, clock.today(), by_name=True))
    assert work[0][:3] == ["as_at", "role", "clients"]
    assert work[-1][1] == "assistant" and work[-1][-1] == "1"
    assert not any("ash" in cell for row in work for cell in row)

    register = csv.policy_exception_rows(await service.exceptions(session, None, None))
    assert register[1][1:4] == ["B 22.1", "assistant", "APPROVED"]
    assert register[1][-1] == "ASC_DMT BSD_DMT" and register[2][3] == ""
    assert not any("Pay the weekly" in cell or "ash" in cell for row in register for cell in row)

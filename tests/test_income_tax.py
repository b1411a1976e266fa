"""A client's income tax (issue 14 item 6; R-CARE-6, seed 002 B 19), through /graphql.

For each client and tax year (6 April to 5 April) the taxable income the ledger holds is summed
by OPG category (R-OPG-1: state and private pensions, interest, dividends, rent; benefits are
not counted); a return is needed where it is over the personal allowance, or rent is over the
property allowance (policy figures in force on 6 April: seed 002 B 19.1 "where relevant" names
no threshold); it is due 31 January after the year ends (DUE, MET, MISSED); the return filed is
recorded (once, corrections by new entries, R-AUD-2, audited); the tax paid (OUT_TAX) and
refunded (IN_REFUNDS from the tax payee) through the ledger in the year are shown. The caseload
lists every return needed or filed. The social worker sees none of it; the auditor reads it all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.ledger import reversals as ledger
from ca_api.ledger.rules import Category
from tests.conftest import Api, error_codes
from tests.factories import (
    INCOME_TAX,
    PLANNER,
    RECORD_TAX_RETURN_FILED,
    TAX_RETURNS,
    assert_forbidden,
    audit_rows,
    confirmed_death,
    income_tax,
    ledger_income,
    ledger_tax_paid,
    new_client,
    new_key,
    problem_messages,
    record_tax_return,
    tax_payee,
)

Y2024 = 2024  # 6 April 2024 to 5 April 2025, its return due 31 January 2026


def _lines(year: dict[str, Any]) -> dict[str, str]:
    return {line["category"]: line["amount"] for line in year["taxableIncome"]}


async def test_taxable_income_is_summed_by_opg_category_over_6_april_to_5_april(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-CARE-6, seed 002 B 19.1, R-OPG-1: the year's pensions, interest, dividends and rent,
    each by its category; the day before 6 April and the day after 5 April belong to other
    years; benefits (IN_BENEFITS) are not taxable income here."""
    today.set(date(2025, 6, 1))
    c = (await new_client(api))["id"]
    await ledger_income(session, c, Category.IN_STATE_PENSION, 90_000, date(2024, 4, 5))  # 2023
    await ledger_income(session, c, Category.IN_STATE_PENSION, 900_000, date(2024, 4, 6))
    await ledger_income(session, c, Category.IN_STATE_PENSION, 250_000, date(2025, 4, 5))
    await ledger_income(session, c, Category.IN_STATE_PENSION, 77_700, date(2025, 4, 6))  # 2025
    await ledger_income(session, c, Category.IN_PRIVATE_PENSION, 300_000, date(2024, 9, 1))
    await ledger_income(session, c, Category.IN_INTEREST, 12_345, date(2024, 12, 31))
    await ledger_income(session, c, Category.IN_DIVIDENDS, 5_000, date(2025, 1, 15))
    await ledger_income(session, c, Category.IN_RENT, 60_000, date(2024, 7, 1))
    await ledger_income(session, c, Category.IN_BENEFITS, 500_000, date(2024, 8, 1))

    year = await income_tax(api, c, Y2024)

    assert (year["taxYear"], year["label"]) == (2024, "2024-25")
    assert (year["startsOn"], year["endsOn"]) == ("2024-04-06", "2025-04-05")
    assert _lines(year) == {
        "IN_STATE_PENSION": "11500.00",
        "IN_PRIVATE_PENSION": "3000.00",
        "IN_INTEREST": "123.45",
        "IN_DIVIDENDS": "50.00",
        "IN_RENT": "600.00",
    }
    assert year["totalTaxableIncome"] == "15273.45"
    assert year["personalAllowance"] == "12570.00"
    assert year["returnNeeded"] is True
    assert year["returnNeededBecause"] == ["INCOME_OVER_PERSONAL_ALLOWANCE"]
    assert year["returnDueOn"] == "2026-01-31"
    assert (year["returnState"], year["filedOn"], year["filing"]) == ("DUE", None, None)
    # the year before: only the pension paid on 5 April 2024
    before = await income_tax(api, c, 2023)
    assert _lines(before) == {"IN_STATE_PENSION": "900.00"}
    assert (before["returnNeeded"], before["returnState"]) == (False, "NOT_NEEDED")


async def test_a_return_is_needed_over_the_allowance_not_at_it_by_the_years_figures(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-CARE-6, B 19.1 "where relevant": needed when taxable income is over the personal
    allowance in force on the year's 6 April (an effective-dated policy figure: £12,570 for
    2024-25, £11,000 for 2016-17), or rent over the property allowance (£1,000); the figure
    itself is within it."""
    today.set(date(2025, 6, 1))
    at, over, rent = [(await new_client(api))["id"] for _ in range(3)]
    await ledger_income(session, at, Category.IN_PRIVATE_PENSION, 1_257_000, date(2024, 5, 1))
    await ledger_income(session, over, Category.IN_PRIVATE_PENSION, 1_257_001, date(2024, 5, 1))
    await ledger_income(session, rent, Category.IN_RENT, 100_001, date(2024, 5, 1))
    await ledger_income(session, rent, Category.IN_INTEREST, 1_000, date(2016, 5, 1))
    await ledger_income(session, at, Category.IN_RENT, 100_000, date(2024, 6, 1))

    got_at = await income_tax(api, at, Y2024)
    assert got_at["totalTaxableIncome"] == "13570.00"  # the pension and £1,000 of rent
    assert got_at["returnNeededBecause"] == ["INCOME_OVER_PERSONAL_ALLOWANCE"]

    exactly = (await new_client(api))["id"]
    await ledger_income(session, exactly, Category.IN_STATE_PENSION, 1_257_000, date(2024, 5, 1))
    got = await income_tax(api, exactly, Y2024)
    assert (got["returnNeeded"], got["returnNeededBecause"], got["returnState"]) == (
        False,
        [],
        "NOT_NEEDED",
    )
    assert (await income_tax(api, over, Y2024))["returnNeededBecause"] == [
        "INCOME_OVER_PERSONAL_ALLOWANCE"
    ]
    got_rent = await income_tax(api, rent, Y2024)
    assert (got_rent["returnNeededBecause"], got_rent["propertyAllowance"]) == (
        ["RENT_OVER_PROPERTY_ALLOWANCE"],
        "1000.00",
    )

    old = (await new_client(api))["id"]
    await ledger_income(session, old, Category.IN_STATE_PENSION, 1_100_001, date(2016, 5, 1))
    got_old = await income_tax(api, old, 2016)
    assert (got_old["personalAllowance"], got_old["returnNeeded"]) == ("11000.00", True)
    # the same income in 2024-25 is within that year's allowance
    await ledger_income(session, old, Category.IN_STATE_PENSION, 1_100_001, date(2024, 5, 1))
    assert (await income_tax(api, old, Y2024))["returnNeeded"] is False


async def test_tax_paid_and_refunded_through_the_ledger_net_of_reversals(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """B 19.1 "income tax due ... deducted from the client's income": the tax paid (OUT_TAX)
    and refunded (IN_REFUNDS from the counterparty tax is paid to) with a value date in the
    year; a refund from a supplier is not tax; a reversed payment is not tax paid; reversed
    income is not income."""
    today.set(date(2025, 6, 1))
    c = (await new_client(api))["id"]
    hmrc = await tax_payee(session)
    await ledger_income(session, c, Category.IN_PRIVATE_PENSION, 2_000_000, date(2024, 4, 10))
    wrong = await ledger_income(session, c, Category.IN_INTEREST, 50_000, date(2024, 4, 10))
    await ledger_tax_paid(session, c, hmrc, 120_000, date(2024, 7, 31))
    mistaken = await ledger_tax_paid(session, c, hmrc, 9_900, date(2024, 8, 1))
    await ledger_tax_paid(session, c, hmrc, 40_000, date(2025, 4, 6))  # next year
    await ledger_income(session, c, Category.IN_REFUNDS, 15_050, date(2025, 3, 1), party=hmrc)
    await ledger_income(session, c, Category.IN_REFUNDS, 7_000, date(2025, 3, 2))  # a supplier
    async with session.begin():
        await ledger.reverse(session, PLANNER, mistaken, "paid twice")
        await ledger.reverse(session, PLANNER, wrong, "another client's interest")
    # the reversals are dated today (2025-06-01): in 2025-26, so net them there
    year = await income_tax(api, c, Y2024)
    assert (year["taxPaid"], year["taxRefunded"]) == ("1299.00", "150.50")
    assert _lines(year) == {"IN_PRIVATE_PENSION": "20000.00", "IN_INTEREST": "500.00"}
    later = await income_tax(api, c, 2025)
    assert (later["taxPaid"], later["totalTaxableIncome"]) == ("301.00", "-500.00")


async def test_the_return_is_due_31_january_met_when_filed_by_then_missed_after(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-CARE-6, B 19.1 "completed annually": the caseload lists every return needed or filed
    for the year, soonest due first: DUE until 31 January after the year, then MISSED if not
    filed; MET when filed by then, MISSED when filed after. A client who needs none is not
    listed; one who filed anyway is."""
    today.set(date(2025, 6, 1))
    unfiled, on_time, late, none, voluntary = [(await new_client(api))["id"] for _ in range(5)]
    for c in (unfiled, on_time, late):
        await ledger_income(session, c, Category.IN_PRIVATE_PENSION, 1_500_000, date(2024, 6, 1))
    await ledger_income(session, none, Category.IN_STATE_PENSION, 1_000_000, date(2024, 6, 1))
    await ledger_income(session, voluntary, Category.IN_INTEREST, 1_000, date(2024, 6, 1))

    today.set(date(2026, 1, 31))
    done = await record_tax_return(api, on_time, Y2024, "2026-01-31", reference="IRMARK1")
    assert done["__typename"] == "TaxReturnPayload", done
    assert (done["incomeTax"]["returnState"], done["incomeTax"]["filedOn"]) == (
        "MET",
        "2026-01-31",
    )
    assert (await income_tax(api, unfiled, Y2024))["returnState"] == "DUE"
    assert (await record_tax_return(api, voluntary, Y2024, "2025-05-01"))[
        "__typename"
    ] == "TaxReturnPayload"

    today.set(date(2026, 2, 1))  # the day after
    assert (await income_tax(api, unfiled, Y2024))["returnState"] == "MISSED"
    filed_late = await record_tax_return(api, late, Y2024, "2026-02-01")
    assert filed_late["incomeTax"]["returnState"] == "MISSED"

    async def listed(state: str | None) -> dict[str, tuple[str, str]]:
        data = await api.data(TAX_RETURNS, {"y": Y2024, "s": state}, role="auditor", sub="a")
        return {
            e["node"]["incomeTax"]["clientId"]: (e["node"]["state"], e["node"]["dueOn"])
            for e in data["taxReturns"]["edges"]
        }

    every = await listed(None)
    assert every == {
        unfiled: ("MISSED", "2026-01-31"),
        on_time: ("MET", "2026-01-31"),
        late: ("MISSED", "2026-01-31"),
        voluntary: ("MET", "2026-01-31"),
    }
    assert set(await listed("MET")) == {on_time, voluntary}
    assert set(await listed("MISSED")) == {unfiled, late}
    assert none not in every


async def test_a_return_filed_is_recorded_once_corrected_by_a_new_entry_and_audited(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-AUD-2, R-AUD-1, B 19.2: the return filed is recorded with its reference, the tax due
    and the adviser; a second record for the year is refused (INVALID_STATE); a correction is a
    new record superseding it, with the reason; a repeated key replays, writing once."""
    today.set(date(2025, 10, 1))
    c = (await new_client(api))["id"]
    await ledger_income(session, c, Category.IN_PRIVATE_PENSION, 1_500_000, date(2024, 6, 1))
    key = new_key()
    first = await record_tax_return(
        api,
        c,
        Y2024,
        "2025-09-30",
        reference="IR 1",
        taxDue="486.00",
        advisedBy="Smith & Co, chartered accountants",
        idempotencyKey=key,
    )
    assert first["__typename"] == "TaxReturnPayload", first
    again = await record_tax_return(
        api,
        c,
        Y2024,
        "2025-09-30",
        reference="IR 1",
        taxDue="486.00",
        advisedBy="Smith & Co, chartered accountants",
        idempotencyKey=key,
    )
    assert (again["__typename"], again["replayed"]) == ("TaxReturnPayload", True)
    filing = first["incomeTax"]["filing"]
    assert (filing["reference"], filing["taxDue"], filing["advisedBy"], filing["recordedBy"]) == (
        "IR 1",
        "486.00",
        "Smith & Co, chartered accountants",
        "amy.assistant",
    )

    second = await record_tax_return(api, c, Y2024, "2025-09-30")
    assert (second["__typename"], second["code"]) == ("InvalidStateProblem", "INVALID_STATE")

    no_reason = await record_tax_return(
        api, c, Y2024, "2025-09-29", correctsTaxReturnId=filing["taxReturnId"]
    )
    assert "reason" in problem_messages(no_reason)
    fixed = await record_tax_return(
        api,
        c,
        Y2024,
        "2025-09-29",
        reference="IR 1",
        taxDue="468.00",
        correctsTaxReturnId=filing["taxReturnId"],
        reason="the tax due was mistyped",
    )
    assert fixed["__typename"] == "TaxReturnPayload", fixed
    year = fixed["incomeTax"]
    assert (year["filedOn"], year["filing"]["taxDue"], year["filing"]["reason"]) == (
        "2025-09-29",
        "468.00",
        "the tax due was mistyped",
    )
    assert [h["filedOn"] for h in year["filingHistory"]] == ["2025-09-30", "2025-09-29"]
    rows = await audit_rows(api, entityType="tax_return")
    assert sorted(r["action"] for r in rows) == ["correct", "record"]


@pytest.mark.parametrize(
    ("tax_year", "filed_on", "extra", "field"),
    [
        (2025, "2025-10-01", {}, "taxYear"),  # the year has not ended
        (2014, "2015-10-01", {}, "taxYear"),  # before the figures
        (Y2024, "2025-04-05", {}, "filedOn"),  # on the year's last day
        (Y2024, "2025-10-02", {}, "filedOn"),  # tomorrow
        (Y2024, "2025-10-01", {"taxDue": "-1.00"}, "taxDue"),
        (Y2024, "2025-10-01", {"reason": "why"}, "reason"),  # a reason with no correction
    ],
)
async def test_a_return_filed_is_refused_with_the_reason_and_nothing_written(
    api: Api, today: Any, tax_year: int, filed_on: str, extra: dict[str, Any], field: str
) -> None:
    """R-CARE-6: a return is made after the year ends (6 April to 5 April), not in the future,
    for a year with figures (2015 on); the tax due is not negative. Refused, nothing written."""
    today.set(date(2025, 10, 1))
    c = (await new_client(api))["id"]
    result = await record_tax_return(api, c, tax_year, filed_on, **extra)
    assert result["__typename"] == "ValidationProblem", result
    assert field in problem_messages(result)
    assert await audit_rows(api, entityType="tax_return") == []


async def test_the_record_is_append_only_in_the_database(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-AUD-2: a filing is never changed nor deleted; corrections are new rows."""
    today.set(date(2025, 10, 1))
    c = (await new_client(api))["id"]
    assert (await record_tax_return(api, c, Y2024, "2025-09-30"))["__typename"] == (
        "TaxReturnPayload"
    )
    for sql in ("UPDATE tax_return_filing SET reference = 'x'", "DELETE FROM tax_return_filing"):
        with pytest.raises(DBAPIError):
            async with session.begin_nested():
                await session.execute(text(sql))


async def test_a_return_is_recorded_after_the_clients_death(
    api: Api, session: AsyncSession
) -> None:
    """B 19.1, B 29: the final year's return is still made (for the estate): recorded after
    the client's death is confirmed."""
    c = (await new_client(api))["id"]
    await confirmed_death(api, c, "2025-01-10")
    result = await record_tax_return(api, c, Y2024, "2025-05-01")
    assert result["__typename"] == "TaxReturnPayload", result


async def test_the_social_worker_sees_none_of_it_and_data_entry_records_none(api: Api) -> None:
    """R-ROLE: the social worker reads neither a client's tax year nor the caseload's returns;
    nor do they or the support assistant (data entry) record a return; the auditor reads."""
    c = (await new_client(api))["id"]
    for who in ("social_worker", "reporting"):
        body = await api.gql(INCOME_TAX, {"c": c, "y": Y2024}, role=who, sub="x")
        assert_forbidden(body, ["incomeTax"])
        body = await api.gql(TAX_RETURNS, {"y": Y2024, "s": None}, role=who, sub="x")
        assert_forbidden(body, ["taxReturns"])
    variables = {
        "input": {"clientId": c, "taxYear": Y2024, "filedOn": "2025-05-01", "idempotencyKey": "k"}
    }
    for who in ("social_worker", "support_assistant", "auditor"):
        body = await api.gql(RECORD_TAX_RETURN_FILED, variables, role=who, sub="x")
        assert_forbidden(body, ["recordTaxReturnFiled"])
    assert (await income_tax(api, c, Y2024))["returnState"] == "NOT_NEEDED"


async def test_a_tax_year_not_begun_or_before_the_figures_is_refused(api: Api) -> None:
    """The tax year asked for must have begun, and be one the figures cover (2015 on)."""
    c = (await new_client(api))["id"]
    for year in (2014, 2100):
        body = await api.gql(INCOME_TAX, {"c": c, "y": year}, role="auditor", sub="a")
        assert error_codes(body) == ["VALIDATION_FAILED"], body


async def test_a_key_reused_for_another_return_and_a_correction_of_another_year_are_refused(
    api: Api, today: Any
) -> None:
    """One key, one request (IDEMPOTENCY_KEY_REUSED for different input); a correction names a
    record of the same client's same year's filing (NOT_FOUND otherwise); nothing written."""
    today.set(date(2025, 10, 1))
    c = (await new_client(api))["id"]
    key = new_key()
    first = await record_tax_return(api, c, 2023, "2024-05-01", idempotencyKey=key)
    assert first["__typename"] == "TaxReturnPayload", first
    reused = await record_tax_return(api, c, Y2024, "2025-05-01", idempotencyKey=key)
    assert reused["__typename"] == "IdempotencyKeyReusedProblem", reused
    other_year = await record_tax_return(
        api,
        c,
        Y2024,
        "2025-05-01",
        correctsTaxReturnId=first["incomeTax"]["filing"]["taxReturnId"],
        reason="wrong year",
    )
    assert other_year["__typename"] == "NotFoundProblem", other_year
    assert (await income_tax(api, c, Y2024))["filingHistory"] == []
    assert len(await audit_rows(api, entityType="tax_return")) == 1

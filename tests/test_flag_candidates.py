"""thresholdFlags and budgetPlanReviews pick in SQL the clients a page could hold (issue 18 item 1,
``planning.repository.may_be_flagged`` / ``may_need_review``) and the rules judge each of them
(R-INV-1, R-INV-2, R-CARE-2): the SQL must never leave out a client the rules would list. Over
a caseload of every case at a boundary, on several dates and a page of two at a time either
way, each list is what walking every active client (no SQL pick, as before) gives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import true
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal, Role
from ca_api.clients.rules import Situation
from ca_api.common.keyset import Seek
from ca_api.money import parse_money
from ca_api.planning import plan_reviews, repository, thresholds
from tests.conftest import Api
from tests.factories import client_with_orders, fund_client, record_plan

OFFICER = Principal("flags.officer", frozenset({Role.SENIOR_OFFICER}))
DATES = [date(2014, 4, 1), date(2014, 5, 1), date(2015, 3, 4), date(2015, 4, 1), date(2016, 1, 1)]

DECLARE = """
mutation($input: DeclareClientAssetsInput!) {
  declareClientAssets(input: $input) { __typename }
}
"""


async def plan(
    api: Api,
    client: str,
    *,
    year: str = "2014-04-01",
    opening: str = "0.00",
    needs: str = "1000.00",
    **extra: Any,
) -> dict[str, Any]:
    return await record_plan(
        api,
        {
            "clientId": client,
            "planYearStart": year,
            "openingBalance": opening,
            "income": [{"item": "DWP benefits", "annualAmount": "1000.00"}],
            "expenditure": [{"item": "Care and living", "annualAmount": needs}],
        }
        | extra,
    )


async def declare(api: Api, client: str, on: str, **holding: bool) -> None:
    values = {"capital": False, "property": False, "privatePension": False} | holding
    variables = {"input": {"clientId": client, "note": "found", "declaredOn": on} | values}
    made = (await api.data(DECLARE, variables, role="assistant"))["declareClientAssets"]
    assert made["__typename"] == "ClientAssetDeclarationPayload", made


async def caseload(api: Api, session: AsyncSession) -> None:
    """Every case each pick must keep or may leave, at its boundary."""
    deputy, appointee = {"deputy_from": date(2013, 5, 20)}, {"appointee_from": date(2013, 1, 7)}
    # deputies: a surplus at and under the lodgement threshold (£25,000)
    await plan(api, await client_with_orders(session, **deputy), opening="25000.00")
    await plan(api, await client_with_orders(session, **deputy), opening="24999.99")
    # over it, then revised under it; over it last year, under it this year
    revised = await client_with_orders(session, **deputy)
    first = await plan(api, revised, opening="40000.00")
    await plan(api, revised, opening="100.00", supersedes=first["id"])
    later = await client_with_orders(session, **deputy)
    await plan(api, later, opening="40000.00")
    await plan(api, later, year="2015-04-01", opening="100.00")
    # both orders (a deputy client for lodgement) over the threshold; no plan at all
    both = await client_with_orders(session, **deputy, **appointee)
    await fund_client(session, both, parse_money("90000.00"))
    await plan(api, both, opening="30000.00")
    await client_with_orders(session, **deputy)
    # deceased and being wound up, over the threshold: never listed
    dead = await client_with_orders(session, **deputy, situation=Situation.DECEASED_WINDING_UP)
    await plan(api, dead, opening="90000.00")
    # appointees: assets at and under £8,000 above needs of £5,000; assets but no plan
    for assets in ("13000.00", "12999.99", "9000.00"):
        client = await client_with_orders(session, **appointee)
        await fund_client(session, client, parse_money(assets))
        await plan(api, client, needs="5000.00", opening="100.00")
    await fund_client(session, await client_with_orders(session, **appointee), 5_000_000)
    # a holding declared, then cleared; a pension declared later
    cleared = await client_with_orders(session, **appointee)
    await declare(api, cleared, "2014-05-01", property=True)
    await declare(api, cleared, "2015-04-01")
    await declare(api, await client_with_orders(session, **appointee), "2015-03-04", capital=True)
    # reviews: plans a year old around the 28 days' notice on 2015-03-04 (due 2015-04-01)
    for year in ("2014-02-04", "2014-04-01", "2014-04-02", "2015-03-04"):
        await plan(api, await client_with_orders(session, **appointee), year=year)
    # no orders: the council does not act for the client
    await plan(api, await client_with_orders(session), opening="90000.00")


def everyone(*_: Any) -> Callable[[Any], Any]:
    return lambda row: true()


async def whole_list(
    session: AsyncSession,
    read: Callable[..., Any],
    on: date,
    *,
    backward: bool = False,
) -> list[tuple[Any, ...]]:
    """The whole list, two at a time (a batch is a page: several batches), either way."""
    out: list[tuple[Any, ...]] = []
    key = None
    while True:
        page = await read(session, OFFICER, on, seek=Seek(key, 2, backward))
        if not page:
            return out
        out += [tuple(vars(item).values()) for item in page]
        key = page[-1].reference


@pytest.mark.parametrize("backward", [False, True])
async def test_picking_in_sql_leaves_out_no_client_the_rules_list(
    api: Api, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, backward: bool
) -> None:
    await caseload(api, session)
    lists = [
        (thresholds.threshold_flags, "may_be_flagged"),
        (plan_reviews.plan_reviews, "may_need_review"),
    ]
    for read, pick in lists:
        for on in DATES:
            picked = await whole_list(session, read, on, backward=backward)
            with monkeypatch.context() as m:
                m.setattr(repository, pick, everyone)
                walked = await whole_list(session, read, on, backward=backward)
            assert picked == walked, (read.__name__, on)
    # the caseload does flag and list reviews (the comparison is not of empty lists)
    assert len(await whole_list(session, thresholds.threshold_flags, date(2015, 3, 4))) >= 6
    assert len(await whole_list(session, plan_reviews.plan_reviews, date(2015, 3, 4))) >= 6

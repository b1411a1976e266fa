"""A client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9), through /graphql.

A property is kept secure and insured (B 8.1, R-CARE-4): its record holds the address, the
ownership, the insurance and its renewal and who holds the keys, corrected by new records
(R-AUD-2). Protection-of-property visits are logged (B 8.2) and the Protection of Property
team's invoice is an invoice of the invoices module, due 21 working days from receipt (B 8.4,
R-PAY-1). A sale is agreed only when every condition of B 9.1-9.3 holds: the council is
deputy, the client sole owner, an approved best interest decision that the client is not
likely to return home, relevant parties consulted, three independent valuations, the deputy's
agreement to the price; each missing condition refuses it. Letting needs the court's authority
and tenders (B 9.4). The proceeds arrive through the ledger (a receipt) and what is left after
outstanding invoices is for lodgement or a placement (B 9.5). The social worker sees none of
it; the auditor reads it all (R-ROLE).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock, workdays
from tests.conftest import Api
from tests.factories import (
    PROPERTIES,
    PROPERTY_DEPUTY,
    PROPERTY_RECORDER,
    SALE_CONDITIONS,
    SCAO,
    assert_forbidden,
    audit_rows,
    confirmed_death,
    days_ago,
    deputy_client,
    new_counterparty,
    new_payer,
    new_property,
    problem_messages,
    property_for_sale,
    property_input,
    property_mutation,
    receipt_input,
    record_receipt,
    recorded,
)


async def _properties(api: Api, client_id: str, **who: Any) -> list[dict[str, Any]]:
    data = await api.data(PROPERTIES, {"c": client_id}, **(who or PROPERTY_RECORDER))
    result: list[dict[str, Any]] = data["properties"]
    return result


async def _deputy_client(api: Api) -> str:
    return await deputy_client(api, surplus=None)


async def _agree_sale(api: Api, offer_id: str, **who: Any) -> dict[str, Any]:
    return await property_mutation(api, "agreePropertySale", {"offerId": offer_id}, **(who or SCAO))


# --- the property, kept secure and insured (B 8.1, R-CARE-4) -------------------------------------


async def test_a_property_is_recorded_with_its_insurance_and_keys_and_corrected_by_a_new_record(
    api: Api, session: AsyncSession
) -> None:
    """R-CARE-4, B 8.1: address, ownership, insurer, renewal and who holds the keys recorded
    and audited; the keys passed on and the insurance renewed is a correction (a new record
    with its reason, R-AUD-2); an insured property needs its insurer and renewal; the table
    refuses an UPDATE."""
    client_id = await _deputy_client(api)
    prop = await new_property(api, client_id)
    assert prop["current"]["ownership"] == "SOLE"
    assert prop["current"]["keysHeldBy"] == "Protection of Property team"
    assert prop["insuranceLapsed"] is False
    no_insurer = await property_mutation(
        api, "recordProperty", property_input(client_id, insurer=None, insuranceRenewsOn=None)
    )
    assert set(problem_messages(no_insurer)) == {"insurer", "insuranceRenewsOn"}
    joint = await property_mutation(
        api, "recordProperty", property_input(client_id, ownership="JOINT")
    )
    assert "coOwners" in problem_messages(joint)
    no_reason = await property_mutation(
        api, "recordProperty", property_input(client_id, correctsPropertyId=prop["propertyId"])
    )
    assert problem_messages(no_reason) == {"reason": "is required"}
    fixed = await property_mutation(
        api,
        "recordProperty",
        property_input(
            client_id,
            correctsPropertyId=prop["propertyId"],
            keysHeldBy="Carol Ashdown (daughter)",
            insuranceRenewsOn="2027-12-01",
            reason="keys handed to the daughter; policy renewed",
        ),
    )
    assert fixed["__typename"] == "PropertyPayload", fixed
    after = fixed["property"]
    assert after["propertyId"] == prop["propertyId"]
    assert [h["keysHeldBy"] for h in after["history"]] == [
        "Protection of Property team",
        "Carol Ashdown (daughter)",
    ]
    assert len(await _properties(api, client_id)) == 1
    actions = [r["action"] for r in await audit_rows(api, entityType="property")]
    assert actions == ["record", "correct"]
    with pytest.raises(DBAPIError):
        async with session.begin_nested():
            await session.execute(text("UPDATE property_record SET keys_held_by = 'x'"))


async def test_insurance_past_its_renewal_reads_lapsed(api: Api) -> None:
    """R-CARE-4 "kept ... insured": a renewal date passed with no new record reads lapsed; an
    uninsured property too."""
    client_id = await _deputy_client(api)
    past = await new_property(api, client_id, insuranceRenewsOn=days_ago(1))
    assert past["insuranceLapsed"] is True
    bare = await new_property(
        api, client_id, insured=False, insurer=None, policyNumber=None, insuranceRenewsOn=None
    )
    assert bare["insuranceLapsed"] is True


# --- protection of property (B 8.2-8.4) ----------------------------------------------------------


async def test_visits_are_logged_and_the_protection_invoice_is_due_in_21_working_days(
    api: Api,
) -> None:
    """B 8.2: a protection visit logged; B 8.3-8.4: the Protection of Property team's invoice,
    recorded by recordInvoice, is attached to the property, due 21 working days from receipt
    (R-PAY-1, the one working-day calendar) and outstanding until paid; attached once."""
    client_id = await _deputy_client(api)
    pid = (await new_property(api, client_id))["propertyId"]
    visit = await property_mutation(
        api,
        "recordPropertyVisit",
        {
            "propertyId": pid,
            "visitedOn": days_ago(3),
            "visitedBy": "Protection of Property team",
            "notes": "secured the back door; drained the water system",
        },
    )
    assert visit["__typename"] == "PropertyPayload", visit
    assert visit["property"]["visits"][0]["visitedBy"] == "Protection of Property team"
    team = await new_counterparty(api, "SUPPLIER", "ASC Protection of Property")
    invoice = await recorded(
        api,
        {"id": client_id},
        team,
        amount="240.00",
        category="OUT_OTHER",
        description="Protection of property: securing and insurance inspection",
    )
    done = await property_mutation(
        api, "attachPropertyInvoice", {"propertyId": pid, "invoiceId": invoice["id"]}
    )
    assert done["__typename"] == "PropertyPayload", done
    (attached,) = done["property"]["invoices"]
    received = date.fromisoformat(attached["receivedOn"])
    assert attached["dueOn"] == workdays.add_working_days(received, 21).isoformat()
    assert attached["status"] == "RECEIVED"
    assert done["property"]["outstandingInvoices"] == "240.00"
    again = await property_mutation(
        api, "attachPropertyInvoice", {"propertyId": pid, "invoiceId": invoice["id"]}
    )
    assert again["__typename"] == "InvalidStateProblem", again


# --- a sale only when every condition holds (B 9.1-9.3) ------------------------------------------


async def test_the_sale_is_agreed_when_every_condition_holds(api: Api) -> None:
    """R-CARE-4, B 9.1-9.3: the council deputy, the client sole owner, an approved best
    interest decision that the client will not return home, the daughter consulted, three
    independent valuations, the deputy's agreement to the offer's price: the sale is agreed at
    the offer's price, audited, once."""
    client_id, _, offer_id = await property_for_sale(api)
    (before,) = await _properties(api, client_id)
    assert all(c["met"] for c in before["saleConditions"]), before["saleConditions"]
    assert before["offers"][0]["priceAgreedBy"] == PROPERTY_DEPUTY["sub"]
    done = await _agree_sale(api, offer_id)
    assert done["__typename"] == "PropertyPayload", done
    sale = done["property"]["sale"]
    assert (sale["offerId"], sale["price"], sale["agreedBy"]) == (offer_id, "185000.00", "olu.scao")
    assert sale["agreedOn"] == clock.today().isoformat()
    actions = [r["action"] for r in await audit_rows(api, entityType="property")]
    assert actions.count("agree_sale") == 1
    twice = await _agree_sale(api, offer_id)
    assert twice["__typename"] == "InvalidStateProblem", twice
    # R-ORD-4, B 18.2: the sale is a change of circumstances, its task to the OPG written
    changes = await api.data(
        """query($c: ID!) { circumstanceChanges(clientId: $c, first: 5) {
             nodes { kind notices { recipient state } } } }""",
        {"c": client_id},
        **SCAO,
    )
    [sold] = changes["circumstanceChanges"]["nodes"]
    assert sold["kind"] == "PROPERTY_SOLD"
    assert ("OPG", "PENDING") in [(n["recipient"], n["state"]) for n in sold["notices"]]


@pytest.mark.parametrize("missing", SALE_CONDITIONS)
async def test_the_sale_is_refused_for_each_missing_condition(api: Api, missing: str) -> None:
    """R-CARE-4, B 9.1-9.3: with every condition in place but one, the sale is refused
    (INVALID_STATE) naming that condition and no other, and nothing is written."""
    client_id, _, offer_id = await property_for_sale(api, without=missing)
    (before,) = await _properties(api, client_id)
    unmet = [c["condition"] for c in before["saleConditions"] if not c["met"]]
    assert unmet == [missing]
    refused = await _agree_sale(api, offer_id)
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert refused["code"] == "INVALID_STATE"
    named = [c for c in SALE_CONDITIONS if f"{c}:" in refused["message"]]
    assert named == [missing], refused["message"]
    (after,) = await _properties(api, client_id)
    assert after["sale"] is None
    assert "agree_sale" not in [r["action"] for r in await audit_rows(api, entityType="property")]


async def test_a_raised_decision_one_agent_twice_or_another_offers_price_do_not_count(
    api: Api,
) -> None:
    """B 9.1: the decision must be APPROVED, not merely raised; B 9.2: three *independent*
    agents (the same firm twice counts once); B 9.3: the deputy's agreement is to the price of
    the offer accepted, not another's."""
    _, pid, offer_id = await property_for_sale(api, without="NOT_RETURNING_HOME")
    raised = await property_mutation(
        api,
        "proposeNotReturningHome",
        {
            "propertyId": pid,
            "bestInterestsReason": "needs nursing care",
            "consulted": "daughter",
            "clientInvolved": True,
        },
        **SCAO,
    )
    assert raised["property"]["notReturningHomeDecisions"][0]["status"] == "RAISED"
    refused = await _agree_sale(api, offer_id)
    assert "NOT_RETURNING_HOME:" in refused["message"], refused

    _, pid, offer_id = await property_for_sale(api, without="THREE_VALUATIONS")
    again = await property_mutation(
        api,
        "recordPropertyValuation",
        {
            "propertyId": pid,
            "agent": "ashford  HOMES",
            "amount": "181000.00",
            "valuedOn": days_ago(1),
        },
    )
    assert len(again["property"]["valuations"]) == 3
    refused = await _agree_sale(api, offer_id)
    assert "THREE_VALUATIONS:" in refused["message"], refused

    _, pid, offer_id = await property_for_sale(api)
    higher = await property_mutation(
        api,
        "recordPropertyOffer",
        {"propertyId": pid, "offeror": "Ms Okafor", "amount": "187500.00", "madeOn": days_ago(1)},
    )
    other_offer = higher["property"]["offers"][-1]["offerId"]
    refused = await _agree_sale(api, other_offer)
    assert "DEPUTY_AGREED_PRICE:" in refused["message"], refused
    assert (await _agree_sale(api, offer_id))["__typename"] == "PropertyPayload"


async def test_no_sale_is_agreed_after_the_clients_death(api: Api) -> None:
    """B 29.3: once the client's death is confirmed the deputyship has ended and the property
    passes with the estate: the sale is refused (CLIENT_DECEASED)."""
    client_id, _, offer_id = await property_for_sale(api)
    await confirmed_death(api, client_id, days_ago(1))
    refused = await _agree_sale(api, offer_id)
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert refused["code"] == "CLIENT_DECEASED"


# --- letting (B 9.4) -----------------------------------------------------------------------------


async def test_letting_needs_the_courts_authority_and_tenders(api: Api) -> None:
    """B 9.4, R-CARE-4: refused without the court's order, refused with one tender (policy
    figure property_letting_tenders: 2) or an agent who did not tender; recorded with both."""
    client_id = await _deputy_client(api)
    pid = (await new_property(api, client_id))["propertyId"]
    base = {"propertyId": pid, "tenders": ["Ashford Lettings", "Kent Lets"], "agent": "Kent Lets"}
    no_court = await property_mutation(api, "recordPropertyLetting", base)
    assert "courtReference" in problem_messages(no_court)
    court = {"courtReference": "COP 1234567", "courtAuthorisedOn": days_ago(5)}
    one = await property_mutation(
        api, "recordPropertyLetting", base | court | {"tenders": ["Kent Lets"]}
    )
    assert "tenders" in problem_messages(one)
    stranger = await property_mutation(
        api, "recordPropertyLetting", base | court | {"agent": "Somebody Else"}
    )
    assert "agent" in problem_messages(stranger)
    let = await property_mutation(api, "recordPropertyLetting", base | court)
    assert let["__typename"] == "PropertyPayload", let
    assert let["property"]["lettings"] == [
        {
            "courtReference": "COP 1234567",
            "courtAuthorisedOn": days_ago(5),
            "tenders": ["Ashford Lettings", "Kent Lets"],
            "agent": "Kent Lets",
        }
    ]


# --- proceeds (B 9.5) ----------------------------------------------------------------------------


async def test_the_proceeds_arrive_as_a_receipt_and_what_is_left_after_invoices_is_to_invest(
    api: Api,
) -> None:
    """B 9.5: the proceeds are a receipt into the client's account (the ledger), attached to the
    sale once it is agreed; after the property's outstanding invoice (£240) the rest is what
    proposeLodgement or proposePlacement may take."""
    client_id, pid, offer_id = await property_for_sale(api)
    solicitor = await new_payer(api, "OTHER", "Hart & Co (completion monies)")
    receipt = await record_receipt(
        api,
        receipt_input(
            client_id,
            solicitor,
            amount="183250.00",
            benefit=None,
            category="IN_SALE_OF_ASSETS",
            periodStart=None,
            periodEnd=None,
            valueDate=days_ago(0),
        ),
    )
    assert receipt["__typename"] == "ReceiptPayload", receipt
    receipt_id = receipt["receipt"]["id"]
    early = await property_mutation(
        api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt_id}
    )
    assert early["__typename"] == "InvalidStateProblem", early
    team = await new_counterparty(api, "SUPPLIER", "ASC Protection of Property")
    invoice = await recorded(api, {"id": client_id}, team, amount="240.00", category="OUT_OTHER")
    await property_mutation(
        api, "attachPropertyInvoice", {"propertyId": pid, "invoiceId": invoice["id"]}
    )
    assert (await _agree_sale(api, offer_id))["__typename"] == "PropertyPayload"
    done = await property_mutation(
        api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt_id}
    )
    assert done["__typename"] == "PropertyPayload", done
    prop = done["property"]
    assert prop["proceeds"]["amount"] == "183250.00"
    assert (prop["outstandingInvoices"], prop["availableToInvest"]) == ("240.00", "183010.00")
    twice = await property_mutation(
        api, "recordPropertySaleProceeds", {"propertyId": pid, "receiptId": receipt_id}
    )
    assert twice["__typename"] == "InvalidStateProblem", twice


# --- roles (R-ROLE) and once per key -------------------------------------------------------------


async def test_who_may_read_record_decide_and_agree(api: Api) -> None:
    """R-ROLE: the social worker sees none of it; the auditor reads it all; data entry does not
    record a property; casework neither raises the decision, agrees the price nor the sale."""
    client_id, pid, offer_id = await property_for_sale(api, without="DEPUTY_AGREED_PRICE")
    body = await api.gql(PROPERTIES, {"c": client_id}, role="social_worker", sub="sue.sw")
    assert_forbidden(body, ["properties"])
    seen = await _properties(api, client_id, role="auditor", sub="audrey")
    assert len(seen) == 1
    body = await api.gql(
        "mutation($input: RecordPropertyInput!) { recordProperty(input: $input) { __typename } }",
        {"input": property_input(client_id) | {"idempotencyKey": "k-support"}},
        role="support_assistant",
        sub="sam.support",
    )
    assert_forbidden(body, ["recordProperty"])
    for name, input_type, given in (
        ("agreePropertyPrice", "AgreePropertyPriceInput", {"offerId": offer_id}),
        ("agreePropertySale", "AgreePropertySaleInput", {"offerId": offer_id}),
        (
            "proposeNotReturningHome",
            "ProposeNotReturningHomeInput",
            {
                "propertyId": pid,
                "bestInterestsReason": "x",
                "consulted": "y",
                "clientInvolved": True,
            },
        ),
    ):
        body = await api.gql(
            f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename }} }}",
            {"input": given | {"idempotencyKey": f"k-{name}"}},
            **PROPERTY_RECORDER,
        )
        assert_forbidden(body, [name])


async def test_a_repeated_key_replays_the_first_answer_and_writes_nothing_twice(api: Api) -> None:
    """Once per idempotency key: the same recordProperty twice records one property, the second
    replayed; the same key with another input is refused."""
    client_id = await _deputy_client(api)
    key = "property-once"
    first = await property_mutation(api, "recordProperty", property_input(client_id), key=key)
    again = await property_mutation(api, "recordProperty", property_input(client_id), key=key)
    assert (first["replayed"], again["replayed"]) == (False, True)
    other = await property_mutation(
        api, "recordProperty", property_input(client_id, keysHeldBy="neighbour"), key=key
    )
    assert other["__typename"] == "IdempotencyKeyReusedProblem", other
    assert len(await _properties(api, client_id)) == 1

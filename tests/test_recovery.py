"""Recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27), through /graphql.

B 27.1-27.3 / R-ORD-5: when the Court of Protection orders that the client can manage their own
affairs, the order is recorded (date, reference) and ends the deputyship; the client takes back
their money (payments out, with evidence, approved and made as every payment) and their
documents and valuables (returnValuable, logged); the case is closed only when every account is
at zero and nothing is held in the safe. amendClient to CLOSED of a living client is refused the
same way while money or valuables are held. Every change is audited (R-AUD-1), corrections are
new records (R-AUD-2), social workers see none of it (R-ROLE).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    RECOVERY_FIELDS,
    amend_client,
    approve_payment,
    assert_forbidden,
    audit_rows,
    close_recovered,
    cms_balance,
    confirmed_death,
    court_deputy_client,
    days_ago,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    raise_handover,
    record_recovery,
    recovered_client,
    registered_valuable,
)

RECOVERY = f"""query($c: ID!) {{ recoveryOfCapacity(clientId: $c) {{ {RECOVERY_FIELDS} }} }}"""
DEPUTYSHIPS = """query($c: ID!) { client(id: $c) {
  status deputyships { id version endDate inForce } } }"""
CORRECT = f"""mutation($input: CorrectRecoveryOfCapacityInput!) {{
  correctRecoveryOfCapacity(input: $input) {{
    __typename
    ... on RecoveryOfCapacityPayload {{ replayed recovery {{ {RECOVERY_FIELDS} }} }}
    {KEYED_PROBLEMS} }} }}"""
RETURN = """mutation($input: ReturnValuableInput!) {
  returnValuable(input: $input) { __typename ... on ValuablePayload { valuable { status } } } }"""
AUDITOR = {"role": "auditor", "sub": "audrey"}


async def _recovery(api: Api, client_id: str, **who: Any) -> dict[str, Any] | None:
    data = await api.data(RECOVERY, {"c": client_id}, **(who or AUDITOR))
    found: dict[str, Any] | None = data["recoveryOfCapacity"]
    return found


async def _client(api: Api, client_id: str) -> dict[str, Any]:
    data = await api.data(DEPUTYSHIPS, {"c": client_id}, **AUDITOR)
    client: dict[str, Any] = data["client"]
    return client


def _fields(result: dict[str, Any]) -> dict[str, str]:
    assert result["__typename"] == "ValidationProblem", result
    return {f["field"]: f["message"] for f in result["fields"]}


async def _hand_back(api: Api, client_id: str, payee: str, amount: str) -> dict[str, Any]:
    """A handover payment raised by an assistant, approved by a senior officer, made."""
    raised = await raise_handover(api, client_id, payee, amount)
    assert raised["__typename"] == "HandoverPaymentPayload", raised
    payment_id = raised["payment"]["id"]
    approved = await approve_payment(api, payment_id)
    assert approved["__typename"] == "PaymentPayload", approved
    made = await make_payment(api, payment_id)
    assert made["__typename"] == "PaymentPayload", made
    return raised


# --- the court's order ends the deputyship (R-ORD-5, B 27.1) -------------------------------------


async def test_the_courts_order_is_recorded_and_ends_the_deputyship(api: Api) -> None:
    client = await court_deputy_client(api)
    assert await _recovery(api, client["id"]) is None
    key = new_key()
    done = await record_recovery(api, client["id"], orderDate=days_ago(5), idempotencyKey=key)
    assert done["__typename"] == "RecoveryOfCapacityPayload", done
    r = done["recovery"]
    assert (r["orderDate"], r["courtReference"]) == (days_ago(5), "COP 1234567/R")
    assert r["deputyshipId"] == client["deputyshipId"] and r["closed"] is False
    assert r["outstanding"] == [] and r["handovers"] == []
    # the deputyship ends on the order's date: a new version, no longer in force (R-AUD-2)
    [d] = (await _client(api, client["id"]))["deputyships"]
    assert (d["endDate"], d["inForce"], d["version"]) == (days_ago(5), False, 2)
    # once per key
    again = await record_recovery(api, client["id"], orderDate=days_ago(5), idempotencyKey=key)
    assert again["replayed"] is True and again["recovery"]["recoveryId"] == r["recoveryId"]
    assert len((await _recovery(api, client["id"]) or {})["history"]) == 1
    # audited: the order recorded, the deputyship ended with the reason (R-AUD-1)
    [row] = await audit_rows(api, entityType="recovery_order")
    assert row["action"] == "record" and row["after"]["deputyship_ends_on"] == days_ago(5)
    ended = [a for a in await audit_rows(api, entityType="deputyship") if a["action"] == "end"]
    assert len(ended) == 1 and ended[0]["after"] == {"end_date": days_ago(5)}


async def test_the_order_is_refused_where_it_cannot_stand(api: Api) -> None:
    no_order = await new_client(api)
    refused = await record_recovery(api, no_order["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "no deputyship in force" in refused["message"]

    client = await court_deputy_client(api)
    future = await record_recovery(api, client["id"], orderDate=days_ago(-1))
    assert _fields(future) == {"orderDate": "is in the future"}
    before = await record_recovery(api, client["id"], orderDate=days_ago(500))
    assert before["__typename"] == "InvalidStateProblem", before  # no deputyship then
    blank = await record_recovery(api, client["id"], courtReference="  ")
    assert _fields(blank) == {"courtReference": "is required"}
    assert await _recovery(api, client["id"]) is None
    assert (await _client(api, client["id"]))["deputyships"][0]["endDate"] is None

    assert (await record_recovery(api, client["id"]))["__typename"] == "RecoveryOfCapacityPayload"
    twice = await record_recovery(api, client["id"])
    assert twice["__typename"] == "InvalidStateProblem" and "already" in twice["message"]


async def test_no_recovery_is_recorded_for_a_client_whose_death_is_recorded(api: Api) -> None:
    client = await court_deputy_client(api)
    await confirmed_death(api, client["id"], days_ago(10))
    refused = await record_recovery(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "wound up" in refused["message"]


async def test_a_correction_is_a_new_record_and_moves_the_deputyships_end(api: Api) -> None:
    client = await recovered_client(api)
    variables = {
        "input": {
            "clientId": client["id"],
            "orderDate": days_ago(7),
            "reason": "the sealed order is dated two days earlier",
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(CORRECT, variables, role="assistant", sub="ash.assistant")
    done = data["correctRecoveryOfCapacity"]
    assert done["__typename"] == "RecoveryOfCapacityPayload", done
    history = done["recovery"]["history"]
    assert [h["orderDate"] for h in history] == [days_ago(5), days_ago(7)]
    assert history[1]["correctsPrevious"] is True and history[1]["reason"].startswith("the seal")
    assert done["recovery"]["orderDate"] == days_ago(7)
    [d] = (await _client(api, client["id"]))["deputyships"]
    assert (d["endDate"], d["version"]) == (days_ago(7), 3)
    # no reason, nothing changed: refused
    variables["input"] |= {"reason": " ", "idempotencyKey": new_key()}
    data = await api.data(CORRECT, variables, role="assistant", sub="ash.assistant")
    assert _fields(data["correctRecoveryOfCapacity"]) == {"reason": "is required"}
    variables["input"] |= {"reason": "again", "idempotencyKey": new_key()}
    data = await api.data(CORRECT, variables, role="assistant", sub="ash.assistant")
    assert "nothing would change" in _fields(data["correctRecoveryOfCapacity"])["reason"]


# --- money handed back through payments, only after the order (R-ORD-5) -------------------------


async def test_money_is_handed_back_only_after_the_order_is_recorded(
    api: Api, session: AsyncSession
) -> None:
    client = await court_deputy_client(api)
    await fund(session, api, client, 40_000)
    payee = await new_counterparty(api, "OTHER", "Client's own bank account")
    early = await raise_handover(api, client["id"], payee, "400.00")
    assert early["__typename"] == "InvalidStateProblem", early
    assert "only after it" in early["message"]

    assert (await record_recovery(api, client["id"]))["__typename"] == "RecoveryOfCapacityPayload"
    pdf = b"%PDF-1.4\nbank statement\n%%EOF\n"
    scao = {"role": "senior_officer", "sub": "olu.scao"}
    raised = await raise_handover(
        api,
        client["id"],
        payee,
        "400.00",
        who=scao,
        evidenceFile={"contentBase64": base64.b64encode(pdf).decode()},
    )
    assert raised["__typename"] == "HandoverPaymentPayload", raised
    assert raised["payment"]["status"] == "RAISED" and raised["payment"]["amount"] == "400.00"
    [h] = raised["recovery"]["handovers"]
    assert (h["status"], h["amount"]) == ("RAISED", "400.00")
    assert h["evidenceFile"] == {"fileType": "PDF", "sha256": hashlib.sha256(pdf).hexdigest()}
    # four eyes (R-ROLE-2): whoever raised it does not approve it
    own = await approve_payment(api, raised["payment"]["id"], **scao)
    assert own["__typename"] == "FourEyesProblem", own
    other = await approve_payment(api, raised["payment"]["id"], role="governance_manager", sub="g")
    assert other["__typename"] == "PaymentPayload", other
    assert (await make_payment(api, raised["payment"]["id"]))["__typename"] == "PaymentPayload"
    assert await cms_balance(api, client["id"]) == "0.00"
    after = await _recovery(api, client["id"])
    assert after is not None and after["handovers"][0]["status"] == "MADE"
    assert after["outstanding"] == []
    [row] = await audit_rows(api, entityType="recovery_handover")
    assert row["action"] == "raise" and row["after"]["amount"] == 40_000


async def test_a_handover_payment_needs_evidence_and_an_amount(api: Api) -> None:
    client = await recovered_client(api)
    payee = await new_counterparty(api, "OTHER")
    bad = await raise_handover(api, client["id"], payee, "0.00", evidence=" ")
    assert _fields(bad) == {"amount": "must be more than 0.00", "evidence": "is required"}


async def test_a_handover_payment_is_not_made_after_the_clients_death(
    api: Api, session: AsyncSession
) -> None:
    """A client who recovered and then died: their money is the estate's (seed 002 B 29)."""
    client = await recovered_client(api)
    await fund(session, api, client, 10_000)
    payee = await new_counterparty(api, "OTHER")
    raised = await raise_handover(api, client["id"], payee, "100.00")
    assert raised["__typename"] == "HandoverPaymentPayload", raised
    await confirmed_death(api, client["id"], days_ago(1))
    refused = await approve_payment(api, raised["payment"]["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert await cms_balance(api, client["id"]) == "100.00"


# --- closed only when nothing is held (R-ORD-5, B 27, B 24) -------------------------------------


async def test_recovery_closure_is_refused_while_money_or_valuables_are_held(
    api: Api, session: AsyncSession
) -> None:
    client = await recovered_client(api)
    await fund(session, api, client, 25_000)
    ring = await registered_valuable(api, client["id"])
    # both doors refuse, naming the money and the item, and write nothing
    refused = await close_recovered(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "250.00" in refused["message"] and "1 item(s) held in the safe" in refused["message"]
    amended = await amend_client(api, client["id"], {"status": "CLOSED"}, reason="recovered")
    status = _fields(amended)["status"]
    assert "money or valuables" in status and "250.00" in status and "safe" in status
    view = await _recovery(api, client["id"])
    assert view is not None
    assert [o["step"] for o in view["outstanding"]] == ["MONEY", "VALUABLES"]
    assert view["outstanding"][0]["amount"] == "250.00" and view["closed"] is False

    # the money handed back: still refused for the ring
    await _hand_back(api, client["id"], await new_counterparty(api, "OTHER"), "250.00")
    refused = await close_recovered(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "250.00" not in refused["message"] and "returnValuable" in refused["message"]

    # the ring returned to the client (logged, B 24): the case closes
    back = await api.data(
        RETURN,
        {
            "input": {
                "valuableId": ring["valuableId"],
                "person": "the client, capacity regained",
                "reason": "recovery (R-ORD-5, B 27.3)",
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash.assistant",
    )
    assert back["returnValuable"]["valuable"]["status"] == "RETURNED"
    key = new_key()
    closed = await close_recovered(api, client["id"], key=key)
    assert closed["__typename"] == "RecoveryOfCapacityPayload", closed
    assert closed["recovery"]["closed"] is True and closed["recovery"]["outstanding"] == []
    assert (await _client(api, client["id"]))["status"] == "CLOSED"
    again = await close_recovered(api, client["id"], key=key)
    assert again["replayed"] is True
    closes = [a for a in await audit_rows(api, entityType="client") if a["action"] == "close"]
    assert len(closes) == 1 and closes[0]["after"] == {"status": "CLOSED"}


async def test_money_held_for_an_approved_payment_keeps_the_case_open(
    api: Api, session: AsyncSession
) -> None:
    client = await recovered_client(api)
    await fund(session, api, client, 5_000)
    raised = await raise_handover(api, client["id"], await new_counterparty(api, "OTHER"), "50.00")
    assert (await approve_payment(api, raised["payment"]["id"]))["__typename"] == "PaymentPayload"
    refused = await close_recovered(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "held for a payment approved and not yet made" in refused["message"]


async def test_a_case_is_closed_as_recovered_only_after_the_order(api: Api) -> None:
    client = await court_deputy_client(api)
    refused = await close_recovered(api, client["id"])
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert "recordRecoveryOfCapacity" in refused["message"]


async def test_amend_client_to_closed_of_a_living_client_is_refused_while_money_is_held(
    api: Api, session: AsyncSession
) -> None:
    """The other door: any living client, recovered or not."""
    client = await new_client(api)
    await fund(session, api, client, 1_000)
    amended = await amend_client(api, client["id"], {"status": "CLOSED"}, reason="moved away")
    assert "10.00" in _fields(amended)["status"]
    assert (await _client(api, client["id"]))["status"] == "ACTIVE"
    empty = await new_client(api)
    ok = await amend_client(api, empty["id"], {"status": "CLOSED"}, reason="moved away")
    assert ok["__typename"] == "ClientPayload", ok


# --- who may (R-ROLE) ---------------------------------------------------------------------------


async def test_who_may_do_what_with_a_recovery(api: Api, session: AsyncSession) -> None:
    client = await court_deputy_client(api)
    # the auditor reads but does not record; data entry does not record
    for who in ({"role": "auditor", "sub": "audrey"}, {"role": "support_assistant", "sub": "s"}):
        body = await api.gql(
            """mutation($input: RecordRecoveryOfCapacityInput!) {
                 recordRecoveryOfCapacity(input: $input) { __typename } }""",
            {
                "input": {
                    "clientId": client["id"],
                    "orderDate": days_ago(5),
                    "courtReference": "COP 1",
                    "idempotencyKey": new_key(),
                }
            },
            **who,
        )
        assert_forbidden(body, ["recordRecoveryOfCapacity"])
    assert (await record_recovery(api, client["id"]))["__typename"] == "RecoveryOfCapacityPayload"
    # the social worker sees none of it
    body = await api.gql(RECOVERY, {"c": client["id"]}, role="social_worker", sub="sw")
    assert_forbidden(body, ["recoveryOfCapacity"])
    # casework does not close the case: a senior officer and above
    body = await api.gql(
        """mutation($input: CloseRecoveredCaseInput!) {
             closeRecoveredCase(input: $input) { __typename } }""",
        {"input": {"clientId": client["id"], "idempotencyKey": new_key()}},
        role="assistant",
        sub="ash.assistant",
    )
    assert_forbidden(body, ["closeRecoveredCase"])
    # data entry does not raise a handover payment
    body = await api.gql(
        """mutation($input: RaiseHandoverPaymentInput!) {
             raiseHandoverPayment(input: $input) { __typename } }""",
        {
            "input": {
                "clientId": client["id"],
                "payeeId": await new_counterparty(api, "OTHER"),
                "amount": "1.00",
                "evidence": "statement",
                "idempotencyKey": new_key(),
            }
        },
        role="support_assistant",
        sub="s",
    )
    assert_forbidden(body, ["raiseHandoverPayment"])

"""Demo referrals, one in each state (issue 12): Wendy's referral of Maud Mayfield awaits
triage (SUBMITTED); Rita's three other referrals were triaged by the senior officer: one
RETURNED for its missing mental capacity assessment, one REFUSED for capital at the £16,000.00
threshold, one ACCEPTED. Loaded through the services, so the audit trail shows each step."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientDetails, ClientStatus, Situation
from ca_api.money import Pence, parse_money
from ca_api.referrals import service
from ca_api.referrals.rules import Criterion, DocumentKind

WENDY = Principal("wendy.sw", frozenset({Role.SOCIAL_WORKER}), "Wendy Walker")
RITA = Principal("rita.sw", frozenset({Role.SOCIAL_WORKER}), "Rita Rowe")
OLU = Principal("olu.scao", frozenset({Role.SENIOR_OFFICER}), "Olu Okafor (SCAO)")

COMMUNITY_DOCUMENTS = [k for k in DocumentKind if k is not DocumentKind.RELINQUISHMENT_LETTER]

# given name, family name, NI number, capital at referral, documents left out
RITAS: list[tuple[str, str, str, str, set[DocumentKind]]] = [
    ("Reg", "Ringmer", "RR112233A", "1200.00", {DocumentKind.MENTAL_CAPACITY_ASSESSMENT}),
    ("Ruth", "Rodmell", "RR445566B", "16000.00", set()),
    ("Ray", "Ripe", "RR778899C", "4250.50", set()),
]


def answers(capital: Pence, left_out: set[DocumentKind]) -> service.Answers:
    return service.Answers(
        criteria=dict.fromkeys(Criterion, (True, "care manager's assessment on file")),
        capital_at_referral=capital,
        private_income_known=False,
        property_known=False,
        bank_accounts_known=True,
        had_previous_appointee=False,
        documents=[
            (k, f"EDRM/{k.value.lower()}") for k in COMMUNITY_DOCUMENTS if k not in left_out
        ],
    )


async def load(session: AsyncSession, maud: uuid.UUID) -> None:
    """Maud's referral submitted; Rita's three clients referred, submitted and triaged."""
    await service.submit(
        session,
        Actor(WENDY, "demo-load"),
        maud,
        answers(parse_money("3100.00"), set()),
        idempotency_key="demo-referral-maud",
    )
    rita = Actor(RITA, "demo-load")
    for i, (given, family, ni, capital, left_out) in enumerate(RITAS, start=1):
        details = ClientDetails(
            given_name=given,
            family_name=family,
            date_of_birth=date(1950 + i, 3, i),
            situation=Situation.COMMUNITY,
            status=ClientStatus.REFERRED,
            ni_number=ni,
            town="Lewes",
        )
        referred = await clients.refer_client(
            session, rita, details, idempotency_key=f"demo-referral-client-{i}"
        )
        submitted = await service.submit(
            session,
            rita,
            referred.client.id,
            answers(parse_money(capital), left_out),
            idempotency_key=f"demo-referral-{i}",
        )
        await service.triage(
            session,
            Actor(OLU, "demo-load"),
            submitted.referral.referral.id,
            "Checked against SS0003 and the documents received.",
            idempotency_key=f"demo-referral-triage-{i}",
        )

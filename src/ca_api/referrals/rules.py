"""Pure rules of referrals (R-REF-1..4): which documents a referral needs, and what the policy
says of a submission: RETURNED with exactly the documents missing (R-REF-4), REFUSED with the
reasons (R-REF-1, R-REF-2), or ACCEPTED. No I/O.

The officer who triages records the outcome these rules give; they cannot choose another.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ca_api.clients.rules import Situation
from ca_api.money import Pence, format_money

__all__ = [
    "CAPITAL_THRESHOLD",
    "Criterion",
    "DocumentKind",
    "ReferralStatus",
    "Submission",
    "Triage",
    "TriageOutcome",
    "required_documents",
    "triage",
    "validate_submission",
]

CAPITAL_THRESHOLD = "referral_capital_threshold"  # the policy figure (PENCE), R-REF-2
MAX_EVIDENCE = 2000
MAX_REFERENCE = 500
MAX_NOTE = 4000


class Criterion(enum.StrEnum):
    """The four eligibility criteria of R-REF-1, all of which must hold."""

    SOCIAL_CARE_ELIGIBLE = "SOCIAL_CARE_ELIGIBLE"
    NO_APPOINTEE_OR_LPA = "NO_APPOINTEE_OR_LPA"
    NO_ONE_TO_HELP = "NO_ONE_TO_HELP"
    LACKS_CAPACITY = "LACKS_CAPACITY"


CRITERION_WORDS = {
    Criterion.SOCIAL_CARE_ELIGIBLE: "the person is not eligible for a social care service",
    Criterion.NO_APPOINTEE_OR_LPA: "the person has an appointee, or a Lasting Power of "
    "Attorney made before capacity was lost",
    Criterion.NO_ONE_TO_HELP: "a suitable family member, friend or organisation can help",
    Criterion.LACKS_CAPACITY: "the person has not been assessed as lacking capacity to manage "
    "their finances",
}


# The input field that answers each criterion (a problem names the field as sent).
CRITERION_FIELD = {
    Criterion.SOCIAL_CARE_ELIGIBLE: "social_care_eligible",
    Criterion.NO_APPOINTEE_OR_LPA: "no_appointee_or_power_of_attorney",
    Criterion.NO_ONE_TO_HELP: "no_one_suitable_to_help",
    Criterion.LACKS_CAPACITY: "lacks_capacity",
}


class DocumentKind(enum.StrEnum):
    """The documents of R-REF-3."""

    SS0003_SIGNED = "SS0003_SIGNED"
    MENTAL_CAPACITY_ASSESSMENT = "MENTAL_CAPACITY_ASSESSMENT"
    APPOINTEESHIP_CHECKLIST = "APPOINTEESHIP_CHECKLIST"
    RELINQUISHMENT_LETTER = "RELINQUISHMENT_LETTER"
    DWP_AWARD_LETTERS = "DWP_AWARD_LETTERS"
    BANK_STATEMENTS = "BANK_STATEMENTS"


class TriageOutcome(enum.StrEnum):
    ACCEPTED = "ACCEPTED"
    RETURNED = "RETURNED"
    REFUSED = "REFUSED"


class ReferralStatus(enum.StrEnum):
    """Derived, never stored: the triage of the latest submission, else SUBMITTED."""

    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    RETURNED = "RETURNED"
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class Submission:
    """What the rules look at in a submission."""

    criteria: dict[Criterion, bool]
    capital_at_referral: Pence
    situation: Situation
    had_previous_appointee: bool
    documents: frozenset[DocumentKind]  # those recorded as received


@dataclass(frozen=True)
class Triage:
    outcome: TriageOutcome
    missing: tuple[DocumentKind, ...] = ()
    reasons: tuple[str, ...] = ()


def required_documents(situation: Situation, had_previous_appointee: bool) -> list[DocumentKind]:
    """R-REF-3: SS0003 signed, the mental capacity assessment, the appointeeship checklist for
    community clients only, the previous appointee's letter of relinquishment only where there
    was one, DWP award letters and bank statements; in the order of DocumentKind."""
    needed = set(DocumentKind)
    if situation is not Situation.COMMUNITY:
        needed.discard(DocumentKind.APPOINTEESHIP_CHECKLIST)
    if not had_previous_appointee:
        needed.discard(DocumentKind.RELINQUISHMENT_LETTER)
    return [k for k in DocumentKind if k in needed]


def triage(s: Submission, threshold: Pence) -> Triage:
    """R-REF-4: incomplete -> RETURNED listing exactly what is missing (eligibility is judged
    only on a complete referral); complete but a criterion of R-REF-1 not met, or capital at
    referral not under the threshold (R-REF-2: at it is refused) -> REFUSED with every reason;
    otherwise ACCEPTED."""
    missing = tuple(
        k for k in required_documents(s.situation, s.had_previous_appointee) if k not in s.documents
    )
    if missing:
        return Triage(TriageOutcome.RETURNED, missing=missing)
    reasons = [
        f"{c.value}: {CRITERION_WORDS[c]} (R-REF-1)" for c in Criterion if not s.criteria.get(c)
    ]
    if s.capital_at_referral >= threshold:
        reasons.append(
            f"CAPITAL: capital at referral £{format_money(s.capital_at_referral)} is not under "
            f"the threshold of £{format_money(threshold)} (R-REF-2)"
        )
    if reasons:
        return Triage(TriageOutcome.REFUSED, reasons=tuple(reasons))
    return Triage(TriageOutcome.ACCEPTED)


def validate_submission(
    evidence: dict[Criterion, str], capital: Pence, documents: list[tuple[DocumentKind, str]]
) -> dict[str, str]:
    """Every criterion has its evidence; capital is not negative; each document is recorded
    once, with where it is held."""
    problems: dict[str, str] = {}
    for c, text in evidence.items():
        field = f"{CRITERION_FIELD[c]}.evidence"
        if not text.strip():
            problems[field] = "is required: the evidence for the answer (R-REF-1)"
        elif len(text) > MAX_EVIDENCE:
            problems[field] = f"is longer than {MAX_EVIDENCE} characters"
    if capital < 0:
        problems["capital_at_referral"] = "must be 0.00 or more"
    seen: set[DocumentKind] = set()
    wrong: list[str] = []
    for kind, reference in documents:
        if kind in seen:
            wrong.append(f"{kind.value} is recorded twice")
        seen.add(kind)
        if not reference.strip():
            wrong.append(f"{kind.value} needs a reference to where it is held")
        elif len(reference) > MAX_REFERENCE:
            wrong.append(f"{kind.value}'s reference is longer than {MAX_REFERENCE} characters")
    if wrong:
        problems["documents"] = "; ".join(wrong)
    return problems


def validate_note(note: str) -> dict[str, str]:
    if not note.strip():
        return {"note": "is required: say what was checked"}
    if len(note) > MAX_NOTE:
        return {"note": f"is longer than {MAX_NOTE} characters"}
    return {}

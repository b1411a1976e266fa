"""Pure tests of the referral rules (R-REF-1..4): which documents are required, and the outcome
of a triage."""

from __future__ import annotations

from ca_api.clients.rules import Situation
from ca_api.referrals import rules
from ca_api.referrals.rules import Criterion, DocumentKind, Submission, TriageOutcome

THRESHOLD = 1_600_000
ALL = frozenset(DocumentKind)
MET = dict.fromkeys(Criterion, True)


def submission(**changes: object) -> Submission:
    base: dict[str, object] = {
        "criteria": MET,
        "capital_at_referral": 500_000,
        "situation": Situation.COMMUNITY,
        "had_previous_appointee": False,
        "documents": ALL - {DocumentKind.RELINQUISHMENT_LETTER},
    }
    return Submission(**(base | changes))  # type: ignore[arg-type]


def test_complete_and_eligible_is_accepted() -> None:
    assert rules.triage(submission(), THRESHOLD) == rules.Triage(TriageOutcome.ACCEPTED)


def test_the_checklist_is_required_in_the_community_only() -> None:
    community = rules.required_documents(Situation.COMMUNITY, False)
    care = rules.required_documents(Situation.RESIDENTIAL_CARE, False)
    assert DocumentKind.APPOINTEESHIP_CHECKLIST in community
    assert DocumentKind.APPOINTEESHIP_CHECKLIST not in care
    assert set(community) - set(care) == {DocumentKind.APPOINTEESHIP_CHECKLIST}


def test_the_relinquishment_letter_only_where_there_was_a_previous_appointee() -> None:
    assert DocumentKind.RELINQUISHMENT_LETTER not in rules.required_documents(
        Situation.COMMUNITY, False
    )
    assert DocumentKind.RELINQUISHMENT_LETTER in rules.required_documents(Situation.COMMUNITY, True)
    judged = rules.triage(submission(had_previous_appointee=True), THRESHOLD)
    assert judged.outcome is TriageOutcome.RETURNED
    assert judged.missing == (DocumentKind.RELINQUISHMENT_LETTER,)


def test_missing_documents_return_it_listing_exactly_those_before_eligibility() -> None:
    docs = ALL - {DocumentKind.MENTAL_CAPACITY_ASSESSMENT, DocumentKind.BANK_STATEMENTS}
    judged = rules.triage(submission(documents=docs, capital_at_referral=THRESHOLD * 2), THRESHOLD)
    assert judged == rules.Triage(
        TriageOutcome.RETURNED,
        missing=(DocumentKind.MENTAL_CAPACITY_ASSESSMENT, DocumentKind.BANK_STATEMENTS),
    )


def test_capital_at_the_threshold_is_refused_a_penny_under_accepted() -> None:
    at = rules.triage(submission(capital_at_referral=THRESHOLD), THRESHOLD)
    assert at.outcome is TriageOutcome.REFUSED
    assert at.reasons == (
        "CAPITAL: capital at referral £16000.00 is not under the threshold of £16000.00 (R-REF-2)",
    )
    under = rules.triage(submission(capital_at_referral=THRESHOLD - 1), THRESHOLD)
    assert under.outcome is TriageOutcome.ACCEPTED


def test_every_criterion_not_met_is_a_reason() -> None:
    criteria = MET | {Criterion.LACKS_CAPACITY: False, Criterion.NO_ONE_TO_HELP: False}
    judged = rules.triage(submission(criteria=criteria), THRESHOLD)
    assert judged.outcome is TriageOutcome.REFUSED
    assert [r.split(":")[0] for r in judged.reasons] == ["NO_ONE_TO_HELP", "LACKS_CAPACITY"]


def test_validation() -> None:
    evidence = dict.fromkeys(Criterion, "seen")
    assert rules.validate_submission(evidence, 0, [(DocumentKind.SS0003_SIGNED, "file 1")]) == {}
    problems = rules.validate_submission(
        evidence | {Criterion.LACKS_CAPACITY: " "},
        -1,
        [(DocumentKind.SS0003_SIGNED, "a"), (DocumentKind.SS0003_SIGNED, "b")],
    )
    assert problems == {
        "lacks_capacity.evidence": "is required: the evidence for the answer (R-REF-1)",
        "capital_at_referral": "must be 0.00 or more",
        "documents": "SS0003_SIGNED is recorded twice",
    }
    assert rules.validate_note("") and not rules.validate_note("checked")

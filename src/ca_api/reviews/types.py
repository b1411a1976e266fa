"""GraphQL enums of a client's annual review, contacts and changes of circumstances (the types
and queries: ``reviews/schema.py``)."""

from __future__ import annotations

from ca_api.common.types import graphql_enum
from ca_api.reviews import rules

ReviewMethod = rules.ReviewMethod
graphql_enum(
    ReviewMethod,
    "How an annual review was carried out (seed 002 B 13.3): one or a combination.",
    {
        ReviewMethod.PERSONAL_VISIT: "A personal visit to the client.",
        ReviewMethod.CARE_HOME_CALL: "A telephone call to the manager of the residential care "
        "home.",
        ReviewMethod.CARE_MANAGEMENT_REVIEW: "Included with the annual review undertaken by Care "
        "Management.",
    },
    name="AnnualReviewMethod",
)
ContactKind = rules.ContactKind
graphql_enum(
    ContactKind,
    "How the team was in touch with or about the client (seed 002 B 13.4).",
    {
        ContactKind.VISIT: "A visit.",
        ContactKind.TELEPHONE_CALL: "A telephone call.",
        ContactKind.LETTER: "A letter, sent or received.",
        ContactKind.MEETING: "A meeting.",
        ContactKind.EMAIL: "An e-mail, sent or received.",
    },
    name="ClientContactKind",
)
CircumstanceKind = rules.CircumstanceKind
graphql_enum(
    CircumstanceKind,
    "What changed in the client's circumstances (seed 002 B 13.5, B 18.2). Those marked "
    "'told' are told to the OPG where the council is deputy (R-ORD-4) and to the DWP where it "
    "is appointee or the DWP pays the client's benefits (R-ORD-4, B 18.2).",
    {
        CircumstanceKind.PROPERTY_SOLD: "A property of the client's sold (told).",
        CircumstanceKind.ADMITTED_TO_RESIDENTIAL_CARE: "Admitted to residential care (told).",
        CircumstanceKind.LEFT_RESIDENTIAL_CARE: "Left residential care (told).",
        CircumstanceKind.MOVED_HOME: "Moved to another home (told).",
        CircumstanceKind.CAPITAL_CHANGED: "A major change in the client's capital: savings, "
        "an inheritance (told).",
        CircumstanceKind.INCOME_CHANGED: "A major change in the client's income: a pension, a "
        "benefit started or stopped (told).",
        CircumstanceKind.HEALTH: "A change in the client's health (recorded, not told).",
        CircumstanceKind.FAMILY: "A change in the client's family or friends (recorded, not told).",
        CircumstanceKind.OTHER: "Another personal change (recorded, not told).",
    },
    name="CircumstanceChangeKind",
)
ReviewState = rules.ReviewState
graphql_enum(
    ReviewState,
    "Where a deputy client's next annual review stands as of today (R-CARE-1).",
    {
        ReviewState.DUE: "Due today or later.",
        ReviewState.OVERDUE: "Not done by its due day: overdue from the day after.",
    },
    name="AnnualReviewState",
)

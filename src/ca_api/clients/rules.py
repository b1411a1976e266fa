"""Pure rules for client records: validation and normalisation, no I/O."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, fields, replace
from datetime import date

from ca_api.common.rules import optional_text


class Situation(enum.StrEnum):
    """Where the client lives (seed 002 Appendix 1)."""

    COMMUNITY = "COMMUNITY"
    RESIDENTIAL_CARE = "RESIDENTIAL_CARE"
    DECEASED_WINDING_UP = "DECEASED_WINDING_UP"


class ClientStatus(enum.StrEnum):
    REFERRED = "REFERRED"  # referred by a social worker, not yet taken on (R-REF)
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class LegalRole(enum.StrEnum):
    """What the council is for the client today: DWP appointee, CoP deputy, both (R-REF-6)."""

    NONE = "NONE"
    APPOINTEE = "APPOINTEE"
    DEPUTY = "DEPUTY"
    BOTH = "BOTH"


@dataclass(frozen=True)
class ClientDetails:
    given_name: str
    family_name: str
    date_of_birth: date
    situation: Situation
    status: ClientStatus = ClientStatus.ACTIVE
    ni_number: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None


# HMRC: two prefix letters (not D, F, I, Q, U, V; second not O; some pairs never issued),
# six digits, suffix A-D.
_NI_RE = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
EARLIEST_BIRTH = date(1900, 1, 1)
MAX_NAME = 100
MAX_ADDRESS_LINE = 200


def normalise_ni_number(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = re.sub(r"\s+", "", value).upper()
    return cleaned or None


def normalise_postcode(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = re.sub(r"\s+", "", value).upper()
    if not cleaned:
        return None
    return f"{cleaned[:-3]} {cleaned[-3:]}" if len(cleaned) > 3 else cleaned


def normalise(details: ClientDetails) -> ClientDetails:
    return replace(
        details,
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        ni_number=normalise_ni_number(details.ni_number),
        postcode=normalise_postcode(details.postcode),
        address_line1=optional_text(details.address_line1),
        address_line2=optional_text(details.address_line2),
        town=optional_text(details.town),
    )


def validate(details: ClientDetails, today: date) -> dict[str, str]:
    """Problems with a client's details, by field (empty when they are fine)."""
    problems: dict[str, str] = {}
    for name in ("given_name", "family_name"):
        value: str = getattr(details, name)
        if not value:
            problems[name] = "is required"
        elif len(value) > MAX_NAME:
            problems[name] = f"is longer than {MAX_NAME} characters"
    if details.date_of_birth > today:
        problems["date_of_birth"] = "is in the future"
    elif details.date_of_birth < EARLIEST_BIRTH:
        problems["date_of_birth"] = f"is before {EARLIEST_BIRTH.isoformat()}"
    if details.ni_number is not None and not _NI_RE.match(details.ni_number):
        problems["ni_number"] = "is not a National Insurance number (e.g. AB123456C)"
    if details.postcode is not None and not _POSTCODE_RE.match(details.postcode):
        problems["postcode"] = "is not a UK postcode"
    for name in ("address_line1", "address_line2", "town"):
        line = getattr(details, name)
        if line is not None and len(line) > MAX_ADDRESS_LINE:
            problems[name] = f"is longer than {MAX_ADDRESS_LINE} characters"
    return problems


class DuplicateMatch(enum.StrEnum):
    """Why a new client is likely someone already on the books (issue 9 item 7)."""

    NI_NUMBER = "NI_NUMBER"  # one person's number: never overridden
    NAME_AND_DATE_OF_BIRTH = "NAME_AND_DATE_OF_BIRTH"  # two people can share both


def name_key(given_name: str, family_name: str) -> str:
    """A name as duplicates are compared: case and spacing ignored, given and family names
    read together ("Mary Ann" "Smith" is "mary  ann" "SMITH ")."""
    return " ".join(f"{given_name} {family_name}".split()).casefold()


def duplicate_matches(new: ClientDetails, existing: ClientDetails) -> list[DuplicateMatch]:
    """How ``new`` (normalised) matches an existing client: the same NI number, or the same
    name and date of birth (issue 9 item 7). Empty: another person."""
    matches: list[DuplicateMatch] = []
    if new.ni_number is not None and new.ni_number == existing.ni_number:
        matches.append(DuplicateMatch.NI_NUMBER)
    if new.date_of_birth == existing.date_of_birth and name_key(
        new.given_name, new.family_name
    ) == name_key(existing.given_name, existing.family_name):
        matches.append(DuplicateMatch.NAME_AND_DATE_OF_BIRTH)
    return matches


# The details a duplicate is recognised by (duplicate_matches): amending one of them is checked.
IDENTITY_FIELDS = frozenset({"ni_number", "given_name", "family_name", "date_of_birth"})


def may_override(matches: list[DuplicateMatch]) -> bool:
    """A name and date of birth can be two people, so the caller may say it is not that client;
    an NI number cannot: the record with the wrong one is corrected instead."""
    return DuplicateMatch.NI_NUMBER not in matches


def identity_locks(details: ClientDetails) -> list[str]:
    """Names of the locks that serialise creating clients who could be duplicates of each other:
    the NI number and the date of birth (every name match shares it)."""
    keys = [f"client-born:{details.date_of_birth.isoformat()}"]
    if details.ni_number is not None:
        keys.append(f"client-ni:{details.ni_number}")
    return sorted(keys)


def changed_fields(old: ClientDetails, new: ClientDetails) -> list[str]:
    return [f.name for f in fields(ClientDetails) if getattr(old, f.name) != getattr(new, f.name)]


def legal_role(has_appointeeship: bool, has_deputyship: bool) -> LegalRole:
    if has_appointeeship and has_deputyship:
        return LegalRole.BOTH
    if has_deputyship:
        return LegalRole.DEPUTY
    if has_appointeeship:
        return LegalRole.APPOINTEE
    return LegalRole.NONE

"""PLACEHOLDER until the three-valued comparison lands (branch h-places): conservative rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.matching import matches, tokens


class Match(StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Place:
    address: str | None = None
    location: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    pickup_point_id: str | None = None


_POSTAL = re.compile(r"\b(\d{5})\b")


def _postal(text: str | None) -> str | None:
    found = _POSTAL.search(text or "")
    return found.group(1) if found else None


def compare_delivery_place(expected: Place, observed: Place) -> Match:
    if expected.pickup_point_id and observed.pickup_point_id:
        return Match.SAME if expected.pickup_point_id == observed.pickup_point_id else Match.DIFFERENT
    if expected.country and observed.country and expected.country.upper() != observed.country.upper():
        return Match.DIFFERENT
    exp_code = expected.postal_code or _postal(expected.address)
    got_code = observed.postal_code or _postal(observed.address)
    if exp_code and got_code and observed.address and exp_code != got_code:
        return Match.DIFFERENT
    if expected.address and observed.address and matches(expected.address, observed.address):
        return Match.SAME
    return Match.UNKNOWN


def compare_pickup_place(expected: Place, observed: Place) -> Match:
    if expected.pickup_point_id and observed.pickup_point_id:
        return Match.SAME if expected.pickup_point_id == observed.pickup_point_id else Match.DIFFERENT
    if expected.location and observed.location and matches(expected.location, observed.location):
        return Match.SAME
    return Match.UNKNOWN


def is_home_delivery_address(observed_address: str, expected: Place) -> bool:
    return bool(re.match(r"^\s*\d+", observed_address)) and not (
        expected.location and matches(expected.location, observed_address))


def is_junk_signer(signed_by: str | None) -> bool:
    return not signed_by or not any(t.isalpha() for t in tokens(signed_by))


def is_person_name(name: str) -> bool:
    return True


def compare_person(expected_recipient: str, signed_by: str | None, handed_to: str | None) -> Match:
    if handed_to in ("neighbour", "other"):
        return Match.DIFFERENT
    if is_junk_signer(signed_by):
        return Match.SAME if handed_to == "addressee" else Match.UNKNOWN
    assert signed_by is not None
    if matches(expected_recipient, signed_by):
        return Match.SAME
    return Match.DIFFERENT if is_person_name(expected_recipient) else Match.UNKNOWN

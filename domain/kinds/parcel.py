"""What parcel promises share: how a carrier update is read as a place and which statuses fail."""

from __future__ import annotations

from typing import Mapping

from domain.model import FieldUpdate
from domain.places import Place

# A parcel that will not reach anyone as promised (`damaged` only warns: it may still arrive).
FAILED_STATUSES = frozenset({"returned_to_sender", "lost", "refused"})
PLACE_EXPECT = frozenset({"postal_code", "country", "pickup_point_id"})


def expected_place(expect: Mapping[str, str]) -> Place:
    return Place(
        address=expect.get("address"),
        location=expect.get("location"),
        postal_code=expect.get("postal_code"),
        country=expect.get("country"),
        pickup_point_id=expect.get("pickup_point_id"),
    )


def observed_place(update: FieldUpdate) -> Place:
    return Place(
        address=update.address,
        location=update.location,
        postal_code=update.postal_code,
        city=update.city,
        country=update.country,
        pickup_point_id=update.pickup_point_id,
    )

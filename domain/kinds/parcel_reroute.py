"""`parcel.reroute`: the parcel waits at (or is handed over at) the promised pickup place."""

from __future__ import annotations

from datetime import timedelta
from typing import Mapping

from domain.kinds.base import KEEP, NOTHING, RISK_STATUSES, Effect, KindRules
from domain.kinds.parcel import FAILED_STATUSES, PLACE_EXPECT, expected_place, observed_place
from domain.model import FieldUpdate, HandedTo, PromiseKind, Reason
from domain.places import Match, compare_pickup_place, is_home_delivery_address

# Handed over at somebody's door: whatever the address says, not at a pickup place.
_AT_A_HOME = frozenset({HandedTo.ADDRESSEE, HandedTo.NEIGHBOUR, HandedTo.SAFE_PLACE, HandedTo.MAILBOX})


class ParcelReroute(KindRules):
    kind = PromiseKind.PARCEL_REROUTE
    allowed_expect = frozenset({"location"}) | PLACE_EXPECT
    required_expect = frozenset({"location"})
    default_delay = timedelta(hours=24)
    warns_on_silence = True

    def effect(self, expect: Mapping[str, str], update: FieldUpdate) -> Effect:
        status = update.status
        if status in ("available_for_pickup", "delivered"):
            expected = expected_place(expect)
            if status == "delivered" and (
                update.handed_to in _AT_A_HOME or (update.address and is_home_delivery_address(update.address, expected))
            ):
                return Effect(breaks=Reason.WRONG_LOCATION)
            place = compare_pickup_place(expected, observed_place(update))
            if place is Match.DIFFERENT:
                return Effect(breaks=Reason.WRONG_LOCATION)
            return KEEP if place is Match.SAME else Effect(keeps=True, unverified=("place",))
        if status in FAILED_STATUSES:
            return Effect(breaks=Reason.PARCEL_FAILED)
        if status in RISK_STATUSES:
            return Effect(risk=status)
        return NOTHING


RULES = ParcelReroute()

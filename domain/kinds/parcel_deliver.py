"""`parcel.deliver`: the parcel is delivered at the promised address and/or to the promised person."""

from __future__ import annotations

from datetime import timedelta
from typing import Mapping

from domain.kinds.base import KEEP, NOTHING, RISK_STATUSES, Effect, KindRules, require_one_of
from domain.kinds.parcel import FAILED_STATUSES, PLACE_EXPECT, expected_place, observed_place
from domain.model import FieldUpdate, PromiseKind, Reason
from domain.places import Match, compare_delivery_place, compare_person

_PLACE_FIELDS = ("address", *sorted(PLACE_EXPECT))


class ParcelDeliver(KindRules):
    kind = PromiseKind.PARCEL_DELIVER
    allowed_expect = frozenset({"address", "recipient"}) | PLACE_EXPECT
    default_delay = timedelta(hours=48)
    warns_on_silence = True

    def check_expect(self, expect: Mapping[str, str]) -> None:
        if not expect.get("pickup_point_id"):  # a pickup point is a place to deliver to as well
            require_one_of(self.kind, expect, ("address", "recipient"))

    def effect(self, expect: Mapping[str, str], update: FieldUpdate) -> Effect:
        status = update.status
        if status == "delivered":
            unverified: list[str] = []
            if any(expect.get(f) for f in _PLACE_FIELDS):
                place = compare_delivery_place(expected_place(expect), observed_place(update))
                if place is Match.DIFFERENT:
                    return Effect(breaks=Reason.WRONG_LOCATION)
                if place is Match.UNKNOWN:
                    unverified.append("place")
            if expect.get("recipient"):
                person = compare_person(expect["recipient"], update.signed_by, update.handed_to)
                if person is Match.DIFFERENT:
                    return Effect(breaks=Reason.WRONG_RECIPIENT)
                if person is Match.UNKNOWN:
                    unverified.append("recipient")
            return Effect(keeps=True, unverified=tuple(unverified)) if unverified else KEEP
        if status in FAILED_STATUSES:
            return Effect(breaks=Reason.PARCEL_FAILED)
        if status in RISK_STATUSES:
            return Effect(risk=status)
        return NOTHING


RULES = ParcelDeliver()

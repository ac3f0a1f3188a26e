"""`item.replace`: a warehouse or store sends (or hands over) a replacement; `done` keeps it."""

from __future__ import annotations

from datetime import timedelta

from domain.kinds.partner_step import PartnerStep
from domain.model import PromiseKind


class ItemReplace(PartnerStep):
    kind = PromiseKind.ITEM_REPLACE
    # where the replacement goes: a store (`location`), or the customer's address or pickup point
    allowed_expect = frozenset({"location", "address", "recipient", "pickup_point_id", "postal_code", "country"})
    default_delay = timedelta(hours=48)

    @property
    def hands_over_to(self) -> PromiseKind:
        # A replacement shipped by a warehouse is done when the carrier delivers it.
        return PromiseKind.PARCEL_DELIVER


RULES = ItemReplace()

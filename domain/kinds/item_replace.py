"""`item.replace`: a warehouse or store sends (or hands over) a replacement; `done` keeps it."""

from __future__ import annotations

from datetime import timedelta

from domain.kinds.partner_step import PartnerStep
from domain.model import PromiseKind


class ItemReplace(PartnerStep):
    kind = PromiseKind.ITEM_REPLACE
    allowed_expect = frozenset({"location"})
    default_delay = timedelta(hours=48)


RULES = ItemReplace()

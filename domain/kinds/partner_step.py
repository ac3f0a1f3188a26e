"""`item.replace` and `callback`: a partner's step, kept by `done`, broken by `failed`."""

from __future__ import annotations

from typing import Mapping

from domain.kinds.base import KEEP, NOTHING, Effect, KindRules
from domain.model import FieldUpdate, Reason


class PartnerStep(KindRules):
    def effect(self, expect: Mapping[str, str], update: FieldUpdate) -> Effect:
        if update.status == "done":
            return KEEP
        return Effect(breaks=Reason.PARTNER_FAILED) if update.status == "failed" else NOTHING

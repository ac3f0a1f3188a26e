"""`refund.issue`: the refund succeeds, in the promised currency, for at least the promised amount."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Mapping

from domain.kinds.base import KEEP, NOTHING, Effect, KindRules
from domain.model import FieldUpdate, PromiseKind, Reason

_FAILED = frozenset({"refund_failed", "refund_canceled", "refund_reversed"})


class RefundIssue(KindRules):
    kind = PromiseKind.REFUND_ISSUE
    allowed_expect = frozenset({"amount", "currency"})
    required_expect = frozenset({"amount", "currency"})
    default_delay = timedelta(days=5)

    def effect(self, expect: Mapping[str, str], update: FieldUpdate) -> Effect:
        if update.status == "refund_succeeded":
            if update.currency is not None and update.currency != expect["currency"]:
                return NOTHING  # another currency cannot be compared: neither keeps nor breaks
            if update.amount is not None and update.amount < Decimal(expect["amount"]):
                return Effect(breaks=Reason.AMOUNT_SHORT)
            return KEEP
        if update.status in _FAILED:
            # A refund is the one promise that can be undone after it was kept.
            return Effect(breaks=Reason.REFUND_FAILED, undoes_keep=True)
        return NOTHING


RULES = RefundIssue()

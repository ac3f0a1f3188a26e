"""The verdict rules: a pure function of (promise, updates, now).

Updates are replayed in (occurred_at, event_id) order, so arrival order never matters and a
repeated update changes nothing. Each update is first classified as keeping the promise,
breaking it for a reason, or saying nothing about it; the replay then folds those effects.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Iterable

from domain.matching import matches
from domain.model import FieldUpdate, Outcome, Promise, PromiseKind, Reason, Verdict

KEEP = "keep"
_PARCEL_FAILURES = frozenset({"returned_to_sender", "lost"})
_REFUND_FAILURES = frozenset({"refund_failed", "refund_canceled", "refund_reversed"})


def _mismatch(expected: str | None, reported: str | None) -> bool:
    """An update that does not carry a field cannot contradict on that field."""
    return expected is not None and reported is not None and not matches(expected, reported)


def effect(promise: Promise, update: FieldUpdate) -> str | Reason | None:
    """KEEP, a breaking Reason, or None when the update says nothing about the promise."""
    kind, expect, status = promise.kind, promise.expect, update.status
    if kind is PromiseKind.PARCEL_REROUTE:
        if status in ("available_for_pickup", "delivered"):
            return Reason.WRONG_LOCATION if _mismatch(expect.get("location"), update.location) else KEEP
        return Reason.PARCEL_FAILED if status in _PARCEL_FAILURES else None
    if kind is PromiseKind.PARCEL_DELIVER:
        if status == "delivered":
            if _mismatch(expect.get("address"), update.address or update.location):
                return Reason.WRONG_LOCATION
            if _mismatch(expect.get("recipient"), update.signed_by):
                return Reason.WRONG_RECIPIENT
            return KEEP
        return Reason.PARCEL_FAILED if status in _PARCEL_FAILURES else None
    if kind is PromiseKind.REFUND_ISSUE:
        if status == "refund_succeeded":
            if update.currency is not None and update.currency != expect["currency"]:
                return None  # another currency cannot be compared: neither keeps nor breaks
            if update.amount is not None and update.amount < _expected_amount(promise):
                return Reason.AMOUNT_SHORT
            return KEEP
        return Reason.REFUND_FAILED if status in _REFUND_FAILURES else None
    # item.replace and callback
    if status == "done":
        return KEEP
    return Reason.PARTNER_FAILED if status == "failed" else None


def _expected_amount(promise: Promise) -> Decimal:
    return Decimal(promise.expect["amount"])


def evaluate(promise: Promise, updates: Iterable[FieldUpdate], now: datetime) -> Outcome:
    """The verdict of `promise` given every update about its (partner, reference) and the clock."""
    verdict, reason, fulfilled_at, evidence = Verdict.PENDING, None, None, None
    is_refund = promise.kind is PromiseKind.REFUND_ISSUE
    relevant = (u for u in updates
                if u.partner == promise.partner and u.reference == promise.reference)
    for update in sorted(relevant, key=lambda u: u.order_key):
        result = effect(promise, update)
        if result is None:
            continue
        if result == KEEP:
            if fulfilled_at is not None:
                continue  # the first keeping update decides when it was fulfilled
            fulfilled_at, evidence = update.occurred_at, update
            if update.occurred_at <= promise.due_at:
                verdict, reason = Verdict.KEPT, None
            else:
                verdict, reason = Verdict.BROKEN, Reason.DEADLINE_MISSED  # kept, but late
            continue
        if fulfilled_at is not None:
            # Only a refund can be undone once fulfilled: a later failure or reversal.
            if is_refund and result is Reason.REFUND_FAILED:
                verdict, reason, fulfilled_at, evidence = Verdict.BROKEN, result, None, update
            continue
        # The field's own reason is more telling than a missed deadline, and the latest
        # contradiction is the current one.
        verdict, reason, evidence = Verdict.BROKEN, Reason(result), update
    if verdict is Verdict.PENDING and now > promise.due_at:
        verdict, reason = Verdict.BROKEN, Reason.DEADLINE_MISSED
    return Outcome(verdict=verdict, reason=reason, fulfilled_at=fulfilled_at, evidence=evidence)

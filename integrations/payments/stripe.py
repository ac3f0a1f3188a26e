"""Stripe refund webhooks.

Signature: header `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` where v1 = hex
HMAC-SHA256(secret, "<t>." + raw body). Several v1 values may appear while a secret is rolled:
any match passes; other schemes (v0…) are ignored. As in Stripe's own libraries, a timestamp
more than 300 s older than `now` is refused ("timestamp outside tolerance"); one in the future
is not (clock skew), since only the secret's holder can produce it.

Events mapped (any other event type tracks nothing here and gives []):
- `refund.created`, `refund.updated`, `refund.failed`, `charge.refund.updated` (a Refund object):
  the refund's status — succeeded → refund_succeeded, pending / requires_action →
  refund_pending, failed → refund_failed (also whatever `refund.failed` carries), canceled →
  refund_canceled — with the refund's amount;
- `charge.refunded` (a Charge): for the charge and its payment intent, the status of the latest
  listed refund (refund_succeeded when the charge lists none) with `amount_refunded`, the total
  refunded on the charge, when that status is succeeded (the latest refund's own amount
  otherwise); and each listed refund under its own id with its own status and amount.
Amounts arrive in minor units and leave as decimal strings by the currency's exponent (0 for
JPY and Stripe's other zero-decimal currencies, 3 for BHD/JOD/KWD/OMR/TND, 2 otherwise; ISK,
HUF and TWD are two-decimal in Stripe's API); currencies are upper-cased; occurred_at is the
event's `created`; detail names the event type and the refund, and `failure_reason` when given;
`carrier_code` keeps Stripe's own refund status (and failure reason: "failed:lost_or_stolen_card"),
so that requires_action and pending, both refund_pending, stay apart as evidence.

refund_reversed is not emitted: telling a reversal (a refund that had succeeded and then
failed or was canceled) from a plain failure needs the refund's history, and these adapters are
stateless. An update is mapped from the refund's current status; the verdict rules already
treat a later refund_failed after a kept refund as broken.

Event ids and references: one update per identifier the payload carries, in this order: the
charge, the payment intent, the refund. The first present gets Stripe's event id in Stripe's
namespace (`stripe:evt_123`); each other one gets `<event id>:<identifier>`
(`stripe:evt_123:pi_456`, `stripe:evt_123:re_789`), so `(partner, event_id)` stays unique,
never collides with another provider's, and a redelivered event is a duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from integrations.webhooks.base import (
    MAX_DETAIL,
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    fan_out,
    from_unix,
    header,
    identifier,
    load_object,
    make_update,
    obj,
    provider_event_id,
    require_secret,
    same,
    suffixed,
    text,
)

TOLERANCE_SECONDS = 300
# Stripe's zero-decimal and three-decimal currencies (docs.stripe.com/currencies), lower case.
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
REFUND_STATUSES = {
    "succeeded": "refund_succeeded",
    "pending": "refund_pending",
    "requires_action": "refund_pending",
    "failed": "refund_failed",
    "canceled": "refund_canceled",
}
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"})
CHARGE_EVENTS = frozenset({"charge.refunded"})
MAX_MINOR_UNITS = 10**15


def exponent(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def from_minor_units(amount: int, currency: str) -> str:
    """8990 EUR → "89.90"; 500 JPY → "500"; 1234 KWD → "1.234"."""
    return f"{Decimal(amount).scaleb(-exponent(currency)):f}"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value Stripe would send (used by tests and by the outbound requests)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(value: str, body: bytes, secret: str, now: datetime, tolerance: int = TOLERANCE_SECONDS) -> None:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and timestamp is None:
            item = item.strip()
            if not item.isascii() or not item.isdigit() or len(item) > 12:
                raise SignatureError("Stripe-Signature has no valid timestamp")
            timestamp = int(item)
        elif key == "v1":
            signatures.append(item.strip())
    if timestamp is None:
        raise SignatureError("Stripe-Signature has no timestamp")
    if not signatures:
        raise SignatureError("Stripe-Signature has no v1 signature")
    expected = hmac.new(require_secret(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    # every candidate is compared (no early exit), each in constant time
    if not any([same(candidate, expected) for candidate in signatures]):
        raise SignatureError("no v1 signature matches the body")
    clock = now if now.tzinfo else now.replace(tzinfo=UTC)
    if timestamp < clock.timestamp() - tolerance:
        raise SignatureError("timestamp outside tolerance")


class Stripe:
    name = "stripe"
    signature_header = "Stripe-Signature"

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        verify_signature(header(headers, self.signature_header), body, secret, now)

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        event = load_object(body)
        raw_id, kind = identifier(event.get("id")), event.get("type")
        if raw_id is None or not isinstance(kind, str):
            raise PayloadError("not a Stripe event (id and type)")
        event_id = provider_event_id(self.name, raw_id)
        if kind not in REFUND_EVENTS and kind not in CHARGE_EVENTS:
            return []  # not about refunds: nothing to track
        source = obj(obj(event.get("data"), "data").get("object"), "data.object")
        occurred = from_unix(event.get("created"), "created")
        if kind in CHARGE_EVENTS:
            return from_charge(event_id, kind, source, occurred)
        return from_refund(event_id, kind, source, occurred)


def from_refund(event_id: str, kind: str, refund: dict[str, Any], occurred: datetime) -> list[NormalizedUpdate]:
    if refund.get("object") not in (None, "refund"):
        raise PayloadError(f"{kind} does not carry a refund")
    refund_id = identifier(refund.get("id"))
    if refund_id is None:
        raise PayloadError("the refund has no id")
    status = "refund_failed" if kind == "refund.failed" else refund_status(refund.get("status"))
    update = build(
        event_id,
        kind,
        status,
        refund.get("amount"),
        refund.get("currency"),
        occurred,
        refund_id,
        refund.get("failure_reason"),
        refund.get("status"),
    )
    return fan_out(update, [identifier(refund.get("charge")), identifier(refund.get("payment_intent")), refund_id])


def from_charge(event_id: str, kind: str, charge: dict[str, Any], occurred: datetime) -> list[NormalizedUpdate]:
    if charge.get("object") not in (None, "charge"):
        raise PayloadError(f"{kind} does not carry a charge")
    charge_id = identifier(charge.get("id"))
    if charge_id is None:
        raise PayloadError("the charge has no id")
    refunds = listed_refunds(charge.get("refunds"))
    total = charge.get("amount_refunded")
    if refunds:
        latest = max(enumerate(refunds), key=lambda pair: (created_of(pair[1]), pair[0]))[1]
        status = refund_status(latest.get("status"))
        amount = total if status == "refund_succeeded" and total is not None else latest.get("amount")
        currency = charge.get("currency") or latest.get("currency")
        reason, refund_id = latest.get("failure_reason"), identifier(latest.get("id"))
        raw_status = latest.get("status")
    else:
        if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
            raise PayloadError("charge.refunded lists no refund and no amount_refunded")
        status, amount, currency, reason, refund_id = "refund_succeeded", total, charge.get("currency"), None, None
        raw_status = None
    update = build(event_id, kind, status, amount, currency, occurred, refund_id, reason, raw_status)
    out = fan_out(update, [charge_id, identifier(charge.get("payment_intent"))])
    seen = {u["reference"] for u in out}
    for refund in refunds:
        one_id = identifier(refund.get("id"))
        if one_id is None or one_id in seen:
            continue
        seen.add(one_id)
        one = build(
            suffixed(event_id, one_id),
            kind,
            refund_status(refund.get("status")),
            refund.get("amount"),
            refund.get("currency") or charge.get("currency"),
            occurred,
            one_id,
            refund.get("failure_reason"),
            refund.get("status"),
        )
        out.append({**one, "reference": one_id})  # type: ignore[typeddict-item]
    return out


def listed_refunds(value: Any) -> list[dict[str, Any]]:
    """A charge's `refunds`: a list object `{"data": [...]}` (absent from API versions where it
    is not expanded), or a bare list."""
    if value is None:
        return []
    items = value.get("data") if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise PayloadError("charge.refunds is not a list")
    return [r for r in items if isinstance(r, dict)]


def created_of(refund: dict[str, Any]) -> int:
    created = refund.get("created")
    return created if isinstance(created, int) and not isinstance(created, bool) else 0


def refund_status(value: Any) -> str:
    status = REFUND_STATUSES.get(value) if isinstance(value, str) else None
    if status is None:
        raise PayloadError(f"unknown refund status {str(value)[:40]!r}")
    return status


def build(
    event_id: str,
    kind: str,
    status: str,
    amount: Any,
    currency: Any,
    occurred: datetime,
    refund_id: str | None,
    failure_reason: Any,
    raw_status: Any = None,
) -> NormalizedUpdate:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount < MAX_MINOR_UNITS:
        raise PayloadError("a refund needs an amount in minor units (a non-negative integer)")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise PayloadError("a refund needs a 3-letter currency")
    parts = [kind] + ([f"refund {refund_id}"] if refund_id else [])
    reason = text(failure_reason, 200)
    if reason:
        parts.append(f"failure_reason: {reason}")
    return make_update(
        event_id=event_id,
        reference="",
        status=status,
        occurred_at=occurred,
        amount=from_minor_units(amount, currency),
        currency=currency.upper(),
        detail=text("; ".join(parts), MAX_DETAIL),
        # Stripe's own status ("requires_action" and "pending" both read refund_pending), and the
        # failure reason when there is one: kept as evidence
        carrier_code=text(":".join(p for p in (raw_status if isinstance(raw_status, str) else None, reason) if p), 50),
    )

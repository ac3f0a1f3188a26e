"""Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, v1 = HMAC-SHA256(secret, "<t>.<body>");
any v1 may match (secret rotation), other schemes are ignored, 300 s tolerance.

Refund events (`charge.refunded`, `refund.created|updated|failed`, `charge.refund.updated`)
become refund updates under every identifier they carry: charge, payment intent, refund.
Amounts arrive in minor units and leave as decimal strings.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Mapping

from integrations.webhooks.base import (
    NormalizedUpdate,
    PayloadError,
    SignatureError,
    header,
    load_object,
    per_reference,
)

TOLERANCE_SECONDS = 300
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                "vuv", "xaf", "xof", "xpf"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
REFUND_STATUSES = {
    "succeeded": "refund_succeeded", "pending": "refund_pending", "requires_action": "refund_pending",
    "failed": "refund_failed", "canceled": "refund_canceled",
}
EVENTS = {"charge.refunded", "refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}


def from_minor_units(amount: int, currency: str) -> str:
    exponent = 0 if currency.lower() in ZERO_DECIMAL else 3 if currency.lower() in THREE_DECIMAL else 2
    return str(Decimal(amount).scaleb(-exponent))


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value Stripe would send (used by tests and the outbound requests)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class Stripe:
    name = "stripe"
    signature_header = "Stripe-Signature"

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
        verify_signature(header(headers, self.signature_header), body, secret, now)

    def parse(self, body: bytes) -> list[NormalizedUpdate]:
        event = load_object(body)
        kind, obj = event.get("type"), (event.get("data") or {}).get("object")
        if not isinstance(event.get("id"), str) or not isinstance(kind, str) or not isinstance(obj, dict):
            raise PayloadError("no Stripe event (id, type, data.object)")
        if kind not in EVENTS:
            return []  # not about refunds: nothing to track
        created = event.get("created")
        if not isinstance(created, int):
            raise PayloadError("the event has no created time")
        occurred = datetime.fromtimestamp(created, UTC)
        if obj.get("object") == "charge":
            return self._from_charge(event["id"], obj, occurred)
        return self._from_refund(event["id"], obj, occurred, kind)

    def _from_refund(self, event_id: str, refund: dict[str, Any], occurred: datetime, kind: str):
        status = "refund_failed" if kind == "refund.failed" else REFUND_STATUSES.get(refund.get("status"))
        if status is None:
            raise PayloadError(f"unknown refund status {refund.get('status')!r}")
        update = self._update(event_id, status, refund, occurred)
        return per_reference(update, [refund.get("charge"), refund.get("payment_intent"), refund.get("id")])

    def _from_charge(self, event_id: str, charge: dict[str, Any], occurred: datetime):
        refunds = [r for r in ((charge.get("refunds") or {}).get("data") or []) if isinstance(r, dict)]
        refunded = charge.get("amount_refunded")
        if refunds:
            latest = max(refunds, key=lambda r: r.get("created") or 0)
            status = REFUND_STATUSES.get(latest.get("status"), "refund_pending")
            source = {**latest, "amount": refunded if isinstance(refunded, int) else latest.get("amount")}
        elif isinstance(refunded, int) and refunded > 0:
            status, source = "refund_succeeded", {"amount": refunded, "currency": charge.get("currency")}
        else:
            raise PayloadError("charge.refunded without refunds nor amount_refunded")
        update = self._update(event_id, status, source, occurred)
        return per_reference(update, [charge.get("id"), charge.get("payment_intent")])

    @staticmethod
    def _update(event_id: str, status: str, source: dict[str, Any], occurred: datetime) -> NormalizedUpdate:
        currency, amount = source.get("currency"), source.get("amount")
        if not isinstance(currency, str) or not isinstance(amount, int) or amount < 0:
            raise PayloadError("a refund needs an integer amount and a currency")
        reason = source.get("failure_reason")
        return NormalizedUpdate(event_id=event_id, reference="", status=status, occurred_at=occurred,
                                amount=from_minor_units(amount, currency), currency=currency.upper(),
                                detail=f"failure_reason: {reason}" if reason else None)


def verify_signature(value: str, body: bytes, secret: str, now: datetime,
                     tolerance: int = TOLERANCE_SECONDS) -> None:
    timestamp, signatures = None, []
    for part in value.split(","):
        name, _, item = part.strip().partition("=")
        if name == "t":
            timestamp = item
        elif name == "v1":
            signatures.append(item)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise SignatureError("Stripe-Signature needs t= and at least one v1=")
    expected = sign(secret, body, int(timestamp)).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("no v1 signature matches the body")
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        raise SignatureError("timestamp outside the tolerance")

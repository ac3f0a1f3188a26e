"""Terrain's own request signature, the same scheme as Stripe's: `t=<unix>,v1=<hex>` where
v1 = HMAC-SHA256(secret, "<t>.<body>"). Partners verify it as they would verify Stripe."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Terrain-Signature"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"

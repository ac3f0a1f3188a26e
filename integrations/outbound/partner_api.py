"""Sending the request a promise implies: signed JSON to the partner's action URL, or a Stripe
refund through Stripe's API when the partner is a Stripe account (action URL `stripe:`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from integrations.outbound.signing import HEADER, signature
from integrations.payments.stripe import THREE_DECIMAL, ZERO_DECIMAL
from integrations.redaction import redact_text

STRIPE_SCHEME = "stripe:"


class RequestFailed(Exception):
    """The partner did not accept the request (network error or non-2xx): retry later. Its
    message goes to the case timeline and the logs: URLs in it are redacted."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(message))


@dataclass(frozen=True, slots=True)
class Sent:
    status: int
    body: Any


def request_body(promise: dict[str, Any]) -> dict[str, Any]:
    return {"type": f"terrain.promise.{promise['kind']}", "promise_id": promise["promise_id"],
            "case_id": promise["case_id"], "kind": promise["kind"], "reference": promise["reference"],
            "due_at": promise["due_at"], "expect": promise["expect"], "said": promise.get("said")}


def send_signed(url: str, secret: str, promise: dict[str, Any], now: datetime, timeout: float) -> Sent:
    body = json.dumps(request_body(promise), separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", HEADER: signature(secret, body, int(now.timestamp())),
               "Idempotency-Key": promise["promise_id"]}
    return _post(url, headers, content=body, timeout=timeout)


def to_minor_units(amount: str, currency: str) -> int:
    exponent = 0 if currency.lower() in ZERO_DECIMAL else 3 if currency.lower() in THREE_DECIMAL else 2
    return int(Decimal(amount).scaleb(exponent))


def create_stripe_refund(api_base: str, secret_key: str, promise: dict[str, Any], timeout: float) -> Sent:
    """POST /v1/refunds with the promise id as Idempotency-Key: Stripe creates it at most once."""
    reference = promise["reference"]
    field = "payment_intent" if reference.startswith("pi_") else "charge"
    form = {field: reference, "metadata[promise_id]": promise["promise_id"],
            "metadata[case_id]": promise["case_id"]}
    expect = promise["expect"]
    if expect.get("amount") and expect.get("currency"):
        form["amount"] = str(to_minor_units(expect["amount"], expect["currency"]))
    headers = {"Authorization": f"Bearer {secret_key}", "Idempotency-Key": promise["promise_id"]}
    return _post(f"{api_base.rstrip('/')}/v1/refunds", headers, data=form, timeout=timeout)


def _post(url: str, headers: dict[str, str], *, timeout: float, **kwargs: Any) -> Sent:
    try:
        response = httpx.post(url, headers=headers, timeout=timeout, **kwargs)
    except httpx.HTTPError as exc:  # not chained: the cause's message may hold the URL unredacted
        raise RequestFailed(f"{exc.__class__.__name__}: {exc}") from None
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:500]
    if response.status_code >= 300:
        raise RequestFailed(f"HTTP {response.status_code}: {str(body)[:300]}")
    return Sent(response.status_code, body)

"""Sending the request a promise implies: signed JSON to the partner's action URL, or a Stripe
refund through Stripe's SDK when the partner is a Stripe account (action URL `stripe:`, or
`stripe:<api base>` for a stand-in of api.stripe.com)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import stripe

from integrations.outbound import http
from integrations.outbound.signing import HEADER, signature
from integrations.payments.stripe import THREE_DECIMAL, ZERO_DECIMAL
from integrations.redaction import redact_text

STRIPE_SCHEME = "stripe:"
# The API version Terrain's refund calls are written for (that of the pinned SDK major); a
# Stripe account's default version never changes what these calls mean.
STRIPE_API_VERSION = "2026-10-28.endive"


class RequestFailed(Exception):
    """The partner did not accept the request this time (network error, 5xx, rate limit): retry
    later. Its message goes to the case timeline and the logs: URLs in it are redacted."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(message))


class RequestRefused(Exception):
    """The partner refused the request for good (Stripe: invalid request, card, authentication or
    permission error; idempotency key reused with other parameters): retrying cannot help. Its
    message is redacted the same way."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(message))


@dataclass(frozen=True, slots=True)
class Sent:
    status: int
    body: Any


def request_body(promise: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": f"terrain.promise.{promise['kind']}",
        "promise_id": promise["promise_id"],
        "case_id": promise["case_id"],
        "kind": promise["kind"],
        "reference": promise["reference"],
        "due_at": promise["due_at"],
        "expect": promise["expect"],
        "said": promise.get("said"),
    }


def send_signed(url: str, secret: str, promise: dict[str, Any], now: datetime, timeout: float) -> Sent:
    body = json.dumps(request_body(promise), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        HEADER: signature(secret, body, int(now.timestamp())),
        "Idempotency-Key": promise["promise_id"],
    }
    try:
        response = http.client().post(url, headers=headers, content=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise RequestFailed(f"{exc.__class__.__name__}: {exc}") from None  # not chained: the cause may hold the URL unredacted
    try:
        answer: Any = response.json()
    except ValueError:
        answer = response.text[:500]
    if response.status_code >= 300:
        raise RequestFailed(f"HTTP {response.status_code}: {str(answer)[:300]}")
    return Sent(response.status_code, answer)


def to_minor_units(amount: str, currency: str) -> int:
    exponent = 0 if currency.lower() in ZERO_DECIMAL else 3 if currency.lower() in THREE_DECIMAL else 2
    return int(Decimal(amount).scaleb(exponent))


class _SharedHttpx(stripe.HTTPXClient):
    """Stripe's httpx transport on the process's shared client."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout, allow_sync_methods=False)
        self._client = http.client()


_RETRY = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
_GIVE_UP = (
    stripe.InvalidRequestError,
    stripe.CardError,
    stripe.AuthenticationError,
    stripe.PermissionError,
    stripe.IdempotencyError,
)


def create_stripe_refund(api_base: str, secret_key: str, promise: dict[str, Any], timeout: float) -> Sent:
    """A refund with the promise id as idempotency key: Stripe creates it at most once, however
    often this is retried. Stripe's errors say whether to retry (connection, rate limit, 5xx)
    or give up (the request itself is wrong, or the key may not do it)."""
    reference = promise["reference"]
    params: dict[str, Any] = {
        "payment_intent" if reference.startswith("pi_") else "charge": reference,
        "metadata": {"promise_id": promise["promise_id"], "case_id": promise["case_id"]},
    }
    expect = promise["expect"]
    if expect.get("amount") and expect.get("currency"):
        params["amount"] = to_minor_units(expect["amount"], expect["currency"])
    client = stripe.StripeClient(
        secret_key,
        stripe_version=STRIPE_API_VERSION,
        max_network_retries=0,
        base_addresses={"api": api_base.rstrip("/")},
        http_client=_SharedHttpx(timeout),
    )
    try:
        refund = client.v1.refunds.create(params, {"idempotency_key": promise["promise_id"]})  # type: ignore[arg-type]
    except _GIVE_UP as exc:
        raise RequestRefused(_describe(exc)) from None
    except _RETRY as exc:
        raise RequestFailed(_describe(exc)) from None
    except stripe.StripeError as exc:  # anything else Stripe says: retry, unless it is a 4xx
        if exc.http_status is not None and 400 <= exc.http_status < 500:
            raise RequestRefused(_describe(exc)) from None
        raise RequestFailed(_describe(exc)) from None
    return Sent(200, refund.to_dict())


def _describe(exc: stripe.StripeError) -> str:
    """Stripe's type, status, code and message — never the key or the request."""
    parts = [exc.__class__.__name__]
    if exc.http_status:
        parts.append(f"HTTP {exc.http_status}")
    if exc.code:
        parts.append(str(exc.code))
    return f"{' '.join(parts)}: {(exc.user_message or str(exc._message or ''))[:300]}"

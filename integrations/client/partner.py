"""A small typed client for Terrain's partners, and the check of Terrain's own signature.

Only httpx and the standard library: copy this file, or `pip install terrain` and import
`integrations.client.partner`.

    with TerrainPartner("https://terrain.example", token) as terrain:
        terrain.post_update(Update(reference="1Z999", status="delivered",
                                   occurred_at=datetime.now(UTC), signed_by="ROLAND"))
        for step in terrain.steps(verdict="pending"):
            ...

Updates are idempotent: each carries an `event_id` derived from what it says (reference,
status, time, details), so a retry — by this client after a timeout, or by a process started
again — is counted once by Terrain (`duplicates`). Retries follow 429/502/503/504 and network
errors with exponential backoff (honouring `Retry-After`); any other error raises
`TerrainError` at once with Terrain's error code.

Terrain's requests to a partner (action URLs) carry `X-Terrain-Signature: t=<unix>,v1=<hex>`,
HMAC-SHA256 of `<t>.<raw body>` with the partner's action secret: `verify_signature` checks it
(see scripts/example_partner_receiver.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx

SIGNATURE_HEADER = "X-Terrain-Signature"
MAX_BATCH = 1000  # Terrain's limit per request
RETRY_STATUSES = frozenset({429, 502, 503, 504})

Verdict = Literal["pending", "kept", "broken"]


class TerrainError(Exception):
    """Terrain refused the request: `status`, and its envelope's `code`, `message`, `details`."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details


class InvalidSignature(Exception):
    """A request that does not come from Terrain (or not recently): answer it 401."""


@dataclass(frozen=True)
class Update:
    """What happened in the field, as a partner reports it (see the API's UpdateIn)."""

    reference: str
    status: str
    occurred_at: datetime
    location: str | None = None
    address: str | None = None
    signed_by: str | None = None
    amount: str | None = None
    currency: str | None = None
    detail: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    pickup_point_id: str | None = None
    handed_to: str | None = None
    carrier_code: str | None = None
    event_id: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (Terrain refuses naive timestamps)")

    def body(self) -> dict[str, Any]:
        fields = {k: v for k, v in asdict(self).items() if v is not None and k != "event_id"}
        fields["occurred_at"] = self.occurred_at.isoformat()
        return {"event_id": self.event_id or event_id_for(fields), **fields}


def event_id_for(fields: dict[str, Any]) -> str:
    """The same update always gets the same id: Terrain stores it once however often it is sent."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return "evt_" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    matched: int

    def __add__(self, other: IngestResult) -> IngestResult:
        return IngestResult(self.accepted + other.accepted, self.duplicates + other.duplicates, self.matched + other.matched)


@dataclass(frozen=True)
class Step:
    """One of the partner's own steps: what it must do, by when, and how it is judged so far."""

    promise_id: str
    kind: str
    reference: str
    due_at: datetime
    expect: dict[str, Any]
    verdict: Verdict
    reason: str | None
    fulfilled_at: datetime | None


class TerrainPartner:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retries: int = 5,
        backoff_seconds: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retries, self.backoff = retries, backoff_seconds
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "terrain-partner/1"},
        )

    def __enter__(self) -> TerrainPartner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def post_update(self, update: Update) -> IngestResult:
        return self._ingest(update.body())

    def post_updates(self, updates: Sequence[Update]) -> IngestResult:
        """Any number of updates, in batches of up to 1000 (each batch is one transaction)."""
        total = IngestResult(0, 0, 0)
        for start in range(0, len(updates), MAX_BATCH):
            total += self._ingest({"updates": [u.body() for u in updates[start : start + MAX_BATCH]]})
        return total

    def steps(self, verdict: Verdict | None = None, page_size: int = 200) -> Iterator[Step]:
        """This partner's steps, soonest due first, page by page."""
        offset = 0
        while True:
            params: dict[str, Any] = {"limit": page_size, "offset": offset}
            if verdict:
                params["verdict"] = verdict
            page = self._request("GET", "/v1/partners/me/steps", params=params)["steps"]
            for raw in page:
                yield Step(
                    promise_id=raw["promise_id"],
                    kind=raw["kind"],
                    reference=raw["reference"],
                    due_at=datetime.fromisoformat(raw["due_at"]),
                    expect=raw["expect"],
                    verdict=raw["verdict"],
                    reason=raw.get("reason"),
                    fulfilled_at=datetime.fromisoformat(raw["fulfilled_at"]) if raw.get("fulfilled_at") else None,
                )
            if len(page) < page_size:
                return
            offset += page_size

    def _ingest(self, body: dict[str, Any]) -> IngestResult:
        answer = self._request("POST", "/v1/updates", json=body)
        return IngestResult(answer["accepted"], answer["duplicates"], answer["matched"])

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError:
                if last:
                    raise
                self._sleep(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._sleep(attempt, response.headers.get("retry-after"))
                continue
            if response.status_code >= 400:
                try:
                    error = response.json()["error"]
                except (ValueError, KeyError, TypeError):
                    error = {"code": "http_error", "message": response.text[:200]}
                raise TerrainError(
                    response.status_code, error.get("code", "http_error"), error.get("message", ""), error.get("details")
                )
            return response.json()
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * (2**attempt) * (0.5 + random.random() / 2)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        time.sleep(min(delay, 30.0))


def verify_signature(
    secret: str, body: bytes, header: str | None, *, tolerance_seconds: int = 300, now: float | None = None
) -> int:
    """Check Terrain's `X-Terrain-Signature` over the raw body; returns its timestamp, or raises
    InvalidSignature (missing, malformed, wrong, or older than the tolerance: a replay)."""
    if not header:
        raise InvalidSignature(f"no {SIGNATURE_HEADER} header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise InvalidSignature("the signature has no timestamp") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        raise InvalidSignature("the signature is too old (or from the future): a replay?")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise InvalidSignature("the signature does not match")
    return timestamp

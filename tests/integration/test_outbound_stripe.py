"""Stripe refunds through the `stripe` SDK, against a local HTTP server standing in for
api.stripe.com (the SDK's api base): the request it makes, and Stripe's errors mapped to retry
or give up."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from urllib.parse import parse_qs

import pytest

from integrations.outbound import http
from integrations.outbound.partner_api import (
    STRIPE_API_VERSION,
    RequestFailed,
    RequestRefused,
    create_stripe_refund,
)

PROMISE = {
    "promise_id": "prm-1",
    "case_id": "case-1",
    "kind": "refund.issue",
    "reference": "ch_3Nx",
    "due_at": "2026-03-09T18:00:00+00:00",
    "expect": {"amount": "89.90", "currency": "EUR"},
}


class FakeStripe:
    def __init__(self, status: int, body: dict) -> None:
        self.calls: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.calls.append({"path": self.path, "headers": dict(self.headers), "form": parse_qs(raw.decode())})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stripe_api():
    servers = []

    def make(status=200, body=None):
        server = FakeStripe(status, body or {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 8990})
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def test_a_refund_is_one_idempotent_request_at_the_pinned_api_version(stripe_api):
    server = stripe_api()
    sent = create_stripe_refund(server.base, "sk_test_abc", PROMISE, timeout=5)
    assert sent.body["id"] == "re_1" and sent.body["status"] == "succeeded"
    [call] = server.calls
    assert call["path"] == "/v1/refunds"
    assert call["headers"]["Idempotency-Key"] == "prm-1"
    assert call["headers"]["Stripe-Version"] == STRIPE_API_VERSION
    assert call["headers"]["Authorization"] == "Bearer sk_test_abc"
    assert call["form"]["charge"] == ["ch_3Nx"] and call["form"]["amount"] == ["8990"]
    assert call["form"]["metadata[promise_id]"] == ["prm-1"] and call["form"]["metadata[case_id]"] == ["case-1"]


def _error(kind: str, code: str | None = None, message: str = "nope") -> dict:
    return {"error": {"type": kind, "code": code, "message": message}}


@pytest.mark.parametrize(
    "status,body,outcome",
    [
        (
            400,
            _error("invalid_request_error", "charge_already_refunded", "Charge ch_3Nx has already been refunded."),
            RequestRefused,
        ),
        (402, _error("card_error", "expired_card"), RequestRefused),
        (401, _error("invalid_request_error", None, "Invalid API Key provided: sk_test_***abc"), RequestRefused),
        (403, _error("invalid_request_error", None, "this key may not create refunds"), RequestRefused),
        (
            400,
            _error("idempotency_error", None, "Keys for idempotent requests can only be used with the same parameters"),
            RequestRefused,
        ),
        (409, _error("api_error", "lock_timeout", "another request with this idempotency key is in progress"), RequestFailed),
        (429, _error("invalid_request_error", "rate_limit", "Too many requests"), RequestFailed),
        (500, _error("api_error", None, "Something went wrong on Stripe's end."), RequestFailed),
        (503, _error("api_error"), RequestFailed),
    ],
)
def test_stripe_errors_map_to_retry_or_give_up(stripe_api, status, body, outcome):
    server = stripe_api(status, body)
    with pytest.raises(outcome) as raised:
        create_stripe_refund(server.base, "sk_test_abc", PROMISE, timeout=5)
    assert f"HTTP {status}" in str(raised.value)
    assert len(server.calls) == 1  # no hidden retries: the flow's and the row's backoff decide


def test_an_unreachable_stripe_is_retried_later():
    with pytest.raises(RequestFailed):
        create_stripe_refund("http://127.0.0.1:9", "sk_test_abc", PROMISE, timeout=2)


def test_one_shared_http_client_per_process_with_timeouts_and_limits():
    client = http.client()
    assert http.client() is client
    assert client.timeout.connect == 5.0 and client.timeout.read == 10.0
    pool = client._transport._pool  # httpcore's pool: the limits took effect
    assert pool._max_connections == 64 and pool._max_keepalive_connections == 16


def test_a_refused_refund_is_given_up_at_once_and_said_on_the_timeline(db, stripe_api):
    from datetime import UTC, datetime, timedelta

    from integrations.db import credentials
    from integrations.db.unit_of_work import uow_factory
    from integrations.services.cases import read_case
    from integrations.services.intake import open_complaint
    from integrations.services.outbound import attempt_request, claim_requests
    from integrations.services.promises import record_promises
    from integrations.settings import Settings
    from tests.builders import complaint, spec

    now = datetime.now(UTC)
    server = stripe_api(400, _error("invalid_request_error", "charge_already_refunded", "Charge already refunded."))
    credentials.set_partner(db, "stripe-fr", f"stripe:{server.base}", "sk_test_abc", now)
    uows = uow_factory(db)
    case = open_complaint(uows, complaint("pas remboursé", now), "agent:t")
    record_promises(
        uows,
        case.case_id,
        [spec("refund.issue", "stripe-fr", "ch_9", now + timedelta(days=5), amount="10.00", currency="EUR")],
        "agent:t",
    )
    later = datetime.now(UTC) + timedelta(seconds=1)
    [request] = claim_requests(uows, later, 10, timedelta(seconds=60))
    assert attempt_request(uows, Settings(_env_file=None), request, later, 1) == "refused"
    assert claim_requests(uows, now + timedelta(days=1), 10, timedelta(seconds=60)) == []  # never again
    [entry] = [e for e in read_case(uows, case.case_id).timeline if e.type.value == "outbound_request"]
    assert entry.detail["outcome"] == "refused" and "charge_already_refunded" in entry.detail["error"]
    assert "sk_test_abc" not in entry.detail["error"]

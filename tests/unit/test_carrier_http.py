"""Every pull adapter over real HTTP against the local carrier server (tests/carrier_server.py),
which answers at the carriers' real paths with their recorded answers: what the polling service
will do, one reference at a time."""

from __future__ import annotations

import httpx
import pytest

from integrations.carriers.pull import CarrierAuthError, CarrierRateLimited, CarrierUnavailable, OAuthCarrier, TrackingNotFound
from integrations.carriers.registry import PULL_ADAPTERS, get_adapter
from integrations.webhooks.base import PayloadError
from tests.carrier_server import carrier_server

CASES = [  # adapter, reference, fixture, credentials, the last carrier code
    ("laposte", "EW112720413FR", "laposte/EW112720413FR.json", {"api_key": "key"}, "DI1"),
    ("dhl", "7777777770", "dhl/7777777770.json", {"api_key": "key"}, "pre-transit"),
    ("ups", "1Z023E2X0214323462", "ups/track-details.json", None, "SR"),
    (
        "karrio",
        "05308801410058",
        "karrio/dpd-05308801410058.json",
        {"api_key": "key", "carrier_name": "dpd"},
        "ReturningFromDelivery",
    ),
]


@pytest.fixture(scope="module")
def server():
    with carrier_server() as running:
        yield running


def credentials_for(name: str, given: dict | None, client: httpx.Client, url: str) -> dict:
    if given is not None:
        return given
    adapter = get_adapter(name)
    assert isinstance(adapter, OAuthCarrier)  # no credentials given: a carrier that takes a token
    response = client.send(adapter.token_request(url, "client", "s3cret"))
    token, expires = adapter.read_token(response.content)
    assert expires > 0
    return {"access_token": token}


def fetch(server, name, reference, credentials):
    adapter = get_adapter(name)
    with httpx.Client(timeout=5) as client:
        creds = credentials_for(name, credentials, client, server.url)
        response = client.send(adapter.tracking_request(server.url, reference, creds))
        return adapter.parse_tracking(reference, response.status_code, response.content)


@pytest.mark.parametrize("name,reference,fixture,credentials,last_code", CASES, ids=[c[0] for c in CASES])
def test_recorded_answer_over_http(server, name, reference, fixture, credentials, last_code):
    server.track(reference, fixture)
    updates = fetch(server, name, reference, credentials)
    assert updates and updates[-1]["carrier_code"] == last_code
    assert [u["event_id"] for u in fetch(server, name, reference, credentials)] == [u["event_id"] for u in updates]


@pytest.mark.parametrize("name,reference,fixture,credentials,last_code", CASES, ids=[c[0] for c in CASES])
def test_errors_over_http(server, name, reference, fixture, credentials, last_code):
    server.track(reference, fixture)
    with pytest.raises(TrackingNotFound):
        fetch(server, name, "UNKNOWN123", credentials)
    server.fail(reference, 429, retry_after=2)
    with pytest.raises(CarrierRateLimited) as limited:
        fetch(server, name, reference, credentials)
    assert limited.value.retryable
    server.fail(reference, 500)
    with pytest.raises(CarrierUnavailable):
        fetch(server, name, reference, credentials)
    server.fail(reference, 200, body=b"<html>maintenance</html>")
    with pytest.raises(PayloadError):
        fetch(server, name, reference, credentials)
    bad = {"api_key": "wrong", "carrier_name": "dpd"} if credentials else {"access_token": "expired"}
    with pytest.raises(CarrierAuthError):
        fetch(server, name, reference, bad)
    assert fetch(server, name, reference, credentials)[-1]["carrier_code"] == last_code  # recovered


def test_every_registered_adapter_is_covered():
    assert {c[0] for c in CASES} == set(PULL_ADAPTERS)

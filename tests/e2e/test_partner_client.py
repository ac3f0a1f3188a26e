"""The partner's side against a real `terrain serve`: the typed client posts updates (single,
batched, retried with the same event ids) and reads its own steps; Terrain's signed request
reaches the example receiver (scripts/example_partner_receiver.py), which verifies it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.client.partner import (
    InvalidSignature,
    TerrainError,
    TerrainPartner,
    Update,
    verify_signature,
)
from integrations.db import credentials
from integrations.db.unit_of_work import uow_factory
from integrations.outbound.signing import signature
from integrations.services.clock import utc_now
from integrations.services.outbound import attempt_request, claim_requests
from integrations.settings import Settings
from tests.e2e.support import ROOT, free_port, terrain, wait_http


class AnswerLost(httpx.BaseTransport):
    """Delivers the first request to Terrain, then drops its answer (a timeout on the way back)."""

    def __init__(self) -> None:
        self.inner, self.calls = httpx.HTTPTransport(), 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        response = self.inner.handle_request(request)
        if self.calls == 1:
            response.read()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


@pytest.fixture
def server(db, database_url):
    port = free_port()
    process = terrain("serve", "--port", str(port), "--no-migrate", env={"TERRAIN_DATABASE_URL": database_url})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/readyz")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def receiver():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "example_partner_receiver.py"), "--port", str(port)],
        env={"TERRAIN_ACTION_SECRET": "ups-action-secret", "PATH": ""},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(process.stdout.readline())["listening"] == f"http://127.0.0.1:{port}"
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_partner_client_and_the_example_receiver_against_a_running_terrain(db, server, receiver):
    now = datetime.now(UTC)
    agent = {"Authorization": f"Bearer {credentials.create_key(db, 'agent', None, now)}"}
    token = credentials.create_key(db, "partner", "ups", now)
    receiver_url, receiver_process = receiver
    credentials.set_partner(db, "ups", f"{receiver_url}/terrain", "ups-action-secret", now)
    case = httpx.post(
        f"{server}/v1/complaints",
        headers=agent,
        json={
            "channel": "twitter",
            "external_id": "client-1",
            "author": "@c",
            "text": "colis bloqué",
            "posted_at": now.isoformat(),
        },
    ).json()
    httpx.post(
        f"{server}/v1/cases/{case['case_id']}/promises",
        headers=agent,
        json={
            "kind": "parcel.deliver",
            "partner": "ups",
            "reference": "1ZCLIENT",
            "due_at": (now + timedelta(days=2)).isoformat(),
            "expect": {"recipient": "Thomas Gouritin"},
        },
    ).raise_for_status()

    with TerrainPartner(server, token) as client:
        moving = Update(reference="1ZCLIENT", status="in_transit", occurred_at=now, location="Lille hub")
        assert client.post_update(moving).accepted == 1
        assert client.post_update(moving).duplicates == 1  # the same update, the same event id
        batch = [Update(reference=f"OTHER-{i}", status="in_transit", occurred_at=now) for i in range(1500)]
        assert client.post_updates(batch).accepted == 1500  # two requests (1000 + 500)
        assert client.post_updates(batch[:10] + [moving]).duplicates == 11
        [step] = list(client.steps())
        assert (step.reference, step.kind, step.verdict) == ("1ZCLIENT", "parcel.deliver", "pending")
        assert list(client.steps(verdict="broken")) == []
        with pytest.raises(TerrainError) as refused:
            client._request("GET", "/v1/ops/stuck")
        assert refused.value.status == 403 and refused.value.code == "forbidden"

    lost = AnswerLost()
    with TerrainPartner(server, token, transport=lost, backoff_seconds=0.05) as retrying:
        delivered = Update(reference="1ZCLIENT", status="delivered", occurred_at=now + timedelta(hours=1), signed_by="ROLAND")
        assert retrying.post_update(delivered).duplicates == 1  # stored by the first try, whose answer was lost
    assert lost.calls == 2
    view = httpx.get(f"{server}/v1/cases/{case['case_id']}", headers=agent).json()
    assert view["status"] == "reopened" and view["promises"][0]["reason"] == "wrong_recipient"

    with TerrainPartner(server, "trn_p_not-a-key") as stranger, pytest.raises(TerrainError) as unknown:
        list(stranger.steps())
    assert unknown.value.status == 401 and unknown.value.code == "unauthorized"

    # Terrain's request for the promise, as its flow sends it, verified by the example receiver.
    uows = uow_factory(db)
    [request] = claim_requests(uows, utc_now(), 10, timedelta(seconds=60))
    assert attempt_request(uows, Settings(_env_file=None), request, utc_now(), 1) == "sent"
    line = json.loads(receiver_process.stdout.readline())
    assert line == {
        "received": "terrain.promise.parcel.deliver",
        "promise_id": request["promise_id"],
        "reference": "1ZCLIENT",
        "due_at": line["due_at"],
    }
    body = b'{"promise_id":"p","type":"terrain.promise.parcel.deliver"}'
    forged = httpx.post(
        f"{receiver_url}/terrain",
        content=body,
        headers={"X-Terrain-Signature": signature("not-the-secret", body, int(time.time()))},
    )
    replayed = httpx.post(
        f"{receiver_url}/terrain",
        content=body,
        headers={"X-Terrain-Signature": signature("ups-action-secret", body, int(time.time()) - 3600)},
    )
    assert forged.status_code == 401 and replayed.status_code == 401


def test_verify_signature_accepts_terrains_own_and_nothing_else():
    body = b'{"promise_id":"p1"}'
    now = 1_780_000_000
    header = signature("s3cret", body, now)
    assert verify_signature("s3cret", body, header, now=now + 10) == now
    for bad_secret, bad_body, bad_header, at in [
        ("other", body, header, now),
        ("s3cret", body + b" ", header, now),
        ("s3cret", body, None, now),
        ("s3cret", body, "v1=abc", now),
        ("s3cret", body, header, now + 301),
        ("s3cret", body, "t=x,v1=y", now),
    ]:
        with pytest.raises(InvalidSignature):
            verify_signature(bad_secret, bad_body, bad_header, now=at)
    # Several v1 values (a secret being rotated): any one that matches is enough.
    rotated = f"{header},v1={'0' * 64}"
    assert verify_signature("s3cret", body, rotated, now=now) == now


def test_updates_have_stable_event_ids_and_refuse_naive_times():
    at = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)
    one = Update(reference="1Z", status="delivered", occurred_at=at, signed_by="ROLAND")
    assert (
        one.body()["event_id"]
        == Update(reference="1Z", status="delivered", occurred_at=at, signed_by="ROLAND").body()["event_id"]
    )
    assert one.body()["event_id"] != Update(reference="1Z", status="delivered", occurred_at=at).body()["event_id"]
    assert Update(reference="1Z", status="lost", occurred_at=at, event_id="mine").body()["event_id"] == "mine"
    with pytest.raises(ValueError):
        Update(reference="1Z", status="lost", occurred_at=datetime(2026, 3, 3, 14, 5))

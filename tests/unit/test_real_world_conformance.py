"""Conformance with genuine third-party payloads in ../shared/data/real-world (when present):
each is verified with its published vector and mapped as a person reading it would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.model import FieldUpdate
from integrations.webhooks.registry import PROVIDERS

REAL = Path(os.environ.get("TERRAIN_REAL_WORLD_DIR",
                           Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real-world"))
if not REAL.is_dir():
    pytest.skip(f"{REAL} is not beside this checkout", allow_module_level=True)


def updates(provider: str, body: bytes) -> list[FieldUpdate]:
    return [FieldUpdate.create("partner", item) for item in PROVIDERS[provider].parse(body)]


def test_easypost_tracker_updated_event():
    body = (REAL / "easypost" / "tracker.updated.event.json").read_bytes().rstrip(b"\n")
    fixture = json.loads((REAL / "easypost" / "client-library-fixtures.json").read_text())["webhooks"]
    PROVIDERS["easypost"].verify({"X-Hmac-Signature": fixture["hmac_signature"]}, body, fixture["secret"],
                                 datetime.now(UTC))
    [update] = updates("easypost", body)
    assert (update.event_id, update.reference, update.status) == (json.loads(body)["id"], "1", "in_transit")
    assert update.location == "EDISON, NJ, 08817, US"  # the latest tracking detail: arrived at FedEx, Edison
    assert update.occurred_at == datetime(2024, 8, 2, 18, 50, tzinfo=UTC)


@pytest.mark.parametrize("name,header,amount,currency,references", [
    ("charge.refunded.json", "t=1700000000,v1=90372f542269040dcb93ff66b30d1455ead0e9643f365d6a6c124086d1ebb7c6",
     "1.00", "USD", ["ch_00000000000000"]),
    ("refund.created.json", "t=1700000300,v1=c581a5615d9e79af97cdacbcdfc3544771f8ad4fadd3271f19dae3b96b5e3279",
     "1.00", "DKK", ["ch_3MI7uIIICJxvfdbR0gVMAA5h", "re_CGQ7INZZQPOC8U"]),
])
def test_stripe_refund_events(name, header, amount, currency, references):
    body = (REAL / "stripe" / name).read_bytes()
    t = int(header.split(",")[0][2:])
    PROVIDERS["stripe"].verify({"Stripe-Signature": header}, body, "whsec_test_secret",
                               datetime.fromtimestamp(t, UTC))
    mapped = updates("stripe", body)
    assert [u.reference for u in mapped] == references
    assert {(u.status, str(u.amount), u.currency) for u in mapped} == {("refund_succeeded", amount, currency)}


def test_stripe_charge_refund_updated():
    mapped = updates("stripe", (REAL / "stripe" / "charge.refund.updated.json").read_bytes())
    assert [u.reference for u in mapped] == ["ch_00000000000000", "re_00000000000000"]
    assert mapped[0].status == "refund_succeeded" and str(mapped[0].amount) == "1.00"


def test_aftership_trackings():
    body = (REAL / "aftership" / "get-tracking.json").read_bytes()
    secret = "test-secret"  # no published vector: sign as AfterShip would
    PROVIDERS["aftership"].verify(
        {"aftership-hmac-sha256": base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()},
        body, secret, datetime.now(UTC))
    [update] = updates("aftership", body)
    assert (update.reference, update.status, update.signed_by) == ("111111111111", "delivered", "..KOSUTOKO")
    assert update.location == "SAPPORO JP"
    assert update.occurred_at == datetime(2018, 7, 25, 1, 10, tzinfo=UTC)  # 10:10 in Japan
    listing = json.loads((REAL / "aftership" / "get-trackings.json").read_text())["data"]["trackings"]
    statuses = [updates("aftership", json.dumps(t).encode())[0].status for t in listing]
    assert statuses == ["delivered", "exception", "exception"]  # Expired trackings are exceptions

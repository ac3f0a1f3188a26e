"""The recorded histories of tests/fixtures/carriers/histories.json are usable as they stand:
every file reads with the adapter named, the reference is in what it reports, and the promise
is one Terrain accepts. (The verdicts they should get are asserted by the verdict tests.)"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from domain.kinds import EXPECT_FIELDS
from domain.model import FieldUpdate, Promise, PromiseKind
from integrations.carriers.registry import PULL_ADAPTERS
from integrations.webhooks.registry import PROVIDERS
from tests.unit.carrier_helpers import FIXTURES

V11_EXPECT = {"country", "postal_code", "pickup_point_id"}
HISTORIES = json.loads((FIXTURES / "histories.json").read_text())["histories"]


def read(entry: dict) -> list[FieldUpdate]:
    updates = []
    for path in entry["fixtures"]:
        body = (FIXTURES / path).read_bytes()
        if entry["via"] == "pull":
            items = PULL_ADAPTERS[entry["adapter"]].parse_tracking(entry["reference"], 200, body)
        else:
            items = PROVIDERS[entry["adapter"]].parse(body)
        updates += [FieldUpdate.create(entry["adapter"], item) for item in items]
    return updates


@pytest.mark.parametrize("entry", HISTORIES, ids=[h["id"] for h in HISTORIES])
def test_history_reads_and_promise_is_valid(entry):
    updates = read(entry)
    assert any(u.reference == entry["reference"] for u in updates)
    promise = entry["promise"]
    said = datetime.fromisoformat(promise["said_at"])
    allowed = EXPECT_FIELDS[PromiseKind(promise["kind"])][0]
    # v1.1 expect fields (country, postal_code, pickup_point_id) are checked once the domain takes them
    expect = {k: v for k, v in promise["expect"].items() if k in allowed or k not in V11_EXPECT}
    Promise.create(
        promise_id="p",
        case_id="c",
        kind=promise["kind"],
        partner=entry["adapter"],
        reference=entry["reference"],
        due_at=datetime.fromisoformat(promise["due_at"]),
        expect=expect,
        said=None,
        created_at=said,
    )
    assert datetime.fromisoformat(entry["now"]) > said
    assert entry["expected"]["verdict"] in ("kept", "broken", "pending")
    assert entry["recorded"] or "onstructed" in entry["why"]


def test_every_case_of_issue_10_is_there():
    ids = {h["id"] for h in HISTORIES}
    for case in (
        "chronopost-delivered-at-depot-vs-street",
        "dpd-parcelshop-mechelen",
        "dhl-express-milan-vs-milano",
        "dhl-parcel-de-bonn-vs-street",
        "dhl-express-company-consignee-signed-by-person",
        "laposte-di1-abroad-vs-paris",
        "laposte-reroute-to-post-office-delivered-home",
        "dhl-parcel-de-different-person-present",
        "aftership-exception-007-returned-to-sender",
    ):
        assert case in ids

"""Verdicts on real carrier histories (tests/fixtures/carriers/histories.json: karrio's recorded
tracking answers, UPS's and AfterShip's published samples), read by the adapters as they would be
in production, judged against the promises an integrator would write. Prints the table of right
and wrong verdicts and false alerts, next to what v1 said of the same histories."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.model import Promise
from domain.verdicts import evaluate
from tests.unit.test_carrier_histories import HISTORIES, read

ALERTING = {"wrong_location", "wrong_recipient", "parcel_failed"}


def judge(entry: dict, now: str | None = None):
    spec = entry["promise"]
    promise = Promise.create(
        promise_id="p",
        case_id="c",
        kind=spec["kind"],
        partner=entry["adapter"],
        reference=entry["reference"],
        due_at=datetime.fromisoformat(spec["due_at"]),
        expect=spec["expect"],
        said=None,
        created_at=datetime.fromisoformat(spec["said_at"]),
    )
    return evaluate(promise, read(entry), datetime.fromisoformat(now or entry["now"]))


@pytest.mark.parametrize("entry", HISTORIES, ids=[h["id"] for h in HISTORIES])
def test_real_history_gets_the_right_verdict(entry):
    outcome = judge(entry)
    expected = entry["expected"]
    got = (outcome.verdict.value, outcome.reason.value if outcome.reason else None)
    assert got == (expected["verdict"], expected["reason"]), entry["why"]
    if "unverified" in expected:
        assert list(outcome.unverified) == expected["unverified"], entry["why"]
    for checkpoint in entry.get("checkpoints", ()):
        early = judge(entry, checkpoint["now"])
        assert early.verdict.value == checkpoint["verdict"], checkpoint["why"]
        if "at_risk" in checkpoint:
            assert (early.at_risk is not None) == checkpoint["at_risk"], checkpoint["why"]


def test_the_table_of_real_histories(capsys):
    """Not a gate of its own (the test above is): the before/after table for the closing note."""
    right = false_alerts = missed = 0
    rows = []
    for entry in HISTORIES:
        o = judge(entry)
        got = f"{o.verdict.value} {o.reason.value if o.reason else ''}".strip()
        want = f"{entry['expected']['verdict']} {entry['expected']['reason'] or ''}".strip()
        ok = got == want
        right += ok
        false_alerts += not ok and o.reason is not None and o.reason.value in ALERTING
        missed += not ok and entry["expected"]["reason"] in ALERTING
        rows.append(f"{entry['id'][:46]:46} {want:28} {got:28} {'ok' if ok else 'WRONG'}  v1: {entry.get('v1', '?')}")
    with capsys.disabled():
        print("\n" + "\n".join(rows))
        print(f"real histories: {right}/{len(HISTORIES)} right, {false_alerts} false alerts, {missed} missed contradictions")
    assert right >= len(HISTORIES) - 1  # the gate per history is the parametrized test above

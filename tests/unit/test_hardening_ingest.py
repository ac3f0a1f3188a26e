"""The pieces of ingest hardening that need no database: the advisory lock plan, which failures
are tried again, provider-namespaced event ids, and bounded ops parameters."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy.exc import DataError, OperationalError

from domain.errors import InvalidInput
from integrations.api.routes.ops import parse_duration
from integrations.db.repositories import (
    ALL_PARTNERS_LOCK_KEY,
    MAX_REFERENCE_LOCKS,
    partner_lock_key,
    reference_lock_key,
    reference_lock_plan,
)
from integrations.db.retry import retried
from integrations.webhooks.base import MAX_ID, MalformedJson, load_object, provider_event_id
from integrations.webhooks.registry import PROVIDERS
from tests.unit.test_webhook_providers import SIGNED, raw

# --- advisory locks -------------------------------------------------------------------------


def test_a_few_references_lock_each_reference_under_shared_partner_locks():
    refs = {("ups", "B"), ("ups", "A"), ("laposte", "A")}
    plan = reference_lock_plan(refs)
    assert plan[0] == (ALL_PARTNERS_LOCK_KEY, True)
    assert plan[1:3] == sorted([(partner_lock_key("ups"), True), (partner_lock_key("laposte"), True)])
    assert plan[3:] == [(key, False) for key in sorted(reference_lock_key(p, r) for p, r in refs)]


@pytest.mark.parametrize("count", [MAX_REFERENCE_LOCKS + 1, 1000, 12_000])
def test_many_references_of_one_partner_take_its_partner_lock_exclusively_instead(count):
    plan = reference_lock_plan({("stripe-fr", f"re_{i}") for i in range(count)})
    assert plan == [(ALL_PARTNERS_LOCK_KEY, True), (partner_lock_key("stripe-fr"), False)]


def test_many_partners_take_the_lock_of_all_partners_exclusively():
    plan = reference_lock_plan({(f"p{i}", "R") for i in range(MAX_REFERENCE_LOCKS + 1)})
    assert plan == [(ALL_PARTNERS_LOCK_KEY, False)]


@pytest.mark.parametrize(
    "refs",
    [
        set(),
        {("ups", "A")},
        {("ups", f"R{i}") for i in range(MAX_REFERENCE_LOCKS)},
        {(f"p{i % 7}", f"R{i}") for i in range(500)},
        {(f"p{i}", f"R{i}") for i in range(MAX_REFERENCE_LOCKS)},
    ],
)
def test_the_plan_is_bounded_and_in_one_order(refs):
    plan = reference_lock_plan(refs)
    assert len(plan) <= 2 + 2 * MAX_REFERENCE_LOCKS
    levels = [0 if key == ALL_PARTNERS_LOCK_KEY else 1 if key in {partner_lock_key(p) for p, _ in refs} else 2 for key, _ in plan]
    assert levels == sorted(levels)  # all partners, then partners, then references
    for level in (1, 2):
        keys = [key for (key, _), lvl in zip(plan, levels, strict=True) if lvl == level]
        assert keys == sorted(keys)
    assert reference_lock_plan(list(refs)[::-1]) == plan  # whatever the order they came in


def test_two_transactions_sharing_a_reference_always_conflict():
    """Whatever their sizes, two plans naming one common reference hold a lock in common that at
    least one of them takes exclusively."""
    shapes = {
        "one": {("ups", "R1")},
        "few": {("ups", f"R{i}") for i in range(1, 20)},
        "many": {("ups", f"R{i}") for i in range(1, 500)},
        "partners": {(f"p{i}", "R1") for i in range(100)} | {("ups", "R1")},
    }
    for a in shapes.values():
        for b in shapes.values():
            mine, theirs = dict(reference_lock_plan(a)), dict(reference_lock_plan(b))
            common = set(mine) & set(theirs)
            assert any(not mine[key] or not theirs[key] for key in common)


def test_a_promise_recording_conflicts_with_any_ingest_on_its_reference_and_two_ingests_do_not():
    """Ingest takes the references it reports on shared, recording a promise takes them
    exclusively: whatever the sizes, a recording and an ingest sharing a reference hold a lock in
    common that one takes exclusively; two ingests of the few-references kind do not wait on each
    other (a large one still takes its partner exclusively)."""
    shapes = {
        "one": {("ups", "R1")},
        "few": {("ups", f"R{i}") for i in range(1, 20)},
        "many": {("ups", f"R{i}") for i in range(1, 500)},
        "partners": {(f"p{i}", "R1") for i in range(100)} | {("ups", "R1")},
    }
    for a in shapes.values():
        for b in shapes.values():
            ingest, recording = dict(reference_lock_plan((), shared=a)), dict(reference_lock_plan(b))
            assert any(not ingest[key] or not recording[key] for key in set(ingest) & set(recording))
    one, few = dict(reference_lock_plan((), shared=shapes["one"])), dict(reference_lock_plan((), shared=shapes["few"]))
    assert all(one[key] and few[key] for key in set(one) & set(few))  # all shared: they run alongside


def test_a_reference_both_reported_on_and_handed_off_to_is_locked_exclusively():
    plan = dict(reference_lock_plan({("colissimo", "6A1")}, shared={("colissimo", "6A1"), ("fnac", "CMD-7")}))
    assert plan[reference_lock_key("colissimo", "6A1")] is False
    assert plan[reference_lock_key("fnac", "CMD-7")] is True


# --- what is tried again ----------------------------------------------------------------------


def failing(*errors):
    calls = []

    def work():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "committed"

    return work, calls


def deadlock():
    orig = Exception("deadlock detected")
    orig.pgcode = "40P01"  # type: ignore[attr-defined]
    return OperationalError("INSERT", {}, orig)


def lost():
    return OperationalError("INSERT", {}, Exception("server closed the connection"), connection_invalidated=True)


def test_a_deadlock_is_tried_again_up_to_three_times():
    work, calls = failing(deadlock(), deadlock())
    assert retried(work) == "committed" and len(calls) == 3
    work, calls = failing(deadlock(), deadlock(), deadlock())
    with pytest.raises(OperationalError):
        retried(work)
    assert len(calls) == 3


def test_a_lost_connection_is_tried_again_once():
    work, calls = failing(lost())
    assert retried(work) == "committed" and len(calls) == 2
    work, calls = failing(lost(), lost())
    with pytest.raises(OperationalError):
        retried(work)
    assert len(calls) == 2


def test_other_database_errors_are_raised_at_once():
    for error in (
        DataError("INSERT", {}, Exception("value too long")),
        OperationalError("INSERT", {}, Exception("lock timeout")),
    ):
        work, calls = failing(error)
        with pytest.raises(type(error)):
            retried(work)
        assert len(calls) == 1


# --- event ids --------------------------------------------------------------------------------


def test_provider_event_ids_are_namespaced_and_bounded():
    assert provider_event_id("easypost", "evt_X") != provider_event_id("stripe", "evt_X")
    long = provider_event_id("stripe", "e" * MAX_ID)
    assert len(long) <= MAX_ID and long.startswith("stripe:h:")
    assert long == provider_event_id("stripe", "e" * MAX_ID)  # a redelivery keeps its id


@pytest.mark.parametrize("name", sorted(SIGNED))
def test_every_provider_emits_ids_in_its_own_namespace(name):
    updates = PROVIDERS[name].parse(raw(SIGNED[name][0]))
    assert updates and all(u["event_id"].startswith(f"{name}:") for u in updates)


# --- undecodable bodies and overflowing parameters ------------------------------------------


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a": "\xff"}', b'{"id": "\\ud800"}', b'{"id": "\\udfff x"}'])
def test_undecodable_bodies_are_malformed_json(body):
    with pytest.raises(MalformedJson):
        load_object(body)


def test_surrogate_pairs_are_text():
    assert load_object(json.dumps({"id": "📦"}).encode()) == {"id": "📦"}
    assert load_object(b'{"id": "\\ud83d\\udce6"}') == {"id": "📦"}


@pytest.mark.parametrize("text", ["99999999999999999", "9999999999w", "36526d"])
def test_durations_longer_than_a_century_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_duration(text)


def test_a_century_is_still_a_duration():
    assert parse_duration("36525d") == timedelta(days=36_525)

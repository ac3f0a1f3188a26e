from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.playbooks import expand, parse_playbooks
from integrations.playbooks.loader import load_playbooks

NOW = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # a Friday


def test_packaged_playbooks_cover_the_typical_problems():
    books = load_playbooks()
    assert {
        "parcel_stuck_at_depot",
        "delivered_not_received",
        "wrong_pickup_point",
        "refund_not_received",
        "defective_item",
    } <= set(books)


def test_expand_gives_due_dates_and_needs_what_a_playbook_cannot_know():
    books = load_playbooks()
    [reroute] = expand(books["wrong_pickup_point"], "laposte", "6A1", NOW, {"location": "Lille Vauban"})
    assert reroute["due_at"] == datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC)  # 2 business days
    callback, deliver = expand(books["delivered_not_received"], "ups", "1Z", NOW, {"recipient": "T Gouritin"})
    assert callback["due_at"] == NOW + timedelta(hours=1) and deliver["kind"] == "parcel.deliver"
    with pytest.raises(errors.MissingExpectation):
        expand(books["refund_not_received"], "stripe", "ch_1", NOW)  # the amount is the agent's to give
    [refund] = expand(books["refund_not_received"], "stripe", "ch_1", NOW, {"amount": "19", "currency": "eur"})
    assert refund["expect"] == {"amount": "19", "currency": "EUR"}


@pytest.mark.parametrize(
    "data",
    [
        {},
        [{"name": "x"}],
        [{"name": "x", "title": "t", "problem": "p", "promises": []}],
        [{"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "teleport", "said": "s", "due_in_hours": 1}]}],
        [{"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "callback", "said": "s"}]}],
        [{"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "callback", "said": "s", "due_in_hours": -1}]}],
        [{"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "callback", "said": "s", "due_in_hours": True}]}],
        [
            {
                "name": "x",
                "title": "t",
                "problem": "p",
                "promises": [{"kind": "callback", "said": "s", "due_in_hours": 1, "due_in_business_days": 1}],
            }
        ],
        [
            {
                "name": "x",
                "title": "t",
                "problem": "p",
                "promises": [{"kind": "callback", "said": "s", "due_in_hours": 1, "expect_defaults": {"location": "a"}}],
            }
        ],
        [
            {"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "callback", "said": "s", "due_in_hours": 1}]},
            {"name": "x", "title": "t", "problem": "p", "promises": [{"kind": "callback", "said": "s", "due_in_hours": 1}]},
        ],
    ],
)
def test_bad_playbook_files_are_refused(data):
    with pytest.raises(errors.InvalidInput):
        parse_playbooks(data)


def test_expect_defaults_fill_what_the_agent_does_not_override():
    books = parse_playbooks(
        [
            {
                "name": "hold",
                "title": "t",
                "problem": "p",
                "promises": [
                    {"kind": "parcel.reroute", "said": "s", "due_in_hours": 24, "expect_defaults": {"location": "Depot"}}
                ],
            }
        ]
    )
    [spec] = expand(books["hold"], "laposte", "6A1", NOW)
    assert (spec["expect"], spec["due_at"]) == ({"location": "Depot"}, NOW + timedelta(hours=24))
    [spec] = expand(books["hold"], "laposte", "6A1", NOW, {"location": "Lille Vauban", "amount": "3"})
    assert spec["expect"] == {"location": "Lille Vauban"}  # fields the kind does not take are left out


def test_every_packaged_promise_expands_with_the_agents_facts():
    facts = {"location": "Lille Vauban", "recipient": "T Gouritin", "amount": "89.90", "currency": "EUR"}
    for book in load_playbooks().values():
        for spec in expand(book, "partner", "ref", NOW, facts):
            assert spec["due_at"] > NOW and spec["said"] and spec["partner"] == "partner"

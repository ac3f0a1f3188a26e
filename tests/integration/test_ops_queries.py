"""Ops read models: the stuck list and the scorecards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.db import queries
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update


def test_stuck_list_orders_filters_and_forgets_what_is_addressed(uow, db, clock):
    t0 = clock.now
    a = open_complaint(uow, complaint("a", t0), "agent", clock)
    b = open_complaint(uow, complaint("b", t0), "agent", clock)
    record_promises(uow, a.case_id, [spec("callback", "cc", "A", t0 + timedelta(hours=2))], "agent", clock)
    record_promises(
        uow, b.case_id, [spec("parcel.deliver", "ups", "B", t0 + timedelta(hours=5), recipient="T G")], "agent", clock
    )
    ingest_updates(uow, [update("ups", "B", "delivered", t0 + timedelta(hours=1), signed_by="ROLAND")], clock)
    clock.advance(hours=3)
    with db.connect() as conn:
        items = queries.stuck_promises(conn, clock.now)
        assert [(i["partner"], i["reason"]) for i in items] == [("cc", "deadline_missed"), ("ups", "wrong_recipient")]
        assert items[1]["last_update"]["status"] == "delivered"
        assert [i["partner"] for i in queries.stuck_promises(conn, clock.now, reason="wrong_recipient")] == ["ups"]
        assert queries.stuck_promises(conn, clock.now, overdue_for=timedelta(hours=2)) == []
    # A new promise on case b addresses its broken one.
    record_promises(
        uow, b.case_id, [spec("parcel.deliver", "ups", "B2", clock.now + timedelta(hours=5), recipient="T G")], "agent", clock
    )
    with db.connect() as conn:
        assert [i["partner"] for i in queries.stuck_promises(conn, clock.now)] == ["cc"]


def test_scorecards_count_and_median(uow, db, clock):
    t0 = clock.now
    for n, hours in enumerate((1, 3, 5)):
        case = open_complaint(uow, complaint(f"c{n}", t0), "agent", clock)
        record_promises(uow, case.case_id, [spec("callback", "cc", f"R{n}", t0 + timedelta(hours=4))], "agent", clock)
        ingest_updates(uow, [update("cc", f"R{n}", "done", t0 + timedelta(hours=hours))], clock)
    with db.connect() as conn:
        [card] = queries.scorecards(conn)
    assert (card["promises"], card["kept"], card["broken"], card["kept_rate"]) == (3, 2, 1, 0.6667)
    assert card["median_seconds_to_keep"] == 2 * 3600  # kept at 1 h and 3 h
    assert card["broken_by_reason"] == {"deadline_missed": 1}


def _stuck_world(uow, clock):
    """Five stuck promises (three partners, four kinds, three reasons), plus promises that must
    never show: pending on time, kept, kept late, and broken on a closed case."""
    t0 = clock.now
    cases = {}

    def promise(name, kind, partner, due_hours, **expect):
        case = open_complaint(uow, complaint(name, t0), "agent", clock)
        cases[name] = case.case_id
        record_promises(uow, case.case_id, [spec(kind, partner, name, t0 + timedelta(hours=due_hours), **expect)], "agent", clock)
        return case.case_id

    promise("P1", "callback", "mortons", 1)  # deadline_missed, due +1h
    promise("P2", "parcel.deliver", "ups", 2, recipient="Thomas Gouritin")  # wrong_recipient, due +2h
    promise("P3", "refund.issue", "stripe", 3, amount="10", currency="EUR")  # refund_failed, due +3h
    promise("P4", "parcel.reroute", "laposte", 4, location="Lille Vauban")  # deadline_missed, due +4h
    promise("P5", "parcel.deliver", "laposte", 48, recipient="Claire Maoui")  # wrong_recipient, not yet due
    promise("OK1", "callback", "mortons", 48)  # pending, on time
    promise("OK2", "callback", "ups", 1)  # kept
    promise("OK3", "callback", "stripe", 1)  # kept late: broken, fulfilled
    closed = promise("OK4", "callback", "laposte", 1)  # overdue, but the case is closed
    from integrations.services.cases import close_case

    close_case(uow, closed, "agent", clock)
    ingest_updates(
        uow,
        [
            update("ups", "P2", "delivered", t0 + timedelta(minutes=30), signed_by="ROLAND"),
            update("stripe", "P3", "refund_failed", t0 + timedelta(minutes=40), currency="EUR"),
            update("laposte", "P5", "delivered", t0 + timedelta(minutes=50), signed_by="Voisin"),
            update("ups", "OK2", "done", t0 + timedelta(minutes=20)),
        ],
        clock,
    )
    clock.advance(hours=6)
    ingest_updates(uow, [update("stripe", "OK3", "done", t0 + timedelta(hours=5))], clock)
    return cases


def test_stuck_list_orders_filters_and_pages(uow, db, clock):
    _stuck_world(uow, clock)
    now = clock.now
    with db.connect() as conn:

        def refs(**kw):
            return [i["reference"] for i in queries.stuck_promises(conn, now, **kw)]

        assert refs() == ["P1", "P2", "P3", "P4", "P5"]  # oldest due first, nothing else
        assert refs(order="partner") == ["P4", "P5", "P1", "P3", "P2"]  # laposte, mortons, stripe, ups
        assert refs(order="kind") == ["P1", "P2", "P5", "P4", "P3"]
        assert refs(order="reason") == ["P1", "P4", "P3", "P2", "P5"]
        assert refs(partner="laposte") == ["P4", "P5"]
        assert refs(partner="laposte", order="partner") == ["P4", "P5"]
        assert refs(kind="parcel.deliver") == ["P2", "P5"]
        assert refs(reason="deadline_missed") == ["P1", "P4"]
        assert refs(reason="wrong_recipient", partner="ups") == ["P2"]
        assert refs(reason="amount_short") == []
        assert refs(overdue_for=timedelta(hours=3, minutes=30)) == ["P1", "P2"]
        assert refs(overdue_for=timedelta(hours=3, minutes=30), order="kind") == ["P1", "P2"]
        assert refs(limit=2) == ["P1", "P2"] and refs(limit=2, offset=2) == ["P3", "P4"]
        assert refs(limit=2, offset=4) == ["P5"] and refs(offset=10) == []
        assert refs(limit=2, offset=1, order="partner") == ["P5", "P1"]
        items = queries.stuck_promises(conn, now)
        assert items[4]["overdue_seconds"] == 0 and items[0]["overdue_seconds"] == 5 * 3600
        assert items[2]["last_update"]["status"] == "refund_failed" and items[0]["last_update"] is None
        # Overdue but not swept yet: still pending, its case in progress; the others broke and reopened.
        assert [(i["verdict"], i["case_status"]) for i in items] == [
            ("pending", "in_progress"),
            ("broken", "reopened"),
            ("broken", "reopened"),
            ("pending", "in_progress"),
            ("broken", "reopened"),
        ]
        with pytest.raises(ValueError):
            queries.stuck_promises(conn, now, order="due_at; drop table promises")


def test_scorecards_per_partner_reasons_and_period(uow, db, clock):
    _stuck_world(uow, clock)
    with db.connect() as conn:
        cards = {card["partner"]: card for card in queries.scorecards(conn)}
        assert set(cards) == {"laposte", "mortons", "stripe", "ups"}
        ups, stripe, laposte = cards["ups"], cards["stripe"], cards["laposte"]
        assert (ups["promises"], ups["kept"], ups["broken"], ups["pending"], ups["kept_rate"]) == (2, 1, 1, 0, 0.5)
        assert ups["broken_by_reason"] == {"wrong_recipient": 1}
        assert ups["median_seconds_to_keep"] == 20 * 60
        # Kept late counts as broken (deadline_missed), and has no time to keep.
        assert stripe["broken_by_reason"] == {"deadline_missed": 1, "refund_failed": 1}
        assert stripe["kept_rate"] == 0.0 and stripe["median_seconds_to_keep"] is None
        assert laposte["promises"] == 3  # the closed case's promise counts too
        # Overdue but not swept yet is still pending: no kept rate without a decided promise.
        assert cards["mortons"]["pending"] == 2 and cards["mortons"]["kept_rate"] is None
        assert queries.scorecards(conn, clock.now) == []
        assert len(queries.scorecards(conn, clock.now - timedelta(days=1))) == 4


def test_weekly_kept_rate_and_recent_reopens(uow, db, clock):
    t0 = clock.now  # a Monday
    for week in range(3):
        for n in range(4):
            clock.now = t0 + timedelta(weeks=week, hours=n)
            case = open_complaint(uow, complaint(f"w{week}n{n}", clock.now), "agent", clock)
            record_promises(
                uow, case.case_id, [spec("callback", "cc", f"W{week}-{n}", clock.now + timedelta(hours=1))], "agent", clock
            )
            if n < week + 1:  # week 0: 1 of 4 kept, week 1: 2 of 4, week 2: 3 of 4
                ingest_updates(uow, [update("cc", f"W{week}-{n}", "done", clock.now + timedelta(minutes=30))], clock)
    clock.now = t0 + timedelta(weeks=3)
    from integrations.services.sweep import sweep_deadlines

    sweep_deadlines(uow, clock)
    with db.connect() as conn:
        trend = queries.weekly_kept_rate(conn, t0 - timedelta(days=1))
        assert trend == {"cc": [("2026-W10", 0.25, 4), ("2026-W11", 0.5, 4), ("2026-W12", 0.75, 4)]}
        assert queries.weekly_kept_rate(conn, t0 + timedelta(weeks=2)) == {"cc": [("2026-W12", 0.75, 4)]}
        reopens = queries.recent_reopens(conn)
        assert len(reopens) == 6  # the promises broken by the sweep, one case each
        assert [r["id"] for r in reopens] == sorted((r["id"] for r in reopens), reverse=True)
        assert {r["reason"] for r in reopens} == {"deadline_missed"} and reopens[0]["reopen_count"] == 1
        assert len(queries.recent_reopens(conn, limit=2)) == 2


def test_unowned_first_in_every_order_and_snoozed_hidden_until_the_snooze_ends(uow, db, clock):
    from integrations.db import credentials
    from integrations.services.ops_actions import acknowledge_promise, assign_case

    t0, made = clock.now, []
    for n, (kind, partner) in enumerate((("callback", "cc"), ("refund.issue", "stripe"), ("callback", "dd"))):
        case = open_complaint(uow, complaint(f"c{n}", t0), "agent", clock)
        expect = {"amount": "5", "currency": "EUR"} if kind == "refund.issue" else {}
        [p] = record_promises(
            uow, case.case_id, [spec(kind, partner, f"R{n}", t0 + timedelta(hours=1 + n), **expect)], "agent", clock
        )
        made.append((case.case_id, p.promise_id))
    clock.advance(hours=5)
    credentials.create_key(db, "agent", None, clock.now, name="Claire")
    assign_case(uow, made[0][0], "Claire", "agent:Claire", clock)  # the oldest, now owned
    with db.connect() as conn:
        for order in ("due_at", "partner", "kind", "reason"):
            items = queries.stuck_promises(conn, clock.now, order=order)
            assert [i["owner"] is not None for i in items] == [False, False, True], order
            assert items[-1]["promise_id"] == made[0][1] and items[0]["last_update"] is None
        assert [i["promise_id"] for i in queries.stuck_promises(conn, clock.now, owner="Claire")] == [made[0][1]]
    acknowledge_promise(uow, made[1][1], "later", clock.now + timedelta(hours=1), "agent:Claire", clock)
    with db.connect() as conn:
        assert made[1][1] not in [i["promise_id"] for i in queries.stuck_promises(conn, clock.now)]
        assert [i["promise_id"] for i in queries.snoozed_promises(conn, clock.now)] == [made[1][1]]
        later = clock.now + timedelta(hours=1, seconds=1)
        assert made[1][1] in [i["promise_id"] for i in queries.stuck_promises(conn, later, order="kind")]
        assert queries.snoozed_promises(conn, later) == []

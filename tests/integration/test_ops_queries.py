"""Ops read models: the stuck list and the scorecards."""

from __future__ import annotations

from datetime import timedelta

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
    record_promises(uow, b.case_id, [spec("parcel.deliver", "ups", "B", t0 + timedelta(hours=5), recipient="T G")],
                    "agent", clock)
    ingest_updates(uow, [update("ups", "B", "delivered", t0 + timedelta(hours=1), signed_by="ROLAND")], clock)
    clock.advance(hours=3)
    with db.connect() as conn:
        items = queries.stuck_promises(conn, clock.now)
        assert [(i["partner"], i["reason"]) for i in items] == [("cc", "deadline_missed"), ("ups", "wrong_recipient")]
        assert items[1]["last_update"]["status"] == "delivered"
        assert [i["partner"] for i in queries.stuck_promises(conn, clock.now, reason="wrong_recipient")] == ["ups"]
        assert queries.stuck_promises(conn, clock.now, overdue_for=timedelta(hours=2)) == []
    # A new promise on case b addresses its broken one.
    record_promises(uow, b.case_id, [spec("parcel.deliver", "ups", "B2", clock.now + timedelta(hours=5),
                                          recipient="T G")], "agent", clock)
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

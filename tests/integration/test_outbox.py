"""The alert outbox and the partner-request queue as used by the flows, without Prefect:
claims with a lease, fencing by attempt number, backoff, giving up, escalations once per
(case, reopen_count), and two workers with their own connections delivering each alert once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from integrations.db import credentials, tables
from integrations.db.engine import make_engine
from integrations.db.unit_of_work import uow_factory
from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.services.cases import read_case
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.outbound import attempt_request, claim_requests, reschedule_request
from integrations.services.outbox import backoff, claim_alerts, deliver_alert, queue_escalations
from integrations.services.promises import record_promises
from integrations.settings import Settings
from tests.builders import complaint, spec
from tests.builders import update as field_update
from tests.integration.receivers import HttpReceiver, free_port


def now() -> datetime:
    return datetime.now(UTC)


def broken_case(db, reference="1Z", text="colis signé par un inconnu"):
    uow = uow_factory(db)
    case = open_complaint(uow, complaint(text, now()), "agent:t")
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", reference, now() + timedelta(days=1), recipient="Thomas Gouritin")],
        "agent:t",
    )
    ingest_updates(uow, [field_update("ups", reference, "delivered", now(), signed_by="ROLAND")])
    return case.case_id


def outbox_rows(db):
    with db.connect() as conn:
        return list(conn.execute(select(tables.outbox).order_by(tables.outbox.c.id)))


def alert_outcomes(db, case_id):
    return [e.detail for e in read_case(uow_factory(db), case_id).timeline if e.type.value == "alert"]


def test_a_claimed_alert_is_not_claimed_again_until_its_lease_expires(db):
    broken_case(db)
    t0 = now()
    [first] = claim_alerts(uow_factory(db), t0, lease=timedelta(seconds=30))
    assert claim_alerts(uow_factory(db), t0 + timedelta(seconds=29)) == []
    [again] = claim_alerts(uow_factory(db), t0 + timedelta(seconds=31))  # the first worker is presumed dead
    assert (first["id"], first["attempts"], again["attempts"]) == (again["id"], 1, 2)


def test_a_worker_whose_claim_was_taken_over_sends_nothing(db):
    with HttpReceiver() as http:
        config = Settings(_env_file=None, alert_urls=f"json://127.0.0.1:{http.port}/a")
        case_id = broken_case(db)
        t0 = now()
        [stale] = claim_alerts(uow_factory(db), t0, lease=timedelta(seconds=1))
        [fresh] = claim_alerts(uow_factory(db), t0 + timedelta(seconds=2))
        assert deliver_alert(uow_factory(db), config, AppriseNotifier(), stale, t0 + timedelta(seconds=2)) == "lost"
        assert http.requests == []
        assert deliver_alert(uow_factory(db), config, AppriseNotifier(), fresh, t0 + timedelta(seconds=2)) == "sent"
        assert deliver_alert(uow_factory(db), config, AppriseNotifier(), stale, t0 + timedelta(seconds=3)) == "lost"
        assert len(http.requests) == 1
    assert [d["outcome"] for d in alert_outcomes(db, case_id)] == ["sent"]


def test_failures_back_off_then_give_up_with_one_timeline_entry_listing_the_attempts(db):
    config = Settings(_env_file=None, alert_urls=f"json://127.0.0.1:{free_port()}/nobody", alert_max_attempts=3)
    case_id = broken_case(db)
    t = now()
    for attempt in (1, 2, 3):
        [alert] = claim_alerts(uow_factory(db), t)
        assert alert["attempts"] == attempt
        assert deliver_alert(uow_factory(db), config, AppriseNotifier(), alert, t) == "failed"
        [row] = outbox_rows(db)
        if attempt < 3:
            assert (row.state, row.next_attempt_at) == ("pending", t + backoff(attempt))
            assert claim_alerts(uow_factory(db), t + backoff(attempt) - timedelta(milliseconds=1)) == []
            t = t + backoff(attempt)
    assert (row.state, row.sent_at) == ("failed", None) and "could not deliver" in row.last_error
    assert claim_alerts(uow_factory(db), t + timedelta(days=1)) == []
    [detail] = alert_outcomes(db, case_id)
    assert [(a["attempt"], a["outcome"]) for a in detail["attempts"]] == [(1, "failed"), (2, "failed"), (3, "failed")]
    assert all("could not deliver" in a["error"] for a in detail["attempts"])
    assert (detail["attempt"], detail["outcome"], detail.get("gave_up")) == (3, "failed", True)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 20)] == [1, 2, 4, 8, 600]


def test_an_alert_goes_to_the_route_of_its_partner(db):
    with HttpReceiver() as default, HttpReceiver() as ups_desk:
        config = Settings(
            _env_file=None,
            alert_urls=f"json://127.0.0.1:{default.port}/all",
            alert_routes={"partner:ups": f"json://127.0.0.1:{ups_desk.port}/ups"},
        )
        broken_case(db)
        [alert] = claim_alerts(uow_factory(db), now())
        assert deliver_alert(uow_factory(db), config, AppriseNotifier(), alert, now()) == "sent"
        assert (len(default.requests), [r["path"] for r in ups_desk.requests]) == (0, ["/ups"])


def reopen_twice(db):
    uow = uow_factory(db)
    case = open_complaint(uow, complaint("toujours rien", now()), "agent:t")
    for reference in ("A", "B"):
        record_promises(
            uow,
            case.case_id,
            [spec("parcel.deliver", "ups", reference, now() + timedelta(days=1), recipient="Thomas Gouritin")],
            "agent:t",
        )
        ingest_updates(uow, [field_update("ups", reference, "delivered", now(), signed_by="ROLAND")])
    return case.case_id


def test_escalation_once_per_case_and_reopen_count(db):
    config = Settings(_env_file=None, escalate_on_reopen_count=2, escalate_after_seconds=3600)
    once = broken_case(db, reference="ONCE")  # reopened once, just now: not yet
    twice = reopen_twice(db)
    assert queue_escalations(uow_factory(db), config, now()) == 1
    assert queue_escalations(uow_factory(db), config, now()) == 0
    # Left reopened for longer than the delay: the case reopened once escalates too, once.
    later = now() + timedelta(hours=2)
    assert queue_escalations(uow_factory(db), config, later) == 1
    assert queue_escalations(uow_factory(db), config, later) == 0
    keys = {row.key: row.case_id for row in outbox_rows(db) if row.kind == "escalation"}
    assert keys == {f"{twice}:escalation:2": twice, f"{once}:escalation:1": once}
    for case_id in (once, twice):
        entries = [e for e in read_case(uow_factory(db), case_id).timeline if e.type.value == "escalation"]
        assert len(entries) == 1


def test_partner_request_claims_are_fenced_and_rescheduled_with_backoff(db):
    config = Settings(_env_file=None, outbound_max_attempts=2, outbound_timeout_seconds=2)
    credentials.set_partner(db, "ups", f"http://127.0.0.1:{free_port()}/down", "s", now())
    case_id = broken_case(db)
    t0 = now()
    [stale] = claim_requests(uow_factory(db), t0, lease=timedelta(seconds=1))
    [request] = claim_requests(uow_factory(db), t0 + timedelta(seconds=2))
    assert attempt_request(uow_factory(db), config, stale, t0 + timedelta(seconds=2), 1) == "lost"
    with pytest.raises(Exception, match="ConnectError"):
        attempt_request(uow_factory(db), config, request, t0 + timedelta(seconds=2), 4)
    assert reschedule_request(uow_factory(db), config, request, t0 + timedelta(seconds=3), "down") == "failed"  # 2nd claim
    with db.connect() as conn:
        row = conn.execute(select(tables.outbound_requests)).one()
    assert (row.state, row.attempts, row.last_error) == ("failed", 2, "down")
    outcomes = [e.detail["outcome"] for e in read_case(uow_factory(db), case_id).timeline if e.type.value == "outbound_request"]
    assert outcomes == ["failed", "gave_up"]


@pytest.mark.postgres_only
def test_two_workers_with_their_own_connections_deliver_each_alert_once(db, database_url):
    cases = [broken_case(db, reference=f"1Z{i}", text=f"colis {i}") for i in range(20)]
    with HttpReceiver(respond=lambda n: (time.sleep(0.05), 200)[1]) as http:
        config = Settings(_env_file=None, alert_urls=f"json://127.0.0.1:{http.port}/a")
        start = threading.Barrier(2)
        results: list[list[str]] = [[], []]

        def worker(n: int) -> None:
            engine = make_engine(database_url, pool_size=2)  # a connection pool of its own
            start.wait()
            while batch := claim_alerts(uow_factory(engine), now(), limit=3):
                results[n] += [deliver_alert(uow_factory(engine), config, AppriseNotifier(), alert, now()) for alert in batch]
            engine.dispose()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        bodies = [body["message"] for body in http.json_bodies()]
    assert all(results) and sorted(results[0] + results[1]) == ["sent"] * 20  # both worked, no overlap
    assert len(bodies) == 20 and all(sum(case_id in b for b in bodies) == 1 for case_id in cases)
    assert {row.state for row in outbox_rows(db)} == {"sent"}


def test_a_sent_alert_is_never_claimed_again(db):
    broken_case(db)
    [alert] = claim_alerts(uow_factory(db), now())
    with db.begin() as conn:
        conn.execute(update(tables.outbox).values(state="sent", sent_at=now()))
    assert claim_alerts(uow_factory(db), now() + timedelta(days=365)) == []
    assert alert["state"] == "pending"

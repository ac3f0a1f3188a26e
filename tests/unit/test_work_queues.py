"""Alert delivery, escalation and partner requests as use cases on fake ports: claims with a
lease, fencing by attempt number, backoff, and what goes on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.notify.base import DeliveryError
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.outbound import attempt_request, claim_requests, requests_due
from integrations.services.outbox import alerts_due, backoff, claim_alerts, deliver_alert, queue_escalations
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from integrations.settings import Settings
from tests.builders import complaint, spec, update

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# ignore: _env_file is a BaseSettings.__init__ argument, missing from the fields-only signature mypy gets from pydantic.
SETTINGS = Settings(alert_urls="json://alerts.test", alert_max_attempts=3, escalate_on_reopen_count=2, _env_file=None)  # type: ignore[call-arg]


class Notifier:
    def __init__(self, fail: int = 0) -> None:
        self.sent: list[str] = []
        self.fail = fail

    def send(self, urls, title, body):
        if self.fail:
            self.fail -= 1
            raise DeliveryError("receiver down")
        self.sent.append(body)


def contradicted_case(uow, reference="1Z"):
    case = open_complaint(uow, complaint("colis laissé à un inconnu", T0), "agent", lambda: T0)
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", reference, T0 + timedelta(days=1), recipient="Thomas Gouritin")],
        "agent",
        lambda: T0,
    )
    ingest_updates(uow, [update("ups", reference, "delivered", T0, signed_by="ROLAND")], lambda: T0)
    return case.case_id


def test_a_stale_claim_sends_nothing_and_the_fresh_one_sends_once(uow, store):
    case_id = contradicted_case(uow)
    assert alerts_due(uow, T0)
    [stale] = claim_alerts(uow, T0, lease=timedelta(seconds=1))
    assert not alerts_due(uow, T0) and claim_alerts(uow, T0) == []  # leased
    [fresh] = claim_alerts(uow, T0 + timedelta(seconds=2))  # the first worker is presumed dead
    notifier = Notifier()
    assert deliver_alert(uow, SETTINGS, notifier, stale, T0 + timedelta(seconds=2)) == "lost"
    assert deliver_alert(uow, SETTINGS, notifier, fresh, T0 + timedelta(seconds=2)) == "sent"
    assert deliver_alert(uow, SETTINGS, notifier, stale, T0 + timedelta(seconds=3)) == "lost"
    assert len(notifier.sent) == 1 and case_id in notifier.sent[0]
    assert claim_alerts(uow, T0 + timedelta(days=1)) == []
    outcomes = [e.detail["outcome"] for e in store.timeline if e.type.value == "alert"]
    assert outcomes == ["sent"]


def test_a_failed_delivery_backs_off_then_gives_up(uow, store):
    contradicted_case(uow)
    notifier, now = Notifier(fail=3), T0
    for attempt in (1, 2, 3):
        [alert] = claim_alerts(uow, now)
        assert deliver_alert(uow, SETTINGS, notifier, alert, now) == "failed"
        assert claim_alerts(uow, now + backoff(attempt) - timedelta(milliseconds=1)) == []
        now += backoff(attempt)
    assert claim_alerts(uow, now + timedelta(days=1)) == []  # alert_max_attempts reached
    [alert] = [e.detail for e in store.timeline if e.type.value == "alert"]  # one entry, every attempt on it
    assert [a["attempt"] for a in alert["attempts"]] == [1, 2, 3] and alert.get("gave_up") is True


def test_escalation_once_per_reopen(uow, store):
    case_id = contradicted_case(uow)
    record_promises(uow, case_id, [spec("callback", "cc", "CB", T0 + timedelta(hours=1))], "agent", lambda: T0)
    sweep_deadlines(uow, lambda: T0 + timedelta(hours=2))
    assert store.cases[case_id].reopen_count == 2
    assert queue_escalations(uow, SETTINGS, T0 + timedelta(hours=2)) == 1
    assert queue_escalations(uow, SETTINGS, T0 + timedelta(hours=3)) == 0
    assert [e.type.value for e in store.timeline].count("escalation") == 1


def test_a_partner_without_an_action_url_is_skipped_on_the_timeline(uow, store):
    contradicted_case(uow)
    assert requests_due(uow, T0)
    [request] = claim_requests(uow, T0)
    assert attempt_request(uow, SETTINGS, request, T0, 1) == "skipped"
    assert not requests_due(uow, T0 + timedelta(days=1))
    [entry] = [e.detail for e in store.timeline if e.type.value == "outbound_request"]
    assert entry["outcome"] == "skipped" and "no action URL" in entry["reason"]

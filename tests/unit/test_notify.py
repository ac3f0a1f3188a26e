"""Alert routing, the message community managers read, and apprise failures as errors."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from integrations.notify import routing
from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.notify.base import DeliveryError
from integrations.notify.message import compose
from integrations.settings import Settings
from tests.builders import complaint

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


ROUTED = settings(alert_urls="json://default/a  json://default/b",
                  alert_routes={"partner:ups": "json://ups-desk/", "channel:twitter": "json://social/"},
                  escalation_urls="mailto://ops@example.com")


def test_partner_route_wins_over_channel_route():
    assert routing.targets(ROUTED, "promise_broken", "ups", ["twitter"]) == ["json://ups-desk/"]


def test_channel_route_when_the_partner_has_none():
    assert routing.targets(ROUTED, "promise_broken", "laposte", ["facebook", "twitter"]) == ["json://social/"]


def test_default_targets_are_whitespace_separated():
    assert routing.targets(ROUTED, "promise_broken", "laposte", ["facebook"]) == ["json://default/a",
                                                                                  "json://default/b"]
    assert routing.targets(ROUTED, "customer_disputes", None, []) == ["json://default/a", "json://default/b"]


def test_escalations_go_to_the_escalation_target_else_the_default():
    assert routing.targets(ROUTED, "escalation", "ups", ["twitter"]) == ["mailto://ops@example.com"]
    assert routing.targets(settings(alert_urls="json://default/"), "escalation", None, []) == ["json://default/"]


def test_routes_come_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("TERRAIN_ALERT_ROUTES", '{"partner:ups": "json://ups-desk/ mailto://ups@example.com"}')
    monkeypatch.setenv("TERRAIN_ESCALATION_URLS", "json://ops/")
    loaded = Settings(_env_file=None)
    assert routing.targets(loaded, "promise_broken", "ups", []) == ["json://ups-desk/", "mailto://ups@example.com"]
    assert routing.targets(loaded, "escalation", None, []) == ["json://ops/"]


def broken_alert(evidence):
    return {"case_id": "case-123", "kind": "promise_broken", "payload": {
        "case_id": "case-123", "reason": "wrong_recipient", "verdict": "broken", "evidence": evidence,
        "promise": {"kind": "parcel.deliver", "partner": "ups", "reference": "1Z999", "due_at": AT.isoformat(),
                    "expect": {"recipient": "Thomas Gouritin"}, "said": "livraison dès le lendemain"}}}


def test_message_names_case_words_promise_evidence_and_link():
    complaints = [complaint("Le livreur a oublié de déposer le colis au point relais", AT, author="@tgouritin")]
    title, body = compose(broken_alert({"status": "delivered", "signed_by": "ROLAND"}), complaints,
                          "https://terrain.example/")
    assert "case-123" in title and "wrong_recipient" in title
    for needle in ("@tgouritin", "Le livreur a oublié de déposer le colis", "livraison dès le lendemain",
                   "ups 1Z999", "signed_by=ROLAND", "https://terrain.example/cases/case-123"):
        assert needle in body, needle


def test_message_for_a_missed_deadline_says_nothing_kept_it():
    _, body = compose(broken_alert(None), [], "http://t")
    assert "nothing kept the promise by" in body and "(no complaint text)" in body


def test_escalation_and_dispute_messages():
    title, body = compose({"case_id": "c9", "kind": "escalation",
                           "payload": {"why": "reopened 2 times", "reopen_count": 2}}, [], "http://t")
    assert "ESCALATION" in title and "reopened 2 times" in body and "http://t/cases/c9" in body
    title, _ = compose({"case_id": "c9", "kind": "customer_disputes", "payload": {}}, [], "http://t")
    assert "disputes" in title


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_apprise_returning_false_is_a_delivery_error():
    with pytest.raises(DeliveryError, match="could not deliver"):
        AppriseNotifier().send([f"json://127.0.0.1:{closed_port()}/alerts"], "t", "b")


def test_with_no_target_the_alert_is_written_whole_to_the_log(caplog):
    title, body = compose(broken_alert({"signed_by": "ROLAND"}), [complaint("où est mon colis ?", AT)],
                          "http://terrain.test")
    with caplog.at_level("WARNING", logger="terrain.alerts"):
        AppriseNotifier().send([], title, body)
    [record] = caplog.records
    logged = record.getMessage()
    assert "no alert target is set" in logged and title in logged and body in logged


def test_an_unknown_scheme_is_a_delivery_error():
    with pytest.raises(DeliveryError, match="does not understand"):
        AppriseNotifier().send(["nosuchscheme://x"], "t", "b")

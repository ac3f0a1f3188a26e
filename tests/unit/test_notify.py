"""Alert routing, the message community managers read, and apprise failures as errors."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from integrations.notify import routing
from integrations.notify.apprise_notifier import AppriseNotifier
from integrations.notify.base import DeliveryError
from integrations.notify.message import AlertContext, compose
from integrations.settings import Settings
from tests.builders import complaint

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def settings(**values) -> Settings:
    # ignore: _env_file is a BaseSettings.__init__ argument, missing from the fields-only signature mypy gets from pydantic.
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


ROUTED = settings(
    alert_urls="json://default/a  json://default/b",
    alert_routes={"partner:ups": "json://ups-desk/", "channel:twitter": "json://social/"},
    escalation_urls="mailto://ops@example.com",
)


def test_partner_route_wins_over_channel_route():
    assert routing.targets(ROUTED, "promise_broken", "ups", ["twitter"]) == ["json://ups-desk/"]


def test_channel_route_when_the_partner_has_none():
    assert routing.targets(ROUTED, "promise_broken", "laposte", ["facebook", "twitter"]) == ["json://social/"]


def test_default_targets_are_whitespace_separated():
    assert routing.targets(ROUTED, "promise_broken", "laposte", ["facebook"]) == ["json://default/a", "json://default/b"]
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
    return {
        "case_id": "case-123",
        "kind": "promise_broken",
        "payload": {
            "case_id": "case-123",
            "reason": "wrong_recipient",
            "verdict": "broken",
            "evidence": evidence,
            "promise": {
                "kind": "parcel.deliver",
                "partner": "ups",
                "reference": "1Z999",
                "due_at": AT.isoformat(),
                "expect": {"recipient": "Thomas Gouritin"},
                "said": "livraison dès le lendemain",
            },
        },
    }


def test_message_names_case_words_promise_evidence_and_link():
    complaints = [complaint("Le livreur a oublié de déposer le colis au point relais", AT, author="@tgouritin")]
    title, body = compose(
        broken_alert({"status": "delivered", "signed_by": "ROLAND", "partner": "ups", "occurred_at": AT.isoformat()}),
        complaints,
        "https://terrain.example/",
        AlertContext(case_title="@tgouritin · 1Z999", next_step="Call the customer."),
    )
    assert title == "[Terrain] Promise broken: @tgouritin · 1Z999 (wrong recipient)"
    for needle in (
        "“Le livreur a oublié de déposer le colis au point relais” (@tgouritin, twitter, 2026-03-02 10:00 CET)",
        "Promised: “livraison dès le lendemain” — recipient Thomas Gouritin by 2026-03-02 10:00 CET (ups 1Z999)",
        "Field: delivered (ups, signed by ROLAND, 2026-03-02 10:00 CET)",
        "Next step: Call the customer.",
        "https://terrain.example/cases/case-123",
    ):
        assert needle in body, needle


def test_message_for_a_missed_deadline_gives_the_last_known_status():
    _, body = compose(broken_alert(None), [], "http://t")
    assert "Field, last known status: nothing from the field" in body and "(no complaint text)" in body
    last = {"partner": "ups", "status": "in_transit", "location": "Lyon hub", "occurred_at": "2026-07-01T08:00:00+00:00"}
    _, body = compose(broken_alert(None), [], "http://t", AlertContext(last_update=last, language="fr"))
    assert "Terrain, dernier statut connu : in_transit (ups, lieu Lyon hub, 01/07/2026 10:00 CEST)".replace(" :", ":") in body


def test_escalation_and_dispute_messages():
    title, body = compose(
        {"case_id": "c9", "kind": "escalation", "payload": {"why": "reopened 2 times", "reopen_count": 2}}, [], "http://t"
    )
    assert "ESCALATION" in title and "reopened 2 time(s)" in body and "http://t/cases/c9" in body
    _, body = compose(
        {
            "case_id": "c9",
            "kind": "escalation",
            "payload": {"why": "reopened and unaddressed since 2026-03-02T09:00:00+00:00", "reopen_count": 1},
        },
        [],
        "http://t",
        AlertContext(language="fr"),
    )
    assert "Pourquoi: rouvert et sans réponse depuis le 02/03/2026 10:00 CET." in body
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
    title, body = compose(broken_alert({"signed_by": "ROLAND"}), [complaint("où est mon colis ?", AT)], "http://terrain.test")
    with caplog.at_level("WARNING", logger="terrain.alerts"):
        AppriseNotifier().send([], title, body)
    [record] = caplog.records
    logged = record.getMessage()
    assert "no alert target is set" in logged and title in logged and body in logged


def test_an_unknown_scheme_is_a_delivery_error():
    with pytest.raises(DeliveryError, match="does not understand"):
        AppriseNotifier().send(["nosuchscheme://x"], "t", "b")


def test_the_owner_of_the_case_gets_the_alert_as_well():
    assert routing.targets(ROUTED, "promise_broken", "ups", [], "json://claire/") == ["json://ups-desk/", "json://claire/"]
    assert routing.targets(ROUTED, "escalation", None, [], "json://ups-desk/ json://claire/") == [
        "mailto://ops@example.com",
        "json://ups-desk/",
        "json://claire/",
    ]
    assert routing.targets(ROUTED, "promise_broken", "ups", [], "json://ups-desk/") == ["json://ups-desk/"]

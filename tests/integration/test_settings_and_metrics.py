"""Settings the README names and the `terrain_*` metrics it lists, each observed doing its job."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from integrations.api.app import create_app
from integrations.db import tables
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.outbound import attempt_request, claim_requests
from integrations.services.outbox import claim_alerts, deliver_alert, queue_escalations
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from integrations.settings import Settings
from tests.builders import complaint, spec, update


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- TERRAIN_PLAYBOOKS_FILE -------------------------------------------------------------------


def test_playbooks_file_replaces_the_packaged_playbooks(db, clock, keys, monkeypatch, tmp_path):
    mine = tmp_path / "playbooks.json"
    mine.write_text(
        json.dumps(
            [
                {
                    "name": "our_own_answer",
                    "title": "Ours",
                    "problem": "a local habit",
                    "promises": [{"kind": "callback", "due_in_hours": 2, "said": "On vous rappelle."}],
                }
            ]
        )
    )

    def names() -> list[str]:
        # ignore: _env_file is a BaseSettings.__init__ argument, missing from the fields-only signature mypy gets from pydantic.
        with TestClient(create_app(Settings(database_url="sqlite://", _env_file=None), engine=db, clock=clock)) as c:  # type: ignore[call-arg]
            answer = c.get("/v1/playbooks", headers=keys["agent"])
        assert answer.status_code == 200
        return [p["name"] for p in answer.json()["playbooks"]]

    monkeypatch.delenv("TERRAIN_PLAYBOOKS_FILE", raising=False)
    assert "parcel_stuck_at_depot" in names()
    monkeypatch.setenv("TERRAIN_PLAYBOOKS_FILE", str(mine))
    assert names() == ["our_own_answer"]


# --- escalation defaults -----------------------------------------------------------------------


def reopened_case(uow, clock, reference: str) -> str:
    """A delivery signed by a stranger: the case is reopened at clock.now."""
    case = open_complaint(uow, complaint(f"parcel {reference}", clock.now), "agent:cm", clock)
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", reference, clock.now + timedelta(days=1), recipient="Thomas Gouritin")],
        "agent:cm",
        clock,
    )
    ingest_updates(uow, [update("ups", reference, "delivered", clock.now, signed_by="ROLAND")], clock)
    return case.case_id


def test_escalation_defaults_are_four_hours_or_a_second_reopen(uow, db, clock, monkeypatch):
    for name in ("TERRAIN_ESCALATE_AFTER_SECONDS", "TERRAIN_ESCALATE_ON_REOPEN_COUNT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    reopened_at = clock.now
    once = reopened_case(uow, clock, "1Z-ONCE")

    twice = reopened_case(uow, clock, "1Z-TWICE")
    record_promises(uow, twice, [spec("callback", "cc", "CB", clock.now + timedelta(minutes=30))], "agent:cm", clock)
    clock.advance(hours=1)
    sweep_deadlines(uow, clock)  # the callback was missed: reopened a second time

    def escalated() -> dict[str, str]:
        with db.connect() as conn:
            rows = conn.execute(
                select(tables.outbox.c.case_id, tables.outbox.c.payload).where(tables.outbox.c.kind == "escalation")
            ).all()
        return {case_id: payload["why"] for case_id, payload in rows}

    assert queue_escalations(uow, settings, clock.now) == 1
    assert escalated() == {twice: "reopened 2 times"}
    clock.now = reopened_at + timedelta(hours=4) - timedelta(seconds=1)
    assert queue_escalations(uow, settings, clock.now) == 0
    clock.now = reopened_at + timedelta(hours=4)
    assert queue_escalations(uow, settings, clock.now) == 1
    assert escalated()[once].startswith("reopened and unaddressed since")


# --- the nine terrain_* metrics ------------------------------------------------------------


def test_each_metric_of_the_readme_is_exposed():
    from prometheus_client import generate_latest

    text = generate_latest().decode()
    for name in (
        "terrain_updates_ingested_total",
        "terrain_verdicts_total",
        "terrain_reopens_total",
        "terrain_alerts_sent_total",
        "terrain_alerts_failed_total",
        "terrain_outbound_requests_total",
        "terrain_sweep_duration_seconds",
        "terrain_outbox_depth",
        "terrain_http_request_duration_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name


def test_ingest_verdict_reopen_outbox_and_http_metrics_follow_the_events(client, keys, db, clock):
    ingested = dict(partner="ups", status="delivered", result="matched")
    http = dict(method="POST", route="/v1/updates", status="200")
    before = (
        sample("terrain_updates_ingested_total", **ingested),
        sample("terrain_verdicts_total", verdict="broken", reason="wrong_recipient"),
        sample("terrain_reopens_total"),
        sample("terrain_http_request_duration_seconds_count", **http),
    )
    case = client.post(
        "/v1/complaints",
        headers=keys["agent"],
        json={
            "channel": "twitter",
            "external_id": "tw-metrics",
            "author": "@tg",
            "text": "colis signé par un inconnu",
            "posted_at": clock.now.isoformat(),
        },
    ).json()["case_id"]
    assert (
        client.post(
            f"/v1/cases/{case}/promises",
            headers=keys["agent"],
            json={
                "kind": "parcel.deliver",
                "partner": "ups",
                "reference": "1Z-M",
                "due_at": (clock.now + timedelta(days=1)).isoformat(),
                "expect": {"recipient": "Thomas Gouritin"},
            },
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/v1/updates",
            headers=keys["ups"],
            json={
                "event_id": "m1",
                "reference": "1Z-M",
                "status": "delivered",
                "signed_by": "ROLAND",
                "occurred_at": clock.now.isoformat(),
            },
        ).json()["matched"]
        == 1
    )
    after = (
        sample("terrain_updates_ingested_total", **ingested),
        sample("terrain_verdicts_total", verdict="broken", reason="wrong_recipient"),
        sample("terrain_reopens_total"),
        sample("terrain_http_request_duration_seconds_count", **http),
    )
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1, 1]
    with db.connect() as conn:
        pending = conn.execute(select(func.count()).select_from(tables.outbox).where(tables.outbox.c.state == "pending")).scalar()
    assert pending == 1
    assert client.get("/metrics").status_code == 200
    assert sample("terrain_outbox_depth") == pending


class Notifier:
    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def send(self, urls, title, body):
        if self.fail:
            from integrations.notify.base import DeliveryError

            raise DeliveryError("receiver down")


@pytest.mark.parametrize("fail,metric", [(False, "terrain_alerts_sent_total"), (True, "terrain_alerts_failed_total")])
def test_alert_metrics_count_deliveries_and_failures(uow, clock, fail, metric):
    reopened_case(uow, clock, "1Z-A")
    settings = Settings(alert_urls="json://alerts.test", _env_file=None)
    before = sample(metric, kind="promise_broken")
    [alert] = claim_alerts(uow, clock.now)
    assert deliver_alert(uow, settings, Notifier(fail), alert, clock.now) == ("failed" if fail else "sent")
    assert sample(metric, kind="promise_broken") - before == 1


def test_outbound_requests_metric_counts_each_outcome(uow, clock):
    case = open_complaint(uow, complaint("rappel ?", clock.now), "agent:cm", clock)
    record_promises(uow, case.case_id, [spec("callback", "nobody", "CB1", clock.now + timedelta(hours=2))], "agent:cm", clock)
    before = sample("terrain_outbound_requests_total", outcome="skipped")
    [request] = claim_requests(uow, clock.now)
    assert attempt_request(uow, Settings(_env_file=None), request, clock.now, 1) == "skipped"
    assert sample("terrain_outbound_requests_total", outcome="skipped") - before == 1

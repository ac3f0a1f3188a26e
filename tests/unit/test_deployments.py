"""deployments/prefect.yaml names flows that exist, with parameters they take."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import yaml
from prefect import Flow

PREFECT_YAML = Path(__file__).resolve().parents[2] / "deployments" / "prefect.yaml"
DEPLOYMENTS = yaml.safe_load(PREFECT_YAML.read_text())["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_each_deployment_runs_a_flow_with_parameters_it_takes(deployment):
    path, _, name = deployment["entrypoint"].partition(":")
    flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
    assert isinstance(flow, Flow) and flow.name == deployment["name"]
    accepted = inspect.signature(flow.fn).parameters
    assert set(deployment.get("parameters") or {}) <= set(accepted)
    assert deployment["work_pool"]["name"] == "terrain"
    assert all(schedule["interval"] > 0 for schedule in deployment.get("schedules") or [])


def test_the_yaml_and_the_embedded_scheduler_follow_one_table():
    from integrations.schedules import ALERT_WATCH_SECONDS, INTERVALS
    from integrations.settings import Settings

    yaml_intervals = {d["name"]: d["schedules"][0]["interval"] for d in DEPLOYMENTS}
    assert yaml_intervals == INTERVALS
    alert = next(d for d in DEPLOYMENTS if d["name"] == "alert-delivery")
    assert alert["parameters"]["watch_seconds"] == ALERT_WATCH_SECONDS
    settings = Settings(_env_file=None)
    assert settings.sweep_interval_seconds == yaml_intervals["deadline-sweep"]
    assert settings.escalation_interval_seconds == yaml_intervals["escalation"]
    assert settings.partner_request_poll_seconds == yaml_intervals["dispatch-partner-requests"]
    assert settings.alert_watch_seconds == ALERT_WATCH_SECONDS


def test_the_embedded_scheduler_runs_each_loop_at_its_interval(monkeypatch):
    import threading

    from flows import scheduler
    from integrations.settings import Settings

    seen: dict[str, float] = {}
    monkeypatch.setattr(scheduler.context, "settings", lambda: Settings(_env_file=None))
    monkeypatch.setattr(scheduler.logging_setup, "configure", lambda **_: None)
    monkeypatch.setattr(scheduler, "_loop", lambda name, step, every, stop: seen.__setitem__(name, every))
    stop = threading.Event()
    stop.set()
    try:
        scheduler.run_forever(stop, grace_seconds=1)
    finally:
        scheduler.context.stop_event().clear()  # run_forever leaves it set: later flows would stop at once
    assert seen == {"sweep": 30, "escalation": 300, "alerts": 0.5, "partner-requests": 10, "carrier-polls": 5}

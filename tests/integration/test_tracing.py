"""OpenTelemetry: one trace from a partner's update to the alert a flow delivers for it; and
nothing of OpenTelemetry loaded when no exporter is configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from integrations import tracing
from integrations.api.app import create_app
from integrations.db import credentials, tables
from integrations.db.engine import make_engine
from integrations.settings import Settings
from tests.integration.receivers import HttpReceiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spans():
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    assert tracing.setup(exporter)
    yield exporter
    tracing.shutdown()


def test_one_trace_from_a_partner_update_to_the_alert_it_causes(db, database_url, clock, spans, monkeypatch):
    from flows.alert_delivery import deliver_batch

    engine = make_engine(database_url)  # made after setup: its queries are traced
    agent = {"Authorization": f"Bearer {credentials.create_key(db, 'agent', None, clock())}"}
    partner = {"Authorization": f"Bearer {credentials.create_key(db, 'partner', 'ups', clock())}"}
    app = create_app(Settings(database_url=database_url), engine=engine, clock=clock)
    with TestClient(app) as client:
        case = client.post(
            "/v1/complaints",
            headers=agent,
            json={
                "channel": "twitter",
                "external_id": "trace-1",
                "author": "@c",
                "text": "livré au voisin ?",
                "posted_at": clock.now.isoformat(),
            },
        ).json()
        client.post(
            f"/v1/cases/{case['case_id']}/promises",
            headers=agent,
            json={
                "kind": "parcel.deliver",
                "partner": "ups",
                "reference": "1ZTRACE",
                "due_at": (clock.now + timedelta(days=1)).isoformat(),
                "expect": {"recipient": "Thomas Gouritin"},
            },
        )
        spans.clear()
        answer = client.post(
            "/v1/updates",
            headers=partner,
            json={  # the hot path, through the group commit
                "event_id": "tr-1",
                "reference": "1ZTRACE",
                "status": "delivered",
                "occurred_at": clock.now.isoformat(),
                "signed_by": "ROLAND",
            },
        )
        assert answer.json()["matched"] == 1
    with engine.connect() as conn:
        [payload] = conn.execute(select(tables.outbox.c.payload)).scalars()
    assert payload["_trace"]["traceparent"].startswith("00-")  # the trace travels with the row

    with HttpReceiver() as alerts:
        monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
        monkeypatch.setenv("TERRAIN_ALERT_URLS", f"json://127.0.0.1:{alerts.port}/alerts")
        assert deliver_batch.fn(10)["sent"] == 1  # later, in a flow worker
        assert alerts.requests

    finished = spans.get_finished_spans()
    server = next(s for s in finished if s.kind.name == "SERVER" and s.attributes.get("http.route") == "/v1/updates")
    trace_id = server.context.trace_id
    in_trace = [s for s in finished if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace}

    def ancestors(span):
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            yield span

    group = next(s for s in in_trace if s.name == "ingest.group")
    assert server in ancestors(group)
    outbox_insert = [s for s in in_trace if s.attributes.get("db.statement", "").startswith("INSERT INTO outbox")]
    assert outbox_insert and all(group in ancestors(s) for s in outbox_insert)
    [delivery] = [s for s in in_trace if s.name == "alert.deliver"]
    assert delivery.attributes["terrain.case_id"] == case["case_id"]
    assert delivery.attributes["terrain.verdict"] == "broken"
    assert json.loads(json.dumps(dict(delivery.attributes)))["terrain.alert_kind"] == "promise_broken"
    assert delivery.parent is not None and delivery.parent.trace_id == trace_id


def test_without_an_endpoint_nothing_of_opentelemetry_is_loaded(tmp_path):
    """The production factory with OTEL_EXPORTER_OTLP_ENDPOINT unset: no SDK, no instrumentation."""
    code = (
        "import sys\n"
        "from integrations.api.app import app_from_env\n"
        "from integrations import tracing\n"
        "app = app_from_env()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('opentelemetry.sdk', 'opentelemetry.instrumentation')))\n"
        "print(tracing.active(), loaded, [m.cls.__name__ for m in app.user_middleware])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(PYTHONPATH=str(ROOT), TERRAIN_DATABASE_URL=f"sqlite:///{tmp_path / 't.db'}")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == (
        "False [] ['RequestContext', 'SecurityHeaders', 'BodySizeLimit', 'RequestTiming', 'UpdatesFastPath']"
    )


def test_with_an_endpoint_the_otlp_exporter_is_installed(tmp_path):
    code = (
        "from integrations import tracing\n"
        "on = tracing.setup()\n"
        "[processor] = tracing._state['provider']._active_span_processor._span_processors\n"
        "print(on, type(processor).__name__, type(processor._batch_processor._exporter).__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.split() == ["True", "BatchSpanProcessor", "OTLPSpanExporter"]

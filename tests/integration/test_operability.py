"""What an operator relies on: request ids and context on every log line, an access log,
secrets never logged, liveness apart from readiness, /metrics guarded and right under several
processes, and an OpenAPI document a client can be generated from."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from integrations import logging_setup
from integrations.api.app import create_app
from integrations.db import credentials
from integrations.db.migrate import upgrade
from integrations.payments.stripe import sign
from integrations.settings import Settings
from tests.integration.receivers import HttpReceiver
from tests.unit.test_webhook_providers import stripe_body

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def logs():
    """Every line logged meanwhile, by anyone, through Terrain's JSON formatter, at DEBUG."""
    buffer = io.StringIO()
    logging_setup.configure(fmt="json", level="DEBUG", stream=buffer, force=True)
    root = logging.getLogger()
    handler = next(h for h in root.handlers if h.get_name() == "terrain")

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]

    lines.text = buffer.getvalue  # type: ignore[attr-defined]
    yield lines
    root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    logging_setup._configured = False


def update(event_id: str, clock, **extra) -> dict:
    return {"event_id": event_id, "reference": "1Z1", "status": "in_transit", "occurred_at": clock.now.isoformat(), **extra}


def test_every_answer_carries_a_request_id_refusals_and_the_hot_path_included(client, keys, clock):
    given = client.post("/v1/updates", json=update("e1", clock), headers={**keys["ups"], "X-Request-ID": "req-42.a"})
    assert given.status_code == 200 and given.headers["x-request-id"] == "req-42.a"
    made = client.post("/v1/updates", json=update("e2", clock), headers=keys["ups"])
    assert len(made.headers["x-request-id"]) == 32 and made.headers["x-request-id"] != "req-42.a"
    insane = client.get("/livez", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 200})
    assert insane.headers["x-request-id"] not in ("", "bad id\twith spaces")
    for answer in (
        client.post("/v1/updates", json=update("e3", clock)),  # 401
        client.get("/v1/ops/stuck", headers=keys["ups"]),  # 403
        client.get("/no/such/page"),  # 404 unmatched
        client.post("/v1/updates", content=b"x" * (6 * 1024 * 1024), headers=keys["ups"]),
    ):  # 413
        assert answer.status_code >= 400 and len(answer.headers["x-request-id"]) == 32
        assert "error" in answer.json()


def test_the_hot_path_answers_with_what_the_middleware_stack_gives_every_other_answer(app, client, keys, clock):
    """Single updates are answered in front of the middleware stack: they still get its security
    headers, request id, timing metric and body limit (chunked bodies included)."""
    from integrations import metrics

    assert app.edge is not None  # tracing off: the hot path runs first
    stack = client.get("/livez")
    samples = lambda: metrics.HTTP_DURATION.labels("POST", "/v1/updates", "200")._sum.get()  # noqa: E731
    before = samples()
    hot = client.post("/v1/updates", json=update("edge-1", clock), headers={**keys["ups"], "X-Forwarded-Proto": "https"})
    assert hot.status_code == 200 and hot.json() == {"accepted": 1, "duplicates": 0, "matched": 0}
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert hot.headers[name] == stack.headers[name]
    assert hot.headers["strict-transport-security"].startswith("max-age=")  # over TLS at the proxy
    assert "strict-transport-security" not in stack.headers
    assert samples() > before  # timed under its route
    chunks = iter([b'{"event_id": "big", "reference": "R", "status": "in_transit", "detail": "', b"x" * (6 * 1024 * 1024), b'"}'])
    big = client.post("/v1/updates", content=chunks, headers={**keys["ups"], "Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"


def test_each_line_of_a_request_carries_its_id_and_the_access_line_its_route(app, client, keys, clock, logs):
    from starlette.concurrency import run_in_threadpool

    @app.get("/v1/test-logging/{case_id}")
    async def logs_twice(case_id: str):
        logging.getLogger("terrain.test").info("in the event loop")
        await run_in_threadpool(lambda: logging.getLogger("terrain.test").info("in a worker thread"))
        return {}

    client.post("/v1/updates", json=update("a0", clock), headers=keys["ups"])  # the key is now cached
    client.post("/v1/updates", json=update("a1", clock), headers={**keys["ups"], "X-Request-ID": "hot-1"})
    case = client.post(
        "/v1/complaints",
        headers={**keys["agent"], "X-Request-ID": "cmp-1"},
        json={
            "channel": "twitter",
            "external_id": "t-1",
            "author": "@a",
            "text": "colis perdu",
            "posted_at": clock.now.isoformat(),
        },
    ).json()
    client.get(f"/v1/cases/{case['case_id']}", headers={**keys["agent"], "X-Request-ID": "read-1"})
    client.get("/v1/ops/stuck", headers={**keys["ups"], "X-Request-ID": "denied-1"})
    access = {line["request_id"]: line for line in logs() if line["logger"] == "terrain.access"}
    assert access["hot-1"]["path"] == "/v1/updates" and access["hot-1"]["status"] == 200
    assert access["hot-1"]["partner"] == "ups" and access["hot-1"]["method"] == "POST"
    assert access["cmp-1"]["path"] == "/v1/complaints" and access["cmp-1"]["status"] == 201
    assert access["read-1"]["path"] == "/v1/cases/{case_id}" and access["read-1"]["case_id"] == case["case_id"]
    assert access["denied-1"]["status"] == 403 and access["denied-1"]["partner"] == "ups"
    assert all(isinstance(line["duration_ms"], float) and line["level"] == "info" for line in access.values())
    client.get("/v1/test-logging/c-9", headers={"X-Request-ID": "inner-1"})
    inner = [line for line in logs() if line["logger"] == "terrain.test"]
    assert [line["msg"] for line in inner] == ["in the event loop", "in a worker thread"]
    assert all(line["request_id"] == "inner-1" for line in inner)


def test_a_full_run_never_logs_a_token_a_secret_or_a_password(db, clock, logs, monkeypatch, database_url):
    """Keys, a webhook secret, a Stripe key, an action URL and an alert URL with credentials go
    through the API, the flows' alert delivery and partner requests; no log line shows them."""
    from flows.alert_delivery import deliver_batch
    from flows.complaint_workflow import _send
    from integrations.db.unit_of_work import uow_factory
    from integrations.services.outbound import claim_requests

    agent, partner = (credentials.create_key(db, "agent", None, clock()), credentials.create_key(db, "partner", "ups", clock()))
    webhook_secret, action_secret = "whsec_Sup3rS3cretWebhook", "act_Sup3rS3cretSigning"
    stripe_key = "sk_test_51LeakMeNot0123456789"
    secrets = [agent, partner, webhook_secret, action_secret, stripe_key, "actionpw-9f8e7d", "alertpw-1a2b3c"]
    credentials.set_webhook_secret(db, "stripe-fr", "stripe", webhook_secret, clock())
    with (
        HttpReceiver(respond=lambda n: 500 if n == 1 else 200) as actions,
        HttpReceiver() as alerts,
        HttpReceiver(body={"id": "re_1", "object": "refund", "status": "pending"}) as stripe_api,
    ):
        credentials.set_partner(db, "stripe-fr", f"stripe:http://127.0.0.1:{stripe_api.port}", stripe_key, clock())
        credentials.set_partner(db, "ups", f"http://ups:actionpw-9f8e7d@127.0.0.1:{actions.port}/act", action_secret, clock())
        monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
        monkeypatch.setenv("TERRAIN_ALERT_URLS", f"json://terrain:alertpw-1a2b3c@127.0.0.1:{alerts.port}/alerts")
        app = create_app(Settings(database_url="sqlite://"), engine=db, clock=clock)
        with TestClient(app) as client:
            bearer = {"Authorization": f"Bearer {agent}"}
            case = client.post(
                "/v1/complaints",
                headers=bearer,
                json={
                    "channel": "twitter",
                    "external_id": "s-1",
                    "author": "@a",
                    "text": "colis livré à un voisin",
                    "posted_at": clock.now.isoformat(),
                },
            ).json()
            client.post(
                f"/v1/cases/{case['case_id']}/promises",
                headers=bearer,
                json={
                    "kind": "parcel.deliver",
                    "partner": "ups",
                    "reference": "1Z1",
                    "due_at": (clock.now + timedelta(days=1)).isoformat(),
                    "expect": {"recipient": "Thomas Gouritin"},
                },
            )
            client.post(
                f"/v1/cases/{case['case_id']}/promises",
                headers=bearer,
                json={
                    "kind": "refund.issue",
                    "partner": "stripe-fr",
                    "reference": "pi_1",
                    "due_at": (clock.now + timedelta(days=5)).isoformat(),
                    "expect": {"amount": "89.90", "currency": "EUR"},
                },
            )
            answer = client.post(
                "/v1/updates",
                headers={"Authorization": f"Bearer {partner}"},
                json=update("d1", clock, status="delivered", signed_by="ROLAND"),
            )
            assert answer.json()["matched"] == 1
            body = stripe_body(amount=8990, currency="eur")
            assert (
                client.post(
                    "/v1/webhooks/stripe/stripe-fr",
                    content=body,
                    headers={"Stripe-Signature": sign(webhook_secret, body, int(clock.now.timestamp()))},
                ).status_code
                == 200
            )
            assert (
                client.post(
                    "/v1/webhooks/stripe/stripe-fr",
                    content=body,
                    headers={"Stripe-Signature": sign("whsec_wrongWrongWrong", body, 1)},
                ).status_code
                == 401
            )
            assert client.get("/v1/cases/nope", headers={"Authorization": f"Bearer {agent}x"}).status_code == 401
            logging.getLogger("terrain.test").warning("configured %s with token=%s", actions.port, partner)
        assert deliver_batch.fn(50)["sent"] >= 1  # the contradicted promise's alert
        for request in claim_requests(uow_factory(db), clock(), 50, timedelta(seconds=60)):
            asyncio.run(_send(request))
        assert alerts.requests and actions.requests and stripe_api.requests  # the run reached every receiver
    text = logs.text()
    assert '"logger":"terrain.access"' in text and '"logger":"terrain.alerts"' in text
    assert '"logger":"terrain.partner_requests"' in text
    for secret in secrets:
        assert secret not in text, f"{secret[:6]}… was logged"


def test_log_format_follows_the_environment_and_the_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert logging_setup.log_format({}, io.StringIO()) == "json"
    assert logging_setup.log_format({}, Tty()) == "console"
    assert logging_setup.log_format({"TERRAIN_LOG_FORMAT": "console"}, io.StringIO()) == "console"
    assert logging_setup.log_format({"TERRAIN_LOG_FORMAT": "JSON"}, Tty()) == "json"


@pytest.mark.parametrize(
    "raw,leaked",
    [
        ("Authorization: Bearer trn_p_abcdefghijklmnop", "abcdefghijklmnop"),
        ("posting to https://user:hunter2pass@partner.example/act", "hunter2pass"),
        ("stripe key sk_live_51HxYzAbCdEf rejected", "51HxYzAbCdEf"),
        ("secret=whsec_abcdef123456", "abcdef123456"),
        ('{"password": "p4ssw0rd!"}', "p4ssw0rd!"),
    ],
)
def test_redaction(raw, leaked):
    assert leaked not in logging_setup.redact(raw)


def test_liveness_health_and_readiness(client):
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_readiness_is_503_when_the_schema_is_behind_while_liveness_holds(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(url, "0010_people_sessions")
    app = create_app(Settings(database_url=url), engine=create_engine(url), clock=clock)
    with TestClient(app) as client:
        assert client.get("/livez").status_code == 200
        for path in ("/readyz", "/healthz"):
            answer = client.get(path)
            assert answer.status_code == 503 and answer.json()["error"]["code"] == "schema_behind"
            assert answer.json()["error"]["details"]["current"] == ["0010_people_sessions"]


def test_metrics_behind_a_token_when_one_is_set(db, clock):
    app = create_app(Settings(database_url="sqlite://", metrics_token="m3trics-t0ken"), engine=db, clock=clock)
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
        right = client.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"})
        assert right.status_code == 200 and "terrain_outbox_depth" in right.text


def test_metrics_sum_every_worker_process_in_multiprocess_mode(tmp_path, database_url):
    """Two 'workers' count updates in their own processes; /metrics served by a third shows the sum."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from integrations import metrics\nmetrics.UPDATES_INGESTED.labels('ups', 'delivered', 'accepted').inc({n})\n"
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, check=True, timeout=60)
    serve = (
        "from fastapi.testclient import TestClient\n"
        "from integrations.api.app import create_app\n"
        "from integrations.settings import Settings\n"
        f"app = create_app(Settings(database_url={database_url!r}))\n"
        "print(TestClient(app).get('/metrics').text)\n"
    )
    text = subprocess.run([sys.executable, "-c", serve], env=env, check=True, capture_output=True, text=True, timeout=120).stdout
    assert 'terrain_updates_ingested_total{partner="ups",result="accepted",status="delivered"} 7.0' in text


def test_openapi_declares_security_errors_and_enums(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearer"]["description"],
    }
    envelope = schema["components"]["schemas"]["ErrorOut"]
    assert envelope["properties"]["error"]["$ref"].endswith("/ErrorBody")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1/"):
                continue
            where = f"{method.upper()} {path}"
            for status in ("401", "422", "503"):
                assert operation["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut"), (
                    where
                )
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            body = operation["responses"][ok]["content"]["application/json"]["schema"]
            assert "$ref" in body or "anyOf" in body, f"{where} returns an undeclared body"
            if not path.startswith("/v1/webhooks"):
                assert operation["security"] == [{"bearer": []}], where
    components = schema["components"]["schemas"]
    assert set(components["UpdateIn"]["properties"]["status"]["enum"]) >= {"delivered", "in_transit", "lost"}
    assert "refund.issue" in components["StepView"]["properties"]["kind"]["enum"]
    assert components["CaseView"]["properties"]["status"]["enum"] == ["open", "in_progress", "reopened", "resolved", "closed"]
    [provider] = [
        p for p in schema["paths"]["/v1/webhooks/{provider}/{partner}"]["post"]["parameters"] if p["name"] == "provider"
    ]
    from integrations.webhooks.registry import PROVIDERS

    assert provider["schema"]["enum"] == sorted(PROVIDERS) and {"aftership", "easypost", "stripe"} <= set(PROVIDERS)


def test_a_missing_or_foreign_token_keeps_the_error_envelope(client, keys):
    missing = client.get("/v1/partners/me/steps")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    basic = client.get("/v1/partners/me/steps", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401 and basic.json()["error"]["code"] == "unauthorized"
    steps = client.get("/v1/partners/me/steps", headers=keys["ups"])
    assert steps.status_code == 200 and steps.json() == {"partner": "ups", "steps": []}


def test_serve_prepares_the_multiprocess_directory(tmp_path):
    from integrations.cli.serve import metrics_directory

    assert metrics_directory(1, {}) is None  # one process: plain in-memory metrics
    environ: dict[str, str] = {}
    made = metrics_directory(3, environ)
    assert made and environ["PROMETHEUS_MULTIPROC_DIR"] == made and Path(made).is_dir()
    Path(made).rmdir()
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"stale figures of a previous run")
    (given / "keep.txt").write_text("not ours")
    assert metrics_directory(2, {"PROMETHEUS_MULTIPROC_DIR": str(given)}) == str(given)
    assert sorted(p.name for p in given.iterdir()) == ["keep.txt"]


def test_the_access_log_can_be_turned_off(db, clock, logs):
    app = create_app(Settings(database_url="sqlite://", access_log=False), engine=db, clock=clock)
    with TestClient(app) as client:
        answer = client.get("/livez", headers={"X-Request-ID": "quiet-1"})
    assert answer.headers["x-request-id"] == "quiet-1"  # the id is still sent back
    assert not [line for line in logs() if line["logger"] == "terrain.access"]

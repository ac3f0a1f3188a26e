"""The Prefect flows on a real (temporary) Prefect server, with real receivers on localhost:
alerts through apprise to an HTTP endpoint and an SMTP server, partner requests to a local
partner and a local server that plays Stripe."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.sorting import FlowRunSort
from prefect.testing.utilities import prefect_test_harness
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from flows import context
from flows.alert_delivery import alert_delivery
from flows.complaint_workflow import dispatch_partner_requests
from flows.deadline_sweep import deadline_sweep
from flows.escalation import escalation
from integrations.db import credentials, queries, tables
from integrations.db.unit_of_work import uow_factory
from integrations.services.cases import read_case
from integrations.services.ingest import ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update
from tests.integration.receivers import HttpReceiver, SmtpReceiver, free_port


class BlackHoleServer:
    """Accepts connections and never answers; `on_connect` is called for each one."""

    def __init__(self, on_connect=lambda: None) -> None:
        self.on_connect = on_connect
        self.held: list[socket.socket] = []

    def __enter__(self) -> BlackHoleServer:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while self.open:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)
            self.on_connect()

    def __exit__(self, *exc) -> None:
        self.open = False
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(scope="session")
def prefect_server():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def env(monkeypatch, database_url, prefect_server):
    monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
    monkeypatch.setenv("TERRAIN_PUBLIC_URL", "http://terrain.test")

    def configure(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"TERRAIN_{key.upper()}", value)

    return configure


def now():
    return datetime.now(UTC)


def broken_case(db, reference="1Z", partner="ups"):
    """UPS delivers to ROLAND at the wrong address: a contradiction, an alert queued."""
    uow = uow_factory(db)
    case = open_complaint(
        uow, complaint("Le livreur a laissé mon colis à un inconnu", now(), channel="twitter", author="@tgouritin"), "agent:t"
    )
    record_promises(
        uow,
        case.case_id,
        [
            spec(
                "parcel.deliver",
                partner,
                reference,
                now() + timedelta(days=1),
                said="livraison dès le lendemain",
                recipient="Thomas Gouritin",
            )
        ],
        "agent:t",
    )
    ingest_updates(uow, [update(partner, reference, "delivered", now(), signed_by="ROLAND")])
    return case.case_id


def run(flow, **kwargs):
    return asyncio.run(flow(**kwargs))


def test_alert_reaches_http_and_smtp_receivers_once(db, env):
    with HttpReceiver() as http, SmtpReceiver() as smtp:
        env(alert_urls=f"json://127.0.0.1:{http.port}/alerts {smtp.url()}")
        case_id = broken_case(db)
        assert run(alert_delivery) == {"sent": 1, "failed": 0}
        assert run(alert_delivery) == {"sent": 0, "failed": 0}  # never twice for the same key
        [message] = http.json_bodies()
        for needle in (
            case_id,
            "Le livreur a laissé mon colis",
            "livraison dès le lendemain",
            "ROLAND",
            f"http://terrain.test/cases/{case_id}",
        ):
            assert needle in message["message"], needle
        [mail] = smtp.messages
        body = email.message_from_bytes(mail.content, policy=email.policy.default).get_body(("plain",)).get_content()
        assert mail.rcpt_tos == ["cm@example.com"] and f"http://terrain.test/cases/{case_id}" in body
    timeline = read_case(uow_factory(db), case_id).timeline
    assert [e.detail["outcome"] for e in timeline if e.type.value == "alert"] == ["sent"]


def test_a_watching_run_delivers_alerts_that_come_due_while_it_runs(db, env):
    """One flow run, several alerts: each one queued after the run started is delivered by that
    same run, without a flow run of its own; a stop request ends the watch long before its end.
    (How fast is for scripts/bench_alerts.py; here only what happens, with generous waits.)"""
    with HttpReceiver() as http:
        env(alert_urls=f"json://127.0.0.1:{http.port}/alerts", alert_poll_seconds="0.1")
        broken_case(db, reference="W0")
        result: dict = {}
        watcher = threading.Thread(target=lambda: result.update(run(alert_delivery, watch_seconds=900)), daemon=True)
        watcher.start()
        try:
            for n in (1, 2):
                assert http.wait_for(n)
                broken_case(db, reference=f"W{n}")
                assert http.wait_for(n + 1), f"alert {n + 1} was never delivered"
                assert watcher.is_alive()  # so the run that was already watching delivered it
        finally:
            context.stop_event().set()
            watcher.join(60)
            context.stop_event().clear()
        assert not watcher.is_alive(), "the stop request did not end the watch"
        assert result == {"sent": 3, "failed": 0} and len(http.requests) == 3


def test_a_receiver_that_is_down_gets_the_alert_when_it_comes_back(db, env):
    with HttpReceiver(respond=lambda n: 503 if n == 1 else 200) as http:
        env(alert_urls=f"json://127.0.0.1:{http.port}/alerts")
        case_id = broken_case(db)
        assert run(alert_delivery) == {"sent": 0, "failed": 1}
        assert run(alert_delivery) == {"sent": 0, "failed": 0}  # backoff: not due yet
        time.sleep(1.2)
        assert run(alert_delivery) == {"sent": 1, "failed": 0}
        assert len(http.requests) == 2
    [alert] = [e.detail for e in read_case(uow_factory(db), case_id).timeline if e.type.value == "alert"]
    assert [a["outcome"] for a in alert["attempts"]] == ["failed", "sent"] and alert["outcome"] == "sent"
    with db.connect() as conn:
        row = conn.execute(select(tables.outbox)).one()
    assert (row.state, row.attempts) == ("sent", 2)


def test_partner_request_is_signed_retried_and_sent_once(db, env):
    with HttpReceiver(respond=lambda n: 500 if n == 1 else 200) as partner:
        env()
        credentials.set_partner(db, "ups", f"http://127.0.0.1:{partner.port}/actions", "act-secret", now())
        case_id = broken_case(db)
        outcomes = run(dispatch_partner_requests)
        assert list(outcomes.values()) == ["sent"]
        assert run(dispatch_partner_requests) == {}  # sent once: the promise id is the idempotency key
        assert len(partner.requests) == 2
        sent = partner.requests[-1]
        promise_id = list(outcomes)[0]
        assert sent["headers"]["Idempotency-Key"] == promise_id
        t, v1 = (part.split("=", 1)[1] for part in sent["headers"]["X-Terrain-Signature"].split(","))
        assert hmac.compare_digest(v1, hmac.new(b"act-secret", f"{t}.".encode() + sent["body"], hashlib.sha256).hexdigest())
    attempts = [e.detail for e in read_case(uow_factory(db), case_id).timeline if e.type.value == "outbound_request"]
    assert [a["outcome"] for a in attempts] == ["failed", "sent"]

    async def flow_runs():
        async with get_client() as client:
            return {r.name: r.tags for r in await client.read_flow_runs(limit=200, sort=FlowRunSort.ID_DESC)}

    runs = asyncio.run(flow_runs())
    assert f"case:{case_id}" in runs[f"case-{case_id}"]  # named and tagged with the case id


def test_stripe_refund_created_through_a_local_stripe(db, env):
    with HttpReceiver(body={"id": "re_123", "object": "refund", "status": "pending"}) as stripe_api:
        env()
        credentials.set_partner(db, "stripe-fr", f"stripe:http://127.0.0.1:{stripe_api.port}", "sk_test_x", now())
        uow = uow_factory(db)
        case = open_complaint(uow, complaint("pas remboursé", now()), "agent:t")
        [promise] = record_promises(
            uow,
            case.case_id,
            [spec("refund.issue", "stripe-fr", "pi_42", now() + timedelta(days=5), amount="89.90", currency="EUR")],
            "agent:t",
        )
        assert run(dispatch_partner_requests) == {promise.promise_id: "sent"}
        [call] = stripe_api.requests
        assert call["path"] == "/v1/refunds"
        assert call["headers"]["Idempotency-Key"] == promise.promise_id
        assert call["headers"]["Authorization"] == "Bearer sk_test_x"
        form = parse_qs(call["body"].decode())
        assert form["payment_intent"] == ["pi_42"] and form["amount"] == ["8990"]


def test_partner_without_action_url_is_skipped_and_says_so(db, env):
    env()
    case_id = broken_case(db, partner="nowhere")
    assert list(run(dispatch_partner_requests).values()) == ["skipped"]
    [entry] = [e for e in read_case(uow_factory(db), case_id).timeline if e.type.value == "outbound_request"]
    assert entry.detail["outcome"] == "skipped"


def test_sweep_flow_breaks_overdue_promises_and_escalation_fires_once(db, env):
    env(escalate_on_reopen_count="2")
    uow = uow_factory(db)
    case = open_complaint(uow, complaint("toujours rien", now()), "agent:t")
    record_promises(uow, case.case_id, [spec("callback", "cc", "R1", now() + timedelta(seconds=1))], "agent:t")
    time.sleep(1.1)
    sweeps_before = REGISTRY.get_sample_value("terrain_sweep_duration_seconds_count") or 0
    report = run(deadline_sweep)
    assert REGISTRY.get_sample_value("terrain_sweep_duration_seconds_count") == sweeps_before + 1
    # the promise made (+1) and broken (-1 pending, +1 broken), folded into the scorecards
    assert (report["promises_broken"], report["scorecard_deltas_folded"]) == (1, 3)
    with db.connect() as conn:
        [card] = queries.scorecards(conn)
        assert (card["promises"], card["broken"], card["broken_by_reason"]) == (1, 1, {"deadline_missed": 1})
        assert conn.execute(select(func.count()).select_from(tables.scorecard_days)).scalar_one() == 1
    record_promises(uow, case.case_id, [spec("callback", "cc", "R2", now() + timedelta(seconds=1))], "agent:t")
    time.sleep(1.1)
    run(deadline_sweep)
    assert read_case(uow, case.case_id).case.reopen_count == 2
    assert run(escalation) == 1
    assert run(escalation) == 0
    with db.connect() as conn:
        kinds = sorted(conn.execute(select(tables.outbox.c.kind)).scalars())
    assert kinds == ["escalation", "promise_broken", "promise_broken"]


def test_an_unreachable_partner_blocks_no_other(db, env):
    """A partner that hangs and one that is down, next to one that answers: the one that answers
    gets its request at once; the others are retried later, each attempt on their timelines."""
    env(outbound_timeout_seconds="2")
    arrivals: list[str] = []  # who was called, in order
    with HttpReceiver() as good, BlackHoleServer(on_connect=lambda: arrivals.append("hanging")) as hanging:
        credentials.set_partner(db, "ups", f"http://127.0.0.1:{good.port}/act", "s", now())
        credentials.set_partner(db, "laposte", f"http://127.0.0.1:{hanging.port}/act", "s", now())
        credentials.set_partner(db, "colissimo", f"http://127.0.0.1:{free_port()}/act", "s", now())
        slow_case = broken_case(db, reference="LP1", partner="laposte")
        down_case = broken_case(db, reference="CO1", partner="colissimo")
        good_case = broken_case(db, reference="1Z1", partner="ups")
        good.respond = lambda n: (arrivals.append("good"), 200)[1]
        outcomes = run(dispatch_partner_requests)
        assert sorted(outcomes.values()) == ["pending", "pending", "sent"]
        # Served in turn, it would come after the hanging partner's 3 attempts; side by side it
        # comes before the last of them (which follows 2 timeouts and the 1 s + 4 s delays).
        assert arrivals.count("hanging") == 3 and arrivals.index("good") < len(arrivals) - 1, arrivals
    for case_id, expected in (
        (slow_case, ["failed"] * 3 + ["retry_scheduled"]),
        (down_case, ["failed"] * 3 + ["retry_scheduled"]),
        (good_case, ["sent"]),
    ):
        timeline = read_case(uow_factory(db), case_id).timeline
        assert [e.detail["outcome"] for e in timeline if e.type.value == "outbound_request"] == expected
    with db.connect() as conn:
        states = dict(conn.execute(select(tables.outbound_requests.c.partner, tables.outbound_requests.c.state)).all())
    assert states == {"ups": "sent", "laposte": "pending", "colissimo": "pending"}


@pytest.mark.postgres_only
def test_two_alert_delivery_runs_in_parallel_never_send_twice(db, env):
    cases = [broken_case(db, reference=f"PAR{i}") for i in range(12)]
    with HttpReceiver(respond=lambda n: (time.sleep(0.25), 200)[1]) as http:
        env(alert_urls=f"json://127.0.0.1:{http.port}/alerts")
        results: list[dict] = []

        def deliver() -> None:
            results.append(asyncio.run(alert_delivery(limit=2)))

        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        messages = [body["message"] for body in http.json_bodies()]
    assert len(results) == 2 and sum(r["sent"] for r in results) == 12
    assert len(messages) == 12 and all(sum(c in m for m in messages) == 1 for c in cases)


def test_carrier_poll_flow_a_carrier_that_hangs_blocks_no_other(db, env, monkeypatch):
    """Two partners' carrier accounts polled by one `carrier-poll` run: the one that answers is
    stored at once, the one that hangs times out, is backed off, and neither is due again."""
    from flows.carrier_poll import carrier_poll
    from integrations.carriers import registry
    from tests.fake_carriers import JsonCarrier, events_body
    from tests.scripted_http import ScriptedServer

    monkeypatch.setitem(registry.PULL_ADAPTERS, "jsoncarrier", JsonCarrier())
    env(carrier_timeout_seconds="3")
    for partner, reference in (("zippost", "A1"), ("hangpost", "S1")):
        uow = uow_factory(db)
        case = open_complaint(uow, complaint(f"où est {reference} ?", now()), "agent:t")
        record_promises(
            uow,
            case.case_id,
            [spec("parcel.deliver", partner, reference, now() + timedelta(days=1), recipient="Claire Dupont")],
            "agent:t",
        )
    answered_at: list[float] = []

    def answer(seen):
        answered_at.append(time.monotonic())
        return 200, {}, events_body({"id": "1", "status": "delivered", "at": now().isoformat()})

    with ScriptedServer(answer) as good, BlackHoleServer() as hanging:
        for partner, url in (("zippost", good.url), ("hangpost", f"http://127.0.0.1:{hanging.port}")):
            credentials.set_carrier_account(
                db,
                partner,
                "jsoncarrier",
                url,
                api_key="k",
                client_id=None,
                client_secret=None,
                poll_every_seconds=600,
                now=now(),
            )
        results = {r["partner"]: r for r in run(carrier_poll)}
        ended = time.monotonic()
        # Side by side: zippost was answered while hangpost's 3 s timeout ran, not after it
        # (hangpost comes first in name order: in turn, zippost would wait for its timeout).
        assert ended - answered_at[0] > 2.5
    assert results["zippost"]["stored"] == 1 and results["zippost"]["errors"] == {}
    assert results["hangpost"]["errors"] == {"unreachable": 1} and results["hangpost"]["stored"] == 0
    accounts = {a.partner: a for a in credentials.carrier_accounts(db)}
    assert accounts["hangpost"].backoff_until is not None and accounts["hangpost"].failures == 1
    assert "ReadTimeout" in accounts["hangpost"].last_error
    assert run(carrier_poll) == []  # zippost polled a moment ago, hangpost backing off


def test_flow_logs_are_json_lines_with_the_flow_run_the_case_and_the_promise(db, env):
    import io
    import json
    import logging

    from integrations import logging_setup

    buffer = io.StringIO()
    logging_setup.configure(fmt="json", stream=buffer, force=True)
    try:
        with HttpReceiver() as http:
            env(alert_urls=f"json://127.0.0.1:{http.port}/alerts")
            case_id = broken_case(db)
            assert run(alert_delivery) == {"sent": 1, "failed": 0}
        lines = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
        [sent] = [line for line in lines if line["logger"] == "terrain.alerts"]
        assert sent["msg"] == "alert sent" and sent["case_id"] == case_id and sent["promise_id"]
        assert len(sent["flow_run_id"]) == 36 and sent["alert_kind"] == "promise_broken"
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "terrain"]:
            root.removeHandler(handler)
        logging_setup._configured = False

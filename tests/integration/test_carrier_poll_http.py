"""The carrier poll over HTTP against a local server, on the test database (SQLite, or
PostgreSQL with TERRAIN_TEST_DATABASE_URL): every kind of answer a carrier gives, the order
references are asked in, and `terrain carriers set|list|poll`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from typer.testing import CliRunner

from integrations.carriers import polling, registry
from integrations.cli.main import app
from integrations.db import credentials
from integrations.db import tables as t
from integrations.db.carrier_polls import SqlCarrierPollStore
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.settings import Settings
from tests.builders import complaint, hours, spec
from tests.fake_carriers import JsonCarrier, events_body
from tests.scripted_http import ScriptedServer

runner = CliRunner()


@pytest.fixture(autouse=True)
def json_carrier(monkeypatch):
    monkeypatch.setitem(registry.PULL_ADAPTERS, "jsoncarrier", JsonCarrier())


def promise_on(db, clock, partner, reference, due_in=48):
    uow = uow_factory(db)
    case = open_complaint(uow, complaint(f"où est {reference} ?", clock()), "agent", clock=clock)
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", partner, reference, clock() + hours(due_in), recipient="Claire Dupont")],
        "agent",
        clock=clock,
    )
    return case.case_id


def answers(seen):
    reference = seen.path.rsplit("/", 1)[1]
    if seen.headers.get("x-api-key") != "k-secret":
        return 401, {}, b'{"error": "invalid key"}'
    return {
        "OK1": (
            200,
            {},
            events_body(
                {
                    "id": "e1",
                    "status": "in_transit",
                    "at": "2026-03-02T07:00:00+01:00",
                    "place": "Plateforme Wissous",
                    "code": "ET1",
                }
            ),
        ),
        "UNKNOWN": (404, {}, b'{"error": "no such shipment"}'),
        "BROKEN": (500, {}, b"internal error"),
        "GARBLED": (200, {}, b'{"events": "not a list"'),
    }.get(reference, (200, {}, events_body()))


def error_count(carrier, kind):
    return REGISTRY.get_sample_value("terrain_carrier_poll_errors_total", {"carrier": carrier, "kind": kind}) or 0


def make_poller(db, clock, **overrides):
    return polling.build_poller(db, Settings(carrier_default_rate=1000), clock=clock, **overrides)


def account(db, server, clock, partner="acme", key="k-secret", every=900):
    credentials.set_carrier_account(
        db,
        partner,
        "jsoncarrier",
        server.url,
        api_key=key,
        client_id=None,
        client_secret=None,
        poll_every_seconds=every,
        now=clock(),
    )
    return SqlCarrierPollStore(db).accounts(partner)[0]


def test_each_kind_of_answer_is_handled_and_a_failure_stays_with_its_reference(db, clock):
    for ref in ("OK1", "UNKNOWN", "BROKEN", "GARBLED"):
        promise_on(db, clock, "acme", ref)
    before = error_count("jsoncarrier", "mapping"), error_count("jsoncarrier", "server")
    with ScriptedServer(answers) as server:
        report = make_poller(db, clock).poll_account(account(db, server, clock))
        assert sorted(server.paths("/track/")) == ["/track/BROKEN", "/track/GARBLED", "/track/OK1", "/track/UNKNOWN"]
    assert (report.due, report.fetched, report.mapped, report.stored) == (4, 4, 1, 1)
    assert dict(report.skipped) == {"not found": 1} and dict(report.errors) == {"mapping": 1, "server": 1}
    assert (error_count("jsoncarrier", "mapping"), error_count("jsoncarrier", "server")) == (before[0] + 1, before[1] + 1)
    [row] = credentials.carrier_accounts(db)
    assert row.errors == 2 and row.last_error and row.failures == 0 and row.backoff_until is None
    with db.connect() as conn:
        stored = conn.execute(select(t.updates.c.reference, t.updates.c.carrier_code, t.updates.c.location)).all()
        outcomes = dict(conn.execute(select(t.carrier_polls.c.reference, t.carrier_polls.c.outcome)).all())
    assert [tuple(r) for r in stored] == [("OK1", "ET1", "Plateforme Wissous")]
    assert outcomes == {"OK1": "ok", "UNKNOWN": "not_found", "BROKEN": "server", "GARBLED": "mapping"}


def test_a_429_backs_the_carrier_off_for_its_retry_after(db, clock):
    for ref in ("A", "B", "C"):
        promise_on(db, clock, "acme", ref)
    with ScriptedServer(lambda seen: (429, {"Retry-After": "90"}, b'{"error": "quota"}')) as server:
        report = make_poller(db, clock, chunk=1, workers=1).poll_account(account(db, server, clock))
        assert len(server.requests) == 1
    assert dict(report.skipped) == {"rate limited": 3}
    [row] = credentials.carrier_accounts(db)
    assert row.backoff_until == clock() + timedelta(seconds=90) and "rate_limited" in row.last_error


def test_a_refused_key_is_an_auth_error_for_ops(db, clock):
    promise_on(db, clock, "acme", "OK1")
    with ScriptedServer(answers) as server:
        report = make_poller(db, clock).poll_account(account(db, server, clock, key="k-wrong"))
    assert dict(report.errors) == {"auth": 1}
    assert "auth" in credentials.carrier_accounts(db)[0].last_error


def test_due_references_come_oldest_first_and_a_settled_promise_is_polled_no_more(db, clock):
    for ref, due_in in (("R1", 30), ("R2", 10), ("R3", 20)):
        promise_on(db, clock, "acme", ref, due_in)
    promise_on(db, clock, "other", "X")
    store = SqlCarrierPollStore(db)
    assert store.due_references("acme", clock(), 10) == ["R2", "R3", "R1"]
    store.record_polls("acme", {"R3": "ok"}, clock() - timedelta(hours=2))
    store.record_polls("acme", {"R2": "ok"}, clock() - timedelta(hours=1))
    assert store.due_references("acme", clock() - timedelta(minutes=15), 10) == ["R1", "R3", "R2"]
    assert store.due_references("acme", clock() - timedelta(minutes=90), 10) == ["R1", "R3"]
    assert store.due_references("acme", clock(), 2) == ["R1", "R3"]

    def delivered(seen):
        return 200, {}, events_body({"id": "d", "status": "delivered", "at": "2026-03-02T08:00:00Z", "code": "DI1"})

    with ScriptedServer(delivered) as server:
        poller = make_poller(db, clock)
        assert poller.poll_account(account(db, server, clock)).stored == 3
        clock.advance(hours=1)
        assert poller.poll_account(SqlCarrierPollStore(db).accounts("acme")[0]).due == 0
    with db.connect() as conn:
        verdicts = conn.execute(select(t.promises.c.verdict).where(t.promises.c.partner == "acme")).scalars().all()
    assert verdicts == ["kept"] * 3


def cli(args, database_url, monkeypatch, input=None):
    monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")
    return runner.invoke(app, args, input=input)


def test_terrain_carriers_set_list_and_poll(db, database_url, clock, monkeypatch):
    promise_on(db, clock, "acme", "OK1")
    promise_on(db, clock, "acme", "UNKNOWN")
    monkeypatch.setenv("ACME_TRACKING_KEY", "k-secret")
    with ScriptedServer(answers) as server:
        for bad, hint in (
            (["--carrier", "pigeon"], "no carrier 'pigeon'"),
            (["--carrier", "jsoncarrier", "--api-key", "k-secret"], "env:NAME"),
            (["--carrier", "jsoncarrier", "--api-key", "env:NOT_SET_ANYWHERE"], "not set"),
            (["--carrier", "jsoncarrier", "--poll-every", "soon", "--api-key", "-"], "15m"),
        ):
            result = cli(["carriers", "set", "acme", "--api-url", server.url, *bad], database_url, monkeypatch)
            assert result.exit_code == 2 and hint in result.output, (bad, result.output)
        done = cli(
            [
                "carriers",
                "set",
                "acme",
                "--carrier",
                "jsoncarrier",
                "--api-url",
                server.url,
                "--api-key",
                "env:ACME_TRACKING_KEY",
                "--poll-every",
                "10m",
            ],
            database_url,
            monkeypatch,
        )
        assert done.exit_code == 0, done.output
        piped = cli(
            [
                "carriers",
                "set",
                "beta",
                "--carrier",
                "jsoncarrier",
                "--api-url",
                server.url,
                "--api-key",
                "-",
                "--carrier-name",
                "DPD",
            ],
            database_url,
            monkeypatch,
            input="k-from-stdin\n",
        )
        assert piped.exit_code == 0, piped.output
        assert credentials.carrier_accounts(db, "beta", with_secrets=True)[0].api_key == "k-from-stdin"
        polled = cli(["carriers", "poll", "--partner", "acme"], database_url, monkeypatch)
        assert polled.exit_code == 0, polled.output
        assert "acme (jsoncarrier): 2 due, 2 fetched, 1 updates mapped, 1 stored" in polled.output
        assert "1 not found" in polled.output
        assert cli(["carriers", "poll", "--partner", "nobody"], database_url, monkeypatch).exit_code == 2
    listed = cli(["carriers", "list"], database_url, monkeypatch)
    assert listed.exit_code == 0 and "acme" in listed.output and "600s" in listed.output
    assert "jsoncarrier (dpd)" in listed.output
    assert "k-secret" not in listed.output and "k-from-stdin" not in listed.output


def test_metrics_show_the_poll_errors_each_account_recorded(client, db, clock):
    promise_on(db, clock, "acme", "GARBLED")
    with ScriptedServer(answers) as server:
        make_poller(db, clock).poll_account(account(db, server, clock))
    text = client.get("/metrics").text
    assert 'terrain_carrier_account_errors{carrier="jsoncarrier",partner="acme"} 1.0' in text
    assert 'terrain_carrier_poll_errors_total{carrier="jsoncarrier",kind="mapping"}' in text

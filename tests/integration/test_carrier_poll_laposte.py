"""End to end with La Poste Suivi v2 (the real adapter) against a local server answering at
`/suivi/v2/idships/{id}?lang=fr_FR` with La Poste's recorded answers (tests/fixtures/carriers/
laposte/, provenance in the README there), on SQLite, or PostgreSQL with
TERRAIN_TEST_DATABASE_URL: a promise on a La Poste reference, a poll, the verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from integrations.carriers import polling, registry
from integrations.db import credentials
from integrations.db import tables as t
from integrations.db.carrier_polls import SqlCarrierPollStore
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from integrations.settings import Settings
from tests.builders import complaint, spec
from tests.carrier_server import FIXTURES, KEY, CarrierServer

DELIVERED = "EW112720413FR"  # La Poste's recorded Colissimo history: …, ET1, MD2, DI1 on 2023-03-09 09:38 Paris
RECORDED = f"laposte/{DELIVERED}.json"


def history_until(moment: str) -> bytes:
    """La Poste's recorded answer as it stood at `moment`: the events up to then (the API lists
    the newest first), nothing else changed."""
    data = json.loads((FIXTURES / RECORDED).read_bytes())
    shipment = data[0]["shipment"]
    shipment["event"] = [e for e in shipment["event"] if e["date"] <= moment]
    for step in shipment["timeline"]:
        if step.get("date", "") > moment:
            step["status"] = False
            del step["date"]
    shipment.pop("deliveryDate", None)
    shipment["isFinal"] = False
    return json.dumps(data).encode()


def promise(db, clock, kind, reference, due, **expect):
    uow = uow_factory(db)
    case = open_complaint(uow, complaint("@lisalaposte mon colis ?", clock()), "agent", clock=clock)
    record_promises(uow, case.case_id, [spec(kind, "colissimo", reference, due, **expect)], "agent", clock=clock)
    return case.case_id


def poll(db, clock, server, key=KEY, **overrides):
    credentials.set_carrier_account(
        db,
        "colissimo",
        "laposte",
        server.url,
        api_key=key,
        client_id=None,
        client_secret=None,
        poll_every_seconds=900,
        now=clock(),
    )
    poller = polling.build_poller(db, Settings(carrier_default_rate=1000), clock=clock, **overrides)
    return poller.poll_account(SqlCarrierPollStore(db).accounts("colissimo")[0])


def verdicts(db):
    with db.connect() as conn:
        return {
            r.reference: (r.verdict, r.reason)
            for r in conn.execute(select(t.promises.c.reference, t.promises.c.verdict, t.promises.c.reason))
        }


def test_a_delivery_with_di1_keeps_the_promise_and_the_reference_is_polled_no_more(db, clock):
    clock.now = datetime(2023, 3, 8, 9, 0, tzinfo=UTC)
    promise(db, clock, "parcel.deliver", DELIVERED, clock() + timedelta(days=3), recipient="Claire Dupont")
    with CarrierServer() as server:
        server.track(DELIVERED, RECORDED)
        report = poll(db, clock, server)
        assert server.requests == [("GET", f"/suivi/v2/idships/{DELIVERED}")]
        assert report.stored == report.mapped > 1 and not report.errors
        assert verdicts(db) == {DELIVERED: ("kept", None)}
        with db.connect() as conn:
            evidence = conn.execute(select(t.promises.c.evidence)).scalar()
        assert evidence["carrier_code"] == "DI1" and evidence["status"] == "delivered"
        clock.advance(hours=1)
        again = poll(db, clock, server)
        assert again.due == 0 and len(server.requests) == 1  # settled: not asked again


def test_seed_000_a_reroute_while_the_parcel_stays_at_the_sorting_centre_is_at_risk_then_broken(db, clock):
    clock.now = datetime(2023, 3, 8, 17, 0, tzinfo=UTC)  # the last event then: ET1 at 16:25 Paris
    promise(db, clock, "parcel.reroute", DELIVERED, clock() + timedelta(hours=24), location="Bureau de poste Lille Vauban")
    with CarrierServer() as server:
        server.track(DELIVERED, body=history_until("2023-03-08T17:00:00+01:00"))
        report = poll(db, clock, server)
    assert report.stored >= 1 and verdicts(db) == {DELIVERED: ("pending", None)}
    clock.advance(hours=12, minutes=1)  # half the promised delay, and no news since the promise
    sweep_deadlines(uow_factory(db), clock)
    with db.connect() as conn:
        [risk] = conn.execute(select(t.promises.c.at_risk)).scalars()
        alerts = [(r.kind, r.key.rsplit(":", 2)[-2:]) for r in conn.execute(select(t.outbox))]
    assert verdicts(db) == {DELIVERED: ("pending", None)} and risk["cause"] == "silence"
    assert alerts == [("promise_at_risk", ["at_risk", "silence"])]
    clock.advance(hours=13)
    sweep_deadlines(uow_factory(db), clock)
    assert verdicts(db) == {DELIVERED: ("broken", "deadline_missed")}


def test_la_poste_errors_stay_with_their_reference(db, clock):
    clock.now = datetime(2023, 3, 8, 9, 0, tzinfo=UTC)
    due = clock() + timedelta(days=3)
    for ref in (DELIVERED, "6A00000000000", "6A00000000500", "6A0000000BODY"):
        promise(db, clock, "parcel.deliver", ref, due, recipient="Claire Dupont")
    with CarrierServer() as server:
        server.track(DELIVERED, RECORDED)  # 6A00000000000: La Poste's "numéro inconnu" 404
        server.fail("6A00000000500", 500)
        server.track("6A0000000BODY", body=b'{"returnCode": 200, "shipment": ')  # cut short
        report = poll(db, clock, server)
        assert len(server.requests) == 4
    assert dict(report.skipped) == {"not found": 1}
    assert dict(report.errors) == {"server": 1, "mapping": 1}
    assert verdicts(db)[DELIVERED] == ("kept", None)
    [account] = credentials.carrier_accounts(db)
    assert account.errors == 2 and account.failures == 0 and account.backoff_until is None


def test_la_poste_429_and_a_refused_key(db, clock):
    clock.now = datetime(2023, 3, 8, 9, 0, tzinfo=UTC)
    for ref in (DELIVERED, "6A00000000429"):
        promise(db, clock, "parcel.deliver", ref, clock() + timedelta(days=3), recipient="Claire Dupont")
    with CarrierServer() as server:
        server.track(DELIVERED, RECORDED)
        server.fail("6A00000000429", 429, retry_after=30)
        report = poll(db, clock, server, chunk=1, workers=1)
        assert server.requests == [("GET", "/suivi/v2/idships/6A00000000429")]  # same due: by reference
        assert report.backoff_until == clock() + timedelta(seconds=30) and report.stored == 0
        refused = poll(db, clock, server, key="wrong")  # setting the account again clears the back-off
    assert dict(refused.errors) == {"auth": 2}
    assert "auth" in credentials.carrier_accounts(db)[0].last_error


ACCOUNTS = [  # carrier, reference, recorded answer, account options
    ("laposte", "EW112720413FR", "laposte/EW112720413FR.json", {"api_key": KEY}),
    ("dhl", "7777777770", "dhl/7777777770.json", {"api_key": KEY}),
    ("ups", "1Z023E2X0214323462", "ups/track-details.json", {"client_id": "client", "client_secret": "s3cret"}),
    ("karrio", "05308801410058", "karrio/dpd-05308801410058.json", {"api_key": KEY, "carrier_name": "dpd"}),
]


@pytest.mark.parametrize("carrier,reference,fixture,options", ACCOUNTS, ids=[a[0] for a in ACCOUNTS])
def test_every_registered_carrier_is_polled_through_its_account(db, clock, carrier, reference, fixture, options):
    promise(db, clock, "parcel.deliver", reference, clock() + timedelta(days=3), recipient="Claire Dupont")
    with CarrierServer() as server:
        server.track(reference, fixture)
        credentials.set_carrier_account(
            db,
            "colissimo",
            carrier,
            server.url,
            client_id=options.get("client_id"),
            client_secret=options.get("client_secret"),
            api_key=options.get("api_key"),
            carrier_name=options.get("carrier_name"),
            poll_every_seconds=900,
            now=clock(),
        )
        poller = polling.build_poller(db, Settings(), clock=clock)
        report = poller.poll_account(SqlCarrierPollStore(db).accounts("colissimo")[0])
        assert report.mapped == report.stored > 0 and not report.errors, report.summary()
        clock.advance(minutes=16)
        again = poller.poll_account(SqlCarrierPollStore(db).accounts("colissimo")[0])
        if verdicts(db)[reference][0] == "pending":  # polled again: the same history stores nothing
            assert again.duplicates == report.stored and again.stored == 0
        else:  # settled: not asked again
            assert again.due == 0
        paths = [path for _, path in server.requests]
    if carrier == "ups":  # one token for both passes
        assert paths.count("/security/v1/oauth/token") == 1


def test_every_registered_carrier_has_a_case_here():
    assert {a[0] for a in ACCOUNTS} == set(registry.PULL_ADAPTERS)

"""End to end with La Poste Suivi v2 (the real adapter) against a local server answering at
`/suivi/v2/idships/{id}?lang=fr_FR` with La Poste's recorded answers (tests/fixtures/carriers/
laposte/, provenance in the README there), on SQLite, or PostgreSQL with
TERRAIN_TEST_DATABASE_URL: a promise on a La Poste reference, a poll, the verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from integrations.carriers import polling
from integrations.db import credentials
from integrations.db import tables as t
from integrations.db.carrier_polls import SqlCarrierPollStore
from integrations.db.unit_of_work import uow_factory
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from integrations.services.sweep import sweep_deadlines
from integrations.settings import Settings
from tests.builders import complaint, spec
from tests.scripted_http import ScriptedServer, recorded

DELIVERED = "EW112720413FR"  # La Poste's recorded Colissimo history: …, ET1, MD2, DI1 on 2023-03-09 09:38 Paris
KEY = "okapi-test-key"


def laposte(histories: dict[str, bytes], errors: dict[str, tuple[int, dict, bytes]] | None = None):
    def answer(seen):
        path, _, query = seen.path.partition("?")
        if not path.startswith("/suivi/v2/idships/") or query != "lang=fr_FR":
            return 404, {}, b'{"code": "NOT_FOUND"}'
        if seen.headers.get("x-okapi-key") != KEY:
            # La Poste's gateway refuses a bad key with 401 (body written after its documented format).
            return 401, {}, b'{"code": "UNAUTHORIZED", "message": "Invalid or missing X-Okapi-Key"}'
        reference = path.rsplit("/", 1)[1]
        if reference in (errors or {}):
            return errors[reference]
        if reference in histories:
            return 200, {}, histories[reference]
        return 400, {}, recorded("laposte", "error-400-invalid-number.json")

    return answer


def history_until(moment: str) -> bytes:
    """La Poste's recorded answer as it stood at `moment`: the events up to then (the API lists
    the newest first), nothing else changed."""
    data = json.loads(recorded("laposte", f"{DELIVERED}.json"))
    shipment = data[0]["shipment"]
    shipment["event"] = [e for e in shipment["event"] if e["date"] <= moment]
    shipment.pop("deliveryDate", None)
    shipment["isFinal"] = False
    return json.dumps(data).encode()


def promise(db, clock, kind, reference, due, **expect):
    uow = uow_factory(db)
    case = open_complaint(uow, complaint("@lisalaposte mon colis ?", clock()), "agent", clock=clock)
    record_promises(uow, case.case_id, [spec(kind, "colissimo", reference, due, **expect)], "agent", clock=clock)
    return case.case_id


def poll(db, clock, server, **overrides):
    credentials.set_carrier_account(db, "colissimo", "laposte", server.url, api_key=KEY, client_id=None,
                                    client_secret=None, poll_every_seconds=900, now=clock())
    poller = polling.build_poller(db, Settings(carrier_default_rate=1000), clock=clock, **overrides)
    return poller.poll_account(SqlCarrierPollStore(db).accounts("colissimo")[0])


def verdicts(db):
    with db.connect() as conn:
        return {r.reference: (r.verdict, r.reason) for r in conn.execute(
            select(t.promises.c.reference, t.promises.c.verdict, t.promises.c.reason))}


def test_a_delivery_with_di1_keeps_the_promise_and_the_reference_is_polled_no_more(db, clock):
    clock.now = datetime(2023, 3, 8, 9, 0, tzinfo=UTC)
    promise(db, clock, "parcel.deliver", DELIVERED, clock() + timedelta(days=3), recipient="Claire Dupont")
    with ScriptedServer(laposte({DELIVERED: recorded("laposte", f"{DELIVERED}.json")})) as server:
        report = poll(db, clock, server)
        assert server.paths() == [f"/suivi/v2/idships/{DELIVERED}?lang=fr_FR"]
        assert report.stored == report.mapped > 1 and not report.errors
        assert verdicts(db) == {DELIVERED: ("kept", None)}
        with db.connect() as conn:
            evidence = conn.execute(select(t.promises.c.evidence)).scalar()
        assert evidence["carrier_code"] == "DI1" and evidence["status"] == "delivered"
        clock.advance(hours=1)
        again = poll(db, clock, server)
        assert again.due == 0 and len(server.requests) == 1  # settled: not asked again


def test_seed_000_a_reroute_while_the_parcel_stays_at_the_sorting_centre_is_broken_at_its_deadline(db, clock):
    clock.now = datetime(2023, 3, 8, 17, 0, tzinfo=UTC)  # the last event then: ET1 at 16:25 Paris
    promise(db, clock, "parcel.reroute", DELIVERED, clock() + timedelta(hours=24),
            location="Bureau de poste Lille Vauban")
    with ScriptedServer(laposte({DELIVERED: history_until("2023-03-08T17:00:00+01:00")})) as server:
        report = poll(db, clock, server)
    assert report.stored >= 1 and verdicts(db) == {DELIVERED: ("pending", None)}
    clock.advance(hours=25)
    sweep_deadlines(uow_factory(db), clock)
    assert verdicts(db) == {DELIVERED: ("broken", "deadline_missed")}


def test_la_poste_errors_stay_with_their_reference(db, clock):
    clock.now = datetime(2023, 3, 8, 9, 0, tzinfo=UTC)
    due = clock() + timedelta(days=3)
    refs = {DELIVERED: None, "6A00000000000": "unknown", "6A00000000500": "500", "6A0000000BODY": "malformed"}
    for ref in refs:
        promise(db, clock, "parcel.deliver", ref, due, recipient="Claire Dupont")
    errors = {"6A00000000500": (500, {}, b'{"code": "INTERNAL_SERVER_ERROR"}'),
              "6A0000000BODY": (200, {}, b'{"returnCode": 200, "shipment": ')}
    with ScriptedServer(laposte({DELIVERED: recorded("laposte", f"{DELIVERED}.json")}, errors)) as server:
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
    slow = {"6A00000000429": (429, {"Retry-After": "30"}, b'{"code": "TOO_MANY_REQUESTS"}')}
    with ScriptedServer(laposte({DELIVERED: recorded("laposte", f"{DELIVERED}.json")}, slow)) as server:
        report = poll(db, clock, server, chunk=1, workers=1)
        assert server.paths()[0].startswith("/suivi/v2/idships/6A00000000429")  # same due: by reference
        assert report.backoff_until == clock() + timedelta(seconds=30) and report.stored == 0
    with ScriptedServer(laposte({})) as server:
        credentials.set_carrier_account(db, "colissimo", "laposte", server.url, api_key="wrong", client_id=None,
                                        client_secret=None, poll_every_seconds=900, now=clock())
        account = SqlCarrierPollStore(db).accounts("colissimo")[0]
        refused = polling.build_poller(db, Settings(), clock=clock).poll_account(account)
    assert dict(refused.errors) == {"auth": 2}
    assert "auth" in credentials.carrier_accounts(db)[0].last_error

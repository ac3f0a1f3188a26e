"""The carrier poll on in-memory fakes: what is polled, in what order, at what rate, and what a
failure of one reference or one carrier does (nothing to the others)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from integrations.services.carrier_poll import CarrierPoller, carrier_backoff, is_due, retry_after
from integrations.services.intake import open_complaint
from integrations.services.ports import CarrierAccount
from integrations.services.promises import record_promises
from integrations.services.rate_limit import TokenBucket
from tests.builders import complaint, hours, spec
from tests.fake_carriers import JsonCarrier, OAuthJsonCarrier, events_body
from tests.fakes import FakeCarrierPollStore, FakeGateway

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADAPTERS = {c.name: c for c in (JsonCarrier(), OAuthJsonCarrier())}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def account(partner="acme", carrier="jsoncarrier", every=timedelta(minutes=15), **kw) -> CarrierAccount:
    creds = {"api_key": "k-123"} if carrier == "jsoncarrier" else {"client_id": "cid", "client_secret": "cs"}
    return CarrierAccount(
        partner=partner, carrier=carrier, api_url=f"https://{partner}.example", poll_every=every, **(creds | kw)
    )


def promise_on(uow, clock, partner, reference, kind="parcel.deliver", due_in=48, recipient="Claire Dupont"):
    case = open_complaint(uow, complaint(f"where is {reference}?", clock()), "agent", clock=clock)
    record_promises(
        uow, case.case_id, [spec(kind, partner, reference, clock() + hours(due_in), recipient=recipient)], "agent", clock=clock
    )
    return case.case_id


def in_transit(request):
    reference = request.url.path.rsplit("/", 1)[1]
    return (
        200,
        {},
        events_body(
            {"id": "1", "status": "in_transit", "at": "2026-03-02T08:00:00+01:00", "place": "Centre de tri", "code": "ET1"}
        )
        if reference
        else b"{}",
    )


def make_poller(store, uow, clock, answer=in_transit, errors=None, **kw):
    gateway = FakeGateway(answer)
    options = {"workers": 2, "chunk": 2, "rate_for": lambda carrier: 1000.0, "sleep": lambda s: None} | kw
    poller = CarrierPoller(
        store=store,
        gateway=gateway,
        uow_factory=uow,
        adapters=ADAPTERS.__getitem__,
        clock=clock,
        on_error=lambda c, k: errors.append((c, k)) if errors is not None else None,
        **options,
    )
    return poller, gateway


def asked(gateway) -> list[str]:
    return [r.url.path.rsplit("/", 1)[1] for r in gateway.requests if "/track/" in r.url.path]


def test_only_references_with_a_pending_promise_are_polled_never_polled_first_then_the_oldest(uow, store):
    clock = Clock()
    for ref, due_in in (("R1", 30), ("R2", 10), ("R3", 20)):
        promise_on(uow, clock, "acme", ref, due_in=due_in)
    promise_on(uow, clock, "other", "X1")  # another partner's reference
    polls = FakeCarrierPollStore(store, [account()])
    poller, gateway = make_poller(polls, uow, clock)
    report = poller.poll_account(polls.accounts("acme")[0])
    assert asked(gateway) == ["R2", "R3", "R1"]  # never polled: the soonest due first
    assert (report.due, report.fetched, report.mapped, report.stored) == (3, 3, 3, 3)

    gateway.requests.clear()
    assert poller.poll_account(polls.accounts("acme")[0]).due == 0  # polled just now: not due
    polls.polls[("acme", "R3")] = (T0 - timedelta(hours=3), "ok")
    polls.polls[("acme", "R1")] = (T0 - timedelta(hours=2), "ok")
    clock.now = T0 + timedelta(minutes=15)
    poller.poll_account(polls.accounts("acme")[0])
    assert asked(gateway) == ["R3", "R1", "R2"]  # the longest unpolled first


def test_a_delivery_keeps_the_promise_and_its_reference_is_polled_no_more(uow, store):
    clock = Clock()
    case_id = promise_on(uow, clock, "acme", "R1")

    def delivered(request):
        return 200, {}, events_body({"id": "9", "status": "delivered", "at": "2026-03-02T08:30:00Z", "code": "DI1"})

    polls = FakeCarrierPollStore(store, [account()])
    poller, gateway = make_poller(polls, uow, clock, delivered)
    assert poller.poll_account(polls.accounts()[0]).stored == 1
    [promise] = [p for p in store.promises.values() if p.case_id == case_id]
    assert promise.outcome.verdict.value == "kept"
    clock.now = T0 + timedelta(days=1)
    assert poller.poll_account(polls.accounts()[0]).due == 0
    assert asked(gateway) == ["R1"]


def test_polling_the_same_history_twice_stores_nothing_twice(uow, store):
    clock = Clock()
    promise_on(uow, clock, "acme", "R1")
    polls = FakeCarrierPollStore(store, [account()])
    poller, _ = make_poller(polls, uow, clock)
    first = poller.poll_account(polls.accounts()[0])
    clock.now = T0 + timedelta(minutes=16)
    second = poller.poll_account(polls.accounts()[0])
    assert (first.stored, first.duplicates) == (1, 0)
    assert (second.mapped, second.stored, second.duplicates) == (1, 0, 1)
    assert len(store.updates) == 1


def test_a_mapping_failure_is_counted_and_recorded_and_the_other_references_are_still_polled(uow, store):
    clock = Clock()
    for ref in ("R1", "BAD", "R3", "GONE", "ODD"):
        promise_on(uow, clock, "acme", ref)

    def answer(request):
        ref = request.url.path.rsplit("/", 1)[1]
        if ref == "BAD":
            return 200, {}, b"<html>maintenance</html>"
        if ref == "ODD":
            return 400, {}, b'{"error": "bad request"}'
        if ref == "GONE":
            return 404, {}, b'{"error": "unknown"}'
        return in_transit(request)

    errors: list = []
    polls = FakeCarrierPollStore(store, [account()])
    poller, gateway = make_poller(polls, uow, clock, answer, errors)
    report = poller.poll_account(polls.accounts()[0])
    assert sorted(asked(gateway)) == ["BAD", "GONE", "ODD", "R1", "R3"]
    assert (report.fetched, report.stored) == (5, 2)
    assert report.errors == Counter(mapping=1, http=1)
    assert sorted(errors) == [("jsoncarrier", "http"), ("jsoncarrier", "mapping")]
    assert report.skipped == Counter({"not found": 1})
    assert polls.passes[-1]["new_errors"] == 2
    assert polls.polls[("acme", "BAD")][1] == "mapping"  # polled: it waits its turn like the others


def test_an_update_the_domain_refuses_is_a_mapping_error_not_a_crash(uow, store):
    clock = Clock()
    promise_on(uow, clock, "acme", "R1")

    def answer(request):
        return (
            200,
            {},
            events_body(
                {"id": "1", "status": "teleported", "at": "2026-03-02T08:00:00Z"},
                {"id": "2", "status": "in_transit", "at": "2026-03-02T08:10:00Z"},
            ),
        )

    polls = FakeCarrierPollStore(store, [account()])
    poller, _ = make_poller(polls, uow, clock, answer)
    report = poller.poll_account(polls.accounts()[0])
    assert (report.mapped, report.stored, report.errors["mapping"]) == (1, 1, 1)


def test_a_429_stops_the_pass_until_retry_after_and_the_unanswered_reference_stays_first(uow, store):
    clock = Clock()
    for ref, due_in in (("R1", 1), ("R2", 2), ("R3", 3), ("R4", 4)):
        promise_on(uow, clock, "acme", ref, due_in=due_in)

    def answer(request):
        if request.url.path.endswith("/R2"):
            return 429, {"Retry-After": "120"}, b'{"error": "slow down"}'
        return in_transit(request)

    polls = FakeCarrierPollStore(store, [account()])
    poller, gateway = make_poller(polls, uow, clock, answer, workers=1, chunk=1)
    report = poller.poll_account(polls.accounts()[0])
    assert asked(gateway) == ["R1", "R2"]
    assert report.skipped == Counter({"rate limited": 3})  # R2 itself, then R3 and R4
    assert report.backoff_until == T0 + timedelta(seconds=120)
    assert ("acme", "R2") not in polls.polls
    clock.now = T0 + timedelta(seconds=60)
    assert not is_due(polls.accounts()[0], clock.now)
    assert poller.poll_account(polls.accounts()[0]).skipped == Counter({"backing off": 1})
    assert asked(gateway) == ["R1", "R2"]
    clock.now = T0 + timedelta(seconds=121)
    gateway.requests.clear()
    gateway.answer = in_transit
    poller.poll_account(polls.accounts()[0])
    assert asked(gateway) == ["R2", "R3", "R4"]


def test_a_carrier_that_is_down_backs_off_and_blocks_no_other_carrier(uow, store):
    clock = Clock()
    for ref in ("D1", "D2", "D3"):
        promise_on(uow, clock, "down", ref)
    promise_on(uow, clock, "acme", "A1")

    def answer(request):
        if request.url.host == "down.example":
            return (500, {}, b"oops") if request.url.path.endswith("D1") else (None, {}, b"")
        return in_transit(request)

    polls = FakeCarrierPollStore(store, [account("down"), account("acme")])
    poller, gateway = make_poller(polls, uow, clock, answer, workers=1, chunk=2)
    acme, down = poller.poll_accounts(polls.accounts())
    assert (acme.partner, acme.stored) == ("acme", 1)
    assert down.errors == Counter(server=1, unreachable=1)
    assert down.skipped == Counter({"carrier down": 1})  # D3 never asked
    assert down.backoff_until == T0 + carrier_backoff(1) == T0 + timedelta(seconds=30)
    assert polls.accounts("down")[0].failures == 1
    clock.now = T0 + timedelta(minutes=15, seconds=1)
    down2 = poller.poll_account(polls.accounts("down")[0])
    assert down2.backoff_until == clock.now + timedelta(seconds=60)  # twice as long
    gateway.answer = in_transit
    clock.now += timedelta(minutes=16)
    assert poller.poll_account(polls.accounts("down")[0]).stored == 3
    assert polls.accounts("down")[0].failures == 0


def test_an_api_key_the_carrier_refuses_stops_the_pass_and_is_recorded(uow, store):
    clock = Clock()
    for ref in ("R1", "R2", "R3"):
        promise_on(uow, clock, "acme", ref)
    polls = FakeCarrierPollStore(store, [account()])
    poller, gateway = make_poller(polls, uow, clock, lambda r: (401, {}, b'{"error": "bad key"}'), chunk=2)
    report = poller.poll_account(polls.accounts()[0])
    assert len(asked(gateway)) == 2 and report.skipped == Counter({"auth": 1})
    assert report.errors == Counter(auth=2) and "key refused" in polls.passes[-1]["error"]
    assert gateway.requests[0].headers["X-Api-Key"] == "k-123"


def test_an_oauth_token_is_fetched_once_cached_and_fetched_again_after_a_401(uow, store):
    clock = Clock()
    for ref in ("R1", "R2"):
        promise_on(uow, clock, "acme", ref)
    tokens = iter(["tok-1", "tok-2"])
    valid = {"tok-1"}

    def answer(request):
        if request.url.path == "/oauth/token":
            return 200, {}, json.dumps({"access_token": next(tokens), "expires_in": 3600}).encode()
        if request.headers["Authorization"].removeprefix("Bearer ") not in valid:
            return 401, {}, b"{}"
        return in_transit(request)

    polls = FakeCarrierPollStore(store, [account(carrier="oauthcarrier")])
    poller, gateway = make_poller(polls, uow, clock, answer)
    assert poller.poll_account(polls.accounts()[0]).stored == 2
    clock.now += timedelta(minutes=15)
    poller.poll_account(polls.accounts()[0])
    assert [r.url.path for r in gateway.requests].count("/oauth/token") == 1  # cached
    valid.clear()
    valid.add("tok-2")  # the carrier revoked the first token
    clock.now += timedelta(minutes=15)
    report = poller.poll_account(polls.accounts()[0])
    assert [r.url.path for r in gateway.requests].count("/oauth/token") == 2
    assert report.errors == Counter(auth=2) and report.duplicates == 0
    clock.now += timedelta(minutes=15)  # the next pass asks with the new token
    assert poller.poll_account(polls.accounts()[0]).duplicates == 2


def test_the_rate_limit_spaces_requests_across_every_pass_of_a_carrier(uow, store):
    clock = Clock()
    for n in range(6):
        promise_on(uow, clock, "acme", f"R{n}")
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds):
        with lock:
            waits.append(seconds)

    polls = FakeCarrierPollStore(store, [account()])
    poller, gateway = make_poller(
        polls, uow, clock, rate_for=lambda c: 2.0, sleep=sleep, monotonic=lambda: 100.0, workers=3, chunk=6
    )
    poller.poll_account(polls.accounts()[0])
    assert len(asked(gateway)) == 6
    assert sorted(waits) == [0.5, 1.0, 1.5, 2.0]  # a burst of 2, then one every half second


def test_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(4, burst=1, clock=lambda: now[0], sleep=lambda s: None)
    assert bucket.acquire() == 0
    assert bucket.acquire() == pytest.approx(0.25)
    now[0] = 10.0  # refilled, but only up to the burst
    assert bucket.acquire() == 0 and bucket.acquire() == pytest.approx(0.25)


def test_retry_after_reads_seconds_and_http_dates_within_bounds():
    assert retry_after("120", T0) == 120
    assert retry_after("Mon, 02 Mar 2026 09:05:00 GMT", T0) == 300
    assert retry_after(None, T0) == 60 and retry_after("soon", T0) == 60
    assert retry_after("999999", T0) == 3600 and retry_after("0", T0) == 1

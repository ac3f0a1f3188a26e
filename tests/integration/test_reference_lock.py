"""The per-(partner, reference) lock on PostgreSQL: a promise recorded while its evidence
arrives always sees it, whichever transaction starts first.

Each test forces the one interleaving where, without the lock, both transactions miss each
other: each one has written its own row and reads the other's table before the other commits.
With the lock the second one waits for the first, reads after its commit and finds the row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from integrations.db import tables
from integrations.db.engine import make_engine
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ItemResult, ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, hours, spec, update
from tests.interleave import Interleaving

pytestmark = pytest.mark.postgres_only

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
READ_PROMISES = "FROM terrain_open_promises"  # ingest: the open promises of the watched references
READ_UPDATES = "FROM updates"  # record: the updates already stored for the promise's reference


@pytest.fixture
def sides(database_url):
    engines = {"ingest": make_engine(database_url, pool_size=1), "record": make_engine(database_url, pool_size=1)}
    yield engines
    for engine in engines.values():
        engine.dispose()


def race(db, sides, first: str) -> tuple[str, str | None, list]:
    case = open_complaint(uow_factory(db), complaint("refund?", T0), "agent:t", lambda: T0)
    evidence = [update("stripe", "ch_1", "refund_failed", T0 + timedelta(minutes=30), event_id="evt_fail")]
    promise = [spec("refund.issue", "stripe", "ch_1", T0 + timedelta(hours=24), amount="10", currency="EUR")]
    results: dict[str, list] = {}

    def ingest() -> None:
        results["ingest"] = ingest_updates(uow_factory(sides["ingest"]), evidence, lambda: T0 + timedelta(hours=1))

    def record() -> None:
        results["record"] = record_promises(
            uow_factory(sides["record"]), case.case_id, promise, "agent:t", lambda: T0 + timedelta(hours=1)
        )

    ix = Interleaving(watcher=db)
    if first == "evidence":
        # The update is stored and the promises of its reference read (none yet) in one
        # statement; before the ingest commits, the promise is recorded and reads the updates (or
        # waits for the lock the ingest holds).
        def stored() -> None:
            ix.mark("ingest stored its update")
            ix.wait("record read updates", or_blocked="record")

        ix.instrument("ingest", sides["ingest"], at_commit=stored)
        ix.instrument("record", sides["record"], after={READ_UPDATES: lambda: ix.mark("record read updates")})
        a = ix.thread(ingest)
        ix.wait("ingest stored its update")
        b = ix.thread(record)
    else:
        # The promise is recorded and about to commit when the update arrives and looks for
        # promises (or waits for the lock the recording holds).
        def committing() -> None:
            ix.mark("record about to commit")
            ix.wait("ingest read promises", or_blocked="ingest")

        ix.instrument("record", sides["record"], at_commit=committing)
        ix.instrument("ingest", sides["ingest"], after={READ_PROMISES: lambda: ix.mark("ingest read promises")})
        b = ix.thread(record)
        ix.wait("record about to commit")
        a = ix.thread(ingest)
    ix.join(a, b)
    with db.connect() as conn:
        row = conn.execute(
            select(tables.promises.c.verdict, tables.promises.c.reason).where(tables.promises.c.case_id == case.case_id)
        ).one()
        outbox = conn.execute(select(tables.outbox.c.kind).where(tables.outbox.c.case_id == case.case_id)).all()
    return row.verdict, row.reason, [results["ingest"], outbox]


@pytest.mark.parametrize("first", ["evidence", "promise"])
def test_a_promise_recorded_while_its_evidence_arrives_sees_it(db, sides, first):
    verdict, reason, (ingested, outbox) = race(db, sides, first)
    assert (verdict, reason) == ("broken", "refund_failed"), "the failure was lost between the two transactions"
    assert len(outbox) == 1
    # The evidence matched the promise only when the update came second.
    assert ingested == [ItemResult.MATCHED if first == "promise" else ItemResult.ACCEPTED]


def test_two_ingests_on_one_parcel_run_alongside_and_a_promise_recording_waits_for_them(db, sides, database_url):
    """Ingest locks the references it reports on shared: a second update for the same parcel,
    while the first one's transaction is still open, is stored without waiting for it; recording
    a promise on that parcel (exclusive) waits until the first one commits, then sees both."""
    case = open_complaint(uow_factory(db), complaint("where is it?", T0), "agent:t", lambda: T0)
    first = update("colissimo", "6A1", "in_transit", T0 + timedelta(minutes=10), event_id="evt_1")
    second = update("colissimo", "6A1", "out_for_delivery", T0 + timedelta(minutes=20), event_id="evt_2")
    ix = Interleaving(watcher=db)

    def first_committing() -> None:  # holds its reference lock until the others have run
        ix.mark("first about to commit")
        ix.wait("second stored")
        ix.wait("record blocked")

    ix.instrument("ingest", sides["ingest"], at_commit=first_committing)
    a = ix.thread(lambda: ingest_updates(uow_factory(sides["ingest"]), [first], lambda: T0 + timedelta(hours=1)))
    ix.wait("first about to commit")  # holds its reference lock until it commits

    other = make_engine(database_url, pool_size=1)
    ix.instrument("second", other)
    stored: list = []
    c = ix.thread(
        lambda: (stored.extend(ingest_updates(uow_factory(other), [second], lambda: T0 + hours(1))), ix.mark("second stored"))
    )
    if ix.wait("second stored", or_blocked="second") == "blocked":
        ix.mark("second stored")
        ix.mark("record blocked")  # let the first one commit, then fail
        ix.join(a, c)
        other.dispose()
        pytest.fail("the second update for the parcel waited for the first one's transaction")
    ix.join(c)
    other.dispose()
    assert stored == [ItemResult.ACCEPTED]

    promise = [spec("parcel.deliver", "colissimo", "6A1", T0 + timedelta(days=2), recipient="Claire Dupont")]
    ix.instrument("record", sides["record"])
    b = ix.thread(
        lambda: record_promises(uow_factory(sides["record"]), case.case_id, promise, "agent:t", lambda: T0 + timedelta(hours=1))
    )
    assert ix.wait("never", or_blocked="record") == "blocked", ix.errors  # the recording waits for the open ingest
    ix.mark("record blocked")
    ix.join(a, b)
    with db.connect() as conn:
        row = conn.execute(select(tables.promises.c.verdict).where(tables.promises.c.case_id == case.case_id)).one()
    assert row.verdict == "pending"  # both updates seen, neither settles a delivery

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
from tests.builders import complaint, spec, update
from tests.interleave import Interleaving

pytestmark = pytest.mark.postgres_only

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
READ_PROMISES = "FROM promises JOIN cases"  # ingest: the promises of the updates' references
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
        # The update is stored; before it looks for promises, the promise is recorded and reads
        # the updates (or waits for the lock the ingest holds).
        def stored() -> None:
            ix.mark("ingest stored its update")
            ix.wait("record read updates", or_blocked="record")

        ix.instrument(
            "ingest",
            sides["ingest"],
            before={READ_PROMISES: stored},
            after={READ_PROMISES: lambda: ix.mark("ingest read promises")},
        )
        ix.instrument(
            "record",
            sides["record"],
            after={READ_UPDATES: lambda: ix.mark("record read updates")},
            at_commit=lambda: ix.wait("ingest read promises", or_blocked="ingest"),
        )
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

"""Two processes at once on PostgreSQL: nothing lost, nothing doubled, one reopen. (A promise
recorded while its evidence arrives: tests/integration/test_reference_lock.py, with the
interleaving forced instead of left to chance.)"""

from __future__ import annotations

import multiprocessing as mp
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from integrations.db import tables
from integrations.db.engine import make_engine
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ItemResult, ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update

pytestmark = pytest.mark.postgres_only

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _ingest(url, updates, barrier, out):
    engine = make_engine(url)
    barrier.wait()
    results = ingest_updates(uow_factory(engine), updates, lambda: T0 + timedelta(hours=2))
    out.put([r.value for r in results])
    engine.dispose()


def _run(targets):
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(targets)), ctx.Queue()
    procs = [ctx.Process(target=fn, args=(*args, barrier, out)) for fn, args in targets]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def count(engine, table, *where):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def test_same_batch_and_same_case_from_two_processes(db, uow, database_url):
    clock = lambda: T0  # noqa: E731
    case = open_complaint(uow, complaint("stuck parcels", T0), "agent:t", clock)
    record_promises(
        uow,
        case.case_id,
        [
            spec("parcel.reroute", "lp", "A", T0 + timedelta(hours=24), location="Lille Vauban"),
            spec("parcel.deliver", "lp", "B", T0 + timedelta(hours=24), recipient="Thomas Gouritin"),
        ],
        "agent:t",
        clock,
    )
    noise = [update("lp", f"N{i}", "in_transit", T0 + timedelta(hours=1), event_id=f"n{i}") for i in range(500)]
    batch = noise + [
        update(
            "lp",
            "A",
            "delivered",
            T0 + timedelta(hours=1),  # at a door, not the post office
            handed_to="addressee",
            event_id="a-wrong",
        )
    ]
    other = [update("lp", "B", "delivered", T0 + timedelta(hours=1, minutes=5), signed_by="ROLAND", event_id="b-wrong")]
    results = _run(
        [
            (_ingest, (database_url, batch)),
            (_ingest, (database_url, batch)),
            (_ingest, (database_url, other)),
            (_ingest, (database_url, other)),
        ]
    )

    accepted = sum(r != ItemResult.DUPLICATE.value for res in results for r in res)
    assert accepted == len(batch) + len(other)  # each event processed once across processes
    assert count(db, tables.updates) == len(batch) + len(other)
    with db.connect() as conn:
        row = conn.execute(select(tables.cases).where(tables.cases.c.case_id == case.case_id)).one()
    assert (row.status, row.reopen_count) == ("reopened", 1)
    assert count(db, tables.outbox) == 2  # one alert per broken promise, never two
    assert count(db, tables.timeline, tables.timeline.c.type == "field_update") == 2

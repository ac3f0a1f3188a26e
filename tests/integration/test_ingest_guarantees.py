"""What the README promises about ingestion, checked on the session's database (SQLite and
PostgreSQL passes): a redelivery is processed once, and a batch costs a constant number of
queries whatever its size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from integrations.db import tables
from integrations.db.unit_of_work import uow_factory
from integrations.services.ingest import ItemResult, ingest_updates
from integrations.services.intake import open_complaint
from integrations.services.promises import record_promises
from tests.builders import complaint, spec, update


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def case_state(engine, case_id):
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                select(tables.cases.c.status, tables.cases.c.reopen_count).where(tables.cases.c.case_id == case_id)
            ).one()
        )


def test_a_redelivered_update_is_processed_once(uow, db, clock):
    """Redelivered alone, inside a batch, twice in one batch, and after the agent answered the
    break: each time a duplicate that changes nothing (no timeline line, no reopen, no alert)."""
    t0 = clock.now
    case = open_complaint(uow, complaint("parcel signed by a stranger", t0), "agent:cm", clock)
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", "1Z", t0 + timedelta(days=1), recipient="Thomas Gouritin")],
        "agent:cm",
        clock,
    )
    wrong = update("ups", "1Z", "delivered", t0 + timedelta(hours=2), signed_by="ROLAND", event_id="evt-1")
    clock.advance(hours=3)
    assert ingest_updates(uow, [wrong], clock) == [ItemResult.MATCHED]
    assert case_state(db, case.case_id) == ("reopened", 1)

    def nothing_more_than_once() -> None:
        assert count(db, tables.updates) == 1
        assert count(db, tables.timeline, tables.timeline.c.type == "field_update") == 1
        assert count(db, tables.timeline, tables.timeline.c.type == "verdict") == 1
        assert count(db, tables.outbox) == 1

    clock.advance(minutes=1)
    assert ingest_updates(uow, [wrong], clock) == [ItemResult.DUPLICATE]
    nothing_more_than_once()
    other = update("ups", "OTHER", "in_transit", t0, event_id="evt-2")
    assert ingest_updates(uow, [other, wrong, wrong], clock) == [ItemResult.ACCEPTED, ItemResult.DUPLICATE, ItemResult.DUPLICATE]
    fresh = update("ups", "NEW", "in_transit", t0, event_id="evt-3")
    assert ingest_updates(uow, [fresh, fresh], clock) == [ItemResult.ACCEPTED, ItemResult.DUPLICATE]
    assert count(db, tables.updates) == 3

    # The agent answers with a new promise on another parcel; the old evidence comes again.
    record_promises(
        uow,
        case.case_id,
        [spec("parcel.deliver", "ups", "1Z-2", t0 + timedelta(days=2), recipient="Thomas Gouritin")],
        "agent:cm",
        clock,
    )
    clock.advance(hours=1)
    assert ingest_updates(uow, [wrong], clock) == [ItemResult.DUPLICATE]
    assert count(db, tables.timeline, tables.timeline.c.type == "field_update") == 1
    assert count(db, tables.outbox) == 1
    assert case_state(db, case.case_id)[1] == 1


def queries_for_one_batch(db, clock, size: int, prefix: str) -> int:
    """Ingest `size` updates, one in ten contradicting a promise of its own case; count the
    statements sent to the database."""
    uow = uow_factory(db)
    t0 = clock.now
    promised = [f"{prefix}{i}" for i in range(0, size, 10)]
    for reference in promised:
        case = open_complaint(uow, complaint(f"where is {reference}?", t0), "agent:cm", clock)
        record_promises(
            uow,
            case.case_id,
            [spec("parcel.deliver", "ups", reference, t0 + timedelta(days=1), recipient="Thomas Gouritin")],
            "agent:cm",
            clock,
        )
    batch = [
        update("ups", f"{prefix}{i}", "delivered", t0 + timedelta(hours=1), signed_by="ROLAND")
        if i % 10 == 0
        else update("ups", f"{prefix}{i}", "in_transit", t0 + timedelta(hours=1))
        for i in range(size)
    ]
    statements: list[str] = []

    def counted(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db, "before_cursor_execute", counted)
    try:
        results = ingest_updates(uow, batch, clock)
    finally:
        event.remove(db, "before_cursor_execute", counted)
    assert results.count(ItemResult.MATCHED) == len(promised)
    assert count(
        db,
        tables.outbox,
        tables.outbox.c.case_id.in_(select(tables.promises.c.case_id).where(tables.promises.c.reference.in_(promised))),
    ) == len(promised)
    return len(statements)


@pytest.mark.parametrize("small,large", [(10, 500)])
def test_a_batch_costs_a_constant_number_of_queries_whatever_its_size(db, clock, small, large):
    few = queries_for_one_batch(db, clock, small, "S")
    many = queries_for_one_batch(db, clock, large, "L")
    assert few == many, f"{small} updates: {few} statements, {large} updates: {many}"
    assert many <= 15

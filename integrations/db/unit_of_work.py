"""The SQL unit of work: one connection, one transaction, the repositories bound to it."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from integrations.db.repositories import (
    SqlCaseRepository,
    SqlComplaintRepository,
    SqlOutboundRepository,
    SqlOutboxRepository,
    SqlPartnerDirectory,
    SqlPeopleDirectory,
    SqlPromiseRepository,
    SqlSuggestionRepository,
    SqlTimelineRepository,
    SqlUpdateRepository,
)
from integrations.services.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()
        self.cases = SqlCaseRepository(self.conn)
        self.complaints = SqlComplaintRepository(self.conn)
        self.promises = SqlPromiseRepository(self.conn)
        self.updates = SqlUpdateRepository(self.conn)
        self.timeline = SqlTimelineRepository(self.conn)
        self.suggestions = SqlSuggestionRepository(self.conn)
        self.outbox = SqlOutboxRepository(self.conn)
        self.outbound = SqlOutboundRepository(self.conn)
        self.partners = SqlPartnerDirectory(self.conn)
        self.people = SqlPeopleDirectory(self.conn)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
        finally:
            assert self.conn is not None
            self.conn.close()

    def commit(self) -> None:
        self.transaction.commit()

    def rollback(self) -> None:
        """Undo and keep working in a fresh transaction (used after a lost race)."""
        if self.transaction.is_active:
            self.transaction.rollback()
        assert self.conn is not None
        self.transaction = self.conn.begin()


def uow_factory(engine: Engine):
    return lambda: SqlUnitOfWork(engine)

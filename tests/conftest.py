"""Test databases: SQLite by default, PostgreSQL when TERRAIN_TEST_DATABASE_URL points at it.

The schema is built once per session by the Alembic migrations (as in production) in a
database of its own; every test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from integrations.db import tables
from integrations.db.engine import make_engine
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory

# Stored secrets are encrypted (integrations/secret_box.py): one throwaway key for the session,
# in the environment so that the server processes the e2e tests start read it too.
os.environ.setdefault("TERRAIN_SECRET_KEY", Fernet.generate_key().decode())

PG_ADMIN_URL = os.environ.get("TERRAIN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres_only: needs PostgreSQL (row locks, two processes)")
    config.addinivalue_line("markers", "container: builds and runs the image with podman (TERRAIN_TEST_CONTAINERS=1)")


def primary_url() -> str:
    return os.environ.get("TERRAIN_TEST_DATABASE_URL", "sqlite")


def is_postgres() -> bool:
    return primary_url().startswith("postgres")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are deselected (not skipped) in the SQLite pass of the suite."""
    if is_postgres():
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _fresh_postgres_database(admin_url: str) -> str:
    name = f"terrain_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _drop_postgres_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database of the session's kind."""
    if is_postgres():
        admin = primary_url()
        url = _fresh_postgres_database(admin)
        upgrade(url)
        yield url
        _drop_postgres_database(admin, url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'terrain.db'}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def _empty_tables(engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def db(engine):
    """An empty database for one test; returns the engine."""
    _empty_tables(engine)
    return engine


@pytest.fixture
def uow(db):
    return uow_factory(db)


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return PG_ADMIN_URL

"""Unit tests of the use cases run on the in-memory fakes of the ports (tests/fakes.py)."""

from __future__ import annotations

import pytest

from tests.fakes import FakeStore, FakeUnitOfWork


@pytest.fixture
def store():
    return FakeStore()


@pytest.fixture
def uow(store):
    return lambda: FakeUnitOfWork(store)

"""Fixtures for the HTTP API tests: an app on the test database, and one key per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from integrations.api.app import create_app
from integrations.db import credentials
from integrations.settings import Settings


@pytest.fixture
def app(db, clock):
    return create_app(Settings(database_url="sqlite://"), engine=db, clock=clock)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def keys(db, clock):
    def make(role, partner=None):
        return {"Authorization": f"Bearer {credentials.create_key(db, role, partner, clock())}"}

    return {"agent": make("agent"), "ops": make("ops"), "ups": make("partner", "ups"), "laposte": make("partner", "laposte")}

"""Property-based fuzzing of the API from its own OpenAPI schema: no input gives a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from integrations.api.app import create_app
from integrations.db import credentials
from integrations.settings import Settings

EXAMPLES_PER_OPERATION = 25


def role_for(path: str) -> str:
    if path.startswith(("/v1/updates", "/v1/partners")):
        return "partner"
    if path.startswith("/v1/ops"):
        return "ops"
    return "agent"


@pytest.mark.usefixtures("db")
def test_api_fuzzing_gives_no_server_error(db, clock):
    app = create_app(Settings(database_url="sqlite://"), engine=db, clock=clock)
    tokens = {
        role: credentials.create_key(db, role, "ups" if role == "partner" else None, clock())
        for role in ("agent", "ops", "partner")
    }
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    with TestClient(app):  # runs the lifespan: the update batcher is started
        for operation in operations:
            fuzz(operation, {"Authorization": f"Bearer {tokens[role_for(operation.path)]}"})


def fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

    check()

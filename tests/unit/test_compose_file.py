"""deployments/compose.yaml, checked where no engine runs it (CI cannot reach the image registry
of its PostgreSQL): every Terrain service runs a command Terrain has, every dependency names a
service of the file with a condition it can meet, and secrets come from the environment."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from typer.testing import CliRunner

from integrations.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "deployments" / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
TERRAIN_SERVICES = {name: s for name, s in SERVICES.items() if "terrain" in s["image"]}


def test_the_stack_has_the_database_prefect_the_migration_the_api_and_a_worker():
    assert set(SERVICES) == {"db", "prefect", "migrate", "api", "worker"}
    assert set(TERRAIN_SERVICES) == {"prefect", "migrate", "api", "worker"}  # one image for every role


def test_each_terrain_command_exists_with_its_options():
    runner = CliRunner()
    for name in ("migrate", "api"):
        command = SERVICES[name]["command"]
        subcommand = [word for word in command if not word.startswith("-")][:2]
        help_text = runner.invoke(app, [*subcommand[:2], "--help"] if name == "migrate" else [command[0], "--help"])
        assert help_text.exit_code == 0, (name, help_text.output)
        for option in (word for word in command if word.startswith("--")):
            assert option in help_text.output, (name, option)
    assert SERVICES["worker"]["entrypoint"][:2] == ["python3", "-m"]
    importlib.import_module(SERVICES["worker"]["entrypoint"][2])  # the worker's module is there


def test_dependencies_name_services_of_the_file_with_conditions_they_can_meet():
    for name, service in SERVICES.items():
        for other, rule in service.get("depends_on", {}).items():
            assert other in SERVICES, (name, other)
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[other], (name, other)
            if rule["condition"] == "service_completed_successfully":
                assert SERVICES[other].get("restart") == "no", (name, other)  # a one-off
    assert SERVICES["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "--no-migrate" in SERVICES["api"]["command"]  # the API never migrates on its own


def test_secrets_come_from_the_environment_and_prefect_gets_its_own_database():
    text = (ROOT / "deployments" / "compose.yaml").read_text()
    assert "${TERRAIN_DB_PASSWORD:?" in text  # refuses to start without a password
    env = SERVICES["api"]["environment"]
    assert env["TERRAIN_METRICS_TOKEN"] is None and env["TERRAIN_ALERT_URLS"] is None  # passed through, never written here
    prefect_url = SERVICES["prefect"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert prefect_url.startswith("postgresql+asyncpg://") and prefect_url.endswith("/prefect")
    initdb = (ROOT / "deployments" / "initdb" / "10-prefect-database.sql").read_text()
    assert "CREATE DATABASE prefect" in initdb

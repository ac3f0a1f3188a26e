"""The terminal views and the load generator, through the real `terrain` command."""

from __future__ import annotations

from datetime import datetime

from typer.testing import CliRunner

from integrations.cli.main import app

runner = CliRunner()


def run(args, database_url, monkeypatch):
    monkeypatch.setenv("TERRAIN_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "80")
    return runner.invoke(app, args)


def test_empty_database_then_seeded(db, database_url, monkeypatch):
    empty = run(["stuck"], database_url, monkeypatch)
    assert empty.exit_code == 0 and "Stuck resolutions (0)" in empty.output
    assert run(["scorecard"], database_url, monkeypatch).exit_code == 0
    seeded = run(["seed", "--cases", "200"], database_url, monkeypatch)
    assert seeded.exit_code == 0, seeded.output
    assert "200 cases" in seeded.output
    stuck = run(["stuck", "--limit", "5"], database_url, monkeypatch)
    assert stuck.exit_code == 0 and "Stuck resolutions (5+)" in stuck.output
    scorecard = run(["scorecard"], database_url, monkeypatch)
    assert all(partner in scorecard.output for partner in ("laposte", "ups", "colissimo", "stripe"))
    assert run(["scorecard", "--since", "2000-01-01"], database_url, monkeypatch).exit_code == 0
    refunds = run(
        ["stuck", "--kind", "refund.issue", "--reason", "refund_failed", "--order", "partner"], database_url, monkeypatch
    )
    assert refunds.exit_code == 0 and "[refund failed]" in refunds.output and "parcel." not in refunds.output
    assert "[deadline missed]" in run(["stuck", "--overdue-for", "1d"], database_url, monkeypatch).output
    for bad in (["--overdue-for", "soon"], ["--kind", "parcel"], ["--reason", "late"], ["--order", "due"]):
        result = run(["stuck", *bad], database_url, monkeypatch)
        assert result.exit_code == 2, (bad, result.output)
    # Everything fits 80 columns, wrapped, never cut; --json is the same items, RFC 3339 times.
    for args in (
        ["stuck", "--limit", "20"],
        ["stuck", "--at-risk"],
        ["stuck", "--to-check"],
        ["scorecard"],
        ["scorecard", "--since", "7d"],
    ):
        shown = run(args, database_url, monkeypatch)
        assert shown.exit_code == 0, (args, shown.output)
        assert max(len(line) for line in shown.output.splitlines()) <= 80 and "…" not in shown.output, args
    import json

    items = json.loads(run(["stuck", "--limit", "20", "--json"], database_url, monkeypatch).output)["items"]
    assert len(items) >= 5 and all(i["case_title"] and i["stuck_since"] and "next_step" in i for i in items)
    assert all(datetime.fromisoformat(i["stuck_since"]).tzinfo is not None for i in items)
    shown = run(["stuck", "--limit", "20"], database_url, monkeypatch).output
    assert all(i["case_title"] in shown.replace("\n  ", " ") for i in items[:3])
    week = json.loads(run(["scorecard", "--since", "7d", "--json"], database_url, monkeypatch).output)
    everything = json.loads(run(["scorecard", "--json"], database_url, monkeypatch).output)
    assert sum(c["promises"] for c in week["partners"]) < sum(c["promises"] for c in everything["partners"])
    assert run(["scorecard", "--since", "soon"], database_url, monkeypatch).exit_code == 2
    # The seeded cases are whole: complaints, promises, updates and a timeline each.
    from sqlalchemy import func, select

    from integrations.db import tables

    with db.connect() as conn:
        counts = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar()
            for table in (tables.cases, tables.complaints, tables.promises, tables.timeline)
        }
        kinds = set(conn.execute(select(tables.promises.c.kind).distinct()).scalars())
        reopened = conn.execute(
            select(func.count()).select_from(tables.cases).where(tables.cases.c.status == "reopened")
        ).scalar()
    assert counts["cases"] == counts["complaints"] == 200 and counts["promises"] >= 200
    assert counts["timeline"] >= 4 * 200 and len(kinds) == 5 and 10 < reopened < 100


def test_keys_are_printed_alone_on_the_last_line_and_stored_hashed(db, database_url, monkeypatch):
    result = run(["keys", "create", "--role", "partner", "--partner", "ups"], database_url, monkeypatch)
    token = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and token.startswith("trn_p_") and " " not in token
    from sqlalchemy import select

    from integrations.db import tables

    with db.connect() as conn:
        stored = conn.execute(select(tables.api_keys.c.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1
    assert run(["keys", "create", "--role", "ops", "--partner", "x"], database_url, monkeypatch).exit_code != 0
    monkeypatch.setenv("UPS_AFTERSHIP_SECRET", "s")
    assert (
        run(
            ["webhooks", "set", "--partner", "ups", "--provider", "aftership", "--secret", "env:UPS_AFTERSHIP_SECRET"],
            database_url,
            monkeypatch,
        ).exit_code
        == 0
    )
    assert (
        run(
            ["webhooks", "set", "--partner", "ups", "--provider", "aftership", "--secret", "s"], database_url, monkeypatch
        ).exit_code
        == 2
    )  # never a literal secret on the command line
    assert run(["partners", "set", "ups", "--action-url", "http://x"], database_url, monkeypatch).exit_code != 0


def test_read_only_commands_never_migrate_and_say_when_the_schema_is_behind(tmp_path, monkeypatch):
    from sqlalchemy import create_engine

    from integrations.db.migrate import upgrade

    behind = f"sqlite:///{tmp_path / 'behind.db'}"
    upgrade(behind, "0010_people_sessions")
    for args in (["stuck"], ["stuck", "--at-risk"], ["scorecard"], ["keys", "list"]):
        result = run(args, behind, monkeypatch)
        assert result.exit_code == 2, (args, result.output)
        assert "terrain db upgrade" in result.output and "does not migrate" in result.output
    engine = create_engine(behind)
    with engine.connect() as conn:  # still at 0009: nothing was migrated
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0010_people_sessions"
    never = f"sqlite:///{tmp_path / 'never.db'}"
    result = run(["stuck"], never, monkeypatch)
    assert result.exit_code == 2 and "never migrated" in result.output

"""Ops in the terminal: `terrain stuck`, `terrain scorecard`, and `terrain seed` for load."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from integrations.api.routes.ops import parse_duration
from integrations.cli.context import console, engine, settings
from integrations.db import queries
from integrations.db.migrate import upgrade
from integrations.seeding import seed as seed_cases
from integrations.services.clock import utc_now

out = Console()


def stuck(partner: str | None = typer.Option(None, "--partner"), kind: str | None = typer.Option(None, "--kind"),
          reason: str | None = typer.Option(None, "--reason"),
          overdue_for: str | None = typer.Option(None, "--overdue-for", help="e.g. 2h, 3d"),
          limit: int = typer.Option(50, "--limit", min=1, max=1000)) -> None:
    """Broken or overdue promises nobody has answered yet, oldest due first."""
    upgrade(settings().sqlalchemy_url)
    with engine().connect() as conn:
        items = queries.stuck_promises(conn, utc_now(), partner=partner, kind=kind, reason=reason,
                                       overdue_for=parse_duration(overdue_for), limit=limit)
    table = Table(title=f"Stuck resolutions ({len(items)})")
    for column in ("due", "overdue", "partner", "kind", "reference", "reason", "last update", "case"):
        table.add_column(column)
    for i in items:
        last = i["last_update"]
        table.add_row(i["due_at"][:16], f"{i['overdue_seconds'] // 3600} h", i["partner"], i["kind"], i["reference"],
                      i["reason"] or "", f"{last['status']}" if last else "—", i["case_id"])
    out.print(table)


def scorecard(since: datetime | None = typer.Option(None, "--since", help="promises made since (ISO date)")) -> None:
    """Per partner: promises, kept, broken, kept rate, median time to keep."""
    upgrade(settings().sqlalchemy_url)
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=utc_now().tzinfo)
    with engine().connect() as conn:
        cards = queries.scorecards(conn, since)
    table = Table(title="Partner scorecards")
    for column in ("partner", "promises", "kept", "broken", "pending", "kept rate", "median to keep", "broken by reason"):
        table.add_column(column)
    for c in cards:
        rate = f"{c['kept_rate']:.0%}" if c["kept_rate"] is not None else "—"
        median = f"{c['median_seconds_to_keep'] / 3600:.1f} h" if c["median_seconds_to_keep"] else "—"
        reasons = ", ".join(f"{k} {v}" for k, v in c["broken_by_reason"].items())
        table.add_row(c["partner"], str(c["promises"]), str(c["kept"]), str(c["broken"]), str(c["pending"]), rate,
                      median, reasons)
    out.print(table)


def seed(cases: int = typer.Option(1000, "--cases", min=1), random_seed: int = typer.Option(7, "--seed")) -> None:
    """Generate realistic synthetic cases, promises and updates (a share of them broken)."""
    upgrade(settings().sqlalchemy_url)
    columns = [*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("seeding cases", total=cases)
        report = seed_cases(engine(), cases, seed=random_seed, progress=lambda n: progress.advance(task, n))
    console.print(f"{report.cases} cases, {report.promises} promises ({report.broken} broken), "
                  f"{report.updates} updates")


def register(app: typer.Typer) -> None:
    app.command("stuck")(stuck)
    app.command("scorecard")(scorecard)
    app.command("seed")(seed)

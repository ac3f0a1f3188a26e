"""Ops in the terminal: `terrain stuck`, `terrain scorecard`, and `terrain seed` for load."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from domain.errors import DomainError
from domain.model import PromiseKind, Reason
from integrations.api.routes.ops import parse_duration
from integrations.cli.context import console, engine, read_only_engine, settings
from integrations.db import queries, scorecard_stats
from integrations.db.migrate import upgrade
from integrations.seeding import seed as seed_cases
from integrations.services.clock import utc_now

out = Console()


KINDS = [kind.value for kind in PromiseKind]
REASONS = [reason.value for reason in Reason]


def _one_of(name: str, value: str | None, allowed: list[str]) -> str | None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=name)
    return value


def _duration(value: str | None):
    try:
        return parse_duration(value)
    except DomainError as error:
        raise typer.BadParameter(str(error), param_hint="--overdue-for") from None


def _ago(seconds: int) -> str:
    if seconds <= 0:
        return "not yet due"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def stuck(partner: str | None = typer.Option(None, "--partner"),
          kind: str | None = typer.Option(None, "--kind", help=", ".join(KINDS)),
          reason: str | None = typer.Option(None, "--reason", help=", ".join(REASONS)),
          overdue_for: str | None = typer.Option(None, "--overdue-for", help="e.g. 90m, 2h, 3d"),
          order: str = typer.Option("due_at", "--order", help="due_at, partner, kind or reason"),
          limit: int = typer.Option(50, "--limit", min=1, max=1000),
          at_risk: bool = typer.Option(False, "--at-risk", help="pending promises at risk before their deadline"),
          to_check: bool = typer.Option(False, "--to-check", help="kept promises whose place or recipient is unverified"),
          as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Broken or overdue promises nobody has answered yet, oldest due first (or, with --at-risk
    / --to-check, the early warnings and the keeps to verify)."""
    kind, reason = _one_of("--kind", kind, KINDS), _one_of("--reason", reason, REASONS)
    if at_risk or to_check:
        _warnings(at_risk=at_risk, partner=partner, kind=kind, limit=limit, as_json=as_json)
        return
    order = _one_of("--order", order, list(queries.STUCK_ORDERS)) or "due_at"
    delta = _duration(overdue_for)
    with read_only_engine().connect() as conn:
        items = queries.stuck_promises(conn, utc_now(), partner=partner, kind=kind, reason=reason,
                                       overdue_for=delta, order=order, limit=limit)
    table = Table(title=f"Stuck resolutions ({len(items)}{'+' if len(items) == limit else ''})")
    for column in ("due", "overdue", "partner", "kind", "reference", "reason", "last update", "case"):
        table.add_column(column, no_wrap=column in ("due", "case"))
    for i in items:
        last = i["last_update"]
        style = "red" if i["verdict"] == "broken" else "yellow"
        table.add_row(i["due_at"][:16].replace("T", " "), _ago(i["overdue_seconds"]), i["partner"], i["kind"],
                      i["reference"], f"[{style}]{i['reason'] or ''}[/]",
                      f"{last['status']} {last['occurred_at'][:16].replace('T', ' ')}" if last else "—",
                      i["case_id"])
    out.print(table)


def _warnings(*, at_risk: bool, partner: str | None, kind: str | None, limit: int, as_json: bool) -> None:
    with read_only_engine().connect() as conn:
        if at_risk:
            items = queries.at_risk_promises(conn, utc_now(), partner=partner, kind=kind, limit=limit)
        else:
            items = queries.to_check_promises(conn, partner=partner, kind=kind, limit=limit)
    if as_json:
        out.print_json(data={"items": items})
        return
    if at_risk:
        table = Table(title=f"At risk ({len(items)})")
        for column in ("due", "partner", "kind", "reference", "cause", "since", "case"):
            table.add_column(column, overflow="fold")
        for i in items:
            table.add_row(i["due_at"][:16].replace("T", " "), i["partner"], i["kind"], i["reference"],
                          f"[yellow]{(i['at_risk'] or {}).get('cause', '')}[/]",
                          (i["at_risk_since"] or "")[:16].replace("T", " "), i["case_id"])
    else:
        table = Table(title=f"Kept, to check ({len(items)})")
        for column in ("partner", "kind", "reference", "unverified", "expected", "observed", "case"):
            table.add_column(column, overflow="fold")
        for i in items:
            observed = i["observed"] or {}
            seen = ", ".join(str(observed[k]) for k in ("address", "location", "signed_by", "handed_to") if observed.get(k))
            table.add_row(i["partner"], i["kind"], i["reference"], ", ".join(i["unverified"] or ()),
                          ", ".join(str(v) for v in (i["expected"] or {}).values()), seen or "—", i["case_id"])
    out.print(table)


def scorecard(since: datetime | None = typer.Option(None, "--since", help="promises made since (ISO date)")) -> None:
    """Per partner: promises, kept, broken, kept rate, median time to keep."""
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=utc_now().tzinfo)
    with read_only_engine().connect() as conn:
        cards = queries.scorecards(conn, since)
    table = Table(title="Partner scorecards")
    for column in ("partner", "promises", "kept", "broken", "pending", "kept rate", "median to keep", "broken by reason"):
        table.add_column(column)
    for c in cards:
        rate = f"{c['kept_rate']:.0%}" if c["kept_rate"] is not None else "—"
        median = _ago(int(c["median_seconds_to_keep"])) if c["median_seconds_to_keep"] else "—"
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
    with console.status("folding the new promises into the scorecards"):
        scorecard_stats.fold(engine())
    console.print(f"{report.cases} cases, {report.promises} promises ({report.broken} broken), "
                  f"{report.updates} updates")


def register(app: typer.Typer) -> None:
    app.command("stuck")(stuck)
    app.command("scorecard")(scorecard)
    app.command("seed")(seed)

"""Ops in the terminal: `terrain stuck`, `terrain scorecard`, and `terrain seed` for load."""

from __future__ import annotations

import textwrap
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
from integrations.localtime import local
from integrations.playbooks.loader import load_playbooks
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


def _since(value: str | None) -> datetime | None:
    """`--since 7d` (like --overdue-for 2h) or a date: 2026-03-01 or 2026-03-01T09:00+01:00."""
    if not value:
        return None
    try:
        delta = parse_duration(value)
    except DomainError:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter("a duration (90m, 2h, 7d, 2w) or a date (2026-03-01)", param_hint="--since") from None
        return when if when.tzinfo else when.replace(tzinfo=utc_now().tzinfo)
    return utc_now() - delta if delta else None


def _wrap(label: str, text: str | None, width: int) -> list[str]:
    """`label text…`, wrapped at the terminal's width (never cut with "…"), continued under the text."""
    if not text:
        return []
    indent = " " * 12
    return textwrap.wrap(
        f"  {label:<9} {text}", width=width, subsequent_indent=indent, break_long_words=True, break_on_hyphens=False
    ) or [f"  {label}"]


def _facts(view: dict[str, str] | None) -> str:
    view = view or {}
    return ", ".join(f"{k} {view[k]}" for k in ("place", "recipient", "amount") if view.get(k))


def print_items(items: list[dict], title: str, *, tz: str, width: int) -> None:
    """One block per item, fitting `width` columns: title and reason, stuck since and owner, what
    was said and expected next to what was observed, the next step, the case id."""
    out.print(title, markup=False, highlight=False)
    for i in items:
        reason = (i.get("reason") or (i.get("at_risk") or {}).get("cause") or "to check").replace("_", " ")
        lines = textwrap.wrap(f"{i['case_title']} [{reason}]", width=width, subsequent_indent="  ")
        since = i.get("stuck_since") or i.get("at_risk_since") or i.get("fulfilled_at")
        lines += _wrap("since", f"{local(since, tz)} · owner: {i.get('owner') or 'nobody (take it)'}", width)
        lines += _wrap("promise", f"{i['kind']} · {i['partner']} {i['reference']} · due {local(i['due_at'], tz)}", width)
        lines += _wrap("customer", f"“{i['customer_words']}”" if i.get("customer_words") else None, width)
        lines += _wrap("said", f"“{i['said']}”" if i.get("said") else None, width)
        lines += _wrap("expected", _facts(i.get("expected")) or None, width)
        seen = i.get("observed") or {}
        lines += _wrap(
            "observed",
            ", ".join(x for x in (seen.get("status"), _facts(seen), local(seen.get("at"), tz)) if x) or "nothing from the field",
            width,
        )
        lines += _wrap("next", (i.get("next_step") or {}).get("text"), width)
        lines += _wrap("case", i["case_id"], width)
        out.print("\n".join(["", *lines]), markup=False, highlight=False, soft_wrap=True)


def _width() -> int:
    return max(40, min(out.width, 100))


def stuck(
    partner: str | None = typer.Option(None, "--partner"),
    kind: str | None = typer.Option(None, "--kind", help=", ".join(KINDS)),
    reason: str | None = typer.Option(None, "--reason", help=", ".join(REASONS)),
    overdue_for: str | None = typer.Option(None, "--overdue-for", help="e.g. 90m, 2h, 3d"),
    owner: str | None = typer.Option(None, "--owner", help="one person's cases"),
    order: str = typer.Option("due_at", "--order", help="due_at, partner, kind or reason"),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    at_risk: bool = typer.Option(False, "--at-risk", help="pending promises at risk before their deadline"),
    to_check: bool = typer.Option(False, "--to-check", help="kept promises whose place or recipient is unverified"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output (RFC 3339 times)"),
) -> None:
    """Broken or overdue promises nobody has answered yet, unowned first, oldest due first (or, with
    --at-risk / --to-check, the early warnings and the keeps to verify). Times in TERRAIN_TIMEZONE."""
    kind, reason = _one_of("--kind", kind, KINDS), _one_of("--reason", reason, REASONS)
    config = settings()
    books = load_playbooks(config.playbooks_file).values()
    with read_only_engine().connect() as conn:  # read-only: never migrates
        if at_risk:
            items = queries.at_risk_promises(conn, utc_now(), partner=partner, kind=kind, limit=limit)
            title = f"At risk ({len(items)})"
        elif to_check:
            items = queries.to_check_promises(conn, partner=partner, kind=kind, limit=limit)
            title = f"Kept, to check ({len(items)})"
        else:
            order = _one_of("--order", order, list(queries.STUCK_ORDERS)) or "due_at"
            items = queries.stuck_promises(
                conn,
                utc_now(),
                partner=partner,
                kind=kind,
                reason=reason,
                overdue_for=_duration(overdue_for),
                order=order,
                limit=limit,
                owner=owner,
            )
            title = f"Stuck resolutions ({len(items)}{'+' if len(items) == limit else ''})"
        items = queries.for_people(conn, items, books, config.language)
    if as_json:
        out.print_json(data={"items": items})
        return
    print_items(items, f"{title} · times in {config.timezone}", tz=config.timezone, width=_width())


def scorecard(
    since: str | None = typer.Option(None, "--since", help="promises made since: 7d, 2w or a date"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Per partner: promises, kept, broken, kept rate, median time to keep, broken by reason."""
    when = _since(since)
    with read_only_engine().connect() as conn:  # read-only: never migrates
        cards = queries.scorecards(conn, when)
    if as_json:
        out.print_json(data={"since": when.isoformat() if when else None, "partners": cards})
        return
    table = Table(title="Partner scorecards" + (f" since {local(when, settings().timezone)}" if when else ""), width=_width())
    for column in ("partner", "promises", "kept", "broken", "pending", "kept rate", "median to keep"):
        table.add_column(column, overflow="fold", justify="left" if column == "partner" else "right")
    for c in cards:
        rate = f"{c['kept_rate']:.0%}" if c["kept_rate"] is not None else "—"
        median = _ago(int(c["median_seconds_to_keep"])) if c["median_seconds_to_keep"] else "—"
        reasons = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in c["broken_by_reason"].items())
        table.add_row(
            c["partner"] + (f"\n[dim]{reasons}[/]" if reasons else ""),
            str(c["promises"]),
            str(c["kept"]),
            str(c["broken"]),
            str(c["pending"]),
            rate,
            median,
        )
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
    console.print(f"{report.cases} cases, {report.promises} promises ({report.broken} broken), {report.updates} updates")


def register(app: typer.Typer) -> None:
    app.command("stuck")(stuck)
    app.command("scorecard")(scorecard)
    app.command("seed")(seed)

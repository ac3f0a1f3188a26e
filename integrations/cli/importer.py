"""`terrain import …`: bring social media history in."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from integrations.cli.context import console, engine, settings
from integrations.db.migrate import upgrade
from integrations.db.unit_of_work import uow_factory
from integrations.social.twcs import import_twcs

import_app = typer.Typer(help="Import complaints and replies from social media exports.", no_args_is_help=True)


@import_app.command("twcs")
def import_twcs_command(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """Replay a "Customer Support on Twitter" CSV: complaints, replies and their promises."""
    upgrade(settings().sqlalchemy_url)
    with file.open(encoding="utf-8") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"importing {file.name}", total=total)
        report = import_twcs(uow_factory(engine()), file, lambda n: progress.advance(task, n))
    console.print(
        f"{report.rows} rows: {report.complaints} complaints, {report.replies} replies "
        f"({report.promises} promises), {report.already_imported} already imported, "
        f"{len(report.skipped)} skipped"
    )
    for line, reason in report.skipped:
        console.print(f"  line {line}: {reason}", style="yellow")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")

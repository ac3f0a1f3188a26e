"""The `terrain` command. Each command group lives in its own module and registers here."""

from __future__ import annotations

import typer

from integrations import logging_setup, tracing
from integrations.cli import admin, carriers, importer, ops, serve, up

app = typer.Typer(
    help="Terrain: checks on the ground what customer service promised online.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _configure() -> None:
    """Logs (TERRAIN_LOG_FORMAT) and, with OTEL_EXPORTER_OTLP_ENDPOINT, traces: once per process."""
    logging_setup.configure()
    tracing.setup()


admin.register(app)
importer.register(app)
serve.register(app)
up.register(app)
ops.register(app)
carriers.register(app)


if __name__ == "__main__":
    app()

"""`terrain carriers …`: the carrier tracking APIs Terrain polls for each partner."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table

from domain.errors import DomainError
from integrations.api.routes.ops import parse_duration
from integrations.carriers import polling
from integrations.carriers.registry import PULL_ADAPTERS, get_adapter
from integrations.cli.context import console, engine, settings
from integrations.cli.secrets_input import read_secret
from integrations.db import credentials
from integrations.db.carrier_polls import SqlCarrierPollStore
from integrations.db.migrate import upgrade
from integrations.services.clock import utc_now

carriers_app = typer.Typer(help="Carrier tracking APIs Terrain polls for each partner's references.", no_args_is_help=True)
out = Console()
SECRET_HELP = "env:NAME (an environment variable) or - (standard input); never the secret itself"


def _known() -> str:
    return "|".join(sorted(PULL_ADAPTERS))


def _every(value: str) -> int:
    try:
        delta = parse_duration(value)
    except DomainError:
        delta = None
    if delta is None or delta < timedelta(seconds=1):
        raise typer.BadParameter("give seconds or a number with s/m/h/d, e.g. 15m", param_hint="--poll-every")
    return int(delta.total_seconds())


def _secret(spec: str | None, option: str) -> str | None:
    if spec is None:
        return None
    try:
        return read_secret(spec, option=option)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


@carriers_app.command("set")
def carriers_set(
    partner: str = typer.Argument(..., help="the partner name updates are stored under"),
    carrier: str = typer.Option(..., "--carrier", help=f"one of {_known() or 'the registered carriers'}"),
    api_url: str = typer.Option(..., "--api-url", help="the carrier API's base URL"),
    api_key: str | None = typer.Option(None, "--api-key", help=SECRET_HELP),
    client_id: str | None = typer.Option(None, "--client-id", help="OAuth client id (UPS)"),
    client_secret: str | None = typer.Option(None, "--client-secret", help=SECRET_HELP),
    poll_every: str = typer.Option("15m", "--poll-every", help="how often each pending reference is asked for"),
    carrier_name: str | None = typer.Option(
        None, "--carrier-name", help="the carrier behind a multi-carrier API (karrio: dpd, chronopost…)"
    ),
) -> None:
    """Set the carrier account whose tracking API is polled for PARTNER's references."""
    try:
        adapter = get_adapter(carrier)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--carrier") from None
    url = urlsplit(api_url.strip())
    if url.scheme not in ("http", "https") or not url.netloc:
        raise typer.BadParameter("an http(s) URL, e.g. https://api.laposte.fr", param_hint="--api-url")
    if not partner.strip() or len(partner) > 200:
        raise typer.BadParameter("a partner name of 1 to 200 characters", param_hint="PARTNER")
    every = _every(poll_every)
    if api_key == "-" and client_secret == "-":
        raise typer.BadParameter("only one secret can come from standard input", param_hint="--client-secret")
    if adapter.auth == "api_key":
        if api_key is None or client_id or client_secret:
            raise typer.BadParameter(f"{adapter.name} takes --api-key (and no OAuth client)", param_hint="--api-key")
    elif api_key is not None or not (client_id and client_secret):
        raise typer.BadParameter(
            f"{adapter.name} takes --client-id and --client-secret (OAuth), not --api-key", param_hint="--client-secret"
        )
    key, secret = _secret(api_key, "--api-key"), _secret(client_secret, "--client-secret")
    upgrade(settings().sqlalchemy_url)
    credentials.set_carrier_account(
        engine(),
        partner.strip(),
        adapter.name,
        api_url.strip().rstrip("/"),
        api_key=key,
        client_id=client_id,
        client_secret=secret,
        poll_every_seconds=every,
        now=utc_now(),
        carrier_name=carrier_name.strip().lower() if carrier_name else None,
    )
    console.print(f"carrier account set: {partner.strip()} → {adapter.name} at {api_url.strip()}, polled every {poll_every}")


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else "—"


@carriers_app.command("list")
def carriers_list() -> None:
    """The carrier accounts, their last pass and last error (never their secrets)."""
    upgrade(settings().sqlalchemy_url)
    table = Table(title="Carrier accounts")
    for column in (
        "partner",
        "carrier",
        "api url",
        "credentials",
        "every",
        "last pass",
        "errors",
        "last error",
        "backing off until",
    ):
        table.add_column(column)
    for a in credentials.carrier_accounts(engine()):
        creds = f"client {a.client_id} + secret" if a.client_id else "API key"
        error = f"{_when(a.last_error_at)} {a.last_error}" if a.last_error else "—"
        carrier = a.carrier + (f" ({a.carrier_name})" if a.carrier_name else "")
        table.add_row(
            a.partner,
            carrier,
            a.api_url,
            creds,
            f"{a.poll_every_seconds}s",
            _when(a.last_pass_at),
            str(a.errors),
            error,
            _when(a.backoff_until),
        )
    out.print(table)


@carriers_app.command("poll")
def carriers_poll(partner: str | None = typer.Option(None, "--partner", help="only this partner's account")) -> None:
    """One polling pass now: every account (or PARTNER's), due references oldest first."""
    config = settings()
    upgrade(config.sqlalchemy_url)
    accounts = SqlCarrierPollStore(engine()).accounts(partner)
    if not accounts:
        raise typer.BadParameter(
            f"no carrier account for partner {partner!r}" if partner else "no carrier account is set (terrain carriers set …)",
            param_hint="--partner",
        )
    reports = polling.poller(engine(), config).poll_accounts(accounts)
    for report in reports:
        polling.count(report)
        out.print(report.summary(), style="yellow" if report.errors else None, highlight=False)
        if report.last_error:
            out.print(f"  last error: {report.last_error}", style="yellow", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(carriers_app, name="carriers")

"""Operator commands: schema, API keys, webhook secrets, partner action endpoints."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import StrEnum

import typer
from rich.console import Console
from rich.table import Table

from integrations.cli.context import console, engine, ensure_secret_key, read_only_engine, settings
from integrations.cli.secrets_input import SPEC_HELP, SecretInputError, read_secret
from integrations.db import credentials
from integrations.db.migrate import upgrade
from integrations.redaction import redact_url
from integrations.services.clock import utc_now

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys (stored hashed).", no_args_is_help=True)
webhooks_app = typer.Typer(help="Provider webhook secrets per partner.", no_args_is_help=True)
partners_app = typer.Typer(help="Where partner action requests go.", no_args_is_help=True)


class Role(StrEnum):
    agent = "agent"
    ops = "ops"
    partner = "partner"


class Provider(StrEnum):
    aftership = "aftership"
    easypost = "easypost"
    stripe = "stripe"


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to the latest schema."""
    ensure_secret_key()  # migration 0011 encrypts stored secrets under it
    upgrade(settings().sqlalchemy_url, revision)
    console.print(f"[green]database at {revision}[/green]")


@keys_app.command("create")
def keys_create(
    role: Role = typer.Option(..., "--role"),
    partner: str | None = typer.Option(None, "--partner", help="the partner a partner key reports for"),
    name: str | None = typer.Option(
        None, "--name", help="the person behind an agent or ops key, shown on the timelines of what they do"
    ),
    alert_url: str | None = typer.Option(
        None,
        "--alert-url",
        help="an apprise URL for this person's "
        "alerts (mailto://…, json://…); as it may hold a password, "
        "`env:NAME` reads it from a variable and `-` from standard "
        "input",
    ),
) -> None:
    """Create an API key; the token is printed once, alone on the last line."""
    upgrade(settings().sqlalchemy_url)
    alert_url = _value_of(alert_url, "--alert-url")
    try:
        token = credentials.create_key(engine(), role.value, partner, utc_now(), name=name, alert_url=alert_url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    article = "a" if role.value == "partner" else "an"
    console.print(
        f"created {article} {role.value} key"
        + (f" for partner {partner}" if partner else "")
        + (f" for {' '.join(name.split())}" if name and name.strip() else "")
    )
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, role, partner, person, alert target, created, last used, revoked (never a token)."""
    rows = credentials.list_keys(read_only_engine())  # read-only: never migrates
    table = Table(title=f"API keys ({len(rows)})")
    for column in ("id", "role", "partner", "name", "alert", "created", "last used", "revoked"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["role"],
            row["partner"] or "",
            row["name"] or "",
            shown_url(row["alert_url"]),
            _when(row["created_at"]),
            _when(row["last_used_at"]),
            _when(row["revoked_at"]),
        )
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int = typer.Argument(..., help="the id shown by `terrain keys list`")) -> None:
    """Revoke a key: refused everywhere within a second, its dashboard sessions ended."""
    upgrade(settings().sqlalchemy_url)
    outcome = credentials.revoke_key(engine(), key_id, utc_now())
    if outcome is None:
        console.print(f"[red]no key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"key {key_id} {outcome}; its dashboard sessions are ended")


def _value_of(given: str | None, option: str) -> str | None:
    """A value that may be secret: `env:NAME` (a variable) or `-` (standard input), else as given."""
    if given == "-":
        return sys.stdin.readline().strip() or None
    if given and given.startswith("env:"):
        value = os.environ.get(given[4:], "").strip()
        if not value:
            raise typer.BadParameter(f"the variable {given[4:]} is not set", param_hint=option)
        return value
    return given


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def shown_url(url: str | None) -> str:
    """An alert URL as it may be shown: scheme and host, without credentials, path or query."""
    if not url:
        return ""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}/…" if host else f"{scheme}://…"


@webhooks_app.command("set")
def webhooks_set(
    partner: str = typer.Option(..., "--partner"),
    provider: Provider = typer.Option(..., "--provider"),
    secret: str = typer.Option(..., "--secret", help=f"the signing secret: {SPEC_HELP}"),
) -> None:
    """Set the secret that signs a partner's webhooks from a provider (stored encrypted)."""
    value = _secret(secret, "--secret")
    upgrade(settings().sqlalchemy_url)
    credentials.set_webhook_secret(engine(), partner, provider.value, value, utc_now())
    console.print(f"webhook secret set for {partner} / {provider.value}")


@partners_app.command("set")
def partners_set(
    name: str,
    action_url: str | None = typer.Option(None, "--action-url"),
    action_secret: str | None = typer.Option(None, "--action-secret", help=f"signing secret or Stripe key: {SPEC_HELP}"),
) -> None:
    """Set where a partner's action requests go (signed with its action secret, stored encrypted)."""
    if action_url and not action_secret:
        raise typer.BadParameter("--action-url needs --action-secret to sign requests")
    value = _secret(action_secret, "--action-secret") if action_secret is not None else None
    upgrade(settings().sqlalchemy_url)
    credentials.set_partner(engine(), name, action_url, value, utc_now())
    console.print(f"partner {name} set" + (f": actions go to {redact_url(action_url)}" if action_url else ""))


def _secret(spec: str, option: str) -> str:
    try:
        return read_secret(spec, option=option)
    except SecretInputError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(keys_app, name="keys")
    app.add_typer(webhooks_app, name="webhooks")
    app.add_typer(partners_app, name="partners")

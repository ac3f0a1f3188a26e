"""Operator commands: schema, API keys, webhook secrets, partner action endpoints."""

from __future__ import annotations

from enum import StrEnum

import typer

from integrations.cli.context import console, engine, ensure_secret_key, settings
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
def keys_create(role: Role = typer.Option(..., "--role"),
                partner: str | None = typer.Option(None, "--partner")) -> None:
    """Create an API key; the token is printed once, alone on the last line."""
    upgrade(settings().sqlalchemy_url)
    try:
        token = credentials.create_key(engine(), role.value, partner, utc_now())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"created a {role.value} key" + (f" for partner {partner}" if partner else ""))
    print(token)


@webhooks_app.command("set")
def webhooks_set(partner: str = typer.Option(..., "--partner"),
                 provider: Provider = typer.Option(..., "--provider"),
                 secret: str = typer.Option(..., "--secret", help=f"the signing secret: {SPEC_HELP}")) -> None:
    """Set the secret that signs a partner's webhooks from a provider (stored encrypted)."""
    value = _secret(secret, "--secret")
    upgrade(settings().sqlalchemy_url)
    credentials.set_webhook_secret(engine(), partner, provider.value, value, utc_now())
    console.print(f"webhook secret set for {partner} / {provider.value}")


@partners_app.command("set")
def partners_set(name: str, action_url: str | None = typer.Option(None, "--action-url"),
                 action_secret: str | None = typer.Option(None, "--action-secret",
                                                          help=f"signing secret or Stripe key: {SPEC_HELP}")) -> None:
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

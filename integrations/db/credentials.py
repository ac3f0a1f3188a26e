"""API keys, webhook secrets and partner action endpoints: the operators' configuration rows."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from integrations.db import tables as t
from integrations.db.repositories import dialect_insert

ROLES = ("agent", "ops", "partner")


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: int
    role: str
    partner: str | None


def hash_token(token: str) -> str:
    """Tokens are 256-bit random: a plain SHA-256 is enough, and lookups stay O(1)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(engine: Engine, role: str, partner: str | None, now: datetime) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if (role == "partner") != bool(partner):
        raise ValueError("a partner key needs --partner, and only a partner key takes one")
    token = f"trn_{role[0]}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        conn.execute(t.api_keys.insert().values(token_hash=hash_token(token), role=role,
                                                partner=partner, created_at=now))
    return token


def find_key(engine: Engine, token: str) -> ApiKey | None:
    digest = hash_token(token)
    with engine.connect() as conn:
        row = conn.execute(select(t.api_keys).where(t.api_keys.c.token_hash == digest,
                                                    t.api_keys.c.revoked_at.is_(None))).first()
    # The index finds the row; compare_digest keeps the final comparison constant-time.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return ApiKey(row.id, row.role, row.partner)


def set_webhook_secret(engine: Engine, partner: str, provider: str, secret: str, now: datetime) -> None:
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.webhook_secrets).values(partner=partner, provider=provider,
                                                       secret=secret, updated_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["partner", "provider"],
                                                set_={"secret": secret, "updated_at": now}))


def webhook_secret(engine: Engine, partner: str, provider: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(t.webhook_secrets.c.secret).where(
            t.webhook_secrets.c.partner == partner, t.webhook_secrets.c.provider == provider)).scalar()


def set_partner(engine: Engine, name: str, action_url: str | None, action_secret: str | None,
                now: datetime) -> None:
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.partners).values(name=name, action_url=action_url,
                                                action_secret=action_secret, updated_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={
            "action_url": action_url, "action_secret": action_secret, "updated_at": now}))


@dataclass(frozen=True, slots=True)
class CarrierAccountRow:
    """A partner's carrier account as stored; secrets are None unless asked for."""

    partner: str
    carrier: str
    api_url: str
    api_key: str | None
    client_id: str | None
    client_secret: str | None
    poll_every_seconds: int
    updated_at: datetime
    last_pass_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    errors: int
    failures: int
    backoff_until: datetime | None

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key)


def set_carrier_account(engine: Engine, partner: str, carrier: str, api_url: str, *, api_key: str | None,
                        client_id: str | None, client_secret: str | None, poll_every_seconds: int,
                        now: datetime) -> None:
    """Create or replace a partner's carrier account; its poll history and error count stay."""
    values = {"carrier": carrier, "api_url": api_url, "api_key": api_key, "client_id": client_id,
              "client_secret": client_secret, "poll_every_seconds": poll_every_seconds, "updated_at": now,
              "failures": 0, "backoff_until": None}
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.carrier_accounts).values(partner=partner, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=["partner"], set_=values))


def carrier_accounts(engine: Engine, partner: str | None = None, *,
                     with_secrets: bool = False) -> list[CarrierAccountRow]:
    """Accounts by partner name; the secrets are read only when `with_secrets` (the poll needs
    them, a listing does not)."""
    query = select(t.carrier_accounts).order_by(t.carrier_accounts.c.partner)
    if partner is not None:
        query = query.where(t.carrier_accounts.c.partner == partner)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [CarrierAccountRow(
        partner=r.partner, carrier=r.carrier, api_url=r.api_url,
        api_key=r.api_key if with_secrets else None, client_id=r.client_id,
        client_secret=r.client_secret if with_secrets else None,
        poll_every_seconds=r.poll_every_seconds, updated_at=r.updated_at, last_pass_at=r.last_pass_at,
        last_error=r.last_error, last_error_at=r.last_error_at, errors=r.errors, failures=r.failures,
        backoff_until=r.backoff_until) for r in rows]

"""API keys, webhook secrets and partner action endpoints: the operators' configuration rows.
Keys are stored hashed; webhook and action secrets encrypted (integrations/secret_box.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from integrations import secret_box
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
    secret = secret_box.encrypt(secret)
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.webhook_secrets).values(partner=partner, provider=provider,
                                                       secret=secret, updated_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["partner", "provider"],
                                                set_={"secret": secret, "updated_at": now}))


def webhook_secret(engine: Engine, partner: str, provider: str) -> str | None:
    with engine.connect() as conn:
        stored = conn.execute(select(t.webhook_secrets.c.secret).where(
            t.webhook_secrets.c.partner == partner, t.webhook_secrets.c.provider == provider)).scalar()
    return secret_box.decrypt(stored) if stored is not None else None


def set_partner(engine: Engine, name: str, action_url: str | None, action_secret: str | None,
                now: datetime) -> None:
    action_secret = secret_box.encrypt(action_secret) if action_secret is not None else None
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.partners).values(name=name, action_url=action_url,
                                                action_secret=action_secret, updated_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={
            "action_url": action_url, "action_secret": action_secret, "updated_at": now}))


def has_active_key(engine: Engine, role: str) -> bool:
    """Some key of this role is not revoked (`terrain up` makes the first ops key otherwise)."""
    with engine.connect() as conn:
        return conn.execute(select(t.api_keys.c.id).where(t.api_keys.c.role == role,
                                                          t.api_keys.c.revoked_at.is_(None)).limit(1)).first() is not None

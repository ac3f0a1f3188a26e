"""API keys, webhook secrets and partner action endpoints: the operators' configuration rows.
Keys are stored hashed; webhook and action secrets encrypted (integrations/secret_box.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import DBAPIError

from integrations import secret_box
from integrations.db import tables as t
from integrations.db.repositories import dialect_insert

ROLES = ("agent", "ops", "partner")
NAME_MAX = 100  # "agent:<name>" fits the timeline's 200-character actor
ALERT_URL_MAX = 2000
LAST_USED_EVERY = timedelta(minutes=5)  # how stale `last used` may be: a write per key per 5 min at most
SESSION_HOURS = 12


@dataclass(frozen=True, slots=True)
class ApiKey:
    """The principal behind a request: a key, and the person it belongs to when it has a name."""

    key_id: int
    role: str
    partner: str | None
    name: str | None = None
    alert_url: str | None = None

    @property
    def actor(self) -> str:
        """How this principal signs the case timeline: `agent:Claire Martin`, or `agent:12` unnamed."""
        return f"{self.role}:{self.name or self.key_id}"


def hash_token(token: str) -> str:
    """Tokens are 256-bit random: a plain SHA-256 is enough, and lookups stay O(1)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = " ".join(name.split())
    if not name:
        return None
    if len(name) > NAME_MAX or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValueError(f"a name is at most {NAME_MAX} printable characters")
    return name


def _clean_alert_url(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if (
        not sep
        or not rest
        or not scheme.replace("+", "").isalnum()
        or len(url) > ALERT_URL_MAX
        or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url)
    ):
        raise ValueError("--alert-url must be an apprise URL such as mailto://… or json://…")
    return url


def create_key(
    engine: Engine, role: str, partner: str | None, now: datetime, *, name: str | None = None, alert_url: str | None = None
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if (role == "partner") != bool(partner):
        raise ValueError("a partner key needs --partner, and only a partner key takes one")
    name, alert_url = _clean_name(name), _clean_alert_url(alert_url)
    token = f"trn_{role[0]}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        conn.execute(
            t.api_keys.insert().values(
                token_hash=hash_token(token), role=role, partner=partner, name=name, alert_url=alert_url, created_at=now
            )
        )
    return token


def _key_of(row) -> ApiKey:
    return ApiKey(row.id, row.role, row.partner, row.name, row.alert_url)


def find_key(engine: Engine, token: str) -> ApiKey | None:
    digest = hash_token(token)
    with engine.connect() as conn:
        row = conn.execute(select(t.api_keys).where(t.api_keys.c.token_hash == digest, t.api_keys.c.revoked_at.is_(None))).first()
    # The index finds the row; compare_digest keeps the final comparison constant-time.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    _touch(engine, row.id, row.last_used_at)
    return _key_of(row)


_touching: set[int] = set()
_touching_lock = threading.Lock()


def _touch(engine: Engine, key_id: int, last_used_at: datetime | None) -> None:
    """Record a use when the stored one is older than LAST_USED_EVERY, in a thread of its own so
    that no request waits for the write (SQLite's writers queue): most lookups write nothing."""
    now = datetime.now(UTC)
    if last_used_at is not None and now - last_used_at < LAST_USED_EVERY:
        return
    with _touching_lock:
        if key_id in _touching:
            return
        _touching.add(key_id)

    def write() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(last_used_at=now))
        except DBAPIError:
            pass  # informational: a busy or gone database never fails anything over it
        finally:
            with _touching_lock:
                _touching.discard(key_id)

    threading.Thread(target=write, name="terrain-key-last-used", daemon=True).start()


def list_keys(engine: Engine) -> list[dict[str, Any]]:
    """Every key, oldest first: never its token nor the token's hash."""
    k = t.api_keys.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(k.id, k.role, k.partner, k.name, k.alert_url, k.created_at, k.last_used_at, k.revoked_at).order_by(k.id)
        ).all()
    return [dict(row._mapping) for row in rows]


def revoke_key(engine: Engine, key_id: int, now: datetime) -> str | None:
    """Revoke a key and end its dashboard sessions: "revoked", "already revoked", or None (no such key)."""
    with engine.begin() as conn:
        revoked_at = conn.execute(select(t.api_keys.c.revoked_at).where(t.api_keys.c.id == key_id)).first()
        if revoked_at is None:
            return None
        conn.execute(
            update(t.sessions).where(t.sessions.c.key_id == key_id, t.sessions.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        if revoked_at[0] is not None:
            return "already revoked"
        conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(revoked_at=now))
    return "revoked"


# Dashboard sessions -------------------------------------------------------------------------------


def open_session(engine: Engine, key_id: int, now: datetime) -> str:
    """A new session for a key: the random id goes in the cookie, only its hash in the table."""
    session_id = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(t.sessions.delete().where(t.sessions.c.key_id == key_id, t.sessions.c.expires_at < now))
        conn.execute(
            t.sessions.insert().values(
                id_hash=hash_token(session_id), key_id=key_id, created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS)
            )
        )
    return session_id


def find_session(engine: Engine, session_id: str, now: datetime) -> ApiKey | None:
    """The key of a live session: not ended, not expired, its key not revoked."""
    s, k = t.sessions.c, t.api_keys.c
    with engine.connect() as conn:
        row = conn.execute(
            select(k.id, k.role, k.partner, k.name, k.alert_url)
            .select_from(t.sessions.join(t.api_keys, k.id == s.key_id))
            .where(s.id_hash == hash_token(session_id), s.revoked_at.is_(None), s.expires_at > now, k.revoked_at.is_(None))
        ).first()
    return None if row is None else _key_of(row)


def end_session(engine: Engine, session_id: str, now: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(t.sessions)
            .where(t.sessions.c.id_hash == hash_token(session_id), t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )


def csrf_token(session_id: str) -> str:
    """The session's anti-forgery token: derived from its secret id, so nothing more is stored,
    and one-way, so the page that carries it never reveals the id."""
    return hmac.new(session_id.encode(), b"terrain-csrf", hashlib.sha256).hexdigest()


def set_webhook_secret(engine: Engine, partner: str, provider: str, secret: str, now: datetime) -> None:
    secret = secret_box.encrypt(secret)
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.webhook_secrets).values(partner=partner, provider=provider, secret=secret, updated_at=now)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["partner", "provider"], set_={"secret": secret, "updated_at": now})
        )


def webhook_secret(engine: Engine, partner: str, provider: str) -> str | None:
    with engine.connect() as conn:
        stored = conn.execute(
            select(t.webhook_secrets.c.secret).where(
                t.webhook_secrets.c.partner == partner, t.webhook_secrets.c.provider == provider
            )
        ).scalar()
    return secret_box.decrypt(stored) if stored is not None else None


def set_partner(engine: Engine, name: str, action_url: str | None, action_secret: str | None, now: datetime) -> None:
    action_secret = secret_box.encrypt(action_secret) if action_secret is not None else None
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.partners).values(
            name=name, action_url=action_url, action_secret=action_secret, updated_at=now
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"], set_={"action_url": action_url, "action_secret": action_secret, "updated_at": now}
            )
        )


def has_active_key(engine: Engine, role: str) -> bool:
    """Some key of this role is not revoked (`terrain up` makes the first ops key otherwise)."""
    with engine.connect() as conn:
        return (
            conn.execute(
                select(t.api_keys.c.id).where(t.api_keys.c.role == role, t.api_keys.c.revoked_at.is_(None)).limit(1)
            ).first()
            is not None
        )


@dataclass(frozen=True, slots=True)
class CarrierAccountRow:
    """A partner's carrier account as stored; secrets are None unless asked for."""

    partner: str
    carrier: str
    api_url: str
    api_key: str | None
    client_id: str | None
    client_secret: str | None
    carrier_name: str | None
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


def set_carrier_account(
    engine: Engine,
    partner: str,
    carrier: str,
    api_url: str,
    *,
    api_key: str | None,
    client_id: str | None,
    client_secret: str | None,
    poll_every_seconds: int,
    now: datetime,
    carrier_name: str | None = None,
) -> None:
    """Create or replace a partner's carrier account; its poll history and error count stay."""
    # Encrypted at rest like the other partner secrets (integrations/secret_box.py).
    values = {
        "carrier": carrier,
        "api_url": api_url,
        "api_key": secret_box.encrypt(api_key) if api_key else None,
        "client_id": client_id,
        "client_secret": secret_box.encrypt(client_secret) if client_secret else None,
        "carrier_name": carrier_name,
        "poll_every_seconds": poll_every_seconds,
        "updated_at": now,
        "failures": 0,
        "backoff_until": None,
    }
    with engine.begin() as conn:
        stmt = dialect_insert(conn, t.carrier_accounts).values(partner=partner, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=["partner"], set_=values))


def carrier_accounts(engine: Engine, partner: str | None = None, *, with_secrets: bool = False) -> list[CarrierAccountRow]:
    """Accounts by partner name; the secrets are read only when `with_secrets` (the poll needs
    them, a listing does not)."""
    query = select(t.carrier_accounts).order_by(t.carrier_accounts.c.partner)
    if partner is not None:
        query = query.where(t.carrier_accounts.c.partner == partner)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        CarrierAccountRow(
            partner=r.partner,
            carrier=r.carrier,
            api_url=r.api_url,
            api_key=secret_box.decrypt(r.api_key) if with_secrets and r.api_key else None,
            client_id=r.client_id,
            client_secret=secret_box.decrypt(r.client_secret) if with_secrets and r.client_secret else None,
            carrier_name=r.carrier_name,
            poll_every_seconds=r.poll_every_seconds,
            updated_at=r.updated_at,
            last_pass_at=r.last_pass_at,
            last_error=r.last_error,
            last_error_at=r.last_error_at,
            errors=r.errors,
            failures=r.failures,
            backoff_until=r.backoff_until,
        )
        for r in rows
    ]

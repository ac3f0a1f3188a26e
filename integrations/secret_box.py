"""Secrets at rest: webhook secrets and partner action secrets (a Stripe `sk_live_…` too) are
stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key that never enters the
database.

The key is `TERRAIN_SECRET_KEY` (a Fernet key; several separated by commas to rotate: the first
encrypts, any of them decrypts), else the file `<TERRAIN_DATA_DIR>/secret.key` (default
`.terrain/secret.key`), created with mode 0600 by the first `terrain up`, `serve`,
`db upgrade` or secret written when neither exists. Production with several machines sets
`TERRAIN_SECRET_KEY` on all of them (a key generated per machine would not read the others' rows).

Stored values are `enc:v1:<Fernet token>`. A value without that prefix is a row written before
encryption (migration 0011_secrets_at_rest encrypts those): it is read as it is.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from integrations.settings import get_settings

PREFIX = "enc:v1:"
log = logging.getLogger("terrain.secrets")
GENERATE_HINT = 'python3 -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class SecretKeyError(RuntimeError):
    """No key, a malformed key, or a value encrypted under another key."""


def key_path() -> Path:
    return Path(get_settings().data_dir) / "secret.key"


def _configured_keys() -> str | None:
    key = get_settings().secret_key
    return key.get_secret_value().strip() if key is not None and key.get_secret_value().strip() else None


def ensure_key() -> Path | None:
    """Create the key file when no key is configured and none exists (mode 0600, never
    overwritten). Returns the file holding the key, or None when it comes from the environment."""
    if _configured_keys():
        _box()  # a malformed TERRAIN_SECRET_KEY fails now, not at the first secret
        return None
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
        log.warning(
            "made a new secret key in %s (mode 0600) for the secrets stored in the database; keep it, "
            "or set TERRAIN_SECRET_KEY (the same on every machine in production)",
            path,
        )
    return path


def _key_material() -> str:
    if configured := _configured_keys():
        return configured
    try:
        return key_path().read_text().strip()
    except FileNotFoundError:
        raise SecretKeyError(
            f"no secret key: set TERRAIN_SECRET_KEY (generate one with {GENERATE_HINT}) "
            f"or run `terrain up` once to create {key_path()}"
        ) from None


@lru_cache(maxsize=8)
def _fernet(material: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(part.strip().encode()) for part in material.split(",") if part.strip()])
    except (ValueError, TypeError):
        raise SecretKeyError(
            "TERRAIN_SECRET_KEY (or the key file) is not a Fernet key: 32 url-safe base64-encoded "
            f"bytes; generate one with {GENERATE_HINT}"
        ) from None


def _box() -> MultiFernet:
    return _fernet(_key_material())


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def encrypt(plain: str) -> str:
    ensure_key()
    return PREFIX + _box().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not is_encrypted(stored):
        return stored  # written before encryption at rest
    try:
        return _box().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretKeyError(
            "a stored secret does not decrypt with TERRAIN_SECRET_KEY / the key file: "
            "the key changed since it was written (set the old key after the new one, "
            "comma-separated, or set the secret again)"
        ) from None

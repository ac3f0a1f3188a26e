"""Secrets for CLI options, never on the command line (where `ps` and shell history show them).

`--secret env:NAME` reads the environment variable NAME; `--secret -` reads one line from
standard input (`printf %s "$SECRET" | terrain webhooks set … --secret -`, or typed at a hidden
prompt when standard input is a terminal). Anything else is refused. Any command that takes a
secret (webhook and partner secrets, a carrier's --api-key / --client-secret) uses `read_secret`.
"""

from __future__ import annotations

import getpass
import os
import re
import sys

MAX_LENGTH = 1000  # stored encrypted in 2,000 characters
SPEC_HELP = "env:NAME (read from that environment variable) or - (read from standard input)"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SecretInputError(ValueError):
    """The secret was given literally, or where it was said to be there is nothing."""


def read_secret(spec: str, *, option: str = "--secret") -> str:
    """The secret that `spec` points at: `env:NAME` or `-`. Never echoes it; the error messages
    never contain the value given."""
    if spec.startswith("env:"):
        name = spec[4:]
        if not _ENV_NAME.fullmatch(name):
            raise SecretInputError(f"{option} env:NAME needs an environment variable name (letters, digits, _)")
        value = os.environ.get(name)
        if value is None:
            raise SecretInputError(f"{option} env:{name}: the environment variable {name} is not set")
    elif spec == "-":
        if sys.stdin is None:
            raise SecretInputError(f"{option} -: there is no standard input to read from")
        value = getpass.getpass(f"{option}: ") if sys.stdin.isatty() else sys.stdin.readline()
        value = value.rstrip("\r\n")
    else:
        raise SecretInputError(
            f"{option} takes {SPEC_HELP}, never the secret itself: a secret on the command line "
            f"is visible in `ps` and in shell history. For example: export TERRAIN_S=…; "
            f"{option} env:TERRAIN_S"
        )
    source = "standard input" if spec == "-" else spec
    if not value.strip():
        raise SecretInputError(f"{option}: the secret read from {source} is empty")
    if len(value) > MAX_LENGTH:
        raise SecretInputError(f"{option}: the secret read from {source} is longer than {MAX_LENGTH} characters")
    return value

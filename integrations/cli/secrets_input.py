"""Secrets on the command line are never the secret itself: `env:NAME` reads an environment
variable, `-` reads standard input (one line, or all of it when piped)."""

from __future__ import annotations

import os
import sys


def read_secret(spec: str, *, option: str = "--secret") -> str:
    """The secret `spec` points at; ValueError (naming `option` and the variable, never a value)
    otherwise."""
    if spec == "-":
        value = sys.stdin.readline() if sys.stdin.isatty() else sys.stdin.read()
        source = "standard input"
    elif spec.startswith("env:") and spec[4:]:
        name = spec[4:]
        if name not in os.environ:
            raise ValueError(f"{option} env:{name}: the environment variable {name} is not set")
        value, source = os.environ[name], f"environment variable {name}"
    else:
        raise ValueError(f"{option} takes env:NAME (an environment variable) or - (standard input), "
                         "never the secret itself")
    value = value.strip()
    if not value:
        raise ValueError(f"{option}: the secret read from {source} is empty")
    return value

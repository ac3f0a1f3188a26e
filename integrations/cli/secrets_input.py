"""Secrets on the command line are never the secret itself: `env:NAME` reads an environment
variable, `-` reads standard input (one line, or all of it when piped)."""

from __future__ import annotations

import os
import sys


def read_secret(spec: str) -> str:
    """The secret `spec` points at; ValueError (naming the variable, never a value) otherwise."""
    if spec == "-":
        value = sys.stdin.readline() if sys.stdin.isatty() else sys.stdin.read()
        source = "standard input"
    elif spec.startswith("env:") and spec[4:]:
        name = spec[4:]
        if name not in os.environ:
            raise ValueError(f"environment variable {name} is not set")
        value, source = os.environ[name], f"environment variable {name}"
    else:
        raise ValueError("a secret is given as env:NAME (an environment variable) or - (standard input), "
                         "never on the command line")
    value = value.strip()
    if not value:
        raise ValueError(f"the secret from {source} is empty")
    return value

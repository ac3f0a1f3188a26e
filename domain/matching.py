"""Fuzzy-but-strict matching of locations, addresses and names.

Values are folded (case, accents, punctuation, whitespace) into tokens; two values match when
every token of the shorter is in the longer, a one-letter token matching any token starting
with that letter ("T Gouritin" ~ "Thomas Gouritin").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65_536)
def tokens(value: str) -> tuple[str, ...]:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(t for t in _NON_WORD.split(stripped) if t)


def _token_in(token: str, others: tuple[str, ...]) -> bool:
    if len(token) == 1:
        return any(o.startswith(token) for o in others)
    return token in others or any(len(o) == 1 and token.startswith(o) for o in others)


def matches(a: str, b: str) -> bool:
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return False
    shorter, longer = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return all(_token_in(t, longer) for t in shorter)

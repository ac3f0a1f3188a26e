"""What every promise kind must say: its expect fields, its default delay, and the effect of one
field update on a promise of that kind.

A kind is one module of `domain.kinds` holding one `KindRules`; the registry there fails loudly
at import when a `PromiseKind` has no rules, so a new kind cannot silently fall into another's.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

from domain.errors import MissingExpectation
from domain.model import FieldUpdate, PromiseKind, Reason

# Statuses that warn before the deadline breaks a parcel promise (DESIGN "At risk").
RISK_STATUSES = frozenset({"attempt_failed", "exception", "held_at_depot", "customs_hold", "damaged", "address_issue"})


@dataclass(frozen=True, slots=True)
class Effect:
    """What one update says about one promise. At most one of keeps / breaks / risk is set."""

    keeps: bool = False
    breaks: Reason | None = None
    # On a keep: what the update could not verify ("place", "recipient"): kept, but for ops to check.
    unverified: tuple[str, ...] = ()
    # An early warning: the status that puts a pending promise at risk.
    risk: str | None = None
    # On a break: whether it also undoes an earlier keep (a refund reversed or failed after success).
    undoes_keep: bool = False


NOTHING = Effect()
KEEP = Effect(keeps=True)


class KindRules(abc.ABC):
    kind: PromiseKind
    allowed_expect: frozenset[str]
    required_expect: frozenset[str] = frozenset()
    default_delay: timedelta
    # Parcel promises are at risk when the carrier is silent past half the promised delay.
    warns_on_silence: bool = False

    @property
    def hands_over_to(self) -> PromiseKind:
        """The kind of the step that carries this one on after a handoff (the same, by default)."""
        return self.kind

    def carried_expect(self, expect: Mapping[str, str]) -> dict[str, str]:
        """What a follow-on step of this kind expects, from the promise's expect."""
        return {k: v for k, v in expect.items() if k in self.allowed_expect}

    def check_expect(self, expect: Mapping[str, str]) -> None:  # noqa: B027 - optional hook
        """Rules across fields that `required_expect` cannot say (raise MissingExpectation)."""

    @abc.abstractmethod
    def effect(self, expect: Mapping[str, str], update: FieldUpdate) -> Effect:
        """What `update` (about this promise's partner and reference) says about the promise."""


def require_one_of(kind: PromiseKind, expect: Mapping[str, str], fields: tuple[str, ...]) -> None:
    if not any(expect.get(f) for f in fields):
        raise MissingExpectation(
            f"{kind.value} requires one of expect.{' / expect.'.join(fields)}",
            {"kind": kind.value, "missing": ["|".join(fields)]},
        )

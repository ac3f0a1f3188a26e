"""Promise kinds: one module each (expect fields, default delay, effect of an update), and the
registry the verdicts, validation, playbooks and views read.

`rules_for` is an exhaustive dispatch: a `PromiseKind` without a module fails at import.
"""

from __future__ import annotations

from typing import Any, Mapping

from domain import values
from domain.errors import InvalidInput, MissingExpectation
from domain.kinds import callback, item_replace, parcel_deliver, parcel_reroute, refund_issue
from domain.kinds.base import RISK_STATUSES, Effect, KindRules
from domain.model import PromiseKind

RULES: dict[PromiseKind, KindRules] = {
    m.RULES.kind: m.RULES for m in (parcel_reroute, parcel_deliver, refund_issue, item_replace, callback)
}
_missing = set(PromiseKind) - set(RULES)
if _missing:  # pragma: no cover - guards the next kind someone adds
    raise RuntimeError(f"promise kinds without rules: {sorted(k.value for k in _missing)}")

# Which expect fields each kind takes, and which of them must be present.
EXPECT_FIELDS: dict[PromiseKind, tuple[frozenset[str], frozenset[str]]] = {
    kind: (rules.allowed_expect, rules.required_expect) for kind, rules in RULES.items()
}

__all__ = ["EXPECT_FIELDS", "RISK_STATUSES", "RULES", "Effect", "KindRules", "rules_for", "validate_expect"]


def rules_for(kind: PromiseKind) -> KindRules:
    try:
        return RULES[kind]
    except KeyError:  # pragma: no cover - the import-time check makes this unreachable
        raise RuntimeError(f"no rules for promise kind {kind!r}") from None


def validate_expect(kind: PromiseKind, expect: Mapping[str, Any] | None) -> dict[str, str]:
    """Check and normalise a promise's `expect` for its kind (unknown keys are refused)."""
    rules = rules_for(kind)
    expect = dict(expect or {})
    unknown = sorted(set(expect) - rules.allowed_expect)
    if unknown:
        raise InvalidInput(
            f"{kind} does not take expect fields {unknown}",
            {"kind": kind.value, "unknown": unknown, "allowed": sorted(rules.allowed_expect)},
        )
    clean: dict[str, str] = {}
    for key, value in expect.items():
        if value is None or not str(value).strip():
            continue
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise InvalidInput(f"expect.{key} must be a string", {"field": f"expect.{key}"})
        clean[key] = values.text(str(value), f"expect.{key}", max_len=500) or ""
    missing = sorted(rules.required_expect - set(clean))
    if missing:
        raise MissingExpectation(f"{kind} requires expect fields {missing}", {"kind": kind.value, "missing": missing})
    rules.check_expect(clean)
    if "amount" in clean:
        clean["amount"] = str(values.amount(clean["amount"], "expect.amount"))
    if "currency" in clean:
        clean["currency"] = values.currency(clean["currency"], "expect.currency") or ""
    if "country" in clean:
        clean["country"] = values.country(clean["country"], "expect.country") or ""
    return clean

"""Playbooks: typical problems and the standard promises that answer them (seed 001: handle
typical problems systematically). Pure: the data comes from a file operators edit.

Each standard promise has a kind, the words said to the customer, one delay (`due_in_hours`
or `due_in_business_days`, Monday–Friday, ending at 23:59:59) and optional
`expect_defaults` (alias `expect`). Facts a playbook cannot know — a refund's amount and
currency, the pickup location — come from the agent's `expect_overrides` when the playbook is
applied; `expand` raises MissingExpectation when a required one is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from domain.errors import InvalidInput
from domain.extraction.deadlines import add_business_days
from domain.kinds import EXPECT_FIELDS, validate_expect
from domain.model import PlannedStep, Reason, parse_kind


@dataclass(frozen=True, slots=True)
class StandardPromise:
    kind: str
    said: str
    due_in_hours: int | None = None
    due_in_business_days: int | None = None
    expect: Mapping[str, str] | None = None
    # The steps that carry the promise on after a handoff, each with its own deadline (`then`).
    then: tuple[PlannedStep, ...] = ()

    def due_at(self, now: datetime) -> datetime:
        if self.due_in_business_days is not None:
            return add_business_days(now, self.due_in_business_days)
        return now + timedelta(hours=self.due_in_hours or 0)


@dataclass(frozen=True, slots=True)
class Playbook:
    name: str
    title: str
    problem: str
    promises: tuple[StandardPromise, ...]
    # The (kind, reason) of stuck promises it answers ("*": any reason of that kind), and what to
    # do then, per language ({"en": …, "fr": …}): the next step shown to ops (domain/ops.py).
    fits: tuple[tuple[str, str], ...] = ()
    next_step: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "problem": self.problem,
            "fits": [{"kind": k, "reason": r} for k, r in self.fits],
            "next_step": dict(self.next_step),
            "promises": [
                {
                    "kind": p.kind,
                    "said": p.said,
                    "due_in_hours": p.due_in_hours,
                    "due_in_business_days": p.due_in_business_days,
                    "expect": dict(p.expect or {}),
                    "then": [step.detail() for step in p.then],
                }
                for p in self.promises
            ],
        }


def parse_playbooks(data: Any) -> dict[str, Playbook]:
    """Validate the operators' file: a list of playbooks, each with at least one promise."""
    if not isinstance(data, list):
        raise InvalidInput("playbooks must be a list")
    out: dict[str, Playbook] = {}
    for index, item in enumerate(data):
        where = f"playbooks[{index}]"
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item[k] for k in ("name", "title", "problem")):
            raise InvalidInput(f"{where} needs name, title and problem", {"at": where})
        promises = item.get("promises")
        if not isinstance(promises, list) or not promises:
            raise InvalidInput(f"{where} needs at least one promise", {"at": where})
        parsed = []
        for j, p in enumerate(promises):
            at = f"{where}.promises[{j}]"
            if not isinstance(p, dict) or not isinstance(p.get("said"), str):
                raise InvalidInput(f"{at} needs kind and said", {"at": at})
            if not p["said"].strip():
                raise InvalidInput(f"{at}.said must not be empty", {"at": at})
            kind = parse_kind(str(p.get("kind")))
            hours, days = p.get("due_in_hours"), p.get("due_in_business_days")
            delay = hours if hours is not None else days
            if (hours is None) == (days is None) or not isinstance(delay, int) or isinstance(delay, bool) or delay <= 0:
                raise InvalidInput(f"{at} needs one positive due_in_hours or due_in_business_days", {"at": at})
            defaults = p.get("expect_defaults", p.get("expect")) or {}
            if not isinstance(defaults, dict) or not all(isinstance(v, str) for v in defaults.values()):
                raise InvalidInput(f"{at}.expect_defaults must map field names to strings", {"at": at})
            unknown = sorted(set(defaults) - EXPECT_FIELDS[kind][0])
            if unknown:
                raise InvalidInput(f"{at}: {kind.value} does not take expect fields {unknown}", {"at": at, "unknown": unknown})
            parsed.append(
                StandardPromise(
                    kind=kind.value,
                    said=p["said"],
                    due_in_hours=hours,
                    due_in_business_days=days,
                    expect=dict(defaults) or None,
                    then=_plan(p.get("then"), at, hours),
                )
            )
        if item["name"] in out:
            raise InvalidInput(f"{where}: duplicate playbook name {item['name']!r}", {"at": where})
        out[item["name"]] = Playbook(
            item["name"],
            item["title"],
            item["problem"],
            tuple(parsed),
            _fits(item.get("fits"), where),
            _next_step(item.get("next_step"), where),
        )
    return out


def _fits(data: Any, where: str) -> tuple[tuple[str, str], ...]:
    if data is None:
        return ()
    reasons = {r.value for r in Reason} | {"*"}
    if not isinstance(data, list) or not all(isinstance(f, dict) for f in data):
        raise InvalidInput(f"{where}.fits must be a list of {{kind, reason}}", {"at": where})
    out = []
    for fit in data:
        kind = parse_kind(str(fit.get("kind")))
        listed = fit.get("reasons", [fit.get("reason", "*")])
        if not isinstance(listed, list) or not all(r in reasons for r in listed):
            raise InvalidInput(f"{where}.fits: reasons must be among {sorted(reasons)}", {"at": where})
        out += [(kind.value, reason) for reason in listed]
    return tuple(out)


def _next_step(data: Any, where: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) and v.strip() for v in data.values()):
        raise InvalidInput(f"{where}.next_step must map a language (en, fr) to what to do", {"at": where})
    return dict(data)


def _plan(data: Any, at: str, first_hours: int | None) -> tuple[PlannedStep, ...]:
    """`then`: [{role, kind, due_in_hours}], deadlines counted from when the promise is made,
    each later than the one before."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise InvalidInput(f"{at}.then must be a list of steps", {"at": at})
    steps: list[PlannedStep] = []
    last: float = first_hours or 0
    for k, step in enumerate(data):
        where = f"{at}.then[{k}]"
        hours = step.get("due_in_hours") if isinstance(step, dict) else None
        if (
            not isinstance(step, dict)
            or not isinstance(step.get("role"), str)
            or not step["role"].strip()
            or not isinstance(hours, (int, float))
            or isinstance(hours, bool)
            or hours <= last
        ):
            raise InvalidInput(f"{where} needs a role, a kind and a due_in_hours later than the step before", {"at": where})
        steps.append(PlannedStep(role=step["role"], kind=parse_kind(str(step.get("kind"))), due_in_hours=hours))
        last = hours
    return tuple(steps)


def expand(
    playbook: Playbook, partner: str, reference: str, now: datetime, expect_overrides: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The playbook's promises for one partner and reference, due from `now`.

    A promise whose kind needs facts the playbook cannot know (a refund's amount) takes them
    from `expect_overrides`; without them it raises MissingExpectation.
    """
    specs = []
    for promise in playbook.promises:
        kind = parse_kind(promise.kind)
        expect = {**(promise.expect or {}), **(expect_overrides or {})}
        allowed = EXPECT_FIELDS[kind][0]
        expect = validate_expect(kind, {k: v for k, v in expect.items() if k in allowed})
        specs.append(
            {
                "kind": kind.value,
                "partner": partner,
                "reference": reference,
                "due_at": promise.due_at(now),
                "expect": expect,
                "said": promise.said,
                "plan": promise.then,
            }
        )
    return specs

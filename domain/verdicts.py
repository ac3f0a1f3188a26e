"""The verdict rules: a pure function of (promise, updates, now).

Updates are replayed in (occurred_at, event_id) order, so arrival order never matters and a
repeated update changes nothing. Each update's effect on the promise comes from its kind's module
(`domain.kinds`): keeps (maybe unverified), breaks for a reason, warns (at risk), or says
nothing; the replay folds those effects. Never break on a guess: the kinds only break on
positive evidence of a difference (`domain.places`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from domain.kinds import rules_for
from domain.model import AtRisk, FieldUpdate, Outcome, Promise, Reason, Verdict


def evaluate(promise: Promise, updates: Iterable[FieldUpdate], now: datetime) -> Outcome:
    """The verdict of `promise` given every update about its (partner, reference) and the clock."""
    rules = rules_for(promise.kind)
    verdict, reason, fulfilled_at, evidence = Verdict.PENDING, None, None, None
    unverified: tuple[str, ...] = ()
    risk: AtRisk | None = None
    relevant = sorted(
        (
            u
            for u in updates
            if u.partner == promise.partner and u.reference == promise.reference and not _about_the_replaced_one(promise, u)
        ),
        key=lambda u: u.order_key,
    )
    for update in relevant:
        effect = rules.effect(promise.expect, update)
        if effect.keeps:
            if fulfilled_at is not None:
                continue  # the first keeping update decides when it was fulfilled
            fulfilled_at, evidence, unverified = update.occurred_at, update, effect.unverified
            if update.occurred_at <= promise.due_at:
                verdict, reason = Verdict.KEPT, None
            else:
                verdict, reason = Verdict.BROKEN, Reason.DEADLINE_MISSED  # kept, but late
            continue
        if effect.breaks is not None:
            if fulfilled_at is not None:
                if effect.undoes_keep:
                    verdict, reason, fulfilled_at, evidence, unverified = (Verdict.BROKEN, effect.breaks, None, update, ())
                continue
            # The field's own reason is more telling than a missed deadline, and the latest
            # contradiction is the current one.
            verdict, reason, evidence = Verdict.BROKEN, effect.breaks, update
            continue
        if effect.risk is not None and fulfilled_at is None:
            risk = AtRisk(cause=effect.risk, since=update.occurred_at, evidence=update)
    if verdict is Verdict.PENDING and now > promise.due_at:
        verdict, reason = Verdict.BROKEN, Reason.DEADLINE_MISSED
    if verdict is not Verdict.PENDING:
        risk = None
    elif risk is None and rules.warns_on_silence:
        risk = _silence(promise, relevant, now)
    return Outcome(
        verdict=verdict,
        reason=reason,
        fulfilled_at=fulfilled_at,
        evidence=evidence,
        unverified=unverified if verdict is Verdict.KEPT else (),
        at_risk=risk,
    )


def _about_the_replaced_one(promise: Promise, update: FieldUpdate) -> bool:
    """A promise made to answer a stuck one (same parcel, a new try) is not judged on what the
    field said before it was made: that broke the promise it replaces."""
    return promise.replaces is not None and promise.created_at is not None and update.occurred_at <= promise.created_at


def silence_check_at(promise: Promise) -> datetime | None:
    """When the carrier's silence starts to put the promise at risk: half the promised delay."""
    if not rules_for(promise.kind).warns_on_silence or promise.created_at is None:
        return None
    return promise.created_at + (promise.due_at - promise.created_at) / 2


def _silence(promise: Promise, updates: list[FieldUpdate], now: datetime) -> AtRisk | None:
    """No field update since the promise was made, and half the delay gone."""
    check_at = silence_check_at(promise)
    if check_at is None or now < check_at or promise.created_at is None:
        return None
    if any(u.occurred_at >= promise.created_at for u in updates):
        return None
    return AtRisk(cause="silence", since=check_at, evidence=updates[-1] if updates else None)

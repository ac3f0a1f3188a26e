"""Promise extraction: the promises a community manager's reply makes, in French or English.

Pure rules, no model (see kinds.py for what makes a sentence a promise). Deadlines:

- each deadline said in a sentence belongs to the act it is nearest to, preferring the act it
  follows ("rappeler dans l'heure et livraison dès le lendemain": two acts, two deadlines);
- an act with several deadlines of its own takes the latest, what the customer was told to
  expect: "ships today, you'll have it within 48h" promises the 48h, "refund issued today, it
  will show within 5 business days" the 5 business days;
- an act with no deadline of its own takes the first deadline of a sentence that names no act
  ("Refund issued. Please allow 3-5 business days."), else the kind's usual delay
  (DEFAULT_DELAY: 48h for a reroute, 3 business days for a delivery, 5 business days for a
  refund or a replacement, 24h for a callback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from domain.extraction.amounts import find_amount
from domain.extraction.deadlines import Deadline, add_business_days, candidates, distance
from domain.extraction.kinds import kinds_in
from domain.extraction.locations import find_location

# When a reply commits to an act without a date: the delay customers are usually given.
DEFAULT_DELAY: dict[str, Callable[[datetime], datetime]] = {
    "parcel.reroute": lambda said: said + timedelta(hours=48),
    "parcel.deliver": lambda said: add_business_days(said, 3),
    "refund.issue": lambda said: add_business_days(said, 5),
    "item.replace": lambda said: add_business_days(said, 5),
    "callback": lambda said: said + timedelta(hours=24),
}
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_FRENCH = re.compile(r"\b(vous|nous|votre|colis|demain|jours?|le|la|les|est|sera|dans|sous)\b", re.I)


@dataclass(frozen=True, slots=True)
class ExtractedPromise:
    kind: str
    due_at: datetime
    expect: dict[str, str] = field(default_factory=dict)
    evidence: str = ""


def detect_language(text: str) -> str:
    return "fr" if len(_FRENCH.findall(text)) >= 2 else "en"


def extract_promises(text: str, said_at: datetime, lang: str | None = None) -> list[ExtractedPromise]:
    """Each promise `text` makes (at most one per kind), with its deadline and expectations."""
    lang = lang or detect_language(text)
    sentences = [s.strip() for s in _SENTENCES.split(text) if s.strip()]
    acts: list[tuple[str, str, datetime | None]] = []  # (kind, sentence, own deadline)
    loose: list[Deadline] = []  # deadlines of sentences that name no act
    for sentence in sentences:
        found = candidates(sentence, said_at, lang)
        named = kinds_in(sentence, has_deadline=bool(found))
        if not named:
            loose.extend(found)
            continue
        owned: dict[str, list[Deadline]] = {kind: [] for kind, _ in named}
        for deadline in found:
            owner = min(named, key=lambda act: distance(deadline.span, act[1]))
            owned[owner[0]].append(deadline)
        for kind, _ in named:
            mine = [d for d in owned[kind] if d.due_at >= said_at]
            acts.append((kind, sentence, max((d.due_at for d in mine), default=None)))
    fallback = next((d.due_at for d in loose if d.due_at >= said_at), None)
    promises: dict[str, ExtractedPromise] = {}
    for kind, sentence, due in acts:
        if kind in promises:
            continue
        promises[kind] = ExtractedPromise(kind=kind, due_at=due or fallback or DEFAULT_DELAY[kind](said_at),
                                          expect=_expect(kind, sentence, text), evidence=sentence)
    return list(promises.values())


def _expect(kind: str, sentence: str, text: str) -> dict[str, str]:
    if kind == "refund.issue":
        found = find_amount(sentence) or find_amount(text)
        return {"amount": found[0], "currency": found[1]} if found else {}
    if kind in ("parcel.reroute", "item.replace"):
        location = find_location(sentence)
        return {"location": location} if location else {}
    if kind == "parcel.deliver":
        location = find_location(sentence)
        return {"address": location} if location else {}
    return {}

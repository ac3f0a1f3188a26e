"""Promise extraction: the promises a community manager's reply makes, in French or English.

Pure rules, no model (see kinds.py for what makes a sentence a promise; english.py for how real
English replies promise a refund or a contact-back). Each promise has a `confidence` (0..1): how
sure the wording makes a reader; the replies use case records the confident ones and suggests the
others. Deadlines are read in the brand's time zone (`tz`, an IANA name; said_at is converted) and
business days skip weekends and the brand's public holidays (`holiday`, a date → bool check built
outside the domain):

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

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from domain.extraction.amounts import find_amount
from domain.extraction.deadlines import Deadline, HolidayCheck, add_business_days, candidates, distance, hours_after
from domain.extraction.english import GENERAL_NOT, english_acts
from domain.extraction.kinds import kinds_in
from domain.extraction.locations import find_location

# When a reply commits to an act without a date: the delay customers are usually given.
DEFAULT_DELAY: dict[str, Callable[[datetime, HolidayCheck | None], datetime]] = {
    "parcel.reroute": lambda said, _: hours_after(said, 48),
    "parcel.deliver": lambda said, holiday: add_business_days(said, 3, holiday),
    "refund.issue": lambda said, holiday: add_business_days(said, 5, holiday),
    "item.replace": lambda said, holiday: add_business_days(said, 5, holiday),
    "callback": lambda said, _: hours_after(said, 24),
}
# Confidence of an act found by the general rules; one said without any deadline is less sure.
GENERAL_CONFIDENCE = 0.85
WITHOUT_DEADLINE = 0.1
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=[:;=][)D(])\s+")  # ":)" ends a sentence too
_FRENCH = re.compile(r"\b(vous|nous|votre|notre|colis|demain|jours?|le|la|les|des|du|est|sera|va|dans|sous)\b", re.I)


@dataclass(frozen=True, slots=True)
class ExtractedPromise:
    kind: str
    due_at: datetime
    expect: dict[str, str] = field(default_factory=dict)
    evidence: str = ""
    confidence: float = 1.0


def detect_language(text: str) -> str:
    return "fr" if len(_FRENCH.findall(text)) >= 2 else "en"


def extract_promises(
    text: str, said_at: datetime, lang: str | None = None, *, tz: str | None = None, holiday: HolidayCheck | None = None
) -> list[ExtractedPromise]:
    """Each promise `text` makes (at most one per kind), with its deadline, expectations and confidence.

    `tz` (e.g. "Europe/Paris") is the brand's time zone: "today", "tomorrow", "by Friday" are days
    there; `holiday(date)` says whether a weekday is a public holiday in the brand's country.
    """
    text = html.unescape(text)  # "&amp;" from the channel is "&", not the end of a sentence
    lang = lang or detect_language(text)
    said = said_at.astimezone(ZoneInfo(tz)) if tz else said_at
    sentences = [s.strip() for s in _SENTENCES.split(text) if s.strip()]
    acts: list[tuple[str, str, datetime | None, float]] = []  # (kind, sentence, own deadline, confidence)
    loose: list[Deadline] = []  # deadlines of sentences that name no act
    for index, sentence in enumerate(sentences):
        found = candidates(sentence, said, lang, holiday)
        named = _acts(sentence, found, lang, " ".join(sentences[:index]))
        if not named:
            loose.extend(found)
            continue
        owned: dict[str, list[Deadline]] = {kind: [] for kind, _, _ in named}
        for deadline in found:
            owner = min(named, key=lambda act: distance(deadline.span, act[1]))
            owned[owner[0]].append(deadline)
        for kind, _, confidence in named:
            mine = [d for d in owned[kind] if d.due_at >= said]
            acts.append((kind, sentence, max((d.due_at for d in mine), default=None), confidence))
    fallback = next((d.due_at for d in loose if d.due_at >= said), None)
    promises: dict[str, ExtractedPromise] = {}
    for kind, sentence, due, confidence in acts:
        if kind in promises:
            continue
        # An act said in several sentences ("queued for credit shell. It will be applied within 48 hours")
        # takes the latest deadline any of them gives it.
        due = max((d for k, _, d, _ in acts if k == kind and d is not None), default=None)
        if due is None and fallback is None:
            confidence -= WITHOUT_DEADLINE
        promises[kind] = ExtractedPromise(
            kind=kind,
            due_at=due or fallback or DEFAULT_DELAY[kind](said, holiday),
            expect=_expect(kind, sentence, text),
            evidence=sentence,
            confidence=round(max(0.05, min(confidence, 0.99)), 2),
        )
    return list(promises.values())


def _acts(sentence: str, deadlines: list[Deadline], lang: str, before: str) -> list[tuple[str, tuple[int, int], float]]:
    """(kind, span, confidence) of the acts a sentence commits to."""
    general = kinds_in(sentence, has_deadline=bool(deadlines))
    if lang != "en":
        return [(kind, span, GENERAL_CONFIDENCE) for kind, span in general]
    english = {kind: (span, confidence) for kind, span, confidence in english_acts(sentence, before, bool(deadlines))}
    acts = []
    for kind, span in general:
        # In English, refunds and contact-backs are what english.py recognises; the other acts
        # keep the general rules when said with a deadline (real replies mention deliveries and
        # "a new iPhone" all the time without promising either).
        if kind in english or kind in ("refund.issue", "callback") or GENERAL_NOT.search(sentence) or not deadlines:
            continue
        acts.append((kind, span, GENERAL_CONFIDENCE))
    for kind, (span, confidence) in english.items():
        # The general rules name the act by its word ("refund"), nearer its own deadline.
        same = [general_span for k, general_span in general if k == kind]
        acts.append((kind, same[0] if same else span, confidence + (0.05 if same else 0.0)))
    return acts


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

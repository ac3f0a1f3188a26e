"""Promise extraction: the promises a community manager's reply makes, in French or English.

Pure rules, no model: a sentence makes a promise when it names an act (reroute, deliver,
refund, replace, call back) with a commitment ("we will", "vous serez", "a été") and neither
asks the customer for something nor refuses. The deadline comes from the sentence, else from
the rest of the reply, else from the kind's usual delay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.extraction.amounts import find_amount
from domain.extraction.deadlines import add_business_days, resolve
from domain.extraction.kinds import kinds_in
from domain.extraction.locations import find_location

# When a reply commits to an act without a date: the delay customers are usually given.
DEFAULT_DELAY = {
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
    whole_deadline = resolve(text, said_at, lang)
    promises: dict[str, ExtractedPromise] = {}
    for sentence in (s.strip() for s in _SENTENCES.split(text)):
        if not sentence:
            continue
        for kind, span in kinds_in(sentence):
            if kind in promises:
                continue
            deadline = resolve(sentence, said_at, lang, near=span) or whole_deadline
            due = deadline.due_at if deadline else DEFAULT_DELAY[kind](said_at)
            if due < said_at:
                due = DEFAULT_DELAY[kind](said_at)
            promises[kind] = ExtractedPromise(kind=kind, due_at=due, expect=_expect(kind, sentence, text),
                                              evidence=sentence)
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

"""Deadlines said in words, resolved against the moment they were said.

"dans les 24h", "sous 48h ouvrées", "within 2 business days", "3-5 working days" (upper bound),
"demain (matin)", "tomorrow (morning)", "aujourd'hui"/"today" (end of day), "dans l'heure",
weekday names ("by Friday", "vendredi"), explicit dates ("le 12/03", "12 mars", "March 12").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

NUM_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
    "a": 1, "an": 1, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six_": 6,
    "sept": 7, "dix": 10, "quinze": 15,
}
NUM = r"\b(\d+|one|two|three|four|five|six|seven|ten|an?|une?|deux|trois|quatre|cinq|sept|dix|quinze)"
RANGE = rf"(?:{NUM}\s*(?:-|–|to|à|or|ou)\s*)?{NUM}"

WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
}
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "fevrier": 2, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "aout": 8, "août": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "decembre": 12, "décembre": 12,
}

_BUSINESS = r"(?:business|working|ouvr[ée]s?|ouvrables?)"
_HOURS = r"(?:h\b|hours?|hrs?\b|heures?)"
_DAYS = r"(?:days?|jours?|j\b)"
_WEEKS = r"(?:weeks?|semaines?)"

RELATIVE = re.compile(
    rf"(?:within|in|under|sous|dans|d'ici|en|next|les|la|the|au plus tard)?\s*(?:les|the|next)?\s*"
    rf"{RANGE}\s*(?P<business_before>{_BUSINESS}\s+)?(?P<unit>{_HOURS}|{_DAYS}|{_WEEKS})\s*(?P<business>{_BUSINESS})?",
    re.IGNORECASE)
WITHIN_HOUR = re.compile(r"\b(?:dans l'heure|within (?:the|an|one) hour|in the next hour|sous une heure)\b",
                         re.IGNORECASE)
TOMORROW = re.compile(r"\b(?:demain|tomorrow|le lendemain|dès le lendemain|the next day)\b"
                      r"(?:\s+(?P<part>matin|morning|midi|noon|soir|evening|après-midi|afternoon))?",
                      re.IGNORECASE)
TODAY = re.compile(r"\b(?:aujourd'hui|today|ce soir|tonight|dans la journée|by end of day|by eod|"
                   r"end of (?:the )?day|later today|ce jour)\b", re.IGNORECASE)
WEEKDAY = re.compile(r"\b(?:by|on|before|avant|d'ici|pour|this|ce|next)?\s*(?P<day>" +
                     "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
DATE_NUMERIC = re.compile(r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2,4}))?\b")
DATE_WORDS_DM = re.compile(r"\b(?P<d>\d{1,2})(?:er|st|nd|rd|th)?\s+(?P<m>" + "|".join(MONTHS) + r")\b",
                           re.IGNORECASE)
DATE_WORDS_MD = re.compile(r"\b(?P<m>" + "|".join(MONTHS) + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b",
                           re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Deadline:
    due_at: datetime
    span: tuple[int, int]


def _number(token: str | None) -> int | None:
    if token is None:
        return None
    token = token.lower()
    return int(token) if token.isdigit() else NUM_WORDS.get(token)


def end_of_day(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(23, 59, 59), tzinfo=moment.tzinfo)


def add_business_days(moment: datetime, days: int) -> datetime:
    """Count Monday–Friday only; the deadline is the end of the last business day."""
    current = moment
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return end_of_day(current)


def _relative(text: str, said_at: datetime) -> Deadline | None:
    for match in RELATIVE.finditer(text):
        values = [n for n in (_number(match.group(1)), _number(match.group(2))) if n is not None]
        if not values:
            continue
        amount = max(values)  # a range takes its upper bound
        unit = match.group("unit").lower()
        business = bool(match.group("business") or match.group("business_before"))
        if unit.startswith("h"):
            due = add_business_days(said_at, max(1, amount // 24)) if business else said_at + timedelta(hours=amount)
        elif unit.startswith(("w", "s")):
            due = add_business_days(said_at, amount * 5) if business else end_of_day(said_at + timedelta(weeks=amount))
        else:
            due = add_business_days(said_at, amount) if business else end_of_day(said_at + timedelta(days=amount))
        return Deadline(due, match.span())
    return None


def _explicit_date(text: str, said_at: datetime, lang: str) -> Deadline | None:
    for pattern in (DATE_WORDS_DM, DATE_WORDS_MD):
        match = pattern.search(text)
        if match:
            day, month = int(match.group("d")), MONTHS[match.group("m").lower().rstrip(".")]
            return _dated(said_at, month, day, None, match.span())
    match = DATE_NUMERIC.search(text)
    if match:
        a, b = int(match.group("a")), int(match.group("b"))
        day, month = (b, a) if lang == "en" else (a, b)
        if month > 12 and day <= 12:
            day, month = month, day
        year = match.group("y")
        return _dated(said_at, month, day, int(year) if year else None, match.span())
    return None


def _dated(said_at: datetime, month: int, day: int, year: int | None, span) -> Deadline | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is not None and year < 100:
        year += 2000
    try:
        candidate = said_at.replace(year=year or said_at.year, month=month, day=day)
    except ValueError:
        return None
    if year is None and candidate.date() < said_at.date():
        candidate = candidate.replace(year=candidate.year + 1)
    return Deadline(end_of_day(candidate), span)


def candidates(text: str, said_at: datetime, lang: str) -> list[Deadline]:
    """Every deadline stated in `text`, each with its span."""
    found: list[Deadline] = []
    for m in WITHIN_HOUR.finditer(text):
        found.append(Deadline(said_at + timedelta(hours=1), m.span()))
    for m in TOMORROW.finditer(text):
        next_day = said_at + timedelta(days=1)
        part = (m.group("part") or "").lower()
        hour = {"matin": 12, "morning": 12, "midi": 13, "noon": 13, "après-midi": 18, "afternoon": 18}.get(part)
        due = (datetime.combine(next_day.date(), time(hour, 0), tzinfo=said_at.tzinfo) if hour is not None
               else end_of_day(next_day))
        found.append(Deadline(due, m.span()))
    if relative := _relative(text, said_at):
        found.append(relative)
    for m in TODAY.finditer(text):
        found.append(Deadline(end_of_day(said_at), m.span()))
    for m in WEEKDAY.finditer(text):
        target = WEEKDAYS[m.group("day").lower()]
        ahead = (target - said_at.weekday()) % 7 or 7
        found.append(Deadline(end_of_day(said_at + timedelta(days=ahead)), m.span()))
    if explicit := _explicit_date(text, said_at, lang):
        found.append(explicit)
    return found


def resolve(text: str, said_at: datetime, lang: str, near: tuple[int, int] | None = None) -> Deadline | None:
    """The deadline stated in `text` closest to `near` (the words naming the act), or the first."""
    found = candidates(text, said_at, lang)
    if not found:
        return None
    if near is None:
        return min(found, key=lambda d: d.span[0])

    def distance(deadline: Deadline) -> tuple[int, int]:
        start, end = deadline.span
        gap = start - near[1] if start >= near[1] else near[0] - end
        return (max(gap, 0) + (0 if start >= near[1] else 20), start)  # prefer what follows the act

    return min(found, key=distance)

"""Deadlines said in words, resolved against the moment they were said.

"dans les 24h", "sous 48h ouvrées", "within 2 business days", "3-5 working days" (upper bound),
"a day or two", "demain (matin)", "tomorrow (morning)", "aujourd'hui"/"today"/"this afternoon"
(end of day), "dans l'heure", "avant 17h"/"by 5pm", weekday names ("by Friday", "vendredi
matin"), "end of the week"/"fin de semaine", "next week", explicit dates ("le 12/03", "12 mars",
"March 12", "on 3/12" in English). Day deadlines end at 23:59:59; a "morning" ends at noon.
Clock times ("entre 9h et 12h") are not durations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Callable

# Whether a date is a public holiday where the brand works (built outside the domain, e.g. from
# the `holidays` package, and passed in): business days skip those as well as weekends.
HolidayCheck = Callable[[date], bool]

NUM_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "a": 1,
    "an": 1,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "dix": 10,
    "quinze": 15,
}
_NUM = r"\b(?P<{}>\d+|one|two|three|four|five|six|seven|ten|an?|une?|deux|trois|quatre|cinq|sept|dix|quinze)"
RANGE = rf"(?:{_NUM.format('low')}\s*(?:-|–|to|à|or|ou)\s*)?{_NUM.format('high')}"

WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "janvier": 1,
    "fevrier": 2,
    "février": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "août": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "décembre": 12,
    "janv": 1,
    "févr": 2,
    "fevr": 2,
    "avr": 4,
    "juil": 7,
    "déc": 12,
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# Parts of a day and when they end.
PARTS = {
    "matin": 12,
    "morning": 12,
    "midi": 13,
    "noon": 13,
    "après-midi": 18,
    "apres-midi": 18,
    "afternoon": 18,
    "soir": 23,
    "evening": 23,
    "night": 23,
}
_PART = r"(?:\s+(?P<part>matin|morning|midi|noon|soir|evening|après-midi|apres-midi|afternoon))?"

_BUSINESS = r"(?:business|working|ouvr[ée]s?|ouvrables?)"
_HOURS = r"(?:hours?|hrs?\b|heures?|h\b)"
_DAYS = r"(?:days?|jours?|j\b)"
_WEEKS = r"(?:weeks?|semaines?)"
_PREFIX = r"(?:within|in|under|sous|dans|d'ici|en|next|au plus tard|up to|jusqu'à)"

RELATIVE = re.compile(
    rf"(?P<pre>{_PREFIX}\s+)?(?:(?:les|the|next)\s+)?"
    rf"{RANGE}\s*(?P<business_before>{_BUSINESS}\s+)?(?P<unit>{_HOURS}|{_DAYS}|{_WEEKS})\s*(?P<business>{_BUSINESS})?"
    r"(?!\s*/)",
    re.IGNORECASE,
)
DAY_OR_TWO = re.compile(r"\b(?:a|one|un) (?:day|jour) (?:or|ou) (?P<n>two|deux|\d)\b", re.IGNORECASE)
WITHIN_HOUR = re.compile(r"\b(?:dans l'heure|within (?:the|an|one) hour|in the next hour|sous une heure)\b", re.IGNORECASE)
TOMORROW = re.compile(r"\b(?:demain|tomorrow|le lendemain|dès le lendemain|the next day)\b" + _PART, re.IGNORECASE)
TODAY = re.compile(
    r"\b(?:aujourd'hui|today|ce soir|tonight|dans la journée|by end of day|by eod|"
    r"end of (?:the )?day|later today|ce jour|this (?:afternoon|evening|morning)|"
    r"cet après-midi|ce matin|en fin de journée)\b",
    re.IGNORECASE,
)
FIRST_THING = re.compile(
    r"\b(?:first thing(?P<tomorrow> tomorrow)?(?: in the morning)?|(?<!tomorrow )in the morning)\b", re.IGNORECASE
)
# "it should reflect on your end of November statement": the end of that month.
STATEMENT = re.compile(r"\b(?:end of |mid or end of )?(?P<m>" + _MONTH_NAMES + r")\b\.? (?:card )?statement", re.IGNORECASE)
END_OF_WEEK = re.compile(r"\b(?:fin de (?:la )?semaine|end of (?:the |this )?week|this week|cette semaine)\b", re.IGNORECASE)
NEXT_WEEK = re.compile(r"\b(?:next week|la semaine prochaine|semaine prochaine)\b", re.IGNORECASE)
FORTNIGHT = re.compile(r"\b(?:sous quinzaine|within a fortnight|in a fortnight)\b", re.IGNORECASE)
WEEKDAY = re.compile(
    r"\b(?:by|on|before|avant|d'ici|pour|this|ce|next)?\s*(?P<day>" + "|".join(WEEKDAYS) + r")\b" + _PART, re.IGNORECASE
)
CLOCK = re.compile(
    r"\b(?:avant|before|by|d'ici|jusqu'à|until|no later than)\s+(?:(?P<noon>noon|midi)|(?P<h>\d{1,2})"
    r"(?:h(?P<m>\d{2})?|:(?P<m2>\d{2})\s*(?P<ap>am|pm)?|\s*(?P<ap2>am|pm)))",
    re.IGNORECASE,
)
DATE_NUMERIC = re.compile(
    r"\b(?:(?P<pre>le|on|by|before|avant|au|du|jusqu'au|d'ici le|for)\s+)?"
    r"(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{2,4}))?\b",
    re.IGNORECASE,
)
DATE_WORDS_DM = re.compile(r"\b(?P<d>\d{1,2})(?:er|st|nd|rd|th)?\s+(?P<m>" + _MONTH_NAMES + r")\b\.?", re.IGNORECASE)
DATE_WORDS_MD = re.compile(r"\b(?P<m>" + _MONTH_NAMES + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b", re.IGNORECASE)


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


def hours_after(moment: datetime, hours: float) -> datetime:
    """Real hours, also across a DST change (aware arithmetic in one zone would add wall-clock hours)."""
    if moment.tzinfo is None:
        return moment + timedelta(hours=hours)
    return (moment.astimezone(UTC) + timedelta(hours=hours)).astimezone(moment.tzinfo)


def _at(moment: datetime, hour: int, minute: int = 0) -> datetime:
    if hour >= 24:
        return end_of_day(moment)
    return datetime.combine(moment.date(), time(hour, minute), tzinfo=moment.tzinfo)


def add_business_days(moment: datetime, days: int, holiday: HolidayCheck | None = None) -> datetime:
    """Count Monday–Friday that are not public holidays; the deadline is the end of the last one."""
    current = moment
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5 and not (holiday and holiday(current.date())):
            added += 1
    return end_of_day(current)


def _relative(text: str, said_at: datetime, holiday: HolidayCheck | None = None) -> list[Deadline]:
    found = []
    for match in RELATIVE.finditer(text):
        values = [n for n in (_number(match.group("low")), _number(match.group("high"))) if n is not None]
        if not values:
            continue
        unit = match.group("unit").lower()
        business = bool(match.group("business") or match.group("business_before"))
        if unit == "h" and not match.group("pre"):
            continue  # "entre 9h et 12h", "à 14h": a time of day, not a delay
        if match.group("low") is None and match.group("high").lower() in ("a", "an", "un", "une") and not match.group("pre"):
            continue  # "a day", "une semaine" said without "within"/"sous": no deadline
        amount = max(values)  # a range takes its upper bound
        if unit.startswith("h"):
            due = add_business_days(said_at, max(1, amount // 24), holiday) if business else hours_after(said_at, amount)
        elif unit.startswith(("w", "s")):
            due = add_business_days(said_at, amount * 5, holiday) if business else end_of_day(said_at + timedelta(weeks=amount))
        else:
            due = add_business_days(said_at, amount, holiday) if business else end_of_day(said_at + timedelta(days=amount))
        found.append(Deadline(due, match.span()))
    return found


def _dated(said_at: datetime, month: int, day: int, year: int | None, span: tuple[int, int]) -> Deadline | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is not None and year < 100:
        year += 2000
    try:
        candidate = said_at.replace(year=year or said_at.year, month=month, day=day)
    except ValueError:
        return None
    if year is None and candidate.date() < said_at.date():
        if (said_at.date() - candidate.date()).days <= 180:
            return None  # "processed on 24/10" said on 2 November: a past fact, not a deadline
        candidate = candidate.replace(year=candidate.year + 1)
    return Deadline(end_of_day(candidate), span)


def _explicit_dates(text: str, said_at: datetime, lang: str) -> list[Deadline]:
    found = []
    for pattern in (DATE_WORDS_DM, DATE_WORDS_MD):
        for match in pattern.finditer(text):
            month = MONTHS[match.group("m").lower().rstrip(".")]
            if dated := _dated(said_at, month, int(match.group("d")), None, match.span()):
                found.append(dated)
    for match in DATE_NUMERIC.finditer(text):
        if not match.group("pre") and not match.group("y"):
            continue  # "1/2" closing a thread, "24/7": a date needs "le", "on", "by" or a year
        a, b = int(match.group("a")), int(match.group("b"))
        day, month = (b, a) if lang == "en" else (a, b)
        if month > 12 and day <= 12:
            day, month = month, day
        year = match.group("y")
        if dated := _dated(said_at, month, day, int(year) if year else None, match.span()):
            found.append(dated)
    return found


def _day_deadline(day: datetime, part: str | None) -> datetime:
    hour = PARTS.get((part or "").lower())
    return _at(day, hour) if hour is not None and hour < 23 else end_of_day(day)


def candidates(text: str, said_at: datetime, lang: str, holiday: HolidayCheck | None = None) -> list[Deadline]:
    """Every deadline stated in `text`, each with its span (`said_at` in the brand's time zone)."""
    found: list[Deadline] = []
    days: list[Deadline] = []  # deadlines that name a day, which a following clock time refines
    for m in WITHIN_HOUR.finditer(text):
        found.append(Deadline(hours_after(said_at, 1), m.span()))
    for m in TOMORROW.finditer(text):
        days.append(Deadline(_day_deadline(said_at + timedelta(days=1), m.group("part")), m.span()))
    found.extend(_relative(text, said_at, holiday))
    for m in FIRST_THING.finditer(text):
        # "first thing in the morning" said in the afternoon is tomorrow morning; said early, today's.
        day = said_at if said_at.hour < 9 and not m.group("tomorrow") else said_at + timedelta(days=1)
        days.append(Deadline(_at(day, 12), m.span()))
    for m in STATEMENT.finditer(text):
        month = MONTHS.get(m.group("m").lower())
        if month is None:
            continue
        year = said_at.year
        if month < said_at.month and said_at.month - month <= 2:
            month = said_at.month  # "your November statement" said in December comes at the end of December
        elif month < said_at.month:
            year += 1
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        found.append(Deadline(end_of_day(said_at.replace(year=year, month=month, day=last)), m.span()))
    for m in DAY_OR_TWO.finditer(text):
        found.append(Deadline(end_of_day(said_at + timedelta(days=_number(m.group("n")) or 2)), m.span()))
    for m in TODAY.finditer(text):
        days.append(Deadline(end_of_day(said_at), m.span()))
    for m in END_OF_WEEK.finditer(text):
        ahead = (4 - said_at.weekday()) % 7
        found.append(Deadline(end_of_day(said_at + timedelta(days=ahead)), m.span()))
    for m in NEXT_WEEK.finditer(text):
        ahead = (4 - said_at.weekday()) % 7 + 7
        found.append(Deadline(end_of_day(said_at + timedelta(days=ahead)), m.span()))
    for m in FORTNIGHT.finditer(text):
        found.append(Deadline(end_of_day(said_at + timedelta(days=14)), m.span()))
    for m in WEEKDAY.finditer(text):
        target = WEEKDAYS[m.group("day").lower()]
        ahead = (target - said_at.weekday()) % 7 or 7
        days.append(Deadline(_day_deadline(said_at + timedelta(days=ahead), m.group("part")), m.span()))
    days.extend(_explicit_dates(text, said_at, lang))
    for m in CLOCK.finditer(text):
        hour = 12 if m.group("noon") else int(m.group("h"))
        minute = int(m.group("m") or m.group("m2") or 0)
        if (m.group("ap") or m.group("ap2") or "").lower() == "pm" and hour < 12:
            hour += 12
        if hour > 24 or minute > 59:
            continue
        # "demain avant 12h", "Friday by 5pm", "by 5pm today": the clock time is on the day named.
        named = [d for d in days if 0 <= m.start() - d.span[1] <= 12 or 0 <= d.span[0] - m.end() <= 3]
        if named:
            days.remove(named[0])
            due = _at(named[0].due_at, hour, minute)
            span = (min(named[0].span[0], m.start()), max(named[0].span[1], m.end()))
        else:
            due = _at(said_at, hour, minute)
            if due <= said_at:
                due += timedelta(days=1)
            span = m.span()
        found.append(Deadline(due, span))
    return sorted(found + days, key=lambda d: d.span)


def resolve(text: str, said_at: datetime, lang: str, near: tuple[int, int] | None = None) -> Deadline | None:
    """The deadline stated in `text` closest to `near` (the words naming the act), or the first."""
    found = candidates(text, said_at, lang)
    if not found:
        return None
    if near is None:
        return found[0]
    return min(found, key=lambda d: distance(d.span, near))


def distance(span: tuple[int, int], act: tuple[int, int]) -> tuple[int, int]:
    """How far a deadline is from the words naming an act; what follows the act is preferred."""
    start, end = span
    gap = start - act[1] if start >= act[1] else act[0] - end
    return (max(gap, 0) + (0 if start >= act[1] else 20), start)

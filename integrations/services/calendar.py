"""Where the brand works: its public holidays, as the date check promise extraction takes."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from domain.errors import InvalidInput
from domain.extraction.deadlines import HolidayCheck


@lru_cache(maxsize=64)
def holiday_check(country: str) -> HolidayCheck:
    """date → whether it is a public holiday in `country` (ISO 3166-1 alpha-2, e.g. "FR", "US")."""
    try:
        calendar = holidays.country_holidays(country.upper())
    except NotImplementedError as exc:
        raise InvalidInput(f"no public holidays known for country {country!r}", {"country": country}) from exc

    def is_holiday(day: date) -> bool:
        return day in calendar

    return is_holiday


def check_timezone(name: str) -> str:
    """`name` if it is an IANA time zone, else a clear InvalidInput."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}", {"timezone": name}) from exc
    return name

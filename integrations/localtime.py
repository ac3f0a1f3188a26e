"""Times as people read them: in the brand's time zone (TERRAIN_TIMEZONE), to the minute, with
the zone shown. JSON keeps RFC 3339; screens, the terminal and alerts use this."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

FORMATS = {"fr": "%d/%m/%Y %H:%M %Z", "en": "%Y-%m-%d %H:%M %Z"}


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: datetime | str | None, tz: str = "Europe/Paris", language: str = "en") -> str:
    """ "2026-03-03 10:00 CET" (en) or "03/03/2026 10:00 CET" (fr); "" for nothing."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        text = moment
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if moment.tzinfo is None:
        return moment.isoformat()
    return moment.astimezone(zone(tz)).strftime(FORMATS.get(language, FORMATS["en"]))

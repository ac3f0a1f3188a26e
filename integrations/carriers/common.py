"""What the carrier adapters share: HTTP status triage, local times, event ids, and reading
who received a parcel and in which country from a carrier's words.

None of this does I/O. The word tables are small and explicit on purpose: a carrier's free
text is evidence only where it names something unambiguous ("neighbour", "mailbox",
"refused"); anything else is left out rather than guessed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from integrations.carriers.pull import (
    CarrierAuthError,
    CarrierHTTPError,
    CarrierRateLimited,
    CarrierUnavailable,
    TrackingNotFound,
)
from integrations.webhooks.base import MAX_ID, PayloadError, in_range, load_object, signer, stable_id, text

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")


# --- HTTP -----------------------------------------------------------------------------------


def error_message(body: bytes) -> str:
    """A short message from an error body (JSON `detail`/`message`/`title`… or the text)."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return text(body[:300].decode("utf-8", "replace"), 200) or "no message"
    found: list[str] = []

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 4 or len(found) >= 2:
            return
        if isinstance(value, dict):
            for key in ("returnMessage", "detail", "message", "title", "error_description", "error"):
                item = value.get(key)
                if isinstance(item, str) and item.strip():
                    found.append(item)
                    return
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, list):
            for item in value[:3]:
                walk(item, depth + 1)

    walk(data)
    return text(found[0], 200) if found else "no message"  # type: ignore[return-value]


def triage(carrier: str, status_code: int, body: bytes, not_found: tuple[int, ...] = (404,)) -> None:
    """Raise for every answer that is not a 2xx: TrackingNotFound for `not_found` statuses,
    CarrierAuthError (401/403), CarrierRateLimited (429), CarrierUnavailable (5xx), and
    CarrierHTTPError for any other status."""
    if 200 <= status_code < 300:
        return
    message = error_message(body)
    if status_code in not_found:
        raise TrackingNotFound(f"{carrier}: {message}")
    if status_code in (401, 403):
        raise CarrierAuthError(carrier, status_code, message)
    if status_code == 429:
        raise CarrierRateLimited(carrier, status_code, message)
    if status_code >= 500:
        raise CarrierUnavailable(carrier, status_code, message)
    raise CarrierHTTPError(carrier, status_code, message)


def json_body(body: bytes) -> Any:
    """The body as JSON (object or list), PayloadError otherwise."""
    if body[:1].strip() == b"[" or body.lstrip()[:1] == b"[":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise PayloadError("the body is not JSON") from exc
        return data
    return load_object(body)


# --- time -----------------------------------------------------------------------------------


def local_time(value: Any, zone: timezone | ZoneInfo, field: str) -> datetime:
    """An ISO 8601 time from a carrier; one without an offset is the carrier's local time in
    `zone` (the DST fold, an hour that happens twice, reads as its first occurrence)."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{field} is missing")
    raw = value.strip()
    try:
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1:] in "zZ" else raw)
    except ValueError:
        raise PayloadError(f"{field} is not a timestamp: {raw[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return in_range(moment, field)


def compact_time(day: Any, clock: Any, zone: timezone | ZoneInfo, field: str) -> datetime:
    """UPS-style `YYYYMMDD` + `HHMMSS` (time optional) in `zone`."""
    if not isinstance(day, str) or not re.fullmatch(r"\d{8}", day.strip()):
        raise PayloadError(f"{field} is not a YYYYMMDD date")
    clock = clock.strip().replace(":", "") if isinstance(clock, str) else ""
    if clock and not re.fullmatch(r"\d{4,6}", clock):
        raise PayloadError(f"{field} time is not HHMMSS")
    # "74700" is 07:47:00 (UPS drops the leading zero); "0915" is 09:15; none is midnight
    clock = clock.zfill(6) if len(clock) in (5, 6) else clock + "00" if clock else "000000"
    try:
        moment = datetime.strptime(day.strip() + clock, "%Y%m%d%H%M%S").replace(tzinfo=zone)
    except ValueError:
        raise PayloadError(f"{field} is not a valid date") from None
    return in_range(moment, field)


def offset_zone(value: Any) -> timezone | None:
    """UPS `gmtOffset` ("-04.00", "+05.30") as a fixed zone, None when absent or malformed."""
    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"([+-])(\d{2})[.:](\d{2})", value.strip())
    if not match:
        return None
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    return timezone(-delta if match[1] == "-" else delta)


# --- event ids ------------------------------------------------------------------------------


class EventIds:
    """Deterministic event ids from the carrier's own data: `<carrier>:<reference>:<code>:<UTC
    time>`, plus `#2`, `#3`… for a second identical (code, time, place) in the same history,
    counted in the carrier's list order. The same history polled twice gives the same ids, so
    nothing is stored twice; an id longer than 200 characters becomes a hash of itself."""

    def __init__(self, carrier: str, reference: str) -> None:
        self.carrier = carrier
        self.reference = reference
        self.seen: Counter[str] = Counter()

    def __call__(self, code: str | None, moment: datetime, *extra: Any) -> str:
        when = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"{self.carrier}:{self.reference}:{code or '-'}:{when}"
        key = "\x1f".join([base, *("" if e is None else str(e) for e in extra)])
        self.seen[key] += 1
        if self.seen[key] > 1:
            base = f"{base}#{self.seen[key]}"
        if extra and any(e for e in extra):
            # a place or detail that distinguishes two events at the same second
            digest = stable_id("x", *extra).split(":", 1)[1][:8]
            base = f"{base}:{digest}"
        return base if len(base) <= MAX_ID else stable_id(self.carrier, base)


# --- words ----------------------------------------------------------------------------------


def fold(value: str) -> str:
    """Lower case, accents removed, punctuation to spaces, single-spaced."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split()) + " "


# To whom a parcel was handed, from a carrier's words (FR, EN, DE, IT), checked in this order.
_HANDED_TO_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("neighbour", (" neighbor", " neighbour", " voisin", " nachbar", " vicino ")),
    (
        "mailbox",
        (
            " mailbox ",
            " mail box ",
            " letterbox ",
            " letter box ",
            " boite aux lettres ",
            " bal ",
            " briefkasten ",
            " mail slot ",
            " cassetta postale ",
            " parcel box ",
            " paketkasten ",
        ),
    ),
    (
        "pickup_point",
        (
            " access point ",
            " pickup point ",
            " pick up point ",
            " parcelshop ",
            " parcel shop ",
            " point relais ",
            " relais ",
            " point de retrait ",
            " bureau de poste ",
            " post office ",
            " locker ",
            " consigne ",
            " packstation ",
            " paketshop ",
            " filiale ",
            " postfiliale ",
            " servicepoint ",
            " service point ",
            " punto di ritiro ",
        ),
    ),
    (
        "reception",
        (
            " reception ",
            " front desk ",
            " concierge ",
            " gardien ",
            " loge ",
            " accueil ",
            " management office ",
            " receiving ",
            " mail room ",
            " mailroom ",
            " guard ",
            " doorman ",
            " receptionist ",
            " empfang ",
            " pforte ",
            " portineria ",
            " portiere ",
        ),
    ),
    (
        "safe_place",
        (
            " front door ",
            " back door ",
            " side door ",
            " porch ",
            " garage ",
            " deck ",
            " patio ",
            " carport ",
            " shed ",
            " safe place ",
            " garden ",
            " gate ",
            " delivery bag ",
            " other location at address ",
            " lieu sur ",
            " ablageort ",
            " abstellort ",
            " terrasse ",
            " garten ",
            " left at ",
        ),
    ),
    (
        "other",
        (
            " different person ",
            " other person ",
            " another person ",
            " autre personne ",
            " tiers ",
            " left with individual ",
            " ersatzempfanger ",
            " andere person ",
        ),
    ),
    (
        "addressee",
        (
            " in person ",
            " en main propre ",
            " au destinataire ",
            " recipient ",
            " addressee ",
            " met customer ",
            " residential ",
            " resident ",
            " receiver ",
            " consignee ",
            " empfanger personlich ",
            " persoenlich ",
            " personlich ",
        ),
    ),
)


def handed_to_from(*texts: Any) -> str | None:
    """`handed_to` named by a carrier's words, or None when they name no one in particular."""
    for value in texts:
        if not isinstance(value, str) or not value.strip():
            continue
        words = fold(value)
        for handed_to, needles in _HANDED_TO_WORDS:
            if any(needle in words for needle in needles):
                return handed_to
    return None


# Country names carriers write in a location ("Bonn, Germany", "Milan - Italy ", "Mechelen
# (BE)"): the ones seen in recorded histories and their neighbours, in EN/FR/DE/IT.
_COUNTRY_NAMES = {
    "FR": ("france", "frankreich", "francia"),
    "DE": ("germany", "allemagne", "deutschland", "germania"),
    "IT": ("italy", "italie", "italien", "italia"),
    "BE": ("belgium", "belgique", "belgien", "belgio"),
    "NL": ("netherlands", "pays bas", "niederlande", "paesi bassi", "holland"),
    "ES": ("spain", "espagne", "spanien", "spagna"),
    "PT": ("portugal", "portogallo"),
    "GB": ("united kingdom", "royaume uni", "grossbritannien", "regno unito", "great britain"),
    "CH": ("switzerland", "suisse", "schweiz", "svizzera"),
    "AT": ("austria", "autriche", "osterreich"),
    "LU": ("luxembourg", "luxemburg", "lussemburgo"),
    "PL": ("poland", "pologne", "polen", "polonia"),
    "US": ("united states", "etats unis", "usa"),
    "BR": ("brazil", "bresil", "brasilien", "brasile"),
    "IE": ("ireland", "irlande", "irland", "irlanda"),
    "DK": ("denmark", "danemark", "danimarca"),
    "SE": ("sweden", "suede", "schweden", "svezia"),
    "CZ": ("czech republic", "czechia", "tschechien"),
}
_BY_NAME = {f" {name} ": code for code, names in _COUNTRY_NAMES.items() for name in names}


def person(value: Any) -> str | None:
    """A signer that names someone: `signer()`'s placeholders dropped, and so is a value with
    fewer than two letters ("163000", "00:00:00", "21.20" are a carrier's codes, not names)."""
    name = signer(value)
    if name is None or sum(c.isalpha() for c in name) < 2:
        return None
    return name


def country_code(value: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code as given (upper-cased), or None."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        return value.strip().upper()
    return None


def country_in(location: Any) -> str | None:
    """The country a location names at its end: "(BE)", ", Germany", "- Italy"; None otherwise."""
    if not isinstance(location, str) or not location.strip():
        return None
    match = re.search(r"\(([A-Za-z]{2})\)\s*$", location)
    if match:
        return match[1].upper()
    tail = re.split(r"[,\-–/]", location.strip())[-1]
    return _BY_NAME.get(fold(tail))  # "Bonn, Germany", "Milan - Italy ", or just "Germany"


# Countries in one time zone, for carriers that give a local time without an offset but name
# the country of the scan (DHL). Elsewhere such a time is read as UTC (off by the local offset
# at most).
_ZONES = {
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "IT": "Europe/Rome",
    "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam",
    "LU": "Europe/Luxembourg",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "ES": "Europe/Madrid",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "DK": "Europe/Copenhagen",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "FI": "Europe/Helsinki",
    "GR": "Europe/Athens",
    "HU": "Europe/Budapest",
    "SK": "Europe/Bratislava",
    "SG": "Asia/Singapore",
    "HK": "Asia/Hong_Kong",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai",
    "IN": "Asia/Kolkata",
    "AE": "Asia/Dubai",
}


def zone_for(country: str | None) -> ZoneInfo | timezone:
    name = _ZONES.get(country or "")
    return ZoneInfo(name) if name else UTC

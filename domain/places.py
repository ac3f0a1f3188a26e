"""Three-valued comparison of places and people: same, different or unknown.

"Never break on a guess" (DESIGN.md, Field truth v1.1): a promise is broken by positive evidence
of a difference, never by two strings that fail to match. So this module answers DIFFERENT only
on evidence that would convince a person reading both values (another pickup point id, another
country, another postal code or house number or street in the delivered-to address, another
person's name) and UNKNOWN wherever carriers' habits leave a doubt: depots in suburbs, cities
written in the carrier's language, a city where a street was expected, truncated or placeholder
signers, company consignees.

Place evidence is weighed strongest first: pickup point id, country, postal code, house number,
then the folded words of street and place names (abbreviations FR/EN/DE/IT/NL, "03" = "3", one
name per city in any language). Standard library only, no look-up; parsing is cached because it
runs on the ingest hot path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import permutations

from domain.matching import tokens
from domain.place_words import (
    ABBREVIATIONS,
    BUILDING_WORDS,
    CITIES,
    COMPANY_WORDS,
    CONNECTORS,
    COUNTRY_NAMES,
    DEPOT_WORDS,
    FRENCH_WORDS,
    HANDED_TO,
    HOUSE_SUFFIXES,
    ILE_DE_FRANCE,
    ISO2,
    ISO3,
    ITALIAN_PROVINCES,
    JUNK_WORDS,
    MONTHS,
    NEIGHBOUR_ROMANCE,
    NEIGHBOUR_WORDS,
    PARTICLES,
    PICKUP_MARKERS,
    PICKUP_WORDS,
    POSTAL_PREFIXES,
    SMALL_WORDS,
    STREET_SUFFIXES,
    STREET_TYPES,
    TITLES,
    UNIT_WORDS,
    US_REGIONS,
)


class Match(StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Place:
    """What is known of a place. On the promise side: `address` = a street address promised for delivery
    ("14 rue des Lilas, 75011 Paris"), `location` = a named place promised for a reroute ("Bureau de poste
    Lyon 3", "Relais Pickup Tabac du Centre, Arras"). On the update side: `address` = the address the parcel
    was delivered to, `location` = where the scan happened (depot, sorting centre, city: "ARRAS CHRONOPOST, 62223",
    "Mechelen (BE)", "Milan - Italy", "Bonn, Germany")."""

    address: str | None = None
    location: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, any case
    pickup_point_id: str | None = None


# --------------------------------------------------------------------------------------------
# Folding words (the word lists are in domain/place_words.py)
# --------------------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter and an accent, so that `tokens`
# would cut the word in two on them: "København", "Łódź", "Œuvre".
_TRANSLITERATE = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)

# Italian dotted abbreviations would otherwise fold into two words: "P.za" -> "p", "za".
_DOTTED = re.compile(r"\b([pvcl])\.(zz?a|le|so|go|lo)\b", re.IGNORECASE)
# Old European postal codes with a country prefix: "D-53113 Bonn", "B-2800 Mechelen".
_PREFIXED_POSTAL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3})-(\d{4,5})(?![0-9])")
# Segments: commas and the like, and dashes or slashes between spaces ("Milan - Italy").
_SEPARATORS = re.compile(r"[,;\n\[\]]|\s[-\u2013\u2014/|]\s")
_PARENTHESES = re.compile(r"(\([^()]*\))")
_ORDINAL = re.compile(r"^0*(\d+)(?:e|er|ere|eme|nd|rd|th|st|o|a|ieme)?$")
_HOUSE = re.compile(r"^(\d{1,5})(?:[a-z]|bis|ter|quater)?$")


def _build_city_tables() -> tuple[dict[tuple[str, ...], str], dict[str, str]]:
    aliases: dict[tuple[str, ...], str] = {}
    countries: dict[str, str] = {}
    for country, canonical, *others in CITIES:
        key = "".join(_plain_words(canonical))
        countries[key] = country
        for form in (canonical, *others):
            aliases[_plain_words(form)] = key
    return aliases, countries


def _plain_words(text: str) -> tuple[str, ...]:
    """Folded words (case, accents, punctuation), abbreviations expanded, German compounds split."""
    out: list[str] = []
    for word in tokens(_DOTTED.sub(r"\1\2", text).translate(_TRANSLITERATE)):
        out.extend(_plain_word(word))
    return tuple(out)


@lru_cache(maxsize=65_536)
def _plain_word(word: str) -> tuple[str, ...]:
    match = _ORDINAL.match(word)
    if match:
        return (str(int(match.group(1))),)  # "03" = "3", "3e" = "3"
    if word.isalpha():
        for suffix, canonical in STREET_SUFFIXES:
            if word.endswith(suffix) and len(word) >= len(suffix) + 3:
                return (word[: -len(suffix)], canonical)
    return (ABBREVIATIONS.get(word, word),)


_CITY_ALIASES, _CITY_COUNTRY = _build_city_tables()
_LONGEST_CITY = max(len(alias) for alias in _CITY_ALIASES)
_CITY_FIRST_WORDS = frozenset(alias[0] for alias in _CITY_ALIASES)
_COUNTRY_BY_NAME = {tokens(name): code for code, names in COUNTRY_NAMES.items() for name in names}


@lru_cache(maxsize=65_536)
def _words(text: str) -> tuple[str, ...]:
    """`_plain_words` with every city written as its one canonical name ("milano" -> "milan")."""
    plain = _plain_words(text)
    out: list[str] = []
    i = 0
    while i < len(plain):
        longest = min(_LONGEST_CITY, len(plain) - i) if plain[i] in _CITY_FIRST_WORDS else 0
        for n in range(longest, 0, -1):
            key = _CITY_ALIASES.get(plain[i : i + n])
            if key is not None:
                out.append(key)
                i += n
                break
        else:
            out.append(plain[i])
            i += 1
    return tuple(out)


def _loose(word: str) -> str:
    """German umlauts written without the dots: "Müller" folds to "muller", "Mueller" to "mueller"."""
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


# --------------------------------------------------------------------------------------------
# Reading one text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Street:
    kind: str | None  # canonical street type, None for "Bruul 5"
    name: tuple[str, ...]  # the street's own words, without type, number and small words
    number: tuple[int, int] | None  # house number; a range for "14-16"


@dataclass(frozen=True, slots=True)
class _Text:
    words: frozenset[str]
    country: str | None
    postal: str | None
    city: tuple[str, ...]  # () when not found
    street: _Street | None
    name: tuple[str, ...]  # words of the segments that name a place (not street, city, country)
    french: bool
    cedex: bool
    pickup_marker: bool


def _segments(text: str) -> list[str]:
    """Comma-like segments, each parenthesised group being one too ("Mechelen (BE)")."""
    out: list[str] = []
    for part in _PARENTHESES.split(_DOTTED.sub(r"\1\2", text)):
        if part.startswith("("):
            out.append(part[1:-1])
        else:
            out.extend(_SEPARATORS.split(part))
    return [s for s in out if tokens(s)]


def _country_of(segment: str, cities: set[str], in_parentheses: bool) -> str | None:
    """The country a whole segment names: "Italy", "Deutschland", "(BE)", "FRA"."""
    folded = tokens(segment.translate(_TRANSLITERATE))  # no abbreviations: "CH" is not "chemin" here
    if folded in _COUNTRY_BY_NAME:
        return _COUNTRY_BY_NAME[folded]
    if len(folded) != 1:
        return None
    code = folded[0].upper()
    if code in ISO3:
        return ISO3[code]
    if code == "UK":
        return "GB"
    doubtful = ITALIAN_PROVINCES if in_parentheses else ITALIAN_PROVINCES | US_REGIONS
    if code in ISO2 and (code not in doubtful or code in {_CITY_COUNTRY[c] for c in cities}):
        return code
    return None


def _city_keys(segment: str) -> set[str]:
    """Canonical cities named in a segment, each by whole words: "Porto-Vecchio" names no city."""
    found: set[str] = set()
    words = [_whole_word(w) for w in segment.split()]
    for i, word in enumerate(words):
        if not word or word[0] not in _CITY_FIRST_WORDS:
            continue
        for n in range(1, min(_LONGEST_CITY, len(words) - i) + 1):
            key = _CITY_ALIASES.get(tuple(t for w in words[i : i + n] for t in w))
            if key is not None:
                found.add(key)
    return found


@lru_cache(maxsize=65_536)
def _whole_word(word: str) -> tuple[str, ...]:
    return _plain_words(word)


def _is_us_region(seg_tokens: tuple[str, ...]) -> bool:
    """ "CA 94043", "GA", "TX 75001-1234": a US state or Canadian province and maybe a ZIP code."""
    if not seg_tokens or seg_tokens[0].upper() not in US_REGIONS:
        return False
    rest = seg_tokens[1:]
    return all(t.isdigit() for t in rest) and len(rest) <= 2 and (not rest or len(rest[0]) == 5)


def _street_type_at(words: tuple[str, ...]) -> tuple[tuple[str, ...], int | None]:
    """Words with "r."/"v." read as rue/via where they open a street, and the type's index."""
    k = 0
    while k < len(words) and (_HOUSE.match(words[k]) or (k and words[k] in HOUSE_SUFFIXES)):
        k += 1
    if k < len(words) - 1 and words[k] in ("r", "v"):
        words = (*words[:k], "rue" if words[k] == "r" else "via", *words[k + 1 :])
    for i, word in enumerate(words):
        if word in STREET_TYPES and len(words) > 1:
            # "st" is a type only after the name ("Main St"): before it, it is a saint ("St Denis").
            if word == "st" and not all(w.isdigit() for w in words[i + 1 :]):
                continue
            return words, i
    return words, None


def _house_number(word: str) -> int | None:
    match = _HOUSE.match(word)
    return int(match.group(1)) if match else None


def _read_street(words: tuple[str, ...], first: bool, is_location: bool, postal: str | None) -> _Street | None:
    words, at = _street_type_at(words)
    if at is None and (is_location or not first):
        return None  # only an address's first segment may be a street without a type ("Bruul 5")
    excluded = {int(postal)} if postal and postal.isdigit() else set()

    def number_ok(i: int) -> int | None:
        n = _house_number(words[i])
        if n is None or n in excluded or len(words[i]) >= 5 and n > 9999:
            return None
        if i and words[i - 1] in UNIT_WORDS:
            return None
        if (i + 1 < len(words) and words[i + 1] in MONTHS) or (i and words[i - 1] in MONTHS and 1000 < n < 2100):
            return None  # a date in the street's name: "rue du 8 Mai 1945", "Straße des 17. Juni"
        return n

    number: tuple[int, int] | None = None
    if at is not None:
        # The run of numbers right before the type ("14 rue", "14-16 rue", "14 bis rue"), else
        # the one opening the segment when the name comes before the type ("12 Grand Place").
        for start in (at - 1, None):
            run: list[int] = []
            if start is None:
                indices: Iterable[int] = range(at)
            else:
                indices = range(start, -1, -1)
            for i in indices:
                n = number_ok(i)
                if n is not None:
                    run.append(n)
                elif words[i] not in HOUSE_SUFFIXES or not run:
                    break
            if run:
                number = (min(run), max(run))
                break
        if number is None:
            after = [n for i in range(at + 1, len(words)) if (n := number_ok(i)) is not None]
            if after:
                number = (after[0], after[0])  # "Via Dante 7", "Poppelsdorfer Allee 10"
    elif words and (n := number_ok(0)) is not None:
        number = (n, n)  # "8 Paul Bert"
    elif len(words) > 1 and (n := number_ok(len(words) - 1)) is not None:
        number = (n, n)  # "Bruul 5", "Meir 50"
    if at is None and number is None:
        return None
    kind = words[at] if at is not None else None
    name: list[str] = []
    skip_next = False
    for i, word in enumerate(words):
        if skip_next:
            skip_next = False
            continue
        if word in UNIT_WORDS:
            skip_next = True
            continue
        if i == at or not word.isalpha() or word in SMALL_WORDS:
            continue
        if word in HOUSE_SUFFIXES and i and words[i - 1][:1].isdigit():
            continue
        name.append(word)
    return _Street(kind, tuple(name), number)


def _postal_candidates(raw: list[tuple[str, ...]], typed: list[bool]) -> tuple[int, int, str] | None:
    """(segment, position, code) of the postal code among the folded segments, or None.

    A 5-digit number anywhere but before a street type ("12345 Ventura Blvd" is a house number),
    not after CS/BP/TSA (French business box numbers); a 4-digit one only opening a segment that is
    not a street. Among several, the one followed by a word (its city) wins, then the last.
    """
    best: tuple[int, int, int, str] | None = None
    for i, seg in enumerate(raw):
        for j, word in enumerate(seg):
            if not word.isdigit() or len(word) not in (4, 5):
                continue
            if j and seg[j - 1] in ("cs", "bp", "tsa", "cedex", "box"):
                continue
            if len(word) == 5 and j == 0 and typed[i]:
                continue
            if len(word) == 4 and (j != 0 or typed[i] or (i == 0 and len(raw) > 1)):
                continue
            followed = j + 1 < len(seg) and seg[j + 1].isalpha()
            score = (2 if followed else 1) + (1 if len(word) == 5 else 0)
            if best is None or score >= best[0]:
                best = (score, i, j, word)
    return None if best is None else (best[1], best[2], best[3])


def _city_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """A city's words without CEDEX, its number and arrondissement numbers ("Paris 11e", "Lyon Cedex 03")."""
    out: list[str] = []
    for word in words:
        if word == "cedex":
            break
        if word.isdigit() or word in ("arrondissement", "arr"):
            continue
        out.append(word)
    return tuple(out)


@lru_cache(maxsize=65_536)
def _read(text: str, is_location: bool) -> _Text:
    """Everything one address or location says, by segment."""
    segments = _segments(text)
    raw = [tokens(s.translate(_TRANSLITERATE)) for s in segments]
    canon = [_words(s) for s in segments]
    typed = [_street_type_at(w)[1] is not None for w in canon]

    cities: set[str] = set()
    for seg in segments:
        cities |= _city_keys(seg)

    # Country: a whole segment naming it, the last one or one in parentheses; a postal prefix.
    countries: set[str] = set()
    country_segments: set[int] = set()
    parenthesised = {m.group(1)[1:-1] for m in _PARENTHESES.finditer(text)}
    for i, seg in enumerate(segments):
        if i == len(segments) - 1 or seg in parenthesised:
            code = _country_of(seg, cities, seg in parenthesised)
            if code:
                countries.add(code)
                country_segments.add(i)
    postal: str | None = None
    for m in _PREFIXED_POSTAL.finditer(text):
        code = POSTAL_PREFIXES.get(m.group(1).upper())
        if code:
            countries.add(code)
            postal = m.group(2)

    # Postal code and the city written after it.
    city: tuple[str, ...] = ()
    postal_at = _postal_candidates(raw, typed)
    postal_segment = -1
    if postal_at is not None:
        i, j, code = postal_at
        postal = postal or code
        postal_segment = i
        after = raw[i][j + 1 :]
        if len(after) > 1 and (after[-1],) in _COUNTRY_BY_NAME:  # "75011 Paris France"
            countries.add(_COUNTRY_BY_NAME[(after[-1],)])
            after = after[:-1]
        city = _city_words(_words(" ".join(after)))
        if not city and i + 1 < len(segments) and i + 1 not in country_segments and segments[i + 1].strip():
            city = _city_words(canon[i + 1]) if all(w.isalpha() for w in canon[i + 1]) else ()

    # The street: the first typed segment, else (addresses) a numbered first segment.
    street: _Street | None = None
    street_segment = -1
    for i, words in enumerate(canon):
        if i in country_segments:
            continue
        if typed[i] or (i == 0 and not is_location):
            cut = raw[i].index(postal) if postal and postal in raw[i] else None
            part = _words(" ".join(raw[i][:cut])) if cut is not None else words
            street = _read_street(part, i == 0, is_location, postal)
            if (
                street is not None
                and street.kind is None
                and (all(w in _CITY_COUNTRY for w in street.name) or (postal is None and len(segments) == 1))
            ):
                street = None  # "PARIS 11", "Lyon 3": a city and its arrondissement, not "Bruul 5"
            if street is not None and street.number is None:
                # The number in a segment of its own: "14, rue des Lilas", "Via Dante, 7".
                for k in (i - 1, i + 1):
                    if (
                        0 <= k < len(canon)
                        and len(canon[k]) == 1
                        and (n := _house_number(canon[k][0])) is not None
                        and len(raw[k][0]) < 4
                    ):
                        street = _Street(street.kind, street.name, (n, n))
                        break
            if street is not None:
                street_segment = i
                break

    # Otherwise the city is the last plain segment: "3 place Bellecour, Lyon", "Relais X, Arras".
    city_segment = -1
    if not city and len(segments) > 1:
        for i in range(len(segments) - 1, 0, -1):
            if i in country_segments:
                continue
            if (
                i != street_segment
                and i != postal_segment
                and not typed[i]
                and canon[i]
                and canon[i][0] not in BUILDING_WORDS
                and all(w.isalpha() or w.isdigit() for w in canon[i])
                and not (len(raw[i]) == 1 and len(raw[i][0]) <= 3)
            ):  # "CA", "NY", "SRY": a region code
                city, city_segment = _city_words(canon[i]), i
            break

    # The named place: what is left once street, city and country are set aside.
    name: list[str] = []
    for i, words in enumerate(canon):
        if i in (street_segment, city_segment) or i in country_segments:
            continue
        if i == postal_segment and postal_at is not None:
            words = _words(" ".join(raw[i][: postal_at[1]]))
        name.extend(w for w in words if w not in SMALL_WORDS)

    every = frozenset(w for words in canon for w in words) | ({street.kind} if street and street.kind else set())
    us = any(_is_us_region(seg) for seg in raw[1:])
    country = next(iter(countries)) if len(countries) == 1 else None
    if country is None and not countries and not us:
        # A city of the table that the text's city part names; a location may name it anywhere.
        # (Not in a street: "12 rue de Londres, 75009 Paris" is in Paris.)
        named = {w for w in city if w in _CITY_COUNTRY} if len(city) == 1 else set()
        if not named and is_location:
            named = cities
        found = {_CITY_COUNTRY[c] for c in named}
        country = next(iter(found)) if len(found) == 1 else None
    return _Text(
        words=every,
        country=country,
        postal=postal,
        city=city,
        street=street,
        name=tuple(name),
        french=bool(every & FRENCH_WORDS) or country == "FR",
        cedex="cedex" in every,
        pickup_marker=any(w in PICKUP_MARKERS for w in name),
    )


# --------------------------------------------------------------------------------------------
# What is known of a place, on one side
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Facts:
    pickup_id: str | None
    country: str | None
    postal: str | None
    postal_firm: bool  # of a street address or of the promised place, not of a scan
    street: _Street | None
    city: tuple[str, ...]
    name: tuple[str, ...]  # distinctive words of a named place
    words: frozenset[str]
    french: bool
    cedex: bool


def _norm_country(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    upper = value.strip().upper()
    if upper in ISO3:
        return ISO3[upper]
    if upper == "UK":
        return "GB"
    if len(upper) == 2 and upper.isalpha():
        return upper
    return _COUNTRY_BY_NAME.get(tokens(value.translate(_TRANSLITERATE)))


def _norm_postal(value: str | None) -> str | None:
    """ "75011", "75011 Paris", "F-75011", "1012 AB", "SW1A 1AA" -> a comparable code."""
    if not value:
        return None
    m = _PREFIXED_POSTAL.search(value)
    if m and m.group(1).upper() in POSTAL_PREFIXES:
        return m.group(2)
    m = re.search(r"(?<!\d)(\d{4,5})(?!\d)", value)
    if m:
        return m.group(1)
    compact = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return compact if 3 <= len(compact) <= 8 and any(c.isdigit() for c in compact) else None


def _norm_id(value: str | None) -> str | None:
    if not value:
        return None
    compact = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return compact or None


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


@lru_cache(maxsize=65_536)
def _facts(place: Place, promised: bool) -> _Facts:
    address = _read(place.address, False) if place.address and place.address.strip() else None
    location = _read(place.location, True) if place.location and place.location.strip() else None
    texts = [t for t in (address, location) if t is not None]
    city_field = _city_words(_words(place.city)) if place.city else ()
    postal_field = _norm_postal(place.postal_code)
    if promised:
        # The promised place is firm whatever it is: it is the promise.
        street = next((t.street for t in texts if t.street is not None), None)
        city = city_field or next((t.city for t in texts if t.city), ())
        postal, firm = postal_field or _first(*(t.postal for t in texts)), True
    else:
        # Only a delivered-to street address speaks for the place of delivery. An "address"
        # without street nor number ("ARRAS CHRONOPOST, 62223", "PARIS") is a scan place, and
        # so are the location, its postal code and its city.
        street = address.street if address is not None else None
        city = address.city if street is not None and address is not None else ()
        if street is not None and address is not None and (postal_field or address.postal):
            postal, firm = postal_field or address.postal, True
        else:
            postal, firm = postal_field or _first(*(t.postal for t in texts)), False
    country = _norm_country(place.country) or _first(*(t.country for t in texts))
    if country is None and len(city_field) == 1 and city_field[0] in _CITY_COUNTRY:
        country = _CITY_COUNTRY[city_field[0]]
    named = [t for t in ((location, address) if promised else ()) if t is not None]
    name = tuple(w for t in named for w in t.name if w not in PICKUP_WORDS)
    words: frozenset[str] = frozenset(city_field).union(*(t.words for t in texts))
    return _Facts(
        pickup_id=_norm_id(place.pickup_point_id),
        country=country,
        postal=postal,
        postal_firm=firm,
        street=street,
        city=city,
        name=name,
        words=words,
        french=any(t.french for t in texts) or country == "FR",
        cedex=any(t.cedex for t in texts),
    )


# --------------------------------------------------------------------------------------------
# Evidence, strongest first
# --------------------------------------------------------------------------------------------


def _compare_ids(a: str | None, b: str | None) -> Match | None:
    if a is None or b is None:
        return None
    if a == b or a.lstrip("0") == b.lstrip("0"):
        return Match.SAME
    # "FR-012345" and "12345": the same point, one with a country or network prefix.
    prefixed, bare = (a, b) if a[:1].isalpha() else (b, a)
    if not bare[:1].isalpha():
        core = prefixed.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if core and core.lstrip("0") == bare.lstrip("0"):
            return Match.SAME
    return Match.DIFFERENT


def _countries_differ(e: _Facts, o: _Facts) -> bool:
    return e.country is not None and o.country is not None and e.country != o.country


def _same_postal(a: str, b: str) -> bool:
    if a == b:
        return True
    # "1012AB" and "1012": a Dutch code with and without its letters.
    shorter, longer = sorted((a, b), key=len)
    return longer.startswith(shorter) and longer[len(shorter) :].isalpha()


def _french_area(code: str) -> str:
    """The département (Île-de-France as one, overseas by three digits) of a French postal code."""
    if code[:2] in ILE_DE_FRANCE:
        return "IDF"
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def _postal_differs(e: _Facts, o: _Facts) -> bool:
    """Positive evidence that the postal codes are those of two different places.

    - Two codes of different shape (4 and 5 digits) belong to two postal systems: the country
      comparison already spoke, nothing more here.
    - A delivered-to street address with another code: another place, except with a CEDEX code
      (a firm's code, not its street's): then only another French département counts.
    - A scan's code (depot, sorting centre, city): depots sit in suburbs, so without a postal
      database only another French département (Île-de-France as one) says another city;
      elsewhere a scan's code is UNKNOWN.
    """
    if e.postal is None or o.postal is None or _same_postal(e.postal, o.postal):
        return False
    both_digits = e.postal.isdigit() and o.postal.isdigit()
    if both_digits and len(e.postal) != len(o.postal):
        return False
    if not both_digits and (e.postal.isdigit() or o.postal.isdigit()):
        return False
    french = (
        both_digits
        and len(e.postal) == 5
        and ({e.country, o.country} - {None} == {"FR"} or (e.country is None and o.country is None and (e.french or o.french)))
    )
    if o.postal_firm and e.postal_firm:
        if e.cedex or o.cedex:
            return french and _french_area(e.postal) != _french_area(o.postal)
        return True
    return french and _french_area(e.postal) != _french_area(o.postal)


def _word_in(word: str, others: Iterable[str]) -> bool:
    loose = _loose(word)
    return any(o == word or _loose(o) == loose for o in others)


def _cover(shorter: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Each word of `shorter` pairs with its own word of `longer`; an initial pairs with a word of
    that letter ("T Gouritin" ~ "Thomas Gouritin", "rue P. Bert" ~ "rue Paul Bert")."""
    pool = list(longer)
    full = [w for w in shorter if len(w) > 1]
    initials = [w for w in shorter if len(w) == 1]
    for word in full:
        loose = _loose(word)
        at = next((i for i, o in enumerate(pool) if o == word or _loose(o) == loose), None)
        if at is None:
            at = next((i for i, o in enumerate(pool) if len(o) == 1 and o == word[0]), None)
        if at is None:
            return False
        pool.pop(at)
    for initial in initials:
        at = next((i for i, o in enumerate(pool) if o.startswith(initial)), None)
        if at is None:
            return False
        pool.pop(at)
    return True


def _covers(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Symmetric: one side's words all pair with the other's."""
    if not a or not b:
        return False
    return _cover(a, b) if len(a) < len(b) else _cover(b, a) if len(b) < len(a) else _cover(a, b) or _cover(b, a)


def _disjoint(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """No word in common, nor one close to another ("Grand'Rue" / "Grande Rue"), initials aside."""
    return not any(len(w) > 1 and len(o) > 1 and _close(w, o) for w in a for o in b)


def _close(a: str, b: str) -> bool:
    """The same word, or one misspelt or cut short."""
    if a == b or _loose(a) == _loose(b):
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True
    return min(len(a), len(b)) >= 4 and _edit_distance_at_most_one(a, b)


def _street_relation(a: _Street, b: _Street) -> Match:
    if not a.name or not b.name:
        return Match.UNKNOWN
    if _covers(a.name, b.name):
        # "rue des Lilas" and "allée des Lilas" may both exist in one town: not the same for sure.
        return Match.UNKNOWN if a.kind and b.kind and a.kind != b.kind else Match.SAME
    if a.kind and b.kind and _disjoint(a.name, b.name) and _disjoint(b.name, a.name):
        return Match.DIFFERENT  # two typed streets with no word in common
    return Match.UNKNOWN


def _city_relation(a: tuple[str, ...], b: tuple[str, ...]) -> Match | None:
    """None when a side has no city. DIFFERENT only for two cities of the table: "Bruxelles" and
    "Schaerbeek", "Lyon" and "Villeurbanne" may be one town for a carrier."""
    if not a or not b:
        return None
    if _covers(a, b):
        return Match.SAME
    if len(a) == 1 and len(b) == 1 and a[0] in _CITY_COUNTRY and b[0] in _CITY_COUNTRY:
        return Match.DIFFERENT
    return Match.UNKNOWN


def _compare_streets(e: _Facts, o: _Facts) -> Match:
    """Two street addresses whose countries and postal codes do not differ."""
    assert e.street is not None and o.street is not None
    en, on = e.street.number, o.street.number
    if en and on and (en[1] < on[0] or on[1] < en[0]):
        return Match.DIFFERENT  # another house number: "16 rue des Lilas" is not "14 rue des Lilas"
    street = _street_relation(e.street, o.street)
    city = _city_relation(e.city, o.city)
    if e.postal and o.postal and _same_postal(e.postal, o.postal) and city is Match.DIFFERENT:
        city = Match.UNKNOWN  # one postal code, two city names: a typo or a merged commune
    if street is Match.DIFFERENT or city is Match.DIFFERENT:
        return Match.DIFFERENT
    if street is Match.SAME and city in (Match.SAME, None) and not (en and not on):
        return Match.SAME
    return Match.UNKNOWN


def _names_place(e: _Facts, o: _Facts) -> bool:
    """The observed words name the promised place: every distinctive word of its name is there,
    and one at least is more than a city ("Lille Vauban" yes; "Mechelen" alone is only a town)."""
    if not e.name or o.words & DEPOT_WORDS:
        return False
    if all(w in _CITY_COUNTRY or w in e.city for w in e.name):
        return False
    return all(_word_in(w, o.words) for w in e.name)


# --------------------------------------------------------------------------------------------
# Public comparisons
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def compare_delivery_place(expected: Place, observed: Place) -> Match:
    """parcel.deliver: was the parcel delivered at the promised address?

    A scan place (an update's `location`, or an `address` with neither street nor number) never
    confirms a delivery address and contradicts it only by another country or a postal code of
    another French département.
    """
    e, o = _facts(expected, True), _facts(observed, False)
    ids = _compare_ids(e.pickup_id, o.pickup_id)
    if ids is not None:
        return ids
    if _countries_differ(e, o) or _postal_differs(e, o):
        return Match.DIFFERENT
    if o.street is None:
        return Match.UNKNOWN
    if e.street is not None:
        return _compare_streets(e, o)
    return Match.SAME if _names_place(e, o) else Match.UNKNOWN


@lru_cache(maxsize=65_536)
def compare_pickup_place(expected: Place, observed: Place) -> Match:
    """parcel.reroute: is the observed place (pickup point / delivered-to address / scan location)
    the promised one?

    SAME on the same pickup point id, the same street address, or observed words that name the
    promised place; DIFFERENT on another id, country, postal code (as for deliveries) or street
    address. A street address that merely does not name the place is not DIFFERENT here (it may
    be the pickup point's own address): `is_home_delivery_address` judges a delivery there.
    """
    e, o = _facts(expected, True), _facts(observed, False)
    ids = _compare_ids(e.pickup_id, o.pickup_id)
    if ids is not None:
        return ids
    if _countries_differ(e, o) or _postal_differs(e, o):
        return Match.DIFFERENT
    if e.street is not None and o.street is not None:
        streets = _compare_streets(e, o)
        if streets is not Match.UNKNOWN:
            return streets
    return Match.SAME if _names_place(e, o) else Match.UNKNOWN


@lru_cache(maxsize=65_536)
def is_home_delivery_address(observed_address: str, expected: Place) -> bool:
    """A reroute promised to a pickup place; the update says delivered to this street address.

    True when the address is positively another place: a street address with a house number,
    that names no pickup place, and that is not the promised place (another country, postal
    code or street address than the promised one, or, when only its name is known, an address
    that does not name it).
    """
    text = _read(observed_address, False)
    if text.street is None or text.street.number is None or text.pickup_marker:
        return False
    e = _facts(expected, True)
    if e.pickup_id is None and e.street is None and not e.name and e.postal is None:
        return False  # nothing promised to compare with
    o = _facts(Place(address=observed_address), False)
    if _countries_differ(e, o) or _postal_differs(e, o):
        return True
    if e.street is not None:
        return _compare_streets(e, o) is Match.DIFFERENT
    alphabetic = tuple(w for w in e.name if w.isalpha() and w not in _CITY_COUNTRY and w not in e.city)
    return not (alphabetic and all(_word_in(w, o.words) for w in alphabetic))


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


def _person_words(name: str) -> tuple[str, ...]:
    words = tokens(name.translate(_TRANSLITERATE))
    # "M. Martin": a title, not an initial, when a name follows it.
    if len(words) > 1 and words[0] == "m":
        words = words[1:]
    words = tuple(w for w in words if w not in TITLES and w not in CONNECTORS)
    without_particles = tuple(w for w in words if w not in PARTICLES)
    return without_particles or words


def is_junk_signer(signed_by: str | None) -> bool:
    """A signer field that names no person: empty, digits, a time, one letter, a placeholder
    ("N/A", "SIGNATURE", "sig on file"), or where the parcel was left ("FRONT DOOR", "RECEPTION")."""
    if signed_by is None:
        return True
    words = tokens(signed_by.translate(_TRANSLITERATE))
    if not any(w.isalpha() and len(w) >= 2 for w in words):
        return True  # "960528602", "00:00:00", "21.20", "-", "X", "A.B."
    return all(w in JUNK_WORDS or w.isdigit() for w in words)


def is_person_name(name: str) -> bool:
    """A person's name, not a company's ("PHARMA WORKS", "ACME GmbH", "SARL Dupont").

    A single word without a title ("CAMPAGNA", "DECATHLON") could be either: not a person's name
    for sure, so False.
    """
    raw = tokens(name.translate(_TRANSLITERATE))
    if not raw or any(w in COMPANY_WORDS or any(c.isdigit() for c in w) for w in raw):
        return False
    titled = any(w in TITLES for w in raw) or (len(raw) > 1 and raw[0] == "m")
    words = _person_words(name)
    if not words or len(words) > 6:
        return False
    return len(words) >= 2 or titled


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :] or (len(a) == len(b) and a[i + 1 :] == b[i + 1 :])


def _near_word(word: str, others: tuple[str, ...], all_others: tuple[str, ...]) -> bool:
    """A misspelt, truncated or abbreviated form of one of `others`: no proof of another person."""
    for other in others:
        if word == other or _loose(word) == _loose(other):
            return True
        if len(word) == 1 or len(other) == 1:
            if word[0] == other[0]:
                return True
            continue
        short, long_ = sorted((word, other), key=len)
        if len(short) >= 3 and long_.startswith(short):
            return True  # "Christ" / "Christophe", "Jean" / "Jeanne"
        if min(len(word), len(other)) >= 4 and _edit_distance_at_most_one(word, other):
            return True  # "Gouriten" / "Gouritin"
    # "JP" for "Jean-Pierre": the initials of the other side's words.
    initials = "".join(o[0] for o in all_others)
    return 2 <= len(word) <= 3 and word in initials


def _compare_names(a: str, b: str) -> Match:
    wa, wb = _person_words(a), _person_words(b)
    if not wa or not wb:
        return Match.UNKNOWN
    if _covers(wa, wb):
        return Match.SAME
    shorter, longer = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if _near_pairing(shorter, longer) or (len(shorter) == len(longer) and _near_pairing(longer, shorter)):
        return Match.UNKNOWN
    return Match.DIFFERENT


def _near_pairing(shorter: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """Each word of `shorter` near its own word of `longer` ("G Gouritin" cannot pair both G and
    Gouritin with "Gouritin"). Names are short: trying every pairing is cheap."""
    if len(longer) > 7:
        return False
    return any(
        all(_near_word(word, (longer[j],), longer) for word, j in zip(shorter, chosen, strict=True))
        for chosen in permutations(range(len(longer)), len(shorter))
    )


def compare_person(expected_recipient: str, signed_by: str | None, handed_to: str | None) -> Match:
    """Did the expected recipient receive the parcel?

    DIFFERENT when the carrier says a neighbour or someone else took it, or when a real signer's
    name is not the expected person's (only for a person: anyone may sign for a company).
    SAME when the signer is that person, or the carrier says the addressee took it and no other
    name contradicts it. UNKNOWN otherwise: reception, mailbox, safe place, pickup point, junk
    signers, names too close to tell apart ("Jean" and "Jeanne", a misspelling).
    """
    role = HANDED_TO.get("_".join(tokens(handed_to))) if handed_to else None
    if role in ("neighbour", "other"):
        return Match.DIFFERENT
    signer = None if is_junk_signer(signed_by) else signed_by
    has_expected = bool(expected_recipient and tokens(expected_recipient))
    name = _compare_names(expected_recipient, signer) if signer and has_expected else None
    if name is Match.SAME:
        return Match.SAME
    if signer is not None:
        words = tokens(signer.translate(_TRANSLITERATE))
        if any(w in NEIGHBOUR_WORDS for w in words) or (len(words) > 1 and any(w in NEIGHBOUR_ROMANCE for w in words)):
            return Match.DIFFERENT  # "NEIGHBOUR", "chez le voisin"
    if role in ("reception", "mailbox", "safe_place", "pickup_point"):
        return Match.UNKNOWN
    if role == "addressee":
        return Match.UNKNOWN if name is Match.DIFFERENT else Match.SAME
    if name is Match.DIFFERENT and is_person_name(expected_recipient):
        return Match.DIFFERENT
    return Match.UNKNOWN

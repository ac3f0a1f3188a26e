"""Validation of the small values every message carries: timestamps, amounts, currencies."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidAmount, InvalidInput, NaiveTimestamp

_AMOUNT = re.compile(r"^\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def aware(value: datetime, field: str) -> datetime:
    """Refuse naive timestamps (an instant without an offset is ambiguous); keep the instant in UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveTimestamp(f"{field} must carry a UTC offset", {"field": field})
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"{field} is out of range", {"field": field}) from None
    if not 1970 <= utc.year <= 9998:
        raise InvalidInput(f"{field} must be between 1970 and 9998", {"field": field})
    return utc


def amount(value: str | Decimal | int | None, field: str = "amount") -> Decimal | None:
    """A non-negative decimal given as a string ("12.50"); floats are refused (precision)."""
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, float) or not _AMOUNT.match(text):
        raise InvalidAmount(
            f'{field} must be a non-negative decimal string such as "12.50"', {"field": field, "value": str(value)}
        )
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise InvalidAmount(f"{field} is not a decimal", {"field": field}) from exc


def currency(value: str | None, field: str = "currency") -> str | None:
    """ISO 4217 code, compared case-insensitively, so stored upper-case."""
    if value is None:
        return None
    if not _CURRENCY.match(value.strip()):
        raise InvalidInput(f"{field} must be a 3-letter ISO 4217 code", {"field": field, "value": value})
    return value.strip().upper()


def text(value: str | None, field: str, *, required: bool = False, max_len: int = 10_000) -> str | None:
    if value is None or not str(value).strip():
        if required:
            raise InvalidInput(f"{field} is required", {"field": field})
        return None
    value = str(value).strip()
    if "\x00" in value:
        raise InvalidInput(f"{field} contains a NUL character", {"field": field})
    if len(value) > max_len:
        raise InvalidInput(f"{field} is longer than {max_len} characters", {"field": field})
    return value


def country(value: str | None, field: str = "country") -> str | None:
    """ISO 3166-1 alpha-2, stored upper-case."""
    if value is None or not str(value).strip():
        return None
    if not isinstance(value, str) or not _COUNTRY.match(value.strip()):
        raise InvalidInput(f"{field} must be a 2-letter ISO 3166-1 country code", {"field": field, "value": str(value)})
    return value.strip().upper()


def one_of(value: str | None, allowed: frozenset[str], field: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    if value not in allowed:
        raise InvalidInput(f"{field} must be one of {sorted(allowed)}", {"field": field, "allowed": sorted(allowed)})
    return value

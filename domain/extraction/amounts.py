"""Money as people write it: "89,90 €", "89.90€", "$49.99", "49.99 USD", "£10"."""

from __future__ import annotations

import re

SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
WORDS = {"eur": "EUR", "euro": "EUR", "euros": "EUR", "usd": "USD", "dollar": "USD", "dollars": "USD",
         "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "cad": "CAD", "chf": "CHF"}
_NUMBER = r"(\d{1,6}(?:[.,]\d{1,2})?)"
BEFORE = re.compile(rf"(?P<cur>[€$£])\s?{_NUMBER}")
AFTER = re.compile(rf"{_NUMBER}\s?(?P<cur>€|\$|£|eur|euros?|usd|dollars?|gbp|pounds?|cad|chf)(?!\w)", re.I)


def find_amount(text: str) -> tuple[str, str] | None:
    """(amount as a decimal string, ISO currency) of the first amount in `text`."""
    for pattern in (BEFORE, AFTER):
        match = pattern.search(text)
        if match:
            number = match.group(1) if pattern is AFTER else match.group(2)
            token = match.group("cur").lower()
            currency = SYMBOLS.get(token) or WORDS.get(token)
            if currency:
                return number.replace(",", "."), currency
    return None

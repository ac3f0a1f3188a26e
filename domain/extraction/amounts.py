"""Money as people write it: "89,90 €", "89.90€", "$49.99", "49.99 USD", "£10", "¥1,200", "3,087INR",
"R$ 50", "CHF 20". Any ISO 4217 code written in capitals counts; symbols map to their usual currency
($ is USD unless prefixed: C$, A$, NZ$, HK$, S$, R$)."""

from __future__ import annotations

import re

# ISO 4217 active codes (list 1, 2024), so "IDR 6,000" and "3,087INR" are read.
ISO_4217 = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG""".split()
)
SYMBOLS = {
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₱": "PHP",
    "₩": "KRW",
    "₺": "TRY",
    "₽": "RUB",
    "₪": "ILS",
    "₫": "VND",
    "฿": "THB",
    "₦": "NGN",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "r$": "BRL",
    "us$": "USD",
    "rm": "MYR",
}
WORDS = {
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "yen": "JPY",
    "rupees": "INR",
    "pesos": "PHP",
    "ringgit": "MYR",
}
_SYMBOL = r"(?:(?:C|CA|A|AU|NZ|HK|S|R|US)\$|RM(?=\s?\d)|[€$£¥₹₱₩₺₽₪₫฿₦])"
# 1,200.50 / 1 200,50 / 89,90 / 3,087: a comma followed by exactly three digits groups thousands.
_NUMBER = r"(\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d{1,2})?|\d{1,7}(?:[.,]\d{1,2})?)(?!\d)"
BEFORE = re.compile(rf"(?P<cur>{_SYMBOL}|\b[A-Z]{{3}}\b)\s?{_NUMBER}")
AFTER = re.compile(rf"{_NUMBER}\s?(?P<cur>[€$£¥₹₱₩₺₽₪₫฿₦]|[A-Z]{{3}}\b|(?i:euros?|dollars?|pounds?|yen|rupees|pesos|ringgit)\b)")


def _decimal(number: str) -> str:
    number = number.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", number):  # thousands only: 3,087 / 1.200
        return re.sub(r"[,.]", "", number)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d{1,2}", number):
        return number.replace(",", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d{1,2}", number):
        return number.replace(".", "").replace(",", ".")
    return number.replace(",", ".")


def _currency(token: str) -> str | None:
    if token in ISO_4217:
        return token
    lowered = token.lower()
    return SYMBOLS.get(lowered) or WORDS.get(lowered)


def find_amount(text: str) -> tuple[str, str] | None:
    """(amount as a decimal string, ISO 4217 currency) of the first amount in `text`."""
    found = []
    for pattern in (BEFORE, AFTER):
        for match in pattern.finditer(text):
            number = match.group(1) if pattern is AFTER else match.group(2)
            currency = _currency(match.group("cur"))
            if currency:
                found.append((match.start(), _decimal(number), currency))
    if not found:
        return None
    _, amount, currency = min(found)
    return amount, currency

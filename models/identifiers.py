"""Security identifiers: recognise CUSIPs and ISINs and verify their check digits.

An identifier is only checked when it *looks like* one of these (so internal ids such as
``UST-2Y`` pass untouched):

* CUSIP: 9 characters, three digits, five alphanumerics, one check digit. (CINS codes that start
  with a letter are not recognised and therefore not checked.)
* ISIN: 12 characters, a two-letter country code, nine alphanumerics, one check digit.
"""

from __future__ import annotations

import re

_CUSIP = re.compile(r"^[0-9]{3}[0-9A-Z*@#]{5}[0-9]$")
_ISIN = re.compile(r"^[A-Z]{2}[0-9A-Z]{9}[0-9]$")


def _char_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    return {"*": 36, "@": 37, "#": 38}[ch]


def cusip_check_digit(base: str) -> int:
    """Check digit of the first 8 CUSIP characters (modulus 10, double-add-double)."""
    total = 0
    for i, ch in enumerate(base[:8]):
        v = _char_value(ch)
        if i % 2 == 1:
            v *= 2
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def isin_check_digit(base: str) -> int:
    """Check digit of the first 11 ISIN characters (Luhn over the letter-expanded digits)."""
    digits = "".join(str(_char_value(ch)) for ch in base[:11])
    total = 0
    # Luhn doubles every second digit counting from the rightmost one of the payload.
    for i, ch in enumerate(reversed(digits)):
        v = int(ch)
        if i % 2 == 0:
            v *= 2
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def identifier_kind(identifier: str) -> str | None:
    """``"CUSIP"``, ``"ISIN"`` or ``None`` when the string looks like neither."""
    text = identifier.strip().upper()
    if _CUSIP.match(text):
        return "CUSIP"
    if _ISIN.match(text):
        return "ISIN"
    return None


def check_identifier(identifier: str) -> str | None:
    """Error message if ``identifier`` looks like a CUSIP/ISIN with a wrong check digit."""
    text = identifier.strip().upper()
    kind = identifier_kind(text)
    if kind == "CUSIP":
        expected = cusip_check_digit(text)
    elif kind == "ISIN":
        expected = isin_check_digit(text)
    else:
        return None
    if int(text[-1]) != expected:
        return f"{kind} check digit of {identifier!r} is {text[-1]}, expected {expected}"
    return None

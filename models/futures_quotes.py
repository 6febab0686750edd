"""Treasury futures quotes in 32nds (CME notation: ``93-02``, ``110-16+``, ``109-162``)."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------
# 32nds quotes
# --------------------------------------------------------------------------------------------

# Third digit after the 32nds: eighths of a 32nd as CME prints them (.5 is '5', or '+').
_EIGHTHS = {
    "0": 0.0,
    "1": 0.125,
    "2": 0.25,
    "3": 0.375,
    "5": 0.5,
    "6": 0.625,
    "7": 0.75,
    "8": 0.875,
}
_QUOTE = re.compile(r"^\s*(-?\d+)\s*[-':]\s*(\d{2})(\+|\d)?\s*$")


def parse_32nds(quote: str) -> float:
    """Parse a Treasury price quote in 32nds into decimal points per 100.

    ``"93-02"`` -> 93.0625; ``"110-16+"`` -> 110.515625 (half a 32nd); ``"110-162"`` ->
    110 + 16.25/32; ``"110-167"`` -> 110 + 16.75/32; ``"103'216"`` -> 103 + 21.625/32.
    A plain decimal string is accepted as is.
    """
    m = _QUOTE.match(quote)
    if m is None:
        try:
            return float(quote)
        except ValueError:
            raise ValueError(f"not a 32nds price quote: {quote!r}") from None
    handle, ticks, extra = int(m.group(1)), int(m.group(2)), m.group(3)
    if ticks >= 32:
        raise ValueError(f"32nds must be 00-31 in {quote!r}")
    frac = 0.5 if extra == "+" else _EIGHTHS.get(extra or "0")
    if frac is None:
        raise ValueError(f"unknown fraction digit {extra!r} in {quote!r}")
    sign = -1.0 if m.group(1).startswith("-") else 1.0
    return sign * (abs(handle) + (ticks + frac) / 32.0)


def format_32nds(price: float, plus_for_half: bool = True) -> str:
    """Format a price per 100 as a 32nds quote, to the nearest 1/8 of a 32nd.

    ``93.0625`` -> ``"93-02"``; ``110.515625`` -> ``"110-16+"`` (or ``"110-165"`` with
    ``plus_for_half=False``); ``110.5078125`` -> ``"110-162"``.
    """
    sign = "-" if price < 0 else ""
    eighths = round(abs(price) * 256)  # price in 1/256ths of a point
    handle, rest = divmod(eighths, 256)
    ticks, eighth = divmod(rest, 8)
    digit = {
        0: "",
        1: "1",
        2: "2",
        3: "3",
        4: "+" if plus_for_half else "5",
        5: "6",
        6: "7",
        7: "8",
    }
    return f"{sign}{handle}-{ticks:02d}{digit[eighth]}"

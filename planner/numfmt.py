"""Number formatting shared by the terminal, HTML and PDF reports.

Conventions: currency amounts with thousands separators and no decimals, never scientific
notation; basis points to one decimal; durations to the given decimals (years); fractions as
percentages. ``signed=True`` writes an explicit ``+`` on gains so a gain and a loss differ in
text as well as in colour. Missing or non-finite values print as an em dash / ``n/a``.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["bp", "is_num", "money", "number", "pct", "tone", "years"]

DASH = "—"


def is_num(value: Any) -> bool:
    """A real number (bool excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    if not is_num(value):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def number(value: Any, decimals: int = 0, *, signed: bool = False) -> str:
    """Fixed-point with thousands separators (``1,450,000``; ``-0.5`` -> ``-0.5``).

    Never scientific notation, however large or small the value: a value that rounds to zero at
    ``decimals`` prints as ``0`` (no ``-0``).
    """
    v = _finite(value)
    if v is None:
        return DASH if value is None else "n/a"
    text = f"{v:,.{decimals}f}"
    if float(text.replace(",", "")) == 0.0:
        text = text.lstrip("-")
        return text
    if signed and v > 0:
        text = "+" + text
    return text


def money(value: Any, *, signed: bool = False, decimals: int = 0) -> str:
    """Currency amount, whole units by default: ``1.45e6`` -> ``1,450,000``."""
    return number(value, decimals, signed=signed)


def bp(value: Any, *, signed: bool = False) -> str:
    """Basis points to one decimal: ``14.02124`` -> ``14.0``."""
    return number(value, 1, signed=signed)


def years(value: Any, decimals: int = 2, *, signed: bool = False) -> str:
    """Durations and KRDs in years (2 decimals by default)."""
    return number(value, decimals, signed=signed)


def pct(value: Any, decimals: int = 2, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.0123`` -> ``1.23%``."""
    v = _finite(value)
    if v is None:
        return DASH if value is None else "n/a"
    return number(100 * v, decimals, signed=signed) + "%"


def tone(value: Any, sense: str) -> str:
    """CSS class of a value's colour: ``"gain"`` (green), ``"loss"`` (red) or ``""``.

    Parameters
    ----------
    value : float
        The figure.
    sense : str
        ``"pnl"`` when a positive value is a gain (P&L, returns), ``"cost"`` when a positive
        value is a loss (costs), anything else for figures that are neither (DV01, durations).
    """
    v = _finite(value)
    if v is None or v == 0 or sense not in ("pnl", "cost"):
        return ""
    good = v > 0 if sense == "pnl" else v < 0
    return "gain" if good else "loss"

"""Terms of modelled holdings (callable/putable bonds, MBS pass-throughs): columns, parsing and
cross-field checks used by :class:`models.schemas.HoldingRow`.

CSV cells and case-file values take the same fields: ``call_schedule`` as
``"2025-10-28:100;2026-04-28:100"`` or a list of ``{date, price}`` (clean prices per 100),
``prepayment`` as ``refi``, ``psa:150``, ``cpr:0.06`` or ``{model, speed}``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from hedge_planner.models.input_files import clip, parse_number

#: Terms of modelled holdings (see models.oas).
MODEL_COLUMNS = (
    "kind",
    "call_schedule",
    "call_style",
    "notice_days",
    "wac",
    "wam_months",
    "wala_months",
    "delay_days",
    "prepayment",
)
#: Holding kinds: bullets are priced off the curve; the others by the short-rate model.
KINDS = ("bullet", "callable", "putable", "mbs")
CALL_STYLES = ("european", "bermudan", "american")
PREPAYMENT_MODELS = ("cpr", "psa", "refi")
#: Plausible exercise prices, clean per 100 face.
MIN_EXERCISE_PRICE, MAX_EXERCISE_PRICE = 2.0, 500.0


def _parse_iso(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"unparseable date {clip(value)}: expected YYYY-MM-DD") from None


def parse_call_schedule(value: Any) -> tuple[tuple[dt.date, float], ...]:
    """``[{date, price}, ...]`` (case files) or ``"YYYY-MM-DD:price;..."`` (CSV cells)."""
    if value is None:
        return ()
    items: list[tuple[Any, Any]] = []
    if isinstance(value, str):
        for part in (p.strip() for p in value.split(";")):
            if not part:
                continue
            date_text, _, price_text = part.partition(":")
            if not price_text:
                raise ValueError(
                    f"call schedule entry {clip(part)} needs DATE:PRICE, e.g. 2025-10-28:100"
                )
            items.append((date_text.strip(), price_text.strip()))
    elif isinstance(value, (list, tuple)):
        for entry in value:
            if isinstance(entry, Mapping) and set(entry) == {"date", "price"}:
                items.append((entry["date"], entry["price"]))
            elif isinstance(entry, (list, tuple)) and len(entry) == 2:
                items.append((entry[0], entry[1]))
            else:
                raise ValueError(f"call schedule entry {clip(entry)} needs date and price")
    else:
        raise ValueError("call_schedule is a list of {date, price}")
    out = []
    for date_value, price_value in items:
        price = parse_number(price_value)
        if not MIN_EXERCISE_PRICE <= price <= MAX_EXERCISE_PRICE:
            raise ValueError(f"exercise price {price:g} is not a clean price per 100 face")
        out.append((_parse_iso(date_value), float(price)))
    if any(b[0] <= a[0] for a, b in itertools.pairwise(out)):
        raise ValueError("call schedule dates must increase")
    return tuple(out)


def parse_prepayment(value: Any) -> tuple[str, float]:
    """``refi``, ``psa:150``, ``cpr:0.06`` (CSV) or ``{model, speed}`` (case files)."""
    if value is None:
        return ("refi", 1.0)
    if isinstance(value, Mapping):
        model, speed = value.get("model"), value.get("speed")
    else:
        model, _, speed = str(value).partition(":")
    model = str(model).strip().lower()
    if model not in PREPAYMENT_MODELS:
        raise ValueError(
            f"prepayment model {clip(model)} is not one of {', '.join(PREPAYMENT_MODELS)}"
        )
    default = {"cpr": None, "psa": 100.0, "refi": 1.0}[model]
    if speed in (None, ""):
        if default is None:
            raise ValueError("a cpr prepayment needs a speed, e.g. cpr:0.06 for 6% CPR")
        return (model, default)
    number = parse_number(speed)
    if number < 0 or (model == "cpr" and number >= 1):
        raise ValueError(
            f"prepayment speed {number:g} is out of range (cpr is a decimal below 1, "
            "psa a percentage such as 150, refi a multiplier such as 1)"
        )
    return (model, float(number))


def model_term_problems(row: Any) -> list[tuple[str | None, str, str]]:
    """Terms a modelled holding (a :class:`models.schemas.HoldingRow`) needs, and terms a bullet
    must not carry: ``(column, reason, hint)`` per problem."""
    out: list[tuple[str | None, str, str]] = []
    optioned = row.kind in ("callable", "putable")
    if optioned and not row.call_schedule:
        out.append(
            (
                "call_schedule",
                f"a {row.kind} holding needs an exercise schedule",
                "call_schedule: [{date: 2025-10-28, price: 100}] (CSV: 2025-10-28:100)",
            )
        )
    if not optioned and row.call_schedule:
        out.append(
            (
                "call_schedule",
                f"a {row.kind} holding has no exercise schedule",
                "set kind: callable or putable, or drop call_schedule",
            )
        )
    late = [d for d, _ in row.call_schedule if d >= row.maturity]
    if late:
        out.append(("call_schedule", f"exercise date {late[0]} is on or after maturity", ""))
    if row.kind == "mbs":
        if row.wac is None:
            out.append(
                (
                    "wac",
                    "an MBS pool needs its WAC (gross mortgage rate)",
                    "e.g. wac: 0.0712 for a 6.5% pass-through",
                )
            )
        elif row.wac < row.coupon:
            out.append(
                (
                    "wac",
                    f"WAC {row.wac:g} is below the pass-through coupon {row.coupon:g}",
                    "WAC = coupon + servicing and guarantee fee",
                )
            )
        if row.frequency != 12:
            out.append(("frequency", "MBS pass-throughs pay monthly", "set frequency: 12"))
    elif row.wac is not None or row.wam_months is not None:
        out.append(
            (
                "wac",
                f"pool terms (wac, wam_months) on a {row.kind} holding",
                "set kind: mbs or drop them",
            )
        )
    if not row.modelled and row.quoted_by == "oas":
        out.append(("oas", "only modelled holdings can be quoted by OAS", ""))
    return out

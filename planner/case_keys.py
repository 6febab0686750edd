"""The user's case keys behind the optimiser's internal names.

The optimiser names its inputs and limits in its own terms (``carry_scale``, ``krd_tol[6m]``,
``instruments[TUH4].q0``, ``portfolio.bench_krd_dv01``). Messages shown to the user name the
case file's keys instead (``hedge.costs.carry_weight``, ``hedge.limits.krd_tolerance`` for 6m,
``hedge.universe.futures[0].current``, ``benchmark.krd``), so a problem can be found in the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.solvers.problem import HedgeInputError

__all__ = ["case_key", "hedge_input_issue", "universe_paths"]

#: Optimiser name -> case key path (with what it means when it is not one key).
_KEYS: dict[str, str] = {
    "duration_band": "hedge.limits.duration.band",
    "duration_target": "hedge.limits.duration.target (default: benchmark.duration)",
    "dv01": "hedge.limits.dv01_min/dv01_max",
    "dv01_max": "hedge.limits.dv01_max",
    "dv01_min": "hedge.limits.dv01_min",
    "dv01_limit": "hedge.limits.dv01_min/dv01_max",
    "dv01_min/dv01_max": "hedge.limits.dv01_min/dv01_max",
    "krd_tol": "hedge.limits.krd_tolerance",
    "convexity_floor": "hedge.limits.convexity_floor",
    "margin_budget": "hedge.limits.margin_budget",
    "vega_max": "hedge.limits.vega_max",
    "gross_notional_max": "hedge.limits.gross_notional_max",
    "risk_aversion": "hedge.costs.risk_aversion",
    "carry_scale": "hedge.costs.carry_weight",
    "slippage_scale": "hedge.costs.slippage_weight",
    "gap_tol": "hedge.solver.gap",
    "portfolio.bench_krd_dv01": "benchmark.krd",
    "portfolio.krd_dv01": "holdings (the book's key-rate DV01s)",
    "portfolio.market_value": "holdings (the book's market value)",
    "portfolio.dollar_convexity": "holdings (the book's convexity)",
    "instruments": "hedge.universe",
}

#: Instrument attribute -> the universe entry's key it comes from.
_ATTRS: dict[str, str] = {
    "q0": "current",
    "lo": "max_contracts/max_notional",
    "hi": "max_contracts/max_notional",
    "lo/hi": "max_contracts/max_notional",
    "margin": "initial_margin/initial_margin_rate",
    "half_spread": "half_spread_bp/half_spread_vol",
}

_KIND_LIST = {
    "future": "futures",
    "swap": "swaps",
    "swaption": "swaptions",
    "future_option": "future_options",
    "cap": "caps",
    "floor": "caps",
    "cdx": "cdx",
}
_INSTRUMENT = re.compile(r"instruments\[(?P<name>.+?)\]\.(?P<attr>[\w/]+)")
_BUCKET = re.compile(r"(?P<base>\w+)\[(?P<label>[^\]]+)\]")


def universe_paths(kinds_and_names: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``instrument name -> hedge.universe.<list>[i]`` for members in universe order.

    Parameters
    ----------
    kinds_and_names
        ``(kind, name)`` per member, in the order the universe lists them (futures, swaps,
        swaptions as in the case; one member per entry).
    """
    counts: dict[str, int] = {}
    out = {}
    for kind, name in kinds_and_names:
        key = _KIND_LIST.get(kind, kind)
        i = counts.get(key, 0)
        counts[key] = i + 1
        out[name] = f"hedge.universe.{key}[{i}]"
    return out


def case_key(name: str, paths: dict[str, str] | None = None) -> str:
    """The case key behind an optimiser name (the name itself when none is known).

    Parameters
    ----------
    name
        An optimiser field or limit name: ``carry_scale``, ``krd_tol[6m]``,
        ``instruments[TUH4].q0``...
    paths
        Instrument name -> universe path (see :func:`universe_paths`).
    """
    if name in _KEYS:
        return _KEYS[name]
    m = _INSTRUMENT.fullmatch(name)
    if m is not None:
        where = (paths or {}).get(m["name"], f"hedge.universe ({m['name']})")
        attr = m["attr"]
        if attr in _ATTRS:
            return f"{where}.{_ATTRS[attr]}"
        return f"{where} (its computed {attr})"
    m = _BUCKET.fullmatch(name)
    if m is not None and m["base"] in _KEYS:
        return f"{_KEYS[m['base']]} ({m['label']})"
    return name


def hedge_input_issue(
    exc: HedgeInputError, source: str, paths: dict[str, str] | None = None
) -> InputError:
    """A located :class:`InputError` for an optimiser input error, under the user's key."""
    prefix = f"{exc.field}: "
    text = str(exc)
    reason = text[len(prefix) :] if text.startswith(prefix) else text
    return InputError([InputIssue(source, None, case_key(exc.field, paths), reason)])

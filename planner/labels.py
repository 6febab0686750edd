"""Human display names for the identifiers the plan carries.

The plan document (``plan.json``) keeps machine identifiers: scenario names such as
``parallel_+25bp``, constraint names such as ``krd_tol[10y]`` and risk factors such as
``spread:corporate``. Reports (HTML, PDF, Excel, terminal) show the names below instead; an
identifier this module does not know is shown humanised (underscores to spaces, acronyms kept),
never dropped, so a user's own scenario names stay readable.

Cost components are named here too, so that margin funding, carry, slippage and the risk penalty
of the objective are never confused (see :data:`COST_LABELS`).
"""

from __future__ import annotations

import re

__all__ = [
    "CONSTRAINT_FAMILIES",
    "COST_LABELS",
    "constraint_label",
    "constraint_unit",
    "cost_label",
    "factor_label",
    "humanise",
    "scenario_label",
    "sweep_param_label",
]

#: Words written in capitals (or a fixed spelling) wherever they appear in an identifier.
ACRONYMS: dict[str, str] = {
    "dv01": "DV01",
    "ctd": "CTD",
    "krd": "KRD",
    "oas": "OAS",
    "bp": "bp",
    "id": "ID",
    "te": "TE",
    "mbs": "MBS",
    "svb": "SVB",
    "covid": "COVID",
    "sofr": "SOFR",
    "ois": "OIS",
    "mv": "MV",
    "pnl": "P&L",
}

#: Display names of whole scenario identifiers the product's scenario library uses.
_SCENARIO_WORDS: dict[str, str] = {
    "rates_up_spreads_wider": "Rates up, spreads wider",
    "spread_widening": "Spread widening",
    "spread_shift": "Spread shift",
    "custom": "Custom curve shift",
}

#: Curve-shape scenario kinds (``<kind>_<size>bp``).
_SHAPES = ("bull_steepener", "bear_steepener", "bull_flattener", "bear_flattener")

#: Constraint families the optimiser reports, with display name and unit. ``{ccy}`` is the
#: plan currency.
CONSTRAINT_FAMILIES: dict[str, tuple[str, str]] = {
    "duration_band": ("Duration within target band", "years"),
    "dv01_max": ("DV01 upper limit", "{ccy}/bp"),
    "dv01_min": ("DV01 lower limit", "{ccy}/bp"),
    "krd_tol": ("Key-rate duration gap {tenor}", "years"),
    "convexity_floor": ("Convexity floor", "years²"),
    "margin_budget": ("Initial margin budget", "{ccy}"),
    "tracking_error_bp": ("Tracking-error limit", "bp/yr"),
    "tracking_error": ("Tracking-error limit", "bp/yr"),
    "vega_max": ("Swaption vega limit {tenor}", "{ccy} per bp normal vol"),
    "gross_notional_max": ("Gross derivative notional limit", "{ccy}"),
}

#: Cost components of a trade or of the hedge. Cash costs are money paid over the horizon
#: (positive = a cost, negative = a gain); the risk penalty is not cash but the optimiser's
#: price of the residual risk; the objective is cash cost plus risk penalty.
COST_LABELS: dict[str, str] = {
    "carry": "Carry cost",
    "slippage": "Bid–ask slippage",
    "bid_ask": "Bid–ask cost",
    "tickets": "Ticket fees",
    "margin": "Margin funding cost",
    "margin_funding": "Margin funding cost",
    "roll": "Roll cost",
    "impact": "Market impact",
    "total": "Total cash cost",
    "risk_penalty": "Risk penalty (not cash)",
    "objective": "Objective (cash cost + risk penalty)",
    "initial_margin": "Initial margin posted",
}

#: Display names and units of the parameters ``sweep --param`` can vary.
SWEEP_PARAMS: dict[str, tuple[str, str]] = {
    "duration_target": ("Duration target", "years"),
    "duration_band": ("Duration band", "years"),
    "dv01_max": ("DV01 upper limit", "{ccy}/bp"),
    "dv01_min": ("DV01 lower limit", "{ccy}/bp"),
    "convexity_floor": ("Convexity floor", "years²"),
    "margin_budget": ("Initial margin budget", "{ccy}"),
    "risk_aversion": ("Risk aversion", "1/{ccy}"),
    "tracking_error_bp": ("Tracking-error limit", "bp/yr"),
    "carry_weight": ("Carry weight", "×"),
    "slippage_weight": ("Slippage weight", "×"),
}

_BP = re.compile(r"^([+-]?\d+(?:\.\d+)?)bp$")


def humanise(key: str) -> str:
    """``"effective_duration"`` -> ``"Effective duration"``, keeping acronyms (``DV01``)."""
    words = [ACRONYMS.get(w.lower(), w) for w in key.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _words(tokens: list[str]) -> str:
    """Tokens of an identifier as words: ``+25bp`` -> ``+25 bp``, acronyms kept."""
    out = []
    for tok in tokens:
        m = _BP.match(tok)
        out.append(f"{m.group(1)} bp" if m else ACRONYMS.get(tok.lower(), tok))
    return " ".join(out)


def scenario_label(name: str) -> str:
    """Display name of a scenario identifier.

    Parameters
    ----------
    name : str
        The scenario's identifier in the plan, e.g. ``"parallel_+25bp"``,
        ``"bull_steepener_50bp"``, ``"twist_+50bp_around_5y"``,
        ``"historical_taper_tantrum_2013"`` or ``"parallel_+100bp_with_spreads"``.

    Returns
    -------
    str
        ``"Parallel +25 bp"``, ``"Bull steepener 50 bp"``, ``"Twist +50 bp around 5y"``,
        ``"Historical: taper tantrum 2013"``, ``"Parallel +100 bp, with spreads"``. A name the
        user wrote with spaces or capitals is returned unchanged.
    """
    if not name or " " in name or name != name.lower():
        return name
    if name.endswith("_with_spreads"):
        return scenario_label(name.removesuffix("_with_spreads")) + ", with spreads"
    if name in _SCENARIO_WORDS:
        return _SCENARIO_WORDS[name]
    if name.startswith("historical_"):
        episode, _, scale = name.removeprefix("historical_").partition("_x")
        tail = f" × {scale}" if scale else ""
        return "Historical: " + _words(episode.split("_")) + tail
    for shape in _SHAPES:
        if name.startswith(shape + "_"):
            rest = name.removeprefix(shape + "_").split("_")
            return humanise(shape) + " " + _words(rest)
    text = _words(name.split("_"))
    return text[:1].upper() + text[1:]


def _family(name: str) -> tuple[str, str | None]:
    m = re.match(r"^([a-z0-9_]+)\[([^\]]+)\]$", name)
    return (m.group(1), m.group(2)) if m else (name, None)


def constraint_label(name: str) -> str:
    """Display name of a constraint identifier (``krd_tol[10y]`` -> ``Key-rate duration gap
    10y``); unknown identifiers are humanised."""
    family, tenor = _family(name)
    known = CONSTRAINT_FAMILIES.get(family)
    if known is None:
        return humanise(name)
    text = known[0].replace("{tenor}", tenor or "")
    return text.strip()


def constraint_unit(name: str, currency: str, fallback: str = "") -> str:
    """Unit of a constraint's limit, value and slack (``fallback`` for unknown families)."""
    family, _ = _family(name)
    known = CONSTRAINT_FAMILIES.get(family)
    if known is None:
        return fallback.replace("currency", currency)
    return known[1].replace("{ccy}", currency)


def factor_label(name: str) -> str:
    """Display name of a risk-model factor or factor group.

    ``rate:10y`` -> ``Key rate 10y``; ``rates`` -> ``Key rates``; ``spread:corporate`` ->
    ``Spread: corporate``; ``swap_spread`` -> ``Treasury–SOFR swap spread``;
    ``swap_spread:10y`` -> ``Treasury–SOFR swap spread 10y``; ``basis:CDX IG 5y`` -> ``Index
    basis: CDX IG 5y`` (a CDX against the book's credit holdings).
    """
    kind, _, key = name.partition(":")
    if kind == "rate" and key:
        return f"Key rate {key}"
    if kind == "rates" and not key:
        return "Key rates"
    if kind == "spread" and key:
        return f"Spread: {key.replace('_', ' ')}"
    if kind == "swap_spread":
        return "Treasury–SOFR swap spread" + (f" {key}" if key else "")
    if kind == "basis" and key:
        return f"Index basis: {key}"
    return humanise(name)


def sweep_param_label(name: str, currency: str) -> str:
    """``dv01_max`` -> ``DV01 upper limit (USD/bp)``; unknown names humanised."""
    known = SWEEP_PARAMS.get(name)
    if known is None:
        return humanise(name)
    return f"{known[0]} ({known[1].replace('{ccy}', currency)})"


def cost_label(key: str) -> str:
    """Display name of a cost component (see :data:`COST_LABELS`); unknown keys humanised."""
    return COST_LABELS.get(key, humanise(key))

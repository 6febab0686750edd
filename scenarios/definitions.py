"""Stress-scenario definitions: key-rate shift generators and scenario objects (specs: specs.py).

Units: every shift in this module is in **basis points** (bp) unless a name says ``decimal``;
tenors are labels (``"2y"``) or years (``2.0``). Positive rate shifts raise yields; positive
spread shifts widen spreads (negative tightens).

Curve shapes
------------
All shapes are piecewise linear in **log-tenor** and flat beyond their anchors. Why log-tenor:
key tenors are roughly geometrically spaced (6m, 1y, 2y, ... 30y), and observed curve moves
change about as much between 1y and 2y as between 10y and 20y; linear-in-years ramps would put
almost all of a 2s30s move beyond 10y. Notation: ``S`` = ``size_bp``, ``t`` = tenor in years,
``r(t; a, b) = clip(ln(t/a) / ln(b/a), 0, 1)`` (0 at and below ``a``, 1 at and beyond ``b``),
``s`` / ``l`` = short / long anchor (default 2y / 30y), ``p`` = pivot (default 5y),
``b0..b1`` = belly (default 7y..10y).

Also ``q(t; a, b) = clip(ln(a/t) / ln(a/b), 0, 1)`` for ``b < a``: the mirror ramp, 0 at and
above ``a``, 1 at and below ``b``.

============== ======================================= ===========================================
shape          shift(t), bp                            meaning of ``S`` (default anchors)
============== ======================================= ===========================================
parallel       ``S``                                   every key rate moves ``S``
bull_steepener ``-S * (1 - r(t; s, l))``               short end (<= 2y) falls ``S``, long end
                                                       (>= 30y) unchanged
bear_steepener ``+S * r(t; s, l)``                     long end rises ``S``, short end unchanged
bull_flattener ``-S * r(t; s, l)``                     long end falls ``S``, short end unchanged
bear_flattener ``+S * (1 - r(t; s, l))``               short end rises ``S``, long end unchanged
twist          ``-S/2 * q(t; p, s)`` for ``t < p``,    slope ``shift(l) - shift(s)`` changes by
               ``+S/2 * r(t; p, l)`` for ``t >= p``    ``S``: ``-S/2`` at/below 2y, 0 at 5y,
                                                       ``+S/2`` at/beyond 30y; ``S < 0`` flattens
butterfly      ``S * (d(t) - 1/2)`` where ``d`` is     wings (<= 2y, >= 30y) ``+S/2``, belly
               ``q(t; b0, s)`` below ``b0``, 0 on      (7y..10y) ``-S/2``: the wings-minus-belly
               ``[b0, b1]``, ``r(t; b1, l)`` above     spread moves by ``S``
============== ======================================= ===========================================

For the four named steepeners/flatteners ``S`` must be positive: the name fixes the direction.

Interpolated shifts (custom vectors and historical replays) are linear in tenor **years**
between the given points and flat beyond the first/last point.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bootstrap import key_tenor, tenor_label, tenor_years
from hedge_planner.models.errors import AnalyticsError, HedgePlannerError
from hedge_planner.models.risk import DEFAULT_KEY_TENORS
from hedge_planner.models.units import BP
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

KeyTenorsLike = Sequence[str | float]


#: Default parallel shifts, bp.
DEFAULT_PARALLEL_BP: tuple[float, ...] = (25.0, -25.0, 50.0, -50.0, 100.0, -100.0)
#: Default size of the curve-shape scenarios, bp (slope change; fly spread change).
DEFAULT_SHAPE_BP: float = 50.0
DEFAULT_BUTTERFLY_BP: float = 25.0
#: Default sector spread widening, bp.
DEFAULT_SPREAD_WIDENING_BP: dict[str, float] = {
    "corporate": 50.0,
    "securitized": 25.0,
    "municipal": 20.0,
    "agency": 10.0,
}
#: Parallel rate move combined with the spread widening in the default "rates up, spreads wider".
DEFAULT_COMBINED_RATE_BP: float = 100.0

CURVE_SHAPE_KINDS: tuple[str, ...] = (
    "bull_steepener",
    "bear_steepener",
    "bull_flattener",
    "bear_flattener",
)


class ScenarioError(HedgePlannerError, ValueError):
    """Invalid scenario definition (bad tenor, unknown episode, inconsistent key tenors...).

    ``issues`` locates each problem of a list of user specs: ``(path, reason, hint)`` with the
    path relative to the list (``(2, "shift_bp")`` is the third spec's ``shift_bp``).
    """

    def __init__(self, message: str, issues: Sequence[tuple[tuple[Any, ...], str, str]] = ()):
        super().__init__(message)
        self.issues = list(issues)


#: Largest rate or spread shift a scenario may apply, bp (+/-50%).
MAX_SHIFT_BP = 5_000.0
#: Largest magnitude of a historical episode's scale factor.
MAX_HISTORICAL_SCALE = 10.0
#: Longest scenario description, characters.
MAX_DESCRIPTION_CHARS = 500


# --------------------------------------------------------------------------------------------
# Key tenors
# --------------------------------------------------------------------------------------------


def resolve_key_tenors(key_tenors: KeyTenorsLike) -> tuple[tuple[str, ...], FloatArray]:
    """Normalise key tenors given as labels and/or years.

    Returns
    -------
    labels, years
        Lower-case labels and tenors in years, in the given order.

    Raises
    ------
    ScenarioError
        Empty list, unknown label, non-month tenor in years, or duplicates.
    """
    if isinstance(key_tenors, str) or len(key_tenors) == 0:
        raise ScenarioError("key_tenors must be a non-empty sequence of labels or years")
    try:
        labels = tuple(
            key_tenor(t)[0] if isinstance(t, str) else tenor_label(t) for t in key_tenors
        )
    except AnalyticsError as exc:
        raise ScenarioError(str(exc)) from None
    years = np.array([tenor_years(t) for t in labels])
    if len(set(years.tolist())) != len(labels):
        raise ScenarioError(f"duplicate key tenors in {list(labels)}")
    return labels, years


def _years(t: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(t, dtype=np.float64)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ScenarioError("tenors must be a 1-d array of positive finite years")
    return arr


# --------------------------------------------------------------------------------------------
# Shift generators (pure functions of tenor years, results in bp)
# --------------------------------------------------------------------------------------------


def log_ramp(t: npt.ArrayLike, lo: float, hi: float) -> FloatArray:
    """``clip(ln(t/lo) / ln(hi/lo), 0, 1)``: 0 at/below ``lo``, 1 at/above ``hi`` (years)."""
    if not 0 < lo < hi:
        raise ScenarioError(f"need 0 < lo < hi for a log ramp, got lo={lo}, hi={hi}")
    return np.clip(np.log(_years(t) / lo) / math.log(hi / lo), 0.0, 1.0)


def _check_positive_size(size_bp: float, kind: str) -> None:
    if not (math.isfinite(size_bp) and size_bp > 0):
        raise ScenarioError(f"{kind}: size_bp must be positive (the name fixes the sign)")


def parallel_shift(t: npt.ArrayLike, shift_bp: float) -> FloatArray:
    """Constant shift of ``shift_bp`` bp at every tenor ``t`` (years)."""
    return np.full(_years(t).shape, float(shift_bp))


def bull_steepener(
    t: npt.ArrayLike, size_bp: float = DEFAULT_SHAPE_BP, short: float = 2.0, long: float = 30.0
) -> FloatArray:
    """Short end falls ``size_bp`` bp, long end unchanged: ``-S (1 - r(t; short, long))``."""
    _check_positive_size(size_bp, "bull_steepener")
    return -size_bp * (1.0 - log_ramp(t, short, long))


def bear_steepener(
    t: npt.ArrayLike, size_bp: float = DEFAULT_SHAPE_BP, short: float = 2.0, long: float = 30.0
) -> FloatArray:
    """Long end rises ``size_bp`` bp, short end unchanged: ``S r(t; short, long)``."""
    _check_positive_size(size_bp, "bear_steepener")
    return size_bp * log_ramp(t, short, long)


def bull_flattener(
    t: npt.ArrayLike, size_bp: float = DEFAULT_SHAPE_BP, short: float = 2.0, long: float = 30.0
) -> FloatArray:
    """Long end falls ``size_bp`` bp, short end unchanged: ``-S r(t; short, long)``."""
    _check_positive_size(size_bp, "bull_flattener")
    return -size_bp * log_ramp(t, short, long)


def bear_flattener(
    t: npt.ArrayLike, size_bp: float = DEFAULT_SHAPE_BP, short: float = 2.0, long: float = 30.0
) -> FloatArray:
    """Short end rises ``size_bp`` bp, long end unchanged: ``S (1 - r(t; short, long))``."""
    _check_positive_size(size_bp, "bear_flattener")
    return size_bp * (1.0 - log_ramp(t, short, long))


def _two_sided_distance(
    t: FloatArray, lo: float, hi: float, short: float, long: float
) -> FloatArray:
    # 0 on [lo, hi]; log-linear up to 1 at `short` (below lo) and at `long` (above hi).
    below = np.clip(np.log(lo / t) / math.log(lo / short), 0.0, 1.0)
    above = np.clip(np.log(t / hi) / math.log(long / hi), 0.0, 1.0)
    return np.where(t < lo, below, np.where(t > hi, above, 0.0))


def twist(
    t: npt.ArrayLike,
    size_bp: float = DEFAULT_SHAPE_BP,
    pivot: float = 5.0,
    short: float = 2.0,
    long: float = 30.0,
) -> FloatArray:
    """Twist around ``pivot``: short anchor ``-S/2``, pivot 0, long anchor ``+S/2`` (bp).

    ``S > 0`` steepens (slope long - short rises by ``S``), ``S < 0`` flattens. Linear in
    log-tenor on each side of the pivot, flat beyond the anchors (tenors in years).
    """
    if not 0 < short < pivot < long:
        raise ScenarioError(f"twist needs short < pivot < long, got {short}, {pivot}, {long}")
    tt = _years(t)
    dist = _two_sided_distance(tt, pivot, pivot, short, long)
    return np.where(tt < pivot, -0.5, 0.5) * size_bp * dist


def butterfly(
    t: npt.ArrayLike,
    size_bp: float = DEFAULT_BUTTERFLY_BP,
    short_wing: float = 2.0,
    belly: tuple[float, float] = (7.0, 10.0),
    long_wing: float = 30.0,
) -> FloatArray:
    """Butterfly: wings ``+S/2``, belly ``[belly[0], belly[1]]`` ``-S/2`` (bp).

    The wings-minus-belly spread moves by ``S``; ``S > 0`` cheapens the wings vs the belly.
    Linear in log-tenor between the belly edges and the wings, flat beyond the wings.
    """
    b0, b1 = belly
    if not 0 < short_wing < b0 <= b1 < long_wing:
        raise ScenarioError(
            f"butterfly needs short_wing < belly start <= belly end < long_wing, got "
            f"{short_wing}, {b0}, {b1}, {long_wing}"
        )
    d = _two_sided_distance(_years(t), b0, b1, short_wing, long_wing)
    return size_bp * (d - 0.5)


def interpolate_shifts(
    points: Mapping[str, float] | Mapping[float, float], t: npt.ArrayLike
) -> FloatArray:
    """Interpolate a tenor -> bp mapping onto tenors ``t`` (years).

    Linear in tenor years between points, flat extrapolation beyond the shortest/longest point.
    Keys are tenor labels or years.
    """
    if not points:
        raise ScenarioError("a shift vector needs at least one tenor point")
    try:
        xs = np.array(
            [tenor_years(k) if isinstance(k, str) else float(k) for k in points], dtype=np.float64
        )
    except AnalyticsError as exc:
        raise ScenarioError(str(exc)) from None
    ys = np.array([float(v) for v in points.values()], dtype=np.float64)
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))) or np.any(xs <= 0):
        raise ScenarioError("shift points must have positive finite tenors and finite bp values")
    if len(np.unique(xs)) != len(xs):
        raise ScenarioError(f"duplicate tenors in shift points {list(points)}")
    order = np.argsort(xs)
    # np.interp holds the end values constant outside [xs[0], xs[-1]]: flat extrapolation.
    return np.interp(_years(t), xs[order], ys[order])


# --------------------------------------------------------------------------------------------
# Historical episodes
# --------------------------------------------------------------------------------------------


class HistoricalEpisode(BaseModel):
    """One historical replay: par-yield changes between two dates.

    Attributes
    ----------
    key, title, description
        Identifier (e.g. ``"hiking_cycle_2022"``) and human text.
    start, end
        ISO dates of the two curves.
    start_yields_pct, end_yields_pct
        Published par yields, **percent**, by tenor label.
    changes_bp
        ``end - start`` per tenor label, **bp**.
    omitted_tenors
        Tenors not published on one of the dates (label -> reason).
    spread_changes_bp
        Sector spread moves over the episode, **bp** (positive widens): published index OAS
        changes where a series exists, assumed betas to investment grade elsewhere.
    spread_levels_pct
        The published index OAS levels behind them (percent) and their series.
    spread_note
        How the spread moves were obtained (or why there are none).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: str
    description: str = ""
    start: str
    end: str
    start_yields_pct: dict[str, float]
    end_yields_pct: dict[str, float]
    changes_bp: dict[str, float] = Field(min_length=1)
    omitted_tenors: dict[str, str] = Field(default_factory=dict)
    spread_changes_bp: dict[str, float] = Field(default_factory=dict)
    spread_levels_pct: dict[str, dict[str, Any]] = Field(default_factory=dict)
    spread_note: str = ""

    def rate_shifts_bp(self, key_tenors: KeyTenorsLike) -> FloatArray:
        """Changes interpolated onto ``key_tenors`` (linear in years, flat extrapolation), bp."""
        _, years = resolve_key_tenors(key_tenors)
        return interpolate_shifts(self.changes_bp, years)


@functools.cache
def _load_episodes_cached() -> tuple[HistoricalEpisode, ...]:
    text = (
        resources.files("hedge_planner.scenarios")
        .joinpath("data/historical_episodes.json")
        .read_text()
    )
    doc = json.loads(text)
    return tuple(HistoricalEpisode(key=k, **v) for k, v in doc["episodes"].items())


def load_historical_episodes() -> dict[str, HistoricalEpisode]:
    """The committed episodes (``scenarios/data/historical_episodes.json``) keyed by name."""
    return {e.key: e for e in _load_episodes_cached()}


def historical_scenario(
    episode: str | HistoricalEpisode,
    key_tenors: KeyTenorsLike = DEFAULT_KEY_TENORS,
    scale: float = 1.0,
) -> Scenario:
    """Replay scenario of an episode (name in the committed file, or an episode object).

    Rate shifts are ``scale`` x the episode's changes interpolated onto ``key_tenors`` (bp).
    """
    if isinstance(episode, str):
        table = load_historical_episodes()
        if episode not in table:
            raise ScenarioError(
                f"unknown historical episode {episode!r}; available: {sorted(table)}"
            )
        episode = table[episode]
    labels, years = resolve_key_tenors(key_tenors)
    suffix = "" if scale == 1.0 else f"_x{scale:g}"
    return _make(
        f"historical_{episode.key}{suffix}",
        "historical",
        labels,
        scale * interpolate_shifts(episode.changes_bp, years),
        _episode_text(episode),
        {sector: scale * bp for sector, bp in episode.spread_changes_bp.items()},
    )


def _episode_text(ep: HistoricalEpisode) -> str:
    text = f"{ep.title}: {ep.start} to {ep.end}. {ep.description}"
    return f"{text} Spreads: {ep.spread_note}." if ep.spread_note else text


# --------------------------------------------------------------------------------------------
# Scenario object
# --------------------------------------------------------------------------------------------


def _normalize_sectors(spreads: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for sector, bp in spreads.items():
        key = str(sector).strip().lower()
        if not key:
            raise ValueError("sector names must be non-empty")
        if key in out:
            raise ValueError(f"sector {key!r} given twice")
        if not math.isfinite(float(bp)):
            raise ValueError(f"spread shift for sector {key!r} must be finite")
        if abs(float(bp)) > MAX_SHIFT_BP:
            raise ValueError(
                f"spread shift {float(bp):g} bp for sector {key!r} is beyond the plausible "
                f"+/-{MAX_SHIFT_BP:g} bp"
            )
        out[key] = float(bp)
    return out


class Scenario(BaseModel):
    """A fully specified scenario on a given set of key tenors.

    Attributes
    ----------
    name
        Unique name within a scenario set.
    kind
        ``parallel``, a curve-shape kind, ``twist``, ``butterfly``, ``custom``, ``historical``,
        ``spread`` (spreads only) or ``combined`` (rates and spreads).
    description
        Human text.
    key_tenors
        Tenor labels the rate shifts refer to.
    rate_shifts_bp
        Key-rate yield shifts, **bp**, aligned with ``key_tenors``.
    spread_shifts_bp
        Spread shifts by (lower-case) sector, **bp**; positive widens. Sectors absent are 0.
    vol_shifts_bp
        Normal-vol shifts of the options, **bp** of normal vol: ``"all"`` (parallel) and/or
        expiry tenor labels, interpolated linearly in expiry (see
        :class:`~hedge_planner.models.vol_shift.VolShift`). Empty: vols unchanged.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str = Field(min_length=1)
    kind: str
    description: str = ""
    key_tenors: tuple[str, ...]
    rate_shifts_bp: tuple[float, ...]
    spread_shifts_bp: dict[str, float] = Field(default_factory=dict)
    vol_shifts_bp: dict[str, float] = Field(default_factory=dict)

    @field_validator("key_tenors", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> tuple[str, ...]:
        return resolve_key_tenors(value)[0]

    @field_validator("spread_shifts_bp", mode="before")
    @classmethod
    def _sectors(cls, value: Any) -> dict[str, float]:
        return _normalize_sectors(value or {})

    @model_validator(mode="after")
    def _aligned(self) -> Scenario:
        if len(self.rate_shifts_bp) != len(self.key_tenors):
            raise ValueError(
                f"rate_shifts_bp has {len(self.rate_shifts_bp)} values for "
                f"{len(self.key_tenors)} key tenors"
            )
        return self

    @property
    def rate_shift_by_tenor(self) -> dict[str, float]:
        """Rate shifts as ``{tenor label: bp}``."""
        return dict(zip(self.key_tenors, self.rate_shifts_bp, strict=True))

    def rate_shifts_decimal(self) -> FloatArray:
        """Rate shifts in **decimal** (bp x 1e-4), aligned with ``key_tenors``."""
        return np.asarray(self.rate_shifts_bp, dtype=np.float64) * BP


def _make(
    name: str,
    kind: str,
    labels: tuple[str, ...],
    shifts: FloatArray,
    description: str,
    spreads: Mapping[str, float] | None = None,
) -> Scenario:
    return Scenario(
        name=name,
        kind=kind,
        description=description,
        key_tenors=labels,
        rate_shifts_bp=tuple(float(x) + 0.0 for x in shifts),  # + 0.0 turns -0.0 into 0.0
        spread_shifts_bp=dict(spreads or {}),
    )


def _check_unique(names: Sequence[str]) -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(f"duplicate scenario names {dupes}")


# --------------------------------------------------------------------------------------------
# Batched matrices
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioMatrices:
    """A scenario set as arrays for batched revaluation.

    Attributes
    ----------
    names
        Scenario names (row order).
    key_tenors
        Tenor labels (column order of ``rate_shifts``).
    sectors
        Sector names (column order of ``spread_shifts``).
    rate_shifts
        ``(n_scenarios, n_key_tenors)`` yield shifts in **decimal**.
    spread_shifts
        ``(n_scenarios, n_sectors)`` spread shifts in **decimal** (positive widens).
    vol_shifts
        Each scenario's normal-vol shifts, **bp** (``Scenario.vol_shifts_bp``; empty: none).
    """

    names: tuple[str, ...]
    key_tenors: tuple[str, ...]
    sectors: tuple[str, ...]
    rate_shifts: FloatArray
    spread_shifts: FloatArray
    vol_shifts: tuple[dict[str, float], ...] = ()


def scenario_matrices(
    scenarios: Sequence[Scenario], sectors: Sequence[str] | None = None
) -> ScenarioMatrices:
    """Stack scenarios into decimal shift matrices.

    Parameters
    ----------
    scenarios
        Scenarios sharing the same ``key_tenors``.
    sectors
        Spread columns; ``None`` = every sector mentioned, in first-appearance order. A sector a
        scenario shifts but that is not listed raises (it would silently lose risk); listed
        sectors a scenario does not mention get 0.

    Raises
    ------
    ScenarioError
        Empty input, mixed key tenors, duplicate names, or an unlisted sector.
    """
    if not scenarios:
        raise ScenarioError("no scenarios")
    tenors = scenarios[0].key_tenors
    for s in scenarios:
        if s.key_tenors != tenors:
            raise ScenarioError(
                f"scenario {s.name!r} uses key tenors {list(s.key_tenors)}, expected {list(tenors)}"
            )
    _check_unique([s.name for s in scenarios])
    if sectors is None:
        cols = tuple(dict.fromkeys(k for s in scenarios for k in s.spread_shifts_bp))
    else:
        cols = tuple(_normalize_sectors(dict.fromkeys(sectors, 0.0)))
    col_index = {c: j for j, c in enumerate(cols)}
    rates = np.array([s.rate_shifts_bp for s in scenarios], dtype=np.float64) * BP
    spreads = np.zeros((len(scenarios), len(cols)))
    for i, s in enumerate(scenarios):
        for sector, bp in s.spread_shifts_bp.items():
            if sector not in col_index:
                raise ScenarioError(
                    f"scenario {s.name!r} shifts sector {sector!r}, not among sectors {list(cols)}"
                )
            spreads[i, col_index[sector]] = bp * BP
    return ScenarioMatrices(
        names=tuple(s.name for s in scenarios),
        key_tenors=tenors,
        sectors=cols,
        rate_shifts=rates,
        spread_shifts=spreads,
        vol_shifts=tuple(dict(s.vol_shifts_bp) for s in scenarios),
    )

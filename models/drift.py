"""Duration drift between two snapshots: an exact sequential (waterfall) attribution.

A *state* is a set of bond positions (face and z-spread per bond), the date they are measured
on, the curve (par quotes anchored on that date), any cash the book holds (zero duration) and the
benchmark's risk. The drift from the first snapshot to the second is walked through a fixed
sequence of states; each part is the difference of the metrics of two consecutive states, so the
parts telescope and sum to the total change exactly (to rounding).

Metrics of a state are the engine's curve-based (bullet-equivalent) figures plus, per bond, a
fixed *model adjustment* (supplied OAS-based figure minus the engine's, from the snapshot the
bond's figures come from), so the two snapshots reproduce the figures the plan reports:

* ``market_value``: dirty market value of the bonds plus cash, currency;
* ``effective_duration``: years, parallel continuous zero-rate shift of +/- h, z-spread held,
  cash at zero duration (``sum DV01 / (MV 1e-4)``);
* ``dv01``: currency per 1 bp fall of the zero curve;
* ``spread_duration``: years, z-spread shift (equal to the engine's effective duration for a
  bullet priced off one curve; differs where supplied OAS-based figures are used);
* ``krd_zero.<tenor>`` and ``krd_par.<tenor>``: key rate durations, years, in the zero convention
  (tents on continuous zero rates) and the par convention (tents on the par quotes, curve
  bootstrapped again), see :mod:`hedge_planner.models.krd`;
* with a benchmark: ``duration_gap`` (portfolio minus benchmark, years) and
  ``tracking_error_bp`` (key-rate tracking error, bp per year: ``sqrt(g' S g)`` with ``g`` the par
  KRD gap and ``S`` the covariance of key-rate changes, bp^2 per year).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import BondBook, CashflowSchedule, build_schedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.krd import PAR_TREASURY, ParQuotes, zero_krd
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BenchmarkRisk:
    """The benchmark's figures a drift state compares against.

    Attributes
    ----------
    duration
        Effective duration, years.
    krd_zero, krd_par
        Key rate durations in the zero and par conventions, years, one per key tenor.
    """

    duration: float
    krd_zero: FloatArray
    krd_par: FloatArray


@dataclass(frozen=True)
class DriftState:
    """One state of the drift walk.

    Attributes
    ----------
    label
        What this state is (e.g. ``"after time"``).
    book
        The bonds held, alive after the state's date; ``book.face`` is the face held, currency.
    z_spread
        Z-spread per bond over the state's curve, decimal, continuous on ACT/365F.
    quotes
        Par quotes of the discount curve, anchored on the state's date (day serial).
    cash
        Cash held in the book, currency (zero duration).
    benchmark
        The benchmark's risk, or ``None``.
    """

    label: str
    book: BondBook
    z_spread: FloatArray
    quotes: ParQuotes
    cash: float = 0.0
    benchmark: BenchmarkRisk | None = None
    #: Per-bond model adjustment added to the engine's figures (supplied OAS-based figures
    #: minus the engine's), ``(n, 2 + 2K)``: duration, spread duration, zero KRDs, par KRDs,
    #: years; ``None`` for none.
    adjust: FloatArray | None = None

    @property
    def date(self) -> int:
        """The state's date, day serial."""
        return self.quotes.anchor


def roll_quotes(quotes: ParQuotes, anchor: int) -> ParQuotes:
    """The same curve moved to a new date: unchanged par quotes by tenor (roll-down).

    A curve built from par quotes is bootstrapped again from the same quotes at ``anchor``; a
    curve given otherwise (``quotes.base``) keeps its discount factors by time from the anchor,
    i.e. its zero rates by maturity are unchanged.
    """
    if quotes.base is None:
        return replace(quotes, anchor=int(anchor))
    base = quotes.base
    moved = YieldCurve(
        int(anchor),
        base.node_times,
        base.node_discounts,
        base.interpolation,  # type: ignore[arg-type]
    )
    return replace(quotes, anchor=int(anchor), base=moved)


def alive(book: BondBook, day: int) -> npt.NDArray[np.int64]:
    """Positions of the bonds that mature after ``day`` (day serial)."""
    return np.flatnonzero(np.asarray(book.maturity) > int(day))


def cash_received(book: BondBook, start: int, end: int) -> FloatArray:
    """Cash each position receives from its scheduled flows in ``(start, end]``, currency.

    Coupons and redemptions of the bonds' own schedules (per 100 face) times face / 100.
    """
    sched = build_schedule(book, int(start))
    paid = np.where(sched.pay_dates <= int(end), sched.amounts, 0.0)
    return np.asarray(sched.per_bond(paid) * np.asarray(book.face) / 100.0, dtype=np.float64)


#: Bumped par curves by quotes (a walk reuses four sets of quotes across its states; each set
#: costs ``2 (K + 1)`` bootstraps). Values keep the quotes alive so ``id(base)`` stays unique.
_BUMPED: dict[
    tuple[object, ...], tuple[ParQuotes, YieldCurve, list[tuple[YieldCurve, YieldCurve]]]
] = {}


def _bumped_curves(
    quotes: ParQuotes, keys: FloatArray, shift: float
) -> tuple[YieldCurve, list[tuple[YieldCurve, YieldCurve]]]:
    """The base curve and the (down, up) curves of each key tent and of the parallel shift."""
    key = (
        quotes.anchor,
        quotes.tenors,
        quotes.rates.tobytes(),
        quotes.interpolation,
        quotes.kind,
        id(quotes.base),
        keys.tobytes(),
        shift,
    )
    if key not in _BUMPED:
        if len(_BUMPED) > 16:
            _BUMPED.clear()
        tents = quotes.key_tents(keys)
        shapes = np.vstack([tents, np.ones((1, quotes.tenor_years.size))])
        pairs = [(quotes.build(-shift * sh), quotes.build(shift * sh)) for sh in shapes]
        _BUMPED[key] = (quotes, quotes.build(), pairs)
    _, base, pairs = _BUMPED[key]
    return base, pairs


def par_krd_cached(
    sched: CashflowSchedule,
    quotes: ParQuotes,
    z_spread: npt.ArrayLike,
    key_years: npt.ArrayLike,
    shift: float = BP,
) -> FloatArray:
    """Par KRDs (years, ``(n, K)``) as :func:`hedge_planner.models.krd.par_krd` measures them
    (tents on the par quotes, curve bootstrapped again, z-spread held, full price), with the
    bumped curves of each set of quotes built once."""
    keys = np.asarray(key_years, dtype=np.float64)
    base, pairs = _bumped_curves(quotes, keys, shift)
    t = np.asarray(base.time(sched.pay_dates), dtype=np.float64)
    z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (sched.n_bonds,))
    flows = sched.amounts * np.exp(-z[sched.bond] * t)
    ref = sched.per_bond(flows * base.discount(t))
    out = np.empty((sched.n_bonds, len(pairs) - 1))
    for j, (dn, up) in enumerate(pairs[:-1]):
        out[:, j] = sched.per_bond(flows * (dn.discount(t) - up.discount(t))) / (2.0 * shift * ref)
    return out


def _empty_metrics(tenors: Sequence[str], cash: float) -> dict[str, float]:
    out = {"market_value": cash, "effective_duration": 0.0, "dv01": 0.0, "spread_duration": 0.0}
    out.update({f"krd_zero.{t}": 0.0 for t in tenors})
    out.update({f"krd_par.{t}": 0.0 for t in tenors})
    return out


def state_metrics(
    state: DriftState,
    tenors: Sequence[str],
    key_years: npt.ArrayLike,
    shift: float = BP,
    covariance: npt.ArrayLike | None = None,
) -> dict[str, float]:
    """Portfolio metrics of a drift state (see the module docstring for names and units).

    Parameters
    ----------
    state
        The state.
    tenors, key_years
        Key tenor labels and their times in years.
    shift
        Finite-difference shift, decimal.
    covariance
        Covariance of key-rate changes, bp^2 per year, ``(K, K)``; needed for the tracking error.
    """
    keys = np.asarray(key_years, dtype=np.float64)
    n = len(state.book)
    if n == 0:
        out = _empty_metrics(tenors, state.cash)
        krd_par_port = np.zeros(len(tenors))
    else:
        sched = build_schedule(state.book, state.date)
        curve = state.quotes.build()
        t = np.asarray(curve.time(sched.pay_dates), dtype=np.float64)
        z = np.asarray(state.z_spread, dtype=np.float64)
        v = sched.amounts * curve.discount(t) * np.exp(-z[sched.bond] * t)
        price = sched.per_bond(v)
        mv_bonds = price / 100.0 * np.asarray(state.book.face)
        duration = sched.per_bond(v * np.sinh(shift * t)) / (shift * price)
        mv = float(mv_bonds.sum()) + state.cash
        weights = mv_bonds / mv if mv != 0.0 else np.zeros(n)
        krd_z = zero_krd(sched, curve, z, keys)
        krd_p = par_krd_cached(sched, state.quotes, z, keys, PAR_TREASURY.shift)
        # A continuous z-spread enters the discount as a parallel zero shift does.
        spread = duration.copy()
        if state.adjust is not None:
            k = keys.size
            adj = np.asarray(state.adjust, dtype=np.float64)
            duration = duration + adj[:, 0]
            spread = spread + adj[:, 1]
            krd_z = krd_z + adj[:, 2 : 2 + k]
            krd_p = krd_p + adj[:, 2 + k : 2 + 2 * k]
        kz, kp = weights @ krd_z, weights @ krd_p
        out = {
            "market_value": mv,
            "effective_duration": float(weights @ duration),
            "dv01": float((duration * mv_bonds).sum()) * BP,
            "spread_duration": float(weights @ spread),
        }
        out.update({f"krd_zero.{tn}": float(x) for tn, x in zip(tenors, kz, strict=True)})
        out.update({f"krd_par.{tn}": float(x) for tn, x in zip(tenors, kp, strict=True)})
        krd_par_port = kp
    bench = state.benchmark
    if bench is not None:
        out["duration_gap"] = out["effective_duration"] - bench.duration
        if covariance is not None:
            gap = krd_par_port - np.asarray(bench.krd_par)
            cov = np.asarray(covariance, dtype=np.float64)
            out["tracking_error_bp"] = math.sqrt(max(float(gap @ cov @ gap), 0.0))
    return out


@dataclass(frozen=True)
class DriftPart:
    """One part of the attribution: the change of every metric it explains."""

    name: str
    description: str
    change: dict[str, float]


@dataclass(frozen=True)
class DriftWaterfall:
    """The walk from the first snapshot to the second.

    Attributes
    ----------
    before, after
        Metrics of the two snapshots.
    parts
        The parts in the order of the walk; their changes sum to ``after - before`` per metric.
    order
        Names of the sequential steps in the order applied.
    """

    before: dict[str, float]
    after: dict[str, float]
    parts: tuple[DriftPart, ...]
    order: tuple[str, ...]

    @property
    def total(self) -> dict[str, float]:
        """``after - before`` per metric."""
        return {k: self.after[k] - self.before[k] for k in self.after if k in self.before}

    def part(self, name: str) -> DriftPart:
        """The part called ``name``."""
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)

    def sum_error(self) -> float:
        """Largest ``|sum of parts - total|`` over the metrics (rounding only)."""
        total = self.total
        worst = 0.0
        for key, value in total.items():
            acc = math.fsum(p.change.get(key, 0.0) for p in self.parts)
            worst = max(worst, abs(acc - value))
        return worst


def _diff(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
    """``b - a`` on the metrics both carry."""
    return {k: b[k] - a[k] for k in b if k in a}


def sequential_waterfall(
    steps: Sequence[tuple[str, str, Mapping[str, float]]],
    market_standalone: Mapping[str, float] | None = None,
    market_step: str = "market",
) -> DriftWaterfall:
    """Attribute the change from the first state's metrics to the last's, step by step.

    Parameters
    ----------
    steps
        ``(name, description, metrics)`` of each state in the order of the walk; the first is
        the starting snapshot (its name is ignored), each later one names the step that led to
        it. Part ``i`` is ``metrics[i] - metrics[i - 1]``.
    market_standalone
        Metrics of the starting book revalued on the new market at the starting date. When
        given, the market step is split into the standalone market effect
        (``market_standalone - before``) and the cross term of the market move with the steps
        applied before it (the remainder), so that the sum stays exact.
    market_step
        Name of the market step to split.

    Returns
    -------
    DriftWaterfall
        Parts in walk order; the cross term follows the market part.
    """
    if len(steps) < 2:
        raise ValueError("a drift walk needs at least two states")
    before = dict(steps[0][2])
    parts: list[DriftPart] = []
    for (_, _, prev), (name, text, cur) in itertools.pairwise(steps):
        change = _diff(prev, cur)
        if name == market_step and market_standalone is not None:
            alone = _diff(before, market_standalone)
            alone = {k: v for k, v in alone.items() if k in change}
            cross = {k: change[k] - alone[k] for k in change}
            parts.append(DriftPart(name, text, alone))
            parts.append(
                DriftPart(
                    f"{name}_cross",
                    "cross term: the market move measured after the earlier steps minus the "
                    "same move applied to the starting book",
                    cross,
                )
            )
            continue
        parts.append(DriftPart(name, text, change))
    return DriftWaterfall(
        before=before,
        after=dict(steps[-1][2]),
        parts=tuple(parts),
        order=tuple(s[0] for s in steps[1:]),
    )

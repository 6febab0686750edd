"""Curve-based rate risk of bond books: z-spread, effective duration and convexity, spread
duration and key rate durations, from one batched repricing of the whole book.

Methodology (every figure below is labelled **effective**, i.e. curve-based finite differences):

* A bond is priced off a discount curve plus a constant **z-spread** ``z``: each flow at curve
  time ``t`` (ACT/365F years) is discounted by ``DF(t) * exp(-z t)``; ``z`` is solved so that the
  curve price equals the market dirty price, so price-based and curve-based figures agree at the
  base point. The curve is anchored on the settlement date.
* **Effective duration / convexity**: the curve's continuously compounded zero rates are shifted
  in parallel by ``+/- h``: ``D = (P- - P+) / (2 h P0)``, ``C = (P+ + P- - 2 P0) / (h^2 P0)``.
* **Spread duration**: the z-spread is shifted by ``+/- h`` with the curve held.
* **Key rate durations**: zero rates shifted by a tent at each key tenor (1 at the key, 0 at the
  neighbouring keys, flat beyond the first and last key). The tents sum to one at every time, so
  the key rate shifts add up to the parallel shift and KRDs sum to the effective duration
  (up to the O(h^2) cross terms of the central difference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.bootstrap import key_tenor
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.units import BP

#: Default key tenors (labels) and their times in years.
DEFAULT_KEY_TENORS: tuple[str, ...] = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
#: Key tenors that must always be present.
REQUIRED_KEY_TENORS: tuple[str, ...] = ("2y", "5y", "10y", "30y")
#: Default finite-difference shift, decimal (1 bp).
DEFAULT_SHIFT = BP


def check_key_tenors(labels: Sequence[str]) -> tuple[tuple[str, ...], FloatArray]:
    """Validate key tenors: known labels, strictly increasing, including 2y, 5y, 10y and 30y."""
    parsed = [key_tenor(label) for label in labels]
    norm = tuple(label for label, _ in parsed)
    years = np.array([y for _, y in parsed])
    if len(years) == 0 or np.any(np.diff(years) <= 0):
        raise AnalyticsError(f"key tenors must be strictly increasing, got {', '.join(norm)}")
    missing = [t for t in REQUIRED_KEY_TENORS if t not in norm]
    if missing:
        need = ", ".join(REQUIRED_KEY_TENORS)
        raise AnalyticsError(f"key tenors must include {need}; missing {', '.join(missing)}")
    return norm, years


@dataclass(frozen=True)
class KeyRateSensitivity:
    """Key rate durations of positions: a first-class bucketed sensitivity.

    Attributes
    ----------
    tenors
        Key tenor labels.
    tenor_years
        Key tenors in years.
    krd
        Key rate durations, years, shape ``(n_positions, n_keys)``; method: effective
        (tent-shaped zero-rate shifts) unless labelled otherwise by the owner.
    market_value
        Market value of each position, currency, shape ``(n_positions,)``.
    """

    tenors: tuple[str, ...]
    tenor_years: FloatArray
    krd: FloatArray
    market_value: FloatArray

    @property
    def krd_dv01(self) -> FloatArray:
        """Currency gained per 1 bp fall of each key rate, per position: ``KRD * MV * 1e-4``."""
        return self.krd * self.market_value[:, None] * BP

    def portfolio_krd(self, denominator: float | None = None) -> FloatArray:
        """Market-value-weighted KRDs (years); ``denominator`` overrides the market value."""
        total = float(self.market_value.sum()) if denominator is None else denominator
        return self.krd_dv01.sum(axis=0) / (total * BP)

    def as_dict(self, row: int | None = None) -> dict[str, float]:
        """``{tenor: KRD}`` for one position, or for the portfolio when ``row`` is None."""
        values = self.portfolio_krd() if row is None else self.krd[row]
        return {t: float(v) for t, v in zip(self.tenors, values, strict=True)}


@dataclass(frozen=True)
class CurveRisk:
    """Curve-based (effective) analytics of a book, per position.

    Attributes
    ----------
    dirty_price
        Dirty price per 100 face (equals the market price by construction of the z-spread).
    market_value
        Dirty market value, currency.
    z_spread
        Constant spread over the curve, decimal, continuously compounded on ACT/365F.
    effective_duration
        Years (parallel zero-rate shift).
    effective_convexity
        Years^2.
    spread_duration
        Years (z-spread shift).
    dv01
        Effective DV01, currency per 1 bp for the position.
    krd
        Key rate durations.
    shift
        Finite-difference shift used, decimal.
    """

    dirty_price: FloatArray
    market_value: FloatArray
    z_spread: FloatArray
    effective_duration: FloatArray
    effective_convexity: FloatArray
    spread_duration: FloatArray
    dv01: FloatArray
    krd: KeyRateSensitivity
    shift: float

    @property
    def krd_sum_error(self) -> FloatArray:
        """Relative miss of the KRD sum against effective duration, per position."""
        total = self.krd.krd.sum(axis=1)
        scale = np.maximum(np.abs(self.effective_duration), 1e-12)
        return np.abs(total - self.effective_duration) / scale


def _curve_times(sched: CashflowSchedule, curve: YieldCurve) -> FloatArray:
    if sched.settle != curve.anchor:
        raise AnalyticsError(
            "curve-based analytics need the curve anchored on the settlement date "
            f"(curve {curve.anchor}, settlement {sched.settle})"
        )
    return np.asarray(curve.time(sched.pay_dates), dtype=np.float64)


def tent_coordinates(t: FloatArray, keys: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Left key index ``k`` and the weight ``u`` of key ``k + 1`` for each time.

    The tent weights of time ``t`` are ``1 - u`` on key ``k`` and ``u`` on key ``k + 1`` (``u = 0``
    and the end key alone beyond the first/last key), the same weights as
    :func:`models.curves.tent_weights`, stored sparsely: at most two keys touch any flow.
    """
    k = np.clip(np.searchsorted(keys, t, side="right") - 1, 0, len(keys) - 1)
    right = np.minimum(k + 1, len(keys) - 1)
    span = keys[right] - keys[k]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(span > 0, (t - keys[k]) / span, 0.0)
    return k, np.clip(u, 0.0, 1.0)


def curve_dirty_price(
    sched: CashflowSchedule, curve: YieldCurve, z_spread: npt.ArrayLike = 0.0
) -> FloatArray:
    """Dirty price per 100 face of each bond off a curve plus its z-spread.

    Parameters
    ----------
    sched
        Cash-flow schedule (flows after settlement).
    curve
        Discount curve anchored on the settlement date.
    z_spread
        Spread per bond, decimal, continuous on ACT/365F.
    """
    t = _curve_times(sched, curve)
    z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (sched.n_bonds,))
    return sched.per_bond(sched.amounts * curve.discount(t) * np.exp(-z[sched.bond] * t))


def solve_z_spread(
    sched: CashflowSchedule, curve: YieldCurve, dirty_price: npt.ArrayLike
) -> FloatArray:
    """Z-spreads (decimal, continuous) that reprice each bond to its dirty price per 100.

    Raises
    ------
    AnalyticsError
        If a price is not positive and finite, or a bond does not converge.
    """
    t = _curve_times(sched, curve)
    return _solve_z(sched, t, sched.amounts * curve.discount(t), dirty_price)


def _solve_z(
    sched: CashflowSchedule, t: FloatArray, base: FloatArray, dirty_price: npt.ArrayLike
) -> FloatArray:
    """Newton's method on every bond at once, from a first-order start.

    The price is convex and decreasing in the spread, so the iteration converges monotonically
    after at most one overshoot. A bond stops when its step or its price miss reaches rounding
    level: days before maturity the price hardly moves with the spread, so a step tolerance alone
    would chase rounding noise.
    """
    target = np.broadcast_to(np.asarray(dirty_price, dtype=np.float64), (sched.n_bonds,))
    if not (np.isfinite(target).all() and (target > 0).all()):
        bad = np.flatnonzero(~(np.isfinite(target) & (target > 0)))
        raise AnalyticsError(
            f"dirty price must be positive and finite; bond positions {bad[:10].tolist()}"
        )
    p0 = sched.per_bond(base)
    # First order: P(z) ~ P(0) exp(-z D) with D the PV-weighted time of the flows.
    z = np.log(p0 / target) / np.maximum(sched.per_bond(base * t) / p0, 1e-8)
    done = np.zeros(sched.n_bonds, dtype=bool)
    for _ in range(60):
        v = base * np.exp(-z[sched.bond] * t)
        price = sched.per_bond(v)
        step = (price - target) / -sched.per_bond(v * t)
        done = (np.abs(step) < 1e-14) | (np.abs(price - target) <= 4e-16 * target)
        z = np.where(done, z, z - step)
        if done.all():
            return z
    bad = np.flatnonzero(~done)
    raise AnalyticsError(f"z-spread did not converge for bond positions {bad[:10].tolist()}")


def curve_risk(
    sched: CashflowSchedule,
    face: npt.ArrayLike,
    curve: YieldCurve,
    dirty_price: npt.ArrayLike,
    key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    shift: float = DEFAULT_SHIFT,
) -> CurveRisk:
    """Effective duration, convexity, spread duration and KRDs of every bond in one batch.

    Every bumped price is an exact full revaluation off the shifted curve: a zero-rate shift
    ``s(t)`` multiplies each discounted flow ``v`` by ``exp(-s(t) t)``. Because a tent touches at
    most two keys per flow, the up/down differences of all keys are evaluated together in
    O(number of flows), e.g. ``P(-h e_k) - P(+h e_k) = 2 sum_f v_f sinh(h w_kf t_f)``.

    Parameters
    ----------
    sched
        Cash-flow schedule of the book.
    face
        Face amount of each position, currency.
    curve
        Discount curve (e.g. bootstrapped Treasury curve) anchored on the settlement date.
    dirty_price
        Market dirty price per 100 face; the z-spread is solved to reproduce it.
    key_tenors
        Key tenor labels (must include 2y, 5y, 10y, 30y).
    shift
        Finite-difference shift, decimal (default 1 bp).

    Returns
    -------
    CurveRisk
        Per-position figures; durations in years, convexity in years^2, DV01 in currency per bp.
    """
    if not shift > 0:
        raise AnalyticsError(f"shift must be positive, got {shift}")
    labels, keys = check_key_tenors(key_tenors)
    n, n_keys = sched.n_bonds, len(keys)
    face = np.broadcast_to(np.asarray(face, dtype=np.float64), (n,))
    t = _curve_times(sched, curve)
    base = sched.amounts * curve.discount(t)
    z = _solve_z(sched, t, base, dirty_price)
    v = base * np.exp(-z[sched.bond] * t)
    p0 = sched.per_bond(v)

    ht = shift * t
    # Parallel shift of the zero curve: P(-h) - P(+h) = 2 sum v sinh(h t) and
    # P(+h) + P(-h) - 2 P0 = 2 sum v (cosh(h t) - 1).
    eff_dur = sched.per_bond(v * np.sinh(ht)) / (shift * p0)
    eff_cvx = 2.0 * sched.per_bond(v * np.expm1(ht) ** 2 / (2.0 * np.exp(ht))) / (shift**2 * p0)
    # A continuous z-spread enters the discount exactly like a parallel zero shift, so the
    # spread-shift difference has the same form (kept separate: it is a different risk).
    spread_dur = sched.per_bond(v * np.sinh(ht)) / (shift * p0)

    k, u = tent_coordinates(t, keys)
    right = np.minimum(k + 1, n_keys - 1)
    cells = n * n_keys
    left_part = np.bincount(sched.bond * n_keys + k, v * np.sinh(ht * (1.0 - u)), cells)
    right_part = np.bincount(sched.bond * n_keys + right, v * np.sinh(ht * u), cells)
    krd = (left_part + right_part).reshape(n, n_keys) / (shift * p0[:, None])

    mv = p0 / 100.0 * face
    return CurveRisk(
        dirty_price=p0,
        market_value=mv,
        z_spread=z,
        effective_duration=eff_dur,
        effective_convexity=eff_cvx,
        spread_duration=spread_dur,
        dv01=eff_dur * mv * BP,
        krd=KeyRateSensitivity(labels, keys, krd, mv),
        shift=shift,
    )

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
from hedge_planner.models.bonds import BLOCK_FLOWS, CashflowSchedule, bond_blocks
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


def _check_anchor(sched: CashflowSchedule, curve: YieldCurve) -> None:
    if sched.settle != curve.anchor:
        raise AnalyticsError(
            "curve-based analytics need the curve anchored on the settlement date "
            f"(curve {curve.anchor}, settlement {sched.settle})"
        )


def _curve_times(sched: CashflowSchedule, curve: YieldCurve) -> FloatArray:
    _check_anchor(sched, curve)
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
    target = _checked_prices(dirty_price, sched.n_bonds)
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


def _checked_prices(dirty_price: npt.ArrayLike, n: int) -> FloatArray:
    """Dirty prices broadcast to ``n`` bonds; every one positive and finite."""
    target = np.broadcast_to(np.asarray(dirty_price, dtype=np.float64), (n,))
    if not (np.isfinite(target).all() and (target > 0).all()):
        bad = np.flatnonzero(~(np.isfinite(target) & (target > 0)))
        raise AnalyticsError(
            f"dirty price must be positive and finite; bond positions {bad[:10].tolist()}"
        )
    return target


# --------------------------------------------------------------------------------------------
# the blocked curve-risk kernel
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _DateTables:
    """Everything a flow's risk needs that depends on its payment date only, per date.

    Row ``d`` is the date ``settle + d``. A book of any size pays on at most a few ten thousand
    distinct dates, so discount factors, tent coordinates and the shift factors are evaluated
    once per date (tables of a few hundred kB) and gathered to the flows.
    """

    t: FloatArray  # curve time, years (ACT/365F)
    df: FloatArray  # discount factor
    sinh_ht: FloatArray  # sinh(h t): parallel shift difference per unit PV
    cvx_num: FloatArray  # expm1(h t)^2 and
    cvx_den: FloatArray  # 2 exp(h t): the parallel shift's curvature per unit PV is num / den
    key_left: npt.NDArray[np.int64]  # tent key k of the date
    key_right: npt.NDArray[np.int64]  # key k + 1 (the last key beyond it)
    sinh_left: FloatArray  # sinh(h t (1 - u)): key k's difference per unit PV
    sinh_right: FloatArray  # sinh(h t u): key k + 1's difference per unit PV

    @classmethod
    def build(
        cls, sched: CashflowSchedule, curve: YieldCurve, keys: FloatArray, shift: float
    ) -> _DateTables:
        last = int(sched.pay_dates.max()) - sched.settle if sched.pay_dates.size else 0
        t = np.asarray(curve.time(sched.settle + np.arange(last + 1)), dtype=np.float64)
        ht = shift * t
        k, u = tent_coordinates(t, keys)
        return cls(
            t=t,
            df=curve.discount(t),
            sinh_ht=np.sinh(ht),
            cvx_num=np.expm1(ht) ** 2,
            cvx_den=2.0 * np.exp(ht),
            key_left=k,
            key_right=np.minimum(k + 1, keys.size - 1),
            sinh_left=np.sinh(ht * (1.0 - u)),
            sinh_right=np.sinh(ht * u),
        )


@dataclass(frozen=True)
class _Workspace:
    """Flow-length buffers of one block, allocated once and reused by every block and bump."""

    day: npt.NDArray[np.int64]
    bond: npt.NDArray[np.int64]
    t: FloatArray
    base: FloatArray
    v: FloatArray
    tmp: FloatArray

    @classmethod
    def allocate(cls, capacity: int) -> _Workspace:
        def f() -> FloatArray:
            return np.empty(capacity)

        return cls(np.empty(capacity, np.int64), np.empty(capacity, np.int64), f(), f(), f(), f())


@dataclass(frozen=True)
class _BookRisk:
    """Per-bond results the blocks fill."""

    z: FloatArray
    price: FloatArray
    duration: FloatArray
    convexity: FloatArray
    krd: FloatArray
    converged: npt.NDArray[np.bool_]

    @classmethod
    def empty(cls, n: int, n_keys: int) -> _BookRisk:
        return cls(
            np.empty(n),
            np.empty(n),
            np.empty(n),
            np.empty(n),
            np.empty((n, n_keys)),
            np.zeros(n, dtype=bool),
        )


def _risk_block(
    sched: CashflowSchedule,
    tables: _DateTables,
    target: FloatArray,
    b0: int,
    b1: int,
    work: _Workspace,
    res: _BookRisk,
) -> None:
    """z-spread, price, parallel and key-rate differences of bonds ``b0 .. b1 - 1``.

    Every per-bond figure is computed from that bond's own flows only (the Newton iteration
    freezes each bond once it has converged), so the blocks reproduce one pass over the book.
    """
    f0, f1 = int(sched.offsets[b0]), int(sched.offsets[b1])
    m, nb = f1 - f0, b1 - b0
    starts = sched.offsets[b0:b1] - f0
    day, bond = work.day[:m], work.bond[:m]
    t, base, v, tmp = work.t[:m], work.base[:m], work.v[:m], work.tmp[:m]
    np.subtract(sched.pay_dates[f0:f1], sched.settle, out=day)
    np.subtract(sched.bond[f0:f1], b0, out=bond)
    np.take(tables.t, day, out=t)
    np.take(tables.df, day, out=base)
    base *= sched.amounts[f0:f1]
    goal = target[b0:b1]

    def per_bond(values: FloatArray) -> FloatArray:
        return np.add.reduceat(values, starts)

    # Newton on the z-spreads from a first-order start: P(z) ~ P(0) exp(-z D) (see _solve_z).
    p0 = per_bond(base)
    np.multiply(base, t, out=tmp)
    z = np.log(p0 / goal) / np.maximum(per_bond(tmp) / p0, 1e-8)
    done = np.zeros(nb, dtype=bool)
    for _ in range(60):
        np.take(z, bond, out=tmp)
        tmp *= t
        np.negative(tmp, out=tmp)
        np.exp(tmp, out=v)
        v *= base
        price = per_bond(v)
        np.multiply(v, t, out=tmp)
        step = (price - goal) / -per_bond(tmp)
        done = (np.abs(step) < 1e-14) | (np.abs(price - goal) <= 4e-16 * goal)
        z = np.where(done, z, z - step)
        if done.all():
            break
    # v holds the flows' present values at the final z (a bond stops moving once done).
    res.converged[b0:b1] = done
    res.z[b0:b1] = z
    p0 = per_bond(v)
    res.price[b0:b1] = p0
    _gathered_product(v, tables.sinh_ht, day, tmp)
    res.duration[b0:b1] = per_bond(tmp)
    # (v * num) / den flow by flow: the rounding of a direct per-flow evaluation.
    _gathered_product(v, tables.cvx_num, day, tmp)
    tmp /= np.take(tables.cvx_den, day)
    res.convexity[b0:b1] = per_bond(tmp)
    n_keys = res.krd.shape[1]
    cells = nb * n_keys
    idx = work.bond[:m]  # bond index no longer needed: reuse it for the (bond, key) cell
    np.multiply(bond, n_keys, out=idx)
    keys_of = np.take(tables.key_left, day)
    _gathered_product(v, tables.sinh_left, day, tmp)
    krd = np.bincount(idx + keys_of, tmp, cells)
    np.take(tables.key_right, day, out=keys_of)
    _gathered_product(v, tables.sinh_right, day, tmp)
    krd += np.bincount(idx + keys_of, tmp, cells)
    res.krd[b0:b1] = krd.reshape(nb, n_keys)


def _gathered_product(
    v: FloatArray, table: FloatArray, day: npt.NDArray[np.int64], out: FloatArray
) -> None:
    """``out = v * table[day]`` without a temporary."""
    np.take(table, day, out=out)
    out *= v


def curve_risk(
    sched: CashflowSchedule,
    face: npt.ArrayLike,
    curve: YieldCurve,
    dirty_price: npt.ArrayLike,
    key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    shift: float = DEFAULT_SHIFT,
    *,
    block_flows: int = BLOCK_FLOWS,
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
    block_flows
        Flows processed per block (whole bonds): discount factors, tent coordinates and shift
        factors are computed once per payment date and gathered to the flows block by block into
        buffers reused by every block, so memory beyond the schedule stays a few MB and the
        figures do not depend on the block size.

    Returns
    -------
    CurveRisk
        Per-position figures; durations in years, convexity in years^2, DV01 in currency per bp.
    """
    if not shift > 0:
        raise AnalyticsError(f"shift must be positive, got {shift}")
    labels, keys = check_key_tenors(key_tenors)
    n = sched.n_bonds
    face = np.broadcast_to(np.asarray(face, dtype=np.float64), (n,))
    _check_anchor(sched, curve)
    target = _checked_prices(dirty_price, n)
    tables = _DateTables.build(sched, curve, keys, shift)
    res = _BookRisk.empty(n, keys.size)
    blocks = bond_blocks(sched.offsets, block_flows)
    capacity = max((int(sched.offsets[b1] - sched.offsets[b0]) for b0, b1 in blocks), default=0)
    work = _Workspace.allocate(capacity)
    for b0, b1 in blocks:
        _risk_block(sched, tables, target, b0, b1, work, res)
    bad = np.flatnonzero(~res.converged)
    if bad.size:
        raise AnalyticsError(f"z-spread did not converge for bond positions {bad[:10].tolist()}")
    p0, z = res.price, res.z
    # Parallel shift of the zero curve: P(-h) - P(+h) = 2 sum v sinh(h t) and
    # P(+h) + P(-h) - 2 P0 = 2 sum v (cosh(h t) - 1).
    eff_dur = res.duration / (shift * p0)
    eff_cvx = 2.0 * res.convexity / (shift**2 * p0)
    # A continuous z-spread enters the discount exactly like a parallel zero shift, so the
    # spread-shift difference has the same form (kept separate: it is a different risk).
    spread_dur = eff_dur.copy()
    krd = res.krd / (shift * p0[:, None])
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

"""Callable and putable fixed-coupon bonds on the Hull-White lattice: price from OAS, OAS from
price, option-adjusted duration, convexity and key rate durations, yield- and duration-to-worst.

Conventions
-----------
* Cash flows are the bullet schedule of :func:`models.bonds.build_schedule` (per 100 face).
* An exercise schedule holds dates and **clean** prices per 100; at exercise the holder receives
  the clean price plus accrued interest (linear in days between the surrounding coupon dates; 0
  on a coupon date). A coupon paid on an exercise date goes to the holder whether or not the
  bond is called (QuantLib's convention: exercise is decided ex-coupon).
* Styles: ``european`` (the first date only), ``bermudan`` (each listed date), ``american``
  (every lattice date from the first listed date to maturity, at the price of the latest listed
  date on or before it). For American schedules ``notice_days`` moves the first exercise date
  later by the notice period; the information lag of the notice is not modelled.
* OAS is a constant spread added to the lattice short rate (continuous, decimal): zero OAS is the
  price on the model's curve. OA duration / convexity / KRDs: the curve's continuously
  compounded zero rates are shifted (parallel, or the same key-rate tents as bullets), the lattice
  refitted, the OAS held: ``D = (P- - P+) / (2 h P0)``, ``C = (P+ + P- - 2 P0) / (h^2 P0)``.

Everything is vectorised across bonds and curve scenarios: one lattice, one rollback.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.daycount import DayCount, year_fraction
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.lattice_pricing import LatticeBook
from hedge_planner.models.lattice_pricing import lattice_prices as block_prices
from hedge_planner.models.short_rate import HullWhite, TrinomialTree, scale_krds, time_grid
from hedge_planner.models.units import BP, DAYS_PER_YEAR

logger = logging.getLogger(__name__)

STYLES = ("european", "bermudan", "american")
#: Default lattice steps per year.
DEFAULT_STEPS_PER_YEAR = 24
_ON_NODE = 1e-9


@dataclass(frozen=True)
class ExerciseSchedule:
    """Call (or put) schedule of one bond.

    Attributes
    ----------
    days
        Exercise dates, day serials, increasing.
    prices
        Clean exercise prices per 100 face, one per date.
    style
        ``european``, ``bermudan`` or ``american``.
    put
        True for a holder's put (value floored), False for an issuer's call (value capped).
    notice_days
        Calendar days of notice (American only: the first exercise date moves by it).
    """

    days: tuple[int, ...]
    prices: tuple[float, ...]
    style: str = "bermudan"
    put: bool = False
    notice_days: int = 0

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise AnalyticsError(f"exercise style {self.style!r}: use one of {', '.join(STYLES)}")
        if not self.days or len(self.days) != len(self.prices):
            raise AnalyticsError("an exercise schedule needs one price per date, at least one")
        if any(b <= a for a, b in zip(self.days, self.days[1:], strict=False)):
            raise AnalyticsError("exercise dates must increase")


def _flow_times(sched: CashflowSchedule, curve: YieldCurve) -> FloatArray:
    if sched.settle != curve.anchor:
        raise AnalyticsError("the lattice needs the curve anchored on the settlement date")
    return np.asarray(curve.time(sched.pay_dates), dtype=np.float64)


def accrued_at(
    sched: CashflowSchedule, curve: YieldCurve, b: int, t: FloatArray, day_count: int
) -> FloatArray:
    """Accrued interest per 100 of bond ``b`` at curve times ``t`` under its day count.

    A time on a coupon (within the lattice's on-node tolerance, as :func:`lay_out` places the
    coupon on that node) accrues 0: exercise there is decided ex-coupon, the coupon going to the
    holder. Any other time accrues the coupon still ahead of it: the day count's figure at the
    date ``anchor + 365 t``, linear between the two whole days around a time that falls within a
    day (a date's own time, to 1e-6 of a day, is that date). An American node a few hours before
    a coupon date therefore accrues almost the whole coupon, which the holder of a bond called
    there does not receive.
    """
    lo, hi = sched.offsets[b], sched.offsets[b + 1]
    pay = sched.pay_dates[lo:hi]
    coupons = sched.amounts[lo:hi].copy()
    coupons[-1] -= 100.0
    start = np.concatenate([[sched.prev_coupon[b]], pay[:-1]])
    t = np.asarray(t, dtype=np.float64)
    ft = np.asarray(curve.time(pay), dtype=np.float64)
    # coupons on or before each time; a time on the last of them is on a coupon
    after = np.searchsorted(ft, t + _ON_NODE, side="right")
    on_coupon = (after > 0) & (np.abs(t - ft[np.maximum(after - 1, 0)]) < _ON_NODE)
    j = np.minimum(after, len(pay) - 1)  # the coupon period: the first coupon after the time
    freq = sched.compounding[b]

    def accrued(day: npt.NDArray[np.int64]) -> FloatArray:
        day = np.clip(day, start[j], pay[j])
        elapsed = year_fraction(day_count, start[j], day, start[j], pay[j], freq)
        whole = year_fraction(day_count, start[j], pay[j], start[j], pay[j], freq)
        return np.asarray(coupons[j] * np.clip(elapsed / np.maximum(whole, 1e-12), 0.0, 1.0))

    days = t * DAYS_PER_YEAR
    whole_day = np.round(days)
    on_day = np.abs(days - whole_day) < 1e-6
    d0 = np.where(on_day, whole_day, np.floor(days)).astype(np.int64)
    frac = np.where(on_day, 0.0, days - np.floor(days))
    value = accrued(curve.anchor + d0)
    if np.any(frac > 0.0):
        value = (1.0 - frac) * value + frac * accrued(curve.anchor + d0 + 1)
    return np.asarray(np.where(on_coupon, 0.0, value))


def lattice_grid(
    sched: CashflowSchedule,
    curve: YieldCurve,
    schedules: list[ExerciseSchedule],
    steps_per_year: float = DEFAULT_STEPS_PER_YEAR,
    flows_on_grid: bool = False,
) -> FloatArray:
    """Grid through every exercise date and final flow (and every flow if ``flows_on_grid``),
    with about ``steps_per_year`` steps a year (QuantLib ``TimeGrid`` rule)."""
    ft = _flow_times(sched, curve)
    last = ft[sched.offsets[1:] - 1]
    mandatory = [last]
    if flows_on_grid:
        mandatory.append(ft)
    for s in schedules:
        if s.style != "american":
            mandatory.append(np.asarray(curve.time(np.array(s.days))))
    times = np.concatenate(mandatory)
    steps = max(round(float(times.max()) * steps_per_year), 1)
    return time_grid(times, steps)


def lay_out(
    sched: CashflowSchedule,
    curve: YieldCurve,
    schedules: list[ExerciseSchedule],
    grid: FloatArray,
    day_counts: Sequence[int] | None = None,
) -> LatticeBook:
    """Attach every flow and exercise of the book to grid levels (``day_counts``: each bond's
    :class:`~models.daycount.DayCount` for accrued interest at exercise; 30/360 by default)."""
    dcs = [int(DayCount.THIRTY_360)] * sched.n_bonds if day_counts is None else list(day_counts)
    n, n_lv = sched.n_bonds, len(grid)
    if len(schedules) != n:
        raise AnalyticsError("one exercise schedule per bond is needed")
    ft = _flow_times(sched, curve)
    if ft.max() > grid[-1] + _ON_NODE:
        raise AnalyticsError("the lattice grid ends before the last cash flow")
    level = np.clip(np.searchsorted(grid, ft + _ON_NODE, side="right") - 1, 0, n_lv - 1)
    tau = ft - grid[level]
    on = tau < _ON_NODE
    on_node = np.zeros((n, n_lv))
    np.add.at(on_node, (sched.bond[on], level[on]), sched.amounts[on])
    strike = np.full((n, n_lv), np.nan)
    for b, s in enumerate(schedules):
        ex_t = np.asarray(curve.time(np.array(s.days)), dtype=np.float64)
        prices = np.asarray(s.prices, dtype=np.float64)
        mat = ft[sched.offsets[b + 1] - 1]
        if s.style == "american":
            first = ex_t[0] + s.notice_days / DAYS_PER_YEAR
            lv = np.flatnonzero((grid >= first - _ON_NODE) & (grid < mat - _ON_NODE))
            which = np.searchsorted(ex_t, grid[lv] + _ON_NODE, side="right") - 1
            px = prices[np.maximum(which, 0)]
        else:
            keep = slice(0, 1) if s.style == "european" else slice(None)
            ex_t, px = ex_t[keep], prices[keep]
            ok = (ex_t > _ON_NODE) & (ex_t < mat - _ON_NODE)
            ex_t, px = ex_t[ok], px[ok]
            lv = np.abs(grid[None, :] - ex_t[:, None]).argmin(axis=1)
        if lv.size:
            strike[b, lv] = px + accrued_at(sched, curve, b, grid[lv], dcs[b])
    return LatticeBook(
        grid=grid,
        on_node=on_node,
        inside_bond=sched.bond[~on],
        inside_level=level[~on],
        inside_amount=sched.amounts[~on],
        inside_tau=tau[~on],
        strike=strike,
        put=np.array([s.put for s in schedules], dtype=bool),
    )


def lattice_prices(
    book: LatticeBook, tree: TrinomialTree, phi: FloatArray, spread: FloatArray
) -> FloatArray:
    """Dirty prices per 100 of every bond under every fitted curve, ``(S, B)`` (``phi (S, N)``
    fitted drifts, ``spread (S, B)`` OAS, decimal continuous); see
    :func:`models.lattice_pricing.lattice_prices`."""
    return block_prices(book, tree, phi, spread)[0]


@dataclass(frozen=True)
class CallableRisk:
    """Option-adjusted analytics of callable/putable bonds.

    Attributes
    ----------
    dirty_price
        Model dirty price per 100 at the OAS.
    oas
        Decimal, continuous spread over the lattice short rate.
    duration, convexity
        Option-adjusted effective duration (years) and convexity (years^2).
    spread_duration
        OAS duration, years: OAS shifted +/- the shift with the curve held.
    krd
        ``(B, K)`` OAS key rate durations, years.
    bullet_price
        Dirty price per 100 of the same flows without the option, at the same OAS (lattice).
    shift
        Curve shift used, decimal.
    steps
        Lattice steps and widest level (nodes).
    """

    dirty_price: FloatArray
    oas: FloatArray
    duration: FloatArray
    convexity: FloatArray
    spread_duration: FloatArray
    krd: FloatArray
    bullet_price: FloatArray
    shift: float
    steps: tuple[int, int]


def _fitted(
    tree: TrinomialTree, curve: YieldCurve, bumps: FloatArray, keys: FloatArray
) -> FloatArray:
    df = curve.discount_shifted(tree.grid[1:], keys, bumps)
    return tree.fit(df)


def solve_oas(
    book: LatticeBook,
    tree: TrinomialTree,
    phi0: FloatArray,
    dirty_price: npt.ArrayLike,
    tol: float = 1e-10,
) -> FloatArray:
    """OAS (decimal, continuous) per bond reproducing the dirty prices per 100 (Newton, with a
    one-basis-point secant slope from the same rollback)."""
    target = np.asarray(dirty_price, dtype=np.float64)
    n_b = target.size
    oas = np.zeros(n_b)
    phi = np.vstack([phi0, phi0])
    h = BP
    for _ in range(50):
        p = lattice_prices(book, tree, phi, np.vstack([oas, oas + h]))
        slope = (p[1] - p[0]) / h
        miss = p[0] - target
        if np.all(np.abs(miss) < tol * 100):
            return oas
        oas = oas - miss / np.where(slope < -1e-12, slope, -1e-12)
    raise AnalyticsError("OAS did not converge for some bonds")


def callable_risk(
    sched: CashflowSchedule,
    curve: YieldCurve,
    schedules: list[ExerciseSchedule],
    model: HullWhite,
    key_tenors: FloatArray,
    *,
    oas: npt.ArrayLike | None = None,
    dirty_price: npt.ArrayLike | None = None,
    shift: float = 1e-3,
    steps_per_year: float = DEFAULT_STEPS_PER_YEAR,
    grid: FloatArray | None = None,
    day_counts: Sequence[int] | None = None,
    krd_by_bumps: bool = False,
) -> CallableRisk:
    """Price (from OAS) or OAS (from price) and OA duration, convexity and KRDs of a book.

    Exactly one of ``oas`` and ``dirty_price`` is given. Price, OA duration and convexity come
    from full revaluation (base and parallel +/- ``shift`` curves refitted on one lattice, the OAS
    held), the OAS duration from the OAS moved +/- ``shift``. Key rate durations come from the
    adjoint drift gradient of the base rollback (:mod:`models.lattice_pricing`): a key-rate
    tent moves the fitted drift by ``dphi_k`` exactly, so
    ``KRD_k = -(dV0/dphi . dphi_k / dh) / P0``, the first-order (``h -> 0``) limit of the
    central difference ``(P(-h) - P(+h)) / (2 h P0)``; the two agree to
    ``O(h^2)`` away from exercise boundaries (tests bound the gap). ``krd_by_bumps`` keeps the
    bump-and-reprice KRDs (two more rollbacks per key). KRDs are then scaled to sum to the OA
    duration (:func:`~models.short_rate.scale_krds`).
    """
    if (oas is None) == (dirty_price is None):
        raise AnalyticsError("give exactly one of oas and dirty_price")
    g = lattice_grid(sched, curve, schedules, steps_per_year) if grid is None else grid
    book = lay_out(sched, curve, schedules, g, day_counts)
    tree = TrinomialTree(model, g)
    keys = np.asarray(key_tenors, dtype=np.float64)
    n_k, n_b = len(keys), sched.n_bonds
    bumps = np.zeros((3 + 2 * n_k, n_k))
    bumps[1], bumps[2] = shift, -shift
    eye = np.eye(n_k) * shift
    bumps[3::2], bumps[4::2] = eye, -eye
    phi = _fitted(tree, curve, bumps, keys)
    if oas is None:
        spread = solve_oas(book, tree, phi[:1], np.asarray(dirty_price, dtype=np.float64))
    else:
        spread = np.broadcast_to(np.asarray(oas, dtype=np.float64), (n_b,)).copy()
    # One rollback: base, parallel +/-, OAS +/- (and every key +/- when bumping keys).
    rows = [0, 1, 2, 0, 0] + (list(range(3, len(bumps))) if krd_by_bumps else [])
    spreads = np.broadcast_to(spread, (len(rows), n_b)).copy()
    spreads[3], spreads[4] = spread + shift, spread - shift
    p, grad = block_prices(book, tree, phi[rows], spreads, gradient=not krd_by_bumps)
    p0 = p[0]
    dur = (p[2] - p[1]) / (2 * shift * p0)
    cvx = (p[1] + p[2] - 2 * p0) / (shift**2 * p0)
    sdur = (p[4] - p[3]) / (2 * shift * p0)
    if grad is None:
        krd_raw = ((p[6::2] - p[5::2]) / (2 * shift * p0)).T
    else:
        dphi = (phi[3::2] - phi[4::2]) / (2 * shift)  # (K, N): drift per unit of key shift
        krd_raw = -(grad @ dphi.T) / p0[:, None]
    krd = scale_krds(krd_raw, dur)
    bullet_book = dataclasses.replace(book, strike=np.full_like(book.strike, np.nan))
    bullet = lattice_prices(bullet_book, tree, phi[:1], spread[None, :])[0]
    return CallableRisk(p0, spread, dur, cvx, sdur, krd, bullet, shift, (tree.n_steps, tree.width))


# ------------------------------------------------------------------------------------------------
# Yield view: yield-to-worst and duration-to-worst
# ------------------------------------------------------------------------------------------------


def yield_of_flows(
    periods: FloatArray, amounts: FloatArray, m: float, price: float
) -> tuple[float, float, float]:
    """Yield (compounded ``m`` a year), modified duration (years) and convexity (years^2) of
    fixed flows at ``periods`` (compounding periods from settlement) worth ``price``."""
    y = 0.05
    for _ in range(100):
        d = (1 + y / m) ** -periods
        pv = float(amounts @ d)
        dp = float(-(amounts * periods / m) @ (d / (1 + y / m)))
        step = (pv - price) / dp
        y -= step
        if abs(step) < 1e-13:
            break
    v = amounts * (1 + y / m) ** -periods
    pv = float(v.sum())
    mod = float((v * periods / m).sum()) / (pv * (1 + y / m))
    cvx = float((v * periods * (periods + 1) / m**2).sum()) / (pv * (1 + y / m) ** 2)
    return y, mod, cvx


def yield_to_worst(
    sched: CashflowSchedule,
    curve: YieldCurve,
    schedules: list[ExerciseSchedule],
    dirty_price: npt.ArrayLike,
    day_counts: Sequence[int] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, list[int]]:
    """Yield-to-worst, duration- and convexity-to-worst (modified, years and years^2) and the
    worst redemption date (day serial).

    Candidates: maturity and, for calls, each exercise date (American: the first date and every
    coupon date after it), the bond redeemed there at its clean price plus accrued; the worst is
    the lowest yield (the same rule for puts: yield to maturity or to a put, whichever is lower).
    """
    price = np.asarray(dirty_price, dtype=np.float64)
    dcs = [int(DayCount.THIRTY_360)] * sched.n_bonds if day_counts is None else list(day_counts)
    ytw, dtw, ctw = np.empty(sched.n_bonds), np.empty(sched.n_bonds), np.empty(sched.n_bonds)
    when: list[int] = []
    for b, s in enumerate(schedules):
        lo, hi = sched.offsets[b], sched.offsets[b + 1]
        per, amt, days = sched.periods[lo:hi], sched.amounts[lo:hi], sched.pay_dates[lo:hi]
        m = float(sched.compounding[b])
        cands: list[tuple[int, FloatArray, FloatArray]] = [(int(days[-1]), per, amt)]
        ex_days = np.array(s.days)
        px = np.array(s.prices)
        if s.style == "american":
            extra = days[(days > ex_days[0]) & (days < days[-1])]
            ex_days = np.concatenate([ex_days[:1], extra])
            px = px[np.maximum(np.searchsorted(np.array(s.days), ex_days, side="right") - 1, 0)]
        elif s.style == "european":
            ex_days, px = ex_days[:1], px[:1]
        live = (ex_days > sched.settle) & (ex_days < days[-1])
        ex_days, px = ex_days[live], px[live]
        # per bond, not per candidate: the flow times, and each date's time and accrued
        # interest (elementwise, the figures of one date at a time)
        t_ex = np.asarray(curve.time(ex_days), dtype=np.float64)
        ai_ex = accrued_at(sched, curve, b, t_ex, dcs[b]) if ex_days.size else t_ex
        ft0 = np.concatenate([[0.0], np.asarray(curve.time(days))])
        per0 = np.concatenate([[0.0], per])
        for j, (d, k) in enumerate(zip(ex_days.tolist(), px.tolist(), strict=True)):
            keep = days <= d
            t_d = float(t_ex[j])
            ai = float(ai_ex[j])
            p_d = float(np.interp(t_d, ft0, per0))
            cp, ca = per[keep], amt[keep].copy()
            if keep.any() and days[keep][-1] == d:
                ca[-1] += k
            else:
                cp, ca = np.append(cp, p_d), np.append(ca, k + ai)
            cands.append((int(d), cp, ca))
        res = [(*yield_of_flows(cp, ca, m, float(price[b])), d) for d, cp, ca in cands]
        worst = min(res, key=lambda r: r[0])
        ytw[b], dtw[b], ctw[b] = worst[0], worst[1], worst[2]
        when.append(int(worst[3]))
    return ytw, dtw, ctw, when

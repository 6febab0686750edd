"""Horizon (carry, roll-down and scenario) analysis of a bond book and its hedges.

Conventions
-----------
* **Valuation** at settlement ``T0`` (the curve's anchor) and at the horizon date ``H``; the
  horizon length is ``h = (H - T0) / 365`` years (ACT/365F, the curve axis).
* **Income** of a bond over the horizon is its coupon income received and accrued:
  ``coupons paid in (T0, H] + accrued(H) - accrued(T0)`` (per the bond's own day count).
  Cash received is held to the horizon without reinvestment (over a few months the omitted
  interest-on-coupons is second order; state it when comparing with index returns).
* **Roll-down** (unchanged curve shape, a.k.a. "rolling down a static curve"): at the horizon a
  flow with remaining time ``tau = (date - H) / 365`` is discounted with today's curve at
  ``tau``: ``DF_H(tau) = DF_0(tau)``, and the bond keeps its z-spread. Roll-down is the change in
  clean price on that curve, including pull-to-par and principal repaid within the horizon, so
  ``income + rolldown = value at H (cash received + dirty price) - dirty value at T0`` exactly.
* **Scenarios** are applied *instantaneously at the horizon*: the scenario's key-rate tents and
  spread shifts are added to the rolled curve at remaining times ``tau`` (so a 10y key-rate
  shift hits flows 10y after the horizon). Price return = roll-down + scenario price change
  (+ hedge scenario P&L); total return adds income and hedge carry. Both are decimals of the
  book's dirty market value at ``T0``.
* **Hedges**: a hedge's scenario P&L is its instantaneous full revaluation
  (:class:`scenarios.revaluation.ScenarioPricer`; instruments are not aged), and its ageing over
  the horizon is the per-unit **carry** the caller supplies (e.g. futures: 0 or the implied
  repo carry; a receiver swap: fixed minus floating accrual).
* **Breakeven parallel rise**: the parallel zero-rate shift (bp, applied at the horizon) at
  which the horizon total P&L is zero, found by a bracketed root search on the *full*
  revaluation; beside it the first-order estimate ``carry / DV01_H`` (horizon carry =
  income + roll-down + hedge carry, ``DV01_H`` the hedged DV01 at the horizon on the rolled
  curve) and the classic ``income / DV01_H`` (income + hedge carry only).

Units: currency for P&L and values, bp for shifts, decimals for returns and rates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_days, to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.risk import DEFAULT_KEY_TENORS
from hedge_planner.models.roots import brent_root
from hedge_planner.models.units import DAYS_PER_YEAR
from hedge_planner.scenarios.approximation import hedge_scenario_pnl
from hedge_planner.scenarios.definitions import Scenario, ScenarioMatrices
from hedge_planner.scenarios.pricer import ScenarioPricer
from hedge_planner.scenarios.revaluation import (
    BP,
    DEFAULT_CHUNK,
    ScenarioBook,
    ScenarioResult,
    as_matrices,
    key_years_of,
)

#: Largest |shift| (bp) the breakeven search tries before giving up (returns NaN).
MAX_BREAKEVEN_BP = 25_600.0


@dataclass(frozen=True)
class HorizonResult:
    """Horizon carry, roll-down and scenario returns.

    Attributes
    ----------
    settle, horizon_date
        Valuation and horizon dates, day serials.
    horizon_years
        ``(horizon_date - settle) / 365``.
    ids
        Holding identifiers.
    market_value
        Dirty market value at settlement per holding (curve + z-spread), currency, ``(n,)``.
    coupon_received, principal_received
        Cash paid to the holder in ``(settle, horizon]``, currency, ``(n,)``.
    accrued_start, accrued_end
        Accrued interest held at settlement / at the horizon, currency, ``(n,)``.
    income
        ``coupon_received + accrued_end - accrued_start``, currency, ``(n,)``.
    rolldown
        Clean-price change on the unchanged curve (incl. principal repaid), currency, ``(n,)``.
    dv01_horizon
        DV01 at the horizon on the rolled curve, currency per bp, ``(n,)``.
    hedge_carry
        Total hedge carry over the horizon, currency.
    hedge_dv01
        Total hedge DV01, currency per bp (from the instruments' ``dv01``).
    names
        Scenario names, ``(S,)`` (empty without scenarios).
    scenario_book_pnl
        Book price P&L at the horizon per scenario (roll-down + shift), currency, ``(S,)``.
    scenario_hedge_pnl
        Hedge scenario P&L per scenario, currency, ``(S,)``.
    price_return, total_return
        Per scenario, decimal of the total settlement market value, ``(S,)``.
    breakeven_bp, breakeven_unhedged_bp
        Parallel rise (bp) that zeroes the horizon total P&L, with / without hedges, by full
        revaluation (NaN if no root within +/- ``MAX_BREAKEVEN_BP``).
    breakeven_first_order_bp
        ``(income + rolldown + hedge carry) / (DV01_H + hedge DV01)``, bp.
    breakeven_income_only_bp
        ``(income + hedge carry) / (DV01_H + hedge DV01)``, bp (the classic income / DV01).
    """

    settle: int
    horizon_date: int
    horizon_years: float
    ids: tuple[str, ...]
    market_value: FloatArray
    coupon_received: FloatArray
    principal_received: FloatArray
    accrued_start: FloatArray
    accrued_end: FloatArray
    income: FloatArray
    rolldown: FloatArray
    dv01_horizon: FloatArray
    hedge_carry: float
    hedge_dv01: float
    names: tuple[str, ...]
    scenario_book_pnl: FloatArray
    scenario_hedge_pnl: FloatArray
    price_return: FloatArray
    total_return: FloatArray
    breakeven_bp: float
    breakeven_unhedged_bp: float
    breakeven_first_order_bp: float
    breakeven_income_only_bp: float

    @property
    def total_market_value(self) -> float:
        """Book dirty market value at settlement, currency."""
        return float(self.market_value.sum())

    @property
    def carry(self) -> float:
        """Horizon P&L with no shift: income + roll-down + hedge carry, currency."""
        return float(self.income.sum() + self.rolldown.sum()) + self.hedge_carry

    @property
    def carry_return(self) -> float:
        """:attr:`carry` as a decimal of the settlement market value."""
        return self.carry / self.total_market_value

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (totals in currency, returns decimal, breakevens in bp)."""
        return {
            "horizon_date": to_iso([self.horizon_date])[0],
            "horizon_years": self.horizon_years,
            "market_value": self.total_market_value,
            "income": float(self.income.sum()),
            "rolldown": float(self.rolldown.sum()),
            "hedge_carry": self.hedge_carry,
            "carry_return": self.carry_return,
            "breakeven_bp": self.breakeven_bp,
            "breakeven_unhedged_bp": self.breakeven_unhedged_bp,
            "breakeven_first_order_bp": self.breakeven_first_order_bp,
            "breakeven_income_only_bp": self.breakeven_income_only_bp,
            "scenarios": [
                {"name": n, "price_return": float(p), "total_return": float(t)}
                for n, p, t in zip(self.names, self.price_return, self.total_return, strict=True)
            ],
        }


def _as_day(value: Any) -> int:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return int(to_days(value))


def _find_root(func: Callable[[float], float], value_at_zero: float) -> float:
    """Root (bp) of a function of the parallel shift, bracketed outward from 0; NaN if none."""
    if value_at_zero == 0.0:
        return 0.0
    width = 25.0
    while width <= MAX_BREAKEVEN_BP:
        for side in (width, -width):
            if np.sign(func(side)) != np.sign(value_at_zero):
                lo, hi = sorted((0.0, side))
                return brent_root(func, lo, hi, xtol=1e-10, rtol=1e-14, maxiter=200)
        width *= 2.0
    return float("nan")


def _horizon_flows(
    book: BondBook,
    curve: YieldCurve,
    z: FloatArray,
    horizon: int,
    sectors: Sequence[str | None] | None,
) -> tuple[
    IntArray, FloatArray, FloatArray, FloatArray, ScenarioBook | None, FloatArray, FloatArray
]:
    """Bonds alive at the horizon and their flows there, discounted on the rolled curve.

    Returns the alive positions, accrued interest, dirty value and DV01 per holding at the
    horizon (currency), the horizon scenario book, and per-flow PVs and times for the
    breakevens.
    """
    n = len(book)
    face = book.face
    scale = face / 100.0
    alive = np.flatnonzero(book.maturity > horizon)
    sub = book.subset(alive)
    accrued_end = np.zeros(n)
    dirty_h = np.zeros(n)
    dv01_h = np.zeros(n)
    hbook: ScenarioBook | None = None
    flow_w = np.zeros(0)
    flow_tau = np.zeros(0)
    if alive.size:
        sh = build_schedule(sub, horizon)
        tau = (sh.pay_dates - horizon) / DAYS_PER_YEAR
        # DF_H(tau) = DF_0(tau): the rolled curve is today's curve read at remaining time.
        pv_h = sh.amounts * curve.discount(tau) * np.exp(-z[alive][sh.bond] * tau)
        sub_ids = tuple(book.ids[i] for i in alive.tolist())
        sub_sectors = None if sectors is None else [sectors[i] for i in alive.tolist()]
        hbook = ScenarioBook.from_flows(
            sh.bond, tau, pv_h, face[alive], z[alive], ids=sub_ids, sectors=sub_sectors
        )
        accrued_end[alive] = sh.accrued * scale[alive]
        dirty_h[alive] = hbook.base_price
        dv01_h[alive] = sh.per_bond(pv_h * tau) * scale[alive] * BP
        flow_w = pv_h * scale[alive][sh.bond]
        flow_tau = tau
    return alive, accrued_end, dirty_h, dv01_h, hbook, flow_w, flow_tau


def _horizon_scenarios(
    scenarios: ScenarioMatrices | Sequence[Scenario] | None,
    key_tenors: Sequence[str],
    hbook: ScenarioBook | None,
    alive_face: FloatArray,
    hedges: Sequence[ScenarioPricer],
    q: FloatArray,
    chunk_size: int,
) -> tuple[FloatArray, tuple[str, ...], FloatArray, FloatArray]:
    """Key years, scenario names, and book and hedge P&L (currency) of the scenarios at the
    horizon (instantaneous shifts applied to the rolled curve)."""
    if scenarios is not None:
        mats = as_matrices(scenarios)
        keys = key_years_of(mats.key_tenors)
        names = tuple(mats.names)
        shifts = np.asarray(mats.rate_shifts, dtype=np.float64)
        if hbook is not None:
            prices = hbook.prices(
                keys, shifts, mats.spread_shifts, mats.sectors, chunk_size=chunk_size
            )
            shift_pnl = (prices - hbook.base_price) @ (alive_face / 100.0)
        else:
            shift_pnl = np.zeros(len(names))
        hedge_full, _ = hedge_scenario_pnl(hedges, q, keys, shifts)
        hedge_pnl = hedge_full.sum(axis=1)
    else:
        keys = key_years_of(key_tenors)
        names = ()
        shift_pnl = np.zeros(0)
        hedge_pnl = np.zeros(0)
    return keys, names, shift_pnl, hedge_pnl


def _settlement_flows(
    book: BondBook, curve: YieldCurve, z: FloatArray, settle: int, horizon: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """At settlement: accrued and dirty price per 100, and the coupons and principal (currency)
    paid on or before the horizon."""
    scale = book.face / 100.0
    s0 = build_schedule(book, settle)
    t0 = np.asarray(curve.time(s0.pay_dates), dtype=np.float64)
    dirty0 = s0.per_bond(s0.amounts * curve.discount(t0) * np.exp(-z[s0.bond] * t0))
    is_last = np.zeros(s0.amounts.size, dtype=bool)
    is_last[s0.offsets[1:] - 1] = True
    principal = np.where(is_last, 100.0, 0.0)
    paid = s0.pay_dates <= horizon
    coupon_received = s0.per_bond(np.where(paid, s0.amounts - principal, 0.0)) * scale
    principal_received = s0.per_bond(np.where(paid, principal, 0.0)) * scale
    return s0.accrued, dirty0, coupon_received, principal_received


def _hedge_vectors(
    n_hedges: int, quantities: npt.ArrayLike | None, hedge_carry: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray]:
    """Hedge quantities (units) and carry per unit (currency), zeros when not given."""
    quantities = np.zeros(n_hedges) if quantities is None else quantities
    q = np.asarray(quantities, dtype=np.float64).reshape(-1)
    if q.size != n_hedges:
        raise AnalyticsError(f"{n_hedges} hedge instruments but {q.size} quantities")
    carry_unit = np.zeros(n_hedges) if hedge_carry is None else hedge_carry
    carry_unit = np.asarray(carry_unit, dtype=np.float64).reshape(-1)
    if carry_unit.size != n_hedges:
        raise AnalyticsError(f"{n_hedges} hedge instruments but {carry_unit.size} carries")
    return q, carry_unit


def _horizon_breakevens(
    flow_w: FloatArray,
    flow_tau: FloatArray,
    hedges: Sequence[ScenarioPricer],
    q: FloatArray,
    keys: FloatArray,
    carry: float,
    unhedged_carry: float,
) -> tuple[float, float]:
    """Parallel rises (bp) the horizon carry offsets, hedged and unhedged (full revaluation)."""

    def book_shift(bp: float) -> float:
        return float(flow_w @ np.expm1(-bp * BP * flow_tau))

    def hedge_shift(bp: float) -> float:
        if not hedges:
            return 0.0
        parallel = np.full((1, keys.size), bp * BP)
        full, _ = hedge_scenario_pnl(hedges, q, keys, parallel)
        return float(full.sum())

    breakeven = _find_root(lambda b: carry + book_shift(b) + hedge_shift(b), carry)
    breakeven_unhedged = _find_root(lambda b: unhedged_carry + book_shift(b), unhedged_carry)
    return breakeven, breakeven_unhedged


def horizon_analysis(
    book: BondBook,
    curve: YieldCurve,
    z_spread: npt.ArrayLike,
    horizon_date: Any,
    scenarios: ScenarioMatrices | Sequence[Scenario] | None = None,
    hedges: Sequence[ScenarioPricer] = (),
    quantities: npt.ArrayLike | None = None,
    hedge_carry: npt.ArrayLike | None = None,
    *,
    sectors: Sequence[str | None] | None = None,
    key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    chunk_size: int = DEFAULT_CHUNK,
) -> HorizonResult:
    """Income, roll-down, scenario returns and breakeven of a book over a horizon.

    Parameters
    ----------
    book
        Holdings.
    curve
        Discount curve anchored on the settlement date (``T0 = curve.anchor``).
    z_spread
        Z-spread per bond, decimal (e.g. ``CurveRisk.z_spread``), held to the horizon.
    horizon_date
        Horizon date (day serial, ``datetime.date`` or ISO string), after settlement; e.g.
        ``models.dates.add_months(settle, 3)`` for three months.
    scenarios
        Scenarios applied instantaneously at the horizon (see the module notes).
    hedges, quantities
        Hedge instruments and units held.
    hedge_carry
        Carry per unit of each hedge over the horizon, currency, ``(H,)`` (default 0).
    sectors
        Sector per bond, for the scenarios' spread shifts.
    key_tenors
        Key tenors for the breakeven's hedge revaluation when no scenarios are given.
    chunk_size
        Scenarios revalued together.

    Returns
    -------
    HorizonResult
        Per-holding income/roll-down, per-scenario returns and the breakevens.
    """
    settle = int(curve.anchor)
    horizon = _as_day(horizon_date)
    if horizon <= settle:
        raise AnalyticsError("the horizon date must be after the settlement (curve) date")
    n = len(book)
    z = np.broadcast_to(np.asarray(z_spread, dtype=np.float64), (n,)).copy()
    face = book.face
    scale = face / 100.0
    q, carry_unit = _hedge_vectors(len(hedges), quantities, hedge_carry)

    # ---- settlement: value and the flows paid within the horizon
    accrued0, dirty0, coupon_received, principal_received = _settlement_flows(
        book, curve, z, settle, horizon
    )

    # ---- horizon: the same bonds' remaining flows, discounted on the rolled curve
    alive, accrued_end, dirty_h, dv01_h, hbook, flow_w, flow_tau = _horizon_flows(
        book, curve, z, horizon, sectors
    )
    accrued_start = accrued0 * scale
    income = coupon_received + accrued_end - accrued_start
    rolldown = (dirty_h * scale - accrued_end) - (dirty0 * scale - accrued_start)
    rolldown = rolldown + principal_received
    mv0 = dirty0 * scale
    total_mv = float(mv0.sum())
    if total_mv == 0.0:
        raise AnalyticsError("book market value is zero: returns are undefined")

    # ---- scenarios at the horizon
    keys, names, shift_pnl, hedge_pnl = _horizon_scenarios(
        scenarios, key_tenors, hbook, face[alive], hedges, q, chunk_size
    )
    total_income = float(income.sum())
    total_roll = float(rolldown.sum())
    total_hedge_carry = float(q @ carry_unit)
    book_pnl = total_roll + shift_pnl
    price_return = (book_pnl + hedge_pnl) / total_mv
    total_return = (total_income + book_pnl + hedge_pnl + total_hedge_carry) / total_mv

    # ---- breakeven parallel rise, by full revaluation of book and hedges
    carry = total_income + total_roll + total_hedge_carry
    unhedged_carry = total_income + total_roll
    breakeven, breakeven_unhedged = _horizon_breakevens(
        flow_w, flow_tau, hedges, q, keys, carry, unhedged_carry
    )
    hedge_dv01 = float(sum(q[i] * float(h.dv01) for i, h in enumerate(hedges)))
    dv01_total = float(dv01_h.sum()) + hedge_dv01
    with np.errstate(divide="ignore", invalid="ignore"):
        first_order = carry / dv01_total if dv01_total != 0 else float("nan")
        income_only = (
            (total_income + total_hedge_carry) / dv01_total if dv01_total != 0 else float("nan")
        )

    return HorizonResult(
        settle=settle,
        horizon_date=horizon,
        horizon_years=(horizon - settle) / DAYS_PER_YEAR,
        ids=tuple(book.ids),
        market_value=mv0,
        coupon_received=coupon_received,
        principal_received=principal_received,
        accrued_start=accrued_start,
        accrued_end=accrued_end,
        income=income,
        rolldown=rolldown,
        dv01_horizon=dv01_h,
        hedge_carry=total_hedge_carry,
        hedge_dv01=hedge_dv01,
        names=names,
        scenario_book_pnl=np.asarray(book_pnl, dtype=np.float64).reshape(-1),
        scenario_hedge_pnl=hedge_pnl,
        price_return=np.asarray(price_return, dtype=np.float64).reshape(-1),
        total_return=np.asarray(total_return, dtype=np.float64).reshape(-1),
        breakeven_bp=breakeven,
        breakeven_unhedged_bp=breakeven_unhedged,
        breakeven_first_order_bp=float(first_order),
        breakeven_income_only_bp=float(income_only),
    )


def apply_horizon(result: ScenarioResult, horizon: HorizonResult) -> ScenarioResult:
    """Fill a scenario result's ``price_return`` / ``total_return`` from a horizon analysis.

    The two must cover the same scenarios (names, in order) and the same book (market value).
    """
    if tuple(result.names) != tuple(horizon.names):
        raise AnalyticsError("horizon analysis and scenario result cover different scenarios")
    if not np.isclose(result.market_value, horizon.total_market_value, rtol=1e-9):
        raise AnalyticsError("horizon analysis and scenario result value different books")
    return result.with_returns(horizon.price_return, horizon.total_return)

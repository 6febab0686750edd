"""Scenario P&L, horizon returns and breakevens of a mixed book: modelled bullets and holdings
with supplied (OAS-model) analytics, with or without hedges.

Why two methods
---------------
The engine can fully revalue a fixed-coupon bullet off the Treasury curve plus its z-spread
(:mod:`scenarios.revaluation`). Holdings whose analytics are *supplied* from an OAS model (MBS
pools, callables: ``HoldingRisk.source`` ``"supplied"`` or ``"mixed"``) must not be revalued as
bullets: a 30y pool with a 5y option-adjusted duration would move like a 30y bond. Each holding is
therefore revalued by one method:

* ``source == "computed"`` -- **full revaluation** (:func:`scenarios.revaluation.revalue_scenarios`)
  off the curve plus the holding's computed z-spread (``holding_risk.computed.z_spread``), with
  the scenario's key-rate tents and its sector spread shift.
* modelled holdings (callables, putables, pools priced by the OAS model; ``source ==
  "modelled"``) when the caller passes their model (``modelled``) -- **full revaluation by the
  model**: the lattice refitted / the Monte Carlo paths re-run on each scenario curve (common
  random numbers), the OAS moved by the sector spread shift (:mod:`models.oas_scenarios`);
* ``source in ("supplied", "mixed")`` -- **supplied sensitivities (OAS-based), second-order**:
  the used figures of :class:`models.portfolio.HoldingRisk` (``krd``, ``spread_duration``,
  ``effective_convexity``, ``market_value``) in the second-order form of
  :func:`scenarios.revaluation.book_approximation`::

      P&L = MV (-sum_k KRD_k dr_k - SD ds + 1/2 C dy_eff^2)
      dy_eff = (sum_k KRD_k dr_k) / (sum_k KRD_k) + ds

  (``dr_k`` key-rate shifts and ``ds`` the holding's sector spread shift, decimal; ``KRD``/``SD``
  in years, ``C`` in years^2; ``dy_eff`` falls back to the plain average of ``dr_k`` when the KRDs
  sum to zero).

Columns (currency, per scenario)
--------------------------------
* ``unhedged = full-revaluation part + sensitivity part``; ``hedge`` = full revaluation of the
  hedges (``q_i (scenario_values_i - base_value_i)``); ``hedged = unhedged + hedge`` exactly.
* ``approx`` = the second-order approximation of the whole hedged book: computed holdings from
  their *computed* KRDs/convexity, supplied holdings from their supplied figures (so for them it
  equals their sensitivity P&L), hedges from ``krd_dv01``/``dollar_convexity``.
  ``approx_error = approx - hedged`` therefore measures the Taylor error of the bullets and the
  hedges only.

Horizon (when a horizon date ``H`` is given; ``h = (H - T0) / 365`` years, ``T0`` = analysis date)
-----------------------------------------------------------------------------------------------
* Computed holdings: income (coupons received + accrued change) and roll-down on an unchanged
  curve from :func:`scenarios.horizon.horizon_analysis` on that sub-book.
* Supplied/mixed holdings: ``income = coupon * face * h`` (simple coupon accrual on ACT/365F,
  no paydown, prepayment or reinvestment) and ``rolldown = 0``: the engine has no model of their
  cash flows, so it claims no roll-down for them. Both are stated in the methodology.
* Hedge carry = ``sum_i quantities_i * hedge_carry_i`` (currency per unit over the horizon,
  supplied by the caller, e.g. ``SwapHedge.risk(horizon_date=H).carry``).
* Scenario P&L is the *instantaneous* P&L above (shock at ``T0``; unlike
  :func:`scenarios.horizon.horizon_analysis`, which shocks the rolled curve at ``H``; the two
  differ by the shift's effect on one horizon of ageing, a second-order amount)::

      price_return = P&L / MV
      total_return = (P&L + income + rolldown [+ hedge carry]) / MV

  for the hedged book (with hedge carry) and the unhedged book (without). ``MV`` is the book's
  dirty market value at ``T0`` (hedges excluded: a swap or future may be worth ~0).

Breakeven
---------
The parallel zero-rate shift ``b`` (bp, instantaneous, no spread move) at which the horizon total
return is zero: ``carry + P&L(b) = 0`` with ``P&L(b)`` the same mixed evaluation as the scenarios
(full revaluation of the bullets + sensitivity part + full revaluation of the hedges). ``f`` is
evaluated on a 5 bp grid over [-2000, +2000] bp; the sign change closest to 0 (the positive side on
a tie) is refined with Brent's method. The result is NaN when ``f`` does not change sign on that
range (e.g. a book whose carry can't be wiped out, such as a DV01-neutral book with positive
convexity) and when no horizon is given. Two roots closer together than the 5 bp step can be
missed (only possible with strong negative convexity).

Units: currency for P&L, values, income and carry; bp for shifts and breakevens (``*_bp``);
decimals for returns and inside the shift matrices; "bp of MV" = P&L / MV * 1e4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import BondBook, CashflowSchedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_days, to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.oas_scenarios import METHOD_MODEL, ModelledRevaluer
from hedge_planner.models.portfolio import HoldingRisk
from hedge_planner.models.risk import CurveRisk, KeyRateSensitivity
from hedge_planner.models.units import DAYS_PER_YEAR
from hedge_planner.models.vol_shift import VolShift
from hedge_planner.scenarios.approximation import book_approximation, hedge_scenario_pnl
from hedge_planner.scenarios.breakeven_search import root_nearest_zero_lazy
from hedge_planner.scenarios.definitions import Scenario, ScenarioMatrices
from hedge_planner.scenarios.horizon import horizon_analysis
from hedge_planner.scenarios.portfolio_result import (  # noqa: F401 (re-exported)
    METHOD_FULL,
    METHOD_SENSITIVITY,
    PortfolioScenarioResult,
    add_linear_pnl,
    with_benchmark,
)
from hedge_planner.scenarios.pricer import ScenarioPricer
from hedge_planner.scenarios.revaluation import (
    BP,
    DEFAULT_CHUNK,
    ScenarioBook,
    as_matrices,
    key_years_of,
    revalue_scenarios,
)

#: Breakeven search range, bp either side of 0.
BREAKEVEN_LIMIT_BP = 2000.0
#: Grid step of the breakeven sign scan, bp.
BREAKEVEN_STEP_BP = 5.0


# --------------------------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------------------------


def _as_day(value: Any) -> int:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return int(to_days(value))


def _subset_curve_risk(risk: CurveRisk, idx: IntArray) -> CurveRisk:
    """The curve risk of the holdings at ``idx``."""
    krd = risk.krd
    mv = risk.market_value[idx]
    return CurveRisk(
        dirty_price=risk.dirty_price[idx],
        market_value=mv,
        z_spread=risk.z_spread[idx],
        effective_duration=risk.effective_duration[idx],
        effective_convexity=risk.effective_convexity[idx],
        spread_duration=risk.spread_duration[idx],
        dv01=risk.dv01[idx],
        krd=KeyRateSensitivity(krd.tenors, krd.tenor_years, krd.krd[idx], mv),
        shift=risk.shift,
    )


def supplied_risk_view(holding_risk: HoldingRisk, idx: npt.ArrayLike) -> CurveRisk:
    """A :class:`~models.risk.CurveRisk` carrying the *used* figures of the holdings at ``idx``.

    It lets :func:`scenarios.revaluation.book_approximation` evaluate the supplied (OAS-based)
    sensitivities: KRDs (years), spread duration (years), effective convexity (years^2) and
    market value (currency) as used by :class:`~models.portfolio.HoldingRisk`. Price and z-spread
    are the engine's (informational only; the approximation does not read them).
    """
    i = np.arange(len(holding_risk.ids))[np.asarray(idx)]
    mv = holding_risk.market_value[i]
    krd = holding_risk.krd
    return CurveRisk(
        dirty_price=holding_risk.computed.dirty_price[i],
        market_value=mv,
        z_spread=holding_risk.computed.z_spread[i],
        effective_duration=holding_risk.effective_duration[i],
        effective_convexity=holding_risk.effective_convexity[i],
        spread_duration=holding_risk.spread_duration[i],
        dv01=holding_risk.dv01[i],
        krd=KeyRateSensitivity(krd.tenors, krd.tenor_years, krd.krd[i], mv),
        shift=holding_risk.computed.shift,
    )


def _spread_by_holding(sectors: Sequence[str], mats: ScenarioMatrices) -> FloatArray:
    """Spread shift (decimal) applying to each holding under each scenario, ``(S, n)``.

    A holding whose (lower-cased) sector is not a scenario spread column is not spread-shifted,
    the same rule as :meth:`scenarios.revaluation.ScenarioBook.prices`.
    """
    cols = {str(c).strip().lower(): j for j, c in enumerate(mats.sectors)}
    col = np.array([cols.get(str(s).strip().lower(), -1) for s in sectors], dtype=np.int64)
    n_s = mats.rate_shifts.shape[0]
    padded = np.hstack([np.zeros((n_s, 1)), np.asarray(mats.spread_shifts, dtype=np.float64)])
    return padded[:, col + 1]


def _checked_book(
    schedule: CashflowSchedule,
    face: npt.ArrayLike,
    curve: YieldCurve,
    holding_risk: HoldingRisk,
    analysis_date: Any,
) -> tuple[int, FloatArray]:
    """Analysis day and face per holding, after checking the book's pieces agree."""
    settle = _as_day(analysis_date)
    if int(curve.anchor) != settle or int(schedule.settle) != settle:
        raise AnalyticsError(
            f"analysis date {to_iso([settle])[0]} must equal the curve anchor "
            f"({to_iso([int(curve.anchor)])[0]}) and the schedule settlement "
            f"({to_iso([int(schedule.settle)])[0]})"
        )
    n = len(holding_risk.ids)
    if schedule.n_bonds != n:
        raise AnalyticsError(f"schedule has {schedule.n_bonds} bonds, holding_risk {n} holdings")
    face_arr = np.broadcast_to(np.asarray(face, dtype=np.float64), (n,)).copy()
    computed = holding_risk.computed
    if not np.allclose(
        computed.dirty_price / 100.0 * face_arr, holding_risk.market_value, rtol=1e-9, atol=1e-6
    ):
        raise AnalyticsError("face x computed dirty price != holding market value: other holdings")
    return settle, face_arr


def _checked_scenarios(
    scenarios: ScenarioMatrices | Sequence[Scenario], holding_risk: HoldingRisk
) -> tuple[ScenarioMatrices, tuple[str | None, ...], FloatArray]:
    """Scenario matrices, their kinds and key years, checked against the holdings' key tenors."""
    if isinstance(scenarios, ScenarioMatrices):
        mats = scenarios
        kinds: tuple[str | None, ...] = (None,) * len(mats.names)
    else:
        scenario_list = list(scenarios)
        mats = as_matrices(scenario_list)
        kinds = tuple(s.kind for s in scenario_list)
    keys = key_years_of(mats.key_tenors)
    risk_keys = holding_risk.krd.tenor_years
    if keys.shape != risk_keys.shape or not np.allclose(keys, risk_keys):
        raise AnalyticsError(
            f"scenarios are on key tenors {list(mats.key_tenors)}, holding risk on "
            f"{list(holding_risk.krd.tenors)}"
        )
    return mats, kinds, keys


def _methods(is_full: npt.NDArray[np.bool_], modelled: ModelledRevaluer | None) -> tuple[str, ...]:
    """Method label per holding."""
    model_pos = set() if modelled is None else set(modelled.positions.tolist())
    return tuple(
        METHOD_MODEL if i in model_pos else (METHOD_FULL if f else METHOD_SENSITIVITY)
        for i, f in enumerate(is_full)
    )


def _book_pnl(
    schedule: CashflowSchedule,
    face_arr: FloatArray,
    curve: YieldCurve,
    holding_risk: HoldingRisk,
    mats: ScenarioMatrices,
    idx_full: IntArray,
    idx_sens: IntArray,
    chunk_size: int,
    modelled: ModelledRevaluer | None = None,
) -> tuple[FloatArray, FloatArray, ScenarioBook | None, CurveRisk | None]:
    """Scenario P&L per holding (currency, ``(S, n)``): full revaluation of computed holdings,
    sensitivities of supplied ones, the model's revaluation of modelled ones; also the
    closed-form approximation, the revalued book and the supplied holdings' risk view (both
    reused by the breakevens)."""
    shifts = np.asarray(mats.rate_shifts, dtype=np.float64)
    n_s, n = shifts.shape[0], len(holding_risk.ids)
    computed = holding_risk.computed
    sectors = holding_risk.sectors
    holding_pnl = np.zeros((n_s, n))
    approx_holding = np.zeros((n_s, n))
    sbook: ScenarioBook | None = None
    if idx_full.size:
        risk_full = _subset_curve_risk(computed, idx_full)
        sbook = ScenarioBook.from_schedule(
            schedule.subset(idx_full),
            face_arr[idx_full],
            curve,
            risk_full.z_spread,
            ids=[holding_risk.ids[i] for i in idx_full],
            sectors=[sectors[i] for i in idx_full],
        )
        res = revalue_scenarios(sbook, mats, risk_full, per_holding=True, chunk_size=chunk_size)
        assert res.holding_pnl is not None
        holding_pnl[:, idx_full] = res.holding_pnl
        approx_holding[:, idx_full] = book_approximation(
            risk_full, shifts, _spread_by_holding([sectors[i] for i in idx_full], mats)
        )
    risk_sens: CurveRisk | None = None
    if idx_sens.size:
        risk_sens = supplied_risk_view(holding_risk, idx_sens)
        sens = book_approximation(
            risk_sens, shifts, _spread_by_holding([sectors[i] for i in idx_sens], mats)
        )
        holding_pnl[:, idx_sens] = sens
        approx_holding[:, idx_sens] = sens
    if modelled is not None and modelled.positions.size:
        pos = modelled.positions
        spread, vol = _modelled_shifts(holding_risk, mats, modelled)
        holding_pnl[:, pos] = modelled.pnl(shifts, spread, face_arr[pos], vol)
        if vol is not None:  # vega approximation beside the model's full revaluation
            approx_holding[:, pos] += vol * modelled.vega(face_arr[pos])[None, :]
    return holding_pnl, approx_holding, sbook, risk_sens


def _modelled_shifts(
    holding_risk: HoldingRisk, mats: ScenarioMatrices, modelled: ModelledRevaluer
) -> tuple[FloatArray, FloatArray | None]:
    """Spread shifts ``(S, n)`` and vol shifts (None without vol scenarios) of the modelled
    holdings under each scenario, decimal."""
    sectors = holding_risk.sectors
    spread = _spread_by_holding([sectors[i] for i in modelled.positions], mats)
    return spread, _modelled_vol_shifts(modelled, mats)


def price_modelled_scenarios(
    holding_risk: HoldingRisk,
    scenarios: ScenarioMatrices | Sequence[Scenario],
    modelled: ModelledRevaluer,
) -> None:
    """Price the modelled holdings under ``scenarios`` ahead of
    :func:`run_portfolio_scenarios` (same inputs, so that call finds the prices kept by
    ``modelled``), with the vega's two sigmas in the same stacked pass: a caller that needs
    the book's vega first (the hedge) and the scenarios after pays one pass, not two."""
    if not modelled.positions.size:
        return
    mats, _, _ = _checked_scenarios(scenarios, holding_risk)
    spread, vol = _modelled_shifts(holding_risk, mats, modelled)
    modelled.prices(np.asarray(mats.rate_shifts, dtype=np.float64), spread, vol, with_vega=True)


def _modelled_vol_shifts(modelled: ModelledRevaluer, mats: ScenarioMatrices) -> FloatArray | None:
    """Normal-vol shift ``(S, n)`` (decimal) of each modelled holding's model volatility in
    each scenario, read at the holding's representative expiry (None without vol scenarios)."""
    if not any(mats.vol_shifts):
        return None
    expiry = modelled.option_expiry()
    out = np.zeros((len(mats.names), expiry.size))
    for s, shifts_bp in enumerate(mats.vol_shifts):
        if shifts_bp:
            out[s] = VolShift(shifts_bp)(expiry)
    return out


def _horizon_income(
    horizon_date: Any,
    settle: int,
    book: BondBook | None,
    holding_risk: HoldingRisk,
    curve: YieldCurve,
    mats: ScenarioMatrices,
    face_arr: FloatArray,
    idx_full: IntArray,
    idx_sens: IntArray,
    hedges: Sequence[ScenarioPricer],
    hedge_carry: npt.ArrayLike | None,
    q: FloatArray,
) -> tuple[FloatArray, FloatArray, float, int | None]:
    """Coupon income and roll-down per holding, the hedges' carry, and the horizon day.

    Zeros (and no horizon) without a horizon date; currency over the horizon otherwise.
    """
    n = len(holding_risk.ids)
    computed = holding_risk.computed
    sectors = holding_risk.sectors
    income = np.zeros(n)
    rolldown = np.zeros(n)
    total_hedge_carry = 0.0
    horizon: int | None = None
    if horizon_date is not None:
        horizon = _as_day(horizon_date)
        if horizon <= settle:
            raise AnalyticsError("the horizon date must be after the analysis date")
        if book is None:
            raise AnalyticsError("a horizon analysis needs the bond book (coupons, schedules)")
        if tuple(book.ids) != tuple(holding_risk.ids):
            raise AnalyticsError("book and holding_risk list different holdings")
        if idx_full.size:
            hz = horizon_analysis(
                book.subset(idx_full),
                curve,
                computed.z_spread[idx_full],
                horizon,
                sectors=[sectors[i] for i in idx_full],
                key_tenors=mats.key_tenors,
            )
            income[idx_full] = hz.income
            rolldown[idx_full] = hz.rolldown
        years = (horizon - settle) / DAYS_PER_YEAR
        income[idx_sens] = book.coupon[idx_sens] * face_arr[idx_sens] * years
        carry_unit = (
            np.zeros(len(hedges))
            if hedge_carry is None
            else np.asarray(hedge_carry, dtype=np.float64).ravel()
        )
        if carry_unit.size != len(hedges):
            raise AnalyticsError(f"{len(hedges)} hedge instruments but {carry_unit.size} carries")
        total_hedge_carry = float(q @ carry_unit)
    return income, rolldown, total_hedge_carry, horizon


def _breakevens(
    sbook: ScenarioBook | None,
    risk_sens: CurveRisk | None,
    n_sens: int,
    hedges: Sequence[ScenarioPricer],
    q: FloatArray,
    keys: FloatArray,
    book_carry: float,
    total_hedge_carry: float,
) -> tuple[float, float]:
    """Parallel shifts (bp) at which horizon carry offsets P&L: (hedged, unhedged), nearest 0."""
    # ------------------------------------------------------------ breakeven
    # A parallel shift multiplies every flow by exp(-b t) (the tents sum to one), so the
    # bullets collapse to one base PV per flow group: the same full revaluation as
    # ScenarioBook.prices, without the per-bond split.
    if sbook is not None:
        group_pv = np.asarray(sbook.weights @ (sbook.face / 100.0), dtype=np.float64)
        group_t = sbook.group_times
    else:
        group_pv = group_t = np.zeros(0)

    def book_pnl(bps: FloatArray) -> FloatArray:
        """Unhedged P&L, currency, for parallel shifts ``bps`` (bp)."""
        b = np.asarray(bps, dtype=np.float64) * BP
        pnl = np.expm1(-b[:, None] * group_t[None, :]) @ group_pv
        if risk_sens is not None:
            par = np.repeat(b[:, None], keys.size, axis=1)
            zero = np.zeros((par.shape[0], n_sens))
            pnl += book_approximation(risk_sens, par, zero).sum(axis=1)
        return np.asarray(pnl, dtype=np.float64)

    def hedged(bps: FloatArray) -> FloatArray:
        b = np.asarray(bps, dtype=np.float64) * BP
        par = np.repeat(b[:, None], keys.size, axis=1)
        hedge = hedge_scenario_pnl(hedges, q, keys, par)[0].sum(axis=1)
        return np.asarray(hedged_carry + book_pnl(bps) + hedge, dtype=np.float64)

    def unhedged(bps: FloatArray) -> FloatArray:
        return np.asarray(book_carry + book_pnl(bps), dtype=np.float64)  # no hedge repricing

    steps = round(BREAKEVEN_LIMIT_BP / BREAKEVEN_STEP_BP)
    grid = np.arange(-steps, steps + 1, dtype=np.float64) * BREAKEVEN_STEP_BP
    hedged_carry = book_carry + total_hedge_carry
    # Evaluated outward from 0 only as far as the first sign change on each side.
    breakeven = root_nearest_zero_lazy(grid, hedged)
    breakeven_unhedged = root_nearest_zero_lazy(grid, unhedged)
    return breakeven, breakeven_unhedged


def run_portfolio_scenarios(
    *,
    schedule: CashflowSchedule,
    face: npt.ArrayLike,
    curve: YieldCurve,
    holding_risk: HoldingRisk,
    scenarios: ScenarioMatrices | Sequence[Scenario],
    hedges: Sequence[ScenarioPricer] = (),
    quantities: npt.ArrayLike | None = None,
    hedge_carry: npt.ArrayLike | None = None,
    horizon_date: Any = None,
    analysis_date: Any,
    book: BondBook | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    modelled: ModelledRevaluer | None = None,
) -> PortfolioScenarioResult:
    """Scenario P&L, horizon returns and breakevens of a book mixing modelled and supplied risk.

    See the module notes for the methods, the horizon conventions and the breakeven.

    Parameters
    ----------
    schedule
        Cash-flow schedule of every holding at the analysis date
        (:func:`models.bonds.build_schedule`), in the order of ``holding_risk``.
    face
        Face per holding, currency, ``(n,)``.
    curve
        Treasury discount curve anchored on the analysis date.
    holding_risk
        Used risk per holding (:func:`models.portfolio.combine_risk`): ``source`` picks the
        method, ``computed`` supplies the bullets' z-spreads and computed KRDs, the used KRDs /
        spread duration / convexity drive the supplied holdings.
    scenarios
        Scenario objects or matrices on the key tenors of ``holding_risk`` (shifts in decimal in
        the matrices, bp in the objects).
    hedges
        Hedge instruments (:class:`scenarios.revaluation.ScenarioPricer`), whose ``krd_dv01`` is
        on the same key tenors.
    quantities
        Units held of each hedge (negative = short), ``(H,)``; required with hedges.
    hedge_carry
        Carry per unit of each hedge over the horizon, currency, ``(H,)`` (default 0; ignored
        without a horizon).
    horizon_date
        Horizon date (day serial, ``datetime.date`` or ISO string) after the analysis date, or
        ``None`` for instantaneous P&L only (total returns and breakevens are then absent).
    analysis_date
        Valuation date; must equal the curve anchor and the schedule's settlement date.
    book
        Static bond data of the holdings (ids in the order of ``holding_risk``); required with
        a horizon (coupons for income, the computed holdings' horizon analysis).
    chunk_size
        Scenarios revalued together (memory ~ ``chunk * (flow groups + n)`` floats).
    modelled
        The book's modelled holdings (callables, putables, pools) and their model: they are
        revalued in full by it (:mod:`models.oas_scenarios`) instead of by their second-order
        figures; their breakeven contribution stays second order.

    Returns
    -------
    PortfolioScenarioResult
        P&L in currency, returns in decimals, breakevens in bp.

    Raises
    ------
    AnalyticsError
        Mismatched dates, key tenors, holdings, hedges/quantities; zero market value; a horizon
        without ``book`` or not after the analysis date.
    """
    # ---------------------------------------------------------------- inputs
    settle, face_arr = _checked_book(schedule, face, curve, holding_risk, analysis_date)
    mats, kinds, keys = _checked_scenarios(scenarios, holding_risk)
    shifts = np.asarray(mats.rate_shifts, dtype=np.float64)
    q = np.zeros(0) if quantities is None else np.asarray(quantities, dtype=np.float64).ravel()
    if q.size != len(hedges):
        raise AnalyticsError(f"{len(hedges)} hedge instruments but {q.size} quantities")
    total_mv = float(holding_risk.market_value.sum())
    if total_mv == 0.0:
        raise AnalyticsError("book market value is zero: returns and bp of MV are undefined")

    is_full = np.array([s == "computed" for s in holding_risk.source], dtype=bool)
    idx_full = np.flatnonzero(is_full)
    idx_sens = np.flatnonzero(~is_full)
    methods = _methods(is_full, modelled)

    # ---------------------------------------------------------------- scenario P&L
    holding_pnl, approx_holding, sbook, risk_sens = _book_pnl(
        schedule, face_arr, curve, holding_risk, mats, idx_full, idx_sens, chunk_size, modelled
    )
    full_part = holding_pnl[:, idx_full].sum(axis=1)
    sens_part = holding_pnl[:, idx_sens].sum(axis=1)
    unhedged = full_part + sens_part
    hedge_full, hedge_approx = hedge_scenario_pnl(hedges, q, keys, shifts, mats.vol_shifts)
    hedge_pnl = hedge_full.sum(axis=1)
    approx_unhedged = approx_holding.sum(axis=1)
    approx_hedge = hedge_approx.sum(axis=1)

    # ---------------------------------------------------------------- horizon
    income, rolldown, total_hedge_carry, horizon = _horizon_income(
        horizon_date, settle, book, holding_risk, curve, mats, face_arr, idx_full, idx_sens,
        hedges, hedge_carry, q,
    )  # fmt: skip

    book_carry = float(income.sum() + rolldown.sum())
    price_return = (unhedged + hedge_pnl) / total_mv
    unhedged_price_return = unhedged / total_mv
    total_return: FloatArray | None = None
    unhedged_total_return: FloatArray | None = None
    breakeven = breakeven_unhedged = float("nan")
    if horizon is not None:
        total_return = (unhedged + hedge_pnl + book_carry + total_hedge_carry) / total_mv
        unhedged_total_return = (unhedged + book_carry) / total_mv

        breakeven, breakeven_unhedged = _breakevens(
            sbook, risk_sens, idx_sens.size, hedges, q, keys, book_carry, total_hedge_carry
        )

    return PortfolioScenarioResult(
        names=tuple(mats.names),
        kinds=kinds,
        key_tenors=tuple(mats.key_tenors),
        sectors=tuple(mats.sectors),
        rate_shifts_bp=shifts / BP,
        spread_shifts_bp=np.asarray(mats.spread_shifts, dtype=np.float64) / BP,
        ids=tuple(holding_risk.ids),
        methods=methods,
        market_value=total_mv,
        holding_pnl=holding_pnl,
        full_revaluation_pnl=full_part,
        sensitivity_pnl=sens_part,
        unhedged_pnl=unhedged,
        hedge_pnl=hedge_pnl,
        hedged_pnl=unhedged + hedge_pnl,
        approx_unhedged_pnl=approx_unhedged,
        approx_hedge_pnl=approx_hedge,
        approx_pnl=approx_unhedged + approx_hedge,
        analysis_date=settle,
        horizon_date=horizon,
        income=income,
        rolldown=rolldown,
        hedge_carry=total_hedge_carry,
        price_return=price_return,
        unhedged_price_return=unhedged_price_return,
        total_return=total_return,
        unhedged_total_return=unhedged_total_return,
        breakeven_bp=breakeven,
        breakeven_unhedged_bp=breakeven_unhedged,
    )

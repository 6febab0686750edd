"""The result of a portfolio scenario run: P&L per scenario and holding, returns, horizon figures.

P&L in currency, *_bp in bp of book MV, returns decimal, shifts bp (see
:func:`hedge_planner.scenarios.portfolio.run_portfolio_scenarios`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.dates import to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.scenarios.revaluation import (
    BP,
)

#: Method label of holdings revalued in full off the curve.
METHOD_FULL = "full revaluation (curve + z-spread)"


#: Method label of holdings whose P&L comes from their supplied sensitivities.
METHOD_SENSITIVITY = "supplied sensitivities (OAS-based), second-order"


METHODOLOGY: dict[str, str] = {
    "computed_holdings": (
        "full revaluation off the Treasury curve plus each bond's z-spread, scenario key-rate "
        "tents and sector spread shift applied to every cash flow"
    ),
    "supplied_holdings": (
        f"{METHOD_SENSITIVITY}: MV * (-sum KRD_k dr_k - SD ds + C dy_eff^2 / 2), dy_eff = "
        "KRD-weighted average rate shift + spread shift, from the supplied (used) KRDs, spread "
        "duration and convexity; never revalued as bullets"
    ),
    "modelled_holdings": (
        "callables, putables and MBS pools priced by the OAS model are revalued in full by it: "
        "Hull-White lattice refitted to each scenario curve / Monte Carlo paths re-run on it "
        "with the same random numbers, OAS moved by the sector spread shift; their breakeven "
        "contribution stays second order"
    ),
    "hedges": "full revaluation of each instrument per unit, times quantity",
    "approximation": (
        "second-order estimate of the hedged book: computed holdings from their computed KRDs "
        "and convexity, supplied holdings from their supplied figures (equal to their P&L), "
        "hedges from KRD DV01s and dollar convexity; approx_error = approx - full"
    ),
    "horizon": (
        "income and roll-down of computed holdings on an unchanged curve (coupons received + "
        "accrued change; clean-price change incl. pull-to-par); supplied holdings: income = "
        "coupon * face * days / 365 (ACT/365F, no paydowns or prepayments), roll-down 0; hedge "
        "carry = sum quantity * carry per unit; scenario shocks are instantaneous"
    ),
    "returns": (
        "price_return = P&L / MV; total_return = (P&L + income + roll-down + hedge carry) / MV "
        "(unhedged: without hedge P&L and carry); MV = book dirty market value, hedges excluded"
    ),
    "breakeven": (
        "parallel zero-rate rise (bp) zeroing the horizon total return, same mixed evaluation "
        "as the scenarios, root nearest 0 within +/-2000 bp (null if none or without horizon)"
    ),
    "units": "P&L in currency, *_bp in bp of MV, returns decimal, shifts in bp",
}


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _opt(values: FloatArray | None, s: int) -> float | None:
    return None if values is None else float(values[s])


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PortfolioScenarioResult:
    """Scenario P&L of a mixed book (full revaluation + supplied sensitivities) and its hedges.

    Attributes
    ----------
    names, kinds
        Scenario names and kinds (kind ``None`` when scenarios came as matrices), ``(S,)``.
    key_tenors, sectors
        Column labels of ``rate_shifts_bp`` and ``spread_shifts_bp``.
    rate_shifts_bp, spread_shifts_bp
        Key-rate and sector spread shifts, bp, ``(S, K)`` and ``(S, J)``.
    ids, methods
        Holding identifiers and the method used for each (:data:`METHOD_FULL` or
        :data:`METHOD_SENSITIVITY`), ``(n,)``.
    market_value
        Book dirty market value at the analysis date, currency (hedges excluded).
    holding_pnl
        P&L per scenario and holding, currency, ``(S, n)``: full revaluation or sensitivities.
    full_revaluation_pnl, sensitivity_pnl
        The two parts of the unhedged P&L, currency, ``(S,)``.
    unhedged_pnl, hedge_pnl, hedged_pnl
        Currency, ``(S,)``; ``hedged_pnl = unhedged_pnl + hedge_pnl``.
    approx_unhedged_pnl, approx_hedge_pnl, approx_pnl
        Second-order estimates, currency, ``(S,)``; ``approx_pnl`` is the hedged total.
    analysis_date
        Valuation date, day serial.
    horizon_date
        Horizon date, day serial, or ``None``.
    income, rolldown
        Horizon income and roll-down per holding, currency, ``(n,)`` (zeros without horizon).
    hedge_carry
        Total hedge carry over the horizon, currency (0 without horizon).
    price_return, unhedged_price_return
        ``hedged_pnl / MV`` and ``unhedged_pnl / MV``, decimal, ``(S,)``.
    total_return, unhedged_total_return
        Horizon total returns, decimal, ``(S,)``; ``None`` without a horizon.
    breakeven_bp, breakeven_unhedged_bp
        Parallel rise (bp) that zeroes the horizon total return of the hedged / unhedged book;
        NaN without horizon or without a root within +/- :data:`BREAKEVEN_LIMIT_BP`.
    """

    names: tuple[str, ...]
    kinds: tuple[str | None, ...]
    key_tenors: tuple[str, ...]
    sectors: tuple[str, ...]
    rate_shifts_bp: FloatArray
    spread_shifts_bp: FloatArray
    ids: tuple[str, ...]
    methods: tuple[str, ...]
    market_value: float
    holding_pnl: FloatArray
    full_revaluation_pnl: FloatArray
    sensitivity_pnl: FloatArray
    unhedged_pnl: FloatArray
    hedge_pnl: FloatArray
    hedged_pnl: FloatArray
    approx_unhedged_pnl: FloatArray
    approx_hedge_pnl: FloatArray
    approx_pnl: FloatArray
    analysis_date: int
    horizon_date: int | None
    income: FloatArray
    rolldown: FloatArray
    hedge_carry: float
    price_return: FloatArray
    unhedged_price_return: FloatArray
    total_return: FloatArray | None
    unhedged_total_return: FloatArray | None
    breakeven_bp: float
    breakeven_unhedged_bp: float
    extra_methods: tuple[str, ...] = ()
    #: Benchmark P&L per scenario scaled to the book's market value, currency, or None.
    benchmark_pnl: FloatArray | None = None
    #: How it was obtained (full revaluation of holdings, or the profile's second order).
    benchmark_method: str | None = None

    @property
    def n_full_revaluation(self) -> int:
        """Number of holdings revalued in full."""
        return sum(m == METHOD_FULL for m in self.methods)

    @property
    def n_sensitivity(self) -> int:
        """Number of holdings valued from supplied sensitivities."""
        return sum(m == METHOD_SENSITIVITY for m in self.methods)

    @property
    def approx_error(self) -> FloatArray:
        """Approximate minus full hedged P&L, currency, ``(S,)``."""
        return self.approx_pnl - self.hedged_pnl

    @property
    def horizon_days(self) -> int | None:
        """Calendar days from the analysis date to the horizon (``None`` without horizon)."""
        return None if self.horizon_date is None else self.horizon_date - self.analysis_date

    @property
    def carry(self) -> float:
        """Horizon carry of the hedged book with no shift: income + roll-down + hedge carry."""
        return float(self.income.sum() + self.rolldown.sum()) + self.hedge_carry

    def _benchmark_row(self, s: int) -> dict[str, float | None]:
        """Benchmark, active (book - benchmark) and hedged active P&L of scenario ``s``."""
        if self.benchmark_pnl is None:
            return {"benchmark_pnl": None, "active_pnl": None, "hedged_active_pnl": None}
        bench = float(self.benchmark_pnl[s])
        return {
            "benchmark_pnl": bench,
            "active_pnl": float(self.unhedged_pnl[s]) - bench,
            "hedged_active_pnl": float(self.hedged_pnl[s]) - bench,
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (plain floats; NaN becomes ``None``).

        Per scenario: ``name``, ``kind``, ``shifts`` ``{tenor: bp}``, ``spread_shifts``
        ``{sector: bp}``; ``unhedged_pnl``, ``hedge_pnl``, ``hedged_pnl``, ``approx_pnl`` and
        ``approx_error`` (approx - full, hedged) in currency; ``unhedged_pnl_bp`` and
        ``hedged_pnl_bp`` in bp of MV; ``price_return`` (hedged), ``total_return`` (hedged) and
        ``unhedged_total_return`` as decimals (the total returns ``None`` without a horizon).
        Top level: ``scenarios``, ``breakeven_bp`` ``{"unhedged", "hedged"}`` (bp or ``None``),
        ``horizon_days``, ``horizon`` (dates, income, roll-down, hedge carry in currency, or
        ``None``), ``market_value``, ``methodology``, ``n_full_revaluation``, ``n_sensitivity``.
        """
        mv = self.market_value
        rows = []
        for s, name in enumerate(self.names):
            rows.append(
                {
                    "name": name,
                    "kind": self.kinds[s],
                    "shifts": {
                        t: float(v)
                        for t, v in zip(self.key_tenors, self.rate_shifts_bp[s], strict=True)
                    },
                    "spread_shifts": {
                        c: float(v)
                        for c, v in zip(self.sectors, self.spread_shifts_bp[s], strict=True)
                    },
                    "unhedged_pnl": float(self.unhedged_pnl[s]),
                    "hedge_pnl": float(self.hedge_pnl[s]),
                    "hedged_pnl": float(self.hedged_pnl[s]),
                    "approx_pnl": float(self.approx_pnl[s]),
                    "approx_error": float(self.approx_error[s]),
                    "price_return": float(self.price_return[s]),
                    "total_return": _opt(self.total_return, s),
                    "unhedged_pnl_bp": float(self.unhedged_pnl[s] / mv / BP),
                    "hedged_pnl_bp": float(self.hedged_pnl[s] / mv / BP),
                    "unhedged_total_return": _opt(self.unhedged_total_return, s),
                    **self._benchmark_row(s),
                }
            )
        horizon = None
        if self.horizon_date is not None:
            horizon = {
                "analysis_date": to_iso([self.analysis_date])[0],
                "horizon_date": to_iso([self.horizon_date])[0],
                "income": float(self.income.sum()),
                "rolldown": float(self.rolldown.sum()),
                "hedge_carry": float(self.hedge_carry),
            }
        return {
            "scenarios": rows,
            "breakeven_bp": {
                "unhedged": _finite_or_none(self.breakeven_unhedged_bp),
                "hedged": _finite_or_none(self.breakeven_bp),
            },
            "horizon_days": self.horizon_days,
            "horizon": horizon,
            "market_value": float(mv),
            "methodology": {
                **METHODOLOGY,
                "benchmark": self.benchmark_method or "no benchmark",
                "holdings": dict(zip(self.ids, self.methods, strict=True)),
                "other_positions": list(self.extra_methods),
            },
            "n_full_revaluation": self.n_full_revaluation,
            "n_sensitivity": self.n_sensitivity,
        }


def add_linear_pnl(
    result: PortfolioScenarioResult, pnl: npt.ArrayLike, label: str
) -> PortfolioScenarioResult:
    """Add an exactly linear P&L of positions outside the bond book to the unhedged book.

    Used for credit default swaps: their P&L is ``-spread DV01 x sector spread move`` with no
    rate sensitivity, so the approximation equals the full figure, returns move by ``pnl / MV``
    and the parallel-rate breakevens are unchanged.

    Parameters
    ----------
    result
        Scenario result of the bond book and hedges.
    pnl
        P&L per scenario, currency, ``(S,)``.
    label
        What the P&L is (recorded in the methodology).
    """
    extra = np.asarray(pnl, dtype=np.float64)
    if extra.shape != result.unhedged_pnl.shape:
        raise AnalyticsError(f"{label}: need one P&L per scenario ({result.unhedged_pnl.size})")
    ret = extra / result.market_value

    def plus(values: FloatArray | None) -> FloatArray | None:
        return None if values is None else values + ret

    return replace(
        result,
        unhedged_pnl=result.unhedged_pnl + extra,
        hedged_pnl=result.hedged_pnl + extra,
        approx_unhedged_pnl=result.approx_unhedged_pnl + extra,
        approx_pnl=result.approx_pnl + extra,
        price_return=result.price_return + ret,
        unhedged_price_return=result.unhedged_price_return + ret,
        total_return=plus(result.total_return),
        unhedged_total_return=plus(result.unhedged_total_return),
        extra_methods=(*result.extra_methods, label),
    )


def with_benchmark(
    result: PortfolioScenarioResult, benchmark_pnl: npt.ArrayLike, method: str
) -> PortfolioScenarioResult:
    """The result with the benchmark's P&L per scenario (currency, the book's market value)."""
    pnl = np.asarray(benchmark_pnl, dtype=np.float64)
    if pnl.shape != result.unhedged_pnl.shape or not np.all(np.isfinite(pnl)):
        raise AnalyticsError("benchmark P&L must be finite, one value per scenario")
    return replace(result, benchmark_pnl=pnl, benchmark_method=method)

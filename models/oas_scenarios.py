"""Scenario revaluation of modelled holdings by their own model (full revaluation).

A scenario shifts the zero curve by key-rate tents (``rate_shifts (S, K)``, decimal, continuous,
the tents of :meth:`models.curves.YieldCurve.discount_shifted`) and a holding's spread by ``ds``
(decimal). Each modelled holding is repriced under every scenario with its OAS moved by ``ds``:

* callables / putables: the Hull-White lattice refitted to each shifted curve, all scenarios in one
  rollback (:mod:`models.lattice_pricing`);
* pools: the Monte Carlo projection on each shifted curve with the same random numbers as the base
  (common random numbers: the mortgage rate, the prepayments and the discounting all move; the
  sampling noise of a P&L is far below that of a price), rate-independent pools on the curve.

P&L = face x (P_s - P_0) / 100 with ``P_0`` the same engine's base price (currency).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.callable import lattice_grid, lattice_prices, lay_out
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.mbs import MonteCarloSpec, discounted_flows, price_from_flows
from hedge_planner.models.oas import (
    LATTICE,
    ModelledAnalytics,
    ShortRateSettings,
    exercise_schedule,
    pool_book,
)
from hedge_planner.models.schemas import HoldingRow
from hedge_planner.models.short_rate import TrinomialTree

logger = logging.getLogger(__name__)

#: Method label of holdings revalued this way.
METHOD_MODEL = "full revaluation by the OAS model (Hull-White lattice / Monte Carlo paths)"


@dataclass(frozen=True)
class ModelledRevaluer:
    """Everything needed to reprice a book's modelled holdings under scenarios.

    Attributes
    ----------
    rows
        All holdings of the book (as priced).
    sched
        The book's bullet cash-flow schedule.
    curve
        The model's discount curve (anchored on settlement).
    key_years
        Key tenors of the scenarios' rate shifts, years.
    settings
        The short-rate model's settings (the same as for the analytics).
    modelled
        The analytics of the modelled holdings (their OAS and book positions).
    """

    rows: Sequence[HoldingRow]
    sched: CashflowSchedule
    curve: YieldCurve
    key_years: FloatArray
    settings: ShortRateSettings
    modelled: ModelledAnalytics

    @property
    def positions(self) -> IntArray:
        """Book positions of the modelled holdings."""
        return self.modelled.index

    def prices(self, rate_shifts: npt.ArrayLike, spread_shifts: npt.ArrayLike) -> FloatArray:
        """Dirty prices per 100 ``(1 + S, n)`` of the modelled holdings: row 0 the base, then
        each scenario (``rate_shifts (S, K)``, ``spread_shifts (S, n)``, decimals)."""
        shifts = np.atleast_2d(np.asarray(rate_shifts, dtype=np.float64))
        ds = np.atleast_2d(np.asarray(spread_shifts, dtype=np.float64))
        bumps = np.vstack([np.zeros((1, shifts.shape[1])), shifts])
        ds = np.vstack([np.zeros((1, ds.shape[1])), ds])
        m = self.modelled
        out = np.empty((len(bumps), m.index.size))
        lattice = np.array([label == LATTICE for label in m.model], dtype=bool)
        if lattice.any():
            k = np.flatnonzero(lattice)
            out[:, k] = self._lattice(m.index[k], m.oas[k][None, :] + ds[:, k], bumps)
        if (~lattice).any():
            k = np.flatnonzero(~lattice)
            out[:, k] = self._pools(m.index[k], m.oas[k][None, :] + ds[:, k], bumps)
        return out

    def pnl(
        self, rate_shifts: npt.ArrayLike, spread_shifts: npt.ArrayLike, face: npt.ArrayLike
    ) -> FloatArray:
        """P&L per scenario and modelled holding, currency ``(S, n)`` (``face (n,)``)."""
        p = self.prices(rate_shifts, spread_shifts)
        return np.asarray(np.asarray(face, dtype=np.float64)[None, :] * (p[1:] - p[0]) / 100.0)

    def _lattice(self, pos: IntArray, spread: FloatArray, bumps: FloatArray) -> FloatArray:
        sub = self.sched.subset(pos)
        schedules = [exercise_schedule(self.rows[i]) for i in pos]
        st = self.settings
        grid = lattice_grid(sub, self.curve, schedules, st.lattice_steps_per_year)
        book = lay_out(sub, self.curve, schedules, grid, [int(self.rows[i].day_count) for i in pos])
        tree = TrinomialTree(st.hull_white, grid)
        phi = tree.fit(self.curve.discount_shifted(grid[1:], self.key_years, bumps))
        return lattice_prices(book, tree, phi, spread)

    def _pools(self, pos: IntArray, spread: FloatArray, bumps: FloatArray) -> FloatArray:
        st = self.settings
        pools = pool_book([self.rows[i] for i in pos], self.sched.settle)
        mc = MonteCarloSpec(st.paths, st.seed, st.sampling)
        a, _, tl = discounted_flows(
            pools, self.curve, st.hull_white, st.refi, mc, self.key_years, bumps
        )
        return price_from_flows(a, tl.pay_time, spread)

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

Vol scenarios: a scenario may also shift normal vols (``vol_shifts (S, n)``, decimal per
sqrt(year), per holding): the holding is then repriced with the model's Hull-White ``sigma``
(itself a normal short-rate vol) moved by that shift (floored at 0), same curve, OAS held, same
random numbers. A by-expiry shift is read at each holding's representative expiry
(:meth:`ModelledRevaluer.option_expiry`): a callable's or putable's first exercise date (its
option is first exercisable then, and the co-terminal option expiring then carries most of a
Bermudan's value), a pool's option-adjusted duration (its prepayment option is a strip over the
pool's life; the duration is the rate-risk-weighted time of its flows). :meth:`vega` is the
central difference of the model value in ``sigma`` (1 bp either side), currency per 1.00 of
normal vol: negative for the holder of a callable or a pool (short the option).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

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
from hedge_planner.models.short_rate import HullWhite, TrinomialTree
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)

#: Method label of holdings revalued this way.
METHOD_MODEL = "full revaluation by the OAS model (Hull-White lattice / Monte Carlo paths)"
#: Half-width of the vega's central difference in sigma, decimal (1 bp of normal vol).
VEGA_STEP = BP


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

    def prices(
        self,
        rate_shifts: npt.ArrayLike,
        spread_shifts: npt.ArrayLike,
        vol_shifts: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Dirty prices per 100 ``(1 + S, n)`` of the modelled holdings: row 0 the base, then
        each scenario (``rate_shifts (S, K)``, ``spread_shifts (S, n)``, decimals; optional
        ``vol_shifts (S, n)``, decimal normal vol added to ``sigma``)."""
        shifts = np.atleast_2d(np.asarray(rate_shifts, dtype=np.float64))
        ds = np.atleast_2d(np.asarray(spread_shifts, dtype=np.float64))
        bumps = np.vstack([np.zeros((1, shifts.shape[1])), shifts])
        ds = np.vstack([np.zeros((1, ds.shape[1])), ds])
        m = self.modelled
        out = self._priced(np.arange(m.index.size), m.oas[None, :] + ds, bumps, None)
        if vol_shifts is not None:
            dv = np.atleast_2d(np.asarray(vol_shifts, dtype=np.float64))
            for s in np.flatnonzero(np.any(dv != 0.0, axis=1)).tolist():
                for shift in np.unique(dv[s][dv[s] != 0.0]).tolist():  # one model per sigma
                    kk = np.flatnonzero(dv[s] == shift)
                    sigma = max(self.settings.volatility + shift, 0.0)
                    spread = m.oas[kk][None, :] + ds[s + 1, kk]
                    moved = self._priced(kk, spread, bumps[s + 1 : s + 2], sigma)[0]
                    # a subset's lattice grid can differ from the whole set's: take a callable's
                    # move against its own base price on that grid (pools keep the whole set's
                    # months, hence its draws: their base is the set's)
                    base = out[0, kk]
                    bonds = np.array([m.model[r] == LATTICE for r in kk], dtype=bool)
                    if kk.size < m.index.size and bonds.any():
                        kb = kk[bonds]
                        base[bonds] = self._priced(kb, m.oas[kb][None, :], bumps[:1], None)[0]
                    out[s + 1, kk] = out[0, kk] + (moved - base)
        return out

    def _priced(
        self, rows: IntArray, spread: FloatArray, bumps: FloatArray, sigma: float | None
    ) -> FloatArray:
        """Prices ``(len(bumps), len(rows))`` of modelled rows ``rows`` (``sigma``: the model's
        volatility instead of the case's)."""
        m = self.modelled
        model = self.settings.hull_white
        if sigma is not None:
            model = HullWhite(model.mean_reversion, sigma)
        out = np.empty((len(bumps), rows.size))
        lattice = np.array([m.model[r] == LATTICE for r in rows], dtype=bool)
        if lattice.any():
            k = np.flatnonzero(lattice)
            out[:, k] = self._lattice(m.index[rows[k]], spread[:, k], bumps, model)
        if (~lattice).any():
            k = np.flatnonzero(~lattice)
            out[:, k] = self._pools(m.index[rows[k]], spread[:, k], bumps, model)
        return out

    def pnl(
        self,
        rate_shifts: npt.ArrayLike,
        spread_shifts: npt.ArrayLike,
        face: npt.ArrayLike,
        vol_shifts: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """P&L per scenario and modelled holding, currency ``(S, n)`` (``face (n,)``)."""
        p = self.prices(rate_shifts, spread_shifts, vol_shifts)
        return np.asarray(np.asarray(face, dtype=np.float64)[None, :] * (p[1:] - p[0]) / 100.0)

    def option_expiry(self) -> FloatArray:
        """Representative option expiry per modelled holding, years (see the module notes):
        first exercise date (after any notice) of bonds, OA duration of pools; >= 0."""
        m = self.modelled
        out = np.empty(m.index.size)
        for j, pos in enumerate(m.index.tolist()):
            if m.model[j] == LATTICE:
                sched = exercise_schedule(self.rows[pos])
                first = sched.days[0] + (sched.notice_days if sched.style == "american" else 0)
                out[j] = float(np.asarray(self.curve.time(np.array([first])))[0])
            else:
                out[j] = float(m.duration[j])
        return np.maximum(out, 0.0)

    def vega(self, face: npt.ArrayLike) -> FloatArray:
        """Vega per modelled holding, currency per 1.00 of normal vol (``face (n,)``): the
        central difference of the model value in ``sigma`` (+/- :data:`VEGA_STEP`, one-sided
        at 0), curve and OAS fixed."""
        m = self.modelled
        rows = np.arange(m.index.size)
        base = np.zeros((1, len(self.key_years)))
        sigma = self.settings.volatility
        lo = max(sigma - VEGA_STEP, 0.0)
        up = self._priced(rows, m.oas[None, :], base, sigma + VEGA_STEP)[0]
        dn = self._priced(rows, m.oas[None, :], base, lo)[0]
        face_arr = np.asarray(face, dtype=np.float64)
        return np.asarray(face_arr * (up - dn) / (sigma + VEGA_STEP - lo) / 100.0)

    @cached_property
    def _months(self) -> int:
        """Months projected for every pool: the longest WAM of the book's pools."""
        m = self.modelled
        rows = [self.rows[p] for j, p in enumerate(m.index.tolist()) if m.model[j] != LATTICE]
        return int(pool_book(rows, self.sched.settle).wam.max()) if rows else 0

    def _lattice(
        self, pos: IntArray, spread: FloatArray, bumps: FloatArray, model: HullWhite
    ) -> FloatArray:
        sub = self.sched.subset(pos)
        schedules = [exercise_schedule(self.rows[i]) for i in pos]
        st = self.settings
        grid = lattice_grid(sub, self.curve, schedules, st.lattice_steps_per_year)
        book = lay_out(sub, self.curve, schedules, grid, [int(self.rows[i].day_count) for i in pos])
        tree = TrinomialTree(model, grid)
        phi = tree.fit(self.curve.discount_shifted(grid[1:], self.key_years, bumps))
        return lattice_prices(book, tree, phi, spread)

    def _pools(
        self, pos: IntArray, spread: FloatArray, bumps: FloatArray, model: HullWhite
    ) -> FloatArray:
        st = self.settings
        pools = pool_book([self.rows[i] for i in pos], self.sched.settle)
        mc = MonteCarloSpec(st.paths, st.seed, st.sampling)
        a, _, tl = discounted_flows(
            pools, self.curve, model, st.refi, mc, self.key_years, bumps, months=self._months
        )
        return price_from_flows(a, tl.pay_time, spread)

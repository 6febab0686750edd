"""Reference revaluation of modelled holdings one sigma at a time (the engine before stacking).

:meth:`models.oas_scenarios.ModelledRevaluer.prices` and ``vega`` price every sigma of every vol
scenario in one stacked pass per engine. This module keeps the earlier path -- one lattice (built,
fitted and rolled back) and one Monte Carlo run per scenario and distinct sigma, the subsets'
bases repriced on their own lattice grid -- as the reference the tests and
``benchmarks/bench_plan_example.py --scenarios`` compare the stacked path against. Same inputs,
same outputs (prices per 100, vega in currency per 1.00 of normal vol).
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.callable import lattice_grid, lattice_prices, lay_out
from hedge_planner.models.mbs import MonteCarloSpec, discounted_flows, price_from_flows
from hedge_planner.models.oas import LATTICE, exercise_schedule, pool_book
from hedge_planner.models.oas_scenarios import VEGA_STEP, ModelledRevaluer
from hedge_planner.models.short_rate import HullWhite, TrinomialTree

logger = logging.getLogger(__name__)


def reference_prices(
    rev: ModelledRevaluer,
    rate_shifts: npt.ArrayLike,
    spread_shifts: npt.ArrayLike,
    vol_shifts: npt.ArrayLike | None = None,
) -> FloatArray:
    """:meth:`ModelledRevaluer.prices` one scenario and one distinct sigma at a time."""
    shifts = np.atleast_2d(np.asarray(rate_shifts, dtype=np.float64))
    ds = np.atleast_2d(np.asarray(spread_shifts, dtype=np.float64))
    bumps = np.vstack([np.zeros((1, shifts.shape[1])), shifts])
    ds = np.vstack([np.zeros((1, ds.shape[1])), ds])
    m = rev.modelled
    out = _priced(rev, np.arange(m.index.size), m.oas[None, :] + ds, bumps, None)
    if vol_shifts is not None:
        dv = np.atleast_2d(np.asarray(vol_shifts, dtype=np.float64))
        for s in np.flatnonzero(np.any(dv != 0.0, axis=1)).tolist():
            for shift in np.unique(dv[s][dv[s] != 0.0]).tolist():  # one model per sigma
                kk = np.flatnonzero(dv[s] == shift)
                sigma = max(rev.settings.volatility + shift, 0.0)
                spread = m.oas[kk][None, :] + ds[s + 1, kk]
                moved = _priced(rev, kk, spread, bumps[s + 1 : s + 2], sigma)[0]
                # a subset's lattice grid can differ from the whole set's: a callable's move
                # against its own base price on that grid (pools keep the set's months)
                base = out[0, kk]
                bonds = np.array([m.model[r] == LATTICE for r in kk], dtype=bool)
                if kk.size < m.index.size and bonds.any():
                    kb = kk[bonds]
                    base[bonds] = _priced(rev, kb, m.oas[kb][None, :], bumps[:1], None)[0]
                out[s + 1, kk] = out[0, kk] + (moved - base)
    return out


def reference_vega(rev: ModelledRevaluer, face: npt.ArrayLike) -> FloatArray:
    """:meth:`ModelledRevaluer.vega` by two separate passes (sigma up, sigma down)."""
    m = rev.modelled
    rows = np.arange(m.index.size)
    base = np.zeros((1, len(rev.key_years)))
    sigma = rev.settings.volatility
    lo = max(sigma - VEGA_STEP, 0.0)
    up = _priced(rev, rows, m.oas[None, :], base, sigma + VEGA_STEP)[0]
    dn = _priced(rev, rows, m.oas[None, :], base, lo)[0]
    face_arr = np.asarray(face, dtype=np.float64)
    return np.asarray(face_arr * (up - dn) / (sigma + VEGA_STEP - lo) / 100.0)


def _priced(
    rev: ModelledRevaluer,
    rows: IntArray,
    spread: FloatArray,
    bumps: FloatArray,
    sigma: float | None,
) -> FloatArray:
    """Prices ``(len(bumps), len(rows))`` of modelled rows ``rows`` (``sigma``: the model's
    volatility instead of the case's)."""
    m = rev.modelled
    model = rev.settings.hull_white
    if sigma is not None:
        model = HullWhite(model.mean_reversion, sigma)
    out = np.empty((len(bumps), rows.size))
    lattice = np.array([m.model[r] == LATTICE for r in rows], dtype=bool)
    if lattice.any():
        k = np.flatnonzero(lattice)
        out[:, k] = _lattice(rev, m.index[rows[k]], spread[:, k], bumps, model)
    if (~lattice).any():
        k = np.flatnonzero(~lattice)
        out[:, k] = _pools(rev, m.index[rows[k]], spread[:, k], bumps, model)
    return out


def _lattice(
    rev: ModelledRevaluer, pos: IntArray, spread: FloatArray, bumps: FloatArray, model: HullWhite
) -> FloatArray:
    sub = rev.sched.subset(pos)
    schedules = [exercise_schedule(rev.rows[i]) for i in pos]
    st = rev.settings
    grid = lattice_grid(sub, rev.curve, schedules, st.lattice_steps_per_year)
    book = lay_out(sub, rev.curve, schedules, grid, [int(rev.rows[i].day_count) for i in pos])
    tree = TrinomialTree(model, grid)
    phi = tree.fit(rev.curve.discount_shifted(grid[1:], rev.key_years, bumps))
    return lattice_prices(book, tree, phi, spread)


def _pools(
    rev: ModelledRevaluer, pos: IntArray, spread: FloatArray, bumps: FloatArray, model: HullWhite
) -> FloatArray:
    st = rev.settings
    pools = pool_book([rev.rows[i] for i in pos], rev.sched.settle)
    mc = MonteCarloSpec(st.paths, st.seed, st.sampling)
    a, _, tl = discounted_flows(
        pools, rev.curve, model, st.refi, mc, rev.key_years, bumps, months=rev.pool_months
    )
    return price_from_flows(a, tl.pay_time, spread)

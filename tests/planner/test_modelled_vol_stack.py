"""The modelled holdings' stacked vol scenarios against the one-sigma-at-a-time path
(examples/core_plus: 20 callables/putables on the lattice, 30 pools on Monte Carlo paths).

Reference: :mod:`models.oas_scenarios_reference`, the path before stacking (one lattice and one
Monte Carlo run per scenario and distinct sigma, subsets' bases repriced on their own grid). The
scenarios cover a parallel shift (every holding, one sigma), a by-expiry shift (a sigma per
holding), a shift floored at sigma = 0 for some holdings, a shift only the callables get (the
whole set's grid, pools untouched), a shift shared by a subset of callables and of pools (the
subset's own grid), and curve and spread moves beside them. Prices agree to 1e-12 relative, P&L
and vega to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.oas import LATTICE
from hedge_planner.models.oas_scenarios_reference import reference_prices, reference_vega
from hedge_planner.models.units import BP

from tests.planner.modelled_book import example_revaluer


@pytest.fixture(scope="module")
def revaluer():
    return example_revaluer()


def _scenarios(rev) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = rev.modelled
    n, k = m.index.size, len(rev.key_years)
    bonds = np.array([label == LATTICE for label in m.model])
    assert bonds.sum() >= 10 and (~bonds).sum() >= 10
    rates = np.zeros((7, k))
    rates[0] = 25 * BP
    rates[1, k // 2] = -40 * BP
    rates[6] = -10 * BP  # a vol scenario with a curve move as well
    spreads = np.zeros((7, n))
    spreads[1] = 15 * BP
    spreads[5, ::3] = 5 * BP
    vols = np.zeros((7, n))
    vols[2] = 25 * BP  # parallel
    expiry = rev.option_expiry()
    vols[3] = np.interp(expiry, [0.25, 1.0, 5.0], [40.0, 20.0, 5.0]) * BP  # by expiry
    vols[3, :4] = -150 * BP  # sigma 100 bp - 150 bp: floored at 0
    vols[4, bonds] = 10 * BP  # every callable, no pool
    subset = np.flatnonzero(bonds)[::2].tolist() + np.flatnonzero(~bonds)[::3].tolist()
    vols[5, subset] = -20 * BP  # some callables and some pools share a shift
    vols[6, bonds] = 30 * BP
    vols[6, ~bonds] = 15 * BP
    assert rev.settings.volatility + vols[3, 0] < 0
    return rates, spreads, vols


def test_stacked_vol_scenarios_equal_the_one_sigma_path(revaluer) -> None:
    rev, face = revaluer
    rates, spreads, vols = _scenarios(rev)
    stacked = rev.prices(rates, spreads, vols)
    ref = reference_prices(rev, rates, spreads, vols)
    np.testing.assert_allclose(stacked, ref, rtol=1e-12)
    pnl = rev.pnl(rates, spreads, face, vols)
    ref_pnl = face[None, :] * (ref[1:] - ref[0]) / 100.0
    np.testing.assert_allclose(pnl, ref_pnl, rtol=1e-9, atol=1e-9 * np.abs(ref_pnl).max())
    assert np.all(pnl[2] < 0) or np.mean(pnl[2] < 0) > 0.9  # holders are short the options
    # the floored holdings moved by their whole sigma (to 0), not by -150 bp
    assert np.all(np.abs(pnl[3, :4]) > 0)


def test_vega_beside_the_scenarios_equals_its_own_passes(revaluer) -> None:
    rev, face = revaluer
    rates, spreads, vols = _scenarios(rev)
    ref = reference_vega(rev, face)
    fresh = type(rev)(rev.rows, rev.sched, rev.curve, rev.key_years, rev.settings, rev.modelled)
    alone = fresh.vega(face)  # its own stacked pass (sigma up and down together)
    np.testing.assert_allclose(alone, ref, rtol=1e-9)
    fresh = type(rev)(rev.rows, rev.sched, rev.curve, rev.key_years, rev.settings, rev.modelled)
    fresh.prices(rates, spreads, vols)  # prices the vega's rows beside the scenarios
    np.testing.assert_allclose(fresh.vega(face), ref, rtol=1e-9)
    assert np.all(ref < 0) or np.mean(ref < 0) > 0.9


def test_lattice_groups_on_threads_equal_one_thread(revaluer, monkeypatch) -> None:
    """The lattice groups priced on a thread pool (the by-expiry and subset scenarios make
    many) equal a one-thread run bit for bit, the pools' lanes aside (each group builds its own
    grid, tree and book)."""
    rev, _ = revaluer
    rates, spreads, vols = _scenarios(rev)
    runs = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("HEDGE_PLANNER_THREADS", threads)
        fresh = type(rev)(rev.rows, rev.sched, rev.curve, rev.key_years, rev.settings, rev.modelled)
        runs[threads] = fresh.prices(rates, spreads, vols)
    bonds = np.array([label == LATTICE for label in rev.modelled.model])
    np.testing.assert_array_equal(runs["1"][:, bonds], runs["2"][:, bonds])
    np.testing.assert_allclose(runs["1"], runs["2"], rtol=1e-12)

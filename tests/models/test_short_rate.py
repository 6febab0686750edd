"""Hull-White lattice and Monte Carlo: exact curve fit, QuantLib's time grid, martingale checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.short_rate import (
    HullWhite,
    TrinomialTree,
    normals,
    path_deflators,
    simulate_x,
    time_grid,
)

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = np.array([30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957])
ZEROS = np.array([0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = NODE_DAYS / 365.0
    return YieldCurve(SETTLE, t, np.exp(-ZEROS * t))


def test_time_grid_matches_quantlib() -> None:
    ql = pytest.importorskip("QuantLib")
    mandatory = [0.3, 0.8, 1.3, 2.0, 5.25, 7.0]
    for steps in (5, 24, 100):
        ours = time_grid(mandatory, steps)
        theirs = np.array(list(ql.TimeGrid(mandatory, steps)))
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)


@pytest.mark.parametrize("sigma", [0.0, 0.006, 0.015])
def test_lattice_reprices_every_grid_discount_factor(curve: YieldCurve, sigma: float) -> None:
    grid = time_grid([0.5, 3.0, 10.0], 120)
    tree = TrinomialTree(HullWhite(0.05, sigma), grid)
    phi = tree.fit(curve.discount(grid[1:])[None, :])
    # A unit paid at each grid time, rolled back through the lattice, is worth its discount factor.
    for i in (1, 17, 60, len(grid) - 1):
        values = np.ones((1, 1, len(tree.x[i])))
        for lv in range(i - 1, -1, -1):
            values = tree.rollback(values, lv, phi[:, lv], np.zeros((1, 1)))
        assert values[0, 0, 0] == pytest.approx(float(curve.discount(grid[i])), rel=1e-12)


def test_branching_probabilities_match_the_exact_moments() -> None:
    model = HullWhite(0.1, 0.012)
    tree = TrinomialTree(model, time_grid([5.0], 50))
    for i in (0, 10, 49):
        x, nxt, k, p = tree.x[i], tree.x[i + 1], tree.child[i], tree.prob[i]
        assert np.all(p >= 0) and np.allclose(p.sum(axis=0), 1.0)
        kids = np.stack([nxt[k - 1], nxt[k], nxt[k + 1]])
        mean = (p * kids).sum(axis=0)
        var = (p * kids**2).sum(axis=0) - mean**2
        np.testing.assert_allclose(mean, x * np.exp(-0.1 * tree.dt[i]), atol=1e-15)
        np.testing.assert_allclose(var, model.variance(tree.dt[i]), rtol=1e-10)


def test_zero_volatility_paths_give_the_curve(curve: YieldCurve) -> None:
    grid = np.linspace(0.0, 10.0, 121)
    t = np.array([0.4, 2.55, 9.9])
    x = simulate_x(HullWhite(0.03, 0.0), grid, normals(8, 120, 1))
    d = path_deflators(HullWhite(0.03, 0.0), grid, x, t, curve.discount(t)[None, :])
    np.testing.assert_allclose(d[0], np.broadcast_to(curve.discount(t), (8, 3)), rtol=1e-15)


def test_path_deflators_reprice_the_curve_in_expectation(curve: YieldCurve) -> None:
    model = HullWhite(0.03, 0.012)
    grid = np.linspace(0.0, 20.0, 241)
    t = np.array([1.0, 5.0, 12.3, 19.9])
    x = simulate_x(model, grid, normals(20000, 240, 7, "plain"))
    raw = path_deflators(model, grid, x, t, curve.discount(t)[None, :], match_moments=False)[0]
    se = raw.std(axis=0) / np.sqrt(raw.shape[0])
    assert np.all(np.abs(raw.mean(axis=0) - curve.discount(t)) < 4 * se)
    # Moment matching makes the sample reprice the curve exactly.
    matched = path_deflators(model, grid, x[:64], t, curve.discount(t)[None, :])[0]
    np.testing.assert_allclose(matched.mean(axis=0), curve.discount(t), rtol=1e-13)


def test_hull_white_bond_prices_are_martingales(curve: YieldCurve) -> None:
    # E[D(t) P(t, t + tau | x(t))] = P(0, t + tau): the bond formula used for mortgage rates.
    model = HullWhite(0.05, 0.015)
    grid = np.linspace(0.0, 5.0, 61)
    x = simulate_x(model, grid, normals(40000, 60, 3))
    t, tau = 5.0, 10.0
    t_arr = np.array([t])
    d = path_deflators(model, grid, x, t_arr, curve.discount(t_arr)[None], False)[0, :, 0]
    ln_p = (
        np.log(curve.discount(t + tau) / curve.discount(t))
        + model.log_bond_adjustment(t, tau)
        - model.b(tau) * x[:, -1]
    )
    value = d * np.exp(ln_p)
    se = value.std() / np.sqrt(value.size)
    assert abs(value.mean() - float(curve.discount(t + tau))) < 4 * se


def test_samplers() -> None:
    z = normals(6, 4, 11)
    np.testing.assert_array_equal(z[3:], -z[:3])
    s = normals(1024, 3, 5, "sobol")
    assert abs(s.mean()) < 0.01 and abs(s.std() - 1) < 0.02
    with pytest.raises(Exception, match="even"):
        normals(5, 2, 1)

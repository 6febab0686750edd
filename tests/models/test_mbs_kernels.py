"""The compiled month loop of rate-dependent pools (``models/_mbs_c.c``).

References: Python's ``math.exp`` and ``math.log1p`` (glibc, correctly rounded or within 1 ulp)
for the extension's own elementary functions; the numpy month loop
(``HEDGE_PLANNER_KERNELS=numpy``, itself checked against the closed-form engine, published PSA
tables and bump-and-reprice elsewhere) for the lanes, which agree to rounding. The stacked pass
against one Monte Carlo per sigma (tests/models/test_sigma_stack.py) runs the compiled loop too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hedge_planner.models import mbs_kernels
from hedge_planner.models.mbs import MonteCarloSpec
from hedge_planner.models.mbs_stack import Lanes, stacked_flows
from hedge_planner.models.prepayment import RefiModel

from tests.models.test_sigma_stack import KEYS, SIGMA, _pools
from tests.models.test_sigma_stack import curve as curve

pytestmark = pytest.mark.skipif(not mbs_kernels.built(), reason="extension not built")


def _ulps(got: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(got - exact) / np.spacing(np.abs(exact))))


def test_exp_within_two_ulp() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.uniform(-708.0, 709.0, 50_000), rng.uniform(-50.0, 0.5, 50_000),
         rng.uniform(-1e-8, 1e-8, 1_000), [0.0, -0.5, 1.0, -708.0, 709.0]]
    )  # fmt: skip
    exact = np.array([math.exp(v) for v in x])
    assert _ulps(mbs_kernels.elementary(x, "exp"), exact) <= 2.0


def test_log1p_within_two_ulp_on_a_cpr_complement() -> None:
    """``log1p(-cpr)`` for CPRs from 0 to the 0.99 cap, tiny ones included."""
    rng = np.random.default_rng(1)
    x = -np.concatenate(
        [rng.uniform(0.0, 0.99, 50_000), 10.0 ** rng.uniform(-18, -1, 20_000), [0.99, 0.5]]
    )
    exact = np.array([math.log1p(v) for v in x])
    assert _ulps(mbs_kernels.elementary(x, "log1p"), exact) <= 2.0
    assert mbs_kernels.elementary(np.zeros(1), "log1p")[0] == 0.0


@pytest.mark.parametrize("paths", [64, 250])  # 250: a path count not a multiple of eight
def test_compiled_lanes_agree_with_the_numpy_loop(curve, monkeypatch, paths) -> None:
    """Every kind of lane: rows every pool asks for (the dense block), a sigma per pool, a
    pool at the CPR cap, the rate-independent pool, curve bumps beside the sigmas."""
    pools, mc, refi = _pools(), MonteCarloSpec(paths, 11, "antithetic"), RefiModel()
    n = len(pools)
    bumps = np.zeros((3, KEYS.size))
    bumps[1], bumps[2, 3] = 50e-4, -30e-4
    rows = [(0, SIGMA), (1, SIGMA), (2, 0.012), (0, 0.0)]
    lane_bump = [bumps[r] for r, _ in rows for _ in range(n)] + [bumps[1], bumps[0]]
    lane_sigma = [s for _, s in rows for _ in range(n)] + [0.015, 0.008]
    lane_pool = list(range(n)) * len(rows) + [1, 3]
    args = (pools, curve, 0.03, refi, mc, KEYS, np.vstack(lane_bump), np.array(lane_sigma),
            Lanes(np.arange(len(lane_pool)), np.array(lane_pool)))  # fmt: skip
    compiled, _ = stacked_flows(*args, months=360, reference=SIGMA)
    monkeypatch.setenv("HEDGE_PLANNER_KERNELS", mbs_kernels.NUMPY)
    reference, _ = stacked_flows(*args, months=360, reference=SIGMA)
    scale = np.abs(reference).max(axis=1, keepdims=True)
    np.testing.assert_allclose(compiled, reference, rtol=0, atol=1e-13 * float(scale.max()))
    # per lane, the value of the flows (their sum) to 1e-13 relative
    np.testing.assert_allclose(compiled.sum(axis=1), reference.sum(axis=1), rtol=1e-13)


def test_bad_lane_indices_are_refused() -> None:
    from hedge_planner.models import _mbs_c

    f = np.ones
    i = np.zeros
    args = [f((1, 2, 8)), f((1, 2, 8)), f((1, 1, 8)), f((1, 1)), np.array([1]), i(1, np.int64),
            i(1, np.int64), f(1), f(1), f((1, 2)), f((1, 2)), f((1, 2)), f(2), i((1, 2), np.int64),
            np.array([2]), f(4), np.empty((1, 2))]  # fmt: skip
    with pytest.raises(ValueError, match=r"lane_row\[0\] = 1 is outside"):
        _mbs_c.project_lanes(*args, 1, 2, 8, 1, 1, 1, 1)
    args[4] = i(1, np.int64)
    with pytest.raises(ValueError, match="rates: expected"):
        _mbs_c.project_lanes(f(3), *args[1:], 1, 2, 8, 1, 1, 1, 1)


@pytest.mark.parametrize("month_major", [True, False])
def test_compiled_mortgage_rates_equal_the_numpy_loop(curve, monkeypatch, month_major) -> None:
    """The compiled pass does :func:`models.mbs.mortgage_rates`' operations in its order: the
    same figures to the last bit, on every scenario row (curve bumps) and path."""
    from hedge_planner.models.mbs_rates import mortgage_rates
    from hedge_planner.models.short_rate import HullWhite

    rng = np.random.default_rng(3)
    model, refi = HullWhite(0.03, 0.011), RefiModel(weight_2y=0.35, mortgage_spread=0.0171)
    grid = np.arange(0, 121) / 12.0
    x = rng.normal(0.0, 0.02, (37, grid.size))  # 37 paths: no multiple of a vector width
    bumps = rng.normal(0.0, 25e-4, (5, KEYS.size))
    bumps[0] = 0.0
    args = (model, refi, grid, x, curve, KEYS, bumps, month_major)
    compiled = mortgage_rates(*args)
    monkeypatch.setenv("HEDGE_PLANNER_KERNELS", mbs_kernels.NUMPY)
    reference = mortgage_rates(*args)
    assert compiled.shape == reference.shape == (5, *(x.T.shape if month_major else x.shape))
    assert np.array_equal(compiled, reference)
    # and what they are: 2y and 10y annual-pay par rates off the same bond prices, by hand
    s, p, m = 3, 11, 40
    t = grid[m] + np.arange(1, 11)
    ln = np.log(curve.discount_shifted(np.concatenate([[grid[m]], t]), KEYS, bumps[s : s + 1]))[0]
    bond = np.exp(ln[1:] - ln[0] + model.log_bond_adjustment(grid[m], t - grid[m]))
    bond *= np.exp(-model.b(t - grid[m]) * x[p, m])
    par2, par10 = (1 - bond[1]) / bond[:2].sum(), (1 - bond[9]) / bond.sum()
    expected = refi.mortgage_spread + refi.weight_2y * par2 + (1 - refi.weight_2y) * par10
    got = compiled[s, m, p] if month_major else compiled[s, p, m]
    assert got == pytest.approx(expected, rel=1e-13)


def test_compiled_mortgage_rates_refuse_bad_sizes() -> None:
    from hedge_planner.models import _mbs_c

    e, out = np.ones((10, 4, 8)), np.empty((2, 4, 8))
    with pytest.raises(ValueError, match="k: expected"):  # month-major: k (S, 10, A)
        _mbs_c.mortgage_rates(e, np.ones((2, 10, 8)), out, 2, 10, 4, 8, True, 0.5, 0.5, 0.02)
    with pytest.raises(ValueError, match="two tenors"):
        _mbs_c.mortgage_rates(e, np.ones((2, 1, 4)), out, 2, 1, 4, 8, True, 0.5, 0.5, 0.02)


@pytest.mark.parametrize("paths", [64, 250])
def test_compiled_adjoint_agrees_with_the_numpy_engine(curve, monkeypatch, paths) -> None:
    """The measure stage's pool risk (three curves' flows, the OAS from a price, the base
    scenario's adjoint KRDs, WAL) through the compiled loops against the numpy month engine:
    four refi pools (one at the CPR cap) and the PSA pool, to rounding."""
    from hedge_planner.models.mbs import mbs_risk
    from hedge_planner.models.short_rate import HullWhite

    pools, model = _pools(), HullWhite(0.03, SIGMA)
    args = {"dirty_price": np.array([101.0, 99.5, 103.2, 100.4, 98.7]),
            "mc": MonteCarloSpec(paths, 5, "antithetic")}  # fmt: skip
    compiled = mbs_risk(pools, curve, model, KEYS, **args)
    monkeypatch.setenv("HEDGE_PLANNER_KERNELS", mbs_kernels.NUMPY)
    reference = mbs_risk(pools, curve, model, KEYS, **args)
    for name, rtol in [("oas", 1e-12), ("duration", 1e-12), ("spread_duration", 1e-13),
                       ("wal", 1e-13), ("convexity", 1e-10)]:  # fmt: skip
        np.testing.assert_allclose(getattr(compiled, name), getattr(reference, name), rtol=rtol)
    np.testing.assert_allclose(compiled.krd, reference.krd, rtol=0, atol=1e-12)
    assert np.abs(reference.krd).max() > 0.5  # KRDs of years, not zeros


def test_compiled_adjoint_krds_match_bump_and_reprice(curve) -> None:
    """Independent of either engine's adjoint: each key rate bumped 1e-6 and the pools repriced
    (central differences, the same paths); the compiled adjoint's KRDs within 1e-4 of each
    pool's duration (the numpy engine's own tolerance in tests/models/test_mbs_paths.py). The
    pool at the CPR cap is left out: a bump moves paths across the cap's kink."""
    from hedge_planner.models.mbs import mbs_risk
    from hedge_planner.models.mbs_pools import subset
    from hedge_planner.models.short_rate import HullWhite

    pools = subset(_pools(), np.array([0, 1, 3, 4]))
    model, mc = HullWhite(0.03, SIGMA), MonteCarloSpec(128, 9, "antithetic")
    kw = {"oas": np.full(len(pools), 0.004), "mc": mc, "shift": 1e-6}
    adjoint = mbs_risk(pools, curve, model, KEYS, **kw)
    bumped = mbs_risk(pools, curve, model, KEYS, krd_by_bumps=True, **kw)
    np.testing.assert_allclose(adjoint.krd.sum(axis=1), adjoint.duration, rtol=1e-12)
    gap = np.abs(adjoint.krd - bumped.krd) / np.abs(adjoint.duration)[:, None]
    assert gap.max() < 1e-4, gap.max()


def test_compiled_adjoint_refuses_bad_sizes() -> None:
    from hedge_planner.models import _mbs_c

    f, i = np.ones, np.zeros
    args = [f((3, 8)), f((3, 8)), f((2, 8)), f((1, 3)), f((2, 3, 8)), f(1), f(1), f((1, 3)),
            f((1, 3)), f((1, 3)), f(3), i((1, 3), np.int64), np.array([3]), f(5),
            np.empty((1, 2)), np.empty((1, 3))]  # fmt: skip
    _mbs_c.adjoint_pools(*args, 3, 8, 2, 1, 2)  # the right sizes run
    with pytest.raises(ValueError, match="drate"):
        _mbs_c.adjoint_pools(*args[:4], f((3, 3, 8)), *args[5:], 3, 8, 2, 1, 2)
    with pytest.raises(ValueError, match="stop"):
        _mbs_c.adjoint_pools(*args[:12], np.array([4]), *args[13:], 3, 8, 2, 1, 2)

"""Month-vectorised path projection of rate-dependent pools and its adjoint.

References: the projection against a plain month-by-month loop of the documented recursion
(:func:`models.mbs.projected_flows` with the path's own SMMs); the adjoint incentive gradient
against central differences of the projection; adjoint KRDs against bump-and-reprice KRDs on the
same paths (to 1e-4 of the duration at a 1e-6 shift, the rest being path-months whose bump
crosses a kink of the model; within 2% of the duration at the
production 25 bp shift, where the bumped figures carry second-order terms).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.mbs import (
    MonteCarloSpec,
    PoolBook,
    _Paths,
    mbs_risk,
    projected_flows,
    timeline,
)
from hedge_planner.models.mbs_paths import forward, incentive_gradient, weights
from hedge_planner.models.prepayment import Prepayment, RefiModel, refi_cpr, smm_from_cpr
from hedge_planner.models.short_rate import HullWhite

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = np.array([30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957])
ZEROS = np.array([0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])
KEYS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30])


@pytest.fixture(scope="module")
def curve() -> YieldCurve:
    t = NODE_DAYS / 365.0
    return YieldCurve(SETTLE, t, np.exp(-ZEROS * t))


def _pools(coupons, wala=(20, 3, 70), wam=(300, 357, 200)) -> PoolBook:
    n = len(coupons)
    c = np.array(coupons, dtype=float)
    return PoolBook(
        tuple(f"P{i}" for i in range(n)),
        np.full(n, 1e6),
        c,
        c + 0.0065,
        np.array(wam[:n]),
        np.array(wala[:n]),
        np.array([55, 45, 55][:n]),
        tuple(Prepayment("refi", s) for s in (1.0, 0.8, 1.3)[:n]),
    )


def _paths(curve, pools, paths=16, sigma=0.012):
    tl = timeline(pools, curve)
    hw, mc = HullWhite(0.03, sigma), MonteCarloSpec(paths, 7)
    idx = np.arange(len(pools))
    p = _Paths.build(pools, idx, tl, curve, hw, RefiModel(), mc, np.zeros(1), np.zeros((1, 1)))
    return tl, p


def test_vectorised_projection_is_the_month_loop(curve) -> None:
    pools = _pools([0.03, 0.055, 0.065])
    tl, p = _paths(curve, pools)
    refi = RefiModel()
    st = forward(p.terms, refi, p.rates[0])
    for path in (0, 5, 11):
        inc = pools.wac[:, None] - p.rates[0][path][None, :]
        exposure = np.concatenate(
            [np.zeros((3, 1)), np.cumsum(np.maximum(inc, 0.0) / 12.0, axis=1)[:, :-1]], axis=1
        )
        age = pools.wala[:, None] + np.arange(tl.months)[None, :] + 1
        speed = np.array([q.speed for q in pools.prepayment])[:, None]
        cpr = refi_cpr(refi, age, tl.month_of_year[None, :], inc, exposure)
        cpr = np.minimum(cpr * speed, 0.99)
        flows = projected_flows(pools, smm_from_cpr(cpr))
        np.testing.assert_allclose(st.flow[:, path, :], flows, rtol=1e-12, atol=1e-15)


def test_incentive_gradient_is_the_derivative_of_the_value(curve) -> None:
    pools = _pools([0.04, 0.06, 0.07])
    tl, p = _paths(curve, pools, paths=4)
    refi = RefiModel()
    rng = np.random.default_rng(1)
    w = rng.uniform(0.2, 1.0, size=(3, 4, tl.months))
    st = forward(p.terms, refi, p.rates[0])
    grad = incentive_gradient(p.terms, refi, st, w)
    direction = rng.normal(size=p.rates[0].shape)
    eps = 1e-7
    up = (forward(p.terms, refi, p.rates[0] - eps * direction).flow * w).sum(axis=(1, 2))
    dn = (forward(p.terms, refi, p.rates[0] + eps * direction).flow * w).sum(axis=(1, 2))
    fd = (up - dn) / (2 * eps)  # the incentive moves opposite to the rate
    np.testing.assert_allclose((grad * direction[None]).sum(axis=(1, 2)), fd, rtol=1e-6)
    assert weights(p.terms, p.factor, p.disc[0], np.zeros(3), tl.pay_time).shape == w.shape


@pytest.mark.parametrize(("shift", "tol"), [(1e-6, 1e-4), (25e-4, 0.02)])
def test_adjoint_krds_match_bump_and_reprice(curve, shift, tol) -> None:
    pools = _pools([0.035, 0.055, 0.065])
    kw = {"oas": np.full(3, 0.005), "mc": MonteCarloSpec(64, 3), "shift": shift}
    hw = HullWhite(0.03, 0.01)
    adj = mbs_risk(pools, curve, hw, KEYS, **kw)
    bump = mbs_risk(pools, curve, hw, KEYS, krd_by_bumps=True, **kw)
    np.testing.assert_allclose(adj.dirty_price, bump.dirty_price, rtol=1e-13)
    np.testing.assert_allclose(adj.duration, bump.duration, rtol=1e-9)
    np.testing.assert_allclose(adj.krd.sum(axis=1), adj.duration, rtol=1e-12)
    gap = np.abs(adj.krd - bump.krd) / np.abs(adj.duration)[:, None]
    assert gap.max() < tol, gap.max()

"""Rollback bands: the far tails of a wide Hull-White tree left out of the rollback.

References: the same rollback over every node of every level (``BAND_MIN_WIDTH`` above the
tree's width; every job banded otherwise, however small), for prices under several curves and
sigmas (a rescaled tree) and for the adjoint drift gradient; the reach probabilities of the
left-out nodes from a forward pass of the branching probabilities over the whole tree.
"""

from __future__ import annotations

import datetime as dt

import hedge_planner.models.lattice_pricing as lattice_pricing
import hedge_planner.models.short_rate as sr
import numpy as np
import pytest
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.lattice_pricing import lattice_prices
from hedge_planner.models.short_rate import HullWhite, TrinomialTree, time_grid

from tests.models.callable_books import random_callables

SETTLE = dt.date(2023, 12, 29)
NODE_DAYS = np.array([30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957])
ZEROS = np.array([0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041])
KEYS = np.array([1.0, 2, 5, 10, 30])


def test_bands_keep_every_reachable_node_and_the_middle_children() -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.01), time_grid([25.0], 25 * 24))
    assert tree.width > sr.BAND_MIN_WIDTH
    reach = np.ones((1, 1))
    assert tree.band(0) == (0, 1)
    narrowed = 0
    for i in range(tree.n_steps):
        lo, hi = tree.band(i)
        nlo, nhi = tree.band(i + 1)
        mid = tree.child[i][lo:hi]
        assert nlo <= mid.min() and mid.max() < nhi  # middle children of kept nodes kept
        reach = tree.forward(reach, i)
        outside = np.r_[reach[0, :nlo], reach[0, nhi:]]
        assert outside.size == 0 or outside.max() < sr.BAND_PROBABILITY
        narrowed += nhi - nlo < len(tree.x[i + 1])
    assert narrowed > tree.n_steps // 2  # the tails are left out over most of the tree
    small = TrinomialTree(HullWhite(0.03, 0.01), time_grid([2.0], 48))
    assert all(small.band(i) == (0, len(x)) for i, x in enumerate(small.x))


@pytest.fixture(scope="module")
def long_book():
    t = NODE_DAYS / 365.0
    curve = YieldCurve(SETTLE, t, np.exp(-ZEROS * t))
    book, grid = random_callables(
        curve, SETTLE, n=8, seed=11, years=(5, 26), coupons=(0.03, 0.07), first_exercise=3,
        american=2, put=lambda b: b % 3 == 1, prefix="L",
    )  # fmt: skip
    return curve, book, grid


def test_banded_rollback_prices_as_the_whole_tree(long_book, monkeypatch) -> None:
    curve, book, grid = long_book
    monkeypatch.setattr(lattice_pricing, "BAND_MIN_WORK", 0)  # bands however small the job
    sigmas = np.array([0.01, 0.0, 0.02, 0.01])
    bumps = np.zeros((4, KEYS.size))
    bumps[3] = 50e-4
    spread = np.full((4, book.on_node.shape[0]), 0.002)
    out = {}
    for label, min_width in (("banded", sr.BAND_MIN_WIDTH), ("whole", 10**9)):
        monkeypatch.setattr(sr, "BAND_MIN_WIDTH", min_width)
        tree = TrinomialTree(HullWhite(0.03, 0.01), grid)
        phi = tree.fit(curve.discount_shifted(grid[1:], KEYS, bumps[:1]))
        p, grad = lattice_prices(book, tree, phi, spread[:1], gradient=True)
        many = tree.rescaled(sigmas)
        phis = many.fit(curve.discount_shifted(grid[1:], KEYS, bumps))
        out[label] = (p, grad, lattice_prices(book, many, phis, spread)[0])
        if label == "banded":
            widths = [tree.band(i)[1] - tree.band(i)[0] for i in range(len(grid))]
            assert max(widths) < tree.width / 2  # the long bonds' tree is mostly tails
    for got, want in zip(out["banded"], out["whole"], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-18)


def _band_step_padded(tree: TrinomialTree, values, i: int, phi_i, spread):
    """One banded rollback step as written before: the band always padded with its edge
    values, the per-curve discount computed at the step (the reference of the shortcuts)."""
    lo, hi = tree.band(i)
    lo1, _ = tree.band(i + 1)
    v = np.concatenate([values[..., :1], values, values[..., -1:]], axis=-1)
    k = tree.child[i][lo:hi] - lo1 + 1
    p = tree.prob[i][:, lo:hi]
    cont = p[0] * v[..., k - 1]
    cont += p[1] * v[..., k]
    cont += p[2] * v[..., k + 1]
    cont *= tree._node_discount(i)[:, None, lo:hi]
    cont *= np.exp(-(phi_i[:, None] + spread) * tree.dt[i])[:, :, None]
    return cont


def test_band_steps_without_padding_and_with_the_levels_discounts_are_the_reference() -> None:
    """Every step of a wide tree (banded, with and without children beyond the band's edge;
    contiguous and bent levels), taking its per-curve discount from the all-levels array
    the rollback computes, bit for bit the padded per-step reference."""
    tree = TrinomialTree(HullWhite(0.03, 0.01), time_grid([25.0], 25 * 24)).rescaled(
        [0.008, 0.01, 0.013]
    )
    rng = np.random.default_rng(2)
    phi = rng.normal(0.04, 0.005, (3, tree.n_steps))
    spread = rng.normal(0.004, 0.002, (3, 4))
    per_curve = np.exp(-(phi[:, :, None] + spread[:, None, :]) * tree.dt[None, :, None])
    inside = edge = 0
    for i in range(tree.n_steps - 1, -1, -1):
        lo1, hi1 = tree.band(i + 1)
        values = rng.normal(100.0, 5.0, (3, 4, hi1 - lo1))
        want = _band_step_padded(tree, values, i, phi[:, i], spread)
        np.testing.assert_array_equal(tree.rollback_band(values, i, phi[:, i], spread), want)
        got = tree.rollback_band(values, i, phi[:, i], spread, per_curve[:, i])
        np.testing.assert_array_equal(got, want)
        lo, hi = tree.band(i)
        k = tree.child[i][lo:hi] - lo1
        if k[0] >= 1 and k[-1] + 1 < hi1 - lo1:
            inside += 1
        else:
            edge += 1
    assert inside > 0 and edge > 0  # both paths ran

"""The vectorised lattice levels against the level-by-level build (bit for bit).

Reference: :func:`models.trinomial_levels.levels_stepwise`, the construction the tree used before
(one level at a time from the previous level's nodes). Grids: uniform, irregular with mandatory
dates (short and long steps mixed), a 30-year lattice wide enough for mean reversion to bend the
branching, zero mean reversion; and the zero-volatility tree (stepwise only).
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models.short_rate import HullWhite, TrinomialTree, time_grid
from hedge_planner.models.trinomial_levels import levels, levels_stepwise

GRIDS = {
    "uniform": np.linspace(0.0, 5.0, 121),
    "mandatory": time_grid([0.3, 1.01, 1.02, 2.5, 7.25, 10.0], 240),
    "long": time_grid([30.0], 30 * 24),
    "short": np.array([0.0, 0.01]),
}


@pytest.mark.parametrize("name", sorted(GRIDS))
@pytest.mark.parametrize(("a", "sigma"), [(0.03, 0.01), (0.5, 0.02), (0.0, 0.008), (1e-13, 0.01)])
def test_vectorised_levels_equal_the_stepwise_build(name, a, sigma) -> None:
    dt = np.diff(GRIDS[name])
    model = HullWhite(a, sigma)
    variances = [float(model.variance(d)) for d in dt]
    fast = levels(a, variances, dt)
    slow = levels_stepwise(a, variances, dt)
    for got, want in zip(fast, slow, strict=True):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    x, child, prob = fast
    assert len(x) == dt.size + 1 and x[0].tolist() == [0.0]
    for i, k in enumerate(child):  # every middle child has both neighbours on the next level
        assert k.min() >= 1 and k.max() <= len(x[i + 1]) - 2
        np.testing.assert_allclose(prob[i].sum(axis=0), 1.0, rtol=1e-14)


@pytest.mark.parametrize("name", sorted(GRIDS))
@pytest.mark.parametrize(("a", "sigma"), [(0.03, 0.01), (0.5, 0.02), (0.0, 0.008), (1e-13, 0.01)])
def test_tree_takes_each_steps_exact_variance(name, a, sigma) -> None:
    """The tree's levels (variances taken over the whole grid at once) are those built from
    each step's own ``sigma^2 (1 - e^{-2a dt}) / 2a``, computed one step at a time."""
    dt = np.diff(GRIDS[name])
    model = HullWhite(a, sigma)
    tree = TrinomialTree(model, GRIDS[name])
    variances = [
        sigma * sigma * dt_i if a < 1e-12 else sigma * sigma * -np.expm1(-2.0 * a * dt_i) / (2 * a)
        for dt_i in dt.tolist()
    ]
    want = levels_stepwise(a, variances, dt)
    for got, ref in zip((tree.x, tree.child, tree.prob), want, strict=True):
        assert len(got) == len(ref)
        for g, w in zip(got, ref, strict=True):
            np.testing.assert_array_equal(g, w)


def test_mean_reversion_bends_the_long_lattice() -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.01), GRIDS["long"])
    grown = [len(x) for x in tree.x]
    assert max(np.diff(grown)) == 2 and min(np.diff(grown)) == 0  # stops growing
    assert not all(tree._contiguous)  # some levels branch non-contiguously


def test_zero_volatility_tree_is_built_stepwise() -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.0), GRIDS["uniform"])
    assert all(len(x) == 3 for x in tree.x[1:])
    assert all(np.array_equal(p[1], np.ones(p.shape[1])) for p in tree.prob)


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_contiguity_flags_equal_the_per_level_check(name) -> None:
    """The one-pass contiguity flags against each level's ``np.all(np.diff(k) == 1)``."""
    tree = TrinomialTree(HullWhite(0.03, 0.01), GRIDS[name])
    assert tree._contiguous == [bool(np.all(np.diff(k) == 1)) for k in tree.child]
    zero = TrinomialTree(HullWhite(0.03, 0.0), GRIDS[name])  # stepwise levels
    assert zero._contiguous == [bool(np.all(np.diff(k) == 1)) for k in zero.child]


def _fit_reference(tree: TrinomialTree, df: np.ndarray) -> np.ndarray:
    """The fit as written before it reused the tree's node discounts: ``exp(-x dt)`` per level."""
    phi = np.empty((df.shape[0], tree.n_steps))
    q = np.ones((df.shape[0], 1))
    for i, dt in enumerate(tree.dt):
        ex = np.exp(-tree.node_x(i) * dt)
        phi[:, i] = np.log((q * ex).sum(axis=1) / df[:, i]) / dt
        q = tree.forward(q * ex * np.exp(-phi[:, i : i + 1] * dt), i)
    return phi


@pytest.mark.parametrize("name", ["mandatory", "long"])
def test_fit_with_kept_node_discounts_equals_the_plain_fit(name, monkeypatch) -> None:
    """The numpy fit (the compiled one agrees to rounding: tests/models/test_lattice_kernels.py)."""
    monkeypatch.setenv("HEDGE_PLANNER_KERNELS", "numpy")
    grid = GRIDS[name]
    df = np.exp(-np.outer([0.03, 0.045, 0.05], grid[1:]))
    tree = TrinomialTree(HullWhite(0.03, 0.01), grid)
    np.testing.assert_array_equal(tree.fit(df), _fit_reference(tree, df))
    stacked = tree.rescaled([0.0075, 0.01, 0.0125])  # one sigma per row
    np.testing.assert_array_equal(stacked.fit(df), _fit_reference(stacked, df))


def _forward_reference(tree: TrinomialTree, w: np.ndarray, i: int) -> np.ndarray:
    """State prices one level on as the forward step wrote them before: ``np.add.at`` per
    branch (the reference of the bincount path on levels whose children are shared)."""
    nxt = np.zeros((w.shape[0], len(tree.x[i + 1])))
    for m in range(3):
        np.add.at(nxt.T, tree.child[i] + (m - 1), (w * tree.prob[i][m]).T)
    return nxt


@pytest.mark.parametrize("rows", [1, 3])
def test_forward_on_bent_levels_equals_add_at(rows) -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.01), GRIDS["long"])
    bent = [i for i, flat in enumerate(tree._contiguous) if not flat]
    assert len(bent) > 10
    rng = np.random.default_rng(4)
    for i in [*bent[:: max(1, len(bent) // 25)], 0, tree.n_steps - 1]:
        w = rng.uniform(0.0, 1.0, (rows, len(tree.x[i])))
        np.testing.assert_array_equal(tree.forward(w, i), _forward_reference(tree, w, i))

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


def test_mean_reversion_bends_the_long_lattice() -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.01), GRIDS["long"])
    grown = [len(x) for x in tree.x]
    assert max(np.diff(grown)) == 2 and min(np.diff(grown)) == 0  # stops growing
    assert not all(tree._contiguous)  # some levels branch non-contiguously


def test_zero_volatility_tree_is_built_stepwise() -> None:
    tree = TrinomialTree(HullWhite(0.03, 0.0), GRIDS["uniform"])
    assert all(len(x) == 3 for x in tree.x[1:])
    assert all(np.array_equal(p[1], np.ones(p.shape[1])) for p in tree.prob)

"""The lazy break-even search gives the whole grid's root while evaluating fewer points."""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.scenarios.breakeven_search import root_nearest_zero, root_nearest_zero_lazy

GRID = np.arange(-400, 401, dtype=np.float64) * 5.0  # the plan's +/- 2,000 bp at 5 bp


def _cubic(roots: tuple[float, ...], scale: float):  # type: ignore[no-untyped-def]
    def f(b: np.ndarray) -> np.ndarray:
        out = np.full(np.shape(b), scale)
        for r in roots:
            out = out * (np.asarray(b) - r)
        return out + 0.0

    return f


CASES = [
    ((37.3,), 1.0),  # one root near 0
    ((-612.0, 1480.5), -2.0),  # two roots, the negative one nearer
    ((1995.0,), 3.0),  # a root in the last grid cell
    ((-2500.0, 2600.0), 1.0),  # no root within the grid
    ((0.0, 40.0, -40.0), 1.0),  # a root at 0
    ((10.0, -10.0), 1.0),  # roots at equal distance: the positive side wins ties
    ((-35.0, 300.0, -900.0), -1.0),
    ((-1998.0,), 1.0),  # the only root in the first grid cell
    ((-2000.0,), 1.0),  # a root on the grid's first point
    ((2000.0,), -1.0),  # a root on the grid's last point
]


@pytest.mark.parametrize(("roots", "scale"), CASES)
def test_lazy_search_equals_full_grid_search(roots: tuple[float, ...], scale: float) -> None:
    f = _cubic(roots, scale)

    def func(b: float) -> float:
        return float(f(np.array([b]))[0])

    full = root_nearest_zero(GRID, f(GRID), func)
    lazy = root_nearest_zero_lazy(GRID, f)
    assert (np.isnan(full) and np.isnan(lazy)) or full == lazy
    finite = [r for r in roots if abs(r) <= 2000.0]
    if finite:
        assert lazy == pytest.approx(min(finite, key=lambda r: (abs(r), r < 0)), abs=1e-8)


def test_lazy_search_evaluates_only_near_zero_for_a_near_root() -> None:
    seen: list[int] = []
    f = _cubic((12.5,), 1.0)

    def counting(b: np.ndarray) -> np.ndarray:
        seen.append(np.size(b))
        return f(b)

    assert root_nearest_zero_lazy(GRID, counting) == pytest.approx(12.5, abs=1e-9)
    grid_points = sum(n for n in seen if n > 1) + 1
    assert grid_points <= 2 * 8 + 1  # the first window only, not 801 points

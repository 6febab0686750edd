"""The root nearest zero of a function known on a grid: the break-even parallel shifts.

:func:`root_nearest_zero` scans a sorted grid containing 0 outward on each side to the first
sign change and refines it with Brent's method; :func:`root_nearest_zero_lazy` gives the same
root while evaluating the grid only as far out from 0 as the scan needs (a window that grows
until each side has a sign change or reaches the grid's end), so a break-even near 0 does not
pay for repricing the book and the hedges at every point of a +/- 2,000 bp grid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.roots import brent_root

__all__ = ["root_nearest_zero", "root_nearest_zero_lazy"]

#: Grid points each side of 0 evaluated first by the lazy search (then 4x as many each round).
FIRST_RADIUS = 8


def root_nearest_zero(grid: FloatArray, values: FloatArray, func: Any) -> float:
    """Root of ``func`` nearest 0 from its values on a sorted grid containing 0; NaN if none."""
    i0 = int(np.flatnonzero(grid == 0.0)[0])
    f0 = values[i0]
    if f0 == 0.0:
        return 0.0
    sign0 = np.sign(f0)
    candidates: list[tuple[float, float, float]] = []  # (|b|, side order, root)
    for step, order in ((1, 0.0), (-1, 1.0)):
        j = i0
        while 0 <= j + step < grid.size:
            nxt = j + step
            if values[nxt] == 0.0:
                candidates.append((abs(grid[nxt]), order, float(grid[nxt])))
                break
            if np.sign(values[nxt]) != sign0:
                lo, hi = sorted((grid[j], grid[nxt]))
                root = brent_root(func, lo, hi, xtol=1e-10, rtol=1e-14, maxiter=200)
                candidates.append((abs(root), order, root))
                break
            j = nxt
    if not candidates:
        return float("nan")
    return min(candidates)[2]


def root_nearest_zero_lazy(grid: FloatArray, evaluate: Callable[[FloatArray], FloatArray]) -> float:
    """:func:`root_nearest_zero` of ``evaluate`` (vectorised over points) on a sorted grid.

    The grid is evaluated on a window around 0 that grows (x4) until each side holds a zero or a
    sign change, reaches the grid's end, or reaches beyond the other side's change (a root
    further out cannot be the nearest). The scan then finds the same bracket as on the whole
    grid (each point's value depends on that point only), so the root is the same.
    """
    i0 = int(np.flatnonzero(grid == 0.0)[0])
    values = np.full(grid.size, np.nan)
    values[i0] = evaluate(grid[i0 : i0 + 1])[0]
    lo = hi = i0
    radius = FIRST_RADIUS
    while values[i0] != 0.0:
        new_lo, new_hi = max(i0 - radius, 0), min(i0 + radius, grid.size - 1)
        idx = np.r_[new_lo:lo, hi + 1 : new_hi + 1]
        if idx.size:
            values[idx] = evaluate(grid[idx])
        lo, hi = new_lo, new_hi
        up, down = _first_change(values, i0, hi, 1), _first_change(values, i0, lo, -1)
        up_reach = abs(grid[up]) if up is not None else np.inf  # the root is no further out
        down_reach = abs(grid[down]) if down is not None else np.inf
        up_done = up is not None or hi == grid.size - 1 or abs(grid[hi]) >= down_reach
        down_done = down is not None or lo == 0 or abs(grid[lo]) >= up_reach
        if up_done and down_done:
            break
        radius *= 4

    def func(b: float) -> float:
        return float(evaluate(np.array([b]))[0])

    return root_nearest_zero(grid[lo : hi + 1], values[lo : hi + 1], func)


def _first_change(values: FloatArray, i0: int, edge: int, step: int) -> int | None:
    """Index of the first zero or sign change from ``i0`` out to ``edge``, or ``None``."""
    side = values[i0 + 1 : edge + 1] if step > 0 else values[edge:i0][::-1]
    hits = np.flatnonzero((side == 0.0) | (np.sign(side) != np.sign(values[i0])))
    return i0 + step * (int(hits[0]) + 1) if hits.size else None

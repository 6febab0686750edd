"""Levels of the Hull-White trinomial lattice: node values, middle children, probabilities.

The lattice of :class:`models.short_rate.TrinomialTree` (QuantLib's construction): level ``i+1``
has spacing ``dx = sqrt(3 V(dt_i))`` (``V`` the exact OU variance over the step); a node ``x`` of
level ``i`` has the conditional mean ``x e^{-a dt_i}``, branches around the node ``k`` nearest it
(``k = floor(mean / dx + 1/2)``) with offset ``e = mean - k dx`` and probabilities
``(1 + e^2/V -/+ e sqrt(3)/sqrt(V)) / 6`` and ``(2 - e^2/V) / 3``; level ``i+1`` runs from the
lowest middle child - 1 to the highest + 1.

:func:`levels_stepwise` builds it level by level (the reference, and the only form of the
zero-volatility tree). :func:`levels` builds the same arrays with one vectorised pass over every
node: ``k`` is non-decreasing in ``x`` (every step of its formula is monotone, in floating point
too), so each level's node range follows from its end nodes alone in a short scalar loop, and then
every node of every level is computed at once with the same operations in the same order, bit for
bit the stepwise figures (tests compare them).
"""

from __future__ import annotations

import math

import numpy as np
from hedge_planner.models.arrays import FloatArray, IntArray

SQRT3 = np.sqrt(3.0)

Levels = tuple[list[FloatArray], list[IntArray], list[FloatArray]]


def levels_stepwise(mean_reversion: float, variances: list[float], dt: FloatArray) -> Levels:
    """``(x, child, prob)`` per level, level by level (``variances``: ``V(dt_i)`` per step)."""
    x: list[FloatArray] = [np.zeros(1)]
    child: list[IntArray] = []
    prob: list[FloatArray] = []
    for i, step in enumerate(dt):
        v2 = variances[i]
        if v2 <= 0.0:
            # Zero volatility: every node branches with certainty to the middle node of a
            # three-node level at x = 0 (the outer two are never reached).
            n_i = len(x[i])
            child.append(np.ones(n_i, dtype=np.int64))
            prob.append(np.vstack([np.zeros(n_i), np.ones(n_i), np.zeros(n_i)]))
            x.append(np.zeros(3))
            continue
        v = np.sqrt(v2)
        dx_next = v * SQRT3
        mean = x[i] * np.exp(-mean_reversion * step)
        k = np.floor(mean / dx_next + 0.5).astype(np.int64)
        e = mean - k * dx_next
        e2 = e * e / v2
        e3 = e * SQRT3 / v
        p = np.stack([(1 + e2 - e3) / 6.0, (2 - e2) / 3.0, (1 + e2 + e3) / 6.0])
        j_lo, j_hi = int(k.min()) - 1, int(k.max()) + 1
        child.append(k - j_lo)
        prob.append(p)
        x.append(dx_next * np.arange(j_lo, j_hi + 1, dtype=np.float64))
    return x, child, prob


def levels(mean_reversion: float, variances: list[float], dt: FloatArray) -> Levels:
    """:func:`levels_stepwise` in one vectorised pass (every variance must be > 0)."""
    n = len(dt)
    v2 = np.array(variances, dtype=np.float64)
    if n == 0 or np.any(v2 <= 0.0):
        return levels_stepwise(mean_reversion, variances, dt)
    # per-step scalars exactly as the stepwise build computes them (elementwise: sqrt is
    # correctly rounded, the exp the same ufunc; the scalar loop runs on Python floats, whose
    # IEEE arithmetic is numpy's float64 arithmetic, at a fraction of the per-step cost)
    v_arr = np.sqrt(v2)
    v = v_arr.tolist()
    dx = (v_arr * SQRT3).tolist()
    decay = np.exp(-mean_reversion * np.asarray(dt, dtype=np.float64)).tolist()
    lo, hi = np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    e_lo = e_hi = 0.0  # level 0: the single node x = 0
    for i in range(n):
        d, c = dx[i], decay[i]
        k_lo, k_hi = math.floor(e_lo * c / d + 0.5) - 1, math.floor(e_hi * c / d + 0.5) + 1
        lo[i + 1], hi[i + 1] = k_lo, k_hi
        e_lo, e_hi = d * float(k_lo), d * float(k_hi)
    sizes = hi - lo + 1
    level = np.repeat(np.arange(n + 1), sizes)  # level of every node
    j = np.arange(level.size) - np.repeat(np.cumsum(sizes) - sizes, sizes) + lo[level]
    dx_of = np.concatenate([[0.0], np.array(dx, dtype=np.float64)])  # spacing of each level
    x_all = dx_of[level] * j.astype(np.float64)
    x_all[0] = 0.0  # level 0 is np.zeros(1), not 0 * spacing
    parents = sizes[:n].sum()
    lv = level[:parents]
    dx_next = np.array(dx, dtype=np.float64)[lv]
    mean = x_all[:parents] * np.array(decay, dtype=np.float64)[lv]
    k = np.floor(mean / dx_next + 0.5).astype(np.int64)
    e = mean - k * dx_next
    e2 = e * e / v2[lv]
    e3 = e * SQRT3 / np.array(v, dtype=np.float64)[lv]
    p = np.stack([(1 + e2 - e3) / 6.0, (2 - e2) / 3.0, (1 + e2 + e3) / 6.0])
    # views per level (np.split's per-section overhead is several times a slice's)
    ends = np.cumsum(sizes).tolist()
    starts = [0, *ends[:-1]]
    k_all = k - lo[lv + 1]
    x = [x_all[a:b] for a, b in zip(starts, ends, strict=True)]
    k_levels = [k_all[a:b] for a, b in zip(starts[:-1], ends[:-1], strict=True)]
    p_levels = [p[:, a:b] for a, b in zip(starts[:-1], ends[:-1], strict=True)]
    return x, k_levels, p_levels

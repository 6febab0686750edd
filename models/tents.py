"""Key-rate tents and monotone cubic Hermite slopes: the shape functions of the curve model.

Times and key tenors are years on the ACT/365F axis; tent weights are dimensionless and sum to one
at every time inside the key range.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray


def _as_keys(key_tenors: npt.ArrayLike) -> FloatArray:
    keys = np.asarray(key_tenors, dtype=np.float64)
    if keys.ndim != 1 or keys.size == 0:
        raise ValueError("key_tenors must be a non-empty 1-D array of times in years")
    if not np.all(np.isfinite(keys)):
        raise ValueError("key_tenors must be finite")
    if np.any(np.diff(keys) <= 0.0):
        raise ValueError("key_tenors must be strictly increasing")
    return keys


# --------------------------------------------------------------------------------------------
# key-rate tents
# --------------------------------------------------------------------------------------------
def tent_weights(t: npt.ArrayLike, key_tenors: npt.ArrayLike) -> FloatArray:
    """Triangular key-rate ("tent") weights.

    Parameters
    ----------
    t
        Times in years (any shape).
    key_tenors
        Strictly increasing key tenors in years, shape ``(n_keys,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_keys, *t.shape)``. Weight ``k`` is 1 at ``key_tenors[k]`` and falls linearly to
        0 at the neighbouring keys; the first key's weight is held at 1 for ``t`` below it and the
        last key's for ``t`` above it. Between two keys exactly two weights are non-zero and they
        are ``1 - u`` and ``u``, so the weights sum to exactly 1 at every ``t``: shifting all keys
        by the same amount is a parallel shift, and key-rate durations sum to the parallel
        duration.
    """
    keys = _as_keys(key_tenors)
    tt = np.asarray(t, dtype=np.float64)
    flat = tt.ravel()
    w = np.zeros((keys.size, flat.size))
    if keys.size == 1:
        w[0] = 1.0
    else:
        lo = np.clip(np.searchsorted(keys, flat, side="right") - 1, 0, keys.size - 2)
        with np.errstate(over="ignore"):  # sub-normal key spacing: the clip makes it a step
            u = np.clip((flat - keys[lo]) / (keys[lo + 1] - keys[lo]), 0.0, 1.0)
        cols = np.arange(flat.size)
        w[lo, cols] = 1.0 - u
        w[lo + 1, cols] = u
    return w.reshape((keys.size, *tt.shape))


def _tent_slopes(t: FloatArray, keys: FloatArray) -> FloatArray:
    """d(tent weights)/dt, shape ``(n_keys, t.size)`` for flat ``t`` (per year).

    Left derivative at the kinks, matching the left-continuous forwards of the curve.
    """
    d = np.zeros((keys.size, t.size))
    if keys.size == 1:
        return d
    seg = np.clip(np.searchsorted(keys, t, side="left") - 1, 0, keys.size - 2)
    inside = (t > keys[seg]) & (t <= keys[seg + 1])
    inv_w = np.where(inside, 1.0 / (keys[seg + 1] - keys[seg]), 0.0)
    cols = np.arange(t.size)
    d[seg, cols] = -inv_w
    d[seg + 1, cols] = inv_w
    return d


# --------------------------------------------------------------------------------------------
# monotone cubic Hermite slopes
# --------------------------------------------------------------------------------------------
def _edge_slope(h0: float, h1: float, d0: float, d1: float) -> float:
    """Three-point end slope, clipped so the end interval stays shape preserving."""
    s = ((2.0 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
    if np.sign(s) != np.sign(d0):
        return 0.0
    if np.sign(d0) != np.sign(d1) and abs(s) > 3.0 * abs(d0):
        return 3.0 * d0
    return float(s)


def _monotone_slopes(x: FloatArray, y: FloatArray) -> FloatArray:
    """Fritsch-Butland node slopes for a monotone cubic Hermite interpolant of ``(x, y)``."""
    h = np.diff(x)
    delta = np.diff(y) / h
    if x.size == 2:
        return np.full(2, delta[0])
    slopes = np.empty(x.size)
    w1 = 2.0 * h[1:] + h[:-1]
    w2 = h[1:] + 2.0 * h[:-1]
    same_sign = delta[:-1] * delta[1:] > 0.0
    # Weighted harmonic mean of the neighbouring secants; 0 at local extrema keeps monotonicity.
    safe_l = np.where(same_sign, delta[:-1], 1.0)
    safe_r = np.where(same_sign, delta[1:], 1.0)
    slopes[1:-1] = np.where(same_sign, (w1 + w2) / (w1 / safe_l + w2 / safe_r), 0.0)
    slopes[0] = _edge_slope(h[0], h[1], delta[0], delta[1])
    slopes[-1] = _edge_slope(h[-1], h[-2], delta[-1], delta[-2])
    return slopes

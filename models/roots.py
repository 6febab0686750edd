"""A bracketed scalar root finder (Brent's method) without importing ``scipy.optimize``.

``scipy.optimize`` costs a few hundred milliseconds to import, which every command that builds
a curve (``analyze``, ``validate``) would pay for one root finder. This is Brent's
combination of bisection, secant and inverse quadratic interpolation with the step rules of
``scipy.optimize.brentq`` (so it takes the same iterates and returns the same root): it keeps a
sign-changing bracket, converges whenever the function is continuous on it, and is as fast as
the secant method on smooth functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

_EPS = float(np.finfo(np.float64).eps)


def brent_root(
    func: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    xtol: float = 1e-12,
    rtol: float = 4.0 * _EPS,
    maxiter: int = 200,
) -> float:
    """A root of ``func`` in ``[lo, hi]`` where ``func(lo)`` and ``func(hi)`` differ in sign.

    Parameters
    ----------
    func
        A continuous function of one float.
    lo, hi
        The bracket (any order).
    xtol, rtol
        Stop when the bracket half-width is at most ``(xtol + rtol * |x|) / 2`` (the same rule
        as ``scipy.optimize.brentq``).
    maxiter
        Iteration limit.

    Returns
    -------
    float
        The root estimate.

    Raises
    ------
    ValueError
        If the bracket does not change sign.
    RuntimeError
        If ``maxiter`` iterations do not reach the tolerance.
    """
    x_prev, x_cur = float(lo), float(hi)
    f_prev, f_cur = float(func(x_prev)), float(func(x_cur))
    if f_prev == 0.0:
        return x_prev
    if f_cur == 0.0:
        return x_cur
    if math.copysign(1.0, f_prev) == math.copysign(1.0, f_cur):
        raise ValueError("brent_root needs func(lo) and func(hi) of opposite signs")
    # x_cur is the best estimate, x_blk the other end of the sign-changing bracket, x_prev the
    # previous estimate; s_cur and s_prev are the last two steps.
    x_blk = f_blk = s_prev = s_cur = 0.0
    for _ in range(maxiter):
        if f_prev != 0.0 and math.copysign(1.0, f_prev) != math.copysign(1.0, f_cur):
            x_blk, f_blk = x_prev, f_prev
            s_prev = s_cur = x_cur - x_prev
        if abs(f_blk) < abs(f_cur):
            x_prev, x_cur, x_blk = x_cur, x_blk, x_cur
            f_prev, f_cur, f_blk = f_cur, f_blk, f_cur
        delta = (xtol + rtol * abs(x_cur)) / 2.0
        s_bis = (x_blk - x_cur) / 2.0
        if f_cur == 0.0 or abs(s_bis) < delta:
            return x_cur
        interpolated = False
        if abs(s_prev) > delta and abs(f_cur) < abs(f_prev):
            if x_prev == x_blk:  # two points: secant
                trial = -f_cur * (x_cur - x_prev) / (f_cur - f_prev)
            else:  # three points: inverse quadratic interpolation
                d_prev = (f_prev - f_cur) / (x_prev - x_cur)
                d_blk = (f_blk - f_cur) / (x_blk - x_cur)
                trial = (
                    -f_cur * (f_blk * d_blk - f_prev * d_prev) / (d_blk * d_prev * (f_blk - f_prev))
                )
            # Interpolate only when the step is short against the last one and the bracket;
            # otherwise bisect, which bounds the iteration count by bisection's.
            if 2.0 * abs(trial) < min(abs(s_prev), 3.0 * abs(s_bis) - delta):
                s_prev, s_cur = s_cur, trial
                interpolated = True
        if not interpolated:
            s_prev = s_cur = s_bis
        x_prev, f_prev = x_cur, f_cur
        x_cur += s_cur if abs(s_cur) > delta else (delta if s_bis > 0.0 else -delta)
        f_cur = float(func(x_cur))
    raise RuntimeError(f"brent_root did not converge in {maxiter} iterations")

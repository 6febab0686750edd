"""Yield term structures: immutable discount curves, key-rate tents and scenario shifts.

Time axis
---------
Every curve in the package measures time in **years on an ACT/365F axis from its anchor date**:
``t = (date - anchor) / 365`` with dates as ``int64`` day serials (see :mod:`models.dates`). Rates
are decimals (0.05 = 5%) and discount factors are per unit of currency paid at ``t``.

Interpolation (selected by name)
--------------------------------
``"log_linear_df"`` (default)
    ``ln DF`` piecewise linear between nodes (with ``DF(0) = 1``), i.e. piecewise-constant
    instantaneous forwards. Local: a node only affects its two neighbouring segments.
``"linear_zero"``
    Continuously compounded zero rates linear between nodes. Before the first node the zero rate is
    held flat at the first node's value (as QuantLib's zero-curve bootstraps do).
``"monotone_cubic_zero"``
    Monotone cubic Hermite on continuously compounded zero rates: node slopes are the
    Fritsch-Butland weighted harmonic means of neighbouring secants (zero where the secants change
    sign, PCHIP-style three-point end slopes), which lie in the Fritsch-Carlson monotonicity
    region, so monotone node zeros give monotone interpolated zeros. Flat zero before the first
    node, as for ``"linear_zero"`` (implemented as an extra node at ``t = 0`` equal to the first).

Extrapolation beyond the last node is **flat instantaneous forward**: the forward reached at the
last node (from the left) is held constant, ``DF(t) = DF(t_n) exp(-f_n (t - t_n))``. This is what
QuantLib's interpolated discount and zero curves do, so the two agree beyond the last pillar too.

Shifts
------
Scenario and key-rate shifts are additive on continuously compounded zero rates,
``z'(t) = z(t) + s(t)``, so ``DF'(t) = DF(t) exp(-s(t) t)``. Key-rate shifts use triangular "tent"
weights that sum to one at every ``t`` (see :func:`tent_weights`), which is what makes key-rate
durations add up to the parallel duration.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.dates import to_days, to_iso, year_fraction_act365
from hedge_planner.models.tents import (
    _as_keys,
    _monotone_slopes,
    _tent_slopes,
    tent_weights,
)

Interpolation = Literal["log_linear_df", "linear_zero", "monotone_cubic_zero"]
Compounding = Literal["continuous", "annual", "semiannual", "simple"]

#: Interpolation names accepted by :class:`YieldCurve`.
INTERPOLATIONS: tuple[str, ...] = get_args(Interpolation)
#: Compounding names accepted by the rate queries.
COMPOUNDINGS: tuple[str, ...] = get_args(Compounding)

_SpreadLayer = tuple[FloatArray, FloatArray]


# --------------------------------------------------------------------------------------------
# small validation helpers
# --------------------------------------------------------------------------------------------
def _as_day(anchor: Any) -> int:
    """One day serial from an int serial, ``datetime.date``, ISO string or ``datetime64``."""
    if isinstance(anchor, (int, np.integer)) and not isinstance(anchor, bool):
        return int(anchor)
    days = to_days(anchor)
    if days.ndim != 0:
        raise ValueError(f"anchor must be a single date, got shape {days.shape}")
    return int(days)


def _readonly(a: FloatArray) -> FloatArray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def _as_times(t: npt.ArrayLike, what: str = "t") -> FloatArray:
    """Validate query times: finite and not before the anchor (years)."""
    tt = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(tt)):
        raise ValueError(f"{what} must be finite (got NaN or inf)")
    if np.any(tt < 0.0):
        raise ValueError(f"{what} must be >= 0 years (dates on or after the curve anchor)")
    return tt


def _check_compounding(compounding: str) -> None:
    if compounding not in COMPOUNDINGS:
        raise ValueError(f"unknown compounding {compounding!r}; expected one of {COMPOUNDINGS}")


def _from_continuous(zc: FloatArray, tau: FloatArray, compounding: str) -> FloatArray:
    """Convert continuously compounded rates over periods ``tau`` (years) to ``compounding``.

    The conversions are exact identities on the growth factor ``exp(zc * tau)``; ``expm1`` keeps
    them accurate for tiny rates and periods, and the simple rate's ``tau -> 0`` limit is ``zc``.
    """
    if compounding == "continuous":
        return zc
    if compounding == "annual":
        return np.expm1(zc)
    if compounding == "semiannual":
        return 2.0 * np.expm1(zc / 2.0)
    growth_m1 = np.expm1(zc * tau)
    return np.divide(growth_m1, tau, out=np.array(zc, dtype=np.float64, copy=True), where=tau > 0)


# --------------------------------------------------------------------------------------------
# the curve
# --------------------------------------------------------------------------------------------
class YieldCurve:
    """Immutable discount curve on the package's ACT/365F time axis.

    Parameters
    ----------
    anchor
        Anchor (valuation) date: ``int`` day serial, ``datetime.date`` or ISO string. ``t = 0``.
    times
        Node times in years from the anchor (ACT/365F), strictly increasing and positive. A
        leading node at ``t = 0`` is accepted only with discount factor 1 (and dropped).
    discounts
        Node discount factors (positive, finite), same length as ``times``.
    interpolation
        ``"log_linear_df"`` (default), ``"linear_zero"`` or ``"monotone_cubic_zero"``; see the
        module docstring. Extrapolation beyond the last node is flat instantaneous forward.

    Notes
    -----
    All queries are vectorised over arrays of times (years) or dates (day serials) and return
    arrays of the input's shape. Queries before the anchor (``t < 0``) raise ``ValueError``.
    A curve returned by :meth:`shifted` / :meth:`shifted_parallel` keeps the base nodes and
    carries the zero-rate shift exactly (the tents' kinks need not sit on nodes).
    """

    __slots__ = (
        "_anchor",
        "_discounts",
        "_f_last",
        "_grid",
        "_interp",
        "_lndf",
        "_spreads",
        "_times",
        "_zero_slopes",
        "_zeros",
    )
    # Declared for the type checker; set once in __init__ through object.__setattr__.
    _anchor: int
    _discounts: FloatArray
    _f_last: float
    _grid: FloatArray
    _interp: Interpolation
    _lndf: FloatArray
    _spreads: tuple[_SpreadLayer, ...]
    _times: FloatArray
    _zero_slopes: FloatArray
    _zeros: FloatArray

    def __init__(
        self,
        anchor: Any,
        times: npt.ArrayLike,
        discounts: npt.ArrayLike,
        interpolation: Interpolation = "log_linear_df",
        *,
        _spreads: tuple[_SpreadLayer, ...] = (),
    ) -> None:
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"unknown interpolation {interpolation!r}; expected one of {INTERPOLATIONS}"
            )
        t = np.asarray(times, dtype=np.float64)
        df = np.asarray(discounts, dtype=np.float64)
        if t.ndim != 1 or df.ndim != 1 or t.shape != df.shape or t.size == 0:
            raise ValueError("times and discounts must be non-empty 1-D arrays of equal length")
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(df))):
            raise ValueError("curve node times and discount factors must be finite (no NaN/inf)")
        if np.any(df <= 0.0):
            raise ValueError("discount factors must be strictly positive")
        if t[0] == 0.0:
            # DF(0) = 1 by definition; tolerate it as an explicit node but nothing else.
            if abs(df[0] - 1.0) > 1e-14:
                raise ValueError("a node at t = 0 must have discount factor 1")
            t, df = t[1:], df[1:]
            if t.size == 0:
                raise ValueError("the curve needs at least one node with t > 0")
        if np.any(t <= 0.0):
            raise ValueError("node times must be positive (years after the anchor)")
        if np.any(np.diff(t) <= 0.0):
            raise ValueError("node times must be strictly increasing")

        grid = np.concatenate(([0.0], t))
        lndf = np.concatenate(([0.0], np.log(df)))
        zeros = np.empty_like(grid)
        zeros[1:] = -lndf[1:] / t
        zeros[0] = zeros[1]  # flat zero before the first node
        if interpolation == "monotone_cubic_zero":
            zero_slopes = _monotone_slopes(grid, zeros)
        else:
            zero_slopes = np.diff(zeros) / np.diff(grid)  # per segment (linear_zero)

        # Instantaneous forward at the last node from the left: held flat beyond it.
        h_last = grid[-1] - grid[-2]
        if interpolation == "log_linear_df":
            f_last = -(lndf[-1] - lndf[-2]) / h_last
        else:
            # f = z + t z'; z' is the last segment's slope (linear) or the last node's (cubic).
            f_last = zeros[-1] + grid[-1] * zero_slopes[-1]

        layers = tuple((_readonly(k), _readonly(b)) for k, b in _spreads)
        setter = object.__setattr__
        setter(self, "_anchor", _as_day(anchor))
        setter(self, "_interp", interpolation)
        setter(self, "_times", _readonly(t))
        setter(self, "_discounts", _readonly(df))
        setter(self, "_grid", _readonly(grid))
        setter(self, "_lndf", _readonly(lndf))
        setter(self, "_zeros", _readonly(zeros))
        setter(self, "_zero_slopes", _readonly(zero_slopes))
        setter(self, "_f_last", float(f_last))
        setter(self, "_spreads", layers)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("YieldCurve is immutable; use shifted()/shifted_parallel()")

    def __reduce__(self) -> tuple[Any, ...]:
        # Immutable + __slots__: pickle (multiprocessing scenario runs) via the constructor.
        return (_rebuild, (self._anchor, self._times, self._discounts, self._interp, self._spreads))

    #: Key-rate tent weights, see :func:`tent_weights`.
    tent_weights = staticmethod(tent_weights)

    def __repr__(self) -> str:
        return (
            f"YieldCurve(anchor={to_iso([self._anchor])[0]}, nodes={self._times.size}, "
            f"last={self._times[-1]:.4f}y, interpolation={self._interp!r}, "
            f"shift_layers={len(self._spreads)})"
        )

    # ---------------------------------------------------------------- properties
    @property
    def anchor(self) -> int:
        """Anchor date as a day serial (``t = 0``)."""
        return self._anchor

    @property
    def interpolation(self) -> str:
        """Interpolation name."""
        return self._interp

    @property
    def node_times(self) -> FloatArray:
        """Node times in years (ACT/365F from the anchor), read-only."""
        return self._times

    @property
    def node_discounts(self) -> FloatArray:
        """Discount factors at the node times (including any shift)."""
        return self.discount(self._times)

    @property
    def node_zero_rates(self) -> FloatArray:
        """Continuously compounded zero rates (decimal) at the node times (including any shift)."""
        return self.zero_rate(self._times)

    @property
    def is_shifted(self) -> bool:
        """True when the curve carries zero-rate shift layers on top of its nodes."""
        return bool(self._spreads)

    # ---------------------------------------------------------------- core evaluation
    def _base_eval(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``ln DF`` and instantaneous forward (continuous, decimal) of the unshifted curve.

        ``t`` is flat, finite and ``>= 0``. Segment ``i`` covers ``(grid[i-1], grid[i]]`` so the
        forwards are left-continuous at the nodes.
        """
        grid, n = self._grid, self._grid.size - 1
        seg = np.clip(np.searchsorted(grid, t, side="left"), 1, n)
        t0 = grid[seg - 1]
        h = grid[seg] - t0
        dt = t - t0
        if self._interp == "log_linear_df":
            slope = (self._lndf[seg] - self._lndf[seg - 1]) / h
            lndf = self._lndf[seg - 1] + slope * dt
            fwd = -slope
        elif self._interp == "linear_zero":
            zs = self._zero_slopes[seg - 1]
            z = self._zeros[seg - 1] + zs * dt
            lndf = -z * t
            fwd = z + t * zs
        else:
            s = dt / h
            z0, z1 = self._zeros[seg - 1], self._zeros[seg]
            m0, m1 = self._zero_slopes[seg - 1] * h, self._zero_slopes[seg] * h
            one_m = 1.0 - s
            z = (
                (1.0 + 2.0 * s) * one_m**2 * z0
                + s * one_m**2 * m0
                + s**2 * (3.0 - 2.0 * s) * z1
                + s**2 * (s - 1.0) * m1
            )
            # dz/dt: derivative of the Hermite basis in s, divided by h.
            dz_ds = (
                6.0 * s * (s - 1.0) * (z0 - z1)
                + (3.0 * s**2 - 4.0 * s + 1.0) * m0
                + (3.0 * s**2 - 2.0 * s) * m1
            )
            dz = dz_ds / h
            lndf = -z * t
            fwd = z + t * dz
        beyond = t > grid[-1]
        if np.any(beyond):
            # Flat-forward extrapolation from the last node.
            lndf = np.where(beyond, self._lndf[-1] - self._f_last * (t - grid[-1]), lndf)
            fwd = np.where(beyond, self._f_last, fwd)
        return lndf, fwd

    def _eval(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``ln DF`` and instantaneous forward including shift layers (flat ``t``)."""
        lndf, fwd = self._base_eval(t)
        for keys, bumps in self._spreads:
            s = bumps @ tent_weights(t, keys)
            ds = bumps @ _tent_slopes(t, keys)
            # z' = z + s  =>  ln DF' = ln DF - s t,  f' = f + d(s t)/dt = f + s + t s'
            lndf = lndf - s * t
            fwd = fwd + s + t * ds
        return lndf, fwd

    # ---------------------------------------------------------------- public queries
    def time(self, days: npt.ArrayLike) -> FloatArray:
        """Curve time in years (ACT/365F) of day serials ``days`` from the anchor."""
        return year_fraction_act365(self._anchor, to_days(np.asarray(days)))

    def discount(self, t: npt.ArrayLike) -> FloatArray:
        """Discount factors at times ``t`` (years from the anchor), same shape as ``t``."""
        tt = _as_times(t)
        lndf, _ = self._eval(tt.ravel())
        return np.exp(lndf).reshape(tt.shape)

    def discount_at(self, days: npt.ArrayLike) -> FloatArray:
        """Discount factors at dates (day serials, on or after the anchor)."""
        return self.discount(self.time(days))

    def zero_rate(self, t: npt.ArrayLike, compounding: Compounding = "continuous") -> FloatArray:
        """Zero rates (decimal) to times ``t`` (years) under ``compounding``.

        ``"continuous"``: ``-ln DF / t``; ``"annual"`` / ``"semiannual"``:
        ``DF = (1 + z/m)^(-m t)`` with m = 1 / 2; ``"simple"``: ``DF = 1 / (1 + z t)``.
        At ``t = 0`` the ``t -> 0`` limit is returned (the instantaneous forward at the anchor,
        converted).
        """
        _check_compounding(compounding)
        tt = _as_times(t)
        flat = tt.ravel()
        lndf, fwd = self._eval(flat)
        zc = np.divide(-lndf, flat, out=fwd.copy(), where=flat > 0.0)
        return _from_continuous(zc, flat, compounding).reshape(tt.shape)

    def forward_rate(
        self, t1: npt.ArrayLike, t2: npt.ArrayLike, compounding: Compounding = "continuous"
    ) -> FloatArray:
        """Forward rates (decimal) for the periods ``[t1, t2]`` (years, ``t2 > t1``, broadcast).

        Defined by ``DF(t2) / DF(t1) = exp(-f (t2 - t1))`` (continuous), ``1 / (1 + f tau)``
        (simple) or ``(1 + f/m)^(-m tau)`` (annual m=1, semiannual m=2).
        """
        _check_compounding(compounding)
        a, b = np.broadcast_arrays(_as_times(t1, "t1"), _as_times(t2, "t2"))
        if np.any(b <= a):
            raise ValueError("forward_rate needs t2 > t1")
        shape = a.shape
        la, _ = self._eval(a.ravel())
        lb, _ = self._eval(b.ravel())
        tau = (b - a).ravel()
        fc = (la - lb) / tau
        return _from_continuous(fc, tau, compounding).reshape(shape)

    def instantaneous_forward(self, t: npt.ArrayLike) -> FloatArray:
        """Instantaneous forward ``-d ln DF / dt`` (continuous, decimal) at ``t`` (years).

        Left-continuous at nodes (the forward of the segment ending there).
        """
        tt = _as_times(t)
        _, fwd = self._eval(tt.ravel())
        return fwd.reshape(tt.shape)

    def par_rate(
        self,
        payment_times: npt.ArrayLike,
        accruals: npt.ArrayLike,
        start: npt.ArrayLike = 0.0,
    ) -> FloatArray:
        """Par rate of a fixed-vs-curve swap / par bond (decimal per accrual year).

        ``(DF(start) - DF(t_n)) / sum_i accrual_i DF(t_i)``.

        Parameters
        ----------
        payment_times
            Payment times in years, shape ``(..., n)``; the last entry along the last axis is
            the final payment (where the notional is exchanged).
        accruals
            Accrual fractions (years under the leg's day count), same shape as ``payment_times``.
            Padding entries may carry accrual 0.
        start
            Start time(s) in years, broadcast against the leading axes.

        Returns
        -------
        numpy.ndarray
            Par rates, shape ``payment_times.shape[:-1]``.
        """
        pt = _as_times(payment_times, "payment_times")
        acc = np.asarray(accruals, dtype=np.float64)
        if pt.ndim == 0 or pt.shape[-1] == 0 or acc.shape != pt.shape:
            raise ValueError("payment_times and accruals must be equal-shape arrays (..., n>=1)")
        df = self.discount(pt)
        annuity = np.sum(acc * df, axis=-1)
        return (self.discount(start) - df[..., -1]) / annuity

    # ---------------------------------------------------------------- shifts
    def shifted(self, key_tenors: npt.ArrayLike, bumps: npt.ArrayLike) -> YieldCurve:
        """New curve with zero rates shifted by ``sum_k bumps[k] * tent_k(t)``.

        Parameters
        ----------
        key_tenors
            Strictly increasing key tenors in years, shape ``(n_keys,)``.
        bumps
            Continuously compounded zero-rate bumps (decimal, 1bp = 1e-4), shape ``(n_keys,)``.
        """
        keys = _as_keys(key_tenors)
        b = np.asarray(bumps, dtype=np.float64)
        if b.shape != keys.shape or not np.all(np.isfinite(b)):
            raise ValueError("bumps must be finite with one entry per key tenor")
        return YieldCurve(
            self._anchor,
            self._times,
            self._discounts,
            self._interp,
            _spreads=(*self._spreads, (keys, b)),
        )

    def shifted_parallel(self, dz: float) -> YieldCurve:
        """New curve with every continuously compounded zero rate shifted by ``dz`` (decimal)."""
        return self.shifted([0.0], [float(dz)])

    def discount_shifted(
        self, t: npt.ArrayLike, key_tenors: npt.ArrayLike, bump_matrix: npt.ArrayLike
    ) -> FloatArray:
        """Discount factors under many key-rate shifts at once (the KRD / stress hot path).

        Parameters
        ----------
        t
            Times in years, any shape.
        key_tenors
            Strictly increasing key tenors in years, shape ``(n_keys,)``.
        bump_matrix
            Zero-rate bumps (decimal, continuous), shape ``(n_shifts, n_keys)``; a 1-D array is
            one shift.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_shifts, *t.shape)``:
            ``DF(t) * exp(-(bump_matrix @ tent_weights(t, key_tenors)) * t)``.
        """
        tt = _as_times(t)
        keys = _as_keys(key_tenors)
        bm = np.atleast_2d(np.asarray(bump_matrix, dtype=np.float64))
        if bm.ndim != 2 or bm.shape[1] != keys.size:
            raise ValueError(f"bump_matrix must have shape (n_shifts, {keys.size})")
        flat = tt.ravel()
        lndf, _ = self._eval(flat)
        # One expression: (n_shifts, n_keys) @ (n_keys, n_t) -> zero shifts per scenario and time.
        out = np.exp(lndf - (bm @ tent_weights(flat, keys)) * flat)
        return out.reshape((bm.shape[0], *tt.shape))


def _rebuild(
    anchor: int,
    times: FloatArray,
    discounts: FloatArray,
    interpolation: Interpolation,
    spreads: tuple[_SpreadLayer, ...],
) -> YieldCurve:
    return YieldCurve(anchor, times, discounts, interpolation, _spreads=spreads)


def curve_from_zero_rates(
    anchor: Any,
    times: npt.ArrayLike,
    zeros: npt.ArrayLike,
    interpolation: Interpolation = "log_linear_df",
) -> YieldCurve:
    """Curve whose nodes carry the given continuously compounded zero rates.

    Parameters
    ----------
    anchor
        Anchor date (day serial, ``datetime.date`` or ISO string).
    times
        Node times in years (ACT/365F), strictly increasing and positive.
    zeros
        Continuously compounded zero rates (decimal) at the nodes.
    interpolation
        See :class:`YieldCurve`.
    """
    t = np.asarray(times, dtype=np.float64)
    z = np.asarray(zeros, dtype=np.float64)
    if t.shape != z.shape:
        raise ValueError("times and zeros must have the same shape")
    if not np.all(np.isfinite(z)):
        raise ValueError("zero rates must be finite (no NaN/inf)")
    return YieldCurve(anchor, t, np.exp(-z * t), interpolation)

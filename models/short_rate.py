"""Hull-White one-factor short-rate model fitted exactly to today's curve.

Model: ``r(t) = x(t) + phi(t)`` with ``dx = -a x dt + sigma dW``, ``x(0) = 0``; ``a`` is the mean
reversion (per year) and ``sigma`` the absolute (normal) volatility of the short rate (decimal per
sqrt(year): 0.01 = 100 bp a year). ``phi`` is chosen so the model reprices the discount curve
exactly (numerically on the lattice, analytically on the Monte Carlo paths).

Two discretisations share the parameters:

* :class:`TrinomialTree` -- a recombining trinomial lattice on any time grid, built the way
  QuantLib builds its Hull-White tree (node spacing ``sqrt(3 V(dt))`` with ``V`` the exact OU
  variance over the step, branching to the node nearest the exact conditional mean, ``phi`` fitted
  step by step by forward induction of Arrow-Debreu prices). Several curves (e.g. key-rate shifted
  ones) are fitted at once on the same ``x`` lattice.
* :func:`simulate_x` -- exact OU paths on a grid (antithetic normals, or scrambled Sobol points
  through :mod:`scipy.stats.qmc`), and :func:`path_deflators` which turns them into discount
  factors that reprice the curve exactly in expectation.

Times are years on the curve's ACT/365F axis; rates are continuously compounded decimals.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hedge_planner.models import lattice_kernels
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.trinomial_levels import levels

logger = logging.getLogger(__name__)

#: Default mean reversion, per year.
DEFAULT_MEAN_REVERSION = 0.03
#: Default absolute short-rate volatility, decimal per sqrt(year) (100 bp).
DEFAULT_VOLATILITY = 0.01
#: Probability of reaching a lattice node below which a rollback may leave it out.
BAND_PROBABILITY = 1e-30
#: Trees at most this wide (nodes) roll back every node.
BAND_MIN_WIDTH = 128


@dataclass(frozen=True)
class HullWhite:
    """Hull-White one-factor parameters.

    Attributes
    ----------
    mean_reversion
        ``a``, per year (>= 0).
    volatility
        ``sigma``, absolute normal volatility of the short rate, decimal per sqrt(year) (>= 0).
    """

    mean_reversion: float = DEFAULT_MEAN_REVERSION
    volatility: float = DEFAULT_VOLATILITY

    def __post_init__(self) -> None:
        if not (np.isfinite(self.mean_reversion) and self.mean_reversion >= 0):
            raise AnalyticsError(f"mean reversion must be >= 0, got {self.mean_reversion}")
        if not (np.isfinite(self.volatility) and self.volatility >= 0):
            raise AnalyticsError(f"volatility must be >= 0, got {self.volatility}")

    def variance(self, dt: npt.ArrayLike) -> FloatArray:
        """Exact variance of ``x`` over a step ``dt`` (years): ``sigma^2 (1 - e^{-2a dt}) / 2a``."""
        dt = np.asarray(dt, dtype=np.float64)
        a, s = self.mean_reversion, self.volatility
        if a < 1e-12:
            return np.asarray(s * s * dt)
        return np.asarray(s * s * -np.expm1(-2.0 * a * dt) / (2.0 * a))

    def b(self, tau: npt.ArrayLike) -> FloatArray:
        """``B(tau) = (1 - e^{-a tau}) / a`` (``tau`` when ``a = 0``), years."""
        tau = np.asarray(tau, dtype=np.float64)
        a = self.mean_reversion
        return np.asarray(tau if a < 1e-12 else -np.expm1(-a * tau) / a)

    def log_bond_adjustment(self, t: npt.ArrayLike, tau: npt.ArrayLike) -> FloatArray:
        """Deterministic part of ``ln P(t, t + tau)`` beyond the forward ratio, given ``x(t)``.

        ``P(t, t+tau | x) = P(0, t+tau) / P(0, t) * exp(-B(tau) x - B(tau) c(t) - v(t) B(tau)^2)``
        with ``c(t) = sigma^2 (1 - e^{-a t})^2 / (2 a^2)`` and
        ``v(t) = sigma^2 (1 - e^{-2 a t}) / 4a``
        (Brigo-Mercurio, eq. 3.39, written in ``x``); this returns ``-B c - v B^2``.
        """
        t = np.asarray(t, dtype=np.float64)
        bb = self.b(tau)
        c = 0.5 * self.b(t) ** 2 * self.volatility**2
        v = 0.5 * self.variance(t)
        return np.asarray(-bb * c - v * bb * bb)


def time_grid(mandatory: npt.ArrayLike, steps: int) -> FloatArray:
    """A time grid through every mandatory time, QuantLib ``TimeGrid`` style.

    The largest step is ``last / steps``; each interval between consecutive mandatory times is
    cut into ``max(round(length / dt_max), 1)`` equal steps. Starts at 0.

    Parameters
    ----------
    mandatory
        Times (years) that must be grid points; non-positive ones are ignored.
    steps
        Number of steps the grid would have if there were no mandatory times but the last.
    """
    times = np.unique(np.asarray(mandatory, dtype=np.float64))
    times = times[times > 0]
    if times.size == 0 or steps < 1:
        raise AnalyticsError("a time grid needs a positive time and at least one step")
    dt_max = times[-1] / steps
    out = [np.zeros(1)]
    begin = 0.0
    for end in times:
        n = max(int((end - begin) / dt_max + 0.5), 1)
        out.append(begin + (end - begin) / n * np.arange(1, n + 1))
        begin = float(end)
    return np.concatenate(out)


class TrinomialTree:
    """Hull-White trinomial lattice on a time grid, ``x`` nodes shared by every fitted curve.

    Parameters
    ----------
    model
        Hull-White parameters.
    grid
        Increasing times from 0 (years), e.g. from :func:`time_grid`.

    Attributes
    ----------
    x
        ``x`` value of each node per level (list of arrays; level ``i`` is time ``grid[i]``).
    child
        Middle child index (in level ``i+1``) of each node of level ``i``.
    prob
        Branching probabilities ``(3, n_i)`` to children ``child-1, child, child+1``.
    scale
        None, or ``(R,)`` per-row multipliers of ``x`` (:meth:`rescaled`): row ``r`` is the tree
        of sigma ``scale[r] * model.volatility`` (:meth:`node_x`).
    """

    def __init__(self, model: HullWhite, grid: npt.ArrayLike) -> None:
        g = np.asarray(grid, dtype=np.float64)
        if g.ndim != 1 or g.size < 2 or g[0] != 0.0 or np.any(np.diff(g) <= 0):
            raise AnalyticsError("the lattice grid must start at 0 and increase")
        self.model = model
        self.grid = g
        self.dt = np.diff(g)
        self.scale: FloatArray | None = None
        variances = model.variance(self.dt).tolist()  # elementwise: equal to step by step
        self.x, self.child, self.prob = levels(model.mean_reversion, variances, self.dt)
        self._contiguous = _contiguity(self.child)
        logger.debug("trinomial tree: %d steps, widest level %d nodes", len(self.dt), self.width)

    def rescaled(self, sigmas: npt.ArrayLike) -> TrinomialTree:
        """The same lattice with one row per volatility ``sigmas (R,)`` (decimal, >= 0).

        The branching (middle child, probabilities) of a Hull-White tree depends on ``a dt``
        only: the node spacing ``sqrt(3 V(dt))``, the conditional mean ``x e^{-a dt}`` and the
        offset ``e`` all scale with ``sigma``, so ``k = floor(mean / dx + 1/2)`` and ``e^2 / V``
        do not. The tree of ``sigma`` is therefore this tree with every ``x`` multiplied by
        ``sigma / model.volatility`` (to rounding; a row at the tree's own sigma is this tree bit
        for bit). ``sigma = 0`` gives ``x = 0`` at every node: values equal across a level and
        probabilities summing to 1 make it the zero-volatility tree (to rounding). Rows share
        the levels, so curves fitted and bonds rolled back at several sigmas go in one pass
        (``phi (R, N)``, values ``(R, B, n)``).
        """
        sig = np.asarray(sigmas, dtype=np.float64).ravel()
        if np.any(~np.isfinite(sig)) or np.any(sig < 0):
            raise AnalyticsError("volatilities must be finite and >= 0")
        ref = self.model.volatility
        if ref <= 0.0 and np.any(sig > 0):
            raise AnalyticsError("a zero-volatility tree cannot be rescaled to a positive sigma")
        out = copy.copy(self)
        out.__dict__.pop("_node_discounts", None)
        out.scale = sig / ref if ref > 0.0 else np.ones_like(sig)
        return out

    def row_slice(self, rows: slice) -> TrinomialTree:
        """The tree of rows ``rows`` (itself unless rescaled: every row is then the same)."""
        if self.scale is None:
            return self
        out = copy.copy(self)
        out.__dict__.pop("_node_discounts", None)
        out.scale = self.scale[rows]
        return out

    def node_x(self, i: int) -> FloatArray:
        """``x`` of level ``i``'s nodes per row, ``(R, n_i)`` (``R = 1`` unless rescaled)."""
        x = self.x[i][None, :]
        return x if self.scale is None else np.asarray(self.scale[:, None] * x)

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return len(self.dt)

    @property
    def width(self) -> int:
        """Nodes on the widest level."""
        return max(len(x) for x in self.x)

    def fit(self, discounts: npt.ArrayLike) -> FloatArray:
        """``phi`` per step that reprices each curve's discount factors at the grid times.

        Parameters
        ----------
        discounts
            ``(S, n_steps)`` discount factors at ``grid[1:]`` of ``S`` curves (one row per curve).

        Returns
        -------
        numpy.ndarray
            ``(S, n_steps)``: the short rate at node ``j`` of level ``i`` is
            ``x[i][j] + phi[:, i]``.
        """
        df = np.atleast_2d(np.asarray(discounts, dtype=np.float64))
        if df.shape[1] != self.n_steps:
            raise AnalyticsError(f"need discount factors at {self.n_steps} grid times")
        n_curves = df.shape[0]
        if lattice_kernels.enabled():
            return lattice_kernels.fit(self, df)
        phi = np.empty((n_curves, self.n_steps))
        q = np.ones((n_curves, 1))  # Arrow-Debreu prices of level 0
        for i, dt in enumerate(self.dt):
            # exp(-x dt): kept for the rollbacks on this tree; q ex once (the same product)
            qe = q * self._node_discount(i)
            phi[:, i] = np.log(qe.sum(axis=1) / df[:, i]) / dt
            q = self.forward(qe * np.exp(-phi[:, i : i + 1] * dt), i)
        return phi

    def forward(self, w: FloatArray, i: int) -> FloatArray:
        """State prices at level ``i + 1`` from ``w`` ``(R, n_i)`` at level ``i``: each node's
        value spread to its three children with the branch probabilities, ``(R, n_{i+1})``."""
        n_r, n_next = w.shape[0], len(self.x[i + 1])
        k, p = self.child[i], self.prob[i]
        if self._contiguous[i]:  # distinct children: a slice adds exactly like add.at
            nxt = np.zeros((n_r, n_next))
            lo, n = int(k[0]), len(k)
            for m in range(3):
                nxt[:, lo + m - 1 : lo + m - 1 + n] += w * p[m]
            return nxt
        # Shared children: every (row, child) sums its parents' shares from 0 in the order
        # branch m = 0, 1, 2, then node, as np.add.at over the branches did (bincount adds in
        # input order: the same sums, bit for bit, at a third of add.at's cost).
        flat = np.arange(n_r)[:, None, None] * n_next + (k + np.arange(-1, 2)[:, None])[None]
        shares = w[:, None, :] * p[None, :, :]  # (R, 3, n_i): w p_m, as before
        out = np.asarray(  # float64 already (weighted counts): no copy
            np.bincount(flat.ravel(), shares.ravel(), minlength=n_r * n_next), dtype=np.float64
        )
        return out.reshape(n_r, n_next)

    def rollback(
        self,
        values: FloatArray,
        i: int,
        phi_i: FloatArray,
        spread: FloatArray,
        per_curve: FloatArray | None = None,
    ) -> FloatArray:
        """Values at level ``i`` from values at level ``i + 1``: discounted expectation.

        Parameters
        ----------
        values
            ``(S, B, n_{i+1})`` values at level ``i + 1`` (``S`` curves, ``B`` instruments).
        i
            Level to roll back to.
        phi_i
            ``(S,)`` fitted ``phi`` of step ``i`` per curve.
        spread
            ``(S, B)`` spread added to the short rate (the OAS), decimal continuous.
        per_curve
            ``exp(-(phi_i + spread) dt_i)`` ``(S, B)`` when the caller has it (computed here
            otherwise, the same operations).
        """
        k = self.child[i]
        p = self.prob[i]
        # In place, term by term: the same operations in the same order as the plain
        # expression (p0 a + p1 b + p2 c) * node * curve, with a third of the temporaries.
        if self._contiguous[i]:  # children of consecutive nodes are consecutive: slices
            lo, n = int(k[0]), len(k)
            cont = p[0] * values[..., lo - 1 : lo - 1 + n]
            cont += p[1] * values[..., lo : lo + n]
            cont += p[2] * values[..., lo + 1 : lo + 1 + n]
        else:
            cont = p[0] * values[..., k - 1]
            cont += p[1] * values[..., k]
            cont += p[2] * values[..., k + 1]
        # exp(-(x + phi + s) dt) factorises: one exp per node, per curve and per bond.
        if per_curve is None:
            per_curve = np.exp(-(phi_i[:, None] + spread) * self.dt[i])  # (S, B)
        cont *= self._node_discount(i)[:, None, :]
        cont *= per_curve[:, :, None]
        return cont

    def band(self, i: int) -> tuple[int, int]:
        """Nodes ``[lo, hi)`` of level ``i`` a rollback carries (:meth:`rollback_band`).

        A node whose probability of being reached (the branching probabilities from the root,
        no discounting) is below :data:`BAND_PROBABILITY` is left out, except middle children
        of kept nodes; trees no wider than :data:`BAND_MIN_WIDTH` keep every node. A kept
        node's value depends on a left-out one only through an outer child at the band's edge,
        itself reached with probability below the threshold: the root's value moves by less
        than ``levels x 2 x 1e-30`` of the largest value (times the discounting along the
        way), far below rounding, while the far tails of a wide Hull-White tree (909 nodes at
        15 years for ``a = 0.03``, of which about 240 carry 1e-30) cost nothing.
        """
        bands: list[tuple[int, int]] | None = self.__dict__.get("_bands")
        if bands is None:
            bands = self._bands = self._compute_bands()
        return bands[i]

    def _compute_bands(self) -> list[tuple[int, int]]:
        full = [(0, len(x)) for x in self.x]
        if self.width <= BAND_MIN_WIDTH:
            return full
        if lattice_kernels.enabled():
            return lattice_kernels.bands(self, BAND_PROBABILITY)
        bands = [full[0]]
        reach = np.ones((1, 1))
        for i in range(self.n_steps):
            reach = self.forward(reach, i)
            kept = np.flatnonzero(reach[0] >= BAND_PROBABILITY)
            lo, hi = bands[i]
            mid = self.child[i][lo:hi]
            a = min(int(kept[0]) if kept.size else len(reach[0]), int(mid.min()))
            b = max(int(kept[-1]) + 1 if kept.size else 0, int(mid.max()) + 1)
            bands.append((a, b))
        return bands

    def rollback_band(
        self,
        values: FloatArray,
        i: int,
        phi_i: FloatArray,
        spread: FloatArray,
        per_curve: FloatArray | None = None,
    ) -> FloatArray:
        """:meth:`rollback` on bands (:meth:`band`): ``values (S, B, w_{i+1})`` on level
        ``i + 1``'s band to ``(S, B, w_i)`` on level ``i``'s. Where both bands are whole levels
        this is :meth:`rollback`; an outer child beyond the next band's edge takes the edge
        node's value (it is reached with probability below :data:`BAND_PROBABILITY`).
        ``per_curve`` as in :meth:`rollback`."""
        lo, hi = self.band(i)
        lo1, hi1 = self.band(i + 1)
        if hi - lo == len(self.x[i]) and hi1 - lo1 == len(self.x[i + 1]):
            return self.rollback(values, i, phi_i, spread, per_curve)
        k = self.child[i][lo:hi] - lo1  # into the band (k is non-decreasing)
        if k[0] >= 1 and k[-1] + 1 < values.shape[-1]:
            v = values  # every child inside the band: no edge copies needed
        else:  # pad with the edge values, one node either side
            v = np.concatenate([values[..., :1], values, values[..., -1:]], axis=-1)
            k = k + 1
        p = self.prob[i][:, lo:hi]
        if self._contiguous[i]:
            a, n = int(k[0]), hi - lo
            cont = p[0] * v[..., a - 1 : a - 1 + n]
            cont += p[1] * v[..., a : a + n]
            cont += p[2] * v[..., a + 1 : a + 1 + n]
        else:
            cont = p[0] * v[..., k - 1]
            cont += p[1] * v[..., k]
            cont += p[2] * v[..., k + 1]
        if per_curve is None:
            per_curve = np.exp(-(phi_i[:, None] + spread) * self.dt[i])  # (S, B)
        cont *= self._node_discount(i)[:, None, lo:hi]
        cont *= per_curve[:, :, None]
        return cont

    def _node_discount(self, i: int) -> FloatArray:
        """``exp(-x_j dt_i)`` ``(R, n_i)`` of level ``i``'s nodes (once per tree and level)."""
        cache: dict[int, FloatArray] = self.__dict__.setdefault("_node_discounts", {})
        if i not in cache:
            cache[i] = np.exp(-self.node_x(i) * self.dt[i])
        return cache[i]


def _contiguity(child: list[IntArray]) -> list[bool]:
    """Per level: the middle children of consecutive nodes are consecutive (every difference
    1), i.e. ``np.all(np.diff(k) == 1)`` of each level's ``k``, in one pass over all levels."""
    if not child:
        return []
    sizes = np.array([len(k) for k in child], dtype=np.int64)
    level = np.repeat(np.arange(sizes.size), sizes)
    gap = np.diff(np.concatenate(child)) != 1
    gap &= level[1:] == level[:-1]  # only pairs within one level count
    return (np.bincount(level[1:][gap], minlength=sizes.size) == 0).tolist()


# ------------------------------------------------------------------------------------------------
# Monte Carlo
# ------------------------------------------------------------------------------------------------


def normals(n_paths: int, n_steps: int, seed: int, method: str = "antithetic") -> FloatArray:
    """Standard normal draws ``(n_paths, n_steps)``.

    ``"antithetic"``: the second half of the paths are the negated first half (``n_paths`` even);
    ``"sobol"``: scrambled Sobol points (``scipy.stats.qmc``) mapped through the normal inverse,
    one dimension per step; ``"plain"``: independent draws.
    """
    if n_paths < 2:
        raise AnalyticsError(f"need at least 2 paths, got {n_paths}")
    if method == "antithetic":
        if n_paths % 2:
            raise AnalyticsError(f"antithetic sampling needs an even number of paths: {n_paths}")
        half = np.random.default_rng(seed).standard_normal((n_paths // 2, n_steps))
        return np.vstack([half, -half])
    if method == "sobol":
        from scipy.stats import norm, qmc

        u = qmc.Sobol(d=n_steps, scramble=True, seed=seed).random(n_paths)
        return np.asarray(norm.ppf(np.clip(u, 1e-12, 1 - 1e-12)))
    if method == "plain":
        return np.random.default_rng(seed).standard_normal((n_paths, n_steps))
    raise AnalyticsError(f"unknown sampling {method!r}: use antithetic, sobol or plain")


def simulate_x(model: HullWhite, grid: FloatArray, z: FloatArray) -> FloatArray:
    """Exact OU paths of ``x`` on ``grid`` (``x(0) = 0``) from normals ``z`` ``(P, len(grid)-1)``.

    Returns ``(P, len(grid))``.
    """
    dt = np.diff(grid)
    decay = np.exp(-model.mean_reversion * dt)
    sd = np.sqrt(model.variance(dt))
    x = np.zeros((z.shape[0], len(grid)))
    for j in range(len(dt)):
        x[:, j + 1] = x[:, j] * decay[j] + sd[j] * z[:, j]
    return x


def x_covariance(model: HullWhite, grid: FloatArray) -> FloatArray:
    """Covariance of ``x`` at the grid times: ``e^{-a |t_i - t_j|} Var(x(min(t_i, t_j)))``."""
    var = model.variance(grid)
    lo = np.minimum.outer(grid, grid)
    var_lo = np.interp(lo, grid, var)
    return np.asarray(
        np.exp(-model.mean_reversion * np.abs(np.subtract.outer(grid, grid))) * var_lo
    )


def integral_weights(grid: FloatArray, t: FloatArray) -> FloatArray:
    """Weights ``W (len(t), len(grid))`` with ``int_0^t x ds ~ W @ x`` (left Riemann sums, the
    last partial step at the left node's value)."""
    dt = np.diff(grid)
    j = np.clip(np.searchsorted(grid, t, side="right") - 1, 0, len(grid) - 1)
    w = np.zeros((len(t), len(grid)))
    cols = np.arange(len(grid) - 1)
    w[:, :-1] = np.where(cols[None, :] < j[:, None], dt[None, :], 0.0)
    w[np.arange(len(t)), j] += t - grid[j]
    return w


def path_factors(
    model: HullWhite, grid: FloatArray, x: FloatArray, t: FloatArray, match_moments: bool = True
) -> FloatArray:
    """Path factors ``exp(-Y_p(t) - Var(Y(t)) / 2)`` ``(P, len(t))``, ``Y(t) = int_0^t x ds``.

    The path discount factor to ``t`` is ``P(0, t)`` times this factor (:func:`path_deflators`):
    ``Y`` (discretised by :func:`integral_weights`) is Gaussian with mean 0, so the factor has
    expectation 1 whatever the grid and the deflators reprice the curve exactly in expectation;
    with zero volatility every factor is 1. The factor does not depend on the curve, so one set
    serves every shifted curve (common random numbers).

    With ``match_moments`` (default) each column is divided by its sample mean, so the sample of
    paths reprices the curve exactly, not only in expectation (the empirical martingale
    correction): it removes the discounting noise that dominates a pass-through's price error.
    """
    y, var = path_integrals(model, grid, x, t)
    return factors_from_integrals(y, var, match_moments)


def path_integrals(
    model: HullWhite, grid: FloatArray, x: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``Y_p(t) = int_0^t x ds`` ``(P, len(t))`` (:func:`integral_weights`) and its variance
    ``(len(t),)`` under ``model``: the two inputs of :func:`factors_from_integrals`. Both are
    linear in the paths, so paths scaled by ``c`` (another sigma, same normals) have ``c Y``
    and ``c^2 Var``."""
    w = integral_weights(grid, t)
    y = x @ w.T
    var = ((w @ x_covariance(model, grid)) * w).sum(axis=1)
    return np.asarray(y), np.asarray(var)


def factors_from_integrals(
    y: FloatArray, var: FloatArray, match_moments: bool = True
) -> FloatArray:
    """Path factors ``exp(-Y - Var / 2)`` (:func:`path_factors`) from :func:`path_integrals`."""
    factor = np.exp(-y - 0.5 * var[None, :])
    if match_moments:
        factor /= factor.mean(axis=0, keepdims=True)
    return np.asarray(factor)


def path_deflators(
    model: HullWhite,
    grid: FloatArray,
    x: FloatArray,
    t: FloatArray,
    discount: FloatArray,
    match_moments: bool = True,
) -> FloatArray:
    """Path discount factors ``(S, P, len(t))`` to times ``t`` under ``S`` curves whose discount
    factors at ``t`` are ``discount (S, len(t))``: ``P(0, t)`` times :func:`path_factors`."""
    factor = path_factors(model, grid, x, t, match_moments)
    return np.asarray(discount[:, None, :] * factor[None, :, :])


def scale_krds(krd: FloatArray, duration: FloatArray) -> FloatArray:
    """Key rate durations ``(B, K)`` scaled to sum to the parallel duration ``(B,)``.

    For an option-bearing instrument the key-rate central differences add up to the parallel
    one only to second order (the option's cross-curvature across keys); the usual convention,
    kept here, spreads that small remainder over the keys in proportion, so KRDs always sum to
    the option-adjusted duration. The unscaled sum stays within a few percent (tests show it).
    """
    total = krd.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(np.abs(total) > 1e-12, duration[:, None] / total, 1.0)
    return np.asarray(krd * factor)

"""Hard tracking-error limit, enforced exactly by outer approximation (HiGHS has no cones).

The tracking error splits into what the instruments can move and what they cannot
(:meth:`HedgeContext._reduce_factor_exposures`): ``TE(q)^2 = ||y(q)||^2 + K`` with
``y(q) = c + R q / scale`` affine and ``K`` constant (sector spreads, say). So the limit
``TE(q) * 1e4 / MV <= tracking_error_bp`` is the ball ``||y(q)|| <= rho`` with radius
``rho = sqrt(T^2 - K)`` (``T`` the limit in currency per year; no plan meets a limit with
``T^2 < K``, then ``rho = -sqrt(K - T^2) < 0``). The convex constraint is replaced by linear
cuts: at a point ``q_k`` the cut ``u_k' y(q) <= rho`` with ``u_k = y(q_k) / ||y(q_k)||`` is the
first-order expansion ``g(q_k) + grad g(q_k) (q - q_k) <= 0`` of ``g(q) = ||y(q)|| - rho``,
exact at ``q_k`` and valid everywhere (Cauchy-Schwarz), whatever the limit. The cut problem is
a relaxation of the true one: a solution of it that meets the true limit (checked on the
final quantities) is optimal for the true problem. The optimiser adds a cut at each solution
that violates the limit and re-solves
(:meth:`~hedge_planner.solvers.optimizer.HedgeOptimizer.solve`); with integer lots the loop
wraps the whole branch-and-bound, each cut being globally valid. Cutting the ball rather than
``TE`` itself matters: with a large unmovable ``K`` the linearisation of ``sqrt(K + ||y||^2)``
is nearly flat and the iterates zig-zag (measured on the example: 50+ rounds against a few).

The cut rows are pre-allocated cvxpy ``Parameter`` rows (``W q + h <= rho``; row 0 is always
``0 <= rho``, so a limit below ``sqrt(K)`` is infeasible at once), so a new cut re-fills the
generated HiGHS model (coefficient changes), never rebuilds it. ``rho`` is a Parameter derived
from the ``tracking_error_bp`` what-if parameter; the elastic slack on the rows is in units of
``rho`` (currency per year) and :meth:`TrackingErrorLimit.limit_move` converts it back to bp.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.solvers.terms import (
    Constraint,
    ConstraintReport,
    Limit,
    Params,
    ParamSpec,
    _binding,
    _scalar_param,
)

__all__ = ["TE_LIMIT_WEIGHT", "TrackingErrorLimit"]

logger = logging.getLogger(__name__)

#: Normalising weight of the limit in the minimal-violation problem: 100 bp per year of
#: tracking error counts like one year of duration (about what a one-year duration gap costs
#: at ~100 bp/yr rate volatility), per bp per year.
TE_LIMIT_WEIGHT = 1e-2


@dataclass
class TrackingErrorLimit(Constraint):
    """Post-hedge tracking error (factor model, bp per year of MV) <= ``tracking_error_bp``.

    Parameters
    ----------
    tracking_error_bp : float
        The limit, bp per year of the book's market value, >= 0.
    max_cuts : int
        Cut rows pre-allocated; a solve that needs more ends "error" (not proven).
    """

    tracking_error_bp: float
    max_cuts: int = 60
    name: str = field(default="tracking_error_bp", init=False)
    #: All cut rows share one elastic slack: the limit moves once, not once per cut.
    shared_slack: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        _scalar_param("tracking_error_bp", self.tracking_error_bp, True)
        if int(self.max_cuts) < 1:
            raise HedgeInputError("max_cuts", f"must be >= 1, got {self.max_cuts}")
        self.max_cuts = int(self.max_cuts)
        self._w: cp.Parameter | None = None
        self._h: cp.Parameter | None = None
        self._rho: cp.Parameter | None = None
        self._ctx: HedgeContext | None = None
        self.n_cuts = 0

    def param_specs(self) -> dict[str, ParamSpec]:
        return {
            "tracking_error_bp": _scalar_param("tracking_error_bp", self.tracking_error_bp, True)
        }

    def validate(self, params: Params) -> None:
        if params["tracking_error_bp"] < 0:
            raise HedgeInputError(
                "tracking_error_bp", f"must be >= 0, got {params['tracking_error_bp']}"
            )

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        self._ctx = ctx
        return [Limit(self.name, "tracking_error", TE_LIMIT_WEIGHT, "bp/yr")]

    def elastic_scale(self, ctx: HedgeContext) -> float:
        # The rows' slack is in units of the radius (currency/yr); d(TE_bp)/d(rho) <= 1e4/MV.
        return 1e4 / ctx.mv

    def _rows(self, n: int) -> tuple[cp.Parameter, cp.Parameter, cp.Parameter]:
        # Why: one set of Parameters for every problem built from the program (relaxed,
        # mixed-integer, node, elastic), so one cut fills all of them.
        if self._w is None or self._h is None or self._rho is None:
            k = self.max_cuts + 1
            self._w = cp.Parameter((k, n), name="te_cut_w", value=np.zeros((k, n)))
            self._h = cp.Parameter(k, name="te_cut_h", value=np.zeros(k))
            self._rho = cp.Parameter(name="te_radius", value=0.0)
        return self._w, self._h, self._rho

    def radius(self, ctx: HedgeContext, limit_bp: float) -> float:
        """``rho`` of a limit (bp/yr): ``sqrt(T^2 - K)``, negative when ``T^2 < K``."""
        t = float(limit_bp) * ctx.mv * 1e-4
        d = t * t - ctx.te_const
        return math.sqrt(d) if d >= 0 else -math.sqrt(-d)

    def limit_of_radius(self, ctx: HedgeContext, rho: float) -> float:
        """Inverse of :meth:`radius`, bp/yr."""
        d = ctx.te_const + (rho * rho if rho >= 0 else -rho * rho)
        return math.sqrt(max(d, 0.0)) * 1e4 / ctx.mv

    def sync(self, ctx: HedgeContext, params: Params) -> None:
        """Set the radius Parameter from the ``tracking_error_bp`` parameter."""
        _, _, rho = self._rows(ctx.n)
        rho.value = self.radius(ctx, float(params["tracking_error_bp"]))

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        w, h, rho = self._rows(ctx.n)
        return [w @ q + h <= rho]

    def value_bp(self, ctx: HedgeContext, q: np.ndarray) -> float:
        """Tracking error at ``q``, bp per year of MV (independent of the cuts)."""
        return ctx.tracking_error(q) * 1e4 / ctx.mv

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        v, lim = self.value_bp(ctx, q), float(params["tracking_error_bp"])
        return [ConstraintReport(self.name, lim, v, lim - v, _binding(lim - v, lim, v), "bp/yr")]

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        lim = float(params["tracking_error_bp"])
        ctx = self._ctx
        if ctx is None:
            raise RuntimeError("internal error: tracking-error limit used before compiling")
        return (
            "tracking_error_bp",
            None,
            lim,
            self.limit_of_radius(ctx, self.radius(ctx, lim) + slack),
        )

    # ------------------------------------------------------------------ cuts
    @property
    def full(self) -> bool:
        """True when every pre-allocated cut row is in use."""
        return self.n_cuts >= self.max_cuts

    def clear_cuts(self) -> None:
        """Empty every cut row (``0 <= limit``)."""
        if self._w is not None and self._h is not None and self.n_cuts:
            self._w.value = np.zeros(self._w.shape)
            self._h.value = np.zeros(self._h.shape)
        self.n_cuts = 0

    def add_cut(self, ctx: HedgeContext, q: np.ndarray) -> bool:
        """Add the supporting cut of the ball at ``q`` (False: no room, or nothing to cut).

        Parameters
        ----------
        ctx : HedgeContext
            The problem's numbers (factor model).
        q : numpy.ndarray
            Quantities (units) where the limit is violated.
        """
        w_par, h_par, _ = self._rows(ctx.n)
        y = ctx.te_c + ctx.te_rows @ (q / ctx.scale)
        norm = float(np.linalg.norm(y))
        if self.full or norm <= 0.0:
            return False
        u = y / norm
        w = np.array(w_par.value, dtype=float)
        h = np.array(h_par.value, dtype=float)
        row = 1 + self.n_cuts  # row 0 stays 0 <= rho
        w[row] = (u @ ctx.te_rows) / ctx.scale  # per unit
        h[row] = float(u @ ctx.te_c)
        w_par.value, h_par.value = w, h
        self.n_cuts += 1
        logger.debug("tracking-error cut %d at TE %.6g bp/yr", self.n_cuts, self.value_bp(ctx, q))
        return True

"""Hard tracking-error limit, enforced exactly by outer approximation (HiGHS has no cones).

The limit ``TE(q) = ||F' (a + B q)|| * 1e4 / MV <= tracking_error_bp`` is convex but not
linear. It is replaced by linear cuts: at a point ``q_k`` with exposure ``e_k = a + B q_k``
the cut

    (1e4 / MV) * (S e_k)' (a + B q) / sqrt(e_k' S e_k)  <=  tracking_error_bp

is the first-order expansion ``g(q_k) + grad g(q_k) (q - q_k) <= 0`` of
``g(q) = TE(q) - limit``; it is exact at ``q_k`` and valid everywhere (Cauchy-Schwarz in the
``S`` inner product: ``v' S e <= ||v||_S ||e||_S``), whatever the limit. So the cut problem
is a relaxation of the true one: a solution of the relaxation that meets the true limit
(checked on the final quantities) is optimal for the true problem. The optimiser adds a cut
at each solution that violates the limit and re-solves
(:meth:`~hedge_planner.solvers.optimizer.HedgeOptimizer.solve`); with integer lots the loop
wraps the whole branch-and-bound, each cut being globally valid.

The cut rows are pre-allocated cvxpy ``Parameter`` rows (``W q + h <= limit``; an unused row
is ``0 <= limit``), so a new cut re-fills the generated HiGHS model (coefficient changes),
never rebuilds it.
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
        return [Limit(self.name, "tracking_error", TE_LIMIT_WEIGHT, "bp/yr")]

    def _rows(self, n: int) -> tuple[cp.Parameter, cp.Parameter]:
        # Why: one set of Parameters for every problem built from the program (relaxed,
        # mixed-integer, node, elastic), so one cut fills all of them.
        if self._w is None or self._h is None:
            self._w = cp.Parameter(
                (self.max_cuts, n), name="te_cut_w", value=np.zeros((self.max_cuts, n))
            )
            self._h = cp.Parameter(self.max_cuts, name="te_cut_h", value=np.zeros(self.max_cuts))
        return self._w, self._h

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        w, h = self._rows(ctx.n)
        return [w @ q + h <= p["tracking_error_bp"]]

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
        return "tracking_error_bp", None, lim, lim + slack

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
        """Add the linearisation of the tracking error at ``q`` (False: no room, or TE 0).

        Parameters
        ----------
        ctx : HedgeContext
            The problem's numbers (factor model).
        q : numpy.ndarray
            Quantities (units) where the limit is violated.
        """
        w_par, h_par = self._rows(ctx.n)
        e = ctx.exposure(q)
        se = ctx.fcov @ e
        te = math.sqrt(max(float(e @ se), 0.0))
        if self.full or te <= 0.0:
            return False
        to_bp = 1e4 / ctx.mv
        w = np.array(w_par.value, dtype=float)
        h = np.array(h_par.value, dtype=float)
        w[self.n_cuts] = to_bp * (ctx.fload.T @ se) / te  # bp per unit
        h[self.n_cuts] = to_bp * float(ctx.fexp0 @ se) / te  # bp
        w_par.value, h_par.value = w, h
        self.n_cuts += 1
        logger.debug("tracking-error cut %d at TE %.6g bp/yr", self.n_cuts, te * to_bp)
        return True

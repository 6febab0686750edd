"""Minimal-violation diagnosis for infeasible hedge problems.

Every constraint element ``f(q) <= limit`` gets one elastic slack ``e >= 0``
(``f(q) <= limit + e``, :meth:`HedgeProgram.elastic`); limits are written in their own units,
so ``e`` is exactly how far that limit must move. The
elastic problem minimises ``sum_r weight_r * e_r`` where the weights normalise the slacks to a
common unit (years of duration): duration band, KRD tolerances: 1 per year; DV01 limits:
1 / (MV * 1e-4) per currency/bp; convexity floor: 1 per year^2; margin budget: 1 / budget
per currency (a fraction of the budget); tracking-error limit: 0.01 per bp/yr (its cut rows
share one slack, in units of the ball radius, see :mod:`hedge_planner.solvers.te_limit`,
cut again here until the elastic plan meets its moved limit). Instrument bounds and
integrality stay hard.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from hedge_planner.solvers.formulation import HedgeProgram
from hedge_planner.solvers.highs_backend import HighsModel, NodeOutcome
from hedge_planner.solvers.problem import FEAS_ATOL, FEAS_RTOL
from hedge_planner.solvers.standard_form import ParametricForm
from hedge_planner.solvers.te_limit import TE_LIMIT_WEIGHT, TrackingErrorLimit

__all__ = ["MinimalViolation", "Violation", "conflict", "moves_text"]

logger = logging.getLogger(__name__)

#: Cut rounds of the elastic problem before the TE move is read off the elastic plan.
_ELASTIC_CUT_ROUNDS = 30


@dataclass(frozen=True)
class Violation:
    """A limit that must move for the hedge problem to become feasible.

    Attributes
    ----------
    name : str
        Report name of the limit, e.g. ``"dv01_max"`` or ``"krd_tol[10Y]"``.
    family : str
        Constraint family ("duration_band", "dv01", "krd_tol", "convexity_floor",
        "margin_budget", "tracking_error").
    param : str
        What-if parameter holding the limit (``bucket`` indexes vector parameters).
    bucket : int or None
        Bucket index for ``krd_tol``.
    limit : float
        Current limit, ``units``.
    required : float
        Closest limit value that is feasible jointly with the other moves, ``units``. For
        ``tracking_error_bp`` it is the tracking error of the elastic plan after the cut
        rounds: sufficient, and equal to the minimum once the cuts have converged.
    move : float
        ``required - limit``, ``units``.
    units : str
        Units of the limit ("years", "currency/bp", "years^2", "currency").
    normalised : float
        Size of the move in the common normalised unit (years of duration).
    """

    name: str
    family: str
    param: str
    bucket: int | None
    limit: float
    required: float
    move: float
    units: str
    normalised: float


def moves_text(violations: list[Violation]) -> str:
    """``name: limit -> required units`` of each move, ``; ``-separated."""
    return "; ".join(f"{v.name}: {v.limit:.6g} -> {v.required:.6g} {v.units}" for v in violations)


def conflict(analysis: MinimalViolation | None) -> str:
    """``". Each alone restores feasibility: ..."`` when limits conflict, else ``""``."""
    alone = moves_text(analysis.alternatives) if analysis is not None else ""
    return f". Each alone restores feasibility: {alone}" if alone else ""


class MinimalViolation:
    """Elastic problem generated from :meth:`HedgeProgram.elastic` (built once, HiGHS).

    Parameters
    ----------
    program : HedgeProgram
        The compiled hedge program; the elastic problem shares its Parameters, so the
        limits in force are always the program's current ones.
    """

    def __init__(self, program: HedgeProgram) -> None:
        self.program = program
        el = program.elastic()
        self.form = ParametricForm(el.problem, [el.x, *el.slacks])
        x_cols = self.form.var_cols[0]
        self.x_cols = x_cols
        self.slack_cols = (
            np.concatenate(self.form.var_cols[1:]) if el.slacks else np.zeros(0, dtype=int)
        )
        self.model = HighsModel(self.form, x_cols[program.int_idx])
        self.plan: np.ndarray | None = None
        #: Limits that each alone restore feasibility (set by :meth:`solve`).
        self.alternatives: list[Violation] = []

    def solve(self, time_limit: float) -> tuple[list[Violation], float]:
        """Solve the elastic problem and list the limits that must move.

        Parameters
        ----------
        time_limit : float
            Seconds for all the elastic solves together (every TE cut round).

        Returns
        -------
        violations : list of Violation
            Limits to move (empty if none has to, e.g. an unbounded rather than infeasible
            problem).
        total : float
            Minimal sum of normalised violations (years-of-duration equivalents).

        Raises
        ------
        RuntimeError
            If even the elastic problem cannot be solved (instrument bounds/integrality alone
            leave no admissible hedge, which input validation should already exclude).
        """
        prog = self.program
        # One budget for all cut rounds (each round is a MILP when lots are integral).
        deadline = time.perf_counter() + time_limit
        for k in range(_ELASTIC_CUT_ROUNDS):
            left = deadline - time.perf_counter()
            x = self._solve_elastic(max(left, 1e-3)).x
            assert x is not None  # _solve_elastic refuses an outcome without a point
            slack = np.maximum(x[self.slack_cols], 0.0)
            if not self._cut(x, slack):
                break
            if time.perf_counter() >= deadline:
                logger.info("minimal violation: time limit after %d TE cut rounds", k + 1)
                break
        else:
            # Why: Kelley's cuts converge slowly on the linear elastic objective. The elastic
            # plan meets every other moved limit, so moving the TE limit to the plan's own TE
            # is sufficient (an upper estimate of the minimal move, never too small).
            logger.info("minimal violation: TE cut rounds exhausted; required TE from the plan")
        assert x is not None  # set (and checked) by the first round
        self._te_required(x, slack)
        #: Quantities (units) of the last elastic plan: they meet every limit once moved.
        self.plan = np.asarray(x[self.x_cols], dtype=np.float64) * prog.ctx.scale
        result = [v for k, e in enumerate(slack) if (v := self._violation(k, float(e)))]
        total = float(sum(v.normalised for v in result))
        # The conflict: every limit that alone restores feasibility, with its move.
        self.alternatives = self.single_moves(time_limit) if result else []
        return result, total

    def single_moves(self, time_limit: float) -> list[Violation]:
        """Each limit that ALONE can restore feasibility, with the amount it must move.

        For every limit element the elastic problem is solved with all other slacks fixed at
        zero (every other limit hard, instrument bounds and integrality kept): when it solves,
        that limit is in the conflict and moving it by its slack is enough. This names the
        limits that truly conflict (e.g. a margin budget too small for any hedge that meets the
        risk limits) even when the joint minimal-violation move, which prices each limit in
        normalised units, prefers moving another.

        Parameters
        ----------
        time_limit : float
            Seconds for all the solves together; limits left untried when it runs out are
            not listed.

        Returns
        -------
        list of Violation
            One per limit that alone restores feasibility, smallest normalised move first.
        """
        prog, model = self.program, self.model
        model.update()
        cols = self.slack_cols
        lo0, hi0 = model.col_lo[cols].copy(), model.col_hi[cols].copy()
        out: list[Violation] = []
        t0 = time.perf_counter()
        try:
            for k in range(len(cols)):
                left = time_limit - (time.perf_counter() - t0)
                if left <= 0:
                    logger.info(
                        "single-limit moves: time limit after %d of %d limits", k, len(cols)
                    )
                    break
                hi = np.zeros(len(cols))
                hi[k] = hi0[k]
                model.set_bounds(cols, lo0, hi)
                if len(prog.int_idx):
                    res, _, _ = model.solve_milp(1e-9, left)
                else:
                    res = model.run()
                if res.status != "optimal" or res.x is None:
                    continue
                slack = np.maximum(res.x[cols], 0.0)
                self._te_required(res.x, slack)
                v = self._violation(k, float(slack[k]))
                if v is not None:
                    out.append(v)
        finally:
            model.set_bounds(cols, lo0, hi0)
        return sorted(out, key=lambda v: v.normalised)

    def _violation(self, k: int, e: float) -> Violation | None:
        """Limit element ``k`` moved by its slack ``e`` (own units); ``None`` if ~zero."""
        prog = self.program
        lim = prog.limits[k]
        owner, j = prog.limit_owner[k]
        weight = lim.weight * owner.elastic_scale(prog.ctx)
        if e * weight <= 1e-9:
            return None
        param, bucket, limit, required = owner.limit_move(j, e, prog.params)
        return Violation(
            name=lim.name,
            family=lim.family,
            param=param,
            bucket=bucket,
            limit=limit,
            required=required,
            move=required - limit,
            units=lim.units,
            normalised=float(e * weight),
        )

    def _solve_elastic(self, time_limit: float) -> NodeOutcome:
        prog, model = self.program, self.model
        model.update()
        if len(prog.int_idx):
            out, _, nodes = model.solve_milp(1e-9, time_limit)
            logger.info("minimal violation: elastic MILP %s, %d nodes", out.status, nodes)
        else:
            out = model.run()
            logger.info("minimal violation: elastic LP %s", out.status)
        if out.status not in ("optimal", "time_limit") or out.x is None:
            raise RuntimeError(
                f"minimal-violation solve failed: {out.status} {model.status_text()}"
            )
        return out

    def _te_required(self, x: np.ndarray, slack: np.ndarray) -> None:
        """Raise each TE slack to what the elastic plan itself needs (in place)."""
        prog, ctx = self.program, self.program.ctx
        q = np.asarray(x[self.x_cols], dtype=float) * ctx.scale
        for k, (owner, _) in enumerate(prog.limit_owner):
            if isinstance(owner, TrackingErrorLimit):
                # Slack in units of the radius: the plan's own radius minus the limit's.
                limit = float(prog.params["tracking_error_bp"])
                need = owner.radius(ctx, owner.value_bp(ctx, q)) - owner.radius(ctx, limit)
                slack[k] = max(float(slack[k]), need)

    def _cut(self, x: np.ndarray, slack: np.ndarray) -> bool:
        """Add a tracking-error cut where the elastic plan exceeds its moved TE limit.

        Why: the elastic problem sees the TE limit through the same cut rows as the hedge
        problem; without this loop the required TE limit would be understated.
        """
        prog, ctx = self.program, self.program.ctx
        q = np.asarray(x[self.x_cols], dtype=float) * ctx.scale
        added = False
        for k, (owner, _) in enumerate(prog.limit_owner):
            if not isinstance(owner, TrackingErrorLimit):
                continue
            rho = owner.radius(ctx, float(prog.params["tracking_error_bp"]))
            moved = owner.limit_of_radius(ctx, rho + float(slack[k]))
            value = owner.value_bp(ctx, q)
            tol = FEAS_RTOL * max(moved, value) + FEAS_ATOL / TE_LIMIT_WEIGHT
            if value > moved + tol:
                if owner.full:
                    owner.clear_cuts()  # valid cuts only relax: start afresh with room
                added = owner.add_cut(ctx, q) or added
        return added

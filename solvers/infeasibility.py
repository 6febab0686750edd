"""Minimal-violation diagnosis for infeasible hedge problems.

Every constraint element ``f(q) <= limit`` gets one elastic slack ``e >= 0``
(``f(q) <= limit + e``, :meth:`HedgeProgram.elastic`); limits are written in their own units,
so ``e`` is exactly how far that limit must move. The
elastic problem minimises ``sum_r weight_r * e_r`` where the weights normalise the slacks to a
common unit (years of duration): duration band, KRD tolerances: 1 per year; DV01 limits:
1 / (MV * 1e-4) per currency/bp; convexity floor: 1 per year^2; margin budget: 1 / budget
per currency (a fraction of the budget); tracking-error limit: 0.01 per bp/yr (its cut rows
share one slack, in units of the ball radius, see :mod:`hedge_planner.solvers.te_limit`,
cut again here until the elastic plan meets its moved limit). Instrument bounds,
integer lots and the leg rules (binaries, minimum trades, ``max_legs``) stay hard.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from hedge_planner.solvers.formulation import HedgeProgram
from hedge_planner.solvers.highs_backend import HighsModel, NodeOutcome
from hedge_planner.solvers.problem import FEAS_ATOL, FEAS_RTOL
from hedge_planner.solvers.standard_form import ParametricForm
from hedge_planner.solvers.te_limit import TE_LIMIT_WEIGHT, TrackingErrorLimit

__all__ = [
    "CLOSEST_NODES",
    "CLOSEST_OA_SECONDS",
    "CLOSEST_ROOM",
    "LOT_ROOM",
    "MinimalViolation",
    "RulesInfeasible",
    "Violation",
    "budget_note",
    "closest_rooms",
    "conflict",
    "moved_limits",
    "moves_text",
]

logger = logging.getLogger(__name__)


class RulesInfeasible(Exception):
    """The minimal-violation problem itself has no solution: position bounds, whole lots and
    the leg rules (which no limit move relaxes) admit no plan."""


#: Cut rounds of the elastic problem before the TE move is read off the elastic plan.
_ELASTIC_CUT_ROUNDS = 30
#: Relative tolerance within which a single limit's move ties the joint minimal move.
_TIE_RTOL = 1e-7
# Extra room given to moved limits for the closest hedge, relative: tiny first; a wider
# retry when the tight relaxed problem is degenerate (measured: the example's swaps-only
# universe with KRD tolerances of zero, where HiGHS' QP failed and CLARABEL was inaccurate).
CLOSEST_ROOM = (1e-9, 1e-6)
# Node QPs of the closest hedge's branch-and-bound with integer lots or legs. Why a
# budget: under the moved limits the plans live in a thin slab (a limit met with
# equality), where the search's dives rarely land and its bound rises slowly (measured: a
# desk request with an impossible DV01 cap ran 17k node QPs in 24 s twice without a
# proof). The search starts from the minimal-violation plan, so the best plan it reaches
# is shown with its gap; a count, not seconds, so the same inputs give the same report.
CLOSEST_NODES = 400
# Seconds of outer approximation after it (no legs: after the usual short probe). Proven,
# its plan is the optimum; otherwise the branch-and-bound's best plan stands, so the
# report depends on the machine only through whether the proof came in time.
CLOSEST_OA_SECONDS = 2.0
# With integer lots or legs, each moved limit also gets this share of its move as room:
# the moves are read off the elastic solution, which meets a limit with equality up to
# the MILP's tolerance, and whole lots rarely land in so thin a slab.
LOT_ROOM = 1e-3


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


def moved_limits(
    params: dict[str, Any], violations: list[Violation], room: float, lot_room: float
) -> dict[str, Any]:
    """The parameters of the limits in ``violations``, each moved past its required value.

    The room is ``room * max(1, |required|)`` in the limit's own units, and at least
    ``lot_room`` of the move. Returns only the parameters that change (``krd_tol`` as a
    whole vector).
    """
    moved: dict[str, Any] = {}
    for v in violations:
        eps = max(room * max(1.0, abs(v.required)), lot_room * abs(v.move))
        req = v.required + eps if v.required >= v.limit else v.required - eps
        if v.param == "krd_tol":
            arr = np.array(moved.get("krd_tol", params["krd_tol"]), dtype=float)
            arr[v.bucket] = req
            moved["krd_tol"] = arr
        else:
            moved[v.param] = req
    return moved


def closest_rooms(whole_lots: bool) -> list[tuple[float, float]]:
    """``(room, lot_room)`` of each closest-hedge attempt, in order (see moved_limits).

    Continuous: the tiny room, then the wider retry (``CLOSEST_ROOM``). With whole lots
    or legs: the tiny room, then ``LOT_ROOM`` of each move, tried when the first search
    ends unproven (its plan is kept if the second finds none).
    """
    if whole_lots:
        return [(CLOSEST_ROOM[0], 0.0), (CLOSEST_ROOM[0], LOT_ROOM)]
    return [(r, 0.0) for r in CLOSEST_ROOM]


def budget_note(nodes: int, objective: float, bound: float | None) -> str:
    """``"; closest hedge: best plan in N search steps, relative gap G ..."`` (budgeted
    search; ``nodes``: node QPs plus outer-approximation masters).

    ``objective`` and ``bound`` in currency; the gap relative to ``max(1, |objective|)``.
    """
    steps = f"{nodes} search steps (node QPs and master MILPs)"
    if bound is None or not math.isfinite(bound):
        return f"; closest hedge: best plan in {steps} (no bound)"
    gap = max(objective - min(bound, objective), 0.0) / max(1.0, abs(objective))
    return (
        f"; closest hedge: best plan in {steps}, relative gap {gap:.2g} "
        "(search budget, not proven optimal)"
    )


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
        # Why the legs' binaries are integral here: with them relaxed, the minimal move is
        # the one of plans that may trade dust under a minimum or open more legs than
        # allowed, so the closest hedge under that move may not exist in whole legs (its
        # search then ends without a plan). Integral, the elastic plan is itself a valid
        # closest hedge and the search's first incumbent.
        legs = program.leg_vars(el.x)
        extra = [legs.z] if legs is not None else []
        self.form = ParametricForm(el.problem, [el.x, *el.slacks, *extra])
        x_cols = self.form.var_cols[0]
        self.x_cols = x_cols
        n_slack = len(el.slacks)
        self.slack_cols = (
            np.concatenate(self.form.var_cols[1 : 1 + n_slack])
            if n_slack
            else np.zeros(0, dtype=int)
        )
        self.z_cols = self.form.var_cols[-1] if extra else np.zeros(0, dtype=int)
        int_cols = np.concatenate([x_cols[program.int_idx], self.z_cols]).astype(int)
        self.integral = len(int_cols) > 0
        self.model = HighsModel(self.form, int_cols)
        self.plan: np.ndarray | None = None
        #: Integer part of the last elastic plan in the hedge search's order (the lots of
        #: the integer instruments, then the legs' binaries): the closest hedge's warm start.
        self.plan_int: np.ndarray | None = None
        #: Limits that each alone restore feasibility (set by :meth:`solve`).
        self.alternatives: list[Violation] = []
        #: Elastic solution of each single move, by limit name (set by :meth:`single_moves`).
        self._single_x: dict[str, np.ndarray] = {}

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
        RulesInfeasible
            If the elastic problem has no solution: position bounds, whole lots and the leg
            rules alone admit no plan (e.g. more positions off whole lots than ``max_legs``).
        RuntimeError
            If the elastic problem cannot be solved otherwise.
        """
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
        self._keep_plan(x)
        result = [v for k, e in enumerate(slack) if (v := self._violation(k, float(e)))]
        total = float(sum(v.normalised for v in result))
        # The conflict: every limit that alone restores feasibility, with its move.
        self.alternatives = self.single_moves(time_limit) if result else []
        if len(result) > 1 and self.alternatives:
            best = self.alternatives[0]
            if best.normalised <= total * (1 + _TIE_RTOL) + 1e-12:
                # Why: the elastic LP is degenerate when limits trade off one for one (a
                # DV01 cap against a duration band: both in years of duration); its vertex
                # may split the move between them, which leaves the closest hedge a thin
                # slab where both are met with equality. Moving one limit is as small and
                # is what a PM would do.
                result, total = [best], best.normalised
                self._keep_plan(self._single_x[best.name])
        return result, total

    def _keep_plan(self, x: np.ndarray) -> None:
        """Keep an elastic solution as the plan (units) and its integer part."""
        prog = self.program
        scaled = np.asarray(x[self.x_cols], dtype=np.float64)
        #: Quantities (units) of the elastic plan: they meet every limit once moved.
        self.plan = scaled * prog.ctx.scale
        z = np.asarray(x[self.z_cols], dtype=np.float64)
        self.plan_int = np.round(np.concatenate([scaled[prog.int_idx], z]))

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
        model = self.model
        model.update()
        cols = self.slack_cols
        lo0, hi0 = model.col_lo[cols].copy(), model.col_hi[cols].copy()
        out: list[Violation] = []
        self._single_x = {}
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
                if self.integral:
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
                    self._single_x[v.name] = res.x
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
        model = self.model
        model.update()
        if self.integral:
            out, _, nodes = model.solve_milp(1e-9, time_limit)
            logger.info("minimal violation: elastic MILP %s, %d nodes", out.status, nodes)
        else:
            out = model.run()
            logger.info("minimal violation: elastic LP %s", out.status)
        if out.status == "infeasible":
            raise RulesInfeasible("the hard rules admit no plan")
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

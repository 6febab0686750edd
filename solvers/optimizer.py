"""Hedge optimiser: one cvxpy formulation, solved exactly, every plan proven feasible.

The problem is compiled ONCE (:class:`~hedge_planner.solvers.formulation.HedgeProgram`: a
cvxpy ``Problem`` with ``Parameter`` objects). Solving:

* all-continuous: HiGHS' QP on the HiGHS model GENERATED from cvxpy's standard form of
  that problem (:mod:`~hedge_planner.solvers.standard_form`,
  :mod:`~hedge_planner.solvers.highs_backend`), or the cvxpy problem itself with CLARABEL;
* mixed-integer with a quadratic objective: best-first branch-and-bound over HiGHS QP
  relaxations of the generated model (:mod:`~hedge_planner.solvers.branch_and_bound`; HiGHS
  has no MIQP);
* mixed-integer, linear objective: one HiGHS MILP on the generated model.

What-if changes only update Parameter values (re-filled into the HiGHS model), so re-solves
and :meth:`HedgeOptimizer.sweep` never rebuild. After every solve the final quantities are
checked against every hard limit (:func:`~hedge_planner.solvers.results.check_limits`): a
violated limit is never reported as "optimal".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import cvxpy as cp
import numpy as np
import numpy.typing as npt
from hedge_planner.solvers.context import HedgeContext, RiskSummary
from hedge_planner.solvers.cvxpy_solve import solve_relaxed
from hedge_planner.solvers.formulation import HedgeProgram, copy_value
from hedge_planner.solvers.highs_backend import HighsModel
from hedge_planner.solvers.infeasibility import (
    CLOSEST_NODES,
    CLOSEST_OA_SECONDS,
    MinimalViolation,
    RulesInfeasible,
    Violation,
    budget_note,
    closest_rooms,
    conflict,
    moved_limits,
    moves_text,
)
from hedge_planner.solvers.legs import ZERO_TRADE, leg_violations, rules_conflict
from hedge_planner.solvers.miqp import MIQPSolver
from hedge_planner.solvers.problem import FactorRisk, HedgeInputError, Instrument, PortfolioRisk
from hedge_planner.solvers.results import HedgeResult, SweepPoint, check_limits, finite_or_none
from hedge_planner.solvers.results import RawOutcome as _Raw
from hedge_planner.solvers.standard_form import ParametricForm
from hedge_planner.solvers.sweep import run_sweep
from hedge_planner.solvers.te_limit import TrackingErrorLimit
from hedge_planner.solvers.terms import Constraint, ConstraintReport, ObjectiveTerm

__all__ = ["HedgeContext", "HedgeOptimizer", "HedgeResult", "RiskSummary", "SweepPoint"]

logger = logging.getLogger(__name__)

_INFEASIBLE = ("infeasible", "infeasible_or_unbounded")
_BUDGET_ENDS = ("node_limit", "time_limit")  # a bounded closest-hedge search, unproven


class HedgeOptimizer:
    """Compiled hedge problem: solve, change parameters, re-solve, sweep.

    Parameters
    ----------
    portfolio : PortfolioRisk
        Pre-hedge portfolio risk (currency, currency/bp) and benchmark.
    instruments : sequence of Instrument
        Hedge instruments (per-unit analytics, bounds, integrality).
    covariance : array_like, shape (n_b, n_b)
        Key-rate covariance, bp^2 per year (symmetric PSD).
    terms : sequence of ObjectiveTerm
        Objective terms (currency), e.g. TrackingErrorTerm, CarryTerm, SlippageTerm.
    constraints : sequence of Constraint
        Named constraints (DurationBand, DV01Limit, KRDTolerance, ConvexityFloor,
        MarginBudget, TrackingErrorLimit). Instrument bounds/directions always apply.
    gap_tol : float
        Relative optimality gap for the mixed-integer search, ``(UB - LB) / max(1, |UB|)``.
    time_limit : float
        Wall-clock limit per solve, seconds.
    max_nodes : int
        Branch-and-bound node limit.
    continuous_backend : {"highspy", "cvxpy"}
        Solver path for all-continuous problems. "highspy" (default): HiGHS' QP on the model
        generated from the cvxpy problem (the same model as the B&B relaxations). "cvxpy":
        the cvxpy problem solved by ``cvxpy_solver``.
    cvxpy_solver : str
        Solver for the "cvxpy" backend; default CLARABEL. Why not HIGHS: through cvxpy's
        QP interface HiGHS returned wrong "unbounded"/suboptimal answers (and once ran
        >100 s) on small problems with slippage |q - q0| terms.
    factor_risk : FactorRisk, optional
        Factor model of the tracking error (terms, KRD tolerances, TE limit and reports);
        default the key-rate model of ``covariance`` (see :class:`HedgeContext`).
    max_legs : int, optional
        Largest number of instruments traded (binary leg selection, see
        :mod:`hedge_planner.solvers.legs`; minimum trades and ticket costs are per instrument).
    integer_method : {"auto", "oa", "bnb"}
        Exact search of the mixed-integer QP: "oa" outer approximation with HiGHS MILP
        masters (:mod:`~hedge_planner.solvers.outer_approx`), "bnb" the best-first
        branch-and-bound over HiGHS QPs; "auto" (default) chooses (see :meth:`_solve_once`).
        Either proves the same gap; an unproven outcome of one is retried with the other.
    """

    def __init__(
        self,
        portfolio: PortfolioRisk,
        instruments: Sequence[Instrument],
        covariance: Any,
        terms: Sequence[ObjectiveTerm],
        constraints: Sequence[Constraint] = (),
        *,
        gap_tol: float = 1e-6,
        time_limit: float = 60.0,
        max_nodes: int = 200_000,
        continuous_backend: Literal["highspy", "cvxpy"] = "highspy",
        cvxpy_solver: str = "CLARABEL",
        factor_risk: FactorRisk | None = None,
        max_legs: int | None = None,
        integer_method: Literal["auto", "oa", "bnb"] = "auto",
    ) -> None:
        if not (gap_tol >= 0):
            raise HedgeInputError("gap_tol", f"must be >= 0, got {gap_tol}")
        if continuous_backend not in ("highspy", "cvxpy"):
            raise HedgeInputError("continuous_backend", "must be 'cvxpy' or 'highspy'")
        t0 = time.perf_counter()
        self.ctx = HedgeContext(portfolio, instruments, covariance, factor_risk)
        self.program = HedgeProgram(self.ctx, terms, constraints, max_legs)
        self.legs = self.program.legs
        self.terms = self.program.terms
        self.constraints = self.program.constraints
        self.param_specs = self.program.param_specs
        self.gap_tol = float(gap_tol)
        self.time_limit = float(time_limit)
        self.max_nodes = int(max_nodes)
        self.continuous_backend = continuous_backend
        self.cvxpy_solver = cvxpy_solver
        if integer_method not in ("auto", "oa", "bnb"):
            raise HedgeInputError("integer_method", "must be 'auto', 'oa' or 'bnb'")
        self.integer_method = integer_method
        self.has_integer = bool(self.ctx.integer.any()) or self.legs.active
        # The HiGHS model is generated from the cvxpy problem, never written by hand.
        leg_vars = self.program.leg_vars(self.program.x)
        extra = [] if leg_vars is None else [leg_vars.z]
        self._form = ParametricForm(self.program.relaxed, [self.program.x, *extra])
        self._x_cols = self._form.var_cols[0]
        z_cols = self._form.var_cols[1] if extra else np.zeros(0, dtype=int)
        # Integer positions of the search vector [x, z]: the lots, then the legs' binaries.
        self._search_cols = np.concatenate([self._x_cols, z_cols])
        self._int_pos = np.concatenate(
            [self.program.int_idx, self.ctx.n + np.arange(len(z_cols))]
        ).astype(int)
        self._int_cols = self._search_cols[self._int_pos]
        self._highs = HighsModel(self._form, self._int_cols)
        self._miqp = MIQPSolver(
            self.program,
            self._form,
            self._highs,
            self._x_cols,
            self._search_cols,
            self._int_pos,
            integer_method,
        )
        self._miqp.verify = self._plan_ok
        self._violation: MinimalViolation | None = None
        logger.debug(
            "compiled hedge program: %d instruments, %d limits, HiGHS model %d x %d, %.1f ms",
            self.ctx.n,
            len(self.program.limits),
            self._form.n_row,
            self._form.n_col,
            1e3 * (time.perf_counter() - t0),
        )

    # ------------------------------------------------------------------ description
    @property
    def params(self) -> dict[str, Any]:
        """Current what-if parameter values (own units)."""
        return self.program.params

    @property
    def cp_problem(self) -> cp.Problem:
        """The canonical cvxpy problem (integer lots where integral), e.g. for SCIP."""
        return self.program.mixed_integer

    def cvxpy_quantities(self) -> np.ndarray:
        """Quantities (units) from :attr:`cp_problem`'s variables after a cvxpy solve."""
        x = np.asarray(self.program.mixed_integer_x.value, dtype=float).reshape(-1)
        return x * self.ctx.scale

    @property
    def method(self) -> str:
        """Solution method chosen for the current parameters (detected up front)."""
        if not self.has_integer:
            if self.continuous_backend == "cvxpy":
                return f"continuous QP (cvxpy + {self.cvxpy_solver})"
            return "continuous QP (HiGHS QP on the compiled model)"
        self._highs.update()
        if self._highs.is_quadratic:
            return "MIQP: best-first branch-and-bound over HiGHS QP relaxations"
        return "MILP: HiGHS branch-and-cut (objective has no quadratic part)"

    # ------------------------------------------------------------------ parameters
    def set_params(self, **values: Any) -> None:
        """Change what-if parameters (no rebuild).

        Parameters
        ----------
        **values
            Parameter name -> new value, in the parameter's own units (e.g.
            ``duration_target`` years, ``dv01_max`` currency/bp, ``risk_aversion``
            1/currency, ``krd_tol`` years per bucket; a scalar broadcasts).
        """
        self.program.set_params(**values)

    # ------------------------------------------------------------------ solving
    def solve(
        self, *, gap_tol: float | None = None, time_limit: float | None = None
    ) -> HedgeResult:
        """Solve at the current parameters; the plan is verified against every hard limit.

        Parameters
        ----------
        gap_tol : float, optional
            Relative gap for the mixed-integer search (default: the optimiser's).
        time_limit : float, optional
            Seconds (default: the optimiser's).

        Returns
        -------
        HedgeResult
            Plan, costs (currency), risk before/after, constraint report and, when
            infeasible, the minimal-violation report with the closest hedge.
        """
        t0 = time.perf_counter()
        gap = self.gap_tol if gap_tol is None else float(gap_tol)
        tl = self.time_limit if time_limit is None else float(time_limit)
        raw = self._solve_raw(gap, tl)
        logger.info(
            "solve: %s -> %s (%d iterations/nodes), %.1f ms",
            raw.method,
            raw.status,
            raw.iterations,
            1e3 * (time.perf_counter() - t0),
        )
        if raw.status == "optimal" and raw.x is not None:
            q = self._to_q(raw.x)
            bad = self._violated(q, self.params)
            if not bad:
                return self._result("optimal", raw, q, t0, [], raw.message, proven=True)
            note = "solver reported optimal but the plan violates " + "; ".join(bad)
            logger.warning("%s: diagnosing with the minimal-violation problem", note)
            return self._diagnose(raw, gap, tl, t0, note)
        if raw.status in _INFEASIBLE:
            return self._diagnose(raw, gap, tl, t0, raw.message)
        message = raw.message or f"solver ended {raw.status}"
        if raw.status in ("time_limit", "node_limit"):
            message = f"{raw.status}: no proven plan ({message})"
        return self._result(raw.status, raw, None, t0, [], message, proven=False)

    def _diagnose(self, raw: _Raw, gap: float, tl: float, t0: float, note: str) -> HedgeResult:
        """Infeasible (or unverifiable) problem: minimal violation and the closest hedge."""
        if self._violation is None:
            self._violation = MinimalViolation(self.program)
        try:
            violations, total = self._violation.solve(tl)
        except RulesInfeasible:  # no limit move helps: say which rule, no plan
            msg = rules_conflict(self.ctx, self.legs if self.legs.active else None)
            return self._result("infeasible", raw, None, t0, [], msg, proven=False)
        if not violations and raw.status == "infeasible" and self.has_integer:
            # Why: the elastic problem keeps lots and leg rules hard, so needing no move
            # means its MILP found a plan the search did not (kept as a safe report).
            msg = (
                "infeasible: no plan in whole lots meets the limits and the leg rules "
                "(max_legs, min_trade); the continuous relaxation would"
            )
            return self._result("infeasible", raw, None, t0, [], msg, proven=False)
        if not violations:
            if raw.status == "infeasible_or_unbounded":
                msg = "objective unbounded below (check bounds/costs)"
                return self._result("unbounded", raw, None, t0, [], msg, proven=False)
            msg = note or "solver reported infeasible but no limit must move"
            return self._result("error", raw, None, t0, [], f"{msg}: no proven plan", False)
        q, closest, msg, moved = None, raw, "", dict(self.params)
        deadline = time.perf_counter() + tl  # one time limit for every attempt
        for room, lot_room in closest_rooms(self.has_integer):
            left = deadline - time.perf_counter()
            if left <= 0.0 and q is not None:
                break
            raw_c, q_c, moved_c, msg_c = self._closest_hedge(
                violations, gap, max(left, 1e-3), total, room, lot_room
            )
            if q_c is not None or q is None:  # a plan, or nothing better yet: the latest
                q, closest, msg, moved = q_c, raw_c, msg_c, moved_c
            if q_c is not None and raw_c.status == "optimal":
                break  # proven; an unproven plan is kept while a wider room is tried
        if q is None and self._violation.plan is not None:
            # Why: near the smallest reachable tracking error the cut rounds of the closest-
            # hedge solve can run out of time; the minimal-violation plan itself meets every
            # moved limit by construction (verified here), so it is shown instead.
            q_mv = self._to_q(self._violation.plan / self.ctx.scale)
            if not self._violated(q_mv, moved):
                q = q_mv
                msg += (
                    "; shown: the minimal-violation plan (meets the moved limits, costs not "
                    "optimised)"
                )
        if note:
            msg = f"{note}. {msg}"
        result = self._result("infeasible", closest, q, t0, violations, msg, proven=False)
        result.alternatives = self._violation.alternatives  # the limits in conflict
        return result

    def _violated(
        self, q: np.ndarray, params: dict[str, Any], cut_limits: bool = True
    ) -> list[str]:
        """The hard limits and leg rules plan ``q`` (units) misses.

        ``cut_limits=False`` leaves out the limits the model holds by cuts (tracking error):
        a plan past them is the cut loop's business (:meth:`_solve_raw`), not a reason for
        the branch-and-bound to refuse it as an incumbent.
        """
        reports = [r for c in self.constraints for r in c.report(self.ctx, q, params)]
        owners = [o for o, _ in self.program.limit_owner]
        keep = [cut_limits or not isinstance(o, TrackingErrorLimit) for o in owners]
        limits = [lim for lim, k in zip(self.program.limits, keep, strict=True) if k]
        bad = check_limits(limits, [r for r, k in zip(reports, keep, strict=True) if k])
        if self.legs.active:
            bad += leg_violations(self.ctx, self.legs, q)
        return bad

    def _plan_ok(self, xs: np.ndarray) -> bool:
        """The branch-and-bound's check of a search vector ``[x, z]`` (see :meth:`_violated`)."""
        return not self._violated(self._to_q(xs[: self.ctx.n]), self.params, cut_limits=False)

    def _to_q(self, x: np.ndarray) -> np.ndarray:
        # Why: HiGHS honours bounds to ~1e-9; clip so long-only legs are never -1e-10.
        x = np.clip(np.array(x, dtype=float), self.ctx.x_lo, self.ctx.x_hi)
        x[self.ctx.integer] = np.round(x[self.ctx.integer])
        if self.legs.active:
            # A leg the binaries switched off trades ~1e-10 lots: exactly nothing.
            x0 = self.ctx.q0 / self.ctx.scale
            x = np.where(np.abs(x - x0) <= ZERO_TRADE, x0, x)
        return x * self.ctx.scale

    def _costs(self, q: np.ndarray) -> dict[str, float]:
        """Each objective term at ``q`` (currency), with the legs' ticket costs if any."""
        costs = {t.name: float(t.value(self.ctx, q, self.params)) for t in self.terms}
        if self.legs.active and np.any(self.legs.ticket > 0):
            costs["tickets"] = self.legs.ticket_value(self.ctx, q)
        return costs

    def _solve_raw(self, gap: float, tl: float, budget: int | None = None) -> _Raw:
        """Solve; with outer-approximated limits, add cuts until the plan meets them.

        Each cut is globally valid, so the cut problem relaxes the true one: infeasible
        means infeasible, and a solution meeting every outer-approximated limit (within
        the feasibility tolerance of :func:`check_limits`) is optimal for the true problem.
        With integer lots each round is a whole branch-and-bound. ``budget`` (node QPs)
        bounds each round's branch-and-bound and ``CLOSEST_OA_SECONDS`` its outer
        approximation: a round that runs out ends unproven with its best plan (for the
        closest hedge only).
        """
        cutters = [c for c in self.constraints if isinstance(c, TrackingErrorLimit)]
        if not cutters:
            return self._solve_once(gap, tl, budget)
        for c in cutters:
            if c.n_cuts > c.max_cuts // 2:  # keep earlier (valid) cuts while room is left
                c.clear_cuts()
        t0, rounds, iterations = time.perf_counter(), 0, 0
        while True:
            raw = self._solve_once(gap, max(tl - (time.perf_counter() - t0), 1e-3), budget)
            rounds += 1
            iterations += raw.iterations
            if raw.status != "optimal" or raw.x is None:
                raw.iterations = iterations
                return raw
            q = self._to_q(raw.x)
            added = False
            for c in cutters:
                if check_limits(c.limits(self.ctx), c.report(self.ctx, q, self.params)):
                    if not c.add_cut(self.ctx, q):
                        msg = (
                            f"{c.name}: {c.max_cuts} cuts used and the plan still exceeds "
                            "the limit: no proven plan"
                        )
                        return _Raw("error", None, None, raw.bound, iterations, raw.method, msg)
                    added = True
            if not added:
                raw.iterations = iterations
                raw.message = (raw.message + "; " if raw.message else "") + (
                    f"tracking-error limit met after {rounds} solve(s) "
                    f"({sum(c.n_cuts for c in cutters)} cut(s) in force)"
                )
                logger.info("outer approximation: %d round(s)", rounds)
                return raw
            if time.perf_counter() - t0 > tl:
                return _Raw("time_limit", None, None, raw.bound, iterations, raw.method,
                            "time limit during the tracking-error cut rounds")  # fmt: skip

    def _solve_once(self, gap: float, tl: float, budget: int | None = None) -> _Raw:
        if not self.has_integer and self.continuous_backend == "cvxpy":
            return self._solve_cvxpy()
        self._highs.update()
        if not self.has_integer:
            out = self._highs.run()
            if out.status == "error":
                # Why: HiGHS' QP fails on some degenerate problems (e.g. KRD tolerances of
                # zero); the same cvxpy problem through CLARABEL is the fallback.
                logger.warning("HiGHS QP failed (%s): CLARABEL fallback", self._highs.status_text())
                return self._solve_cvxpy("CLARABEL")
            x = None if out.x is None else out.x[self._x_cols]
            method = "continuous QP (HiGHS QP on the compiled model)"
            return _Raw(out.status, x, out.objective, out.objective, 1, method)
        if not self._highs.is_quadratic:
            out, bound, nodes = self._highs.solve_milp(gap, tl)
            x = None if out.x is None else out.x[self._x_cols]
            return _Raw(out.status, x, out.objective, bound, nodes, "MILP (HiGHS)")
        if budget is not None:
            nodes = min(budget, self.max_nodes)
            return self._miqp.solve(gap, tl, nodes, oa_seconds=CLOSEST_OA_SECONDS)
        return self._miqp.solve(gap, tl, self.max_nodes)

    @property
    def warm_int(self) -> np.ndarray | None:
        """Integer part (scaled lots, binaries) of the last mixed-integer plan: the warm start."""
        return self._miqp.warm_int

    @warm_int.setter
    def warm_int(self, value: np.ndarray | None) -> None:
        self._miqp.warm_int = value
        if value is None:  # no warm start at all: the last search tree goes too
            self._miqp.forget_tree()

    def _solve_cvxpy(self, solver: str | None = None) -> _Raw:
        return solve_relaxed(self.program, self.cvxpy_solver if solver is None else solver)

    def _closest_hedge(
        self,
        violations: list[Violation],
        gap: float,
        tl: float,
        total: float,
        room: float,
        lot_room: float,
    ) -> tuple[_Raw, np.ndarray | None, dict[str, Any], str]:
        """Re-solve with the limits moved by the minimal violation: the closest hedge.

        Each moved limit gets room beyond the required value (:func:`moved_limits`), so the
        relaxed problem is not numerically infeasible or degenerate.
        Returns the raw solve, the verified plan (units; None: no plan), the moved
        parameters and the message naming the moves.
        """
        saved = {k: copy_value(v) for k, v in self.params.items()}
        try:
            moved = moved_limits(self.params, violations, room, lot_room)
            self.set_params(**moved)
            moved = {k: copy_value(v) for k, v in self.params.items()}
            if self.has_integer and self._violation is not None:
                # The minimal-violation plan meets the moved limits in whole lots and legs:
                # the search starts from it instead of hunting for a plan in a thin set.
                self.warm_int = self._violation.plan_int
            budget = CLOSEST_NODES if self.has_integer else None
            raw = self._solve_raw(gap, tl, budget)
            logger.info("closest hedge under the moved limits: %s", raw.status)
        finally:
            self.set_params(**saved)
        msg = f"infeasible; minimal normalised violation {total:.6g}. Move: "
        msg += moves_text(violations) + conflict(self._violation)
        if lot_room:
            msg += f"; the closest hedge has {lot_room:.1%} of each move as room for whole lots"
        q = self._to_q(raw.x) if raw.x is not None else None
        bad = self._violated(q, moved) if q is not None else []
        if q is None or raw.status not in ("optimal", *_BUDGET_ENDS):
            return raw, None, moved, msg + f"; closest hedge not found ({raw.status})"
        if bad:
            return (
                raw,
                None,
                moved,
                msg + "; the closest hedge failed verification (" + "; ".join(bad) + ")",
            )
        if raw.status != "optimal":
            msg += budget_note(raw.iterations, float(sum(self._costs(q).values())), raw.bound)
        return raw, q, moved, msg

    def _result(
        self,
        status: str,
        raw: _Raw,
        q: np.ndarray | None,
        t0: float,
        violations: list[Violation],
        message: str,
        proven: bool,
    ) -> HedgeResult:
        """Assemble the result; ``q`` None means no plan is presented."""
        ctx = self.ctx
        pre = ctx.summary(np.zeros(ctx.n))
        if q is None:
            return HedgeResult(
                status=status,
                method=raw.method,
                objective=None,
                best_bound=finite_or_none(raw.bound),
                rel_gap=None,
                iterations=raw.iterations,
                seconds=time.perf_counter() - t0,
                quantities=None,
                trades=None,
                costs={},
                pre=pre,
                post=None,
                constraints=[],
                violations=violations,
                message=message,
                q=None,
                proven=False,
            )
        costs = self._costs(q)
        objective = float(sum(costs.values()))
        raw_bound = finite_or_none(raw.bound)
        bound = None if raw_bound is None else min(raw_bound, objective)
        gap = None if bound is None else max((objective - bound) / max(1.0, abs(objective)), 0.0)
        reports: list[ConstraintReport] = []
        for c in self.constraints:
            reports.extend(c.report(ctx, q, self.params))
        return HedgeResult(
            status=status,
            method=raw.method,
            objective=finite_or_none(objective),
            best_bound=bound,
            rel_gap=finite_or_none(gap),
            iterations=raw.iterations,
            seconds=time.perf_counter() - t0,
            quantities=dict(zip(ctx.names, q.tolist(), strict=True)),
            trades=dict(zip(ctx.names, (q - ctx.q0).tolist(), strict=True)),
            costs=costs,
            pre=pre,
            post=ctx.summary(q),
            constraints=reports,
            violations=violations,
            message=message,
            q=q,
            proven=proven,
        )

    # ------------------------------------------------------------------ evaluation, sweep
    def evaluate(self, q: npt.ArrayLike, *, check: bool = True) -> dict[str, Any]:
        """Risk and objective of an arbitrary hedge ``q`` (units), e.g. a closed-form baseline.

        Returns
        -------
        dict
            ``duration`` (years), ``dv01`` (currency/bp), ``krd`` (years per bucket),
            ``convexity`` (years^2), ``te_bp`` (bp/yr), ``cost`` (``objective`` and each term,
            currency) and, with ``check`` (the constraint reports: ~30 us a call), ``feasible``
            (every constraint met to 1e-6 relative) and ``violated`` (names).
        """
        x = np.asarray(q, dtype=np.float64)
        s = self.ctx.summary(x)
        costs = self._costs(x)
        out: dict[str, Any] = {
            "duration": s.duration,
            "dv01": s.dv01,
            "krd": (np.asarray(s.krd_dv01) / self.ctx.dv01_scale).tolist(),
            "convexity": s.convexity,
            "te_bp": s.te_bp,
            "cost": {"objective": float(sum(costs.values())), **costs},
        }
        if check:
            reports = [r for c in self.constraints for r in c.report(self.ctx, x, self.params)]
            tol = [1e-6 * max(1.0, abs(r.limit), abs(r.value)) for r in reports]
            violated = [r.name for r, t in zip(reports, tol, strict=True) if r.slack < -t]
            out |= {"feasible": not violated, "violated": violated}
        return out

    def sweep(self, param: str, values: Iterable[Any]) -> list[SweepPoint]:
        """Re-solve over values of one parameter without rebuilding.

        Parameters
        ----------
        param : str
            Parameter name, e.g. "duration_target" (years), "duration_band" (years),
            "dv01_max" (currency/bp), "risk_aversion" (1/currency), "slippage_scale",
            "carry_scale", "krd_tol" (years, scalar broadcasts), "margin_budget" (currency).
        values : iterable
            Values to try, in that parameter's units. All are validated before the first
            solve (a bad value raises :class:`HedgeInputError`).

        Returns
        -------
        list of SweepPoint
            One row per value; a point whose solve fails is reported with its error and the
            sweep goes on. The parameter is restored afterwards.
        """
        return run_sweep(self, param, values)

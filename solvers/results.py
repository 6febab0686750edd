"""Results of the hedge optimiser and the feasibility proof of every plan it returns.

A plan is only ever presented as a solution after :func:`check_limits` has re-evaluated
every hard limit on the FINAL quantities (independently of the solver, with the
constraints' own ``report``) within :data:`FEAS_RTOL` / :data:`FEAS_ATOL`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hedge_planner.models.errors import HedgePlannerError
from hedge_planner.solvers.context import RiskSummary
from hedge_planner.solvers.infeasibility import Violation
from hedge_planner.solvers.problem import FEAS_ATOL, FEAS_RTOL
from hedge_planner.solvers.terms import ConstraintReport, Limit

__all__ = [
    "FEAS_ATOL",
    "FEAS_RTOL",
    "HedgeResult",
    "NoProvenPlanError",
    "RiskSummary",
    "SweepPoint",
    "check_limits",
    "finite_or_none",
    "limit_tolerance",
]


def limit_tolerance(limit: Limit, report: ConstraintReport) -> float:
    """How far ``report`` may fall short of ``limit`` and still count as met (limit units).

    ``FEAS_RTOL * max(|limit|, |value|) + FEAS_ATOL / weight``.
    """
    scale = max(abs(report.limit), abs(report.value))
    return FEAS_RTOL * scale + FEAS_ATOL / limit.weight


def check_limits(limits: list[Limit], reports: list[ConstraintReport]) -> list[str]:
    """Descriptions of the hard limits a plan violates (empty: every limit met).

    Parameters
    ----------
    limits : list of Limit
        The problem's limits, in the order of ``reports``.
    reports : list of ConstraintReport
        Independent evaluation of each limit at the final quantities (``slack >= 0`` met).
    """
    if len(limits) != len(reports):
        raise RuntimeError(f"internal error: {len(limits)} limits, {len(reports)} reports")
    bad = []
    for lim, rep in zip(limits, reports, strict=True):
        tol = limit_tolerance(lim, rep)
        if not (rep.slack >= -tol):  # NaN slack counts as violated
            bad.append(
                f"{rep.name}: value {rep.value:.10g} vs limit {rep.limit:.10g} {rep.units} "
                f"(slack {rep.slack:.3g}, tolerance {tol:.3g})"
            )
    return bad


def finite_or_none(v: float | None) -> float | None:
    """``v`` as a float if finite, else None (no NaN/inf leaves the optimiser)."""
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


class NoProvenPlanError(HedgePlannerError):
    """The optimiser has no plan to present (status, message and violations attached).

    Parameters
    ----------
    result : HedgeResult
        The result without quantities.
    """

    def __init__(self, result: HedgeResult) -> None:
        self.result = result
        moves = "; ".join(
            f"{v.name}: {v.limit:.6g} -> {v.required:.6g} {v.units}" for v in result.violations
        )
        text = f"no proven hedge plan (solver status {result.status}): {result.message}"
        if moves and moves not in text:
            text += f". Limits to move: {moves}"
        super().__init__(text)


@dataclass
class HedgeResult:
    """Outcome of one solve. Monetary figures in currency, quantities in units.

    ``status`` is "optimal" (``proven``: gap proven and every hard limit verified on the
    final quantities), "infeasible" (``violations`` says which limits must move;
    ``quantities`` is the closest hedge, optimal under the moved limits and verified against
    them, or None if that could not be verified), "unbounded", "time_limit"/"node_limit" or
    "error". Whenever there is no proven plan (every status but "optimal") ``proven`` is
    False, and except for the verified closest hedge ``quantities``/``trades``/``q``/``post``
    are None; ``message`` says why. ``objective``/``best_bound``/``rel_gap`` are None (never
    NaN) when unknown.
    """

    status: str
    method: str
    objective: float | None
    best_bound: float | None
    rel_gap: float | None
    iterations: int
    seconds: float
    quantities: dict[str, float] | None
    trades: dict[str, float] | None
    costs: dict[str, float]
    pre: RiskSummary
    post: RiskSummary | None
    constraints: list[ConstraintReport]
    violations: list[Violation] = field(default_factory=list)
    message: str = ""
    #: Limits that each ALONE restore feasibility (the conflict), smallest normalised move
    #: first; ``violations`` are the moves applied for the closest hedge.
    alternatives: list[Violation] = field(default_factory=list)
    q: np.ndarray | None = None
    proven: bool = False

    def require_plan(self) -> HedgeResult:
        """This result if it presents quantities, else raise :class:`NoProvenPlanError`."""
        if self.q is None or self.quantities is None or self.post is None:
            raise NoProvenPlanError(self)
        return self


@dataclass
class SweepPoint:
    """One row of :meth:`HedgeOptimizer.sweep` (units as in :class:`HedgeResult`).

    A point without a proven plan has ``quantities``/``trades`` and the risk figures None
    and ``error`` saying why (``status`` as in :class:`HedgeResult`).
    """

    param: str
    value: float | np.ndarray
    status: str
    objective: float | None
    quantities: dict[str, float] | None
    trades: dict[str, float] | None
    duration: float | None
    dv01: float | None
    te: float | None
    te_bp: float | None
    costs: dict[str, float]
    seconds: float
    proven: bool = False
    error: str | None = None

    @classmethod
    def of_result(cls, param: str, value: Any, r: HedgeResult) -> SweepPoint:
        """The row of a solve at ``param = value`` (risk figures None without a plan)."""
        post = r.post
        return cls(
            param=param,
            value=value,
            status=r.status,
            objective=r.objective,
            quantities=r.quantities,
            trades=r.trades,
            duration=None if post is None else post.duration,
            dv01=None if post is None else post.dv01,
            te=None if post is None else post.te,
            te_bp=None if post is None else post.te_bp,
            costs=r.costs,
            seconds=r.seconds,
            proven=r.proven,
            error=None if r.proven else (r.message or r.status),
        )

    @classmethod
    def failed(cls, param: str, value: Any, exc: BaseException, seconds: float) -> SweepPoint:
        """The row of a solve at ``param = value`` that raised ``exc`` after ``seconds``."""
        return cls(
            param=param, value=value, status="error", objective=None,
            quantities=None, trades=None, duration=None, dv01=None, te=None, te_bp=None,
            costs={}, seconds=seconds, proven=False, error=f"{type(exc).__name__}: {exc}",
        )  # fmt: skip


@dataclass
class RawOutcome:
    """Raw solver outcome: ``x`` scaled lots (n), objective / bound currency or None."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    iterations: int
    method: str
    message: str = ""


def better_unproven(a: RawOutcome, b: RawOutcome) -> RawOutcome:
    """Of two unproven searches of the same problem: the plan with the lower objective (the
    first on a tie), carrying the higher of the two certified bounds (each is a lower bound
    of the same optimum) and the iterations of both (node QPs plus master MILPs)."""
    a_plan = a.x is not None and a.objective is not None
    b_better = b.x is not None and b.objective is not None
    if a_plan and b_better:
        assert a.objective is not None and b.objective is not None  # for the type checker
        b_better = b.objective < a.objective
    best = b if b_better else a
    bounds = [v for v in (a.bound, b.bound) if v is not None and math.isfinite(v)]
    return dataclasses.replace(
        best, bound=max(bounds) if bounds else best.bound, iterations=a.iterations + b.iterations
    )

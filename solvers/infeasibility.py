"""Minimal-violation diagnosis for infeasible hedge problems.

Every constraint row gets one elastic slack ``e >= 0`` (``lo - e <= row <= hi + e``); rows are
written in the limit's own units, so ``e`` is exactly how far that limit must move. The
elastic problem minimises ``sum_r weight_r * e_r`` where the weights normalise the slacks to a
common unit (years of duration): duration band, KRD tolerances: 1 per year; DV01 limits:
1 / (MV * 1e-4) per currency/bp; convexity floor: 1 per year^2; margin budget: 1 / budget
per currency (a fraction of the budget). Instrument bounds and integrality stay hard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hedge_planner.solvers.optimizer import HedgeOptimizer

__all__ = ["Violation", "minimal_violation"]


@dataclass(frozen=True)
class Violation:
    """A limit that must move for the hedge problem to become feasible.

    Attributes
    ----------
    name : str
        Report name of the limit, e.g. ``"dv01_max"`` or ``"krd_tol[10Y]"``.
    family : str
        Constraint family ("duration_band", "dv01", "krd_tol", "convexity_floor",
        "margin_budget").
    param : str
        What-if parameter holding the limit (``bucket`` indexes vector parameters).
    bucket : int or None
        Bucket index for ``krd_tol``.
    limit : float
        Current limit, ``units``.
    required : float
        Closest limit value that is feasible jointly with the other moves, ``units``.
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


def minimal_violation(opt: HedgeOptimizer, time_limit: float) -> tuple[list[Violation], float]:
    """Solve the elastic problem and list the limits that must move.

    Parameters
    ----------
    opt : HedgeOptimizer
        Compiled optimiser, at its current parameters.
    time_limit : float
        Seconds for the elastic LP / MILP.

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
    model = opt.elastic_model()
    lo, hi = opt._row_bounds(opt.params)
    weights = np.array([r.weight for r in opt.rows], dtype=float)
    model.update_elastic(weights, lo, hi)
    if opt.has_integer:
        raw = model.solve_milp(1e-9, time_limit)
    else:
        raw = model.solve_relaxation("elastic LP")
    if raw.status not in ("optimal", "time_limit") or raw.full is None:
        raise RuntimeError(f"minimal-violation solve failed: {raw.status} {raw.message}")
    slack = np.maximum(raw.full[model.ie], 0.0)
    out: list[Violation] = []
    for k, e in enumerate(slack):
        row = opt.rows[k]
        if e * row.weight <= 1e-9:
            continue  # numerically zero: this limit need not move
        owner, j = opt.row_owner[k]
        param, bucket, limit, required = owner.limit_move(j, float(e), opt.params)
        out.append(
            Violation(
                name=row.name,
                family=row.family,
                param=param,
                bucket=bucket,
                limit=limit,
                required=required,
                move=required - limit,
                units=row.units,
                normalised=float(e * row.weight),
            )
        )
    total = float(sum(v.normalised for v in out))
    return out, total if math.isfinite(total) else math.nan

"""A small depth-first branch-and-bound inside the outer approximation's master box.

The desk's re-filled books start the outer approximation from the previous book's plan
(the warm start) and its master box: the integer columns narrowed to the plans that could
beat the warm start (:func:`~hedge_planner.solvers.bound_tightening.level_set_box`). When
the warm start is still optimal, the relaxation over the box (this search's first node)
often proves it alone. When the book has moved far enough for the optimum to move by a
contract or two, the box still holds only a few integer points, but the outer
approximation's second master MILP took ~70 ms to prove the gap (measured on the bench's
ladder books with a 10y DV01 of 50,800 per bp: root LP, HiGHS' sub-MIP heuristics, one
branch). Here the same proof is sought with a handful of the HiGHS QP relaxations a
branch-and-bound node takes (~1-2 ms each): depth first, the nearer child first, each node
pruned against the incumbent by the gap, integral relaxations evaluated as fixed-integer
QPs. A search that does not close within its node budget returns None and the masters run
as before, so nothing is lost but the budget.

Exactness: every plan better than the warm start lies in the box, every plan in the box
lies in one leaf, and a leaf is closed only by a relaxation bound within the gap of the
incumbent, an integral relaxation (its own optimum, evaluated exactly), or infeasibility.
The bounds are HiGHS QP objectives, as for the branch-and-bound's nodes of problems without
legs.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hedge_planner.solvers.branching import PseudoCosts
from hedge_planner.solvers.highs_backend import HighsModel, NodeOutcome

__all__ = ["BoxProof", "better_start", "box_search"]

logger = logging.getLogger(__name__)

#: A relaxation's integer column within this of a whole number counts as whole.
_INT_TOL = 1e-6


@dataclass(frozen=True)
class BoxProof:
    """The best plan in the box and the bound that proves it.

    Attributes
    ----------
    x : numpy.ndarray
        All model columns of the best plan (original units).
    objective : float
        Its objective, currency.
    bound : float
        Lower bound over the box, currency (at most ``objective``).
    nodes : int
        Relaxations solved.
    """

    x: np.ndarray
    objective: float
    bound: float
    nodes: int


def box_search(
    model: HighsModel,
    cols: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    incumbent: NodeOutcome,
    gap: float,
    fixed: Callable[[np.ndarray], NodeOutcome],
    max_nodes: int,
    costs: PseudoCosts,
) -> BoxProof | None:
    """Prove the best plan in the integer box ``[lo, hi]`` to the relative ``gap``.

    Parameters
    ----------
    model : HighsModel
        The continuous model; its bounds on ``cols`` are changed (the caller restores them).
    cols : numpy.ndarray of int
        Integer columns.
    lo, hi : numpy.ndarray
        Whole-number box of ``cols`` holding every plan better than ``incumbent``.
    incumbent : NodeOutcome
        An evaluated plan inside the box (status "optimal"), the starting upper bound.
    gap : float
        Relative gap ``(UB - LB) / max(1, |UB|)`` to prove.
    fixed : callable
        ``(values of cols) -> NodeOutcome``: the exact QP with the integers fixed.
    max_nodes : int
        Relaxations allowed before giving up.
    costs : PseudoCosts
        Pseudo-costs of the integer columns, learnt from every child solved and kept by the
        caller between searches of one model (the branching order only shapes the tree).
        Why: near the desk's optimum several columns sit fractional at nearly equal cost;
        the most fractional one moved the bound by a few currency units a split (24
        relaxations left the gap open) where one column closed the whole box in two
        children.

    Returns
    -------
    BoxProof or None
        None when the budget ran out or a relaxation did not solve.
    """
    assert incumbent.x is not None and incumbent.objective is not None
    best_x, ub = incumbent.x, float(incumbent.objective)
    lower = math.inf  # the smallest bound of a closed leaf
    # (lo, hi, the parent's bound, the column split, upward, the distance it moved)
    stack: list[tuple[np.ndarray, np.ndarray, float, int, bool, float]] = [
        (np.array(lo, dtype=float), np.array(hi, dtype=float), 0.0, -1, False, 0.0)
    ]
    nodes = 0
    while stack:
        if nodes >= max_nodes:
            logger.debug("box search: open after %d relaxations", nodes)
            return None
        nlo, nhi, parent, split, upward, dist = stack.pop()
        model.set_bounds(cols, nlo, nhi)
        out = model.run()
        nodes += 1
        if out.status == "infeasible":
            continue
        if out.status != "optimal" or out.x is None or out.objective is None:
            return None
        bound = float(out.objective)
        if split >= 0:
            costs.record(split, upward, bound - parent, dist)
        if ub - bound <= gap * max(1.0, abs(ub)):
            lower = min(lower, bound)
            continue
        xi = out.x[cols]
        frac = np.abs(xi - np.round(xi))
        if float(frac.max(initial=0.0)) <= _INT_TOL:
            r = np.clip(np.round(xi), nlo, nhi)
            ev = fixed(r)
            if ev.status != "optimal" or ev.x is None or ev.objective is None:
                return None
            if ev.objective < ub and np.all(np.isfinite(ev.x)):
                best_x, ub = ev.x, float(ev.objective)
            lower = min(lower, bound)  # the relaxation's optimum is this leaf's plan
            continue
        below = xi - np.floor(xi)
        j = costs.best(np.flatnonzero(frac > _INT_TOL), below)
        down_hi, up_lo = nhi.copy(), nlo.copy()
        down_hi[j], up_lo[j] = math.floor(xi[j]), math.ceil(xi[j])
        down = (nlo, down_hi, bound, j, False, float(below[j]))
        up = (up_lo, nhi, bound, j, True, float(1.0 - below[j]))
        # Depth first, the nearer child on top of the stack.
        stack.extend([up, down] if below[j] < 0.5 else [down, up])
    bound = min(lower, ub)
    # The leaves were closed against the incumbent of their time; the proof is against the
    # final one (whose tolerance is marginally smaller when it fell): check it as a whole.
    if ub - bound > gap * max(1.0, abs(ub)):
        return None
    return BoxProof(best_x, ub, bound, nodes)


def better_start(
    warm: np.ndarray,
    root: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    fixed: Callable[[np.ndarray], NodeOutcome],
    done: dict[bytes, NodeOutcome],
) -> np.ndarray:
    """The better of the warm start and the root relaxation rounded (both evaluated).

    Parameters
    ----------
    warm : numpy.ndarray
        Integer columns of the warm start (the previous book's plan).
    root : numpy.ndarray
        The root relaxation's values of the integer columns.
    lo, hi : numpy.ndarray
        The integer columns' bounds (the rounding is clipped to them).
    fixed : callable
        ``(values of the integer columns) -> NodeOutcome``: the exact fixed-integer QP.
    done : dict
        Evaluated plans by their bytes; both plans are added.

    Returns
    -------
    numpy.ndarray
        ``warm`` or the rounded root, whichever plan is better.

    Why: the master box is cut at the incumbent's objective; when the book has moved far
    from the last one the rounded root is often the better plan, and a box cut at its
    objective holds fewer integer points (measured on the bench's ladder books 500 per bp
    apart: the desk call's median 50 -> 30 ms).
    """
    rounded = np.clip(np.round(root), lo, hi)
    if np.array_equal(rounded, warm):
        return warm
    for r in (warm, rounded):
        if r.tobytes() not in done:
            done[r.tobytes()] = fixed(r)
    a, b = done[warm.tobytes()], done[rounded.tobytes()]
    better = (
        b.status == "optimal"
        and b.objective is not None
        and b.x is not None
        and bool(np.all(np.isfinite(b.x)))
        and (a.status != "optimal" or a.objective is None or b.objective < a.objective)
    )
    return rounded if better else warm

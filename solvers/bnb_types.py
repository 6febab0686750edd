"""The branch-and-bound's result, integrality tolerance and gap test (see ``branch_and_bound``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.warm_tree import SearchTree

__all__ = ["INT_TOL", "BnBResult", "NodeSolver", "closed", "stalled"]

INT_TOL = 1e-6  # integrality tolerance on lot counts

NodeSolver = Callable[[np.ndarray, np.ndarray], NodeOutcome]
# (bound, -depth, unique counter, lo, hi, x): the counter makes the order strict and total.
_Entry = tuple[float, int, int, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class BnBResult:
    """Outcome of the search; objective/bound in currency, None when there is none.

    ``status``: "optimal" (gap proven), "infeasible" (no integer-feasible point),
    "node_limit"/"time_limit" (``x`` is the incumbent, if any; not proven), "error".
    """

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    nodes: int
    message: str = ""
    #: Node QPs the incumbent heuristics of the loop spent (dives, roundings).
    heuristic_nodes: int = 0
    #: The finished search's leaves, for a warm start on new data (optimal searches only).
    tree: SearchTree | None = None


def closed(ub: float, lb: float, gap_tol: float) -> bool:
    """True when a node / search with bound ``lb`` cannot improve ``ub`` by the gap."""
    return math.isfinite(ub) and ub - lb <= gap_tol * max(1.0, abs(ub))


def stalled(ub: float, root_bound: float, lb: float, nodes: int, max_nodes: int) -> bool:
    """True when the bound's progress, extrapolated linearly, misses the gap at ``max_nodes``.

    ``ub`` the incumbent, ``root_bound`` the search's first bound, ``lb`` its bound now
    after ``nodes`` node QPs. Why: on a lattice of lots whose relaxation is flat in many
    directions (the service's desk books: six futures and the CDX in 1mm lots against
    continuous swaps) best first raised the bound by 0.05 of a 50-currency root gap in 60
    node QPs (~200 ms), then the outer approximation proved the gap in two masters; the
    share closed after the first node QPs already says so. Needs an incumbent (the gap's
    other end).
    """
    if not math.isfinite(ub) or not math.isfinite(root_bound):
        return False
    gap0 = ub - root_bound
    if gap0 <= 0.0:
        return False
    share = (lb - root_bound) / gap0
    return share * max_nodes < nodes

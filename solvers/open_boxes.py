"""How the branch-and-bound narrows the boxes of its open nodes (a mixin of its search).

Two rules, each keeping every plan that could still improve the incumbent:

* a level set or a deferred bound tightening gives a box for the whole search
  (:meth:`OpenBoxes.narrow`): the root box and every open node's box are intersected with it;
* a node's own reduced costs, against the incumbent when it is branched on
  (:meth:`OpenBoxes.cost_narrowed`, :func:`~hedge_planner.solvers.branching.cost_box`).

Why the second: on the leg families of benchmarks/bench_integer.py the bound, not the
incumbent, decides the node count. A leg's binary that the relaxation uses at 0.1 pays a
tenth of its ticket there; once its reduced cost exceeds the node's distance to the
incumbent it is fixed at 0, and every child's relaxation is that much tighter (measured
from the first node: ``fut_swaps_legs`` seed 2 979 -> 927 node QPs, ``lots_legs`` seed 0
1,116 -> 956; ``fut_swaps_legs`` seed 0 warm-started with its optimum 851 -> 669).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math

import numpy as np
from hedge_planner.solvers.bnb_types import _Entry
from hedge_planner.solvers.branching import cost_box
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.warm_tree import TreeRecorder

__all__ = ["OpenBoxes"]

logger = logging.getLogger(__name__)

# Why not from the first node: a short search ends when its heuristics meet the optimum
# (its bound is closed early), and narrowed children only change which relaxations they
# round first. Measured from the root: examples/core_plus/case_legs.yaml 153 -> 360 node
# QPs (the optimum rounded at node 358 instead of 153), with max_legs 6 106 -> 136; from
# this many node QPs on, where the bound decides, the families keep their gains
# (fut_swaps_legs seed 2 979 -> 929, lots_legs seed 0 1,116 -> 1,086, seed 2 336 -> 273)
# and the examples are unchanged. On 12 desk ladder books (bench_integer.py --ladders)
# either way was within 1% of none in node QPs.
_COSTS_AFTER = 150


class OpenBoxes:
    """Open-node bookkeeping of a search: its root box, incumbent, heap counter, leaves and
    the reduced costs of its open nodes (set by the search class)."""

    lo0: np.ndarray
    hi0: np.ndarray
    ub: float
    tie: itertools.count[int]
    rec: TreeRecorder
    nodes: int  # node QPs solved so far
    #: Open node (heap counter) -> its certified bound, reduced costs and multipliers.
    costs: dict[int, tuple[float, np.ndarray, np.ndarray | None]]

    def narrow(self, box: tuple[np.ndarray, np.ndarray] | None, heap: list[_Entry]) -> None:
        """Intersect the root box and every open node's box with ``box`` (None: no change).

        ``box`` must hold every plan that could improve the incumbent.
        """
        if box is None:
            return
        self.rec.spoiled = True  # the leaves no longer partition the root box
        b_lo, b_hi = box
        self.lo0, self.hi0 = np.maximum(self.lo0, b_lo), np.minimum(self.hi0, b_hi)
        kept: list[_Entry] = []
        for bound, depth, tie, lo, hi, x in heap:
            lo, hi = np.maximum(lo, b_lo), np.minimum(hi, b_hi)
            if np.all(lo <= hi):
                kept.append((bound, depth, tie, lo, hi, x))
        logger.debug("level-set box: %d of %d open nodes kept", len(kept), len(heap))
        heap[:] = kept
        heapq.heapify(heap)

    def queue(self, heap: list[_Entry], bound: float, depth: int, lo: np.ndarray,
              hi: np.ndarray, x: np.ndarray, out: NodeOutcome) -> None:  # fmt: skip
        """Push an open node, keeping its reduced costs for :meth:`cost_narrowed`."""
        tie = next(self.tie)
        heapq.heappush(heap, (bound, depth, tie, lo, hi, x))
        if out.costs is not None and out.bound is not None:
            self.costs[tie] = (out.bound, out.costs, out.dual)

    def cost_narrowed(
        self, tie: int, lo: np.ndarray, hi: np.ndarray, gap_tol: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The box of the popped node ``tie`` narrowed by its reduced costs against the
        incumbent (:func:`~hedge_planner.solvers.branching.cost_box`); None when no plan in
        it can close the gap. The pieces cut off stay leaves of the tree, at the node's
        multipliers (:meth:`TreeRecorder.narrowed`).
        """
        entry = self.costs.pop(tie, None)
        if entry is None or not math.isfinite(self.ub) or self.nodes < _COSTS_AFTER:
            return lo, hi
        lower, costs, dual = entry
        slack = self.ub - gap_tol * max(1.0, abs(self.ub)) - lower
        if slack <= 0.0:
            return None
        n_lo, n_hi = cost_box(lo, hi, costs, slack)
        if np.any(n_lo > n_hi):
            return None
        if not (np.array_equal(n_lo, lo) and np.array_equal(n_hi, hi)):
            self.rec.narrowed(lo, hi, n_lo, n_hi, dual)
        return n_lo, n_hi

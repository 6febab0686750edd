"""Branching rule of the branch-and-bound: pseudo-costs learnt from the children solved.

Which integer position a node is split on only decides the shape of the tree, never what
the search proves: every split covers the node's box (``v <= floor`` or ``v >= ceil``), so
any rule keeps the search exact. The rule sets how fast the bound rises.

Why not "most fractional": on the leg families of benchmarks/bench_integer.py the root
relaxation lies ~70% below the optimum and the bound, not the incumbent, decides the node
count (with the optimum as warm start ``fut_swaps_legs`` seed 0 still took 779 node QPs).
A leg's binary at 0.5 is its trade at half its big-M; branching on it may move the bound
by nothing, while another binary at 0.05 (a large trade that the leg limit rations) moves
it a lot. Pseudo-costs measure that: per position and direction, the mean rise of the
node bound per unit of fractionality removed (``(child - parent) / distance``), learnt
from every child the search solves. Candidates are scored by the product rule
``max(down, eps) * max(up, eps)`` of the expected rises; a position not yet branched on
takes the mean rate of its direction (before any observation the rule is "most
fractional": the score is then ``f (1 - f)``). The search uses the rule once it has
solved a few hundred node QPs (``branch_and_bound._PSEUDO_AFTER``), learning from the start.

Measured and dropped: strong branching on positions without observations (both children
of up to 8 candidates per node, reused when chosen). On ``lots_legs`` and
``fut_swaps_legs`` it gave about the same node counts as learning from the search's own
children, but doubled the examples' (``case.yaml`` 50 -> 124 node QPs): their whole
search is ~50-300 node QPs, of which the initialisation took most.
"""

from __future__ import annotations

import math

import numpy as np
from hedge_planner.solvers.bnb_types import INT_TOL

__all__ = ["PseudoCosts", "child_box", "cost_box", "split_point", "with_value"]

#: Smallest expected rise in the product score (currency): a direction that never moved
#: the bound still ranks candidates by the other direction.
_EPS = 1e-6


class PseudoCosts:
    """Pseudo-costs of the integer positions of one search.

    Parameters
    ----------
    k : int
        Number of integer positions.
    """

    def __init__(self, k: int) -> None:
        self.sum = np.zeros((2, k))  # [down, up]: sum of bound rise per unit distance
        self.n = np.zeros((2, k))

    def record(self, j: int, up: bool, rise: float, dist: float) -> None:
        """One observation: branching ``j`` ``up`` (else down) by ``dist`` rose the bound
        by ``rise`` (currency; negatives are solver noise and count as 0)."""
        if not (math.isfinite(rise) and dist > 1e-9):
            return
        self.sum[int(up), j] += max(rise, 0.0) / dist
        self.n[int(up), j] += 1

    def per_unit(self) -> np.ndarray:
        """Mean rise per unit distance, ``(2, k)``; unobserved entries take the mean of the
        observed ones of their direction (1 when there are none)."""
        out = np.empty_like(self.sum)
        for d in (0, 1):
            seen = self.n[d] > 0
            mean = float(np.mean(self.sum[d, seen] / self.n[d, seen])) if np.any(seen) else 1.0
            out[d] = np.where(seen, self.sum[d] / np.maximum(self.n[d], 1), mean)
        return out

    def best(self, cand: np.ndarray, frac: np.ndarray) -> int:
        """Candidate (index) with the highest product score.

        ``frac``: distance of each position to its floor (``v - floor(v)``), all positions.
        """
        pu = self.per_unit()
        f = frac[cand]
        down, up = pu[0, cand] * f, pu[1, cand] * (1.0 - f)
        score = np.maximum(down, _EPS) * np.maximum(up, _EPS)
        return int(cand[int(np.argmax(score))])


def with_value(a: np.ndarray, j: int, v: float) -> np.ndarray:
    """A copy of ``a`` with element ``j`` set to ``v``."""
    out = a.copy()
    out[j] = v
    return out


def child_box(
    lo: np.ndarray, hi: np.ndarray, j: int, v: float, up: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Box of the child of ``[lo, hi]`` with position ``j`` (value ``v``) rounded up / down."""
    if up:
        return np.maximum(lo, with_value(lo, j, math.ceil(v))), hi
    return lo, np.minimum(hi, with_value(hi, j, math.floor(v)))


def split_point(
    x: np.ndarray, frac: np.ndarray, ic: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray | None:
    """An approximate node's point to branch from: ``x``, or if whole in every lot
    (``frac``: each integer position's distance to a whole lot; ``ic``: their indices in
    ``x``), ``x`` moved half a lot into the box ``[lo, hi]`` along its widest position, so
    the search splits the box there and the boxes shrink to plans; None for a plan's box.

    Why: an inexact solve's point proves nothing, so an integral one does not close its
    box as an exact relaxation's would; only the box's plans, solved exactly, do.
    """
    if np.any(frac > INT_TOL):
        return x
    width = hi - lo
    if not np.any(width > 0):
        return None
    j = int(np.argmax(width))
    point = x.copy()
    v = min(max(round(float(point[ic[j]])), lo[j]), hi[j])  # an inexact point may lie outside
    point[ic[j]] = v + 0.5 if v < hi[j] else v - 0.5
    return point


def cost_box(
    lo: np.ndarray, hi: np.ndarray, costs: np.ndarray, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """The part of the integer box ``[lo, hi]`` whose plans could still close the gap.

    ``costs`` are the positions' reduced costs at the multipliers of a certified node bound
    ``L`` (currency per unit, :attr:`~hedge_planner.solvers.highs_backend.NodeOutcome.costs`)
    and ``slack = T - L``, with ``T`` the bound at which a node is pruned. The Lagrangian is
    linear in a flat position over its box, so at the same multipliers every point with
    ``x_j >= lo_j + delta`` (cost ``> 0``) has a bound of at least ``L + cost_j delta``:
    past ``delta = slack / cost_j`` it is pruned. Each position's cut holds on its own, so
    all of them together do (reduced-cost tightening). Whole lots only: the kept sides are
    rounded inwards to whole numbers, and an empty box (``lo > hi`` somewhere) means the node
    holds no plan that could close the gap.
    """
    width = np.full(len(costs), np.inf)
    pull = np.abs(costs) > 0.0
    # Why the widening: the cut must never be a hair too tight (the bound is already rounded
    # down; a wider box only keeps plans that the search then prunes itself).
    width[pull] = slack / np.abs(costs[pull]) * (1.0 + 1e-9) + 1e-9
    new_lo, new_hi = lo.copy(), hi.copy()
    up, down = costs > 0.0, costs < 0.0
    new_hi[up] = np.minimum(hi[up], np.floor(lo[up] + width[up]))
    new_lo[down] = np.maximum(lo[down], np.ceil(hi[down] - width[down]))
    return new_lo, new_hi

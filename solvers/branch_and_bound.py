"""Best-first branch-and-bound over continuous relaxations (exact MIQP; HiGHS has no MIQP).

The search knows nothing about the hedge problem or HiGHS: it calls ``solve_node(lo, hi)``
with a box on the integer variables and gets a :class:`NodeOutcome` whose ``x`` is the
vector of (scaled) decision variables, integer ones at positions ``int_pos``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from hedge_planner.solvers.bnb_types import (
    INT_TOL,
    BnBResult,
    NodeSolver,
    _Entry,
    closed,
    stalled,
)
from hedge_planner.solvers.branching import PseudoCosts, child_box, split_point
from hedge_planner.solvers.dives import Heuristics
from hedge_planner.solvers.heuristic_budget import DiveSchedule, HeuristicBudget
from hedge_planner.solvers.highs_backend import NodeOutcome
from hedge_planner.solvers.open_boxes import OpenBoxes
from hedge_planner.solvers.warm_tree import Certify, SearchTree, TreeRecorder, replay

__all__ = ["BnBResult", "NodeSolver", "branch_and_bound", "child_box", "closed"]

logger = logging.getLogger(__name__)

_Box = tuple[np.ndarray, np.ndarray]  # an integer box (lo, hi)
# Why: pseudo-costs learnt from a few dozen children mislead (the examples with legs,
# ~50-250 node QPs, took 18-25% more with them from the root: case_legs.yaml 218 -> 257,
# with max_legs 6 255 -> 318), while the leg families' searches run for 500-5,000 node
# QPs. Before this many the rule is "most fractional" and the costs are only learnt
# (examples 218 / 204 / 50 node QPs; fut_swaps_legs seed 0 1,155 -> 985, lots_legs seed 0
# 2,408 -> 1,039, fut_swaps_legs seed 2 1,968 -> 1,013; from the root: 770 / 866 / 829).
_PSEUDO_AFTER = 150

#: ``ub -> root box`` over the plans with objective ``<= ub`` (or None: unchanged).
Retighten = Callable[[float], "tuple[np.ndarray, np.ndarray] | None"]
#: ``(ub, root bound, node QPs) -> (decided, root box or None)``: a deferred root
#: tightening, asked every ``tighten_after`` node QPs until it has decided.
Tighten = Callable[[float, float, int], "tuple[bool, tuple[np.ndarray, np.ndarray] | None]"]
#: Re-tighten when ``UB - root bound`` has fallen to this share of its value at the last
#: tightening (the level set's radii scale with its square root).
_RETIGHTEN_SHRINK = 0.5


class _Search(Heuristics, OpenBoxes):
    """State of one search (incumbent, node count, memoised fixed-integer solves)."""

    def __init__(
        self,
        solve_node: NodeSolver,
        fallback: NodeSolver | None,
        int_pos: np.ndarray,
        lo0: np.ndarray,
        hi0: np.ndarray,
        round_up: np.ndarray | None = None,
        priority: np.ndarray | None = None,
        hessian: np.ndarray | None = None,
        retighten: Retighten | None = None,
        pseudo_costs: bool = False,
    ) -> None:
        self.node_fn, self.fallback = solve_node, fallback
        self.retighten = retighten
        self.tighten: Tighten | None = None  # deferred root tightening (see branch_and_bound)
        self.tighten_after = self.tighten_next = 0
        self.root_bound = -math.inf
        self.retighten_below = math.inf  # UB at which the next re-tightening runs
        self.ic, self.lo0, self.hi0 = int_pos, lo0, hi0
        k = len(int_pos)
        self.up = np.zeros(k, dtype=bool) if round_up is None else np.asarray(round_up, bool)
        self.prio = np.zeros(k) if priority is None else np.asarray(priority, dtype=float)
        self.hess = hessian
        self.nodes = 0
        self.fixed_cache: dict[bytes, NodeOutcome] = {}
        self.rounded_sets: set[bytes] = set()  # leg sets rounded by round_decided
        self.best_x: np.ndarray | None = None
        self.best_exact = False  # incumbent from a fixed-integer QP (no polish needed)
        self.ub = math.inf
        #: The caller's check of a plan; an incumbent it refuses is not taken.
        self.verify: Callable[[np.ndarray], bool] | None = None
        self.tie = itertools.count()  # heap tie-breaker: arrays are never compared
        #: Pseudo-costs of the branching rule (None: most fractional, see branch_var).
        self.pc = PseudoCosts(k) if pseudo_costs else None
        #: Node QPs the incumbent heuristics may spend (dives, roundings in the loop).
        self.budget = HeuristicBudget()
        self.leg_limit: int | None = None  # most leg binaries at 1 together
        self.rec = TreeRecorder()  # the tree's leaves (hedge_planner.solvers.warm_tree)
        self.costs = {}  # open node (heap counter) -> its bound, reduced costs, multipliers

    def heuristic(self, run: Callable[[], None]) -> None:
        """Run an incumbent heuristic if its budget allows, and charge what it spent."""
        if not self.budget.allows(self.nodes):
            return
        n0, ub0 = self.nodes, self.ub
        run()
        self.budget.charge(self.nodes - n0, self.ub < ub0)

    def maybe_retighten(self, heap: list[_Entry]) -> None:
        """Narrow the root box and every open node's box: deferred tightening, level set.

        The deferred tightening (``tighten``) runs once the search has spent
        ``tighten_after`` node QPs; the level set (``retighten``) whenever the incumbent has
        improved materially (``UB - root bound`` halved since the last call). Either box
        contains every plan with objective ``<= UB``; a node whose box misses it holds no
        plan better than the incumbent and is dropped, the others keep their bound (a
        relaxation's over a larger set: still a bound).
        """
        if self.tighten is not None and self.nodes >= self.tighten_next:
            self.tighten_next = self.nodes + self.tighten_after
            done, box = self.tighten(self.ub, self.root_bound, self.nodes)
            if done:
                self.tighten = None
            if box is not None:
                self.narrow(box, heap)
                self.retighten_below = math.inf  # the level set may follow at once
        if self.retighten is None or not self.ub < self.retighten_below:
            return
        self.retighten_below = self.root_bound + _RETIGHTEN_SHRINK * (self.ub - self.root_bound)
        self.narrow(self.retighten(self.ub), heap)

    def solve_node(
        self, lo: np.ndarray, hi: np.ndarray, pre: NodeOutcome | None = None
    ) -> NodeOutcome:
        self.nodes += 1
        return self.node_fn(lo, hi) if pre is None else pre

    def solve_pair(self, a: _Box, b: _Box) -> tuple[NodeOutcome, NodeOutcome] | None:
        """Two sibling relaxations solved at once when the node solver can (its ``pair``:
        one on another thread), else None. Why only the relaxations: everything that reads
        or changes the search's state (pruning, incumbents, pseudo-costs) then runs in the
        serial order, so the search is the one a serial run makes (unless the first
        sibling's solve fails: serially, the second might then go to the other node
        solver first; either solver's outcome is exact)."""
        pair = getattr(self.node_fn, "pair", None)
        return None if pair is None else pair(a, b)

    def solve_exact(
        self, lo: np.ndarray, hi: np.ndarray, pre: NodeOutcome | None = None
    ) -> NodeOutcome:
        """Node relaxation for the search proper: primary solver (or its outcome ``pre``,
        solved beforehand), else the fallback.

        Why: HiGHS' QP fails ("Solve error") on some feasible nodes; pruning them would
        silently lose the optimality proof.
        """
        out = self.solve_node(lo, hi, pre)
        # An approximate point with a certified bound is already what the last resort can
        # give (its points are approximate too): only a failed or unbounded node calls it.
        uncertain = out.status == "approximate" and out.bound is None
        if (out.status == "error" or uncertain) and self.fallback is not None:
            logger.debug("node relaxation failed: fallback solver")
            fb = self.fallback(lo, hi)
            if fb.status in ("optimal", "infeasible") or (
                out.status == "error" and fb.status != "error"
            ):
                out = fb
        self.rec.solved(lo, hi, out)
        return out

    def solve_fixed(self, r: np.ndarray) -> NodeOutcome:
        """Integers fixed at ``r``: the continuous part re-optimised (memoised)."""
        key = r.tobytes()
        if key not in self.fixed_cache:
            self.fixed_cache[key] = self.solve_node(r, r)
        return self.fixed_cache[key]

    def frac(self, x: np.ndarray) -> np.ndarray:
        v = x[self.ic]
        return np.abs(v - np.round(v))

    def branch_var(self, x: np.ndarray) -> int:
        """Integer position to split a node with relaxation ``x`` on.

        Among the fractional positions of the highest priority: the most fractional, or
        with pseudo-costs (:mod:`~hedge_planner.solvers.branching`), once the search has
        solved ``_PSEUDO_AFTER`` node QPs, the best product score.
        """
        fr = self.frac(x)
        open_ = fr > INT_TOL
        if not np.any(open_):  # integral within INT_TOL, no plan in whole lots: split
            open_ = fr > 0.0  # the least integral position (see accept_integral)
        top = np.max(self.prio[open_]) if np.any(open_) else 0.0
        if self.pc is None or self.nodes < _PSEUDO_AFTER:
            return int(np.argmax(np.where(open_ & (self.prio >= top), fr, -1.0)))
        v = x[self.ic]
        return self.pc.best(np.flatnonzero(open_ & (self.prio >= top)), v - np.floor(v))

    def consider(self, x: np.ndarray, obj: float, exact: bool) -> None:
        if obj < self.ub and (self.verify is None or self.verify(x)):
            self.ub, self.best_x, self.best_exact = obj, x.copy(), exact

    def accept_integral(self, x: np.ndarray, obj: float, exact: bool) -> bool:
        """Take a relaxation integral within ``INT_TOL`` as a plan: the fixed-integer QP at
        its rounded lots (unless the node fixes every integer). Why: a lot at 24.999999 can
        meet a limit the whole lots miss. False when that QP has no plan: branch on it.
        """
        if exact:
            self.consider(x, obj, True)
            return True
        out = self.solve_fixed(np.round(x[self.ic]))
        if out.status == "optimal" and out.x is not None and out.objective is not None:
            self.consider(out.x, out.objective, True)
            return True
        if out.status == "infeasible":
            return False
        self.consider(x, obj, False)  # the fixed QP failed: the node's own point, polished
        return True

    def try_fixed(self, r: np.ndarray) -> None:
        if np.any(r < self.lo0) or np.any(r > self.hi0):
            return
        out = self.solve_fixed(r)
        if out.status == "optimal" and out.x is not None and out.objective is not None:
            self.consider(out.x, out.objective, True)


def branch_and_bound(
    solve_node: NodeSolver,
    int_pos: np.ndarray,
    lo0: np.ndarray,
    hi0: np.ndarray,
    *,
    gap_tol: float,
    time_limit: float,
    max_nodes: int,
    warm_int: np.ndarray | None = None,
    fallback: NodeSolver | None = None,
    round_up: np.ndarray | None = None,
    priority: np.ndarray | None = None,
    hessian: np.ndarray | None = None,
    retighten: Retighten | None = None,
    stall_every: int | None = None,
    tighten: Tighten | None = None,
    tighten_after: int = 0,
    pseudo_costs: bool = False,
    verify: Callable[[np.ndarray], bool] | None = None,
    heuristic_budget: HeuristicBudget | None = None,
    leg_limit: int | None = None,
    warm_tree: SearchTree | None = None,
    certify: Certify | None = None,
) -> BnBResult:
    """Best-first branch-and-bound; stops at ``(UB - LB) / max(1, |UB|) <= gap_tol``.

    Nodes are boxes on the integer variables; children are evaluated eagerly so integral
    children update the incumbent at once. Incumbents before branching, in order: the
    previous solve's integer plan (``warm_int``), the rounded root relaxation and, if the gap
    is still open, fractional dives; each fixes the integers and re-optimises the continuous
    part. The warm start only tightens UB early, so the proof of the gap is unchanged.
    Heap entries are ``(bound, -depth, counter, ...)`` with a unique counter: a strict total
    order, so ties never compare arrays.

    Parameters
    ----------
    solve_node : callable
        ``(lo, hi) -> NodeOutcome``: the relaxation with the integers boxed in ``[lo, hi]``.
    int_pos : numpy.ndarray of int
        Positions of the integer variables in ``NodeOutcome.x``.
    lo0, hi0 : numpy.ndarray
        Root box of the integer variables.
    gap_tol, time_limit, max_nodes
        Relative gap, seconds, node cap.
    warm_int : numpy.ndarray, optional
        Integer part of a previous plan (scaled lots).
    fallback : callable, optional
        Solver for nodes where ``solve_node`` ends in "error".
    round_up : numpy.ndarray of bool, optional
        Integer positions rounded up (not to nearest) by the heuristics (selection binaries).
    priority : numpy.ndarray, optional
        Branching priority per integer position: the most fractional of the highest
        priority is branched on (default: most fractional overall).
    hessian : numpy.ndarray, optional
        Curvature of the objective in the integer positions (square, their order): ranks
        roundings in the dives (:meth:`_Search.model_roundings`); heuristics only.
    retighten : callable, optional
        ``ub -> (lo, hi)``: a root box holding every plan with objective ``<= ub``, called
        when the incumbent improves materially (:meth:`_Search.maybe_retighten`); the
        model behind ``solve_node`` may tighten with it (the legs' big-M).
    tighten : callable, optional
        ``(ub, root bound, node QPs) -> (decided, box)``: asked every ``tighten_after``
        node QPs while the search is open, until it answers ``decided``; a ``box`` (not
        None) holds every plan and narrows the root and the open nodes as for
        ``retighten`` (the model behind ``solve_node`` may tighten with it too). For a
        bound tightening whose cost pays only on some searches, decided by the caller.
    stall_every : int, optional
        Every this many node QPs, the search stops with "node_limit" (message "bound
        stalled") when the share of the root gap ``UB - root bound`` its bound has closed,
        extrapolated linearly, would not close it within ``max_nodes`` (see
        :func:`~hedge_planner.solvers.bnb_types.stalled`). For a caller with a second exact
        method to hand over to.
    pseudo_costs : bool
        Branch by pseudo-costs learnt from the children solved
        (:mod:`~hedge_planner.solvers.branching`) instead of on the most fractional.
    verify : callable, optional
        The caller's check of a plan (search vector); no incumbent it refuses is taken.
        Why: node solvers meet rows to their own tolerance (an interior point's fixed QP
        passed a duration band missed by 5e-8 years), the caller checks a tighter one.
    heuristic_budget : HeuristicBudget, optional
        Node QPs the dives and roundings of the loop may spend
        (:mod:`~hedge_planner.solvers.heuristic_budget`; default: its defaults).
    leg_limit : int, optional
        Most ``round_up`` positions (leg binaries) at 1 together: while the search has no
        incumbent, its dives eliminate legs down to it (:meth:`Heuristics.leg_dive`). (Not
        from the root: on the desk example, whose search proves the gap in ~21 node QPs
        without a dive, a root leg dive cost 17 more.)
    warm_tree, certify : optional
        The leaves of a previous search of this problem (other data) and the certified
        bound of a box at multipliers on the current data: the search starts from the
        leaves instead of the root (:mod:`~hedge_planner.solvers.warm_tree`). The result's
        ``tree`` is this search's, when it ended optimal.
    """
    t0 = time.perf_counter()
    s = _Search(solve_node, fallback, int_pos, lo0, hi0, round_up, priority, hessian, retighten,
                pseudo_costs)  # fmt: skip
    s.tighten, s.tighten_after, s.tighten_next = tighten, tighten_after, tighten_after
    s.verify = verify
    if heuristic_budget is not None:
        s.budget = heuristic_budget
    s.leg_limit = leg_limit
    if np.any(lo0 > hi0):  # an empty root box (e.g. implied bounds): no plan at all
        return BnBResult("infeasible", None, None, None, 0, "empty integer box")
    unresolved: list[float] = []
    heap: list[_Entry] | BnBResult | None = None
    if warm_tree is not None and certify is not None and warm_tree.fits(lo0, hi0):
        limits = (t0 + time_limit, max_nodes)
        heap = _replay(s, warm_tree, certify, warm_int, gap_tol, unresolved, limits)
    heap = _root(s, warm_int, gap_tol) if heap is None else heap
    if isinstance(heap, BnBResult):
        return heap
    status, unresolved = _search(s, heap, gap_tol, t0 + time_limit, max_nodes, stall_every,
                                 unresolved)  # fmt: skip
    lb = min(heap[0][0], s.ub) if heap else s.ub
    message = "bound stalled" if status == "stalled" else ""
    status = "node_limit" if status == "stalled" else status
    if unresolved:
        lb = min(lb, *unresolved)
        if status == "optimal" and not closed(s.ub, lb, gap_tol):
            status = "error"
            message = f"node relaxation failed on {len(unresolved)} node(s): gap not proven"
    logger.info(
        "branch-and-bound: %s after %d node QPs, %.1f ms",
        status,
        s.nodes,
        1e3 * (time.perf_counter() - t0),
    )
    return _finish(s, status, lb, message)


def _root(s: _Search, warm_int: np.ndarray | None, gap_tol: float) -> list[_Entry] | BnBResult:
    """The root relaxation and the first incumbents: the open nodes, or the search's end."""
    lo0, hi0 = s.lo0, s.hi0
    root = s.solve_exact(lo0, hi0)
    if root.status == "approximate" and root.x is not None and root.objective is not None:
        return _approximate_root(s, root, warm_int, gap_tol)
    if root.status != "optimal" or root.x is None or root.objective is None:
        return BnBResult(root.status, None, None, None, s.nodes, f"root relaxation {root.status}")
    x, obj = root.x, root.objective
    lb_root = root.lower if root.lower is not None else obj  # certified when given
    s.root_bound = lb_root
    integral = bool(np.all(s.frac(x) <= INT_TOL))
    if integral and not s.accept_integral(x, obj, bool(np.array_equal(lo0, hi0))):
        if not np.any(s.frac(x) > 0.0):
            msg = "the root's whole-lot plan failed its fixed-integer solve"
            return BnBResult("error", None, None, lb_root, s.nodes, msg)
        integral = False  # branched on from the root
    if not integral:
        if warm_int is not None:
            s.try_fixed(warm_int)
        if not closed(s.ub, lb_root, gap_tol):
            s.try_fixed(s.rounded(x[s.ic], lo0, hi0))
    heap: list[_Entry] = []
    if not integral and not closed(s.ub, lb_root, gap_tol):
        s.queue(heap, lb_root, 0, lo0, hi0, x, root)
    return heap


def _approximate_root(
    s: _Search, root: NodeOutcome, warm_int: np.ndarray | None, gap_tol: float
) -> list[_Entry] | BnBResult:
    """The open nodes when only an inexact solve gave the root (see :func:`_root`): its
    point to branch from and round, its certified bound if any (else none: ``-inf``)."""
    assert root.x is not None
    x, lo0, hi0 = root.x, s.lo0, s.hi0
    lb_root = root.bound if root.bound is not None else -math.inf
    s.root_bound = lb_root
    if warm_int is not None:
        s.try_fixed(warm_int)
    s.try_fixed(s.rounded(x[s.ic], lo0, hi0))
    if closed(s.ub, lb_root, gap_tol):
        return []
    point = split_point(x, s.frac(x), s.ic, lo0, hi0)
    if point is None:  # one plan, no exact value
        msg = "root relaxation approximate and fixed: gap not proven"
        return BnBResult("error", None, None, lb_root, s.nodes, msg)
    return [(lb_root, 0, next(s.tie), lo0, hi0, point)]


def _search(
    s: _Search,
    heap: list[_Entry],
    gap_tol: float,
    deadline: float,
    max_nodes: int,
    stall_every: int | None = None,
    unresolved: list[float] | None = None,
) -> tuple[str, list[float]]:
    """Best-first loop; returns the status and the bounds of nodes whose solve failed.

    The status "stalled" is the caller's "node_limit" with its own message (see
    :func:`~hedge_planner.solvers.bnb_types.stalled`).
    """
    status = "optimal"
    unresolved = [] if unresolved is None else unresolved  # bounds of nodes whose solve failed
    dives = DiveSchedule(s.nodes, bool(np.any(s.up)))
    next_stall = s.nodes + stall_every if stall_every else math.inf
    while heap:
        if closed(s.ub, heap[0][0], gap_tol):
            break
        s.maybe_retighten(heap)
        if not heap:
            break
        if s.nodes >= max_nodes:
            status = "node_limit"
            break
        if s.nodes >= next_stall:
            if stall_every and stalled(s.ub, s.root_bound, heap[0][0], s.nodes, max_nodes):
                status = "stalled"
                break
            next_stall = s.nodes + (stall_every or 0)
        if time.perf_counter() > deadline:
            status = "time_limit"
            break
        bound, depth, tie, lo, hi, xn = heapq.heappop(heap)
        s.heuristic(partial(s.round_decided, lo, hi, xn))
        if closed(s.ub, bound, gap_tol):  # its roundings closed the gap
            heapq.heappush(heap, (bound, depth, next(s.tie), lo, hi, xn))
            continue
        if dives.due(s.nodes):
            # The cheap incumbents did not close the gap within a few nodes: dive from the
            # best open node (repeated while the search stays open, less often while the
            # dives fail: DiveSchedule).
            dive = s.leg_dive if not math.isfinite(s.ub) else s.dive
            ub_before = s.ub
            s.heuristic(partial(dive, lo, hi, xn, gap_tol))
            dives.dived(s.nodes, ub_before, s.ub)
            if closed(s.ub, bound, gap_tol):
                heapq.heappush(heap, (bound, depth, next(s.tie), lo, hi, xn))
                continue
        box = s.cost_narrowed(tie, lo, hi, gap_tol)
        if box is None:
            continue  # its reduced costs prune it
        lo, hi = box
        j = s.branch_var(xn)
        v = xn[s.ic[j]]
        s.rec.split(lo, hi)
        kids = [(up, *child_box(lo, hi, j, v, up)) for up in (False, True)]
        kids = [k for k in kids if k[1][j] <= k[2][j]]
        pre = s.solve_pair(kids[0][1:], kids[1][1:]) if len(kids) == 2 else None
        for n, (up, c_lo, c_hi) in enumerate(kids):
            p = None if pre is None else pre[n]
            child = _child(s, heap, c_lo, c_hi, bound, depth - 1, gap_tol, unresolved, p)
            if s.pc is not None and child.status == "optimal" and child.objective is not None:
                s.pc.record(j, up, child.objective - bound, abs(v - c_lo[j] if up else v - c_hi[j]))
    return status, unresolved


def _child(s: _Search, heap: list[_Entry], lo: np.ndarray, hi: np.ndarray, bound: float,
           depth: int, gap_tol: float, unresolved: list[float],
           pre: NodeOutcome | None = None) -> NodeOutcome:  # fmt: skip
    """Solve the node ``[lo, hi]`` (its parent's bound ``bound``; ``pre``: its relaxation,
    already solved beside its sibling's): prune it, take it as the incumbent, or queue it.
    Returns its outcome."""
    child = s.solve_exact(lo, hi, pre)
    if child.status == "approximate" and child.x is not None:
        # Only an inexact solve succeeded: its objective proves nothing. The child keeps
        # its parent's bound (valid: a sub-box) or the certified one at its multipliers
        # if higher, and is branched on from the approximate point.
        if child.bound is not None:
            if closed(s.ub, child.bound, gap_tol):
                return child  # pruned by the certified bound
            bound = max(bound, child.bound)
        s.try_fixed(s.rounded(child.x[s.ic], lo, hi))
        point = split_point(child.x, s.frac(child.x), s.ic, lo, hi)
        if point is not None:
            heapq.heappush(heap, (bound, depth, next(s.tie), lo, hi, point))
        elif not closed(s.ub, bound, gap_tol):
            unresolved.append(bound)  # a plan no exact solve could value
        return child
    if child.status == "error":
        unresolved.append(bound)  # not pruned by any proof: bound kept
        return child
    lower = child.lower  # the certified bound when the node solver gave one
    if child.status != "optimal" or child.x is None or lower is None:
        return child  # infeasible child: pruned
    if closed(s.ub, lower, gap_tol):
        return child  # cannot improve enough: pruned by bound
    fr = s.frac(child.x)
    if np.all(fr <= INT_TOL) and child.objective is not None:
        if s.accept_integral(child.x, child.objective, bool(np.array_equal(lo, hi))):
            return child
        if not np.any(fr > 0.0):
            unresolved.append(bound)  # whole lots, fixed solve failed: unproven
            return child
    s.queue(heap, max(lower, bound), depth, lo, hi, child.x, child)
    return child


def _replay(
    s: _Search,
    tree: SearchTree,
    certify: Certify,
    warm_int: np.ndarray | None,
    gap_tol: float,
    unresolved: list[float],
    limits: tuple[float, int],
) -> list[_Entry] | None:
    """The open nodes of a search started from ``tree``'s leaves, or None when too few of
    them close (:mod:`hedge_planner.solvers.warm_tree`); the warm start is tried first.
    Past the deadline or the node cap (``limits``) a leaf is queued unsolved (at its
    certified bound): the search then stops at its limit, unproven, before popping it."""
    heap: list[_Entry] = []
    if warm_int is not None:
        s.try_fixed(warm_int)

    def expand(lo: np.ndarray, hi: np.ndarray, bound: float) -> NodeOutcome:
        if time.perf_counter() > limits[0] or s.nodes >= limits[1]:
            heapq.heappush(heap, (bound, 0, next(s.tie), lo, hi, lo))
            return NodeOutcome("error", None, None)
        return _child(s, heap, lo, hi, bound, 0, gap_tol, unresolved)

    low = replay(tree, certify, lambda b: closed(s.ub, b, gap_tol), s.rec.keep, expand)
    if low is None:
        return None
    s.root_bound = low
    return heap


def _finish(s: _Search, status: str, lb: float, message: str) -> BnBResult:
    """Result from the search state; the incumbent polished with its integers fixed."""
    lb_out = lb if math.isfinite(lb) else None
    if s.best_x is None:
        if status == "optimal":
            return BnBResult("infeasible", None, None, None, s.nodes, "no integer-feasible point",
                             s.budget.total)  # fmt: skip
        return BnBResult(status, None, None, lb_out, s.nodes, message or "no incumbent",
                         s.budget.total)  # fmt: skip
    best_x, ub = s.best_x, s.ub
    if not s.best_exact:
        # Polish: fix the integers exactly and re-optimise the continuous part.
        pol = s.solve_fixed(np.round(best_x[s.ic]))
        if (
            pol.status == "optimal"
            and pol.x is not None
            and pol.objective is not None
            and pol.objective <= ub + 1e-9 * max(1.0, abs(ub))
        ):
            best_x, ub = pol.x, min(ub, pol.objective)
    tree = s.rec.tree(s.lo0, s.hi0) if status == "optimal" else None
    return BnBResult(status, best_x, ub, min(lb, ub), s.nodes, message, s.budget.total, tree)

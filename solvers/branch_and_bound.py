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
from dataclasses import dataclass

import numpy as np
from hedge_planner.solvers.branching import PseudoCosts
from hedge_planner.solvers.highs_backend import NodeOutcome

__all__ = ["BnBResult", "NodeSolver", "branch_and_bound"]

logger = logging.getLogger(__name__)

INT_TOL = 1e-6  # integrality tolerance on lot counts
# Why: on the benchmark sweep most points close within ~6 node QPs of the root (bound-side
# gap); a dive there is wasted. Points whose gap is the incumbent's need one early.
_DIVE_AFTER = 6  # node QPs of the search proper before the first dive
# Why: with the legs' binaries the root relaxation trades a little of everything, and a
# dive from it fixes a poor set of legs (the desk example: five legs, 2.4% above the
# optimum, ~40 QPs); after ~30 node QPs best-first has branched on the large legs and the
# first dive finds the optimum's legs (desk example 86 -> 48 node QPs, legs 110 -> 72).
_DIVE_AFTER_LEGS = 30
_DIVE_EVERY = 24  # node QPs between later dives
# Why: pseudo-costs learnt from a few dozen children mislead (the examples with legs,
# ~50-250 node QPs, took 18-25% more with them from the root: case_legs.yaml 218 -> 257,
# with max_legs 6 255 -> 318), while the leg families' searches run for 500-5,000 node
# QPs. Before this many the rule is "most fractional" and the costs are only learnt
# (examples 218 / 204 / 50 node QPs; fut_swaps_legs seed 0 1,155 -> 985, lots_legs seed 0
# 2,408 -> 1,039, fut_swaps_legs seed 2 1,968 -> 1,013; from the root: 770 / 866 / 829).
_PSEUDO_AFTER = 150
_MODEL_OPEN = 12  # fractional positions enumerated by the curvature-ranked rounding
_MODEL_TRIES = 3  # fixed-integer QPs it may spend per dive

NodeSolver = Callable[[np.ndarray, np.ndarray], NodeOutcome]
#: ``ub -> root box`` over the plans with objective ``<= ub`` (or None: unchanged).
Retighten = Callable[[float], "tuple[np.ndarray, np.ndarray] | None"]
#: Re-tighten when ``UB - root bound`` has fallen to this share of its value at the last
#: tightening (the level set's radii scale with its square root).
_RETIGHTEN_SHRINK = 0.5
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


def closed(ub: float, lb: float, gap_tol: float) -> bool:
    """True when a node / search with bound ``lb`` cannot improve ``ub`` by the gap."""
    return math.isfinite(ub) and ub - lb <= gap_tol * max(1.0, abs(ub))


def _set(a: np.ndarray, j: int, v: float) -> np.ndarray:
    out = a.copy()
    out[j] = v
    return out


def child_box(
    lo: np.ndarray, hi: np.ndarray, j: int, v: float, up: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Box of the child of ``[lo, hi]`` with position ``j`` (value ``v``) rounded up / down."""
    if up:
        return np.maximum(lo, _set(lo, j, math.ceil(v))), hi
    return lo, np.minimum(hi, _set(hi, j, math.floor(v)))


class _Search:
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
        self.root_bound = -math.inf
        self.retighten_below = math.inf  # UB at which the next re-tightening runs
        self.ic, self.lo0, self.hi0 = int_pos, lo0, hi0
        k = len(int_pos)
        self.up = np.zeros(k, dtype=bool) if round_up is None else np.asarray(round_up, bool)
        self.prio = np.zeros(k) if priority is None else np.asarray(priority, dtype=float)
        self.hess = hessian
        self.nodes = 0
        self.fixed_cache: dict[bytes, NodeOutcome] = {}
        self.best_x: np.ndarray | None = None
        self.best_exact = False  # incumbent from a fixed-integer QP (no polish needed)
        self.ub = math.inf
        self.tie = itertools.count()  # heap tie-breaker: arrays are never compared
        #: Pseudo-costs of the branching rule (None: most fractional, see branch_var).
        self.pc = PseudoCosts(k) if pseudo_costs else None

    def maybe_retighten(self, heap: list[_Entry]) -> None:
        """Narrow the root box and every open node's box to the plans below the incumbent.

        Called when the incumbent has improved materially (``UB - root bound`` halved since
        the last call). The callback's box contains every plan with objective ``<= UB``; a
        node whose box misses it holds no plan better than the incumbent and is dropped,
        the others keep their bound (a relaxation's over a larger set: still a bound).
        """
        if self.retighten is None or not self.ub < self.retighten_below:
            return
        self.retighten_below = self.root_bound + _RETIGHTEN_SHRINK * (self.ub - self.root_bound)
        box = self.retighten(self.ub)
        if box is None:
            return
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

    def solve_node(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        self.nodes += 1
        return self.node_fn(lo, hi)

    def solve_exact(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """Node relaxation for the search proper: primary solver, else the fallback.

        Why: HiGHS' QP fails ("Solve error") on some feasible nodes; pruning them would
        silently lose the optimality proof.
        """
        out = self.solve_node(lo, hi)
        if out.status in ("error", "approximate") and self.fallback is not None:
            logger.debug("node relaxation failed: fallback solver")
            fb = self.fallback(lo, hi)
            if fb.status != "error" or out.status == "error":
                out = fb
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

    def rounded(self, v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Integer values of ``v`` (integer positions): nearest, or up where ``round_up``.

        Why up: a leg's selection binary sits at ``trade / M`` in a relaxation (tiny for a
        wide position limit); rounded to nearest, every leg would be switched off.
        """
        r = np.where(self.up, np.ceil(v - INT_TOL), np.round(v))
        return np.clip(r, lo, hi)

    def branch_var(self, x: np.ndarray) -> int:
        """Integer position to split a node with relaxation ``x`` on.

        Among the fractional positions of the highest priority: the most fractional, or
        with pseudo-costs (:mod:`~hedge_planner.solvers.branching`), once the search has
        solved ``_PSEUDO_AFTER`` node QPs, the best product score.
        """
        fr = self.frac(x)
        open_ = fr > INT_TOL
        top = np.max(self.prio[open_]) if np.any(open_) else 0.0
        if self.pc is None or self.nodes < _PSEUDO_AFTER:
            return int(np.argmax(np.where(open_ & (self.prio >= top), fr, -1.0)))
        v = x[self.ic]
        return self.pc.best(np.flatnonzero(open_ & (self.prio >= top)), v - np.floor(v))

    def consider(self, x: np.ndarray, obj: float, exact: bool) -> None:
        if obj < self.ub:
            self.ub, self.best_x, self.best_exact = obj, x.copy(), exact

    def try_fixed(self, r: np.ndarray) -> None:
        if np.any(r < self.lo0) or np.any(r > self.hi0):
            return
        out = self.solve_fixed(r)
        if out.status == "optimal" and out.x is not None and out.objective is not None:
            self.consider(out.x, out.objective, True)

    def model_roundings(self, v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
        """Up to ``_MODEL_TRIES`` roundings of ``v`` ranked by the curvature model.

        Why: with the legs decided, nearest rounding of correlated lots (futures on one
        curve) loses tens to hundreds of currency units (the desk example: three
        incumbents one to three contracts apart before the optimum). At the relaxation's
        optimum ``v`` the objective grows like ``(r - v)' H (r - v) / 2`` (``H`` the
        objective's curvature in the integer positions), so the floor/ceil combinations of
        the fractional positions are ranked by it (up to ``2 ** _MODEL_OPEN`` of them,
        numpy) and the best are solved as fixed-integer QPs: the model only chooses what
        to try, every plan is still an exact solve.
        """
        if self.hess is None:
            return []
        fr = np.abs(v - np.round(v))
        open_ = np.flatnonzero((fr > INT_TOL) & (lo < hi))
        if not len(open_):
            return []
        if len(open_) > _MODEL_OPEN:  # the most fractional ones; the rest to nearest
            open_ = open_[np.argsort(-fr[open_])[:_MODEL_OPEN]]
        base = np.clip(np.round(v), lo, hi)
        fl = np.floor(v[open_])
        bits = (np.arange(2 ** len(open_))[:, None] >> np.arange(len(open_))) & 1
        cand = np.repeat(base[None, :], len(bits), axis=0)
        cand[:, open_] = np.clip(fl[None, :] + bits, lo[open_], hi[open_])
        d = cand - v[None, :]
        score = np.einsum("ij,jk,ik->i", d, self.hess, d)
        best = np.argsort(score)[:_MODEL_TRIES]
        return [cand[i] for i in best]

    def _dive_var(self, open_: np.ndarray, v: np.ndarray, fr: np.ndarray) -> int:
        """Next position a dive fixes: the least fractional, or the largest round-up one.

        Why: a leg's binary is ``trade / M`` in the relaxation; switching the legs with the
        largest relaxed trades on first, a leg limit in the relaxation then switches the
        rest off (the example: the six largest legs), where rounding the least fractional
        first would switch on the smallest legs.
        """
        top = open_[self.prio[open_] >= np.max(self.prio[open_])]
        ups = top[self.up[top]]
        if len(ups):
            return int(ups[np.argmax(v[ups])])
        return int(top[np.argmin(fr[top])])

    def dive(self, lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> None:
        """Fractional diving: fix the least fractional integer, re-solve, repeat.

        Why: best-first search finds incumbents late; on the benchmark book the rounded root
        missed the 1e-6 gap and the search then needed up to 159 QPs to find an incumbent
        that the root bound already proved optimal. At most one QP per integer variable.
        """
        ic = self.ic
        lo, hi = lo.copy(), hi.copy()
        binaries_open = bool(np.any(self.up))
        for _ in range(len(ic)):
            v = x[ic]
            fr = np.abs(v - np.round(v))
            open_ = np.flatnonzero((fr > INT_TOL) & (lo < hi))
            if binaries_open and not np.any(self.up[open_]):
                # Legs decided: the lots rounded at once (one QP) before diving on them,
                # and the roundings the curvature model ranks best.
                binaries_open = False
                self.try_fixed(self.rounded(v, lo, hi))
                for cand in self.model_roundings(v, lo, hi):
                    self.try_fixed(cand)
            if len(open_) == 0:
                break
            j = self._dive_var(open_, v, fr)
            first = float(self.rounded(v[j : j + 1], lo[j : j + 1], hi[j : j + 1])[0])
            other = float(math.floor(v[j]) if first > v[j] else math.ceil(v[j]))
            found: NodeOutcome | None = None
            for r in (first, other):
                if not lo[j] <= r <= hi[j]:
                    continue
                lo_c, hi_c = _set(lo, j, r), _set(hi, j, r)
                out = self.solve_node(lo_c, hi_c)
                if out.status == "optimal" and out.x is not None:
                    found = out
                    break
            if found is None or found.x is None or found.objective is None:
                return  # both roundings infeasible: give up
            if found.objective >= self.ub:
                return  # this branch cannot beat the incumbent
            lo, hi, x = lo_c, hi_c, found.x
        self.try_fixed(self.rounded(x[ic], lo, hi))


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
    pseudo_costs: bool = False,
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
    pseudo_costs : bool
        Branch by pseudo-costs learnt from the children solved
        (:mod:`~hedge_planner.solvers.branching`) instead of on the most fractional.
    """
    t0 = time.perf_counter()
    s = _Search(solve_node, fallback, int_pos, lo0, hi0, round_up, priority, hessian, retighten,
                pseudo_costs)  # fmt: skip
    if np.any(lo0 > hi0):  # an empty root box (e.g. implied bounds): no plan at all
        return BnBResult("infeasible", None, None, None, 0, "empty integer box")
    root = s.solve_exact(lo0, hi0)
    if root.status != "optimal" or root.x is None or root.objective is None:
        return BnBResult(root.status, None, None, None, s.nodes, f"root relaxation {root.status}")
    x, obj = root.x, root.objective
    s.root_bound = obj
    if np.all(s.frac(x) <= INT_TOL):
        s.consider(x, obj, False)
    else:
        if warm_int is not None:
            s.try_fixed(warm_int)
        if not closed(s.ub, obj, gap_tol):
            s.try_fixed(s.rounded(x[int_pos], lo0, hi0))
    heap: list[_Entry] = []
    if not closed(s.ub, obj, gap_tol):
        heap.append((obj, 0, next(s.tie), lo0, hi0, x))
    status, unresolved = _search(s, heap, gap_tol, t0 + time_limit, max_nodes)
    lb = min(heap[0][0], s.ub) if heap else s.ub
    message = ""
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


def _search(
    s: _Search, heap: list[_Entry], gap_tol: float, deadline: float, max_nodes: int
) -> tuple[str, list[float]]:
    """Best-first loop; returns the status and the bounds of nodes whose solve failed."""
    status = "optimal"
    unresolved: list[float] = []  # bounds of nodes whose relaxation failed
    next_dive = s.nodes + (_DIVE_AFTER_LEGS if np.any(s.up) else _DIVE_AFTER)
    while heap:
        if closed(s.ub, heap[0][0], gap_tol):
            break
        s.maybe_retighten(heap)
        if not heap:
            break
        if s.nodes >= max_nodes:
            status = "node_limit"
            break
        if time.perf_counter() > deadline:
            status = "time_limit"
            break
        bound, depth, _, lo, hi, xn = heapq.heappop(heap)
        if s.nodes >= next_dive:
            # The cheap incumbents did not close the gap within a few nodes: dive from the
            # best open node (repeated while the search stays open).
            s.dive(lo, hi, xn)
            next_dive = s.nodes + _DIVE_EVERY
            if closed(s.ub, bound, gap_tol):
                heapq.heappush(heap, (bound, depth, next(s.tie), lo, hi, xn))
                continue
        j = s.branch_var(xn)
        v = xn[s.ic[j]]
        for up in (False, True):
            c_lo, c_hi = child_box(lo, hi, j, v, up)
            if c_lo[j] > c_hi[j]:
                continue
            child = s.solve_exact(c_lo, c_hi)
            if s.pc is not None and child.status == "optimal" and child.objective is not None:
                s.pc.record(j, up, child.objective - bound, abs(v - c_lo[j] if up else v - c_hi[j]))
            if child.status == "approximate" and child.x is not None:
                if np.any(s.frac(child.x) > INT_TOL):
                    # Only a regularised solve succeeded: its objective proves nothing, so the
                    # child keeps its parent's bound (valid: a sub-box) and is branched on from
                    # the approximate point; its children are solved afresh.
                    heapq.heappush(heap, (bound, depth - 1, next(s.tie), c_lo, c_hi, child.x))
                    continue
                s.try_fixed(np.round(child.x[s.ic]))
                unresolved.append(bound)
                continue
            if child.status == "error":
                unresolved.append(bound)  # not pruned by any proof: bound kept
                continue
            if child.status != "optimal" or child.x is None or child.objective is None:
                continue  # infeasible child: pruned
            if closed(s.ub, child.objective, gap_tol):
                continue  # cannot improve enough: pruned by bound
            if np.all(s.frac(child.x) <= INT_TOL):
                s.consider(child.x, child.objective, bool(np.array_equal(c_lo, c_hi)))
            else:
                entry = (max(child.objective, bound), depth - 1, next(s.tie), c_lo, c_hi, child.x)
                heapq.heappush(heap, entry)
    return status, unresolved


def _finish(s: _Search, status: str, lb: float, message: str) -> BnBResult:
    """Result from the search state; the incumbent polished with its integers fixed."""
    lb_out = lb if math.isfinite(lb) else None
    if s.best_x is None:
        if status == "optimal":
            return BnBResult("infeasible", None, None, None, s.nodes, "no integer-feasible point")
        return BnBResult(status, None, None, lb_out, s.nodes, message or "no incumbent")
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
    return BnBResult(status, best_x, ub, min(lb, ub), s.nodes, message)

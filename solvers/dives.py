"""Incumbent heuristics of the branch-and-bound: roundings and dives.

They only look for integer plans (each an exact fixed-integer solve); the best-first search
(:mod:`~hedge_planner.solvers.branch_and_bound`) proves the gap whatever they find. A mixin of
its search state: :class:`Heuristics` reads the integer positions, the rounding rule, the
curvature model and the incumbent of the search, and solves through its node solver.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
from hedge_planner.solvers.bnb_types import INT_TOL, closed
from hedge_planner.solvers.branching import with_value
from hedge_planner.solvers.highs_backend import NodeOutcome

__all__ = ["Heuristics"]

_MODEL_OPEN = 12  # fractional positions enumerated by the curvature-ranked rounding
_MODEL_TRIES = 3  # fixed-integer QPs it may spend per dive


class Heuristics(ABC):
    """Roundings and dives over the search state of the branch-and-bound (a mixin).

    The search class provides the integer positions ``ic``, the round-up mask ``up`` (leg
    binaries), the branching priorities ``prio``, the curvature model ``hess``, the
    incumbent value ``ub``, the leg sets already rounded, and the node solves.
    """

    ic: np.ndarray
    up: np.ndarray
    prio: np.ndarray
    hess: np.ndarray | None
    ub: float
    rounded_sets: set[bytes]
    #: Most leg binaries that may be 1 together (the leg limit), None: no limit.
    leg_limit: int | None

    @abstractmethod
    def solve_node(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """Node relaxation (the search's node solver, counted)."""

    @abstractmethod
    def try_fixed(self, r: np.ndarray) -> None:
        """Integers fixed at ``r``: an exact solve, the incumbent if better."""

    def rounded(self, v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Integer values of ``v`` (integer positions): nearest, or up where ``round_up``.

        Why up: a leg's selection binary sits at ``trade / M`` in a relaxation (tiny for a
        wide position limit); rounded to nearest, every leg would be switched off.
        """
        r = np.where(self.up, np.ceil(v - INT_TOL), np.round(v))
        return np.clip(r, lo, hi)

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
        score = np.sum((d @ self.hess) * d, axis=1)  # BLAS; einsum took ~1 ms here
        best = np.argsort(score)[:_MODEL_TRIES]
        return [cand[i] for i in best]

    def round_decided(self, lo: np.ndarray, hi: np.ndarray, x: np.ndarray) -> None:
        """Roundings of a best-bound node whose legs are decided (once per leg set).

        Why: on the desk example the relaxation of the best open node decides the
        optimum's six legs after ~17 node QPs, with six lots fractional; its
        curvature-ranked roundings (:meth:`model_roundings`) are the optimum, which the
        first dive (after ``DIVE_AFTER_LEGS`` node QPs) found only at node 32, and best
        first spent the nodes between on near-ties within the gap of it. One pass per set
        of legs (the binaries' values), a few fixed-integer QPs each.
        """
        if self.hess is None or not np.any(self.up):
            return
        v = x[self.ic]
        fr = np.abs(v - np.round(v))
        if np.any(fr[self.up] > INT_TOL) or not np.any(fr > INT_TOL):
            return
        key = np.round(v[self.up]).tobytes()
        if key in self.rounded_sets:
            return
        self.rounded_sets.add(key)
        self.try_fixed(self.rounded(v, lo, hi))
        for cand in self.model_roundings(v, lo, hi):
            self.try_fixed(cand)

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

    def leg_dive(self, lo: np.ndarray, hi: np.ndarray, x: np.ndarray, gap_tol: float) -> None:
        """Elimination dive over the leg binaries, then :meth:`dive` over the lots.

        Leg binaries the relaxation leaves at 0 are fixed at 0 (its point stays feasible);
        then the least-used leg (smallest relaxed binary) is switched off, or on where off
        is infeasible, re-solving each time, until the legs still in use fit the leg limit;
        those are switched on and the ordinary dive rounds the lots.

        Why: on desk hedges of key-rate ladder books with ``max_legs: 6`` (benchmarks/
        bench_integer.py ``--ladders``) few sets of six legs meet the nine KRD tolerances.
        The ordinary dive switches on the largest relaxed legs first; it fixed five and then
        found both roundings of the sixth infeasible, in every dive: one search ran 24 s
        (4,000 node QPs) without an incumbent, which best first needs to stop. Removing the
        least-used leg keeps the relaxation feasible at every step it can (a step that
        cannot is reversed), so the legs left are a set that hedges within the limits.
        At most one QP per leg binary, plus the ordinary dive's.
        """
        if self.leg_limit is None:
            self.dive(lo, hi, x, gap_tol)
            return
        lo, hi = lo.copy(), hi.copy()
        up = self.up
        for _ in range(int(up.sum()) + 1):
            v = x[self.ic]
            open_ = up & (lo < hi)
            used = open_ & (v > INT_TOL)
            hi[open_ & ~used] = np.minimum(hi[open_ & ~used], 0.0)
            n_on = int(np.sum(up & (lo >= 1.0)))
            if n_on + int(used.sum()) <= self.leg_limit:
                lo[used] = np.maximum(lo[used], 1.0)
                out = self.solve_node(lo, hi)
                if out.status == "optimal" and out.x is not None:
                    self.dive(lo, hi, out.x, gap_tol)
                return
            j = int(np.flatnonzero(used)[np.argmin(v[used])])
            found = None
            for r in (0.0, 1.0):  # off, or on where off is infeasible
                lo_c, hi_c = with_value(lo, j, r), with_value(hi, j, r)
                out = self.solve_node(lo_c, hi_c)
                if out.status == "optimal" and out.x is not None and out.lower is not None:
                    found = out
                    break
            if found is None or found.x is None or found.lower is None:
                return
            if closed(self.ub, found.lower, gap_tol):
                return
            lo, hi, x = lo_c, hi_c, found.x

    def dive(self, lo: np.ndarray, hi: np.ndarray, x: np.ndarray, gap_tol: float = 0.0) -> None:
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
                lo_c, hi_c = with_value(lo, j, r), with_value(hi, j, r)
                out = self.solve_node(lo_c, hi_c)
                if out.status == "optimal" and out.x is not None:
                    found = out
                    break
            if found is None or found.x is None or found.lower is None:
                return  # both roundings infeasible: give up
            if closed(self.ub, found.lower, gap_tol):
                return  # this branch cannot beat the incumbent by the gap
            lo, hi, x = lo_c, hi_c, found.x
        self.try_fixed(self.rounded(x[ic], lo, hi))

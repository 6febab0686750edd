"""The exact mixed-integer QP search of the hedge optimiser (lots and the legs' binaries).

:class:`MIQPSolver` runs on the HiGHS model generated from the compiled cvxpy problem
(:mod:`~hedge_planner.solvers.highs_backend`): best-first branch-and-bound over HiGHS QP
relaxations (:mod:`~hedge_planner.solvers.branch_and_bound`), nodes HiGHS fails on solved
by CLARABEL's interior point on the same standard form
(:mod:`~hedge_planner.solvers.clarabel_backend`) or, last, the cvxpy node problem; and the
outer approximation with HiGHS MILP masters (:mod:`~hedge_planner.solvers.outer_approx`)
as the second exact method. The integer positions of the search vector ``[x, z]`` are the
integer lots of ``x`` and then the legs' binaries ``z``.

With legs, a branch-and-bound that stays open lowers the legs' big-M to the trades the
other limits imply (:mod:`~hedge_planner.solvers.bound_tightening`: one LP per side and leg
instrument) when its root gap says the relaxation is weak (see ``_TIGHTEN_AFTER``; the
outer approximation tightens first), lowered again over the objective's level set whenever
the incumbent improves materially (:meth:`MIQPSolver._level_set`), and restored when the
search ends; its relaxation nodes go to CLARABEL or HiGHS, whichever solved its first
nodes faster. Without legs, a branch-and-bound whose bound stalls hands over to the outer
approximation (``_STALL_EVERY``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from hedge_planner.solvers.bound_lp import WarmLPs
from hedge_planner.solvers.bound_tightening import implied_bounds, level_set_box, level_set_form
from hedge_planner.solvers.box_search import better_start, box_search
from hedge_planner.solvers.branch_and_bound import branch_and_bound
from hedge_planner.solvers.branching import PseudoCosts
from hedge_planner.solvers.clarabel import cvxpy_node
from hedge_planner.solvers.formulation import HedgeProgram
from hedge_planner.solvers.heuristic_budget import FREE, HeuristicBudget
from hedge_planner.solvers.highs_backend import HighsModel, NodeOutcome
from hedge_planner.solvers.node_solvers import NodeSolvers
from hedge_planner.solvers.outer_approx import outer_approximation
from hedge_planner.solvers.results import RawOutcome as _Raw
from hedge_planner.solvers.results import better_unproven as _better_unproven
from hedge_planner.solvers.standard_form import LinearForm, ParametricForm, search_hessian
from hedge_planner.solvers.warm_tree import SearchTree

__all__ = ["MIQPSolver"]

_Box = tuple[np.ndarray, np.ndarray]

logger = logging.getLogger(__name__)

#: Node QPs of the branch-and-bound before a problem without legs goes to the outer
#: approximation (see MIQPSolver.solve).
_BNB_PROBE_NODES = 60
#: The legs' big-M tightening (the bound LPs, 2 per leg instrument) is deferred: every
#: ``_TIGHTEN_AFTER`` node QPs a search still open asks whether it pays. With an
#: incumbent: only when the root gap ``UB - root bound`` exceeds ``_TIGHTEN_ROOT_GAP`` of
#: ``|UB|`` (a weak relaxation of the legs, which the big-M is); without one: once
#: ``_TIGHTEN_BLIND`` node QPs have passed. Why: the LPs cost ~15 node QPs (~25 ms for the
#: desk example's 42 LPs against ~1.7 ms a node), and on the examples, whose root gaps are
#: 0.01-0.8% of the optimum, the search took as many or more node QPs with them (desk
#: 25 against 21, ``case_legs.yaml`` 312 against 139, with ``max_legs: 6`` 96 against 72);
#: on the hard leg families (root gaps 16-300%) they are what proves the gap.
_TIGHTEN_AFTER = 16
_TIGHTEN_ROOT_GAP = 0.05
_TIGHTEN_BLIND = 64
#: Node QPs between the probe's checks of its bound progress (bnb_types.stalled).
_STALL_EVERY = 10
#: Integer columns from which a problem without legs is a lattice of lots whose nodes go to
#: the node solver measured faster, the interior point first (NodeSolvers). Why: on the
#: lots families (35-50 integer columns) HiGHS' node QPs took ~9 ms against ~2 ms
#: (``lots_tight`` seed 1 1.58 -> 1.35 s); the desk's books (7) keep HiGHS first, which
#: their re-filled searches use too (the same plans, tests/solvers/test_book_form.py).
_LATTICE_COLUMNS = 20

#: Relaxations the depth-first search inside the outer approximation's master box may
#: take before the masters run, on the desk's compiled model (``oa_first``; see
#: MIQPSolver._box_searched): ~1.5 ms each against ~10 ms and ~70 ms for the two master
#: MILPs it replaces on the desk's books (100 books 100 per bp apart: 97 closed within 21
#: relaxations, the other three in 29-49). Other models take one: the relaxation over the
#: box proves the warm start or the masters run. Why: on the lots family (35-50 integer
#: columns, no warm start from a previous book) 24 relaxations closed nothing and cost
#: ~0.1 s a search (0.35 -> 0.45 s).
_BOX_NODES = 64

#: A level-set pass that leaves the leg ranges wider than this share of their previous
#: total width is the search's last (see MIQPSolver._level_set).
_LEVEL_SET_MIN_SHRINK = 0.9


class MIQPSolver:
    """Exact search of the mixed-integer QP; keeps the last plan's integers and search tree
    as a warm start (:mod:`~hedge_planner.solvers.warm_tree`).

    Parameters
    ----------
    program : HedgeProgram
        The compiled program (its node problem is the last-resort node solver).
    form : ParametricForm
        cvxpy's standard form of the relaxed problem.
    highs : HighsModel
        The HiGHS model of ``form``.
    x_cols, search_cols : numpy.ndarray of int
        Standard-form columns of ``x`` and of the search vector ``[x, z]``.
    int_pos : numpy.ndarray of int
        Integer positions in the search vector (lots, then the legs' binaries).
    integer_method : {"auto", "oa", "bnb"}
        See :class:`~hedge_planner.solvers.optimizer.HedgeOptimizer`.
    """

    def __init__(
        self,
        program: HedgeProgram,
        form: ParametricForm,
        highs: HighsModel,
        x_cols: np.ndarray,
        search_cols: np.ndarray,
        int_pos: np.ndarray,
        integer_method: Literal["auto", "oa", "bnb"],
    ) -> None:
        self.program, self._form, self._highs = program, form, highs
        self._x_cols, self._search_cols, self._int_pos = x_cols, search_cols, int_pos
        self._int_cols = search_cols[int_pos]
        self.n_x = len(x_cols)
        self.integer_method = integer_method
        #: Integer part (scaled lots, binaries) of the last plan: the next search's warm start.
        self.warm_int: np.ndarray | None = None
        #: Root box of the integer positions of the current search (None: the model's).
        self._box: tuple[np.ndarray, np.ndarray] | None = None
        #: Lower the legs' big-M to the implied trades before each search (benchmarks
        #: switch it off to time the search without it in the same run).
        self.tighten_legs = True
        #: Re-tighten with the objective's level set when the incumbent improves
        #: (benchmarks switch it off to time the search without it in the same run).
        self.level_set = True
        #: Defer the big-M tightening of a branch-and-bound and run it only where it pays
        #: (see ``_TIGHTEN_AFTER``); False: before every search, as the outer
        #: approximation does (tests check both paths against enumeration).
        self.lazy_tighten = True
        #: Branch leg problems by pseudo-costs (benchmarks switch it off to time the
        #: most-fractional rule in the same run).
        self.pseudo_costs = True
        #: The optimiser's check of a plan (search vector [x, z]) against its limits: the
        #: branch-and-bound takes no incumbent it refuses.
        self.verify: Callable[[np.ndarray], bool] | None = None
        #: Cap the node QPs of the incumbent heuristics that stop paying
        #: (:mod:`~hedge_planner.solvers.heuristic_budget`); False: every dive and rounding
        #: runs (benchmarks switch it off to time the previous search in the same run).
        self.heuristic_budget = True
        #: Without an incumbent, dive by eliminating legs down to the leg limit
        #: (:meth:`~hedge_planner.solvers.dives.Heuristics.leg_dive`); False: the ordinary
        #: dives only (benchmarks switch it off to time the previous search in the same run).
        self.leg_dive = True
        #: Implied range of the leg instruments (scaled lots) of the current search.
        self._leg_range: tuple[np.ndarray, np.ndarray] | None = None
        #: Start a branch-and-bound from the last one's leaves (see
        #: :mod:`~hedge_planner.solvers.warm_tree`; benchmarks switch it off to time the
        #: search from the root in the same run).
        self.warm_trees = True
        #: The last optimal branch-and-bound's tree and the dual space of its multipliers.
        self._tree: tuple[str, SearchTree] | None = None
        #: Without legs, once the outer approximation has proven a search the
        #: branch-and-bound's probe left open, the next "auto" search starts with it (see
        #: :meth:`solve`). Off by default (sweeps and grids re-solve one optimiser and keep
        #: their order); the desk's compiled model turns it on
        #: (:class:`~hedge_planner.solvers.book_form.CompiledHedge`).
        self.oa_first = False
        #: The last "auto" search was proven by the outer approximation after the probe.
        self._oa_proved = False
        #: The master box's LPs, kept between searches of this model (a re-filled book
        #: starts each from its last optimal basis; see :mod:`~hedge_planner.solvers.bound_lp`).
        self._box_lps = WarmLPs()
        #: Pseudo-costs of the depth-first search inside the master box, kept between
        #: searches of this model (re-filled books share the columns' costs).
        self._box_costs: PseudoCosts | None = None
        #: Prove infeasible limits by presolve before the search (see :meth:`solve`): on a
        #: new model, and after a search that ended infeasible.
        self._presolve_first = True

    def forget_tree(self) -> None:
        """Drop the last search tree: the next branch-and-bound starts from its root."""
        self._tree = None

    def solve(self, gap: float, tl: float, max_nodes: int, oa_seconds: float | None = None) -> _Raw:
        """Exact MIQP: branch-and-bound or outer approximation, the other if unproven.

        Why "auto" starts with the branch-and-bound: where the relaxation is tight (the
        futures families, the example without a leg limit) it proves the gap within a few
        node QPs, where the outer approximation needs at least one whole MILP. With the
        legs' binaries it runs on (80% of the time): its legs-aware incumbents and the
        interior-point nodes beat the MILP masters there (the example with ``max_legs``;
        measured again with the tightened big-M: the outer approximation stayed unproven
        at 20 s on the ``lots_legs`` family and both examples, where the branch-and-bound
        proves them in under a second to 15 s).
        Without legs, a search still open after ``_BNB_PROBE_NODES`` node QPs is a lattice
        of lots whose relaxation is flat in many directions (swaps in 1mm lots): the node
        bound rises by a few currency units per hundred nodes, while the outer
        approximation with tangents around the relaxation proves the gap in a few masters
        (benchmarks/bench_integer.py, families ``lots``, ``near_dup``). The warm start
        (``warm_int``) carries the first method's incumbent into the second.
        With ``oa_first`` (the desk's compiled model, re-filled per book), a model whose last
        search went that way starts with the outer approximation: on the
        example's books the probe's 14 node QPs never closed the gap and cost ~35% of the
        call; the branch-and-bound still runs, with the time left, if the outer
        approximation does not prove the gap, and the order returns to the ordinary one.
        ``oa_seconds``: a bounded search (the closest hedge): node solvers in a fixed order,
        so an unproven search gives the same plan for the same inputs, and the outer
        approximation capped at that many seconds; unproven, the branch-and-bound's best
        plan is returned (status "node_limit" or "time_limit").
        """
        t0 = time.perf_counter()
        self._leg_range = None
        self._box = None
        if self.integer_method == "oa" or not self.lazy_tighten:
            self._box = self._tighten(0.2 * tl)
        try:
            if self._presolve_first and self._rows_infeasible():
                method = "HiGHS presolve of the relaxation's rows"
                return _Raw("infeasible", None, None, None, 0, method, "relaxation infeasible")
            raw = self._solve(gap, tl, max_nodes, t0, oa_seconds)
            self._presolve_first = raw.status == "infeasible"
            return raw
        finally:
            # Why: the tightened big-M is implied by the limits as they stand; the
            # minimal-violation analysis moves limits, and new Parameters move them too.
            if self.program.legs.active:
                self.program.legs.set_big_m(None)

    def _rows_infeasible(self) -> bool:
        """HiGHS' presolve proves the relaxation's rows infeasible over the root box.

        Why first: where the limits admit no plan at all (``fut_only_tight``), presolve's row
        reasoning proves it before HiGHS' QP has built its phase-one LP (seeds 1 and 2:
        0.23-0.31 ms against 0.5-0.6 ms for the QP). Why only on a new model and after an
        infeasible search: on a feasible root it costs ~0.4 ms (the example's model,
        against a ~6 ms search), and a re-filled model whose last search found plans (the
        desk's books) rarely has none. It decides nothing it cannot prove: any other
        outcome leaves the question to the search.
        """
        cols = self._int_cols
        lo, hi = self._box or (self._highs.col_lo[cols], self._highs.col_hi[cols])
        return self._highs.rows_infeasible(cols, lo, hi)

    def _tighten(self, seconds: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Lower the legs' big-M to the trades the other limits imply; the lot box.

        ``seconds`` caps the bound LPs. Returns the root box of the integer positions
        (scaled lots, binaries) with the leg instruments' integer lots narrowed to their
        implied range, or None (no legs, or nothing proven: the model's own bounds). See
        :mod:`~hedge_planner.solvers.bound_tightening` for why this keeps every plan.
        """
        legs = self.program.legs
        if not legs.active or not self.tighten_legs:
            return None
        t0 = time.perf_counter()
        legs.set_big_m(None)  # implied bounds of the untightened relaxation
        self._highs.update()
        bounds = implied_bounds(self._form.evaluate(), self._x_cols[legs.idx], min(5.0, seconds))
        if bounds is None:
            return None
        cols = self._int_cols
        box = self._highs.col_lo[cols].copy(), self._highs.col_hi[cols].copy()
        box = self._apply_leg_range(bounds, box)
        logger.debug("leg bounds tightened in %.1f ms", 1e3 * (time.perf_counter() - t0))
        return box

    def _apply_leg_range(
        self, rng: tuple[np.ndarray, np.ndarray], box: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Big-M lowered to the range ``rng`` of the leg instruments, and the root ``box``.

        The box (integer positions: scaled lots, then the legs' binaries) narrowed to whole
        lots within the range; a side the range excludes has its binary fixed at 0 (no
        trade that way; a ticket paid for no trade is never better than none), a side it
        forces (the range excludes 0 and the other side) at 1.
        """
        legs = self.program.legs
        lo, hi = rng
        self._leg_range = (lo.copy(), hi.copy())
        legs.set_big_m(np.concatenate([hi - legs.x0, legs.x0 - lo]))
        self._highs.update()
        lo0, hi0 = box[0].copy(), box[1].copy()
        pos_of = {int(p): i for i, p in enumerate(self._int_pos)}
        k, tiny = legs.k, 1e-9
        for j, i in enumerate(legs.idx):
            if int(i) in pos_of:  # integer lots: whole lots within the implied range
                q = pos_of[int(i)]
                lo0[q] = max(lo0[q], math.ceil(lo[j] - tiny))
                hi0[q] = min(hi0[q], math.floor(hi[j] + tiny))
            up, dn = hi[j] - legs.x0[j], legs.x0[j] - lo[j]  # largest buy / sell
            for side, cap, other in ((j, up, dn), (k + j, dn, up)):
                q = pos_of[self.n_x + side]
                if cap <= tiny or cap < legs.min_lots[side] * (1 - 1e-9):
                    hi0[q] = min(hi0[q], 0.0)
                elif other < -tiny:  # the trade must go this way
                    lo0[q] = max(lo0[q], 1.0)
        return lo0, hi0

    def _level_set(
        self, node: NodeSolvers, ub: float, seconds: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Leg range and root box re-implied over the plans with objective ``<= ub``.

        The relaxation cut by :func:`~hedge_planner.solvers.bound_tightening.level_set_form`
        around the root relaxation's optimum (a box on the factor exposures and one row)
        contains every plan that could improve the incumbent ``ub``; the leg instruments'
        range implied over it lowers the big-M and the lot box. Plans above ``ub`` may be
        cut off: the incumbent is kept, so the search's optimum is unchanged. Returns the
        new root box, or None (nothing proven: the search goes on as it was).
        """
        if node.root_x is None or self._leg_range is None or self._box is None:
            return None
        if node.level_set_done:
            return None
        t0 = time.perf_counter()
        legs = self.program.legs
        lf = self._form.evaluate()
        cols = self._int_cols
        lo_c, hi_c = lf.col_lo.copy(), lf.col_hi.copy()
        lo_c[cols] = np.maximum(lo_c[cols], self._box[0])
        hi_c[cols] = np.minimum(hi_c[cols], self._box[1])
        boxed = dataclasses.replace(lf, col_lo=lo_c, col_hi=hi_c)
        cut = level_set_form(boxed, node.root_x, ub, seconds)
        bounds = None if cut is None else implied_bounds(cut, self._x_cols[legs.idx], seconds)
        if bounds is None:
            return None
        lo = np.maximum(bounds[0], self._leg_range[0])
        hi = np.minimum(bounds[1], self._leg_range[1])
        if np.any(lo > hi):  # numerically empty: keep what is proven
            return None
        width = float(np.sum(self._leg_range[1] - self._leg_range[0]))
        if float(np.sum(hi - lo)) > _LEVEL_SET_MIN_SHRINK * width:
            # Why: from the root, the level set's radius is the whole gap UB - f*; where
            # that gap is most of the objective's range (the lots_legs family, root 70%
            # below the optimum) the ranges barely move (0.05% at UB = optimum): further
            # passes would cost their LPs for nothing.
            node.level_set_done = True
        self._box = self._apply_leg_range((lo, hi), self._box)
        node.model_changed()
        logger.debug("level-set bounds at %.6g in %.1f ms", ub, 1e3 * (time.perf_counter() - t0))
        return self._box

    def _solve(
        self, gap: float, tl: float, max_nodes: int, t0: float, oa_seconds: float | None
    ) -> _Raw:
        by_time = False if oa_seconds is not None else None
        if self.integer_method == "oa":
            return self._outer_approx(gap, tl if oa_seconds is None else min(tl, oa_seconds))
        if self.integer_method == "bnb":
            return self._branch_and_bound(gap, tl, max_nodes, by_time=by_time)
        # Why 80%: the second method needs time left to prove anything.
        legs = self.program.legs.active
        if self.oa_first and self._oa_proved and not legs and oa_seconds is None:
            first = self._outer_approx(gap, 0.8 * tl)
            if first.status in ("optimal", "infeasible"):
                return first
            logger.info("%s ended %s: branch-and-bound", first.method, first.status)
            self._oa_proved = False  # back to the ordinary order
            left = tl - (time.perf_counter() - t0)
            raw = self._branch_and_bound(gap, max(left, 1e-3), max_nodes, by_time=by_time)
            if raw.status in ("optimal", "infeasible"):
                return raw
            return _better_unproven(first, raw)
        probe = max_nodes if legs else min(max_nodes, _BNB_PROBE_NODES)
        stall = None if legs else _STALL_EVERY
        raw = self._branch_and_bound(gap, 0.8 * tl, probe, stall, by_time=by_time)
        if raw.status in ("optimal", "infeasible"):
            return raw
        left = tl - (time.perf_counter() - t0)
        if oa_seconds is not None:
            left = min(left, oa_seconds)
        logger.info("%s ended %s (%s): outer approximation", raw.method, raw.status, raw.message)
        if left <= 1e-3:
            return raw
        other = self._outer_approx(gap, left)
        # A branch-and-bound left open, the outer approximation proven: the next search of
        # this model (a re-filled book) starts with the outer approximation.
        self._oa_proved = other.status == "optimal" and oa_seconds is None
        if other.status in ("optimal", "infeasible"):
            return other
        if oa_seconds is not None:
            # A bounded search (the closest hedge): the branch-and-bound's node budget is a
            # count, its outcome the same on every machine; the outer approximation's
            # unproven plan and bound depend on how far its seconds got.
            return raw
        # Both unproven: the better plan (the outer approximation may have one where the
        # branch-and-bound found none), with the higher bound.
        return _better_unproven(raw, other)

    def _outer_approx(self, gap: float, tl: float) -> _Raw:
        method = "MIQP outer approximation (HiGHS MILP masters, HiGHS QP with integers fixed)"
        model, cols = self._highs, self._int_cols
        lo0, hi0 = model.col_lo[cols].copy(), model.col_hi[cols].copy()
        lf = self._form.evaluate()
        n_col = self._form.n_col
        done: dict[bytes, NodeOutcome] = {}
        ipm = NodeSolvers(self._form, model, cols, self._search_cols, by_time=False)

        def fixed(r: np.ndarray) -> NodeOutcome:
            if r.tobytes() in done:  # the box's incumbent, evaluated again by the loop
                return done[r.tobytes()]
            model.set_bounds(cols, r, r)
            out = model.run()
            if out.status == "error":  # CLARABEL on the same model, then through cvxpy
                out = ipm.interior(r, r)
            if out.status == "error":
                out = self._node_fallback(r, r)  # [x, z] only: other columns unknown (NaN)
                if out.x is not None:
                    full = np.full(n_col, np.nan)
                    full[self._search_cols] = out.x
                    out = NodeOutcome(out.status, full, out.objective)
            if out.status == "approximate" and out.x is not None:
                # A plan's value: an incumbent (verified against its limits), never a bound.
                return NodeOutcome("optimal", out.x, out.objective)
            return out

        model.set_time_budget(tl)
        try:
            model.set_bounds(cols, lo0, hi0)
            root = model.run()
            if root.status == "infeasible":  # the relaxation is: so is every integer plan
                return _Raw("infeasible", None, None, None, 1, method, "relaxation infeasible")
            starts = (root.x,) if root.status == "optimal" and root.x is not None else ()
            warm = None
            if self.warm_int is not None and len(self.warm_int) == len(cols):
                warm = self.warm_int
            if warm is not None and starts:
                warm = better_start(warm, starts[0][cols], lo0, hi0, fixed, done)
                boxed = self._oa_box(lf, starts[0], warm, fixed, done, min(2.0, 0.1 * tl))
                closed = None
                if boxed is not lf:  # a box was cut (else its relaxation is the root's)
                    closed = self._box_searched(boxed, done.get(warm.tobytes()), gap, fixed)
                if closed is not None:
                    return closed
                lf = boxed
            res = outer_approximation(
                lf, cols, fixed, gap_tol=gap, time_limit=tl, start_points=starts, incumbent=warm
            )
        finally:
            model.set_bounds(cols, lo0, hi0)
            model.clear_time_budget()
        if res.x is None:
            return _Raw(res.status, None, None, res.bound, res.rounds, method, res.message)
        self.warm_int = np.round(res.x[cols])
        x = res.x[self._x_cols]
        return _Raw(res.status, x, res.objective, res.bound, res.rounds, method, res.message)

    def _box_searched(self, boxed: LinearForm, warm: NodeOutcome | None, gap: float,
                      fixed: Callable[[np.ndarray], NodeOutcome]) -> _Raw | None:  # fmt: skip
        """The best plan in the master box, proven in at most ``_BOX_NODES`` relaxations (one
        unless ``oa_first``) by :func:`~hedge_planner.solvers.box_search.box_search`, or
        None: the masters then run.

        Every plan better than the warm start lies in the box (:meth:`_oa_box`). Why: on the
        desk's re-filled books the box holds few integer points; the relaxation over it (the
        search's first node) often proves the warm start alone, and a few more relaxations
        prove a moved optimum, where the master MILPs took ~10 ms and ~70 ms.
        """
        if warm is None or warm.status != "optimal" or warm.x is None or warm.objective is None:
            return None
        cols = self._int_cols
        if not np.all(np.isfinite(warm.x)):
            return None
        if self._box_costs is None or len(self._box_costs.n[0]) != len(cols):
            self._box_costs = PseudoCosts(len(cols))
        lo, hi = boxed.col_lo[cols], boxed.col_hi[cols]
        budget = _BOX_NODES if self.oa_first else 1
        proof = box_search(self._highs, cols, lo, hi, warm, gap, fixed, budget, self._box_costs)
        if proof is None:
            return None
        msg = f"proven by {proof.nodes} HiGHS QP relaxation(s) in the master box, no master MILP"
        method = "MIQP outer approximation (master box searched over HiGHS QP relaxations)"
        logger.debug("outer approximation: %s, bound %.10g", msg, proof.bound)
        self.warm_int = np.round(proof.x[cols])
        x = proof.x[self._x_cols]
        return _Raw("optimal", x, proof.objective, proof.bound, proof.nodes, method, msg)

    def _oa_box(self, lf: LinearForm, root_x: np.ndarray, warm: np.ndarray, fixed: Any,
                done: dict[bytes, NodeOutcome], seconds: float) -> LinearForm:  # fmt: skip
        """``lf`` with the integer columns boxed to the plans that could beat ``warm``.

        :func:`~hedge_planner.solvers.bound_tightening.level_set_box` at the warm start's
        objective; the warm start stays inside (it is the incumbent the masters must beat),
        so the search's optimum is unchanged.
        """
        out = fixed(warm)
        done[warm.tobytes()] = out
        if out.status != "optimal" or out.objective is None:
            return lf
        box = level_set_box(lf, root_x, out.objective, self._int_cols, seconds, self._box_lps)
        if box is None:
            return lf
        col_lo, col_hi = lf.col_lo.copy(), lf.col_hi.copy()
        col_lo[self._int_cols] = np.minimum(box[0], warm)
        col_hi[self._int_cols] = np.maximum(box[1], warm)
        return dataclasses.replace(lf, col_lo=col_lo, col_hi=col_hi)

    def _branch_and_bound(
        self,
        gap: float,
        tl: float,
        max_nodes: int,
        stall_every: int | None = None,
        by_time: bool | None = None,
    ) -> _Raw:
        method = "MIQP branch-and-bound over HiGHS QP relaxations"
        model, cols, xc = self._highs, self._int_cols, self._search_cols
        lo0, hi0 = model.col_lo[cols].copy(), model.col_hi[cols].copy()
        box_lo, box_hi = (lo0, hi0) if self._box is None else self._box

        if by_time is None:
            by_time = self.program.legs.active or len(cols) >= _LATTICE_COLUMNS
        node = NodeSolvers(self._form, model, cols, xc, by_time=by_time)
        retighten = tighten = None
        if self.level_set:
            budget = min(2.0, 0.05 * tl)

            def retighten(ub: float) -> tuple[np.ndarray, np.ndarray] | None:
                return self._level_set(node, ub, budget)

        if self._box is None and self.program.legs.active and self.tighten_legs:

            def tighten(ub: float, lb: float, nodes: int) -> tuple[bool, _Box | None]:
                if math.isfinite(ub):
                    if ub - lb <= _TIGHTEN_ROOT_GAP * max(1.0, abs(ub)):
                        return True, None  # a tight root: the big-M is not what keeps it open
                elif nodes < _TIGHTEN_BLIND:
                    return False, None  # no incumbent yet: ask again
                self._box = self._tighten(0.2 * tl)
                node.model_changed()
                return True, self._box

        # The legs' binaries: rounded up by the heuristics and branched on before the lots.
        is_leg = self._int_pos >= self.n_x
        hess = None
        if self.program.legs.active:  # ranks the dives' lot roundings (heuristic only)
            h_s = search_hessian(self._form.evaluate(), self._form.n_eq, self._search_cols)
            hess = None if h_s is None else h_s[np.ix_(self._int_pos, self._int_pos)]
        warm_tree = None
        tree = self._tree if self.warm_trees else None
        if tree is not None and tree[0] == node.interior_nodes().space:
            warm_tree = tree[1]
        # Caps any single QP too; HiGHS's clock accumulates over the model's life.
        model.set_time_budget(tl)
        try:
            res = branch_and_bound(
                node,
                self._int_pos,
                box_lo,
                box_hi,
                gap_tol=gap,
                time_limit=tl,
                max_nodes=max_nodes,
                warm_int=self.warm_int,
                fallback=self._node_fallback,
                round_up=is_leg,
                priority=is_leg.astype(float),
                hessian=hess,
                retighten=retighten,
                stall_every=stall_every,
                tighten=tighten,
                tighten_after=_TIGHTEN_AFTER,
                pseudo_costs=self.program.legs.active and self.pseudo_costs,
                verify=self.verify,
                heuristic_budget=HeuristicBudget(free=FREE if self.heuristic_budget else math.inf),
                leg_limit=self.program.legs.max_legs if self.leg_dive else None,
                warm_tree=warm_tree,
                certify=node.certify,
            )
        finally:
            model.set_bounds(cols, lo0, hi0)
            model.clear_time_budget()
        if res.status == "optimal":  # the latest proof's tree (None: it left none)
            ipm = node._ipm
            self._tree = None if res.tree is None or ipm is None else (ipm.space, res.tree)
        if res.x is not None:
            self.warm_int = np.round(res.x[self._int_pos])
        x = None if res.x is None else res.x[: self.n_x]
        return _Raw(res.status, x, res.objective, res.bound, res.nodes, method, res.message)

    def _node_fallback(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """Node relaxation through cvxpy + CLARABEL, the last resort (an "approximate"
        outcome: see :func:`~hedge_planner.solvers.clarabel.cvxpy_node`)."""
        return cvxpy_node(self.program, lo, hi)

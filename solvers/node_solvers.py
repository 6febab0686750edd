"""Relaxation-node solvers of the MIQP branch-and-bound: HiGHS' QP or CLARABEL, as measured.

Moved out of :mod:`~hedge_planner.solvers.miqp` (module size); see :class:`NodeSolvers`.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from hedge_planner.models.threads import workers
from hedge_planner.solvers.clarabel_backend import ClarabelNodes
from hedge_planner.solvers.highs_backend import HighsModel, NodeOutcome
from hedge_planner.solvers.standard_form import ParametricForm

__all__ = ["NodeSolvers"]

#: Relaxation nodes HiGHS solves before its failure rate decides the node solver order.
_PROBE_NODES = 6
#: HiGHS' probe of a leg problem, after the interior point's (see _pick).
_PROBE_NODES_HIGHS = 2

_PAIR_LOCK = threading.Lock()
_PAIR_POOL: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    # Why: a forked child (the service's worker processes) inherits the executor but not
    # its thread; a job submitted there would wait forever.
    global _PAIR_LOCK, _PAIR_POOL
    _PAIR_LOCK, _PAIR_POOL = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_pool)


def _pair_pool() -> ThreadPoolExecutor | None:
    """The process's one worker thread for sibling relaxations; None on a single core
    (``HEDGE_PLANNER_THREADS=1`` or one CPU)."""
    global _PAIR_POOL
    if workers() < 2:
        return None
    with _PAIR_LOCK:
        if _PAIR_POOL is None:
            _PAIR_POOL = ThreadPoolExecutor(1, thread_name_prefix="hedge-node")
        return _PAIR_POOL


def _pick(stats: dict[str, list[float]], by_time: bool) -> str:
    """Relaxation-node solver: as measured on the first nodes.

    ``stats[name]`` is ``[seconds, successful runs, runs]``. ``by_time`` (problems with
    legs, and lattices of lots: see ``miqp._LATTICE_COLUMNS``): the interior point solves
    the first ``_PROBE_NODES`` nodes and keeps the rest while it has not failed; once it
    has, HiGHS solves ``_PROBE_NODES_HIGHS`` nodes and the one with the lower time per
    successful run takes the rest (a failed run costs its time and another solver's). Why
    the interior point first and HiGHS only then: on both leg examples it took ~1.7 ms a
    node against HiGHS' 2.7-4 ms (up to 19 ms on the first, cold nodes): HiGHS first cost
    ~25 ms of the desk example's search, a HiGHS probe after it still ~8 ms. Otherwise (no
    legs, few lots) HiGHS first, and the interior point
    once HiGHS has failed on a third of its first ``_PROBE_NODES`` or more runs.
    """
    h, i = stats["highs"], stats["ipm"]
    if not by_time:
        if h[2] < _PROBE_NODES:
            return "highs"
        return "ipm" if 3 * (h[2] - h[1]) > h[2] else "highs"
    if i[2] < _PROBE_NODES or i[1] == i[2]:
        return "ipm"
    if h[2] < _PROBE_NODES_HIGHS:
        return "highs"
    return "highs" if h[0] / max(h[1], 1) <= i[0] / max(i[1], 1) else "ipm"


class NodeSolvers:
    """Node relaxations of one search: HiGHS' QP or CLARABEL, chosen as measured.

    Why: HiGHS' QP fails on some nodes (leg binaries: it stops "optimal" with a 1e-5 row
    infeasibility on the big-M rows, then reports "Solve error"), or takes 3-9 ms where
    the interior point takes ~1.5 ms (the desk example); the interior point has no basis
    to cycle on. With legs, relaxation nodes go to the solver with the lower time per
    successful solve, measured on the first nodes of each (the interior point's first);
    without, to HiGHS unless it failed on a third of them (see :func:`_pick`). The other
    is the fallback of a failed run. Fixed-integer nodes (plans) stay HiGHS-first: the
    interior point's plans can miss a band by ~5e-6 years (one enumeration test failed
    when they were interior-point-first too). The cvxpy fallback stays the last resort.
    """

    def __init__(self, form: ParametricForm, model: HighsModel, cols: np.ndarray,
                 xc: np.ndarray, by_time: bool) -> None:  # fmt: skip
        self.form, self.model, self.cols, self.xc, self.by_time = form, model, cols, xc, by_time
        self._ipm: ClarabelNodes | None = None  # built on first use
        self._ipm2: ClarabelNodes | None = None  # the sibling thread's (see pair)
        #: Per relaxation-node solver: [seconds, successful runs, runs].
        self.stats: dict[str, list[float]] = {"highs": [0.0, 0, 0], "ipm": [0.0, 0, 0]}
        #: All columns of the first relaxation solved (the root): the level set's centre.
        self.root_x: np.ndarray | None = None
        #: No further level-set passes in this search (the last one narrowed too little).
        self.level_set_done = False

    def model_changed(self) -> None:
        """The form's data moved (big-M lowered): the interior point is rebuilt on use."""
        self._ipm = self._ipm2 = None

    def interior(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        return self.interior_nodes().solve(lo, hi)

    def certify(self, duals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Certified bounds of boxes at multipliers of an earlier search's nodes (see
        :meth:`ClarabelNodes.bounds_at`), on the current data."""
        return self.interior_nodes().bounds_at(duals, lo, hi)

    def interior_nodes(self) -> ClarabelNodes:
        """The interior point's node solver of the current data (built on first use)."""
        if self._ipm is None:
            m = self.model
            self._ipm = ClarabelNodes(self.form.evaluate(), self.cols, m.col_scale, m.obj_scale)
        return self._ipm

    def _interior_2(self) -> ClarabelNodes:
        """A second interior-point node solver of the current data, for :meth:`pair`."""
        if self._ipm2 is None:
            m = self.model
            self._ipm2 = ClarabelNodes(self.form.evaluate(), self.cols, m.col_scale, m.obj_scale)
        return self._ipm2

    def pair(
        self, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
    ) -> tuple[NodeOutcome, NodeOutcome] | None:
        """Relaxations of two sibling boxes ``a`` and ``b``, or None (then solve them one by
        one): while the interior point is the node solver, ``b`` runs on a worker thread
        with its own CLARABEL instance (CLARABEL releases the GIL in its solve) as ``a``
        runs here. Each outcome is the one :meth:`__call__` gives: a failed run falls back
        to HiGHS here, afterwards, in order. Why: leg searches spend most of their time in
        node solves (~1.8 ms each, two children per branching).
        """
        pool = _pair_pool()
        if pool is None or any(bool(np.array_equal(lo, hi)) for lo, hi in (a, b)):
            return None
        if _pick(self.stats, self.by_time) != "ipm":
            return None
        ipm_b = self._interior_2()
        ipm_a = self.interior_nodes()

        def run_b() -> tuple[NodeOutcome, float]:
            t = time.perf_counter()
            return ipm_b.solve(*b), time.perf_counter() - t

        job = pool.submit(run_b)
        t = time.perf_counter()
        out_a = ipm_a.solve(*a)
        sec_a = time.perf_counter() - t
        out_b, sec_b = job.result()
        outs = []
        for (lo, hi), out, sec in ((a, out_a, sec_a), (b, out_b, sec_b)):
            self._record("ipm", sec, out)
            outs.append(self._finish("ipm", out, lo, hi))
        return outs[0], outs[1]

    def highs(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        self.model.set_bounds(self.cols, lo, hi)
        return self.model.run(retries=False)

    def _timed(self, name: str, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        t = time.perf_counter()
        out = self.highs(lo, hi) if name == "highs" else self.interior(lo, hi)
        self._record(name, time.perf_counter() - t, out)
        return out

    def _record(self, name: str, seconds: float, out: NodeOutcome) -> None:
        """One relaxation run of solver ``name`` in :attr:`stats`."""
        st = self.stats[name]
        st[0] += seconds
        st[1] += out.status != "error"
        st[2] += 1

    def __call__(self, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """Relaxation with the integer box ``[lo, hi]``: the search vector ``[x, z]``."""
        if not np.array_equal(lo, hi):
            first = _pick(self.stats, self.by_time)
            return self._finish(first, self._timed(first, lo, hi), lo, hi)
        out = self.highs(lo, hi)
        if out.status == "error":
            out = self.interior(lo, hi)
        x = None if out.x is None else out.x[self.xc]
        return replace(out, x=x)

    def _finish(self, first: str, out: NodeOutcome, lo: np.ndarray, hi: np.ndarray) -> NodeOutcome:
        """A relaxation node's outcome from solver ``first``: the other solver if it failed;
        the search vector ``[x, z]``."""
        if out.status == "error":
            out = self._timed("ipm" if first == "highs" else "highs", lo, hi)
        if self.root_x is None and out.status == "optimal" and out.x is not None:
            self.root_x = out.x.copy()
        x = None if out.x is None else out.x[self.xc]
        return replace(out, x=x)

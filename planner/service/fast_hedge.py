"""The desk's fast path: key-rate DV01 books hedged on a problem compiled once.

A desk request whose book is given as key-rate DV01s (``krd_dv01``) becomes a ladder of
zero-coupon Treasuries (:func:`hedge_planner.service.desk.krd_ladder`): rows the server wrote
itself, on the server's market case, with the request's universe, limits and costs. The
ordinary path validates that whole merged case and compiles the cvxpy problem on every call;
here, per request *shape* (the request's ``universe``, ``limits``, ``costs`` and
``horizon_days``), the first call runs the ordinary path and keeps its validated case (the
template), and later calls

1. put the new ladder into the template case (no re-validation: the rows are the server's),
2. measure the book on the cached curves: the ladder's rows measured once at face 1 and
   scaled by the request's faces (:mod:`hedge_planner.service.ladder`), then aggregated by the
   ordinary code (:func:`hedge_planner.workflow.analysis_of_book`), and take the priced
   universe from the snapshot cache (:class:`~hedge_planner.market_cache.MarketCache`),
3. build the optimiser's inputs as the ordinary path does
   (:func:`hedge_planner.hedging.build_problem`) but take the optimiser from a model compiled
   once per structure and re-filled with the book
   (:class:`hedge_planner.solvers.book_form.CompiledHedge`, keyed by the digest of everything
   it holds as constants, so a changed universe, limit or cost compiles a new one),
4. solve it with the ordinary exact search and write the ordinary hedge document.

Anything the fast path cannot answer the ordinary way (a component without a parametric
form, a limit the optimiser refuses, a plan that is not proven optimal: infeasible limits get
the ordinary minimal-violation report) goes to the ordinary path, so errors and
infeasibility reports are the ordinary ones.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedge_planner.case_paths import file_sandbox
from hedge_planner.cases import AnalysisCase
from hedge_planner.models.errors import HedgePlannerError, InputError

if TYPE_CHECKING:
    from hedge_planner.market_cache import MarketCache
    from hedge_planner.run import PlanRun
    from hedge_planner.solvers.book_form import CompiledHedge
    from hedge_planner.solvers.optimizer import HedgeOptimizer
    from hedge_planner.workflow import MarketCurves, MeasuredBook

logger = logging.getLogger(__name__)

__all__ = ["FastHedges", "request_shape"]

#: Share of the case's solver time limit the fast path's search gets. Why: a fast search
#: that ends unproven goes to the ordinary path, which has the whole limit again; with the
#: whole limit each, a call could take twice its limit (the desk test's ladder book under the
#: example's leg rules: 30 s unproven, then 4.4 s proven, before the compiled tracking-error
#: term took the ordinary form; a repeated book's warm start still takes the fast search
#: past 15 s there). With a quarter, a call takes at most 1.25 times its limit.
FAST_TIME_SHARE = 0.25

#: Request keys that shape the problem (the book aside).
SHAPE_KEYS = ("universe", "limits", "costs", "horizon_days")


def request_shape(overrides: Mapping[str, Any]) -> str:
    """The request's universe, limits, costs and horizon as canonical JSON (a cache key)."""
    return json.dumps({k: overrides.get(k) for k in SHAPE_KEYS}, sort_keys=True, default=str)


@dataclass(frozen=True)
class _Template:
    """A validated merged case of one request shape."""

    case: AnalysisCase
    source: str
    horizon_days: int
    #: True once the shape's problem proved to have no parametric form.
    ordinary: bool = False


#: A row set whose unit ladder is not face-linear (:func:`~hedge_planner.service.ladder.scalable`).
_NOT_SCALABLE = "not scalable"


def _units_enabled() -> bool:
    """Whether ladders are measured through their unit ladder (tests compare with off)."""
    return True


class _Fallback(Exception):
    """The fast path cannot answer this request as the ordinary path would.

    ``always``: nor any request of its shape (a component without a parametric form).
    """

    def __init__(self, reason: str, always: bool = False) -> None:
        super().__init__(reason)
        self.always = always


class FastHedges:
    """Templates and compiled models of one market snapshot, least recently used out.

    Parameters
    ----------
    max_models
        Compiled models kept (one per problem structure); templates kept: four times that.
    """

    def __init__(self, max_models: int = 8) -> None:
        self._templates: OrderedDict[str, _Template] = OrderedDict()
        self._models: OrderedDict[str, CompiledHedge] = OrderedDict()
        # Unit ladders (face 1) by request shape and rows without their faces.
        self._units: OrderedDict[tuple[str, str], MeasuredBook | str] = OrderedDict()
        self._max = max_models
        # Why one lock: a compiled model holds one book at a time, from the re-fill until
        # the document is written; the service's workers are processes, so this only
        # serialises the threads of one process (which share the interpreter lock anyway).
        self._lock = threading.Lock()
        self.counts = {"fast": 0, "ordinary": 0, "fallback": 0, "compiled": 0, "scaled": 0}

    def remember(self, shape: str, run: PlanRun) -> None:
        """Keep a validated ordinary run's case and universe as the shape's template."""
        hedge = run.case.hedge
        if hedge is None:
            return
        template = _Template(run.case, run.source, hedge.horizon_days)
        with self._lock:
            self._templates[shape] = template
            self._templates.move_to_end(shape)
            while len(self._templates) > 4 * self._max:
                self._templates.popitem(last=False)

    def hedge(
        self,
        overrides: Mapping[str, Any],
        cache: MarketCache,
        folder: Path,
        ordinary: Callable[[], tuple[dict[str, Any], PlanRun | None]],
    ) -> dict[str, Any]:
        """The hedge document of a key-rate DV01 request (``overrides["holdings"]`` the ladder).

        ``ordinary`` runs the ordinary path (its document, and its run when it validated).
        """
        shape = request_shape(overrides)
        with self._lock:
            template = self._templates.get(shape)
        if template is not None and not template.ordinary:
            try:
                with file_sandbox(folder):
                    doc = self._solve(shape, template, list(overrides["holdings"]), cache)
                self.counts["fast"] += 1
                return doc
            except _Fallback as exc:
                logger.info("desk hedge: ordinary path (%s)", exc)
                self.counts["fallback"] += 1
                if exc.always:  # the shape's template stays, marked: no fast attempt again
                    with self._lock:
                        self._templates[shape] = dataclasses.replace(template, ordinary=True)
        doc, run = ordinary()
        self.counts["ordinary"] += 1
        if template is None and run is not None:
            self.remember(shape, run)
        return doc

    def _solve(
        self, shape: str, template: _Template, holdings: list[dict[str, Any]], cache: MarketCache
    ) -> dict[str, Any]:
        from hedge_planner.hedge_plan import solve_hedge
        from hedge_planner.hedging import build_problem
        from hedge_planner.workflow import analysis_of_book

        # The ladder's rows are the server's own (krd_ladder), on a case validated with
        # another ladder: only the holdings differ, so the case is not validated again.
        case = template.case.model_copy(update={"holdings": holdings})
        hedge = case.hedge
        assert hedge is not None  # a template is kept only with a hedge section
        try:
            curves = cache.curves(case, template.source)
            measured = self._measure(shape, case, template.source, curves)
            analysis = analysis_of_book(case, template.source, measured)
            # The universe through the snapshot cache, not the template's: a contracts file
            # changed on disk since is priced again (and compiles a new model).
            members = cache.universe(analysis, hedge, template.source)
            with self._lock:
                problem = build_problem(case, analysis, members, template.source, self._optimizer)
                plan = solve_hedge(problem, template.horizon_days, analysis.risk)
                if plan.result.status != "optimal":
                    raise _Fallback(f"solver status {plan.result.status}")
                return plan.document().model_dump(mode="json")
        except (HedgePlannerError, InputError) as exc:
            raise _Fallback(str(exc)) from None

    def _measure(
        self, shape: str, case: AnalysisCase, source: str, curves: MarketCurves
    ) -> MeasuredBook:
        """The ladder ``case.holdings`` measured on ``curves``: its unit ladder scaled by the
        faces (measured on first use of its rows), or measured per call when not linear."""
        from hedge_planner.service.ladder import UNIT_FACE, scalable, scale_book
        from hedge_planner.workflow import measure_book

        rows = case.holdings
        assert isinstance(rows, list)  # the server's ladder, inline
        key = (shape, json.dumps([{**r, "face": None} for r in rows], default=str))
        with self._lock:
            unit = self._units.get(key)
            if unit is not None:
                self._units.move_to_end(key)
        if not isinstance(unit, str) and (unit is None or unit.curves is not curves):
            unit_rows = [{**r, "face": UNIT_FACE} for r in rows]
            measured = measure_book(case.model_copy(update={"holdings": unit_rows}), source, curves)
            unit = measured if scalable(measured) else _NOT_SCALABLE
            with self._lock:
                self._units[key] = unit
                while len(self._units) > 16 * self._max:
                    self._units.popitem(last=False)
        if isinstance(unit, str) or not _units_enabled():
            return measure_book(case, source, curves)
        self.counts["scaled"] += 1
        return scale_book(unit, [float(r["face"]) for r in rows])

    def _optimizer(self, *args: Any, **options: Any) -> HedgeOptimizer:
        """:class:`HedgeOptimizer`'s signature: the compiled model of this structure, re-filled
        (compiled on first use). Called under the lock."""
        from hedge_planner.solvers.book_form import (
            CompiledHedge,
            StructureChanged,
            Unsupported,
            structure_key,
        )

        _, instruments, covariance, terms, constraints = args  # (portfolio, ...): the book
        key = structure_key(instruments, covariance, terms, constraints, **options)
        model = self._models.get(key)
        try:
            if model is None:
                model = CompiledHedge(*args, **options)
                self.counts["compiled"] += 1
                self._models[key] = model
                while len(self._models) > self._max:
                    self._models.popitem(last=False)
            self._models.move_to_end(key)
            opt = model.optimizer_for(*args, key=key, **options)
            if options.get("time_limit") is not None:  # build_problem passes the case's
                opt.time_limit = FAST_TIME_SHARE * float(options["time_limit"])
            return opt
        except Unsupported as exc:
            raise _Fallback(str(exc), always=True) from None
        except StructureChanged as exc:
            raise _Fallback(str(exc)) from None

"""One plan run: a case loaded once, its market data, book and analytics, and every stage.

:class:`PlanRun` is the single orchestration of the planner. It loads a case once (relative paths
resolve against the case file, and the file's name, the run's :attr:`~PlanRun.source`, labels
every input problem), measures the book once (its cash-flow schedule is built once and kept) and
exposes the stages as methods whose results are cached: :meth:`measure`, :meth:`compare`,
:meth:`universe`, :meth:`problem`, :meth:`hedge`, :meth:`stress` and :meth:`plan`. Every CLI
command is a thin view over a run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from hedge_planner.case_hedge import SWEEP_KEYS, sweep_value_problem
from hedge_planner.case_keys import hedge_input_issue, universe_paths
from hedge_planner.cases import AnalysisCase, load_analysis_case
from hedge_planner.document import DriftDoc, Plan, Provenance
from hedge_planner.io import read_text
from hedge_planner.models.benchmark import BenchmarkComparison
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.provenance import provenance
from hedge_planner.scenarios.definitions import Scenario
from hedge_planner.scenarios.portfolio_result import PortfolioScenarioResult
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.stress import (
    build_case_scenarios,
    horizon_days,
    modelled_revaluer,
    price_modelled_ahead,
    run_scenarios,
)
from hedge_planner.workflow import CaseAnalysis, analyze_case, build_curves

if TYPE_CHECKING:
    from hedge_planner.hedge_plan import HedgePlan
    from hedge_planner.hedging import HedgeProblem, UniverseMember
    from hedge_planner.market_cache import MarketCache
    from hedge_planner.models.oas_scenarios import ModelledRevaluer

# The hedge stages (optimiser, cvxpy, HiGHS) and the plan assembly are imported inside the
# methods that run them, so measuring or validating a case without a hedge section never
# loads the optimiser.

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

INSTRUMENT_UNITS = {
    "dv01": "currency per 1 bp fall in rates, per unit (1 contract or 1 of notional)",
    "krd": "currency per 1 bp fall of each key rate, per unit",
    "convexity": "dollar convexity, currency per unit rate^2, per unit",
    "carry": "currency per unit over the horizon (positive earns)",
    "margin": "initial margin, currency per unit",
    "half_spread": "half bid-ask, currency per unit traded",
}


def _noop(_: str) -> None:
    return None


def _sweep_points(optimizer: Any, param: str, values: list[float]) -> list[Any]:
    """Solve each value; with a turnover penalty, against the previous point's hedge.

    Without the penalty this is the optimiser's own sweep. With it, each point's turnover
    reference is the hedge of the point before (the case's current positions for the first),
    so neighbouring points trade as little as the penalty prices; slippage, tickets and the
    reported trades stay measured from the true current positions. The reference is restored
    afterwards.
    """
    from hedge_planner.solvers.turnover import TURNOVER_REFERENCE, TURNOVER_SIGN, reference_params

    if TURNOVER_REFERENCE not in optimizer.params:
        return list(optimizer.sweep(param, values))
    saved = {
        k: np.array(optimizer.params[k], dtype=float) for k in (TURNOVER_REFERENCE, TURNOVER_SIGN)
    }
    dv01 = np.asarray(optimizer.ctx.dv01_unit, dtype=float)
    points: list[Any] = []
    try:
        for v in values:
            point = optimizer.sweep(param, [v])[0]
            points.append(point)
            if point.quantities:  # the next point's reference: this point's positions
                held = [point.quantities.get(n, 0.0) for n in optimizer.ctx.names]
                optimizer.set_params(**reference_params(np.asarray(held), dv01))
    finally:
        optimizer.set_params(**saved)
    return points


def _build_universe(analysis: CaseAnalysis, hedge: Any, source: str) -> list[UniverseMember]:
    """:func:`hedging.build_universe`, imported on first use (it loads the optimiser)."""
    from hedge_planner.hedging import build_universe

    return build_universe(analysis, hedge, source)


def _build_problem(
    case: AnalysisCase, analysis: CaseAnalysis, members: list[UniverseMember], source: str
) -> HedgeProblem:
    """:func:`hedging.build_problem`, imported on first use (it loads the optimiser)."""
    from hedge_planner.hedging import build_problem

    return build_problem(case, analysis, members, source)


class PlanRun:
    """A case and everything computed from it, each stage computed at most once.

    Parameters
    ----------
    case
        The validated case.
    source
        Where the case came from: its file path (relative paths in the case resolve against its
        folder) or ``<stdin>``. Every input problem is located in it.
    case_text
        The case text as read; hashed for the provenance when ``source`` is not a readable file
        (standard input).
    cache
        Market-snapshot memo (curves, priced universe) shared by runs on the same market data,
        e.g. the service's hedge calls; ``None`` computes everything for this run.

    Attributes
    ----------
    provenance : Provenance
        Run id, run time (UTC), the case's SHA-256 and the software versions, taken when the
        run is created so the hash is of the case as it was read; every output of the run
        records it.
    """

    def __init__(
        self,
        case: AnalysisCase,
        source: str,
        case_text: str | None = None,
        cache: MarketCache | None = None,
    ) -> None:
        self.case = case
        self.source = source
        self.cache = cache
        self.provenance = Provenance.model_validate(provenance(source, case_text=case_text))

    @classmethod
    def load(cls, path: str | Path) -> PlanRun:
        """Read and validate a case file (``-`` reads standard input)."""
        text, name = read_text(path)
        return cls.from_text(text, name)

    @classmethod
    def from_text(cls, text: str, name: str) -> PlanRun:
        """Validate case text read from ``name``."""
        # The curve bootstrap runs with the file checks, so a bad curve and a bad holdings file
        # (independent inputs) are reported together.
        case, source = load_analysis_case(name, text, extra_check=build_curves)
        return cls(case, source, text)

    @classmethod
    def from_data(
        cls, data: dict[str, Any], name: str, cache: MarketCache | None = None
    ) -> PlanRun:
        """Validate a case given as Python objects (problems located by key path under
        ``name``; relative file names resolve against ``name``'s folder); ``cache`` as in
        :class:`PlanRun`."""
        check = build_curves if cache is None else cache.curves
        case, source = load_analysis_case(name, extra_check=check, data=data)
        text = json.dumps(data, default=str, sort_keys=True)  # what the provenance hashes
        return cls(case, source, text, cache)

    # -- measure and compare ---------------------------------------------------------------

    @cached_property
    def analysis(self) -> CaseAnalysis:
        """The measured book (curves, holdings risk, sectors, covariance, benchmark)."""
        logger.debug("measuring %s", self.source)
        curves = None if self.cache is None else self.cache.curves(self.case, self.source)
        return analyze_case(self.case, self.source, curves)

    def measure(self) -> CaseAnalysis:
        """Stage 1: curves, holdings' risk, sectors and covariance (with the comparison)."""
        return self.analysis

    def compare(self) -> BenchmarkComparison | None:
        """Stage 2: the portfolio against its benchmark (``None`` without one)."""
        return self.analysis.benchmark

    @property
    def tenors(self) -> tuple[str, ...]:
        """Key tenor labels."""
        return self.analysis.tenors

    @property
    def horizon_days(self) -> int:
        """Holding horizon, calendar days."""
        return horizon_days(self.case)

    # -- hedge -----------------------------------------------------------------------------

    def require_hedge(self) -> None:
        """Raise a located input error when the case has no hedge section."""
        if self.case.hedge is None:
            raise InputError(
                [InputIssue(self.source, None, "hedge", "the case has no hedge section")]
            )

    @cached_property
    def _universe(self) -> list[UniverseMember]:
        if self.case.hedge is None:
            return []
        if self.cache is not None:
            return self.cache.universe(self.analysis, self.case.hedge, self.source)
        return _build_universe(self.analysis, self.case.hedge, self.source)

    def universe(self) -> list[UniverseMember]:
        """Stage 3: the hedge universe priced off the curves (empty without a hedge section)."""
        return self._universe

    def _user_error(self, exc: HedgeInputError) -> InputError:
        """An optimiser input error restated under the case's own key."""
        members = [(m.risk.kind, m.name) for m in self.universe()]
        return hedge_input_issue(exc, self.source, universe_paths(members))

    @cached_property
    def _problem(self) -> HedgeProblem:
        self.require_hedge()
        try:
            return _build_problem(self.case, self.analysis, self.universe(), self.source)
        except HedgeInputError as exc:
            raise self._user_error(exc) from None

    def problem(self) -> HedgeProblem:
        """The compiled hedge problem (limits and costs translated for the optimiser)."""
        return self._problem

    @cached_property
    def _hedge(self) -> HedgePlan | None:
        if self.case.hedge is None:
            return None
        from hedge_planner.hedge_plan import solve_hedge

        return solve_hedge(
            self.problem(), self.case.hedge.horizon_days, self.analysis.risk, self.book_vega()
        )

    def book_vega(self) -> float:
        """Vega of the book's modelled holdings, currency per 1.00 of normal vol (0 without)."""
        rev = self._revaluer
        if rev is None:
            return 0.0
        return float(rev.vega(self.analysis.book.face[rev.positions]).sum())

    def hedge(self) -> HedgePlan | None:
        """Stage 4: the optimised hedge (``None`` without a hedge section)."""
        return self._hedge

    def price_modelled(self) -> None:
        """Before the hedge of a run that stresses it too (``plan``): the modelled holdings
        under every scenario, with the book vega's two sigmas in the same stacked pass; the
        hedge's :meth:`book_vega` and the scenario stage then reuse those prices instead of a
        pass each. A case whose scenarios do not build is left to the scenario stage to report.
        """
        if self._revaluer is None:
            return
        try:
            scenarios = self.scenarios
        except InputError:
            return
        price_modelled_ahead(self.analysis, scenarios, self._revaluer)

    def sweep(self, name: str, values: Sequence[float]) -> list[dict[str, Any]]:
        """Re-solve the compiled problem over values of one case parameter.

        Raises
        ------
        InputError
            When the case sets no such limit to sweep.
        """
        from hedge_planner.hedging import SWEEP_PARAMS

        problem = self.problem()
        assert self.case.hedge is not None  # problem() requires the hedge section
        # Every value is checked against the case file's own bounds before any solve, and
        # reported in the user's units under the user's key (not the optimiser's scaled value).
        for v in values:
            reason = sweep_value_problem(self.case.hedge, name, v)
            if reason is not None:
                key = "hedge." + ".".join(SWEEP_KEYS[name])
                issue = InputIssue("--param", None, key, f"swept value {v:g}: {reason}")
                raise InputError([issue])
        opt_name = SWEEP_PARAMS[name]
        if opt_name not in problem.optimizer.params:
            reason = f"the case sets no {name} limit to sweep; add it to the case first"
            raise InputError([InputIssue(self.source, None, "hedge.limits", reason)])
        try:
            points = _sweep_points(
                problem.optimizer, opt_name, [problem.to_optimizer_value(name, v) for v in values]
            )
        except HedgeInputError as exc:
            raise self._user_error(exc) from None
        return [
            {
                name: v,
                "status": pt.status,
                "trades": {k: q for k, q in (pt.trades or {}).items() if abs(q) > 1e-9},
                "post_hedge_duration": pt.duration,
                "post_hedge_dv01": pt.dv01,
                "tracking_error_bp": pt.te_bp,
                "cost": pt.objective,
                "costs": pt.costs,
                "seconds": pt.seconds,
                "error": pt.error,
            }
            for v, pt in zip(values, points, strict=True)
        ]

    # -- stress ----------------------------------------------------------------------------

    @cached_property
    def scenarios(self) -> list[Scenario]:
        """The case's scenarios on the key tenors."""
        return build_case_scenarios(self.case, self.tenors, self.source)

    def stress(self, quantities: np.ndarray | None = None) -> PortfolioScenarioResult:
        """Stage 5: revalue the book and the hedge under every scenario.

        Parameters
        ----------
        quantities
            Positions per universe member (units); default the optimised hedge's positions
            (no positions without a hedge section).
        """
        if quantities is None:
            return self._stress_hedged
        return run_scenarios(
            self.case, self.analysis, self.universe(), quantities, self.scenarios, self._revaluer
        )

    @cached_property
    def _revaluer(self) -> ModelledRevaluer | None:
        # One model of the book's modelled holdings for the hedge stage (its vega) and the
        # scenario stage: the vega's two sigmas are priced once, not once per stage.
        return modelled_revaluer(self.case, self.analysis)

    @cached_property
    def _stress_hedged(self) -> PortfolioScenarioResult:
        # Stage 5 with the optimised hedge, computed once: plan() after stress() reuses it.
        members = self.universe()
        plan = self.hedge()
        quantities = plan.quantities if plan is not None else np.zeros(len(members))
        return run_scenarios(
            self.case, self.analysis, members, quantities, self.scenarios, self._revaluer
        )

    # -- the plan --------------------------------------------------------------------------

    def plan(self, progress: Progress = _noop) -> Plan:
        """Stage 6: every stage assembled into the typed plan document."""
        from hedge_planner.plan import (
            actions,
            dashboard,
            exposure,
            risk_model_section,
            scenarios_section,
            warnings,
        )
        from hedge_planner.quality import quality_checks

        progress("measuring the portfolio")
        analysis = self.measure()
        if self.case.hedge is not None:
            progress("pricing the hedge universe")
            self.universe()
            if self._revaluer is not None:
                progress("revaluing the modelled holdings under the scenarios")
                self.price_modelled()
            progress("optimising the hedge")
        hedge_plan = self.hedge()
        progress("stressing hedged and unhedged books")
        stress = self.stress()
        progress("assembling the report")
        hedge_doc = hedge_plan.document() if hedge_plan is not None else None
        exposure_doc = exposure(analysis)
        scenarios_doc = scenarios_section(stress)
        trades = hedge_doc.trades if hedge_doc is not None else []
        actions_doc = actions(analysis, hedge_plan, trades, self.horizon_days)
        return Plan(
            analysis_date=self.case.analysis_date.isoformat(),
            case=self.source,
            generated=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            key_tenors=list(analysis.tenors),
            exposure=exposure_doc,
            risk_model=risk_model_section(analysis, hedge_plan),
            hedge=hedge_doc,
            scenarios=scenarios_doc,
            warnings=warnings(analysis),
            dashboard=dashboard(analysis, hedge_plan),
            actions=actions_doc,
            quality_checks=quality_checks(
                analysis, hedge_plan, exposure_doc, scenarios_doc, actions_doc
            ),
            provenance=self.provenance,
            drift=self._drift_section(progress),
        )

    def _drift_section(self, progress: Progress) -> DriftDoc | None:
        """The drift since the previous snapshot the case names (``None`` without one)."""
        if self.case.drift is None:
            return None
        progress("attributing the drift since the previous snapshot")
        from hedge_planner.drift import plan_drift_section

        section = plan_drift_section(self.source, self.measure())
        return None if section is None else DriftDoc.model_validate(section)

    # -- views for the CLI -----------------------------------------------------------------

    def instruments_document(self) -> dict[str, Any]:
        """Per-unit figures of every hedge instrument (the ``instruments --json`` document)."""
        self.require_hedge()
        assert self.case.hedge is not None
        return {
            "analysis_date": self.case.analysis_date.isoformat(),
            "key_tenors": list(self.tenors),
            "horizon_days": self.case.hedge.horizon_days,
            "instruments": [m.as_dict() for m in self.universe()],
            "units": INSTRUMENT_UNITS,
        }

    def validate(self) -> dict[str, Any]:
        """Check every input without optimising: build the universe, problem and scenarios."""
        n_inst = 0
        if self.case.hedge is not None:
            self.problem()
            n_inst = len(self.universe())
        bench = self.analysis.benchmark
        return {
            "holdings": len(self.analysis.holdings),
            "key_tenors": len(self.tenors),
            "instruments": n_inst,
            "scenarios": len(self.scenarios),
            "benchmark": bench.name if bench is not None else None,
        }

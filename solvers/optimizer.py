"""Hedge optimiser: cvxpy formulates it, HiGHS solves it.

The problem is compiled ONCE into

* a canonical cvxpy ``Problem`` with ``Parameter`` objects (DPP), used directly for
  all-continuous problems and as a cross-check (e.g. against SCIP for the MIQP), and
* a persistent highspy model built from the same numbers, driven directly for the
  mixed-integer case: best-first branch-and-bound over HiGHS QP relaxations (HiGHS has no
  MIQP), or a single HiGHS MILP when the objective has no quadratic part.

What-if changes (targets, bands, limits, weights) only update parameter values / row bounds /
costs, so re-solves and :meth:`HedgeOptimizer.sweep` never rebuild.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import cvxpy as cp
import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from hedge_planner.solvers.infeasibility import Violation, minimal_violation
from hedge_planner.solvers.problem import (
    HedgeInputError,
    Instrument,
    PortfolioRisk,
    factor_covariance,
    validate_covariance,
)
from hedge_planner.solvers.terms import (
    Constraint,
    ConstraintReport,
    InstrumentFactorRiskTerm,
    LinearRow,
    ObjectiveTerm,
    ParamSpec,
    TermNumeric,
    TrackingErrorL1Term,
    TrackingErrorTerm,
)

__all__ = [
    "HedgeContext",
    "HedgeOptimizer",
    "HedgeResult",
    "RiskSummary",
    "SweepPoint",
]

_INF = highspy.kHighsInf
_INT_TOL = 1e-6  # integrality tolerance on lot counts
# Why: CLARABEL's defaults (1e-8) are too loose for the 1e-8 GLS baseline and B&B bounds.
_CLARABEL_TIGHT: dict[str, Any] = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12,
                                   "tol_ktratio": 1e-10, "max_iter": 500}  # fmt: skip
# Why: on the benchmark sweep most points close within ~6 node QPs of the root (bound-side
# gap); a dive there is wasted. Points whose gap is the incumbent's need one early.
_DIVE_AFTER = 6  # node QPs of the search proper before the first dive
_DIVE_EVERY = 24  # node QPs between later dives

_DECIDED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


# --------------------------------------------------------------------------- context


class HedgeContext:
    """Compiled numbers shared by terms, constraints and reports.

    Parameters
    ----------
    portfolio : PortfolioRisk
        Pre-hedge risk and benchmark.
    instruments : sequence of Instrument
        Hedge universe; per-unit analytics.
    covariance : array_like, shape (n_b, n_b)
        Key-rate covariance, bp^2 per year.
    """

    def __init__(
        self, portfolio: PortfolioRisk, instruments: Sequence[Instrument], covariance: Any
    ) -> None:
        if len(instruments) == 0:
            raise HedgeInputError("instruments", "need at least one hedge instrument")
        names = [i.name for i in instruments]
        if len(set(names)) != len(names):
            raise HedgeInputError("instruments", f"names must be unique, got {names}")
        self.portfolio = portfolio
        self.instruments = tuple(instruments)
        self.names = names
        self.labels = list(portfolio.bucket_labels or ())
        self.n = len(instruments)
        self.n_b = portfolio.n_buckets
        for ins in instruments:
            if ins.krd_dv01.shape[0] != self.n_b:
                raise HedgeInputError(
                    f"instruments[{ins.name}].krd_dv01",
                    f"must have length {self.n_b}, got {ins.krd_dv01.shape[0]}",
                )
        self.mv = portfolio.market_value
        self.dv01_scale = portfolio.dv01_scale  # currency/bp per year of duration
        self.U = np.array([i.krd_dv01 for i in instruments])  # (n, n_b) currency/bp per unit
        self.dv01_unit = self.U.sum(axis=1)
        self.conv_unit = np.array([i.dollar_convexity for i in instruments])
        self.carry = np.array([i.carry for i in instruments])
        self.half_spread = np.array([i.half_spread for i in instruments])
        self.impact = np.array([i.impact for i in instruments])
        self.margin = np.array([i.margin for i in instruments])
        self.q0 = np.array([i.q0 for i in instruments])
        self.krd0 = portfolio.krd_dv01
        self.bench = np.asarray(portfolio.bench_krd_dv01)
        self.gap0 = self.krd0 - self.bench
        self.pre_dv01 = float(self.krd0.sum())
        self.pre_duration = self.pre_dv01 / self.dv01_scale
        self.pre_dollar_convexity = portfolio.dollar_convexity
        self.pre_convexity = portfolio.dollar_convexity / self.mv
        self.cov = validate_covariance(covariance, self.n_b)
        self.factor = factor_covariance(self.cov)  # (n_b, n_f), Sigma = F F'
        self.factor_q = self.factor.T @ self.U.T  # (n_f, n)
        self.factor_0 = self.factor.T @ self.gap0  # (n_f,)
        self.scale = self._variable_scale()
        # Why: exposures F'g are ~1e4..1e8 currency*bp; solvers see them divided by this
        # scale (|.| ~ 1) so the Hessian is not ~1e-8 (HiGHS' QP mis-reads tiny curvature).
        fq = self.factor_q * self.scale
        self.factor_scale = max(
            1.0,
            float(np.max(np.abs(self.factor_0), initial=0.0)),
            float(np.max(np.abs(fq).sum(axis=1), initial=0.0)),
        )
        self.integer = np.array([i.integer for i in instruments], dtype=bool)
        lo = np.empty(self.n)
        hi = np.empty(self.n)
        for k, ins in enumerate(instruments):
            elo, ehi = ins.effective_bounds()
            lo[k], hi[k] = elo / self.scale[k], ehi / self.scale[k]
            if ins.integer:
                lo[k] = math.ceil(lo[k] - 1e-9) if math.isfinite(lo[k]) else lo[k]
                hi[k] = math.floor(hi[k] + 1e-9) if math.isfinite(hi[k]) else hi[k]
                if lo[k] > hi[k]:
                    raise HedgeInputError(
                        f"instruments[{ins.name}].lo/hi",
                        f"no whole lot of {ins.lot_size:g} fits in [{elo:g}, {ehi:g}]",
                    )
        self.x_lo, self.x_hi = lo, hi  # bounds in scaled units (lots)

    def _variable_scale(self) -> np.ndarray:
        """Units of q per internal variable: lot size for integer lots, else a power of 10.

        Why: swap notionals are ~1e8 with DV01 ~1e-4 per unit; rescaling to ~100 currency/bp
        per variable keeps the QP well conditioned. Powers of 10 keep scaling exact.
        """
        out = np.ones(self.n)
        for k, ins in enumerate(self.instruments):
            if ins.integer:
                out[k] = ins.lot_size
            elif ins.kind != "future":
                size = float(np.abs(ins.krd_dv01).sum())
                if size > 0:
                    out[k] = 10.0 ** round(math.log10(100.0 / size))
        return out

    # independent evaluations -------------------------------------------------------------
    def post_krd(self, q: np.ndarray) -> np.ndarray:
        """Post-hedge key-rate DV01, currency per bp."""
        return self.krd0 + self.U.T @ q

    def gap(self, q: np.ndarray) -> np.ndarray:
        """Post-hedge gap to benchmark, currency per bp."""
        return self.post_krd(q) - self.bench

    def post_dv01(self, q: np.ndarray) -> float:
        """Post-hedge DV01, currency per bp."""
        return float(self.post_krd(q).sum())

    def post_duration(self, q: np.ndarray) -> float:
        """Post-hedge duration, years (denominator = pre-hedge MV)."""
        return self.post_dv01(q) / self.dv01_scale

    def post_convexity(self, q: np.ndarray) -> float:
        """Post-hedge convexity, years^2."""
        return (self.pre_dollar_convexity + float(self.conv_unit @ q)) / self.mv

    def summary(self, q: np.ndarray) -> RiskSummary:
        """Risk summary at quantities ``q`` (zeros = pre-hedge)."""
        krd = self.post_krd(q)
        g = krd - self.bench
        te = math.sqrt(max(float(g @ self.cov @ g), 0.0))
        dc = self.pre_dollar_convexity + float(self.conv_unit @ q)
        return RiskSummary(
            dv01=float(krd.sum()),
            duration=float(krd.sum()) / self.dv01_scale,
            krd_dv01=krd,
            dollar_convexity=dc,
            convexity=dc / self.mv,
            te=te,
            te_bp=te / self.mv * 1e4,
            margin=float(self.margin @ np.abs(q)),
        )


# --------------------------------------------------------------------------- results


@dataclass
class RiskSummary:
    """Risk figures of a (pre- or post-hedge) book.

    dv01 currency/bp; duration years; krd_dv01 currency/bp per bucket; dollar_convexity
    currency per (unit rate)^2; convexity years^2; te currency/yr; te_bp bp/yr of MV;
    margin currency (hedge margin only).
    """

    dv01: float
    duration: float
    krd_dv01: np.ndarray
    dollar_convexity: float
    convexity: float
    te: float
    te_bp: float
    margin: float


@dataclass
class HedgeResult:
    """Outcome of one solve. Monetary figures in currency, quantities in units.

    ``status`` is "optimal", "infeasible" (then ``violations`` says which limits must move and
    ``quantities`` is the closest hedge, optimal under the moved limits), "unbounded",
    "time_limit"/"node_limit" (best plan found so far) or "error".
    """

    status: str
    method: str
    objective: float
    best_bound: float
    rel_gap: float
    iterations: int
    seconds: float
    quantities: dict[str, float]
    trades: dict[str, float]
    costs: dict[str, float]
    pre: RiskSummary
    post: RiskSummary
    constraints: list[ConstraintReport]
    violations: list[Violation] = field(default_factory=list)
    message: str = ""
    q: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class SweepPoint:
    """One row of :meth:`HedgeOptimizer.sweep` (units as in :class:`HedgeResult`)."""

    param: str
    value: float | np.ndarray
    status: str
    objective: float
    quantities: dict[str, float]
    trades: dict[str, float]
    duration: float
    dv01: float
    te: float
    te_bp: float
    costs: dict[str, float]
    seconds: float


@dataclass
class _Solve:
    """Raw solver outcome in scaled variables."""

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    iterations: int
    method: str
    message: str = ""
    full: np.ndarray | None = None  # all model columns (highspy paths)


# --------------------------------------------------------------------------- optimiser


class HedgeOptimizer:
    """Compiled hedge problem: solve, change parameters, re-solve, sweep.

    Parameters
    ----------
    portfolio : PortfolioRisk
        Pre-hedge portfolio risk (currency, currency/bp) and benchmark.
    instruments : sequence of Instrument
        Hedge instruments (per-unit analytics, bounds, integrality).
    covariance : array_like, shape (n_b, n_b)
        Key-rate covariance, bp^2 per year (symmetric PSD).
    terms : sequence of ObjectiveTerm
        Objective terms (currency), e.g. TrackingErrorTerm, CarryTerm, SlippageTerm.
    constraints : sequence of Constraint
        Named constraints (DurationBand, DV01Limit, KRDTolerance, ConvexityFloor,
        MarginBudget). Instrument bounds/directions always apply.
    gap_tol : float
        Relative optimality gap for the mixed-integer search, ``(UB - LB) / max(1, |UB|)``.
    time_limit : float
        Wall-clock limit per solve, seconds.
    max_nodes : int
        Branch-and-bound node limit.
    continuous_backend : {"highspy", "cvxpy"}
        Solver path for all-continuous problems. "highspy" (default): HiGHS' QP solver on
        the compiled, scaled model (the same model as the B&B relaxations). "cvxpy": the
        canonical cvxpy Problem solved by ``cvxpy_solver``.
    cvxpy_solver : str
        Solver for the "cvxpy" backend; default CLARABEL. Why not HIGHS: through cvxpy's
        QP interface HiGHS returned wrong "unbounded"/suboptimal answers (and once ran
        >100 s) on small problems with slippage |q - q0| terms, see module notes.
    """

    def __init__(
        self,
        portfolio: PortfolioRisk,
        instruments: Sequence[Instrument],
        covariance: Any,
        terms: Sequence[ObjectiveTerm],
        constraints: Sequence[Constraint] = (),
        *,
        gap_tol: float = 1e-6,
        time_limit: float = 60.0,
        max_nodes: int = 200_000,
        continuous_backend: Literal["highspy", "cvxpy"] = "highspy",
        cvxpy_solver: str = "CLARABEL",
    ) -> None:
        if not (gap_tol >= 0):
            raise HedgeInputError("gap_tol", f"must be >= 0, got {gap_tol}")
        if continuous_backend not in ("highspy", "cvxpy"):
            raise HedgeInputError("continuous_backend", "must be 'cvxpy' or 'highspy'")
        self.ctx = HedgeContext(portfolio, instruments, covariance)
        self.terms = list(terms)
        self.constraints = list(constraints)
        if not self.terms:
            raise HedgeInputError("terms", "need at least one objective term")
        self.gap_tol = float(gap_tol)
        self.time_limit = float(time_limit)
        self.max_nodes = int(max_nodes)
        self.continuous_backend = continuous_backend
        self.cvxpy_solver = cvxpy_solver

        # Parameters: one namespace across terms and constraints.
        self.param_specs: dict[str, ParamSpec] = {}
        for obj in [*self.terms, *self.constraints]:
            for name, spec in obj.param_specs().items():
                if name in self.param_specs:
                    raise HedgeInputError(name, "parameter declared by two components")
                self.param_specs[name] = spec
        self.params: dict[str, Any] = {k: _copy(v.value) for k, v in self.param_specs.items()}
        for c in self.constraints:
            c.validate(self.params)

        # Constraint rows (fixed structure), in the limit's own units.
        self.rows: list[LinearRow] = []
        self.row_owner: list[tuple[Constraint, int]] = []
        for c in self.constraints:
            rows = c.rows(self.ctx)
            self.rows.extend(rows)
            self.row_owner.extend((c, j) for j in range(len(rows)))

        self.has_integer = bool(self.ctx.integer.any())
        self._build_cvxpy()
        self._highs = _HighsModel(self.ctx, self.terms, self.rows, elastic=False)
        self._highs.fallback = self._relaxation_fallback
        self._cp_relax: tuple[cp.Problem, cp.Variable, cp.Parameter, cp.Parameter] | None = None
        self._highs_elastic: _HighsModel | None = None

    # ------------------------------------------------------------------ description
    @property
    def method(self) -> str:
        """Solution method chosen for the current parameters (detected up front)."""
        if not self.has_integer:
            if self.continuous_backend == "cvxpy":
                return f"continuous QP (cvxpy + {self.cvxpy_solver})"
            return "continuous QP (HiGHS QP on the compiled model)"
        if self._is_quadratic():
            return "MIQP: best-first branch-and-bound over HiGHS QP relaxations"
        return "MILP: HiGHS branch-and-cut (objective has no quadratic part)"

    def _numeric(self, params: dict[str, Any]) -> TermNumeric:
        num = TermNumeric.zeros(self.ctx.n)
        for t in self.terms:
            num.add(t.numeric(self.ctx, params))
        return num

    def _is_quadratic(self) -> bool:
        num = self._numeric(self.params)
        return (
            num.factor_quad > 0
            or num.instrument_factor_quad > 0
            or bool(np.any(num.quad_trade > 0))
        )

    # ------------------------------------------------------------------ cvxpy model
    def _build_cvxpy(self) -> None:
        ctx = self.ctx
        self.cp_params: dict[str, cp.Parameter] = {}
        for name, spec in self.param_specs.items():
            shape = () if spec.size is None else (spec.size,)
            val = spec.value
            if spec.size is not None:
                # Why: cvxpy parameters must be finite; unconstrained buckets are masked out.
                val = np.where(np.isfinite(val), val, 0.0)
            self.cp_params[name] = cp.Parameter(shape, name=name, nonneg=spec.nonneg, value=val)
        idx_int = np.flatnonzero(ctx.integer)
        idx_con = np.flatnonzero(~ctx.integer)
        parts = []
        cons: list[cp.Constraint] = []
        self.cp_xint = (
            cp.Variable(len(idx_int), integer=True, name="x_int") if len(idx_int) else None
        )
        self.cp_xcon = cp.Variable(len(idx_con), name="x_cont") if len(idx_con) else None
        for var, idx in ((self.cp_xint, idx_int), (self.cp_xcon, idx_con)):
            if var is None:
                continue
            # Embed the sub-vector into q (units) with the variable scale folded in.
            emb = sp.csr_matrix(
                (ctx.scale[idx], (idx, np.arange(len(idx)))), shape=(ctx.n, len(idx))
            )
            parts.append(emb @ var)
            lo, hi = ctx.x_lo[idx], ctx.x_hi[idx]
            fin_lo, fin_hi = np.isfinite(lo), np.isfinite(hi)
            if fin_lo.any():
                cons.append(var[np.flatnonzero(fin_lo)] >= lo[fin_lo])
            if fin_hi.any():
                cons.append(var[np.flatnonzero(fin_hi)] <= hi[fin_hi])
        q = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        self.cp_q = q
        objective = cp.sum([t.cvxpy_expr(ctx, q, self.cp_params) for t in self.terms])
        for c in self.constraints:
            cons.extend(c.cvxpy_constraints(ctx, q, self.cp_params))
        self.cp_problem = cp.Problem(cp.Minimize(objective), cons)
        if not self.cp_problem.is_dpp():
            raise RuntimeError("internal error: hedge problem is not DPP compliant")

    def _relaxation_fallback(
        self, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[str, np.ndarray | None, float]:
        """Node relaxation through cvxpy + CLARABEL, for nodes where HiGHS' QP fails.

        Parameters
        ----------
        lo, hi : numpy.ndarray
            Bounds of the integer variables at the node, scaled units (lots).

        Returns
        -------
        tuple
            Status, scaled variables ``x`` (the ``n`` instrument columns) and the objective
            (currency), as :meth:`_HighsModel._run`.
        """
        ctx = self.ctx
        if self._cp_relax is None:
            # Same terms, constraints and Parameters as cp_problem; the integer variables
            # relaxed, with node bounds as Parameters (built once, DPP).
            idx_int = np.flatnonzero(ctx.integer)
            x = cp.Variable(ctx.n, name="x_relaxed")
            q = sp.diags(ctx.scale) @ x
            plo = cp.Parameter(len(idx_int), name="node_lo")
            phi = cp.Parameter(len(idx_int), name="node_hi")
            cons = [x[idx_int] >= plo, x[idx_int] <= phi]
            idx_con = np.flatnonzero(~ctx.integer)
            for bound, op in ((ctx.x_lo, "lo"), (ctx.x_hi, "hi")):
                fin = idx_con[np.isfinite(bound[idx_con])]
                if len(fin):
                    cons.append(x[fin] >= bound[fin] if op == "lo" else x[fin] <= bound[fin])
            objective = cp.sum([t.cvxpy_expr(ctx, q, self.cp_params) for t in self.terms])
            for c in self.constraints:
                cons.extend(c.cvxpy_constraints(ctx, q, self.cp_params))
            self._cp_relax = (cp.Problem(cp.Minimize(objective), cons), x, plo, phi)
        prob, x, plo, phi = self._cp_relax
        # Why: Parameters must be finite; 1e12 lots is far beyond any real position.
        plo.value = np.clip(lo, -1e12, 1e12)
        phi.value = np.clip(hi, -1e12, 1e12)
        try:
            prob.solve(solver="CLARABEL", **_CLARABEL_TIGHT)
        except cp.error.SolverError:
            return "error", None, math.nan
        # Why: CLARABEL rarely meets the 1e-12 targets exactly on these nodes and reports
        # "optimal_inaccurate"; its objective is then still ~1e-9 relative, far inside the
        # 1e-6 B&B gap.
        if prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) and x.value is not None:
            return "optimal", np.asarray(x.value, dtype=float), float(prob.value)
        if prob.status == cp.INFEASIBLE:
            return "infeasible", None, math.inf
        return "error", None, math.nan

    def cvxpy_quantities(self) -> np.ndarray:
        """Quantities (units) from the cvxpy variables after a cvxpy solve."""
        return np.asarray(self.cp_q.value, dtype=float).reshape(-1)

    # ------------------------------------------------------------------ parameters
    def set_params(self, **values: Any) -> None:
        """Change what-if parameters (no rebuild).

        Parameters
        ----------
        **values
            Parameter name -> new value, in the parameter's own units (e.g.
            ``duration_target`` years, ``dv01_max`` currency/bp, ``risk_aversion``
            1/currency, ``krd_tol`` years per bucket; a scalar broadcasts).
        """
        new = dict(self.params)
        for name, v in values.items():
            if name not in self.param_specs:
                raise HedgeInputError(
                    name, f"unknown parameter; available: {sorted(self.param_specs)}"
                )
            spec = self.param_specs[name]
            if spec.size is None:
                fv = float(v)
                if not math.isfinite(fv):
                    raise HedgeInputError(name, f"must be finite, got {v!r}")
                if spec.nonneg and fv < 0:
                    raise HedgeInputError(name, f"must be >= 0, got {fv}")
                new[name] = fv
            else:
                arr = np.broadcast_to(np.asarray(v, dtype=float), (spec.size,)).copy()
                new[name] = arr
        for c in self.constraints:
            c.validate(new)
        self.params = new
        for name in values:
            val = new[name]
            if isinstance(val, np.ndarray):
                val = np.where(np.isfinite(val), val, 0.0)
            self.cp_params[name].value = val

    def _row_bounds(self, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = [], []
        for c in self.constraints:
            for a, b in c.bounds(self.ctx, params):
                lo.append(a)
                hi.append(b)
        return np.array(lo, dtype=float), np.array(hi, dtype=float)

    # ------------------------------------------------------------------ solving
    def solve(
        self, *, gap_tol: float | None = None, time_limit: float | None = None
    ) -> HedgeResult:
        """Solve at the current parameters.

        Parameters
        ----------
        gap_tol : float, optional
            Relative gap for the mixed-integer search (default: the optimiser's).
        time_limit : float, optional
            Seconds (default: the optimiser's).

        Returns
        -------
        HedgeResult
            Plan, costs (currency), risk before/after, constraint report and, when
            infeasible, the minimal-violation report with the closest hedge.
        """
        t0 = time.perf_counter()
        gap = self.gap_tol if gap_tol is None else float(gap_tol)
        tl = self.time_limit if time_limit is None else float(time_limit)
        raw = self._solve_raw(gap, tl)
        violations: list[Violation] = []
        message = raw.message
        status = raw.status
        if status in ("infeasible", "infeasible_or_unbounded"):
            violations, total = minimal_violation(self, tl)
            if not violations and status == "infeasible_or_unbounded":
                status, message = "unbounded", "objective unbounded below (check bounds/costs)"
            elif not violations:
                status, message = "error", "solver reported infeasible but no limit must move"
            else:
                status = "infeasible"
                raw, message = self._closest_hedge(violations, gap, tl, total)
        if raw.x is None:
            q = np.zeros(self.ctx.n)
            res = self._result(status, raw, q, t0, violations, message, have_plan=False)
        else:
            q = self._to_q(raw.x)
            res = self._result(status, raw, q, t0, violations, message, have_plan=True)
        return res

    def _to_q(self, x: np.ndarray) -> np.ndarray:
        # Why: HiGHS honours bounds to ~1e-9; clip so long-only legs are never -1e-10.
        x = np.clip(np.array(x, dtype=float), self.ctx.x_lo, self.ctx.x_hi)
        x[self.ctx.integer] = np.round(x[self.ctx.integer])
        return x * self.ctx.scale

    def _solve_raw(self, gap: float, tl: float) -> _Solve:
        if not self.has_integer and self.continuous_backend == "cvxpy":
            return self._solve_cvxpy()
        self._sync_highs()
        if not self.has_integer:
            return self._highs.solve_relaxation("continuous QP (HiGHS QP on the compiled model)")
        if not self._is_quadratic():
            return self._highs.solve_milp(gap, tl)
        return self._highs.branch_and_bound(gap, tl, self.max_nodes)

    def _sync_highs(self) -> None:
        lo, hi = self._row_bounds(self.params)
        self._highs.update(self._numeric(self.params), lo, hi)

    def _solve_cvxpy(self) -> _Solve:
        method = f"continuous QP (cvxpy + {self.cvxpy_solver})"
        opts: dict[str, Any] = {}
        if self.cvxpy_solver == "CLARABEL":
            # Why: defaults (1e-8) are too loose for the 1e-8 GLS baseline.
            opts = dict(_CLARABEL_TIGHT)
        elif self.cvxpy_solver == "HIGHS":
            opts = {"qp_regularization_value": 0.0}
        try:
            self.cp_problem.solve(solver=self.cvxpy_solver, **opts)
        except cp.error.SolverError as exc:  # pragma: no cover - defensive
            return _Solve("error", None, math.nan, math.nan, 0, method, str(exc))
        st = self.cp_problem.status
        if st in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            x = np.zeros(self.ctx.n)
            x[~self.ctx.integer] = self.cp_xcon.value
            obj = float(self.cp_problem.value)
            iters = self.cp_problem.solver_stats.num_iters or 0
            return _Solve("optimal", x, obj, obj, int(iters), method)
        if st == cp.INFEASIBLE:
            return _Solve("infeasible", None, math.inf, math.inf, 0, method)
        if st in (cp.UNBOUNDED, cp.UNBOUNDED_INACCURATE):
            return _Solve("unbounded", None, -math.inf, -math.inf, 0, method)
        return _Solve("infeasible_or_unbounded", None, math.nan, math.nan, 0, method, st)

    def _closest_hedge(
        self, violations: list[Violation], gap: float, tl: float, total: float
    ) -> tuple[_Solve, str]:
        """Re-solve with the limits moved by the minimal violation: the closest hedge."""
        saved = {k: _copy(v) for k, v in self.params.items()}
        try:
            moved = dict(self.params)
            for v in violations:
                # Tiny extra room so the relaxed limit is not numerically infeasible.
                eps = 1e-9 * max(1.0, abs(v.required))
                req = v.required + eps if v.required >= v.limit else v.required - eps
                if v.param == "krd_tol":
                    arr = np.array(moved["krd_tol"], dtype=float)
                    arr[v.bucket] = req
                    moved["krd_tol"] = arr
                else:
                    moved[v.param] = req
            self.set_params(**{k: moved[k] for k in {v.param for v in violations}})
            raw = self._solve_raw(gap, tl)
        finally:
            self.set_params(**saved)
        moves = "; ".join(
            f"{v.name}: {v.limit:.6g} -> {v.required:.6g} {v.units}" for v in violations
        )
        msg = f"infeasible; minimal normalised violation {total:.6g}. Move: {moves}"
        return raw, msg

    def _result(
        self,
        status: str,
        raw: _Solve,
        q: np.ndarray,
        t0: float,
        violations: list[Violation],
        message: str,
        have_plan: bool,
    ) -> HedgeResult:
        ctx = self.ctx
        costs = {t.name: t.value(ctx, q, self.params) for t in self.terms} if have_plan else {}
        objective = float(sum(costs.values())) if have_plan else raw.objective
        bound = min(raw.bound, objective) if have_plan else raw.bound
        gap = (objective - bound) / max(1.0, abs(objective)) if have_plan else math.nan
        reports: list[ConstraintReport] = []
        if have_plan:
            for c in self.constraints:
                reports.extend(c.report(ctx, q, self.params))
        return HedgeResult(
            status=status,
            method=raw.method,
            objective=objective,
            best_bound=bound,
            rel_gap=max(gap, 0.0) if have_plan else math.nan,
            iterations=raw.iterations,
            seconds=time.perf_counter() - t0,
            quantities=dict(zip(ctx.names, q.tolist(), strict=True)),
            trades=dict(zip(ctx.names, (q - ctx.q0).tolist(), strict=True)),
            costs=costs,
            pre=ctx.summary(np.zeros(ctx.n)),
            post=ctx.summary(q),
            constraints=reports,
            violations=violations,
            message=message,
            q=q,
        )

    # ------------------------------------------------------------------ sweep
    def evaluate(self, q: npt.ArrayLike) -> dict[str, Any]:
        """Risk and objective of an arbitrary hedge ``q`` (units), e.g. a closed-form baseline.

        Returns
        -------
        dict
            ``duration`` (years), ``dv01`` (currency/bp), ``krd`` (years per bucket),
            ``convexity`` (years^2), ``te_bp`` (bp/yr), ``cost`` (``objective`` and each term,
            currency), ``feasible`` (every constraint met) and ``violated`` (names).
        """
        x = np.asarray(q, dtype=np.float64)
        s = self.ctx.summary(x)
        costs = {t.name: float(t.value(self.ctx, x, self.params)) for t in self.terms}
        reports = [r for c in self.constraints for r in c.report(self.ctx, x, self.params)]
        violated = [
            r.name for r in reports if r.slack < -1e-6 * max(1.0, abs(r.limit), abs(r.value))
        ]
        return {
            "duration": s.duration,
            "dv01": s.dv01,
            "krd": (np.asarray(s.krd_dv01) / self.ctx.dv01_scale).tolist(),
            "convexity": s.convexity,
            "te_bp": s.te_bp,
            "cost": {"objective": float(sum(costs.values())), **costs},
            "feasible": not violated,
            "violated": violated,
        }

    def sweep(self, param: str, values: Iterable[Any]) -> list[SweepPoint]:
        """Re-solve over values of one parameter without rebuilding.

        Parameters
        ----------
        param : str
            Parameter name, e.g. "duration_target" (years), "duration_band" (years),
            "dv01_max" (currency/bp), "risk_aversion" (1/currency), "slippage_scale",
            "carry_scale", "krd_tol" (years, scalar broadcasts), "margin_budget" (currency).
        values : iterable
            Values to try, in that parameter's units.

        Returns
        -------
        list of SweepPoint
            One row per value; the parameter is restored afterwards.
        """
        if param not in self.param_specs:
            raise HedgeInputError(param, f"unknown parameter; available: {sorted(self.params)}")
        saved = _copy(self.params[param])
        out: list[SweepPoint] = []
        try:
            for v in values:
                self.set_params(**{param: v})
                r = self.solve()
                out.append(
                    SweepPoint(
                        param=param,
                        value=_copy(v),
                        status=r.status,
                        objective=r.objective,
                        quantities=r.quantities,
                        trades=r.trades,
                        duration=r.post.duration,
                        dv01=r.post.dv01,
                        te=r.post.te,
                        te_bp=r.post.te_bp,
                        costs=r.costs,
                        seconds=r.seconds,
                    )
                )
        finally:
            self.set_params(**{param: saved})
        return out

    # ------------------------------------------------------------------ elastic model access
    def elastic_model(self) -> _HighsModel:
        """Persistent highspy model with one elastic slack per constraint row (lazy)."""
        if self._highs_elastic is None:
            self._highs_elastic = _HighsModel(self.ctx, self.terms, self.rows, elastic=True)
        return self._highs_elastic


def _copy(v: Any) -> Any:
    return np.array(v, dtype=float) if isinstance(v, np.ndarray) else v


# --------------------------------------------------------------------------- highspy model


class _HighsModel:
    """Persistent highspy model in scaled variables ``x`` (q = scale * x).

    Columns: x (n) | buy, sell (n each, if slippage) | a >= |x| (n, if margin rows) |
    y = F'g / sy (n_f, if a tracking term) | w >= |y| (n_f, if L1 proxy) |
    z = L q / sz (m, if an instrument-factor term) | e (elastic slacks).
    """

    def __init__(
        self,
        ctx: HedgeContext,
        terms: Sequence[ObjectiveTerm],
        rows: Sequence[LinearRow],
        elastic: bool,
    ) -> None:
        n, nf = ctx.n, ctx.factor.shape[1]
        self.ctx, self.n, self.elastic, self.rows = ctx, n, elastic, list(rows)
        has_trade = any(t.name == "slippage" for t in terms) and not elastic
        has_abs = any(r.coef_abs is not None for r in rows)
        has_factor = (
            any(isinstance(t, TrackingErrorTerm | TrackingErrorL1Term) for t in terms)
            and not elastic
        )
        has_l1 = any(isinstance(t, TrackingErrorL1Term) for t in terms) and not elastic
        inst_terms = [t for t in terms if isinstance(t, InstrumentFactorRiskTerm)]
        if len(inst_terms) > 1:
            raise HedgeInputError("terms", "at most one InstrumentFactorRiskTerm")
        loadings = inst_terms[0].matrix(ctx) if inst_terms and not elastic else np.zeros((0, n))
        # Why: exposures L q normalised to |z| ~ 1 like the key-rate factors.
        self.sz = inst_terms[0].scale(ctx) if inst_terms else 1.0
        S = ctx.scale
        col = 0
        self.ix = np.arange(n)
        col = n
        self.ib = np.arange(col, col + n) if has_trade else np.zeros(0, dtype=int)
        col += len(self.ib)
        self.isl = np.arange(col, col + n) if has_trade else np.zeros(0, dtype=int)
        col += len(self.isl)
        self.ia = np.arange(col, col + n) if has_abs else np.zeros(0, dtype=int)
        col += len(self.ia)
        self.iy = np.arange(col, col + nf) if has_factor else np.zeros(0, dtype=int)
        col += len(self.iy)
        self.iw = np.arange(col, col + nf) if has_l1 else np.zeros(0, dtype=int)
        col += len(self.iw)
        self.iz = np.arange(col, col + loadings.shape[0])  # z = L S x / sz (instrument factors)
        col += len(self.iz)
        fq = ctx.factor_q * S  # per scaled unit
        # Why: exposures divided by ctx.factor_scale so |y| ~ 1 (measured: objective
        # rescaling made HiGHS' QP fail more often, so only variables and rows are scaled).
        self.sy = ctx.factor_scale

        ri: list[int] = []
        ci: list[int] = []
        vals: list[float] = []
        rlo: list[float] = []
        rhi: list[float] = []

        def add_row(cols: Sequence[int], coefs: Sequence[float], lo: float, hi: float) -> int:
            r = len(rlo)
            for c, v in zip(cols, coefs, strict=True):
                if v != 0.0:
                    ri.append(r)
                    ci.append(int(c))
                    vals.append(float(v))
            rlo.append(lo)
            rhi.append(hi)
            return r

        if has_trade:  # x - buy + sell = q0 / scale
            for i in range(n):
                x0 = ctx.q0[i] / S[i]
                add_row([i, self.ib[i], self.isl[i]], [1.0, -1.0, 1.0], x0, x0)
        if has_abs:  # a >= |x|
            for i in range(n):
                add_row([self.ia[i], i], [1.0, -1.0], 0.0, _INF)
                add_row([self.ia[i], i], [1.0, 1.0], 0.0, _INF)
        if has_factor:  # y = (F'U'S x + F'g0) / sy
            for j in range(nf):
                c0 = ctx.factor_0[j] / self.sy
                add_row([self.iy[j], *range(n)], [1.0, *(-fq[j] / self.sy)], c0, c0)
        for j in range(len(self.iz)):  # z = L S x / sz
            add_row([self.iz[j], *range(n)], [1.0, *(-loadings[j] * S / self.sz)], 0.0, 0.0)
        if has_l1:
            for j in range(nf):
                add_row([self.iw[j], self.iy[j]], [1.0, -1.0], 0.0, _INF)
                add_row([self.iw[j], self.iy[j]], [1.0, 1.0], 0.0, _INF)
        # Constraint rows; elastic model: lo <= row + e, row - e <= hi (e shared per row).
        self.row_index: list[tuple[int | None, int | None]] = []
        self.row_scale: list[float] = []
        self.ie = np.arange(col, col + len(rows)) if elastic else np.zeros(0, dtype=int)
        col += len(self.ie)
        for k, r in enumerate(rows):
            cols = list(range(n))
            coefs = list(r.coef_q * S)
            if r.coef_abs is not None:
                cols += list(self.ia)
                coefs += list(r.coef_abs * S)
            # Why: rows normalised to unit max coefficient (bounds scaled alike in _push).
            rs = 1.0 if elastic else 1.0 / max(float(np.max(np.abs(coefs))), 1e-300)
            self.row_scale.append(rs)
            coefs = [c * rs for c in coefs]
            if elastic:
                lo_row = add_row([*cols, self.ie[k]], [*coefs, 1.0], -_INF, _INF)
                hi_row = add_row([*cols, self.ie[k]], [*coefs, -1.0], -_INF, _INF)
                self.row_index.append((lo_row, hi_row))
            else:
                r_id = add_row(cols, coefs, -_INF, _INF)
                self.row_index.append((r_id, r_id))
        self.num_col, self.num_row = col, len(rlo)

        col_lo = np.full(col, -_INF)
        col_hi = np.full(col, _INF)
        col_lo[self.ix] = np.where(np.isfinite(ctx.x_lo), ctx.x_lo, -_INF)
        col_hi[self.ix] = np.where(np.isfinite(ctx.x_hi), ctx.x_hi, _INF)
        for idx in (self.ib, self.isl, self.ia, self.iw, self.ie):
            col_lo[idx] = 0.0
        self.col_lo0, self.col_hi0 = col_lo, col_hi
        a = sp.csc_matrix((vals, (ri, ci)), shape=(len(rlo), col))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = col, len(rlo)
        lp.col_cost_ = np.zeros(col)
        lp.col_lower_, lp.col_upper_ = col_lo, col_hi
        lp.row_lower_, lp.row_upper_ = np.array(rlo, dtype=float), np.array(rhi, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("output_flag", False)
        # Why: the default QP regularisation (1e-7) perturbs optima at the 1e-8 level.
        h.setOptionValue("qp_regularization_value", 0.0)
        # Why: on some B&B nodes HiGHS' QP cycles (measured: ~5 s per run on an 85-column
        # node that normally takes ~100 iterations); bounded, the run fails in ~0.1 s and
        # _run's retries / the B&B's fallback solver take over. Legitimate solves of small
        # models took up to ~3,000 iterations, hence the margin.
        h.setOptionValue("qp_iteration_limit", 50_000)
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")  # tiny models: presolve costs more than it saves
        h.passModel(lp)
        self.h = h
        self.int_cols = np.flatnonzero(ctx.integer)
        self._cost: np.ndarray | None = None
        self._hess: np.ndarray | None = None
        self._rlo: np.ndarray | None = None
        self._rhi: np.ndarray | None = None
        #: Integer part (scaled lots) of the last mixed-integer plan: the next B&B's warm start.
        self.warm_int: np.ndarray | None = None
        #: Node relaxation solver used where HiGHS' QP fails: (int lo, int hi) -> _run-like.
        self.fallback: (
            Callable[[np.ndarray, np.ndarray], tuple[str, np.ndarray | None, float]] | None
        ) = None

    # --------------------------------------------------------------- numeric updates
    def update(self, num: TermNumeric, row_lo: np.ndarray, row_hi: np.ndarray) -> None:
        """Push objective coefficients and constraint-row bounds (only when changed)."""
        ctx, S = self.ctx, self.ctx.scale
        cost = np.zeros(self.num_col)
        hess = np.zeros(self.num_col)
        cost[self.ix] = num.lin_q * S - 2.0 * num.quad_trade * ctx.q0 * S
        hess[self.ix] = 2.0 * num.quad_trade * S**2
        if len(self.ib):
            cost[self.ib] = num.abs_trade * S
            cost[self.isl] = num.abs_trade * S
        if len(self.iy):
            hess[self.iy] = 2.0 * num.factor_quad * self.sy**2
        if len(self.iw):
            cost[self.iw] = num.factor_l1 * self.sy
        if len(self.iz):
            hess[self.iz] = 2.0 * num.instrument_factor_quad * self.sz**2
        offset = float(num.quad_trade @ ctx.q0**2)
        self._push(cost, hess, offset, row_lo, row_hi)

    def update_elastic(self, weights: np.ndarray, row_lo: np.ndarray, row_hi: np.ndarray) -> None:
        """Elastic model: minimise the weighted sum of slacks."""
        cost = np.zeros(self.num_col)
        cost[self.ie] = weights
        self._push(cost, np.zeros(self.num_col), 0.0, row_lo, row_hi)

    def _push(
        self,
        cost: np.ndarray,
        hess: np.ndarray,
        offset: float,
        row_lo: np.ndarray,
        row_hi: np.ndarray,
    ) -> None:
        h = self.h
        if self._cost is None or not np.array_equal(cost, self._cost):
            h.changeColsCost(self.num_col, np.arange(self.num_col, dtype=np.int32), cost)
            self._cost = cost
        h.changeObjectiveOffset(offset)
        if self._hess is None or not np.array_equal(hess, self._hess):
            nz = np.flatnonzero(hess)
            if len(nz):
                start = np.searchsorted(nz, np.arange(self.num_col + 1)).astype(np.int32)
                h.passHessian(
                    self.num_col,
                    len(nz),
                    highspy.HessianFormat.kTriangular,
                    start,
                    nz.astype(np.int32),
                    hess[nz],
                )
            else:
                h.passHessian(highspy.HighsHessian())
            self._hess = hess
        rs = np.array(self.row_scale)
        lo = np.where(np.isfinite(row_lo), row_lo * rs, -_INF)
        hi = np.where(np.isfinite(row_hi), row_hi * rs, _INF)
        if self._rlo is None or not (
            np.array_equal(lo, self._rlo) and np.array_equal(hi, self._rhi)
        ):
            idx_lo = [int(rl) for rl, _ in self.row_index]
            idx_hi = [int(rh) for _, rh in self.row_index]
            if self.elastic:
                rows = np.array(idx_lo + idx_hi, dtype=np.int32)
                blo = np.concatenate([lo, np.full(len(hi), -_INF)])
                bhi = np.concatenate([np.full(len(lo), _INF), hi])
            else:
                rows = np.array(idx_lo, dtype=np.int32)
                blo, bhi = lo, hi
            if len(rows):
                h.changeRowsBounds(len(rows), rows, blo, bhi)
            self._rlo, self._rhi = lo, hi

    # --------------------------------------------------------------- solves
    def _run(self) -> tuple[str, np.ndarray | None, float]:
        h = self.h
        h.run()
        ms = h.getModelStatus()
        if ms not in _DECIDED:
            # Why: HiGHS' QP occasionally ends in "Solve error" from a stale warm start or
            # with zero regularisation; retry cold, then with a tiny regularisation.
            h.clearSolver()
            h.run()
            ms = h.getModelStatus()
            if ms not in _DECIDED:
                h.clearSolver()
                h.setOptionValue("qp_regularization_value", 1e-10)
                h.run()
                ms = h.getModelStatus()
                h.setOptionValue("qp_regularization_value", 0.0)
        if ms == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(h.getSolution().col_value, dtype=float)
            return "optimal", x, float(h.getInfo().objective_function_value)
        if ms == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, math.inf
        if ms == highspy.HighsModelStatus.kUnbounded:
            return "unbounded", None, -math.inf
        if ms == highspy.HighsModelStatus.kUnboundedOrInfeasible:
            return "infeasible_or_unbounded", None, math.nan
        return "error", None, math.nan

    def _set_int_bounds(self, lo: np.ndarray, hi: np.ndarray) -> None:
        idx = self.int_cols.astype(np.int32)
        self.h.changeColsBounds(len(idx), idx, lo, hi)

    def solve_relaxation(self, method: str) -> _Solve:
        """Solve the continuous model as is (LP or QP)."""
        st, x, obj = self._run()
        if st == "error":
            return _Solve(st, None, math.nan, math.nan, 0, method, h_status(self.h))
        return _Solve(st, None if x is None else x[: self.n], obj, obj, 1, method, full=x)

    def solve_milp(self, gap: float, tl: float) -> _Solve:
        """Objective without quadratic part: one HiGHS MILP solve."""
        h = self.h
        idx = self.int_cols.astype(np.int32)
        h.changeColsIntegrality(len(idx), idx, np.array([highspy.HighsVarType.kInteger] * len(idx)))
        h.setOptionValue("mip_rel_gap", gap)
        h.setOptionValue("mip_abs_gap", 1e-9)
        # HiGHS's run clock accumulates over a model's life: the limit is elapsed + budget.
        h.setOptionValue("time_limit", h.getRunTime() + tl)
        try:
            h.run()
            ms = h.getModelStatus()
            info = h.getInfo()
            method = "MILP (HiGHS)"
            if ms == highspy.HighsModelStatus.kOptimal:
                full = np.asarray(h.getSolution().col_value, dtype=float)
                obj = float(info.objective_function_value)
                return _Solve(
                    "optimal",
                    full[: self.n],
                    obj,
                    float(info.mip_dual_bound),
                    int(info.mip_node_count),
                    method,
                    full=full,
                )
            if ms == highspy.HighsModelStatus.kInfeasible:
                return _Solve("infeasible", None, math.inf, math.inf, 0, method)
            if ms in (
                highspy.HighsModelStatus.kUnbounded,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                return _Solve("infeasible_or_unbounded", None, math.nan, math.nan, 0, method)
            if ms == highspy.HighsModelStatus.kTimeLimit and info.primal_solution_status == 2:
                full = np.asarray(h.getSolution().col_value, dtype=float)
                return _Solve(
                    "time_limit",
                    full[: self.n],
                    float(info.objective_function_value),
                    float(info.mip_dual_bound),
                    int(info.mip_node_count),
                    method,
                    full=full,
                )
            return _Solve("error", None, math.nan, math.nan, 0, method, h_status(h))
        finally:
            h.changeColsIntegrality(
                len(idx), idx, np.array([highspy.HighsVarType.kContinuous] * len(idx))
            )
            h.setOptionValue("time_limit", _INF)

    def branch_and_bound(self, gap_tol: float, tl: float, max_nodes: int) -> _Solve:
        """Best-first branch-and-bound over HiGHS QP relaxations (exact MIQP).

        Nodes are integer-variable bound boxes; each is a continuous QP solved by HiGHS with
        the tightened column bounds (persistent model). Children are evaluated eagerly so
        integral children update the incumbent at once. Incumbents before branching, in
        order: the previous solve's integer plan (warm start, ``self.warm_int``), the rounded
        root relaxation and, if the gap is still open, a fractional dive from the root; each
        fixes the integers and re-optimises the continuous part. Stops when
        ``(UB - LB) / max(1, |UB|) <= gap_tol``; the warm start only tightens UB early, so the
        proof of the gap is unchanged.
        """
        method = "MIQP branch-and-bound over HiGHS QP relaxations"
        t0 = time.perf_counter()
        ic = self.int_cols
        lo0 = self.col_lo0[ic].copy()
        hi0 = self.col_hi0[ic].copy()
        nodes = 0
        # Caps any single QP too; HiGHS's clock accumulates over the model's life.
        self.h.setOptionValue("time_limit", self.h.getRunTime() + tl)
        fixed_cache: dict[bytes, tuple[str, np.ndarray | None, float]] = {}

        def solve_node(lo: np.ndarray, hi: np.ndarray) -> tuple[str, np.ndarray | None, float]:
            nonlocal nodes
            nodes += 1
            self._set_int_bounds(lo, hi)
            return self._run()

        def solve_exact(lo: np.ndarray, hi: np.ndarray) -> tuple[str, np.ndarray | None, float]:
            """Node QP for the search proper: HiGHS, else the fallback solver.

            Why: HiGHS' QP fails ("Solve error") on some feasible nodes; pruning them, as
            before, silently lost the optimality proof.
            """
            st, x, obj = solve_node(lo, hi)
            if st == "error" and self.fallback is not None:
                st, x, obj = self.fallback(lo, hi)
            return st, x, obj

        def solve_fixed(r: np.ndarray) -> tuple[str, np.ndarray | None, float]:
            """Integers fixed at ``r``: the continuous part re-optimised (memoised)."""
            key = r.tobytes()
            if key not in fixed_cache:
                fixed_cache[key] = solve_node(r, r)
            return fixed_cache[key]

        try:
            st, x, obj = solve_exact(lo0, hi0)
            if st != "optimal":
                return _Solve(st, None, obj, obj, nodes, method, h_status(self.h))
            best_x: np.ndarray | None = None
            best_exact = False  # incumbent from a fixed-integer QP (no polish needed)
            ub = math.inf

            def frac_of(x: np.ndarray) -> np.ndarray:
                v = x[ic]
                return np.abs(v - np.round(v))

            def consider(x: np.ndarray, obj: float, exact: bool) -> None:
                nonlocal best_x, ub, best_exact
                if obj < ub:
                    ub, best_x, best_exact = obj, x.copy(), exact

            def try_fixed(r: np.ndarray) -> None:
                if np.any(r < lo0) or np.any(r > hi0):
                    return
                st_r, x_r, obj_r = solve_fixed(r)
                if st_r == "optimal" and x_r is not None:
                    consider(x_r, obj_r, True)

            if np.all(frac_of(x) <= _INT_TOL):
                consider(x, obj, False)
            else:
                if self.warm_int is not None:
                    try_fixed(self.warm_int)
                if not _closed(ub, obj, gap_tol):
                    try_fixed(np.clip(np.round(x[ic]), lo0, hi0))
            heap: list[tuple[float, int, int, np.ndarray, np.ndarray, np.ndarray]] = []
            counter = 0
            if not _closed(ub, obj, gap_tol):
                heap.append((obj, 0, counter, lo0, hi0, x))
            status = "optimal"
            unresolved: list[float] = []  # bounds of fully fixed nodes whose QP failed
            next_dive = nodes + _DIVE_AFTER
            while heap:
                lb = heap[0][0]
                if _closed(ub, lb, gap_tol):
                    break
                if nodes >= max_nodes:
                    status = "node_limit"
                    break
                if time.perf_counter() - t0 > tl:
                    status = "time_limit"
                    break
                bound, depth, _, lo, hi, xn = heapq.heappop(heap)
                if nodes >= next_dive:
                    # The cheap incumbents did not close the gap within a few nodes: dive
                    # from the best open node (repeated while the search stays open).
                    self._dive(lo, hi, xn, lambda: ub, solve_node, try_fixed)
                    next_dive = nodes + _DIVE_EVERY
                    if _closed(ub, bound, gap_tol):
                        heapq.heappush(heap, (bound, depth, counter, lo, hi, xn))
                        continue
                fr = frac_of(xn)
                j = int(np.argmax(fr))  # most fractional integer variable
                v = xn[ic[j]]
                for c_lo, c_hi in (
                    (lo, np.minimum(hi, _set(hi, j, math.floor(v)))),
                    (np.maximum(lo, _set(lo, j, math.ceil(v))), hi),
                ):
                    if c_lo[j] > c_hi[j]:
                        continue
                    st_c, x_c, obj_c = solve_exact(c_lo, c_hi)
                    if st_c == "error":
                        unresolved.append(bound)  # not pruned by any proof: bound kept
                        continue
                    if st_c != "optimal" or x_c is None:
                        continue  # infeasible child: pruned
                    if _closed(ub, obj_c, gap_tol):
                        continue  # cannot improve enough: pruned by bound
                    if np.all(frac_of(x_c) <= _INT_TOL):
                        consider(x_c, obj_c, bool(np.array_equal(c_lo, c_hi)))
                    else:
                        counter += 1
                        heapq.heappush(
                            heap, (max(obj_c, bound), -(depth + 1), counter, c_lo, c_hi, x_c)
                        )
            lb = min(heap[0][0], ub) if heap else ub
            message = ""
            if unresolved:
                lb = min(lb, *unresolved)
                if status == "optimal" and not _closed(ub, lb, gap_tol):
                    status = "error"
                    message = f"HiGHS QP failed on {len(unresolved)} node(s): gap not proven"
            if best_x is None:
                if status == "optimal":
                    return _Solve(
                        "infeasible",
                        None,
                        math.inf,
                        math.inf,
                        nodes,
                        method,
                        "no integer-feasible hedge",
                    )
                return _Solve(status, None, math.nan, lb, nodes, method, message or "no incumbent")
            if not best_exact:
                # Polish: fix the integers exactly and re-optimise the continuous part.
                st_p, x_p, obj_p = solve_fixed(np.round(best_x[ic]))
                if st_p == "optimal" and x_p is not None and obj_p <= ub + 1e-9 * max(1.0, abs(ub)):
                    best_x, ub = x_p, min(ub, obj_p)
            self.warm_int = np.round(best_x[ic])
            return _Solve(status, best_x[: self.n], ub, min(lb, ub), nodes, method, message)
        finally:
            self._set_int_bounds(lo0, hi0)
            self.h.setOptionValue("time_limit", _INF)

    def _dive(
        self,
        lo: np.ndarray,
        hi: np.ndarray,
        x: np.ndarray,
        upper: Callable[[], float],
        solve_node: Callable[[np.ndarray, np.ndarray], tuple[str, np.ndarray | None, float]],
        try_fixed: Callable[[np.ndarray], None],
    ) -> None:
        """Fractional diving heuristic: fix the least fractional integer, re-solve, repeat.

        Why: best-first search finds incumbents late; on the benchmark book the rounded root
        missed the 1e-6 gap and the search then needed up to 159 QPs to find an incumbent
        that the root bound already proved optimal. At most one QP per integer variable.
        """
        ic = self.int_cols
        lo, hi = lo.copy(), hi.copy()
        for _ in range(len(ic)):
            v = x[ic]
            fr = np.abs(v - np.round(v))
            open_ = np.flatnonzero((fr > _INT_TOL) & (lo < hi))
            if len(open_) == 0:
                break
            j = int(open_[np.argmin(fr[open_])])
            first = float(np.clip(np.round(v[j]), lo[j], hi[j]))
            other = float(math.floor(v[j]) if first > v[j] else math.ceil(v[j]))
            for r in (first, other):
                if not lo[j] <= r <= hi[j]:
                    continue
                lo_c, hi_c = _set(lo, j, r), _set(hi, j, r)
                st, x_c, obj_c = solve_node(lo_c, hi_c)
                if st == "optimal" and x_c is not None:
                    break
            else:
                return  # both roundings infeasible: give up
            if obj_c >= upper():
                return  # this branch cannot beat the incumbent
            lo, hi, x = lo_c, hi_c, x_c
        try_fixed(np.clip(np.round(x[ic]), lo, hi))


def _closed(ub: float, lb: float, gap_tol: float) -> bool:
    """True when a node / search with bound ``lb`` cannot improve ``ub`` by the gap."""
    return math.isfinite(ub) and ub - lb <= gap_tol * max(1.0, abs(ub))


def _set(a: np.ndarray, j: int, v: float) -> np.ndarray:
    out = a.copy()
    out[j] = v
    return out


def h_status(h: highspy.Highs) -> str:
    """Human-readable HiGHS model status."""
    return str(h.modelStatusToString(h.getModelStatus()))

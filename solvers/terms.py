"""Composable objective terms and constraints of the hedge problem (cvxportfolio style).

Each object is a small dataclass that knows three things:

* its what-if parameters (``param_specs``), which become cvxpy ``Parameter`` objects, so
  re-solves never rebuild;
* its cvxpy form (``cvxpy_expr`` / ``cvxpy_constraints``), DPP compliant. This is the ONLY
  statement of the formulation: the HiGHS model the branch-and-bound runs on is generated
  from the compiled cvxpy problem (:mod:`hedge_planner.solvers.standard_form`);
* an independent evaluation for reports and the feasibility proof (``value`` / ``report``).

All objective terms are in currency, so weights are comparable. Constraints are written
``f(q) <= limit`` in the limit's OWN units (years, currency per bp, years^2, currency) with
the limit (a Parameter) entering with coefficient one, so that an elastic slack on an
element is directly "how far the limit must move" (:class:`Limit`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.problem import HedgeInputError

__all__ = [
    "CarryTerm",
    "Constraint",
    "ConstraintReport",
    "ConvexityFloor",
    "DV01Limit",
    "DurationBand",
    "ImpactTerm",
    "InstrumentFactorRiskTerm",
    "KRDTolerance",
    "Limit",
    "MarginBudget",
    "ObjectiveTerm",
    "ParamSpec",
    "SlippageTerm",
    "TrackingErrorL1Term",
    "TrackingErrorTerm",
]

Params = dict[str, Any]


@dataclass(frozen=True)
class ParamSpec:
    """A what-if parameter: current value, shape ('' = scalar) and sign requirement."""

    value: float | np.ndarray
    nonneg: bool = False
    size: int | None = None  # None = scalar


def _scalar_param(name: str, value: float, nonneg: bool) -> ParamSpec:
    v = float(value)
    if not math.isfinite(v):
        raise HedgeInputError(name, f"must be finite, got {value!r}")
    if nonneg and v < 0:
        raise HedgeInputError(name, f"must be >= 0, got {v}")
    return ParamSpec(v, nonneg)


# --------------------------------------------------------------------------- objective terms


class ObjectiveTerm(ABC):
    """Base class of objective terms (currency)."""

    name: str = "term"

    def param_specs(self) -> dict[str, ParamSpec]:
        """What-if parameters of the term."""
        return {}

    @abstractmethod
    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        """Canonical cvxpy expression of the term, currency."""

    @abstractmethod
    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        """Independent evaluation of the term at quantities ``q``, currency."""


@dataclass
class TrackingErrorTerm(ObjectiveTerm):
    """``risk_aversion * ||F' (a + B q)||^2``: tracking-error variance priced in currency.

    ``a`` and ``B`` are the book's active factor exposures and the instruments' per-unit
    loadings of the context's factor model (:class:`~hedge_planner.solvers.problem.FactorRisk`;
    by default the key rates, ``a`` = KRD DV01 gap, ``B`` = KRD DV01s) and ``S = F F'`` its
    covariance, so the term is ``risk_aversion * TE^2`` with TE the tracking error the plan
    reports.

    Parameters
    ----------
    risk_aversion : float
        1 / currency; multiplies the variance in currency^2 per year.
    """

    risk_aversion: float = 1e-6
    name: str = field(default="tracking_error", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"risk_aversion": _scalar_param("risk_aversion", self.risk_aversion, True)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        # Factored form: e' S e = ||F' e||^2 with F' e affine in q. Each row is normalised
        # by its own size s_i (HedgeContext._factor_row_scale) and the weights s_i^2 go on
        # the diagonal: ||F'e||^2 = sum_i s_i^2 (F'e / s)_i^2 (cvxpy keeps the exposures as
        # auxiliary columns with O(1) coefficients and a diagonal Hessian on them).
        s = ctx.factor_row_scale
        expo = (ctx.factor_q / s[:, None]) @ q + ctx.factor_0 / s
        return p["risk_aversion"] * cp.quad_form(expo, np.diag(s**2))

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        e = ctx.exposure(q)
        return float(params["risk_aversion"]) * float(e @ ctx.fcov @ e)


@dataclass
class TrackingErrorL1Term(ObjectiveTerm):
    """Linear PROXY for tracking error: ``weight * ||F' g||_1`` (explicit opt-in only).

    Parameters
    ----------
    l1_weight : float
        Currency per unit of factor exposure (currency * sqrt(bp^2/yr) per bp).
    """

    l1_weight: float = 1.0
    name: str = field(default="tracking_error_l1", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"l1_weight": _scalar_param("l1_weight", self.l1_weight, True)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        sy = ctx.factor_scale
        expo = (ctx.factor_q / sy) @ q + ctx.factor_0 / sy
        return (p["l1_weight"] * sy) * cp.norm1(expo)

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        y = ctx.factor.T @ ctx.exposure(q)
        return float(params["l1_weight"]) * float(np.sum(np.abs(y)))


@dataclass
class InstrumentFactorRiskTerm(ObjectiveTerm):
    """``risk_aversion * ||L q||^2``: variance of instrument-level factors priced in currency.

    For risks the key-rate covariance cannot see, e.g. the Treasury-SOFR swap spread: swaps
    and swaptions are discounted on SOFR, futures on Treasuries, so one set of key rates
    makes a swap and a Treasury future look like the same risk. Entered in factored form
    (auxiliary exposures ``z = L q``), convex quadratic.

    Parameters
    ----------
    loadings : array_like, shape (m, n_instruments)
        Currency P&L per unit of each instrument for a one-standard-deviation (one year) move
        of each of ``m`` independent factors: currency per unit per factor-sd.
    risk_aversion : float
        1 / currency; multiplies the factor variance in currency^2 per year (use the same
        value as :class:`TrackingErrorTerm` to price both variances identically).
    param : str
        Name of the what-if parameter holding ``risk_aversion`` (must differ from the
        tracking-error term's "risk_aversion").
    """

    loadings: np.ndarray
    risk_aversion: float = 1e-6
    param: str = "factor_risk_aversion"
    name: str = field(default="instrument_factor_risk", init=False)

    def __post_init__(self) -> None:
        arr = np.asarray(self.loadings, dtype=float)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or not np.all(np.isfinite(arr)):
            raise HedgeInputError("loadings", "must be a finite (m, n_instruments) matrix")
        self.loadings = arr

    def matrix(self, ctx: HedgeContext) -> np.ndarray:
        """Loadings checked against the instrument count, shape (m, n)."""
        if self.loadings.shape[1] != ctx.n:
            raise HedgeInputError(
                "loadings",
                f"must have {ctx.n} columns (one per instrument), got {self.loadings.shape[1]}",
            )
        return self.loadings

    def scale(self, ctx: HedgeContext) -> float:
        """Normaliser of the exposures ``L q`` (currency) so that solvers see |.| ~ 1."""
        ls = np.abs(self.matrix(ctx) * ctx.scale).sum(axis=1)
        return max(1.0, float(np.max(ls, initial=0.0)))

    def param_specs(self) -> dict[str, ParamSpec]:
        return {self.param: _scalar_param(self.param, self.risk_aversion, True)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        sz = self.scale(ctx)
        return (p[self.param] * sz**2) * cp.sum_squares((self.matrix(ctx) / sz) @ q)

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        z = self.matrix(ctx) @ q
        return float(params[self.param]) * float(z @ z)


@dataclass
class CarryTerm(ObjectiveTerm):
    """Carry cost ``-carry_scale * carry . q`` (negative cost = income), currency."""

    carry_scale: float = 1.0
    name: str = field(default="carry", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"carry_scale": _scalar_param("carry_scale", self.carry_scale, False)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        return -p["carry_scale"] * (ctx.carry @ q)

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        return -float(params["carry_scale"]) * float(ctx.carry @ q)


@dataclass
class SlippageTerm(ObjectiveTerm):
    """Half bid-ask cost ``slippage_scale * sum_i half_spread_i |q_i - q0_i|``, currency."""

    slippage_scale: float = 1.0
    name: str = field(default="slippage", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"slippage_scale": _scalar_param("slippage_scale", self.slippage_scale, True)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        return p["slippage_scale"] * (ctx.half_spread @ cp.abs(q - ctx.q0))

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        return float(params["slippage_scale"]) * float(ctx.half_spread @ np.abs(q - ctx.q0))


@dataclass
class ImpactTerm(ObjectiveTerm):
    """Convex market impact ``impact_scale * sum_i impact_i (q_i - q0_i)^2``, currency."""

    impact_scale: float = 1.0
    name: str = field(default="impact", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"impact_scale": _scalar_param("impact_scale", self.impact_scale, True)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        return p["impact_scale"] * cp.sum_squares(cp.multiply(np.sqrt(ctx.impact), q - ctx.q0))

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        return float(params["impact_scale"]) * float(ctx.impact @ (q - ctx.q0) ** 2)


# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Limit:
    """One scalar hard limit of a constraint, in the limit's own ``units``.

    A constraint's cvxpy constraints, flattened in order, hold one element per limit, each
    written ``f(q) <= limit`` (or ``>=``) with the limit entering with coefficient one, so
    an elastic slack on that element is exactly how far the limit must move. ``weight``
    converts one unit of that slack into the common normalised unit (years of duration)
    used by the minimal-violation solve.
    """

    name: str
    family: str
    weight: float
    units: str


@dataclass(frozen=True)
class ConstraintReport:
    """Report line of one named constraint (all in ``units``).

    ``slack`` >= 0 means satisfied; ``binding`` means the slack is numerically zero.
    """

    name: str
    limit: float
    value: float
    slack: float
    binding: bool
    units: str


def _binding(slack: float, limit: float, value: float) -> bool:
    return abs(slack) <= 1e-6 * max(1.0, abs(limit), abs(value))


class Constraint(ABC):
    """Base class of named linear constraints."""

    name: str = "constraint"
    #: True: all elements of the constraint share ONE elastic slack and :meth:`limits`
    #: returns one limit (e.g. the cut rows of an outer approximation).
    shared_slack: bool = False

    def param_specs(self) -> dict[str, ParamSpec]:
        """What-if parameters of the constraint."""
        return {}

    def validate(self, params: Params) -> None:  # noqa: B027 - optional hook, default: no checks
        """Raise :class:`HedgeInputError` on structurally invalid parameter values."""

    def sync(self, ctx: HedgeContext, params: Params) -> None:  # noqa: B027 - optional hook
        """Update Parameters derived from the what-if values (after each change)."""

    def elastic_scale(self, ctx: HedgeContext) -> float:
        """Limit units per unit of the elastic slack (1: the rows are in the limit's units)."""
        return 1.0

    @abstractmethod
    def limits(self, ctx: HedgeContext) -> list[Limit]:
        """The scalar limits, one per element of :meth:`cvxpy_constraints` (in order)."""

    @abstractmethod
    @abstractmethod
    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        """Canonical cvxpy constraints (DPP compliant)."""

    @abstractmethod
    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        """Independent evaluation of each named limit at quantities ``q``."""

    @abstractmethod
    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        """Parameter to move, bucket index (vector parameters), current and required value.

        ``slack`` is the elastic slack on row ``row`` in the limit's own units.
        """


@dataclass
class DurationBand(Constraint):
    """``|D_post - duration_target| <= duration_band`` (years; D uses the pre-hedge MV)."""

    duration_target: float
    duration_band: float
    name: str = field(default="duration_band", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {
            "duration_target": _scalar_param("duration_target", self.duration_target, False),
            "duration_band": _scalar_param("duration_band", self.duration_band, True),
        }

    def validate(self, params: Params) -> None:
        if params["duration_band"] < 0:
            raise HedgeInputError("duration_band", f"must be >= 0, got {params['duration_band']}")

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        return [Limit("duration_band", "duration_band", 1.0, "years")]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        dur = ctx.pre_duration + (ctx.dv01_unit / ctx.dv01_scale) @ q
        return [cp.abs(dur - p["duration_target"]) <= p["duration_band"]]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        dev = abs(ctx.post_duration(q) - float(params["duration_target"]))
        band = float(params["duration_band"])
        return [
            ConstraintReport(
                self.name, band, dev, band - dev, _binding(band - dev, band, dev), "years"
            )
        ]

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        band = float(params["duration_band"])
        return "duration_band", None, band, band + slack


@dataclass
class DV01Limit(Constraint):
    """``dv01_min <= DV01_post <= dv01_max`` (currency per bp); either side optional."""

    dv01_min: float | None = None
    dv01_max: float | None = None
    name: str = field(default="dv01_limit", init=False)

    def __post_init__(self) -> None:
        if self.dv01_min is None and self.dv01_max is None:
            raise HedgeInputError("dv01_limit", "give dv01_min and/or dv01_max")

    def _sides(self) -> list[str]:
        return [s for s in ("dv01_min", "dv01_max") if getattr(self, s) is not None]

    def param_specs(self) -> dict[str, ParamSpec]:
        return {s: _scalar_param(s, getattr(self, s), False) for s in self._sides()}

    def validate(self, params: Params) -> None:
        if "dv01_min" in params and "dv01_max" in params:
            lo, hi = params["dv01_min"], params["dv01_max"]
            if lo > hi:
                raise HedgeInputError("dv01_min/dv01_max", f"inverted limits {lo} > {hi}")

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        w = 1.0 / ctx.dv01_scale  # slack in currency/bp -> years of duration
        return [Limit(s, "dv01", w, "currency/bp") for s in self._sides()]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        dv01 = ctx.pre_dv01 + ctx.dv01_unit @ q
        return [dv01 >= p[s] if s == "dv01_min" else dv01 <= p[s] for s in self._sides()]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        v = ctx.post_dv01(q)
        out = []
        for s in self._sides():
            lim = float(params[s])
            slack = v - lim if s == "dv01_min" else lim - v
            out.append(ConstraintReport(s, lim, v, slack, _binding(slack, lim, v), "currency/bp"))
        return out

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        s = self._sides()[row]
        lim = float(params[s])
        return s, None, lim, (lim - slack if s == "dv01_min" else lim + slack)


@dataclass
class KRDTolerance(Constraint):
    """``|post_krd_dv01_k - bench_krd_dv01_k| <= tol_k * MV * 1e-4`` for each bucket.

    The gap is the rate block of the context's factor model (``ctx.krd_gap``), so it is in
    the same KRD convention as the tracking error (zero or par).

    Parameters
    ----------
    krd_tol : array_like, shape (n_b,)
        Tolerance per bucket in YEARS of KRD, >= 0; ``inf`` (or NaN-free ``None`` entries
        given as ``math.inf``) leaves that bucket unconstrained.
    """

    krd_tol: np.ndarray
    name: str = field(default="krd_tol", init=False)

    def __post_init__(self) -> None:
        tol = np.asarray(self.krd_tol, dtype=float)
        if tol.ndim != 1 or np.any(np.isnan(tol)):
            raise HedgeInputError("krd_tol", "must be a 1-D vector without NaN")
        if np.any(tol < 0):
            raise HedgeInputError("krd_tol", f"tolerances must be >= 0, got {tol.tolist()}")
        self.krd_tol = tol
        self.mask = np.isfinite(tol)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"krd_tol": ParamSpec(self.krd_tol.copy(), True, self.krd_tol.size)}

    def validate(self, params: Params) -> None:
        tol = np.asarray(params["krd_tol"], dtype=float)
        if tol.shape != self.krd_tol.shape:
            raise HedgeInputError("krd_tol", f"must have shape {self.krd_tol.shape}")
        if np.any(np.isnan(tol)) or np.any(tol < 0):
            raise HedgeInputError("krd_tol", "tolerances must be >= 0 and not NaN")
        if np.any(~np.isfinite(tol[self.mask])):
            raise HedgeInputError("krd_tol", "buckets compiled as limited must stay finite")

    def _labels(self, ctx: HedgeContext) -> list[str]:
        return [f"krd_tol[{lab}]" for lab, m in zip(ctx.labels, self.mask, strict=True) if m]

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        if self.krd_tol.size != ctx.n_b:
            raise HedgeInputError("krd_tol", f"must have length {ctx.n_b}")
        return [Limit(lab, "krd_tol", 1.0, "years") for lab in self._labels(ctx)]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        idx = np.flatnonzero(self.mask)
        gap = ctx.krd_gap0[idx] / ctx.dv01_scale + (ctx.krd_unit[:, idx].T / ctx.dv01_scale) @ q
        return [cp.abs(gap) <= p["krd_tol"][idx]]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        tol = np.asarray(params["krd_tol"], dtype=float)
        gap = np.abs(ctx.krd_gap(q)) / ctx.dv01_scale
        out = []
        for lab, k in zip(self._labels(ctx), np.flatnonzero(self.mask), strict=True):
            t_k, g_k = float(tol[k]), float(gap[k])
            s = t_k - g_k
            out.append(ConstraintReport(lab, t_k, g_k, s, _binding(s, t_k, g_k), "years"))
        return out

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        k = int(np.flatnonzero(self.mask)[row])
        tol = float(np.asarray(params["krd_tol"], dtype=float)[k])
        return "krd_tol", k, tol, tol + slack


@dataclass
class ConvexityFloor(Constraint):
    """Post-hedge convexity (years^2 = dollar convexity / MV) >= ``convexity_floor``."""

    convexity_floor: float
    name: str = field(default="convexity_floor", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"convexity_floor": _scalar_param("convexity_floor", self.convexity_floor, False)}

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        return [Limit(self.name, "convexity_floor", 1.0, "years^2")]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        return [ctx.pre_convexity + (ctx.conv_unit / ctx.mv) @ q >= p["convexity_floor"]]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        v, lim = ctx.post_convexity(q), float(params["convexity_floor"])
        return [ConstraintReport(self.name, lim, v, v - lim, _binding(v - lim, lim, v), "years^2")]

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        lim = float(params["convexity_floor"])
        return "convexity_floor", None, lim, lim - slack


@dataclass
class MarginBudget(Constraint):
    """``sum_i margin_i |q_i| <= margin_budget`` (currency)."""

    margin_budget: float
    name: str = field(default="margin_budget", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"margin_budget": _scalar_param("margin_budget", self.margin_budget, True)}

    def validate(self, params: Params) -> None:
        if params["margin_budget"] < 0:
            raise HedgeInputError("margin_budget", f"must be >= 0, got {params['margin_budget']}")

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        # Why: slack normalised as a fraction of the budget (floored at 1 bp of MV) so one
        # "unit" of margin violation is comparable to one year of duration violation.
        w = 1.0 / max(self.margin_budget, ctx.dv01_scale)
        return [Limit(self.name, "margin_budget", w, "currency")]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        return [ctx.margin @ cp.abs(q) <= p["margin_budget"]]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        v, lim = float(ctx.margin @ np.abs(q)), float(params["margin_budget"])
        return [ConstraintReport(self.name, lim, v, lim - v, _binding(lim - v, lim, v), "currency")]

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        lim = float(params["margin_budget"])
        return "margin_budget", None, lim, lim + slack

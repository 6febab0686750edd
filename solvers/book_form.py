"""A hedge problem compiled once per structure, the BOOK re-filled per call (the desk's path).

The ordinary optimiser (:class:`~hedge_planner.solvers.optimizer.HedgeOptimizer`) compiles
the cvxpy problem with the book's numbers as constants: the pre-hedge duration, DV01,
convexity and KRD gap, the factor exposures, and the normalisers that divide by the book's
market value (``dv01_scale``, ``mv``) or its exposures (``factor_scale``). A desk system sizes
many hedges against the same universe and limits with a different book each time, and the
cvxpy compile (``get_problem_data``) plus the HiGHS model load were ~45% of such a call.

:class:`CompiledHedge` compiles the SAME mathematical problem once with every book-dependent
number a cvxpy Parameter (DPP), and re-fills it per book (one sparse product,
:mod:`~hedge_planner.solvers.standard_form`; the HiGHS model receives only the changed
values). The rows stay those of the ordinary formulation with the book's numbers moved into
Parameters:

* duration band: ``pre_duration + (1 / dv01_scale) * (dv01_unit @ q)`` (years);
* DV01 limit: ``pre_dv01 + dv01_unit @ q`` (currency per bp);
* KRD tolerance: ``krd_gap0 / dv01_scale + (1 / dv01_scale) * (krd_unit' @ q)`` (years);
* convexity floor: ``pre_convexity + (1 / mv) * (conv_unit @ q)`` (years^2);
* tracking-error term: ``ra * sum_i s_i^2 ((F'B q)_i / s_i + (F'a)_i / s_i)^2`` (currency), the
  ordinary term with the book's exposures ``F'a`` a Parameter and the rows' normalisers
  ``s_i`` those of the compiled book.

Everything else (instruments, factor loadings and covariance, the other terms and limits) is
compiled as constants, so :meth:`CompiledHedge.optimizer_for` refuses
(:class:`StructureChanged`) a book whose problem differs from the compiled one anywhere but in
those numbers; components without a parametric variant (the tracking-error limit's cuts, the
L1 proxy, the turnover penalty...) make the problem :class:`Unsupported`. Reports, costs and
the feasibility check are the ordinary components' own evaluations (the variants inherit
them), on the context of the book being hedged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import pickle
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.desk_limits import GrossNotionalLimit, VegaLimit
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import FactorRisk, Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    Constraint,
    ConvexityFloor,
    DurationBand,
    DV01Limit,
    ImpactTerm,
    KRDTolerance,
    MarginBudget,
    ObjectiveTerm,
    ParamSpec,
    SlippageTerm,
    TrackingErrorTerm,
)

__all__ = ["CompiledHedge", "StructureChanged", "Unsupported", "structure_key"]

logger = logging.getLogger(__name__)

Params = dict[str, Any]


class Unsupported(Exception):
    """The problem has a component without a book-parametric variant."""


class StructureChanged(Exception):
    """The book's problem differs from the compiled one beyond the book's own numbers."""


# ------------------------------------------------------------------ book-parametric variants


@dataclass
class BookDurationBand(DurationBand):
    """:class:`DurationBand` with the book's duration and DV01 normaliser as Parameters."""

    def param_specs(self) -> dict[str, ParamSpec]:
        return super().param_specs() | {
            "book_duration_pre": ParamSpec(0.0),
            "book_duration_inv_scale": ParamSpec(1.0, nonneg=True),
        }

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        dur = p["book_duration_pre"] + p["book_duration_inv_scale"] * (ctx.dv01_unit @ q)
        return [cp.abs(dur - p["duration_target"]) <= p["duration_band"]]

    @staticmethod
    def book_values(ctx: HedgeContext) -> Params:
        return {
            "book_duration_pre": ctx.pre_duration,
            "book_duration_inv_scale": 1.0 / ctx.dv01_scale,
        }


@dataclass
class BookDV01Limit(DV01Limit):
    """:class:`DV01Limit` with the book's DV01 as a Parameter."""

    def param_specs(self) -> dict[str, ParamSpec]:
        return super().param_specs() | {"book_dv01_pre": ParamSpec(0.0)}

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        dv01 = p["book_dv01_pre"] + ctx.dv01_unit @ q
        return [dv01 >= p[s] if s == "dv01_min" else dv01 <= p[s] for s in self._sides()]

    @staticmethod
    def book_values(ctx: HedgeContext) -> Params:
        return {"book_dv01_pre": ctx.pre_dv01}


@dataclass
class BookKRDTolerance(KRDTolerance):
    """:class:`KRDTolerance` with the book's KRD gap and DV01 normaliser as Parameters."""

    def param_specs(self) -> dict[str, ParamSpec]:
        n_b = self.krd_tol.size
        return super().param_specs() | {
            "book_krd_gap": ParamSpec(np.zeros(n_b), size=n_b),
            "book_krd_inv_scale": ParamSpec(1.0, nonneg=True),
        }

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        idx = np.flatnonzero(self.mask)
        gap = p["book_krd_gap"][idx] + p["book_krd_inv_scale"] * (ctx.krd_unit[:, idx].T @ q)
        return [cp.abs(gap) <= p["krd_tol"][idx]]

    @staticmethod
    def book_values(ctx: HedgeContext) -> Params:
        return {
            "book_krd_gap": ctx.krd_gap0 / ctx.dv01_scale,
            "book_krd_inv_scale": 1.0 / ctx.dv01_scale,
        }


@dataclass
class BookConvexityFloor(ConvexityFloor):
    """:class:`ConvexityFloor` with the book's convexity and 1 / MV as Parameters."""

    def param_specs(self) -> dict[str, ParamSpec]:
        return super().param_specs() | {
            "book_convexity_pre": ParamSpec(0.0),
            "book_convexity_inv_mv": ParamSpec(1.0, nonneg=True),
        }

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        conv = p["book_convexity_pre"] + p["book_convexity_inv_mv"] * (ctx.conv_unit @ q)
        return [conv >= p["convexity_floor"]]

    @staticmethod
    def book_values(ctx: HedgeContext) -> Params:
        return {"book_convexity_pre": ctx.pre_convexity, "book_convexity_inv_mv": 1.0 / ctx.mv}


@dataclass
class BookTrackingErrorTerm(TrackingErrorTerm):
    """:class:`TrackingErrorTerm` with the book's exposures ``F'a`` a Parameter.

    The ordinary term's own form: ``ra * sum_i s_i^2 ((F'B q)_i / s_i + (F'a)_i / s_i)^2``
    with each exposure row divided by its normaliser ``s_i``
    (:meth:`HedgeContext._factor_row_scale`, powers of two), fixed at compile time from the
    compiled book (it only conditions the rows); the offset ``F'a / s`` is re-filled from
    each book. Why the same form: with one scale for every row and ``sum_squares`` (the
    variant before), the compiled model's numbers, hence HiGHS' column and objective scales,
    differed from the ordinary model's (objective scale 256 against 8,192 on the desk
    test's ladder book): the root relaxations agreed to 6e-7, yet the two leg searches
    diverged, the compiled one unproven at the case's 30 s limit where the ordinary one
    proves the gap in 3,943 node QPs.
    """

    row_scale: tuple[float, ...] = ()

    def param_specs(self) -> dict[str, ParamSpec]:
        r = len(self.row_scale)
        return super().param_specs() | {
            "book_te_weight": ParamSpec(1.0, nonneg=True),
            "book_te_offset": ParamSpec(np.zeros(r), size=r),
        }

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        # ra * sum_i s_i^2 e_i^2 as ra0 * sum_i s_i^2 (w e_i)^2 with w = sqrt(ra / ra0), ra0
        # the compiled risk aversion: a Parameter may not multiply an expression holding the
        # offset Parameter (DPP), and at ra = ra0 (w = 1) the numbers are the ordinary's.
        s = np.asarray(self.row_scale, dtype=float)
        expo = p["book_te_weight"] * ((ctx.factor_q / s[:, None]) @ q) + p["book_te_offset"]
        return self._ra0 * cp.sum(cp.multiply(s**2, cp.square(expo)))

    @property
    def _ra0(self) -> float:
        """The compiled risk aversion ``ra0`` (1 where it was 0: ``w`` then carries it)."""
        return self.risk_aversion if self.risk_aversion > 0 else 1.0

    def book_values_at(self, ctx: HedgeContext, risk_aversion: float) -> Params:
        """``w = sqrt(risk_aversion / ra0)`` and the book's exposure offset ``w F'a / s``."""
        s = np.asarray(self.row_scale, dtype=float)
        w = math.sqrt(max(risk_aversion, 0.0) / self._ra0)
        return {
            "book_te_weight": w,
            "book_te_offset": w * np.asarray(ctx.factor_0, dtype=float) / s,
        }


#: Components compiled unchanged: nothing of the book enters their cvxpy form.
_BOOK_FREE = (CarryTerm, SlippageTerm, ImpactTerm, MarginBudget, VegaLimit, GrossNotionalLimit)
_VARIANTS: dict[type, type] = {
    DurationBand: BookDurationBand,
    DV01Limit: BookDV01Limit,
    KRDTolerance: BookKRDTolerance,
    ConvexityFloor: BookConvexityFloor,
}


def _variant(obj: Any, ctx: HedgeContext) -> Any:
    """The book-parametric twin of a term or constraint (the object itself when book-free)."""
    kind = type(obj)
    if kind in _BOOK_FREE:
        return obj
    if kind is TrackingErrorTerm:
        n_f = int(ctx.factor_q.shape[0])
        if n_f == 0:
            raise Unsupported("tracking-error term without factors")
        return BookTrackingErrorTerm(
            risk_aversion=obj.risk_aversion,
            row_scale=tuple(float(v) for v in ctx.factor_row_scale),
        )
    if kind in _VARIANTS:
        init = {f.name: getattr(obj, f.name) for f in fields(obj) if f.init}
        return _VARIANTS[kind](**init)
    raise Unsupported(f"no book-parametric form of {kind.__name__}")


# ------------------------------------------------------------------ structure key


def _component_key(obj: Any) -> tuple[Any, ...]:
    """Type and every field of a term or constraint; the book's risk aversion left out."""
    items: list[tuple[str, Any]] = []
    if is_dataclass(obj):
        for f in fields(obj):
            if isinstance(obj, TrackingErrorTerm) and f.name == "risk_aversion":
                continue  # risk_aversion / (2 MV): a book number, re-filled
            items.append((f.name, getattr(obj, f.name)))
    else:  # pragma: no cover - every component of the package is a dataclass
        items.append(("repr", repr(obj)))
    return (type(obj).__module__, type(obj).__qualname__, tuple(items))


#: Pickled immutable instrument tuples by the instruments' identity (the entry keeps them).
_PICKLED: OrderedDict[tuple[int, ...], tuple[tuple[Instrument, ...], bytes]] = OrderedDict()
_PICKLED_LOCK = threading.Lock()


def _instrument_bytes(instruments: tuple[Instrument, ...]) -> bytes:
    """``pickle.dumps(instruments)``, remembered for instruments that cannot change (frozen,
    KRD arrays read-only: the planner's shared instruments). Why: ~60% of
    :func:`structure_key`'s time on the desk's books, whose instruments are the same objects
    every call."""
    if any(i.krd_dv01.flags.writeable for i in instruments):
        return pickle.dumps(instruments, protocol=5)
    key = tuple(id(i) for i in instruments)
    with _PICKLED_LOCK:
        entry = _PICKLED.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], instruments, strict=True)):
            _PICKLED.move_to_end(key)
            return entry[1]
    data = pickle.dumps(instruments, protocol=5)
    with _PICKLED_LOCK:
        _PICKLED[key] = (instruments, data)
        while len(_PICKLED) > 8:
            _PICKLED.popitem(last=False)
    return data


def structure_key(
    instruments: Sequence[Instrument],
    covariance: Any,
    terms: Sequence[ObjectiveTerm],
    constraints: Sequence[Constraint],
    factor_risk: FactorRisk | None = None,
    **options: Any,
) -> str:
    """Digest of everything a compiled :class:`CompiledHedge` holds as constants.

    Two problems with the same key differ only in the book (portfolio risk, factor
    exposures, the tracking-error term's risk aversion), which is re-filled per call.
    """
    factors = (
        None
        if factor_risk is None
        else (
            factor_risk.names,
            np.asarray(factor_risk.covariance, dtype=float),
            np.asarray(factor_risk.loadings, dtype=float),
            tuple(factor_risk.krd_rows),
        )
    )
    payload = (
        _instrument_bytes(tuple(instruments)),
        np.asarray(covariance, dtype=float),
        tuple(_component_key(t) for t in terms),
        tuple(_component_key(c) for c in constraints),
        factors,
        tuple(sorted(options.items())),
    )
    return hashlib.sha256(pickle.dumps(payload, protocol=5)).hexdigest()


# ------------------------------------------------------------------ the compiled problem


class CompiledHedge:
    """A hedge optimiser compiled once, re-filled for each book of the same structure.

    Parameters are those of :class:`~hedge_planner.solvers.optimizer.HedgeOptimizer` (the
    first book's); ``options`` are its keyword options (``gap_tol``, ``time_limit``,
    ``factor_risk``, ``max_legs``...).

    Raises
    ------
    Unsupported
        A term or constraint has no book-parametric variant.

    Notes
    -----
    Not thread-safe: one book at a time (the caller holds a lock from
    :meth:`optimizer_for` until it has read everything of the solve).
    """

    def __init__(
        self,
        portfolio: PortfolioRisk,
        instruments: Sequence[Instrument],
        covariance: Any,
        terms: Sequence[ObjectiveTerm],
        constraints: Sequence[Constraint] = (),
        **options: Any,
    ) -> None:
        factor_risk = options.get("factor_risk")
        ctx = HedgeContext(portfolio, instruments, covariance, factor_risk)
        self.key = structure_key(instruments, covariance, terms, constraints, **options)
        b_terms = [_variant(t, ctx) for t in terms]
        b_cons = [_variant(c, ctx) for c in constraints]
        self.optimizer = HedgeOptimizer(portfolio, instruments, covariance, b_terms, b_cons,
                                        **options)  # fmt: skip
        # Books of one structure are alike: once the outer approximation has proven one
        # the branch-and-bound's probe left open, the next starts with it (MIQPSolver.solve).
        self.optimizer._miqp.oa_first = True
        self.books = 0
        self._refill(self.optimizer.ctx, terms, constraints)

    def optimizer_for(
        self,
        portfolio: PortfolioRisk,
        instruments: Sequence[Instrument],
        covariance: Any,
        terms: Sequence[ObjectiveTerm],
        constraints: Sequence[Constraint] = (),
        *,
        key: str | None = None,
        **options: Any,
    ) -> HedgeOptimizer:
        """The compiled optimiser re-filled with this book (same arguments as the first).

        ``key`` is the arguments' :func:`structure_key` when the caller has it already.

        Raises
        ------
        StructureChanged
            Anything but the book differs from the compiled problem.
        HedgeInputError
            A limit value the optimiser refuses (as :class:`HedgeOptimizer` would).
        """
        if key is None:
            key = structure_key(instruments, covariance, terms, constraints, **options)
        if key != self.key:
            raise StructureChanged("the problem's structure differs from the compiled one")
        ctx = HedgeContext(portfolio, instruments, covariance, options.get("factor_risk"))
        self._refill(ctx, terms, constraints)
        return self.optimizer

    def _refill(
        self, ctx: HedgeContext, terms: Sequence[ObjectiveTerm], constraints: Sequence[Constraint]
    ) -> None:
        """Point the optimiser at ``ctx`` (the book) and push the book's Parameters."""
        opt = self.optimizer
        prog = opt.program
        # Why the attributes are set here: the optimiser's context is the book's numbers for
        # reports, costs and the feasibility check; the limits' weights (feasibility floors)
        # are in years of THIS book's duration. Everything structural stays compiled.
        opt.ctx = ctx
        prog.ctx = ctx
        prog.limits = [lim for c in prog.constraints for lim in c.limits(ctx)]
        opt._violation = None  # the minimal-violation problem of another book
        # The previous book's plan and search tree stay: the next search starts from them
        # and proves its gap on this book's data (hedge_planner.solvers.warm_tree).
        # Why a whole reload of the HiGHS model (HighsModel.update() passes the model when it
        # holds none): row, column and objective scales computed from THIS book's values and
        # no basis of another book, as a freshly built optimiser has. Pushed in place instead,
        # the node QPs ran ~2x slower and the plans matched the ordinary path less closely.
        if not hasattr(opt._highs, "_A"):  # fail loudly if HighsModel's internals change
            raise RuntimeError("internal error: HighsModel has no _A to force a reload with")
        opt._highs._A = None
        values: Params = {}
        components: list[ObjectiveTerm | Constraint] = [*terms, *constraints]
        for comp in components:
            values.update({k: spec.value for k, spec in comp.param_specs().items()})
        compiled: list[ObjectiveTerm | Constraint] = [*prog.terms, *prog.constraints]
        for comp in compiled:
            if isinstance(comp, BookTrackingErrorTerm):
                values.update(comp.book_values_at(ctx, float(values["risk_aversion"])))
            elif hasattr(comp, "book_values"):
                values.update(comp.book_values(ctx))
        opt.set_params(**values)
        self.books += 1

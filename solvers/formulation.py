"""The hedge program: ONE cvxpy formulation, compiled once with Parameters (DPP).

:class:`HedgeProgram` assembles the objective terms and constraints
(:mod:`hedge_planner.solvers.terms`) over one variable ``x`` of scaled lots (``q = scale * x``;
bounds as cvxpy variable bounds) into cvxpy problems that all share the same Parameters:

* :attr:`HedgeProgram.relaxed`: integrality dropped; the source of the HiGHS model of the
  branch-and-bound (:mod:`hedge_planner.solvers.standard_form`) and the continuous problem;
* :attr:`HedgeProgram.mixed_integer`: the MIQP itself (integer lots), for cvxpy solvers such
  as SCIP (cross-checks);
* :meth:`HedgeProgram.node_problem`: the relaxation with Parameter bounds on the integer
  lots, solved by CLARABEL at B&B nodes where HiGHS' QP fails;
* :meth:`HedgeProgram.elastic`: every constraint element softened by a slack ``e >= 0`` in
  the limit's own units, objective ``sum weight * e`` (minimal violation).

All of them are built by the same :meth:`HedgeProgram._objective` and
:meth:`HedgeProgram._constraints`, so a new term or constraint is written once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.legs import LegSpec, LegVars
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.solvers.terms import Constraint, Limit, ObjectiveTerm, ParamSpec

__all__ = ["ElasticProgram", "HedgeProgram", "NodeProblem"]

logger = logging.getLogger(__name__)

# Why: cvxpy Parameters must be finite; 1e12 lots is far beyond any real position.
_PARAM_BOUND = 1e12


def assign_param(param: cp.Parameter, val: float | np.ndarray) -> None:
    """``param.value = val``, without cvxpy's projection check where it cannot fail.

    Why: cvxpy validates each assignment by projecting the value onto the Parameter's
    attributes and comparing with ``np.allclose`` (~20 us a Parameter; a desk book re-fills
    ~18). For a Parameter with no attribute but ``nonneg`` and a value that is a float (a
    scalar Parameter) or a float64 array of its exact shape, finite and, if ``nonneg``,
    ``>= 0``, that check passes and cvxpy stores the value object itself: stored here
    alike. Anything else takes cvxpy's setter (and its error).
    """
    plain = param.sparse_idx is None and not any(
        v for k, v in param.attributes.items() if k != "nonneg"
    )
    if plain and isinstance(val, float) and param.shape == ():
        ok = math.isfinite(val) and not (param.attributes["nonneg"] and val < 0)
    elif plain and isinstance(val, np.ndarray) and val.dtype == np.float64:
        ok = (
            val.shape == param.shape
            and bool(np.isfinite(val).all())
            and not (param.attributes["nonneg"] and bool((val < 0).any()))
        )
    else:
        ok = False
    if ok:
        param._value = val
    else:
        param.value = val


@dataclass(frozen=True)
class ElasticProgram:
    """The elastic problem: ``problem`` over ``x``; ``slacks`` one per constraint element."""

    problem: cp.Problem
    x: cp.Variable
    slacks: list[cp.Variable]


@dataclass(frozen=True)
class NodeProblem:
    """Relaxation with integer-lot bounds as Parameters ``lo``/``hi`` (finite, lots).

    ``lo``/``hi`` hold the integer lots first, then the legs' binaries (if any).
    """

    problem: cp.Problem
    x: cp.Variable
    lo: cp.Parameter
    hi: cp.Parameter


def copy_value(v: Any) -> Any:
    """Independent copy of a parameter value (arrays copied, scalars as they are)."""
    return np.array(v, dtype=float) if isinstance(v, np.ndarray) else v


class HedgeProgram:
    """Objective terms and constraints compiled into cvxpy problems sharing Parameters.

    Parameters
    ----------
    ctx : HedgeContext
        Compiled numbers of the problem.
    terms : sequence of ObjectiveTerm
        Objective terms (currency).
    constraints : sequence of Constraint
        Named hard limits.
    max_legs : int, optional
        Largest number of instruments traded (see :mod:`hedge_planner.solvers.legs`; minimum
        trades and ticket costs come with the instruments).
    """

    def __init__(
        self,
        ctx: HedgeContext,
        terms: Sequence[ObjectiveTerm],
        constraints: Sequence[Constraint],
        max_legs: int | None = None,
    ) -> None:
        self.ctx = ctx
        #: Leg rules (binaries per traded side); ``legs.active`` False when none applies.
        self.legs = LegSpec(ctx, max_legs)
        self._leg_vars: dict[int, LegVars] = {}
        self.terms = list(terms)
        self.constraints = list(constraints)
        if not self.terms:
            raise HedgeInputError("terms", "need at least one objective term")
        # Parameters: one namespace across terms and constraints.
        self.param_specs: dict[str, ParamSpec] = {}
        components: list[ObjectiveTerm | Constraint] = [*self.terms, *self.constraints]
        for obj in components:
            for name, spec in obj.param_specs().items():
                if name in self.param_specs:
                    raise HedgeInputError(name, "parameter declared by two components")
                self.param_specs[name] = spec
        self.params: dict[str, Any] = {k: copy_value(v.value) for k, v in self.param_specs.items()}
        for c in self.constraints:
            c.validate(self.params)
        #: One entry per scalar limit (constraint element), with its owner and index there.
        self.limits: list[Limit] = []
        self.limit_owner: list[tuple[Constraint, int]] = []
        for c in self.constraints:
            lims = c.limits(ctx)
            if c.shared_slack and len(lims) != 1:
                raise RuntimeError(f"internal error: {c.name} shares one slack but has limits")
            self.limits.extend(lims)
            self.limit_owner.extend((c, j) for j in range(len(lims)))
        self.cp_params: dict[str, cp.Parameter] = {}
        for name, spec in self.param_specs.items():
            shape = () if spec.size is None else (spec.size,)
            self.cp_params[name] = cp.Parameter(shape, name=name, nonneg=spec.nonneg)
        self._push_params(self.params)
        self.int_idx = np.flatnonzero(ctx.integer)
        self.x = self._variable("x")
        self.relaxed = cp.Problem(cp.Minimize(self._objective(self.x)), self._constraints(self.x))
        if not self.relaxed.is_dpp():
            raise RuntimeError("internal error: hedge problem is not DPP compliant")
        self._mixed_integer: tuple[cp.Problem, cp.Variable] | None = None
        self._elastic: ElasticProgram | None = None
        self._node: NodeProblem | None = None

    # ------------------------------------------------------------------ building blocks
    def _variable(self, name: str, integer: bool = False) -> cp.Variable:
        """Scaled lots ``x`` (q = scale * x) with the instruments' bounds."""
        kw: dict[str, Any] = {"bounds": [self.ctx.x_lo, self.ctx.x_hi], "name": name}
        if integer and len(self.int_idx):
            # cvxpy's per-element form: a tuple of index arrays (one per dimension).
            kw["integer"] = (np.asarray(self.int_idx),)
        return cp.Variable(self.ctx.n, **kw)

    def quantities(self, x: cp.Expression) -> cp.Expression:
        """Quantities q (units) as an expression of the scaled variable."""
        return cp.multiply(self.ctx.scale, x)

    def leg_vars(self, x: cp.Variable) -> LegVars | None:
        """The leg variables belonging to ``x``'s problem (binaries when ``x`` is integer)."""
        if not self.legs.active:
            return None
        if x.id not in self._leg_vars:
            integer = bool(x.attributes.get("integer"))
            self._leg_vars[x.id] = self.legs.variables(integer)
        return self._leg_vars[x.id]

    def _objective(self, x: cp.Variable) -> cp.Expression:
        q = self.quantities(x)
        parts = [t.cvxpy_expr(self.ctx, q, self.cp_params) for t in self.terms]
        v = self.leg_vars(x)
        if v is not None and np.any(self.legs.ticket > 0):
            parts.append(self.legs.ticket_expr(v))
        return cp.sum(parts)

    def _constraints(self, x: cp.Variable) -> list[cp.Constraint]:
        q = self.quantities(x)
        out: list[cp.Constraint] = []
        for c in self.constraints:
            out.extend(c.cvxpy_constraints(self.ctx, q, self.cp_params))
        return out + self._leg_constraints(x)

    def _leg_constraints(self, x: cp.Variable) -> list[cp.Constraint]:
        v = self.leg_vars(x)
        return [] if v is None else self.legs.constraints(x, v)

    # ------------------------------------------------------------------ derived problems
    @property
    def mixed_integer(self) -> cp.Problem:
        """The MIQP with integer lots (built on first use), for cvxpy's MIP solvers."""
        return self._mixed_integer_pair()[0]

    @property
    def mixed_integer_x(self) -> cp.Variable:
        """The variable of :attr:`mixed_integer` (scaled lots)."""
        return self._mixed_integer_pair()[1]

    def _mixed_integer_pair(self) -> tuple[cp.Problem, cp.Variable]:
        if not len(self.int_idx) and not self.legs.active:
            return self.relaxed, self.x
        if self._mixed_integer is None:
            x = self._variable("x_int", integer=True)
            if not len(self.int_idx):  # binaries of the legs only: mark x for leg_vars
                self._leg_vars[x.id] = self.legs.variables(True)
            prob = cp.Problem(cp.Minimize(self._objective(x)), self._constraints(x))
            self._mixed_integer = (prob, x)
        return self._mixed_integer

    def node_problem(self) -> NodeProblem:
        """The relaxation with Parameter bounds on the integer lots (built on first use)."""
        if self._node is None:
            x = self._variable("x_node")
            k = len(self.int_idx)
            nz = 2 * self.legs.k
            lo = cp.Parameter(k + nz, name="node_lo", value=np.zeros(k + nz))
            hi = cp.Parameter(k + nz, name="node_hi", value=np.zeros(k + nz))
            cons = self._constraints(x)
            if k:
                cons += [x[self.int_idx] >= lo[:k], x[self.int_idx] <= hi[:k]]
            v = self.leg_vars(x)
            if v is not None:  # the legs' binaries are integer positions after the lots
                cons += [v.z >= lo[k:], v.z <= hi[k:]]
            prob = cp.Problem(cp.Minimize(self._objective(x)), cons)
            self._node = NodeProblem(prob, x, lo, hi)
        return self._node

    def set_node_bounds(self, node: NodeProblem, lo: np.ndarray, hi: np.ndarray) -> None:
        """Node box of the integer lots into ``node``'s Parameters (clipped finite)."""
        node.lo.value = np.clip(lo, -_PARAM_BOUND, _PARAM_BOUND)
        node.hi.value = np.clip(hi, -_PARAM_BOUND, _PARAM_BOUND)

    def elastic(self) -> ElasticProgram:
        """Every constraint element ``lhs <= rhs`` becomes ``lhs <= rhs + e``, ``e >= 0``.

        The objective is ``sum_k weight_k * e_k`` with :class:`Limit` weights (years of
        duration per unit of the limit); bounds and integrality stay hard.
        """
        if self._elastic is None:
            x = self._variable("x_elastic")
            q = self.quantities(x)
            weights = np.array([lim.weight for lim in self.limits], dtype=float)
            slacks: list[cp.Variable] = []
            soft: list[cp.Constraint] = []
            parts: list[cp.Expression] = []
            k = 0
            for owner in self.constraints:
                cons = owner.cvxpy_constraints(self.ctx, q, self.cp_params)
                if owner.shared_slack:
                    # One slack for every element: the limit moves once (e.g. cut rows).
                    e_shared = cp.Variable(nonneg=True)
                    for con in cons:
                        lhs, rhs = self._inequality(con)
                        soft.append(lhs <= rhs + e_shared)
                    parts.append(weights[k] * owner.elastic_scale(self.ctx) * e_shared)
                    slacks.append(e_shared)
                    k += 1
                    continue
                for con in cons:
                    lhs, rhs = self._inequality(con)
                    e = cp.Variable(con.shape, nonneg=True)
                    w = weights[k : k + con.size]
                    k += con.size
                    soft.append(lhs <= rhs + e)
                    parts.append(w @ e if con.shape else w[0] * e)
                    slacks.append(e)
            soft += self._leg_constraints(x)  # structural, like bounds: hard (z relaxed)
            if k != len(self.limits):
                raise RuntimeError(
                    f"internal error: {k} constraint elements but {len(self.limits)} limits"
                )
            objective = cp.sum(parts) if parts else cp.Constant(0.0)
            self._elastic = ElasticProgram(cp.Problem(cp.Minimize(objective), soft), x, slacks)
        return self._elastic

    @staticmethod
    def _inequality(con: cp.Constraint) -> tuple[cp.Expression, cp.Expression]:
        if not isinstance(con, cp.constraints.Inequality):
            raise TypeError(f"constraint {con} must be an inequality to be elastic")
        lhs, rhs = con.args
        return lhs, rhs

    # ------------------------------------------------------------------ parameters
    def set_params(self, **values: Any) -> None:
        """Change what-if parameters (validated; no rebuild). See HedgeOptimizer.set_params."""
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
                new[name] = np.broadcast_to(np.asarray(v, dtype=float), (spec.size,)).copy()
        for c in self.constraints:
            c.validate(new)
        self.params = new
        self._push_params({k: new[k] for k in values})

    def _push_params(self, values: dict[str, Any]) -> None:
        for name, val in values.items():
            if isinstance(val, np.ndarray):
                # Why: cvxpy parameters must be finite; unconstrained buckets are masked out.
                val = np.where(np.isfinite(val), val, 0.0)
            assign_param(self.cp_params[name], val)
        for c in self.constraints:
            c.sync(self.ctx, self.params)  # Parameters derived from the what-if values

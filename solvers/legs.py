"""Tradable legs: minimum trade sizes, ticket costs and a maximum number of legs.

A leg is an instrument whose position changes (``trade = q - q0 != 0``). Three features of
a desk's ticket make the problem combinatorial:

* ``min_trade`` (units): a trade is 0 or at least this size (semi-continuous);
* ``ticket_cost`` (currency): a fixed charge for each leg traded;
* ``max_legs``: at most this many legs.

Each instrument that needs it (``min_trade > 0`` or ``ticket_cost > 0``; every instrument
when ``max_legs`` is set) gets two binaries ``z+`` and ``z-`` (buy side / sell side) and,
with ``d = x - x0`` its trade in scaled lots,

    m z+ - M- z-  <=  d  <=  M+ z+ - m z-,     z+ + z- <= 1,
    sum (z+ + z-) <= max_legs,                 ticket cost  sum c (z+ + z-)

with ``m`` the minimum trade and ``M+``/``M-`` the largest trade each way that the position
bounds allow (scaled lots), so the rows are exact at the bounds: ``z+ = 1`` gives
``m <= d <= M+``, ``z- = 1`` gives ``-M- <= d <= -m``, neither gives ``d = 0``. (The same
relaxation as splitting ``d = t+ - t-`` with ``m z <= t <= M z``, its projection, without the
split's degenerate direction ``t+ = t- > 0`` on which HiGHS' QP failed at nodes.) Both binaries are
integer columns of the generated model: the branch-and-bound (and every MIP solver given
:attr:`~hedge_planner.solvers.formulation.HedgeProgram.mixed_integer`) branches on them like
on lot counts. Bounds on the position must be finite for these instruments (a big-M needs
one); :class:`LegSpec` says so with the instrument's name. The big-M is a cvxpy Parameter
(:attr:`LegSpec.m_param`): the exact search lowers it, per solve, to the largest trade the
other limits imply (:mod:`~hedge_planner.solvers.bound_tightening`), which keeps every plan
and tightens the relaxation, and again, below each materially better incumbent, to the
trades of the plans that could still improve it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.problem import HedgeInputError

__all__ = ["LegSpec", "LegVars", "leg_violations", "rules_conflict"]

logger = logging.getLogger(__name__)

#: A trade below this many scaled lots is numerically zero (HiGHS' tolerances are ~1e-9).
ZERO_TRADE = 1e-7


@dataclass(frozen=True)
class LegVars:
    """The leg variables of one cvxpy problem: the binaries ``z``.

    Length ``2 k`` for ``k`` leg instruments: entries ``[:k]`` are the buy side, ``[k:]`` the
    sell side (0/1).
    """

    z: cp.Variable


class LegSpec:
    """Compiled leg data of a hedge problem (None of it when no leg feature is used).

    Parameters
    ----------
    ctx : HedgeContext
        The problem's numbers (scales, bounds, current positions).
    max_legs : int or None
        Largest number of instruments traded; None: no cardinality limit.
    """

    def __init__(self, ctx: HedgeContext, max_legs: int | None) -> None:
        if max_legs is not None and (int(max_legs) != max_legs or max_legs < 0):
            raise HedgeInputError("max_legs", f"must be a whole number >= 0, got {max_legs!r}")
        self.max_legs = None if max_legs is None else int(max_legs)
        min_trade = np.array([i.min_trade for i in ctx.instruments])
        ticket = np.array([i.ticket_cost for i in ctx.instruments])
        need = (min_trade > 0) | (ticket > 0)
        if self.max_legs is not None:
            need[:] = True
        self.idx = np.flatnonzero(need)
        self.k = len(self.idx)
        idx = self.idx
        x0 = ctx.q0[idx] / ctx.scale[idx]
        up = ctx.x_hi[idx] - x0  # largest buy, scaled lots
        down = x0 - ctx.x_lo[idx]  # largest sell
        for j, i in enumerate(idx):
            if not (np.isfinite(up[j]) and np.isfinite(down[j])):
                raise HedgeInputError(
                    f"instruments[{ctx.names[i]}].lo/hi",
                    "min_trade, ticket_cost and max_legs need a finite position limit "
                    "(e.g. max_contracts / max_notional) for every instrument they apply to",
                )
        self.x0 = x0
        self.big_m = np.concatenate([np.maximum(up, 0.0), np.maximum(down, 0.0)])
        self.min_lots = np.concatenate([min_trade[idx], min_trade[idx]]) / np.concatenate(
            [ctx.scale[idx], ctx.scale[idx]]
        )
        self.ticket = np.concatenate([ticket[idx], ticket[idx]])
        # A side whose largest trade is below the minimum can never trade: z fixed at 0.
        self.z_hi = np.where(self.big_m >= self.min_lots * (1 - 1e-12), 1.0, 0.0)
        self.z_hi[self.big_m <= 0] = 0.0
        #: The big-M of the linking rows as a Parameter (scaled lots, buy side then sell
        #: side): the exact search lowers it to the trade the other limits imply
        #: (:mod:`~hedge_planner.solvers.bound_tightening`) and restores :attr:`big_m`.
        self.m_param: cp.Parameter | None = None
        if self.k:
            self.m_param = cp.Parameter(2 * self.k, nonneg=True, value=self.big_m.copy(),
                                        name="leg_big_m")  # fmt: skip

    @property
    def active(self) -> bool:
        """True when the problem has leg variables."""
        return self.k > 0

    def variables(self, integer: bool) -> LegVars:
        """Fresh leg variables for one problem (``integer``: binaries, else ``[0, 1]``)."""
        n = 2 * self.k
        if integer:
            z = cp.Variable(n, boolean=True, name="leg_z")
        else:
            z = cp.Variable(n, bounds=[np.zeros(n), self.z_hi], name="leg_z")
        return LegVars(z)

    def constraints(self, x: cp.Variable, v: LegVars) -> list[cp.Constraint]:
        """Linking rows of the legs (scaled lots), see the module docstring."""
        k = self.k
        d = x[self.idx] - self.x0
        up, dn = v.z[:k], v.z[k:]
        m = self.min_lots[:k]
        big = self.m_param
        assert big is not None  # k > 0
        out: list[cp.Constraint] = [
            d <= cp.multiply(big[:k], up) - cp.multiply(m, dn),
            d >= cp.multiply(m, up) - cp.multiply(big[k:], dn),
            up + dn <= 1,
        ]
        if np.any(self.z_hi < 1):
            out.append(v.z <= self.z_hi)
        if self.max_legs is not None:
            out.append(cp.sum(v.z) <= self.max_legs)
        return out

    def set_big_m(self, values: np.ndarray | None) -> None:
        """Big-M of the linking rows (scaled lots); None restores the position-limit one.

        Values above the position-limit big-M are clipped to it: a tightened M is never
        looser than the original.
        """
        if self.m_param is None:
            return
        v = self.big_m if values is None else np.minimum(np.maximum(values, 0.0), self.big_m)
        self.m_param.value = np.asarray(v, dtype=float).copy()

    def ticket_expr(self, v: LegVars) -> cp.Expression:
        """Ticket costs ``sum c (z+ + z-)``, currency."""
        return self.ticket @ v.z

    # ------------------------------------------------------------------ evaluation
    def traded(self, ctx: HedgeContext, q: np.ndarray) -> np.ndarray:
        """Mask of the instruments traded at quantities ``q`` (units)."""
        return np.abs(q - ctx.q0) / ctx.scale > ZERO_TRADE

    def ticket_value(self, ctx: HedgeContext, q: np.ndarray) -> float:
        """Ticket costs of the trades at ``q``, currency (independent of the solver)."""
        ticket = np.array([i.ticket_cost for i in ctx.instruments])
        return float(ticket[self.traded(ctx, q)].sum())


def leg_violations(ctx: HedgeContext, legs: LegSpec, q: np.ndarray) -> list[str]:
    """Leg rules the quantities ``q`` (units) break: leg count, minimum trade, lot multiples.

    Parameters
    ----------
    ctx : HedgeContext
        The problem's numbers.
    legs : LegSpec
        The compiled leg rules.
    q : numpy.ndarray
        Quantities, units (contracts / notional).

    Returns
    -------
    list of str
        One message per broken rule (empty when the plan is tradable).
    """
    out: list[str] = []
    traded = legs.traded(ctx, q)
    n_legs = int(traded.sum())
    if legs.max_legs is not None and n_legs > legs.max_legs:
        out.append(f"max_legs: {n_legs} legs > {legs.max_legs}")
    for i, ins in enumerate(ctx.instruments):
        trade = abs(float(q[i] - ctx.q0[i]))
        if traded[i] and trade < ins.min_trade * (1 - 1e-9):
            out.append(f"min_trade[{ins.name}]: {trade:.6g} < {ins.min_trade:.6g} {ctx_unit(ins)}")
        if ins.integer and off_lot(float(q[i]), ins.lot_size):
            out.append(f"lot[{ins.name}]: {q[i]:.6g} is not a multiple of {ins.lot_size:g}")
    return out


def off_lot(q: float, lot: float) -> bool:
    """True when the quantity ``q`` (units) is not a whole number of lots of ``lot``."""
    lots = q / lot
    return abs(lots - round(lots)) > 1e-9 * max(1.0, abs(lots))


def ctx_unit(ins: object) -> str:
    """Unit word of an instrument (contracts / notional)."""
    return str(getattr(ins, "unit", "units"))


def rules_conflict(ctx: HedgeContext, legs: LegSpec | None) -> str:
    """Why no plan exists whatever the limits: the rules the limits' moves cannot relax.

    Called when the minimal-violation problem (every limit elastic; position bounds, whole
    lots and the leg rules hard) has no solution. Names the instruments whose current
    position is not a whole number of lots (each must trade to reach one) and, when they
    outnumber ``max_legs``, says that this is the conflict.

    Parameters
    ----------
    ctx : HedgeContext
        The problem's numbers (positions, lots, bounds).
    legs : LegSpec or None
        The compiled leg rules (None: no leg feature).

    Returns
    -------
    str
        The message of the infeasible result.
    """
    forced = [
        ins.name
        for i, ins in enumerate(ctx.instruments)
        if ins.integer and ins.lot_size > 0 and off_lot(float(ctx.q0[i]), ins.lot_size)
    ]
    if legs is None:  # not expected: validation finds a whole lot in every position range
        return "infeasible whatever the limits: the position limits admit no plan in whole lots"
    max_legs = legs.max_legs
    head = "infeasible whatever the limits: no plan in whole lots within the position limits"
    head += " meets the leg rules (max_legs, min_trade)"
    if forced and max_legs is not None and len(forced) > max_legs:
        return (
            f"{head}: {len(forced)} current positions are not whole lots and must trade "
            f"({', '.join(forced)}), more than max_legs {max_legs}; raise max_legs or "
            "round those positions first"
        )
    if forced:
        return (
            f"{head}; positions not in whole lots, which must trade: {', '.join(forced)}; "
            "check min_trade against the position limits"
        )
    return f"{head}; check max_legs, min_trade and the position limits together"

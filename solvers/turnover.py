"""Turnover penalty: a small objective term that prices DV01 traded away from a reference.

``turnover_bp * sum_i |DV01_i| * (|q_i - r_i| + REVERSAL * max(0, -s_i q_i))`` in currency,
where ``DV01_i`` is the instrument's DV01 per unit (currency per bp, the sum of its key-rate
DV01s), ``r_i`` the reference position (the current positions in a plan; the previous point's
hedge in a sweep), ``s_i`` its sign (0 when the reference is under half a currency unit of
DV01) and ``turnover_bp`` the weight in **bp of rate per unit of DV01 traded**: a weight of
0.25 charges 0.25 x the DV01 moved, what a 0.25 bp adverse move on the traded DV01 would cost.
The second part charges the DV01 of a position taken on the other side of the reference
``REVERSAL`` times more: reversing a position (closing it and opening the opposite one) is
what a desk least wants from a small change of inputs, so a position crossing zero stops at
zero first unless the limits force it through. One formulation, written once in cvxpy (the
HiGHS model is generated from it).

The weight is a constant of the compiled problem (a Parameter multiplying ``|q - r|`` with a
Parameter inside would not be DPP); the reference ``turnover_reference`` is a what-if
Parameter, so a sweep moves it between points without rebuilding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.solvers.terms import ObjectiveTerm, Params, ParamSpec

__all__ = ["REVERSAL", "TURNOVER_REFERENCE", "TURNOVER_SIGN", "TurnoverTerm", "reference_params"]

#: Name of the what-if parameter holding the reference positions (units per instrument).
TURNOVER_REFERENCE = "turnover_reference"
#: Name of the what-if parameter holding the reference positions' signs (-1, 0, +1).
TURNOVER_SIGN = "turnover_sign"
#: Multiple of the turnover weight charged on DV01 held on the other side of the reference.
REVERSAL = 20.0
#: A reference position under this much DV01 (currency per bp) counts as flat.
FLAT_DV01 = 0.5


def reference_params(reference: np.ndarray, dv01_unit: np.ndarray) -> dict[str, np.ndarray]:
    """The term's what-if parameters for reference positions ``reference`` (units)."""
    ref = np.asarray(reference, dtype=float)
    flat = np.abs(ref * np.asarray(dv01_unit, dtype=float)) < FLAT_DV01
    return {TURNOVER_REFERENCE: ref.copy(), TURNOVER_SIGN: np.where(flat, 0.0, np.sign(ref))}


@dataclass
class TurnoverTerm(ObjectiveTerm):
    """``turnover_bp * sum_i |DV01_i| (|q_i - r_i| + REVERSAL max(0, -s_i q_i))``, currency.

    Parameters
    ----------
    turnover_bp : float
        Penalty per unit of DV01 traded, bp (currency per currency-per-bp of DV01), >= 0.
    reference : array_like
        Reference positions ``r`` (units: contracts or notional), one per instrument: the
        current positions ``q0`` for a plan.
    """

    turnover_bp: float = 0.0
    reference: np.ndarray | None = None
    name: str = field(default="turnover", init=False)

    def __post_init__(self) -> None:
        w = float(self.turnover_bp)
        if not math.isfinite(w) or w < 0:
            raise HedgeInputError("turnover_bp", f"must be finite and >= 0, got {w}")
        self.turnover_bp = w
        if self.reference is None:
            raise HedgeInputError(TURNOVER_REFERENCE, "reference positions are required")
        ref = np.asarray(self.reference, dtype=float)
        if ref.ndim != 1 or not np.all(np.isfinite(ref)):
            raise HedgeInputError(TURNOVER_REFERENCE, "must be a vector of finite positions")
        self.reference = ref

    def param_specs(self) -> dict[str, ParamSpec]:
        ref = np.asarray(self.reference, dtype=float)
        # The signs need the DV01s, known only with the context: a reference is flat here
        # when it is exactly zero; reference_params() applies the DV01 floor on updates.
        return {
            TURNOVER_REFERENCE: ParamSpec(ref.copy(), False, ref.size),
            TURNOVER_SIGN: ParamSpec(np.sign(ref), False, ref.size),
        }

    @staticmethod
    def _weights(ctx: HedgeContext) -> np.ndarray:
        """``|DV01|`` per unit of each instrument, currency per bp."""
        return np.abs(np.asarray(ctx.dv01_unit, dtype=float))

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        w = self.turnover_bp * self._weights(ctx)
        reversed_ = cp.pos(-cp.multiply(p[TURNOVER_SIGN], q))
        return w @ cp.abs(q - p[TURNOVER_REFERENCE]) + REVERSAL * (w @ reversed_)

    def value(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> float:
        ref = np.asarray(params[TURNOVER_REFERENCE], dtype=float)
        sign = np.asarray(params[TURNOVER_SIGN], dtype=float)
        x = np.asarray(q, dtype=float)
        w = self.turnover_bp * self._weights(ctx)
        return float(w @ np.abs(x - ref) + REVERSAL * (w @ np.maximum(0.0, -sign * x)))

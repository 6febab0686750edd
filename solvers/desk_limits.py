"""Hard limits a desk sets beside the risk bands: swaption vega and gross notional.

Both are linear in the positions (absolute values through cvxpy's ``abs``), compiled once with
their limit as a what-if Parameter like every other constraint, and priced in the minimal-
violation analysis as a fraction of the limit (floored), as the margin budget is.

Units: vega in currency per 1 bp of normal vol (per unit of each instrument: currency notional
for swaptions, 0 for futures and swaps); gross notional in currency (futures: price / 100 x
contract size per contract; swaps and swaptions: 1 per unit of notional).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.solvers.terms import (
    Constraint,
    ConstraintReport,
    Limit,
    Params,
    ParamSpec,
    _binding,
    _scalar_param,
)

__all__ = ["GrossNotionalLimit", "VegaLimit"]


def _per_unit(name: str, values: np.ndarray, ctx: HedgeContext) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (ctx.n,) or not np.all(np.isfinite(arr)):
        raise HedgeInputError(name, f"needs one finite figure per instrument ({ctx.n})")
    return arr


@dataclass
class VegaLimit(Constraint):
    """``|sum_i vega_i q_i| <= vega_max`` over one expiry/tenor bucket or the total.

    Parameters
    ----------
    vega_max
        Limit on the net vega of the bucket, currency per bp of normal vol (>= 0).
    vega_bp
        Vega per unit of each instrument in the bucket, currency per bp of normal vol (0 for
        instruments outside the bucket), shape ``(n,)``.
    bucket
        ``"total"`` or an expiry/tenor label such as ``"1yx10y"``; the what-if parameter is
        ``vega_max`` for the total and ``vega_max[<bucket>]`` otherwise.
    """

    vega_max: float
    vega_bp: np.ndarray
    bucket: str = "total"
    name: str = field(default="vega_max", init=False)

    def __post_init__(self) -> None:
        self.name = "vega_max" if self.bucket == "total" else f"vega_max[{self.bucket}]"

    def param_specs(self) -> dict[str, ParamSpec]:
        return {self.name: _scalar_param(self.name, self.vega_max, True)}

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        # Why: as for the margin budget, one unit of violation = the whole limit (floored).
        return [Limit(self.name, "vega", 1.0 / max(self.vega_max, 1.0), "currency/bp vol")]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        vega = _per_unit(self.name, self.vega_bp, ctx)
        return [cp.abs(vega @ q) <= p[self.name]]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        v = abs(float(_per_unit(self.name, self.vega_bp, ctx) @ q))
        lim = float(params[self.name])
        return [
            ConstraintReport(
                self.name, lim, v, lim - v, _binding(lim - v, lim, v), "currency/bp vol"
            )
        ]

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        lim = float(params[self.name])
        return self.name, None, lim, lim + slack


@dataclass
class GrossNotionalLimit(Constraint):
    """``sum_i notional_i |q_i| <= gross_notional_max`` (currency)."""

    gross_notional_max: float
    notional: np.ndarray
    name: str = field(default="gross_notional_max", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {
            "gross_notional_max": _scalar_param("gross_notional_max", self.gross_notional_max, True)
        }

    def limits(self, ctx: HedgeContext) -> list[Limit]:
        w = 1.0 / max(self.gross_notional_max, ctx.mv * 1e-4)
        return [Limit(self.name, "gross_notional", w, "currency")]

    def cvxpy_constraints(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> list[cp.Constraint]:
        notional = np.abs(_per_unit(self.name, self.notional, ctx))
        return [notional @ cp.abs(q) <= p["gross_notional_max"]]

    def report(self, ctx: HedgeContext, q: np.ndarray, params: Params) -> list[ConstraintReport]:
        v = float(np.abs(_per_unit(self.name, self.notional, ctx)) @ np.abs(q))
        lim = float(params["gross_notional_max"])
        return [ConstraintReport(self.name, lim, v, lim - v, _binding(lim - v, lim, v), "currency")]

    def limit_move(
        self, row: int, slack: float, params: Params
    ) -> tuple[str, int | None, float, float]:
        lim = float(params["gross_notional_max"])
        return "gross_notional_max", None, lim, lim + slack

"""Adding an objective term touches one place: the term object itself.

A term written only as ``param_specs`` + ``cvxpy_expr`` + ``value`` (no HiGHS code anywhere)
must be honoured by every path: the branch-and-bound over the generated HiGHS model and the
continuous QP. Reference: exhaustive enumeration with the term evaluated by hand.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
import pytest
from hedge_planner.solvers.context import HedgeContext
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import ObjectiveTerm, ParamSpec, TrackingErrorTerm


@dataclass
class GrossNotionalFee(ObjectiveTerm):
    """``fee * sum_i notional_i |q_i|``, currency (a test-only term)."""

    fee: float = 1e-6
    notional: tuple[float, ...] = ()
    name: str = field(default="gross_notional_fee", init=False)

    def param_specs(self) -> dict[str, ParamSpec]:
        return {"notional_fee": ParamSpec(self.fee, nonneg=True)}

    def cvxpy_expr(
        self, ctx: HedgeContext, q: cp.Expression, p: dict[str, cp.Parameter]
    ) -> cp.Expression:
        return p["notional_fee"] * (np.array(self.notional) @ cp.abs(q))

    def value(self, ctx: HedgeContext, q: np.ndarray, params: dict) -> float:
        return float(params["notional_fee"]) * float(np.array(self.notional) @ np.abs(q))


def _setup() -> tuple[PortfolioRisk, list[Instrument], np.ndarray]:
    port = PortfolioRisk(1e7, np.array([3000.0, 5000.0]), bench_krd_dv01=[1000.0, 2000.0])
    ins = [
        Instrument("F1", "future", np.array([60.0, 10.0]), lo=-40, hi=40),
        Instrument("F2", "future", np.array([5.0, 90.0]), lo=-40, hi=40),
    ]
    return port, ins, np.array([[80.0, 50.0], [50.0, 70.0]])


@pytest.mark.parametrize("fee", [0.0, 2e-6, 2e-5])
def test_new_term_in_branch_and_bound_matches_enumeration(fee: float) -> None:
    port, ins, cov = _setup()
    notional = (1e5, 2e5)
    opt = HedgeOptimizer(port, ins, cov, [TrackingErrorTerm(1e-6), GrossNotionalFee(fee, notional)])
    res = opt.solve()
    U = np.array([i.krd_dv01 for i in ins])
    g0 = port.krd_dv01 - port.bench_krd_dv01

    def f(q: np.ndarray) -> float:
        g = g0 + U.T @ q
        return 1e-6 * g @ cov @ g + fee * float(np.array(notional) @ np.abs(q))

    best = min(
        (f(np.array(c, dtype=float)), c) for c in itertools.product(range(-40, 41), repeat=2)
    )
    assert res.status == "optimal" and res.proven
    assert res.objective == pytest.approx(best[0], rel=1e-7, abs=1e-9)
    assert res.costs["gross_notional_fee"] == pytest.approx(
        fee * float(np.array(notional) @ np.abs(res.q)), rel=1e-12
    )
    # The term's Parameter is a what-if like any other: a re-solve without rebuilding.
    opt.set_params(notional_fee=0.0)
    assert opt.solve().costs["gross_notional_fee"] == 0.0

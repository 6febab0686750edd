"""What-if sweeps: one parameter re-solved over values on the compiled hedge program."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any, Protocol

from hedge_planner.solvers.formulation import copy_value
from hedge_planner.solvers.problem import HedgeInputError
from hedge_planner.solvers.results import HedgeResult, SweepPoint

__all__ = ["run_sweep"]

logger = logging.getLogger(__name__)


class Sweepable(Protocol):
    """What a sweep needs of the optimiser (:class:`HedgeOptimizer`)."""

    @property
    def params(self) -> dict[str, Any]: ...

    param_specs: Any

    def set_params(self, **values: Any) -> None: ...

    def solve(
        self, *, gap_tol: float | None = None, time_limit: float | None = None
    ) -> HedgeResult: ...


def run_sweep(opt: Sweepable, param: str, values: Iterable[Any]) -> list[SweepPoint]:
    """:meth:`HedgeOptimizer.sweep`: every value validated first, then one solve each."""
    if param not in opt.param_specs:
        raise HedgeInputError(param, f"unknown parameter; available: {sorted(opt.params)}")
    values = list(values)
    saved = copy_value(opt.params[param])
    out: list[SweepPoint] = []
    try:
        for v in values:  # validate every value before solving any
            opt.set_params(**{param: v})
        for v in values:
            opt.set_params(**{param: v})
            out.append(_sweep_point(opt, param, v))
    finally:
        opt.set_params(**{param: saved})
    return out


def _sweep_point(opt: Sweepable, param: str, v: Any) -> SweepPoint:
    t0 = time.perf_counter()
    try:
        r = opt.solve()
    except Exception as exc:
        logger.exception("sweep %s=%r failed", param, v)
        return SweepPoint.failed(param, copy_value(v), exc, time.perf_counter() - t0)
    return SweepPoint.of_result(param, copy_value(v), r)

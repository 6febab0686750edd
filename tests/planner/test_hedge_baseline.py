"""The closed-form futures baseline: each contract's DV01 ratio evaluated, the least tracking
error kept (the first of equals), its figures those of an independent evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hedge_planner.hedge_plan import _closed_form_baseline
from hedge_planner.models.units import BP
from hedge_planner.run import PlanRun

CORE_PLUS = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def problem():
    return PlanRun.load(CORE_PLUS).problem()


def test_baseline_is_the_contract_of_least_tracking_error(problem) -> None:
    ctx = problem.optimizer.ctx
    current = np.asarray(ctx.q0, dtype=np.float64)
    pre_dv01 = float(ctx.post_krd(current).sum())
    base = _closed_form_baseline(problem, current, pre_dv01, 30)
    target = problem.duration_target * problem.market_value * BP
    te = {}
    for i, m in enumerate(problem.members):
        if m.risk.kind != "future":
            continue
        n = (target - pre_dv01) / m.risk.dv01  # the hedge ratio by hand
        q = current.copy()
        q[i] += round(n)
        te[m.name] = (ctx.te_bp(q), n, q)
    assert len(te) >= 2  # a choice to make
    best = min(te, key=lambda k: te[k][0])  # min keeps the first of equals
    trade = base.trades[0]
    assert trade.instrument == best
    assert trade.unrounded == pytest.approx(te[best][1], rel=1e-12)
    assert base.post_hedge is not None
    assert base.post_hedge.tracking_error_bp == te[best][0]
    q = te[best][2]
    assert base.post_hedge.dv01 == pytest.approx(float(ctx.post_krd(q).sum()), rel=1e-12)

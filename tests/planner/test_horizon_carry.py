"""The horizon enters the hedge only through the carry the plan reports.

Invariants: with carry weighted zero the optimal hedge is the same at 30, 90 and 180 days;
with carry on, every per-unit figure but carry is the same at every horizon, and the 90-day
problem given the 180-day carry vector solves to the 180-day hedge.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hedge_planner.cases import load_analysis_case
from hedge_planner.hedging import build_problem, build_universe
from hedge_planner.workflow import CaseAnalysis, analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Any, CaseAnalysis, str]:
    case = yaml.safe_load(CORE_PLUS.read_text())
    case["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    path = tmp_path_factory.mktemp("horizon") / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    spec, name = load_analysis_case(str(path))
    return spec, analyze_case(spec, name), name


def _at(spec: Any, days: int, carry_weight: float | None = None) -> Any:
    hedge = spec.hedge.model_copy(update={"horizon_days": days})
    if carry_weight is not None:
        costs = hedge.costs.model_copy(update={"carry_weight": carry_weight})
        hedge = hedge.model_copy(update={"costs": costs})
    return spec.model_copy(update={"hedge": hedge})


def _solve(spec: Any, analysis: CaseAnalysis, name: str, members: Any = None) -> np.ndarray:
    if members is None:
        members = build_universe(analysis, spec.hedge, name)
    result = build_problem(spec, analysis, members, name).optimizer.solve()
    assert result.status == "optimal" and result.q is not None
    return np.asarray(result.q)


def test_without_carry_the_hedge_does_not_depend_on_the_horizon(example) -> None:
    spec, analysis, name = example
    hedges = [_solve(_at(spec, d, 0.0), analysis, name) for d in (30, 90, 180)]
    assert np.any(np.abs(hedges[0]) > 0)
    for q in hedges[1:]:
        np.testing.assert_allclose(q, hedges[0], rtol=1e-6, atol=1.0)


def test_with_carry_the_horizon_moves_the_hedge_only_through_carry(example) -> None:
    spec, analysis, name = example
    short, long_ = _at(spec, 90), _at(spec, 180)
    m90 = build_universe(analysis, short.hedge, name)
    m180 = build_universe(analysis, long_.hedge, name)
    for a, b in zip(m90, m180, strict=True):
        np.testing.assert_array_equal(a.risk.krd_dv01, b.risk.krd_dv01)
        assert a.risk.dollar_convexity == b.risk.dollar_convexity
        assert a.half_spread == b.half_spread and a.risk.margin == b.risk.margin
    assert any(a.risk.carry != b.risk.carry for a, b in zip(m90, m180, strict=True))
    q180 = _solve(long_, analysis, name, m180)
    swapped = [
        dataclasses.replace(a, risk=dataclasses.replace(a.risk, carry=b.risk.carry))
        for a, b in zip(m90, m180, strict=True)
    ]
    q_swapped = _solve(short, analysis, name, swapped)
    np.testing.assert_allclose(q_swapped, q180, rtol=1e-6, atol=1.0)
    # ... and the 180-day hedge is not the 90-day one: carry did move it.
    assert not np.allclose(_solve(short, analysis, name, m90), q180, rtol=1e-6, atol=1.0)

"""Modelled holdings (callables, pools) revalued in scenarios by their own model.

Independent check: option-adjusted duration and convexity are the central differences of the
model's price over a parallel shift of ``shift_bp`` (OAS held), so the model's full revaluation
P&L at exactly +/- that shift must equal ``MV_dirty (-/+ D h + C h^2 / 2)`` to rounding; at larger
shifts the two part (the second-order figure misses the option's higher-order terms).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hedge_planner.cases import load_analysis_case
from hedge_planner.models.oas_scenarios import METHOD_MODEL
from hedge_planner.models.units import BP
from hedge_planner.stress import build_case_scenarios, modelled_revaluer, run_scenarios
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def core_plus():
    case, name = load_analysis_case(CORE_PLUS)
    return case, name, analyze_case(case, name)


def test_model_pnl_at_the_measurement_shift_is_the_duration_convexity_identity(core_plus) -> None:
    case, _, analysis = core_plus
    rev = modelled_revaluer(case, analysis)
    assert rev is not None and rev.positions.size >= 4
    m = analysis.modelled
    h = case.models.short_rate.shift_bp * BP
    n_k = len(analysis.risk.krd.tenor_years)
    face = analysis.book.face[rev.positions]
    shifts = np.array([[h] * n_k, [-h] * n_k, [4 * h] * n_k])
    pnl = rev.pnl(shifts, np.zeros((3, rev.positions.size)), face)
    mv = face * m.dirty_price / 100.0
    for row, dy in ((0, h), (1, -h)):
        expected = mv * (-m.duration * dy + 0.5 * m.convexity * dy * dy)
        np.testing.assert_allclose(pnl[row], expected, rtol=1e-8, atol=1e-6 * mv.max())
    second = mv * (-m.duration * 4 * h + 0.5 * m.convexity * (4 * h) ** 2)
    assert np.abs(pnl[2] - second).max() > 1e-6 * mv.max()  # a real revaluation, not Taylor
    base = rev.prices(np.zeros((1, n_k)), np.zeros((1, rev.positions.size)))[0]
    np.testing.assert_allclose(base, m.dirty_price, rtol=1e-12)


def test_spread_shift_moves_the_oas(core_plus) -> None:
    case, _, analysis = core_plus
    rev = modelled_revaluer(case, analysis)
    assert rev is not None
    m = analysis.modelled
    h = case.models.short_rate.shift_bp * BP
    n, n_k = rev.positions.size, len(analysis.risk.krd.tenor_years)
    p = rev.prices(np.zeros((2, n_k)), np.array([[h] * n, [-h] * n]))
    sdur = (p[2] - p[1]) / (2 * h * p[0])
    # callables: the OAS duration is this same central difference; pools: the exact derivative
    # (their flows do not depend on the OAS), which the difference matches to O(h^2)
    lattice = np.array([label == "hull_white_lattice" for label in m.model])
    np.testing.assert_allclose(sdur[lattice], m.spread_duration[lattice], rtol=1e-9)
    np.testing.assert_allclose(sdur[~lattice], m.spread_duration[~lattice], rtol=1e-3)


def test_case_scenarios_revalue_modelled_holdings_by_the_model(core_plus) -> None:
    case, name, analysis = core_plus
    scenarios = build_case_scenarios(case, analysis.tenors, name)
    result = run_scenarios(case, analysis, [], np.zeros(0), scenarios)
    rev = modelled_revaluer(case, analysis)
    assert rev is not None
    for i in rev.positions.tolist():
        assert result.methods[i] == METHOD_MODEL
    names = list(result.names)
    assert "parallel_+25bp" in names
    s = names.index("parallel_+25bp")
    m = analysis.modelled
    h = 25 * BP
    mv = analysis.book.face[rev.positions] * m.dirty_price / 100.0
    expected = mv * (-m.duration * h + 0.5 * m.convexity * h * h)
    np.testing.assert_allclose(result.holding_pnl[s, rev.positions], expected, rtol=1e-8)

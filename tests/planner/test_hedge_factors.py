"""The hedge instruments' per-unit factor loadings (``B``), computed once per universe.

Reference: :func:`hedge_planner.active_risk.with_positions`, the exposures the book has with
derivative positions added: ``a + B q`` must equal them on every rate and swap-spread factor for
any positions ``q`` (CDX rows load on spread factors with_positions leaves out, so they are
held at zero here). The memo must give the same ``B`` as a fresh computation and never share a
mutable array with its callers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hedge_planner.active_risk import with_positions
from hedge_planner.cases import load_analysis_case
from hedge_planner.derivative_hedges import hedge_risk_model
from hedge_planner.hedge_factors import factor_risk, unit_loadings
from hedge_planner.hedging import build_universe
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[Any]]:
    case = yaml.safe_load(CORE_PLUS.read_text())
    case["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    path = tmp_path_factory.mktemp("factors") / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    spec, name = load_analysis_case(str(path))
    analysis = analyze_case(spec, name)
    assert spec.hedge is not None
    return analysis, build_universe(analysis, spec.hedge, name)


def test_loadings_times_positions_are_the_added_exposures(example: tuple[Any, list[Any]]) -> None:
    analysis, members = example
    risk = factor_risk(analysis, members)
    rng = np.random.default_rng(3)
    q = rng.normal(0.0, 100.0, len(members)) * np.array([m.risk.kind != "cdx" for m in members])
    positions = [
        (m.risk.kind, np.asarray(m.risk.krd_dv01) * qi) for m, qi in zip(members, q, strict=True)
    ]
    curves = analysis.curves
    expected = with_positions(analysis.active, positions, curves.treasury, curves.treasury_quotes)
    got = dict(zip(risk.names, risk.exposures + risk.loadings @ q, strict=True))
    checked = [n for n in risk.names if n.startswith(("rate:", "swap_spread"))]
    assert len(checked) >= 2 * len(analysis.tenors)
    for name in checked:
        assert got[name] == pytest.approx(expected[name], rel=1e-12, abs=1e-9)


def test_memo_gives_a_fresh_computations_loadings_and_no_shared_array(
    example: tuple[Any, list[Any]],
) -> None:
    analysis, members = example
    first = factor_risk(analysis, members)
    first.loadings[:] = 0.0  # a caller's copy: the memo's entry is not touched
    again = factor_risk(analysis, members)
    # New member objects (equal content): not the memo's entry, computed afresh.
    fresh = factor_risk(analysis, [dataclasses.replace(m) for m in members])
    assert np.any(again.loadings != 0.0)
    np.testing.assert_array_equal(again.loadings, fresh.loadings)
    np.testing.assert_array_equal(again.exposures, fresh.exposures)
    curves = analysis.curves
    model = hedge_risk_model(
        analysis.active.risk_model, [(m.name, m.spec, m.instrument) for m in members]
    )
    memo = unit_loadings(analysis.active, members, model, curves.treasury, curves.treasury_quotes)
    assert not memo.flags.writeable
    np.testing.assert_array_equal(memo, fresh.loadings)

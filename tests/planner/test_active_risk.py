"""Benchmark gaps in either KRD convention: a holdings benchmark and the profile built from it
agree; conventions the case names are honoured; the analysis JSON carries both bases; the
case's own sector spread table (``risk.spread_table``) is read like the shipped one."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.active_risk import load_spread_table
from hedge_planner.cases import RiskSpec, load_analysis_case
from hedge_planner.models.risk_model import load_default_spread_table
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"

BENCH_CSV = """id,face,coupon,maturity,yield,sector
B1,40000000,0.04,2026-06-30,0.043,government
B2,30000000,0.035,2030-11-15,0.039,government
B3,20000000,0.05,2033-08-15,0.052,corporate
B4,25000000,0.03,2043-05-15,0.045,corporate
B5,15000000,0.045,2053-02-15,0.046,securitized
"""


def _analysis(tmp_path: Path, benchmark: dict, convention: str):
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    base["benchmark"] = benchmark
    base["risk"]["krd_convention"] = convention
    path = tmp_path / f"case_{convention}.yaml"
    path.write_text(yaml.safe_dump(base, default_flow_style=False))
    case, name = load_analysis_case(path)
    return analyze_case(case, name)


@pytest.mark.parametrize("convention", ["zero", "par"])
def test_holdings_benchmark_and_its_profile_give_the_same_gaps(tmp_path, convention) -> None:
    (tmp_path / "bench.csv").write_text(BENCH_CSV)
    holdings_bench = {
        "name": "bench",
        "as_of": dt.date(2023, 12, 29),
        "holdings": str(tmp_path / "bench.csv"),
    }
    by_holdings = _analysis(tmp_path, holdings_bench, convention)
    active = by_holdings.active
    assert active.benchmark_krd is not None
    profile = {
        "name": "bench",
        "as_of": dt.date(2023, 12, 29),
        "duration": float(active.benchmark_krd.sum()),
        "krd": active.krd_dict(active.benchmark_krd),
        "krd_convention": {"rate_basis": convention},
    }
    by_profile = _analysis(tmp_path, profile, convention)
    assert by_holdings.active.convention == by_profile.active.convention
    gap_h = by_holdings.benchmark.krd_gap
    gap_p = by_profile.benchmark.krd_gap
    for tenor, value in gap_h.items():
        assert gap_p[tenor] == pytest.approx(value, abs=1e-12)


def test_par_convention_uses_par_krds_and_a_zero_profile_is_converted(tmp_path) -> None:
    base = yaml.safe_load(CORE_PLUS.read_text())["benchmark"]
    base["as_of"] = dt.date(2023, 12, 29)
    analysis = _analysis(tmp_path, base, "par")
    active = analysis.active
    assert active.convention.rate_basis == "par"
    # The portfolio side is the revalued par KRDs (market-value weighted)...
    w = analysis.risk.market_value / analysis.risk.market_value.sum()
    np.testing.assert_allclose(active.portfolio_krd, w @ analysis.krd_par, rtol=1e-12)
    # ...and the profile, read as zero (it states nothing), is mapped and flagged.
    codes = {f.code for f in analysis.flags}
    assert {"benchmark_krd_convention", "benchmark_krd_converted"} <= codes
    doc = analysis.to_json()
    assert doc["portfolio"]["krd_conventions"]["krd_par"]["rate_basis"] == "par"
    assert set(doc["holdings"][0]["krd_par"]) == set(doc["key_tenors"])
    assert sum(doc["portfolio"]["spread_dv01_by_sector"].values()) == pytest.approx(
        float(analysis.risk.spread_dv01.sum()), rel=1e-12
    )


def test_clean_price_benchmark_convention_is_refused_with_the_convention_to_supply(
    tmp_path,
) -> None:
    from hedge_planner.models.errors import InputError

    base = yaml.safe_load(CORE_PLUS.read_text())["benchmark"]
    base["krd_convention"] = {"rate_basis": "zero", "price_basis": "clean"}
    with pytest.raises(InputError, match="full"):
        _analysis(tmp_path, base, "benchmark")


def test_case_spread_table_file_is_read_like_the_shipped_one(tmp_path: Path) -> None:
    # A copy of the shipped table given as the case's own file must give the same table:
    # the file's text (not the reader's (text, name) pair) is what gets parsed.
    shipped = resources.files("hedge_planner.models.data").joinpath("sector_spread_risk.json")
    doc = json.loads(shipped.read_text(encoding="utf-8"))
    (tmp_path / "spreads.json").write_text(json.dumps(doc), encoding="utf-8")
    spec = RiskSpec(spread_table="spreads.json")
    table = load_spread_table(spec, str(tmp_path / "case.yaml"))
    default = load_default_spread_table()
    assert table.sectors == default.sectors
    assert table.pair_correlations == default.pair_correlations
    assert table.default_correlation == default.default_correlation


def test_case_spread_history_drives_the_sector_vols(tmp_path) -> None:
    from tests.models.test_spread_history import _history

    text, _ = _history()
    (tmp_path / "spreads.csv").write_text(text)
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    base["risk"]["spread_history"] = {"path": "spreads.csv", "halflife_months": 12}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base, default_flow_style=False))
    case, name = load_analysis_case(path)
    model = analyze_case(case, name).active.risk_model
    corp = next(f for f in model.factors if f.name == "spread:corporate")
    assert "spreads.csv" in corp.source and not corp.assumed
    assert "spreads.csv" in model.window["spreads"]

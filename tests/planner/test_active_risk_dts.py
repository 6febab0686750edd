"""``risk.credit_exposure: dts`` on the example book: exposures recomputed by hand from the
per-holding analytics, the invariant with spread DV01 at the reference spread level, the plan
naming the convention, and located errors for missing or unusable spread levels."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.cases import load_analysis_case
from hedge_planner.models.errors import InputError
from hedge_planner.models.risk_model import load_default_spread_table
from hedge_planner.plan import risk_model_section
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
HOLDINGS = CORE_PLUS.parent / "holdings.csv"


def _case(tmp_path: Path, name: str, **changes: object) -> Path:
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(HOLDINGS)
    base.pop("hedge")  # the risk step only: faster, and the hedge is not under test here
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = base
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(base, default_flow_style=False))
    return path


def _analyze(path: Path):
    case, name = load_analysis_case(path)
    return analyze_case(case, name)


def _holdings_with_oas(tmp_path: Path, oas_by_sector: dict[str, float]) -> Path:
    rows = list(csv.DictReader(io.StringIO(HOLDINGS.read_text())))
    out = io.StringIO()
    # The example's file may carry an oas column already (modelled holdings quoted by OAS):
    # the sectors named here get the given spread, the others keep theirs.
    columns = list(rows[0].keys())
    writer = csv.DictWriter(out, columns if "oas" in columns else [*columns, "oas"])
    writer.writeheader()
    for row in rows:
        value = oas_by_sector.get(row["sector"])
        writer.writerow(row | {"oas": row.get("oas", "") if value is None else repr(value)})
    path = tmp_path / "holdings_oas.csv"
    path.write_text(out.getvalue())
    return path


def test_dts_exposure_is_the_dts_gap_from_each_holdings_spread_by_hand(tmp_path) -> None:
    levels = {"corporate": 99.0}
    dts = _analyze(
        _case(
            tmp_path,
            "dts",
            risk__credit_exposure="dts",
            benchmark__sector_spread_levels=levels,
        )
    )
    dv01 = _analyze(_case(tmp_path, "dv01"))
    doc = dts.to_json()
    holdings = doc["holdings"]
    mv = sum(h["market_value"] for h in holdings)
    # Portfolio DTS of the corporate sector: sum of w_i x spread duration_i x z-spread_i (bp).
    own = sum(
        h["market_value"] / mv * h["spread_duration"] * h["z_spread"] * 1e4
        for h in holdings
        if h["sector"] == "corporate"
    )
    bench = yaml.safe_load(CORE_PLUS.read_text())["benchmark"]
    bench_dts = bench["sector_weights"]["corporate"] * bench["sector_spread_durations"]["corporate"]
    bench_dts *= levels["corporate"]
    active = dts.active
    assert active.credit_exposure == "dts"
    assert active.dts_by_sector["corporate"] == pytest.approx(own, rel=1e-12)
    assert active.benchmark_dts_by_sector["corporate"] == pytest.approx(bench_dts, rel=1e-12)
    # Currency per 1 % relative widening: a 1 % move of an s bp spread is s / 100 bp.
    assert active.exposures["spread:corporate"] == pytest.approx(
        mv * (own - bench_dts) / 100.0 * 1e-4, rel=1e-12
    )
    # Only the credit sectors change convention; rates and other sectors are untouched.
    for name, value in dv01.active.exposures.items():
        if name != "spread:corporate":
            assert active.exposures[name] == pytest.approx(value, rel=1e-12, abs=1e-9)
    corp = next(f for f in active.risk_model.factors if f.name == "spread:corporate")
    assert corp.unit == "relative_pct" and corp.assumed
    # The plan says which convention was used, sector by sector.
    section = risk_model_section(dts, None)
    assert section.credit_exposure == "dts"
    assert section.spread.exposure["corporate"] == "dts"
    assert section.spread.exposure["securitized"] == "spread_dv01"
    assert any("duration times spread" in n for n in section.notes)
    assert risk_model_section(dv01, None).credit_exposure == "spread_dv01"


def test_dts_and_spread_dv01_tracking_error_agree_at_the_reference_level(tmp_path) -> None:
    """Invariant: every corporate spread at the table's reference level (the holdings' OAS and
    the benchmark's sector level), relative vol x reference = absolute vol: the same TE."""
    absolute = load_default_spread_table().lookup("corporate").vol_bp
    table = {
        "window": "test: absolute corporate vol over a 100 bp reference level",
        "sectors": {
            "corporate": {
                "relative_vol_pct": absolute,  # x 100 bp / 100 = the absolute vol
                "reference_spread_bp": 100.0,
                "source": "test",
                "assumed": True,
            }
        },
    }
    (tmp_path / "relative.json").write_text(json.dumps(table))
    holdings = _holdings_with_oas(tmp_path, {"corporate": 0.0100})
    dts = _analyze(
        _case(
            tmp_path,
            "dts",
            holdings=str(holdings),
            risk__credit_exposure="dts",
            risk__relative_spread_vols="relative.json",
            benchmark__sector_spread_levels={"corporate": 100.0},
        )
    )
    dv01 = _analyze(_case(tmp_path, "dv01", holdings=str(holdings)))
    te_dts, te_dv01 = dts.active.tracking_error, dv01.active.tracking_error
    assert te_dts is not None and te_dv01 is not None
    assert te_dts.total_bp == pytest.approx(te_dv01.total_bp, rel=1e-12)
    for group, value in te_dv01.by_group.items():
        assert te_dts.by_group[group] == pytest.approx(value, rel=1e-10, abs=1e-12)
    assert "relative_spreads" in dts.active.risk_model.window


def test_a_profile_without_the_credit_sectors_spread_level_is_a_located_error(tmp_path) -> None:
    path = _case(tmp_path, "dts", risk__credit_exposure="dts")
    with pytest.raises(InputError) as err:
        _analyze(path)
    (issue,) = err.value.issues
    assert issue.source == str(path)
    assert issue.column == "benchmark.sector_spread_levels.corporate"
    assert "corporate: 120" in issue.hint


def test_a_credit_holding_without_a_positive_spread_is_a_located_error(tmp_path) -> None:
    holdings = _holdings_with_oas(tmp_path, {"corporate": -0.0005})
    path = _case(
        tmp_path,
        "dts",
        holdings=str(holdings),
        risk__credit_exposure="dts",
        benchmark__sector_spread_levels={"corporate": 99.0},
    )
    with pytest.raises(InputError) as err:
        _analyze(path)
    issues = err.value.issues
    rows = csv.DictReader(io.StringIO(HOLDINGS.read_text()))
    corporates = [r["id"] for r in rows if r["sector"] == "corporate"]
    assert len(issues) == len(corporates)
    first = issues[0]
    assert first.source == str(holdings) and first.column == "oas"
    assert repr(corporates[0]) in first.reason and "-5.0 bp" in first.reason
    assert "oas column" in first.hint
    assert np.all([i.column == "oas" for i in issues])


BENCH_CSV = """id,face,coupon,maturity,yield,sector
B1,40000000,0.04,2026-06-30,0.043,government
B2,20000000,0.05,2033-08-15,0.052,corporate
B3,25000000,0.03,2043-05-15,0.045,corporate
B4,15000000,0.045,2053-02-15,0.046,securitized
"""


def test_a_holdings_benchmarks_dts_comes_from_its_own_holdings(tmp_path) -> None:
    (tmp_path / "bench.csv").write_text(BENCH_CSV)
    bench = {"name": "bench", "as_of": "2023-12-29", "holdings": str(tmp_path / "bench.csv")}
    analysis = _analyze(_case(tmp_path, "dts", benchmark=bench, risk__credit_exposure="dts"))
    book = analysis.benchmark_book
    assert book is not None
    risk = book.risk
    w = risk.market_value / risk.market_value.sum()
    corp = np.array([s == "corporate" for s in risk.sectors])
    # By hand: market-value weights x spread duration x z-spread (bp) over the corporates.
    by_hand = float(np.sum((w * risk.spread_duration * risk.computed.z_spread * 1e4)[corp]))
    assert by_hand > 0
    active = analysis.active
    assert active.benchmark_dts_by_sector == pytest.approx({"corporate": by_hand}, rel=1e-12)
    mv = active.market_value
    own = active.dts_by_sector["corporate"]
    assert active.exposures["spread:corporate"] == pytest.approx(
        mv * (own - by_hand) * 1e-6, rel=1e-12
    )

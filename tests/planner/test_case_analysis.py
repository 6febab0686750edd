"""Measure and compare: supplied analytics, sectors, benchmark gaps and tracking error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.cases import load_analysis_case
from hedge_planner.cli import app
from hedge_planner.models.benchmark import BenchmarkProfile, compare_to_benchmark, tracking_error
from hedge_planner.models.covariance_data import load_default_covariance
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.workflow import analyze_case
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
runner = CliRunner()


@pytest.fixture(scope="module")
def core_plus():
    case, name = load_analysis_case(CORE_PLUS)
    return analyze_case(case, name)


def _case_file(tmp_path: Path, holdings_csv: str, **extra: object) -> Path:
    base = yaml.safe_load(CORE_PLUS.read_text())
    (tmp_path / "h.csv").write_text(holdings_csv)
    base["holdings"] = "h.csv"
    base.update(extra)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base))
    return path


# --- tracking error ---------------------------------------------------------------------------


def test_tracking_error_of_zero_gap_is_zero() -> None:
    cov = np.asarray(load_default_covariance().subset(list(TENORS)).matrix)
    te, contrib = tracking_error(np.zeros(len(TENORS)), cov)
    assert te == 0.0
    assert not contrib.any()


def test_pure_2y_gap_tracking_error_is_vol_times_gap() -> None:
    cov_obj = load_default_covariance().subset(list(TENORS))
    cov = np.asarray(cov_obj.matrix)
    gap = np.zeros(len(TENORS))
    gap[TENORS.index("2y")] = 0.35
    te, contrib = tracking_error(gap, cov)
    vol_2y = float(np.sqrt(cov[2, 2]))
    assert te == pytest.approx(vol_2y * 0.35, rel=1e-12)
    assert contrib.sum() == pytest.approx(te, rel=1e-12)


def test_euler_contributions_add_up_to_tracking_error() -> None:
    cov = np.asarray(load_default_covariance().subset(list(TENORS)).matrix)
    gap = np.random.default_rng(3).normal(0, 0.3, len(TENORS))
    te, contrib = tracking_error(gap, cov)
    assert contrib.sum() == pytest.approx(te, rel=1e-12)
    assert te == pytest.approx(float(np.sqrt(gap @ cov @ gap)), rel=1e-12)


def test_stale_benchmark_is_flagged_and_unknown_tenor_refused() -> None:
    profile = BenchmarkProfile(
        as_of=dt.date(2023, 12, 29),
        rebalance_date=dt.date(2023, 9, 29),
        duration=6.0,
        krd={"2y": 2.0, "10y": 4.0},
    )
    comparison = compare_to_benchmark(
        portfolio_duration=6.5,
        portfolio_krd=np.r_[0, 0, 2.5, 0, 0, 0, 4.0, 0, 0],
        tenors=TENORS,
        market_value=1e8,
        profile=profile,
        covariance=load_default_covariance(),
        analysis_date=dt.date(2023, 12, 29),
    )
    assert comparison.duration_gap == pytest.approx(0.5)
    assert comparison.krd_gap["2y"] == pytest.approx(0.5)
    assert [f.code for f in comparison.flags] == ["benchmark_stale"]
    assert comparison.largest_mismatches[0].tenor == "2y"
    with pytest.raises(AnalyticsError, match="15y"):
        compare_to_benchmark(
            portfolio_duration=6.5,
            portfolio_krd=np.zeros(9),
            tenors=TENORS,
            market_value=1e8,
            profile=profile.model_copy(update={"krd": {"15y": 1.0}}),
            covariance=load_default_covariance(),
            analysis_date=dt.date(2023, 12, 29),
        )


# --- the core-plus case ----------------------------------------------------------------------


def test_portfolio_krds_sum_to_effective_duration(core_plus) -> None:
    """KRDs add up to effective duration (to the O(h^2) cross terms of central differences and
    the 4-decimal rounding of supplied MBS KRDs; the product's own check is 1%)."""
    p = core_plus.portfolio()
    assert p["krd_sum"] == pytest.approx(p["effective_duration"], rel=1e-4)
    assert p["dv01"] == pytest.approx(sum(p["krd_dv01"].values()), rel=1e-4)


def test_sector_contributions_add_up(core_plus) -> None:
    p = core_plus.portfolio()
    s = core_plus.sectors
    assert s["weight"].sum() == pytest.approx(1.0)
    assert s["duration_contribution"].sum() == pytest.approx(p["effective_duration"])
    assert s["dv01"].sum() == pytest.approx(p["dv01"])
    for tenor in TENORS:
        assert s[f"krd_{tenor}"].sum() == pytest.approx(p["krd"][tenor])
    assert list(s["sector"][:5]) == [
        "government",
        "agency",
        "corporate",
        "securitized",
        "municipal",
    ]


def test_sector_weights_are_market_value_shares(core_plus) -> None:
    """sector_weights: each sector's MV over the book's, summed by hand, in the table's order;
    the benchmark comparison's sector weights are these."""
    from hedge_planner.models.portfolio import sector_weights

    risk = core_plus.risk
    weights = sector_weights(risk)
    mv = risk.market_value
    total = sum(float(v) for v in mv)
    for sector, w in weights.items():
        by_hand = sum(float(v) for v, s in zip(mv, risk.sectors, strict=True) if s == sector)
        assert w == pytest.approx(by_hand / total, rel=1e-12)
    assert list(weights) == list(core_plus.sectors["sector"])
    assert list(weights.values()) == list(core_plus.sectors["weight"])


def test_supplied_analytics_are_used_and_labelled(tmp_path: Path) -> None:
    # The example's pools are modelled now; the same pool with its vendor figures only (no kind,
    # quoted by its former yield) exercises the supplied path.
    import csv

    rows = {r["id"]: r for r in csv.DictReader((CORE_PLUS.parent / "holdings.csv").open())}
    pool = dict(
        rows["MBS-001"],
        **{
            "yield": "0.045356",
            "price": "",
            "oas": "",
            "kind": "",
            "wac": "",
            "wam_months": "",
            "wala_months": "",
            "delay_days": "",
            "prepayment": "",
        },
    )
    names = list(pool)
    text = (
        ",".join(names)
        + "\n"
        + "\n".join(",".join(r.get(n, "") for n in names) for r in (pool, rows["UST-001"]))
    )
    case, name = load_analysis_case(_case_file(tmp_path, text + "\n"))
    supplied_case = analyze_case(case, name)
    risk = supplied_case.risk
    i = risk.ids.index("MBS-001")
    row = supplied_case.holdings.rows[i]
    assert risk.source[i] == "supplied"
    assert risk.effective_duration[i] == row.effective_duration
    assert risk.effective_convexity[i] == row.effective_convexity
    assert risk.krd.krd[i, TENORS.index("5y")] == row.krd["5y"]
    # The engine's bullet-equivalent is kept beside it and the difference flagged.
    codes = {(f.code, f.holding) for f in supplied_case.flags}
    assert ("supplied_vs_computed_duration", "MBS-001") in codes
    j = risk.ids.index("UST-001")
    assert risk.source[j] == "computed"
    assert risk.effective_duration[j] == risk.computed.effective_duration[j]


def test_supplied_duration_without_krds_scales_the_computed_profile(tmp_path: Path) -> None:
    csv = (
        "id,face,coupon,maturity,yield,sector,effective_duration\n"
        "CALL1,1000000,0.05,2033-06-15,0.045,agency,3.0\n"
        "UST1,1000000,0.04,2033-06-15,0.039,government,\n"
    )
    case, name = load_analysis_case(_case_file(tmp_path, csv))
    a = analyze_case(case, name)
    krd = a.risk.krd.krd
    assert krd[0].sum() == pytest.approx(3.0, rel=1e-12)
    computed = a.risk.computed.krd.krd[0]
    np.testing.assert_allclose(krd[0] / krd[0].sum(), computed / computed.sum(), rtol=1e-12)
    assert a.risk.source[0] == "mixed"
    # Missing supplied spread duration falls back to the supplied effective duration.
    assert a.risk.spread_duration[0] == 3.0


def test_krd_at_a_non_key_tenor_is_an_input_error(tmp_path: Path) -> None:
    csv = (
        "id,face,coupon,maturity,yield,effective_duration,krd_15y\nM,100,0.05,2040-01-01,0.05,4,1\n"
    )
    code = runner.invoke(app, ["analyze", str(_case_file(tmp_path, csv))])
    assert code.exit_code == 2
    assert "krd_15y" in code.stderr


def test_benchmark_given_as_identical_holdings_has_zero_gap(tmp_path: Path) -> None:
    csv = (ROOT / "examples" / "core_plus" / "holdings.csv").read_text()
    bench = {
        "name": "self",
        "as_of": "2023-12-29",
        "rebalance_date": "2023-12-29",
        "holdings": "h.csv",
    }
    case, name = load_analysis_case(_case_file(tmp_path, csv, benchmark=bench))
    b = analyze_case(case, name).benchmark
    assert b is not None
    assert b.duration_gap == pytest.approx(0.0, abs=1e-12)
    assert max(abs(v) for v in b.krd_gap.values()) < 1e-12
    assert b.tracking_error_bp == pytest.approx(0.0, abs=1e-9)


def test_covariance_estimated_from_a_user_history(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    header = "Date,6 Mo,1 Yr,2 Yr,3 Yr,5 Yr,7 Yr,10 Yr,20 Yr,30 Yr"
    levels = 4.0 + np.cumsum(rng.normal(0, 0.05, (300, 9)), axis=0)
    days = [dt.date(2023, 1, 2) + dt.timedelta(days=i) for i in range(300)]
    lines = [header] + [
        f"{d.month}/{d.day}/{d.year % 100:02d}," + ",".join(f"{v:.2f}" for v in row)
        for d, row in zip(days, levels, strict=True)
    ]
    (tmp_path / "hist.csv").write_text("\n".join(reversed(lines[1:])) and "\n".join(lines))
    csv = "id,face,coupon,maturity,yield\nUST1,1000000,0.04,2033-06-15,0.039\n"
    spec = {"source": "history", "path": "hist.csv", "lookback_days": 200, "halflife_days": 60}
    case, name = load_analysis_case(_case_file(tmp_path, csv, covariance=spec))
    a = analyze_case(case, name)
    assert a.covariance.metadata.n_obs == 200
    assert a.covariance.metadata.halflife == 60


def test_case_schema_errors_are_all_reported(tmp_path: Path) -> None:
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["curves"]["treasury"]["par_yields"]["10y"] = 3.88
    base["risk"]["key_tenors"] = ["2y", "5y", "10y"]
    base["unexpected"] = 1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(base))
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 2
    err = result.stderr
    assert "curves.treasury.par_yields" in err and "percentage" in err
    assert "risk.key_tenors" in err and "30y" in err
    assert "unexpected" in err


# --- CLI contract ------------------------------------------------------------------------------


def test_analyze_case_json_contract() -> None:
    result = runner.invoke(app, ["analyze", str(CORE_PLUS), "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    h = doc["holdings"][0]
    for key in (
        "effective_duration",
        "effective_convexity",
        "spread_duration",
        "krd",
        "krd_dv01",
        "source",
    ):
        assert key in h
    assert set(h["krd"]) == set(TENORS)
    p = doc["portfolio"]
    for key in ("effective_duration", "effective_convexity", "krd", "krd_dv01", "sectors"):
        assert key in p
    b = p["benchmark"]
    for key in ("duration_gap", "krd_gap", "largest_mismatches", "tracking_error_bp"):
        assert key in b
    assert b["duration_gap"] == pytest.approx(p["effective_duration"] - b["duration"])


def test_analyze_case_from_standard_input_is_detected_as_yaml(tmp_path: Path) -> None:
    text = CORE_PLUS.read_text().replace(
        "holdings: holdings.csv", f"holdings: {ROOT / 'examples' / 'core_plus' / 'holdings.csv'}"
    )
    result = runner.invoke(app, ["analyze", "-", "--json"], input=text)
    assert result.exit_code == 0, result.stderr
    assert "benchmark" in json.loads(result.stdout)["portfolio"]

"""The dashboard and the HTML exposure section agree with the risk model: without a hedge the
dashboard's tracking error is the multi-factor one (not key rates only), its mismatches are the
KRD gaps in the case's convention, and the exposure section shows spread risk by sector."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.cases import load_analysis_case
from hedge_planner.cli import app
from hedge_planner.plan import dashboard, exposure, risk_model_section
from hedge_planner.workflow import analyze_case
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


def _no_hedge_case(tmp_path: Path, convention: str = "benchmark") -> Path:
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    base.pop("hedge")
    base["risk"]["krd_convention"] = convention
    path = tmp_path / f"case_{convention}.yaml"
    path.write_text(yaml.safe_dump(base, default_flow_style=False))
    return path


def _analysis(path: Path):
    case, name = load_analysis_case(path)
    return analyze_case(case, name)


def test_no_hedge_dashboard_tracking_error_is_the_multi_factor_one(tmp_path) -> None:
    analysis = _analysis(_no_hedge_case(tmp_path))
    dash = dashboard(analysis, None)
    section = risk_model_section(analysis, None)
    assert section.pre_hedge is not None
    te = section.pre_hedge.tracking_error
    assert dash.tracking_error_bp.before == pytest.approx(te.total_bp, rel=1e-12)
    bench = exposure(analysis).benchmark
    assert bench is not None
    assert dash.tracking_error_bp.before == pytest.approx(bench.tracking_error_bp, rel=1e-12)
    # By hand: the key-rate part alone is sqrt(g' S g) of the KRD gap; the dashboard must
    # carry the spread risk on top (the example's corporate overweight).
    gap = np.array([analysis.benchmark.krd_gap[t] for t in analysis.tenors])
    cov = np.asarray(analysis.covariance.matrix)
    rates_only = float(np.sqrt(gap @ cov @ gap))
    assert te.by_group["spread:corporate"] > 10.0
    assert dash.tracking_error_bp.before > rates_only + 10.0


def test_no_hedge_mismatches_are_the_gaps_in_the_cases_convention(tmp_path) -> None:
    analysis = _analysis(_no_hedge_case(tmp_path, "par"))
    assert analysis.active.convention.rate_basis == "par"
    mismatches = dashboard(analysis, None).largest_mismatches.before
    assert mismatches
    for m in mismatches:
        assert m.gap_years == pytest.approx(analysis.benchmark.krd_gap[m.tenor], rel=1e-10)


def test_html_exposure_section_shows_spread_risk_by_sector(tmp_path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(_no_hedge_case(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    html = (out / "report.html").read_text()
    section = html[html.index('id="exposure"') :]
    section = section[: section.index("</section>")]
    assert "Spread risk by sector" in section
    table = section[section.index("Spread risk by sector") :]
    table = table[: table.index("</table>")]
    rows = {}
    for tr in table.split("<tr")[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", tr)
        ]
        rows[cells[0]] = cells
    spread = plan["risk_model"]["spread"]
    mv = plan["exposure"]["portfolio"]["market_value"]
    for sector, gap in spread["gap"].items():
        own = spread["portfolio_spread_dv01"][sector]
        # Spread duration contribution = spread DV01 / (MV x 1e-4), years.
        own_sd = spread["portfolio_spread_duration"][sector]
        assert own_sd == pytest.approx(own / (mv * 1e-4), rel=1e-12)
        bench_sd = spread["benchmark_spread_duration"][sector]
        share = spread["share_of_tracking_error"][sector]
        assert rows[sector] == [
            sector,
            "spread DV01",
            f"{own_sd:,.4f}",
            f"{bench_sd:,.4f}",
            f"{own_sd - bench_sd:,.4f}",
            f"{own:,.0f}",
            f"{spread['benchmark_spread_dv01'][sector]:,.0f}",
            f"{gap:,.0f}",
            f"{100 * share:,.2f}%",
        ]
    assert plan["dashboard"]["tracking_error_bp"]["before"] == pytest.approx(
        plan["risk_model"]["pre_hedge"]["tracking_error"]["total_bp"], rel=1e-12
    )


def _rows(html: str, start: str) -> dict[str, list[str]]:
    table = html[html.index(start) :]
    table = table[: table.index("</table>")]
    out = {}
    for tr in table.split("<tr")[1:]:
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr)
        out[re.sub(r"<[^>]+>", "", cells[0]).strip()] = [
            re.sub(r"<[^>]+>", "", c) for c in cells[1:]
        ]
    return out


def test_par_basis_krd_table_rows_are_one_measure(tmp_path) -> None:
    """On the par basis the KRD table's portfolio, benchmark, gap and hedged rows are all par:
    gap = portfolio - benchmark, and hedged - benchmark = the dashboard's post-hedge gaps."""
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    base["risk"]["krd_convention"] = "par"
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base, default_flow_style=False))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    rows = _rows((out / "report.html").read_text(), "<h3>Key rate durations")
    tenors = plan["key_tenors"]
    own = [float(v) for v in rows["Portfolio KRD, par basis (years)"]]
    bench = [float(v) for v in rows["Benchmark KRD, par basis (years)"]]
    gap = [float(v) for v in rows["Gap (years)"]]
    hedged = [float(v) for v in rows["Hedged portfolio KRD, par basis (years)"]]
    krd_par = plan["exposure"]["portfolio"]["krd_par"]
    assert own == pytest.approx([krd_par[t] for t in tenors], abs=5e-5)
    assert gap == pytest.approx(np.subtract(own, bench).tolist(), abs=2e-4)
    after = {m["tenor"]: m["gap_years"] for m in plan["dashboard"]["largest_mismatches"]["after"]}
    assert after
    for tenor, value in after.items():
        k = tenors.index(tenor)
        assert hedged[k] - bench[k] == pytest.approx(value, abs=2e-4)

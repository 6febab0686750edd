"""Options on futures, SOFR caps and CDX in the hedge universe, the instruments JSON and the plan.

References: the instruments JSON's own rows cross-checked against each other (an option's DV01 =
its delta x the underlying future's DV01 row), the half spread = vega x the case's half spread
in vol, and the plan's post-hedge corporate spread exposure recomputed by hand from the pre-hedge
exposure plus beta x spread DV01 x the CDX trade; the same case without the CDX for the
tracking-error comparison, and the basis factor's Euler contribution against its stand-alone
size (an uncorrelated factor contributes its variance / TE).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hedge_planner.cases import load_analysis_case
from hedge_planner.cli import app
from hedge_planner.hedging import build_universe
from hedge_planner.models.errors import InputError
from hedge_planner.workflow import analyze_case
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
runner = CliRunner()


def _case(tmp_path: Path, name: str, edit=None) -> Path:
    """The example (its universe has the CDX IG index), with ``edit`` applied."""
    case = yaml.safe_load(CORE_PLUS.read_text())
    case["holdings"] = str(CORE_PLUS.parent / "holdings.csv")
    assert [c["series"] for c in case["hedge"]["universe"]["cdx"]] == ["IG"]
    if edit is not None:
        edit(case)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def instruments(tmp_path_factory) -> list[dict]:
    path = _case(tmp_path_factory.mktemp("instruments"), "with_cdx")
    result = runner.invoke(app, ["instruments", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["instruments"]


def test_new_kinds_and_vega_in_instruments_json(instruments) -> None:
    by_kind = {}
    for inst in instruments:
        by_kind.setdefault(inst["kind"], []).append(inst)
        assert "vega" in inst
    assert {"future_option", "cap", "cdx"} <= set(by_kind)
    for kind in ("future", "swap", "cdx"):
        assert all(i["vega"] == 0.0 for i in by_kind[kind])
    for kind in ("future_option", "cap", "swaption"):
        assert all(i["vega"] > 0 for i in by_kind[kind])
    put = by_kind["future_option"][0]
    ty = next(i for i in by_kind["future"] if i["instrument"] == put["details"]["underlying"])
    assert put["dv01"] == pytest.approx(put["details"]["delta"] * ty["dv01"], rel=1e-12)
    assert put["dv01"] < 0 < ty["dv01"]
    assert put["half_spread"] == pytest.approx(put["vega"] * 0.002, rel=1e-12)
    assert put["details"]["early_exercise_premium_per_100"] >= 0
    cap = by_kind["cap"][0]
    assert cap["dv01"] < 0  # a long cap gains when rates rise
    assert sum(cap["details"]["vega_by_expiry"].values()) == pytest.approx(cap["vega"])
    cdx = by_kind["cdx"][0]
    assert cdx["dv01"] == 0.0 and not any(cdx["krd"].values())
    assert cdx["carry"] == pytest.approx(0.01 * 90 / 360)  # IG coupon accrued over 90 days


@pytest.mark.slow
def test_cdx_cuts_spread_tracking_error_and_basis_is_residual(tmp_path, instruments) -> None:
    def plan(name: str, edit=None) -> dict:
        out = tmp_path / name
        result = runner.invoke(app, ["plan", str(_case(tmp_path, name, edit)), "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        return json.loads((out / "plan.json").read_text())

    with_cdx = plan("with")
    without = plan("without", lambda c: c["hedge"]["universe"].pop("cdx"))
    for doc in (with_cdx, without):  # both proven: the comparison is of two optima
        solver = doc["hedge"]["solver"]
        assert solver["status"] == "optimal" and solver["bound"] <= solver["objective"]
    te_with = with_cdx["risk_model"]["post_hedge"]["tracking_error"]
    te_without = without["risk_model"]["post_hedge"]["tracking_error"]
    assert te_with["total_bp"] < te_without["total_bp"]
    corp = "spread:corporate"
    assert abs(te_with["by_group"][corp]) < abs(te_without["by_group"][corp])
    trade = next(t for t in with_cdx["hedge"]["trades"] if t["kind"] == "cdx")
    assert trade["quantity"] < 0  # the book is overweight corporate spread: buy protection
    cdx = next(i for i in instruments if i["kind"] == "cdx")
    sdv01 = cdx["details"]["spread_dv01"]
    pre = with_cdx["risk_model"]["pre_hedge"]["exposures"][corp]
    post = with_cdx["risk_model"]["post_hedge"]["exposures"][corp]
    assert post == pytest.approx(pre + cdx["details"]["beta"] * sdv01 * trade["quantity"])
    basis = abs(sdv01 * trade["quantity"]) * 15.0
    note = next(n for n in with_cdx["risk_model"]["notes"] if "index-vs-book basis" in n)
    assert f"{basis:,.0f} a year" in note
    # The basis is a factor of the model the optimiser minimised: the optimiser's post-hedge TE
    # is the risk model's, and the basis factor (uncorrelated with the rest) contributes
    # basis^2 / TE by Euler's rule, currency.
    assert with_cdx["hedge"]["post_hedge"]["tracking_error_bp"] == pytest.approx(
        te_with["total_bp"], rel=1e-9
    )
    assert te_with["by_group_currency"]["cdx_basis"] == pytest.approx(
        basis**2 / te_with["total_currency"], rel=1e-9
    )
    # Without basis risk the optimiser buys more protection: it did see the basis.
    free = plan("free", lambda c: c["hedge"]["universe"]["cdx"][0].update(basis_vol_bp=0.0))
    free_trade = next(t for t in free["hedge"]["trades"] if t["kind"] == "cdx")
    assert abs(free_trade["quantity"]) > abs(trade["quantity"])


def test_option_on_a_future_missing_from_the_universe_is_located(tmp_path) -> None:
    def edit(case: dict) -> None:
        case["hedge"]["universe"]["future_options"][0]["code"] = "ZZ"

    spec, name = load_analysis_case(str(_case(tmp_path, "bad", edit)))
    analysis = analyze_case(spec, name)
    assert spec.hedge is not None
    with pytest.raises(InputError) as err:
        build_universe(analysis, spec.hedge, name)
    text = str(err.value)
    assert "hedge.universe.future_options[0]" in text and "no futures entry ZZ" in text


def test_vega_buckets_in_one_normal_vol_unit(tmp_path) -> None:
    from hedge_planner.derivative_hedges import normal_vega_buckets

    spec, name = load_analysis_case(str(_case(tmp_path, "vega")))
    analysis = analyze_case(spec, name)
    assert spec.hedge is not None
    members = build_universe(analysis, spec.hedge, name)
    rows = [(m.spec, m.instrument, m.risk) for m in members]
    kinds = [m.risk.kind for m in members]
    q = [0.0] * len(members)
    i_swo, i_cap, i_opt = kinds.index("swaption"), kinds.index("cap"), kinds.index("future_option")
    q[i_swo], q[i_cap], q[i_opt] = 1e8, 2e8, 300.0
    buckets = normal_vega_buckets(rows, q)
    swo, cap, opt = members[i_swo].risk, members[i_cap].risk, members[i_opt].risk
    assert buckets["1yx10y"] == pytest.approx(swo.details["vega_per_vol_unit"] * 1e8)
    cap_total = sum(v for k, v in buckets.items() if k.endswith("x3m"))
    assert cap_total == pytest.approx(cap.details["vega"] * 1e-4 * 2e8)
    fut = next(m.risk for m in members if m.name == opt.details["underlying"])
    # sigma_price F = sigma_normal |dF/dy|: 1 bp of normal vol = |dF/dy| / F * 1e-4 of price vol.
    dfdy = fut.dv01 / 1e-4 / 1000.0
    expected = opt.details["vega"] * dfdy / opt.details["futures_price"] * 1e-4 * 300.0
    assert buckets[f"{opt.details['expiry_date']}x{fut.name}"] == pytest.approx(expected)
    assert normal_vega_buckets(rows, [0.0] * len(members)) == {}


def test_cdx_basis_factor_adds_its_variance_and_nothing_else(tmp_path) -> None:
    import numpy as np
    from hedge_planner.derivative_hedges import basis_loadings, hedge_risk_model

    spec, name = load_analysis_case(str(_case(tmp_path, "basis")))
    analysis = analyze_case(spec, name)
    assert spec.hedge is not None
    members = build_universe(analysis, spec.hedge, name)
    book = analysis.active.risk_model
    model = hedge_risk_model(book, [(m.name, m.spec, m.instrument) for m in members])
    cdx = next(m for m in members if m.risk.kind == "cdx")
    n = len(book.factors)
    assert model.names[:n] == book.names and len(model.names) == n + 1
    np.testing.assert_array_equal(model.covariance[:n, :n], book.covariance)
    assert not model.covariance[n, :n].any()
    q = -3.0e8
    loads = basis_loadings(cdx.name, cdx.instrument, q)
    te = model.tracking_error(loads, analysis.active.market_value)
    # Hand reference: |spread DV01 per unit x q| x basis vol (15 bp/yr by default).
    assert te.total_currency == pytest.approx(abs(cdx.risk.details["spread_dv01"] * q) * 15.0)
    # Without a CDX the book's model is returned as is.
    rates = [(m.name, m.spec, m.instrument) for m in members if m.risk.kind != "cdx"]
    assert hedge_risk_model(book, rates) is book

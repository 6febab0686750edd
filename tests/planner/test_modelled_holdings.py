"""Callables, putables and MBS in the case workflow: inputs, the example's figures, the checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml
from hedge_planner.cases import load_analysis_case
from hedge_planner.io import parse_holdings_csv
from hedge_planner.models.errors import InputError
from hedge_planner.quality import _oas
from hedge_planner.workflow import analyze_case

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
SETTLE = dt.date(2023, 12, 29)
TENORS = ("6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")


@pytest.fixture(scope="module")
def core_plus():
    case, name = load_analysis_case(CORE_PLUS)
    return analyze_case(case, name)


def _case_file(tmp_path: Path, holdings_csv: str, **extra: object) -> Path:
    base = yaml.safe_load(CORE_PLUS.read_text())
    (tmp_path / "h.csv").write_text(holdings_csv)
    base["holdings"] = "h.csv"
    base.pop("benchmark")
    base.pop("hedge")
    base.update(extra)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base))
    return path


def _row(a, hid):
    i = a.risk.ids.index(hid)
    return i, a.yield_frame.iloc[i]


def test_example_pools_come_out_at_plausible_prices(core_plus) -> None:
    # 2023-12-29: UMBS 30y 2.0% traded near 80, 6.5% near 102.5 (OAS 40-70 bp over Treasuries).
    _, two = _row(core_plus, "MBS-003")
    _, six_half = _row(core_plus, "MBS-001")
    assert 70 < two["clean_price"] < 90
    assert 98 < six_half["clean_price"] < 108
    m = core_plus.modelled
    assert m is not None
    k_two, k_six = m.row(_row(core_plus, "MBS-003")[0]), m.row(_row(core_plus, "MBS-001")[0])
    assert m.convexity[k_six] < 0 < m.convexity[k_two]  # premium pool negatively convex
    assert m.duration[k_two] > m.duration[k_six]
    assert 0 < m.wal[k_six] < m.wal[k_two]


def test_modelled_holdings_use_option_adjusted_figures(core_plus) -> None:
    risk, m = core_plus.risk, core_plus.modelled
    assert m is not None
    for hid in ("MBS-001", "CALL-001", "CALL-002", "CALL-003"):
        i = risk.ids.index(hid)
        k = m.row(i)
        assert risk.source[i] == "modelled"
        assert risk.effective_duration[i] == m.duration[k]
        assert risk.effective_convexity[i] == m.convexity[k]
        np.testing.assert_array_equal(risk.krd.krd[i], m.krd[k])
        assert risk.krd.krd[i].sum() == pytest.approx(m.duration[k], rel=1e-12)
        # Price-quoted: the model's price at the solved OAS is the quoted dirty price.
        assert m.dirty_price[k] == pytest.approx(core_plus.yield_frame["dirty_price"][i], abs=1e-9)
    # The example's prices are the model's at OAS drawn by the generator (CALL-001: 54 bp), so
    # solving for the OAS recovers it to the price rounding (1e-6 per 100).
    assert m.oas[m.row(risk.ids.index("CALL-001"))] == pytest.approx(0.0054, abs=1e-6)
    # CALL-001 (5.75% 2038, Bermudan from 2025-10-28, near par): the call moves its risk from
    # the 10y/20y keys of the bullet it was priced as toward the call dates.
    i = risk.ids.index("CALL-001")
    used = risk.krd.krd[i] / risk.krd.krd[i].sum()
    bullet = risk.computed.krd.krd[i] / risk.computed.krd.krd[i].sum()
    front, back = [TENORS.index(t) for t in ("2y", "3y")], [TENORS.index("20y")]
    assert used[front].sum() > 0.25 > 5 * bullet[front].sum()
    assert used[back].sum() < bullet[back].sum() / 2
    assert risk.effective_duration[i] < risk.computed.effective_duration[i] / 2
    assert m.model[m.row(i)] == "hull_white_lattice"
    assert m.model[m.row(risk.ids.index("MBS-001"))] == "hull_white_monte_carlo"


def test_supplied_vendor_figures_are_reconciled_and_unit_checked(core_plus) -> None:
    codes = {(f.code, f.holding) for f in core_plus.flags}
    # The example's vendor convexities (-0.4 to -1.8) are per-100 figures.
    assert ("convexity_unit", "MBS-001") in codes
    assert ("supplied_vs_modelled_duration", "MBS-001") in codes
    msg = next(f.message for f in core_plus.flags if f.code == "convexity_unit")
    assert "per-100" in msg and "years^2" in msg


def test_quality_check_tests_the_method_used(core_plus, tmp_path: Path) -> None:
    assert _oas(core_plus).status == "pass"
    # The same pool with vendor figures only (no kind): the check no longer passes.
    csv = (
        "id,face,coupon,maturity,yield,frequency,day_count,sector,description,"
        "effective_duration,effective_convexity\n"
        "MBS-X,1000000,0.05,2053-01-01,0.055,12,30/360,securitized,agency MBS pool,6.0,-80\n"
        "UST1,1000000,0.04,2033-06-15,0.039,2,ACT/ACT,government,,,\n"
    )
    case, name = load_analysis_case(_case_file(tmp_path, csv))
    a = analyze_case(case, name)
    check = _oas(a)
    assert check.status == "warn" and "MBS-X" in check.detail
    assert a.risk.source[0] == "supplied"


def test_supplied_only_convexity_in_per_100_units_is_flagged(tmp_path: Path) -> None:
    csv = (
        "id,face,coupon,maturity,yield,frequency,sector,effective_duration,effective_convexity\n"
        "P1,1000000,0.05,2053-01-01,0.055,12,securitized,5.5,-0.82\n"
        "P2,1000000,0.05,2053-01-01,0.055,12,securitized,5.5,-82\n"
    )
    case, name = load_analysis_case(_case_file(tmp_path, csv))
    a = analyze_case(case, name)
    flagged = {f.holding for f in a.flags if f.code == "convexity_unit"}
    assert flagged == {"P1"}


def test_csv_terms_are_parsed() -> None:
    text = (
        "id,face,coupon,maturity,oas,kind,call_schedule,call_style,notice_days,wac,"
        "wam_months,wala_months,prepayment,frequency\n"
        "C1,1000000,0.055,2033-06-15,0.004,callable,2025-06-15:101;2026-06-15:100,bermudan,"
        ",,,,,2\n"
        "P1,1000000,0.05,2053-01-01,0.005,mbs,,,,0.057,348,12,psa:150,12\n"
        "Q1,1000000,0.05,2033-06-15,0.004,putable,2027-06-15:100,american,5,,,,,2\n"
    )
    rows = parse_holdings_csv(text, "h.csv", SETTLE).rows
    assert rows[0].call_schedule == ((dt.date(2025, 6, 15), 101.0), (dt.date(2026, 6, 15), 100.0))
    assert rows[0].quoted_by == "oas" and rows[0].modelled
    assert rows[1].prepayment == ("psa", 150.0) and rows[1].wac == 0.057
    assert rows[2].kind == "putable" and rows[2].notice_days == 5


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ("P1,1000000,0.05,2053-01-01,0.005,mbs,,,,,,,refi,12", "wac", "WAC"),
        ("P1,1000000,0.05,2053-01-01,0.005,mbs,,,,0.045,,,refi,12", "wac", "below"),
        ("P1,1000000,0.05,2053-01-01,0.005,mbs,,,,0.057,,,fast:3,12", "prepayment", "cpr"),
        ("C1,1000000,0.05,2033-06-15,0.004,callable,,,,,,,,2", "call_schedule", "schedule"),
        ("C1,1000000,0.05,2033-06-15,0.004,bullet,2025-06-15:100,,,,,,,2", "call_schedule", ""),
        ("C1,1000000,0.05,2033-06-15,0.004,callable,2025-06-15,,,,,,,2", "call_schedule", "PRICE"),
        (
            "C1,1000000,0.05,2033-06-15,0.004,callable,2034-06-15:100,,,,,,,2",
            "call_schedule",
            "maturity",
        ),
        ("B1,1000000,0.05,2033-06-15,0.004,,,,,,,,,2", "yield/price", "oas"),
        ("P1,1000000,0.05,2053-01-01,0.005,mbs,,,,0.057,,,refi,2", "frequency", "monthly"),
    ],
)
def test_bad_terms_get_located_errors(cells: str, column: str, words: str) -> None:
    header = (
        "id,face,coupon,maturity,oas,kind,call_schedule,call_style,notice_days,wac,"
        "wam_months,wala_months,prepayment,frequency\n"
    )
    with pytest.raises(InputError) as info:
        parse_holdings_csv(header + cells + "\n", "h.csv", SETTLE)
    found = [(i.row, i.column, f"{i.reason} {i.hint}") for i in info.value.issues]
    assert any(r == 2 and c == column and words in text for r, c, text in found), found


def test_inline_case_holdings_take_the_same_terms(tmp_path: Path) -> None:
    base = yaml.safe_load(CORE_PLUS.read_text())
    base.pop("benchmark")
    base.pop("hedge")
    base["holdings"] = [
        {
            "id": "C1",
            "face": 1e6,
            "coupon": 0.0575,
            "maturity": "2033-06-15",
            "oas": 0.004,
            "kind": "callable",
            "call_style": "bermudan",
            "call_schedule": [
                {"date": "2025-06-15", "price": 100},
                {"date": "2027-06-15", "price": 100},
            ],
        },
        {
            "id": "P1",
            "face": 1e6,
            "coupon": 0.05,
            "maturity": "2053-01-01",
            "price": 98.5,
            "frequency": 12,
            "kind": "mbs",
            "wac": 0.0572,
            "wala_months": 12,
            "prepayment": {"model": "psa", "speed": 200},
        },
    ]
    base["models"] = {"short_rate": {"volatility": 0.012, "paths": 64, "shift_bp": 20}}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base))
    case, name = load_analysis_case(path)
    a = analyze_case(case, name)
    m = a.modelled
    assert m is not None and m.model == ("hull_white_lattice", "static_prepayment")
    # Price-quoted pool: its model price at the solved OAS is the quoted dirty price.
    assert m.dirty_price[1] == pytest.approx(a.yield_frame["dirty_price"][1], abs=1e-9)
    assert a.risk.market_value[1] == pytest.approx(1e6 * m.dirty_price[1] / 100, rel=1e-12)


def test_unknown_model_option_is_a_located_error(tmp_path: Path) -> None:
    base = yaml.safe_load(CORE_PLUS.read_text())
    base["models"] = {"short_rate": {"volatility": 0.01, "mean_reverson": 0.1}}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base))
    with pytest.raises(InputError) as info:
        load_analysis_case(path)
    assert any("models.short_rate" in str(i.column) for i in info.value.issues)


def test_cashflows_command_prints_a_psa_pool_as_json(tmp_path: Path) -> None:
    import json

    from hedge_planner.cli import app
    from typer.testing import CliRunner

    base = yaml.safe_load(CORE_PLUS.read_text())
    base.pop("benchmark")
    base.pop("hedge")
    # The textbook pool: $400m 7.5% pass-through, WAC 8.125%, WAM 357, seasoned 3 months.
    base["holdings"] = [
        {
            "id": "PSA100",
            "face": 400e6,
            "coupon": 0.075,
            "maturity": "2053-09-01",
            "price": 100,
            "frequency": 12,
            "kind": "mbs",
            "wac": 0.08125,
            "wam_months": 357,
            "wala_months": 3,
            "prepayment": "psa:100",
        },
    ]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(base))
    result = CliRunner().invoke(app, ["cashflows", str(path), "--id", "PSA100", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["id"] == "PSA100" and len(doc["cashflows"]) == 357
    first = doc["cashflows"][0]
    assert set(first) == {
        "month",
        "date",
        "beginning_balance",
        "smm",
        "scheduled_principal",
        "prepayment",
        "net_interest",
        "total_cash_flow",
    }
    assert first["total_cash_flow"] == pytest.approx(3_035_005, abs=0.5)
    assert first["date"] == "2024-01-25"
    bad = CliRunner().invoke(app, ["cashflows", str(path), "--id", "NOPE", "--json"])
    assert bad.exit_code == 2 and bad.stdout == ""

"""`hedge-planner instruments`: the per-unit figures of the hedge universe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hedge_planner.cli import app
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def document() -> dict:
    result = runner.invoke(app, ["instruments", str(CORE_PLUS), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_every_instrument_is_listed_with_per_unit_figures(document: dict) -> None:
    insts = document["instruments"]
    assert [i["kind"] for i in insts].count("future") == 6
    assert [i["kind"] for i in insts].count("swap") == 8
    assert [i["kind"] for i in insts].count("swaption") == 4
    for inst in insts:
        for key in ("dv01", "krd", "convexity", "carry", "margin"):
            assert key in inst
        # KRDs of an instrument add up to its DV01 (tent shifts sum to a parallel shift).
        assert sum(inst["krd"].values()) == pytest.approx(inst["dv01"], rel=1e-2)


def test_futures_carry_the_basis_details(document: dict) -> None:
    for inst in (i for i in document["instruments"] if i["kind"] == "future"):
        for key in ("ctd", "conversion_factor", "implied_repo", "net_basis", "roll_date"):
            assert inst[key] is not None
        # At the theoretical futures price the CTD's implied repo equals the repo rate and its
        # net basis is zero.
        assert inst["implied_repo"] == pytest.approx(0.0535, abs=1e-10)
        assert inst["net_basis"] == pytest.approx(0.0, abs=1e-9)
        # March 2024 contracts reach first notice (2024-02-29) before a 90-day horizon.
        assert inst["roll_date"] == "2024-02-29"
        assert inst["rolls_before_horizon"] is True


def test_receiver_swaps_and_swaptions_gain_when_rates_fall(document: dict) -> None:
    for inst in document["instruments"]:
        if inst["kind"] == "swap" or "receiver" in inst["instrument"]:
            assert inst["dv01"] > 0
        if inst["kind"] == "swaption":
            assert inst["convexity"] > 0  # long options: the convexity tool


def test_missing_sofr_curve_is_explained(tmp_path: Path) -> None:
    case = yaml.safe_load(CORE_PLUS.read_text())
    del case["curves"]["sofr"]
    case["holdings"] = str(ROOT / "examples" / "core_plus" / "holdings.csv")
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case))
    result = runner.invoke(app, ["instruments", str(path)])
    assert result.exit_code == 2
    assert "curves.sofr" in result.stderr and "SOFR curve" in result.stderr


def test_undeliverable_basket_bond_is_located(tmp_path: Path) -> None:
    case = yaml.safe_load(CORE_PLUS.read_text())
    case["holdings"] = str(ROOT / "examples" / "core_plus" / "holdings.csv")
    case["hedge"]["universe"]["futures"][2]["basket"][0]["maturity"] = "2026-01-15"
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case))
    result = runner.invoke(app, ["instruments", str(path)])
    assert result.exit_code == 2
    assert "hedge.universe.futures[2]" in result.stderr

"""The Python API (``import hedge_planner``): loading, stages, typed results, DataFrames."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import hedge_planner as hp
import hedge_planner.api
import numpy as np
import pandas as pd
import pytest
from hedge_planner.document import Plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"
HOLDINGS = EXAMPLE.parent / "holdings.csv"


@pytest.fixture(scope="module")
def example() -> hp.Case:
    case = hp.load_case(EXAMPLE)
    case.plan()
    return case


def test_docstring_examples_run() -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(hedge_planner.api, optionflags=flags)
    assert result.attempted >= 5
    assert result.failed == 0


def test_readme_notebook_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    lines = code.group(1).strip().splitlines()
    assert len(lines) <= 10, "the README promises a ten-line example"
    monkeypatch.chdir(ROOT)
    scope: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), scope)
    assert isinstance(scope["plan"], Plan)
    assert isinstance(scope["trades"], pd.DataFrame) and len(scope["trades"]) > 0


def test_holdings_risk_has_one_row_per_csv_row(example: hp.Case) -> None:
    csv = pd.read_csv(HOLDINGS)
    risk = example.holdings_risk()
    assert list(risk.index) == list(csv["id"])
    # The key-rate DV01 columns are flattened per tenor, and the tenors are the plan's.
    krd_cols = [c for c in risk.columns if c.startswith("krd_dv01.")]
    assert [c.split(".", 1)[1] for c in krd_cols] == example.plan().key_tenors
    # Independent check: market value = face * dirty price / 100 from the CSV's own face.
    mv = csv["face"].to_numpy() * risk["dirty_price"].to_numpy() / 100.0
    np.testing.assert_allclose(risk["market_value"].to_numpy(), mv, rtol=1e-12)


def test_trades_frame_is_the_plans_trades(example: hp.Case) -> None:
    trades = example.trades()
    doc = example.plan_document()["hedge"]["trades"]
    assert list(trades["instrument"]) == [t["instrument"] for t in doc]
    assert trades["quantity"].tolist() == [t["quantity"] for t in doc]
    # nested figures are flattened: one column per tenor of the key-rate DV01 change
    assert {f"krd_dv01_change.{t}" for t in example.plan().key_tenors} <= set(trades.columns)


def test_scenarios_frame_adds_up(example: hp.Case) -> None:
    frame = example.scenarios()
    assert frame.index.is_unique and len(frame) > 5
    # hedged = unhedged + hedge, scenario by scenario (currency)
    np.testing.assert_allclose(
        frame["hedged_pnl"], frame["unhedged_pnl"] + frame["hedge_pnl"], rtol=1e-9, atol=1e-6
    )


def test_dataframe_holdings_give_the_file_case(example: hp.Case) -> None:
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    frame = pd.read_csv(HOLDINGS)
    case = hp.case_from_dict(data, holdings=frame.set_index("id"))
    left, right = case.holdings_risk(), example.holdings_risk()
    pd.testing.assert_index_equal(left.index, right.index)
    np.testing.assert_allclose(left["effective_dv01"], right["effective_dv01"], rtol=1e-12)


def test_bad_python_input_is_located() -> None:
    with pytest.raises(hp.InputError) as err:
        hp.case_from_dict(
            {
                "analysis_date": "2024-01-02",
                "curves": {"treasury": {"par_yields": {"1y": 0.04, "30y": 0.04}}},
            },
            holdings=[{"id": "A", "face": 1e6, "coupon": "x", "maturity": "2030-01-02"}],
        )
    issue = err.value.issues[0]
    assert issue.source == "<python>"
    assert issue.column is not None and issue.column.startswith("holdings[0]")


def test_non_finite_number_from_python_is_a_user_error() -> None:
    with pytest.raises(hp.InputError):
        hp.case_from_dict(
            {
                "analysis_date": "2024-01-02",
                "curves": {"treasury": {"par_yields": {"1y": float("nan"), "30y": 0.04}}},
            },
            holdings=[
                {"id": "A", "face": 1e6, "coupon": 0.04, "maturity": "2030-01-02", "yield": 0.04}
            ],
        )


def test_write_reports(example: hp.Case, tmp_path: Path) -> None:
    written = example.write_reports(tmp_path / "out")
    assert sorted(p.name for p in written) == ["plan.json", "report.html", "report.xlsx"]

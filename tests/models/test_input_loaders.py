"""Model-layer loaders of user files: covariance, yield history, contract table, benchmark."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from hedge_planner.models.benchmark import BenchmarkProfile
from hedge_planner.models.covariance import CovarianceError
from hedge_planner.models.covariance_data import (
    CovarianceInputError,
    load_covariance_file,
    load_treasury_par_history,
)
from hedge_planner.models.errors import InputError
from hedge_planner.models.futures import load_contract_table
from pydantic import ValidationError

# ---- covariance files ------------------------------------------------------------------------


def test_covariance_error_is_both_input_and_covariance_error(tmp_path: Path) -> None:
    path = tmp_path / "cov.csv"
    path.write_text(",2y,10y\n2y,1,x\n10y,0,1\n")
    with pytest.raises(CovarianceInputError) as info:
        load_covariance_file(path)
    assert isinstance(info.value, InputError) and isinstance(info.value, CovarianceError)
    (issue,) = info.value.issues
    assert (issue.source, issue.row, issue.column) == (str(path), 2, "10y")


def test_covariance_rows_are_physical(tmp_path: Path) -> None:
    path = tmp_path / "cov.csv"
    path.write_text(",2y,10y\n\n2y,1,0\n\n10y,0,1_0\n")
    with pytest.raises(CovarianceInputError) as info:
        load_covariance_file(path)
    assert [(i.row, i.column) for i in info.value.issues] == [(5, "10y")]


@pytest.mark.parametrize("scale", [1e30, 1e8])
def test_implausible_covariance_scale_is_refused(tmp_path: Path, scale: float) -> None:
    # 1e8 bp^2/yr is a 10,000 bp/yr volatility: a units mistake (decimal^2 read as bp^2...).
    path = tmp_path / "cov.csv"
    path.write_text(f",2y,10y\n2y,{scale},0\n10y,0,{scale}\n")
    with pytest.raises(CovarianceInputError, match="above the plausible 2000 bp/yr"):
        load_covariance_file(path)


def test_plausible_covariance_loads(tmp_path: Path) -> None:
    path = tmp_path / "cov.csv"
    path.write_text(",2y,10y\n2y,10000,6000\n10y,6000,9000\n")  # 100 and ~95 bp/yr
    np.testing.assert_allclose(load_covariance_file(path).vol_bp(), [100.0, 9000**0.5])


def test_latin1_covariance_csv_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cov.csv"
    path.write_bytes(",2y\n2y,1\n# \xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(CovarianceInputError) as info:
        load_covariance_file(path)
    (issue,) = info.value.issues
    assert (issue.source, issue.row) == (str(path), 3) and "not UTF-8" in issue.reason


def test_covariance_json_with_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cov.json"
    path.write_text('{"tenors": ["2y"], "matrix": [[NaN]]}')
    with pytest.raises(CovarianceInputError, match="non-finite"):
        load_covariance_file(path)


# ---- yield history ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "row", "column", "fragment"),
    [
        ("Date,2 Yr\n1/3/00,5.5\n2000-01-04,5.6\n", 3, "Date", "unparseable date"),
        ("Date,2 Yr\n1/3/00,5.5\n\n1/4/00,five\n", 4, "2 Yr", "'five' is not a number"),
        ("Date,2 Yr\n1/3/00,inf\n", 2, "2 Yr", "is not a number"),
        ("", None, None, "empty"),
        ("Date,2 Yr\n", 1, None, "no rows"),
        ("Yield,2 Yr\n1/3/00,5\n", 1, None, "no 'Date' column"),
        ("Date,2 Yr,2 Yr\n1/3/00,5,5\n", 1, None, "column twice"),
    ],
)
def test_history_problems_name_file_and_row(
    tmp_path: Path, text: str, row: int | None, column: str | None, fragment: str
) -> None:
    path = tmp_path / "hist.csv"
    path.write_text(text)
    with pytest.raises(CovarianceInputError) as info:
        load_treasury_par_history(path)
    issue = info.value.issues[0]
    assert (issue.source, issue.row, issue.column) == (str(path), row, column)
    assert fragment in issue.reason


def test_binary_history_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hist.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CovarianceInputError, match="binary"):
        load_treasury_par_history(path)


def test_history_buffer_still_reads() -> None:
    frame = load_treasury_par_history(io.StringIO("Date,2 Yr\n1/4/00,6.25\n1/3/00,6.2\n"))
    assert frame["2y"].tolist() == pytest.approx([0.062, 0.0625])


# ---- futures contract files ------------------------------------------------------------------


def test_contract_file_errors_are_located_and_collected(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("contracts:\n  FV:\n    tick_sise: 0.01\n  TY:\n    tick_size: .nan\n")
    with pytest.raises(InputError) as info:
        load_contract_table(path)
    found = {i.column: i for i in info.value.issues}
    assert found["contracts.FV.tick_sise"].row == 3
    assert found["contracts.FV.tick_sise"].hint == "did you mean 'tick_size'?"
    assert found["contracts.TY.tick_size"].row == 5


def test_contract_file_alias_bomb_and_fifo(tmp_path: Path) -> None:
    import os

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x]\nb: [" + ", ".join(["*a"] * 500) + "]\n")
    with pytest.raises(InputError, match="aliases"):
        load_contract_table(bomb)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        load_contract_table(fifo)


# ---- benchmark profile -----------------------------------------------------------------------

PROFILE = {"as_of": dt.date(2024, 1, 2), "duration": 6.2, "krd": {"5y": 1.0}}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"sector_weights": {"gov": float("nan"), "corp": 0.5}}, "finite"),
        ({"sector_weights": {"gov": 1.2, "corp": -0.2}}, "non-negative"),
        ({"sector_weights": {"Gov": 0.5, "gov": 0.5}}, "given twice"),
        ({"krd": {"5y": float("inf")}}, "finite"),
        ({"krd": {"5y": 1e6}}, "plausible"),
        ({"duration": 1e6}, "less than or equal to 100"),
        ({"duration": "6_2"}, "is not a number"),
    ],
)
def test_benchmark_profile_bounds(change: dict, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        BenchmarkProfile.model_validate({**PROFILE, **change})

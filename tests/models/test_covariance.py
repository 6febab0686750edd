"""Tests of models.covariance.

References are independent of the code under test: hand arithmetic, numpy.cov on hand-built
changes, closed forms, and the raw Treasury CSV read with the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hedge_planner.models.covariance import CovarianceError, KeyRateCovariance
from hedge_planner.models.covariance_data import (
    estimate_keyrate_covariance,
    ewma_weights,
    load_covariance_file,
    load_default_covariance,
    load_treasury_par_history,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_CSV = REPO_ROOT.parent / "shared" / "data" / "us-treasury-par-yield-curve-1990-2023.csv"
needs_shared = pytest.mark.skipif(not SHARED_CSV.exists(), reason="../shared data not present")

TREASURY_LABELS = {"6 Mo": "6m", "1 Yr": "1y", "2 Yr": "2y", "3 Yr": "3y", "5 Yr": "5y"}
TREASURY_LABELS |= {"7 Yr": "7y", "10 Yr": "10y", "20 Yr": "20y", "30 Yr": "30y"}


def _history(levels: np.ndarray, tenors: list[str], start: str = "2020-01-01") -> pd.DataFrame:
    dates = pd.bdate_range(start, periods=len(levels))
    return pd.DataFrame(levels, index=dates, columns=tenors)


def _random_history(n_days: int = 60, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """Levels in decimal and the daily changes in bp computed independently (integer bp)."""
    rng = np.random.default_rng(seed)
    changes_bp = rng.integers(-12, 13, size=(n_days - 1, 3)).astype(float)
    levels_bp = 300.0 + np.vstack([np.zeros(3), np.cumsum(changes_bp, axis=0)])
    return _history(levels_bp / 1e4, ["2y", "5y", "10y"]), changes_bp


# ---- estimation ------------------------------------------------------------------------------


def test_equal_weight_hand_computed_two_tenors() -> None:
    # Daily changes (bp): 2y = [2, -1, 4, 0], 10y = [3, 0, 4, -2]; both means 1.25.
    # Sum of squared deviations: 2y 14.75, 10y 22.75, cross 15.75; / (n-1)=3, x252 = x84.
    levels = np.array([[100, 200], [102, 203], [101, 203], [105, 207], [105, 205]]) / 1e4
    cov = estimate_keyrate_covariance(_history(levels, ["2y", "10y"]), ["2y", "10y"])
    expected = np.array([[14.75 * 84, 15.75 * 84], [15.75 * 84, 22.75 * 84]])
    np.testing.assert_allclose(cov.matrix, expected, rtol=1e-9)
    assert cov.metadata.n_obs == 4
    assert cov.metadata.method == "equal_weight"
    np.testing.assert_allclose(cov.vol_bp(), np.sqrt([1239.0, 1911.0]), rtol=1e-9)


def test_equal_weight_equals_numpy_cov() -> None:
    history, changes_bp = _random_history()
    cov = estimate_keyrate_covariance(history, ["2y", "5y", "10y"])
    np.testing.assert_allclose(cov.matrix, np.cov(changes_bp.T) * 252, rtol=1e-9)
    assert cov.metadata.start == history.index[0].strftime("%Y-%m-%d")
    assert cov.metadata.end == history.index[-1].strftime("%Y-%m-%d")


def test_tenor_order_and_selection_follow_request() -> None:
    history, changes_bp = _random_history()
    cov = estimate_keyrate_covariance(history, ["10y", "2y"])
    assert cov.tenors == ("10y", "2y")
    np.testing.assert_allclose(cov.matrix, np.cov(changes_bp[:, [2, 0]].T) * 252, rtol=1e-9)


def test_missing_rows_dropped_and_counted() -> None:
    history, _ = _random_history()
    history.iloc[10, 1] = np.nan  # one day without a 5y print
    cov = estimate_keyrate_covariance(history, ["2y", "5y", "10y"])
    clean = history.drop(history.index[10]).to_numpy() * 1e4
    np.testing.assert_allclose(cov.matrix, np.cov(np.diff(clean, axis=0).T) * 252, rtol=1e-9)
    assert cov.metadata.extra["rows_dropped_missing_tenor"] == 1
    # Tenors not requested may be missing without dropping anything.
    cov2 = estimate_keyrate_covariance(history, ["2y", "10y"])
    assert cov2.metadata.extra["rows_dropped_missing_tenor"] == 0


def test_change_across_long_gap_discarded() -> None:
    history, changes_bp = _random_history()
    dates = list(history.index)
    shifted = [d + pd.Timedelta(days=60) if i >= 30 else d for i, d in enumerate(dates)]
    history.index = pd.DatetimeIndex(shifted)
    cov = estimate_keyrate_covariance(history, ["2y", "5y", "10y"])
    kept = np.delete(changes_bp, 29, axis=0)  # change 29 spans rows 29 -> 30, the 60-day gap
    np.testing.assert_allclose(cov.matrix, np.cov(kept.T) * 252, rtol=1e-9)
    assert cov.metadata.extra["changes_dropped_gap"] == 1


def test_lookback_and_end() -> None:
    history, changes_bp = _random_history()
    end = history.index[49]  # levels 0..49 -> changes 0..48
    cov = estimate_keyrate_covariance(history, ["2y", "5y", "10y"], lookback_days=20, end=end)
    np.testing.assert_allclose(cov.matrix, np.cov(changes_bp[29:49].T) * 252, rtol=1e-9)
    assert cov.metadata.n_obs == 20
    assert cov.metadata.end == end.strftime("%Y-%m-%d")
    assert cov.metadata.start == history.index[29].strftime("%Y-%m-%d")


def test_ewma_huge_halflife_equals_equal_weights() -> None:
    history, _ = _random_history()
    eq = estimate_keyrate_covariance(history, ["2y", "5y", "10y"])
    ew = estimate_keyrate_covariance(history, ["2y", "5y", "10y"], halflife_days=1e12)
    np.testing.assert_allclose(ew.matrix, eq.matrix, rtol=1e-8)
    assert ew.metadata.method == "ewma"
    assert ew.metadata.halflife == 1e12


def test_ewma_equals_numpy_weighted_cov() -> None:
    history, changes_bp = _random_history()
    h = 10.0
    ages = np.arange(len(changes_bp))[::-1]  # newest change has age 0
    raw = 0.5 ** (ages / h)
    cov = estimate_keyrate_covariance(history, ["2y", "5y", "10y"], halflife_days=h)
    expected = np.cov(changes_bp.T, aweights=raw) * 252  # weighted mean, 1 - sum(w^2) correction
    np.testing.assert_allclose(cov.matrix, expected, rtol=1e-9)


def test_ewma_weights_halve_every_halflife() -> None:
    w = ewma_weights(100, 7)
    assert w.sum() == pytest.approx(1.0)
    assert w[-1 - 7] / w[-1] == pytest.approx(0.5)
    assert w[-1 - 14] / w[-1] == pytest.approx(0.25)
    assert np.all(np.diff(w) > 0)  # newest observation weighs most


def test_estimation_errors() -> None:
    history, _ = _random_history(n_days=4)
    with pytest.raises(CovarianceError, match="need at least 4"):
        estimate_keyrate_covariance(history, ["2y", "5y", "10y"])  # 3 changes, 3 tenors
    with pytest.raises(CovarianceError, match="percent"):
        estimate_keyrate_covariance(history * 100, ["2y"])
    with pytest.raises(CovarianceError, match="30y"):
        estimate_keyrate_covariance(history, ["2y", "30y"])


def test_load_treasury_par_history_buffer() -> None:
    text = "Date,1 Mo,2 Yr,10 Yr\n1/3/00,5.5,6.25,6.5\n12/31/99,,6.2,6.45\n"
    frame = load_treasury_par_history(io.StringIO(text))
    assert list(frame.columns) == ["1m", "2y", "10y"]
    assert list(frame.index.strftime("%Y-%m-%d")) == ["1999-12-31", "2000-01-03"]
    assert frame.loc["2000-01-03", "2y"] == pytest.approx(0.0625)
    assert math.isnan(frame.loc["1999-12-31", "1m"])


# ---- the covariance object -------------------------------------------------------------------


def _small() -> KeyRateCovariance:
    # vols 10 and 20 bp/yr, correlation 0.3
    return KeyRateCovariance(("2y", "10y"), np.array([[100.0, 60.0], [60.0, 400.0]]))


def test_correlation_and_tracking_error_hand_computed() -> None:
    cov = _small()
    np.testing.assert_allclose(cov.correlation(), [[1.0, 0.3], [0.3, 1.0]])
    # g = (1, -1): 100 + 400 - 2 * 60 = 380
    assert cov.tracking_error([1.0, -1.0]) == pytest.approx(math.sqrt(380.0))
    assert cov.tracking_error({"10y": 2.0}) == pytest.approx(40.0)
    assert cov.tracking_error_bp([0.0, 0.0]) == 0.0
    with pytest.raises(CovarianceError, match="5y"):
        cov.tracking_error({"5y": 1.0})


def test_factor_reproduces_sigma() -> None:
    cov = load_default_covariance()
    f = cov.factor()
    np.testing.assert_allclose(f @ f.T, cov.matrix, rtol=0, atol=1e-9 * cov.matrix.max())
    # Singular PSD matrix (rank 1): the clipped factor still reproduces it.
    v = np.array([1.0, 2.0, 3.0])
    rank1 = KeyRateCovariance(("2y", "5y", "10y"), np.outer(v, v))
    f1 = rank1.factor()
    np.testing.assert_allclose(f1 @ f1.T, np.outer(v, v), atol=1e-12)
    np.testing.assert_allclose(np.abs(rank1.factor(1)[:, 0]), v)


def test_tracking_error_zero_and_pure_2y_gap() -> None:
    cov = load_default_covariance()
    n = len(cov.tenors)
    assert cov.tracking_error(np.zeros(n)) == 0.0
    assert cov.tracking_error_bp(np.zeros(n)) == 0.0
    k = 0.75
    gap = np.zeros(n)
    gap[cov.tenors.index("2y")] = k
    vol_2y = math.sqrt(cov.matrix[2, 2])  # 2y is the third default tenor
    assert cov.tracking_error_bp(gap) == pytest.approx(vol_2y * k)
    assert cov.tracking_error({"2y": 1000.0}) == pytest.approx(vol_2y * 1000.0)


def test_subset_reorders_and_names_missing_tenor() -> None:
    cov = load_default_covariance()
    sub = cov.subset(["10y", "2y"])
    assert sub.tenors == ("10y", "2y")
    i10, i2 = cov.tenors.index("10y"), cov.tenors.index("2y")
    assert sub.matrix[0, 1] == cov.matrix[i10, i2]
    assert sub.matrix[0, 0] == cov.matrix[i10, i10]
    np.testing.assert_array_equal(np.asarray(sub), sub.matrix)  # array-like for the solvers
    with pytest.raises(CovarianceError, match="'4y'"):
        cov.subset(["2y", "4y"])


def test_subset_of_every_tenor_in_order_is_the_matrix_itself() -> None:
    cov = load_default_covariance()
    same = cov.subset([t.upper() for t in cov.tenors])  # labels normalised as on construction
    assert same.tenors == cov.tenors
    np.testing.assert_array_equal(same.matrix, cov.matrix)
    assert same.metadata == cov.metadata
    assert not same.matrix.flags.writeable  # still the immutable, validated matrix
    reordered = cov.subset(list(reversed(cov.tenors)))
    np.testing.assert_array_equal(reordered.matrix, cov.matrix[::-1, ::-1])


def test_validation_errors_name_the_problem() -> None:
    with pytest.raises(CovarianceError, match=r"not symmetric at \(2y, 10y\)"):
        KeyRateCovariance(("2y", "10y"), np.array([[1.0, 0.5], [0.4, 1.0]]))
    # eigenvalues of [[1, 2], [2, 1]] are 3 and -1
    with pytest.raises(CovarianceError, match="minimum eigenvalue -1"):
        KeyRateCovariance(("2y", "10y"), np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(CovarianceError, match=r"non-finite value nan at \(10y, 2y\)"):
        KeyRateCovariance(("2y", "10y"), np.array([[1.0, 0.0], [np.nan, 1.0]]))
    with pytest.raises(CovarianceError, match="unknown tenor label 'ten'"):
        KeyRateCovariance(("2y", "ten"), np.eye(2))
    with pytest.raises(CovarianceError, match="duplicate"):
        KeyRateCovariance(("1y", "12m"), np.eye(2))


def test_json_round_trip_and_csv_file(tmp_path: Path) -> None:
    cov = _small()
    back = KeyRateCovariance.from_json(cov.to_json())
    assert back.tenors == cov.tenors
    np.testing.assert_array_equal(back.matrix, cov.matrix)
    path = tmp_path / "cov.json"
    path.write_text(cov.to_json())
    np.testing.assert_array_equal(load_covariance_file(path).matrix, cov.matrix)

    good = tmp_path / "cov.csv"
    good.write_text(",2Y,10y\n2Y,100,60\n10y,60,400\n")
    loaded = load_covariance_file(good)
    assert loaded.tenors == ("2y", "10y")
    np.testing.assert_array_equal(loaded.matrix, [[100.0, 60.0], [60.0, 400.0]])
    # the Treasury spelling of a tenor reads as the same key tenor
    spelled = tmp_path / "spelled.csv"
    spelled.write_text(",2 Yr,10 Yr\n2 Yr,100,60\n10 Yr,60,400\n")
    assert load_covariance_file(spelled).tenors == ("2y", "10y")


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        # "10 Yr" is a valid spelling now (one tenor grammar); an unknown label still fails
        (",2y,10 Yrz\n2y,1,0\n10 Yrz,0,1\n", "unknown tenor label '10 Yrz'"),
        (",2y,10y\n2y,1,0.5\n10y,0.2,1\n", r"not symmetric at \(2y, 10y\)"),
        (",2y,10y\n2y,1,2\n10y,2,1\n", "not positive semi-definite"),
        (",2y,10y\n2y,1,nan\n10y,nan,1\n", "non-finite"),
        (",2y,10y\n2y,1,x\n10y,0,1\n", r"non-numeric value 'x' at \(2y, 10y\)"),
        (",2y,10y\n10y,1,0\n2y,0,1\n", "must equal the first-column tenors"),
    ],
)
def test_csv_file_validation(tmp_path: Path, body: str, pattern: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(CovarianceError, match=pattern):
        load_covariance_file(path)


# ---- the committed default matrix ------------------------------------------------------------


def test_committed_matrix_is_plausible() -> None:
    cov = load_default_covariance()
    assert cov.tenors == DEFAULT_KEY_TENORS
    assert np.linalg.eigvalsh(cov.matrix).min() > 0  # PSD (in fact positive definite)
    vol10 = cov.vol_bp()[cov.tenors.index("10y")]
    assert 50.0 < vol10 < 150.0
    assert cov.metadata.method == "equal_weight"
    assert cov.metadata.annualisation == 252


@needs_shared
def test_committed_matrix_equals_fresh_derive() -> None:
    from hedge_planner.models.data.derive_keyrate_covariance import derive

    fresh = derive(SHARED_CSV)
    committed = load_default_covariance()
    assert fresh.tenors == committed.tenors
    np.testing.assert_allclose(committed.matrix, fresh.matrix, rtol=1e-12)
    assert committed.metadata == fresh.metadata


@needs_shared
def test_committed_matrix_equals_numpy_on_raw_csv() -> None:
    # Independent recomputation: csv module, integer-cent arithmetic, np.cov.
    rows = []
    with open(SHARED_CSV, newline="") as fh:
        for rec in csv.DictReader(fh):
            day = dt.datetime.strptime(rec["Date"], "%m/%d/%y").date()
            if dt.date(2014, 1, 1) <= day <= dt.date(2023, 12, 29):
                rows.append((day, [round(float(rec[c]) * 100) for c in TREASURY_LABELS]))
    rows.sort()
    levels_bp = np.array([r[1] for r in rows], dtype=float)
    expected = np.cov(np.diff(levels_bp, axis=0).T) * 252
    committed = load_default_covariance()
    assert list(committed.tenors) == list(TREASURY_LABELS.values())
    np.testing.assert_allclose(committed.matrix, expected, rtol=1e-9)
    assert committed.metadata.n_obs == len(rows) - 1
    doc = json.loads((REPO_ROOT / "models" / "data" / "keyrate_covariance_ust.json").read_text())
    assert doc["units"] == "bp^2 per year"


def test_recent_regime_committed_equals_fresh_derive_and_is_more_volatile() -> None:
    from hedge_planner.models.data.derive_keyrate_covariance import derive_recent

    if not SHARED_CSV.exists():
        pytest.skip("shared Treasury history not beside the repository")
    fresh = derive_recent(SHARED_CSV)
    committed = load_default_covariance("recent")
    np.testing.assert_allclose(committed.matrix, fresh.matrix, rtol=1e-12)
    assert committed.metadata == fresh.metadata
    assert committed.metadata.method == "ewma"
    long_run = load_default_covariance("long_run")
    # The hiking cycle: recent key-rate vols well above the ten-year average at every tenor.
    assert np.all(committed.vol_bp() > 1.2 * long_run.vol_bp())


def test_unknown_covariance_regime_is_refused() -> None:
    with pytest.raises(CovarianceError, match="regime"):
        load_default_covariance("crisis")

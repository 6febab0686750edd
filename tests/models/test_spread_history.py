"""Sector spread risk from a user's spread history: the estimator by hand, and located errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.errors import InputError
from hedge_planner.models.risk_model import load_default_spread_table
from hedge_planner.models.spread_history import spread_table_from_history


def _history(n_months: int = 36, seed: int = 3) -> tuple[str, np.ndarray]:
    """Two observations a month (mid and month end); only month ends count."""
    rng = np.random.default_rng(seed)
    # Rounded as written to the file, so the hand computation sees the same numbers.
    ig = np.round(100 + np.cumsum(rng.normal(0, 15, n_months + 1)), 6)
    hy = np.round(350 + np.cumsum(rng.normal(0, 40, n_months + 1)), 6)
    lines = ["date,corporate,high_yield"]
    for k in range(n_months + 1):
        y, m = 2020 + (k // 12), k % 12 + 1
        lines.append(f"{dt.date(y, m, 15).isoformat()},{ig[k] + 50:.6f},{hy[k] - 80:.6f}")
        end = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
        lines.append(f"{end},{ig[k]:.6f},{hy[k]:.6f}")
    return "\n".join(lines) + "\n", np.column_stack([ig, hy])


def test_monthly_vols_and_correlation_by_hand() -> None:
    text, levels = _history()
    base = load_default_spread_table()
    table = spread_table_from_history(text, "hist.csv", base)
    changes = np.diff(levels, axis=0)
    cov = np.cov(changes.T) * 12
    assert table.lookup("corporate").vol_bp == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-10)
    assert table.lookup("high_yield").vol_bp == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-10)
    rho = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    assert table.correlation("corporate", "high_yield") == pytest.approx(rho, rel=1e-10)
    # Rate correlations stay the base table's; sectors absent from the history keep theirs.
    assert table.lookup("corporate").rate_correlation == base.lookup("corporate").rate_correlation
    assert table.lookup("agency").vol_bp == base.lookup("agency").vol_bp
    assert not table.lookup("corporate").assumed and "hist.csv" in table.window


def test_lookback_and_ewma_weights() -> None:
    text, levels = _history(48)
    table = spread_table_from_history(text, "h", load_default_spread_table(), 24, 6.0)
    changes = np.diff(levels, axis=0)[-24:]
    w = 0.5 ** (np.arange(23, -1, -1) / 6.0)
    w /= w.sum()
    mean = w @ changes
    cov = ((changes - mean) * w[:, None]).T @ (changes - mean) / (1 - w @ w) * 12
    assert table.lookup("corporate").vol_bp == pytest.approx(np.sqrt(cov[0, 0]), rel=1e-10)
    assert "EWMA half-life 6 months" in table.window


def test_bad_histories_are_located() -> None:
    text, _ = _history()
    bad = text.replace(",", ",x", 1).splitlines()
    bad[3] = "2020-02-30,1,2"
    with pytest.raises(InputError) as err:
        spread_table_from_history("\n".join(bad), "h.csv", load_default_spread_table())
    rows = {(i.row, i.column) for i in err.value.issues}
    assert (4, "date") in rows
    with pytest.raises(InputError, match="at least 12"):
        spread_table_from_history(_history(6)[0], "h.csv", load_default_spread_table())
    with pytest.raises(InputError, match="outside"):
        spread_table_from_history(
            "date,corporate\n2020-01-31,1e6\n", "h.csv", load_default_spread_table()
        )

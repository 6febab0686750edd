"""The shipped sector spread table is read once per process (models/risk_model.py).

Reference: the committed JSON file parsed directly (json, not the package's loader), every
sector's figures and the table's correlations compared with the kept table's.
"""

from __future__ import annotations

import json
from importlib import resources

from hedge_planner.models.risk_model import load_default_spread_table


def test_the_kept_table_is_the_committed_file() -> None:
    first = load_default_spread_table()
    assert load_default_spread_table() is first  # kept: the second call reads nothing
    path = resources.files("hedge_planner.models.data").joinpath("sector_spread_risk.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert first.window == str(data["window"])
    assert set(first.sectors) == set(data["sectors"])
    for name, figures in data["sectors"].items():
        got = first.sectors[name]
        assert got.vol_bp == figures["vol_bp"]
        assert got.rate_correlation == figures["rate_correlation"]
        for alias in figures.get("aliases", []):
            assert first.lookup(alias) is got
    for key, value in data["correlations"].items():
        if "|" in key:
            a, b = key.split("|")
            assert first.correlation(a, b) == float(value["value"])

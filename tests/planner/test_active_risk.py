"""The case's own sector spread table (``risk.spread_table``)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from hedge_planner.active_risk import load_spread_table
from hedge_planner.cases import RiskSpec
from hedge_planner.models.risk_model import load_default_spread_table


def test_case_spread_table_file_is_read_like_the_shipped_one(tmp_path: Path) -> None:
    # A copy of the shipped table given as the case's own file must give the same table:
    # the file's text (not the reader's (text, name) pair) is what gets parsed.
    shipped = resources.files("hedge_planner.models.data").joinpath("sector_spread_risk.json")
    doc = json.loads(shipped.read_text(encoding="utf-8"))
    (tmp_path / "spreads.json").write_text(json.dumps(doc), encoding="utf-8")
    spec = RiskSpec(spread_table="spreads.json")
    table = load_spread_table(spec, str(tmp_path / "case.yaml"))
    default = load_default_spread_table()
    assert table.sectors == default.sectors
    assert table.pair_correlations == default.pair_correlations
    assert table.default_correlation == default.default_correlation

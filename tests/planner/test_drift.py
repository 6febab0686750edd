"""The drift command on the example's two snapshots (one month apart)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hedge_planner.drift import (
    RESIDUAL_TOLERANCE,
    compute_drift,
    drift_document,
    load_snapshot,
    model_adjustment,
)
from hedge_planner.drift_activity import read_activity
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import InputError
from hedge_planner.models.risk import curve_dirty_price, curve_risk, solve_z_spread
from hedge_planner.models.units import BP

ROOT = Path(__file__).resolve().parents[2]
AFTER = ROOT / "examples" / "core_plus" / "case.yaml"
BEFORE = ROOT / "examples" / "core_plus_prev" / "case.yaml"
CLI = [sys.executable, "-m", "hedge_planner.cli"]


@pytest.fixture(scope="module")
def snapshots() -> tuple[Any, Any]:
    return load_snapshot(str(BEFORE)), load_snapshot(str(AFTER))


@pytest.fixture(scope="module")
def walk(snapshots: tuple[Any, Any]) -> Any:
    return compute_drift(*snapshots)


def test_parts_sum_to_the_total_for_every_metric(walk: Any) -> None:
    waterfall, _ = walk
    assert waterfall.order == (
        "time",
        "cash_flows",
        "paydowns",
        "market",
        "trades",
        "benchmark",
        "residual",
    )
    assert set(waterfall.total) >= {
        "effective_duration",
        "dv01",
        "spread_duration",
        "duration_gap",
        "tracking_error_bp",
        "krd_zero.10y",
        "krd_par.30y",
    }
    for key, total in waterfall.total.items():
        parts = math.fsum(p.change[key] for p in waterfall.parts)
        assert abs(parts - total) <= 1e-10 * max(1.0, abs(total)), key
    # Without an activity file everything is explained.
    assert abs(waterfall.part("residual").change["effective_duration"]) < 1e-12


def test_snapshots_reproduce_the_analysis_figures(walk: Any, snapshots: Any) -> None:
    waterfall, _ = walk
    for metrics, snap in ((waterfall.before, snapshots[0]), (waterfall.after, snapshots[1])):
        totals = snap.analysis.risk.totals()
        port = snap.analysis.portfolio()
        assert metrics["effective_duration"] == pytest.approx(
            totals["effective_duration"], rel=1e-12
        )
        assert metrics["dv01"] == pytest.approx(totals["dv01"], rel=1e-12)
        assert metrics["spread_duration"] == pytest.approx(totals["spread_duration"], rel=1e-12)
        for tenor, value in port["krd"].items():
            assert metrics[f"krd_zero.{tenor}"] == pytest.approx(value, rel=1e-9, abs=1e-12)
        par = snap.analysis.active.krd_par
        for tenor, value in zip(snap.analysis.tenors, par, strict=True):
            assert metrics[f"krd_par.{tenor}"] == pytest.approx(value, rel=1e-9, abs=1e-12)
        gap = totals["effective_duration"] - snap.analysis.case.benchmark.duration
        assert metrics["duration_gap"] == pytest.approx(gap, rel=1e-12)


def test_market_part_is_the_old_book_revalued_on_the_new_curve(walk: Any, snapshots: Any) -> None:
    # Independent recomputation: bootstrap the later par quotes on the earlier date, take each
    # held bond's later z-spread (solved here from the later price), reprice and measure.
    waterfall, _ = walk
    before, after = snapshots
    a, b = before.analysis, after.analysis
    spec = after.analysis.case.curves.treasury
    tenors = list(spec.par_yields)
    curve = bootstrap_treasury_par(
        int(to_days(a.case.analysis_date)), tenors, np.array(list(spec.par_yields.values()))
    )
    z_later = solve_z_spread(b.schedule, b.curves.treasury, b.yield_frame["dirty_price"].to_numpy())
    idx_b = {h: i for i, h in enumerate(b.book.ids)}
    z = np.array(
        [
            z_later[idx_b[h]] if h in idx_b else a.risk.computed.z_spread[i]
            for i, h in enumerate(a.book.ids)
        ]
    )
    prices = curve_dirty_price(a.schedule, curve, z)
    risk = curve_risk(a.schedule, a.book.face, curve, prices, a.tenors, BP)
    adj_a, adj_b = model_adjustment(before), model_adjustment(after)
    adj = np.array(
        [adj_b[idx_b[h], 0] if h in idx_b else adj_a[i, 0] for i, h in enumerate(a.book.ids)]
    )
    mv = risk.market_value
    duration = float(((risk.effective_duration + adj) * mv).sum() / mv.sum())
    expected = duration - waterfall.before["effective_duration"]
    assert waterfall.part("market").change["effective_duration"] == pytest.approx(
        expected, abs=1e-10
    )


def test_holdings_in_one_snapshot_are_classified(walk: Any) -> None:
    _, detail = walk
    classes = {r["id"]: r["classification"] for r in detail["one_snapshot_only"]}
    assert classes == {"UST-PREV-MAT": "matured", "CORP-PREV-SOLD": "sold"}
    changed = {r["id"]: r["classification"] for r in detail["face_changes"]}
    assert changed == {"ABS-004": "paid down", "UST-003": "traded"}


def test_paydown_part_is_two_percent_of_the_pool(walk: Any, snapshots: Any) -> None:
    # Only ABS-004 pays down: the DV01 falls by 2% of its DV01 at that state (face x 0.98).
    waterfall, _ = walk
    assert waterfall.part("paydowns").change["dv01"] < 0.0
    assert waterfall.part("benchmark").change["effective_duration"] == 0.0
    bench_gap = waterfall.part("benchmark").change["duration_gap"]
    assert bench_gap == pytest.approx(-(6.20 - 6.15), abs=1e-12)


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_five_classes_and_partial_fill_with_activity(tmp_path: Path, snapshots: Any) -> None:
    before, after = snapshots
    # A bought holding: drop UST-010 from the earlier snapshot.
    lines = (ROOT / "examples" / "core_plus_prev" / "holdings.csv").read_text().splitlines()
    kept = [ln for ln in lines if not ln.startswith("UST-010,")]
    (tmp_path / "holdings.csv").write_text("\n".join(kept) + "\n")
    case = BEFORE.read_text().replace(
        "holdings: holdings.csv", f"holdings: {tmp_path / 'holdings.csv'}"
    )
    prev = load_snapshot(_write(tmp_path / "case.yaml", case))
    activity_csv = _write(
        tmp_path / "activity.csv",
        "id,kind,face,ordered\nCORP-PREV-SOLD,call,5000000,\nUST-003,trade,2500000,5000000\n",
    )
    activity = read_activity(
        activity_csv, set(prev.analysis.book.ids) | set(after.analysis.book.ids)
    )
    waterfall, detail = compute_drift(prev, after, activity)
    classes = {r["id"]: r["classification"] for r in detail["one_snapshot_only"]}
    assert classes == {"UST-PREV-MAT": "matured", "CORP-PREV-SOLD": "called", "UST-010": "bought"}
    (rec,) = [r for r in detail["recorded_activity"] if r["kind"] == "trade"]
    assert rec["fill_ratio"] == 0.5
    # Half of the UST-003 purchase is not in the activity: a residual, still summing exactly.
    assert abs(waterfall.part("residual").change["effective_duration"]) > RESIDUAL_TOLERANCE
    assert waterfall.sum_error() < 1e-10
    # A whole pool paid off (recorded paydown of its full face) is "paid down".
    pool = _write(tmp_path / "pool.csv", "id,kind,face\nCORP-PREV-SOLD,paydown,5000000\n")
    act2 = read_activity(pool, set(before.analysis.book.ids))
    _, detail2 = compute_drift(before, after, act2)
    classes2 = {r["id"]: r["classification"] for r in detail2["one_snapshot_only"]}
    assert classes2["CORP-PREV-SOLD"] == "paid down"


def test_document_warns_about_an_unexplained_residual(tmp_path: Path) -> None:
    activity = _write(tmp_path / "a.csv", "id,kind,face,ordered\nUST-003,trade,2500000,5000000\n")
    doc = drift_document(str(BEFORE), str(AFTER), activity)
    assert any("unexplained residual" in w for w in doc["warnings"])
    assert doc["sum_check"] < 1e-10


def test_changed_coupon_for_the_same_id_is_a_located_error(tmp_path: Path, snapshots: Any) -> None:
    lines = (ROOT / "examples" / "core_plus_prev" / "holdings.csv").read_text().splitlines()
    row = next(i for i, ln in enumerate(lines) if ln.startswith("UST-005,"))
    lines[row] = lines[row].replace(",0.03375,", ",0.035,")
    (tmp_path / "holdings.csv").write_text("\n".join(lines) + "\n")
    case = BEFORE.read_text().replace(
        "holdings: holdings.csv", f"holdings: {tmp_path / 'holdings.csv'}"
    )
    with pytest.raises(InputError) as info:
        compute_drift(
            snapshots[1],
            load_snapshot(
                _write(tmp_path / "after.yaml", case.replace("2023-11-30", "2024-01-31", 1))
            ),
        )
    issues = info.value.issues
    assert any(i.column == "coupon" and i.row == row + 1 for i in issues)


def test_bad_activity_rows_are_all_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "id,kind,face,ordered\nNOPE,trade,1,\nUST-003,swap,x,\nUST-003,trade,5,2\n",
    )
    with pytest.raises(InputError) as info:
        read_activity(path, {"UST-003"})
    where = {(i.row, i.column) for i in info.value.issues}
    assert where == {(2, "id"), (3, "kind"), (3, "face"), (4, "ordered")}


def test_cli_json_is_one_document_and_errors_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*CLI, "drift", str(BEFORE), str(AFTER), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    total = doc["total"]["effective_duration"]
    assert math.fsum(p["change"]["effective_duration"] for p in doc["parts"]) == pytest.approx(
        total, abs=1e-10
    )
    # Snapshots in the wrong order: a located user error, nothing on stdout.
    proc = subprocess.run(
        [*CLI, "drift", str(AFTER), str(BEFORE), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "analysis_date" in proc.stderr and "Traceback" not in proc.stderr

"""Dask engine: a 2-worker LocalCluster gives the serial results (grid and fleet).

Trades must agree bit for bit and every figure to 1e-9 relative; the batches are the same in
both engines, and each point starts from the same state, so the solves are the same.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hedge_planner.engine import EngineUnavailableError, batch_size, make_batches, run_job
from hedge_planner.fleet import load_manifest, run_fleet
from hedge_planner.grid import CaseBundle, grid_points, run_grid
from hedge_planner.io import read_text

from tests.planner.test_fleet import make_fleet

distributed = pytest.importorskip("distributed")

CASE = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"


def assert_same(a: Any, b: Any, path: str = "") -> None:
    """Equal structures; floats to 1e-9 relative except trades, which must be identical."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for k in a:
            if k in ("seconds", "generated", "provenance", "run_id"):
                continue  # timings and run identity differ by nature
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        if "trade" in path or "quantity" in path:
            assert a == b or (math.isnan(a) and math.isnan(b)), path
        else:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12, nan_ok=True), path
    else:
        assert a == b, path


def test_batches_cover_every_item_once() -> None:
    for n in (0, 1, 7, 2000, 10_000):
        size = batch_size(n)
        batches = make_batches(n, size)
        assert [i for b in batches for i in b] == list(range(n))
        assert all(1 <= len(b) <= 50 for b in batches)


def test_workers_and_scheduler_together_are_refused() -> None:
    with pytest.raises(Exception, match="not both"):
        run_job(lambda s, b: [], None, [1], workers=2, scheduler="tcp://127.0.0.1:1")


def test_missing_dask_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_dask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "distributed":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(EngineUnavailableError) as err:
        run_job(lambda s, b: [], None, [1], workers=2)
    assert "hedge-planner[dask]" in err.value.issues[0].reason


@pytest.mark.slow
def test_grid_on_two_workers_equals_serial() -> None:
    text, name = read_text(CASE)
    bundle = CaseBundle(text, name)
    points = grid_points(
        [("risk_aversion", [100.0, 500.0, 2000.0]), ("duration_band", [0.1, 0.25])], zipped=False
    )
    serial = run_grid(bundle, points, size=2)
    dask = run_grid(bundle, points, size=2, workers=2)
    assert [r["status"] for r in dask] == ["optimal"] * 6
    assert_same(serial, dask)


@pytest.mark.slow
def test_fleet_on_two_workers_equals_serial(tmp_path: Path) -> None:
    template, mandates = load_manifest(make_fleet(tmp_path))
    serial = run_fleet(template, mandates, size=2)
    dask = run_fleet(template, mandates, size=2, workers=2)
    assert [o.error is None for o in dask] == [True, True, False]
    assert dask[2].error == serial[2].error  # the broken mandate, located the same way
    for s, d in zip(serial[:2], dask[:2], strict=True):
        assert_same(s.value, d.value)


def _square_batch(shared: float, batch: list[tuple[int, Any]]) -> list[Any]:
    from hedge_planner.engine import run_guarded

    return [run_guarded(lambda x: shared * x * x, i, x) for i, x in batch]


def test_job_stats_account_for_the_batches_in_process() -> None:
    from hedge_planner.engine import JobStats

    stats = JobStats()
    out = run_job(_square_batch, 2.0, list(range(7)), size=3, stats=stats)
    assert [o.value for o in out] == [2.0 * i * i for i in range(7)]
    assert stats.batches == 3  # 3 + 3 + 1
    assert stats.batch_seconds >= 0 and stats.parent_seconds >= 0
    # Batches and parent work together are the job (nothing counted twice).
    assert stats.batch_seconds + stats.parent_seconds <= stats.wall_seconds + 1e-6


@pytest.mark.slow
def test_scenario_grid_on_two_workers_equals_serial() -> None:
    text, name = read_text(CASE)
    bundle = CaseBundle(text, name)
    points = grid_points(
        [("risk_aversion", [500.0, 2000.0]), ("scenarios.parallel_bp", [-50.0, 100.0])],
        zipped=False,
    )
    serial = run_grid(bundle, points, size=3)
    dask = run_grid(bundle, points, size=3, workers=2)
    assert [r["status"] for r in dask] == ["optimal"] * 4
    assert all("scenario:parallel_bp:hedged_pnl" in r for r in dask)
    assert_same(serial, dask)

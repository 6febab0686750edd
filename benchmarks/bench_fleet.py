"""What-if grid and fleet throughput: in-process serial against a 2-worker Dask LocalCluster.

Usage: python benchmarks/bench_fleet.py [--points 2000] [--mandates 200] [--workers 2]

The grid varies risk_aversion x duration_band on the core-plus example; the fleet
plans mandates cut from the example book (template + holdings folder). For each job it prints
wall time and throughput of both engines, the speedup, the per-task overhead on the cluster
(worker time not spent in tasks, per task, and against the mean task time), the serial fraction
measured in the serial run (parent work outside the tasks) and the Karp-Flatt serial fraction
implied by the measured speedup, and from the latter a PROJECTED (Amdahl) throughput at 8, 32
and 128 workers. The projection assumes dedicated cores; on a shared machine the measured
speedup, and so the projection, is depressed.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import ROOT
from hedge_planner.engine import TaskOutcome
from hedge_planner.fleet import load_manifest, run_fleet
from hedge_planner.grid import CaseBundle, run_grid
from hedge_planner.io import read_text

EXAMPLE = ROOT / "examples" / "core_plus"


def grid_points(n: int) -> list[dict[str, float]]:
    """``n`` points: risk_aversion (500..5000) x duration_band (0.15..0.35 years)."""
    side = max(1, math.ceil(math.sqrt(n)))
    ra = [500.0 + 4500.0 * i / max(1, side - 1) for i in range(side)]
    band = [0.15 + 0.2 * i / max(1, side - 1) for i in range(side)]
    return [{"risk_aversion": a, "duration_band": b} for a in ra for b in band][:n]


def make_fleet(folder: Path, n: int) -> Path:
    """``n`` mandates of 20 consecutive example holdings each (wrapping round the book)."""
    (folder / "mandates").mkdir(parents=True)
    shutil.copy(EXAMPLE / "case.yaml", folder / "template.yaml")
    header, *rows = (EXAMPLE / "holdings.csv").read_text().splitlines()
    for i in range(n):
        part = [rows[(7 * i + k) % len(rows)] for k in range(20)]
        (folder / "mandates" / f"m{i:04d}.csv").write_text("\n".join([header, *part]) + "\n")
    manifest = folder / "fleet.yaml"
    manifest.write_text("template: template.yaml\nholdings_dir: mandates\n")
    return manifest


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def report(
    name: str, n: int, workers: int, serial: tuple[float, float], dask: tuple[float, float]
) -> None:
    """Print the figures of one job: (wall seconds, summed task seconds) of each engine."""
    (t1, task1), (tn, taskn) = serial, dask
    speedup = t1 / tn
    overhead = (tn * workers - taskn) / n
    f_serial = max(0.0, (t1 - task1) / t1)
    # Karp-Flatt: the serial fraction that explains the measured speedup on `workers` workers.
    f_kf = (1 / speedup - 1 / workers) / (1 - 1 / workers)
    print(f"\n== {name}: {n} tasks ==")
    print(f"serial in-process : {t1:8.1f} s  {n / t1:8.2f} tasks/s  (tasks {task1:.1f} s)")
    print(f"{workers}-worker cluster : {tn:8.1f} s  {n / tn:8.2f} tasks/s  (tasks {taskn:.1f} s)")
    print(f"speedup           : {speedup:8.2f}x against serial (this run)")
    print(
        f"per-task overhead : {1e3 * overhead:8.1f} ms  "
        f"({100 * overhead / (taskn / n):.1f}% of the mean task, {1e3 * taskn / n:.1f} ms)"
    )
    print(f"serial fraction   : {f_serial:8.3f} measured (serial run: parent work outside tasks)")
    print(f"                    {f_kf:8.3f} Karp-Flatt (implied by the {workers}-worker speedup)")
    f = min(1.0, max(f_kf, f_serial))
    for w in (8, 32, 128):
        s = 1 / (f + (1 - f) / w)
        print(
            f"PROJECTION {w:>3} workers (Amdahl, f={f:.3f}): {s:6.1f}x, {s * n / t1:8.1f} tasks/s"
        )


def task_seconds(outcomes: list[TaskOutcome]) -> float:
    return math.fsum(o.seconds for o in outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--mandates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text, name = read_text(EXAMPLE / "case.yaml")
    bundle = CaseBundle(text, name)
    if args.points:
        pts = grid_points(args.points)
        rows_box: dict[str, list[dict[str, Any]]] = {}

        def serial_grid() -> None:
            rows_box["serial"] = run_grid(bundle, pts)

        def dask_grid() -> None:
            rows_box["dask"] = run_grid(bundle, pts, workers=args.workers)

        t1, _ = timed(serial_grid)
        tn, _ = timed(dask_grid)
        sums = [math.fsum(r.get("seconds", 0.0) for r in rows_box[k]) for k in ("serial", "dask")]
        differ = [
            (a.get("status"), b.get("status"))
            for a, b in zip(rows_box["serial"], rows_box["dask"], strict=True)
            if {k: v for k, v in a.items() if k.startswith("trade:")}
            != {k: v for k, v in b.items() if k.startswith("trade:")}
        ]
        report(f"grid ({len(pts)} points)", len(pts), args.workers, (t1, sums[0]), (tn, sums[1]))
        print(f"points whose trades differ from serial: {len(differ)} {differ[:5]}")
    if args.mandates:
        with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
            template, mandates = load_manifest(make_fleet(Path(tmp), args.mandates))
            t1, serial = timed(lambda: run_fleet(template, mandates))
            tn, dask = timed(lambda: run_fleet(template, mandates, workers=args.workers))
            report(
                f"fleet ({len(mandates)} mandates)",
                len(mandates),
                args.workers,
                (t1, task_seconds(serial)),
                (tn, task_seconds(dask)),
            )
            print(f"failed mandates: serial {sum(o.error is not None for o in serial)}, "
                  f"cluster {sum(o.error is not None for o in dask)}")  # fmt: skip


if __name__ == "__main__":
    main()

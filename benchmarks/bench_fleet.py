"""What-if grid and fleet throughput: in-process serial against a Dask LocalCluster.

Usage (idle machine, the acceptance run)::

    python benchmarks/bench_fleet.py --points 2000 --mandates 200 --workers 2

Both sides run with single-threaded BLAS/OpenMP (OMP/OPENBLAS/MKL_NUM_THREADS=1, set below
before numpy loads, and in every worker), one solve per core. The grid varies risk_aversion x
duration_band on the core-plus example; the fleet plans mandates generated from the example
book by seeded perturbation (benchmarks/bench_fleet_gen.py) into a temporary folder.

Throughput is steady state on both sides: the serial process has measured the book and
compiled the problem before the clock starts, and the cluster is started and its workers warmed
(the case scattered, the book measured, the problem compiled: once per worker) before the job;
those start-up costs are printed separately, with the end-to-end figure. Inside the job the
case goes to the workers once (scatter, broadcast), each batch compiles its problem once and
solves its points (<= 50), and each batch returns its rows in one message.

Printed per job: wall time and throughput of each engine, the speedup, the per-task overhead
on the cluster (worker time not spent solving: per-batch compile, scheduling, idle tail; per
task and against the mean task), the serial fraction measured in the serial run (parent work
outside the batches, plus the cluster job's parent work: scatter, submit, result handling) and
the Karp-Flatt fraction implied by the measured speedup, and from the measured fraction a
PROJECTED (Amdahl) throughput at 8, 32 and 128 workers. The projection assumes dedicated cores
and a job with at least as many batches as workers; on a shared machine every figure is
depressed.
"""

from __future__ import annotations

import os

# Before numpy (and so every BLAS) loads: one thread per process on both sides.
THREADS_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
os.environ.update(THREADS_ENV)

import argparse  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from _common import ROOT  # noqa: E402
from bench_fleet_gen import make_fleet  # noqa: E402
from hedge_planner.engine import SINGLE_THREAD_ENV, JobStats, TaskOutcome  # noqa: E402
from hedge_planner.fleet import load_manifest, run_fleet  # noqa: E402
from hedge_planner.grid import CaseBundle, bundle_run, run_grid  # noqa: E402
from hedge_planner.io import read_text  # noqa: E402

EXAMPLE = ROOT / "examples" / "core_plus"


def grid_points(n: int) -> list[dict[str, float]]:
    """``n`` points: risk_aversion (500..5000) x duration_band (0.15..0.35 years)."""
    side = max(1, math.ceil(math.sqrt(n)))
    ra = [500.0 + 4500.0 * i / max(1, side - 1) for i in range(side)]
    band = [0.15 + 0.2 * i / max(1, side - 1) for i in range(side)]
    return [{"risk_aversion": a, "duration_band": b} for a in ra for b in band][:n]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def warm_worker(bundle: CaseBundle) -> float:
    """On a worker: measure the book and compile the problem once (cached for the jobs)."""
    t0 = time.perf_counter()
    bundle_run(bundle).problem()
    return time.perf_counter() - t0


def report(
    name: str,
    n: int,
    workers: int,
    serial: tuple[float, float, JobStats],
    cluster: tuple[float, float, JobStats],
    startup: float,
) -> None:
    """Print one job's figures: (wall s, summed task s, job stats) of each engine."""
    (t1, task1, s1), (tn, taskn, sn) = serial, cluster
    speedup = t1 / tn
    mean_task = taskn / n
    overhead = (tn * workers - taskn) / n
    in_batch = (sn.batch_seconds - taskn) / n
    f_meas = min(1.0, max(0.0, (t1 - s1.batch_seconds + sn.parent_seconds) / t1))
    f_kf = (1 / speedup - 1 / workers) / (1 - 1 / workers)
    print(f"\n== {name}: {n} tasks in {sn.batches} batches ==")
    print(f"serial in-process : {t1:8.2f} s  {n / t1:8.2f} tasks/s  (tasks {task1:.2f} s)")
    print(f"{workers}-worker cluster : {tn:8.2f} s  {n / tn:8.2f} tasks/s  (tasks {taskn:.2f} s)")
    print(f"speedup           : {speedup:8.2f}x against serial (same run; target >= 1.6x at 2)")
    print(f"end-to-end        : {n / (tn + startup):8.2f} tasks/s with the cluster start-up and "
          f"warm-up ({startup:.1f} s) counted")  # fmt: skip
    print(f"per-task overhead : {1e3 * overhead:8.2f} ms  ({100 * overhead / mean_task:.1f}% of "
          f"the mean task, {1e3 * mean_task:.2f} ms; target < 10%)")  # fmt: skip
    print(f"  of which in-batch (compile, rows): {1e3 * in_batch:.2f} ms; scheduling and idle "
          f"tail: {1e3 * (overhead - in_batch):.2f} ms")  # fmt: skip
    print(f"serial fraction   : {f_meas:8.4f} measured (serial run outside batches + cluster "
          f"parent work {sn.parent_seconds:.2f} s)")  # fmt: skip
    print(f"                    {f_kf:8.4f} Karp-Flatt (implied by the {workers}-worker speedup)")
    eff = mean_task / (mean_task + overhead * (1 - 1 / workers))
    for w in (8, 32, 128):
        s = eff / (f_meas + (1 - f_meas) / w)
        cap = " (this job has fewer batches than workers)" if sn.batches < w else ""
        print(f"PROJECTION {w:>3} workers (Amdahl, f={f_meas:.4f}, task efficiency {eff:.2f}): "
              f"{s:6.1f}x, {s * n / t1:8.1f} tasks/s{cap}")  # fmt: skip


def task_seconds(outcomes: list[TaskOutcome]) -> float:
    return math.fsum(o.seconds for o in outcomes)


def bench_grid(bundle: CaseBundle, n: int, workers: int, address: str, startup: float) -> None:
    pts = grid_points(n)
    t_setup, _ = timed(lambda: bundle_run(bundle).problem())
    print(f"serial set-up (book measured, problem compiled): {t_setup:.1f} s (not in throughput)")
    s1, sn = JobStats(), JobStats()
    t1, serial = timed(lambda: run_grid(bundle, pts, stats=s1))
    tn, cluster = timed(lambda: run_grid(bundle, pts, scheduler=address, stats=sn))
    sums = [math.fsum(r.get("seconds", 0.0) for r in rows) for rows in (serial, cluster)]
    report(f"grid ({len(pts)} points)", len(pts), workers, (t1, sums[0], s1),
           (tn, sums[1], sn), startup)  # fmt: skip
    differ = sum(
        {k: v for k, v in a.items() if k.startswith("trade:")}
        != {k: v for k, v in b.items() if k.startswith("trade:")}
        for a, b in zip(serial, cluster, strict=True)
    )
    print(f"points whose trades differ from serial: {differ}")


def bench_fleet(n: int, workers: int, address: str, startup: float) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        template, mandates = load_manifest(make_fleet(Path(tmp), n))
        s1, sn = JobStats(), JobStats()
        t1, serial = timed(lambda: run_fleet(template, mandates, stats=s1))
        tn, cluster = timed(lambda: run_fleet(template, mandates, scheduler=address, stats=sn))
        report(f"fleet ({len(mandates)} mandates)", len(mandates), workers,
               (t1, task_seconds(serial), s1), (tn, task_seconds(cluster), sn),
               startup)  # fmt: skip
        failed = [sum(o.error is not None for o in x) for x in (serial, cluster)]
        print(f"failed mandates: serial {failed[0]}, cluster {failed[1]}")


def main() -> None:
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--mandates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"threads: {THREADS_ENV} in this process; workers {SINGLE_THREAD_ENV}")
    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f} (figures are noise "
          "when it exceeds the core count)")  # fmt: skip
    bundle = CaseBundle(*read_text(EXAMPLE / "case.yaml"))
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, env=SINGLE_THREAD_ENV)  # fmt: skip
    client = Client(cluster)
    t_start = time.perf_counter() - t0
    warm = client.run(warm_worker, bundle)
    startup = time.perf_counter() - t0
    print(f"cluster start {t_start:.1f} s; worker warm-up (book, compile) "
          f"{', '.join(f'{v:.1f}' for v in warm.values())} s")  # fmt: skip
    try:
        if args.points:
            bench_grid(bundle, args.points, args.workers, cluster.scheduler_address, startup)
        if args.mandates:
            bench_fleet(args.mandates, args.workers, cluster.scheduler_address, t_start)
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()

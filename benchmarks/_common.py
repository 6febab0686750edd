"""Shared set-up of the benchmark scripts: the repository on sys.path and a synthetic book."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hedge_planner.models.bonds import BondBook  # noqa: E402
from hedge_planner.models.dates import to_days  # noqa: E402

#: The size of a Bloomberg US Aggregate-like index book.
AGG_SIZE = 13_500
SETTLE = dt.date(2023, 12, 29)


def synthetic_book(
    n: int = AGG_SIZE, seed: int = 42, records: bool = True
) -> tuple[BondBook, np.ndarray, list[dict]]:
    """An index-sized book: maturities 3 months to 30 years, mostly semiannual ACT/ACT.

    Returns the book, yields (decimal) and the same bonds as plain records for QuantLib (an
    empty list with ``records=False``, for the large books of the scaling runs).
    """
    rng = np.random.default_rng(seed)
    settle = int(to_days(SETTLE))
    maturity = settle + rng.integers(90, 30 * 365, size=n)
    freq = rng.choice([2, 2, 2, 2, 4, 12, 1], size=n)
    day_count = rng.choice([0, 0, 0, 1, 1, 2, 3], size=n)
    coupon = np.round(rng.uniform(0.005, 0.08, size=n) * 8, 3) / 8
    yields = rng.uniform(0.035, 0.07, size=n)
    ids = [f"SYN{i:05d}" for i in range(n)]
    book = BondBook.from_arrays(ids, 1_000_000.0, coupon, maturity, freq, day_count, None, True)
    if not records:
        return book, yields, []
    rows = [
        {
            "maturity": dt.date(1970, 1, 1) + dt.timedelta(days=int(maturity[i])),
            "coupon": float(coupon[i]),
            "frequency": int(freq[i]),
            "day_count": int(day_count[i]),
        }
        for i in range(n)
    ]
    return book, yields, rows


def timed(repeats: int, func: Callable[[], Any]) -> tuple[float, float, Any]:
    """Best wall and best CPU time (seconds, this process) of ``repeats`` calls, last result.

    Both sides of every comparison are timed with this function and the same ``repeats``.
    """
    wall = cpu = float("inf")
    result = None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        result = func()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    return wall, cpu, result


def best_of(repeats: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time (seconds) of ``repeats`` calls, and the last result.

    The statistic is the minimum, the least disturbed by other load (see :func:`timed`).
    """
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


#: Book sizes of the scaling runs: an index, ten and a hundred times it.
SCALE_SIZES = (AGG_SIZE, 10 * AGG_SIZE, 100 * AGG_SIZE)


def run_scaling(kind: str, sizes: tuple[int, ...], repeats: int) -> None:
    """Run ``_scale_worker.py`` per book size in a fresh process and print the per-flow table.

    A fresh process per size makes the peak resident memory that size's own. ``kind`` is
    ``"curve_risk"`` or ``"scenarios"``.
    """
    import json
    import subprocess

    worker = Path(__file__).with_name("_scale_worker.py")
    rows = []
    for n in sizes:
        reps = repeats if n <= 10 * AGG_SIZE else max(1, repeats // 3)
        proc = subprocess.run(
            [sys.executable, str(worker), kind, str(n), str(reps)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    label = {"curve_risk": "curve_risk (21 bumps)", "scenarios": "100-scenario revaluation"}[kind]
    print(f"{label}: time per cash flow by book size (best of repeats, wall clock)")
    head = f"{'bonds':>10} {'flows':>11} {'dates':>6} {'schedule':>9} {'kernel':>8} {'CPU':>8}"
    print(head + f" {'temp':>6} {'peak RSS':>9}  (ns/flow; temp B/flow; GB)")
    for r in rows:
        print(
            f"{r['bonds']:>10,} {r['flows']:>11,} {r['dates']:>6,} "
            f"{r['schedule_ns']:>9.1f} {r['kernel_ns']:>8.1f} {r['kernel_cpu_ns']:>8.1f} "
            f"{r['temp_bytes_per_flow']:>6.1f} {r['peak_rss_gb']:>9.2f}"
        )
        if "prep_ns" in r:
            print(f"{'':>30} book preparation {r['prep_ns']:.1f} ns/flow")
    first, last = rows[0], rows[-1]
    ratio = last["kernel_ns"] / first["kernel_ns"]
    cpu_ratio = last["kernel_cpu_ns"] / first["kernel_cpu_ns"]
    print(
        f"ratio ns/flow {last['bonds']:,} vs {first['bonds']:,} bonds: kernel {ratio:.2f}x "
        f"(CPU {cpu_ratio:.2f}x), schedule {last['schedule_ns'] / first['schedule_ns']:.2f}x "
        "(target <= 1.5x)"
    )

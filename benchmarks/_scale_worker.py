"""One size of the scaling runs (see ``_common.run_scaling``); prints one JSON line.

Run: ``python benchmarks/_scale_worker.py {curve_risk|scenarios} N_BONDS REPEATS``. Times the
schedule build and the kernel (``curve_risk``, or the scenario book's preparation and the
100-scenario full revaluation; best wall and CPU time of the repeats), then measures the
kernel's peak temporary allocation with ``tracemalloc`` in a separate, untimed call (numpy
reports its buffers to it) and the process's peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import tracemalloc

import numpy as np
from _common import SETTLE, best_of, synthetic_book, timed
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.risk import curve_risk
from hedge_planner.models.yield_risk import dirty_price_from_yield
from hedge_planner.scenarios.revaluation import ScenarioBook

PAR_TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
PAR_YIELDS = np.array([5.60, 5.40, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
KEY_TENORS = ("1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
KEY_YEARS = np.array([1, 2, 3, 5, 7, 10, 20, 30], dtype=np.float64)
SECTORS = ("treasury", "corporate", "securitized", "muni")


def _peak(func) -> int:
    """Peak bytes allocated (above what was live before) during one call."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = func()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    return peak


def main() -> None:
    kind, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    book, yields, _ = synthetic_book(n, records=False)
    settle = int(to_days(SETTLE))
    curve = bootstrap_treasury_par(settle, PAR_TENORS, PAR_YIELDS)
    t_sched, sched = best_of(repeats, lambda: build_schedule(book, settle))
    flows = int(sched.amounts.size)
    dirty = dirty_price_from_yield(sched, yields)
    row = {
        "kind": kind,
        "bonds": n,
        "flows": flows,
        "dates": int(np.unique(sched.pay_dates).size),
        "schedule_ns": t_sched / flows * 1e9,
    }
    if kind == "curve_risk":
        call = lambda: curve_risk(sched, book.face, curve, dirty)  # noqa: E731
        t_kernel, cpu_kernel, _ = timed(repeats, call)
        temp = _peak(call) - 8 * n * 24  # less the per-bond results (~24 floats per bond)
    else:
        risk = curve_risk(sched, book.face, curve, dirty, key_tenors=KEY_TENORS)
        sectors = list(np.random.default_rng(0).choice(SECTORS, n))
        rng = np.random.default_rng(1)
        rates = rng.normal(0.0, 40e-4, (100, KEY_YEARS.size))
        spreads = np.abs(rng.normal(0.0, 30e-4, (100, len(SECTORS))))

        def prep() -> ScenarioBook:
            return ScenarioBook.from_schedule(
                sched, book.face, curve, risk.z_spread, ids=book.ids, sectors=sectors
            )

        t_prep, sbook = best_of(repeats, prep)
        call = lambda: sbook.prices(KEY_YEARS, rates, spreads, SECTORS)  # noqa: E731
        t_kernel, cpu_kernel, _ = timed(repeats, call)
        row["prep_ns"] = t_prep / flows * 1e9
        # Temporaries of the revaluation, less its (100, n) output of prices.
        temp = _peak(call) - 8 * 100 * n
    row["kernel_ns"] = t_kernel / flows * 1e9
    row["kernel_cpu_ns"] = cpu_kernel / flows * 1e9
    row["temp_bytes_per_flow"] = max(temp, 0) / flows
    row["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps(row))


if __name__ == "__main__":
    main()

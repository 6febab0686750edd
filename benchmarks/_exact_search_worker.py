"""One side of ``bench_exact_search.py``: times the exact search in THIS interpreter's package.

Run: ``python benchmarks/_exact_search_worker.py REPS BOOKS``; prints one JSON line. The
package is whatever ``hedge_planner`` the interpreter imports (the reference run uses another
checkout's virtual environment), the example cases are this checkout's. Per example with legs
(``case.yaml``, ``case_legs.yaml`` as written and with ``max_legs: 6``): the median of
``REPS`` solves from scratch (``HedgeOptimizer.solve``, each proven to the 1e-6 gap), node QPs,
objective (currency). The service's fast path: the median of ``BOOKS`` desk hedges in process
(``MarketContext.hedge``, a different key-rate book each, after a warm-up one).
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_integer import example_optimizer

CASES = (("case.yaml", None), ("case_legs.yaml", None), ("case_legs.yaml", 6))


def examples(reps: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for case_file, max_legs in CASES:
        opt = example_optimizer(case_file, max_legs)
        times, res = [], None
        for _ in range(reps):
            opt.warm_int = None  # every solve from scratch
            t = time.perf_counter()
            res = opt.solve()
            times.append(time.perf_counter() - t)
        assert res is not None
        name = case_file if max_legs is None else f"{case_file} + max_legs {max_legs}"
        out[name] = {"median_ms": 1e3 * statistics.median(times), "nodes": res.iterations,
                     "status": res.status, "objective": res.objective}  # fmt: skip
    return out


def service(books: int) -> dict[str, Any]:
    import bench_service as bs
    from hedge_planner.service.desk import HedgeRequest, hedge_overrides
    from hedge_planner.service.hedge_pool import _warm
    from hedge_planner.service.jobs import MarketContext

    market = MarketContext(bs.EXAMPLE)
    _warm(market)  # as the workers
    times = []
    for i in range(-1, books):
        overrides = hedge_overrides(HedgeRequest(**bs._book(i)), market)
        t = time.perf_counter()
        market.hedge(overrides)
        if i >= 0:  # the first one is a warm-up
            times.append(time.perf_counter() - t)
    return {"fast path median_ms": 1e3 * statistics.median(times),
            "counts": dict(market.fast.counts)}  # fmt: skip


def main() -> None:
    logging.disable(logging.WARNING)  # the example's basket warnings
    reps, books = int(sys.argv[1]), int(sys.argv[2])
    print(json.dumps({"examples": examples(reps), "service": service(books)}))


if __name__ == "__main__":
    main()

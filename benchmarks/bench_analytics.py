"""Benchmark: schedule, pricing and yield risk of a 13,500-bond book versus a QuantLib loop.

Run: ``python benchmarks/bench_analytics.py``. Prints both timings and the speed-up ratio; the
target is at least 20x for pricing plus risk (schedule build included on both sides).
"""

from __future__ import annotations

import time

import numpy as np
from _common import AGG_SIZE, SETTLE, best_of, synthetic_book
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.yield_risk import yield_risk


def main() -> None:
    import QuantLib as ql

    from tests.ql_reference import QL_FREQ, ql_date, ql_day_counter, ql_fixed_bond

    book, yields, records = synthetic_book()
    settle = int(to_days(SETTLE))

    t_sched, sched = best_of(5, lambda: build_schedule(book, settle))
    t_risk, risk = best_of(5, lambda: yield_risk(sched, yields))
    ours = t_sched + t_risk

    # QuantLib: build each bond, then clean price, accrued, Macaulay and modified duration and
    # convexity from its yield: the same figures, one bond at a time.
    start = time.perf_counter()
    bonds = [
        ql_fixed_bond(SETTLE, r["maturity"], r["coupon"], r["frequency"], r["day_count"])
        for r in records
    ]
    t_ql_build = time.perf_counter() - start
    qd = ql_date(SETTLE)
    start = time.perf_counter()
    ql_dirty = np.empty(len(bonds))
    for i, (bond, r) in enumerate(zip(bonds, records, strict=True)):
        dc = ql_day_counter(r["day_count"])
        f = QL_FREQ[r["frequency"]]
        y = float(yields[i])
        clean = ql.BondFunctions.cleanPrice(bond, y, dc, ql.Compounded, f, qd)
        ql_dirty[i] = clean + ql.BondFunctions.accruedAmount(bond, qd)
        ql.BondFunctions.duration(bond, y, dc, ql.Compounded, f, ql.Duration.Macaulay, qd)
        ql.BondFunctions.duration(bond, y, dc, ql.Compounded, f, ql.Duration.Modified, qd)
        ql.BondFunctions.convexity(bond, y, dc, ql.Compounded, f, qd)
    t_ql_risk = time.perf_counter() - start
    theirs = t_ql_build + t_ql_risk

    max_rel = float(np.max(np.abs(risk.dirty_price / ql_dirty - 1.0)))
    print(f"book: {AGG_SIZE} bonds, settlement {SETTLE}, {sched.amounts.size:,} cash-flow slots")
    print(f"hedge-planner schedule build      {t_sched * 1e3:9.1f} ms")
    print(f"hedge-planner pricing + risk      {t_risk * 1e3:9.1f} ms")
    print(f"hedge-planner total               {ours * 1e3:9.1f} ms")
    print(f"QuantLib loop bond construction   {t_ql_build * 1e3:9.1f} ms")
    print(f"QuantLib loop pricing + risk      {t_ql_risk * 1e3:9.1f} ms")
    print(f"QuantLib loop total               {theirs * 1e3:9.1f} ms")
    print(f"speed-up, pricing + risk only     {t_ql_risk / t_risk:9.1f}x")
    print(f"speed-up, schedule + pricing + risk {theirs / ours:7.1f}x   (target >= 20x)")
    print(f"max relative difference of dirty prices vs QuantLib: {max_rel:.2e}")


if __name__ == "__main__":
    main()

"""Benchmark: schedule, pricing and yield risk of a 13,500-bond book versus a QuantLib loop.

Run: ``python benchmarks/bench_analytics.py``. Prints both timings and the speed-up ratio; the
target is at least 20x for pricing plus risk (schedule build included on both sides).

Both sides are timed the same way, the best (minimum) wall time of ``REPEATS`` runs
(``_common.timed``), and every figure both compute is compared: dirty price, Macaulay and
modified duration and yield convexity.
"""

from __future__ import annotations

import numpy as np
from _common import AGG_SIZE, SETTLE, synthetic_book, timed
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.dates import to_days
from hedge_planner.models.yield_risk import yield_risk

#: Runs per side; both report the best (minimum) wall time.
REPEATS = 3


def main() -> None:
    import QuantLib as ql

    from tests.ql_reference import QL_FREQ, ql_date, ql_day_counter, ql_fixed_bond

    book, yields, records = synthetic_book()
    settle = int(to_days(SETTLE))

    t_sched, _, sched = timed(REPEATS, lambda: build_schedule(book, settle))
    t_risk, _, risk = timed(REPEATS, lambda: yield_risk(sched, yields))
    ours = t_sched + t_risk

    # QuantLib: build each bond, then clean price, accrued, Macaulay and modified duration and
    # convexity from its yield: the same figures, one bond at a time.
    t_ql_build, _, bonds = timed(
        REPEATS,
        lambda: [
            ql_fixed_bond(SETTLE, r["maturity"], r["coupon"], r["frequency"], r["day_count"])
            for r in records
        ],
    )
    qd = ql_date(SETTLE)

    def ql_loop() -> np.ndarray:
        out = np.empty((len(bonds), 4))  # dirty, Macaulay, modified, convexity
        for i, (bond, r) in enumerate(zip(bonds, records, strict=True)):
            dc = ql_day_counter(r["day_count"])
            f = QL_FREQ[r["frequency"]]
            y = float(yields[i])
            clean = ql.BondFunctions.cleanPrice(bond, y, dc, ql.Compounded, f, qd)
            out[i, 0] = clean + ql.BondFunctions.accruedAmount(bond, qd)
            out[i, 1] = ql.BondFunctions.duration(
                bond, y, dc, ql.Compounded, f, ql.Duration.Macaulay, qd
            )
            out[i, 2] = ql.BondFunctions.duration(
                bond, y, dc, ql.Compounded, f, ql.Duration.Modified, qd
            )
            out[i, 3] = ql.BondFunctions.convexity(bond, y, dc, ql.Compounded, f, qd)
        return out

    t_ql_risk, _, ql_figs = timed(REPEATS, ql_loop)
    theirs = t_ql_build + t_ql_risk

    print(f"book: {AGG_SIZE} bonds, settlement {SETTLE}, {sched.amounts.size:,} cash-flow slots")
    print(f"timing: best of {REPEATS} runs on both sides (wall clock)")
    print(f"hedge-planner schedule build      {t_sched * 1e3:9.1f} ms")
    print(f"hedge-planner pricing + risk      {t_risk * 1e3:9.1f} ms")
    print(f"hedge-planner total               {ours * 1e3:9.1f} ms")
    print(f"QuantLib loop bond construction   {t_ql_build * 1e3:9.1f} ms")
    print(f"QuantLib loop pricing + risk      {t_ql_risk * 1e3:9.1f} ms")
    print(f"QuantLib loop total               {theirs * 1e3:9.1f} ms")
    print(f"speed-up, pricing + risk only     {t_ql_risk / t_risk:9.1f}x")
    print(f"speed-up, schedule + pricing + risk {theirs / ours:7.1f}x   (target >= 20x)")
    checks = [
        ("dirty price (per 100)", risk.dirty_price),
        ("Macaulay duration (years)", risk.macaulay_duration),
        ("modified duration (years)", risk.modified_duration),
        ("convexity (years^2)", risk.convexity),
    ]
    for col, (name, ours_fig) in enumerate(checks):
        theirs_fig = ql_figs[:, col]
        diff = np.abs(ours_fig - theirs_fig)
        big = np.abs(theirs_fig) > 1e-6  # relative figures where the figure is not ~0
        rel = float(np.max(diff[big] / np.abs(theirs_fig[big])))
        print(f"max |{name} difference| vs QuantLib {diff.max():.2e}, max relative {rel:.2e}")


if __name__ == "__main__":
    main()

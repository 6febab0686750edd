"""OAS models: a callable book on the lattice beside QuantLib, and an MBS book on Monte Carlo paths.

Run: ``python benchmarks/bench_oas.py [--bonds 1000] [--pools 300] [--paths 1000] [--ql 50]
[--compare-pools N]``.

* Callables: price, OA duration, convexity, OAS duration and 9 KRDs of ``--bonds`` Bermudan
  callables on the lattice (base, parallel +/- and OAS +/- rolled back together in maturity-sorted
  blocks on a thread pool; KRDs from the adjoint drift gradient, one forward pass), against
  QuantLib pricing the 21 curve scenarios the same figures need by bump and reprice, bond by
  bond (``TreeCallableFixedRateBondEngine``) on ``--ql`` bonds, scaled to the book; same steps
  per year. Ratio = QuantLib time per bond / ours per bond.
* MBS: price, OAS, OA duration, convexity and KRDs of ``--pools`` refi pools with ``--paths``
  paths x 360 months (base and parallel +/- curves projected on common random numbers, KRDs
  from the adjoint of the projection), by the month-major engine; then the same figures by the
  closed-form reference engine (the code before the month-major engine) on ``--compare-pools``
  pools (default: the whole book) in the same run: the time ratio and the largest relative
  differences of price, OA duration, KRDs and convexity.
Threads: ``HEDGE_PLANNER_THREADS`` (default: the CPU count, at most 4). Figures are wall-clock on
this machine in this run (shared cores: read the ratio; the load average is printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import numpy as np
from _common import SETTLE
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.callable import ExerciseSchedule, callable_risk
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.mbs import MonteCarloSpec, PoolBook, mbs_risk
from hedge_planner.models.mbs_pools import subset
from hedge_planner.models.prepayment import Prepayment
from hedge_planner.models.short_rate import HullWhite

NODE_DAYS = [30, 91, 182, 365, 730, 1095, 1826, 2557, 3652, 7305, 10957]
ZEROS = [0.054, 0.0535, 0.052, 0.048, 0.043, 0.041, 0.039, 0.039, 0.0395, 0.042, 0.041]
KEYS = np.array([0.5, 1, 2, 3, 5, 7, 10, 20, 30])
A, SIGMA, STEPS_PER_YEAR = 0.03, 0.01, 24


def _curve() -> YieldCurve:
    t = np.array(NODE_DAYS) / 365.0
    return YieldCurve(SETTLE, t, np.exp(-np.array(ZEROS) * t))


def _callables(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    settle = int(to_days(SETTLE))
    years = rng.integers(3, 16, size=n)
    maturity = add_months(np.full(n, settle), 12 * years)
    coupon = np.round(rng.uniform(0.04, 0.065, size=n) * 8, 3) / 8
    book = BondBook.from_arrays(
        [f"C{i}" for i in range(n)], 1e6, coupon, maturity, 2, int(DayCount.THIRTY_360), None, False
    )
    sched = build_schedule(book, settle)
    schedules = []
    for b in range(n):
        lo, hi = sched.offsets[b], sched.offsets[b + 1]
        first = int(rng.integers(2, 5))
        days = tuple(int(d) for d in sched.pay_dates[lo + first : hi - 1])
        schedules.append(ExerciseSchedule(days, (100.0,) * len(days), "bermudan"))
    return book, sched, schedules


def _ql_time(book, sched, schedules, n_ql: int) -> float:
    import QuantLib as ql

    from tests.ql_reference import ql_date, ql_discount_curve

    curve0 = ql_discount_curve(
        SETTLE,
        NODE_DAYS,
        [float(np.exp(-z * d / 365)) for z, d in zip(ZEROS, NODE_DAYS, strict=True)],
    )
    base = curve0.currentLink()
    start = time.perf_counter()
    for b in range(n_ql):
        mat = dt.date(1970, 1, 1) + dt.timedelta(days=int(book.maturity[b]))
        schedule = ql.Schedule(
            ql_date(mat) - ql.Period(40, ql.Years),
            ql_date(mat),
            ql.Period(ql.Semiannual),
            ql.NullCalendar(),
            ql.Unadjusted,
            ql.Unadjusted,
            ql.DateGeneration.Backward,
            False,
        )
        calls = ql.CallabilitySchedule()
        for d in schedules[b].days:
            day = dt.date(1970, 1, 1) + dt.timedelta(days=d)
            calls.append(
                ql.Callability(
                    ql.BondPrice(100.0, ql.BondPrice.Clean), ql.Callability.Call, ql_date(day)
                )
            )
        bond = ql.CallableFixedRateBond(
            0,
            100.0,
            schedule,
            [float(book.coupon[b])],
            ql.Thirty360(ql.Thirty360.BondBasis),
            ql.Unadjusted,
            100.0,
            ql_date(SETTLE),
            calls,
        )
        years = (mat - SETTLE).days / 365.0
        steps = round(years * STEPS_PER_YEAR)
        for shift in range(21):  # base, parallel +/-, 9 keys +/-: 21 curves as ours
            bumped = ql.YieldTermStructureHandle(
                ql.ZeroSpreadedTermStructure(
                    ql.YieldTermStructureHandle(base),
                    ql.QuoteHandle(ql.SimpleQuote(1e-3 * (shift % 3))),
                )
            )
            model = ql.HullWhite(bumped, A, SIGMA)
            bond.setPricingEngine(ql.TreeCallableFixedRateBondEngine(model, steps))
            bond.cleanPriceOAS(
                0.004, bumped, ql.Actual365Fixed(), ql.Continuous, ql.NoFrequency, ql_date(SETTLE)
            )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bonds", type=int, default=1000)
    parser.add_argument("--ql", type=int, default=50)
    parser.add_argument("--pools", type=int, default=300)
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--compare-pools", type=int, default=None)
    args = parser.parse_args()
    curve, hw = _curve(), HullWhite(A, SIGMA)
    from hedge_planner.models.lattice_pricing import workers

    print(f"threads {workers()}, load average at start {os.getloadavg()[0]:.1f}")

    book, sched, schedules = _callables(args.bonds)
    start = time.perf_counter()
    risk = callable_risk(
        sched,
        curve,
        schedules,
        hw,
        KEYS,
        oas=np.full(args.bonds, 0.004),
        steps_per_year=STEPS_PER_YEAR,
    )
    ours = time.perf_counter() - start
    n_ql = min(args.ql, args.bonds)
    theirs = _ql_time(book, sched, schedules, n_ql)
    print(
        f"callables: {args.bonds} bonds, lattice {risk.steps[0]} steps x {risk.steps[1]} nodes, "
        f"price, OAD, OAC, OAS duration, 9 adjoint KRDs: {ours:.2f} s "
        f"({1e3 * ours / args.bonds:.2f} ms/bond)"
    )
    print(
        f"QuantLib tree, the 21 curve scenarios of bump-and-reprice, {n_ql} bonds: {theirs:.2f} s "
        f"({1e3 * theirs / n_ql:.2f} ms/bond); ratio {theirs / n_ql / (ours / args.bonds):.1f}x"
    )

    _mbs(args.pools, args.paths, args.compare_pools or args.pools, curve, hw)


def _mbs(n: int, paths: int, n_ref: int, curve: YieldCurve, hw: HullWhite) -> None:
    rng = np.random.default_rng(2)
    coupon = rng.choice([0.02, 0.03, 0.04, 0.05, 0.06, 0.065], size=n)
    pools = PoolBook(
        tuple(f"P{i}" for i in range(n)),
        np.full(n, 1e6),
        coupon,
        coupon + 0.007,
        np.full(n, 360),
        np.zeros(n, dtype=np.int64),
        np.full(n, 55),
        tuple(Prepayment("refi", 1.0) for _ in range(n)),
    )
    mc = MonteCarloSpec(paths, 1)
    start = time.perf_counter()
    mrisk = mbs_risk(pools, curve, hw, KEYS, oas=np.full(n, 0.005), mc=mc)
    took = time.perf_counter() - start
    print(
        f"MBS: {n} pools x {paths} paths x 360 months, price, OAD, OAC, adjoint KRDs: "
        f"{took:.2f} s "
        f"(target 10 s); mean price {mrisk.dirty_price.mean():.2f}; "
        f"load average at end {os.getloadavg()[0]:.1f}"
    )
    n_ref = min(n_ref, n)
    sub = subset(pools, np.arange(n_ref))
    new, new_took = mrisk, took
    if n_ref < n:
        start = time.perf_counter()
        new = mbs_risk(sub, curve, hw, KEYS, oas=np.full(n_ref, 0.005), mc=mc)
        new_took = time.perf_counter() - start
    start = time.perf_counter()
    old = mbs_risk(sub, curve, hw, KEYS, oas=np.full(n_ref, 0.005), mc=mc, engine="closed_form")
    old_took = time.perf_counter() - start

    def gap(name: str) -> float:  # KRDs: relative to the pool's OA duration
        a, b = getattr(new, name)[:n_ref], getattr(old, name)
        scale = np.abs(old.duration)[:, None] if name == "krd" else np.abs(b)
        return float(np.max(np.abs(a - b) / scale))

    print(
        f"MBS reference engine (closed form over months, the previous code), {n_ref} pools: "
        f"{old_took:.2f} s against {new_took:.2f} s: ratio {old_took / new_took:.2f}x; "
        f"largest relative differences: price {gap('dirty_price'):.1e}, "
        f"OAD {gap('duration'):.1e}, KRD {gap('krd'):.1e}, OAC {gap('convexity'):.1e}; "
        f"load average at end {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

"""Benchmark: curve-based risk of a 13,500-bond book versus a QuantLib-Python loop.

Run: ``python benchmarks/bench_curve_risk.py [--budget SECONDS]``.

Both sides start from the same Treasury curve (bootstrapped by the package from the 2023-12-29
par yields; QuantLib gets a log-linear ``DiscountCurve`` through its nodes, which reproduces it
exactly) and the same market prices, and compute the same figures: the z-spread (continuous,
ACT/365F) from the market price, then effective duration and convexity (parallel continuous
zero shifts +/- 1 bp), spread duration (z-spread +/- 1 bp) and 9 key rate durations (tent shifts
+/- 1 bp at 6m..30y): 21 repriced curves plus the base price.

Both sides are timed the same way: the best (minimum) wall and CPU time of ``REPEATS`` runs
(``_common.timed``). Every figure both compute is compared: the z-spread, the base dirty price,
effective duration and convexity, spread duration and the 9 KRDs.

* hedge-planner: one ``curve_risk`` call on the whole book (the schedule build is reported
  separately; it is shared with every other analytic).
* QuantLib: bonds built once (reported separately, not in the ratio); ``BondFunctions.zSpread``
  per bond; then for each of the 21 shifted curves the shifted QuantLib curve is built once
  (``ZeroSpreadedTermStructure`` for the parallel shifts, ``PiecewiseZeroSpreadedTermStructure``
  for the tents, the base curve for the spread shifts) and every bond is priced off it with its
  z-spread (``BondFunctions.dirtyPrice`` with a continuous ACT/365F zSpread).

If a pilot run projects the full QuantLib loop beyond ``--budget`` seconds (default 180), the
loop runs on a documented random subset (seed 7) and its time is scaled linearly to the book,
which the output states. The target is a speed-up of at least 50x.

``--scale`` instead prints the cost per cash flow of ``curve_risk`` at 13.5k, 135k and 1.35M
bonds (each size in a fresh process), the ratio of the largest to the smallest, the kernel's
peak temporaries per flow and the peak resident memory.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import AGG_SIZE, SCALE_SIZES, SETTLE, run_scaling, synthetic_book, timed
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_days
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, DEFAULT_SHIFT, curve_risk
from hedge_planner.models.yield_risk import dirty_price_from_yield

UST_TENORS = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
UST_2023_12_29 = np.array(
    [5.60, 5.59, 5.40, 5.41, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]
)
KEY_YEARS = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])
PILOT = 200
SUBSET_SEED = 7
#: Runs per side; both report the best (minimum) wall and CPU time.
REPEATS = 3


class QuantLibLoop:
    """The QuantLib side: base curve, shifted curves and per-bond repricing."""

    def __init__(self, curve: YieldCurve, h: float) -> None:
        import QuantLib as ql

        from tests.ql_reference import ql_date

        self.ql = ql
        self.h = h
        self.settle = ql_date(SETTLE)
        ql.Settings.instance().evaluationDate = self.settle
        self.dc = ql.Actual365Fixed()
        self.anchor = ql.Date(int(curve.anchor) + 25569)  # QuantLib serial of 1970-01-01
        node_days = np.rint(curve.node_times * 365.0).astype(int)
        dates = [self.anchor] + [self.anchor + int(d) for d in node_days]
        self.base = ql.DiscountCurve(dates, [1.0, *curve.node_discounts.tolist()], self.dc)
        self.base.enableExtrapolation()

    def _parallel(self, bump: float):
        ql = self.ql
        ts = ql.ZeroSpreadedTermStructure(
            ql.YieldTermStructureHandle(self.base),
            ql.QuoteHandle(ql.SimpleQuote(bump)),
            ql.Continuous,
            ql.NoFrequency,
            self.dc,
        )
        ts.enableExtrapolation()
        return ts

    def _tent(self, key: int, bump: float):
        """Tent spread at one key: nodes on the whole days either side of each key time (the
        6m key is 182.5 days), values from the tent, so QuantLib's linear spread interpolation
        equals the tent on every cash-flow date; flat beyond the end keys."""
        ql = self.ql
        key_days = KEY_YEARS * 365.0
        node_days = np.unique(np.concatenate([np.floor(key_days), np.ceil(key_days)])).astype(int)
        unit = np.zeros(KEY_YEARS.size)
        unit[key] = 1.0
        values = bump * np.interp(node_days / 365.0, KEY_YEARS, unit)
        ts = ql.PiecewiseZeroSpreadedTermStructure(
            ql.YieldTermStructureHandle(self.base),
            [ql.QuoteHandle(ql.SimpleQuote(float(v))) for v in values],
            [self.anchor + int(d) for d in node_days],
            ql.Continuous,
            ql.NoFrequency,
            self.dc,
        )
        ts.enableExtrapolation()
        return ts

    def run(self, bonds: list, clean: np.ndarray) -> dict[str, np.ndarray]:
        """z-spreads, then the base and 21 shifted prices of every bond (timed by the caller)."""
        ql, h, settle, dc = self.ql, self.h, self.settle, self.dc
        n = len(bonds)
        z = np.empty(n)
        for i, (bond, c) in enumerate(zip(bonds, clean, strict=True)):
            price = ql.BondPrice(float(c), ql.BondPrice.Clean)
            z[i] = ql.BondFunctions.zSpread(
                bond, price, self.base, dc, ql.Continuous, ql.Annual, settle, 1e-12, 200
            )

        def reprice(ts, dz: float = 0.0) -> np.ndarray:
            return np.array(
                [
                    ql.BondFunctions.dirtyPrice(
                        b, ts, float(s) + dz, dc, ql.Continuous, ql.Annual, settle
                    )
                    for b, s in zip(bonds, z, strict=True)
                ]
            )

        out = {"z": z, "p0": reprice(self.base)}
        out["par_up"], out["par_dn"] = reprice(self._parallel(h)), reprice(self._parallel(-h))
        out["spr_up"], out["spr_dn"] = reprice(self.base, h), reprice(self.base, -h)
        out["key_up"] = np.stack([reprice(self._tent(k, h)) for k in range(KEY_YEARS.size)], 1)
        out["key_dn"] = np.stack([reprice(self._tent(k, -h)) for k in range(KEY_YEARS.size)], 1)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=180.0, help="QuantLib loop budget, s")
    parser.add_argument("--scale", action="store_true", help="ns per flow at 13.5k..1.35M bonds")
    args = parser.parse_args()
    if args.scale:
        run_scaling("curve_risk", SCALE_SIZES, REPEATS)
        return

    from tests.ql_reference import ql_fixed_bond

    book, yields, records = synthetic_book()
    settle = int(to_days(SETTLE))
    curve = bootstrap_treasury_par(SETTLE, UST_TENORS, UST_2023_12_29 / 100.0)
    h = DEFAULT_SHIFT
    assert len(DEFAULT_KEY_TENORS) == KEY_YEARS.size

    # Market prices: the synthetic yields' dirty prices (any positive prices would do).
    t_sched, _, sched = timed(REPEATS, lambda: build_schedule(book, settle))
    dirty = dirty_price_from_yield(sched, yields)
    clean = dirty - sched.accrued
    t_ours, cpu_ours, risk = timed(
        REPEATS, lambda: curve_risk(sched, book.face, curve, dirty, shift=h)
    )

    # QuantLib: bonds built (timed separately, like our schedule build), then the loop.
    t_ql_build, _, bonds = timed(
        REPEATS,
        lambda: [
            ql_fixed_bond(SETTLE, r["maturity"], r["coupon"], r["frequency"], r["day_count"])
            for r in records
        ],
    )
    loop = QuantLibLoop(curve, h)
    rng = np.random.default_rng(SUBSET_SEED)
    order = rng.permutation(AGG_SIZE)
    start = time.perf_counter()
    loop.run([bonds[i] for i in order[:PILOT]], clean[order[:PILOT]])
    projected = (time.perf_counter() - start) * AGG_SIZE / PILOT * REPEATS
    if projected <= args.budget:
        idx = np.arange(AGG_SIZE)
    else:
        size = max(PILOT, int(AGG_SIZE * args.budget / projected / 2))
        idx = np.sort(order[:size])
    subset = [bonds[i] for i in idx]
    t_ql_measured, cpu_ql_measured, ql_out = timed(REPEATS, lambda: loop.run(subset, clean[idx]))
    t_ql = t_ql_measured * AGG_SIZE / idx.size
    cpu_ql = cpu_ql_measured * AGG_SIZE / idx.size

    # QuantLib's central differences, the same definitions as models.risk.
    p0 = ql_out["p0"]
    ql_dur = (ql_out["par_dn"] - ql_out["par_up"]) / (2 * h * p0)
    ql_cvx = (ql_out["par_up"] + ql_out["par_dn"] - 2 * p0) / (h * h * p0)
    ql_sdur = (ql_out["spr_dn"] - ql_out["spr_up"]) / (2 * h * p0)
    ql_krd = (ql_out["key_dn"] - ql_out["key_up"]) / (2 * h * p0[:, None])

    print(f"book: {AGG_SIZE} bonds, settlement {SETTLE}, {sched.amounts.size:,} cash-flow slots")
    print(
        f"figures: z-spread, effective duration/convexity, spread duration, {KEY_YEARS.size} KRDs"
    )
    print(f"         (21 shifted curves + base, shift {h:g})")
    print(f"hedge-planner schedule build (separate)   {t_sched * 1e3:10.1f} ms")
    print(f"timing: best of {REPEATS} runs on both sides (wall clock; CPU time below)")
    print(f"hedge-planner curve_risk                  {t_ours * 1e3:10.1f} ms")
    print(f"QuantLib bond construction (separate)     {t_ql_build * 1e3:10.1f} ms")
    if idx.size == AGG_SIZE:
        print(f"QuantLib loop, all {AGG_SIZE} bonds            {t_ql * 1e3:10.1f} ms")
    else:
        print(
            f"QuantLib loop on a random subset of {idx.size} bonds (numpy seed {SUBSET_SEED}; "
            f"full loop projected at {projected:.0f} s > budget {args.budget:.0f} s): "
            f"{t_ql_measured:.1f} s, scaled linearly to {AGG_SIZE} bonds"
        )
        print(f"QuantLib loop, scaled to the book         {t_ql * 1e3:10.1f} ms")
    print(f"speed-up, curve_risk vs QuantLib loop     {t_ql / t_ours:10.1f}x   (target >= 50x)")
    print(
        f"speed-up in CPU time (process_time)       {cpu_ql / cpu_ours:10.1f}x   "
        f"({cpu_ours * 1e3:.1f} ms vs {cpu_ql * 1e3:.1f} ms; less sensitive to a loaded machine)"
    )
    print(
        "speed-up incl. schedule vs bond building  "
        f"{(t_ql + t_ql_build) / (t_ours + t_sched):10.1f}x"
    )
    dz = np.abs(risk.z_spread[idx] - ql_out["z"]).max()
    print(f"max |z-spread difference|                 {dz:10.2e}")
    checks = [
        ("base dirty price (per 100)", risk.dirty_price[idx], p0),
        ("effective duration (years)", risk.effective_duration[idx], ql_dur),
        ("effective convexity (years^2)", risk.effective_convexity[idx], ql_cvx),
        ("spread duration (years)", risk.spread_duration[idx], ql_sdur),
        ("key rate durations (years)", risk.krd.krd[idx], ql_krd),
    ]
    for name, ours, theirs in checks:
        diff = np.abs(ours - theirs)
        big = np.abs(theirs) > 1e-4  # relative figures only where the exposure is material
        rel = np.max(diff[big] / np.abs(theirs[big]))
        print(f"max |{name} difference| {diff.max():.2e}, max relative {rel:.2e}")


if __name__ == "__main__":
    main()

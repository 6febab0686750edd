"""Benchmark: 100 scenarios x 13,500 bonds full revaluation versus a QuantLib repricing loop.

Run: ``python benchmarks/bench_scenarios.py [--ql-scenarios N | --ql-full]``. Target >= 50x.

Both sides revalue the same book (``_common.synthetic_book``, priced off a bootstrapped Treasury
curve plus a z-spread per bond fitted to its yield) under the same 100 scenarios: key-rate tent
shifts on whole-year key tenors (1y ... 30y, so QuantLib's spread dates sit exactly on the tent
knots) and sector spread shifts.

QuantLib side, as a QuantLib user would write it: the base curve is a ``DiscountCurve`` on the
model's node discount factors (ACT/365F); per scenario **one** shifted curve is built
(``PiecewiseZeroSpreadedTermStructure``: linear zero spreads between the key dates, flat beyond,
i.e. the tents), then every bond is priced on it with its z-spread plus its sector's spread
shift (``BondFunctions.cleanPrice(bond, curve, z, Actual365Fixed, Continuous)`` + accrued).
The full QuantLib loop takes minutes, so by default it runs a subset of the scenarios and the
time is scaled linearly to 100 (printed as such); ``--ql-full`` runs all of them.

Both sides are timed the same way: the best (minimum) wall and CPU time of ``REPEATS`` runs
(``_common.timed``), bond construction against our schedule build and book preparation
included. Every figure both compute is compared: each bond's dirty price under each scenario
and the book's scenario P&L.

``--scale`` instead prints the cost per cash flow of the 100-scenario full revaluation (and of
the book preparation) at 13.5k, 135k and 1.35M bonds, each size in a fresh process, the ratio
of the largest to the smallest, the temporaries per flow and the peak resident memory.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import AGG_SIZE, SCALE_SIZES, SETTLE, run_scaling, synthetic_book, timed
from hedge_planner.models.bonds import build_schedule
from hedge_planner.models.bootstrap import bootstrap_treasury_par
from hedge_planner.models.dates import to_days
from hedge_planner.models.risk import curve_risk
from hedge_planner.models.yield_risk import dirty_price_from_yield
from hedge_planner.scenarios.definitions import ScenarioMatrices
from hedge_planner.scenarios.revaluation import ScenarioBook, revalue_scenarios

N_SCENARIOS = 100
KEY_TENORS = ("1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
KEY_YEARS = np.array([1, 2, 3, 5, 7, 10, 20, 30], dtype=np.float64)
SECTORS = ("treasury", "corporate", "securitized", "muni")
PAR_TENORS = ["1m", "3m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
PAR_YIELDS = np.array([5.60, 5.40, 5.26, 4.79, 4.23, 4.01, 3.84, 3.88, 3.88, 4.20, 4.03]) / 100
#: Runs per side; both report the best (minimum) wall and CPU time.
REPEATS = 3


def _scenarios(seed: int = 1) -> ScenarioMatrices:
    """Parallel, random key-rate and spread scenarios (decimal shifts)."""
    rng = np.random.default_rng(seed)
    rates = rng.normal(0.0, 40.0, (N_SCENARIOS, KEY_YEARS.size))
    rates[:6] = np.array([25, -25, 50, -50, 100, -100])[:, None]
    spreads = np.abs(rng.normal(0.0, 30.0, (N_SCENARIOS, len(SECTORS))))
    spreads[:, 0] = 0.0  # Treasuries carry no spread shift
    return ScenarioMatrices(
        names=tuple(f"scenario_{i:03d}" for i in range(N_SCENARIOS)),
        key_tenors=KEY_TENORS,
        sectors=SECTORS,
        rate_shifts=rates * 1e-4,
        spread_shifts=spreads * 1e-4,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ql-scenarios", type=int, default=5, help="QuantLib subset size")
    parser.add_argument("--ql-full", action="store_true", help="run QuantLib on all scenarios")
    parser.add_argument("--scale", action="store_true", help="ns per flow at 13.5k..1.35M bonds")
    args = parser.parse_args()
    if args.scale:
        run_scaling("scenarios", SCALE_SIZES, REPEATS)
        return

    import QuantLib as ql

    from tests.ql_reference import ql_date, ql_fixed_bond

    book, yields, records = synthetic_book()
    settle = int(to_days(SETTLE))
    sectors = np.random.default_rng(0).choice(SECTORS, AGG_SIZE)
    curve = bootstrap_treasury_par(settle, PAR_TENORS, PAR_YIELDS)
    sched = build_schedule(book, settle)
    dirty = dirty_price_from_yield(sched, yields)
    risk = curve_risk(sched, book.face, curve, dirty, key_tenors=KEY_TENORS)
    mats = _scenarios()

    t_sched, _, _ = timed(REPEATS, lambda: build_schedule(book, settle))
    t_prep, _, sbook = timed(
        REPEATS,
        lambda: ScenarioBook.from_schedule(
            sched, book.face, curve, risk.z_spread, ids=book.ids, sectors=list(sectors)
        ),
    )
    t_prices, cpu_prices, prices = timed(
        REPEATS,
        lambda: sbook.prices(KEY_YEARS, mats.rate_shifts, mats.spread_shifts, mats.sectors),
    )
    t_full, _, _ = timed(REPEATS, lambda: revalue_scenarios(sbook, mats, risk))

    # ---------------------------------------------------------------- QuantLib loop
    d0 = ql_date(SETTLE)
    t_ql_build, _, bonds = timed(
        REPEATS,
        lambda: [
            ql_fixed_bond(SETTLE, r["maturity"], r["coupon"], r["frequency"], r["day_count"])
            for r in records
        ],
    )
    ql.Settings.instance().evaluationDate = d0
    dc = ql.Actual365Fixed()
    node_days = np.rint(curve.node_times * 365.0).astype(int)
    base = ql.YieldTermStructureHandle(
        ql.DiscountCurve(
            [d0] + [d0 + int(d) for d in node_days], [1.0, *curve.node_discounts.tolist()], dc
        )
    )
    key_dates = [d0 + round(365 * y) for y in KEY_YEARS]
    col = {s: j for j, s in enumerate(mats.sectors)}
    bond_col = np.array([col[s] for s in sectors])
    n_ql = N_SCENARIOS if args.ql_full else min(args.ql_scenarios, N_SCENARIOS)
    accrued = np.array([ql.BondFunctions.accruedAmount(b, d0) for b in bonds])

    def ql_loop() -> np.ndarray:
        out = np.empty((n_ql, AGG_SIZE))
        for s in range(n_ql):
            quotes = [ql.QuoteHandle(ql.SimpleQuote(float(v))) for v in mats.rate_shifts[s]]
            shifted = ql.PiecewiseZeroSpreadedTermStructure(base, quotes, key_dates)
            shifted.enableExtrapolation()
            spread = risk.z_spread + mats.spread_shifts[s, bond_col]
            for i, bond in enumerate(bonds):
                clean = ql.BondFunctions.cleanPrice(
                    bond, shifted, float(spread[i]), dc, ql.Continuous, ql.NoFrequency, d0
                )
                out[s, i] = clean + accrued[i]
        return out

    t_ql_loop, cpu_ql_loop, ql_prices = timed(REPEATS, ql_loop)
    t_ql_scaled = t_ql_loop * N_SCENARIOS / n_ql
    cpu_ql_scaled = cpu_ql_loop * N_SCENARIOS / n_ql
    max_diff = float(np.max(np.abs(prices[:n_ql] - ql_prices)))
    # Book P&L per scenario (currency) from each side's prices and the same base prices.
    ours_pnl = (prices[:n_ql] - sbook.base_price) @ (book.face / 100.0)
    ql_pnl = (ql_prices - sbook.base_price) @ (book.face / 100.0)
    pnl_rel = float(np.max(np.abs(ours_pnl - ql_pnl) / np.abs(ql_pnl)))

    print(f"book: {AGG_SIZE} bonds, {sched.amounts.size:,} cash flows, settlement {SETTLE}")
    print(f"scenarios: {N_SCENARIOS} (key-rate tents on {', '.join(KEY_TENORS)} + 4 sectors)")
    print(f"timing: best of {REPEATS} runs on both sides (wall clock)")
    print(f"hedge-planner schedule build            {t_sched * 1e3:9.1f} ms")
    print(f"hedge-planner book preparation          {t_prep * 1e3:9.1f} ms")
    print(f"hedge-planner full revaluation (prices) {t_prices * 1e3:9.1f} ms")
    print(f"hedge-planner revalue_scenarios (+approx, P&L) {t_full * 1e3:7.1f} ms")
    print(f"QuantLib bond construction              {t_ql_build * 1e3:9.1f} ms")
    if n_ql < N_SCENARIOS:
        print(
            f"QuantLib repricing loop: timed {n_ql} of {N_SCENARIOS} scenarios "
            f"({t_ql_loop:.2f} s) and scaled linearly to {N_SCENARIOS}"
        )
    print(f"QuantLib repricing loop, {N_SCENARIOS} scenarios   {t_ql_scaled:9.2f} s")
    ratio = t_ql_scaled / t_prices
    print(f"speed-up, full revaluation              {ratio:9.1f}x  (target >= 50x)")
    print(f"speed-up in CPU time (process_time)     {cpu_ql_scaled / cpu_prices:9.1f}x")
    print(f"speed-up, revalue_scenarios             {t_ql_scaled / t_full:9.1f}x")
    ours_all = t_sched + t_prep + t_full
    theirs_all = t_ql_build + t_ql_scaled
    print(f"speed-up incl. preparation/construction {theirs_all / ours_all:9.1f}x")
    print(f"max |dirty price difference| vs QuantLib (per 100 face): {max_diff:.2e}")
    print(f"max relative book P&L difference vs QuantLib: {pnl_rel:.2e}")


if __name__ == "__main__":
    main()

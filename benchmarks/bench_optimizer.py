"""Benchmark of the hedge optimiser on a synthetic but realistic book.

Run as ``python benchmarks/bench_optimizer.py`` (not a test). Problem: USD 2bn portfolio,
9 key-rate buckets, 7 Treasury futures (integer contracts), 8 par swaps 2Y..30Y, 4 swaptions,
every limit and cost active. Prints:

* median solve time (gap 1e-6) over repeated solves, beside SCIP on the same MIQP via cvxpy;
* sweep throughput (points/s) of the compiled model vs rebuilding the problem every point.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from solvers.optimizer import HedgeOptimizer
from solvers.problem import Instrument, PortfolioRisk
from solvers.terms import (
    CarryTerm,
    ConvexityFloor,
    DurationBand,
    DV01Limit,
    ImpactTerm,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)

TENORS = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 30.0])
LABELS = ("6M", "1Y", "2Y", "3Y", "5Y", "7Y", "10Y", "20Y", "30Y")
MV = 2e9  # USD
SCIP_LIMIT = 60.0  # seconds


def _spread(maturity: float, total: float) -> np.ndarray:
    """Key-rate DV01 of a bullet-like exposure: most at the maturity buckets, a little before."""
    w = np.zeros(len(TENORS))
    k = int(np.searchsorted(TENORS, maturity))
    k = min(k, len(TENORS) - 1)
    if k > 0 and TENORS[k] != maturity:
        a = (maturity - TENORS[k - 1]) / (TENORS[k] - TENORS[k - 1])
        w[k - 1], w[k] = 1 - a, a
    else:
        w[k] = 1.0
    w = 0.9 * w
    w[: max(k, 1)] += 0.1 / max(k, 1)  # coupon exposure at shorter buckets
    return total * w / w.sum()


def covariance() -> np.ndarray:
    """Key-rate covariance, bp^2/yr: ~70-95 bp/yr vols, exponentially decaying correlation."""
    vol = np.array([70, 80, 95, 95, 92, 90, 85, 78, 75], dtype=float)
    corr = 0.55 + 0.45 * np.exp(-np.abs(np.log(TENORS[:, None] / TENORS[None, :])) / 0.9)
    return corr * np.outer(vol, vol)


def build(seed: int = 0) -> tuple[PortfolioRisk, list[Instrument], np.ndarray]:
    """Portfolio (duration ~6.6y vs benchmark 6.0y), 19 hedge instruments, covariance."""
    rng = np.random.default_rng(seed)
    krd_years = np.array([0.05, 0.15, 0.55, 0.65, 1.3, 1.1, 1.5, 0.7, 0.6])
    bench_years = np.array([0.1, 0.2, 0.6, 0.6, 1.1, 0.9, 1.2, 0.6, 0.7])
    port = PortfolioRisk(
        market_value=MV,
        krd_dv01=krd_years * MV * 1e-4 * (1 + 0.02 * rng.standard_normal(9)),
        dollar_convexity=62.0 * MV,  # ~62 years^2 for a 6.6y book
        bench_krd_dv01=bench_years * MV * 1e-4,
        bucket_labels=LABELS,
    )
    fut = [  # name, CTD maturity, DV01/contract, margin, half spread, carry
        ("TU", 1.9, 39.0, 1500.0, 3.9, 12.0),
        ("Z3N", 2.9, 55.0, 1700.0, 5.0, 10.0),
        ("FV", 4.3, 47.0, 1800.0, 3.9, 8.0),
        ("TY", 6.8, 66.0, 2500.0, 7.8, 5.0),
        ("TN", 9.5, 95.0, 3500.0, 7.8, 0.0),
        ("US", 17.0, 190.0, 4800.0, 15.6, -10.0),
        ("UB", 26.0, 340.0, 7500.0, 15.6, -25.0),
    ]
    instruments: list[Instrument] = []
    for name, mat, dv01, margin, hs, carry in fut:
        instruments.append(
            Instrument(
                name=name,
                kind="future",
                krd_dv01=_spread(mat, dv01),
                dollar_convexity=0.7 * dv01 * 1e4 * mat,  # CTD convexity, dampened by the option
                carry=carry,
                half_spread=hs,
                impact=2e-4 * hs,
                margin=margin,
                lo=-25_000,
                hi=25_000,
            )
        )
    for t in (2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0):
        dv01 = t * 0.88 * 1e-4  # per unit notional, receive fixed
        instruments.append(
            Instrument(
                name=f"SW{int(t)}Y",
                kind="swap",
                krd_dv01=_spread(t, dv01),
                dollar_convexity=0.8 * t * t * 0.88,
                carry=2e-4 * np.sqrt(t) / 4,
                half_spread=0.15 * dv01,
                margin=0.004 * t,
                lo=-3e9,
                hi=3e9,
            )
        )
    for name, expiry, tail in (("1Yx10Y", 1.0, 10.0), ("2Yx10Y", 2.0, 10.0),
                               ("5Yx5Y", 5.0, 5.0), ("1Yx30Y", 1.0, 30.0)):  # fmt: skip
        dv01 = 0.5 * tail * 0.85 * 1e-4
        gamma_bp2 = 0.4 * tail * 0.85 * 1e-4 / (90.0 * np.sqrt(expiry))
        instruments.append(
            Instrument(
                name=name,
                kind="swaption",
                krd_dv01=_spread(expiry + tail, dv01),
                dollar_convexity=gamma_bp2 * 1e8,
                carry=-0.5 * dv01 * 90.0 * np.sqrt(expiry) * 0.25 / np.sqrt(expiry + 0.25),
                half_spread=0.5 * 0.4 * tail * 1e-4 * np.sqrt(expiry) * 0.01,
                margin=0.02,
                lo=0.0,
                hi=5e8,
            )
        )
    return port, instruments, covariance()


def make_optimizer(seed: int = 0, **kw: object) -> HedgeOptimizer:
    """Compile the benchmark problem with every limit and cost term active."""
    port, ins, cov = build(seed)
    terms = [TrackingErrorTerm(3e-7), CarryTerm(), SlippageTerm(), ImpactTerm()]
    cons = [
        DurationBand(6.0, 0.05),
        DV01Limit(dv01_min=1.15e6, dv01_max=1.25e6),
        KRDTolerance(np.full(9, 0.12)),
        ConvexityFloor(60.0),
        MarginBudget(6e7),
    ]
    return HedgeOptimizer(port, ins, cov, terms, cons, gap_tol=1e-6, **kw)  # type: ignore[arg-type]


def _median_time(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(runs: int = 30) -> None:
    """Run the benchmark and print the figures."""
    warnings.simplefilter("ignore", RuntimeWarning)
    opt = make_optimizer()
    res = opt.solve()
    print(f"method: {res.method}")
    print(
        f"status {res.status}  objective {res.objective:,.4f}  bound {res.best_bound:,.4f}  "
        f"gap {res.rel_gap:.2e}  nodes {res.iterations}"
    )
    print(
        f"duration {res.pre.duration:.4f} -> {res.post.duration:.4f} y   "
        f"TE {res.pre.te_bp:.2f} -> {res.post.te_bp:.3f} bp/yr   "
        f"convexity {res.pre.convexity:.4f} -> {res.post.convexity:.4f} y^2"
    )
    print("trades:", {k: round(v, 2) for k, v in res.quantities.items() if abs(v) > 1e-9})
    print("binding:", [c.name for c in res.constraints if c.binding])

    t_ours = _median_time(opt.solve, runs)
    print(f"\nmedian solve (compiled, B&B over HiGHS QP), {runs} runs: {t_ours * 1e3:.1f} ms")
    try:
        import pyscipopt  # noqa: F401

        # Why one timed run with a cap: SCIP needs minutes on this MIQP (wide integer ranges).
        prob = opt.cp_problem
        t = time.perf_counter()
        prob.solve(solver="SCIP", scip_params={"limits/gap": 1e-6, "limits/time": SCIP_LIMIT})
        t_scip = time.perf_counter() - t
        q_scip = opt.cvxpy_quantities()
        f_scip = sum(term.value(opt.ctx, q_scip, opt.params) for term in opt.terms)
        print(
            f"SCIP via cvxpy (gap 1e-6, cap {SCIP_LIMIT:.0f} s): {t_scip:.1f} s, status "
            f"{prob.status}, objective {f_scip:,.4f} (ours {res.objective:,.4f}); "
            f"time ratio SCIP/ours {t_scip / t_ours:,.0f}x"
        )
    except ImportError:
        print("pyscipopt not installed: SCIP comparison skipped")

    targets = np.linspace(5.8, 6.2, 21)
    t = time.perf_counter()
    rows = opt.sweep("duration_target", targets)
    t_sweep = time.perf_counter() - t
    t = time.perf_counter()
    for v in targets:
        fresh = make_optimizer()
        fresh.set_params(duration_target=float(v))
        fresh.solve()
    t_rebuild = time.perf_counter() - t
    print(
        f"\nsweep duration_target ({len(targets)} points, MIQP): "
        f"{len(targets) / t_sweep:.1f} pts/s compiled vs {len(targets) / t_rebuild:.1f} pts/s "
        f"rebuilding (ratio {t_rebuild / t_sweep:.1f}x); "
        f"statuses {sorted({r.status for r in rows})}"
    )

    # Continuous variant (futures relaxed): parameter re-solve vs rebuilding every point.
    port, ins, cov = build(0)
    from dataclasses import replace

    ins_c = [replace(i, integer=False) if i.kind == "future" else i for i in ins]

    def cont(backend: str) -> HedgeOptimizer:
        base = make_optimizer()
        return HedgeOptimizer(
            port,
            ins_c,
            cov,
            base.terms,
            base.constraints,
            continuous_backend=backend,  # type: ignore[arg-type]
        )

    for backend in ("highspy", "cvxpy"):
        oc = cont(backend)
        oc.solve()
        t = time.perf_counter()
        oc.sweep("duration_target", targets)
        t_sw = time.perf_counter() - t
        t = time.perf_counter()
        for v in targets:
            fresh = cont(backend)
            fresh.set_params(duration_target=float(v))
            fresh.solve()
        t_rb = time.perf_counter() - t
        print(
            f"sweep continuous QP ({oc.method}): {len(targets) / t_sw:.1f} pts/s compiled vs "
            f"{len(targets) / t_rb:.1f} pts/s rebuilding (ratio {t_rb / t_sw:.1f}x)"
        )


if __name__ == "__main__":
    main()

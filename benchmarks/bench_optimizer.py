"""Benchmark of the hedge optimiser on a synthetic but realistic book.

Run as ``python benchmarks/bench_optimizer.py`` (not a test). Problem: USD 2bn portfolio,
9 key-rate buckets, 7 Treasury futures (integer contracts), 8 par swaps 2Y..30Y, 4 swaptions,
every limit and cost active. Prints:

* median solve time (gap 1e-6) over repeated solves, beside SCIP on the same MIQP via cvxpy;
* sweep throughput (points/s, 21 duration targets) of the compiled model (re-solved in place,
  B&B warm-started from the previous point) against two references, both printed:

  - "like-for-like": our own compiled model rebuilt from scratch at every point;
  - "rebuilding": a fresh cvxpy ``Problem`` (the canonical formulation) built at every point
    and solved by a solver cvxpy supports for the class (SCIP for the MIQP; CLARABEL and
    cvxpy's HIGHS for the continuous QP): the approach a user would write without the
    compiled model. It gets our variable / exposure scaling for free, so it is if anything
    faster and more robust than a hand-written one.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import cvxpy as cp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
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
HIGHS_LIMIT = 5.0  # seconds per point, cvxpy's HiGHS on the continuous QP


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


def make_optimizer(
    seed: int = 0, instruments: list[Instrument] | None = None, **kw: object
) -> HedgeOptimizer:
    """Compile the benchmark problem with every limit and cost term active."""
    port, ins, cov = build(seed)
    ins = ins if instruments is None else instruments
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
    print(f"\nSWEEP duration_target, {len(targets)} points {targets[0]:.2f}..{targets[-1]:.2f} y")
    sweep_report("MIQP (integer futures)", lambda: make_optimizer(), targets, "SCIP")
    ins = build(0)[1]
    ins_c = [replace(i, integer=False) if i.kind == "future" else i for i in ins]
    sweep_report(
        "continuous QP (futures relaxed)",
        lambda: make_optimizer(instruments=ins_c),
        targets,
        "CLARABEL",
        extra_naive=("HIGHS",),
    )


def sweep_report(
    label: str,
    factory: Any,
    targets: np.ndarray,
    naive_solver: str,
    extra_naive: tuple[str, ...] = (),
) -> None:
    """Print points/s of the compiled sweep, the like-for-like rebuild and a naive rebuild."""
    opt = factory()
    opt.solve()
    t = time.perf_counter()
    rows = opt.sweep("duration_target", targets)
    t_ours = time.perf_counter() - t
    n = len(targets)
    pts = n / t_ours
    print(f"\n{label}: method {opt.method}")
    print(f"  ours, compiled model re-solved in place:          {pts:8.1f} pts/s")
    t = time.perf_counter()
    for v in targets:
        fresh = factory()
        fresh.set_params(duration_target=float(v))
        fresh.solve()
    t_ll = time.perf_counter() - t
    print(
        f"  like-for-like: our model rebuilt every point:      {n / t_ll:8.1f} pts/s   "
        f"ratio {t_ll / t_ours:5.1f}x"
    )
    for solver in (naive_solver, *extra_naive):
        if solver not in cp.installed_solvers():
            print(f"  fresh cvxpy Problem + {solver}: not installed, skipped")
            continue
        opts: dict[str, Any] = {}
        if solver == "SCIP":
            opts = {"scip_params": {"limits/gap": 1e-6, "limits/time": SCIP_LIMIT}}
        elif solver == "CLARABEL":
            # The tolerances our cvxpy backend uses (defaults leave ~1e-3 relative errors).
            opts = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12,
                    "tol_ktratio": 1e-10, "max_iter": 500}  # fmt: skip
        elif solver == "HIGHS":
            # Why a cap: through cvxpy's QP interface HiGHS has run > 100 s on these QPs.
            opts = {"time_limit": HIGHS_LIMIT}
        worst = 0.0  # largest |ours - theirs| / max(1, |theirs|) over the points
        statuses = set()
        t = time.perf_counter()
        for v, row in zip(targets, rows, strict=True):
            # A new cvxpy Problem each point (the canonical formulation, built from scratch),
            # solved by a solver cvxpy supports for the class.
            prob = factory().cp_problem
            prob.param_dict["duration_target"].value = float(v)
            try:
                prob.solve(solver=solver, **opts)
            except cp.error.SolverError:
                statuses.add("solver_error")
                continue
            statuses.add(prob.status)
            # Only points the reference solved accurately (CLARABEL's "optimal_inaccurate"
            # plans were checked to violate the duration band, i.e. look cheaper than feasible).
            if prob.status == cp.OPTIMAL and math.isfinite(prob.value):
                diff = (row.objective - prob.value) / max(1.0, abs(prob.value))
                worst = diff if abs(diff) > abs(worst) else worst
        t_nv = time.perf_counter() - t
        print(
            f"  fresh cvxpy Problem + {solver:<8} every point:    {n / t_nv:8.1f} pts/s   "
            f"ratio {t_nv / t_ours:5.1f}x   statuses {sorted(statuses)}; "
            f"worst (ours - theirs)/max(1,|theirs|) on its 'optimal' points {worst:+.1e}"
        )


if __name__ == "__main__":
    main()

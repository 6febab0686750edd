"""Hard mixed-integer hedge families: our exact search against SCIP on the same model.

Run as ``python benchmarks/bench_integer.py [instances_per_family] [cap_seconds]`` (not a
test). For each family of :mod:`bench_integer_gen` and each seeded instance:

* ours: ``HedgeOptimizer.solve()`` to a proven relative gap of 1e-6 (wall time of the solve,
  the compile excluded; status, nodes);
* SCIP: the same cvxpy MIQP (:attr:`HedgeOptimizer.cp_problem`, integer lots and the legs'
  binaries) through cvxpy with ``limits/gap`` 1e-6 and the same cap (SCIP's own solve time);
* both plans are re-evaluated by the optimiser's independent evaluation (objective in
  currency, every limit to 1e-6 relative, the leg rules), and SCIP is flagged when it claims
  "optimal" with an objective worse than ours by more than its own gap.

Then the example with tradable legs (examples/core_plus/case_legs.yaml: lots, minimum trades
and tickets): median of 5 solves against one SCIP run. Prints a table; figures in README.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_integer_gen import FAMILIES, Instance, make_instance
from hedge_planner.solvers.legs import leg_violations
from hedge_planner.solvers.optimizer import HedgeOptimizer

GAP = 1e-6


def build(inst: Instance, cap: float) -> HedgeOptimizer:
    """The compiled optimiser of an instance."""
    return HedgeOptimizer(
        inst.portfolio, inst.instruments, inst.covariance, inst.terms, inst.constraints,
        gap_tol=GAP, time_limit=cap, max_legs=inst.max_legs,
    )  # fmt: skip


def verify(opt: HedgeOptimizer, q: np.ndarray | None) -> tuple[float | None, str]:
    """Objective (currency) of ``q`` and "ok" or the limits / leg rules it breaks."""
    if q is None:
        return None, "no plan"
    ev = opt.evaluate(q)
    bad = list(ev["violated"])
    if opt.legs.active:
        bad += leg_violations(opt.ctx, opt.legs, q)
    ints = opt.ctx.integer
    lots = q[ints] / opt.ctx.scale[ints]
    if np.any(np.abs(lots - np.round(lots)) > 1e-6):
        bad.append("fractional lots")
    return float(ev["cost"]["objective"]), "ok" if not bad else "; ".join(bad)[:60]


def run_ours(opt: HedgeOptimizer) -> dict[str, Any]:
    t = time.perf_counter()
    res = opt.solve()
    secs = time.perf_counter() - t
    obj, check = verify(opt, res.q)
    return {"status": res.status, "seconds": secs, "objective": obj, "check": check,
            "nodes": res.iterations}  # fmt: skip


def run_scip(opt: HedgeOptimizer, cap: float) -> dict[str, Any]:
    prob = opt.cp_problem
    t = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver="SCIP", scip_params={"limits/gap": GAP, "limits/time": cap})
    except Exception as exc:  # SCIP failures are reported, not fatal
        return {"status": f"error: {exc}"[:30], "seconds": time.perf_counter() - t,
                "objective": None, "check": "no plan"}  # fmt: skip
    wall = time.perf_counter() - t
    secs = prob.solver_stats.solve_time if prob.solver_stats.solve_time else wall
    q = None
    if (
        prob.status in ("optimal", "optimal_inaccurate")
        or opt.program.mixed_integer_x.value is not None
    ):
        try:
            q = opt.cvxpy_quantities()
        except (TypeError, ValueError):
            q = None
    obj, check = verify(opt, q)
    return {"status": str(prob.status), "seconds": float(secs), "objective": obj, "check": check}


def _row(family: str, seed: int, ours: dict[str, Any], scip: dict[str, Any]) -> str:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:,.2f}"

    flag = ""
    if ours["objective"] is not None and scip["objective"] is not None:
        d = scip["objective"] - ours["objective"]
        rel = d / max(1.0, abs(ours["objective"]))
        if scip["status"] == "optimal" and rel > GAP:
            flag = f"SCIP 'optimal' {rel:.1e} worse"
        elif rel < -GAP:
            flag = f"ours {-rel:.1e} worse"
    return (
        f"{family:15s} {seed:2d} | {ours['status']:10s} {ours['seconds']:7.2f} s "
        f"{ours['nodes']:6d} {f(ours['objective']):>18s} {ours['check']:4s} | "
        f"{scip['status'][:16]:16s} {scip['seconds']:7.2f} s {f(scip['objective']):>18s} "
        f"{scip['check']:4s} | {flag}"
    )


def families(n: int, cap: float) -> None:
    print(f"Hard families: {n} seeded instances each, gap {GAP:g}, cap {cap:g} s per solver")
    print(f"{'family':15s} {'#':>2s} | {'ours':10s} {'time':>9s} {'nodes':>6s} {'objective':>18s}"
          f" chk  | {'SCIP':16s} {'time':>9s} {'objective':>18s} chk  |")  # fmt: skip
    summary: dict[str, tuple[list[float], list[float], int]] = {}
    for fam in FAMILIES:
        ours_t, scip_t, errors = [], [], 0
        for seed in range(n):
            inst = make_instance(fam, seed)
            opt = build(inst, cap)
            ours = run_ours(opt)
            scip = run_scip(build(inst, cap), cap)
            print(_row(fam, seed, ours, scip), flush=True)
            proven = ("optimal", "infeasible")  # SCIP's "optimal_inaccurate" is not a proof
            ours_t.append(ours["seconds"] if ours["status"] in proven else cap)
            scip_t.append(scip["seconds"] if scip["status"] in proven else cap)
            errors += ours["status"] == "error"
        summary[fam] = (ours_t, scip_t, errors)
    print("\nMedian time to a proven gap (unproven counted at the cap):")
    for fam, (o, s, e) in summary.items():
        mo, ms = statistics.median(o), statistics.median(s)
        print(f"  {fam:15s} ours {mo:7.2f} s  SCIP {ms:7.2f} s  ratio SCIP/ours "
              f"{ms / mo:6.2f}  worst ours {max(o):6.2f} s  errors {e}")  # fmt: skip


def example(cap: float) -> None:
    from hedge_planner.cases import load_analysis_case
    from hedge_planner.hedging import build_problem, build_universe
    from hedge_planner.io import read_text
    from hedge_planner.workflow import analyze_case

    path = Path(__file__).resolve().parents[1] / "examples" / "core_plus" / "case_legs.yaml"
    text, name = read_text(str(path))
    case, _ = load_analysis_case(name, text)
    an = analyze_case(case, name)
    assert case.hedge is not None
    problem = build_problem(case, an, build_universe(an, case.hedge, name), name)
    opt = problem.optimizer
    times, res = [], None
    for _ in range(5):
        opt.warm_int = None  # every solve from scratch (no warm start from the last one)
        t = time.perf_counter()
        res = opt.solve()
        times.append(time.perf_counter() - t)
    assert res is not None
    obj, check = verify(opt, res.q)
    scip = run_scip(opt, cap)
    print(
        f"\nExample (lots, min trades, tickets, max_legs {opt.legs.max_legs}): ours median "
        f"{1e3 * statistics.median(times):,.0f} ms over 5 solves ({res.status}, "
        f"{res.iterations} nodes, gap {res.rel_gap:.1e}, objective {obj:,.2f}, {check}); "
        f"SCIP {scip['seconds']:.2f} s ({scip['status']}, objective "
        f"{scip['objective'] if scip['objective'] is None else format(scip['objective'], ',.2f')}"
        f", {scip['check']}); ratio SCIP/ours {scip['seconds'] / statistics.median(times):.1f}"
    )


if __name__ == "__main__":
    n_inst = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cap_s = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    example(cap_s)
    families(n_inst, cap_s)

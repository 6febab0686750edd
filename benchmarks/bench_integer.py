"""Hard mixed-integer hedge families: our exact search against SCIP on the same model.

Run as ``python benchmarks/bench_integer.py [-n INSTANCES] [--cap SECONDS] [--reps R]
[--family-reps R] [--families f1,f2] [--skip-example] [--skip-families]`` (not a test;
``--help``). For each family of :mod:`bench_integer_gen` and each seeded instance (with
``--family-reps R``, R solves per side, alternating which side runs first, and the median;
a run that ends unproven counts at the cap):

* ours: ``HedgeOptimizer.solve()`` to a proven relative gap of 1e-6; the time is the exact
  search's (to the proof of optimality or of infeasibility, the compile excluded), which is
  what SCIP's solve time measures; the minimal-violation diagnosis that ``solve()`` adds to
  an infeasible instance is timed apart (column "diag");
* SCIP: the same cvxpy MIQP (:attr:`HedgeOptimizer.cp_problem`, integer lots and the legs'
  binaries) through cvxpy with ``limits/gap`` 1e-6 and the same cap (SCIP's own solve time);
* both plans are re-evaluated by the optimiser's independent evaluation (objective in
  currency, every limit to 1e-6 relative, the leg rules), and SCIP is flagged when it claims
  "optimal" with an objective worse than ours by more than its own gap.

Then the examples with tradable legs (examples/core_plus/case_legs.yaml: lots, minimum
trades and tickets, as written and with ``max_legs: 6``; case.yaml: the desk's
settings with ``max_legs: 6``): median of ``--reps`` solves (each from scratch), the same
without the level-set re-tightening (big-M from the limits only) and without any big-M
tightening (old/new ratios, same run), against one SCIP run on the same model. (The search
defers the big-M tightening and skips it when the root gap is under 5% of the optimum, as on
these examples, so there the three medians measure the same search; the comparison with an
older checkout is ``bench_exact_search.py``.)
``--no-level-set`` runs the hard families without the level-set pass (the previous
search, for an old/new comparison of the families in one session), ``--no-pseudo-costs``
with the most-fractional branching rule instead of pseudo-costs, ``--previous-heuristics``
without the leg-elimination dives and the heuristics' node-QP budget. ``--ladders N``: desk
hedges of N seeded key-rate ladder books on the desk example's market (``max_legs: 6``,
:mod:`ladder_books`), ours against the previous search and SCIP. Prints a table; figures in
README.
"""

from __future__ import annotations

import argparse
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


LEVEL_SET = True  # --no-level-set: the families without the level-set pass
PSEUDO_COSTS = True  # --no-pseudo-costs: leg searches branch on the most fractional
NEW_HEURISTICS = True  # --previous-heuristics: no leg dives, no heuristic node-QP budget


def run_ours(opt: HedgeOptimizer) -> dict[str, Any]:
    """Solve; "seconds" is the exact search alone, "diag" what solve() spent after it."""
    opt._miqp.level_set = LEVEL_SET
    opt._miqp.pseudo_costs = PSEUDO_COSTS
    if not NEW_HEURISTICS:
        opt._miqp.heuristic_budget = opt._miqp.leg_dive = False
    search: list[float] = []
    inner = opt._solve_raw  # a benchmark times the search apart

    def timed(gap: float, tl: float, *budget: Any) -> Any:
        t_in = time.perf_counter()
        try:
            return inner(gap, tl, *budget)
        finally:
            search.append(time.perf_counter() - t_in)

    opt._solve_raw = timed  # type: ignore[method-assign]
    t = time.perf_counter()
    try:
        res = opt.solve()
    finally:
        del opt._solve_raw  # the class's method again
    total = time.perf_counter() - t
    secs = search[0] if search else total
    obj, check = verify(opt, res.q)
    status = res.status
    if status == "infeasible" and res.q is not None:
        check = "closest hedge (limits moved)"
    return {"status": status, "seconds": secs, "diag": total - secs, "objective": obj,
            "check": check, "nodes": res.iterations}  # fmt: skip


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
        f"{ours['diag']:6.2f} s {ours['nodes']:6d} {f(ours['objective']):>18s} "
        f"{ours['check'][:28]:4s} | "
        f"{scip['status'][:16]:16s} {scip['seconds']:7.2f} s {f(scip['objective']):>18s} "
        f"{scip['check']:4s} | {flag}"
    )


def _instance_runs(inst: Any, cap: float, reps: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both solvers on one instance ``reps`` times, alternating which runs first; each side's
    last result with its median seconds (an unproven run counts at the cap)."""
    proven = ("optimal", "infeasible")  # SCIP's "optimal_inaccurate" is not a proof
    got: dict[str, list[dict[str, Any]]] = {"ours": [], "scip": []}
    for rep in range(reps):
        for side in ("ours", "scip") if rep % 2 == 0 else ("scip", "ours"):
            opt = build(inst, cap)
            got[side].append(run_ours(opt) if side == "ours" else run_scip(opt, cap))
    out = []
    for side in ("ours", "scip"):
        runs = got[side]
        secs = [r["seconds"] if r["status"] in proven else cap for r in runs]
        last = dict(runs[-1])
        last["seconds"] = last["median"] = statistics.median(secs)
        if any(r["status"] not in proven for r in runs) and last["status"] in proven:
            last["status"] += "*"  # proven in some of the runs only
        out.append(last)
    return out[0], out[1]


def families(n: int, cap: float, names: tuple[str, ...] = FAMILIES, reps: int = 1) -> None:
    print(
        f"Hard families: {n} seeded instances each, gap {GAP:g}, cap {cap:g} s per solver"
        + (f", median of {reps} alternated solves per instance and side" if reps > 1 else "")
    )
    print(f"{'family':15s} {'#':>2s} | {'ours':10s} {'time':>9s} {'diag':>8s} {'nodes':>6s} "
          f"{'objective':>18s}"
          f" chk  | {'SCIP':16s} {'time':>9s} {'objective':>18s} chk  |")  # fmt: skip
    summary: dict[str, tuple[list[float], list[float], int]] = {}
    for fam in names:
        ours_t, scip_t, errors = [], [], 0
        for seed in range(n):
            ours, scip = _instance_runs(make_instance(fam, seed), cap, reps)
            print(_row(fam, seed, ours, scip), flush=True)
            ours_t.append(ours["median"])  # unproven runs at the cap
            scip_t.append(scip["median"])
            errors += ours["status"] == "error"
        summary[fam] = (ours_t, scip_t, errors)
    if reps > 1:
        print("(* proven in some of the runs only; the others count at the cap)")
    print("\nMedian time to a proven gap (unproven counted at the cap):")
    for fam, (o, s, e) in summary.items():
        mo, ms = statistics.median(o), statistics.median(s)
        print(f"  {fam:15s} ours {mo:8.4f} s  SCIP {ms:8.4f} s  ratio SCIP/ours "
              f"{ms / mo:6.2f}  worst ours {max(o):6.2f} s  errors {e}")  # fmt: skip


def example_optimizer(case_file: str, max_legs: int | None) -> HedgeOptimizer:
    """The compiled optimiser of ``examples/core_plus/<case_file>`` (optionally ``max_legs``).

    ``max_legs`` switches on the commented-out limit of ``case_legs.yaml``.
    """
    from hedge_planner.cases import load_analysis_case
    from hedge_planner.hedging import build_problem, build_universe
    from hedge_planner.io import read_text
    from hedge_planner.workflow import analyze_case

    path = Path(__file__).resolve().parents[1] / "examples" / "core_plus" / case_file
    text, name = read_text(str(path))
    if max_legs is not None:
        marker = "    # max_legs: 6 "
        assert marker in text, f"{case_file} no longer carries the max_legs comment"
        text = text.replace(marker, f"    max_legs: {max_legs} #")
    case, _ = load_analysis_case(name, text)
    an = analyze_case(case, name)
    assert case.hedge is not None
    return build_problem(case, an, build_universe(an, case.hedge, name), name).optimizer


def _median_solve(
    opt: HedgeOptimizer, cap: float, reps: int, tighten: bool, level_set: bool = True
) -> tuple[float, Any]:
    """Median seconds of ``reps`` solves from scratch (``tighten``: the legs' big-M lowered
    to the limits' implied trades; ``level_set``: and again below each incumbent)."""
    opt._miqp.tighten_legs = tighten
    opt._miqp.level_set = level_set
    times, res = [], None
    for _ in range(reps):
        opt.warm_int = None  # every solve from scratch (no warm start from the last one)
        t = time.perf_counter()
        res = opt.solve(time_limit=cap)
        times.append(time.perf_counter() - t)
    opt._miqp.tighten_legs = True
    opt._miqp.level_set = True
    return statistics.median(times), res


def example(cap: float, reps: int, case_file: str, max_legs: int | None) -> None:
    """Median of ``reps`` solves of an example with legs against SCIP, same model, same run.

    Also the median without the big-M tightening (the search before it), same run: the
    ratio of the two is the figure that survives a loaded machine.
    """
    opt = example_optimizer(case_file, max_legs)
    med, res = _median_solve(opt, cap, reps, tighten=True)
    lim, res_lim = _median_solve(opt, cap, reps, tighten=True, level_set=False)
    old, res_old = _median_solve(opt, cap, reps, tighten=False)
    obj, check = verify(opt, res.q)
    scip = run_scip(opt, cap)
    gap_txt = "-" if res.rel_gap is None else f"{res.rel_gap:.1e}"
    flag = ""
    if obj is not None and scip["objective"] is not None:
        rel = (scip["objective"] - obj) / max(1.0, abs(obj))
        if rel > GAP:
            flag = f"; SCIP's plan {rel:.1e} worse"
        elif rel < -GAP:
            flag = f"; ours {-rel:.1e} worse"
    scip_obj = scip["objective"]
    print(
        f"{case_file} (lots, min trades, tickets, max_legs {opt.legs.max_legs}): ours median "
        f"{1e3 * med:,.0f} ms over {reps} solves ({res.status}, {res.iterations} nodes, "
        f"gap {gap_txt}, objective {obj if obj is None else f'{obj:,.2f}'}, {check}); "
        f"without the level-set pass {1e3 * lim:,.0f} ms ({res_lim.status}, "
        f"{res_lim.iterations} nodes), ratio {lim / med:.1f}; "
        f"without big-M tightening {1e3 * old:,.0f} ms ({res_old.status}, "
        f"{res_old.iterations} nodes), ratio {old / med:.1f}; "
        f"SCIP {scip['seconds']:.2f} s ({scip['status']}, objective "
        f"{scip_obj if scip_obj is None else format(scip_obj, ',.2f')}, {scip['check']}); "
        f"ratio SCIP/ours {scip['seconds'] / med:.1f}{flag}",
        flush=True,
    )


def _ladder_solve(opt: HedgeOptimizer, cap: float, new: bool) -> dict[str, Any]:
    """One solve from scratch; ``new``: the leg dives and the heuristics' node-QP budget on
    (else the previous search: ordinary dives, every dive and rounding run)."""
    opt._miqp.heuristic_budget = opt._miqp.leg_dive = new
    opt.warm_int = None
    saved, opt.time_limit = opt.time_limit, cap  # the case's own limit otherwise
    try:
        return run_ours(opt)
    finally:
        opt._miqp.heuristic_budget = opt._miqp.leg_dive = True
        opt.time_limit = saved


def ladder_books(n: int, cap: float, seed: int) -> None:
    """Desk hedges of ``n`` seeded key-rate ladder books on the example's market with
    ``max_legs: 6`` (:mod:`ladder_books`): ours, the previous search (no leg dives, no
    heuristic budget; the two alternate which runs first) and SCIP on the same model, each
    from scratch with the same cap; the plans verified against the limits and leg rules."""
    from ladder_books import ladder_market, ladder_optimizer, ladders

    print(f"Ladder books on the example's market, max_legs 6: {n} books (seed {seed}), "
          f"gap {GAP:g}, cap {cap:g} s per solver")  # fmt: skip
    print(
        f"{'#':>2s} | {'ours':10s} {'time':>8s} {'nodes':>6s} {'objective':>16s} chk  | "
        f"{'previous':>10s} {'nodes':>6s} | {'SCIP':16s} {'time':>8s} {'objective':>16s} chk"
    )
    new_t: list[float] = []
    old_t: list[float] = []
    scip_t: list[float] = []
    with ladder_market(6) as market:
        for i, book in enumerate(ladders(n, seed)):
            opt = ladder_optimizer(market, book)
            order = (True, False) if i % 2 == 0 else (False, True)
            got = {b: _ladder_solve(opt, cap, b) for b in order}
            new, old = got[True], got[False]
            scip = run_scip(ladder_optimizer(market, book), cap)
            proven = ("optimal", "infeasible")
            new_t.append(new["seconds"] if new["status"] in proven else cap)
            old_t.append(old["seconds"] if old["status"] in proven else cap)
            scip_t.append(scip["seconds"] if scip["status"] in proven else cap)
            obj = "-" if new["objective"] is None else f"{new['objective']:,.2f}"
            s_obj = "-" if scip["objective"] is None else f"{scip['objective']:,.2f}"
            print(f"{i:2d} | {new['status']:10s} {new['seconds']:6.2f} s {new['nodes']:6d} "
                  f"{obj:>16s} {new['check'][:20]:4s} | "
                  f"{old['seconds']:8.2f} s {old['nodes']:6d} | "
                  f"{scip['status'][:16]:16s} {scip['seconds']:6.2f} s {s_obj:>16s} "
                  f"{scip['check'][:20]}", flush=True)  # fmt: skip
    mn, mo, ms = (statistics.median(v) for v in (new_t, old_t, scip_t))
    print(f"Median time to a proven gap (unproven at the cap): ours {mn:.2f} s (worst "
          f"{max(new_t):.2f}), previous search {mo:.2f} s (worst {max(old_t):.2f}), ratio "
          f"{mo / mn:.2f}; SCIP {ms:.2f} s (worst {max(scip_t):.2f}), ratio SCIP/ours "
          f"{ms / mn:.2f}")  # fmt: skip


EXAMPLES = (("case_legs.yaml", None), ("case_legs.yaml", 6), ("case.yaml", None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--instances", type=int, default=3, help="seeded instances per family")
    ap.add_argument("--cap", type=float, default=30.0, help="seconds per solve, each solver")
    ap.add_argument("--reps", type=int, default=5, help="solves of the example per median")
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated families")
    ap.add_argument("--family-reps", type=int, default=1, metavar="R",
                    help="solves per family instance and side (median)")  # fmt: skip
    ap.add_argument("--skip-example", action="store_true", help="no example runs")
    ap.add_argument("--skip-families", action="store_true", help="no hard-family table")
    ap.add_argument("--no-level-set", action="store_true",
                    help="families without the level-set re-tightening (old search)")  # fmt: skip
    ap.add_argument("--no-pseudo-costs", action="store_true",
                    help="leg searches branch on the most fractional (old rule)")  # fmt: skip
    ap.add_argument("--ladders", type=int, default=0, metavar="N",
                    help="desk hedges of N seeded key-rate ladder books, max_legs 6")  # fmt: skip
    ap.add_argument("--ladder-seed", type=int, default=7, help="seed of the ladder books")
    ap.add_argument("--previous-heuristics", action="store_true",
                    help="families without the leg dives and the heuristics' budget")  # fmt: skip
    a = ap.parse_args()
    global LEVEL_SET, PSEUDO_COSTS, NEW_HEURISTICS
    NEW_HEURISTICS = not a.previous_heuristics
    LEVEL_SET = not a.no_level_set
    PSEUDO_COSTS = not a.no_pseudo_costs
    if not a.skip_example:
        for case_file, ml in EXAMPLES:
            example(a.cap, a.reps, case_file, ml)
    if not a.skip_families:
        names = tuple(f for f in a.families.split(",") if f)
        unknown = set(names) - set(FAMILIES)
        if unknown:
            ap.error(f"unknown families {sorted(unknown)}; known: {', '.join(FAMILIES)}")
        families(a.instances, a.cap, names, max(1, a.family_reps))
    if a.ladders:
        ladder_books(a.ladders, a.cap, a.ladder_seed)


if __name__ == "__main__":
    main()

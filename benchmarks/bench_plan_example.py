"""Benchmark: wall time of the example's ``plan`` (cold process each run) and where it goes.

Run: ``python benchmarks/bench_plan_example.py [--runs 5]``.

1. **Whole command.** ``hedge-planner plan examples/core_plus/case.yaml --out DIR --json`` in
   a fresh interpreter per run (``python -m hedge_planner.cli``), the median wall time of
   ``--runs`` runs. Python's bytecode cache is on (in a throw-away ``PYTHONPYCACHEPREFIX``
   warmed by one run first), as for an installed package; with ``PYTHONDONTWRITEBYTECODE=1``
   every project module is compiled on each start as well.
2. **Reference in the same run**: a fresh interpreter that only imports numpy and exits
   (the floor of any command), timed the same way; the ratio plan / reference is comparable
   between a loaded and an idle machine where the seconds are not.
3. **Breakdown** (one cold worker process per run, median per stage): import of the CLI;
   import of the plan assembly; measurement of the book (curves, holdings' risk incl. the
   modelled MBS and callables); hedge (universe, optimiser imports, the modelled holdings
   under every scenario with the book vega's sigmas in the same pass, as ``plan`` prices them
   ahead of the hedge, solve); scenarios; the plan document; the HTML report; the Excel
   workbook.
4. **Charts**: the report's three SVG charts against one matplotlib bar chart of the KRD
   profile rendered to SVG (the way the charts were drawn before), same data, same process.
5. **Large books** (``--rows``, default 13,500): one Excel table of that many rows and 8
   columns written by the report's writer (xlsxwriter; number formats, column widths, a
   table) against openpyxl's default workbook appending the bare values (the library of the
   writer before, doing less work: a lower bound of its time; a test dependency).
6. **Holdings CSV** (``--csv-rows``, default 3,000 and 30,000; ``--only-csv`` runs this part
   alone): the example's holdings repeated to that many rows (ids made unique; a quarter are
   modelled MBS and callables), parsed by the column-wise validating parser against the
   row-wise path (``HoldingRow.check`` per row, the parser before) and ``pandas.read_csv`` of
   the same text (tokenising only, no validation). With a settlement date the parse includes
   the yield each price implies (one vectorised yield solve, the same code on both paths);
   without one, the row checks alone. Rows/s from CPU time, best of three, same process.
8. **Against another checkout** (``--against ROOT``, e.g. a ``git worktree`` of main with its
   own ``.venv`` installed; ``--only-against`` runs this part alone): the whole cold command
   and the stage worker of both checkouts alternated run by run (each checkout's own worker,
   whose stages may differ), the medians and the ratio other / this per stage: the figure to
   quote for a change, comparable between a loaded and an idle machine where seconds are not.
10. **Import floor** (``--only-floor`` runs this part alone): what the command costs before
   any work. The modules a ``plan --json`` run has loaded at its end (in their import order)
   are recorded once; then, alternated with the whole command, cold interpreters import (a)
   the libraries among them (everything outside ``hedge_planner``; cvxpy through the
   project's lean import, as the command imports it) and nothing else, and (b) all of them,
   the project's modules included, and nothing else. Medians; the plan minus (b) is the work.
9. **Compiled loops** (``--only-kernels`` runs this part alone): the same alternation within
   this checkout, the numpy lattice and Monte Carlo loops (``HEDGE_PLANNER_KERNELS=numpy``)
   against the compiled ones (``models/_lattice_c.c``, ``models/_mbs_c.c``): ratio numpy /
   compiled per stage.
7. **Scenario stage, stacked vs one sigma at a time** (``--scenario-runs``, default 5;
   ``--only-scenarios`` runs this part alone): after measuring and hedging once, the scenario
   stage (``run_scenarios``: the book, the hedge and the modelled holdings under every
   scenario, vol scenarios included, with the vega approximation) is timed with the modelled
   holdings revalued by the stacked passes (:mod:`models.oas_scenarios`) and by the
   one-sigma-at-a-time reference (:mod:`models.oas_scenarios_reference`, with the lattice
   engine as it was: levels built one by one, every node rolled back, all rows in one
   rollback), alternated in one process; the medians, their ratio and the largest relative
   difference of the holdings' scenario P&L between the two. The same for the book's vega
   alone (the hedge stage's ``book_vega``: one pass for both sigmas against two).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"

_WORKER = r"""
import json, sys, time, tempfile
from pathlib import Path
t0 = time.perf_counter()
import hedge_planner.cli  # what the command imports at start
tune = getattr(hedge_planner.cli, "tune_garbage_collector", None)
if tune is not None:  # as the console script does (absent in older checkouts)
    tune()
t1 = time.perf_counter()
from hedge_planner.run import PlanRun
import hedge_planner.plan, hedge_planner.quality  # noqa: F401
t2 = time.perf_counter()
run = PlanRun.load(sys.argv[1])
run.measure()
t3 = time.perf_counter()
run.universe(); run.price_modelled(); run.hedge()  # as ``plan`` runs them
t4 = time.perf_counter()
run.stress()
t5 = time.perf_counter()
doc = run.plan()
t6 = time.perf_counter()
from hedge_planner.report_html import write_html
out = Path(tempfile.mkdtemp())
write_html(doc, out / "report.html")
t7 = time.perf_counter()
from hedge_planner.report_excel import write_excel
write_excel(doc, out / "report.xlsx")
t8 = time.perf_counter()
print(json.dumps({
    "import CLI": t1 - t0, "import plan assembly": t2 - t1, "load + measure": t3 - t2,
    "hedge": t4 - t3, "scenarios": t5 - t4, "plan document": t6 - t5,
    "HTML report": t7 - t6, "Excel report": t8 - t7, "total": t8 - t0,
}))
"""


_RECORD = r"""
import json, sys
out = sys.argv.pop(1)
from hedge_planner.cli import main
try:
    main()
except SystemExit:
    pass
with open(out, "w") as f:
    json.dump(list(sys.modules), f)  # insertion order: the import order
"""

_IMPORT_ONLY = r"""
import gc, importlib, json, sys
gc.set_threshold(20_000, 20, 20)  # as the console script sets them
names, libraries_only = json.load(open(sys.argv[1])), sys.argv[2] == "libraries"
import hedge_planner.solvers  # the lean import of cvxpy (solvers.lean_import)
failed = []
for name in names:
    if name in sys.modules or name == "__main__":
        continue
    if libraries_only and name.split(".")[0] == "hedge_planner":
        continue
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name)
print(json.dumps(failed))
"""


_WARM = r"""
import json, logging, statistics, sys, tempfile, time
from pathlib import Path
logging.disable(logging.WARNING)
import hedge_planner as hp
from hedge_planner.models import oas
from hedge_planner.report_excel import write_excel
from hedge_planner.report_html import write_html
out, runs, figures = Path(tempfile.mkdtemp()), int(sys.argv[2]), {}
sides = (("a new book each run", None, True), ("the same book again", hp.MarketCache(), False))
for label, cache, forget in sides:
    times = []
    for _ in range(runs + 1):  # the first run pays the imports and fills the caches
        if forget:  # the in-process memo of the modelled holdings' Monte Carlo and lattices
            oas._CACHE.clear()
        start = time.perf_counter()
        doc = hp.load_case(sys.argv[1], cache=cache).plan()
        write_html(doc, out / "report.html")
        write_excel(doc, out / "report.xlsx")
        times.append(time.perf_counter() - start)
    figures[label] = statistics.median(times[1:])
print(json.dumps(figures))
"""


def _floor(runs: int) -> None:
    """The import floor of ``plan`` against the whole command (alternated cold runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp) / "pycache")
        out, names = str(Path(tmp) / "out"), str(Path(tmp) / "modules.json")
        plan = ["plan", str(EXAMPLE), "--out", out, "--json"]
        subprocess.run(
            [sys.executable, "-c", _RECORD, names, *plan], env=env, cwd=ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
        loaded = json.loads(Path(names).read_text())
        project = sum(n.split(".")[0] == "hedge_planner" for n in loaded)
        cmds = {
            "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
            "(a) the libraries, imported only": [
                sys.executable, "-c", _IMPORT_ONLY, names, "libraries",
            ],
            "(b) every module, imported only": [sys.executable, "-c", _IMPORT_ONLY, names, "all"],
            "the whole command": [sys.executable, "-m", "hedge_planner.cli", *plan],
        }  # fmt: skip
        for cmd in cmds.values():  # warms the bytecode cache
            _wall(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        for _ in range(runs):
            for key, cmd in cmds.items():
                times[key].append(_wall(cmd, env))
        check = subprocess.run(cmds["(b) every module, imported only"], env=env, cwd=ROOT,
                               check=True, capture_output=True)  # fmt: skip
        failed = json.loads(check.stdout.decode().strip().splitlines()[-1])
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"import floor of plan ({len(loaded)} modules loaded, {project} of them the project's; "
        f"median of {runs} alternated cold runs, seconds):"
    )
    for key, value in med.items():
        print(f"  {key:<36} {value:7.3f}")
    work = med["the whole command"] - med["(b) every module, imported only"]
    print(f"  {'the work beyond the imports':<36} {work:7.3f}")
    if failed:
        print(f"  (not importable on their own, skipped: {', '.join(failed)})")
    proc = subprocess.run(
        [sys.executable, "-c", _WARM, str(EXAMPLE), str(runs)], env=env, cwd=ROOT, check=True,
        capture_output=True,
    )  # fmt: skip
    warm = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    print(f"the same plan and both reports in a warm process (median of {runs} after a first):")
    for key, value in warm.items():
        print(f"  {key:<36} {value:7.3f}")


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def _charts(repeats: int) -> tuple[float, float]:
    """Best time of the three SVG charts and of one matplotlib KRD chart, same data."""
    import io

    from hedge_planner.svg_charts import krd_profile_chart, scenario_pnl_chart, te_by_factor_chart

    tenors = ["6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
    series = {n: [0.1 * (i + 1) * (k + 1) for i in range(9)] for k, n in enumerate("PBH")}
    labels = [f"Scenario {i}" for i in range(19)]
    pnl = {n: [1e6 * (i - 9) * (k + 1) for i in range(19)] for k, n in enumerate("UHB")}

    def svg() -> None:
        krd_profile_chart(tenors, series)
        scenario_pnl_chart(labels, pnl, pnl["U"], "USD")
        te_by_factor_chart(labels[:7], [1.0] * 7, [2.0] * 7)

    def mpl() -> None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 3.6), layout="constrained")
        ax = fig.subplots()
        for j, values in enumerate(series.values()):
            ax.bar([i + 0.25 * j for i in range(9)], values, width=0.25)
        ax.set_xticks(range(9), tenors)
        fig.savefig(io.StringIO(), format="svg")

    mpl()  # the import is not part of the per-chart figure
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for k, func in enumerate((svg, mpl)):
            start = time.perf_counter()
            func()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], best[1]


def _best(repeats: int, func: Callable[[], object], cpu: bool = False) -> float:
    """Best of ``repeats`` timings: wall clock, or this process's CPU time with ``cpu``."""
    clock = time.process_time if cpu else time.perf_counter
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        func()
        best = min(best, clock() - start)
    return best


def _large_books(n: int) -> None:
    """Excel writer at ``n`` rows against its reference."""
    from hedge_planner import excel_base as xb
    from openpyxl import Workbook as OpenpyxlWorkbook
    from xlsxwriter.workbook import Workbook

    rows = [
        (f"ID{i:07d}", 1e6 + i, 0.05, 7.5 + i % 7, "corporate", 0.01 * i, i, "x") for i in range(n)
    ]
    headers = ["ID", "Face", "Coupon", "Duration", "Sector", "DV01", "N", "Note"]
    kinds = ["text", "money", "rate", "years", "text", "money", "int", "text"]
    with tempfile.TemporaryDirectory() as tmp:

        def ours() -> None:
            wb = Workbook(str(Path(tmp) / "a.xlsx"), dict(xb.WORKBOOK_OPTIONS))
            xb.Book(wb).table("Holdings", headers, rows, kinds)
            wb.close()

        def reference() -> None:
            wb = OpenpyxlWorkbook()
            ws = wb.active
            ws.append(headers)
            for r in rows:
                ws.append(r)
            wb.save(str(Path(tmp) / "b.xlsx"))

        a, b = _best(3, ours), _best(3, reference)
    print(
        f"Excel, {n:,} rows x 8: report writer (formats, widths, table) {n / a:,.0f} rows/s; "
        f"openpyxl plain append, no formats (a lower bound of the former writer's time) "
        f"{n / b:,.0f} rows/s (ratio {b / a:.1f}x)"
    )


def _csv_books(sizes: list[int]) -> None:
    """The holdings CSV parser at each size: column-wise against the row-wise path and pandas."""
    import csv
    import datetime as dt
    import io

    with (ROOT / "examples" / "core_plus" / "holdings.csv").open(newline="") as fh:
        records = list(csv.reader(fh))
    settle = dt.date(2023, 12, 29)
    for n in sizes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")  # as read from a file (newlines normalised)
        writer.writerow(records[0])
        for k in range(n):
            row = list(records[1 + k % (len(records) - 1)])
            row[0] = f"{row[0]}-{k}"
            writer.writerow(row)
        _csv_figures(n, out.getvalue(), settle)


def _csv_figures(n: int, text: str, settle: object) -> None:
    import io

    import pandas as pd
    from hedge_planner.io import parse_holdings_csv, parse_holdings_csv_rowwise
    from hedge_planner.models.holdings_columns import gc_paused

    def rowwise_paused(day: object) -> None:
        with gc_paused():
            parse_holdings_csv_rowwise(text, "h.csv", day)  # type: ignore[arg-type]

    for label, day in (("with settlement (+ implied-yield check)", settle), ("no settle", None)):
        cols = _best(3, lambda d=day: parse_holdings_csv(text, "h.csv", d), cpu=True)
        rows = _best(3, lambda d=day: parse_holdings_csv_rowwise(text, "h.csv", d), cpu=True)
        paused = _best(3, lambda d=day: rowwise_paused(d), cpu=True)
        print(
            f"holdings CSV, {n:,} rows, {label}: column-wise {n / cols:,.0f} rows/s; "
            f"row-wise (HoldingRow.check per row, the former parser) {n / rows:,.0f} rows/s "
            f"(speed-up {rows / cols:.1f}x, CPU time, best of 3); the row-wise parser with the "
            f"garbage collector paused as the column-wise one does {n / paused:,.0f} rows/s "
            f"(speed-up {paused / cols:.1f}x)"
        )
    ref = _best(3, lambda: pd.read_csv(io.StringIO(text), dtype=str), cpu=True)
    print(
        f"  pandas.read_csv of the same text (tokenising only, no validation) {n / ref:,.0f} "
        f"rows/s (column-wise parser without settlement / read_csv time {ref and cols / ref:.1f}x)"
    )


def _scenario_stage(runs: int) -> None:
    """Scenario stage with the stacked and the reference revaluation of modelled holdings,
    alternated (see the module notes, part 7)."""
    import contextlib

    import numpy as np
    from hedge_planner.models.oas_scenarios import ModelledRevaluer
    from hedge_planner.models.oas_scenarios_reference import reference_prices, reference_vega
    from hedge_planner.run import PlanRun
    from hedge_planner.stress import modelled_revaluer, run_scenarios

    run = PlanRun.load(str(EXAMPLE))
    run.measure()
    members = run.universe()
    plan = run.hedge()
    quantities = plan.quantities if plan is not None else np.zeros(len(members))
    case, analysis = run.case, run.analysis

    import hedge_planner.models.lattice_pricing as lattice_pricing
    import hedge_planner.models.short_rate as short_rate
    from hedge_planner.models.trinomial_levels import levels_stepwise

    @contextlib.contextmanager
    def reference() -> Iterator[None]:
        # the former path whole: one sigma at a time, the tree built level by level, every
        # node rolled back, all scenario rows in one rollback
        saved = ModelledRevaluer.prices, ModelledRevaluer.vega
        engine = short_rate.levels, short_rate.BAND_MIN_WIDTH, lattice_pricing.ROLL_ELEMENTS
        ModelledRevaluer.prices = reference_prices  # type: ignore[method-assign]
        ModelledRevaluer.vega = reference_vega  # type: ignore[method-assign]
        short_rate.levels = levels_stepwise
        short_rate.BAND_MIN_WIDTH = 10**9
        lattice_pricing.ROLL_ELEMENTS = 10**12
        try:
            yield
        finally:
            ModelledRevaluer.prices, ModelledRevaluer.vega = saved  # type: ignore[method-assign]
            short_rate.levels, short_rate.BAND_MIN_WIDTH, lattice_pricing.ROLL_ELEMENTS = engine

    def stage() -> object:
        return run_scenarios(case, analysis, members, quantities, run.scenarios)

    def vega() -> object:
        rev = modelled_revaluer(case, analysis)
        assert rev is not None
        return rev.vega(analysis.book.face[rev.positions])

    times: dict[str, list[tuple[float, float]]] = {}
    results: dict[str, Any] = {}

    def timed(key: str, func: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        results[key] = func()
        times.setdefault(key, []).append((time.perf_counter() - wall, time.process_time() - cpu))

    for _ in range(runs):  # alternate, so load changes hit both sides alike
        for name, ctx in (("stacked", contextlib.nullcontext()), ("reference", reference())):
            with ctx:
                timed(name, stage)
                timed(name + " vega", vega)
    new, old = results["stacked"].holding_pnl, results["reference"].holding_pnl
    rel = float(np.max(np.abs(new - old)) / np.max(np.abs(old)))
    vrel = float(
        np.max(np.abs(results["stacked vega"] - results["reference vega"]))
        / np.max(np.abs(results["reference vega"]))
    )
    med = {k: [statistics.median(t[i] for t in v) for i in (0, 1)] for k, v in times.items()}
    print(f"scenario stage (run_scenarios), median of {runs} alternated runs (wall / CPU):")
    for key, label in (("reference", "one sigma at a time (reference)"), ("stacked", "stacked")):
        print(f"  modelled holdings {label:<32} {med[key][0]:7.3f} s / {med[key][1]:7.3f} s")
    ratio = [med["reference"][i] / med["stacked"][i] for i in (0, 1)]
    print(f"  ratio reference / stacked {'':<24} {ratio[0]:7.2f}x  / {ratio[1]:7.2f}x")
    print(f"  largest |P&L difference| / largest |P&L|: {rel:.1e}")
    v_ref, v_new = med["reference vega"], med["stacked vega"]
    print(
        f"book vega: two passes {v_ref[0]:.3f} s / {v_ref[1]:.3f} s CPU, stacked "
        f"{v_new[0]:.3f} s / {v_new[1]:.3f} s CPU (ratio {v_ref[0] / v_new[0]:.2f}x wall; "
        f"largest relative difference {vrel:.1e})"
    )


def _worker_of(root: Path) -> str | None:
    """The stage worker of the checkout at ``root`` (None if its benchmark has none)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        f"_bench_{abs(hash(str(root)))}", root / "benchmarks" / "bench_plan_example.py"
    )
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    worker = getattr(module, "_WORKER", None)
    return worker if isinstance(worker, str) else None


def _against(other: Path, runs: int) -> None:
    """Cold command and stages of this checkout and of ``other`` alternated (part 8)."""
    _compare({"other": (other.resolve(), {}), "this": (ROOT, {})}, runs, f"against {other}")


def _kernels(runs: int) -> None:
    """Cold command and stages with the numpy loops (``HEDGE_PLANNER_KERNELS=numpy``) and with
    the compiled lattice and Monte Carlo loops alternated (part 9)."""
    off = {"HEDGE_PLANNER_KERNELS": "numpy"}
    _compare({"numpy": (ROOT, off), "compiled": (ROOT, {})}, runs, "numpy loops against compiled")


def _compare(sides: dict[str, tuple[Path, dict[str, str]]], runs: int, title: str) -> None:
    """The whole cold command and the stage worker of two sides (checkout, extra environment)
    alternated run by run; medians and the ratio first / second per figure."""
    python = {k: str(root / ".venv" / "bin" / "python") for k, (root, _) in sides.items()}
    workers = {k: _worker_of(root) for k, (root, _) in sides.items()}
    walls: dict[str, list[float]] = {k: [] for k in sides}
    stages: dict[str, list[dict[str, float]]] = {k: [] for k in sides}
    with tempfile.TemporaryDirectory() as tmp:
        base = _env(Path(tmp) / "pycache")
        env = {k: {**base, **extra} for k, (_, extra) in sides.items()}

        def cmd(k: str) -> list[str]:
            case = sides[k][0] / "examples" / "core_plus" / "case.yaml"
            out = str(Path(tmp) / f"out-{k}")
            return [python[k], "-m", "hedge_planner.cli", "plan", str(case), "--out", out, "--json"]

        for k in sides:
            _wall(cmd(k), env[k])  # warms each checkout's bytecode cache
        for _ in range(runs):  # alternate, so load changes hit both sides alike
            for k, (root, _) in sides.items():
                walls[k].append(_wall(cmd(k), env[k]))
                worker = workers[k]
                if worker is not None:
                    case = str(root / "examples" / "core_plus" / "case.yaml")
                    proc = subprocess.run(
                        [python[k], "-c", worker, case], env=env[k], cwd=root, check=True,
                        capture_output=True,
                    )  # fmt: skip
                    stages[k].append(json.loads(proc.stdout.decode().strip().splitlines()[-1]))
    first, second = list(sides)
    print(f"{title} ({runs} alternated cold runs, median, seconds):")

    def line(label: str, a: float, b: float) -> None:
        ratio = f"ratio {first}/{second} {a / b:5.2f}"
        print(f"  {label:<28} {first} {a:7.3f}  {second} {b:7.3f}  {ratio}")

    line(
        "example plan, whole command",
        statistics.median(walls[first]),
        statistics.median(walls[second]),
    )
    if stages[first] and stages[second]:
        for key in stages[second][0]:
            if key in stages[first][0]:
                a = statistics.median(s[key] for s in stages[first])
                line(key, a, statistics.median(s[key] for s in stages[second]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold runs per figure (median)")
    parser.add_argument("--rows", type=int, default=13_500, help="rows of the Excel run")
    parser.add_argument(
        "--csv-rows", default="3000,30000", help="comma-separated sizes of the holdings CSV runs"
    )
    parser.add_argument("--only-csv", action="store_true", help="run the holdings CSV part only")
    parser.add_argument("--scenario-runs", type=int, default=5, help="scenario stage runs")
    parser.add_argument(
        "--only-scenarios", action="store_true", help="run the scenario stage comparison only"
    )
    parser.add_argument(
        "--against", type=Path, default=None, help="another checkout (with .venv) to compare"
    )
    parser.add_argument(
        "--only-against", action="store_true", help="run the --against comparison only"
    )
    parser.add_argument(
        "--only-kernels", action="store_true", help="run the numpy/compiled loops comparison only"
    )
    parser.add_argument("--only-floor", action="store_true", help="run the import floor only")
    args = parser.parse_args()
    if args.against is not None and args.only_against:
        _against(args.against, args.runs)
        return
    if args.only_kernels:
        _kernels(args.runs)
        return
    if args.only_floor:
        _floor(args.runs)
        return
    if args.only_scenarios:
        _scenario_stage(args.scenario_runs)
        return
    if args.only_csv:
        _csv_books([int(x) for x in args.csv_rows.split(",")])
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp) / "pycache")
        plan_cmd = [sys.executable, "-m", "hedge_planner.cli", "plan", str(EXAMPLE)]
        plan_cmd += ["--out", str(Path(tmp) / "out"), "--json"]
        ref_cmd = [sys.executable, "-c", "import numpy"]
        worker = [sys.executable, "-c", _WORKER, str(EXAMPLE)]
        _wall(plan_cmd, env)  # warms the bytecode cache
        plan_t, ref_t, stages = [], [], []
        for _ in range(args.runs):  # alternate, so load changes hit both sides alike
            plan_t.append(_wall(plan_cmd, env))
            ref_t.append(_wall(ref_cmd, env))
            proc = subprocess.run(worker, env=env, cwd=ROOT, check=True, capture_output=True)
            stages.append(json.loads(proc.stdout.decode().strip().splitlines()[-1]))
    plan_med, ref_med = statistics.median(plan_t), statistics.median(ref_t)
    print(f"example plan, cold process: median {plan_med:.2f} s wall over {args.runs} runs")
    print(f"reference (python -c 'import numpy'): median {ref_med:.3f} s")
    print(f"ratio plan / reference: {plan_med / ref_med:.1f}")
    print("breakdown (median of the cold worker runs, seconds):")
    for key in stages[0]:
        print(f"  {key:<22} {statistics.median(s[key] for s in stages):7.3f}")
    svg_t, mpl_t = _charts(max(args.runs, 3))
    print(
        f"charts: three SVG charts {1e3 * svg_t:.2f} ms; one matplotlib bar chart "
        f"{1e3 * mpl_t:.1f} ms (ratio {mpl_t / svg_t:.0f}x)"
    )
    _large_books(args.rows)
    _csv_books([int(x) for x in args.csv_rows.split(",")])
    _scenario_stage(args.scenario_runs)
    _kernels(args.runs)
    _floor(args.runs)
    if args.against is not None:
        _against(args.against, args.runs)


if __name__ == "__main__":
    main()

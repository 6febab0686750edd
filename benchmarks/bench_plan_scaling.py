"""Benchmark: ``analyze`` and ``plan`` time per holding as the book grows (linear cost check).

Run: ``python benchmarks/bench_plan_scaling.py [--copies 16,64,256] [--no-plan]``.

The book is the core-plus example's 220 holdings repeated ``copies`` times (ids suffixed, so
every holding is distinct), with the example's curves, benchmark, hedge universe and scenarios.
Each size runs in the same process after a warm-up run (imports excluded): ``analyze`` is the
case measured and its JSON document built; ``plan`` is the whole run (measure, hedge, stress,
plan document) plus the HTML and Excel reports written. Each is timed as the best of
``--repeats`` runs. The output gives the time per holding at each size, the marginal time per
holding between consecutive sizes and the ratio of the largest size's per-holding time to the
smallest's (<= 1 when the cost is linear, since fixed costs spread thinner).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import tempfile
from pathlib import Path

import yaml
from _common import ROOT, timed
from hedge_planner.report_excel import write_excel
from hedge_planner.report_html import write_html
from hedge_planner.run import PlanRun

EXAMPLE = ROOT / "examples" / "core_plus"


def make_case(folder: Path, copies: int) -> Path:
    """The example case over its holdings repeated ``copies`` times."""
    with (EXAMPLE / "holdings.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    holdings = folder / f"holdings_{copies}.csv"
    with holdings.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for k in range(copies):
            for row in rows:
                writer.writerow({**row, "id": f"{row['id']}-{k}"})
    case = yaml.safe_load((EXAMPLE / "case.yaml").read_text())
    case["holdings"] = str(holdings)
    path = folder / f"case_{copies}.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    return path


def analyze(case: Path) -> None:
    PlanRun.load(case).measure().to_json()


def plan(case: Path, out: Path) -> None:
    document = PlanRun.load(case).plan()
    document.to_json()
    write_html(document, out / "report.html")
    write_excel(document, out / "report.xlsx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="16,64,256", help="comma-separated book multiples")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-plan", action="store_true", help="time analyze only")
    args = parser.parse_args()
    copies = [int(c) for c in args.copies.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # Warm-up: imports and first-call costs outside the timings.
        warm = make_case(folder, 1)
        analyze(warm)
        if not args.no_plan:
            plan(warm, folder)
        rows = []
        for k in copies:
            case = make_case(folder, k)
            n = 220 * k
            t_an, _, _ = timed(args.repeats, lambda c=case: analyze(c))
            t_plan = float("nan")
            if not args.no_plan:
                t_plan, _, _ = timed(args.repeats, lambda c=case: plan(c, folder))
            rows.append((n, t_an, t_plan))
    print(f"timing: best of {args.repeats} runs, wall clock, imports excluded")
    print(f"{'holdings':>9} {'analyze s':>10} {'us/holding':>11} {'plan s':>9} {'us/holding':>11}")
    for n, t_an, t_plan in rows:
        per_an, per_plan = t_an / n * 1e6, t_plan / n * 1e6
        print(f"{n:>9,} {t_an:>10.2f} {per_an:>11.1f} {t_plan:>9.2f} {per_plan:>11.1f}")
    for (n0, a0, p0), (n1, a1, p1) in itertools.pairwise(rows):
        print(
            f"marginal {n0:,} -> {n1:,}: analyze {(a1 - a0) / (n1 - n0) * 1e6:.1f} us/holding, "
            f"plan {(p1 - p0) / (n1 - n0) * 1e6:.1f} us/holding"
        )
    (n0, a0, p0), (n1, a1, p1) = rows[0], rows[-1]
    print(
        f"per-holding time ratio {n1:,} vs {n0:,} holdings: analyze "
        f"{(a1 / n1) / (a0 / n0):.2f}x, plan {(p1 / n1) / (p0 / n0):.2f}x (linear: <= 1)"
    )


if __name__ == "__main__":
    main()

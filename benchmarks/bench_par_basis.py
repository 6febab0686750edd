"""Benchmark: the example's plan with the benchmark profile's KRDs on the par basis against the
same plan on the zero basis (the reference, measured in the same run).

Run: ``python benchmarks/bench_par_basis.py [--repeats N]``. Target: ratio <= 1.3 (the par plan
within about a second of the zero plan). Before the par basis map was cached per curve, every
hedge instrument's factor loadings fitted it again (~21 fits of a ~600-bond ladder, 2 x 10
bootstraps each) and the par plan took about 3.5x the zero plan's CPU time.

Both plans are built in-process from the same case text (``PlanRun.from_text``), one fresh run
per repeat (no state carried between runs: each run bootstraps its own curves); the figures are
the best wall time and the best CPU time of the repeats.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import ROOT
from hedge_planner.run import PlanRun

CASE = ROOT / "examples" / "core_plus" / "case.yaml"
PAR_LINE = "  krd_convention: {rate_basis: par}\n"


def _case_texts() -> tuple[str, str]:
    """The example's text on the zero basis and on the par basis (profile KRDs stated par)."""
    text = CASE.read_text()
    zero = text.replace(PAR_LINE, "")  # the example may already state par
    marker = "  max_staleness_days: 35\n"
    head, tail = zero.split("# The hedge:", 1)
    par = head.replace(marker, PAR_LINE + marker, 1) + "# The hedge:" + tail
    return zero, par


def _time_plan(text: str, repeats: int) -> tuple[float, float, float]:
    """Best wall and CPU seconds of a whole plan, and its post-hedge TE (bp/yr)."""
    wall, cpu, te = float("inf"), float("inf"), float("nan")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        plan = PlanRun.from_text(text, str(CASE)).plan()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
        assert plan.risk_model is not None and plan.risk_model.post_hedge is not None
        te = plan.risk_model.post_hedge.tracking_error.total_bp
    return wall, cpu, te


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    zero, par = _case_texts()
    assert zero != par and Path(CASE).exists()
    z_wall, z_cpu, z_te = _time_plan(zero, args.repeats)
    p_wall, p_cpu, p_te = _time_plan(par, args.repeats)
    print(f"zero-basis plan : wall {z_wall:6.2f} s  cpu {z_cpu:6.2f} s  post-hedge TE {z_te:.2f}")
    print(f"par-basis plan  : wall {p_wall:6.2f} s  cpu {p_cpu:6.2f} s  post-hedge TE {p_te:.2f}")
    print(f"ratio par/zero  : wall {p_wall / z_wall:5.2f}x  cpu {p_cpu / z_cpu:5.2f}x")
    print(f"difference      : wall {p_wall - z_wall:+6.2f} s  cpu {p_cpu - z_cpu:+6.2f} s")


if __name__ == "__main__":
    main()

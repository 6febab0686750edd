"""Benchmark: the exact mixed-integer search of this checkout against another, alternated.

Run: ``python benchmarks/bench_exact_search.py --reference-python OLD/.venv/bin/python
[--rounds 3] [--reps 5] [--books 10]``, where ``OLD`` is a checkout of the reference commit
with its own virtual environment, e.g. ``git worktree add /tmp/old a1ab8a4 && cd /tmp/old &&
python3 -m venv .venv && .venv/bin/pip install -e '.[test,service]'``. Each round runs
``_exact_search_worker.py`` once with the reference interpreter and once with this one (so both
see the same load), each in a fresh process: the medians of ``--reps`` solves from scratch of
the examples with legs (``case.yaml``: issue 12's target, a median under 50 ms) and of
``--books`` in-process desk hedges of the service's fast path (issue 17's ``POST /v1/hedge``
spends most of its time there). Prints each round and the median over rounds with the ratio
reference / this checkout. The service's HTTP figures: ``python benchmarks/bench_service.py
--plans 0`` in each checkout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

WORKER = Path(__file__).resolve().parent / "_exact_search_worker.py"


def _run(python: str, reps: int, books: int) -> dict[str, Any]:
    out = subprocess.run([python, str(WORKER), str(reps), str(books)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _figures(run: dict[str, Any]) -> dict[str, float]:
    figs = {k: v["median_ms"] for k, v in run["examples"].items()}
    figs["service fast path"] = run["service"]["fast path median_ms"]
    return figs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference-python", required=True, help="interpreter of the old checkout")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=5, help="solves per example and side")
    ap.add_argument("--books", type=int, default=10, help="service fast-path hedges per side")
    a = ap.parse_args()
    old: list[dict[str, float]] = []
    new: list[dict[str, float]] = []
    for r in range(a.rounds):
        ref, cur = _run(a.reference_python, a.reps, a.books), _run(sys.executable, a.reps, a.books)
        old.append(_figures(ref))
        new.append(_figures(cur))
        for name, v in cur["examples"].items():
            w = ref["examples"][name]
            print(f"round {r + 1} {name}: reference {w['median_ms']:.1f} ms ({w['nodes']} nodes, "
                  f"{w['status']}, {w['objective']:,.2f}); this {v['median_ms']:.1f} ms "
                  f"({v['nodes']} nodes, {v['status']}, {v['objective']:,.2f})")  # fmt: skip
        print(f"round {r + 1} service fast path: reference "
              f"{ref['service']['fast path median_ms']:.1f} ms {ref['service']['counts']}; this "
              f"{cur['service']['fast path median_ms']:.1f} ms {cur['service']['counts']}",
              flush=True)  # fmt: skip
    print(f"\nMedian over {a.rounds} rounds (ms): reference / this / ratio")
    for name in new[0]:
        o = statistics.median(x[name] for x in old)
        n = statistics.median(x[name] for x in new)
        print(f"  {name:32s} {o:8.1f} {n:8.1f} {o / n:6.2f}x")


if __name__ == "__main__":
    main()

"""Dump the core_plus example's hedge problem inputs (solver data contract) to JSON.

Run from the repository root: ``python tests/solvers/data/dump_core_plus_problem.py
tests/solvers/data/core_plus_problem.json``. Inputs only (what the planner hands to the
optimiser), never the optimiser's answers.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
from hedge_planner.cases import load_analysis_case
from hedge_planner.hedging import build_problem, build_universe
from hedge_planner.io import read_text
from hedge_planner.solvers import terms as T
from hedge_planner.workflow import analyze_case

text, name = read_text(str(Path("examples/core_plus/case.yaml").resolve()))
case, _ = load_analysis_case(name, text)
an = analyze_case(case, name)
members = build_universe(an, case.hedge, name)
problem = build_problem(case, an, members, name)
opt = problem.optimizer
ctx = opt.ctx


def f(v):
    if isinstance(v, np.ndarray):
        return [f(x) for x in v.tolist()]
    if isinstance(v, list):
        return [f(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


p = ctx.portfolio
doc = {
    "source": "examples/core_plus/case.yaml via hedge_planner.hedging.build_problem (inputs only)",
    "portfolio": {
        "market_value": p.market_value,
        "krd_dv01": f(p.krd_dv01),
        "dollar_convexity": p.dollar_convexity,
        "bench_krd_dv01": f(p.bench_krd_dv01),
        "bucket_labels": list(p.bucket_labels),
    },
    "covariance": f(ctx.cov),
    "instruments": [
        {
            k: f(getattr(i, k))
            for k in (
                "name",
                "kind",
                "krd_dv01",
                "dollar_convexity",
                "carry",
                "half_spread",
                "impact",
                "margin",
                "lo",
                "hi",
                "direction",
                "integer",
                "lot_size",
                "q0",
            )
        }
        for i in ctx.instruments
    ],
    "terms": [],
    "constraints": [],
    "params": {
        k: f(np.asarray(v)) if isinstance(v, np.ndarray) else v for k, v in opt.params.items()
    },
    "options": {"gap_tol": opt.gap_tol},
}
for t in opt.terms:
    d = {"type": type(t).__name__}
    if isinstance(t, T.InstrumentFactorRiskTerm):
        d["loadings"] = f(t.loadings)
        d["param"] = t.param
    doc["terms"].append(d)
for c in opt.constraints:
    doc["constraints"].append({"type": type(c).__name__})
with open(sys.argv[1], "w") as fh:
    json.dump(doc, fh, indent=1)
print([d["type"] for d in doc["terms"]], [d["type"] for d in doc["constraints"]], doc["params"])

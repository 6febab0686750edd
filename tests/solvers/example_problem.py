"""The core_plus example's hedge problem, rebuilt from its dumped solver inputs.

``data/core_plus_problem.json`` holds the INPUTS the planner passes to the optimiser for
``examples/core_plus/case.yaml`` (portfolio risk, per-unit instrument analytics, covariance,
term and constraint parameters), written by ``data/dump_core_plus_problem.py``. Tests check
the optimiser's answers on it against independent recomputation from these raw numbers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    CarryTerm,
    ConvexityFloor,
    DurationBand,
    DV01Limit,
    InstrumentFactorRiskTerm,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)

DATA = Path(__file__).with_name("data") / "core_plus_problem.json"


def _num(v: Any) -> Any:
    if isinstance(v, str) and v in ("inf", "-inf"):
        return float(v)
    if isinstance(v, list):
        return [_num(x) for x in v]
    return v


def load_raw(kinds: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The dumped inputs, optionally restricted to instruments of the given kinds."""
    doc = json.loads(DATA.read_text())
    keep = [i for i, ins in enumerate(doc["instruments"]) if kinds is None or ins["kind"] in kinds]
    doc["instruments"] = [doc["instruments"][i] for i in keep]
    for t in doc["terms"]:
        if "loadings" in t:
            t["loadings"] = [[row[i] for i in keep] for row in t["loadings"]]
    return doc


def build_example(
    kinds: tuple[str, ...] | None = None, **params: Any
) -> tuple[HedgeOptimizer, dict[str, Any]]:
    """Compile the example (optionally swaps only etc.) with parameter overrides.

    Returns the optimiser and the raw inputs (with the overrides applied) for independent
    checks.
    """
    raw = load_raw(kinds)
    p = dict(raw["params"])
    p.update(params)
    raw["params"] = p
    port = raw["portfolio"]
    portfolio = PortfolioRisk(
        market_value=port["market_value"],
        krd_dv01=np.array(port["krd_dv01"]),
        dollar_convexity=port["dollar_convexity"],
        bench_krd_dv01=np.array(port["bench_krd_dv01"]),
        bucket_labels=tuple(port["bucket_labels"]),
    )
    instruments = [
        Instrument(**{k: (np.array(v) if k == "krd_dv01" else _num(v)) for k, v in ins.items()})
        for ins in raw["instruments"]
    ]
    terms: list[Any] = []
    for t in raw["terms"]:
        if t["type"] == "TrackingErrorTerm":
            terms.append(TrackingErrorTerm(p["risk_aversion"]))
        elif t["type"] == "CarryTerm":
            terms.append(CarryTerm(p["carry_scale"]))
        elif t["type"] == "SlippageTerm":
            terms.append(SlippageTerm(p["slippage_scale"]))
        elif t["type"] == "InstrumentFactorRiskTerm":
            loadings = np.array(t["loadings"])
            loadings = loadings[np.any(loadings != 0.0, axis=1)]
            if loadings.size:
                terms.append(InstrumentFactorRiskTerm(loadings, p[t["param"]], t["param"]))
    constraints = [
        DurationBand(p["duration_target"], p["duration_band"]),
        DV01Limit(dv01_max=p["dv01_max"]),
        KRDTolerance(np.broadcast_to(np.asarray(p["krd_tol"], dtype=float), (9,)).copy()),
        ConvexityFloor(p["convexity_floor"]),
        MarginBudget(p["margin_budget"]),
    ]
    opt = HedgeOptimizer(
        portfolio, instruments, np.array(raw["covariance"]), terms, constraints,
        gap_tol=raw["options"]["gap_tol"],
    )  # fmt: skip
    return opt, raw


def independent_violations(
    raw: dict[str, Any], q: np.ndarray, params: dict[str, Any], tol: float = 1e-9
) -> list[str]:
    """Hard limits that ``q`` breaks, recomputed from the raw inputs alone.

    ``tol`` is relative to ``max(1, |limit|, |value|)`` in each limit's own units.
    """
    port = raw["portfolio"]
    mv = port["market_value"]
    scale = mv * 1e-4  # currency/bp per year
    U = np.array([ins["krd_dv01"] for ins in raw["instruments"]])
    krd = np.array(port["krd_dv01"]) + U.T @ q
    gap = (krd - np.array(port["bench_krd_dv01"])) / scale
    dur = krd.sum() / scale
    conv = (
        port["dollar_convexity"] + np.array([i["dollar_convexity"] for i in raw["instruments"]]) @ q
    ) / mv
    margin = float(np.array([i["margin"] for i in raw["instruments"]]) @ np.abs(q))
    checks = [
        ("duration_band", abs(dur - params["duration_target"]), params["duration_band"]),
        ("dv01_max", krd.sum(), params["dv01_max"]),
        ("margin_budget", margin, params["margin_budget"]),
        ("convexity_floor", -conv, -params["convexity_floor"]),
    ]
    tol_k = np.broadcast_to(np.asarray(params["krd_tol"], dtype=float), gap.shape)
    checks += [(f"krd[{k}]", abs(g), t) for k, (g, t) in enumerate(zip(gap, tol_k, strict=True))]
    out = []
    for name, value, limit in checks:
        if value > limit + tol * max(1.0, abs(limit), abs(value)):
            out.append(f"{name}: {value!r} > {limit!r}")
    for ins, qi in zip(raw["instruments"], q, strict=True):
        lo, hi = _num(ins["lo"]), _num(ins["hi"])
        if not (lo - 1e-9 * max(1.0, abs(lo)) <= qi <= hi + 1e-9 * max(1.0, abs(hi))):
            out.append(f"bounds[{ins['name']}]: {qi!r} not in [{lo}, {hi}]")
        if ins["integer"] and not math.isclose(qi / ins["lot_size"], round(qi / ins["lot_size"])):
            out.append(f"integer[{ins['name']}]: {qi!r}")
    return out

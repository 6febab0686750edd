"""The example as a desk trades it (examples/core_plus/case.yaml: lots, minimum trades,
tickets and at most six legs): whole lots, no leg under its minimum, at most
max_legs legs, proven optimal, and each leg's tracking-error reduction.

Reference for the reduction: the optimiser's own evaluation of the hedge with that trade undone
(:meth:`HedgeOptimizer.evaluate`, a separate path from the plan's figure).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hedge_planner.run import PlanRun

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "core_plus"


@pytest.fixture(scope="module")
def run() -> PlanRun:
    run = PlanRun.load(EXAMPLES / "case.yaml")
    run.plan()
    return run


def test_every_instrument_of_the_example_has_desk_settings(run: PlanRun) -> None:
    """Realistic values: a minimum and a ticket on every instrument, whole 1mm lots on every
    notional instrument (swaps, swaptions, cap, CDX), a leg limit."""
    hedge = run.case.hedge
    assert hedge is not None and hedge.limits.max_legs == 6
    for m in run.universe():
        assert m.spec.min_trade > 0 and m.spec.ticket_cost > 0, m.name
        if m.risk.kind in ("swap", "swaption", "cap", "floor", "cdx"):
            assert m.spec.lot == 1e6 and m.spec.min_trade >= 25 * m.spec.lot, m.name


def test_desk_example_trades_whole_lots_above_minimums_within_max_legs(run: PlanRun) -> None:
    hedge = run.plan().hedge
    assert hedge is not None and hedge.solver.status == "optimal"
    assert hedge.solver.gap is not None and hedge.solver.gap <= 1e-6  # proven, not a time-out
    case_hedge = run.case.hedge
    assert case_hedge is not None
    specs = {m.name: m.spec for m in run.universe()}
    max_legs = case_hedge.limits.max_legs
    assert 0 < len(hedge.trades) <= (len(specs) if max_legs is None else max_legs)
    for t in hedge.trades:
        spec = specs[t.instrument]
        assert abs(t.quantity) >= spec.min_trade > 0
        lot = spec.lot if t.kind != "future" else 1
        assert lot and t.quantity / lot == pytest.approx(round(t.quantity / lot), abs=1e-9)
        assert t.lot == lot  # the plan states the lot it traded in
        # Swap notionals exactly whole lots (no odd notional such as 13,024,854).
        if t.kind == "swap":
            assert t.quantity % spec.lot == 0


def test_each_leg_reports_the_tracking_error_it_removes(run: PlanRun) -> None:
    plan = run.hedge()
    hedge = run.plan().hedge
    assert plan is not None and hedge is not None
    names = [m.name for m in plan.problem.members]
    post_te = plan.problem.optimizer.evaluate(plan.quantities)["te_bp"]
    for t in hedge.trades:
        q = plan.quantities.copy()
        j = names.index(t.instrument)
        q[j] = plan.current[j]
        undone = plan.problem.optimizer.evaluate(q)["te_bp"]
        assert t.te_reduction_bp == pytest.approx(undone - post_te, rel=1e-9, abs=1e-12)
        if t.cash_cost > 0:
            assert t.te_reduction_per_cash_cost == pytest.approx(
                t.te_reduction_bp / t.cash_cost * 1e6, rel=1e-12
            )
        else:
            assert t.te_reduction_per_cash_cost is None
    assert np.isfinite(post_te)


def test_readme_explains_every_leg_of_the_desk_plan(run: PlanRun) -> None:
    """The README's "Why each leg is there" table lists exactly the desk plan's legs, with the
    plan's quantity, TE reduction and TE reduction per 1mm of cash."""
    import json
    import re

    root = EXAMPLES.parents[1]
    plan = json.loads(run.plan().model_dump_json())
    text = (root / "README.md").read_text()
    table = text[text.index("**Why each leg is there**") :]
    table = table[: table.index("\n\n", table.index("| leg |"))]
    rows = [r.split("|")[1:-1] for r in table.splitlines() if re.match(r"\| [A-Z]", r)]
    rows = [[c.strip() for c in r] for r in rows if r[0].strip() != "leg"]
    trades = {t["instrument"][:2] if t["kind"] == "future" else t["instrument"]: t
              for t in plan["hedge"]["trades"]}  # fmt: skip
    assert sorted(r[0] for r in rows) == sorted(trades)
    for leg, qty, _what, te, _cash, per in rows:
        t = trades[leg]
        if t["kind"] == "future":
            assert float(qty.replace(",", "")) == t["quantity"]
        else:
            assert float(qty.split("mm")[0]) * 1e6 == t["quantity"]
        assert float(te) == pytest.approx(t["te_reduction_bp"], abs=0.05)
        ratio = t["te_reduction_per_cash_cost"]
        assert (
            (per == "(earns cash)")
            if ratio is None
            else float(per) == pytest.approx(ratio, abs=0.05)
        )

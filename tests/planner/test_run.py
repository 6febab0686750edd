"""The plan run: one case load, one schedule, one solve; post-hedge figures computed once;
held derivatives in the pre-hedge book; pricing errors not disguised as input problems."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hedge_planner import workflow
from hedge_planner.models import bonds, yield_risk
from hedge_planner.models.errors import AnalyticsError, InputError
from hedge_planner.models.futures_hedge import TreasuryFuture
from hedge_planner.run import PlanRun
from hedge_planner.solvers.optimizer import HedgeOptimizer

ROOT = Path(__file__).resolve().parents[2]
CORE_PLUS = ROOT / "examples" / "core_plus" / "case.yaml"


@pytest.fixture(scope="module")
def example() -> PlanRun:
    """The example's run with its plan built (shared: stages are cached on the run)."""
    run = PlanRun.load(CORE_PLUS)
    run.plan()
    return run


def _run_with_current(futures: float = 0.0, swap: float = 0.0) -> PlanRun:
    """The example with held positions: ``futures`` TU contracts and ``swap`` 5y notional."""
    base = PlanRun.load(CORE_PLUS)
    case = base.case.model_copy(deep=True)
    assert case.hedge is not None
    universe = case.hedge.universe
    tu = next(f for f in universe.futures if f.code == "TU")
    tu.current = futures
    five = next(s for s in universe.swaps if s.tenor == "5y" and s.start is None)
    five.current = swap
    return PlanRun(case, base.source)


# ------------------------------------------------------------------------------------------------
# one run, each stage once
# ------------------------------------------------------------------------------------------------


def test_plan_builds_the_portfolio_schedule_once_and_solves_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = PlanRun.load(CORE_PLUS)
    built: list[tuple[str, ...]] = []

    def counting(original: Any) -> Any:
        def wrapper(book: bonds.BondBook, settle: int) -> bonds.CashflowSchedule:
            built.append(tuple(book.ids))
            return original(book, settle)

        return wrapper

    monkeypatch.setattr(workflow, "build_schedule", counting(workflow.build_schedule))
    monkeypatch.setattr(bonds, "build_schedule", counting(bonds.build_schedule))
    # the yield analytics moved to models/yield_risk.py: count the schedules built there too
    monkeypatch.setattr(yield_risk, "build_schedule", counting(yield_risk.build_schedule))
    solves: list[int] = []
    original_solve = HedgeOptimizer.solve

    def counting_solve(self: HedgeOptimizer, *args: Any, **kwargs: Any) -> Any:
        solves.append(1)
        return original_solve(self, *args, **kwargs)

    monkeypatch.setattr(HedgeOptimizer, "solve", counting_solve)
    run.plan()
    portfolio_ids = tuple(run.analysis.book.ids)
    # The book's schedule is built once (the yield analytics, curve risk and scenario
    # revaluation share it); the only other one is the benchmark's own holdings.
    assert built.count(portfolio_ids) == 1
    assert len(built) <= 2
    assert solves == [1]
    # Asking again reuses every stage.
    assert run.hedge() is run.hedge()
    run.stress()
    assert solves == [1]


def test_the_case_source_labels_problems_from_every_stage(tmp_path: Path) -> None:
    text = CORE_PLUS.read_text(encoding="utf-8").replace(
        "holdings.csv", str(CORE_PLUS.parent / "holdings.csv")
    )
    text = text.replace("tenor: 7y", "tenor: 7x", 1)
    case_file = tmp_path / "my_case.yaml"
    case_file.write_text(text, encoding="utf-8")
    run = PlanRun.load(case_file)
    with pytest.raises(InputError) as err:
        run.universe()
    (issue,) = err.value.issues
    assert issue.source == str(case_file)
    assert issue.column is not None and issue.column.startswith("hedge.universe.swaps[")
    assert issue.column.endswith("].tenor")


# ------------------------------------------------------------------------------------------------
# post-hedge exposure computed once
# ------------------------------------------------------------------------------------------------


def test_each_post_hedge_figure_has_one_value(example: PlanRun) -> None:
    plan = example.plan()
    hedge = plan.hedge
    assert hedge is not None and hedge.exposure is not None
    post, ex, dash = hedge.post_hedge, hedge.exposure, plan.dashboard
    assert ex.duration == post.duration == dash.duration.after
    assert ex.dv01 == post.dv01 == dash.dv01.after
    assert ex.convexity == post.convexity
    assert ex.krd == post.krd
    assert hedge.pre_hedge.duration == dash.duration.before
    assert hedge.pre_hedge.dv01 == dash.dv01.before
    # Duration is DV01 over the book value, and the KRDs add up to it.
    assert math.isclose(post.duration, post.dv01 / (ex.market_value * 1e-4), rel_tol=1e-12)
    assert math.isclose(sum(post.krd.values()), post.duration, rel_tol=1e-12)
    assert math.isclose(sum(post.krd_dv01.values()), post.dv01, rel_tol=1e-12)


def test_trade_dv01_adds_up_in_the_report(example: PlanRun) -> None:
    plan = example.plan()
    hedge = plan.hedge
    assert hedge is not None
    total = sum(t.dv01_change for t in hedge.trades)
    assert math.isclose(hedge.pre_hedge.dv01 + total, hedge.post_hedge.dv01, rel_tol=1e-12)
    # The action items quote the same DV01 changes, rounded to whole currency per bp.
    for trade, line in zip(hedge.trades, plan.actions.trades, strict=True):
        if trade.kind == "cdx":  # a spread hedge: its line says it moves no rate DV01
            assert trade.dv01_change == 0.0 and "no rate DV01" in line
            continue
        assert f"DV01 change {trade.dv01_change:+,.0f} per bp" in line


# ------------------------------------------------------------------------------------------------
# held derivatives count in the pre-hedge book
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def held() -> tuple[PlanRun, PlanRun]:
    """The example with 300 TU contracts and 50m of 5y receiver swaps held, and without."""
    return _run_with_current(futures=300.0, swap=50e6), _run_with_current()


def test_pre_hedge_includes_held_derivatives(held: tuple[PlanRun, PlanRun]) -> None:
    with_current, without = held
    pre = with_current.hedge().pre  # type: ignore[union-attr]
    pre0 = without.hedge().pre  # type: ignore[union-attr]
    members = {m.name: m for m in with_current.universe()}
    tu = next(m for m in members.values() if m.risk.kind == "future" and m.name.startswith("TU"))
    five = members["SOFR 5y"]
    # Independent reference: per-unit key-rate DV01s of the instruments times units held.
    expected = (
        pre0.krd_dv01 + 300.0 * np.asarray(tu.risk.krd_dv01) + 50e6 * np.asarray(five.risk.krd_dv01)
    )
    np.testing.assert_allclose(pre.krd_dv01, expected, rtol=1e-12)
    assert pre.dv01 != pytest.approx(pre0.dv01, rel=1e-6)


def test_pre_hedge_plus_trades_equals_post_hedge(held: tuple[PlanRun, PlanRun]) -> None:
    run, _ = held
    hedge = run.plan().hedge
    assert hedge is not None
    pre, post = hedge.pre_hedge, hedge.post_hedge
    traded = {t.instrument: t for t in hedge.trades}
    assert math.isclose(
        pre.dv01 + sum(t.dv01_change for t in traded.values()), post.dv01, rel_tol=1e-9
    )
    for tenor in run.tenors:
        change = sum(t.krd_dv01_change[tenor] for t in traded.values())
        assert math.isclose(
            pre.krd_dv01[tenor] + change, post.krd_dv01[tenor], rel_tol=1e-9, abs_tol=1e-6
        )
    scale = run.problem().market_value * 1e-4
    duration_change = sum(t.dv01_change for t in traded.values()) / scale
    assert math.isclose(pre.duration + duration_change, post.duration, rel_tol=1e-9)
    # Trades are changes from the held position.
    plan = run.hedge()
    assert plan is not None
    for m, q, cur in zip(plan.problem.members, plan.quantities, plan.current, strict=True):
        if m.name in traded:
            assert traded[m.name].quantity == pytest.approx(q - cur)
            assert traded[m.name].position_after == pytest.approx(q)


# ------------------------------------------------------------------------------------------------
# pricing errors: the package's own are input problems, anything else is a bug
# ------------------------------------------------------------------------------------------------


def test_an_analytics_error_in_pricing_is_a_located_input_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def undeliverable(self: TreasuryFuture, *args: Any, **kwargs: Any) -> Any:
        raise AnalyticsError("no deliverable bond")

    monkeypatch.setattr(TreasuryFuture, "risk", undeliverable)
    run = PlanRun.load(CORE_PLUS)
    with pytest.raises(InputError) as err:
        run.universe()
    columns = [i.column for i in err.value.issues]
    assert columns[0] == "hedge.universe.futures[0]"
    # Each future names the pricing error; an option on a future is located on its own list.
    futures = [i for i in err.value.issues if i.column.startswith("hedge.universe.futures[")]
    assert futures and all("no deliverable bond" in i.reason for i in futures)


@pytest.mark.parametrize(
    "bug", [ValueError("math domain"), KeyError("ctd_id"), ZeroDivisionError("division")]
)
def test_a_bug_in_a_pricer_propagates(monkeypatch: pytest.MonkeyPatch, bug: Exception) -> None:
    def broken(self: TreasuryFuture, *args: Any, **kwargs: Any) -> Any:
        raise bug

    monkeypatch.setattr(TreasuryFuture, "risk", broken)
    run = PlanRun.load(CORE_PLUS)
    with pytest.raises(type(bug)) as err:
        run.universe()
    assert not isinstance(err.value, InputError)


def test_bad_contract_month_is_an_input_problem(tmp_path: Path) -> None:
    text = CORE_PLUS.read_text(encoding="utf-8").replace(
        "holdings.csv", str(CORE_PLUS.parent / "holdings.csv")
    )
    text = text.replace("contract_month: 2024-03", "contract_month: 2024-13", 1)
    case_file = tmp_path / "case.yaml"
    case_file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        PlanRun.load(case_file).universe()
    assert [i.column for i in err.value.issues] == ["hedge.universe.futures[0].contract_month"]


def test_bad_32nds_price_is_a_located_input_problem(tmp_path: Path) -> None:
    text = CORE_PLUS.read_text(encoding="utf-8").replace(
        "holdings.csv", str(CORE_PLUS.parent / "holdings.csv")
    )
    text = text.replace(
        "contract_month: 2024-03", "contract_month: 2024-03\n        price: 102-40", 1
    )
    case_file = tmp_path / "case.yaml"
    case_file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        PlanRun.load(case_file).universe()
    (issue,) = err.value.issues
    assert issue.column == "hedge.universe.futures[0].price"
    assert "102-40" in issue.reason


def test_scenarios_with_the_optimised_hedge_run_once(
    example: PlanRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stress() and plan() share one revaluation; other positions are revalued afresh."""
    from hedge_planner import run as run_module

    calls: list[int] = []
    original = run_module.run_scenarios

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(run_module, "run_scenarios", counting)
    first = example.stress()
    example.plan()
    assert example.stress() is first and calls == []  # computed when the fixture planned
    zero = example.stress(np.zeros(len(example.universe())))
    assert calls == [1] and zero is not first
    hedge = example.hedge()
    assert hedge is not None
    again = example.stress(hedge.quantities)
    assert calls == [1, 1]
    assert again.to_json() == first.to_json()  # the cached result is the hedge's revaluation

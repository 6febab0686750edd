"""Minimal-violation diagnosis: hand-computed cases (moved from test_optimizer.py).

Each case is small enough to solve by hand; the elastic problem generated from the cvxpy
formulation must name exactly the limit that has to move, by exactly the computed amount,
and the closest hedge must be the hand-computed plan.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.solvers.optimizer import HedgeOptimizer
from hedge_planner.solvers.problem import Instrument, PortfolioRisk
from hedge_planner.solvers.terms import (
    DurationBand,
    DV01Limit,
    KRDTolerance,
    MarginBudget,
    SlippageTerm,
    TrackingErrorTerm,
)


def _one_future(lo: float, hi: float) -> Instrument:
    return Instrument("FUT", "future", np.array([100.0]), lo=lo, hi=hi, margin=1000.0)


def test_infeasible_duration_band_unreachable() -> None:
    """Duration 5y, future moves DV01 by +-100/contract within +-10 contracts on MV 1e7:
    reachable durations are [4, 6]. Target 2 +- 0.5 -> the band must widen by 1.5y to 2.0y,
    closest hedge is -10 contracts."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    opt = HedgeOptimizer(
        port, [_one_future(-10, 10)], np.array([[100.0]]),
        [TrackingErrorTerm(1e-6), SlippageTerm()], [DurationBand(2.0, 0.5)],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    assert len(res.violations) == 1
    v = res.violations[0]
    assert v.name == "duration_band" and v.units == "years"
    assert v.limit == pytest.approx(0.5)
    assert v.required == pytest.approx(2.0, abs=1e-7)
    assert v.move == pytest.approx(1.5, abs=1e-7)
    assert res.quantities["FUT"] == -10
    assert res.post.duration == pytest.approx(4.0)
    assert "duration_band" in res.message


def test_infeasible_krd_vs_dv01() -> None:
    """Curve swap krd (+1, -0.5) per 1e4 notional: each unit cuts DV01 by 0.5 but moves both
    bucket gaps. DV01 5000 must drop to 4000; the 10Y bucket tolerance (0.1y = 100/bp on MV
    1e7) caps the trade at 100 units -> DV01 4950: dv01_max must move 4000 -> 4950."""
    port = PortfolioRisk(1e7, np.array([3000.0, 2000.0]), bench_krd_dv01=[3000.0, 2000.0],
                         bucket_labels=("10Y", "30Y"))  # fmt: skip
    swap = Instrument("CURVE", "swap", np.array([-1e-4, 0.5e-4]), lo=-1e9, hi=1e9)
    opt = HedgeOptimizer(
        port, [swap], np.diag([100.0, 80.0]), [TrackingErrorTerm(1e-8)],
        [DV01Limit(dv01_max=4000.0), KRDTolerance(np.array([0.1, 0.5]))],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    assert [v.name for v in res.violations] == ["dv01_max"]
    v = res.violations[0]
    assert v.units == "currency/bp"
    assert v.required == pytest.approx(4950.0, abs=1e-4)
    assert v.move == pytest.approx(950.0, abs=1e-4)
    assert res.quantities["CURVE"] == pytest.approx(1e6, rel=1e-7)
    assert res.post.dv01 == pytest.approx(4950.0, abs=1e-4)


def test_infeasible_conflicting_krd_tolerances() -> None:
    """Gaps (+300, -300)/bp, one swap with krd (1, 0.5) per unit, tolerances 0.1y = 100/bp.
    Cost of moving the tolerances is minimised uniquely at t = -200: bucket 1 at its limit,
    bucket 2 deviates 400 -> its tolerance must widen from 0.1y to 0.4y."""
    port = PortfolioRisk(1e7, np.array([1300.0, 700.0]), bench_krd_dv01=[1000.0, 1000.0],
                         bucket_labels=("5Y", "30Y"))  # fmt: skip
    swap = Instrument("SW", "swap", np.array([1e-4, 0.5e-4]), lo=-1e9, hi=1e9)
    opt = HedgeOptimizer(
        port, [swap], np.diag([100.0, 80.0]), [TrackingErrorTerm(1e-8)],
        [KRDTolerance(np.array([0.1, 0.1]))],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    assert [v.name for v in res.violations] == ["krd_tol[30Y]"]
    v = res.violations[0]
    assert v.units == "years" and v.bucket == 1
    assert v.required == pytest.approx(0.4, abs=1e-9)
    assert res.quantities["SW"] == pytest.approx(-2e6, rel=1e-7)


@pytest.mark.parametrize(
    ("margin", "budget", "moved", "required", "contracts"),
    [
        # 1000/contract, budget 3000 (3 contracts): margin move 2000 is 2000/3000 = 0.67
        # normalised; DV01 move 4500 -> 4700 is 200 / (MV 1e-4 = 1000) = 0.2 -> DV01 moves.
        (1000.0, 3000.0, "dv01_max", 4700.0, -3),
        # 10/contract, budget 30: margin move 20 is 20 / max(30, 1000) = 0.02 < 0.2.
        (10.0, 30.0, "margin_budget", 50.0, -5),
    ],
)
def test_infeasible_margin_vs_dv01(
    margin: float, budget: float, moved: str, required: float, contracts: int
) -> None:
    """DV01 5000 must drop to 4500 (5 contracts of 100/bp); the margin budget allows fewer.
    The cheaper move in normalised units (years of duration) is reported."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    fut = Instrument("FUT", "future", np.array([100.0]), lo=-10, hi=10, margin=margin)
    opt = HedgeOptimizer(
        port, [fut], np.array([[100.0]]), [TrackingErrorTerm(1e-9)],
        [DV01Limit(dv01_max=4500.0), MarginBudget(budget)],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    assert [v.name for v in res.violations] == [moved]
    assert res.violations[0].required == pytest.approx(required, abs=1e-5)
    assert res.quantities["FUT"] == contracts


def test_margin_budget_named_when_it_is_the_cause() -> None:
    """Duration 5y on MV 1e7 (DV01 5000), target 3 +- 0.1: the future (100/bp, margin 1000 per
    contract) must be sold 19 to 21 times, so the least margin is 19 x 1000 = 19,000 against a
    budget of 5,000. Alone, the budget must move to 19,000; alone, the band must widen to
    |(5000 - 5 x 100) / 1000 - 3| = 1.5 years (5 contracts is all the budget pays for). The
    elastic objective prices the band's move cheaper (1.4 years vs 14,000 / 5,000 = 2.8) and
    moves it for the closest hedge, but the conflict names the margin budget with its amount."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    opt = HedgeOptimizer(
        port, [_one_future(-50, 50)], np.array([[100.0]]),
        [TrackingErrorTerm(1e-6), SlippageTerm()],
        [DurationBand(3.0, 0.1), MarginBudget(5000.0)],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    alone = {v.name: v for v in res.alternatives}
    assert set(alone) == {"duration_band", "margin_budget"}
    assert alone["margin_budget"].required == pytest.approx(19_000.0, rel=1e-7)
    assert alone["margin_budget"].move == pytest.approx(14_000.0, rel=1e-7)
    assert alone["duration_band"].required == pytest.approx(1.5, abs=1e-6)
    assert [v.name for v in res.alternatives] == ["duration_band", "margin_budget"]
    assert [v.name for v in res.violations] == ["duration_band"]
    # the closest hedge meets the budget it did not move: 5 contracts
    assert res.quantities["FUT"] == -5
    assert res.post.margin == pytest.approx(5_000.0)
    assert "margin_budget: 5000 -> 19000 currency" in res.message


def test_only_the_margin_budget_conflicts() -> None:
    """Without the band's cheaper alternative (a DV01 floor and cap that only 19 to 21 short
    contracts meet, and the band wide), the margin budget is the one limit in conflict."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    opt = HedgeOptimizer(
        port, [_one_future(-50, 50)], np.array([[100.0]]), [TrackingErrorTerm(1e-6)],
        [DV01Limit(dv01_min=2900.0, dv01_max=3100.0), MarginBudget(5000.0)],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    names = [v.name for v in res.alternatives]
    assert "margin_budget" in names
    mb = next(v for v in res.alternatives if v.name == "margin_budget")
    assert mb.required == pytest.approx(19_000.0, rel=1e-7)


def test_minimal_violation_keeps_the_minimum_trade() -> None:
    """Duration 5y on MV 1e7 (DV01 5000), target 3 +- 0.1: 19 to 21 short contracts would
    do, but the future trades at least 30 contracts. By hand: no trade leaves duration 5
    (the band must widen by 1.9y), selling 30 leaves DV01 2000, duration 2: the band must
    widen to 1.0y (move 0.9y), the closest hedge sells 30 contracts. With the legs'
    binaries relaxed a 20-lot trade looks admissible and no limit seems to need a move."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    fut = Instrument("FUT", "future", np.array([100.0]), lo=-50, hi=50, min_trade=30.0)
    opt = HedgeOptimizer(
        port, [fut], np.array([[100.0]]), [TrackingErrorTerm(1e-6)], [DurationBand(3.0, 0.1)],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    assert [v.name for v in res.violations] == ["duration_band"]
    assert res.violations[0].required == pytest.approx(1.0, abs=1e-7)
    assert res.quantities is not None and res.quantities["FUT"] == -30
    assert res.post.duration == pytest.approx(2.0)


def test_a_single_move_as_small_as_the_joint_one_is_preferred() -> None:
    """DV01 5000 on MV 1e7, one future (100/bp, +-10 contracts), band 5 +- 0.1 and a DV01
    cap of 3000. Any DV01 D in [4000, 4900] needs the band and the cap moved by a total of
    1.9 normalised years (4.9 - D/1000 plus (D - 3000)/1000): the elastic LP is degenerate.
    Moving the cap alone to 4900 is as small (1.9), and the band alone cannot restore
    feasibility; the report moves the cap only and the closest hedge sells one contract."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    opt = HedgeOptimizer(
        port, [_one_future(-10, 10)], np.array([[100.0]]), [TrackingErrorTerm(1e-6)],
        [DurationBand(5.0, 0.1), DV01Limit(dv01_max=3000.0)],
    )  # fmt: skip
    res = opt.solve()
    assert res.status == "infeasible"
    assert [v.name for v in res.alternatives] == ["dv01_max"]
    assert [v.name for v in res.violations] == ["dv01_max"]
    assert res.violations[0].required == pytest.approx(4900.0, rel=1e-7)
    assert res.quantities is not None and res.quantities["FUT"] == -1
    assert res.post.dv01 == pytest.approx(4900.0)


def test_budget_note_states_the_steps_and_the_gap() -> None:
    """An unproven closest hedge names its search steps (node QPs and master MILPs: two
    unproven searches report both) and its relative gap, by hand: (100 - 90) / 100 = 0.1."""
    from hedge_planner.solvers.infeasibility import budget_note

    note = budget_note(408, 100.0, 90.0)
    assert "408 search steps (node QPs and master MILPs)" in note
    assert "relative gap 0.1 " in note and "not proven optimal" in note
    assert budget_note(3, 100.0, None).endswith("(no bound)")
    assert "relative gap 0 " in budget_note(3, 100.0, 120.0)  # a bound above: gap 0


def _band_case(target: float) -> HedgeOptimizer:
    """Duration 5y on MV 1e7, one future moving DV01 by +-100 a contract within +-10
    contracts (reachable durations [4, 6] years), a band of ``target`` +- 0.5 years."""
    port = PortfolioRisk(1e7, np.array([5000.0]))
    return HedgeOptimizer(
        port, [_one_future(-10, 10)], np.array([[100.0]]),
        [TrackingErrorTerm(1e-6), SlippageTerm()], [DurationBand(target, 0.5)],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("target", "feasible"),
    [(2.0, False), (3.45, False), (3.55, True), (5.0, True), (6.45, True), (6.55, False)],
)
def test_root_presolve_decides_as_the_hand_computation(
    target: float, feasible: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reachable durations with -10..10 whole contracts are [4, 6] years (as in
    test_infeasible_duration_band_unreachable), so a band of target +- 0.5 admits a plan iff
    the target lies in [3.5, 6.5]. The root check by HiGHS' presolve of the rows
    (``HighsModel.rows_infeasible``) and the QP search without it decide as that."""
    from hedge_planner.solvers.highs_backend import HighsModel

    def decide() -> tuple[str, str]:
        raw = _band_case(target)._solve_raw(1e-6, 60.0)
        return raw.status, raw.method

    status, method = decide()
    assert (status == "optimal") == feasible
    assert (status == "infeasible") == (not feasible)
    if not feasible:  # the bounds alone decide this one: presolve proves it
        assert method == "HiGHS presolve of the relaxation's rows"
    monkeypatch.setattr(HighsModel, "rows_infeasible", lambda *_: False)
    status_qp, method_qp = decide()
    assert status_qp == status and "presolve" not in method_qp


def test_root_presolve_runs_on_a_new_model_and_after_an_infeasible_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The presolve check runs on the first search of a model and after one that ended
    infeasible, not after a feasible one (a re-filled book: it would only cost); the
    decisions are the hand computation's (reachable durations [4, 6] years) either way."""
    from hedge_planner.solvers.highs_backend import HighsModel

    calls: list[int] = []
    real = HighsModel.rows_infeasible

    def counted(self: HighsModel, *args: np.ndarray) -> bool:
        calls.append(1)
        return real(self, *args)

    monkeypatch.setattr(HighsModel, "rows_infeasible", counted)
    opt = _band_case(5.0)
    expected = [(5.0, "optimal", 1), (5.5, "optimal", 1), (2.0, "infeasible", 1),
                (2.5, "infeasible", 2), (4.0, "optimal", 3), (4.5, "optimal", 3)]  # fmt: skip
    for target, status, n_calls in expected:
        opt.set_params(duration_target=target)
        assert opt._solve_raw(1e-6, 60.0).status == status
        assert len(calls) == n_calls

"""Held derivatives (the case's ``positions``) are priced and counted in pre-hedge risk; the plan
is a rebalance.

References: per-unit key-rate DV01s times units held (independent of the optimiser), a seasoned
swap's value computed by hand from its cash flows and the curve's discount factors, a seasoned
swap struck today at par equal to the universe's par swap, and the optimality of the held hedge.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hedge_planner.case_positions import FuturesPosition, PositionsSpec
from hedge_planner.cases import load_analysis_case
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import InputError
from hedge_planner.models.positions import SeasonedSwap
from hedge_planner.run import PlanRun

from tests.planner.leg_rules import without_leg_rules

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus"
CORE_PLUS = EXAMPLE / "case.yaml"


@pytest.fixture(scope="module")
def base() -> PlanRun:
    return PlanRun.load(CORE_PLUS)


def _with(base: PlanRun, positions: dict[str, Any] | None = None, **tu: Any) -> PlanRun:
    case = base.case.model_copy(deep=True)
    assert case.hedge is not None
    for f in case.hedge.universe.futures:
        if f.code == "TU":
            for k, v in tu.items():
                setattr(f, k, v)
    if positions is not None:
        case.positions = PositionsSpec.model_validate(positions)
    return PlanRun(case, base.source)


def _pre(run: PlanRun) -> Any:
    """Pre-hedge risk without solving: the optimiser's summary at the current positions."""
    ctx = run.problem().optimizer.ctx
    return ctx.summary(ctx.q0)


def _tu(run: PlanRun) -> Any:
    return next(m for m in run.universe() if m.name == "TUH4")


@pytest.mark.parametrize("how", ["universe current", "positions section"])
def test_50000_tu_move_pre_hedge_dv01_by_50000_contract_dv01s(base: PlanRun, how: str) -> None:
    held = (
        _with(base, max_contracts=1e5, current=50_000.0)
        if how == "universe current"
        else _with(base, {"futures": [{"contract": "TUH4", "quantity": 50_000}]}, max_contracts=1e5)
    )
    pre, pre0 = _pre(held), _pre(base)
    tu = np.asarray(_tu(base).risk.krd_dv01)
    assert pre.dv01 - pre0.dv01 == pytest.approx(50_000 * tu.sum(), rel=1e-9)
    np.testing.assert_allclose(pre.krd_dv01, pre0.krd_dv01 + 50_000 * tu, rtol=1e-12)
    assert pre.te_bp != pytest.approx(pre0.te_bp, rel=1e-6)  # factor exposures moved too


def test_symbol_and_month_name_the_same_contract() -> None:
    assert FuturesPosition(contract="TYH4", quantity=1).code_and_month(2023) == ("TY", "2024-03")
    assert FuturesPosition(contract="TUZ3", quantity=1).code_and_month(2023) == ("TU", "2023-12")
    assert FuturesPosition(contract="USU6", quantity=1).code_and_month(2023) == ("US", "2026-09")
    explicit = FuturesPosition(code="FV", contract_month="2024-03", quantity=1)
    assert explicit.code_and_month(2023) == ("FV", "2024-03")


def test_seasoned_swap_struck_today_at_par_is_the_universe_swap(base: PlanRun) -> None:
    five = next(m for m in base.universe() if m.name == "SOFR 5y")
    d = five.risk.details
    sofr = base.analysis.curves.sofr
    assert sofr is not None
    swap = SeasonedSwap(
        "today",
        base.case.analysis_date,
        dt.date.fromisoformat(d["end_date"]),
        d["fixed_rate"],
        "receive",
        sofr,
        key_tenors=base.tenors,
    )
    risk = swap.risk(base.tenors, horizon_days=base.horizon_days)
    assert abs(risk.price) < 1e-12
    np.testing.assert_allclose(risk.krd_dv01, five.risk.krd_dv01, rtol=1e-9, atol=1e-15)
    assert risk.carry == pytest.approx(five.risk.carry, rel=1e-9)


def test_seasoned_swap_value_by_hand(base: PlanRun) -> None:
    """Pay 1.2% from 2021-06-15 to 2026-06-15: remaining annual coupons 2024, 2025, 2026."""
    sofr = base.analysis.curves.sofr
    assert sofr is not None
    swap = SeasonedSwap("old", dt.date(2021, 6, 15), dt.date(2026, 6, 15), 0.012, "receive", sofr)
    anchor = int(to_days(base.case.analysis_date))
    pays = [dt.date(2024, 6, 15), dt.date(2025, 6, 15), dt.date(2026, 6, 15)]
    starts = [dt.date(2023, 6, 15), *pays[:-1]]
    df = [float(sofr.discount(np.array([(int(to_days(p)) - anchor) / 365.0]))[0]) for p in pays]
    annuity = sum((p - s).days / 360.0 * f for s, p, f in zip(starts, pays, df, strict=True))
    by_hand = 0.012 * annuity - (1.0 - df[-1])  # receiver per unit; floating from today
    assert swap.risk(base.tenors).price == pytest.approx(by_hand, rel=1e-12)


@pytest.fixture(scope="module")
def held(base: PlanRun) -> PlanRun:
    return _with(
        base,
        {
            "futures": [{"contract": "TUH4", "quantity": 500}],
            "swaps": [
                {
                    "start": "2021-06-15",
                    "maturity": "2026-06-15",
                    "fixed_rate": 0.012,
                    "direction": "pay",
                    "notional": 1e8,
                },
                {"tenor": "5y", "direction": "receive", "notional": 5e7},
            ],
            "swaptions": [
                {"expiry": "1y", "tenor": "10y", "type": "receiver", "notional": 1e8},
                {
                    "expiry": "2024-02-15",
                    "tenor": "5y",
                    "type": "payer",
                    "strike": 0.04,
                    "notional": 5e7,
                    "vol": 0.012,
                    "side": "short",
                },
            ],
        },
    )


def test_positions_in_the_universe_add_to_current_and_the_rest_to_the_book(
    base: PlanRun, held: PlanRun
) -> None:
    problem = held.problem()
    ctx, ctx0 = problem.optimizer.ctx, base.problem().optimizer.ctx
    q0 = dict(zip(ctx.names, ctx.q0, strict=True))
    assert q0["TUH4"] == 500.0
    assert q0["SOFR 5y"] == 5e7
    assert q0["1yx10y receiver ATM"] == 1e8
    fixed = problem.held.fixed
    assert [p.key for p in fixed] == ["positions.swaps[0]", "positions.swaptions[1]"]
    assert fixed[0].quantity == -1e8 and fixed[1].quantity == -5e7
    # The fixed positions' per-unit KRDs times units are in the book (independent sum).
    extra = sum(np.asarray(p.risk.krd_dv01) * p.quantity for p in fixed)
    np.testing.assert_allclose(ctx.krd0, ctx0.krd0 + extra, rtol=1e-12)
    conv = sum(p.risk.dollar_convexity * p.quantity for p in fixed)
    assert ctx.pre_dollar_convexity == pytest.approx(ctx0.pre_dollar_convexity + conv, rel=1e-12)
    # And the whole pre-hedge DV01 moves by every held position's DV01.
    every = sum(float(np.sum(p.risk.krd_dv01)) * p.quantity for p in problem.held.positions)
    assert _pre(held).dv01 - _pre(base).dv01 == pytest.approx(every, rel=1e-9)


def test_expiring_positions_are_flagged(held: PlanRun) -> None:
    by_key = {p.key: p for p in held.problem().held.positions}
    assert by_key["positions.futures[0]"].status == "rolls"  # TUH4 rolls end of February
    assert by_key["positions.swaptions[1]"].status == "expires"  # 2024-02-15, inside 90 days
    assert by_key["positions.swaps[0]"].status == "held"


def test_holding_the_hedge_rebalances_to_no_trade(base: PlanRun) -> None:
    """Holding the optimal hedge, the re-plan keeps it: no trade, no cash cost.

    (Slippage is charged on trades from the current positions, so the optimum of the first plan
    stays optimal once held. The example's leg rules are lifted: with a leg limit or minimum
    trades, a rebalance from the held hedge may reach plans the first solve could not, such as
    six more legs.)
    """
    base = PlanRun(without_leg_rules(base.case), base.source)
    first = base.hedge()
    assert first is not None and first.presents_plan
    futures = [
        {"contract": m.name, "quantity": float(q)}
        for m, q in zip(first.problem.members, first.quantities, strict=True)
        if m.risk.kind == "future" and q != 0
    ]
    swaps = [
        {
            "tenor": m.spec.tenor,
            "direction": "receive" if q > 0 else "pay",
            "notional": abs(float(q)),
        }
        for m, q in zip(first.problem.members, first.quantities, strict=True)
        if m.risk.kind == "swap" and q != 0
    ]
    again = _with(base, {"futures": futures, "swaps": swaps})
    # The CDX (no ``positions`` kind of its own) is held through its universe member's current.
    assert again.case.hedge is not None and base.case.hedge is not None
    members = zip(first.problem.members, first.quantities, strict=True)
    held = {id(m.spec): float(q) for m, q in members}
    for k, spec in enumerate(base.case.hedge.universe.cdx):
        again.case.hedge.universe.cdx[k].current = held.get(id(spec), 0.0)
    plan = again.plan()
    assert plan.hedge is not None
    # Re-solving from the hedge lands on it to the solver's precision: whatever is left to
    # trade is round-off on the continuous swap notionals (< 50 currency per bp of DV01, the
    # book's being 1.6m).
    assert sum(abs(t.dv01_change) for t in plan.hedge.trades) < 50.0
    assert all(t.kind == "swap" for t in plan.hedge.trades)
    assert plan.hedge.cash_cost is not None
    rows = {r.instrument: r for r in plan.hedge.positions}
    for m, q in zip(first.problem.members, first.quantities, strict=True):
        if q != 0:
            # Held as current; continuous swap notionals move by solver round-off at most.
            assert rows[m.name].current == pytest.approx(q)
            assert abs(rows[m.name].trade) <= max(1e-3 * abs(q), 1e3)


# ---- located input errors --------------------------------------------------------------------


def _case_with(tmp_path: Path, positions: str) -> Path:
    shutil.copy(EXAMPLE / "holdings.csv", tmp_path / "holdings.csv")
    path = tmp_path / "case.yaml"
    path.write_text(CORE_PLUS.read_text() + "\npositions:\n" + positions)
    return path


def test_misspelt_position_key_gets_did_you_mean(tmp_path: Path) -> None:
    path = _case_with(
        tmp_path, "  swaps:\n    - {tenor: 5y, direction: receive, notionl: 1.0e+7}\n"
    )
    with pytest.raises(InputError) as info:
        load_analysis_case(str(path))
    issue = next(i for i in info.value.issues if i.column == "positions.swaps[0].notionl")
    assert issue.hint == "did you mean 'notional'?"
    assert issue.row is not None


def test_futures_outside_the_universe_are_located(base: PlanRun) -> None:
    run = _with(base, {"futures": [{"contract": "TYM4", "quantity": 10}]})
    with pytest.raises(InputError) as info:
        run.problem()
    (issue,) = info.value.issues
    assert issue.column == "positions.futures[0]"
    assert "TY 2024-06" in issue.reason and issue.hint


def test_off_universe_swaption_needs_a_vol(base: PlanRun) -> None:
    run = _with(
        base, {"swaptions": [{"expiry": "6m", "tenor": "5y", "type": "payer", "notional": 1e7}]}
    )
    with pytest.raises(InputError) as info:
        run.problem()
    assert [i.column for i in info.value.issues] == ["positions.swaptions[0].vol"]


def test_a_matured_swap_is_located(base: PlanRun) -> None:
    swap = {
        "start": "2018-01-02",
        "maturity": "2023-01-03",
        "fixed_rate": 0.02,
        "direction": "pay",
        "notional": 1e7,
    }
    with pytest.raises(InputError) as info:
        _with(base, {"swaps": [swap]}).problem()
    (issue,) = info.value.issues
    assert issue.column == "positions.swaps[0]" and "matured" in issue.reason

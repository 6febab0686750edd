"""A plan prices its modelled holdings under the scenarios once, before the hedge, with the
book vega's two sigmas in the same stacked pass (examples/core_plus: 20 callables, 30 pools).

References: the one-pass-per-use path it replaces, i.e. the scenarios priced alone by a fresh
revaluer and the vega priced alone by another (the same engines, rows batched differently, so
prices agree to 1e-12 relative: sums over paths in another order); the vega, a 2 bp difference
of those prices, to 1e-9. The kept prices: asked again with the same inputs, nothing is repriced;
a caller writing into its copy does not change the next caller's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hedge_planner.models import oas_scenarios
from hedge_planner.models.units import BP
from hedge_planner.run import PlanRun

from tests.planner.modelled_book import CORE_PLUS, example_revaluer


@pytest.fixture(scope="module")
def revaluer():
    return example_revaluer()


def _fresh(rev):
    return type(rev)(rev.rows, rev.sched, rev.curve, rev.key_years, rev.settings, rev.modelled)


def _inputs(rev) -> tuple[np.ndarray, np.ndarray]:
    n, k = rev.modelled.index.size, len(rev.key_years)
    rates = np.zeros((3, k))
    rates[0] = 50 * BP
    rates[1, k // 2] = -30 * BP
    spreads = np.zeros((3, n))
    spreads[2] = 20 * BP  # spread only: the base curve
    return rates, spreads


@pytest.fixture
def passes(monkeypatch) -> list[int]:
    """Count the stacked passes (:meth:`_Stack.run`)."""
    count: list[int] = []
    run = oas_scenarios._Stack.run

    def counted(self) -> None:
        count.append(1)
        run(self)

    monkeypatch.setattr(oas_scenarios._Stack, "run", counted)
    return count


def test_vega_riding_along_equals_its_own_pass(revaluer, passes) -> None:
    rev, face = revaluer
    rates, spreads = _inputs(rev)
    both = _fresh(rev)
    prices = both.prices(rates, spreads, with_vega=True)  # no vol scenario: vega asked for
    vega = both.vega(face)
    assert len(passes) == 1
    alone = _fresh(rev)
    np.testing.assert_allclose(prices, alone.prices(rates, spreads), rtol=1e-12)
    own = _fresh(rev)
    own_vega = own.vega(face)
    assert len(passes) == 3
    np.testing.assert_allclose(both._cache["vega"], own._cache["vega"], rtol=1e-12)
    np.testing.assert_allclose(vega, own_vega, rtol=1e-9)
    assert np.mean(vega < 0) > 0.9  # holders are short the options


def test_kept_prices_are_not_repriced(revaluer, passes) -> None:
    rev, _ = revaluer
    rates, spreads = _inputs(rev)
    fresh = _fresh(rev)
    first = fresh.prices(rates, spreads)
    keep = first.copy()
    first[:] = 0.0  # the caller's copy
    again = fresh.prices(rates.copy(), spreads.copy())
    np.testing.assert_array_equal(again, keep)
    assert len(passes) == 1
    fresh.prices(rates, spreads, with_vega=True)  # the vega was not priced with them: once more
    assert len(passes) == 2
    fresh.prices(rates, spreads, with_vega=True)
    fresh.vega(np.ones(rev.modelled.index.size))
    assert len(passes) == 2
    other = rates.copy()
    other[0, 0] += 1 * BP  # another input: priced
    fresh.prices(other, spreads)
    assert len(passes) == 3


def test_plan_stages_share_one_pass_with_the_figures_of_two(passes) -> None:
    ahead = PlanRun.load(str(CORE_PLUS))
    ahead.measure()
    ahead.universe()
    ahead.price_modelled()
    plan_a, stress_a = ahead.hedge(), ahead.stress()
    assert len(passes) == 1
    apart = PlanRun.load(str(CORE_PLUS))  # the vega's own pass, then the scenarios'
    plan_b, stress_b = apart.hedge(), apart.stress()
    assert len(passes) == 3
    assert plan_a is not None and plan_b is not None
    np.testing.assert_array_equal(plan_a.quantities, plan_b.quantities)
    assert ahead.book_vega() == pytest.approx(apart.book_vega(), rel=1e-9)
    pos = ahead._revaluer.positions
    a, b = stress_a.holding_pnl[:, pos], stress_b.holding_pnl[:, pos]
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
    np.testing.assert_allclose(stress_a.hedged_pnl, stress_b.hedged_pnl, rtol=1e-12)

"""A hedge problem compiled once and re-filled per book (solvers/book_form.py).

Reference: a fresh :class:`HedgeOptimizer` built for each book (the book's numbers compiled as
constants), and the independent limit check of ``example_problem.independent_violations``
recomputed from the raw inputs of that book.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hedge_planner.solvers.book_form import CompiledHedge, StructureChanged, Unsupported
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

from tests.solvers.example_problem import _num, independent_violations, load_raw

GAP = 1e-6


def _inputs(scale: float, tilt: np.ndarray) -> tuple[dict[str, Any], tuple[Any, ...], dict]:
    """The example's problem (its instrument-factor term left out) for a book ``scale`` times
    the example's, its key-rate DV01s tilted by ``tilt`` (a factor per bucket); raw inputs of
    that book and the optimiser's arguments."""
    raw = load_raw()
    port = raw["portfolio"]
    p = dict(raw["params"], dv01_max=port["market_value"] * 1e-4 * 7.0 * 2.5, krd_tol=2.0)
    port["market_value"] *= scale
    port["krd_dv01"] = (np.array(port["krd_dv01"]) * scale * tilt).tolist()
    port["bench_krd_dv01"] = (np.array(port["bench_krd_dv01"]) * scale).tolist()
    port["dollar_convexity"] *= scale
    raw["params"] = p
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
    terms = [
        TrackingErrorTerm(p["risk_aversion"] / scale),  # risk_aversion / (2 MV): a book number
        CarryTerm(p["carry_scale"]),
        SlippageTerm(p["slippage_scale"]),
    ]
    constraints = [
        DurationBand(p["duration_target"], p["duration_band"]),
        DV01Limit(dv01_max=p["dv01_max"]),
        KRDTolerance(np.full(9, p["krd_tol"])),
        ConvexityFloor(p["convexity_floor"]),
        MarginBudget(p["margin_budget"]),
    ]
    p["risk_aversion"] = p["risk_aversion"] / scale
    args = (portfolio, instruments, np.array(raw["covariance"]), terms, constraints)
    return raw, args, {"gap_tol": GAP}


# (book size relative to the example's, tilt of its key-rate DV01s); the limits are the
# desk's (the same for every book: the DV01 cap binds on none of them but stays compiled).
BOOKS = [
    (1.0, np.ones(9)),
    (0.5, np.linspace(0.8, 1.2, 9)),
    (2.0, np.linspace(1.3, 0.7, 9)),
]


def test_refilled_books_solve_as_fresh_optimisers() -> None:
    _, first, options = _inputs(*BOOKS[0])
    compiled = CompiledHedge(*first, **options)
    matched = 0
    for scale, tilt in BOOKS[1:] + BOOKS[:1]:  # and back to the first book
        raw, args, options = _inputs(scale, tilt)
        fresh = HedgeOptimizer(*args, **options).solve()
        got = compiled.optimizer_for(*args, **options).solve()
        assert got.status == fresh.status == "optimal"
        assert fresh.objective is not None and got.objective is not None
        assert got.objective == pytest.approx(fresh.objective, rel=GAP, abs=GAP)
        assert got.q is not None and fresh.q is not None
        # The refilled plan meets the limits recomputed from this book's raw numbers.
        assert independent_violations(raw, got.q, raw["params"], tol=1e-8) == []
        # Its risk is this book's: pre-hedge figures from the refilled context.
        assert got.pre.dv01 == pytest.approx(sum(raw["portfolio"]["krd_dv01"]), rel=1e-12)
        assert got.pre.duration == pytest.approx(fresh.pre.duration, rel=1e-12)
        if abs(got.objective - fresh.objective) <= 1e-9 * abs(fresh.objective):
            matched += 1
            np.testing.assert_allclose(got.q, fresh.q, rtol=1e-6, atol=1e-6)
    assert compiled.books == len(BOOKS) + 1  # the compile's own book, then one per call
    assert matched == len(BOOKS)  # no ties within the gap on these books: the same plans


def test_a_changed_instrument_is_a_new_structure() -> None:
    _, args, options = _inputs(*BOOKS[0])
    compiled = CompiledHedge(*args, **options)
    portfolio, instruments, cov, terms, constraints = args
    moved = [dataclasses.replace(instruments[0], hi=instruments[0].hi - 1.0), *instruments[1:]]
    with pytest.raises(StructureChanged):
        compiled.optimizer_for(portfolio, moved, cov, terms, constraints, **options)
    band = [DurationBand(6.0, 0.1), *constraints[1:]]
    with pytest.raises(StructureChanged):
        compiled.optimizer_for(portfolio, instruments, cov, terms, band, **options)


def test_components_without_a_book_form_are_refused() -> None:
    _, args, options = _inputs(*BOOKS[0])
    portfolio, instruments, cov, terms, constraints = args
    extra = InstrumentFactorRiskTerm(np.ones((1, len(instruments))), 1e-9)
    with pytest.raises(Unsupported):
        CompiledHedge(portfolio, instruments, cov, [*terms, extra], constraints, **options)


def test_the_compiled_model_on_its_own_book_has_the_ordinary_numbers() -> None:
    """Re-filled with the book it was compiled on, the compiled model's standard form is the
    ordinary optimiser's: the same Hessian, rows and sides, hence the same HiGHS column and
    objective scales (the search then runs on the same numbers). Only the KRD tolerance's
    nine absolute-value columns keep no explicit lower bound of 0 (cvxpy states it for the
    constant gap only); the rows imply it, checked by the bound LPs (0 within their 1e-6
    outward margin)."""
    from hedge_planner.solvers.bound_tightening import implied_bounds

    _, first, options = _inputs(*BOOKS[0])
    fast = CompiledHedge(*first, **options).optimizer_for(*first, **options)
    ordinary = HedgeOptimizer(*first, **options)
    a, b = fast._form.evaluate(), ordinary._form.evaluate()
    assert abs(a.P - b.P).max() == 0.0
    assert abs(a.A - b.A).max() <= 1e-15 * abs(b.A).max()
    for name in ("c", "row_lo", "row_hi", "col_hi"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    loose = np.flatnonzero(a.col_lo != b.col_lo)
    assert len(loose) == 9
    assert np.all(b.col_lo[loose] == 0.0) and np.all(np.isneginf(a.col_lo[loose]))
    implied = implied_bounds(a, loose)
    assert implied is not None
    np.testing.assert_allclose(implied[0], 0.0, atol=2e-6)
    for opt in (fast, ordinary):
        opt._miqp._highs.update()
    assert fast._miqp._highs.obj_scale == ordinary._miqp._highs.obj_scale
    np.testing.assert_array_equal(fast._miqp._highs.col_scale, ordinary._miqp._highs.col_scale)

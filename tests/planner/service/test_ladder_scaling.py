"""The desk's key-rate DV01 ladder measured once at face 1 and scaled by its faces
(:mod:`hedge_planner.service.ladder`) against the ordinary measurement of the same ladder.

Reference: :func:`hedge_planner.workflow.analyze_case` of the case holding the ladder itself
(every row priced, measured and aggregated per call). Scaling is exact up to the order of the
floating-point products, so every figure must agree to 1e-9 relative: the analysis document
(``analyze --json``: holdings, totals, sectors, active risk, tracking error, benchmark
comparison, warnings), the optimiser's inputs, and the desk's hedge document.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hedge_planner.cases import AnalysisCase
from hedge_planner.hedging import _portfolio_risk, factor_risk
from hedge_planner.models.errors import InputError
from hedge_planner.models.yield_risk import YieldTable
from hedge_planner.run import PlanRun
from hedge_planner.service import fast_hedge
from hedge_planner.service.desk import HedgeRequest, hedge_overrides
from hedge_planner.service.hedge_pool import _warm
from hedge_planner.service.jobs import REQUEST_NAME, MarketContext
from hedge_planner.service.ladder import UNIT_FACE, scalable, scale_book
from hedge_planner.workflow import (
    CaseAnalysis,
    analysis_of_book,
    analyze_case,
    holding_risk,
    measure_book,
)

from tests.planner.leg_rules import example_without_leg_rules

REL = 1e-9
#: Below this a number is rounding residue (e.g. the MTM of swaps struck at par sums to
#: about 1e-10 currency) whatever its unit: compared absolutely in the hedge documents.
RESIDUE = 1e-9


def _close(a: Any, b: Any, path: str = "", residue: float = 0.0) -> None:
    """``a`` equals ``b``: same keys, lengths and texts, numbers to ``REL`` relative (or
    both within ``residue`` of each other)."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), path
        for key in b:
            _close(a[key], b[key], f"{path}.{key}", residue)
    elif isinstance(b, list | tuple):
        assert isinstance(a, list | tuple) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]", residue)
    elif isinstance(b, float) and not isinstance(a, bool):
        assert isinstance(a, float | int), path
        if math.isnan(b):
            assert math.isnan(a), path
        else:
            assert abs(a - b) <= REL * max(abs(a), abs(b)) + residue, (path, a, b)
    else:
        assert a == b, path


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> MarketContext:
    """The example's market with its leg rules lifted (the service benchmark's default)."""
    market = MarketContext(example_without_leg_rules(tmp_path_factory.mktemp("lifted")))
    _warm(market)
    return market


def _ladder_case(market: MarketContext, book: dict[str, float]) -> tuple[AnalysisCase, str]:
    """The validated merged case holding the ladder of ``book`` (the ordinary path's case)."""
    overrides = hedge_overrides(HedgeRequest(krd_dv01=book), market)
    run = PlanRun.from_data(
        market.case_data(overrides), str(market.path.parent / REQUEST_NAME), market.cache
    )
    return run.case, run.source


def _books(market: MarketContext) -> list[dict[str, float]]:
    """Random ladders: several buckets with zeros among them, one bucket, every bucket."""
    tenors = market.key_tenors()
    rng = np.random.default_rng(17)
    books = []
    for _ in range(4):
        values = rng.uniform(500.0, 80_000.0, len(tenors))
        values[rng.random(len(tenors)) < 0.4] = 0.0  # zero buckets drop out of the ladder
        values[rng.integers(len(tenors))] = 25_000.0  # never all zero
        books.append(dict(zip(tenors, values.tolist(), strict=True)))
    books.append({tenors[3]: 12_345.0})  # one bucket only
    books.append({t: 1e6 * (i + 1) for i, t in enumerate(tenors)})  # every bucket, large
    return books


def _scaled(case: AnalysisCase, source: str, market: MarketContext) -> CaseAnalysis:
    curves = market.cache.curves(case, source)
    assert isinstance(case.holdings, list)
    unit_rows = [{**r, "face": UNIT_FACE} for r in case.holdings]
    unit = measure_book(case.model_copy(update={"holdings": unit_rows}), source, curves)
    assert scalable(unit)
    faces = [r["face"] for r in case.holdings]
    return analysis_of_book(case, source, scale_book(unit, faces))


def test_scaled_unit_ladders_equal_the_ordinary_measurement(market: MarketContext) -> None:
    for book in _books(market):
        case, source = _ladder_case(market, book)
        ordinary = analyze_case(case, source, market.cache.curves(case, source))
        scaled = _scaled(case, source, market)
        _close(scaled.to_json(), ordinary.to_json())
        _close(scaled.portfolio(), ordinary.portfolio())
        assert [r.model_dump() for r in scaled.holdings.rows] == [
            r.model_dump() for r in ordinary.holdings.rows
        ]
        assert np.array_equal(scaled.book.face, ordinary.book.face)
        _close(scaled.yield_frame.to_dict("list"), ordinary.yield_frame.to_dict("list"))
        _close(scaled.sectors.to_dict("list"), ordinary.sectors.to_dict("list"))
        # What the optimiser is given: the book's risk and the factor model's exposures.
        mine, theirs = _portfolio_risk(scaled), _portfolio_risk(ordinary)
        _close(mine.market_value, theirs.market_value)
        _close(mine.krd_dv01.tolist(), theirs.krd_dv01.tolist())
        _close(mine.bench_krd_dv01.tolist(), theirs.bench_krd_dv01.tolist())
        _close(mine.dollar_convexity, theirs.dollar_convexity)
        members = market.cache.universe(ordinary, case.hedge, source)  # type: ignore[arg-type]
        f_mine, f_theirs = factor_risk(scaled, members), factor_risk(ordinary, members)
        _close(f_mine.exposures.tolist(), f_theirs.exposures.tolist())
        _close(f_mine.covariance.tolist(), f_theirs.covariance.tolist())
        _close(f_mine.loadings.tolist(), f_theirs.loadings.tolist())


def test_rows_at_negative_faces_scale_as_measured(market: MarketContext) -> None:
    # A short row is not a DV01 ladder the desk can send (krd_ladder refuses it), but the rows'
    # analytics are linear in the face whatever its sign: the engine's measurement of rows held
    # at mixed-sign faces equals the unit rows scaled.
    tenors = market.key_tenors()
    case, source = _ladder_case(market, dict.fromkeys(tenors, 10000.0))
    curves = market.cache.curves(case, source)
    assert isinstance(case.holdings, list)
    unit_rows = [{**r, "face": UNIT_FACE} for r in case.holdings]
    unit = measure_book(case.model_copy(update={"holdings": unit_rows}), source, curves)
    faces = np.linspace(-3e6, 9e6, len(unit_rows))
    scaled = scale_book(unit, faces.tolist()).book_risk
    rows = tuple(
        r.model_copy(update={"face": float(f)})
        for r, f in zip(unit.holdings.rows, faces, strict=True)
    )
    assert curves.treasury_quotes is not None
    direct = holding_risk(
        type(unit.holdings)(rows),
        source,
        case.analysis_date,
        curves.treasury,
        case.risk,
        curves.treasury_quotes,
    )
    for name in ("market_value", "dv01", "spread_dv01", "dollar_convexity", "effective_duration"):
        _close(getattr(scaled.risk, name).tolist(), getattr(direct.risk, name).tolist(), name)
    _close(scaled.risk.krd.krd_dv01.tolist(), direct.risk.krd.krd_dv01.tolist())
    _close(scaled.risk.computed.dv01.tolist(), direct.risk.computed.dv01.tolist())
    _close(scaled.krd_par.tolist(), direct.krd_par.tolist())
    _close(scaled.yield_frame.to_dict("list"), direct.yield_frame.to_dict("list"))


def test_negative_dv01s_are_refused_before_any_measurement(market: MarketContext) -> None:
    with pytest.raises(InputError) as err:
        hedge_overrides(HedgeRequest(krd_dv01={"5y": -1_000.0}), market)
    assert err.value.issues[0].column == "krd_dv01.5y"


def test_hedge_documents_equal_the_per_call_measurement(
    market: MarketContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each book hedged twice on the same compiled model, right after the same other book (the
    # compiled model warm-starts from its last solve, and with continuous notionals the
    # optimum can be flat: another start may end elsewhere on it, within the proven gap).
    books = _books(market)[:4]
    primer = hedge_overrides(HedgeRequest(krd_dv01={"7y": 30_000.0}), market)
    enabled = [True]
    monkeypatch.setattr(fast_hedge, "_units_enabled", lambda: enabled[0])
    for book in books:
        request = hedge_overrides(HedgeRequest(krd_dv01=book), market)
        docs = []
        for scaled in (True, False):  # unit ladder scaled, then measured per call
            enabled[0] = True
            market.hedge(primer)
            enabled[0] = scaled
            before = dict(market.fast.counts)
            docs.append(market.hedge(request))
            assert market.fast.counts["fast"] == before["fast"] + 1
            assert market.fast.counts["scaled"] == before["scaled"] + int(scaled)
        mine, theirs = docs
        # The book's own figures are the measurement's: equal to 1e-9 whatever the solve.
        _close(mine["pre_hedge"], theirs["pre_hedge"])
        _close(mine["exposure"]["market_value"], theirs["exposure"]["market_value"])
        mine["solver"].pop("seconds")
        theirs["solver"].pop("seconds")
        _close(mine, theirs, residue=RESIDUE)


def test_a_ladder_that_is_not_linear_is_measured_per_call(market: MarketContext) -> None:
    # A unit ladder whose rows carry supplied (OAS-based) analytics is not the engine's
    # measurement of a fixed bond: it is refused.
    case, source = _ladder_case(market, {"5y": 10_000.0, "10y": 20_000.0})
    curves = market.cache.curves(case, source)
    assert isinstance(case.holdings, list)
    rows = [{**r, "face": UNIT_FACE, "effective_duration": 4.0} for r in case.holdings]
    unit = measure_book(case.model_copy(update={"holdings": rows}), source, curves)
    assert not scalable(unit)
    with pytest.raises(ValueError, match="faces"):
        scale_book(unit, [1.0])


def test_every_request_reuses_one_unit_ladder_per_row_set(market: MarketContext) -> None:
    first = hedge_overrides(HedgeRequest(krd_dv01={"2y": 5_000.0, "30y": 7_000.0}), market)
    market.hedge(first)
    units = len(market.fast._units)
    again = hedge_overrides(HedgeRequest(krd_dv01={"2y": 9_000.0, "30y": 1_000.0}), market)
    market.hedge(again)
    assert len(market.fast._units) == units  # same rows, other faces: the same unit
    other = hedge_overrides(HedgeRequest(krd_dv01={"2y": 9_000.0}), market)
    market.hedge(other)
    assert len(market.fast._units) == units + 1


def test_scaled_ladder_table_is_built_once_on_first_read(market: MarketContext) -> None:
    """The scaled book's yield table is a function until read; the case analysis reads the
    book's (one build, shared), equal to the unit table's face columns times the faces."""
    import pandas as pd

    case, source = _ladder_case(market, _books(market)[0])
    curves = market.cache.curves(case, source)
    assert isinstance(case.holdings, list)
    unit_rows = [{**r, "face": UNIT_FACE} for r in case.holdings]
    unit = measure_book(case.model_copy(update={"holdings": unit_rows}), source, curves)
    faces = np.array([float(r["face"]) for r in case.holdings])
    scaled = scale_book(unit, faces)
    assert not isinstance(scaled.book_risk.frame_source, pd.DataFrame)
    assert "yield_frame" not in vars(scaled.book_risk)  # not built yet
    analysis = analysis_of_book(case, source, scaled)
    assert analysis.yield_frame is scaled.book_risk.yield_frame
    by_hand = unit.book_risk.yield_frame.copy()
    for column in ("face", "market_value", "dv01"):
        by_hand[column] = by_hand[column].to_numpy() * faces
    pd.testing.assert_frame_equal(analysis.yield_frame, by_hand)
    # measured afresh, the table is columns (no pandas until a DataFrame is read)
    assert isinstance(measure_book(case, source, curves).book_risk.frame_source, YieldTable)

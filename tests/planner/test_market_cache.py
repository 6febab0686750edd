"""Market-snapshot cache: cached hedge calls give the uncached figures, keys invalidate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hedge_planner.market_cache import MarketCache
from hedge_planner.run import PlanRun
from hedge_planner.service.desk import HedgeRequest, hedge_overrides
from hedge_planner.service.jobs import REQUEST_NAME, MarketContext

from tests.planner.leg_rules import example_without_leg_rules, lift_leg_rules

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"

#: Timings differ between any two runs; everything else must not.
TIMING_KEYS = {"seconds"}


def _strip(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in TIMING_KEYS}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


def _cold(market: MarketContext, overrides: dict[str, Any]) -> dict[str, Any]:
    """The same request through a run with no cache at all (every stage computed)."""
    run = PlanRun.from_data(market.case_data(overrides), str(market.path.parent / REQUEST_NAME))
    plan = run.hedge()
    assert plan is not None
    return plan.document().model_dump(mode="json")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> MarketContext:
    """The example's market with its leg rules lifted: the cache is under test, not the leg
    search (small books under max_legs 6 take seconds to tens of seconds each)."""
    return MarketContext(example_without_leg_rules(tmp_path_factory.mktemp("market")))


def _holdings_book(rows: slice) -> list[dict[str, Any]]:
    frame = pd.read_csv(EXAMPLE.parent / "holdings.csv", dtype=str, keep_default_na=False)
    records = [{k: v for k, v in r.items() if v != ""} for r in frame.to_dict("records")]
    return records[rows]


BOOKS: list[dict[str, Any]] = [
    {"krd_dv01": {"2y": 20_000.0, "5y": 15_000.0, "10y": 50_000.0, "30y": 5_000.0}},
    {"krd_dv01": {"10y": 60_000.0}},
    {"krd_dv01": {"1y": 5_000.0, "7y": 25_000.0, "20y": 12_000.0}},
    {"krd_dv01": {"10y": 60_000.0}, "limits": {"dv01_max": 10_000.0}},
]


@pytest.mark.parametrize("body", BOOKS, ids=["ladder", "10y", "spread", "dv01-limit"])
def test_cached_call_equals_cold_call(market: MarketContext, body: dict[str, Any]) -> None:
    overrides = hedge_overrides(HedgeRequest(**body), market)
    # The ordinary path (the merged case run on the snapshot cache); key-rate books' fast path,
    # which skips the universe lookup, is compared with it in service/test_fast_hedge.py.
    market.ordinary_hedge(overrides)  # warm the snapshot
    before = market.cache.stats()
    cached = market.ordinary_hedge(overrides)[0]
    after = market.cache.stats()
    # The second call priced nothing: curves and universe both came from the cache.
    assert after["universe_hits"] > before["universe_hits"]
    assert after["universe_misses"] == before["universe_misses"]
    assert after["curves_misses"] == before["curves_misses"]
    assert _strip(cached) == _strip(_cold(market, overrides))


def test_holdings_book_cached_equals_cold(market: MarketContext) -> None:
    overrides = hedge_overrides(HedgeRequest(holdings=_holdings_book(slice(0, 8))), market)
    market.hedge(overrides)
    assert _strip(market.hedge(overrides)) == _strip(_cold(market, overrides))


def test_universe_change_is_a_new_snapshot(market: MarketContext) -> None:
    universe = copy.deepcopy(market.data["hedge"]["universe"])
    universe["swaptions"] = []
    universe["futures"][0]["current"] = 150
    body = {"krd_dv01": {"5y": 30_000.0}, "universe": universe}
    overrides = hedge_overrides(HedgeRequest(**body), market)
    base = market.hedge(hedge_overrides(HedgeRequest(krd_dv01=body["krd_dv01"]), market))
    misses = market.cache.stats()["universe_misses"]
    changed = market.hedge(overrides)
    assert market.cache.stats()["universe_misses"] == misses + 1
    # The new universe was priced, not the cached one reused: no swaption trades, the held
    # futures position shows up, and the figures are those of a cold run.
    names = {t["instrument"] for t in changed["trades"]}
    assert not any("receiver" in n or "payer" in n for n in names)
    assert _strip(changed) != _strip(base)
    assert _strip(changed) == _strip(_cold(market, overrides))


def test_curve_change_is_a_new_snapshot() -> None:
    cache = MarketCache()
    text = EXAMPLE.read_text(encoding="utf-8")
    run_a = PlanRun.from_text(text, str(EXAMPLE))
    run_a.cache = cache
    members_a = run_a.universe()
    run_b = PlanRun.from_text(text, str(EXAMPLE))
    run_b.cache = cache
    assert run_b.universe()[0] is members_a[0]  # same snapshot: the priced members are shared
    assert cache.stats()["curves_entries"] == 1 and cache.stats()["universe_entries"] == 1
    # The same case with one Treasury par yield 10 bp higher: new curves, new universe.
    bumped = run_a.case.model_copy(deep=True)
    quotes = bumped.curves.treasury
    assert quotes is not None and quotes.par_yields is not None
    first = next(iter(quotes.par_yields))
    quotes.par_yields[first] += 0.001
    assert MarketCache.curves_key(bumped) != MarketCache.curves_key(run_a.case)
    members_c = PlanRun(bumped, str(EXAMPLE), cache=cache).universe()
    assert cache.stats()["curves_entries"] == 2 and cache.stats()["universe_entries"] == 2
    assert members_c[0] is not members_a[0]
    cold = PlanRun(bumped, str(EXAMPLE)).universe()

    def figures(members: list[Any]) -> list[tuple[float, ...]]:
        return [(m.risk.dv01, m.risk.carry, *np.asarray(m.risk.krd_dv01).tolist()) for m in members]

    assert figures(members_c) == figures(cold)
    assert figures(members_c) != figures(members_a)


def test_api_cases_share_a_cache() -> None:
    import hedge_planner as hp
    from hedge_planner.io import parse_yaml

    data = parse_yaml(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    lift_leg_rules(data)  # the cache is under test, not the leg search
    cache = hp.MarketCache()
    books = [_holdings_book(slice(0, 5)), _holdings_book(slice(5, 12))]
    for i, book in enumerate(books):
        case = hp.case_from_dict(data, holdings=book, base_dir=EXAMPLE.parent, cache=cache)
        cold = hp.case_from_dict(data, holdings=book, base_dir=EXAMPLE.parent)
        # NaN cells (a swap has no roll date) compare as equal here, unlike in plain records.
        pd.testing.assert_frame_equal(case.trades(), cold.trades(), check_exact=True)
        # The second book reuses the first one's priced universe.
        assert cache.stats()["universe_hits"] == i and cache.stats()["universe_misses"] == 1

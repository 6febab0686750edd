"""Hedge worker pools: processes and threads answer as the server's own market does."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hedge_planner.models.errors import InputError
from hedge_planner.service.desk import HedgeRequest, hedge_overrides
from hedge_planner.service.hedge_pool import HedgePool, _warm, encode_document
from hedge_planner.service.jobs import MarketContext
from starlette.responses import JSONResponse

from tests.planner.leg_rules import example_without_leg_rules


def _strip(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k != "seconds"}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_pool_answers_as_the_market_and_relays_input_errors(kind: str, tmp_path: Path) -> None:
    # The example's market with its leg rules lifted: the pool's answers are under test, not
    # the leg search (a one-bucket book under max_legs 6 took ~75 s).
    case = example_without_leg_rules(tmp_path)
    market = MarketContext(case)
    overrides = hedge_overrides(HedgeRequest(krd_dv01={"5y": 30_000.0}), market)
    bad = dict(overrides, limits={"dv01_max": 1.0, "dv01_min": 2.0})  # inverted limits

    async def run() -> tuple[dict[str, Any], InputError]:
        pool = HedgePool(market, 1, kind)  # type: ignore[arg-type]
        try:
            await pool.warm()
            body = await pool.hedge_json(overrides)  # encoded in the worker
            doc = json.loads(body)
            assert body == encode_document(doc)  # the response's compact encoding
            with pytest.raises(InputError) as err:
                await pool.hedge(bad)
            with pytest.raises(InputError) as err_json:
                await pool.hedge_json(bad)
            assert err_json.value.issues == err.value.issues
            return doc, err.value
        finally:
            pool.shutdown()

    doc, err = asyncio.run(run())
    # The workers warm up as the pool's start-up does (the key-rate book's fast path then
    # holds the same compiled model); so does a market with the same history here. Why a
    # fresh one: the compiled model starts each search from the previous book's plan and
    # tree (hedge_planner.solvers.warm_tree), so the solver's bound and node count depend on
    # the calls before; the thread pool's calls went to `market` itself.
    same = MarketContext(case) if kind == "thread" else market
    _warm(same)
    assert _strip(doc) == _strip(same.hedge(overrides))
    with pytest.raises(InputError) as local:
        market.hedge(bad)
    # The worker's issues arrive whole: the same located problems as in the server's process.
    assert err.issues == local.value.issues


def test_documents_are_encoded_as_a_json_response_would() -> None:
    doc = {"a": 1.5, "b": [1, 2.25e-10, None], "name": "T 4 ½ 11/15/33", "ok": True}
    assert encode_document(doc) == JSONResponse(doc).body
    assert json.loads(encode_document(doc)) == doc
    with pytest.raises(ValueError):  # never NaN in a response
        encode_document({"x": math.nan})

"""Desk hedges of key-rate DV01 ladder books on the example's market with a leg limit.

The service (``POST /v1/hedge`` with ``krd_dv01``) sizes hedges of such books on a market case;
on the example's desk settings (``examples/core_plus/case.yaml``: lots, minimum trades,
tickets, ``max_legs: 6``) each hedge is the exact search's hardest everyday problem (issue 20
item 3, issue 12: leg binaries of 21 instruments, integer lots, minimum trades, tickets).
:func:`ladders` draws the seeded books, :func:`ladder_market` opens the market with the leg
limit, and :func:`ladder_optimizer` compiles a book's hedge problem exactly as
``MarketContext.ordinary_hedge`` does, without solving it (the benchmark times the solve
alone, against SCIP on the same model).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT

#: Key tenors a ladder book may hold (the market's key tenors from 2y out).
LADDER_TENORS = ("2y", "3y", "5y", "7y", "10y", "20y", "30y")
#: A Treasury-index-like profile of DV01 by tenor (currency per bp, before the random scale).
_TREASURY_LIKE = np.array([9.0, 8.0, 12.0, 9.0, 11.0, 8.0, 10.0])


def ladders(n: int, seed: int = 7) -> list[dict[str, float]]:
    """``n`` seeded ladder books: key-rate DV01s in currency per bp, 0-80k per bucket.

    Every third book holds every tenor in a Treasury-index-like profile (scaled to a random
    total, each bucket moved by up to 30%); the others 2-7 random tenors, each a DV01 drawn
    uniformly in 0-80,000 (a bucket drawn at 0 stays in the request, as a desk may send it).
    """
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if i % 3 == 2:
            scale = rng.uniform(1_000.0, 6_000.0)
            dv01 = _TREASURY_LIKE * scale * rng.uniform(0.7, 1.3, len(LADDER_TENORS))
            out.append({t: float(round(v)) for t, v in zip(LADDER_TENORS, dv01, strict=True)})
            continue
        k = int(rng.integers(2, len(LADDER_TENORS) + 1))
        pick = sorted(rng.choice(len(LADDER_TENORS), size=k, replace=False))
        book = {LADDER_TENORS[j]: float(round(rng.uniform(0.0, 80_000.0))) for j in pick}
        if not any(book.values()):
            book[LADDER_TENORS[pick[0]]] = 1_000.0
        out.append(book)
    return out


@contextmanager
def ladder_market(max_legs: int | None = 6) -> Iterator[Any]:
    """The desk example's market (``MarketContext``) with ``max_legs`` (None: no leg limit).

    The example folder is copied to a temporary one (the case's files resolve against it).
    """
    from hedge_planner.service.jobs import MarketContext

    src = ROOT / "examples" / "core_plus"
    with tempfile.TemporaryDirectory(prefix="ladders-") as tmp:
        folder = Path(tmp) / "core_plus"
        shutil.copytree(src, folder)
        case = folder / "case.yaml"
        text = case.read_text()
        marker = "    max_legs: 6 "
        assert marker in text, "case.yaml no longer sets max_legs: 6"
        limit = "    # max_legs: 6 " if max_legs is None else f"    max_legs: {max_legs} "
        case.write_text(text.replace(marker, limit))
        yield MarketContext(case)


def ladder_optimizer(market: Any, book: dict[str, float]) -> Any:
    """The compiled ``HedgeOptimizer`` of a ladder book's desk hedge (not solved).

    The request is made as the service makes it (``hedge_overrides``) and the problem built
    as ``MarketContext.ordinary_hedge`` builds it.
    """
    from hedge_planner.case_paths import file_sandbox
    from hedge_planner.run import PlanRun
    from hedge_planner.service.desk import HedgeRequest, hedge_overrides
    from hedge_planner.service.jobs import REQUEST_NAME

    overrides = hedge_overrides(HedgeRequest(krd_dv01=book), market)
    folder = market.path.parent
    with file_sandbox(folder):
        run = PlanRun.from_data(market.case_data(overrides), str(folder / REQUEST_NAME),
                                market.cache)  # fmt: skip
        run.require_hedge()
        return run.problem().optimizer

"""Shared set-up of the benchmark scripts: the repository on sys.path and a synthetic book."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hedge_planner.models.bonds import BondBook  # noqa: E402
from hedge_planner.models.dates import to_days  # noqa: E402

#: The size of a Bloomberg US Aggregate-like index book.
AGG_SIZE = 13_500
SETTLE = dt.date(2023, 12, 29)


def synthetic_book(n: int = AGG_SIZE, seed: int = 42) -> tuple[BondBook, np.ndarray, list[dict]]:
    """An index-sized book: maturities 3 months to 30 years, mostly semiannual ACT/ACT.

    Returns the book, yields (decimal) and the same bonds as plain records for QuantLib.
    """
    rng = np.random.default_rng(seed)
    settle = int(to_days(SETTLE))
    maturity = settle + rng.integers(90, 30 * 365, size=n)
    freq = rng.choice([2, 2, 2, 2, 4, 12, 1], size=n)
    day_count = rng.choice([0, 0, 0, 1, 1, 2, 3], size=n)
    coupon = np.round(rng.uniform(0.005, 0.08, size=n) * 8, 3) / 8
    yields = rng.uniform(0.035, 0.07, size=n)
    ids = [f"SYN{i:05d}" for i in range(n)]
    book = BondBook.from_arrays(ids, 1_000_000.0, coupon, maturity, freq, day_count, None, True)
    records = [
        {
            "maturity": dt.date(1970, 1, 1) + dt.timedelta(days=int(maturity[i])),
            "coupon": float(coupon[i]),
            "frequency": int(freq[i]),
            "day_count": int(day_count[i]),
        }
        for i in range(n)
    ]
    return book, yields, records


def best_of(repeats: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time (seconds) of ``repeats`` calls, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result

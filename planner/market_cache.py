"""Market-snapshot memo for repeated hedge calls: curves and the priced hedge universe.

A desk system sizes many hedges against the same market data: the same curves, the same
universe of futures, swaps and swaptions, the same horizon. Bootstrapping the curves and
pricing the universe (futures baskets, carry, roll, swaption greeks) is most of the work of a
hedge call, and none of it depends on the book. :class:`MarketCache` keeps them, keyed by the
exact inputs they are computed from:

* curves: the case's ``curves`` section and analysis date;
* universe: the cached curves it was priced off, the key tenors, ``hedge.universe`` (current
  positions included), ``hedge.horizon_days`` and the contracts file named (path, size and
  modification time).

A hit returns the very objects a cold computation built for the same key, so a cached run's
figures are those of an uncached run (``tests/planner/test_market_cache.py`` compares them).
The cached objects are shared between threads and treated as read-only. The Treasury par
quotes kept with the curves also carry the bumped curves of the par KRDs
(:func:`hedge_planner.models.krd.par_krd`), which are then reused by every book too.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hedge_planner.cases import AnalysisCase, HedgeSpec, resolve_path
from hedge_planner.workflow import CaseAnalysis, MarketCurves, build_curves

if TYPE_CHECKING:
    from hedge_planner.hedging import UniverseMember

logger = logging.getLogger(__name__)

__all__ = ["MarketCache"]

T = TypeVar("T")


class _Memo:
    """A small thread-safe LRU memo; a failed computation (an input error) is not kept."""

    def __init__(self, max_entries: int) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        # Computed outside the lock: two threads missing at once both compute the same value
        # (identical by construction); the first one stored is kept.
        value = compute()
        with self._lock:
            self.misses += 1
            value = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def _file_stamp(source: str, name: str | None) -> tuple[str, int, int] | None:
    """A file a case names, as (resolved path, size, mtime ns): a changed file is a new key."""
    if name is None:
        return None
    path = Path(resolve_path(source, name))
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1)  # the build reports the missing file (and is not cached)
    return (str(path), st.st_size, st.st_mtime_ns)


class MarketCache:
    """Curves and priced hedge universes of the market snapshots seen, least recently used out.

    Parameters
    ----------
    max_entries
        Snapshots (curve sets, universes) kept of each kind.
    """

    def __init__(self, max_entries: int = 8) -> None:
        self._curves = _Memo(max_entries)
        self._universes = _Memo(max_entries)
        # Key of each cached curve set by identity (the object kept, so its id is not reused),
        # so a universe key can name the curves it was priced off.
        self._curve_keys: dict[int, tuple[Hashable, MarketCurves]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    @staticmethod
    def curves_key(case: AnalysisCase) -> Hashable:
        """What the curves are built from: the ``curves`` section and the analysis date."""
        return (case.analysis_date.isoformat(), case.curves.model_dump_json())

    def curves(self, case: AnalysisCase, source: str) -> MarketCurves:
        """:func:`hedge_planner.workflow.build_curves`, memoised by :meth:`curves_key`."""
        key = self.curves_key(case)
        curves = self._curves.get(key, lambda: build_curves(case, source))
        with self._lock:
            if len(self._curve_keys) > 4 * self._max:  # ids of evicted curve sets
                self._curve_keys.clear()
            self._curve_keys[id(curves)] = (key, curves)
        return curves

    def universe(
        self, analysis: CaseAnalysis, hedge: HedgeSpec, source: str
    ) -> list[UniverseMember]:
        """:func:`hedge_planner.hedging.build_universe`, memoised by its inputs.

        The list is a fresh copy (its members are shared): callers may not mutate members.
        """
        from hedge_planner.hedging import build_universe

        entry = self._curve_keys.get(id(analysis.curves))
        if entry is None or entry[1] is not analysis.curves:
            # Curves not from this cache: nothing to key the universe on.
            return build_universe(analysis, hedge, source)
        key = (
            entry[0],
            analysis.tenors,
            hedge.horizon_days,
            hedge.universe.model_dump_json(),
            _file_stamp(source, hedge.universe.contracts_file),
        )
        members = self._universes.get(key, lambda: build_universe(analysis, hedge, source))
        return list(members)

    def stats(self) -> dict[str, int]:
        """Hits, misses and entries of each memo (for logs and tests)."""
        return {
            "curves_hits": self._curves.hits,
            "curves_misses": self._curves.misses,
            "curves_entries": len(self._curves),
            "universe_hits": self._universes.hits,
            "universe_misses": self._universes.misses,
            "universe_entries": len(self._universes),
        }

    def clear(self) -> None:
        """Forget every snapshot (new market data)."""
        self._curves.clear()
        self._universes.clear()
        self._curve_keys.clear()

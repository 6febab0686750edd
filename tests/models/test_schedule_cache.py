"""The per-process cache of par-instrument schedules (Treasury and SOFR OIS).

Reference: the uncached builders (``__wrapped__``), for every tenor of the example's curves
and three anchors (end of month, mid-month, a leap day); the cache hands out copies, so a caller
that writes into its dates does not change the next caller's.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models import bootstrap as bs

TREASURY = ["1m", "2m", "3m", "4m", "6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
OIS = ["1m", "3m", "6m", "1y", "18m", "2y", "5y", "10y", "30y"]
ANCHORS = [dt.date(2023, 12, 29), dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 15)]


@pytest.mark.parametrize("anchor", ANCHORS)
def test_cached_schedules_equal_fresh_ones(anchor) -> None:
    day = int(np.datetime64(anchor, "D").astype(np.int64))
    for label in TREASURY:
        dates, bill = bs.treasury_schedule(anchor, label)
        want, want_bill = bs._treasury_schedule.__wrapped__(day, label)
        np.testing.assert_array_equal(dates, want)
        assert bill == want_bill
    for label in OIS:
        starts, ends = bs.ois_schedule(day, label)
        w_starts, w_ends = bs._ois_schedule.__wrapped__(day, label)
        np.testing.assert_array_equal(starts, w_starts)
        np.testing.assert_array_equal(ends, w_ends)


def test_callers_get_copies() -> None:
    first, _ = bs.treasury_schedule(ANCHORS[0], "10y")
    keep = first.copy()
    first[:] = 0
    again, _ = bs.treasury_schedule(ANCHORS[0], "10y")
    np.testing.assert_array_equal(again, keep)
    s, e = bs.ois_schedule(ANCHORS[0], "5y")
    s[:] = 0
    e[:] = 0
    s2, e2 = bs.ois_schedule(ANCHORS[0], "5y")
    assert s2.min() > 0 and e2.min() > 0


def test_a_bad_tenor_still_raises_every_time() -> None:
    for _ in range(2):  # errors are not cached as results
        with pytest.raises(bs.AnalyticsError):
            bs.treasury_schedule(ANCHORS[0], "18m")

"""Random books of semiannual 30/360 callables and putables laid out on a lattice grid, shared
by the lattice tests (not a test module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.callable import ExerciseSchedule, lattice_grid, lay_out
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.lattice_pricing import LatticeBook


def random_callables(
    curve: YieldCurve,
    settle: dt.date,
    *,
    n: int,
    seed: int,
    years: tuple[int, int],
    coupons: tuple[float, float],
    first_exercise: int,
    american: int,
    put: Callable[[int], bool],
    prefix: str,
) -> tuple[LatticeBook, np.ndarray]:
    """``n`` bonds maturing in ``years`` (whole years, + 1 month), coupons uniform in
    ``coupons`` (decimal); exercisable at par on every coupon date from the
    ``first_exercise``-th to the last but one, Bermudan except bond ``american``, a put where
    ``put(b)``. Returns the laid-out book and its grid (24 steps a year)."""
    rng = np.random.default_rng(seed)
    day0 = int(to_days(settle))
    maturity = add_months(np.full(n, day0), 12 * rng.integers(*years, size=n) + 1)
    book = BondBook.from_arrays(
        [f"{prefix}{i}" for i in range(n)],
        100.0,
        rng.uniform(*coupons, size=n),
        maturity,
        2,
        int(DayCount.THIRTY_360),
        None,
    )
    sched = build_schedule(book, day0)
    schedules = []
    for b in range(n):
        lo, hi = sched.offsets[b], sched.offsets[b + 1]
        days = tuple(int(d) for d in sched.pay_dates[lo + first_exercise : hi - 1])
        style = "american" if b == american else "bermudan"
        schedules.append(ExerciseSchedule(days, (100.0,) * len(days), style, put=put(b)))
    grid = lattice_grid(sched, curve, schedules, 24)
    return lay_out(sched, curve, schedules, grid), grid

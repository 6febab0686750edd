"""Events in the horizon: the shipped FOMC calendar and the holdings' own dates."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook
from hedge_planner.models.dates import to_days
from hedge_planner.models.events import horizon_events, load_fomc_calendar


def test_fomc_calendar_has_eight_two_day_meetings_a_year() -> None:
    meetings = load_fomc_calendar()
    years = Counter(m["decision"].year for m in meetings)
    assert years == {2024: 8, 2025: 8, 2026: 8, 2027: 8}
    for m in meetings:
        # Two-day meetings, Tuesday-Wednesday except the one moved after the 2024 US election
        # (Wednesday-Thursday, November 6-7); the decision is the second day.
        assert m["decision"] - m["first_day"] == dt.timedelta(days=1)
        expected = 3 if m["decision"] == dt.date(2024, 11, 7) else 2
        assert m["decision"].weekday() == expected
    # Spot checks against the published schedule.
    decisions = {m["decision"] for m in meetings}
    for day in ("2024-05-01", "2024-12-18", "2025-10-29", "2026-12-09", "2027-09-15"):
        assert dt.date.fromisoformat(day) in decisions


def test_events_inside_the_horizon_with_the_exposure_they_touch() -> None:
    start, end = dt.date(2023, 12, 29), dt.date(2024, 3, 28)
    book = BondBook.from_arrays(
        ["SHORT", "LONG"],
        [1e6, 3e6],
        [0.05, 0.04],
        to_days(["2024-02-15", "2034-02-15"]),
        frequency=2,
    )
    mv = np.array([1.0e6, 2.9e6])
    dv01 = np.array([40.0, 2360.0])
    events = horizon_events(book, mv, dv01, start, end)
    fomc = [e for e in events if e.kind == "fomc"]
    assert [e.date for e in fomc] == ["2024-01-31", "2024-03-20"]
    assert all(e.dv01_share == 1.0 for e in fomc)
    (mat,) = [e for e in events if e.kind == "maturity"]
    assert mat.date == "2024-02-15"
    assert mat.dv01_share == pytest.approx(40.0 / 2400.0, rel=1e-15)
    assert "1.7% of DV01" in mat.description
    assert [e.date for e in events] == sorted(e.date for e in events)


def test_monthly_pay_payment_and_factor_dates() -> None:
    start, end = dt.date(2023, 12, 29), dt.date(2024, 2, 20)
    book = BondBook.from_arrays(["POOL"], [1e6], [0.05], to_days(["2030-06-25"]), frequency=12)
    events = horizon_events(book, np.array([1e6]), np.array([500.0]), start, end)
    pay = [e.date for e in events if e.kind == "mbs_payment"]
    factor = [e.date for e in events if e.kind == "mbs_factor"]
    assert pay == ["2024-01-25"]
    # 4th US business day: 2024-01-01 is a holiday -> Jan 2, 3, 4, 5; February: 1, 2, 5, 6.
    assert factor == ["2024-01-05"]

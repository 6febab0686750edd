"""US government bond calendar checked against QuantLib's UnitedStates(GovernmentBond) calendar.

Deliberate differences from QuantLib 1.44 (excluded explicitly below):

* 2007-01-02, national day of mourning for President Ford: SIFMA recommended a full close;
  QuantLib's GovernmentBond calendar keeps it open. We follow SIFMA.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models import calendar as cal
from hedge_planner.models.dates import from_ymd, to_days

ql = pytest.importorskip("QuantLib")

# Excel serial of 1970-01-01, to turn our day serials into QuantLib dates.
_QL_EPOCH = 25569
KNOWN_DIFFERENCES = to_days(["2007-01-02"])


def _ql_cal():
    return ql.UnitedStates(ql.UnitedStates.GovernmentBond)


def _ql(day: int):
    return ql.Date(int(day) + _QL_EPOCH)


def _from_ql(d) -> int:
    return d.serialNumber() - _QL_EPOCH


def test_is_business_day_matches_quantlib_2015_2035():
    qcal = _ql_cal()
    days = np.arange(from_ymd(2015, 1, 1), from_ymd(2035, 12, 31) + 1)
    expected = np.array([qcal.isBusinessDay(_ql(d)) for d in days])
    np.testing.assert_array_equal(cal.is_business_day(days), expected)


def test_is_business_day_matches_quantlib_full_range_except_documented():
    qcal = _ql_cal()
    days = np.arange(from_ymd(cal.FIRST_YEAR, 1, 1), from_ymd(cal.LAST_YEAR, 12, 31) + 1)
    days = days[~np.isin(days, KNOWN_DIFFERENCES)]
    expected = np.array([qcal.isBusinessDay(_ql(d)) for d in days])
    mine = cal.is_business_day(days)
    mismatches = [str(dt.date(1970, 1, 1) + dt.timedelta(int(d))) for d in days[mine != expected]]
    assert mismatches == []


def test_documented_difference_is_a_holiday_here():
    assert not cal.is_business_day(KNOWN_DIFFERENCES).any()


def test_add_business_days_matches_quantlib_advance():
    qcal = _ql_cal()
    rng = np.random.default_rng(7)
    days = rng.integers(from_ymd(2015, 1, 1), from_ymd(2035, 12, 1), size=400)
    n = rng.integers(-15, 16, size=days.size)
    expected = np.array(
        [_from_ql(qcal.advance(_ql(d), int(k), ql.Days)) for d, k in zip(days, n, strict=True)]
    )
    np.testing.assert_array_equal(cal.add_business_days(days, n), expected)


def test_month_boundaries_match_quantlib():
    qcal = _ql_cal()
    years, months = np.meshgrid(np.arange(2015, 2036), np.arange(1, 13), indexing="ij")
    years, months = years.ravel(), months.ravel()
    last = [
        _from_ql(qcal.endOfMonth(ql.Date(1, int(m), int(y))))
        for y, m in zip(years, months, strict=True)
    ]
    first = [
        _from_ql(qcal.adjust(ql.Date(1, int(m), int(y)), ql.Following))
        for y, m in zip(years, months, strict=True)
    ]
    np.testing.assert_array_equal(cal.last_business_day_of_month(years, months), last)
    np.testing.assert_array_equal(cal.first_business_day_of_month(years, months), first)


@pytest.mark.parametrize(
    ("iso", "is_open"),
    [
        ("2022-06-20", False),  # Juneteenth observed (Sunday 19 Jun -> Monday)
        ("2021-06-18", True),  # Juneteenth not yet a SIFMA holiday in 2021
        ("2022-12-26", False),  # Christmas observed (Sunday -> Monday)
        ("2021-12-31", True),  # New Year on Saturday: not moved to Friday
        ("2023-11-10", True),  # Veterans Day on Saturday: Friday stays open
        ("2024-03-29", False),  # Good Friday
        ("2023-04-07", True),  # Good Friday on payrolls day: early close only
        ("2018-12-05", False),  # day of mourning, President G.H.W. Bush
    ],
)
def test_sifma_spot_checks(iso, is_open):
    assert bool(cal.is_business_day(to_days(iso))) is is_open


def test_out_of_range_rejected():
    with pytest.raises(ValueError, match="calendar supports"):
        cal.is_business_day(from_ymd(1970, 1, 5))


def test_zero_business_days_rolls_forward():
    sat = to_days("2024-03-30")
    assert cal.add_business_days(sat, 0) == to_days("2024-04-01")

"""QuantLib reference implementations used as test oracles (and by the benchmarks).

QuantLib is a test-only dependency: nothing under models/, solvers/, scenarios/ or planner/ may
import it. Each helper builds the QuantLib object for one bond exactly as a QuantLib user would,
from the bond's static data, without reusing any of this package's schedule code.
"""

from __future__ import annotations

import datetime as dt

import QuantLib as ql
from hedge_planner.models.daycount import DayCount

QL_FREQ = {0: ql.Semiannual, 1: ql.Annual, 2: ql.Semiannual, 4: ql.Quarterly, 12: ql.Monthly}


def ql_date(d: dt.date) -> ql.Date:
    """QuantLib date from a ``datetime.date``."""
    return ql.Date(d.day, d.month, d.year)


def ql_day_counter(code: int) -> ql.DayCounter:
    """QuantLib day counter for a bond's :class:`models.daycount.DayCount` code.

    30/360 maps to QuantLib's ``SimpleDayCounter``: whole-month spans (end of month to end of
    month included) count as months / 12, so a full regular coupon pays ``coupon / frequency``
    as the street pays it, and any other span falls back to 30/360 bond basis (the accrued).
    QuantLib's ``Thirty360`` alone would pay 178/360 or 183/360 on a regular coupon period that
    starts or ends on the last day of February.
    """
    return {
        DayCount.ACT_ACT: ql.ActualActual(ql.ActualActual.ISMA),
        DayCount.THIRTY_360: ql.SimpleDayCounter(),
        DayCount.ACT_360: ql.Actual360(),
        DayCount.ACT_365F: ql.Actual365Fixed(),
    }[DayCount(code)]


def ql_fixed_bond(
    settle: dt.date,
    maturity: dt.date,
    coupon: float,
    frequency: int,
    day_count: int,
    issue: dt.date | None = None,
    eom: bool = True,
) -> ql.FixedRateBond:
    """A 100-face QuantLib fixed-rate bond with an unadjusted backward schedule.

    Without an issue date the schedule starts many regular periods before settlement, so the
    coupon running at settlement is regular. Zero-coupon bonds (frequency 0) are a 0% semiannual
    bond, the STRIPS convention this package uses.
    """
    ql.Settings.instance().evaluationDate = ql_date(settle)
    tenor = ql.Period(QL_FREQ[frequency])
    qmat = ql_date(maturity)
    if issue is None:
        months = 12 // (2 if frequency == 0 else frequency)
        years_back = (maturity - settle).days // 365 + 2
        start = qmat - ql.Period(months * (12 // months) * years_back, ql.Months)
    else:
        start = ql_date(issue)
    schedule = ql.Schedule(
        start,
        qmat,
        tenor,
        ql.NullCalendar(),
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Backward,
        eom,
    )
    return ql.FixedRateBond(0, 100.0, schedule, [coupon], ql_day_counter(day_count), ql.Unadjusted)


def ql_yield_figures(
    bond: ql.FixedRateBond, settle: dt.date, y: float, frequency: int, day_count: int
) -> dict[str, float]:
    """Clean/dirty price, accrued, Macaulay/modified duration and convexity from a yield."""
    dc = ql_day_counter(day_count)
    f = QL_FREQ[frequency]
    d = ql_date(settle)
    clean = ql.BondFunctions.cleanPrice(bond, y, dc, ql.Compounded, f, d)
    accrued = ql.BondFunctions.accruedAmount(bond, d)
    return {
        "clean_price": clean,
        "accrued": accrued,
        "dirty_price": clean + accrued,
        "macaulay_duration": ql.BondFunctions.duration(
            bond, y, dc, ql.Compounded, f, ql.Duration.Macaulay, d
        ),
        "modified_duration": ql.BondFunctions.duration(
            bond, y, dc, ql.Compounded, f, ql.Duration.Modified, d
        ),
        "convexity": ql.BondFunctions.convexity(bond, y, dc, ql.Compounded, f, d),
    }


def ql_yield_from_clean(
    bond: ql.FixedRateBond, settle: dt.date, clean: float, frequency: int, day_count: int
) -> float:
    """Yield (decimal) of a clean price, solved by QuantLib to 1e-14."""
    return ql.BondFunctions.bondYield(
        bond,
        ql.BondPrice(clean, ql.BondPrice.Clean),
        ql_day_counter(day_count),
        ql.Compounded,
        QL_FREQ[frequency],
        ql_date(settle),
        1e-14,
        200,
    )


def ql_callable_bond(
    settle: dt.date,
    issue: dt.date,
    maturity: dt.date,
    coupon: float,
    frequency: int,
    day_count: int,
    exercises: list[tuple[dt.date, float]],
    put: bool = False,
) -> ql.CallableFixedRateBond:
    """A 100-face QuantLib callable (or putable) fixed-rate bond, clean exercise prices."""
    ql.Settings.instance().evaluationDate = ql_date(settle)
    schedule = ql.Schedule(
        ql_date(issue),
        ql_date(maturity),
        ql.Period(QL_FREQ[frequency]),
        ql.NullCalendar(),
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Backward,
        False,
    )
    calls = ql.CallabilitySchedule()
    kind = ql.Callability.Put if put else ql.Callability.Call
    for d, price in exercises:
        calls.append(ql.Callability(ql.BondPrice(price, ql.BondPrice.Clean), kind, ql_date(d)))
    return ql.CallableFixedRateBond(
        0,
        100.0,
        schedule,
        [coupon],
        ql_day_counter(day_count),
        ql.Unadjusted,
        100.0,
        ql_date(issue),
        calls,
    )


def ql_discount_curve(
    settle: dt.date, days: list[int], discounts: list[float]
) -> ql.YieldTermStructureHandle:
    """Log-linear discount curve on ACT/365F with nodes ``days`` after ``settle``."""
    base = ql_date(settle)
    dates = [base] + [base + int(d) for d in days]
    curve = ql.DiscountCurve(dates, [1.0, *discounts], ql.Actual365Fixed())
    curve.enableExtrapolation()
    return ql.YieldTermStructureHandle(curve)


def ql_callable_dirty_price(
    bond: ql.CallableFixedRateBond,
    curve: ql.YieldTermStructureHandle,
    mean_reversion: float,
    volatility: float,
    steps: int,
    oas: float = 0.0,
) -> float:
    """Dirty price per 100 on QuantLib's Hull-White tree at an OAS (continuous spread)."""
    model = ql.HullWhite(curve, mean_reversion, volatility)
    bond.setPricingEngine(ql.TreeCallableFixedRateBondEngine(model, steps))
    settle = ql.Settings.instance().evaluationDate
    clean = bond.cleanPriceOAS(
        oas, curve, ql.Actual365Fixed(), ql.Continuous, ql.NoFrequency, settle
    )
    return clean + bond.accruedAmount(settle)


def ql_callable_oas(
    bond: ql.CallableFixedRateBond,
    curve: ql.YieldTermStructureHandle,
    mean_reversion: float,
    volatility: float,
    steps: int,
    dirty_price: float,
) -> float:
    """QuantLib's OAS (continuous) of a callable bond at a dirty price per 100."""
    model = ql.HullWhite(curve, mean_reversion, volatility)
    bond.setPricingEngine(ql.TreeCallableFixedRateBondEngine(model, steps))
    settle = ql.Settings.instance().evaluationDate
    clean = dirty_price - bond.accruedAmount(settle)
    return bond.OAS(
        clean, curve, ql.Actual365Fixed(), ql.Continuous, ql.NoFrequency, settle, 1e-12, 200
    )

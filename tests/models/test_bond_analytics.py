"""Bond analytics against QuantLib (random bonds) and the MATLAB documentation examples."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hedge_planner.models.bonds import BondBook, build_schedule
from hedge_planner.models.dates import NO_DATE, add_months, to_date, to_days
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.yield_risk import (
    analyze_book,
    analyze_book_table,
    position_values,
    yield_from_dirty_price,
    yield_risk,
)

ql = pytest.importorskip("QuantLib")
from tests.ql_reference import ql_fixed_bond, ql_yield_figures, ql_yield_from_clean  # noqa: E402

FIELDS = (
    "clean_price",
    "accrued",
    "dirty_price",
    "macaulay_duration",
    "modified_duration",
    "convexity",
)


def _random_bonds(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        settle = dt.date(2000, 1, 1) + dt.timedelta(days=int(rng.integers(0, 30 * 365)))
        freq = int(rng.choice([0, 1, 2, 4, 12]))
        # Month-end maturities exercise the end-of-month rule.
        mat = settle + dt.timedelta(days=int(rng.integers(20, 40 * 365)))
        if rng.random() < 0.3:
            mat = to_date(add_months(to_days(mat), 1) - int(to_date(to_days(mat)).day))
        eom = bool(rng.random() < 0.7)
        issue = None
        if rng.random() < 0.3 and freq != 0:
            step = 12 // freq
            # A short first coupon: issue between the previous regular date and settlement.
            n_back = 0
            while add_months(to_days(mat), -(n_back + 1) * step, eom) > to_days(settle):
                n_back += 1
            prev = int(add_months(to_days(mat), -(n_back + 1) * step, eom))
            span = int(to_days(settle)) - prev
            if span > 1:
                issue = to_date(prev + int(rng.integers(1, span)))
        out.append(
            {
                "id": f"B{i}",
                "settle": settle,
                "maturity": mat,
                "coupon": 0.0 if freq == 0 else float(rng.uniform(0.0, 0.12)),
                "frequency": freq,
                "day_count": int(rng.integers(0, 4)),
                "issue": issue,
                "eom": eom,
                "yield": float(rng.uniform(-0.005, 0.15)),
            }
        )
    return out


def _book(bond: dict, face: float = 100.0) -> BondBook:
    """A one-bond book of ``face`` from a :func:`_random_bonds` record."""
    return BondBook.from_arrays(
        [bond["id"]],
        face,
        bond["coupon"],
        to_days([bond["maturity"]]),
        bond["frequency"],
        bond["day_count"],
        NO_DATE if bond["issue"] is None else to_days([bond["issue"]]),
        bond["eom"],
    )


def _ql_bond(bond: dict) -> object:
    """The same bond in QuantLib (100 face)."""
    return ql_fixed_bond(
        bond["settle"],
        bond["maturity"],
        bond["coupon"],
        bond["frequency"],
        bond["day_count"],
        bond["issue"],
        bond["eom"],
    )


def _our_figures(bond: dict) -> dict[str, float]:
    sched = build_schedule(_book(bond), int(to_days(bond["settle"])))
    risk = yield_risk(sched, [bond["yield"]])
    return {f: float(getattr(risk, f)[0]) for f in FIELDS}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bonds_match_quantlib(seed: int) -> None:
    """Prices, accrued, durations and convexity agree with QuantLib to 1e-8 relative."""
    for bond in _random_bonds(120, seed):
        qbond = _ql_bond(bond)
        ref = ql_yield_figures(
            qbond, bond["settle"], bond["yield"], bond["frequency"], bond["day_count"]
        )
        ours = _our_figures(bond)
        for field in FIELDS:
            scale = max(abs(ref[field]), 1e-6 if field != "accrued" else 1.0)
            assert abs(ours[field] - ref[field]) <= 1e-8 * scale, (
                bond,
                field,
                ours[field],
                ref[field],
            )


def test_every_day_count_and_frequency_is_covered() -> None:
    """The random sample really spans all conventions the oracle test claims."""
    bonds = [b for s in (1, 2, 3) for b in _random_bonds(120, s)]
    assert {b["day_count"] for b in bonds} == {int(d) for d in DayCount}
    assert {b["frequency"] for b in bonds} == {0, 1, 2, 4, 12}
    assert any(b["issue"] is not None for b in bonds)


def test_vectorised_book_equals_single_bond_results() -> None:
    """Pricing a mixed book in one call gives each bond's stand-alone figures."""
    bonds = _random_bonds(60, 7)
    settle = dt.date(2024, 3, 15)
    bonds = [b for b in bonds if b["maturity"] > settle and (b["issue"] is None)]
    for b in bonds:
        b["settle"] = settle
    book = BondBook.from_arrays(
        [b["id"] for b in bonds],
        100.0,
        [b["coupon"] for b in bonds],
        to_days([b["maturity"] for b in bonds]),
        [b["frequency"] for b in bonds],
        [b["day_count"] for b in bonds],
        None,
        [b["eom"] for b in bonds],
    )
    risk = yield_risk(build_schedule(book, int(to_days(settle))), [b["yield"] for b in bonds])
    for i, b in enumerate(bonds):
        qbond = ql_fixed_bond(
            settle, b["maturity"], b["coupon"], b["frequency"], b["day_count"], None, b["eom"]
        )
        ref = ql_yield_figures(qbond, settle, b["yield"], b["frequency"], b["day_count"])
        assert risk.dirty_price[i] == pytest.approx(ref["dirty_price"], rel=1e-10)
        assert risk.convexity[i] == pytest.approx(ref["convexity"], rel=1e-9)


def test_yield_from_price_matches_quantlib() -> None:
    """Solving yields from clean prices recovers QuantLib's yields (and round-trips)."""
    bonds = _random_bonds(150, 11)
    for b in bonds:
        qbond = ql_fixed_bond(
            b["settle"],
            b["maturity"],
            b["coupon"],
            b["frequency"],
            b["day_count"],
            b["issue"],
            b["eom"],
        )
        clean = ql_yield_figures(qbond, b["settle"], b["yield"], b["frequency"], b["day_count"])[
            "clean_price"
        ]
        ql_y = ql_yield_from_clean(qbond, b["settle"], clean, b["frequency"], b["day_count"])
        book = BondBook.from_arrays(
            [b["id"]],
            100.0,
            b["coupon"],
            to_days([b["maturity"]]),
            b["frequency"],
            b["day_count"],
            NO_DATE if b["issue"] is None else to_days([b["issue"]]),
            b["eom"],
        )
        sched = build_schedule(book, int(to_days(b["settle"])))
        ours = yield_from_dirty_price(sched, [clean + sched.accrued[0]])[0]
        assert ours == pytest.approx(ql_y, abs=1e-10)
        assert ours == pytest.approx(b["yield"], abs=1e-10)


def test_hard_yield_cases_fall_back_to_bisection() -> None:
    """Deep-discount, very long and very short bonds still solve, from a poor starting guess."""
    settle = to_days("2024-01-02")
    book = BondBook.from_arrays(
        ["deep", "long", "short", "zero"],
        100.0,
        [0.001, 0.12, 0.05, 0.0],
        to_days(["2054-01-01", "2074-01-01", "2024-01-20", "2060-01-15"]),
        [2, 2, 2, 0],
    )
    sched = build_schedule(book, int(settle))
    true_y = np.array([0.25, 0.001, 0.30, 0.08])
    dirty = yield_risk(sched, true_y).dirty_price
    solved = yield_from_dirty_price(sched, dirty, guess=np.full(4, 5.0), max_newton=2)
    np.testing.assert_allclose(solved, true_y, atol=1e-11)


def test_unreachable_price_is_reported() -> None:
    book = BondBook.from_arrays(["x"], 100.0, [0.05], to_days(["2030-01-01"]))
    sched = build_schedule(book, int(to_days("2024-01-02")))
    with pytest.raises(AnalyticsError, match="no yield"):
        yield_from_dirty_price(sched, [0.01], max_newton=0)


def test_matured_bond_is_an_error() -> None:
    book = BondBook.from_arrays(["old"], 100.0, [0.05], to_days(["2020-01-01"]))
    with pytest.raises(AnalyticsError, match="old"):
        build_schedule(book, int(to_days("2024-01-02")))


# ---------------------------------------------------------------------------------------------
# MATLAB documentation: "Bond Portfolio for Hedging Duration and Convexity"
# ---------------------------------------------------------------------------------------------

MATLAB_SETTLE = dt.date(1999, 8, 19)
MATLAB_BONDS = BondBook.from_arrays(
    ["2005", "2010", "2025"],
    [500.0, 1000.0, 250.0],
    [0.07, 0.066, 0.08],
    to_days(["2005-06-15", "2010-10-02", "2025-03-01"]),
)


def test_matlab_hedge_bond_prices() -> None:
    """Dirty position values 530.4248, 994.4065, 273.4051 as printed by MATLAB."""
    frame, _ = analyze_book(MATLAB_BONDS, int(to_days(MATLAB_SETTLE)), yields=[0.06, 0.07, 0.075])
    np.testing.assert_allclose(
        frame["market_value"].round(4), [530.4248, 994.4065, 273.4051], atol=1e-9
    )


def test_yield_table_without_pandas_equals_its_dataframe() -> None:
    """The column table the plan reads (no pandas) and the DataFrame built from it: the same
    rows as ``to_dict("records")`` (Python scalars), the same MATLAB position values."""
    table, totals = analyze_book_table(
        MATLAB_BONDS, int(to_days(MATLAB_SETTLE)), yields=[0.06, 0.07, 0.075]
    )
    np.testing.assert_allclose(
        np.round(table.column("market_value"), 4), [530.4248, 994.4065, 273.4051], atol=1e-9
    )
    frame = table.frame()
    assert len(table) == len(frame) == 3 and list(frame.columns) == list(table.columns)
    assert table.records() == frame.to_dict("records")
    assert all(type(v) in (float, str) for row in table.records() for v in row.values())
    assert (
        totals
        == analyze_book(MATLAB_BONDS, int(to_days(MATLAB_SETTLE)), yields=[0.06, 0.07, 0.075])[1]
    )


def test_matlab_parallel_shift_example_prices_including_zero_coupon_bonds() -> None:
    """MATLAB documentation, "Bond Prices and Yield Curve Parallel Shifts": settlement
    15-Jan-1995, face 1,000, two zero-coupon bonds (Periods = 0) and two semiannual coupon bonds;
    printed dirty prices 145.2452, 594.7757, 165.8949, 715.7584."""
    book = BondBook.from_arrays(
        ["z2020", "c2025", "z2019", "c2019"],
        1000.0,
        [0.0, 0.05, 0.0, 0.055],
        to_days(["2020-04-03", "2025-05-14", "2019-06-09", "2019-02-25"]),
        [0, 2, 0, 2],
    )
    frame, _ = analyze_book(book, int(to_days("1995-01-15")), yields=[0.078, 0.09, 0.075, 0.085])
    np.testing.assert_allclose(
        frame["market_value"].round(4), [145.2452, 594.7757, 165.8949, 715.7584], atol=1e-9
    )


def test_thirty_360_february_month_end_coupons_pay_coupon_over_frequency() -> None:
    """A 30/360 bond with end-of-month February coupons, against the SIA price formula by hand.

    5% semiannual, maturing 2029-02-28, settling 2026-11-15. The street pays 2.50 per 100 on
    every regular date (Feb 28 and Aug 31), although 30/360 bond basis counts Aug 31 -> Feb 28
    as 178 days and Feb 28 -> Aug 31 as 183. Accrued: A = 30/360 days from Aug 31 (D1 -> 30)
    to Nov 15 = 75, so 5 * 75 / 360; the first flow sits at (E - A) / E = 105 / 180 periods.
    """
    settle, y = dt.date(2026, 11, 15), 0.061
    book = BondBook.from_arrays(
        ["C"], 100.0, 0.05, to_days([dt.date(2029, 2, 28)]), 2, DayCount.THIRTY_360
    )
    sched = build_schedule(book, int(to_days(settle)))
    np.testing.assert_allclose(sched.amounts, [2.5, 2.5, 2.5, 2.5, 102.5], rtol=0, atol=1e-13)
    w = 105.0 / 180.0
    times = w + np.arange(5)
    dirty = float(np.sum(sched.amounts / (1 + y / 2) ** times))
    accrued = 5.0 * 75.0 / 360.0
    risk = yield_risk(sched, [y])
    assert abs(float(risk.accrued[0]) - accrued) < 1e-12
    assert abs(float(risk.dirty_price[0]) - dirty) < 1e-10
    assert abs(float(risk.clean_price[0]) - (dirty - accrued)) < 1e-10
    macaulay = float(np.sum(times / 2 * sched.amounts / (1 + y / 2) ** times)) / dirty
    assert abs(float(risk.macaulay_duration[0]) - macaulay) < 1e-10


def test_position_dv01_matches_quantlib_basis_point_value() -> None:
    """A position's yield DV01 (currency per bp; first order: modified duration x market value
    x 1 bp) against QuantLib's ``basisPointValue`` scaled to the face, on random bonds of every
    frequency and day count, to 1e-8 relative. QuantLib's figure is second order (``(-D P +
    C P h / 2) h`` per 100, ``h`` = 1 bp), so its convexity term, from QuantLib's own convexity
    and price, is taken off: 0.1% of a 27-year bond's DV01."""
    from tests.ql_reference import QL_FREQ, ql_date, ql_day_counter

    for bond in _random_bonds(60, 7):
        face = 2_500_000.0
        book = _book(bond, face)
        sched = build_schedule(book, int(to_days(bond["settle"])))
        _, dv01 = position_values(book, yield_risk(sched, [bond["yield"]]))
        qbond = _ql_bond(bond)
        bpv = ql.BondFunctions.basisPointValue(
            qbond,
            bond["yield"],
            ql_day_counter(bond["day_count"]),
            ql.Compounded,
            QL_FREQ[bond["frequency"]],
            ql_date(bond["settle"]),
        )
        ref = ql_yield_figures(
            qbond, bond["settle"], bond["yield"], bond["frequency"], bond["day_count"]
        )
        second_order = 0.5 * ref["convexity"] * ref["dirty_price"] * 1e-8
        assert float(dv01[0]) == pytest.approx(-(bpv - second_order) * face / 100, rel=1e-8), bond

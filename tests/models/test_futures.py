"""CME Treasury futures: published conversion factors, QuantLib cross-checks, basis and hedges.

Published values used (each cited where it is used):

* CME Group, "Understanding Treasury Futures" (Table 3, 10-Year T-Note basket on 10 Oct 2017, as
  quoted in quant.stackexchange.com/questions/71507): 2-3/8% notes, CF 0.8072 for Dec 2017.
  The question misprints the maturity as Aug 15, 2017; the 2-3/8% Aug 15, 2024 10-year note is the
  only deliverable 2-3/8% August issue, and CME's formula reproduces 0.8072 for it.
* L. Martellini, P. Priaulet, S. Priaulet, "Fixed-Income Securities" (Wiley), Figure 11.2,
  Bloomberg conversion factors for TYH2: 6-1/2% Feb 15, 2010 -> 1.0305 (103.05%), as quoted at
  transtutors.com/questions/conversion-factors-of-the-cbot-us-10-year-note-futures-contract-...
* MathWorks Financial Instruments Toolbox, ``convfactor`` documentation example (CBOT 10-Year
  note convention): eight reference date / maturity / coupon triples and their factors.
* J. Hull, "Options, Futures, and Other Derivatives", Treasury bond futures chapter: 10% coupon,
  20y2m -> 1.4623; 8% coupon, 18y4m -> 1.2199.
* wheels.org/monkeywrench/?p=488 (worked examples of CME's formula): 2-year note 1.5%, 1y10m ->
  0.922939; 5-year note 2.75%, 4y10m -> 0.86533 (month-rounded branch, z >= 7).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hedge_planner.models import calendar as cal
from hedge_planner.models.dates import NO_DATE, add_months, from_ymd, to_days, ymd
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures import (
    cme_conversion_factor_from_term,
    contract_dates,
    conversion_factor,
    front_contracts,
    get_contract,
    is_deliverable,
    load_contract_table,
)
from hedge_planner.models.futures_basis import basis_analytics, theoretical_futures_price
from hedge_planner.models.futures_quotes import format_32nds, parse_32nds
from hedge_planner.models.hedge_ratios import (
    duration_hedge_contracts,
    dv01_hedge_contracts,
    futures_dv01_per_contract,
)

ql = pytest.importorskip("QuantLib")
_QL_EPOCH = 25569  # Excel serial of 1970-01-01
ALL_CODES = ["TU", "Z3N", "FV", "TY", "TN", "US", "UB"]


# --- contract table ------------------------------------------------------------------------------


def test_table_has_all_contracts_with_cme_sizes():
    table = load_contract_table()
    assert set(ALL_CODES) <= set(table)
    # CME: 2-Year and (re-launched) 3-Year carry $200,000 face, the others $100,000.
    assert {c: table[c].contract_size for c in ALL_CODES} == {
        "TU": 200_000,
        "Z3N": 200_000,
        "FV": 100_000,
        "TY": 100_000,
        "TN": 100_000,
        "US": 100_000,
        "UB": 100_000,
    }
    # CME tick values: TU/Z3N/FV $7.8125, TY/TN $15.625, US/UB $31.25.
    assert [table[c].tick_value for c in ALL_CODES] == [7.8125] * 3 + [15.625] * 2 + [31.25] * 2
    assert all(table[c].notional_coupon == 0.06 for c in ALL_CODES)
    assert get_contract("zn").code == "TY" and get_contract("ZB").code == "US"


def test_user_override_merges_by_code(tmp_path):
    override = tmp_path / "mine.yaml"
    override.write_text(
        "contracts:\n"
        "  TY:\n"
        "    tick_size: 0.0078125\n"
        "    tick_value: 7.8125\n"
        "  XX:\n"
        "    name: Test contract\n"
        "    contract_size: 100000\n"
        "    tick_size: 0.03125\n"
        "    tick_value: 31.25\n"
        "    cf_rounding: quarter\n"
        "    last_trading_rule: last_business_day\n"
        "    last_delivery_rule: last_business_day\n"
        "    deliverable: {min_remaining_months: 12}\n"
    )
    table = load_contract_table(override)
    assert table["TY"].tick_size == 0.0078125
    assert table["TY"].deliverable.min_remaining_months == 78  # untouched fields kept
    assert table["XX"].name == "Test contract"
    as_json = tmp_path / "mine.json"
    as_json.write_text(json.dumps({"contracts": {"US": {"name": "Classic bond"}}}))
    assert load_contract_table(as_json)["US"].name == "Classic bond"


def test_override_errors_name_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("contracts:\n  TY:\n    deliverable:\n      min_remaining_months: -3\n")
    with pytest.raises(ValueError, match=r"'TY'.*deliverable\.min_remaining_months"):
        load_contract_table(bad)
    typo = tmp_path / "typo.yaml"
    typo.write_text("contracts:\n  FV:\n    tick_sise: 0.01\n")
    with pytest.raises(ValueError, match=r"'FV'.*tick_sise"):
        load_contract_table(typo)
    inconsistent = tmp_path / "tick.yaml"
    inconsistent.write_text("contracts:\n  US:\n    tick_value: 10.0\n")
    with pytest.raises(ValueError, match="tick_value"):
        load_contract_table(inconsistent)


# --- delivery calendar ---------------------------------------------------------------------------


def _ql_rule_dates(code: str, year: int, month: int) -> dict[str, int]:
    """CME's date rules evaluated independently with QuantLib's government bond calendar."""
    qcal = ql.UnitedStates(ql.UnitedStates.GovernmentBond)
    first_bd = qcal.adjust(ql.Date(1, month, year), ql.Following)
    last_bd = qcal.endOfMonth(ql.Date(1, month, year))
    first_position = qcal.advance(first_bd, -2, ql.Days)
    if code in ("TU", "Z3N", "FV"):
        ltd = last_bd
        ldd = qcal.advance(ltd, 3, ql.Days)
    else:
        ltd = qcal.advance(last_bd, -7, ql.Days)
        ldd = last_bd
    out = {
        "first_position_day": first_position,
        "first_notice_day": qcal.advance(first_position, 1, ql.Days),
        "first_delivery_day": first_bd,
        "last_trading_day": ltd,
        "last_delivery_day": ldd,
    }
    return {k: v.serialNumber() - _QL_EPOCH for k, v in out.items()}


@pytest.mark.parametrize("code", ALL_CODES)
def test_contract_dates_match_rules_on_quantlib_calendar(code):
    years = np.repeat(np.arange(2016, 2034), 4)
    months = np.tile([3, 6, 9, 12], years.size // 4)
    dates = contract_dates(code, years, months)
    for i, (y, m) in enumerate(zip(years, months, strict=True)):
        ref = _ql_rule_dates(code, int(y), int(m))
        for name, expected in ref.items():
            assert getattr(dates, name)[i] == expected, (code, y, m, name)


def test_contract_dates_known_december_2024_cycle():
    # TY Dec 2024: Thanksgiving (28 Nov) pushes the first position day to Wed 27 Nov.
    ty = contract_dates("TY", 2024, 12).as_records()[0]
    assert str(ty["first_position_day"]) == "2024-11-27"
    assert str(ty["first_notice_day"]) == "2024-11-29"
    assert str(ty["first_delivery_day"]) == "2024-12-02"
    assert str(ty["last_delivery_day"]) == "2024-12-31"
    assert cal.business_days_between(to_days("2024-12-19"), to_days("2024-12-31")) == 7
    assert str(ty["last_trading_day"]) == "2024-12-19"
    # FV Dec 2024: last trading day 31 Dec; three business days later skips New Year's Day.
    fv = contract_dates("FV", 2024, 12).as_records()[0]
    assert str(fv["last_trading_day"]) == "2024-12-31"
    assert str(fv["last_delivery_day"]) == "2025-01-06"


def test_contract_dates_reject_non_delivery_month():
    with pytest.raises(ValueError, match="delivery months"):
        contract_dates("TY", 2024, 5)


def test_front_contracts_roll_after_last_trading_day():
    ltd = contract_dates("TY", 2024, 3).last_trading_day
    on_ltd = front_contracts("TY", ltd, 3)
    assert list(zip(on_ltd.year, on_ltd.month, strict=True)) == [(2024, 3), (2024, 6), (2024, 9)]
    after = front_contracts("TY", ltd + 1, 5)
    assert list(zip(after.year, after.month, strict=True)) == [
        (2024, 6),
        (2024, 9),
        (2024, 12),
        (2025, 3),
        (2025, 6),
    ]
    # In a non-delivery month the next quarterly month is first.
    assert front_contracts("FV", "2024-04-15", 1).month.tolist() == [6]


# --- deliverable baskets -------------------------------------------------------------------------


def test_is_deliverable_boundaries():
    first = from_ymd(2024, 12, 1)
    ty_min = add_months(first, 78)  # 6y6m from the first day of the delivery month
    ty_max = add_months(first, 120)
    got = is_deliverable("TY", 2024, 12, [ty_min - 1, ty_min, ty_max, ty_max + 1])
    assert got.tolist() == [False, True, True, False]
    # US: at least 15y and LESS than 25y.
    us = is_deliverable(
        "US", 2024, 12, [add_months(first, 180), add_months(first, 300) - 1, add_months(first, 300)]
    )
    assert us.tolist() == [True, True, False]
    assert is_deliverable("UB", 2024, 12, [add_months(first, 300)]).tolist() == [True]
    # TU: upper limit is 2 years from the LAST day of the delivery month.
    tu = is_deliverable("TU", 2024, 12, to_days(["2026-09-01", "2026-12-31", "2027-01-01"]))
    assert tu.tolist() == [True, True, False]
    assert not is_deliverable("TU", 2024, 12, to_days(["2026-08-31"]))[0]  # < 1y9m


def test_is_deliverable_original_term():
    mat = to_days(["2029-11-30", "2029-11-30", "2029-11-30"])
    issue = np.array([to_days("2024-11-30"), to_days("2022-11-30"), NO_DATE])  # 5y, 7y, unknown
    got = is_deliverable("FV", 2024, 12, mat, issue)
    assert got.tolist() == [True, False, True]
    # Z3N accepts aging 7-year notes (original term <= 7y) with 2y9m-3y remaining.
    z3n = is_deliverable("Z3N", 2024, 12, to_days(["2027-11-30"]), to_days(["2020-11-30"]))
    assert z3n.tolist() == [True]


# --- conversion factors: published values --------------------------------------------------------


def test_conversion_factor_cme_understanding_treasury_futures():
    # CME "Understanding Treasury Futures", Table 3 (TY Dec 2017 basket): 2-3/8s -> 0.8072.
    assert conversion_factor("TY", 2017, 12, 0.02375, to_days("2024-08-15")) == 0.8072


def test_conversion_factor_bloomberg_tyh2():
    # Martellini-Priaulet-Priaulet, Fig. 11.2 (Bloomberg): TYH2, 6-1/2s of 02/15/2010 -> 1.0305.
    assert conversion_factor("TY", 2002, 3, 0.065, to_days("2010-02-15")) == 1.0305


def test_conversion_factor_mathworks_convfactor_example():
    # MathWorks convfactor documentation example (10-Year note convention).
    ref = to_days(
        ["2002-12-01", "2003-03-01", "2003-06-01", "2003-09-01", "2003-12-01", "2003-09-01",
         "2002-12-01", "2003-06-01"]
    )  # fmt: skip
    maturity = to_days(
        ["2012-11-15", "2012-08-15", "2012-02-15", "2011-02-15", "2011-08-15", "2010-08-15",
         "2009-08-15", "2010-02-15"]
    )  # fmt: skip
    coupon = [0.04, 0.04375, 0.04875, 0.05, 0.05, 0.0575, 0.06, 0.065]
    published = [0.8539, 0.8858, 0.9259, 0.9418, 0.9403, 0.9862, 1.0000, 1.0266]
    y, m, _ = ymd(ref)
    np.testing.assert_array_equal(conversion_factor("TY", y, m, coupon, maturity), published)


def test_conversion_factor_hull_bond_examples():
    # Hull: 10% with 20y2m (rounded down to 20y) -> 1.4623; 8% with 18y4m (-> 18y3m) -> 1.2199.
    first = from_ymd(2030, 3, 1)
    maturity = [add_months(first, 20 * 12 + 2) + 14, add_months(first, 18 * 12 + 4) + 14]
    got = conversion_factor("US", 2030, 3, [0.10, 0.08], maturity)
    np.testing.assert_array_equal(got, [1.4623, 1.2199])


def test_conversion_factor_month_rounded_contracts():
    # wheels.org worked examples of CME's formula: TU 1.5% 1y10m -> 0.922939; FV 2.75% 4y10m ->
    # 0.86533 (both z >= 7, so v = z - 6 for the month-rounded contracts).
    np.testing.assert_allclose(
        cme_conversion_factor_from_term([0.015, 0.0275], [1, 4], [10, 10]),
        [0.922939, 0.86533],
        atol=5e-7,
    )
    first = from_ymd(2025, 6, 1)
    tu = conversion_factor("TU", 2025, 6, 0.015, add_months(first, 22) + 20)
    fv = conversion_factor("FV", 2025, 6, 0.0275, add_months(first, 58) + 29)
    assert (tu, fv) == (0.9229, 0.8653)
    # The same 4y10m note in a quarter-rounded contract would use 4y9m instead.
    assert cme_conversion_factor_from_term(0.0275, 4, 9) != cme_conversion_factor_from_term(
        0.0275, 4, 10
    )


# --- conversion factors: independent QuantLib bond prices ----------------------------------------


def _ql_clean_price_at_6pct(coupon: float, years: int, months: int, day_counter) -> float:
    settle = ql.Date(1, ql.March, 2026)
    ql.Settings.instance().evaluationDate = settle
    maturity = settle + ql.Period(years * 12 + months, ql.Months)
    issue = maturity - ql.Period((years + 1) * 12, ql.Months)
    schedule = ql.Schedule(
        issue, maturity, ql.Period(ql.Semiannual), ql.NullCalendar(), ql.Unadjusted,
        ql.Unadjusted, ql.DateGeneration.Backward, False,
    )  # fmt: skip
    bond = ql.FixedRateBond(0, 100.0, schedule, [coupon], day_counter)
    return ql.BondFunctions.cleanPrice(
        bond, 0.06, day_counter, ql.Compounded, ql.Semiannual, settle
    )


@pytest.mark.parametrize("months", [0, 6])
def test_conversion_factor_equals_6pct_clean_price_whole_periods(months):
    # Whole semiannual periods: no accrued and no day-count choice involved.
    rng = np.random.default_rng(3)
    coupons = rng.uniform(0.0, 0.09, 12).round(5)
    years = rng.integers(1, 30, 12)
    ours = cme_conversion_factor_from_term(coupons, years, months)
    dc = ql.ActualActual(ql.ActualActual.Bond)
    ref = [_ql_clean_price_at_6pct(float(c), int(n), months, dc) / 100 for c, n in
           zip(coupons, years, strict=True)]  # fmt: skip
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("months", [1, 2, 3, 4, 5, 7, 8, 9, 10, 11])
def test_conversion_factor_equals_30_360_clean_price_partial_periods(months):
    # CME's stub treatment (fractional compounding over v/6 of a period, linear accrued) is the
    # street 30/360 convention on whole-month dates.
    coupons = np.array([0.00125, 0.02375, 0.045, 0.06, 0.0875])
    years = np.array([1, 4, 9, 17, 24])
    ours = cme_conversion_factor_from_term(coupons, years, months)
    dc = ql.Thirty360(ql.Thirty360.BondBasis)
    ref = [_ql_clean_price_at_6pct(float(c), int(n), months, dc) / 100 for c, n in
           zip(coupons, years, strict=True)]  # fmt: skip
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


# --- basis analytics -----------------------------------------------------------------------------


def test_basis_worked_example_rpubs():
    # Worked example 7.3 at rpubs-static (1095893_2563d2a3635640d1a183409a35ddbfc1.html): clean
    # 97.71, futures 105.67, CF 0.9234, 4% coupon with AI 1.457534 now and 2.356164 at delivery,
    # repo 3.4625% for 82 days. Published: gross basis 0.134322, carry cost 0.7821, net basis
    # 0.018 (reported as invoice - total cost = -0.018), implied repo 3.382%.
    settle = to_days("2024-01-10")
    res = basis_analytics(97.71, 1.457534, 2.356164, 0.9234, 105.67, 0.034625, settle, settle + 82)
    np.testing.assert_allclose(res.gross_basis, 0.134322, atol=1e-9)
    financing = (97.71 + 1.457534) * 0.034625 * 82 / 360
    np.testing.assert_allclose(financing, 0.7821, atol=1e-4)
    np.testing.assert_allclose(res.carry, (2.356164 - 1.457534) - financing, atol=1e-12)
    np.testing.assert_allclose(res.net_basis, 0.018, atol=5e-4)
    np.testing.assert_allclose(res.implied_repo, 0.03382, atol=3e-5)  # published used rounding
    # Published invoice 99.93168 used the delivery accrued rounded to 2.356.
    np.testing.assert_allclose(res.invoice_price, 105.67 * 0.9234 + 2.356164, rtol=1e-15)
    np.testing.assert_allclose(res.invoice_price, 99.93168, atol=2e-4)


def test_hull_cheapest_to_deliver_by_delivery_cost():
    # Hull: futures 93-08; quoted prices / CFs 99.50/1.0382, 143.50/1.5188, 119.75/1.2615; cost
    # of delivering = price - 93.25*CF = 2.69, 1.87, 2.12 -> bond 2 is cheapest.
    f = parse_32nds("93-08")
    res = basis_analytics(
        [99.50, 143.50, 119.75], 0.0, 0.0, [1.0382, 1.5188, 1.2615], f, 0.0, "2024-03-01",
        "2024-03-02",
    )  # fmt: skip
    np.testing.assert_allclose(res.gross_basis, [2.69, 1.87, 2.12], atol=0.005)
    assert int(np.argmin(res.gross_basis)) == 1 == res.ctd_index


def _sample_basket(seed: int = 0, n: int = 8):
    rng = np.random.default_rng(seed)
    clean = rng.uniform(85, 115, n)
    ai_now = rng.uniform(0, 2.5, n)
    has_coupon = rng.random(n) < 0.5
    coupon = np.where(has_coupon, rng.uniform(1.0, 3.0, n), 0.0)
    settle = to_days("2024-01-16")
    delivery = to_days("2024-03-28")
    coupon_date = np.where(has_coupon, to_days("2024-02-15"), NO_DATE)
    ai_del = np.where(has_coupon, rng.uniform(0.1, 0.8, n), ai_now + rng.uniform(0.3, 1.2, n))
    cf = rng.uniform(0.75, 1.05, n)
    return clean, ai_now, ai_del, cf, coupon, coupon_date, settle, delivery


def test_theoretical_price_zero_net_basis_and_implied_repo_equals_repo():
    clean, ai0, ai1, cf, cpn, cdate, settle, delivery = _sample_basket(1)
    repo = 0.0525
    fwd = basis_analytics(clean, ai0, ai1, cf, 100.0, repo, settle, delivery, cpn, cdate)
    price, ctd = theoretical_futures_price(fwd.forward_clean, cf)
    res = basis_analytics(clean, ai0, ai1, cf, price, repo, settle, delivery, cpn, cdate)
    assert res.ctd_index == ctd
    np.testing.assert_allclose(res.net_basis[ctd], 0.0, atol=1e-12)
    np.testing.assert_allclose(res.implied_repo[ctd], repo, rtol=1e-12)
    others = np.arange(clean.size) != ctd
    assert (res.net_basis[others] > 0).all() and (res.implied_repo[others] < repo).all()


@pytest.mark.parametrize("seed", range(5))
def test_ctd_by_implied_repo_equals_ctd_by_net_basis(seed):
    clean, ai0, ai1, cf, cpn, cdate, settle, delivery = _sample_basket(seed + 10)
    res = basis_analytics(clean, ai0, ai1, cf, 112.0, 0.05, settle, delivery, cpn, cdate)
    assert res.ctd_index == int(np.argmin(res.net_basis))


def test_implied_repo_breaks_even_with_coupon_reinvested():
    # Plug the implied repo back into the cash-and-carry: financing the dirty price and
    # reinvesting the coupon at that rate exactly funds the invoice price.
    clean, ai0, ai1, cf, cpn, cdate, settle, delivery = _sample_basket(3)
    res = basis_analytics(clean, ai0, ai1, cf, 110.0, 0.05, settle, delivery, cpn, cdate)
    r = res.implied_repo
    d = delivery - settle
    d2 = np.where(cpn != 0, delivery - cdate, 0)
    lhs = (clean + ai0) * (1 + r * d / 360) - cpn * (1 + r * d2 / 360)
    np.testing.assert_allclose(lhs, res.invoice_price, rtol=1e-13)


def test_basis_requires_coupon_date_for_coupon():
    with pytest.raises(ValueError, match="coupon_date"):
        basis_analytics(100.0, 0.5, 1.0, 0.9, 110.0, 0.05, "2024-01-16", "2024-03-28", 2.0)


# --- hedge ratios --------------------------------------------------------------------------------


def test_hull_duration_hedge_example():
    # Hull: $10m portfolio, duration 6.80; futures 93-02 on $100,000 face (F = $93,062.50) with
    # duration 9.20; target 0 -> short 79 contracts (79.42 unrounded).
    n = duration_hedge_contracts(10_000_000, 6.80, parse_32nds("93-02"), 9.20, 100_000)
    np.testing.assert_allclose(n, -79.42, atol=0.005)
    assert round(float(n)) == -79


def test_dv01_hedge_matches_duration_hedge_and_ctd_formula():
    # Closed form: DV01 = value * duration * 1bp, so both hedges coincide.
    p, dp, fp, df, size = 25e6, 5.1, 112.5, 6.4, 100_000
    dv01_p = p * dp * 1e-4
    dv01_f = fp / 100 * size * df * 1e-4
    np.testing.assert_allclose(
        dv01_hedge_contracts(dv01_p, dv01_f), duration_hedge_contracts(p, dp, fp, df, size)
    )
    # CTD DV01 of 0.0812 per 100 with CF 0.8125 on $100,000 face -> $99.94 per contract.
    np.testing.assert_allclose(futures_dv01_per_contract(0.0812, 0.8125, 100_000), 99.9384615)
    assert get_contract("TU").contract_size == 200_000


def test_hull_futures_duration_hedge_formula() -> None:
    """Hull, Options Futures and Other Derivatives: 10,000,000 at D=6.80, futures 93-02 with
    D=9.20 (contract 100,000 face): short 79 contracts to reach zero duration.

    Moved from tests/solvers/test_baseline.py (its copy of the hedge ratio is gone)."""
    n = float(
        duration_hedge_contracts(10_000_000, 6.80, 93.0625, 9.20, 100_000, target_duration=0.0)
    )
    assert round(n) == -79
    assert n == pytest.approx(-6.80 * 10_000_000 / (9.20 * 93_062.5))


def test_dv01_neutral_ratio() -> None:
    # moved from tests/solvers/test_baseline.py; target DV01 first there, keyword here
    assert float(dv01_hedge_contracts(85_000.0, 850.0, target_dv01=0.0)) == pytest.approx(-100.0)
    assert float(dv01_hedge_contracts(85_000.0, 75.0, target_dv01=100_000.0)) == pytest.approx(
        200.0
    )


def test_hedge_ratios_refuse_zero_denominators() -> None:
    with pytest.raises(AnalyticsError, match="non-zero"):
        dv01_hedge_contracts(85_000.0, 0.0)
    with pytest.raises(AnalyticsError, match="non-zero"):
        duration_hedge_contracts(1e7, 6.8, 93.0, 0.0)


# --- 32nds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "value"),
    [
        ("93-02", 93.0625),  # Hull
        ("126-16", 126.5),  # CME TY spec: 126-16 = 126 16/32
        ("126-165", 126 + 16.5 / 32),  # CME TY spec
        ("109-162", 109 + 16.25 / 32),  # CME TU spec
        ("109-167", 109 + 16.75 / 32),  # CME TU spec
        ("110-16+", 110 + 16.5 / 32),
        ("103'216", 103 + 21.625 / 32),  # CME ZT quote with 1/8 ticks
        ("99.5", 99.5),
    ],
)
def test_parse_32nds(quote, value):
    assert parse_32nds(quote) == pytest.approx(value, abs=1e-12)


def test_format_32nds_round_trip():
    prices = np.arange(90 * 256, 92 * 256) / 256.0
    for p in prices:
        assert parse_32nds(format_32nds(p)) == p
        assert parse_32nds(format_32nds(p, plus_for_half=False)) == p
    assert format_32nds(93.0625) == "93-02"
    assert format_32nds(110.515625) == "110-16+"
    assert format_32nds(110.5078125) == "110-162"


def test_parse_32nds_rejects_bad_quotes():
    for bad in ("93-32", "93-024", "abc"):
        with pytest.raises(ValueError):
            parse_32nds(bad)

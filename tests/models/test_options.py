"""Swaption pricing checked against parity, closed forms, finite differences and QuantLib."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hedge_planner.models.options import (
    SwaptionResult,
    VolModel,
    bachelier,
    black76,
    implied_lognormal_vol,
    implied_normal_vol,
    swaption,
)

ql = pytest.importorskip("QuantLib")

N_SAMPLES = 500


# Random books span +-3 standard deviations of moneyness. Further out QuantLib's normal CDF loses
# relative accuracy in the tail (a 4 sd OTM premium differs by ~2e-10 relative) and an ITM price
# no longer resolves its time value in double precision; deep tails are tested separately against
# math.erfc, which is accurate to a few ulps relative there.
MAX_SD = 3.0


def _normal_inputs(seed: int = 1):
    rng = np.random.default_rng(seed)
    f = rng.uniform(-0.01, 0.06, N_SAMPLES)
    t = rng.uniform(0.05, 10.0, N_SAMPLES)
    vol = rng.uniform(0.003, 0.015, N_SAMPLES)
    k = f - rng.uniform(-MAX_SD, MAX_SD, N_SAMPLES) * vol * np.sqrt(t)
    annuity = rng.uniform(0.5, 15.0, N_SAMPLES)
    notional = rng.choice([-1.0, 1.0], N_SAMPLES) * rng.uniform(1e6, 1e8, N_SAMPLES)
    payer = rng.random(N_SAMPLES) < 0.5
    return f, k, t, vol, annuity, notional, payer


def _lognormal_inputs(seed: int = 2):
    rng = np.random.default_rng(seed)
    shift = rng.choice([0.0, 0.01, 0.03], N_SAMPLES)
    f = rng.uniform(0.002, 0.07, N_SAMPLES)
    t = rng.uniform(0.05, 10.0, N_SAMPLES)
    vol = rng.uniform(0.05, 0.8, N_SAMPLES)
    # Cap the log-moneyness at 1.5 so strikes stay within a factor ~4.5 of the shifted forward.
    std = np.minimum(vol * np.sqrt(t), 0.5)
    k = (f + shift) * np.exp(rng.uniform(-MAX_SD, MAX_SD, N_SAMPLES) * std) - shift
    annuity = rng.uniform(0.5, 15.0, N_SAMPLES)
    notional = rng.choice([-1.0, 1.0], N_SAMPLES) * rng.uniform(1e6, 1e8, N_SAMPLES)
    payer = rng.random(N_SAMPLES) < 0.5
    return f, k, t, vol, annuity, notional, payer, shift


# --- parity and closed forms ---------------------------------------------------------------------


def test_payer_receiver_parity_bachelier():
    f, k, t, vol, a, n, _ = _normal_inputs()
    payer = bachelier(f, k, t, vol, a, n, True).premium
    receiver = bachelier(f, k, t, vol, a, n, False).premium
    np.testing.assert_allclose(payer - receiver, a * n * (f - k), rtol=1e-10, atol=1e-6)


def test_payer_receiver_parity_black76_with_shift():
    f, k, t, vol, a, n, _, shift = _lognormal_inputs()
    payer = black76(f, k, t, vol, a, n, True, shift).premium
    receiver = black76(f, k, t, vol, a, n, False, shift).premium
    np.testing.assert_allclose(payer - receiver, a * n * (f - k), rtol=1e-10, atol=1e-6)


def test_atm_bachelier_closed_form():
    t = np.array([0.25, 1.0, 5.0, 10.0])
    vol = np.array([0.0080, 0.0100, 0.0095, 0.0070])
    annuity = np.array([0.98, 4.5, 8.7, 15.2])
    out = bachelier(0.035, 0.035, t, vol, annuity, 1.0, True).premium
    np.testing.assert_allclose(out, annuity * vol * np.sqrt(t / (2.0 * np.pi)), rtol=1e-14)


# --- QuantLib oracle -----------------------------------------------------------------------------


def test_bachelier_matches_quantlib():
    f, k, t, vol, a, n, payer = _normal_inputs(3)
    ours = bachelier(f, k, t, vol, a, n, payer).premium
    ref = np.array(
        [
            ql.bachelierBlackFormula(
                ql.Option.Call if p else ql.Option.Put, kk, ff, v * np.sqrt(tt), abs(aa * nn)
            )
            * np.sign(nn)
            for ff, kk, tt, v, aa, nn, p in zip(f, k, t, vol, a, n, payer, strict=True)
        ]
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_black76_matches_quantlib():
    f, k, t, vol, a, n, payer, shift = _lognormal_inputs(4)
    ours = black76(f, k, t, vol, a, n, payer, shift).premium
    ref = np.array(
        [
            ql.blackFormula(
                ql.Option.Call if p else ql.Option.Put, kk, ff, v * np.sqrt(tt), abs(aa * nn), s
            )
            * np.sign(nn)
            for ff, kk, tt, v, aa, nn, p, s in zip(f, k, t, vol, a, n, payer, shift, strict=True)
        ]
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def _erfc_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@pytest.mark.parametrize("sd", [4.0, 6.0, 8.0, 10.0])
def test_deep_out_of_the_money_matches_erfc_closed_form(sd):
    # Scalar closed forms with math.erfc (tail-accurate) as the reference.
    f, t, nvol, lvol, a = 0.03, 2.0, 0.008, 0.3, 5.0
    k = f + sd * nvol * math.sqrt(t)
    d = (f - k) / (nvol * math.sqrt(t))
    ref = (f - k) * _erfc_cdf(d) + nvol * math.sqrt(t) * math.exp(-0.5 * d * d) / math.sqrt(
        2 * math.pi
    )
    np.testing.assert_allclose(bachelier(f, k, t, nvol, a, 1.0, True).premium, a * ref, rtol=1e-9)
    k = f * math.exp(sd * lvol * math.sqrt(t))
    d1 = (math.log(f / k) + 0.5 * lvol * lvol * t) / (lvol * math.sqrt(t))
    d2 = d1 - lvol * math.sqrt(t)
    ref = f * _erfc_cdf(d1) - k * _erfc_cdf(d2)
    np.testing.assert_allclose(black76(f, k, t, lvol, a, 1.0, True).premium, a * ref, rtol=1e-9)


# --- greeks against central finite differences ---------------------------------------------------


def _fd_greeks(pricer, f, k, t, vol, a, n, payer, **kw):
    hf, hv, ht = 1e-6, 1e-5 * vol, 1e-6
    p = lambda ff, tt, vv: pricer(ff, k, tt, vv, a, n, payer, **kw).premium  # noqa: E731
    delta = (p(f + hf, t, vol) - p(f - hf, t, vol)) / (2 * hf)
    hg = 1e-5
    gamma = (p(f + hg, t, vol) - 2 * p(f, t, vol) + p(f - hg, t, vol)) / hg**2
    vega = (p(f, t, vol + hv) - p(f, t, vol - hv)) / (2 * hv)
    theta = -(p(f, t + ht, vol) - p(f, t - ht, vol)) / (2 * ht)
    return delta, gamma, vega, theta


@pytest.mark.parametrize("model", ["normal", "lognormal"])
def test_greeks_match_central_finite_differences(model):
    if model == "normal":
        f, k, t, vol, a, n, payer = _normal_inputs(5)
        kw = {}
        pricer = bachelier
    else:
        f, k, t, vol, a, n, payer, shift = _lognormal_inputs(6)
        kw = {"shift": shift}
        pricer = black76
    res = pricer(f, k, t, vol, a, n, payer, **kw)
    delta, gamma, vega, theta = _fd_greeks(pricer, f, k, t, vol, a, n, payer, **kw)
    scale = np.abs(a * n)  # greeks are proportional to annuity * notional
    np.testing.assert_allclose(res.delta / scale, delta / scale, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.gamma / scale, gamma / scale, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(res.vega / scale, vega / scale, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(res.theta / scale, theta / scale, rtol=1e-5, atol=1e-9)


def test_per_bp_and_per_day_units():
    r = bachelier(0.03, 0.031, 2.0, 0.009, 4.2, 5e7, True)
    bumped = bachelier(0.03 + 1e-4, 0.031, 2.0, 0.009, 4.2, 5e7, True)
    # DV01-style delta: one bp move, to first order (second-order term is gamma * bp^2 / 2).
    np.testing.assert_allclose(
        bumped.premium - r.premium, r.delta_per_bp + 0.5 * r.gamma_per_bp, rtol=1e-6
    )
    vol_up = bachelier(0.03, 0.031, 2.0, 0.009 + 1e-4, 4.2, 5e7, True)
    np.testing.assert_allclose(vol_up.premium - r.premium, r.vega_per_bp, rtol=1e-3)
    a_day_later = bachelier(0.03, 0.031, 2.0 - 1 / 365, 0.009, 4.2, 5e7, True)
    np.testing.assert_allclose(a_day_later.premium - r.premium, r.theta_per_day, rtol=1e-3)
    np.testing.assert_allclose(r.delta_adjusted_notional, 5e7 * r.unit_delta)
    lg = black76(0.03, 0.031, 2.0, 0.25, 4.2, 5e7, True)
    lg_up = black76(0.03, 0.031, 2.0, 0.26, 4.2, 5e7, True)
    np.testing.assert_allclose(lg_up.premium - lg.premium, lg.vega_per_pct, rtol=1e-3)


# --- properties ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payer", [True, False])
def test_long_swaption_has_positive_gamma_and_vega_and_negative_theta(payer):
    f, k, t, vol, a, _, _ = _normal_inputs(8)
    r = bachelier(f, k, t, vol, a, 1e7, payer)
    assert (r.gamma > 0).all() and (r.vega > 0).all() and (r.theta < 0).all()
    f, k, t, vol, a, _, _, shift = _lognormal_inputs(9)
    r = black76(f, k, t, vol, a, 1e7, payer, shift)
    assert (r.gamma > 0).all() and (r.vega > 0).all() and (r.theta < 0).all()


def test_expired_option_is_intrinsic_with_step_delta():
    r = bachelier([0.03, 0.03, 0.03], [0.02, 0.03, 0.04], 0.0, 0.01, 2.0, 100.0, True)
    np.testing.assert_allclose(r.premium, [2.0, 0.0, 0.0])
    np.testing.assert_allclose(r.unit_delta, [1.0, 0.5, 0.0])
    assert not r.gamma.any() and not r.vega.any() and not r.theta.any()


def test_result_is_frozen():
    r = swaption(VolModel.NORMAL, 0.03, 0.03, 1.0, 0.01, 4.0)
    assert isinstance(r, SwaptionResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.premium = np.zeros(1)  # type: ignore[misc]


# --- implied volatility --------------------------------------------------------------------------


def test_implied_normal_vol_round_trip():
    f, k, t, vol, a, n, payer = _normal_inputs(10)
    prem = bachelier(f, k, t, vol, a, n, payer).premium
    np.testing.assert_allclose(implied_normal_vol(prem, f, k, t, a, n, payer), vol, rtol=1e-8)


def test_implied_lognormal_vol_round_trip():
    f, k, t, vol, a, n, payer, shift = _lognormal_inputs(11)
    prem = black76(f, k, t, vol, a, n, payer, shift).premium
    out = implied_lognormal_vol(prem, f, k, t, a, n, payer, shift)
    np.testing.assert_allclose(out, vol, rtol=1e-8)


def test_implied_vol_round_trip_deep_out_of_the_money():
    # Up to 8 sd OTM the premium is tiny but exact, so the vol is recoverable.
    sd = np.linspace(-8.0, 8.0, 33)
    t, vol, f = 2.0, 0.008, 0.03
    k = f + sd * vol * np.sqrt(t)
    payer = k > f
    prem = bachelier(f, k, t, vol, 5.0, 1e8, payer).premium
    np.testing.assert_allclose(implied_normal_vol(prem, f, k, t, 5.0, 1e8, payer), vol, rtol=1e-8)
    lvol = 0.3
    k = f * np.exp(sd * lvol * np.sqrt(t))
    payer = k > f
    prem = black76(f, k, t, lvol, 5.0, 1e8, payer).premium
    out = implied_lognormal_vol(prem, f, k, t, 5.0, 1e8, payer)
    np.testing.assert_allclose(out, lvol, rtol=1e-8)


def test_implied_vol_safe_fallbacks():
    # Below intrinsic -> NaN; at intrinsic -> 0; payer above F (lognormal bound) -> NaN.
    f, k, a = 0.03, 0.02, 4.0
    intrinsic = a * (f - k)
    n_vols = implied_normal_vol([intrinsic * 0.9, intrinsic], f, k, 1.0, a)
    assert np.isnan(n_vols[0]) and n_vols[1] == 0.0
    l_vols = implied_lognormal_vol([intrinsic * 0.9, intrinsic, a * f * 1.01], f, k, 1.0, a)
    assert np.isnan(l_vols[0]) and l_vols[1] == 0.0 and np.isnan(l_vols[2])


def test_quantlib_implied_vol_agrees():
    # Independent solver: QuantLib's blackFormulaImpliedStdDev on a few lognormal prices.
    f, k, t, vol, a, n = 0.031, 0.028, 3.0, 0.3, 6.0, 1.0
    prem = black76(f, k, t, vol, a, n, False, 0.005).premium
    ref = ql.blackFormulaImpliedStdDev(ql.Option.Put, k, f, float(prem), a, 0.005) / np.sqrt(t)
    np.testing.assert_allclose(implied_lognormal_vol(prem, f, k, t, a, n, False, 0.005), ref)

"""Hull-White European swaptions in closed form (Jamshidian) and calibration of the model's
volatility (and optionally mean reversion) to at-the-money normal swaption vols.

Conventions (stated; the calibration instruments, not the hedge swaptions' own pricing):

* the swap underlying a swaption of expiry ``T0`` and tenor ``n`` years starts at ``T0`` and has an
  annual fixed leg paying at ``T0 + 1, ..., T0 + n`` (years on the model curve's ACT/365F axis,
  accrual 1 each); it is priced on the model's own curve (single curve), so the floating leg is
  worth ``P(0, T0) - P(0, Tn)``;
* the market premium of the ATM swaption (strike = forward swap rate ``F``) from a normal vol
  ``v`` is Bachelier's ``A v sqrt(T0 / 2 pi)`` with annuity ``A = sum_i P(0, T_i)``;
* the model premium: Jamshidian's decomposition. A payer swaption is a put, struck at 1, on the
  coupon bond paying ``c_i = K`` (``+ 1`` at ``Tn``); with ``x*`` such that
  ``sum_i c_i P(T0, T_i | x*) = 1`` it is ``sum_i c_i ZBP(T0, T_i, X_i)``,
  ``X_i = P(T0, T_i | x*)``, with the Hull-White zero-bond option (Brigo-Mercurio eq. 3.40-3.41)::

      s_p = sigma sqrt((1 - e^{-2 a T0}) / 2a) B(T0, T_i)
      h   = ln(P(0, T_i) / (P(0, T0) X_i)) / s_p + s_p / 2
      ZBP = X_i P(0, T0) N(-h + s_p) - P(0, T_i) N(-h)

* the fit minimises the squared differences of model and market normal vols (the model premium
  turned into a normal vol by the same ATM Bachelier formula), bp errors reported.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.roots import brent_root
from hedge_planner.models.short_rate import HullWhite
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)


def _ncdf(x: FloatArray) -> FloatArray:
    from scipy.special import ndtr

    return np.asarray(ndtr(x))


@dataclass(frozen=True)
class SwaptionQuote:
    """An ATM calibration swaption: expiry and tenor in years, normal vol (decimal/sqrt(year))."""

    expiry: float
    tenor: int
    vol: float


def _legs(curve: YieldCurve, expiry: float, tenor: int) -> tuple[FloatArray, float, float]:
    """Payment times, annuity and forward swap rate of the annual-fixed underlying."""
    if expiry <= 0 or tenor < 1:
        raise AnalyticsError("a calibration swaption needs expiry > 0 and tenor >= 1 year")
    times = expiry + np.arange(1, tenor + 1, dtype=np.float64)
    p = np.asarray(curve.discount(times), dtype=np.float64)
    p0 = float(curve.discount(expiry))
    annuity = float(p.sum())
    return times, annuity, (p0 - float(p[-1])) / annuity


def jamshidian_swaption(
    curve: YieldCurve,
    model: HullWhite,
    expiry: float,
    tenor: int,
    strike: float | None = None,
    payer: bool = True,
) -> float:
    """Hull-White premium per unit notional of a European swaption (see the module notes);
    ``strike`` None = ATM (the forward swap rate)."""
    times, _, fwd = _legs(curve, expiry, tenor)
    k = fwd if strike is None else strike
    coupons = np.full(times.size, k)
    coupons[-1] += 1.0
    p_t = np.asarray(curve.discount(times), dtype=np.float64)
    p_0 = float(curve.discount(expiry))
    bb = np.asarray(model.b(times - expiry))
    # P(T0, T_i | x) = P(0,T_i)/P(0,T0) exp(adj_i - B_i x)
    kk = p_t / p_0 * np.exp(model.log_bond_adjustment(expiry, times - expiry))
    if model.volatility == 0.0:
        intrinsic = float((coupons * kk).sum()) - 1.0  # coupon bond forward minus strike
        value = max(-intrinsic, 0.0) if payer else max(intrinsic, 0.0)
        return value * p_0
    x_star = brent_root(lambda x: float((coupons * kk * np.exp(-bb * x)).sum()) - 1.0, -1.0, 1.0)
    strikes = kk * np.exp(-bb * x_star)
    a = model.mean_reversion
    var = model.volatility**2 * (expiry if a < 1e-12 else -math.expm1(-2 * a * expiry) / (2 * a))
    s_p = math.sqrt(var) * bb
    h = np.log(p_t / (p_0 * strikes)) / s_p + s_p / 2
    if payer:
        zbo = strikes * p_0 * _ncdf(-h + s_p) - p_t * _ncdf(-h)
    else:
        zbo = p_t * _ncdf(h) - strikes * p_0 * _ncdf(h - s_p)
    return float((coupons * zbo).sum())


def atm_normal_vol(curve: YieldCurve, expiry: float, tenor: int, premium: float) -> float:
    """Normal vol (decimal/sqrt(year)) of an ATM premium per unit notional (Bachelier)."""
    _, annuity, _ = _legs(curve, expiry, tenor)
    return premium / (annuity * math.sqrt(expiry / (2 * math.pi)))


@dataclass(frozen=True)
class Calibration:
    """A fitted Hull-White model and its fit.

    Attributes
    ----------
    model
        The parameters used (``mean_reversion`` fitted or given, ``volatility`` fitted).
    quotes
        The calibration swaptions.
    model_vols
        Normal vols of the model's premiums, decimal/sqrt(year), one per quote.
    fitted
        Which parameters were fitted.
    """

    model: HullWhite
    quotes: tuple[SwaptionQuote, ...]
    model_vols: FloatArray
    fitted: tuple[str, ...]

    @property
    def errors_bp(self) -> FloatArray:
        """Model minus market normal vol per quote, bp."""
        return np.asarray((self.model_vols - np.array([q.vol for q in self.quotes])) / BP)

    @property
    def rms_bp(self) -> float:
        """Root-mean-square vol error, bp."""
        return float(np.sqrt(np.mean(self.errors_bp**2)))

    def summary(self) -> str:
        """One line: the parameters and each quote's error."""
        parts = ", ".join(
            f"{q.expiry:g}y x {q.tenor}y {q.vol / BP:.1f} bp: {e:+.2f}"
            for q, e in zip(self.quotes, self.errors_bp, strict=True)
        )
        return (
            f"Hull-White a = {self.model.mean_reversion:.4f}, sigma = "
            f"{self.model.volatility:.5f} ({' and '.join(self.fitted)} fitted to "
            f"{len(self.quotes)} ATM normal swaption vols; model - market, bp: {parts}; "
            f"RMS {self.rms_bp:.2f} bp)"
        )


def model_vols(curve: YieldCurve, model: HullWhite, quotes: Sequence[SwaptionQuote]) -> FloatArray:
    """Normal vols of the model's ATM premiums, one per quote."""
    return np.array(
        [
            atm_normal_vol(
                curve, q.expiry, q.tenor, jamshidian_swaption(curve, model, q.expiry, q.tenor)
            )
            for q in quotes
        ]
    )


def calibrate(
    curve: YieldCurve,
    quotes: Sequence[SwaptionQuote],
    mean_reversion: float | None,
) -> Calibration:
    """Fit sigma (and the mean reversion when ``mean_reversion`` is None) to the quotes by least
    squares on normal vols (:func:`scipy.optimize.least_squares`, bounds a in [0, 1],
    sigma in (0, 0.05])."""
    from scipy.optimize import least_squares

    qs = tuple(quotes)
    if not qs:
        raise AnalyticsError("calibrating the short-rate volatility needs swaption vols")
    market = np.array([q.vol for q in qs])
    fit_a = mean_reversion is None
    if fit_a and len(qs) < 2:
        raise AnalyticsError("calibrating the mean reversion needs at least two swaption vols")

    def model_of(p: FloatArray) -> HullWhite:
        return (
            HullWhite(float(p[0]), float(p[1]))
            if fit_a
            else HullWhite(mean_reversion or 0.0, float(p[0]))
        )

    def resid(p: FloatArray) -> FloatArray:
        return (model_vols(curve, model_of(p), qs) - market) / BP

    x0 = np.array([0.03, float(market.mean())]) if fit_a else np.array([float(market.mean())])
    lo = np.array([0.0, 1e-6]) if fit_a else np.array([1e-6])
    hi = np.array([1.0, 0.05]) if fit_a else np.array([0.05])
    sol = least_squares(resid, x0, bounds=(lo, hi), xtol=1e-14, ftol=1e-14, gtol=1e-14)
    model = model_of(sol.x)
    fitted = ("mean reversion", "sigma") if fit_a else ("sigma",)
    cal = Calibration(model, qs, model_vols(curve, model, qs), fitted)
    logger.info("%s", cal.summary())
    return cal

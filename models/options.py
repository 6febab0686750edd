"""European swaption pricing on a forward swap rate: Bachelier (normal) and Black-76 (lognormal).

A payer swaption pays ``max(S - K, 0)`` per unit notional per unit annuity at expiry, a receiver
``max(K - S, 0)``. Under the annuity (swap) measure the forward swap rate ``F`` is a martingale,
so the premium is ``annuity * notional * undiscounted_option_value(F, K, T, vol)``: the annuity
carries all the discounting.

Units used throughout
---------------------
* rates ``F``, ``K`` and the shift: decimal (0.04 = 4%).
* expiry ``T``: years (ACT/365F by convention of the caller).
* normal vol: decimal rate per sqrt(year) (0.0100 = 100 bp/yr); lognormal vol: decimal per
  sqrt(year) (0.20 = 20%).
* annuity: PV01 of the underlying swap per unit notional per unit rate, ``sum(tau_i * DF_i)``
  (years, i.e. currency per unit notional per 1.00 of rate).
* notional: currency, signed (negative = short position).

Every input is broadcast with numpy; nothing loops per option.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.units import BP, DAYS_PER_YEAR
from scipy.special import ndtr

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
#: Total standard deviation below which an option is treated as expired (intrinsic value).
_TINY_STD = 1e-14


class VolModel(StrEnum):
    """Volatility model of a swaption price."""

    NORMAL = "normal"
    LOGNORMAL = "lognormal"


def _pdf(x: FloatArray) -> FloatArray:
    return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _expired_d(moneyness: FloatArray) -> FloatArray:
    """Limit of d as the total std goes to zero: +inf ITM payer, -inf OTM, 0 at the money."""
    return np.where(moneyness > 0, np.inf, np.where(moneyness < 0, -np.inf, 0.0))


@dataclass(frozen=True)
class SwaptionResult:
    """Premium and greeks of a set of European swaptions (arrays of one broadcast shape).

    All figures are for the position as given (signed notional), in currency.

    Attributes
    ----------
    premium
        Present value, currency.
    delta
        dPV/dF, currency per unit (1.00) of forward swap rate.
    gamma
        d2PV/dF2, currency per unit rate squared (the dollar convexity w.r.t. the forward).
    vega
        dPV/dvol, currency per 1.00 of vol (normal vol in decimal rate, or lognormal vol).
    theta
        -dPV/dT holding F, K, vol and the annuity fixed: pure time decay, currency per year.
    unit_delta
        Option delta per unit of underlying swap, dimensionless (N(d) for a Bachelier payer,
        -N(-d) for a receiver): the hedge ratio in swap notional per option notional.
    notional
        Signed notional, currency (broadcast to the result shape).
    annuity
        Annuity per unit notional (broadcast), years.
    model
        :class:`VolModel` of the vol that was used.
    """

    premium: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    unit_delta: FloatArray
    notional: FloatArray
    annuity: FloatArray
    model: VolModel

    @property
    def delta_per_bp(self) -> FloatArray:
        """PV change for a +1 bp move in the forward swap rate, currency per bp (DV01-like)."""
        return self.delta * BP

    @property
    def gamma_per_bp(self) -> FloatArray:
        """Change in :attr:`delta_per_bp` for a +1 bp move, currency per bp per bp."""
        return self.gamma * BP * BP

    @property
    def delta_adjusted_notional(self) -> FloatArray:
        """Notional of the underlying forward swap with the same delta, currency."""
        return self.unit_delta * self.notional

    @property
    def vega_per_bp(self) -> FloatArray:
        """PV change for +1 bp of normal vol, currency (only meaningful for NORMAL)."""
        return self.vega * BP

    @property
    def vega_per_pct(self) -> FloatArray:
        """PV change for +1 percentage point of lognormal vol, currency (LOGNORMAL)."""
        return self.vega * 0.01

    @property
    def theta_per_day(self) -> FloatArray:
        """Time decay over one calendar day (1/365 year), currency per day."""
        return self.theta / DAYS_PER_YEAR


def _prepare(forward, strike, expiry, vol, annuity, notional, is_payer):
    """Broadcast inputs to float arrays of one shape; returns them plus the +1/-1 sign."""
    f, k, t, v, a, n, p = np.broadcast_arrays(
        np.asarray(forward, dtype=np.float64),
        np.asarray(strike, dtype=np.float64),
        np.asarray(expiry, dtype=np.float64),
        np.asarray(vol, dtype=np.float64),
        np.asarray(annuity, dtype=np.float64),
        np.asarray(notional, dtype=np.float64),
        np.asarray(is_payer, dtype=bool),
    )
    if np.any(t < 0) or np.any(v < 0):
        raise ValueError("expiry and vol must be non-negative")
    return f, k, t, v, a, n, np.where(p, 1.0, -1.0)


def bachelier(
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    vol: npt.ArrayLike,
    annuity: npt.ArrayLike,
    notional: npt.ArrayLike = 1.0,
    is_payer: npt.ArrayLike = True,
) -> SwaptionResult:
    """Bachelier (normal-vol) swaption premium and greeks.

    Parameters
    ----------
    forward, strike
        Forward swap rate and strike, decimal.
    expiry
        Time to expiry, years.
    vol
        Normal volatility, decimal rate per sqrt(year) (0.01 = 100 bp/yr).
    annuity
        Annuity (PV01) per unit notional, years.
    notional
        Signed notional, currency.
    is_payer
        True for payer (call on the rate), False for receiver.

    Returns
    -------
    SwaptionResult
        Premium and greeks in currency (see the class for units).

    Notes
    -----
    With ``s = vol*sqrt(T)`` and ``d = (F-K)/s``: payer value per unit annuity
    ``(F-K) N(d) + s n(d)``, receiver ``(K-F) N(-d) + s n(d)``. At ``s = 0`` the intrinsic value
    is returned with a step delta (1/2 at the money) and zero gamma, vega and theta.
    """
    f, k, t, v, a, n, w = _prepare(forward, strike, expiry, vol, annuity, notional, is_payer)
    scale = a * n
    sqrt_t = np.sqrt(t)
    std = v * sqrt_t
    live = std > _TINY_STD
    safe_std = np.where(live, std, 1.0)
    d = np.where(live, (f - k) / safe_std, _expired_d(f - k))
    pdf = np.where(live, _pdf(np.where(live, d, 0.0)), 0.0)
    cdf = ndtr(w * d)  # N(d) for payers, N(-d) for receivers
    undiscounted = w * (f - k) * cdf + std * pdf
    unit_delta = w * cdf
    gamma = np.where(live, pdf / safe_std, 0.0)
    vega = sqrt_t * pdf
    theta = np.where(live, -v * pdf / (2.0 * np.where(live, sqrt_t, 1.0)), 0.0)
    return SwaptionResult(
        premium=scale * undiscounted,
        delta=scale * unit_delta,
        gamma=scale * gamma,
        vega=scale * vega,
        theta=scale * theta,
        unit_delta=unit_delta,
        notional=n,
        annuity=a,
        model=VolModel.NORMAL,
    )


def black76(
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    vol: npt.ArrayLike,
    annuity: npt.ArrayLike,
    notional: npt.ArrayLike = 1.0,
    is_payer: npt.ArrayLike = True,
    shift: npt.ArrayLike = 0.0,
) -> SwaptionResult:
    """Black-76 (lognormal, optionally shifted) swaption premium and greeks.

    Parameters
    ----------
    forward, strike
        Forward swap rate and strike, decimal; ``forward + shift`` and ``strike + shift`` must be
        positive.
    expiry
        Time to expiry, years.
    vol
        Lognormal volatility of ``forward + shift``, decimal per sqrt(year) (0.20 = 20%).
    annuity
        Annuity (PV01) per unit notional, years.
    notional
        Signed notional, currency.
    is_payer
        True for payer, False for receiver.
    shift
        Displacement, decimal (e.g. 0.02 for a 2% shifted lognormal model).

    Returns
    -------
    SwaptionResult
        Premium and greeks in currency; ``delta``/``gamma`` are w.r.t. the unshifted forward
        (identical, since the shift is a constant).
    """
    f, k, t, v, a, n, w = _prepare(forward, strike, expiry, vol, annuity, notional, is_payer)
    s = np.broadcast_to(np.asarray(shift, dtype=np.float64), f.shape)
    fs, ks = f + s, k + s
    if np.any(fs <= 0) or np.any(ks <= 0):
        raise ValueError("shifted forward and strike must be positive for Black-76")
    scale = a * n
    sqrt_t = np.sqrt(t)
    std = v * sqrt_t
    live = std > _TINY_STD
    safe_std = np.where(live, std, 1.0)
    log_m = np.log(fs / ks)
    d1 = np.where(live, log_m / safe_std + 0.5 * std, _expired_d(log_m))
    d2 = np.where(live, d1 - std, d1)
    pdf1 = np.where(live, _pdf(np.where(live, d1, 0.0)), 0.0)
    undiscounted = w * (fs * ndtr(w * d1) - ks * ndtr(w * d2))
    unit_delta = w * ndtr(w * d1)
    gamma = np.where(live, pdf1 / (fs * safe_std), 0.0)
    vega = fs * pdf1 * sqrt_t
    theta = np.where(live, -fs * pdf1 * v / (2.0 * np.where(live, sqrt_t, 1.0)), 0.0)
    return SwaptionResult(
        premium=scale * undiscounted,
        delta=scale * unit_delta,
        gamma=scale * gamma,
        vega=scale * vega,
        theta=scale * theta,
        unit_delta=unit_delta,
        notional=n,
        annuity=a,
        model=VolModel.LOGNORMAL,
    )


def _implied_vol(
    price_fn,
    target: FloatArray,
    lower_bound: FloatArray,
    upper_bound: FloatArray,
    initial: FloatArray,
    tol: float,
    max_iter: int,
) -> FloatArray:
    """Vectorised safeguarded Newton on ``price_fn(vol) = target`` (per unit annuity*notional).

    Newton steps use the analytic vega; whenever a step leaves the current bracket (or vega
    vanishes) the element takes a bisection step instead, so every element converges.
    """
    ok = (target > lower_bound) & (target < upper_bound) & np.isfinite(target)
    lo = np.zeros_like(target)
    hi = np.maximum(initial, 1e-8)
    # Grow the upper end until it brackets the target (price is increasing in vol).
    for _ in range(200):
        val, _ = price_fn(hi)
        short = ok & (val < target)
        if not short.any():
            break
        lo = np.where(short, hi, lo)
        hi = np.where(short, hi * 2.0, hi)
    x = np.where(ok, np.clip(initial, lo, hi), np.nan)
    x = np.where(ok & ((x <= lo) | (x >= hi)), 0.5 * (lo + hi), x)
    for _ in range(max_iter):
        val, vega = price_fn(np.where(ok, x, 1.0))
        err = val - target
        lo = np.where(ok & (err < 0), x, lo)
        hi = np.where(ok & (err > 0), x, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - err / vega
        bad = ~np.isfinite(newton) | (newton <= lo) | (newton >= hi)
        new = np.where(bad, 0.5 * (lo + hi), newton)
        done = np.abs(err) <= tol * np.maximum(np.abs(target), 1e-300)
        x = np.where(ok & ~done, new, x)
        if np.all(done | ~ok):
            break
    return np.where(ok, x, np.nan)


def _to_out_of_the_money(premium, f, k, a, n, w):
    """Per-unit-annuity OTM time value, the OTM option's +1/-1 sign and a rounding tolerance.

    In-the-money prices are mapped to the out-of-the-money option by payer-receiver parity: the
    time value is then the whole price, which keeps the solve well conditioned deep in the money.
    """
    target = np.asarray(premium, dtype=np.float64) / (a * n) * np.ones_like(f)
    itm = w * (f - k) > 0
    otm_target = np.where(itm, target - w * (f - k), target)
    # Rounding of the parity subtraction: values this close to zero mean "intrinsic only".
    # OTM prices are used as given, so any positive value is solved for.
    tiny = np.where(itm, 8.0 * np.finfo(np.float64).eps * (np.abs(target) + np.abs(f - k)), 0.0)
    return otm_target, np.where(itm, -w, w), tiny


def implied_normal_vol(
    premium: npt.ArrayLike,
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    annuity: npt.ArrayLike,
    notional: npt.ArrayLike = 1.0,
    is_payer: npt.ArrayLike = True,
    tol: float = 1e-13,
    max_iter: int = 100,
) -> FloatArray:
    """Bachelier implied volatility from premiums, vectorised.

    Parameters
    ----------
    premium
        Swaption premium, currency (same sign convention as ``notional``).
    forward, strike, expiry, annuity, notional, is_payer
        As in :func:`bachelier`.
    tol
        Relative tolerance on the premium.
    max_iter
        Iteration cap of the safeguarded Newton solver.

    Returns
    -------
    numpy.ndarray
        Normal vol, decimal rate per sqrt(year). ``0.0`` where the premium equals intrinsic
        value; ``NaN`` (the safe fallback) where the premium is below intrinsic, non-finite or
        the expiry is zero with time value, i.e. no vol reproduces it.
    """
    f, k, t, _, a, n, w = _prepare(forward, strike, expiry, 0.0, annuity, notional, is_payer)
    target, w_otm, tiny = _to_out_of_the_money(premium, f, k, a, n, w)

    def price(v: FloatArray) -> tuple[FloatArray, FloatArray]:
        r = bachelier(f, k, t, v, 1.0, 1.0, w_otm > 0)
        return r.premium, r.vega

    # Initial guess: the ATM formula applied to the time value.
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = target * np.sqrt(2.0 * np.pi) / np.sqrt(t)
    guess = np.where(np.isfinite(guess) & (guess > 0), guess, 0.01)
    upper = np.where(t > 0, np.inf, 0.0)  # Bachelier prices are unbounded in vol
    vol = _implied_vol(price, target, np.zeros_like(target), upper, guess, tol, max_iter)
    return np.where(np.abs(target) <= tiny, 0.0, vol)


def implied_lognormal_vol(
    premium: npt.ArrayLike,
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    annuity: npt.ArrayLike,
    notional: npt.ArrayLike = 1.0,
    is_payer: npt.ArrayLike = True,
    shift: npt.ArrayLike = 0.0,
    tol: float = 1e-13,
    max_iter: int = 100,
) -> FloatArray:
    """Black-76 (optionally shifted) implied volatility from premiums, vectorised.

    Parameters
    ----------
    premium
        Swaption premium, currency.
    forward, strike, expiry, annuity, notional, is_payer, shift
        As in :func:`black76`.
    tol
        Relative tolerance on the premium.
    max_iter
        Iteration cap of the safeguarded Newton solver.

    Returns
    -------
    numpy.ndarray
        Lognormal vol, decimal per sqrt(year). ``0.0`` at intrinsic value; ``NaN`` outside the
        no-arbitrage band (below intrinsic, or at/above ``F + shift`` for a payer, ``K + shift``
        for a receiver).
    """
    f, k, t, _, a, n, w = _prepare(forward, strike, expiry, 0.0, annuity, notional, is_payer)
    s = np.broadcast_to(np.asarray(shift, dtype=np.float64), f.shape)
    target, w_otm, tiny = _to_out_of_the_money(premium, f, k, a, n, w)
    # An OTM payer is worth less than F+s, an OTM receiver less than K+s (zero-strike limits).
    upper = np.where(t > 0, np.where(w_otm > 0, f + s, k + s), 0.0)

    def price(v: FloatArray) -> tuple[FloatArray, FloatArray]:
        r = black76(f, k, t, v, 1.0, 1.0, w_otm > 0, s)
        return r.premium, r.vega

    # Brenner-Subrahmanyam style ATM guess on the time value.
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = target * np.sqrt(2.0 * np.pi) / ((f + s) * np.sqrt(t))
    guess = np.where(np.isfinite(guess) & (guess > 0), np.minimum(guess, 5.0), 0.2)
    vol = _implied_vol(price, target, np.zeros_like(target), upper, guess, tol, max_iter)
    return np.where(np.abs(target) <= tiny, 0.0, vol)


def swaption(
    model: VolModel | str,
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    vol: npt.ArrayLike,
    annuity: npt.ArrayLike,
    notional: npt.ArrayLike = 1.0,
    is_payer: npt.ArrayLike = True,
    shift: npt.ArrayLike = 0.0,
) -> SwaptionResult:
    """Price with :func:`bachelier` or :func:`black76` chosen by ``model``.

    ``shift`` applies to the lognormal model only. Units as in the two pricers.
    """
    if VolModel(model) is VolModel.NORMAL:
        return bachelier(forward, strike, expiry, vol, annuity, notional, is_payer)
    return black76(forward, strike, expiry, vol, annuity, notional, is_payer, shift)

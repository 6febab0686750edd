"""Options on Treasury futures: Black-76 (European) and a binomial lattice (American exercise).

CME Treasury options are premium-paid (stock-style) and American on the futures price. The
underlying futures price ``F`` is a martingale in the risk-neutral measure (no drift), so the
lattice has no drift and every node value is discounted at the option's rate ``r``.

Units
-----
Prices (``F``, ``K``, premiums) in points per 100 face of the future; expiry ``T`` in years
(ACT/365F); vol the lognormal vol of the futures price, decimal per sqrt(year); ``r`` the
continuous discount rate to the premium settlement, decimal. ``delta`` is dV/dF (points per
point, dimensionless), ``gamma`` d2V/dF2 (per point), ``vega`` dV/dvol per 1.00 of vol,
``theta`` = -dV/dT per year (calendar decay, all else fixed).

American prices use the lattice with a control variate: ``lattice_american - lattice_european +
black76``, so the lattice's discretisation error (largely common to both exercise styles) cancels
and the early-exercise premium ``american - european`` is the lattice's difference alone (with a
Richardson step on N and N/2 steps for its remaining 1/N error).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models import lattice_kernels
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.dates import to_days, to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures_hedge import TreasuryFuture
from hedge_planner.models.hedge_instruments import (
    HedgeInstrumentRisk,
    Kind,
    _as_shifts,
    _horizon,
    _PerUnitRisk,
)
from hedge_planner.models.risk import DEFAULT_SHIFT, check_key_tenors
from hedge_planner.models.units import BP, DAYS_PER_YEAR
from hedge_planner.models.vol_shift import MIN_VOL, VolShift
from scipy.special import ndtr

logger = logging.getLogger(__name__)

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
#: Default number of lattice steps (the control variate makes a few hundred enough for 1e-4).
DEFAULT_STEPS = 400


@dataclass(frozen=True)
class FuturesOptionGreeks:
    """Premium and greeks per 100 face of the future (arrays of one broadcast shape).

    Attributes
    ----------
    premium
        Points per 100.
    delta
        dV/dF, dimensionless (points of premium per point of futures price).
    gamma
        d2V/dF2, per point.
    vega
        dV/dvol, points per 1.00 of lognormal vol (``vega * 0.01`` per vol point).
    theta
        -dV/dT, points per year (calendar time decay, F, vol and r fixed).
    """

    premium: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray


def black76_futures(
    forward: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    vol: npt.ArrayLike,
    rate: npt.ArrayLike,
    is_call: npt.ArrayLike = True,
) -> FuturesOptionGreeks:
    """Black-76 European option on a futures price, premium paid at the trade date.

    Parameters
    ----------
    forward, strike
        Futures price and strike, points per 100 (positive).
    expiry
        Time to expiry, years (> 0).
    vol
        Lognormal vol of the futures price, decimal per sqrt(year) (> 0).
    rate
        Continuous discount rate to expiry, decimal.
    is_call
        True for calls, False for puts.

    Returns
    -------
    FuturesOptionGreeks
        ``V = e^{-rT} w (F N(w d1) - K N(w d2))``, ``w = +1`` call, ``-1`` put.
    """
    f, k, t, v, r, c = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (forward, strike, expiry, vol, rate)),
        np.asarray(is_call, dtype=bool),
    )
    if np.any(f <= 0) or np.any(k <= 0) or np.any(t <= 0) or np.any(v <= 0):
        raise ValueError("futures price, strike, expiry and vol must be positive")
    w = np.where(c, 1.0, -1.0)
    sqrt_t = np.sqrt(t)
    std = v * sqrt_t
    d1 = np.log(f / k) / std + 0.5 * std
    d2 = d1 - std
    disc = np.exp(-r * t)
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
    premium = disc * w * (f * ndtr(w * d1) - k * ndtr(w * d2))
    return FuturesOptionGreeks(
        premium=premium,
        delta=disc * w * ndtr(w * d1),
        gamma=disc * pdf / (f * std),
        vega=disc * f * pdf * sqrt_t,
        theta=-disc * f * pdf * v / (2.0 * sqrt_t) + r * premium,
    )


def binomial_futures(
    forward: npt.ArrayLike,
    strike: float,
    expiry: float,
    vol: float,
    rate: float,
    is_call: bool,
    *,
    steps: int = DEFAULT_STEPS,
    american: bool = True,
) -> FloatArray:
    """Cox-Ross-Rubinstein lattice on the futures price, vectorised over ``forward``.

    Parameters
    ----------
    forward
        Futures price(s), points per 100, any shape.
    strike, expiry, vol, rate, is_call
        As in :func:`black76_futures` (scalars).
    steps
        Number of time steps (>= 2).
    american
        Early exercise at every node when True.

    Returns
    -------
    numpy.ndarray
        Premium, points per 100, shape of ``forward``.

    Notes
    -----
    ``u = exp(vol sqrt(dt))``, ``d = 1/u``, up probability ``(1 - d) / (u - d)`` (the futures
    price has no drift), one-step discount ``exp(-r dt)``.
    """
    if steps < 2:
        raise ValueError("the lattice needs at least 2 steps")
    f = np.asarray(forward, dtype=np.float64)
    am, eu = _lattices(f.reshape(-1), strike, expiry, vol, rate, is_call, steps, american, True)
    return (am if american else eu).reshape(f.shape)


def _lattices(
    f: FloatArray,
    strike: float,
    expiry: float,
    vol: float,
    rate: float,
    is_call: bool,
    steps: int,
    american: bool,
    european: bool,
) -> tuple[FloatArray, FloatArray]:
    """American and European CRR lattices on the forwards ``f`` (1-D) in one backward pass.

    The two lattices are stacked (American rows first) so each step is five array operations on
    both; the exercise values come from one grid ``w (F u^k - K)``, ``k = -N..N``, sliced per
    step. Every node value is computed by the same floating-point operations as stepping each
    lattice on its own, so the premiums are the same to the last bit. A lattice not asked for
    is not run (its result is an empty array).
    """
    dt = expiry / steps
    log_u = vol * np.sqrt(dt)
    u = np.exp(log_u)
    p = (1.0 - 1.0 / u) / (u - 1.0 / u)
    q = 1.0 - p
    disc = np.exp(-rate * dt)
    w = 1.0 if is_call else -1.0
    m = len(f)
    flat = f.reshape(-1, 1)
    grid = flat * np.exp(log_u * np.arange(-steps, steps + 1))  # F u^k, k = -N..N
    exercise = w * (grid - strike)
    rows = m * (int(american) + int(european))
    values = np.empty((rows, steps + 1))
    values[:] = np.tile(np.maximum(exercise[:, ::2], 0.0), (rows // max(m, 1), 1))
    if lattice_kernels.enabled():  # the same steps in one compiled call (bit for bit)
        lattice_kernels.crr(values, exercise, p, q, disc, m if american else 0)
        return _roots(values, m, american, european)
    scratch = np.empty((rows, steps))
    for n in range(steps - 1, -1, -1):
        up, down = scratch[:, : n + 1], values[:, : n + 1]
        np.multiply(values[:, 1 : n + 2], p, out=up)
        np.add(up, np.multiply(down, q), out=up)
        np.multiply(up, disc, out=down)
        if american:  # early exercise on the American rows: nodes k = -n, -n+2, ..., n
            am = values[:m, : n + 1]
            np.maximum(am, exercise[:, steps - n : steps + n + 1 : 2], out=am)
    return _roots(values, m, american, european)


def _roots(
    values: FloatArray, m: int, american: bool, european: bool
) -> tuple[FloatArray, FloatArray]:
    """Column 0 of the American rows (the first ``m``) and of the European rows (the last)."""
    am_out = values[:m, 0].copy() if american else np.empty(0)
    eu_out = values[len(values) - m :, 0].copy() if european else np.empty(0)
    return am_out, eu_out


def american_futures(
    forward: npt.ArrayLike,
    strike: float,
    expiry: float,
    vol: float,
    rate: float,
    is_call: bool,
    *,
    steps: int = DEFAULT_STEPS,
) -> tuple[FloatArray, FloatArray]:
    """American premium (control-variate lattice) and its early-exercise premium, per 100.

    Returns
    -------
    tuple of numpy.ndarray
        ``(american, early_exercise_premium)``, points per 100, shape of ``forward``:
        ``american = black76 + premium``, the premium ``lattice_am - lattice_eu`` on ``steps``
        steps, Richardson-extrapolated with ``steps / 2`` (``2 e(N) - e(N/2)``, floored at 0).
    """
    f = np.asarray(forward, dtype=np.float64)
    american, early = _american_memo(
        f.shape,
        f.tobytes(),
        float(strike),
        float(expiry),
        float(vol),
        float(rate),
        bool(is_call),
        int(steps),
    )
    return american.copy(), early.copy()


@functools.lru_cache(maxsize=512)
def _american_memo(
    shape: tuple[int, ...],
    forward: bytes,
    strike: float,
    expiry: float,
    vol: float,
    rate: float,
    is_call: bool,
    steps: int,
) -> tuple[FloatArray, FloatArray]:
    """:func:`american_futures` of exact inputs, computed once (a plan reprices the same option
    on the same futures price in the hedge, the scenarios and the break-evens)."""
    f = np.frombuffer(forward, dtype=np.float64).reshape(shape)
    flat = f.reshape(-1)

    def premium(n: int) -> FloatArray:
        am, eu = _lattices(flat, strike, expiry, vol, rate, is_call, n, True, True)
        return (am - eu).reshape(shape)

    # The control-variate premium converges like 1/N: Richardson on N and N/2 steps removes
    # the leading term (measured: 1.6e-4 per 100 at 400 steps -> under 1e-5).
    half = max(steps // 2, 2)
    early = np.maximum(2.0 * premium(2 * half) - premium(half), 0.0)
    black = black76_futures(f, strike, expiry, vol, rate, is_call).premium
    # An American option is worth at least its immediate exercise (the extrapolation can
    # undershoot it by ~1e-8 deep in the money).
    american = np.maximum(black + early, (f - strike) if is_call else (strike - f))
    return american, american - black  # cached: american_futures hands out copies


class FutureOption(_PerUnitRisk):
    """A call or put on a Treasury future as a hedge instrument, per option contract.

    One option is on one futures contract; premium per contract = points / 100 * contract size.

    Parameters
    ----------
    name
        Identifier (e.g. ``"TYH4 C 111"``).
    future
        The underlying :class:`TreasuryFuture` (its price, DV01 and KRDs).
    strike
        Strike, points per 100; ``None`` = at the money (the futures price).
    expiry
        Option expiry date (before the future's last trading day).
    vol
        Lognormal vol of the futures price, decimal per sqrt(year).
    call
        True for a call, False for a put.
    american
        American exercise (CME style, lattice) or European (Black-76).
    rate
        Continuous discount rate to expiry, decimal; default the Treasury zero rate at expiry.
    margin
        Initial margin per contract, currency (long premium-paid options: usually 0).
    half_spread_vol
        Half bid-ask in vol (decimal); the cost per contract is ``vega * half_spread_vol``.
    steps
        Lattice steps for American exercise.

    Notes
    -----
    Risk is the option's delta through the future: ``dv01 = delta * future.dv01`` and ``krd_dv01
    = delta * future.krd_dv01`` (the future's DV01 is the CTD forward DV01 / CF, so the conversion
    factor comes through the future), dollar convexity ``delta * future_convexity + gamma *
    (dF/dz)^2`` (chain rule). These roll into portfolio duration as a numerator-only exposure:
    the premium is not added to the book's market value in the denominator (as for futures).
    Scenarios reprice the option in full on the shifted futures price, vol and rate fixed.
    Carry = the premium's change over the horizon with F, vol and r fixed: repriced at
    ``T - H``, or intrinsic value minus premium when the option expires within the horizon.
    """

    kind: Kind = "future_option"

    def __init__(
        self,
        name: str,
        future: TreasuryFuture,
        strike: float | None,
        expiry: Any,
        vol: float,
        *,
        call: bool = True,
        american: bool = True,
        rate: float | None = None,
        margin: float = 0.0,
        half_spread_vol: float = 0.0,
        steps: int = DEFAULT_STEPS,
        key_tenors: Sequence[str] | None = None,
    ) -> None:
        self.name = name
        self.future = future
        self.key_tenors = check_key_tenors(key_tenors or future.key_tenors)[0]
        anchor = int(future.curve.anchor)
        self.expiry_day = int(to_days(expiry))
        if self.expiry_day <= anchor:
            raise AnalyticsError(f"{name}: option expiry must be after the analysis date")
        if self.expiry_day > int(future.dates.last_trading_day):
            raise AnalyticsError(f"{name}: option expires after the future's last trading day")
        if not vol > 0:
            raise AnalyticsError(f"{name}: vol must be positive")
        self.expiry = (self.expiry_day - anchor) / DAYS_PER_YEAR
        self.forward = float(future.futures_price)
        self.strike = self.forward if strike is None else float(strike)
        self.vol = float(vol)
        self.call = bool(call)
        self.american = bool(american)
        zero = future.curve.zero_rate(np.array([self.expiry]))[0]
        self.rate = float(zero) if rate is None else float(rate)
        self.margin = float(margin)
        self.half_spread_vol = float(half_spread_vol)
        self.steps = int(steps)
        self.size = float(future.contract.contract_size)
        self._dfdy: float | None = None

    def premium_per_100(self, forward: npt.ArrayLike, **override: float) -> FloatArray:
        """Premium (points per 100) at futures price(s) ``forward``; vol/expiry/rate overridable."""
        vol = override.get("vol", self.vol)
        t = override.get("expiry", self.expiry)
        r = override.get("rate", self.rate)
        if self.american:
            return american_futures(forward, self.strike, t, vol, r, self.call, steps=self.steps)[0]
        return black76_futures(forward, self.strike, t, vol, r, self.call).premium

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Premium per contract under each shift (futures repriced in full), currency, ``(S,)``."""
        keys, s = _as_shifts(key_years, shifts)
        f = self.future.futures_price_shifted(keys, s)
        return self.premium_per_100(f) / 100.0 * self.size

    def base_value(self) -> float:
        """Premium per contract, currency."""
        return float(self.premium_per_100(np.array([self.forward]))[0]) / 100.0 * self.size

    def _vol_move(self, shift: VolShift) -> float:
        """Price-vol move for a normal-vol shift: ``d_sigma_n x |dF/dy| / F`` (from the DV01)."""
        if self._dfdy is None:  # the future's full risk once: points per unit rate
            self._dfdy = abs(self.future.risk(self.key_tenors).dv01) / BP / (self.size / 100.0)
        return float(shift(np.array([self.expiry]))[0]) * self._dfdy / self.forward

    def vol_scenario_value(self, shift: VolShift) -> float:
        """Premium per contract repriced in full with the price vol shifted, future fixed."""
        vol = max(self.vol + self._vol_move(shift), MIN_VOL)
        return float(self.premium_per_100(np.array([self.forward]), vol=vol)[0]) * self.size / 100

    def vol_scenario_approximation(self, shift: VolShift) -> float:
        """First-order change per contract: vega (per 1.00 of price vol) x the vol move."""
        g, _ = self.greeks()
        return float(g.vega[0]) * self.size / 100.0 * self._vol_move(shift)

    def greeks(self) -> tuple[FuturesOptionGreeks, float]:
        """Greeks per 100 and the early-exercise premium (points per 100).

        European: Black-76 in closed form. American: central differences of the lattice price
        (futures price +/- 0.1 %, vol +/- 1e-3, one calendar day for theta).
        """
        f = np.array([self.forward])
        if not self.american:
            return black76_futures(f, self.strike, self.expiry, self.vol, self.rate, self.call), 0.0
        am, early = american_futures(
            f, self.strike, self.expiry, self.vol, self.rate, self.call, steps=self.steps
        )
        h = 1e-3 * self.forward
        up, dn = self.premium_per_100(f + h), self.premium_per_100(f - h)
        # A tenth of a vol point: the lattice's odd-even noise moved a difference quotient over
        # a hundredth of a point by up to 13% deep in the money (0.65% over a tenth; against
        # QuantLib's Leisen-Reimer tree, tests/models/test_futures_options.py).
        dv = 0.1 * 0.01
        vega = (
            self.premium_per_100(f, vol=self.vol + dv) - self.premium_per_100(f, vol=self.vol - dv)
        ) / (2 * dv)
        day = 1.0 / DAYS_PER_YEAR
        shorter = self.premium_per_100(f, expiry=max(self.expiry - day, 1e-8))
        theta = (shorter - am) / day
        greeks = FuturesOptionGreeks(
            am, (up - dn) / (2 * h), (up + dn - 2 * am) / h**2, vega, theta
        )
        return greeks, float(early[0])

    def _decay(self, horizon: float) -> float:
        """Premium change (points per 100) over ``horizon`` years with F, vol and r fixed.

        Repriced at the shorter expiry, or at intrinsic value when the option expires within the
        horizon: never more than the premium (a linear ``theta * H`` can exceed it).
        """
        f = np.array([self.forward])
        now = float(self.premium_per_100(f)[0])
        left = self.expiry - horizon
        if left <= 1.0 / DAYS_PER_YEAR / 24.0:  # expires within the horizon (or within the hour)
            w = 1.0 if self.call else -1.0
            return max(w * (self.forward - self.strike), 0.0) - now
        return float(self.premium_per_100(f, expiry=left)[0]) - now

    def risk(
        self,
        key_tenors: Sequence[str] | None = None,
        *,
        horizon_days: int = 0,
        horizon_date: Any = None,
        shift: float = DEFAULT_SHIFT,
    ) -> HedgeInstrumentRisk:
        """Per-contract premium, delta-weighted DV01/KRDs, convexity, vega, theta and carry."""
        fut = self.future.risk(key_tenors or self.key_tenors, shift=shift)
        g, early = self.greeks()
        delta, gamma = float(g.delta[0]), float(g.gamma[0])
        scale = self.size / 100.0
        # dF/dz in points per unit rate: the future's DV01 per contract back to points.
        dfdz = fut.dv01 / BP / scale
        convexity = delta * fut.dollar_convexity + gamma * dfdz**2 * scale
        horizon = _horizon(int(self.future.curve.anchor), horizon_days, horizon_date)
        theta = float(g.theta[0]) * scale
        vega = float(g.vega[0]) * scale
        european = float(
            black76_futures(
                self.forward, self.strike, self.expiry, self.vol, self.rate, self.call
            ).premium
        )
        return HedgeInstrumentRisk(
            name=self.name,
            kind="future_option",
            unit="contracts",
            price=float(g.premium[0]),
            market_value=float(g.premium[0]) * scale,
            notional=self.forward * scale,
            dv01=delta * fut.dv01,
            krd_dv01=delta * np.asarray(fut.krd_dv01),
            key_tenors=fut.key_tenors,
            dollar_convexity=convexity,
            carry=self._decay(horizon / DAYS_PER_YEAR) * scale,
            half_spread=vega * self.half_spread_vol,
            margin=self.margin,
            methodology=(
                "delta x the future's DV01/KRDs (CTD forward / CF); "
                + (
                    "American: CRR lattice with Black-76 control variate"
                    if self.american
                    else "Black-76"
                )
            ),
            details={
                "underlying": self.future.name,
                "call": self.call,
                "exercise": "american" if self.american else "european",
                "strike": self.strike,
                "futures_price": self.forward,
                "vol": self.vol,
                "rate": self.rate,
                "expiry_date": to_iso([self.expiry_day])[0],
                "expiry_years": self.expiry,
                "premium_per_100": float(g.premium[0]),
                "european_premium_per_100": european,
                "early_exercise_premium_per_100": early,
                "delta": delta,
                "gamma_per_point": gamma,
                "vega": vega,
                "vega_per_vol_point": vega * 0.01,
                "theta_per_year": theta,
                "theta_per_day": theta / DAYS_PER_YEAR,
                "future_dv01": fut.dv01,
                "horizon_days": horizon,
            },
        )


__all__ = [
    "DEFAULT_STEPS",
    "FutureOption",
    "FuturesOptionGreeks",
    "american_futures",
    "binomial_futures",
    "black76_futures",
]

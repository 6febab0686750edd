"""SOFR caps and floors: strips of caplets/floorlets on forward SOFR term rates off the SOFR curve.

Convention (stated, a simplification of compounded-in-arrears SOFR): each period ``[s_i, e_i]``
of a regular schedule pays ``tau_i * max(w (F_i - K), 0)`` at ``e_i`` on the simple forward rate
``F_i = (DF(s_i) / DF(e_i) - 1) / tau_i`` (ACT/360), fixed at the period start. For a
compounded-in-arrears SOFR period this forward is the same number (the compounded rate's
expectation under the ``e_i``-forward measure); the in-arrears averaging of the vol is not
modelled. A cap starting at the curve anchor drops its first period (its rate is set today).

Caplet ``i`` = ``N tau_i DF(e_i) * option(F_i, K, T_i, vol_i)`` with ``T_i`` the fixing time
(ACT/365F years), Bachelier (normal vol, decimal rate per sqrt(year)) by default or Black-76
(lognormal vol, optionally shifted) on request; vols flat or per expiry pillar (linear in expiry,
flat beyond the ends). Cap - floor = a payer swap on the same schedule (fixed K against the
forwards); a cap is the sum of its caplets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bootstrap import tenor_maturity, tenor_years
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, is_end_of_month, to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.hedge_instruments import (
    _ZERO_KEY,
    _ZERO_SHIFT,
    HedgeInstrumentRisk,
    Kind,
    _as_shifts,
    _horizon,
    _PerUnitRisk,
)
from hedge_planner.models.options import SwaptionResult, VolModel, swaption
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, DEFAULT_SHIFT, check_key_tenors
from hedge_planner.models.swaps import bump_matrix, risk_from_bumped
from hedge_planner.models.units import BP, DAYS_PER_YEAR
from hedge_planner.models.vol_shift import MIN_VOL, VolShift

logger = logging.getLogger(__name__)


def cap_schedule(anchor: int, start: int, end: int, frequency: int) -> tuple[IntArray, IntArray]:
    """Period start/end days of a regular schedule rolled forward from ``start``.

    Returns ``(starts, ends)`` as day serials; the last period ends on ``end`` (a short back
    stub when ``end`` is off the grid). A first period starting on the anchor is dropped.
    """
    if frequency not in (1, 2, 4, 12):
        raise ValueError("cap frequency must be 1, 2, 4 or 12 a year")
    step = 12 // frequency
    eom = bool(is_end_of_month(start))
    n = 1
    while int(add_months(start, step * n, eom)) < end:
        n += 1
    grid = np.append(add_months(np.full(n, start), step * np.arange(n), eom), end)
    starts, ends = grid[:-1].astype(np.int64), grid[1:].astype(np.int64)
    keep = starts > anchor
    return starts[keep], ends[keep]


class CapFloor(_PerUnitRisk):
    """A SOFR cap (strip of caplets) or floor (floorlets), per unit notional.

    Parameters
    ----------
    name
        Identifier.
    tenor
        Cap length from its start (``"5y"``).
    curve
        SOFR curve (forwards and discounting).
    vol
        Flat vol, or ``{expiry tenor label: vol}`` pillars (e.g. ``{"1y": 0.011, "5y": 0.0095}``).
    strike
        Strike, decimal; ``None`` = ATM (the swap rate of the same schedule: cap = floor).
    cap
        True for a cap, False for a floor.
    model
        ``"normal"`` (Bachelier, default) or ``"lognormal"`` (Black-76).
    lognormal_shift
        Displacement of the Black-76 model, decimal.
    start
        Forward start tenor (``"1y"``) or ``None`` (spot start; first caplet dropped).
    frequency
        Periods per year (SOFR caps: 4).
    margin, half_spread_vol
        Initial margin per unit notional; half bid-ask in vol (cost = vega * half_spread_vol).

    Notes
    -----
    Risk is full repricing of the forwards and discount factors under the SOFR zero-rate tents,
    vols fixed: KRDs are delta KRDs, the dollar convexity is the strip's gamma plus the curve's.
    ``vega`` is per 1.00 of vol for a parallel vol move; ``vega_by_expiry`` splits it onto the vol
    pillars (the interpolation weights, so it is dV/dvol_pillar exactly).
    """

    def __init__(
        self,
        name: str,
        tenor: str,
        curve: YieldCurve,
        vol: float | Mapping[str, float],
        *,
        strike: float | None = None,
        cap: bool = True,
        model: VolModel | str = VolModel.NORMAL,
        lognormal_shift: float = 0.0,
        start: str | None = None,
        frequency: int = 4,
        margin: float = 0.0,
        half_spread_vol: float = 0.0,
        key_tenors: Sequence[str] | None = None,
    ) -> None:
        self.key_tenors = check_key_tenors(key_tenors or DEFAULT_KEY_TENORS)[0]
        self.name = name
        self.kind: Kind = "cap" if cap else "floor"
        self.curve = curve
        self.is_cap = bool(cap)
        self.model = VolModel(model)
        self.lognormal_shift = float(lognormal_shift)
        anchor = int(curve.anchor)
        eom = bool(is_end_of_month(anchor))
        s = anchor if start is None else tenor_maturity(anchor, start, eom)
        end = tenor_maturity(s, tenor, bool(is_end_of_month(s)))
        self.starts, self.ends = cap_schedule(anchor, s, end, frequency)
        if self.starts.size == 0:
            raise AnalyticsError(f"{name}: the cap has no caplet after the first period")
        self.tau = (self.ends - self.starts) / 360.0  # ACT/360 accrual
        self._t = np.stack(((self.starts - anchor), (self.ends - anchor))) / DAYS_PER_YEAR
        self.fixing = self._t[0]
        self.pillars, self._weights = _vol_weights(vol, self.fixing)
        self.vols = self._weights @ np.array([v for _, v in self.pillars])
        if np.any(self.vols <= 0):
            raise AnalyticsError(f"{name}: vols must be positive")
        f, a = self._forwards(_ZERO_KEY, _ZERO_SHIFT)
        self.forwards, self.annuities = f[0], a[0]
        self.strike = self.swap_rate() if strike is None else float(strike)
        self.margin = float(margin)
        self.half_spread_vol = float(half_spread_vol)

    def _forwards(self, keys: FloatArray, shifts: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Forwards and ``tau * DF(e)`` per caplet under each shift, shape ``(S, n)`` each."""
        df = self.curve.discount_shifted(self._t, keys, shifts)  # (S, 2, n)
        forward = (df[:, 0] / df[:, 1] - 1.0) / self.tau
        return forward, self.tau * df[:, 1]

    def swap_rate(self) -> float:
        """Par rate of the swap on the cap's schedule (forwards weighted by ``tau DF``)."""
        return float(self.annuities @ self.forwards / self.annuities.sum())

    def caplets(self, vol_shift: float = 0.0) -> SwaptionResult:
        """Each caplet's (floorlet's) premium and greeks per unit notional, currency."""
        return swaption(
            self.model,
            self.forwards,
            self.strike,
            self.fixing,
            self.vols + vol_shift,
            self.annuities,
            1.0,
            self.is_cap,
            self.lognormal_shift,
        )

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Premium per unit notional under each shift (vols fixed), currency, shape ``(S,)``."""
        keys, s = _as_shifts(key_years, shifts)
        f, a = self._forwards(keys, s)
        res = swaption(
            self.model,
            f,
            self.strike,
            self.fixing,
            self.vols,
            a,
            1.0,
            self.is_cap,
            self.lognormal_shift,
        )
        return res.premium.sum(axis=-1)

    def base_value(self) -> float:
        """Premium per unit notional, currency."""
        return float(self.scenario_values(_ZERO_KEY, _ZERO_SHIFT)[0])

    def _vol_moves(self, shift: VolShift) -> FloatArray:
        """Each caplet's vol move for a normal-vol shift at its fixing time."""
        dn = shift(self.fixing)
        if self.model == VolModel.NORMAL:
            return dn
        return dn / (self.forwards + self.lognormal_shift)

    def vol_scenario_value(self, shift: VolShift) -> float:
        """Premium per unit notional, every caplet repriced with its vol shifted, curve fixed."""
        vols = np.maximum(self.vols + self._vol_moves(shift), MIN_VOL)
        return float(self.caplets(vol_shift=vols - self.vols).premium.sum())

    def vol_scenario_approximation(self, shift: VolShift) -> float:
        """First-order change per unit notional: sum of caplet vegas x their vol moves."""
        return float(self.caplets().vega @ self._vol_moves(shift))

    def vega_by_expiry(self) -> dict[str, float]:
        """dV/dvol of each vol pillar (per 1.00 of vol), currency per unit notional."""
        vega = self.caplets().vega @ self._weights
        return {label: float(v) for (label, _), v in zip(self.pillars, vega, strict=True)}

    def risk(
        self,
        key_tenors: Sequence[str] | None = None,
        *,
        horizon_days: int = 0,
        horizon_date: Any = None,
        shift: float = DEFAULT_SHIFT,
    ) -> HedgeInstrumentRisk:
        """Premium, delta KRD DV01s, dollar convexity, vega (total and by expiry), theta, carry."""
        labels, keys = check_key_tenors(self.key_tenors if key_tenors is None else key_tenors)
        values = self.scenario_values(keys, bump_matrix(keys.size, shift))
        premium, dv01, krd, cvx = risk_from_bumped(values, keys.size, shift)
        lets = self.caplets()
        horizon = _horizon(int(self.curve.anchor), horizon_days, horizon_date)
        h = horizon / DAYS_PER_YEAR
        # Time decay over the horizon: each caplet's theta over its own remaining life.
        carry = float(np.sum(lets.theta * np.minimum(h, self.fixing)))
        vega = float(lets.vega.sum())
        per_unit = BP if self.model is VolModel.NORMAL else 0.01
        return HedgeInstrumentRisk(
            name=self.name,
            kind=self.kind,
            unit="notional",
            price=float(premium),
            market_value=float(premium),
            notional=1.0,
            dv01=float(dv01),
            krd_dv01=krd,
            key_tenors=labels,
            dollar_convexity=float(cvx),
            carry=carry,
            half_spread=vega * self.half_spread_vol,
            margin=self.margin,
            methodology="delta: full repricing of forward SOFR, DFs under SOFR tents, vols fixed",
            details={
                "cap": self.is_cap,
                "model": self.model.value,
                "strike": self.strike,
                "swap_rate": self.swap_rate(),
                "caplets": int(self.starts.size),
                "first_fixing": to_iso([int(self.starts[0])])[0],
                "end_date": to_iso([int(self.ends[-1])])[0],
                "vega": vega,
                "vega_per_vol_unit": vega * per_unit,
                "vega_by_expiry": self.vega_by_expiry(),
                "theta_per_year": float(lets.theta.sum()),
                "horizon_days": horizon,
            },
        )


def _vol_weights(
    vol: float | Mapping[str, float], fixing: FloatArray
) -> tuple[list[tuple[str, float]], FloatArray]:
    """Vol pillars ``[(label, vol)]`` and the ``(n_caplets, n_pillars)`` interpolation weights.

    A flat vol is one pillar ``"flat"``. Pillar vols interpolate linearly in expiry time (years)
    and stay flat beyond the first and last pillar.
    """
    if not isinstance(vol, Mapping):
        return [("flat", float(vol))], np.ones((fixing.size, 1))
    pillars = sorted(((str(k), float(v)) for k, v in vol.items()), key=lambda p: tenor_years(p[0]))
    if not pillars:
        raise AnalyticsError("per-expiry vols need at least one pillar")
    times = np.array([tenor_years(label) for label, _ in pillars])
    eye = np.eye(times.size)
    weights = np.stack([np.interp(fixing, times, eye[j]) for j in range(times.size)], axis=1)
    return pillars, weights


__all__ = ["CapFloor", "cap_schedule"]

"""CDX IG / HY 5y index as a spread hedge: risky annuity, spread DV01, premium-leg carry.

Pricing: the index is one CDS on the flat index spread ``s`` (the quote, decimal) with the
standard fixed coupon ``c`` (IG 100 bp, HY 500 bp) and recovery ``R`` (IG 40 %, HY 30 %). A flat
hazard rate ``lambda = s / (1 - R)`` (the credit triangle) gives survival ``Q(t) = exp(-lambda
t)``; premiums are paid quarterly (ACT/360) on a regular schedule from the analysis date to the
maturity (analysis date + 5y; the IMM-date roll and accrual-on-default are not modelled), and
default is settled at the end of each quarter. Discounting is off the given curve (SOFR).

* risky annuity ``RPV01 = sum tau_i DF(t_i) Q(t_i)`` (years per unit notional);
* protection leg ``(1 - R) sum DF(t_i) (Q(t_{i-1}) - Q(t_i))``;
* value to the protection **seller** (long credit risk, the sign a bond holder has) = ``c RPV01
  - protection``; quantity ``q > 0`` sells protection, ``q < 0`` buys it;
* spread DV01 per unit = value(s - 1 bp) - value(s + 1 bp), halved: currency per bp of
  tightening, positive for protection sold (like a bond's spread DV01 = spread duration x MV x
  1e-4), ~``RPV01 * 1e-4``;
* no rate duration: DV01, KRDs and convexity are zero by convention (its small discounting
  sensitivity is ignored, stated), and rate scenarios leave the value unchanged;
* carry over a horizon = premium-leg accrual ``c * H / 360`` per unit for protection sold.

Risk-model loading: ``beta * spread DV01`` on the ``spread:<sector>`` factor (default sector
``corporate``). Default betas: IG 1.0 (the index spread moves one-for-one with the book's
corporate spread), HY 3.0 (HY index spreads move about three times as many bp as IG/corporate
spreads); both are assumptions the case should override with its own regression.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bootstrap import tenor_maturity
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, is_end_of_month, to_iso
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.hedge_instruments import (
    HedgeInstrumentRisk,
    Kind,
    _as_shifts,
    _horizon,
    _PerUnitRisk,
)
from hedge_planner.models.risk import DEFAULT_KEY_TENORS, check_key_tenors
from hedge_planner.models.units import BP, DAYS_PER_YEAR

logger = logging.getLogger(__name__)

Series = Literal["IG", "HY"]
#: Standard fixed coupon, recovery and default spread beta of each series.
SERIES_DEFAULTS: dict[str, dict[str, float]] = {
    "IG": {"coupon": 0.01, "recovery": 0.40, "beta": 1.0},
    "HY": {"coupon": 0.05, "recovery": 0.30, "beta": 3.0},
}


def cdx_value(
    spread: npt.ArrayLike,
    coupon: float,
    recovery: float,
    pay_times: FloatArray,
    accruals: FloatArray,
    discounts: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Value to the protection seller and risky annuity per unit notional, under flat hazard.

    Parameters
    ----------
    spread
        Index spread(s), decimal, any shape.
    coupon, recovery
        Fixed coupon and recovery rate, decimal.
    pay_times, accruals, discounts
        Premium payment times (years), ACT/360 accruals and discount factors, shape ``(n,)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(value, rpv01)`` with the shape of ``spread``, currency and years per unit notional.
    """
    s = np.asarray(spread, dtype=np.float64)[..., None]
    hazard = s / (1.0 - recovery)
    q = np.exp(-hazard * pay_times)
    q_prev = np.concatenate((np.ones_like(q[..., :1]), q[..., :-1]), axis=-1)
    rpv01 = np.sum(accruals * discounts * q, axis=-1)
    protection = (1.0 - recovery) * np.sum(discounts * (q_prev - q), axis=-1)
    return coupon * rpv01 - protection, rpv01


class CdxIndex(_PerUnitRisk):
    """A CDX index position per unit notional (``q > 0`` = protection sold, long credit).

    Parameters
    ----------
    name
        Identifier (``"CDX IG 5y"``).
    series
        ``"IG"`` or ``"HY"`` (sets the default coupon, recovery and beta).
    spread
        Quoted index spread, decimal (0.0060 = 60 bp).
    curve
        Discount curve (SOFR).
    tenor
        Maturity from the analysis date (``"5y"``).
    coupon, recovery, beta
        Override the series defaults (decimal, decimal, dimensionless).
    sector
        Risk-model sector whose spread factor the index loads on.
    half_spread_bp
        Half bid-ask in bp of spread; cost per unit = ``half_spread_bp * spread DV01``.
    margin_rate
        Initial margin, fraction of notional.
    """

    kind: Kind = "cdx"

    def __init__(
        self,
        name: str,
        series: Series,
        spread: float,
        curve: YieldCurve,
        *,
        tenor: str = "5y",
        coupon: float | None = None,
        recovery: float | None = None,
        beta: float | None = None,
        sector: str = "corporate",
        half_spread_bp: float = 0.0,
        margin_rate: float = 0.0,
        key_tenors: Sequence[str] | None = None,
    ) -> None:
        defaults = SERIES_DEFAULTS[series]
        self.key_tenors = check_key_tenors(key_tenors or DEFAULT_KEY_TENORS)[0]
        self.name = name
        self.series = series
        self.spread = float(spread)
        if not 0 < self.spread < 1:
            raise AnalyticsError(f"{name}: index spread {spread!r} must be a decimal in (0, 1)")
        self.coupon = defaults["coupon"] if coupon is None else float(coupon)
        self.recovery = defaults["recovery"] if recovery is None else float(recovery)
        self.beta = defaults["beta"] if beta is None else float(beta)
        self.sector = sector
        self.curve = curve
        anchor = int(curve.anchor)
        eom = bool(is_end_of_month(anchor))
        end = tenor_maturity(anchor, tenor, eom)
        n = 1
        while int(add_months(anchor, 3 * n, eom)) < end:
            n += 1
        pays = np.append(add_months(np.full(n - 1, anchor), 3 * np.arange(1, n), eom), end)
        days = np.concatenate(([anchor], pays)).astype(np.int64)
        self.end_day = int(end)
        self.accruals = np.diff(days) / 360.0
        self.times = (days[1:] - anchor) / DAYS_PER_YEAR
        self.discounts = curve.discount(self.times)
        self.half_spread_bp = float(half_spread_bp)
        self.margin_rate = float(margin_rate)

    def value_at(self, spread: npt.ArrayLike) -> FloatArray:
        """Value to the protection seller per unit notional at index spread(s), currency."""
        args = (self.coupon, self.recovery, self.times, self.accruals, self.discounts)
        return cdx_value(spread, *args)[0]

    def rpv01(self) -> float:
        """Risky annuity per unit notional, years."""
        args = (self.coupon, self.recovery, self.times, self.accruals, self.discounts)
        return float(cdx_value(self.spread, *args)[1])

    def spread_dv01(self) -> float:
        """Gain per unit notional (protection sold) for 1 bp of index tightening, currency."""
        up, dn = self.value_at(np.array([self.spread + BP, self.spread - BP]))
        return float((dn - up) / 2.0)

    def factor_loadings(self) -> dict[str, float]:
        """Per-unit loading on the risk model's spread factor: ``beta * spread DV01``."""
        return {f"spread:{self.sector}": self.beta * self.spread_dv01()}

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Value per unit under rate shifts: unchanged (no rate duration by convention)."""
        _, s = _as_shifts(key_years, shifts)
        return np.full(s.shape[0], self.base_value())

    def base_value(self) -> float:
        """Value to the protection seller per unit notional (minus the upfront), currency."""
        return float(self.value_at(self.spread))

    def risk(
        self,
        key_tenors: Sequence[str] | None = None,
        *,
        horizon_days: int = 0,
        horizon_date: Any = None,
        shift: float = 0.0,
    ) -> HedgeInstrumentRisk:
        """Zero rate risk, spread DV01, carry, cost and margin per unit notional."""
        labels, _ = check_key_tenors(self.key_tenors if key_tenors is None else key_tenors)
        horizon = _horizon(int(self.curve.anchor), horizon_days, horizon_date)
        sdv01 = self.spread_dv01()
        value = self.base_value()
        return HedgeInstrumentRisk(
            name=self.name,
            kind="cdx",
            unit="notional",
            price=value,
            # The upfront (-value for the buyer) is exchanged in cash at the trade, so the new
            # position adds nothing to the book's value (as a future's variation margin).
            market_value=0.0,
            notional=1.0,
            dv01=0.0,
            krd_dv01=np.zeros(len(labels)),
            key_tenors=labels,
            dollar_convexity=0.0,
            carry=self.coupon * horizon / 360.0,
            half_spread=self.half_spread_bp * sdv01,
            margin=self.margin_rate,
            methodology="flat-hazard CDS on the index spread (credit triangle); no rate duration",
            details={
                "series": self.series,
                "spread": self.spread,
                "coupon": self.coupon,
                "recovery": self.recovery,
                "rpv01": self.rpv01(),
                "spread_dv01": sdv01,
                "beta": self.beta,
                "sector": self.sector,
                "factor_loadings": self.factor_loadings(),
                "upfront_protection_buyer": -value,
                "maturity": to_iso([self.end_day])[0],
                "carry_note": "premium-leg accrual coupon x H / 360 for protection sold",
                "horizon_days": horizon,
            },
        )


__all__ = ["SERIES_DEFAULTS", "CdxIndex", "cdx_value"]

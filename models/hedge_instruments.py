"""Per-unit exposures of the hedge universe: SOFR OIS swaps, swaptions (futures: futures_hedge.py).

Each instrument object prices itself off one curve (Treasury curve for futures, SOFR curve for
swaps and swaptions) and offers

* :meth:`risk` -> :class:`HedgeInstrumentRisk`: the per-unit numbers the optimiser consumes
  (``krd_dv01``, ``dollar_convexity``, ``carry``, ``half_spread``, ``margin``) plus details;
* the **scenario protocol** (:class:`ScenarioInstrument`) used by the scenario engine:
  ``scenario_values(key_years, shifts)`` returns the value per unit (currency) under each of ``S``
  continuous zero-rate tent shift vectors ``shifts`` of shape ``(S, K)`` (decimal), by full
  revaluation vectorised over ``S``; ``base_value()`` is the unshifted value. P&L is the
  difference from the base value.

Units and signs
---------------
One unit is **one futures contract**, or **one currency unit of notional** for swaps and
swaptions. DV01 / ``krd_dv01`` are currency per 1 bp gained when rates FALL (positive for long
futures, receive-fixed swaps, long receiver swaptions). Dollar convexity is ``d2 V / dz2`` for a
parallel continuous zero-rate shift, currency per unit per (unit rate)^2. Carry is currency per
unit over the horizon. Key-rate figures are central differences (shift ``h``, default 1 bp) of
full repricing under the curves' tent-shaped zero-rate shifts; the tents sum to one, so KRDs add
up to the DV01 (to O(h^2)).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.bootstrap import parse_tenor, tenor_maturity
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import add_months, is_end_of_month, to_days, to_iso
from hedge_planner.models.daycount import DayCount, year_fraction
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.options import VolModel, swaption
from hedge_planner.models.risk import (
    DEFAULT_KEY_TENORS,
    DEFAULT_SHIFT,
    check_key_tenors,
)
from hedge_planner.models.swaps import (
    SwapSpec,
    build_swap_book,
    bump_matrix,
    risk_from_bumped,
    swap_carry_rolldown,
    swap_pv_shifted,
)
from hedge_planner.models.units import BP, DAYS_PER_YEAR
from hedge_planner.models.vol_shift import MIN_VOL, VolShift

Kind = Literal["future", "swap", "swaption", "future_option", "cap", "floor", "cdx"]
Unit = Literal["contracts", "notional"]

# A single zero shift: base values go through the scenario code path (bit-identical P&L = 0).
_ZERO_KEY = np.array([1.0])
_ZERO_SHIFT = np.zeros((1, 1))


# --------------------------------------------------------------------------------------------
# common result and protocol
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HedgeInstrumentRisk:
    """Per-unit analytics of one hedge instrument (the optimiser's ``Instrument`` numbers).

    Attributes
    ----------
    name
        Identifier.
    kind
        ``"future"``, ``"swap"`` or ``"swaption"``.
    unit
        ``"contracts"`` (futures) or ``"notional"`` (1 currency unit of notional).
    price
        Futures price (points per 100 face); swap PV or swaption premium per unit notional
        (currency).
    market_value
        Mark-to-market per unit that belongs in a portfolio's market value, currency: 0 for
        futures (variation margin settles it daily), the PV for swaps, the premium for swaptions.
    notional
        Notional per unit, currency: ``price / 100 * contract_size`` for futures, 1 otherwise.
    dv01
        Currency per bp per unit gained when all zero rates fall 1 bp (delta-adjusted for
        swaptions, vol held fixed).
    krd_dv01
        Same per key tenor, shape ``(K,)`` aligned with ``key_tenors``.
    key_tenors
        Key tenor labels.
    dollar_convexity
        ``d2 V / dz2`` (parallel zero shift), currency per unit per unit rate^2.
    carry
        Currency per unit over the horizon (see each instrument for its definition).
    half_spread
        Half bid-ask cost per unit traded, currency.
    margin
        Initial margin per unit, currency.
    methodology
        How the risk figures were computed.
    details
        Kind-specific figures (read-only mapping): CTD id, conversion factor, implied repo, net
        basis, roll date, forward swap rate, annuity, vega, ...
    """

    name: str
    kind: Kind
    unit: Unit
    price: float
    market_value: float
    notional: float
    dv01: float
    krd_dv01: FloatArray
    key_tenors: tuple[str, ...]
    dollar_convexity: float
    carry: float
    half_spread: float
    margin: float
    methodology: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        krd = np.array(self.krd_dv01, dtype=np.float64, copy=True)
        krd.setflags(write=False)
        object.__setattr__(self, "krd_dv01", krd)
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))
        if krd.shape != (len(self.key_tenors),):
            raise ValueError("krd_dv01 must have one entry per key tenor")

    def instrument_fields(self) -> dict[str, Any]:
        """Keyword arguments for ``solvers.problem.Instrument`` (per-unit figures only)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "krd_dv01": np.array(self.krd_dv01),
            "dollar_convexity": self.dollar_convexity,
            "carry": self.carry,
            "half_spread": self.half_spread,
            "margin": self.margin,
        }


@runtime_checkable
class ScenarioInstrument(Protocol):
    """What the scenario engine needs from an instrument (values per unit, currency)."""

    name: str
    kind: Kind

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Value per unit under each zero-rate tent shift row of ``shifts`` (S, K); shape (S,)."""
        ...

    def base_value(self) -> float:
        """Value per unit with no shift, currency."""
        ...


class _PerUnitRisk(ABC):
    """``dv01`` / ``krd_dv01`` / ``dollar_convexity`` attributes on the instrument itself.

    The scenario engine's delta-gamma approximation reads them from the pricer object; they
    are :meth:`risk` on the instrument's ``key_tenors`` (default shift), computed once and
    cached (curves are immutable).
    """

    key_tenors: tuple[str, ...]
    _risk_cache: HedgeInstrumentRisk | None = None

    @abstractmethod
    def risk(self, key_tenors: Sequence[str] | None = None) -> HedgeInstrumentRisk:
        """Per-unit risk of the instrument on ``key_tenors``."""

    def _cached_risk(self) -> HedgeInstrumentRisk:
        if self._risk_cache is None:
            self._risk_cache = self.risk(self.key_tenors)
        return self._risk_cache

    @property
    def dv01(self) -> float:
        """Currency per bp per unit gained when all zero rates fall 1 bp."""
        return self._cached_risk().dv01

    @property
    def krd_dv01(self) -> FloatArray:
        """Key-rate DV01s per unit on ``key_tenors``, currency per bp, shape ``(K,)``."""
        return self._cached_risk().krd_dv01

    @property
    def dollar_convexity(self) -> float:
        """Currency per unit per (unit rate)^2, parallel zero shift."""
        return self._cached_risk().dollar_convexity


def _horizon(anchor: int, horizon_days: int, horizon_date: Any) -> int:
    """Horizon in calendar days from the anchor (a date, when given, wins)."""
    days = int(horizon_days) if horizon_date is None else int(to_days(horizon_date)) - anchor
    if days < 0:
        raise ValueError("horizon must not be before the curve anchor")
    return days


def _as_shifts(key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    keys = np.asarray(key_years, dtype=np.float64)
    s = np.atleast_2d(np.asarray(shifts, dtype=np.float64))
    if s.ndim != 2 or keys.ndim != 1 or s.shape[1] != keys.size:
        raise ValueError(f"shifts must have shape (S, {keys.size}) matching key_years")
    return keys, s


# --------------------------------------------------------------------------------------------
# swaps
# --------------------------------------------------------------------------------------------
class SwapHedge(_PerUnitRisk):
    """A vanilla SOFR OIS as a hedge instrument, per 1 unit of notional.

    Parameters
    ----------
    spec
        Swap terms (``fixed_rate=None`` = at par on ``curve``, then frozen).
    curve
        SOFR curve.
    margin
        Initial margin per unit notional, currency.
    half_spread_bp
        Half bid-ask in running bp of fixed rate; the cost per unit notional is
        ``half_spread_bp * 1e-4 * annuity``.
    key_tenors
        Key tenors of :meth:`risk` and of the per-unit risk attributes.

    Notes
    -----
    ``risk().carry`` is the swap's carry (fixed minus forward-implied floating accrual over the
    horizon, :func:`models.swaps.swap_carry_rolldown`); roll-down is in ``details`` and is added
    to ``carry`` only with ``include_rolldown=True``.
    """

    kind: Kind = "swap"

    def __init__(
        self,
        spec: SwapSpec,
        curve: YieldCurve,
        *,
        margin: float = 0.0,
        half_spread_bp: float = 0.0,
        key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
    ) -> None:
        self.key_tenors = check_key_tenors(key_tenors)[0]
        self.name = spec.name
        self.spec = spec
        self.curve = curve
        self.book = build_swap_book(curve, spec)
        self.margin = float(margin)
        self.half_spread_bp = float(half_spread_bp)

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """PV per unit notional under each shift row, currency, shape ``(S,)``."""
        keys, s = _as_shifts(key_years, shifts)
        return swap_pv_shifted(self.curve, self.book, keys, s)[:, 0]

    def base_value(self) -> float:
        """PV per unit notional, currency."""
        return float(swap_pv_shifted(self.curve, self.book, _ZERO_KEY, _ZERO_SHIFT)[0, 0])

    def risk(
        self,
        key_tenors: Sequence[str] | None = None,
        *,
        horizon_days: int = 0,
        horizon_date: Any = None,
        shift: float = DEFAULT_SHIFT,
        include_rolldown: bool = False,
    ) -> HedgeInstrumentRisk:
        """Per-unit-notional DV01, KRD DV01s, dollar convexity, carry (and roll-down).

        ``key_tenors`` defaults to the instrument's; horizon as days or a date (the date wins);
        ``shift`` is the finite-difference shift (decimal). Currency per unit notional.
        """
        if not shift > 0:
            raise ValueError("shift must be positive")
        labels, keys = check_key_tenors(self.key_tenors if key_tenors is None else key_tenors)
        values = swap_pv_shifted(self.curve, self.book, keys, bump_matrix(keys.size, shift))
        pv, dv01, krd, cvx = risk_from_bumped(values[:, 0], keys.size, shift)
        horizon = _horizon(self.book.anchor, horizon_days, horizon_date)
        carry, roll = swap_carry_rolldown(self.curve, self.book, horizon)
        times = self.book.times()
        df = self.curve.discount(times)
        annuity = float(np.sum(self.book.accrual * df[:, 1:]))
        par = float((df[0, 0] - df[0, -1]) / annuity)
        return HedgeInstrumentRisk(
            name=self.name,
            kind="swap",
            unit="notional",
            price=float(pv),
            market_value=float(pv),
            notional=1.0,
            dv01=float(dv01),
            krd_dv01=krd,
            key_tenors=labels,
            dollar_convexity=float(cvx),
            carry=float(carry[0] + (roll[0] if include_rolldown else 0.0)),
            half_spread=self.half_spread_bp * BP * annuity,
            margin=self.margin,
            methodology="effective (curve-based): full repricing under SOFR zero-rate tents",
            details={
                "direction": self.spec.direction,
                "fixed_rate": float(self.book.fixed_rate[0]),
                "par_rate": par,
                "annuity": annuity,
                "start_date": to_iso(self.book.start_day)[0],
                "end_date": to_iso(self.book.end_day)[0],
                "carry": float(carry[0]),
                "rolldown": float(roll[0]),
                "carry_includes_rolldown": include_rolldown,
                "horizon_days": horizon,
            },
        )


# --------------------------------------------------------------------------------------------
# swaptions
# --------------------------------------------------------------------------------------------
class Swaption(_PerUnitRisk):
    """European payer/receiver swaption on a forward-starting SOFR OIS, per unit notional.

    Parameters
    ----------
    name
        Identifier.
    expiry
        Expiry as a tenor label from the anchor (``"1y"``) or a date; the underlying swap starts
        on the expiry date (no spot lag, as the curve convention).
    swap_tenor
        Underlying swap tenor (``"10y"``).
    curve
        SOFR curve.
    vol
        Normal vol (decimal rate per sqrt(year), 0.01 = 100 bp) or lognormal vol (decimal).
    strike
        Strike, decimal annual ACT/360; ``None`` = ATM (the forward swap rate on ``curve``).
    payer
        True for a payer (right to pay fixed), False for a receiver.
    model
        ``"normal"`` (Bachelier, default) or ``"lognormal"`` (Black-76).
    lognormal_shift
        Displacement for shifted Black-76, decimal.
    margin, half_spread
        Per unit notional, currency.
    key_tenors
        Key tenors of :meth:`risk` and of the per-unit risk attributes.

    Notes
    -----
    Forward swap rate ``F = (DF(s) - DF(e)) / A`` and annuity ``A = sum tau_i DF(t_i)`` on the
    SOFR curve; expiry time ``T`` = ACT/365F years. Risk is full repricing (F and A recomputed
    from the bumped curve) with the vol fixed, hence **delta-adjusted**. Carry = ``theta *
    min(H, T)``: long options bleed time value (theta per year holding F, A and vol fixed).
    """

    kind: Kind = "swaption"

    def __init__(
        self,
        name: str,
        expiry: Any,
        swap_tenor: str,
        curve: YieldCurve,
        vol: float,
        *,
        strike: float | None = None,
        payer: bool = True,
        model: VolModel | str = VolModel.NORMAL,
        lognormal_shift: float = 0.0,
        margin: float = 0.0,
        half_spread: float = 0.0,
        key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
        fixed_frequency: int = 1,
        fixed_day_count: DayCount = DayCount.ACT_360,
        expiry_day_count: DayCount = DayCount.ACT_365F,
    ) -> None:
        self.key_tenors = check_key_tenors(key_tenors)[0]
        self.name = name
        self.curve = curve
        anchor = int(curve.anchor)
        if isinstance(expiry, str):
            try:
                parse_tenor(expiry)
            except ValueError:
                self.expiry_day = int(to_days(expiry))
            else:
                self.expiry_day = tenor_maturity(anchor, expiry, bool(is_end_of_month(anchor)))
        else:
            self.expiry_day = int(to_days(expiry)) if not isinstance(expiry, int) else expiry
        if self.expiry_day <= anchor:
            raise AnalyticsError(f"{name}: expiry must be after the curve anchor")
        # Time to expiry under its day count (ACT/365F by default, days / 365).
        self.expiry = float(
            year_fraction(int(expiry_day_count), [anchor], [self.expiry_day], anchor, anchor, 1.0)[
                0
            ]
        )
        self.model = VolModel(model)
        self.vol = float(vol)
        self.lognormal_shift = float(lognormal_shift)
        self.payer = bool(payer)
        self.margin = float(margin)
        self.half_spread = float(half_spread)
        under = SwapSpec(name, swap_tenor, start=self.expiry_day, direction="pay")
        self.book = build_swap_book(curve, under)
        self._times = self.book.times()
        self._accrual = self.book.accrual[0]
        if (fixed_frequency, DayCount(fixed_day_count)) != (1, DayCount.ACT_360):
            self._times, self._accrual = _fixed_leg(
                curve, self.expiry_day, int(self.book.end_day[0]), fixed_frequency, fixed_day_count
            )
        self.forward, self.annuity = (float(x[0]) for x in self._forward_annuity(None, None))
        self.strike = self.forward if strike is None else float(strike)

    def _forward_annuity(
        self, keys: npt.ArrayLike | None, shifts: npt.ArrayLike | None
    ) -> tuple[FloatArray, FloatArray]:
        """Forward swap rate and annuity, shape ``(S,)`` (``(1,)`` unshifted)."""
        if keys is None or shifts is None:
            keys, shifts = _ZERO_KEY, _ZERO_SHIFT  # same path as the scenarios: exact base
        df = self.curve.discount_shifted(self._times, keys, shifts)
        df = df[:, 0, :]  # one underlying swap
        annuity = np.sum(self._accrual * df[:, 1:], axis=-1)
        return (df[:, 0] - df[:, -1]) / annuity, annuity

    def _price(self, forward: FloatArray, annuity: FloatArray, expiry: Any = None, vol: Any = None):
        return swaption(
            self.model,
            forward,
            self.strike,
            self.expiry if expiry is None else expiry,
            self.vol if vol is None else vol,
            annuity,
            1.0,
            self.payer,
            self.lognormal_shift,
        )

    def premium_at(self, *, vol: float | None = None, expiry: float | None = None) -> float:
        """Premium per unit notional with the vol or the expiry (years) overridden, F/A fixed."""
        return float(
            self._price(np.array([self.forward]), np.array([self.annuity]), expiry, vol).premium[0]
        )

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Premium per unit notional under each shift (vol fixed), currency, shape ``(S,)``."""
        keys, s = _as_shifts(key_years, shifts)
        f, a = self._forward_annuity(keys, s)
        return self._price(f, a).premium

    def _vol_move(self, shift: VolShift) -> float:
        """The option's own vol move for a normal-vol shift (lognormal: over F + shift)."""
        dn = float(shift(np.array([self.expiry]))[0])
        if self.model == VolModel.NORMAL:
            return dn
        return dn / (self.forward + self.lognormal_shift)

    def vol_scenario_value(self, shift: VolShift) -> float:
        """Premium per unit notional repriced in full with the vol shifted, curve fixed."""
        return self.premium_at(vol=max(self.vol + self._vol_move(shift), MIN_VOL))

    def vol_scenario_approximation(self, shift: VolShift) -> float:
        """First-order change per unit notional: vega (per 1.00 of vol) x the vol move."""
        res = self._price(np.array([self.forward]), np.array([self.annuity]))
        return float(res.vega[0]) * self._vol_move(shift)

    def base_value(self) -> float:
        """Premium per unit notional, currency."""
        return self.premium_at()

    def risk(
        self,
        key_tenors: Sequence[str] | None = None,
        *,
        horizon_days: int = 0,
        horizon_date: Any = None,
        shift: float = DEFAULT_SHIFT,
    ) -> HedgeInstrumentRisk:
        """Premium, delta-adjusted DV01/KRDs, dollar convexity, vega, theta and carry.

        ``key_tenors`` defaults to the instrument's; horizon as days or a date (the date wins);
        ``shift`` is the finite-difference shift (decimal). Currency per unit notional; ``vega``
        per 1.00 of vol and ``vega_per_vol_unit`` per 1 bp normal / 1 point lognormal vol.
        """
        if not shift > 0:
            raise ValueError("shift must be positive")
        labels, keys = check_key_tenors(self.key_tenors if key_tenors is None else key_tenors)
        values = self.scenario_values(keys, bump_matrix(keys.size, shift))
        premium, dv01, krd, cvx = risk_from_bumped(values, keys.size, shift)
        greeks = self._price(np.array([self.forward]), np.array([self.annuity]))
        horizon = _horizon(int(self.curve.anchor), horizon_days, horizon_date)
        theta = float(greeks.theta[0])
        carry = theta * min(horizon / DAYS_PER_YEAR, self.expiry)
        return HedgeInstrumentRisk(
            name=self.name,
            kind="swaption",
            unit="notional",
            price=float(premium),
            market_value=float(premium),
            notional=1.0,
            dv01=float(dv01),
            krd_dv01=krd,
            key_tenors=labels,
            dollar_convexity=float(cvx),
            carry=carry,
            half_spread=self.half_spread,
            margin=self.margin,
            methodology="delta-adjusted: full repricing of F, annuity under SOFR tents, vol fixed",
            details={
                "payer": self.payer,
                "model": self.model.value,
                "vol": self.vol,
                "strike": self.strike,
                "forward_swap_rate": self.forward,
                "annuity": self.annuity,
                "expiry_date": to_iso([self.expiry_day])[0],
                "expiry_years": self.expiry,
                "swap_end_date": to_iso(self.book.end_day)[0],
                "unit_delta": float(greeks.unit_delta[0]),
                "delta_per_bp": float(greeks.delta_per_bp[0]),
                "vega": float(greeks.vega[0]),
                # Quoted unit of vol: 1 bp normal vol, or 1 percentage point lognormal vol.
                "vega_per_vol_unit": float(
                    greeks.vega_per_bp[0]
                    if self.model is VolModel.NORMAL
                    else greeks.vega_per_pct[0]
                ),
                "theta_per_year": theta,
                "theta_per_day": float(greeks.theta_per_day[0]),
                "horizon_days": horizon,
            },
        )


def _fixed_leg(
    curve: YieldCurve, start: int, end: int, frequency: int, day_count: DayCount
) -> tuple[FloatArray, FloatArray]:
    """Times ``[start, pay_1..pay_m]`` (ACT/365F years, shape ``(1, m + 1)``) and accruals.

    Payment dates run backward from ``end`` every ``12 / frequency`` months (end-of-month rule
    from the start date; a broken period is a front stub); accruals are the day count's year
    fractions, ACT/ACT taking each period's regular length as its reference.
    """
    if frequency not in (1, 2, 4, 12):
        raise ValueError("fixed_frequency must be 1, 2, 4 or 12")
    step = 12 // frequency
    eom = bool(is_end_of_month(start))
    n = 0
    while int(add_months(end, -step * (n + 1), eom)) > start:
        n += 1
    pays = add_months(np.full(n + 1, end), -step * np.arange(n, -1, -1), eom).astype(np.int64)
    starts = np.concatenate(([start], pays[:-1])).astype(np.int64)
    ref_start = add_months(pays, -step, eom)
    acc = year_fraction(int(day_count), starts, pays, ref_start, pays, float(frequency))
    days = np.concatenate(([start], pays))
    times = ((days - int(curve.anchor)) / DAYS_PER_YEAR)[None, :]
    return np.asarray(times, dtype=np.float64), np.asarray(acc, dtype=np.float64)


__all__ = [
    "HedgeInstrumentRisk",
    "ScenarioInstrument",
    "SwapHedge",
    "Swaption",
]

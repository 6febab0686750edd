"""The Treasury future as a hedge instrument: per-unit risk off its cheapest-to-deliver basket.

The shared per-unit machinery (:class:`HedgeInstrumentRisk`, the scenario protocol) and the
SOFR swaps and swaptions are in :mod:`hedge_planner.models.hedge_instruments`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import BondBook, CashflowSchedule, build_schedule
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import NO_DATE, to_days, to_iso
from hedge_planner.models.daycount import DayCount
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures import (
    ContractTable,
    contract_dates,
    conversion_factor,
    get_contract,
    is_deliverable,
)
from hedge_planner.models.futures_basis import (
    BasisResult,
    basis_analytics,
    theoretical_futures_price,
)
from hedge_planner.models.hedge_instruments import (
    _ZERO_KEY,
    _ZERO_SHIFT,
    HedgeInstrumentRisk,
    Kind,
    _as_shifts,
    _horizon,
    _PerUnitRisk,
)
from hedge_planner.models.hedge_ratios import futures_dv01_per_contract
from hedge_planner.models.risk import (
    DEFAULT_KEY_TENORS,
    DEFAULT_SHIFT,
    check_key_tenors,
    solve_z_spread,
)
from hedge_planner.models.swaps import (
    bump_matrix,
    risk_from_bumped,
)
from hedge_planner.models.units import BP
from hedge_planner.models.yield_risk import dirty_price_from_yield, yield_from_dirty_price

if TYPE_CHECKING:  # pandas is imported where the basket table is built
    import pandas as pd


# --------------------------------------------------------------------------------------------
# Treasury futures
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeliverableBond:
    """A Treasury in a futures basket (semiannual, ACT/ACT, end-of-month rule).

    Attributes
    ----------
    id
        Identifier (CUSIP or description).
    coupon
        Annual coupon, decimal.
    maturity
        Maturity date (day serial, ``datetime.date`` or ISO string).
    clean_price
        Clean price per 100 face at the analysis (settlement) date; or give ``yield_``.
    yield_
        Yield to maturity, decimal, semiannual street convention; used when no clean price.
    issue_date
        Issue date (optional; checks the contract's original-term rule).
    """

    id: str
    coupon: float
    maturity: Any
    clean_price: float | None = None
    yield_: float | None = None
    issue_date: Any = None


def _basket_clean_prices(
    name: str, basket: Sequence[DeliverableBond], sched: CashflowSchedule
) -> FloatArray:
    """Clean prices per 100 of the basket: given, or from yields (street convention)."""
    clean = np.array([np.nan if b.clean_price is None else b.clean_price for b in basket])
    need = np.isnan(clean)
    if need.any():
        ylds = np.array([np.nan if b.yield_ is None else b.yield_ for b in basket])
        if np.isnan(ylds[need]).any():
            raise AnalyticsError(f"{name}: every basket bond needs a clean price or a yield")
        from_yield = dirty_price_from_yield(sched, np.where(need, ylds, 0.0))
        clean = np.where(need, from_yield - sched.accrued, clean)
    return clean


def _coupons_before_delivery(
    name: str, sched: CashflowSchedule, delivery_day: int
) -> tuple[FloatArray, IntArray]:
    """Coupon income per 100 paid on or before delivery, and its date (delivery day if none).

    The holder receives that coupon; the delivered bond excludes it.
    """
    pre = sched.pay_dates <= delivery_day
    n_pre = sched.per_bond(pre.astype(np.float64))
    if np.any(n_pre > 1):
        raise AnalyticsError(
            f"{name}: more than one coupon before delivery is not supported "
            "(contract month too far ahead)"
        )
    coupon_income = sched.per_bond(np.where(pre, sched.amounts, 0.0))
    coupon_date = np.full(sched.n_bonds, delivery_day, dtype=np.int64)
    first = sched.offsets[:-1]
    return coupon_income, np.where(n_pre > 0, sched.pay_dates[first], coupon_date)


class TreasuryFuture(_PerUnitRisk):
    """A CME Treasury futures contract month valued off its deliverable basket.

    Parameters
    ----------
    name
        Identifier of the instrument (e.g. ``"TYH4"``).
    code
        Contract code or alias (``"TY"``, ``"ZN"``, ``"FV"``, ``"US"`` ...).
    year, month
        Contract (delivery) month.
    basket
        Deliverable bonds with a clean price or a yield.
    repo_rate
        Term repo rate to delivery, decimal simple ACT/360 (scalar or one per bond).
    curve
        Treasury discount curve anchored on the analysis = settlement date.
    market_price
        Market futures price (points per 100); ``None`` uses the theoretical price.
    margin
        Initial margin per contract, currency.
    half_spread
        Half bid-ask per contract, currency; default half a tick value.
    delivery
        ``"last"`` (last delivery day, default), ``"first"`` (first delivery day) or a date
        between the two, as the delivery date of the forward/basis calculation.
    table
        Contract table (default: the packaged CME table).
    key_tenors
        Key tenors of :meth:`risk` and of the ``dv01`` / ``krd_dv01`` / ``dollar_convexity``
        attributes (default 6m ... 30y).
    reinvestment_rate, reinvestment_basis
        Simple rate (decimal) at which a coupon paid before delivery is reinvested to delivery,
        on an ACT/360 (360) or ACT/365F (365) basis; ``None`` reinvests at repo (ACT/360).

    Notes
    -----
    Pricing model (delivery options are not valued):

    * Each basket bond is priced off the Treasury curve plus its own z-spread (solved to its
      market dirty price), so the base point reproduces market prices.
    * Forward clean price at delivery, repo held fixed (a money-market input, not a point on
      the Treasury curve): ``fwd = dirty (1 + r d/360) - C (1 + r d2/360) - AI_del``, with ``C``
      the coupon paid before delivery (and ``d2`` days from it to delivery) -- exactly
      :func:`models.futures_basis.basis_analytics`.
    * CTD = highest implied repo (:class:`BasisResult`); theoretical price
      ``min_i fwd_i / CF_i``; futures price = market if given, else theoretical.
    * Under curve shifts every basket forward is recomputed and the minimum over the basket is
      taken (the CTD may switch). With a market price, the market-minus-theoretical basis is held
      fixed: ``F(s) = F_mkt + theo(s) - theo(0)``.
    * DV01/KRD per contract = CTD forward DV01 / CF * contract_size / 100 with the CTD held fixed
      (central difference of the CTD forward under parallel / tent bumps); dollar convexity the
      same second difference.
    * Carry of a long contract over a horizon ``h`` is the carry of the CTD it stands for, per
      conversion factor: the CTD repriced at its own (unchanged) yield at ``min(h, T)``, plus the
      coupons it pays, minus the dirty price financed at repo (ACT/360), times
      ``size / 100 / CF``. At unchanged yield a discount CTD accretes toward par, so the carry is
      yield-to-maturity minus repo, not current yield minus repo. In an inverted curve (repo
      above the CTD's yield) a long position bleeds. A position held past the roll date is
      rolled into the next contract and carries as that contract does
      (:meth:`horizon_carry`).
    """

    kind: Kind = "future"

    def __init__(
        self,
        name: str,
        code: str,
        year: int,
        month: int,
        basket: Sequence[DeliverableBond],
        repo_rate: npt.ArrayLike,
        curve: YieldCurve,
        *,
        market_price: float | None = None,
        margin: float = 0.0,
        half_spread: float | None = None,
        delivery: Literal["first", "last"] | Any = "last",
        table: ContractTable | None = None,
        key_tenors: Sequence[str] = DEFAULT_KEY_TENORS,
        reinvestment_rate: float | None = None,
        reinvestment_basis: float = 360.0,
        roll_into: TreasuryFuture | None = None,
        calendar_spread: float | None = None,
    ) -> None:
        self.key_tenors = check_key_tenors(key_tenors)[0]
        # Where a position held past the roll date goes: the next contract (its own basket) or,
        # failing that, a market calendar spread (front minus next, points per 100).
        self.roll_into = roll_into
        self.calendar_spread = None if calendar_spread is None else float(calendar_spread)
        self.table = table
        if not basket:
            raise AnalyticsError(f"{name}: empty deliverable basket")
        self.name = name
        self.contract = get_contract(code, table)
        self.curve = curve
        self.year, self.month = int(year), int(month)
        self.dates = contract_dates(self.contract.code, self.year, self.month, table)
        self.settle = int(curve.anchor)
        self.delivery_day = self._delivery_day(name, delivery)
        if self.delivery_day <= self.settle:
            raise AnalyticsError(f"{name}: delivery is not after the curve anchor")
        self.margin = float(margin)
        self.half_spread = (
            0.5 * self.contract.tick_value if half_spread is None else float(half_spread)
        )

        ids = [b.id for b in basket]
        maturity = to_days([b.maturity for b in basket]).astype(np.int64)
        issue = np.array(
            [NO_DATE if b.issue_date is None else int(to_days(b.issue_date)) for b in basket],
            dtype=np.int64,
        )
        ok = is_deliverable(self.contract.code, self.year, self.month, maturity, issue, table)
        if not ok.all():
            bad = [i for i, good in zip(ids, ok, strict=True) if not good]
            raise AnalyticsError(f"{name}: not deliverable into {self.contract.code}: {bad}")
        coupon = np.array([b.coupon for b in basket], dtype=np.float64)
        self.book = BondBook.from_arrays(
            ids, 100.0, coupon, maturity, 2, DayCount.ACT_ACT, issue, eom=True
        )
        self.sched = build_schedule(self.book, self.settle)
        accrued_delivery = build_schedule(self.book, self.delivery_day).accrued

        clean = _basket_clean_prices(name, basket, self.sched)
        dirty = clean + self.sched.accrued
        coupon_income, coupon_date = _coupons_before_delivery(name, self.sched, self.delivery_day)

        self.cf = conversion_factor(
            self.contract.code, self.year, self.month, coupon, maturity, table
        )
        self.repo = np.broadcast_to(np.asarray(repo_rate, dtype=np.float64), coupon.shape).copy()
        self.reinvestment_rate = None if reinvestment_rate is None else float(reinvestment_rate)
        self.reinvestment_basis = float(reinvestment_basis)
        self.clean_price = clean
        self.accrued_now = self.sched.accrued.copy()
        self.accrued_delivery = accrued_delivery
        self.coupon_income = coupon_income
        self.coupon_date = coupon_date
        self.z_spread = solve_z_spread(self.sched, curve, dirty)

        def basis(price: float) -> BasisResult:
            return basis_analytics(
                clean, self.accrued_now, accrued_delivery, self.cf, price, self.repo,
                self.settle, self.delivery_day, coupon_income, coupon_date,
                self.reinvestment_rate, self.reinvestment_basis,
            )  # fmt: skip

        fwd_clean = basis(0.0).forward_clean
        self.theoretical_price, self.theoretical_ctd_index = theoretical_futures_price(
            fwd_clean, self.cf
        )
        self.market_price = None if market_price is None else float(market_price)
        self.futures_price = (
            self.theoretical_price if self.market_price is None else self.market_price
        )
        self.basis: BasisResult = basis(self.futures_price)
        self.ctd_index = self.basis.ctd_index

        self._prepare_flows(coupon_income, coupon_date)

    def _prepare_flows(self, coupon_income: FloatArray, coupon_date: IntArray) -> None:
        """Flow-level pieces for batched repricing under shifts (repo on ACT/360)."""
        t = self.curve.time(self.sched.pay_dates)
        self._t = np.asarray(t, dtype=np.float64)
        self._v = self.sched.amounts * np.exp(-self.z_spread[self.sched.bond] * self._t)
        days = self.delivery_day - self.settle
        d2 = np.where(coupon_income != 0, self.delivery_day - coupon_date, 0)
        self._grow = 1.0 + self.repo * days / 360.0
        if self.reinvestment_rate is None:
            self._coupon_fv = coupon_income * (1.0 + self.repo * d2 / 360.0)
        else:
            growth = self.reinvestment_rate * d2 / self.reinvestment_basis
            self._coupon_fv = coupon_income * (1.0 + growth)
        # Theoretical price through the scenario path itself, so a zero shift gives exactly the
        # base value (P&L 0 to the last bit) whatever the rounding of the basis calculation.
        fwd0 = self.forward_clean_shifted(_ZERO_KEY, _ZERO_SHIFT)[0]
        self._theo_path0 = float(np.min(fwd0 / self.cf))

    def _delivery_day(self, name: str, delivery: Any) -> int:
        """``"first"``, ``"last"`` or a date inside the delivery window, as a day serial."""
        first, last = int(self.dates.first_delivery_day), int(self.dates.last_delivery_day)
        if isinstance(delivery, str) and delivery in ("first", "last"):
            return last if delivery == "last" else first
        try:
            day = int(to_days(delivery))
        except (TypeError, ValueError):
            raise ValueError("delivery must be 'first', 'last' or a date") from None
        if not first <= day <= last:
            raise AnalyticsError(
                f"{name}: delivery {to_iso([day])[0]} is outside the delivery window "
                f"{to_iso([first])[0]} to {to_iso([last])[0]}"
            )
        return day

    # ------------------------------------------------------------------ pricing under shifts
    @property
    def ids(self) -> tuple[str, ...]:
        """Basket bond ids."""
        return self.book.ids

    @property
    def ctd_id(self) -> str:
        """Id of the cheapest-to-deliver (highest implied repo)."""
        return self.book.ids[self.ctd_index]

    def forward_clean_shifted(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Forward clean prices (per 100) of every basket bond under each shift: ``(S, n)``.

        Bonds reprice off the shifted Treasury curve plus their fixed z-spreads; repo is fixed.
        """
        keys, s = _as_shifts(key_years, shifts)
        df = self.curve.discount_shifted(self._t, keys, s)  # (S, N flows)
        dirty = self.sched.per_bond_rows(df * self._v)  # (S, n)
        return dirty * self._grow - self._coupon_fv - self.accrued_delivery

    def futures_price_shifted(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Full-revaluation futures price (points per 100) under each shift, shape ``(S,)``.

        ``F_base + theo(s) - theo(0)`` with ``theo(s) = min_i fwd_i(s) / CF_i`` over the whole
        basket (the CTD may switch): the market-minus-theoretical basis is held fixed.
        """
        theo = np.min(self.forward_clean_shifted(key_years, shifts) / self.cf, axis=1)
        return self.futures_price + (theo - self._theo_path0)

    def scenario_values(self, key_years: npt.ArrayLike, shifts: npt.ArrayLike) -> FloatArray:
        """Futures price / 100 * contract size under each shift, currency per contract, ``(S,)``."""
        return self.futures_price_shifted(key_years, shifts) / 100.0 * self.contract.contract_size

    def base_value(self) -> float:
        """Futures price / 100 * contract size, currency per contract."""
        return self.futures_price / 100.0 * self.contract.contract_size

    # ------------------------------------------------------------------ risk
    def basket_frame(self) -> pd.DataFrame:
        """One row per deliverable bond: prices, CF, forward, basis, implied repo, CTD flag."""
        import pandas as pd

        b = self.basis
        return pd.DataFrame(
            {
                "id": list(self.book.ids),
                "coupon": self.book.coupon,
                "maturity": to_iso(self.book.maturity),
                "clean_price": self.clean_price,
                "accrued_now": self.accrued_now,
                "accrued_delivery": self.accrued_delivery,
                "coupon_income": self.coupon_income,
                "conversion_factor": self.cf,
                "z_spread": self.z_spread,
                "forward_clean": b.forward_clean,
                "gross_basis": b.gross_basis,
                "net_basis": b.net_basis,
                "implied_repo": b.implied_repo,
                "is_ctd": np.arange(len(self.book)) == self.ctd_index,
            }
        )

    @property
    def roll_day(self) -> int:
        """Day serial a position is rolled: the earlier of first notice and last trading day."""
        return int(min(self.dates.first_notice_day, self.dates.last_trading_day))

    def yield_dv01_per_contract(self) -> float:
        """DV01 per contract on the desk's yield convention, currency per bp.

        The CTD's DV01 at its own street yield (central difference of 1 bp on today's dirty
        price) divided by its conversion factor, times contract size / 100; beside the
        curve-based figure of :meth:`risk` (the CTD forward off the shifted curve).
        """
        ctd = self.ctd_index
        sched0 = self.sched.subset([ctd])
        y0 = yield_from_dirty_price(sched0, [float(self.clean_price[ctd] + self.accrued_now[ctd])])
        up = float(dirty_price_from_yield(sched0, y0 + BP)[0])
        down = float(dirty_price_from_yield(sched0, y0 - BP)[0])
        cf = float(self.cf[ctd])
        return (down - up) / 2.0 / cf * self.contract.contract_size / 100.0

    def ctd_carry_between(self, start: int, end: int) -> float:
        """CTD carry per 100 face over ``[start, end]`` (day serials) at its unchanged yield.

        The CTD is repriced at today's yield on both dates; carry = dirty(end) + coupons paid in
        ``(start, end]`` - dirty(start) - dirty(start) x repo x days / 360. With ``start`` = today
        this is the holding carry of the class notes.
        """
        if end <= start:
            return 0.0
        ctd = self.ctd_index
        one = self.book.subset([ctd])
        sched0 = self.sched.subset([ctd])
        y0 = yield_from_dirty_price(sched0, [float(self.clean_price[ctd] + self.accrued_now[ctd])])
        d_start = float(dirty_price_from_yield(build_schedule(one, start), y0)[0])
        d_end = float(dirty_price_from_yield(build_schedule(one, end), y0)[0])
        paid = (sched0.pay_dates > start) & (sched0.pay_dates <= end)
        coupons = float(sched0.amounts[paid].sum())
        financing = d_start * float(self.repo[ctd]) * (end - start) / 360.0
        return d_end + coupons - d_start - financing

    def contract_carry_between(self, start: int, end: int) -> float:
        """Carry of one long contract over ``[start, end]``, currency (CTD carry / CF)."""
        cf = float(self.cf[self.ctd_index])
        return self.ctd_carry_between(start, end) / cf * self.contract.contract_size / 100.0

    def horizon_carry(self, horizon: int) -> tuple[float, dict[str, Any]]:
        """Carry of one long position held ``horizon`` days, rolled at the roll date, currency.

        Up to the horizon or the roll date, whichever is first: this contract's CTD carry at
        unchanged yield. After the roll date (one convention with swaps: income accrued at
        unchanged rates, over the whole horizon) the position is in the next contract:

        * ``roll_into`` given: the next contract's CTD carry from the roll date to the horizon
          (its own basket, repo and conversion factor), contract for contract;
        * else a market ``calendar_spread`` (front minus next, points per 100): the next
          contract earns the spread spread evenly between the two delivery dates;
        * else (no next-contract data): this contract's carry to delivery, its rate extended
          beyond, flagged in the returned details (``roll_priced`` False).

        Returns
        -------
        (float, dict)
            Carry per long contract (currency) and its parts (``carry_front``,
            ``carry_after_roll``, ``roll_method``, ``roll_priced``, ``roll_value``: the
            market calendar spread's richness against the fair spread per long contract rolled).
        """
        end = self.settle + max(int(horizon), 0)
        info: dict[str, Any] = {"roll_value": 0.0}
        if self.roll_into is None and self.calendar_spread is None:
            # No next-contract data: held to delivery, then rolled at the same carry rate.
            held = min(end, self.delivery_day) - self.settle
            front = self.contract_carry_between(self.settle, self.settle + held)
            carry = front * (end - self.settle) / held if held > 0 else 0.0
            info.update(carry_front=front, carry_after_roll=carry - front)
            info["roll_priced"] = end <= self.roll_day
            info["roll_method"] = (
                "none before the horizon"
                if end <= self.roll_day
                else "no next-contract data: held to delivery, this contract's carry rate "
                "extended beyond"
            )
            return carry, info
        front_end = min(end, self.roll_day)
        front = self.contract_carry_between(self.settle, front_end)
        info["carry_front"] = front
        if end <= self.roll_day:
            info.update(carry_after_roll=0.0, roll_method="none before the horizon")
            info["roll_priced"] = True
            return front, info
        size = self.contract.contract_size
        if self.roll_into is not None:
            nxt = self.roll_into
            after = nxt.contract_carry_between(self.roll_day, end)
            info["roll_method"] = f"next contract {nxt.name} (its basket, CTD {nxt.ctd_id})"
            if self.calendar_spread is not None:
                fair = self.theoretical_price - nxt.theoretical_price
                info["fair_calendar_spread"] = fair
                info["roll_value"] = (self.calendar_spread - fair) / 100.0 * size
        else:
            assert self.calendar_spread is not None
            nxt_year, nxt_month = _next_quarter(self.year, self.month)
            nxt_dates = contract_dates(self.contract.code, nxt_year, nxt_month, self.table)
            gap = max(int(nxt_dates.last_delivery_day) - self.delivery_day, 1)
            after = self.calendar_spread / 100.0 * size * (end - self.roll_day) / gap
            info["roll_method"] = "market calendar spread spread over the delivery gap"
        info["roll_priced"] = True
        info["carry_after_roll"] = after
        return front + after, info

    def risk(
        self,
        key_tenors: Sequence[str] | None = None,
        *,
        horizon_days: int = 0,
        horizon_date: Any = None,
        shift: float = DEFAULT_SHIFT,
    ) -> HedgeInstrumentRisk:
        """Per-contract DV01, KRD DV01s, dollar convexity and the basis details.

        Parameters
        ----------
        key_tenors
            Key tenor labels (must include 2y, 5y, 10y, 30y); default the instrument's.
        horizon_days, horizon_date
            Holding horizon (days from the anchor, or a date which wins); sets
            ``rolls_before_horizon`` (roll date on or before the horizon date).
        shift
            Finite-difference shift, decimal.

        Returns
        -------
        HedgeInstrumentRisk
            Per contract; ``price`` in points per 100, currency figures per contract.
        """
        if not shift > 0:
            raise ValueError("shift must be positive")
        labels, keys = check_key_tenors(self.key_tenors if key_tenors is None else key_tenors)
        fwd = self.forward_clean_shifted(keys, bump_matrix(keys.size, shift))
        ctd = self.ctd_index
        cf, size = float(self.cf[ctd]), self.contract.contract_size
        _, fwd_dv01, fwd_krd, fwd_cvx = risk_from_bumped(fwd[:, ctd], keys.size, shift)
        dv01 = float(futures_dv01_per_contract(fwd_dv01, cf, size))
        krd = futures_dv01_per_contract(fwd_krd, cf, size)
        horizon = _horizon(self.settle, horizon_days, horizon_date)
        roll_day = self.roll_day
        dv01_yield = self.yield_dv01_per_contract()
        b = self.basis
        carry, carry_parts = self.horizon_carry(horizon)
        details = {
            "contract": self.contract.code,
            "contract_month": f"{self.year:04d}-{self.month:02d}",
            "contract_size": size,
            "tick_value": self.contract.tick_value,
            "ctd_id": self.ctd_id,
            "ctd_index": ctd,
            "theoretical_ctd_id": self.book.ids[self.theoretical_ctd_index],
            "conversion_factor": cf,
            "implied_repo": float(b.implied_repo[ctd]),
            "repo_rate": float(self.repo[ctd]),
            "gross_basis": float(b.gross_basis[ctd]),
            "net_basis": float(b.net_basis[ctd]),
            "ctd_forward_clean": float(b.forward_clean[ctd]),
            "ctd_forward_dv01_per_100": float(fwd_dv01),
            "ctd_z_spread": float(self.z_spread[ctd]),
            "theoretical_price": self.theoretical_price,
            "market_price": self.market_price,
            "basis_convergence_per_contract": (self.theoretical_price - self.futures_price)
            / 100.0
            * size,
            "delivery_date": to_iso([self.delivery_day])[0],
            "first_notice_day": to_iso([self.dates.first_notice_day])[0],
            "last_trading_day": to_iso([self.dates.last_trading_day])[0],
            "roll_date": to_iso([roll_day])[0],
            "horizon_date": to_iso([self.settle + horizon])[0],
            "rolls_before_horizon": bool(roll_day <= self.settle + horizon),
            "dv01_yield_convention": dv01_yield,
            "dv01_yield_note": "desk convention: the CTD's DV01 at its own yield (spot, "
            "semi-annual street yield, central 1 bp) / CF x contract size / 100",
            "basis_source": "market" if self.market_price is not None else "theoretical",
            "carry_note": "CTD carry at unchanged yield (accretion + coupons - repo financing) "
            "/ CF to the roll date, then the next contract's (roll_method)",
            **carry_parts,
        }
        return HedgeInstrumentRisk(
            name=self.name,
            kind="future",
            unit="contracts",
            price=self.futures_price,
            market_value=0.0,
            notional=self.base_value(),
            dv01=dv01,
            krd_dv01=krd,
            key_tenors=labels,
            dollar_convexity=float(fwd_cvx / cf * size / 100.0),
            carry=carry,
            half_spread=self.half_spread,
            margin=self.margin,
            methodology=(
                "effective (curve-based): CTD forward off Treasury curve + z-spread, repo fixed, "
                "/ CF, CTD held fixed"
            ),
            details=details,
        )


def _next_quarter(year: int, month: int) -> tuple[int, int]:
    """The next quarterly (Mar/Jun/Sep/Dec) contract month after ``year``-``month``."""
    nxt = month + 3 - (month % 3 if month % 3 else 0)
    return (year + 1, nxt - 12) if nxt > 12 else (year, nxt)


def next_contract_month(year: int, month: int) -> tuple[int, int]:
    """The quarterly contract month a position in ``year``-``month`` rolls into."""
    return _next_quarter(year, month)

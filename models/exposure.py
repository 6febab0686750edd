"""Portfolio rate exposure with derivatives, the practitioners' way.

Methodology
-----------
* **Numerator** (DV01, key-rate DV01s, dollar convexity): cash bonds contribute their effective
  (curve-based) figures; every derivative position adds ``quantity * per-unit figure`` from
  :class:`models.hedge_instruments.HedgeInstrumentRisk` (futures via the CTD, swaps by full
  repricing, swaptions **delta-adjusted** with vol fixed). Units: DV01 in currency per bp gained
  when rates fall; dollar convexity in currency per (unit rate)^2.
* **Denominator** = portfolio **market value**: cash bonds' dirty market value plus the
  derivatives' mark-to-market (swap PV, option premium, CDS upfront/MTM). Futures add 0 (daily
  variation margin) and notionals **never** enter it, so a futures overlay changes duration
  through its DV01 only: ``duration = DV01 / (MV * 1e-4)``, ``KRD_k = krd_dv01_k / (MV * 1e-4)``,
  ``convexity = dollar convexity / MV`` (years, years^2).
* **Notional exposure**: futures ``contracts * price / 100 * contract_size``, swaps and
  swaptions their notional, CDS their notional. ``gross_notional`` sums their absolute values;
  ``leverage = (cash market value + gross_notional) / MV`` (1.0 for an unlevered bond book).
* **Credit default swaps** carry zero rate duration (their small rate sensitivity is ignored by
  convention) and a spread DV01 given per unit notional as an input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.hedge_instruments import HedgeInstrumentRisk
from hedge_planner.models.risk import CurveRisk
from hedge_planner.models.units import BP

if TYPE_CHECKING:  # pandas is imported where the positions table is built
    import pandas as pd

#: Methodology labels attached to every figure.
EFFECTIVE = "effective (curve-based)"
DELTA_ADJUSTED = "delta-adjusted"
CTD_BASED = "CTD-based (CTD forward DV01 / CF)"
SUPPLIED = "supplied"


@dataclass(frozen=True)
class CashBook:
    """Aggregate rate risk of the cash bond book.

    Attributes
    ----------
    market_value
        Dirty market value, currency.
    krd_dv01
        Key-rate DV01s, currency per bp (gain when the key rate falls), shape ``(K,)``.
    key_tenors
        Key tenor labels aligned with ``krd_dv01``.
    dollar_convexity
        ``d2 MV / dz2``, currency per (unit rate)^2.
    spread_dv01
        Currency per bp gained when spreads tighten 1 bp.
    dv01
        Parallel DV01, currency per bp; default the sum of ``krd_dv01``.
    name
        Label in reports.
    methodology
        How the figures were computed.
    """

    market_value: float
    krd_dv01: FloatArray
    key_tenors: tuple[str, ...]
    dollar_convexity: float = 0.0
    spread_dv01: float = 0.0
    dv01: float | None = None
    name: str = "cash bonds"
    methodology: str = EFFECTIVE

    def __post_init__(self) -> None:
        krd = np.array(self.krd_dv01, dtype=np.float64, copy=True)
        if krd.shape != (len(self.key_tenors),):
            raise ValueError("krd_dv01 must have one entry per key tenor")
        krd.setflags(write=False)
        object.__setattr__(self, "krd_dv01", krd)
        # Without a parallel DV01 the key-rate sum stands in (equal up to O(h^2)).
        total = float(krd.sum()) if self.dv01 is None else float(self.dv01)
        object.__setattr__(self, "dv01", total)

    @classmethod
    def from_curve_risk(cls, risk: CurveRisk, name: str = "cash bonds") -> CashBook:
        """Aggregate a book's :func:`models.risk.curve_risk` result.

        KRD DV01s are summed over positions; dollar convexity is ``sum(C_i * MV_i)`` and spread
        DV01 ``sum(spread_duration_i * MV_i) * 1e-4``.
        """
        mv = risk.market_value
        return cls(
            market_value=float(mv.sum()),
            krd_dv01=risk.krd.krd_dv01.sum(axis=0),
            key_tenors=tuple(risk.krd.tenors),
            dollar_convexity=float(np.sum(risk.effective_convexity * mv)),
            spread_dv01=float(np.sum(risk.spread_duration * mv) * BP),
            dv01=float(risk.dv01.sum()),
            name=name,
        )


@dataclass(frozen=True)
class Holding:
    """A position in a hedge instrument.

    Attributes
    ----------
    risk
        Per-unit analytics of the instrument.
    quantity
        Units held: contracts (futures) or currency notional (swaps, swaptions). Positive = long
        futures / receive fixed / long option.
    """

    risk: HedgeInstrumentRisk
    quantity: float


@dataclass(frozen=True)
class CdsPosition:
    """A credit default swap position: spread risk only, no rate duration.

    Attributes
    ----------
    name
        Identifier.
    notional
        Currency notional, signed: positive = protection sold (long credit).
    spread_dv01_per_unit
        Currency per bp per unit of ``notional`` gained when the CDS spread tightens 1 bp
        (input, e.g. risky annuity * 1e-4; positive for sold protection).
    market_value_per_unit
        Mark-to-market of one unit of sold protection, currency; the position MTM
        ``notional * market_value_per_unit`` enters the market value.
    """

    name: str
    notional: float
    spread_dv01_per_unit: float
    market_value_per_unit: float = 0.0


@dataclass(frozen=True)
class PortfolioExposure:
    """Portfolio rate exposure including derivatives (see the module docstring).

    Attributes
    ----------
    key_tenors
        Key tenor labels.
    market_value
        Denominator, currency: cash MV + derivatives' MTM (no notionals, futures 0).
    cash_market_value, derivatives_market_value
        The two parts of ``market_value``, currency.
    dv01
        Currency per bp (gain when all rates fall 1 bp).
    krd_dv01
        Currency per bp per key tenor, ``(K,)``.
    duration
        ``dv01 / (market_value * 1e-4)``, years (NaN when the market value is 0).
    krd_years
        ``krd_dv01 / (market_value * 1e-4)``, years, ``(K,)``.
    dollar_convexity
        Currency per (unit rate)^2.
    convexity
        ``dollar_convexity / market_value``, years^2.
    spread_dv01
        Currency per bp of spread tightening (cash bonds + CDS).
    spread_duration
        ``spread_dv01 / (market_value * 1e-4)``, years.
    gross_notional, net_notional
        Sum of absolute / signed derivative notionals, currency.
    leverage
        ``(cash_market_value + gross_notional) / market_value``.
    positions
        One row per component: name, kind, quantity, market_value, notional, dv01,
        dollar_convexity, spread_dv01, methodology.
    methodology
        Label of every portfolio figure.
    """

    key_tenors: tuple[str, ...]
    market_value: float
    cash_market_value: float
    derivatives_market_value: float
    dv01: float
    krd_dv01: FloatArray
    duration: float
    krd_years: FloatArray
    dollar_convexity: float
    convexity: float
    spread_dv01: float
    spread_duration: float
    gross_notional: float
    net_notional: float
    leverage: float
    positions: pd.DataFrame
    methodology: dict[str, str] = field(default_factory=dict)


def _method(risk: HedgeInstrumentRisk) -> str:
    if risk.kind == "swaption":
        return DELTA_ADJUSTED
    if risk.kind == "future":
        return f"{EFFECTIVE}; {CTD_BASED}"
    return EFFECTIVE


#: Label of every figure of :class:`PortfolioExposure`.
EXPOSURE_METHODOLOGY: dict[str, str] = {
    "market_value": "cash dirty MV + derivatives' MTM (swap PV, option premium, CDS "
    "MTM); futures 0; notionals excluded",
    "dv01": f"{EFFECTIVE}; options {DELTA_ADJUSTED}; futures {CTD_BASED}",
    "krd_dv01": f"{EFFECTIVE} tent key rates; options {DELTA_ADJUSTED}",
    "duration": "DV01 / (market value * 1e-4), years",
    "krd_years": "key-rate DV01 / (market value * 1e-4), years",
    "dollar_convexity": f"{EFFECTIVE} (parallel zero shift); options {DELTA_ADJUSTED}",
    "convexity": "dollar convexity / market value, years^2",
    "spread_dv01": f"cash {EFFECTIVE} z-spread; CDS {SUPPLIED}",
    "gross_notional": "futures contracts * price/100 * size; swap, swaption, CDS notional",
    "leverage": "(cash market value + gross derivative notional) / market value",
}


def _common_key_tenors(
    cash: CashBook | None, holdings: Sequence[Holding], key_tenors: Sequence[str] | None
) -> tuple[str, ...]:
    """The key tenors every part of the book shares (given, or taken from the book)."""
    if key_tenors is None:
        if cash is None:
            if not holdings:
                raise AnalyticsError("give key_tenors for a book without cash bonds or holdings")
            key_tenors = holdings[0].risk.key_tenors
        else:
            key_tenors = cash.key_tenors
    labels = tuple(key_tenors)
    for h in holdings:
        if tuple(h.risk.key_tenors) != labels:
            raise AnalyticsError(
                f"{h.risk.name}: key tenors {h.risk.key_tenors} differ from {labels}"
            )
    if cash is not None and tuple(cash.key_tenors) != labels:
        raise AnalyticsError("cash book key tenors differ from the portfolio's")

    return labels


def _position_rows(
    cash: CashBook | None,
    holdings: Sequence[Holding],
    cds: Sequence[CdsPosition],
    n_keys: int,
) -> tuple[list[dict[str, object]], FloatArray]:
    """One row per part of the book (cash, each derivative, each CDS) and the derivatives' KRDs."""
    rows: list[dict[str, object]] = []
    if cash is not None:
        rows.append(
            {
                "name": cash.name,
                "kind": "cash",
                "quantity": np.nan,
                "market_value": cash.market_value,
                "notional": 0.0,
                "dv01": cash.dv01,
                "dollar_convexity": cash.dollar_convexity,
                "spread_dv01": cash.spread_dv01,
                "methodology": cash.methodology,
            }
        )
    # Per-unit figures stacked so the combination is one matrix product.
    if holdings:
        q = np.array([h.quantity for h in holdings], dtype=np.float64)
        unit_krd = np.stack([h.risk.krd_dv01 for h in holdings])  # (H, K)
        unit_mv = np.array([h.risk.market_value for h in holdings])
        unit_notional = np.array([h.risk.notional for h in holdings])
        unit_cvx = np.array([h.risk.dollar_convexity for h in holdings])
        unit_dv01 = np.array([h.risk.dv01 for h in holdings])
        pos_krd = q[:, None] * unit_krd
        for h, qi, dv01_i, mv, notional, cvx in zip(
            holdings, q, q * unit_dv01, q * unit_mv, q * unit_notional, q * unit_cvx, strict=True
        ):
            rows.append(
                {
                    "name": h.risk.name,
                    "kind": h.risk.kind,
                    "quantity": qi,
                    "market_value": mv,
                    "notional": notional,
                    "dv01": dv01_i,
                    "dollar_convexity": cvx,
                    "spread_dv01": 0.0,
                    "methodology": _method(h.risk),
                }
            )
        deriv_krd = pos_krd.sum(axis=0)
    else:
        deriv_krd = np.zeros(n_keys)
    for c in cds:
        rows.append(
            {
                "name": c.name,
                "kind": "cds",
                "quantity": c.notional,
                "market_value": c.notional * c.market_value_per_unit,
                "notional": c.notional,
                "dv01": 0.0,  # CDS: no rate duration by convention
                "dollar_convexity": 0.0,
                "spread_dv01": c.notional * c.spread_dv01_per_unit,
                "methodology": f"{SUPPLIED} spread DV01; zero rate duration",
            }
        )
    return rows, deriv_krd


@dataclass(frozen=True)
class ExposureTotals:
    """Book-level sums of :func:`portfolio_exposure` (currency; DV01s per bp).

    ``cash_market_value`` and ``derivatives_market_value`` (derivatives' MTM and CDS MTM),
    ``dv01``, ``dollar_convexity``, ``spread_dv01`` (cash and CDS), ``gross_notional`` and
    ``net_notional`` (absolute and signed derivative and CDS notionals).
    """

    cash_market_value: float
    derivatives_market_value: float
    dv01: float
    dollar_convexity: float
    spread_dv01: float
    gross_notional: float
    net_notional: float


def exposure_totals(
    cash: CashBook | None, holdings: Sequence[Holding] = (), cds: Sequence[CdsPosition] = ()
) -> ExposureTotals:
    """The totals of :func:`portfolio_exposure` without its per-position table.

    Why: a hedge document needs only these sums; building the table (a DataFrame) was most
    of the exposure's cost in the desk's hedge call. The parts enter in the table's row
    order (cash, holdings, CDS), each ``quantity * per-unit figure``.
    """
    q = np.array([h.quantity for h in holdings], dtype=np.float64)

    def unit(name: str) -> FloatArray:
        return q * np.array([getattr(h.risk, name) for h in holdings], dtype=np.float64)

    def total(cash_part: str | None, *parts: FloatArray) -> float:
        first = [] if cash is None or cash_part is None else [getattr(cash, cash_part)]
        return float(np.concatenate([np.array(first, dtype=np.float64), *parts]).sum())

    cds_n = np.array([c.notional for c in cds], dtype=np.float64)
    cds_mv = cds_n * np.array([c.market_value_per_unit for c in cds], dtype=np.float64)
    cds_spread = cds_n * np.array([c.spread_dv01_per_unit for c in cds], dtype=np.float64)
    notionals = np.concatenate([unit("notional"), cds_n])
    no_cds, no_holdings = np.zeros(len(cds)), np.zeros(len(q))
    return ExposureTotals(
        cash_market_value=total("market_value"),
        derivatives_market_value=total(None, unit("market_value"), cds_mv),
        dv01=total("dv01", unit("dv01"), no_cds),  # CDS: no rate duration by convention
        dollar_convexity=total("dollar_convexity", unit("dollar_convexity"), no_cds),
        spread_dv01=total("spread_dv01", no_holdings, cds_spread),
        gross_notional=float(np.abs(notionals).sum()),
        net_notional=float(notionals.sum()),
    )


def portfolio_exposure(
    cash: CashBook | None,
    holdings: Sequence[Holding] = (),
    cds: Sequence[CdsPosition] = (),
    key_tenors: Sequence[str] | None = None,
) -> PortfolioExposure:
    """Combine a cash book with derivative positions into portfolio DV01, KRDs and durations.

    Parameters
    ----------
    cash
        Cash bond book (``None`` for a derivatives-only book; give ``key_tenors`` then).
    holdings
        Positions in hedge instruments (per-unit risk times quantity).
    cds
        Credit default swap positions (spread risk only).
    key_tenors
        Key tenor labels; default the cash book's. Every holding must use the same tenors.

    Returns
    -------
    PortfolioExposure
        Totals (currency, years) with methodology labels and a per-component table.

    Raises
    ------
    AnalyticsError
        If key tenors do not line up.
    """
    import pandas as pd

    labels = _common_key_tenors(cash, holdings, key_tenors)
    n_keys = len(labels)
    rows, deriv_krd = _position_rows(cash, holdings, cds, n_keys)
    table = pd.DataFrame(
        rows,
        columns=[
            "name",
            "kind",
            "quantity",
            "market_value",
            "notional",
            "dv01",
            "dollar_convexity",
            "spread_dv01",
            "methodology",
        ],
    )
    tot = exposure_totals(cash, holdings, cds)
    cash_mv, deriv_mv = tot.cash_market_value, tot.derivatives_market_value
    mv = cash_mv + deriv_mv
    krd = (np.zeros(n_keys) if cash is None else cash.krd_dv01) + deriv_krd
    # Parallel DV01 = sum of the parts' parallel DV01s (KRDs add up to it to O(h^2)).
    dv01, dcvx, spread_dv01 = tot.dv01, tot.dollar_convexity, tot.spread_dv01
    gross = tot.gross_notional
    # Durations are undefined on a zero-value book (pure overlay): NaN, not an exception.
    scale = mv * BP if mv != 0.0 else np.nan
    return PortfolioExposure(
        key_tenors=labels,
        market_value=mv,
        cash_market_value=cash_mv,
        derivatives_market_value=deriv_mv,
        dv01=dv01,
        krd_dv01=krd,
        duration=dv01 / scale,
        krd_years=krd / scale,
        dollar_convexity=dcvx,
        convexity=dcvx / (mv if mv != 0.0 else np.nan),
        spread_dv01=spread_dv01,
        spread_duration=spread_dv01 / scale,
        gross_notional=gross,
        net_notional=tot.net_notional,
        leverage=(cash_mv + gross) / (mv if mv != 0.0 else np.nan),
        positions=table,
        methodology=dict(EXPOSURE_METHODOLOGY),
    )

"""Hedge universe construction: case specs -> priced instruments with per-unit exposures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import AnalyticsError, InputError, InputIssue
from models.futures import parse_32nds
from models.hedge_instruments import (
    DeliverableBond,
    HedgeInstrumentRisk,
    SwapHedge,
    Swaption,
    TreasuryFuture,
)
from models.swaps import SwapSpec as SwapTerms
from planner.cases import FuturesSpec, HedgeSpec, SwapSpec, SwaptionSpec
from planner.workflow import CaseAnalysis

#: CME month codes.
MONTH_CODES = "FGHJKMNQUVXZ"

Spec = FuturesSpec | SwapSpec | SwaptionSpec
PricedInstrument = TreasuryFuture | SwapHedge | Swaption


@dataclass(frozen=True)
class UniverseMember:
    """One hedge instrument: its case spec, pricing object and per-unit risk."""

    spec: Spec
    instrument: PricedInstrument
    risk: HedgeInstrumentRisk
    half_spread: float

    @property
    def name(self) -> str:
        """Instrument name used in trades and reports."""
        return self.risk.name

    def bounds(self) -> tuple[float, float]:
        """Position bounds in units (contracts or notional) from the spec's size limit."""
        limit = (
            self.spec.max_contracts
            if isinstance(self.spec, FuturesSpec)
            else self.spec.max_notional
        )
        return (-np.inf, np.inf) if limit is None else (-float(limit), float(limit))

    def as_dict(self) -> dict[str, Any]:
        """Per-unit figures for the ``instruments`` JSON."""
        r = self.risk
        out: dict[str, Any] = {
            "instrument": r.name,
            "kind": r.kind,
            "unit": r.unit,
            "price": r.price,
            "dv01": r.dv01,
            "krd": dict(zip(r.key_tenors, np.asarray(r.krd_dv01).tolist(), strict=True)),
            "convexity": r.dollar_convexity,
            "carry": r.carry,
            "margin": r.margin,
            "half_spread": self.half_spread,
            "methodology": r.methodology,
        }
        d = r.details
        if r.kind == "future":
            out.update(
                {
                    "ctd": d.get("ctd_id"),
                    "conversion_factor": d.get("conversion_factor"),
                    "implied_repo": d.get("implied_repo"),
                    "net_basis": d.get("net_basis"),
                    "roll_date": d.get("roll_date"),
                    "first_notice_day": d.get("first_notice_day"),
                    "last_trading_day": d.get("last_trading_day"),
                    "rolls_before_horizon": d.get("rolls_before_horizon"),
                }
            )
        out["details"] = {k: _plain(v) for k, v in d.items()}
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def futures_name(code: str, year: int, month: int) -> str:
    """Exchange-style name, e.g. ``TYH4`` for the March 2024 10-year note future."""
    return f"{code.upper()}{MONTH_CODES[month - 1]}{year % 10}"


def build_universe(
    analysis: CaseAnalysis, hedge: HedgeSpec, case_name: str
) -> list[UniverseMember]:
    """Price every instrument of the hedge universe off the analysis curves.

    Raises
    ------
    InputError
        With every instrument that cannot be built (a missing SOFR curve, an undeliverable basket
        bond, a bad tenor...), located by its position in the case file.
    """
    tenors = analysis.tenors
    horizon = hedge.horizon_days
    curves = analysis.curves
    members: list[UniverseMember] = []
    issues: list[InputIssue] = []

    for i, spec in enumerate(hedge.universe.futures):
        where = f"hedge.universe.futures[{i}]"
        try:
            year, month = (int(p) for p in spec.contract_month.split("-"))
            price = parse_32nds(spec.price) if isinstance(spec.price, str) else spec.price
            basket = [
                DeliverableBond(
                    id=b.id,
                    coupon=b.coupon,
                    maturity=b.maturity,
                    clean_price=b.price,
                    yield_=b.yield_,
                    issue_date=b.issue_date,
                )
                for b in spec.basket
            ]
            future = TreasuryFuture(
                futures_name(spec.code, year, month),
                spec.code,
                year,
                month,
                basket,
                spec.repo_rate,
                curves.treasury,
                market_price=price,
                margin=spec.initial_margin,
                half_spread=spec.half_spread,
                key_tenors=tenors,
            )
            risk = future.risk(tenors, horizon_days=horizon)
            members.append(UniverseMember(spec, future, risk, risk.half_spread))
        except (AnalyticsError, ValueError, KeyError) as exc:
            issues.append(InputIssue(case_name, None, where, str(exc)))

    needs_sofr = hedge.universe.swaps or hedge.universe.swaptions
    if needs_sofr and curves.sofr is None:
        issues.append(
            InputIssue(case_name, None, "curves.sofr", "swaps and swaptions need a SOFR curve")
        )
        raise InputError(issues)

    for i, spec in enumerate(hedge.universe.swaps):
        where = f"hedge.universe.swaps[{i}]"
        name = f"SOFR {spec.tenor}" + (f" fwd {spec.start}" if spec.start else "")
        try:
            swap = SwapHedge(
                SwapTerms(name=name, tenor=spec.tenor, start=spec.start, direction="receive"),
                curves.sofr,
                margin=spec.initial_margin_rate,
                half_spread_bp=spec.half_spread_bp,
                key_tenors=tenors,
            )
            risk = swap.risk(tenors, horizon_days=horizon)
            members.append(UniverseMember(spec, swap, risk, risk.half_spread))
        except (AnalyticsError, ValueError) as exc:
            issues.append(InputIssue(case_name, None, where, str(exc)))

    for i, spec in enumerate(hedge.universe.swaptions):
        where = f"hedge.universe.swaptions[{i}]"
        strike = None if spec.strike == "atm" else float(spec.strike)
        name = f"{spec.expiry}x{spec.tenor} {spec.type}" + (
            " ATM" if strike is None else f" {100 * strike:.3f}%"
        )
        try:
            option = Swaption(
                name,
                spec.expiry,
                spec.tenor,
                curves.sofr,
                spec.vol,
                strike=strike,
                payer=spec.type == "payer",
                model="normal" if spec.model == "bachelier" else "lognormal",
                key_tenors=tenors,
            )
            risk = option.risk(tenors, horizon_days=horizon)
            # Quotes are in vol: half the bid-ask in vol times vega is the cost per unit.
            half_spread = float(risk.details["vega"]) * spec.half_spread_vol
            members.append(UniverseMember(spec, option, risk, half_spread))
        except (AnalyticsError, ValueError) as exc:
            issues.append(InputIssue(case_name, None, where, str(exc)))

    if issues:
        raise InputError(issues)
    return members

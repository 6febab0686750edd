"""Held derivatives (the case's ``positions``): matched to the universe or priced on their own.

A position that is a universe member (a futures contract of the universe by code and month, a
spot swap on a universe tenor, a swaption with the universe's expiry, tenor, type and strike)
adds to that member's current quantity: the plan is a rebalance, ``trade = target - current``,
and costs are charged on the trade only. Any other position (a seasoned swap, an off-the-run
swaption) is priced here and held fixed: its key-rate DV01s, convexity and factor exposures
join the book's pre-hedge risk, and it appears in the plan's list of positions before and
after the hedge (unchanged). Futures must be contracts of the universe (their deliverable
basket is given there). Positions that expire within the horizon are flagged: futures roll
into the next contract (:mod:`hedge_planner.futures_roll`, priced in the member's carry and
roll cost); swaps that mature and swaptions that expire are shown as expiring.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
from hedge_planner.active_risk import position_loadings
from hedge_planner.case_hedge import FuturesSpec, SwapSpec, SwaptionSpec
from hedge_planner.case_positions import FuturesPosition, SwapPosition, SwaptionPosition
from hedge_planner.cases import AnalysisCase
from hedge_planner.document_sections import PositionRow
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import HedgePlannerError, InputError, InputIssue
from hedge_planner.models.hedge_instruments import HedgeInstrumentRisk, Swaption
from hedge_planner.models.positions import SeasonedSwap
from hedge_planner.solvers.problem import FactorRisk, PortfolioRisk
from hedge_planner.workflow import CaseAnalysis

logger = logging.getLogger(__name__)

__all__ = ["HeldPosition", "HeldPositions", "held_positions"]


@dataclass(frozen=True)
class HeldPosition:
    """One held derivative.

    Attributes
    ----------
    key
        The case key path (``positions.swaps[0]``).
    name
        Instrument name (the universe member's when it maps to one).
    kind
        ``future``, ``swap`` or ``swaption``.
    quantity
        Units held: contracts (long positive) or notional (receive-fixed / long positive).
    risk
        Per-unit analytics (currency per unit; DV01 currency per bp).
    member
        Index of the universe member it maps to, ``None`` when held fixed.
    status
        ``held``, ``rolls`` (a future rolled before the horizon) or ``expires`` (a swap maturing
        or a swaption expiring within the horizon).
    note
        What happens to it over the horizon, in words.
    vega_bp
        Vega per unit, currency per bp of normal vol (swaptions; 0 otherwise).
    """

    key: str
    name: str
    kind: str
    quantity: float
    risk: HedgeInstrumentRisk
    member: int | None
    status: str = "held"
    note: str = ""
    vega_bp: float = 0.0

    @property
    def krd_dv01(self) -> np.ndarray:
        """Key-rate DV01s of the whole position, currency per bp."""
        return np.asarray(self.risk.krd_dv01, dtype=np.float64) * self.quantity


@dataclass(frozen=True)
class HeldPositions:
    """Every held derivative, and the part of them the optimiser holds fixed.

    ``current`` (units per universe member) is added to the members' current quantities;
    ``krd_dv01``, ``dollar_convexity`` and ``factor_exposures`` are the unmapped positions'
    totals (currency per bp; currency per unit rate^2), added to the book's pre-hedge risk.
    """

    positions: tuple[HeldPosition, ...] = ()
    current: np.ndarray = field(default_factory=lambda: np.zeros(0))
    krd_dv01: np.ndarray | None = None
    dollar_convexity: float = 0.0
    factor_exposures: np.ndarray | None = None

    @property
    def fixed(self) -> tuple[HeldPosition, ...]:
        """Positions not in the universe (held unchanged by the hedge)."""
        return tuple(p for p in self.positions if p.member is None)

    def book(self, portfolio: PortfolioRisk) -> PortfolioRisk:
        """The book's risk with the fixed positions added."""
        if self.krd_dv01 is None:
            return portfolio
        return replace(
            portfolio,
            krd_dv01=np.asarray(portfolio.krd_dv01) + self.krd_dv01,
            dollar_convexity=portfolio.dollar_convexity + self.dollar_convexity,
        )

    def factors(self, risk: FactorRisk) -> FactorRisk:
        """The factor model with the fixed positions' exposures added to the book's."""
        if self.factor_exposures is None:
            return risk
        # The hedge's model may append CDX basis factors after the book's: held positions
        # load on none of them.
        extra = np.zeros(np.asarray(risk.exposures).size - self.factor_exposures.size)
        held = np.concatenate([self.factor_exposures, extra])
        return replace(risk, exposures=np.asarray(risk.exposures) + held)


def _members_of(members: Sequence[Any], spec_type: type) -> list[tuple[int, Any]]:
    return [(j, m) for j, m in enumerate(members) if isinstance(m.spec, spec_type)]


def _futures(
    pos: FuturesPosition, key: str, members: Sequence[Any], year: int, source: str
) -> HeldPosition:
    code, month = pos.code_and_month(year)
    for j, m in _members_of(members, FuturesSpec):
        if m.spec.code == code and m.spec.contract_month == month:
            d = m.risk.details
            rolls = bool(d.get("rolls_before_horizon"))
            note = (
                f"rolls into the next contract on {d.get('roll_date')} (before the horizon)"
                if rolls
                else "held to the horizon"
            )
            return HeldPosition(
                key, m.name, "future", pos.quantity, m.risk, j, "rolls" if rolls else "held", note
            )
    codes = sorted(
        {f"{m.spec.code} {m.spec.contract_month}" for _, m in _members_of(members, FuturesSpec)}
    )
    raise InputError(
        [
            InputIssue(
                source,
                None,
                key,
                f"{code} {month} is not a futures contract of hedge.universe.futures "
                f"({', '.join(codes) or 'none'})",
                "add the contract (with its deliverable basket) to the universe to hold it",
            )
        ]
    )


def _within(day: dt.date, analysis: dt.date, horizon_days: int) -> bool:
    return (day - analysis).days <= horizon_days


def _swap(
    pos: SwapPosition,
    key: str,
    members: Sequence[Any],
    sofr: YieldCurve,
    tenors: tuple[str, ...],
    context: tuple[dt.date, int, str],
) -> HeldPosition:
    analysis, horizon, source = context
    if pos.tenor is not None:
        for j, m in _members_of(members, SwapSpec):
            if m.spec.tenor == pos.tenor and m.spec.start is None:
                return HeldPosition(key, m.name, "swap", pos.quantity, m.risk, j)
        tenors_held = sorted(m.spec.tenor for _, m in _members_of(members, SwapSpec))
        raise InputError(
            [
                InputIssue(
                    source,
                    None,
                    f"{key}.tenor",
                    f"no spot swap of tenor {pos.tenor} in hedge.universe.swaps "
                    f"({', '.join(tenors_held) or 'none'})",
                    "give start, maturity and fixed_rate to hold a seasoned swap instead",
                )
            ]
        )
    assert pos.start is not None and pos.maturity is not None and pos.fixed_rate is not None
    name = pos.id or (
        f"SOFR {pos.direction} {100 * pos.fixed_rate:.3f}% {pos.start.isoformat()}"
        f"-{pos.maturity.isoformat()}"
    )
    swap = SeasonedSwap(
        name, pos.start, pos.maturity, pos.fixed_rate, "receive", sofr, key_tenors=tenors
    )
    risk = swap.risk(tenors, horizon_days=horizon)
    expiring = _within(pos.maturity, analysis, horizon)
    note = f"matures on {pos.maturity} within the horizon" if expiring else "held to the horizon"
    return HeldPosition(
        key, name, "swap", pos.quantity, risk, None, "expires" if expiring else "held", note
    )


def _swaption_matches(spec: SwaptionSpec, pos: SwaptionPosition) -> bool:
    same_strike = (
        spec.strike == pos.strike
        if "atm" in (spec.strike, pos.strike)
        else abs(float(spec.strike) - float(pos.strike)) < 1e-9
    )
    return (
        str(spec.expiry) == str(pos.expiry)
        and spec.tenor == pos.tenor
        and spec.type == pos.type
        and same_strike
    )


def _swaption(
    pos: SwaptionPosition,
    key: str,
    members: Sequence[Any],
    sofr: YieldCurve,
    tenors: tuple[str, ...],
    context: tuple[dt.date, int, str],
) -> HeldPosition:
    analysis, horizon, source = context
    for j, m in _members_of(members, SwaptionSpec):
        if _swaption_matches(m.spec, pos) and (pos.vol is None or pos.vol == m.spec.vol):
            vega = float(m.risk.details["vega"]) * 1e-4
            note = _swaption_note(m.risk, analysis, horizon)
            status = "expires" if note.startswith("expires") else "held"
            return HeldPosition(
                key, m.name, "swaption", pos.quantity, m.risk, j, status, note, vega
            )
    if pos.vol is None:
        raise InputError(
            [
                InputIssue(
                    source,
                    None,
                    f"{key}.vol",
                    "no universe swaption has this expiry, tenor, type and strike",
                    "give its normal vol (decimal, e.g. 0.0115) to price it",
                )
            ]
        )
    strike = None if pos.strike == "atm" else float(pos.strike)
    expiry = pos.expiry if isinstance(pos.expiry, str) else pos.expiry.isoformat()
    name = pos.id or f"{expiry}x{pos.tenor} {pos.type} " + (
        "ATM" if strike is None else f"{100 * strike:.3f}%"
    )
    option = Swaption(
        name,
        expiry,
        pos.tenor,
        sofr,
        pos.vol,
        strike=strike,
        payer=pos.type == "payer",
        key_tenors=tenors,
    )
    risk = option.risk(tenors, horizon_days=horizon)
    note = _swaption_note(risk, analysis, horizon)
    status = "expires" if note.startswith("expires") else "held"
    vega = float(risk.details["vega"]) * 1e-4
    return HeldPosition(key, name, "swaption", pos.quantity, risk, None, status, note, vega)


def _swaption_note(risk: HedgeInstrumentRisk, analysis: dt.date, horizon: int) -> str:
    expiry = dt.date.fromisoformat(str(risk.details["expiry_date"]))
    if _within(expiry, analysis, horizon):
        return f"expires on {expiry} within the horizon"
    return "held to the horizon"


Loadings = Callable[[str, np.ndarray], np.ndarray]


def factor_loadings(analysis: CaseAnalysis) -> Loadings:
    """Factor exposures of a derivative ``(kind, key-rate DV01s)``, in the model's order."""
    active = analysis.active
    quotes = analysis.curves.treasury_quotes
    assert quotes is not None
    curve = analysis.curves.treasury

    def loadings(kind: str, krd_dv01: np.ndarray) -> np.ndarray:
        unit = position_loadings(active, [(kind, krd_dv01)], curve, quotes)
        return np.asarray(active.risk_model.vector(unit), dtype=np.float64)

    return loadings


def held_positions(
    case: AnalysisCase,
    members: Sequence[Any],
    sofr: YieldCurve | None,
    tenors: tuple[str, ...],
    loadings: Loadings,
    source: str,
) -> HeldPositions:
    """Match or price every held derivative of the case.

    Parameters
    ----------
    case
        The case (its ``positions`` section; ``hedge.horizon_days``).
    members
        Universe members (objects with ``spec``, ``risk`` and ``name``), in optimiser order.
    sofr
        SOFR curve (needed for swaps and swaptions not in the universe).
    tenors
        Key tenors.
    loadings
        Factor loadings of ``(kind, krd_dv01)``: the factor model's view of a position.
    source
        The case file's name, for located errors.

    Raises
    ------
    InputError
        With every position that cannot be matched or priced, located by its key path.
    """
    spec = case.positions
    current = np.zeros(len(members))
    if spec is None:
        return HeldPositions(current=current)
    assert case.hedge is not None
    context = (case.analysis_date, case.hedge.horizon_days, source)
    out: list[HeldPosition] = []
    issues: list[InputIssue] = []
    builders: list[tuple[str, Callable[[], HeldPosition]]] = []
    for i, fut in enumerate(spec.futures):
        key = f"positions.futures[{i}]"
        year = case.analysis_date.year
        builders.append((key, partial(_futures, fut, key, members, year, source)))
    rows: list[tuple[str, Callable[..., HeldPosition], Any]] = [
        *((f"positions.swaps[{i}]", _swap, row) for i, row in enumerate(spec.swaps)),
        *((f"positions.swaptions[{i}]", _swaption, row) for i, row in enumerate(spec.swaptions)),
    ]
    for key, build, row in rows:
        if sofr is None:
            issues.append(InputIssue(source, None, key, "swaps and swaptions need curves.sofr"))
            continue
        builders.append((key, partial(build, row, key, members, sofr, tenors, context)))
    for key, builder in builders:
        try:
            out.append(builder())
        except InputError as exc:
            issues.extend(exc.issues)
        except HedgePlannerError as exc:  # a pricer's own error: the position cannot be priced
            issues.append(InputIssue(source, None, key, str(exc)))
    if issues:
        raise InputError(issues)
    return _assemble(tuple(out), current, loadings)


def _assemble(
    positions: tuple[HeldPosition, ...], current: np.ndarray, loadings: Loadings
) -> HeldPositions:
    fixed = [p for p in positions if p.member is None]
    for p in positions:
        if p.member is not None:
            current[p.member] += p.quantity
    if not fixed:
        return HeldPositions(positions, current)
    krd = np.sum([p.krd_dv01 for p in fixed], axis=0)
    convexity = float(sum(p.risk.dollar_convexity * p.quantity for p in fixed))
    exposures = np.sum([loadings(p.kind, p.krd_dv01) for p in fixed], axis=0)
    for p in fixed:
        logger.info("held %s: %s %g, DV01 %.0f per bp", p.key, p.name, p.quantity, p.krd_dv01.sum())
    return HeldPositions(positions, current, krd, convexity, exposures)


def position_rows(
    held: HeldPositions,
    members: Sequence[Any],
    current: np.ndarray,
    after: np.ndarray,
) -> list[PositionRow]:
    """The plan's positions before and after the hedge.

    One row per universe member held before or after (``current`` and ``after`` in units per
    member, the case's mapped positions included), then one per fixed position (unchanged).
    """
    rows: list[PositionRow] = []
    for j, m in enumerate(members):
        q0, q1 = float(current[j]), float(after[j])
        if q0 == 0.0 and q1 == 0.0:
            continue
        mine = [p for p in held.positions if p.member == j]
        status = next((p.status for p in mine if p.status != "held"), "held")
        rows.append(_row(m.name, m.risk, q0, q1, True, status, mine))
    for p in held.fixed:
        rows.append(_row(p.name, p.risk, p.quantity, p.quantity, False, p.status, [p]))
    return rows


def _row(
    name: str,
    risk: HedgeInstrumentRisk,
    q0: float,
    q1: float,
    in_universe: bool,
    status: str,
    mine: Sequence[HeldPosition],
) -> PositionRow:
    dv01 = float(np.sum(risk.krd_dv01))
    return PositionRow(
        instrument=name,
        kind=risk.kind,
        unit=risk.unit,
        current=q0,
        after=q1,
        trade=q1 - q0,
        dv01_current=dv01 * q0,
        dv01_after=dv01 * q1,
        market_value_current=float(risk.market_value) * q0,
        in_universe=in_universe,
        status=status,
        note="; ".join(p.note for p in mine if p.note),
        case_keys=[p.key for p in mine],
    )

"""The planner's workflow steps, independent of how results are displayed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

import numpy as np
from hedge_planner.active_risk import (
    ActiveRisk,
    BenchmarkView,
    holding_spread_levels,
    measure_active_risk,
    spread_dv01_by_sector,
)
from hedge_planner.case_curves import BuiltCurve, build_case_curve
from hedge_planner.case_models import short_rate_settings
from hedge_planner.cases import (
    AnalysisCase,
    BenchmarkHoldingsSpec,
    RiskSpec,
    load_holdings_section,
)
from hedge_planner.covariance_input import load_covariance
from hedge_planner.lazy_frame import FrameSource, LazyFrame, yield_columns, yield_records
from hedge_planner.modelled import model_book, modelled_fields, modelled_yield_view
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.benchmark import (
    BenchmarkComparison,
    BenchmarkProfile,
    compare_to_benchmark,
)
from hedge_planner.models.bonds import BondBook, CashflowSchedule, build_schedule
from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.credit import cds_spread_dv01
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import to_days
from hedge_planner.models.errors import HedgePlannerError, InputError, InputIssue
from hedge_planner.models.exposure import CashBook, CdsPosition, portfolio_exposure
from hedge_planner.models.hw_calibration import Calibration
from hedge_planner.models.krd import (
    KRD_CONVENTIONS,
    PAR_TREASURY,
    ZERO_CONTINUOUS,
    KrdBasisMap,
    ParQuotes,
    holdings_par_krd,
)
from hedge_planner.models.oas import (
    ModelledAnalytics,
    ShortRateSettings,
    apply_modelled,
    convexity_unit_flags,
)
from hedge_planner.models.portfolio import (
    Flag,
    HoldingRisk,
    combine_risk,
    sector_contributions,
    sector_rows,
    sector_weights,
)
from hedge_planner.models.risk import curve_risk
from hedge_planner.models.schemas import Holdings
from hedge_planner.models.units import BP
from hedge_planner.supplied_analytics import supplied_analytics
from hedge_planner.yield_analysis import (
    YIELD_METHOD,
    _plain,
    analyze_holdings,
    yield_totals,
)

# ------------------------------------------------------------------------------------------------
# Case analysis: curve-based risk, supplied analytics, sectors, benchmark
# ------------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class MarketCurves:
    """Curves bootstrapped for the analysis date (anchored on it)."""

    treasury: YieldCurve
    sofr: YieldCurve | None
    #: The Treasury par quotes, kept to shift and bootstrap again (par KRDs).
    treasury_quotes: ParQuotes | None = None
    #: Per curve: its source and, for bonds, the repricing errors or the fit's residuals.
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseAnalysis:
    """Everything the measure-and-compare step produces for a case."""

    case: AnalysisCase
    holdings: Holdings
    book: BondBook
    schedule: CashflowSchedule
    frame_source: FrameSource  # the yield table, or a function building it (lazy_frame)
    yield_frame = LazyFrame("frame_source")  # the yield table, built on first read
    curves: MarketCurves
    risk: HoldingRisk
    covariance: KeyRateCovariance
    benchmark: BenchmarkComparison | None
    flags: tuple[Flag, ...]
    #: Par KRDs of every holding as used, years, ``(n, K)``.
    krd_par: FloatArray
    #: KRD convention, spread risk and the multi-factor tracking error against the benchmark.
    active: ActiveRisk
    #: A holdings benchmark's book and analytics (None for a profile or no benchmark).
    benchmark_book: BookRisk | None = None
    #: Option-adjusted analytics of the modelled holdings (None when there are none).
    modelled: ModelledAnalytics | None = None
    #: The short-rate model's settings as used, and its fit when calibrated to swaption vols.
    short_rate: ShortRateSettings | None = None
    calibration: Calibration | None = None

    @cached_property
    def sectors(self) -> pd.DataFrame:
        """Contributions by sector (:func:`sector_contributions`), built on first use."""
        return sector_contributions(self.risk)

    @property
    def tenors(self) -> tuple[str, ...]:
        """Key tenor labels."""
        return self.risk.krd.tenors

    def portfolio(self) -> dict[str, Any]:
        """Portfolio totals (effective and yield-based) with KRDs by tenor."""
        totals: dict[str, Any] = dict(self.risk.totals())
        mv = totals["market_value"]
        krd = self.risk.krd.portfolio_krd()
        krd_dv01 = self.risk.krd.krd_dv01.sum(axis=0)
        totals.update(yield_totals(yield_columns(self), mv))
        totals.update(
            {
                "krd": dict(zip(self.tenors, krd.tolist(), strict=True)),
                "krd_dv01": dict(zip(self.tenors, krd_dv01.tolist(), strict=True)),
                "krd_sum": float(krd.sum()),
            }
        )
        return totals

    def credit_positions(self) -> dict[str, Any] | None:
        """CDS rolled into the portfolio: spread risk only, MTM in the value, no rate DV01."""
        if not self.case.cds:
            return None
        risk = self.risk
        cash = CashBook(
            market_value=float(risk.market_value.sum()),
            krd_dv01=risk.krd.krd_dv01.sum(axis=0),
            key_tenors=self.tenors,
            dollar_convexity=float(risk.dollar_convexity.sum()),
            spread_dv01=float(risk.spread_dv01.sum()),
            dv01=float(risk.dv01.sum()),
        )
        cds = [
            CdsPosition(
                c.id,
                c.notional,
                cds_spread_dv01(1.0, c.spread_duration),
                c.market_value / c.notional if c.notional else 0.0,
            )
            for c in self.case.cds
        ]
        ex = portfolio_exposure(cash, cds=cds)
        return {
            "positions": [
                {
                    "id": c.id,
                    "sector": c.sector,
                    "notional": c.notional,
                    "spread_duration": c.spread_duration,
                    "spread_dv01": cds_spread_dv01(c.notional, c.spread_duration),
                    "rate_dv01": 0.0,
                    "market_value": c.market_value,
                }
                for c in self.case.cds
            ],
            "market_value_with_cds": ex.market_value,
            "dv01_with_cds": ex.dv01,
            "effective_duration_with_cds": ex.duration,
            "spread_dv01_with_cds": ex.spread_dv01,
            "spread_duration_with_cds": ex.spread_duration,
            "methodology": "CDS add spread DV01 (notional x spread duration x 1e-4, positive "
            "for protection sold) and their MTM to the value; no rate duration",
        }

    def to_json(self) -> dict[str, Any]:
        """The ``analyze CASE.yaml --json`` document."""
        risk = self.risk
        comp = risk.computed
        holdings = []
        # Derived arrays once for the whole book (properties rebuild them on every access).
        tenors = self.tenors
        dv01 = risk.dv01.tolist()
        krd = risk.krd.krd.tolist()
        krd_par = self.krd_par.tolist()
        krd_dv01 = risk.krd.krd_dv01.tolist()
        z, ed, ec = (
            comp.z_spread.tolist(),
            risk.effective_duration.tolist(),
            risk.effective_convexity.tolist(),
        )
        sd, ced = risk.spread_duration.tolist(), comp.effective_duration.tolist()
        for i, raw in enumerate(yield_records(self)):
            rec = _plain(raw)
            rec.update(modelled_fields(self.modelled, i))
            rec.update(
                {
                    "z_spread": z[i],
                    "effective_duration": ed[i],
                    "effective_convexity": ec[i],
                    "spread_duration": sd[i],
                    "effective_dv01": dv01[i],
                    "krd": dict(zip(tenors, krd[i], strict=True)),
                    "krd_par": dict(zip(tenors, krd_par[i], strict=True)),
                    "krd_conventions": KRD_CONVENTIONS,
                    "krd_dv01": dict(zip(tenors, krd_dv01[i], strict=True)),
                    "source": risk.source[i],
                    "computed_effective_duration": ced[i],
                }
            )
            holdings.append(rec)
        portfolio = self.portfolio()
        portfolio["krd_par"] = self.active.krd_dict(self.active.krd_par)
        portfolio["krd_conventions"] = KRD_CONVENTIONS
        portfolio["spread_dv01_by_sector"] = dict(self.active.spread_dv01_by_sector)
        portfolio["active_risk"] = self.active.as_dict()
        portfolio["sectors"] = [_plain(r) for r in sector_rows(self.risk)]
        credit = self.credit_positions()
        if credit is not None:
            portfolio["cds"] = credit
        if self.benchmark is not None:
            portfolio["benchmark"] = self.benchmark.as_dict()
        return {
            "analysis_date": self.case.analysis_date.isoformat(),
            "key_tenors": list(self.tenors),
            "holdings": holdings,
            "portfolio": portfolio,
            "warnings": [f.as_dict() for f in self.flags],
            "methodology": ANALYSIS_METHODOLOGY,
        } | self._curve_fits()

    def _curve_fits(self) -> dict[str, Any]:
        """Curves built from bonds: repricing errors or fitted residuals (rich/cheap, bp)."""
        fits = {k: r["fit"] for k, r in self.curves.reports.items() if "fit" in r}
        return {"curve_fits": fits} if fits else {}


ANALYSIS_METHODOLOGY = {
    "effective_duration": "effective duration, years: parallel continuous zero-rate shift of the "
    "Treasury curve (+/- shift_bp) with the holding's z-spread held; supplied (OAS-based) where "
    "the holding carries it (see source)",
    "effective_convexity": "effective convexity, years^2, same shifts",
    "spread_duration": "spread duration, years: z-spread shift with the curve held",
    "krd": "key rate durations, years: tent-shaped zero-rate shifts at the key tenors; they sum to "
    "the effective duration",
    "krd_par": "par key rate durations, years: the same tents on the Treasury par yields, curve "
    "bootstrapped again, z-spread held (index providers' convention); supplied KRDs converted "
    "from risk.supplied_krd_convention with the first-order basis map",
    "spread_dv01_by_sector": "spread duration x market value x 1e-4 summed by sector, currency "
    "per bp of spread widening",
    "krd_dv01": "currency per 1 bp fall of each key rate",
    "modified_duration": f"modified duration, years; {YIELD_METHOD}",
    "macaulay_duration": f"Macaulay duration, years; {YIELD_METHOD}",
    "convexity": f"yield convexity, years^2; {YIELD_METHOD}",
    "z_spread": "constant spread over the Treasury curve, decimal, continuous on ACT/365F",
    "source": "computed = engine (curve-based); modelled = option-adjusted figures of the "
    "short-rate model (callables, putables, MBS: see model); supplied = OAS-based figures from "
    "the holdings file; mixed = some supplied, rest computed",
    "oas": "option-adjusted spread, decimal, continuously compounded over the model's zero "
    "curve (Hull-White fitted exactly to the Treasury curve)",
    "option_adjusted_duration": "effective duration, years: zero curve shifted +/- "
    "models.short_rate.shift_bp, model refitted, OAS held (also the holding's "
    "effective_duration and krd when modelled)",
    "option_adjusted_convexity": "effective convexity, years^2, same shifts",
    "yield_to_worst": "callables/putables: lowest yield over maturity and exercise dates; "
    "modified_duration and convexity of a modelled bond are to that date",
    "cash_flow_yield": "MBS: yield (monthly compounding) of the flows projected under the "
    "pricing-date prepayment assumption; the pool's modified_duration and convexity are on "
    "those flows",
    "portfolio": "market-value weighted; DV01s summed",
}


def build_curves(case: AnalysisCase, source: str) -> MarketCurves:
    """Build the case's curves anchored on the analysis date (par quotes, bonds, zero rates or
    discount factors; see :mod:`hedge_planner.case_curves`).

    Raises
    ------
    InputError
        If a curve cannot be built from its inputs (the reason names the input).
    """
    spec = case.curves
    issues = []
    built: dict[str, BuiltCurve] = {}
    for name in ("treasury", "sofr"):
        section = getattr(spec, name)
        if section is None:
            continue
        try:
            built[name] = build_case_curve(section, name, case.analysis_date)
        except (HedgePlannerError, ValueError) as exc:
            where = f"curves.{name}.{section.source_key}"
            issues.append(InputIssue(source, None, where, str(exc)))
    if issues or "treasury" not in built:
        raise InputError(issues)
    tsy = built["treasury"]
    sofr = built.get("sofr")
    reports = {k: v.report for k, v in built.items()}
    return MarketCurves(tsy.curve, None if sofr is None else sofr.curve, tsy.quotes, reports)


@dataclass(frozen=True)
class BookRisk:
    """A set of holdings with its book, schedule (built once) and analytics."""

    book: BondBook
    schedule: CashflowSchedule
    frame_source: FrameSource  # the yield table, or a function building it (lazy_frame)
    risk: HoldingRisk
    #: Par KRDs of every holding as used, years, ``(n, K)``.
    krd_par: FloatArray
    yield_frame = LazyFrame("frame_source")  # the yield table, built on first read
    #: The holdings as priced (OAS-quoted modelled holdings carry their model price).
    holdings: Holdings | None = None
    #: Option-adjusted analytics of the modelled holdings (None when there are none).
    modelled: ModelledAnalytics | None = None


def holding_risk(
    holdings: Holdings,
    source: str,
    analysis_date: dt.date,
    curve: YieldCurve,
    risk: RiskSpec,
    quotes: ParQuotes,
    short_rate: ShortRateSettings | None = None,
) -> BookRisk:
    """Yield-based and curve-based analytics of a set of holdings.

    The cash-flow schedule is built once here and kept: the yield analytics, the curve risk and
    the scenario revaluation all read it. Modelled holdings (callable, putable, MBS) are priced
    and measured by the short-rate model (``short_rate``, defaults when None) and their
    option-adjusted figures replace the bullet-equivalent ones.
    """
    book = holdings.book()
    sched = build_schedule(book, int(to_days(analysis_date)))
    modelled = None
    if any(r.modelled for r in holdings.rows):
        holdings, modelled = model_book(
            holdings, sched, curve, risk, short_rate or ShortRateSettings()
        )
    analysis = analyze_holdings(holdings, analysis_date, book, sched)
    if modelled is not None:
        modelled_yield_view(analysis.table, modelled, sched)
    computed = curve_risk(
        sched,
        book.face,
        curve,
        analysis.table.column("dirty_price"),
        risk.key_tenors,
        risk.shift_bp * BP,
    )
    supplied = supplied_analytics(holdings, computed.krd.tenors, source)
    combined = combine_risk(
        holdings.ids,
        holdings.sectors(),
        computed,
        supplied,
        duration_tolerance=risk.duration_reconcile_tolerance,
        krd_sum_tolerance=risk.krd_sum_tolerance,
    )
    if modelled is not None:
        combined = apply_modelled(combined, modelled, supplied, risk.duration_reconcile_tolerance)
    else:
        flags = convexity_unit_flags(holdings.ids, supplied)
        combined = dataclasses.replace(combined, flags=(*combined.flags, *flags))
    krd_par = holdings_par_krd(
        sched,
        quotes,
        computed.z_spread,
        computed.krd.tenor_years,
        combined.krd.krd,
        np.array([s == "computed" for s in combined.source]),
        risk.supplied_krd_convention.to_convention(),
        curve,
    )
    supplied_convention = risk.supplied_krd_convention.to_convention()
    if modelled is not None and supplied_convention != ZERO_CONTINUOUS:
        # The model's KRDs are zero-rate tents like the engine's own, not the supplied
        # convention holdings_par_krd converted them from.
        krd_par[modelled.index] = KrdBasisMap(computed.krd.tenor_years, curve, quotes).convert(
            modelled.krd, ZERO_CONTINUOUS, PAR_TREASURY
        )
    return BookRisk(book, sched, analysis.table, combined, krd_par, holdings, modelled)


@dataclass(frozen=True)
class MeasuredBook:
    """The case's holdings measured on its curves, before the book-level aggregation."""

    curves: MarketCurves
    #: The holdings as priced (OAS-quoted modelled holdings carry their model price).
    holdings: Holdings
    #: The holdings file (the case file for inline holdings), for located errors.
    holdings_source: str
    book_risk: BookRisk
    short_rate: ShortRateSettings
    calibration: Calibration | None


def measure_book(
    case: AnalysisCase, source: str, curves: MarketCurves | None = None
) -> MeasuredBook:
    """Load the case's holdings and measure them (:func:`holding_risk`) on its curves (built
    here when not given), the short-rate model calibrated when the case asks."""
    holdings, holdings_source = load_holdings_section(
        case.holdings, source, "holdings", case.analysis_date
    )
    if curves is None:
        curves = build_curves(case, source)
    assert curves.treasury_quotes is not None
    short_rate, calibration = _short_rate(case, source, curves)
    book_risk = holding_risk(
        holdings,
        holdings_source,
        case.analysis_date,
        curves.treasury,
        case.risk,
        curves.treasury_quotes,
        short_rate,
    )
    holdings = book_risk.holdings or holdings
    return MeasuredBook(curves, holdings, holdings_source, book_risk, short_rate, calibration)


def analyze_case(
    case: AnalysisCase, source: str, curves: MarketCurves | None = None
) -> CaseAnalysis:
    """Measure the portfolio and compare it with the benchmark.

    Parameters
    ----------
    case
        The validated case.
    source
        Path of the case file (relative paths inside it resolve against its folder).
    curves
        The case's curves when already built (:func:`build_curves` of this case, e.g. from a
        market-snapshot cache); built here otherwise.
    """
    return analysis_of_book(case, source, measure_book(case, source, curves))


def analysis_of_book(case: AnalysisCase, source: str, measured: MeasuredBook) -> CaseAnalysis:
    """The case's analysis from its measured book: sector contributions, the active risk
    against the benchmark and the comparison with it (see :func:`analyze_case`)."""
    curves, holdings, holdings_source = measured.curves, measured.holdings, measured.holdings_source
    assert curves.treasury_quotes is not None
    short_rate, book_risk = measured.short_rate, measured.book_risk
    risk = book_risk.risk
    cov = load_covariance(case.covariance, source, risk.krd.tenors)
    flags = list(risk.flags)
    view, bench_book = (
        _benchmark_view(case, source, curves, short_rate)
        if case.benchmark is not None
        else (None, None)
    )
    swap_vols = None
    if case.hedge is not None:
        swap_vols = (case.hedge.costs.swap_spread_vol_bp, case.hedge.costs.swap_spread_tenor_vol_bp)
    active = measure_active_risk(
        case.risk,
        source,
        risk,
        book_risk.krd_par,
        curves.treasury,
        curves.treasury_quotes,
        cov,
        view,
        swap_vols,
        holding_spread_levels(holdings, risk, holdings_source),
    )
    flags.extend(active.flags)
    comparison = None
    if view is not None:
        totals = risk.totals()
        assert active.benchmark_krd is not None
        # Gaps in the chosen convention: the profile handed over carries the converted vector.
        profile = view.profile.model_copy(
            update={"krd": active.krd_dict(active.benchmark_krd), "krd_convention": None}
        )
        comparison = compare_to_benchmark(
            portfolio_duration=totals["effective_duration"],
            portfolio_krd=active.portfolio_krd,
            tenors=risk.krd.tenors,
            market_value=totals["market_value"],
            profile=profile,
            covariance=KeyRateCovariance(cov.tenors, active.rate_covariance, cov.metadata),
            analysis_date=case.analysis_date,
            portfolio_sector_weights=sector_weights(risk),
        )
        flags.extend(comparison.flags)
    return CaseAnalysis(
        case=case,
        holdings=holdings,
        book=book_risk.book,
        schedule=book_risk.schedule,
        frame_source=frame
        if not callable(frame := book_risk.frame_source)  # a table or a DataFrame: shared
        else partial(getattr, book_risk, "yield_frame"),  # built once, by the book's (if read)
        curves=curves,
        risk=risk,
        covariance=cov,
        benchmark=comparison,
        flags=tuple(flags),
        krd_par=book_risk.krd_par,
        active=active,
        benchmark_book=bench_book,
        modelled=book_risk.modelled,
        short_rate=short_rate,
        calibration=measured.calibration,
    )


def _short_rate(
    case: AnalysisCase, source: str, curves: MarketCurves
) -> tuple[ShortRateSettings, Calibration | None]:
    """The case's short-rate settings, calibrated on the Treasury curve when asked."""
    swaptions = case.hedge.universe.swaptions if case.hedge is not None else []
    return short_rate_settings(case.models.short_rate, swaptions, curves.treasury, source)


def _benchmark_view(
    case: AnalysisCase, source: str, curves: MarketCurves, short_rate: ShortRateSettings
) -> tuple[BenchmarkView, BookRisk | None]:
    """The benchmark as the active-risk step needs it (holdings are analysed in full)."""
    bench = case.benchmark
    if not isinstance(bench, BenchmarkHoldingsSpec):
        assert bench is not None
        return BenchmarkView(bench), None
    assert curves.treasury_quotes is not None
    bench_holdings, bench_source = load_holdings_section(
        bench.holdings, source, "benchmark.holdings", case.analysis_date
    )
    book = holding_risk(
        bench_holdings,
        bench_source,
        case.analysis_date,
        curves.treasury,
        case.risk,
        curves.treasury_quotes,
        short_rate,
    )
    bench_risk = book.risk
    bench_totals = bench_risk.totals()
    spread = spread_dv01_by_sector(bench_risk)
    mv = bench_totals["market_value"]
    w = bench_risk.market_value / mv
    sector_weights = {row["sector"]: row["weight"] for row in sector_rows(bench_risk)}
    profile = BenchmarkProfile(
        name=bench.name,
        as_of=bench.as_of,
        rebalance_date=bench.rebalance_date,
        duration=bench_totals["effective_duration"],
        krd=bench_risk.krd.as_dict(),
        convexity=bench_totals["effective_convexity"],
        spread_duration=bench_totals["spread_duration"],
        sector_weights=sector_weights,
        sector_spread_durations={
            s: spread[s] / (sector_weights[s] * mv * BP)
            for s in sector_weights
            if sector_weights[s] > 0
        },
        max_staleness_days=bench.max_staleness_days,
    )
    view = BenchmarkView(
        profile,
        krd_par=w @ book.krd_par,
        krd_zero=w @ bench_risk.krd.krd,
        spread_dv01_per_mv={s: v / mv for s, v in spread.items()},
        holdings_risk=bench_risk,
        spread_levels=holding_spread_levels(
            bench_holdings, bench_risk, bench_source, "benchmark.holdings"
        ),
    )
    return view, book

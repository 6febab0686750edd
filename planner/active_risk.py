"""Risk measured the way the benchmark measures it: KRD conventions, sector spread risk and the
multi-factor tracking error of the book against its benchmark.

The case names the KRD convention of gaps, limits and tracking error (``risk.krd_convention``:
``benchmark`` by default, ``zero`` or ``par``). Holdings are always measured in both bases by
revaluation (:mod:`hedge_planner.models.krd`); a benchmark profile stated in the other basis is
converted with the first-order basis map and flagged. Tracking error comes from the factor model
of :mod:`hedge_planner.models.risk_model`: key rates (the chosen KRD basis, priced with the
par-yield covariance mapped into it), sector spreads (spread DV01 = spread duration x MV x 1e-4
per sector, portfolio minus benchmark) and the Treasury-SOFR swap spread when swaps are held.

``risk.credit_exposure: dts`` measures the credit sectors (those the relative spread-vol table
names) by duration times spread instead: a holding's DTS is its spread duration (years) times
its spread level (bp: the supplied OAS, else the computed z-spread), a sector's the market-value
weighted sum (years x bp per unit of value); a profile benchmark's is its sector weight x sector
spread duration x ``benchmark.sector_spread_levels`` (bp). The exposure is MV x DTS gap x 1e-6,
currency per 1 % relative spread change, priced with relative vols (% per year).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hedge_planner.cases import RiskSpec, resolve_path
from hedge_planner.covariance_input import rate_covariance_in_basis
from hedge_planner.models.arrays import FloatArray
from hedge_planner.models.benchmark import (
    BenchmarkProfile,
    profile_krd_convention,
    profile_sector_spread_durations,
)
from hedge_planner.models.bootstrap import key_tenor
from hedge_planner.models.covariance import KeyRateCovariance
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError, InputError, InputIssue
from hedge_planner.models.input_files import read_user_text
from hedge_planner.models.krd import (
    PAR_TREASURY,
    ZERO_CONTINUOUS,
    KrdBasisMap,
    KrdConvention,
    ParQuotes,
)
from hedge_planner.models.portfolio import Flag, HoldingRisk
from hedge_planner.models.risk_model import (
    DTS_EXPOSURE_SCALE,
    RelativeSpreadTable,
    RelativeSpreadVol,
    RiskModel,
    SpreadRiskTable,
    TrackingErrorBreakdown,
    active_exposures,
    load_default_relative_table,
    load_default_spread_table,
)
from hedge_planner.models.schemas import Holdings
from hedge_planner.models.spread_history import spread_table_from_history
from hedge_planner.models.units import BP
from hedge_planner.risk_model_memo import risk_model

#: Treasury-SOFR swap-spread vols used when the case has no hedge section, bp per year.
DEFAULT_SWAP_SPREAD_VOL_BP = 20.0
DEFAULT_SWAP_SPREAD_TENOR_VOL_BP = 8.0


@dataclass(frozen=True)
class ActiveRisk:
    """The book against its benchmark in the chosen KRD convention, with the factor model.

    Attributes
    ----------
    convention
        KRD convention of ``portfolio_krd``, ``benchmark_krd``, the KRD limits and the TE.
    portfolio_krd, benchmark_krd
        Market-value-weighted KRDs, years, in ``convention`` (benchmark None without one).
    krd_zero, krd_par
        The portfolio's KRDs in both bases, years.
    spread_dv01_by_sector
        Portfolio spread DV01 per sector, currency per bp of widening.
    benchmark_spread_dv01_by_sector
        The benchmark's, scaled to the portfolio's market value (empty without a benchmark).
    market_value
        Portfolio market value, currency.
    risk_model
        Factors and covariance.
    exposures
        Active exposures by factor (currency per bp), pre-hedge.
    tracking_error
        Pre-hedge tracking error against the benchmark (None without a benchmark).
    flags
        Conversions and assumptions worth a reader's attention.
    credit_exposure
        ``"spread_dv01"`` or ``"dts"``: how the credit sectors' exposures were measured.
    dts_by_sector, benchmark_dts_by_sector
        Under ``dts``: duration times spread of each DTS sector, years x bp per unit of the
        book's (or the benchmark's) market value (market-value weighted contributions).
    """

    convention: KrdConvention
    tenors: tuple[str, ...]
    portfolio_krd: FloatArray
    benchmark_krd: FloatArray | None
    krd_zero: FloatArray
    krd_par: FloatArray
    spread_dv01_by_sector: dict[str, float]
    benchmark_spread_dv01_by_sector: dict[str, float]
    market_value: float
    risk_model: RiskModel
    exposures: dict[str, float]
    tracking_error: TrackingErrorBreakdown | None
    flags: tuple[Flag, ...]
    credit_exposure: str = "spread_dv01"
    dts_by_sector: dict[str, float] = field(default_factory=dict)
    benchmark_dts_by_sector: dict[str, float] = field(default_factory=dict)

    @property
    def rate_covariance(self) -> FloatArray:
        """Key-rate block of the risk model in this convention's basis, bp^2 per year."""
        names = self.risk_model.names  # a property: built once here, not per tenor
        idx = [names.index(f"rate:{t}") for t in self.tenors]
        return np.asarray(self.risk_model.covariance[np.ix_(idx, idx)], dtype=np.float64)

    def krd_dict(self, values: FloatArray) -> dict[str, float]:
        """``{tenor: years}``."""
        return {t: float(v) for t, v in zip(self.tenors, values, strict=True)}

    def as_dict(self) -> dict[str, Any]:
        """JSON form (see the README's ``risk_model`` and ``tracking_error`` fields)."""
        return {
            "krd_convention": self.convention.as_dict(),
            "portfolio_krd": self.krd_dict(self.portfolio_krd),
            "benchmark_krd": None
            if self.benchmark_krd is None
            else self.krd_dict(self.benchmark_krd),
            "spread_dv01_by_sector": dict(self.spread_dv01_by_sector),
            "benchmark_spread_dv01_by_sector": dict(self.benchmark_spread_dv01_by_sector),
            "credit_exposure": self.credit_exposure,
            "dts_by_sector": dict(self.dts_by_sector),
            "benchmark_dts_by_sector": dict(self.benchmark_dts_by_sector),
            "risk_model": self.risk_model.as_dict(),
            "tracking_error": None
            if self.tracking_error is None
            else self.tracking_error.as_dict(),
        }


def spread_dv01_by_sector(risk: HoldingRisk) -> dict[str, float]:
    """Spread DV01 per sector (currency per bp of widening), in first-appearance order."""
    out: dict[str, float] = {}
    for sector, value in zip(risk.sectors, risk.spread_dv01, strict=True):
        out[sector] = out.get(sector, 0.0) + float(value)
    return out


def chosen_convention(
    spec: RiskSpec, benchmark: KrdConvention | None, source: str
) -> KrdConvention:
    """The convention of gaps, limits and TE that the case asks for.

    Raises
    ------
    InputError
        When the benchmark states a clean-price convention (book-level KRDs cannot be moved
        between price bases; the message names the convention to supply).
    """
    if spec.krd_convention == "zero":
        return ZERO_CONTINUOUS
    if spec.krd_convention == "par":
        return PAR_TREASURY
    if benchmark is None:
        return ZERO_CONTINUOUS
    if benchmark.price_basis != "full":
        raise InputError(
            [
                InputIssue(
                    source,
                    None,
                    "benchmark.krd_convention.price_basis",
                    "benchmark KRDs on the clean-price basis cannot be compared with the book",
                    "supply the benchmark's KRDs on the full (dirty) price basis, zero or par",
                )
            ]
        )
    return PAR_TREASURY if benchmark.rate_basis == "par" else ZERO_CONTINUOUS


def load_spread_table(spec: RiskSpec, source: str) -> SpreadRiskTable:
    """The shipped sector spread table, the case's own file in the same format, or a table
    estimated from the case's spread history (over whichever of the two tables is the base)."""
    base = _spread_table_file(spec, source)
    history = spec.spread_history
    if history is None:
        return base
    path = resolve_path(source, history.path)
    text, name = read_user_text(path)
    return spread_table_from_history(
        text, name, base, history.lookback_months, history.halflife_months
    )


def _spread_table_file(spec: RiskSpec, source: str) -> SpreadRiskTable:
    if spec.spread_table is None:
        return load_default_spread_table()
    path = resolve_path(source, spec.spread_table)
    text, _ = read_user_text(path)
    try:
        return SpreadRiskTable.from_dict(json.loads(text))
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"not a sector spread table ({type(exc).__name__}: {str(exc)[:60]})"
        hint = "use the format of models/data/sector_spread_risk.json"
        raise InputError([InputIssue(str(path), None, "risk.spread_table", reason, hint)]) from None


def load_relative_table(spec: RiskSpec, source: str) -> RelativeSpreadTable:
    """The shipped relative spread-vol table (DTS option) or the case's own file."""
    if spec.relative_spread_vols is None:
        return load_default_relative_table()
    path = resolve_path(source, spec.relative_spread_vols)
    text, _ = read_user_text(path)
    try:
        return RelativeSpreadTable.from_dict(json.loads(text))
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"not a relative spread-vol table ({type(exc).__name__}: {str(exc)[:60]})"
        hint = "use the format of models/data/sector_relative_spread_vol.json"
        raise InputError(
            [InputIssue(str(path), None, "risk.relative_spread_vols", reason, hint)]
        ) from None


@dataclass(frozen=True)
class SpreadLevels:
    """Spread level of every holding for duration times spread.

    Attributes
    ----------
    bp
        Spread level per holding, bp: the supplied OAS where the holding has one, else the
        computed z-spread over the Treasury curve (continuous, ACT/365F).
    origin
        ``"oas"`` or ``"z_spread"`` per holding.
    source
        The holdings file (or case file for inline holdings), for located errors.
    field
        How the holdings section is named in the case (``holdings``, ``benchmark.holdings``).
    """

    bp: FloatArray
    origin: tuple[str, ...]
    source: str
    field: str = "holdings"


def holding_spread_levels(
    holdings: Holdings, risk: HoldingRisk, source: str, field_name: str = "holdings"
) -> SpreadLevels:
    """Spread levels (bp) of a set of holdings: supplied OAS, else the computed z-spread."""
    oas = np.array([np.nan if r.oas is None else r.oas for r in holdings.rows], dtype=np.float64)
    has = np.isfinite(oas)
    level = np.where(has, oas, np.asarray(risk.computed.z_spread, dtype=np.float64)) / BP
    origin = tuple("oas" if h else "z_spread" for h in has)
    return SpreadLevels(level, origin, source, field_name)


def dts_by_sector(
    risk: HoldingRisk, levels: SpreadLevels, dts_sectors: Sequence[str]
) -> dict[str, float]:
    """Duration times spread of each DTS sector, years x bp per unit of the book's value.

    Raises
    ------
    InputError
        When a holding of a DTS sector has no positive, finite spread level (located by the
        holdings file, the holding's id and the ``oas`` column).
    """
    wanted = set(dts_sectors)
    weights = risk.market_value / float(risk.market_value.sum())
    out: dict[str, float] = {}
    issues: list[InputIssue] = []
    for i, sector in enumerate(risk.sectors):
        if sector not in wanted:
            continue
        level = float(levels.bp[i])
        if not (np.isfinite(level) and level > 0.0):
            what = "no spread level" if not np.isfinite(level) else f"a {level:.1f} bp spread"
            issues.append(
                InputIssue(
                    levels.source,
                    None,
                    "oas",
                    f"holding {risk.ids[i]!r} ({sector}, {levels.field}[{i}]) has {what} "
                    f"({levels.origin[i]}): duration times spread needs a positive level",
                    "supply its OAS in the oas column (decimal: 0.0120 for 120 bp), or set "
                    "risk.credit_exposure: spread_dv01",
                )
            )
            continue
        out[sector] = out.get(sector, 0.0) + float(weights[i] * risk.spread_duration[i] * level)
    if issues:
        raise InputError(issues)
    return out


@dataclass(frozen=True)
class BenchmarkView:
    """What the active-risk step needs of a benchmark."""

    profile: BenchmarkProfile
    #: Par KRDs of a holdings benchmark (market-value weighted), None for a profile.
    krd_par: FloatArray | None = None
    #: Zero KRDs of a holdings benchmark.
    krd_zero: FloatArray | None = None
    #: Spread DV01 per sector of a holdings benchmark, per unit of its market value.
    spread_dv01_per_mv: Mapping[str, float] | None = None
    #: A holdings benchmark's analytics and spread levels (for its DTS), None for a profile.
    holdings_risk: HoldingRisk | None = None
    spread_levels: SpreadLevels | None = None


def measure_active_risk(
    spec: RiskSpec,
    source: str,
    risk: HoldingRisk,
    krd_par_rows: FloatArray,
    curve: YieldCurve,
    quotes: ParQuotes,
    covariance: KeyRateCovariance,
    benchmark: BenchmarkView | None,
    swap_spread_vols: tuple[float, float] | None = None,
    spread_levels: SpreadLevels | None = None,
) -> ActiveRisk:
    """KRDs in the chosen convention, sector spread exposures and the pre-hedge tracking error
    (``spread_levels``, the book's in bp, is needed when ``spec.credit_exposure`` is ``dts``)."""
    tenors = tuple(risk.krd.tenors)
    mv = float(risk.market_value.sum())
    weights = risk.market_value / mv
    krd_zero = weights @ risk.krd.krd
    krd_par = weights @ krd_par_rows
    flags: list[Flag] = []
    bench_conv = None if benchmark is None else profile_krd_convention(benchmark.profile)[0]
    convention = chosen_convention(spec, bench_conv, source)
    portfolio_krd = krd_par if convention.rate_basis == "par" else krd_zero
    bench_krd: FloatArray | None = None
    bench_spread: dict[str, float] = {}
    if benchmark is not None:
        bench_krd = _benchmark_krd(benchmark, convention, tenors, curve, quotes, flags, source)
        bench_spread = _benchmark_spread_dv01(benchmark, mv, flags)
    own_spread = spread_dv01_by_sector(risk)
    sectors = list(dict.fromkeys([*own_spread, *bench_spread]))
    spread_table = load_spread_table(spec, source)
    credit = _credit_dts(spec, source, sectors, spread_table, risk, spread_levels, benchmark)
    vols = swap_spread_vols or (DEFAULT_SWAP_SPREAD_VOL_BP, DEFAULT_SWAP_SPREAD_TENOR_VOL_BP)
    model = risk_model(
        tenors,
        rate_covariance_in_basis(
            np.asarray(covariance.subset(list(tenors)).matrix), risk, curve, quotes, convention
        ),
        _covariance_label(covariance, convention),
        sectors,
        spread_table,
        swap_spread_vol_bp=vols[0],
        swap_spread_tenor_vol_bp=vols[1],
        swap_spread_source="assumed (case hedge.costs swap_spread_vol_bp / _tenor_vol_bp)",
        relative=credit.relative,
        relative_window=credit.window,
    )
    active_krd = portfolio_krd - (bench_krd if bench_krd is not None else 0.0)
    active_spread = {s: own_spread.get(s, 0.0) - bench_spread.get(s, 0.0) for s in sectors}
    # DTS sectors: currency per 1 % relative spread change = MV x (DTS gap, years x bp) x 1e-6.
    active_spread.update(
        {
            s: mv * (credit.own.get(s, 0.0) - credit.bench.get(s, 0.0)) * DTS_EXPOSURE_SCALE
            for s in credit.relative
        }
    )
    exposures = active_exposures(tenors, active_krd * mv * BP, active_spread, np.zeros(len(tenors)))
    te = model.tracking_error(exposures, mv) if benchmark is not None else None
    return ActiveRisk(
        convention=convention,
        tenors=tenors,
        portfolio_krd=portfolio_krd,
        benchmark_krd=bench_krd,
        krd_zero=krd_zero,
        krd_par=krd_par,
        spread_dv01_by_sector=own_spread,
        benchmark_spread_dv01_by_sector=bench_spread,
        market_value=mv,
        risk_model=model,
        exposures=exposures,
        tracking_error=te,
        flags=tuple(flags),
        credit_exposure=spec.credit_exposure,
        dts_by_sector=credit.own,
        benchmark_dts_by_sector=credit.bench,
    )


@dataclass(frozen=True)
class _CreditDts:
    """The DTS side of the credit sectors (empty under spread DV01)."""

    relative: dict[str, RelativeSpreadVol]
    own: dict[str, float]
    bench: dict[str, float]
    window: str | None


def _credit_dts(
    spec: RiskSpec,
    source: str,
    sectors: Sequence[str],
    spread_table: SpreadRiskTable,
    risk: HoldingRisk,
    levels: SpreadLevels | None,
    benchmark: BenchmarkView | None,
) -> _CreditDts:
    """Relative vols and DTS (years x bp per unit of value) of the sectors measured by DTS."""
    if spec.credit_exposure != "dts":
        return _CreditDts({}, {}, {}, None)
    table = load_relative_table(spec, source)
    relative = {s: entry for s in sectors if (entry := table.lookup(s, spread_table)) is not None}
    if levels is None:
        raise AnalyticsError("duration times spread needs the holdings' spread levels")
    own = dts_by_sector(risk, levels, list(relative))
    bench: dict[str, float] = {}
    if benchmark is not None:
        bench = _benchmark_dts(benchmark, list(relative), source)
    return _CreditDts(relative, own, bench, table.window)


def _benchmark_dts(
    benchmark: BenchmarkView, dts_sectors: list[str], source: str
) -> dict[str, float]:
    """The benchmark's DTS per DTS sector, years x bp per unit of its value."""
    if benchmark.holdings_risk is not None and benchmark.spread_levels is not None:
        return dts_by_sector(benchmark.holdings_risk, benchmark.spread_levels, dts_sectors)
    profile = benchmark.profile
    durations, _ = profile_sector_spread_durations(profile)
    levels = profile.sector_spread_levels
    issues = [
        InputIssue(
            source,
            None,
            f"benchmark.sector_spread_levels.{s}",
            f"risk.credit_exposure is dts but the benchmark gives no spread level for its "
            f"{s!r} sector (weight {profile.sector_weights[s]:.1%})",
            f"state the sector's index OAS in bp, e.g. sector_spread_levels: {{{s}: 120}}",
        )
        for s in dts_sectors
        if profile.sector_weights.get(s, 0.0) > 0 and s not in levels
    ]
    if issues:
        raise InputError(issues)
    return {
        s: w * durations[s] * levels[s]
        for s, w in profile.sector_weights.items()
        if s in dts_sectors and w > 0
    }


def _covariance_label(cov: KeyRateCovariance, convention: KrdConvention) -> str:
    meta = cov.metadata
    label = f"{meta.source}, {meta.start} to {meta.end}, {meta.method} ({meta.n_obs} daily changes)"
    mapped = f"; par-yield covariance mapped to the {convention.label()} basis"
    return label + ("" if convention.rate_basis == "par" else mapped)


def _benchmark_krd(
    benchmark: BenchmarkView,
    convention: KrdConvention,
    tenors: Sequence[str],
    curve: YieldCurve,
    quotes: ParQuotes,
    flags: list[Flag],
    source: str,
) -> FloatArray:
    if benchmark.krd_par is not None and benchmark.krd_zero is not None:
        return benchmark.krd_par if convention.rate_basis == "par" else benchmark.krd_zero
    profile = benchmark.profile
    stated, given = profile_krd_convention(profile)
    vector = np.array([profile.krd.get(t, 0.0) for t in tenors])
    if not given:
        flags.append(
            Flag(
                "warn",
                "benchmark_krd_convention",
                f"benchmark {profile.name!r} does not state its KRD convention; read as "
                f"{stated.label()}. Index providers publish par KRDs: state "
                "benchmark.krd_convention (rate_basis: par) if these are theirs",
            )
        )
    if stated.same_measure(convention):
        return vector
    years = np.array([_tenor_years(t) for t in tenors])
    try:
        converted = KrdBasisMap(years, curve, quotes).convert(vector, stated, convention)
    except AnalyticsError as exc:
        raise InputError([InputIssue(source, None, "benchmark.krd_convention", str(exc))]) from None
    flags.append(
        Flag(
            "info",
            "benchmark_krd_converted",
            f"benchmark KRDs converted from {stated.label()} to {convention.label()} with the "
            "first-order basis map (holdings are revalued in both bases; a profile can only be "
            "mapped)",
        )
    )
    return converted


def _tenor_years(label: str) -> float:
    return key_tenor(label)[1]


def _benchmark_spread_dv01(
    benchmark: BenchmarkView, market_value: float, flags: list[Flag]
) -> dict[str, float]:
    if benchmark.spread_dv01_per_mv is not None:
        return {s: v * market_value for s, v in benchmark.spread_dv01_per_mv.items()}
    profile = benchmark.profile
    durations, complete = profile_sector_spread_durations(profile)
    fallback = profile.spread_duration if profile.spread_duration is not None else profile.duration
    if profile.sector_weights and not complete:
        flags.append(
            Flag(
                "info",
                "benchmark_sector_spread_duration_assumed",
                f"benchmark {profile.name!r} gives no spread duration for some sectors; they "
                f"are assumed to have its total spread duration ({fallback:.2f} years): state "
                "benchmark.sector_spread_durations",
            )
        )
    return {s: w * durations[s] * market_value * BP for s, w in profile.sector_weights.items()}


#: Instrument kinds discounted and forecast off SOFR: they carry the Treasury-SOFR swap spread.
SWAP_LIKE = frozenset({"swap", "swaption", "cap", "floor"})


def position_loadings(
    active: ActiveRisk,
    positions: Sequence[tuple[str, FloatArray]],
    curve: YieldCurve,
    quotes: ParQuotes,
) -> dict[str, float]:
    """Exposures that derivative positions add to the book's (currency per bp per factor).

    Parameters as :func:`with_positions`; linear in the positions, so called with one unit of
    an instrument it gives that instrument's per-unit factor loadings (the optimiser's ``B``).
    """
    tenors = active.tenors
    rate = np.zeros(len(tenors))
    swap = np.zeros(len(tenors))
    for kind, kd in positions:
        vec = np.asarray(kd, dtype=np.float64)
        rate += vec
        if kind in SWAP_LIKE:
            swap += vec
    if active.convention.rate_basis == "par" and np.any(rate):
        years = np.array([_tenor_years(t) for t in tenors])
        rate = KrdBasisMap(years, curve, quotes).convert(rate, ZERO_CONTINUOUS, active.convention)
    out = {f"rate:{t}": float(v) for t, v in zip(tenors, rate, strict=True)}
    out["swap_spread"] = float(swap.sum())
    out.update({f"swap_spread:{t}": float(v) for t, v in zip(tenors, swap, strict=True)})
    return out


def with_positions(
    active: ActiveRisk,
    positions: Sequence[tuple[str, FloatArray]],
    curve: YieldCurve,
    quotes: ParQuotes,
) -> dict[str, float]:
    """Active exposures of the book plus derivative positions.

    Parameters
    ----------
    active
        The cash book against its benchmark.
    positions
        ``(kind, krd_dv01)`` per position: the position's key-rate DV01s (currency per bp, zero
        basis as the instruments are priced), already multiplied by the units held.
    curve, quotes
        For re-expressing the positions' KRD DV01s in the chosen convention.

    Notes
    -----
    Positions add their KRD DV01s to the rate factors (converted to the chosen convention with
    the first-order basis map when that is par) and, when swap-like, their zero-basis KRD DV01s
    to the swap-spread factors (the common factor takes their sum). They never load on sector
    spreads: rate hedges cannot reduce spread risk.
    """
    added = position_loadings(active, positions, curve, quotes)
    out = dict(active.exposures)
    for name, value in added.items():
        out[name] = out.get(name, 0.0) + value
    return out

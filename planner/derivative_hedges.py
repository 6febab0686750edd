"""Case specs -> priced options on futures, SOFR caps/floors and CDX indices (hedge universe).

Split from :mod:`hedging` (which wraps each result in a ``UniverseMember``) to keep modules
short. Each builder returns the pricing object and its per-unit risk on the case's key tenors
over the hedge horizon.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
from hedge_planner.case_derivatives import CapFloorSpec, CdxSpec, FutureOptionSpec
from hedge_planner.cases import FuturesSpec, SwaptionSpec
from hedge_planner.models.caps import CapFloor
from hedge_planner.models.cdx import CdxIndex
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.errors import AnalyticsError
from hedge_planner.models.futures_hedge import TreasuryFuture
from hedge_planner.models.futures_options import FutureOption
from hedge_planner.models.hedge_instruments import HedgeInstrumentRisk
from hedge_planner.models.risk_model import Factor, RiskModel
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)


def future_option(
    spec: FutureOptionSpec,
    futures: Sequence[tuple[object, object]],
    tenors: tuple[str, ...],
    horizon: int,
) -> tuple[FutureOption, HedgeInstrumentRisk]:
    """An option on the universe's future with the spec's code (and contract month).

    ``futures`` holds ``(spec, priced instrument)`` of the members built so far; the first
    futures entry with the code (and month, when given) is the underlying.

    Raises
    ------
    AnalyticsError
        When the universe has no such future (reported at the option's case key).
    """
    under = [
        inst
        for fs, inst in futures
        if isinstance(fs, FuturesSpec)
        and isinstance(inst, TreasuryFuture)
        and fs.code.upper() == spec.code.upper()
        and spec.contract_month in (None, fs.contract_month)
    ]
    if not under:
        month = f" {spec.contract_month}" if spec.contract_month else ""
        raise AnalyticsError(f"no futures entry {spec.code}{month} in hedge.universe.futures")
    future = under[0]
    strike = None if spec.strike == "atm" else float(spec.strike)
    k = future.futures_price if strike is None else strike
    option = FutureOption(
        f"{future.name} {spec.type[0].upper()} {k:.2f}",
        future,
        strike,
        spec.expiry,
        spec.vol,
        call=spec.type == "call",
        american=spec.exercise == "american",
        margin=spec.initial_margin,
        half_spread_vol=spec.half_spread_vol,
        key_tenors=tenors,
    )
    return option, option.risk(tenors, horizon_days=horizon)


def cap_floor(
    spec: CapFloorSpec, sofr: YieldCurve, tenors: tuple[str, ...], horizon: int
) -> tuple[CapFloor, HedgeInstrumentRisk]:
    """A SOFR cap or floor off the SOFR curve."""
    strike = None if spec.strike == "atm" else float(spec.strike)
    name = (
        f"SOFR {spec.tenor} {spec.type}"
        + (f" fwd {spec.start}" if spec.start else "")
        + (" ATM" if strike is None else f" {100 * strike:.3f}%")
    )
    option = CapFloor(
        name,
        spec.tenor,
        sofr,
        spec.vol,
        strike=strike,
        cap=spec.type == "cap",
        model="normal" if spec.model == "bachelier" else "lognormal",
        lognormal_shift=spec.lognormal_shift,
        start=spec.start,
        frequency=spec.frequency,
        margin=spec.initial_margin_rate,
        half_spread_vol=spec.half_spread_vol,
        key_tenors=tenors,
    )
    return option, option.risk(tenors, horizon_days=horizon)


def cdx_index(
    spec: CdxSpec, sofr: YieldCurve, tenors: tuple[str, ...], horizon: int
) -> tuple[CdxIndex, HedgeInstrumentRisk]:
    """A CDX index discounted on SOFR."""
    index = CdxIndex(
        f"CDX {spec.series} {spec.tenor}",
        spec.series,
        spec.spread,
        sofr,
        tenor=spec.tenor,
        coupon=spec.coupon,
        recovery=spec.recovery,
        beta=spec.beta,
        sector=spec.sector,
        half_spread_bp=spec.half_spread_bp,
        margin_rate=spec.initial_margin_rate,
        key_tenors=tenors,
    )
    return index, index.risk(tenors, horizon_days=horizon)


def spread_loadings(
    name: str, instrument: object, quantity: float, factor_names: Sequence[str]
) -> dict[str, float]:
    """Sector-spread factor loadings of ``quantity`` units of a CDX (``{}`` for anything else).

    ``beta * spread DV01 * quantity`` on ``spread:<sector>``, currency per bp (positive for
    protection sold, like a bond). A sector the risk model does not have is skipped with a
    warning: the index then hedges none of the book's spread risk.
    """
    if not isinstance(instrument, CdxIndex):
        return {}
    out: dict[str, float] = {}
    loads: Mapping[str, float] = instrument.factor_loadings()
    for factor, value in loads.items():
        if factor in factor_names:
            out[factor] = value * quantity
        else:
            logger.warning("%s: the risk model has no factor %s; no spread loading", name, factor)
    return out


#: Group of the CDX index-vs-book basis factors in the hedge's risk model.
BASIS_GROUP = "cdx_basis"


def basis_factor(name: str) -> str:
    """Name of the index-vs-book basis factor of the CDX member ``name``."""
    return f"basis:{name}"


def hedge_risk_model(model: RiskModel, members: Sequence[tuple[str, object, object]]) -> RiskModel:
    """The book's risk model plus one index-vs-book basis factor per CDX of the universe.

    ``members`` holds ``(name, spec, instrument)``. A CDX hedges the book's sector spread
    through its beta, but the index does not move one-for-one with the book's own credits:
    each index gets an independent factor ``basis:<name>`` (group ``cdx_basis``) with vol
    ``basis_vol_bp`` bp/yr (case key ``hedge.universe.cdx[i].basis_vol_bp``, default 15, an
    assumption), uncorrelated with every other factor, on which one unit of the index loads its
    spread DV01 (:func:`basis_loadings`). The basis variance of ``q`` units is then
    ``(spread DV01 x q x basis_vol_bp)^2`` currency^2/yr: the optimiser sees it, so the
    tracking error it minimises is the one the plan reports. The model is returned unchanged
    without a CDX.
    """
    extra = [
        Factor(
            basis_factor(name),
            BASIS_GROUP,
            float(spec.basis_vol_bp),
            "case hedge.universe.cdx basis_vol_bp (default 15 bp/yr)",
            assumed=True,
        )
        for name, spec, inst in members
        if isinstance(inst, CdxIndex) and isinstance(spec, CdxSpec)
    ]
    if not extra:
        return model
    n, k = len(model.factors), len(extra)
    cov = np.zeros((n + k, n + k))
    cov[:n, :n] = model.covariance
    cov[n:, n:] = np.diag([f.vol * f.vol for f in extra])
    window = dict(model.window) | {BASIS_GROUP: "assumed (case basis_vol_bp), uncorrelated"}
    return RiskModel((*model.factors, *extra), cov, window)


def basis_loadings(name: str, instrument: object, quantity: float) -> dict[str, float]:
    """Loading of ``quantity`` units of a CDX on its basis factor, currency per bp."""
    if not isinstance(instrument, CdxIndex):
        return {}
    return {basis_factor(name): instrument.spread_dv01() * quantity}


def cdx_basis_notes(
    positions: Sequence[tuple[str, object, object, float]], market_value: float
) -> list[str]:
    """The index-vs-book basis of each CDX position held after the hedge, as residual risk.

    ``positions`` holds ``(name, spec, instrument, quantity)``. The basis is a factor of the
    hedge's risk model (:func:`hedge_risk_model`), so the tracking error already counts it;
    the note states its stand-alone size, ``|spread DV01 x quantity| x basis_vol_bp``,
    currency per year (1 sd).
    """
    notes = []
    for name, spec, inst, q in positions:
        if not (isinstance(inst, CdxIndex) and isinstance(spec, CdxSpec) and q):
            continue
        sdv01 = inst.spread_dv01() * q
        basis = abs(sdv01) * spec.basis_vol_bp
        side = "protection sold" if q > 0 else "protection bought"
        notes.append(
            f"{name}: {abs(q):,.0f} notional ({side}) loads {inst.beta * sdv01:,.0f} per bp on "
            f"spread:{inst.sector} (beta {inst.beta:g}); the index-vs-book basis is residual "
            f"risk the hedge cannot remove: about {basis:,.0f} a year "
            f"({basis / market_value * 1e4:.1f} bp of MV stand-alone) at {spec.basis_vol_bp:g} "
            f"bp/yr of basis vol (hedge.universe.cdx basis_vol_bp), counted in the tracking "
            f"error as factor {basis_factor(name)} (group {BASIS_GROUP})."
        )
    return notes


def unit_vega_buckets(spec: object, inst: object, risk: HedgeInstrumentRisk) -> dict[str, float]:
    """Vega of one unit of an option by expiry x tenor bucket, currency per 1 bp of normal vol.

    One unit of measure for every option so the buckets add up: swaptions and caps priced with
    a normal vol give ``vega * 1e-4`` directly; a lognormal vol is mapped to normal with
    ``sigma_n = sigma_ln * (F + shift)`` (swaptions: the forward swap rate; caps: the
    schedule's swap rate); an option on a futures price with ``sigma_price * F = sigma_n *
    |dF/dy|`` (``|dF/dy|`` from the future's DV01). Buckets: swaptions ``<expiry>x<tenor>``,
    caps/floors ``<pillar>x<frequency-months>m`` (their vol pillars, ``all`` for a flat vol),
    options on futures ``<expiry date>x<future>``. ``{}`` for anything that is not an option.
    """
    d = risk.details
    if "vega" not in d:
        return {}
    if isinstance(inst, FutureOption):
        size = inst.size / 100.0
        dfdy = abs(d["future_dv01"]) / BP / size  # points per unit rate
        return {f"{d['expiry_date']}x{d['underlying']}": d["vega"] * dfdy / inst.forward * BP}
    if isinstance(inst, CapFloor):
        level = 1.0 if inst.model.value == "normal" else inst.swap_rate() + inst.lognormal_shift
        months = 12 * (inst.ends[0] - inst.starts[0]) // 365 or 3
        out: dict[str, float] = {}
        for pillar, vega in d["vega_by_expiry"].items():
            label = f"{pillar if pillar != 'flat' else 'all'}x{months}m"
            out[label] = out.get(label, 0.0) + vega / level * BP
        return out
    if isinstance(spec, SwaptionSpec):
        level = 1.0 if spec.model == "bachelier" else d["forward_swap_rate"]
        return {f"{spec.expiry}x{spec.tenor}": d["vega"] / level * BP}
    return {}


def normal_vega_buckets(
    members: Sequence[tuple[object, object, HedgeInstrumentRisk]], quantities: Sequence[float]
) -> dict[str, float]:
    """Vega of the held options by bucket, currency per 1 bp of normal rate vol.

    ``members`` holds ``(spec, instrument, per-unit risk)``; each unit's buckets come from
    :func:`unit_vega_buckets`, times the quantity held.
    """
    out: dict[str, float] = {}
    for (spec, inst, risk), q in zip(members, quantities, strict=True):
        if not q:
            continue
        for label, vega in unit_vega_buckets(spec, inst, risk).items():
            out[label] = out.get(label, 0.0) + vega * q
    return out

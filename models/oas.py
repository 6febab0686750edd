"""Dispatch of modelled holdings (callable/putable bonds, MBS pass-throughs) to the OAS models.

The bullet pricing path (:mod:`models.risk`, :mod:`models.portfolio`) is left as it is: holdings
whose ``kind`` is not ``bullet`` are priced and measured here, and :func:`apply_modelled` puts
their option-adjusted figures in place of the bullet-equivalent ones, labelled ``"modelled"``.

* callable / putable: Hull-White trinomial lattice (:mod:`models.callable`), model
  ``hull_white_lattice``;
* MBS with a ``refi`` prepayment: Monte Carlo over Hull-White paths (:mod:`models.mbs`), model
  ``hull_white_monte_carlo``; with ``cpr`` / ``psa``: certain flows on the curve plus OAS, model
  ``static_prepayment``.

Supplied analytics on a modelled holding are kept for reconciliation only: the duration gap and
the convexity unit are checked (a vendor convexity quoted per 100, e.g. -0.8 for -80 years^2, is
the usual slip).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hedge_planner.models.arrays import FloatArray, IntArray
from hedge_planner.models.bonds import CashflowSchedule
from hedge_planner.models.callable import (
    DEFAULT_STEPS_PER_YEAR,
    ExerciseSchedule,
    callable_risk,
    yield_of_flows,
    yield_to_worst,
)
from hedge_planner.models.curves import YieldCurve
from hedge_planner.models.dates import months_between, to_days
from hedge_planner.models.mbs import (
    DEFAULT_DELAY_DAYS,
    MonteCarloSpec,
    PoolBook,
    mbs_risk,
    projected_flows,
    projected_smm,
    timeline,
)
from hedge_planner.models.portfolio import Flag, HoldingRisk, SuppliedAnalytics
from hedge_planner.models.prepayment import Prepayment, RefiModel
from hedge_planner.models.risk import KeyRateSensitivity
from hedge_planner.models.schemas import HoldingRow
from hedge_planner.models.short_rate import HullWhite
from hedge_planner.models.units import BP

logger = logging.getLogger(__name__)

LATTICE = "hull_white_lattice"
MONTE_CARLO = "hull_white_monte_carlo"
STATIC = "static_prepayment"
#: Supplied convexity below ``duration^2 / this`` (years^2) for a holding of duration >= 2 years
#: looks like a per-100 vendor figure.
PER_100_RATIO = 10.0


@dataclass(frozen=True)
class ShortRateSettings:
    """Model options (the case's ``models.short_rate`` section), defaults stated.

    Attributes
    ----------
    model
        ``hull_white`` (the only model).
    mean_reversion, volatility
        Hull-White ``a`` (0.03 per year) and absolute normal ``sigma`` (0.01 = 100 bp a year).
    paths, seed, sampling
        Monte Carlo paths (256), seed (20231229), ``antithetic`` (default) or ``sobol``.
    lattice_steps_per_year
        Lattice time steps per year (24).
    shift_bp
        Curve shift for OA duration, convexity and KRDs, bp (25: lattice and path noise stay
        small against the option's curvature).
    refi
        Rate-dependent prepayment parameters.
    """

    model: str = "hull_white"
    mean_reversion: float = 0.03
    volatility: float = 0.01
    paths: int = 256
    seed: int = 20231229
    sampling: str = "antithetic"
    lattice_steps_per_year: float = DEFAULT_STEPS_PER_YEAR
    shift_bp: float = 25.0
    refi: RefiModel = field(default_factory=RefiModel)

    @property
    def hull_white(self) -> HullWhite:
        """The model parameters."""
        return HullWhite(self.mean_reversion, self.volatility)


@dataclass(frozen=True)
class ModelledAnalytics:
    """Option-adjusted analytics of the modelled holdings (rows aligned with ``index``).

    Attributes
    ----------
    index
        Positions of the modelled holdings in the book.
    model
        Model label per holding.
    dirty_price, accrued
        Per 100 face; ``accrued`` is the holding's own convention (pools: coupon since the 1st).
    oas
        Decimal, continuous spread over the model's curve.
    duration, convexity, spread_duration
        Option-adjusted effective duration (years), convexity (years^2), OAS duration (years).
    krd
        ``(n, K)`` OAS key rate durations, years.
    wal
        Weighted average life, years (pools; NaN for bonds).
    ytw, dtw, ctw
        The yield view: for bonds yield-to-worst (decimal, the bond's compounding) with the
        modified duration (years) and convexity (years^2) to the worst date; for pools the
        cash-flow yield (monthly compounding) of the flows projected under the pricing-date
        prepayment assumption, with their modified duration and convexity.
    """

    index: IntArray
    model: tuple[str, ...]
    dirty_price: FloatArray
    accrued: FloatArray
    oas: FloatArray
    duration: FloatArray
    convexity: FloatArray
    spread_duration: FloatArray
    krd: FloatArray
    wal: FloatArray
    ytw: FloatArray
    dtw: FloatArray
    ctw: FloatArray

    def row(self, position: int) -> int | None:
        """Row of the book position ``position``, or None when it is not modelled."""
        hits = np.flatnonzero(self.index == position)
        return int(hits[0]) if hits.size else None


def exercise_schedule(row: HoldingRow) -> ExerciseSchedule:
    """The lattice's exercise schedule of a callable/putable holding."""
    return ExerciseSchedule(
        days=tuple(int(to_days(d)) for d, _ in row.call_schedule),
        prices=tuple(p for _, p in row.call_schedule),
        style=row.call_style,
        put=row.kind == "putable",
        notice_days=row.notice_days,
    )


def pool_book(rows: Sequence[HoldingRow], settle: int) -> PoolBook:
    """Pools of MBS holdings; WAM defaults to the months from settlement to maturity."""
    wam = [
        r.wam_months
        if r.wam_months is not None
        else max(int(months_between(settle, to_days(r.maturity))), 1)
        for r in rows
    ]
    return PoolBook(
        ids=tuple(r.id for r in rows),
        face=np.array([r.face for r in rows], dtype=np.float64),
        coupon=np.array([r.coupon for r in rows], dtype=np.float64),
        wac=np.array([r.wac if r.wac is not None else r.coupon for r in rows], dtype=np.float64),
        wam=np.array(wam, dtype=np.int64),
        wala=np.array([r.wala_months for r in rows], dtype=np.int64),
        delay_days=np.array(
            [r.delay_days if r.delay_days is not None else DEFAULT_DELAY_DAYS for r in rows],
            dtype=np.int64,
        ),
        prepayment=tuple(Prepayment(*r.prepayment) for r in rows),
    )


def _empty(n: int, k: int) -> dict[str, FloatArray]:
    keys = ("dirty_price", "accrued", "oas", "duration", "convexity", "spread_duration")
    out = {name: np.full(n, np.nan) for name in (*keys, "wal", "ytw", "dtw", "ctw")}
    out["krd"] = np.full((n, k), np.nan)
    return out


#: Recent results of :func:`model_holdings` by input fingerprint: a case is often analysed several
#: times in one process (plan, scenarios, sweeps, tests), and the Monte Carlo is the costly part.
_CACHE: dict[str, ModelledAnalytics] = {}
_CACHE_SIZE = 8


def _fingerprint(
    rows: Sequence[HoldingRow],
    curve: YieldCurve,
    key_years: FloatArray,
    settings: ShortRateSettings,
    dirty_price: FloatArray,
) -> str:
    digest = hashlib.sha256()
    for r in rows:
        digest.update(r.model_dump_json().encode())
    for arr in (curve.node_times, curve.node_discounts, key_years, dirty_price):
        digest.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    digest.update(f"{curve.anchor}|{curve.interpolation}|{curve.is_shifted}|{settings}".encode())
    return digest.hexdigest()


def model_holdings(
    rows: Sequence[HoldingRow],
    sched: CashflowSchedule,
    curve: YieldCurve,
    key_years: FloatArray,
    settings: ShortRateSettings,
    dirty_price: FloatArray,
) -> ModelledAnalytics:
    """Price (or OAS) and option-adjusted risk of every modelled holding of a book (cached by
    input fingerprint; the arrays returned are read-only). See :func:`_model_holdings`."""
    if curve.is_shifted:  # shifted curves carry layers the fingerprint does not see
        return _model_holdings(rows, sched, curve, key_years, settings, dirty_price)
    key = _fingerprint(rows, curve, key_years, settings, dirty_price)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _model_holdings(rows, sched, curve, key_years, settings, dirty_price)
        for f in dataclasses.fields(hit):
            value = getattr(hit, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = hit
    return hit


def _model_holdings(
    rows: Sequence[HoldingRow],
    sched: CashflowSchedule,
    curve: YieldCurve,
    key_years: FloatArray,
    settings: ShortRateSettings,
    dirty_price: FloatArray,
) -> ModelledAnalytics:
    """Price (or OAS) and option-adjusted risk of every modelled holding of a book.

    Parameters
    ----------
    rows
        All holdings of the book (bullets are skipped).
    sched
        The book's bullet cash-flow schedule (callables' coupons and redemption).
    curve
        The model's discount curve, anchored on settlement.
    key_years
        Key tenors, years.
    dirty_price
        Market dirty price per 100 of every holding; NaN where the holding is quoted by OAS (the
        model then prices it).
    """
    idx = np.array([i for i, r in enumerate(rows) if r.modelled], dtype=np.int64)
    out = _empty(len(idx), len(key_years))
    labels = [""] * len(idx)
    hw, h = settings.hull_white, settings.shift_bp * BP
    bonds = [k for k, i in enumerate(idx) if rows[i].kind in ("callable", "putable")]
    pools = [k for k, i in enumerate(idx) if rows[i].kind == "mbs"]
    for group in _by_quote(rows, idx, bonds):
        pos = idx[group]
        sub = sched.subset(pos)
        schedules = [exercise_schedule(rows[i]) for i in pos]
        quoted = _quotes(rows, pos, dirty_price)
        res = callable_risk(
            sub,
            curve,
            schedules,
            hw,
            key_years,
            shift=h,
            steps_per_year=settings.lattice_steps_per_year,
            day_counts=[int(rows[i].day_count) for i in pos],
            **quoted,
        )
        ytw, dtw, ctw, _ = yield_to_worst(
            sub, curve, schedules, res.dirty_price, [int(rows[i].day_count) for i in pos]
        )
        _put(
            out,
            group,
            res.dirty_price,
            sub.accrued,
            res.oas,
            res.duration,
            res.convexity,
            res.spread_duration,
            res.krd,
            np.full(len(group), np.nan),
            ytw,
            dtw,
            ctw,
        )
        for k in group:
            labels[k] = LATTICE
    mc = MonteCarloSpec(settings.paths, settings.seed, settings.sampling)
    for group in _by_quote(rows, idx, pools):
        pos = idx[group]
        book = pool_book([rows[i] for i in pos], sched.settle)
        res_m = mbs_risk(
            book,
            curve,
            hw,
            key_years,
            refi=settings.refi,
            mc=mc,
            shift=h,
            **_quotes(rows, pos, dirty_price),
        )
        cfy = _cash_flow_yields(book, curve, settings, res_m.dirty_price)
        _put(
            out,
            group,
            res_m.dirty_price,
            res_m.accrued,
            res_m.oas,
            res_m.duration,
            res_m.convexity,
            res_m.spread_duration,
            res_m.krd,
            res_m.wal,
            *cfy,
        )
        for k, i in zip(group, pos, strict=True):
            labels[k] = MONTE_CARLO if rows[i].prepayment[0] == "refi" else STATIC
    logger.info("modelled %d callables/putables and %d pools", len(bonds), len(pools))
    return ModelledAnalytics(index=idx, model=tuple(labels), **out)


def _cash_flow_yields(
    book: PoolBook, curve: YieldCurve, settings: ShortRateSettings, dirty: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cash-flow yield (monthly compounding), modified duration and convexity of each pool's
    flows under the pricing-date prepayment projection."""
    flows = projected_flows(book, projected_smm(book, curve, settings.hull_white, settings.refi))
    periods = timeline(book, curve).pay_time * 12.0
    out = np.array(
        [yield_of_flows(periods[b], flows[b], 12.0, dirty[b] / 100.0) for b in range(len(book))]
    )
    return out[:, 0], out[:, 1], out[:, 2]


def _by_quote(rows: Sequence[HoldingRow], idx: IntArray, members: list[int]) -> list[list[int]]:
    """Split a family into holdings quoted by OAS and holdings quoted by price or yield."""
    by_oas = [k for k in members if rows[idx[k]].quoted_by == "oas"]
    by_price = [k for k in members if rows[idx[k]].quoted_by != "oas"]
    return [g for g in (by_oas, by_price) if g]


def _quotes(rows: Sequence[HoldingRow], pos: IntArray, dirty_price: FloatArray) -> dict[str, Any]:
    if rows[pos[0]].quoted_by == "oas":
        return {"oas": np.array([rows[i].oas for i in pos], dtype=np.float64)}
    return {"dirty_price": dirty_price[pos]}


def _put(out: dict[str, FloatArray], group: list[int], *values: FloatArray) -> None:
    names = (
        "dirty_price",
        "accrued",
        "oas",
        "duration",
        "convexity",
        "spread_duration",
        "krd",
        "wal",
        "ytw",
        "dtw",
        "ctw",
    )
    for name, value in zip(names, values, strict=True):
        out[name][group] = value


def convexity_unit_flags(
    ids: Sequence[str], supplied: SuppliedAnalytics, modelled: ModelledAnalytics | None = None
) -> list[Flag]:
    """Supplied convexities whose magnitude fits a per-100 quote rather than years^2."""
    flags = []
    d, c = supplied.effective_duration, supplied.effective_convexity
    for i in np.flatnonzero(np.isfinite(d) & np.isfinite(c)).tolist():
        if abs(d[i]) < 2.0 or abs(c[i]) >= d[i] ** 2 / PER_100_RATIO:
            continue
        note = ""
        row = None if modelled is None else modelled.row(i)
        if row is not None:
            note = f"; the model gives {modelled.convexity[row]:.1f} years^2"  # type: ignore[union-attr]
        flags.append(
            Flag(
                "warn",
                "convexity_unit",
                f"supplied convexity {c[i]:g} is implausibly small in years^2 for an effective "
                f"duration of {d[i]:g} years (a bullet of that duration has about "
                f"{d[i] ** 2:.0f}); "
                f"it looks like a per-100 vendor figure, i.e. {100 * c[i]:g} years^2{note}",
                ids[i],
            )
        )
    return flags


def apply_modelled(
    risk: HoldingRisk,
    modelled: ModelledAnalytics,
    supplied: SuppliedAnalytics,
    duration_tolerance: float,
) -> HoldingRisk:
    """Used figures of modelled holdings replaced by the model's option-adjusted ones.

    Supplied figures on those holdings are reconciled (duration gap beyond the tolerance flagged)
    but not used. Source becomes ``"modelled"``.
    """
    idx = modelled.index
    ed = risk.effective_duration.copy()
    cvx = risk.effective_convexity.copy()
    sd = risk.spread_duration.copy()
    krd = risk.krd.krd.copy()
    ed[idx], cvx[idx], sd[idx] = modelled.duration, modelled.convexity, modelled.spread_duration
    krd[idx] = modelled.krd
    source = list(risk.source)
    flags = [
        f
        for f in risk.flags
        if not (
            f.holding in {risk.ids[i] for i in idx} and f.code == "supplied_vs_computed_duration"
        )
    ]
    for k, i in enumerate(idx.tolist()):
        source[i] = "modelled"
        sup = supplied.effective_duration[i]
        if np.isfinite(sup) and abs(sup - modelled.duration[k]) > duration_tolerance:
            flags.append(
                Flag(
                    "warn",
                    "supplied_vs_modelled_duration",
                    f"supplied (OAS-based) effective duration {sup:.3f} differs from the "
                    f"model's option-adjusted {modelled.duration[k]:.3f} by "
                    f"{sup - modelled.duration[k]:+.3f} years (tolerance {duration_tolerance:g}); "
                    "the model's figure is used: check the vendor's assumptions",
                    risk.ids[i],
                )
            )
    flags.extend(convexity_unit_flags(risk.ids, supplied, modelled))
    keys = risk.krd
    return dataclasses.replace(
        risk,
        effective_duration=ed,
        effective_convexity=cvx,
        spread_duration=sd,
        krd=KeyRateSensitivity(keys.tenors, keys.tenor_years, krd, keys.market_value),
        source=tuple(source),
        flags=tuple(flags),
    )

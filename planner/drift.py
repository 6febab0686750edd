"""The ``drift`` command: why the book's risk changed between two snapshots.

Two measured cases (the earlier and the later snapshot: holdings, market data, benchmark) are
matched by holding id and walked through a fixed sequence of states (see
:mod:`hedge_planner.models.drift` for the metrics). The order of the walk is:

1. **time**: the earlier book on the later date at unchanged curves (the same par quotes by
   tenor, re-anchored) and unchanged z-spreads; flows paid in between are held as cash;
2. **cash_flows**: that cash leaves the book (coupons, maturities) and called bonds are redeemed;
3. **paydowns**: MBS/ABS factor changes and sinking funds reduce face;
4. **market**: the later curve and the later z-spreads of the holdings still held; split into
   the market move on the earlier book at the earlier date (**market**) and the cross term with
   the steps before it (**market_cross**);
5. **trades**: sells, buys and resizes (partial fills from an activity file);
6. **benchmark**: the later benchmark replaces the earlier one (gap and tracking error only);
7. **residual**: the later snapshot itself minus the state reached; non-zero only when recorded
   activity does not explain the later holdings; above ``RESIDUAL_TOLERANCE`` it is a warning.

The parts telescope, so they sum to the total change of every metric exactly (to rounding).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from hedge_planner.cases import load_analysis_case, resolve_path
from hedge_planner.drift_activity import Activity, read_activity
from hedge_planner.models.benchmark import profile_krd_convention
from hedge_planner.models.bonds import BondBook
from hedge_planner.models.dates import to_date, to_days
from hedge_planner.models.drift import (
    BenchmarkRisk,
    DriftState,
    DriftWaterfall,
    alive,
    cash_received,
    par_krd_cached,
    roll_quotes,
    sequential_waterfall,
    state_metrics,
)
from hedge_planner.models.errors import InputError, InputIssue
from hedge_planner.models.krd import PAR_TREASURY, ZERO_CONTINUOUS, KrdBasisMap
from hedge_planner.workflow import CaseAnalysis, analyze_case, build_curves

logger = logging.getLogger(__name__)

#: Largest unexplained change of effective duration accepted silently, years.
RESIDUAL_TOLERANCE = 1e-4

STEP_TEXT = {
    "time": "aging and roll-down: the earlier book on the later date, curves and spreads "
    "unchanged (flows paid in between held as cash)",
    "cash_flows": "coupons and maturities received and called bonds redeemed leave the book",
    "paydowns": "MBS/ABS factor changes and sinking funds reduce face",
    "market": "market move: the earlier book revalued on the later curve and spreads at the "
    "earlier date",
    "trades": "buys, sells and resizes at the later market",
    "benchmark": "the benchmark's own change (duration gap and tracking error only)",
    "residual": "the later snapshot minus the state reached: what the recorded activity does "
    "not explain",
}


@dataclass(frozen=True)
class Snapshot:
    """One measured snapshot: its case file, its analysis and where its holdings came from."""

    source: str
    analysis: CaseAnalysis
    holdings_source: str

    @property
    def day(self) -> int:
        """The snapshot's date, day serial."""
        return int(to_days(self.analysis.case.analysis_date))


def snapshot_of(source: str, analysis: CaseAnalysis) -> Snapshot:
    """A snapshot of a case already measured (``source`` is its case file)."""
    section = analysis.case.holdings
    where = str(resolve_path(source, section)) if isinstance(section, str) else source
    return Snapshot(source, analysis, where)


def load_snapshot(path: str) -> Snapshot:
    """Read, validate and measure one snapshot case."""
    case, source = load_analysis_case(path, extra_check=build_curves)
    return snapshot_of(source, analyze_case(case, source))


def _benchmark_risk(snap: Snapshot) -> BenchmarkRisk | None:
    """The snapshot's benchmark in both KRD conventions (``None`` without one)."""
    a = snap.analysis
    tenors = a.tenors
    if a.benchmark_book is not None:
        risk = a.benchmark_book.risk
        w = risk.market_value / risk.market_value.sum()
        return BenchmarkRisk(
            float(risk.totals()["effective_duration"]),
            w @ risk.krd.krd,
            w @ a.benchmark_book.krd_par,
        )
    profile = a.case.benchmark
    if profile is None or a.benchmark is None:
        return None
    stated, _ = profile_krd_convention(profile)  # type: ignore[arg-type]
    vector = np.array([profile.krd.get(t, 0.0) for t in tenors])  # type: ignore[union-attr]
    assert a.curves.treasury_quotes is not None
    bmap = KrdBasisMap(a.risk.krd.tenor_years, a.curves.treasury, a.curves.treasury_quotes)
    return BenchmarkRisk(
        float(profile.duration),  # type: ignore[union-attr]
        bmap.convert(vector, stated, ZERO_CONTINUOUS),
        bmap.convert(vector, stated, PAR_TREASURY),
    )


def model_adjustment(snap: Snapshot) -> np.ndarray:
    """Per holding: figures as used (supplied OAS-based where given) minus the engine's own,
    ``(n, 2 + 2K)`` (duration, spread duration, zero KRDs, par KRDs; years). Zero for computed
    holdings up to the KRD normalisation the analysis applies."""
    a = snap.analysis
    risk, comp = a.risk, a.risk.computed
    quotes = a.curves.treasury_quotes
    assert quotes is not None
    engine_par = par_krd_cached(a.schedule, quotes, comp.z_spread, risk.krd.tenor_years)
    adj = np.column_stack(
        [
            risk.effective_duration - comp.effective_duration,
            risk.spread_duration - comp.spread_duration,
            risk.krd.krd - comp.krd.krd,
            a.krd_par - engine_par,
        ]
    )
    return adj


def check_snapshots(before: Snapshot, after: Snapshot) -> None:
    """The two snapshots must be comparable: dates in order, the same key tenors, and every
    holding id held in both with the same coupon, maturity and frequency.

    Raises
    ------
    InputError
        Every problem, located in the later snapshot's files.
    """
    issues: list[InputIssue] = []
    if after.day <= before.day:
        issues.append(
            InputIssue(
                after.source,
                None,
                "analysis_date",
                f"the later snapshot's date {to_date(after.day)} is not after the earlier "
                f"snapshot's {to_date(before.day)}",
                "give the earlier snapshot first: hedge-planner drift BEFORE.yaml AFTER.yaml",
            )
        )
    if before.analysis.tenors != after.analysis.tenors:
        issues.append(
            InputIssue(
                after.source,
                None,
                "risk.key_tenors",
                "the two snapshots use different key tenors",
                f"use the earlier snapshot's: {', '.join(before.analysis.tenors)}",
            )
        )
    rows_a = {r.id: r for r in before.analysis.holdings.rows}
    for i, row in enumerate(after.analysis.holdings.rows):
        old = rows_a.get(row.id)
        if old is None:
            continue
        for col in ("coupon", "maturity", "frequency"):
            if getattr(old, col) != getattr(row, col):
                issues.append(
                    InputIssue(
                        after.holdings_source,
                        i + 2,
                        col,
                        f"holding {row.id!r} has {col} {getattr(row, col)} here but "
                        f"{getattr(old, col)} in the earlier snapshot",
                        "the same id must be the same bond; a different bond needs its own id",
                    )
                )
    if issues:
        raise InputError(issues)


def _concat(first: BondBook, second: BondBook) -> BondBook:
    """Two books one after the other."""
    return BondBook(
        ids=first.ids + second.ids,
        **{
            name: np.concatenate([getattr(first, name), getattr(second, name)])
            for name in ("face", "coupon", "maturity", "frequency", "day_count", "issue_date")
        },
        eom=np.concatenate([first.eom, second.eom]),
    )


def _with_face(book: BondBook, keep: np.ndarray, face: np.ndarray) -> BondBook:
    """The positions ``keep`` of ``book`` with new faces."""
    return replace(book.subset(keep), face=np.asarray(face, dtype=np.float64))


def compute_drift(
    before: Snapshot, after: Snapshot, activity: Activity | None = None
) -> tuple[DriftWaterfall, dict[str, Any]]:
    """The waterfall and the per-holding classification of the move from ``before`` to
    ``after`` (see the module docstring for the order). Function longer than usual: it is the
    walk itself, one state per step, and reads best in one place."""
    # long: the walk itself (one state per step); split up it would hide the order.
    check_snapshots(before, after)
    activity = activity or Activity()
    a, b = before.analysis, after.analysis
    book_a, book_b = a.book, b.book
    z_a = np.asarray(a.risk.computed.z_spread)
    z_b = np.asarray(b.risk.computed.z_spread)
    qa, qb = a.curves.treasury_quotes, b.curves.treasury_quotes
    assert qa is not None and qb is not None
    tenors, years = a.tenors, a.risk.krd.tenor_years
    cov = np.asarray(b.covariance.matrix)
    shift = a.risk.computed.shift
    bench_a, bench_b = _benchmark_risk(before), _benchmark_risk(after)
    index_b = {h: i for i, h in enumerate(book_b.ids)}
    adj_a, adj_b = model_adjustment(before), model_adjustment(after)
    classes = activity.classify(book_a, book_b, after.day)

    def metrics(state: DriftState) -> dict[str, float]:
        return state_metrics(state, tenors, years, shift, cov)

    s0 = DriftState("before", book_a, z_a, qa, 0.0, bench_a, adj_a)
    live = alive(book_a, after.day)
    cash = float(cash_received(book_a, before.day, after.day).sum())
    s1 = DriftState(
        "time",
        book_a.subset(live),
        z_a[live],
        roll_quotes(qa, after.day),
        cash,
        bench_a,
        adj_a[live],
    )
    # Called bonds are redeemed (a cash flow); the cash then leaves the book.
    held = np.array([i for i in live if classes.get(book_a.ids[i]) != "called"], dtype=np.int64)
    s2 = replace(s1, label="cash_flows", book=book_a.subset(held), z_spread=z_a[held], cash=0.0)
    s2 = replace(s2, adjust=adj_a[held])
    face = np.array([book_a.face[i] - activity.paid_down(book_a, book_b, i) for i in held])
    kept = face > 0.0
    held, face = held[kept], face[kept]
    s3 = replace(s2, label="paydowns", book=_with_face(book_a, held, face), z_spread=z_a[held])
    s3 = replace(s3, adjust=adj_a[held])

    def later(idx: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        # The later snapshot's z-spread or model adjustment for holdings it still holds.
        ids = [book_a.ids[i] for i in idx]
        rows = [new[index_b[h]] if h in index_b else old[i] for h, i in zip(ids, idx, strict=True)]
        return np.array(rows).reshape((len(ids), *old.shape[1:]))

    s4 = replace(
        s3,
        label="market",
        z_spread=later(held, z_a, z_b),
        quotes=qb,
        adjust=later(held, adj_a, adj_b),
    )
    all_a = np.arange(len(book_a))
    standalone = DriftState(
        "market alone",
        book_a,
        later(all_a, z_a, z_b),
        roll_quotes(qb, before.day),
        0.0,
        bench_a,
        later(all_a, adj_a, adj_b),
    )
    # Trades: recorded fills (or, without a record, whatever makes the face match).
    trade_face = np.array(
        [face[j] + activity.traded(book_a.ids[i], face[j], book_b) for j, i in enumerate(held)]
    )
    stay = trade_face > 0.0
    bought = np.array(
        [i for i, h in enumerate(book_b.ids) if classes.get(h) == "bought"], dtype=np.int64
    )
    bought_face = np.array([activity.bought_face(book_b, i) for i in bought])
    trade_book = _concat(
        _with_face(book_a, held[stay], trade_face[stay]), _with_face(book_b, bought, bought_face)
    )
    trade_z = np.concatenate([s4.z_spread[stay], z_b[bought]])
    assert s4.adjust is not None
    trade_adj = np.concatenate([s4.adjust[stay], adj_b[bought]])
    s5 = DriftState("trades", trade_book, trade_z, qb, 0.0, bench_a, trade_adj)
    s6 = replace(s5, label="benchmark", benchmark=bench_b)
    s7 = DriftState("residual", book_b, z_b, qb, 0.0, bench_b, adj_b)
    states = (s0, s1, s2, s3, s4, s5, s6, s7)
    steps = [(s.label, STEP_TEXT.get(s.label, ""), metrics(s)) for s in states]
    waterfall = sequential_waterfall(steps, metrics(standalone))
    return waterfall, _holdings_detail(before, after, classes, activity)


def _holdings_detail(
    before: Snapshot, after: Snapshot, classes: dict[str, str], activity: Activity
) -> dict[str, Any]:
    """Holdings in one snapshot only (classified) and the recorded trades with their fills."""
    a, b = before.analysis, after.analysis
    mv_a = dict(zip(a.book.ids, a.risk.market_value.tolist(), strict=True))
    mv_b = dict(zip(b.book.ids, b.risk.market_value.tolist(), strict=True))
    face_a = dict(zip(a.book.ids, a.book.face.tolist(), strict=True))
    face_b = dict(zip(b.book.ids, b.book.face.tolist(), strict=True))
    one_side = [
        {
            "id": h,
            "classification": classes[h],
            "face_before": face_a.get(h, 0.0),
            "face_after": face_b.get(h, 0.0),
            "market_value_before": mv_a.get(h, 0.0),
            "market_value_after": mv_b.get(h, 0.0),
        }
        for h in sorted(classes)
        if (h in face_a) != (h in face_b)
    ]
    changed = [
        {
            "id": h,
            "classification": classes.get(h, "resized"),
            "face_before": face_a[h],
            "face_after": face_b[h],
        }
        for h in a.book.ids
        if h in face_b and face_a[h] != face_b[h]
    ]
    return {
        "one_snapshot_only": one_side,
        "face_changes": changed,
        "recorded_activity": activity.as_list(),
    }


def drift_document(
    before_path: str, after_path: str, activity_path: str | None = None
) -> dict[str, Any]:
    """The ``drift --json`` document."""
    before, after = load_snapshot(before_path), load_snapshot(after_path)
    return drift_between(before, after, activity_path)


def drift_between(
    before: Snapshot, after: Snapshot, activity_path: str | None = None
) -> dict[str, Any]:
    """The drift document of two measured snapshots (``activity_path``: an activity CSV)."""
    known = set(before.analysis.book.ids) | set(after.analysis.book.ids)
    activity = read_activity(activity_path, known) if activity_path else None
    waterfall, detail = compute_drift(before, after, activity)
    residual = waterfall.part("residual").change
    warnings = []
    res_d = abs(residual.get("effective_duration", 0.0))
    if res_d > RESIDUAL_TOLERANCE:
        warnings.append(
            f"unexplained residual of {residual['effective_duration']:+.6f} years of effective "
            f"duration (tolerance {RESIDUAL_TOLERANCE:g}): the recorded activity does not "
            "explain the later holdings; check the activity file against both snapshots"
        )
    return {
        "before": {
            "case": before.source,
            "date": before.analysis.case.analysis_date.isoformat(),
        },
        "after": {"case": after.source, "date": after.analysis.case.analysis_date.isoformat()},
        "order": list(waterfall.order),
        "before_metrics": waterfall.before,
        "after_metrics": waterfall.after,
        "total": waterfall.total,
        "parts": [
            {"name": p.name, "description": p.description, "change": p.change}
            for p in waterfall.parts
        ],
        "sum_check": waterfall.sum_error(),
        "residual_tolerance_years": RESIDUAL_TOLERANCE,
        "holdings": detail,
        "warnings": warnings,
        "methodology": DRIFT_METHODOLOGY,
    }


DRIFT_METHODOLOGY = {
    "attribution": "sequential (waterfall): time, cash_flows, paydowns, market (split into the "
    "standalone market move and market_cross), trades, benchmark, residual; each part is the "
    "change between consecutive states, so the parts sum to the total exactly",
    "metrics": "engine (curve-based, bullet-equivalent) figures for every holding: effective "
    "duration and spread duration in years, DV01 in currency per bp, KRDs in years in the zero "
    "(continuous zero-rate tents) and par (par-quote tents, curve bootstrapped again) "
    "conventions, duration_gap in years, tracking_error_bp in bp per year (par KRD gap against "
    "the later snapshot's key-rate covariance); cash at zero duration",
    "unchanged_curve": "the same par quotes by tenor re-anchored on the later date (roll-down)",
    "classification": "matured (maturity on or before the later date), called and paid down (from "
    "the activity file, or a securitized monthly-pay holding whose face fell), sold (gone "
    "otherwise), bought (new in the later snapshot)",
}


def plan_drift_section(source: str, analysis: CaseAnalysis) -> dict[str, Any] | None:
    """The plan's drift section when the case names a previous snapshot (else ``None``).

    ``drift.previous`` (and ``drift.activity``) resolve against the case file's folder.
    """
    spec = analysis.case.drift
    if spec is None:
        return None
    before = load_snapshot(str(resolve_path(source, spec.previous)))
    activity = None if spec.activity is None else str(resolve_path(source, spec.activity))
    return drift_between(before, snapshot_of(source, analysis), activity)


__all__ = [
    "RESIDUAL_TOLERANCE",
    "compute_drift",
    "drift_between",
    "drift_document",
    "load_snapshot",
    "plan_drift_section",
]

"""Section 1 of the HTML report: the duration exposure summary."""

from __future__ import annotations

from collections.abc import Mapping

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.svg_charts import krd_profile_chart


def _figures(plan: Plan, methods: Mapping[str, str]) -> str:
    """Portfolio figures beside the benchmark comparison."""
    exposure = plan.exposure
    p = exposure.portfolio
    b = exposure.benchmark
    ccy = h.ccy(plan)
    out: list[str] = []

    rows = [
        ("Market value", p.market_value, "money", ccy, ""),
        ("Effective duration", p.effective_duration, "years", "years", "effective_duration"),
        ("Modified duration", p.modified_duration, "years", "years", "modified_duration"),
        ("Spread duration", p.spread_duration, "years", "years", "spread_duration"),
        (
            "Effective convexity",
            p.effective_convexity,
            "convexity",
            "years²",
            "effective_convexity",
        ),
        ("DV01", p.dv01, "money", f"{ccy} per bp", "dv01"),
    ]
    if b is not None:
        rows += [
            ("Benchmark duration", b.duration, "years", "years", "benchmark_duration"),
            (
                "Duration gap (portfolio − benchmark)",
                b.duration_gap,
                "years",
                "years",
                "effective_duration",
            ),
            (
                "Ex-ante tracking error",
                b.tracking_error_bp,
                "bp",
                "bp per year",
                "tracking_error",
            ),
        ]
    body = [
        [
            f'<th scope="row">{h.esc(n)}</th>',
            h.cell(v, k),
            f"<td>{h.esc(u)}</td>",
            f"<td>{h.label(methods, m) if m else ''}</td>",
        ]
        for n, v, k, u, m in rows
    ]
    figures = h.table(["Figure", ("Value", True), "Unit", "Methodology"], body)
    bench_html = ""
    if b is not None:
        bench_html = (
            f"<p>Benchmark: <strong>{h.esc(b.name)}</strong>. Largest key-rate "
            "mismatches against the benchmark:</p>" + h.mismatch_table(b.largest_mismatches)
        )
        gaps = b.sector_weight_gap
        if gaps:
            bench_html += h.table(
                ["Sector", ("Weight gap vs benchmark (% of MV)", True)],
                [[f"<td>{h.esc(k)}</td>", h.cell(v, "pct")] for k, v in gaps.items()],
            )
    else:
        bench_html = '<p class="muted">No benchmark in this case: absolute exposure only.</p>'
    out.append(
        f'<div class="grid2"><div class="panel"><h3>Portfolio figures</h3>{figures}</div>'
        f'<div class="panel"><h3>Against the benchmark</h3>{bench_html}</div></div>'
    )
    return "".join(out)


def _key_rates(plan: Plan, methods: Mapping[str, str]) -> str:
    """The KRD profile chart and table: portfolio, benchmark, gap, hedged."""
    exposure = plan.exposure
    tenors = plan.key_tenors
    p = exposure.portfolio
    b = exposure.benchmark
    own, hedged, basis = _krd_in_convention(plan)
    ccy = h.ccy(plan)
    out: list[str] = []

    series: dict[str, list[float | None]] = {"Portfolio": h.tenor_values(own, tenors)}
    if b is not None:
        series["Benchmark"] = h.tenor_values(b.krd, tenors)
    if hedged is not None:
        series["Hedged portfolio"] = h.tenor_values(hedged, tenors)
    if tenors:
        out.append(krd_profile_chart(tenors, series))
        krd_rows = [(f"Portfolio KRD{basis} (years)", own, "years")]
        if b is not None:
            krd_rows += [
                (f"Benchmark KRD{basis} (years)", b.krd, "years"),
                ("Gap (years)", b.krd_gap, "years"),
            ]
        if hedged is not None:
            krd_rows.append((f"Hedged portfolio KRD{basis} (years)", hedged, "years"))
        zero = ", zero basis" if basis else ""
        krd_rows.append((f"Portfolio KRD DV01 ({ccy}/bp{zero})", p.krd_dv01, "money"))
        body = [
            [f'<th scope="row">{h.esc(name)}</th>']
            + [h.cell(v, kind) for v in h.tenor_values(values, tenors)]
            for name, values, kind in krd_rows
        ]
        out.append(
            "<h3>Key rate durations"
            + h.fn("krd")
            + "</h3>"
            + h.table(["Measure", *[(t, True) for t in tenors]], body)
        )
    return "".join(out)


def _spread_risk(plan: Plan, methods: Mapping[str, str]) -> str:
    """Spread duration and spread DV01 by sector against the benchmark, with the gap and each
    sector's share of the pre-hedge tracking error (and DTS under the DTS option)."""
    rm = plan.risk_model
    if rm is None or not rm.spread.gap:
        return ""
    sp = rm.spread
    ccy = h.ccy(plan)
    dts = rm.credit_exposure == "dts"
    head: list[str | tuple[str, bool]] = [
        "Sector",
        "Exposure",
        ("Spread duration: portfolio (years)", True),
        ("Benchmark (years)", True),
        ("Gap (years)", True),
        (f"Spread DV01: portfolio ({ccy}/bp)", True),
        (f"Benchmark ({ccy}/bp)", True),
        (f"Gap ({ccy}/bp)", True),
    ]
    if dts:
        head += [
            ("DTS: portfolio (years × bp)", True),
            ("Benchmark (years × bp)", True),
            ("Gap (years × bp)", True),
        ]
    head.append(("Share of TE before hedge (%)", True))
    body = []
    for sector, gap in sp.gap.items():
        own_sd = sp.portfolio_spread_duration.get(sector)
        bench_sd = sp.benchmark_spread_duration.get(sector)
        row = [
            h.cell(sector),
            h.cell("DTS" if sp.exposure.get(sector) == "dts" else "spread DV01"),
            h.cell(own_sd, "years"),
            h.cell(bench_sd, "years"),
            h.cell(None if own_sd is None or bench_sd is None else own_sd - bench_sd, "years"),
            h.cell(sp.portfolio_spread_dv01.get(sector), "money"),
            h.cell(sp.benchmark_spread_dv01.get(sector), "money"),
            h.cell(gap, "money"),
        ]
        if dts:
            in_dts = sp.exposure.get(sector) == "dts"
            own = sp.portfolio_dts.get(sector, 0.0) if in_dts else None
            bench = sp.benchmark_dts.get(sector, 0.0) if in_dts else None
            gap_dts = None if own is None or bench is None else own - bench
            row += [h.cell(own, "bp"), h.cell(bench, "bp"), h.cell(gap_dts, "bp")]
        row.append(h.cell(sp.share_of_tracking_error.get(sector), "pct"))
        body.append(row)
    convention = (
        "credit sectors by duration times spread (DTS = spread duration x spread level; "
        "relative spread vols, assumed), the others by spread DV01"
        if dts
        else "every sector by spread DV01 (absolute spread vols)"
    )
    return (
        "<h3>Spread risk by sector "
        + h.label(methods, "spread_duration")
        + "</h3>"
        + h.table(
            head,
            body,
            caption="Spread duration contributions (years) and spread DV01 (spread duration × "
            "market value × 1e-4, loss per bp of widening); the benchmark scaled to the "
            f"portfolio's value. Tracking error measures {convention}.",
        )
    )


def _krd_in_convention(
    plan: Plan,
) -> tuple[Mapping[str, float], Mapping[str, float] | None, str]:
    """Portfolio and hedged-portfolio KRDs in the convention of the benchmark gaps.

    On the zero basis these are the exposure and hedge sections' own vectors. On the par basis
    (``risk.krd_convention``) the portfolio's par KRDs, and the hedged book's from the risk
    model's post-hedge rate exposures (benchmark + active gap, derivatives included), so that
    portfolio, benchmark, gap and hedged rows are one measure.
    """
    p = plan.exposure.portfolio
    post = plan.hedge.post_hedge if plan.hedge is not None else None
    hedged = post.krd if post is not None else None
    rm = plan.risk_model
    if rm is None or rm.krd_convention.rate_basis != "par":
        return p.krd, hedged, ""
    if rm.post_hedge is not None and post is not None:
        bench = plan.exposure.benchmark
        scale = p.market_value * 1e-4
        hedged = {
            t: (bench.krd.get(t, 0.0) if bench is not None else 0.0)
            + rm.post_hedge.exposures.get(f"rate:{t}", 0.0) / scale
            for t in plan.key_tenors
        }
    return p.krd_par, hedged, ", par basis"


def _sectors(plan: Plan, methods: Mapping[str, str]) -> str:
    """Sector contributions to value, duration, DV01 and KRDs."""
    exposure = plan.exposure
    tenors = plan.key_tenors
    ccy = h.ccy(plan)
    out: list[str] = []

    sectors = exposure.sectors
    if sectors:
        head: list[str | tuple[str, bool]] = [
            "Sector",
            ("Holdings", True),
            (f"Market value ({ccy})", True),
            ("Weight (%)", True),
            ("Duration contrib. (years)", True),
            ("Spread duration contrib. (years)", True),
            (f"DV01 ({ccy}/bp)", True),
        ]
        head += [(f"KRD {t} (yrs)", True) for t in tenors]
        body = [
            [
                f"<td>{h.esc(s.sector)}</td>",
                h.cell(s.n_holdings, "int"),
                h.cell(s.market_value, "money"),
                h.cell(s.weight, "pct"),
                h.cell(s.duration_contribution, "years"),
                h.cell(s.spread_duration_contribution, "years"),
                h.cell(s.dv01, "money"),
                *[h.cell(s.krd(t), "years") for t in tenors],
            ]
            for s in sectors
        ]
        out.append(
            "<h3>By sector"
            + h.fn("duration")
            + "</h3>"
            + h.table(
                head,
                body,
                caption="Contributions are market-value weighted; they sum to the portfolio "
                "figures.",
            )
        )
    return "".join(out)


def exposure_section(plan: Plan, methods: Mapping[str, str]) -> str:
    """Section 1: portfolio figures, the benchmark comparison, KRD profile, spread risk by
    sector and sector contributions."""
    parts = (_figures, _key_rates, _spread_risk, _sectors)
    body = "".join(part(plan, methods) for part in parts)
    return h.section("exposure", body)

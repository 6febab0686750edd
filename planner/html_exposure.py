"""Section 1 of the HTML report: the duration exposure summary."""

from __future__ import annotations

from collections.abc import Mapping

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.mpl_charts import krd_profile_chart


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
    post = plan.hedge.post_hedge if plan.hedge is not None else None
    ccy = h.ccy(plan)
    out: list[str] = []

    series: dict[str, list[float | None]] = {"Portfolio": h.tenor_values(p.krd, tenors)}
    if b is not None:
        series["Benchmark"] = h.tenor_values(b.krd, tenors)
    if post is not None:
        series["Hedged portfolio"] = h.tenor_values(post.krd, tenors)
    if tenors:
        out.append(krd_profile_chart(tenors, series))
        krd_rows = [("Portfolio KRD (years)", p.krd, "years")]
        if b is not None:
            krd_rows += [
                ("Benchmark KRD (years)", b.krd, "years"),
                ("Gap (years)", b.krd_gap, "years"),
            ]
        if post is not None:
            krd_rows.append(("Hedged portfolio KRD (years)", post.krd, "years"))
        krd_rows.append((f"Portfolio KRD DV01 ({ccy}/bp)", p.krd_dv01, "money"))
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
    """Section 1: portfolio figures, the benchmark comparison, KRD profile and sectors."""
    body = "".join(part(plan, methods) for part in (_figures, _key_rates, _sectors))
    return h.section("exposure", body)

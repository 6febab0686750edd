"""HTML panel of the risk model: tracking error by factor group and sector spread risk."""

from __future__ import annotations

from hedge_planner import html_base as h
from hedge_planner.document import Plan, RiskModel
from hedge_planner.labels import factor_label
from hedge_planner.svg_charts import te_by_factor_chart


def _group_label(group: str) -> str:
    return factor_label(group)


def _te_table(rm: RiskModel) -> str:
    pre = rm.pre_hedge.tracking_error if rm.pre_hedge is not None else None
    post = rm.post_hedge.tracking_error if rm.post_hedge is not None else None
    groups = list(dict.fromkeys([*(pre.by_group if pre else {}), *(post.by_group if post else {})]))
    rows = [
        [
            h.cell(_group_label(g)),
            h.cell(pre.by_group.get(g) if pre else None, "bp"),
            h.cell(post.by_group.get(g) if post else None, "bp"),
        ]
        for g in groups
    ]
    rows.append(
        [
            "<td><strong>Total</strong></td>",
            h.cell(pre.total_bp if pre else None, "bp"),
            h.cell(post.total_bp if post else None, "bp"),
        ]
    )
    chart = te_by_factor_chart(
        [_group_label(g) for g in groups],
        [pre.by_group.get(g) if pre else None for g in groups],
        [post.by_group.get(g) if post else None for g in groups],
    )
    # On paper the table carries the same figures: the chart is for the screen.
    return f'<div class="print-hide">{chart}</div>' + h.table(
        ["Factor group", ("Before hedge (bp/yr)", True), ("After hedge (bp/yr)", True)],
        rows,
        caption="Tracking error against the benchmark by factor group: Euler contributions, "
        "they sum to the total",
    )


def _spread_table(rm: RiskModel, ccy: str) -> str:
    sp = rm.spread
    rows = [
        [
            h.cell(sector),
            h.cell(sp.portfolio_spread_dv01.get(sector), "money"),
            h.cell(sp.benchmark_spread_dv01.get(sector), "money"),
            h.cell(gap, "money"),
            h.cell(sp.share_of_tracking_error.get(sector), "pct"),
        ]
        for sector, gap in sp.gap.items()
    ]
    return h.table(
        [
            "Sector",
            (f"Portfolio spread DV01 ({ccy}/bp)", True),
            (f"Benchmark spread DV01 ({ccy}/bp)", True),
            (f"Gap ({ccy}/bp)", True),
            ("Share of TE before hedge (%)", True),
        ],
        rows,
        caption="Spread DV01 = spread duration × market value × 1e-4 (loss per bp of "
        "widening); the benchmark scaled to the portfolio's value",
    )


def risk_model_panel(plan: Plan) -> str:
    """Risk-model tables and notes for the dashboard ('' when the plan has none)."""
    rm = plan.risk_model
    if rm is None:
        return ""
    factors = h.table(
        ["Factor", ("Vol (bp/yr)", True), "Source"],
        [
            [
                h.cell(factor_label(f.name)),
                h.cell(f.vol_bp, "bp")
                if f.vol_relative_pct is None
                else h.cell(f"{f.vol_relative_pct:,.2f} % rel. (DTS)"),
                h.cell(("assumed: " if f.assumed else "") + f.source),
            ]
            for f in rm.factors
            if not f.name.startswith("swap_spread:")
        ],
        caption="Factor vols; per-tenor swap-spread factors omitted here (see plan.json)",
    )
    notes = "".join(f"<li>{h.esc(n)}</li>" for n in rm.notes)
    return (
        '<div class="panel"><h3>Tracking error by factor group</h3>'
        f"{_te_table(rm)}<ul>{notes}</ul></div>"
        f'<div class="panel"><h3>Sector spread risk against the benchmark</h3>'
        f"{_spread_table(rm, h.ccy(plan))}</div>"
        '<details class="panel screen-only"><summary>Risk model factors (vols and sources)'
        f"</summary>{factors}</details>"
    )

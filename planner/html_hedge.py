"""Section 2 of the HTML report: the hedge recommendation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.document_sections import BaselineRisk, Hedge, RiskFigures, Trade
from hedge_planner.html_decision import trade_cash_cost
from hedge_planner.labels import constraint_label, constraint_unit, cost_label
from pydantic import BaseModel


def _optional(figures: BaseModel | None, key: str) -> Any:
    return None if figures is None else getattr(figures, key, None)


def _krd_at(figures: RiskFigures | BaselineRisk | None, tenor: str) -> float | None:
    return None if figures is None else figures.krd.get(tenor)


def _hedge_figures_table(
    hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str
) -> str:
    pre = hedge.pre_hedge
    post = hedge.post_hedge
    base = hedge.baseline.post_hedge
    spec = [
        ("Duration", "duration", "years", "years", h.fn("duration")),
        ("DV01", "dv01", "money", f"{ccy} per bp", h.fn("dv01")),
        ("Convexity", "convexity", "convexity", "years²", ""),
        ("Tracking error", "tracking_error_bp", "bp", "bp per year", h.fn("te")),
        ("Option vega", "vega", "money", f"{ccy} per bp of normal vol", ""),
    ]
    body = [
        [
            f'<th scope="row">{h.esc(n)}{note}</th>',
            h.cell(getattr(pre, k), kind),
            h.cell(getattr(post, k), kind),
            h.cell(_optional(base, k), kind),
            f"<td>{h.esc(u)}</td>",
        ]
        for n, k, kind, u, note in spec
    ]
    # The KRD rows share one methodology: a footnote on the first, not a label on each row.
    for i, t in enumerate(tenors):
        body.append(
            [
                f'<th scope="row">KRD {h.esc(t)}{h.fn("krd") if i == 0 else ""}</th>',
                h.cell(_krd_at(pre, t), "years"),
                h.cell(_krd_at(post, t), "years"),
                h.cell(_krd_at(base, t), "years"),
                "<td>years</td>",
            ]
        )
    return h.table(
        [
            "Figure",
            ("Pre-hedge", True),
            ("Post-hedge (optimised)", True),
            ("Post-hedge (baseline)", True),
            "Unit",
        ],
        body,
        caption="Methods: "
        + "; ".join(
            f"{name} {methods.get(key, '')}"
            for name, key in (
                ("duration", "hedge_duration"),
                ("DV01", "dv01"),
                ("tracking error", "tracking_error"),
            )
            if methods.get(key)
        ),
    )


def _infeasibility(
    hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str
) -> str:
    """The infeasibility alert with the relaxations that would make the problem feasible."""
    out: list[str] = []
    infeasible = hedge.infeasibility
    if infeasible is not None:

        def rows(relaxations: Sequence[Any]) -> list[list[str]]:
            return [
                [
                    f"<td>{h.esc(constraint_label(r.constraint))}"
                    f'<span class="sub2"><code>{h.esc(r.constraint)}</code></span></td>',
                    h.cell(r.limit),
                    h.cell(r.required),
                    h.cell(r.change),
                    f"<td>{h.esc(r.unit)}</td>",
                ]
                for r in relaxations
            ]

        body = rows(infeasible.relaxations)
        head: list[str | tuple[str, bool]] = [
            "Constraint",
            ("Limit", True),
            ("Required", True),
            ("Change", True),
            "Unit",
        ]
        alone = (
            "<p>Limits in conflict: each alone restores feasibility by this move:</p>"
            + h.table(head, rows(infeasible.alternatives))
            if infeasible.alternatives
            else ""
        )
        out.append(
            '<div class="alert" id="infeasibility" role="alert">'
            "<h3>Infeasible: no hedge meets every constraint</h3>"
            f"<p>{h.esc(infeasible.message)}</p>"
            "<p>Smallest relaxations that would make the problem feasible:</p>"
            + h.table(head, body)
            + alone
            + "</div>"
        )

    return "".join(out)


def _trades_and_baseline(
    hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str
) -> str:
    """Recommended trades beside the closed-form baseline."""
    out: list[str] = []
    trades = hedge.trades
    compact = [
        [
            f"<td>{h.esc(t.instrument)}</td>",
            f"<td>{h.esc(t.direction)}</td>",
            h.cell(t.quantity, "int"),
            f"<td>{h.esc(t.unit)}</td>",
            h.cell(t.dv01_change, "money"),
            h.cell(trade_cash_cost(t)["total"], "money", sense="cost"),
        ]
        for t in trades
    ]
    total_dv01 = sum(t.dv01_change for t in trades)
    total_cost = sum(trade_cash_cost(t)["total"] for t in trades)
    if trades:
        compact.append(
            [
                '<th scope="row">Total</th>',
                "<td></td>",
                "<td></td>",
                "<td></td>",
                h.cell(total_dv01, "money"),
                h.cell(total_cost, "money", sense="cost"),
            ]
        )
    opt_table = h.table(
        [
            "Instrument",
            "Direction",
            ("Quantity", True),
            "Unit",
            (f"DV01 change ({ccy}/bp)", True),
            (f"Cash cost over horizon ({ccy})", True),
        ],
        compact,
        row_classes=[""] * len(trades) + ["total"],
    )
    baseline = hedge.baseline
    btrades = baseline.trades
    base_table = h.table(
        ["Instrument", ("Quantity", True), "Unit"],
        [
            [
                f"<td>{h.esc(t.instrument)}</td>",
                h.cell(t.quantity, "int"),
                f"<td>{h.esc(t.unit)}</td>",
            ]
            for t in btrades
        ],
    )
    base_kv = f"<p>Method: <strong>{h.esc(baseline.method)}</strong></p>" + h.table(
        ["Optimised − baseline", ("Difference", True)],
        [
            [
                # The baseline comparison is of the optimiser's objective, not of cash alone.
                f'<th scope="row">{h.esc(cost_label("objective"))} ({h.esc(ccy)})</th>',
                h.cell(baseline.cost_difference, "money", sense="cost"),
            ],
            [
                f'<th scope="row">{h.esc(cost_label("total"))} over the horizon '
                f"({h.esc(ccy)})</th>",
                h.cell(baseline.cash_cost_difference, "money", sense="cost"),
            ],
            [
                '<th scope="row">Tracking error (bp/yr)</th>',
                h.cell(baseline.tracking_error_difference_bp, "bp"),
            ],
        ],
        caption="Negative = the optimised hedge is cheaper / tracks closer. Post-hedge risk of "
        "both is compared below.",
    )
    out.append(
        '<div class="grid2">'
        f'<div class="panel print-hide"><h3>Recommended trades (optimised)</h3>{opt_table}</div>'
        f'<div class="panel"><h3>Closed-form baseline</h3>{base_kv}{base_table}</div></div>'
    )

    return "".join(out)


def _cost_keys(trades: Sequence[Trade]) -> list[str]:
    """Cash-cost components present in any trade, in first-seen order, ``total`` last."""
    keys: list[str] = []
    for t in trades:
        keys += [k for k in trade_cash_cost(t) if k not in keys and k != "total"]
    return [*keys, "total"]


def _trade_detail(hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str) -> str:
    """Per-trade cash costs (every component the plan carries) and the pre/post risk table."""
    out: list[str] = []
    trades = hedge.trades
    keys = _cost_keys(trades)
    detail_rows = [
        [
            f"<td>{h.esc(t.instrument)}"
            f'<span class="sub2">{h.esc(h.detail_text(t.detail))}</span></td>',
            f"<td>{h.esc(t.kind)}</td>",
            f"<td>{h.esc(t.direction)}</td>",
            h.cell(t.quantity, "int"),
            f"<td>{h.esc(t.unit)}</td>",
            h.cell(t.dv01_change, "money"),
            *[h.cell(trade_cash_cost(t).get(k), "money", sense="cost") for k in keys],
            f'<td class="num">{h.esc(h.fmt(t.roll_date))}</td>',
        ]
        for t in trades
    ]
    out.append(
        "<h3>Trade detail and cash costs</h3>"
        + h.table(
            [
                "Instrument",
                "Kind",
                "Direction",
                ("Quantity", True),
                "Unit",
                (f"DV01 change ({ccy}/bp)", True),
                *[(f"{cost_label(k)} ({ccy})", True) for k in keys],
                ("Roll date", True),
            ],
            detail_rows,
            css_class="wide",
            caption="Cash costs over the scenario horizon; positive = paid (red), negative = "
            "earned (green). Margin funding cost is the cost of funding the initial margin, not "
            "the margin itself. Total = half bid-ask + tickets + margin funding + roll + carry "
            "cost, for the units traded.",
        )
        + h.fn("cost")
    )
    out.append(
        "<h3>Pre- and post-hedge risk</h3>" + _hedge_figures_table(hedge, tenors, methods, ccy)
    )

    return "".join(out)


def _constraints(hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str) -> str:
    """Every constraint with its slack and binding flag."""
    out: list[str] = []
    constraints = hedge.constraints
    body = [
        [
            f"<td>{h.esc(constraint_label(c.name))}"
            f'<span class="sub2"><code>{h.esc(c.name)}</code></span></td>',
            h.cell(c.limit),
            h.cell(c.value),
            h.cell(c.slack),
            f"<td>{h.esc(constraint_unit(c.name, ccy, c.units))}</td>",
            f"<td>{h.badge('binding') if c.binding else h.NOT_BINDING}</td>",
        ]
        for c in constraints
    ]
    n_binding = sum(1 for c in constraints if c.binding)
    out.append(
        f"<h3>Constraints ({n_binding} binding of {len(constraints)})</h3>"
        + h.table(
            ["Constraint", ("Limit", True), ("Value", True), ("Slack", True), "Unit", "Binding"],
            body,
            caption="Slack = distance to the limit, in the constraint's unit; the identifier "
            "under each name is the one in plan.json.",
        )
    )

    return "".join(out)


def _hedged_exposure(
    hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str
) -> str:
    """The post-hedge book with derivatives: value, DV01, notionals, leverage."""
    out: list[str] = []
    exposure = hedge.exposure
    if exposure is not None:
        rows = [
            ("Book value (duration denominator)", exposure.market_value, ccy, "money"),
            ("Derivatives' MTM", exposure.derivatives_market_value, ccy, "money"),
            ("DV01", exposure.dv01, f"{ccy} per bp", "money"),
            ("Effective duration", exposure.duration, "years", "years"),
            ("Gross derivative notional", exposure.gross_notional, ccy, "money"),
            ("Net derivative notional", exposure.net_notional, ccy, "money"),
            ("Leverage (cash + gross notional) / MV", exposure.leverage, "x", "auto"),
        ]
        out.append(
            "<h3>Post-hedge exposure with derivatives</h3>"
            + h.table(
                ["Figure", ("Value", True), "Unit"],
                [
                    (h.cell(name), h.cell(value, kind), h.cell(unit))
                    for name, value, unit, kind in rows
                ],
                caption="The same figures as the post-hedge risk: derivatives add their DV01 to "
                "the numerator; the denominator is the book's value (new swaps at par, option "
                "premiums paid from cash), never futures or swap notionals.",
            )
        )

    return "".join(out)


def _solver(hedge: Hedge, tenors: Sequence[str], methods: Mapping[str, str], ccy: str) -> str:
    """How the optimiser ended."""
    out: list[str] = []
    solver = hedge.solver.model_dump(exclude_none=True)
    if solver:
        kinds = {"gap": "pct", "iterations": "int", "seconds": "auto"}
        items = "".join(
            f"<dt>{h.esc(h.humanise(k))}{' (s)' if k == 'seconds' else ''}</dt>"
            f"<dd>{h.esc(h.fmt(v, kinds.get(k, 'auto')))}</dd>"
            for k, v in solver.items()
        )
        out.append(f'<div class="print-hide"><h3>Solver</h3><dl class="kv">{items}</dl></div>')
    return "".join(out)


def hedge_section(plan: Plan, methods: Mapping[str, str]) -> str:
    """Section 2: trades, the closed-form baseline, risk before/after, constraints, solver."""
    hedge = plan.hedge
    if hedge is None:
        return h.section("hedge", '<p class="muted">No hedge section in this case.</p>')
    parts = (
        _infeasibility,
        _trades_and_baseline,
        _trade_detail,
        _constraints,
        _hedged_exposure,
        _solver,
    )
    body = "".join(part(hedge, plan.key_tenors, methods, h.ccy(plan)) for part in parts)
    return h.section("hedge", body)

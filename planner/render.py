"""Rich terminal tables for the CLI."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from planner.workflow import YieldAnalysis


def _num(value: float, digits: int = 4) -> str:
    return f"{value:,.{digits}f}"


def yield_analysis(console: Console, result: YieldAnalysis) -> None:
    """Holdings table and portfolio totals of a yield-based analysis."""
    table = Table(
        title=f"Holdings analytics, settlement {result.settle.isoformat()} "
        "(yield-based, street convention)",
        caption="Prices per 100 face; market value and DV01 (per 1 bp) in currency; "
        "durations in years, convexity in years^2.",
    )
    cols = [
        ("id", "left"),
        ("clean", "right"),
        ("accrued", "right"),
        ("dirty", "right"),
        ("market value", "right"),
        ("yield %", "right"),
        ("Macaulay dur", "right"),
        ("modified dur", "right"),
        ("convexity", "right"),
        ("DV01", "right"),
    ]
    for name, justify in cols:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in result.holdings.to_dict("records"):
        table.add_row(
            str(row["id"]),
            _num(row["clean_price"]),
            _num(row["accrued"]),
            _num(row["dirty_price"]),
            _num(row["market_value"], 2),
            _num(100 * row["yield"]),
            _num(row["macaulay_duration"]),
            _num(row["modified_duration"]),
            _num(row["convexity"], 3),
            _num(row["dv01"], 2),
        )
    console.print(table)
    p = result.portfolio
    totals = Table(title="Portfolio (market-value weighted; DV01 summed)")
    totals.add_column("figure")
    totals.add_column("value", justify="right")
    totals.add_row("market value", _num(p["market_value"], 2))
    totals.add_row("Macaulay duration (years)", _num(p["macaulay_duration"]))
    totals.add_row("modified duration (years)", _num(p["modified_duration"]))
    totals.add_row("convexity (years^2)", _num(p["convexity"], 3))
    totals.add_row("DV01 (currency per bp)", _num(p["dv01"], 2))
    console.print(totals)


def baseline(console: Console, result: dict[str, Any]) -> None:
    """Closed-form hedge weights and amounts."""
    table = Table(
        title="Closed-form hedge (linear system)",
        caption=f"Portfolio value {result['portfolio_value']:,.2f}; condition number "
        f"{result['condition_number']:.3g}. Modified duration in years, convexity in years^2 "
        "(yield-based).",
    )
    for name in ("id", "price", "modified dur", "convexity", "weight", "hedge amount"):
        table.add_column(name, justify="left" if name == "id" else "right")
    for i, ident in enumerate(result["ids"]):
        table.add_row(
            ident,
            _num(result["prices"][i]),
            _num(result["modified_durations"][i]),
            _num(result["convexities"][i]),
            _num(result["weights"][i]),
            _num(result["hedge_amounts"][i]),
        )
    console.print(table)
    check = Table(title="Matched conditions")
    for name in ("condition", "target", "achieved"):
        check.add_column(name, justify="left" if name == "condition" else "right")
    for name, target in result["targets"].items():
        check.add_row(name, _num(target), _num(result["achieved"][name]))
    console.print(check)

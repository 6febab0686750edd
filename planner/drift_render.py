"""Terminal view of the ``drift`` document (tables; the JSON carries every figure)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

#: Metrics shown in the waterfall table, with their units.
MAIN_METRICS = (
    ("effective_duration", "duration (y)", "{:+.4f}"),
    ("spread_duration", "spread dur (y)", "{:+.4f}"),
    ("dv01", "DV01 (/bp)", "{:+,.0f}"),
    ("duration_gap", "gap (y)", "{:+.4f}"),
    ("tracking_error_bp", "TE (bp/y)", "{:+.2f}"),
)


def _cell(values: dict[str, float], key: str, spec: str) -> str:
    return spec.format(values[key]) if key in values else "-"


def render_drift(console: Console, doc: dict[str, Any]) -> None:
    """Print the waterfall, the KRD changes and the holdings in one snapshot only."""
    console.print(
        f"drift from {escape(doc['before']['date'])} to {escape(doc['after']['date'])} "
        f"(order: {', '.join(doc['order'])})"
    )
    shown = [m for m in MAIN_METRICS if m[0] in doc["total"]]
    table = Table(title="Attribution (sequential waterfall; parts sum to the total)")
    table.add_column("part")
    for _, label, _ in shown:
        table.add_column(label, justify="right")
    plain = [spec.replace("+", "") for _, _, spec in shown]
    table.add_row(
        "before",
        *(_cell(doc["before_metrics"], k, p) for (k, _, _), p in zip(shown, plain, strict=True)),
    )
    for part in doc["parts"]:
        table.add_row(part["name"], *(_cell(part["change"], k, s) for k, _, s in shown))
    table.add_row("total", *(_cell(doc["total"], k, s) for k, _, s in shown))
    table.add_row(
        "after",
        *(_cell(doc["after_metrics"], k, p) for (k, _, _), p in zip(shown, plain, strict=True)),
    )
    console.print(table)
    tenors = [k.split(".", 1)[1] for k in doc["total"] if k.startswith("krd_zero.")]
    krd = Table(title="Change of KRDs by part, years (zero / par)")
    krd.add_column("part")
    for t in tenors:
        krd.add_column(t, justify="right")
    for part in [*doc["parts"], {"name": "total", "change": doc["total"]}]:
        ch = part["change"]
        krd.add_row(
            part["name"],
            *(f"{ch[f'krd_zero.{t}']:+.3f} / {ch[f'krd_par.{t}']:+.3f}" for t in tenors),
        )
    console.print(krd)
    rows = doc["holdings"]["one_snapshot_only"] + doc["holdings"]["face_changes"]
    if rows:
        held = Table(title="Holdings in one snapshot only or with a changed face")
        for col in ("id", "class", "face before", "face after"):
            held.add_column(col)
        for r in rows:
            held.add_row(
                escape(r["id"]),
                r["classification"],
                f"{r['face_before']:,.0f}",
                f"{r['face_after']:,.0f}",
            )
        console.print(held)
    console.print(f"sum check |parts - total| = {doc['sum_check']:.2e}")
    for w in doc["warnings"]:
        console.print(f"[yellow]warning[/]: {escape(w)}")

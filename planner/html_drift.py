"""The plan report's drift section (HTML): the duration walk chart and the attribution table."""

from __future__ import annotations

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.drift_chart import waterfall_chart

#: Metrics of the attribution table: key, header, cell kind.
_COLUMNS = (
    ("effective_duration", "Duration (years)", "years"),
    ("spread_duration", "Spread duration (years)", "years"),
    ("dv01", "DV01 (per bp)", "money"),
    ("duration_gap", "Gap (years)", "years"),
    ("tracking_error_bp", "Key-rate TE (bp/yr)", "bp"),
)


def drift_section(plan: Plan) -> str:
    """The drift section, or an empty string when the plan has none."""
    doc = plan.drift
    if doc is None:
        return ""
    key = "effective_duration"
    chart = waterfall_chart(
        (f"{doc.before.get('date', 'before')}", doc.before_metrics[key]),
        [(p.name, p.change.get(key, 0.0)) for p in doc.parts],
        (f"{doc.after.get('date', 'after')}", doc.after_metrics[key]),
        title="Effective duration walk since the previous snapshot (years)",
    )
    cols = [c for c in _COLUMNS if c[0] in doc.total]
    rows = [
        [f"<td>{h.esc(p.name)}</td>", *(h.cell(p.change.get(k), kind) for k, _, kind in cols)]
        for p in doc.parts
    ]
    rows.append(
        [
            "<td><strong>total</strong></td>",
            *(h.cell(doc.total.get(k), kind) for k, _, kind in cols),
        ]
    )
    table = h.table(["Part", *((head, True) for _, head, _ in cols)], rows)
    moved = [
        [
            f"<td>{h.esc(r['id'])}</td>",
            f"<td>{h.esc(r['classification'])}</td>",
            h.cell(r["face_before"], "money"),
            h.cell(r["face_after"], "money"),
        ]
        for r in doc.holdings.get("one_snapshot_only", []) + doc.holdings.get("face_changes", [])
    ]
    held = h.table(["Holding", "Class", ("Face before", True), ("Face after", True)], moved)
    notes = "".join(f"<p>{h.esc(w)}</p>" for w in doc.warnings)
    order = h.esc(", ".join(doc.order))
    return (
        '<section id="drift"><h2>Duration drift since the previous snapshot</h2>'
        f"<p>Sequential attribution in the order {order}; the parts sum to the total "
        f"(largest miss {doc.sum_check:.1e}).</p>{chart}{table}{held}{notes}</section>"
    )

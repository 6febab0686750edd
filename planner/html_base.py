"""Shared pieces of the HTML report: styles, number formatting, tables, badges and cards.

Every function returns an HTML fragment with all plan text escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from importlib.resources import files
from typing import Any

from hedge_planner import numfmt as nf
from hedge_planner.document import DurationStatus, Plan
from hedge_planner.document_sections import Mismatch
from pydantic import BaseModel

#: Anchor id and heading of every section, in page order.
SECTION_TITLES: tuple[tuple[str, str], ...] = (
    ("decision", "Decision summary"),
    ("exposure", "1. Duration exposure summary"),
    ("hedge", "2. Hedge recommendation"),
    ("scenarios", "3. Scenario matrix"),
    ("dashboard", "4. Risk dashboard"),
    ("actions", "5. Action items"),
    ("quality", "Quality checks"),
    ("warnings", "Warnings"),
    ("notes", "Methodology notes"),
)

#: Footnotes of the report, in their printed order: key -> text. Figures refer to them with
#: :func:`fn` instead of repeating the methodology on every row.
NOTES: tuple[tuple[str, str], ...] = (
    (
        "duration",
        "Durations in years; the hedge's duration figures are key-rate sums on the pre-hedge "
        "book value (effective, curve-based); derivatives add DV01, never value.",
    ),
    (
        "krd",
        "Key rate durations (KRD) are effective durations to each key tenor's zero rate, in "
        "years; they sum to the effective duration.",
    ),
    (
        "dv01",
        "DV01 in currency per 1 bp, positive when the position gains as rates fall.",
    ),
    (
        "te",
        "Tracking error is the ex-ante annualised volatility of the return difference against "
        "the benchmark, in bp per year, from the case's factor model (key rates, sector "
        "spreads, swap spread).",
    ),
    (
        "cost",
        "Cash cost over the scenario horizon in currency: positive = paid, negative = earned "
        "(carry earned by short futures, for example). Margin funding is the cost of funding "
        "initial margin, not the margin itself; the optimiser's risk penalty is not cash and is "
        "never included in cash cost.",
    ),
    (
        "scenarios",
        "Scenario P&L by full revaluation over the horizon; active = book − benchmark, the "
        "benchmark scaled to the book's value; gains green with +, losses red with −.",
    ),
)

DEFAULT_METHOD = {
    "effective_duration": "effective (curve-based)",
    "modified_duration": "modified (yield-based)",
    "spread_duration": "spread duration",
    "effective_convexity": "effective (curve-based)",
    "krd": "key rate (effective)",
    "dv01": "effective",
    "benchmark_duration": "supplied (benchmark profile)",
    "tracking_error": "ex-ante",
}

MONEY_KEYS = {
    "face",
    "market_value",
    "amount",
    "notional",
    "paydown",
    "expected_paydown",
    "principal",
    "cash",
}
NUMERIC_KINDS = {"money", "years", "bp", "pct", "rate", "int", "convexity", "shift"}
NOT_BINDING = '<span class="muted">no</span>'
FRACTION_KEYS = {"share", "weight", "share_of_face", "fraction"}

#: The report's stylesheet (screen and print), inlined into the page's single <style>.
CSS = (files("hedge_planner") / "templates" / "report.css").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# formatting helpers (all return escaped HTML fragments)
# --------------------------------------------------------------------------------------------


def is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt(value: Any, kind: str = "auto") -> str:
    """Format one value as plain text (not yet escaped).

    ``kind`` is one of ``money`` (0 decimals), ``years`` (4 decimals), ``bp`` (1 decimal),
    ``pct`` (fraction shown as percent, 2 decimals), ``int``, ``rate`` (decimal shown as percent,
    3 decimals), ``auto`` (heuristic), ``text``.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not is_num(value):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return "n/a"
    if kind == "money":
        return nf.money(v)
    if kind == "years":
        return f"{v:,.4f}"
    if kind == "bp":
        return f"{v:,.1f}"
    if kind == "shift":
        if v == 0:
            return "0"
        return f"{v:+,.0f}" if v == round(v) else f"{v:+,.1f}"
    if kind == "pct":
        return f"{100 * v:,.2f}%"
    if kind == "rate":
        return f"{100 * v:,.3f}%"
    if kind == "int":
        return f"{v:,.0f}"
    if kind == "convexity":
        return f"{v:,.2f}"
    if isinstance(value, int) or (abs(v) >= 1000 and v == round(v)):
        return f"{v:,.0f}"
    if abs(v) >= 1000:
        return f"{v:,.2f}"
    return f"{v:,.4f}"


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def cell(value: Any, kind: str = "auto", *, header: bool = False, sense: str = "") -> str:
    """One table cell; ``sense`` ``"pnl"`` or ``"cost"`` colours gains green and losses red
    and writes an explicit sign (other figures, e.g. DV01, stay uncoloured)."""
    tag = "th" if header else "td"
    text = esc(fmt(value, kind))
    if is_num(value) and kind != "text":
        tone = nf.tone(value, sense)
        if sense and float(value) > 0 and not text.startswith("+"):
            text = "+" + text
        cls = f"num {tone}" if tone else "num"
        return f'<{tag} class="{cls}">{text}</{tag}>'
    if value is None and kind in NUMERIC_KINDS:
        return f'<{tag} class="num">{text}</{tag}>'
    return f"<{tag}>{text}</{tag}>"


def raw_cell(html_fragment: str, *, num: bool = False) -> str:
    return f'<td class="num">{html_fragment}</td>' if num else f"<td>{html_fragment}</td>"


def table(
    headers: Sequence[str | tuple[str, bool]],
    rows: Iterable[Sequence[str]],
    *,
    caption: str | None = None,
    css_class: str = "",
    row_classes: Sequence[str] | None = None,
) -> str:
    """Build a table from header texts (``(text, numeric)`` tuples allowed) and cell HTML."""
    head = []
    for h in headers:
        text, numeric = h if isinstance(h, tuple) else (h, False)
        cls = ' class="num"' if numeric else ""
        head.append(f'<th scope="col"{cls}>{esc(text)}</th>')
    body = []
    for i, row in enumerate(rows):
        cls = ""
        if row_classes and i < len(row_classes) and row_classes[i]:
            cls = f' class="{row_classes[i]}"'
        body.append(f"<tr{cls}>{''.join(row)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}" class="muted">none</td></tr>')
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    cls = f' class="{css_class}"' if css_class else ""
    return (
        f'<div class="tw"><table{cls}>{cap}<thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def badge(status: Any) -> str:
    text = str(status).lower() if status is not None else "n/a"
    cls = {
        "pass": "b-pass",
        "ok": "b-pass",
        "compliant": "b-pass",
        "yes": "b-pass",
        "warn": "b-warn",
        "warning": "b-warn",
        "fail": "b-fail",
        "error": "b-fail",
        "breach": "b-fail",
        "non-compliant": "b-fail",
        "binding": "b-warn",
    }.get(text, "b-info")
    return f'<span class="badge {cls}">{esc(text)}</span>'


def compliance(flag: Any) -> str:
    if flag is None:
        return badge("n/a")
    return badge("compliant" if flag else "non-compliant")


def methods(plan: Plan) -> dict[str, str]:
    """Methodology label of every figure: the plan's own, defaults where it gives none."""
    supplied = plan.exposure.methodology
    merged = dict(DEFAULT_METHOD)
    merged.update({str(k): str(v) for k, v in supplied.items()})
    return merged


def label(methods: Mapping[str, str], key: str, fallback: str | None = None) -> str:
    text = methods.get(key) or (methods.get(fallback) if fallback else None)
    if not text:
        return ""
    return f'<span class="method" title="methodology">{esc(text)}</span>'


def ccy(plan: Plan) -> str:
    """Currency code labelling money columns."""
    return plan.currency or "ccy"


ACRONYMS = {"dv01": "DV01", "ctd": "CTD", "krd": "KRD", "oas": "OAS", "bp": "bp", "id": "ID"}


def humanise(key: str) -> str:
    words = [ACRONYMS.get(w.lower(), w) for w in key.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def generic_kind(key: str) -> str:
    if key in MONEY_KEYS or key.endswith("_pnl") or key.endswith("_value"):
        return "money"
    if key in FRACTION_KEYS or key.endswith("_share"):
        return "pct"
    if key.endswith("_bp"):
        return "bp"
    return "auto"


def generic_table(
    records: Sequence[BaseModel | Mapping[str, Any]], ccy: str, caption: str | None = None
) -> str:
    """Table of records, one column per field (units read from the field names)."""
    rows = [r.model_dump() if isinstance(r, BaseModel) else dict(r) for r in records]
    keys: list[str] = []
    for row in rows:
        for key in row:
            if key not in keys:
                keys.append(str(key))
    headers: list[str | tuple[str, bool]] = []
    for key in keys:
        kind = generic_kind(key)
        unit = {"money": f" ({ccy})", "pct": " (%)", "bp": " (bp)"}.get(kind, "")
        numeric = any(is_num(r.get(key)) for r in rows)
        headers.append((humanise(key.removesuffix("_bp")) + unit, numeric))
    body = [[cell(r.get(k), generic_kind(k)) for k in keys] for r in rows]
    return table(headers, body, caption=caption)


def card(key: str, value_html: str, detail_html: str = "") -> str:
    d = f'<div class="d">{detail_html}</div>' if detail_html else ""
    return (
        f'<div class="card"><div class="k">{esc(key)}</div>'
        f'<div class="v">{value_html}</div>{d}</div>'
    )


def band(dur: DurationStatus) -> str:
    """``target T ± B`` of the duration band, with its methodology footnote."""
    target = esc(fmt(dur.target, "years"))
    band = esc(fmt(dur.band, "years"))
    return f"target {target} ± {band}" + fn("duration")


def arrow(before: Any, after: Any, kind: str) -> str:
    return f"{esc(fmt(before, kind))} → {esc(fmt(after, kind))}"


def tenor_values(mapping: Mapping[str, float] | None, tenors: Sequence[str]) -> list[float | None]:
    """Values in key-tenor order (``None`` where missing)."""
    if mapping is None:
        return [None] * len(tenors)
    return [mapping.get(t) for t in tenors]


def detail_text(detail: Any) -> str:
    if not isinstance(detail, Mapping) or not detail:
        return ""
    parts = []
    for key, value in detail.items():
        kind = "rate" if key in {"strike", "fixed_rate", "rate", "coupon"} else "auto"
        if is_num(value) and kind == "auto" and float(value) == round(float(value)):
            kind = "int"
        parts.append(f"{humanise(str(key))}: {fmt(value, kind)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------


def fn(key: str) -> str:
    """Superscript reference to the footnote ``key`` of :data:`NOTES`."""
    number = [k for k, _ in NOTES].index(key) + 1
    return f'<sup class="fn"><a href="#note-{key}">{number}</a></sup>'


def section(sid: str, body: str) -> str:
    title = dict(SECTION_TITLES)[sid]
    return f'<section id="{sid}"><h2>{esc(title)}</h2>{body}</section>'


def mismatch_table(rows: Sequence[Mismatch], caption: str | None = None) -> str:
    """Tenors ranked by tracking-error contribution."""
    body = [
        [
            f"<td>{esc(r.tenor)}</td>",
            cell(r.gap_years, "years"),
            cell(r.te_contribution_bp, "bp"),
            cell(r.share, "pct"),
        ]
        for r in rows
    ]
    return table(
        [
            "Tenor",
            ("KRD gap (years)", True),
            ("TE contribution (bp/yr)", True),
            ("Share of TE (%)", True),
        ],
        body,
        caption=caption,
    )

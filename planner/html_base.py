"""Shared pieces of the HTML report: styles, number formatting, tables, badges and cards.

Every function returns an HTML fragment with all plan text escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from hedge_planner.document import DurationStatus, Plan
from hedge_planner.document_sections import Mismatch
from pydantic import BaseModel

#: Anchor id and heading of every section, in page order.
SECTION_TITLES: tuple[tuple[str, str], ...] = (
    ("exposure", "1. Duration exposure summary"),
    ("hedge", "2. Hedge recommendation"),
    ("scenarios", "3. Scenario matrix"),
    ("dashboard", "4. Risk dashboard"),
    ("actions", "5. Action items"),
    ("quality", "Quality checks"),
    ("warnings", "Warnings"),
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

CSS = """
:root{--ink:#1d2430;--muted:#5b6573;--line:#d9dde3;--bg:#f6f7f9;--accent:#1f5a96;
--pass:#1b7f3b;--pass-bg:#e3f4e8;--warn:#8a5a00;--warn-bg:#fff1d6;--fail:#b42318;
--fail-bg:#fde7e5;--info:#1f5a96;--info-bg:#e5eef8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1220px;margin:0 auto;padding:24px 28px 48px;background:#fff}
header.top{border-bottom:3px solid var(--accent);padding-bottom:12px;margin-bottom:18px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:34px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line);
color:var(--accent)}
h3{font-size:15px;margin:20px 0 8px}
p{margin:6px 0}
.sub{color:var(--muted)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;
background:#eef1f5;padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:13px}
caption{caption-side:bottom;text-align:left;color:var(--muted);font-size:12px;padding-top:4px}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:#eef2f7;text-align:left;font-weight:600;border-bottom:2px solid #b8c2cf;
vertical-align:bottom}
.tw{overflow-x:auto;max-width:100%}
table.wide td:first-child{min-width:200px}
table.wide{font-size:12.5px}
table.wide th,table.wide td{padding:5px 6px}
.sub2{display:block;font-size:11.5px;color:var(--muted);margin-top:2px}
.cards.three{display:grid;grid-template-columns:repeat(3,minmax(0,1fr))}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
tbody th{text-align:left;font-weight:600}
tr.total td,tr.total th{border-top:2px solid #b8c2cf;font-weight:600}
.neg{color:#b42318}
.method{display:inline-block;font-size:11px;color:var(--muted);background:#f0f2f5;
border:1px solid var(--line);border-radius:10px;padding:0 7px;margin-left:6px}
td .method{margin-left:0}
.badge{display:inline-block;min-width:46px;text-align:center;font-size:11px;font-weight:700;
letter-spacing:.03em;text-transform:uppercase;border-radius:10px;padding:1px 8px;
print-color-adjust:exact;-webkit-print-color-adjust:exact}
.b-pass{color:var(--pass);background:var(--pass-bg);border:1px solid #9fd3ad}
.b-warn{color:var(--warn);background:var(--warn-bg);border:1px solid #f0c36d}
.b-fail{color:var(--fail);background:var(--fail-bg);border:1px solid #f2a39b}
.b-info{color:var(--info);background:var(--info-bg);border:1px solid #a9c4e4}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0 14px}
.card{flex:1 1 200px;border:1px solid var(--line);border-radius:6px;padding:10px 12px;
background:#fff;break-inside:avoid}
.card .k{font-size:12px;color:var(--muted)}
.card .v{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums}
.card .d{font-size:12px;color:var(--muted)}
.grid2{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:18px;align-items:start}
.grid2.even{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.panel{border:1px solid var(--line);border-radius:6px;padding:6px 12px 2px;break-inside:avoid}
.panel h3{margin-top:8px}
nav.toc{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:8px 16px;
margin:10px 0 6px}
nav.toc ul{margin:4px 0;padding-left:4px;columns:2;list-style:none}
nav.toc a{color:var(--accent);text-decoration:none}
.alert{border:2px solid var(--fail);background:var(--fail-bg);border-radius:6px;padding:10px 14px;
margin:12px 0;break-inside:avoid;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.alert h3{margin:0 0 6px;color:var(--fail)}
.alert a{color:var(--fail)}
.note{border-left:4px solid var(--accent);background:#f3f7fc;padding:8px 12px;margin:10px 0}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:6px 0}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
details>summary{cursor:pointer;font-weight:600;padding:3px 0}
.chart{display:block;margin:8px 0 14px}
.muted{color:var(--muted)}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);
padding-top:8px}
@media (max-width:900px){.grid2,.grid2.even,.cards.three{grid-template-columns:1fr}
nav.toc ul{columns:1}}
@page{size:A4 landscape;margin:12mm}
@media print{
body{background:#fff;font-size:11px}
main{max-width:none;padding:0}
h2{break-after:avoid;page-break-after:avoid}
h3{break-after:avoid}
section{break-before:auto}
tr,.card,.panel,svg,.alert{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
nav.toc{display:none}
details{border:none;padding:0}
details::details-content{content-visibility:visible;display:block}
.tw{overflow:visible}
a{color:inherit;text-decoration:none}
}
"""


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
        return f"{v:,.0f}"
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


def cell(value: Any, kind: str = "auto", *, header: bool = False) -> str:
    tag = "th" if header else "td"
    text = esc(fmt(value, kind))
    if is_num(value) and kind != "text":
        cls = "num neg" if float(value) < 0 else "num"
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


def band(dur: DurationStatus, methods: Mapping[str, str]) -> str:
    """``target T ± B`` of the duration band, with its methodology label."""
    target = esc(fmt(dur.target, "years"))
    band = esc(fmt(dur.band, "years"))
    return f"target {target} ± {band}" + label(methods, "hedge_duration", "effective_duration")


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


def toc() -> str:
    items = "".join(f'<li><a href="#{sid}">{esc(title)}</a></li>' for sid, title in SECTION_TITLES)
    return f'<nav class="toc" aria-label="Contents"><strong>Contents</strong><ul>{items}</ul></nav>'


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

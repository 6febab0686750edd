"""Self-contained HTML report of a plan document.

:func:`render_html` turns the plan document (the dict ``hedge-planner plan`` writes as
``plan.json``) into one HTML page with inline CSS and inline SVG charts: no scripts, fonts,
style sheets or images are fetched from anywhere. All text from the plan is escaped.

Sections, in order: header (case, dates, methodology note), table of contents,
1 Duration exposure summary, 2 Hedge recommendation, 3 Scenario matrix, 4 Risk dashboard,
5 Action items, Quality checks, Warnings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from hedge_planner.charts import diverging_bar_chart, format_number, grouped_bar_chart
from hedge_planner.provenance import describe

__all__ = ["SECTION_TITLES", "render_html", "write_html"]

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

_DEFAULT_METHOD = {
    "effective_duration": "effective (curve-based)",
    "modified_duration": "modified (yield-based)",
    "spread_duration": "spread duration",
    "effective_convexity": "effective (curve-based)",
    "krd": "key rate (effective)",
    "dv01": "effective",
    "benchmark_duration": "supplied (benchmark profile)",
    "tracking_error": "ex-ante",
}

_MONEY_KEYS = {
    "face",
    "market_value",
    "amount",
    "notional",
    "paydown",
    "expected_paydown",
    "principal",
    "cash",
}
_NUMERIC_KINDS = {"money", "years", "bp", "pct", "rate", "int", "convexity", "shift"}
_NOT_BINDING = '<span class="muted">no</span>'
_FRACTION_KEYS = {"share", "weight", "share_of_face", "fraction"}

_CSS = """
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


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fmt(value: Any, kind: str = "auto") -> str:
    """Format one value as plain text (not yet escaped).

    ``kind`` is one of ``money`` (0 decimals), ``years`` (4 decimals), ``bp`` (1 decimal),
    ``pct`` (fraction shown as percent, 2 decimals), ``int``, ``rate`` (decimal shown as percent,
    3 decimals), ``auto`` (heuristic), ``text``.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not _is_num(value):
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


def _esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _cell(value: Any, kind: str = "auto", *, header: bool = False) -> str:
    tag = "th" if header else "td"
    text = _esc(_fmt(value, kind))
    if _is_num(value) and kind != "text":
        cls = "num neg" if float(value) < 0 else "num"
        return f'<{tag} class="{cls}">{text}</{tag}>'
    if value is None and kind in _NUMERIC_KINDS:
        return f'<{tag} class="num">{text}</{tag}>'
    return f"<{tag}>{text}</{tag}>"


def _raw_cell(html_fragment: str, *, num: bool = False) -> str:
    return f'<td class="num">{html_fragment}</td>' if num else f"<td>{html_fragment}</td>"


def _table(
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
        head.append(f'<th scope="col"{cls}>{_esc(text)}</th>')
    body = []
    for i, row in enumerate(rows):
        cls = ""
        if row_classes and i < len(row_classes) and row_classes[i]:
            cls = f' class="{row_classes[i]}"'
        body.append(f"<tr{cls}>{''.join(row)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}" class="muted">none</td></tr>')
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    cls = f' class="{css_class}"' if css_class else ""
    return (
        f'<div class="tw"><table{cls}>{cap}<thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _badge(status: Any) -> str:
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
    return f'<span class="badge {cls}">{_esc(text)}</span>'


def _compliance(flag: Any) -> str:
    if flag is None:
        return _badge("n/a")
    return _badge("compliant" if flag else "non-compliant")


def _methods(plan: Mapping[str, Any]) -> dict[str, str]:
    exposure = plan.get("exposure") or {}
    supplied = exposure.get("methodology") or {}
    merged = dict(_DEFAULT_METHOD)
    merged.update({str(k): str(v) for k, v in supplied.items()})
    return merged


def _label(methods: Mapping[str, str], key: str, fallback: str | None = None) -> str:
    text = methods.get(key) or (methods.get(fallback) if fallback else None)
    if not text:
        return ""
    return f'<span class="method" title="methodology">{_esc(text)}</span>'


def _ccy(plan: Mapping[str, Any]) -> str:
    return str(plan.get("currency") or "ccy")


def _get(mapping: Any, *keys: str, default: Any = None) -> Any:
    cur = mapping
    for key in keys:
        if not isinstance(cur, Mapping):
            return default
        cur = cur.get(key)
    return default if cur is None else cur


_ACRONYMS = {"dv01": "DV01", "ctd": "CTD", "krd": "KRD", "oas": "OAS", "bp": "bp", "id": "ID"}


def _humanise(key: str) -> str:
    words = [_ACRONYMS.get(w.lower(), w) for w in key.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _generic_kind(key: str) -> str:
    if key in _MONEY_KEYS or key.endswith("_pnl") or key.endswith("_value"):
        return "money"
    if key in _FRACTION_KEYS or key.endswith("_share"):
        return "pct"
    if key.endswith("_bp"):
        return "bp"
    return "auto"


def _generic_table(rows: Sequence[Mapping[str, Any]], ccy: str, caption: str | None = None) -> str:
    """Table of a list of records whose keys are not fixed by the schema."""
    keys: list[str] = []
    for row in rows:
        for key in row:
            if key not in keys:
                keys.append(str(key))
    headers: list[str | tuple[str, bool]] = []
    for key in keys:
        kind = _generic_kind(key)
        unit = {"money": f" ({ccy})", "pct": " (%)", "bp": " (bp)"}.get(kind, "")
        numeric = any(_is_num(r.get(key)) for r in rows)
        headers.append((_humanise(key.removesuffix("_bp")) + unit, numeric))
    body = [[_cell(r.get(k), _generic_kind(k)) for k in keys] for r in rows]
    return _table(headers, body, caption=caption)


def _card(key: str, value_html: str, detail_html: str = "") -> str:
    d = f'<div class="d">{detail_html}</div>' if detail_html else ""
    return (
        f'<div class="card"><div class="k">{_esc(key)}</div>'
        f'<div class="v">{value_html}</div>{d}</div>'
    )


def _band(dur: Mapping[str, Any], methods: Mapping[str, str]) -> str:
    target = _esc(_fmt(dur.get("target"), "years"))
    band = _esc(_fmt(dur.get("band"), "years"))
    return f"target {target} ± {band}" + _label(methods, "hedge_duration", "effective_duration")


def _arrow(before: Any, after: Any, kind: str) -> str:
    return f"{_esc(_fmt(before, kind))} → {_esc(_fmt(after, kind))}"


def _tenor_values(mapping: Any, tenors: Sequence[str]) -> list[float | None]:
    if not isinstance(mapping, Mapping):
        return [None] * len(tenors)
    return [mapping.get(t) for t in tenors]


def _detail_text(detail: Any) -> str:
    if not isinstance(detail, Mapping) or not detail:
        return ""
    parts = []
    for key, value in detail.items():
        kind = "rate" if key in {"strike", "fixed_rate", "rate", "coupon"} else "auto"
        if _is_num(value) and kind == "auto" and float(value) == round(float(value)):
            kind = "int"
        parts.append(f"{_humanise(str(key))}: {_fmt(value, kind)}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------


def _header(plan: Mapping[str, Any], methods: Mapping[str, str]) -> str:
    exposure = plan.get("exposure") or {}
    portfolio = exposure.get("portfolio") or {}
    dash = plan.get("dashboard") or {}
    checks = plan.get("quality_checks") or []
    counts = {
        s: sum(1 for c in checks if str(c.get("status")).lower() == s)
        for s in ("pass", "warn", "fail")
    }
    case = plan.get("case") or "(unnamed case)"
    ccy = _ccy(plan)
    meta = (
        f'<p class="sub">Case <code>{_esc(case)}</code> · analysis date '
        f"<strong>{_esc(plan.get('analysis_date', '—'))}</strong> · generated "
        f"{_esc(plan.get('generated', '—'))} · schema {_esc(plan.get('schema', '—'))} "
        f"v{_esc(plan.get('version', '—'))}</p>"
    )
    dur = dash.get("duration") or {}
    te = dash.get("tracking_error_bp") or {}
    dv = dash.get("dv01") or {}
    cards = [
        _card(f"Market value ({ccy})", _esc(_fmt(portfolio.get("market_value"), "money"))),
        _card(
            "Duration before → after (years)",
            _arrow(dur.get("before"), dur.get("after"), "years"),
            _band(dur, methods),
        ),
        _card(
            "Tracking error before → after (bp/yr)",
            _arrow(te.get("before"), te.get("after"), "bp"),
            _label(methods, "tracking_error"),
        ),
        _card(
            f"DV01 before → after ({ccy}/bp)",
            _arrow(dv.get("before"), dv.get("after"), "money"),
            f"limit {_esc(_fmt(dv.get('limit'), 'money'))}",
        ),
        _card(
            "Quality checks",
            " ".join(f"{counts[s]}&nbsp;{_badge(s)}" for s in ("pass", "warn", "fail")),
        ),
    ]
    infeasible = _get(plan, "hedge", "infeasibility")
    banner = ""
    if infeasible:
        banner = (
            '<div class="alert" role="alert"><h3>Hedge problem infeasible</h3>'
            f"<p>{_esc(infeasible.get('message', ''))}</p>"
            '<p><a href="#infeasibility">See the constraint relaxations that would make it '
            "feasible.</a></p></div>"
        )
    notes = "".join(f"<dt>{_esc(_humanise(k))}</dt><dd>{_esc(v)}</dd>" for k, v in methods.items())
    method_note = (
        '<div class="note"><strong>Methodology.</strong> Durations in years and every duration '
        "figure is labelled with its method; convexity in years²; DV01 in "
        f"{_esc(ccy)} per 1 bp, positive when the position gains as rates fall; P&amp;L in "
        f"{_esc(ccy)}; tracking error ex-ante in bp per year; percentages of market value."
        f'<details><summary>Figure methodology</summary><dl class="kv">{notes}</dl></details></div>'
    )
    return (
        '<header class="top"><h1>Hedge plan report</h1>'
        f"{meta}</header>{banner}"
        f'<div class="cards">{"".join(cards)}</div>{method_note}'
    )


def _toc() -> str:
    items = "".join(f'<li><a href="#{sid}">{_esc(title)}</a></li>' for sid, title in SECTION_TITLES)
    return f'<nav class="toc" aria-label="Contents"><strong>Contents</strong><ul>{items}</ul></nav>'


def _section(sid: str, body: str) -> str:
    title = dict(SECTION_TITLES)[sid]
    return f'<section id="{sid}"><h2>{_esc(title)}</h2>{body}</section>'


def _mismatch_table(rows: Sequence[Mapping[str, Any]], caption: str | None = None) -> str:
    body = [
        [
            f"<td>{_esc(r.get('tenor'))}</td>",
            _cell(r.get("gap_years"), "years"),
            _cell(r.get("te_contribution_bp"), "bp"),
            _cell(r.get("share"), "pct"),
        ]
        for r in rows
    ]
    return _table(
        [
            "Tenor",
            ("KRD gap (years)", True),
            ("TE contribution (bp/yr)", True),
            ("Share of TE (%)", True),
        ],
        body,
        caption=caption,
    )


def _exposure(plan: Mapping[str, Any], methods: Mapping[str, str]) -> str:
    exposure = plan.get("exposure") or {}
    tenors = [str(t) for t in plan.get("key_tenors") or []]
    p = exposure.get("portfolio") or {}
    b = exposure.get("benchmark")
    post = _get(plan, "hedge", "post_hedge") or {}
    ccy = _ccy(plan)
    out: list[str] = []

    rows = [
        ("Market value", p.get("market_value"), "money", ccy, ""),
        ("Effective duration", p.get("effective_duration"), "years", "years", "effective_duration"),
        ("Modified duration", p.get("modified_duration"), "years", "years", "modified_duration"),
        ("Spread duration", p.get("spread_duration"), "years", "years", "spread_duration"),
        (
            "Effective convexity",
            p.get("effective_convexity"),
            "convexity",
            "years²",
            "effective_convexity",
        ),
        ("DV01", p.get("dv01"), "money", f"{ccy} per bp", "dv01"),
    ]
    if b:
        rows += [
            ("Benchmark duration", b.get("duration"), "years", "years", "benchmark_duration"),
            (
                "Duration gap (portfolio − benchmark)",
                b.get("duration_gap"),
                "years",
                "years",
                "effective_duration",
            ),
            (
                "Ex-ante tracking error",
                b.get("tracking_error_bp"),
                "bp",
                "bp per year",
                "tracking_error",
            ),
        ]
    body = [
        [
            f'<th scope="row">{_esc(n)}</th>',
            _cell(v, k),
            f"<td>{_esc(u)}</td>",
            f"<td>{_label(methods, m) if m else ''}</td>",
        ]
        for n, v, k, u, m in rows
    ]
    figures = _table(["Figure", ("Value", True), "Unit", "Methodology"], body)
    bench_html = ""
    if b:
        bench_html = (
            f"<p>Benchmark: <strong>{_esc(b.get('name', '—'))}</strong>. Largest key-rate "
            "mismatches against the benchmark:</p>"
            + _mismatch_table(b.get("largest_mismatches") or [])
        )
        gaps = b.get("sector_weight_gap") or {}
        if gaps:
            bench_html += _table(
                ["Sector", ("Weight gap vs benchmark (% of MV)", True)],
                [[f"<td>{_esc(k)}</td>", _cell(v, "pct")] for k, v in gaps.items()],
            )
    else:
        bench_html = '<p class="muted">No benchmark in this case: absolute exposure only.</p>'
    out.append(
        f'<div class="grid2"><div class="panel"><h3>Portfolio figures</h3>{figures}</div>'
        f'<div class="panel"><h3>Against the benchmark</h3>{bench_html}</div></div>'
    )

    series: dict[str, list[float | None]] = {"Portfolio": _tenor_values(p.get("krd"), tenors)}
    if b:
        series["Benchmark"] = _tenor_values(b.get("krd"), tenors)
    if post.get("krd"):
        series["Hedged portfolio"] = _tenor_values(post.get("krd"), tenors)
    if tenors:
        out.append(
            grouped_bar_chart(
                tenors,
                series,
                title="Key rate duration profile by tenor",
                y_label="KRD (years)",
                chart_id="chart-krd",
                width=1160,
                height=360,
                value_format=lambda v: format_number(v, 2),
            )
        )
        krd_rows = [("Portfolio KRD (years)", p.get("krd"), "years")]
        if b:
            krd_rows += [
                ("Benchmark KRD (years)", b.get("krd"), "years"),
                ("Gap (years)", b.get("krd_gap"), "years"),
            ]
        if post.get("krd"):
            krd_rows.append(("Hedged portfolio KRD (years)", post.get("krd"), "years"))
        krd_rows.append((f"Portfolio KRD DV01 ({ccy}/bp)", p.get("krd_dv01"), "money"))
        body = [
            [f'<th scope="row">{_esc(name)}</th>']
            + [_cell(v, kind) for v in _tenor_values(values, tenors)]
            for name, values, kind in krd_rows
        ]
        out.append(
            "<h3>Key rate durations "
            + _label(methods, "krd")
            + "</h3>"
            + _table(["Measure", *[(t, True) for t in tenors]], body)
        )

    sectors = exposure.get("sectors") or []
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
                f"<td>{_esc(s.get('sector'))}</td>",
                _cell(s.get("n_holdings"), "int"),
                _cell(s.get("market_value"), "money"),
                _cell(s.get("weight"), "pct"),
                _cell(s.get("duration_contribution"), "years"),
                _cell(s.get("spread_duration_contribution"), "years"),
                _cell(s.get("dv01"), "money"),
                *[_cell(s.get(f"krd_{t}"), "years") for t in tenors],
            ]
            for s in sectors
        ]
        out.append(
            "<h3>By sector "
            + _label(methods, "effective_duration")
            + "</h3>"
            + _table(
                head,
                body,
                caption="Contributions are market-value weighted; they sum to the portfolio "
                "figures.",
            )
        )
    return _section("exposure", "".join(out))


def _hedge_figures_table(
    hedge: Mapping[str, Any], tenors: Sequence[str], methods: Mapping[str, str], ccy: str
) -> str:
    pre = hedge.get("pre_hedge") or {}
    post = hedge.get("post_hedge") or {}
    base = _get(hedge, "baseline", "post_hedge") or {}
    spec = [
        (
            "Duration",
            "duration",
            "years",
            "years",
            _label(methods, "hedge_duration", "effective_duration"),
        ),
        ("DV01", "dv01", "money", f"{ccy} per bp", _label(methods, "dv01")),
        ("Convexity", "convexity", "convexity", "years²", _label(methods, "effective_convexity")),
        (
            "Tracking error",
            "tracking_error_bp",
            "bp",
            "bp per year",
            _label(methods, "tracking_error"),
        ),
    ]
    body = [
        [
            f'<th scope="row">{_esc(n)}</th>',
            _cell(pre.get(k), kind),
            _cell(post.get(k), kind),
            _cell(base.get(k), kind),
            f"<td>{_esc(u)}</td>",
            f"<td>{lab}</td>",
        ]
        for n, k, kind, u, lab in spec
    ]
    krd_label = _label(methods, "krd")
    for t in tenors:
        body.append(
            [
                f'<th scope="row">KRD {_esc(t)}</th>',
                _cell(_get(pre, "krd", t), "years"),
                _cell(_get(post, "krd", t), "years"),
                _cell(_get(base, "krd", t), "years"),
                "<td>years</td>",
                f"<td>{krd_label}</td>",
            ]
        )
    return _table(
        [
            "Figure",
            ("Pre-hedge", True),
            ("Post-hedge (optimised)", True),
            ("Post-hedge (baseline)", True),
            "Unit",
            "Methodology",
        ],
        body,
    )


def _hedge(plan: Mapping[str, Any], methods: Mapping[str, str]) -> str:
    hedge = plan.get("hedge") or {}
    tenors = [str(t) for t in plan.get("key_tenors") or []]
    ccy = _ccy(plan)
    out: list[str] = []

    infeasible = hedge.get("infeasibility")
    if infeasible:
        relax = infeasible.get("relaxations") or []
        body = [
            [
                f"<td>{_esc(r.get('constraint'))}</td>",
                _cell(r.get("limit")),
                _cell(r.get("required")),
                _cell(r.get("change")),
                f"<td>{_esc(r.get('unit', ''))}</td>",
            ]
            for r in relax
        ]
        out.append(
            '<div class="alert" id="infeasibility" role="alert">'
            "<h3>Infeasible: no hedge meets every constraint</h3>"
            f"<p>{_esc(infeasible.get('message', ''))}</p>"
            "<p>Smallest relaxations that would make the problem feasible:</p>"
            + _table(
                ["Constraint", ("Limit", True), ("Required", True), ("Change", True), "Unit"], body
            )
            + "</div>"
        )

    trades = hedge.get("trades") or []
    compact = [
        [
            f"<td>{_esc(t.get('instrument'))}</td>",
            f"<td>{_esc(t.get('direction'))}</td>",
            _cell(t.get("quantity"), "int"),
            f"<td>{_esc(t.get('unit'))}</td>",
            _cell(t.get("dv01_change"), "money"),
            _cell(_get(t, "cost", "total"), "money"),
        ]
        for t in trades
    ]
    total_dv01 = sum(float(t.get("dv01_change") or 0) for t in trades)
    total_cost = sum(float(_get(t, "cost", "total") or 0) for t in trades)
    if trades:
        compact.append(
            [
                '<th scope="row">Total</th>',
                "<td></td>",
                "<td></td>",
                "<td></td>",
                _cell(total_dv01, "money"),
                _cell(total_cost, "money"),
            ]
        )
    opt_table = _table(
        [
            "Instrument",
            "Direction",
            ("Quantity", True),
            "Unit",
            (f"DV01 change ({ccy}/bp)", True),
            (f"Total cost ({ccy})", True),
        ],
        compact,
        row_classes=[""] * len(trades) + ["total"],
    )
    baseline = hedge.get("baseline") or {}
    btrades = baseline.get("trades") or []
    base_table = _table(
        ["Instrument", ("Quantity", True), "Unit"],
        [
            [
                f"<td>{_esc(t.get('instrument'))}</td>",
                _cell(t.get("quantity"), "int"),
                f"<td>{_esc(t.get('unit'))}</td>",
            ]
            for t in btrades
        ],
    )
    base_kv = f"<p>Method: <strong>{_esc(baseline.get('method', '—'))}</strong></p>" + _table(
        ["Optimised − baseline", ("Difference", True)],
        [
            [
                f'<th scope="row">Hedge cost ({_esc(ccy)})</th>',
                _cell(baseline.get("cost_difference"), "money"),
            ],
            [
                '<th scope="row">Tracking error (bp/yr)</th>',
                _cell(baseline.get("tracking_error_difference_bp"), "bp"),
            ],
        ],
        caption="Negative = the optimised hedge is cheaper / tracks closer. Post-hedge risk of "
        "both is compared below.",
    )
    out.append(
        '<div class="grid2">'
        f'<div class="panel"><h3>Recommended trades (optimised)</h3>{opt_table}</div>'
        f'<div class="panel"><h3>Closed-form baseline</h3>{base_kv}{base_table}</div></div>'
    )

    detail_rows = [
        [
            f"<td>{_esc(t.get('instrument'))}"
            f'<span class="sub2">{_esc(_detail_text(t.get("detail")))}</span></td>',
            f"<td>{_esc(t.get('kind'))}</td>",
            f"<td>{_esc(t.get('direction'))}</td>",
            _cell(t.get("quantity"), "int"),
            f"<td>{_esc(t.get('unit'))}</td>",
            _cell(t.get("dv01_change"), "money"),
            _cell(_get(t, "cost", "carry"), "money"),
            _cell(_get(t, "cost", "slippage"), "money"),
            _cell(_get(t, "cost", "margin"), "money"),
            _cell(_get(t, "cost", "total"), "money"),
            f'<td class="num">{_esc(_fmt(t.get("roll_date")))}</td>',
        ]
        for t in trades
    ]
    out.append(
        "<h3>Trade detail and costs</h3>"
        + _table(
            [
                "Instrument",
                "Kind",
                "Direction",
                ("Quantity", True),
                "Unit",
                (f"DV01 change ({ccy}/bp)", True),
                (f"Carry ({ccy})", True),
                (f"Slippage ({ccy})", True),
                (f"Margin ({ccy})", True),
                (f"Total ({ccy})", True),
                ("Roll date", True),
            ],
            detail_rows,
            css_class="wide",
            caption="Costs over the scenario horizon; positive = cost, negative = gain.",
        )
    )
    out.append(
        "<h3>Pre- and post-hedge risk</h3>" + _hedge_figures_table(hedge, tenors, methods, ccy)
    )

    constraints = hedge.get("constraints") or []
    body = [
        [
            f"<td>{_esc(c.get('name'))}</td>",
            _cell(c.get("limit")),
            _cell(c.get("value")),
            _cell(c.get("slack")),
            f"<td>{_badge('binding') if c.get('binding') else _NOT_BINDING}</td>",
        ]
        for c in constraints
    ]
    n_binding = sum(1 for c in constraints if c.get("binding"))
    out.append(
        f"<h3>Constraints ({n_binding} binding of {len(constraints)})</h3>"
        + _table(
            ["Constraint", ("Limit", True), ("Value", True), ("Slack", True), "Binding"],
            body,
            caption="Units as named in each constraint; slack = distance to the limit.",
        )
    )

    exposure = hedge.get("exposure") or {}
    if exposure:
        ccy = _ccy(plan)
        rows = [
            ("Market value (cash + derivatives' MTM)", exposure.get("market_value"), ccy, "money"),
            ("Derivatives' MTM", exposure.get("derivatives_market_value"), ccy, "money"),
            ("DV01", exposure.get("dv01"), f"{ccy} per bp", "money"),
            ("Effective duration", exposure.get("duration"), "years", "years"),
            ("Gross derivative notional", exposure.get("gross_notional"), ccy, "money"),
            ("Net derivative notional", exposure.get("net_notional"), ccy, "money"),
            ("Leverage (cash + gross notional) / MV", exposure.get("leverage"), "x", "auto"),
        ]
        out.append(
            "<h3>Post-hedge exposure with derivatives</h3>"
            + _table(
                ["Figure", ("Value", True), "Unit"],
                [
                    (_cell(name), _cell(value, kind), _cell(unit))
                    for name, value, unit, kind in rows
                ],
                caption="Derivatives add their DV01 to the numerator; the denominator is the "
                "cash value plus derivatives' mark-to-market, never futures or swap notionals.",
            )
        )

    solver = hedge.get("solver") or {}
    if solver:
        kinds = {"gap": "pct", "iterations": "int", "seconds": "auto"}
        items = "".join(
            f"<dt>{_esc(_humanise(k))}{' (s)' if k == 'seconds' else ''}</dt>"
            f"<dd>{_esc(_fmt(v, kinds.get(k, 'auto')))}</dd>"
            for k, v in solver.items()
        )
        out.append(f'<h3>Solver</h3><dl class="kv">{items}</dl>')
    return _section("hedge", "".join(out))


def _scenarios(plan: Mapping[str, Any]) -> str:
    sc = plan.get("scenarios") or {}
    rows = sc.get("rows") or []
    tenors = [str(t) for t in plan.get("key_tenors") or []]
    ccy = _ccy(plan)
    out: list[str] = []
    be = sc.get("breakeven_bp") or {}
    out.append(
        f"<p>Horizon <strong>{_esc(_fmt(sc.get('horizon_days'), 'int'))} days</strong>; P&amp;L by "
        "full revaluation; bp figures are P&amp;L in basis points of market value.</p>"
        '<div class="cards">'
        + _card(
            "Breakeven yield rise, unhedged (bp)",
            _esc(_fmt(be.get("unhedged"), "bp")),
            "parallel rise that wipes out horizon carry",
        )
        + _card(
            "Breakeven yield rise, hedged (bp)",
            _esc(_fmt(be.get("hedged"), "bp")),
            "after hedge carry and costs",
        )
        + "</div>"
    )
    if rows:
        names = [str(r.get("name", "")) for r in rows]
        out.append(
            diverging_bar_chart(
                names,
                {
                    "Unhedged": [r.get("unhedged_pnl") for r in rows],
                    "Hedged": [r.get("hedged_pnl") for r in rows],
                },
                title=f"Scenario P&L over the horizon, unhedged vs hedged ({ccy})",
                x_label=f"P&L ({ccy})",
                chart_id="chart-scenario-pnl",
                width=1160,
                label_width=300,
            )
        )
    body = [
        [
            f'<td>{_esc(r.get("name"))}<span class="sub2">{_esc(r.get("kind") or "")}</span></td>',
            _cell(r.get("unhedged_pnl"), "money"),
            _cell(r.get("hedge_pnl"), "money"),
            _cell(r.get("hedged_pnl"), "money"),
            _cell(r.get("unhedged_pnl_bp"), "bp"),
            _cell(r.get("hedged_pnl_bp"), "bp"),
            _cell(r.get("approx_pnl"), "money"),
            _cell(r.get("approx_error"), "money"),
            _cell(r.get("price_return"), "pct"),
            _cell(r.get("total_return"), "pct"),
        ]
        for r in rows
    ]
    out.append(
        _table(
            [
                "Scenario (kind)",
                (f"Unhedged P&L ({ccy})", True),
                (f"Hedge P&L ({ccy})", True),
                (f"Hedged P&L ({ccy})", True),
                ("Unhedged (bp of MV)", True),
                ("Hedged (bp of MV)", True),
                (f"Approx. P&L ({ccy})", True),
                (f"Approx. error ({ccy})", True),
                ("Price return (%)", True),
                ("Total return (%)", True),
            ],
            body,
            css_class="wide",
            caption="Approx. = key-rate duration and convexity approximation; "
            "error = full revaluation − approximation.",
        )
    )
    spread_keys: list[str] = []
    for r in rows:
        for k in r.get("spread_shifts") or {}:
            if k not in spread_keys:
                spread_keys.append(str(k))
    shift_body = [
        [f"<td>{_esc(r.get('name'))}</td>"]
        + [_cell(_get(r, "shifts", t), "shift") for t in tenors]
        + [_cell(_get(r, "spread_shifts", k), "shift") for k in spread_keys]
        for r in rows
    ]
    out.append(
        "<h3>Scenario definitions</h3>"
        + _table(
            [
                "Scenario",
                *[(f"{t} (bp)", True) for t in tenors],
                *[(f"{k} spread (bp)", True) for k in spread_keys],
            ],
            shift_body,
            css_class="wide",
            caption="Key-rate shifts and sector spread shifts in bp; — = unchanged.",
        )
    )
    return _section("scenarios", "".join(out))


def _dashboard(plan: Mapping[str, Any], methods: Mapping[str, str]) -> str:
    d = plan.get("dashboard") or {}
    ccy = _ccy(plan)
    te = d.get("tracking_error_bp") or {}
    dur = d.get("duration") or {}
    dv = d.get("dv01") or {}
    limit = dv.get("limit")

    def within(value: Any) -> Any:
        if not (_is_num(value) and _is_num(limit)):
            return None
        return abs(float(value)) <= float(limit)

    te_change = None
    if _is_num(te.get("before")) and _is_num(te.get("after")):
        te_change = float(te["after"]) - float(te["before"])
    te_label = _label(methods, "tracking_error")
    cards = [
        _card("Tracking error before (bp/yr)", _esc(_fmt(te.get("before"), "bp")), te_label),
        _card(
            "Duration before (years)",
            _esc(_fmt(dur.get("before"), "years")) + " " + _compliance(dur.get("compliant_before")),
            _band(dur, methods),
        ),
        _card(
            f"DV01 before ({ccy}/bp)",
            _esc(_fmt(dv.get("before"), "money")) + " " + _compliance(within(dv.get("before"))),
            f"limit {_esc(_fmt(limit, 'money'))}",
        ),
        _card(
            "Tracking error after (bp/yr)",
            _esc(_fmt(te.get("after"), "bp")),
            f"change {_esc(_fmt(te_change, 'bp'))} bp" + te_label,
        ),
        _card(
            "Duration after (years)",
            _esc(_fmt(dur.get("after"), "years")) + " " + _compliance(dur.get("compliant_after")),
            _band(dur, methods),
        ),
        _card(
            f"DV01 after ({ccy}/bp)",
            _esc(_fmt(dv.get("after"), "money")) + " " + _compliance(within(dv.get("after"))),
            f"limit {_esc(_fmt(limit, 'money'))}",
        ),
    ]
    mm = d.get("largest_mismatches") or {}
    tables = (
        '<div class="grid2 even">'
        '<div class="panel"><h3>Largest key-rate mismatches before hedge</h3>'
        f"{_mismatch_table(mm.get('before') or [])}</div>"
        '<div class="panel"><h3>Largest key-rate mismatches after hedge</h3>'
        f"{_mismatch_table(mm.get('after') or [])}</div>"
        "</div>"
    )
    return _section("dashboard", f'<div class="cards three">{"".join(cards)}</div>{tables}')


def _roll_flag(flag: Any) -> str:
    if flag:
        return _badge("warn") + " yes: roll inside the horizon"
    return _esc(_fmt(flag))


def _actions(plan: Mapping[str, Any]) -> str:
    a = plan.get("actions") or {}
    ccy = _ccy(plan)
    out: list[str] = []
    trades = a.get("trades") or []
    triggers = a.get("rebalancing_triggers") or []
    items = "".join(f"<li>{_esc(t)}</li>" for t in trades) or '<li class="muted">no trades</li>'
    trig = "".join(f"<li>{_esc(t)}</li>" for t in triggers) or '<li class="muted">none</li>'
    out.append(
        '<div class="grid2 even">'
        f'<div class="panel"><h3>Trades to execute</h3><ol>{items}</ol></div>'
        f'<div class="panel"><h3>Rebalancing triggers</h3><ul>{trig}</ul>'
        f"<p>Next review: <strong>{_esc(a.get('next_review_date') or '—')}</strong></p></div>"
        "</div>"
    )
    rolls = a.get("roll_dates") or []
    body = [
        [
            f"<td>{_esc(r.get('instrument'))}</td>",
            f"<td>{_esc(_fmt(r.get('roll_date')))}</td>",
            f"<td>{_esc(_fmt(r.get('first_notice')))}</td>",
            f"<td>{_esc(_fmt(r.get('last_trade')))}</td>",
            f"<td>{_roll_flag(r.get('before_horizon'))}</td>",
        ]
        for r in rolls
    ]
    out.append(
        "<h3>Futures roll dates</h3>"
        + _table(
            ["Instrument", "Roll date", "First notice", "Last trade", "Before horizon end"], body
        )
    )
    mats = a.get("upcoming_maturities") or []
    body = [
        [
            f"<td>{_esc(m.get('id'))}</td>",
            f"<td>{_esc(_fmt(m.get('maturity')))}</td>",
            _cell(m.get("face"), "money"),
            _cell(m.get("market_value"), "money"),
        ]
        for m in mats
    ]
    out.append(
        "<h3>Upcoming maturities</h3>"
        + _table(
            ["Holding", "Maturity", (f"Face ({ccy})", True), (f"Market value ({ccy})", True)], body
        )
    )
    pay = a.get("large_paydowns") or []
    out.append("<h3>Large paydowns</h3>" + _generic_table(pay, ccy))
    return _section("actions", "".join(out))


def _quality(plan: Mapping[str, Any]) -> str:
    checks = plan.get("quality_checks") or []
    body = [
        [
            f"<td>{_badge(c.get('status'))}</td>",
            f"<td><strong>{_esc(c.get('name'))}</strong></td>",
            f"<td>{_esc(c.get('detail', ''))}</td>",
        ]
        for c in checks
    ]
    return _section("quality", _table(["Status", "Check", "Detail"], body))


def _warnings(plan: Mapping[str, Any]) -> str:
    warnings = plan.get("warnings") or []
    if not warnings:
        return _section("warnings", '<p class="muted">No warnings.</p>')
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for w in warnings:
        groups.setdefault(str(w.get("code") or "UNCODED"), []).append(w)
    rank = {"error": 0, "fail": 0, "warning": 1, "warn": 1, "info": 2}
    parts = [f"<p>{len(warnings)} warnings in {len(groups)} groups; expand a group for detail.</p>"]
    for code, items in sorted(
        groups.items(),
        key=lambda kv: (min(rank.get(str(w.get("level")).lower(), 3) for w in kv[1]), kv[0]),
    ):
        levels = sorted(
            {str(w.get("level") or "info").lower() for w in items}, key=lambda s: rank.get(s, 3)
        )
        body = [
            [
                f"<td>{_badge(w.get('level'))}</td>",
                f"<td>{_esc(w.get('holding') or '—')}</td>",
                f"<td>{_esc(w.get('message', ''))}</td>",
            ]
            for w in items
        ]
        parts.append(
            f"<details><summary>{_badge(levels[0])} <code>{_esc(code)}</code> · {len(items)} "
            f"item{'s' if len(items) != 1 else ''}</summary>"
            + _table(["Level", "Holding", "Message"], body)
            + "</details>"
        )
    return _section("warnings", "".join(parts))


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def render_html(plan: Mapping[str, Any]) -> str:
    """Render a plan document as one self-contained HTML page.

    Parameters
    ----------
    plan : mapping
        The plan document (schema ``hedge-planner/plan``, version 1), as written to
        ``plan.json``. Optional parts (benchmark, infeasibility, scenario rows, ...) may be
        ``None`` or missing; an optional top-level ``currency`` code labels money columns
        (default ``"ccy"``).

    Returns
    -------
    str
        A complete HTML5 document with inline CSS and inline SVG charts; it references no
        external resource and contains no script. Every text value from the plan is escaped.
    """
    methods = _methods(plan)
    run_id = _get(plan, "provenance", "run_id") or ""
    title = f"Hedge plan — {plan.get('case') or 'case'} — {plan.get('analysis_date') or ''}"
    body = "".join(
        [
            _header(plan, methods),
            _toc(),
            _exposure(plan, methods),
            _hedge(plan, methods),
            _scenarios(plan),
            _dashboard(plan, methods),
            _actions(plan),
            _quality(plan),
            _warnings(plan),
            f"<footer>Generated by hedge-planner from {_esc(plan.get('schema', 'plan'))} "
            f"v{_esc(plan.get('version', '—'))} · {_esc(plan.get('generated', ''))}"
            f"<br>{_esc(describe(plan.get('provenance')))}</footer>",
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="hedge-planner-run-id" content="{_esc(run_id)}">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def write_html(plan: Mapping[str, Any], path: str | Path) -> Path:
    """Render ``plan`` with :func:`render_html` and write it as UTF-8.

    Parameters
    ----------
    plan : mapping
        The plan document.
    path : str or Path
        Output file, e.g. ``OUT/report.html``; parent directories must exist.

    Returns
    -------
    Path
        The path written.
    """
    out = Path(path)
    out.write_text(render_html(plan), encoding="utf-8")
    return out

"""Self-contained HTML report of a plan.

:func:`render_html` turns the typed plan (:class:`hedge_planner.document.Plan`, or a
``plan.json`` document validated into one) into one HTML page with inline CSS and inline SVG
charts: no scripts, fonts, style sheets or images are fetched from anywhere. All text from the
plan is escaped.

Sections, in order: header (case, dates, methodology note), table of contents,
1 Duration exposure summary, 2 Hedge recommendation, 3 Scenario matrix, 4 Risk dashboard,
5 Action items, Quality checks, Warnings. Each lives in its own module (``html_exposure``,
``html_hedge``, ``html_sections``); shared formatting is in ``html_base``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.html_base import SECTION_TITLES
from hedge_planner.html_drift import drift_section
from hedge_planner.html_exposure import exposure_section
from hedge_planner.html_hedge import hedge_section
from hedge_planner.html_sections import (
    actions_section,
    dashboard_section,
    quality_section,
    scenarios_section,
    warnings_section,
)

__all__ = ["SECTION_TITLES", "render_html", "write_html"]


def _header(plan: Plan, methods: Mapping[str, str]) -> str:
    portfolio = plan.exposure.portfolio
    dash = plan.dashboard
    counts = {
        s: sum(1 for c in plan.quality_checks if c.status == s) for s in ("pass", "warn", "fail")
    }
    case = plan.case or "(unnamed case)"
    ccy = h.ccy(plan)
    meta = (
        f'<p class="sub">Case <code>{h.esc(case)}</code> · analysis date '
        f"<strong>{h.esc(plan.analysis_date)}</strong> · generated "
        f"{h.esc(plan.generated or '—')} · schema {h.esc(plan.schema_)} "
        f"v{h.esc(plan.version)}</p>"
    )
    dur = dash.duration
    te = dash.tracking_error_bp
    dv = dash.dv01
    cards = [
        h.card(f"Market value ({ccy})", h.esc(h.fmt(portfolio.market_value, "money"))),
        h.card(
            "Duration before → after (years)",
            h.arrow(dur.before, dur.after, "years"),
            h.band(dur, methods),
        ),
        h.card(
            "Tracking error before → after (bp/yr)",
            h.arrow(te.before, te.after, "bp"),
            h.label(methods, "tracking_error"),
        ),
        h.card(
            f"DV01 before → after ({ccy}/bp)",
            h.arrow(dv.before, dv.after, "money"),
            f"limit {h.esc(h.fmt(dv.limit, 'money'))}",
        ),
        h.card(
            "Quality checks",
            " ".join(f"{counts[s]}&nbsp;{h.badge(s)}" for s in ("pass", "warn", "fail")),
        ),
    ]
    infeasible = plan.hedge.infeasibility if plan.hedge is not None else None
    banner = ""
    if infeasible is not None:
        banner = (
            '<div class="alert" role="alert"><h3>Hedge problem infeasible</h3>'
            f"<p>{h.esc(infeasible.message)}</p>"
            '<p><a href="#infeasibility">See the constraint relaxations that would make it '
            "feasible.</a></p></div>"
        )
    notes = "".join(
        f"<dt>{h.esc(h.humanise(k))}</dt><dd>{h.esc(v)}</dd>" for k, v in methods.items()
    )
    method_note = (
        '<div class="note"><strong>Methodology.</strong> Durations in years and every duration '
        "figure is labelled with its method; convexity in years²; DV01 in "
        f"{h.esc(ccy)} per 1 bp, positive when the position gains as rates fall; P&amp;L in "
        f"{h.esc(ccy)}; tracking error ex-ante in bp per year; percentages of market value."
        f'<details><summary>Figure methodology</summary><dl class="kv">{notes}</dl></details></div>'
    )
    return (
        '<header class="top"><h1>Hedge plan report</h1>'
        f"{meta}</header>{banner}"
        f'<div class="cards">{"".join(cards)}</div>{method_note}'
    )


def render_html(plan: Plan | Mapping[str, Any]) -> str:
    """Render a plan document as one self-contained HTML page.

    Parameters
    ----------
    plan : Plan or mapping
        The typed plan, or a plan document as read from ``plan.json`` (validated against
        :class:`~hedge_planner.document.Plan` first). Optional parts (benchmark, hedge,
        infeasibility) may be ``None``; ``currency`` labels money columns.

    Returns
    -------
    str
        A complete HTML5 document with inline CSS and inline SVG charts; it references no
        external resource and contains no script. Every text value from the plan is escaped.
    """
    plan = Plan.from_json(plan)
    methods = h.methods(plan)
    prov = plan.provenance
    # The run id ties the page to the plan.json of the same output set (see outputs.py).
    run_id = prov.run_id if prov is not None else ""
    provenance_line = f"<br>{h.esc(prov.describe())}" if prov is not None else ""
    title = f"Hedge plan — {plan.case or 'case'} — {plan.analysis_date}"
    body = "".join(
        [
            _header(plan, methods),
            h.toc(),
            exposure_section(plan, methods),
            hedge_section(plan, methods),
            scenarios_section(plan),
            dashboard_section(plan, methods),
            drift_section(plan),
            actions_section(plan),
            quality_section(plan),
            warnings_section(plan),
            f"<footer>Generated by hedge-planner from {h.esc(plan.schema_)} "
            f"v{h.esc(plan.version)} · {h.esc(plan.generated)}{provenance_line}</footer>",
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="hedge-planner-run-id" content="{h.esc(run_id)}">'
        f"<title>{h.esc(title)}</title><style>{h.CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def write_html(plan: Plan | Mapping[str, Any], path: str | Path) -> Path:
    """Render ``plan`` with :func:`render_html` and write it as UTF-8.

    Parameters
    ----------
    plan : Plan or mapping
        The plan (typed, or a ``plan.json`` document).
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

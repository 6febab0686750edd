"""Self-contained HTML report of a plan.

:func:`render_html` turns the typed plan (:class:`hedge_planner.document.Plan`, or a
``plan.json`` document validated into one) into one HTML page with inline CSS and inline SVG
charts: no scripts, fonts, style sheets or images are fetched from anywhere. The page is
rendered from Jinja2 templates (``hedge_planner/templates``) with autoescaping.

Page one is the decision (:mod:`hedge_planner.html_decision`); the numbered sections follow,
then quality checks, the warnings appendix (one table) and the methodology notes the figures
refer to. Sections are pluggable: :data:`SECTIONS` lists ``(id, builder)`` pairs in page order,
each builder taking ``(plan, methods)`` and returning one ``<section>`` fragment; a new
section is one entry here and one title in :data:`hedge_planner.html_base.SECTION_TITLES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hedge_planner import html_base as h
from hedge_planner.document import Plan
from hedge_planner.document_sections import Flag
from hedge_planner.html_base import SECTION_TITLES
from hedge_planner.html_decision import decision_section
from hedge_planner.html_drift import drift_section
from hedge_planner.html_exposure import exposure_section
from hedge_planner.html_hedge import hedge_section
from hedge_planner.html_sections import (
    actions_section,
    dashboard_section,
    quality_section,
    scenarios_section,
)
from hedge_planner.html_templates import Markup, render

__all__ = ["SECTIONS", "SECTION_TITLES", "render_html", "write_html"]

SectionBuilder = Callable[[Plan, Mapping[str, str]], str]

_LEVEL_RANK = {"error": 0, "fail": 0, "warning": 1, "warn": 1, "info": 2}


def warnings_section(plan: Plan, methods: Mapping[str, str]) -> str:
    """Warnings appendix: one summary table (a row per code, most severe first), full lists
    collapsible on screen only."""
    groups: dict[str, list[Flag]] = {}
    for w in plan.warnings:
        groups.setdefault(w.code or "UNCODED", []).append(w)

    def worst(items: list[Flag]) -> str:
        levels = [(w.level or "info").lower() for w in items]
        return min(levels, key=lambda s: _LEVEL_RANK.get(s, 3))

    ordered = sorted(
        ((code, worst(items), items) for code, items in groups.items()),
        key=lambda g: (_LEVEL_RANK.get(g[1], 3), g[0]),
    )
    return render(
        "warnings.html.j2",
        title=dict(SECTION_TITLES)["warnings"],
        groups=ordered,
        n=len(plan.warnings),
        badge=lambda s: Markup(h.badge(s)),
    )


def notes_section(plan: Plan, methods: Mapping[str, str]) -> str:
    """The methodology, once: numbered notes and each figure's method."""
    return render(
        "notes.html.j2",
        title=dict(SECTION_TITLES)["notes"],
        ccy=h.ccy(plan),
        notes=h.NOTES,
        methods=methods,
    )


#: Page order of the sections (ids as in SECTION_TITLES).
SECTIONS: tuple[tuple[str, SectionBuilder], ...] = (
    ("decision", decision_section),
    ("exposure", exposure_section),
    ("hedge", hedge_section),
    ("scenarios", lambda plan, methods: scenarios_section(plan)),
    ("dashboard", dashboard_section),
    ("drift", lambda plan, methods: drift_section(plan)),
    ("actions", lambda plan, methods: actions_section(plan)),
    ("quality", lambda plan, methods: quality_section(plan)),
    ("warnings", warnings_section),
    ("notes", notes_section),
)


def render_html(plan: Plan | Mapping[str, Any], *, extra_css: str = "") -> str:
    """Render a plan document as one self-contained HTML page.

    Parameters
    ----------
    plan : Plan or mapping
        The typed plan, or a plan document as read from ``plan.json`` (validated against
        :class:`~hedge_planner.document.Plan` first). Optional parts (benchmark, hedge,
        infeasibility) may be ``None``; ``currency`` labels money columns.
    extra_css : str, optional
        Style rules appended to the stylesheet (the PDF adds its page footer this way).

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
    sections = [Markup(build(plan, methods)) for _, build in SECTIONS]
    toc = [(sid, title) for sid, title in SECTION_TITLES if sid != "decision"]
    page = render(
        "report.html.j2",
        plan=plan,
        run_id=prov.run_id if prov is not None else "",
        title=f"Hedge plan — {plan.case or 'case'} — {plan.analysis_date}",
        css=Markup(h.CSS),
        extra_css=Markup(extra_css),
        infeasible=plan.hedge.infeasibility if plan.hedge is not None else None,
        sections=sections,
        toc=toc,
        provenance=prov.describe() if prov is not None else "",
    )
    return str(page) + ("" if page.endswith("\n") else "\n")


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

"""Jinja2 environment of the HTML report: templates in ``hedge_planner/templates``.

Autoescaping is on for every template: plan text reaches the page escaped unless a section
builder hands over a fragment it built (and escaped) itself, as :class:`markupsafe.Markup`.
Filters format numbers the way the rest of the report does (:mod:`hedge_planner.numfmt`) and
turn identifiers into display names (:mod:`hedge_planner.labels`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hedge_planner import labels
from hedge_planner import numfmt as nf
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["Markup", "environment", "render"]


def _signed_cell(value: Any, sense: str, kind: str = "money") -> Markup:
    """``<td>`` with a signed figure coloured by ``sense`` (``pnl``/``cost``)."""
    text = {"money": nf.money, "bp": nf.bp}[kind](value, signed=True)
    tone = nf.tone(value, sense)
    cls = f"num {tone}" if tone else "num"
    return Markup('<td class="{}">{}</td>').format(cls, text)


@cache
def environment() -> Environment:
    """The report's template environment (autoescaped, undefined names are errors)."""
    env = Environment(
        loader=PackageLoader("hedge_planner", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=nf.money,
        bp=nf.bp,
        years=nf.years,
        pct=nf.pct,
        tone=nf.tone,
        signed_cell=_signed_cell,
        scenario=labels.scenario_label,
        constraint=labels.constraint_label,
        factor=labels.factor_label,
        cost=labels.cost_label,
        humanise=labels.humanise,
    )
    return env


def render(template: str, **context: Any) -> Markup:
    """Render one template of the report to an HTML fragment."""
    return Markup(environment().get_template(template).render(**context))

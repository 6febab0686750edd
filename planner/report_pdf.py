"""PDF of the plan for the committee pack (WeasyPrint, optional extra ``pdf``).

The PDF is the HTML report (:func:`hedge_planner.report_html.render_html`) laid out by
WeasyPrint with the report's print style: A4 landscape, page one the decision, warnings as one
appendix table. Every page's footer carries the page number and count, the run's time, the
case file's SHA-256 (first 12 hex digits) and the package and solver versions, from the plan's
provenance.

WeasyPrint installs from PyPI (``pip install 'hedge-planner[pdf]'``) and needs the Pango text
library (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``). Without it :func:`write_pdf` raises
:class:`PdfUnavailableError` with that hint instead of a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hedge_planner.document import Plan
from hedge_planner.models.errors import HedgePlannerError
from hedge_planner.report_html import render_html

__all__ = ["PdfUnavailableError", "footer_text", "render_pdf", "require_pdf", "write_pdf"]

logger = logging.getLogger(__name__)


class PdfUnavailableError(HedgePlannerError):
    """The PDF renderer (WeasyPrint and its system libraries) is not installed."""


def footer_text(plan: Plan) -> str:
    """The run's identity for the page footer: run time, case hash, versions."""
    prov = plan.provenance
    if prov is None:
        return f"hedge-planner · {plan.generated}"
    versions = " ".join(f"{k} {v}" for k, v in prov.versions.model_dump(by_alias=True).items() if v)
    digest = (prov.case_sha256 or "n/a")[:12]
    return f"run {prov.run_time_utc} · run id {prov.run_id} · case sha256 {digest} · {versions}"


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped, no newlines)."""
    clean = " ".join(text.split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_css(plan: Plan) -> str:
    """Page footer (identity left, page numbers right) for WeasyPrint's margin boxes."""
    return (
        "@page{size:A4 landscape;margin:11mm 11mm 14mm 11mm;"
        f"@bottom-left{{content:{_css_string(footer_text(plan))};font-size:7.5pt;"
        "color:#5b6573}"
        '@bottom-right{content:"page " counter(page) " of " counter(pages);font-size:7.5pt;'
        "color:#5b6573}}"
    )


def _weasyprint() -> Any:
    """The WeasyPrint module, or :class:`PdfUnavailableError` with how to install it."""
    try:
        import weasyprint  # optional dependency: imported only when a PDF is asked for
    except (ImportError, OSError) as exc:
        raise PdfUnavailableError(
            f"the PDF report needs WeasyPrint ({exc}); install it with "
            "pip install 'hedge-planner[pdf]' (and on Debian: apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0), or leave pdf out of --output"
        ) from None
    return weasyprint


def require_pdf() -> None:
    """Fail early (before any work) when the PDF renderer is not installed."""
    _weasyprint()


def render_pdf(plan: Plan | Mapping[str, Any]) -> bytes:
    """The PDF bytes of the plan's report.

    Raises
    ------
    PdfUnavailableError
        WeasyPrint or the Pango library is missing.
    """
    weasyprint = _weasyprint()
    typed = Plan.from_json(plan)
    page = render_html(typed, extra_css=_page_css(typed))
    # Quiet WeasyPrint's per-property warnings about screen-only CSS it ignores.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pdf = weasyprint.HTML(string=page, base_url=None).write_pdf()
    if pdf is None:  # pragma: no cover - write_pdf returns bytes when no target is given
        raise PdfUnavailableError("WeasyPrint returned no PDF")
    return bytes(pdf)


def write_pdf(plan: Plan | Mapping[str, Any], path: str | Path) -> Path:
    """Write the plan's report as a PDF to ``path`` (see :func:`render_pdf`)."""
    out = Path(path)
    out.write_bytes(render_pdf(plan))
    logger.debug("wrote PDF %s", out)
    return out

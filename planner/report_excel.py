"""Excel workbook of a plan document (openpyxl).

:func:`write_excel` writes one sheet per report section: ``Summary`` (key figures and quality
checks), ``Exposure``, ``Sectors``, ``Hedge``, ``Constraints``, ``Scenarios``, ``Dashboard``,
``Actions`` and ``Warnings``.

Layout of every sheet: the first table's header is row 1 (frozen, with an auto-filter) and its
data start on row 2; further tables on the same sheet follow after one blank row, each with a
bold title row and its own header row. Numbers are written unrounded with number formats:
currency ``#,##0``, durations and KRDs ``0.0000``, bp ``0.0``, fractions ``0.00%``, convexity
``0.00``; ISO dates are written as Excel dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedge_planner.provenance import describe
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMATS", "SHEET_NAMES", "write_excel"]

#: Sheet names in workbook order.
SHEET_NAMES: tuple[str, ...] = (
    "Summary",
    "Exposure",
    "Sectors",
    "Hedge",
    "Constraints",
    "Scenarios",
    "Dashboard",
    "Actions",
    "Warnings",
)

#: Number format by value kind.
FORMATS: dict[str, str] = {
    "money": "#,##0",
    "years": "0.0000",
    "bp": "0.0",
    "pct": "0.00%",
    "rate": "0.000%",
    "int": "#,##0",
    "convexity": "0.00",
    "date": "yyyy-mm-dd",
    "auto": "General",
    "text": "@",
}

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F5A96")
_TITLE_FONT = Font(bold=True, size=12, color="1F5A96")
_TOTAL_FONT = Font(bold=True)
_THIN = Side(style="thin", color="B8C2CF")
_HEADER_BORDER = Border(bottom=_THIN)
_STATUS_FILL = {
    "pass": PatternFill("solid", fgColor="E3F4E8"),
    "warn": PatternFill("solid", fgColor="FFF1D6"),
    "warning": PatternFill("solid", fgColor="FFF1D6"),
    "fail": PatternFill("solid", fgColor="FDE7E5"),
    "error": PatternFill("solid", fgColor="FDE7E5"),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _auto_format(value: Any) -> str:
    """Format for numbers whose unit is not known in advance (e.g. constraint limits)."""
    if not _is_num(value):
        return FORMATS["auto"]
    if isinstance(value, int) or abs(value) >= 1000:
        return "#,##0"
    return "#,##0.0000"


@dataclass
class _Sheet:
    """Writes stacked tables onto one worksheet and tracks column widths."""

    ws: Worksheet
    row: int = 1
    widths: dict[int, float] = field(default_factory=dict)
    tables: int = 0

    def _measure(self, col: int, value: Any, fmt: str) -> None:
        if value is None:
            return
        if _is_num(value):
            if fmt == FORMATS["pct"]:
                text = f"{100 * value:,.2f}%"
            elif fmt in (FORMATS["years"], "#,##0.0000"):
                text = f"{value:,.4f}"
            else:
                text = f"{value:,.1f}"
        elif isinstance(value, dt.date):
            text = "0000-00-00"
        else:
            text = str(value)
        self.widths[col] = max(self.widths.get(col, 0.0), float(len(text)))

    def put(self, row: int, col: int, value: Any, kind: str = "auto") -> None:
        """Write one value with the number format of ``kind``."""
        if kind in ("auto", "date") and isinstance(value, str) and _ISO_DATE.match(value):
            value = dt.date.fromisoformat(value)
            kind = "date"
        if kind == "auto":
            fmt = _auto_format(value)
        elif _is_num(value) or isinstance(value, dt.date):
            fmt = FORMATS.get(kind, "General")
        else:
            fmt = "General"
        if isinstance(value, Mapping):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        cell = self.ws.cell(row=row, column=col, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # plan text is never a formula
        if fmt != "General":
            cell.number_format = fmt
        self._measure(col, value, fmt)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        kinds: Sequence[str] | None = None,
        *,
        title: str | None = None,
        total_last: bool = False,
        status_col: int | None = None,
    ) -> None:
        """Write a table; the first one on the sheet gets the frozen row-1 header.

        Parameters
        ----------
        headers : sequence of str
            Column headers (with units).
        rows : sequence of sequences
            Cell values.
        kinds : sequence of str, optional
            Value kind per column (key of :data:`FORMATS`); ``auto`` if missing.
        title : str, optional
            Title row written above later tables (ignored for the first table).
        total_last : bool, default False
            Bold the last row (a totals row).
        status_col : int, optional
            0-based column whose pass/warn/fail text colours the cell.
        """
        kinds = list(kinds or [])
        if self.tables:
            self.row += 1
            if title:
                cell = self.ws.cell(row=self.row, column=1, value=title)
                cell.font = _TITLE_FONT
                self.row += 1
        header_row = self.row
        for c, text in enumerate(headers, start=1):
            cell = self.ws.cell(row=header_row, column=c, value=text)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.border = _HEADER_BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            self.widths[c] = max(self.widths.get(c, 0.0), min(len(text), 28) * 1.0)
        self.row += 1
        for r in rows:
            for c, value in enumerate(r, start=1):
                kind = kinds[c - 1] if c - 1 < len(kinds) else "auto"
                self.put(self.row, c, value, kind)
                if status_col is not None and c - 1 == status_col:
                    fill = _STATUS_FILL.get(str(value).lower())
                    if fill is not None:
                        self.ws.cell(row=self.row, column=c).fill = fill
            self.row += 1
        if total_last and rows:
            for c in range(1, len(headers) + 1):
                self.ws.cell(row=self.row - 1, column=c).font = _TOTAL_FONT
        if not self.tables:
            self.ws.freeze_panes = self.ws.cell(row=header_row + 1, column=1)
            last = get_column_letter(len(headers))
            self.ws.auto_filter.ref = f"A{header_row}:{last}{max(self.row - 1, header_row)}"
        self.tables += 1

    def finish(self) -> None:
        """Set column widths from the widest value (clamped to 8..60 characters)."""
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)


def _get(mapping: Any, *keys: str) -> Any:
    cur = mapping
    for key in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _tenors(plan: Mapping[str, Any]) -> list[str]:
    return [str(t) for t in plan.get("key_tenors") or []]


def _methods(plan: Mapping[str, Any]) -> dict[str, str]:
    base = {
        "effective_duration": "effective (curve-based)",
        "modified_duration": "modified (yield-based)",
        "benchmark_duration": "supplied (benchmark profile)",
    }
    base.update({str(k): str(v) for k, v in (_get(plan, "exposure", "methodology") or {}).items()})
    return base


_ACRONYMS = {"dv01": "DV01", "ctd": "CTD", "krd": "KRD", "oas": "OAS", "bp": "bp", "id": "ID"}


def _humanise(key: str) -> str:
    words = [_ACRONYMS.get(w.lower(), w) for w in key.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------------
# sheets
# --------------------------------------------------------------------------------------------


def _portfolio_figures(
    p: Mapping[str, Any], b: Mapping[str, Any], m: Mapping[str, str], ccy: str
) -> list[tuple[str, Any, str, str, str]]:
    """Rows (name, value, unit, methodology, format) shared by the Summary and Exposure sheets."""
    return [
        ("Market value", p.get("market_value"), ccy, "", "money"),
        (
            "Effective duration",
            p.get("effective_duration"),
            "years",
            m["effective_duration"],
            "years",
        ),
        ("Modified duration", p.get("modified_duration"), "years", m["modified_duration"], "years"),
        (
            "Spread duration",
            p.get("spread_duration"),
            "years",
            m.get("spread_duration", ""),
            "years",
        ),
        (
            "Effective convexity",
            p.get("effective_convexity"),
            "years^2",
            m.get("effective_convexity", ""),
            "convexity",
        ),
        ("DV01", p.get("dv01"), f"{ccy} per bp", m.get("dv01", ""), "money"),
        ("Benchmark", b.get("name"), "", "", "text"),
        ("Benchmark duration", b.get("duration"), "years", m["benchmark_duration"], "years"),
    ]


def _summary(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    m = _methods(plan)
    p = _get(plan, "exposure", "portfolio") or {}
    b = _get(plan, "exposure", "benchmark") or {}
    d = plan.get("dashboard") or {}
    hedge = plan.get("hedge") or {}
    checks = plan.get("quality_checks") or []
    trades = hedge.get("trades") or []
    total_cost = sum(float(_get(t, "cost", "total") or 0.0) for t in trades)
    dur_m = m.get("hedge_duration") or m.get("effective_duration")
    infeasible = hedge.get("infeasibility")
    rows: list[tuple[str, Any, str, str, str]] = [
        ("Case", plan.get("case"), "", "", "text"),
        ("Analysis date", plan.get("analysis_date"), "", "", "date"),
        ("Generated", plan.get("generated"), "", "", "text"),
        ("Schema", f"{plan.get('schema')} v{plan.get('version')}", "", "", "text"),
        ("Provenance", describe(plan.get("provenance")), "", "", "text"),
        *_portfolio_figures(p, b, m, ccy),
        (
            "Duration gap (portfolio - benchmark)",
            b.get("duration_gap"),
            "years",
            m["effective_duration"],
            "years",
        ),
        ("Duration before hedge", _get(d, "duration", "before"), "years", dur_m, "years"),
        ("Duration after hedge", _get(d, "duration", "after"), "years", dur_m, "years"),
        ("Duration target", _get(d, "duration", "target"), "years", dur_m, "years"),
        ("Duration band (+/-)", _get(d, "duration", "band"), "years", "", "years"),
        (
            "Tracking error before hedge",
            _get(d, "tracking_error_bp", "before"),
            "bp per year",
            m.get("tracking_error", ""),
            "bp",
        ),
        (
            "Tracking error after hedge",
            _get(d, "tracking_error_bp", "after"),
            "bp per year",
            m.get("tracking_error", ""),
            "bp",
        ),
        ("DV01 before hedge", _get(d, "dv01", "before"), f"{ccy} per bp", "", "money"),
        ("DV01 after hedge", _get(d, "dv01", "after"), f"{ccy} per bp", "", "money"),
        ("DV01 limit", _get(d, "dv01", "limit"), f"{ccy} per bp", "", "money"),
        ("Hedge trades", len(trades), "count", "", "int"),
        ("Hedge cost over horizon", total_cost, ccy, "", "money"),
        ("Solver status", _get(hedge, "solver", "status"), "", "", "text"),
        (
            "Infeasibility",
            (infeasible or {}).get("message") if infeasible else "none",
            "",
            "",
            "text",
        ),
        ("Next review date", _get(plan, "actions", "next_review_date"), "", "", "date"),
    ]
    for status in ("pass", "warn", "fail"):
        n = sum(1 for c in checks if str(c.get("status")).lower() == status)
        rows.append((f"Quality checks: {status}", n, "count", "", "int"))
    body = [(name, value, unit, method or "") for name, value, unit, method, _ in rows]
    kinds_per_row = [kind for *_, kind in rows]
    sh.table(["Figure", "Value", "Unit", "Methodology"], body, ["text", "auto", "text", "text"])
    # per-row formats of the value column
    first = 2
    for i, kind in enumerate(kinds_per_row):
        cell = sh.ws.cell(row=first + i, column=2)
        if _is_num(cell.value) or isinstance(cell.value, dt.date):
            cell.number_format = FORMATS["date" if isinstance(cell.value, dt.date) else kind]
    sh.table(
        ["Check", "Status", "Detail"],
        [(c.get("name"), c.get("status"), c.get("detail")) for c in checks],
        ["text", "text", "text"],
        title="Quality checks",
        status_col=1,
    )


def _exposure(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    tenors = _tenors(plan)
    m = _methods(plan)
    p = _get(plan, "exposure", "portfolio") or {}
    b = _get(plan, "exposure", "benchmark") or {}
    post = _get(plan, "hedge", "post_hedge") or {}
    sh.table(
        [
            "Tenor",
            "Portfolio KRD (years)",
            "Benchmark KRD (years)",
            "KRD gap (years)",
            "Post-hedge KRD (years)",
            f"Portfolio KRD DV01 ({ccy}/bp)",
        ],
        [
            (
                t,
                _get(p, "krd", t),
                _get(b, "krd", t),
                _get(b, "krd_gap", t),
                _get(post, "krd", t),
                _get(p, "krd_dv01", t),
            )
            for t in tenors
        ],
        ["text", "years", "years", "years", "years", "money"],
    )
    fig = [
        *_portfolio_figures(p, b, m, ccy),
        ("Duration gap", b.get("duration_gap"), "years", m["effective_duration"], "years"),
        (
            "Tracking error",
            b.get("tracking_error_bp"),
            "bp per year",
            m.get("tracking_error", ""),
            "bp",
        ),
    ]
    start = sh.row + 3  # blank row + title row + header row
    sh.table(
        ["Figure", "Value", "Unit", "Methodology"],
        [(n, v, u, mm) for n, v, u, mm, _ in fig],
        ["text", "auto", "text", "text"],
        title="Portfolio and benchmark figures",
    )
    for i, (*_, kind) in enumerate(fig):
        cell = sh.ws.cell(row=start + i, column=2)
        if _is_num(cell.value):
            cell.number_format = FORMATS[kind]
    sh.table(
        ["Tenor", "KRD gap (years)", "TE contribution (bp/yr)", "Share of TE"],
        [
            (r.get("tenor"), r.get("gap_years"), r.get("te_contribution_bp"), r.get("share"))
            for r in b.get("largest_mismatches") or []
        ],
        ["text", "years", "bp", "pct"],
        title="Largest key-rate mismatches against the benchmark",
    )
    sh.table(
        ["Sector", "Weight gap vs benchmark"],
        list((b.get("sector_weight_gap") or {}).items()),
        ["text", "pct"],
        title="Sector weight gap (portfolio - benchmark)",
    )
    sh.table(
        ["Figure", "Methodology"],
        list((_get(plan, "exposure", "methodology") or {}).items()),
        ["text", "text"],
        title="Methodology",
    )


def _sectors(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    tenors = _tenors(plan)
    sectors = _get(plan, "exposure", "sectors") or []
    headers = [
        "Sector",
        "Holdings",
        f"Market value ({ccy})",
        "Weight",
        "Duration contribution (years)",
        "Spread duration contribution (years)",
        f"DV01 ({ccy}/bp)",
        *[f"KRD {t} (years)" for t in tenors],
    ]
    keys = [
        "sector",
        "n_holdings",
        "market_value",
        "weight",
        "duration_contribution",
        "spread_duration_contribution",
        "dv01",
        *[f"krd_{t}" for t in tenors],
    ]
    kinds = ["text", "int", "money", "pct", "years", "years", "money", *["years"] * len(tenors)]
    rows: list[list[Any]] = [[s.get(k) for k in keys] for s in sectors]
    if rows:
        total: list[Any] = ["Total"]
        for k in keys[1:]:
            vals = [s.get(k) for s in sectors]
            total.append(
                sum(float(v) for v in vals if _is_num(v)) if any(map(_is_num, vals)) else None
            )
        rows.append(total)
    sh.table(headers, rows, kinds, total_last=bool(rows))


def _hedge(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    tenors = _tenors(plan)
    m = _methods(plan)
    hedge = plan.get("hedge") or {}
    trades = hedge.get("trades") or []
    sh.table(
        [
            "Instrument",
            "Kind",
            "Direction",
            "Quantity",
            "Unit",
            f"DV01 change ({ccy}/bp)",
            f"Carry ({ccy})",
            f"Slippage ({ccy})",
            f"Margin ({ccy})",
            f"Total cost ({ccy})",
            "Roll date",
            "Detail",
        ],
        [
            (
                t.get("instrument"),
                t.get("kind"),
                t.get("direction"),
                t.get("quantity"),
                t.get("unit"),
                t.get("dv01_change"),
                _get(t, "cost", "carry"),
                _get(t, "cost", "slippage"),
                _get(t, "cost", "margin"),
                _get(t, "cost", "total"),
                t.get("roll_date"),
                t.get("detail") or None,
            )
            for t in trades
        ],
        [
            "text",
            "text",
            "text",
            "int",
            "text",
            "money",
            "money",
            "money",
            "money",
            "money",
            "date",
            "text",
        ],
    )
    pre = hedge.get("pre_hedge") or {}
    post = hedge.get("post_hedge") or {}
    baseline = hedge.get("baseline") or {}
    base = baseline.get("post_hedge") or {}
    dur_m = m.get("hedge_duration") or m["effective_duration"]
    spec = [
        ("Duration", "duration", "years", dur_m, "years"),
        ("DV01", "dv01", f"{ccy} per bp", m.get("dv01", ""), "money"),
        ("Convexity", "convexity", "years^2", m.get("effective_convexity", ""), "convexity"),
        ("Tracking error", "tracking_error_bp", "bp per year", m.get("tracking_error", ""), "bp"),
    ]
    rows = [(n, pre.get(k), post.get(k), base.get(k), u, mm) for n, k, u, mm, _ in spec]
    rows += [
        (
            f"KRD {t}",
            _get(pre, "krd", t),
            _get(post, "krd", t),
            _get(base, "krd", t),
            "years",
            m.get("krd", ""),
        )
        for t in tenors
    ]
    start = sh.row + 3
    sh.table(
        [
            "Figure",
            "Pre-hedge",
            "Post-hedge (optimised)",
            "Post-hedge (baseline)",
            "Unit",
            "Methodology",
        ],
        rows,
        ["text", "years", "years", "years", "text", "text"],
        title="Pre- and post-hedge risk",
    )
    for i, (*_, kind) in enumerate(spec):
        for c in (2, 3, 4):
            cell = sh.ws.cell(row=start + i, column=c)
            if _is_num(cell.value):
                cell.number_format = FORMATS[kind]
    sh.table(
        ["Instrument", "Quantity", "Unit"],
        [
            (t.get("instrument"), t.get("quantity"), t.get("unit"))
            for t in baseline.get("trades") or []
        ],
        ["text", "int", "text"],
        title=f"Closed-form baseline: {baseline.get('method', '')}",
    )
    sh.table(
        ["Optimised - baseline", "Difference", "Unit"],
        [
            ("Hedge cost", baseline.get("cost_difference"), ccy),
            ("Tracking error", baseline.get("tracking_error_difference_bp"), "bp per year"),
        ],
        ["text", "money", "text"],
        title="Optimised hedge against the baseline",
    )
    te_cell = sh.ws.cell(row=sh.row - 1, column=2)
    if _is_num(te_cell.value):
        te_cell.number_format = FORMATS["bp"]
    exposure = hedge.get("exposure") or {}
    if exposure:
        sh.table(
            ["Figure", "Value", "Unit"],
            [
                ("Market value (cash + derivatives' MTM)", exposure.get("market_value"), ccy),
                ("Derivatives' MTM", exposure.get("derivatives_market_value"), ccy),
                ("DV01", exposure.get("dv01"), f"{ccy} per bp"),
                ("Effective duration", exposure.get("duration"), "years"),
                ("Gross derivative notional", exposure.get("gross_notional"), ccy),
                ("Net derivative notional", exposure.get("net_notional"), ccy),
                ("Leverage (cash + gross notional) / MV", exposure.get("leverage"), "x"),
            ],
            ["text", "auto", "text"],
            title="Post-hedge exposure with derivatives (notionals excluded from the denominator)",
        )
    solver = hedge.get("solver") or {}
    sh.table(
        ["Solver field", "Value"],
        [(_humanise(str(k)) + (" (s)" if k == "seconds" else ""), v) for k, v in solver.items()],
        ["text", "auto"],
        title="Solver",
    )
    infeasible = hedge.get("infeasibility")
    if infeasible:
        sh.table(
            ["Constraint", "Limit", "Required", "Change", "Unit"],
            [
                (
                    r.get("constraint"),
                    r.get("limit"),
                    r.get("required"),
                    r.get("change"),
                    r.get("unit"),
                )
                for r in infeasible.get("relaxations") or []
            ],
            ["text", "auto", "auto", "auto", "text"],
            title=f"INFEASIBLE: {infeasible.get('message', '')}",
        )


def _constraints(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    rows = [
        (c.get("name"), c.get("limit"), c.get("value"), c.get("slack"), bool(c.get("binding")))
        for c in _get(plan, "hedge", "constraints") or []
    ]
    sh.table(
        ["Constraint", "Limit", "Value", "Slack", "Binding"],
        rows,
        ["text", "auto", "auto", "auto", "auto"],
    )


def _scenarios(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    tenors = _tenors(plan)
    sc = plan.get("scenarios") or {}
    rows = sc.get("rows") or []
    spread_keys: list[str] = []
    for r in rows:
        for k in r.get("spread_shifts") or {}:
            if k not in spread_keys:
                spread_keys.append(str(k))
    headers = [
        "Scenario",
        "Kind",
        f"Unhedged P&L ({ccy})",
        f"Hedge P&L ({ccy})",
        f"Hedged P&L ({ccy})",
        "Unhedged P&L (bp of MV)",
        "Hedged P&L (bp of MV)",
        f"Approx. P&L ({ccy})",
        f"Approx. error ({ccy})",
        "Price return",
        "Total return",
        *[f"Shift {t} (bp)" for t in tenors],
        *[f"Spread {k} (bp)" for k in spread_keys],
    ]
    kinds = [
        "text",
        "text",
        "money",
        "money",
        "money",
        "bp",
        "bp",
        "money",
        "money",
        "pct",
        "pct",
        *["bp"] * (len(tenors) + len(spread_keys)),
    ]
    body = [
        [
            r.get("name"),
            r.get("kind"),
            r.get("unhedged_pnl"),
            r.get("hedge_pnl"),
            r.get("hedged_pnl"),
            r.get("unhedged_pnl_bp"),
            r.get("hedged_pnl_bp"),
            r.get("approx_pnl"),
            r.get("approx_error"),
            r.get("price_return"),
            r.get("total_return"),
            *[_get(r, "shifts", t) for t in tenors],
            *[_get(r, "spread_shifts", k) for k in spread_keys],
        ]
        for r in rows
    ]
    sh.table(headers, body, kinds)
    be = sc.get("breakeven_bp") or {}
    sh.table(
        ["Figure", "Value", "Unit"],
        [
            ("Horizon", sc.get("horizon_days"), "days"),
            ("Breakeven yield rise, unhedged", be.get("unhedged"), "bp"),
            ("Breakeven yield rise, hedged", be.get("hedged"), "bp"),
        ],
        ["text", "bp", "text"],
        title="Horizon and breakevens",
    )
    sh.ws.cell(row=sh.row - 3, column=2).number_format = FORMATS["int"]


def _dashboard(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    d = plan.get("dashboard") or {}
    te = d.get("tracking_error_bp") or {}
    dur = d.get("duration") or {}
    dv = d.get("dv01") or {}
    limit = dv.get("limit")

    def within(v: Any) -> bool | None:
        return abs(float(v)) <= float(limit) if _is_num(v) and _is_num(limit) else None

    sh.table(
        [
            "Figure",
            "Before",
            "After",
            "Target / limit",
            "Band (+/-)",
            "Compliant before",
            "Compliant after",
            "Unit",
        ],
        [
            (
                "Tracking error",
                te.get("before"),
                te.get("after"),
                None,
                None,
                None,
                None,
                "bp per year",
            ),
            (
                "Duration",
                dur.get("before"),
                dur.get("after"),
                dur.get("target"),
                dur.get("band"),
                dur.get("compliant_before"),
                dur.get("compliant_after"),
                "years",
            ),
            (
                "DV01",
                dv.get("before"),
                dv.get("after"),
                limit,
                None,
                within(dv.get("before")),
                within(dv.get("after")),
                f"{ccy} per bp",
            ),
        ],
        ["text", "auto", "auto", "auto", "years", "auto", "auto", "text"],
    )
    for r, kind in ((2, "bp"), (3, "years"), (4, "money")):
        for c in (2, 3, 4):
            cell = sh.ws.cell(row=r, column=c)
            if _is_num(cell.value):
                cell.number_format = FORMATS[kind]
    mm = d.get("largest_mismatches") or {}
    for when in ("before", "after"):
        sh.table(
            ["Tenor", "KRD gap (years)", "TE contribution (bp/yr)", "Share of TE"],
            [
                (r.get("tenor"), r.get("gap_years"), r.get("te_contribution_bp"), r.get("share"))
                for r in mm.get(when) or []
            ],
            ["text", "years", "bp", "pct"],
            title=f"Largest key-rate mismatches {when} hedge",
        )


def _actions(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    a = plan.get("actions") or {}
    sh.table(
        ["#", "Trade"], [(i, t) for i, t in enumerate(a.get("trades") or [], 1)], ["int", "text"]
    )
    sh.table(
        ["#", "Rebalancing trigger"],
        [(i, t) for i, t in enumerate(a.get("rebalancing_triggers") or [], 1)],
        ["int", "text"],
        title="Rebalancing triggers",
    )
    sh.table(["Next review date"], [(a.get("next_review_date"),)], ["date"], title="Next review")
    sh.table(
        ["Instrument", "Roll date", "First notice", "Last trade", "Before horizon end"],
        [
            (
                r.get("instrument"),
                r.get("roll_date"),
                r.get("first_notice"),
                r.get("last_trade"),
                r.get("before_horizon"),
            )
            for r in a.get("roll_dates") or []
        ],
        ["text", "date", "date", "date", "auto"],
        title="Futures roll dates",
    )
    sh.table(
        ["Holding", "Maturity", f"Face ({ccy})", f"Market value ({ccy})"],
        [
            (r.get("id"), r.get("maturity"), r.get("face"), r.get("market_value"))
            for r in a.get("upcoming_maturities") or []
        ],
        ["text", "date", "money", "money"],
        title="Upcoming maturities",
    )
    paydowns = a.get("large_paydowns") or []
    keys: list[str] = []
    for r in paydowns:
        keys += [str(k) for k in r if k not in keys]
    money = {"face", "market_value", "amount", "paydown", "expected_paydown", "principal"}

    def kind(k: str) -> str:
        if k in money or k.endswith("_value"):
            return "money"
        if k in {"share", "weight", "share_of_face"}:
            return "pct"
        return "auto"

    heads = [_humanise(k) + (f" ({ccy})" if kind(k) == "money" else "") for k in keys] or [
        "Holding"
    ]
    sh.table(
        heads,
        [[r.get(k) for k in keys] for r in paydowns],
        [kind(k) for k in keys],
        title="Large paydowns",
    )


def _warnings(sh: _Sheet, plan: Mapping[str, Any], ccy: str) -> None:
    sh.table(
        ["Level", "Code", "Holding", "Message"],
        [
            (w.get("level"), w.get("code"), w.get("holding"), w.get("message"))
            for w in plan.get("warnings") or []
        ],
        ["text", "text", "text", "text"],
        status_col=0,
    )


_BUILDERS = {
    "Summary": _summary,
    "Exposure": _exposure,
    "Sectors": _sectors,
    "Hedge": _hedge,
    "Constraints": _constraints,
    "Scenarios": _scenarios,
    "Dashboard": _dashboard,
    "Actions": _actions,
    "Warnings": _warnings,
}


def write_excel(plan: Mapping[str, Any], path: str | Path) -> Path:
    """Write the plan document as an Excel workbook, one sheet per report section.

    Parameters
    ----------
    plan : mapping
        The plan document (schema ``hedge-planner/plan``, version 1). Optional parts may be
        ``None`` or missing; an optional top-level ``currency`` code labels money columns
        (default ``"ccy"``).
    path : str or Path
        Output file, e.g. ``OUT/report.xlsx``; parent directories must exist.

    Returns
    -------
    Path
        The path written.

    Notes
    -----
    Sheets, in order: see :data:`SHEET_NAMES`. On every sheet the first table's header is row 1
    (frozen, auto-filtered); later tables follow after a blank row and a title row. Values are
    not rounded; number formats are listed in :data:`FORMATS`.
    """
    ccy = str(plan.get("currency") or "ccy")
    wb = Workbook()
    default = wb.active
    for name in SHEET_NAMES:
        ws = wb.create_sheet(title=name)
        sheet = _Sheet(ws)
        _BUILDERS[name](sheet, plan, ccy)
        sheet.finish()
    if default is not None:
        wb.remove(default)
    wb.properties.title = (
        f"Hedge plan {plan.get('case', '')} {plan.get('analysis_date', '')}".strip()
    )
    wb.properties.creator = "hedge-planner"
    wb.properties.identifier = str(_get(plan, "provenance", "run_id") or "")
    out = Path(path)
    wb.save(out)
    return out

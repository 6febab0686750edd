"""HTML and Excel reports of a plan document, and their SVG charts."""

from __future__ import annotations

import copy
import datetime as dt
import html as html_mod
import itertools
import json
import math
import os
import re
import shutil
import signal
import struct
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hedge_planner.charts import diverging_bar_chart, format_number, grouped_bar_chart, nice_ticks
from hedge_planner.report_excel import SHEET_NAMES, write_excel
from hedge_planner.report_html import SECTION_TITLES, render_html, write_html
from openpyxl import load_workbook

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "plan_sample.json"
TENORS = ["6m", "1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

INFEASIBLE = {
    "message": "No hedge reaches duration 6.20 +/- 0.05 within the WNH4 contract cap and the "
    "hedge cost budget",
    "relaxations": [
        {
            "constraint": "WNH4 contracts (1% of open interest)",
            "limit": 190,
            "required": 262,
            "change": 72,
            "unit": "contracts",
        },
        {
            "constraint": "Hedge cost over horizon (ccy)",
            "limit": 175_000.0,
            "required": 231_400.0,
            "change": 56_400.0,
            "unit": "ccy",
        },
    ],
}


@pytest.fixture
def plan() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def page(plan: dict[str, Any]) -> str:
    return render_html(plan)


class StrictParser(HTMLParser):
    """Records tags and reports unbalanced or mis-nested elements and duplicate ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.ids: Counter[str] = Counter()
        self.text: list[str] = []

    def _record(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        a = dict(attrs)
        self.attrs.append((tag, a))
        if a.get("id"):
            self.ids[str(a["id"])] += 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(page)
    parser.close()
    return parser


def visible_text(page: str) -> str:
    """Text content with whitespace collapsed (entities decoded)."""
    return re.sub(r"\s+", " ", " ".join(parse(page).text))


# --------------------------------------------------------------------------------------------
# fixture
# --------------------------------------------------------------------------------------------


def test_fixture_follows_the_plan_document_structure(plan: dict[str, Any]) -> None:
    assert set(plan) == {
        "schema",
        "version",
        "analysis_date",
        "case",
        "generated",
        "key_tenors",
        "exposure",
        "hedge",
        "scenarios",
        "dashboard",
        "actions",
        "quality_checks",
        "warnings",
    }
    assert plan["schema"] == "hedge-planner/plan" and plan["version"] == 1
    assert plan["key_tenors"] == TENORS
    p = plan["exposure"]["portfolio"]
    assert set(p) == {
        "market_value",
        "effective_duration",
        "modified_duration",
        "effective_convexity",
        "spread_duration",
        "dv01",
        "krd",
        "krd_dv01",
    }
    assert 1.5e9 < p["market_value"] < 2.5e9
    assert math.isclose(sum(p["krd"].values()), p["effective_duration"], abs_tol=1e-6)
    for t in TENORS:
        assert math.isclose(p["krd_dv01"][t], p["krd"][t] * p["market_value"] * 1e-4, rel_tol=1e-3)
    b = plan["exposure"]["benchmark"]
    assert set(b) == {
        "name",
        "duration",
        "krd",
        "duration_gap",
        "krd_gap",
        "tracking_error_bp",
        "largest_mismatches",
        "sector_weight_gap",
    }
    for t in TENORS:
        assert math.isclose(b["krd_gap"][t], p["krd"][t] - b["krd"][t], abs_tol=1e-9)
    sectors = plan["exposure"]["sectors"]
    assert math.isclose(sum(s["weight"] for s in sectors), 1.0)
    assert all(f"krd_{t}" in s for s in sectors for t in TENORS)
    h = plan["hedge"]
    assert set(h) == {
        "trades",
        "pre_hedge",
        "post_hedge",
        "constraints",
        "baseline",
        "solver",
        "infeasibility",
    }
    assert {t["kind"] for t in h["trades"]} == {"future", "swap", "swaption"}
    for t in h["trades"]:
        assert set(t) == {
            "instrument",
            "kind",
            "quantity",
            "unit",
            "direction",
            "dv01_change",
            "cost",
            "roll_date",
            "detail",
        }
        assert math.isclose(
            t["cost"]["total"], sum(t["cost"][k] for k in ("carry", "slippage", "margin"))
        )
    assert (
        set(h["pre_hedge"])
        == set(h["post_hedge"])
        == {
            "duration",
            "dv01",
            "krd",
            "convexity",
            "tracking_error_bp",
        }
    )
    dv01_change = sum(t["dv01_change"] for t in h["trades"])
    assert math.isclose(h["post_hedge"]["dv01"], h["pre_hedge"]["dv01"] + dv01_change, rel_tol=1e-9)
    assert h["baseline"]["method"] == "closed-form futures hedge ratio (DV01 / duration)"
    assert h["infeasibility"] is None
    for row in plan["scenarios"]["rows"]:
        assert math.isclose(row["hedged_pnl"], row["unhedged_pnl"] + row["hedge_pnl"], abs_tol=1.0)
    assert plan["scenarios"]["horizon_days"] == 90
    assert {c["status"] for c in plan["quality_checks"]} == {"pass", "warn", "fail"}


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def test_html_has_the_five_sections_in_order_then_checks_and_warnings(page: str) -> None:
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == [
        "1. Duration exposure summary",
        "2. Hedge recommendation",
        "3. Scenario matrix",
        "4. Risk dashboard",
        "5. Action items",
        "Quality checks",
        "Warnings",
    ]
    assert [t for _, t in SECTION_TITLES] == headings
    # table of contents links every section
    for sid, _ in SECTION_TITLES:
        assert f'href="#{sid}"' in page
        assert f'<section id="{sid}">' in page


def test_html_header_names_case_dates_and_methodology(plan: dict[str, Any], page: str) -> None:
    text = visible_text(page)
    assert plan["case"] in text
    assert plan["analysis_date"] in text
    assert plan["generated"] in text
    assert "Methodology." in text


def test_html_shows_every_quality_check_with_its_status(plan: dict[str, Any], page: str) -> None:
    section = page[page.index('<section id="quality">') : page.index('<section id="warnings">')]
    rows = re.findall(r"<tr>(.*?)</tr>", section)
    found = {}
    for row in rows:
        status = re.search(r'class="badge b-(\w+)">(\w+)<', row)
        name = re.search(r"<strong>(.*?)</strong>", row)
        if status and name:
            found[name.group(1)] = status.group(2)
    expected = {html_mod.escape(c["name"]): c["status"] for c in plan["quality_checks"]}
    assert found == expected
    text = visible_text(section)
    for c in plan["quality_checks"]:
        assert c["detail"] in text


def test_html_lists_trades_baseline_constraints_and_solver(plan: dict[str, Any], page: str) -> None:
    text = visible_text(page)
    hedge = plan["hedge"]
    for t in hedge["trades"]:
        assert t["instrument"] in text
        assert f"{t['quantity']:,.0f}" in text
        assert f"{t['dv01_change']:,.0f}" in text
        assert f"{t['cost']['total']:,.0f}" in text
    for t in hedge["baseline"]["trades"]:
        assert t["instrument"] in text and f"{t['quantity']:,}" in text
    assert hedge["baseline"]["method"] in text
    for c in hedge["constraints"]:
        assert c["name"] in text
    n_binding = sum(c["binding"] for c in hedge["constraints"])
    section = page[page.index('<section id="hedge">') : page.index('<section id="scenarios">')]
    assert section.count(">binding</span>") == n_binding
    assert hedge["solver"]["status"] in text and hedge["solver"]["method"] in text
    for line in plan["actions"]["trades"]:
        assert line in text
    for w in plan["warnings"]:
        assert w["message"] in text and w["code"] in text


def test_html_labels_every_duration_with_its_methodology(plan: dict[str, Any], page: str) -> None:
    text = visible_text(page)
    for label in plan["exposure"]["methodology"].values():
        assert label in text
    figures = page[
        page.index("<h3>Portfolio figures</h3>") : page.index("<h3>Against the benchmark")
    ]
    methods = plan["exposure"]["methodology"]
    for figure, key in (
        ("Effective duration", "effective_duration"),
        ("Modified duration", "modified_duration"),
        ("Spread duration", "spread_duration"),
        ("Benchmark duration", "benchmark_duration"),
    ):
        row = re.search(rf"<tr><th scope=\"row\">{figure}</th>(.*?)</tr>", figures)
        assert row is not None, figure
        label = html_mod.escape(methods[key])
        assert f'<span class="method" title="methodology">{label}</span>' in row.group(1)
    # default labels when the plan carries no methodology
    bare = copy.deepcopy(plan)
    bare["exposure"]["methodology"] = {}
    bare_text = visible_text(render_html(bare))
    assert "modified (yield-based)" in bare_text and "effective (curve-based)" in bare_text


def test_html_units_in_column_headers(page: str) -> None:
    headers = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", page)
    for needle in (
        "DV01 change (ccy/bp)",
        "Total cost (ccy)",
        "Unhedged P&amp;L (ccy)",
        "Hedged (bp of MV)",
        "KRD gap (years)",
        "TE contribution (bp/yr)",
        "Market value (ccy)",
        "10y (bp)",
    ):
        assert needle in headers, needle


def test_html_references_no_external_resource(page: str) -> None:
    lowered = page.lower()
    assert "http" not in lowered
    assert "src=" not in lowered
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert "url(" not in lowered
    assert "<iframe" not in lowered and "<img" not in lowered
    for _, attrs in parse(page).attrs:
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href


def test_html_is_well_formed(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    parser = parse(page)
    assert parser.errors == []
    assert parser.stack == []
    assert [i for i, n in parser.ids.items() if n > 1] == []
    ids = set(parser.ids)
    for _, attrs in parser.attrs:
        href = attrs.get("href")
        if href and href.startswith("#"):
            assert href[1:] in ids, href
    assert parser.tags["html"] == parser.tags["head"] == parser.tags["body"] == 1
    assert parser.tags["style"] == 1


def test_html_embeds_accessible_svg_charts(plan: dict[str, Any], page: str) -> None:
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 2
    krd, pnl = svgs
    assert 'role="img"' in krd and "<title" in krd and "Key rate duration" in krd
    for name in ("Portfolio", "Benchmark", "Hedged portfolio"):
        assert name in krd
    for t in TENORS:
        assert f">{t}</text>" in krd
    assert "Unhedged" in pnl and "Hedged" in pnl
    for row in plan["scenarios"]["rows"]:
        assert row["name"] in pnl.replace("&#x27;", "'")
    assert format_number(plan["scenarios"]["rows"][0]["unhedged_pnl"]) in pnl


def test_html_escapes_plan_text(plan: dict[str, Any]) -> None:
    evil = '<script>alert("x")</script> & <b>'
    p = copy.deepcopy(plan)
    p["case"] = evil
    p["warnings"].append({"level": "error", "code": "X<Y", "holding": evil, "message": evil})
    p["hedge"]["trades"][0]["instrument"] = evil
    p["quality_checks"][0]["detail"] = evil
    p["scenarios"]["rows"][0]["name"] = evil
    out = render_html(p)
    assert "<script" not in out.lower() and "<b>" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in out
    assert parse(out).errors == []


def test_html_renders_infeasibility_prominently(plan: dict[str, Any], page: str) -> None:
    assert 'id="infeasibility"' not in page and "Infeasible" not in page
    p = copy.deepcopy(plan)
    p["hedge"]["infeasibility"] = INFEASIBLE
    out = render_html(p)
    text = visible_text(out)
    assert 'id="infeasibility"' in out and 'role="alert"' in out
    assert text.count(INFEASIBLE["message"]) == 2  # banner at the top and in section 2
    assert out.index("Hedge problem infeasible") < out.index('<section id="exposure">')
    section = out[out.index('<section id="hedge">') : out.index('<section id="scenarios">')]
    assert section.index('id="infeasibility"') < section.index("Recommended trades")
    for r in INFEASIBLE["relaxations"]:
        assert r["constraint"] in text
    assert "262" in text and "231,400" in text
    assert parse(out).errors == []


def test_html_without_benchmark_and_optional_parts(plan: dict[str, Any]) -> None:
    p = copy.deepcopy(plan)
    p["exposure"]["benchmark"] = None
    p["actions"]["large_paydowns"] = []
    p["warnings"] = []
    p["hedge"]["solver"] = {}
    out = render_html(p)
    parser = parse(out)
    assert parser.errors == [] and parser.stack == []
    text = visible_text(out)
    assert "No benchmark in this case" in text and "No warnings." in text
    krd = re.search(r"<svg\b.*?</svg>", out, flags=re.S)
    assert krd is not None and "Benchmark" not in krd.group(0)


def test_warnings_are_grouped_by_code_in_details(plan: dict[str, Any], page: str) -> None:
    section = page[page.index('<section id="warnings">') :]
    codes = Counter(w["code"] for w in plan["warnings"])
    assert section.count("<details>") == len(codes)
    for code, n in codes.items():
        assert re.search(rf"<code>{code}</code> · {n} items?</summary>", section), code


def test_write_html_writes_utf8(plan: dict[str, Any], tmp_path: Path) -> None:
    out = write_html(plan, tmp_path / "report.html")
    assert out.read_text(encoding="utf-8") == render_html(plan)


# --------------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1_234_567, "-1.2m"),
        (350_000, "350k"),
        (2_004_350_000, "2bn"),
        (12_500, "12.5k"),
        (0, "0"),
        (0.25, "0.25"),
        (-4.0, "-4"),
        (float("nan"), "n/a"),
    ],
)
def test_format_number(value: float, expected: str) -> None:
    assert format_number(value) == expected


def test_nice_ticks_cover_the_range() -> None:
    ticks = nice_ticks(-131.9e6, 142.7e6, 6)
    assert ticks[0] <= -131.9e6 and ticks[-1] >= 142.7e6
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    assert 0.0 in ticks
    assert nice_ticks(1.0, 1.0)[0] < 1.0 < nice_ticks(1.0, 1.0)[-1]


def test_grouped_bar_chart_structure() -> None:
    svg = grouped_bar_chart(
        ["a", "b"], {"S1": [1.0, -2.0], "S2": [0.5, None]}, title="T <1>", y_label="years"
    )
    parser = parse(svg)
    assert parser.errors == [] and parser.stack == []
    assert parser.tags["svg"] == 1 and parser.tags["title"] >= 1
    assert "T &lt;1&gt;" in svg
    bars = [a for tag, a in parser.attrs if tag == "rect" and a.get("fill") not in ("#ffffff",)]
    assert len([b for b in bars if b.get("width") and float(b["height"] or 0) > 0]) >= 3
    assert "xmlns" not in svg
    assert 'xmlns="http://www.w3.org/2000/svg"' in grouped_bar_chart(
        ["a"], {"S": [1.0]}, title="x", standalone=True
    )
    with pytest.raises(ValueError, match="2 categories"):
        grouped_bar_chart(["a", "b"], {"S": [1.0]}, title="bad")


def test_diverging_bar_chart_puts_negative_bars_left_of_zero() -> None:
    svg = diverging_bar_chart(["loss", "gain"], {"U": [-2e6, 3e6], "H": [-1e6, 1e6]}, title="P&L")
    parser = parse(svg)
    assert parser.errors == []
    zero = next(
        float(a["x1"] or 0)
        for tag, a in parser.attrs
        if tag == "line" and a.get("stroke-width") == "1.5"
    )
    titled = re.findall(
        r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>([^<]*)</title>', svg
    )
    by_name = {name: (float(x), float(w)) for x, w, name in titled}
    x, w = by_name["loss, U: -2m"]
    assert math.isclose(x + w, zero, abs_tol=0.2)
    x, _ = by_name["gain, U: 3m"]
    assert math.isclose(x, zero, abs_tol=0.2)
    assert "P&amp;L" in svg


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

EXPECTED_HEADERS = {
    "Summary": ["Figure", "Value", "Unit", "Methodology"],
    "Exposure": [
        "Tenor",
        "Portfolio KRD (years)",
        "Benchmark KRD (years)",
        "KRD gap (years)",
        "Post-hedge KRD (years)",
        "Portfolio KRD DV01 (ccy/bp)",
    ],
    "Sectors": [
        "Sector",
        "Holdings",
        "Market value (ccy)",
        "Weight",
        "Duration contribution (years)",
        "Spread duration contribution (years)",
        "DV01 (ccy/bp)",
        *[f"KRD {t} (years)" for t in TENORS],
    ],
    "Hedge": [
        "Instrument",
        "Kind",
        "Direction",
        "Quantity",
        "Unit",
        "DV01 change (ccy/bp)",
        "Carry (ccy)",
        "Slippage (ccy)",
        "Margin (ccy)",
        "Total cost (ccy)",
        "Roll date",
        "Detail",
    ],
    "Constraints": ["Constraint", "Limit", "Value", "Slack", "Binding"],
    "Scenarios": [
        "Scenario",
        "Kind",
        "Unhedged P&L (ccy)",
        "Hedge P&L (ccy)",
        "Hedged P&L (ccy)",
        "Unhedged P&L (bp of MV)",
        "Hedged P&L (bp of MV)",
        "Approx. P&L (ccy)",
        "Approx. error (ccy)",
        "Price return",
        "Total return",
        *[f"Shift {t} (bp)" for t in TENORS],
        "Spread government (bp)",
        "Spread agency (bp)",
        "Spread corporate (bp)",
        "Spread securitized (bp)",
        "Spread municipal (bp)",
    ],
    "Dashboard": [
        "Figure",
        "Before",
        "After",
        "Target / limit",
        "Band (+/-)",
        "Compliant before",
        "Compliant after",
        "Unit",
    ],
    "Actions": ["#", "Trade"],
    "Warnings": ["Level", "Code", "Holding", "Message"],
}


@pytest.fixture
def workbook(plan: dict[str, Any], tmp_path: Path) -> Any:
    path = write_excel(plan, tmp_path / "report.xlsx")
    return load_workbook(path)


def rows_of(ws: Any, first: int = 2, n: int | None = None) -> list[tuple[Any, ...]]:
    last = ws.max_row if n is None else first + n - 1
    return [tuple(r) for r in ws.iter_rows(min_row=first, max_row=last, values_only=True)]


def find_row(ws: Any, label: str, column: int = 1) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=column).value == label:
            return r
    raise AssertionError(f"{label!r} not on sheet {ws.title}")


def test_excel_has_every_sheet_with_frozen_styled_headers(workbook: Any) -> None:
    assert workbook.sheetnames == list(SHEET_NAMES) == list(EXPECTED_HEADERS)
    for name, headers in EXPECTED_HEADERS.items():
        ws = workbook[name]
        got = [ws.cell(row=1, column=c).value for c in range(1, len(headers) + 1)]
        assert got == headers, name
        assert ws.cell(row=1, column=len(headers) + 1).value is None, name
        assert ws.freeze_panes == "A2", name
        assert ws.cell(row=1, column=1).font.bold
        assert ws.column_dimensions["A"].width >= 8


def test_excel_summary_key_figures_and_quality_checks(plan: dict[str, Any], workbook: Any) -> None:
    ws = workbook["Summary"]
    p = plan["exposure"]["portfolio"]
    r = find_row(ws, "Market value")
    assert ws.cell(row=r, column=2).value == pytest.approx(p["market_value"])
    assert ws.cell(row=r, column=2).number_format == "#,##0"
    r = find_row(ws, "Effective duration")
    assert ws.cell(row=r, column=2).value == pytest.approx(p["effective_duration"])
    assert ws.cell(row=r, column=2).number_format == "0.0000"
    assert ws.cell(row=r, column=4).value == plan["exposure"]["methodology"]["effective_duration"]
    r = find_row(ws, "Modified duration")
    assert ws.cell(row=r, column=4).value == "modified (yield-based)"
    r = find_row(ws, "Tracking error after hedge")
    assert ws.cell(row=r, column=2).value == pytest.approx(
        plan["dashboard"]["tracking_error_bp"]["after"]
    )
    assert ws.cell(row=r, column=2).number_format == "0.0"
    r = find_row(ws, "Analysis date")
    assert ws.cell(row=r, column=2).value == dt.datetime(2023, 12, 29)
    head = find_row(ws, "Check")
    assert [ws.cell(row=head, column=c).value for c in (1, 2, 3)] == ["Check", "Status", "Detail"]
    checks = rows_of(ws, head + 1, len(plan["quality_checks"]))
    assert checks == [(c["name"], c["status"], c["detail"], None) for c in plan["quality_checks"]]


def test_excel_exposure_and_sectors_match_plan(plan: dict[str, Any], workbook: Any) -> None:
    ws = workbook["Exposure"]
    p, b = plan["exposure"]["portfolio"], plan["exposure"]["benchmark"]
    post = plan["hedge"]["post_hedge"]
    for i, (tenor, *vals) in enumerate(rows_of(ws, 2, len(TENORS))):
        t = TENORS[i]
        assert tenor == t
        assert vals == pytest.approx(
            [p["krd"][t], b["krd"][t], b["krd_gap"][t], post["krd"][t], p["krd_dv01"][t]]
        )
    assert ws.cell(row=2, column=2).number_format == "0.0000"
    assert ws.cell(row=2, column=6).number_format == "#,##0"
    r = find_row(ws, "Largest key-rate mismatches against the benchmark")
    mism = rows_of(ws, r + 2, len(b["largest_mismatches"]))
    assert [m[0] for m in mism] == [m["tenor"] for m in b["largest_mismatches"]]
    assert ws.cell(row=r + 2, column=4).number_format == "0.00%"

    ws = workbook["Sectors"]
    sectors = plan["exposure"]["sectors"]
    got = rows_of(ws, 2, len(sectors))
    for row, s in zip(got, sectors, strict=True):
        assert row[0] == s["sector"]
        assert row[1:7] == pytest.approx(
            (
                s["n_holdings"],
                s["market_value"],
                s["weight"],
                s["duration_contribution"],
                s["spread_duration_contribution"],
                s["dv01"],
            )
        )
        assert row[7:] == pytest.approx(tuple(s[f"krd_{t}"] for t in TENORS))
    total = rows_of(ws, 2 + len(sectors), 1)[0]
    assert total[0] == "Total"
    assert total[2] == pytest.approx(p["market_value"])
    assert total[4] == pytest.approx(p["effective_duration"], abs=1e-3)
    assert ws.cell(row=2, column=3).number_format == "#,##0"
    assert ws.cell(row=2, column=4).number_format == "0.00%"
    assert ws.cell(row=2, column=5).number_format == "0.0000"


def test_excel_hedge_constraints_match_plan(plan: dict[str, Any], workbook: Any) -> None:
    ws = workbook["Hedge"]
    trades = plan["hedge"]["trades"]
    got = rows_of(ws, 2, len(trades))
    for row, t in zip(got, trades, strict=True):
        assert row[:5] == (t["instrument"], t["kind"], t["direction"], t["quantity"], t["unit"])
        assert row[5:10] == pytest.approx(
            (t["dv01_change"], *(t["cost"][k] for k in ("carry", "slippage", "margin", "total")))
        )
        expected_roll = dt.datetime.fromisoformat(t["roll_date"]) if t["roll_date"] else None
        assert row[10] == expected_roll
        assert row[11]  # detail flattened to text
    r = find_row(ws, "Pre- and post-hedge risk")
    assert ws.cell(row=r + 2, column=1).value == "Duration"
    pre, post = plan["hedge"]["pre_hedge"], plan["hedge"]["post_hedge"]
    base = plan["hedge"]["baseline"]["post_hedge"]
    assert [ws.cell(row=r + 2, column=c).value for c in (2, 3, 4)] == pytest.approx(
        [pre["duration"], post["duration"], base["duration"]]
    )
    assert ws.cell(row=r + 3, column=2).number_format == "#,##0"  # DV01 row
    r = find_row(ws, "Optimised - baseline")
    assert ws.cell(row=r + 1, column=2).value == pytest.approx(
        plan["hedge"]["baseline"]["cost_difference"]
    )
    assert "Infeasible" not in " ".join(str(c.value) for c in ws["A"])

    ws = workbook["Constraints"]
    constraints = plan["hedge"]["constraints"]
    got = rows_of(ws, 2, len(constraints))
    for row, c in zip(got, constraints, strict=True):
        assert row[0] == c["name"]
        assert row[1:4] == pytest.approx((c["limit"], c["value"], c["slack"]))
        assert row[4] is c["binding"]


def test_excel_scenarios_dashboard_actions_warnings_match_plan(
    plan: dict[str, Any], workbook: Any
) -> None:
    ws = workbook["Scenarios"]
    rows = plan["scenarios"]["rows"]
    got = rows_of(ws, 2, len(rows))
    keys = (
        "unhedged_pnl",
        "hedge_pnl",
        "hedged_pnl",
        "unhedged_pnl_bp",
        "hedged_pnl_bp",
        "approx_pnl",
        "approx_error",
        "price_return",
        "total_return",
    )
    for row, s in zip(got, rows, strict=True):
        assert row[:2] == (s["name"], s["kind"])
        assert row[2:11] == pytest.approx(tuple(s[k] for k in keys))
        assert row[11:20] == pytest.approx(tuple(s["shifts"][t] for t in TENORS))
    assert ws.cell(row=2, column=3).number_format == "#,##0"
    assert ws.cell(row=2, column=6).number_format == "0.0"
    assert ws.cell(row=2, column=10).number_format == "0.00%"
    r = find_row(ws, "Breakeven yield rise, hedged")
    assert ws.cell(row=r, column=2).value == pytest.approx(
        plan["scenarios"]["breakeven_bp"]["hedged"]
    )

    ws = workbook["Dashboard"]
    d = plan["dashboard"]
    assert rows_of(ws, 2, 3)[1][:7] == (
        "Duration",
        pytest.approx(d["duration"]["before"]),
        pytest.approx(d["duration"]["after"]),
        pytest.approx(d["duration"]["target"]),
        pytest.approx(d["duration"]["band"]),
        False,
        True,
    )
    assert ws.cell(row=3, column=2).number_format == "0.0000"
    assert ws.cell(row=2, column=2).number_format == "0.0"

    ws = workbook["Actions"]
    trades = plan["actions"]["trades"]
    assert rows_of(ws, 2, len(trades)) == [
        (i, t, None, None, None) for i, t in enumerate(trades, 1)
    ]
    r = find_row(ws, "Next review date")
    assert ws.cell(row=r + 1, column=1).value == dt.datetime(2024, 1, 31)
    r = find_row(ws, "AGY-004")
    assert ws.cell(row=r, column=3).value == pytest.approx(15_000_000.0)

    ws = workbook["Warnings"]
    warnings = plan["warnings"]
    assert rows_of(ws) == [(w["level"], w["code"], w["holding"], w["message"]) for w in warnings]


def test_excel_infeasibility_and_text_safety(plan: dict[str, Any], tmp_path: Path) -> None:
    p = copy.deepcopy(plan)
    p["hedge"]["infeasibility"] = INFEASIBLE
    p["warnings"].append({"level": "warning", "code": "X", "holding": None, "message": "=1+1"})
    wb = load_workbook(write_excel(p, tmp_path / "report.xlsx"))
    ws = wb["Hedge"]
    r = find_row(ws, f"INFEASIBLE: {INFEASIBLE['message']}")
    assert ws.cell(row=r + 2, column=1).value == INFEASIBLE["relaxations"][0]["constraint"]
    assert ws.cell(row=r + 2, column=3).value == 262
    last = wb["Warnings"].max_row
    cell = wb["Warnings"].cell(row=last, column=4)
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_excel_without_benchmark(plan: dict[str, Any], tmp_path: Path) -> None:
    p = copy.deepcopy(plan)
    p["exposure"]["benchmark"] = None
    p["warnings"] = []
    wb = load_workbook(write_excel(p, tmp_path / "report.xlsx"))
    assert wb.sheetnames == list(SHEET_NAMES)
    assert wb["Exposure"].cell(row=2, column=3).value is None
    assert wb["Warnings"].max_row == 1


# --------------------------------------------------------------------------------------------
# headless browser render
# --------------------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chromium_renders_the_report(plan: dict[str, Any], tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed")
    page = write_html(plan, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.resolve().as_uri(),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    assert shot.exists(), err.decode(errors="replace")[-2000:]
    assert _png_size(shot) == (1280, 2000)
    # a blank page compresses to ~10 kB; the rendered report is well above that
    assert shot.stat().st_size > 60_000

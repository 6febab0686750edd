"""Page one of the report, colours and signs, methodology once, the browser layout and the PDF."""

from __future__ import annotations

import copy
import html as html_mod
import io
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hedge_planner.html_decision import trade_cash_cost
from hedge_planner.labels import scenario_label
from hedge_planner.report_html import render_html

from tests.browser import run_chromium

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "plan_sample.json"


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(plan: dict[str, Any]) -> str:
    return render_html(plan)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_mod.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def _decision(page: str) -> str:
    return page[page.index('<section id="decision"') : page.index('<section id="exposure">')]


def _worst_three(plan: dict[str, Any]) -> list[str]:
    rows = sorted(plan["scenarios"]["rows"], key=lambda r: r["hedged_pnl"])
    return [r["name"] for r in rows[:3]]


def test_page_one_is_the_decision(plan: dict[str, Any], page: str) -> None:
    decision = _decision(page)
    text = _text(decision)
    # page one comes before every detail section and the table of contents
    assert page.index('<section id="decision"') < page.index('<nav class="toc"')
    d = plan["dashboard"]
    assert f"{d['duration']['before']:.2f} → {d['duration']['after']:.2f}" in text
    assert f"{d['dv01']['before']:,.0f} → {d['dv01']['after']:,.0f}" in text
    te = d["tracking_error_bp"]
    assert f"{te['before']:.1f} → {te['after']:.1f}" in text
    bench = plan["exposure"]["benchmark"]
    gap_after = d["duration"]["after"] - bench["duration"]
    assert f"{bench['duration_gap']:+.2f} → {gap_after:+.2f}" in text
    # every limit has slack >= 0 in the example (checked here, independently of the code)
    constraints = plan["hedge"]["constraints"]
    assert all(c["slack"] >= -1e-9 for c in constraints)
    n_binding = sum(c["binding"] for c in constraints)
    assert f"all {len(constraints)} limits met ({n_binding} binding)" in text
    # the trades with DV01 and cash cost, and their totals
    trades = plan["hedge"]["trades"]
    table = decision[decision.index('id="decision-trades"') :]
    rows = re.findall(r"<tr>(.*?)</tr>", table[: table.index("</table>")], flags=re.S)
    assert len(rows) == len(trades) + 1  # header + trades (total row has a class)
    for t in trades:
        assert t["instrument"] in text
        assert f"{abs(t['quantity']):,.0f}" in text
        # Figures that round to 0 are printed unsigned.
        for v in (t["dv01_change"], t["cash_cost"]):
            assert (f"{v:+,.0f}" if abs(v) >= 0.5 else "0") in text
    assert f"{sum(t['dv01_change'] for t in trades):+,.0f}" in text
    assert f"{sum(t['cash_cost'] for t in trades):+,.0f}" in text
    # the three scenarios with the worst hedged P&L, by display name, worst first
    scen = decision[decision.index('id="decision-scenarios"') :]
    names = [_text(n).strip() for n in re.findall(r"<tr><td>(.*?)</td>", scen)]
    assert names == [scenario_label(n) for n in _worst_three(plan)]


def test_page_one_reports_breaches_and_infeasibility(plan: dict[str, Any]) -> None:
    p = copy.deepcopy(plan)
    c = p["hedge"]["constraints"][1]
    c["slack"] = -5.0
    text = _text(_decision(render_html(p)))
    assert f"1 of {len(p['hedge']['constraints'])} limits breached" in text
    assert "DV01 upper limit" in text
    p["hedge"]["infeasibility"] = {
        "message": "m",
        "relaxations": [
            {
                "constraint": "krd_tol[10y]",
                "limit": 0.1,
                "required": 0.2,
                "change": 0.1,
                "unit": "y",
            }
        ],
    }
    text = _text(_decision(render_html(p)))
    assert "infeasible" in text and "Key-rate duration gap 10y" in text


def test_gains_are_green_and_losses_red_with_signs(plan: dict[str, Any], page: str) -> None:
    assert "num neg" not in page
    section = page[page.index('<section id="scenarios">') : page.index('<section id="dashboard">')]
    for r in plan["scenarios"]["rows"]:
        value = r["hedged_pnl"]
        if abs(value) < 0.5:
            continue  # rounds to 0 (a vol scenario on a book without options): no colour
        cls = "gain" if value > 0 else "loss"
        assert f'<td class="num {cls}">{value:+,.0f}</td>' in section, r["name"]
    # a negative cost is money earned: green with a minus sign; a positive cost is red
    hedge = page[page.index('<section id="hedge">') : page.index('<section id="scenarios">')]
    for t in plan["hedge"]["trades"]:
        carry = t["cost"]["carry"]
        if abs(carry) < 0.5:
            continue  # rounds to 0: no colour, no sign
        cls = "gain" if carry < 0 else "loss"
        assert f'<td class="num {cls}">{carry:+,.0f}</td>' in hedge, t["instrument"]
    # DV01 changes are neither gains nor losses: uncoloured
    first = plan["hedge"]["trades"][0]["dv01_change"]
    assert f'<td class="num">{first:,.0f}</td>' in hedge


def test_margin_funding_carry_and_slippage_are_named_apart(page: str) -> None:
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page)
    for needle in (
        "Carry cost (USD)",
        "Bid–ask cost (USD)",
        "Ticket fees (USD)",
        "Roll cost (USD)",
        "Margin funding cost (USD)",
        "Total cash cost (USD)",
    ):
        assert needle in headers, needle
    assert "Margin (USD)" not in headers


def test_methodology_is_written_once_as_notes(plan: dict[str, Any], page: str) -> None:
    methods = plan["exposure"]["methodology"]
    # the KRD method used to repeat on every KRD row: now once, in the notes
    assert page.count(html_mod.escape(methods["krd"])) == 1
    notes = page[page.index('<section id="notes">') :]
    assert html_mod.escape(methods["krd"]) in notes
    refs = re.findall(r'<sup class="fn"><a href="#note-(\w+)">(\d+)</a></sup>', page)
    assert refs, "figures refer to the notes"
    for key, number in refs:
        item = re.search(rf'<li id="note-{key}">', notes)
        assert item is not None, key
        ordinal = notes[: item.start()].count("<li ") + 1
        assert ordinal == int(number), key


def test_warnings_are_one_appendix_table(plan: dict[str, Any], page: str) -> None:
    section = page[page.index('<section id="warnings">') : page.index('<section id="notes">')]
    table = section[section.index('id="warnings-summary"') : section.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    codes: dict[str, int] = {}
    for w in plan["warnings"]:
        codes[w["code"]] = codes.get(w["code"], 0) + 1
    assert len(rows) == len(codes)
    for row in rows:
        code = re.search(r"<code>(.*?)</code>", row)
        count = re.search(r'<td class="num">(\d+)</td>', row)
        assert code is not None and count is not None
        assert codes[code.group(1)] == int(count.group(1))
    # the full lists are for the screen only (the print style hides .screen-only)
    assert '<div class="screen-only">' in section


def test_cash_cost_reads_the_desk_fields_when_present() -> None:
    # A plan that carries the tradable-hedge cash cost: its components are read generically;
    # the risk penalty is not cash and never enters the total.
    cash = {
        "bid_ask": 10.0,
        "tickets": 2.0,
        "margin_funding": 3.0,
        "carry": -20.0,
        "roll": 1.0,
        "total": -4.0,
    }
    trade = SimpleNamespace(cash_cost=cash, cost=SimpleNamespace(), risk_penalty=99.0)
    got = trade_cash_cost(trade)  # type: ignore[arg-type]
    assert got == cash
    assert list(got)[-1] == "total"
    # without a total, the components are summed
    trade = SimpleNamespace(cash_cost={"bid_ask": 1.0, "carry": -3.0}, cost=None)
    assert trade_cash_cost(trade)["total"] == pytest.approx(-2.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# headless browser: page one on one screen
# --------------------------------------------------------------------------------------------

PROBE = """<script>
addEventListener('load', () => {
  const r = document.getElementById('decision-trades').getBoundingClientRect();
  const s = document.getElementById('decision-scenarios').getBoundingClientRect();
  document.body.setAttribute('data-probe', [r.top, r.bottom, s.bottom, innerWidth].join(','));
});
</script>"""


def test_trades_table_is_on_the_first_screen(plan: dict[str, Any], tmp_path: Path) -> None:
    # The report has no script; the test adds one to a copy to measure the laid-out page.
    page = render_html(plan).replace("</body>", PROBE + "</body>")
    path = tmp_path / "probe.html"
    path.write_text(page, encoding="utf-8")
    out, err = run_chromium(
        tmp_path,
        "--window-size=1440,1080",
        "--virtual-time-budget=5000",
        "--dump-dom",
        path.resolve().as_uri(),
    )
    m = re.search(rb'data-probe="([^"]+)"', out)
    assert m is not None, err.decode(errors="replace")[-2000:]
    top, bottom, scen_bottom, width = (float(v) for v in m.group(1).split(b","))
    assert width == 1440
    assert 0 < top < bottom <= 1080, (top, bottom)
    assert scen_bottom <= 1080


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_pages(plan: dict[str, Any]) -> list[str]:
    # The pdf extra and Debian's Pango (CI, .ci/run, installs both); WeasyPrint raises OSError,
    # not ImportError, when Pango is missing.
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        pytest.skip(f"WeasyPrint unavailable: {exc}")
    pypdf = pytest.importorskip("pypdf")
    from hedge_planner.report_pdf import render_pdf

    reader = pypdf.PdfReader(io.BytesIO(render_pdf(plan)))
    return [p.extract_text() for p in reader.pages]


def test_pdf_is_short_with_the_decision_on_page_one(
    plan: dict[str, Any], pdf_pages: list[str]
) -> None:
    # Nine pages since the vol scenarios, vega rows and derivative positions joined the report.
    assert 2 <= len(pdf_pages) <= 9
    first = re.sub(r"\s+", " ", pdf_pages[0])
    assert "Decision summary" in first
    for t in plan["hedge"]["trades"]:
        assert t["instrument"] in first
        v = t["dv01_change"]
        assert (f"{v:+,.0f}" if abs(v) >= 0.5 else "0") in first
    for name in _worst_three(plan):
        assert scenario_label(name) in first
    # the detail starts on page two
    assert "1. Duration exposure summary" not in first
    assert "1. Duration exposure summary" in pdf_pages[1]


def test_pdf_footer_names_the_run_on_every_page(plan: dict[str, Any], pdf_pages: list[str]) -> None:
    prov = plan["provenance"]
    n = len(pdf_pages)
    for i, text in enumerate(pdf_pages, start=1):
        flat = re.sub(r"\s+", " ", text)
        assert f"page {i} of {n}" in flat
        assert prov["case_sha256"][:12] in flat
        assert prov["run_time_utc"] in flat
        assert f"hedge-planner {prov['versions']['hedge-planner']}" in flat
        assert f"highspy {prov['versions']['highspy']}" in flat


def test_pdf_collapses_warnings_into_one_table(plan: dict[str, Any], pdf_pages: list[str]) -> None:
    text = re.sub(r"\s+", " ", " ".join(pdf_pages))
    n, groups = len(plan["warnings"]), len({w["code"] for w in plan["warnings"]})
    assert f"{n} warnings in {groups} groups." in text
    # the 50 per-holding messages of one code are not listed one by one
    messages = {w["message"] for w in plan["warnings"]}
    assert sum(1 for m in messages if m in text) <= groups


def test_pdf_without_weasyprint_says_how_to_install(
    plan: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hedge_planner.report_pdf import PdfUnavailableError, render_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed
    with pytest.raises(PdfUnavailableError, match=r"hedge-planner\[pdf\]"):
        render_pdf(plan)


def test_plan_asking_for_a_pdf_without_weasyprint_exits_2_before_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from hedge_planner.cli import app
    from typer.testing import CliRunner

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    case = Path(__file__).resolve().parents[2] / "examples" / "core_plus" / "case.yaml"
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(case), "--out", str(out), "--output", "pdf"])
    assert result.exit_code == 2
    assert "hedge-planner[pdf]" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # refused before the folder or the solve

"""Case-file findings of the Reliability issue: mutated example cases get located errors.

Each test copies the shipped example case beside its holdings into a temporary folder, applies
one mutation and checks the issue: file, 1-based line of the user's key, the user's key path,
and a reason that states the rule or bound. ``validate`` (the CLI) must refuse with status 2.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from hedge_planner.cases import load_analysis_case
from hedge_planner.cli import app
from hedge_planner.models.errors import InputError, InputIssue
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus"
CASE_TEXT = (EXAMPLE / "case.yaml").read_text()
runner = CliRunner()


#: Head of the example's own scenarios section (its custom list follows).
SCENARIOS_HEAD = "scenarios:\n  include_defaults: true\n  custom:\n"


def write_case(folder: Path, old: str, new: str, count: int = 1) -> Path:
    """The example case with ``old`` replaced by ``new`` (``count`` times), holdings beside."""
    assert old in CASE_TEXT, old
    shutil.copy(EXAMPLE / "holdings.csv", folder / "holdings.csv")
    path = folder / "case.yaml"
    path.write_text(CASE_TEXT.replace(old, new, count))
    return path


def line_of(path: Path, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``fragment``."""
    hits = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if fragment in line]
    return hits[occurrence - 1]


def case_issues(path: Path) -> list[InputIssue]:
    with pytest.raises(InputError) as info:
        load_analysis_case(str(path))
    return info.value.issues


def the_issue(path: Path, column: str) -> InputIssue:
    found = [i for i in case_issues(path) if i.column == column]
    assert len(found) == 1, case_issues(path)
    return found[0]


# ---- duplicate and unknown keys --------------------------------------------------------------


def test_duplicate_par_yield_is_refused(tmp_path: Path) -> None:
    path = write_case(tmp_path, "2y: 0.0423,", "2y: 0.0423, 2y: 0.0500,")
    (issue,) = case_issues(path)
    assert issue.row == line_of(path, "2y: 0.0423, 2y: 0.0500")
    assert "duplicate key '2y'" in issue.reason


def test_duplicate_analysis_date_is_refused(tmp_path: Path) -> None:
    path = write_case(
        tmp_path, "holdings: holdings.csv", "analysis_date: 2024-01-02\nholdings: holdings.csv"
    )
    (issue,) = case_issues(path)
    assert issue.row == line_of(path, "analysis_date: 2024-01-02")
    assert "duplicate key 'analysis_date' (first on line" in issue.reason


def test_tenor_given_twice_in_other_case_is_refused(tmp_path: Path) -> None:
    path = write_case(tmp_path, "2y: 0.0423,", "2y: 0.0423, 2Y: 0.0500,")
    issue = the_issue(path, "curves.treasury.par_yields")
    assert "tenor 2y is given twice" in issue.reason
    assert issue.row == line_of(path, "par_yields:")


@pytest.mark.parametrize(
    ("old", "new", "column", "hint"),
    [
        ("benchmark:\n", "benchmrk:\n", "benchmrk", "did you mean 'benchmark'?"),
        (
            "    repo_rate: 0.0535",
            "    repo_rat: 0.0535",
            "hedge.universe.futures[0].repo_rat",
            "did you mean 'repo_rate'?",
        ),
        (
            "  risk_aversion: 500",
            "  risk_aversio: 500",
            "hedge.costs.risk_aversio",
            "did you mean 'risk_aversion'?",
        ),
    ],
)
def test_unknown_keys_get_did_you_mean(
    tmp_path: Path, old: str, new: str, column: str, hint: str
) -> None:
    path = write_case(tmp_path, old, new)
    issue = the_issue(path, column)
    assert issue.reason == f"unknown key {column.rsplit('.', 1)[-1]!r}"
    assert issue.hint == hint
    assert issue.row == line_of(path, new.strip().split(":")[0] + ":")


# ---- non-finite numbers and plausibility bounds --------------------------------------------------

FUTURES_0 = "hedge.universe.futures[0]"


@pytest.mark.parametrize(
    ("old", "new", "column", "fragment"),
    [
        (
            "contract_month: 2024-03\n        repo_rate: 0.0535\n        initial_margin: 1400",
            "contract_month: 2024-03\n        price: .nan\n        repo_rate: 0.0535\n"
            "        initial_margin: 1400",
            f"{FUTURES_0}.price",
            "not a finite number",
        ),
        (
            "contract_month: 2024-03\n        repo_rate: 0.0535\n        initial_margin: 1400",
            "contract_month: 2024-03\n        price: -100\n        repo_rate: 0.0535\n"
            "        initial_margin: 1400",
            f"{FUTURES_0}.price",
            "plausible 20 to 300 per 100",
        ),
        (
            "contract_month: 2024-03\n        repo_rate: 0.0535\n        initial_margin: 1400",
            "contract_month: 2024-03\n        price: 1e9\n        repo_rate: 0.0535\n"
            "        initial_margin: 1400",
            f"{FUTURES_0}.price",
            "plausible 20 to 300 per 100",
        ),
        (
            "contract_month: 2024-03",
            "contract_month: 2024-13",
            f"{FUTURES_0}.contract_month",
            "not a month",
        ),
        ("yield: 0.0432}", "yield: 4.32}", f"{FUTURES_0}.basket[0].yield", "percentage"),
        ("yield: 0.0432}", "yield: -0.5}", f"{FUTURES_0}.basket[0].yield", "plausible minimum"),
        (
            "initial_margin: 1400",
            "initial_margin: 1_400",
            f"{FUTURES_0}.initial_margin",
            "'1_400' is not a number",
        ),
        ("1y: 0.0479,", "1y: -0.20,", "curves.treasury.par_yields", "plausible minimum -0.05"),
        ("1y: 0.0479,", "1y: 4.79,", "curves.treasury.par_yields", "percentage"),
        (
            "government: 0.43",
            "government: .nan",
            "benchmark.sector_weights.government",
            "not a finite number",
        ),
        (
            "government: 0.43, agency: 0.02",
            "government: 0.47, agency: -0.02",
            "benchmark.sector_weights",
            "non-negative",
        ),
        ("krd: {6m: 0.05,", "krd: {6m: .inf,", "benchmark.krd.6m", "not a finite number"),
        (
            "convexity_floor: 0.0",
            "convexity_floor: 1e9",
            "hedge.limits.convexity_floor",
            "less than or equal to 1000",
        ),
        (
            "{tenor: 30y, half_spread_bp",
            "{tenor: 100y, half_spread_bp",
            "hedge.universe.swaps[7].tenor",
            "beyond the SOFR curve's longest tenor (30 years)",
        ),
        (
            "analysis_date: 2023-12-29",
            "analysis_date: 2023-12-29\ncds:\n  - {id: C1, notional: .nan, spread_duration: 4}",
            "cds[0].notional",
            "not a finite number",
        ),
        (
            "analysis_date: 2023-12-29",
            "analysis_date: 2023-12-29\ncds:\n  - {id: C1, notional: .inf, spread_duration: 4}",
            "cds[0].notional",
            "not a finite number",
        ),
        (
            "analysis_date: 2023-12-29",
            "analysis_date: 2023-12-29\ncds:\n  - {id: C1, notional: 1e6, "
            "spread_duration: 4}\n  - {id: C1, notional: 1e6, spread_duration: 4}",
            "cds[1].id",
            "duplicate CDS id 'C1'",
        ),
    ],
)
def test_bad_values_are_located(
    tmp_path: Path, old: str, new: str, column: str, fragment: str
) -> None:
    path = write_case(tmp_path, old, new)
    issue = the_issue(path, column)
    assert fragment in issue.reason, issue
    assert issue.source == str(path) and issue.row is not None


@pytest.mark.parametrize(
    ("spec", "column", "fragment"),
    [
        ("{kind: parallel, shift_bp: 1.0e+6}", "scenarios.custom[0].shift_bp", "5000"),
        ("{kind: parallel, shift_bp: -1.0e+6}", "scenarios.custom[0].shift_bp", "-5000"),
        (
            "{kind: historical, episode: taper_tantrum_2013, scale: 1.0e+6}",
            "scenarios.custom[0].scale",
            "10",
        ),
        ("{kind: custom, shifts_bp: {2y: 1.0e+6}}", "scenarios.custom[0].shifts_bp", "5000 bp"),
        ("{kind: parallel, shift_bp: .nan}", "scenarios.custom[0].shift_bp", "finite"),
        ("{kind: parallel, shfit_bp: 5}", "scenarios.custom[0].shfit_bp", "unknown key"),
        (
            "{kind: parallel, shift_bp: 5, description: " + "d" * 200_000 + "}",
            "scenarios.custom[0].description",
            "500 characters",
        ),
    ],
)
def test_bad_scenarios_are_located(tmp_path: Path, spec: str, column: str, fragment: str) -> None:
    # The example has its own scenarios section: the bad spec goes first in its custom list.
    path = write_case(tmp_path, SCENARIOS_HEAD, f"{SCENARIOS_HEAD}    - {spec}\n")
    issue = the_issue(path, column)
    assert fragment in issue.reason, issue
    assert issue.row == line_of(path, "- {kind:")
    assert len(str(issue)) < 400  # the 200,000-character value is not echoed


def test_misspelt_scenario_key_gets_did_you_mean(tmp_path: Path) -> None:
    path = write_case(
        tmp_path, SCENARIOS_HEAD, f"{SCENARIOS_HEAD}    - {{kind: parallel, shfit_bp: 5}}\n"
    )
    assert the_issue(path, "scenarios.custom[0].shfit_bp").hint == "did you mean 'shift_bp'?"


def test_weekend_analysis_date_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_case(tmp_path, "analysis_date: 2023-12-29", "analysis_date: 2023-12-30")
    with caplog.at_level(logging.WARNING):
        load_analysis_case(str(path))
    assert any("Saturday" in r.getMessage() for r in caplog.records)


def test_weekday_analysis_date_is_silent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_case(tmp_path, "analysis_date: 2023-12-29", "analysis_date: 2023-12-29")
    with caplog.at_level(logging.WARNING):
        load_analysis_case(str(path))
    assert not [r for r in caplog.records if "markets are closed" in r.getMessage()]


# ---- files named by the case: checked at load time, problems collected ------------------------


def test_problems_of_independent_files_are_collected(tmp_path: Path) -> None:
    path = write_case(tmp_path, "  source: default", "  source: file\n  path: cov.csv")
    (tmp_path / "holdings.csv").write_text(
        (EXAMPLE / "holdings.csv").read_text().replace("frequency", "frequncy", 1)
    )
    (tmp_path / "cov.csv").write_bytes(b",2y\n2y,caf\xe9\n")
    found = case_issues(path)
    by_source = {Path(i.source).name: i for i in found}
    assert by_source["holdings.csv"].hint == "did you mean 'frequency'?"
    assert by_source["cov.csv"].row == 2 and "not UTF-8" in by_source["cov.csv"].reason


def test_covariance_scaled_by_1e30_is_refused(tmp_path: Path) -> None:
    path = write_case(tmp_path, "  source: default", "  source: file\n  path: cov.csv")
    (tmp_path / "cov.csv").write_text(",2y,10y\n2y,1e32,0\n10y,0,4e32\n")
    (issue,) = case_issues(path)
    assert issue.source.endswith("cov.csv")
    assert "above the plausible 2000 bp/yr" in issue.reason


def test_yield_history_with_bad_rows(tmp_path: Path) -> None:
    path = write_case(tmp_path, "  source: default", "  source: history\n  path: hist.csv")
    (tmp_path / "hist.csv").write_text("Date,2 Yr,10 Yr\n12/28/23,4.3,3.9\n\n2023-12-29,abc,3.9\n")
    found = case_issues(path)
    assert {(i.row, i.column) for i in found} == {(4, "Date"), (4, "2 Yr")}
    assert all(i.source.endswith("hist.csv") for i in found)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary", b"just some text\n"])
def test_yield_history_empty_binary_or_text(tmp_path: Path, content: bytes) -> None:
    path = write_case(tmp_path, "  source: default", "  source: history\n  path: hist.csv")
    (tmp_path / "hist.csv").write_bytes(content)
    (issue,) = case_issues(path)
    assert issue.source.endswith("hist.csv")


def test_covariance_path_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "cov.csv").mkdir()
    path = write_case(tmp_path, "  source: default", "  source: file\n  path: cov.csv")
    (issue,) = case_issues(path)
    assert "directory" in issue.reason


def test_contracts_file_with_duplicate_keys(tmp_path: Path) -> None:
    path = write_case(
        tmp_path, "  universe:\n", "  universe:\n    contracts_file: contracts.yaml\n"
    )
    (tmp_path / "contracts.yaml").write_text(
        "contracts:\n  TY:\n    tick_size: 0.015625\n    tick_size: 0.03\n"
    )
    (issue,) = case_issues(path)
    assert (Path(issue.source).name, issue.row) == ("contracts.yaml", 4)
    assert "duplicate key 'tick_size'" in issue.reason


# ---- the CLI: validate refuses with status 2 and located messages -----------------------------


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("2y: 0.0423,", "2y: 0.0423, 2y: 0.0500,", "duplicate key '2y'"),
        ("benchmark:\n", "benchmrk:\n", "did you mean 'benchmark'?"),
        ("contract_month: 2024-03", "contract_month: 2024-13", "not a month"),
        (
            "analysis_date: 2023-12-29",
            "analysis_date: !!python/object/apply:os.system [ls]",
            "unsupported YAML tag",
        ),
    ],
)
def test_validate_exits_2_with_located_error(
    tmp_path: Path, old: str, new: str, fragment: str
) -> None:
    path = write_case(tmp_path, old, new)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    # rich wraps long lines: compare without whitespace
    squashed = "".join(result.stderr.split())
    assert "".join(fragment.split()) in squashed and str(path) in squashed
    assert "Traceback" not in result.stderr


def test_validate_refuses_a_directory_as_case(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2 and "directory" in result.stderr


def test_file_problems_are_reported_with_schema_problems(tmp_path: Path) -> None:
    # A schema error elsewhere must not hide the holdings and covariance files' problems.
    path = write_case(tmp_path, "  source: default", "  source: file\n  path: cov.csv")
    path.write_text(path.read_text().replace("convexity_floor: 0.0", "convexity_floor: 1e9"))
    (tmp_path / "holdings.csv").write_text(
        (EXAMPLE / "holdings.csv").read_text().replace("frequency", "frequncy", 1)
    )
    (tmp_path / "cov.csv").write_text(",2y\n2y,nan\n")
    found = case_issues(path)
    assert {Path(i.source).name for i in found} == {"case.yaml", "holdings.csv", "cov.csv"}
    assert any(i.column == "hedge.limits.convexity_floor" for i in found)


def test_inline_holdings_are_located_by_line_and_key(tmp_path: Path) -> None:
    inline = (
        "holdings:\n"
        "  - {id: A1, face: 1000000, coupon: 0.045, maturity: 2030-05-15, yield: 0.042}\n"
        "  - {id: A2, face: .nan, coupon: 0.045, maturity: 2030-05-15, yield: 0.042}\n"
        "  - {id: A3, face: 1000, coupon: 0.045, maturity: 2030-05-15, price: 2.0}\n"
    )
    path = write_case(tmp_path, "holdings: holdings.csv\n", inline)
    found = {i.column: i for i in case_issues(path)}
    assert found["holdings[1].face"].row == line_of(path, "id: A2")
    assert "finite" in found["holdings[1].face"].reason
    assert found["holdings[2].price"].row == line_of(path, "id: A3")
    assert "implies a yield of" in found["holdings[2].price"].reason


def test_baseline_case_keys_are_checked(tmp_path: Path) -> None:
    from hedge_planner.cases import load_baseline_case

    path = tmp_path / "baseline.yaml"
    path.write_text(
        "settle: 1999-08-19\nportfolio_value: 1_000\nportfolio_valeu: 5\n"
        "targets: {modified_duration: 10.3}\n"
        "hedge_bonds:\n  - {id: H1, face: 500, coupon: 0.07, maturity: 2005-06-15, yield: 0.06}\n"
    )
    with pytest.raises(InputError) as info:
        load_baseline_case(path)
    found = {i.column: i for i in info.value.issues}
    assert (
        found["portfolio_value"].row == 2
        and "'1_000' is not a number" in found["portfolio_value"].reason
    )
    assert found["portfolio_valeu"].hint == "did you mean 'portfolio_value'?"


@pytest.mark.parametrize(
    ("extra", "column", "fragment"),
    [
        ("frequncy: 2", "holdings[0].frequncy", "unknown key 'frequncy'"),
        ("ID: B1", "holdings[0].ID", "repeats 'id'"),
    ],
)
def test_inline_holding_keys_that_would_be_ignored(
    tmp_path: Path, extra: str, column: str, fragment: str
) -> None:
    inline = (
        "holdings:\n"
        f"  - {{id: A1, face: 1000, coupon: 0.045, maturity: 2030-05-15, yield: 0.042, {extra}}}\n"
    )
    path = write_case(tmp_path, "holdings: holdings.csv\n", inline)
    issue = the_issue(path, column)
    assert fragment in issue.reason and issue.row == line_of(path, "id: A1")


def test_holdings_checked_at_load_are_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hedge_planner.cases as cases

    calls: list[Path] = []
    real = cases.read_holdings

    def counting(path, settle):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path, settle)

    monkeypatch.setattr(cases, "read_holdings", counting)
    path = write_case(tmp_path, "analysis_date: 2023-12-29", "analysis_date: 2023-12-29")
    case, name = load_analysis_case(str(path))
    holdings, _ = cases.load_holdings_section(case.holdings, name, "holdings", case.analysis_date)
    assert len(holdings) == 220 and len(calls) == 1
    (tmp_path / "holdings.csv").write_text(
        (EXAMPLE / "holdings.csv").read_text().replace("UST-001,", "UST-001X,")
    )  # a changed file (other size) is read again
    holdings, _ = cases.load_holdings_section(case.holdings, name, "holdings", case.analysis_date)
    assert len(calls) == 2 and holdings.ids[0] == "UST-001X"

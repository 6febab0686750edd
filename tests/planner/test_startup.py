"""Start-up cost: each command loads only the libraries it needs.

Every check runs the command in a fresh interpreter (the test process has long imported
everything) and reads ``sys.modules`` after the command finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"
#: Libraries only the optimiser, the Excel writer, curve fitting or the sweep's frontier chart
#: (matplotlib) need.
HEAVY = ("cvxpy", "highspy", "openpyxl", "scipy.optimize", "scipy.stats", "matplotlib")

_PROBE = """
import json, sys
from hedge_planner.cli import app
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["hedge-planner", *args]
try:
    app()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = [m for m in heavy if m in sys.modules]
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def _loaded(args: list[str], heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
    """Exit code of ``hedge-planner ARGS`` and which of ``heavy`` it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(heavy)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("PROBE ")]
    assert line, proc.stderr
    result = json.loads(line[-1][len("PROBE ") :])
    return int(result["code"] or 0), list(result["loaded"])


@pytest.fixture(scope="module")
def case_without_hedge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example case without its hedge section (holdings path made absolute)."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data.pop("hedge")
    data["holdings"] = str(EXAMPLE.parent / data["holdings"])
    path = tmp_path_factory.mktemp("startup") / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_help_imports_nothing_heavy() -> None:
    code, loaded = _loaded(["--help"])
    assert code == 0
    assert loaded == []


def test_analyze_case_imports_no_optimiser_excel_or_scipy_optimize() -> None:
    code, loaded = _loaded(["analyze", str(EXAMPLE), "--json"])
    assert code == 0
    assert loaded == []


def test_analyze_holdings_csv_imports_nothing_heavy() -> None:
    holdings = EXAMPLE.parent / "holdings.csv"
    code, loaded = _loaded(["analyze", str(holdings), "--settle", "2023-12-29", "--json"])
    assert code == 0
    assert loaded == []


def test_validate_without_hedge_imports_nothing_heavy(case_without_hedge: Path) -> None:
    code, loaded = _loaded(["validate", str(case_without_hedge)])
    assert code == 0
    assert loaded == []


def test_validate_with_hedge_compiles_the_problem_but_skips_excel() -> None:
    # Validating a hedge section compiles the optimisation problem (cvxpy), by design; the
    # Excel writer is still not loaded.
    code, loaded = _loaded(["validate", str(EXAMPLE)])
    assert code == 0
    assert "openpyxl" not in loaded
    assert "cvxpy" in loaded


def test_plan_modules_import_no_optimiser_or_chart_library() -> None:
    # The plan assembly, quality checks and report writers refer to the hedge modules for
    # types only; importing them must not load cvxpy (a second or more), nor matplotlib.
    code = (
        "import sys, json\n"
        "import hedge_planner.plan, hedge_planner.quality, hedge_planner.report_html\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_plan_without_hedge_loads_no_optimiser_nor_matplotlib(
    case_without_hedge: Path, tmp_path: Path
) -> None:
    code, loaded = _loaded(["plan", str(case_without_hedge), "--out", str(tmp_path), "--json"])
    assert code == 0
    assert (tmp_path / "report.html").is_file() and (tmp_path / "report.xlsx").is_file()
    for name in ("cvxpy", "highspy", "matplotlib"):
        assert name not in loaded


def test_example_plan_draws_its_charts_without_matplotlib(tmp_path: Path) -> None:
    code, loaded = _loaded(["plan", str(EXAMPLE), "--out", str(tmp_path), "--json"])
    assert code == 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("<svg") == 3
    assert "matplotlib" not in loaded and "cvxpy" in loaded
    # cvxpy imported without scipy.stats and scipy.optimize (solvers.lean_import), the
    # break-evens found by models.roots: 0.7-1 s of start-up
    assert "scipy.stats" not in loaded and "scipy.optimize" not in loaded


@pytest.mark.parametrize("command", ["plan", "analyze"])
def test_example_plan_and_analysis_load_no_pandas(command: str, tmp_path: Path) -> None:
    """The per-holding yield table is a column table (``YieldTable``); pandas (0.2 s cold with
    pyarrow) is imported only where a DataFrame is asked for (the Python API, grids, fleets)."""
    args = [command, str(EXAMPLE), "--json"]
    if command == "plan":
        args += ["--out", str(tmp_path)]
    code, loaded = _loaded(args, ("pandas", "pyarrow"))
    assert code == 0
    assert loaded == []


def test_example_plan_as_json_draws_nothing_on_a_terminal(tmp_path: Path) -> None:
    """``plan --json`` on a pipe imports neither rich's console (no tables, no spinner) nor
    xml.sax (whose import pulls in urllib, ssl and email): about 40 ms of start-up."""
    args = ["plan", str(EXAMPLE), "--json", "--out", str(tmp_path)]
    code, loaded = _loaded(args, ("rich.console", "xml.sax", "urllib.request"))
    assert code == 0
    assert loaded == []


def test_lazy_console_is_made_on_first_use() -> None:
    """The CLI's consoles are made when first used, and work where rich enters them (a
    progress display) as a rich Console does."""
    import io

    from hedge_planner.cli_common import lazy_console
    from rich.console import Console
    from rich.progress import Progress

    buf = io.StringIO()
    console = lazy_console(file=buf, force_terminal=False, width=40)
    assert vars(console)["_console"] is None
    with Progress(console=console, transient=True) as progress:
        progress.add_task("x", total=None)
    console.print("done")
    assert isinstance(vars(console)["_console"], Console)
    assert buf.getvalue().endswith("done\n")
    with console as entered:
        assert entered is vars(console)["_console"]

"""Property-based reliability suite (issue 13): mutated case files and CLI arguments.

Hypothesis mutates the example case (numbers to extremes, NaN, negative or text; keys removed,
misspelt or given twice; lists emptied) and the command lines. The promises checked:

* a run ends with exit status 0, 2 or 3 only (in-process: a :class:`HedgePlannerError` with
  exit code 2 or 3, never any other exception);
* no traceback on standard error and, with ``--json``, one JSON document alone on stdout;
* no partial output: the ``--out`` folder holds either the complete set with a manifest that
  matches the files, or nothing new;
* every exit-0 plan satisfies its hard limits, checked here independently from plan.json and the
  case (post-hedge duration within target +/- band, DV01 within min/max, each KRD gap within
  its tolerance, convexity >= floor, margin <= budget) with the solvers' documented tolerance
  (FEAS_RTOL relative, FEAS_ATOL absolute in years of duration equivalent).

Runs are derandomised (CI is reproducible) with ``deadline=None`` and a few examples each, so
every property takes seconds. A reduced book (the example's first 20 holdings) keeps each
in-process plan near one second.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hedge_planner.cli import app
from hedge_planner.models.errors import HedgePlannerError
from hedge_planner.run import PlanRun
from hedge_planner.solvers.results import FEAS_ATOL, FEAS_RTOL
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "examples" / "core_plus"
CLI = [sys.executable, "-m", "hedge_planner.cli"]
PLAN_SET = {"plan.json", "report.html", "report.xlsx"}

FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Replacement values: extremes, non-finite numbers, wrong types, float()-only spellings.
GARBAGE: list[Any] = [
    1e308, -1e308, 0, -1, -1e9, 1e-300, 1e12, math.nan, math.inf, -math.inf, "abc", "",
    None, [], {}, True, "1_000", "\u0663", "2024-13-01", "4.32%", 10**400,
]  # fmt: skip


@pytest.fixture(scope="module")
def small_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A folder with the example's first 20 holdings and the case pointing at them."""
    folder = tmp_path_factory.mktemp("props")
    lines = (CORE / "holdings.csv").read_text().splitlines()
    (folder / "holdings.csv").write_text("\n".join(lines[:21]) + "\n")
    case = yaml.safe_load((CORE / "case.yaml").read_text())
    case["holdings"] = "holdings.csv"
    return folder, case


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into the case (mappings and lists), containers included."""
    out: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _parent(case: dict[str, Any], path: tuple[Any, ...]) -> Any:
    node: Any = case
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def mutated_case_text(draw: st.DrawFn, case: dict[str, Any]) -> str:
    """The case's YAML after one to three mutations."""
    data = copy.deepcopy(case)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        key = path[-1]
        op = draw(st.sampled_from(["set", "set", "set", "delete", "misspell", "empty"]))
        if op == "set":
            parent[key] = draw(st.sampled_from(GARBAGE))
        elif op == "delete":
            del parent[key]
        elif op == "misspell" and isinstance(key, str):
            parent[key[:-1] + key[-1] * 2 if len(key) > 1 else key + "x"] = parent.pop(key)
        elif op == "empty" and isinstance(parent[key], (list, dict)):
            parent[key] = type(parent[key])()
    text = yaml.safe_dump(data, sort_keys=False)
    if draw(st.booleans()):
        # A key given twice: one mapping line repeated right below itself.
        lines = text.splitlines()
        keyed = [
            i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("-")
        ]
        if keyed:
            i = draw(st.sampled_from(keyed))
            lines.insert(i + 1, lines[i].split(":")[0] + ": 1")
            text = "\n".join(lines) + "\n"
    return text


def _expect_user_error_or_plan(folder: Path, text: str, full_plan: bool) -> dict[str, Any] | None:
    """Run the case in-process; only the package's own errors (exit 2 or 3) may escape."""
    path = folder / "mutated.yaml"
    path.write_text(text)
    try:
        run = PlanRun.load(str(path))
        if not full_plan:
            run.validate()
            return None
        return run.plan().to_json()
    except HedgePlannerError as exc:
        assert exc.exit_code in (2, 3), exc
        return None


# ---- independent check of an exit-0 plan's hard limits -----------------------------------------


def _tol(limit: float, value: float, weight: float = 1.0) -> float:
    """The solvers' documented feasibility tolerance (see solvers.results.limit_tolerance)."""
    return FEAS_RTOL * max(abs(limit), abs(value)) + FEAS_ATOL * weight


def assert_limits_met(plan: dict[str, Any], case: dict[str, Any]) -> None:
    """Every hard limit of the case on the plan's post-hedge figures, recomputed from the JSON."""
    hedge = plan["hedge"]
    if hedge is None or hedge["solver"]["status"] != "optimal":
        return
    post = hedge["post_hedge"]
    limits = case["hedge"].get("limits") or {}
    bench = case.get("benchmark") or {}
    mv = plan["exposure"]["portfolio"]["market_value"]
    duration = limits.get("duration", {})  # absent: the default band; null: no duration limit
    if duration is not None:
        target = duration.get("target", bench.get("duration"))
        band = duration.get("band", 0.25)
        if target is not None:
            gap = abs(post["duration"] - target)
            assert gap <= band + _tol(band, gap), (post["duration"], target, band)
    dv01_unit = mv * 1e-4  # currency per bp of one year of duration
    if limits.get("dv01_max") is not None:
        hi = limits["dv01_max"]
        assert post["dv01"] <= hi + _tol(hi, post["dv01"], dv01_unit)
    if limits.get("dv01_min") is not None:
        lo = limits["dv01_min"]
        assert post["dv01"] >= lo - _tol(lo, post["dv01"], dv01_unit)
    tol = limits.get("krd_tolerance")
    if tol is not None and bench.get("krd"):
        for tenor, bench_krd in bench["krd"].items():
            t = tol.get(tenor) if isinstance(tol, dict) else tol
            if t is None or tenor not in post["krd"]:
                continue
            gap = abs(post["krd"][tenor] - bench_krd)
            assert gap <= t + _tol(t, gap), (tenor, gap, t)
    if limits.get("convexity_floor") is not None:
        floor = limits["convexity_floor"]
        assert post["convexity"] >= floor - _tol(floor, post["convexity"])
    if limits.get("margin_budget") is not None:
        budget = limits["margin_budget"]
        assert post["margin"] <= budget + _tol(budget, post["margin"], budget)


def test_the_independent_check_accepts_the_example_and_catches_a_violation(
    small_case: tuple[Path, dict[str, Any]],
) -> None:
    """The checker itself: the example's plan passes, the same plan against a tighter band fails.

    The whole example book: on the 20-holding copy the node QPs are badly scaled for HiGHS (its
    Hessian entries reach 1e8 against unit costs), the fallback solver's answer misses the band
    by 2e-9 years and the run honestly reports no proven plan (status error, exit 3): a known
    limitation of the integer search, tracked with the solver-robustness work.
    """
    folder, case = small_case
    case = copy.deepcopy(case)
    case["holdings"] = str(CORE / "holdings.csv")
    plan = _expect_user_error_or_plan(folder, yaml.safe_dump(case), full_plan=True)
    assert plan is not None and plan["hedge"]["solver"]["status"] == "optimal"
    assert_limits_met(plan, case)
    tight = copy.deepcopy(case)
    target = case["benchmark"]["duration"]
    tight["hedge"]["limits"]["duration"] = {"target": target, "band": 0.0}
    if abs(plan["hedge"]["post_hedge"]["duration"] - target) > 1e-6:
        with pytest.raises(AssertionError):
            assert_limits_met(plan, tight)


# ---- properties over case sections (in-process) -------------------------------------------------


@FAST
@given(data=st.data())
def test_mutated_cases_load_and_validate_to_a_result_or_a_user_error(
    small_case: tuple[Path, dict[str, Any]], data: st.DataObject
) -> None:
    folder, case = small_case
    path = folder / "mutated.yaml"
    path.write_text(data.draw(mutated_case_text(case)))
    try:
        PlanRun.load(str(path)).validate()
    except HedgePlannerError as exc:
        assert exc.exit_code in (2, 3), exc
        event(f"user error, exit {exc.exit_code}")
        return
    event("valid")


LIMIT_VALUES = st.one_of(
    st.floats(-10, 200, allow_nan=False), st.sampled_from([0.0, 1e-9, 1e-6, 1e9, -1.0])
)


@settings(FAST, max_examples=10)
@given(
    target=st.one_of(st.none(), st.floats(0, 15)),
    band=st.sampled_from([0.0, 1e-6, 0.01, 0.25, 2.0]),
    krd_tol=st.sampled_from([None, 0.0, 1e-6, 0.05, 0.35, 2.0]),
    dv01_max=st.one_of(st.none(), st.floats(0, 3e6)),
    floor=st.one_of(st.none(), st.floats(-50, 300)),
    budget=st.one_of(st.none(), st.floats(0, 1e8)),
)
def test_every_optimal_plan_meets_its_limits(
    small_case: tuple[Path, dict[str, Any]],
    target: float | None,
    band: float,
    krd_tol: float | None,
    dv01_max: float | None,
    floor: float | None,
    budget: float | None,
) -> None:
    """Random hard limits: either a user error / exit-3 status, or every limit verifiably met."""
    folder, case = small_case
    mutated = copy.deepcopy(case)
    duration: dict[str, float] = {"band": band}
    if target is not None:
        duration["target"] = target
    mutated["hedge"]["limits"] = {
        k: v
        for k, v in {
            "duration": duration,
            "krd_tolerance": krd_tol,
            "dv01_max": dv01_max,
            "convexity_floor": floor,
            "margin_budget": budget,
        }.items()
        if v is not None
    }
    mutated["hedge"]["solver"] = {"time_limit_seconds": 5.0}
    plan = _expect_user_error_or_plan(folder, yaml.safe_dump(mutated), full_plan=True)
    if plan is not None:
        status = plan["hedge"]["solver"]["status"]
        event(f"status {status}")
        assert status in ("optimal", "infeasible", "time_limit", "node_limit", "error")
        if status != "optimal":
            assert plan["hedge"]["trades"] == [] or status == "infeasible"
        assert_limits_met(plan, mutated)


# ---- properties over CLI arguments (in-process) -------------------------------------------------

runner = CliRunner()
TEXT = st.sampled_from(
    ["", "x", "nan", "inf", "-1", "1e400", "2024-02-30", "2024-01-02", "0:1:0.5", "\u0663", "a=b",
     "duration_target=0:1:0.5", "dv01_max=1e6:1e6:1", "risk_aversion=-1:1:1", "/dev/zero",
     "/nonexistent", "--json", "-"]
)  # fmt: skip


@settings(FAST, max_examples=30)
@given(
    command=st.sampled_from(["analyze", "validate", "sweep", "schema", "instruments", "nosuch"]),
    args=st.lists(TEXT, max_size=3),
    with_case=st.booleans(),
)
def test_cli_arguments_end_in_0_2_or_3(
    small_case: tuple[Path, dict[str, Any]], command: str, args: list[str], with_case: bool
) -> None:
    folder, case = small_case
    path = folder / "case_ok.yaml"
    if not path.exists():
        path.write_text(yaml.safe_dump(case))
    argv = [command, *([str(path)] if with_case else []), *args]
    option = {"sweep": "--param", "analyze": "--settle"}.get(command)
    if option and args:
        argv = [command, *([str(path)] if with_case else []), option, *args]
    result = runner.invoke(app, argv)
    assert result.exit_code in (0, 2, 3), (argv, result.output[-500:])
    assert result.exception is None or isinstance(result.exception, SystemExit), argv
    assert "Traceback" not in result.output


# ---- a few full plans as real processes ---------------------------------------------------------


def _manifest_matches(out: Path) -> None:
    doc = json.loads((out / "plan.json").read_text())
    files = doc["outputs"]["files"]
    assert set(files) | {"plan.json"} == PLAN_SET
    for name, entry in files.items():
        data = (out / name).read_bytes()
        assert len(data) == entry["bytes"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


@settings(FAST, max_examples=3)
@given(data=st.data())
def test_plan_processes_end_cleanly_with_a_whole_set_or_nothing(
    small_case: tuple[Path, dict[str, Any]], data: st.DataObject, tmp_path: Path
) -> None:
    folder, case = small_case
    text = data.draw(mutated_case_text(case))
    path = folder / "process.yaml"
    path.write_text(text)
    out = tmp_path / f"out-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
    proc = subprocess.run(
        [*CLI, "plan", str(path), "--out", str(out), "--json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode in (0, 2, 3), proc.stderr[-2000:]
    event(f"exit {proc.returncode}")
    assert "Traceback" not in proc.stderr
    names = {p.name for p in out.iterdir()} if out.exists() else set()
    if proc.returncode == 2:
        assert names == set() and proc.stdout == ""
        return
    assert names == PLAN_SET
    _manifest_matches(out)
    plan = json.loads(proc.stdout)
    if proc.returncode == 0:
        assert_limits_met(plan, yaml.safe_load(text))

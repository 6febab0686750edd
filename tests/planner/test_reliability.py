"""Regression tests for the reliability findings of issue 13 that the earlier work left open.

Each test runs the real CLI as a subprocess (or the same code in-process where a subprocess adds
nothing) on a mutated copy of ``examples/core_plus`` in a temporary folder, and checks the
promise: exit status 0, 2 or 3 only, no traceback, JSON alone on stdout, no partial output, and
errors under the user's own key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from hedge_planner.case_hedge import SWEEP_KEYS
from hedge_planner.case_keys import case_key, universe_paths
from hedge_planner.cli import MAX_SWEEP_POINTS, _parse_sweep
from hedge_planner.exits import raise_if_unproven
from hedge_planner.hedging import SWEEP_PARAMS, _contract_table
from hedge_planner.models.errors import InputError, NoProvenPlanError
from hedge_planner.run import PlanRun
from hedge_planner.solvers.problem import HedgeInputError

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "examples" / "core_plus"
CLI = [sys.executable, "-m", "hedge_planner.cli"]
PLAN_SET = {"plan.json", "report.html", "report.xlsx"}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def example_case() -> dict[str, Any]:
    case = yaml.safe_load((CORE / "case.yaml").read_text())
    case["holdings"] = str(CORE / "holdings.csv")
    return case


def write_case(tmp_path: Path, mutate: Callable[[dict[str, Any]], object]) -> Path:
    case = example_case()
    mutate(case)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False))
    return path


def _set(*path: str | int, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(case: dict[str, Any]) -> None:
        node: Any = case
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = value

    return mutate


# ---- validate runs every check plan would ------------------------------------------------------

NAN = float("nan")
VALIDATE_REFUSES = {
    "futures_price_nan": (_set("hedge", "universe", "futures", 0, "price", value=NAN),
                          "hedge.universe.futures[0].price"),
    "benchmark_weight_nan": (_set("benchmark", "sector_weights", "agency", value=NAN),
                             "benchmark.sector_weights.agency"),
    "cds_notional_nan": (_set("cds", value=[{"id": "X", "notional": NAN, "spread_duration": 4}]),
                         "cds[0].notional"),
    "cds_notional_inf": (_set("cds", value=[{"id": "X", "notional": float("inf"),
                                             "spread_duration": 4}]), "cds[0].notional"),
    "historical_scale_1e6": (_set("scenarios", "custom", value=[
        {"kind": "historical", "episode": "taper_tantrum_2013", "scale": 1e6}]),
        "scenarios.custom[0].scale"),
    "convexity_floor_1e9": (_set("hedge", "limits", "convexity_floor", value=1e9),
                            "hedge.limits.convexity_floor"),
    "time_limit_1e-9": (_set("hedge", "solver", "time_limit_seconds", value=1e-9),
                        "hedge.solver.time_limit_seconds"),
    "time_limit_0": (_set("hedge", "solver", "time_limit_seconds", value=0.0),
                     "hedge.solver.time_limit_seconds"),
    "time_limit_a_year": (_set("hedge", "solver", "time_limit_seconds", value=3.2e7),
                          "hedge.solver.time_limit_seconds"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(VALIDATE_REFUSES))
def test_validate_refuses_what_plan_would(tmp_path: Path, name: str) -> None:
    mutate, key = VALIDATE_REFUSES[name]
    case = write_case(tmp_path, mutate)
    proc = cli("validate", str(case))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"column '{key}'" in proc.stderr
    # In-process, the loader plan uses refuses the case the same way (before any solve).
    with pytest.raises(InputError) as info:
        PlanRun.load(str(case)).validate()
    assert any(i.column == key for i in info.value.issues)


# ---- a solve without a plan ends in a clean exit 3 ---------------------------------------------

NO_INCUMBENT = """
import dataclasses, sys
import hedge_planner.cli as cli
from hedge_planner.solvers.optimizer import HedgeOptimizer
real = HedgeOptimizer.solve
def no_incumbent(self, *a, **k):
    r = real(self, *a, **k)
    return dataclasses.replace(
        r, status="time_limit", objective=None, rel_gap=None, quantities=None, trades=None,
        post=None, q=None, proven=False, message="time_limit: no proven plan (no incumbent)")
HedgeOptimizer.solve = no_incumbent
sys.argv = ["hedge-planner", *sys.argv[1:]]
cli.main()
"""


def test_time_limit_without_incumbent_exits_3_with_a_complete_plan(tmp_path: Path) -> None:
    """Finding: a tiny time limit ended in a traceback or "18 hedge instruments but 1 quantities".

    The solver is made to stop without any incumbent (what a 10 ms limit does on a harder
    problem); the plan is still written whole, trades none, exit 3 with the reason and a hint.
    """
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", NO_INCUMBENT, "plan", str(CORE / "case.yaml"), "--out", str(out),
         "--json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "time_limit" in proc.stderr and "hedge.solver.time_limit_seconds" in proc.stderr
    doc = json.loads(proc.stdout)
    hedge = doc["hedge"]
    assert hedge["solver"]["status"] == "time_limit"
    assert hedge["solver"]["message"] == "time_limit: no proven plan (no incumbent)"
    assert hedge["solver"]["objective"] is None and hedge["trades"] == []
    # Nothing traded: the post-hedge figures are the book as it stands.
    assert hedge["post_hedge"] == hedge["pre_hedge"]
    assert {p.name for p in out.iterdir()} == PLAN_SET
    assert json.loads((out / "plan.json").read_text())["hedge"]["solver"]["status"] == "time_limit"


@pytest.mark.parametrize("command", ["hedge", "scenarios"])
def test_commands_that_solve_exit_3_without_an_incumbent(command: str) -> None:
    """``hedge`` and ``scenarios`` (which optimises without ``--hedge``) print their JSON and
    exit 3 when the solve leaves no plan, never exit 0 with "hedged" figures."""
    proc = subprocess.run(
        [sys.executable, "-c", NO_INCUMBENT, command, str(CORE / "case.yaml"), "--json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "solver status: time_limit" in proc.stderr
    json.loads(proc.stdout)


def test_unproven_status_message_comes_from_the_solver_section() -> None:
    hedge = {"solver": {"status": "time_limit", "message": "no incumbent"}, "infeasibility": None}
    with pytest.raises(NoProvenPlanError) as info:
        raise_if_unproven(hedge)
    assert info.value.exit_code == 3
    assert "no incumbent" in info.value.summary()
    assert "hedge.solver.time_limit_seconds" in info.value.summary()


# ---- sweeps --------------------------------------------------------------------------------------


def test_sweep_accepts_exactly_the_cap() -> None:
    """Finding: the 10,000-point sweep 0:9.999:0.001; the cap is inclusive and exact."""
    name, values = _parse_sweep("duration_target=0:9.999:0.001")
    assert name == "duration_target" and len(values) == MAX_SWEEP_POINTS == 10_000
    assert values[0] == 0.0 and values[-1] == pytest.approx(9.999, abs=1e-12)


@pytest.mark.parametrize(
    "spec", ["duration_target=0:10:0.001", "duration_target=0:1:1e-5", "dv01_max=0:1e9:1"]
)
def test_sweep_beyond_the_cap_is_refused_with_the_limit(spec: str) -> None:
    with pytest.raises(typer.BadParameter, match="max 10000"):
        _parse_sweep(spec)


@pytest.mark.parametrize(
    "spec",
    ["duration_target=nan:1:0.1", "duration_target=0:inf:0.1", "margin_budget=1_000:2000:1000",
     "duration_target=\u0663:4:1", "duration_target=0:1:-0.1", "duration_target=2:1:0.1",
     "duration_target=0:1", "nonsense=0:1:1"],
)  # fmt: skip
def test_sweep_param_numbers_are_strict(spec: str) -> None:
    """Finding: ``--param`` with nan/inf (and float()'s 1_000 and Arabic-Indic digits)."""
    with pytest.raises(typer.BadParameter):
        _parse_sweep(spec)


def test_sweep_over_the_cap_exits_2_as_a_process() -> None:
    started = time.perf_counter()
    proc = cli("sweep", str(CORE / "case.yaml"), "--param", "duration_target=0:10:0.001", "--json")
    assert proc.returncode == 2
    assert "max 10000" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert time.perf_counter() - started < 60  # refused before the case is even read


def test_sweep_keys_cover_every_sweep_parameter() -> None:
    assert set(SWEEP_KEYS) == set(SWEEP_PARAMS)


@pytest.mark.parametrize(
    ("spec", "key", "value"),
    [("carry_weight=-1:0:1", "hedge.costs.carry_weight", "-1"),
     ("risk_aversion=-1000:-999:1", "hedge.costs.risk_aversion", "-1000"),
     ("slippage_weight=-2:0:1", "hedge.costs.slippage_weight", "-2"),
     ("duration_band=-1:0:1", "hedge.limits.duration.band", "-1"),
     ("convexity_floor=0:2000:1000", "hedge.limits.convexity_floor", "2000"),
     ("margin_budget=-5:0:5", "hedge.limits.margin_budget", "-5")],
)  # fmt: skip
def test_swept_values_obey_the_case_bounds_under_the_users_key(
    spec: str, key: str, value: str
) -> None:
    """Findings: a sweep accepted carry_weight -1 (an "optimal" cost of -30 million) and named a
    negative risk aversion by the optimiser's internal value (-2.477e-07) instead of -1000."""
    name, values = _parse_sweep(spec)
    run = PlanRun.load(str(CORE / "case.yaml"))
    with pytest.raises(InputError) as info:
        run.sweep(name, values)
    (issue,) = info.value.issues
    assert issue.column == key
    assert f"swept value {value}:" in issue.reason
    assert "e-07" not in issue.reason and "carry_scale" not in issue.reason


# ---- case warnings reach plan.json ---------------------------------------------------------------


def test_weekend_analysis_date_is_a_plan_warning(tmp_path: Path) -> None:
    """Finding: weekend analysis dates "without a word" (now a warning in plan.json, not only
    in the log)."""
    case = write_case(tmp_path, _set("analysis_date", value="2023-12-30"))  # a Saturday
    plan = PlanRun.load(str(case)).plan()
    flags = [w for w in plan.warnings if w.code == "case_input"]
    assert len(flags) == 1 and "Saturday" in flags[0].message
    assert flags[0].level == "warn"


# ---- the contracts file keeps its own located errors ---------------------------------------------


def test_contracts_file_errors_keep_their_file_and_row(tmp_path: Path) -> None:
    bad = tmp_path / "contracts.yaml"
    bad.write_text("TU:\n  x: [1,\n")
    case = PlanRun.load(str(CORE / "case.yaml")).case
    assert case.hedge is not None
    hedge = case.hedge.model_copy(
        update={"universe": case.hedge.universe.model_copy(update={"contracts_file": str(bad)})}
    )
    with pytest.raises(InputError) as info:
        _contract_table(hedge, str(tmp_path / "case.yaml"))
    (issue,) = info.value.issues
    # The contract file's own issue, not one flattened onto the case key.
    assert issue.source == str(bad) and issue.row is not None


# ---- scale: a 1,000,000-row holdings file --------------------------------------------------------


def test_a_million_holdings_are_refused_up_front(tmp_path: Path) -> None:
    """Finding: a 1M-row holdings file used 9.4 GB, then ran out of memory.

    It is now refused before any row is validated, with the limit and how to raise it, exit 2.
    The file (about 90 MB) is generated by repeating one valid row and deleted afterwards.
    """
    lines = (CORE / "holdings.csv").read_text().splitlines()
    header, row = lines[0], lines[1]
    path = tmp_path / "million.csv"
    with path.open("w") as fh:
        fh.write(header + "\n")
        fh.write((row + "\n") * 1_000_000)
    try:
        started = time.perf_counter()
        proc = cli("analyze", str(path), "--settle", "2024-01-02", "--json")
        seconds = time.perf_counter() - started
    finally:
        path.unlink()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert "more than 100,000 holdings" in proc.stderr
    assert "HEDGE_PLANNER_MAX_HOLDINGS" in proc.stderr
    # Measured about 2 s alone (interpreter start included); generous for a loaded CI machine.
    assert seconds < 30, seconds


# ---- internal optimiser names map back to the user's case keys --------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [("carry_scale", "hedge.costs.carry_weight"),
     ("slippage_scale", "hedge.costs.slippage_weight"),
     ("portfolio.bench_krd_dv01", "benchmark.krd"),
     ("duration_target", "hedge.limits.duration.target (default: benchmark.duration)"),
     ("krd_tol[6m]", "hedge.limits.krd_tolerance (6m)"),
     ("duration_band", "hedge.limits.duration.band"),
     ("margin_budget", "hedge.limits.margin_budget"),
     ("instruments[TUH4].q0", "hedge.universe.futures[0].current"),
     ("instruments[SOFR 5y].lo/hi", "hedge.universe.swaps[2].max_contracts/max_notional")],
)  # fmt: skip
def test_optimiser_names_map_to_case_keys(name: str, key: str) -> None:
    run = PlanRun.load(str(CORE / "case.yaml"))
    members = [(m.risk.kind, m.name) for m in run.universe()]
    paths = universe_paths(members)
    # The example lists six futures, then eight swaps: TU is futures[0], the 5y swap swaps[2].
    assert paths[members[0][1]] == "hedge.universe.futures[0]"
    assert members[0][1] == "TUH4"
    swap_names = [n for k, n in members if k == "swap"]
    assert paths[swap_names[2]] == "hedge.universe.swaps[2]"
    assert case_key(name.replace("SOFR 5y", swap_names[2]), paths) == key


def test_an_optimiser_input_error_is_reported_under_the_case_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding: internal names (``instruments[TUH4].q0``) in errors."""
    import hedge_planner.run as run_module

    def broken(*_a: object, **_k: object) -> None:
        raise HedgeInputError("instruments[TUH4].q0", "must be finite, got nan")

    monkeypatch.setattr(run_module, "_build_problem", broken)
    run = PlanRun.load(str(CORE / "case.yaml"))
    with pytest.raises(InputError) as info:
        run.problem()
    (issue,) = info.value.issues
    assert issue.column == "hedge.universe.futures[0].current"
    assert issue.reason == "must be finite, got nan"
    assert issue.source == str(CORE / "case.yaml")


def test_infeasible_limits_name_the_case_keys_to_move(tmp_path: Path) -> None:
    def mutate(case: dict[str, Any]) -> None:
        case["hedge"]["limits"]["duration"] = {"target": 2.0, "band": 0.05}
        case["hedge"]["limits"]["margin_budget"] = 1.0e6
        # The futures/swaps universe this was written for (zero-margin puts move KRD limits).
        for extra in ("future_options", "caps", "cdx"):
            case["hedge"]["universe"].pop(extra, None)

    proc = cli("hedge", str(write_case(tmp_path, mutate)), "--json")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["solver"]["status"] == "infeasible"
    assert "; case key hedge.limits.duration.band" in proc.stderr


# ---- independent problems are reported together -------------------------------------------------


def test_a_curve_that_cannot_bootstrap_is_reported_with_the_files_problems(tmp_path: Path) -> None:
    """Finding: "every problem at once" held only within one stage (curves after files)."""

    def mutate(case: dict[str, Any]) -> None:
        rates = case["curves"]["sofr"]["par_rates"]
        for i, tenor in enumerate(rates):  # a saw-tooth no discount curve reprices
            rates[tenor] = 0.25 if i % 2 else -0.05
        case["holdings"] = str(tmp_path / "missing.csv")

    path = write_case(tmp_path, mutate)
    with pytest.raises(InputError) as info:
        PlanRun.load(str(path))
    columns = {i.column for i in info.value.issues}
    assert "curves.sofr.par_rates" in columns
    assert any("missing.csv" in str(i) for i in info.value.issues)
    proc = cli("validate", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "curves.sofr.par_rates" in proc.stderr and "missing.csv" in proc.stderr

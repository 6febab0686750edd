"""Every ``--json`` command, run as a real process, prints JSON and nothing else on stdout.

Standard output is parsed ALONE with :func:`json.loads`; standard error may carry logs and
library banners. Non-finite floats never reach the JSON writer.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hedge_planner.jsonout import dumps, emit_json, json_stdout, sanitize

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "examples" / "core_plus"
CASE = str(CORE / "case.yaml")
HOLDINGS = str(CORE / "holdings.csv")
MATLAB = ROOT / "examples" / "matlab_duration_convexity_hedge"
CLI = [sys.executable, "-m", "hedge_planner.cli"]


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = proc.communicate(timeout=300)
    return proc.returncode, stdout, stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    """Run every --json command as its own process."""
    work = tmp_path_factory.mktemp("json")
    saved_plan = work / "saved" / "plan.json"
    commands: dict[str, list[str]] = {
        "analyze-csv": ["analyze", HOLDINGS, "--settle", "2023-12-29", "--json"],
        "analyze-case": ["analyze", CASE, "--json"],
        "baseline": ["baseline", str(MATLAB / "case.yaml"), "--json"],
        "instruments": ["instruments", CASE, "--json"],
        "hedge": ["hedge", CASE, "--json"],
        "sweep": ["sweep", CASE, "--param", "duration_target=6.0:6.4:0.2", "--json"],
        "scenarios": ["scenarios", CASE, "--json"],
        "plan": ["-v", "plan", CASE, "--out", str(work / "saved"), "--json"],
        "schema-case": ["schema", "case"],
        "schema-plan": ["schema", "plan"],
    }
    # Two at a time: the processes are independent, and the test machine's cores are shared.
    out: dict[str, tuple[int, str, str]] = {}
    names = list(commands)
    for i in range(0, len(names), 2):
        batch = {name: _start(commands[name], work) for name in names[i : i + 2]}
        out.update({name: _finish(p) for name, p in batch.items()})
    # scenarios --hedge replays the plan written above, so it runs after it.
    p = _start(["-v", "scenarios", CASE, "--hedge", str(saved_plan), "--json"], work)
    out["scenarios-hedge"] = _finish(p)
    return out


NAMES = [
    "analyze-csv",
    "analyze-case",
    "baseline",
    "instruments",
    "hedge",
    "sweep",
    "scenarios",
    "scenarios-hedge",
    "plan",
    "schema-case",
    "schema-plan",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_stdout_is_one_json_document(runs: dict[str, tuple[int, str, str]], name: str) -> None:
    code, out, err = runs[name]
    assert code == 0, err
    doc = json.loads(out)  # the whole of stdout, nothing stripped
    assert isinstance(doc, dict) and doc
    assert "Traceback" not in err


@pytest.mark.slow
def test_logs_and_library_banners_go_to_stderr(runs: dict[str, tuple[int, str, str]]) -> None:
    _, out, err = runs["plan"]
    assert "INFO" in err  # -v was given: progress logs exist, and they are on stderr
    assert "INFO " not in out and "Running HiGHS" not in out
    assert json.loads(out)["provenance"]["run_id"]


def test_native_writes_to_descriptor_1_are_moved_to_stderr() -> None:
    """A library writing straight to fd 1 (as the HiGHS banner does) cannot corrupt --json."""
    script = (
        "import os, sys\n"
        "import hedge_planner.cli as cli\n"
        "real = cli.run_baseline\n"
        "def noisy(*a, **k):\n"
        "    os.write(1, b'NATIVE BANNER\\n')\n"
        "    print('python print')\n"
        "    return real(*a, **k)\n"
        "cli.run_baseline = noisy\n"
        "sys.argv = ['hedge-planner', 'baseline', sys.argv[1], '--json']\n"
        "cli.main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(MATLAB / "case.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert round(json.loads(proc.stdout)["weights"][0], 4) == -0.3043
    assert "NATIVE BANNER" in proc.stderr and "python print" in proc.stderr


def test_sanitize_turns_non_finite_floats_into_null() -> None:
    doc = {
        "a": math.nan,
        "b": [1.5, math.inf, -math.inf],
        "c": np.float64("nan"),
        "d": np.array([1.0, np.nan]),
        "e": (np.int64(3), np.float32(0.5)),
        "f": {1: True, "g": None},
    }
    clean = sanitize(doc)
    assert clean == {
        "a": None,
        "b": [1.5, None, None],
        "c": None,
        "d": [1.0, None],
        "e": [3, 0.5],
        "f": {"1": True, "g": None},
    }

    # Strict JSON: the standard library's own strict parser accepts it.
    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard constant {token}")

    assert json.loads(dumps(doc), parse_constant=refuse)["b"] == [1.5, None, None]
    with pytest.raises(ValueError, match="not JSON compliant"):
        json.dumps(doc["b"], allow_nan=False)  # what happened before the sanitiser


def test_emit_json_writes_null_for_nan(capsys: pytest.CaptureFixture[str]) -> None:
    emit_json({"x": float("nan"), "y": 1.0})
    assert json.loads(capsys.readouterr().out) == {"x": None, "y": 1.0}


def test_json_stdout_restores_descriptor_1(tmp_path: Path) -> None:
    """After the block, fd 1 points where it did before (checked in a child process)."""
    script = (
        "import os, sys\n"
        "from hedge_planner.jsonout import json_stdout, emit_json\n"
        "with json_stdout():\n"
        "    os.write(1, b'noise\\n')\n"
        "    emit_json({'k': 1})\n"
        "os.write(1, b'after\\n')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == '{\n  "k": 1\n}\nafter\n'
    assert proc.stderr == "noise\n"


def test_json_stdout_is_a_no_op_without_a_real_descriptor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fd_target = os.fstat(1)
    with json_stdout():
        emit_json([1])
    assert os.fstat(1).st_ino == fd_target.st_ino
    assert json.loads(capsys.readouterr().out) == [1]

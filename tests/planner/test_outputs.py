"""--out checks and atomic output sets: a failed or interrupted run never replaces the previous set.

The "previous set" is planted as known bytes; after a failure, interruption or signal the folder
must hold exactly those bytes and no temporary file.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hedge_planner import cli as cli_module
from hedge_planner.cli import app
from hedge_planner.models.errors import InputError
from hedge_planner.outputs import OutputSet, prepare_out_folder, verify_output_set, write_plan_set
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "core_plus" / "case.yaml"
SET = ("plan.json", "report.html", "report.xlsx")
CLI = [sys.executable, "-m", "hedge_planner.cli"]
runner = CliRunner()


def _plant_previous_set(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    old = {name: f"previous {name}\n".encode() for name in SET}
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return old


def _assert_previous_set_intact(folder: Path, old: dict[str, bytes]) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(old), "temporaries left behind"
    for name, data in old.items():
        assert (folder / name).read_bytes() == data, f"{name} was replaced"


# ---- --out checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["empty", "file", "below-file", "dev-null", "unwritable"])
def test_bad_out_folders_are_user_errors(tmp_path: Path, kind: str) -> None:
    (tmp_path / "a-file").write_text("x")
    paths = {
        "empty": "",
        "file": str(tmp_path / "a-file"),
        "below-file": str(tmp_path / "a-file" / "sub"),
        "dev-null": os.devnull,
        # /proc refuses new entries even to root; a chmod-ed folder would not stop root.
        "unwritable": "/proc/self" if os.geteuid() == 0 else str(tmp_path / "ro"),
    }
    if kind == "unwritable" and os.geteuid() != 0:
        (tmp_path / "ro").mkdir()
        (tmp_path / "ro").chmod(0o500)
    expected = {
        "empty": "the output folder is empty",
        "file": "names a file",
        "below-file": "which is not a folder",
        "dev-null": "names a device or special file",
        "unwritable": "not writable",
    }[kind]
    with pytest.raises(InputError) as info:
        prepare_out_folder(paths[kind])
    assert expected in str(info.value)
    assert info.value.issues[0].source.startswith("--out")


def test_missing_out_folder_is_created(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper"
    assert prepare_out_folder(target) == target
    assert target.is_dir() and list(target.iterdir()) == []


def test_out_is_checked_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    # Not even the case is read before the folder check (loading it is the first step of a run).
    monkeypatch.setattr(
        cli_module.PlanRun, "load", classmethod(lambda cls, *a, **k: calls.append("ran"))
    )
    (tmp_path / "a-file").write_text("keep me")
    result = runner.invoke(app, ["plan", str(CASE), "--out", str(tmp_path / "a-file")])
    assert result.exit_code == 2
    assert "--out" in result.stderr and "names a file" in result.stderr
    assert calls == []  # the plan never started
    assert (tmp_path / "a-file").read_text() == "keep me"


@pytest.mark.slow
def test_bad_out_exits_2_as_a_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hedge_planner.cli", "plan", str(CASE), "--out", os.devnull],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "device or special file" in proc.stderr and "Traceback" not in proc.stderr


# ---- output sets --------------------------------------------------------------------------------


def test_output_set_renames_all_files_together(tmp_path: Path) -> None:
    old = _plant_previous_set(tmp_path)
    with OutputSet(tmp_path, "run1") as out:
        for name in SET:
            out.stage(name, lambda p, n=name: p.write_text(f"new {n}"))
        # Staged, not yet committed: the folder still shows the previous set's bytes.
        for name, data in old.items():
            assert (tmp_path / name).read_bytes() == data
        out.commit()
    assert {p.name for p in tmp_path.iterdir()} == set(SET)
    for name in SET:
        assert (tmp_path / name).read_text() == f"new {name}"


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failing_writer_replaces_nothing(tmp_path: Path, failure: BaseException) -> None:
    old = _plant_previous_set(tmp_path)

    def broken(path: Path) -> None:
        path.write_bytes(b"half a workbook")
        raise failure

    reports = {"report.html": lambda p: p.write_text("<html>new</html>"), "report.xlsx": broken}
    doc = {"provenance": {"run_id": "abc"}}
    with pytest.raises(type(failure)):
        write_plan_set(tmp_path, doc, reports, json.dumps)
    _assert_previous_set_intact(tmp_path, old)


def test_a_failing_report_writer_in_the_cli_leaves_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _plant_previous_set(tmp_path)

    def broken(document: object, path: Path) -> None:
        Path(path).write_bytes(b"PK partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_module, "write_excel", broken)
    result = runner.invoke(app, ["plan", str(CASE), "--out", str(tmp_path)])
    assert result.exit_code == 2  # the environment, not a bug
    assert "cannot write the outputs: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    _assert_previous_set_intact(tmp_path, old)


_SIGNAL_IN_WRITER = """
import os, signal, sys, time
import hedge_planner.cli as cli
real = cli.write_excel
SIG = getattr(signal, sys.argv[1])
def write_then_die(document, path):
    real(document, path)  # the temporary workbook now exists
    os.kill(os.getpid(), SIG)
    time.sleep(30)  # the signal arrives here
cli.write_excel = write_then_die
sys.argv = ['hedge-planner', 'plan', sys.argv[2], '--out', sys.argv[3]]
cli.main()
"""


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_while_writing_leaves_the_previous_set(
    tmp_path: Path, sig: str, code: int
) -> None:
    old = _plant_previous_set(tmp_path / "out")
    proc = subprocess.run(
        [sys.executable, "-c", _SIGNAL_IN_WRITER, sig, str(CASE), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == code, proc.stderr
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr
    _assert_previous_set_intact(tmp_path / "out", old)


@pytest.mark.slow
def test_sigint_from_outside_during_a_run_leaves_the_previous_set(tmp_path: Path) -> None:
    old = _plant_previous_set(tmp_path / "out")
    proc = subprocess.Popen(
        [*CLI, "plan", str(CASE), "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # imports done or nearly; the run is under way
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode != 0, err
    _assert_previous_set_intact(tmp_path / "out", old)


# ---- manifest: a mixed set cannot look complete -------------------------------------------------


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    a, b = tmp_path_factory.mktemp("run_a"), tmp_path_factory.mktemp("run_b")
    for folder in (a, b):
        result = runner.invoke(app, ["plan", str(CASE), "--out", str(folder)])
        assert result.exit_code == 0, result.stderr
    return a, b


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_of_a_set_carries_the_run_id(two_runs: tuple[Path, Path]) -> None:
    folder = two_runs[0]
    plan = json.loads((folder / "plan.json").read_text())
    run_id = plan["provenance"]["run_id"]
    assert plan["outputs"]["run_id"] == run_id
    assert (
        f'<meta name="hedge-planner-run-id" content="{run_id}">'
        in (folder / "report.html").read_text()
    )
    with zipfile.ZipFile(folder / "report.xlsx") as zf:
        assert run_id in zf.read("docProps/core.xml").decode()
    for name in ("report.html", "report.xlsx"):
        assert plan["outputs"]["files"][name]["sha256"] == _sha(folder / name)
        assert plan["outputs"]["files"][name]["bytes"] == (folder / name).stat().st_size
    assert verify_output_set(folder) == []


def test_a_mixed_set_is_detected(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = two_runs
    assert (
        json.loads((a / "plan.json").read_text())["provenance"]["run_id"]
        != json.loads((b / "plan.json").read_text())["provenance"]["run_id"]
    )
    for name in SET:
        (tmp_path / name).write_bytes((a / name).read_bytes())
    (tmp_path / "report.html").write_bytes((b / "report.html").read_bytes())
    problems = verify_output_set(tmp_path)
    assert problems == ["report.html does not match plan.json's SHA-256 (from another run?)"]
    (tmp_path / "report.xlsx").unlink()
    assert "report.xlsx is missing" in verify_output_set(tmp_path)

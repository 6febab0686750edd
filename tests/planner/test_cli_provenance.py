"""Provenance: plan.json and both reports record versions, the case file's SHA-256 and run time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cvxpy
import jsonschema
import numpy
import openpyxl
import pytest
from hedge_planner.cli import app
from hedge_planner.document import Plan
from hedge_planner.provenance import provenance
from hedge_planner.report_html import render_html
from hedge_planner.run import PlanRun
from hedge_planner.schema import plan_schema
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "examples" / "core_plus" / "case.yaml"
runner = CliRunner()


def _python() -> str:
    return ".".join(str(v) for v in sys.version_info[:3])


def _highspy_version() -> str:
    # Independent of importlib.metadata: ask pip, the installer, what it installed.
    out = subprocess.run(
        [sys.executable, "-m", "pip", "show", "highspy"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    version = [line.split(":", 1)[1] for line in out.splitlines() if line.startswith("Version:")]
    return version[0].strip()


def test_provenance_hashes_the_file_bytes_and_stamps_utc(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_bytes(b"\xef\xbb\xbfanalysis_date: 2024-01-02\n")  # BOM included: bytes, not text
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    prov = provenance(case)
    after = dt.datetime.now(dt.UTC)
    assert prov["case_sha256"] == hashlib.sha256(case.read_bytes()).hexdigest()
    assert prov["case_sha256_of"] == "file"
    when = dt.datetime.fromisoformat(prov["run_time_utc"])
    assert when.utcoffset() == dt.timedelta(0)
    assert before <= when <= after
    v = prov["versions"]
    assert v["python"] == _python()
    assert v["numpy"] == numpy.__version__ and v["cvxpy"] == cvxpy.__version__
    assert len(prov["run_id"]) == 32 and prov["run_id"] != provenance(case)["run_id"]


def test_provenance_of_standard_input_hashes_the_text() -> None:
    prov = provenance("<stdin>", case_text="analysis_date: 2024-01-02\n")
    assert prov["case_sha256"] == hashlib.sha256(b"analysis_date: 2024-01-02\n").hexdigest()
    assert prov["case_sha256_of"] == "text"
    assert provenance("<stdin>")["case_sha256"] is None


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("prov")
    result = runner.invoke(app, ["plan", str(CASE), "--out", str(folder)])
    assert result.exit_code == 0, result.stderr
    return folder


def test_plan_json_records_provenance(out: Path) -> None:
    prov = json.loads((out / "plan.json").read_text())["provenance"]
    assert prov["case_sha256"] == hashlib.sha256(CASE.read_bytes()).hexdigest()
    assert prov["versions"]["hedge-planner"]
    assert prov["versions"]["highspy"] == _highspy_version()
    assert prov["versions"]["numpy"] == numpy.__version__
    assert prov["versions"]["cvxpy"] == cvxpy.__version__
    assert prov["versions"]["python"] == _python()


def test_reports_record_provenance(out: Path) -> None:
    prov = json.loads((out / "plan.json").read_text())["provenance"]
    html = (out / "report.html").read_text()
    facts = [prov["run_id"], prov["case_sha256"], prov["run_time_utc"]]
    facts.append(f"numpy {numpy.__version__}")
    for fact in facts:
        assert fact in html
    wb = openpyxl.load_workbook(out / "report.xlsx")
    cells = [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]
    line = next(c for c in cells if prov["run_id"] in c)
    assert prov["case_sha256"] in line and f"cvxpy {cvxpy.__version__}" in line
    assert wb.properties.identifier == prov["run_id"]


# ---- typed provenance and manifest in the plan document ----------------------------------------


def _standalone_case(tmp_path: Path) -> Path:
    """The example case as text that names its holdings by absolute path (readable from stdin)."""
    text = CASE.read_text().replace(
        "holdings: holdings.csv", f"holdings: {CASE.parent / 'holdings.csv'}"
    )
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return path


def test_plan_json_loads_into_the_typed_plan_with_its_manifest(out: Path) -> None:
    doc = json.loads((out / "plan.json").read_text())
    jsonschema.validate(doc, plan_schema())
    plan = Plan.from_json(doc)
    assert plan.provenance is not None and plan.outputs is not None
    assert plan.outputs.run_id == plan.provenance.run_id
    # The manifest's facts, checked against the files themselves.
    assert set(plan.outputs.files) == {"report.html", "report.xlsx"}
    for name, facts in plan.outputs.files.items():
        data = (out / name).read_bytes()
        assert facts.sha256 == hashlib.sha256(data).hexdigest() and facts.bytes == len(data)
    assert plan.provenance.case_file == str(CASE) and plan.provenance.case_sha256_of == "file"


def test_the_case_hash_is_taken_when_the_run_loads_the_case(tmp_path: Path) -> None:
    path = _standalone_case(tmp_path)
    read = path.read_bytes()
    run = PlanRun.load(path)
    path.write_text(path.read_text() + "# edited while the run goes on\n")
    assert run.provenance.case_sha256 == hashlib.sha256(read).hexdigest()
    assert run.plan().provenance == run.provenance


def test_a_case_from_standard_input_records_the_hash_of_its_text(tmp_path: Path) -> None:
    text = _standalone_case(tmp_path).read_text()
    folder = tmp_path / "out"
    result = runner.invoke(app, ["plan", "-", "--out", str(folder)], input=text)
    assert result.exit_code == 0, result.stderr
    prov = json.loads((folder / "plan.json").read_text())["provenance"]
    assert prov["case_file"] == "<stdin>" and prov["case_sha256_of"] == "text"
    assert prov["case_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert prov["run_id"] in (folder / "report.html").read_text()


def test_the_plan_schema_describes_provenance_and_manifest(out: Path) -> None:
    schema = plan_schema()
    assert {"provenance", "outputs"} <= set(schema["required"])
    doc = json.loads((out / "plan.json").read_text())
    bad = json.loads(json.dumps(doc))
    del bad["outputs"]["files"]["report.html"]["sha256"]
    with pytest.raises(jsonschema.ValidationError, match="sha256"):
        jsonschema.validate(bad, schema)
    bad = json.loads(json.dumps(doc))
    bad["provenance"]["case_sha256_of"] = "guess"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_reports_of_a_plan_without_provenance_have_no_provenance_line() -> None:
    doc = json.loads((ROOT / "tests" / "data" / "plan_sample.json").read_text())
    doc["provenance"] = None
    page = render_html(doc)
    assert '<meta name="hedge-planner-run-id" content="">' in page
    assert "case sha256" not in page

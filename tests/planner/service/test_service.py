"""The HTTP service in-process (FastAPI TestClient): plans, reports, 422 shapes, reproducibility."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from fastapi.testclient import TestClient
from hedge_planner.service.app import ServiceSettings, create_app
from hedge_planner.service.jobs import Submission, run_submission
from hedge_planner.service.keys import create_key
from hedge_planner.service.store import PlanStore

from tests.planner.service.conftest import SMALL_CASE, SMALL_HOLDINGS, bearer


def _client(store: PlanStore, **settings: Any) -> TestClient:
    app = create_app(ServiceSettings(**settings), store=store)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(sqlite_store: PlanStore) -> Iterator[tuple[TestClient, dict[str, str]]]:
    key, _ = create_key(sqlite_store, "planner")
    with _client(sqlite_store) as c:
        yield c, bearer(key)


def _small_form() -> dict[str, tuple[str, bytes]]:
    return {
        "case": ("case.yaml", SMALL_CASE.encode()),
        "holdings": ("holdings.csv", SMALL_HOLDINGS.encode()),
    }


def _without_run_identity(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    for key in ("generated", "provenance", "outputs"):
        out.pop(key, None)
    return out


def test_plan_round_trip_and_reproducibility(db_url: str) -> None:
    store = PlanStore(db_url)
    key, info = create_key(store, "planner")
    with _client(store) as c:
        r = c.post("/v1/plans?portfolio=small", files=_small_form(), headers=bearer(key))
        assert r.status_code == 201, r.text
        created = r.json()
        plan_id = created["id"]
        assert created["status"] == "no_hedge"
        assert created["plan"]["case"] == "case.yaml"
        assert "hp-plan-" not in json.dumps(created["plan"])  # no server temporary path
        got = c.get(f"/v1/plans/{plan_id}", headers=bearer(key)).json()
        assert got["plan"] == created["plan"]
        assert got["portfolio"] == "small" and got["key_id"] == info.id
        assert got["analysis_date"] == "2024-01-02"
        assert got["versions"]["hedge-planner"]
        inputs = c.get(f"/v1/plans/{plan_id}/inputs", headers=bearer(key)).json()
        assert inputs["files"]["holdings.csv"] == SMALL_HOLDINGS
        html = c.get(f"/v1/plans/{plan_id}/report.html", headers=bearer(key))
        assert html.headers["content-type"].startswith("text/html")
        assert created["plan"]["provenance"]["run_id"] in html.text
        xlsx = c.get(f"/v1/plans/{plan_id}/report.xlsx", headers=bearer(key))
        assert len(openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames) >= 3
    # The stored inputs alone reproduce the stored plan (all but the run's own id and time).
    again = run_submission(Submission.from_inputs(inputs)).document
    assert _without_run_identity(again) == _without_run_identity(created["plan"])
    store.engine.dispose()


def test_plan_matches_the_cli(client: tuple[TestClient, dict[str, str]], tmp_path: Path) -> None:
    c, auth = client
    (tmp_path / "case.yaml").write_text(SMALL_CASE)
    (tmp_path / "holdings.csv").write_text(SMALL_HOLDINGS)
    cli = subprocess.run(
        [sys.executable, "-m", "hedge_planner.cli", "plan", "case.yaml", "--out", "out", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    served = c.post("/v1/plans", files=_small_form(), headers=auth).json()["plan"]
    assert _without_run_identity(served) == _without_run_identity(json.loads(cli.stdout))


def test_json_and_yaml_bodies(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    case = yaml.safe_load(SMALL_CASE)
    case["analysis_date"] = "2024-01-02"
    case["holdings"] = [
        {"id": "BOND-A", "face": 1e6, "coupon": 0.04, "maturity": "2029-01-02", "yield": 0.04}
    ]
    r = c.post("/v1/plans?portfolio=json", json=case, headers=auth)
    assert r.status_code == 201, r.text
    text = yaml.safe_dump(case)
    r = c.post("/v1/validate", content=text, headers=auth | {"content-type": "application/yaml"})
    assert r.status_code == 200 and r.json()["summary"]["holdings"] == 1


def test_listing_paginates(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    for name in ("p1", "p1", "p2"):
        assert c.post(f"/v1/plans?portfolio={name}", files=_small_form(), headers=auth).is_success
    first = c.get("/v1/plans?portfolio=p1&limit=1", headers=auth).json()
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next_offset"] == 1
    second = c.get("/v1/plans?portfolio=p1&limit=1&offset=1", headers=auth).json()
    assert second["next_offset"] is None
    assert first["items"][0]["id"] != second["items"][0]["id"]
    dated = c.get("/v1/plans?date_from=2024-01-03", headers=auth).json()
    assert dated["total"] == 0
    assert c.get("/v1/plans?limit=0", headers=auth).status_code == 422


def _cli_messages(tmp_path: Path, case: str, holdings: str) -> list[str]:
    (tmp_path / "case.yaml").write_text(case)
    (tmp_path / "holdings.csv").write_text(holdings)
    cli = subprocess.run(
        [sys.executable, "-m", "hedge_planner.cli", "validate", "case.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 2
    return [ln[4:] for ln in cli.stderr.splitlines() if ln.startswith("  - ")]


def test_422_has_the_clis_located_messages(
    client: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    c, auth = client
    bad_case = SMALL_CASE.replace("1y:", "1yy:") + "horizon: 3\n"
    bad_holdings = SMALL_HOLDINGS.replace("0.03,2033", "abc,2033")
    form = {
        "case": ("case.yaml", bad_case.encode()),
        "holdings": ("holdings.csv", bad_holdings.encode()),
    }
    for path in ("/v1/plans", "/v1/validate"):
        r = c.post(path, files=form, headers=auth)
        assert r.status_code == 422
        body = r.json()
        assert body["detail"].endswith("input problems") or body["detail"] == "1 input problem"
        for e in body["errors"]:
            assert set(e) == {"source", "row", "column", "reason", "hint", "message"}
        messages = [e["message"] for e in body["errors"]]
        assert len(messages) >= 3  # the case's two problems and the holdings file's
        assert messages == _cli_messages(tmp_path, bad_case, bad_holdings)


def test_holdings_file_errors_name_the_upload(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    form = {
        "case": ("case.yaml", SMALL_CASE.encode()),
        "holdings": ("holdings.csv", SMALL_HOLDINGS.replace("0.03,2033", "abc,2033").encode()),
    }
    errors = c.post("/v1/validate", files=form, headers=auth).json()["errors"]
    assert errors[0]["source"] == "holdings.csv"
    assert errors[0]["row"] == 3 and errors[0]["column"] == "coupon"


@pytest.mark.parametrize(
    ("holdings", "expected"),
    [("/etc/passwd", "outside"), ("../holdings.csv", "outside"), ("missing.csv", "")],
)
def test_a_case_cannot_read_server_files(
    client: tuple[TestClient, dict[str, str]], holdings: str, expected: str
) -> None:
    c, auth = client
    case = SMALL_CASE.replace("holdings: holdings.csv", f"holdings: {holdings}")
    r = c.post("/v1/validate", content=case, headers=auth | {"content-type": "application/yaml"})
    assert r.status_code == 422
    text = json.dumps(r.json())
    assert expected in text
    assert "root:" not in text and "/tmp/" not in text  # neither content nor server paths


@pytest.mark.parametrize(
    ("content", "ctype", "column"),
    [
        (b"{not json", "application/json", "body"),
        (b"[1, 2]", "application/json", "body"),
        (b"\xff\xfe", "application/yaml", "body"),
        (b"x", "application/octet-stream", "content-type"),
        (b"", "", "content-type"),
    ],
)
def test_malformed_bodies_are_422(
    client: tuple[TestClient, dict[str, str]], content: bytes, ctype: str, column: str
) -> None:
    c, auth = client
    headers = auth | ({"content-type": ctype} if ctype else {})
    r = c.post("/v1/plans", content=content, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["column"] == column


def test_unknown_plan_is_404(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    assert c.get("/v1/plans/nope", headers=auth).status_code == 404
    assert c.get("/v1/plans/nope/report.html", headers=auth).status_code == 404


def test_health_openapi_and_page(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    assert c.get("/healthz").json() == {"status": "ok"}
    assert c.get("/readyz").status_code == 200
    spec = c.get("/openapi.json").json()
    for path in ("/v1/plans", "/v1/plans/{plan_id}", "/v1/hedge", "/v1/validate", "/healthz"):
        assert path in spec["paths"]
    content = spec["paths"]["/v1/plans"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/yaml", "multipart/form-data"} <= set(content)
    assert "<form" in c.get("/").text
    assert c.get("/docs").status_code == 200


def test_body_size_limit(sqlite_store: PlanStore) -> None:
    key, _ = create_key(sqlite_store, "planner")
    with _client(sqlite_store, max_body_bytes=1000) as c:
        r = c.post("/v1/validate", content=b"x" * 1001, headers=bearer(key))
        assert r.status_code == 413
        r = c.post(
            "/v1/validate",
            content=iter([b"x" * 600, b"x" * 600]),  # streamed: no content-length
            headers=bearer(key) | {"content-type": "application/yaml"},
        )
        assert r.status_code == 413

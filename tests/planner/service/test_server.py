"""A real ``hedge-planner serve`` on a free port: keys from the CLI, concurrent submissions, the
PM's page in headless Chromium."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.browser import chromium_or_skip, run_chromium
from tests.planner.service.conftest import SMALL_CASE, SMALL_HOLDINGS, bearer

CLI = [sys.executable, "-m", "hedge_planner.cli"]
N_PLANS = 24


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _key(db: str, role: str) -> str:
    out = subprocess.run(
        [*CLI, "keys", "create", "--role", role, "--db", db, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(out.stdout)["key"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a running server; stopped with SIGTERM afterwards."""
    folder = tmp_path_factory.mktemp("server")
    db = f"sqlite:///{folder / 'plans.db'}"
    port = _free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--db", db, "--workers", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (folder / "server.log").read_text()
            assert time.monotonic() < deadline, "server did not start in 60 s"
            time.sleep(0.2)
        yield base, db
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_openapi_and_auth_over_the_network(server: tuple[str, str]) -> None:
    base, db = server
    spec = httpx.get(f"{base}/openapi.json").json()
    assert spec["info"]["title"] == "hedge-planner"
    assert httpx.get(f"{base}/v1/plans").status_code == 401
    viewer = _key(db, "viewer")
    assert httpx.get(f"{base}/v1/plans", headers=bearer(viewer)).status_code == 200
    r = httpx.post(f"{base}/v1/validate", content=SMALL_CASE, headers=bearer(viewer))
    assert r.status_code == 403


def test_concurrent_submissions_are_all_stored_once(server: tuple[str, str]) -> None:
    base, db = server
    key = _key(db, "planner")
    files = {"case": ("case.yaml", SMALL_CASE), "holdings": ("holdings.csv", SMALL_HOLDINGS)}

    def submit(i: int) -> tuple[int, str]:
        r = httpx.post(
            f"{base}/v1/plans",
            params={"portfolio": f"conc-{i}"},
            files=files,
            headers=bearer(key),
            timeout=300,
        )
        return r.status_code, r.json().get("id", r.text)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(submit, range(N_PLANS)))
    assert [code for code, _ in results] == [201] * N_PLANS
    ids = [plan_id for _, plan_id in results]
    assert len(set(ids)) == N_PLANS
    listed = httpx.get(f"{base}/v1/plans", params={"limit": 200}, headers=bearer(key)).json()
    mine = [p for p in listed["items"] if p["portfolio"].startswith("conc-")]
    assert sorted(p["id"] for p in mine) == sorted(ids)  # nothing lost, nothing duplicated
    assert sorted(p["portfolio"] for p in mine) == sorted(f"conc-{i}" for i in range(N_PLANS))


def test_pm_page_in_headless_chromium(server: tuple[str, str], tmp_path: Path) -> None:
    chromium_or_skip()
    base, db = server
    key = _key(db, "planner")
    files = {"case": ("case.yaml", SMALL_CASE), "holdings": ("holdings.csv", SMALL_HOLDINGS)}
    r = httpx.post(
        f"{base}/v1/plans", params={"portfolio": "page"}, files=files, headers=bearer(key)
    )
    plan_id = r.json()["id"]
    out, err = run_chromium(
        tmp_path, "--virtual-time-budget=10000", "--dump-dom", f"{base}/#key={key}"
    )
    dom = out.decode(errors="replace")
    # The page's script listed the stored plans with the key from the link.
    assert f'data-id="{plan_id}"' in dom, err.decode(errors="replace")[-2000:]
    assert "report.xlsx" in dom and "listed" in dom

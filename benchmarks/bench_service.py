"""Benchmark: the HTTP service under load on localhost (``hedge-planner serve`` in a subprocess).

Run: ``python benchmarks/bench_service.py [--hedge-requests 40] [--clients 4] [--plans 100]``.

1. ``POST /v1/hedge`` on the example's market and universe (``--market
   examples/core_plus/case.yaml``), the desk's book given as key-rate DV01s: ``--clients``
   concurrent clients send ``--hedge-requests`` requests in all (after warm-up ones); prints the
   throughput and p50/p99 latency. Reference measured in the same run: the same hedge sized
   in-process (``MarketContext.hedge``, no HTTP, one at a time); the ratio is the service's p50
   over the reference's median.
2. ``POST /v1/plans``: ``--plans`` small cases submitted at once by 16 clients; prints the
   throughput and p50/p99, and checks that every plan was stored exactly once.

Targets (issue 17, 2-core machine): hedge p50 < 50 ms and p99 < 150 ms with 4 clients; nothing
lost or duplicated among 100 concurrent plans.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _common import ROOT

EXAMPLE = ROOT / "examples" / "core_plus" / "case.yaml"
CLI = [sys.executable, "-m", "hedge_planner.cli"]
BOOK = {"krd_dv01": {"2y": 20_000.0, "5y": 15_000.0, "10y": 50_000.0, "30y": 5_000.0}}
SMALL_CASE = """\
analysis_date: 2024-01-02
holdings:
  - {id: BOND-A, face: 1000000, coupon: 0.04, maturity: 2029-01-02, yield: 0.040}
  - {id: BOND-B, face: 2000000, coupon: 0.03, maturity: 2033-01-02, yield: 0.041}
curves:
  treasury:
    par_yields: {1y: 0.048, 2y: 0.043, 5y: 0.039, 10y: 0.039, 30y: 0.041}
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(name: str, latencies: list[float], wall: float) -> None:
    print(
        f"{name}: {len(latencies)} requests in {wall:.2f} s = {len(latencies) / wall:.1f}/s; "
        f"p50 {1e3 * _pct(latencies, 0.5):.0f} ms, p99 {1e3 * _pct(latencies, 0.99):.0f} ms"
    )


def _start(folder: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    db = f"sqlite:///{folder / 'plans.db'}"
    out = subprocess.run(
        [*CLI, "keys", "create", "--role", "planner", "--db", db, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    key = json.loads(out.stdout)["key"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [*CLI, "serve", "--port", str(port), "--db", db, "--market", str(EXAMPLE)]
    cmd += ["--rate-limit", "100000"]
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return proc, base, key
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start: " + (folder / "server.log").read_text()[-2000:])


def _timed_posts(base: str, key: str, path: str, bodies: list[dict], clients: int) -> list[float]:
    headers = {"Authorization": f"Bearer {key}"}

    def one(body: dict) -> float:
        with httpx.Client(timeout=600) as c:
            start = time.perf_counter()
            r = c.post(f"{base}{path}", json=body, headers=headers)
            elapsed = time.perf_counter() - start
        if r.status_code not in (200, 201):
            raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
        return elapsed

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, bodies))


def _reference(repeats: int) -> float:
    """Median in-process time of the same desk hedge (no HTTP), seconds."""
    from hedge_planner.service.desk import HedgeRequest, hedge_overrides
    from hedge_planner.service.jobs import MarketContext

    market = MarketContext(EXAMPLE)
    overrides = hedge_overrides(HedgeRequest(**BOOK), market)
    market.hedge(overrides)  # warm the curve cache, as the server's warm-up does
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        market.hedge(overrides)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hedge-requests", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--plans", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hp-bench-") as tmp:
        proc, base, key = _start(Path(tmp))
        try:
            _timed_posts(base, key, "/v1/hedge", [BOOK] * args.clients, args.clients)  # warm-up
            start = time.perf_counter()
            lat = _timed_posts(base, key, "/v1/hedge", [BOOK] * args.hedge_requests, args.clients)
            _report(f"POST /v1/hedge ({args.clients} clients)", lat, time.perf_counter() - start)
            ref = _reference(10)
            print(f"reference: in-process hedge, median {1e3 * ref:.0f} ms")
            print(f"ratio service p50 / in-process median: {_pct(lat, 0.5) / ref:.2f}")
            start = time.perf_counter()
            plan_lat = _submit_plans(base, key, args.plans)
            _report(f"POST /v1/plans ({args.plans} at once)", plan_lat, time.perf_counter() - start)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _submit_plans(base: str, key: str, n: int) -> list[float]:
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/yaml"}

    def one(i: int) -> tuple[float, str]:
        with httpx.Client(timeout=900) as c:
            start = time.perf_counter()
            r = c.post(
                f"{base}/v1/plans",
                params={"portfolio": f"bench-{i}"},
                content=SMALL_CASE,
                headers=headers,
            )
            elapsed = time.perf_counter() - start
        if r.status_code != 201:
            raise SystemExit(f"/v1/plans: HTTP {r.status_code}: {r.text[:300]}")
        return elapsed, r.json()["id"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(n)))
    ids = {plan_id for _, plan_id in results}
    listed = httpx.get(
        f"{base}/v1/plans", params={"limit": 200}, headers={"Authorization": f"Bearer {key}"}
    ).json()
    stored = [p["id"] for p in listed["items"] if p["portfolio"].startswith("bench-")]
    ok = len(ids) == n and sorted(stored) == sorted(ids)
    print(
        f"plans: {n} sent, {len(ids)} ids, {len(stored)} stored: "
        f"{'nothing lost or duplicated' if ok else 'MISMATCH'}"
    )
    return [t for t, _ in results]


if __name__ == "__main__":
    main()

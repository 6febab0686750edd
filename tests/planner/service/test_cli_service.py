"""``hedge-planner keys`` and ``serve``: user errors exit 2 with a located message, JSON is JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "hedge_planner.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    created = _run("keys", "create", "--role", "admin", "--label", "ops", "--db", db, "--json")
    assert created.returncode == 0
    record = json.loads(created.stdout)  # stdout is the JSON document and nothing else
    assert record["key"].startswith("hp_") and record["role"] == "admin"
    plain = _run("keys", "create", "--role", "viewer", "--db", db)
    assert plain.stdout.strip().startswith("hp_") and "not shown again" in plain.stderr
    listed = json.loads(_run("keys", "list", "--db", db).stdout)
    assert [k["role"] for k in listed] == ["admin", "viewer"]
    assert all("key" not in k for k in listed)
    assert _run("keys", "revoke", str(record["id"]), "--db", db).returncode == 0
    assert json.loads(_run("keys", "list", "--db", db).stdout)[0]["revoked_at"] is not None


def test_keys_user_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    missing = _run("keys", "revoke", "42", "--db", db)
    assert missing.returncode == 2 and "no key 42" in missing.stderr
    bad_role = _run("keys", "create", "--role", "root", "--db", db)
    assert bad_role.returncode == 2
    bad_db = _run("keys", "create", "--role", "viewer", "--db", "nosuch://x")
    assert bad_db.returncode == 2 and "--db" in bad_db.stderr
    assert "Traceback" not in bad_db.stderr


def test_serve_refuses_a_bad_market_case(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    out = _run("serve", "--db", db, "--market", str(tmp_path / "missing.yaml"), "--port", "1")
    assert out.returncode == 2
    assert "missing.yaml" in out.stderr and "Traceback" not in out.stderr

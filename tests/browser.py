"""Headless Chromium for the tests that render a page (Debian's package; .ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

#: The flags a sandboxed, offline machine needs: no GPU, no sandbox as root, and no background
#: connections (refused here, and slow to fail).
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_or_skip() -> str:
    """Path of the browser; the test skips without it (fails in CI, which installs it)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium missing in CI")
        pytest.skip("chromium not installed")
    return browser


def run_chromium(tmp_path: Path, *args: str, timeout: float = 120) -> tuple[bytes, bytes]:
    """Run headless Chromium with ``args`` in a throw-away profile; (stdout, stderr).

    The browser runs in its own process group so that a hung run is killed with its helpers.
    """
    cmd = [chromium_or_skip(), *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()

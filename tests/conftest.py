"""Shared test hygiene."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _reset_package_logger() -> Iterator[None]:
    """The CLI configures the ``hedge_planner`` logger (level, stderr handler) when a test runs a
    command in-process; restore it so that later tests' ``caplog`` sees every record."""
    pkg = logging.getLogger("hedge_planner")
    handlers, level, propagate = list(pkg.handlers), pkg.level, pkg.propagate
    yield
    pkg.handlers[:] = handlers
    pkg.setLevel(level)
    pkg.propagate = propagate

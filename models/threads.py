"""How many threads block work may use: one setting for the pricers and the solvers."""

from __future__ import annotations

import os

__all__ = ["workers"]


def workers() -> int:
    """Threads for block work: ``HEDGE_PLANNER_THREADS`` or the CPU count, at most 4."""
    env = os.environ.get("HEDGE_PLANNER_THREADS", "")
    n = int(env) if env.isdigit() and int(env) > 0 else (os.cpu_count() or 1)
    return max(1, min(n, 4))
